//! Kiosk devices (the touch screens at the counters): list them, register one (its token is
//! shown once), revoke one.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::officials::{fixable, opt_id, req_id};
use super::{Ctx, Page, html};
use crate::domain::time::Millis;
use crate::store::counters::Counter;
use crate::store::kiosks::KioskDevice;
use crate::store::units::Unit;
use crate::web::AppState;
use crate::web::auth::{Access, CurrentUser};
use crate::web::error::WebError;

#[derive(Template)]
#[template(path = "kiosks.html")]
struct KiosksPage {
    page: Page,
    unit: Unit,
    devices: Vec<KioskDevice>,
    counters: Vec<Counter>,
    can_write: bool,
    error: Option<String>,
}

impl KiosksPage {
    fn when(&self, ms: &Millis) -> String {
        self.page.fmt_time(ms)
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    unit_id: Option<i64>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let unit = state.unit_for(u, unit_id, Access::Read).await?;
    let can_write = state.check_unit(u, unit.id, Access::Write).await.is_ok();
    let devices = state.store.kiosks_in_subtree(unit.id).await?;
    let counters = if can_write {
        state
            .store
            .counters_in_subtree(unit.id)
            .await?
            .into_iter()
            .filter(|k| k.active)
            .collect()
    } else {
        Vec::new()
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut page = ctx.page("Màn hình đánh giá tại quầy", "Rating kiosks", "counters");
    page.path = format!("/kiosks?unit={}", unit.id);
    Ok((
        status,
        html(&KiosksPage {
            page,
            unit,
            devices,
            counters,
            can_write,
            error,
        }),
    )
        .into_response())
}

#[derive(Deserialize)]
struct UnitQuery {
    unit: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<UnitQuery>,
) -> Result<Response, WebError> {
    render(&state, &ctx, q.unit, None).await
}

#[derive(Template)]
#[template(path = "kiosk_token.html")]
struct TokenPage {
    page: Page,
    device: KioskDevice,
    token: String,
    link: String,
}

#[derive(Deserialize)]
struct RegisterForm {
    #[serde(default)]
    counter_id: String,
    #[serde(default)]
    name: String,
}

async fn do_register(
    state: &AppState,
    u: &CurrentUser,
    f: &RegisterForm,
) -> Result<(KioskDevice, String), WebError> {
    if !u.role().can_manage() {
        return Err(WebError::Forbidden);
    }
    let counter = req_id(&f.counter_id, "Hãy chọn quầy", "Choose a counter")?;
    let c = state.store.counter(counter).await?;
    state.check_unit(u, c.unit_id, Access::Write).await?;
    let (id, token) = state.store.kiosk_register(counter, &f.name).await?;
    state
        .store
        .audit(Some(u.user.id), "kiosk.register", &id.to_string())
        .await?;
    Ok((state.store.kiosk(id).await?, token))
}

/// The address to open on the device, absolute when the request says where it came from.
fn kiosk_link(headers: &HeaderMap, token: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        });
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https");
    match host {
        Some(h) => format!(
            "{}://{h}/kiosk#token={token}",
            if https { "https" } else { "http" }
        ),
        None => format!("/kiosk#token={token}"),
    }
}

async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<RegisterForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    match do_register(&state, u, &f).await {
        Ok((device, token)) => {
            let link = kiosk_link(&headers, &token);
            let mut page = ctx.page(
                "Đã đăng ký màn hình đánh giá",
                "Kiosk registered",
                "counters",
            );
            page.path = format!("/kiosks?unit={}", device.unit_id);
            let body = html(&TokenPage {
                page,
                device,
                token,
                link,
            });
            // The token is shown once: never keep this page in a cache.
            Ok((
                [
                    (header::CACHE_CONTROL, "no-store"),
                    (header::REFERRER_POLICY, "no-referrer"),
                ],
                body,
            )
                .into_response())
        }
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            let back = match opt_id(&f.counter_id) {
                Some(c) => state.store.counter(c).await.ok().map(|c| c.unit_id),
                None => None,
            };
            render(&state, &ctx, back, Some(msg)).await
        }
    }
}

async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let d = state.store.kiosk(id).await?;
    state.check_unit(u, d.unit_id, Access::Write).await?;
    if d.revoked_at.is_none() {
        state.store.kiosk_revoke(id).await?;
        state.kiosk_cache.clear();
        state
            .store
            .audit(Some(u.user.id), "kiosk.revoke", &id.to_string())
            .await?;
    }
    Ok(Redirect::to(&format!("/kiosks?unit={}", d.unit_id)).into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/kiosks", get(list).post(register))
        .route("/kiosks/{id}/revoke", post(revoke))
}
