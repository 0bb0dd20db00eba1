//! Reporting periods: a month, a quarter, a year or a run of whole months, in Vietnam's time zone.
//! Aggregates are kept per month, per quarter and per year, so that any period is read from the
//! fewest buckets (a year is one bucket, January–May is a quarter and two months).

use serde::Serialize;

use super::msg::Msg;
use super::time::{Millis, Month};

/// The key of an aggregate bucket: `yyyymm` for a month (202611), `yyyy*100 + 20 + q` for a
/// quarter (202624 = Q4 2026), `yyyy*100` for a year (202600). One integer column serves all
/// three grains and sorts by year first.
pub type BucketKey = i32;

pub fn month_key(m: Month) -> BucketKey {
    m.year * 100 + m.month as i32
}

pub fn quarter_key(m: Month) -> BucketKey {
    m.year * 100 + 20 + m.month.div_ceil(3) as i32
}

pub fn year_key(year: i32) -> BucketKey {
    year * 100
}

/// The bucket of a unit's running balance of open and overdue dossiers (the sum of every
/// month's differences). It sorts after every month, quarter and year, and names none of them.
pub const BALANCE: BucketKey = 999_999;

/// The month a month key names; None for quarter and year keys.
pub fn key_month(key: BucketKey) -> Option<Month> {
    let m = key % 100;
    (1..=12)
        .contains(&m)
        .then(|| Month::new(key / 100, m as u32))
        .flatten()
}

/// The three buckets a month's data is counted in.
pub fn buckets_of(m: Month) -> [BucketKey; 3] {
    [month_key(m), quarter_key(m), year_key(m.year)]
}

/// A reporting period: whole months from `first` to `last`, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub first: Month,
    pub last: Month,
}

impl Period {
    pub fn month(m: Month) -> Period {
        Period { first: m, last: m }
    }

    pub fn quarter(year: i32, q: u32) -> Option<Period> {
        let first = Month::new(year, (q.checked_sub(1)?) * 3 + 1).filter(|_| q <= 4)?;
        Some(Period {
            first,
            last: Month::new(year, q * 3)?,
        })
    }

    pub fn year(year: i32) -> Option<Period> {
        Some(Period {
            first: Month::new(year, 1)?,
            last: Month::new(year, 12)?,
        })
    }

    pub fn months(self) -> impl Iterator<Item = Month> {
        let last = self.last;
        std::iter::successors(Some(self.first), move |m| (*m < last).then(|| m.next()))
    }

    pub fn len_months(self) -> usize {
        ((self.last.year - self.first.year) * 12 + self.last.month as i32 - self.first.month as i32
            + 1) as usize
    }

    /// [start, end) in instants.
    pub fn range(self) -> (Millis, Millis) {
        (self.first.range().0, self.last.range().1)
    }

    /// The fewest buckets that add up to exactly this period.
    pub fn cover(self) -> Vec<BucketKey> {
        let mut keys = Vec::new();
        let mut m = self.first;
        loop {
            let year_end = Month::new(m.year, 12).expect("valid");
            let quarter_end = Month::new(m.year, m.month.div_ceil(3) * 3).expect("valid");
            let next = if m.month == 1 && year_end <= self.last {
                keys.push(year_key(m.year));
                year_end
            } else if m.month % 3 == 1 && quarter_end <= self.last {
                keys.push(quarter_key(m));
                quarter_end
            } else {
                keys.push(month_key(m));
                m
            };
            if next >= self.last {
                return keys;
            }
            m = next.next();
        }
    }

    /// The same span one year earlier (for year-on-year comparison).
    pub fn year_before(self) -> Period {
        let back = |m: Month| Month::new(m.year - 1, m.month).expect("valid");
        Period {
            first: back(self.first),
            last: back(self.last),
        }
    }

    /// How the period is written in links and exports: "2026-11", "2026-Q4", "2026",
    /// "2026-01..2026-05".
    pub fn slug(self) -> String {
        if self.first == self.last {
            return self.first.to_string();
        }
        if self.first.month == 1 && self.last.month == 12 && self.first.year == self.last.year {
            return self.first.year.to_string();
        }
        if self.first.year == self.last.year
            && self.first.month % 3 == 1
            && self.last.month == self.first.month + 2
        {
            return format!("{}-Q{}", self.first.year, self.first.month.div_ceil(3));
        }
        format!("{}..{}", self.first, self.last)
    }

    /// "tháng 11/2026", "quý IV/2026", "năm 2026", "từ 01/2026 đến 05/2026".
    pub fn label_vi(self) -> String {
        let s = self.slug();
        if self.first == self.last {
            format!("tháng {}", self.first.display_vi())
        } else if !s.contains('-') {
            format!("năm {s}")
        } else if let Some((y, q)) = s.split_once("-Q") {
            let roman = ["I", "II", "III", "IV"][q.parse::<usize>().unwrap_or(1) - 1];
            format!("quý {roman}/{y}")
        } else {
            format!(
                "từ {} đến {}",
                self.first.display_vi(),
                self.last.display_vi()
            )
        }
    }

    pub fn label_en(self) -> String {
        let s = self.slug();
        if self.first == self.last {
            self.first.to_string()
        } else if let Some((y, q)) = s.split_once("-Q") {
            format!("Q{q} {y}")
        } else if !s.contains('-') {
            s
        } else {
            format!("{} to {}", self.first, self.last)
        }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.slug())
    }
}

impl std::str::FromStr for Period {
    type Err = Msg;

    /// Reads "2026-11", "2026-Q4", "2026" or "2026-01..2026-05".
    fn from_str(s: &str) -> Result<Period, Msg> {
        let s = s.trim();
        let bad = || {
            Msg::new(
                format!(
                    "Kỳ báo cáo không hợp lệ: '{s}' (ví dụ 2026-11, 2026-Q4, 2026 hoặc 2026-01..2026-05)"
                ),
                format!(
                    "Not a reporting period: '{s}' (e.g. 2026-11, 2026-Q4, 2026 or 2026-01..2026-05)"
                ),
            )
        };
        if let Some((a, b)) = s.split_once("..") {
            let first: Month = a.parse().map_err(|_| bad())?;
            let last: Month = b.parse().map_err(|_| bad())?;
            if last < first {
                return Err(Msg::new(
                    "Tháng kết thúc phải sau tháng bắt đầu",
                    "The last month must not precede the first",
                ));
            }
            if (last.year - first.year) > 10 {
                return Err(Msg::new(
                    "Kỳ báo cáo dài quá 10 năm",
                    "A period may span at most ten years",
                ));
            }
            return Ok(Period { first, last });
        }
        if let Some((y, q)) = s.split_once(['Q', 'q']) {
            let y = y.trim_end_matches('-').parse().map_err(|_| bad())?;
            return Period::quarter(y, q.parse().map_err(|_| bad())?).ok_or_else(bad);
        }
        if !s.contains('-') {
            return Period::year(s.parse().map_err(|_| bad())?).ok_or_else(bad);
        }
        s.parse().map(Period::month).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(y: i32, mo: u32) -> Month {
        Month::new(y, mo).unwrap()
    }

    #[test]
    fn keys_name_their_grain() {
        assert_eq!(buckets_of(m(2026, 11)), [202611, 202624, 202600]);
        assert_eq!(buckets_of(m(2026, 3)), [202603, 202621, 202600]);
        assert_eq!(key_month(202611), Some(m(2026, 11)));
        assert_eq!(key_month(202624), None);
        assert_eq!(key_month(202600), None);
    }

    #[test]
    fn a_period_is_read_from_the_fewest_buckets() {
        let p: Period = "2026".parse().unwrap();
        assert_eq!(p.cover(), vec![202600]);
        let p: Period = "2026-Q2".parse().unwrap();
        assert_eq!(p.cover(), vec![202622]);
        let p: Period = "2025-11..2027-05".parse().unwrap();
        assert_eq!(
            p.cover(),
            vec![202511, 202512, 202600, 202721, 202704, 202705]
        );
        let p: Period = "2026-02..2026-07".parse().unwrap();
        assert_eq!(p.cover(), vec![202602, 202603, 202622, 202607]);
        // Every month is covered exactly once.
        for (a, b) in [
            ("2024-01", "2026-12"),
            ("2025-05", "2025-05"),
            ("2025-12", "2026-01"),
        ] {
            let p = Period {
                first: a.parse().unwrap(),
                last: b.parse().unwrap(),
            };
            let months: usize = p
                .cover()
                .iter()
                .map(|k| match k % 100 {
                    0 => 12,
                    21..=24 => 3,
                    _ => 1,
                })
                .sum();
            assert_eq!(months, p.len_months(), "{p}");
        }
    }

    #[test]
    fn periods_parse_and_print_alike() {
        for s in ["2026-11", "2026-Q4", "2026", "2026-01..2026-05"] {
            let p: Period = s.parse().unwrap();
            assert_eq!(p.slug(), s);
        }
        assert_eq!(
            "2026-Q4".parse::<Period>().unwrap().label_vi(),
            "quý IV/2026"
        );
        assert_eq!(
            "2026-11".parse::<Period>().unwrap().label_vi(),
            "tháng 11/2026"
        );
        assert!("2026-Q5".parse::<Period>().is_err());
        assert!("2026-05..2026-01".parse::<Period>().is_err());
        assert!("tháng 11".parse::<Period>().is_err());
    }
}
