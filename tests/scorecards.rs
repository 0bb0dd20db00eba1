//! Score cards: the Decision 766 card gives the hand-computed points per component, and the API,
//! the page and the CSV agree; a figure without data scores 0 and says so; an edited model is a
//! new version while the old one stays computable; an invalid model is refused naming the
//! group and nothing is stored; entered points are kept with who and when and change the total;
//! the Circular 01 card averages the dossiers' own evaluations and shows the band; a leader of
//! another commune is refused.

mod common;

use chrono::TimeZone;
use chrono_tz::Asia::Ho_Chi_Minh;
use common::{Seed, Staff, TestApp, seed};
use hailong::domain::dossier::{Action, IntakeChannel, ReturnMethod};
use hailong::domain::form::ValidRating;
use hailong::domain::limit::TimeLimit;
use hailong::domain::procedure::{OnlineLevel, ProcedureLevel};
use hailong::domain::scale::{Level, Scale};
use hailong::domain::scoring::{Rule, ScoringModel, round2};
use hailong::store::dossiers::{ActInput, IntakeInput};
use hailong::store::procedures::ProcedureInput;
use hailong::store::ratings::{Channel, NewRating};
use serde_json::Value;

fn at(month: u32, d: u32, h: u32) -> i64 {
    Ho_Chi_Minh
        .with_ymd_and_hms(2026, month, d, h, 15, 0)
        .single()
        .unwrap()
        .timestamp_millis()
}

const DAY: i64 = 86_400_000;

fn ballot(s: &Seed, n: usize, level: Level, dossier: Option<String>, when: i64) -> NewRating {
    NewRating {
        idempotency_key: format!("sc{n}"),
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
        dossier_code: dossier,
        rated_at: when,
        received_at: when,
        repeat_window_ms: 0,
    }
}

async fn procedure(
    app: &TestApp,
    code: &str,
    level: ProcedureLevel,
    online: OnlineLevel,
    complete: bool,
) -> i64 {
    app.store
        .procedure_create(
            &ProcedureInput {
                code: code.into(),
                name: format!("Thủ tục {code}"),
                field: "Hộ tịch".into(),
                level,
                agency: "UBND cấp xã".into(),
                legal_limit: TimeLimit::WorkingDays(3),
                limit_note: String::new(),
                fees: String::new(),
                documents: if complete {
                    vec!["Tờ khai đăng ký khai sinh".into()]
                } else {
                    vec![]
                },
                legal_basis: if complete {
                    "Luật Hộ tịch 2014".into()
                } else {
                    String::new()
                },
                online_level: online,
                active: true,
            },
            None,
        )
        .await
        .unwrap()
}

/// A dossier of commune A received at `received`, finished `days` later; returns its code.
async fn dossier(
    app: &TestApp,
    s: &Seed,
    procedure: i64,
    i: u8,
    channel: IntakeChannel,
    received: i64,
    days: i64,
) -> String {
    let d = app
        .store
        .dossier_intake(
            &IntakeInput {
                unit_id: s.commune_a,
                procedure_id: procedure,
                channel,
                applicant_name: format!("Người nộp {i}"),
                applicant_phone: "0900000000".into(),
                applicant_id_number: "001099000001".into(),
                applicant_address: String::new(),
                documents: vec![],
                return_method: ReturnMethod::Desk,
                received_by: Some(s.official1),
                counter_id: Some(s.counter1),
                user_id: None,
            },
            received,
            [i; 6],
        )
        .await
        .unwrap();
    app.store
        .dossier_act(
            d.id,
            &ActInput {
                action: Action::ResultReady,
                note: String::new(),
                return_method: None,
                official_id: Some(s.official1),
                user_id: None,
                at: received + days * DAY,
            },
        )
        .await
        .unwrap();
    d.code
}

/// September 2026 in commune A: 40 ballots, 34 satisfied or better (85%), 6 dissatisfied (15%);
/// 10 dossiers finished, 9 early and 1 late (on time 90%), 2 of them received online (20%);
/// two active commune procedures, one online and published, one neither (50% and 50%).
async fn september(app: &TestApp) -> Seed {
    let s = seed(&app.store).await;
    let mut batch = Vec::new();
    for (n, level) in std::iter::repeat_n(Level::VERY_SATISFIED, 10)
        .chain(std::iter::repeat_n(Level::SATISFIED, 24))
        .chain(std::iter::repeat_n(Level::DISSATISFIED, 6))
        .enumerate()
    {
        batch.push(ballot(
            &s,
            n,
            level,
            None,
            at(9, 14 + (n % 10) as u32, 8 + (n % 8) as u32),
        ));
    }
    app.store.ratings_import(&batch).await.unwrap();
    let p1 = procedure(
        app,
        "1.001193",
        ProcedureLevel::Commune,
        OnlineLevel::Full,
        true,
    )
    .await;
    procedure(
        app,
        "1.000894",
        ProcedureLevel::Commune,
        OnlineLevel::None,
        false,
    )
    .await;
    // A province procedure is not the commune's to offer.
    procedure(
        app,
        "2.000001",
        ProcedureLevel::Province,
        OnlineLevel::None,
        false,
    )
    .await;
    // Received Monday 14 September (3 working days: due Thursday 17).
    for i in 0..10u8 {
        let channel = if i < 2 {
            IntakeChannel::Online
        } else {
            IntakeChannel::InPerson
        };
        let days = if i == 9 { 8 } else { 1 };
        dossier(app, &s, p1, i, channel, at(9, 14, 9), days).await;
    }
    s
}

async fn json(app: &TestApp, staff: &Staff, path: &str) -> Value {
    let res = app.get_as(staff, path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

fn indicator<'a>(card: &'a Value, key: &str) -> &'a Value {
    card["points"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["indicators"].as_array().unwrap())
        .find(|i| i["key"] == key)
        .unwrap_or_else(|| panic!("no indicator {key}"))
}

fn points(card: &Value, key: &str) -> f64 {
    indicator(card, key)["points"].as_f64().unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn vi(x: f64) -> String {
    format!("{:.2}", round2(x)).replace('.', ",")
}

/// CSV rows of a score card download, keyed by the indicator's name.
fn csv_rows(body: &str) -> Vec<csv::StringRecord> {
    let mut rdr = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    rdr.records().map(Result::unwrap).collect()
}

#[tokio::test]
async fn decision_766_card_gives_the_hand_computed_points_in_api_page_and_csv() {
    let app = TestApp::spawn().await;
    let s = september(&app).await;
    let leader = app.login("leader").await;
    let q = format!("unit={}&period=2026-09&model=qd766", s.commune_a);
    let c = json(&app, &leader, &format!("/api/v1/scorecards?{q}")).await;
    assert_eq!(
        (c["model_key"].as_str(), c["model_version"].as_u64()),
        (Some("qd766"), Some(1))
    );

    // Hand-computed, component by component.
    let expected = [
        ("procedures_published", 0.5 * 18.0),
        ("on_time", 0.9 * 20.0),
        ("digitised", 0.0),
        ("online_provision", 0.5 * 11.0 / 0.8),
        ("online_submission", 0.2 * 11.0 / 0.5),
        ("procedure_satisfaction", 6.0 * (1.0 - (0.1 + 0.15))),
        ("service_satisfaction", 12.0 * 0.85 / 0.9),
    ];
    for (key, want) in expected {
        assert!(
            close(points(&c, key), want),
            "{key}: {} ≠ {want}",
            points(&c, key)
        );
    }
    assert_eq!(round2(points(&c, "service_satisfaction")), 11.33);
    let total: f64 = expected.iter().map(|(_, p)| p).sum();
    assert!(close(c["points"]["total"].as_f64().unwrap(), total));

    // Each input with its n.
    let sat = &indicator(&c, "service_satisfaction")["inputs"][0];
    assert_eq!(sat["n"], 40);
    assert!(close(sat["value"].as_f64().unwrap(), 0.85));
    let on_time = &indicator(&c, "on_time")["inputs"][0];
    assert_eq!(on_time["n"], 10);
    let complement = &indicator(&c, "procedure_satisfaction")["inputs"];
    assert_eq!(
        (complement[0]["n"].as_u64(), complement[1]["n"].as_u64()),
        (Some(10), Some(40))
    );
    assert_eq!(indicator(&c, "online_provision")["inputs"][0]["n"], 2);
    assert_eq!(indicator(&c, "online_submission")["inputs"][0]["n"], 10);

    // A figure without data: 0 points, "no data", and the total is incomplete with no band.
    let d = indicator(&c, "digitised");
    assert_eq!(d["basis"], "no_data");
    assert_eq!(d["note"]["vi"], "Chưa có dữ liệu");
    assert_eq!(c["points"]["no_data"], 1);
    assert!(c["points"]["band"].is_null());
    let figures = c["figures"].as_array().unwrap();
    let dig = figures
        .iter()
        .find(|f| f["metric"] == "digitisation_rate")
        .unwrap();
    assert!(dig["value"].is_null() && dig["n"] == 0);

    // The page shows the same points, the rule, the input's n and the basis.
    let page = app
        .get_as(&leader, &format!("/scorecards?{q}"))
        .await
        .text()
        .await
        .unwrap();
    for (key, want) in expected {
        assert!(
            page.contains(&format!("data-points=\"{key}\">{}<", vi(want))),
            "page lacks {key} = {}",
            vi(want)
        );
    }
    assert!(page.contains(&format!("data-figure=\"total\">{}<", vi(total))));
    assert!(page.contains("data-basis=\"digitised\">Chưa có dữ liệu<"));
    assert!(page.contains("Đủ điểm khi ≥ 90%; dưới đó tỉ lệ × 12 / 90%"));
    assert!(page.contains("n = 40"));
    assert!(page.contains("data-figure=\"version\">1<"));

    // The CSV carries the same points, two decimals.
    let res = app.get_as(&leader, &format!("/scorecards.csv?{q}")).await;
    assert_eq!(res.status(), 200);
    let rows = csv_rows(&res.text().await.unwrap());
    let row = rows
        .iter()
        .find(|r| &r[1] == "Mức độ hài lòng với việc phục vụ")
        .unwrap();
    assert_eq!(&row[6], "11.33");
    assert_eq!(&row[4], "40");
    let dig = rows.iter().find(|r| &r[1] == "Hồ sơ được số hoá").unwrap();
    assert_eq!((&dig[6], &dig[8]), ("0.00", "Chưa có dữ liệu"));
    let last = rows.last().unwrap();
    assert_eq!(&last[0], "TỔNG ĐIỂM");
    assert_eq!(last[6], format!("{:.2}", round2(total)));
    let xlsx = app.get_as(&leader, &format!("/scorecards.xlsx?{q}")).await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));

    // A leader of another commune may read neither the card nor its files.
    let other = app.login("leader_b").await;
    for path in [
        format!("/api/v1/scorecards?{q}"),
        format!("/scorecards?{q}"),
        format!("/scorecards.csv?{q}"),
    ] {
        assert_eq!(app.get_as(&other, &path).await.status(), 403, "{path}");
    }
    // Counter officials read no unit's card.
    let official = app.login("official").await;
    assert_eq!(
        app.get_as(&official, &format!("/api/v1/scorecards?{q}"))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn an_edited_model_is_a_new_version_and_the_old_one_stays_computable() {
    let app = TestApp::spawn().await;
    let s = september(&app).await;
    let admin = app.login("admin").await;
    let q = format!("unit={}&period=2026-09&model=qd766", s.commune_a);
    let v1 = json(&app, &admin, "/api/v1/scoring-models/qd766").await;
    assert_eq!(v1["version"], 1);

    // Weights moved within the satisfaction group, digitisation entered by hand.
    let mut m: ScoringModel = serde_json::from_value(v1["definition"].clone()).unwrap();
    let sat = m
        .groups
        .iter_mut()
        .find(|g| g.key == "satisfaction")
        .unwrap();
    sat.indicators[0].max_points = 8.0;
    sat.indicators[1].max_points = 10.0;
    let dig = m
        .groups
        .iter_mut()
        .find(|g| g.key == "digitisation")
        .unwrap();
    dig.indicators[0].metric = None;
    dig.indicators[0].rule = Rule::Manual {};
    let res = app
        .post_form_as(
            &admin,
            "/scorecards/models/qd766",
            &[("json", &m.to_json())],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        "/scorecards/models/qd766?saved=2"
    );

    let c2 = json(&app, &admin, &format!("/api/v1/scorecards?{q}")).await;
    assert_eq!(
        (c2["model_version"].as_u64(), c2["latest_version"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(close(
        points(&c2, "service_satisfaction"),
        10.0 * 0.85 / 0.9
    ));
    assert!(close(points(&c2, "procedure_satisfaction"), 8.0 * 0.75));
    assert_eq!(indicator(&c2, "digitised")["basis"], "no_data");
    // Version 1 is still there and computes as before.
    let c1 = json(&app, &admin, &format!("/api/v1/scorecards?{q}&version=1")).await;
    assert_eq!(
        (c1["model_version"].as_u64(), c1["latest_version"].as_u64()),
        (Some(1), Some(2))
    );
    assert!(close(
        points(&c1, "service_satisfaction"),
        12.0 * 0.85 / 0.9
    ));
    let page = app
        .get_as(&admin, &format!("/scorecards?{q}&version=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-figure=\"version\">1<"));
    assert!(page.contains("phiên bản cũ, mới nhất là"));
    let versions = json(&app, &admin, "/api/v1/scoring-models").await;
    let qd: Vec<u64> = versions
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["key"] == "qd766")
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(qd, [2, 1]);

    // A leader's manual entry is stored with who and when, and changes the total.
    let leader = app.login("leader").await;
    let before = c2["points"]["total"].as_f64().unwrap();
    let res = app
        .post_form_as(
            &leader,
            "/scorecards/entries",
            &[
                ("unit", &s.commune_a.to_string()),
                ("period", "2026-09"),
                ("model", "qd766"),
                ("self_assessed.digitised", "15,5"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let entries = app
        .store
        .scoring_entries(s.commune_a, "qd766", "2026-09")
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].points, 15.5);
    assert_eq!(entries[0].entered_by_name.as_deref(), Some("leader"));
    assert!(entries[0].entered_at > common::now_ms() - 60_000);
    let after = json(&app, &leader, &format!("/api/v1/scorecards?{q}")).await;
    assert!(close(
        after["points"]["total"].as_f64().unwrap(),
        before + 15.5
    ));
    let d = indicator(&after, "digitised");
    assert_eq!(
        (d["basis"].as_str(), d["points"].as_f64()),
        (Some("entered"), Some(15.5))
    );
    let page = app
        .get_as(&leader, &format!("/scorecards?{q}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-points=\"digitised\">15,50<"));
    assert!(page.contains("data-who=\"self_assessed.digitised\">leader · "));
    // The leader may not appraise their own unit; more than the max is refused.
    let res = app
        .post_form_as(
            &leader,
            "/scorecards/entries",
            &[
                ("unit", &s.commune_a.to_string()),
                ("period", "2026-09"),
                ("model", "qd766"),
                ("appraised.digitised", "10"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_form_as(
            &leader,
            "/scorecards/entries",
            &[
                ("unit", &s.commune_a.to_string()),
                ("period", "2026-09"),
                ("model", "qd766"),
                ("self_assessed.digitised", "23"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    // The appraisal, by the inspector above, takes precedence and is kept apart.
    let inspector = app.api_token("inspector").await;
    let res = app
        .client
        .post(app.url("/api/v1/scorecards/entries"))
        .bearer_auth(&inspector)
        .json(&serde_json::json!({
            "unit": s.commune_a, "period": "2026-09", "model": "qd766",
            "entries": [{"indicator": "digitised", "column": "appraised", "points": 12}],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.unwrap();
    assert_eq!(points(&c, "digitised"), 12.0);
    let m = c["manual"].as_array().unwrap();
    assert_eq!(
        (
            m[0]["used"].as_str(),
            m[0]["self_assessed"]["points"].as_f64()
        ),
        (Some("appraised"), Some(15.5))
    );
    // Version 1 has no manual digitisation: the entries are listed as unusable, not lost.
    let c1 = json(&app, &admin, &format!("/api/v1/scorecards?{q}&version=1")).await;
    assert_eq!(c1["ignored_vi"].as_array().unwrap().len(), 2);
    assert_eq!(indicator(&c1, "digitised")["basis"], "no_data");
}

#[tokio::test]
async fn an_invalid_model_is_refused_naming_the_group_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    seed(&app.store).await;
    let admin = app.login("admin").await;
    let v1 = json(&app, &admin, "/api/v1/scoring-models/qd766").await;
    let m: ScoringModel = serde_json::from_value(v1["definition"].clone()).unwrap();

    // A group whose points disagree with its indicators.
    let mut bad = m.clone();
    bad.groups[4].max_points = 16.0;
    let res = app
        .post_form_as(
            &admin,
            "/scorecards/models/qd766",
            &[("json", &bad.to_json())],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("data-at=\"satisfaction\""));
    assert!(
        page.contains("Nhóm &#39;satisfaction&#39;") || page.contains("Nhóm 'satisfaction'"),
        "{page}"
    );
    assert!(page.contains("Group &#39;satisfaction&#39;") || page.contains("Group 'satisfaction'"));

    // Groups that agree with their indicators but add up to 98.
    let mut bad = m.clone();
    bad.groups[4].max_points = 16.0;
    bad.groups[4].indicators[1].max_points = 10.0;
    let res = app
        .post_form_as(
            &admin,
            "/scorecards/models/qd766",
            &[("json", &bad.to_json())],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("The groups add up to 98 points, not 100"));
    assert!(page.contains("satisfaction 16"));
    assert!(page.contains("Các nhóm cộng lại 98 điểm, phải đúng 100"));
    // The refused text stays in the editor to be corrected.
    assert!(page.contains("max_points&#34;: 16.0,") || page.contains("max_points&quot;: 16.0,"));

    // Through the API too; and not JSON at all.
    let token = app.api_token("admin").await;
    let res = app
        .client
        .post(app.url("/api/v1/scoring-models/qd766"))
        .bearer_auth(&token)
        .body(bad.to_json())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert!(
        err["message_en"]
            .as_str()
            .unwrap()
            .contains("satisfaction 16")
    );
    let res = app
        .post_form_as(
            &admin,
            "/scorecards/models/qd766",
            &[("json", "{ not json")],
        )
        .await;
    assert_eq!(res.status(), 422);

    // A leader may not save models at all.
    let leader = app.login("leader").await;
    let res = app
        .post_form_as(
            &leader,
            "/scorecards/models/qd766",
            &[("json", &m.to_json())],
        )
        .await;
    assert_eq!(res.status(), 403);

    let versions = json(&app, &admin, "/api/v1/scoring-models").await;
    let qd = versions
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["key"] == "qd766")
        .count();
    assert_eq!(qd, 1, "nothing stored");
    // The API is documented.
    let spec: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/scorecards",
        "/api/v1/scorecards/entries",
        "/api/v1/scoring-models",
        "/api/v1/scoring-models/{key}",
    ] {
        assert!(spec["paths"][path].is_object(), "{path} undocumented");
    }
    let page = app
        .get_as(&admin, "/scorecards/models")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("tt01_2018") && page.contains("qd766"));
}

#[tokio::test]
async fn circular_01_card_averages_the_dossiers_evaluations_and_shows_the_band() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let p = procedure(
        &app,
        "1.001193",
        ProcedureLevel::Commune,
        OnlineLevel::Full,
        true,
    )
    .await;
    // Q3 2026: one dossier early (2), one late (0); the early one rated very satisfied.
    let early = dossier(&app, &s, p, 1, IntakeChannel::InPerson, at(8, 3, 9), 1).await;
    dossier(&app, &s, p, 2, IntakeChannel::InPerson, at(8, 3, 9), 9).await;
    // Finished in October: another quarter.
    dossier(&app, &s, p, 3, IntakeChannel::InPerson, at(9, 28, 9), 5).await;
    app.store
        .ratings_import(&[ballot(
            &s,
            1,
            Level::VERY_SATISFIED,
            Some(early),
            at(8, 4, 10),
        )])
        .await
        .unwrap();
    let leader = app.login("leader").await;
    let q = format!("unit={}&period=2026-Q3&model=tt01_2018", s.commune_a);
    let c = json(&app, &leader, &format!("/api/v1/scorecards?{q}")).await;
    let card = &c["circular01"];
    assert_eq!(card["ballots"], 2);
    let row = |n: u64| {
        card["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["number"] == n)
            .unwrap()
            .clone()
    };
    // Indicator 1: (2 + 0) / 2.
    assert_eq!(
        (row(1)["sum"].as_u64(), row(1)["n"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(row(1)["computed"], 1.0);
    assert_eq!(row(3)["computed"], 2.0);
    // Attitude: only the rated dossier scored it.
    assert_eq!(
        (row(7)["n"].as_u64(), row(7)["computed"].as_f64()),
        (Some(1), Some(2.0))
    );
    // Unit-level indicators: no data until entered, and no band for an incomplete column.
    assert!(row(5)["computed"].is_null());
    assert!(card["computed"]["band"].is_null());

    // The commune's leader enters its own column; unit-level scores are whole.
    let unit = s.commune_a.to_string();
    let mut form: Vec<(&str, &str)> = vec![
        ("unit", &unit),
        ("period", "2026-Q3"),
        ("model", "tt01_2018"),
    ];
    form.extend([
        ("self_assessed.total_time", "1,5"),
        ("self_assessed.agency_time", "1,5"),
        ("self_assessed.contacts", "2"),
        ("self_assessed.agencies", "2"),
        ("self_assessed.one_stop", "2"),
        ("self_assessed.published", "2"),
        ("self_assessed.attitude", "2"),
        ("self_assessed.feedback", "1"),
        ("self_assessed.online", "2"),
    ]);
    let res = app
        .post_form_as(&leader, "/scorecards/entries", &form)
        .await;
    assert_eq!(res.status(), 303);
    let c = json(&app, &leader, &format!("/api/v1/scorecards?{q}")).await;
    let card = &c["circular01"];
    // Computed: 1 + 1 + 2 + 2 + (2) + (2) + 2 + (1) + (2) = 15: exactly 15 is "Tốt".
    assert_eq!(card["computed"]["total"], 15.0);
    assert_eq!(card["computed"]["band"]["name_vi"], "Tốt");
    let src = c["sources"].as_array().unwrap();
    assert_eq!(src[4]["basis"], "entered");
    assert_eq!(src[4]["from_column"], "self_assessed");
    // Self-assessed: 1.5 + 1.5 + 2 × 5 + 1 + 2 = 16 → "Xuất sắc".
    assert_eq!(card["self_assessed"]["total"], 16.0);
    assert_eq!(card["self_assessed"]["band"]["name_vi"], "Xuất sắc");
    assert!(card["appraised"]["band"].is_null());

    // The inspector appraises; the unit-level score in use becomes the appraised one.
    let inspector = app.login("inspector").await;
    let res = app
        .post_form_as(
            &inspector,
            "/scorecards/entries",
            &[
                ("unit", &unit),
                ("period", "2026-Q3"),
                ("model", "tt01_2018"),
                ("appraised.feedback", "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let c = json(&app, &leader, &format!("/api/v1/scorecards?{q}")).await;
    assert_eq!(c["circular01"]["computed"]["total"], 14.0);
    assert_eq!(c["sources"][7]["from_column"], "appraised");
    // A fraction for a unit-level indicator is refused, with the page explaining why.
    let res = app
        .post_form_as(
            &leader,
            "/scorecards/entries",
            &[
                ("unit", &unit),
                ("period", "2026-Q3"),
                ("model", "tt01_2018"),
                ("self_assessed.one_stop", "1,5"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("nhập 0, 1 hoặc 2"));

    // The page shows the three columns and the band; the CSV the same averages.
    let page = app
        .get_as(&leader, &format!("/scorecards?{q}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-computed=\"1\">1,00<"));
    assert!(page.contains("data-band=\"computed\"><strong>Tốt</strong>"));
    assert!(page.contains("data-band=\"self\"><strong>Xuất sắc</strong>"));
    assert!(page.contains("data-figure=\"ballots\">2<"));
    let csv = app
        .get_as(&leader, &format!("/scorecards.csv?{q}"))
        .await
        .text()
        .await
        .unwrap();
    let rows = csv_rows(&csv);
    assert_eq!(
        (&rows[0][0], &rows[0][2], &rows[0][3], &rows[0][4]),
        ("1", "2", "2", "1.00")
    );
    assert!(rows.iter().any(|r| &r[1] == "Xếp loại" && &r[4] == "Tốt"));

    // The quarter is the default period of a Circular 01 card; a leader of another commune
    // may neither read nor enter.
    let other = app.login("leader_b").await;
    assert_eq!(
        app.get_as(&other, &format!("/api/v1/scorecards?{q}"))
            .await
            .status(),
        403
    );
    let res = app
        .post_form_as(
            &other,
            "/scorecards/entries",
            &[
                ("unit", &unit),
                ("period", "2026-Q3"),
                ("model", "tt01_2018"),
                ("self_assessed.one_stop", "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    let d = json(
        &app,
        &leader,
        &format!("/api/v1/scorecards?unit={}&model=tt01_2018", s.commune_a),
    )
    .await;
    assert!(d["period"].as_str().unwrap().contains("-Q"));
}
