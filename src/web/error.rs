//! One error type for the web layer. It renders as JSON under /api and as a page elsewhere, in
//! the language of the request (see `render_errors`).

use std::sync::Arc;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use crate::domain::Msg;
use crate::domain::msg::Lang;
use crate::report::ReportError;
use crate::store::StoreError;
use crate::store::ratings::{Refusal, SubmitError};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not signed in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    NotFound(Msg),
    #[error("{0}")]
    BadRequest(Msg),
    #[error("{0}")]
    Unprocessable(Msg),
    #[error("{0}")]
    Conflict(Msg),
    #[error("{msg}")]
    TooMany { msg: Msg, retry_after: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

/// What an error response carries until `render_errors` turns it into JSON or a page.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorInfo {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: &'static str,
    pub message: Msg,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl WebError {
    pub fn bad(vi: impl Into<String>, en: impl Into<String>) -> Self {
        WebError::BadRequest(Msg::new(vi, en))
    }
    pub fn not_found(vi: impl Into<String>, en: impl Into<String>) -> Self {
        WebError::NotFound(Msg::new(vi, en))
    }

    fn info(&self) -> ErrorInfo {
        let (status, error, message) = match self {
            WebError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                Msg::new("Vui lòng đăng nhập", "Please sign in"),
            ),
            WebError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                Msg::new(
                    "Bạn không có quyền thực hiện thao tác này",
                    "You are not allowed to do this",
                ),
            ),
            WebError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m.clone()),
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m.clone()),
            WebError::Unprocessable(m) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", m.clone()),
            WebError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m.clone()),
            WebError::TooMany { msg, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                msg.clone(),
            ),
            WebError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                Msg::new(
                    "Lỗi hệ thống, vui lòng thử lại sau",
                    "Server error, please try again later",
                ),
            ),
        };
        let retry_after = match self {
            WebError::TooMany { retry_after, .. } => Some(*retry_after),
            _ => None,
        };
        ErrorInfo {
            status,
            error,
            message,
            retry_after,
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => WebError::NotFound(m),
            StoreError::Conflict(m) => WebError::Conflict(m),
            StoreError::Invalid(m) => WebError::Unprocessable(m),
            StoreError::ImportRow { line, msg } => WebError::Unprocessable(Msg::new(
                format!("Dòng {line}: {}", msg.vi),
                format!("Line {line}: {}", msg.en),
            )),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<ReportError> for WebError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Store(s) => s.into(),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<SubmitError> for WebError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Refused(r @ Refusal::TooSoon { wait_seconds }) => WebError::TooMany {
                msg: r.msg(),
                retry_after: wait_seconds as u64,
            },
            SubmitError::Refused(r) => WebError::Conflict(r.msg()),
            SubmitError::Store(s) => s.into(),
            SubmitError::WriterGone => WebError::Internal("rating writer stopped".into()),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let info = self.info();
        let mut res = info.status.into_response();
        if let Some(s) = info.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        res.extensions_mut().insert(Arc::new(info));
        res
    }
}

/// Renders an `ErrorInfo` left by a handler: JSON for the API, a page (or the login redirect)
/// for browsers, in the request's language.
pub fn render(info: &ErrorInfo, api: bool, lang: Lang, path_and_query: &str) -> Response {
    if api {
        #[derive(Serialize)]
        struct Body<'a> {
            error: &'a str,
            message: &'a str,
            message_vi: &'a str,
            message_en: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            retry_after: Option<u64>,
        }
        let body = Body {
            error: info.error,
            message: info.message.get(lang),
            message_vi: &info.message.vi,
            message_en: &info.message.en,
            retry_after: info.retry_after,
        };
        let mut res = (info.status, axum::Json(body)).into_response();
        if let Some(s) = info.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        return res;
    }
    if info.status == StatusCode::UNAUTHORIZED {
        let next = crate::web::pages::url_encode(path_and_query);
        return Redirect::to(&format!("/login?next={next}")).into_response();
    }
    let page = crate::web::pages::ErrorPage {
        lang,
        status: info.status.as_u16(),
        message: info.message.get(lang).to_string(),
    };
    (info.status, crate::web::pages::html(&page)).into_response()
}
