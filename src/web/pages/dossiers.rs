//! The desk's dossier pages: list and overdue list, intake with the printed receipt (Mẫu 01)
//! and its QR code, a dossier's detail with its actions, and the public look-up.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::officials::fixable;
use super::{Ctx, Page, html, opt_time};
use crate::domain::Msg;
use crate::domain::dossier::{Action, IntakeChannel, ReturnMethod, Status};
use crate::domain::form::{AnswerInput, FormDefinition};
use crate::domain::msg::Lang;
use crate::domain::procedure::OnlineLevel;
use crate::domain::time::{format_local, now_ms};
use crate::store::dossiers::{ActInput, Dossier, DossierCreated, IntakeInput};
use crate::store::procedures::ProcedureFilter;
use crate::web::AppState;
use crate::web::auth::{Access, ClientIp};
use crate::web::dossiers::{
    DossierRatingBody, OnlineBody, check_desk, desk_unit, public_status, rate_dossier,
    rating_closed, register, secret_bytes,
};
use crate::web::error::WebError;
use axum::http::StatusCode;

const DAY_MS: i64 = 86_400_000;

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
    actions: Vec<(&'static str, &'static str)>,
    /// (when, step, official, note)
    history: Vec<(String, String, String, String)>,
    /// Printable letters this dossier has: (kind, label).
    notices: Vec<(&'static str, &'static str)>,
    /// Open and past its due time: the desk owes the citizen an apology with a new date.
    can_apologise: bool,
    evaluation: crate::domain::evaluation::DossierEvaluation,
    /// Inter-agency steps (liên thông), if any.
    steps: Vec<super::dossier_steps::StepRow>,
    error: Option<String>,
}

impl DetailPage {
    /// Once a step is handed over the plan is fixed.
    fn steps_started(&self) -> bool {
        self.steps.iter().any(|s| s.handed_over)
    }
}

fn limit_label(d: &Dossier, lang: Lang) -> String {
    if lang == Lang::Vi {
        d.time_limit.label_vi()
    } else {
        d.time_limit.label_en()
    }
}

pub(crate) async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    error: Option<String>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let d = state.store.dossier(id).await?;
    // The desk reads its dossiers; so do the agencies its inter-agency steps pass through.
    let step_list = state.store.dossier_steps(id, now_ms()).await?;
    crate::web::dossier_steps::check_steps_read(state, u, &d, &step_list).await?;
    let lang = ctx.lang;
    let can_write = check_desk(state, u, d.unit_id, Access::Write).await.is_ok();
    let actions = Action::ALL
        .into_iter()
        .filter(|a| a.apply(d.status).is_ok())
        .map(|a| (a.as_str(), a.label(lang)))
        .collect();
    let events = state.store.dossier_events(id).await?;
    let has = |action: &str| events.iter().any(|e| e.action == action);
    let mut notices = Vec::new();
    for (kind, action, vi, en) in [
        (
            "supplement",
            "request_supplement",
            "In phiếu yêu cầu bổ sung (Mẫu 02)",
            "Print the supplement request (form 02)",
        ),
        (
            "refusal",
            "refuse",
            "In phiếu từ chối (Mẫu 03)",
            "Print the refusal (form 03)",
        ),
        (
            "apology",
            "apology",
            "In thư xin lỗi (Mẫu 04)",
            "Print the apology (form 04)",
        ),
    ] {
        if has(action) {
            notices.push((kind, if lang == Lang::Vi { vi } else { en }));
        }
    }
    let can_apologise = !d.status.is_closed()
        && d.status != Status::ResultReady
        && d.due_at.is_some_and(|due| due < now_ms());
    let history = events
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
    let mut steps = super::dossier_steps::step_rows(&step_list, lang);
    // Offer each step's buttons only to those who may press them: the sending unit hands over,
    // the step's own unit finishes.
    for (row, s) in steps.iter_mut().zip(&step_list) {
        row.can_hand_over &= check_desk(state, u, s.from_unit_id, Access::Write)
            .await
            .is_ok();
        row.can_finish &= check_desk(state, u, s.unit_id, Access::Write).await.is_ok();
    }
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
        notices,
        can_apologise,
        evaluation: crate::web::dossiers::dossier_evaluation(state, &d, &step_list).await?,
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
    /// For returning the result: how it went back, when not as planned at intake.
    #[serde(default)]
    return_method: String,
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
    let action = Action::parse(&f.action)
        .ok_or_else(|| WebError::bad("Thao tác không hợp lệ", "Unknown action"))?;
    let input = ActInput {
        action,
        note: f.note,
        return_method: ReturnMethod::parse(&f.return_method),
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
    /// What the QR code holds: the public look-up (and from there the rating) of this dossier.
    qr_url: String,
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
        qr_url: lookup_url.clone(),
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
        Err(e) => match shown_error(&e, ctx.lang) {
            Some((status, text)) => {
                page.error = Some(text);
                Ok((status, html(&page)).into_response())
            }
            None => Err(e),
        },
    }
}

/// What a public page shows of an error the citizen can act on (wrong code or secret, too many
/// tries, a form to correct), with its status; other errors go to the error page.
fn shown_error(e: &WebError, lang: Lang) -> Option<(StatusCode, String)> {
    let (status, m) = match e {
        WebError::NotFound(m) => (StatusCode::NOT_FOUND, m),
        WebError::TooMany { msg, .. } => (StatusCode::TOO_MANY_REQUESTS, msg),
        WebError::Unprocessable(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
        _ => return None,
    };
    Some((status, m.get(lang).to_string()))
}

#[derive(Template)]
#[template(path = "rate.html")]
struct RatePage {
    page: Page,
    code: String,
    secret: String,
    key: String,
    procedure: String,
    form: Option<FormDefinition>,
    /// (level value, label), best first.
    levels: Vec<(i16, &'static str)>,
    done: bool,
    error: Option<String>,
}

async fn rate_page_for(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    secret: &str,
) -> Result<RatePage, WebError> {
    let mut page = RatePage {
        page: ctx.page("Đánh giá hồ sơ", "Rate your dossier", "lookup"),
        code: code.trim().to_string(),
        secret: secret.trim().to_string(),
        key: uuid::Uuid::new_v4().simple().to_string(),
        procedure: String::new(),
        form: None,
        levels: Vec::new(),
        done: false,
        error: None,
    };
    let Some(d) = state.store.dossier_by_receipt(code, secret).await? else {
        page.error = Some(
            Msg::new(
                "Không tìm thấy hồ sơ với mã và mã tra cứu này",
                "No dossier with this code and look-up secret",
            )
            .get(ctx.lang)
            .to_string(),
        );
        return Ok(page);
    };
    if let Some(why) = rating_closed(&d) {
        page.error = Some(why.get(ctx.lang).to_string());
        return Ok(page);
    }
    if state.store.dossier_rated(&d.code).await? {
        page.error = Some(
            Msg::new(
                "Hồ sơ này đã được đánh giá. Cảm ơn bạn!",
                "This dossier has already been rated. Thank you!",
            )
            .get(ctx.lang)
            .to_string(),
        );
        return Ok(page);
    }
    let form = state
        .store
        .form_for_counter(d.counter_id.unwrap_or(0))
        .await?;
    page.levels = form
        .definition
        .scale
        .levels()
        .iter()
        .map(|l| (l.value(), l.label(ctx.lang)))
        .collect();
    page.procedure = d.procedure_name;
    page.form = Some(form.definition);
    Ok(page)
}

/// The phone page opened from the receipt's QR code (via the look-up): one rating per dossier.
async fn rate_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LookupQuery>,
) -> Result<Html<String>, WebError> {
    Ok(html(
        &rate_page_for(&state, &ctx, &q.code, &q.secret).await?,
    ))
}

async fn rate_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let (mut code, mut secret, mut key, mut comment) = Default::default();
    let mut answers = Vec::new();
    let mut reasons = Vec::new();
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "code" => code = v.into_owned(),
            "secret" => secret = v.into_owned(),
            "idempotency_key" => key = v.into_owned(),
            "comment" => comment = v.trim().to_string(),
            "reason" => reasons.push(v.into_owned()),
            q if q.starts_with("q_") => answers.push(AnswerInput {
                question: q[2..].to_string(),
                level: v.parse().unwrap_or(0),
            }),
            _ => {}
        }
    }
    let input = DossierRatingBody {
        code: code.clone(),
        secret: secret.clone(),
        idempotency_key: key,
        answers,
        reasons,
        comment: (!comment.is_empty()).then_some(comment),
        rated_at: None,
    };
    let mut page = rate_page_for(&state, &ctx, &code, &secret).await?;
    match rate_dossier(&state, &ip, input).await {
        Ok(_) => {
            page.done = true;
            page.error = None;
            Ok(html(&page).into_response())
        }
        Err(WebError::Conflict(m))
            if state
                .store
                .dossier_rated(&code.trim().to_uppercase())
                .await? =>
        {
            // A second press of "send": the first one was stored.
            let _ = m;
            page.done = true;
            page.error = None;
            Ok(html(&page).into_response())
        }
        Err(e) => match shown_error(&e, ctx.lang) {
            Some((status, text)) => {
                page.error = Some(text);
                Ok((status, html(&page)).into_response())
            }
            None => Err(e),
        },
    }
}

#[derive(Deserialize, Default)]
struct RegisterForm {
    #[serde(default)]
    procedure: i64,
    #[serde(default)]
    unit: i64,
    #[serde(default)]
    applicant_name: String,
    #[serde(default)]
    applicant_phone: String,
    #[serde(default)]
    applicant_id_number: String,
    #[serde(default)]
    applicant_address: String,
    #[serde(default)]
    return_method: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    page: Page,
    procedure_id: i64,
    procedure_name: String,
    units: Vec<(i64, String)>,
    form: RegisterForm,
    created: Option<DossierCreated>,
    error: Option<String>,
}

async fn register_page(
    state: &AppState,
    ctx: &Ctx,
    form: RegisterForm,
) -> Result<RegisterPage, WebError> {
    let p = state.store.procedure(form.procedure).await?;
    if !p.active || p.online_level == OnlineLevel::None {
        return Err(WebError::bad(
            "Thủ tục này không nhận hồ sơ trực tuyến",
            "This procedure does not take dossiers online",
        ));
    }
    Ok(RegisterPage {
        page: ctx.page("Nộp hồ sơ trực tuyến", "Apply online", "procedures"),
        procedure_id: p.id,
        procedure_name: p.name,
        units: state.store.units_with_desk().await?,
        form,
        created: None,
        error: None,
    })
}

#[derive(Deserialize)]
struct RegisterQuery {
    procedure: i64,
}

/// A citizen registers a dossier online, without an account.
async fn register_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RegisterQuery>,
) -> Result<Html<String>, WebError> {
    let form = RegisterForm {
        procedure: q.procedure,
        ..RegisterForm::default()
    };
    Ok(html(&register_page(&state, &ctx, form).await?))
}

async fn register_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Form(f): Form<RegisterForm>,
) -> Result<Response, WebError> {
    let body = OnlineBody {
        unit_id: f.unit,
        procedure_id: f.procedure,
        applicant_name: f.applicant_name.clone(),
        applicant_phone: f.applicant_phone.clone(),
        applicant_id_number: f.applicant_id_number.clone(),
        applicant_address: f.applicant_address.clone(),
        return_method: ReturnMethod::parse(&f.return_method).unwrap_or(ReturnMethod::Desk),
    };
    let mut page = register_page(&state, &ctx, f).await?;
    let result = register(&state, &ip, body).await;
    match result {
        Ok(created) => {
            page.created = Some(created);
            Ok(html(&page).into_response())
        }
        Err(e) => match shown_error(&e, ctx.lang) {
            Some((status, text)) => {
                page.error = Some(text);
                Ok((status, html(&page)).into_response())
            }
            None => {
                page.error = Some(fixable(e, ctx.lang)?);
                Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
            }
        },
    }
}

#[derive(Template)]
#[template(path = "dossier_notice.html")]
struct NoticePage {
    d: Dossier,
    kind: &'static str,
    form_no: &'static str,
    title: &'static str,
    reason: String,
    received: String,
    due: String,
    new_due: String,
    issued: String,
    signer: String,
}

/// The printable letters of DOMAIN §6: supplement request (Mẫu 02), refusal (Mẫu 03) and
/// apology with a new date (Mẫu 04), from the latest such step in the dossier's history.
async fn notice(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, kind)): Path<(i64, String)>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let d = state.store.dossier(id).await?;
    check_desk(&state, u, d.unit_id, Access::Read).await?;
    let (kind, action, form_no, title) = match kind.as_str() {
        "supplement" => (
            "supplement",
            "request_supplement",
            "Mẫu số 02",
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        ),
        "refusal" => (
            "refusal",
            "refuse",
            "Mẫu số 03",
            "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        ),
        "apology" => (
            "apology",
            "apology",
            "Mẫu số 04",
            "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        ),
        _ => {
            return Err(WebError::not_found(
                "Không có mẫu phiếu này",
                "No such notice",
            ));
        }
    };
    let events = state.store.dossier_events(id).await?;
    let Some(e) = events.iter().rev().find(|e| e.action == action) else {
        return Err(WebError::not_found(
            "Hồ sơ chưa có bước này nên chưa có phiếu để in",
            "The dossier has no such step, so there is nothing to print",
        ));
    };
    Ok(html(&NoticePage {
        kind,
        form_no,
        title,
        reason: e.note.clone(),
        received: d.received_at.map(format_local).unwrap_or_default(),
        due: opt_time(d.due_at),
        new_due: opt_time(e.new_due_at),
        issued: format!("Lập lúc {}", format_local(e.at)),
        signer: e.official_name.clone().unwrap_or_default(),
        d,
    }))
}

#[derive(Deserialize)]
struct ApologyForm {
    new_due: String,
    #[serde(default)]
    reason: String,
}

/// Records an apology for lateness with a new date (Mẫu 04) from the detail page.
async fn apologise(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ApologyForm>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let d = state.store.dossier(id).await?;
    check_desk(&state, u, d.unit_id, Access::Write).await?;
    let new_due = crate::domain::calendar::parse_received(&f.new_due)
        .map(crate::domain::time::local_ms)
        .map_err(WebError::Unprocessable);
    let result = match new_due {
        Ok(t) => state
            .store
            .dossier_apologise(
                id,
                t,
                &f.reason,
                u.user.official_id,
                Some(u.user.id),
                now_ms(),
            )
            .await
            .map_err(WebError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/dossiers/{id}/notice/apology")).into_response()),
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            let page = detail_page(&state, &ctx, id, Some(msg)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dossiers", get(list))
        .route("/dossiers/new", get(new_form).post(new_submit))
        .route("/dossiers/{id}", get(detail))
        .route("/dossiers/{id}/act", post(act))
        .route("/dossiers/{id}/receipt", get(receipt))
        .route("/dossiers/{id}/notice/{kind}", get(notice))
        .route("/dossiers/{id}/apology", post(apologise))
        .route("/lookup", get(lookup))
        .route("/rate", get(rate_form).post(rate_submit))
        .route("/register", get(register_form).post(register_submit))
}
