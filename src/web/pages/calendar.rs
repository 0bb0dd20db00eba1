//! The working calendar page: a year's holidays and make-up working days (administrators edit
//! them, every signed-in account reads them), a unit's working hours (administrators, or leaders
//! within their subtree, edit them) and a due-date calculator.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::{Ctx, Page, html};
use crate::domain::calendar::{DayKind, WorkingHours};
use crate::domain::msg::Lang;
use crate::domain::time::Month;
use crate::store::calendar::HoursSource;
use crate::store::units::Unit;
use crate::web::AppState;
use crate::web::api::calendar::{parse_day, parse_due_query};
use crate::web::auth::{self, Access};
use crate::web::error::WebError;

struct DayView {
    day: NaiveDate,
    date: String,
    weekday: &'static str,
    holiday: bool,
    kind: &'static str,
    name: String,
    other_name: String,
}

struct DueView {
    clock_start: String,
    due_at: String,
    limit: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    page: Page,
    year: i32,
    days: Vec<DayView>,
    can_edit_days: bool,
    unit: Option<Unit>,
    hours: String,
    own_hours: String,
    hours_source: String,
    can_edit_hours: bool,
    error: Option<String>,
    form: DayForm,
    due_received: String,
    due_kind: String,
    due_value: String,
    due: Option<DueView>,
    due_error: Option<String>,
}

#[derive(Deserialize, Default)]
struct CalendarQuery {
    year: Option<String>,
    unit: Option<String>,
    unit_code: Option<String>,
    received_at: Option<String>,
    kind: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct DayForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name_vi: String,
    #[serde(default)]
    name_en: String,
}

#[derive(Deserialize)]
struct HoursForm {
    unit_id: String,
    #[serde(default)]
    hours: String,
    /// Checkbox: drop the unit's own hours and inherit.
    inherit: Option<String>,
}

fn weekday(d: NaiveDate, lang: Lang) -> &'static str {
    let i = d.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Vi => [
            "Thứ Hai",
            "Thứ Ba",
            "Thứ Tư",
            "Thứ Năm",
            "Thứ Sáu",
            "Thứ Bảy",
            "Chủ nhật",
        ][i],
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
    }
}

fn bad_input(e: &WebError, lang: Lang) -> Option<String> {
    match e {
        WebError::BadRequest(m)
        | WebError::Unprocessable(m)
        | WebError::Conflict(m)
        | WebError::NotFound(m) => Some(m.get(lang).to_string()),
        _ => None,
    }
}

fn parse_id(s: &str) -> Result<i64, WebError> {
    s.trim().parse().map_err(|_| {
        WebError::bad(
            format!("Mã số đơn vị không hợp lệ: '{s}'"),
            format!("Invalid unit id: '{s}'"),
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

/// Builds the page; `error` and `form` come back from a refused change.
async fn build(
    state: &AppState,
    ctx: &Ctx,
    q: &CalendarQuery,
    error: Option<String>,
    form: DayForm,
) -> Result<CalendarPage, WebError> {
    let u = ctx.user()?;
    let lang = ctx.lang;
    let year = parse_year(q.year.as_deref())?;
    let unit = match (
        q.unit_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty()),
        q.unit.as_deref().filter(|s| !s.trim().is_empty()),
    ) {
        (Some(code), _) => Some(state.store.unit_by_code(code).await?.ok_or_else(|| {
            WebError::not_found(
                format!("Không có đơn vị mã {code}"),
                format!("No unit with code {code}"),
            )
        })?),
        (None, Some(id)) => Some(state.store.unit(parse_id(id)?).await?),
        // A fresh installation has no unit yet: the holidays still show.
        (None, None) => match state.home_unit(u).await {
            Ok(unit) => Some(unit),
            Err(WebError::NotFound(_)) => None,
            Err(e) => return Err(e),
        },
    };
    let (mut hours, mut own_hours, mut hours_source, mut can_edit_hours) =
        (String::new(), String::new(), String::new(), false);
    if let Some(unit) = &unit {
        let h = state.store.unit_hours(unit.id).await?;
        hours = h.effective.to_string();
        own_hours = h.own.as_ref().map(|o| o.to_string()).unwrap_or_default();
        hours_source = match (&h.source, lang) {
            (HoursSource::Own, Lang::Vi) => "giờ riêng của đơn vị".into(),
            (HoursSource::Own, Lang::En) => "the unit's own hours".into(),
            (HoursSource::Inherited { unit_name, .. }, Lang::Vi) => {
                format!("theo đơn vị cấp trên: {unit_name}")
            }
            (HoursSource::Inherited { unit_name, .. }, Lang::En) => {
                format!("inherited from {unit_name}")
            }
            (HoursSource::Default, Lang::Vi) => "giờ làm việc chung".into(),
            (HoursSource::Default, Lang::En) => "the default hours".into(),
        };
        can_edit_hours = state.check_unit(u, unit.id, Access::Write).await.is_ok();
    }
    let days = state
        .store
        .calendar_days(year)
        .await?
        .into_iter()
        .map(|d| DayView {
            day: d.day,
            date: d.day.format("%d/%m/%Y").to_string(),
            weekday: weekday(d.day, lang),
            holiday: d.kind == DayKind::Holiday,
            kind: if lang == Lang::Vi {
                d.kind.label_vi()
            } else {
                d.kind.label_en()
            },
            name: if lang == Lang::Vi {
                d.name_vi.clone()
            } else {
                d.name_en.clone()
            },
            other_name: if lang == Lang::Vi {
                d.name_en
            } else {
                d.name_vi
            },
        })
        .collect();
    let (mut due, mut due_error) = (None, None);
    if let Some(unit) = unit.as_ref().filter(|_| q.received_at.is_some()) {
        match parse_due_query(
            q.received_at.as_deref(),
            q.kind.as_deref(),
            q.value.as_deref(),
        ) {
            Ok((received, limit)) => {
                let cal = state.store.working_calendar(unit.id).await?;
                let show = |t: chrono::NaiveDateTime| {
                    format!("{} {}", weekday(t.date(), lang), t.format("%d/%m/%Y %H:%M"))
                };
                due = Some(DueView {
                    clock_start: show(cal.clock_start(received)),
                    due_at: show(cal.due_at(received, limit)),
                    limit: if lang == Lang::Vi {
                        limit.label_vi()
                    } else {
                        limit.label_en()
                    },
                });
            }
            Err(e) => due_error = bad_input(&e, lang).or(Some(e.to_string())),
        }
    }
    Ok(CalendarPage {
        page: ctx.page(
            "Lịch làm việc, ngày nghỉ",
            "Working calendar and holidays",
            "calendar",
        ),
        year,
        days,
        can_edit_days: u.role() == crate::domain::role::Role::Admin,
        unit,
        hours,
        own_hours,
        hours_source,
        can_edit_hours,
        error,
        form,
        due_received: q.received_at.clone().unwrap_or_default(),
        due_kind: q.kind.clone().unwrap_or_else(|| "working_days".to_string()),
        due_value: q.value.clone().unwrap_or_default(),
        due,
        due_error,
    })
}

async fn calendar(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, WebError> {
    let page = build(&state, &ctx, &q, None, DayForm::default()).await?;
    let status = if page.due_error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, html(&page)).into_response())
}

/// Re-renders the page with the refusal when a change was bad input; other errors pass.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    q: CalendarQuery,
    form: DayForm,
    e: WebError,
) -> Result<Response, WebError> {
    let Some(msg) = bad_input(&e, ctx.lang) else {
        return Err(e);
    };
    let page = build(state, ctx, &q, Some(msg), form).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
}

async fn set_day(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<DayForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    auth::require_admin(u)?;
    let result = async {
        let day = parse_day(&f.day)?;
        let kind = DayKind::parse(&f.kind).ok_or_else(|| {
            WebError::bad(
                "Loại ngày không hợp lệ (ngày nghỉ hoặc ngày làm bù)",
                "Invalid kind of day (holiday or make-up working day)",
            )
        })?;
        state
            .store
            .calendar_day_set(day, kind, &f.name_vi, &f.name_en, Some(u.user.id))
            .await?;
        Ok::<_, WebError>(day)
    }
    .await;
    match result {
        Ok(day) => Ok(Redirect::to(&format!("/calendar?year={}", day.year())).into_response()),
        Err(e) => {
            let year = parse_day(&f.day).ok().map(|d| d.year().to_string());
            let q = CalendarQuery {
                year,
                ..CalendarQuery::default()
            };
            refused(&state, &ctx, q, f, e).await
        }
    }
}

async fn remove_day(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(date): Path<String>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    auth::require_admin(u)?;
    let result = async {
        let day = parse_day(&date)?;
        state
            .store
            .calendar_day_remove(day, Some(u.user.id))
            .await?;
        Ok::<_, WebError>(day)
    }
    .await;
    match result {
        Ok(day) => Ok(Redirect::to(&format!("/calendar?year={}", day.year())).into_response()),
        Err(e) => {
            refused(
                &state,
                &ctx,
                CalendarQuery::default(),
                DayForm::default(),
                e,
            )
            .await
        }
    }
}

async fn set_hours(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<HoursForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let id = parse_id(&f.unit_id)?;
    state.unit_for(u, Some(id), Access::Write).await?;
    let result = async {
        let hours = if f.inherit.is_some() {
            None
        } else {
            Some(WorkingHours::parse(&f.hours).map_err(WebError::Unprocessable)?)
        };
        state
            .store
            .unit_hours_set(id, hours.as_ref(), Some(u.user.id))
            .await?;
        Ok::<_, WebError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/calendar?unit={id}")).into_response()),
        Err(e) => {
            let q = CalendarQuery {
                unit: Some(id.to_string()),
                ..CalendarQuery::default()
            };
            refused(&state, &ctx, q, DayForm::default(), e).await
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(calendar))
        .route("/calendar/days", post(set_day))
        .route("/calendar/days/{date}/delete", post(remove_day))
        .route("/calendar/hours", post(set_hours))
}
