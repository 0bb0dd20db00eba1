//! Instants and Vietnamese calendar months. Instants are stored as milliseconds since the Unix
//! epoch (UTC); months, days and working hours are those of Asia/Ho_Chi_Minh.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Ho_Chi_Minh;
use serde::{Deserialize, Serialize};

pub type Millis = i64;

pub fn now_ms() -> Millis {
    Utc::now().timestamp_millis()
}

/// The local date-time of an instant, for display: "dd/MM/yyyy HH:mm".
pub fn format_local(ms: Millis) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t
            .with_timezone(&Ho_Chi_Minh)
            .format("%d/%m/%Y %H:%M")
            .to_string(),
        None => String::new(),
    }
}

pub fn to_local(ms: Millis) -> Option<DateTime<chrono_tz::Tz>> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&Ho_Chi_Minh))
}

/// Start of a local calendar day, as an instant.
pub fn local_midnight(date: NaiveDate) -> Millis {
    local_ms(date.and_time(chrono::NaiveTime::MIN))
}

/// Vietnam's clocks have been at UTC+7 since 13 June 1975 (tzdata); from 1976 on, instants
/// and wall-clock times convert by that fixed offset without the zone's table of transitions
/// (looked up in it, the conversions were a tenth of a 10-million-dossier load's client time).
const FIXED_OFFSET_MS: i64 = 7 * 3_600_000;
/// 1976-01-01 00:00 UTC.
const FIXED_SINCE_MS: Millis = 189_302_400_000;
const FIXED_SINCE_YEAR: i32 = 1976;

/// The local wall-clock time of an instant in Asia/Ho_Chi_Minh (what the working calendar uses).
pub fn local_naive(ms: Millis) -> Option<NaiveDateTime> {
    if ms >= FIXED_SINCE_MS {
        return DateTime::from_timestamp_millis(ms.checked_add(FIXED_OFFSET_MS)?)
            .map(|t| t.naive_utc());
    }
    to_local(ms).map(|t| t.naive_local())
}

/// The Vietnamese wall-clock time of a stored instant (stored instants are always in range;
/// anything else reads as the epoch rather than failing a report).
pub fn local_time(ms: Millis) -> NaiveDateTime {
    local_naive(ms).unwrap_or_default()
}

/// The instant of a local wall-clock time in Asia/Ho_Chi_Minh.
pub fn local_ms(t: NaiveDateTime) -> Millis {
    if t.year() >= FIXED_SINCE_YEAR {
        return t.and_utc().timestamp_millis() - FIXED_OFFSET_MS;
    }
    match Ho_Chi_Minh.from_local_datetime(&t).earliest() {
        Some(z) => z.timestamp_millis(),
        // Only a historical clock change could skip a local time; UTC+7 is right since 1975.
        None => (t - chrono::Duration::hours(7))
            .and_utc()
            .timestamp_millis(),
    }
}

/// A calendar month in Vietnam, e.g. "2026-10".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=9999).contains(&year))
            .then_some(Month { year, month })
    }

    pub fn containing(ms: Millis) -> Month {
        let local = local_naive(ms).expect("valid instant");
        Month {
            year: local.year(),
            month: local.month(),
        }
    }

    pub fn current() -> Month {
        Month::containing(now_ms())
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The half-open range of instants [start, end) of this month in Vietnam.
    pub fn range(self) -> (Millis, Millis) {
        (
            local_midnight(self.first_day()),
            local_midnight(self.next().first_day()),
        )
    }

    /// "10/2026", as Vietnamese reports write a month.
    pub fn display_vi(self) -> String {
        format!("{:02}/{}", self.month, self.year)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for Month {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{s}' is not a month (YYYY-MM)");
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        let (y, m) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        Month::new(y, m).ok_or_else(bad)
    }
}

impl TryFrom<String> for Month {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_starts_at_local_midnight() {
        let (start, end) = Month::new(2026, 10).unwrap().range();
        // 2026-10-01 00:00 +07:00 = 2026-09-30 17:00 UTC
        assert_eq!(
            start,
            Utc.with_ymd_and_hms(2026, 9, 30, 17, 0, 0)
                .unwrap()
                .timestamp_millis()
        );
        assert_eq!(
            end,
            Utc.with_ymd_and_hms(2026, 10, 31, 17, 0, 0)
                .unwrap()
                .timestamp_millis()
        );
        // 23:30 UTC on 31 Oct is already November in Hà Nội
        let late = Utc
            .with_ymd_and_hms(2026, 10, 31, 23, 30, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(Month::containing(late), Month::new(2026, 11).unwrap());
    }

    proptest::proptest! {
        /// The fixed offset agrees with the zone's own table wherever it is used.
        #[test]
        fn fixed_offset_agrees_with_the_zone(ms in FIXED_SINCE_MS..4_102_444_800_000i64) {
            let zoned = to_local(ms).unwrap().naive_local();
            proptest::prop_assert_eq!(local_naive(ms), Some(zoned));
            let back = Ho_Chi_Minh.from_local_datetime(&zoned).earliest().unwrap();
            proptest::prop_assert_eq!(local_ms(zoned), back.timestamp_millis());
            proptest::prop_assert_eq!(local_ms(zoned), ms);
        }
    }

    #[test]
    fn times_before_1976_keep_the_zone_history() {
        // Saigon kept UTC+8 until 13 June 1975.
        let t = NaiveDate::from_ymd_opt(1970, 1, 1)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        assert_eq!(local_ms(t), 0);
        assert_eq!(local_naive(0), Some(t));
    }

    #[test]
    fn month_parses_and_wraps_years() {
        let m: Month = "2026-12".parse().unwrap();
        assert_eq!(m.next().to_string(), "2027-01");
        assert_eq!(m.next().prev(), m);
        assert!("2026-13".parse::<Month>().is_err());
        assert!("tháng 10".parse::<Month>().is_err());
    }
}
