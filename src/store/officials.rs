//! Officials (cán bộ, công chức) and their photos.

use serde::Serialize;

use super::units::{ImportSummary, UNIT_IDS_BY_CODE, unit_id_for_line};
use super::{Result, SUBTREE_CTE, Store, StoreError, unique_as, with_pool};
use crate::domain::time::now_ms;
use rustc_hash::FxHashMap;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Official {
    pub id: i64,
    pub unit_id: i64,
    /// Staff code, unique across the installation.
    pub code: String,
    pub full_name: String,
    pub title: String,
    pub active: bool,
    pub has_photo: bool,
    pub unit_name: String,
}

#[derive(Debug, Clone)]
pub struct OfficialInput {
    pub unit_id: i64,
    pub code: String,
    pub full_name: String,
    pub title: String,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct OfficialImportRow {
    pub line: u64,
    pub unit_code: String,
    pub code: String,
    pub full_name: String,
    pub title: String,
}

const SELECT: &str = "SELECT o.id, o.unit_id, o.code, o.full_name, o.title, o.active,
    (o.photo IS NOT NULL) AS has_photo, u.name AS unit_name
    FROM officials o JOIN units u ON u.id = o.unit_id";

fn check(input: &OfficialInput) -> Result<()> {
    if input.code.trim().is_empty() || input.full_name.trim().is_empty() {
        return Err(StoreError::invalid(
            "Cần có mã và họ tên cán bộ",
            "An official needs a code and a name",
        ));
    }
    Ok(())
}

impl Store {
    pub async fn official(&self, id: i64) -> Result<Official> {
        let sql = format!("{SELECT} WHERE o.id = $1");
        let o: Option<Official> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?;
        o.ok_or_else(|| {
            StoreError::not_found(
                format!("Không có cán bộ số {id}"),
                format!("No official {id}"),
            )
        })
    }

    pub async fn official_by_code(&self, code: &str) -> Result<Option<Official>> {
        let sql = format!("{SELECT} WHERE o.code = $1");
        Ok(with_pool!(self, p => sqlx::query_as(&sql).bind(code.trim()).fetch_optional(p).await)?)
    }

    /// Officials of the units in a subtree, optionally filtered by name or code.
    pub async fn officials_in_subtree(&self, root: i64, q: &str) -> Result<Vec<Official>> {
        let sql = format!(
            "{SUBTREE_CTE} {SELECT} WHERE o.unit_id IN (SELECT id FROM subtree)
             AND ($2 = '' OR LOWER(o.full_name) LIKE '%' || LOWER($2) || '%' OR o.code = $2)
             ORDER BY u.code, o.full_name LIMIT 500"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(&sql).bind(root).bind(q.trim()).fetch_all(p).await)?,
        )
    }

    pub async fn official_create(&self, input: &OfficialInput) -> Result<i64> {
        check(input)?;
        let code = input.code.trim();
        with_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO officials (unit_id, code, full_name, title, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(input.unit_id).bind(code).bind(input.full_name.trim()).bind(input.title.trim())
            .bind(input.active).bind(now_ms()).fetch_one(p).await)
        .map_err(|e| {
            unique_as(
                e,
                format!("Mã cán bộ {code} đã có"),
                format!("Official code {code} already exists"),
            )
        })
    }

    pub async fn official_update(&self, id: i64, input: &OfficialInput) -> Result<()> {
        check(input)?;
        let code = input.code.trim();
        let n = with_pool!(self, p => sqlx::query(
            "UPDATE officials SET unit_id = $2, code = $3, full_name = $4, title = $5, active = $6 WHERE id = $1")
            .bind(id).bind(input.unit_id).bind(code).bind(input.full_name.trim()).bind(input.title.trim())
            .bind(input.active).execute(p).await.map(|r| r.rows_affected()))
        .map_err(|e| unique_as(e, format!("Mã cán bộ {code} đã có"), format!("Official code {code} already exists")))?;
        if n == 0 {
            return Err(StoreError::not_found(
                format!("Không có cán bộ số {id}"),
                format!("No official {id}"),
            ));
        }
        Ok(())
    }

    pub async fn official_set_photo(
        &self,
        id: i64,
        bytes: &[u8],
        content_type: &str,
    ) -> Result<()> {
        with_pool!(self, p => sqlx::query("UPDATE officials SET photo = $2, photo_type = $3 WHERE id = $1")
            .bind(id).bind(bytes).bind(content_type).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn official_photo(&self, id: i64) -> Result<Option<(Vec<u8>, String)>> {
        let row: Option<(Option<Vec<u8>>, Option<String>)> = with_pool!(self, p =>
            sqlx::query_as("SELECT photo, photo_type FROM officials WHERE id = $1").bind(id).fetch_optional(p).await)?;
        Ok(row
            .and_then(|(b, t)| Some((b?, t.unwrap_or_else(|| "application/octet-stream".into())))))
    }

    /// Loads officials in one transaction, keyed by staff code; a bad row rolls back all.
    pub async fn import_officials(&self, rows: &[OfficialImportRow]) -> Result<ImportSummary> {
        // Units and officials are read once, not looked up row by row: three statements a row
        // were 4 s for the country's 14,507 officials on PostgreSQL.
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let units: FxHashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(UNIT_IDS_BY_CODE)
                .fetch_all(&mut *tx).await?.into_iter().collect();
            let mut officials: FxHashMap<String, i64> =
                sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM officials")
                    .fetch_all(&mut *tx).await?.into_iter().collect();
            let mut sum = ImportSummary::default();
            for r in rows {
                let unit_id = unit_id_for_line(&units, r.line, &r.unit_code)?;
                match officials.get(&r.code) {
                    Some(&id) => {
                        sqlx::query("UPDATE officials SET unit_id = $2, full_name = $3, title = $4 WHERE id = $1")
                            .bind(id).bind(unit_id).bind(&r.full_name).bind(&r.title).execute(&mut *tx).await?;
                        sum.updated += 1;
                    }
                    None => {
                        // A code given twice in the file updates the row its first line made.
                        let id: i64 = sqlx::query_scalar("INSERT INTO officials (unit_id, code, full_name, title, active, created_at)
                                     VALUES ($1, $2, $3, $4, TRUE, $5) RETURNING id")
                            .bind(unit_id).bind(&r.code).bind(&r.full_name).bind(&r.title).bind(now_ms())
                            .fetch_one(&mut *tx).await?;
                        officials.insert(r.code.clone(), id);
                        sum.created += 1;
                    }
                }
            }
            tx.commit().await?;
            Ok(sum)
        })
    }
}
