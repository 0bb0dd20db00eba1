//! The per-dossier evaluation of Circular 01/2018 (DOMAIN §5): nine indicators scored 0, 1 or
//! 2. What the dossier's own record decides is filled in here (time against the limit, the
//! applicant's extra trips, the official's attitude from the citizen's rating); unit-level
//! indicators are judged per unit and period, not per dossier.

use serde::Serialize;

use super::calendar::{Timeliness, classify};
use super::dossier::Status;
use super::scale::Level;
use super::time::{Millis, local_time};

/// Where an indicator's score comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The dossier's dates against its due time.
    Dates,
    /// The dossier's history (supplement requests, agencies involved).
    History,
    /// The citizen's rating of this dossier.
    Rating,
    /// Judged for the unit and period, not per dossier.
    UnitLevel,
    /// Not known yet (unfinished, or not rated).
    Pending,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Indicator {
    pub number: u8,
    pub label_vi: &'static str,
    pub label_en: &'static str,
    /// 0, 1 or 2; none when not decided per dossier or not yet known.
    pub score: Option<u8>,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DossierEvaluation {
    pub indicators: Vec<Indicator>,
    /// Sum of the scored indicators, and the most they could give.
    pub score: u8,
    pub max: u8,
}

/// What the dossier's record says.
#[derive(Debug, Clone, Default)]
pub struct EvaluationInput {
    /// The whole dossier against its due time (None while unfinished and not overdue).
    pub timeliness: Option<Timeliness>,
    pub supplement_requests: u32,
    /// Each inter-agency step's timeliness, in order (empty: one agency handled it all).
    pub steps: Vec<Option<Timeliness>>,
    /// The citizen's answer on the official's attitude, if rated.
    pub attitude: Option<Level>,
}

impl EvaluationInput {
    /// What a dossier's record says at `now`: its timeliness by date (none once refused,
    /// withdrawn or stopped: there is nothing to time), its supplement requests, each
    /// inter-agency step's timeliness, and the citizen's attitude answer (a raw level). The
    /// dossier page and the unit's quarterly card both build the input here, so they agree.
    pub fn of_dossier(
        status: Status,
        due_at: Option<Millis>,
        finished_at: Option<Millis>,
        supplement_count: i32,
        steps: Vec<Option<Timeliness>>,
        attitude: Option<i16>,
        now: Millis,
    ) -> EvaluationInput {
        let timeliness = match due_at {
            Some(due)
                if !matches!(
                    status,
                    Status::Refused | Status::Withdrawn | Status::Stopped
                ) =>
            {
                classify(
                    local_time(due),
                    finished_at.map(local_time),
                    local_time(now),
                )
            }
            _ => None,
        };
        EvaluationInput {
            timeliness,
            supplement_requests: supplement_count.max(0) as u32,
            steps,
            attitude: attitude.and_then(Level::new),
        }
    }
}

/// The nine indicators of the Circular 01/2018 form, in its order (Vietnamese, English). The one
/// place their wording lives: the per-dossier evaluation here and the unit's quarterly scoring
/// model (`scoring`, kind "circular01") both read it.
pub const INDICATOR_LABELS: [(&str, &str); 9] = [
    (
        "Tổng thời gian giải quyết so với thời hạn theo quy định",
        "Total time against the legal limit",
    ),
    (
        "Thời gian giải quyết của từng cơ quan tham gia",
        "Each participating agency's time",
    ),
    (
        "Số lần phải liên hệ để hoàn thiện hồ sơ",
        "Times the applicant had to come back to complete the dossier",
    ),
    (
        "Số cơ quan, đơn vị phải liên hệ",
        "Agencies the applicant had to contact",
    ),
    (
        "Thực hiện tiếp nhận, trả kết quả tại Bộ phận Một cửa",
        "Intake and return at the one-stop desk",
    ),
    ("Công khai thủ tục hành chính", "Procedures published"),
    ("Thái độ của cán bộ, công chức", "The officials' attitude"),
    (
        "Tiếp nhận, xử lý phản ánh, kiến nghị",
        "Handling of feedback",
    ),
    (
        "Tiến độ, chất lượng cung cấp dịch vụ công trực tuyến",
        "Online service progress",
    ),
];

fn time_score(t: Timeliness) -> u8 {
    match t {
        Timeliness::Early => 2,
        Timeliness::OnTime => 1,
        Timeliness::Late => 0,
    }
}

pub fn evaluate(input: &EvaluationInput) -> DossierEvaluation {
    // More than one supplement request makes the dossier late (Decision 766).
    let whole = if input.supplement_requests > 1 {
        Some(Timeliness::Late)
    } else {
        input.timeliness
    };
    let scored = |score: Option<u8>, source| match score {
        Some(s) => (Some(s), source),
        None => (None, Source::Pending),
    };
    let (s1, src1) = scored(whole.map(time_score), Source::Dates);
    // Each agency's time: the worst step decides; one agency alone is judged like the whole.
    let s2 = if input.steps.is_empty() {
        whole.map(time_score)
    } else if input.steps.iter().all(Option::is_some) {
        input.steps.iter().flatten().map(|t| time_score(*t)).min()
    } else {
        None
    };
    let (s2, src2) = scored(s2, Source::Dates);
    let s3 = match input.supplement_requests {
        0 => 2,
        1 => 1,
        _ => 0,
    };
    let (s7, src7) = scored(
        input.attitude.map(|l| match l.value() {
            4 | 5 => 2,
            3 => 1,
            _ => 0,
        }),
        Source::Rating,
    );
    let unit = (None, Source::UnitLevel);
    // Through the one-stop desk the applicant deals with the desk alone, whatever the agencies
    // behind it: indicator 4 is always 2.
    let scores = [
        (s1, src1),
        (s2, src2),
        (Some(s3), Source::History),
        (Some(2), Source::History),
        unit,
        unit,
        (s7, src7),
        unit,
        unit,
    ];
    let indicators: Vec<Indicator> = INDICATOR_LABELS
        .into_iter()
        .zip(scores)
        .zip(1..)
        .map(
            |(((label_vi, label_en), (score, source)), number)| Indicator {
                number,
                label_vi,
                label_en,
                score,
                source,
            },
        )
        .collect();
    let score = indicators.iter().filter_map(|i| i.score).sum();
    let max = 2 * indicators.iter().filter(|i| i.score.is_some()).count() as u8;
    DossierEvaluation {
        indicators,
        score,
        max,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicator_1_comes_from_the_dates_and_two_supplements_make_it_late() {
        let e = evaluate(&EvaluationInput {
            timeliness: Some(Timeliness::Early),
            attitude: Level::new(5),
            ..Default::default()
        });
        assert_eq!(e.indicators[0].score, Some(2));
        assert_eq!(e.indicators[0].source, Source::Dates);
        assert_eq!(e.indicators[2].score, Some(2));
        assert_eq!(e.indicators[6].score, Some(2));
        assert_eq!((e.score, e.max), (10, 10));
        let e = evaluate(&EvaluationInput {
            timeliness: Some(Timeliness::Early),
            supplement_requests: 2,
            ..Default::default()
        });
        assert_eq!(e.indicators[0].score, Some(0));
        assert_eq!(e.indicators[2].score, Some(0));
        assert_eq!(e.indicators[6].source, Source::Pending);
        assert_eq!(e.max, 8);
    }

    #[test]
    fn each_agency_is_judged_by_its_worst_step_and_unit_indicators_stay_open() {
        let e = evaluate(&EvaluationInput {
            timeliness: Some(Timeliness::OnTime),
            supplement_requests: 1,
            steps: vec![Some(Timeliness::Early), Some(Timeliness::OnTime)],
            attitude: Level::new(3),
        });
        let s: Vec<Option<u8>> = e.indicators.iter().map(|i| i.score).collect();
        assert_eq!(
            s,
            [
                Some(1),
                Some(1),
                Some(1),
                Some(2),
                None,
                None,
                Some(1),
                None,
                None
            ]
        );
        let unfinished = evaluate(&EvaluationInput {
            steps: vec![Some(Timeliness::Early), None],
            ..Default::default()
        });
        assert_eq!(unfinished.indicators[0].source, Source::Pending);
        assert_eq!(unfinished.indicators[1].score, None);
    }
}
