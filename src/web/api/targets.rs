//! Targets in the JSON API. Administrators and leaders set them within their subtree; inspectors
//! and leaders read them. The builders here also serve the /targets page, so the page and the
//! API apply the same rules and messages.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use super::dashboards::parse_period;
use crate::domain::target::{Indicator, check_threshold};
use crate::domain::time::Month;
use crate::report::targets::TargetStatus;
use crate::store::targets::TargetRecord;
use crate::store::units::Unit;
use crate::web::AppState;
use crate::web::auth::{Access, CurrentUser};
use crate::web::error::WebError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_targets, put_target, delete_target))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct TargetsQuery {
    /// The unit (default: the caller's unit).
    pub unit: Option<i64>,
    /// The period judged: "2026-11", "2026-Q4", "2026"… (default: this month). Its last month's
    /// targets apply.
    pub period: Option<String>,
}

/// A unit's targets: those it set itself (every month they changed), and where it stands
/// against the targets in force, its own or inherited.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetsView {
    pub unit: Unit,
    /// The unit's own targets, by indicator and month.
    pub own: Vec<TargetRecord>,
    /// Per indicator: the target in force and its source, the actual with its n, the verdict.
    pub status: TargetStatus,
    /// Whether the caller may change this unit's targets.
    pub can_write: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TargetInput {
    pub unit_id: i64,
    /// satisfaction_rate, very_satisfied_share, on_time_rate or online_share.
    pub indicator: String,
    /// A share from 0 to 1 (0.8 for 80%); the actual must be at least this.
    pub threshold: f64,
    /// The first month the target holds, "2026-01"; it holds until the unit's next target.
    pub valid_from: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct TargetKey {
    pub unit: i64,
    pub indicator: String,
    /// "2026-01"
    pub valid_from: String,
}

fn unprocessable(m: crate::domain::Msg) -> WebError {
    WebError::Unprocessable(m)
}

pub fn parse_month(s: &str) -> Result<Month, WebError> {
    s.trim().parse().map_err(|_| {
        WebError::Unprocessable(crate::domain::Msg::new(
            format!(
                "Tháng áp dụng '{}' không hợp lệ (YYYY-MM, ví dụ 2026-01)",
                s.trim()
            ),
            format!("Invalid first month '{}' (YYYY-MM, e.g. 2026-01)", s.trim()),
        ))
    })
}

/// Reads a unit's targets for whoever may read its reports.
pub async fn targets_view(
    state: &AppState,
    u: &CurrentUser,
    unit: Option<i64>,
    period: Option<&str>,
) -> Result<TargetsView, WebError> {
    let period = parse_period(period)?;
    if !u.role().can_read_unit_reports() {
        return Err(WebError::Forbidden);
    }
    let unit = state.unit_for(u, unit, Access::Read).await?;
    let can_write = state.check_unit(u, unit.id, Access::Write).await.is_ok();
    let own = state.store.targets_of_units(&[unit.id]).await?;
    let status = TargetStatus::for_unit(&state.store, unit.id, period).await?;
    Ok(TargetsView {
        unit,
        own,
        status,
        can_write,
    })
}

/// Checks and stores a target; nothing is stored unless every part is valid and the caller
/// manages the unit.
pub async fn set_target(
    state: &AppState,
    u: &CurrentUser,
    input: &TargetInput,
) -> Result<TargetRecord, WebError> {
    let indicator = Indicator::parse(&input.indicator).map_err(unprocessable)?;
    let threshold = check_threshold(input.threshold).map_err(unprocessable)?;
    let valid_from = parse_month(&input.valid_from)?;
    state.store.unit(input.unit_id).await?;
    state.check_unit(u, input.unit_id, Access::Write).await?;
    Ok(state
        .store
        .target_set(
            input.unit_id,
            indicator,
            threshold,
            valid_from,
            Some(u.user.id),
        )
        .await?)
}

pub async fn remove_target(
    state: &AppState,
    u: &CurrentUser,
    unit: i64,
    indicator: &str,
    valid_from: &str,
) -> Result<(), WebError> {
    let indicator = Indicator::parse(indicator).map_err(unprocessable)?;
    let valid_from = parse_month(valid_from)?;
    state.check_unit(u, unit, Access::Write).await?;
    Ok(state
        .store
        .target_delete(unit, indicator, valid_from, Some(u.user.id))
        .await?)
}

/// A unit's own targets and where it stands against those in force (its own, or inherited from
/// the nearest unit above with one).
#[utoipa::path(get, path = "/api/v1/targets", tag = "reports", params(TargetsQuery), security(("session_token" = [])),
    responses((status = 200, body = TargetsView), (status = 400), (status = 403), (status = 404)))]
async fn get_targets(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<TargetsQuery>,
) -> Result<Json<TargetsView>, WebError> {
    Ok(Json(
        targets_view(&state, &u, q.unit, q.period.as_deref()).await?,
    ))
}

/// Sets a unit's target for an indicator from a month on (the same month again replaces it).
/// 422 with a Vietnamese and an English message for a threshold outside 0–1, an unknown
/// indicator or a bad month; nothing is stored then.
#[utoipa::path(put, path = "/api/v1/targets", tag = "reports", request_body = TargetInput, security(("session_token" = [])),
    responses((status = 200, body = TargetRecord), (status = 403), (status = 404), (status = 422)))]
async fn put_target(
    State(state): State<AppState>,
    u: CurrentUser,
    ApiJson(input): ApiJson<TargetInput>,
) -> Result<Json<TargetRecord>, WebError> {
    Ok(Json(set_target(&state, &u, &input).await?))
}

/// Removes a unit's target of one month; the unit then follows its earlier target or its
/// ancestors'.
#[utoipa::path(delete, path = "/api/v1/targets", tag = "reports", params(TargetKey), security(("session_token" = [])),
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
async fn delete_target(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(k): Query<TargetKey>,
) -> Result<StatusCode, WebError> {
    remove_target(&state, &u, k.unit, &k.indicator, &k.valid_from).await?;
    Ok(StatusCode::NO_CONTENT)
}
