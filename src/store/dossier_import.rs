//! Import of historical dossiers (`hailong import dossiers`): a unit brings its past so that
//! reports and timeliness cover it. All or nothing, errors name the line; rows are inserted in
//! multi-row statements so that 100,000 dossiers load in seconds.
//!
//! Missing codes are generated with the intake's per-unit daily sequence (`dossier_sequences`),
//! and given codes of the form `{unit}-{yyMMdd}-{NNNN}` move that day's sequence past them, so
//! a later intake on such a day never takes an imported number.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::aggregates::agg_apply;
use super::{Result, Store, StoreError, with_pool};
use crate::domain::Msg;
use crate::domain::aggregate::{Deltas, DossierDeltas, DossierSnapshot};
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
struct Ready {
    line: u64,
    code: Option<String>,
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

/// The sequence number in a code `{unit}-{yyMMdd}-{NNNN}` of this unit, with its day.
fn code_seq(code: &str, unit_code: &str) -> Option<(NaiveDate, i64)> {
    let rest = code
        .strip_prefix(&unit_code.to_uppercase())?
        .strip_prefix('-')?;
    let (day, n) = rest.split_once('-')?;
    if day.len() != 6 || n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let day = NaiveDate::parse_from_str(day, "%y%m%d").ok()?;
    Some((day, n.parse().ok()?))
}

const CODE_CHECK_CHUNK: usize = 1000;
/// 16 values a row: 16,000 parameters, under both databases' limits.
const INSERT_CHUNK: usize = 1000;
const EVENT_CHUNK: usize = 3000;

impl Store {
    /// Loads historical dossiers in one transaction (see the module documentation). Any bad row
    /// (unknown unit or procedure, inconsistent times, a code already used in the file or in
    /// the database) rolls the whole import back and names its line.
    pub async fn import_dossiers(&self, rows: &[DossierImportRow]) -> Result<DossierImportSummary> {
        // 1. Each row on its own, and codes repeated within the file.
        let mut seen: HashMap<String, u64> = HashMap::new();
        let codes: Vec<Option<String>> = rows
            .iter()
            .map(|r| r.code.as_ref().map(|c| c.trim().to_uppercase()))
            .collect();
        for (r, code) in rows.iter().zip(&codes) {
            check_row(&DossierImportRow {
                code: code.clone(),
                ..r.clone()
            })?;
            if let Some(c) = code
                && let Some(first) = seen.insert(c.clone(), r.line)
            {
                return Err(row_err(
                    r.line,
                    format!("mã hồ sơ {c} đã có ở dòng {first}"),
                    format!("dossier code {c} already given on line {first}"),
                ));
            }
        }

        // 2. Units, procedures, limits and calendars, each looked up once.
        let mut units: HashMap<String, (i64, String)> = HashMap::new();
        let mut procedures: HashMap<String, (i64, TimeLimit)> = HashMap::new();
        let mut officials: HashMap<String, i64> = HashMap::new();
        let committed: HashSet<i64> = with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT DISTINCT procedure_id FROM procedure_limits").fetch_all(p).await)?
        .into_iter()
        .collect();
        let mut limits: HashMap<(i64, i64, NaiveDate), TimeLimit> = HashMap::new();
        let mut calendars: HashMap<i64, WorkingCalendar> = HashMap::new();
        let mut ready = Vec::with_capacity(rows.len());
        for (r, code) in rows.iter().zip(codes) {
            let line = r.line;
            let uc = r.unit_code.trim();
            if !units.contains_key(uc) {
                let u = self.unit_by_code(uc).await?.ok_or_else(|| {
                    row_err(
                        line,
                        format!("không có đơn vị mã '{uc}'"),
                        format!("no unit with code '{uc}'"),
                    )
                })?;
                units.insert(uc.to_string(), (u.id, u.code));
            }
            let (unit_id, _) = units[uc];
            let pc = r.procedure_code.trim();
            if !procedures.contains_key(pc) {
                let p = self.procedure_by_code(pc).await?.ok_or_else(|| {
                    row_err(
                        line,
                        format!("không có thủ tục mã '{pc}'"),
                        format!("no procedure with code '{pc}'"),
                    )
                })?;
                procedures.insert(pc.to_string(), (p.id, p.legal_limit));
            }
            let (procedure_id, legal) = procedures[pc];
            let day = r.received_at.date();
            let limit = if committed.contains(&procedure_id) {
                match limits.get(&(procedure_id, unit_id, day)) {
                    Some(l) => *l,
                    None => {
                        let l = self.effective_limit(procedure_id, unit_id, day).await?.0;
                        limits.insert((procedure_id, unit_id, day), l);
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
                (false, None) => {
                    let cal = match calendars.entry(unit_id) {
                        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::hash_map::Entry::Vacant(e) => {
                            e.insert(self.working_calendar(unit_id).await?)
                        }
                    };
                    Some(local_ms(cal.due_at(r.received_at, limit)))
                }
            };
            let received_by = match r
                .official_code
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                None => None,
                Some(oc) => match officials.get(oc) {
                    Some(id) => Some(*id),
                    None => {
                        let o = self.official_by_code(oc).await?.ok_or_else(|| {
                            row_err(
                                line,
                                format!("không có cán bộ mã '{oc}'"),
                                format!("no official with code '{oc}'"),
                            )
                        })?;
                        officials.insert(oc.to_string(), o.id);
                        Some(o.id)
                    }
                },
            };
            let received = local_ms(r.received_at);
            ready.push(Ready {
                received_by,
                line,
                code,
                unit_id,
                procedure_id,
                channel: r.channel.code(),
                status: r.status.code(),
                applicant_name: r.applicant_name.trim().to_string(),
                return_method: r.return_method.as_str(),
                limit,
                registered_at: received,
                received_at: (!online_pending).then_some(received),
                due_at,
                finished_at: r.finished_at.map(local_ms),
                returned_at: r.returned_at.map(local_ms),
                supplement_count: r.supplement_count,
                secret: lookup_secret(rand::random()),
            });
        }

        // 3. Per unit and day: how many codes to generate and the highest number already given.
        let mut groups: BTreeMap<(i64, NaiveDate), (i64, Vec<usize>)> = BTreeMap::new();
        for (i, (r, row)) in ready.iter().zip(rows).enumerate() {
            match &r.code {
                None => groups
                    .entry((r.unit_id, row.received_at.date()))
                    .or_default()
                    .1
                    .push(i),
                Some(c) => {
                    let unit_code = &units[row.unit_code.trim()].1;
                    if let Some((day, n)) = code_seq(c, unit_code) {
                        let g = groups.entry((r.unit_id, day)).or_default();
                        g.0 = g.0.max(n);
                    }
                }
            }
        }
        let unit_codes: HashMap<i64, String> = units.values().cloned().collect();
        let now = now_ms();
        let mut generated = 0u64;

        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            // Reserve the numbers: one upsert per unit and day, atomic like the intake's.
            let mut final_codes: Vec<String> = ready.iter().map(|r| r.code.clone().unwrap_or_default()).collect();
            for ((unit_id, day), (given_max, todo)) in &groups {
                let k = todo.len() as i64;
                let last: i64 = sqlx::query_scalar(
                    "INSERT INTO dossier_sequences (unit_id, day, last_seq) VALUES ($1, $2, $3 + $4)
                     ON CONFLICT (unit_id, day) DO UPDATE SET last_seq =
                        (CASE WHEN dossier_sequences.last_seq > $3 THEN dossier_sequences.last_seq ELSE $3 END) + $4
                     RETURNING last_seq")
                    .bind(unit_id).bind(day).bind(given_max).bind(k)
                    .fetch_one(&mut *tx).await?;
                for (j, &i) in todo.iter().enumerate() {
                    final_codes[i] = dossier_code(&unit_codes[unit_id], *day, last - k + 1 + j as i64);
                }
                generated += k as u64;
            }
            // No code may already be in use.
            let line_of: HashMap<&str, u64> = final_codes.iter().map(String::as_str).zip(ready.iter().map(|r| r.line)).collect();
            for chunk in final_codes.chunks(CODE_CHECK_CHUNK) {
                let mut qb = sqlx::QueryBuilder::new("SELECT code FROM dossiers WHERE code IN (");
                let mut sep = qb.separated(", ");
                for c in chunk {
                    sep.push_bind(c.as_str());
                }
                qb.push(")");
                let taken: Vec<(String,)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                if let Some(line) = taken.iter().filter_map(|(c,)| line_of.get(c.as_str())).min() {
                    let c = taken.iter().find(|(c,)| line_of.get(c.as_str()) == Some(line)).map(|(c,)| c.clone()).unwrap_or_default();
                    return Err(row_err(*line,
                        format!("mã hồ sơ {c} đã có trong cơ sở dữ liệu"),
                        format!("dossier code {c} already exists in the database")));
                }
            }
            // The dossiers, many rows per statement.
            let mut ids: HashMap<String, i64> = HashMap::with_capacity(ready.len());
            let idx: Vec<usize> = (0..ready.len()).collect();
            for chunk in idx.chunks(INSERT_CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO dossiers (code, lookup_secret, unit_id, procedure_id, channel, status,
                        applicant_name, return_method, limit_kind, limit_value, registered_at, received_at,
                        due_at, finished_at, returned_at, supplement_count, received_by, imported, updated_at) ");
                qb.push_values(chunk, |mut b, &i| {
                    let r = &ready[i];
                    b.push_bind(final_codes[i].as_str()).push_bind(r.secret.as_str()).push_bind(r.unit_id)
                        .push_bind(r.procedure_id).push_bind(r.channel).push_bind(r.status)
                        .push_bind(r.applicant_name.as_str()).push_bind(r.return_method)
                        .push_bind(r.limit.kind()).push_bind(r.limit.value() as i32)
                        .push_bind(r.registered_at).push_bind(r.received_at).push_bind(r.due_at)
                        .push_bind(r.finished_at).push_bind(r.returned_at).push_bind(r.supplement_count)
                        .push_bind(r.received_by).push("TRUE").push_bind(now);
                });
                qb.push(" RETURNING id, code");
                let got: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *tx).await
                    .map_err(|e| super::unique_as(e,
                        "Một mã hồ sơ vừa được dùng ở nơi khác; không có gì được nhập, vui lòng thử lại",
                        "A dossier code was just used elsewhere; nothing was imported, please try again"))?;
                ids.extend(got.into_iter().map(|(id, c)| (c, id)));
            }
            // One history line each.
            for chunk in idx.chunks(EVENT_CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO dossier_events (dossier_id, at, action, from_status, to_status, note) ");
                qb.push_values(chunk, |mut b, &i| {
                    let r = &ready[i];
                    b.push_bind(ids[&final_codes[i]]).push_bind(now).push("'import'").push("NULL")
                        .push_bind(r.status).push_bind(format!("Nhập từ dữ liệu cũ, dòng {}", r.line));
                });
                qb.build().execute(&mut *tx).await?;
            }
            let mut deltas = DossierDeltas::default();
            for r in &ready {
                deltas.change(None, &DossierSnapshot {
                    unit_id: r.unit_id,
                    channel: r.channel,
                    status: r.status,
                    received_at: r.received_at,
                    due_at: r.due_at,
                    finished_at: r.finished_at,
                    returned_at: r.returned_at,
                    supplement_count: r.supplement_count,
                    counter_id: None,
                    updated_at: now,
                });
            }
            agg_apply!(&mut *tx, Deltas::default(), deltas);
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, NULL, $2, $3)")
                .bind(now).bind("dossier.import")
                .bind(format!("{} dossiers, {generated} codes generated", ready.len()))
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        Ok(DossierImportSummary {
            imported: ready.len() as u64,
            codes_generated: generated,
        })
    }
}

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
    }
}
