//! A unit's score card for a period under one version of a scoring model (DOMAIN §5, §9).
//!
//! Points models (Decision 766) read figures computed elsewhere: satisfaction, on-time rate and
//! online share come from `dashboard::unit_figures`, the one definition every report uses; the
//! catalogue gives online provision and publication. Figures the app has no data for yet
//! (digitisation, feedback handling) are left out, so the card says "no data" rather than 0%.
//!
//! The Circular 01/2018 card averages the per-dossier evaluation the dossier page shows
//! (`evaluation::evaluate` on `EvaluationInput::of_dossier`) over the dossiers of the unit's
//! subtree finished in the period. Indicators judged for the unit rather than per dossier
//! (5, 6, 8, 9) take the unit's entered score, which every ballot of the unit carries.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ReportError;
use super::dashboard::unit_figures;
use super::figures::{DossierFigures, Satisfaction};
use super::table::{Cell, Table};
use crate::domain::Msg;
use crate::domain::dossier::Status;
use crate::domain::evaluation::{EvaluationInput, Source, evaluate};
use crate::domain::msg::Lang;
use crate::domain::period::Period;
use crate::domain::procedure::ProcedureLevel;
use crate::domain::scoring::{
    Basis, Circular01Card, Circular01Input, Figure, ManualEntries, Metric, MetricValues, ModelKind,
    Rule, ScoreCard, ScoringError, ScoringModel, format_points, score, score_circular01,
};
use crate::domain::time::{Millis, now_ms};
use crate::domain::unit::UnitLevel;
use crate::store::dossier_steps::StepTimeliness;
use crate::store::scoring::{CatalogueCounts, Entry, EntryChange, EntryColumn, StoredModel};
use crate::store::units::Unit;
use crate::store::{Store, StoreError};

/// One figure a points model can read, with its n and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FigureRow {
    pub metric: Metric,
    pub label_vi: String,
    pub label_en: String,
    /// None: no data (nothing counted, or nothing the app records yet).
    pub value: Option<f64>,
    pub n: u64,
    pub source_vi: String,
    pub source_en: String,
}

/// Points entered for one indicator and column, with who entered them and when.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EnteredPoints {
    pub points: f64,
    pub entered_by_name: Option<String>,
    pub entered_at: Millis,
}

/// An indicator people enter points for, with both columns as they stand.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ManualRow {
    pub key: String,
    /// The Circular 01 number (1–9); none for points models.
    pub number: Option<u8>,
    pub name_vi: String,
    pub name_en: String,
    pub max: f64,
    /// Judged for the unit, not per dossier (Circular 01 indicators 5, 6, 8, 9): whole scores.
    pub unit_level: bool,
    pub self_assessed: Option<EnteredPoints>,
    pub appraised: Option<EnteredPoints>,
    /// Which column the card scored with (points models; Circular 01 unit-level indicators in
    /// the computed column): the appraised one when there is one.
    pub used: Option<EntryColumn>,
}

/// Where a Circular 01 row's computed value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Circular01Source {
    pub number: u8,
    #[schema(value_type = String)]
    pub basis: Basis,
    /// For a unit-level indicator, the column its score was taken from.
    pub from_column: Option<EntryColumn>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Scorecard {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    /// "2026-Q4", "2026-11", …
    pub period: String,
    pub period_label_vi: String,
    pub period_label_en: String,
    pub model_key: String,
    pub model_version: u32,
    /// The newest version of the model: a card made with an older one says so.
    pub latest_version: u32,
    pub kind: ModelKind,
    pub model_name_vi: String,
    pub model_name_en: String,
    /// Kind points: groups, indicators (input values and n, rule text, points, max, basis),
    /// group subtotals, total, and the band when the model has bands.
    #[schema(value_type = Option<Object>)]
    pub points: Option<ScoreCard>,
    /// Kind circular01: the nine rows with sum, n and the computed, self-assessed and appraised
    /// columns, each column's total out of 18 and its band.
    #[schema(value_type = Option<Object>)]
    pub circular01: Option<Circular01Card>,
    /// Kind circular01: where each row's computed value comes from.
    pub sources: Vec<Circular01Source>,
    /// The figures the app computed for the unit and period (points models).
    pub figures: Vec<FigureRow>,
    /// Indicators entered by people, with both columns.
    pub manual: Vec<ManualRow>,
    /// Entered points this version cannot use (an indicator it no longer has as manual, or
    /// points above its max), so that nothing entered disappears silently.
    pub ignored_vi: Vec<String>,
    pub ignored_en: Vec<String>,
}

/// Active procedures a unit's subtree handles: its own level and the levels below it. The
/// catalogue is national; a commune handles commune procedures, a province all of them.
pub fn catalogue_levels(level: UnitLevel) -> Vec<ProcedureLevel> {
    match level {
        UnitLevel::Province => vec![
            ProcedureLevel::Province,
            ProcedureLevel::District,
            ProcedureLevel::Commune,
        ],
        UnitLevel::District => vec![ProcedureLevel::District, ProcedureLevel::Commune],
        UnitLevel::Commune => vec![ProcedureLevel::Commune],
    }
}

fn row(metric: Metric, f: Figure, vi: &str, en: &str) -> (Metric, Figure, FigureRow) {
    let label = metric.label();
    (
        metric,
        f,
        FigureRow {
            metric,
            label_vi: label.vi,
            label_en: label.en,
            value: f.value,
            n: f.n,
            source_vi: vi.into(),
            source_en: en.into(),
        },
    )
}

/// The figures of a unit and period, each with its n. Satisfaction and dossier figures are read
/// as `unit_figures` defines them; nothing here recounts them.
pub fn metric_values(
    s: &Satisfaction,
    d: &DossierFigures,
    catalogue: CatalogueCounts,
) -> (MetricValues, Vec<FigureRow>) {
    let timed = d.finished + d.overdue_open;
    let below_satisfied: u64 = s.levels[..3].iter().sum();
    let rows = vec![
        row(
            Metric::SatisfactionRate,
            Figure {
                value: s.rate,
                n: s.ballots,
            },
            "Phiếu đánh giá tại quầy và trực tuyến (không tính phiếu bị đánh dấu)",
            "Counter and online ballots (flagged ones excluded)",
        ),
        row(
            Metric::VerySatisfiedShare,
            Figure {
                value: s.very_satisfied_share,
                n: s.top_offered,
            },
            "Phiếu trên thang có mức rất hài lòng",
            "Ballots on a scale offering very satisfied",
        ),
        row(
            Metric::NegativeRatingRate,
            Figure::from_counts(below_satisfied, s.ballots),
            "Phiếu ở mức bình thường trở xuống / số phiếu",
            "Ballots at neutral or below / ballots",
        ),
        row(
            Metric::OnTimeRate,
            Figure {
                value: d.on_time_rate,
                n: timed,
            },
            "(Trước hạn + đúng hạn) / (đã giải quyết + chưa xong mà quá hạn)",
            "(Early + on time) / (finished + open and overdue)",
        ),
        row(
            Metric::LateRate,
            Figure {
                value: d.on_time_rate.map(|r| 1.0 - r),
                n: timed,
            },
            "1 − tỉ lệ đúng hạn, cùng mẫu số",
            "1 − on-time rate, over the same dossiers",
        ),
        row(
            Metric::OnlineSubmissionShare,
            Figure {
                value: d.online_share,
                n: d.received,
            },
            "Hồ sơ tiếp nhận trực tuyến / hồ sơ tiếp nhận",
            "Dossiers received online / dossiers received",
        ),
        row(
            Metric::OnlineProvisionShare,
            Figure::from_counts(catalogue.online, catalogue.active),
            "Thủ tục đang áp dụng có dịch vụ công trực tuyến toàn trình hoặc một phần / thủ tục đang áp dụng",
            "Active procedures offered fully or partly online / active procedures",
        ),
        row(
            Metric::ProceduresPublishedShare,
            Figure::from_counts(catalogue.published, catalogue.active),
            "Thủ tục đang áp dụng có đủ thành phần hồ sơ và căn cứ pháp lý / thủ tục đang áp dụng",
            "Active procedures with their documents and legal basis filled in / active procedures",
        ),
        row(
            Metric::DigitisationRate,
            Figure::NONE,
            "Phần mềm chưa ghi nhận việc số hoá hồ sơ",
            "The app does not record digitisation yet",
        ),
        row(
            Metric::FeedbackOnTimeRate,
            Figure::NONE,
            "Phần mềm chưa quản lý phản ánh, kiến nghị",
            "The app does not handle feedback yet",
        ),
    ];
    let values = rows
        .iter()
        .filter(|(_, f, _)| f.value.is_some())
        .map(|(m, f, _)| (*m, *f))
        .collect();
    (values, rows.into_iter().map(|(_, _, r)| r).collect())
}

/// An indicator people may enter points for under a model.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryTarget {
    pub key: String,
    pub number: Option<u8>,
    pub name_vi: String,
    pub name_en: String,
    pub max: f64,
    pub unit_level: bool,
}

/// Circular 01 numbers (1–9) that the per-dossier evaluation leaves to the unit.
fn unit_level_numbers() -> Vec<u8> {
    evaluate(&EvaluationInput::default())
        .indicators
        .iter()
        .filter(|i| i.source == Source::UnitLevel)
        .map(|i| i.number)
        .collect()
}

/// What may be entered under a model: its `manual` indicators (points), or all nine indicators
/// in the self-assessed and appraised columns (circular01).
pub fn entry_targets(model: &ScoringModel) -> Vec<EntryTarget> {
    let unit_level = unit_level_numbers();
    model
        .groups
        .iter()
        .flat_map(|g| &g.indicators)
        .filter_map(|i| {
            let number = match (&i.rule, model.kind) {
                (Rule::Manual {}, ModelKind::Points) => None,
                (Rule::BallotAverage { number }, ModelKind::Circular01) => Some(*number),
                _ => return None,
            };
            Some(EntryTarget {
                key: i.key.clone(),
                number,
                name_vi: i.name_vi.clone(),
                name_en: i.name_en.clone(),
                max: i.max_points,
                unit_level: number.is_some_and(|n| unit_level.contains(&n)),
            })
        })
        .collect()
}

/// Checks changes against what the model lets people enter.
pub fn check_changes(model: &ScoringModel, changes: &[EntryChange]) -> Result<(), Msg> {
    let targets = entry_targets(model);
    for c in changes {
        let Some(t) = targets.iter().find(|t| t.key == c.indicator) else {
            return Err(Msg::new(
                format!(
                    "'{}' không phải chỉ số nhập điểm của mô hình {} phiên bản {}",
                    c.indicator, model.key, model.version
                ),
                format!(
                    "'{}' is not an indicator to enter points for in model {} version {}",
                    c.indicator, model.key, model.version
                ),
            ));
        };
        let Some(p) = c.points else { continue };
        let max = t.max;
        if !(p.is_finite() && (0.0..=max).contains(&p)) {
            return Err(Msg::new(
                format!(
                    "Điểm của '{}' phải từ 0 đến {}",
                    t.name_vi,
                    format_points(max, Lang::Vi)
                ),
                format!(
                    "The points for '{}' must be 0 to {}",
                    t.name_en,
                    format_points(max, Lang::En)
                ),
            ));
        }
        if t.unit_level && p.fract() != 0.0 {
            return Err(Msg::new(
                format!(
                    "Chỉ số '{}' chấm cho cả đơn vị: nhập 0, 1 hoặc 2",
                    t.name_vi
                ),
                format!(
                    "Indicator '{}' is judged for the whole unit: enter 0, 1 or 2",
                    t.name_en
                ),
            ));
        }
    }
    Ok(())
}

fn entered(e: &Entry) -> EnteredPoints {
    EnteredPoints {
        points: e.points,
        entered_by_name: e.entered_by_name.clone(),
        entered_at: e.entered_at,
    }
}

/// Both columns per target; entries the model cannot use go to `ignored`.
fn manual_rows(
    targets: &[EntryTarget],
    entries: &[Entry],
    ignored: &mut Vec<Msg>,
) -> Vec<ManualRow> {
    let mut rows: Vec<ManualRow> = targets
        .iter()
        .map(|t| ManualRow {
            key: t.key.clone(),
            number: t.number,
            name_vi: t.name_vi.clone(),
            name_en: t.name_en.clone(),
            max: t.max,
            unit_level: t.unit_level,
            self_assessed: None,
            appraised: None,
            used: None,
        })
        .collect();
    for e in entries {
        let fits = |r: &ManualRow| e.points <= r.max && (!r.unit_level || e.points.fract() == 0.0);
        match rows.iter_mut().find(|r| r.key == e.indicator) {
            Some(r) if fits(r) => {
                let slot = match e.column {
                    EntryColumn::SelfAssessed => &mut r.self_assessed,
                    EntryColumn::Appraised => &mut r.appraised,
                };
                *slot = Some(entered(e));
            }
            _ => ignored.push(Msg::new(
                format!(
                    "{} '{}' = {}: phiên bản mô hình này không dùng được",
                    e.column.label().vi,
                    e.indicator,
                    format_points(e.points, Lang::Vi)
                ),
                format!(
                    "{} '{}' = {}: not usable with this model version",
                    e.column.label().en,
                    e.indicator,
                    format_points(e.points, Lang::En)
                ),
            )),
        }
    }
    for r in &mut rows {
        r.used = if r.appraised.is_some() {
            Some(EntryColumn::Appraised)
        } else if r.self_assessed.is_some() {
            Some(EntryColumn::SelfAssessed)
        } else {
            None
        };
    }
    rows
}

fn scoring_failed(e: ScoringError) -> ReportError {
    ReportError::Store(StoreError::Invalid(e.msg().clone()))
}

/// The Circular 01 input of a unit and period: per indicator, the ballots (dossiers finished
/// in the period) that scored it and the sum of their scores; unit-level indicators from the
/// entered score (appraised, else self-assessed), carried by every ballot.
pub async fn circular01_input(
    store: &Store,
    unit: &Unit,
    period: Period,
    model: &ScoringModel,
    manual: &[ManualRow],
) -> Result<(Circular01Input, Vec<Circular01Source>), ReportError> {
    let (start, end) = period.range();
    let now = now_ms();
    let mut input = Circular01Input::default();
    for d in store.scorecard_dossiers(unit.id, start, end).await? {
        let status = Status::from_code(d.status).ok_or_else(|| {
            StoreError::invalid(
                format!("Hồ sơ số {} có trạng thái hỏng", d.id),
                format!("Dossier {} has a corrupt status", d.id),
            )
        })?;
        let steps = d
            .steps
            .iter()
            .map(|(due, finished)| StepTimeliness::of(*due, *finished, now).timeliness())
            .collect();
        let e = evaluate(&EvaluationInput::of_dossier(
            status,
            d.due_at,
            d.finished_at,
            d.supplement_count,
            steps,
            d.attitude,
            now,
        ));
        input.ballots += 1;
        for i in &e.indicators {
            if let Some(s) = i.score {
                let k = usize::from(i.number - 1);
                input.sums[k] += u64::from(s);
                input.scored[k] += 1;
            }
        }
    }
    let mut sources = Vec::new();
    for ind in model.groups.iter().flat_map(|g| &g.indicators) {
        let Rule::BallotAverage { number } = ind.rule else {
            continue;
        };
        let k = usize::from(number - 1);
        let r = manual.iter().find(|r| r.key == ind.key);
        input.self_assessed[k] = r.and_then(|r| r.self_assessed.as_ref()).map(|e| e.points);
        input.appraised[k] = r.and_then(|r| r.appraised.as_ref()).map(|e| e.points);
        let mut source = Circular01Source {
            number,
            basis: if input.scored[k] > 0 {
                Basis::Measured
            } else {
                Basis::NoData
            },
            from_column: None,
        };
        if let Some(r) = r.filter(|r| r.unit_level) {
            let picked = r.used.and_then(|c| match c {
                EntryColumn::Appraised => r.appraised.as_ref().map(|e| (c, e.points)),
                EntryColumn::SelfAssessed => r.self_assessed.as_ref().map(|e| (c, e.points)),
            });
            if let (Some((column, v)), true) = (picked, input.ballots > 0) {
                // A whole score (checked on entry) that every ballot of the unit carries.
                input.sums[k] = v as u64 * input.ballots;
                input.scored[k] = input.ballots;
                source.basis = Basis::Entered;
                source.from_column = Some(column);
            }
        }
        sources.push(source);
    }
    Ok((input, sources))
}

impl Scorecard {
    /// Scores a unit for a period with the stored model version given.
    pub async fn build(
        store: &Store,
        unit: &Unit,
        period: Period,
        stored: &StoredModel,
    ) -> Result<Scorecard, ReportError> {
        let model = &stored.model;
        let slug = period.slug();
        let entries = store.scoring_entries(unit.id, &model.key, &slug).await?;
        let mut ignored = Vec::new();
        let manual = manual_rows(&entry_targets(model), &entries, &mut ignored);
        let (mut points, mut circular01, mut sources, mut figures) =
            (None, None, Vec::new(), Vec::new());
        match model.kind {
            ModelKind::Points => {
                let (s, d) = unit_figures(store, unit.id, period).await?;
                let catalogue = store
                    .scorecard_catalogue(&catalogue_levels(unit.level()))
                    .await?;
                let (values, rows) = metric_values(&s, &d, catalogue);
                figures = rows;
                let chosen: ManualEntries = manual
                    .iter()
                    .filter_map(|r| {
                        let e = match r.used? {
                            EntryColumn::Appraised => r.appraised.as_ref(),
                            EntryColumn::SelfAssessed => r.self_assessed.as_ref(),
                        };
                        Some((r.key.clone(), e?.points))
                    })
                    .collect();
                points = Some(score(model, &values, &chosen).map_err(scoring_failed)?);
            }
            ModelKind::Circular01 => {
                let (input, from) = circular01_input(store, unit, period, model, &manual).await?;
                circular01 = Some(score_circular01(model, &input).map_err(scoring_failed)?);
                sources = from;
            }
        }
        Ok(Scorecard {
            unit_id: unit.id,
            unit_code: unit.code.clone(),
            unit_name: unit.name.clone(),
            period: slug,
            period_label_vi: period.label_vi(),
            period_label_en: period.label_en(),
            model_key: model.key.clone(),
            model_version: model.version,
            latest_version: stored.latest_version,
            kind: model.kind,
            model_name_vi: model.name_vi.clone(),
            model_name_en: model.name_en.clone(),
            points,
            circular01,
            sources,
            figures,
            manual,
            ignored_vi: ignored.iter().map(|m| m.vi.clone()).collect(),
            ignored_en: ignored.iter().map(|m| m.en.clone()).collect(),
        })
    }

    /// The report's heading lines, for files.
    pub fn title_lines(&self) -> Vec<String> {
        vec![
            format!(
                "BẢNG ĐIỂM – {} – {}",
                self.model_name_vi,
                self.period_label_vi.to_uppercase()
            ),
            format!("Đơn vị: {} (mã {})", self.unit_name, self.unit_code),
            format!(
                "Mô hình {} phiên bản {} (phiên bản mới nhất: {})",
                self.model_key, self.model_version, self.latest_version
            ),
        ]
    }

    /// The card as one table, as downloaded (CSV and XLSX).
    pub fn table(&self) -> Table {
        match (&self.points, &self.circular01) {
            (Some(c), _) => points_table(c),
            (None, Some(c)) => circular01_table(c, &self.sources, &self.manual),
            (None, None) => unreachable!("a score card has one kind"),
        }
    }
}

fn basis_vi(b: Basis) -> &'static str {
    match b {
        Basis::Measured => "Tính từ dữ liệu",
        Basis::Entered => "Nhập tay",
        Basis::NoData => "Chưa có dữ liệu",
    }
}

fn points_table(c: &ScoreCard) -> Table {
    let headers = [
        "Nhóm",
        "Chỉ số",
        "Số liệu đầu vào",
        "Tỉ lệ áp dụng (%)",
        "n",
        "Quy tắc tính điểm",
        "Điểm",
        "Tối đa",
        "Căn cứ",
    ]
    .map(String::from)
    .to_vec();
    let mut rows = Vec::new();
    for g in &c.groups {
        for i in &g.indicators {
            let inputs = i
                .inputs
                .iter()
                .map(|x| {
                    let v = x
                        .value
                        .map(|v| format!("{:.1}%", v * 100.0))
                        .unwrap_or_else(|| "chưa có dữ liệu".into());
                    format!("{}: {v} (n = {})", x.label.vi, x.n)
                })
                .collect::<Vec<_>>()
                .join("; ");
            rows.push(vec![
                Cell::Text(g.name_vi.clone()),
                Cell::Text(i.name_vi.clone()),
                Cell::Text(inputs),
                Cell::Pct(i.rate),
                match i.inputs.as_slice() {
                    [one] => Cell::Count(one.n),
                    _ => Cell::Text(String::new()),
                },
                Cell::Text(i.rule.vi.clone()),
                Cell::Num(Some(i.points)),
                Cell::Num(Some(i.max)),
                Cell::Text(basis_vi(i.basis).into()),
            ]);
        }
        rows.push(vec![
            Cell::Text(g.name_vi.clone()),
            Cell::Text("Cộng nhóm".into()),
            Cell::Text(String::new()),
            Cell::Pct(None),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Num(Some(g.points)),
            Cell::Num(Some(g.max)),
            Cell::Text(String::new()),
        ]);
    }
    let note = c
        .note
        .as_ref()
        .map(|n| n.vi.clone())
        .or_else(|| c.band.as_ref().map(|b| format!("Xếp loại: {}", b.name_vi)))
        .unwrap_or_default();
    rows.push(vec![
        Cell::Text("TỔNG ĐIỂM".into()),
        Cell::Text(String::new()),
        Cell::Text(String::new()),
        Cell::Pct(None),
        Cell::Text(String::new()),
        Cell::Text(String::new()),
        Cell::Num(Some(c.total)),
        Cell::Num(Some(c.max)),
        Cell::Text(note),
    ]);
    Table {
        key: "scorecard",
        sheet: "Bảng điểm".into(),
        greyed: rows.iter().map(|_| false).collect(),
        headers,
        rows,
    }
}

fn circular01_table(
    c: &Circular01Card,
    sources: &[Circular01Source],
    manual: &[ManualRow],
) -> Table {
    let headers = [
        "STT",
        "Chỉ số",
        "Tổng điểm các phiếu",
        "Số phiếu chấm",
        "Kết quả tính",
        "Căn cứ",
        "Tự đánh giá",
        "Thẩm định",
    ]
    .map(String::from)
    .to_vec();
    let by_number: BTreeMap<u8, &Circular01Source> =
        sources.iter().map(|s| (s.number, s)).collect();
    let mut rows: Vec<Vec<Cell>> = c
        .rows
        .iter()
        .map(|r| {
            let basis = match by_number.get(&r.number) {
                Some(s) => match s.from_column {
                    Some(col) => format!("Nhập tay ({})", col.label().vi.to_lowercase()),
                    None => basis_vi(s.basis).into(),
                },
                None => String::new(),
            };
            vec![
                Cell::Count(u64::from(r.number)),
                Cell::Text(r.name_vi.clone()),
                Cell::Count(r.sum),
                Cell::Count(r.n),
                Cell::Num(r.computed),
                Cell::Text(basis),
                Cell::Num(r.self_assessed),
                Cell::Num(r.appraised),
            ]
        })
        .collect();
    let total =
        |col: &crate::domain::scoring::Circular01Column| (col.present > 0).then_some(col.total);
    rows.push(vec![
        Cell::Text(String::new()),
        Cell::Text(format!(
            "Tổng điểm (tối đa {})",
            format_points(c.computed.max, Lang::Vi)
        )),
        Cell::Text(String::new()),
        Cell::Count(c.ballots),
        Cell::Num(total(&c.computed)),
        Cell::Text(String::new()),
        Cell::Num(total(&c.self_assessed)),
        Cell::Num(total(&c.appraised)),
    ]);
    let band = |col: &crate::domain::scoring::Circular01Column| {
        col.band
            .as_ref()
            .map(|b| b.name_vi.clone())
            .unwrap_or_else(|| "Chưa xếp loại".into())
    };
    rows.push(vec![
        Cell::Text(String::new()),
        Cell::Text("Xếp loại".into()),
        Cell::Text(String::new()),
        Cell::Text(String::new()),
        Cell::Text(band(&c.computed)),
        Cell::Text(String::new()),
        Cell::Text(band(&c.self_assessed)),
        Cell::Text(band(&c.appraised)),
    ]);
    // Who entered the columns, so the file answers for them as the page does.
    let who = |e: &Option<EnteredPoints>| {
        e.as_ref()
            .map(|e| {
                format!(
                    "{} ({})",
                    e.entered_by_name.clone().unwrap_or_default(),
                    crate::domain::time::format_local(e.entered_at)
                )
            })
            .unwrap_or_default()
    };
    for m in manual
        .iter()
        .filter(|m| m.self_assessed.is_some() || m.appraised.is_some())
    {
        rows.push(vec![
            Cell::Count(u64::from(m.number.unwrap_or(0))),
            Cell::Text(format!("Người nhập: {}", m.name_vi)),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Num(None),
            Cell::Text(String::new()),
            Cell::Text(who(&m.self_assessed)),
            Cell::Text(who(&m.appraised)),
        ]);
    }
    Table {
        key: "scorecard",
        sheet: "Bảng điểm".into(),
        greyed: rows.iter().map(|_| false).collect(),
        headers,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::aggregate::{DossierCounts, LevelCounts};
    use crate::domain::scoring::default_models;
    use crate::store::aggregates::OpenNow;

    fn model(key: &str) -> ScoringModel {
        default_models().into_iter().find(|m| m.key == key).unwrap()
    }

    #[test]
    fn figures_come_from_the_shared_definitions_with_their_n() {
        // 34 satisfied of 40 (85%), 10 very satisfied of the 30 on a five-level scale.
        let s = Satisfaction::of(&LevelCounts {
            levels: [2, 0, 4, 24, 10],
            top_offered: 30,
            flagged: 1,
        });
        // 9 of 10 early or on time, one of them still open and overdue.
        let d = DossierFigures::of(
            &DossierCounts {
                received: 12,
                received_online: 3,
                finished: 9,
                early: 5,
                on_time: 4,
                ..Default::default()
            },
            OpenNow {
                open: 2,
                overdue: 1,
            },
        );
        let cat = CatalogueCounts {
            active: 8,
            online: 6,
            published: 7,
        };
        let (v, rows) = metric_values(&s, &d, cat);
        let get = |m| v.get(&m).copied();
        assert_eq!(
            get(Metric::SatisfactionRate),
            Some(Figure {
                value: Some(0.85),
                n: 40
            })
        );
        assert_eq!(get(Metric::VerySatisfiedShare).unwrap().n, 30);
        assert_eq!(
            get(Metric::NegativeRatingRate),
            Some(Figure::from_counts(6, 40))
        );
        assert_eq!(get(Metric::OnTimeRate), Some(Figure::from_counts(9, 10)));
        let late = get(Metric::LateRate).unwrap();
        assert_eq!(late.n, 10);
        assert!((late.value.unwrap() - 0.1).abs() < 1e-12);
        assert_eq!(
            get(Metric::OnlineSubmissionShare),
            Some(Figure::from_counts(3, 12))
        );
        assert_eq!(
            get(Metric::OnlineProvisionShare),
            Some(Figure::from_counts(6, 8))
        );
        assert_eq!(
            get(Metric::ProceduresPublishedShare),
            Some(Figure::from_counts(7, 8))
        );
        // No data yet: left out of the values, listed with no value.
        assert_eq!(get(Metric::DigitisationRate), None);
        assert_eq!(get(Metric::FeedbackOnTimeRate), None);
        assert_eq!(rows.len(), Metric::ALL.len());
        // Every figure reads as the scorer wants: a value only with n > 0.
        let card = score(&model("qd766"), &v, &ManualEntries::new()).unwrap();
        assert_eq!(card.no_data, 1);
    }

    #[test]
    fn nothing_counted_gives_no_value_rather_than_zero() {
        let (v, rows) = metric_values(
            &Satisfaction::default(),
            &DossierFigures::default(),
            CatalogueCounts::default(),
        );
        assert!(v.is_empty());
        assert!(rows.iter().all(|r| r.value.is_none() && r.n == 0));
    }

    #[test]
    fn entries_are_checked_against_the_model() {
        let t = model("tt01_2018");
        let targets = entry_targets(&t);
        assert_eq!(targets.len(), 9);
        let unit_level: Vec<u8> = targets
            .iter()
            .filter(|t| t.unit_level)
            .filter_map(|t| t.number)
            .collect();
        assert_eq!(unit_level, [5, 6, 8, 9]);
        let change = |key: &str, p: f64| EntryChange {
            indicator: key.into(),
            column: EntryColumn::SelfAssessed,
            points: Some(p),
        };
        assert!(check_changes(&t, &[change("total_time", 1.5)]).is_ok());
        assert!(check_changes(&t, &[change("total_time", 2.5)]).is_err());
        assert!(check_changes(&t, &[change("one_stop", 1.5)]).is_err());
        assert!(check_changes(&t, &[change("one_stop", 2.0)]).is_ok());
        assert!(check_changes(&t, &[change("nothing", 1.0)]).is_err());
        // The shipped Decision 766 model has no manual indicator.
        let q = model("qd766");
        assert!(entry_targets(&q).is_empty());
        assert!(check_changes(&q, &[change("on_time", 1.0)]).is_err());
    }
}
