//! Latency of the leaders' views on a large database (issue 4): a province's dashboard, a
//! commune's dashboard for a year, the per-official monthly report of a province, and the
//! ranking of every commune in the country — each built in-process from the aggregates and
//! fetched over HTTP through the real API, warm, many times. Prints p50/p95/p99 and one JSON
//! line per view for `bench/views.sh`, which sets DuckDB's figures beside them. Not a test.
//!
//! Run: `HAILONG_BENCH_DATABASE_URL=sqlite:///tmp/national.db cargo bench --bench views`
//! (a database filled by `hailong demo generate ... --load`).

use std::time::{Duration, Instant};

use hailong::domain::period::Period;
use hailong::domain::role::Role;
use hailong::domain::time::Month;
use hailong::report::OfficialMonthReport;
use hailong::report::dashboard::Dashboard;
use hailong::report::ranking::{Ranking, RankingOf};
use hailong::store::users::UserInput;
use hailong::store::{Db, Store};
use hailong::web::{Application, Settings};

// The allocator of the `hailong` binary (src/main.rs), so that the server measured over HTTP
// is the one that ships.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const WARMUP: usize = 20;
const RUNS: usize = 200;

struct Figures {
    p50: f64,
    p95: f64,
    p99: f64,
}

fn figures(mut lat: Vec<Duration>) -> Figures {
    lat.sort();
    let q = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
    Figures {
        p50: q(0.50),
        p95: q(0.95),
        p99: q(0.99),
    }
}

async fn time<F, Fut>(view: &str, mut f: F) -> Option<Figures>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if !wanted(view) {
        return None;
    }
    for _ in 0..WARMUP {
        f().await;
    }
    let mut lat = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        f().await;
        lat.push(t.elapsed());
    }
    Some(figures(lat))
}

async fn scalar(store: &Store, sql: &str) -> (i64, String) {
    match store.db() {
        Db::Sqlite(p) => sqlx::query_as(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_as(sql).fetch_one(p).await.unwrap(),
    }
}

/// HAILONG_BENCH_VIEWS=ranking (a part of a view's name) times only the views it names.
fn wanted(view: &str) -> bool {
    std::env::var("HAILONG_BENCH_VIEWS").map_or(true, |w| view.contains(w.as_str()))
}

fn report(backend: &str, view: &str, how: &str, rows: u64, f: Option<Figures>) {
    let Some(f) = f else { return };
    println!(
        "{backend:<9} {view:<44} {how:<10} p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  ({rows} rows)",
        f.p50, f.p95, f.p99
    );
    println!(
        "JSON {{\"engine\":\"hailong-{backend}\",\"view\":\"{view}\",\"how\":\"{how}\",\"p50_ms\":{:.3},\"p95_ms\":{:.3},\"p99_ms\":{:.3},\"rows\":{rows}}}",
        f.p50, f.p95, f.p99
    );
}

#[tokio::main]
async fn main() {
    // RUST_LOG=sqlx::query=debug prints every statement with its time: the way to see which
    // query of a view is slow.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_ansi(false)
            .init();
    }
    let Ok(url) = std::env::var("HAILONG_BENCH_DATABASE_URL") else {
        eprintln!(
            "views: set HAILONG_BENCH_DATABASE_URL to a database filled by `hailong demo generate --load` (see bench/views.sh)"
        );
        return;
    };
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let backend = store.backend();
    let (ratings, _) = scalar(&store, "SELECT COUNT(*), '' FROM ratings").await;
    let (dossiers, _) = scalar(&store, "SELECT COUNT(*), '' FROM dossiers").await;
    // The busiest province and, in it, the busiest commune; the last complete month.
    let month = Month::current().prev();
    let (province, pname) = scalar(
        &store,
        "SELECT u.id, u.name FROM units u JOIN rating_agg a ON a.unit_id = u.id
         WHERE u.parent_id IS NULL AND a.dim = 0 AND a.bucket % 100 = 0
         ORDER BY a.l1 + a.l2 + a.l3 + a.l4 + a.l5 DESC LIMIT 1",
    )
    .await;
    let (commune, cname) = scalar(
        &store,
        &format!(
            "SELECT u.id, u.name FROM units u JOIN rating_agg a ON a.unit_id = u.id
             WHERE u.parent_id = {province} AND a.dim = 0 AND a.bucket % 100 = 0
             ORDER BY a.l1 + a.l2 + a.l3 + a.l4 + a.l5 DESC LIMIT 1"
        ),
    )
    .await;
    println!(
        "views on {backend}: {ratings} ratings, {dossiers} dossiers; province {pname}, commune {cname}, month {month}; {RUNS} warm runs each"
    );
    println!("TARGET {{\"province\":{province},\"commune\":{commune},\"month\":\"{month}\"}}");
    let province_unit = store.unit(province).await.unwrap();
    let commune_unit = store.unit(commune).await.unwrap();
    let m = Period::month(month);
    let year = Period::year(month.year).unwrap();

    // In-process: what the report builders cost on the aggregates.
    let f = time("dashboard: province, month", || async {
        Dashboard::build(&store, &province_unit, m, 30)
            .await
            .unwrap();
    })
    .await;
    report(backend, "dashboard: province, month", "in-process", 1, f);
    let f = time("dashboard: commune, year", || async {
        Dashboard::build(&store, &commune_unit, year, 30)
            .await
            .unwrap();
    })
    .await;
    report(backend, "dashboard: commune, year", "in-process", 1, f);
    let officials = OfficialMonthReport::build(&store, &province_unit, month, 30)
        .await
        .unwrap()
        .rows
        .len() as u64;
    let f = time("per-official monthly report: province", || async {
        OfficialMonthReport::build(&store, &province_unit, month, 30)
            .await
            .unwrap();
    })
    .await;
    report(
        backend,
        "per-official monthly report: province",
        "in-process",
        officials,
        f,
    );
    let communes = Ranking::build(&store, None, RankingOf::Communes, m, 30)
        .await
        .unwrap()
        .rows
        .len() as u64;
    let f = time("ranking of all communes: month", || async {
        Ranking::build(&store, None, RankingOf::Communes, m, 30)
            .await
            .unwrap();
    })
    .await;
    report(
        backend,
        "ranking of all communes: month",
        "in-process",
        communes,
        f,
    );
    let f = time("ranking of all communes: year", || async {
        Ranking::build(&store, None, RankingOf::Communes, year, 30)
            .await
            .unwrap();
    })
    .await;
    report(
        backend,
        "ranking of all communes: year",
        "in-process",
        communes,
        f,
    );

    // Over HTTP, as a leader's browser or another system asks.
    let admin = match store.user_by_username("bench_views").await.unwrap() {
        Some(u) => u.id,
        None => store
            .user_create(
                &UserInput {
                    username: "bench_views".into(),
                    display_name: "Benchmark".into(),
                    role: Role::Admin,
                    unit_id: None,
                    official_id: None,
                },
                "!disabled: sessions only",
            )
            .await
            .unwrap(),
    };
    let token = uuid::Uuid::new_v4().simple().to_string();
    store
        .session_create(admin, &token, "bench", 3_600_000)
        .await
        .unwrap();
    let app = Application::build(
        store.clone(),
        Settings {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..Settings::default()
        },
    )
    .await
    .unwrap();
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    // As a client on the same machine asks (no compression), and as a browser on the
    // province's network does (gzip, which the server then spends time on).
    let plain = reqwest::Client::builder().no_gzip().build().unwrap();
    let gzip = reqwest::Client::builder().gzip(true).build().unwrap();
    let views = [
        (
            "dashboard: province, month",
            format!("/api/v1/dashboard?unit={province}&period={month}"),
        ),
        (
            "dashboard: commune, year",
            format!("/api/v1/dashboard?unit={commune}&period={}", month.year),
        ),
        (
            "per-official monthly report: province",
            format!("/api/v1/reports/officials?unit={province}&month={month}"),
        ),
        (
            "ranking of all communes: month",
            format!("/api/v1/rankings?of=communes&period={month}"),
        ),
        (
            "ranking of all communes: year",
            format!("/api/v1/rankings?of=communes&period={}", month.year),
        ),
    ];
    for (name, path) in views {
        let url = format!("{base}{path}");
        for (how, client) in [("http", &plain), ("http-gzip", &gzip)] {
            let f = time(name, || async {
                let res = client.get(&url).bearer_auth(&token).send().await.unwrap();
                assert_eq!(res.status(), 200, "{url}");
                res.bytes().await.unwrap();
            })
            .await;
            report(backend, name, how, 1, f);
        }
        if wanted(name) {
            let size = |encoding: &'static str| {
                let url = &url;
                let token = &token;
                let plain = &plain;
                async move {
                    let req = plain.get(url).bearer_auth(token);
                    let req = req.header("accept-encoding", encoding);
                    req.send().await.unwrap().bytes().await.unwrap().len()
                }
            };
            println!(
                "{backend:<9} {name:<44} body       {} bytes, {} gzipped",
                size("identity").await,
                size("gzip").await
            );
        }
    }
    let _ = stop.send(());
    store.close().await;
}
