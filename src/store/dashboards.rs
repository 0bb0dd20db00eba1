//! Reads across many units or people at once, with their names: sub-units, rankings of all
//! communes, counters and officials of a dashboard. Each is one query over the aggregates.

use super::aggregates::{IdLevelRow, keys_list, level_counts};
use std::sync::Arc;

use super::unit_cache::Names;
use super::{Result, SUBTREE_CTE, Store, fetch_packed, with_pool};
use crate::domain::aggregate::{DossierCounts, LevelCounts};
use crate::domain::period::BucketKey;

/// Which units a multi-unit read covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitSet {
    /// The direct sub-units of a unit.
    ChildrenOf(i64),
    /// Every unit of a level ("commune") inside a subtree, or in the whole country.
    LevelWithin(&'static str, Option<i64>),
}

impl UnitSet {
    /// A CTE prefix, a query of the set's unit ids, and the id `$1` binds to (if any). Reads
    /// filter on `unit_id IN (ids)` so that the database seeks each unit's rows rather than
    /// scanning every unit's and joining.
    fn sql(self) -> (&'static str, String, Option<i64>) {
        match self {
            UnitSet::ChildrenOf(id) => (
                "",
                "SELECT id FROM units WHERE parent_id = $1".into(),
                Some(id),
            ),
            UnitSet::LevelWithin(level, None) => (
                "",
                format!("SELECT id FROM units WHERE level = '{level}'"),
                None,
            ),
            UnitSet::LevelWithin(level, Some(root)) => (
                SUBTREE_CTE,
                format!(
                    "SELECT id FROM units WHERE level = '{level}' AND id IN (SELECT id FROM subtree)"
                ),
                Some(root),
            ),
        }
    }
}

/// A unit as a row label.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    sqlx::FromRow,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
pub struct UnitLabel {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
    /// The unit above (a commune's province).
    pub parent_id: Option<i64>,
    /// Its name, for national lists.
    pub parent_name: Option<String>,
}

/// Labels by id.
pub type LabelMap = std::collections::HashMap<i64, Label>;

/// A person or counter as a row label.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Deserialize)]
pub struct Label {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// Where they belong (the official's unit, the counter's service centre).
    pub place: String,
}

const LEVEL_SUMS: &str = "CAST(COALESCE(SUM(a.l1), 0) AS BIGINT), CAST(COALESCE(SUM(a.l2), 0) AS BIGINT), CAST(COALESCE(SUM(a.l3), 0) AS BIGINT),
    CAST(COALESCE(SUM(a.l4), 0) AS BIGINT), CAST(COALESCE(SUM(a.l5), 0) AS BIGINT), CAST(COALESCE(SUM(a.top_offered), 0) AS BIGINT),
    CAST(COALESCE(SUM(a.flagged), 0) AS BIGINT)";

impl Store {
    /// Whole-unit rating counts of every unit in `set` over `buckets`, units without ratings
    /// included (with zeros): a commune nobody rated is a finding, not a gap. The labels come
    /// shared (often from memory) with the counts in their order: a national ranking copied
    /// four names of each of 3,321 labels only to copy three of them again.
    pub async fn units_satisfaction(
        &self,
        set: UnitSet,
        buckets: &[BucketKey],
    ) -> Result<(Arc<Vec<UnitLabel>>, Vec<LevelCounts>)> {
        // The labels, read at the same time, pick the set's units and add those nobody rated.
        let (counts, labels) = tokio::try_join!(
            self.units_rating_counts(set, buckets),
            self.unit_labels(set)
        )?;
        Ok(in_label_order(labels, &counts))
    }

    /// `units_satisfaction` for a caller that holds the set's labels (`unit_labels(set)`)
    /// already: a dashboard reads them first for its other sub-unit figures, and checking the
    /// names' version again cost it one more statement.
    pub async fn units_satisfaction_of(
        &self,
        set: UnitSet,
        labels: Arc<Vec<UnitLabel>>,
        buckets: &[BucketKey],
    ) -> Result<(Arc<Vec<UnitLabel>>, Vec<LevelCounts>)> {
        let counts = self.units_rating_counts(set, buckets).await?;
        Ok(in_label_order(labels, &counts))
    }

    /// Whole-unit rating counts of the units of `set` that have any over `buckets`.
    async fn units_rating_counts(
        &self,
        set: UnitSet,
        buckets: &[BucketKey],
    ) -> Result<rustc_hash::FxHashMap<i64, LevelCounts>> {
        // The set's totals from one range of the aggregate (dim 0, bucket, unit: migration
        // 0010). A unit has one total per bucket, so a one-bucket period needs no grouping;
        // a national list reads every unit's row rather than filtering the range by a join.
        let (cte, ids, bind) = set.sql();
        let filter = match set {
            UnitSet::LevelWithin(_, None) => String::new(),
            _ => format!(" AND a.unit_id IN ({ids})"),
        };
        let sql = match buckets {
            [one] => format!(
                "{cte} SELECT a.unit_id, a.l1, a.l2, a.l3, a.l4, a.l5, a.top_offered, a.flagged
                 FROM rating_agg a WHERE a.dim = 0 AND a.bucket = {one}{filter}"
            ),
            _ => format!(
                "{cte} SELECT a.unit_id, {LEVEL_SUMS} FROM rating_agg a
                 WHERE a.dim = 0 AND a.bucket IN ({}){filter} GROUP BY a.unit_id",
                keys_list(buckets)
            ),
        };
        let bind = if filter.is_empty() { None } else { bind };
        let rows = fetch_packed::<IdLevelRow<i64>>(self, &sql, 8, bind.as_slice()).await?;
        // Unit ids are ours, not a caller's: a fast hasher is safe here, and SipHash was a
        // few percent of a national ranking.
        Ok(rows
            .into_iter()
            .map(|r| (r.0, level_counts((r.1, r.2, r.3, r.4, r.5, r.6, r.7))))
            .collect())
    }

    /// The units of a set with their parent's name, by code. The whole country's units of a
    /// level, and the children of a unit, come from memory while `units` is unchanged (see
    /// `unit_cache`).
    pub async fn unit_labels(&self, set: UnitSet) -> Result<Arc<Vec<UnitLabel>>> {
        match set {
            UnitSet::LevelWithin(level, None) => {
                let version = self.version("units_version").await?;
                self.level_labels(level, version).await
            }
            UnitSet::ChildrenOf(id) => {
                // Children are districts or communes, whatever the parent's level.
                let version = self.version("units_version").await?;
                let (districts, communes) = tokio::try_join!(
                    self.level_labels("district", version),
                    self.level_labels("commune", version)
                )?;
                let mut children: Vec<UnitLabel> = districts
                    .iter()
                    .chain(communes.iter())
                    .filter(|l| l.parent_id == Some(id))
                    .cloned()
                    .collect();
                children.sort_by(|a, b| a.code.cmp(&b.code));
                Ok(Arc::new(children))
            }
            UnitSet::LevelWithin(_, Some(_)) => Ok(Arc::new(self.read_unit_labels(set).await?)),
        }
    }

    /// The one row of a version table (`units_version`, `names_version`). Read before the
    /// names it guards: a change in between leaves the cached entry one version behind, to be
    /// read again next time, never a stale list taken for a fresh one.
    pub(crate) async fn version(&self, table: &str) -> Result<i64> {
        let sql = format!("SELECT version FROM {table} WHERE id = 1");
        Ok(with_pool!(self, p => sqlx::query_scalar(&sql).fetch_one(p).await)?)
    }

    /// Every unit of a level, from memory while `units_version` is still `version` (read
    /// just before).
    async fn level_labels(&self, level: &'static str, version: i64) -> Result<Arc<Vec<UnitLabel>>> {
        if let Some(labels) = self.unit_labels.get(&level, version) {
            return Ok(labels);
        }
        let labels = Arc::new(
            self.read_unit_labels(UnitSet::LevelWithin(level, None))
                .await?,
        );
        self.unit_labels.put(level, version, labels.clone());
        Ok(labels)
    }

    async fn read_unit_labels(&self, set: UnitSet) -> Result<Vec<UnitLabel>> {
        let (cte, ids, bind) = set.sql();
        let cond = match set {
            UnitSet::LevelWithin(level, None) => format!("u.level = '{level}'"),
            _ => format!("u.id IN ({ids})"),
        };
        let sql = format!(
            "{cte} SELECT u.id, u.code, u.name, u.level, u.parent_id, p.name AS parent_name
             FROM units u LEFT JOIN units p ON p.id = u.parent_id
             WHERE {cond} ORDER BY u.code"
        );
        fetch_packed(self, &sql, 6, bind.as_slice()).await
    }

    /// Whole-unit dossier counts of every unit in `set` over `buckets` (open and overdue
    /// differences left out: they are read per month end).
    pub async fn units_dossiers(
        &self,
        set: UnitSet,
        buckets: &[BucketKey],
    ) -> Result<Vec<(i64, DossierCounts)>> {
        let (cte, ids, bind) = set.sql();
        let columns = &DossierCounts::COLUMNS[..7];
        // A unit has one total per bucket: a one-bucket period needs no grouping.
        let sql = match buckets {
            [one] => format!(
                "{cte} SELECT a.unit_id, {} FROM dossier_agg a
                 WHERE a.unit_id IN ({ids}) AND a.dim = 0 AND a.key = 0 AND a.bucket = {one}",
                columns
                    .iter()
                    .map(|c| format!("a.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => format!(
                "{cte} SELECT a.unit_id, {} FROM dossier_agg a
                 WHERE a.unit_id IN ({ids}) AND a.dim = 0 AND a.key = 0 AND a.bucket IN ({})
                 GROUP BY a.unit_id",
                columns
                    .iter()
                    .map(|c| format!("CAST(SUM(a.{c}) AS BIGINT)"))
                    .collect::<Vec<_>>()
                    .join(", "),
                keys_list(buckets)
            ),
        };
        type Row = (i64, i64, i64, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = fetch_packed(self, &sql, 8, bind.as_slice()).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.0,
                    DossierCounts::from_values([r.1, r.2, r.3, r.4, r.5, r.6, r.7, 0, 0]),
                )
            })
            .collect())
    }

    /// Names of officials by id, in the order of `ids` (unknown ids left out).
    pub async fn official_labels(&self, ids: &[i64]) -> Result<Vec<Label>> {
        self.labels(Names::Officials, ids).await
    }

    /// Labels from memory while `names_version` is unchanged (see `unit_cache`).
    async fn labels(&self, which: Names, ids: &[i64]) -> Result<Vec<Label>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let version = self.version("names_version").await?;
        let all = self.all_labels(which, version).await?;
        Ok(ids.iter().filter_map(|id| all.get(id).cloned()).collect())
    }

    /// Every official's and every counter's label by id, for a view that shows some of both:
    /// one read of `names_version` instead of one per list.
    pub async fn official_and_counter_labels(&self) -> Result<(Arc<LabelMap>, Arc<LabelMap>)> {
        let version = self.version("names_version").await?;
        Ok(tokio::try_join!(
            self.all_labels(Names::Officials, version),
            self.all_labels(Names::Counters, version)
        )?)
    }

    /// Every label of a kind, from memory while `names_version` is still `version`.
    async fn all_labels(&self, which: Names, version: i64) -> Result<Arc<LabelMap>> {
        if let Some(all) = self.names.get(&which, version) {
            return Ok(all);
        }
        let sql = match which {
            Names::Officials => {
                "SELECT o.id, o.code, o.full_name AS name, u.name AS place
                 FROM officials o JOIN units u ON u.id = o.unit_id"
            }
            Names::Counters => {
                "SELECT k.id, k.code, k.name, c.name AS place
                 FROM counters k JOIN service_centers c ON c.id = k.service_center_id"
            }
        };
        let rows: Vec<Label> = fetch_packed(self, sql, 4, &[]).await?;
        let all: Arc<LabelMap> = Arc::new(rows.into_iter().map(|l| (l.id, l)).collect());
        self.names.put(which, version, Arc::clone(&all));
        Ok(all)
    }
}

/// The labels with each one's counts (zeros for a unit without any), in the labels' order.
fn in_label_order(
    labels: Arc<Vec<UnitLabel>>,
    counts: &rustc_hash::FxHashMap<i64, LevelCounts>,
) -> (Arc<Vec<UnitLabel>>, Vec<LevelCounts>) {
    let in_order = labels
        .iter()
        .map(|l| counts.get(&l.id).copied().unwrap_or_default())
        .collect();
    (labels, in_order)
}
