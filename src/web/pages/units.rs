//! Unit tree pages: browse a subtree, create and edit units.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::{Ctx, Page, html};
use crate::domain::unit::UnitLevel;
use crate::store::units::{Unit, UnitInput};
use crate::web::AppState;
use crate::web::auth::Access;
use crate::web::error::WebError;

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    page: Page,
    unit: Unit,
    ancestry: Vec<Unit>,
    children: Vec<Unit>,
    q: String,
    found: Vec<Unit>,
    can_write: bool,
}

#[derive(Deserialize)]
struct UnitsQuery {
    unit: Option<i64>,
    #[serde(default)]
    q: String,
}

async fn units(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<UnitsQuery>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let unit = state.unit_for(u, q.unit, Access::Read).await?;
    let can_write = state.check_unit(u, unit.id, Access::Write).await.is_ok();
    let mut ancestry = state.store.unit_ancestry(unit.id).await?;
    ancestry.reverse();
    let children = state.store.unit_children(Some(unit.id)).await?;
    let found = if q.q.trim().is_empty() {
        Vec::new()
    } else {
        state.store.units_in_subtree(unit.id, &q.q, 100).await?
    };
    Ok(html(&UnitsPage {
        page: ctx.page("Đơn vị hành chính", "Administrative units", "units"),
        unit,
        ancestry,
        children,
        q: q.q,
        found,
        can_write,
    }))
}

#[derive(Template)]
#[template(path = "unit_form.html")]
struct UnitFormPage {
    page: Page,
    id: Option<i64>,
    parent: Option<Unit>,
    level: String,
    code: String,
    name: String,
    valid_from: String,
    valid_to: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NewQuery {
    parent: Option<i64>,
}

async fn new_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let parent = match q.parent {
        Some(p) => {
            state.check_unit(u, p, Access::Write).await?;
            Some(state.store.unit(p).await?)
        }
        None => {
            crate::web::auth::require_admin(u)?;
            None
        }
    };
    let level = if parent.is_some() {
        "commune"
    } else {
        "province"
    }
    .to_string();
    Ok(html(&UnitFormPage {
        page: ctx.page("Thêm đơn vị", "New unit", "units"),
        id: None,
        parent,
        level,
        code: String::new(),
        name: String::new(),
        valid_from: String::new(),
        valid_to: String::new(),
        error: None,
    }))
}

async fn edit_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let unit = state.store.unit(id).await?;
    // Editing a unit changes its place in the parent's tree: the parent's manager decides.
    state
        .check_unit(u, unit.parent_id.unwrap_or(unit.id), Access::Write)
        .await?;
    if unit.parent_id.is_none() {
        crate::web::auth::require_admin(u)?;
    }
    let parent = match unit.parent_id {
        Some(p) => Some(state.store.unit(p).await?),
        None => None,
    };
    Ok(html(&UnitFormPage {
        page: ctx.page("Sửa đơn vị", "Edit unit", "units"),
        id: Some(id),
        parent,
        level: unit.level.clone(),
        code: unit.code.clone(),
        name: unit.name.clone(),
        valid_from: unit.valid_from.map(|d| d.to_string()).unwrap_or_default(),
        valid_to: unit.valid_to.map(|d| d.to_string()).unwrap_or_default(),
        error: None,
    }))
}

#[derive(Deserialize)]
struct UnitForm {
    parent_id: Option<String>,
    level: String,
    code: String,
    name: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
}

fn parse_date(s: &str) -> Result<Option<chrono::NaiveDate>, WebError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            WebError::bad(
                format!("Ngày '{s}' không hợp lệ (YYYY-MM-DD)"),
                format!("Invalid date '{s}' (YYYY-MM-DD)"),
            )
        })
}

impl UnitForm {
    fn input(&self) -> Result<UnitInput, WebError> {
        Ok(UnitInput {
            parent_id: self
                .parent_id
                .as_deref()
                .and_then(|p| p.trim().parse().ok()),
            level: UnitLevel::parse(&self.level)
                .ok_or_else(|| WebError::bad("Cấp đơn vị không hợp lệ", "Invalid unit level"))?,
            code: self.code.clone(),
            name: self.name.clone(),
            valid_from: parse_date(&self.valid_from)?,
            valid_to: parse_date(&self.valid_to)?,
        })
    }
}

async fn save(state: &AppState, ctx: &Ctx, id: Option<i64>, f: &UnitForm) -> Result<i64, WebError> {
    let u = ctx.user()?;
    let input = f.input()?;
    match input.parent_id {
        Some(p) => state.check_unit(u, p, Access::Write).await?,
        None => crate::web::auth::require_admin(u)?,
    }
    let id = match id {
        Some(id) => {
            let old = state.store.unit(id).await?;
            state
                .check_unit(u, old.parent_id.unwrap_or(old.id), Access::Write)
                .await?;
            state.store.unit_update(id, &input).await?;
            id
        }
        None => state.store.unit_create(&input).await?,
    };
    state
        .store
        .audit(Some(u.user.id), "unit.save", &id.to_string())
        .await?;
    Ok(id)
}

async fn form_error(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    f: UnitForm,
    e: WebError,
) -> Result<(axum::http::StatusCode, Html<String>), WebError> {
    let msg = match &e {
        WebError::Unprocessable(m) | WebError::Conflict(m) | WebError::BadRequest(m) => {
            m.get(ctx.lang).to_string()
        }
        _ => return Err(e),
    };
    let parent = match f.parent_id.as_deref().and_then(|p| p.trim().parse().ok()) {
        Some(p) => state.store.unit(p).await.ok(),
        None => None,
    };
    Ok((
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        html(&UnitFormPage {
            page: ctx.page("Đơn vị", "Unit", "units"),
            id,
            parent,
            level: f.level,
            code: f.code,
            name: f.name,
            valid_from: f.valid_from,
            valid_to: f.valid_to,
            error: Some(msg),
        }),
    ))
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<UnitForm>,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    match save(&state, &ctx, None, &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/units?unit={id}")).into_response()),
        Err(e) => Ok(form_error(&state, &ctx, None, f, e).await?.into_response()),
    }
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<UnitForm>,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    match save(&state, &ctx, Some(id), &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/units?unit={id}")).into_response()),
        Err(e) => Ok(form_error(&state, &ctx, Some(id), f, e)
            .await?
            .into_response()),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units", get(units).post(create))
        .route("/units/new", get(new_unit))
        .route("/units/{id}/edit", get(edit_unit))
        .route("/units/{id}", axum::routing::post(update))
}
