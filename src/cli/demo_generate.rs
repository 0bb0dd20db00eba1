//! `hailong demo generate`: a national data set at any size, as the CSV files `hailong import`
//! reads, for load tests and benchmarks.
//!
//! Every commune gets its counters and officials, a size, a rating scale and a satisfaction
//! level of its own; ratings and dossiers are spread over the working days (with Tết and the
//! seasons of `demo::day_load`) and written in time order. The same seed gives the same bytes:
//! each day is drawn from its own generator, so days can be written by several threads.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use super::demo::{day_load, is_working_day};
use super::import::{self, ImportWhat};

/// `hailong demo generate`: writes units, procedures, officials, counters, ratings and
/// dossiers as CSV files for `hailong import`, optionally loading them.
#[derive(clap::Args, Debug, Clone)]
pub struct GenerateArgs {
    /// Number of ratings to write (exactly).
    #[arg(long)]
    pub ratings: u64,
    /// Number of dossiers to write (exactly).
    #[arg(long)]
    pub dossiers: u64,
    /// Folder for the CSV files (created if missing; files in it are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of the generator: the same seed (and options) gives the same files.
    #[arg(long, default_value_t = 20200701)]
    pub seed: u64,
    /// The national unit list: province_code,province_name,commune_code,commune_name.
    #[arg(long, default_value = "../shared/data/units-2025-07.csv")]
    pub units: PathBuf,
    /// Only the first K provinces of the unit list.
    #[arg(long, value_name = "K")]
    pub provinces: Option<usize>,
    /// At most C communes, shared among the chosen provinces (the first ones of each).
    #[arg(long, value_name = "C")]
    pub communes: Option<usize>,
    /// The day the data set is seen from (default: today in Vietnam); data ends the day before.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    /// Months of data up to --today.
    #[arg(long, default_value_t = 24)]
    pub months: u32,
    /// Also import the files, in order, into the database of --database-url.
    #[arg(long)]
    pub load: bool,
}

pub async fn run(database_url: &str, args: GenerateArgs) -> anyhow::Result<()> {
    let today = args
        .today
        .unwrap_or_else(|| crate::domain::time::local_time(crate::domain::time::now_ms()).date());
    let written = write_set(&args, today)?;
    for f in &written {
        println!("{:<16} {:>11} rows  {:>7.2} s", f.name, f.rows, f.seconds);
    }
    println!(
        "Đã ghi dữ liệu / data set written to {} in {:.2} s (days {} – {})",
        args.out.display(),
        written.iter().map(|f| f.seconds).sum::<f64>(),
        first_day(today, args.months)?,
        today - Days::new(1)
    );
    if args.load {
        load(database_url, &args.out).await?;
    }
    Ok(())
}

/// Imports the files of a generated set in dependency order, timing each.
pub async fn load(database_url: &str, dir: &Path) -> anyhow::Result<()> {
    let file = |name: &str| dir.join(name);
    let steps: Vec<(&str, ImportWhat)> = vec![
        (
            "units",
            ImportWhat::Units {
                file: file(UNITS),
                valid_from: NaiveDate::from_ymd_opt(2025, 7, 1),
            },
        ),
        (
            "procedures",
            ImportWhat::Procedures {
                file: file(PROCEDURES),
            },
        ),
        (
            "officials",
            ImportWhat::Officials {
                file: file(OFFICIALS),
            },
        ),
        (
            "counters",
            ImportWhat::Counters {
                file: file(COUNTERS),
            },
        ),
        (
            "ratings",
            ImportWhat::Ratings {
                file: file(RATINGS),
            },
        ),
        (
            "dossiers",
            ImportWhat::Dossiers {
                file: file(DOSSIERS),
            },
        ),
    ];
    for (name, what) in steps {
        let started = Instant::now();
        import::run(database_url, what)
            .await
            .with_context(|| format!("loading {name}"))?;
        println!(
            "nạp / loaded {name} in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

pub const UNITS: &str = "units.csv";
pub const PROCEDURES: &str = "procedures.csv";
pub const OFFICIALS: &str = "officials.csv";
pub const COUNTERS: &str = "counters.csv";
pub const RATINGS: &str = "ratings.csv";
pub const DOSSIERS: &str = "dossiers.csv";

/// The header the ratings import reads.
pub const RATINGS_HEADER: &str = "key,unit_code,counter_code,official_code,channel,rated_at,scale,level,answers,reasons,comment,dossier_code,flag_reason";
pub const DOSSIERS_HEADER: &str = "code,unit_code,procedure_code,channel,applicant_name,received_at,due_at,status,finished_at,returned_at,supplement_count,return_method,official_code,counter_code";

/// One written file.
#[derive(Debug, Clone)]
pub struct Written {
    pub name: &'static str,
    pub rows: u64,
    pub seconds: f64,
}

fn first_day(today: NaiveDate, months: u32) -> anyhow::Result<NaiveDate> {
    today
        .checked_sub_months(Months::new(months))
        .context("--months goes back before the calendar")
}

/// Writes the six files into `args.out` and says how many rows each has.
pub fn write_set(args: &GenerateArgs, today: NaiveDate) -> anyhow::Result<Vec<Written>> {
    let (header, rows) = read_units(&args.units, args.provinces, args.communes)?;
    if rows.is_empty() {
        bail!("no communes chosen from {}", args.units.display());
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let communes: Vec<Commune> = rows
        .iter()
        .map(|r| Commune::new(args.seed, &r[2], &r[3]))
        .collect();
    let cal = Calendar::new(first_day(today, args.months)?, today, args.seed);
    let procedures = procedures()?;
    let mut out = Vec::new();

    let started = Instant::now();
    let mut w = csv::Writer::from_writer(create(&args.out, UNITS)?);
    w.write_record(&header)?;
    for r in &rows {
        w.write_record(r)?;
    }
    w.flush()?;
    out.push(done(UNITS, rows.len() as u64, started));

    let started = Instant::now();
    let mut f = create(&args.out, PROCEDURES)?;
    f.write_all(super::demo_procedures::CSV.as_bytes())?;
    f.flush()?;
    out.push(done(PROCEDURES, procedures.len() as u64, started));

    let started = Instant::now();
    let mut w = csv::Writer::from_writer(create(&args.out, OFFICIALS)?);
    w.write_record(["unit_code", "code", "full_name", "title"])?;
    let mut n = 0;
    for c in &communes {
        for o in &c.officials {
            w.write_record([c.code.as_str(), &o.code, &o.name, o.title])?;
            n += 1;
        }
    }
    w.flush()?;
    out.push(done(OFFICIALS, n, started));

    let started = Instant::now();
    let mut w = csv::Writer::from_writer(create(&args.out, COUNTERS)?);
    w.write_record(["unit_code", "center_name", "counter_code", "counter_name"])?;
    let mut n = 0;
    for c in &communes {
        let centre = format!("Bộ phận Một cửa {}", lower_first(&c.name));
        for (i, name) in COUNTER_NAMES.iter().take(c.counters).enumerate() {
            w.write_record([c.code.as_str(), &centre, &format!("Q{}", i + 1), name])?;
            n += 1;
        }
    }
    w.flush()?;
    out.push(done(COUNTERS, n, started));

    let world = World {
        seed: args.seed,
        communes: &communes,
        rating_pick: Cumulative::new(communes.iter().map(|c| c.weight)),
        dossier_pick: Cumulative::new(communes.iter().map(|c| c.weight * c.dossier_factor)),
        cal: &cal,
        procedures: &procedures,
        proc_all: Cumulative::new(procedures.iter().map(|p| p.weight)),
        proc_online: Cumulative::new(
            procedures
                .iter()
                .map(|p| if p.online { p.weight } else { 0.0 }),
        ),
    };

    let started = Instant::now();
    let counts = allocate(args.ratings, &cal.rating_weights)?;
    let mut f = create(&args.out, RATINGS)?;
    f.write_all(RATINGS_HEADER.as_bytes())?;
    f.write_all(b"\n")?;
    write_days(&mut f, &counts, |d, first, n, buf| {
        world.ratings_day(d, first, n, buf)
    })?;
    f.flush()?;
    out.push(done(RATINGS, args.ratings, started));

    let started = Instant::now();
    let counts = allocate(args.dossiers, &cal.dossier_weights)?;
    let mut f = create(&args.out, DOSSIERS)?;
    f.write_all(DOSSIERS_HEADER.as_bytes())?;
    f.write_all(b"\n")?;
    write_days(&mut f, &counts, |d, _, n, buf| {
        world.dossiers_day(d, n, buf)
    })?;
    f.flush()?;
    out.push(done(DOSSIERS, args.dossiers, started));
    Ok(out)
}

fn create(dir: &Path, name: &str) -> anyhow::Result<BufWriter<File>> {
    let path = dir.join(name);
    let f = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 22, f))
}

fn done(name: &'static str, rows: u64, started: Instant) -> Written {
    Written {
        name,
        rows,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// The header and the chosen rows (province code, province name, commune code, commune name).
fn read_units(
    path: &Path,
    provinces: Option<usize>,
    communes: Option<usize>,
) -> anyhow::Result<(Vec<String>, Vec<[String; 4]>)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut rdr = csv::Reader::from_reader(bytes);
    let header: Vec<String> = rdr.headers()?.iter().map(str::to_string).collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .with_context(|| format!("{}: no column {name}", path.display()))
    };
    let cols = [
        col("province_code")?,
        col("province_name")?,
        col("commune_code")?,
        col("commune_name")?,
    ];
    let mut all: Vec<[String; 4]> = Vec::new();
    let mut province_rows: Vec<(String, usize)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec?;
        let cell = |i: usize| rec.get(cols[i]).unwrap_or("").trim().to_string();
        let row = [cell(0), cell(1), cell(2), cell(3)];
        if row[2].is_empty() {
            continue;
        }
        match province_rows.iter().position(|(p, _)| *p == row[0]) {
            Some(i) => province_rows[i].1 += 1,
            None if provinces.is_some_and(|k| province_rows.len() >= k) => continue,
            None => province_rows.push((row[0].clone(), 1)),
        }
        all.push(row);
    }
    // A commune limit is shared among the provinces, so that each of them has communes.
    let mut quota: Vec<usize> = province_rows.iter().map(|(_, n)| *n).collect();
    if let Some(c) = communes {
        let mut left = c;
        let mut share = vec![0; quota.len()];
        while left > 0 && share.iter().zip(&quota).any(|(s, q)| s < q) {
            for (s, q) in share.iter_mut().zip(&quota) {
                if left > 0 && *s < *q {
                    *s += 1;
                    left -= 1;
                }
            }
        }
        quota = share;
    }
    let mut rows = Vec::new();
    for row in all {
        let p = province_rows
            .iter()
            .position(|(p, _)| *p == row[0])
            .expect("listed above");
        if quota[p] > 0 {
            quota[p] -= 1;
            rows.push(row);
        }
    }
    // The output keeps the four columns in the order the import documents.
    let header = [
        "province_code",
        "province_name",
        "commune_code",
        "commune_name",
    ]
    .map(str::to_string)
    .to_vec();
    Ok((header, rows))
}

/// "Xã Vạn Hưng" → "xã Vạn Hưng", as a unit is named inside a sentence.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// A small, fast generator of our own (xoshiro256++ seeded by SplitMix64), so that the bytes do
// not depend on the rand crate's version or features.

#[derive(Clone)]
struct Rng([u64; 4]);

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    fn new(parts: &[u64]) -> Rng {
        let mut x = 0x0068_6169_6C6F_6E67_u64; // "hailong"
        for p in parts {
            x ^= *p;
            splitmix(&mut x);
        }
        Rng([
            splitmix(&mut x),
            splitmix(&mut x),
            splitmix(&mut x),
            splitmix(&mut x),
        ])
    }

    fn next(&mut self) -> u64 {
        let s = &mut self.0;
        let r = (s[0].wrapping_add(s[3])).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        r
    }

    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n (n > 0); the multiply-shift bias is far below what matters here.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    fn normal(&mut self) -> f64 {
        let u1 = self.f64().max(1e-12);
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn hash_str(s: &str) -> u64 {
    let mut h = 0xCBF2_9CE4_8422_2325u64;
    for b in s.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
    }
    h
}

/// Cumulative weights for drawing an index in proportion to its weight.
struct Cumulative(Vec<f64>);

impl Cumulative {
    fn new(weights: impl Iterator<Item = f64>) -> Cumulative {
        let mut sum = 0.0;
        Cumulative(
            weights
                .map(|w| {
                    sum += w.max(0.0);
                    sum
                })
                .collect(),
        )
    }

    fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.0.last().copied().unwrap_or(0.0);
        let x = rng.f64() * total;
        self.0.partition_point(|c| *c <= x).min(self.0.len() - 1)
    }
}

/// Splits `total` in proportion to `weights`, exactly (largest remainders get the rest).
fn allocate(total: u64, weights: &[f64]) -> anyhow::Result<Vec<u64>> {
    let sum: f64 = weights.iter().sum();
    if total == 0 {
        return Ok(vec![0; weights.len()]);
    }
    if sum <= 0.0 {
        bail!("no working days in the chosen period");
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut counts: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let given: u64 = counts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|a, b| {
        let fa = exact[*a] - exact[*a].floor();
        let fb = exact[*b] - exact[*b].floor();
        fb.total_cmp(&fa).then(a.cmp(b))
    });
    // Rounding can make `given` exceed `total` by a hair in theory; take it back from the end.
    if given <= total {
        for i in order.iter().cycle().take((total - given) as usize) {
            counts[*i] += 1;
        }
    } else {
        let mut extra = given - total;
        for i in order.iter().rev().cycle() {
            if extra == 0 {
                break;
            }
            if counts[*i] > 0 {
                counts[*i] -= 1;
                extra -= 1;
            }
        }
    }
    Ok(counts)
}

// ---------------------------------------------------------------------------------------------
// The calendar: which days have ratings and dossiers, and how many.

/// Half-hour slots (start, seconds after midnight) of the desk's day with their relative load;
/// the first eight are the morning (Saturdays only have those).
const SLOTS: [(u32, f64); 15] = [
    (7 * 3600 + 1800, 0.8),
    (8 * 3600, 1.3),
    (8 * 3600 + 1800, 1.6),
    (9 * 3600, 1.6),
    (9 * 3600 + 1800, 1.4),
    (10 * 3600, 1.2),
    (10 * 3600 + 1800, 1.0),
    (11 * 3600, 0.6),
    (13 * 3600 + 1800, 0.5),
    (14 * 3600, 0.9),
    (14 * 3600 + 1800, 1.0),
    (15 * 3600, 1.0),
    (15 * 3600 + 1800, 0.9),
    (16 * 3600, 0.7),
    (16 * 3600 + 1800, 0.4),
];
const MORNING_SLOTS: usize = 8;
const CLOSING: u32 = 17 * 3600;

/// Public holidays, for the Saturday mornings some desks open (weekdays use `is_working_day`).
fn holidays() -> HashSet<NaiveDate> {
    include_str!("../../data/vn-holidays-2018-2030.csv")
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .filter_map(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .collect()
}

struct Day {
    /// "YYYY-MM-DD " as written before a time.
    text: [u8; 11],
    /// "yyMMdd" of the dossier codes.
    short: [u8; 6],
    /// Only the morning slots (an ordinary Saturday).
    morning_only: bool,
    /// Index among the working days (None on Saturday mornings).
    work_index: Option<usize>,
}

struct Calendar {
    days: Vec<Day>,
    rating_weights: Vec<f64>,
    dossier_weights: Vec<f64>,
    /// Index into `days` of each working day, in order.
    working: Vec<usize>,
}

impl Calendar {
    /// Days from `first` to the day before `today`.
    fn new(first: NaiveDate, today: NaiveDate, seed: u64) -> Calendar {
        let holidays = holidays();
        let total = (today - first).num_days().max(1) as f64;
        let mut cal = Calendar {
            days: Vec::new(),
            rating_weights: Vec::new(),
            dossier_weights: Vec::new(),
            working: Vec::new(),
        };
        let mut d = first;
        while d < today {
            let working = is_working_day(d);
            let saturday = !working && d.weekday() == Weekday::Sat && !holidays.contains(&d);
            if working || saturday {
                let mut rng = Rng::new(&[seed, 0xDA7, d.num_days_from_ce() as u64]);
                // More kiosk use as the months go by, and days unlike each other.
                let t = (d - first).num_days() as f64 / total;
                let base = day_load(d) * rng.range(0.85, 1.15);
                let (rating, dossier) = if working {
                    (base * (0.85 + 0.3 * t), base)
                } else {
                    (base * 0.12, 0.0)
                };
                let mut text = [0u8; 11];
                text.copy_from_slice(format!("{} ", d.format("%Y-%m-%d")).as_bytes());
                let mut short = [0u8; 6];
                short.copy_from_slice(d.format("%y%m%d").to_string().as_bytes());
                let work_index = working.then(|| {
                    cal.working.push(cal.days.len());
                    cal.working.len() - 1
                });
                cal.days.push(Day {
                    text,
                    short,
                    morning_only: !working,
                    work_index,
                });
                cal.rating_weights.push(rating);
                cal.dossier_weights.push(dossier);
            }
            d = d + Days::new(1);
        }
        cal
    }

    /// A second of the day in office hours, following the day's load curve.
    fn second(&self, rng: &mut Rng, day: usize) -> u32 {
        let slots = if self.days[day].morning_only {
            &SLOTS[..MORNING_SLOTS]
        } else {
            &SLOTS[..]
        };
        let total: f64 = slots.iter().map(|s| s.1).sum();
        let mut x = rng.f64() * total;
        for (start, w) in slots {
            if x < *w {
                return start + rng.below(1800) as u32;
            }
            x -= w;
        }
        slots[slots.len() - 1].0 + rng.below(1800) as u32
    }

    /// An office-hours second in `from..CLOSING` (None when the day is nearly over).
    fn second_after(&self, rng: &mut Rng, from: u32) -> Option<u32> {
        // Lunch is skipped by moving into the afternoon.
        let from = if (11 * 3600 + 1800..13 * 3600 + 1800).contains(&from) {
            13 * 3600 + 1800
        } else {
            from
        };
        (from + 600 < CLOSING).then(|| {
            let s = from + 300 + rng.below((CLOSING - from - 300) as usize) as u32;
            if (11 * 3600 + 1800..13 * 3600 + 1800).contains(&s) {
                s + 2 * 3600
            } else {
                s
            }
            .min(CLOSING - 1)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Communes, their desks and officials.

const COUNTER_NAMES: [&str; 4] = [
    "Quầy Tư pháp – Hộ tịch",
    "Quầy Đất đai – Xây dựng",
    "Quầy Văn hóa – Xã hội",
    "Quầy Công an – Cư trú",
];
/// The title of an official whose first counter is this one.
const TITLES: [&str; 4] = [
    "Công chức Tư pháp – Hộ tịch",
    "Công chức Địa chính – Xây dựng",
    "Công chức Văn hóa – Xã hội",
    "Cán bộ Công an tiếp nhận hồ sơ cư trú",
];
const OTHER_TITLES: [&str; 2] = [
    "Công chức Văn phòng – Thống kê",
    "Viên chức Trung tâm Phục vụ hành chính công",
];

const FAMILY: [(&str, f64); 16] = [
    ("Nguyễn", 31.0),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("Hoàng", 4.0),
    ("Huỳnh", 4.0),
    ("Phan", 4.5),
    ("Vũ", 3.5),
    ("Võ", 4.0),
    ("Đặng", 2.0),
    ("Bùi", 2.0),
    ("Đỗ", 2.0),
    ("Hồ", 1.5),
    ("Ngô", 1.5),
    ("Dương", 1.0),
    ("Lý", 0.5),
];
const MIDDLE_MALE: [&str; 9] = [
    "Văn", "Văn", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Công",
];
const MIDDLE_FEMALE: [&str; 8] = [
    "Thị",
    "Thị",
    "Thị",
    "Thu",
    "Ngọc",
    "Thanh",
    "Minh",
    "Thị Thu",
];
const GIVEN_MALE: [&str; 24] = [
    "Hùng", "Dũng", "Tuấn", "Phong", "Long", "Quang", "Sơn", "Hải", "Nam", "Khoa", "Bảo", "Hiếu",
    "Thắng", "Tài", "Lộc", "Vinh", "Toàn", "Nhân", "Phúc", "Khánh", "Tâm", "Trí", "Đạt", "Cường",
];
const GIVEN_FEMALE: [&str; 24] = [
    "Lan", "Hương", "Hoa", "Mai", "Trang", "Linh", "Thảo", "Ngân", "Hằng", "Vy", "Nhung", "Yến",
    "Dung", "Phương", "Hạnh", "Loan", "Diễm", "Thủy", "Hà", "Nga", "Oanh", "Quyên", "Huyền", "Nhi",
];

fn full_name(rng: &mut Rng) -> String {
    let mut b = Vec::with_capacity(32);
    push_name(&mut b, rng);
    String::from_utf8(b).expect("names are UTF-8")
}

/// Family, middle and given name, written straight into the row (no allocation per dossier).
fn push_name(buf: &mut Vec<u8>, rng: &mut Rng) {
    let mut x = rng.f64() * FAMILY.iter().map(|f| f.1).sum::<f64>();
    let mut family = FAMILY[0].0;
    for (f, w) in FAMILY {
        if x < w {
            family = f;
            break;
        }
        x -= w;
    }
    let (middle, given) = if rng.chance(0.52) {
        (rng.pick(&MIDDLE_FEMALE), rng.pick(&GIVEN_FEMALE))
    } else {
        (rng.pick(&MIDDLE_MALE), rng.pick(&GIVEN_MALE))
    };
    for (i, part) in [family, middle, given].into_iter().enumerate() {
        if i > 0 {
            buf.push(b' ');
        }
        buf.extend_from_slice(part.as_bytes());
    }
}

struct Official {
    code: String,
    name: String,
    title: &'static str,
    /// "unit,Qk,official," for each of the official's counters (one or two).
    prefixes: Vec<Vec<u8>>,
    /// "Qk" of each of them, where the official receives dossiers.
    desks: Vec<String>,
    /// Share of citizens satisfied or better.
    satisfied: f64,
}

struct Commune {
    code: String,
    name: String,
    /// Relative volume of ratings.
    weight: f64,
    /// Dossiers per rating, relative (some communes rate more of their dossiers).
    dossier_factor: f64,
    /// 2, 3 or 5 levels.
    scale: u8,
    /// Share of "very satisfied" among the satisfied.
    very: f64,
    qr: f64,
    online: f64,
    late: f64,
    counters: usize,
    officials: Vec<Official>,
    pick_official: Cumulative,
}

impl Commune {
    /// Drawn from the seed and the commune's code only, so a smaller map keeps its communes.
    fn new(seed: u64, code: &str, name: &str) -> Commune {
        let mut rng = Rng::new(&[seed, 0xC0, hash_str(code)]);
        let ward = name.starts_with("Phường");
        let weight = (0.55 * rng.normal()).exp() * if ward { 1.7 } else { 1.0 };
        let counters = 2 + usize::from(weight > 0.9) + usize::from(weight > 1.7);
        let n_officials = (counters + 1 + rng.below(2)).clamp(3, 6);
        let scale = match rng.f64() {
            x if x < 0.05 => 2,
            x if x < 0.20 => 5,
            _ => 3,
        };
        // Most communes between 85 and 99 % satisfied, a few poor ones.
        let base = if rng.chance(0.06) {
            rng.range(0.62, 0.82)
        } else {
            rng.range(0.86, 0.99)
        };
        let mut officials = Vec::with_capacity(n_officials);
        let mut weights = Vec::with_capacity(n_officials);
        for i in 0..n_officials {
            // Every counter has someone; some officials also stand in at a second one.
            let first = i % counters;
            let mut theirs = vec![first];
            if i + n_officials < counters {
                theirs.push(i + n_officials);
            } else if counters > 1 && rng.chance(0.3) {
                theirs.push((first + 1 + rng.below(counters - 1)) % counters);
            }
            let satisfied = match rng.f64() {
                x if x < 0.08 => base - rng.range(0.08, 0.25),
                x if x < 0.13 => base + 0.05,
                _ => base + rng.range(-0.03, 0.03),
            }
            .clamp(0.3, 0.995);
            let ocode = format!("CB-{code}-{}", i + 1);
            let prefixes = theirs
                .iter()
                .map(|q| format!("{code},Q{},{ocode},", q + 1).into_bytes())
                .collect();
            let title = if i < counters {
                TITLES[first]
            } else {
                *rng.pick(&OTHER_TITLES)
            };
            officials.push(Official {
                desks: theirs.iter().map(|q| format!("Q{}", q + 1)).collect(),
                code: ocode,
                name: full_name(&mut rng),
                title,
                prefixes,
                satisfied,
            });
            weights.push(rng.range(0.5, 1.5));
        }
        Commune {
            code: code.to_string(),
            name: name.to_string(),
            weight,
            dossier_factor: rng.range(0.7, 1.4),
            scale,
            very: rng.range(0.45, 0.85),
            qr: rng.range(0.05, 0.25),
            online: rng.range(0.10, 0.70),
            late: if rng.chance(0.1) {
                rng.range(0.06, 0.15)
            } else {
                rng.range(0.005, 0.04)
            },
            counters,
            officials,
            pick_official: Cumulative::new(weights.into_iter()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Procedures of the demo catalogue, with how often a commune desk sees them.

struct Procedure {
    code: String,
    online: bool,
    /// The legal limit in working days (calendar days counted five in seven).
    working_days: usize,
    weight: f64,
}

/// Relative frequency at a commune desk: copies certified and births first, land rarely.
fn procedure_weight(code: &str) -> f64 {
    match code {
        "2.000815" => 30.0,
        "1.001193" => 10.0,
        "2.000884" => 8.0,
        "1.004873" => 6.0,
        "1.000894" | "2.000635" | "1.004222" | "1.004194" => 4.0,
        "1.000656" | "2.001035" => 3.0,
        "1.013978" => 2.0,
        "1.003197" | "1.001612" => 1.5,
        "2.000908" | "1.002755" | "1.010028" | "1.010038" => 1.0,
        "1.004884" | "1.003677" => 0.8,
        "1.001022" | "1.000689" | "2.000942" | "1.001699" | "1.001570" => 0.5,
        "1.001266" => 0.4,
        "2.001019" | "1.013967" => 0.3,
        "1.004837" | "1.005461" => 0.2,
        "1.004845" => 0.1,
        "2.001263" => 0.05,
        _ => 1.0,
    }
}

/// The commune-level procedures of the demo catalogue.
fn procedures() -> anyhow::Result<Vec<Procedure>> {
    let mut rdr = csv::Reader::from_reader(super::demo_procedures::CSV.as_bytes());
    let h = rdr.headers()?.clone();
    let col = |n: &str| {
        h.iter()
            .position(|x| x == n)
            .with_context(|| format!("demo catalogue has no column {n}"))
    };
    let (code, level, kind, value, online) = (
        col("code")?,
        col("level")?,
        col("limit_kind")?,
        col("limit_value")?,
        col("online_level")?,
    );
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec?;
        if &rec[level] != "commune" {
            continue;
        }
        let v: usize = rec[value].parse().context("demo catalogue limit_value")?;
        let working_days = match &rec[kind] {
            "working_hours" => v.div_ceil(8),
            "calendar_days" => v * 5 / 7,
            _ => v,
        }
        .max(1);
        out.push(Procedure {
            code: rec[code].to_string(),
            online: matches!(&rec[online], "full" | "partial"),
            working_days,
            weight: procedure_weight(&rec[code]),
        });
    }
    if out.is_empty() {
        bail!("the demo catalogue has no commune-level procedure");
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Rows.

const MISUSE: [&str; 3] = [
    "Bấm thử",
    "Trẻ em bấm nghịch màn hình",
    "Cán bộ bấm thử khi kiểm tra thiết bị",
];
/// Comments, already quoted for CSV (they hold commas).
const COMPLAINTS: [&str; 5] = [
    "\"Phải chờ gần một tiếng mới đến lượt.\"",
    "\"Hướng dẫn chưa rõ, phải đi lại hai lần để bổ sung giấy tờ.\"",
    "\"Cán bộ trả lời cộc lốc, thiếu nhiệt tình.\"",
    "\"Sáng thứ Hai đông quá, nên bố trí thêm người tiếp nhận.\"",
    "\"Cán bộ vắng quầy, phải ngồi chờ lâu.\"",
];
const PRAISE: [&str; 4] = [
    "\"Cán bộ hướng dẫn tận tình, chu đáo.\"",
    "\"Giải quyết nhanh, đúng hẹn. Cảm ơn cán bộ!\"",
    "\"Thái độ vui vẻ, nhiệt tình.\"",
    "\"Thủ tục nhanh gọn hơn trước nhiều.\"",
];
/// Reason keys of the standard form with their weight when the attitude (first) or only the
/// handling (second) disappointed.
const REASONS: [(&str, f64, f64); 3] = [
    ("impolite", 4.0, 0.5),
    ("unclear", 3.0, 2.5),
    ("waiting", 2.0, 3.5),
];
/// Between several reasons in one cell.
const REASON_SEPARATOR: u8 = b'|';

/// A level on the scale for someone satisfied with probability `satisfied`.
fn draw_level(rng: &mut Rng, scale: u8, satisfied: f64, very: f64) -> u8 {
    if rng.chance(satisfied) {
        if scale != 2 && rng.chance(very) { 5 } else { 4 }
    } else if scale == 5 {
        match rng.f64() {
            x if x < 0.55 => 3,
            x if x < 0.90 => 2,
            _ => 1,
        }
    } else {
        2
    }
}

fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

fn push_2(buf: &mut Vec<u8>, n: u32) {
    buf.push(b'0' + (n / 10) as u8);
    buf.push(b'0' + (n % 10) as u8);
}

/// "YYYY-MM-DD HH:MM:SS".
fn push_time(buf: &mut Vec<u8>, day: &Day, second: u32) {
    buf.extend_from_slice(&day.text);
    push_2(buf, second / 3600);
    buf.push(b':');
    push_2(buf, second / 60 % 60);
    buf.push(b':');
    push_2(buf, second % 60);
}

/// A number padded to four digits at least, as in the intake's dossier codes.
fn push_seq(buf: &mut Vec<u8>, n: u64) {
    for p in [1000, 100, 10] {
        if n < p {
            buf.push(b'0');
        }
    }
    push_u64(buf, n);
}

struct World<'a> {
    seed: u64,
    communes: &'a [Commune],
    rating_pick: Cumulative,
    dossier_pick: Cumulative,
    cal: &'a Calendar,
    procedures: &'a [Procedure],
    proc_all: Cumulative,
    proc_online: Cumulative,
}

impl World<'_> {
    /// Sorted seconds of `n` events on a day.
    fn seconds(&self, rng: &mut Rng, day: usize, n: u64) -> Vec<u32> {
        let mut s: Vec<u32> = (0..n).map(|_| self.cal.second(rng, day)).collect();
        s.sort_unstable();
        s
    }

    /// The `n` ratings of day `d`, keys numbered from `first`.
    fn ratings_day(&self, d: usize, first: u64, n: u64, buf: &mut Vec<u8>) {
        let mut rng = Rng::new(&[self.seed, 0xA7, d as u64]);
        let day = &self.cal.days[d];
        let mut key_prefix = b"gen-".to_vec();
        push_u64(&mut key_prefix, self.seed);
        key_prefix.push(b'-');
        for (i, second) in self.seconds(&mut rng, d, n).into_iter().enumerate() {
            let c = &self.communes[self.rating_pick.draw(&mut rng)];
            let o = &c.officials[c.pick_official.draw(&mut rng)];
            // Mostly at their first counter.
            let prefix = if o.prefixes.len() > 1 && rng.chance(0.3) {
                &o.prefixes[1]
            } else {
                &o.prefixes[0]
            };
            buf.extend_from_slice(&key_prefix);
            push_u64(buf, first + i as u64);
            buf.push(b',');
            buf.extend_from_slice(prefix);
            buf.extend_from_slice(if rng.chance(c.qr) { b"qr," } else { b"kiosk," });
            push_time(buf, day, second);
            buf.push(b',');
            buf.push(b'0' + c.scale);
            buf.push(b',');
            let flagged = rng.chance(0.002);
            let level = if flagged {
                // Button mashing: any level of the scale.
                draw_level(&mut rng, c.scale, 0.5, 0.5)
            } else {
                draw_level(&mut rng, c.scale, o.satisfied, c.very)
            };
            buf.push(b'0' + level);
            buf.push(b',');
            // The headline question (attitude) is the rating's level.
            let mut handling_low = false;
            if rng.chance(0.2) {
                let handling = if rng.chance(0.7) {
                    level
                } else {
                    draw_level(&mut rng, c.scale, o.satisfied - 0.03, c.very - 0.05)
                };
                handling_low = handling <= 3;
                buf.extend_from_slice(b"attitude=");
                buf.push(b'0' + level);
                buf.extend_from_slice(b";handling=");
                buf.push(b'0' + handling);
            }
            buf.push(b',');
            let low = level <= 3;
            if (low || handling_low) && !flagged && rng.chance(0.5) {
                let pick = |rng: &mut Rng| {
                    let w = |r: &(&str, f64, f64)| if low { r.1 } else { r.2 };
                    let mut x = rng.f64() * REASONS.iter().map(w).sum::<f64>();
                    for (j, r) in REASONS.iter().enumerate() {
                        if x < w(r) {
                            return j;
                        }
                        x -= w(r);
                    }
                    REASONS.len() - 1
                };
                let a = pick(&mut rng);
                buf.extend_from_slice(REASONS[a].0.as_bytes());
                if rng.chance(0.2) {
                    let b = pick(&mut rng);
                    if b != a {
                        buf.push(REASON_SEPARATOR);
                        buf.extend_from_slice(REASONS[b].0.as_bytes());
                    }
                }
            }
            buf.push(b',');
            if !flagged {
                if low && rng.chance(0.04) {
                    buf.extend_from_slice(rng.pick(&COMPLAINTS).as_bytes());
                } else if !low && rng.chance(0.003) {
                    buf.extend_from_slice(rng.pick(&PRAISE).as_bytes());
                }
            }
            // No dossier code: these ratings come from the counter, not from a receipt.
            buf.extend_from_slice(b",,");
            if flagged {
                buf.extend_from_slice(rng.pick(&MISUSE).as_bytes());
            }
            buf.push(b'\n');
        }
    }

    /// The working day `k` working days after working day `w`, if it is before today.
    fn workday_after(&self, w: usize, k: usize) -> Option<&Day> {
        self.cal.working.get(w + k).map(|d| &self.cal.days[*d])
    }

    /// The `n` dossiers received on day `d` (a working day).
    fn dossiers_day(&self, d: usize, n: u64, buf: &mut Vec<u8>) {
        let mut rng = Rng::new(&[self.seed, 0xD0, d as u64]);
        let day = &self.cal.days[d];
        let Some(w) = day.work_index else {
            return;
        };
        let last = self.cal.working.len();
        // Per-commune sequence of the day, as the desk numbers its receipts.
        let mut seq: Vec<u64> = vec![0; self.communes.len()];
        for second in self.seconds(&mut rng, d, n) {
            let ci = self.dossier_pick.draw(&mut rng);
            let c = &self.communes[ci];
            seq[ci] += 1;
            let online = rng.chance(c.online);
            let p = &self.procedures[if online {
                self.proc_online.draw(&mut rng)
            } else {
                self.proc_all.draw(&mut rng)
            }];
            let channel: &[u8] = if online {
                b"online"
            } else if rng.chance(0.03) {
                b"post"
            } else {
                b"in_person"
            };
            let official = &c.officials[c.pick_official.draw(&mut rng)];
            let supplements: u64 = match rng.f64() {
                x if x < 0.08 => 1,
                x if x < 0.09 => 2,
                _ => 0,
            };
            let late = rng.chance(c.late) || (supplements > 1 && rng.chance(0.5));
            let limit = p.working_days;
            // Working days from receipt to result: early mostly, late by up to three weeks.
            let k = if late {
                limit + 1 + rng.below(15)
            } else if limit <= 1 {
                0
            } else {
                rng.below(limit).min(rng.below(limit))
            };
            let finished = if k == 0 {
                match self.cal.second_after(&mut rng, second) {
                    Some(s) => self.workday_after(w, 0).map(|dd| (w, dd, s)),
                    // Received near closing: ready early next morning, still within the day.
                    None => self
                        .workday_after(w, 1)
                        .map(|dd| (w + 1, dd, 7 * 3600 + 1800 + rng.below(1800) as u32)),
                }
            } else {
                self.workday_after(w, k).map(|dd| {
                    (
                        w + k,
                        dd,
                        self.cal.second(&mut rng, self.cal.working[w + k]),
                    )
                })
            };
            let status: u8 = match (rng.f64(), finished) {
                (x, _) if x < 0.003 => 3, // refused
                (x, _) if x < 0.008 => 7, // withdrawn
                (_, Some(_)) => 10,
                (_, None) if online && w + 2 >= last && rng.chance(0.25) => 1,
                (_, None) if supplements > 0 && rng.chance(0.6) => 5,
                (_, None) if w + 2 >= last && rng.chance(0.3) => 2,
                (_, None) => 4,
            };
            // Collected the same day or within a week; some results still wait at the desk.
            let returned = match (status, finished) {
                (10, Some((fw, fday, fs))) if rng.chance(0.985) => {
                    if rng.chance(0.5)
                        && let Some(s) = self.cal.second_after(&mut rng, fs)
                    {
                        Some((fday, s))
                    } else {
                        let r = 1 + rng.below(5);
                        self.workday_after(fw, r)
                            .map(|dd| (dd, self.cal.second(&mut rng, self.cal.working[fw + r])))
                    }
                }
                _ => None,
            };
            let status = if status == 10 && returned.is_none() {
                9
            } else {
                status
            };

            buf.extend_from_slice(c.code.as_bytes());
            buf.push(b'-');
            buf.extend_from_slice(&day.short);
            buf.push(b'-');
            push_seq(buf, seq[ci]);
            buf.push(b',');
            buf.extend_from_slice(c.code.as_bytes());
            buf.push(b',');
            buf.extend_from_slice(p.code.as_bytes());
            buf.push(b',');
            buf.extend_from_slice(channel);
            buf.push(b',');
            push_name(buf, &mut rng);
            buf.push(b',');
            push_time(buf, day, second);
            // due_at is left to the import (limit in force and the unit's calendar).
            buf.extend_from_slice(b",,");
            push_u64(buf, u64::from(status));
            buf.push(b',');
            if let (9 | 10, Some((_, fday, fs))) = (status, finished) {
                push_time(buf, fday, fs);
            }
            buf.push(b',');
            if let Some((rday, rs)) = returned {
                push_time(buf, rday, rs);
            }
            buf.push(b',');
            let supplements = match status {
                5 => supplements.max(1),
                1 => 0,
                _ => supplements,
            };
            push_u64(buf, supplements);
            buf.push(b',');
            buf.extend_from_slice(match (online, rng.f64()) {
                (true, x) if x < 0.35 => b"post",
                (_, x) if x < 0.06 => b"post",
                (_, x) if x > 0.97 => b"home",
                _ => b"desk",
            });
            buf.push(b',');
            // A registration not yet received has had no official, nor a counter.
            if status != 1 {
                buf.extend_from_slice(official.code.as_bytes());
                buf.push(b',');
                // Mostly at their first counter, as their ballots.
                let desk = if official.desks.len() > 1 && rng.chance(0.3) {
                    &official.desks[1]
                } else {
                    &official.desks[0]
                };
                buf.extend_from_slice(desk.as_bytes());
            } else {
                buf.push(b',');
            }
            buf.push(b'\n');
        }
    }
}

/// Writes the rows of each day in day order; days are generated on all cores, each from its
/// own generator, so the bytes do not depend on the number of threads.
fn write_days(
    out: &mut impl Write,
    counts: &[u64],
    day: impl Fn(usize, u64, u64, &mut Vec<u8>) + Sync,
) -> anyhow::Result<()> {
    let firsts: Vec<u64> = counts
        .iter()
        .scan(1u64, |next, n| {
            let first = *next;
            *next += n;
            Some(first)
        })
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<u8>)>(threads * 2);
    std::thread::scope(|s| -> anyhow::Result<()> {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, day, firsts) = (&next, &day, &firsts);
            s.spawn(move || {
                loop {
                    let d = next.fetch_add(1, Ordering::Relaxed);
                    if d >= counts.len() {
                        break;
                    }
                    let mut buf = Vec::with_capacity(counts[d] as usize * 128);
                    day(d, firsts[d], counts[d], &mut buf);
                    if tx.send((d, buf)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Days finish out of order; keep the early finishers until their turn.
        let mut pending = BTreeMap::new();
        let mut want = 0;
        for (d, buf) in rx {
            pending.insert(d, buf);
            while let Some(buf) = pending.remove(&want) {
                out.write_all(&buf)?;
                want += 1;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_exact_and_proportional() {
        let c = allocate(1000, &[1.0, 2.0, 0.0, 1.0]).unwrap();
        assert_eq!(c, vec![250, 500, 0, 250]);
        let c = allocate(7, &[1.0, 1.0, 1.0]).unwrap();
        assert_eq!(c.iter().sum::<u64>(), 7);
        assert!(c.iter().all(|n| (2..=3).contains(n)));
        assert!(allocate(5, &[0.0]).is_err());
        assert_eq!(allocate(0, &[]).unwrap(), Vec::<u64>::new());
    }

    #[test]
    fn numbers_and_times_are_written_like_chrono_would() {
        let mut b = Vec::new();
        push_u64(&mut b, 0);
        b.push(b' ');
        push_u64(&mut b, 18_446_744_073_709_551_615);
        b.push(b' ');
        push_seq(&mut b, 7);
        b.push(b' ');
        push_seq(&mut b, 12_345);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "0 18446744073709551615 0007 12345"
        );
        let cal = Calendar::new(
            NaiveDate::from_ymd_opt(2026, 2, 9).unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            1,
        );
        let mut b = Vec::new();
        push_time(&mut b, &cal.days[0], 7 * 3600 + 30 * 60 + 5);
        assert_eq!(String::from_utf8(b).unwrap(), "2026-02-09 07:30:05");
        assert_eq!(&cal.days[0].short, b"260209");
        // Tết 2026 (16–20 February) is closed; ordinary Saturdays open in the morning only.
        let texts: Vec<String> = cal
            .days
            .iter()
            .map(|d| String::from_utf8(d.text.to_vec()).unwrap())
            .collect();
        assert!(!texts.iter().any(|t| t.starts_with("2026-02-17")));
        assert!(!texts.iter().any(|t| t.starts_with("2026-02-22"))); // Sunday
        let sat = texts
            .iter()
            .position(|t| t.starts_with("2026-02-28"))
            .unwrap();
        assert!(cal.days[sat].morning_only && cal.days[sat].work_index.is_none());
        assert!(
            texts.last().unwrap().starts_with("2026-02-28"),
            "ends before today"
        );
        let mut rng = Rng::new(&[3]);
        for _ in 0..10_000 {
            let s = cal.second(&mut rng, sat);
            assert!((7 * 3600 + 1800..11 * 3600 + 1800).contains(&s), "{s}");
            if let Some(a) = cal.second_after(&mut rng, s) {
                assert!(a > s && a < CLOSING, "{s} {a}");
                assert!(!(11 * 3600 + 1800..13 * 3600 + 1800).contains(&a), "{a}");
            }
        }
        assert_eq!(lower_first("Đặc khu Trường Sa"), "đặc khu Trường Sa");
    }

    fn args(dir: &Path, units: &Path) -> GenerateArgs {
        GenerateArgs {
            ratings: 5_000,
            dossiers: 4_000,
            out: dir.to_path_buf(),
            seed: 7,
            units: units.to_path_buf(),
            provinces: Some(2),
            communes: Some(5),
            today: None,
            months: 6,
            load: false,
        }
    }

    /// Every row of a file through an import's row parser.
    fn parsed<T, F: Fn(u64, &csv::StringRecord) -> anyhow::Result<T>>(
        path: &Path,
        parser: impl FnOnce(&import::Columns) -> F,
    ) -> Vec<T> {
        let file = std::io::BufReader::new(File::open(path).unwrap());
        let mut rdr = import::csv_reader(file);
        let row = parser(&import::Columns::new(rdr.headers().unwrap()));
        rdr.records()
            .map(|rec| {
                let rec = rec.unwrap();
                row(import::record_line(&rec), &rec).unwrap()
            })
            .collect()
    }

    #[test]
    fn a_small_set_follows_the_import_rules_and_repeats_itself() {
        let tmp = tempfile::tempdir().unwrap();
        let units = tmp.path().join("u.csv");
        std::fs::write(
            &units,
            "province_code,province_name,commune_code,commune_name\n\
             01,Thành phố Hà Nội,00004,Phường Ba Đình\n\
             01,Thành phố Hà Nội,00008,Phường Ngọc Hà\n\
             56,Tỉnh Khánh Hòa,22525,Xã Vạn Hưng\n\
             56,Tỉnh Khánh Hòa,22516,Xã Vạn Thắng\n\
             79,Thành phố Hồ Chí Minh,26734,Phường Sài Gòn\n",
        )
        .unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        let written = write_set(&args(&a, &units), today).unwrap();
        write_set(&args(&b, &units), today).unwrap();
        for f in [UNITS, PROCEDURES, OFFICIALS, COUNTERS, RATINGS, DOSSIERS] {
            assert_eq!(
                std::fs::read(a.join(f)).unwrap(),
                std::fs::read(b.join(f)).unwrap(),
                "{f}"
            );
        }
        assert_eq!(written[0].rows, 4, "two provinces: four communes");

        // Ratings: the header, sorted times, valid levels, reasons only with a low answer.
        let text = std::fs::read_to_string(a.join(RATINGS)).unwrap();
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            rdr.headers().unwrap().iter().collect::<Vec<_>>().join(","),
            RATINGS_HEADER
        );
        let officials = std::fs::read_to_string(a.join(OFFICIALS)).unwrap();
        let counters = std::fs::read_to_string(a.join(COUNTERS)).unwrap();
        let (mut last, mut keys, mut flagged, mut answered) = (String::new(), HashSet::new(), 0, 0);
        let mut per_unit: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        for r in rdr.records() {
            let r = r.unwrap();
            assert!(keys.insert(r[0].to_string()));
            assert!(r[0].starts_with("gen-7-"));
            assert!(officials.contains(&format!("{},{},", &r[1], &r[3])));
            assert!(counters.contains(&format!("{},Bộ phận Một cửa", &r[1])));
            assert!(r[5] >= *last, "{} after {last}", &r[5]);
            last = r[5].to_string();
            let t = chrono::NaiveDateTime::parse_from_str(&r[5], "%Y-%m-%d %H:%M:%S").unwrap();
            assert!(t.date() < today);
            let scale: u8 = r[6].parse().unwrap();
            let offered: &[u8] = match scale {
                2 => &[4, 2],
                3 => &[5, 4, 2],
                _ => &[5, 4, 3, 2, 1],
            };
            let level: u8 = r[7].parse().unwrap();
            assert!(offered.contains(&level), "{level} on {scale}");
            let mut low = level <= 3;
            if !r[8].is_empty() {
                answered += 1;
                let parts: Vec<u8> = r[8]
                    .split(';')
                    .map(|p| p.split_once('=').unwrap().1.parse().unwrap())
                    .collect();
                assert_eq!(parts[0], level, "{}", &r[8]);
                assert!(parts.iter().all(|l| offered.contains(l)));
                low |= parts[1] <= 3;
            }
            assert!(r[9].is_empty() || low, "reasons on a good rating");
            assert!(r[11].is_empty());
            flagged += usize::from(!r[12].is_empty());
            let e = per_unit.entry(r[1].to_string()).or_default();
            e.0 += 1;
            e.1 += u32::from(level >= 4);
        }
        assert_eq!(keys.len(), 5_000);
        assert!((700..1300).contains(&answered), "{answered}");
        assert!(flagged < 40, "{flagged}");
        assert_eq!(per_unit.len(), 4);

        // Both files read as the imports read them.
        let rating_cols = |c: &import::Columns| {
            let cols = crate::cli::bulk::RatingColumns::new(c);
            move |line, rec: &csv::StringRecord| cols.row(line, rec)
        };
        let ratings = parsed(&a.join(RATINGS), rating_cols);
        assert_eq!(ratings.len(), 5_000);
        assert!(ratings.iter().all(|r| r.key.is_some()));
        let dossier_cols = |c: &import::Columns| {
            let cols = import::DossierColumns::new(c);
            move |line, rec: &csv::StringRecord| cols.row(line, rec)
        };
        let rows = parsed(&a.join(DOSSIERS), dossier_cols);
        assert_eq!(rows.len(), 4_000);
        let mut codes = HashSet::new();
        let mut statuses = BTreeMap::new();
        for w in rows.windows(2) {
            assert!(w[0].received_at <= w[1].received_at);
        }
        for r in &rows {
            let code = r.code.clone().unwrap();
            assert!(codes.insert(code.clone()));
            assert!(code.starts_with(&format!(
                "{}-{}-",
                r.unit_code,
                r.received_at.format("%y%m%d")
            )));
            assert!(r.due_at.is_none());
            let st = r.status.code();
            *statuses.entry(st).or_insert(0) += 1;
            assert_eq!(r.finished_at.is_some(), st == 9 || st == 10, "{r:?}");
            assert_eq!(r.returned_at.is_some(), st == 10, "{r:?}");
            assert!(r.finished_at.is_none_or(|f| f >= r.received_at), "{r:?}");
            assert!(
                r.returned_at.is_none_or(|x| Some(x) >= r.finished_at),
                "{r:?}"
            );
            assert!(r.finished_at.is_none_or(|f| f.date() < today));
            assert!(st != 5 || r.supplement_count >= 1);
            assert_eq!(r.official_code.is_none(), st == 1);
        }
        assert!(statuses[&10] > 3_000, "{statuses:?}");
        assert!(
            statuses.contains_key(&4) && statuses.contains_key(&9),
            "{statuses:?}"
        );
    }
}
