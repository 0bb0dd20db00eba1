//! A unit's dashboard for a period (DOMAIN §4, §6, §10): satisfaction with its interval and the
//! same period a year earlier, answers per question, counters with their response rates,
//! dossier timeliness and online share, 24-month trends, the hour-of-week pattern, and
//! drill-down rows for sub-units and officials. Everything is read from the aggregates.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::ReportError;
use super::figures::{DossierFigures, Satisfaction};
use super::table::{Cell, Table, satisfaction_cells, satisfaction_headers};
use crate::domain::aggregate::{DossierCounts, LevelCounts, day_key, dim, dossier_dim};
use crate::domain::form::FormDefinition;
use crate::domain::period::{BucketKey, Period, month_key};
use crate::domain::time::{Month, local_time, now_ms};
use crate::store::Store;
use crate::store::aggregates::{AggPart, OpenNow};
use crate::store::dashboards::{LabelMap, UnitLabel, UnitSet};
use crate::store::units::Unit;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionRow {
    pub key: String,
    pub label_vi: String,
    pub label_en: String,
    pub satisfaction: Satisfaction,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CounterRow {
    /// None for ratings given away from a counter (QR code at home, staff entry).
    pub counter_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub place: String,
    pub satisfaction: Satisfaction,
    /// Results handed back at this counter in the period.
    pub returned: u64,
    /// Ballots / results handed back: a falling rate at one counter is a signal (DOMAIN §10).
    pub response_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubUnitRow {
    pub unit: UnitLabel,
    pub satisfaction: Satisfaction,
    pub dossiers: DossierFigures,
    pub below_min_n: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonRow {
    /// None for ballots not tied to an official.
    pub official_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub unit_name: String,
    pub satisfaction: Satisfaction,
    pub below_min_n: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendPoint {
    /// YYYY-MM
    pub month: String,
    pub satisfaction: Satisfaction,
    pub dossiers: DossierFigures,
}

/// Ballots in one hour of one weekday (0 = Sunday), summed over the period.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct ClockCell {
    pub weekday: u8,
    pub hour: u8,
    pub ballots: u64,
    pub satisfied: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_level: String,
    /// "2026-11", "2026-Q4", "2026" or "2026-01..2026-05".
    pub period: String,
    pub period_label_vi: String,
    pub period_label_en: String,
    pub min_n: u64,
    pub satisfaction: Satisfaction,
    /// The same months one year earlier (year-on-year comparison, seed 000).
    pub satisfaction_year_before: Satisfaction,
    pub dossiers: DossierFigures,
    pub questions: Vec<QuestionRow>,
    pub counters: Vec<CounterRow>,
    pub sub_units: Vec<SubUnitRow>,
    pub officials: Vec<PersonRow>,
    /// The 24 months ending with the period's last month (or this month), oldest first.
    pub trend: Vec<TrendPoint>,
    pub clock: Vec<ClockCell>,
}

fn sum_levels<'a>(rows: impl IntoIterator<Item = &'a LevelCounts>) -> LevelCounts {
    let mut t = LevelCounts::default();
    for r in rows {
        t += *r;
    }
    t
}

/// Open and overdue dossiers at the end of every month up to `last`, from the monthly
/// differences; the current month (and any later) is judged now, from the open-now table.
fn open_by_month(
    months: &[(BucketKey, DossierCounts)],
    wanted: &[Month],
    now_open: OpenNow,
) -> HashMap<Month, OpenNow> {
    let current = Month::current();
    let mut sorted: Vec<&(BucketKey, DossierCounts)> = months.iter().collect();
    sorted.sort_by_key(|(k, _)| *k);
    let mut out = HashMap::new();
    let mut acc = OpenNow::default();
    let mut i = 0;
    for m in wanted {
        if *m >= current {
            out.insert(*m, now_open);
            continue;
        }
        while i < sorted.len() && sorted[i].0 <= month_key(*m) {
            acc.open += sorted[i].1.open_delta;
            acc.overdue += sorted[i].1.overdue_delta;
            i += 1;
        }
        out.insert(*m, acc);
    }
    out
}

/// The open figures a period ends with: now if it reaches this month, else at its last month.
pub async fn open_at_end(
    store: &Store,
    units: &[i64],
    period: Period,
) -> Result<HashMap<i64, OpenNow>, ReportError> {
    Ok(if period.last >= Month::current() {
        store
            .dossier_open_now(units, day_key(local_time(now_ms()).date()))
            .await?
    } else {
        store
            .dossier_open_at_month_end(units, month_key(period.last))
            .await?
    })
}

/// What a unit's ballots and dossiers add up to over a period: the figures a dashboard, a
/// ranking and a scoring model all read.
pub async fn unit_figures(
    store: &Store,
    unit_id: i64,
    period: Period,
) -> Result<(Satisfaction, DossierFigures), ReportError> {
    let buckets = period.cover();
    let ids = [unit_id];
    let (s, d, open) = tokio::try_join!(
        async {
            Ok::<_, ReportError>(
                store
                    .rating_agg_by_key(unit_id, dim::TOTAL, &buckets)
                    .await?,
            )
        },
        async {
            Ok::<_, ReportError>(
                store
                    .dossier_agg_by_key(unit_id, dossier_dim::TOTAL, &buckets)
                    .await?,
            )
        },
        open_at_end(store, &ids, period)
    )?;
    Ok(figures_of(&s, &d, open.get(&unit_id).copied()))
}

/// The headline figures from a unit's whole-unit rows (`dim::TOTAL`, `dossier_dim::TOTAL`)
/// over a period and its open dossiers at the period's end: `unit_figures` without the reads.
fn figures_of(
    ratings: &[(i64, String, LevelCounts)],
    dossiers: &[(i64, DossierCounts)],
    open: Option<OpenNow>,
) -> (Satisfaction, DossierFigures) {
    let dc = dossiers.first().map(|r| r.1).unwrap_or_default();
    (
        Satisfaction::of(&sum_levels(ratings.iter().map(|r| &r.2))),
        DossierFigures::of(&dc, open.unwrap_or_default()),
    )
}

/// The 24 months a trend shows, ending with the period (or this month, if the period runs on:
/// months to come have no figures yet).
fn trend_months(period: Period) -> Vec<Month> {
    let mut m = period.last.min(Month::current());
    let mut v = vec![m];
    for _ in 0..23 {
        m = m.prev();
        v.push(m);
    }
    v.reverse();
    v
}

impl Dashboard {
    pub async fn build(
        store: &Store,
        unit: &Unit,
        period: Period,
        min_n: u64,
    ) -> Result<Dashboard, ReportError> {
        let buckets = period.cover();
        let months: Vec<BucketKey> = period.months().map(month_key).collect();
        let before = period.year_before().cover();
        let trend_months = trend_months(period);
        let trend_keys: Vec<BucketKey> = trend_months.iter().map(|m| month_key(*m)).collect();
        // Every read is asked at once and each aggregate table is read in one statement: a
        // dashboard costs about its slowest read, not the sum of a dozen round trips.
        let rating_parts = [
            AggPart::ByKey(dim::TOTAL, &buckets),
            AggPart::ByKey(dim::TOTAL, &before),
            AggPart::ByKey(dim::QUESTION, &months),
            AggPart::ByKey(dim::COUNTER, &buckets),
            AggPart::ByKey(dim::OFFICIAL, &buckets),
            AggPart::ByKey(dim::CLOCK, &months),
            AggPart::ByBucket(&trend_keys),
        ];
        let dossier_parts: [(i16, &[BucketKey]); 2] = [
            (dossier_dim::TOTAL, &buckets),
            (dossier_dim::COUNTER, &buckets),
        ];
        let ratings = store.rating_agg_parts(unit.id, &rating_parts);
        let dossiers = store.dossier_agg_parts(unit.id, &dossier_parts);
        let unit_ids = [unit.id];
        let set = UnitSet::ChildrenOf(unit.id);
        let subs = async {
            // The sub-units come from memory (`unit_labels`), so the open dossiers at the
            // period's end (the unit's own with its sub-units') are asked for with their other
            // figures rather than after them.
            let children = store.unit_labels(set).await?;
            let ids: Vec<i64> = std::iter::once(unit.id)
                .chain(children.iter().map(|l| l.id))
                .collect();
            let (subs, sub_dossiers, open) = tokio::try_join!(
                async {
                    Ok::<_, ReportError>(
                        store
                            .units_satisfaction_of(set, children.clone(), &buckets)
                            .await?,
                    )
                },
                async { Ok::<_, ReportError>(store.units_dossiers(set, &buckets).await?) },
                open_at_end(store, &ids, period)
            )?;
            Ok::<_, ReportError>((subs, sub_dossiers, open))
        };
        // A period that reaches this month ends with the dossiers open now, which `open_at_end`
        // reads with the sub-units': the trend reads them itself only for a past period.
        let ends_now = period.last >= Month::current();
        let dossier_trend = async {
            let (months, now_open) = tokio::try_join!(
                store.dossier_agg_months(unit.id, 0, month_key(period.last)),
                async {
                    if ends_now {
                        return Ok(None);
                    }
                    let today = day_key(local_time(now_ms()).date());
                    Ok(store
                        .dossier_open_now(&unit_ids, today)
                        .await?
                        .get(&unit.id)
                        .copied())
                }
            )?;
            Ok::<_, ReportError>((months, now_open))
        };
        let (ratings, dossiers, (subs, sub_dossiers, open), (dossier_months, now_open), names) = tokio::try_join!(
            async { Ok::<_, ReportError>(ratings.await?) },
            async { Ok::<_, ReportError>(dossiers.await?) },
            subs,
            dossier_trend,
            async { Ok::<_, ReportError>(store.official_and_counter_labels().await?) },
        )?;
        let (official_names, counter_names) = names;
        let now_open = now_open
            .or_else(|| ends_now.then(|| open.get(&unit.id).copied()).flatten())
            .unwrap_or_default();
        let [
            total,
            before,
            questions,
            by_counter,
            by_official,
            clock,
            by_month,
        ]: [_; 7] = ratings.try_into().expect("one result per part");
        let [dossier_total, dossier_counters]: [_; 2] =
            dossiers.try_into().expect("one result per part");
        let (satisfaction, dossier_figures) =
            figures_of(&total, &dossier_total, open.get(&unit.id).copied());

        Ok(Dashboard {
            unit_id: unit.id,
            unit_code: unit.code.clone(),
            unit_name: unit.name.clone(),
            unit_level: unit.level.clone(),
            period: period.slug(),
            period_label_vi: period.label_vi(),
            period_label_en: period.label_en(),
            min_n,
            satisfaction,
            satisfaction_year_before: Satisfaction::of(&sum_levels(before.iter().map(|r| &r.2))),
            dossiers: dossier_figures,
            questions: question_rows(questions),
            counters: counter_rows(by_counter, dossier_counters, &counter_names),
            sub_units: sub_unit_rows(subs, sub_dossiers, &open, min_n),
            officials: official_rows(by_official, &official_names, min_n),
            trend: trend_points(&trend_months, by_month, dossier_months, now_open),
            clock: clock_cells(clock),
        })
    }
}

/// A part of `Store::rating_agg_parts`: key, question, counts.
type KeyRows = Vec<(i64, String, LevelCounts)>;

/// Questions, in the standard form's order, labelled from it where the key is known.
fn question_rows(rows: KeyRows) -> Vec<QuestionRow> {
    let standard = FormDefinition::standard();
    let mut questions: Vec<QuestionRow> = rows
        .into_iter()
        .map(|(_, key, c)| {
            let q = standard.questions.iter().find(|q| q.key == key);
            QuestionRow {
                label_vi: q.map_or_else(|| key.clone(), |q| q.label_vi.clone()),
                label_en: q.map_or_else(|| key.clone(), |q| q.label_en.clone()),
                key,
                satisfaction: Satisfaction::of(&c),
            }
        })
        .collect();
    questions.sort_by(|a, b| {
        let pos = |k: &str| standard.questions.iter().position(|q| q.key == k);
        pos(&a.key)
            .unwrap_or(usize::MAX)
            .cmp(&pos(&b.key).unwrap_or(usize::MAX))
            .then_with(|| a.key.cmp(&b.key))
    });
    questions
}

/// Counters with their ballots and the results handed back there; ballots given away from a
/// counter (key 0) as one more row.
fn counter_rows(
    by_counter: KeyRows,
    dossiers: Vec<(i64, DossierCounts)>,
    names: &LabelMap,
) -> Vec<CounterRow> {
    let returned: HashMap<i64, u64> = dossiers
        .into_iter()
        .map(|(k, c)| (k, c.returned.max(0) as u64))
        .collect();
    let mut ids: Vec<i64> = by_counter
        .iter()
        .map(|r| r.0)
        .chain(returned.keys().copied())
        .filter(|k| *k != 0)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let ballots: HashMap<i64, LevelCounts> =
        by_counter.into_iter().map(|(k, _, c)| (k, c)).collect();
    let mut counters: Vec<CounterRow> = ids
        .iter()
        .filter_map(|id| names.get(id))
        .map(|l| (Some(l.id), l.code.clone(), l.name.clone(), l.place.clone()))
        .chain(ballots.contains_key(&0).then(|| {
            (
                None,
                String::new(),
                "(Không qua quầy)".to_string(),
                String::new(),
            )
        }))
        .map(|(id, code, name, place)| {
            let s = Satisfaction::of(&ballots.get(&id.unwrap_or(0)).copied().unwrap_or_default());
            let ret = id.and_then(|i| returned.get(&i).copied()).unwrap_or(0);
            CounterRow {
                counter_id: id,
                code,
                name,
                place,
                response_rate: (id.is_some() && ret > 0).then(|| s.ballots as f64 / ret as f64),
                returned: ret,
                satisfaction: s,
            }
        })
        .collect();
    counters.sort_by(|a, b| (&a.place, &a.code).cmp(&(&b.place, &b.code)));
    counters
}

/// Sub-units with their ballots, dossiers and open dossiers at the period's end.
fn sub_unit_rows(
    (labels, counts): (Arc<Vec<UnitLabel>>, Vec<LevelCounts>),
    dossiers: Vec<(i64, DossierCounts)>,
    open: &HashMap<i64, OpenNow>,
    min_n: u64,
) -> Vec<SubUnitRow> {
    let dossiers: HashMap<i64, DossierCounts> = dossiers.into_iter().collect();
    labels
        .iter()
        .zip(counts)
        .map(|(l, c)| {
            let s = Satisfaction::of(&c);
            SubUnitRow {
                dossiers: DossierFigures::of(
                    &dossiers.get(&l.id).copied().unwrap_or_default(),
                    open.get(&l.id).copied().unwrap_or_default(),
                ),
                below_min_n: s.ballots < min_n,
                satisfaction: s,
                unit: l.clone(),
            }
        })
        .collect()
}

/// Officials rated in the unit's subtree; ballots tied to nobody (key 0) as one more row.
fn official_rows(by_official: KeyRows, names: &LabelMap, min_n: u64) -> Vec<PersonRow> {
    let mut officials: Vec<PersonRow> = by_official
        .into_iter()
        .map(|(k, _, c)| {
            let s = Satisfaction::of(&c);
            let l = names.get(&k).filter(|_| k != 0);
            PersonRow {
                official_id: (k != 0).then_some(k),
                code: l.map(|l| l.code.clone()).unwrap_or_default(),
                name: l.map_or_else(|| "(Không gắn với cán bộ)".into(), |l| l.name.clone()),
                unit_name: l.map(|l| l.place.clone()).unwrap_or_default(),
                below_min_n: s.ballots < min_n,
                satisfaction: s,
            }
        })
        .collect();
    officials.sort_by(|a, b| (&a.unit_name, &a.name).cmp(&(&b.unit_name, &b.name)));
    officials
}

/// The trend's points: ballots per month (`AggPart::ByBucket`), dossiers per month and the
/// open ones at each month's end.
fn trend_points(
    months: &[Month],
    by_month: KeyRows,
    dossier_months: Vec<(BucketKey, DossierCounts)>,
    now_open: OpenNow,
) -> Vec<TrendPoint> {
    let ratings: HashMap<i64, LevelCounts> = by_month.into_iter().map(|(k, _, c)| (k, c)).collect();
    let open = open_by_month(&dossier_months, months, now_open);
    let dossiers: HashMap<BucketKey, DossierCounts> = dossier_months.into_iter().collect();
    months
        .iter()
        .map(|m| TrendPoint {
            month: m.to_string(),
            satisfaction: Satisfaction::of(
                &ratings
                    .get(&i64::from(month_key(*m)))
                    .copied()
                    .unwrap_or_default(),
            ),
            dossiers: DossierFigures::of(
                &dossiers.get(&month_key(*m)).copied().unwrap_or_default(),
                open.get(m).copied().unwrap_or_default(),
            ),
        })
        .collect()
}

/// The hour-of-week pattern (key = weekday × 100 + hour), Sunday first.
fn clock_cells(rows: KeyRows) -> Vec<ClockCell> {
    let mut clock: Vec<ClockCell> = rows
        .into_iter()
        .map(|(k, _, c)| {
            let s = Satisfaction::of(&c);
            ClockCell {
                weekday: (k / 100) as u8,
                hour: (k % 100) as u8,
                ballots: s.ballots,
                satisfied: s.satisfied,
            }
        })
        .collect();
    clock.sort_by_key(|c| (c.weekday, c.hour));
    clock
}

/// Months named by trend points, for charts.
pub fn trend_label(month: &str) -> String {
    month
        .parse::<Month>()
        .map(|m| format!("{:02}/{}", m.month, m.year % 100))
        .unwrap_or_else(|_| month.to_string())
}

fn weekday_vi(d: u8) -> &'static str {
    [
        "Chủ nhật",
        "Thứ Hai",
        "Thứ Ba",
        "Thứ Tư",
        "Thứ Năm",
        "Thứ Sáu",
        "Thứ Bảy",
    ][d as usize % 7]
}

fn dossier_headers() -> Vec<String> {
    [
        "Hồ sơ tiếp nhận",
        "Tiếp nhận trực tuyến",
        "Tỷ lệ trực tuyến (%)",
        "Đã giải quyết",
        "Trước hạn",
        "Đúng hạn",
        "Trễ hạn",
        "Chưa xong, quá hạn",
        "Tỷ lệ đúng hạn (%)",
    ]
    .map(String::from)
    .to_vec()
}

fn dossier_cells(d: &DossierFigures) -> Vec<Cell> {
    vec![
        Cell::Count(d.received),
        Cell::Count(d.received_online),
        Cell::Pct(d.online_share),
        Cell::Count(d.finished),
        Cell::Count(d.early),
        Cell::Count(d.on_time),
        Cell::Count(d.late),
        Cell::Count(d.overdue_open),
        Cell::Pct(d.on_time_rate),
    ]
}

impl Dashboard {
    /// The report's heading lines, for files.
    pub fn title_lines(&self) -> Vec<String> {
        vec![
            format!(
                "KẾT QUẢ ĐÁNH GIÁ SỰ HÀI LÒNG – {}",
                self.period_label_vi.to_uppercase()
            ),
            format!("Đơn vị: {} (mã {})", self.unit_name, self.unit_code),
        ]
    }

    /// Every table of the dashboard, as downloaded.
    pub fn tables(&self) -> Vec<Table> {
        let mut out = Vec::new();
        let mut h = vec!["Chỉ tiêu".to_string()];
        h.extend(satisfaction_headers());
        out.push(Table {
            key: "summary",
            sheet: "Tổng hợp".into(),
            rows: vec![
                [
                    vec![Cell::Text(self.period_label_vi.clone())],
                    satisfaction_cells(&self.satisfaction),
                ]
                .concat(),
                [
                    vec![Cell::Text("Cùng kỳ năm trước".into())],
                    satisfaction_cells(&self.satisfaction_year_before),
                ]
                .concat(),
            ],
            greyed: vec![
                self.satisfaction.ballots < self.min_n,
                self.satisfaction_year_before.ballots < self.min_n,
            ],
            headers: h,
        });
        let mut h = vec!["Câu hỏi".to_string()];
        h.extend(satisfaction_headers());
        h.extend(
            crate::domain::scale::Level::ALL
                .iter()
                .map(|l| format!("{} (phiếu)", l.label(crate::domain::msg::Lang::Vi))),
        );
        out.push(Table {
            key: "questions",
            sheet: "Theo câu hỏi".into(),
            headers: h,
            greyed: self
                .questions
                .iter()
                .map(|q| q.satisfaction.ballots < self.min_n)
                .collect(),
            rows: self
                .questions
                .iter()
                .map(|q| {
                    let mut r = vec![Cell::Text(q.label_vi.clone())];
                    r.extend(satisfaction_cells(&q.satisfaction));
                    r.extend(q.satisfaction.levels.iter().rev().map(|n| Cell::Count(*n)));
                    r
                })
                .collect(),
        });
        let mut h = vec!["Quầy".to_string(), "Nơi đặt".into()];
        h.extend(satisfaction_headers());
        h.extend([
            "Hồ sơ đã trả kết quả".to_string(),
            "Tỷ lệ phản hồi (%)".into(),
        ]);
        out.push(Table {
            key: "counters",
            sheet: "Theo quầy".into(),
            headers: h,
            greyed: self
                .counters
                .iter()
                .map(|c| c.satisfaction.ballots < self.min_n)
                .collect(),
            rows: self
                .counters
                .iter()
                .map(|c| {
                    let mut r = vec![Cell::Text(c.name.clone()), Cell::Text(c.place.clone())];
                    r.extend(satisfaction_cells(&c.satisfaction));
                    r.extend([Cell::Count(c.returned), Cell::Pct(c.response_rate)]);
                    r
                })
                .collect(),
        });
        let mut h = vec!["Mã".to_string(), "Đơn vị trực thuộc".into()];
        h.extend(satisfaction_headers());
        h.extend(dossier_headers());
        out.push(Table {
            key: "sub_units",
            sheet: "Đơn vị trực thuộc".into(),
            headers: h,
            greyed: self.sub_units.iter().map(|u| u.below_min_n).collect(),
            rows: self
                .sub_units
                .iter()
                .map(|u| {
                    let mut r = vec![
                        Cell::Text(u.unit.code.clone()),
                        Cell::Text(u.unit.name.clone()),
                    ];
                    r.extend(satisfaction_cells(&u.satisfaction));
                    r.extend(dossier_cells(&u.dossiers));
                    r
                })
                .collect(),
        });
        let mut h = vec!["Mã cán bộ".to_string(), "Họ và tên".into(), "Đơn vị".into()];
        h.extend(satisfaction_headers());
        out.push(Table {
            key: "officials",
            sheet: "Cán bộ".into(),
            headers: h,
            greyed: self.officials.iter().map(|o| o.below_min_n).collect(),
            rows: self
                .officials
                .iter()
                .map(|o| {
                    let mut r = vec![
                        Cell::Text(o.code.clone()),
                        Cell::Text(o.name.clone()),
                        Cell::Text(o.unit_name.clone()),
                    ];
                    r.extend(satisfaction_cells(&o.satisfaction));
                    r
                })
                .collect(),
        });
        let mut h = vec!["Tháng".to_string()];
        h.extend(satisfaction_headers());
        h.extend(dossier_headers());
        out.push(Table {
            key: "trend",
            sheet: "Diễn biến 24 tháng".into(),
            headers: h,
            greyed: self
                .trend
                .iter()
                .map(|t| t.satisfaction.ballots < self.min_n)
                .collect(),
            rows: self
                .trend
                .iter()
                .map(|t| {
                    let mut r = vec![Cell::Text(t.month.clone())];
                    r.extend(satisfaction_cells(&t.satisfaction));
                    r.extend(dossier_cells(&t.dossiers));
                    r
                })
                .collect(),
        });
        out.push(Table {
            key: "clock",
            sheet: "Theo giờ trong tuần".into(),
            headers: [
                "Thứ",
                "Giờ",
                "Số phiếu",
                "Hài lòng trở lên",
                "Tỷ lệ hài lòng (%)",
            ]
            .map(String::from)
            .to_vec(),
            greyed: self.clock.iter().map(|c| c.ballots < self.min_n).collect(),
            rows: self
                .clock
                .iter()
                .map(|c| {
                    vec![
                        Cell::Text(weekday_vi(c.weekday).into()),
                        Cell::Text(format!("{:02}:00–{:02}:59", c.hour, c.hour)),
                        Cell::Count(c.ballots),
                        Cell::Count(c.satisfied),
                        Cell::Pct(crate::domain::stats::share(c.satisfied, c.ballots)),
                    ]
                })
                .collect(),
        });
        out
    }
}
