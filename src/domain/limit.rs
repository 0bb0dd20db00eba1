//! Time limits of procedures, as the law and units state them. A working day is 8 working
//! hours (DOMAIN §6); calendar-day limits count every day but never end on a day off (the
//! working calendar applies that rule).

use serde::{Deserialize, Serialize};

use super::Msg;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum TimeLimit {
    /// Working hours (giờ làm việc).
    WorkingHours(u32),
    /// Working days of 8 working hours (ngày làm việc).
    WorkingDays(u32),
    /// Calendar days (ngày), never ending on a day off.
    CalendarDays(u32),
}

/// Working hours in one working day.
pub const HOURS_PER_WORKING_DAY: u32 = 8;

impl TimeLimit {
    /// The name stored in the database (`limit_kind` columns).
    pub fn kind(self) -> &'static str {
        match self {
            TimeLimit::WorkingHours(_) => "working_hours",
            TimeLimit::WorkingDays(_) => "working_days",
            TimeLimit::CalendarDays(_) => "calendar_days",
        }
    }

    pub fn value(self) -> u32 {
        match self {
            TimeLimit::WorkingHours(n) | TimeLimit::WorkingDays(n) | TimeLimit::CalendarDays(n) => {
                n
            }
        }
    }

    /// Builds a limit from its stored kind and value.
    pub fn from_parts(kind: &str, value: i64) -> Result<TimeLimit, Msg> {
        let n = u32::try_from(value)
            .ok()
            .filter(|n| *n <= 10_000)
            .ok_or_else(|| {
                Msg::new(
                    format!("Thời hạn không hợp lệ: {value}"),
                    format!("Invalid time limit: {value}"),
                )
            })?;
        match kind {
            "working_hours" => Ok(TimeLimit::WorkingHours(n)),
            "working_days" => Ok(TimeLimit::WorkingDays(n)),
            "calendar_days" => Ok(TimeLimit::CalendarDays(n)),
            other => Err(Msg::new(
                format!(
                    "Loại thời hạn không hợp lệ: {other} (working_hours, working_days hoặc calendar_days)"
                ),
                format!(
                    "Invalid time limit kind: {other} (working_hours, working_days or calendar_days)"
                ),
            )),
        }
    }

    /// Working-time limits in working minutes; `None` for calendar days.
    pub fn working_minutes(self) -> Option<i64> {
        match self {
            TimeLimit::WorkingHours(h) => Some(i64::from(h) * 60),
            TimeLimit::WorkingDays(d) => Some(i64::from(d) * i64::from(HOURS_PER_WORKING_DAY) * 60),
            TimeLimit::CalendarDays(_) => None,
        }
    }

    /// Whether `self` is no longer than `other`, when the two can be compared (both in working
    /// time, or both in calendar days).
    pub fn at_most(self, other: TimeLimit) -> Option<bool> {
        match (self, other) {
            (TimeLimit::CalendarDays(a), TimeLimit::CalendarDays(b)) => Some(a <= b),
            _ => Some(self.working_minutes()? <= other.working_minutes()?),
        }
    }

    pub fn label_vi(self) -> String {
        match self {
            TimeLimit::WorkingHours(n) => format!("{n} giờ làm việc"),
            TimeLimit::WorkingDays(n) => format!("{n} ngày làm việc"),
            TimeLimit::CalendarDays(n) => format!("{n} ngày"),
        }
    }

    pub fn label_en(self) -> String {
        let s = |n: u32| if n == 1 { "" } else { "s" };
        match self {
            TimeLimit::WorkingHours(n) => format!("{n} working hour{}", s(n)),
            TimeLimit::WorkingDays(n) => format!("{n} working day{}", s(n)),
            TimeLimit::CalendarDays(n) => format!("{n} day{}", s(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_and_bad_parts_are_refused() {
        for l in [
            TimeLimit::WorkingHours(4),
            TimeLimit::WorkingDays(15),
            TimeLimit::CalendarDays(30),
        ] {
            assert_eq!(
                TimeLimit::from_parts(l.kind(), l.value().into()).unwrap(),
                l
            );
        }
        assert!(TimeLimit::from_parts("weeks", 2).is_err());
        assert!(TimeLimit::from_parts("working_days", -1).is_err());
    }

    #[test]
    fn working_limits_compare_in_minutes_calendar_limits_only_with_each_other() {
        assert_eq!(TimeLimit::WorkingDays(1).working_minutes(), Some(480));
        assert_eq!(
            TimeLimit::WorkingHours(8).at_most(TimeLimit::WorkingDays(1)),
            Some(true)
        );
        assert_eq!(
            TimeLimit::WorkingDays(3).at_most(TimeLimit::WorkingDays(2)),
            Some(false)
        );
        assert_eq!(
            TimeLimit::CalendarDays(3).at_most(TimeLimit::WorkingDays(5)),
            None
        );
        assert_eq!(TimeLimit::WorkingDays(5).label_vi(), "5 ngày làm việc");
    }
}
