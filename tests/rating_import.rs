//! `hailong import ratings`: past ratings load streamed, all or nothing; the aggregates they add
//! equal a rebuild from the raw rows; the same file cannot be counted twice; errors name the
//! line — on both databases.

mod common;

use std::fmt::Write as _;

use common::{LOADS, count, fresh_database, hailong, seed, sqlite_lock_holders, write};
use hailong::domain::aggregate::dim;
use hailong::domain::period::month_key;
use hailong::domain::time::Month;
use hailong::store::Db;
use hailong::store::Store;

const HEADER: &str = "key,unit_code,counter_code,official_code,channel,rated_at,scale,level,answers,reasons,comment,dossier_code,flag_reason\n";

/// Rows spread over two communes, three months, both counters and officials; every tenth with
/// answers, every fiftieth flagged.
fn ratings_file(n: usize) -> String {
    let mut csv = String::from("\u{feff}");
    csv.push_str(HEADER);
    for i in 0..n {
        let (unit, counter, official) = match i % 3 {
            0 => ("22525", "Q1", "VH01"),
            1 => ("22525", "Q2", "VH02"),
            _ => ("22516", "", "VT01"),
        };
        let month = 9 + (i % 3);
        let level = [5, 4, 4, 2][i % 4];
        let answers = if i % 10 == 0 {
            format!("attitude={level};handling=4")
        } else {
            String::new()
        };
        let flag = if i % 50 == 0 { "Bấm thử" } else { "" };
        let reasons = if level == 2 { "waiting|unclear" } else { "" };
        let _ = writeln!(
            csv,
            "r-{i},{unit},{counter},{official},kiosk,2026-{month:02}-{:02} {:02}:15:00,3,{level},{answers},{reasons},,,{flag}",
            1 + i % 28,
            7 + i % 10
        );
    }
    csv
}

/// A fresh database, migrated and seeded (two communes of Khánh Hòa with counters and officials),
/// and a directory for the test's files.
async fn setup() -> (
    String,
    common::TestDb,
    Store,
    common::Seed,
    tempfile::TempDir,
) {
    let (db, guard) = fresh_database().await;
    let store = Store::connect(&db).await.unwrap();
    store.migrate().await.unwrap();
    let s = seed(&store).await;
    (db, guard, store, s, tempfile::tempdir().unwrap())
}

#[tokio::test]
async fn past_ratings_load_and_count_as_a_rebuild_would() {
    let _shared = LOADS.read().await;
    let (db, _guard, store, s, dir) = setup().await;
    // More than a chunk: the load drops and rebuilds the plain indexes of `ratings`.
    let file = write(&dir, "past.csv", &ratings_file(12_000));
    let out = hailong(&db, &["import", "ratings", &file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("12000 imported (240 flagged)"), "{stdout}");
    assert_eq!(store.rating_count().await.unwrap(), 12_000);

    // What was added as the rows arrived is what a rebuild from raw rows gives.
    let incremental = store.aggregates_dump().await.unwrap();
    assert!(!incremental.is_empty());
    store.aggregates_rebuild().await.unwrap();
    assert_eq!(incremental, store.aggregates_dump().await.unwrap());

    // The province counts every unflagged rating of September: rows 0, 3, 6…, of which 0,
    // 150, 300… are flagged.
    let sep = month_key(Month::new(2026, 9).unwrap());
    let rows = store
        .rating_agg_by_key(s.province, dim::TOTAL, &[sep])
        .await
        .unwrap();
    let ballots: i64 = rows.iter().map(|(_, _, v)| v.ballots()).sum();
    let flagged: i64 = rows.iter().map(|(_, _, v)| v.flagged).sum();
    assert_eq!((ballots, flagged), (4000 - 80, 80));

    // The same file again is refused as a whole: nothing is counted twice.
    // The indexes dropped for the load are back.
    let sql = match store.db() {
        Db::Sqlite(_) => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ratings' AND sql IS NOT NULL"
        }
        Db::Postgres(_) => {
            "SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'ratings' AND indexname LIKE 'ratings_%_time'"
        }
    };
    // By unit and time, and by kiosk device (migration 0014 dropped the one by official).
    let indexes = count(&store, sql).await;
    assert_eq!(indexes, 2);
    let again = hailong(&db, &["import", "ratings", &file]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("r-0") && err.contains("already stored"),
        "{err}"
    );
    assert_eq!(store.rating_count().await.unwrap(), 12_000);
    assert_eq!(incremental, store.aggregates_dump().await.unwrap());

    // A second desk's file adds to the aggregates the first load filled (on PostgreSQL the
    // first fill built their keys afterwards: the upsert needs them back).
    let second = write(
        &dir,
        "second.csv",
        &ratings_file(12_000).replace("\nr-", "\ns-"),
    );
    let out = hailong(&db, &["import", "ratings", &second]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(store.rating_count().await.unwrap(), 24_000);
    let incremental = store.aggregates_dump().await.unwrap();
    store.aggregates_rebuild().await.unwrap();
    assert_eq!(incremental, store.aggregates_dump().await.unwrap());
    let rows = store
        .rating_agg_by_key(s.province, dim::TOTAL, &[sep])
        .await
        .unwrap();
    let flagged: i64 = rows.iter().map(|(_, _, v)| v.flagged).sum();
    let ballots: i64 = rows.iter().map(|(_, _, v)| v.ballots()).sum();
    assert_eq!((ballots, flagged), (2 * (4000 - 80), 2 * 80));
}

/// A stored rating's fields, as `every_field_of_a_loaded_rating_is_stored_as_given` reads them.
#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Stored {
    channel: String,
    counter_id: Option<i64>,
    official_id: Option<i64>,
    unit_id: i64,
    form_version_id: i64,
    scale: i64,
    level: i64,
    reasons: String,
    answers: String,
    comment: Option<String>,
    dossier_code: Option<String>,
    rated_at: i64,
    received_at: i64,
    flag_reason: Option<String>,
    flagged: bool,
}

/// Every field of a loaded rating is stored as the file gives it, whichever way the rows reach
/// the database (SQLite's inserts, PostgreSQL's binary COPY): text with commas, quotes and
/// diacritics, empty fields as NULL, ids, scale and level, times (Vietnamese wall-clock time
/// in the file, UTC milliseconds stored), flags.
#[tokio::test]
async fn every_field_of_a_loaded_rating_is_stored_as_given() {
    let _shared = LOADS.read().await;
    let (db, _guard, store, s, dir) = setup().await;
    // A load big enough to go the bulk way (indexes and unique key built after the rows).
    let mut body = ratings_file(12_000);
    body.push_str("full-1,22525,Q2,VH02,qr,2026-10-01 08:05:30,5,1,attitude=1;handling=2,waiting|unclear,\"Chờ lâu, \"\"rất\"\" lâu\",22525-261001-0001,\n");
    body.push_str("bare-1,22516,,,web,2026-11-30 23:59:00,2,2,,,,,Bấm thử\n");
    let file = write(&dir, "fields.csv", &body);
    let out = hailong(&db, &["import", "ratings", &file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let vn = |y, m, d, h, min, sec| {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, sec)
            .unwrap()
            .and_utc()
            .timestamp_millis()
            - 7 * 3_600_000
    };
    let sql = "SELECT channel, counter_id, official_id, unit_id, form_version_id,
                      CAST(scale AS BIGINT) AS scale, CAST(level AS BIGINT) AS level, reasons,
                      answers, comment, dossier_code, rated_at, received_at, flag_reason,
                      flagged_at IS NOT NULL AS flagged
               FROM ratings WHERE idempotency_key = $1";
    let row = |key: &'static str| {
        let store = store.clone();
        async move {
            match store.db() {
                Db::Sqlite(p) => {
                    sqlx::query_as::<_, Stored>(sql)
                        .bind(key)
                        .fetch_one(p)
                        .await
                }
                Db::Postgres(p) => {
                    sqlx::query_as::<_, Stored>(sql)
                        .bind(key)
                        .fetch_one(p)
                        .await
                }
            }
            .unwrap()
        }
    };
    let at = vn(2026, 10, 1, 8, 5, 30);
    assert_eq!(
        row("full-1").await,
        Stored {
            channel: "qr".into(),
            counter_id: Some(s.counter2),
            official_id: Some(s.official2),
            unit_id: s.commune_a,
            form_version_id: s.form_version_id,
            scale: 5,
            level: 1,
            reasons: r#"["waiting","unclear"]"#.into(),
            answers: r#"{"attitude":1,"handling":2}"#.into(),
            comment: Some(r#"Chờ lâu, "rất" lâu"#.into()),
            dossier_code: Some("22525-261001-0001".into()),
            rated_at: at,
            received_at: at,
            flag_reason: None,
            flagged: false,
        }
    );
    let at = vn(2026, 11, 30, 23, 59, 0);
    assert_eq!(
        row("bare-1").await,
        Stored {
            channel: "web".into(),
            counter_id: None,
            official_id: None,
            unit_id: s.commune_b,
            form_version_id: s.form_version_id,
            scale: 2,
            level: 2,
            reasons: "[]".into(),
            answers: "{}".into(),
            comment: None,
            dossier_code: None,
            rated_at: at,
            received_at: at,
            flag_reason: Some("Bấm thử".into()),
            flagged: true,
        }
    );
}

#[tokio::test]
async fn a_bad_row_names_its_line_and_nothing_is_kept() {
    let _shared = LOADS.read().await;
    let (db, _guard, store, _s, dir) = setup().await;
    let good = "a,22525,Q1,VH01,kiosk,2026-10-01 08:00,3,5,,,,,\n";
    let cases = [
        (
            format!("{good}b,99999,,,kiosk,2026-10-01 08:00,3,5,,,,,\n"),
            "line 3: no unit with code '99999'",
        ),
        (
            format!("{good}b,22525,Q9,,kiosk,2026-10-01 08:00,3,5,,,,,\n"),
            "line 3: unit '22525' has no counter coded 'Q9'",
        ),
        (
            format!("{good}b,22525,,XX,kiosk,2026-10-01 08:00,3,5,,,,,\n"),
            "line 3: no official with code 'XX'",
        ),
        (
            format!("{good}b,22525,,,kiosk,2026-10-01 08:00,3,3,,,,,\n"),
            "line 3: level '3' is not a level of the 3-level scale",
        ),
        (
            format!("{good}b,22525,,,kiosk,2026-10-01 08:00,4,5,,,,,\n"),
            "line 3: 'scale' must be 2, 3 or 5",
        ),
        (
            format!("{good}b,22525,,,kiosk,01/10/2026,3,5,,,,,\n"),
            "line 3: 'rated_at' is not a local time",
        ),
        (
            format!("{good}b,22525,,,kiosk,2026-10-01 08:00,3,5,attitude,,,,\n"),
            "line 3: 'answers' must read question=level",
        ),
        (format!("{good}{good}"), "line 3"),
    ];
    for (i, (body, want)) in cases.iter().enumerate() {
        let file = write(&dir, &format!("bad{i}.csv"), &format!("{HEADER}{body}"));
        let out = hailong(&db, &["import", "ratings", &file]);
        assert!(!out.status.success(), "case {i} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "case {i}: want {want:?}, got {err}");
    }
    let out = hailong(
        &db,
        &[
            "import",
            "ratings",
            &write(&dir, "nocol.csv", "unit_code,level\n22525,5\n"),
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing column 'rated_at'"));
    assert_eq!(store.rating_count().await.unwrap(), 0);
    assert!(store.aggregates_dump().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_key_repeated_in_a_big_first_load_is_refused_by_its_line() {
    let _shared = LOADS.read().await;
    let (db, _guard, store, _s, dir) = setup().await;
    // Loads big enough to go in bulk (indexes dropped, checks off on SQLite, COPY on
    // PostgreSQL, where a violation surfaces only when the stream ends, and where the keys'
    // unique constraint is built after the rows of a load into an empty table) still name the
    // repeated key and its line: within the reader's first chunk (20,000 rows), and past it,
    // when the first `r-5` is already written.
    for rows in [12_000, 25_000] {
        let mut csv = ratings_file(rows);
        csv.push_str("r-5,22525,Q1,VH01,kiosk,2026-10-01 08:00,3,5,,,,,\n");
        let file = write(&dir, "repeat.csv", &csv);
        let out = hailong(&db, &["import", "ratings", &file]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        let line = format!("line {}: rating key 'r-5'", rows + 2);
        assert!(
            err.contains(&line) && err.contains("repeats an earlier line"),
            "{err}"
        );
        assert_eq!(store.rating_count().await.unwrap(), 0);
        assert!(store.aggregates_dump().await.unwrap().is_empty());
    }

    // Without the repeat the same rows load, and the key is unique again afterwards: a later
    // file that brings `r-5` once more is refused.
    let file = write(&dir, "fixed.csv", &ratings_file(25_000));
    let out = hailong(&db, &["import", "ratings", &file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let late = write(
        &dir,
        "late.csv",
        &format!("{HEADER}r-5,22525,Q1,VH01,kiosk,2026-10-01 08:00,3,5,,,,,\n"),
    );
    let out = hailong(&db, &["import", "ratings", &late]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("r-5") && err.contains("already stored"),
        "{err}"
    );
    assert_eq!(store.rating_count().await.unwrap(), 25_000);
}

/// A big first load on SQLite writes without the WAL when no other connection has the database
/// open (its commit then has no 2-GB checkpoint to make), and leaves the database in WAL mode
/// whether it succeeds or fails; with a connection open, as a server's, it keeps the WAL.
#[tokio::test]
async fn a_big_first_load_goes_without_the_wal_only_when_alone_and_leaves_the_wal_on() {
    let _alone = LOADS.write().await;
    let (db, _guard, store, _s, dir) = setup().await;
    // PostgreSQL has no journal mode to change.
    let Db::Sqlite(_) = store.db() else {
        return;
    };
    let path = db.strip_prefix("sqlite://").unwrap().to_string();
    let good = write(&dir, "good.csv", &ratings_file(12_000));
    let mut body = ratings_file(12_000);
    body.push_str("x,99999,,,kiosk,2026-10-01 08:00,3,5,,,,,\n");
    let bad = write(&dir, "bad.csv", &body);
    let load = |file: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hailong"))
            .env("HAILONG_LOG", "info")
            .env("NO_COLOR", "1")
            .args(["--database-url", &db, "import", "ratings", file])
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.success(), log)
    };
    // The file header's read and write versions: 2 in WAL mode, 1 with a rollback journal.
    let versions = || {
        let bytes = std::fs::read(&path).unwrap();
        (bytes[18], bytes[19])
    };
    let (ok, log) = load(&bad);
    assert!(!ok, "{log}");
    assert!(log.contains("first fill wal=true"), "{log}");
    assert!(
        log.contains("line 12002: no unit with code '99999'"),
        "{log}"
    );
    assert_eq!(store.rating_count().await.unwrap(), 0);
    // Closed, the store no longer holds the file.
    store.close().await;
    drop(store);
    assert_eq!(sqlite_lock_holders(&path), Vec::<String>::new());
    // Alone: without the WAL. A failed load keeps nothing and puts the WAL back.
    let (ok, log) = load(&bad);
    assert!(!ok, "{log}");
    assert!(
        log.contains("first fill wal=false"),
        "{log}\nheld by: {:?}",
        sqlite_lock_holders(&path)
    );
    assert_eq!(versions(), (2, 2));
    let (ok, log) = load(&good);
    assert!(ok, "{log}");
    assert!(log.contains("first fill wal=false"), "{log}");
    assert_eq!(versions(), (2, 2));
    let store = Store::connect(&db).await.unwrap();
    assert_eq!(store.rating_count().await.unwrap(), 12_000);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM ratings WHERE flagged_at IS NOT NULL"
        )
        .await,
        240
    );
}
