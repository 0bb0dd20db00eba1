//! Dossiers: intake and codes, working-time due dates, status transitions, the receipt and the
//! public look-up — on both databases.

mod common;

use chrono::TimeZone;
use chrono_tz::Asia::Ho_Chi_Minh;
use common::{TestApp, seed};
use hailong::domain::dossier::{Action, IntakeChannel, ReturnMethod, Status};
use hailong::domain::limit::TimeLimit;
use hailong::domain::procedure::{OnlineLevel, ProcedureLevel};
use hailong::store::Store;
use hailong::store::dossiers::{ActInput, IntakeInput};
use hailong::store::procedures::ProcedureInput;
use serde_json::{Value, json};

fn local_ms(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    Ho_Chi_Minh
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .unwrap()
        .timestamp_millis()
}

async fn procedure(store: &Store, code: &str, limit: TimeLimit) -> i64 {
    store
        .procedure_create(
            &ProcedureInput {
                code: code.into(),
                name: "Đăng ký khai sinh".into(),
                field: "Hộ tịch".into(),
                level: ProcedureLevel::Commune,
                agency: "UBND cấp xã".into(),
                legal_limit: limit,
                limit_note: String::new(),
                fees: "Miễn lệ phí".into(),
                documents: vec!["Tờ khai đăng ký khai sinh".into()],
                legal_basis: "Luật Hộ tịch 2014".into(),
                online_level: OnlineLevel::Full,
                active: true,
            },
            None,
        )
        .await
        .unwrap()
}

/// An action by an official, as the store takes it.
fn act_by(official: i64, action: Action, note: &str, at: i64) -> ActInput {
    ActInput {
        action,
        note: note.into(),
        return_method: None,
        official_id: Some(official),
        user_id: None,
        at,
    }
}

fn intake(unit_id: i64, procedure_id: i64, official: Option<i64>) -> IntakeInput {
    IntakeInput {
        unit_id,
        procedure_id,
        channel: IntakeChannel::InPerson,
        applicant_name: "Nguyễn Văn An".into(),
        applicant_phone: "0905123456".into(),
        applicant_id_number: "056090001234".into(),
        applicant_address: "Thôn Xuân Tự 1, xã Vạn Hưng".into(),
        documents: vec!["Tờ khai".into(), "Giấy chứng sinh".into()],
        return_method: ReturnMethod::Desk,
        received_by: official,
        counter_id: None,
        user_id: None,
    }
}

#[tokio::test]
async fn intake_numbers_dossiers_per_unit_and_day_and_sets_the_due_time_in_working_hours() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(3)).await;
    // Monday 23/11/2026 08:00, 3 working days (24 working hours): Tuesday 24/11 is a public
    // holiday (Ngày Văn hóa Việt Nam), so Monday 7 h + Wednesday 8 h + Thursday 8 h + 1 h
    // end Friday 08:00.
    let monday = local_ms(2026, 11, 23, 8, 0);
    let a = app
        .store
        .dossier_intake(&intake(s.commune_a, p, Some(s.official1)), monday, [1; 6])
        .await
        .unwrap();
    assert_eq!(a.code, "22525-261123-0001");
    assert_eq!(a.status, Status::Received);
    assert_eq!(a.due_at, Some(local_ms(2026, 11, 27, 8, 0)));
    let b = app
        .store
        .dossier_intake(
            &intake(s.commune_a, p, Some(s.official1)),
            monday + 60_000,
            [2; 6],
        )
        .await
        .unwrap();
    assert_eq!(b.code, "22525-261123-0002");
    // Another unit has its own sequence; another day starts again at 0001. Received after
    // closing, the clock starts the next working morning: Thursday 07:00 + 24 h uses up
    // Thursday, Friday and Monday and ends at Monday's closing.
    let c = app
        .store
        .dossier_intake(
            &intake(s.commune_b, p, None),
            local_ms(2026, 11, 25, 18, 30),
            [3; 6],
        )
        .await
        .unwrap();
    assert_eq!(c.code, "22516-261125-0001");
    assert_eq!(c.due_at, Some(local_ms(2026, 11, 30, 17, 0)));
    let d = app.store.dossier(a.id).await.unwrap();
    assert_eq!(d.applicant_name, "Nguyễn Văn An");
    assert_eq!(d.documents.len(), 2);
    assert_eq!(d.time_limit, TimeLimit::WorkingDays(3));
}

#[tokio::test]
async fn concurrent_intakes_never_share_a_code() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(1)).await;
    let now = local_ms(2026, 11, 23, 9, 0);
    let mut tasks = Vec::new();
    for i in 0..24u8 {
        let store = app.store.clone();
        let input = intake(s.commune_a, p, Some(s.official1));
        tasks.push(tokio::spawn(async move {
            store
                .dossier_intake(&input, now, [i; 6])
                .await
                .unwrap()
                .code
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    codes.sort();
    let expected: Vec<String> = (1..=24).map(|n| format!("22525-261123-{n:04}")).collect();
    assert_eq!(codes, expected);
}

#[tokio::test]
async fn transitions_follow_the_rules_and_a_supplement_pauses_the_clock() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(2)).await;
    let t0 = local_ms(2026, 12, 7, 8, 0); // Monday, a week without holidays
    let d = app
        .store
        .dossier_intake(&intake(s.commune_a, p, Some(s.official1)), t0, [1; 6])
        .await
        .unwrap();
    assert_eq!(d.due_at, Some(local_ms(2026, 12, 9, 8, 0)));
    let act = |action, at, note: &str| act_by(s.official1, action, note, at);
    // Returning a result that does not exist yet is refused, with the reason, and nothing moves.
    let err = app
        .store
        .dossier_act(d.id, &act(Action::ReturnResult, t0 + 1000, ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("Đã tiếp nhận") || format!("{err:?}").contains("Đã tiếp nhận")
    );
    assert_eq!(
        app.store.dossier(d.id).await.unwrap().status,
        Status::Received
    );
    // A supplement request needs to say which papers.
    assert!(
        app.store
            .dossier_act(d.id, &act(Action::RequestSupplement, t0 + 2000, " "))
            .await
            .is_err()
    );
    app.store
        .dossier_act(d.id, &act(Action::Start, t0 + 3000, ""))
        .await
        .unwrap();
    // Paused from Monday 09:00 to Tuesday 09:00: 8 working hours do not count.
    app.store
        .dossier_act(
            d.id,
            &act(
                Action::RequestSupplement,
                local_ms(2026, 12, 7, 9, 0),
                "Thiếu giấy chứng sinh",
            ),
        )
        .await
        .unwrap();
    let resumed = app
        .store
        .dossier_act(
            d.id,
            &act(Action::CompleteSupplement, local_ms(2026, 12, 8, 9, 0), ""),
        )
        .await
        .unwrap();
    assert_eq!(resumed.status, Status::InProgress);
    assert_eq!(resumed.supplement_count, 1);
    assert_eq!(resumed.due_at, Some(local_ms(2026, 12, 10, 8, 0)));
    let ready = app
        .store
        .dossier_act(
            d.id,
            &act(Action::ResultReady, local_ms(2026, 12, 9, 15, 0), ""),
        )
        .await
        .unwrap();
    assert_eq!(ready.finished_at, Some(local_ms(2026, 12, 9, 15, 0)));
    let back = app
        .store
        .dossier_act(
            d.id,
            &act(Action::ReturnResult, local_ms(2026, 12, 9, 16, 0), ""),
        )
        .await
        .unwrap();
    assert_eq!(back.status, Status::ResultReturned);
    let history = app.store.dossier_events(d.id).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "intake",
            "start",
            "request_supplement",
            "complete_supplement",
            "result_ready",
            "return_result"
        ]
    );
    assert!(
        history
            .iter()
            .all(|e| e.official_name.as_deref() == Some("Nguyễn Thị Lan"))
    );
}

#[tokio::test]
async fn the_api_receives_acts_and_refuses_what_the_role_may_not_do() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(1)).await;
    let official = app.api_token("official").await;
    let body = json!({"unit_id": s.commune_a, "procedure_id": p, "applicant_name": "Trần Thị Bình",
        "applicant_phone": "0912000111", "documents": ["Tờ khai"]});
    let res = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(&official)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert!(created["code"].as_str().unwrap().starts_with("22525-"));
    assert_eq!(created["lookup_secret"].as_str().unwrap().len(), 6);

    // The official of commune A may not receive for commune B; the inspector reads only.
    let other = json!({"unit_id": s.commune_b, "procedure_id": p, "applicant_name": "X"});
    let res = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(&official)
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let inspector = app.api_token("inspector").await;
    let res = app
        .client
        .get(app.url(&format!("/api/v1/dossiers/{id}")))
        .bearer_auth(&inspector)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let detail: Value = res.json().await.unwrap();
    assert_eq!(detail["dossier"]["status"], "received");
    assert!(detail["dossier"].get("lookup_secret").is_none());
    let res = app
        .client
        .post(app.url(&format!("/api/v1/dossiers/{id}/actions")))
        .bearer_auth(&inspector)
        .json(&json!({"action": "start"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let leader_b = app.api_token("leader_b").await;
    let res = app
        .client
        .get(app.url(&format!("/api/v1/dossiers/{id}")))
        .bearer_auth(&leader_b)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .get(app.url(&format!("/api/v1/dossiers/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // An illegal step is a 422 with the reason in Vietnamese; the dossier is unchanged.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/dossiers/{id}/actions")))
        .bearer_auth(&official)
        .json(&json!({"action": "return_result"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert!(
        err["message_vi"].as_str().unwrap().contains("Không thể"),
        "{err}"
    );
    let res = app
        .client
        .post(app.url(&format!("/api/v1/dossiers/{id}/actions")))
        .bearer_auth(&official)
        .json(&json!({"action": "result_ready"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["status"], "result_ready");

    // The desk's list shows it; the overdue list does not (it is finished).
    let list: Value = app
        .client
        .get(app.url("/api/v1/dossiers"))
        .bearer_auth(&official)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let overdue: Value = app
        .client
        .get(app.url("/api/v1/dossiers?overdue=true"))
        .bearer_auth(&official)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(overdue.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn public_look_up_needs_the_secret_shows_nothing_personal_and_stops_guessing() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(1)).await;
    let d = app
        .store
        .dossier_intake(
            &intake(s.commune_a, p, Some(s.official1)),
            local_ms(2026, 11, 23, 8, 0),
            [7; 6],
        )
        .await
        .unwrap();
    let look = |code: String, secret: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/api/v1/public/dossiers/lookup"))
                .query(&[("code", code), ("secret", secret)])
                .send()
                .await
                .unwrap()
        }
    };
    // Case and spaces in the secret do not matter.
    let res = look(
        d.code.to_lowercase(),
        format!(" {} ", d.lookup_secret.to_lowercase()),
    )
    .await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["status_code"], 2);
    assert_eq!(v["status_label"], "Đã tiếp nhận");
    assert!(v["due_at"].as_i64().is_some());
    for personal in ["Nguyễn Văn An", "0905123456", "056090001234", "Xuân Tự"] {
        assert!(!text.contains(personal), "{personal} leaked: {text}");
    }
    // Wrong secrets: 404 like an unknown code, then 429 for this address, even with the
    // right secret.
    for _ in 0..10 {
        assert_eq!(look(d.code.clone(), "ZZZZZZ".into()).await.status(), 404);
    }
    let res = look(d.code.clone(), d.lookup_secret.clone()).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn the_receipt_prints_the_code_the_secret_and_a_qr_code() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(1)).await;
    let d = app
        .store
        .dossier_intake(
            &intake(s.commune_a, p, Some(s.official1)),
            local_ms(2026, 11, 23, 8, 0),
            [9; 6],
        )
        .await
        .unwrap();
    let staff = app.login("official").await;
    let res = app
        .get_as(&staff, &format!("/dossiers/{}/receipt", d.id))
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"));
    assert!(page.contains(&d.code));
    assert!(page.contains(&d.lookup_secret));
    assert!(page.contains("<svg"), "QR code drawn in the page");
    // 1 working day from Monday 08:00; Tuesday 24/11 is a holiday.
    assert!(page.contains("25/11/2026 08:00"), "due time printed");
    // The public look-up page opened from the QR code.
    let res = app
        .client
        .get(app.url(&format!(
            "/lookup?code={}&secret={}",
            d.code, d.lookup_secret
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Đã tiếp nhận"));
    assert!(!page.contains("Nguyễn Văn An"));
}

/// Every dossier page against every role: allowed (200 / 303 to the next page), refused (403),
/// or sent to the login page; a refused change leaves the dossier as it was.
#[tokio::test]
async fn dossier_pages_by_role() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(1)).await;
    let d = app
        .store
        .dossier_intake(
            &intake(s.commune_a, p, Some(s.official1)),
            common::now_ms(),
            [5; 6],
        )
        .await
        .unwrap();
    let who = ["admin", "leader", "official", "inspector", "leader_b"];
    let mut staff = Vec::new();
    for w in who {
        staff.push(app.login(w).await);
    }
    let a = s.commune_a;
    let pages: [(String, [u16; 5]); 5] = [
        (format!("/dossiers?unit={a}"), [200, 200, 200, 200, 403]),
        (
            format!("/dossiers?unit={a}&overdue=1"),
            [200, 200, 200, 200, 403],
        ),
        (format!("/dossiers/new?unit={a}"), [200, 200, 200, 403, 403]),
        (format!("/dossiers/{}", d.id), [200, 200, 200, 200, 403]),
        (
            format!("/dossiers/{}/receipt", d.id),
            [200, 200, 200, 200, 403],
        ),
    ];
    for (path, expected) in &pages {
        let anon = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(anon.status(), 303, "anonymous {path}");
        assert!(
            anon.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login")
        );
        for (i, st) in staff.iter().enumerate() {
            let res = app.get_as(st, path).await;
            assert_eq!(res.status(), expected[i], "{} {path}", who[i]);
        }
    }
    // Refused changes: the inspector, the other commune's leader, and a form without its
    // CSRF token. The dossier stays as it was, and no dossier is added.
    let act = format!("/dossiers/{}/act", d.id);
    for i in [3, 4] {
        let res = app
            .post_form_as(&staff[i], &act, &[("action", "start"), ("note", "")])
            .await;
        assert_eq!(res.status(), 403, "{}", who[i]);
        let res = app
            .post_form_as(
                &staff[i],
                "/dossiers/new",
                &[
                    ("unit", &a.to_string()),
                    ("procedure", &p.to_string()),
                    ("applicant_name", "Lê Văn C"),
                ],
            )
            .await;
        assert_eq!(res.status(), 403, "{}", who[i]);
    }
    let res = app
        .client
        .post(app.url(&act))
        .header("cookie", &staff[2].cookie)
        .form(&[("action", "start")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "no CSRF token");
    assert_eq!(
        app.store.dossier(d.id).await.unwrap().status,
        Status::Received
    );
    assert_eq!(
        app.store.dossiers_list(a, None, 10, 0).await.unwrap().len(),
        1
    );
    // The official at the desk: an illegal step is explained in the page, a legal one goes on.
    let res = app
        .post_form_as(
            &staff[2],
            &act,
            &[("action", "return_result"), ("note", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Không thể"));
    let res = app
        .post_form_as(&staff[2], &act, &[("action", "start"), ("note", "")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.store.dossier(d.id).await.unwrap().status,
        Status::InProgress
    );
    // Intake through the page ends on the printable receipt.
    let res = app
        .post_form_as(
            &staff[2],
            "/dossiers/new",
            &[
                ("unit", &a.to_string()),
                ("procedure", &p.to_string()),
                ("channel", "in_person"),
                ("applicant_name", "Lê Văn C"),
                ("documents", "Tờ khai\nGiấy chứng sinh"),
                ("return_method", "home"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let receipt = res.headers()["location"].to_str().unwrap().to_string();
    assert!(receipt.ends_with("/receipt"), "{receipt}");
    let page = app.get_as(&staff[2], &receipt).await.text().await.unwrap();
    assert!(
        page.contains("Lê Văn C")
            && page.contains("Giấy chứng sinh")
            && page.contains("Trả tận nhà")
    );
    // A missing name is explained in the form, and nothing is stored.
    let res = app
        .post_form_as(
            &staff[2],
            "/dossiers/new",
            &[
                ("unit", &a.to_string()),
                ("procedure", &p.to_string()),
                ("applicant_name", " "),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Thiếu họ tên người nộp"));
    assert_eq!(
        app.store.dossiers_list(a, None, 10, 0).await.unwrap().len(),
        2
    );
}

/// The timeliness report from hand-made dossiers of October 2026, and the same figures in the
/// API, the CSV and the XLSX.
#[tokio::test]
async fn timeliness_figures_match_hand_counts_in_page_api_and_exports() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(2)).await;
    let act = |action, at| act_by(s.official1, action, "Thiếu giấy tờ", at);
    // Received Monday 5/10 08:00, due Wednesday 7/10 08:00.
    let received = local_ms(2026, 10, 5, 8, 0);
    let mut ids = Vec::new();
    for i in 0..5u8 {
        let d = app
            .store
            .dossier_intake(&intake(s.commune_a, p, Some(s.official1)), received, [i; 6])
            .await
            .unwrap();
        ids.push(d.id);
    }
    let online = IntakeInput {
        channel: IntakeChannel::Online,
        received_by: None,
        ..intake(s.commune_a, p, None)
    };
    // An online registration, accepted at the desk the same day.
    let o = app
        .store
        .dossier_intake(&online, received, [9; 6])
        .await
        .unwrap();
    app.store
        .dossier_act(o.id, &act(Action::Accept, received + 60_000))
        .await
        .unwrap();
    // 0: early (6/10); 1: on time (7/10 15:00); 2: late (8/10); 3: two supplement requests,
    // finished early but late by rule; 4: still open (overdue since 7/10); online: open.
    let finish = |day, h| local_ms(2026, 10, day, h, 0);
    app.store
        .dossier_act(ids[0], &act(Action::ResultReady, finish(6, 9)))
        .await
        .unwrap();
    app.store
        .dossier_act(ids[1], &act(Action::ResultReady, finish(7, 15)))
        .await
        .unwrap();
    app.store
        .dossier_act(ids[2], &act(Action::ResultReady, finish(8, 9)))
        .await
        .unwrap();
    for (a, h) in [
        (Action::RequestSupplement, 9),
        (Action::CompleteSupplement, 10),
        (Action::RequestSupplement, 11),
        (Action::CompleteSupplement, 14),
        (Action::ResultReady, 15),
    ] {
        app.store
            .dossier_act(ids[3], &act(a, finish(5, h)))
            .await
            .unwrap();
    }
    let token = app.api_token("leader").await;
    let v: Value = app
        .client
        .get(app.url(&format!(
            "/api/v1/reports/timeliness?unit={}&month=2026-10",
            s.commune_a
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t = &v["total"];
    assert_eq!(t["received"], 6, "{v}");
    assert_eq!(t["received_online"], 1);
    assert_eq!(t["finished"], 4);
    assert_eq!(
        (
            t["early"].as_u64(),
            t["on_time"].as_u64(),
            t["late"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    assert_eq!(t["overdue_open"], 2);
    // (1 + 1) / (4 + 2)
    let rate = t["on_time_rate"].as_f64().unwrap();
    assert!((rate - 1.0 / 3.0).abs() < 1e-9, "{rate}");

    let leader = app.login("leader").await;
    let q = format!("unit={}&month=2026-10", s.commune_a);
    let page = app
        .get_as(&leader, &format!("/reports/timeliness?{q}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("33,3%"), "page shows the same rate");
    let csv = app
        .get_as(&leader, &format!("/reports/timeliness.csv?{q}"))
        .await
        .bytes()
        .await
        .unwrap();
    let mut rdr = csv::Reader::from_reader(&csv[3..]);
    let total = rdr.records().map(|r| r.unwrap()).last().unwrap();
    assert_eq!(&total[1], "Tổng cộng");
    assert_eq!(&total[2], "6");
    assert_eq!(&total[9], "2");
    assert_eq!(&total[11], "33.3");
    let xlsx = app
        .get_as(&leader, &format!("/reports/timeliness.xlsx?{q}"))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    use calamine::{DataType, Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = wb.worksheet_range("Tiến độ giải quyết").unwrap();
    let row = sheet
        .rows()
        .find(|r| r.iter().any(|c| c.get_string() == Some("Tổng cộng")))
        .unwrap();
    assert_eq!(row[2].get_float(), Some(6.0));
    assert!((row[11].get_float().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    // The province's view, one row per receiving unit, adds up to the same figures.
    let admin = app.api_token("admin").await;
    let v: Value = app
        .client
        .get(app.url(&format!(
            "/api/v1/reports/timeliness?unit={}&month=2026-10&by=unit",
            s.province
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["rows"][0]["name"], "Xã Vạn Hưng");
    assert_eq!(v["rows"][0]["received"], 6);
    assert_eq!(v["total"]["on_time_rate"], t["on_time_rate"]);
    // An official may not read unit reports.
    let official = app.login("official").await;
    assert_eq!(
        app.get_as(&official, &format!("/reports/timeliness?{q}"))
            .await
            .status(),
        403
    );
}

/// A counter rating is bound to the dossier its official handled in the ten minutes before;
/// a citizen rates a finished dossier once from its receipt's QR code.
#[tokio::test]
async fn ratings_are_bound_to_dossiers_at_the_kiosk_and_from_the_receipt() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(1)).await;
    let session = app
        .store
        .counter_sign_in(s.counter1, s.official1)
        .await
        .unwrap();
    let now = common::now_ms();
    let old = app
        .store
        .dossier_intake(
            &intake(s.commune_a, p, Some(s.official1)),
            now - 20 * 60_000,
            [1; 6],
        )
        .await
        .unwrap();
    let recent = app
        .store
        .dossier_intake(
            &intake(s.commune_a, p, Some(s.official1)),
            now - 2 * 60_000,
            [2; 6],
        )
        .await
        .unwrap();
    let res = app
        .kiosk_rate(
            &s.kiosk_token,
            session,
            s.form_version_id,
            5,
            "bind-test-0001",
            now,
        )
        .await;
    assert_eq!(res.status(), 201);
    assert!(app.store.dossier_rated(&recent.code).await.unwrap());
    assert!(
        !app.store.dossier_rated(&old.code).await.unwrap(),
        "older than 10 minutes"
    );
    // The next citizen 31 s later: the recent dossier is taken, the old one too old: unbound.
    let res = app
        .kiosk_rate(
            &s.kiosk_token,
            session,
            s.form_version_id,
            4,
            "bind-test-0002",
            now + 31_000,
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.store.rating_count().await.unwrap(), 2);
    assert!(!app.store.dossier_rated(&old.code).await.unwrap());

    // From the receipt: not before the result exists, then once.
    let body = |key: &str, secret: &str| {
        json!({"code": old.code, "secret": secret, "idempotency_key": key,
            "answers": [{"question": "attitude", "level": 5}, {"question": "handling", "level": 4}]})
    };
    let post = |b: Value| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/public/dossiers/rating"))
                .json(&b)
                .send()
                .await
                .unwrap()
        }
    };
    let res = post(body("qr-key-00000001", &old.lookup_secret)).await;
    assert_eq!(res.status(), 422, "no result yet");
    let act = |action| act_by(s.official1, action, "", common::now_ms());
    app.store
        .dossier_act(old.id, &act(Action::ResultReady))
        .await
        .unwrap();
    assert_eq!(post(body("qr-key-00000001", "WRONG1")).await.status(), 404);
    let res = post(body("qr-key-00000001", &old.lookup_secret)).await;
    assert_eq!(res.status(), 201);
    let first: Value = res.json().await.unwrap();
    let res = post(body("qr-key-00000001", &old.lookup_secret)).await;
    assert_eq!(res.status(), 200, "same key delivered again");
    let again: Value = res.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    let res = post(body("qr-key-00000002", &old.lookup_secret)).await;
    assert_eq!(res.status(), 409, "one rating per dossier");
    assert_eq!(app.store.rating_count().await.unwrap(), 3);

    // The phone page: a finished dossier shows the form; sending it thanks the citizen.
    let third = app
        .store
        .dossier_intake(&intake(s.commune_a, p, Some(s.official2)), now, [3; 6])
        .await
        .unwrap();
    app.store
        .dossier_act(third.id, &act(Action::ResultReady))
        .await
        .unwrap();
    let q = format!("code={}&secret={}", third.code, third.lookup_secret);
    let page = app
        .client
        .get(app.url(&format!("/rate?{q}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"q_attitude\""), "{page}");
    let res = app
        .client
        .post(app.url("/rate"))
        .form(&[
            ("code", third.code.as_str()),
            ("secret", third.lookup_secret.as_str()),
            ("idempotency_key", "page-key-0000001"),
            ("q_attitude", "2"),
            ("q_handling", "2"),
            ("reason", "waiting"),
            ("comment", "Phải chờ lâu"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Cảm ơn bạn đã đánh giá"));
    assert!(app.store.dossier_rated(&third.code).await.unwrap());
}

/// A citizen registers online without an account; the desk accepts it and only then does
/// the clock start.
#[tokio::test]
async fn online_registration_waits_for_the_desk_and_then_runs_the_clock() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(1)).await;
    let page = app
        .client
        .get(app.url(&format!("/register?procedure={p}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Xã Vạn Hưng"),
        "units with a desk are offered"
    );
    let form = |unit: String, id_number: &'static str| {
        vec![
            ("procedure", p.to_string()),
            ("unit", unit),
            ("applicant_name", "Võ Thị Mai".to_string()),
            ("applicant_phone", "0935000111".to_string()),
            ("applicant_id_number", id_number.to_string()),
        ]
    };
    // Missing ID number: explained, nothing stored.
    let res = app
        .client
        .post(app.url("/register"))
        .form(&form(s.commune_a.to_string(), ""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Thiếu số định danh cá nhân")
    );
    let res = app
        .client
        .post(app.url("/register"))
        .form(&form(s.commune_a.to_string(), "056190004321"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("id=\"reg-code\""));
    let list = app
        .store
        .dossiers_list(s.commune_a, None, 10, 0)
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    let d = &list[0];
    assert_eq!(d.status, Status::RegisteredOnline);
    assert_eq!(d.channel, IntakeChannel::Online);
    assert_eq!((d.received_at, d.due_at), (None, None));
    // The desk accepts it: received now, due from now.
    let accepted = app
        .store
        .dossier_act(
            d.id,
            &ActInput {
                action: Action::Accept,
                note: String::new(),
                return_method: None,
                official_id: Some(s.official1),
                user_id: None,
                at: local_ms(2026, 12, 7, 8, 0),
            },
        )
        .await
        .unwrap();
    assert_eq!(accepted.status, Status::Received);
    assert_eq!(accepted.received_at, Some(local_ms(2026, 12, 7, 8, 0)));
    assert_eq!(accepted.due_at, Some(local_ms(2026, 12, 8, 8, 0)));

    // A procedure not offered online takes no online registration, through the API either.
    let offline = app
        .store
        .procedure_create(
            &ProcedureInput {
                code: "2.000815".into(),
                name: "Chứng thực bản sao từ bản chính".into(),
                field: "Chứng thực".into(),
                level: ProcedureLevel::Commune,
                agency: "UBND cấp xã".into(),
                legal_limit: TimeLimit::WorkingDays(1),
                limit_note: String::new(),
                fees: String::new(),
                documents: vec![],
                legal_basis: String::new(),
                online_level: OnlineLevel::None,
                active: true,
            },
            None,
        )
        .await
        .unwrap();
    let res = app
        .client
        .post(app.url("/api/v1/public/dossiers"))
        .json(
            &json!({"unit_id": s.commune_a, "procedure_id": offline, "applicant_name": "Võ Thị Mai",
            "applicant_phone": "0935000111", "applicant_id_number": "056190004321"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(
        app.store
            .dossiers_list(s.commune_a, None, 10, 0)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// The letters the desk prints: supplement request (Mẫu 02), refusal (Mẫu 03), apology with a
/// new date (Mẫu 04), each carrying the reason the official gave.
#[tokio::test]
async fn supplement_refusal_and_apology_letters_print_with_their_reasons() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(1)).await;
    let staff = app.login("official").await;
    let act = |action, note: &str| act_by(s.official1, action, note, common::now_ms());
    // Received long ago, so it is overdue now.
    let late = app
        .store
        .dossier_intake(
            &intake(s.commune_a, p, Some(s.official1)),
            local_ms(2026, 10, 5, 8, 0),
            [1; 6],
        )
        .await
        .unwrap();
    assert_eq!(
        app.get_as(&staff, &format!("/dossiers/{}/notice/apology", late.id))
            .await
            .status(),
        404,
        "nothing to print yet"
    );
    app.store
        .dossier_act(
            late.id,
            &act(Action::RequestSupplement, "Bản sao giấy chứng sinh"),
        )
        .await
        .unwrap();
    let page = app
        .get_as(&staff, &format!("/dossiers/{}/notice/supplement", late.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Mẫu số 02") && page.contains("Bản sao giấy chứng sinh"));
    app.store
        .dossier_act(late.id, &act(Action::CompleteSupplement, ""))
        .await
        .unwrap();
    // The apology form: a new date before the old one is refused; a later one is printed.
    let res = app
        .post_form_as(
            &staff,
            &format!("/dossiers/{}/apology", late.id),
            &[("new_due", "2026-10-01T08:00"), ("reason", "Chờ xác minh")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .post_form_as(
            &staff,
            &format!("/dossiers/{}/apology", late.id),
            &[
                ("new_due", "2026-12-15T10:00"),
                ("reason", "Chờ xác minh của Công an xã"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let letter = app
        .get_as(&staff, res.headers()["location"].to_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(letter.contains("Mẫu số 04"));
    assert!(letter.contains("15/12/2026 10:00") && letter.contains("Chờ xác minh của Công an xã"));
    // The citizen sees the new date in the look-up.
    let v: Value = app
        .client
        .get(app.url("/api/v1/public/dossiers/lookup"))
        .query(&[("code", &late.code), ("secret", &late.lookup_secret)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["promised_at"], local_ms(2026, 12, 15, 10, 0));

    let refused = app
        .store
        .dossier_intake(
            &intake(s.commune_a, p, Some(s.official1)),
            common::now_ms(),
            [2; 6],
        )
        .await
        .unwrap();
    app.store
        .dossier_act(
            refused.id,
            &act(Action::Refuse, "Không thuộc thẩm quyền của UBND xã"),
        )
        .await
        .unwrap();
    let page = app
        .get_as(&staff, &format!("/dossiers/{}/notice/refusal", refused.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Mẫu số 03") && page.contains("Không thuộc thẩm quyền"));
}

/// The per-dossier evaluation fills indicator 1 from the dates and indicator 7 from the
/// citizen's rating; unit-level indicators stay open.
#[tokio::test]
async fn the_dossier_evaluation_is_filled_from_dates_history_and_rating() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(3)).await;
    let d = app
        .store
        .dossier_intake(
            &intake(s.commune_a, p, Some(s.official1)),
            common::now_ms(),
            [4; 6],
        )
        .await
        .unwrap();
    let act = |action, note: &str| act_by(s.official1, action, note, common::now_ms());
    app.store
        .dossier_act(d.id, &act(Action::RequestSupplement, "Thiếu tờ khai"))
        .await
        .unwrap();
    app.store
        .dossier_act(d.id, &act(Action::CompleteSupplement, ""))
        .await
        .unwrap();
    app.store
        .dossier_act(d.id, &act(Action::ResultReady, ""))
        .await
        .unwrap();
    let res = app
        .client
        .post(app.url("/api/v1/public/dossiers/rating"))
        .json(&json!({"code": d.code, "secret": d.lookup_secret, "idempotency_key": "eval-key-000001",
            "answers": [{"question": "attitude", "level": 4}, {"question": "handling", "level": 2}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let token = app.api_token("leader").await;
    let v: Value = app
        .client
        .get(app.url(&format!("/api/v1/dossiers/{}", d.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let scores: Vec<Value> = v["evaluation"]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["score"].clone())
        .collect();
    // Finished the day it came in (early), one supplement request, attitude "satisfied".
    assert_eq!(
        scores,
        [
            json!(2),
            json!(2),
            json!(1),
            json!(2),
            Value::Null,
            Value::Null,
            json!(2),
            Value::Null,
            Value::Null
        ]
    );
    assert_eq!(v["evaluation"]["score"], 9);
    assert_eq!(v["evaluation"]["max"], 10);
    let staff = app.login("leader").await;
    let page = app
        .get_as(&staff, &format!("/dossiers/{}", d.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("9 / 10"));
}

/// Inter-agency steps from the dossier page: the desk plans them, hands the dossier over, and
/// the next agency finishes its step.
#[tokio::test]
async fn inter_agency_steps_from_the_dossier_page() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(5)).await;
    let d = app
        .store
        .dossier_intake(
            &intake(s.commune_a, p, Some(s.official1)),
            common::now_ms(),
            [6; 6],
        )
        .await
        .unwrap();
    let leader = app.login("leader").await;
    let plan = format!("/dossiers/{}/steps", d.id);
    let res = app
        .post_form_as(
            &leader,
            &plan,
            &[("plan", "22525 | Kiểm tra | 1\n22516 Xác minh 2")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Dòng 2"));
    let res = app
        .post_form_as(
            &leader,
            &plan,
            &[(
                "plan",
                "22525 | Kiểm tra | 1\n22516 | Xác minh nơi cư trú | 9",
            )],
        )
        .await;
    assert_eq!(res.status(), 422, "budgets longer than the dossier's limit");
    assert!(
        app.store
            .dossier_steps(d.id, common::now_ms())
            .await
            .unwrap()
            .is_empty()
    );
    let res = app
        .post_form_as(
            &leader,
            &plan,
            &[(
                "plan",
                "22525 | Kiểm tra | 1\n22516 | Xác minh nơi cư trú | 2",
            )],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form_as(
            &leader,
            &format!("/dossiers/{}/steps/1/hand-over", d.id),
            &[("note", "Tờ khai")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form_as(
            &leader,
            &format!("/dossiers/{}/steps/1/finish", d.id),
            &[("note", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Step 2 belongs to commune B: its leader hands nothing over for A, but finishes its own.
    let res = app
        .post_form_as(
            &leader,
            &format!("/dossiers/{}/steps/2/hand-over", d.id),
            &[("note", "Hồ sơ")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let leader_b = app.login("leader_b").await;
    let res = app
        .post_form_as(
            &leader_b,
            &format!("/dossiers/{}/steps/2/finish", d.id),
            &[("note", "Đã xác minh")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let steps = app
        .store
        .dossier_steps(d.id, common::now_ms())
        .await
        .unwrap();
    assert!(steps.iter().all(|s| s.finished_at.is_some()), "{steps:?}");
    let page = app
        .get_as(&leader, &format!("/dossiers/{}", d.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Xác minh nơi cư trú") && page.contains("Phiếu giao nhận"));
}

/// Returning the result from the page records when and how it went back.
#[tokio::test]
async fn the_result_is_returned_from_the_page_by_the_chosen_way() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(1)).await;
    let d = app
        .store
        .dossier_intake(
            &intake(s.commune_a, p, Some(s.official1)),
            common::now_ms(),
            [8; 6],
        )
        .await
        .unwrap();
    let staff = app.login("official").await;
    let act = format!("/dossiers/{}/act", d.id);
    for a in ["start", "result_ready"] {
        let res = app
            .post_form_as(&staff, &act, &[("action", a), ("note", "")])
            .await;
        assert_eq!(res.status(), 303, "{a}");
    }
    let page = app
        .get_as(&staff, &format!("/dossiers/{}", d.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"return_method\""));
    let res = app
        .post_form_as(
            &staff,
            &act,
            &[
                ("action", "return_result"),
                ("note", "Giao tận nhà kèm thiệp chúc mừng"),
                ("return_method", "home"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let back = app.store.dossier(d.id).await.unwrap();
    assert_eq!(back.status, Status::ResultReturned);
    assert_eq!(back.return_method, ReturnMethod::Home);
    assert!(back.returned_at.is_some());
}

/// The overdue list: open dossiers (received, in progress, awaiting papers) past their due time,
/// not finished ones; and both databases read it through the partial index of open dossiers,
/// whose WHERE the query states word for word.
#[tokio::test]
async fn the_overdue_list_reads_open_dossiers_through_their_partial_index() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, "1.001193", TimeLimit::WorkingDays(1)).await;
    let long_ago = local_ms(2026, 10, 5, 8, 0);
    let mut ids = Vec::new();
    for _ in 0..4 {
        let d = app
            .store
            .dossier_intake(&intake(s.commune_a, p, Some(s.official1)), long_ago, [1; 6])
            .await
            .unwrap();
        ids.push(d.id);
    }
    let now = common::now_ms();
    let act = |action, note: &str| act_by(s.official1, action, note, now);
    // Received (2), in progress (4), awaiting papers (5), result ready (9).
    app.store
        .dossier_act(ids[1], &act(Action::Start, ""))
        .await
        .unwrap();
    app.store
        .dossier_act(
            ids[2],
            &act(Action::RequestSupplement, "Bản sao giấy chứng sinh"),
        )
        .await
        .unwrap();
    app.store
        .dossier_act(ids[3], &act(Action::Start, ""))
        .await
        .unwrap();
    app.store
        .dossier_act(ids[3], &act(Action::ResultReady, ""))
        .await
        .unwrap();
    let mut overdue: Vec<i64> = app
        .store
        .dossiers_overdue(s.commune_a, now)
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    overdue.sort();
    assert_eq!(overdue, ids[..3]);

    let open = hailong::store::dossiers::OPEN_STATUSES;
    let sql = format!(
        "SELECT d.id FROM dossiers d WHERE d.unit_id = {} AND {open} AND d.due_at < {now} \
         ORDER BY d.due_at",
        s.commune_a
    );
    let plan: Vec<String> = match app.store.db() {
        hailong::store::Db::Sqlite(p) => {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .fetch_all(p)
                    .await
                    .unwrap();
            rows.into_iter().map(|r| r.3).collect()
        }
        hailong::store::Db::Postgres(p) => {
            let mut conn = p.acquire().await.unwrap();
            // A table of four rows is read whole otherwise; this asks whether the index can
            // serve the query at all.
            sqlx::query("SET enable_seqscan = off")
                .execute(&mut *conn)
                .await
                .unwrap();
            let plan = sqlx::query_scalar(&format!("EXPLAIN {sql}"))
                .fetch_all(&mut *conn)
                .await
                .unwrap();
            sqlx::query("RESET enable_seqscan")
                .execute(&mut *conn)
                .await
                .unwrap();
            plan
        }
    };
    assert!(
        plan.iter().any(|l| l.contains("dossiers_open_unit_due")),
        "{plan:?}"
    );
}
