//! Targets per unit and indicator (migration 0007). Which target applies where is a domain rule
//! (`domain::target::effective`); this module only stores and reads the rows.

use serde::Serialize;

use super::aggregates::keys_list;
use super::{Result, Store, StoreError, with_pool};
use crate::domain::period::{key_month, month_key};
use crate::domain::target::{Comparison, Indicator, Rule, check_threshold};
use crate::domain::time::{Millis, Month, now_ms};

/// A stored target with the names a page shows beside it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TargetRecord {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub indicator: Indicator,
    pub comparison: Comparison,
    /// A share in [0, 1].
    pub threshold: f64,
    /// The first month the target holds ("2026-01"); it holds until the unit's next one.
    #[schema(value_type = String, example = "2026-01")]
    pub valid_from: Month,
    pub set_by: Option<i64>,
    pub set_by_name: Option<String>,
    pub set_at: Millis,
}

impl Rule for TargetRecord {
    fn unit_id(&self) -> i64 {
        self.unit_id
    }
    fn indicator(&self) -> Indicator {
        self.indicator
    }
    fn valid_from(&self) -> Month {
        self.valid_from
    }
}

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    f64,
    i32,
    Option<i64>,
    Option<String>,
    Millis,
);

const SELECT: &str = "SELECT t.id, t.unit_id, u.name, t.indicator, t.comparison, t.threshold,
        t.valid_from, t.set_by, us.display_name, t.set_at
    FROM targets t JOIN units u ON u.id = t.unit_id LEFT JOIN users us ON us.id = t.set_by";

fn record(r: Row) -> Option<TargetRecord> {
    Some(TargetRecord {
        id: r.0,
        unit_id: r.1,
        unit_name: r.2,
        indicator: Indicator::parse(&r.3).ok()?,
        comparison: Comparison::parse(&r.4)?,
        threshold: r.5,
        valid_from: key_month(r.6)?,
        set_by: r.7,
        set_by_name: r.8,
        set_at: r.9,
    })
}

impl Store {
    /// Every target, past and future, of the given units (for inheritance, pass the unit and
    /// its ancestors), by unit, indicator and month.
    pub async fn targets_of_units(&self, units: &[i64]) -> Result<Vec<TargetRecord>> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{SELECT} WHERE t.unit_id IN ({}) ORDER BY t.unit_id, t.indicator, t.valid_from",
            keys_list(units)
        );
        let rows: Vec<Row> = with_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await)?;
        Ok(rows.into_iter().filter_map(record).collect())
    }

    /// Sets a unit's target for an indicator from `valid_from` on (replacing one set for the
    /// same month), and records who did it.
    pub async fn target_set(
        &self,
        unit_id: i64,
        indicator: Indicator,
        threshold: f64,
        valid_from: Month,
        user_id: Option<i64>,
    ) -> Result<TargetRecord> {
        let threshold = check_threshold(threshold).map_err(StoreError::Invalid)?;
        self.unit(unit_id).await?;
        let now = now_ms();
        let id: i64 = with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO targets (unit_id, indicator, comparison, threshold, valid_from, set_by, set_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (unit_id, indicator, valid_from) DO UPDATE SET
                    comparison = excluded.comparison, threshold = excluded.threshold,
                    set_by = excluded.set_by, set_at = excluded.set_at
                 RETURNING id")
                .bind(unit_id).bind(indicator.as_str()).bind(indicator.comparison().as_str())
                .bind(threshold).bind(month_key(valid_from)).bind(user_id).bind(now)
                .fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now).bind(user_id).bind("target.set")
                .bind(format!("unit {unit_id} {} {} from {valid_from}", indicator.as_str(), threshold))
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        })?;
        let sql = format!("{SELECT} WHERE t.id = $1");
        let row: Row = with_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_one(p).await)?;
        record(row).ok_or_else(|| StoreError::invalid("Chỉ tiêu hỏng", "Corrupt target row"))
    }

    /// Removes a unit's target of one month: the unit then follows its earlier target, or its
    /// ancestors'.
    pub async fn target_delete(
        &self,
        unit_id: i64,
        indicator: Indicator,
        valid_from: Month,
        user_id: Option<i64>,
    ) -> Result<()> {
        let n = with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query("DELETE FROM targets WHERE unit_id = $1 AND indicator = $2 AND valid_from = $3")
                .bind(unit_id).bind(indicator.as_str()).bind(month_key(valid_from))
                .execute(&mut *tx).await?.rows_affected();
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now_ms()).bind(user_id).bind("target.delete")
                .bind(format!("unit {unit_id} {} from {valid_from}", indicator.as_str()))
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n)
        })?;
        if n == 0 {
            return Err(StoreError::not_found(
                format!(
                    "Đơn vị không có chỉ tiêu này từ tháng {}",
                    valid_from.display_vi()
                ),
                format!("The unit has no such target from {valid_from}"),
            ));
        }
        Ok(())
    }

    /// Units that have a target of their own or inherit one: every unit below a unit with a
    /// target, and that unit itself.
    pub async fn units_under_targets(&self) -> Result<Vec<i64>> {
        let sql = "WITH RECURSIVE t(id) AS (
                SELECT unit_id FROM targets
                UNION
                SELECT u.id FROM units u JOIN t ON u.parent_id = t.id)
             SELECT id FROM t ORDER BY id";
        Ok(with_pool!(self, p => sqlx::query_scalar(sql).fetch_all(p).await)?)
    }
}
