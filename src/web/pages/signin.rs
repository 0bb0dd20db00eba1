//! Counter sign-in (đăng nhập tại quầy): an official tells the counter's kiosk who is serving;
//! leaders and administrators may sign an official of their units in or out. Same rules as
//! POST /api/v1/counter-sessions.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::officials::{fixable, opt_id, req_id};
use super::{Ctx, Page, html};
use crate::domain::Msg;
use crate::domain::role::Role;
use crate::domain::time::Millis;
use crate::store::counters::{Counter, CounterSession, OnDuty};
use crate::store::officials::Official;
use crate::store::units::Unit;
use crate::web::AppState;
use crate::web::api::signin_target;
use crate::web::auth::{Access, CurrentUser};
use crate::web::error::WebError;

/// A counter with whoever is signed in there.
struct Row {
    k: Counter,
    on_duty: Option<OnDuty>,
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    page: Page,
    /// The official the page is for (an official's own account).
    me: Option<Official>,
    /// Where that official is signed in now.
    current: Option<(Counter, CounterSession)>,
    /// The unit a leader, administrator or inspector looks at.
    unit: Option<Unit>,
    rows: Vec<Row>,
    /// Officials a manager may sign in.
    officials: Vec<Official>,
    can_write: bool,
    error: Option<String>,
}

impl SigninPage {
    fn when(&self, ms: &Millis) -> String {
        self.page.fmt_time(ms)
    }
    fn is_current(&self, k: &Counter) -> bool {
        self.current.as_ref().is_some_and(|(c, _)| c.id == k.id)
    }
}

/// The counters an official may sign in at: those of their own unit's centres and of the
/// parent unit's centres (a provincial centre above a commune), in use only.
async fn counters_for_official(state: &AppState, o: &Official) -> Result<Vec<Counter>, WebError> {
    let mut out: Vec<Counter> = state
        .store
        .counters_in_subtree(o.unit_id)
        .await?
        .into_iter()
        .filter(|k| k.unit_id == o.unit_id)
        .collect();
    if let Some(parent) = state.store.unit(o.unit_id).await?.parent_id {
        out.extend(
            state
                .store
                .counters_in_subtree(parent)
                .await?
                .into_iter()
                .filter(|k| k.unit_id == parent),
        );
    }
    out.retain(|k| k.active);
    Ok(out)
}

async fn with_duty(state: &AppState, counters: Vec<Counter>) -> Result<Vec<Row>, WebError> {
    let mut roots: Vec<i64> = counters.iter().map(|k| k.unit_id).collect();
    roots.sort_unstable();
    roots.dedup();
    let mut duty: HashMap<i64, OnDuty> = HashMap::new();
    for r in roots {
        for d in state.store.on_duty_in_subtree(r).await? {
            duty.entry(d.counter_id).or_insert(d);
        }
    }
    Ok(counters
        .into_iter()
        .map(|k| Row {
            on_duty: duty.get(&k.id).cloned(),
            k,
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
    let mut page = ctx.page("Đăng nhập tại quầy", "Counter sign-in", "signin");
    let (me, current, unit, rows, officials, can_write) = if u.role() == Role::Official {
        let oid = u.user.official_id.ok_or(WebError::Forbidden)?;
        let o = state.store.official(oid).await?;
        let current = match state.store.official_current_session(oid).await? {
            Some(s) => Some((state.store.counter(s.counter_id).await?, s)),
            None => None,
        };
        let rows = with_duty(state, counters_for_official(state, &o).await?).await?;
        page.path = "/counter-signin".into();
        (Some(o), current, None, rows, Vec::new(), true)
    } else {
        let unit = state.unit_for(u, unit_id, Access::Read).await?;
        let can_write = state.check_unit(u, unit.id, Access::Write).await.is_ok();
        let counters: Vec<Counter> = state
            .store
            .counters_in_subtree(unit.id)
            .await?
            .into_iter()
            .filter(|k| k.active)
            .collect();
        let rows = with_duty(state, counters).await?;
        let officials = if can_write {
            state
                .store
                .officials_in_subtree(unit.id, "")
                .await?
                .into_iter()
                .filter(|o| o.active)
                .collect()
        } else {
            Vec::new()
        };
        page.path = format!("/counter-signin?unit={}", unit.id);
        (None, None, Some(unit), rows, officials, can_write)
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        html(&SigninPage {
            page,
            me,
            current,
            unit,
            rows,
            officials,
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

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<UnitQuery>,
) -> Result<Response, WebError> {
    render(&state, &ctx, q.unit, None).await
}

#[derive(Deserialize)]
struct SigninForm {
    #[serde(default)]
    counter_id: String,
    #[serde(default)]
    official_id: String,
    /// The unit page the form was sent from.
    #[serde(default)]
    unit: String,
}

/// Inspectors read; they never sign anyone in or out.
fn may_act(u: &CurrentUser) -> Result<(), WebError> {
    if u.role() == Role::Inspector {
        Err(WebError::Forbidden)
    } else {
        Ok(())
    }
}

async fn do_sign_in(state: &AppState, u: &CurrentUser, f: &SigninForm) -> Result<(), WebError> {
    may_act(u)?;
    let official = signin_target(state, u, opt_id(&f.official_id)).await?;
    let counter_id = req_id(&f.counter_id, "Hãy chọn quầy", "Choose a counter")?;
    let counter = state.store.counter(counter_id).await?;
    let o = state.store.official(official).await?;
    if u.user.official_id == Some(official) {
        // An official may sit at counters of their own unit's one-stop desk or above it.
        if counter.unit_id != o.unit_id
            && !state.store.unit_within(counter.unit_id, o.unit_id).await?
        {
            return Err(WebError::Forbidden);
        }
    } else {
        state.check_unit(u, counter.unit_id, Access::Write).await?;
    }
    if !counter.active {
        return Err(WebError::Unprocessable(Msg::new(
            "Quầy này đang ngừng sử dụng",
            "This counter is not in use",
        )));
    }
    if !o.active {
        return Err(WebError::Unprocessable(Msg::new(
            "Cán bộ này đã nghỉ, không thể đăng nhập tại quầy",
            "This official is inactive and cannot sign in at a counter",
        )));
    }
    let id = state.store.counter_sign_in(counter_id, official).await?;
    state
        .store
        .audit(
            Some(u.user.id),
            "counter.signin",
            &format!("session {id}: official {official} at counter {counter_id}"),
        )
        .await?;
    Ok(())
}

fn back(f_unit: &str) -> String {
    match opt_id(f_unit) {
        Some(unit) => format!("/counter-signin?unit={unit}"),
        None => "/counter-signin".into(),
    }
}

async fn sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<SigninForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    match do_sign_in(&state, u, &f).await {
        Ok(()) => Ok(Redirect::to(&back(&f.unit)).into_response()),
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            render(&state, &ctx, opt_id(&f.unit), Some(msg)).await
        }
    }
}

async fn do_sign_out(state: &AppState, u: &CurrentUser, f: &SigninForm) -> Result<(), WebError> {
    may_act(u)?;
    let official = signin_target(state, u, opt_id(&f.official_id)).await?;
    state.store.counter_sign_out(official).await?;
    state
        .store
        .audit(
            Some(u.user.id),
            "counter.signout",
            &format!("official {official}"),
        )
        .await?;
    Ok(())
}

async fn sign_out(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<SigninForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    match do_sign_out(&state, u, &f).await {
        Ok(()) => Ok(Redirect::to(&back(&f.unit)).into_response()),
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            render(&state, &ctx, opt_id(&f.unit), Some(msg)).await
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/counter-signin", get(show).post(sign_in))
        .route("/counter-signout", post(sign_out))
}
