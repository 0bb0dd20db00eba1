//! The procedure catalogue: a public list and detail page (no sign-in), administrators' forms to
//! create and edit procedures, and the page where a unit's committed limit is set and its
//! history shown (administrators; leaders for their subtree; inspectors read).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Ctx, Page, html, url_encode};
use crate::domain::limit::TimeLimit;
use crate::domain::procedure::{OnlineLevel, ProcedureLevel};
use crate::store::procedures::{
    CommittedLimit, FieldCount, LimitSource, Procedure, ProcedureFilter, ProcedureInput,
    ProcedurePage, SourceKind,
};
use crate::store::units::Unit;
use crate::web::AppState;
use crate::web::auth::{Access, require_admin};
use crate::web::error::WebError;

/// Vietnamese and English labels of a limit, for templates.
pub fn limit_label(page: &Page, l: &TimeLimit) -> String {
    if page.is_vi() {
        l.label_vi()
    } else {
        l.label_en()
    }
}

pub fn online_label(page: &Page, o: &OnlineLevel) -> &'static str {
    if page.is_vi() {
        o.label_vi()
    } else {
        o.label_en()
    }
}

pub fn level_label(page: &Page, l: &ProcedureLevel) -> &'static str {
    if page.is_vi() {
        l.label_vi()
    } else {
        l.label_en()
    }
}

/// Today in Vietnam.
fn today() -> NaiveDate {
    crate::domain::time::to_local(crate::domain::time::now_ms())
        .map(|t| t.date_naive())
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
}

fn parse_date(s: &str) -> Result<Option<NaiveDate>, WebError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            WebError::bad(
                format!("Ngày '{s}' không hợp lệ (YYYY-MM-DD)"),
                format!("Invalid date '{s}' (YYYY-MM-DD)"),
            )
        })
}

fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The query of the catalogue list (pages and API).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct CatalogueQuery {
    /// Words to find in the code, name, field or agency; case and diacritics are ignored.
    #[serde(default)]
    pub q: String,
    /// Exact field (lĩnh vực).
    pub field: Option<String>,
    /// province, district or commune.
    pub level: Option<String>,
    /// full, partial or none.
    pub online: Option<String>,
    /// 1-based page.
    pub page: Option<u32>,
    /// Results per page (default 50, at most 500).
    pub per_page: Option<u32>,
}

impl CatalogueQuery {
    pub fn filter(&self, include_inactive: bool) -> Result<ProcedureFilter, WebError> {
        Ok(ProcedureFilter {
            q: self.q.clone(),
            field: opt(&self.field).map(String::from),
            level: opt(&self.level)
                .map(ProcedureLevel::parse_msg)
                .transpose()
                .map_err(WebError::BadRequest)?,
            online: opt(&self.online)
                .map(OnlineLevel::parse_msg)
                .transpose()
                .map_err(WebError::BadRequest)?,
            include_inactive,
            page: self.page.unwrap_or(1).max(1),
            per_page: self.per_page.unwrap_or(50).clamp(1, 500),
        })
    }
}

#[derive(Template)]
#[template(path = "procedures.html")]
struct CataloguePage {
    page: Page,
    q: String,
    field: String,
    level: String,
    online: String,
    fields: Vec<FieldCount>,
    found: ProcedurePage,
    /// The query string without the page number, for the pager.
    base_query: String,
}

impl CataloguePage {
    fn limit(&self, l: &TimeLimit) -> String {
        limit_label(&self.page, l)
    }
    fn online_label(&self, o: &OnlineLevel) -> &'static str {
        online_label(&self.page, o)
    }
    fn online_levels(&self) -> [OnlineLevel; 3] {
        OnlineLevel::ALL
    }
    fn levels(&self) -> [ProcedureLevel; 3] {
        ProcedureLevel::ALL
    }
    fn level_label(&self, l: &ProcedureLevel) -> &'static str {
        level_label(&self.page, l)
    }
}

async fn catalogue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CatalogueQuery>,
) -> Result<Html<String>, WebError> {
    let admin = ctx.user.as_ref().is_some_and(|u| require_admin(u).is_ok());
    let found = state.store.procedures_list(&q.filter(admin)?).await?;
    let fields = state.store.procedure_fields().await?;
    let base_query = [
        ("q", q.q.as_str()),
        ("field", q.field.as_deref().unwrap_or("")),
        ("level", q.level.as_deref().unwrap_or("")),
        ("online", q.online.as_deref().unwrap_or("")),
    ]
    .iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}={}&", url_encode(v)))
    .collect();
    Ok(html(&CataloguePage {
        page: ctx.page(
            "Thủ tục hành chính",
            "Administrative procedures",
            "procedures",
        ),
        q: q.q.clone(),
        field: q.field.clone().unwrap_or_default(),
        level: q.level.clone().unwrap_or_default(),
        online: q.online.clone().unwrap_or_default(),
        fields,
        found,
        base_query,
    }))
}

#[derive(Template)]
#[template(path = "procedure.html")]
struct DetailPage {
    page: Page,
    p: Procedure,
    units: Vec<(i64, String)>,
    unit: Option<Unit>,
    on: NaiveDate,
    effective: Option<(TimeLimit, LimitSource)>,
    can_edit: bool,
    can_limits: bool,
}

impl DetailPage {
    /// Citizens may register a dossier online for procedures offered online (fully or partly).
    fn can_register(&self) -> bool {
        self.p.active && self.p.online_level != crate::domain::procedure::OnlineLevel::None
    }
    fn limit(&self, l: &TimeLimit) -> String {
        limit_label(&self.page, l)
    }
    fn online(&self) -> &'static str {
        online_label(&self.page, &self.p.online_level)
    }
    fn level(&self) -> &'static str {
        level_label(&self.page, &self.p.level)
    }
    fn is_legal(&self, s: &LimitSource) -> bool {
        s.kind == SourceKind::Legal
    }
    fn is_ancestor(&self, s: &LimitSource) -> bool {
        s.kind == SourceKind::Ancestor
    }
    fn listed(&self, id: &i64) -> bool {
        self.units.iter().any(|(u, _)| u == id)
    }
    fn unit_selected(&self, id: &i64) -> bool {
        self.unit.as_ref().is_some_and(|u| u.id == *id)
    }
}

#[derive(Deserialize)]
struct DetailQuery {
    unit: Option<String>,
    on: Option<String>,
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Result<Html<String>, WebError> {
    let p = state.store.procedure(id).await?;
    let on = parse_date(q.on.as_deref().unwrap_or(""))?.unwrap_or_else(today);
    let unit_id = match opt(&q.unit) {
        Some(s) => Some(s.parse::<i64>().map_err(|_| {
            WebError::bad(
                format!("Đơn vị '{s}' không hợp lệ"),
                format!("Invalid unit '{s}'"),
            )
        })?),
        None => None,
    };
    let (unit, effective) = match unit_id {
        Some(u) => (
            Some(state.store.unit(u).await?),
            Some(state.store.effective_limit(id, u, on).await?),
        ),
        None => (None, None),
    };
    let role = ctx.user.as_ref().map(|u| u.role());
    Ok(html(&DetailPage {
        page: ctx.page(&p.name, &p.name, "procedures"),
        units: state.store.procedure_limit_units(id).await?,
        can_edit: role == Some(crate::domain::role::Role::Admin),
        can_limits: role.is_some_and(|r| r.can_read_unit_reports()),
        p,
        unit,
        on,
        effective,
    }))
}

#[derive(Template)]
#[template(path = "procedure_form.html")]
struct FormPage {
    page: Page,
    id: Option<i64>,
    f: ProcedureForm,
    error: Option<String>,
}

impl FormPage {
    fn levels(&self) -> [ProcedureLevel; 3] {
        ProcedureLevel::ALL
    }
    fn level_label(&self, l: &ProcedureLevel) -> &'static str {
        level_label(&self.page, l)
    }
    fn online_levels(&self) -> [OnlineLevel; 3] {
        OnlineLevel::ALL
    }
    fn online_label(&self, o: &OnlineLevel) -> &'static str {
        online_label(&self.page, o)
    }
}

/// The create/edit form as posted (strings, so a wrong value can be shown back).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProcedureForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    pub limit_kind: String,
    #[serde(default)]
    pub limit_value: String,
    #[serde(default)]
    pub limit_note: String,
    #[serde(default)]
    pub fees: String,
    #[serde(default)]
    pub documents: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub online_level: String,
    pub active: Option<String>,
}

fn limit_from(kind: &str, value: &str) -> Result<TimeLimit, WebError> {
    let v: i64 = value.trim().parse().map_err(|_| {
        WebError::Unprocessable(crate::domain::Msg::new(
            format!("Thời hạn '{value}' không phải số nguyên"),
            format!("Time limit '{value}' is not a whole number"),
        ))
    })?;
    TimeLimit::from_parts(kind.trim(), v).map_err(WebError::Unprocessable)
}

impl ProcedureForm {
    fn input(&self) -> Result<ProcedureInput, WebError> {
        Ok(ProcedureInput {
            code: self.code.clone(),
            name: self.name.clone(),
            field: self.field.clone(),
            level: ProcedureLevel::parse_msg(&self.level).map_err(WebError::Unprocessable)?,
            agency: self.agency.clone(),
            legal_limit: limit_from(&self.limit_kind, &self.limit_value)?,
            limit_note: self.limit_note.clone(),
            fees: self.fees.clone(),
            documents: vec![self.documents.clone()],
            legal_basis: self.legal_basis.clone(),
            online_level: OnlineLevel::parse_msg(&self.online_level)
                .map_err(WebError::Unprocessable)?,
            active: self.active.is_some(),
        })
    }

    fn from_procedure(p: &Procedure) -> ProcedureForm {
        ProcedureForm {
            code: p.code.clone(),
            name: p.name.clone(),
            field: p.field.clone(),
            level: p.level.as_str().into(),
            agency: p.agency.clone(),
            limit_kind: p.legal_limit.kind().into(),
            limit_value: p.legal_limit.value().to_string(),
            limit_note: p.limit_note.clone(),
            fees: p.fees.clone(),
            documents: p.documents.join("\n"),
            legal_basis: p.legal_basis.clone(),
            online_level: p.online_level.as_str().into(),
            active: p.active.then(|| "on".into()),
        }
    }
}

async fn new_form(ctx: Ctx) -> Result<Html<String>, WebError> {
    require_admin(ctx.user()?)?;
    Ok(html(&FormPage {
        page: ctx.page("Thêm thủ tục", "New procedure", "procedures"),
        id: None,
        f: ProcedureForm {
            level: "commune".into(),
            limit_kind: "working_days".into(),
            online_level: "partial".into(),
            active: Some("on".into()),
            ..Default::default()
        },
        error: None,
    }))
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Html<String>, WebError> {
    require_admin(ctx.user()?)?;
    let p = state.store.procedure(id).await?;
    Ok(html(&FormPage {
        page: ctx.page("Sửa thủ tục", "Edit procedure", "procedures"),
        id: Some(id),
        f: ProcedureForm::from_procedure(&p),
        error: None,
    }))
}

fn shown_error(ctx: &Ctx, e: &WebError) -> Option<String> {
    match e {
        WebError::Unprocessable(m) | WebError::Conflict(m) | WebError::BadRequest(m) => {
            Some(m.get(ctx.lang).to_string())
        }
        _ => None,
    }
}

async fn save(
    state: AppState,
    ctx: Ctx,
    id: Option<i64>,
    f: ProcedureForm,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    require_admin(u)?;
    let result = async {
        let input = f.input()?;
        match id {
            Some(id) => {
                state
                    .store
                    .procedure_update(id, &input, Some(u.user.id))
                    .await?;
                Ok::<i64, WebError>(id)
            }
            None => Ok(state
                .store
                .procedure_create(&input, Some(u.user.id))
                .await?),
        }
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/procedures/{id}")).into_response()),
        Err(e) => match shown_error(&ctx, &e) {
            Some(msg) => Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                html(&FormPage {
                    page: ctx.page("Thủ tục hành chính", "Procedure", "procedures"),
                    id,
                    f,
                    error: Some(msg),
                }),
            )
                .into_response()),
            None => Err(e),
        },
    }
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ProcedureForm>,
) -> Result<Response, WebError> {
    save(state, ctx, None, f).await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ProcedureForm>,
) -> Result<Response, WebError> {
    save(state, ctx, Some(id), f).await
}

#[derive(Template)]
#[template(path = "procedure_limits.html")]
struct LimitsPage {
    page: Page,
    p: Procedure,
    unit: Unit,
    history: Vec<CommittedLimit>,
    effective: (TimeLimit, LimitSource),
    can_write: bool,
    kind: String,
    value: String,
    valid_from: String,
    note: String,
    error: Option<String>,
}

impl LimitsPage {
    fn limit(&self, l: &TimeLimit) -> String {
        limit_label(&self.page, l)
    }
    fn is_legal(&self) -> bool {
        self.effective.1.kind == SourceKind::Legal
    }
    fn fmt_time(&self, ms: &i64) -> String {
        self.page.fmt_time(ms)
    }
}

#[derive(Deserialize)]
struct LimitsQuery {
    unit: Option<i64>,
}

async fn limits_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    unit: Option<i64>,
    form: Option<(LimitForm, String)>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    if !u.role().can_read_unit_reports() {
        return Err(WebError::Forbidden);
    }
    let unit = state.unit_for(u, unit, Access::Read).await?;
    let can_write = state.check_unit(u, unit.id, Access::Write).await.is_ok();
    let p = state.store.procedure(id).await?;
    let history = state.store.procedure_limit_history(id, unit.id).await?;
    let effective = state.store.effective_limit(id, unit.id, today()).await?;
    let (f, error) = match form {
        Some((f, e)) => (f, Some(e)),
        None => (
            LimitForm {
                unit_id: unit.id,
                limit_kind: p.legal_limit.kind().into(),
                limit_value: String::new(),
                valid_from: today().to_string(),
                note: String::new(),
            },
            None,
        ),
    };
    Ok(html(&LimitsPage {
        page: ctx.page(
            "Thời hạn giải quyết cam kết",
            "Committed time limits",
            "procedures",
        ),
        p,
        unit,
        history,
        effective,
        can_write,
        kind: f.limit_kind,
        value: f.limit_value,
        valid_from: f.valid_from,
        note: f.note,
        error,
    }))
}

async fn limits(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<LimitsQuery>,
) -> Result<Html<String>, WebError> {
    limits_page(&state, &ctx, id, q.unit, None).await
}

#[derive(Debug, Clone, Deserialize)]
struct LimitForm {
    unit_id: i64,
    #[serde(default)]
    limit_kind: String,
    #[serde(default)]
    limit_value: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    note: String,
}

async fn set_limit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<LimitForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    state.check_unit(u, f.unit_id, Access::Write).await?;
    let result = async {
        let limit = limit_from(&f.limit_kind, &f.limit_value)?;
        let from = parse_date(&f.valid_from)?.ok_or_else(|| {
            WebError::bad(
                "Cần có ngày áp dụng (YYYY-MM-DD)",
                "A start date is needed (YYYY-MM-DD)",
            )
        })?;
        state
            .store
            .procedure_limit_set(id, f.unit_id, limit, from, &f.note, Some(u.user.id))
            .await?;
        Ok::<(), WebError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/procedures/{id}/limits?unit={}", f.unit_id)).into_response(),
        ),
        Err(e) => match shown_error(&ctx, &e) {
            Some(msg) => Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                limits_page(&state, &ctx, id, Some(f.unit_id), Some((f, msg))).await?,
            )
                .into_response()),
            None => Err(e),
        },
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/procedures", get(catalogue).post(create))
        .route("/procedures/new", get(new_form))
        .route("/procedures/{id}", get(detail).post(update))
        .route("/procedures/{id}/edit", get(edit_form))
        .route("/procedures/{id}/limits", get(limits).post(set_limit))
}
