//! Dashboards, rankings and the public results page: one definition per metric — the API, the
//! page and the CSV/XLSX downloads give the same figures, which are the hand-computed ones; the
//! dossier figures equal the timeliness report's; small samples are greyed and unranked; the
//! public page shows no one below the minimum n.

mod common;

use calamine::{Data, DataType, Reader, Xlsx};
use chrono::TimeZone;
use chrono_tz::Asia::Ho_Chi_Minh;
use common::{TestApp, seed};
use hailong::domain::form::ValidRating;
use hailong::domain::scale::{Level, Scale};
use hailong::domain::unit::UnitLevel;
use hailong::store::ratings::{Channel, NewRating};
use hailong::store::units::UnitInput;
use serde_json::Value;

fn at(d: u32, h: u32) -> i64 {
    Ho_Chi_Minh
        .with_ymd_and_hms(2026, 10, d, h, 15, 0)
        .single()
        .unwrap()
        .timestamp_millis()
}

fn ballot(
    key: String,
    unit: i64,
    official: i64,
    counter: Option<i64>,
    form: i64,
    level: Level,
    at: i64,
) -> NewRating {
    NewRating {
        idempotency_key: key,
        channel: Channel::Kiosk,
        device_id: None,
        counter_id: counter,
        session_id: None,
        official_id: Some(official),
        unit_id: unit,
        form_version_id: form,
        scale: Scale::Three,
        rating: ValidRating {
            headline: level,
            answers: vec![("attitude".into(), level)],
            reasons: vec![],
            comment: None,
        },
        dossier_code: None,
        rated_at: at,
        received_at: at,
        repeat_window_ms: 0,
    }
}

/// October 2026: official 1 (commune A) 20 very satisfied, 12 satisfied, 8 dissatisfied (80%);
/// official 2 (commune A) 5 satisfied; official B (commune B) 36 of 40 satisfied (90%).
async fn october(app: &TestApp) -> common::Seed {
    let s = seed(&app.store).await;
    let mut batch = Vec::new();
    let mut n = 0;
    let mut add = |official, unit, counter, level, count: usize| {
        for _ in 0..count {
            n += 1;
            batch.push(ballot(
                format!("b{n}"),
                unit,
                official,
                counter,
                s.form_version_id,
                level,
                at(1 + (n % 28) as u32, 8 + (n % 8) as u32),
            ));
        }
    };
    add(
        s.official1,
        s.commune_a,
        Some(s.counter1),
        Level::VERY_SATISFIED,
        20,
    );
    add(
        s.official1,
        s.commune_a,
        Some(s.counter1),
        Level::SATISFIED,
        12,
    );
    add(
        s.official1,
        s.commune_a,
        Some(s.counter1),
        Level::DISSATISFIED,
        8,
    );
    add(
        s.official2,
        s.commune_a,
        Some(s.counter2),
        Level::SATISFIED,
        5,
    );
    add(s.official_b, s.commune_b, None, Level::SATISFIED, 36);
    add(s.official_b, s.commune_b, None, Level::DISSATISFIED, 4);
    app.store.ratings_import(&batch).await.unwrap();
    s
}

async fn json(app: &TestApp, staff: &common::Staff, path: &str) -> Value {
    let res = app.get_as(staff, path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn api_page_csv_and_xlsx_give_the_same_dashboard_figures() {
    let app = TestApp::spawn().await;
    let s = october(&app).await;
    let staff = app.login("inspector").await;
    let q = format!("unit={}&period=2026-10", s.province);
    let d = json(&app, &staff, &format!("/api/v1/dashboard?{q}")).await;

    // Hand-computed: 20 + 12 + 5 + 36 = 73 satisfied of 85 ballots; 20 very satisfied.
    let sat = &d["satisfaction"];
    assert_eq!(sat["ballots"], 85);
    assert_eq!(sat["satisfied"], 73);
    let rate = sat["rate"].as_f64().unwrap();
    assert!(close(rate, 73.0 / 85.0));
    let (lo, hi) = hailong::domain::stats::wilson(73, 85).unwrap();
    assert!(close(sat["low"].as_f64().unwrap(), lo) && close(sat["high"].as_f64().unwrap(), hi));
    assert!(close(
        sat["very_satisfied_share"].as_f64().unwrap(),
        20.0 / 85.0
    ));
    // A year earlier there was nothing: no rate rather than 0%.
    assert_eq!(d["satisfaction_year_before"]["ballots"], 0);
    assert!(d["satisfaction_year_before"]["rate"].is_null());

    // Sub-units: commune A 37/45, commune B 36/40; both drill-down rows carry n.
    let subs = d["sub_units"].as_array().unwrap();
    let a = subs
        .iter()
        .find(|u| u["unit"]["id"] == s.commune_a)
        .unwrap();
    assert_eq!(
        (
            a["satisfaction"]["ballots"].as_u64(),
            a["satisfaction"]["satisfied"].as_u64()
        ),
        (Some(45), Some(37))
    );
    // Officials: official 2 has 5 ballots, below the minimum of 30.
    let offs = d["officials"].as_array().unwrap();
    let o2 = offs
        .iter()
        .find(|o| o["official_id"] == s.official2)
        .unwrap();
    assert_eq!(o2["below_min_n"], true);
    // Counter 1 took official 1's 40 ballots; ratings without a counter have their own row.
    let c1 = d["counters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["counter_id"] == s.counter1)
        .unwrap();
    assert_eq!(c1["satisfaction"]["ballots"], 40);
    // Questions and the hour-of-week pattern add up to the ballots.
    assert_eq!(d["questions"][0]["key"], "attitude");
    assert_eq!(d["questions"][0]["satisfaction"]["ballots"], 85);
    let clock: u64 = d["clock"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ballots"].as_u64().unwrap())
        .sum();
    assert_eq!(clock, 85);
    assert_eq!(d["trend"].as_array().unwrap().len(), 24);

    // The page shows the same rate, written the Vietnamese way.
    let page = app
        .get_as(&staff, &format!("/dashboard?{q}"))
        .await
        .text()
        .await
        .unwrap();
    let shown = format!("{:.1}%", rate * 100.0).replace('.', ",");
    assert!(
        page.contains(&format!("data-figure=\"satisfaction\">{shown}<")),
        "page lacks {shown}"
    );
    assert!(page.contains("<svg"), "charts are drawn on the server");

    // The summary CSV and the workbook carry it too.
    let csv = app
        .get_as(&staff, &format!("/dashboard/summary.csv?{q}"))
        .await;
    assert_eq!(csv.status(), 200);
    let body = csv.text().await.unwrap();
    let mut rdr = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let hdr = rdr.headers().unwrap().clone();
    let rate_col = hdr.iter().position(|h| h == "Tỷ lệ hài lòng (%)").unwrap();
    let first = rdr.records().next().unwrap().unwrap();
    assert_eq!(&first[rate_col], format!("{:.1}", rate * 100.0));
    for table in [
        "questions",
        "counters",
        "sub_units",
        "officials",
        "trend",
        "clock",
    ] {
        let res = app
            .get_as(&staff, &format!("/dashboard/{table}.csv?{q}"))
            .await;
        assert_eq!(res.status(), 200, "{table}");
    }
    let xlsx = app.get_as(&staff, &format!("/dashboard.xlsx?{q}")).await;
    assert_eq!(xlsx.status(), 200);
    let mut wb: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(xlsx.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(wb.sheet_names().len(), 7);
    let sheet = wb.worksheet_range("Tổng hợp").unwrap();
    let hdr_row: Vec<String> = sheet
        .rows()
        .find(|r| r.iter().any(|c| c.get_string() == Some("Số phiếu")))
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = hdr_row
        .iter()
        .position(|h| h == "Tỷ lệ hài lòng (%)")
        .unwrap();
    let row = sheet
        .rows()
        .find(|r| r.first().and_then(Data::get_string) == Some("tháng 10/2026"))
        .unwrap();
    assert!(close(row[col].get_float().unwrap(), rate));

    // The per-official monthly report reads the same aggregates.
    let rep = json(
        &app,
        &staff,
        &format!(
            "/api/v1/reports/officials?unit={}&month=2026-10",
            s.province
        ),
    )
    .await;
    assert_eq!(rep["total"]["ballots"], 85);
    assert!(close(
        rep["total"]["satisfaction_rate"].as_f64().unwrap(),
        rate
    ));

    // A leader of commune B may not read commune A, nor the province.
    let other = app.login("leader_b").await;
    let res = app
        .get_as(
            &other,
            &format!("/api/v1/dashboard?unit={}&period=2026-10", s.commune_a),
        )
        .await;
    assert_eq!(res.status(), 403);
    let bad = app.get_as(&staff, "/api/v1/dashboard?period=2026-13").await;
    assert_eq!(bad.status(), 400);
    let msg: Value = bad.json().await.unwrap();
    assert!(
        msg["message_vi"]
            .as_str()
            .unwrap()
            .contains("Kỳ báo cáo không hợp lệ")
    );
}

#[tokio::test]
async fn rankings_order_by_the_lower_bound_and_agree_across_api_and_csv() {
    let app = TestApp::spawn().await;
    let s = october(&app).await;
    let staff = app.login("inspector").await;
    let q = format!("unit={}&of=officials&period=2026-10", s.province);
    let r = json(&app, &staff, &format!("/api/v1/rankings?{q}")).await;
    let rows = r["rows"].as_array().unwrap();
    // Official B (36/40) ranks above official 1 (32/40); official 2 (5/5, 100%) is unranked.
    assert_eq!(rows[0]["id"], s.official_b);
    assert_eq!(rows[0]["rank"], 1);
    assert_eq!(rows[1]["id"], s.official1);
    let o2 = rows.iter().find(|x| x["id"] == s.official2).unwrap();
    assert!(o2["rank"].is_null() && o2["below_min_n"] == true);
    // 90% and 80% of 40 overlap at 95%: one band, positions 1–2.
    assert_eq!(rows[0]["band"], rows[1]["band"]);
    assert_eq!(rows[0]["band_positions"], "1–2");

    // A lower minimum n ranks official 2 too (5/5 has a wide interval: low bound 57%).
    let r5 = json(&app, &staff, &format!("/api/v1/rankings?{q}&min_n=5")).await;
    assert_eq!(r5["ranked"], 3);
    assert_eq!(r5["rows"][2]["id"], s.official2);

    let csv = app
        .get_as(&staff, &format!("/rankings.csv?{q}"))
        .await
        .text()
        .await
        .unwrap();
    let mut rdr = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(&recs[0][0], "1");
    assert_eq!(&recs[0][3], "Lê Thị Hoa");
    assert_eq!(&recs[2][1], "chưa đủ phiếu");
    let page = app
        .get_as(&staff, &format!("/rankings?{q}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Lê Thị Hoa") && page.contains("<svg"));

    // Communes of the province: both ranked with 45 and 40 ballots.
    let c = json(
        &app,
        &staff,
        &format!(
            "/api/v1/rankings?unit={}&of=communes&period=2026-10",
            s.province
        ),
    )
    .await;
    assert_eq!(c["ranked"], 2);
    // The year, the quarter and the month read different buckets and agree here.
    for p in ["2026", "2026-Q4", "2026-10..2026-11"] {
        let y = json(
            &app,
            &staff,
            &format!(
                "/api/v1/rankings?unit={}&of=communes&period={p}",
                s.province
            ),
        )
        .await;
        assert_eq!(y["rows"], c["rows"], "{p}");
    }
}

#[tokio::test]
async fn rankings_list_unrated_units_with_their_names_as_written() {
    // Names travel from the database as text that must come back byte for byte (SQLite packs
    // large reads as JSON): quotes, a backslash and Vietnamese diacritics.
    let app = TestApp::spawn().await;
    let s = october(&app).await;
    let odd = "Xã \"Mới\" \\ Ea Tiêu – Đắk Lắk";
    let id = app
        .store
        .unit_create(&UnitInput {
            parent_id: Some(s.province),
            level: UnitLevel::Commune,
            code: "99999".into(),
            name: odd.into(),
            valid_from: None,
            valid_to: None,
        })
        .await
        .unwrap();
    let staff = app.login("inspector").await;
    for of in ["communes", "sub_units"] {
        let r = json(
            &app,
            &staff,
            &format!(
                "/api/v1/rankings?unit={}&of={of}&period=2026-10",
                s.province
            ),
        )
        .await;
        let rows = r["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 3, "{of}");
        // The two rated communes are ranked; the new one is listed, with no ballots, unranked.
        assert_eq!(r["ranked"], 2, "{of}");
        let row = rows.iter().find(|x| x["id"] == id).unwrap();
        assert_eq!(row["name"], odd);
        assert_eq!(row["place"], "Tỉnh Khánh Hòa");
        assert_eq!(row["satisfaction"]["ballots"], 0);
        assert!(row["rank"].is_null());
    }
}

#[tokio::test]
async fn national_rankings_follow_units_renamed_or_added_by_another_process() {
    // The server keeps the country's commune names in memory; an import run by the CLI (its
    // own connection, its own memory) renames a commune and adds one: the next ranking says so.
    let app = TestApp::spawn().await;
    let s = october(&app).await;
    let admin = app.login("admin").await;
    let ranking = || json(&app, &admin, "/api/v1/rankings?of=communes&period=2026-10");
    let rows = |r: &serde_json::Value| r["rows"].as_array().unwrap().clone();
    let names = |r: &serde_json::Value| -> Vec<String> {
        rows(r)
            .iter()
            .map(|x| x["name"].as_str().unwrap().to_string())
            .collect()
    };
    let commune_a = |r: &serde_json::Value| {
        rows(r)
            .into_iter()
            .find(|x| x["id"] == s.commune_a)
            .unwrap()
    };
    let commune = |parent_id, code: &str, name: &str| UnitInput {
        parent_id,
        level: UnitLevel::Commune,
        code: code.into(),
        name: name.into(),
        valid_from: None,
        valid_to: None,
    };
    let before = ranking().await;
    let communes = rows(&before).len();
    let cli = hailong::store::Store::connect(&app.db_url).await.unwrap();
    let old = cli.unit(s.commune_a).await.unwrap();
    cli.unit_update(
        s.commune_a,
        &commune(old.parent_id, &old.code, "Phường Nha Trang Mới"),
    )
    .await
    .unwrap();
    let renamed = ranking().await;
    assert!(names(&renamed).contains(&"Phường Nha Trang Mới".to_string()));
    assert!(!names(&renamed).contains(&old.name));
    // Figures stay with the unit: the renamed commune keeps its ballots.
    assert_eq!(
        commune_a(&renamed)["satisfaction"],
        commune_a(&before)["satisfaction"]
    );
    cli.unit_create(&commune(Some(s.province), "99998", "Xã Mới Lập"))
        .await
        .unwrap();
    let grown = ranking().await;
    assert_eq!(rows(&grown).len(), communes + 1);
    assert!(names(&grown).contains(&"Xã Mới Lập".to_string()));
    cli.close().await;
}

#[tokio::test]
async fn dashboards_name_officials_and_counters_as_renamed_by_another_process() {
    // The server keeps officials' and counters' names in memory; an administrator's change
    // made through another process (its own memory) shows on the next dashboard, and an
    // official's unit renamed shows beside the official.
    let app = TestApp::spawn().await;
    let s = october(&app).await;
    let staff = app.login("inspector").await;
    let path = format!("/api/v1/dashboard?unit={}&period=2026-10", s.province);
    let dashboard = || json(&app, &staff, &path);
    let row = |d: &serde_json::Value, list: &str, key: &str, id: i64| {
        d[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[key] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {list} row for {id}"))
    };
    let before = dashboard().await;
    let cli = hailong::store::Store::connect(&app.db_url).await.unwrap();
    let o = cli.official(s.official1).await.unwrap();
    assert_eq!(
        row(&before, "officials", "official_id", o.id)["name"],
        o.full_name.as_str()
    );
    cli.official_update(
        o.id,
        &hailong::store::officials::OfficialInput {
            unit_id: o.unit_id,
            code: o.code.clone(),
            full_name: "Nguyễn Thị Lan Anh".into(),
            title: o.title.clone(),
            active: o.active,
        },
    )
    .await
    .unwrap();
    let c = cli.counter(s.counter1).await.unwrap();
    cli.counter_update(c.id, "Quầy Đất đai", c.form_id, c.active)
        .await
        .unwrap();
    let unit = cli.unit(o.unit_id).await.unwrap();
    cli.unit_update(
        unit.id,
        &common::unit_input(
            unit.parent_id,
            UnitLevel::Commune,
            &unit.code,
            "Phường Nha Trang Mới",
        ),
    )
    .await
    .unwrap();
    let after = dashboard().await;
    let official = row(&after, "officials", "official_id", o.id);
    assert_eq!(official["name"], "Nguyễn Thị Lan Anh");
    assert_eq!(official["unit_name"], "Phường Nha Trang Mới");
    // Figures stay with the person and the counter.
    assert_eq!(
        official["satisfaction"],
        row(&before, "officials", "official_id", o.id)["satisfaction"]
    );
    assert_eq!(
        row(&after, "counters", "counter_id", c.id)["name"],
        "Quầy Đất đai"
    );
    // The province's sub-units (also kept in memory) carry the new name too.
    let subs = |d: &serde_json::Value| -> Vec<String> {
        d["sub_units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["unit"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(subs(&before).contains(&unit.name));
    assert!(subs(&after).contains(&"Phường Nha Trang Mới".to_string()));
    assert!(!subs(&after).contains(&unit.name));
    cli.close().await;
}

#[tokio::test]
async fn public_results_need_no_account_and_show_no_one_below_the_minimum() {
    let app = TestApp::spawn().await;
    let s = october(&app).await;
    let res = app
        .client
        .get(app.url(&format!("/public/results/{}?period=2026-10", s.province)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    // 73/85 = 85.9% for the province; officials with 40 ballots are shown, official 2 (5) not.
    assert!(page.contains("data-figure=\"satisfaction\">85,9%<"));
    assert!(page.contains("Nguyễn Thị Lan") && page.contains("Lê Thị Hoa"));
    assert!(!page.contains("Trần Văn Minh"));
    let index = app
        .client
        .get(app.url("/public/results"))
        .send()
        .await
        .unwrap();
    assert_eq!(index.status(), 200);
    assert!(index.text().await.unwrap().contains("Tỉnh Khánh Hòa"));
}

#[tokio::test]
async fn the_printable_monthly_report_carries_the_dashboard_figures() {
    let app = TestApp::spawn().await;
    let s = october(&app).await;
    let staff = app.login("leader").await;
    let res = app
        .get_as(
            &staff,
            &format!("/reports/monthly?unit={}&month=2026-10", s.commune_a),
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    // Commune A: 37 of 45 = 82.2%.
    assert!(page.contains("data-figure=\"satisfaction\">82,2%<"));
    assert!(page.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert!(page.contains("THÁNG 10/2026"));
    assert!(page.contains("Nguyễn Thị Lan"));
}

#[tokio::test]
async fn dossier_figures_on_the_dashboard_equal_the_timeliness_report() {
    use hailong::domain::dossier::{Action, IntakeChannel, ReturnMethod};
    use hailong::store::dossiers::{ActInput, IntakeInput};

    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let procedure = common::birth_registration_procedure(&app.store).await;
    // Twelve dossiers received through October; some finished early, some late, some left
    // open (overdue by now), one refused, one paused for papers, two online.
    for i in 0..12u32 {
        let channel = if i % 6 == 0 {
            IntakeChannel::Online
        } else {
            IntakeChannel::InPerson
        };
        let received = at(1 + i * 2, 9);
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
                [i as u8; 6],
            )
            .await
            .unwrap();
        let act = |action, days: i64| ActInput {
            action,
            note: "lý do".into(),
            return_method: None,
            official_id: Some(s.official1),
            user_id: None,
            at: received + days * 86_400_000,
        };
        let steps: &[(Action, i64)] = match i % 5 {
            0 => &[(Action::ResultReady, 1), (Action::ReturnResult, 2)],
            1 => &[(Action::ResultReady, 9)],
            2 => &[],
            3 => &[(Action::Refuse, 1)],
            _ => &[(Action::RequestSupplement, 1)],
        };
        for (a, days) in steps {
            app.store.dossier_act(d.id, &act(*a, *days)).await.unwrap();
        }
    }
    let staff = app.login("inspector").await;
    for month in ["2026-10", "2026-11"] {
        let t = json(
            &app,
            &staff,
            &format!(
                "/api/v1/reports/timeliness?unit={}&month={month}",
                s.province
            ),
        )
        .await;
        let d = json(
            &app,
            &staff,
            &format!("/api/v1/dashboard?unit={}&period={month}", s.province),
        )
        .await;
        for k in [
            "received",
            "received_online",
            "finished",
            "early",
            "on_time",
            "late",
            "overdue_open",
            "pending",
            "on_time_rate",
            "online_share",
        ] {
            assert_eq!(d["dossiers"][k], t["total"][k], "{month} {k}");
        }
    }
    let d = json(
        &app,
        &staff,
        &format!("/api/v1/dashboard?unit={}&period=2026-10", s.commune_a),
    )
    .await;
    assert_eq!(d["dossiers"]["received"], 12);
    assert!(d["dossiers"]["overdue_open"].as_u64().unwrap() > 0);
    // Results handed back at counter 1 count towards its response rate.
    let c1 = d["counters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["counter_id"] == s.counter1)
        .unwrap();
    assert!(c1["returned"].as_u64().unwrap() > 0);
}
