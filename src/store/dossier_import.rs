//! Import of historical dossiers (`hailong import dossiers`): a unit brings its past so that
//! reports and timeliness cover it. All or nothing, errors name the line; rows are inserted in
//! multi-row statements so that 100,000 dossiers load in seconds.
//!
//! Missing codes are generated with the intake's per-unit daily sequence (`dossier_sequences`),
//! and given codes of the form `{unit}-{yyMMdd}-{NNNN}` move that day's sequence past them, so
//! a later intake on such a day never takes an imported number.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::Db;
use super::aggregates::{J, agg_apply};
use super::counters::{CountersByUnit, counter_of_unit};
use super::pg_bulk::{self, CopyTuple};
use super::sqlite_bulk::{
    BULK_ROWS, Prepared, back_to_wal, bulk_connection, drop_indexes_for_load,
    drop_unique_for_first_fill, leave_wal_if_alone, restore_indexes,
};
use rustc_hash::{FxHashMap, FxHashSet};
use tokio::sync::mpsc;

use super::rating_import::joined;
use super::{Result, Store, StoreError, is_unique_violation, with_pool};
use crate::domain::Msg;
use crate::domain::aggregate::{Deltas, DossierSnapshot, DossierTally};
use crate::domain::calendar::WorkingCalendar;
use crate::domain::dossier::{IntakeChannel, ReturnMethod, Status, dossier_code, lookup_secret};
use crate::domain::limit::TimeLimit;
use crate::domain::time::{Millis, local_ms, now_ms};

/// One dossier of the past, as read from the file; times are Vietnamese wall-clock times.
#[derive(Debug, Clone)]
pub struct DossierImportRow {
    /// Line in the source file, for error messages.
    pub line: u64,
    /// Generated when `None`.
    pub code: Option<String>,
    pub unit_code: String,
    pub procedure_code: String,
    pub channel: IntakeChannel,
    pub applicant_name: String,
    /// When it was received (for status 1, when it was registered online).
    pub received_at: NaiveDateTime,
    /// Computed from the procedure's limit and the unit's calendar when `None`.
    pub due_at: Option<NaiveDateTime>,
    pub status: Status,
    pub finished_at: Option<NaiveDateTime>,
    pub returned_at: Option<NaiveDateTime>,
    pub supplement_count: i32,
    pub return_method: ReturnMethod,
    /// Code of the official who received it at the desk, if known.
    pub official_code: Option<String>,
    /// Code of the counter of the unit's desk where it was received, if known: the counter's
    /// response rate (ballots / results handed back) counts it.
    pub counter_code: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DossierImportSummary {
    pub imported: u64,
    pub codes_generated: u64,
}

fn row_err(line: u64, vi: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::ImportRow {
        line,
        msg: Msg::new(vi, en),
    }
}

/// A row checked and resolved, ready to insert.
#[cfg_attr(test, derive(Clone))]
struct Ready {
    line: u64,
    code: Option<String>,
    /// The local day of receipt, which numbers generated codes.
    day: NaiveDate,
    unit_id: i64,
    procedure_id: i64,
    channel: i16,
    status: i16,
    applicant_name: String,
    return_method: &'static str,
    limit: TimeLimit,
    registered_at: Millis,
    received_at: Option<Millis>,
    due_at: Option<Millis>,
    finished_at: Option<Millis>,
    returned_at: Option<Millis>,
    supplement_count: i32,
    secret: String,
    received_by: Option<i64>,
    counter_id: Option<i64>,
}

/// Checks what one row says about itself (no database).
fn check_row(r: &DossierImportRow) -> Result<()> {
    let line = r.line;
    let name = r.applicant_name.trim();
    if name.is_empty() || name.chars().count() > 300 {
        return Err(row_err(
            line,
            "thiếu họ tên người nộp (tối đa 300 ký tự)",
            "the applicant's name is missing (at most 300 characters)",
        ));
    }
    if let Some(c) = &r.code
        && (c.is_empty()
            || c.len() > 64
            || !c
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '.'))
    {
        return Err(row_err(
            line,
            format!("mã hồ sơ '{c}' không hợp lệ (chữ, số, '-' hoặc '.', tối đa 64 ký tự)"),
            format!("dossier code '{c}' is invalid (letters, digits, '-' or '.', at most 64)"),
        ));
    }
    if r.supplement_count < 0 {
        return Err(row_err(
            line,
            "số lần yêu cầu bổ sung không được âm",
            "supplement_count cannot be negative",
        ));
    }
    let finished = r.status.is_finished();
    match (finished, r.finished_at) {
        (true, None) => {
            return Err(row_err(
                line,
                format!(
                    "hồ sơ ở trạng thái “{}” cần thời điểm có kết quả (finished_at)",
                    r.status.label(crate::domain::msg::Lang::Vi)
                ),
                format!(
                    "a dossier whose status is “{}” needs finished_at",
                    r.status.label(crate::domain::msg::Lang::En)
                ),
            ));
        }
        (false, Some(_)) => {
            return Err(row_err(
                line,
                "chỉ hồ sơ đã có kết quả (trạng thái 9 hoặc 10) mới có finished_at",
                "only a dossier with its result (status 9 or 10) has finished_at",
            ));
        }
        _ => {}
    }
    if r.returned_at.is_some() && r.status != Status::ResultReturned {
        return Err(row_err(
            line,
            "chỉ hồ sơ đã trả kết quả (trạng thái 10) mới có returned_at",
            "only a dossier whose result was returned (status 10) has returned_at",
        ));
    }
    if r.status == Status::RegisteredOnline && r.due_at.is_some() {
        return Err(row_err(
            line,
            "hồ sơ đăng ký trực tuyến chưa tiếp nhận (trạng thái 1) chưa có hạn trả",
            "a registration not yet received (status 1) has no due time",
        ));
    }
    let before = |a: Option<NaiveDateTime>, b: NaiveDateTime, what_vi: &str, what_en: &str| {
        if a.is_some_and(|a| a < b) {
            Err(row_err(
                line,
                format!("{what_vi} trước thời điểm tiếp nhận"),
                format!("{what_en} is before received_at"),
            ))
        } else {
            Ok(())
        }
    };
    before(r.due_at, r.received_at, "hạn trả (due_at)", "due_at")?;
    before(
        r.finished_at,
        r.received_at,
        "thời điểm có kết quả",
        "finished_at",
    )?;
    if let (Some(f), Some(ret)) = (r.finished_at, r.returned_at)
        && ret < f
    {
        return Err(row_err(
            line,
            "thời điểm trả kết quả trước thời điểm có kết quả",
            "returned_at is before finished_at",
        ));
    }
    Ok(())
}

/// A code `{unit}-{yyMMdd}-{NNNN}` taken apart: unit code, day and sequence number.
fn split_code(code: &str) -> Option<(&str, NaiveDate, i64)> {
    let (head, n) = code.rsplit_once('-')?;
    let (unit, day) = head.rsplit_once('-')?;
    let d = day.as_bytes();
    if d.len() != 6 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if n.is_empty() || !n.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // yyMMdd by hand: chrono's parser, format string and all, led a load's profile.
    let two = |i: usize| u32::from(d[i] - b'0') * 10 + u32::from(d[i + 1] - b'0');
    // As chrono reads `%y`: 70–99 are 1970–1999, 00–69 are 2000–2069.
    let yy = two(0) as i32;
    let year = if yy >= 70 { 1900 + yy } else { 2000 + yy };
    let day = NaiveDate::from_ymd_opt(year, two(2), two(4))?;
    Some((unit, day, n.parse().ok()?))
}

/// The sequence number in a code `{unit}-{yyMMdd}-{NNNN}` of this unit, with its day.
fn code_seq(code: &str, unit_code: &str) -> Option<(NaiveDate, i64)> {
    split_code(code)
        .filter(|(unit, ..)| same_unit(unit, unit_code))
        .map(|(_, day, n)| (day, n))
}

/// Whether a code's unit part (upper-case, as codes are stored) names the unit `unit_code`.
fn same_unit(code_unit: &str, unit_code: &str) -> bool {
    code_unit
        .chars()
        .eq(unit_code.chars().flat_map(char::to_uppercase))
}

/// What a load knows of the codes stored before each chunk.
enum StoredCodes {
    /// The table held dossiers before the load: given codes are checked against them, and
    /// numbering a day looks for codes earlier imports gave on it.
    Before,
    /// The table was empty: every stored code is this load's, and the highest number given per
    /// unit code and day so far is kept here instead of being looked up.
    ThisLoad(FxHashMap<String, FxHashMap<NaiveDate, i64>>),
}

impl StoredCodes {
    fn new(first_id: i64) -> StoredCodes {
        if first_id > 0 {
            StoredCodes::Before
        } else {
            StoredCodes::ThisLoad(FxHashMap::default())
        }
    }
}

const CODE_CHECK_CHUNK: usize = 1000;

/// A code's fingerprint in the set of codes an import has written (fixed keys: the same code
/// always gives the same hash).
fn code_hash(code: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    code.hash(&mut h);
    h.finish()
}
const COLUMNS: &str = "code, lookup_secret, unit_id, procedure_id, channel, status, applicant_name,
    return_method, limit_kind, limit_value, registered_at, received_at, due_at, finished_at,
    returned_at, supplement_count, received_by, counter_id, imported, imported_at, updated_at";

/// Rows as the reader produces them: a chunk, or the reason reading stopped.
pub type DossierChunks = mpsc::Receiver<Result<Vec<DossierImportRow>>>;

/// Units, procedures and officials by code, read once; limits and calendars as first needed.
/// Looked up for every row: Fx hashes (short keys the database holds, no attacker's choice).
struct Lookups {
    units: FxHashMap<String, i64>,
    unit_codes: FxHashMap<i64, String>,
    procedures: FxHashMap<String, (i64, TimeLimit)>,
    officials: FxHashMap<String, i64>,
    counters: CountersByUnit<i64>,
    /// Procedures for which some unit committed a shorter limit.
    committed: FxHashSet<i64>,
    limits: FxHashMap<(i64, i64, NaiveDate), TimeLimit>,
    /// Holidays and make-up days, the same for every unit.
    base_calendar: Option<WorkingCalendar>,
    calendars: FxHashMap<i64, WorkingCalendar>,
}

impl Lookups {
    async fn read(store: &Store) -> Result<Lookups> {
        let (units, procedures, officials, counters, committed) = with_pool!(store, p => {
            let units: Vec<(String, i64)> =
                sqlx::query_as(super::units::UNIT_IDS_BY_CODE).fetch_all(p).await?;
            let procedures: Vec<(String, i64, String, i64)> = sqlx::query_as(
                "SELECT code, id, limit_kind, CAST(limit_value AS BIGINT) FROM procedures").fetch_all(p).await?;
            let officials: Vec<(String, i64)> =
                sqlx::query_as("SELECT code, id FROM officials").fetch_all(p).await?;
            let counters: Vec<(i64, String, i64)> = sqlx::query_as(
                "SELECT sc.unit_id, c.code, c.id FROM counters c
                 JOIN service_centers sc ON sc.id = c.service_center_id").fetch_all(p).await?;
            let committed: Vec<i64> =
                sqlx::query_scalar("SELECT DISTINCT procedure_id FROM procedure_limits").fetch_all(p).await?;
            Ok::<_, StoreError>((units, procedures, officials, counters, committed))
        })?;
        let mut procs = FxHashMap::default();
        for (code, id, kind, value) in procedures {
            let limit = TimeLimit::from_parts(&kind, value).map_err(StoreError::Invalid)?;
            procs.insert(code, (id, limit));
        }
        let mut by_unit = CountersByUnit::default();
        for (unit, code, id) in counters {
            by_unit
                .entry(unit)
                .or_insert_with(Vec::new)
                .push((code, id));
        }
        Ok(Lookups {
            counters: by_unit,
            unit_codes: units.iter().map(|(c, id)| (*id, c.clone())).collect(),
            units: units.into_iter().collect(),
            procedures: procs,
            officials: officials.into_iter().collect(),
            committed: committed.into_iter().collect(),
            limits: FxHashMap::default(),
            base_calendar: None,
            calendars: FxHashMap::default(),
        })
    }

    async fn calendar(&mut self, store: &Store, unit_id: i64) -> Result<&WorkingCalendar> {
        if !self.calendars.contains_key(&unit_id) {
            let cal = match &self.base_calendar {
                None => {
                    let cal = store.working_calendar(unit_id).await?;
                    self.base_calendar = Some(cal.clone());
                    cal
                }
                Some(base) => base.with_hours(store.unit_hours(unit_id).await?.effective),
            };
            self.calendars.insert(unit_id, cal);
        }
        Ok(&self.calendars[&unit_id])
    }

    async fn resolve_all(
        &mut self,
        store: &Store,
        rows: Vec<DossierImportRow>,
    ) -> Result<Vec<Ready>> {
        let mut ready = Vec::with_capacity(rows.len());
        for r in rows {
            ready.push(self.resolve(store, r).await?);
        }
        Ok(ready)
    }

    /// Checks a row and resolves its codes, limit and due time.
    async fn resolve(&mut self, store: &Store, mut r: DossierImportRow) -> Result<Ready> {
        let line = r.line;
        check_row(&r)?;
        // Codes are ASCII (checked above); most arrive trimmed and upper-case already.
        let code = r.code.take().map(|c| {
            let mut c = trimmed(c);
            c.make_ascii_uppercase();
            c
        });
        let uc = r.unit_code.trim();
        let unit_id = self.units.get(uc).copied().ok_or_else(|| {
            row_err(
                line,
                format!("không có đơn vị mã '{uc}'"),
                format!("no unit with code '{uc}'"),
            )
        })?;
        let pc = r.procedure_code.trim();
        let (procedure_id, legal) = *self.procedures.get(pc).ok_or_else(|| {
            row_err(
                line,
                format!("không có thủ tục mã '{pc}'"),
                format!("no procedure with code '{pc}'"),
            )
        })?;
        let day = r.received_at.date();
        let limit = if self.committed.contains(&procedure_id) {
            match self.limits.get(&(procedure_id, unit_id, day)) {
                Some(l) => *l,
                None => {
                    let l = store.effective_limit(procedure_id, unit_id, day).await?.0;
                    self.limits.insert((procedure_id, unit_id, day), l);
                    l
                }
            }
        } else {
            legal
        };
        let online_pending = r.status == Status::RegisteredOnline;
        let due_at = match (online_pending, r.due_at) {
            (true, _) => None,
            (false, Some(d)) => Some(local_ms(d)),
            (false, None) => Some(local_ms(
                self.calendar(store, unit_id)
                    .await?
                    .due_at(r.received_at, limit),
            )),
        };
        let received_by = match r
            .official_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            None => None,
            Some(oc) => Some(*self.officials.get(oc).ok_or_else(|| {
                row_err(
                    line,
                    format!("không có cán bộ mã '{oc}'"),
                    format!("no official with code '{oc}'"),
                )
            })?),
        };
        let counter_id = match r.counter_code.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(*counter_of_unit(&self.counters, unit_id, uc, c, line)?),
        };
        let received = local_ms(r.received_at);
        Ok(Ready {
            received_by,
            counter_id,
            line,
            code,
            day,
            unit_id,
            procedure_id,
            channel: r.channel.code(),
            status: r.status.code(),
            applicant_name: trimmed(std::mem::take(&mut r.applicant_name)),
            return_method: r.return_method.as_str(),
            limit,
            registered_at: received,
            received_at: (!online_pending).then_some(received),
            due_at,
            finished_at: r.finished_at.map(local_ms),
            returned_at: r.returned_at.map(local_ms),
            supplement_count: r.supplement_count,
            secret: lookup_secret(rand::random()),
        })
    }
}

/// `s` without surrounding white space, reusing its buffer when it has none.
fn trimmed(s: String) -> String {
    if s.trim().len() == s.len() {
        s
    } else {
        s.trim().to_string()
    }
}

/// A dossier as a row of the binary COPY of `COLUMNS`, whose types these calls follow.
fn copy_row(out: &mut Vec<u8>, code: &str, r: &Ready, now: Millis) {
    CopyTuple::new(out, 21)
        .text(code)
        .text(&r.secret)
        .int8(r.unit_id)
        .int8(r.procedure_id)
        .int2(r.channel)
        .int2(r.status)
        .text(&r.applicant_name)
        .text(r.return_method)
        .text(r.limit.kind())
        // Limits are small (days or hours); the column is an `integer`.
        .int4(r.limit.value() as i32)
        .int8(r.registered_at)
        .opt_int8(r.received_at)
        .opt_int8(r.due_at)
        .opt_int8(r.finished_at)
        .opt_int8(r.returned_at)
        .int4(r.supplement_count)
        .opt_int8(r.received_by)
        .opt_int8(r.counter_id)
        .boolean(true)
        .int8(now)
        .int8(now);
}

/// The highest number among stored codes `{unit}-{yyMMdd}-{N}` of a unit and day.
macro_rules! stored_max_seq {
    ($conn:expr, $unit_code:expr, $day:expr) => {{
        let prefix = format!("{}-{}-", $unit_code, $day.format("%y%m%d"));
        // '.' sorts right after '-': the range is exactly the codes with this prefix.
        let upper = format!("{}-{}.", $unit_code, $day.format("%y%m%d"));
        let codes: Vec<String> =
            sqlx::query_scalar("SELECT code FROM dossiers WHERE code >= $1 AND code < $2")
                .bind(&prefix)
                .bind(&upper)
                .fetch_all(&mut *$conn)
                .await?;
        codes
            .iter()
            .filter_map(|c| code_seq(c, $unit_code).map(|(_, n)| n))
            .max()
            .unwrap_or(0)
    }};
}

/// The given codes of a chunk, checked among themselves and against the hashes of earlier
/// chunks' codes (no database).
struct ChunkCodes<'a> {
    /// The line of each given code.
    first_line: FxHashMap<&'a str, u64>,
    /// Rows (indices) whose code's hash an earlier chunk wrote: a repeated line, or a
    /// collision, which only the database tells apart.
    maybe_repeated: Vec<usize>,
}

/// The line of each code a chunk gives; a code given twice in the chunk is an error.
fn first_lines(ready: &[Ready]) -> Result<FxHashMap<&str, u64>> {
    let mut first_line: FxHashMap<&str, u64> =
        FxHashMap::with_capacity_and_hasher(ready.len(), Default::default());
    for r in ready {
        if let Some(c) = &r.code
            && let Some(first) = first_line.insert(c.as_str(), r.line)
        {
            return Err(row_err(
                r.line,
                format!("mã hồ sơ {c} đã có ở dòng {first}"),
                format!("dossier code {c} already given on line {first}"),
            ));
        }
    }
    Ok(first_line)
}

/// Notes the hash of every code of a chunk in `seen`, which holds those of earlier chunks, and
/// returns the rows whose hash was there already: a load into an empty table never asks the
/// database about codes it has just written.
fn note_hashes(ready: &[Ready], seen: &mut FxHashSet<u64>) -> Vec<usize> {
    let mut maybe_repeated = Vec::new();
    for (i, r) in ready.iter().enumerate() {
        if let Some(c) = &r.code
            && !seen.insert(code_hash(c))
        {
            maybe_repeated.push(i);
        }
    }
    maybe_repeated
}

/// A chunk's codes checked, given the rows `note_hashes` found. A code given twice in the chunk
/// finds its own hash at its second line, so the lines of the chunk's codes are needed only
/// when some hash was seen before, or to name a code stored before the load.
fn chunk_codes<'a>(
    ready: &'a [Ready],
    maybe_repeated: Vec<usize>,
    stored: &StoredCodes,
) -> Result<ChunkCodes<'a>> {
    let first_line = if maybe_repeated.is_empty() && !matches!(stored, StoredCodes::Before) {
        FxHashMap::default()
    } else {
        first_lines(ready)?
    };
    Ok(ChunkCodes {
        first_line,
        maybe_repeated,
    })
}

/// After a chunk's codes are given: on a load into an empty table, the highest number each
/// unit code and day got so far, which numbering later rows starts from.
fn note_given_codes(stored: &mut StoredCodes, ready: &[Ready]) {
    if let StoredCodes::ThisLoad(max) = stored {
        note_highest(
            max,
            ready.iter().filter_map(|r| split_code(r.code.as_deref()?)),
        );
    }
}

/// Notes the highest number of each unit code and day among `given`, once per run of the same
/// unit and day (a first fill hands its rows on in code order, where such runs are long).
fn note_highest<'a>(
    max: &mut FxHashMap<String, FxHashMap<NaiveDate, i64>>,
    given: impl Iterator<Item = (&'a str, NaiveDate, i64)>,
) {
    let mut note = |(unit, day, n): (&str, NaiveDate, i64)| {
        // Looked up by `&str` first: a key is allocated once per unit, not per row.
        let days = match max.get_mut(unit) {
            Some(days) => days,
            None => max.entry(unit.to_string()).or_default(),
        };
        let m = days.entry(day).or_insert(0);
        *m = (*m).max(n);
    };
    let mut run: Option<(&str, NaiveDate, i64)> = None;
    for (unit, day, n) in given {
        match &mut run {
            Some((u, d, m)) if *u == unit && *d == day => *m = (*m).max(n),
            _ => {
                if let Some(done) = run.replace((unit, day, n)) {
                    note(done);
                }
            }
        }
    }
    if let Some(done) = run {
        note(done);
    }
}

/// For a chunk into an empty table: when every row brings its own code and none numbers a day
/// an intake may still number (today and later), notes the codes as `note_given_codes` does and
/// says so; the chunk then needs nothing of the database (no look-up of codes stored before,
/// no day's sequence to move), and PostgreSQL's COPY stays open across it. Each code is read
/// once (twice, deciding and then noting, was a tenth of SQLite's writer).
fn note_past_given_codes(
    stored: &mut StoredCodes,
    ready: &[Ready],
    unit_codes: &FxHashMap<i64, String>,
    today: NaiveDate,
) -> bool {
    let StoredCodes::ThisLoad(max) = stored else {
        return false;
    };
    let mut given = Vec::with_capacity(ready.len());
    for r in ready {
        let Some(code) = r.code.as_deref() else {
            return false;
        };
        if let Some((unit, day, n)) = split_code(code) {
            if day >= today && same_unit(unit, unit_code_of(unit_codes, r.unit_id)) {
                return false;
            }
            given.push((unit, day, n));
        }
    }
    note_highest(max, given.into_iter());
    true
}

/// Gives each row of a checked chunk (`chunk_codes`) its code: looks up possible repeats
/// and, when the table was not empty, codes stored before; reserves numbers for rows without
/// one, and moves the day's sequence past given codes on days an intake may still number
/// (today and later).
macro_rules! assign_codes {
    ($conn:expr, $ready:expr, $checked:expr, $lookups:expr, $stored:expr, $today:expr, $generated:expr) => {{
        let ready: &[Ready] = $ready;
        let ChunkCodes { first_line, maybe_repeated } = $checked;
        let stored: &mut StoredCodes = $stored;
        for i in maybe_repeated {
            let (line, c) = (ready[i].line, ready[i].code.as_deref().unwrap_or(""));
            let stored: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM dossiers WHERE code = $1)")
                    .bind(c)
                    .fetch_one(&mut *$conn)
                    .await?;
            if stored {
                return Err(row_err(
                    line,
                    format!("mã hồ sơ {c} trùng với một dòng trước trong tệp"),
                    format!("dossier code {c} repeats an earlier line of the file"),
                ));
            }
        }
        // Codes of earlier chunks passed the check above: what this finds was stored before.
        if matches!(stored, StoredCodes::Before) {
            let given: Vec<&str> = ready.iter().filter_map(|r| r.code.as_deref()).collect();
            for part in given.chunks(CODE_CHECK_CHUNK) {
                let mut qb = sqlx::QueryBuilder::new("SELECT code FROM dossiers WHERE code IN (");
                let mut sep = qb.separated(", ");
                for c in part {
                    sep.push_bind(*c);
                }
                qb.push(")");
                let taken: Vec<(String,)> = qb.build_query_as().fetch_all(&mut *$conn).await?;
                if let Some((line, c)) = taken
                    .iter()
                    .filter_map(|(c,)| first_line.get(c.as_str()).map(|l| (*l, c)))
                    .min()
                {
                    return Err(row_err(
                        line,
                        format!("mã hồ sơ {c} đã có trong cơ sở dữ liệu"),
                        format!("dossier code {c} already exists in the database"),
                    ));
                }
            }
        }
        // Per unit and day: the highest number given and the rows to number. Days with rows to
        // number, and days an intake may still number (today and later), are kept.
        let mut groups: BTreeMap<(i64, NaiveDate), (i64, Vec<usize>)> = BTreeMap::new();
        let mut given = Vec::new();
        for (i, r) in ready.iter().enumerate() {
            match &r.code {
                None => groups.entry((r.unit_id, r.day)).or_default().1.push(i),
                Some(c) => {
                    if let Some((day, n)) = code_seq(c, unit_code_of($lookups, r.unit_id)) {
                        if day >= $today {
                            groups.entry((r.unit_id, day)).or_default();
                        }
                        given.push((r.unit_id, day, n));
                    }
                }
            }
        }
        for (unit_id, day, n) in given {
            if let Some(g) = groups.get_mut(&(unit_id, day)) {
                g.0 = g.0.max(n);
            }
        }
        let mut codes: Vec<String> = ready.iter().map(|r| r.code.clone().unwrap_or_default()).collect();
        for ((unit_id, day), (given_max, todo)) in &groups {
            let unit_code = unit_code_of($lookups, *unit_id).to_string();
            let mut floor = *given_max;
            if !todo.is_empty() {
                // Codes given by earlier imports, or earlier chunks, are not in the sequence.
                floor = floor.max(match &*stored {
                    StoredCodes::Before => stored_max_seq!($conn, &unit_code, day),
                    StoredCodes::ThisLoad(max) => max
                        .get(unit_code.to_uppercase().as_str())
                        .and_then(|days| days.get(day))
                        .copied()
                        .unwrap_or(0),
                });
            }
            let k = todo.len() as i64;
            let last: i64 = sqlx::query_scalar(
                "INSERT INTO dossier_sequences (unit_id, day, last_seq) VALUES ($1, $2, $3 + $4)
                 ON CONFLICT (unit_id, day) DO UPDATE SET last_seq =
                    (CASE WHEN dossier_sequences.last_seq > $3 THEN dossier_sequences.last_seq ELSE $3 END) + $4
                 RETURNING last_seq")
                .bind(unit_id).bind(day).bind(floor).bind(k)
                .fetch_one(&mut *$conn).await?;
            for (j, &i) in todo.iter().enumerate() {
                codes[i] = dossier_code(&unit_code, *day, last - k + 1 + j as i64);
            }
            $generated += k as u64;
        }
        note_given_codes(stored, ready);
        codes
    }};
}

/// A unit's code by id ("" for an unknown id, which the resolve stage never lets through).
fn unit_code_of(codes: &FxHashMap<i64, String>, unit_id: i64) -> &str {
    codes.get(&unit_id).map(String::as_str).unwrap_or("")
}

/// Checks and resolves the chunks on a task of their own, one chunk ahead of the writer: the
/// due times from the working calendar and the look-ups took about a quarter of a load's time,
/// which the database's writing of the previous chunk now covers. Stops at the first error,
/// which the writer receives in the chunk's place.
fn resolve_stage(
    store: Store,
    mut lookups: Lookups,
    mut chunks: DossierChunks,
    now: Millis,
    tally_here: bool,
) -> (ReadyChunks, tokio::task::JoinHandle<DossierTally>) {
    let (tx, rx) = mpsc::channel(2);
    let tallied = tokio::spawn(async move {
        // What the rows add to the aggregates is counted here too: the writer is the busier.
        let mut tally = DossierTally::default();
        while let Some(chunk) = chunks.recv().await {
            let ready = match chunk {
                Ok(rows) => lookups.resolve_all(&store, rows).await,
                Err(e) => Err(e),
            };
            if let Ok(ready) = &ready
                && tally_here
            {
                for r in ready {
                    tally.add(&snapshot(r, now));
                }
            }
            let failed = ready.is_err();
            if tx.send(ready).await.is_err() || failed {
                break;
            }
        }
        tally
    });
    (rx, tallied)
}

/// Resolved rows as the resolve stage hands them to the writer.
type ReadyChunks = mpsc::Receiver<Result<Vec<Ready>>>;

/// Rows a first fill holds to put them in code order; beyond, the rest pass in file order.
/// (A resolved dossier takes about 300 bytes: 10 million took 3 GB.)
const ORDER_UP_TO: usize = 10_000_000;
/// Rows per chunk handed on in code order.
const ORDERED_CHUNK: usize = 20_000;

/// For a first fill on SQLite: takes every resolved row, then hands them on in code order.
/// Codes follow unit, day and number, as the dossiers' index on unit and time does, so both
/// indexes built after the rows read them presorted: SQLite built them from 10 million dossiers
/// in a file's order of receipt in 30 + 24 s, in code order in 5 + 5 s (its sorter is bound by
/// memory latency). The writer waits meanwhile (17-22 s); an error is handed on at once. Rows
/// without a code sort with their unit and day; any order is correct, this one is only faster.
/// The task is joined before the commit, so that a panic in it cannot pass for the end of the
/// rows.
fn code_order_stage(
    mut chunks: ReadyChunks,
    unit_codes: FxHashMap<i64, String>,
    held_all: Arc<AtomicBool>,
    now: Millis,
) -> (ReadyChunks, tokio::task::JoinHandle<DossierTally>) {
    let (tx, rx) = mpsc::channel(2);
    let handle = tokio::spawn(async move {
        // What the rows add to the aggregates is counted here as they are handed on in code
        // order, not while they are read: a unit's cells then stay in cache (counted in file
        // order, 3,321 units interleaved, the tally's map took a third of the samples of the
        // tasks that resolve and hold the rows).
        let mut tally = DossierTally::default();
        let mut rows = Held::default();
        let mut rest: Option<Result<Vec<Ready>>> = None;
        while let Some(chunk) = chunks.recv().await {
            match chunk {
                Ok(ready) if rows.len() < ORDER_UP_TO => rows.push(ready),
                other => {
                    rest = Some(other);
                    break;
                }
            }
        }
        if let Some(Err(e)) = rest {
            let _ = tx.send(Err(e)).await;
            return tally;
        }
        held_all.store(rest.is_none(), Ordering::Release);
        let (mut rows, order) = joined(tokio::task::spawn_blocking(move || {
            let order = code_order(&rows, &unit_codes);
            (rows, order)
        }))
        .await;
        let order = match order {
            Ok(order) => order,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return tally;
            }
        };
        for part in order.chunks(ORDERED_CHUNK) {
            let chunk = part
                .iter()
                .map(|&i| {
                    let r = compacted(rows.take(i).expect("each row once"));
                    tally.add(&snapshot(&r, now));
                    r
                })
                .collect();
            if tx.send(Ok(chunk)).await.is_err() {
                return tally;
            }
        }
        drop(rows);
        // More rows than are held: the rest in their order.
        if let Some(chunk) = rest {
            let mut next = Some(chunk);
            while let Some(chunk) = next {
                if let Ok(ready) = &chunk {
                    for r in ready {
                        tally.add(&snapshot(r, now));
                    }
                }
                let failed = chunk.is_err();
                if tx.send(chunk).await.is_err() || failed {
                    return tally;
                }
                next = chunks.recv().await;
            }
        }
        tally
    });
    (rx, handle)
}

/// Rows a first fill holds, in the chunks they came in: one vector of them all grew by copying
/// itself (10 million rows, 2.4 GB, copied again at each doubling).
#[derive(Default)]
struct Held {
    chunks: Vec<Vec<Option<Ready>>>,
    /// The index of each chunk's first row.
    starts: Vec<usize>,
    len: usize,
}

impl Held {
    fn push(&mut self, chunk: Vec<Ready>) {
        self.starts.push(self.len);
        self.len += chunk.len();
        self.chunks.push(chunk.into_iter().map(Some).collect());
    }

    fn len(&self) -> usize {
        self.len
    }

    fn slot(&self, i: u32) -> (usize, usize) {
        let c = self.starts.partition_point(|&s| s <= i as usize) - 1;
        (c, i as usize - self.starts[c])
    }

    /// Row `i` of all, unless taken.
    fn get(&self, i: u32) -> Option<&Ready> {
        let (c, o) = self.slot(i);
        self.chunks[c][o].as_ref()
    }

    fn take(&mut self, i: u32) -> Option<Ready> {
        let (c, o) = self.slot(i);
        self.chunks[c][o].take()
    }
}

/// A held row with its text copied next to the rows handed on with it. Held rows are read in an
/// order other than their allocation's: the writer touched and freed each one's text at random
/// in memory (10 million dossiers: a third of its time), which this stage now does on the
/// other core.
fn compacted(mut r: Ready) -> Ready {
    r.code = r.code.map(|c| c.as_str().to_owned());
    r.applicant_name = r.applicant_name.as_str().to_owned();
    r.secret = r.secret.as_str().to_owned();
    r
}

/// The rows' indices by code (bytewise, as the index compares them), rows in file order among
/// equal keys; or, for a code given twice, the error naming its later line (the earliest such
/// line of the file). Sorted by the codes' first 24 bytes held inline, which tells all but the
/// longest codes apart without reading them again, and puts repeated codes side by side.
fn code_order(rows: &Held, unit_codes: &FxHashMap<i64, String>) -> Result<Vec<u32>> {
    fn key_of<'a>(r: &'a Ready, unit_codes: &FxHashMap<i64, String>) -> Cow<'a, str> {
        match &r.code {
            Some(c) => Cow::Borrowed(c),
            // After every given code of the unit and day: numbering goes on from the
            // highest, which a row numbered before a later chunk's given code could take.
            None => Cow::Owned(format!(
                "{}-{}-{}",
                unit_code_of(unit_codes, r.unit_id),
                r.day.format("%y%m%d"),
                char::MAX
            )),
        }
    }
    let key = |i: u32| key_of(rows.get(i).expect("all rows present"), unit_codes);
    let mut keys: Vec<(u128, u64, u32)> = (0..rows.len() as u32)
        .map(|i| {
            let mut b = [0u8; 24];
            let k = key(i);
            let n = k.len().min(24);
            b[..n].copy_from_slice(&k.as_bytes()[..n]);
            let (high, low) = b.split_at(16);
            (
                u128::from_be_bytes(high.try_into().expect("16 bytes")),
                u64::from_be_bytes(low.try_into().expect("8 bytes")),
                i,
            )
        })
        .collect();
    keys.sort_unstable_by(|x, y| {
        (x.0, x.1)
            .cmp(&(y.0, y.1))
            .then_with(|| {
                // Equal first 24 bytes: only codes longer than that still differ.
                let (kx, ky) = (key(x.2), key(y.2));
                if kx.len() > 24 || ky.len() > 24 {
                    kx.cmp(&ky)
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .then(x.2.cmp(&y.2))
    });
    let code = |i: u32| rows.get(i).and_then(|r| r.code.as_deref());
    let repeat = keys
        .windows(2)
        .filter(|w| (w[0].0, w[0].1) == (w[1].0, w[1].1))
        .filter_map(|w| {
            let c = code(w[1].2)?;
            (code(w[0].2) == Some(c)).then_some((w[0].2, w[1].2))
        })
        .min_by_key(|&(_, later)| later);
    if let Some((first, later)) = repeat {
        let line = |i: u32| rows.get(i).map_or(0, |r| r.line);
        let (c, first) = (code(later).unwrap_or(""), line(first));
        return Err(row_err(
            line(later),
            format!("mã hồ sơ {c} đã có ở dòng {first}"),
            format!("dossier code {c} already given on line {first}"),
        ));
    }
    Ok(keys.into_iter().map(|(_, _, i)| i).collect())
}

impl Store {
    /// Loads historical dossiers held in memory (tests, the demo): `import_dossiers_stream`
    /// over chunks of them.
    pub async fn import_dossiers(&self, rows: &[DossierImportRow]) -> Result<DossierImportSummary> {
        let chunks: Vec<Vec<DossierImportRow>> = rows.chunks(20_000).map(<[_]>::to_vec).collect();
        let (tx, rx) = mpsc::channel(chunks.len().max(1));
        for c in chunks {
            tx.send(Ok(c)).await.expect("the receiver is here");
        }
        drop(tx);
        self.import_dossiers_stream(rx).await
    }

    /// Loads historical dossiers streamed in chunks, in one transaction (see the module
    /// documentation). Any bad row (unknown unit or procedure, inconsistent times, a code
    /// already used in the file or in the database) rolls the whole import back and names its
    /// line.
    pub async fn import_dossiers_stream(
        &self,
        chunks: DossierChunks,
    ) -> Result<DossierImportSummary> {
        let started = std::time::Instant::now();
        let now = now_ms();
        let today = crate::domain::time::local_time(now).date();
        let lookups = Lookups::read(self).await?;
        let unit_codes = lookups.unit_codes.clone();
        // On SQLite only: PostgreSQL's index builds gained less from the order (19 s against
        // 24-31 s) than its writer lost waiting for all the rows (26 s; the load 80 s against
        // 71-80 s). Racing another writer would only cost the order its speed.
        let first_fill = match self.db() {
            Db::Sqlite(p) => {
                sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM dossiers)")
                    .fetch_one(p)
                    .await?
            }
            Db::Postgres(_) => false,
        };
        let (chunks, tallied) = resolve_stage(self.clone(), lookups, chunks, now, !first_fill);
        // Set when the code order stage held every row of the file: nothing reads the
        // database for this load any more once the first row is written.
        let held_all = Arc::new(AtomicBool::new(false));
        let (mut chunks, tallied) = if first_fill {
            let (ordered, order) =
                code_order_stage(chunks, unit_codes.clone(), held_all.clone(), now);
            let tallied = tokio::spawn(async move {
                let tally = joined(order).await;
                // Counted nothing; joined so that a panic there cannot pass unseen.
                joined(tallied).await;
                tally
            });
            (ordered, tallied)
        } else {
            (chunks, tallied)
        };
        let mut waiting = Stopwatch::default();
        // Keys already hashed: the Fx hash only spreads them (SipHash again cost a load 2%).
        let mut seen: FxHashSet<u64> = FxHashSet::default();
        let mut sum = DossierImportSummary::default();
        // Lines and codes of the chunk being written, to explain a unique violation.
        let mut last_chunk: Vec<(u64, String)> = Vec::new();
        let outcome: Result<()> = async {
            match self.db() {
                Db::Sqlite(p) => {
                    // Units, procedures and officials are never deleted, so the ids resolved
                    // before the transaction still name rows at its commit, and channel, status
                    // and return method come from types that hold only valid values: SQLite's
                    // own checks would repeat three look-ups a row (as on PostgreSQL, whose
                    // trigger checks this load skips too).
                    let mut conn = bulk_connection(p).await?;
                    // The journal mode changes only outside a transaction, so the first chunk
                    // is awaited before it begins.
                    let mut first = waiting.time(chunks.recv()).await;
                    let no_wal = first_fill
                        && matches!(first, Some(Ok(_)))
                        && held_all.load(Ordering::Acquire)
                        && leave_wal_if_alone(p, &mut conn).await?;
                    if first_fill && first.is_some() {
                        tracing::info!(wal = !no_wal, "first fill");
                    }
                    let written: Result<()> = async {
                        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                        let first_id: i64 =
                            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM dossiers")
                                .fetch_one(&mut *tx)
                                .await?;
                        let mut stored = StoredCodes::new(first_id);
                        let mut dropped: Option<Vec<String>> = None;
                        loop {
                            let ready = match first.take() {
                                Some(ready) => ready,
                                None => match waiting.time(chunks.recv()).await {
                                    Some(ready) => ready,
                                    None => break,
                                },
                            };
                            let ready = ready?;
                            if dropped.is_none() {
                                let mut plain = Vec::new();
                                if ready.len() >= BULK_ROWS {
                                    plain = drop_indexes_for_load(&mut tx, "dossiers").await?;
                                    // As on PostgreSQL below: into an empty table, `note_hashes`
                                    // finds repeated codes.
                                    if first_id == 0 {
                                        plain.extend(
                                            drop_unique_for_first_fill(&mut tx, "dossiers_code")
                                                .await?,
                                        );
                                    }
                                }
                                dropped = Some(plain);
                            }
                            // Every row held and put in code order: the order stage found
                            // repeated codes side by side.
                            let repeated = if held_all.load(Ordering::Acquire) {
                                Vec::new()
                            } else {
                                note_hashes(&ready, &mut seen)
                            };
                            // Rows that bring their own codes, of past days, into an empty
                            // table (a first fill's usual chunk) keep them as they are.
                            let codes = if !repeated.is_empty()
                                || !note_past_given_codes(&mut stored, &ready, &unit_codes, today)
                            {
                                let checked = chunk_codes(&ready, repeated, &stored)?;
                                Some(assign_codes!(
                                    &mut *tx,
                                    &ready,
                                    checked,
                                    &unit_codes,
                                    &mut stored,
                                    today,
                                    sum.codes_generated
                                ))
                            } else {
                                None
                            };
                            let code_of = |k: usize| match &codes {
                                Some(codes) => codes[k].as_str(),
                                None => ready[k].code.as_deref().unwrap_or(""),
                            };
                            let mut handle = tx.lock_handle().await?;
                            // One prepared INSERT stepped per row: dossiers have no triggers, so
                            // going through a scratch table (`sqlite_bulk::staged`) only copied
                            // every row twice (10M rows: 85 s written that way, 63 s this way).
                            // SAFETY: the handle stays locked while the statement lives.
                            let mut put = unsafe {
                                Prepared::new(
                                    handle.as_raw_handle(),
                                    &format!(
                                        "INSERT INTO dossiers ({COLUMNS}) VALUES ({})",
                                        ["?"; 21].join(", ")
                                    ),
                                )?
                            };
                            let wrote = ready.iter().enumerate().try_for_each(|(k, r)| {
                                put.run(&[
                                    J::S(code_of(k)),
                                    J::S(&r.secret),
                                    J::I(r.unit_id),
                                    J::I(r.procedure_id),
                                    J::I(r.channel.into()),
                                    J::I(r.status.into()),
                                    J::S(&r.applicant_name),
                                    J::S(r.return_method),
                                    J::S(r.limit.kind()),
                                    J::I(r.limit.value().into()),
                                    J::I(r.registered_at),
                                    J::N(r.received_at),
                                    J::N(r.due_at),
                                    J::N(r.finished_at),
                                    J::N(r.returned_at),
                                    J::I(r.supplement_count.into()),
                                    J::N(r.received_by),
                                    J::N(r.counter_id),
                                    J::I(1),
                                    J::I(now),
                                    J::I(now),
                                ])
                            });
                            drop(put);
                            drop(handle);
                            if wrote.is_err() {
                                // To explain a unique violation.
                                last_chunk = (0..ready.len())
                                    .map(|k| (ready[k].line, code_of(k).to_string()))
                                    .collect();
                            }
                            wrote?;
                            sum.imported += ready.len() as u64;
                        }
                        last_chunk.clear();
                        phase("dossiers written", &sum, started);
                        tracing::info!(secs = waiting.secs(), "waited for checked rows");
                        restore_indexes(&mut tx, &dropped.unwrap_or_default()).await?;
                        phase("indexes rebuilt", &sum, started);
                        let deltas = joined(tallied).await.into_deltas();
                        finish!(&mut *tx, now, deltas, sum);
                        phase("aggregates added", &sum, started);
                        tx.commit().await?;
                        Ok(())
                    }
                    .await;
                    if no_wal {
                        back_to_wal(&mut conn).await;
                    }
                    written?;
                }
                Db::Postgres(p) => {
                    let mut tx = p.begin().await?;
                    let first_id: i64 =
                        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM dossiers")
                            .fetch_one(&mut *tx)
                            .await?;
                    let mut stored = StoredCodes::new(first_id);
                    // Dossiers have no triggers of their own but foreign keys, checked here by
                    // the lookups.
                    super::aggregates::pg_skip_triggers(&mut tx).await?;
                    let mut buf = Vec::with_capacity(8 << 20);
                    let mut dropped: Option<Vec<String>> = None;
                    // Whether the unique key on codes was dropped for the load (then a repeat
                    // shows only when it is added back).
                    let mut unique_dropped = false;
                    // A chunk that needs the connection, received while a COPY was open,
                    // with the rows `note_hashes` found (its hashes are noted already).
                    let mut pending: Option<(Vec<Ready>, Vec<usize>)> = None;
                    loop {
                        let (ready, repeated) = match pending.take() {
                            Some((ready, repeated)) => (ready, Some(repeated)),
                            None => match waiting.time(chunks.recv()).await {
                                Some(ready) => (ready?, None),
                                None => break,
                            },
                        };
                        if dropped.is_none() {
                            let mut plain = Vec::new();
                            if ready.len() >= BULK_ROWS {
                                plain =
                                    pg_bulk::drop_indexes_for_load(&mut tx, "dossiers", first_id)
                                        .await?;
                                // Into an empty table codes can only repeat each other, which
                                // `note_hashes` finds: the unique key is built once at the end
                                // (3M rows: COPY 17.9 s with it, 8.8 s without; 4.3 s to build
                                // it for 5M), and so is the primary key on ids the sequence
                                // gives.
                                if first_id == 0 {
                                    let unique = pg_bulk::drop_unique_for_first_fill(
                                        &mut tx, "dossiers", "code",
                                    )
                                    .await?;
                                    unique_dropped = unique.is_some();
                                    plain.extend(unique);
                                    plain.extend(
                                        pg_bulk::drop_primary_key_for_fill(&mut tx, "dossiers")
                                            .await?,
                                    );
                                }
                            }
                            dropped = Some(plain);
                        }
                        let repeated = match repeated {
                            Some(repeated) => repeated,
                            None => note_hashes(&ready, &mut seen),
                        };
                        let checked = chunk_codes(&ready, repeated, &stored)?;
                        let codes = assign_codes!(
                            &mut *tx,
                            &ready,
                            checked,
                            &unit_codes,
                            &mut stored,
                            today,
                            sum.codes_generated
                        );
                        // Kept (moved, not copied) to explain a unique violation.
                        last_chunk = ready.iter().map(|r| r.line).zip(codes).collect();
                        buf.clear();
                        buf.extend_from_slice(CopyTuple::HEADER);
                        for (r, (_, c)) in ready.iter().zip(&last_chunk) {
                            copy_row(&mut buf, c, r, now);
                        }
                        sum.imported += ready.len() as u64;
                        // The COPY stays open for the chunks that follow as long as none needs
                        // the connection (`note_past_given_codes`), so that the server writes one
                        // chunk while the next is prepared.
                        let mut copy = tx
                            .copy_in_raw(&format!(
                                "COPY dossiers ({COLUMNS}) FROM STDIN WITH (FORMAT binary)"
                            ))
                            .await?;
                        let sent: Result<()> = async {
                            copy.send(buf.as_slice()).await?;
                            while let Some(next) = waiting.time(chunks.recv()).await {
                                let next = next?;
                                // A code given twice in `next` is among `repeated`, which
                                // sends the chunk to `chunk_codes` below.
                                let repeated = note_hashes(&next, &mut seen);
                                if !repeated.is_empty()
                                    || !note_past_given_codes(
                                        &mut stored,
                                        &next,
                                        &unit_codes,
                                        today,
                                    )
                                {
                                    pending = Some((next, repeated));
                                    break;
                                }
                                buf.clear();
                                for r in &next {
                                    copy_row(&mut buf, r.code.as_deref().unwrap_or(""), r, now);
                                }
                                copy.send(buf.as_slice()).await?;
                                sum.imported += next.len() as u64;
                                // Rows of an open COPY may all be the one a unique key refuses.
                                let lines = next
                                    .into_iter()
                                    .map(|r| (r.line, r.code.unwrap_or_default()));
                                if unique_dropped {
                                    last_chunk = lines.collect();
                                } else {
                                    last_chunk.extend(lines);
                                }
                            }
                            Ok(())
                        }
                        .await;
                        if let Err(e) = sent {
                            let _ = copy.abort("import failed").await;
                            return Err(e);
                        }
                        copy.send(CopyTuple::TRAILER).await?;
                        copy.finish().await?;
                    }
                    last_chunk.clear();
                    phase("dossiers written", &sum, started);
                    tracing::info!(secs = waiting.secs(), "waited for checked rows");
                    pg_bulk::restore_indexes(&mut tx, &dropped.unwrap_or_default()).await?;
                    phase("indexes rebuilt", &sum, started);
                    let deltas = joined(tallied).await.into_deltas();
                    finish!(&mut *tx, now, deltas, sum);
                    phase("aggregates added", &sum, started);
                    tx.commit().await?;
                }
            }
            Ok(())
        }
        .await;
        match outcome {
            Ok(()) => {
                // Only a bulk load changes the tables enough to be worth it.
                if sum.imported >= BULK_ROWS as u64 {
                    self.settle_after_load(&["dossiers"]).await;
                }
                Ok(sum)
            }
            Err(StoreError::Db(e)) if is_unique_violation(&e) => {
                Err(self.explain_code_conflict(&last_chunk).await)
            }
            Err(e) => Err(e),
        }
    }

    /// What a unique violation on a chunk's codes was about: a code stored before this import,
    /// or one repeated from an earlier chunk of the file.
    async fn explain_code_conflict(&self, rows: &[(u64, String)]) -> StoreError {
        if rows.is_empty() {
            // Found when the unique key was built again after the rows (an empty table's load).
            return StoreError::conflict(
                "Một mã hồ sơ trong tệp trùng với một mã khác; không có gì được nhập.",
                "A dossier code of the file repeats another one; nothing was imported.",
            );
        }
        for (line, code) in rows {
            let stored: std::result::Result<bool, sqlx::Error> = with_pool!(self, p => {
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM dossiers WHERE code = $1)")
                    .bind(code).fetch_one(p).await
            });
            if stored.unwrap_or(false) {
                return row_err(
                    *line,
                    format!("mã hồ sơ {code} đã có trong cơ sở dữ liệu"),
                    format!("dossier code {code} already exists in the database"),
                );
            }
        }
        let first = rows.first().map(|r| r.0).unwrap_or(0);
        let last = rows.last().map(|r| r.0).unwrap_or(0);
        row_err(
            first,
            format!(
                "một mã hồ sơ trong các dòng {first}–{last} trùng với một dòng trước trong tệp"
            ),
            format!("a dossier code on lines {first}–{last} repeats an earlier line of the file"),
        )
    }
}

/// Time spent in what it times.
#[derive(Default)]
struct Stopwatch(std::time::Duration);

impl Stopwatch {
    async fn time<T>(&mut self, f: impl std::future::Future<Output = T>) -> T {
        let start = std::time::Instant::now();
        let out = f.await;
        self.0 += start.elapsed();
        out
    }

    fn secs(&self) -> f64 {
        self.0.as_secs_f64()
    }
}

/// Logs where a load stands, for whoever times one (`HAILONG_LOG=info`).
fn phase(what: &str, sum: &DossierImportSummary, started: std::time::Instant) {
    tracing::info!(
        rows = sum.imported,
        secs = started.elapsed().as_secs_f64(),
        "{what}"
    );
}

/// What the aggregates need of an imported dossier.
fn snapshot(r: &Ready, now: Millis) -> DossierSnapshot {
    DossierSnapshot {
        unit_id: r.unit_id,
        channel: r.channel,
        status: r.status,
        received_at: r.received_at,
        due_at: r.due_at,
        finished_at: r.finished_at,
        returned_at: r.returned_at,
        supplement_count: r.supplement_count,
        counter_id: r.counter_id,
        updated_at: now,
    }
}

/// After the last chunk: the aggregates and the audit log. (The history's first line, the
/// import, is read from the dossier's `imported_at`.)
macro_rules! finish {
    ($conn:expr, $now:expr, $deltas:expr, $sum:expr) => {{
        agg_apply!(&mut *$conn, Deltas::default(), $deltas);
        sqlx::query(
            "INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, NULL, $2, $3)",
        )
        .bind($now)
        .bind("dossier.import")
        .bind(format!(
            "{} dossiers, {} codes generated",
            $sum.imported, $sum.codes_generated
        ))
        .execute(&mut *$conn)
        .await?;
    }};
}
use finish;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_the_unit_give_their_day_and_number() {
        let d = NaiveDate::from_ymd_opt(2020, 1, 5).unwrap();
        assert_eq!(code_seq("22525-200105-0007", "22525"), Some((d, 7)));
        assert_eq!(code_seq("22525-200105-12345", "22525"), Some((d, 12345)));
        assert_eq!(code_seq("22516-200105-0007", "22525"), None);
        assert_eq!(code_seq("22525-201305-0007", "22525"), None);
        assert_eq!(code_seq("22525-200105-00A7", "22525"), None);
        assert_eq!(code_seq("HS-2020-001", "22525"), None);
        // Two-digit years as chrono reads them, so that a code's day is the day it was given.
        for day in ["700101", "991231", "000229", "691231"] {
            let code = format!("22525-{day}-0001");
            let want = NaiveDate::parse_from_str(day, "%y%m%d").unwrap();
            assert_eq!(code_seq(&code, "22525"), Some((want, 1)));
        }
        assert_eq!(code_seq("22525-010229-0001", "22525"), None);
        assert_eq!(code_seq("22525-20010-0001", "22525"), None);
    }

    fn ready(line: u64, unit_id: i64, code: Option<&str>, day: NaiveDate) -> Option<Ready> {
        Some(Ready {
            line,
            code: code.map(str::to_string),
            day,
            unit_id,
            procedure_id: 1,
            channel: 1,
            status: 10,
            applicant_name: "Nguyễn Văn An".into(),
            return_method: "desk",
            limit: TimeLimit::WorkingDays(1),
            registered_at: 0,
            received_at: None,
            due_at: None,
            finished_at: None,
            returned_at: None,
            supplement_count: 0,
            secret: String::new(),
            received_by: None,
            counter_id: None,
        })
    }

    /// The rows held in chunks of three, as a first fill holds them.
    fn held(rows: &[Option<Ready>]) -> Held {
        let mut held = Held::default();
        for part in rows.chunks(3) {
            held.push(part.iter().flatten().cloned().collect());
        }
        held
    }

    #[test]
    fn a_first_fill_is_written_in_code_order() {
        let d = |day| NaiveDate::from_ymd_opt(2025, 3, day).unwrap();
        let units: FxHashMap<i64, String> = [(1, "22525".to_string()), (2, "00004".to_string())]
            .into_iter()
            .collect();
        // Past 24 bytes only the last character differs.
        let long = "HS-2025-PHUONG-BA-DINH-000";
        let rows = vec![
            ready(2, 1, Some("22525-250304-0001"), d(4)),
            ready(3, 2, Some("00004-250304-0002"), d(4)),
            ready(4, 1, None, d(3)),
            ready(5, 2, Some("00004-250303-0001"), d(3)),
            ready(6, 1, Some(&format!("{long}9")), d(4)),
            ready(7, 1, Some("22525-250303-0001"), d(3)),
            ready(8, 1, Some(&format!("{long}1")), d(4)),
            ready(9, 1, None, d(3)),
        ];
        let lines: Vec<u64> = code_order(&held(&rows), &units)
            .unwrap()
            .into_iter()
            .map(|i| rows[i as usize].as_ref().unwrap().line)
            .collect();
        // Rows without a code come with their unit and day, in the file's order, after the
        // given codes of that day.
        assert_eq!(lines, [5, 3, 7, 4, 9, 2, 8, 6]);
    }

    #[test]
    fn a_code_given_twice_to_a_first_fill_names_its_earliest_repeat() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 4).unwrap();
        let units: FxHashMap<i64, String> = [(1, "22525".to_string())].into_iter().collect();
        let rows = vec![
            ready(2, 1, Some("22525-250304-0009"), d),
            ready(3, 1, Some("22525-250304-0001"), d),
            ready(4, 1, None, d),
            ready(5, 1, None, d),
            ready(6, 1, Some("22525-250304-0009"), d),
            ready(7, 1, Some("22525-250304-0001"), d),
            ready(8, 1, Some("22525-250304-0001"), d),
        ];
        let err = code_order(&held(&rows), &units).unwrap_err().to_string();
        assert!(
            err.contains("line 6: mã hồ sơ 22525-250304-0009 đã có ở dòng 2"),
            "{err}"
        );
        // Two rows without a code of the same unit and day are no repeat.
        assert!(code_order(&held(&rows[..4]), &units).is_ok());
    }
}
