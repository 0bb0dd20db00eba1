//! HTTP: server-rendered pages for staff and the public, the counter kiosk, and the JSON API
//! under /api/v1 with its OpenAPI document.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{
    DefaultPredicate, NotForContentType, Predicate, SizeAbove,
};
use tower_http::trace::TraceLayer;

use crate::store::Store;
use crate::store::ratings::RatingWriter;

pub mod api;
pub mod api_procedures;
pub mod assets;
pub mod auth;
pub mod charts;
pub mod dossier_steps;
pub mod dossiers;
pub mod error;
pub mod i18n;
pub mod json;
pub mod kiosk;
pub mod pages;

pub use error::WebError;

/// Runtime settings of the web service (the CLI fills them from flags and HAILONG_* variables).
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// Always mark cookies Secure (else only for requests that arrived over HTTPS).
    pub secure_cookies: bool,
    /// A kiosk refuses a second rating from the same device within this many seconds.
    pub kiosk_repeat_seconds: i64,
    /// A kiosk returns to its start screen after this many idle seconds.
    pub kiosk_idle_seconds: i64,
    pub login_attempts_per_minute: u32,
    /// Below this many ballots a row is greyed and never ranked.
    pub min_n: u64,
    pub session_hours: i64,
    /// Shown on the login page when the database holds demo data.
    pub demo: bool,
    /// The address citizens reach the service at, printed in receipts' QR codes.
    pub public_url: String,
    /// Where alert e-mails go (`smtps://user:password@host:465`); none: they are logged.
    pub smtp_url: Option<String>,
    /// The sender of alert e-mails, e.g. `Hài Lòng <canhbao@khanhhoa.gov.vn>`.
    pub smtp_from: Option<String>,
    /// Seconds between two checks of targets against actuals; 0: no periodic check.
    pub alert_check_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".parse().expect("valid address"),
            secure_cookies: false,
            kiosk_repeat_seconds: 30,
            kiosk_idle_seconds: 20,
            login_attempts_per_minute: 10,
            min_n: crate::report::official_month::DEFAULT_MIN_N,
            session_hours: 12,
            public_url: "http://127.0.0.1:8080".into(),
            demo: false,
            smtp_url: None,
            smtp_from: None,
            alert_check_seconds: 3600,
        }
    }
}

pub struct Inner {
    pub store: Store,
    pub writer: RatingWriter,
    pub settings: Settings,
    pub login_limiter: auth::LoginLimiter,
    /// Wrong receipt secrets (public look-up) and online registrations, per address.
    pub lookup_limiter: auth::FailureLimiter,
    pub kiosk_cache: kiosk::KioskCache,
    /// Raises and e-mails alerts; fed by the rating writer.
    pub alerter: crate::alerts::Alerter,
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// The state and its background work; fails only on an unusable SMTP configuration.
    pub fn new(store: Store, settings: Settings) -> std::io::Result<AppState> {
        let notifier = crate::notify::Notifier::from_config(
            settings.smtp_url.as_deref(),
            settings.smtp_from.as_deref(),
        )
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        tracing::info!(mail = %notifier.describe(), "alert e-mails");
        let alerter = crate::alerts::Alerter::new(
            store.clone(),
            Arc::new(notifier),
            settings.min_n,
            &settings.public_url,
        );
        let (hook, unsatisfied) = tokio::sync::mpsc::unbounded_channel();
        crate::alerts::spawn_rating_alerts(
            alerter.clone(),
            unsatisfied,
            crate::domain::time::now_ms(),
        );
        Ok(AppState(Arc::new(Inner {
            writer: RatingWriter::spawn_with(store.clone(), Some(hook)),
            alerter,
            login_limiter: auth::LoginLimiter::new(settings.login_attempts_per_minute),
            lookup_limiter: auth::FailureLimiter::new(10, Duration::from_secs(600)),
            kiosk_cache: kiosk::KioskCache::default(),
            store,
            settings,
        })))
    }
}

/// The process-wide Prometheus recorder (a recorder can be installed only once per process).
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &[
                    0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            )
            .expect("valid buckets")
            .install_recorder()
            .expect("no other recorder installed")
    })
}

async fn track_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let res = next.run(req).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", res.status().as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    res
}

/// Turns an error left by a handler into JSON (API) or a page (browser), in the user's language.
async fn render_errors(req: Request, next: Next) -> Response {
    let lang = i18n::lang_of(req.headers());
    let path = req.uri().path().to_owned();
    let pq = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"));
    let api = path.starts_with("/api/") || wants_json;
    let res = next.run(req).await;
    match res.extensions().get::<Arc<error::ErrorInfo>>() {
        Some(info) => error::render(info, api, lang, &pq),
        None if res.status() == StatusCode::NOT_FOUND
            && res.headers().get(header::CONTENT_TYPE).is_none() =>
        {
            let info = error::ErrorInfo {
                status: StatusCode::NOT_FOUND,
                error: "not_found",
                message: crate::domain::Msg::new("Không tìm thấy trang", "Page not found"),
                retry_after: None,
            };
            error::render(&info, api, lang, &pq)
        }
        None => res,
    }
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    ));
    res
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database unavailable: {e}"),
        )
            .into_response(),
    }
}

async fn metrics_page() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics_handle().render(),
    )
        .into_response()
}

pub fn router(state: AppState) -> Router {
    metrics_handle();
    let (api, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(pages::router())
        .merge(kiosk::router())
        .merge(api)
        .route(
            "/api/v1/openapi.json",
            get(move || async move { axum::Json(openapi.as_ref().clone()) }),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_page))
        .route("/assets/{*path}", get(assets::serve))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::csrf_guard,
        ))
        .layer(middleware::from_fn(render_errors))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(track_metrics))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            8 * 1024 * 1024,
        ))
        .layer(compression())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Gzip for the clients that accept it, at its fastest level: a national ranking is 1.3 MB of
/// JSON (345 KB gzipped), which a leader's office reaches over the province's network, not
/// over loopback; compressing it costs a few milliseconds (docs/BENCHMARKS.md). Small
/// bodies, and XLSX files (zip archives already), go as they are. So do HTML pages: they
/// carry the session's CSRF token beside text the request chose (a search, a period), and
/// compressing both together would let an eavesdropper guess the token from sizes (BREACH).
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Fastest)
        .compress_when(
            DefaultPredicate::new()
                .and(SizeAbove::new(1024))
                .and(NotForContentType::const_new("text/html"))
                .and(NotForContentType::const_new(pages::XLSX)),
        )
}

/// A bound, not yet running, server: tests bind port 0 and read the port back.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    pub async fn build(store: Store, settings: Settings) -> std::io::Result<Application> {
        let listener = TcpListener::bind(settings.listen).await?;
        let every = settings.alert_check_seconds;
        let state = AppState::new(store, settings)?;
        if every > 0 {
            crate::alerts::spawn_target_checks(state.alerter.clone(), Duration::from_secs(every));
        }
        Ok(Application {
            listener,
            router: router(state),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound socket")
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        // Without TCP_NODELAY, the last small segment of a response written in pieces (a
        // compressed body is) waited for the client's delayed ACK: 40 ms stalls at p95.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!("TCP_NODELAY: {e}");
            }
        });
        axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }

    pub async fn run(self) -> std::io::Result<()> {
        self.run_until(std::future::pending()).await
    }
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
    tokio::time::sleep(Duration::from_millis(10)).await;
}
