//! Scoring models as versioned configuration (DOMAIN §5, §9). A model is JSON: groups of
//! indicators, each reading one figure the app computes (a rate with its n) through a rule, or
//! entered by a person. Weights and thresholds of Decision 766 are known only second-hand, and
//! the Circular 01/2018 bands come from one deployed system: both are data to edit and store as
//! new versions, not constants in code.
//!
//! Two kinds of model:
//! - `points`: groups add up to 100; [`score`] turns [`MetricValues`] and [`ManualEntries`] into a
//!   [`ScoreCard`] where every indicator shows its input, n, rule and points.
//! - `circular01`: the nine 0/1/2 indicators of Circular 01/2018 (max 18); [`score_circular01`]
//!   averages them over a quarter's ballots beside the self-assessed and appraised columns and
//!   puts each complete column in a band.
//!
//! Honesty (DOMAIN §10): a figure that is missing scores 0 points but says "Chưa có dữ liệu / No
//! data", and a total with such gaps says so and gets no band. Points are kept as exact f64;
//! [`round2`] and [`format_points`] are for display, and bands are decided on the total as shown
//! (two decimals), so the band never disagrees with the number next to it.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::evaluation::INDICATOR_LABELS;
use super::msg::{Lang, Msg};
use super::stats::{Proportion, share};

/// Sums of maxima must agree within this.
const EPS: f64 = 1e-9;
/// What a `points` model adds up to.
const POINTS_TOTAL: f64 = 100.0;
/// Score of one Circular 01 indicator on one ballot: 0, 1 or 2.
const CIRCULAR01_MAX: f64 = 2.0;
const KEY_MAX_CHARS: usize = 40;

// ---------------------------------------------------------------------------------------------
// The model (configuration)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Groups of indicators adding up to 100 points (Decision 766).
    Points,
    /// The nine 0/1/2 indicators of Circular 01/2018, averaged over ballots, with bands.
    Circular01,
}

/// A figure the app computes for a unit and period: a rate in [0, 1] with its n.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Ballots at "hài lòng" or above / ballots.
    SatisfactionRate,
    /// Ballots at "rất hài lòng" / ballots.
    VerySatisfiedShare,
    /// Dossiers finished early or on time / (finished + unfinished and overdue), DOMAIN §6.
    OnTimeRate,
    /// 1 − on_time_rate, over the same dossiers.
    LateRate,
    /// Ballots below "hài lòng" / ballots (1 − satisfaction_rate over the same ballots).
    NegativeRatingRate,
    /// Dossiers received online / dossiers received.
    OnlineSubmissionShare,
    /// Procedures offered fully or partly online / procedures in the catalogue.
    OnlineProvisionShare,
    /// Procedures published / procedures in the catalogue.
    ProceduresPublishedShare,
    /// Dossiers digitised / dossiers received.
    DigitisationRate,
    /// Feedback handled within its time limit / feedback handled.
    FeedbackOnTimeRate,
}

impl Metric {
    pub const ALL: [Metric; 10] = [
        Metric::SatisfactionRate,
        Metric::VerySatisfiedShare,
        Metric::OnTimeRate,
        Metric::LateRate,
        Metric::NegativeRatingRate,
        Metric::OnlineSubmissionShare,
        Metric::OnlineProvisionShare,
        Metric::ProceduresPublishedShare,
        Metric::DigitisationRate,
        Metric::FeedbackOnTimeRate,
    ];

    fn info(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Metric::SatisfactionRate => {
                ("satisfaction_rate", "Tỉ lệ hài lòng", "Satisfaction rate")
            }
            Metric::VerySatisfiedShare => (
                "very_satisfied_share",
                "Tỉ lệ rất hài lòng",
                "Very satisfied share",
            ),
            Metric::OnTimeRate => ("on_time_rate", "Tỉ lệ hồ sơ đúng hạn", "On-time rate"),
            Metric::LateRate => ("late_rate", "Tỉ lệ hồ sơ trễ hạn", "Late rate"),
            Metric::NegativeRatingRate => (
                "negative_rating_rate",
                "Tỉ lệ phiếu dưới mức hài lòng",
                "Share of ballots below satisfied",
            ),
            Metric::OnlineSubmissionShare => (
                "online_submission_share",
                "Tỉ lệ hồ sơ nộp trực tuyến",
                "Share of dossiers submitted online",
            ),
            Metric::OnlineProvisionShare => (
                "online_provision_share",
                "Tỉ lệ thủ tục cung cấp dịch vụ công trực tuyến (toàn trình, một phần)",
                "Share of procedures offered online (full or partial)",
            ),
            Metric::ProceduresPublishedShare => (
                "procedures_published_share",
                "Tỉ lệ thủ tục hành chính được công khai",
                "Share of procedures published",
            ),
            Metric::DigitisationRate => (
                "digitisation_rate",
                "Tỉ lệ số hoá hồ sơ",
                "Digitisation rate",
            ),
            Metric::FeedbackOnTimeRate => (
                "feedback_on_time_rate",
                "Tỉ lệ phản ánh, kiến nghị xử lý đúng hạn",
                "Feedback handled on time",
            ),
        }
    }

    /// The name in the JSON ("satisfaction_rate").
    pub fn as_str(self) -> &'static str {
        self.info().0
    }

    pub fn label(self) -> Msg {
        let (_, vi, en) = self.info();
        Msg::new(vi, en)
    }
}

/// How an indicator turns its figure into points. JSON: `{"type": "threshold", "at": 0.9}`,
/// `{"type": "ratio"}`, `{"type": "complement", "of": ["late_rate", …]}`, `{"type": "manual"}`,
/// `{"type": "ballot_average", "number": 1}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Full points when the rate ≥ `at`; below it rate × max / at. `at` in (0, 1].
    Threshold { at: f64 },
    /// rate × max. (Empty braces rather than a unit variant so that a left-over field, such as
    /// an `at` from a former threshold, is refused like any unknown field.)
    Ratio {},
    /// max × (1 − sum of the rates in `of`), never below 0.
    Complement { of: Vec<Metric> },
    /// Points entered by a person (self-assessed or appraised), in [0, max].
    Manual {},
    /// Kind circular01 only: average over the ballots of the 0/1/2 score of the circular's
    /// indicator `number` (1–9).
    BallotAverage { number: u8 },
}

impl Rule {
    /// The rule in words, for an indicator worth `max` points.
    pub fn text(&self, max: f64) -> Msg {
        let both = |f: &dyn Fn(Lang) -> String| Msg::new(f(Lang::Vi), f(Lang::En));
        match self {
            Rule::Threshold { at } => both(&|l| {
                let (at, max) = (pct_text(*at, l), num_text(max, l));
                match l {
                    Lang::Vi => format!("Đủ điểm khi ≥ {at}; dưới đó tỉ lệ × {max} / {at}"),
                    Lang::En => format!("Full points at ≥ {at}; below that, rate × {max} / {at}"),
                }
            }),
            Rule::Ratio {} => both(&|l| match l {
                Lang::Vi => format!("Tỉ lệ × {}", num_text(max, l)),
                Lang::En => format!("Rate × {}", num_text(max, l)),
            }),
            Rule::Complement { of } => both(&|l| {
                let names: Vec<String> = of
                    .iter()
                    .map(|m| {
                        let label = m.label();
                        match l {
                            Lang::Vi => label.vi,
                            Lang::En => label.en.to_lowercase(),
                        }
                    })
                    .collect();
                let sum = names.join(" + ");
                let max = num_text(max, l);
                match l {
                    Lang::Vi => format!("{max} × (100% − ({sum})), không dưới 0"),
                    Lang::En => format!("{max} × (100% − ({sum})), not below 0"),
                }
            }),
            Rule::Manual {} => both(&|l| match l {
                Lang::Vi => format!(
                    "Nhập tay (tự chấm hoặc thẩm định), từ 0 đến {} điểm",
                    num_text(max, l)
                ),
                Lang::En => format!(
                    "Entered by a person (self-assessed or appraised), 0 to {} points",
                    num_text(max, l)
                ),
            }),
            Rule::BallotAverage { .. } => Msg::new(
                "Trung bình điểm (0, 1, 2) trên các phiếu đánh giá",
                "Average score (0, 1, 2) over the ballots",
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDef {
    /// Stable key, unique in the model; manual entries are stored under it.
    pub key: String,
    /// May be left out for kind circular01: the circular's wording is filled in on parse.
    #[serde(default)]
    pub name_vi: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note_vi: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note_en: String,
    pub max_points: f64,
    /// The figure read by `threshold` and `ratio`; absent for the other rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
    pub rule: Rule,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note_vi: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note_en: String,
    /// Must equal the sum of its indicators' max_points.
    pub max_points: f64,
    pub indicators: Vec<IndicatorDef>,
}

/// A named range of totals. Bands are listed from the highest down; a total belongs to the first
/// band it exceeds, or reaches when `include_from` is true.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    pub from: f64,
    /// Whether a total of exactly `from` is in this band (true) or the one below (false).
    pub include_from: bool,
}

impl Band {
    fn holds(&self, total: f64) -> bool {
        total > self.from || (self.include_from && total == self.from)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoringModel {
    /// Stable across versions ("qd766"); (key, version) identifies a stored model.
    pub key: String,
    /// 1, 2, …: an edit is stored as a new version, so an old score card can be recomputed.
    pub version: u32,
    pub name_vi: String,
    pub name_en: String,
    /// What is known of the model's source and what is unconfirmed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note_vi: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note_en: String,
    pub kind: ModelKind,
    pub groups: Vec<GroupDef>,
    /// Required for kind circular01; optional for points.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<Band>,
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoringError {
    /// The text is not a model's JSON (syntax, a missing, unknown or mistyped field).
    #[error("{0}")]
    Json(Msg),
    /// The model reads but breaks a rule. `at` is where, for an editor to point at: "" for the
    /// model itself, "group", "group.indicator", "bands" or "bands.band".
    #[error("{msg}")]
    Invalid { at: String, msg: Msg },
    /// A figure, a manual entry or a Circular 01 column does not fit. `at` names the metric or
    /// indicator key.
    #[error("{msg}")]
    Input { at: String, msg: Msg },
    /// A model given to the scorer of the other kind.
    #[error("{0}")]
    WrongKind(Msg),
}

impl ScoringError {
    pub fn msg(&self) -> &Msg {
        match self {
            ScoringError::Json(m) | ScoringError::WrongKind(m) => m,
            ScoringError::Invalid { msg, .. } | ScoringError::Input { msg, .. } => msg,
        }
    }
}

fn invalid(at: impl Into<String>, vi: String, en: String) -> ScoringError {
    ScoringError::Invalid {
        at: at.into(),
        msg: Msg::new(vi, en),
    }
}

fn bad_input(at: impl Into<String>, vi: String, en: String) -> ScoringError {
    ScoringError::Input {
        at: at.into(),
        msg: Msg::new(vi, en),
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation
// ---------------------------------------------------------------------------------------------

impl ScoringModel {
    /// Reads and validates a model. Circular 01 indicators without names get the circular's
    /// wording ([`INDICATOR_LABELS`]).
    pub fn parse(json: &str) -> Result<ScoringModel, ScoringError> {
        let mut model: ScoringModel = serde_json::from_str(json).map_err(|e| {
            ScoringError::Json(Msg::new(
                format!("Không đọc được mô hình chấm điểm (JSON): {e}"),
                format!("The scoring model is not valid JSON for a model: {e}"),
            ))
        })?;
        model.fill_circular01_names();
        model.validate()?;
        Ok(model)
    }

    /// The model as JSON to store (pretty-printed); [`ScoringModel::parse`] reads it back equal.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a scoring model always serialises")
    }

    /// The most points the model gives (100 for points, 18 for circular01).
    pub fn max_points(&self) -> f64 {
        self.groups.iter().map(|g| g.max_points).sum()
    }

    /// The band of a total, decided on the total as shown (two decimals).
    pub fn band_for(&self, total: f64) -> Option<&Band> {
        let shown = round2(total);
        self.bands.iter().find(|b| b.holds(shown))
    }

    fn indicators(&self) -> impl Iterator<Item = (&GroupDef, &IndicatorDef)> {
        self.groups
            .iter()
            .flat_map(|g| g.indicators.iter().map(move |i| (g, i)))
    }

    fn fill_circular01_names(&mut self) {
        if self.kind != ModelKind::Circular01 {
            return;
        }
        for ind in self.groups.iter_mut().flat_map(|g| &mut g.indicators) {
            if let Rule::BallotAverage { number } = ind.rule
                && let Some((vi, en)) = INDICATOR_LABELS.get(usize::from(number).wrapping_sub(1))
            {
                if ind.name_vi.trim().is_empty() {
                    ind.name_vi = (*vi).to_string();
                }
                if ind.name_en.trim().is_empty() {
                    ind.name_en = (*en).to_string();
                }
            }
        }
    }

    /// Checks every rule of a model; the first broken one is reported with its place.
    pub fn validate(&self) -> Result<(), ScoringError> {
        check_key("", &self.key, "mô hình", "model")?;
        check_names("", &self.name_vi, &self.name_en, "mô hình", "model")?;
        if self.version == 0 {
            return Err(invalid(
                "",
                "Phiên bản mô hình bắt đầu từ 1".into(),
                "A model's version starts at 1".into(),
            ));
        }
        if self.groups.is_empty() {
            return Err(invalid(
                "",
                "Mô hình chưa có nhóm chỉ số nào".into(),
                "The model has no group".into(),
            ));
        }
        let mut group_keys = HashSet::new();
        let mut indicator_keys = HashSet::new();
        let mut numbers = [false; 9];
        for g in &self.groups {
            let at = g.key.as_str();
            check_key(at, &g.key, "nhóm", "group")?;
            if !group_keys.insert(g.key.as_str()) {
                return Err(invalid(
                    at,
                    format!("Mã nhóm '{at}' bị trùng"),
                    format!("Group key '{at}' is used twice"),
                ));
            }
            check_names(at, &g.name_vi, &g.name_en, "nhóm", "group")?;
            check_max(
                at,
                g.max_points,
                &format!("nhóm '{at}'"),
                &format!("group '{at}'"),
            )?;
            if g.indicators.is_empty() {
                return Err(invalid(
                    at,
                    format!("Nhóm '{at}' chưa có chỉ số nào"),
                    format!("Group '{at}' has no indicator"),
                ));
            }
            for ind in &g.indicators {
                let at = format!("{}.{}", g.key, ind.key);
                check_key(&at, &ind.key, "chỉ số", "indicator")?;
                if !indicator_keys.insert(ind.key.as_str()) {
                    return Err(invalid(
                        &at,
                        format!("Mã chỉ số '{}' bị trùng trong mô hình", ind.key),
                        format!("Indicator key '{}' is used twice in the model", ind.key),
                    ));
                }
                check_names(&at, &ind.name_vi, &ind.name_en, "chỉ số", "indicator")?;
                check_max(
                    &at,
                    ind.max_points,
                    &format!("chỉ số '{at}'"),
                    &format!("indicator '{at}'"),
                )?;
                self.check_rule(&at, ind, &mut numbers)?;
            }
            let sum: f64 = g.indicators.iter().map(|i| i.max_points).sum();
            if (sum - g.max_points).abs() > EPS {
                return Err(invalid(
                    at,
                    format!(
                        "Nhóm '{at}': điểm tối đa của nhóm là {} nhưng các chỉ số cộng lại {}",
                        num_text(g.max_points, Lang::Vi),
                        num_text(sum, Lang::Vi)
                    ),
                    format!(
                        "Group '{at}': the group's max is {} but its indicators add up to {}",
                        num_text(g.max_points, Lang::En),
                        num_text(sum, Lang::En)
                    ),
                ));
            }
        }
        match self.kind {
            ModelKind::Points => {
                let total = self.max_points();
                if (total - POINTS_TOTAL).abs() > EPS {
                    let list = |l: Lang| {
                        self.groups
                            .iter()
                            .map(|g| format!("{} {}", g.key, num_text(g.max_points, l)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    return Err(invalid(
                        "",
                        format!(
                            "Các nhóm cộng lại {} điểm, phải đúng 100 ({})",
                            num_text(total, Lang::Vi),
                            list(Lang::Vi)
                        ),
                        format!(
                            "The groups add up to {} points, not 100 ({})",
                            num_text(total, Lang::En),
                            list(Lang::En)
                        ),
                    ));
                }
            }
            ModelKind::Circular01 => {
                if let Some(missing) = numbers.iter().position(|seen| !seen) {
                    return Err(invalid(
                        "",
                        format!("Thiếu chỉ số số {} của Thông tư 01/2018", missing + 1),
                        format!("Circular 01/2018 indicator {} is missing", missing + 1),
                    ));
                }
                if self.bands.is_empty() {
                    return Err(invalid(
                        "bands",
                        "Mô hình Thông tư 01 cần các mức xếp loại".into(),
                        "A Circular 01 model needs its bands".into(),
                    ));
                }
            }
        }
        self.check_bands()
    }

    fn check_rule(
        &self,
        at: &str,
        ind: &IndicatorDef,
        numbers: &mut [bool; 9],
    ) -> Result<(), ScoringError> {
        let needs_metric = matches!(ind.rule, Rule::Threshold { .. } | Rule::Ratio {});
        match (needs_metric, ind.metric) {
            (true, None) => {
                return Err(invalid(
                    at,
                    format!("Chỉ số '{at}': chưa chọn số liệu (metric) cho quy tắc"),
                    format!("Indicator '{at}': its rule needs a metric"),
                ));
            }
            (false, Some(m)) => {
                return Err(invalid(
                    at,
                    format!(
                        "Chỉ số '{at}': quy tắc này không đọc 'metric' ({}); bỏ trường đó",
                        m.as_str()
                    ),
                    format!(
                        "Indicator '{at}': this rule does not read 'metric' ({}); remove it",
                        m.as_str()
                    ),
                ));
            }
            _ => {}
        }
        let circular = self.kind == ModelKind::Circular01;
        match &ind.rule {
            Rule::BallotAverage { number } => {
                if !circular {
                    return Err(invalid(
                        at,
                        format!("Chỉ số '{at}': quy tắc ballot_average chỉ dùng cho circular01"),
                        format!("Indicator '{at}': rule ballot_average is for circular01 only"),
                    ));
                }
                let slot = usize::from(*number)
                    .checked_sub(1)
                    .and_then(|i| numbers.get_mut(i));
                let Some(slot) = slot else {
                    return Err(invalid(
                        at,
                        format!("Chỉ số '{at}': số thứ tự {number} phải từ 1 đến 9"),
                        format!("Indicator '{at}': number {number} must be 1 to 9"),
                    ));
                };
                if std::mem::replace(slot, true) {
                    return Err(invalid(
                        at,
                        format!("Chỉ số '{at}': chỉ số số {number} đã có trong mô hình"),
                        format!("Indicator '{at}': indicator {number} is already in the model"),
                    ));
                }
                if (ind.max_points - CIRCULAR01_MAX).abs() > EPS {
                    return Err(invalid(
                        at,
                        format!("Chỉ số '{at}': mỗi chỉ số của Thông tư 01 tối đa 2 điểm"),
                        format!("Indicator '{at}': each Circular 01 indicator is worth 2 points"),
                    ));
                }
            }
            _ if circular => {
                return Err(invalid(
                    at,
                    format!("Chỉ số '{at}': mô hình circular01 chỉ dùng quy tắc ballot_average"),
                    format!("Indicator '{at}': a circular01 model uses rule ballot_average only"),
                ));
            }
            Rule::Threshold { at: x } => {
                if !(x.is_finite() && *x > 0.0 && *x <= 1.0) {
                    return Err(invalid(
                        at,
                        format!("Chỉ số '{at}': ngưỡng {x} phải lớn hơn 0 và không quá 1 (100%)"),
                        format!("Indicator '{at}': threshold {x} must be above 0 and at most 1"),
                    ));
                }
            }
            Rule::Complement { of } => {
                let mut seen = HashSet::new();
                if of.is_empty() || !of.iter().all(|m| seen.insert(*m)) {
                    return Err(invalid(
                        at,
                        format!("Chỉ số '{at}': 'of' cần ít nhất một số liệu, không trùng nhau"),
                        format!("Indicator '{at}': 'of' needs one or more distinct metrics"),
                    ));
                }
            }
            Rule::Ratio {} | Rule::Manual {} => {}
        }
        Ok(())
    }

    fn check_bands(&self) -> Result<(), ScoringError> {
        let mut keys = HashSet::new();
        for (i, b) in self.bands.iter().enumerate() {
            let at = format!("bands.{}", b.key);
            check_key(&at, &b.key, "mức xếp loại", "band")?;
            if !keys.insert(b.key.as_str()) {
                return Err(invalid(
                    &at,
                    format!("Mã mức xếp loại '{}' bị trùng", b.key),
                    format!("Band key '{}' is used twice", b.key),
                ));
            }
            check_names(&at, &b.name_vi, &b.name_en, "mức xếp loại", "band")?;
            let max = self.max_points();
            if !(b.from.is_finite() && b.from <= max) {
                return Err(invalid(
                    &at,
                    format!("Mức '{}': ngưỡng {} vượt quá tổng điểm", b.key, b.from),
                    format!(
                        "Band '{}': its lower bound {} is above the total",
                        b.key, b.from
                    ),
                ));
            }
            if i > 0 && b.from >= self.bands[i - 1].from {
                return Err(invalid(
                    &at,
                    format!("Mức '{}': các mức phải xếp từ cao xuống thấp", b.key),
                    format!(
                        "Band '{}': bands must be listed from the highest down",
                        b.key
                    ),
                ));
            }
        }
        if let Some(last) = self.bands.last()
            && !last.holds(0.0)
        {
            return Err(invalid(
                format!("bands.{}", last.key),
                format!("Mức thấp nhất '{}' phải gồm cả 0 điểm", last.key),
                format!("The lowest band '{}' must include 0 points", last.key),
            ));
        }
        Ok(())
    }
}

fn check_key(at: &str, key: &str, what_vi: &str, what_en: &str) -> Result<(), ScoringError> {
    let ok = !key.is_empty()
        && key.len() <= KEY_MAX_CHARS
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            at,
            format!(
                "Mã {what_vi} '{key}' không hợp lệ (chữ không dấu, số, dấu _; tối đa {KEY_MAX_CHARS} ký tự)"
            ),
            format!(
                "The {what_en} key '{key}' is not valid (ASCII letters, digits, _; at most {KEY_MAX_CHARS})"
            ),
        ))
    }
}

fn check_names(
    at: &str,
    vi: &str,
    en: &str,
    what_vi: &str,
    what_en: &str,
) -> Result<(), ScoringError> {
    if vi.trim().is_empty() || en.trim().is_empty() {
        let place = if at.is_empty() {
            String::new()
        } else {
            format!(" '{at}'")
        };
        return Err(invalid(
            at,
            format!("Tên {what_vi}{place} cần có cả tiếng Việt và tiếng Anh"),
            format!("The {what_en}{place} needs a Vietnamese and an English name"),
        ));
    }
    Ok(())
}

fn check_max(at: &str, max: f64, what_vi: &str, what_en: &str) -> Result<(), ScoringError> {
    if max.is_finite() && max > 0.0 {
        return Ok(());
    }
    Err(invalid(
        at,
        format!("Điểm tối đa của {what_vi} phải lớn hơn 0"),
        format!("The max points of {what_en} must be above 0"),
    ))
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// A rate in [0, 1] and its n. No value when nothing was counted: a rate of nothing is not 0%.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub value: Option<f64>,
    pub n: u64,
}

impl Figure {
    pub const NONE: Figure = Figure { value: None, n: 0 };

    /// `part / whole`, no value when whole is 0.
    pub fn from_counts(part: u64, whole: u64) -> Figure {
        Figure {
            value: share(part, whole),
            n: whole,
        }
    }
}

impl From<Proportion> for Figure {
    fn from(p: Proportion) -> Figure {
        Figure {
            value: p.rate,
            n: p.n,
        }
    }
}

/// The figures of one unit and period. A metric left out is the same as no data.
pub type MetricValues = BTreeMap<Metric, Figure>;

/// Points entered for `manual` indicators, by indicator key.
pub type ManualEntries = BTreeMap<String, f64>;

/// A unit's quarter under Circular 01/2018: sums of the 0/1/2 scores per indicator over its
/// ballots, and the two columns people fill in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Circular01Input {
    /// Ballots (evaluated dossiers) in the period.
    pub ballots: u64,
    /// Per indicator (1–9 at 0–8): sum of its scores over the ballots that scored it.
    pub sums: [u64; 9],
    /// Per indicator: how many ballots scored it (≤ ballots). An indicator that no ballot scores
    /// (the unit-level ones, 5, 6, 8, 9, in `evaluation`; attitude on unrated dossiers) has no
    /// computed value rather than an average of 0.
    pub scored: [u64; 9],
    /// Per indicator: the unit's own score, 0–2.
    pub self_assessed: [Option<f64>; 9],
    /// Per indicator: the appraising body's score, 0–2.
    pub appraised: [Option<f64>; 9],
}

fn check_figures(values: &MetricValues) -> Result<(), ScoringError> {
    for (m, f) in values {
        let at = m.as_str();
        let Some(v) = f.value else { continue };
        if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
            return Err(bad_input(
                at,
                format!("Số liệu '{at}' = {v} phải nằm trong khoảng 0 đến 1"),
                format!("Figure '{at}' = {v} must lie between 0 and 1"),
            ));
        }
        if f.n == 0 {
            return Err(bad_input(
                at,
                format!(
                    "Số liệu '{at}' có giá trị nhưng n = 0: tỉ lệ của 0 trường hợp là chưa có dữ liệu"
                ),
                format!("Figure '{at}' has a value but n = 0: a rate of nothing is no data"),
            ));
        }
    }
    Ok(())
}

fn check_manual(model: &ScoringModel, manual: &ManualEntries) -> Result<(), ScoringError> {
    for (key, v) in manual {
        let Some((_, ind)) = model
            .indicators()
            .find(|(_, i)| &i.key == key && i.rule == Rule::Manual {})
        else {
            return Err(bad_input(
                key.as_str(),
                format!("'{key}' không phải chỉ số nhập tay của mô hình này"),
                format!("'{key}' is not a manual indicator of this model"),
            ));
        };
        check_points(key, *v, ind.max_points)?;
    }
    Ok(())
}

fn check_points(at: &str, v: f64, max: f64) -> Result<(), ScoringError> {
    if v.is_finite() && (0.0..=max + EPS).contains(&v) {
        return Ok(());
    }
    Err(bad_input(
        at,
        format!(
            "Điểm nhập cho '{at}' là {v}, phải từ 0 đến {}",
            num_text(max, Lang::Vi)
        ),
        format!(
            "The points entered for '{at}' are {v}, must be 0 to {}",
            num_text(max, Lang::En)
        ),
    ))
}

// ---------------------------------------------------------------------------------------------
// Score cards
// ---------------------------------------------------------------------------------------------

/// Where an indicator's points come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Computed from the app's figures.
    Measured,
    /// Entered by a person.
    Entered,
    /// Nothing to compute from: 0 points, and the card says so.
    NoData,
}

/// One figure an indicator read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputShown {
    pub metric: Metric,
    pub label: Msg,
    pub value: Option<f64>,
    pub n: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorScore {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    /// The figures read: one for threshold and ratio, several for complement, none for manual.
    pub inputs: Vec<InputShown>,
    /// The rate the rule was applied to (for complement: 1 − the sum, not below 0).
    pub rate: Option<f64>,
    pub rule: Msg,
    /// Exact; round only for display ([`round2`], [`format_points`]).
    pub points: f64,
    pub max: f64,
    pub basis: Basis,
    /// "Chưa có dữ liệu / No data" when basis is no_data.
    pub note: Option<Msg>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScore {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    pub indicators: Vec<IndicatorScore>,
    /// Sum of the indicators' exact points.
    pub points: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreCard {
    pub model_key: String,
    pub model_version: u32,
    pub name_vi: String,
    pub name_en: String,
    pub groups: Vec<GroupScore>,
    pub total: f64,
    pub max: f64,
    /// Indicators that had nothing to compute from.
    pub no_data: usize,
    /// Says the total is incomplete when no_data > 0.
    pub note: Option<Msg>,
    /// Only when the model has bands and every indicator had data.
    pub band: Option<Band>,
}

fn no_data_msg() -> Msg {
    Msg::new("Chưa có dữ liệu", "No data")
}

fn incomplete_msg(missing: usize, of: usize) -> Msg {
    Msg::new(
        format!("Chưa đầy đủ: {missing}/{of} chỉ số chưa có dữ liệu (tính 0 điểm), chưa xếp loại"),
        format!("Incomplete: {missing} of {of} indicators have no data (0 points), no band"),
    )
}

/// Scores a `points` model. Validates the model, the figures (rates in [0, 1], a value only with
/// n > 0) and the manual entries (known manual keys, 0 to max).
pub fn score(
    model: &ScoringModel,
    values: &MetricValues,
    manual: &ManualEntries,
) -> Result<ScoreCard, ScoringError> {
    model.validate()?;
    if model.kind != ModelKind::Points {
        return Err(ScoringError::WrongKind(Msg::new(
            format!(
                "Mô hình '{}' theo Thông tư 01: dùng bảng ba cột (score_circular01)",
                model.key
            ),
            format!(
                "Model '{}' is a Circular 01 model: score it with score_circular01",
                model.key
            ),
        )));
    }
    check_figures(values)?;
    check_manual(model, manual)?;
    let groups: Vec<GroupScore> = model
        .groups
        .iter()
        .map(|g| {
            let indicators: Vec<IndicatorScore> = g
                .indicators
                .iter()
                .map(|i| score_indicator(i, values, manual))
                .collect();
            GroupScore {
                key: g.key.clone(),
                name_vi: g.name_vi.clone(),
                name_en: g.name_en.clone(),
                points: indicators.iter().map(|i| i.points).sum(),
                max: g.max_points,
                indicators,
            }
        })
        .collect();
    let total = groups.iter().map(|g| g.points).sum();
    let count = groups.iter().map(|g| g.indicators.len()).sum();
    let no_data = groups
        .iter()
        .flat_map(|g| &g.indicators)
        .filter(|i| i.basis == Basis::NoData)
        .count();
    Ok(ScoreCard {
        model_key: model.key.clone(),
        model_version: model.version,
        name_vi: model.name_vi.clone(),
        name_en: model.name_en.clone(),
        groups,
        total,
        max: model.max_points(),
        no_data,
        note: (no_data > 0).then(|| incomplete_msg(no_data, count)),
        band: if no_data == 0 {
            model.band_for(total).cloned()
        } else {
            None
        },
    })
}

fn score_indicator(
    ind: &IndicatorDef,
    values: &MetricValues,
    manual: &ManualEntries,
) -> IndicatorScore {
    let max = ind.max_points;
    let shown = |m: Metric| {
        let f = values.get(&m).copied().unwrap_or(Figure::NONE);
        InputShown {
            metric: m,
            label: m.label(),
            value: f.value,
            n: f.n,
        }
    };
    let mut inputs = Vec::new();
    let (rate, points, basis) = match &ind.rule {
        Rule::Threshold { at } => {
            let input = shown(ind.metric.expect("validated: threshold has a metric"));
            let rate = input.value;
            inputs.push(input);
            let points = rate.map(|r| if r >= *at { max } else { r * max / at });
            (rate, points, Basis::Measured)
        }
        Rule::Ratio {} => {
            let input = shown(ind.metric.expect("validated: ratio has a metric"));
            let rate = input.value;
            inputs.push(input);
            (rate, rate.map(|r| r * max), Basis::Measured)
        }
        Rule::Complement { of } => {
            inputs.extend(of.iter().map(|m| shown(*m)));
            // Any part missing makes the whole unknown: a missing late rate is not 0% late.
            let sum: Option<f64> = inputs.iter().map(|i| i.value).sum();
            let rate = sum.map(|s| (1.0 - s).max(0.0));
            (rate, rate.map(|r| r * max), Basis::Measured)
        }
        Rule::Manual {} => (None, manual.get(&ind.key).copied(), Basis::Entered),
        Rule::BallotAverage { .. } => unreachable!("validated: points models have no ballots"),
    };
    let (points, basis, note) = match points {
        Some(p) => (p, basis, None),
        None => (0.0, Basis::NoData, Some(no_data_msg())),
    };
    IndicatorScore {
        key: ind.key.clone(),
        name_vi: ind.name_vi.clone(),
        name_en: ind.name_en.clone(),
        inputs,
        rate,
        rule: ind.rule.text(max),
        points,
        max,
        basis,
        note,
    }
}

/// One of the nine indicators in its three columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Circular01Row {
    /// The circular's number, 1–9.
    pub number: u8,
    pub group_key: String,
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    pub rule: Msg,
    pub max: f64,
    /// Sum of the 0/1/2 scores and the ballots that scored it.
    pub sum: u64,
    pub n: u64,
    /// sum / n; none when no ballot scored it.
    pub computed: Option<f64>,
    pub self_assessed: Option<f64>,
    pub appraised: Option<f64>,
    /// "Chưa có dữ liệu / No data" when there is no computed value.
    pub note: Option<Msg>,
}

/// The total of one column out of 18.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Circular01Column {
    /// Sum of the indicators the column has (exact).
    pub total: f64,
    pub max: f64,
    /// How many of the nine indicators have a value.
    pub present: usize,
    /// Only when all nine have a value: a band is on 18 points, not on part of them.
    pub band: Option<Band>,
    pub note: Option<Msg>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Circular01Card {
    pub model_key: String,
    pub model_version: u32,
    pub name_vi: String,
    pub name_en: String,
    pub ballots: u64,
    /// In the model's order.
    pub rows: Vec<Circular01Row>,
    pub computed: Circular01Column,
    pub self_assessed: Circular01Column,
    pub appraised: Circular01Column,
}

/// Scores a `circular01` model: per indicator the average over the ballots that scored it, beside
/// the self-assessed and appraised scores; per column the total out of 18 and its band.
pub fn score_circular01(
    model: &ScoringModel,
    input: &Circular01Input,
) -> Result<Circular01Card, ScoringError> {
    model.validate()?;
    if model.kind != ModelKind::Circular01 {
        return Err(ScoringError::WrongKind(Msg::new(
            format!("Mô hình '{}' tính theo điểm: dùng score", model.key),
            format!(
                "Model '{}' is a points model: score it with score",
                model.key
            ),
        )));
    }
    let mut rows = Vec::with_capacity(9);
    for (g, ind) in model.indicators() {
        let Rule::BallotAverage { number } = ind.rule else {
            unreachable!("validated: circular01 indicators are ballot averages")
        };
        let i = usize::from(number - 1);
        let (sum, n) = (input.sums[i], input.scored[i]);
        if n > input.ballots || sum > 2 * n {
            return Err(bad_input(
                ind.key.as_str(),
                format!(
                    "Chỉ số {number} ('{}'): {n} phiếu chấm, tổng {sum}, trên {} phiếu: không khớp (tổng tối đa 2 × số phiếu chấm)",
                    ind.key, input.ballots
                ),
                format!(
                    "Indicator {number} ('{}'): {n} ballots scored it with sum {sum}, of {} ballots: inconsistent (sum at most 2 × scored)",
                    ind.key, input.ballots
                ),
            ));
        }
        let (self_assessed, appraised) = (input.self_assessed[i], input.appraised[i]);
        for v in [self_assessed, appraised].into_iter().flatten() {
            check_points(&ind.key, v, ind.max_points)?;
        }
        let computed = (n > 0).then(|| sum as f64 / n as f64);
        rows.push(Circular01Row {
            number,
            group_key: g.key.clone(),
            key: ind.key.clone(),
            name_vi: ind.name_vi.clone(),
            name_en: ind.name_en.clone(),
            rule: ind.rule.text(ind.max_points),
            max: ind.max_points,
            sum,
            n,
            computed,
            self_assessed,
            appraised,
            note: computed.is_none().then(no_data_msg),
        });
    }
    let column = |pick: fn(&Circular01Row) -> Option<f64>| {
        let values: Vec<f64> = rows.iter().filter_map(pick).collect();
        // From +0.0: an empty f64 sum is −0.0, which would print as "-0,00".
        let total = values.iter().fold(0.0, |a, b| a + b);
        let present = values.len();
        let complete = present == rows.len();
        Circular01Column {
            total,
            max: model.max_points(),
            present,
            band: if complete {
                model.band_for(total).cloned()
            } else {
                None
            },
            note: (!complete).then(|| incomplete_msg(rows.len() - present, rows.len())),
        }
    };
    Ok(Circular01Card {
        model_key: model.key.clone(),
        model_version: model.version,
        name_vi: model.name_vi.clone(),
        name_en: model.name_en.clone(),
        ballots: input.ballots,
        computed: column(|r| r.computed),
        self_assessed: column(|r| r.self_assessed),
        appraised: column(|r| r.appraised),
        rows,
    })
}

// ---------------------------------------------------------------------------------------------
// Default models
// ---------------------------------------------------------------------------------------------

/// Decision 766/QĐ-TTg: the five groups and their points (publicity 18, timeliness 20,
/// digitisation 22, online services 22, satisfaction 18) are [law] in DOMAIN §9; the split into
/// indicators and the thresholds are [law, second-hand], so the model says so in its notes.
/// Splits chosen here, each noted in the JSON:
/// - satisfaction 18 = satisfaction in procedures 6 (the one figure §9 gives: complement of late
///   rate + negative rating rate) + satisfaction with the service 12 (the rest of the group,
///   threshold 90%);
/// - online services 22 = provision 11 (threshold 80%) + submission 11 (threshold 50%): §9 gives
///   both thresholds but no weights, so the group is halved until the table is confirmed;
/// - publicity 18 reads procedures published as a plain ratio (no threshold is given);
///   timeliness is on-time rate × 20; digitisation is threshold 80% for 22.
const QD766_V1: &str = include_str!("scoring/qd766-v1.json");

/// Circular 01/2018: nine 0/1/2 indicators (names from `evaluation::INDICATOR_LABELS`), bands on
/// 18 points [unverified] in DOMAIN §5: > 15 excellent, 12–15 good, 9–12 fair, 6–9 average,
/// < 6 weak. Boundaries: "> 15" keeps exactly 15 out of excellent, so good is [12, 15]; each
/// band below excellent holds its lower bound, so exactly 12 is good, 9 fair, 6 average.
const TT01_2018_V1: &str = include_str!("scoring/tt01-2018-v1.json");

/// The models shipped with the app, to seed the stored versions.
pub fn default_models() -> Vec<ScoringModel> {
    [QD766_V1, TT01_2018_V1]
        .into_iter()
        .map(|json| ScoringModel::parse(json).expect("embedded scoring models are valid"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Display helpers
// ---------------------------------------------------------------------------------------------

/// Points to two decimals, for display and for deciding a band on what is displayed.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Points with two decimals in the language's decimal mark ("11,33" in Vietnamese).
pub fn format_points(x: f64, lang: Lang) -> String {
    // + 0.0 turns a negative zero (from rounding a tiny negative) into 0.
    decimal_mark(format!("{:.2}", round2(x) + 0.0), lang)
}

fn decimal_mark(s: String, lang: Lang) -> String {
    match lang {
        Lang::Vi => s.replace('.', ","),
        Lang::En => s,
    }
}

/// A number with up to two decimals and no trailing zeros ("6", "5,5").
fn num_text(x: f64, lang: Lang) -> String {
    let s = format!("{:.2}", round2(x));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    decimal_mark(s.to_string(), lang)
}

fn pct_text(x: f64, lang: Lang) -> String {
    format!("{}%", num_text(x * 100.0, lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qd766() -> ScoringModel {
        default_models()
            .into_iter()
            .find(|m| m.key == "qd766")
            .unwrap()
    }

    fn tt01() -> ScoringModel {
        default_models()
            .into_iter()
            .find(|m| m.kind == ModelKind::Circular01)
            .unwrap()
    }

    fn indicator<'a>(card: &'a ScoreCard, key: &str) -> &'a IndicatorScore {
        card.groups
            .iter()
            .flat_map(|g| &g.indicators)
            .find(|i| i.key == key)
            .unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn all_figures(value: f64) -> MetricValues {
        Metric::ALL
            .into_iter()
            .map(|m| {
                (
                    m,
                    Figure {
                        value: Some(value),
                        n: 100,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn default_models_parse_and_qd766_totals_100() {
        let models = default_models();
        assert_eq!(models.len(), 2);
        let m = qd766();
        assert_eq!(m.kind, ModelKind::Points);
        assert!(close(m.max_points(), 100.0));
        let groups: Vec<(&str, f64)> = m
            .groups
            .iter()
            .map(|g| (g.key.as_str(), g.max_points))
            .collect();
        assert_eq!(
            groups,
            [
                ("publicity", 18.0),
                ("timeliness", 20.0),
                ("digitisation", 22.0),
                ("online_services", 22.0),
                ("satisfaction", 18.0)
            ]
        );
        assert!(m.note_vi.contains("chưa") && m.note_en.contains("unconfirmed"));
        let t = tt01();
        assert!(close(t.max_points(), 18.0));
        // The circular's wording comes from the one place it lives.
        let names: Vec<&str> = t.indicators().map(|(_, i)| i.name_vi.as_str()).collect();
        let labels: Vec<&str> = INDICATOR_LABELS.iter().map(|(vi, _)| *vi).collect();
        assert_eq!(names, labels);
        // Every figure at its best gives the full 100, with a band only if the model has bands.
        let mut best = all_figures(1.0);
        best.insert(Metric::LateRate, Figure::from_counts(0, 100));
        best.insert(Metric::NegativeRatingRate, Figure::from_counts(0, 100));
        let card = score(&m, &best, &ManualEntries::new()).unwrap();
        assert!(close(card.total, 100.0));
        assert_eq!(
            (card.no_data, card.note.clone(), card.band.clone()),
            (0, None, None)
        );
    }

    #[test]
    fn satisfaction_below_the_threshold_is_scaled_and_at_or_above_is_full() {
        let m = qd766();
        let mut v = MetricValues::new();
        v.insert(Metric::SatisfactionRate, Figure::from_counts(85, 100));
        let card = score(&m, &v, &ManualEntries::new()).unwrap();
        let s = indicator(&card, "service_satisfaction");
        assert!(close(s.points, 0.85 * 12.0 / 0.9));
        assert_eq!(round2(s.points), 11.33);
        assert_eq!(format_points(s.points, Lang::Vi), "11,33");
        assert_eq!(format_points(s.points, Lang::En), "11.33");
        assert_eq!(s.basis, Basis::Measured);
        assert_eq!(s.inputs[0].n, 100);
        assert_eq!(
            s.rule.vi, "Đủ điểm khi ≥ 90%; dưới đó tỉ lệ × 12 / 90%",
            "{:?}",
            s.rule
        );
        assert_eq!(
            s.rule.en,
            "Full points at ≥ 90%; below that, rate × 12 / 90%"
        );
        for (part, whole) in [(90, 100), (27, 30), (97, 100), (1, 1)] {
            v.insert(Metric::SatisfactionRate, Figure::from_counts(part, whole));
            let card = score(&m, &v, &ManualEntries::new()).unwrap();
            assert_eq!(
                indicator(&card, "service_satisfaction").points,
                12.0,
                "{part}/{whole}"
            );
        }
    }

    #[test]
    fn a_missing_figure_scores_zero_and_says_no_data() {
        let m = qd766();
        let mut v = MetricValues::new();
        v.insert(Metric::OnTimeRate, Figure::from_counts(0, 0));
        v.insert(Metric::LateRate, Figure::from_counts(1, 10));
        // negative_rating_rate left out entirely
        let card = score(&m, &v, &ManualEntries::new()).unwrap();
        let t = indicator(&card, "on_time");
        assert_eq!((t.points, t.basis), (0.0, Basis::NoData));
        assert_eq!(t.note, Some(Msg::new("Chưa có dữ liệu", "No data")));
        // One part of a complement missing leaves the whole unknown, not full points.
        let c = indicator(&card, "procedure_satisfaction");
        assert_eq!((c.points, c.basis, c.rate), (0.0, Basis::NoData, None));
        assert_eq!(c.inputs[0].value, Some(0.1));
        assert_eq!(c.inputs[1].value, None);
        // The total says it is incomplete and gets no band.
        assert_eq!(card.no_data, 7);
        assert!(card.note.as_ref().unwrap().vi.contains("7/7"));
        assert_eq!(card.band, None);
    }

    #[test]
    fn complement_subtracts_both_rates_and_floors_at_zero() {
        let m = qd766();
        let mut v = MetricValues::new();
        v.insert(Metric::LateRate, Figure::from_counts(10, 100));
        v.insert(Metric::NegativeRatingRate, Figure::from_counts(5, 50));
        let card = score(&m, &v, &ManualEntries::new()).unwrap();
        let c = indicator(&card, "procedure_satisfaction");
        assert!(close(c.points, 6.0 * 0.8));
        assert_eq!(
            c.rule.vi,
            "6 × (100% − (Tỉ lệ hồ sơ trễ hạn + Tỉ lệ phiếu dưới mức hài lòng)), không dưới 0"
        );
        v.insert(Metric::LateRate, Figure::from_counts(70, 100));
        v.insert(Metric::NegativeRatingRate, Figure::from_counts(40, 100));
        let card = score(&m, &v, &ManualEntries::new()).unwrap();
        let c = indicator(&card, "procedure_satisfaction");
        assert_eq!(
            (c.points, c.rate, c.basis),
            (0.0, Some(0.0), Basis::Measured)
        );
    }

    #[test]
    fn groups_not_adding_to_100_are_rejected_naming_the_group() {
        let mut m = qd766();
        // A group whose own max disagrees with its indicators.
        m.groups[4].max_points = 16.0;
        let err = ScoringModel::parse(&m.to_json()).unwrap_err();
        assert!(matches!(&err, ScoringError::Invalid { at, .. } if at == "satisfaction"));
        assert!(err.msg().vi.contains("'satisfaction'"), "{}", err.msg().vi);
        assert!(err.msg().en.contains("'satisfaction'"), "{}", err.msg().en);
        // Consistent groups that add up to 98: the message lists each group with its points.
        m.groups[4].indicators[1].max_points = 10.0;
        let err = ScoringModel::parse(&m.to_json()).unwrap_err();
        assert_eq!(
            err.msg().en,
            "The groups add up to 98 points, not 100 (publicity 18, timeliness 20, \
             digitisation 22, online_services 22, satisfaction 16)"
        );
        assert!(err.msg().vi.contains("satisfaction 16"));
    }

    #[test]
    fn broken_models_are_rejected_with_the_place() {
        let base = qd766();
        // Each case breaks the model one way, and names where the error must point.
        type Breakage = fn(&mut ScoringModel);
        let cases: Vec<(Breakage, &str)> = vec![
            (
                |m| m.groups[0].indicators[0].rule = Rule::Threshold { at: 0.0 },
                "publicity.procedures_published",
            ),
            (
                |m| m.groups[0].indicators[0].rule = Rule::Threshold { at: 1.5 },
                "publicity.procedures_published",
            ),
            (
                |m| m.groups[1].indicators[0].key = "procedures_published".into(),
                "timeliness.procedures_published",
            ),
            (|m| m.groups[1].key = "publicity".into(), "publicity"),
            (
                |m| m.groups[2].indicators[0].name_en = " ".into(),
                "digitisation.digitised",
            ),
            (
                |m| m.groups[1].indicators[0].metric = None,
                "timeliness.on_time",
            ),
            (
                |m| m.groups[4].indicators[0].metric = Some(Metric::LateRate),
                "satisfaction.procedure_satisfaction",
            ),
            (
                |m| {
                    m.groups[4].indicators[0].rule = Rule::Complement {
                        of: vec![Metric::LateRate, Metric::LateRate],
                    }
                },
                "satisfaction.procedure_satisfaction",
            ),
            (
                |m| m.groups[1].indicators[0].rule = Rule::BallotAverage { number: 1 },
                "timeliness.on_time",
            ),
            (|m| m.key = "qd 766".into(), ""),
        ];
        for (break_it, place) in cases {
            let mut m = base.clone();
            break_it(&mut m);
            match ScoringModel::parse(&m.to_json()) {
                Err(ScoringError::Invalid { at, msg }) => {
                    assert_eq!(at, place, "{msg:?}");
                    if !place.is_empty() {
                        let key = place.rsplit('.').next().unwrap();
                        assert!(msg.vi.contains(key) && msg.en.contains(key), "{msg:?}");
                    }
                }
                other => panic!("{place}: {other:?}"),
            }
        }
        let err = ScoringModel::parse(r#"{"key": "x"}"#).unwrap_err();
        assert!(matches!(err, ScoringError::Json(_)));
        // A misspelt or left-over field is refused rather than silently dropped.
        for (from, to) in [
            ("\"note_vi\"", "\"notes_vi\""),
            (
                "\"type\": \"threshold\"",
                "\"type\": \"threshold\", \"of\": []",
            ),
            ("\"type\": \"ratio\"", "\"type\": \"ratio\", \"at\": 0.9"),
        ] {
            let json = qd766().to_json().replacen(from, to, 1);
            assert_ne!(json, qd766().to_json(), "{from}");
            assert!(
                matches!(ScoringModel::parse(&json), Err(ScoringError::Json(_))),
                "{to}"
            );
        }
    }

    #[test]
    fn manual_entries_are_points_within_the_max() {
        let mut m = qd766();
        let publicity = &mut m.groups[0].indicators[0];
        publicity.metric = None;
        publicity.rule = Rule::Manual {};
        let m = ScoringModel::parse(&m.to_json()).unwrap();
        let none = score(&m, &MetricValues::new(), &ManualEntries::new()).unwrap();
        assert_eq!(
            indicator(&none, "procedures_published").basis,
            Basis::NoData
        );
        let entered = ManualEntries::from([("procedures_published".to_string(), 15.5)]);
        let card = score(&m, &MetricValues::new(), &entered).unwrap();
        let p = indicator(&card, "procedures_published");
        assert_eq!(
            (p.points, p.basis, p.note.clone()),
            (15.5, Basis::Entered, None)
        );
        let too_many = ManualEntries::from([("procedures_published".to_string(), 19.0)]);
        assert!(matches!(
            score(&m, &MetricValues::new(), &too_many),
            Err(ScoringError::Input { at, .. }) if at == "procedures_published"
        ));
        let not_manual = ManualEntries::from([("on_time".to_string(), 1.0)]);
        assert!(score(&m, &MetricValues::new(), &not_manual).is_err());
    }

    #[test]
    fn impossible_figures_are_refused() {
        let m = qd766();
        for f in [
            Figure {
                value: Some(1.2),
                n: 10,
            },
            Figure {
                value: Some(0.5),
                n: 0,
            },
            Figure {
                value: Some(f64::NAN),
                n: 10,
            },
        ] {
            let v = MetricValues::from([(Metric::OnTimeRate, f)]);
            assert!(matches!(
                score(&m, &v, &ManualEntries::new()),
                Err(ScoringError::Input { at, .. }) if at == "on_time_rate"
            ));
        }
        assert!(matches!(
            score(&tt01(), &MetricValues::new(), &ManualEntries::new()),
            Err(ScoringError::WrongKind(_))
        ));
        assert!(matches!(
            score_circular01(&m, &Circular01Input::default()),
            Err(ScoringError::WrongKind(_))
        ));
    }

    #[test]
    fn circular01_averages_over_the_ballots_that_scored_each_indicator() {
        let t = tt01();
        let mut input = Circular01Input {
            ballots: 10,
            ..Default::default()
        };
        input.sums[0] = 15;
        input.scored[0] = 10;
        // Attitude scored on 8 of the 10 dossiers (two unrated).
        input.sums[6] = 16;
        input.scored[6] = 8;
        let card = score_circular01(&t, &input).unwrap();
        assert_eq!(card.rows[0].computed, Some(1.5));
        assert_eq!(card.rows[0].number, 1);
        assert_eq!(card.rows[6].computed, Some(2.0));
        // Not scored on any ballot: no data, not an average of 0.
        assert_eq!(card.rows[4].computed, None);
        assert_eq!(
            card.rows[4].note,
            Some(Msg::new("Chưa có dữ liệu", "No data"))
        );
        assert_eq!(card.computed.present, 2);
        assert!(close(card.computed.total, 3.5));
        assert_eq!(card.computed.band, None);
        assert!(card.computed.note.is_some());
        assert_eq!(card.self_assessed.present, 0);
        assert_eq!(format_points(card.self_assessed.total, Lang::Vi), "0,00");
        assert_eq!(format_points(-0.001, Lang::En), "0.00");
        // A sum above two per scored ballot is a counting error, not a score.
        input.sums[1] = 21;
        input.scored[1] = 10;
        assert!(matches!(
            score_circular01(&t, &input),
            Err(ScoringError::Input { at, .. }) if at == "agency_time"
        ));
        input.sums[1] = 0;
        input.self_assessed[2] = Some(2.5);
        assert!(score_circular01(&t, &input).is_err());
    }

    #[test]
    fn circular01_bands_at_the_boundaries() {
        let t = tt01();
        let band_of = |column: [f64; 9]| {
            let input = Circular01Input {
                self_assessed: column.map(Some),
                ..Default::default()
            };
            let card = score_circular01(&t, &input).unwrap();
            assert_eq!(card.self_assessed.present, 9);
            card.self_assessed.band.map(|b| b.key)
        };
        // Nine values adding to `total`, with a third each so floating sums are not exact.
        let spread = |total: f64| {
            let mut c = [0.0; 9];
            let each = (total / 9.0).min(2.0);
            c.iter_mut().for_each(|x| *x = each);
            c[0] += total - each * 9.0;
            c
        };
        let cases = [
            (18.0, "excellent"),
            (15.01, "excellent"),
            (15.0, "good"),
            (14.999_999_999, "good"),
            (12.0, "good"),
            (11.99, "fair"),
            (9.0, "fair"),
            (8.99, "average"),
            (6.0, "average"),
            (5.99, "weak"),
            (0.0, "weak"),
        ];
        for (total, band) in cases {
            assert_eq!(band_of(spread(total)).as_deref(), Some(band), "{total}");
        }
        // Averages from ballots: 3 ballots, sums making 45/3 = 15 exactly on paper.
        let input = Circular01Input {
            ballots: 3,
            sums: [5, 5, 5, 5, 5, 5, 5, 5, 5],
            scored: [3; 9],
            ..Default::default()
        };
        let card = score_circular01(&t, &input).unwrap();
        assert_eq!(card.computed.band.unwrap().name_vi, "Tốt");
        assert_eq!(format_points(card.computed.total, Lang::Vi), "15,00");
    }

    #[test]
    fn bands_must_cover_every_total_from_the_top_down() {
        let mut t = tt01();
        t.bands.swap(0, 1);
        assert!(matches!(
            ScoringModel::parse(&t.to_json()),
            Err(ScoringError::Invalid { at, .. }) if at == "bands.excellent"
        ));
        let mut t = tt01();
        t.bands.last_mut().unwrap().include_from = false;
        assert!(matches!(
            ScoringModel::parse(&t.to_json()),
            Err(ScoringError::Invalid { at, .. }) if at == "bands.weak"
        ));
        let mut t = tt01();
        t.bands.clear();
        assert!(ScoringModel::parse(&t.to_json()).is_err());
        let mut t = tt01();
        t.groups[0].indicators.pop();
        t.groups[0].max_points = 16.0;
        let err = ScoringModel::parse(&t.to_json()).unwrap_err();
        assert!(err.msg().en.contains("indicator 9"), "{err:?}");
    }

    #[test]
    fn json_round_trip_gives_the_same_model() {
        for m in default_models() {
            let json = m.to_json();
            assert_eq!(ScoringModel::parse(&json).unwrap(), m);
            // An edited version stores and reads back the same.
            let mut edited = m.clone();
            edited.version = 2;
            edited.note_en.push_str(" Edited.");
            assert_eq!(ScoringModel::parse(&edited.to_json()).unwrap(), edited);
        }
    }

    #[test]
    fn metric_names_match_the_json() {
        for m in Metric::ALL {
            assert_eq!(
                serde_json::to_value(m).unwrap(),
                serde_json::Value::from(m.as_str())
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn points_stay_between_zero_and_max(
            rates in proptest::collection::vec(proptest::option::of(0.0f64..=1.0), 10),
        ) {
            let v: MetricValues = Metric::ALL
                .into_iter()
                .zip(rates)
                .map(|(m, value)| (m, Figure { value, n: 50 }))
                .collect();
            let card = score(&qd766(), &v, &ManualEntries::new()).unwrap();
            for i in card.groups.iter().flat_map(|g| &g.indicators) {
                proptest::prop_assert!((0.0..=i.max + EPS).contains(&i.points), "{i:?}");
            }
            proptest::prop_assert!(card.total <= 100.0 + EPS);
        }
    }
}
