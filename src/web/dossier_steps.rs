//! The API of inter-agency steps (liên thông): the desk plans the steps, each step's unit
//! finishes its part and hands the dossier over to the next (Mẫu 06).

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;

use super::AppState;
use super::api::ApiJson;
use super::auth::{Access, CurrentUser};
use super::dossiers::check_desk;
use super::error::WebError;
use crate::domain::time::now_ms;
use crate::store::dossier_steps::{DossierStep, StepAct, StepInput};
use crate::store::dossiers::Dossier;

/// Who may read a dossier's steps: whoever may read the dossier at its desk, and the desks of
/// the units its steps pass through.
pub async fn check_steps_read(
    state: &AppState,
    u: &CurrentUser,
    d: &Dossier,
    steps: &[DossierStep],
) -> Result<(), WebError> {
    if check_desk(state, u, d.unit_id, Access::Read).await.is_ok() {
        return Ok(());
    }
    for s in steps {
        if check_desk(state, u, s.unit_id, Access::Read).await.is_ok() {
            return Ok(());
        }
    }
    Err(WebError::Forbidden)
}

/// The unit that hands the dossier over to step `seq`: the previous step's unit, or the
/// receiving desk's for the first step.
pub fn sender_unit(d: &Dossier, steps: &[DossierStep], seq: i32) -> Result<i64, WebError> {
    steps
        .iter()
        .find(|s| s.seq == seq)
        .map(|s| s.from_unit_id)
        .or((steps.is_empty() && seq == 1).then_some(d.unit_id))
        .ok_or_else(|| {
            WebError::not_found(
                format!("Hồ sơ không có bước liên thông số {seq}"),
                format!("The dossier has no inter-agency step {seq}"),
            )
        })
}

/// The steps of a dossier with their due times and timeliness.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/steps", tag = "dossiers", security(("session_token" = [])),
    responses((status = 200, body = Vec<DossierStep>), (status = 403), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<DossierStep>>, WebError> {
    let d = state.store.dossier(id).await?;
    let steps = state.store.dossier_steps(id, now_ms()).await?;
    check_steps_read(&state, &u, &d, &steps).await?;
    Ok(Json(steps))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StepsBody {
    /// The steps in order; an empty list removes the plan.
    pub steps: Vec<StepInput>,
}

/// Plans the dossier's inter-agency steps (replacing any plan), before the first hand-over.
/// The budgets together may not exceed the dossier's time limit.
#[utoipa::path(put, path = "/api/v1/dossiers/{id}/steps", tag = "dossiers", request_body = StepsBody,
    security(("session_token" = [])),
    responses((status = 200, body = Vec<DossierStep>), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn set(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<StepsBody>,
) -> Result<Json<Vec<DossierStep>>, WebError> {
    let d = state.store.dossier(id).await?;
    check_desk(&state, &u, d.unit_id, Access::Write).await?;
    state
        .store
        .dossier_steps_set(id, &b.steps, Some(u.user.id))
        .await?;
    Ok(Json(state.store.dossier_steps(id, now_ms()).await?))
}

#[derive(Deserialize, utoipa::ToSchema, Default)]
pub struct StepActBody {
    /// What was handed over or done (papers, remarks).
    #[serde(default)]
    pub note: String,
}

/// Hands the dossier over to step `seq`'s unit (Mẫu 06), finishing the previous step. Done by
/// the sending unit: the previous step's unit, or the receiving desk for step 1.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/steps/{seq}/hand-over", tag = "dossiers",
    request_body = StepActBody, security(("session_token" = [])),
    responses((status = 200, body = DossierStep), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn hand_over(
    State(state): State<AppState>,
    u: CurrentUser,
    Path((id, seq)): Path<(i64, i32)>,
    ApiJson(b): ApiJson<StepActBody>,
) -> Result<Json<DossierStep>, WebError> {
    let d = state.store.dossier(id).await?;
    let steps = state.store.dossier_steps(id, now_ms()).await?;
    let from = sender_unit(&d, &steps, seq)?;
    check_desk(&state, &u, from, Access::Write).await?;
    let step = state
        .store
        .dossier_step_hand_over(id, seq, &act(&u, b.note))
        .await?;
    Ok(Json(step))
}

/// Records that step `seq`'s unit finished its part. Done by that unit.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/steps/{seq}/finish", tag = "dossiers",
    request_body = StepActBody, security(("session_token" = [])),
    responses((status = 200, body = DossierStep), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn finish(
    State(state): State<AppState>,
    u: CurrentUser,
    Path((id, seq)): Path<(i64, i32)>,
    ApiJson(b): ApiJson<StepActBody>,
) -> Result<Json<DossierStep>, WebError> {
    let step = state.store.dossier_step(id, seq, now_ms()).await?;
    check_desk(&state, &u, step.unit_id, Access::Write).await?;
    let step = state
        .store
        .dossier_step_finish(id, seq, &act(&u, b.note))
        .await?;
    Ok(Json(step))
}

fn act(u: &CurrentUser, note: String) -> StepAct {
    StepAct {
        official_id: u.user.official_id,
        user_id: Some(u.user.id),
        note,
        at: now_ms(),
    }
}
