//! The administrative unit tree.

use chrono::NaiveDate;
use serde::Serialize;

use super::aggregates::agg_move_unit;
use super::{Result, SUBTREE_CTE, Store, StoreError, with_pool};
use crate::domain::Msg;
use crate::domain::time::now_ms;
use crate::domain::unit::UnitLevel;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Unit {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// province, district or commune
    pub level: String,
    /// Official code of the General Statistics Office (e.g. "56", "22525").
    pub code: String,
    pub name: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl Unit {
    pub fn level(&self) -> UnitLevel {
        UnitLevel::parse(&self.level).unwrap_or(UnitLevel::Commune)
    }
    pub fn is_current(&self) -> bool {
        let today = chrono::Utc::now().date_naive();
        self.valid_to.is_none_or(|d| d >= today)
    }
}

/// One row of a unit import, already parsed; `line` is its line in the source file.
#[derive(Debug, Clone)]
pub struct UnitImportRow {
    pub line: u64,
    pub level: UnitLevel,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// Every unit's code and id, for an import to look codes up in: read into a map, the unit in
/// force wins over dissolved ones of the same code (it comes last), and among several the one
/// that began last.
pub(crate) const UNIT_IDS_BY_CODE: &str =
    "SELECT code, id FROM units ORDER BY (valid_to IS NULL), valid_from, id";

/// The id of unit `code` in a map read with `UNIT_IDS_BY_CODE`, or the error that names the
/// file's `line`.
pub(crate) fn unit_id_for_line(
    units: &rustc_hash::FxHashMap<String, i64>,
    line: u64,
    code: &str,
) -> Result<i64> {
    units
        .get(code)
        .copied()
        .ok_or_else(|| StoreError::ImportRow {
            line,
            msg: Msg::new(
                format!("không có đơn vị mã {code}"),
                format!("no unit with code {code}"),
            ),
        })
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: u64,
    pub updated: u64,
}

#[derive(Debug, Clone)]
pub struct UnitInput {
    pub parent_id: Option<i64>,
    pub level: UnitLevel,
    pub code: String,
    pub name: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

const UNIT_COLS: &str = "id, parent_id, level, code, name, valid_from, valid_to";

impl Store {
    pub async fn unit(&self, id: i64) -> Result<Unit> {
        let sql = format!("SELECT {UNIT_COLS} FROM units WHERE id = $1");
        let u: Option<Unit> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?;
        u.ok_or_else(|| {
            StoreError::not_found(format!("Không có đơn vị số {id}"), format!("No unit {id}"))
        })
    }

    /// The unit currently in force with this official code.
    pub async fn unit_by_code(&self, code: &str) -> Result<Option<Unit>> {
        let sql = format!(
            "SELECT {UNIT_COLS} FROM units WHERE code = $1
             ORDER BY (valid_to IS NULL) DESC, valid_from DESC LIMIT 1"
        );
        Ok(with_pool!(self, p => sqlx::query_as(&sql).bind(code).fetch_optional(p).await)?)
    }

    /// Children of a unit (or the roots), current units first, by code.
    pub async fn unit_children(&self, parent: Option<i64>) -> Result<Vec<Unit>> {
        let sql = format!(
            "SELECT {UNIT_COLS} FROM units WHERE parent_id IS NOT DISTINCT FROM $1
             ORDER BY (valid_to IS NULL) DESC, code"
        );
        Ok(with_pool!(self, p => sqlx::query_as(&sql).bind(parent).fetch_all(p).await)?)
    }

    /// Units in the subtree of `root` (itself included), optionally filtered by a name or code
    /// fragment, for pickers and lists.
    pub async fn units_in_subtree(&self, root: i64, q: &str, limit: i64) -> Result<Vec<Unit>> {
        let sql = format!(
            "{SUBTREE_CTE} SELECT {UNIT_COLS} FROM units WHERE id IN (SELECT id FROM subtree)
             AND ($2 = '' OR LOWER(name) LIKE '%' || LOWER($2) || '%' OR code = $2)
             ORDER BY level <> 'province', level <> 'district', code LIMIT $3"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(&sql).bind(root).bind(q.trim()).bind(limit).fetch_all(p).await)?,
        )
    }

    /// All units matching a name or code fragment (administrators' view of the whole country).
    pub async fn units_search(&self, q: &str, limit: i64) -> Result<Vec<Unit>> {
        let sql = format!(
            "SELECT {UNIT_COLS} FROM units
             WHERE ($1 = '' OR LOWER(name) LIKE '%' || LOWER($1) || '%' OR code = $1)
             ORDER BY level <> 'province', level <> 'district', code LIMIT $2"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(&sql).bind(q.trim()).bind(limit).fetch_all(p).await)?,
        )
    }

    /// The unit and its ancestors, from the unit up to the root.
    pub async fn unit_ancestry(&self, id: i64) -> Result<Vec<Unit>> {
        let sql = format!(
            "WITH RECURSIVE anc(id, parent_id, depth) AS (
                SELECT id, parent_id, 0 FROM units WHERE id = $1
                UNION ALL
                SELECT u.id, u.parent_id, a.depth + 1 FROM units u JOIN anc a ON u.id = a.parent_id)
             SELECT {} FROM units u JOIN anc ON anc.id = u.id ORDER BY anc.depth",
            UNIT_COLS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(with_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_all(p).await)?)
    }

    /// Is `unit` inside the subtree rooted at `root`?
    pub async fn unit_within(&self, root: i64, unit: i64) -> Result<bool> {
        if root == unit {
            return Ok(true);
        }
        Ok(self.unit_ancestry(unit).await?.iter().any(|u| u.id == root))
    }

    pub async fn unit_count(&self) -> Result<i64> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM units").fetch_one(p).await)?,
        )
    }

    async fn check_parent(&self, input: &UnitInput) -> Result<()> {
        match input.parent_id {
            Some(pid) => {
                let parent = self.unit(pid).await?;
                if !input.level.may_have_parent(parent.level()) {
                    return Err(StoreError::invalid(
                        format!(
                            "{} không thể trực thuộc {}",
                            input.level.label_vi(),
                            parent.level().label_vi()
                        ),
                        format!(
                            "A {} unit cannot belong to a {} unit",
                            input.level.as_str(),
                            parent.level
                        ),
                    ));
                }
            }
            None if input.level != UnitLevel::Province => {
                return Err(StoreError::invalid(
                    "Đơn vị cấp huyện, cấp xã phải có đơn vị cấp trên",
                    "District and commune units need a parent unit",
                ));
            }
            None => {}
        }
        if input.code.trim().is_empty() || input.name.trim().is_empty() {
            return Err(StoreError::invalid(
                "Cần có mã và tên đơn vị",
                "A unit needs a code and a name",
            ));
        }
        if let (Some(f), Some(t)) = (input.valid_from, input.valid_to)
            && t < f
        {
            return Err(StoreError::invalid(
                "Ngày hết hiệu lực phải sau ngày có hiệu lực",
                "The end date must follow the start date",
            ));
        }
        Ok(())
    }

    pub async fn unit_create(&self, input: &UnitInput) -> Result<i64> {
        self.check_parent(input).await?;
        let id: i64 = with_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO units (parent_id, level, code, name, valid_from, valid_to, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(input.parent_id).bind(input.level.as_str()).bind(input.code.trim()).bind(input.name.trim())
            .bind(input.valid_from).bind(input.valid_to).bind(now_ms())
            .fetch_one(p).await)?;
        Ok(id)
    }

    pub async fn unit_update(&self, id: i64, input: &UnitInput) -> Result<()> {
        self.check_parent(input).await?;
        if input.parent_id.is_some() && self.unit_within(id, input.parent_id.unwrap_or(id)).await? {
            return Err(StoreError::invalid(
                "Không thể đặt đơn vị trực thuộc chính nó hoặc đơn vị cấp dưới của nó",
                "A unit cannot be moved under itself or its own sub-unit",
            ));
        }
        let n = with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let old_parent: Option<Option<i64>> = sqlx::query_scalar("SELECT parent_id FROM units WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await?;
            let n = sqlx::query(
                "UPDATE units SET parent_id = $2, level = $3, code = $4, name = $5, valid_from = $6, valid_to = $7
                 WHERE id = $1")
                .bind(id).bind(input.parent_id).bind(input.level.as_str()).bind(input.code.trim())
                .bind(input.name.trim()).bind(input.valid_from).bind(input.valid_to)
                .execute(&mut *tx).await?.rows_affected();
            if let Some(old) = old_parent {
                agg_move_unit!(&mut *tx, id, old, input.parent_id);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(n)
        })?;
        if n == 0 {
            return Err(StoreError::not_found(
                format!("Không có đơn vị số {id}"),
                format!("No unit {id}"),
            ));
        }
        Ok(())
    }

    /// Loads units in one transaction: a unit with the same level, code and start date is
    /// updated, others are created. A parent must be in the database or earlier in the file.
    /// Any bad row rolls back the whole import.
    pub async fn import_units(&self, rows: &[UnitImportRow]) -> Result<ImportSummary> {
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let mut sum = ImportSummary::default();
            let now = now_ms();
            for r in rows {
                let err = |vi: String, en: String| StoreError::ImportRow { line: r.line, msg: crate::domain::Msg::new(vi, en) };
                let parent_id: Option<i64> = match &r.parent_code {
                    None => None,
                    Some(pc) => {
                        let parent: Option<(i64, String)> = sqlx::query_as(
                            "SELECT id, level FROM units WHERE code = $1 AND level <> 'commune'
                             ORDER BY (valid_to IS NULL) DESC, valid_from DESC LIMIT 1")
                            .bind(pc).fetch_optional(&mut *tx).await?;
                        let Some((pid, plevel)) = parent else {
                            return Err(err(format!("không tìm thấy đơn vị cấp trên có mã {pc}"),
                                format!("no parent unit with code {pc}")));
                        };
                        let plevel = UnitLevel::parse(&plevel).unwrap_or(UnitLevel::Province);
                        if !r.level.may_have_parent(plevel) {
                            return Err(err(format!("{} không thể trực thuộc {}", r.level.label_vi(), plevel.label_vi()),
                                format!("a {} cannot belong to a {}", r.level.as_str(), plevel.as_str())));
                        }
                        Some(pid)
                    }
                };
                if parent_id.is_none() && r.level != UnitLevel::Province {
                    return Err(err("đơn vị cấp huyện, cấp xã phải có mã đơn vị cấp trên".into(),
                        "district and commune rows need a parent code".into()));
                }
                let existing: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM units WHERE level = $1 AND code = $2 AND valid_from IS NOT DISTINCT FROM $3")
                    .bind(r.level.as_str()).bind(&r.code).bind(r.valid_from).fetch_optional(&mut *tx).await?;
                match existing {
                    Some(id) => {
                        let old_parent: Option<i64> = sqlx::query_scalar("SELECT parent_id FROM units WHERE id = $1")
                            .bind(id).fetch_one(&mut *tx).await?;
                        sqlx::query("UPDATE units SET name = $2, parent_id = $3, valid_to = $4 WHERE id = $1")
                            .bind(id).bind(&r.name).bind(parent_id).bind(r.valid_to).execute(&mut *tx).await?;
                        agg_move_unit!(&mut *tx, id, old_parent, parent_id);
                        sum.updated += 1;
                    }
                    None => {
                        sqlx::query("INSERT INTO units (parent_id, level, code, name, valid_from, valid_to, created_at)
                                     VALUES ($1, $2, $3, $4, $5, $6, $7)")
                            .bind(parent_id).bind(r.level.as_str()).bind(&r.code).bind(&r.name)
                            .bind(r.valid_from).bind(r.valid_to).bind(now).execute(&mut *tx).await?;
                        sum.created += 1;
                    }
                }
            }
            tx.commit().await?;
            Ok(sum)
        })
    }
}
