//! A 201 means the rating is on disk: it survives `kill -9` of the server right after.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{fresh_database, now_ms, seed};
use hailong::store::Store;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(db: &str, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_hailong"))
        .args([
            "--database-url",
            db,
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--kiosk-repeat-seconds",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await
            && r.status() == 200
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not start");
}

#[tokio::test]
async fn acknowledged_ratings_survive_kill_9() {
    let (db, _guard) = fresh_database().await;
    let store = Store::connect(&db).await.unwrap();
    store.migrate().await.unwrap();
    let s = seed(&store).await;
    let session = store
        .counter_sign_in(s.counter1, s.official1)
        .await
        .unwrap();
    store.close().await;

    let port = free_port();
    let mut server = start(&db, port).await;
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    // Ratings 1.1 s apart by the device clock, past the (shortened) repeat lock.
    let t0 = now_ms();
    for i in 0..20i64 {
        let res = client
            .post(format!("http://127.0.0.1:{port}/api/v1/kiosk/ratings"))
            .bearer_auth(&s.kiosk_token)
            .json(&serde_json::json!({
                "idempotency_key": format!("kill9-{i:04}"), "session_id": session, "form_version_id": s.form_version_id,
                "rated_at": t0 + i * 1_100,
                "answers": [{"question": "attitude", "level": 5}, {"question": "handling", "level": 4}],
            }))
            .send()
            .await
            .unwrap();
        if res.status() == 201 {
            acknowledged.push(
                res.json::<serde_json::Value>().await.unwrap()["id"]
                    .as_i64()
                    .unwrap(),
            );
        }
    }
    // No graceful shutdown: SIGKILL right after the last acknowledgement.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    assert_eq!(acknowledged.len(), 20, "all ratings were acknowledged");

    let store = Store::connect(&db).await.unwrap();
    assert_eq!(
        store.rating_count().await.unwrap(),
        20,
        "every acknowledged rating is on disk"
    );
    drop(server);
}
