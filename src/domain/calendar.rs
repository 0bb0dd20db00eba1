//! The working calendar: which days are worked, a unit's working hours, and the deadline
//! arithmetic of DOMAIN §6. All times here are naive local times of Asia/Ho_Chi_Minh (see
//! `time::local_naive` and `time::local_ms` to go to and from stored instants).
//!
//! Rules:
//! - a working day is Monday to Friday unless it is a public holiday; a government-announced
//!   make-up day (ngày làm bù, usually a Saturday) is a working day;
//! - the clock of a dossier starts at the next working instant after receipt (after closing or
//!   on a day off: the next working morning; during the lunch break: the afternoon opening);
//! - working-hour and working-day limits (1 working day = 8 working hours, whatever a unit's
//!   hours) add working time to the clock start; a due time that uses up an interval exactly is
//!   that interval's end (17:00, not the next morning);
//! - calendar-day limits end at closing time of the received date + n days, moved to the next
//!   working day when that is a day off;
//! - working time inside supplement-request pauses does not count.
//!
//! Arithmetic is exact to the second: a receipt at 08:00:30 with a 1-hour limit is due at
//! 09:00:30.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};

use super::Msg;
use super::limit::TimeLimit;

/// The working intervals of a day, ordered and disjoint, each `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkingHours {
    intervals: Vec<(NaiveTime, NaiveTime)>,
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

impl Default for WorkingHours {
    /// 07:00–11:30 and 13:30–17:00 (DOMAIN §6).
    fn default() -> Self {
        WorkingHours {
            intervals: vec![(hm(7, 0), hm(11, 30)), (hm(13, 30), hm(17, 0))],
        }
    }
}

impl WorkingHours {
    /// At most this many intervals in a day.
    pub const MAX_INTERVALS: usize = 8;

    /// Validates intervals: at least one, each on whole minutes with start < end, in order and
    /// not overlapping or touching (touching intervals are one interval).
    pub fn new(intervals: Vec<(NaiveTime, NaiveTime)>) -> Result<WorkingHours, Msg> {
        if intervals.is_empty() {
            return Err(Msg::new(
                "Giờ làm việc cần ít nhất một khoảng thời gian",
                "Working hours need at least one interval",
            ));
        }
        if intervals.len() > Self::MAX_INTERVALS {
            return Err(Msg::new(
                format!(
                    "Giờ làm việc có tối đa {} khoảng thời gian",
                    Self::MAX_INTERVALS
                ),
                format!(
                    "Working hours have at most {} intervals",
                    Self::MAX_INTERVALS
                ),
            ));
        }
        for (s, e) in &intervals {
            if s.second() != 0 || e.second() != 0 || s.nanosecond() != 0 || e.nanosecond() != 0 {
                return Err(Msg::new(
                    "Giờ làm việc tính theo phút (HH:MM)",
                    "Working hours are whole minutes (HH:MM)",
                ));
            }
            if s >= e {
                return Err(Msg::new(
                    format!(
                        "Khoảng {}-{}: giờ bắt đầu phải trước giờ kết thúc",
                        s.format("%H:%M"),
                        e.format("%H:%M")
                    ),
                    format!(
                        "Interval {}-{}: the start must come before the end",
                        s.format("%H:%M"),
                        e.format("%H:%M")
                    ),
                ));
            }
        }
        for w in intervals.windows(2) {
            if w[0].1 >= w[1].0 {
                return Err(Msg::new(
                    "Các khoảng giờ làm việc phải theo thứ tự và không chồng lên nhau",
                    "Working intervals must be in order and must not overlap or touch",
                ));
            }
        }
        Ok(WorkingHours { intervals })
    }

    /// Parses "07:00-11:30,13:30-17:00" (spaces and en dashes allowed).
    pub fn parse(s: &str) -> Result<WorkingHours, Msg> {
        let bad = |part: &str| {
            Msg::new(
                format!("Giờ làm việc không hợp lệ: '{part}' (ví dụ 07:00-11:30,13:30-17:00)"),
                format!("Invalid working hours: '{part}' (e.g. 07:00-11:30,13:30-17:00)"),
            )
        };
        let time = |t: &str, part: &str| {
            let t = t.trim();
            // "24:00" is not a time of day; "7:00" is fine.
            NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| bad(part))
        };
        let mut intervals = Vec::new();
        for part in s.split([',', ';']) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (a, b) = part
                .split_once('-')
                .or_else(|| part.split_once('–'))
                .ok_or_else(|| bad(part))?;
            intervals.push((time(a, part)?, time(b, part)?));
        }
        WorkingHours::new(intervals)
    }

    pub fn intervals(&self) -> &[(NaiveTime, NaiveTime)] {
        &self.intervals
    }

    pub fn opening(&self) -> NaiveTime {
        self.intervals[0].0
    }

    pub fn closing(&self) -> NaiveTime {
        self.intervals[self.intervals.len() - 1].1
    }

    /// Working minutes in one working day with these hours.
    pub fn minutes_per_day(&self) -> i64 {
        self.intervals
            .iter()
            .map(|(s, e)| (*e - *s).num_minutes())
            .sum()
    }

    /// Whether `t` lies inside a working interval (`[start, end)`) or at an interval's end.
    pub fn covers(&self, t: NaiveTime) -> bool {
        self.intervals.iter().any(|(s, e)| *s <= t && t <= *e)
    }
}

impl fmt::Display for WorkingHours {
    /// "07:00-11:30,13:30-17:00", the stored form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (s, e)) in self.intervals.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}-{}", s.format("%H:%M"), e.format("%H:%M"))?;
        }
        Ok(())
    }
}

impl std::str::FromStr for WorkingHours {
    type Err = Msg;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WorkingHours::parse(s)
    }
}

/// What a listed calendar day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday or announced day off (ngày nghỉ): not worked even on a weekday.
    Holiday,
    /// A make-up working day (ngày làm bù): worked even on a weekend.
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        match s.trim() {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            DayKind::Holiday => "Ngày nghỉ lễ, Tết",
            DayKind::Workday => "Ngày làm việc bù",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DayKind::Holiday => "Public holiday",
            DayKind::Workday => "Make-up working day",
        }
    }
}

/// Working hours plus the days that break the Monday–Friday rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    pub hours: WorkingHours,
    /// Days off on which a weekday is not worked.
    holidays: BTreeSet<NaiveDate>,
    /// Weekend days that are worked (ngày làm bù).
    make_up_workdays: BTreeSet<NaiveDate>,
    /// The two lists as one bit per day, which the deadline arithmetic reads for every day it
    /// walks (looked up in the sets, those reads were a tenth of a 10-million-dossier load's
    /// client time). Shared: every unit's calendar has the same days.
    days: Arc<DayBits>,
}

/// Whether each day is worked, over whole years from the first listed day's to the last's;
/// outside them no day is listed, so the weekday decides.
#[derive(Debug, Default, PartialEq, Eq)]
struct DayBits {
    /// `num_days_from_ce` of the first day covered.
    first: i32,
    bits: Vec<u64>,
}

impl DayBits {
    fn new(holidays: &BTreeSet<NaiveDate>, make_up: &BTreeSet<NaiveDate>) -> DayBits {
        let listed = holidays.iter().chain(make_up);
        let (Some(lo), Some(hi)) = (listed.clone().min(), listed.max()) else {
            return DayBits::default();
        };
        let first = NaiveDate::from_ymd_opt(lo.year(), 1, 1).expect("1 January exists");
        let last = NaiveDate::from_ymd_opt(hi.year(), 12, 31).expect("31 December exists");
        let n = (last - first).num_days() as usize + 1;
        let mut bits = vec![0u64; n.div_ceil(64)];
        for (i, d) in first.iter_days().take(bits.len() * 64).enumerate() {
            let worked = !holidays.contains(&d)
                && (make_up.contains(&d) || !matches!(d.weekday(), Weekday::Sat | Weekday::Sun));
            if worked {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        DayBits {
            first: first.num_days_from_ce(),
            bits,
        }
    }

    /// Whether `d` is worked, if it is covered.
    fn get(&self, d: NaiveDate) -> Option<bool> {
        let i = usize::try_from(d.num_days_from_ce() - self.first).ok()?;
        self.bits.get(i / 64).map(|w| w >> (i % 64) & 1 == 1)
    }
}

/// Timeliness of a dossier against its due time (DOMAIN §6), compared by date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Finished before the due date (trước hạn).
    Early,
    /// Finished on the due date (đúng hạn).
    OnTime,
    /// Finished after the due date, or unfinished and past it (quá hạn).
    Late,
}

impl Timeliness {
    pub fn label_vi(self) -> &'static str {
        match self {
            Timeliness::Early => "Trước hạn",
            Timeliness::OnTime => "Đúng hạn",
            Timeliness::Late => "Quá hạn",
        }
    }
}

/// Compares dates, not times: finished before the due date = early, on it = on time, after =
/// late. Unfinished: late once `now` is on a date after the due date, else `None` (pending).
pub fn classify(
    due: NaiveDateTime,
    finished: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Option<Timeliness> {
    let due = due.date();
    match finished {
        Some(f) => Some(match f.date().cmp(&due) {
            std::cmp::Ordering::Less => Timeliness::Early,
            std::cmp::Ordering::Equal => Timeliness::OnTime,
            std::cmp::Ordering::Greater => Timeliness::Late,
        }),
        None if now.date() > due => Some(Timeliness::Late),
        None => None,
    }
}

/// Reads a receipt time: RFC 3339 with an offset ("2026-03-02T08:00:00+07:00", "…Z"), turned
/// into Vietnamese wall time, or a local time "YYYY-MM-DDTHH:MM[:SS]" (a space may replace the
/// T). A "+" that a query string decoded into a space is put back.
pub fn parse_received(s: &str) -> Result<NaiveDateTime, Msg> {
    let s = s.trim();
    let bad = || {
        Msg::new(
            format!(
                "Thời điểm tiếp nhận không hợp lệ: '{s}' (YYYY-MM-DDTHH:MM giờ Việt Nam, hoặc RFC 3339)"
            ),
            format!("Invalid receipt time: '{s}' (YYYY-MM-DDTHH:MM Vietnam time, or RFC 3339)"),
        )
    };
    let in_range = |t: NaiveDateTime| {
        if (1900..=9000).contains(&t.year()) {
            Ok(t)
        } else {
            Err(bad())
        }
    };
    let rfc = |x: &str| {
        chrono::DateTime::parse_from_rfc3339(x)
            .ok()
            .map(|t| t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).naive_local())
    };
    if let Some(t) = rfc(s) {
        return in_range(t);
    }
    if let Some(i) = s.rfind(' ').filter(|i| *i > 10)
        && let Some(t) = rfc(&format!("{}+{}", &s[..i], &s[i + 1..]))
    {
        return in_range(t);
    }
    for f in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return in_range(t);
        }
    }
    Err(bad())
}

const DAY_SECONDS: i64 = 86_400;

impl WorkingCalendar {
    pub fn new(
        hours: WorkingHours,
        holidays: impl IntoIterator<Item = NaiveDate>,
        make_up_workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> WorkingCalendar {
        let holidays = holidays.into_iter().collect();
        let make_up_workdays = make_up_workdays.into_iter().collect();
        WorkingCalendar {
            hours,
            days: Arc::new(DayBits::new(&holidays, &make_up_workdays)),
            holidays,
            make_up_workdays,
        }
    }

    /// The same days with other working hours (each unit's own).
    pub fn with_hours(&self, hours: WorkingHours) -> WorkingCalendar {
        WorkingCalendar {
            hours,
            ..self.clone()
        }
    }

    /// Monday–Friday unless a public holiday; a make-up day is worked whatever its weekday.
    /// (A date listed as both is a holiday; the database allows only one kind per date.)
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        self.days
            .get(d)
            .unwrap_or_else(|| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
    }

    /// The first working day on or after `d`.
    pub fn working_day_on_or_after(&self, mut d: NaiveDate) -> NaiveDate {
        // Terminates: past the last listed holiday every Monday is worked.
        while !self.is_working_day(d) {
            d = d.succ_opt().expect("date in range");
        }
        d
    }

    /// The first working day strictly after `d`.
    pub fn next_working_day(&self, d: NaiveDate) -> NaiveDate {
        self.working_day_on_or_after(d.succ_opt().expect("date in range"))
    }

    /// The next working instant at or after `t`, and the end of the interval it lies in.
    fn next_working(&self, t: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
        let mut day = t.date();
        if self.is_working_day(day) {
            for (s, e) in &self.hours.intervals {
                let (s, e) = (day.and_time(*s), day.and_time(*e));
                if t < s {
                    return (s, e);
                }
                if t < e {
                    return (t, e);
                }
            }
        }
        day = self.next_working_day(day);
        let (s, e) = self.hours.intervals[0];
        (day.and_time(s), day.and_time(e))
    }

    /// When the clock of a dossier received at `received` starts: `received` itself during
    /// working hours, else the next opening (the afternoon after a receipt at lunch, the next
    /// working morning after closing or on a day off).
    pub fn clock_start(&self, received: NaiveDateTime) -> NaiveDateTime {
        self.next_working(received).0
    }

    /// `start` plus `seconds` of working time. Zero adds nothing (returns `start` as is);
    /// otherwise counting begins at the next working instant, and a sum that uses up an
    /// interval exactly ends at that interval's end.
    pub fn add_working_seconds(&self, start: NaiveDateTime, seconds: i64) -> NaiveDateTime {
        if seconds <= 0 {
            return start;
        }
        let mut left = seconds;
        let mut t = start;
        let opening = self.hours.opening();
        let day = self.hours.minutes_per_day() * 60;
        loop {
            let (at, end) = self.next_working(t);
            // A whole working day from its opening at once (a load of millions of dossiers
            // spent a tenth of its time here walking interval by interval). `>` keeps the
            // day whose last interval the sum uses up exactly on the path below.
            if at.time() == opening && left > day {
                left -= day;
                t = self.next_working_day(at.date()).and_time(opening);
                continue;
            }
            let avail = (end - at).num_seconds();
            if left <= avail {
                return at + Duration::seconds(left);
            }
            left -= avail;
            t = end;
        }
    }

    /// `start` plus `minutes` working minutes (see `add_working_seconds`).
    pub fn add_working_minutes(&self, start: NaiveDateTime, minutes: i64) -> NaiveDateTime {
        self.add_working_seconds(start, minutes.saturating_mul(60))
    }

    /// Working seconds in `[a, b)`; negative when `b` is before `a`.
    pub fn working_seconds_between(&self, a: NaiveDateTime, b: NaiveDateTime) -> i64 {
        if b < a {
            return -self.working_seconds_between(b, a);
        }
        let mut total = 0;
        let mut day = a.date();
        while day <= b.date() {
            if self.is_working_day(day) {
                for (s, e) in &self.hours.intervals {
                    let lo = day.and_time(*s).max(a);
                    let hi = day.and_time(*e).min(b);
                    if hi > lo {
                        total += (hi - lo).num_seconds();
                    }
                }
            }
            day = day.succ_opt().expect("date in range");
        }
        total
    }

    /// Whole working minutes in `[a, b)` (rounded towards zero); negative when `b` < `a`.
    pub fn working_minutes_between(&self, a: NaiveDateTime, b: NaiveDateTime) -> i64 {
        self.working_seconds_between(a, b) / 60
    }

    /// The due time of a dossier received at `received` with `limit` (DOMAIN §6).
    ///
    /// Working hours and working days: the clock start plus the limit in working time (a working
    /// day is 8 working hours). Calendar days: closing time of the received date + n days, or of
    /// the next working day when that is a day off (and never before the clock start's day, which
    /// only matters for a limit of 0 days).
    pub fn due_at(&self, received: NaiveDateTime, limit: TimeLimit) -> NaiveDateTime {
        self.due_at_with_pauses(received, limit, &[])
    }

    /// Like `due_at`, with supplement-request pauses `(requested, completed)` that stop the
    /// clock: for working-time limits the due time moves later by the working time inside the
    /// pauses (from the clock start on, overlapping pauses counted once); for calendar-day limits
    /// by the calendar days paused, rounded up. A pause whose end is not after its start is empty.
    pub fn due_at_with_pauses(
        &self,
        received: NaiveDateTime,
        limit: TimeLimit,
        pauses: &[(NaiveDateTime, NaiveDateTime)],
    ) -> NaiveDateTime {
        let start = self.clock_start(received);
        let pauses = merge_pauses(pauses, start);
        match limit.working_minutes() {
            Some(minutes) => {
                let paused: i64 = pauses
                    .iter()
                    .map(|(a, b)| self.working_seconds_between(*a, *b))
                    .sum();
                self.add_working_seconds(start, minutes * 60 + paused)
            }
            None => {
                let paused: i64 = pauses.iter().map(|(a, b)| (*b - *a).num_seconds()).sum();
                let paused_days = (paused + DAY_SECONDS - 1) / DAY_SECONDS;
                let n = i64::from(limit.value()) + paused_days;
                let day = (received.date() + Duration::days(n)).max(start.date());
                self.working_day_on_or_after(day)
                    .and_time(self.hours.closing())
            }
        }
    }
}

/// Pauses clipped to begin no earlier than `from`, empty ones dropped, overlaps merged.
fn merge_pauses(
    pauses: &[(NaiveDateTime, NaiveDateTime)],
    from: NaiveDateTime,
) -> Vec<(NaiveDateTime, NaiveDateTime)> {
    let mut ps: Vec<_> = pauses
        .iter()
        .map(|(a, b)| ((*a).max(from), *b))
        .filter(|(a, b)| b > a)
        .collect();
    ps.sort();
    let mut out: Vec<(NaiveDateTime, NaiveDateTime)> = Vec::with_capacity(ps.len());
    for (a, b) in ps {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn at(y: i32, m: u32, day: u32, h: u32, min: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, min, 0).unwrap()
    }

    /// The 2025–2027 rows of data/vn-holidays-2018-2030.csv and vn-weekend-workdays.csv.
    fn vn() -> WorkingCalendar {
        let holidays = [
            // 2025
            (2025, 1, 1),
            (2025, 1, 27),
            (2025, 1, 28),
            (2025, 1, 29),
            (2025, 1, 30),
            (2025, 1, 31),
            (2025, 4, 7),
            (2025, 4, 30),
            (2025, 5, 1),
            (2025, 5, 2),
            (2025, 9, 1),
            (2025, 9, 2),
            // 2026
            (2026, 1, 1),
            (2026, 2, 16),
            (2026, 2, 17),
            (2026, 2, 18),
            (2026, 2, 19),
            (2026, 2, 20),
            (2026, 4, 26),
            (2026, 4, 27),
            (2026, 4, 30),
            (2026, 5, 1),
            (2026, 8, 31),
            (2026, 9, 1),
            (2026, 9, 2),
            (2026, 11, 24),
        ];
        WorkingCalendar::new(
            WorkingHours::default(),
            holidays.iter().map(|(y, m, dd)| d(*y, *m, *dd)),
            [d(2025, 4, 26), d(2026, 8, 22)],
        )
    }

    #[test]
    fn hours_parse_validate_and_print() {
        let h = WorkingHours::parse("07:00-11:30, 13:30–17:00").unwrap();
        assert_eq!(h, WorkingHours::default());
        assert_eq!(h.to_string(), "07:00-11:30,13:30-17:00");
        assert_eq!(h.minutes_per_day(), 480);
        assert_eq!(h.opening(), hm(7, 0));
        assert_eq!(h.closing(), hm(17, 0));
        for bad in [
            "",
            "07:00",
            "11:30-07:00",
            "07:00-12:00,11:00-17:00",
            "13:30-17:00,07:00-11:30",
            "07:00-11:30,11:30-17:00",
            "7h-11h",
            "07:00-24:00",
            "07:00-07:00",
        ] {
            assert!(WorkingHours::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            WorkingHours::parse("7:30-11:30").unwrap().to_string(),
            "07:30-11:30"
        );
    }

    #[test]
    fn working_days_follow_weekends_holidays_and_make_up_saturdays() {
        let c = vn();
        assert!(c.is_working_day(d(2026, 2, 13))); // Friday before Tết
        assert!(!c.is_working_day(d(2026, 2, 14))); // Saturday
        assert!(!c.is_working_day(d(2026, 2, 17))); // Tết Nguyên Đán
        assert!(c.is_working_day(d(2026, 2, 23))); // Monday after Tết
        assert!(c.is_working_day(d(2026, 8, 22))); // make-up Saturday
        assert!(!c.is_working_day(d(2026, 8, 23))); // Sunday
        assert!(!c.is_working_day(d(2026, 8, 31))); // day off swapped for 22/8
        assert!(!c.is_working_day(d(2026, 11, 24))); // Ngày Văn hóa Việt Nam
    }

    #[test]
    fn clock_starts_at_the_next_working_instant() {
        let c = vn();
        assert_eq!(c.clock_start(at(2026, 3, 2, 8, 15)), at(2026, 3, 2, 8, 15));
        assert_eq!(c.clock_start(at(2026, 3, 2, 6, 0)), at(2026, 3, 2, 7, 0));
        // Lunch: the afternoon opening; closing and after: next working morning.
        assert_eq!(
            c.clock_start(at(2026, 3, 2, 11, 30)),
            at(2026, 3, 2, 13, 30)
        );
        assert_eq!(
            c.clock_start(at(2026, 3, 2, 12, 10)),
            at(2026, 3, 2, 13, 30)
        );
        assert_eq!(c.clock_start(at(2026, 3, 2, 17, 0)), at(2026, 3, 3, 7, 0));
        assert_eq!(c.clock_start(at(2026, 3, 6, 18, 0)), at(2026, 3, 9, 7, 0));
        // Friday evening before Tết 2026: the clock starts on Monday 23/2.
        assert_eq!(c.clock_start(at(2026, 2, 13, 17, 5)), at(2026, 2, 23, 7, 0));
        // Received on the make-up Saturday 22/8/2026: it is a working day.
        assert_eq!(c.clock_start(at(2026, 8, 22, 9, 0)), at(2026, 8, 22, 9, 0));
        // Received on Sunday 23/8: the clock starts on Monday 24/8.
        assert_eq!(c.clock_start(at(2026, 8, 23, 9, 0)), at(2026, 8, 24, 7, 0));
    }

    #[test]
    fn working_day_limits_hand_checked() {
        let c = vn();
        let one = TimeLimit::WorkingDays(1);
        // Monday 08:00 + 1 working day = Tuesday 08:00.
        assert_eq!(c.due_at(at(2026, 3, 2, 8, 0), one), at(2026, 3, 3, 8, 0));
        // Friday 16:00 + 1 = Monday 16:00 ...
        assert_eq!(c.due_at(at(2026, 3, 6, 16, 0), one), at(2026, 3, 9, 16, 0));
        // ... or Tuesday 16:00 when that Monday is a holiday (27/4/2026, Giỗ Tổ observed).
        assert_eq!(
            c.due_at(at(2026, 4, 24, 16, 0), one),
            at(2026, 4, 28, 16, 0)
        );
        // Received 09:00 on Thursday 12/2/2026, 3 working days: Fri 13/2, then Tết until
        // Sunday 22/2, then Mon 23/2, Tue 24/2 09:00.
        assert_eq!(
            c.due_at(at(2026, 2, 12, 9, 0), TimeLimit::WorkingDays(3)),
            at(2026, 2, 24, 9, 0)
        );
        // Received during Tết: the clock starts on 23/2 at 07:00; 1 working day uses the whole
        // day and is due at closing, not the next morning.
        assert_eq!(
            c.due_at(at(2026, 2, 18, 10, 0), one),
            at(2026, 2, 23, 17, 0)
        );
        // 4 working hours from 09:00: 09:00-11:30 (2.5 h) + 13:30-15:00.
        assert_eq!(
            c.due_at(at(2026, 3, 2, 9, 0), TimeLimit::WorkingHours(4)),
            at(2026, 3, 2, 15, 0)
        );
        // The make-up Saturday 22/8/2026 counts; Monday 31/8, 1-2/9 do not.
        assert_eq!(c.due_at(at(2026, 8, 21, 8, 0), one), at(2026, 8, 22, 8, 0));
        assert_eq!(c.due_at(at(2026, 8, 28, 8, 0), one), at(2026, 9, 3, 8, 0));
        assert_eq!(
            c.working_minutes_between(at(2026, 2, 13, 7, 0), at(2026, 2, 24, 7, 0)),
            2 * 480
        );
    }

    #[test]
    fn calendar_day_limits_hand_checked() {
        let c = vn();
        // 10 days from Thursday 5/2/2026 = 15/2 (Sunday), then Tết: Monday 23/2 at closing.
        assert_eq!(
            c.due_at(at(2026, 2, 5, 9, 0), TimeLimit::CalendarDays(10)),
            at(2026, 2, 23, 17, 0)
        );
        // 3 days from Monday 2/3 = Thursday 5/3 at 17:00.
        assert_eq!(
            c.due_at(at(2026, 3, 2, 16, 59), TimeLimit::CalendarDays(3)),
            at(2026, 3, 5, 17, 0)
        );
        // 0 days after closing: never before the clock start's day.
        assert_eq!(
            c.due_at(at(2026, 3, 6, 18, 0), TimeLimit::CalendarDays(0)),
            at(2026, 3, 9, 17, 0)
        );
    }

    #[test]
    fn pauses_move_the_due_time() {
        let c = vn();
        let recv = at(2026, 3, 2, 8, 0);
        let one = TimeLimit::WorkingDays(1);
        // A pause from Monday 10:00 to 14:00 holds 1.5 + 0.5 = 2 working hours.
        let p = [(at(2026, 3, 2, 10, 0), at(2026, 3, 2, 14, 0))];
        assert_eq!(c.due_at_with_pauses(recv, one, &p), at(2026, 3, 3, 10, 0));
        // Overlapping pauses count once; empty and reversed ones nothing.
        let p2 = [
            (at(2026, 3, 2, 10, 0), at(2026, 3, 2, 14, 0)),
            (at(2026, 3, 2, 11, 0), at(2026, 3, 2, 13, 0)),
            (at(2026, 3, 2, 16, 0), at(2026, 3, 2, 15, 0)),
        ];
        assert_eq!(c.due_at_with_pauses(recv, one, &p2), at(2026, 3, 3, 10, 0));
        // Calendar days: 25 hours paused = 2 days later.
        let p3 = [(at(2026, 3, 3, 9, 0), at(2026, 3, 4, 10, 0))];
        assert_eq!(
            c.due_at_with_pauses(recv, TimeLimit::CalendarDays(3), &p3),
            at(2026, 3, 9, 17, 0) // 5/3 + 2 = Saturday 7/3 → Monday 9/3
        );
    }

    #[test]
    fn timeliness_compares_dates() {
        let due = at(2026, 3, 3, 8, 0);
        let now = at(2026, 3, 10, 9, 0);
        assert_eq!(
            classify(due, Some(at(2026, 3, 2, 16, 0)), now),
            Some(Timeliness::Early)
        );
        // Later on the due day than the due time is still on time: dates are compared.
        assert_eq!(
            classify(due, Some(at(2026, 3, 3, 16, 0)), now),
            Some(Timeliness::OnTime)
        );
        assert_eq!(
            classify(due, Some(at(2026, 3, 4, 7, 0)), now),
            Some(Timeliness::Late)
        );
        assert_eq!(classify(due, None, now), Some(Timeliness::Late));
        assert_eq!(classify(due, None, at(2026, 3, 3, 16, 0)), None);
    }

    #[test]
    fn receipt_times_parse_in_vietnam_time() {
        let want = at(2026, 3, 2, 8, 0);
        for ok in [
            "2026-03-02T08:00",
            "2026-03-02 08:00:00",
            "2026-03-02T08:00:00+07:00",
            "2026-03-02T08:00:00 07:00",
            "2026-03-02T01:00:00Z",
        ] {
            assert_eq!(parse_received(ok).unwrap(), want, "{ok}");
        }
        for bad in [
            "",
            "2026-03-02",
            "02/03/2026 08:00",
            "2026-13-02T08:00",
            "hôm qua",
        ] {
            assert!(parse_received(bad).is_err(), "{bad:?}");
        }
    }

    // ---- properties ----

    fn any_hours() -> impl Strategy<Value = WorkingHours> {
        prop_oneof![
            Just(WorkingHours::default()),
            Just(WorkingHours::parse("07:30-11:30,13:00-17:00").unwrap()),
            Just(WorkingHours::parse("08:00-12:00").unwrap()),
            Just(WorkingHours::parse("07:00-09:00,10:00-11:00,14:00-16:45,19:00-21:00").unwrap()),
        ]
    }

    fn any_calendar() -> impl Strategy<Value = WorkingCalendar> {
        (
            any_hours(),
            proptest::collection::btree_set(0i64..120, 0..40),
            proptest::collection::btree_set(0i64..120, 0..6),
            any::<bool>(),
        )
            .prop_map(|(hours, hol, wk, real)| {
                let base = d(2026, 1, 1);
                let c = if real {
                    vn()
                } else {
                    WorkingCalendar::default()
                };
                let mut holidays = c.holidays.clone();
                holidays.extend(hol.iter().map(|o| base + Duration::days(*o)));
                let mut make_up = c.make_up_workdays.clone();
                make_up.extend(
                    wk.iter()
                        .map(|o| base + Duration::days(*o))
                        .filter(|x| !holidays.contains(x)),
                );
                WorkingCalendar::new(hours, holidays, make_up)
            })
    }

    fn any_time() -> impl Strategy<Value = NaiveDateTime> {
        // Late 2025 to mid 2026 (around Tết), to the second.
        (0i64..240 * DAY_SECONDS).prop_map(|s| at(2025, 12, 1, 0, 0) + Duration::seconds(s))
    }

    fn any_limit() -> impl Strategy<Value = TimeLimit> {
        prop_oneof![
            (0u32..100).prop_map(TimeLimit::WorkingHours),
            (0u32..40).prop_map(TimeLimit::WorkingDays),
            (0u32..60).prop_map(TimeLimit::CalendarDays),
        ]
    }

    fn on_working_time(c: &WorkingCalendar, t: NaiveDateTime) -> bool {
        c.is_working_day(t.date()) && c.hours.covers(t.time())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The bit per day says what the lists and the weekday say, inside the years they
        /// cover and outside them.
        #[test]
        fn day_bits_follow_the_lists(c in any_calendar(), offset in -800i64..1200) {
            let day = d(2026, 1, 1) + Duration::days(offset);
            let by_lists = !c.holidays.contains(&day)
                && (c.make_up_workdays.contains(&day)
                    || !matches!(day.weekday(), Weekday::Sat | Weekday::Sun));
            prop_assert_eq!(c.is_working_day(day), by_lists);
        }

        #[test]
        fn due_follows_clock_start_follows_receipt(c in any_calendar(), r in any_time(), l in any_limit()) {
            let s = c.clock_start(r);
            let due = c.due_at(r, l);
            prop_assert!(r <= s);
            prop_assert!(s <= due);
            prop_assert!(on_working_time(&c, s));
            prop_assert!(on_working_time(&c, due), "due {due} off working time");
        }

        #[test]
        fn working_limits_use_exactly_their_minutes(c in any_calendar(), r in any_time(), l in any_limit()) {
            if let Some(m) = l.working_minutes() {
                let s = c.clock_start(r);
                prop_assert_eq!(c.working_minutes_between(s, c.due_at(r, l)), m);
                prop_assert_eq!(c.working_seconds_between(s, c.due_at(r, l)), m * 60);
            }
        }

        #[test]
        fn later_receipt_never_gives_earlier_due(c in any_calendar(), r in any_time(), dt in 0i64..20 * DAY_SECONDS, l in any_limit()) {
            let r2 = r + Duration::seconds(dt);
            prop_assert!(c.due_at(r, l) <= c.due_at(r2, l));
            prop_assert!(c.clock_start(r) <= c.clock_start(r2));
        }

        #[test]
        fn adding_is_associative(c in any_calendar(), t in any_time(), n in 0i64..5000, m in 0i64..5000) {
            prop_assert_eq!(
                c.add_working_minutes(c.add_working_minutes(t, n), m),
                c.add_working_minutes(t, n + m)
            );
        }

        #[test]
        fn whole_days_at_once_add_what_interval_by_interval_adds(c in any_calendar(), t in any_time(), n in 0i64..20_000) {
            // The definition: interval by interval.
            let by_intervals = |start: NaiveDateTime, seconds: i64| {
                if seconds <= 0 {
                    return start;
                }
                let (mut left, mut t) = (seconds, start);
                loop {
                    let (at, end) = c.next_working(t);
                    let avail = (end - at).num_seconds();
                    if left <= avail {
                        return at + Duration::seconds(left);
                    }
                    left -= avail;
                    t = end;
                }
            };
            prop_assert_eq!(c.add_working_minutes(t, n), by_intervals(t, n * 60));
            prop_assert_eq!(c.add_working_seconds(t, n * 37), by_intervals(t, n * 37));
        }

        #[test]
        fn between_inverts_add(c in any_calendar(), t in any_time(), n in 0i64..5000) {
            let end = c.add_working_minutes(t, n);
            prop_assert!(end >= t);
            prop_assert_eq!(c.working_minutes_between(t, end), n);
            prop_assert_eq!(c.working_minutes_between(end, t), -n);
        }

        #[test]
        fn calendar_limits_never_end_on_a_day_off(c in any_calendar(), r in any_time(), n in 0u32..90) {
            let due = c.due_at(r, TimeLimit::CalendarDays(n));
            prop_assert!(c.is_working_day(due.date()));
            prop_assert_eq!(due.time(), c.hours.closing());
            prop_assert!(due.date() >= r.date() + Duration::days(i64::from(n)));
        }

        #[test]
        fn pauses_never_make_due_earlier(
            c in any_calendar(), r in any_time(), l in any_limit(),
            ps in proptest::collection::vec((0i64..60 * DAY_SECONDS, 0i64..10 * DAY_SECONDS), 0..4),
        ) {
            let pauses: Vec<_> = ps.iter()
                .map(|(a, len)| (r + Duration::seconds(*a), r + Duration::seconds(a + len)))
                .collect();
            let plain = c.due_at(r, l);
            let paused = c.due_at_with_pauses(r, l, &pauses);
            prop_assert!(paused >= plain);
            prop_assert!(on_working_time(&c, paused));
            // Adding a pause never moves the due time earlier either.
            if let Some((first, rest)) = pauses.split_first() {
                prop_assert!(c.due_at_with_pauses(r, l, rest) <= c.due_at_with_pauses(r, l, &pauses));
                let _ = first;
            }
        }
    }
}
