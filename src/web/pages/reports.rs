//! The per-official monthly report as a page, CSV and XLSX: all three from one report value.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::{Ctx, Page, html};
use crate::domain::time::Month;
use crate::report::{OfficialMonthReport, export};
use crate::web::AppState;
use crate::web::api::{ReportQuery, official_report};
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
    let body = export::official_month_csv(&r)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file_name(&r, "csv")),
            ),
        ],
        body,
    )
        .into_response())
}

async fn xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let r = official_report(&state, ctx.user()?, &q).await?;
    let body = export::official_month_xlsx(&r)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file_name(&r, "xlsx")),
            ),
        ],
        body,
    )
        .into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/officials", get(page))
        .route("/reports/officials.csv", get(csv))
        .route("/reports/officials.xlsx", get(xlsx))
}
