//! Targets and alerts (issue 4, item 4): a province's target reaches its communes; a missed
//! month alerts the leaders of the commune and of the province once, however often it is
//! checked; an unsatisfied kiosk rating reaches the commune's leader through the real kiosk API
//! and nobody else; bad targets are refused in both languages and leave nothing behind; e-mail
//! goes to the log unless SMTP is configured, and never shows the SMTP password.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use common::{Seed, Staff, TestApp, now_ms, seed, test_settings};
use hailong::alerts::Alerter;
use hailong::domain::form::ValidRating;
use hailong::domain::role::Role;
use hailong::domain::scale::{Level, Scale};
use hailong::domain::target::Indicator;
use hailong::notify::{Email, Notifier, redact_url};
use hailong::store::alerts::{AlertKind, AlertRow};
use hailong::store::ratings::{Channel, NewRating};
use hailong::store::users::UserInput;
use hailong::web::Settings;
use serde_json::Value;
use tracing::instrument::WithSubscriber;

/// No periodic check: the tests run each check themselves and count what it raised.
fn settings() -> Settings {
    Settings {
        alert_check_seconds: 0,
        kiosk_repeat_seconds: 0,
        ..test_settings()
    }
}

/// A leader of the province, beside the seed's commune leaders.
async fn province_leader(app: &TestApp, s: &Seed) -> i64 {
    let hash = hailong::domain::password::hash(common::PASSWORD);
    app.store
        .user_create(
            &UserInput {
                username: "leader_p".into(),
                display_name: "Lãnh đạo tỉnh".into(),
                role: Role::Leader,
                unit_id: Some(s.province),
                official_id: None,
            },
            &hash,
        )
        .await
        .unwrap()
}

async fn user_id(app: &TestApp, name: &str) -> i64 {
    app.store.user_by_username(name).await.unwrap().unwrap().id
}

async fn inbox(app: &TestApp, name: &str, kind: AlertKind) -> Vec<AlertRow> {
    let id = user_id(app, name).await;
    app.store
        .alerts_inbox(id, 100, 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == kind.as_str())
        .collect()
}

/// `satisfied` of `n` ballots for official 1 of commune A, all this month, stored as history.
async fn ballots(app: &TestApp, s: &Seed, n: usize, satisfied: usize) {
    let now = now_ms();
    let batch: Vec<NewRating> = (0..n)
        .map(|i| {
            let level = if i < satisfied {
                Level::SATISFIED
            } else {
                Level::DISSATISFIED
            };
            let at = now - 1000 - i as i64;
            NewRating {
                idempotency_key: format!("history-{i}"),
                channel: Channel::Kiosk,
                device_id: None,
                counter_id: Some(s.counter1),
                session_id: None,
                official_id: Some(s.official1),
                unit_id: s.commune_a,
                form_version_id: s.form_version_id,
                scale: Scale::Three,
                rating: ValidRating {
                    headline: level,
                    answers: vec![("attitude".into(), level)],
                    reasons: vec![],
                    comment: None,
                },
                dossier_code: None,
                rated_at: at,
                received_at: now,
                repeat_window_ms: 0,
            }
        })
        .collect();
    app.store.ratings_import(&batch).await.unwrap();
}

async fn page(app: &TestApp, staff: &Staff, path: &str) -> (u16, String) {
    let res = app.get_as(staff, path).await;
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn put_target(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .put(app.url("/api/v1/targets"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_province_target_reaches_its_communes_and_a_missed_month_alerts_once() {
    let app = TestApp::spawn_with(settings()).await;
    let s = seed(&app.store).await;
    province_leader(&app, &s).await;
    app.store
        .user_set_email(user_id(&app, "leader").await, "lanhdao@vanhung.gov.vn")
        .await
        .unwrap();

    // The province's leader sets ≥ 80% satisfaction on the province, through the page.
    let lp = app.login("leader_p").await;
    let res = app
        .post_form_as(
            &lp,
            "/targets",
            &[
                ("unit_id", &s.province.to_string()),
                ("indicator", "satisfaction_rate"),
                ("threshold", "80"),
                ("valid_from", "2020-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // A commune's leader may not change the province's targets, nor may an inspector.
    let la = app.login("leader").await;
    let res = app
        .post_form_as(
            &la,
            "/targets",
            &[
                ("unit_id", &s.province.to_string()),
                ("indicator", "satisfaction_rate"),
                ("threshold", "50"),
                ("valid_from", "2020-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    let inspector = app.api_token("inspector").await;
    let (status, _) = put_target(
        &app,
        &inspector,
        serde_json::json!({"unit_id": s.commune_a, "indicator": "satisfaction_rate", "threshold": 0.5, "valid_from": "2026-01"}),
    )
    .await;
    assert_eq!(status, 403);

    // The commune inherits the province's target, and says where it comes from.
    let token = app.api_token("leader").await;
    let v: Value = app
        .client
        .get(app.url(&format!("/api/v1/targets?unit={}", s.commune_a)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["own"].as_array().unwrap().len(), 0);
    let sat = v["status"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "satisfaction_rate")
        .unwrap()
        .clone();
    assert_eq!(sat["target"]["threshold"], 0.8);
    assert_eq!(sat["target"]["inherited"], true);
    assert_eq!(sat["target"]["source_unit_id"], s.province);
    assert_eq!(sat["target"]["source_unit_name"], "Tỉnh Khánh Hòa");
    assert_eq!(sat["status"], "no_data");
    let (status, body) = page(&app, &la, &format!("/targets?unit={}", s.commune_a)).await;
    assert_eq!(status, 200);
    assert!(body.contains("Theo <a href=\"/targets?unit="), "{body}");
    // Inspectors read.
    let ins = app.login("inspector").await;
    assert_eq!(page(&app, &ins, "/targets").await.0, 200);

    // 40 ballots at 70%.
    ballots(&app, &s, 40, 28).await;
    let alerter = Alerter::new(
        app.store.clone(),
        Arc::new(Notifier::Log),
        30,
        "http://hailong.test",
    );
    let sum = alerter.check_and_send().await.unwrap();
    // The commune and the province (its figures include the commune's) missed; commune B has
    // no ballot, so nothing to judge.
    assert_eq!((sum.missed, sum.raised), (2, 2), "{sum:?}");

    let commune_leader = inbox(&app, "leader", AlertKind::TargetMissed).await;
    assert_eq!(commune_leader.len(), 1);
    let a = &commune_leader[0];
    assert_eq!(a.unit_id, s.commune_a);
    assert!(a.subject_vi.contains("tỷ lệ hài lòng"), "{}", a.subject_vi);
    assert!(a.body_vi.contains("70,0%"), "{}", a.body_vi);
    assert!(a.body_vi.contains("n = 40 phiếu"), "{}", a.body_vi);
    assert!(a.body_vi.contains("≥ 80,0%"), "{}", a.body_vi);
    assert!(a.body_vi.contains("Tỉnh Khánh Hòa"), "{}", a.body_vi);
    // 28 of 40: the 95% interval reaches above 80%, and the alert says so.
    assert!(a.body_vi.contains("chưa khẳng định được"), "{}", a.body_vi);
    assert!(a.body_en.contains("not conclusive"), "{}", a.body_en);
    // The commune leader has an address: the message went to the log (no SMTP configured).
    assert_eq!(a.email_status.as_deref(), Some("logged"));
    let province_leader = inbox(&app, "leader_p", AlertKind::TargetMissed).await;
    let mut units: Vec<i64> = province_leader.iter().map(|a| a.unit_id).collect();
    units.sort();
    assert_eq!(units, vec![s.province, s.commune_a]);
    assert!(province_leader.iter().all(|a| a.email_status.is_none()));
    assert!(
        inbox(&app, "leader_b", AlertKind::TargetMissed)
            .await
            .is_empty()
    );

    // A second check, here from the command line, raises nothing new.
    hailong::cli::run(hailong::cli::Cli::parse_from([
        "hailong",
        "--database-url",
        &app.db_url,
        "alerts",
        "check",
    ]))
    .await
    .unwrap();
    let (again, _) = alerter.check_targets().await.unwrap();
    assert_eq!((again.missed, again.raised), (2, 0));
    assert_eq!(
        app.store
            .alerts_count(s.commune_a, AlertKind::TargetMissed)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app.store
            .alerts_count(s.province, AlertKind::TargetMissed)
            .await
            .unwrap(),
        1
    );

    // The dashboard shows the target section and the target line on the trend chart.
    let (status, body) = page(&app, &la, &format!("/dashboard?unit={}", s.commune_a)).await;
    assert_eq!(status, 200);
    assert!(
        body.contains(r#"data-indicator="satisfaction_rate" data-status="missed""#),
        "{body}"
    );
    assert!(body.contains("Mục tiêu ≥ 80,0%"), "{body}");
    assert!(body.contains("chưa khẳng định được"), "{body}");
    // The top bar counts the unread alert, and the inbox marks it read.
    assert!(body.contains(r#"id="alerts-link""#), "{body}");
    let (_, body) = page(&app, &la, "/alerts").await;
    assert!(body.contains("Chưa đạt chỉ tiêu tỷ lệ hài lòng"), "{body}");
    let res = app
        .post_form_as(&la, &format!("/alerts/{}/read", a.id), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.store
            .alerts_unread(user_id(&app, "leader").await)
            .await
            .unwrap(),
        0
    );
    // Nobody else can mark it.
    let lb = app.login("leader_b").await;
    let res = app
        .post_form_as(&lb, &format!("/alerts/{}/read", a.id), &[])
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn an_unsatisfied_kiosk_rating_alerts_the_commune_leader_only() {
    let app = TestApp::spawn_with(settings()).await;
    let s = seed(&app.store).await;
    let session = app
        .store
        .counter_sign_in(s.counter1, s.official1)
        .await
        .unwrap();
    let rate = |key: &'static str, level: i16, reasons: Value, comment: Value| {
        app.client
            .post(app.url("/api/v1/kiosk/ratings"))
            .bearer_auth(&s.kiosk_token)
            .json(&serde_json::json!({
                "idempotency_key": key, "session_id": session, "form_version_id": s.form_version_id,
                "answers": [{"question": "attitude", "level": level}, {"question": "handling", "level": level}],
                "reasons": reasons, "comment": comment,
            }))
            .send()
    };
    // A satisfied citizen first: no alert for that one.
    let res = rate("kiosk-good-0001", 4, serde_json::json!([]), Value::Null)
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = rate(
        "kiosk-bad-00001",
        2,
        serde_json::json!(["waiting"]),
        serde_json::json!("Chờ hơn một tiếng"),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);

    let la = app.login("leader").await;
    let mut body = String::new();
    for _ in 0..50 {
        body = page(&app, &la, "/alerts").await.1;
        if body.contains("Nguyễn Thị Lan") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        body.contains("Không hài lòng: Nguyễn Thị Lan – Xã Vạn Hưng"),
        "{body}"
    );
    assert!(body.contains("Quầy: Quầy 1"), "{body}");
    assert!(body.contains("Lý do: Phải chờ đợi lâu"), "{body}");
    assert!(body.contains("Chờ hơn một tiếng"), "{body}");
    assert!(!body.contains(&s.kiosk_token), "{body}");
    // Alerts are raised in the order ratings were stored: the satisfied one raised none.
    let alerts = inbox(&app, "leader", AlertKind::UnsatisfiedRating).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].unit_id, s.commune_a);
    // The top bar shows one unread alert.
    assert!(
        body.contains(r#"<span class="badge off">1</span></a>"#),
        "{body}"
    );

    // The leader of another commune sees neither the alert nor a count; an inspector has no
    // inbox link at all.
    let lb = app.login("leader_b").await;
    let (_, other) = page(&app, &lb, "/alerts").await;
    assert!(!other.contains("Nguyễn Thị Lan"), "{other}");
    assert!(other.contains("Chưa có cảnh báo nào."), "{other}");
    assert!(
        inbox(&app, "leader_b", AlertKind::UnsatisfiedRating)
            .await
            .is_empty()
    );
    let ins = app.login("inspector").await;
    let (_, dash) = page(&app, &ins, "/dashboard").await;
    assert!(!dash.contains(r#"id="alerts-link""#));
}

#[tokio::test]
async fn a_bad_target_is_refused_in_both_languages_and_nothing_is_stored() {
    let app = TestApp::spawn_with(settings()).await;
    let s = seed(&app.store).await;
    let la = app.login("leader").await;
    let res = app
        .post_form_as(
            &la,
            "/targets",
            &[
                ("unit_id", &s.commune_a.to_string()),
                ("indicator", "satisfaction_rate"),
                ("threshold", "150"),
                ("valid_from", "2026-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Ngưỡng chỉ tiêu phải từ 0% đến 100% (đã nhập 150,0%)"),
        "{body}"
    );
    // What was typed stays in the form to be corrected.
    assert!(body.contains(r#"value="150""#), "{body}");

    let token = app.api_token("leader").await;
    let (status, err) = put_target(
        &app,
        &token,
        serde_json::json!({"unit_id": s.commune_a, "indicator": "satisfaction_rate", "threshold": 1.5, "valid_from": "2026-01"}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        err["message_vi"]
            .as_str()
            .unwrap()
            .contains("từ 0% đến 100%"),
        "{err}"
    );
    assert!(
        err["message_en"]
            .as_str()
            .unwrap()
            .contains("between 0% and 100%"),
        "{err}"
    );
    let (status, err) = put_target(
        &app,
        &token,
        serde_json::json!({"unit_id": s.commune_a, "indicator": "happiness", "threshold": 0.8, "valid_from": "2026-01"}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        err["message_vi"]
            .as_str()
            .unwrap()
            .contains("Chỉ tiêu 'happiness' không có"),
        "{err}"
    );
    assert!(
        err["message_en"]
            .as_str()
            .unwrap()
            .contains("Unknown indicator"),
        "{err}"
    );
    let (status, _) = put_target(
        &app,
        &token,
        serde_json::json!({"unit_id": s.commune_a, "indicator": "online_share", "threshold": 0.4, "valid_from": "2026-13"}),
    )
    .await;
    assert_eq!(status, 422);
    // Another commune's leader may not set this commune's target.
    let other = app.api_token("leader_b").await;
    let (status, _) = put_target(
        &app,
        &other,
        serde_json::json!({"unit_id": s.commune_a, "indicator": "online_share", "threshold": 0.4, "valid_from": "2026-01"}),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        app.store
            .targets_of_units(&[s.province, s.commune_a, s.commune_b])
            .await
            .unwrap()
            .is_empty()
    );

    // A good one is stored with who set it, and the same month again replaces it.
    for t in [0.4, 0.5] {
        let (status, v) = put_target(
            &app,
            &token,
            serde_json::json!({"unit_id": s.commune_a, "indicator": "online_share", "threshold": t, "valid_from": "2026-01"}),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["set_by_name"], "leader");
    }
    let stored = app.store.targets_of_units(&[s.commune_a]).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].indicator, stored[0].threshold),
        (Indicator::OnlineShare, 0.5)
    );
    let res = app
        .client
        .delete(app.url(&format!(
            "/api/v1/targets?unit={}&indicator=online_share&valid_from=2026-01",
            s.commune_a
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(
        app.store
            .targets_of_units(&[s.commune_a])
            .await
            .unwrap()
            .is_empty()
    );
    // The OpenAPI document describes the targets API.
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ops = &doc["paths"]["/api/v1/targets"];
    assert!(ops["get"].is_object() && ops["put"].is_object() && ops["delete"].is_object());
}

#[tokio::test]
async fn leaders_get_an_email_address_from_the_account_page_or_the_command_line() {
    let app = TestApp::spawn_with(settings()).await;
    seed(&app.store).await;
    let admin = app.login("admin").await;
    let id = user_id(&app, "leader").await;
    let form = |email: &'static str| {
        [
            ("display_name", "leader"),
            ("role", "leader"),
            ("unit_code", "22525"),
            ("official_code", ""),
            ("email", email),
        ]
    };
    let res = app
        .post_form_as(&admin, &format!("/users/{id}"), &form("khong-phai-thu"))
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("không hợp lệ"));
    assert_eq!(app.store.user(id).await.unwrap().email, None);
    let res = app
        .post_form_as(
            &admin,
            &format!("/users/{id}"),
            &form("lanhdao@vanhung.gov.vn"),
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.store.user(id).await.unwrap().email.as_deref(),
        Some("lanhdao@vanhung.gov.vn")
    );
    let (_, body) = page(&app, &admin, &format!("/users/{id}/edit")).await;
    assert!(body.contains(r#"value="lanhdao@vanhung.gov.vn""#), "{body}");

    hailong::cli::run(hailong::cli::Cli::parse_from([
        "hailong",
        "--database-url",
        &app.db_url,
        "admin",
        "create",
        "--username",
        "lanhdao2",
        "--role",
        "leader",
        "--unit",
        "22516",
        "--email",
        "lanhdao@vanthang.gov.vn",
    ]))
    .await
    .unwrap();
    let u = app
        .store
        .user_by_username("lanhdao2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.email.as_deref(), Some("lanhdao@vanthang.gov.vn"));
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn email_goes_to_the_log_by_default_and_no_secret_is_shown() {
    // Nothing configured: the service logs its e-mails.
    let d = Settings::default();
    assert!(d.smtp_url.is_none() && d.smtp_from.is_none());
    let n = Notifier::from_config(d.smtp_url.as_deref(), d.smtp_from.as_deref()).unwrap();
    assert!(matches!(n, Notifier::Log));

    let out = Captured::default();
    let sink = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let email = Email {
        to: "lanhdao@vanhung.gov.vn".into(),
        subject: "[Hài Lòng] Không hài lòng: Nguyễn Thị Lan – Xã Vạn Hưng".into(),
        body: "Cán bộ: Nguyễn Thị Lan".into(),
    };
    let delivery = n.send(&email).with_subscriber(subscriber).await.unwrap();
    assert_eq!(delivery.as_str(), "logged");
    let logged = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("Nguyễn Thị Lan"), "{logged}");

    // Configured with a password: described, and refused, without it.
    let url = "smtps://canhbao:Mat-Khau-SMTP-2026@mail.khanhhoa.gov.vn:465";
    assert_eq!(
        redact_url(url),
        "smtps://canhbao:***@mail.khanhhoa.gov.vn:465"
    );
    let smtp =
        Notifier::from_config(Some(url), Some("Hài Lòng <canhbao@khanhhoa.gov.vn>")).unwrap();
    assert!(!format!("{} {smtp:?}", smtp.describe()).contains("Mat-Khau"));
    let e = Notifier::from_config(Some(url), None).unwrap_err();
    assert!(!e.to_string().contains("Mat-Khau"), "{e}");
    assert!(e.to_string().contains("HAILONG_SMTP_FROM"), "{e}");
    // The service itself refuses to start on such a configuration, and says why without it.
    let bad = Settings {
        smtp_url: Some(url.into()),
        ..settings()
    };
    let (db_url, _db) = common::fresh_database().await;
    let store = hailong::store::Store::connect(&db_url).await.unwrap();
    store.migrate().await.unwrap();
    let e = match hailong::web::Application::build(store.clone(), bad).await {
        Err(e) => e,
        Ok(_) => panic!("an SMTP URL without a sender must be refused"),
    };
    assert!(!e.to_string().contains("Mat-Khau"), "{e}");
    store.close().await;
}
