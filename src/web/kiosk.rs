//! The counter kiosk: its page, and the API it talks to with its device token. The page keeps
//! ratings in IndexedDB while the server is unreachable and delivers each exactly once, keyed
//! by an idempotency key made on the device.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::api::ApiJson;
use super::auth::bearer;
use super::error::WebError;
use super::{AppState, pages};
use crate::domain::Msg;
use crate::domain::form::{AnswerInput, FormDefinition, LabelledItem, Submission};
use crate::domain::msg::Lang;
use crate::domain::time::{Millis, now_ms};
use crate::store::Store;
use crate::store::counters::CounterSession;
use crate::store::forms::FormVersion;
use crate::store::kiosks::KioskDevice;
use crate::store::ratings::{Channel, NewRating, Refusal, Saved, SubmitError};

/// A small map whose entries expire, for what a busy kiosk asks on every request.
struct TtlCache<K, V> {
    map: Mutex<HashMap<K, (V, Instant)>>,
    ttl: Duration,
}

impl<K: std::hash::Hash + Eq, V: Clone> TtlCache<K, V> {
    fn new(ttl: Duration) -> Self {
        TtlCache {
            map: Mutex::new(HashMap::new()),
            ttl,
        }
    }
    fn get<Q: std::hash::Hash + Eq + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
    {
        let map = self.map.lock().expect("cache lock");
        map.get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(v, _)| v.clone())
    }
    fn put(&self, key: K, v: V) {
        let mut map = self.map.lock().expect("cache lock");
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(key, (v, Instant::now()));
    }
    fn clear(&self) {
        self.map.lock().expect("cache lock").clear();
    }
}

/// What kiosk requests look up, cached so that a submission costs the database only its
/// write: device tokens briefly (a revocation clears them at once), counter sessions for a
/// minute (a rating is accepted up to ten minutes after its session ends, so a minute-old copy
/// decides the same), form versions for an hour (they never change).
pub struct KioskCache {
    devices: TtlCache<String, KioskDevice>,
    sessions: TtlCache<i64, CounterSession>,
    forms: TtlCache<i64, Arc<FormVersion>>,
}

impl Default for KioskCache {
    fn default() -> Self {
        KioskCache {
            devices: TtlCache::new(Duration::from_secs(15)),
            sessions: TtlCache::new(Duration::from_secs(60)),
            forms: TtlCache::new(Duration::from_secs(3600)),
        }
    }
}

impl KioskCache {
    /// Called when a device is revoked so the token stops working at once.
    pub fn clear(&self) {
        self.devices.clear();
    }

    async fn session(&self, store: &Store, id: i64) -> Result<Option<CounterSession>, WebError> {
        if let Some(s) = self.sessions.get(&id) {
            return Ok(Some(s));
        }
        let s = store.counter_session(id).await?;
        if let Some(s) = &s {
            self.sessions.put(id, s.clone());
        }
        Ok(s)
    }

    async fn form(&self, store: &Store, id: i64) -> Result<Arc<FormVersion>, WebError> {
        if let Some(f) = self.forms.get(&id) {
            return Ok(f);
        }
        let f = Arc::new(store.form_version(id).await?);
        self.forms.put(id, f.clone());
        Ok(f)
    }
}

/// A request from a registered, unrevoked kiosk device.
pub struct KioskAuth(pub KioskDevice);

impl FromRequestParts<AppState> for KioskAuth {
    type Rejection = WebError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)
            .filter(|t| t.starts_with("hlk_"))
            .ok_or_else(no_device)?;
        if let Some(d) = state.kiosk_cache.devices.get(token) {
            return Ok(KioskAuth(d));
        }
        let d = state
            .store
            .kiosk_by_token(token)
            .await?
            .ok_or_else(no_device)?;
        state.store.kiosk_seen(d.id).await?;
        state.kiosk_cache.devices.put(token.to_owned(), d.clone());
        Ok(KioskAuth(d))
    }
}

fn no_device() -> WebError {
    WebError::Unauthorized
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct KioskState {
    pub device: KioskDeviceInfo,
    pub counter: KioskCounterInfo,
    /// The official signed in at the counter; none means the kiosk takes no rating.
    pub official: Option<KioskOfficial>,
    pub form: KioskForm,
    /// Seconds a device must wait between two ratings.
    pub repeat_seconds: i64,
    /// Seconds of inactivity before the kiosk returns to its start screen.
    pub idle_seconds: i64,
    pub server_time: Millis,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct KioskDeviceInfo {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct KioskCounterInfo {
    pub id: i64,
    pub name: String,
    pub center_name: String,
    pub unit_name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct KioskOfficial {
    pub id: i64,
    pub full_name: String,
    pub title: String,
    pub photo_url: String,
    /// Sent back with each rating so it is tied to this sign-in.
    pub session_id: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct KioskLevel {
    pub level: i16,
    pub label_vi: String,
    pub label_en: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct KioskForm {
    pub version_id: i64,
    pub scale: i16,
    pub questions: Vec<LabelledItem>,
    pub reasons: Vec<LabelledItem>,
    pub allow_comment: bool,
    /// The scale's levels, best first.
    pub levels: Vec<KioskLevel>,
}

fn kiosk_form(version_id: i64, def: FormDefinition) -> KioskForm {
    KioskForm {
        version_id,
        scale: def.scale.size(),
        levels: def
            .scale
            .levels()
            .iter()
            .map(|l| KioskLevel {
                level: l.value(),
                label_vi: l.label(Lang::Vi).into(),
                label_en: l.label(Lang::En).into(),
            })
            .collect(),
        questions: def.questions,
        reasons: def.reasons,
        allow_comment: def.allow_comment,
    }
}

/// What the kiosk shows now: who is on duty and which form to ask.
#[utoipa::path(get, path = "/api/v1/kiosk/state", tag = "kiosk",
    security(("kiosk_token" = [])),
    responses((status = 200, body = KioskState), (status = 401, description = "Unknown or revoked device token")))]
pub async fn kiosk_state(
    State(state): State<AppState>,
    KioskAuth(dev): KioskAuth,
) -> Result<Json<KioskState>, WebError> {
    let counter = state.store.counter(dev.counter_id).await?;
    let session = state.store.counter_current_session(dev.counter_id).await?;
    let official = match session {
        Some(s) => {
            let o = state.store.official(s.official_id).await?;
            Some(KioskOfficial {
                id: o.id,
                photo_url: format!("/officials/{}/photo", o.id),
                full_name: o.full_name,
                title: o.title,
                session_id: s.id,
            })
        }
        None => None,
    };
    let form = state.store.form_for_counter(dev.counter_id).await?;
    Ok(Json(KioskState {
        device: KioskDeviceInfo {
            id: dev.id,
            name: dev.name,
        },
        counter: KioskCounterInfo {
            id: counter.id,
            name: counter.name,
            center_name: counter.center_name,
            unit_name: counter.unit_name,
        },
        official,
        form: kiosk_form(form.id, form.definition),
        repeat_seconds: state.settings.kiosk_repeat_seconds,
        idle_seconds: state.settings.kiosk_idle_seconds,
        server_time: now_ms(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct KioskRatingInput {
    /// Made on the device (a UUID); a retried delivery with the same key is stored once.
    pub idempotency_key: String,
    /// The sign-in shown on screen when the citizen rated (`official.session_id`).
    pub session_id: Option<i64>,
    /// The form version shown (`form.version_id`).
    pub form_version_id: i64,
    /// When the citizen rated, by the device's clock (ms since epoch); defaults to arrival.
    pub rated_at: Option<Millis>,
    pub answers: Vec<AnswerInput>,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub comment: Option<String>,
    /// The dossier this rating judges, when known; a dossier is rated once.
    #[serde(default)]
    pub dossier_code: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RatingAccepted {
    pub id: i64,
    /// "created", or "replayed" when this key was already stored.
    pub status: &'static str,
}

/// An offline device may deliver days later; a clock far off is replaced by the arrival time.
const MAX_OFFLINE_MS: i64 = 90 * 24 * 3_600_000;
const MAX_CLOCK_AHEAD_MS: i64 = 5 * 60_000;
/// A counter rating is about the dossier its official handled this long before it, at most.
const BIND_WINDOW_MS: i64 = 10 * 60_000;

pub fn valid_idempotency_key(k: &str) -> Result<(), WebError> {
    if (8..=100).contains(&k.len())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(())
    } else {
        Err(WebError::Unprocessable(Msg::new(
            "Mã gửi (idempotency_key) phải gồm 8–100 ký tự chữ, số, - hoặc _",
            "idempotency_key must be 8–100 letters, digits, - or _",
        )))
    }
}

/// Stores a citizen's rating from the counter kiosk. 201 when stored, 200 when this key was
/// stored before, 429 when the device rated less than `repeat_seconds` ago.
#[utoipa::path(post, path = "/api/v1/kiosk/ratings", tag = "kiosk",
    security(("kiosk_token" = [])),
    request_body = KioskRatingInput,
    responses(
        (status = 201, body = RatingAccepted, description = "Stored durably"),
        (status = 200, body = RatingAccepted, description = "Already stored (same idempotency key)"),
        (status = 401, description = "Unknown or revoked device token"),
        (status = 409, description = "The dossier was already rated"),
        (status = 422, description = "No official signed in, or answers do not fit the form"),
        (status = 429, description = "Same device rated less than repeat_seconds ago")))]
pub async fn kiosk_submit(
    State(state): State<AppState>,
    KioskAuth(dev): KioskAuth,
    ApiJson(input): ApiJson<KioskRatingInput>,
) -> Result<(StatusCode, Json<RatingAccepted>), WebError> {
    valid_idempotency_key(&input.idempotency_key)?;
    let now = now_ms();
    let rated_at = input
        .rated_at
        .filter(|t| *t <= now + MAX_CLOCK_AHEAD_MS && *t >= now - MAX_OFFLINE_MS)
        .unwrap_or(now);
    let no_official = || {
        WebError::Unprocessable(Msg::new(
            "Chưa có cán bộ đăng nhập tại quầy nên không thể ghi nhận đánh giá",
            "No official is signed in at this counter, so the rating cannot be recorded",
        ))
    };
    let session = match input.session_id {
        Some(id) => state
            .kiosk_cache
            .session(&state.store, id)
            .await?
            .ok_or_else(no_official)?,
        None => return Err(no_official()),
    };
    // The sign-in must be this counter's and must have been open when the citizen rated.
    let open_then = session.started_at - 60_000 <= rated_at
        && session.ended_at.is_none_or(|e| rated_at <= e + 600_000);
    if session.counter_id != dev.counter_id || !open_then {
        return Err(no_official());
    }
    let form = state
        .kiosk_cache
        .form(&state.store, input.form_version_id)
        .await?;
    let submission = Submission {
        answers: input.answers,
        reasons: input.reasons,
        comment: input.comment,
    };
    let rating = form
        .definition
        .check(&submission)
        .map_err(WebError::Unprocessable)?;
    let dossier_code = input
        .dossier_code
        .map(|d| d.trim().to_uppercase())
        .filter(|d| !d.is_empty());
    if dossier_code.as_ref().is_some_and(|d| d.len() > 40) {
        return Err(WebError::Unprocessable(Msg::new(
            "Mã hồ sơ quá dài",
            "Dossier code too long",
        )));
    }
    // Not told which dossier: the one this official handled in the ten minutes before the
    // rating, if any and not yet rated.
    let auto_bound = dossier_code.is_none();
    let dossier_code = match dossier_code {
        Some(c) => Some(c),
        None => {
            state
                .store
                .dossier_to_rate_for_official(
                    session.official_id,
                    rated_at - BIND_WINDOW_MS,
                    rated_at,
                )
                .await?
        }
    };
    let unsatisfied = !rating.headline.is_satisfied();
    let mut new = NewRating {
        idempotency_key: input.idempotency_key,
        channel: Channel::Kiosk,
        device_id: Some(dev.id),
        counter_id: Some(dev.counter_id),
        session_id: Some(session.id),
        official_id: Some(session.official_id),
        unit_id: dev.unit_id,
        form_version_id: form.id,
        scale: form.definition.scale,
        rating,
        dossier_code,
        rated_at,
        received_at: now,
        repeat_window_ms: state.settings.kiosk_repeat_seconds * 1000,
    };
    let saved = match state.writer.submit(new.clone()).await {
        // The dossier we picked was rated meanwhile (from its QR code): the citizen's counter
        // rating still counts, just not for that dossier.
        Err(SubmitError::Refused(Refusal::DossierRated)) if auto_bound => {
            new.dossier_code = None;
            state.writer.submit(new).await?
        }
        other => other?,
    };
    Ok(match saved {
        Saved::Created(id) => {
            metrics::counter!("hailong_ratings_stored_total", "channel" => "kiosk").increment(1);
            if unsatisfied {
                metrics::counter!("hailong_ratings_unsatisfied_total").increment(1);
            }
            (
                StatusCode::CREATED,
                Json(RatingAccepted {
                    id,
                    status: "created",
                }),
            )
        }
        Saved::Replayed(id) => {
            metrics::counter!("hailong_ratings_replayed_total").increment(1);
            (
                StatusCode::OK,
                Json(RatingAccepted {
                    id,
                    status: "replayed",
                }),
            )
        }
    })
}

/// The kiosk page. Its device token lives in the browser (localStorage), never in the page.
async fn kiosk_page(lang: Lang) -> Html<String> {
    pages::html(&pages::KioskPage { lang })
}

pub fn router() -> Router<AppState> {
    Router::new().route("/kiosk", get(kiosk_page))
}
