//! Targets (chỉ tiêu) per unit and indicator, and how an actual figure is judged against one
//! (DOMAIN §9–§10): "satisfaction ≥ 80% by 2020" (Resolution 30c, seed 000), online submission
//! 40–50%, 90% satisfaction for Decision 766's full points. A unit without a target of its own
//! follows its nearest ancestor's; a target holds from its month until the unit's next one.

use serde::{Deserialize, Serialize};

use super::msg::Msg;
use super::time::Month;

/// What a target is about. Each is a share in [0, 1] read from the report figures
/// (`report::figures`), never computed anew here.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// (Very satisfied + satisfied) / ballots.
    SatisfactionRate,
    /// Very satisfied / ballots on a scale that offers it.
    VerySatisfiedShare,
    /// (Early + on time) / (finished + open and overdue).
    OnTimeRate,
    /// Dossiers received online / dossiers received.
    OnlineShare,
}

impl Indicator {
    pub const ALL: [Indicator; 4] = [
        Indicator::SatisfactionRate,
        Indicator::VerySatisfiedShare,
        Indicator::OnTimeRate,
        Indicator::OnlineShare,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::SatisfactionRate => "satisfaction_rate",
            Indicator::VerySatisfiedShare => "very_satisfied_share",
            Indicator::OnTimeRate => "on_time_rate",
            Indicator::OnlineShare => "online_share",
        }
    }

    pub fn parse(s: &str) -> Result<Indicator, Msg> {
        Indicator::ALL
            .into_iter()
            .find(|i| i.as_str() == s.trim())
            .ok_or_else(|| {
                let known = Indicator::ALL.map(Indicator::as_str).join(", ");
                Msg::new(
                    format!("Chỉ tiêu '{}' không có; chọn một trong: {known}", s.trim()),
                    format!("Unknown indicator '{}'; use one of: {known}", s.trim()),
                )
            })
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Indicator::SatisfactionRate => "Tỷ lệ hài lòng",
            Indicator::VerySatisfiedShare => "Tỷ lệ rất hài lòng",
            Indicator::OnTimeRate => "Tỷ lệ giải quyết đúng hạn",
            Indicator::OnlineShare => "Tỷ lệ hồ sơ nộp trực tuyến",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Indicator::SatisfactionRate => "Satisfaction rate",
            Indicator::VerySatisfiedShare => "Very satisfied share",
            Indicator::OnTimeRate => "On-time rate",
            Indicator::OnlineShare => "Online submission share",
        }
    }

    /// What the indicator's n counts, for "n = …" beside a figure.
    pub fn n_label_vi(self) -> &'static str {
        match self {
            Indicator::SatisfactionRate | Indicator::VerySatisfiedShare => "phiếu",
            Indicator::OnTimeRate => "hồ sơ đến hạn",
            Indicator::OnlineShare => "hồ sơ tiếp nhận",
        }
    }

    pub fn n_label_en(self) -> &'static str {
        match self {
            Indicator::SatisfactionRate | Indicator::VerySatisfiedShare => "ballots",
            Indicator::OnTimeRate => "dossiers due",
            Indicator::OnlineShare => "dossiers received",
        }
    }

    /// Every indicator so far is better when higher.
    pub fn comparison(self) -> Comparison {
        Comparison::AtLeast
    }
}

/// How an actual figure must stand to its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    AtLeast,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::AtLeast => "at_least",
        }
    }

    pub fn parse(s: &str) -> Option<Comparison> {
        (s.trim() == "at_least").then_some(Comparison::AtLeast)
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
        }
    }

    /// Shares read back from a floating-point column may differ from the typed value in the
    /// last bit; 32/40 must meet an 80% target however the 0.8 was stored.
    pub fn holds(self, actual: f64, threshold: f64) -> bool {
        const EPS: f64 = 1e-9;
        match self {
            Comparison::AtLeast => actual + EPS >= threshold,
        }
    }
}

/// A threshold must be a share from 0 to 1 (0–100%).
pub fn check_threshold(t: f64) -> Result<f64, Msg> {
    if t.is_finite() && (0.0..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(Msg::new(
            format!(
                "Ngưỡng chỉ tiêu phải từ 0% đến 100% (đã nhập {})",
                pct_text(t, true)
            ),
            format!(
                "A target threshold must be between 0% and 100% (got {})",
                pct_text(t, false)
            ),
        ))
    }
}

/// Reads a threshold typed as a percentage on a form: "80", "80,5", "80.5%" → 0.80, 0.805.
pub fn parse_percent(s: &str) -> Result<f64, Msg> {
    let t = s.trim().trim_end_matches('%').trim().replace(',', ".");
    let v: f64 = t.parse().map_err(|_| {
        Msg::new(
            format!(
                "Ngưỡng '{}' không phải là số phần trăm (ví dụ 80)",
                s.trim()
            ),
            format!("Threshold '{}' is not a percentage (e.g. 80)", s.trim()),
        )
    })?;
    check_threshold(v / 100.0)
}

/// A share as people read it: "80,5%" in Vietnamese, "80.5%" in English.
pub fn pct_text(v: f64, vi: bool) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    // Adding 0.0 keeps a rounded -0.0 from printing as "-0.0%".
    let s = format!("{:.1}%", (v * 1000.0).round() / 10.0 + 0.0);
    if vi { s.replace('.', ",") } else { s }
}

/// What inheritance needs to know of a stored target.
pub trait Rule {
    fn unit_id(&self) -> i64;
    fn indicator(&self) -> Indicator;
    fn valid_from(&self) -> Month;
}

/// The target in force for `indicator` in `month` at the first unit of `ancestry` (the unit,
/// then its parent, … up to the root): the unit's own latest target from `month` or before,
/// else the nearest ancestor's. A target from a later month does not reach back.
pub fn effective<'a, R: Rule>(
    ancestry: &[i64],
    rules: &'a [R],
    indicator: Indicator,
    month: Month,
) -> Option<&'a R> {
    ancestry.iter().find_map(|unit| {
        rules
            .iter()
            .filter(|r| r.unit_id() == *unit && r.indicator() == indicator)
            .filter(|r| r.valid_from() <= month)
            .max_by_key(|r| r.valid_from())
    })
}

/// Where an actual figure stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    Missed,
    /// Nothing to judge by: no ballot, no dossier in the period.
    NoData,
    /// Neither the unit nor any unit above it has a target for this indicator.
    NoTarget,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Missed => "missed",
            Status::NoData => "no_data",
            Status::NoTarget => "no_target",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Met => "Đạt",
            Status::Missed => "Chưa đạt",
            Status::NoData => "Chưa có số liệu",
            Status::NoTarget => "Chưa đặt chỉ tiêu",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Status::Met => "Met",
            Status::Missed => "Missed",
            Status::NoData => "No data",
            Status::NoTarget => "No target",
        }
    }
}

/// How sure a miss is, where the figure has a 95% interval (satisfaction, a sample of the
/// citizens served): with 40 ballots, 70% may well come from a desk that satisfies 80%.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissCertainty {
    /// Even the interval's upper bound is below the target.
    Clear,
    /// The target lies inside the interval: the miss may be chance.
    WithinInterval,
}

impl MissCertainty {
    pub fn label_vi(self) -> &'static str {
        match self {
            MissCertainty::Clear => {
                "chưa đạt rõ ràng (cận trên khoảng tin cậy 95% vẫn thấp hơn chỉ tiêu)"
            }
            MissCertainty::WithinInterval => {
                "chưa khẳng định được (chỉ tiêu nằm trong khoảng tin cậy 95%)"
            }
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            MissCertainty::Clear => {
                "clearly missed (the 95% interval's upper bound is below the target)"
            }
            MissCertainty::WithinInterval => {
                "not conclusive (the target lies within the 95% interval)"
            }
        }
    }
}

/// Judges an actual share against a threshold. `high` is the upper bound of the actual's 95%
/// interval when it has one; only then is a miss called clear or not.
pub fn judge(
    comparison: Comparison,
    threshold: f64,
    actual: Option<f64>,
    high: Option<f64>,
) -> (Status, Option<MissCertainty>) {
    let Some(actual) = actual.filter(|a| a.is_finite()) else {
        return (Status::NoData, None);
    };
    if comparison.holds(actual, threshold) {
        return (Status::Met, None);
    }
    let certainty = high.map(|h| {
        if comparison.holds(h, threshold) {
            MissCertainty::WithinInterval
        } else {
            MissCertainty::Clear
        }
    });
    (Status::Missed, certainty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::wilson;

    struct T(i64, Indicator, &'static str, f64);

    impl Rule for T {
        fn unit_id(&self) -> i64 {
            self.0
        }
        fn indicator(&self) -> Indicator {
            self.1
        }
        fn valid_from(&self) -> Month {
            self.2.parse().unwrap()
        }
    }

    fn m(s: &str) -> Month {
        s.parse().unwrap()
    }

    #[test]
    fn a_commune_inherits_its_province_target_until_it_has_its_own() {
        use Indicator::*;
        let province = 1;
        let commune = 2;
        let rules = [
            T(province, SatisfactionRate, "2020-01", 0.80),
            T(province, SatisfactionRate, "2026-01", 0.90),
            T(commune, SatisfactionRate, "2027-01", 0.85),
            T(province, OnlineShare, "2025-01", 0.40),
        ];
        let chain = [commune, province];
        let at = |ind, month| effective(&chain, &rules, ind, m(month)).map(|r| (r.0, r.3));
        // The province's targets by year, inherited.
        assert_eq!(at(SatisfactionRate, "2019-12"), None);
        assert_eq!(at(SatisfactionRate, "2020-06"), Some((province, 0.80)));
        assert_eq!(at(SatisfactionRate, "2026-03"), Some((province, 0.90)));
        // The commune's own target holds from its month on, and does not reach back.
        assert_eq!(at(SatisfactionRate, "2027-01"), Some((commune, 0.85)));
        assert_eq!(at(SatisfactionRate, "2026-12"), Some((province, 0.90)));
        // Each indicator on its own.
        assert_eq!(at(OnlineShare, "2026-03"), Some((province, 0.40)));
        assert_eq!(at(OnTimeRate, "2026-03"), None);
        // The province itself never sees its commune's target.
        assert_eq!(
            effective(&[province], &rules, SatisfactionRate, m("2027-06")).map(|r| r.0),
            Some(province)
        );
    }

    #[test]
    fn met_missed_and_no_data() {
        let c = Comparison::AtLeast;
        // 32 of 40 is exactly 80%: met, whatever rounding the stored 0.8 went through.
        assert_eq!(judge(c, 0.8, Some(32.0 / 40.0), None), (Status::Met, None));
        assert_eq!(judge(c, 0.1 * 8.0, Some(0.8), None).0, Status::Met);
        assert_eq!(judge(c, 0.5, None, None), (Status::NoData, None));
        // A dossier share has no interval: missed, certainty not claimed.
        assert_eq!(judge(c, 0.5, Some(0.4), None), (Status::Missed, None));
    }

    #[test]
    fn a_miss_is_clear_only_when_the_upper_bound_is_below_the_target() {
        let c = Comparison::AtLeast;
        // 28 of 40 (70%): the interval reaches above 80%, so the miss may be chance.
        let (_, high) = wilson(28, 40).unwrap();
        assert!(high > 0.8);
        assert_eq!(
            judge(c, 0.8, Some(0.7), Some(high)),
            (Status::Missed, Some(MissCertainty::WithinInterval))
        );
        // 280 of 400 (70%): the same rate, now clearly below.
        let (_, high) = wilson(280, 400).unwrap();
        assert!(high < 0.8);
        assert_eq!(
            judge(c, 0.8, Some(0.7), Some(high)),
            (Status::Missed, Some(MissCertainty::Clear))
        );
    }

    #[test]
    fn thresholds_are_shares_from_zero_to_one() {
        assert_eq!(parse_percent("80").unwrap(), 0.8);
        assert_eq!(parse_percent(" 80,5 % ").unwrap(), 0.805);
        assert_eq!(parse_percent("0").unwrap(), 0.0);
        assert_eq!(parse_percent("100").unwrap(), 1.0);
        let e = parse_percent("150").unwrap_err();
        assert!(e.vi.contains("từ 0% đến 100%"), "{}", e.vi);
        assert!(e.vi.contains("150,0%"), "{}", e.vi);
        assert!(e.en.contains("between 0% and 100%"), "{}", e.en);
        assert!(parse_percent("tám mươi").is_err());
        assert!(check_threshold(-0.01).is_err());
        assert!(check_threshold(f64::NAN).is_err());
    }

    #[test]
    fn indicators_parse_by_name_only() {
        for i in Indicator::ALL {
            assert_eq!(Indicator::parse(i.as_str()).unwrap(), i);
        }
        let e = Indicator::parse("happiness").unwrap_err();
        assert!(e.vi.contains("không có") && e.en.contains("Unknown indicator"));
        assert_eq!(pct_text(0.805, true), "80,5%");
        assert_eq!(pct_text(0.805, false), "80.5%");
    }
}
