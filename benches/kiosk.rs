//! Kiosk submissions per second over HTTP with 64 concurrent clients (p50/p99 latency), beside
//! the rate at which the same database commits one-row inserts on its own. Prints figures; it
//! is not a test. Run: `cargo bench --bench kiosk` (PostgreSQL from HAILONG_BENCH_DATABASE_URL,
//! default postgres://postgres@127.0.0.1:5432/postgres; skipped with a note when unreachable).

use std::sync::Arc;
use std::time::{Duration, Instant};

use hailong::domain::form::FormDefinition;
use hailong::domain::unit::UnitLevel;
use hailong::store::Db;
use hailong::store::Store;
use hailong::store::officials::OfficialInput;
use hailong::store::units::UnitInput;
use hailong::web::{Application, Settings};

const CLIENTS: usize = 64;
const RAW_PG_CLIENTS: usize = 32;
const WARMUP: Duration = Duration::from_secs(1);
const MEASURE: Duration = Duration::from_secs(6);

struct Figures {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    n: usize,
    errors: usize,
}

fn summarise(mut lat: Vec<Duration>, errors: usize, elapsed: Duration) -> Figures {
    lat.sort();
    let q = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1e3)
            .unwrap_or(0.0)
    };
    Figures {
        rate: lat.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: q(0.50),
        p99_ms: q(0.99),
        max_ms: q(1.0),
        n: lat.len(),
        errors,
    }
}

async fn fresh(backend: &str, pg_admin: &str, dir: &tempfile::TempDir) -> Option<(String, Store)> {
    let url = if backend == "sqlite" {
        format!(
            "sqlite://{}",
            dir.path()
                .join(format!("bench-{}.db", uuid::Uuid::new_v4().simple()))
                .display()
        )
    } else {
        let Ok(Db::Postgres(p)) = Store::connect(pg_admin).await.map(|s| s.db().clone()) else {
            return None;
        };
        let name = format!("hl_bench_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&p)
            .await
            .ok()?;
        p.close().await;
        format!("{}/{name}", pg_admin.rsplit_once('/').unwrap().0)
    };
    let store = Store::connect(&url).await.ok()?;
    store.migrate().await.ok()?;
    Some((url, store))
}

/// One-row inserts, each its own transaction, as fast as the database commits them.
async fn raw_inserts(store: &Store) -> Figures {
    const DDL: &str = "CREATE TABLE bench_raw (id BIGINT PRIMARY KEY, device BIGINT NOT NULL, level SMALLINT NOT NULL, at BIGINT NOT NULL, note TEXT NOT NULL)";
    const INS: &str =
        "INSERT INTO bench_raw (id, device, level, at, note) VALUES ($1, $2, $3, $4, $5)";
    let counter = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let clients = match store.db() {
        Db::Sqlite(_) => 1,
        Db::Postgres(_) => RAW_PG_CLIENTS,
    };
    match store.db() {
        Db::Sqlite(p) => {
            sqlx::query(DDL).execute(p).await.unwrap();
        }
        Db::Postgres(p) => {
            sqlx::query(DDL).execute(p).await.unwrap();
        }
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let store = store.clone();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while start.elapsed() < MEASURE {
                let id = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let t = Instant::now();
                match store.db() {
                    Db::Sqlite(p) => {
                        sqlx::query(INS)
                            .bind(id)
                            .bind(id % 64)
                            .bind(5i16)
                            .bind(id)
                            .bind("raw")
                            .execute(p)
                            .await
                            .unwrap();
                    }
                    Db::Postgres(p) => {
                        sqlx::query(INS)
                            .bind(id)
                            .bind(id % 64)
                            .bind(5i16)
                            .bind(id)
                            .bind("raw")
                            .execute(p)
                            .await
                            .unwrap();
                    }
                }
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    summarise(all, 0, start.elapsed())
}

/// 64 kiosks at 64 counters, one client each, submitting ratings over HTTP.
async fn service(store: Store) -> (Figures, Figures) {
    let province = store
        .unit_create(&UnitInput {
            parent_id: None,
            level: UnitLevel::Province,
            code: "56".into(),
            name: "Tỉnh Khánh Hòa".into(),
            valid_from: None,
            valid_to: None,
        })
        .await
        .unwrap();
    let form = store
        .form_create("Phiếu chuẩn", &FormDefinition::standard())
        .await
        .unwrap();
    let version = store.form(form).await.unwrap().current_version_id;
    let center = store
        .service_center_create(province, "Trung tâm Phục vụ hành chính công", "")
        .await
        .unwrap();
    let mut kiosks = Vec::new();
    for i in 0..CLIENTS {
        let counter = store
            .counter_create(center, &format!("Q{i}"), &format!("Quầy {i}"), None)
            .await
            .unwrap();
        let official = store
            .official_create(&OfficialInput {
                unit_id: province,
                code: format!("CB{i}"),
                full_name: format!("Cán bộ {i}"),
                title: String::new(),
                active: true,
            })
            .await
            .unwrap();
        let session = store.counter_sign_in(counter, official).await.unwrap();
        let (_, token) = store.kiosk_register(counter, "bench").await.unwrap();
        kiosks.push((token, session));
    }
    // The history the clients write goes back 30 days, so the sign-ins must too.
    let since = hailong::domain::time::now_ms() - 31 * 86_400_000;
    match store.db() {
        Db::Sqlite(p) => {
            sqlx::query("UPDATE counter_sessions SET started_at = $1")
                .bind(since)
                .execute(p)
                .await
                .unwrap();
        }
        Db::Postgres(p) => {
            sqlx::query("UPDATE counter_sessions SET started_at = $1")
                .bind(since)
                .execute(p)
                .await
                .unwrap();
        }
    }
    let settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Settings::default()
    };
    let app = Application::build(store.clone(), settings).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stop_rx.await;
    }));
    let stored = load(&base, &kiosks, version, true).await;
    // The same requests refused before the database (a malformed key): what the HTTP stack
    // alone costs on this machine, the ceiling for the stored rate above.
    let floor = load(&base, &kiosks, version, false).await;
    let _ = stop_tx.send(());
    let _ = server.await;
    (stored, floor)
}

/// The kiosks run on their own threads, as they would on their own machines, so that their
/// tasks do not queue in front of the server's on one scheduler.
fn clients_runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kiosk-client")
            .enable_all()
            .build()
            .unwrap()
    })
}

/// One client per kiosk, each posting ratings back to back for the warm-up and measured time.
async fn load(base: &str, kiosks: &[(String, i64)], version: i64, valid: bool) -> Figures {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let expect = if valid { 201 } else { 422 };
    let t0 = hailong::domain::time::now_ms() - 30 * 86_400_000;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (k, (token, session)) in kiosks.iter().cloned().enumerate() {
        let client = client.clone();
        let url = format!("{base}/api/v1/kiosk/ratings");
        tasks.push(clients_runtime().spawn(async move {
            let (mut lat, mut errors, mut i) = (Vec::new(), 0usize, 0i64);
            loop {
                let elapsed = start.elapsed();
                if elapsed > WARMUP + MEASURE {
                    break;
                }
                i += 1;
                let key = if valid { format!("bench-{k}-{i}") } else { "bad key".to_string() };
                // 31 s apart by the device clock: each submission passes the 30-second lock.
                let body = serde_json::json!({
                    "idempotency_key": key, "session_id": session, "form_version_id": version,
                    "rated_at": t0 + i * 31_000,
                    "answers": [{"question": "attitude", "level": 5}, {"question": "handling", "level": 4}],
                });
                let t = Instant::now();
                let res = client.post(&url).bearer_auth(&token).json(&body).send().await;
                let ok = matches!(&res, Ok(r) if r.status() == expect);
                if let Ok(r) = res {
                    let _ = r.bytes().await;
                }
                if elapsed >= WARMUP {
                    if ok { lat.push(t.elapsed()) } else { errors += 1 }
                }
            }
            (lat, errors)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    summarise(all, errors, MEASURE)
}

fn row(what: &str, f: &Figures) {
    println!(
        "| {what} | {:>8.0} | {:>7.2} | {:>7.2} | {:>7.2} | {:>8} | {:>6} |",
        f.rate, f.p50_ms, f.p99_ms, f.max_ms, f.n, f.errors
    );
}

#[tokio::main]
async fn main() {
    let pg_admin = std::env::var("HAILONG_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let dir = tempfile::tempdir().unwrap();
    println!(
        "Kiosk submissions over HTTP ({CLIENTS} concurrent clients, {} s measured after {} s warm-up) vs raw one-row commits.",
        MEASURE.as_secs(),
        WARMUP.as_secs()
    );
    println!(
        "Machine: {} cores. SQLite: WAL, synchronous=FULL. PostgreSQL: synchronous_commit=on.\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    println!("| what | per second | p50 ms | p99 ms | max ms | n | errors |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for backend in ["sqlite", "postgres"] {
        let Some((_, raw_store)) = fresh(backend, &pg_admin, &dir).await else {
            println!("| {backend}: not reachable, skipped | | | | | | |");
            continue;
        };
        let raw = raw_inserts(&raw_store).await;
        raw_store.close().await;
        let clients = if backend == "sqlite" {
            1
        } else {
            RAW_PG_CLIENTS
        };
        row(
            &format!(
                "{backend}: raw one-row commits ({clients} client{})",
                if clients > 1 { "s" } else { "" }
            ),
            &raw,
        );
        let (_, store) = fresh(backend, &pg_admin, &dir).await.unwrap();
        let (svc, floor) = service(store.clone()).await;
        let stored = store.rating_count().await.unwrap();
        row(
            &format!("{backend}: kiosk ratings over HTTP ({CLIENTS} clients)"),
            &svc,
        );
        row(
            &format!("{backend}: same requests refused before the database (HTTP alone)"),
            &floor,
        );
        eprintln!(
            "{backend}: {stored} ratings stored ({} acknowledged in the measured window)",
            svc.n
        );
        store.close().await;
    }
}
