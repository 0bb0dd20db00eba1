//! "My results" (kết quả của tôi): an official's own month (ballots, count and share of each
//! level, satisfaction rate with its 95% Wilson interval) and the last 12 months. Leaders,
//! inspectors and administrators open it for an official of their subtree.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::{Ctx, Page, html};
use crate::domain::role::Role;
use crate::domain::time::Month;
use crate::report::OfficialMonthReport;
use crate::report::official_month::{LevelColumn, OfficialRow};
use crate::store::officials::Official;
use crate::store::reports::ReportOfficial;
use crate::store::units::Unit;
use crate::web::AppState;
use crate::web::api::parse_month;
use crate::web::auth::{Access, CurrentUser};
use crate::web::error::WebError;

/// How many months the history table shows, the chosen one included.
const HISTORY_MONTHS: usize = 12;

#[derive(Deserialize)]
struct MeQuery {
    month: Option<String>,
    official: Option<i64>,
    unit: Option<i64>,
}

/// One official's figures for one month (flagged ratings excluded and counted).
async fn month_row(
    state: &AppState,
    o: &Official,
    unit: &Unit,
    month: Month,
) -> Result<(Vec<LevelColumn>, OfficialRow), WebError> {
    let counts = state
        .store
        .official_own_counts(o.id, crate::domain::period::month_key(month))
        .await?;
    let who = ReportOfficial {
        id: o.id,
        code: o.code.clone(),
        full_name: o.full_name.clone(),
        title: o.title.clone(),
        unit_name: o.unit_name.clone(),
        unit_code: unit.code.clone(),
        unit_id: unit.id,
        active: o.active,
        // Only the total row is read below, so the listing rules do not matter here.
        created_at: 0,
    };
    let r = OfficialMonthReport::assemble(
        unit,
        month,
        state.settings.min_n,
        &[(Some(o.id), counts)],
        vec![who],
    );
    // All counts are this official's, so the total is their row (present even when inactive).
    let mut row = r.total;
    row.official_id = Some(o.id);
    row.below_min_n = row.ballots < r.min_n;
    Ok((r.levels, row))
}

struct History {
    month: Month,
    row: OfficialRow,
}

#[derive(Template)]
#[template(path = "me_results.html")]
struct ResultsPage {
    page: Page,
    o: Official,
    month: Month,
    levels: Vec<LevelColumn>,
    row: OfficialRow,
    min_n: u64,
    history: Vec<History>,
    own: bool,
}

impl ResultsPage {
    fn pct(&self, v: &Option<f64>) -> String {
        self.page.pct(v)
    }
    fn level_label<'a>(&self, l: &'a LevelColumn) -> &'a str {
        if self.page.is_vi() {
            &l.label_vi
        } else {
            &l.label_en
        }
    }
}

#[derive(Template)]
#[template(path = "me_pick.html")]
struct PickPage {
    page: Page,
    unit: Unit,
    officials: Vec<Official>,
    month: Month,
}

/// The official whose results are asked for, if the user may read them.
async fn target(
    state: &AppState,
    u: &CurrentUser,
    asked: Option<i64>,
) -> Result<Option<Official>, WebError> {
    let id = match (asked, u.user.official_id) {
        (Some(id), _) => id,
        (None, Some(own)) => own,
        (None, None) => return Ok(None),
    };
    let o = state.store.official(id).await?;
    if u.user.official_id != Some(id) {
        if u.role() == Role::Official {
            return Err(WebError::Forbidden);
        }
        state.check_unit(u, o.unit_id, Access::Read).await?;
    }
    Ok(Some(o))
}

async fn results(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MeQuery>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let month = parse_month(q.month.as_deref())?;
    let Some(o) = target(&state, u, q.official).await? else {
        // Not an official: choose one of the subtree.
        let unit = state.unit_for(u, q.unit, Access::Read).await?;
        let officials = state.store.officials_in_subtree(unit.id, "").await?;
        return Ok(html(&PickPage {
            page: ctx.page("Kết quả đánh giá của cán bộ", "An official's results", "me"),
            unit,
            officials,
            month,
        })
        .into_response());
    };
    let unit = state.store.unit(o.unit_id).await?;
    let (levels, row) = month_row(&state, &o, &unit, month).await?;
    let mut history = Vec::with_capacity(HISTORY_MONTHS);
    let mut m = month;
    for _ in 0..HISTORY_MONTHS {
        let (_, r) = month_row(&state, &o, &unit, m).await?;
        history.push(History { month: m, row: r });
        m = m.prev();
    }
    let own = u.user.official_id == Some(o.id);
    let (vi, en) = if own {
        ("Kết quả đánh giá của tôi", "My results")
    } else {
        ("Kết quả đánh giá của cán bộ", "An official's results")
    };
    let page: Html<String> = html(&ResultsPage {
        page: ctx.page(vi, en, "me"),
        o,
        month,
        levels,
        row,
        min_n: state.settings.min_n,
        history,
        own,
    });
    Ok(page.into_response())
}

pub fn router() -> Router<AppState> {
    Router::new().route("/me/results", get(results))
}
