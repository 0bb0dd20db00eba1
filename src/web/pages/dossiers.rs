//! The desk's dossier pages: list and overdue list, intake with the printed receipt (Mẫu 01)
//! and its QR code, a dossier's detail with its actions, and the public look-up.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::officials::fixable;
use super::{Ctx, Page, html};
use crate::domain::dossier::{Action, IntakeChannel, ReturnMethod, Status};
use crate::domain::msg::Lang;
use crate::domain::time::{format_local, now_ms};
use crate::store::dossiers::{ActInput, Dossier, IntakeInput};
use crate::store::procedures::ProcedureFilter;
use crate::web::AppState;
use crate::web::auth::{Access, ClientIp};
use crate::web::dossiers::{check_desk, desk_unit, public_status, secret_bytes};
use crate::web::error::WebError;

const DAY_MS: i64 = 86_400_000;

fn opt_time(t: Option<i64>) -> String {
    t.map(format_local).unwrap_or_else(|| "–".into())
}

struct Row {
    id: i64,
    code: String,
    procedure: String,
    applicant: String,
    status: &'static str,
    received: String,
    due: String,
    days_overdue: i64,
}

#[derive(Template)]
#[template(path = "dossiers.html")]
struct ListPage {
    page: Page,
    unit_id: i64,
    unit_name: String,
    overdue: bool,
    can_write: bool,
    rows: Vec<Row>,
}

#[derive(Deserialize)]
struct ListQuery {
    unit: Option<i64>,
    #[serde(default)]
    overdue: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let unit_id = desk_unit(&state, u, q.unit).await?;
    let unit = state.store.unit(unit_id).await?;
    let overdue = q.overdue.is_some_and(|v| !v.is_empty() && v != "0");
    let now = now_ms();
    let dossiers = if overdue {
        state.store.dossiers_overdue(unit_id, now).await?
    } else {
        state.store.dossiers_list(unit_id, None, 200, 0).await?
    };
    let lang = ctx.lang;
    let rows = dossiers
        .into_iter()
        .map(|d| Row {
            days_overdue: d
                .due_at
                .map_or(0, |due| ((now - due).max(0) + DAY_MS - 1) / DAY_MS),
            id: d.id,
            code: d.code,
            procedure: d.procedure_name,
            applicant: d.applicant_name,
            status: d.status.label(lang),
            received: opt_time(d.received_at),
            due: opt_time(d.due_at),
        })
        .collect();
    Ok(html(&ListPage {
        page: ctx.page("Hồ sơ thủ tục hành chính", "Dossiers", "dossiers"),
        can_write: check_desk(&state, u, unit_id, Access::Write).await.is_ok(),
        unit_id,
        unit_name: unit.name,
        overdue,
        rows,
    }))
}

#[derive(Deserialize, Default)]
struct IntakeForm {
    #[serde(default)]
    unit: Option<i64>,
    #[serde(default)]
    procedure: i64,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    applicant_name: String,
    #[serde(default)]
    applicant_phone: String,
    #[serde(default)]
    applicant_id_number: String,
    #[serde(default)]
    applicant_address: String,
    #[serde(default)]
    documents: String,
    #[serde(default)]
    return_method: String,
}

#[derive(Template)]
#[template(path = "dossier_new.html")]
struct IntakePage {
    page: Page,
    unit_id: i64,
    unit_name: String,
    /// (id, code, name)
    procedures: Vec<(i64, String, String)>,
    form: IntakeForm,
    error: Option<String>,
}

async fn intake_page(
    state: &AppState,
    ctx: &Ctx,
    unit_id: i64,
    form: IntakeForm,
    error: Option<String>,
) -> Result<Html<String>, WebError> {
    let unit = state.store.unit(unit_id).await?;
    let procedures = state
        .store
        .procedures_list(&ProcedureFilter {
            per_page: 500,
            ..ProcedureFilter::default()
        })
        .await?
        .items
        .into_iter()
        .map(|p| (p.id, p.code, p.name))
        .collect();
    Ok(html(&IntakePage {
        page: ctx.page("Tiếp nhận hồ sơ", "Receive a dossier", "dossiers"),
        unit_id,
        unit_name: unit.name,
        procedures,
        form,
        error,
    }))
}

async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let unit_id = desk_unit(&state, u, q.unit).await?;
    check_desk(&state, u, unit_id, Access::Write).await?;
    let form = IntakeForm {
        channel: "in_person".into(),
        return_method: "desk".into(),
        ..IntakeForm::default()
    };
    intake_page(&state, &ctx, unit_id, form, None).await
}

async fn new_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<IntakeForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let unit_id = desk_unit(&state, u, f.unit).await?;
    check_desk(&state, u, unit_id, Access::Write).await?;
    let channel = match f.channel.as_str() {
        "post" => IntakeChannel::Post,
        _ => IntakeChannel::InPerson,
    };
    let input = IntakeInput {
        unit_id,
        procedure_id: f.procedure,
        channel,
        applicant_name: f.applicant_name.clone(),
        applicant_phone: f.applicant_phone.clone(),
        applicant_id_number: f.applicant_id_number.clone(),
        applicant_address: f.applicant_address.clone(),
        documents: f
            .documents
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        return_method: ReturnMethod::parse(&f.return_method).unwrap_or(ReturnMethod::Desk),
        received_by: u.user.official_id,
        counter_id: None,
        user_id: Some(u.user.id),
    };
    match state
        .store
        .dossier_intake(&input, now_ms(), secret_bytes())
        .await
    {
        Ok(created) => {
            Ok(Redirect::to(&format!("/dossiers/{}/receipt", created.id)).into_response())
        }
        Err(e) => {
            let msg = fixable(e.into(), ctx.lang)?;
            let page = intake_page(&state, &ctx, unit_id, f, Some(msg)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "dossier.html")]
struct DetailPage {
    page: Page,
    d: Dossier,
    status: &'static str,
    channel: &'static str,
    limit: String,
    received: String,
    due: String,
    return_method: &'static str,
    can_write: bool,
    /// (action name, label)
    actions: Vec<(String, &'static str)>,
    /// (when, step, official, note)
    history: Vec<(String, String, String, String)>,
    /// Inter-agency steps (liên thông), if any.
    steps: Vec<super::dossier_steps::StepRow>,
    error: Option<String>,
}

fn limit_label(d: &Dossier, lang: Lang) -> String {
    if lang == Lang::Vi {
        d.time_limit.label_vi()
    } else {
        d.time_limit.label_en()
    }
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    error: Option<String>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let d = state.store.dossier(id).await?;
    check_desk(state, u, d.unit_id, Access::Read).await?;
    let lang = ctx.lang;
    let can_write = check_desk(state, u, d.unit_id, Access::Write).await.is_ok();
    let actions = Action::ALL
        .into_iter()
        .filter(|a| a.apply(d.status).is_ok())
        .map(|a| {
            (
                serde_json::to_value(a)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                a.label(lang),
            )
        })
        .collect();
    let history = state
        .store
        .dossier_events(id)
        .await?
        .into_iter()
        .map(|e| {
            let step = Status::from_code(e.to_status)
                .map(|s| s.label(lang).to_string())
                .unwrap_or_default();
            let step = if let Some(label) = step_event_label(&e.action, lang) {
                label.to_string()
            } else if e.action == "apology" {
                format!(
                    "{} → {}",
                    if lang == Lang::Vi {
                        "Thư xin lỗi, hẹn lại"
                    } else {
                        "Apology, new date"
                    },
                    opt_time(e.new_due_at)
                )
            } else {
                step
            };
            (
                format_local(e.at),
                step,
                e.official_name.unwrap_or_default(),
                e.note,
            )
        })
        .collect();
    let steps =
        super::dossier_steps::step_rows(&state.store.dossier_steps(id, now_ms()).await?, lang);
    Ok(html(&DetailPage {
        page: ctx.page(
            &format!("Hồ sơ {}", d.code),
            &format!("Dossier {}", d.code),
            "dossiers",
        ),
        status: d.status.label(lang),
        channel: d.channel.label(lang),
        limit: limit_label(&d, lang),
        received: opt_time(d.received_at),
        due: opt_time(d.due_at),
        return_method: d.return_method.label(lang),
        can_write,
        actions,
        history,
        steps,
        error,
        d,
    }))
}

/// History lines that do not change the status: inter-agency hand-overs and imports.
fn step_event_label(action: &str, lang: Lang) -> Option<&'static str> {
    let (vi, en) = match action {
        "hand_over" => ("Chuyển liên thông", "Inter-agency hand-over"),
        "step_finish" => ("Xong bước liên thông", "Inter-agency step finished"),
        "import" => ("Nhập từ dữ liệu cũ", "Imported from past records"),
        _ => return None,
    };
    Some(if lang == Lang::Vi { vi } else { en })
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Html<String>, WebError> {
    detail_page(&state, &ctx, id, None).await
}

#[derive(Deserialize)]
struct ActForm {
    action: String,
    #[serde(default)]
    note: String,
}

async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let d = state.store.dossier(id).await?;
    check_desk(&state, u, d.unit_id, Access::Write).await?;
    let action: Action = serde_json::from_value(serde_json::Value::String(f.action))
        .map_err(|_| WebError::bad("Thao tác không hợp lệ", "Unknown action"))?;
    let input = ActInput {
        action,
        note: f.note,
        return_method: None,
        official_id: u.user.official_id,
        user_id: Some(u.user.id),
        at: now_ms(),
    };
    match state.store.dossier_act(id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/dossiers/{id}")).into_response()),
        Err(e) => {
            let msg = fixable(e.into(), ctx.lang)?;
            let page = detail_page(&state, &ctx, id, Some(msg)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "dossier_receipt.html")]
struct ReceiptPage {
    d: Dossier,
    qr_svg: String,
    lookup_url: String,
    channel: &'static str,
    limit: String,
    received: String,
    due: String,
    return_method: &'static str,
    received_by: String,
}

/// The QR code on the receipt: an SVG drawn here, so the receipt prints without the network.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(140, 140)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

async fn receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let d = state.store.dossier(id).await?;
    check_desk(&state, u, d.unit_id, Access::Read).await?;
    let base = state.settings.public_url.trim_end_matches('/').to_string();
    let lookup_url = format!("{base}/lookup?code={}&secret={}", d.code, d.lookup_secret);
    Ok(html(&ReceiptPage {
        qr_svg: qr_svg(&lookup_url),
        channel: d.channel.label(Lang::Vi),
        limit: limit_label(&d, Lang::Vi),
        received: opt_time(d.received_at.or(Some(d.registered_at))),
        due: opt_time(d.due_at),
        return_method: d.return_method.label(Lang::Vi),
        received_by: d.received_by_name.clone().unwrap_or_default(),
        lookup_url: format!("{base}/lookup"),
        d,
    }))
}

#[derive(Deserialize)]
struct LookupQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    secret: String,
}

#[derive(Template)]
#[template(path = "lookup.html")]
struct LookupPage {
    page: Page,
    code: String,
    secret: String,
    status: Option<crate::web::dossiers::PublicStatus>,
    error: Option<String>,
}

/// The public look-up: anyone with the receipt's code and secret, no account.
async fn lookup(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Query(q): Query<LookupQuery>,
) -> Result<Response, WebError> {
    let mut page = LookupPage {
        page: ctx.page("Tra cứu hồ sơ", "Dossier look-up", "lookup"),
        code: q.code.trim().to_string(),
        secret: q.secret.trim().to_string(),
        status: None,
        error: None,
    };
    if page.code.is_empty() || page.secret.is_empty() {
        return Ok(html(&page).into_response());
    }
    match public_status(&state, &ip, &page.code, &page.secret, ctx.lang).await {
        Ok(s) => {
            page.status = Some(s);
            Ok(html(&page).into_response())
        }
        Err(e @ (WebError::NotFound(_) | WebError::TooMany { .. })) => {
            let status = match &e {
                WebError::TooMany { .. } => axum::http::StatusCode::TOO_MANY_REQUESTS,
                _ => axum::http::StatusCode::NOT_FOUND,
            };
            page.error = Some(fixable_any(&e, ctx.lang));
            Ok((status, html(&page)).into_response())
        }
        Err(e) => Err(e),
    }
}

fn fixable_any(e: &WebError, lang: Lang) -> String {
    match e {
        WebError::NotFound(m) | WebError::TooMany { msg: m, .. } => m.get(lang).to_string(),
        _ => String::new(),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dossiers", get(list))
        .route("/dossiers/new", get(new_form).post(new_submit))
        .route("/dossiers/{id}", get(detail))
        .route("/dossiers/{id}/act", post(act))
        .route("/dossiers/{id}/receipt", get(receipt))
        .route("/lookup", get(lookup))
}
