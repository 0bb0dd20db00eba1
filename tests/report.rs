//! The per-official monthly report against figures computed by hand, in the page, the API, the
//! CSV and the XLSX, with months cut at midnight in Vietnam.

mod common;

use chrono::{TimeZone, Utc};
use common::{TestApp, seed};
use hailong::domain::form::ValidRating;
use hailong::domain::scale::{Level, Scale};
use hailong::store::ratings::{Channel, NewRating};
use serde_json::Value;

fn at_utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .timestamp_millis()
}

fn rating(n: &mut u32, official: i64, unit: i64, version: i64, level: i16, at: i64) -> NewRating {
    *n += 1;
    let l = Level::new(level).unwrap();
    NewRating {
        idempotency_key: format!("report-test-{n}"),
        channel: Channel::Kiosk,
        device_id: None,
        counter_id: None,
        session_id: None,
        official_id: Some(official),
        unit_id: unit,
        form_version_id: version,
        scale: Scale::Three,
        rating: ValidRating {
            headline: l,
            answers: vec![("attitude".into(), l), ("handling".into(), l)],
            reasons: vec![],
            comment: None,
        },
        dossier_code: None,
        rated_at: at,
        received_at: at,
        repeat_window_ms: 0,
    }
}

/// October 2026 in commune A: official 1 has 20 very satisfied, 12 satisfied, 8 dissatisfied
/// and 3 flagged; official 2 has 4 satisfied and 1 dissatisfied. Commune B's official has 7
/// ratings. One rating falls just after midnight on 1 November in Hà Nội time.
async fn fill(app: &TestApp) -> common::Seed {
    let s = seed(&app.store).await;
    let mut n = 0;
    let mut batch = Vec::new();
    let oct = |day: u32, hour: u32| at_utc(2026, 10, day, hour, 0);
    for i in 0..20 {
        batch.push(rating(
            &mut n,
            s.official1,
            s.commune_a,
            s.form_version_id,
            5,
            oct(1 + i % 28, 2),
        ));
    }
    for i in 0..12 {
        batch.push(rating(
            &mut n,
            s.official1,
            s.commune_a,
            s.form_version_id,
            4,
            oct(1 + i, 3),
        ));
    }
    for i in 0..8 {
        batch.push(rating(
            &mut n,
            s.official1,
            s.commune_a,
            s.form_version_id,
            2,
            oct(2 + i, 4),
        ));
    }
    for i in 0..4 {
        batch.push(rating(
            &mut n,
            s.official2,
            s.commune_a,
            s.form_version_id,
            4,
            oct(5 + i, 8),
        ));
    }
    batch.push(rating(
        &mut n,
        s.official2,
        s.commune_a,
        s.form_version_id,
        2,
        oct(9, 8),
    ));
    for i in 0..7 {
        batch.push(rating(
            &mut n,
            s.official_b,
            s.commune_b,
            s.form_version_id,
            5,
            oct(10 + i, 2),
        ));
    }
    // 31 Oct 23:30 in Vietnam = 16:30 UTC: October. 1 Nov 00:10 in Vietnam = 17:10 UTC on 31 Oct: November.
    batch.push(rating(
        &mut n,
        s.official2,
        s.commune_a,
        s.form_version_id,
        5,
        at_utc(2026, 10, 31, 16, 30),
    ));
    batch.push(rating(
        &mut n,
        s.official2,
        s.commune_a,
        s.form_version_id,
        5,
        at_utc(2026, 10, 31, 17, 10),
    ));
    let flagged: Vec<NewRating> = (0..3)
        .map(|i| {
            rating(
                &mut n,
                s.official1,
                s.commune_a,
                s.form_version_id,
                5,
                oct(20 + i, 5),
            )
        })
        .collect();
    batch.extend(flagged);
    let refs: Vec<&NewRating> = batch.iter().collect();
    let results = app.store.ratings_insert_batch(&refs).await.unwrap();
    let ids: Vec<i64> = results.into_iter().map(|r| r.unwrap().id()).collect();
    for id in &ids[ids.len() - 3..] {
        app.store
            .rating_flag(*id, Some("Bấm thử nhiều lần"), None)
            .await
            .unwrap();
    }
    s
}

fn row<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["full_name"] == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

fn close(v: &Value, x: f64) -> bool {
    (v.as_f64().unwrap() - x).abs() < 5e-4
}

#[tokio::test]
async fn api_report_matches_hand_computed_figures() {
    let app = TestApp::spawn().await;
    let s = fill(&app).await;
    let token = app.api_token("leader").await;
    let r: Value = app
        .client
        .get(app.url("/api/v1/reports/officials?month=2026-10"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["unit_id"], s.commune_a);
    assert_eq!(
        r["levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["level"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![5, 4, 2]
    );
    let lan = row(&r, "Nguyễn Thị Lan");
    assert_eq!(lan["ballots"], 40);
    assert_eq!(lan["counts"], serde_json::json!([20, 12, 8]));
    assert!(
        close(&lan["shares"][0], 0.5)
            && close(&lan["shares"][1], 0.3)
            && close(&lan["shares"][2], 0.2)
    );
    assert!(close(&lan["satisfaction_rate"], 0.8));
    // Wilson 95% for 32/40, computed by hand: 0.6524 .. 0.8950.
    assert!(
        close(&lan["satisfaction_low"], 0.6524) && close(&lan["satisfaction_high"], 0.8950),
        "{lan}"
    );
    assert_eq!(lan["flagged"], 3);
    assert_eq!(lan["below_min_n"], false);
    let minh = row(&r, "Trần Văn Minh");
    // 4 satisfied + 1 dissatisfied + the 23:30 rating on 31 October; not the one after midnight.
    assert_eq!(minh["ballots"], 6);
    assert!(close(&minh["satisfaction_rate"], 5.0 / 6.0));
    assert_eq!(minh["below_min_n"], true);
    assert!(
        r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["full_name"] != "Lê Thị Hoa"),
        "commune B is outside the leader's subtree"
    );
    assert_eq!(r["total"]["ballots"], 46);
    assert_eq!(r["excluded_flagged"], 3);

    // The inspector of the province sees both communes.
    let token = app.api_token("inspector").await;
    let r: Value = app
        .client
        .get(app.url(&format!(
            "/api/v1/reports/officials?month=2026-10&unit={}",
            s.province
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(row(&r, "Lê Thị Hoa")["ballots"], 7);
    assert_eq!(r["total"]["ballots"], 53);
    // November starts at midnight Vietnam time.
    let r: Value = app
        .client
        .get(app.url(&format!(
            "/api/v1/reports/officials?month=2026-11&unit={}",
            s.province
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["total"]["ballots"], 1);
}

#[tokio::test]
async fn page_csv_and_xlsx_show_the_same_figures() {
    let app = TestApp::spawn().await;
    fill(&app).await;
    let staff = app.login("leader").await;
    let page = app.get_as(&staff, "/reports/officials?month=2026-10").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Nguyễn Thị Lan") && html.contains("80,0%") && html.contains("65,2% – 89,5%"),
        "page lacks the figures"
    );
    assert!(
        html.contains("class=\"dim\""),
        "rows under n = 30 are greyed"
    );

    let csv = app
        .get_as(&staff, "/reports/officials.csv?month=2026-10")
        .await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("22525-2026-10.csv")
    );
    let body = csv.bytes().await.unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    let mut rdr = csv::Reader::from_reader(&body[3..]);
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[1], "Họ và tên");
    assert_eq!(&headers[4], "Số phiếu");
    let lan: Vec<csv::StringRecord> = rdr
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[1] == "Nguyễn Thị Lan")
        .collect();
    assert_eq!(&lan[0][4], "40");
    let rate_col = headers
        .iter()
        .position(|h| h == "Tỷ lệ hài lòng (%)")
        .unwrap();
    assert_eq!(&lan[0][rate_col], "80.0");

    let xlsx = app
        .get_as(&staff, "/reports/officials.xlsx?month=2026-10")
        .await;
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    use calamine::{DataType, Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("Đánh giá cán bộ").unwrap();
    let header_row = sheet
        .rows()
        .position(|r| r.iter().any(|c| c.get_string() == Some("Số phiếu")))
        .unwrap();
    let hdr: Vec<String> = sheet
        .rows()
        .nth(header_row)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let lan_row = sheet
        .rows()
        .find(|r| r.iter().any(|c| c.get_string() == Some("Nguyễn Thị Lan")))
        .unwrap();
    let col = |name: &str| hdr.iter().position(|h| h == name).unwrap();
    assert_eq!(lan_row[col("Số phiếu")].get_float(), Some(40.0));
    assert!((lan_row[col("Tỷ lệ hài lòng (%)")].get_float().unwrap() - 0.8).abs() < 1e-9);
}

#[tokio::test]
async fn a_bad_month_is_a_clear_400() {
    let app = TestApp::spawn().await;
    seed(&app.store).await;
    let token = app.api_token("admin").await;
    let res = app
        .client
        .get(app.url("/api/v1/reports/officials?month=2026-13"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body["message_vi"].as_str().unwrap().contains("Tháng"));
}

#[tokio::test]
async fn a_province_reaches_communes_under_its_districts() {
    // The pre-2025 map: province, district, commune. A province's lists reach the commune two
    // levels down, and a district's stop at its own communes.
    use hailong::domain::unit::UnitLevel;
    use hailong::store::officials::OfficialInput;
    let app = TestApp::spawn().await;
    let store = &app.store;
    let unit = common::unit_input;
    let province = store
        .unit_create(&unit(None, UnitLevel::Province, "90", "Tỉnh Thử"))
        .await
        .unwrap();
    let district = store
        .unit_create(&unit(
            Some(province),
            UnitLevel::District,
            "901",
            "Huyện Thử",
        ))
        .await
        .unwrap();
    let other = store
        .unit_create(&unit(
            Some(province),
            UnitLevel::District,
            "902",
            "Huyện Khác",
        ))
        .await
        .unwrap();
    let commune = store
        .unit_create(&unit(Some(district), UnitLevel::Commune, "90101", "Xã Thử"))
        .await
        .unwrap();
    let official = store
        .official_create(&OfficialInput {
            unit_id: commune,
            code: "XT01".into(),
            full_name: "Phạm Văn Thử".into(),
            title: String::new(),
            active: true,
        })
        .await
        .unwrap();
    let ids = |units: Vec<hailong::store::units::Unit>| {
        let mut v: Vec<i64> = units.into_iter().map(|u| u.id).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(
        ids(store.units_in_subtree(province, "", 100).await.unwrap()),
        vec![province, district, other, commune]
    );
    assert_eq!(
        ids(store.units_in_subtree(district, "", 100).await.unwrap()),
        vec![district, commune]
    );
    let listed = |root| async move {
        store
            .report_officials(root, &[])
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(listed(province).await, vec![official]);
    assert_eq!(listed(district).await, vec![official]);
    assert!(listed(other).await.is_empty());

    // The lists are kept in memory; every change that shows in them is seen at once: a title,
    // leaving the service, a commune moved to another district, its code.
    store
        .official_update(
            official,
            &OfficialInput {
                unit_id: commune,
                code: "XT01".into(),
                full_name: "Phạm Văn Thử".into(),
                title: "Công chức Tư pháp - Hộ tịch".into(),
                active: false,
            },
        )
        .await
        .unwrap();
    let o = store.report_officials(district, &[]).await.unwrap();
    assert_eq!(
        (o[0].title.as_str(), o[0].active),
        ("Công chức Tư pháp - Hộ tịch", false)
    );
    store
        .unit_update(
            commune,
            &unit(Some(other), UnitLevel::Commune, "90201", "Xã Thử"),
        )
        .await
        .unwrap();
    assert!(listed(district).await.is_empty());
    assert_eq!(listed(other).await, vec![official]);
    assert_eq!(listed(province).await, vec![official]);
    let o = store.report_officials(other, &[]).await.unwrap();
    assert_eq!(o[0].unit_code, "90201");
}
