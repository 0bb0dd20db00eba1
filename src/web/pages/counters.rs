//! Service centres (Bộ phận Một cửa, Trung tâm Phục vụ hành chính công) and their counters:
//! who is signed in at each, which rating form each uses; add centres and counters, edit a
//! counter.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::officials::{checked, fixable, opt_id, req_id, writable_units};
use super::{Ctx, Page, html};
use crate::domain::time::Millis;
use crate::store::counters::{Counter, OnDuty, ServiceCenter};
use crate::store::forms::RatingForm;
use crate::store::units::Unit;
use crate::web::AppState;
use crate::web::auth::{Access, CurrentUser};
use crate::web::error::WebError;

pub(crate) struct CounterView {
    pub k: Counter,
    pub on_duty: Option<OnDuty>,
    pub form_name: String,
}

pub(crate) struct CenterView {
    pub c: ServiceCenter,
    pub counters: Vec<CounterView>,
}

#[derive(Template)]
#[template(path = "counters.html")]
struct CountersPage {
    page: Page,
    unit: Unit,
    subunits: Vec<Unit>,
    centers: Vec<CenterView>,
    forms: Vec<RatingForm>,
    units: Vec<Unit>,
    can_write: bool,
    error: Option<String>,
}

impl CountersPage {
    fn since(&self, ms: &Millis) -> String {
        self.page.fmt_time(ms)
    }
    fn uses(&self, k: &Counter, form_id: &i64) -> bool {
        k.form_id == Some(*form_id)
    }
}

/// The centres of a subtree with their counters and who is on duty at each.
pub(crate) async fn centers_with_counters(
    state: &AppState,
    root: i64,
    forms: &[RatingForm],
) -> Result<Vec<CenterView>, WebError> {
    let centers = state.store.service_centers_in_subtree(root).await?;
    let counters = state.store.counters_in_subtree(root).await?;
    let mut duty: HashMap<i64, OnDuty> = HashMap::new();
    for d in state.store.on_duty_in_subtree(root).await? {
        duty.entry(d.counter_id).or_insert(d);
    }
    let default_name = forms
        .iter()
        .find(|f| f.is_default)
        .map(|f| f.name.clone())
        .unwrap_or_default();
    let mut by_center: HashMap<i64, Vec<CounterView>> = HashMap::new();
    for k in counters {
        let form_name = match k.form_id {
            Some(fid) => forms
                .iter()
                .find(|f| f.id == fid)
                .map(|f| f.name.clone())
                .unwrap_or_default(),
            None => default_name.clone(),
        };
        by_center
            .entry(k.service_center_id)
            .or_default()
            .push(CounterView {
                on_duty: duty.remove(&k.id),
                form_name,
                k,
            });
    }
    Ok(centers
        .into_iter()
        .map(|c| CenterView {
            counters: by_center.remove(&c.id).unwrap_or_default(),
            c,
        })
        .collect())
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
    let forms = state.store.forms().await?;
    let centers = centers_with_counters(state, unit.id, &forms).await?;
    let units = if can_write {
        writable_units(state, u, unit.id).await?
    } else {
        Vec::new()
    };
    let subunits = state.store.unit_children(Some(unit.id)).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut page = ctx.page("Quầy tiếp nhận và trả kết quả", "Counters", "counters");
    page.path = format!("/counters?unit={}", unit.id);
    Ok((
        status,
        html(&CountersPage {
            page,
            unit,
            subunits,
            centers,
            forms,
            units,
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

/// Runs a change; a mistake the user can fix shows the page again with the message.
async fn outcome(
    state: &AppState,
    ctx: &Ctx,
    back_unit: Option<i64>,
    r: Result<i64, WebError>,
) -> Result<Response, WebError> {
    match r {
        Ok(unit) => Ok(Redirect::to(&format!("/counters?unit={unit}")).into_response()),
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            render(state, ctx, back_unit, Some(msg)).await
        }
    }
}

#[derive(Deserialize)]
struct CenterForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
}

async fn add_center(state: &AppState, u: &CurrentUser, f: &CenterForm) -> Result<i64, WebError> {
    if !u.role().can_manage() {
        return Err(WebError::Forbidden);
    }
    let unit = req_id(&f.unit_id, "Hãy chọn đơn vị", "Choose a unit")?;
    state.check_unit(u, unit, Access::Write).await?;
    let id = state
        .store
        .service_center_create(unit, &f.name, &f.address)
        .await?;
    state
        .store
        .audit(Some(u.user.id), "center.create", &id.to_string())
        .await?;
    Ok(unit)
}

async fn create_center(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<CenterForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let r = add_center(&state, u, &f).await;
    outcome(&state, &ctx, opt_id(&f.unit_id), r).await
}

#[derive(Deserialize)]
struct NewCounterForm {
    #[serde(default)]
    service_center_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    form_id: String,
}

async fn add_counter(
    state: &AppState,
    u: &CurrentUser,
    f: &NewCounterForm,
) -> Result<i64, WebError> {
    if !u.role().can_manage() {
        return Err(WebError::Forbidden);
    }
    let center = req_id(
        &f.service_center_id,
        "Hãy chọn bộ phận một cửa",
        "Choose a service centre",
    )?;
    let c = state.store.service_center(center).await?;
    state.check_unit(u, c.unit_id, Access::Write).await?;
    let form_id = opt_id(&f.form_id);
    if let Some(fid) = form_id {
        state.store.form(fid).await?;
    }
    let id = state
        .store
        .counter_create(center, &f.code, &f.name, form_id)
        .await?;
    state
        .store
        .audit(Some(u.user.id), "counter.create", &id.to_string())
        .await?;
    Ok(c.unit_id)
}

async fn create_counter(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<NewCounterForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let r = add_counter(&state, u, &f).await;
    let back = match opt_id(&f.service_center_id) {
        Some(c) => state.store.service_center(c).await.ok().map(|c| c.unit_id),
        None => None,
    };
    outcome(&state, &ctx, back, r).await
}

#[derive(Deserialize)]
struct CounterForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    form_id: String,
    active: Option<String>,
    /// The unit whose page the change was made from (to go back to it).
    #[serde(default)]
    back: String,
}

async fn edit_counter(
    state: &AppState,
    u: &CurrentUser,
    id: i64,
    f: &CounterForm,
) -> Result<i64, WebError> {
    let k = state.store.counter(id).await?;
    state.check_unit(u, k.unit_id, Access::Write).await?;
    let form_id = opt_id(&f.form_id);
    if let Some(fid) = form_id {
        state.store.form(fid).await?;
    }
    state
        .store
        .counter_update(id, &f.name, form_id, checked(&f.active))
        .await?;
    state
        .store
        .audit(Some(u.user.id), "counter.update", &id.to_string())
        .await?;
    Ok(opt_id(&f.back).unwrap_or(k.unit_id))
}

async fn update_counter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CounterForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let r = edit_counter(&state, u, id, &f).await;
    outcome(&state, &ctx, opt_id(&f.back), r).await
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/counters", get(list).post(create_counter))
        .route("/counters/{id}", post(update_counter))
        .route("/centers", post(create_center))
}
