//! Raw figures for reports: counts grouped in the database, shaped in `report/`.

use super::{Result, SUBTREE_CTE, Store, with_pool};
use crate::domain::aggregate::{LevelCounts, dim};
use crate::domain::period::BucketKey;

/// An official who belongs in a report: from the subtree, or rated at one of its counters.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ReportOfficial {
    pub id: i64,
    pub code: String,
    pub full_name: String,
    pub title: String,
    pub unit_name: String,
    pub unit_code: String,
    #[serde(deserialize_with = "super::bool_from_int")]
    pub active: bool,
    pub created_at: crate::domain::time::Millis,
}

impl Store {
    /// Officials of the subtree plus any official in `extra` (rated there but from elsewhere).
    pub async fn report_officials(&self, root: i64, extra: &[i64]) -> Result<Vec<ReportOfficial>> {
        let ids = extra
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let extra_clause = if ids.is_empty() {
            String::new()
        } else {
            format!(" OR o.id IN ({ids})")
        };
        let sql = format!(
            "{SUBTREE_CTE} SELECT o.id, o.code, o.full_name, o.title, u.name AS unit_name, u.code AS unit_code, o.active, o.created_at
             FROM officials o JOIN units u ON u.id = o.unit_id
             WHERE o.unit_id IN (SELECT id FROM subtree){extra_clause}
             ORDER BY u.code, o.full_name");
        super::fetch_packed(self, &sql, 8, &[root]).await
    }

    /// An official's own counts in a bucket, wherever they were rated: read from the root
    /// units' rows, which hold everything below them exactly once.
    pub async fn official_own_counts(
        &self,
        official_id: i64,
        bucket: BucketKey,
    ) -> Result<LevelCounts> {
        let r: super::aggregates::LevelRow = with_pool!(self, p => sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(a.l1), 0) AS BIGINT), CAST(COALESCE(SUM(a.l2), 0) AS BIGINT), CAST(COALESCE(SUM(a.l3), 0) AS BIGINT),
                CAST(COALESCE(SUM(a.l4), 0) AS BIGINT), CAST(COALESCE(SUM(a.l5), 0) AS BIGINT), CAST(COALESCE(SUM(a.top_offered), 0) AS BIGINT),
                CAST(COALESCE(SUM(a.flagged), 0) AS BIGINT)
             FROM rating_agg a JOIN units u ON u.id = a.unit_id
             WHERE u.parent_id IS NULL AND a.dim = $1 AND a.key = $2 AND a.bucket = $3")
            .bind(dim::OFFICIAL).bind(official_id).bind(bucket).fetch_one(p).await)?;
        Ok(super::aggregates::level_counts(r))
    }
}
