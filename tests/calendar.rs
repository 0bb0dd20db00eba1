//! The working calendar end to end, on SQLite and PostgreSQL: the seeded holidays match the data
//! files, who may read and change holidays and working hours (pages and API, every role), the
//! due-date calculator follows edits of the calendar and inherited hours, and bad input is
//! refused with a bilingual message while the database stays exactly as it was.

mod common;

use common::{Seed, Staff, TestApp, seed};
use hailong::domain::calendar::WorkingHours;
use hailong::domain::time::local_ms;
use hailong::store::Db;
use hailong::store::Store;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anon,
    Admin,
    Leader,
    Official,
    Inspector,
    LeaderB,
}

/// anonymous, admin, leader (commune A), official, inspector (province), leader_b (commune B)
const WHO: [Who; 6] = [
    Who::Anon,
    Who::Admin,
    Who::Leader,
    Who::Official,
    Who::Inspector,
    Who::LeaderB,
];

impl Who {
    fn username(self) -> Option<&'static str> {
        match self {
            Who::Anon => None,
            Who::Admin => Some("admin"),
            Who::Leader => Some("leader"),
            Who::Official => Some("official"),
            Who::Inspector => Some("inspector"),
            Who::LeaderB => Some("leader_b"),
        }
    }
}

fn fill(text: &str, s: &Seed) -> String {
    text.replace("{province}", &s.province.to_string())
        .replace("{commune_a}", &s.commune_a.to_string())
        .replace("{commune_b}", &s.commune_b.to_string())
}

/// Everything the calendar can change, as text.
async fn snapshot(store: &Store) -> Vec<String> {
    const QUERIES: [&str; 2] = [
        "SELECT CAST(day AS TEXT) || '|' || kind || '|' || name_vi || '|' || name_en FROM calendar_days ORDER BY day",
        "SELECT CAST(unit_id AS TEXT) || '|' || hours FROM unit_working_hours ORDER BY unit_id",
    ];
    let mut out = Vec::new();
    for q in QUERIES {
        let rows: Vec<String> = match store.db() {
            Db::Sqlite(p) => sqlx::query_scalar(q).fetch_all(p).await.unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(q).fetch_all(p).await.unwrap(),
        };
        out.push(rows.join("\n"));
    }
    out
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn get_page(app: &TestApp, staff: Option<&Staff>, path: &str) -> reqwest::Response {
    match staff {
        Some(s) => app.get_as(s, path).await,
        None => app.client.get(app.url(path)).send().await.unwrap(),
    }
}

async fn post_form(
    app: &TestApp,
    staff: Option<&Staff>,
    path: &str,
    form: &[(String, String)],
    with_csrf: bool,
) -> reqwest::Response {
    let mut f = form.to_vec();
    let mut req = app.client.post(app.url(path));
    if let Some(s) = staff {
        if with_csrf {
            f.push(("csrf".into(), s.csrf.clone()));
        }
        req = req.header("cookie", &s.cookie);
    }
    req.form(&f).send().await.unwrap()
}

async fn api(
    app: &TestApp,
    token: Option<&str>,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn due(
    app: &TestApp,
    token: &str,
    unit: i64,
    received: &str,
    kind: &str,
    value: u32,
) -> Value {
    let res = api(
        app,
        Some(token),
        reqwest::Method::GET,
        &format!("/api/v1/units/{unit}/due?received_at={received}&kind={kind}&value={value}"),
        None,
    )
    .await;
    assert_eq!(res.status(), 200, "due for {received}");
    res.json().await.unwrap()
}

/// Puts the days and hours the change tests touch back to a known state.
async fn reset(app: &TestApp, s: &Seed) {
    let d = |t: &str| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap();
    app.store
        .calendar_day_set(
            d("2026-11-24"),
            hailong::domain::calendar::DayKind::Holiday,
            "Ngày Văn hóa Việt Nam",
            "Vietnam Cultural Day",
            None,
        )
        .await
        .unwrap();
    let _ = app.store.calendar_day_remove(d("2026-12-30"), None).await;
    for u in [s.province, s.commune_a, s.commune_b] {
        app.store.unit_hours_set(u, None, None).await.unwrap();
    }
}

#[tokio::test]
async fn a_fresh_database_holds_exactly_the_holidays_of_the_data_files() {
    let app = TestApp::spawn().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut want = Vec::new();
    let mut r = csv::Reader::from_path(dir.join("vn-holidays-2018-2030.csv")).unwrap();
    for row in r.records() {
        let row = row.unwrap();
        want.push(format!("{}|holiday|{}|{}", &row[0], &row[2], &row[3]));
    }
    let mut r = csv::Reader::from_path(dir.join("vn-weekend-workdays.csv")).unwrap();
    for row in r.records() {
        let row = row.unwrap();
        want.push(format!("{}|workday", &row[0]));
    }
    want.sort();
    let mut got = Vec::new();
    for year in 2010..=2035 {
        for d in app.store.calendar_days(year).await.unwrap() {
            let line = format!("{}|{}", d.day, d.kind.as_str());
            got.push(match d.kind {
                hailong::domain::calendar::DayKind::Holiday => {
                    format!("{line}|{}|{}", d.name_vi, d.name_en)
                }
                hailong::domain::calendar::DayKind::Workday => line,
            });
        }
    }
    assert_eq!(got, want);
    // The make-up Saturday of 2026 names the day off it pays for.
    let sat = app
        .store
        .calendar_day(chrono::NaiveDate::from_ymd_opt(2026, 8, 22).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(sat.name_vi.contains("31/08/2026"), "{}", sat.name_vi);
}

#[tokio::test]
async fn the_calendar_page_answers_each_role_as_the_rules_say() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let mut sessions = Vec::new();
    for w in WHO {
        sessions.push(match w.username() {
            Some(n) => Some(app.login(n).await),
            None => None,
        });
    }
    const ANON: u16 = 303;
    // Everyone signed in reads the calendar and any unit's hours (they hang at every desk).
    let pages: &[(&str, [u16; 6])] = &[
        ("/calendar", [ANON, 200, 200, 200, 200, 200]),
        (
            "/calendar?year=2026&unit={commune_b}",
            [ANON, 200, 200, 200, 200, 200],
        ),
        (
            "/calendar?unit={commune_a}&received_at=2026-02-12T09:00&kind=working_days&value=3",
            [ANON, 200, 200, 200, 200, 200],
        ),
        (
            "/calendar?year=2026&unit_code=22516",
            [ANON, 200, 200, 200, 200, 200],
        ),
    ];
    let mut failures = Vec::new();
    for (path, expect) in pages {
        let path = fill(path, &s);
        for ((who, staff), want) in WHO.iter().zip(&sessions).zip(expect) {
            let res = get_page(&app, staff.as_ref(), &path).await;
            let got = res.status().as_u16();
            if got != *want {
                failures.push(format!("GET {path} as {who:?}: {got}, expected {want}"));
                continue;
            }
            if *who == Who::Anon {
                if !location(&res).starts_with("/login?next=") {
                    failures.push(format!("GET {path} as anonymous: not sent to login"));
                }
                continue;
            }
            let body = res.text().await.unwrap();
            if !body.contains("lang=\"vi\"")
                || !body.contains("Tết Nguyên Đán") && path.contains("2026")
            {
                failures.push(format!(
                    "GET {path} as {who:?}: not the Vietnamese calendar"
                ));
            }
            let edit_days = body.contains("action=\"/calendar/days\"");
            if edit_days != (*who == Who::Admin) {
                failures.push(format!(
                    "GET {path} as {who:?}: day form shown = {edit_days}"
                ));
            }
            if path.contains("received_at") && !body.contains("24/02/2026 09:00") {
                failures.push(format!("GET {path} as {who:?}: wrong or missing due date"));
            }
        }
    }
    // The hours form shows to those who may change the unit's hours.
    for ((who, staff), want) in WHO
        .iter()
        .zip(&sessions)
        .zip([false, true, true, false, false, false])
    {
        if let Some(st) = staff {
            let body = app
                .get_as(st, &format!("/calendar?unit={}", s.commune_a))
                .await
                .text()
                .await
                .unwrap();
            if body.contains("action=\"/calendar/hours\"") != want {
                failures.push(format!(
                    "hours form for commune A as {who:?} should be {want}"
                ));
            }
        }
    }
    // English on request.
    let en = app
        .client
        .get(app.url("/calendar?year=2026"))
        .header(
            "cookie",
            format!("{}; lang=en", sessions[1].as_ref().unwrap().cookie),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Lunar New Year") && en.contains("lang=\"en\""));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

struct Change {
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    /// 303 allowed (the database changes), 403 refused, 303 for anonymous goes to login.
    expect: [u16; 6],
}

#[tokio::test]
async fn calendar_changes_by_page_follow_roles_and_csrf() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    const A: u16 = 303;
    let cases = [
        Change {
            path: "/calendar/days",
            form: &[
                ("day", "2026-12-30"),
                ("kind", "holiday"),
                ("name_vi", "Nghỉ cuối năm"),
                ("name_en", "Year-end day off"),
            ],
            expect: [A, A, 403, 403, 403, 403],
        },
        Change {
            path: "/calendar/days/2026-11-24/delete",
            form: &[],
            expect: [A, A, 403, 403, 403, 403],
        },
        Change {
            path: "/calendar/hours",
            form: &[
                ("unit_id", "{commune_a}"),
                ("hours", "07:30-11:30,13:30-17:30"),
            ],
            expect: [A, A, A, 403, 403, 403],
        },
        Change {
            path: "/calendar/hours",
            form: &[
                ("unit_id", "{commune_b}"),
                ("hours", "07:30-11:30,13:30-17:30"),
            ],
            expect: [A, A, 403, 403, 403, A],
        },
        Change {
            path: "/calendar/hours",
            form: &[
                ("unit_id", "{province}"),
                ("hours", "07:30-11:30,13:30-17:30"),
            ],
            expect: [A, A, 403, 403, 403, 403],
        },
    ];
    let mut sessions = Vec::new();
    for w in WHO {
        sessions.push(match w.username() {
            Some(n) => Some(app.login(n).await),
            None => None,
        });
    }
    let mut failures = Vec::new();
    for c in &cases {
        let form: Vec<(String, String)> = c
            .form
            .iter()
            .map(|(k, v)| (k.to_string(), fill(v, &s)))
            .collect();
        for ((who, staff), want) in WHO.iter().zip(&sessions).zip(c.expect) {
            // Without the CSRF token nothing changes, whoever asks.
            if staff.is_some() {
                reset(&app, &s).await;
                let before = snapshot(&app.store).await;
                let res = post_form(&app, staff.as_ref(), c.path, &form, false).await;
                if res.status() != 403 || snapshot(&app.store).await != before {
                    failures.push(format!(
                        "POST {} as {who:?} without CSRF: {}",
                        c.path,
                        res.status()
                    ));
                }
            }
            reset(&app, &s).await;
            let before = snapshot(&app.store).await;
            let res = post_form(&app, staff.as_ref(), c.path, &form, true).await;
            let got = res.status().as_u16();
            let changed = snapshot(&app.store).await != before;
            let allowed = *who != Who::Anon && want == A;
            if got != want {
                failures.push(format!(
                    "POST {} as {who:?}: {got}, expected {want}",
                    c.path
                ));
            } else if *who == Who::Anon && !location(&res).starts_with("/login") {
                failures.push(format!("POST {} as anonymous: not sent to login", c.path));
            } else if changed != allowed {
                failures.push(format!("POST {} as {who:?}: changed = {changed}", c.path));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn calendar_api_follows_roles() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let mut tokens = Vec::new();
    for w in WHO {
        tokens.push(match w.username() {
            Some(n) => Some(app.api_token(n).await),
            None => None,
        });
    }
    use reqwest::Method;
    let hours = || Some(json!({"hours": "07:30-11:30,13:30-17:30"}));
    let cases: Vec<(Method, &str, Option<Value>, [u16; 6])> = vec![
        (
            Method::GET,
            "/api/v1/calendar/days?year=2026",
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/calendar/days",
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/units/{commune_b}/working-hours",
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/units/{commune_a}/due?received_at=2026-03-02T08:00&kind=working_days&value=5",
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/calendar/days/2026-12-30",
            Some(
                json!({"kind": "holiday", "name_vi": "Nghỉ cuối năm", "name_en": "Year-end day off"}),
            ),
            [401, 200, 403, 403, 403, 403],
        ),
        (
            Method::DELETE,
            "/api/v1/calendar/days/2026-11-24",
            None,
            [401, 204, 403, 403, 403, 403],
        ),
        (
            Method::PUT,
            "/api/v1/units/{commune_a}/working-hours",
            hours(),
            [401, 200, 200, 403, 403, 403],
        ),
        (
            Method::PUT,
            "/api/v1/units/{commune_b}/working-hours",
            hours(),
            [401, 200, 403, 403, 403, 200],
        ),
        (
            Method::PUT,
            "/api/v1/units/{province}/working-hours",
            hours(),
            [401, 200, 403, 403, 403, 403],
        ),
    ];
    let mut failures = Vec::new();
    for (method, path, body, expect) in &cases {
        let path = fill(path, &s);
        for ((who, token), want) in WHO.iter().zip(&tokens).zip(expect) {
            reset(&app, &s).await;
            let before = snapshot(&app.store).await;
            let res = api(&app, token.as_deref(), method.clone(), &path, body.clone()).await;
            let got = res.status().as_u16();
            let changed = snapshot(&app.store).await != before;
            let should_change = *method != Method::GET && (200..300).contains(want);
            if got != *want {
                failures.push(format!(
                    "{method} {path} as {who:?}: {got}, expected {want}"
                ));
            } else if changed != should_change {
                failures.push(format!("{method} {path} as {who:?}: changed = {changed}"));
            }
        }
    }
    // A browser session without its CSRF token changes nothing through the API either.
    let admin = app.login("admin").await;
    reset(&app, &s).await;
    let before = snapshot(&app.store).await;
    let res = app
        .client
        .delete(app.url("/api/v1/calendar/days/2026-11-24"))
        .header("cookie", &admin.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(snapshot(&app.store).await, before);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The OpenAPI document lists the calendar endpoints.
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
        "/api/v1/calendar/days",
        "/api/v1/calendar/days/{date}",
        "/api/v1/units/{id}/working-hours",
        "/api/v1/units/{id}/due",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from OpenAPI");
    }
    assert!(
        doc["paths"]["/api/v1/calendar/days/{date}"]
            .get("put")
            .is_some()
    );
    assert!(
        doc["paths"]["/api/v1/calendar/days/{date}"]
            .get("delete")
            .is_some()
    );
}

#[tokio::test]
async fn editing_the_calendar_moves_the_due_date() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let t = app.api_token("admin").await;
    let a = s.commune_a;
    // Wednesday 30/12/2026 08:00 + 1 working day = Thursday 31/12 08:00.
    let d = due(&app, &t, a, "2026-12-30T08:00", "working_days", 1).await;
    assert_eq!(d["clock_start"], "2026-12-30T08:00:00");
    assert_eq!(d["due_at"], "2026-12-31T08:00:00");
    let due_local =
        chrono::NaiveDateTime::parse_from_str("2026-12-31T08:00:00", "%Y-%m-%dT%H:%M:%S").unwrap();
    assert_eq!(d["due_at_ms"], local_ms(due_local));
    assert_eq!(d["limit"], json!({"kind": "working_days", "value": 1}));
    // An RFC 3339 receipt is read in Vietnam time (01:00Z = 08:00 +07:00).
    let z = due(&app, &t, a, "2026-12-30T01:00:00Z", "working_days", 1).await;
    assert_eq!(z["due_at"], d["due_at"]);

    // The government gives 31/12 off: 1/1/2027 is New Year, then the weekend: Monday 4/1.
    let put = |day: &'static str, body: Value| {
        let app = &app;
        let t = t.clone();
        async move {
            api(
                app,
                Some(&t),
                reqwest::Method::PUT,
                &format!("/api/v1/calendar/days/{day}"),
                Some(body),
            )
            .await
        }
    };
    let res = put(
        "2026-12-31",
        json!({"kind": "holiday", "name_vi": "Nghỉ bù", "name_en": "Day off"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["kind"], "holiday");
    assert_eq!(saved["day"], "2026-12-31");
    let d = due(&app, &t, a, "2026-12-30T08:00", "working_days", 1).await;
    assert_eq!(d["due_at"], "2027-01-04T08:00:00");
    // ... and asks for Saturday 2/1/2027 to be worked instead.
    let res = put(
        "2027-01-02",
        json!({"kind": "workday", "name_vi": "Ngày làm bù", "name_en": "Make-up day"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let d = due(&app, &t, a, "2026-12-30T08:00", "working_days", 1).await;
    assert_eq!(d["due_at"], "2027-01-02T08:00:00");
    // Calendar days end at closing time on a working day: 30/12 + 2 = 1/1 (holiday) → Sat 2/1.
    let c = due(&app, &t, a, "2026-12-30T08:00", "calendar_days", 2).await;
    assert_eq!(c["due_at"], "2027-01-02T17:00:00");
    // The year's list shows the edits; removing them restores the first answer.
    let days: Value = api(
        &app,
        Some(&t),
        reqwest::Method::GET,
        "/api/v1/calendar/days?year=2027",
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        days.as_array()
            .unwrap()
            .iter()
            .any(|d| d["day"] == "2027-01-02" && d["kind"] == "workday")
    );
    for day in ["2026-12-31", "2027-01-02"] {
        let res = api(
            &app,
            Some(&t),
            reqwest::Method::DELETE,
            &format!("/api/v1/calendar/days/{day}"),
            None,
        )
        .await;
        assert_eq!(res.status(), 204);
    }
    let d = due(&app, &t, a, "2026-12-30T08:00", "working_days", 1).await;
    assert_eq!(d["due_at"], "2027-12-31T08:00:00".replace("2027", "2026"));

    // The page edits the same data: an administrator lists 31/12 again through the form.
    let admin = app.login("admin").await;
    let res = app
        .post_form_as(
            &admin,
            "/calendar/days",
            &[
                ("day", "2026-12-31"),
                ("kind", "holiday"),
                ("name_vi", "Nghỉ"),
                ("name_en", "Off"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/calendar?year=2026");
    let d = due(&app, &t, a, "2026-12-30T08:00", "working_days", 1).await;
    assert_eq!(d["due_at"], "2027-01-04T08:00:00");
    // Every change left an audit row.
    let n: i64 = match app.store.db() {
        Db::Sqlite(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'calendar.%'")
                .fetch_one(p)
                .await
                .unwrap()
        }
        Db::Postgres(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'calendar.%'")
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    assert_eq!(n, 5);
}

#[tokio::test]
async fn units_inherit_working_hours_from_the_nearest_ancestor() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let admin = app.api_token("admin").await;
    let leader = app.api_token("leader").await;
    let hours_of = |unit: i64| {
        let app = &app;
        let t = admin.clone();
        async move {
            let res = api(
                app,
                Some(&t),
                reqwest::Method::GET,
                &format!("/api/v1/units/{unit}/working-hours"),
                None,
            )
            .await;
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    let h = hours_of(s.commune_a).await;
    assert_eq!(h["hours"], "07:00-11:30,13:30-17:00");
    assert_eq!(h["source"], "default");
    assert_eq!(h["own"], Value::Null);
    assert_eq!(h["minutes_per_day"], 480);

    // The province works mornings only; its communes follow.
    let res = api(
        &app,
        Some(&admin),
        reqwest::Method::PUT,
        &format!("/api/v1/units/{}/working-hours", s.province),
        Some(json!({"hours": "08:00-12:00"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let h = hours_of(s.commune_a).await;
    assert_eq!(h["hours"], "08:00-12:00");
    assert_eq!(h["source"], "inherited");
    assert_eq!(h["inherited_from"], s.province);
    assert_eq!(h["inherited_from_name"], "Tỉnh Khánh Hòa");
    // Monday 2/3/2026 09:00 + 4 working hours under 08:00-12:00 = Tuesday 09:00.
    let d = due(
        &app,
        &admin,
        s.commune_a,
        "2026-03-02T09:00",
        "working_hours",
        4,
    )
    .await;
    assert_eq!(d["hours"], "08:00-12:00");
    assert_eq!(d["due_at"], "2026-03-03T09:00:00");
    // Received in the afternoon: the clock starts next morning.
    let d = due(
        &app,
        &admin,
        s.commune_a,
        "2026-03-02T14:00",
        "working_hours",
        1,
    )
    .await;
    assert_eq!(d["clock_start"], "2026-03-03T08:00:00");

    // Commune A's leader sets the commune's own hours; commune B still inherits.
    let res = api(
        &app,
        Some(&leader),
        reqwest::Method::PUT,
        &format!("/api/v1/units/{}/working-hours", s.commune_a),
        Some(json!({"hours": "07:00-11:00, 14:00-17:00"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let h: Value = res.json().await.unwrap();
    assert_eq!(h["source"], "own");
    assert_eq!(h["own"], "07:00-11:00,14:00-17:00");
    assert_eq!(hours_of(s.commune_b).await["source"], "inherited");
    let own = app.store.unit_hours(s.commune_a).await.unwrap();
    assert_eq!(
        own.own,
        Some(WorkingHours::parse("07:00-11:00,14:00-17:00").unwrap())
    );

    // null goes back to inheriting; clearing the province gives the default again.
    let res = api(
        &app,
        Some(&leader),
        reqwest::Method::PUT,
        &format!("/api/v1/units/{}/working-hours", s.commune_a),
        Some(json!({"hours": null})),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(hours_of(s.commune_a).await["source"], "inherited");
    let res = api(
        &app,
        Some(&admin),
        reqwest::Method::PUT,
        &format!("/api/v1/units/{}/working-hours", s.province),
        Some(json!({"hours": null})),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(hours_of(s.commune_a).await["source"], "default");

    // The page form does the same; its "inherit" box clears the unit's own hours.
    let st = app.login("leader").await;
    let a = s.commune_a.to_string();
    let res = app
        .post_form_as(
            &st,
            "/calendar/hours",
            &[("unit_id", &a), ("hours", "07:30-11:30")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = app
        .get_as(&st, &format!("/calendar?unit={a}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("07:30-11:30"),
        "page does not show the new hours"
    );
    assert!(page.contains("giờ riêng của đơn vị"));
    let res = app
        .post_form_as(
            &st,
            "/calendar/hours",
            &[("unit_id", &a), ("hours", "07:30-11:30"), ("inherit", "on")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.store.unit_hours(s.commune_a).await.unwrap().own, None);
}

#[tokio::test]
async fn bad_input_is_refused_in_both_languages_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let t = app.api_token("admin").await;
    // Something non-default to keep.
    app.store
        .unit_hours_set(
            s.commune_a,
            Some(&WorkingHours::parse("07:30-11:30,13:30-17:00").unwrap()),
            None,
        )
        .await
        .unwrap();
    let before = snapshot(&app.store).await;
    use reqwest::Method;
    let a = s.commune_a;
    let good = || json!({"kind": "holiday", "name_vi": "Nghỉ", "name_en": "Off"});
    let cases: Vec<(Method, String, Option<Value>, u16)> = vec![
        (
            Method::PUT,
            "/api/v1/calendar/days/2026-02-30".into(),
            Some(good()),
            400,
        ),
        (
            Method::PUT,
            "/api/v1/calendar/days/not-a-date".into(),
            Some(good()),
            400,
        ),
        (
            Method::PUT,
            "/api/v1/calendar/days/2026-03-03".into(),
            Some(json!({"kind": "workday", "name_vi": "Làm bù", "name_en": "Make-up"})),
            422,
        ),
        (
            Method::PUT,
            "/api/v1/calendar/days/2026-03-03".into(),
            Some(json!({"kind": "holiday", "name_vi": "  ", "name_en": "Off"})),
            422,
        ),
        (
            Method::PUT,
            "/api/v1/calendar/days/2026-03-03".into(),
            Some(json!({"kind": "festival", "name_vi": "Hội", "name_en": "Fest"})),
            422,
        ),
        (
            Method::PUT,
            "/api/v1/calendar/days/2026-03-03".into(),
            Some(json!({"kind": "holiday", "name_vi": "Nghỉ", "name_en": "Off", "extra": 1})),
            422,
        ),
        (
            Method::PUT,
            "/api/v1/calendar/days/2026-03-03".into(),
            None,
            400,
        ),
        (
            Method::DELETE,
            "/api/v1/calendar/days/2026-03-03".into(),
            None,
            404,
        ),
        (
            Method::DELETE,
            "/api/v1/calendar/days/03-03-2026".into(),
            None,
            400,
        ),
        (
            Method::PUT,
            format!("/api/v1/units/{a}/working-hours"),
            Some(json!({"hours": "17:00-07:00"})),
            422,
        ),
        (
            Method::PUT,
            format!("/api/v1/units/{a}/working-hours"),
            Some(json!({"hours": "07:00-12:00,11:00-17:00"})),
            422,
        ),
        (
            Method::PUT,
            format!("/api/v1/units/{a}/working-hours"),
            Some(json!({"hours": ""})),
            422,
        ),
        (
            Method::PUT,
            format!("/api/v1/units/{a}/working-hours"),
            Some(json!({"hour": "07:00-11:00"})),
            422,
        ),
        (
            Method::PUT,
            "/api/v1/units/999999/working-hours".into(),
            Some(json!({"hours": "07:00-11:00"})),
            404,
        ),
        (
            Method::GET,
            "/api/v1/units/999999/working-hours".into(),
            None,
            404,
        ),
        (
            Method::GET,
            format!("/api/v1/units/{a}/due?kind=working_days&value=1"),
            None,
            400,
        ),
        (
            Method::GET,
            format!("/api/v1/units/{a}/due?received_at=yesterday&kind=working_days&value=1"),
            None,
            400,
        ),
        (
            Method::GET,
            format!("/api/v1/units/{a}/due?received_at=2026-03-02T08:00&kind=weeks&value=1"),
            None,
            400,
        ),
        (
            Method::GET,
            format!(
                "/api/v1/units/{a}/due?received_at=2026-03-02T08:00&kind=working_days&value=-1"
            ),
            None,
            400,
        ),
        (
            Method::GET,
            format!(
                "/api/v1/units/{a}/due?received_at=2026-03-02T08:00&kind=working_days&value=abc"
            ),
            None,
            400,
        ),
        (
            Method::GET,
            format!(
                "/api/v1/units/{a}/due?received_at=2026-03-02T08:00&kind=working_days&value=10001"
            ),
            None,
            400,
        ),
        (
            Method::GET,
            "/api/v1/units/999999/due?received_at=2026-03-02T08:00&kind=working_days&value=1"
                .into(),
            None,
            404,
        ),
        (
            Method::GET,
            "/api/v1/calendar/days?year=abc".into(),
            None,
            400,
        ),
        (
            Method::GET,
            "/api/v1/calendar/days?year=20260".into(),
            None,
            400,
        ),
    ];
    let mut failures = Vec::new();
    for (method, path, body, want) in cases {
        let res = api(&app, Some(&t), method.clone(), &path, body).await;
        let got = res.status().as_u16();
        let json: Value = res.json().await.unwrap_or(Value::Null);
        if got != want {
            failures.push(format!("{method} {path}: {got}, expected {want}: {json}"));
        } else if json["message_vi"].as_str().unwrap_or("").is_empty()
            || json["message_en"].as_str().unwrap_or("").is_empty()
        {
            failures.push(format!("{method} {path}: no bilingual message: {json}"));
        }
    }
    // The page refuses the same mistakes with the form still filled in.
    let admin = app.login("admin").await;
    let a = a.to_string();
    type PageCase<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let page_cases: Vec<PageCase> = vec![
        (
            "/calendar/days",
            vec![
                ("day", "2026-02-30"),
                ("kind", "holiday"),
                ("name_vi", "Nghỉ"),
                ("name_en", "Off"),
            ],
            "không hợp lệ",
        ),
        (
            "/calendar/days",
            vec![
                ("day", "2026-03-03"),
                ("kind", "workday"),
                ("name_vi", "Làm bù"),
                ("name_en", "Make-up"),
            ],
            "thứ Bảy hoặc Chủ nhật",
        ),
        (
            "/calendar/days",
            vec![
                ("day", "2026-03-03"),
                ("kind", "holiday"),
                ("name_vi", ""),
                ("name_en", "Off"),
            ],
            "tiếng Việt",
        ),
        (
            "/calendar/days/2026-03-03/delete",
            vec![],
            "không có trong lịch",
        ),
        (
            "/calendar/hours",
            vec![("unit_id", &a), ("hours", "7h-11h")],
            "Giờ làm việc không hợp lệ",
        ),
    ];
    for (path, form, needle) in page_cases {
        let res = app.post_form_as(&admin, path, &form).await;
        let got = res.status().as_u16();
        let body = res.text().await.unwrap();
        if got != 422 || !body.contains(needle) {
            failures.push(format!(
                "POST {path}: {got}, message {needle:?} shown = {}",
                body.contains(needle)
            ));
        }
    }
    let res = app
        .get_as(
            &admin,
            &format!("/calendar?unit={a}&received_at=hôm-qua&kind=working_days&value=1"),
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = app.get_as(&admin, "/calendar?year=năm-nay").await;
    assert_eq!(res.status(), 400);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        snapshot(&app.store).await,
        before,
        "a refused change was stored"
    );
}
