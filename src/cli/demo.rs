//! `hailong demo`: the demo data set that `hailong serve --demo` loads into an empty database.
//!
//! A living system at first sight: Khánh Hòa province with all 65 communes in force since
//! 1 July 2025, the provincial Public Administration Service Centre and five commune centres
//! (Vạn Hưng of seed 002 among them, on its two-level scale), their counters, kiosks and
//! officials, four accounts, and twelve months of kiosk ratings up to now with believable
//! variation: good and weak officials, seasons around Tết, busy Monday mornings.
//!
//! Everything is drawn from a seeded generator, so two loads on the same day give the same data.
//! The generation is pure (`Plan::new`, `generate`); `load` only writes what it produced.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use anyhow::Context;
use chrono::{Datelike, Days, NaiveDate, Timelike, Weekday};
use clap::Subcommand;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::avatar::initials_svg;
use crate::domain::calendar::{WorkingCalendar, WorkingHours};
use crate::domain::dossier::{IntakeChannel, ReturnMethod, Status};
use crate::domain::form::{FormDefinition, ValidRating};
use crate::domain::limit::TimeLimit;
use crate::domain::role::Role;
use crate::domain::scale::{Level, Scale};
use crate::domain::time::{Millis, Month, local_midnight, now_ms, to_local};
use crate::domain::unit::UnitLevel;
use crate::store::Store;
use crate::store::dossier_import::DossierImportRow;
use crate::store::officials::OfficialInput;
use crate::store::ratings::{Channel, NewRating};
use crate::store::units::UnitImportRow;
use crate::store::users::UserInput;

#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Load the demo data set into an empty database.
    Load,
    /// Write a national data set of any size as CSV files for `hailong import` (units,
    /// procedures, officials, counters, ratings, dossiers), the same bytes for the same seed;
    /// with --load, import them into --database-url, timing each step.
    Generate(super::demo_generate::GenerateArgs),
}

/// The password of every demo account (shown on the login page of a demo installation).
pub const DEMO_PASSWORD: &str = "hailong-demo";

/// Seeds the generator: the day Vạn Hưng's kiosk went live (seed 002).
const SEED: u64 = 20200701;

/// What `load` created.
#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub units: u64,
    pub service_centers: usize,
    pub counters: usize,
    pub kiosks: usize,
    pub officials: usize,
    /// Officials signed in at a counter now.
    pub signed_in: usize,
    pub forms: usize,
    pub accounts: usize,
    pub ratings: usize,
    /// Dossiers of the commune desks over the year.
    pub dossiers: u64,
    /// Ratings flagged as misuse (kept, excluded from reports).
    pub flagged: usize,
    /// The first and last day with ratings (Vietnam time).
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    pub elapsed_ms: u128,
}

impl std::fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let day = |d: Option<NaiveDate>| d.map(|d| d.format("%d/%m/%Y").to_string());
        writeln!(
            f,
            "Đã nạp dữ liệu minh hoạ / demo data loaded in {} ms:",
            self.elapsed_ms
        )?;
        writeln!(
            f,
            "  {} đơn vị / units, {} bộ phận một cửa / service centres, {} quầy / counters, {} màn hình / kiosks",
            self.units, self.service_centers, self.counters, self.kiosks
        )?;
        writeln!(
            f,
            "  {} cán bộ / officials ({} đang ngồi quầy / signed in), {} phiếu / forms",
            self.officials, self.signed_in, self.forms
        )?;
        writeln!(
            f,
            "  {} lượt đánh giá / ratings ({} bị đánh dấu / flagged), {} – {}",
            self.ratings,
            self.flagged,
            day(self.first_day).unwrap_or_default(),
            day(self.last_day).unwrap_or_default()
        )?;
        writeln!(
            f,
            "  {} hồ sơ thủ tục hành chính / dossiers at the commune desks",
            self.dossiers
        )?;
        write!(
            f,
            "  {} tài khoản / accounts: admin, lanhdao, canbo, thanhtra — mật khẩu / password: {DEMO_PASSWORD}",
            self.accounts
        )
    }
}

pub async fn run(database_url: &str, cmd: DemoCommand) -> anyhow::Result<()> {
    match cmd {
        DemoCommand::Load => {
            super::with_store(database_url, |store| async move {
                println!("{}", load(&store).await?);
                Ok(())
            })
            .await
        }
        DemoCommand::Generate(args) => super::demo_generate::run(database_url, args).await,
    }
}

// ---------------------------------------------------------------------------------------------
// The map: Khánh Hòa (code 56) and its communes, copied from data/units-2025-07.csv so that a
// build does not depend on the shared data folder.

const PROVINCE_CODE: &str = "56";
const PROVINCE_NAME: &str = "Tỉnh Khánh Hòa";
const VAN_HUNG: &str = "22525";

/// `commune code,commune name` of Khánh Hòa, as in the General Statistics Office list.
const KHANH_HOA_COMMUNES: &str = "\
22333,Phường Bắc Nha Trang
22366,Phường Nha Trang
22390,Phường Tây Nha Trang
22402,Phường Nam Nha Trang
22411,Phường Bắc Cam Ranh
22420,Phường Cam Ranh
22423,Phường Ba Ngòi
22432,Phường Cam Linh
22435,Xã Cam Hiệp
22453,Xã Cam Lâm
22465,Xã Cam An
22480,Xã Nam Cam Ranh
22489,Xã Vạn Ninh
22498,Xã Tu Bông
22504,Xã Đại Lãnh
22516,Xã Vạn Thắng
22525,Xã Vạn Hưng
22528,Phường Ninh Hòa
22546,Xã Bắc Ninh Hòa
22552,Xã Tây Ninh Hòa
22558,Xã Hòa Trí
22561,Phường Đông Ninh Hòa
22576,Xã Tân Định
22591,Phường Hòa Thắng
22597,Xã Nam Ninh Hòa
22609,Xã Khánh Vĩnh
22612,Xã Trung Khánh Vĩnh
22615,Xã Bắc Khánh Vĩnh
22624,Xã Tây Khánh Vĩnh
22648,Xã Nam Khánh Vĩnh
22651,Xã Diên Khánh
22657,Xã Diên Điền
22660,Xã Diên Lâm
22672,Xã Diên Thọ
22678,Xã Diên Lạc
22702,Xã Suối Hiệp
22708,Xã Suối Dầu
22714,Xã Khánh Sơn
22720,Xã Tây Khánh Sơn
22732,Xã Đông Khánh Sơn
22736,Đặc khu Trường Sa
22738,Phường Đô Vinh
22741,Phường Bảo An
22759,Phường Phan Rang
22780,Phường Đông Hải
22786,Xã Bác Ái Tây
22795,Xã Bác Ái
22801,Xã Bác Ái Đông
22810,Xã Ninh Sơn
22813,Xã Lâm Sơn
22822,Xã Mỹ Sơn
22828,Xã Anh Dũng
22834,Phường Ninh Chử
22840,Xã Công Hải
22846,Xã Vĩnh Hải
22849,Xã Thuận Bắc
22852,Xã Ninh Hải
22861,Xã Xuân Hải
22870,Xã Ninh Phước
22873,Xã Phước Hậu
22888,Xã Phước Dinh
22891,Xã Phước Hữu
22897,Xã Thuận Nam
22900,Xã Phước Hà
22909,Xã Cà Ná
";

/// The unit rows of the demo: the province first, then its communes, in force since 1 July 2025.
pub fn unit_rows() -> anyhow::Result<Vec<UnitImportRow>> {
    let valid_from = NaiveDate::from_ymd_opt(2025, 7, 1);
    let mut rows = vec![UnitImportRow {
        line: 1,
        level: UnitLevel::Province,
        code: PROVINCE_CODE.into(),
        name: PROVINCE_NAME.into(),
        parent_code: None,
        valid_from,
        valid_to: None,
    }];
    for (i, line) in KHANH_HOA_COMMUNES.lines().enumerate() {
        let (code, name) = line
            .split_once(',')
            .with_context(|| format!("bad demo unit line {line:?}"))?;
        rows.push(UnitImportRow {
            line: i as u64 + 2,
            level: UnitLevel::Commune,
            code: code.trim().into(),
            name: name.trim().into(),
            parent_code: Some(PROVINCE_CODE.into()),
            valid_from,
            valid_to: None,
        });
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// The calendar: working days and the seasons of a one-stop desk.

/// Public holidays and make-up working days, from the same files the calendar migration was
/// generated from (administrators edit the real calendar in the database).
fn calendar_data() -> &'static (HashSet<NaiveDate>, HashSet<NaiveDate>) {
    static DATA: std::sync::OnceLock<(HashSet<NaiveDate>, HashSet<NaiveDate>)> =
        std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        let dates = |csv: &str| -> HashSet<NaiveDate> {
            csv.lines()
                .skip(1)
                .filter_map(|l| l.split(',').next())
                .filter_map(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
                .collect()
        };
        (
            dates(include_str!("../../data/vn-holidays-2018-2030.csv")),
            dates(include_str!("../../data/vn-weekend-workdays.csv")),
        )
    })
}

/// The working calendar the demo's dossiers are due by.
fn demo_calendar() -> WorkingCalendar {
    let (holidays, make_up) = calendar_data();
    WorkingCalendar::new(
        WorkingHours::default(),
        holidays.iter().copied(),
        make_up.iter().copied(),
    )
}

/// First day of the lunar new year (mùng một Tết).
const TET: &str = "\
2025-01-29 2026-02-17 2027-02-06 2028-01-26 2029-02-13 2030-02-03";

fn ymd(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("demo dates are valid")
}

/// Does the one-stop desk open on this day?
pub fn is_working_day(d: NaiveDate) -> bool {
    let (holidays, make_up) = calendar_data();
    match d.weekday() {
        Weekday::Sat | Weekday::Sun => make_up.contains(&d),
        _ => !holidays.contains(&d),
    }
}

/// Relative load of a day: papers before Tết and in the summer (school enrolment, land), a
/// quiet Tết month, Monday the busiest weekday.
pub fn day_load(d: NaiveDate) -> f64 {
    const MONTH: [f64; 12] = [
        1.10, 0.85, 0.95, 0.95, 1.00, 1.10, 1.15, 1.10, 0.95, 0.95, 1.00, 1.15,
    ];
    let mut f = MONTH[d.month0() as usize];
    for t in TET.split_whitespace().map(ymd) {
        let before = (t - d).num_days();
        let after = (d - t).num_days();
        if (4..=24).contains(&before) {
            f *= 1.30;
        } else if (1..=3).contains(&before) {
            f *= 0.70;
        } else if (0..=12).contains(&after) {
            f *= 0.60;
        }
    }
    f * match d.weekday() {
        Weekday::Mon => 1.25,
        Weekday::Tue => 1.05,
        Weekday::Wed => 1.00,
        Weekday::Thu => 0.95,
        Weekday::Fri => 0.90,
        _ => 0.60,
    }
}

/// Half-hour slots of the working day (start, minutes after midnight) and their relative
/// load: 07:00–11:30 and 13:30–17:00, busiest mid-morning.
const SLOTS: [(u32, f64); 16] = [
    (7 * 60, 0.6),
    (7 * 60 + 30, 1.0),
    (8 * 60, 1.4),
    (8 * 60 + 30, 1.6),
    (9 * 60, 1.6),
    (9 * 60 + 30, 1.4),
    (10 * 60, 1.2),
    (10 * 60 + 30, 1.0),
    (11 * 60, 0.6),
    (13 * 60 + 30, 0.5),
    (14 * 60, 0.9),
    (14 * 60 + 30, 1.0),
    (15 * 60, 1.0),
    (15 * 60 + 30, 0.9),
    (16 * 60, 0.7),
    (16 * 60 + 30, 0.4),
];

/// Is this second of the local day within working hours?
pub fn is_working_time(second_of_day: u32) -> bool {
    (7 * 3600..11 * 3600 + 1800).contains(&second_of_day)
        || (13 * 3600 + 1800..17 * 3600).contains(&second_of_day)
}

/// A second of the local day within working hours, following the daily load curve.
pub fn sample_second_of_day(rng: &mut impl Rng) -> u32 {
    let slot = weighted(rng, SLOTS.iter().map(|s| s.1)).unwrap_or(0);
    SLOTS[slot].0 * 60 + rng.random_range(0..1800)
}

/// An instant on a local day at a second of that day (Vietnam has no daylight saving).
pub fn local_instant(d: NaiveDate, second_of_day: u32) -> Millis {
    local_midnight(d) + i64::from(second_of_day) * 1000
}

// ---------------------------------------------------------------------------------------------
// Small random helpers (rand 0.9 has no distributions beyond uniform without rand_distr).

/// Index drawn with probability proportional to its weight; None when all weights are zero.
fn weighted(rng: &mut impl Rng, weights: impl Iterator<Item = f64> + Clone) -> Option<usize> {
    let total: f64 = weights.clone().filter(|w| *w > 0.0).sum();
    if total <= 0.0 {
        return None;
    }
    let mut x = rng.random::<f64>() * total;
    let mut last = None;
    for (i, w) in weights.enumerate() {
        if w <= 0.0 {
            continue;
        }
        last = Some(i);
        if x < w {
            return Some(i);
        }
        x -= w;
    }
    last
}

/// A Poisson draw (Knuth for small means, a rounded normal above).
fn poisson(rng: &mut impl Rng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda < 30.0 {
        let l = (-lambda).exp();
        let (mut k, mut p) = (0u32, 1.0f64);
        loop {
            p *= rng.random::<f64>();
            if p <= l {
                return k;
            }
            k += 1;
        }
    }
    let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (lambda + z * lambda.sqrt()).round().max(0.0) as u32
}

fn pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

// ---------------------------------------------------------------------------------------------
// Who works where, and how well.

/// How an official's citizens judge them: share satisfied or better, share "very satisfied"
/// among the satisfied (3-level scale), and the drift of the satisfied share over the year.
#[derive(Debug, Clone, Copy)]
struct Quality {
    satisfied: f64,
    very: f64,
    trend: f64,
}

const EXCELLENT: Quality = Quality {
    satisfied: 0.975,
    very: 0.86,
    trend: 0.0,
};
const GOOD: Quality = Quality {
    satisfied: 0.93,
    very: 0.72,
    trend: 0.01,
};
const TYPICAL: Quality = Quality {
    satisfied: 0.895,
    very: 0.62,
    trend: 0.0,
};
const FAIR: Quality = Quality {
    satisfied: 0.86,
    very: 0.52,
    trend: 0.03,
};
/// Weak at first, better after the monthly reviews seed 002 describes.
const IMPROVING: Quality = Quality {
    satisfied: 0.68,
    very: 0.35,
    trend: 0.08,
};
/// Slipping: a signal for the leader.
const SLIPPING: Quality = Quality {
    satisfied: 0.76,
    very: 0.40,
    trend: -0.06,
};

struct StaffSpec {
    title: &'static str,
    /// Counters (index in the centre) this official serves, with the share of half-days.
    roster: &'static [(usize, f64)],
    quality: Quality,
    /// Joined this many days ago (None: before the demo's year).
    joined_days_ago: Option<u64>,
    /// Left (transferred) this many days ago; the official is inactive now.
    left_days_ago: Option<u64>,
}

const fn staff(
    title: &'static str,
    roster: &'static [(usize, f64)],
    quality: Quality,
) -> StaffSpec {
    StaffSpec {
        title,
        roster,
        quality,
        joined_days_ago: None,
        left_days_ago: None,
    }
}

struct CentreSpec {
    unit_code: &'static str,
    name: &'static str,
    address: &'static str,
    /// Prefix of the officials' staff codes ("VH" → VH01, VH02…).
    prefix: &'static str,
    /// On the two-level form (hài lòng / không hài lòng) like Vạn Hưng in 2020.
    two_level: bool,
    /// Mean ratings per counter on an ordinary working day.
    per_counter_day: f64,
    /// Counter names with their relative load.
    counters: &'static [(&'static str, f64)],
    staff: &'static [StaffSpec],
    /// Counters (indexes) left without anyone signed in now.
    empty_now: &'static [usize],
}

const TU_PHAP: &str = "Công chức Tư pháp – Hộ tịch";
const DIA_CHINH: &str = "Công chức Địa chính – Xây dựng";
const VAN_PHONG: &str = "Công chức Văn phòng – Thống kê";
const VAN_HOA: &str = "Công chức Văn hóa – Xã hội";
const VIEN_CHUC: &str = "Viên chức Trung tâm Phục vụ hành chính công";
const COMMUNE_COUNTERS: &[(&str, f64)] = &[
    ("Quầy Tư pháp – Hộ tịch", 1.1),
    ("Quầy Đất đai – Xây dựng", 0.9),
];
const WARD_COUNTERS: &[(&str, f64)] = &[
    ("Quầy Tư pháp – Hộ tịch", 1.0),
    ("Quầy Đất đai – Xây dựng", 1.2),
    ("Quầy Văn hóa – Xã hội", 0.8),
];

const CENTRES: &[CentreSpec] = &[
    CentreSpec {
        unit_code: PROVINCE_CODE,
        name: "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa",
        address: "Phường Nha Trang, tỉnh Khánh Hòa",
        prefix: "KH",
        two_level: false,
        per_counter_day: 13.0,
        counters: &[
            ("Quầy Tư pháp", 0.9),
            ("Quầy Đất đai", 1.3),
            ("Quầy Đăng ký kinh doanh", 1.0),
            ("Quầy Xây dựng – Giao thông", 0.8),
        ],
        staff: &[
            staff("Chuyên viên Sở Tư pháp", &[(0, 4.0)], GOOD),
            staff("Viên chức Văn phòng Đăng ký đất đai", &[(1, 4.0)], TYPICAL),
            staff("Chuyên viên Sở Tài chính", &[(2, 4.0)], EXCELLENT),
            staff("Chuyên viên Sở Xây dựng", &[(3, 4.0)], FAIR),
            staff(
                "Chuyên viên Trung tâm Phục vụ hành chính công",
                &[(0, 1.0), (1, 1.2), (2, 1.0), (3, 1.0)],
                TYPICAL,
            ),
            // Takes a counter now and then: too few ballots to be judged in any month.
            staff("Phó Giám đốc Trung tâm", &[(0, 0.15), (1, 0.15)], EXCELLENT),
        ],
        empty_now: &[],
    },
    CentreSpec {
        unit_code: VAN_HUNG,
        name: "Trung tâm Phục vụ hành chính công xã Vạn Hưng",
        address: "Trụ sở UBND xã Vạn Hưng, tỉnh Khánh Hòa",
        prefix: "VH",
        two_level: true,
        per_counter_day: 6.5,
        counters: COMMUNE_COUNTERS,
        staff: &[
            staff(TU_PHAP, &[(0, 3.0)], EXCELLENT),
            staff(VAN_PHONG, &[(0, 1.0), (1, 1.0)], TYPICAL),
            staff(DIA_CHINH, &[(1, 3.0)], IMPROVING),
            staff(VAN_HOA, &[(0, 1.0), (1, 1.0)], GOOD),
        ],
        empty_now: &[],
    },
    CentreSpec {
        unit_code: "22489",
        name: "Trung tâm Phục vụ hành chính công xã Vạn Ninh",
        address: "Trụ sở UBND xã Vạn Ninh, tỉnh Khánh Hòa",
        prefix: "VN",
        two_level: false,
        per_counter_day: 7.5,
        counters: COMMUNE_COUNTERS,
        staff: &[
            staff(TU_PHAP, &[(0, 3.0)], GOOD),
            staff(DIA_CHINH, &[(1, 3.0)], TYPICAL),
            staff(VAN_PHONG, &[(0, 1.0), (1, 1.0)], FAIR),
            staff(VIEN_CHUC, &[(0, 1.0), (1, 1.0)], TYPICAL),
        ],
        empty_now: &[],
    },
    CentreSpec {
        unit_code: "22516",
        name: "Trung tâm Phục vụ hành chính công xã Vạn Thắng",
        address: "Trụ sở UBND xã Vạn Thắng, tỉnh Khánh Hòa",
        prefix: "VT",
        two_level: false,
        per_counter_day: 7.0,
        counters: COMMUNE_COUNTERS,
        staff: &[
            staff(TU_PHAP, &[(0, 3.0)], TYPICAL),
            staff(DIA_CHINH, &[(1, 3.0)], EXCELLENT),
            staff(VAN_HOA, &[(0, 1.0), (1, 1.0)], GOOD),
            staff(VAN_PHONG, &[(0, 1.0), (1, 1.0)], FAIR),
        ],
        empty_now: &[],
    },
    CentreSpec {
        unit_code: "22366",
        name: "Trung tâm Phục vụ hành chính công phường Nha Trang",
        address: "Trụ sở UBND phường Nha Trang, tỉnh Khánh Hòa",
        prefix: "NT",
        two_level: false,
        per_counter_day: 9.0,
        counters: WARD_COUNTERS,
        staff: &[
            staff(TU_PHAP, &[(0, 3.0)], GOOD),
            staff(DIA_CHINH, &[(1, 3.0)], TYPICAL),
            staff(VAN_HOA, &[(2, 3.0)], TYPICAL),
            staff(VAN_PHONG, &[(0, 1.0), (1, 1.0), (2, 1.0)], FAIR),
            // Recruited a week ago: few ballots this month, greyed in the report.
            StaffSpec {
                title: VIEN_CHUC,
                roster: &[(2, 2.0)],
                quality: Quality {
                    satisfied: 0.87,
                    very: 0.50,
                    trend: 0.0,
                },
                joined_days_ago: Some(8),
                left_days_ago: None,
            },
        ],
        empty_now: &[],
    },
    CentreSpec {
        unit_code: "22420",
        name: "Trung tâm Phục vụ hành chính công phường Cam Ranh",
        address: "Trụ sở UBND phường Cam Ranh, tỉnh Khánh Hòa",
        prefix: "CR",
        two_level: false,
        per_counter_day: 8.0,
        counters: WARD_COUNTERS,
        staff: &[
            staff(TU_PHAP, &[(0, 3.0)], EXCELLENT),
            staff(DIA_CHINH, &[(1, 3.0)], SLIPPING),
            staff(VAN_HOA, &[(2, 3.0)], TYPICAL),
            staff(VIEN_CHUC, &[(0, 1.0), (1, 1.0), (2, 1.0)], GOOD),
            // Transferred in the summer: in the old months' reports only.
            StaffSpec {
                title: VAN_PHONG,
                roster: &[(0, 2.0), (2, 1.0)],
                quality: TYPICAL,
                joined_days_ago: None,
                left_days_ago: Some(130),
            },
        ],
        empty_now: &[2],
    },
];

// ---------------------------------------------------------------------------------------------
// Names.

const FAMILY: &[(&str, f64)] = &[
    ("Nguyễn", 30.0),
    ("Trần", 11.0),
    ("Lê", 9.0),
    ("Phạm", 7.0),
    ("Hoàng", 4.0),
    ("Huỳnh", 5.0),
    ("Phan", 4.5),
    ("Vũ", 3.0),
    ("Võ", 5.0),
    ("Đặng", 2.0),
    ("Bùi", 2.0),
    ("Đỗ", 2.0),
    ("Hồ", 2.0),
    ("Ngô", 1.5),
    ("Dương", 1.0),
];
const MIDDLE_MALE: &[&str] = &["Văn", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Công"];
const MIDDLE_FEMALE: &[&str] = &["Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Thị Thu"];
const GIVEN_MALE: &[&str] = &[
    "Hùng", "Dũng", "Tuấn", "Phong", "Long", "Quang", "Sơn", "Hải", "Nam", "Khoa", "Bảo", "Hiếu",
    "Thắng", "Tài", "Lộc", "Vinh", "Toàn", "Nhân", "Phúc", "Khánh", "Tâm", "Trí",
];
const GIVEN_FEMALE: &[&str] = &[
    "Lan", "Hương", "Hoa", "Mai", "Trang", "Linh", "Thảo", "Ngân", "Hằng", "Vy", "Nhung", "Yến",
    "Dung", "Phương", "Hạnh", "Loan", "Diễm", "Thủy", "Hà", "Nga", "Oanh", "Quyên",
];

fn full_name(rng: &mut impl Rng) -> String {
    let family = FAMILY[weighted(rng, FAMILY.iter().map(|f| f.1)).unwrap_or(0)].0;
    if rng.random_bool(0.55) {
        let middle = pick(rng, MIDDLE_FEMALE);
        let given = pick(rng, GIVEN_FEMALE);
        format!("{family} {middle} {given}")
    } else {
        let middle = pick(rng, MIDDLE_MALE);
        let given = pick(rng, GIVEN_MALE);
        format!("{family} {middle} {given}")
    }
}

// ---------------------------------------------------------------------------------------------
// Reasons and comments.

/// Reason keys of the standard form, weighted by how often citizens give them when the
/// official's attitude (first) or the handling (second) disappointed them.
const REASONS: &[(&str, f64, f64)] = &[
    ("impolite", 4.0, 0.5),
    ("unclear", 3.0, 2.5),
    ("waiting", 2.0, 3.5),
    ("extra_papers", 0.5, 2.0),
    ("late", 0.3, 2.5),
];

fn reason_comments(key: &str) -> &'static [&'static str] {
    match key {
        "impolite" => &[
            "Cán bộ trả lời cộc lốc, thiếu nhiệt tình.",
            "Thái độ chưa niềm nở với người lớn tuổi.",
            "Hỏi thêm thì cán bộ tỏ vẻ khó chịu.",
        ],
        "unclear" => &[
            "Hướng dẫn chưa rõ, phải đi lại hai lần để bổ sung giấy tờ.",
            "Không được hướng dẫn cách kê khai tờ khai.",
        ],
        "waiting" => &[
            "Phải chờ gần một tiếng mới đến lượt.",
            "Sáng thứ Hai đông quá, nên bố trí thêm người tiếp nhận.",
            "Cán bộ vắng quầy, phải ngồi chờ lâu.",
        ],
        "extra_papers" => &[
            "Đã có căn cước gắn chip vẫn bị yêu cầu nộp thêm giấy xác nhận cư trú.",
            "Yêu cầu nộp thêm bản sao chứng thực không cần thiết.",
        ],
        "late" => &[
            "Hẹn trả kết quả nhưng đến nơi vẫn chưa có.",
            "Trễ hẹn mà không nhận được thư xin lỗi, không báo trước.",
        ],
        _ => &["Chưa hài lòng."],
    }
}

const PRAISE: &[&str] = &[
    "Cán bộ hướng dẫn tận tình, chu đáo.",
    "Giải quyết nhanh, đúng hẹn. Cảm ơn cán bộ!",
    "Thái độ vui vẻ, nhiệt tình.",
    "Thủ tục nhanh gọn hơn trước nhiều.",
    "Được hướng dẫn kê khai rất rõ ràng, không phải đi lại.",
    "Nhận kết quả sớm hơn ngày hẹn.",
    "Cảm ơn chị đã giúp đỡ người già như tôi.",
];

const MISUSE: &[&str] = &[
    "Bấm thử nhiều lần",
    "Trẻ em bấm nghịch màn hình",
    "Cán bộ bấm thử khi kiểm tra thiết bị",
];

// ---------------------------------------------------------------------------------------------
// The plan and the generator (pure).

#[derive(Debug, Clone)]
pub struct OfficialPlan {
    pub centre: usize,
    /// Index of the official within its centre's staff list.
    pub local: usize,
    pub code: String,
    pub full_name: String,
    pub title: &'static str,
    /// First day at work (None: since before the demo's year).
    pub joined: Option<NaiveDate>,
    /// First day no longer at work.
    pub left: Option<NaiveDate>,
    /// Annual leave, inclusive.
    pub leave: (NaiveDate, NaiveDate),
    /// Month-to-month ups and downs of the satisfied share, one per month of the year.
    jitter: Vec<f64>,
}

impl OfficialPlan {
    fn spec(&self) -> &'static StaffSpec {
        &CENTRES[self.centre].staff[self.local]
    }

    pub fn active(&self) -> bool {
        self.left.is_none()
    }

    /// Code of the counter where the official received a dossier: one of those they serve, in
    /// proportion to their share of half-days there, as `u` (in [0, 1)) falls.
    fn desk(&self, u: f64) -> Option<String> {
        let roster = self.spec().roster;
        let total: f64 = roster.iter().map(|r| r.1).sum();
        let mut left = u * total;
        let k = roster
            .iter()
            .find(|r| {
                left -= r.1;
                left < 0.0
            })
            .or(roster.last())?
            .0;
        Some(counter_code(k))
    }

    /// Employed on this day (leave aside).
    fn employed(&self, d: NaiveDate) -> bool {
        self.joined.is_none_or(|j| d >= j) && self.left.is_none_or(|l| d < l)
    }

    fn on_leave(&self, d: NaiveDate) -> bool {
        d >= self.leave.0 && d <= self.leave.1
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub first_day: NaiveDate,
    pub today: NaiveDate,
    pub now: Millis,
    pub officials: Vec<OfficialPlan>,
    /// (centre, counter index in the centre), in creation order.
    pub counters: Vec<(usize, usize)>,
}

/// The code of a centre's counter `k` (0-based): Q01, Q02, …
fn counter_code(k: usize) -> String {
    format!("Q{:02}", k + 1)
}

fn month_index(first: NaiveDate, d: NaiveDate) -> usize {
    let m = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
    (m(d) - m(first)).max(0) as usize
}

impl Plan {
    /// Names and careers of the demo's officials, for twelve months up to `now`.
    pub fn new(rng: &mut impl Rng, now: Millis) -> Plan {
        let today = to_local(now).expect("valid instant").date_naive();
        let mut month = Month::containing(now);
        for _ in 0..11 {
            month = month.prev();
        }
        let first_day = month.first_day();
        let span = (today - first_day).num_days().max(1) as u64;
        let mut names = HashSet::new();
        let mut officials = Vec::new();
        let mut counters = Vec::new();
        for (c, centre) in CENTRES.iter().enumerate() {
            counters.extend((0..centre.counters.len()).map(|k| (c, k)));
            for (i, s) in centre.staff.iter().enumerate() {
                let full_name = loop {
                    let n = full_name(rng);
                    if names.insert(n.clone()) {
                        break n;
                    }
                };
                let start = first_day + Days::new(rng.random_range(14..span.max(15)));
                let leave = (start, start + Days::new(rng.random_range(6..12)));
                officials.push(OfficialPlan {
                    centre: c,
                    local: i,
                    code: format!("{}{:02}", centre.prefix, i + 1),
                    full_name,
                    title: s.title,
                    joined: s.joined_days_ago.map(|d| today - Days::new(d)),
                    left: s.left_days_ago.map(|d| today - Days::new(d)),
                    leave,
                    jitter: (0..13).map(|_| rng.random_range(-0.02..0.02)).collect(),
                });
            }
        }
        Plan {
            first_day,
            today,
            now,
            officials,
            counters,
        }
    }

    pub fn scale(&self, centre: usize) -> Scale {
        if CENTRES[centre].two_level {
            Scale::Two
        } else {
            Scale::Three
        }
    }

    /// Global index of the official who will be signed in at each counter now (None: nobody).
    pub fn signed_in_now(&self) -> Vec<Option<usize>> {
        let mut taken = HashSet::new();
        self.counters
            .iter()
            .map(|&(c, k)| {
                if CENTRES[c].empty_now.contains(&k) {
                    return None;
                }
                let best = self
                    .officials
                    .iter()
                    .enumerate()
                    .filter(|(i, o)| {
                        o.centre == c
                            && o.employed(self.today)
                            && !o.on_leave(self.today)
                            && !taken.contains(i)
                    })
                    .filter_map(|(i, o)| {
                        o.spec().roster.iter().find(|r| r.0 == k).map(|r| (i, r.1))
                    })
                    .max_by(|a, b| a.1.total_cmp(&b.1))?;
                taken.insert(best.0);
                Some(best.0)
            })
            .collect()
    }
}

/// One generated rating, by plan indexes.
#[derive(Debug, Clone)]
pub struct GenRating {
    /// Index into `Plan::counters`.
    pub counter: usize,
    /// Index into `Plan::officials`.
    pub official: usize,
    pub rated_at: Millis,
    pub scale: Scale,
    pub rating: ValidRating,
    /// Why it is flagged as misuse, if it is.
    pub misuse: Option<&'static str>,
}

fn level(rng: &mut impl Rng, scale: Scale, satisfied: f64, very: f64) -> Level {
    if rng.random_bool(satisfied.clamp(0.0, 1.0)) {
        if scale.offers(Level::VERY_SATISFIED) && rng.random_bool(very.clamp(0.0, 1.0)) {
            Level::VERY_SATISFIED
        } else {
            Level::SATISFIED
        }
    } else {
        Level::DISSATISFIED
    }
}

/// A citizen's judgement of an official with this quality on a day this busy.
fn judgement(rng: &mut impl Rng, scale: Scale, satisfied: f64, very: f64) -> ValidRating {
    let attitude = level(rng, scale, satisfied, very);
    // The two answers go together more often than not; handling suffers a little more from
    // things the official does not control (other agencies, missing papers).
    let handling = if rng.random_bool(0.7) {
        attitude
    } else {
        level(rng, scale, satisfied - 0.02, very - 0.05)
    };
    let mut reasons: Vec<String> = Vec::new();
    let mut comment = None;
    if attitude.is_low() || handling.is_low() {
        let weights = REASONS.iter().map(|r| {
            (if attitude.is_low() { r.1 } else { 0.0 })
                + (if handling.is_low() { r.2 } else { 0.0 })
        });
        if rng.random_bool(0.65) {
            let how_many = if rng.random_bool(0.3) { 2 } else { 1 };
            while reasons.len() < how_many {
                let key = REASONS[weighted(rng, weights.clone()).unwrap_or(0)].0;
                if !reasons.iter().any(|r| r == key) {
                    reasons.push(key.to_string());
                }
            }
        }
        if rng.random_bool(0.2) {
            // About the first reason given, or about what likely went wrong.
            let key = match reasons.first() {
                Some(k) => k.as_str(),
                None => REASONS[weighted(rng, weights).unwrap_or(0)].0,
            };
            comment = Some(pick(rng, reason_comments(key)).to_string());
        }
    } else if rng.random_bool(if attitude == Level::VERY_SATISFIED {
        0.02
    } else {
        0.007
    }) {
        comment = Some(pick(rng, PRAISE).to_string());
    }
    ValidRating {
        headline: attitude,
        answers: vec![("attitude".into(), attitude), ("handling".into(), handling)],
        reasons,
        comment,
    }
}

/// Twelve months of kiosk ratings for the plan, sorted by time, none after `plan.now`.
pub fn generate(plan: &Plan, rng: &mut impl Rng) -> Vec<GenRating> {
    let mut out: Vec<GenRating> = Vec::with_capacity(40_000);
    let span = (plan.today - plan.first_day).num_days().max(1) as f64;
    let mut day = plan.first_day;
    while day <= plan.today {
        if is_working_day(day) {
            let load = day_load(day);
            let progress = (day - plan.first_day).num_days() as f64 / span;
            let month = month_index(plan.first_day, day);
            // Who is at work today.
            let present: Vec<bool> = plan
                .officials
                .iter()
                .map(|o| o.employed(day) && !o.on_leave(day) && !rng.random_bool(0.02))
                .collect();
            for (c, centre) in CENTRES.iter().enumerate() {
                let scale = plan.scale(c);
                // Morning and afternoon rosters: one official per counter, nobody at two.
                let mut rosters: [HashMap<usize, usize>; 2] = Default::default();
                for roster in rosters.iter_mut() {
                    let mut order: Vec<usize> = (0..centre.counters.len()).collect();
                    for i in (1..order.len()).rev() {
                        order.swap(i, rng.random_range(0..=i));
                    }
                    let mut busy: HashSet<usize> = HashSet::new();
                    for k in order {
                        let cands: Vec<(usize, f64)> = plan
                            .officials
                            .iter()
                            .enumerate()
                            .filter(|(i, o)| o.centre == c && present[*i] && !busy.contains(i))
                            .filter_map(|(i, o)| {
                                o.spec().roster.iter().find(|r| r.0 == k).map(|r| (i, r.1))
                            })
                            .collect();
                        if let Some(j) = weighted(rng, cands.iter().map(|x| x.1)) {
                            busy.insert(cands[j].0);
                            roster.insert(k, cands[j].0);
                        }
                    }
                }
                for (k, (_, weight)) in centre.counters.iter().enumerate() {
                    let counter = plan
                        .counters
                        .iter()
                        .position(|&x| x == (c, k))
                        .expect("every counter is planned");
                    let n = poisson(rng, centre.per_counter_day * weight * load);
                    for _ in 0..n {
                        let second = sample_second_of_day(rng);
                        let half = usize::from(second >= 12 * 3600);
                        let Some(&official) = rosters[half].get(&k) else {
                            continue;
                        };
                        let rated_at = local_instant(day, second);
                        if rated_at > plan.now {
                            continue;
                        }
                        let o = &plan.officials[official];
                        let q = o.spec().quality;
                        let satisfied = q.satisfied + q.trend * (progress - 0.5) + o.jitter[month]
                            - 0.06 * (load - 1.15).max(0.0);
                        out.push(GenRating {
                            counter,
                            official,
                            rated_at,
                            scale,
                            rating: judgement(rng, scale, satisfied.min(0.995), q.very),
                            misuse: None,
                        });
                    }
                }
            }
        }
        day = day + Days::new(1);
    }
    // Misuse: now and then someone presses the screen again and again (about 0.3% of all).
    let incidents = out.len() * 3 / 1000 / 4;
    let mut extra = Vec::new();
    let mut tries = 0;
    while extra.len() < incidents * 4 && !out.is_empty() && tries < 10_000 {
        tries += 1;
        let base = &out[rng.random_range(0..out.len())];
        let Some(local) = to_local(base.rated_at) else {
            continue;
        };
        let sec = local.time().num_seconds_from_midnight();
        // Leave room for the presses before the desk closes.
        if !is_working_time(sec + 600) {
            continue;
        }
        let why = *pick(rng, MISUSE);
        let mut at = base.rated_at;
        for _ in 0..rng.random_range(3..=5) {
            at += rng.random_range(30_000..90_000);
            if at > plan.now {
                break;
            }
            let levels = base.scale.levels();
            let l = levels[rng.random_range(0..levels.len())];
            extra.push(GenRating {
                counter: base.counter,
                official: base.official,
                rated_at: at,
                scale: base.scale,
                rating: ValidRating {
                    headline: l,
                    answers: vec![("attitude".into(), l), ("handling".into(), l)],
                    reasons: Vec::new(),
                    comment: None,
                },
                misuse: Some(why),
            });
        }
    }
    out.extend(extra);
    out.sort_by_key(|r| (r.rated_at, r.counter));
    out
}

// ---------------------------------------------------------------------------------------------
// Loading.

/// Fills an empty database with the demo data set. Refuses a database that holds units.
/// A procedure as the dossier generator needs it.
pub struct DemoProcedure {
    pub code: String,
    pub online: bool,
    pub civil_status: bool,
}

/// A year of dossiers at the commune desks: daily volumes that follow the seasons, an online
/// share growing through the year, most results early, a few late (more for the officials
/// whose ratings are worse too), supplement requests, the last days' dossiers still open.
/// `limit` gives the limit in force for (procedure, unit code, day).
pub fn dossier_rows(
    plan: &Plan,
    rng: &mut impl Rng,
    procedures: &[DemoProcedure],
    limit: &dyn Fn(&str, &str, NaiveDate) -> TimeLimit,
) -> Vec<DossierImportRow> {
    let cal = demo_calendar();
    let now = crate::domain::time::local_naive(plan.now).expect("valid instant");
    let mut rows = Vec::new();
    let mut day = plan.first_day;
    while day <= plan.today {
        if !is_working_day(day) {
            day = day + Days::new(1);
            continue;
        }
        let month = month_index(plan.first_day, day);
        for (c, centre) in CENTRES.iter().enumerate() {
            if centre.unit_code == PROVINCE_CODE {
                continue;
            }
            let staff: Vec<&OfficialPlan> = plan
                .officials
                .iter()
                .filter(|o| o.centre == c && o.employed(day) && !o.on_leave(day))
                .collect();
            let lambda =
                centre.per_counter_day * centre.counters.len() as f64 * 0.55 * day_load(day);
            for _ in 0..poisson(rng, lambda) {
                let second = sample_second_of_day(rng);
                let received = day
                    .and_hms_opt(second / 3600, (second / 60) % 60, second % 60)
                    .expect("valid time");
                if received > now {
                    continue;
                }
                let p = pick(rng, procedures);
                let online_share = 0.2 + 0.35 * month as f64 / 11.0;
                let channel = if p.online && rng.random_bool(online_share) {
                    IntakeChannel::Online
                } else if rng.random_bool(0.02) {
                    IntakeChannel::Post
                } else {
                    IntakeChannel::InPerson
                };
                let official = (!staff.is_empty()).then(|| *pick(rng, &staff));
                let lim = limit(&p.code, centre.unit_code, day);
                let due = cal.due_at(received, lim);
                let supplements = if rng.random_bool(0.005) {
                    2
                } else if rng.random_bool(0.08) {
                    1
                } else {
                    0
                };
                // Officials whose counters rate worse are also the ones who run late.
                let satisfied: f64 = official.map_or(0.9, |o| o.spec().quality.satisfied);
                let late_p = (0.9 - satisfied).clamp(0.003, 0.2) * 0.25;
                let start = cal.clock_start(received);
                let span = cal.working_minutes_between(start, due).max(1);
                let finished = if rng.random_bool(late_p) {
                    cal.add_working_minutes(due, rng.random_range(60..3 * 480))
                } else if rng.random_bool(0.2) {
                    // On the due date, before the due time.
                    due.date()
                        .and_hms_opt(7, 30, 0)
                        .expect("valid")
                        .max(start)
                        .min(due)
                } else {
                    let frac = rng.random_range(0.15..0.9);
                    cal.add_working_minutes(start, ((span as f64) * frac) as i64)
                };
                let (status, finished_at, returned_at) = if finished <= now {
                    let back = cal.add_working_minutes(finished, rng.random_range(10..960));
                    if back <= now {
                        (Status::ResultReturned, Some(finished), Some(back))
                    } else {
                        (Status::ResultReady, Some(finished), None)
                    }
                } else if channel == IntakeChannel::Online
                    && (now - received).num_hours() < 30
                    && rng.random_bool(0.4)
                {
                    (Status::RegisteredOnline, None, None)
                } else if supplements > 0 {
                    (Status::SupplementRequested, None, None)
                } else {
                    (Status::InProgress, None, None)
                };
                let return_method = if p.civil_status && rng.random_bool(0.06) {
                    ReturnMethod::Home
                } else if rng.random_bool(0.05) {
                    ReturnMethod::Post
                } else {
                    ReturnMethod::Desk
                };
                rows.push(DossierImportRow {
                    line: rows.len() as u64 + 2,
                    code: None,
                    unit_code: centre.unit_code.to_string(),
                    procedure_code: p.code.clone(),
                    channel,
                    applicant_name: full_name(rng),
                    received_at: received,
                    due_at: (status != Status::RegisteredOnline).then_some(due),
                    status,
                    finished_at,
                    returned_at,
                    supplement_count: if status == Status::RegisteredOnline {
                        0
                    } else {
                        supplements
                    },
                    return_method,
                    official_code: if status == Status::RegisteredOnline {
                        None
                    } else {
                        official.map(|o| o.code.clone())
                    },
                    // At one of the official's counters, spread as their ballots are; a
                    // sequence rather than a draw, so the rest of the data set stays as it was.
                    counter_code: if status == Status::RegisteredOnline {
                        None
                    } else {
                        let u = (rows.len() as f64 * 0.618_033_988_749_895).fract();
                        official.and_then(|o| o.desk(u))
                    },
                });
            }
        }
        day = day + Days::new(1);
    }
    rows
}

/// Loads the demo's dossiers through the import (one transaction); returns how many.
async fn load_dossiers(store: &Store, plan: &Plan, rng: &mut StdRng) -> anyhow::Result<u64> {
    let page = store
        .procedures_list(&crate::store::procedures::ProcedureFilter {
            per_page: 500,
            ..Default::default()
        })
        .await?;
    let procedures: Vec<DemoProcedure> = page
        .items
        .iter()
        .map(|p| DemoProcedure {
            code: p.code.clone(),
            online: p.online_level != crate::domain::procedure::OnlineLevel::None,
            civil_status: p.field.contains("Hộ tịch"),
        })
        .collect();
    // Limits change on the first of a month in the demo: ask once per procedure, unit and month.
    let mut limits: HashMap<(String, String, NaiveDate), TimeLimit> = HashMap::new();
    for centre in CENTRES.iter().filter(|c| c.unit_code != PROVINCE_CODE) {
        let unit = store
            .unit_by_code(centre.unit_code)
            .await?
            .with_context(|| format!("demo unit {} missing", centre.unit_code))?;
        for p in &page.items {
            let mut m = Month::containing(local_midnight(plan.first_day));
            loop {
                let first = m.first_day();
                if first > plan.today {
                    break;
                }
                let (l, _) = store.effective_limit(p.id, unit.id, first).await?;
                limits.insert((p.code.clone(), centre.unit_code.to_string(), first), l);
                m = m.next();
            }
        }
    }
    let limit = |code: &str, unit: &str, day: NaiveDate| {
        let first = day.with_day(1).expect("first of month");
        limits[&(code.to_string(), unit.to_string(), first)]
    };
    let rows = dossier_rows(plan, rng, &procedures, &limit);
    Ok(store.import_dossiers(&rows).await?.imported)
}

pub async fn load(store: &Store) -> anyhow::Result<DemoSummary> {
    if !store.is_empty().await? {
        anyhow::bail!(
            "Cơ sở dữ liệu đã có dữ liệu: chỉ nạp dữ liệu minh hoạ vào cơ sở dữ liệu trống / \
             the database is not empty: demo data is only loaded into an empty database"
        );
    }
    let started = Instant::now();
    // Argon2 is slow on purpose: hash while the database work goes on.
    let hashing = tokio::task::spawn_blocking(|| crate::domain::password::hash(DEMO_PASSWORD));

    let now = now_ms();
    let mut rng = StdRng::seed_from_u64(SEED);
    let plan = Plan::new(&mut rng, now);
    let generated = generate(&plan, &mut rng);

    // Units.
    let mut sum = DemoSummary {
        units: store.import_units(&unit_rows()?).await?.created,
        ..Default::default()
    };
    let unit_id = |code: &'static str| async move {
        store
            .unit_by_code(code)
            .await?
            .map(|u| u.id)
            .with_context(|| format!("demo unit {code} missing after import"))
    };
    let province = unit_id(PROVINCE_CODE).await?;
    let van_hung = unit_id(VAN_HUNG).await?;

    // Forms: the standard three-level one (the default) and Vạn Hưng's two-level one.
    let standard = store
        .form_create("Phiếu đánh giá tại quầy", &FormDefinition::standard())
        .await?;
    let two_def = FormDefinition {
        scale: Scale::Two,
        ..FormDefinition::standard()
    };
    let two = store
        .form_create("Phiếu đánh giá 2 mức (hài lòng / không hài lòng)", &two_def)
        .await?;
    sum.forms = 2;
    let standard_version = store.form(standard).await?.current_version_id;
    let two_version = store.form(two).await?.current_version_id;

    // Centres, counters and one kiosk per counter (tokens are not kept: administrators
    // register their own devices).
    let mut centre_units = Vec::new();
    let mut counter_ids = Vec::new();
    let mut kiosk_ids = Vec::new();
    for centre in CENTRES {
        let unit = unit_id(centre.unit_code).await?;
        let sc = store
            .service_center_create(unit, centre.name, centre.address)
            .await?;
        sum.service_centers += 1;
        centre_units.push(unit);
        for (k, (name, _)) in centre.counters.iter().enumerate() {
            let form = centre.two_level.then_some(two);
            let id = store
                .counter_create(sc, &counter_code(k), name, form)
                .await?;
            let (kiosk, _token) = store
                .kiosk_register(id, &format!("Màn hình đánh giá – {name}"))
                .await?;
            counter_ids.push(id);
            kiosk_ids.push(kiosk);
        }
    }
    sum.counters = counter_ids.len();
    sum.kiosks = kiosk_ids.len();

    // Officials with generated portraits.
    let mut official_ids = Vec::new();
    for o in &plan.officials {
        let id = store
            .official_create(&OfficialInput {
                unit_id: centre_units[o.centre],
                code: o.code.clone(),
                full_name: o.full_name.clone(),
                title: o.title.into(),
                active: o.active(),
            })
            .await?;
        store
            .official_set_photo(id, initials_svg(&o.full_name).as_bytes(), "image/svg+xml")
            .await?;
        official_ids.push(id);
    }
    sum.officials = official_ids.len();

    // Ratings, oldest first, in one transaction.
    let new_ratings: Vec<NewRating> = generated
        .iter()
        .enumerate()
        .map(|(n, g)| {
            let (centre, _) = plan.counters[g.counter];
            NewRating {
                idempotency_key: format!("demo-{n}"),
                channel: Channel::Kiosk,
                device_id: Some(kiosk_ids[g.counter]),
                counter_id: Some(counter_ids[g.counter]),
                session_id: None,
                official_id: Some(official_ids[g.official]),
                unit_id: centre_units[centre],
                form_version_id: if g.scale == Scale::Two {
                    two_version
                } else {
                    standard_version
                },
                scale: g.scale,
                rating: g.rating.clone(),
                dossier_code: None,
                rated_at: g.rated_at,
                received_at: g.rated_at,
                repeat_window_ms: 0,
            }
        })
        .collect();
    sum.ratings = new_ratings.len();
    let ids = store.ratings_import(&new_ratings).await?;
    let to_flag: Vec<(i64, &str)> = generated
        .iter()
        .zip(&ids)
        .filter_map(|(g, id)| g.misuse.map(|why| (*id, why)))
        .collect();
    for (id, why) in &to_flag {
        store.rating_flag(*id, Some(why), None).await?;
    }
    sum.flagged = to_flag.len();
    sum.first_day = generated
        .first()
        .and_then(|g| to_local(g.rated_at))
        .map(|t| t.date_naive());
    sum.last_day = generated
        .last()
        .and_then(|g| to_local(g.rated_at))
        .map(|t| t.date_naive());

    // Officials at their counters now, so the kiosks show someone.
    for (counter, official) in plan.signed_in_now().into_iter().enumerate() {
        if let Some(o) = official {
            store
                .counter_sign_in(counter_ids[counter], official_ids[o])
                .await?;
            sum.signed_in += 1;
        }
    }

    // Accounts.
    let hash = hashing.await.context("password hashing failed")?;
    let van_hung_official = plan
        .officials
        .iter()
        .position(|o| CENTRES[o.centre].unit_code == VAN_HUNG)
        .context("Vạn Hưng has officials")?;
    let accounts = [
        UserInput {
            username: "admin".into(),
            display_name: "Quản trị hệ thống".into(),
            role: Role::Admin,
            unit_id: None,
            official_id: None,
        },
        UserInput {
            username: "lanhdao".into(),
            display_name: "Trần Trung Thông – Phó Chủ tịch UBND xã Vạn Hưng".into(),
            role: Role::Leader,
            unit_id: Some(van_hung),
            official_id: None,
        },
        UserInput {
            username: "canbo".into(),
            display_name: plan.officials[van_hung_official].full_name.clone(),
            role: Role::Official,
            unit_id: None,
            official_id: Some(official_ids[van_hung_official]),
        },
        UserInput {
            username: "thanhtra".into(),
            display_name: "Đoàn kiểm tra công vụ – Sở Nội vụ tỉnh Khánh Hòa".into(),
            role: Role::Inspector,
            unit_id: Some(province),
            official_id: None,
        },
    ];
    for a in &accounts {
        store.user_create(a, &hash).await?;
    }
    sum.accounts = accounts.len();

    super::demo_procedures::load(store).await?;
    sum.dossiers = load_dossiers(store, &plan, &mut rng).await?;
    store.set_setting("demo", "1").await?;
    store
        .audit(
            None,
            "demo.load",
            &format!("{} ratings, {} officials", sum.ratings, sum.officials),
        )
        .await?;
    sum.elapsed_ms = started.elapsed().as_millis();
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> Millis {
        chrono_tz::Asia::Ho_Chi_Minh
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn all_of_khanh_hoa_is_there() {
        let rows = unit_rows().unwrap();
        assert_eq!(rows.len(), 66);
        assert_eq!(rows[0].level, UnitLevel::Province);
        let codes: HashSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes.len(), 66, "codes are unique");
        assert!(
            rows.iter()
                .any(|r| r.code == VAN_HUNG && r.name == "Xã Vạn Hưng")
        );
        for c in CENTRES {
            assert!(
                codes.contains(c.unit_code),
                "{} is a real unit",
                c.unit_code
            );
        }
    }

    #[test]
    fn the_calendar_knows_weekends_tet_and_make_up_saturdays() {
        assert!(is_working_day(ymd("2026-10-05"))); // Monday
        assert!(!is_working_day(ymd("2026-10-04"))); // Sunday
        assert!(!is_working_day(ymd("2026-02-17"))); // Tết
        assert!(!is_working_day(ymd("2026-09-02"))); // National Day
        assert!(is_working_day(ymd("2026-08-22"))); // make-up Saturday
        assert!(day_load(ymd("2026-02-02")) > day_load(ymd("2026-02-24")));
        assert!(day_load(ymd("2026-10-05")) > day_load(ymd("2026-10-09")));
    }

    #[test]
    fn sampled_times_stay_within_working_hours() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut morning = 0;
        for _ in 0..20_000 {
            let s = sample_second_of_day(&mut rng);
            assert!(is_working_time(s), "{s}");
            morning += usize::from(s < 12 * 3600);
        }
        assert!(morning > 11_000, "mornings are busier: {morning}");
        let t = to_local(local_instant(ymd("2026-10-05"), 7 * 3600)).unwrap();
        assert_eq!(t.format("%Y-%m-%d %H:%M").to_string(), "2026-10-05 07:00");
    }

    #[test]
    fn a_year_of_dossiers_is_believable() {
        let now = at(2026, 11, 20, 10, 15);
        let mut rng = StdRng::seed_from_u64(SEED);
        let plan = Plan::new(&mut rng, now);
        let procedures: Vec<DemoProcedure> = (0..10)
            .map(|i| DemoProcedure {
                code: format!("1.00{i}"),
                online: i % 2 == 0,
                civil_status: i < 4,
            })
            .collect();
        let rows = dossier_rows(&plan, &mut rng, &procedures, &|_, _, _| {
            TimeLimit::WorkingDays(3)
        });
        assert!((8_000..=20_000).contains(&rows.len()), "{}", rows.len());
        let (mut finished, mut late, mut online_first, mut online_last) = (0, 0, 0, 0);
        for r in &rows {
            assert!(is_working_day(r.received_at.date()), "{:?}", r.received_at);
            match r.status {
                Status::RegisteredOnline => {
                    assert!(r.due_at.is_none() && r.official_code.is_none())
                }
                _ => assert!(r.due_at.is_some()),
            }
            if let (Some(f), Some(due)) = (r.finished_at, r.due_at) {
                assert!(f >= r.received_at);
                assert!(r.returned_at.is_none_or(|b| b >= f));
                finished += 1;
                if f.date() > due.date() || r.supplement_count > 1 {
                    late += 1;
                }
            }
            if r.channel == IntakeChannel::Online {
                if r.received_at.date() < ymd("2026-01-01") {
                    online_first += 1;
                } else if r.received_at.date() >= ymd("2026-10-01") {
                    online_last += 1;
                }
            }
        }
        // Most results on time; a few late, as in the seeds (0.4 % at Vạn Hưng in 2020).
        let late_share = late as f64 / finished as f64;
        assert!((0.002..0.05).contains(&late_share), "{late_share}");
        // The online share grows through the year (one month at the start, about 1.7 at the end).
        assert!(online_last > online_first, "{online_first} → {online_last}");
    }

    #[test]
    fn a_year_of_ratings_is_believable() {
        let now = at(2026, 11, 20, 10, 15); // a Friday morning
        let mut rng = StdRng::seed_from_u64(SEED);
        let plan = Plan::new(&mut rng, now);
        let all = generate(&plan, &mut rng);
        assert!((20_000..=45_000).contains(&all.len()), "{}", all.len());
        assert!(all.windows(2).all(|w| w[0].rated_at <= w[1].rated_at));
        assert_eq!(plan.first_day, ymd("2025-12-01"));
        let mut per: HashMap<(usize, Month), (u32, u32)> = HashMap::new();
        for g in &all {
            assert!(g.rated_at <= now);
            let t = to_local(g.rated_at).unwrap();
            assert!(is_working_day(t.date_naive()), "{t}");
            assert!(is_working_time(t.time().num_seconds_from_midnight()), "{t}");
            for (_, l) in &g.rating.answers {
                assert!(g.scale.offers(*l), "{l:?} on {:?}", g.scale);
            }
            assert!(g.rating.reasons.is_empty() || g.rating.answers.iter().any(|a| a.1.is_low()));
            let o = &plan.officials[g.official];
            assert_eq!(plan.counters[g.counter].0, o.centre);
            assert!(o.employed(t.date_naive()));
            if g.misuse.is_none() {
                let e = per
                    .entry((g.official, Month::containing(g.rated_at)))
                    .or_default();
                e.0 += 1;
                e.1 += u32::from(g.rating.headline.is_satisfied());
            }
        }
        let flagged = all.iter().filter(|g| g.misuse.is_some()).count();
        assert!(flagged > 0 && flagged * 100 < all.len(), "{flagged}");
        // October: satisfaction spreads from weak to excellent; everybody has enough ballots.
        let oct = Month::new(2026, 10).unwrap();
        let rates: Vec<f64> = (0..plan.officials.len())
            .filter_map(|i| per.get(&(i, oct)))
            .filter(|(n, _)| *n >= 30)
            .map(|(n, s)| f64::from(*s) / f64::from(*n))
            .collect();
        assert!(rates.len() >= 20, "{}", rates.len());
        assert!(rates.iter().any(|r| *r < 0.80), "{rates:?}");
        assert!(rates.iter().any(|r| *r > 0.95), "{rates:?}");
        let typical = rates.iter().filter(|r| (0.80..=0.98).contains(*r)).count();
        assert!(typical * 10 >= rates.len() * 7, "{rates:?}");
        // The newcomer is greyed this month.
        let newcomer = plan
            .officials
            .iter()
            .position(|o| o.joined.is_some())
            .unwrap();
        let nov = Month::new(2026, 11).unwrap();
        let n = per.get(&(newcomer, nov)).map_or(0, |x| x.0);
        assert!(n < 30, "{n}");
        // Signed in now: one official per counter except the one left empty.
        let signed = plan.signed_in_now();
        assert_eq!(signed.iter().filter(|s| s.is_none()).count(), 1);
        let mut seen = HashSet::new();
        assert!(signed.iter().flatten().all(|o| seen.insert(*o)));
    }
}
