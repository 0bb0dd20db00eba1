//! Raw figures for reports: counts grouped in the database, shaped in `report/`.

use super::{Result, SUBTREE_CTE, Store, with_pool};
use crate::domain::time::Millis;

/// Ballots of one official at one level, flagged or not.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfficialLevelCount {
    pub official_id: Option<i64>,
    pub scale: i16,
    pub level: i16,
    pub flagged: bool,
    pub n: i64,
}

/// An official who belongs in a report: from the subtree, or rated at one of its counters.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportOfficial {
    pub id: i64,
    pub code: String,
    pub full_name: String,
    pub title: String,
    pub unit_name: String,
    pub unit_code: String,
    pub active: bool,
    pub created_at: crate::domain::time::Millis,
}

impl Store {
    /// Counts of headline levels per official for ratings given at counters of a subtree in
    /// [from, to).
    pub async fn official_level_counts(
        &self,
        root: i64,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<OfficialLevelCount>> {
        let sql = format!(
            "{SUBTREE_CTE} SELECT r.official_id, r.scale, r.level, (r.flagged_at IS NOT NULL) AS flagged, COUNT(*) AS n
             FROM ratings r WHERE r.unit_id IN (SELECT id FROM subtree) AND r.rated_at >= $2 AND r.rated_at < $3
             GROUP BY r.official_id, r.scale, r.level, (r.flagged_at IS NOT NULL)");
        Ok(
            with_pool!(self, p => sqlx::query_as(&sql).bind(root).bind(from).bind(to).fetch_all(p).await)?,
        )
    }

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
        Ok(with_pool!(self, p => sqlx::query_as(&sql).bind(root).fetch_all(p).await)?)
    }

    /// An official's own counts (role official sees only this).
    pub async fn official_own_counts(
        &self,
        official_id: i64,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<OfficialLevelCount>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT r.official_id, r.scale, r.level, (r.flagged_at IS NOT NULL) AS flagged, COUNT(*) AS n
             FROM ratings r WHERE r.official_id = $1 AND r.rated_at >= $2 AND r.rated_at < $3
             GROUP BY r.official_id, r.scale, r.level, (r.flagged_at IS NOT NULL)")
            .bind(official_id).bind(from).bind(to).fetch_all(p).await)?)
    }
}
