//! Operations: health, metrics, the OpenAPI document, security headers, language of errors.

mod common;

use common::{TestApp, now_ms, seed};
use serde_json::Value;

#[tokio::test]
async fn healthz_metrics_and_openapi_answer() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);

    let session = app
        .store
        .counter_sign_in(s.counter1, s.official1)
        .await
        .unwrap();
    assert_eq!(
        app.kiosk_rate(
            &s.kiosk_token,
            session,
            s.form_version_id,
            5,
            "metrics-key-1",
            now_ms()
        )
        .await
        .status(),
        201
    );
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("hailong_ratings_stored_total"),
        "ratings stored are counted"
    );
    assert!(metrics.contains(
        "http_requests_total{method=\"POST\",route=\"/api/v1/kiosk/ratings\",status=\"201\"}"
    ));
    assert!(metrics.contains("http_request_duration_seconds_bucket"));

    let spec: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/kiosk/ratings",
        "/api/v1/kiosk/state",
        "/api/v1/reports/officials",
        "/api/v1/officials",
        "/api/v1/units",
        "/api/v1/kiosks",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(
        spec["components"]["schemas"]
            .get("KioskRatingInput")
            .is_some()
    );
}

/// What a browser on the province's network asks for: large bodies come gzipped and read back
/// the same; small ones, clients that do not accept gzip, XLSX files (zip archives already) and
/// HTML pages (which carry the CSRF token: BREACH) get the bytes as they are.
#[tokio::test]
async fn large_responses_are_gzipped_for_clients_that_accept_it() {
    let app = TestApp::spawn().await;
    seed(&app.store).await;
    let plain = reqwest::Client::builder().no_gzip().build().unwrap();
    let get_as = |cookie: Option<&str>, path: &str, gzip: bool| {
        let mut req = plain.get(app.url(path));
        if let Some(cookie) = cookie {
            req = req.header("cookie", cookie);
        }
        if gzip {
            req = req.header("accept-encoding", "gzip");
        }
        req.send()
    };
    let get = |path: &str, gzip: bool| get_as(None, path, gzip);
    let identity = get("/api/v1/openapi.json", false).await.unwrap();
    assert!(identity.headers().get("content-encoding").is_none());
    let identity = identity.bytes().await.unwrap();
    let zipped = get("/api/v1/openapi.json", true).await.unwrap();
    assert_eq!(zipped.status(), 200);
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert!(
        zipped.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("accept-encoding")
    );
    let zipped = zipped.bytes().await.unwrap();
    assert!(
        zipped.len() * 2 < identity.len(),
        "{} bytes gzipped of {}",
        zipped.len(),
        identity.len()
    );
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&zipped[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, identity);

    let small = get("/healthz", true).await.unwrap();
    assert!(small.headers().get("content-encoding").is_none());

    let staff = app.login("leader").await;
    let page = get_as(
        Some(&staff.cookie),
        "/reports/officials?month=2026-10",
        true,
    )
    .await
    .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers().get("content-encoding").is_none());
    let page = page.text().await.unwrap();
    assert!(page.len() > 1024 && page.contains("csrf"), "{page}");

    let xlsx = get_as(
        Some(&staff.cookie),
        "/reports/officials.xlsx?month=2026-10",
        true,
    )
    .await
    .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.headers().get("content-encoding").is_none());
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn pages_carry_security_headers_and_errors_follow_the_language() {
    let app = TestApp::spawn().await;
    seed(&app.store).await;
    let res = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let html = res.text().await.unwrap();
    assert!(html.contains("Tên đăng nhập"), "Vietnamese by default");

    let res = app
        .client
        .get(app.url("/khong-co"))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("Page not found"));
    let res = app
        .client
        .get(app.url("/api/v1/units/999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "Vui lòng đăng nhập");

    // Wrong password: a message on the page, not a crash; then the limiter steps in.
    let mut last = 0;
    for _ in 0..12 {
        let r = app
            .client
            .post(app.url("/login"))
            .form(&[("username", "admin"), ("password", "sai-mat-khau")])
            .send()
            .await
            .unwrap();
        last = r.status().as_u16();
        if last == 429 {
            break;
        }
        assert_eq!(last, 422);
    }
    assert_eq!(last, 429, "the login rate limit applies");
}

#[tokio::test]
async fn staff_sessions_are_httponly_cookies_and_end_on_logout() {
    let app = TestApp::spawn().await;
    seed(&app.store).await;
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", common::PASSWORD),
            ("next", "/units"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/units");
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    // Behind an HTTPS proxy the cookie is Secure.
    let res = app
        .client
        .post(app.url("/login"))
        .header("x-forwarded-proto", "https")
        .form(&[("username", "admin"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
    // An open redirect is not followed.
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", common::PASSWORD),
            ("next", "//evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");

    let staff = app.login("admin").await;
    assert_eq!(app.get_as(&staff, "/units").await.status(), 200);
    let res = app.post_form_as(&staff, "/logout", &[]).await;
    assert_eq!(res.status(), 303);
    let res = app.get_as(&staff, "/units").await;
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}
