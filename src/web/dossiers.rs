//! The dossier API: intake at the desk, by post or by a citizen online, status actions,
//! apologies, lists for the desk, and the public look-up by receipt code and secret.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::api::ApiJson;
use super::auth::{Access, ClientIp, CurrentUser};
use super::error::WebError;
use crate::domain::Msg;
use crate::domain::dossier::{Action, IntakeChannel, ReturnMethod, Status};
use crate::domain::evaluation::{DossierEvaluation, EvaluationInput, evaluate};
use crate::domain::msg::Lang;
use crate::domain::role::Role;
use crate::domain::time::{Millis, now_ms};
use crate::store::dossiers::{ActInput, Dossier, DossierCreated, DossierEvent, IntakeInput};

/// Who may work on a unit's dossiers: administrators; leaders in their subtree; an official at
/// their own unit's desk. Inspectors and officials of other units only read (or not at all).
pub async fn check_desk(
    state: &AppState,
    u: &CurrentUser,
    unit_id: i64,
    access: Access,
) -> Result<(), WebError> {
    if u.role() == Role::Official {
        let own = official_unit(state, u).await?;
        return if own == unit_id {
            Ok(())
        } else {
            Err(WebError::Forbidden)
        };
    }
    state.check_unit(u, unit_id, access).await
}

/// The unit whose desk an official works at (an official's account without an official record
/// works at none).
async fn official_unit(state: &AppState, u: &CurrentUser) -> Result<i64, WebError> {
    match u.user.official_id {
        Some(oid) => Ok(state.store.official(oid).await?.unit_id),
        None => Err(WebError::Forbidden),
    }
}

/// Random bytes for a receipt's look-up secret.
pub fn secret_bytes() -> [u8; 6] {
    rand::random()
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct IntakeBody {
    pub unit_id: i64,
    pub procedure_id: i64,
    /// in_person (default), online or post.
    #[serde(default = "in_person")]
    pub channel: IntakeChannel,
    pub applicant_name: String,
    #[serde(default)]
    pub applicant_phone: String,
    #[serde(default)]
    pub applicant_id_number: String,
    #[serde(default)]
    pub applicant_address: String,
    /// Papers received, one entry each.
    #[serde(default)]
    pub documents: Vec<String>,
    /// desk (default), post or home.
    #[serde(default = "desk")]
    pub return_method: ReturnMethod,
    pub counter_id: Option<i64>,
}

fn in_person() -> IntakeChannel {
    IntakeChannel::InPerson
}
fn desk() -> ReturnMethod {
    ReturnMethod::Desk
}

/// Receives a dossier at the desk (or by post) and returns its code, receipt secret and due time.
#[utoipa::path(post, path = "/api/v1/dossiers", tag = "dossiers", request_body = IntakeBody,
    security(("session_token" = [])),
    responses((status = 201, body = DossierCreated), (status = 403), (status = 404), (status = 422)))]
pub async fn intake(
    State(state): State<AppState>,
    u: CurrentUser,
    ApiJson(b): ApiJson<IntakeBody>,
) -> Result<(StatusCode, Json<DossierCreated>), WebError> {
    check_desk(&state, &u, b.unit_id, Access::Write).await?;
    let created = state
        .store
        .dossier_intake(
            &IntakeInput {
                unit_id: b.unit_id,
                procedure_id: b.procedure_id,
                channel: b.channel,
                applicant_name: b.applicant_name,
                applicant_phone: b.applicant_phone,
                applicant_id_number: b.applicant_id_number,
                applicant_address: b.applicant_address,
                documents: b.documents,
                return_method: b.return_method,
                received_by: u.user.official_id,
                counter_id: b.counter_id,
                user_id: Some(u.user.id),
            },
            now_ms(),
            secret_bytes(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct OnlineBody {
    pub unit_id: i64,
    pub procedure_id: i64,
    pub applicant_name: String,
    pub applicant_phone: String,
    pub applicant_id_number: String,
    #[serde(default)]
    pub applicant_address: String,
    #[serde(default = "desk")]
    pub return_method: ReturnMethod,
}

/// A citizen registers a dossier online, without an account. The desk accepts it later, and
/// only then does the clock start.
#[utoipa::path(post, path = "/api/v1/public/dossiers", tag = "public", request_body = OnlineBody,
    responses((status = 201, body = DossierCreated), (status = 404), (status = 422), (status = 429)))]
pub async fn register_online(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<OnlineBody>,
) -> Result<(StatusCode, Json<DossierCreated>), WebError> {
    Ok((StatusCode::CREATED, Json(register(&state, &ip, b).await?)))
}

/// An online registration, from the API or the public page: only for procedures offered
/// online, and at most ten per address in ten minutes (counted like failed look-ups).
pub async fn register(
    state: &AppState,
    ip: &str,
    b: OnlineBody,
) -> Result<DossierCreated, WebError> {
    let key = format!("register:{ip}");
    state.lookup_limiter.check(&key)?;
    if b.unit_id == 0 {
        return Err(WebError::Unprocessable(Msg::new(
            "Vui lòng chọn nơi nộp hồ sơ",
            "Please choose where to lodge the dossier",
        )));
    }
    let p = state.store.procedure(b.procedure_id).await?;
    if !p.active || p.online_level == crate::domain::procedure::OnlineLevel::None {
        return Err(WebError::Unprocessable(Msg::new(
            "Thủ tục này không nhận hồ sơ trực tuyến",
            "This procedure does not take dossiers online",
        )));
    }
    state.lookup_limiter.fail(&key);
    Ok(state
        .store
        .dossier_intake(
            &IntakeInput {
                unit_id: b.unit_id,
                procedure_id: b.procedure_id,
                channel: IntakeChannel::Online,
                applicant_name: b.applicant_name,
                applicant_phone: b.applicant_phone,
                applicant_id_number: b.applicant_id_number,
                applicant_address: b.applicant_address,
                documents: Vec::new(),
                return_method: b.return_method,
                received_by: None,
                counter_id: None,
                user_id: None,
            },
            now_ms(),
            secret_bytes(),
        )
        .await?)
}

/// The per-dossier evaluation (Circular 01/2018) from what the dossier's record says now.
pub async fn dossier_evaluation(
    state: &AppState,
    d: &Dossier,
    steps: &[crate::store::dossier_steps::DossierStep],
) -> Result<DossierEvaluation, WebError> {
    let attitude = state.store.dossier_attitude(&d.code).await?;
    Ok(evaluate(&EvaluationInput::of_dossier(
        d.status,
        d.due_at,
        d.finished_at,
        d.supplement_count,
        steps.iter().map(|s| s.timeliness.timeliness()).collect(),
        attitude,
        now_ms(),
    )))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DossierDetail {
    pub dossier: Dossier,
    pub history: Vec<DossierEvent>,
    /// Circular 01/2018 indicators as far as this dossier's record decides them.
    pub evaluation: DossierEvaluation,
    /// Actions the dossier's status allows now.
    pub allowed_actions: Vec<Action>,
}

/// A dossier with its history.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}", tag = "dossiers", security(("session_token" = [])),
    responses((status = 200, body = DossierDetail), (status = 403), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<DossierDetail>, WebError> {
    let dossier = state.store.dossier(id).await?;
    check_desk(&state, &u, dossier.unit_id, Access::Read).await?;
    let history = state.store.dossier_events(id).await?;
    let steps = state.store.dossier_steps(id, now_ms()).await?;
    let evaluation = dossier_evaluation(&state, &dossier, &steps).await?;
    let allowed_actions = Action::ALL
        .into_iter()
        .filter(|a| a.apply(dossier.status).is_ok())
        .collect();
    Ok(Json(DossierDetail {
        dossier,
        history,
        evaluation,
        allowed_actions,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActBody {
    pub action: Action,
    /// Reason (refusal, stop), papers needed (supplement request) or any remark.
    #[serde(default)]
    pub note: String,
    /// For return_result: how the result went back, if not as planned at intake.
    pub return_method: Option<ReturnMethod>,
}

/// Moves a dossier to its next status; illegal steps are refused with the reason.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/actions", tag = "dossiers", request_body = ActBody,
    security(("session_token" = [])),
    responses((status = 200, body = Dossier), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn act(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ActBody>,
) -> Result<Json<Dossier>, WebError> {
    let d = state.store.dossier(id).await?;
    check_desk(&state, &u, d.unit_id, Access::Write).await?;
    let done = state
        .store
        .dossier_act(
            id,
            &ActInput {
                action: b.action,
                note: b.note,
                return_method: b.return_method,
                official_id: u.user.official_id,
                user_id: Some(u.user.id),
                at: now_ms(),
            },
        )
        .await?;
    Ok(Json(done))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ApologyBody {
    /// The new promised time (epoch ms).
    pub new_due_at: Millis,
    pub reason: String,
}

/// Records an apology for lateness with a new date (Mẫu 04).
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/apology", tag = "dossiers", request_body = ApologyBody,
    security(("session_token" = [])),
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
pub async fn apologise(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ApologyBody>,
) -> Result<StatusCode, WebError> {
    let d = state.store.dossier(id).await?;
    check_desk(&state, &u, d.unit_id, Access::Write).await?;
    state
        .store
        .dossier_apologise(
            id,
            b.new_due_at,
            &b.reason,
            u.user.official_id,
            Some(u.user.id),
            now_ms(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Root of the subtree (default: the caller's unit).
    pub unit: Option<i64>,
    /// National status code 1–10.
    pub status: Option<i16>,
    /// Only open dossiers past their due time.
    #[serde(default)]
    pub overdue: bool,
    #[serde(default)]
    pub offset: i64,
}

/// Dossiers of a unit subtree, newest first, or the overdue list, most overdue first.
#[utoipa::path(get, path = "/api/v1/dossiers", tag = "dossiers", params(ListQuery),
    security(("session_token" = [])), responses((status = 200, body = Vec<Dossier>), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    u: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Dossier>>, WebError> {
    let unit = desk_unit(&state, &u, q.unit).await?;
    let status = match q.status {
        Some(c) => Some(Status::from_code(c).ok_or_else(|| {
            WebError::bad(
                format!("Mã trạng thái không hợp lệ: {c} (1–10)"),
                format!("Invalid status code: {c} (1–10)"),
            )
        })?),
        None => None,
    };
    Ok(Json(if q.overdue {
        state.store.dossiers_overdue(unit, now_ms()).await?
    } else {
        state
            .store
            .dossiers_list(unit, status, 200, q.offset.max(0))
            .await?
    }))
}

/// The unit whose dossiers a user looks at: an official's own unit, else as for other lists.
pub async fn desk_unit(
    state: &AppState,
    u: &CurrentUser,
    unit: Option<i64>,
) -> Result<i64, WebError> {
    if u.role() == Role::Official {
        let own = official_unit(state, u).await?;
        if unit.is_some_and(|x| x != own) {
            return Err(WebError::Forbidden);
        }
        return Ok(own);
    }
    Ok(state.unit_for(u, unit, Access::Read).await?.id)
}

/// What anyone holding the receipt may see: no names, no phone, no ID number.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicStatus {
    pub code: String,
    pub unit_name: String,
    pub procedure_name: String,
    pub status: Status,
    pub status_code: i16,
    pub status_label: String,
    pub received_at: Option<Millis>,
    pub due_at: Option<Millis>,
    /// The later date promised in an apology, if any.
    pub promised_at: Option<Millis>,
    pub returned_at: Option<Millis>,
    pub history: Vec<PublicEvent>,
    /// Whether the citizen may still rate this dossier.
    pub can_rate: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicEvent {
    pub at: Millis,
    pub text: String,
}

pub async fn public_status(
    state: &AppState,
    ip: &str,
    code: &str,
    secret: &str,
    lang: Lang,
) -> Result<PublicStatus, WebError> {
    let key = format!("lookup:{ip}");
    state.lookup_limiter.check(&key)?;
    let Some(d) = state.store.dossier_by_receipt(code, secret).await? else {
        // Only wrong guesses count toward the limit.
        state.lookup_limiter.fail(&key);
        return Err(WebError::NotFound(Msg::new(
            "Không tìm thấy hồ sơ với mã và mã tra cứu này. Vui lòng kiểm tra lại phiếu hẹn.",
            "No dossier with this code and look-up secret. Please check the receipt.",
        )));
    };
    let events = state.store.dossier_events(d.id).await?;
    let promised_at = events.iter().filter_map(|e| e.new_due_at).max();
    let history = events
        .iter()
        .map(|e| PublicEvent {
            at: e.at,
            text: public_event_text(e, lang),
        })
        .collect();
    let can_rate = d.status.is_finished() && !state.store.dossier_rated(&d.code).await?;
    Ok(PublicStatus {
        status_code: d.status.code(),
        status_label: d.status.label(lang).to_string(),
        code: d.code,
        unit_name: d.unit_name,
        procedure_name: d.procedure_name,
        status: d.status,
        received_at: d.received_at,
        due_at: d.due_at,
        promised_at,
        returned_at: d.returned_at,
        history,
        can_rate,
    })
}

/// A history line in plain language, without the officials' internal notes except the
/// reasons the applicant must know (refusal, papers needed, apology).
fn public_event_text(e: &DossierEvent, lang: Lang) -> String {
    let to = Status::from_code(e.to_status)
        .map(|s| s.label(lang))
        .unwrap_or("");
    let (vi, en) = match e.action.as_str() {
        "intake" => ("Hồ sơ được tiếp nhận", "Dossier received"),
        "accept" => (
            "Bộ phận Một cửa đã tiếp nhận hồ sơ",
            "The desk accepted the dossier",
        ),
        "request_supplement" => ("Cần bổ sung giấy tờ", "Papers are missing"),
        "complete_supplement" => ("Đã bổ sung đủ giấy tờ", "The papers are complete"),
        "refuse" => ("Hồ sơ bị từ chối", "The dossier was refused"),
        "stop" => ("Dừng xử lý hồ sơ", "Handling was stopped"),
        "hand_over" => (
            "Hồ sơ được chuyển đến cơ quan phối hợp giải quyết",
            "The dossier was handed over to another agency",
        ),
        "step_finish" => (
            "Cơ quan phối hợp đã xử lý xong phần việc của mình",
            "A coordinating agency finished its part",
        ),
        "apology" => (
            "Xin lỗi vì trễ hẹn, hẹn lại ngày mới",
            "Apology for the delay, with a new date",
        ),
        _ => (to, to),
    };
    let head = if lang == Lang::Vi { vi } else { en };
    let reason_is_public = matches!(
        e.action.as_str(),
        "request_supplement" | "refuse" | "stop" | "apology"
    );
    if reason_is_public && !e.note.is_empty() {
        format!("{head}: {}", e.note)
    } else {
        head.to_string()
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct LookupQuery {
    pub code: String,
    /// The look-up secret printed on the receipt.
    pub secret: String,
}

/// Public status look-up by receipt code and secret. Wrong secrets are rate-limited.
#[utoipa::path(get, path = "/api/v1/public/dossiers/lookup", tag = "public", params(LookupQuery),
    responses((status = 200, body = PublicStatus), (status = 404), (status = 429)))]
pub async fn lookup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    lang: Lang,
    Query(q): Query<LookupQuery>,
) -> Result<Json<PublicStatus>, WebError> {
    Ok(Json(
        public_status(&state, &ip, &q.code, &q.secret, lang).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DossierRatingBody {
    pub code: String,
    /// The look-up secret printed on the receipt.
    pub secret: String,
    /// Made on the phone, so a retried delivery is stored once (8–100 letters, digits, - or _).
    pub idempotency_key: String,
    pub answers: Vec<crate::domain::form::AnswerInput>,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub comment: Option<String>,
    /// When the citizen rated (epoch ms), if the phone kept it while offline.
    pub rated_at: Option<Millis>,
}

/// Why a dossier cannot be rated from its receipt, if it cannot.
pub fn rating_closed(d: &Dossier) -> Option<Msg> {
    (!d.status.is_finished()).then(|| {
        Msg::new(
            "Hồ sơ chưa có kết quả. Bạn có thể đánh giá sau khi nhận kết quả.",
            "The dossier has no result yet. You can rate it once you have the result.",
        )
    })
}

/// Stores a citizen's rating of one dossier, from the receipt's QR code. Once per dossier;
/// a repeated delivery with the same key answers 200 with the same id.
pub async fn rate_dossier(
    state: &AppState,
    ip: &str,
    b: DossierRatingBody,
) -> Result<(StatusCode, crate::store::ratings::Saved), WebError> {
    use crate::store::ratings::{Channel, NewRating, Saved};
    super::kiosk::valid_idempotency_key(&b.idempotency_key)?;
    let key = format!("lookup:{ip}");
    state.lookup_limiter.check(&key)?;
    let Some(d) = state.store.dossier_by_receipt(&b.code, &b.secret).await? else {
        state.lookup_limiter.fail(&key);
        return Err(WebError::NotFound(Msg::new(
            "Không tìm thấy hồ sơ với mã và mã tra cứu này",
            "No dossier with this code and look-up secret",
        )));
    };
    if let Some(why) = rating_closed(&d) {
        return Err(WebError::Unprocessable(why));
    }
    let form = state
        .store
        .form_for_counter(d.counter_id.unwrap_or(0))
        .await?;
    let rating = form
        .definition
        .check(&crate::domain::form::Submission {
            answers: b.answers,
            reasons: b.reasons,
            comment: b.comment,
        })
        .map_err(WebError::Unprocessable)?;
    let now = now_ms();
    let rated_at = b
        .rated_at
        .filter(|t| *t <= now + 300_000 && *t >= d.registered_at)
        .unwrap_or(now);
    let saved = state
        .writer
        .submit(NewRating {
            idempotency_key: b.idempotency_key,
            channel: Channel::Qr,
            device_id: None,
            counter_id: d.counter_id,
            session_id: None,
            official_id: d.received_by,
            unit_id: d.unit_id,
            form_version_id: form.id,
            scale: form.definition.scale,
            rating,
            dossier_code: Some(d.code),
            rated_at,
            received_at: now,
            repeat_window_ms: 0,
        })
        .await?;
    Ok(match saved {
        Saved::Created(_) => {
            metrics::counter!("hailong_ratings_stored_total", "channel" => "qr").increment(1);
            (StatusCode::CREATED, saved)
        }
        Saved::Replayed(_) => (StatusCode::OK, saved),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DossierRatingAccepted {
    pub id: i64,
    /// created, or replayed when this key was stored before.
    pub status: &'static str,
}

/// A citizen rates a dossier from the QR code on its receipt (code + secret), once per dossier.
#[utoipa::path(post, path = "/api/v1/public/dossiers/rating", tag = "public", request_body = DossierRatingBody,
    responses((status = 201, body = DossierRatingAccepted), (status = 200, body = DossierRatingAccepted, description = "Already stored (same key)"),
        (status = 404), (status = 409, description = "The dossier was already rated"), (status = 422), (status = 429)))]
pub async fn rate(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<DossierRatingBody>,
) -> Result<(StatusCode, Json<DossierRatingAccepted>), WebError> {
    let (status, saved) = rate_dossier(&state, &ip, b).await?;
    Ok((
        status,
        Json(DossierRatingAccepted {
            id: saved.id(),
            status: if status == StatusCode::CREATED {
                "created"
            } else {
                "replayed"
            },
        }),
    ))
}
