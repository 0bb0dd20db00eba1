//! Inter-agency steps on pages: the rows shown on a dossier's detail page and the printable
//! hand-over slip (Mẫu 06, "Phiếu kiểm soát quá trình giải quyết hồ sơ").

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;

use super::{Ctx, html};
use crate::domain::msg::Lang;
use crate::domain::time::{format_local, now_ms};
use crate::store::dossier_steps::DossierStep;
use crate::store::dossiers::Dossier;
use crate::web::AppState;
use crate::web::dossier_steps::check_steps_read;
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
}

fn opt_time(t: Option<i64>) -> String {
    t.map(format_local).unwrap_or_else(|| "–".into())
}

pub fn step_rows(steps: &[DossierStep], lang: Lang) -> Vec<StepRow> {
    steps
        .iter()
        .map(|s| StepRow {
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

pub fn router() -> Router<AppState> {
    Router::new().route("/dossiers/{id}/steps/{seq}/handover", get(slip))
}
