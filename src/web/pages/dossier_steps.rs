//! Inter-agency steps on pages: the rows shown on a dossier's detail page, the forms that plan
//! the steps, hand the dossier over and finish a step, and the printable hand-over slip (Mẫu 06, "Phiếu kiểm soát quá trình giải quyết hồ sơ").

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::officials::fixable;
use super::{Ctx, html, opt_time};
use crate::domain::Msg;
use crate::domain::limit::TimeLimit;
use crate::domain::msg::Lang;
use crate::domain::time::{format_local, now_ms};
use crate::store::dossier_steps::{DossierStep, StepAct, StepInput};
use crate::store::dossiers::Dossier;
use crate::web::AppState;
use crate::web::auth::Access;
use crate::web::dossier_steps::{check_steps_read, sender_unit};
use crate::web::dossiers::check_desk;
use crate::web::error::WebError;

/// A step as the detail page lists it.
pub struct StepRow {
    pub seq: i32,
    pub unit: String,
    pub task: String,
    pub budget: String,
    pub started: String,
    pub due: String,
    pub finished: String,
    pub timeliness: &'static str,
    /// The slip exists once the step was handed over.
    pub handed_over: bool,
    /// Next in line: the previous step (if any) has been handed over and this one not yet.
    pub can_hand_over: bool,
    /// Handed over and not finished.
    pub can_finish: bool,
}

pub fn step_rows(steps: &[DossierStep], lang: Lang) -> Vec<StepRow> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepRow {
            can_hand_over: s.started_at.is_none() && (i == 0 || steps[i - 1].started_at.is_some()),
            can_finish: s.started_at.is_some() && s.finished_at.is_none(),
            seq: s.seq,
            unit: s.unit_name.clone(),
            task: s.task.clone(),
            budget: if lang == Lang::Vi {
                s.budget.label_vi()
            } else {
                s.budget.label_en()
            },
            started: opt_time(s.started_at),
            due: opt_time(s.due_at),
            finished: opt_time(s.finished_at),
            timeliness: s.timeliness.label(lang),
            handed_over: s.started_at.is_some(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "dossier_handover.html")]
struct SlipPage {
    d: Dossier,
    s: DossierStep,
    handed_at: String,
    dossier_due: String,
    due: String,
    budget: String,
    handed_by: String,
}

/// The printable hand-over slip of step `seq`, once it was handed over.
async fn slip(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, seq)): Path<(i64, i32)>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let d = state.store.dossier(id).await?;
    let steps = state.store.dossier_steps(id, now_ms()).await?;
    check_steps_read(&state, u, &d, &steps).await?;
    let Some(s) = steps.into_iter().find(|s| s.seq == seq) else {
        return Err(WebError::not_found(
            format!("Hồ sơ không có bước liên thông số {seq}"),
            format!("The dossier has no inter-agency step {seq}"),
        ));
    };
    let Some(at) = s.started_at else {
        return Err(WebError::not_found(
            format!("Bước {seq} chưa được chuyển, chưa có phiếu giao nhận"),
            format!("Step {seq} has not been handed over; there is no slip yet"),
        ));
    };
    Ok(html(&SlipPage {
        handed_at: format_local(at),
        dossier_due: opt_time(d.due_at),
        due: opt_time(s.due_at),
        budget: s.budget.label_vi(),
        handed_by: s
            .handed_by_name
            .clone()
            .or_else(|| s.handed_by_user_name.clone())
            .unwrap_or_default(),
        d,
        s,
    }))
}

#[derive(Deserialize)]
struct PlanForm {
    #[serde(default)]
    plan: String,
}

/// Reads a plan typed on the page, one step a line: `unit code | task | working days`.
async fn parse_plan(state: &AppState, text: &str) -> Result<Vec<StepInput>, WebError> {
    let mut steps = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let n = i + 1;
        let bad = || {
            WebError::Unprocessable(Msg::new(
                format!("Dòng {n}: cần dạng “mã đơn vị | công việc | số ngày làm việc”"),
                format!("Line {n}: expected “unit code | task | working days”"),
            ))
        };
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let [code, task, days] = parts.as_slice() else {
            return Err(bad());
        };
        let days: u32 = days.parse().map_err(|_| bad())?;
        let unit = state.store.unit_by_code(code).await?.ok_or_else(|| {
            WebError::Unprocessable(Msg::new(
                format!("Dòng {n}: không có đơn vị mã “{code}”"),
                format!("Line {n}: no unit with code “{code}”"),
            ))
        })?;
        steps.push(StepInput {
            unit_id: unit.id,
            task: task.to_string(),
            budget: TimeLimit::WorkingDays(days),
        });
    }
    Ok(steps)
}

/// Plans the steps from the dossier page (the desk of the dossier).
async fn plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<PlanForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let d = state.store.dossier(id).await?;
    check_desk(&state, u, d.unit_id, Access::Write).await?;
    let result = match parse_plan(&state, &f.plan).await {
        Ok(steps) => state
            .store
            .dossier_steps_set(id, &steps, Some(u.user.id))
            .await
            .map_err(WebError::from),
        Err(e) => Err(e),
    };
    done(&state, &ctx, id, result.map(|_| ())).await
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    note: String,
}

fn step_act(ctx: &Ctx, note: String) -> Result<StepAct, WebError> {
    let u = ctx.user()?;
    Ok(StepAct {
        official_id: u.user.official_id,
        user_id: Some(u.user.id),
        note,
        at: now_ms(),
    })
}

/// Hands the dossier over to step `seq` from the page (the sending unit).
async fn hand_over(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, seq)): Path<(i64, i32)>,
    Form(f): Form<NoteForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let d = state.store.dossier(id).await?;
    let steps = state.store.dossier_steps(id, now_ms()).await?;
    let from = sender_unit(&d, &steps, seq)?;
    check_desk(&state, u, from, Access::Write).await?;
    let result = state
        .store
        .dossier_step_hand_over(id, seq, &step_act(&ctx, f.note)?)
        .await
        .map(|_| ())
        .map_err(WebError::from);
    done(&state, &ctx, id, result).await
}

/// Records from the page that step `seq`'s unit finished its part.
async fn finish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, seq)): Path<(i64, i32)>,
    Form(f): Form<NoteForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let step = state.store.dossier_step(id, seq, now_ms()).await?;
    check_desk(&state, u, step.unit_id, Access::Write).await?;
    let result = state
        .store
        .dossier_step_finish(id, seq, &step_act(&ctx, f.note)?)
        .await
        .map(|_| ())
        .map_err(WebError::from);
    done(&state, &ctx, id, result).await
}

/// Back to the dossier page, or the page again with what went wrong.
async fn done(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    result: Result<(), WebError>,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/dossiers/{id}")).into_response()),
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            let page = super::dossiers::detail_page(state, ctx, id, Some(msg)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dossiers/{id}/steps/{seq}/handover", get(slip))
        .route("/dossiers/{id}/steps", post(plan))
        .route("/dossiers/{id}/steps/{seq}/hand-over", post(hand_over))
        .route("/dossiers/{id}/steps/{seq}/finish", post(finish))
}
