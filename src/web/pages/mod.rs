//! Server-rendered pages (askama). Every page speaks Vietnamese first and English on request.

use askama::Template;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::auth::{self, CurrentUser, MaybeUser};
use super::error::WebError;
use crate::domain::msg::Lang;
use crate::domain::role::Role;

pub mod alerts;
pub mod calendar;
pub mod counters;
pub mod dashboards;
pub mod dossier_steps;
pub mod dossiers;
pub mod forms;
pub mod kiosks;
pub mod me;
pub mod officials;
pub mod procedures;
pub mod ratings;
mod reports;
pub mod scorecards;
pub mod signin;
pub mod targets;
pub mod units;
pub mod users;

/// Renders a template; a template error is a bug, shown as a plain 500.
pub fn html<T: Template>(t: &T) -> Html<String> {
    match t.render() {
        Ok(s) => Html(s),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            Html("<h1>500</h1>".into())
        }
    }
}

/// A local time for a table cell, "–" when there is none.
/// The content type of Excel workbooks.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file to save (CSV or XLSX) under a given name.
pub fn download(body: Vec<u8>, content_type: &str, name: String) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub fn opt_time(t: Option<i64>) -> String {
    t.map(crate::domain::time::format_local)
        .unwrap_or_else(|| "–".into())
}

pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Only local paths are followed after sign-in (no open redirect).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

/// What every page's frame needs: language, user, CSRF token, current path.
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<CurrentUser>,
    pub path: String,
    /// Unread alerts of a leader (the only role alerts are sent to), for the top bar.
    pub alerts_unread: Option<i64>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = super::i18n::lang_of(&parts.headers);
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        let alerts_unread = match &user {
            // A failed count must not cost the page: the inbox itself shows the truth.
            Some(u) if u.role() == Role::Leader => state.store.alerts_unread(u.user.id).await.ok(),
            _ => None,
        };
        Ok(Ctx {
            lang,
            user,
            path,
            alerts_unread,
        })
    }
}

impl Ctx {
    /// The signed-in user, or the login redirect.
    pub fn user(&self) -> Result<&CurrentUser, WebError> {
        self.user.as_ref().ok_or(WebError::Unauthorized)
    }

    pub fn page(&self, title_vi: &str, title_en: &str, nav: &'static str) -> Page {
        Page {
            lang: self.lang,
            title: if self.lang == Lang::Vi {
                title_vi.to_owned()
            } else {
                title_en.to_owned()
            },
            user_name: self.user.as_ref().map(|u| u.user.display_name.clone()),
            role: self.user.as_ref().map(|u| u.role()),
            csrf: self
                .user
                .as_ref()
                .map(|u| u.csrf.clone())
                .unwrap_or_default(),
            nav,
            path: self.path.clone(),
            alerts_unread: self.alerts_unread,
        }
    }
}

/// The frame of a page (base.html).
pub struct Page {
    pub lang: Lang,
    pub title: String,
    pub user_name: Option<String>,
    pub role: Option<Role>,
    pub csrf: String,
    pub nav: &'static str,
    pub path: String,
    pub alerts_unread: Option<i64>,
}

impl Page {
    /// Picks the Vietnamese or English text.
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        if self.lang == Lang::Vi { vi } else { en }
    }
    pub fn is_vi(&self) -> bool {
        self.lang == Lang::Vi
    }
    pub fn signed_in(&self) -> bool {
        self.role.is_some()
    }
    pub fn can_manage(&self) -> bool {
        self.role.is_some_and(|r| r.can_manage())
    }
    pub fn can_read_reports(&self) -> bool {
        self.role.is_some_and(|r| r.can_read_unit_reports())
    }
    pub fn is_admin(&self) -> bool {
        self.role == Some(Role::Admin)
    }
    pub fn is_official(&self) -> bool {
        self.role == Some(Role::Official)
    }
    /// Whether the top bar links to the alert inbox (leaders receive alerts).
    pub fn receives_alerts(&self) -> bool {
        self.alerts_unread.is_some()
    }
    pub fn unread_alerts(&self) -> i64 {
        self.alerts_unread.unwrap_or(0)
    }
    pub fn role_label(&self) -> &'static str {
        match (self.role, self.lang) {
            (Some(r), Lang::Vi) => r.label_vi(),
            (Some(r), Lang::En) => r.as_str(),
            (None, _) => "",
        }
    }
    pub fn path_enc(&self) -> String {
        url_encode(&self.path)
    }
    pub fn fmt_time(&self, ms: &i64) -> String {
        crate::domain::time::format_local(*ms)
    }
    pub fn pct(&self, v: &Option<f64>) -> String {
        pct(*v, self.lang)
    }
}

/// A percentage with one decimal, in the language's decimal mark ("82,4%" in Vietnamese).
pub fn pct(v: Option<f64>, lang: Lang) -> String {
    match v {
        None => "–".into(),
        Some(x) if lang == Lang::Vi => crate::web::charts::fmt_pct(x, 1),
        Some(x) => format!("{:.1}%", x * 100.0),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub lang: Lang,
    pub status: u16,
    pub message: String,
}

impl ErrorPage {
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        if self.lang == Lang::Vi { vi } else { en }
    }
}

#[derive(Template)]
#[template(path = "kiosk.html")]
pub struct KioskPage {
    pub lang: Lang,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
}

async fn home(ctx: Ctx) -> Html<String> {
    html(&HomePage {
        page: ctx.page("Hài Lòng", "Hài Lòng", "home"),
    })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    next: String,
    username: String,
    error: Option<String>,
    demo: bool,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> Html<String> {
    html(&LoginPage {
        page: ctx.page("Đăng nhập", "Sign in", "login"),
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
        demo: state.settings.demo,
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    auth::ClientIp(ip): auth::ClientIp,
    Form(f): Form<LoginForm>,
) -> Response {
    match auth::sign_in(&state, &ip, &f.username, &f.password).await {
        Ok((token, _user)) => {
            let cookie = auth::session_cookie(
                &token,
                auth::cookie_secure(&state, &headers),
                state.settings.session_hours * 3600,
            );
            let mut res = Redirect::to(&safe_next(f.next.as_deref())).into_response();
            res.headers_mut()
                .insert(header::SET_COOKIE, cookie.parse().expect("cookie header"));
            res
        }
        Err(e @ (WebError::Unprocessable(_) | WebError::TooMany { .. })) => {
            let (status, msg) = match &e {
                WebError::Unprocessable(m) => (
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    m.get(ctx.lang).to_string(),
                ),
                WebError::TooMany { msg, .. } => (
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    msg.get(ctx.lang).to_string(),
                ),
                _ => unreachable!(),
            };
            let page = LoginPage {
                page: ctx.page("Đăng nhập", "Sign in", "login"),
                next: safe_next(f.next.as_deref()),
                username: f.username,
                error: Some(msg),
                demo: state.settings.demo,
            };
            (status, html(&page)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    u: CurrentUser,
) -> Result<Response, WebError> {
    if let Some(token) = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == auth::SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
    {
        state.store.session_delete(&token).await?;
    }
    state.store.audit(Some(u.user.id), "logout", "").await?;
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        auth::session_cookie("", false, 0).parse().expect("cookie"),
    );
    Ok(res)
}

async fn set_lang(
    axum::extract::Path(lang): axum::extract::Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let lang = Lang::parse(&lang).unwrap_or_default();
    let mut res = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        super::i18n::LANG_COOKIE,
        lang.code()
    );
    res.headers_mut()
        .insert(header::SET_COOKIE, cookie.parse().expect("cookie"));
    res
}

/// Officials' photos are public: the kiosk shows them to every citizen at the counter.
async fn official_photo(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Result<Response, WebError> {
    match state.store.official_photo(id).await? {
        Some((bytes, ct)) => Ok((
            [
                (header::CONTENT_TYPE, ct),
                (header::CACHE_CONTROL, "public, max-age=300".into()),
            ],
            bytes,
        )
            .into_response()),
        None => {
            let o = state.store.official(id).await?;
            let svg = crate::domain::avatar::initials_svg(&o.full_name);
            Ok((
                [
                    (header::CONTENT_TYPE, "image/svg+xml".to_string()),
                    (header::CACHE_CONTROL, "public, max-age=300".into()),
                ],
                svg,
            )
                .into_response())
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{lang}", get(set_lang))
        .route("/officials/{id}/photo", get(official_photo))
        .merge(units::router())
        .merge(calendar::router())
        .merge(targets::router())
        .merge(alerts::router())
        .merge(reports::router())
        .merge(dashboards::router())
        .merge(scorecards::router())
        .merge(officials::router())
        .merge(counters::router())
        .merge(kiosks::router())
        .merge(forms::router())
        .merge(users::router())
        .merge(signin::router())
        .merge(ratings::router())
        .merge(me::router())
        .merge(procedures::router())
        .merge(dossiers::router())
        .merge(dossier_steps::router())
}
