//! The per-official monthly report (the Vạn Hưng report): for a unit subtree and a month, each
//! official's ballots, the count and share of each level, and the satisfaction rate with its
//! 95% Wilson interval. Flagged ratings are excluded and counted.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::ReportError;
use crate::domain::scale::{Level, Scale};
use crate::domain::stats::{Proportion, share};
use crate::domain::time::Month;
use crate::store::Store;
use crate::store::reports::OfficialLevelCount;
use crate::store::units::Unit;

/// Rows with fewer ballots are shown greyed: too few to judge a person by.
pub const DEFAULT_MIN_N: u64 = 30;

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

#[derive(Default)]
struct Acc {
    by_level: HashMap<i16, u64>,
    flagged: u64,
    /// Ballots given on a scale that offers "very satisfied" (2-level ballots cannot be).
    offering_top: u64,
}

impl Acc {
    fn add(&mut self, c: &OfficialLevelCount) {
        let n = c.n.max(0) as u64;
        if c.flagged {
            self.flagged += n;
        } else {
            *self.by_level.entry(c.level).or_default() += n;
            if Scale::new(c.scale).is_some_and(|s| s.offers(Level::VERY_SATISFIED)) {
                self.offering_top += n;
            }
        }
    }

    fn row(&self, levels: &[Level], min_n: u64, who: RowWho) -> OfficialRow {
        let ballots: u64 = self.by_level.values().sum();
        let counts: Vec<u64> = levels
            .iter()
            .map(|l| self.by_level.get(&l.value()).copied().unwrap_or(0))
            .collect();
        let satisfied: u64 = self
            .by_level
            .iter()
            .filter(|(l, _)| **l >= 4)
            .map(|(_, n)| n)
            .sum();
        let very = self
            .by_level
            .get(&Level::VERY_SATISFIED.value())
            .copied()
            .unwrap_or(0);
        let p = Proportion::new(satisfied, ballots);
        OfficialRow {
            official_id: who.id,
            code: who.code,
            full_name: who.full_name,
            title: who.title,
            unit_name: who.unit_name,
            ballots,
            shares: counts.iter().map(|c| share(*c, ballots)).collect(),
            counts,
            satisfied,
            satisfaction_rate: p.rate,
            satisfaction_low: p.low,
            satisfaction_high: p.high,
            very_satisfied_rate: share(very, self.offering_top),
            flagged: self.flagged,
            below_min_n: ballots < min_n,
        }
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

/// The level columns: every level offered by a scale that appears in the data (the standard
/// 3-level scale when there is no data), best first.
fn level_columns(counts: &[OfficialLevelCount]) -> Vec<Level> {
    let mut set: BTreeSet<Level> = BTreeSet::new();
    for c in counts {
        if let Some(s) = Scale::new(c.scale) {
            set.extend(s.levels());
        }
        if let Some(l) = Level::new(c.level) {
            set.insert(l);
        }
    }
    if set.is_empty() {
        set.extend(Scale::Three.levels());
    }
    set.into_iter().rev().collect()
}

impl OfficialMonthReport {
    pub async fn build(
        store: &Store,
        unit: &Unit,
        month: Month,
        min_n: u64,
    ) -> Result<Self, ReportError> {
        let (from, to) = month.range();
        let counts = store.official_level_counts(unit.id, from, to).await?;
        let extra: Vec<i64> = counts
            .iter()
            .filter_map(|c| c.official_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let officials = store.report_officials(unit.id, &extra).await?;
        Ok(Self::assemble(unit, month, min_n, &counts, officials))
    }

    /// Pure shaping of counts into the report; separated so it can be checked by hand.
    pub fn assemble(
        unit: &Unit,
        month: Month,
        min_n: u64,
        counts: &[OfficialLevelCount],
        officials: Vec<crate::store::reports::ReportOfficial>,
    ) -> Self {
        let levels = level_columns(counts);
        let mut per: HashMap<Option<i64>, Acc> = HashMap::new();
        let mut total = Acc::default();
        for c in counts {
            per.entry(c.official_id).or_default().add(c);
            total.add(c);
        }
        let month_end = month.range().1;
        let mut rows = Vec::with_capacity(officials.len() + 1);
        for o in officials {
            let acc = per.remove(&Some(o.id)).unwrap_or_default();
            // Former staff, and staff who joined after the month, without ratings are noise;
            // current staff without ratings are a signal (nobody rates them, or they were absent).
            let unrated = acc.by_level.is_empty() && acc.flagged == 0;
            if unrated && (!o.active || o.created_at >= month_end) {
                continue;
            }
            rows.push(acc.row(
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
            rows.push(acc.row(
                &levels,
                min_n,
                RowWho {
                    full_name: "(Không gắn với cán bộ)".into(),
                    unit_name: unit.name.clone(),
                    ..Default::default()
                },
            ));
        }
        let excluded_flagged = total.flagged;
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
            total: total.row(
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
            active: true,
            created_at: 0,
        }
    }

    #[test]
    fn very_satisfied_share_counts_only_ballots_that_could_say_so() {
        // 10 ballots on the 3-level scale (6 very satisfied) and 10 on the 2-level scale.
        let counts = vec![
            c(1, 5, false, 6),
            c(1, 4, false, 4),
            OfficialLevelCount {
                official_id: Some(1),
                scale: 2,
                level: 4,
                flagged: false,
                n: 10,
            },
        ];
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

    fn c(official: i64, level: i16, flagged: bool, n: i64) -> OfficialLevelCount {
        OfficialLevelCount {
            official_id: Some(official),
            scale: 3,
            level,
            flagged,
            n,
        }
    }

    #[test]
    fn hand_computed_row() {
        // Official 1: 20 very satisfied, 12 satisfied, 8 dissatisfied, 3 flagged.
        let counts = vec![
            c(1, 5, false, 20),
            c(1, 4, false, 12),
            c(1, 2, false, 8),
            c(1, 5, true, 3),
        ];
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
        let counts = vec![
            OfficialLevelCount {
                official_id: Some(1),
                scale: 2,
                level: 4,
                flagged: false,
                n: 9,
            },
            OfficialLevelCount {
                official_id: Some(1),
                scale: 2,
                level: 2,
                flagged: false,
                n: 1,
            },
        ];
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
