//! Ratings received (phiếu đánh giá đã nhận) in a subtree, newest first, 50 a page; a rating
//! can be flagged as misuse with a reason (it stays stored; reports exclude and count it).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::officials::opt_id;
use super::{Ctx, Page, html};
use crate::domain::Msg;
use crate::domain::msg::Lang;
use crate::domain::scale::Level;
use crate::domain::time::Millis;
use crate::store::ratings::RatingRow;
use crate::store::units::Unit;
use crate::web::AppState;
use crate::web::auth::Access;
use crate::web::error::WebError;

pub const PER_PAGE: i64 = 50;

struct RatingView {
    r: RatingRow,
    level: String,
    satisfied: bool,
    reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "ratings.html")]
struct RatingsPage {
    page: Page,
    unit: Unit,
    subunits: Vec<Unit>,
    ratings: Vec<RatingView>,
    page_no: i64,
    has_next: bool,
    can_write: bool,
    error: Option<String>,
}

impl RatingsPage {
    fn when(&self, ms: &Millis) -> String {
        self.page.fmt_time(ms)
    }
    fn channel(&self, c: &str) -> &'static str {
        match (c, self.page.lang) {
            ("kiosk", Lang::Vi) => "Màn hình tại quầy",
            ("kiosk", Lang::En) => "Counter kiosk",
            ("qr", Lang::Vi) => "Mã QR trên phiếu hẹn",
            ("qr", Lang::En) => "QR code on the receipt",
            (_, Lang::Vi) => "Nhập từ phiếu giấy",
            (_, Lang::En) => "Entered from paper",
        }
    }
}

/// Reason keys → labels, from the current version of every form (keys are kept across
/// versions).
async fn reason_labels(state: &AppState, lang: Lang) -> Result<HashMap<String, String>, WebError> {
    let mut out = HashMap::new();
    for f in state.store.forms().await? {
        let v = state.store.form_version(f.current_version_id).await?;
        for r in v.definition.reasons {
            out.entry(r.key.clone())
                .or_insert_with(|| r.label(lang).to_string());
        }
    }
    Ok(out)
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    unit_id: Option<i64>,
    page_no: i64,
    error: Option<String>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let unit = state.unit_for(u, unit_id, Access::Read).await?;
    let can_write = state.check_unit(u, unit.id, Access::Write).await.is_ok();
    let page_no = page_no.clamp(1, 100_000);
    let mut rows = state
        .store
        .ratings_recent(unit.id, PER_PAGE + 1, (page_no - 1) * PER_PAGE)
        .await?;
    let has_next = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let labels = reason_labels(state, ctx.lang).await?;
    let ratings = rows
        .into_iter()
        .map(|r| {
            let keys: Vec<String> = serde_json::from_str(&r.reasons).unwrap_or_default();
            let level = Level::new(r.level);
            RatingView {
                level: level
                    .map(|l| l.label(ctx.lang).to_string())
                    .unwrap_or_else(|| r.level.to_string()),
                satisfied: level.is_some_and(|l| l.is_satisfied()),
                reasons: keys
                    .into_iter()
                    .map(|k| labels.get(&k).cloned().unwrap_or(k))
                    .collect(),
                r,
            }
        })
        .collect();
    let subunits = state.store.unit_children(Some(unit.id)).await?;
    let mut page = ctx.page("Phiếu đánh giá đã nhận", "Ratings received", "ratings");
    page.path = format!("/ratings?unit={}&page={page_no}", unit.id);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        html(&RatingsPage {
            page,
            unit,
            subunits,
            ratings,
            page_no,
            has_next,
            can_write,
            error,
        }),
    )
        .into_response())
}

#[derive(Deserialize)]
struct ListQuery {
    unit: Option<i64>,
    page: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    render(&state, &ctx, q.unit, q.page.unwrap_or(1), None).await
}

#[derive(Deserialize)]
struct FlagForm {
    /// "flag" (with a reason) or "clear".
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    /// The list the form was sent from, to go back to it.
    #[serde(default)]
    unit: String,
    #[serde(default)]
    page: String,
}

async fn flag(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<FlagForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let unit = state.store.rating_unit(id).await?;
    state.check_unit(u, unit, Access::Write).await?;
    let back_unit = opt_id(&f.unit);
    let back_page = opt_id(&f.page).unwrap_or(1);
    let reason = match f.action.as_str() {
        "clear" => None,
        _ if f.reason.trim().is_empty() => {
            let msg = Msg::new(
                "Hãy ghi lý do đánh dấu phiếu là lạm dụng",
                "Give the reason for flagging the rating as misuse",
            )
            .get(ctx.lang)
            .to_string();
            return render(&state, &ctx, back_unit, back_page, Some(msg)).await;
        }
        _ => Some(f.reason.trim()),
    };
    state.store.rating_flag(id, reason, Some(u.user.id)).await?;
    let to = match back_unit {
        Some(unit) => format!("/ratings?unit={unit}&page={back_page}"),
        None => format!("/ratings?page={back_page}"),
    };
    Ok(Redirect::to(&to).into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ratings", get(list))
        .route("/ratings/{id}/flag", post(flag))
}
