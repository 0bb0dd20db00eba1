//! Raw figures for reports: counts grouped in the database, shaped in `report/`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::unit_cache::Roster;
use super::{Result, Store, fetch_packed, with_pool};
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
    pub unit_id: i64,
}

impl Store {
    /// Officials of the subtree plus any official in `extra` (rated there but from elsewhere),
    /// ordered by unit code and name. From memory while units and officials are unchanged.
    pub async fn report_officials(&self, root: i64, extra: &[i64]) -> Result<Vec<ReportOfficial>> {
        let roster = self.roster().await?;
        let mut subtree: HashSet<i64> = HashSet::from([root]);
        let mut todo = vec![root];
        while let Some(u) = todo.pop() {
            for &c in roster.children.get(&u).into_iter().flatten() {
                if subtree.insert(c) {
                    todo.push(c);
                }
            }
        }
        Ok(roster
            .officials
            .iter()
            .filter(|o| subtree.contains(&o.unit_id) || extra.contains(&o.id))
            .cloned()
            .collect())
    }

    /// Every official in report order with the unit tree, read again only when `units_version`
    /// or `names_version` moved (both read before the rows, as `unit_labels` does).
    async fn roster(&self) -> Result<Arc<Roster>> {
        // Both versions in one statement: on PostgreSQL two concurrent ones took two
        // connections and two round trips, for a report whose figures take one more.
        let (units, names): (i64, i64) = with_pool!(self, p => sqlx::query_as(
            "SELECT (SELECT version FROM units_version WHERE id = 1),
                    (SELECT version FROM names_version WHERE id = 1)",
        )
        .fetch_one(p)
        .await)?;
        if let Some(r) = self.roster.get(&(), (units, names)) {
            return Ok(r);
        }
        let (officials, tree) = tokio::try_join!(
            fetch_packed::<ReportOfficial>(
                self,
                "SELECT o.id, o.code, o.full_name, o.title, u.name AS unit_name, u.code AS unit_code,
                        o.active, o.created_at, o.unit_id
                 FROM officials o JOIN units u ON u.id = o.unit_id
                 ORDER BY u.code, o.full_name",
                9,
                &[],
            ),
            fetch_packed::<(i64, i64)>(
                self,
                "SELECT id, parent_id FROM units WHERE parent_id IS NOT NULL",
                2,
                &[],
            )
        )?;
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for (id, parent) in tree {
            children.entry(parent).or_default().push(id);
        }
        let roster = Arc::new(Roster {
            officials,
            children,
        });
        self.roster.put((), (units, names), Arc::clone(&roster));
        Ok(roster)
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
