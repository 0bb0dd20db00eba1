//! Timeliness of dossiers for a unit subtree and a month (DOMAIN §6): early, on time and late
//! by date; on-time rate = (early + on time) / (finished + unfinished and overdue), never over
//! finished dossiers alone, which would hide the open overdue ones; online share of intake.

use serde::Serialize;

use super::ReportError;
use crate::domain::calendar::{Timeliness, classify};
use crate::domain::dossier::{IntakeChannel, Status};
use crate::domain::time::{Millis, Month, local_time as local, now_ms};
use crate::store::Store;
use crate::store::dossiers::DossierFact;
use crate::store::units::Unit;

/// How the rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimelinessBy {
    Procedure,
    Official,
    /// The receiving unit (the communes of a province, say).
    Unit,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TimelinessCounts {
    /// Received in the month.
    pub received: u64,
    /// Of those, received online.
    pub received_online: u64,
    /// Finished (result ready) in the month.
    pub finished: u64,
    pub early: u64,
    pub on_time: u64,
    /// Finished after the due date, or after more than one supplement request.
    pub late: u64,
    /// Not finished at the end of the month (or now) and past the due date.
    pub overdue_open: u64,
    /// Not finished and not yet due.
    pub pending: u64,
    /// (early + on time) / (finished + overdue_open).
    pub on_time_rate: Option<f64>,
    /// received_online / received.
    pub online_share: Option<f64>,
}

impl TimelinessCounts {
    fn finish(&mut self) {
        let denom = self.finished + self.overdue_open;
        self.on_time_rate = (denom > 0).then(|| (self.early + self.on_time) as f64 / denom as f64);
        self.online_share =
            (self.received > 0).then(|| self.received_online as f64 / self.received as f64);
    }

    fn add(&mut self, o: &TimelinessCounts) {
        self.received += o.received;
        self.received_online += o.received_online;
        self.finished += o.finished;
        self.early += o.early;
        self.on_time += o.on_time;
        self.late += o.late;
        self.overdue_open += o.overdue_open;
        self.pending += o.pending;
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelinessRow {
    /// Procedure code or official code ("" for dossiers registered online and not yet
    /// assigned to an official).
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub counts: TimelinessCounts,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelinessReport {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    /// YYYY-MM
    pub month: String,
    pub by: TimelinessBy,
    pub rows: Vec<TimelinessRow>,
    pub total: TimelinessRow,
}

/// Classifies one dossier for the period [start, end), judged at `at` (the period's end, or now
/// for the current month).
fn count(c: &mut TimelinessCounts, f: &DossierFact, start: Millis, end: Millis, at: Millis) {
    if (start..end).contains(&f.received_at) {
        c.received += 1;
        if f.channel == IntakeChannel::Online.code() {
            c.received_online += 1;
        }
    }
    let many_supplements = f.supplement_count > 1;
    match f.finished_at {
        Some(t) if t < end => {
            c.finished += 1;
            match classify(local(f.due_at), Some(local(t)), local(at)) {
                _ if many_supplements => c.late += 1,
                Some(Timeliness::Early) => c.early += 1,
                Some(Timeliness::OnTime) => c.on_time += 1,
                _ => c.late += 1,
            }
        }
        _ => {
            let status = Status::from_code(f.status);
            let closed_unfinished = status.is_some_and(|s| s.is_closed() && !s.is_finished());
            if closed_unfinished && f.updated_at < end {
                // Refused, withdrawn or stopped within the period: no result is owed.
                return;
            }
            let paused = status == Some(Status::SupplementRequested);
            match classify(local(f.due_at), None, local(at)) {
                Some(_) if !paused => c.overdue_open += 1,
                _ if many_supplements => c.overdue_open += 1,
                _ => c.pending += 1,
            }
        }
    }
}

impl TimelinessReport {
    pub async fn build(
        store: &Store,
        unit: &Unit,
        month: Month,
        by: TimelinessBy,
    ) -> Result<TimelinessReport, ReportError> {
        let (start, end) = month.range();
        let at = end.min(now_ms());
        let facts = store.dossier_facts(unit.id, start, end).await?;
        Ok(Self::from_facts(unit, month, by, &facts, start, end, at))
    }

    pub fn from_facts(
        unit: &Unit,
        month: Month,
        by: TimelinessBy,
        facts: &[DossierFact],
        start: Millis,
        end: Millis,
        at: Millis,
    ) -> TimelinessReport {
        let mut groups: std::collections::BTreeMap<(String, String), TimelinessCounts> =
            Default::default();
        for f in facts {
            let key = match by {
                TimelinessBy::Procedure => (f.procedure_code.clone(), f.procedure_name.clone()),
                TimelinessBy::Unit => (f.unit_code.clone(), f.unit_name.clone()),
                TimelinessBy::Official => (
                    f.official_code.clone().unwrap_or_default(),
                    f.official_name
                        .clone()
                        .unwrap_or_else(|| "(Nộp trực tuyến, chưa tiếp nhận tại quầy)".into()),
                ),
            };
            count(groups.entry(key).or_default(), f, start, end, at);
        }
        let mut total = TimelinessCounts::default();
        let mut rows: Vec<TimelinessRow> = groups
            .into_iter()
            .filter(|(_, c)| *c != TimelinessCounts::default())
            .map(|((code, name), mut counts)| {
                total.add(&counts);
                counts.finish();
                TimelinessRow { code, name, counts }
            })
            .collect();
        rows.sort_by(|a, b| {
            (b.counts.received + b.counts.finished)
                .cmp(&(a.counts.received + a.counts.finished))
                .then_with(|| a.code.cmp(&b.code))
        });
        total.finish();
        TimelinessReport {
            unit_id: unit.id,
            unit_code: unit.code.clone(),
            unit_name: unit.name.clone(),
            month: month.to_string(),
            by,
            rows,
            total: TimelinessRow {
                code: String::new(),
                name: "Tổng cộng".into(),
                counts: total,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh;

    fn ms(d: u32, h: u32) -> Millis {
        Ho_Chi_Minh
            .with_ymd_and_hms(2026, 10, d, h, 0, 0)
            .single()
            .unwrap()
            .timestamp_millis()
    }

    fn fact(received: u32, due: u32, finished: Option<u32>, status: Status) -> DossierFact {
        DossierFact {
            unit_code: "22525".into(),
            unit_name: "Xã Vạn Hưng".into(),
            procedure_code: "1.001193".into(),
            procedure_name: "Đăng ký khai sinh".into(),
            official_code: Some("VH01".into()),
            official_name: Some("Nguyễn Thị Lan".into()),
            channel: 1,
            status: status.code(),
            received_at: ms(received, 8),
            due_at: ms(due, 16),
            finished_at: finished.map(|d| ms(d, 10)),
            supplement_count: 0,
            updated_at: ms(finished.unwrap_or(received), 10),
        }
    }

    #[test]
    fn the_on_time_rate_counts_open_overdue_dossiers_in_its_denominator() {
        let unit = Unit {
            id: 1,
            parent_id: None,
            level: "commune".into(),
            code: "22525".into(),
            name: "Xã Vạn Hưng".into(),
            valid_from: None,
            valid_to: None,
        };
        let mut online = fact(5, 8, Some(7), Status::ResultReturned);
        online.channel = 2;
        let mut twice = fact(5, 9, Some(6), Status::ResultReturned);
        twice.supplement_count = 2;
        let facts = vec![
            online,                                          // early
            fact(5, 8, Some(8), Status::ResultReady),        // on time (same date)
            fact(5, 8, Some(9), Status::ResultReturned),     // late
            twice,                                           // late: two supplement requests
            fact(12, 14, None, Status::InProgress),          // open, overdue at month end
            fact(28, 30, None, Status::InProgress),          // open, due 30/10: not yet late
            fact(20, 22, None, Status::Refused),             // refused: owes no result
            fact(29, 31, None, Status::SupplementRequested), // paused
        ];
        let month = Month::new(2026, 10).unwrap();
        let (start, end) = month.range();
        let r = TimelinessReport::from_facts(
            &unit,
            month,
            TimelinessBy::Procedure,
            &facts,
            start,
            end,
            end,
        );
        let c = &r.total.counts;
        assert_eq!(c.received, 8);
        assert_eq!(c.received_online, 1);
        assert_eq!((c.finished, c.early, c.on_time, c.late), (4, 1, 1, 2));
        // Judged at the end of October: due 14/10 is overdue; due 30/10 is past too (31/10 is
        // after it); the paused one is pending.
        assert_eq!((c.overdue_open, c.pending), (2, 1));
        // (1 + 1) / (4 + 2), not 2 / 4.
        assert!((c.on_time_rate.unwrap() - 2.0 / 6.0).abs() < 1e-12);
        assert!((c.online_share.unwrap() - 1.0 / 8.0).abs() < 1e-12);
        assert_eq!(r.rows.len(), 1);
        assert_eq!(r.rows[0].counts, r.total.counts);
    }
}
