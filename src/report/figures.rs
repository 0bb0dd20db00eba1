//! One definition per metric (DOMAIN §4, §6, §10). Every page, API answer and export computes
//! satisfaction, very-satisfied share, on-time rate and online share here, from the aggregate
//! counts, so they cannot disagree.

use serde::Serialize;

use crate::domain::aggregate::{DossierCounts, LevelCounts};
use crate::domain::stats::{Proportion, share};
use crate::store::aggregates::OpenNow;

/// Rows with fewer ballots are greyed and never ranked: too few to judge by (DOMAIN §10).
pub const DEFAULT_MIN_N: u64 = 30;

/// Satisfaction figures of a set of ballots.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Satisfaction {
    /// Ballots counted (flagged ones excluded).
    pub ballots: u64,
    /// Ballots per level, index 0 = level 1 (very dissatisfied) … 4 = level 5 (very satisfied).
    pub levels: [u64; 5],
    /// "Satisfied" or better.
    pub satisfied: u64,
    /// satisfied / ballots.
    pub rate: Option<f64>,
    /// The rate's 95% Wilson interval.
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub very_satisfied: u64,
    /// Very satisfied / ballots on a scale that offers it (2-level ballots cannot say so).
    pub very_satisfied_share: Option<f64>,
    /// Ballots on a scale that offers "very satisfied": the n of very_satisfied_share.
    pub very_satisfied_of: u64,
    /// Ballots flagged as misuse: excluded above, reported here.
    pub flagged: u64,
}

fn nonneg(v: i64) -> u64 {
    v.max(0) as u64
}

impl Satisfaction {
    pub fn of(c: &LevelCounts) -> Satisfaction {
        let levels = c.levels.map(nonneg);
        let ballots: u64 = levels.iter().sum();
        let satisfied = levels[3] + levels[4];
        let p = Proportion::new(satisfied, ballots);
        Satisfaction {
            ballots,
            levels,
            satisfied,
            rate: p.rate,
            low: p.low,
            high: p.high,
            very_satisfied: levels[4],
            very_satisfied_share: share(levels[4], nonneg(c.top_offered)),
            very_satisfied_of: nonneg(c.top_offered),
            flagged: nonneg(c.flagged),
        }
    }

    /// Share of ballots at `level` (1..=5).
    pub fn level_share(&self, level: i16) -> Option<f64> {
        share(self.levels[(level - 1) as usize], self.ballots)
    }
}

/// Dossier figures for a period: what was received, finished and how timely.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DossierFigures {
    pub received: u64,
    pub received_online: u64,
    /// received_online / received.
    pub online_share: Option<f64>,
    pub finished: u64,
    pub early: u64,
    pub on_time: u64,
    /// Finished after the due date, or after more than one supplement request.
    pub late: u64,
    /// Unfinished and past the due date at the end of the period (or now).
    pub overdue_open: u64,
    /// Unfinished and not yet due at the end of the period (or now).
    pub pending: u64,
    /// (early + on time) / (finished + overdue_open): never over finished alone.
    pub on_time_rate: Option<f64>,
    /// Results handed back in the period.
    pub returned: u64,
}

impl DossierFigures {
    pub fn of(c: &DossierCounts, open: OpenNow) -> DossierFigures {
        let (received, received_online) = (nonneg(c.received), nonneg(c.received_online));
        let (finished, early, on_time) = (nonneg(c.finished), nonneg(c.early), nonneg(c.on_time));
        let overdue_open = nonneg(open.overdue);
        DossierFigures {
            received,
            received_online,
            online_share: share(received_online, received),
            finished,
            early,
            on_time,
            late: nonneg(c.late),
            overdue_open,
            pending: nonneg(open.open - open.overdue),
            on_time_rate: share(early + on_time, finished + overdue_open),
            returned: nonneg(c.returned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfaction_excludes_flagged_and_reads_very_satisfied_against_its_scales() {
        let c = LevelCounts {
            levels: [0, 8, 0, 12, 20],
            top_offered: 30,
            flagged: 3,
        };
        let s = Satisfaction::of(&c);
        assert_eq!((s.ballots, s.satisfied, s.flagged), (40, 32, 3));
        assert_eq!(s.rate, Some(0.8));
        assert_eq!(s.very_satisfied_share, Some(20.0 / 30.0));
        assert_eq!(s.level_share(2), Some(0.2));
        assert!(s.low.unwrap() < 0.8 && s.high.unwrap() > 0.8);
    }

    #[test]
    fn on_time_rate_counts_open_overdue_dossiers() {
        let c = DossierCounts {
            received: 8,
            received_online: 1,
            finished: 4,
            early: 1,
            on_time: 1,
            late: 2,
            ..Default::default()
        };
        let f = DossierFigures::of(
            &c,
            OpenNow {
                open: 3,
                overdue: 2,
            },
        );
        assert_eq!(f.on_time_rate, Some(2.0 / 6.0));
        assert_eq!((f.overdue_open, f.pending), (2, 1));
        assert_eq!(f.online_share, Some(1.0 / 8.0));
    }
}
