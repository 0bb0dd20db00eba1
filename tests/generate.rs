//! `hailong demo generate`: the requested row counts, the same bytes for the same seed, and a
//! set that loads whole, with the aggregates the imports keep equal to a rebuild from raw rows.

mod common;

use std::path::Path;

use clap::Parser;
use common::fresh_database;
use hailong::cli::demo_generate::{COUNTERS, DOSSIERS, OFFICIALS, PROCEDURES, RATINGS, UNITS};
use hailong::store::Db;
use hailong::store::Store;

const UNIT_LIST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/units-2025-07.csv"
);

/// Two provinces, twenty communes, two years up to a fixed day.
async fn generate(db: &str, out: &Path, load: bool) {
    let out = out.display().to_string();
    let mut args = vec![
        "hailong",
        "--database-url",
        db,
        "demo",
        "generate",
        "--ratings",
        "3000",
        "--dossiers",
        "2000",
        "--out",
        &out,
        "--units",
        UNIT_LIST,
        "--provinces",
        "2",
        "--communes",
        "20",
        "--today",
        "2026-06-30",
    ];
    if load {
        args.push("--load");
    }
    hailong::cli::run(hailong::cli::Cli::parse_from(args))
        .await
        .expect("demo generate");
}

fn data_rows(path: &Path) -> usize {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .inspect(|r| assert!(r.is_ok(), "{r:?}"))
        .count()
}

async fn count(store: &Store, sql: &str) -> i64 {
    match store.db() {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

#[tokio::test]
async fn a_generated_set_has_its_rows_repeats_itself_and_loads_whole() {
    let (db, _guard) = fresh_database().await;
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    generate(&db, &a, true).await;
    generate(&db, &b, false).await;

    assert_eq!(data_rows(&a.join(RATINGS)), 3000);
    assert_eq!(data_rows(&a.join(DOSSIERS)), 2000);
    assert_eq!(data_rows(&a.join(UNITS)), 20);
    for f in [UNITS, PROCEDURES, OFFICIALS, COUNTERS, RATINGS, DOSSIERS] {
        assert!(
            std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
            "{f} differs between two runs with the same seed"
        );
    }

    let store = Store::connect(&db).await.unwrap();
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM units WHERE level = 'province'"
        )
        .await,
        2
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM units WHERE level = 'commune'").await,
        20
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM officials").await,
        data_rows(&a.join(OFFICIALS)) as i64
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM dossiers").await, 2000);
    assert_eq!(store.rating_count().await.unwrap(), 3000);

    let imported = store.aggregates_dump().await.unwrap();
    assert!(!imported.is_empty());
    store.aggregates_rebuild().await.unwrap();
    assert_eq!(imported, store.aggregates_dump().await.unwrap());
}
