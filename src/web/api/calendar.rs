//! The working calendar in the JSON API: holidays and make-up days (administrators change them,
//! every signed-in account reads them), units' working hours (administrators, or leaders within
//! their subtree, change them; everyone signed in reads them: they are posted at every desk), and
//! a due-date calculator.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use crate::domain::Msg;
use crate::domain::calendar::{DayKind, WorkingHours, parse_received};
use crate::domain::limit::TimeLimit;
use crate::domain::time::{Month, local_ms};
use crate::store::calendar::{CalendarDay, HoursSource, UnitHours};
use crate::web::AppState;
use crate::web::auth::{self, Access, CurrentUser};
use crate::web::error::WebError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_days))
        .routes(routes!(put_day, delete_day))
        .routes(routes!(get_hours, put_hours))
        .routes(routes!(due))
}

/// Parses a date from a path or form ("YYYY-MM-DD").
pub fn parse_day(s: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        WebError::bad(
            format!("Ngày '{s}' không hợp lệ (YYYY-MM-DD)"),
            format!("Invalid date '{s}' (YYYY-MM-DD)"),
        )
    })
}

fn parse_year(s: Option<&str>) -> Result<i32, WebError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Month::current().year),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=9998).contains(y))
            .ok_or_else(|| {
                WebError::bad(
                    format!("Năm không hợp lệ: '{y}'"),
                    format!("Invalid year: '{y}'"),
                )
            }),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[allow(dead_code)] // documents the query; read through a map to give our own errors
struct YearQuery {
    /// Year (default: the current year in Vietnam).
    year: Option<i32>,
}

/// Holidays and make-up working days of a year.
#[utoipa::path(get, path = "/api/v1/calendar/days", tag = "calendar", params(YearQuery), security(("session_token" = [])),
    responses((status = 200, body = Vec<CalendarDay>), (status = 400)))]
async fn list_days(
    State(state): State<AppState>,
    _u: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Vec<CalendarDay>>, WebError> {
    let year = parse_year(q.get("year").map(String::as_str))?;
    Ok(Json(state.store.calendar_days(year).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayBody {
    /// holiday (ngày nghỉ) or workday (ngày làm bù, Saturday or Sunday only)
    pub kind: DayKind,
    pub name_vi: String,
    pub name_en: String,
}

/// Lists a date as a holiday or make-up working day, replacing what was listed (administrators).
#[utoipa::path(put, path = "/api/v1/calendar/days/{date}", tag = "calendar", request_body = DayBody,
    params(("date" = String, Path, description = "YYYY-MM-DD")), security(("session_token" = [])),
    responses((status = 200, body = CalendarDay), (status = 400), (status = 403), (status = 422)))]
async fn put_day(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(date): Path<String>,
    ApiJson(b): ApiJson<DayBody>,
) -> Result<Json<CalendarDay>, WebError> {
    auth::require_admin(&u)?;
    let day = parse_day(&date)?;
    state
        .store
        .calendar_day_set(day, b.kind, &b.name_vi, &b.name_en, Some(u.user.id))
        .await?;
    let saved = state
        .store
        .calendar_day(day)
        .await?
        .ok_or_else(|| WebError::Internal(format!("calendar day {day} vanished")))?;
    Ok(Json(saved))
}

/// Removes a listed date: it becomes an ordinary day again (administrators).
#[utoipa::path(delete, path = "/api/v1/calendar/days/{date}", tag = "calendar",
    params(("date" = String, Path, description = "YYYY-MM-DD")), security(("session_token" = [])),
    responses((status = 204), (status = 400), (status = 403), (status = 404)))]
async fn delete_day(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(date): Path<String>,
) -> Result<StatusCode, WebError> {
    auth::require_admin(&u)?;
    let day = parse_day(&date)?;
    state
        .store
        .calendar_day_remove(day, Some(u.user.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkingHoursOut {
    pub unit_id: i64,
    /// The hours that apply, e.g. "07:00-11:30,13:30-17:00".
    pub hours: String,
    pub minutes_per_day: i64,
    /// The unit's own hours; null when it inherits.
    pub own: Option<String>,
    /// own, inherited or default
    pub source: String,
    /// The ancestor whose hours apply, when inherited.
    pub inherited_from: Option<i64>,
    pub inherited_from_name: Option<String>,
}

impl From<UnitHours> for WorkingHoursOut {
    fn from(h: UnitHours) -> Self {
        let (source, from, name) = match h.source {
            HoursSource::Own => ("own", None, None),
            HoursSource::Inherited { unit_id, unit_name } => {
                ("inherited", Some(unit_id), Some(unit_name))
            }
            HoursSource::Default => ("default", None, None),
        };
        WorkingHoursOut {
            unit_id: h.unit_id,
            hours: h.effective.to_string(),
            minutes_per_day: h.effective.minutes_per_day(),
            own: h.own.map(|o| o.to_string()),
            source: source.into(),
            inherited_from: from,
            inherited_from_name: name,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkingHoursBody {
    /// "07:00-11:30,13:30-17:00"; null to inherit from the parent unit (or the default).
    pub hours: Option<String>,
}

/// The working hours that apply to a unit, and where they come from.
#[utoipa::path(get, path = "/api/v1/units/{id}/working-hours", tag = "calendar", security(("session_token" = [])),
    responses((status = 200, body = WorkingHoursOut), (status = 404)))]
async fn get_hours(
    State(state): State<AppState>,
    _u: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<WorkingHoursOut>, WebError> {
    Ok(Json(state.store.unit_hours(id).await?.into()))
}

/// Sets or clears a unit's own working hours (administrators; leaders within their subtree).
#[utoipa::path(put, path = "/api/v1/units/{id}/working-hours", tag = "calendar", request_body = WorkingHoursBody,
    security(("session_token" = [])),
    responses((status = 200, body = WorkingHoursOut), (status = 403), (status = 404), (status = 422)))]
async fn put_hours(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<WorkingHoursBody>,
) -> Result<Json<WorkingHoursOut>, WebError> {
    state.unit_for(&u, Some(id), Access::Write).await?;
    let hours = match b.hours.as_deref() {
        Some(h) => Some(WorkingHours::parse(h).map_err(WebError::Unprocessable)?),
        None => None,
    };
    state
        .store
        .unit_hours_set(id, hours.as_ref(), Some(u.user.id))
        .await?;
    Ok(Json(state.store.unit_hours(id).await?.into()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[allow(dead_code)] // documents the query; read through a map to give our own errors
struct DueQuery {
    /// RFC 3339 ("2026-03-02T08:00:00+07:00") or Vietnam local time "YYYY-MM-DDTHH:MM".
    received_at: String,
    /// working_hours, working_days or calendar_days
    kind: String,
    /// How many hours or days (0–10000).
    value: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DueOut {
    pub unit_id: i64,
    pub limit: TimeLimit,
    /// The unit's working hours used.
    pub hours: String,
    /// Local times are Asia/Ho_Chi_Minh, "YYYY-MM-DDTHH:MM:SS"; *_ms are epoch milliseconds.
    pub received_at: String,
    pub received_at_ms: i64,
    pub clock_start: String,
    pub clock_start_ms: i64,
    pub due_at: String,
    pub due_at_ms: i64,
}

/// Reads the due-date query (shared with the /calendar page).
pub fn parse_due_query(
    received_at: Option<&str>,
    kind: Option<&str>,
    value: Option<&str>,
) -> Result<(chrono::NaiveDateTime, TimeLimit), WebError> {
    let missing = |vi: &str, en: &str| {
        WebError::bad(
            format!("Thiếu tham số {vi}"),
            format!("Missing parameter {en}"),
        )
    };
    let received = received_at
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("received_at", "received_at"))?;
    let received = parse_received(received).map_err(WebError::BadRequest)?;
    let kind = kind
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("kind", "kind"))?;
    let value = value
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("value", "value"))?;
    let value: i64 = value.trim().parse().map_err(|_| {
        WebError::BadRequest(Msg::new(
            format!("Thời hạn không hợp lệ: '{value}'"),
            format!("Invalid time limit: '{value}'"),
        ))
    })?;
    let limit = TimeLimit::from_parts(kind.trim(), value).map_err(WebError::BadRequest)?;
    Ok((received, limit))
}

fn local_text(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Computes when a dossier received at a unit is due: the clock start (next working instant)
/// and the due time under the unit's working hours and the holiday calendar.
#[utoipa::path(get, path = "/api/v1/units/{id}/due", tag = "calendar", params(DueQuery), security(("session_token" = [])),
    responses((status = 200, body = DueOut), (status = 400), (status = 404)))]
async fn due(
    State(state): State<AppState>,
    _u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<DueOut>, WebError> {
    let (received, limit) = parse_due_query(
        q.get("received_at").map(String::as_str),
        q.get("kind").map(String::as_str),
        q.get("value").map(String::as_str),
    )?;
    let cal = state.store.working_calendar(id).await?;
    let start = cal.clock_start(received);
    let due = cal.due_at(received, limit);
    Ok(Json(DueOut {
        unit_id: id,
        limit,
        hours: cal.hours.to_string(),
        received_at: local_text(received),
        received_at_ms: local_ms(received),
        clock_start: local_text(start),
        clock_start_ms: local_ms(start),
        due_at: local_text(due),
        due_at_ms: local_ms(due),
    }))
}
