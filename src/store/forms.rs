//! Versioned rating forms. Editing a form adds a version; ratings keep the version they used.

use serde::Serialize;

use super::{Result, Store, StoreError, with_pool};
use crate::domain::form::FormDefinition;
use crate::domain::time::{Millis, now_ms};

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct RatingForm {
    pub id: i64,
    pub name: String,
    pub is_default: bool,
    pub current_version: i32,
    pub current_version_id: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormVersion {
    pub id: i64,
    pub form_id: i64,
    pub version: i32,
    pub definition: FormDefinition,
    pub created_at: Millis,
}

/// One saved version of a form, without its definition (for the history list).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct FormVersionInfo {
    pub id: i64,
    pub version: i32,
    pub created_at: Millis,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: i64,
    form_id: i64,
    version: i32,
    definition: String,
    created_at: Millis,
}

impl TryFrom<VersionRow> for FormVersion {
    type Error = StoreError;
    fn try_from(r: VersionRow) -> Result<Self> {
        let definition = serde_json::from_str(&r.definition).map_err(|e| {
            StoreError::invalid(
                format!("Phiếu đánh giá hỏng: {e}"),
                format!("Corrupt form definition: {e}"),
            )
        })?;
        Ok(FormVersion {
            id: r.id,
            form_id: r.form_id,
            version: r.version,
            definition,
            created_at: r.created_at,
        })
    }
}

const FORM_SELECT: &str =
    "SELECT f.id, f.name, f.is_default, v.version AS current_version, v.id AS current_version_id
    FROM rating_forms f JOIN rating_form_versions v ON v.form_id = f.id
    AND v.version = (SELECT MAX(version) FROM rating_form_versions WHERE form_id = f.id)";

impl Store {
    pub async fn forms(&self) -> Result<Vec<RatingForm>> {
        let sql = format!("{FORM_SELECT} ORDER BY f.is_default DESC, f.name");
        Ok(with_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    pub async fn form(&self, id: i64) -> Result<RatingForm> {
        let sql = format!("{FORM_SELECT} WHERE f.id = $1");
        let f: Option<RatingForm> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?;
        f.ok_or_else(|| {
            StoreError::not_found(
                format!("Không có phiếu đánh giá số {id}"),
                format!("No form {id}"),
            )
        })
    }

    /// Creates a form with its first version. The first form created becomes the default.
    pub async fn form_create(&self, name: &str, def: &FormDefinition) -> Result<i64> {
        def.validate().map_err(StoreError::Invalid)?;
        if name.trim().is_empty() {
            return Err(StoreError::invalid(
                "Cần có tên phiếu",
                "A form needs a name",
            ));
        }
        let json = serde_json::to_string(def).expect("form serialises");
        let now = now_ms();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let has_default: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM rating_forms WHERE is_default)")
                .fetch_one(&mut *tx).await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO rating_forms (name, is_default, created_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(name.trim()).bind(!has_default).bind(now).fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO rating_form_versions (form_id, version, definition, created_at) VALUES ($1, 1, $2, $3)")
                .bind(id).bind(&json).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Saves a new version of a form; earlier ratings keep the version they were given on.
    pub async fn form_new_version(&self, form_id: i64, def: &FormDefinition) -> Result<i32> {
        def.validate().map_err(StoreError::Invalid)?;
        let json = serde_json::to_string(def).expect("form serialises");
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let cur: Option<i32> = sqlx::query_scalar("SELECT MAX(version) FROM rating_form_versions WHERE form_id = $1")
                .bind(form_id).fetch_one(&mut *tx).await?;
            let Some(cur) = cur else {
                return Err(StoreError::not_found(format!("Không có phiếu đánh giá số {form_id}"), format!("No form {form_id}")));
            };
            sqlx::query("INSERT INTO rating_form_versions (form_id, version, definition, created_at) VALUES ($1, $2, $3, $4)")
                .bind(form_id).bind(cur + 1).bind(&json).bind(now_ms()).execute(&mut *tx).await
                .map_err(|e| super::unique_as(e, "Phiếu vừa được sửa bởi người khác, hãy tải lại", "The form was just changed by someone else; reload"))?;
            tx.commit().await?;
            Ok(cur + 1)
        })
    }

    pub async fn form_set_default(&self, form_id: i64) -> Result<()> {
        self.form(form_id).await?;
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE rating_forms SET is_default = (id = $1)").bind(form_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    pub async fn form_version(&self, version_id: i64) -> Result<FormVersion> {
        let r: Option<VersionRow> = with_pool!(self, p => sqlx::query_as(
            "SELECT id, form_id, version, definition, created_at FROM rating_form_versions WHERE id = $1")
            .bind(version_id).fetch_optional(p).await)?;
        r.ok_or_else(|| {
            StoreError::not_found(
                format!("Không có phiên bản phiếu số {version_id}"),
                format!("No form version {version_id}"),
            )
        })?
        .try_into()
    }

    /// Every version of a form, newest first.
    pub async fn form_versions(&self, form_id: i64) -> Result<Vec<FormVersionInfo>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, version, created_at FROM rating_form_versions WHERE form_id = $1 ORDER BY version DESC")
            .bind(form_id).fetch_all(p).await)?)
    }

    /// The current version of the form a counter uses (its own, else the default form).
    pub async fn form_for_counter(&self, counter_id: i64) -> Result<FormVersion> {
        let r: Option<VersionRow> = with_pool!(self, p => sqlx::query_as(
            "SELECT v.id, v.form_id, v.version, v.definition, v.created_at
             FROM rating_form_versions v JOIN rating_forms f ON f.id = v.form_id
             WHERE f.id = COALESCE((SELECT form_id FROM counters WHERE id = $1), (SELECT id FROM rating_forms WHERE is_default LIMIT 1))
             ORDER BY v.version DESC LIMIT 1")
            .bind(counter_id).fetch_optional(p).await)?;
        r.ok_or_else(|| {
            StoreError::not_found("Chưa có phiếu đánh giá nào", "No rating form exists yet")
        })?
        .try_into()
    }
}
