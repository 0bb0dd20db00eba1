//! The per-official monthly report as a page, CSV and XLSX: all three from one report value.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use axum::routing::get;

use super::{Ctx, Page, XLSX, download, html};
use crate::domain::time::Month;
use crate::report::timeliness::{TimelinessBy, TimelinessReport};
use crate::report::{OfficialMonthReport, export};
use crate::web::AppState;
use crate::web::api::{ReportQuery, TimelinessQuery, official_report, timeliness_report};
use crate::web::error::WebError;

#[derive(Template)]
#[template(path = "report_officials.html")]
struct ReportPage {
    page: Page,
    r: OfficialMonthReport,
    month: Month,
    units: Vec<crate::store::units::Unit>,
    query: String,
}

impl ReportPage {
    fn share(&self, v: &Option<f64>) -> String {
        self.page.pct(v)
    }
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReportQuery>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let r = official_report(&state, u, &q).await?;
    let month: Month = r.month.parse().map_err(|e: String| WebError::Internal(e))?;
    // Sub-units to drill into.
    let units = state.store.unit_children(Some(r.unit_id)).await?;
    let query = format!("unit={}&month={}", r.unit_id, r.month);
    Ok(html(&ReportPage {
        page: ctx.page(
            "Kết quả đánh giá cán bộ theo tháng",
            "Monthly results per official",
            "report",
        ),
        r,
        month,
        units,
        query,
    }))
}

fn file_name(r: &OfficialMonthReport, ext: &str) -> String {
    format!("danh-gia-can-bo-{}-{}.{ext}", r.unit_code, r.month)
}

async fn csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let r = official_report(&state, ctx.user()?, &q).await?;
    Ok(download(
        export::official_month_csv(&r)?,
        "text/csv; charset=utf-8",
        file_name(&r, "csv"),
    ))
}

async fn xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let r = official_report(&state, ctx.user()?, &q).await?;
    Ok(download(
        export::official_month_xlsx(&r)?,
        XLSX,
        file_name(&r, "xlsx"),
    ))
}

#[derive(Template)]
#[template(path = "report_timeliness.html")]
struct TimelinessPage {
    page: Page,
    r: TimelinessReport,
    month: Month,
    units: Vec<crate::store::units::Unit>,
    query: String,
    by_official: bool,
    by_unit: bool,
}

impl TimelinessPage {
    fn share(&self, v: &Option<f64>) -> String {
        self.page.pct(v)
    }
}

fn by_param(by: TimelinessBy) -> &'static str {
    match by {
        TimelinessBy::Procedure => "procedure",
        TimelinessBy::Official => "official",
        TimelinessBy::Unit => "unit",
    }
}

async fn timeliness_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TimelinessQuery>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let r = timeliness_report(&state, u, &q).await?;
    let month: Month = r.month.parse().map_err(|e: String| WebError::Internal(e))?;
    let units = state.store.unit_children(Some(r.unit_id)).await?;
    let query = format!("unit={}&month={}&by={}", r.unit_id, r.month, by_param(r.by));
    Ok(html(&TimelinessPage {
        page: ctx.page("Tình hình giải quyết hồ sơ", "Dossier timeliness", "report"),
        by_official: r.by == TimelinessBy::Official,
        by_unit: r.by == TimelinessBy::Unit,
        r,
        month,
        units,
        query,
    }))
}

async fn timeliness_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TimelinessQuery>,
) -> Result<Response, WebError> {
    let r = timeliness_report(&state, ctx.user()?, &q).await?;
    let name = format!("tien-do-ho-so-{}-{}.csv", r.unit_code, r.month);
    Ok(download(
        export::timeliness_csv(&r)?,
        "text/csv; charset=utf-8",
        name,
    ))
}

async fn timeliness_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TimelinessQuery>,
) -> Result<Response, WebError> {
    let r = timeliness_report(&state, ctx.user()?, &q).await?;
    let name = format!("tien-do-ho-so-{}-{}.xlsx", r.unit_code, r.month);
    Ok(download(export::timeliness_xlsx(&r)?, XLSX, name))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/timeliness", get(timeliness_page))
        .route("/reports/timeliness.csv", get(timeliness_csv))
        .route("/reports/timeliness.xlsx", get(timeliness_xlsx))
        .route("/reports/officials", get(page))
        .route("/reports/officials.csv", get(csv))
        .route("/reports/officials.xlsx", get(xlsx))
}
