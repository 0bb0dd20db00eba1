//! The counter rating flow through the kiosk API.

mod common;

use common::{TestApp, now_ms, seed};
use serde_json::Value;

#[tokio::test]
async fn kiosk_shows_no_official_until_one_signs_in_and_refuses_ratings_meanwhile() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let state: Value = app
        .client
        .get(app.url("/api/v1/kiosk/state"))
        .bearer_auth(&s.kiosk_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(state["official"].is_null());
    assert_eq!(state["form"]["scale"], 3);
    assert_eq!(state["form"]["levels"][0]["label_vi"], "Rất hài lòng");
    let res = app
        .kiosk_rate(
            &s.kiosk_token,
            999,
            s.form_version_id,
            5,
            "key-no-official-1",
            now_ms(),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["message_vi"]
            .as_str()
            .unwrap()
            .contains("Chưa có cán bộ"),
        "{body}"
    );
    assert_eq!(app.store.rating_count().await.unwrap(), 0);

    let session = app
        .store
        .counter_sign_in(s.counter1, s.official1)
        .await
        .unwrap();
    let state: Value = app
        .client
        .get(app.url("/api/v1/kiosk/state"))
        .bearer_auth(&s.kiosk_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["official"]["full_name"], "Nguyễn Thị Lan");
    assert_eq!(state["official"]["session_id"], session);
    let photo = app
        .client
        .get(app.url(state["official"]["photo_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(photo.status(), 200);
    assert_eq!(photo.headers()["content-type"], "image/svg+xml");
}

#[tokio::test]
async fn a_rating_is_stored_once_per_idempotency_key() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let session = app
        .store
        .counter_sign_in(s.counter1, s.official1)
        .await
        .unwrap();
    let t = now_ms();
    let res = app
        .kiosk_rate(
            &s.kiosk_token,
            session,
            s.form_version_id,
            5,
            "0b7c1f7e-aaaa-4bbb-8ccc-000000000001",
            t,
        )
        .await;
    assert_eq!(res.status(), 201);
    let first: Value = res.json().await.unwrap();
    // The device did not hear the answer and sends again: same rating, not a second one.
    let res = app
        .kiosk_rate(
            &s.kiosk_token,
            session,
            s.form_version_id,
            5,
            "0b7c1f7e-aaaa-4bbb-8ccc-000000000001",
            t,
        )
        .await;
    assert_eq!(res.status(), 200);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["status"], "replayed");
    assert_eq!(app.store.rating_count().await.unwrap(), 1);
}

#[tokio::test]
async fn a_second_rating_from_the_same_device_within_30_seconds_is_refused_politely() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let session = app
        .store
        .counter_sign_in(s.counter1, s.official1)
        .await
        .unwrap();
    let t = now_ms();
    assert_eq!(
        app.kiosk_rate(
            &s.kiosk_token,
            session,
            s.form_version_id,
            5,
            "lock-test-0001",
            t
        )
        .await
        .status(),
        201
    );
    let res = app
        .kiosk_rate(
            &s.kiosk_token,
            session,
            s.form_version_id,
            4,
            "lock-test-0002",
            t + 10_000,
        )
        .await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "20");
    let body: Value = res.json().await.unwrap();
    assert!(
        body["message_vi"].as_str().unwrap().starts_with("Cảm ơn"),
        "{body}"
    );
    // 30 seconds later it is a new citizen.
    assert_eq!(
        app.kiosk_rate(
            &s.kiosk_token,
            session,
            s.form_version_id,
            4,
            "lock-test-0003",
            t + 30_000
        )
        .await
        .status(),
        201
    );
    assert_eq!(app.store.rating_count().await.unwrap(), 2);
}

#[tokio::test]
async fn a_dossier_is_rated_at_most_once() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let session = app
        .store
        .counter_sign_in(s.counter1, s.official1)
        .await
        .unwrap();
    let t = now_ms();
    let rate = |key: &'static str, at: i64, code: &'static str| {
        app.client
            .post(app.url("/api/v1/kiosk/ratings"))
            .bearer_auth(&s.kiosk_token)
            .json(&serde_json::json!({
                "idempotency_key": key, "session_id": session, "form_version_id": s.form_version_id, "rated_at": at,
                "answers": [{"question": "attitude", "level": 5}, {"question": "handling", "level": 5}],
                "dossier_code": code,
            }))
            .send()
    };
    assert_eq!(
        rate("dossier-key-1", t, "22525-261120-0001")
            .await
            .unwrap()
            .status(),
        201
    );
    let res = rate("dossier-key-2", t + 40_000, "22525-261120-0001")
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["message_vi"]
            .as_str()
            .unwrap()
            .contains("đã được đánh giá")
    );
    assert_eq!(
        rate("dossier-key-3", t + 80_000, "22525-261120-0002")
            .await
            .unwrap()
            .status(),
        201
    );
    assert_eq!(app.store.rating_count().await.unwrap(), 2);
}

#[tokio::test]
async fn bad_answers_and_bad_tokens_are_refused_with_a_message_and_store_nothing() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let session = app
        .store
        .counter_sign_in(s.counter1, s.official1)
        .await
        .unwrap();
    // Level 3 does not exist on the 3-level scale (5, 4, 2).
    let res = app
        .kiosk_rate(
            &s.kiosk_token,
            session,
            s.form_version_id,
            3,
            "bad-level-0001",
            now_ms(),
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .client
        .post(app.url("/api/v1/kiosk/ratings"))
        .bearer_auth(&s.kiosk_token)
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().starts_with("Bad request"));
    let res = app
        .kiosk_rate(
            "hlk_not-a-real-token",
            session,
            s.form_version_id,
            5,
            "bad-token-0001",
            now_ms(),
        )
        .await;
    assert_eq!(res.status(), 401);
    assert_eq!(app.store.rating_count().await.unwrap(), 0);
}

#[tokio::test]
async fn a_kiosk_cannot_rate_for_another_counters_official() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let other = app
        .store
        .counter_sign_in(s.counter2, s.official2)
        .await
        .unwrap();
    let res = app
        .kiosk_rate(
            &s.kiosk_token,
            other,
            s.form_version_id,
            5,
            "cross-counter-1",
            now_ms(),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(app.store.rating_count().await.unwrap(), 0);
}

#[tokio::test]
async fn revoking_a_kiosk_through_the_api_stops_its_token_at_once() {
    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let ok = app
        .client
        .get(app.url("/api/v1/kiosk/state"))
        .bearer_auth(&s.kiosk_token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let admin = app.api_token("admin").await;
    let res = app
        .client
        .post(app.url(&format!("/api/v1/kiosks/{}/revoke", s.kiosk_id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let gone = app
        .client
        .get(app.url("/api/v1/kiosk/state"))
        .bearer_auth(&s.kiosk_token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 401);
}

/// The writer stores a burst of submissions in one transaction; each still gets its own
/// outcome, the same as if it had come alone.
#[tokio::test]
async fn a_batch_gives_each_submission_its_own_outcome() {
    use hailong::domain::form::{AnswerInput, Submission};
    use hailong::store::ratings::{Channel, NewRating, Refusal, Saved, SubmitError};

    let app = TestApp::spawn().await;
    let s = seed(&app.store).await;
    let (kiosk2, _) = app
        .store
        .kiosk_register(s.counter2, "Màn hình quầy 2")
        .await
        .unwrap();
    let form = app.store.form_version(s.form_version_id).await.unwrap();
    let t = now_ms();
    let rating = |key: &str, device: i64, at: i64, dossier: Option<&str>| {
        let answers = form
            .definition
            .questions
            .iter()
            .map(|q| AnswerInput {
                question: q.key.clone(),
                level: 5,
            })
            .collect();
        let sub = Submission {
            answers,
            reasons: vec![],
            comment: None,
        };
        NewRating {
            idempotency_key: key.into(),
            channel: Channel::Kiosk,
            device_id: Some(device),
            counter_id: Some(s.counter1),
            session_id: None,
            official_id: Some(s.official1),
            unit_id: s.commune_a,
            form_version_id: s.form_version_id,
            scale: form.definition.scale,
            rating: form.definition.check(&sub).unwrap(),
            dossier_code: dossier.map(str::to_owned),
            rated_at: at,
            received_at: at,
            repeat_window_ms: 30_000,
        }
    };
    let first = rating("batch-key-0001", s.kiosk_id, t, None);
    let pressed_again = rating("batch-key-0002", s.kiosk_id, t + 5_000, None);
    let same_key = rating("batch-key-0001", s.kiosk_id, t, None);
    let dossier = rating("batch-key-0003", kiosk2, t, Some("22525-261123-0001"));
    let dossier_again = rating(
        "batch-key-0004",
        kiosk2,
        t + 60_000,
        Some("22525-261123-0001"),
    );
    let batch = [&first, &pressed_again, &same_key, &dossier, &dossier_again];
    let out = app.store.ratings_insert_batch(&batch).await.unwrap();
    let id = match out[0] {
        Ok(Saved::Created(id)) => id,
        ref other => panic!("first rating: {other:?}"),
    };
    assert!(matches!(
        out[1],
        Err(SubmitError::Refused(Refusal::TooSoon { wait_seconds: 25 }))
    ));
    assert!(matches!(out[2], Ok(Saved::Replayed(r)) if r == id));
    assert!(matches!(out[3], Ok(Saved::Created(_))));
    assert!(matches!(
        out[4],
        Err(SubmitError::Refused(Refusal::DossierRated))
    ));
    assert_eq!(app.store.rating_count().await.unwrap(), 2);
    // Each stored rating has its answers, one row per question; the refused ones have none.
    let mut answers: Vec<(i64, String, i64)> = Vec::new();
    app.store
        .export_table("rating_answers", |row| {
            use hailong::store::export::Value;
            match row {
                [Value::Int(Some(id)), Value::Text(q), Value::Int(Some(l))] => {
                    answers.push((*id, q.clone(), *l))
                }
                other => panic!("unexpected answer row {other:?}"),
            }
            Ok(())
        })
        .await
        .unwrap();
    let per_rating = form.definition.questions.len();
    assert_eq!(answers.len(), 2 * per_rating, "{answers:?}");
    assert!(answers.iter().all(|(_, _, level)| *level == 5));
    assert_eq!(answers[0].0, id);

    // Delivered again in a later batch (the acknowledgement was lost): same ids, nothing new.
    let again = app.store.ratings_insert_batch(&[&first]).await.unwrap();
    assert!(matches!(again[0], Ok(Saved::Replayed(r)) if r == id));
    assert_eq!(app.store.rating_count().await.unwrap(), 2);
}
