//! The JSON API under /api/v1. Handlers are thin: they check access and call the store or the
//! report builder, so the API and the pages share every rule. The OpenAPI document is generated
//! from these signatures.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{self, Access, CurrentUser};
use super::error::WebError;
use super::json::JsonBody;
use super::{AppState, api_procedures, dossier_steps, dossiers, kiosk};
use crate::domain::Msg;
use crate::domain::form::FormDefinition;
use crate::domain::time::Month;
use crate::domain::unit::UnitLevel;
use crate::report::OfficialMonthReport;
use crate::report::timeliness::{TimelinessBy, TimelinessReport};
use crate::store::counters::{Counter, ServiceCenter};
use crate::store::forms::{FormVersion, RatingForm};
use crate::store::kiosks::KioskDevice;
use crate::store::officials::{Official, OfficialInput};
use crate::store::units::{Unit, UnitInput};
use crate::store::users::User;

pub mod calendar;
pub mod dashboards;
pub mod scorecards;
pub mod targets;

/// `Json` whose rejections speak our error format and language.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = WebError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(WebError::Unprocessable(Msg::new(
                format!("Dữ liệu không hợp lệ: {}", e.body_text()),
                format!("Invalid data: {}", e.body_text()),
            ))),
            Err(e) => Err(WebError::BadRequest(Msg::new(
                format!("Yêu cầu không hợp lệ: {}", e.body_text()),
                format!("Bad request: {}", e.body_text()),
            ))),
        }
    }
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "session_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some(
                "Token from POST /api/v1/auth/login (browsers use the session cookie and an X-CSRF-Token header instead)",
            )).build()),
        );
        c.add_security_scheme(
            "kiosk_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Device token shown once when a kiosk is registered (starts with hlk_)",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Hài Lòng API", description = "Citizen satisfaction and one-stop services. Messages come in Vietnamese (message_vi) and English (message_en); `message` follows Accept-Language."),
    modifiers(&Security),
    tags((name = "kiosk", description = "Counter rating kiosk"), (name = "auth"), (name = "units"), (name = "officials"),
         (name = "counters"), (name = "forms"), (name = "reports"), (name = "ratings"), (name = "procedures"),
         (name = "dossiers", description = "Dossiers at the one-stop desk"), (name = "public", description = "No account needed"))
)]
struct ApiDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(kiosk::kiosk_state))
        .routes(routes!(kiosk::kiosk_submit))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(list_units, create_unit))
        .routes(routes!(get_unit))
        .routes(routes!(list_officials, create_official))
        .routes(routes!(get_official, update_official))
        .routes(routes!(list_centers, create_center))
        .routes(routes!(list_counters, create_counter))
        .routes(routes!(sign_in_counter, sign_out_counter))
        .routes(routes!(list_kiosks, register_kiosk))
        .routes(routes!(revoke_kiosk))
        .routes(routes!(list_forms, create_form))
        .routes(routes!(add_form_version))
        .routes(routes!(report_officials))
        .routes(routes!(report_timeliness))
        .routes(routes!(flag_rating))
        .routes(routes!(
            api_procedures::list_procedures,
            api_procedures::create_procedure
        ))
        .routes(routes!(
            api_procedures::get_procedure,
            api_procedures::update_procedure
        ))
        .routes(routes!(
            api_procedures::list_limits,
            api_procedures::set_limit
        ))
        .merge(calendar::router())
        .merge(dashboards::router())
        .merge(targets::router())
        .merge(scorecards::router())
        .routes(routes!(dossiers::list, dossiers::intake))
        .routes(routes!(dossiers::get))
        .routes(routes!(dossiers::act))
        .routes(routes!(dossiers::apologise))
        .routes(routes!(dossier_steps::list, dossier_steps::set))
        .routes(routes!(dossier_steps::hand_over))
        .routes(routes!(dossier_steps::finish))
        .routes(routes!(dossiers::register_online))
        .routes(routes!(dossiers::lookup))
        .routes(routes!(dossiers::rate))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginOutput {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub user: User,
}

/// Signs in and returns a bearer token (rate-limited per address and per username).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginInput,
    responses((status = 200, body = LoginOutput), (status = 422, description = "Wrong username or password"), (status = 429, description = "Too many attempts")))]
async fn login(
    State(state): State<AppState>,
    auth::ClientIp(ip): auth::ClientIp,
    ApiJson(input): ApiJson<LoginInput>,
) -> Result<Json<LoginOutput>, WebError> {
    let (token, user) = auth::sign_in(&state, &ip, &input.username, &input.password).await?;
    Ok(Json(LoginOutput { token, user }))
}

/// Ends the session of the bearer token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("session_token" = [])), responses((status = 204)))]
async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    _u: CurrentUser,
) -> Result<StatusCode, WebError> {
    if let Some(t) = auth::bearer(&headers) {
        state.store.session_delete(t).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("session_token" = [])), responses((status = 200, body = User)))]
async fn me(u: CurrentUser) -> Json<User> {
    Json(u.user)
}

#[derive(Deserialize, utoipa::IntoParams)]
struct UnitQuery {
    /// Root of the subtree (default: the caller's unit).
    unit: Option<i64>,
    /// Name fragment or exact code.
    #[serde(default)]
    q: String,
}

/// Units in a subtree.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(UnitQuery), security(("session_token" = [])),
    responses((status = 200, body = Vec<Unit>), (status = 403)))]
async fn list_units(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<UnitQuery>,
) -> Result<Json<Vec<Unit>>, WebError> {
    let root = state.unit_for(&u, q.unit, Access::Read).await?;
    Ok(Json(
        state.store.units_in_subtree(root.id, &q.q, 1000).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units", security(("session_token" = [])),
    responses((status = 200, body = Unit), (status = 403), (status = 404)))]
async fn get_unit(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Unit>, WebError> {
    Ok(Json(state.unit_for(&u, Some(id), Access::Read).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UnitCreate {
    pub parent_id: Option<i64>,
    pub level: UnitLevel,
    pub code: String,
    pub name: String,
    pub valid_from: Option<chrono::NaiveDate>,
    pub valid_to: Option<chrono::NaiveDate>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Creates a unit under a parent the caller manages (provinces: administrators only).
#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = UnitCreate, security(("session_token" = [])),
    responses((status = 201, body = Created), (status = 403), (status = 422)))]
async fn create_unit(
    State(state): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<UnitCreate>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    match b.parent_id {
        Some(p) => state.check_unit(&u, p, Access::Write).await?,
        None => auth::require_admin(&u)?,
    }
    let id = state
        .store
        .unit_create(&UnitInput {
            parent_id: b.parent_id,
            level: b.level,
            code: b.code,
            name: b.name,
            valid_from: b.valid_from,
            valid_to: b.valid_to,
        })
        .await?;
    state
        .store
        .audit(Some(u.user.id), "unit.create", &id.to_string())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Officials of a subtree.
#[utoipa::path(get, path = "/api/v1/officials", tag = "officials", params(UnitQuery), security(("session_token" = [])),
    responses((status = 200, body = Vec<Official>), (status = 403)))]
async fn list_officials(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<UnitQuery>,
) -> Result<Json<Vec<Official>>, WebError> {
    let root = state.unit_for(&u, q.unit, Access::Read).await?;
    Ok(Json(state.store.officials_in_subtree(root.id, &q.q).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct OfficialBody {
    pub unit_id: i64,
    pub code: String,
    pub full_name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl From<OfficialBody> for OfficialInput {
    fn from(b: OfficialBody) -> Self {
        OfficialInput {
            unit_id: b.unit_id,
            code: b.code,
            full_name: b.full_name,
            title: b.title,
            active: b.active,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/officials", tag = "officials", request_body = OfficialBody, security(("session_token" = [])),
    responses((status = 201, body = Created), (status = 403), (status = 409), (status = 422)))]
async fn create_official(
    State(state): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<OfficialBody>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    state.check_unit(&u, b.unit_id, Access::Write).await?;
    let id = state.store.official_create(&b.into()).await?;
    state
        .store
        .audit(Some(u.user.id), "official.create", &id.to_string())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(get, path = "/api/v1/officials/{id}", tag = "officials", security(("session_token" = [])),
    responses((status = 200, body = Official), (status = 403), (status = 404)))]
async fn get_official(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Official>, WebError> {
    let o = state.store.official(id).await?;
    if u.user.official_id != Some(id) {
        state.check_unit(&u, o.unit_id, Access::Read).await?;
    }
    Ok(Json(o))
}

#[utoipa::path(put, path = "/api/v1/officials/{id}", tag = "officials", request_body = OfficialBody, security(("session_token" = [])),
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
async fn update_official(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<OfficialBody>,
) -> Result<StatusCode, WebError> {
    let o = state.store.official(id).await?;
    state.check_unit(&u, o.unit_id, Access::Write).await?;
    state.check_unit(&u, b.unit_id, Access::Write).await?;
    state.store.official_update(id, &b.into()).await?;
    state
        .store
        .audit(Some(u.user.id), "official.update", &id.to_string())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
struct SubtreeQuery {
    /// Root of the subtree (default: the caller's unit).
    unit: Option<i64>,
}

/// One-stop service centres of a subtree.
#[utoipa::path(get, path = "/api/v1/service-centers", tag = "counters", params(SubtreeQuery), security(("session_token" = [])),
    responses((status = 200, body = Vec<ServiceCenter>), (status = 403)))]
async fn list_centers(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<SubtreeQuery>,
) -> Result<Json<Vec<ServiceCenter>>, WebError> {
    let root = state.unit_for(&u, q.unit, Access::Read).await?;
    Ok(Json(state.store.service_centers_in_subtree(root.id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CenterBody {
    pub unit_id: i64,
    pub name: String,
    #[serde(default)]
    pub address: String,
}

#[utoipa::path(post, path = "/api/v1/service-centers", tag = "counters", request_body = CenterBody, security(("session_token" = [])),
    responses((status = 201, body = Created), (status = 403), (status = 409), (status = 422)))]
async fn create_center(
    State(state): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<CenterBody>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    state.check_unit(&u, b.unit_id, Access::Write).await?;
    let id = state
        .store
        .service_center_create(b.unit_id, &b.name, &b.address)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Counters of a subtree.
#[utoipa::path(get, path = "/api/v1/counters", tag = "counters", params(SubtreeQuery), security(("session_token" = [])),
    responses((status = 200, body = Vec<Counter>), (status = 403)))]
async fn list_counters(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<SubtreeQuery>,
) -> Result<Json<Vec<Counter>>, WebError> {
    let root = state.unit_for(&u, q.unit, Access::Read).await?;
    Ok(Json(state.store.counters_in_subtree(root.id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CounterBody {
    pub service_center_id: i64,
    pub code: String,
    pub name: String,
    pub form_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/counters", tag = "counters", request_body = CounterBody, security(("session_token" = [])),
    responses((status = 201, body = Created), (status = 403), (status = 409), (status = 422)))]
async fn create_counter(
    State(state): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<CounterBody>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    let c = state.store.service_center(b.service_center_id).await?;
    state.check_unit(&u, c.unit_id, Access::Write).await?;
    let id = state
        .store
        .counter_create(b.service_center_id, &b.code, &b.name, b.form_id)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignInBody {
    pub counter_id: i64,
    /// Leaders and administrators may sign in an official of their units; an official signs
    /// in as themself and leaves this out.
    pub official_id: Option<i64>,
}

/// Resolves which official a counter sign-in is for and checks the caller may act for them.
pub async fn signin_target(
    state: &AppState,
    u: &CurrentUser,
    official_id: Option<i64>,
) -> Result<i64, WebError> {
    match (official_id, u.user.official_id) {
        (None, Some(own)) => Ok(own),
        (Some(id), Some(own)) if id == own => Ok(own),
        (Some(id), _) => {
            let o = state.store.official(id).await?;
            state.check_unit(u, o.unit_id, Access::Write).await?;
            Ok(id)
        }
        (None, None) => Err(WebError::Unprocessable(Msg::new(
            "Tài khoản này không gắn với cán bộ nào: hãy chọn cán bộ",
            "This account is not an official's: choose an official",
        ))),
    }
}

/// Signs an official in at a counter; the counter's kiosk shows them from then on.
#[utoipa::path(post, path = "/api/v1/counter-sessions", tag = "counters", request_body = SignInBody, security(("session_token" = [])),
    responses((status = 201, body = Created), (status = 403), (status = 404)))]
async fn sign_in_counter(
    State(state): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<SignInBody>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    let official = signin_target(&state, &u, b.official_id).await?;
    let counter = state.store.counter(b.counter_id).await?;
    let o = state.store.official(official).await?;
    // An official may sit at counters of their own unit's one-stop desk or above it.
    if u.user.official_id == Some(official)
        && !state.store.unit_within(counter.unit_id, o.unit_id).await?
        && counter.unit_id != o.unit_id
    {
        return Err(WebError::Forbidden);
    }
    if u.user.official_id != Some(official) {
        state.check_unit(&u, counter.unit_id, Access::Write).await?;
    }
    let id = state.store.counter_sign_in(b.counter_id, official).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct SignOutQuery {
    official_id: Option<i64>,
}

/// Signs an official out of their counter.
#[utoipa::path(delete, path = "/api/v1/counter-sessions", tag = "counters", params(SignOutQuery), security(("session_token" = [])),
    responses((status = 204), (status = 403)))]
async fn sign_out_counter(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<SignOutQuery>,
) -> Result<StatusCode, WebError> {
    let official = signin_target(&state, &u, q.official_id).await?;
    state.store.counter_sign_out(official).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Kiosk devices of a subtree.
#[utoipa::path(get, path = "/api/v1/kiosks", tag = "counters", params(SubtreeQuery), security(("session_token" = [])),
    responses((status = 200, body = Vec<KioskDevice>), (status = 403)))]
async fn list_kiosks(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<SubtreeQuery>,
) -> Result<Json<Vec<KioskDevice>>, WebError> {
    let root = state.unit_for(&u, q.unit, Access::Read).await?;
    Ok(Json(state.store.kiosks_in_subtree(root.id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct KioskBody {
    pub counter_id: i64,
    #[serde(default)]
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct KioskRegistered {
    pub id: i64,
    /// Shown once: put it on the kiosk (open /kiosk#token=… on the device).
    pub token: String,
}

/// Registers a kiosk device at a counter and returns its secret token, once.
#[utoipa::path(post, path = "/api/v1/kiosks", tag = "counters", request_body = KioskBody, security(("session_token" = [])),
    responses((status = 201, body = KioskRegistered), (status = 403), (status = 404)))]
async fn register_kiosk(
    State(state): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<KioskBody>,
) -> Result<(StatusCode, Json<KioskRegistered>), WebError> {
    let c = state.store.counter(b.counter_id).await?;
    state.check_unit(&u, c.unit_id, Access::Write).await?;
    let (id, token) = state.store.kiosk_register(b.counter_id, &b.name).await?;
    state
        .store
        .audit(Some(u.user.id), "kiosk.register", &id.to_string())
        .await?;
    Ok((StatusCode::CREATED, Json(KioskRegistered { id, token })))
}

/// Revokes a kiosk device: its token stops working at once.
#[utoipa::path(post, path = "/api/v1/kiosks/{id}/revoke", tag = "counters", security(("session_token" = [])),
    responses((status = 204), (status = 403), (status = 404)))]
async fn revoke_kiosk(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, WebError> {
    let d = state.store.kiosk(id).await?;
    state.check_unit(&u, d.unit_id, Access::Write).await?;
    state.store.kiosk_revoke(id).await?;
    state.kiosk_cache.clear();
    state
        .store
        .audit(Some(u.user.id), "kiosk.revoke", &id.to_string())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rating forms with their current version.
#[utoipa::path(get, path = "/api/v1/forms", tag = "forms", security(("session_token" = [])),
    responses((status = 200, body = Vec<RatingForm>)))]
async fn list_forms(
    State(state): State<AppState>,
    _u: CurrentUser,
) -> Result<Json<Vec<RatingForm>>, WebError> {
    Ok(Json(state.store.forms().await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct FormBody {
    pub name: String,
    pub definition: FormDefinition,
}

/// Creates a rating form (administrators).
#[utoipa::path(post, path = "/api/v1/forms", tag = "forms", request_body = FormBody, security(("session_token" = [])),
    responses((status = 201, body = Created), (status = 403), (status = 422)))]
async fn create_form(
    State(state): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<FormBody>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    auth::require_admin(&u)?;
    let id = state.store.form_create(&b.name, &b.definition).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Saves a new version of a form; ratings already given keep their version.
#[utoipa::path(post, path = "/api/v1/forms/{id}/versions", tag = "forms", request_body = FormDefinition, security(("session_token" = [])),
    responses((status = 201, body = FormVersion), (status = 403), (status = 404), (status = 422)))]
async fn add_form_version(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(def): ApiJson<FormDefinition>,
) -> Result<(StatusCode, Json<FormVersion>), WebError> {
    auth::require_admin(&u)?;
    state.store.form_new_version(id, &def).await?;
    let f = state.store.form(id).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.form_version(f.current_version_id).await?),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    /// Root of the subtree (default: the caller's unit).
    pub unit: Option<i64>,
    /// YYYY-MM (default: this month, Vietnam time).
    pub month: Option<String>,
}

pub fn parse_month(m: Option<&str>) -> Result<Month, WebError> {
    match m.map(str::trim).filter(|m| !m.is_empty()) {
        None => Ok(Month::current()),
        Some(m) => m.parse().map_err(|_| {
            WebError::bad(
                format!("Tháng '{m}' không hợp lệ (YYYY-MM)"),
                format!("Invalid month '{m}' (YYYY-MM)"),
            )
        }),
    }
}

/// Builds the per-official monthly report for whoever may read it.
pub async fn official_report(
    state: &AppState,
    u: &CurrentUser,
    q: &ReportQuery,
) -> Result<OfficialMonthReport, WebError> {
    let month = parse_month(q.month.as_deref())?;
    if !u.role().can_read_unit_reports() {
        return Err(WebError::Forbidden);
    }
    let unit = state.unit_for(u, q.unit, Access::Read).await?;
    Ok(OfficialMonthReport::build(&state.store, &unit, month, state.settings.min_n).await?)
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct TimelinessQuery {
    /// Root of the subtree (default: the caller's unit).
    pub unit: Option<i64>,
    /// YYYY-MM (default: this month, Vietnam time).
    pub month: Option<String>,
    /// Rows per procedure (default) or per official who received the dossiers.
    pub by: Option<TimelinessBy>,
}

/// Builds the timeliness report for whoever may read the unit's reports.
pub async fn timeliness_report(
    state: &AppState,
    u: &CurrentUser,
    q: &TimelinessQuery,
) -> Result<TimelinessReport, WebError> {
    let month = parse_month(q.month.as_deref())?;
    if !u.role().can_read_unit_reports() {
        return Err(WebError::Forbidden);
    }
    let unit = state.unit_for(u, q.unit, Access::Read).await?;
    let by = q.by.unwrap_or(TimelinessBy::Procedure);
    Ok(TimelinessReport::build(&state.store, &unit, month, by).await?)
}

/// Dossier timeliness for a unit subtree and month: early, on time, late, open and overdue,
/// on-time rate and online share, per procedure or per official.
#[utoipa::path(get, path = "/api/v1/reports/timeliness", tag = "reports", params(TimelinessQuery), security(("session_token" = [])),
    responses((status = 200, body = TimelinessReport), (status = 400), (status = 403)))]
async fn report_timeliness(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<TimelinessQuery>,
) -> Result<Json<TimelinessReport>, WebError> {
    Ok(Json(timeliness_report(&state, &u, &q).await?))
}

/// Per-official monthly report: ballots, count and share of each level, satisfaction rate with
/// its 95% Wilson interval; flagged ratings excluded and counted.
#[utoipa::path(get, path = "/api/v1/reports/officials", tag = "reports", params(ReportQuery), security(("session_token" = [])),
    responses((status = 200, body = OfficialMonthReport), (status = 400), (status = 403)))]
async fn report_officials(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> Result<JsonBody<OfficialMonthReport>, WebError> {
    Ok(JsonBody(official_report(&state, &u, &q).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct FlagBody {
    /// Why the rating is misuse; empty or null clears the flag.
    pub reason: Option<String>,
}

/// Flags a rating as misuse (it stays stored, and reports exclude and count it).
#[utoipa::path(post, path = "/api/v1/ratings/{id}/flag", tag = "ratings", request_body = FlagBody, security(("session_token" = [])),
    responses((status = 204), (status = 403), (status = 404)))]
async fn flag_rating(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<FlagBody>,
) -> Result<StatusCode, WebError> {
    let unit = state.store.rating_unit(id).await?;
    state.check_unit(&u, unit, Access::Write).await?;
    state
        .store
        .rating_flag(id, b.reason.as_deref(), Some(u.user.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
