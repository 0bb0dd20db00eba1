//! Dashboards and rankings in the JSON API. The builders here are also what the pages and the
//! downloads call, so a figure is computed once whichever way it is read.

use crate::web::json::JsonBody;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::period::Period;
use crate::domain::role::Role;
use crate::domain::time::Month;
use crate::report::dashboard::Dashboard;
use crate::report::ranking::{Ranking, RankingOf};
use crate::web::AppState;
use crate::web::auth::{Access, CurrentUser};
use crate::web::error::WebError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(dashboard))
        .routes(routes!(ranking))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct DashboardQuery {
    /// The unit (default: the caller's unit).
    pub unit: Option<i64>,
    /// "2026-11", "2026-Q4", "2026" or "2026-01..2026-05" (default: this month).
    pub period: Option<String>,
    /// Ballots below which a row is greyed and unranked (default: the server's setting, 30).
    pub min_n: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct RankingQuery {
    /// The unit whose sub-units, communes or officials are ranked (default: the caller's unit;
    /// for administrators, the whole country).
    pub unit: Option<i64>,
    /// sub_units, communes (default) or officials.
    pub of: Option<RankingOf>,
    pub period: Option<String>,
    pub min_n: Option<u64>,
}

pub fn parse_period(p: Option<&str>) -> Result<Period, WebError> {
    match p.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(Period::month(Month::current())),
        Some(p) => p.parse().map_err(WebError::BadRequest),
    }
}

fn min_n(state: &AppState, asked: Option<u64>) -> Result<u64, WebError> {
    match asked {
        None => Ok(state.settings.min_n),
        Some(n) if (1..=100_000).contains(&n) => Ok(n),
        Some(_) => Err(WebError::bad(
            "Số phiếu tối thiểu phải từ 1 đến 100.000",
            "The minimum n must be between 1 and 100,000",
        )),
    }
}

/// Builds a unit's dashboard for whoever may read the unit's reports.
pub async fn build_dashboard(
    state: &AppState,
    u: &CurrentUser,
    q: &DashboardQuery,
) -> Result<Dashboard, WebError> {
    let period = parse_period(q.period.as_deref())?;
    let min_n = min_n(state, q.min_n)?;
    if !u.role().can_read_unit_reports() {
        return Err(WebError::Forbidden);
    }
    let unit = state.unit_for(u, q.unit, Access::Read).await?;
    Ok(Dashboard::build(&state.store, &unit, period, min_n).await?)
}

/// Builds a ranking for whoever may read the unit's reports; administrators without a unit
/// rank the whole country.
pub async fn build_ranking(
    state: &AppState,
    u: &CurrentUser,
    q: &RankingQuery,
) -> Result<Ranking, WebError> {
    let period = parse_period(q.period.as_deref())?;
    let min_n = min_n(state, q.min_n)?;
    if !u.role().can_read_unit_reports() {
        return Err(WebError::Forbidden);
    }
    let of = q.of.unwrap_or(RankingOf::Communes);
    let root = match (q.unit, u.role()) {
        (None, Role::Admin) if of != RankingOf::Officials => None,
        (id, _) => Some(state.unit_for(u, id, Access::Read).await?),
    };
    Ok(Ranking::build(&state.store, root.as_ref(), of, period, min_n).await?)
}

/// A unit's dashboard for a period: satisfaction with n and 95% Wilson interval (and a year
/// earlier), answers per question, counters with response rates, dossier timeliness and online
/// share, 24-month trends, the hour-of-week pattern, sub-units and officials.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "reports", params(DashboardQuery), security(("session_token" = [])),
    responses((status = 200, body = Dashboard), (status = 400), (status = 403)))]
async fn dashboard(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<DashboardQuery>,
) -> Result<JsonBody<Dashboard>, WebError> {
    Ok(JsonBody(build_dashboard(&state, &u, &q).await?))
}

/// Sub-units, communes or officials ranked by the lower bound of the 95% Wilson interval;
/// rows below the minimum n unranked; rows that cannot be told apart share a band.
#[utoipa::path(get, path = "/api/v1/rankings", tag = "reports", params(RankingQuery), security(("session_token" = [])),
    responses((status = 200, body = Ranking), (status = 400), (status = 403)))]
async fn ranking(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<RankingQuery>,
) -> Result<JsonBody<Ranking>, WebError> {
    Ok(JsonBody(build_ranking(&state, &u, &q).await?))
}
