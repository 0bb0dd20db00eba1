//! Scoring models as stored versions, the points people enter for them, and the raw reads a
//! score card needs beyond the aggregates (the catalogue, and the dossiers of a quarter for the
//! Circular 01/2018 averages).
//!
//! Versions are never rewritten: saving a model adds version latest + 1, so an old card can be
//! recomputed with the version it used. The shipped defaults are written by the first read that
//! misses them; their JSON stays in `src/domain/scoring/`, not in a migration.

use serde::{Deserialize, Serialize};

use super::dossiers::attitude_sql;
use super::{Result, SUBTREE_CTE, Store, StoreError, unique_as, with_pool};
use crate::domain::Msg;
use crate::domain::procedure::ProcedureLevel;
use crate::domain::scoring::{ModelKind, ScoringModel, default_models};
use crate::domain::time::{Millis, now_ms};

/// Which column of a score card a person's points go in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EntryColumn {
    /// Tự đánh giá: the unit's own score.
    SelfAssessed,
    /// Thẩm định: the score the level above (or the inspectors) gives.
    Appraised,
}

impl EntryColumn {
    pub const ALL: [EntryColumn; 2] = [EntryColumn::SelfAssessed, EntryColumn::Appraised];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryColumn::SelfAssessed => "self_assessed",
            EntryColumn::Appraised => "appraised",
        }
    }

    pub fn parse(s: &str) -> Option<EntryColumn> {
        EntryColumn::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
    }

    pub fn label(self) -> Msg {
        match self {
            EntryColumn::SelfAssessed => Msg::new("Tự đánh giá", "Self-assessed"),
            EntryColumn::Appraised => Msg::new("Thẩm định", "Appraised"),
        }
    }
}

/// One saved version, for lists.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModelVersionInfo {
    pub key: String,
    pub version: u32,
    pub name_vi: String,
    pub name_en: String,
    pub kind: ModelKind,
    /// None for a shipped default.
    pub created_by_name: Option<String>,
    pub created_at: Millis,
}

/// A model version as stored, with who saved it and the newest version of its key.
#[derive(Debug, Clone, Serialize)]
pub struct StoredModel {
    pub model: ScoringModel,
    pub created_by: Option<i64>,
    pub created_by_name: Option<String>,
    pub created_at: Millis,
    pub latest_version: u32,
}

/// Points in force for one indicator and column, with who entered them and when.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub indicator: String,
    pub column: EntryColumn,
    pub points: f64,
    pub entered_by: Option<i64>,
    pub entered_by_name: Option<String>,
    pub entered_at: Millis,
}

/// A change to enter: `points: None` clears the value in force.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
pub struct EntryChange {
    pub indicator: String,
    pub column: EntryColumn,
    pub points: Option<f64>,
}

/// Active procedures of the catalogue a unit's subtree handles, and how many of them are offered
/// online (fully or partly) and published in full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CatalogueCounts {
    pub active: u64,
    pub online: u64,
    pub published: u64,
}

/// What the per-dossier evaluation reads of one dossier's record.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierRecord {
    pub id: i64,
    pub status: i16,
    pub due_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    pub supplement_count: i32,
    /// The citizen's attitude answer (or headline level) of its unflagged rating.
    pub attitude: Option<i16>,
    /// Inter-agency steps in order.
    pub steps: Vec<StepSpan>,
}

#[derive(sqlx::FromRow)]
struct ModelRow {
    key: String,
    version: i32,
    definition: String,
    created_by: Option<i64>,
    created_by_name: Option<String>,
    created_at: Millis,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    indicator: String,
    entry_column: String,
    points: Option<f64>,
    entered_by: Option<i64>,
    entered_by_name: Option<String>,
    entered_at: Millis,
}

/// An inter-agency step's due and finish times.
pub type StepSpan = (Option<Millis>, Option<Millis>);

#[derive(sqlx::FromRow)]
struct StepRow {
    dossier_id: i64,
    due_at: Option<Millis>,
    finished_at: Option<Millis>,
}

#[derive(sqlx::FromRow)]
struct DossierRow {
    id: i64,
    status: i16,
    due_at: Option<Millis>,
    finished_at: Option<Millis>,
    supplement_count: i32,
    attitude: Option<i16>,
}

fn corrupt(key: &str, version: i32, m: &Msg) -> StoreError {
    StoreError::invalid(
        format!(
            "Mô hình chấm điểm '{key}' phiên bản {version} lưu bị hỏng: {}",
            m.vi
        ),
        format!(
            "Stored scoring model '{key}' version {version} is corrupt: {}",
            m.en
        ),
    )
}

fn no_model(key: &str, version: Option<u32>) -> StoreError {
    match version {
        Some(v) => StoreError::not_found(
            format!("Không có mô hình chấm điểm '{key}' phiên bản {v}"),
            format!("No scoring model '{key}' version {v}"),
        ),
        None => StoreError::not_found(
            format!("Không có mô hình chấm điểm '{key}'"),
            format!("No scoring model '{key}'"),
        ),
    }
}

fn parse_stored(r: &ModelRow) -> Result<ScoringModel> {
    let key = r.key.as_str();
    let m = ScoringModel::parse(&r.definition).map_err(|e| corrupt(key, r.version, e.msg()))?;
    if m.key != key || i64::from(m.version) != i64::from(r.version) {
        return Err(corrupt(
            key,
            r.version,
            &Msg::new(
                format!("nội dung ghi '{}' phiên bản {}", m.key, m.version),
                format!("its JSON says '{}' version {}", m.key, m.version),
            ),
        ));
    }
    Ok(m)
}

const MODEL_SELECT: &str = "SELECT m.key, m.version, m.definition, m.created_by,
    u.display_name AS created_by_name, m.created_at
    FROM scoring_models m LEFT JOIN users u ON u.id = m.created_by";

impl Store {
    /// Writes the shipped default models whose key has no version yet. Both reads call it only
    /// when a default is missing, so it runs once per database in practice.
    async fn scoring_defaults_ensure(&self) -> Result<()> {
        let now = now_ms();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            for m in default_models() {
                sqlx::query(
                    "INSERT INTO scoring_models (key, version, definition, created_by, created_at)
                     SELECT $1, $2, $3, NULL, $4
                     WHERE NOT EXISTS (SELECT 1 FROM scoring_models WHERE key = $1)
                     ON CONFLICT (key, version) DO NOTHING")
                    .bind(&m.key).bind(m.version as i32).bind(m.to_json()).bind(now)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Every version of every model, by key, newest version first.
    pub async fn scoring_models(&self) -> Result<Vec<ModelVersionInfo>> {
        let read = || async {
            let sql = format!("{MODEL_SELECT} ORDER BY m.key, m.version DESC");
            let rows: Vec<ModelRow> =
                with_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await)?;
            Ok::<_, StoreError>(rows)
        };
        let mut rows = read().await?;
        if default_models()
            .iter()
            .any(|d| !rows.iter().any(|r| r.key == d.key))
        {
            self.scoring_defaults_ensure().await?;
            rows = read().await?;
        }
        rows.into_iter()
            .map(|row| {
                let m = parse_stored(&row)?;
                Ok(ModelVersionInfo {
                    key: row.key,
                    version: m.version,
                    name_vi: m.name_vi,
                    name_en: m.name_en,
                    kind: m.kind,
                    created_by_name: row.created_by_name,
                    created_at: row.created_at,
                })
            })
            .collect()
    }

    /// One version of a model (the newest when `version` is None).
    pub async fn scoring_model(&self, key: &str, version: Option<u32>) -> Result<StoredModel> {
        let read = || async {
            let sql = format!(
                "{MODEL_SELECT} WHERE m.key = $1 AND m.version = COALESCE($2,
                    (SELECT MAX(version) FROM scoring_models WHERE key = $1))"
            );
            let v = version.map(|v| i32::try_from(v).unwrap_or(i32::MAX));
            with_pool!(self, p => {
                let mut tx = p.begin().await?;
                let row: Option<ModelRow> = sqlx::query_as(&sql)
                    .bind(key).bind(v).fetch_optional(&mut *tx).await?;
                let latest: Option<i32> = sqlx::query_scalar(
                    "SELECT MAX(version) FROM scoring_models WHERE key = $1")
                    .bind(key).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                Ok::<_, StoreError>((row, latest))
            })
        };
        let mut found = read().await?;
        if found.1.is_none() && default_models().iter().any(|d| d.key == key) {
            self.scoring_defaults_ensure().await?;
            found = read().await?;
        }
        let (Some(row), Some(latest)) = found else {
            return Err(no_model(key, version));
        };
        Ok(StoredModel {
            model: parse_stored(&row)?,
            created_by: row.created_by,
            created_by_name: row.created_by_name,
            created_at: row.created_at,
            latest_version: latest.max(0) as u32,
        })
    }

    /// Saves `model` as the next version of its key (1 for a new key), whatever version it says:
    /// versions are never overwritten. Returns the version saved.
    pub async fn scoring_model_save(
        &self,
        model: &ScoringModel,
        user_id: Option<i64>,
    ) -> Result<u32> {
        // A shipped default saved over for the first time must not take its version 1.
        if default_models().iter().any(|d| d.key == model.key) {
            self.scoring_model(&model.key, None).await?;
        }
        let now = now_ms();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let latest: Option<i32> = sqlx::query_scalar(
                "SELECT MAX(version) FROM scoring_models WHERE key = $1")
                .bind(&model.key).fetch_one(&mut *tx).await?;
            let next = latest.unwrap_or(0) + 1;
            let mut m = model.clone();
            m.version = next as u32;
            m.validate().map_err(|e| StoreError::Invalid(e.msg().clone()))?;
            sqlx::query(
                "INSERT INTO scoring_models (key, version, definition, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5)")
                .bind(&m.key).bind(next).bind(m.to_json()).bind(user_id).bind(now)
                .execute(&mut *tx).await
                .map_err(|e| unique_as(e,
                    "Mô hình vừa được người khác lưu phiên bản mới, hãy tải lại",
                    "Someone else just saved a new version of this model; reload"))?;
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now).bind(user_id).bind("scoring.model.save")
                .bind(format!("{} v{next}", m.key))
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(next as u32)
        })
    }

    /// The points in force for a unit, model key and period, with who entered them and when.
    pub async fn scoring_entries(
        &self,
        unit_id: i64,
        model_key: &str,
        period: &str,
    ) -> Result<Vec<Entry>> {
        let rows: Vec<EntryRow> = with_pool!(self, p => sqlx::query_as(
            "SELECT e.indicator, e.entry_column, e.points, e.entered_by,
                u.display_name AS entered_by_name, e.entered_at
             FROM scoring_entries e LEFT JOIN users u ON u.id = e.entered_by
             WHERE e.unit_id = $1 AND e.model_key = $2 AND e.period = $3
               AND e.id = (SELECT MAX(x.id) FROM scoring_entries x
                   WHERE x.unit_id = e.unit_id AND x.model_key = e.model_key
                     AND x.period = e.period AND x.indicator = e.indicator
                     AND x.entry_column = e.entry_column)
             ORDER BY e.indicator, e.entry_column")
            .bind(unit_id).bind(model_key).bind(period).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(Entry {
                    column: EntryColumn::parse(&r.entry_column)?,
                    points: r.points?,
                    indicator: r.indicator,
                    entered_by: r.entered_by,
                    entered_by_name: r.entered_by_name,
                    entered_at: r.entered_at,
                })
            })
            .collect())
    }

    /// Enters points (or clears them) for a unit, model key and period, all or none. The caller
    /// checks them against the model and the person's rights; the store keeps every change.
    pub async fn scoring_entries_set(
        &self,
        unit_id: i64,
        model_key: &str,
        period: &str,
        changes: &[EntryChange],
        user_id: Option<i64>,
    ) -> Result<()> {
        if let Some(bad) = changes
            .iter()
            .find(|c| c.points.is_some_and(|p| !(p.is_finite() && p >= 0.0)))
        {
            return Err(StoreError::invalid(
                format!("Điểm nhập cho '{}' phải là số không âm", bad.indicator),
                format!(
                    "The points for '{}' must be a number of at least 0",
                    bad.indicator
                ),
            ));
        }
        let now = now_ms();
        let detail = changes
            .iter()
            .map(|c| {
                let v = c.points.map_or_else(|| "∅".to_string(), |p| p.to_string());
                format!("{}/{}={v}", c.indicator, c.column.as_str())
            })
            .collect::<Vec<_>>()
            .join(" ");
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            for c in changes {
                sqlx::query(
                    "INSERT INTO scoring_entries (unit_id, model_key, period, indicator, entry_column, points, entered_by, entered_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(unit_id).bind(model_key).bind(period).bind(&c.indicator)
                    .bind(c.column.as_str()).bind(c.points).bind(user_id).bind(now)
                    .execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now).bind(user_id).bind("scoring.entries.set")
                .bind(format!("unit {unit_id} {model_key} {period}: {detail}"))
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Active procedures of the given levels; of them, offered online (fully or partly), and
    /// published: with their documents and legal basis filled in.
    pub async fn scorecard_catalogue(&self, levels: &[ProcedureLevel]) -> Result<CatalogueCounts> {
        if levels.is_empty() {
            return Ok(CatalogueCounts::default());
        }
        // Levels come from the enum, never from input: safe to write into the SQL.
        let list = levels
            .iter()
            .map(|l| format!("'{}'", l.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN online_level IN ('full', 'partial') THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN TRIM(documents) <> '' AND TRIM(legal_basis) <> '' THEN 1 ELSE 0 END), 0) AS BIGINT)
             FROM procedures WHERE active AND level IN ({list})"
        );
        let (active, online, published): (i64, i64, i64) =
            with_pool!(self, p => sqlx::query_as(&sql).fetch_one(p).await)?;
        let n = |v: i64| v.max(0) as u64;
        Ok(CatalogueCounts {
            active: n(active),
            online: n(online),
            published: n(published),
        })
    }

    /// Dossiers of `root`'s subtree finished in `[start, end)`, with what their evaluation
    /// reads: two queries (dossiers, then their steps), not one per dossier.
    pub async fn scorecard_dossiers(
        &self,
        root: i64,
        start: Millis,
        end: Millis,
    ) -> Result<Vec<DossierRecord>> {
        let filter = "d.unit_id IN (SELECT id FROM subtree) AND d.finished_at >= $2
            AND d.finished_at < $3 AND d.received_at IS NOT NULL AND d.due_at IS NOT NULL";
        let dossiers_sql = format!(
            "{SUBTREE_CTE} SELECT d.id, d.status, d.due_at, d.finished_at, d.supplement_count,
                {} AS attitude
             FROM dossiers d WHERE {filter} ORDER BY d.id",
            attitude_sql(self.db())
        );
        let steps_sql = format!(
            "{SUBTREE_CTE} SELECT s.dossier_id, s.due_at, s.finished_at
             FROM dossier_steps s JOIN dossiers d ON d.id = s.dossier_id
             WHERE {filter} ORDER BY s.dossier_id, s.seq"
        );
        let (rows, steps): (Vec<DossierRow>, Vec<StepRow>) = with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let rows = sqlx::query_as(&dossiers_sql)
                .bind(root).bind(start).bind(end).fetch_all(&mut *tx).await?;
            let steps = sqlx::query_as(&steps_sql)
                .bind(root).bind(start).bind(end).fetch_all(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, StoreError>((rows, steps))
        })?;
        let mut by_dossier: std::collections::HashMap<i64, Vec<StepSpan>> =
            std::collections::HashMap::new();
        for s in steps {
            by_dossier
                .entry(s.dossier_id)
                .or_default()
                .push((s.due_at, s.finished_at));
        }
        Ok(rows
            .into_iter()
            .map(|r| DossierRecord {
                steps: by_dossier.remove(&r.id).unwrap_or_default(),
                id: r.id,
                status: r.status,
                due_at: r.due_at,
                finished_at: r.finished_at,
                supplement_count: r.supplement_count,
                attitude: r.attitude,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_columns_read_back_their_names() {
        for c in EntryColumn::ALL {
            assert_eq!(EntryColumn::parse(c.as_str()), Some(c));
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::Value::from(c.as_str())
            );
        }
        assert_eq!(EntryColumn::parse("computed"), None);
    }
}
