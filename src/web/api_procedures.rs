//! The procedure catalogue in the JSON API: public reads, administrators' writes, and units'
//! committed limits (administrators; leaders for their subtree; inspectors read).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::api::{ApiJson, Created};
use super::auth::{self, Access, CurrentUser, MaybeUser};
use super::error::WebError;
use super::pages::procedures::CatalogueQuery;
use crate::domain::limit::TimeLimit;
use crate::domain::procedure::{OnlineLevel, ProcedureLevel};
use crate::store::procedures::{
    CommittedLimit, LimitSource, Procedure, ProcedureInput, ProcedurePage,
};

/// Lists the catalogue (public). Every word of `q` must occur in the code, name, field or agency,
/// ignoring case and diacritics ("dang ky khai sinh" finds "Đăng ký khai sinh").
#[utoipa::path(get, path = "/api/v1/procedures", tag = "procedures", params(CatalogueQuery),
    responses((status = 200, body = ProcedurePage), (status = 400, description = "Bad filter")))]
pub async fn list_procedures(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<CatalogueQuery>,
) -> Result<Json<ProcedurePage>, WebError> {
    let admin = u.as_ref().is_some_and(|u| auth::require_admin(u).is_ok());
    Ok(Json(state.store.procedures_list(&q.filter(admin)?).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DetailQuery {
    /// Also give the limit that applies at this unit (its own or an ancestor's committed
    /// limit, else the legal one).
    pub unit: Option<i64>,
    /// The day for `unit` (YYYY-MM-DD; default today).
    pub on: Option<NaiveDate>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EffectiveLimit {
    pub unit_id: i64,
    pub on: NaiveDate,
    pub limit: TimeLimit,
    pub source: LimitSource,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProcedureDetail {
    #[serde(flatten)]
    pub procedure: Procedure,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_limit: Option<EffectiveLimit>,
}

/// One procedure (public), with the limit at a unit when `unit` is given.
#[utoipa::path(get, path = "/api/v1/procedures/{id}", tag = "procedures", params(DetailQuery),
    responses((status = 200, body = ProcedureDetail), (status = 404)))]
pub async fn get_procedure(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Result<Json<ProcedureDetail>, WebError> {
    let procedure = state.store.procedure(id).await?;
    let effective_limit = match q.unit {
        Some(unit_id) => {
            let on = q.on.unwrap_or_else(|| {
                crate::domain::time::to_local(crate::domain::time::now_ms())
                    .map(|t| t.date_naive())
                    .unwrap_or_else(|| chrono::Utc::now().date_naive())
            });
            let (limit, source) = state.store.effective_limit(id, unit_id, on).await?;
            Some(EffectiveLimit {
                unit_id,
                on,
                limit,
                source,
            })
        }
        None => None,
    };
    Ok(Json(ProcedureDetail {
        procedure,
        effective_limit,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ProcedureBody {
    pub code: String,
    pub name: String,
    pub field: String,
    pub level: ProcedureLevel,
    #[serde(default)]
    pub agency: String,
    /// E.g. {"kind": "working_days", "value": 3}.
    pub legal_limit: TimeLimit,
    #[serde(default)]
    pub limit_note: String,
    #[serde(default)]
    pub fees: String,
    #[serde(default)]
    pub documents: Vec<String>,
    #[serde(default)]
    pub legal_basis: String,
    pub online_level: OnlineLevel,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl From<ProcedureBody> for ProcedureInput {
    fn from(b: ProcedureBody) -> Self {
        ProcedureInput {
            code: b.code,
            name: b.name,
            field: b.field,
            level: b.level,
            agency: b.agency,
            legal_limit: b.legal_limit,
            limit_note: b.limit_note,
            fees: b.fees,
            documents: b.documents,
            legal_basis: b.legal_basis,
            online_level: b.online_level,
            active: b.active,
        }
    }
}

/// Adds a procedure to the catalogue (administrators).
#[utoipa::path(post, path = "/api/v1/procedures", tag = "procedures", request_body = ProcedureBody, security(("session_token" = [])),
    responses((status = 201, body = Created), (status = 403), (status = 409, description = "Code already used"), (status = 422)))]
pub async fn create_procedure(
    State(state): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<ProcedureBody>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    auth::require_admin(&u)?;
    let id = state
        .store
        .procedure_create(&b.into(), Some(u.user.id))
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Changes a procedure (administrators).
#[utoipa::path(put, path = "/api/v1/procedures/{id}", tag = "procedures", request_body = ProcedureBody, security(("session_token" = [])),
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update_procedure(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ProcedureBody>,
) -> Result<StatusCode, WebError> {
    auth::require_admin(&u)?;
    state
        .store
        .procedure_update(id, &b.into(), Some(u.user.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct LimitsQuery {
    /// The unit (default: the caller's unit).
    pub unit: Option<i64>,
}

/// A unit's committed limits for a procedure, newest first.
#[utoipa::path(get, path = "/api/v1/procedures/{id}/limits", tag = "procedures", params(LimitsQuery), security(("session_token" = [])),
    responses((status = 200, body = Vec<CommittedLimit>), (status = 403), (status = 404)))]
pub async fn list_limits(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<LimitsQuery>,
) -> Result<Json<Vec<CommittedLimit>>, WebError> {
    if !u.role().can_read_unit_reports() {
        return Err(WebError::Forbidden);
    }
    let unit = state.unit_for(&u, q.unit, Access::Read).await?;
    state.store.procedure(id).await?;
    Ok(Json(
        state.store.procedure_limit_history(id, unit.id).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LimitBody {
    pub unit_id: i64,
    /// At most the legal limit, in a comparable kind.
    pub limit: TimeLimit,
    pub valid_from: NaiveDate,
    /// The decision behind it ("Quyết định số …").
    #[serde(default)]
    pub note: String,
}

/// Records a unit's committed (shorter) limit from a date on; earlier ones stay as history.
#[utoipa::path(post, path = "/api/v1/procedures/{id}/limits", tag = "procedures", request_body = LimitBody, security(("session_token" = [])),
    responses((status = 201, body = Created), (status = 403), (status = 404), (status = 422, description = "Longer than the legal limit, or not comparable")))]
pub async fn set_limit(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<LimitBody>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    state.check_unit(&u, b.unit_id, Access::Write).await?;
    let id = state
        .store
        .procedure_limit_set(
            id,
            b.unit_id,
            b.limit,
            b.valid_from,
            &b.note,
            Some(u.user.id),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
