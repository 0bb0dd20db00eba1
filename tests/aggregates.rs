//! The report aggregates are kept up to date as data arrives; `rebuild` recomputes them from
//! raw rows. After a random mix of ratings (batches and imports), flags and unflags, dossier
//! intakes and actions, and a unit moved to another province, the two must agree row for row —
//! on both databases.

mod common;

use common::{fresh_database, seed};
use hailong::domain::dossier::{Action, IntakeChannel, ReturnMethod};
use hailong::domain::form::ValidRating;
use hailong::domain::scale::Scale;
use hailong::domain::unit::UnitLevel;
use hailong::store::Db;
use hailong::store::Store;
use hailong::store::dossiers::{ActInput, IntakeInput};
use hailong::store::ratings::{Channel, NewRating};
use hailong::store::units::UnitInput;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const DAY: i64 = 86_400_000;

fn rating(
    rng: &mut StdRng,
    n: u64,
    unit: i64,
    official: Option<i64>,
    counter: Option<i64>,
    form_version_id: i64,
    at: i64,
) -> NewRating {
    let scale = [Scale::Two, Scale::Three, Scale::Five][rng.random_range(0..3)];
    let levels = scale.levels();
    let level = levels[rng.random_range(0..levels.len())];
    let answers = if rng.random_bool(0.7) {
        vec![
            (
                "attitude".to_string(),
                levels[rng.random_range(0..levels.len())],
            ),
            ("handling".to_string(), level),
        ]
    } else {
        vec![]
    };
    NewRating {
        idempotency_key: format!("k-{n}"),
        channel: Channel::Kiosk,
        device_id: None,
        counter_id: counter,
        session_id: None,
        official_id: official,
        unit_id: unit,
        form_version_id,
        scale,
        rating: ValidRating {
            headline: level,
            answers,
            reasons: vec![],
            comment: None,
        },
        dossier_code: None,
        rated_at: at,
        received_at: at,
        repeat_window_ms: 0,
    }
}

async fn ids(store: &Store, sql: &str) -> Vec<i64> {
    match store.db() {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
    }
}

#[tokio::test]
async fn rebuild_from_raw_rows_equals_the_incrementally_kept_aggregates() {
    let (db, _guard) = fresh_database().await;
    let store = Store::connect(&db).await.unwrap();
    store.migrate().await.unwrap();
    let s = seed(&store).await;
    let procedure = common::birth_registration_procedure(&store).await;
    let other_province = store
        .unit_create(&UnitInput {
            parent_id: None,
            level: UnitLevel::Province,
            code: "01".into(),
            name: "Thành phố Hà Nội".into(),
            valid_from: None,
            valid_to: None,
        })
        .await
        .unwrap();

    let mut rng = StdRng::seed_from_u64(20261130);
    let now = common::now_ms();
    let start = now - 420 * DAY;
    let mut n = 0u64;
    let mut flagged: Vec<i64> = Vec::new();
    let mut dossiers: Vec<(i64, i64)> = Vec::new(); // id, time of last action
    let places = [
        (s.commune_a, Some(s.official1), Some(s.counter1)),
        (s.commune_a, Some(s.official2), Some(s.counter2)),
        (s.commune_a, None, None),
        (s.commune_b, Some(s.official_b), None),
    ];
    for step in 0..400 {
        match rng.random_range(0..10) {
            0..=2 => {
                let k = rng.random_range(1..40);
                let batch: Vec<NewRating> = (0..k)
                    .map(|_| {
                        n += 1;
                        let (u, o, c) = places[rng.random_range(0..places.len())];
                        let at = rng.random_range(start..now);
                        rating(&mut rng, n, u, o, c, s.form_version_id, at)
                    })
                    .collect();
                if rng.random_bool(0.5) {
                    store.ratings_import(&batch).await.unwrap();
                } else {
                    let refs: Vec<&NewRating> = batch.iter().collect();
                    store.ratings_insert_batch(&refs).await.unwrap();
                }
            }
            3 => {
                let all = ids(&store, "SELECT id FROM ratings").await;
                if !all.is_empty() {
                    let id = all[rng.random_range(0..all.len())];
                    store.rating_flag(id, Some("bấm thử"), None).await.unwrap();
                    flagged.push(id);
                }
            }
            4 if !flagged.is_empty() => {
                let id = flagged.swap_remove(rng.random_range(0..flagged.len()));
                store.rating_flag(id, None, None).await.unwrap();
            }
            5..=6 => {
                let (u, o, c) = places[rng.random_range(0..places.len())];
                let channel = [
                    IntakeChannel::InPerson,
                    IntakeChannel::Online,
                    IntakeChannel::Post,
                ][rng.random_range(0..3)];
                let at = rng.random_range(start..now - 30 * DAY);
                let received_by = if channel == IntakeChannel::Online && rng.random_bool(0.3) {
                    None
                } else {
                    o.or(Some(s.official1))
                };
                let created = store
                    .dossier_intake(
                        &IntakeInput {
                            unit_id: u,
                            procedure_id: procedure,
                            channel,
                            applicant_name: format!("Người nộp {step}"),
                            applicant_phone: "0900000000".into(),
                            applicant_id_number: "001099000001".into(),
                            applicant_address: String::new(),
                            documents: vec![],
                            return_method: ReturnMethod::Desk,
                            received_by,
                            counter_id: c,
                            user_id: None,
                        },
                        at,
                        [step as u8; 6],
                    )
                    .await
                    .unwrap();
                dossiers.push((created.id, at));
            }
            _ if !dossiers.is_empty() => {
                let i = rng.random_range(0..dossiers.len());
                let (id, last) = dossiers[i];
                let at = (last + rng.random_range(DAY / 4..8 * DAY)).min(now);
                let action = Action::ALL[rng.random_range(0..Action::ALL.len())];
                let result = store
                    .dossier_act(
                        id,
                        &ActInput {
                            action,
                            note: "ghi chú".into(),
                            return_method: None,
                            official_id: Some(s.official1),
                            user_id: None,
                            at,
                        },
                    )
                    .await;
                if result.is_ok() {
                    dossiers[i].1 = at;
                }
            }
            _ => {}
        }
        if step == 250 {
            // Commune B moves to another province: its figures move with it.
            store
                .unit_update(
                    s.commune_b,
                    &UnitInput {
                        parent_id: Some(other_province),
                        level: UnitLevel::Commune,
                        code: "22516".into(),
                        name: "Xã Vạn Thắng".into(),
                        valid_from: None,
                        valid_to: None,
                    },
                )
                .await
                .unwrap();
        }
    }

    let incremental = store.aggregates_dump().await.unwrap();
    store.aggregates_rebuild().await.unwrap();
    let rebuilt = store.aggregates_dump().await.unwrap();
    assert!(
        incremental.len() > 500,
        "too little data: {}",
        incremental.len()
    );
    let only_inc: Vec<&String> = incremental
        .iter()
        .filter(|r| !rebuilt.contains(r))
        .take(10)
        .collect();
    let only_reb: Vec<&String> = rebuilt
        .iter()
        .filter(|r| !incremental.contains(r))
        .take(10)
        .collect();
    assert!(
        only_inc.is_empty() && only_reb.is_empty(),
        "incremental only: {only_inc:#?}\nrebuilt only: {only_reb:#?}"
    );
    // The mix did what it says: some ratings flagged, dossiers in several states.
    assert!(!flagged.is_empty());
    let states = ids(
        &store,
        "SELECT DISTINCT CAST(status AS BIGINT) FROM dossiers",
    )
    .await;
    assert!(states.len() >= 4, "dossier states: {states:?}");
}
