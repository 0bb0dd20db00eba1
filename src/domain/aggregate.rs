//! What one rating or one dossier adds to the aggregates that reports read (DOMAIN §4, §6, §10).
//! The store applies `after − before` whenever a rating arrives or is flagged and whenever a
//! dossier changes, so that reports never scan raw rows; `rebuild` recomputes the same figures
//! from raw rows in SQL, and a test holds the two equal.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::hash::Hash;

use chrono::{Datelike, NaiveDate, Timelike};

use super::calendar::{Timeliness, classify};
use super::dossier::{IntakeChannel, Status};
use super::period::{BALANCE, BucketKey, buckets_of, key_month, month_key};
use super::scale::{Level, Scale};
use super::time::{Millis, Month, local_time};

/// Dimensions of the rating aggregate: the whole unit, or one official, counter, hour of the
/// week or question within it.
pub mod dim {
    pub const TOTAL: i16 = 0;
    pub const OFFICIAL: i16 = 1;
    pub const COUNTER: i16 = 2;
    /// key = weekday (0 = Sunday) × 100 + hour, months only.
    pub const CLOCK: i16 = 3;
    /// key 0, `question` names it; months only; answers of flagged ballots are not counted;
    /// `top_offered` counts answers on a scale that offers "very satisfied".
    pub const QUESTION: i16 = 4;
}

/// The value columns of a rating aggregate row. `levels[i]` counts unflagged ballots at level
/// i + 1; `top_offered` those whose scale offers "very satisfied"; `flagged` the flagged ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LevelCounts {
    pub levels: [i64; 5],
    pub top_offered: i64,
    pub flagged: i64,
}

impl LevelCounts {
    pub fn ballots(&self) -> i64 {
        self.levels.iter().sum()
    }

    pub fn satisfied(&self) -> i64 {
        self.levels[3] + self.levels[4]
    }

    pub fn very_satisfied(&self) -> i64 {
        self.levels[4]
    }

    pub fn at(&self, level: Level) -> i64 {
        self.levels[(level.value() - 1) as usize]
    }
}

impl std::ops::AddAssign for LevelCounts {
    fn add_assign(&mut self, o: LevelCounts) {
        for i in 0..5 {
            self.levels[i] += o.levels[i];
        }
        self.top_offered += o.top_offered;
        self.flagged += o.flagged;
    }
}

impl std::ops::Neg for LevelCounts {
    type Output = LevelCounts;
    fn neg(self) -> LevelCounts {
        LevelCounts {
            levels: self.levels.map(|v| -v),
            top_offered: -self.top_offered,
            flagged: -self.flagged,
        }
    }
}

/// One row of the rating aggregate, apart from its values. Fields in the order of the
/// table's key (migration 0010): cells sorted by it reach the table in its own order, so a
/// load appends to its B-tree instead of inserting all over it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RatingCell {
    pub dim: i16,
    pub bucket: BucketKey,
    /// The unit the rating was given in; the store adds the same to each of its ancestors.
    pub unit_id: i64,
    pub key: i64,
    pub question: String,
}

/// What the aggregates need of a rating.
#[derive(Debug, Clone)]
pub struct RatingFact {
    pub unit_id: i64,
    pub official_id: Option<i64>,
    pub counter_id: Option<i64>,
    pub scale: Scale,
    pub level: Level,
    pub rated_at: Millis,
    pub answers: Vec<(String, Level)>,
    pub flagged: bool,
}

/// The aggregate rows a rating counts in, with what it adds to each.
pub fn rating_cells(f: &RatingFact) -> Vec<(RatingCell, LevelCounts)> {
    let mut t = RatingTally::default();
    t.add(f);
    t.into_deltas().cells.into_iter().collect()
}

/// Ratings counted at month grain under integer keys, then spread to quarters and years once:
/// the one definition of what ratings add to the aggregates, cheap enough for a load of
/// millions (`rating_cells` is the tally of one rating).
#[derive(Debug)]
pub struct RatingTally {
    /// (unit, month key, dim, key, question number) → counts.
    cells: FxHashMap<(i64, BucketKey, i16, i64, u32), LevelCounts>,
    /// Question keys by number; 0 is "no question".
    questions: Vec<String>,
    numbers: HashMap<String, u32>,
}

impl Default for RatingTally {
    fn default() -> Self {
        RatingTally {
            cells: FxHashMap::default(),
            questions: vec![String::new()],
            numbers: HashMap::new(),
        }
    }
}

impl RatingTally {
    pub fn add(&mut self, f: &RatingFact) {
        let t = local_time(f.rated_at);
        let month = month_key(Month::new(t.year(), t.month()).expect("valid month"));
        let mut one = LevelCounts::default();
        if f.flagged {
            one.flagged = 1;
        } else {
            one.levels[(f.level.value() - 1) as usize] = 1;
            one.top_offered = i64::from(f.scale.offers(Level::VERY_SATISFIED));
        }
        let weekday = i64::from(t.weekday().num_days_from_sunday());
        for (d, key) in [
            (dim::TOTAL, 0),
            (dim::OFFICIAL, f.official_id.unwrap_or(0)),
            (dim::COUNTER, f.counter_id.unwrap_or(0)),
            (dim::CLOCK, weekday * 100 + i64::from(t.hour())),
        ] {
            *self.cells.entry((f.unit_id, month, d, key, 0)).or_default() += one;
        }
        // Answers of a flagged ballot are not counted at all.
        if !f.flagged {
            for (q, level) in &f.answers {
                let n = match self.numbers.get(q) {
                    Some(n) => *n,
                    None => {
                        let n = self.questions.len() as u32;
                        self.questions.push(q.clone());
                        self.numbers.insert(q.clone(), n);
                        n
                    }
                };
                let mut a = LevelCounts {
                    top_offered: one.top_offered,
                    ..Default::default()
                };
                a.levels[(level.value() - 1) as usize] = 1;
                *self
                    .cells
                    .entry((f.unit_id, month, dim::QUESTION, 0, n))
                    .or_default() += a;
            }
        }
    }

    /// Month cells counted so far.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The rows to add: unit, official and counter totals in their month, quarter and year;
    /// hours of the week and questions in their month only.
    pub fn into_deltas(self) -> Deltas<RatingCell, LevelCounts> {
        let mut out = Deltas::default();
        for ((unit_id, month, d, key, q), v) in self.cells {
            let (buckets, n) = spread(d, month);
            out.add(buckets[..n].iter().map(|&bucket| {
                let cell = RatingCell {
                    unit_id,
                    bucket,
                    dim: d,
                    key,
                    question: self.questions[q as usize].clone(),
                };
                (cell, v)
            }));
        }
        out
    }

    /// Units counted so far.
    pub fn units(&self) -> Vec<i64> {
        let mut v: Vec<i64> = self.cells.keys().map(|k| k.0).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// What `into_deltas` gives, copied to each unit and its ancestors (`up`: the unit and
    /// those above it; `None`: the unit alone), summed and in `RatingCell` order: the rows a
    /// bulk load adds. One map of integer keys and one integer sort, where going through
    /// `Deltas` twice (keys holding the question's text) cost a 10-million-rating load 16 s.
    pub fn into_cells<'a>(
        self,
        up: impl Fn(i64) -> Option<&'a [i64]>,
    ) -> Vec<(RatingCell, LevelCounts)> {
        // Questions renumbered in text order, so that the integer order is `RatingCell`'s.
        let mut by_text: Vec<usize> = (0..self.questions.len()).collect();
        by_text.sort_by(|a, b| self.questions[*a].cmp(&self.questions[*b]));
        let mut rank = vec![0u32; by_text.len()];
        for (r, q) in by_text.iter().enumerate() {
            rank[*q] = r as u32;
        }
        let mut sums: FxHashMap<(i16, BucketKey, i64, i64, u32), LevelCounts> =
            FxHashMap::default();
        sums.reserve(self.cells.len() * 2);
        for ((unit, month, d, key, q), v) in self.cells {
            let (buckets, n) = spread(d, month);
            let own = [unit];
            for &a in up(unit).unwrap_or(&own) {
                for &b in &buckets[..n] {
                    *sums.entry((d, b, a, key, rank[q as usize])).or_default() += v;
                }
            }
        }
        let mut out: Vec<_> = sums
            .into_iter()
            .filter(|(_, v)| *v != LevelCounts::default())
            .collect();
        out.sort_unstable_by_key(|(k, _)| *k);
        out.into_iter()
            .map(|((dim, bucket, unit_id, key, r), v)| {
                let question = self.questions[by_text[r as usize]].clone();
                let cell = RatingCell {
                    dim,
                    bucket,
                    unit_id,
                    key,
                    question,
                };
                (cell, v)
            })
            .collect()
    }
}

/// The buckets a month cell of dimension `d` counts in (the first `n` of the array): unit,
/// official and counter totals in their month, quarter and year; hours of the week and
/// questions in their month only.
fn spread(d: i16, month: BucketKey) -> ([BucketKey; 3], usize) {
    if matches!(d, dim::CLOCK | dim::QUESTION) {
        ([month; 3], 1)
    } else {
        (buckets_of(key_month(month).expect("a month key")), 3)
    }
}

/// Dimensions of the dossier aggregate.
pub mod dossier_dim {
    pub const TOTAL: i16 = 0;
    /// key = the desk's counter (0: none); only `returned` is kept here, for response rates.
    pub const COUNTER: i16 = 2;
}

/// The value columns of a dossier aggregate row. `overdue_delta` and `open_delta` are kept on
/// month rows only, as differences: the open (or open and overdue) dossiers at the end of
/// month M are the sum of the deltas of months up to M. That is how a past month's
/// "unfinished and overdue" count (DOMAIN §6) stays exact without rescanning dossiers. A
/// unit's whole-unit differences are also summed in its `BALANCE` row, so that the end of a
/// recent month is the balance less the few months after it, not the sum of every month since
/// the first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DossierCounts {
    pub received: i64,
    pub received_online: i64,
    pub finished: i64,
    pub early: i64,
    pub on_time: i64,
    pub late: i64,
    pub returned: i64,
    pub overdue_delta: i64,
    pub open_delta: i64,
}

impl DossierCounts {
    pub const COLUMNS: [&'static str; 9] = [
        "received",
        "received_online",
        "finished",
        "early",
        "on_time",
        "late",
        "returned",
        "overdue_delta",
        "open_delta",
    ];

    pub fn values(&self) -> [i64; 9] {
        [
            self.received,
            self.received_online,
            self.finished,
            self.early,
            self.on_time,
            self.late,
            self.returned,
            self.overdue_delta,
            self.open_delta,
        ]
    }

    pub fn from_values(v: [i64; 9]) -> DossierCounts {
        DossierCounts {
            received: v[0],
            received_online: v[1],
            finished: v[2],
            early: v[3],
            on_time: v[4],
            late: v[5],
            returned: v[6],
            overdue_delta: v[7],
            open_delta: v[8],
        }
    }
}

impl std::ops::AddAssign for DossierCounts {
    fn add_assign(&mut self, o: DossierCounts) {
        let (a, b) = (self.values(), o.values());
        *self = DossierCounts::from_values(std::array::from_fn(|i| a[i] + b[i]));
    }
}

impl std::ops::Neg for DossierCounts {
    type Output = DossierCounts;
    fn neg(self) -> DossierCounts {
        DossierCounts::from_values(self.values().map(|v| -v))
    }
}

/// Fields in the order of the table's key, as for `RatingCell`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DossierCell {
    pub unit_id: i64,
    pub dim: i16,
    pub bucket: BucketKey,
    pub key: i64,
}

/// An open dossier's place in the "open now" aggregate: the local date (yyyymmdd) after which
/// it is overdue. `NEVER_OVERDUE` for a dossier paused for the applicant's papers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpenCell {
    pub unit_id: i64,
    pub due_day: i32,
}

pub const NEVER_OVERDUE: i32 = 99991231;
/// A dossier with more than one supplement request counts late whatever its due date.
pub const ALWAYS_OVERDUE: i32 = 19000101;

pub fn day_key(d: NaiveDate) -> i32 {
    d.year() * 10_000 + d.month() as i32 * 100 + d.day() as i32
}

/// What the aggregates need of a dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierSnapshot {
    pub unit_id: i64,
    pub channel: i16,
    pub status: i16,
    pub received_at: Option<Millis>,
    pub due_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    pub returned_at: Option<Millis>,
    pub supplement_count: i32,
    pub counter_id: Option<i64>,
    /// For refused, withdrawn and stopped dossiers, when that happened.
    pub updated_at: Millis,
}

/// The aggregate rows a dossier counts in. A dossier counts once it has been received and has
/// a due time (as in the timeliness report): received in its month of receipt, finished (early,
/// on time or late by date; late after more than one supplement request) in its month of
/// finishing, returned in its month of return; open from receipt until finished or closed;
/// overdue while open from the month of its due date.
pub fn dossier_cells(s: &DossierSnapshot) -> (Vec<(DossierCell, DossierCounts)>, Option<OpenCell>) {
    let mut out = Vec::new();
    let open = dossier_month_cells(s, |m, dim, key, c| {
        for (cell, c) in spread_dossier(s.unit_id, m, dim, key, c) {
            out.push((cell, c));
        }
    });
    (out, open)
}

/// A month's contribution in the cells it counts in: the running open and overdue differences
/// in the month (and, for the whole unit, its balance), everything else in its month, quarter
/// and year.
fn spread_dossier(
    unit_id: i64,
    m: Month,
    dim: i16,
    key: i64,
    c: DossierCounts,
) -> impl Iterator<Item = (DossierCell, DossierCounts)> {
    let wide = DossierCounts {
        overdue_delta: 0,
        open_delta: 0,
        ..c
    };
    let [month, quarter, year] = buckets_of(m);
    let cell = move |bucket| DossierCell {
        unit_id,
        bucket,
        dim,
        key,
    };
    let quarter_and_year =
        (wide != DossierCounts::default()).then_some([(cell(quarter), wide), (cell(year), wide)]);
    let balance =
        (dim == dossier_dim::TOTAL && (c.open_delta, c.overdue_delta) != (0, 0)).then(|| {
            let differences = DossierCounts {
                overdue_delta: c.overdue_delta,
                open_delta: c.open_delta,
                ..DossierCounts::default()
            };
            (cell(BALANCE), differences)
        });
    std::iter::once((cell(month), c))
        .chain(quarter_and_year.into_iter().flatten())
        .chain(balance)
}

/// Dossiers counted at month grain, then spread to quarters and years once (as `RatingTally`):
/// what `DossierDeltas::change(None, …)` adds for each new dossier, with a third of the map
/// work for a load of millions.
#[derive(Debug, Default)]
pub struct DossierTally {
    cells: FxHashMap<(i64, Month, i16, i64), DossierCounts>,
    open: FxHashMap<OpenCell, i64>,
}

impl DossierTally {
    pub fn add(&mut self, s: &DossierSnapshot) {
        let unit = s.unit_id;
        let open = dossier_month_cells(s, |m, dim, key, c| {
            *self.cells.entry((unit, m, dim, key)).or_default() += c;
        });
        if let Some(o) = open {
            *self.open.entry(o).or_default() += 1;
        }
    }

    pub fn into_deltas(self) -> DossierDeltas {
        let mut out = DossierDeltas::default();
        for ((unit, m, dim, key), c) in self.cells {
            out.cells.add(spread_dossier(unit, m, dim, key, c));
        }
        out.open.add(self.open);
        out
    }
}

/// `dossier_cells` at month grain: each contribution with its month, dimension and key.
fn dossier_month_cells(
    s: &DossierSnapshot,
    mut out: impl FnMut(Month, i16, i64, DossierCounts),
) -> Option<OpenCell> {
    let (Some(received), Some(due)) = (s.received_at, s.due_at) else {
        return None;
    };
    let month_of = |ms: Millis| Month::containing(ms);
    out(
        month_of(received),
        dossier_dim::TOTAL,
        0,
        DossierCounts {
            received: 1,
            received_online: i64::from(s.channel == IntakeChannel::Online.code()),
            ..Default::default()
        },
    );
    let many_supplements = s.supplement_count > 1;
    let status = Status::from_code(s.status);
    if let Some(f) = s.finished_at {
        let class = if many_supplements {
            Timeliness::Late
        } else {
            classify(local_time(due), Some(local_time(f)), local_time(f)).expect("finished")
        };
        out(
            month_of(f),
            dossier_dim::TOTAL,
            0,
            DossierCounts {
                finished: 1,
                early: i64::from(class == Timeliness::Early),
                on_time: i64::from(class == Timeliness::OnTime),
                late: i64::from(class == Timeliness::Late),
                ..Default::default()
            },
        );
    }
    if let Some(r) = s.returned_at {
        let one = DossierCounts {
            returned: 1,
            ..Default::default()
        };
        out(month_of(r), dossier_dim::TOTAL, 0, one);
        out(
            month_of(r),
            dossier_dim::COUNTER,
            s.counter_id.unwrap_or(0),
            one,
        );
    }
    // Open from the month of receipt until the month it was finished or closed unfinished.
    let closed_unfinished = status.is_some_and(|st| st.is_closed() && !st.is_finished());
    let stop = match s.finished_at {
        Some(f) => Some(month_of(f)),
        None if closed_unfinished => Some(month_of(s.updated_at)),
        None => None,
    };
    let mut month_delta = |m: Month, overdue: i64, open: i64| {
        out(
            m,
            dossier_dim::TOTAL,
            0,
            DossierCounts {
                overdue_delta: overdue,
                open_delta: open,
                ..Default::default()
            },
        );
    };
    let open_from = month_of(received);
    if stop.is_none_or(|s| open_from < s) {
        month_delta(open_from, 0, 1);
        if let Some(s) = stop {
            month_delta(s, 0, -1);
        }
    }
    // A dossier paused for the applicant is judged when it resumes (as the timeliness report
    // does, by its present state).
    let paused = status == Some(Status::SupplementRequested) && stop.is_none();
    if !paused || many_supplements {
        let overdue_from = if many_supplements {
            open_from
        } else {
            open_from.max(month_of(due))
        };
        if stop.is_none_or(|s| overdue_from < s) {
            month_delta(overdue_from, 1, 0);
            if let Some(s) = stop {
                month_delta(s, -1, 0);
            }
        }
    }
    (stop.is_none()).then(|| OpenCell {
        unit_id: s.unit_id,
        due_day: if many_supplements {
            ALWAYS_OVERDUE
        } else if paused {
            NEVER_OVERDUE
        } else {
            day_key(local_time(due).date())
        },
    })
}

/// Sums of signed contributions, zero entries dropped: what to add to the stored aggregates.
/// Keyed with the Fx hash: a bulk load sums tens of millions of small integer keys here, and
/// the standard SipHash (resistant to chosen keys, which these are not) cost most of the map.
#[derive(Debug, Clone)]
pub struct Deltas<K, V> {
    pub cells: FxHashMap<K, V>,
}

impl<K, V> Default for Deltas<K, V> {
    fn default() -> Self {
        Deltas {
            cells: FxHashMap::default(),
        }
    }
}

impl<
    K: Eq + Hash + Ord + Clone,
    V: Copy + Default + PartialEq + std::ops::AddAssign + std::ops::Neg<Output = V>,
> Deltas<K, V>
{
    pub fn add(&mut self, cells: impl IntoIterator<Item = (K, V)>) {
        for (k, v) in cells {
            *self.cells.entry(k).or_default() += v;
        }
    }

    pub fn sub(&mut self, cells: impl IntoIterator<Item = (K, V)>) {
        self.add(cells.into_iter().map(|(k, v)| (k, -v)));
    }

    /// The non-zero deltas in key order: writers that lock rows in the same order cannot
    /// deadlock one another.
    pub fn sorted(self) -> Vec<(K, V)> {
        let mut v: Vec<(K, V)> = self
            .cells
            .into_iter()
            .filter(|(_, v)| *v != V::default())
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}

/// The whole contribution of a dossier, for `Deltas`.
#[derive(Debug, Default)]
pub struct DossierDeltas {
    pub cells: Deltas<DossierCell, DossierCounts>,
    pub open: Deltas<OpenCell, i64>,
}

impl DossierDeltas {
    /// Records a change from `before` (None: new dossier) to `after`.
    pub fn change(&mut self, before: Option<&DossierSnapshot>, after: &DossierSnapshot) {
        if before == Some(after) {
            return;
        }
        if let Some(b) = before {
            let (cells, open) = dossier_cells(b);
            self.cells.sub(cells);
            self.open.sub(open.map(|o| (o, 1)));
        }
        let (cells, open) = dossier_cells(after);
        self.cells.add(cells);
        self.open.add(open.map(|o| (o, 1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Asia::Ho_Chi_Minh;

    fn at(m: u32, d: u32, h: u32) -> Millis {
        Ho_Chi_Minh
            .with_ymd_and_hms(2026, m, d, h, 0, 0)
            .single()
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn a_dossier_tally_adds_what_dossier_by_dossier_adds() {
        let mut tally = DossierTally::default();
        let mut one_by_one = DossierDeltas::default();
        let mut n = 0;
        // Every status, received in several months, finished or returned in another month,
        // quarter or year, due before or after, with none, one or two supplement requests.
        for status in Status::ALL {
            for (recv, due, fin, ret) in [
                (
                    at(1, 5, 8),
                    at(1, 9, 16),
                    Some(at(1, 8, 9)),
                    Some(at(1, 8, 15)),
                ),
                (
                    at(3, 30, 8),
                    at(4, 2, 16),
                    Some(at(4, 3, 9)),
                    Some(at(7, 1, 9)),
                ),
                (at(6, 29, 8), at(7, 3, 16), None, None),
                (at(12, 30, 8), at(12, 31, 16), Some(at(12, 31, 9)), None),
            ] {
                for supplements in 0..3 {
                    n += 1;
                    let s = DossierSnapshot {
                        unit_id: 10 + n % 3,
                        channel: 1 + (n % 3) as i16,
                        status: status.code(),
                        received_at: (status != Status::RegisteredOnline).then_some(recv),
                        due_at: (status != Status::RegisteredOnline).then_some(due),
                        finished_at: fin.filter(|_| status.is_finished()),
                        returned_at: ret.filter(|_| status == Status::ResultReturned),
                        supplement_count: supplements,
                        counter_id: (n % 2 == 0).then_some(7),
                        updated_at: at(8, 1, 9),
                    };
                    tally.add(&s);
                    one_by_one.change(None, &s);
                }
            }
        }
        let got = tally.into_deltas();
        assert!(!got.open.cells.is_empty() && !got.cells.cells.is_empty());
        assert_eq!(got.cells.sorted(), one_by_one.cells.sorted());
        assert_eq!(got.open.sorted(), one_by_one.open.sorted());
    }

    #[test]
    fn a_bulk_tally_adds_what_rating_by_rating_adds_to_each_ancestor() {
        let l = |v| Level::new(v).unwrap();
        let mut tally = RatingTally::default();
        let mut one_by_one = Deltas::default();
        // Two communes of one province, a unit without ancestors, answers whose keys sort
        // otherwise than they first appear, a flagged ballot, months in two quarters and years.
        for (i, (unit, month, hour)) in
            [(11, 3, 8), (12, 3, 9), (11, 4, 8), (13, 12, 15), (12, 1, 8)]
                .into_iter()
                .enumerate()
        {
            let fact = RatingFact {
                unit_id: unit,
                official_id: Some(100 + unit),
                counter_id: (i % 2 == 0).then_some(200 + unit),
                scale: Scale::new(if i == 3 { 3 } else { 5 }).unwrap(),
                level: l(1 + (i as i16 % 3)),
                rated_at: at(month, 2 + i as u32, hour),
                answers: vec![("wait".into(), l(2)), ("attitude".into(), l(3))],
                flagged: i == 2,
            };
            tally.add(&fact);
            one_by_one.add(rating_cells(&fact));
        }
        let ancestors: HashMap<i64, Vec<i64>> = [(11, vec![11, 1]), (12, vec![12, 1])].into();
        let mut expected = Deltas::default();
        for (c, v) in one_by_one.cells {
            let up = ancestors
                .get(&c.unit_id)
                .cloned()
                .unwrap_or(vec![c.unit_id]);
            expected.add(up.into_iter().map(|unit_id| {
                (
                    RatingCell {
                        unit_id,
                        ..c.clone()
                    },
                    v,
                )
            }));
        }
        assert_eq!(tally.units(), vec![11, 12, 13]);
        let cells = tally.into_cells(|u| ancestors.get(&u).map(Vec::as_slice));
        assert!(
            cells
                .iter()
                .any(|(c, _)| c.unit_id == 1 && c.question == "attitude")
        );
        assert_eq!(cells, expected.sorted());
    }

    fn snapshot(received: Millis, due: Millis) -> DossierSnapshot {
        DossierSnapshot {
            unit_id: 7,
            channel: 2,
            status: Status::InProgress.code(),
            received_at: Some(received),
            due_at: Some(due),
            finished_at: None,
            returned_at: None,
            supplement_count: 0,
            counter_id: Some(3),
            updated_at: received,
        }
    }

    fn month_row(cells: &[(DossierCell, DossierCounts)], key: i32) -> DossierCounts {
        let mut c = DossierCounts::default();
        for (k, v) in cells {
            if k.bucket == key && k.dim == dossier_dim::TOTAL {
                c += *v;
            }
        }
        c
    }

    #[test]
    fn an_open_dossier_due_in_october_is_overdue_from_october_until_it_is_finished() {
        let mut d = snapshot(at(9, 28, 9), at(10, 5, 16));
        let (cells, open) = dossier_cells(&d);
        assert_eq!(month_row(&cells, 202609).received, 1);
        assert_eq!(month_row(&cells, 202609).received_online, 1);
        assert_eq!(month_row(&cells, 202609).open_delta, 1);
        assert_eq!(month_row(&cells, 202610).overdue_delta, 1);
        assert_eq!(open.unwrap().due_day, 20261005);
        // Finished late in December: open and overdue stop there.
        d.status = Status::ResultReady.code();
        d.finished_at = Some(at(12, 2, 10));
        let (cells, open) = dossier_cells(&d);
        assert_eq!(open, None);
        let dec = month_row(&cells, 202612);
        assert_eq!(
            (dec.finished, dec.late, dec.overdue_delta, dec.open_delta),
            (1, 1, -1, -1)
        );
        // The quarter and the year count the finish too, not the monthly deltas.
        assert_eq!(month_row(&cells, 202624).late, 1);
        assert_eq!(month_row(&cells, 202624).overdue_delta, 0);
        assert_eq!(month_row(&cells, 202600).received, 1);
        // The balance sums the differences, nothing else: back to zero once finished.
        assert_eq!(month_row(&cells, BALANCE), DossierCounts::default());
        let open = dossier_cells(&snapshot(at(9, 28, 9), at(10, 5, 16))).0;
        let balance = month_row(&open, BALANCE);
        assert_eq!(
            (balance.open_delta, balance.overdue_delta, balance.received),
            (1, 1, 0)
        );
    }

    #[test]
    fn a_change_adds_only_its_difference() {
        let before = snapshot(at(10, 1, 9), at(10, 5, 16));
        let mut after = before.clone();
        after.status = Status::ResultReady.code();
        after.finished_at = Some(at(10, 3, 10));
        let mut d = DossierDeltas::default();
        d.change(Some(&before), &after);
        let cells = d.cells.sorted();
        // Received is unchanged and so absent; the finish is early; open ends within the month
        // of receipt, so open and overdue deltas cancel out.
        assert!(cells.iter().all(|(_, v)| v.received == 0));
        assert_eq!(month_row(&cells, 202610).early, 1);
        assert_eq!(month_row(&cells, 202610).open_delta, -1);
        assert_eq!(
            d.open.sorted(),
            vec![(
                OpenCell {
                    unit_id: 7,
                    due_day: 20261005
                },
                -1
            )]
        );
    }

    #[test]
    fn a_rating_counts_in_month_quarter_year_and_its_hour() {
        let f = RatingFact {
            unit_id: 7,
            official_id: Some(4),
            counter_id: None,
            scale: Scale::Three,
            level: Level::VERY_SATISFIED,
            rated_at: at(11, 30, 9), // a Monday
            answers: vec![("attitude".into(), Level::SATISFIED)],
            flagged: false,
        };
        let cells = rating_cells(&f);
        assert_eq!(cells.len(), 3 * 3 + 1 + 1);
        let clock = cells.iter().find(|(c, _)| c.dim == dim::CLOCK).unwrap();
        assert_eq!(clock.0.key, 109);
        assert_eq!(clock.1.very_satisfied(), 1);
        let flagged = rating_cells(&RatingFact { flagged: true, ..f });
        // A flagged ballot counts only as flagged, and its answers not at all.
        assert!(flagged.iter().all(|(_, v)| v.ballots() == 0));
        assert!(flagged.iter().all(|(c, _)| c.dim != dim::QUESTION));
    }

    #[test]
    fn a_tally_of_many_ratings_is_the_sum_of_their_cells() {
        let mut tally = RatingTally::default();
        let mut sum = Deltas::default();
        for n in 0..500i64 {
            let scale = [Scale::Two, Scale::Three, Scale::Five][(n % 3) as usize];
            let levels = scale.levels();
            let f = RatingFact {
                unit_id: 1 + n % 4,
                official_id: (n % 5 != 0).then_some(n % 7),
                counter_id: Some(n % 3),
                scale,
                level: levels[(n as usize) % levels.len()],
                rated_at: at(
                    1 + (n % 12) as u32,
                    1 + (n % 28) as u32,
                    7 + (n % 10) as u32,
                ),
                answers: if n % 4 == 0 {
                    vec![
                        ("attitude".into(), levels[0]),
                        ("handling".into(), levels[levels.len() - 1]),
                    ]
                } else {
                    vec![]
                },
                flagged: n % 50 == 0,
            };
            tally.add(&f);
            sum.add(rating_cells(&f));
        }
        assert_eq!(tally.into_deltas().sorted(), sum.sorted());
    }
}
