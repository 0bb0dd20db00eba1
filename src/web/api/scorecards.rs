//! Score cards and scoring models in the JSON API. The builders and checks here are also what
//! the pages call, so a card, an entry right or a model refusal is decided once.
//!
//! Who enters points (Circular 01/2018: self-assessed by the unit, appraised by the level
//! above): a leader enters the self-assessed column for any unit of their subtree, and the
//! appraised column only for units below their own; an inspector (the appraising body) enters
//! the appraised column within their subtree; an administrator enters either, anywhere.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use crate::domain::Msg;
use crate::domain::period::Period;
use crate::domain::role::Role;
use crate::domain::scoring::{ModelKind, ScoringError, ScoringModel, default_models};
use crate::domain::time::{Millis, Month};
use crate::report::scorecard::{Scorecard, check_changes};
use crate::store::scoring::{EntryChange, EntryColumn, ModelVersionInfo, StoredModel};
use crate::store::units::Unit;
use crate::web::AppState;
use crate::web::auth::{Access, CurrentUser};
use crate::web::error::WebError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(scorecard))
        .routes(routes!(enter))
        .routes(routes!(models))
        .routes(routes!(model, save))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ScorecardQuery {
    /// The unit (default: the caller's unit).
    pub unit: Option<i64>,
    /// "2026-Q4", "2026-11", "2026" or "2026-01..2026-05" (default: this quarter for a Circular
    /// 01 model, this month otherwise).
    pub period: Option<String>,
    /// The model's key (default: the Decision 766 model, "qd766").
    pub model: Option<String>,
    /// A version of the model (default: the newest).
    pub version: Option<u32>,
}

/// The model shown when none is asked for: the first shipped one (Decision 766).
pub fn default_model_key() -> String {
    default_models()
        .into_iter()
        .next()
        .map(|m| m.key)
        .expect("the app ships scoring models")
}

/// A Circular 01 result is quarterly; other models follow the dashboard's month.
pub fn default_period(kind: ModelKind) -> Period {
    let m = Month::current();
    match kind {
        ModelKind::Circular01 => Period::quarter(m.year, m.month.div_ceil(3)).expect("valid"),
        ModelKind::Points => Period::month(m),
    }
}

fn period_or_default(p: Option<&str>, kind: ModelKind) -> Result<Period, WebError> {
    match p.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(default_period(kind)),
        Some(p) => p.parse().map_err(WebError::BadRequest),
    }
}

/// The unit, period and stored model a card is about, for whoever may read the unit's reports.
pub async fn resolve(
    state: &AppState,
    u: &CurrentUser,
    unit: Option<i64>,
    period: Option<&str>,
    model: Option<&str>,
    version: Option<u32>,
) -> Result<(Unit, Period, StoredModel), WebError> {
    if !u.role().can_read_unit_reports() {
        return Err(WebError::Forbidden);
    }
    let unit = state.unit_for(u, unit, Access::Read).await?;
    let key = model
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(String::from)
        .unwrap_or_else(default_model_key);
    let stored = state.store.scoring_model(&key, version).await?;
    let period = period_or_default(period, stored.model.kind)?;
    Ok((unit, period, stored))
}

/// Builds a unit's score card for whoever may read the unit's reports.
pub async fn build_scorecard(
    state: &AppState,
    u: &CurrentUser,
    q: &ScorecardQuery,
) -> Result<Scorecard, WebError> {
    let (unit, period, stored) = resolve(
        state,
        u,
        q.unit,
        q.period.as_deref(),
        q.model.as_deref(),
        q.version,
    )
    .await?;
    Ok(Scorecard::build(&state.store, &unit, period, &stored).await?)
}

/// The columns a person may enter for a unit (see the module's note).
pub async fn entry_columns(
    state: &AppState,
    u: &CurrentUser,
    unit: &Unit,
) -> Result<Vec<EntryColumn>, WebError> {
    let within = state.check_unit(u, unit.id, Access::Read).await.is_ok();
    Ok(match u.role() {
        Role::Admin => EntryColumn::ALL.to_vec(),
        Role::Leader if within => {
            let below_own = u.user.unit_id.is_some_and(|own| own != unit.id);
            let mut c = vec![EntryColumn::SelfAssessed];
            if below_own {
                c.push(EntryColumn::Appraised);
            }
            c
        }
        Role::Inspector if within => vec![EntryColumn::Appraised],
        _ => Vec::new(),
    })
}

/// Enters points for a unit, period and model (checked against the model version given, the
/// newest by default), after checking the person may write each column. Values equal to those
/// in force are not entered again, so the history records changes only.
pub async fn enter_points(
    state: &AppState,
    u: &CurrentUser,
    unit: &Unit,
    period: Period,
    stored: &StoredModel,
    changes: &[EntryChange],
) -> Result<usize, WebError> {
    let allowed = entry_columns(state, u, unit).await?;
    if changes.iter().any(|c| !allowed.contains(&c.column)) {
        return Err(WebError::Forbidden);
    }
    check_changes(&stored.model, changes).map_err(WebError::Unprocessable)?;
    let slug = period.slug();
    let current = state
        .store
        .scoring_entries(unit.id, &stored.model.key, &slug)
        .await?;
    let changed: Vec<EntryChange> = changes
        .iter()
        .filter(|c| {
            let now = current
                .iter()
                .find(|e| e.indicator == c.indicator && e.column == c.column)
                .map(|e| e.points);
            now != c.points
        })
        .cloned()
        .collect();
    if !changed.is_empty() {
        state
            .store
            .scoring_entries_set(unit.id, &stored.model.key, &slug, &changed, Some(u.user.id))
            .await?;
    }
    Ok(changed.len())
}

/// Why a model text was refused, with where (for an editor to point at): "" for the model
/// itself, "group", "group.indicator", "bands" or "bands.band".
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRefusal {
    pub at: String,
    pub msg: Msg,
}

/// Reads an edited model for `key`; nothing is stored here.
pub fn read_model(key: &str, json: &str) -> Result<ScoringModel, ModelRefusal> {
    let m = ScoringModel::parse(json).map_err(|e| ModelRefusal {
        at: match &e {
            ScoringError::Invalid { at, .. } | ScoringError::Input { at, .. } => at.clone(),
            ScoringError::Json(_) | ScoringError::WrongKind(_) => String::new(),
        },
        msg: e.msg().clone(),
    })?;
    if m.key != key {
        return Err(ModelRefusal {
            at: String::new(),
            msg: Msg::new(
                format!(
                    "Mã mô hình trong JSON ('{}') khác mô hình đang sửa ('{key}'): không đổi được mã",
                    m.key
                ),
                format!(
                    "The JSON's model key ('{}') is not the model being edited ('{key}'): keys cannot change",
                    m.key
                ),
            ),
        });
    }
    Ok(m)
}

/// Saves an edited model as a new version (administrators only).
pub async fn save_model(
    state: &AppState,
    u: &CurrentUser,
    key: &str,
    json: &str,
) -> Result<Result<u32, ModelRefusal>, WebError> {
    crate::web::auth::require_admin(u)?;
    let m = match read_model(key, json) {
        Ok(m) => m,
        Err(r) => return Ok(Err(r)),
    };
    Ok(Ok(state
        .store
        .scoring_model_save(&m, Some(u.user.id))
        .await?))
}

/// A unit's score card for a period under one version of a scoring model: every indicator with
/// its input value and n, rule, points, max and basis (measured, entered, no data), group
/// subtotals, the total and its band; for a Circular 01 model the nine rows in the computed,
/// self-assessed and appraised columns with each column's band.
#[utoipa::path(get, path = "/api/v1/scorecards", tag = "reports", params(ScorecardQuery), security(("session_token" = [])),
    responses((status = 200, body = Scorecard), (status = 400), (status = 403), (status = 404)))]
async fn scorecard(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<ScorecardQuery>,
) -> Result<Json<Scorecard>, WebError> {
    Ok(Json(build_scorecard(&state, &u, &q).await?))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct EntriesBody {
    pub unit: i64,
    /// The period the points are for ("2026-Q4").
    pub period: String,
    pub model: String,
    /// The version the points are checked against (default: the newest).
    pub version: Option<u32>,
    /// `points: null` clears a value.
    pub entries: Vec<EntryChange>,
}

/// Enters self-assessed or appraised points for a unit, period and model (leaders: the
/// self-assessed column in their subtree, the appraised one below their own unit; inspectors:
/// the appraised column in their subtree; administrators: both). Every change is kept with who
/// entered it and when. Answers with the card as it now stands.
#[utoipa::path(post, path = "/api/v1/scorecards/entries", tag = "reports", request_body = EntriesBody, security(("session_token" = [])),
    responses((status = 200, body = Scorecard), (status = 400), (status = 403), (status = 404), (status = 422)))]
async fn enter(
    State(state): State<AppState>,
    u: CurrentUser,
    ApiJson(body): ApiJson<EntriesBody>,
) -> Result<Json<Scorecard>, WebError> {
    let (unit, period, stored) = resolve(
        &state,
        &u,
        Some(body.unit),
        Some(&body.period),
        Some(&body.model),
        body.version,
    )
    .await?;
    enter_points(&state, &u, &unit, period, &stored, &body.entries).await?;
    Ok(Json(
        Scorecard::build(&state.store, &unit, period, &stored).await?,
    ))
}

/// Every version of every scoring model, newest version first within each model.
#[utoipa::path(get, path = "/api/v1/scoring-models", tag = "reports", security(("session_token" = [])),
    responses((status = 200, body = [ModelVersionInfo]), (status = 403)))]
async fn models(
    State(state): State<AppState>,
    u: CurrentUser,
) -> Result<Json<Vec<ModelVersionInfo>>, WebError> {
    if !u.role().can_read_unit_reports() {
        return Err(WebError::Forbidden);
    }
    Ok(Json(state.store.scoring_models().await?))
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct VersionQuery {
    /// Default: the newest.
    pub version: Option<u32>,
}

/// A stored version of a scoring model.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModelDetail {
    pub key: String,
    pub version: u32,
    pub latest_version: u32,
    pub created_by_name: Option<String>,
    pub created_at: Millis,
    /// The model as JSON (what the editor shows and `ScoringModel::parse` reads).
    pub definition: ScoringModel,
}

/// One version of a scoring model (the newest by default), as JSON.
#[utoipa::path(get, path = "/api/v1/scoring-models/{key}", tag = "reports", params(("key" = String, Path), VersionQuery), security(("session_token" = [])),
    responses((status = 200, body = ModelDetail), (status = 403), (status = 404)))]
async fn model(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(key): Path<String>,
    Query(q): Query<VersionQuery>,
) -> Result<Json<ModelDetail>, WebError> {
    if !u.role().can_read_unit_reports() {
        return Err(WebError::Forbidden);
    }
    let s = state.store.scoring_model(&key, q.version).await?;
    Ok(Json(ModelDetail {
        key: s.model.key.clone(),
        version: s.model.version,
        latest_version: s.latest_version,
        created_by_name: s.created_by_name,
        created_at: s.created_at,
        definition: s.model,
    }))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SavedVersion {
    pub key: String,
    pub version: u32,
}

/// Saves a new version of a model (administrators only). The body is the model's JSON; its
/// `version` is ignored: the new version is the newest + 1 and no version is ever overwritten.
/// A model that breaks a rule (groups not adding up to 100, a threshold outside (0, 1], …) is
/// refused with a message naming the place, and nothing is stored.
#[utoipa::path(post, path = "/api/v1/scoring-models/{key}", tag = "reports", params(("key" = String, Path)),
    request_body(content = Object, content_type = "application/json"), security(("session_token" = [])),
    responses((status = 201, body = SavedVersion), (status = 403), (status = 409), (status = 422)))]
async fn save(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(key): Path<String>,
    body: String,
) -> Result<(StatusCode, Json<SavedVersion>), WebError> {
    match save_model(&state, &u, &key, &body).await? {
        Ok(version) => Ok((StatusCode::CREATED, Json(SavedVersion { key, version }))),
        Err(r) => Err(WebError::Unprocessable(r.msg)),
    }
}
