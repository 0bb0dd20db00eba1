//! The procedure catalogue: procedures with their legal time limit, and the shorter limits units
//! commit to (seed 003), kept as history. Search runs on a folded copy of the text (lower case,
//! no diacritics) that the store keeps next to each procedure.

use chrono::NaiveDate;
use serde::Serialize;

use super::units::ImportSummary;
use super::{Result, Store, StoreError, unique_as, with_pool};
use crate::domain::Msg;
use crate::domain::limit::TimeLimit;
use crate::domain::procedure::{OnlineLevel, ProcedureLevel};
use crate::domain::text::{fold, tokens};
use crate::domain::time::{Millis, now_ms};

/// One procedure of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Procedure {
    pub id: i64,
    /// National code (e.g. "1.001193").
    pub code: String,
    pub name: String,
    /// Lĩnh vực (hộ tịch, chứng thực, cư trú, đất đai, …).
    pub field: String,
    pub level: ProcedureLevel,
    /// Competent agency (cơ quan có thẩm quyền).
    pub agency: String,
    /// The time limit the law sets.
    pub legal_limit: TimeLimit,
    /// The law's own wording of the limit when the number says too little.
    pub limit_note: String,
    pub fees: String,
    /// Required documents, one per entry.
    pub documents: Vec<String>,
    pub legal_basis: String,
    pub online_level: OnlineLevel,
    pub active: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(sqlx::FromRow)]
struct ProcedureRow {
    id: i64,
    code: String,
    name: String,
    field: String,
    level: String,
    agency: String,
    limit_kind: String,
    limit_value: i32,
    limit_note: String,
    fees: String,
    documents: String,
    legal_basis: String,
    online_level: String,
    active: bool,
    created_at: i64,
    updated_at: i64,
}

fn corrupt(what: &str, m: Msg) -> StoreError {
    StoreError::invalid(
        format!("Dữ liệu {what} hỏng: {}", m.vi),
        format!("Corrupt {what} row: {}", m.en),
    )
}

impl TryFrom<ProcedureRow> for Procedure {
    type Error = StoreError;
    fn try_from(r: ProcedureRow) -> Result<Procedure> {
        Ok(Procedure {
            legal_limit: TimeLimit::from_parts(&r.limit_kind, r.limit_value.into())
                .map_err(|m| corrupt("thủ tục", m))?,
            level: ProcedureLevel::parse_msg(&r.level).map_err(|m| corrupt("thủ tục", m))?,
            online_level: OnlineLevel::parse_msg(&r.online_level)
                .map_err(|m| corrupt("thủ tục", m))?,
            documents: split_documents(&r.documents),
            id: r.id,
            code: r.code,
            name: r.name,
            field: r.field,
            agency: r.agency,
            limit_note: r.limit_note,
            fees: r.fees,
            legal_basis: r.legal_basis,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Documents as stored (one per line) back into a list; blank lines are dropped.
pub fn split_documents(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// What a procedure is made of when it is created or changed.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureInput {
    pub code: String,
    pub name: String,
    pub field: String,
    pub level: ProcedureLevel,
    pub agency: String,
    pub legal_limit: TimeLimit,
    pub limit_note: String,
    pub fees: String,
    pub documents: Vec<String>,
    pub legal_basis: String,
    pub online_level: OnlineLevel,
    pub active: bool,
}

impl ProcedureInput {
    /// Checks the input and trims it; the message says what is wrong.
    pub fn validate(&self) -> Result<ProcedureInput, Msg> {
        let code = self.code.trim();
        if code.is_empty() || self.name.trim().is_empty() || self.field.trim().is_empty() {
            return Err(Msg::new(
                "Cần có mã, tên và lĩnh vực của thủ tục",
                "A procedure needs a code, a name and a field",
            ));
        }
        if code.len() > 40 || code.chars().any(char::is_whitespace) {
            return Err(Msg::new(
                format!("Mã thủ tục không hợp lệ: '{code}' (ví dụ 1.001193)"),
                format!("Invalid procedure code: '{code}' (e.g. 1.001193)"),
            ));
        }
        if self.legal_limit.value() == 0 {
            return Err(Msg::new(
                "Thời hạn giải quyết phải lớn hơn 0",
                "The time limit must be greater than 0",
            ));
        }
        let documents: Vec<String> = self
            .documents
            .iter()
            .flat_map(|d| split_documents(d))
            .collect();
        Ok(ProcedureInput {
            code: code.to_string(),
            name: self.name.trim().to_string(),
            field: self.field.trim().to_string(),
            agency: self.agency.trim().to_string(),
            limit_note: self.limit_note.trim().to_string(),
            fees: self.fees.trim().to_string(),
            documents,
            legal_basis: self.legal_basis.trim().to_string(),
            ..self.clone()
        })
    }

    fn search_text(&self) -> String {
        fold(&format!(
            "{} {} {} {}",
            self.code, self.name, self.field, self.agency
        ))
    }
}

/// One row of a procedure import, already parsed; `line` is its line in the source file.
#[derive(Debug, Clone)]
pub struct ProcedureImportRow {
    pub line: u64,
    pub input: ProcedureInput,
}

/// What to list from the catalogue.
#[derive(Debug, Clone)]
pub struct ProcedureFilter {
    /// Words that must all occur in the code, name, field or agency (case and diacritics
    /// ignored).
    pub q: String,
    pub field: Option<String>,
    pub level: Option<ProcedureLevel>,
    pub online: Option<OnlineLevel>,
    /// Also list procedures no longer in force (staff views).
    pub include_inactive: bool,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl Default for ProcedureFilter {
    fn default() -> Self {
        ProcedureFilter {
            q: String::new(),
            field: None,
            level: None,
            online: None,
            include_inactive: false,
            page: 1,
            per_page: 50,
        }
    }
}

/// One page of a catalogue listing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProcedurePage {
    /// Matching procedures on all pages.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub items: Vec<Procedure>,
}

impl ProcedurePage {
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per - 1) / per)
            .unwrap_or(u32::MAX)
            .max(1)
    }
}

/// A field of the catalogue with its number of procedures in force.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FieldCount {
    pub field: String,
    pub procedures: i64,
}

/// A time limit a unit committed to for a procedure, from a date on. Never changed: a later
/// row supersedes it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CommittedLimit {
    pub id: i64,
    pub procedure_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub limit: TimeLimit,
    pub valid_from: NaiveDate,
    /// The decision behind it ("Quyết định số …").
    pub note: String,
    pub created_at: Millis,
    pub created_by: Option<i64>,
    pub created_by_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct LimitRow {
    id: i64,
    procedure_id: i64,
    unit_id: i64,
    unit_name: String,
    limit_kind: String,
    limit_value: i32,
    valid_from: NaiveDate,
    note: String,
    created_at: i64,
    created_by: Option<i64>,
    created_by_name: Option<String>,
}

impl TryFrom<LimitRow> for CommittedLimit {
    type Error = StoreError;
    fn try_from(r: LimitRow) -> Result<CommittedLimit> {
        Ok(CommittedLimit {
            limit: TimeLimit::from_parts(&r.limit_kind, r.limit_value.into())
                .map_err(|m| corrupt("thời hạn cam kết", m))?,
            id: r.id,
            procedure_id: r.procedure_id,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            valid_from: r.valid_from,
            note: r.note,
            created_at: r.created_at,
            created_by: r.created_by,
            created_by_name: r.created_by_name,
        })
    }
}

/// Where an effective limit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The legal limit: no committed limit applies.
    Legal,
    /// The unit's own committed limit.
    Unit,
    /// The committed limit of an ancestor (e.g. the province's, for all its communes).
    Ancestor,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LimitSource {
    pub kind: SourceKind,
    /// The committed limit applied (none for the legal limit).
    pub committed: Option<CommittedLimit>,
}

impl LimitSource {
    pub fn legal() -> LimitSource {
        LimitSource {
            kind: SourceKind::Legal,
            committed: None,
        }
    }
}

const PROCEDURE_COLS: &str = "id, code, name, field, level, agency, limit_kind, limit_value, limit_note, fees, documents, legal_basis, online_level, active, created_at, updated_at";
const LIMIT_SELECT: &str = "SELECT l.id, l.procedure_id, l.unit_id, u.name AS unit_name, l.limit_kind, l.limit_value,
    l.valid_from, l.note, l.created_at, l.created_by, us.display_name AS created_by_name
    FROM procedure_limits l JOIN units u ON u.id = l.unit_id LEFT JOIN users us ON us.id = l.created_by";

fn not_found(id: i64) -> StoreError {
    StoreError::not_found(
        format!("Không có thủ tục số {id}"),
        format!("No procedure {id}"),
    )
}

fn duplicate_code(code: &str) -> (String, String) {
    (
        format!("Đã có thủ tục mã {code}"),
        format!("A procedure with code {code} already exists"),
    )
}

/// Checks a committed limit against the legal one: it may only be shorter or equal, in a
/// comparable unit of time.
pub fn check_committed(limit: TimeLimit, legal: TimeLimit) -> Result<(), Msg> {
    if limit.value() == 0 {
        return Err(Msg::new(
            "Thời hạn cam kết phải lớn hơn 0",
            "The committed limit must be greater than 0",
        ));
    }
    match limit.at_most(legal) {
        Some(true) => Ok(()),
        Some(false) => Err(Msg::new(
            format!(
                "Thời hạn cam kết ({}) dài hơn thời hạn theo quy định ({})",
                limit.label_vi(),
                legal.label_vi()
            ),
            format!(
                "The committed limit ({}) is longer than the legal limit ({})",
                limit.label_en(),
                legal.label_en()
            ),
        )),
        None => Err(Msg::new(
            format!(
                "Không so sánh được {} với thời hạn theo quy định ({}): ngày làm việc, giờ làm việc và ngày theo lịch là khác nhau; hãy cam kết theo cùng loại thời hạn",
                limit.label_vi(),
                legal.label_vi()
            ),
            format!(
                "{} cannot be compared with the legal limit ({}): working time and calendar days differ; commit in the same kind of limit",
                limit.label_en(),
                legal.label_en()
            ),
        )),
    }
}

impl Store {
    pub async fn procedure(&self, id: i64) -> Result<Procedure> {
        let sql = format!("SELECT {PROCEDURE_COLS} FROM procedures WHERE id = $1");
        let r: Option<ProcedureRow> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?;
        r.ok_or_else(|| not_found(id))?.try_into()
    }

    pub async fn procedure_by_code(&self, code: &str) -> Result<Option<Procedure>> {
        let sql = format!("SELECT {PROCEDURE_COLS} FROM procedures WHERE code = $1");
        let r: Option<ProcedureRow> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(code.trim()).fetch_optional(p).await)?;
        r.map(Procedure::try_from).transpose()
    }

    /// Adds a procedure; `by` is the acting account, for the audit log.
    pub async fn procedure_create(&self, input: &ProcedureInput, by: Option<i64>) -> Result<i64> {
        let i = input.validate().map_err(StoreError::Invalid)?;
        let now = now_ms();
        let (dvi, den) = duplicate_code(&i.code);
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO procedures (code, name, field, level, agency, limit_kind, limit_value, limit_note, fees,
                    documents, legal_basis, online_level, search_text, active, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id")
                .bind(&i.code).bind(&i.name).bind(&i.field).bind(i.level.as_str()).bind(&i.agency)
                .bind(i.legal_limit.kind()).bind(i.legal_limit.value() as i32).bind(&i.limit_note).bind(&i.fees)
                .bind(i.documents.join("\n")).bind(&i.legal_basis).bind(i.online_level.as_str())
                .bind(i.search_text()).bind(i.active).bind(now)
                .fetch_one(&mut *tx).await.map_err(|e| unique_as(e, dvi, den))?;
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now).bind(by).bind("procedure.create").bind(format!("{id} {}", i.code))
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Changes a procedure (its committed limits stay as they are: the effective limit never
    /// exceeds the legal one, see `effective_limit`).
    pub async fn procedure_update(
        &self,
        id: i64,
        input: &ProcedureInput,
        by: Option<i64>,
    ) -> Result<()> {
        let i = input.validate().map_err(StoreError::Invalid)?;
        let now = now_ms();
        let (dvi, den) = duplicate_code(&i.code);
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE procedures SET code = $2, name = $3, field = $4, level = $5, agency = $6, limit_kind = $7,
                    limit_value = $8, limit_note = $9, fees = $10, documents = $11, legal_basis = $12,
                    online_level = $13, search_text = $14, active = $15, updated_at = $16
                 WHERE id = $1")
                .bind(id).bind(&i.code).bind(&i.name).bind(&i.field).bind(i.level.as_str()).bind(&i.agency)
                .bind(i.legal_limit.kind()).bind(i.legal_limit.value() as i32).bind(&i.limit_note).bind(&i.fees)
                .bind(i.documents.join("\n")).bind(&i.legal_basis).bind(i.online_level.as_str())
                .bind(i.search_text()).bind(i.active).bind(now)
                .execute(&mut *tx).await.map_err(|e| unique_as(e, dvi, den))?.rows_affected();
            if n == 0 {
                return Err(not_found(id));
            }
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now).bind(by).bind("procedure.update").bind(format!("{id} {}", i.code))
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Lists the catalogue: every query word must occur in the folded code, name, field or
    /// agency; filters by field, level and online level; paged, by field then code.
    pub async fn procedures_list(&self, f: &ProcedureFilter) -> Result<ProcedurePage> {
        let mut conds: Vec<String> = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let mut push = |cond: &str, v: String, conds: &mut Vec<String>| {
            binds.push(v);
            conds.push(cond.replace("$?", &format!("${}", binds.len())));
        };
        for t in tokens(&f.q) {
            push("search_text LIKE '%' || $? || '%'", t, &mut conds);
        }
        if let Some(field) = f.field.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            push("field = $?", field.to_string(), &mut conds);
        }
        if let Some(l) = f.level {
            push("level = $?", l.as_str().to_string(), &mut conds);
        }
        if let Some(o) = f.online {
            push("online_level = $?", o.as_str().to_string(), &mut conds);
        }
        if !f.include_inactive {
            conds.push("active = TRUE".into());
        }
        let where_ = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        let per_page = f.per_page.clamp(1, 500);
        let page = f.page.max(1);
        let offset = i64::from(page - 1) * i64::from(per_page);
        let count_sql = format!("SELECT COUNT(*) FROM procedures {where_}");
        let sql = format!(
            "SELECT {PROCEDURE_COLS} FROM procedures {where_} ORDER BY field, code LIMIT {per_page} OFFSET {offset}"
        );
        let (total, rows): (i64, Vec<ProcedureRow>) = with_pool!(self, p => {
            let mut cq = sqlx::query_scalar(&count_sql);
            let mut q = sqlx::query_as(&sql);
            for b in &binds {
                cq = cq.bind(b);
                q = q.bind(b);
            }
            (cq.fetch_one(p).await?, q.fetch_all(p).await?)
        });
        Ok(ProcedurePage {
            total,
            page,
            per_page,
            items: rows
                .into_iter()
                .map(Procedure::try_from)
                .collect::<Result<_>>()?,
        })
    }

    /// Fields of the procedures in force, with how many each has.
    pub async fn procedure_fields(&self) -> Result<Vec<FieldCount>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT field, COUNT(*) AS procedures FROM procedures WHERE active = TRUE GROUP BY field ORDER BY field")
            .fetch_all(p).await)?)
    }

    /// Records that `unit_id` commits to `limit` for the procedure from `valid_from` on. The
    /// limit may not exceed the legal one; earlier rows stay as history.
    pub async fn procedure_limit_set(
        &self,
        procedure_id: i64,
        unit_id: i64,
        limit: TimeLimit,
        valid_from: NaiveDate,
        note: &str,
        by: Option<i64>,
    ) -> Result<i64> {
        let proc_ = self.procedure(procedure_id).await?;
        self.unit(unit_id).await?;
        check_committed(limit, proc_.legal_limit).map_err(StoreError::Invalid)?;
        let now = now_ms();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO procedure_limits (procedure_id, unit_id, limit_kind, limit_value, valid_from, note, created_at, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(procedure_id).bind(unit_id).bind(limit.kind()).bind(limit.value() as i32)
                .bind(valid_from).bind(note.trim()).bind(now).bind(by)
                .fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now).bind(by).bind("procedure.limit")
                .bind(format!("procedure {procedure_id} unit {unit_id}: {} {} from {valid_from}", limit.value(), limit.kind()))
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The committed limits of a unit for a procedure, newest first (latest `valid_from`, then
    /// latest entered).
    pub async fn procedure_limit_history(
        &self,
        procedure_id: i64,
        unit_id: i64,
    ) -> Result<Vec<CommittedLimit>> {
        let sql = format!(
            "{LIMIT_SELECT} WHERE l.procedure_id = $1 AND l.unit_id = $2 ORDER BY l.valid_from DESC, l.id DESC"
        );
        let rows: Vec<LimitRow> = with_pool!(self, p => sqlx::query_as(&sql).bind(procedure_id).bind(unit_id).fetch_all(p).await)?;
        rows.into_iter().map(CommittedLimit::try_from).collect()
    }

    /// Units that committed to a limit for this procedure (for the public unit picker).
    pub async fn procedure_limit_units(&self, procedure_id: i64) -> Result<Vec<(i64, String)>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT DISTINCT u.id, u.name FROM procedure_limits l JOIN units u ON u.id = l.unit_id
             WHERE l.procedure_id = $1 ORDER BY u.name")
            .bind(procedure_id).fetch_all(p).await)?)
    }

    /// The limit that applies to a dossier of this procedure at `unit_id` on `on`: the latest
    /// committed limit valid that day of the unit, else of its nearest ancestor that has one,
    /// else the legal limit. A committed limit longer than the legal limit in force (the law
    /// shortened it since) gives way to the legal limit.
    pub async fn effective_limit(
        &self,
        procedure_id: i64,
        unit_id: i64,
        on: NaiveDate,
    ) -> Result<(TimeLimit, LimitSource)> {
        let proc_ = self.procedure(procedure_id).await?;
        self.unit(unit_id).await?;
        let sql = format!(
            "WITH RECURSIVE anc(id, parent_id, depth) AS (
                SELECT id, parent_id, 0 FROM units WHERE id = $1
                UNION ALL
                SELECT u.id, u.parent_id, a.depth + 1 FROM units u JOIN anc a ON u.id = a.parent_id)
             {LIMIT_SELECT} JOIN anc ON anc.id = l.unit_id
             WHERE l.procedure_id = $2 AND l.valid_from <= $3
             ORDER BY anc.depth, l.valid_from DESC, l.id DESC LIMIT 1"
        );
        let row: Option<LimitRow> = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(unit_id).bind(procedure_id).bind(on).fetch_optional(p).await)?;
        let Some(c) = row.map(CommittedLimit::try_from).transpose()? else {
            return Ok((proc_.legal_limit, LimitSource::legal()));
        };
        if c.limit.at_most(proc_.legal_limit) != Some(true) {
            return Ok((proc_.legal_limit, LimitSource::legal()));
        }
        let kind = if c.unit_id == unit_id {
            SourceKind::Unit
        } else {
            SourceKind::Ancestor
        };
        Ok((
            c.limit,
            LimitSource {
                kind,
                committed: Some(c),
            },
        ))
    }

    /// Loads procedures in one transaction, keyed by national code: a known code is updated,
    /// a new one created. Any bad row rolls back the whole import.
    pub async fn import_procedures(
        &self,
        rows: &[ProcedureImportRow],
        by: Option<i64>,
    ) -> Result<ImportSummary> {
        let mut checked = Vec::with_capacity(rows.len());
        let mut seen = std::collections::HashMap::new();
        for r in rows {
            let i = r
                .input
                .validate()
                .map_err(|msg| StoreError::ImportRow { line: r.line, msg })?;
            if let Some(first) = seen.insert(i.code.clone(), r.line) {
                return Err(StoreError::ImportRow {
                    line: r.line,
                    msg: Msg::new(
                        format!("mã thủ tục {} đã có ở dòng {first}", i.code),
                        format!("procedure code {} already given on line {first}", i.code),
                    ),
                });
            }
            checked.push((r.line, i));
        }
        let now = now_ms();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let mut sum = ImportSummary::default();
            for (line, i) in &checked {
                let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM procedures WHERE code = $1")
                    .bind(&i.code).fetch_optional(&mut *tx).await?;
                let q = match existing {
                    Some(_) => "UPDATE procedures SET name = $2, field = $3, level = $4, agency = $5, limit_kind = $6,
                        limit_value = $7, limit_note = $8, fees = $9, documents = $10, legal_basis = $11,
                        online_level = $12, search_text = $13, active = $14, updated_at = $15 WHERE code = $1",
                    None => "INSERT INTO procedures (code, name, field, level, agency, limit_kind, limit_value, limit_note,
                        fees, documents, legal_basis, online_level, search_text, active, created_at, updated_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
                };
                sqlx::query(q)
                    .bind(&i.code).bind(&i.name).bind(&i.field).bind(i.level.as_str()).bind(&i.agency)
                    .bind(i.legal_limit.kind()).bind(i.legal_limit.value() as i32).bind(&i.limit_note).bind(&i.fees)
                    .bind(i.documents.join("\n")).bind(&i.legal_basis).bind(i.online_level.as_str())
                    .bind(i.search_text()).bind(i.active).bind(now)
                    .execute(&mut *tx).await
                    .map_err(|e| match e {
                        sqlx::Error::Database(d) => StoreError::ImportRow {
                            line: *line,
                            msg: Msg::new(format!("cơ sở dữ liệu từ chối dòng này: {d}"), format!("the database refused this row: {d}")),
                        },
                        other => StoreError::Db(other),
                    })?;
                if existing.is_some() { sum.updated += 1 } else { sum.created += 1 }
            }
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now).bind(by).bind("procedure.import")
                .bind(format!("{} created, {} updated", sum.created, sum.updated))
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(sum)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_limits_may_not_exceed_the_legal_one_or_change_kind() {
        let legal = TimeLimit::WorkingDays(3);
        assert!(check_committed(TimeLimit::WorkingDays(2), legal).is_ok());
        assert!(check_committed(TimeLimit::WorkingHours(16), legal).is_ok());
        assert!(check_committed(TimeLimit::WorkingDays(3), legal).is_ok());
        let longer = check_committed(TimeLimit::WorkingDays(4), legal).unwrap_err();
        assert!(
            longer.en.contains("longer than the legal limit"),
            "{}",
            longer.en
        );
        let other = check_committed(TimeLimit::CalendarDays(2), legal).unwrap_err();
        assert!(other.en.contains("cannot be compared"), "{}", other.en);
        assert!(check_committed(TimeLimit::WorkingDays(0), legal).is_err());
    }

    #[test]
    fn input_is_trimmed_and_documents_split_per_line() {
        let i = ProcedureInput {
            code: " 1.001193 ".into(),
            name: " Đăng ký khai sinh ".into(),
            field: "Hộ tịch".into(),
            level: ProcedureLevel::Commune,
            agency: "UBND cấp xã".into(),
            legal_limit: TimeLimit::WorkingDays(1),
            limit_note: String::new(),
            fees: String::new(),
            documents: vec!["Tờ khai\n\n Giấy chứng sinh ".into()],
            legal_basis: String::new(),
            online_level: OnlineLevel::Full,
            active: true,
        };
        let v = i.validate().unwrap();
        assert_eq!(v.code, "1.001193");
        assert_eq!(v.documents, vec!["Tờ khai", "Giấy chứng sinh"]);
        assert_eq!(
            v.search_text(),
            "1 001193 dang ky khai sinh ho tich ubnd cap xa"
        );
        assert!(
            ProcedureInput {
                code: "1 001".into(),
                ..i.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            ProcedureInput {
                field: " ".into(),
                ..i
            }
            .validate()
            .is_err()
        );
    }
}
