//! Who may open which staff page and make which change: every staff route against every role
//! (anonymous, administrator, leader of commune A, official, inspector of the province, and
//! the leader of commune B for out-of-subtree access). A refused change must leave the database
//! exactly as it was; so must a change sent without its CSRF token.

mod common;

use common::{Seed, Staff, TestApp, seed};
use hailong::domain::form::ValidRating;
use hailong::domain::scale::{Level, Scale};
use hailong::store::Db;
use hailong::store::Store;
use hailong::store::ratings::{Channel, NewRating};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anon,
    Admin,
    Leader,
    Official,
    Inspector,
    LeaderB,
}

/// The order of every expectation array below.
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
    fn tag(self) -> &'static str {
        self.username().unwrap_or("anon")
    }
}

/// Seeded ids, plus a rating in commune A, a second form, and the inspector's account id.
struct World {
    s: Seed,
    rating: i64,
    form2: i64,
    inspector_user: i64,
}

async fn world(app: &TestApp) -> World {
    let s = seed(&app.store).await;
    let now = common::now_ms();
    let l = Level::new(2).unwrap();
    let r = NewRating {
        idempotency_key: "access-test-1".into(),
        channel: Channel::Kiosk,
        device_id: None,
        counter_id: Some(s.counter1),
        session_id: None,
        official_id: Some(s.official1),
        unit_id: s.commune_a,
        form_version_id: s.form_version_id,
        scale: Scale::Three,
        rating: ValidRating {
            headline: l,
            answers: vec![("attitude".into(), l), ("handling".into(), l)],
            reasons: vec!["waiting".into()],
            comment: Some("Phải chờ lâu quá".into()),
        },
        dossier_code: Some("22525-261001-0001".into()),
        rated_at: now,
        received_at: now,
        repeat_window_ms: 0,
    };
    let rating = app.store.ratings_insert_batch(&[&r]).await.unwrap()[0]
        .as_ref()
        .unwrap()
        .id();
    let form2 = app
        .store
        .form_create(
            "Phiếu hai mức",
            &hailong::domain::form::FormDefinition {
                scale: Scale::Two,
                ..hailong::domain::form::FormDefinition::standard()
            },
        )
        .await
        .unwrap();
    let inspector_user = app
        .store
        .user_by_username("inspector")
        .await
        .unwrap()
        .unwrap()
        .id;
    World {
        s,
        rating,
        form2,
        inspector_user,
    }
}

/// Replaces {placeholders} with the world's ids and {who} with the acting role.
fn fill(text: &str, w: &World, who: Who) -> String {
    let s = &w.s;
    [
        ("{province}", s.province),
        ("{commune_a}", s.commune_a),
        ("{commune_b}", s.commune_b),
        ("{center}", s.center),
        ("{counter1}", s.counter1),
        ("{counter2}", s.counter2),
        ("{official1}", s.official1),
        ("{official2}", s.official2),
        ("{official_b}", s.official_b),
        ("{form}", s.form_id),
        ("{form2}", w.form2),
        ("{rating}", w.rating),
        ("{kiosk}", s.kiosk_id),
        ("{inspector_user}", w.inspector_user),
    ]
    .iter()
    .fold(text.replace("{who}", who.tag()), |t, (k, v)| {
        t.replace(k, &v.to_string())
    })
}

async fn logins(app: &TestApp) -> Vec<(Who, Option<Staff>)> {
    let mut out = Vec::new();
    for w in WHO {
        let staff = match w.username() {
            Some(name) => Some(app.login(name).await),
            None => None,
        };
        out.push((w, staff));
    }
    out
}

async fn get(app: &TestApp, staff: &Option<Staff>, path: &str) -> reqwest::Response {
    match staff {
        Some(s) => app.get_as(s, path).await,
        None => app.client.get(app.url(path)).send().await.unwrap(),
    }
}

async fn post(
    app: &TestApp,
    staff: &Option<Staff>,
    path: &str,
    form: &[(String, String)],
    with_csrf: bool,
) -> reqwest::Response {
    let mut f: Vec<(String, String)> = form.to_vec();
    let mut req = app.client.post(app.url(path));
    if let Some(s) = staff {
        if with_csrf {
            f.push(("csrf".into(), s.csrf.clone()));
        }
        req = req.header("cookie", &s.cookie);
    }
    req.form(&f).send().await.unwrap()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Everything a staff page can change, as text, so that "nothing changed" is one comparison.
async fn snapshot(store: &Store) -> Vec<String> {
    const QUERIES: [&str; 10] = [
        "SELECT code || '|' || name || '|' || COALESCE(CAST(parent_id AS TEXT), '') FROM units ORDER BY id",
        "SELECT code || '|' || full_name || '|' || title || '|' || CAST(unit_id AS TEXT) || '|' || CAST(active AS TEXT) || '|' || COALESCE(photo_type, '') FROM officials ORDER BY id",
        "SELECT name || '|' || address || '|' || CAST(unit_id AS TEXT) FROM service_centers ORDER BY id",
        "SELECT code || '|' || name || '|' || COALESCE(CAST(form_id AS TEXT), '') || '|' || CAST(active AS TEXT) FROM counters ORDER BY id",
        "SELECT name || '|' || COALESCE(CAST(revoked_at AS TEXT), '') FROM kiosk_devices ORDER BY id",
        "SELECT CAST(id AS TEXT) || '|' || COALESCE(flag_reason, '') || '|' || COALESCE(CAST(flagged_at AS TEXT), '') FROM ratings ORDER BY id",
        "SELECT CAST(counter_id AS TEXT) || '|' || CAST(official_id AS TEXT) || '|' || COALESCE(CAST(ended_at AS TEXT), '') FROM counter_sessions ORDER BY id",
        "SELECT username || '|' || display_name || '|' || role || '|' || COALESCE(CAST(unit_id AS TEXT), '') || '|' || COALESCE(CAST(official_id AS TEXT), '') || '|' || CAST(disabled AS TEXT) || '|' || password_hash FROM users ORDER BY id",
        "SELECT name || '|' || CAST(is_default AS TEXT) FROM rating_forms ORDER BY id",
        "SELECT CAST(form_id AS TEXT) || '|' || CAST(version AS TEXT) FROM rating_form_versions ORDER BY id",
    ];
    let mut out = Vec::new();
    for q in QUERIES {
        let rows: Vec<String> = match store.db() {
            Db::Sqlite(p) => sqlx::query_scalar(q).fetch_all(p).await.unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(q).fetch_all(p).await.unwrap(),
        };
        out.push(format!("{q}\n{}", rows.join("\n")));
    }
    out
}

const ANON: u16 = 303;

#[tokio::test]
async fn every_page_answers_each_role_as_the_rules_say() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let sessions = logins(&app).await;
    // anonymous, admin, leader (commune A), official, inspector (province), leader_b (commune B)
    let table: &[(&str, [u16; 6])] = &[
        ("/units", [ANON, 200, 200, 403, 200, 200]),
        ("/units?unit={commune_b}", [ANON, 200, 403, 403, 200, 200]),
        (
            "/units/new?parent={commune_a}",
            [ANON, 200, 200, 403, 403, 403],
        ),
        ("/units/new", [ANON, 200, 403, 403, 403, 403]),
        // Editing a unit is its parent's manager's decision.
        ("/units/{commune_a}/edit", [ANON, 200, 403, 403, 403, 403]),
        ("/officials", [ANON, 200, 200, 403, 200, 200]),
        (
            "/officials?unit={commune_b}",
            [ANON, 200, 403, 403, 200, 200],
        ),
        (
            "/officials?unit={commune_a}&q=Lan",
            [ANON, 200, 200, 403, 200, 403],
        ),
        ("/officials/new", [ANON, 200, 200, 403, 403, 200]),
        (
            "/officials/new?unit={commune_b}",
            [ANON, 200, 403, 403, 403, 200],
        ),
        (
            "/officials/{official1}/edit",
            [ANON, 200, 200, 403, 403, 403],
        ),
        (
            "/officials/{official_b}/edit",
            [ANON, 200, 403, 403, 403, 200],
        ),
        ("/counters", [ANON, 200, 200, 403, 200, 200]),
        (
            "/counters?unit={commune_b}",
            [ANON, 200, 403, 403, 200, 200],
        ),
        ("/kiosks", [ANON, 200, 200, 403, 200, 200]),
        ("/kiosks?unit={commune_b}", [ANON, 200, 403, 403, 200, 200]),
        ("/forms", [ANON, 200, 403, 403, 403, 403]),
        ("/forms/{form}", [ANON, 200, 403, 403, 403, 403]),
        ("/users", [ANON, 200, 403, 403, 403, 403]),
        (
            "/users/{inspector_user}/edit",
            [ANON, 200, 403, 403, 403, 403],
        ),
        ("/counter-signin", [ANON, 200, 200, 200, 200, 200]),
        (
            "/counter-signin?unit={commune_b}",
            [ANON, 200, 403, 200, 200, 200],
        ),
        ("/ratings", [ANON, 200, 200, 403, 200, 200]),
        ("/ratings?unit={commune_b}", [ANON, 200, 403, 403, 200, 200]),
        (
            "/ratings?unit={commune_a}&page=2",
            [ANON, 200, 200, 403, 200, 403],
        ),
        ("/me/results", [ANON, 200, 200, 200, 200, 200]),
        ("/me/results?month=2026-10", [ANON, 200, 200, 200, 200, 200]),
        (
            "/me/results?official={official1}",
            [ANON, 200, 200, 200, 200, 403],
        ),
        (
            "/me/results?official={official2}",
            [ANON, 200, 200, 403, 200, 403],
        ),
        (
            "/me/results?official={official_b}",
            [ANON, 200, 403, 403, 200, 200],
        ),
        ("/reports/officials", [ANON, 200, 200, 403, 200, 200]),
        (
            "/reports/officials?unit={commune_b}",
            [ANON, 200, 403, 403, 200, 200],
        ),
        ("/reports/officials.csv", [ANON, 200, 200, 403, 200, 200]),
        ("/reports/officials.xlsx", [ANON, 200, 200, 403, 200, 200]),
    ];
    let mut failures = Vec::new();
    for (path, expect) in table {
        for ((who, staff), want) in sessions.iter().zip(expect) {
            let path = fill(path, &w, *who);
            let res = get(&app, staff, &path).await;
            let got = res.status().as_u16();
            if got != *want {
                failures.push(format!("GET {path} as {who:?}: {got}, expected {want}"));
            } else if *who == Who::Anon && !location(&res).starts_with("/login?next=") {
                failures.push(format!(
                    "GET {path} as anonymous went to {:?}, not the login page",
                    location(&res)
                ));
            } else if got == 200 && path.ends_with(".xlsx") {
                let ct = res.headers()["content-type"].to_str().unwrap().to_string();
                assert!(ct.contains("spreadsheetml"), "{ct}");
            } else if got == 200 && !path.contains(".csv") {
                let body = res.text().await.unwrap();
                if !body.contains("<!doctype html>") || !body.contains("lang=\"vi\"") {
                    failures.push(format!("GET {path} as {who:?}: not a Vietnamese page"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Something to do before each attempt of a change (so each allowed attempt changes something).
#[derive(Clone, Copy, PartialEq)]
enum Prep {
    None,
    /// Register a fresh kiosk at counter 1; the path's {kiosk} is that device.
    FreshKiosk,
    /// Sign official 1 in at counter 1.
    SignIn,
}

struct PostCase {
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    prep: Prep,
    /// Status per role; 303 or 200 means allowed (and the database must change), 403 refused.
    expect: [u16; 6],
}

const A: u16 = 303;

fn post_cases() -> Vec<PostCase> {
    vec![
        PostCase {
            path: "/units",
            form: &[
                ("parent_id", "{province}"),
                ("level", "commune"),
                ("code", "T-{who}"),
                ("name", "Xã Thử {who}"),
            ],
            prep: Prep::None,
            expect: [ANON, A, 403, 403, 403, 403],
        },
        PostCase {
            path: "/units/{commune_a}",
            form: &[
                ("parent_id", "{province}"),
                ("level", "commune"),
                ("code", "22525"),
                ("name", "Xã Vạn Hưng {who}"),
            ],
            prep: Prep::None,
            expect: [ANON, A, 403, 403, 403, 403],
        },
        PostCase {
            path: "/officials",
            form: &[
                ("unit_id", "{commune_a}"),
                ("code", "N-{who}"),
                ("full_name", "Phạm Thị Thu {who}"),
                ("title", "Văn phòng – Thống kê"),
                ("active", "on"),
            ],
            prep: Prep::None,
            expect: [ANON, A, A, 403, 403, 403],
        },
        PostCase {
            path: "/officials",
            form: &[
                ("unit_id", "{commune_b}"),
                ("code", "B-{who}"),
                ("full_name", "Đỗ Văn Bình {who}"),
                ("active", "on"),
            ],
            prep: Prep::None,
            expect: [ANON, A, 403, 403, 403, A],
        },
        PostCase {
            path: "/officials/{official1}",
            form: &[
                ("unit_id", "{commune_a}"),
                ("code", "VH01"),
                ("full_name", "Nguyễn Thị Lan {who}"),
                ("title", "Công chức Tư pháp – Hộ tịch"),
                ("active", "on"),
            ],
            prep: Prep::None,
            expect: [ANON, A, A, 403, 403, 403],
        },
        PostCase {
            // Moving an official into commune B needs write access to both ends.
            path: "/officials/{official2}",
            form: &[
                ("unit_id", "{commune_b}"),
                ("code", "VH02"),
                ("full_name", "Trần Văn Minh"),
                ("active", "on"),
            ],
            prep: Prep::None,
            expect: [ANON, A, 403, 403, 403, 403],
        },
        PostCase {
            path: "/centers",
            form: &[
                ("unit_id", "{commune_a}"),
                ("name", "Điểm tiếp nhận {who}"),
                ("address", "Thôn 1"),
            ],
            prep: Prep::None,
            expect: [ANON, A, A, 403, 403, 403],
        },
        PostCase {
            path: "/counters",
            form: &[
                ("service_center_id", "{center}"),
                ("code", "Q-{who}"),
                ("name", "Quầy {who}"),
                ("form_id", ""),
            ],
            prep: Prep::None,
            expect: [ANON, A, A, 403, 403, 403],
        },
        PostCase {
            path: "/counters/{counter2}",
            form: &[
                ("name", "Quầy 2 – {who}"),
                ("form_id", "{form2}"),
                ("active", "on"),
            ],
            prep: Prep::None,
            expect: [ANON, A, A, 403, 403, 403],
        },
        PostCase {
            path: "/kiosks",
            form: &[("counter_id", "{counter1}"), ("name", "Màn hình {who}")],
            prep: Prep::None,
            expect: [ANON, 200, 200, 403, 403, 403],
        },
        PostCase {
            path: "/kiosks/{kiosk}/revoke",
            form: &[],
            prep: Prep::FreshKiosk,
            expect: [ANON, A, A, 403, 403, 403],
        },
        PostCase {
            path: "/ratings/{rating}/flag",
            form: &[("action", "flag"), ("reason", "Bấm thử ({who})")],
            prep: Prep::None,
            expect: [ANON, A, A, 403, 403, 403],
        },
        PostCase {
            path: "/counter-signin",
            form: &[("counter_id", "{counter1}"), ("official_id", "{official1}")],
            prep: Prep::None,
            expect: [ANON, A, A, A, 403, 403],
        },
        PostCase {
            path: "/counter-signin",
            form: &[("counter_id", "{counter2}")],
            prep: Prep::None,
            // Only an official's own account signs in without naming the official.
            expect: [ANON, 422, 422, A, 403, 422],
        },
        PostCase {
            path: "/counter-signout",
            form: &[("official_id", "{official1}")],
            prep: Prep::SignIn,
            expect: [ANON, A, A, A, 403, 403],
        },
        PostCase {
            path: "/users",
            form: &[
                ("username", "moi-{who}"),
                ("display_name", "Tài khoản mới"),
                ("role", "leader"),
                ("unit_code", "22525"),
                ("password", "mot-mat-khau-dai"),
            ],
            prep: Prep::None,
            expect: [ANON, A, 403, 403, 403, 403],
        },
        PostCase {
            path: "/users/{inspector_user}",
            form: &[
                ("display_name", "Thanh tra {who}"),
                ("role", "inspector"),
                ("unit_code", "56"),
            ],
            prep: Prep::None,
            expect: [ANON, A, 403, 403, 403, 403],
        },
        PostCase {
            path: "/users/{inspector_user}/password",
            form: &[("password", "mat-khau-moi-{who}")],
            prep: Prep::None,
            expect: [ANON, A, 403, 403, 403, 403],
        },
        PostCase {
            path: "/forms",
            form: &[
                ("name", "Phiếu {who}"),
                ("scale", "5"),
                ("questions", "overall | Mức độ hài lòng chung | Overall"),
                ("reasons", "waiting | Phải chờ đợi lâu | Long wait"),
                ("allow_comment", "on"),
            ],
            prep: Prep::None,
            expect: [ANON, A, 403, 403, 403, 403],
        },
        PostCase {
            path: "/forms/{form}",
            form: &[
                ("scale", "3"),
                ("questions", "attitude | Thái độ {who} | Attitude"),
                ("reasons", ""),
            ],
            prep: Prep::None,
            expect: [ANON, A, 403, 403, 403, 403],
        },
        PostCase {
            path: "/forms/{form2}/default",
            form: &[],
            prep: Prep::None,
            expect: [ANON, A, 403, 403, 403, 403],
        },
    ]
}

fn allowed(status: u16) -> bool {
    status == 200 || status == 303
}

async fn run_post_case(case: &PostCase) -> Vec<String> {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let sessions = logins(&app).await;
    let mut failures = Vec::new();
    // Refusals first (while the world is as seeded), then a change without its CSRF token, then
    // the allowed changes.
    let mut order: Vec<(usize, bool)> = (0..WHO.len())
        .filter(|i| !allowed(case.expect[*i]) || WHO[*i] == Who::Anon)
        .map(|i| (i, true))
        .collect();
    let first_allowed = (0..WHO.len()).find(|i| WHO[*i] != Who::Anon && allowed(case.expect[*i]));
    if let Some(i) = first_allowed {
        order.push((i, false));
    }
    order.extend(
        (0..WHO.len())
            .filter(|i| allowed(case.expect[*i]) && WHO[*i] != Who::Anon)
            .map(|i| (i, true)),
    );
    for (i, with_csrf) in order {
        let (who, staff) = &sessions[i];
        let mut w_now = clone_world(&w);
        match case.prep {
            Prep::None => {}
            Prep::FreshKiosk => {
                let (id, _) = app
                    .store
                    .kiosk_register(w.s.counter1, "Màn hình tạm")
                    .await
                    .unwrap();
                w_now.s.kiosk_id = id;
            }
            Prep::SignIn => {
                app.store
                    .counter_sign_in(w.s.counter1, w.s.official1)
                    .await
                    .unwrap();
            }
        }
        let path = fill(case.path, &w_now, *who);
        let form: Vec<(String, String)> = case
            .form
            .iter()
            .map(|(k, v)| (k.to_string(), fill(v, &w_now, *who)))
            .collect();
        let before = snapshot(&app.store).await;
        let res = post(&app, staff, &path, &form, with_csrf).await;
        let got = res.status().as_u16();
        let loc = location(&res);
        let after = snapshot(&app.store).await;
        let want = if with_csrf { case.expect[i] } else { 403 };
        let what = format!(
            "POST {path} as {who:?}{}",
            if with_csrf { "" } else { " without CSRF token" }
        );
        if got != want {
            let body = res.text().await.unwrap_or_default();
            let msg = body
                .split("role=\"alert\">")
                .nth(1)
                .and_then(|b| b.split('<').next())
                .unwrap_or("");
            failures.push(format!("{what}: {got}, expected {want} {msg}"));
            continue;
        }
        if *who == Who::Anon && !loc.starts_with("/login") {
            failures.push(format!("{what}: went to {loc:?}, not the login page"));
        }
        if allowed(want) && *who != Who::Anon {
            if before == after {
                failures.push(format!("{what}: allowed but nothing changed"));
            }
        } else if before != after {
            let diff: Vec<_> = before
                .iter()
                .zip(&after)
                .filter(|(a, b)| a != b)
                .map(|(a, b)| format!("{a}\n  ≠\n{b}"))
                .collect();
            failures.push(format!(
                "{what}: refused ({got}) but the database changed:\n{}",
                diff.join("\n")
            ));
        }
    }
    failures
}

fn clone_world(w: &World) -> World {
    World {
        s: Seed {
            kiosk_token: w.s.kiosk_token.clone(),
            ..w.s
        },
        rating: w.rating,
        form2: w.form2,
        inspector_user: w.inspector_user,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_change_is_refused_or_allowed_as_the_rules_say() {
    // Each case has its own application and database; a few run at once.
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(6));
    let mut set = tokio::task::JoinSet::new();
    for case in post_cases() {
        let permits = permits.clone();
        set.spawn(async move {
            let _p = permits.acquire_owned().await.unwrap();
            run_post_case(&case).await
        });
    }
    let mut failures = Vec::new();
    while let Some(r) = set.join_next().await {
        failures.extend(r.unwrap());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn leaders_see_only_their_subtree_and_forms_report_mistakes() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let leader = app.login("leader").await;

    let page = app
        .get_as(&leader, "/officials")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Nguyễn Thị Lan") && page.contains("Trần Văn Minh"));
    assert!(!page.contains("Lê Thị Hoa"), "commune B's official leaked");
    assert!(page.contains(&format!("src=\"/officials/{}/photo\"", w.s.official1)));
    assert!(page.contains("Thêm cán bộ"));

    // A duplicate staff code comes back in the form, in Vietnamese, with 422.
    let res = app
        .post_form_as(
            &leader,
            "/officials",
            &[
                ("unit_id", &w.s.commune_a.to_string()),
                ("code", "VH01"),
                ("full_name", "Người trùng mã"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Mã cán bộ VH01 đã có"), "{body}");
    assert!(body.contains("value=\"Người trùng mã\""));

    // The counters page shows who is on duty.
    app.store
        .counter_sign_in(w.s.counter1, w.s.official1)
        .await
        .unwrap();
    let page = app.get_as(&leader, "/counters").await.text().await.unwrap();
    assert!(page.contains("Bộ phận Một cửa xã Vạn Hưng"));
    assert!(page.contains("Quầy 1") && page.contains("Nguyễn Thị Lan"));

    // Ratings: level label, reason label, comment, dossier code; flag needs a reason.
    let page = app.get_as(&leader, "/ratings").await.text().await.unwrap();
    assert!(page.contains("Không hài lòng") && page.contains("Phải chờ đợi lâu"));
    assert!(page.contains("Phải chờ lâu quá") && page.contains("22525-261001-0001"));
    let res = app
        .post_form_as(
            &leader,
            &format!("/ratings/{}/flag", w.rating),
            &[("action", "flag"), ("reason", "  ")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let flagged = |store: Store| async move {
        let q = "SELECT COUNT(*) FROM ratings WHERE flagged_at IS NOT NULL";
        let n: i64 = match store.db() {
            Db::Sqlite(p) => sqlx::query_scalar(q).fetch_one(p).await.unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(q).fetch_one(p).await.unwrap(),
        };
        n
    };
    assert_eq!(flagged(app.store.clone()).await, 0);
    let res = app
        .post_form_as(
            &leader,
            &format!("/ratings/{}/flag", w.rating),
            &[("action", "flag"), ("reason", "Cán bộ tự bấm")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(flagged(app.store.clone()).await, 1);
    let page = app.get_as(&leader, "/ratings").await.text().await.unwrap();
    assert!(page.contains("Cán bộ tự bấm") && page.contains("Bỏ đánh dấu"));
    let res = app
        .post_form_as(
            &leader,
            &format!("/ratings/{}/flag", w.rating),
            &[("action", "clear")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(flagged(app.store.clone()).await, 0);

    // The kiosk token is shown once, with the link to open on the device.
    let res = app
        .post_form_as(
            &leader,
            "/kiosks",
            &[
                ("counter_id", &w.s.counter2.to_string()),
                ("name", "Màn hình quầy 2"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body = res.text().await.unwrap();
    let token = body
        .split("class=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(token.starts_with("hlk_"), "{token}");
    assert!(body.contains(&format!("/kiosk#token={token}")));
    assert!(body.contains("mã chỉ hiển thị một lần"));
    let list = app.get_as(&leader, "/kiosks").await.text().await.unwrap();
    assert!(list.contains("Màn hình quầy 2") && !list.contains(&token));
    let state = app
        .client
        .get(app.url("/api/v1/kiosk/state"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(state.status(), 200, "the new token works");
}

#[tokio::test]
async fn admins_forms_and_accounts_validate_their_input() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.login("admin").await;

    let res = app
        .post_form_as(
            &admin,
            "/forms",
            &[
                ("name", "Phiếu lỗi"),
                ("scale", "4"),
                ("questions", "overall | Chung"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("2, 3 hoặc 5 mức"));
    let res = app
        .post_form_as(
            &admin,
            "/forms",
            &[
                ("name", "Phiếu lỗi"),
                ("scale", "3"),
                ("questions", "thái độ | Thái độ"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("không hợp lệ"));

    let res = app
        .post_form_as(
            &admin,
            &format!("/forms/{}", w.s.form_id),
            &[
                ("scale", "3"),
                (
                    "questions",
                    "attitude | Thái độ phục vụ | Attitude\nhandling | Giải quyết | Handling\ntime | Thời gian | Time",
                ),
                ("reasons", "waiting | Phải chờ đợi lâu | Long wait"),
                ("allow_comment", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let f = app.store.form(w.s.form_id).await.unwrap();
    assert_eq!(f.current_version, 2);
    let page = app
        .get_as(&admin, &format!("/forms/{}", w.s.form_id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Lịch sử phiên bản") && page.contains("(2)"));
    assert!(page.contains("time | Thời gian | Time"));

    // A short password is refused in the form; a good one makes an account that can sign in.
    let res = app
        .post_form_as(
            &admin,
            "/users",
            &[
                ("username", "lanh-dao-b"),
                ("display_name", "Lãnh đạo xã Vạn Thắng"),
                ("role", "leader"),
                ("unit_code", "22516"),
                ("password", "ngan"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("ít nhất 10 ký tự"));
    assert!(
        app.store
            .user_by_username("lanh-dao-b")
            .await
            .unwrap()
            .is_none()
    );
    let res = app
        .post_form_as(
            &admin,
            "/users",
            &[
                ("username", "lanh-dao-b"),
                ("display_name", "Lãnh đạo xã Vạn Thắng"),
                ("role", "leader"),
                ("unit_code", "22516"),
                ("password", common::PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let u = app
        .store
        .user_by_username("lanh-dao-b")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.unit_id, Some(w.s.commune_b));
    let b = app.login("lanh-dao-b").await;
    assert_eq!(app.get_as(&b, "/officials").await.status(), 200);

    // An administrator cannot lock themself out.
    let me = app.store.user_by_username("admin").await.unwrap().unwrap();
    let res = app
        .post_form_as(
            &admin,
            &format!("/users/{}", me.id),
            &[
                ("display_name", "admin"),
                ("role", "leader"),
                ("unit_code", "56"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        app.store.user(me.id).await.unwrap().role,
        "admin",
        "role unchanged"
    );
}

#[tokio::test]
async fn an_official_signs_in_at_their_own_counters_only() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    // A counter in commune B, where official 1 (commune A) has no business.
    let center_b = app
        .store
        .service_center_create(w.s.commune_b, "Bộ phận Một cửa xã Vạn Thắng", "")
        .await
        .unwrap();
    let counter_b = app
        .store
        .counter_create(center_b, "Q1", "Quầy 1 Vạn Thắng", None)
        .await
        .unwrap();
    let official = app.login("official").await;
    let page = app
        .get_as(&official, "/counter-signin")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Đăng nhập tại quầy này") && page.contains("Quầy 2"));
    assert!(!page.contains("Quầy 1 Vạn Thắng"));

    let before = snapshot(&app.store).await;
    let res = app
        .post_form_as(
            &official,
            "/counter-signin",
            &[("counter_id", &counter_b.to_string())],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(before, snapshot(&app.store).await);

    let res = app
        .post_form_as(
            &official,
            "/counter-signin",
            &[("counter_id", &w.s.counter2.to_string())],
        )
        .await;
    assert_eq!(res.status(), 303);
    let s = app
        .store
        .official_current_session(w.s.official1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.counter_id, w.s.counter2);
    let page = app
        .get_as(&official, "/counter-signin")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Bạn đang làm việc tại") && page.contains("Rời quầy"));
    let res = app.post_form_as(&official, "/counter-signout", &[]).await;
    assert_eq!(res.status(), 303);
    assert!(
        app.store
            .official_current_session(w.s.official1)
            .await
            .unwrap()
            .is_none()
    );

    // Their own results: this month's rating (level 2 of 3) is counted.
    let page = app
        .get_as(&official, "/me/results")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Kết quả đánh giá của tôi") && page.contains("12 tháng gần đây"));
    assert!(
        page.contains("0,0%"),
        "one dissatisfied ballot: 0% satisfied"
    );
    assert!(page.contains("Không hài lòng"));
}

#[tokio::test]
async fn photos_are_checked_and_need_write_access() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let leader = app.login("leader").await;
    let inspector = app.login("inspector").await;
    let png: Vec<u8> = [
        &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
        &[0u8; 64][..],
    ]
    .concat();
    let upload =
        |staff: &Staff, bytes: Vec<u8>, name: &'static str, ct: &'static str, csrf: bool| {
            let part = reqwest::multipart::Part::bytes(bytes)
                .file_name(name)
                .mime_str(ct)
                .unwrap();
            let form = reqwest::multipart::Form::new().part("photo", part);
            let path = if csrf {
                format!("/officials/{}/photo?csrf={}", w.s.official1, staff.csrf)
            } else {
                format!("/officials/{}/photo", w.s.official1)
            };
            app.client
                .post(app.url(&path))
                .header("cookie", &staff.cookie)
                .multipart(form)
                .send()
        };
    let before = snapshot(&app.store).await;
    let res = upload(&inspector, png.clone(), "a.png", "image/png", true)
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = upload(&leader, png.clone(), "a.png", "image/png", false)
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "no CSRF token");
    let res = upload(&leader, b"hello".to_vec(), "a.png", "image/png", true)
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Chỉ nhận ảnh PNG, JPEG, WebP hoặc SVG")
    );
    let big = [png.clone(), vec![0u8; 2 * 1024 * 1024]].concat();
    let res = upload(&leader, big, "big.png", "image/png", true)
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("tối đa 2 MB"));
    assert_eq!(before, snapshot(&app.store).await);

    let res = upload(&leader, png.clone(), "a.png", "image/png", true)
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let photo = app
        .client
        .get(app.url(&format!("/officials/{}/photo", w.s.official1)))
        .send()
        .await
        .unwrap();
    assert_eq!(photo.headers()["content-type"], "image/png");
    assert_eq!(photo.bytes().await.unwrap().to_vec(), png);
}

#[tokio::test]
async fn the_api_applies_the_same_rules() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mut tokens: Vec<(Who, Option<String>)> = Vec::new();
    for who in WHO {
        let t = match who.username() {
            Some(name) => Some(app.api_token(name).await),
            None => None,
        };
        tokens.push((who, t));
    }
    let table: &[(&str, [u16; 6])] = &[
        ("/api/v1/units", [401, 200, 200, 403, 200, 200]),
        (
            "/api/v1/units?unit={commune_b}",
            [401, 200, 403, 403, 200, 200],
        ),
        ("/api/v1/officials", [401, 200, 200, 403, 200, 200]),
        (
            "/api/v1/officials?unit={commune_b}",
            [401, 200, 403, 403, 200, 200],
        ),
        (
            "/api/v1/officials/{official1}",
            [401, 200, 200, 200, 200, 403],
        ),
        ("/api/v1/reports/officials", [401, 200, 200, 403, 200, 200]),
        ("/api/v1/kiosks", [401, 200, 200, 403, 200, 200]),
    ];
    let mut failures = Vec::new();
    for (path, expect) in table {
        for ((who, token), want) in tokens.iter().zip(expect) {
            let path = fill(path, &w, *who);
            let mut req = app.client.get(app.url(&path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let got = req.send().await.unwrap().status().as_u16();
            if got != *want {
                failures.push(format!("GET {path} as {who:?}: {got}, expected {want}"));
            }
        }
    }
    // Creating an official in commune A: administrators and commune A's leader only.
    let expect = [401, 201, 201, 403, 403, 403];
    for ((who, token), want) in tokens.iter().zip(expect) {
        let before = snapshot(&app.store).await;
        let mut req = app
            .client
            .post(app.url("/api/v1/officials"))
            .json(&serde_json::json!({
                "unit_id": w.s.commune_a,
                "code": format!("API-{}", who.tag()),
                "full_name": "Hoàng Văn Nam",
                "title": "Công chức Địa chính",
            }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let got = req.send().await.unwrap().status().as_u16();
        let after = snapshot(&app.store).await;
        if got != want {
            failures.push(format!(
                "POST /api/v1/officials as {who:?}: {got}, expected {want}"
            ));
        } else if (want == 201) == (before == after) {
            failures.push(format!(
                "POST /api/v1/officials as {who:?}: database change does not match {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
