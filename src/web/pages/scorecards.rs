//! Score card pages: a unit's card for a period with every component shown and the form to enter
//! points, its CSV and XLSX downloads, the list of scoring models and their versions, and a
//! model's JSON with the administrators' editor. Each reads the same builders as the API.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{Ctx, Page, XLSX, download, html, url_encode};
use crate::domain::Msg;
use crate::domain::msg::Lang;
use crate::domain::scoring::{Basis, Circular01Column, ModelKind, format_points};
use crate::report::scorecard::{EnteredPoints, Scorecard};
use crate::report::table;
use crate::store::scoring::{EntryChange, EntryColumn, ModelVersionInfo};
use crate::store::units::Unit;
use crate::web::AppState;
use crate::web::api::scorecards::{
    ModelRefusal, ScorecardQuery, build_scorecard, enter_points, entry_columns, resolve, save_model,
};
use crate::web::auth::CurrentUser;
use crate::web::error::WebError;

/// The query as pages receive it: empty fields from the toolbar form mean "default".
#[derive(Debug, Clone, Default, Deserialize)]
struct CardQuery {
    unit: Option<String>,
    period: Option<String>,
    model: Option<String>,
    version: Option<String>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl CardQuery {
    fn parse(&self) -> Result<ScorecardQuery, WebError> {
        let number = |s: &Option<String>, vi: &str, en: &str| -> Result<Option<i64>, WebError> {
            blank(s)
                .map(|v| {
                    v.parse::<i64>().map_err(|_| {
                        WebError::bad(
                            format!("{vi} không hợp lệ: '{v}'"),
                            format!("Invalid {en}: '{v}'"),
                        )
                    })
                })
                .transpose()
        };
        Ok(ScorecardQuery {
            unit: number(&self.unit, "Mã số đơn vị", "unit id")?,
            period: blank(&self.period).map(String::from),
            model: blank(&self.model).map(String::from),
            version: number(&self.version, "Phiên bản", "version")?
                .map(|v| u32::try_from(v).unwrap_or(u32::MAX)),
        })
    }
}

/// One key of the model picker.
struct ModelChoice {
    key: String,
    name: String,
}

#[derive(Template)]
#[template(path = "scorecard.html")]
struct CardPage {
    page: Page,
    c: Scorecard,
    /// unit=…&period=…&model=…&version=… for links and downloads.
    query: String,
    models: Vec<ModelChoice>,
    sub_units: Vec<Unit>,
    /// Columns this person may enter for this unit.
    can_self: bool,
    can_appraise: bool,
    error: Option<String>,
}

impl CardPage {
    fn lang(&self) -> Lang {
        self.page.lang
    }
    fn pts(&self, x: &f64) -> String {
        format_points(*x, self.lang())
    }
    fn opt_pts(&self, x: &Option<f64>) -> String {
        x.map(|x| format_points(x, self.lang()))
            .unwrap_or_else(|| "–".into())
    }
    fn pct(&self, v: &Option<f64>) -> String {
        self.page.pct(v)
    }
    /// A Circular 01 column's total, "–" while nothing is in it.
    fn col_total(&self, c: &Circular01Column) -> String {
        if c.present == 0 {
            "–".into()
        } else {
            self.pts(&c.total)
        }
    }
    fn msg(&self, m: &Msg) -> String {
        m.get(self.lang()).to_string()
    }
    fn name<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.page.t(vi, en)
    }
    fn basis(&self, b: &Basis) -> &'static str {
        match b {
            Basis::Measured => self.page.t("Tính từ dữ liệu", "Measured"),
            Basis::Entered => self.page.t("Nhập tay", "Entered"),
            Basis::NoData => self.page.t("Chưa có dữ liệu", "No data"),
        }
    }
    fn basis_key(&self, b: &Basis) -> &'static str {
        match b {
            Basis::Measured => "measured",
            Basis::Entered => "entered",
            Basis::NoData => "no_data",
        }
    }
    fn column(&self, c: &EntryColumn) -> String {
        c.label().get(self.lang()).to_string()
    }
    /// Where the computed value of Circular 01 row `number` comes from.
    fn source(&self, number: &u8) -> String {
        match self.c.sources.iter().find(|s| s.number == *number) {
            Some(s) => match s.from_column {
                Some(col) => format!(
                    "{} ({})",
                    self.basis(&s.basis),
                    col.label().get(self.lang()).to_lowercase()
                ),
                None => self.basis(&s.basis).to_string(),
            },
            None => String::new(),
        }
    }
    fn who(&self, e: &EnteredPoints) -> String {
        format!(
            "{} · {}",
            e.entered_by_name.clone().unwrap_or_else(|| "–".into()),
            self.page.fmt_time(&e.entered_at)
        )
    }
    /// The value to put back in an input: the points in force, written as typed.
    fn input(&self, e: &Option<EnteredPoints>) -> String {
        e.as_ref()
            .map(|e| {
                let s = e.points.to_string();
                if self.lang() == Lang::Vi {
                    s.replace('.', ",")
                } else {
                    s
                }
            })
            .unwrap_or_default()
    }
    /// Points in force, read-only.
    fn entered(&self, e: &Option<EnteredPoints>) -> String {
        self.opt_pts(&e.as_ref().map(|e| e.points))
    }
    fn ignored(&self) -> &Vec<String> {
        match self.lang() {
            Lang::Vi => &self.c.ignored_vi,
            Lang::En => &self.c.ignored_en,
        }
    }
    fn is_points(&self) -> bool {
        self.c.kind == ModelKind::Points
    }
    fn old_version(&self) -> bool {
        self.c.model_version < self.c.latest_version
    }
    fn can_enter(&self) -> bool {
        (self.can_self || self.can_appraise) && !self.c.manual.is_empty()
    }
}

async fn card_page(
    state: &AppState,
    ctx: &Ctx,
    q: &ScorecardQuery,
    error: Option<String>,
) -> Result<CardPage, WebError> {
    let u = ctx.user()?;
    let c = build_scorecard(state, u, q).await?;
    let unit = state.store.unit(c.unit_id).await?;
    let columns = entry_columns(state, u, &unit).await?;
    let mut models: Vec<ModelChoice> = Vec::new();
    for m in state.store.scoring_models().await? {
        // Versions come newest first: the first of a key names it.
        if !models.iter().any(|x| x.key == m.key) {
            models.push(ModelChoice {
                name: if ctx.lang == Lang::Vi {
                    m.name_vi
                } else {
                    m.name_en
                },
                key: m.key,
            });
        }
    }
    let mut query = format!(
        "unit={}&period={}&model={}",
        c.unit_id,
        url_encode(&c.period),
        url_encode(&c.model_key)
    );
    if q.version.is_some() {
        query.push_str(&format!("&version={}", c.model_version));
    }
    Ok(CardPage {
        page: ctx.page("Bảng điểm", "Score card", "scorecards"),
        query,
        models,
        sub_units: state.store.unit_children(Some(unit.id)).await?,
        can_self: columns.contains(&EntryColumn::SelfAssessed),
        can_appraise: columns.contains(&EntryColumn::Appraised),
        error,
        c,
    })
}

async fn scorecard(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CardQuery>,
) -> Result<Response, WebError> {
    let q = q.parse()?;
    Ok(html(&card_page(&state, &ctx, &q, None).await?).into_response())
}

fn file_name(c: &Scorecard, ext: &str) -> String {
    format!(
        "bang-diem-{}-v{}-{}-{}.{ext}",
        c.model_key, c.model_version, c.unit_code, c.period
    )
}

async fn scorecard_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CardQuery>,
) -> Result<Response, WebError> {
    let c = build_scorecard(&state, ctx.user()?, &q.parse()?).await?;
    Ok(download(
        table::csv(&c.table())?,
        "text/csv; charset=utf-8",
        file_name(&c, "csv"),
    ))
}

async fn scorecard_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CardQuery>,
) -> Result<Response, WebError> {
    let c = build_scorecard(&state, ctx.user()?, &q.parse()?).await?;
    Ok(download(
        table::xlsx(&c.title_lines(), &[c.table()])?,
        XLSX,
        file_name(&c, "xlsx"),
    ))
}

/// Points as typed: "1,5" (Vietnamese) or "1.5"; empty clears.
fn parse_points(field: &str, v: &str) -> Result<Option<f64>, WebError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|p| p.is_finite())
        .map(Some)
        .ok_or_else(|| {
            WebError::Unprocessable(Msg::new(
                format!("Điểm '{v}' của '{field}' không phải là số"),
                format!("The points '{v}' for '{field}' are not a number"),
            ))
        })
}

/// The entry form: unit, period, model, version and one field per indicator and column,
/// named "self_assessed.KEY" or "appraised.KEY".
fn read_entries(form: &[(String, String)]) -> Result<(CardQuery, Vec<EntryChange>), WebError> {
    let mut q = CardQuery::default();
    let mut changes = Vec::new();
    for (k, v) in form {
        match k.as_str() {
            "unit" => q.unit = Some(v.clone()),
            "period" => q.period = Some(v.clone()),
            "model" => q.model = Some(v.clone()),
            "version" => q.version = Some(v.clone()),
            _ => {
                if let Some((col, key)) = k.split_once('.')
                    && let Some(column) = EntryColumn::parse(col)
                {
                    changes.push(EntryChange {
                        indicator: key.to_string(),
                        column,
                        points: parse_points(key, v)?,
                    });
                }
            }
        }
    }
    Ok((q, changes))
}

fn refusal(e: &WebError, lang: Lang) -> Option<String> {
    match e {
        WebError::BadRequest(m) | WebError::Unprocessable(m) | WebError::Conflict(m) => {
            Some(m.get(lang).to_string())
        }
        _ => None,
    }
}

async fn enter(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let (raw, changes) = read_entries(&form)?;
    let q = raw.parse()?;
    let (unit, period, stored) = resolve(
        &state,
        u,
        q.unit,
        q.period.as_deref(),
        q.model.as_deref(),
        q.version,
    )
    .await?;
    match enter_points(&state, u, &unit, period, &stored, &changes).await {
        Ok(_) => {
            let mut to = format!(
                "/scorecards?unit={}&period={}&model={}",
                unit.id,
                url_encode(&period.slug()),
                url_encode(&stored.model.key)
            );
            if q.version.is_some() {
                to.push_str(&format!("&version={}", stored.model.version));
            }
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => match refusal(&e, ctx.lang) {
            Some(msg) => {
                let page = card_page(&state, &ctx, &q, Some(msg)).await?;
                Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
            }
            None => Err(e),
        },
    }
}

#[derive(Template)]
#[template(path = "scoring_models.html")]
struct ModelsPage {
    page: Page,
    versions: Vec<ModelVersionInfo>,
}

impl ModelsPage {
    fn kind(&self, k: &ModelKind) -> &'static str {
        match k {
            ModelKind::Points => self.page.t("Thang 100 điểm", "100 points"),
            ModelKind::Circular01 => self.page.t(
                "Thông tư 01/2018 (9 chỉ số, 18 điểm)",
                "Circular 01/2018 (9 indicators, 18 points)",
            ),
        }
    }
}

fn reader(u: &CurrentUser) -> Result<(), WebError> {
    if u.role().can_read_unit_reports() {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

async fn models(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    reader(ctx.user()?)?;
    Ok(html(&ModelsPage {
        page: ctx.page("Mô hình chấm điểm", "Scoring models", "scorecards"),
        versions: state.store.scoring_models().await?,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "scoring_model.html")]
struct ModelPage {
    page: Page,
    key: String,
    name: String,
    version: u32,
    latest_version: u32,
    created_by_name: Option<String>,
    created_at: i64,
    /// The stored JSON of the version shown.
    json: String,
    /// What the editor holds: the stored JSON, or the refused text to correct.
    draft: String,
    versions: Vec<ModelVersionInfo>,
    can_edit: bool,
    refused: Option<ModelRefusal>,
    saved: Option<u32>,
}

impl ModelPage {
    fn msg_vi(&self) -> String {
        self.refused
            .as_ref()
            .map(|r| r.msg.vi.clone())
            .unwrap_or_default()
    }
    fn msg_en(&self) -> String {
        self.refused
            .as_ref()
            .map(|r| r.msg.en.clone())
            .unwrap_or_default()
    }
    fn at(&self) -> String {
        self.refused
            .as_ref()
            .map(|r| r.at.clone())
            .unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
struct ModelQuery {
    version: Option<String>,
    saved: Option<String>,
}

async fn model_page(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    version: Option<u32>,
    refused: Option<(ModelRefusal, String)>,
    saved: Option<u32>,
) -> Result<ModelPage, WebError> {
    let u = ctx.user()?;
    reader(u)?;
    let s = state.store.scoring_model(key, version).await?;
    let json = s.model.to_json();
    let versions = state
        .store
        .scoring_models()
        .await?
        .into_iter()
        .filter(|v| v.key == key)
        .collect();
    let (refused, draft) = match refused {
        Some((r, text)) => (Some(r), text),
        None => (None, json.clone()),
    };
    Ok(ModelPage {
        page: ctx.page("Mô hình chấm điểm", "Scoring model", "scorecards"),
        key: key.to_string(),
        name: if ctx.lang == Lang::Vi {
            s.model.name_vi.clone()
        } else {
            s.model.name_en.clone()
        },
        version: s.model.version,
        latest_version: s.latest_version,
        created_by_name: s.created_by_name,
        created_at: s.created_at,
        json,
        draft,
        versions,
        can_edit: u.role() == crate::domain::role::Role::Admin,
        refused,
        saved,
    })
}

async fn model(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(key): Path<String>,
    Query(q): Query<ModelQuery>,
) -> Result<Response, WebError> {
    let num = |s: &Option<String>| blank(s).and_then(|v| v.parse::<u32>().ok());
    let page = model_page(&state, &ctx, &key, num(&q.version), None, num(&q.saved)).await?;
    Ok(html(&page).into_response())
}

#[derive(Deserialize)]
struct ModelForm {
    #[serde(default)]
    json: String,
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(key): Path<String>,
    Form(f): Form<ModelForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    match save_model(&state, u, &key, &f.json).await? {
        Ok(v) => Ok(Redirect::to(&format!(
            "/scorecards/models/{}?saved={v}",
            url_encode(&key)
        ))
        .into_response()),
        Err(r) => {
            let page = model_page(&state, &ctx, &key, None, Some((r, f.json)), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/scorecards", get(scorecard))
        .route("/scorecards.csv", get(scorecard_csv))
        .route("/scorecards.xlsx", get(scorecard_xlsx))
        .route("/scorecards/entries", post(enter))
        .route("/scorecards/models", get(models))
        .route("/scorecards/models/{key}", get(model).post(save))
}
