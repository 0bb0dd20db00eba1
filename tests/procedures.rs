//! The procedure catalogue: search that ignores case and diacritics, who may change what,
//! committed limits with history and the effective limit by date, and all-or-nothing imports.

mod common;

use std::process::Command;

use chrono::NaiveDate;
use common::{Seed, TestApp, seed};
use hailong::domain::limit::TimeLimit;
use hailong::domain::procedure::{OnlineLevel, ProcedureLevel};
use hailong::domain::unit::UnitLevel;
use hailong::store::Db;
use hailong::store::Store;
use hailong::store::procedures::{ProcedureFilter, ProcedureInput, SourceKind};
use hailong::store::units::UnitInput;
use serde_json::{Value, json};

fn input(code: &str, name: &str, field: &str, limit: TimeLimit) -> ProcedureInput {
    ProcedureInput {
        code: code.into(),
        name: name.into(),
        field: field.into(),
        level: ProcedureLevel::Commune,
        agency: "Ủy ban nhân dân cấp xã".into(),
        legal_limit: limit,
        limit_note: String::new(),
        fees: String::new(),
        documents: vec!["Tờ khai".into()],
        legal_basis: "Luật Hộ tịch 2014".into(),
        online_level: OnlineLevel::Full,
        active: true,
    }
}

/// Three procedures: birth (1 working day), permanent residence (7), certified copy (1).
async fn catalogue(store: &Store) -> (i64, i64, i64) {
    let birth = store
        .procedure_create(
            &input(
                "1.001193",
                "Đăng ký khai sinh",
                "Hộ tịch",
                TimeLimit::WorkingDays(1),
            ),
            None,
        )
        .await
        .unwrap();
    let residence = store
        .procedure_create(
            &ProcedureInput {
                online_level: OnlineLevel::Partial,
                agency: "Công an cấp xã".into(),
                ..input(
                    "1.004222",
                    "Đăng ký thường trú",
                    "Cư trú",
                    TimeLimit::WorkingDays(7),
                )
            },
            None,
        )
        .await
        .unwrap();
    let copy = store
        .procedure_create(
            &input(
                "2.000815",
                "Chứng thực bản sao từ bản chính",
                "Chứng thực",
                TimeLimit::WorkingDays(1),
            ),
            None,
        )
        .await
        .unwrap();
    (birth, residence, copy)
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn count(store: &Store, sql: &str) -> i64 {
    match store.db() {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

#[tokio::test]
async fn search_ignores_case_and_diacritics_everywhere() {
    let app = TestApp::spawn().await;
    let (birth, _, _) = catalogue(&app.store).await;
    for q in [
        "khai sinh",
        "KHAI SINH",
        "dang ky khai sinh",
        "Đăng ký khai sinh",
        "1.001193",
    ] {
        let page = app
            .store
            .procedures_list(&ProcedureFilter {
                q: q.into(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            page.items.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![birth],
            "{q}"
        );
        // The public API, without signing in.
        let res = app
            .client
            .get(app.url("/api/v1/procedures"))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["total"], 1, "{q}: {v}");
        assert_eq!(v["items"][0]["name"], "Đăng ký khai sinh");
    }
    // Every word must match; "dang ky" alone finds both registrations.
    let all = |q: &str| ProcedureFilter {
        q: q.into(),
        ..Default::default()
    };
    assert_eq!(
        app.store
            .procedures_list(&all("dang ky"))
            .await
            .unwrap()
            .total,
        2
    );
    assert_eq!(
        app.store
            .procedures_list(&all("dang ky tu"))
            .await
            .unwrap()
            .total,
        0
    );
    // Filters.
    let partial = app
        .store
        .procedures_list(&ProcedureFilter {
            online: Some(OnlineLevel::Partial),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(partial.total, 1);
    assert_eq!(partial.items[0].code, "1.004222");
    let res = app
        .client
        .get(app.url("/api/v1/procedures?field=Ch%E1%BB%A9ng%20th%E1%BB%B1c&online=full"))
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["code"], "2.000815");
    // Paging.
    let p2 = app
        .store
        .procedures_list(&ProcedureFilter {
            per_page: 2,
            page: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((p2.total, p2.items.len(), p2.pages()), (3, 1, 2));
    // A bad filter is a 400 with both languages.
    let res = app
        .client
        .get(app.url("/api/v1/procedures?online=level5"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let v: Value = res.json().await.unwrap();
    assert!(
        v["message_vi"].as_str().unwrap().contains("trực tuyến"),
        "{v}"
    );
    assert!(
        v["message_en"].as_str().unwrap().contains("online level"),
        "{v}"
    );
    // The public page: no sign-in, Vietnamese, finds without diacritics.
    let res = app
        .client
        .get(app.url("/procedures?q=KHAI+SINH"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(body.contains("Đăng ký khai sinh") && !body.contains("Đăng ký thường trú"));
    let res = app
        .client
        .get(app.url(&format!("/procedures/{birth}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("1 ngày làm việc") && body.contains("Tờ khai"),
        "{body}"
    );
    let fields = app.store.procedure_fields().await.unwrap();
    assert_eq!(fields.len(), 3);
}

/// A district between the province and commune A, so that ancestors can be told apart.
async fn district_world(store: &Store) -> (Seed, i64, i64) {
    let s = seed(store).await;
    let district = store
        .unit_create(&UnitInput {
            parent_id: Some(s.province),
            level: UnitLevel::District,
            code: "571".into(),
            name: "Huyện Vạn Ninh".into(),
            valid_from: None,
            valid_to: None,
        })
        .await
        .unwrap();
    let commune = store
        .unit_create(&UnitInput {
            parent_id: Some(district),
            level: UnitLevel::Commune,
            code: "22501".into(),
            name: "Xã Vạn Phước".into(),
            valid_from: None,
            valid_to: None,
        })
        .await
        .unwrap();
    (s, district, commune)
}

#[tokio::test]
async fn committed_limits_keep_history_and_the_nearest_latest_one_applies() {
    let app = TestApp::spawn().await;
    let store = &app.store;
    let (s, district, commune) = district_world(store).await;
    let (_, residence, _) = catalogue(store).await;
    // Nothing committed: the legal limit.
    let (l, src) = store
        .effective_limit(residence, commune, d("2020-06-01"))
        .await
        .unwrap();
    assert_eq!(
        (l, src.kind),
        (TimeLimit::WorkingDays(7), SourceKind::Legal)
    );
    // The district cuts it to 5 days from 2020-07-01 (seed 003), then to 4 from 2021-01-01.
    store
        .procedure_limit_set(
            residence,
            district,
            TimeLimit::WorkingDays(5),
            d("2020-07-01"),
            "Quyết định số 1/QĐ-UBND",
            None,
        )
        .await
        .unwrap();
    store
        .procedure_limit_set(
            residence,
            district,
            TimeLimit::WorkingDays(4),
            d("2021-01-01"),
            "Quyết định số 2/QĐ-UBND",
            None,
        )
        .await
        .unwrap();
    // The commune itself commits to 3 days from 2021-06-01.
    store
        .procedure_limit_set(
            residence,
            commune,
            TimeLimit::WorkingHours(24),
            d("2021-06-01"),
            "Quyết định số 3/QĐ-UBND",
            None,
        )
        .await
        .unwrap();
    let at = |unit: i64, day: &'static str| async move {
        store
            .effective_limit(residence, unit, d(day))
            .await
            .unwrap()
    };
    let (l, src) = at(commune, "2020-06-30").await;
    assert_eq!(
        (l, src.kind),
        (TimeLimit::WorkingDays(7), SourceKind::Legal)
    );
    let (l, src) = at(commune, "2020-07-01").await;
    assert_eq!(
        (l, src.kind),
        (TimeLimit::WorkingDays(5), SourceKind::Ancestor)
    );
    assert_eq!(src.committed.unwrap().unit_id, district);
    let (l, src) = at(commune, "2021-03-01").await;
    assert_eq!(
        (l, src.kind),
        (TimeLimit::WorkingDays(4), SourceKind::Ancestor)
    );
    let (l, src) = at(commune, "2021-06-01").await;
    assert_eq!(
        (l, src.kind),
        (TimeLimit::WorkingHours(24), SourceKind::Unit)
    );
    assert_eq!(src.committed.unwrap().note, "Quyết định số 3/QĐ-UBND");
    let (l, src) = at(district, "2025-01-01").await;
    assert_eq!((l, src.kind), (TimeLimit::WorkingDays(4), SourceKind::Unit));
    // Commune A hangs directly under the province: nothing applies there.
    let (l, src) = at(s.commune_a, "2025-01-01").await;
    assert_eq!(
        (l, src.kind),
        (TimeLimit::WorkingDays(7), SourceKind::Legal)
    );
    // History, newest first, never rewritten.
    let h = store
        .procedure_limit_history(residence, district)
        .await
        .unwrap();
    assert_eq!(
        h.iter()
            .map(|c| (c.limit, c.valid_from))
            .collect::<Vec<_>>(),
        vec![
            (TimeLimit::WorkingDays(4), d("2021-01-01")),
            (TimeLimit::WorkingDays(5), d("2020-07-01"))
        ]
    );
    let rewrite = match store.db() {
        Db::Sqlite(p) => sqlx::query("UPDATE procedure_limits SET limit_value = 1")
            .execute(p)
            .await
            .err(),
        Db::Postgres(p) => sqlx::query("UPDATE procedure_limits SET limit_value = 1")
            .execute(p)
            .await
            .err(),
    };
    assert!(rewrite.is_some(), "committed limits must not be rewritten");
    // If the law later shortens the legal limit below a commitment, the law wins.
    let mut p = store.procedure(residence).await.unwrap();
    p.legal_limit = TimeLimit::WorkingDays(2);
    store
        .procedure_update(
            residence,
            &ProcedureInput {
                legal_limit: TimeLimit::WorkingDays(2),
                ..input(&p.code, &p.name, &p.field, TimeLimit::WorkingDays(2))
            },
            None,
        )
        .await
        .unwrap();
    let (l, src) = at(commune, "2025-01-01").await;
    assert_eq!(
        (l, src.kind),
        (TimeLimit::WorkingDays(2), SourceKind::Legal)
    );
}

#[tokio::test]
async fn a_committed_limit_longer_than_the_legal_one_is_refused() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let (birth, residence, _) = catalogue(&app.store).await;
    let before = count(&app.store, "SELECT COUNT(*) FROM procedure_limits").await;
    let e = app
        .store
        .procedure_limit_set(
            residence,
            s.commune_a,
            TimeLimit::WorkingDays(8),
            d("2026-01-01"),
            "",
            None,
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("dài hơn thời hạn theo quy định"),
        "{e}"
    );
    let e = app
        .store
        .procedure_limit_set(
            residence,
            s.commune_a,
            TimeLimit::CalendarDays(5),
            d("2026-01-01"),
            "",
            None,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Không so sánh được"), "{e}");
    // Through the API: 422 with both languages; through the page: the form again, 422.
    let admin = app.api_token("admin").await;
    let res = app
        .client
        .post(app.url(&format!("/api/v1/procedures/{birth}/limits")))
        .bearer_auth(&admin)
        .json(&json!({"unit_id": s.commune_a, "limit": {"kind": "working_hours", "value": 9}, "valid_from": "2026-01-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.unwrap();
    assert!(
        v["message_en"]
            .as_str()
            .unwrap()
            .contains("longer than the legal limit"),
        "{v}"
    );
    let leader = app.login("leader").await;
    let res = app
        .post_form_as(
            &leader,
            &format!("/procedures/{residence}/limits"),
            &[
                ("unit_id", &s.commune_a.to_string()),
                ("limit_kind", "working_days"),
                ("limit_value", "10"),
                ("valid_from", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("dài hơn thời hạn theo quy định")
    );
    assert_eq!(
        count(&app.store, "SELECT COUNT(*) FROM procedure_limits").await,
        before
    );
    // A shorter one is kept, and the page shows it.
    let res = app
        .post_form_as(
            &leader,
            &format!("/procedures/{residence}/limits"),
            &[
                ("unit_id", &s.commune_a.to_string()),
                ("limit_kind", "working_days"),
                ("limit_value", "5"),
                ("valid_from", "2026-01-01"),
                ("note", "Quyết định số 9/QĐ-UBND"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let body = app
        .get_as(
            &leader,
            &format!("/procedures/{residence}/limits?unit={}", s.commune_a),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("Quyết định số 9/QĐ-UBND") && body.contains("5 ngày làm việc"));
    let res = app
        .client
        .get(app.url(&format!(
            "/api/v1/procedures/{residence}?unit={}&on=2026-02-01",
            s.commune_a
        )))
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        v["effective_limit"]["limit"],
        json!({"kind": "working_days", "value": 5}),
        "{v}"
    );
    assert_eq!(v["effective_limit"]["source"]["kind"], "unit");
    assert_eq!(v["code"], "1.004222");
}

#[tokio::test]
async fn staff_routes_answer_each_role_as_the_rules_say() {
    // Eleven sign-ins from one address: more than the default per-minute limit.
    let app = TestApp::spawn_with(hailong::web::Settings {
        login_attempts_per_minute: 100,
        ..common::test_settings()
    })
    .await;
    let s = seed(&app.store).await;
    let (birth, residence, _) = catalogue(&app.store).await;
    let names = ["admin", "leader", "official", "inspector", "leader_b"];
    let mut staff = Vec::new();
    for n in names {
        staff.push(Some(app.login(n).await));
    }
    let mut who = vec![None];
    who.extend(staff);
    let a = s.commune_a;
    let b = s.commune_b;
    // anonymous, admin, leader (A), official, inspector (province), leader_b (B)
    let gets: Vec<(String, [u16; 6])> = vec![
        ("/procedures".into(), [200, 200, 200, 200, 200, 200]),
        (format!("/procedures/{birth}"), [200; 6]),
        (format!("/procedures/{birth}?unit={a}"), [200; 6]),
        ("/procedures/new".into(), [303, 200, 403, 403, 403, 403]),
        (
            format!("/procedures/{birth}/edit"),
            [303, 200, 403, 403, 403, 403],
        ),
        (
            format!("/procedures/{birth}/limits?unit={a}"),
            [303, 200, 200, 403, 200, 403],
        ),
        (
            format!("/procedures/{birth}/limits?unit={b}"),
            [303, 200, 403, 403, 200, 200],
        ),
        ("/procedures/999999".into(), [404; 6]),
    ];
    let mut failures = Vec::new();
    for (path, want) in &gets {
        for (i, st) in who.iter().enumerate() {
            let res = match st {
                Some(st) => app.get_as(st, path).await,
                None => app.client.get(app.url(path)).send().await.unwrap(),
            };
            if res.status().as_u16() != want[i] {
                failures.push(format!(
                    "GET {path} as #{i}: {} expected {}",
                    res.status(),
                    want[i]
                ));
            }
        }
    }
    // Changes through pages: each allowed attempt changes something, refused ones nothing.
    for (i, st) in who.iter().enumerate() {
        let tag = format!("T{i}");
        let form = [
            ("code", tag.as_str()),
            ("name", "Thủ tục thử"),
            ("field", "Thử"),
            ("level", "commune"),
            ("limit_kind", "working_days"),
            ("limit_value", "3"),
            ("online_level", "none"),
            ("active", "on"),
        ];
        let before = count(&app.store, "SELECT COUNT(*) FROM procedures").await;
        let res = match st {
            Some(st) => app.post_form_as(st, "/procedures", &form).await,
            None => app
                .client
                .post(app.url("/procedures"))
                .form(&form)
                .send()
                .await
                .unwrap(),
        };
        let want = [303, 303, 403, 403, 403, 403][i];
        let after = count(&app.store, "SELECT COUNT(*) FROM procedures").await;
        if res.status().as_u16() != want || (after > before) != (i == 1) {
            failures.push(format!("POST /procedures as #{i}: {}", res.status()));
        }
        for (unit, allowed) in [
            (a, [false, true, true, false, false, false]),
            (b, [false, true, false, false, false, true]),
        ] {
            let form = [
                ("unit_id", unit.to_string()),
                ("limit_kind", "working_days".to_string()),
                ("limit_value", "6".to_string()),
                ("valid_from", "2026-01-01".to_string()),
            ];
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let before = count(&app.store, "SELECT COUNT(*) FROM procedure_limits").await;
            let path = format!("/procedures/{residence}/limits");
            let res = match st {
                Some(st) => app.post_form_as(st, &path, &form).await,
                None => app
                    .client
                    .post(app.url(&path))
                    .form(&form)
                    .send()
                    .await
                    .unwrap(),
            };
            let after = count(&app.store, "SELECT COUNT(*) FROM procedure_limits").await;
            // Allowed: back to the page; anonymous: to the login page; others refused.
            let want = if allowed[i] || i == 0 { 303 } else { 403 };
            if res.status().as_u16() != want || (after > before) != allowed[i] {
                failures.push(format!("POST {path} unit {unit} as #{i}: {}", res.status()));
            }
        }
    }
    // A change without its CSRF token is refused.
    let leader = app.login("leader").await;
    let res = app
        .client
        .post(app.url(&format!("/procedures/{residence}/limits")))
        .header("cookie", &leader.cookie)
        .form(&[
            ("unit_id", a.to_string()),
            ("limit_kind", "working_days".into()),
            ("limit_value", "2".into()),
            ("valid_from", "2026-01-01".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The API.
    let mut tokens = vec![None];
    for n in names {
        tokens.push(Some(app.api_token(n).await));
    }
    for (i, t) in tokens.iter().enumerate() {
        let body = json!({"code": format!("API-{i}"), "name": "Thủ tục API", "field": "Thử", "level": "commune",
            "legal_limit": {"kind": "working_days", "value": 5}, "online_level": "partial", "documents": ["Đơn"]});
        let mut req = app.client.post(app.url("/api/v1/procedures")).json(&body);
        if let Some(t) = t {
            req = req.bearer_auth(t);
        }
        let got = req.send().await.unwrap().status().as_u16();
        let want = [401, 201, 403, 403, 403, 403][i];
        if got != want {
            failures.push(format!(
                "POST /api/v1/procedures as #{i}: {got} expected {want}"
            ));
        }
        let mut req = app
            .client
            .put(app.url(&format!("/api/v1/procedures/{birth}")))
            .json(&json!({"code": "1.001193", "name": format!("Đăng ký khai sinh {i}"), "field": "Hộ tịch", "level": "commune",
                "legal_limit": {"kind": "working_days", "value": 1}, "online_level": "full"}));
        if let Some(t) = t {
            req = req.bearer_auth(t);
        }
        let got = req.send().await.unwrap().status().as_u16();
        let want = [401, 204, 403, 403, 403, 403][i];
        if got != want {
            failures.push(format!(
                "PUT /api/v1/procedures/{{id}} as #{i}: {got} expected {want}"
            ));
        }
        for (unit, want_get, want_post) in [
            (
                a,
                [401, 200, 200, 403, 200, 403],
                [401, 201, 201, 403, 403, 403],
            ),
            (
                b,
                [401, 200, 403, 403, 200, 200],
                [401, 201, 403, 403, 403, 201],
            ),
        ] {
            let mut req = app
                .client
                .get(app.url(&format!("/api/v1/procedures/{birth}/limits?unit={unit}")));
            if let Some(t) = t {
                req = req.bearer_auth(t);
            }
            let got = req.send().await.unwrap().status().as_u16();
            if got != want_get[i] {
                failures.push(format!(
                    "GET limits unit {unit} as #{i}: {got} expected {}",
                    want_get[i]
                ));
            }
            let mut req = app
                .client
                .post(app.url(&format!("/api/v1/procedures/{birth}/limits")))
                .json(&json!({"unit_id": unit, "limit": {"kind": "working_hours", "value": 4}, "valid_from": "2026-01-01"}));
            if let Some(t) = t {
                req = req.bearer_auth(t);
            }
            let got = req.send().await.unwrap().status().as_u16();
            if got != want_post[i] {
                failures.push(format!(
                    "POST limits unit {unit} as #{i}: {got} expected {}",
                    want_post[i]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Bad input: 4xx with both languages and nothing stored.
    let admin = tokens[1].as_ref().unwrap();
    let before = count(&app.store, "SELECT COUNT(*) FROM procedures").await;
    for (body, want) in [
        (
            json!({"code": "1.001193", "name": "Trùng mã", "field": "Hộ tịch", "level": "commune", "legal_limit": {"kind": "working_days", "value": 1}, "online_level": "full"}),
            409,
        ),
        (
            json!({"code": "X", "name": " ", "field": "Hộ tịch", "level": "commune", "legal_limit": {"kind": "working_days", "value": 1}, "online_level": "full"}),
            422,
        ),
        (
            json!({"code": "Y", "name": "A", "field": "B", "level": "commune", "legal_limit": {"kind": "weeks", "value": 1}, "online_level": "full"}),
            422,
        ),
        (
            json!({"code": "Z", "name": "A", "field": "B", "level": "commune", "legal_limit": {"kind": "working_days", "value": 0}, "online_level": "full"}),
            422,
        ),
    ] {
        let res = app
            .client
            .post(app.url("/api/v1/procedures"))
            .bearer_auth(admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), want, "{body}");
        let v: Value = res.json().await.unwrap();
        assert!(
            v["message_vi"].is_string() && v["message_en"].is_string(),
            "{v}"
        );
    }
    assert_eq!(
        count(&app.store, "SELECT COUNT(*) FROM procedures").await,
        before
    );
    // The new routes are in the OpenAPI document.
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for p in [
        "/api/v1/procedures",
        "/api/v1/procedures/{id}",
        "/api/v1/procedures/{id}/limits",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing from OpenAPI");
    }
    assert!(doc["paths"]["/api/v1/procedures/{id}/limits"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/procedures/{id}"]["put"].is_object());
}

fn hailong(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hailong"))
        .args(["--database-url", db])
        .args(args)
        .output()
        .expect("run hailong")
}

const HEADER: &str = "code,name,field,level,agency,limit_kind,limit_value,limit_note,fees,documents,legal_basis,online_level\n";

#[tokio::test]
async fn imports_are_all_or_nothing_and_errors_name_the_line() {
    let (db, _guard) = common::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.display().to_string()
    };
    let good = "1.001193,Đăng ký khai sinh,Hộ tịch,commune,UBND cấp xã,working_days,1,,Miễn,\"Tờ khai\nGiấy chứng sinh\",Luật Hộ tịch 2014,full\n";
    let cases = [
        (
            format!(
                "{HEADER}{good}1.004222,Đăng ký thường trú,Cư trú,xã,Công an,working_days,7,,,,,toàn trình\n2.000815,Chứng thực,Chứng thực,commune,UBND,weeks,1,,,,,full\n"
            ),
            "line 5:",
        ),
        (
            format!(
                "{HEADER}{good}1.004222,Đăng ký thường trú,Cư trú,commune,Công an,working_days,bảy,,,,,full\n"
            ),
            "line 4:",
        ),
        (
            format!(
                "{HEADER}{good}1.004222,Đăng ký thường trú,Cư trú,commune,Công an,working_days,7,,,,,level 5\n"
            ),
            "line 4:",
        ),
        (
            format!("{HEADER}{good}1.001193,Trùng,Hộ tịch,commune,,working_days,1,,,,,full\n"),
            "line 4:",
        ),
        (
            format!("{HEADER}{good},Không mã,Hộ tịch,commune,,working_days,1,,,,,full\n"),
            "line 4:",
        ),
        (
            format!(
                "{HEADER}{good}1.004222,Đăng ký thường trú,Cư trú,commune,,working_days,0,,,,,full\n"
            ),
            "line 4:",
        ),
        ("code,name\n1,x\n".to_string(), "missing column"),
    ];
    for (i, (body, want)) in cases.iter().enumerate() {
        let f = write(&format!("bad{i}.csv"), body);
        let out = hailong(&db, &["import", "procedures", &f]);
        assert!(!out.status.success(), "case {i} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "case {i}: {err}");
    }
    let store = Store::connect(&db).await.unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM procedures").await, 0);
    // The good rows load (with a BOM), and a reload updates instead of duplicating.
    let f = write(
        "good.csv",
        &format!(
            "\u{feff}{HEADER}{good}1.004222,Đăng ký thường trú,Cư trú,xã,Công an cấp xã,working_days,7,,,,,Toàn trình\n"
        ),
    );
    let out = hailong(&db, &["import", "procedures", &f]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 created"));
    let out = hailong(&db, &["import", "procedures", &f]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 created, 2 updated"));
    let p = store.procedure_by_code("1.001193").await.unwrap().unwrap();
    assert_eq!(p.documents, vec!["Tờ khai", "Giấy chứng sinh"]);
    let r = store.procedure_by_code("1.004222").await.unwrap().unwrap();
    assert_eq!(
        (r.level, r.online_level),
        (ProcedureLevel::Commune, OnlineLevel::Full)
    );
    // The demo catalogue loads as it is.
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/data/procedures-demo.csv");
    let out = hailong(&db, &["import", "procedures", demo]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(count(&store, "SELECT COUNT(*) FROM procedures").await >= 30);
    // An import failing in the database also keeps nothing: the store check names the line.
    let rows = vec![
        hailong::store::procedures::ProcedureImportRow {
            line: 2,
            input: input("9.000001", "A", "B", TimeLimit::WorkingDays(1)),
        },
        hailong::store::procedures::ProcedureImportRow {
            line: 3,
            input: input("9.000002", "", "B", TimeLimit::WorkingDays(1)),
        },
    ];
    let before = count(&store, "SELECT COUNT(*) FROM procedures").await;
    let e = store.import_procedures(&rows, None).await.unwrap_err();
    assert!(e.to_string().starts_with("line 3:"), "{e}");
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM procedures").await,
        before
    );
}
