//! Staff sign-in: argon2id passwords, server-side sessions (cookie for browsers, bearer token for
//! API clients), CSRF tokens for cookie-authenticated changes, a login rate limit, and the unit
//! scopes that decide what each role may see and change.

use std::net::SocketAddr;
use std::num::NonZeroU32;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AppState;
use super::error::WebError;
use crate::domain::Msg;
use crate::domain::role::Role;
use crate::store::kiosks::new_secret;
use crate::store::units::Unit;
use crate::store::users::{Session, User};

pub const SESSION_COOKIE: &str = "hl_session";

/// The signed-in user of a request (cookie or bearer token).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub csrf: String,
    /// Signed in by cookie (browser) rather than bearer token (API client).
    pub by_cookie: bool,
}

impl CurrentUser {
    pub fn role(&self) -> Role {
        self.user.role()
    }
}

/// Same as `CurrentUser` but optional, for pages that show differently when signed in.
pub struct MaybeUser(pub Option<CurrentUser>);

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

async fn load(state: &AppState, headers: &HeaderMap) -> Result<Option<CurrentUser>, WebError> {
    let (token, by_cookie) = match (bearer(headers), cookie_value(headers, SESSION_COOKIE)) {
        // Kiosk tokens are not user sessions.
        (Some(t), _) if !t.starts_with("hlk_") => (t, false),
        (_, Some(c)) => (c, true),
        _ => return Ok(None),
    };
    Ok(state.store.session(token).await?.map(
        |Session {
             user, csrf_token, ..
         }| CurrentUser {
            user,
            csrf: csrf_token,
            by_cookie,
        },
    ))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = WebError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(u) = parts.extensions.get::<CurrentUser>() {
            return Ok(u.clone());
        }
        let u = load(state, &parts.headers)
            .await?
            .ok_or(WebError::Unauthorized)?;
        parts.extensions.insert(u.clone());
        Ok(u)
    }
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = WebError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(u) => Ok(MaybeUser(Some(u))),
            Err(WebError::Unauthorized) => Ok(MaybeUser(None)),
            Err(e) => Err(e),
        }
    }
}

fn csrf_failed() -> WebError {
    WebError::Forbidden
}

/// Refuses a cookie-authenticated change that does not carry the session's CSRF token (header
/// `X-CSRF-Token`, query `csrf`, or form field `csrf`) or that comes from another origin.
/// Bearer-token requests are exempt: browsers never attach those by themselves.
pub async fn csrf_guard(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, WebError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || bearer(req.headers()).is_some()
    {
        return Ok(next.run(req).await);
    }
    // Cross-site posts are refused outright when the browser tells us the origin.
    if let (Some(origin), Some(host)) = (
        req.headers().get(header::ORIGIN),
        req.headers().get(header::HOST),
    ) {
        let origin = origin.to_str().unwrap_or("");
        let host = host.to_str().unwrap_or("");
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        if origin != "null" && origin_host != host {
            return Err(csrf_failed());
        }
    }
    let Some(user) = load(&state, req.headers()).await? else {
        // Not signed in: the handler decides (login, or 401).
        return Ok(next.run(req).await);
    };
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let query_token = req.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned())
    });
    let (mut parts, body) = req.into_parts();
    let mut body = body;
    let mut token = header_token.or(query_token);
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if token.is_none() && is_form {
        let bytes = axum::body::to_bytes(body, 2 * 1024 * 1024)
            .await
            .map_err(|_| WebError::bad("Biểu mẫu quá lớn", "Form too large"))?;
        token = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned());
        body = Body::from(bytes);
    }
    if token.as_deref() != Some(user.csrf.as_str()) {
        return Err(csrf_failed());
    }
    parts.extensions.insert(user);
    Ok(next.run(Request::from_parts(parts, body)).await)
}

/// Per-IP and per-username limits on password attempts.
pub struct LoginLimiter {
    by_ip: DefaultKeyedRateLimiter<String>,
    by_user: DefaultKeyedRateLimiter<String>,
}

impl LoginLimiter {
    pub fn new(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).expect("nonzero");
        let quota = Quota::per_minute(n).allow_burst(n);
        LoginLimiter {
            by_ip: RateLimiter::keyed(quota),
            by_user: RateLimiter::keyed(quota),
        }
    }

    pub fn check(&self, ip: &str, username: &str) -> Result<(), WebError> {
        let ok_ip = self.by_ip.check_key(&ip.to_string()).is_ok();
        let ok_user = self
            .by_user
            .check_key(&username.trim().to_lowercase())
            .is_ok();
        if ok_ip && ok_user {
            Ok(())
        } else {
            Err(WebError::TooMany {
                msg: Msg::new(
                    "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau một phút.",
                    "Too many sign-in attempts. Please try again in a minute.",
                ),
                retry_after: 60,
            })
        }
    }
}

/// The peer address of a request (for the login limit); "unknown" when not served over TCP.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// Checks a username and password; on success opens a session and returns (token, user).
pub async fn sign_in(
    state: &AppState,
    ip: &str,
    username: &str,
    password: &str,
) -> Result<(String, User), WebError> {
    state.login_limiter.check(ip, username)?;
    let user = state.store.user_by_username(username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_default();
    let password = password.to_owned();
    // Argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || crate::domain::password::verify(&password, &hash))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            return Err(WebError::Unprocessable(Msg::new(
                "Tên đăng nhập hoặc mật khẩu không đúng",
                "Wrong username or password",
            )));
        }
    };
    let token = new_secret("hls_");
    let csrf = new_secret("");
    state
        .store
        .session_create(
            user.id,
            &token,
            &csrf,
            state.settings.session_hours * 3_600_000,
        )
        .await?;
    state.store.audit(Some(user.id), "login", "").await?;
    Ok((token, user))
}

/// Whether cookies should carry `Secure`: always when configured, else when the request came
/// over HTTPS (directly or through a proxy that says so).
pub fn cookie_secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.settings.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            == Some("https")
}

pub fn session_cookie(token: &str, secure: bool, max_age_s: i64) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Read-only or changing access to a unit's subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

impl AppState {
    /// The unit a user works on by default: their own, or for administrators the first root.
    pub async fn home_unit(&self, user: &CurrentUser) -> Result<Unit, WebError> {
        if let Some(id) = user.user.unit_id {
            return Ok(self.store.unit(id).await?);
        }
        if let Some(oid) = user.user.official_id {
            let o = self.store.official(oid).await?;
            return Ok(self.store.unit(o.unit_id).await?);
        }
        self.store
            .unit_children(None)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                WebError::not_found(
                    "Chưa có đơn vị nào: hãy nhập danh mục đơn vị",
                    "No units yet: import the unit list",
                )
            })
    }

    /// Resolves the unit a page or call works on and checks the user may use it that way.
    pub async fn unit_for(
        &self,
        user: &CurrentUser,
        unit_id: Option<i64>,
        access: Access,
    ) -> Result<Unit, WebError> {
        let unit = match unit_id {
            Some(id) => self.store.unit(id).await?,
            None => self.home_unit(user).await?,
        };
        self.check_unit(user, unit.id, access).await?;
        Ok(unit)
    }

    pub async fn check_unit(
        &self,
        user: &CurrentUser,
        unit_id: i64,
        access: Access,
    ) -> Result<(), WebError> {
        let role = user.role();
        let allowed = match role {
            Role::Admin => true,
            Role::Official => false,
            Role::Inspector if access == Access::Write => false,
            Role::Leader | Role::Inspector => match user.user.unit_id {
                Some(root) => self.store.unit_within(root, unit_id).await?,
                None => false,
            },
        };
        if allowed {
            Ok(())
        } else {
            Err(WebError::Forbidden)
        }
    }
}

pub fn require_admin(user: &CurrentUser) -> Result<(), WebError> {
    if user.role() == Role::Admin {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

/// Counts failures per key (wrong receipt secrets per address) and refuses the key once it
/// has too many in the window, so that look-up secrets cannot be guessed.
pub struct FailureLimiter {
    max: u32,
    window: std::time::Duration,
    hits: std::sync::Mutex<std::collections::HashMap<String, (u32, std::time::Instant)>>,
}

impl FailureLimiter {
    pub fn new(max: u32, window: std::time::Duration) -> Self {
        FailureLimiter {
            max,
            window,
            hits: Default::default(),
        }
    }

    pub fn check(&self, key: &str) -> Result<(), WebError> {
        let hits = self.hits.lock().expect("limiter lock");
        match hits.get(key) {
            Some((n, since)) if *n >= self.max && since.elapsed() < self.window => {
                let wait = self.window.saturating_sub(since.elapsed()).as_secs().max(1);
                Err(WebError::TooMany {
                    msg: Msg::new(
                        format!(
                            "Tra cứu sai quá nhiều lần. Vui lòng thử lại sau {} phút.",
                            wait.div_ceil(60)
                        ),
                        format!(
                            "Too many failed look-ups. Please try again in {} minutes.",
                            wait.div_ceil(60)
                        ),
                    ),
                    retry_after: wait,
                })
            }
            _ => Ok(()),
        }
    }

    pub fn fail(&self, key: &str) {
        let mut hits = self.hits.lock().expect("limiter lock");
        if hits.len() > 100_000 {
            hits.retain(|_, (_, since)| since.elapsed() < self.window);
        }
        let e = hits
            .entry(key.to_string())
            .or_insert((0, std::time::Instant::now()));
        if e.1.elapsed() >= self.window {
            *e = (0, std::time::Instant::now());
        }
        e.0 += 1;
    }
}
