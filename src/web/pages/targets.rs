//! Targets page (/targets?unit=): a unit's targets in force with where each comes from, where the
//! unit stands this month, its own targets by month, and a form to set one (administrators, and
//! leaders within their subtree; inspectors read).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::officials::fixable;
use super::{Ctx, Page, html, url_encode};
use crate::domain::target::{Indicator, parse_percent, pct_text};
use crate::domain::time::Month;
use crate::store::targets::TargetRecord;
use crate::store::units::Unit;
use crate::web::AppState;
use crate::web::api::targets::{TargetInput, TargetsView, remove_target, set_target, targets_view};
use crate::web::error::WebError;

struct IndicatorOption {
    value: &'static str,
    label_vi: &'static str,
    label_en: &'static str,
}

/// What the form shows: the defaults, or what was sent with the error it met.
struct Editor {
    indicator: String,
    threshold: String,
    valid_from: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "targets.html")]
struct TargetsPage {
    page: Page,
    v: TargetsView,
    /// Root first, for the breadcrumbs.
    ancestry: Vec<Unit>,
    children: Vec<Unit>,
    indicators: Vec<IndicatorOption>,
    editor: Editor,
    notice: Option<String>,
    min_n: u64,
}

impl TargetsPage {
    fn pct(&self, v: &Option<f64>) -> String {
        self.page.pct(v)
    }
    fn threshold(&self, t: &TargetRecord) -> String {
        format!(
            "{} {}",
            t.comparison.symbol(),
            pct_text(t.threshold, self.page.is_vi())
        )
    }
    fn indicator_label(&self, i: &Indicator) -> &'static str {
        if self.page.is_vi() {
            i.label_vi()
        } else {
            i.label_en()
        }
    }
}

#[derive(Deserialize)]
struct TargetsQuery {
    unit: Option<i64>,
    period: Option<String>,
    saved: Option<String>,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    unit: Option<i64>,
    period: Option<&str>,
    editor: Option<Editor>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let v = targets_view(state, u, unit, period).await?;
    let mut ancestry = state.store.unit_ancestry(v.unit.id).await?;
    ancestry.reverse();
    let children = state.store.unit_children(Some(v.unit.id)).await?;
    let status = if editor.as_ref().is_some_and(|e| e.error.is_some()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let editor = editor.unwrap_or_else(|| Editor {
        indicator: Indicator::SatisfactionRate.as_str().into(),
        threshold: String::new(),
        valid_from: format!("{}-01", Month::current().year),
        error: None,
    });
    let mut page = ctx.page("Chỉ tiêu", "Targets", "targets");
    page.path = format!("/targets?unit={}", v.unit.id);
    Ok((
        status,
        html(&TargetsPage {
            page,
            ancestry,
            children,
            indicators: Indicator::ALL
                .iter()
                .map(|i| IndicatorOption {
                    value: i.as_str(),
                    label_vi: i.label_vi(),
                    label_en: i.label_en(),
                })
                .collect(),
            editor,
            notice,
            min_n: state.settings.min_n,
            v,
        }),
    )
        .into_response())
}

async fn targets_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TargetsQuery>,
) -> Result<Response, WebError> {
    let notice = q.saved.as_deref().map(|s| {
        let (vi, en) = if s == "deleted" {
            ("Đã xóa chỉ tiêu.", "Target removed.")
        } else {
            ("Đã lưu chỉ tiêu.", "Target saved.")
        };
        if ctx.lang == crate::domain::msg::Lang::Vi {
            vi
        } else {
            en
        }
        .to_string()
    });
    render(&state, &ctx, q.unit, q.period.as_deref(), None, notice).await
}

#[derive(Deserialize)]
struct TargetForm {
    unit_id: i64,
    #[serde(default)]
    indicator: String,
    /// A percentage: "80", "80,5".
    #[serde(default)]
    threshold: String,
    #[serde(default)]
    valid_from: String,
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<TargetForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let result = match parse_percent(&f.threshold) {
        Ok(threshold) => {
            let input = TargetInput {
                unit_id: f.unit_id,
                indicator: f.indicator.clone(),
                threshold,
                valid_from: f.valid_from.clone(),
            };
            set_target(&state, u, &input).await.map(|_| ())
        }
        Err(m) => Err(WebError::Unprocessable(m)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/targets?unit={}&saved=1", f.unit_id)).into_response()),
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            let editor = Editor {
                indicator: f.indicator,
                threshold: f.threshold,
                valid_from: f.valid_from,
                error: Some(msg),
            };
            render(&state, &ctx, Some(f.unit_id), None, Some(editor), None).await
        }
    }
}

#[derive(Deserialize)]
struct DeleteForm {
    unit_id: i64,
    indicator: String,
    valid_from: String,
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<DeleteForm>,
) -> Result<Response, WebError> {
    remove_target(&state, ctx.user()?, f.unit_id, &f.indicator, &f.valid_from).await?;
    Ok(Redirect::to(&format!(
        "/targets?unit={}&saved={}",
        f.unit_id,
        url_encode("deleted")
    ))
    .into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/targets", get(targets_page).post(save))
        .route("/targets/delete", post(delete))
}
