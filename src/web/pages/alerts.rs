//! The alert inbox (/alerts): the alerts sent to the signed-in leader, newest first, unread ones
//! marked, each markable as read; the top bar shows how many are unread.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Ctx, Page, html};
use crate::store::alerts::AlertRow;
use crate::web::AppState;
use crate::web::error::WebError;

const PAGE_SIZE: i64 = 50;

/// An alert as the inbox shows it, in the reader's language.
struct AlertView {
    a: AlertRow,
    subject: String,
    /// The body's lines (the page has no inline styles to keep line breaks with).
    lines: Vec<String>,
    link: String,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    page: Page,
    alerts: Vec<AlertView>,
    unread: i64,
    offset: i64,
    more: bool,
}

#[derive(Deserialize)]
struct InboxQuery {
    #[serde(default)]
    offset: i64,
}

async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<InboxQuery>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let offset = q.offset.max(0);
    let rows = state
        .store
        .alerts_inbox(u.user.id, PAGE_SIZE + 1, offset)
        .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let vi = ctx.lang == crate::domain::msg::Lang::Vi;
    let alerts = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|a| {
            let (subject, body) = if vi {
                (a.subject_vi.clone(), a.body_vi.clone())
            } else {
                (a.subject_en.clone(), a.body_en.clone())
            };
            let link = match (a.kind.as_str(), a.month) {
                ("target_missed", Some(m)) => format!(
                    "/dashboard?unit={}&period={}-{:02}",
                    a.unit_id,
                    m / 100,
                    m % 100
                ),
                _ => format!("/ratings?unit={}", a.unit_id),
            };
            let mut lines: Vec<String> = body.lines().map(str::to_string).collect();
            // The body ends with a link to the public address; the page links locally instead.
            if lines.last().is_some_and(|l| l.contains("://")) {
                lines.pop();
            }
            AlertView {
                lines,
                subject,
                link,
                a,
            }
        })
        .collect();
    let unread = state.store.alerts_unread(u.user.id).await?;
    Ok(html(&AlertsPage {
        page: ctx.page("Cảnh báo", "Alerts", "alerts"),
        alerts,
        unread,
        offset,
        more,
    }))
}

async fn mark_read(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    state.store.alert_mark_read(u.user.id, id).await?;
    Ok(Redirect::to("/alerts").into_response())
}

async fn mark_all_read(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let u = ctx.user()?;
    state.store.alerts_mark_all_read(u.user.id).await?;
    Ok(Redirect::to("/alerts").into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(inbox))
        .route("/alerts/read-all", post(mark_all_read))
        .route("/alerts/{id}/read", post(mark_read))
}
