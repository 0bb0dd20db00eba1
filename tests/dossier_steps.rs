//! Inter-agency steps (liên thông): due times in each receiving unit's calendar, hand-overs in
//! order, per-step timeliness, the budget check, access by role, the page and the slip — on
//! both databases.

mod common;

use chrono::TimeZone;
use chrono_tz::Asia::Ho_Chi_Minh;
use common::{TestApp, seed};
use hailong::domain::calendar::WorkingHours;
use hailong::domain::limit::TimeLimit;
use hailong::domain::procedure::{OnlineLevel, ProcedureLevel};
use hailong::domain::unit::UnitLevel;
use hailong::store::dossier_steps::{StepAct, StepInput, StepTimeliness};
use hailong::store::dossiers::IntakeInput;
use hailong::store::procedures::ProcedureInput;
use hailong::store::units::UnitInput;
use hailong::store::{Store, StoreError};
use serde_json::{Value, json};

fn local_ms(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    Ho_Chi_Minh
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .unwrap()
        .timestamp_millis()
}

async fn procedure(store: &Store, limit: TimeLimit) -> i64 {
    store
        .procedure_create(
            &ProcedureInput {
                code: "1.004227".into(),
                name: "Đăng ký biến động quyền sử dụng đất".into(),
                field: "Đất đai".into(),
                level: ProcedureLevel::Commune,
                agency: "Văn phòng đăng ký đất đai".into(),
                legal_limit: limit,
                limit_note: String::new(),
                fees: String::new(),
                documents: vec!["Đơn đăng ký biến động".into()],
                legal_basis: "Luật Đất đai 2024".into(),
                online_level: OnlineLevel::Partial,
                active: true,
            },
            None,
        )
        .await
        .unwrap()
}

async fn dossier(store: &Store, unit_id: i64, procedure_id: i64, at: i64) -> i64 {
    store
        .dossier_intake(
            &IntakeInput {
                applicant_phone: "0905000111".into(),
                ..common::desk_intake(unit_id, procedure_id, "Phạm Văn Cường")
            },
            at,
            [7; 6],
        )
        .await
        .unwrap()
        .id
}

fn by(at: i64, note: &str) -> StepAct {
    StepAct {
        official_id: None,
        user_id: None,
        note: note.into(),
        at,
    }
}

fn step(unit_id: i64, task: &str, budget: TimeLimit) -> StepInput {
    StepInput {
        unit_id,
        task: task.into(),
        budget,
    }
}

fn en(e: StoreError) -> String {
    match e {
        StoreError::Invalid(m) | StoreError::Conflict(m) | StoreError::NotFound(m) => {
            format!("{} | {}", m.en, m.vi)
        }
        other => panic!("unexpected error {other:?}"),
    }
}

#[tokio::test]
async fn hand_overs_go_in_order_with_due_times_in_each_units_calendar() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let st = &app.store;
    // A district land office with its own hours, and commune B opening later and closing later.
    let office = st
        .unit_create(&UnitInput {
            parent_id: Some(s.province),
            level: UnitLevel::District,
            code: "568".into(),
            name: "Văn phòng đăng ký đất đai".into(),
            valid_from: None,
            valid_to: None,
        })
        .await
        .unwrap();
    st.unit_hours_set(
        s.commune_b,
        Some(&WorkingHours::parse("07:30-11:30,13:30-17:30").unwrap()),
        None,
    )
    .await
    .unwrap();
    st.unit_hours_set(
        office,
        Some(&WorkingHours::parse("08:00-12:00,13:00-17:00").unwrap()),
        None,
    )
    .await
    .unwrap();
    let p = procedure(st, TimeLimit::WorkingDays(5)).await;
    // Monday 23/11/2026; Tuesday 24/11 is a public holiday.
    let d = dossier(st, s.commune_a, p, local_ms(2026, 11, 23, 8, 0)).await;

    // The budgets may not exceed the dossier's 5 working days (40 working hours); nothing kept.
    let too_long = [
        step(s.commune_b, "Xác minh", TimeLimit::WorkingHours(4)),
        step(office, "Thẩm định", TimeLimit::WorkingDays(4)),
        step(s.commune_a, "Trả kết quả", TimeLimit::WorkingHours(5)),
    ];
    let e = en(st.dossier_steps_set(d, &too_long, None).await.unwrap_err());
    assert!(e.contains("add up to 41 working hours"), "{e}");
    assert!(e.contains("5 working days = 40 working hours"), "{e}");
    assert!(st.dossier_steps(d, 0).await.unwrap().is_empty());

    let plan = [
        step(
            s.commune_b,
            "Xác minh nguồn gốc đất",
            TimeLimit::WorkingHours(4),
        ),
        step(
            office,
            "Thẩm định, cập nhật hồ sơ địa chính",
            TimeLimit::WorkingDays(2),
        ),
        step(s.commune_a, "Trả kết quả", TimeLimit::WorkingHours(4)),
    ];
    st.dossier_steps_set(d, &plan, None).await.unwrap();
    let steps = st.dossier_steps(d, 0).await.unwrap();
    assert_eq!(steps.len(), 3);
    assert!(
        steps
            .iter()
            .all(|x| x.timeliness == StepTimeliness::NotStarted)
    );
    assert_eq!(steps[0].from_unit_id, s.commune_a);
    assert_eq!(steps[1].from_unit_id, s.commune_b);

    // No skipping: step 2 before step 1 is refused; an unknown step is not found.
    let e = en(st
        .dossier_step_hand_over(d, 2, &by(local_ms(2026, 11, 23, 9, 0), ""))
        .await
        .unwrap_err());
    assert!(e.contains("may not be skipped"), "{e}");
    assert!(matches!(
        st.dossier_step_hand_over(d, 4, &by(local_ms(2026, 11, 23, 9, 0), ""))
            .await,
        Err(StoreError::NotFound(_))
    ));
    // A step not yet handed over cannot finish.
    assert!(
        st.dossier_step_finish(d, 1, &by(local_ms(2026, 11, 23, 9, 0), ""))
            .await
            .is_err()
    );

    // Step 1 to commune B on Monday 15:00, 4 working hours in B's hours (07:30–11:30,
    // 13:30–17:30): Monday 2.5 h, Tuesday is a holiday, Wednesday 07:30 + 1.5 h = 09:00.
    let s1 = st
        .dossier_step_hand_over(d, 1, &by(local_ms(2026, 11, 23, 15, 0), "Bộ hồ sơ gốc"))
        .await
        .unwrap();
    assert_eq!(s1.started_at, Some(local_ms(2026, 11, 23, 15, 0)));
    assert_eq!(s1.due_at, Some(local_ms(2026, 11, 25, 9, 0)));
    assert_eq!(s1.timeliness, StepTimeliness::Pending);
    // Once handed over, the plan is fixed, and the same step is not handed over twice.
    let e = en(st.dossier_steps_set(d, &plan, None).await.unwrap_err());
    assert!(e.contains("can no longer be changed"), "{e}");
    let e = en(st
        .dossier_step_hand_over(d, 1, &by(local_ms(2026, 11, 23, 16, 0), ""))
        .await
        .unwrap_err());
    assert!(e.contains("already handed over"), "{e}");

    // Finished Wednesday 10:00: after the due time, but on the due date, so on time.
    let s1 = st
        .dossier_step_finish(d, 1, &by(local_ms(2026, 11, 25, 10, 0), "Đã xác minh"))
        .await
        .unwrap();
    assert_eq!(s1.timeliness, StepTimeliness::OnTime);
    let e = en(st
        .dossier_step_finish(d, 1, &by(local_ms(2026, 11, 25, 11, 0), ""))
        .await
        .unwrap_err());
    assert!(e.contains("already finished"), "{e}");

    // Step 2 to the land office Wednesday 10:30, 16 working hours in its hours (08:00–12:00,
    // 13:00–17:00): Wednesday 5.5 h, Thursday 8 h, Friday 08:00 + 2.5 h = 10:30.
    let s2 = st
        .dossier_step_hand_over(d, 2, &by(local_ms(2026, 11, 25, 10, 30), ""))
        .await
        .unwrap();
    assert_eq!(s2.due_at, Some(local_ms(2026, 11, 27, 10, 30)));
    // A hand-over cannot go back in time before the previous step's start.
    let e = en(st
        .dossier_step_hand_over(d, 3, &by(local_ms(2026, 11, 25, 10, 0), ""))
        .await
        .unwrap_err());
    assert!(e.contains("before step 2 started"), "{e}");

    // Step 3 back to commune A on Thursday 16:00 also finishes step 2 (early). Commune A keeps
    // the default hours (07:00–11:30, 13:30–17:00): Thursday 1 h, Friday 07:00 + 3 h = 10:00.
    let s3 = st
        .dossier_step_hand_over(d, 3, &by(local_ms(2026, 11, 26, 16, 0), ""))
        .await
        .unwrap();
    assert_eq!(s3.due_at, Some(local_ms(2026, 11, 27, 10, 0)));
    let steps = st
        .dossier_steps(d, local_ms(2026, 11, 27, 15, 0))
        .await
        .unwrap();
    assert_eq!(steps[1].finished_at, Some(local_ms(2026, 11, 26, 16, 0)));
    assert_eq!(steps[1].timeliness, StepTimeliness::Early);
    assert_eq!(steps[1].from_unit_name, "Xã Vạn Thắng");
    // Still Friday: pending; on Monday it is overdue; finished Monday it is late.
    assert_eq!(steps[2].timeliness, StepTimeliness::Pending);
    let steps = st
        .dossier_steps(d, local_ms(2026, 11, 30, 8, 0))
        .await
        .unwrap();
    assert_eq!(steps[2].timeliness, StepTimeliness::Overdue);
    let s3 = st
        .dossier_step_finish(d, 3, &by(local_ms(2026, 11, 30, 9, 0), ""))
        .await
        .unwrap();
    assert_eq!(s3.timeliness, StepTimeliness::Late);

    // The history shows each hand-over and finish.
    let events = st.dossier_events(d).await.unwrap();
    let hand_overs: Vec<_> = events.iter().filter(|e| e.action == "hand_over").collect();
    assert_eq!(hand_overs.len(), 3);
    assert!(
        hand_overs[0]
            .note
            .contains("Xã Vạn Hưng → Xã Vạn Thắng (Xác minh nguồn gốc đất) — Bộ hồ sơ gốc"),
        "{}",
        hand_overs[0].note
    );
    assert_eq!(
        events.iter().filter(|e| e.action == "step_finish").count(),
        2
    );
}

#[tokio::test]
async fn calendar_day_budgets_and_closed_dossiers() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let st = &app.store;
    let p = procedure(st, TimeLimit::CalendarDays(10)).await;
    let d = dossier(st, s.commune_a, p, local_ms(2026, 12, 7, 8, 0)).await;
    let e = en(st
        .dossier_steps_set(
            d,
            &[step(s.commune_b, "Xác minh", TimeLimit::WorkingDays(1))],
            None,
        )
        .await
        .unwrap_err());
    assert!(e.contains("must be in calendar days too"), "{e}");
    st.dossier_steps_set(
        d,
        &[
            step(s.commune_b, "Xác minh", TimeLimit::CalendarDays(4)),
            step(s.commune_a, "Trả kết quả", TimeLimit::CalendarDays(6)),
        ],
        None,
    )
    .await
    .unwrap();
    // Handed over Thursday 10/12: 4 days end Monday 14/12 at closing.
    let s1 = st
        .dossier_step_hand_over(d, 1, &by(local_ms(2026, 12, 10, 9, 0), ""))
        .await
        .unwrap();
    assert_eq!(s1.due_at, Some(local_ms(2026, 12, 14, 17, 0)));
    // A refused dossier's steps stop moving.
    st.dossier_act(
        d,
        &hailong::store::dossiers::ActInput {
            action: hailong::domain::dossier::Action::Refuse,
            note: "Không đủ điều kiện".into(),
            return_method: None,
            official_id: None,
            user_id: None,
            at: local_ms(2026, 12, 11, 9, 0),
        },
    )
    .await
    .unwrap();
    assert!(
        st.dossier_step_hand_over(d, 2, &by(local_ms(2026, 12, 11, 10, 0), ""))
            .await
            .is_err()
    );
}

async fn call(app: &TestApp, token: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
    let req = match method {
        "GET" => app.client.get(app.url(path)),
        "PUT" => app.client.put(app.url(path)).json(&body),
        _ => app.client.post(app.url(path)).json(&body),
    };
    let res = req.bearer_auth(token).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn who_may_plan_hand_over_finish_and_read() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, TimeLimit::WorkingDays(5)).await;
    let d = dossier(&app.store, s.commune_a, p, common::now_ms()).await;
    let official = app.api_token("official").await; // commune A's desk
    let leader_b = app.api_token("leader_b").await; // commune B
    let inspector = app.api_token("inspector").await;
    let admin = app.api_token("admin").await;
    let steps_url = format!("/api/v1/dossiers/{d}/steps");
    let plan = json!({"steps": [
        {"unit_id": s.commune_b, "task": "Xác minh", "budget": {"kind": "working_days", "value": 2}},
        {"unit_id": s.commune_a, "task": "Trả kết quả", "budget": {"kind": "working_hours", "value": 8}},
    ]});

    // Only the dossier's desk plans.
    for t in [&leader_b, &inspector] {
        assert_eq!(call(&app, t, "PUT", &steps_url, plan.clone()).await.0, 403);
    }
    let too_long = json!({"steps": [
        {"unit_id": s.commune_b, "task": "Xác minh", "budget": {"kind": "working_days", "value": 6}},
    ]});
    let (status, err) = call(&app, &official, "PUT", &steps_url, too_long).await;
    assert_eq!(status, 422);
    assert!(
        err["message_en"].as_str().unwrap().contains("add up to 48"),
        "{err}"
    );
    assert!(
        err["message_vi"]
            .as_str()
            .unwrap()
            .contains("vượt thời hạn")
    );
    let (status, body) = call(&app, &official, "PUT", &steps_url, plan.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert_eq!(body[0]["timeliness"], "not_started");

    // Readers: the desk, the inspector above it, and the units the steps pass through.
    for t in [&official, &inspector, &leader_b] {
        assert_eq!(call(&app, t, "GET", &steps_url, Value::Null).await.0, 200);
    }

    // Step 1 is handed over by the receiving desk, not by commune B.
    let hand1 = format!("{steps_url}/1/hand-over");
    assert_eq!(
        call(&app, &leader_b, "POST", &hand1, json!({})).await.0,
        403
    );
    let (status, body) = call(&app, &official, "POST", &hand1, json!({"note": "Bản gốc"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["timeliness"], "pending");
    assert!(body["due_at"].as_i64().is_some());
    assert_eq!(
        call(&app, &official, "POST", &hand1, json!({})).await.0,
        409
    );

    // Step 1 is finished by commune B only, once.
    let fin1 = format!("{steps_url}/1/finish");
    assert_eq!(call(&app, &official, "POST", &fin1, json!({})).await.0, 403);
    assert_eq!(
        call(&app, &inspector, "POST", &fin1, json!({})).await.0,
        403
    );
    let (status, body) = call(&app, &leader_b, "POST", &fin1, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["timeliness"], "early");
    assert_eq!(call(&app, &leader_b, "POST", &fin1, json!({})).await.0, 409);

    // Step 2 is handed over by commune B (step 1's unit); the administrator may finish it.
    let hand2 = format!("{steps_url}/2/hand-over");
    assert_eq!(
        call(&app, &official, "POST", &hand2, json!({})).await.0,
        403
    );
    assert_eq!(
        call(&app, &leader_b, "POST", &hand2, json!({})).await.0,
        200
    );
    let (status, _) = call(
        &app,
        &admin,
        "POST",
        &format!("{steps_url}/2/finish"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        call(
            &app,
            &admin,
            "POST",
            &format!("{steps_url}/3/hand-over"),
            json!({})
        )
        .await
        .0,
        404
    );

    // The detail page lists the steps; the slip prints the hand-over (Mẫu 06).
    let staff = app.login("official").await;
    let page = app
        .get_as(&staff, &format!("/dossiers/{d}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Liên thông"), "{page}");
    assert!(page.contains("Xác minh") && page.contains("Trước hạn"));
    assert!(page.contains(&format!("/dossiers/{d}/steps/1/handover")));
    let res = app
        .get_as(&staff, &format!("/dossiers/{d}/steps/1/handover"))
        .await;
    assert_eq!(res.status(), 200);
    let slip = res.text().await.unwrap();
    let code = app.store.dossier(d).await.unwrap().code;
    for want in [
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "Mẫu số 06",
        code.as_str(),
        "Giao: <b>Xã Vạn Hưng</b>",
        "Nhận: <b>Xã Vạn Thắng</b>",
        "Xác minh",
        "Bản gốc",
        "NGƯỜI GIAO",
        "NGƯỜI NHẬN",
    ] {
        assert!(slip.contains(want), "missing {want}");
    }
    let b = app.login("leader_b").await;
    assert_eq!(
        app.get_as(&b, &format!("/dossiers/{d}/steps/2/handover"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get_as(&staff, &format!("/dossiers/{d}/steps/9/handover"))
            .await
            .status(),
        404
    );
    // The routes are in the OpenAPI document.
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/dossiers/{id}/steps",
        "/api/v1/dossiers/{id}/steps/{seq}/hand-over",
        "/api/v1/dossiers/{id}/steps/{seq}/finish",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} not documented");
    }
    assert!(
        doc["paths"]["/api/v1/dossiers/{id}/steps"]
            .get("put")
            .is_some()
    );
    // The history of the dossier shows the hand-overs.
    let detail: Value = call(
        &app,
        &official,
        "GET",
        &format!("/api/v1/dossiers/{d}"),
        Value::Null,
    )
    .await
    .1;
    assert!(
        detail["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "hand_over")
    );
}

#[tokio::test]
async fn concurrent_hand_overs_of_one_step_let_exactly_one_through() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(&app.store, TimeLimit::WorkingDays(5)).await;
    let t0 = local_ms(2026, 12, 7, 8, 0);
    let d = dossier(&app.store, s.commune_a, p, t0).await;
    app.store
        .dossier_steps_set(
            d,
            &[step(s.commune_b, "Xác minh", TimeLimit::WorkingDays(2))],
            None,
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = app.store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .dossier_step_hand_over(d, 1, &by(t0 + 60_000 * (i + 1), ""))
                .await
                .is_ok()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.unwrap());
    }
    assert_eq!(ok, 1);
    let events = app.store.dossier_events(d).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "hand_over").count(), 1);
}
