//! Leaders' pages: a unit's dashboard, rankings, the printable monthly report, and the public
//! results page. Each reads the same report value as the API and the downloads.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use axum::routing::get;

use super::{Ctx, Page, XLSX, download, html};
use crate::domain::period::Period;
use crate::domain::scale::Level;
use crate::domain::time::Month;
use crate::report::OfficialMonthReport;
use crate::report::dashboard::{Dashboard, trend_label};
use crate::report::figures::{DossierFigures, Satisfaction};
use crate::report::ranking::Ranking;
use crate::report::table;
use crate::web::AppState;
use crate::web::api::dashboards::{
    DashboardQuery, RankingQuery, build_dashboard, build_ranking, parse_period,
};
use crate::web::charts::{
    self, Category, Heatmap, IntervalPlot, IntervalRow, LineChart, Series, StackedBars, YAxis,
};
use crate::web::error::WebError;

/// "Rất hài lòng" … "Rất không hài lòng" in the order the figures store them reversed.
fn level_categories() -> Vec<Category> {
    let labels: Vec<&str> = Level::ALL
        .iter()
        .map(|l| l.label(crate::domain::msg::Lang::Vi))
        .collect();
    Category::ramp(&labels)
}

fn level_row(label: &str, s: &Satisfaction) -> (String, Vec<u64>) {
    (label.to_string(), s.levels.iter().rev().copied().collect())
}

fn trend_chart(d: &Dashboard, target: Option<(f64, String)>) -> String {
    let x: Vec<String> = d.trend.iter().map(|t| trend_label(&t.month)).collect();
    let ok = |s: &Satisfaction| s.ballots >= d.min_n;
    line_chart_of(
        "Diễn biến 24 tháng",
        x,
        vec![
            Series {
                label: "Tỷ lệ hài lòng".into(),
                points: d
                    .trend
                    .iter()
                    .map(|t| t.satisfaction.rate.filter(|_| ok(&t.satisfaction)))
                    .collect(),
                band: Some(
                    d.trend
                        .iter()
                        .map(|t| match (t.satisfaction.low, t.satisfaction.high) {
                            (Some(l), Some(h)) if ok(&t.satisfaction) => Some((l, h)),
                            _ => None,
                        })
                        .collect(),
                ),
                dashed: false,
            },
            Series {
                label: "Đúng hạn".into(),
                points: d.trend.iter().map(|t| t.dossiers.on_time_rate).collect(),
                band: None,
                dashed: true,
            },
            Series {
                label: "Trực tuyến".into(),
                points: d.trend.iter().map(|t| t.dossiers.online_share).collect(),
                band: None,
                dashed: true,
            },
        ],
        target,
    )
}

fn line_chart_of(
    title: &str,
    x_labels: Vec<String>,
    series: Vec<Series>,
    target: Option<(f64, String)>,
) -> String {
    charts::line_chart(&LineChart {
        title: title.into(),
        x_labels,
        series,
        y: YAxis::Percent,
        target,
    })
}

fn questions_chart(d: &Dashboard) -> String {
    let mut rows = vec![level_row("Đánh giá chung", &d.satisfaction)];
    rows.extend(
        d.questions
            .iter()
            .map(|q| level_row(&q.label_vi, &q.satisfaction)),
    );
    charts::stacked_bars(&StackedBars {
        title: "Phiếu theo mức độ".into(),
        categories: level_categories(),
        rows,
    })
}

fn clock_chart(d: &Dashboard) -> String {
    // Monday first, as Vietnamese calendars are laid out; working hours 7:00–17:59.
    let days: [u8; 7] = [1, 2, 3, 4, 5, 6, 0];
    let hours: Vec<u8> = (7..=17).collect();
    let cells = days
        .iter()
        .map(|wd| {
            hours
                .iter()
                .map(|h| {
                    d.clock
                        .iter()
                        .find(|c| c.weekday == *wd && c.hour == *h)
                        .filter(|c| c.ballots > 0)
                        .map(|c| (c.satisfied as f64 / c.ballots as f64, c.ballots))
                })
                .collect()
        })
        .collect();
    charts::heatmap(&Heatmap {
        title: "Tỷ lệ hài lòng theo giờ trong tuần".into(),
        row_labels: ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]
            .map(String::from)
            .to_vec(),
        col_labels: hours.iter().map(|h| format!("{h}h")).collect(),
        cells,
        min_n: d.min_n.min(10),
    })
}

fn interval_chart(title: &str, rows: &[crate::report::ranking::RankRow]) -> String {
    charts::interval_plot(&IntervalPlot {
        title: title.into(),
        // Rows too small to rank are listed in the table; the chart shows those ranked when
        // there are any, so that the picture is of what can be compared.
        rows: rows
            .iter()
            .filter(|r| !r.below_min_n || rows.iter().all(|r| r.below_min_n))
            .take(60)
            .map(|r| IntervalRow {
                label: match r.rank {
                    Some(n) => format!("{n}. {}", r.name),
                    None => r.name.clone(),
                },
                rate: r.satisfaction.rate,
                low: r.satisfaction.low,
                high: r.satisfaction.high,
                n: r.satisfaction.ballots,
                greyed: r.below_min_n,
                band: r.band,
            })
            .collect(),
        target: None,
        auto_zoom: true,
    })
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: Page,
    d: Dashboard,
    query: String,
    trend_svg: String,
    questions_svg: String,
    clock_svg: String,
    sub_units_svg: String,
    prev: String,
    next: String,
    targets: crate::report::targets::TargetStatus,
}

impl DashboardPage {
    fn pct(&self, v: &Option<f64>) -> String {
        self.page.pct(v)
    }
    fn n(&self, v: &u64) -> String {
        charts::fmt_count(*v)
    }
    fn interval(&self, s: &Satisfaction) -> String {
        match (s.low, s.high) {
            (Some(l), Some(h)) => {
                format!("{} – {}", self.page.pct(&Some(l)), self.page.pct(&Some(h)))
            }
            _ => "–".into(),
        }
    }
    fn on_time(&self, d: &DossierFigures) -> String {
        self.page.pct(&d.on_time_rate)
    }
}

/// The periods either side of this one, of the same length.
fn neighbours(p: Period) -> (Period, Period) {
    let len = p.len_months();
    let shift = |m: Month, back: bool| {
        let mut m = m;
        for _ in 0..len {
            m = if back { m.prev() } else { m.next() };
        }
        m
    };
    (
        Period {
            first: shift(p.first, true),
            last: shift(p.last, true),
        },
        Period {
            first: shift(p.first, false),
            last: shift(p.last, false),
        },
    )
}

async fn dashboard_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DashboardQuery>,
) -> Result<Html<String>, WebError> {
    let d = build_dashboard(&state, ctx.user()?, &q).await?;
    let period: Period = d
        .period
        .parse()
        .map_err(|_| WebError::Internal("period".into()))?;
    let (prev, next) = neighbours(period);
    let sub_rows = crate::report::ranking::rank(
        d.sub_units
            .iter()
            .map(|s| crate::report::ranking::RankRow {
                rank: None,
                band: None,
                band_positions: None,
                id: s.unit.id,
                code: s.unit.code.clone(),
                name: s.unit.name.clone(),
                place: String::new(),
                satisfaction: s.satisfaction,
                below_min_n: true,
            })
            .collect(),
        d.min_n,
    );
    let targets = crate::report::targets::TargetStatus::for_dashboard(&state.store, &d).await?;
    Ok(html(&DashboardPage {
        page: ctx.page("Bảng điều hành", "Dashboard", "dashboard"),
        query: format!("unit={}&period={}&min_n={}", d.unit_id, d.period, d.min_n),
        trend_svg: trend_chart(&d, targets.chart_target()),
        targets,
        questions_svg: questions_chart(&d),
        clock_svg: clock_chart(&d),
        sub_units_svg: if sub_rows.is_empty() {
            String::new()
        } else {
            interval_chart(
                "Đơn vị trực thuộc: tỷ lệ hài lòng và khoảng tin cậy 95%",
                &sub_rows,
            )
        },
        prev: prev.slug(),
        next: next.slug(),
        d,
    }))
}

async fn dashboard_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, WebError> {
    let d = build_dashboard(&state, ctx.user()?, &q).await?;
    let body = table::xlsx(&d.title_lines(), &d.tables())?;
    Ok(download(
        body,
        XLSX,
        format!("bang-dieu-hanh-{}-{}.xlsx", d.unit_code, d.period),
    ))
}

async fn dashboard_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(name): Path<String>,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, WebError> {
    let key = name.strip_suffix(".csv").unwrap_or(&name);
    let d = build_dashboard(&state, ctx.user()?, &q).await?;
    let t = d
        .tables()
        .into_iter()
        .find(|t| t.key == key)
        .ok_or_else(|| {
            WebError::not_found(
                format!("Không có bảng '{key}'"),
                format!("No table '{key}'"),
            )
        })?;
    Ok(download(
        table::csv(&t)?,
        "text/csv; charset=utf-8",
        format!("{}-{}-{}.csv", t.key, d.unit_code, d.period),
    ))
}

#[derive(Template)]
#[template(path = "rankings.html")]
struct RankingPage {
    page: Page,
    r: Ranking,
    query: String,
    chart: String,
    of: &'static str,
}

impl RankingPage {
    fn pct(&self, v: &Option<f64>) -> String {
        self.page.pct(v)
    }
}

async fn ranking_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RankingQuery>,
) -> Result<Html<String>, WebError> {
    let r = build_ranking(&state, ctx.user()?, &q).await?;
    let unit = r.unit_id.map(|u| format!("unit={u}&")).unwrap_or_default();
    Ok(html(&RankingPage {
        page: ctx.page("Xếp hạng", "Rankings", "rankings"),
        query: format!(
            "{unit}of={}&period={}&min_n={}",
            r.of.as_str(),
            r.period,
            r.min_n
        ),
        chart: interval_chart("Tỷ lệ hài lòng và khoảng tin cậy 95%", &r.rows),
        of: r.of.as_str(),
        r,
    }))
}

fn ranking_name(r: &Ranking, ext: &str) -> String {
    format!(
        "xep-hang-{}-{}-{}.{ext}",
        r.of.as_str(),
        r.unit_id
            .map(|u| u.to_string())
            .unwrap_or_else(|| "toan-quoc".into()),
        r.period
    )
}

async fn ranking_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RankingQuery>,
) -> Result<Response, WebError> {
    let r = build_ranking(&state, ctx.user()?, &q).await?;
    Ok(download(
        table::csv(&r.table())?,
        "text/csv; charset=utf-8",
        ranking_name(&r, "csv"),
    ))
}

async fn ranking_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RankingQuery>,
) -> Result<Response, WebError> {
    let r = build_ranking(&state, ctx.user()?, &q).await?;
    Ok(download(
        table::xlsx(&r.title_lines(), &[r.table()])?,
        XLSX,
        ranking_name(&r, "xlsx"),
    ))
}

#[derive(Template)]
#[template(path = "report_monthly.html")]
struct MonthlyPage {
    page: Page,
    d: Dashboard,
    officials: OfficialMonthReport,
    month: Month,
    trend_svg: String,
    today: String,
}

impl MonthlyPage {
    fn pct(&self, v: &Option<f64>) -> String {
        self.page.pct(v)
    }
}

#[derive(serde::Deserialize)]
struct MonthlyQuery {
    unit: Option<i64>,
    month: Option<String>,
}

/// The monthly report a leader files upward: printable on A4, with the national heading,
/// the figures, the per-official table and room for the signature.
async fn monthly_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MonthlyQuery>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let month = crate::web::api::parse_month(q.month.as_deref())?;
    let d = build_dashboard(
        &state,
        u,
        &DashboardQuery {
            unit: q.unit,
            period: Some(month.to_string()),
            min_n: None,
        },
    )
    .await?;
    let unit = state.store.unit(d.unit_id).await?;
    let officials = OfficialMonthReport::build(&state.store, &unit, month, d.min_n).await?;
    let today = crate::domain::time::local_time(crate::domain::time::now_ms()).date();
    Ok(html(&MonthlyPage {
        page: ctx.page("Báo cáo tháng", "Monthly report", "dashboard"),
        trend_svg: trend_chart(&d, None),
        today: format!(
            "ngày {:02} tháng {:02} năm {}",
            chrono::Datelike::day(&today),
            chrono::Datelike::month(&today),
            chrono::Datelike::year(&today)
        ),
        d,
        officials,
        month,
    }))
}

#[derive(Template)]
#[template(path = "public_results.html")]
struct PublicPage {
    page: Page,
    d: Option<Dashboard>,
    units: Vec<crate::store::units::Unit>,
    parent: Option<crate::store::units::Unit>,
    period: String,
    period_label: String,
}

impl PublicPage {
    fn pct(&self, v: &Option<f64>) -> String {
        self.page.pct(v)
    }
}

#[derive(serde::Deserialize)]
struct PublicQuery {
    period: Option<String>,
}

/// Public results (công khai, seed 004): a unit's satisfaction, on-time rate and online share,
/// its sub-units, and officials with enough ballots to be judged. No account needed; no
/// personal data of citizens; nobody below the minimum n.
async fn public_results(
    State(state): State<AppState>,
    ctx: Ctx,
    unit: Option<Path<i64>>,
    Query(q): Query<PublicQuery>,
) -> Result<Html<String>, WebError> {
    let period = parse_period(q.period.as_deref())?;
    let (d, units, parent) = match unit {
        None => (None, state.store.unit_children(None).await?, None),
        Some(Path(id)) => {
            let unit = state.store.unit(id).await?;
            let mut d = Dashboard::build(&state.store, &unit, period, state.settings.min_n).await?;
            // Officials appear only with enough ballots; counters and the hour pattern stay
            // internal.
            d.officials
                .retain(|o| !o.below_min_n && o.official_id.is_some());
            d.counters.clear();
            d.clock.clear();
            let parent = match unit.parent_id {
                Some(p) => Some(state.store.unit(p).await?),
                None => None,
            };
            (Some(d), Vec::new(), parent)
        }
    };
    Ok(html(&PublicPage {
        page: ctx.page("Công khai kết quả đánh giá", "Published results", "public"),
        d,
        units,
        parent,
        period: period.slug(),
        period_label: period.label_vi(),
    }))
}

async fn public_unit(
    state: State<AppState>,
    ctx: Ctx,
    id: Path<i64>,
    q: Query<PublicQuery>,
) -> Result<Html<String>, WebError> {
    public_results(state, ctx, Some(id), q).await
}

async fn public_index(
    state: State<AppState>,
    ctx: Ctx,
    q: Query<PublicQuery>,
) -> Result<Html<String>, WebError> {
    public_results(state, ctx, None, q).await
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard_page))
        .route("/dashboard.xlsx", get(dashboard_xlsx))
        .route("/dashboard/{table}", get(dashboard_csv))
        .route("/rankings", get(ranking_page))
        .route("/rankings.csv", get(ranking_csv))
        .route("/rankings.xlsx", get(ranking_xlsx))
        .route("/reports/monthly", get(monthly_report))
        .route("/public/results", get(public_index))
        .route("/public/results/{unit}", get(public_unit))
}
