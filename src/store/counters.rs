//! Service centres, their counters, and who is signed in at each counter.

use serde::Serialize;

use super::units::{ImportSummary, UNIT_IDS_BY_CODE, unit_id_for_line};
use super::{Result, SUBTREE_CTE, Store, StoreError, unique_as, with_pool};
use crate::domain::time::{Millis, now_ms};
use rustc_hash::FxHashMap;

/// Each unit's counters with what an import needs of them, for loads that look one up per row
/// of millions: several centres of one unit may reuse a code, and a unit has a handful of
/// counters, so a short list beats a key built per row.
pub(crate) type CountersByUnit<T> = FxHashMap<i64, Vec<(String, T)>>;

/// The counter coded `code` at the desk of a unit (`unit_code` as the file gave it), or the
/// error that names the file's line: no such counter, or several (in different centres).
pub(crate) fn counter_of_unit<'a, T>(
    counters: &'a CountersByUnit<T>,
    unit_id: i64,
    unit_code: &str,
    code: &str,
    line: u64,
) -> Result<&'a T> {
    let mut same_code = counters
        .get(&unit_id)
        .into_iter()
        .flatten()
        .filter(|(c, _)| c == code);
    let (vi, en) = match (same_code.next(), same_code.next()) {
        (Some((_, found)), None) => return Ok(found),
        (Some(_), Some(_)) => (
            format!("đơn vị '{unit_code}' có nhiều quầy mã '{code}' (ở các bộ phận khác nhau)"),
            format!(
                "unit '{unit_code}' has several counters coded '{code}' (in different centres)"
            ),
        ),
        _ => (
            format!("đơn vị '{unit_code}' không có quầy mã '{code}'"),
            format!("unit '{unit_code}' has no counter coded '{code}'"),
        ),
    };
    Err(StoreError::ImportRow {
        line,
        msg: crate::domain::Msg::new(vi, en),
    })
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct ServiceCenter {
    pub id: i64,
    pub unit_id: i64,
    pub name: String,
    pub address: String,
    pub unit_name: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Counter {
    pub id: i64,
    pub service_center_id: i64,
    pub code: String,
    pub name: String,
    /// The rating form this counter uses; none means the default form.
    pub form_id: Option<i64>,
    pub active: bool,
    pub center_name: String,
    pub unit_id: i64,
    pub unit_name: String,
}

/// The official signed in at a counter.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct CounterSession {
    pub id: i64,
    pub counter_id: i64,
    pub official_id: i64,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
}

/// An open counter session with the official's name, for lists of counters.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OnDuty {
    pub session_id: i64,
    pub counter_id: i64,
    pub official_id: i64,
    pub official_name: String,
    pub started_at: Millis,
}

#[derive(Debug, Clone)]
pub struct CounterImportRow {
    pub line: u64,
    pub unit_code: String,
    pub center_name: String,
    pub counter_code: String,
    pub counter_name: String,
}

const CENTER_SELECT: &str = "SELECT c.id, c.unit_id, c.name, c.address, u.name AS unit_name
    FROM service_centers c JOIN units u ON u.id = c.unit_id";
const COUNTER_SELECT: &str = "SELECT k.id, k.service_center_id, k.code, k.name, k.form_id, k.active,
    c.name AS center_name, c.unit_id, u.name AS unit_name
    FROM counters k JOIN service_centers c ON c.id = k.service_center_id JOIN units u ON u.id = c.unit_id";

impl Store {
    pub async fn service_center(&self, id: i64) -> Result<ServiceCenter> {
        let sql = format!("{CENTER_SELECT} WHERE c.id = $1");
        let c: Option<ServiceCenter> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?;
        c.ok_or_else(|| {
            StoreError::not_found(
                format!("Không có bộ phận một cửa số {id}"),
                format!("No service centre {id}"),
            )
        })
    }

    pub async fn service_centers_in_subtree(&self, root: i64) -> Result<Vec<ServiceCenter>> {
        let sql = format!(
            "{SUBTREE_CTE} {CENTER_SELECT} WHERE c.unit_id IN (SELECT id FROM subtree) ORDER BY u.code, c.name"
        );
        Ok(with_pool!(self, p => sqlx::query_as(&sql).bind(root).fetch_all(p).await)?)
    }

    pub async fn service_center_create(
        &self,
        unit_id: i64,
        name: &str,
        address: &str,
    ) -> Result<i64> {
        if name.trim().is_empty() {
            return Err(StoreError::invalid(
                "Cần có tên bộ phận một cửa",
                "A service centre needs a name",
            ));
        }
        self.unit(unit_id).await?;
        with_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO service_centers (unit_id, name, address, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(unit_id).bind(name.trim()).bind(address.trim()).bind(now_ms()).fetch_one(p).await)
        .map_err(|e| unique_as(e, "Đơn vị đã có bộ phận một cửa trùng tên", "The unit already has a centre with that name"))
    }

    pub async fn counter(&self, id: i64) -> Result<Counter> {
        let sql = format!("{COUNTER_SELECT} WHERE k.id = $1");
        let c: Option<Counter> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?;
        c.ok_or_else(|| {
            StoreError::not_found(format!("Không có quầy số {id}"), format!("No counter {id}"))
        })
    }

    pub async fn counters_in_subtree(&self, root: i64) -> Result<Vec<Counter>> {
        let sql = format!(
            "{SUBTREE_CTE} {COUNTER_SELECT} WHERE c.unit_id IN (SELECT id FROM subtree) ORDER BY u.code, c.name, k.code"
        );
        Ok(with_pool!(self, p => sqlx::query_as(&sql).bind(root).fetch_all(p).await)?)
    }

    pub async fn counter_create(
        &self,
        center_id: i64,
        code: &str,
        name: &str,
        form_id: Option<i64>,
    ) -> Result<i64> {
        if code.trim().is_empty() || name.trim().is_empty() {
            return Err(StoreError::invalid(
                "Cần có mã và tên quầy",
                "A counter needs a code and a name",
            ));
        }
        self.service_center(center_id).await?;
        with_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO counters (service_center_id, code, name, form_id, active, created_at)
             VALUES ($1, $2, $3, $4, TRUE, $5) RETURNING id")
            .bind(center_id).bind(code.trim()).bind(name.trim()).bind(form_id).bind(now_ms()).fetch_one(p).await)
        .map_err(|e| unique_as(e, format!("Mã quầy {} đã có ở bộ phận này", code.trim()), format!("Counter code {} already exists here", code.trim())))
    }

    pub async fn counter_update(
        &self,
        id: i64,
        name: &str,
        form_id: Option<i64>,
        active: bool,
    ) -> Result<()> {
        if name.trim().is_empty() {
            return Err(StoreError::invalid(
                "Cần có tên quầy",
                "A counter needs a name",
            ));
        }
        let n = with_pool!(self, p => sqlx::query("UPDATE counters SET name = $2, form_id = $3, active = $4 WHERE id = $1")
            .bind(id).bind(name.trim()).bind(form_id).bind(active).execute(p).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::not_found(
                format!("Không có quầy số {id}"),
                format!("No counter {id}"),
            ));
        }
        Ok(())
    }

    /// Signs an official in at a counter: whoever was there is signed out, and the official
    /// leaves any other counter, so each kiosk shows exactly one person.
    pub async fn counter_sign_in(&self, counter_id: i64, official_id: i64) -> Result<i64> {
        let now = now_ms();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE counter_sessions SET ended_at = $3
                         WHERE ended_at IS NULL AND (counter_id = $1 OR official_id = $2)")
                .bind(counter_id).bind(official_id).bind(now).execute(&mut *tx).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO counter_sessions (counter_id, official_id, started_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(counter_id).bind(official_id).bind(now).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Signs an official out of whatever counter they are at.
    pub async fn counter_sign_out(&self, official_id: i64) -> Result<()> {
        with_pool!(self, p => sqlx::query("UPDATE counter_sessions SET ended_at = $2 WHERE ended_at IS NULL AND official_id = $1")
            .bind(official_id).bind(now_ms()).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn counter_current_session(&self, counter_id: i64) -> Result<Option<CounterSession>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, counter_id, official_id, started_at, ended_at FROM counter_sessions
             WHERE counter_id = $1 AND ended_at IS NULL ORDER BY started_at DESC LIMIT 1")
            .bind(counter_id).fetch_optional(p).await)?)
    }

    /// Who is signed in at the counters of a subtree (open sessions only), newest first.
    pub async fn on_duty_in_subtree(&self, root: i64) -> Result<Vec<OnDuty>> {
        let sql = format!(
            "{SUBTREE_CTE} SELECT s.id AS session_id, s.counter_id, s.official_id, o.full_name AS official_name, s.started_at
             FROM counter_sessions s JOIN counters k ON k.id = s.counter_id
             JOIN service_centers c ON c.id = k.service_center_id JOIN officials o ON o.id = s.official_id
             WHERE s.ended_at IS NULL AND c.unit_id IN (SELECT id FROM subtree)
             ORDER BY s.started_at DESC, s.id DESC"
        );
        Ok(with_pool!(self, p => sqlx::query_as(&sql).bind(root).fetch_all(p).await)?)
    }

    pub async fn official_current_session(
        &self,
        official_id: i64,
    ) -> Result<Option<CounterSession>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, counter_id, official_id, started_at, ended_at FROM counter_sessions
             WHERE official_id = $1 AND ended_at IS NULL ORDER BY started_at DESC LIMIT 1")
            .bind(official_id).fetch_optional(p).await)?)
    }

    pub async fn counter_session(&self, id: i64) -> Result<Option<CounterSession>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, counter_id, official_id, started_at, ended_at FROM counter_sessions WHERE id = $1")
            .bind(id).fetch_optional(p).await)?)
    }

    /// Loads service centres and counters; a centre is created when its unit has none of that
    /// name. Keyed by (centre, counter code); a bad row rolls back all.
    pub async fn import_counters(&self, rows: &[CounterImportRow]) -> Result<ImportSummary> {
        // Units, desks and counters are read once, not looked up row by row (as for officials).
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let now = now_ms();
            let units: FxHashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(UNIT_IDS_BY_CODE)
                .fetch_all(&mut *tx).await?.into_iter().collect();
            let mut centers: FxHashMap<(i64, String), i64> =
                sqlx::query_as::<_, (i64, String, i64)>("SELECT unit_id, name, id FROM service_centers")
                    .fetch_all(&mut *tx).await?.into_iter().map(|(u, n, id)| ((u, n), id)).collect();
            let mut counters: FxHashMap<(i64, String), i64> =
                sqlx::query_as::<_, (i64, String, i64)>("SELECT service_center_id, code, id FROM counters")
                    .fetch_all(&mut *tx).await?.into_iter().map(|(c, code, id)| ((c, code), id)).collect();
            let mut sum = ImportSummary::default();
            for r in rows {
                let unit_id = unit_id_for_line(&units, r.line, &r.unit_code)?;
                let center_id = match centers.get(&(unit_id, r.center_name.clone())) {
                    Some(&id) => id,
                    None => {
                        let id: i64 = sqlx::query_scalar("INSERT INTO service_centers (unit_id, name, address, created_at) VALUES ($1, $2, '', $3) RETURNING id")
                            .bind(unit_id).bind(&r.center_name).bind(now).fetch_one(&mut *tx).await?;
                        centers.insert((unit_id, r.center_name.clone()), id);
                        id
                    }
                };
                match counters.get(&(center_id, r.counter_code.clone())) {
                    Some(&id) => {
                        sqlx::query("UPDATE counters SET name = $2 WHERE id = $1").bind(id).bind(&r.counter_name).execute(&mut *tx).await?;
                        sum.updated += 1;
                    }
                    None => {
                        let id: i64 = sqlx::query_scalar("INSERT INTO counters (service_center_id, code, name, active, created_at) VALUES ($1, $2, $3, TRUE, $4) RETURNING id")
                            .bind(center_id).bind(&r.counter_code).bind(&r.counter_name).bind(now).fetch_one(&mut *tx).await?;
                        counters.insert((center_id, r.counter_code.clone()), id);
                        sum.created += 1;
                    }
                }
            }
            tx.commit().await?;
            Ok(sum)
        })
    }
}
