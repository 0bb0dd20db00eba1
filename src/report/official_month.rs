//! The per-official monthly report (the Vạn Hưng report): for a unit subtree and a month, each
//! official's ballots, the count and share of each level, and the satisfaction rate with its
//! 95% Wilson interval. Flagged ratings are excluded and counted.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::ReportError;
use super::figures::Satisfaction;
use crate::domain::aggregate::{LevelCounts, dim};
use crate::domain::period::month_key;
use crate::domain::scale::{Level, Scale};
use crate::domain::time::Month;
use crate::store::Store;
use crate::store::units::Unit;

pub use super::figures::DEFAULT_MIN_N;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LevelColumn {
    pub level: i16,
    pub label_vi: String,
    pub label_en: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfficialRow {
    /// None for ratings not tied to an official.
    pub official_id: Option<i64>,
    pub code: String,
    pub full_name: String,
    pub title: String,
    pub unit_name: String,
    /// Ballots counted (flagged ones excluded).
    pub ballots: u64,
    /// Count per level, in the order of the report's `levels`.
    pub counts: Vec<u64>,
    /// Share per level (count / ballots), None when there are no ballots.
    pub shares: Vec<Option<f64>>,
    /// Satisfied or better.
    pub satisfied: u64,
    pub satisfaction_rate: Option<f64>,
    pub satisfaction_low: Option<f64>,
    pub satisfaction_high: Option<f64>,
    /// Share of "very satisfied" among the ballots whose scale offers it (None when none does,
    /// as with the 2-level scale).
    pub very_satisfied_rate: Option<f64>,
    /// Flagged (misuse) ratings, not counted above.
    pub flagged: u64,
    /// Fewer ballots than the report's minimum n: shown greyed, not to be ranked.
    pub below_min_n: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfficialMonthReport {
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_code: String,
    /// YYYY-MM, in Vietnam's time zone.
    pub month: String,
    pub min_n: u64,
    pub levels: Vec<LevelColumn>,
    pub rows: Vec<OfficialRow>,
    /// All ballots of the subtree in the month.
    pub total: OfficialRow,
    pub excluded_flagged: u64,
}

fn row(c: &LevelCounts, levels: &[Level], min_n: u64, who: RowWho) -> OfficialRow {
    let f = Satisfaction::of(c);
    let counts: Vec<u64> = levels
        .iter()
        .map(|l| f.levels[(l.value() - 1) as usize])
        .collect();
    OfficialRow {
        official_id: who.id,
        code: who.code,
        full_name: who.full_name,
        title: who.title,
        unit_name: who.unit_name,
        ballots: f.ballots,
        shares: levels.iter().map(|l| f.level_share(l.value())).collect(),
        counts,
        satisfied: f.satisfied,
        satisfaction_rate: f.rate,
        satisfaction_low: f.low,
        satisfaction_high: f.high,
        very_satisfied_rate: f.very_satisfied_share,
        flagged: f.flagged,
        below_min_n: f.ballots < min_n,
    }
}

#[derive(Default)]
struct RowWho {
    id: Option<i64>,
    code: String,
    full_name: String,
    title: String,
    unit_name: String,
}

/// The level columns, best first: those of the 3-level norm when any ballot could say "very
/// satisfied" (or there is no data), those of the 2-level scale otherwise, plus any other level
/// that was given (the 5-level scale's).
fn level_columns(counts: &[(Option<i64>, LevelCounts)]) -> Vec<Level> {
    let mut total = LevelCounts::default();
    for (_, c) in counts {
        total += *c;
    }
    let mut set: BTreeSet<Level> = BTreeSet::new();
    if total.top_offered > 0 || total.ballots() == 0 {
        set.extend(Scale::Three.levels());
    } else {
        set.extend(Scale::Two.levels());
    }
    set.extend(Level::ALL.into_iter().filter(|l| total.at(*l) > 0));
    set.into_iter().rev().collect()
}

impl OfficialMonthReport {
    pub async fn build(
        store: &Store,
        unit: &Unit,
        month: Month,
        min_n: u64,
    ) -> Result<Self, ReportError> {
        // The counts and the subtree's officials at once; an official rated here but belonging
        // elsewhere (rare: a stand-in from another unit) costs a second read of the list.
        let bucket = [month_key(month)];
        let (counts, officials) = tokio::try_join!(
            store.rating_agg_by_key(unit.id, dim::OFFICIAL, &bucket),
            store.report_officials(unit.id, &[])
        )?;
        let counts: Vec<(Option<i64>, LevelCounts)> = counts
            .into_iter()
            .map(|(k, _, c)| ((k != 0).then_some(k), c))
            .collect();
        let listed: BTreeSet<i64> = officials.iter().map(|o| o.id).collect();
        let extra: Vec<i64> = counts
            .iter()
            .filter_map(|c| c.0)
            .filter(|id| !listed.contains(id))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let officials = if extra.is_empty() {
            officials
        } else {
            store.report_officials(unit.id, &extra).await?
        };
        Ok(Self::assemble(unit, month, min_n, &counts, officials))
    }

    /// Pure shaping of counts into the report; separated so it can be checked by hand.
    pub fn assemble(
        unit: &Unit,
        month: Month,
        min_n: u64,
        counts: &[(Option<i64>, LevelCounts)],
        officials: Vec<crate::store::reports::ReportOfficial>,
    ) -> Self {
        let levels = level_columns(counts);
        let mut per: HashMap<Option<i64>, LevelCounts> = HashMap::new();
        let mut total = LevelCounts::default();
        for (who, c) in counts {
            *per.entry(*who).or_default() += *c;
            total += *c;
        }
        let month_end = month.range().1;
        let mut rows = Vec::with_capacity(officials.len() + 1);
        for o in officials {
            let acc = per.remove(&Some(o.id)).unwrap_or_default();
            // Former staff, and staff who joined after the month, without ratings are noise;
            // current staff without ratings are a signal (nobody rates them, or they were absent).
            let unrated = acc.ballots() == 0 && acc.flagged == 0;
            if unrated && (!o.active || o.created_at >= month_end) {
                continue;
            }
            rows.push(row(
                &acc,
                &levels,
                min_n,
                RowWho {
                    id: Some(o.id),
                    code: o.code,
                    full_name: o.full_name,
                    title: o.title,
                    unit_name: o.unit_name,
                },
            ));
        }
        if let Some(acc) = per.remove(&None) {
            rows.push(row(
                &acc,
                &levels,
                min_n,
                RowWho {
                    full_name: "(Không gắn với cán bộ)".into(),
                    unit_name: unit.name.clone(),
                    ..Default::default()
                },
            ));
        }
        let excluded_flagged = total.flagged.max(0) as u64;
        OfficialMonthReport {
            unit_id: unit.id,
            unit_name: unit.name.clone(),
            unit_code: unit.code.clone(),
            month: month.to_string(),
            min_n,
            levels: levels
                .iter()
                .map(|l| LevelColumn {
                    level: l.value(),
                    label_vi: l.label(crate::domain::msg::Lang::Vi).into(),
                    label_en: l.label(crate::domain::msg::Lang::En).into(),
                })
                .collect(),
            rows,
            total: row(
                &total,
                &levels,
                0,
                RowWho {
                    full_name: "Tổng cộng".into(),
                    unit_name: unit.name.clone(),
                    ..Default::default()
                },
            ),
            excluded_flagged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::reports::ReportOfficial;

    fn unit() -> Unit {
        Unit {
            id: 1,
            parent_id: None,
            level: "commune".into(),
            code: "22525".into(),
            name: "Xã Vạn Hưng".into(),
            valid_from: None,
            valid_to: None,
        }
    }

    fn off(id: i64, name: &str) -> ReportOfficial {
        ReportOfficial {
            id,
            code: format!("CB{id}"),
            full_name: name.into(),
            title: String::new(),
            unit_name: "Xã Vạn Hưng".into(),
            unit_code: "22525".into(),
            unit_id: 1,
            active: true,
            created_at: 0,
        }
    }

    #[test]
    fn very_satisfied_share_counts_only_ballots_that_could_say_so() {
        // 10 ballots on the 3-level scale (6 very satisfied) and 10 on the 2-level scale.
        let counts = vec![(
            Some(1),
            LevelCounts {
                levels: [0, 0, 0, 14, 6],
                top_offered: 10,
                flagged: 0,
            },
        )];
        let r = OfficialMonthReport::assemble(
            &unit(),
            Month::new(2026, 10).unwrap(),
            30,
            &counts,
            vec![off(1, "A")],
        );
        assert_eq!(r.rows[0].ballots, 20);
        assert_eq!(r.rows[0].very_satisfied_rate, Some(0.6));
    }

    #[test]
    fn staff_who_joined_after_the_month_are_not_listed_unrated() {
        let mut newcomer = off(2, "B");
        newcomer.created_at = Month::new(2026, 11).unwrap().range().0;
        let r = OfficialMonthReport::assemble(
            &unit(),
            Month::new(2026, 10).unwrap(),
            30,
            &[],
            vec![off(1, "A"), newcomer.clone()],
        );
        assert_eq!(r.rows.len(), 1);
        let r = OfficialMonthReport::assemble(
            &unit(),
            Month::new(2026, 11).unwrap(),
            30,
            &[],
            vec![off(1, "A"), newcomer],
        );
        assert_eq!(r.rows.len(), 2);
    }

    /// Counts on the 3-level scale.
    fn c(official: i64, levels: [i64; 5], flagged: i64) -> (Option<i64>, LevelCounts) {
        (
            Some(official),
            LevelCounts {
                levels,
                top_offered: levels.iter().sum(),
                flagged,
            },
        )
    }

    #[test]
    fn hand_computed_row() {
        // Official 1: 20 very satisfied, 12 satisfied, 8 dissatisfied, 3 flagged.
        let counts = vec![c(1, [0, 8, 0, 12, 20], 3)];
        let r = OfficialMonthReport::assemble(
            &unit(),
            Month::new(2026, 10).unwrap(),
            30,
            &counts,
            vec![off(1, "A"), off(2, "B")],
        );
        assert_eq!(
            r.levels.iter().map(|l| l.level).collect::<Vec<_>>(),
            vec![5, 4, 2]
        );
        let a = &r.rows[0];
        assert_eq!(
            (a.ballots, a.counts.clone(), a.flagged),
            (40, vec![20, 12, 8], 3)
        );
        assert_eq!(a.satisfaction_rate, Some(0.8));
        assert_eq!(a.very_satisfied_rate, Some(0.5));
        let (lo, hi) = crate::domain::stats::wilson(32, 40).unwrap();
        assert_eq!(
            (a.satisfaction_low, a.satisfaction_high),
            (Some(lo), Some(hi))
        );
        assert!(!a.below_min_n);
        // Official 2 has no ballots: listed, greyed, no rate.
        let b = &r.rows[1];
        assert_eq!(
            (b.ballots, b.satisfaction_rate, b.below_min_n),
            (0, None, true)
        );
        assert_eq!(r.excluded_flagged, 3);
        assert_eq!(r.total.ballots, 40);
    }

    #[test]
    fn two_level_data_gives_two_columns_and_no_very_satisfied_share() {
        let counts = vec![(
            Some(1),
            LevelCounts {
                levels: [0, 1, 0, 9, 0],
                top_offered: 0,
                flagged: 0,
            },
        )];
        let r = OfficialMonthReport::assemble(
            &unit(),
            Month::new(2026, 10).unwrap(),
            30,
            &counts,
            vec![off(1, "A")],
        );
        assert_eq!(r.levels.len(), 2);
        assert_eq!(r.rows[0].satisfaction_rate, Some(0.9));
        assert_eq!(r.rows[0].very_satisfied_rate, None);
        assert!(r.rows[0].below_min_n);
    }
}
