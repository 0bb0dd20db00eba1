//! `hailong import dossiers`: a unit's past dossiers load all or nothing, codes are generated
//! with the intake's daily sequence (and later intakes continue after them), errors name the
//! line — on both databases.

mod common;

use std::fmt::Write as _;

use chrono::{Duration, NaiveDate, TimeZone};
use chrono_tz::Asia::Ho_Chi_Minh;
use common::{LOADS, count, fresh_database, hailong, seed, sqlite_lock_holders, write};
use hailong::domain::dossier::{IntakeChannel, ReturnMethod, Status};
use hailong::domain::limit::TimeLimit;
use hailong::store::{Db, Store};

fn local_ms(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    Ho_Chi_Minh
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .unwrap()
        .timestamp_millis()
}

/// A seeded database with the birth-registration procedure (3 working days).
async fn setup() -> (String, common::TestDb, Store, common::Seed, i64) {
    let (db, guard) = fresh_database().await;
    let store = Store::connect(&db).await.unwrap();
    store.migrate().await.unwrap();
    let s = seed(&store).await;
    let p = common::birth_registration_procedure(&store).await;
    (db, guard, store, s, p)
}

const HEADER: &str = "code,unit_code,procedure_code,channel,applicant_name,received_at,due_at,status,finished_at,returned_at,supplement_count,return_method\n";

#[tokio::test]
async fn thousands_of_past_dossiers_load_with_generated_codes_that_later_intakes_continue() {
    let _shared = LOADS.read().await;
    let (db, _guard, store, s, p) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    // 3,000 dossiers, twelve a day from Monday 6 January 2020; every tenth returned late by a
    // day, the rest returned on receipt day + 2; one in 100 still in progress.
    let mut csv = String::from("\u{feff}");
    csv.push_str(HEADER);
    let first = NaiveDate::from_ymd_opt(2020, 1, 6).unwrap();
    for i in 0..3000u32 {
        let day = first + Duration::days(i64::from(i / 12));
        let t = format!("{} {:02}:{:02}", day, 7 + (i % 12) / 3, (i % 3) * 20);
        let due = format!("{} 16:00", day + Duration::days(3));
        let code = if i == 5 { "22525-200106-0050" } else { "" };
        let channel = ["in_person", "2", "post"][(i % 3) as usize];
        let line = if i % 100 == 99 {
            format!("{code},22525,1.001193,{channel},Người nộp {i},{t},{due},in_progress,,,0,\n")
        } else {
            let finished = if i % 10 == 0 {
                day + Duration::days(4)
            } else {
                day + Duration::days(2)
            };
            format!(
                "{code},22525,1.001193,{channel},\"Nguyễn Văn {i}, thôn 1\",{t},{due},10,{finished} 10:00,{finished} 15:30,{},home\n",
                i % 2
            )
        };
        csv.push_str(&line);
    }
    // One row without a due time: received Monday 23/11/2026 08:00, 3 working days with the
    // Tuesday holiday gives Friday 08:00.
    csv.push_str(",22525,1.001193,,Trần Thị Mai,2026-11-23 08:00,,received,,,,\n");
    let file = write(&dir, "past.csv", &csv);
    let out = hailong(&db, &["import", "dossiers", &file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("3001 imported, 3000 codes generated"),
        "{stdout}"
    );

    assert_eq!(count(&store, "SELECT COUNT(*) FROM dossiers").await, 3001);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM dossiers WHERE imported").await,
        3001
    );
    // The import is on each dossier, not a history row per dossier.
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM dossiers WHERE imported_at IS NOT NULL"
        )
        .await,
        3001
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM dossier_events").await,
        0
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM dossiers WHERE status = 10").await,
        2970
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM dossiers WHERE status = 4").await,
        30
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM dossiers WHERE channel = 2").await,
        1000
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM dossiers WHERE return_method = 'home'"
        )
        .await,
        2970
    );
    assert_eq!(
        count(&store, "SELECT SUM(supplement_count) FROM dossiers").await,
        1470
    );
    // Returned a day after the due date: every tenth of the 2,970 finished ones.
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM dossiers WHERE finished_at > due_at"
        )
        .await,
        300
    );
    // Look-up secrets are random, not shared.
    assert!(count(&store, "SELECT COUNT(DISTINCT lookup_secret) FROM dossiers").await > 2900);

    // Day one had twelve rows: the given code 0050, and eleven generated after it.
    let day1 = count(
        &store,
        "SELECT COUNT(*) FROM dossiers WHERE code LIKE '22525-200106-%'",
    )
    .await;
    assert_eq!(day1, 12);
    for n in [51, 61] {
        let code = format!("22525-200106-{n:04}");
        assert!(
            store.dossier_by_code(&code).await.unwrap().is_some(),
            "{code}"
        );
    }
    assert!(
        store
            .dossier_by_code("22525-200106-0062")
            .await
            .unwrap()
            .is_none()
    );
    let d = store
        .dossier_by_code("22525-200107-0001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.received_at, Some(local_ms(2020, 1, 7, 7, 0)));
    assert_eq!(d.due_at, Some(local_ms(2020, 1, 10, 16, 0)));
    assert_eq!(d.status, Status::ResultReturned);
    assert_eq!(d.time_limit, TimeLimit::WorkingDays(3));
    assert_eq!(d.applicant_name, "Nguyễn Văn 12, thôn 1");
    assert_eq!(d.channel, IntakeChannel::InPerson);
    assert_eq!(d.return_method, ReturnMethod::Home);
    assert_eq!(d.finished_at, Some(local_ms(2020, 1, 9, 10, 0)));
    assert_eq!(d.returned_at, Some(local_ms(2020, 1, 9, 15, 30)));
    let mai = store
        .dossier_by_code("22525-261123-0001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mai.due_at, Some(local_ms(2026, 11, 27, 8, 0)));
    assert_eq!(mai.status, Status::Received);
    let history = store.dossier_events(mai.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].action, "import");
    assert_eq!(history[0].to_status, Status::Received.code());
    // Once handled, the history still begins with the import, in the status it came with.
    let started = store
        .dossier_act(
            mai.id,
            &hailong::store::dossiers::ActInput {
                action: hailong::domain::dossier::Action::Start,
                note: String::new(),
                return_method: None,
                official_id: None,
                user_id: None,
                at: hailong::domain::time::now_ms(),
            },
        )
        .await
        .unwrap();
    let history = store.dossier_events(mai.id).await.unwrap();
    let steps: Vec<(&str, Option<i16>, i16)> = history
        .iter()
        .map(|e| (e.action.as_str(), e.from_status, e.to_status))
        .collect();
    assert_eq!(
        steps,
        [
            ("import", None, Status::Received.code()),
            (
                "start",
                Some(Status::Received.code()),
                started.status.code()
            ),
        ]
    );
    assert!(history[0].at <= history[1].at);

    // A dossier received today at the desk on an imported day continues the numbering.
    let next = store
        .dossier_intake(
            &common::desk_intake(s.commune_a, p, "Lê Văn Tám"),
            local_ms(2020, 1, 6, 16, 0),
            [9; 6],
        )
        .await
        .unwrap();
    assert_eq!(next.code, "22525-200106-0062");
}

#[tokio::test]
async fn a_bad_row_names_its_line_and_nothing_is_kept() {
    let _shared = LOADS.read().await;
    let (db, _guard, store, _s, _p) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let good =
        ",22525,1.001193,1,An,2020-03-02 08:00,,10,2020-03-03 09:00,2020-03-03 10:00,0,desk\n";
    let cases: Vec<(String, &str)> = vec![
        (
            format!("{good}{good},99999,1.001193,1,Bình,2020-03-02 08:00,,2,,,,\n"),
            "line 4: no unit with code '99999'",
        ),
        (
            format!("{good},22525,9.999999,1,Bình,2020-03-02 08:00,,2,,,,\n"),
            "line 3: no procedure with code '9.999999'",
        ),
        (
            format!("{good},22525,1.001193,1,Bình,02/03/2020 08:00,,2,,,,\n"),
            "line 3: 'received_at' is not a local time",
        ),
        (
            format!("{good},22525,1.001193,1,Bình,2020-03-02 08:00,,10,,,,\n"),
            "line 3: a dossier whose status is",
        ),
        (
            format!("{good},22525,1.001193,1,Bình,2020-03-02 08:00,,11,,,,\n"),
            "line 3: 'status' must be a national status code",
        ),
        (
            format!("{good},22525,1.001193,fax,Bình,2020-03-02 08:00,,2,,,,\n"),
            "line 3: 'channel' must be",
        ),
        (
            format!("{good},22525,1.001193,1,Bình,2020-03-02 08:00,,9,2020-03-01 08:00,,,\n"),
            "line 3: finished_at is before received_at",
        ),
        (
            format!(
                "HS-1,22525,1.001193,1,An,2020-03-02 08:00,,2,,,,\n{good}HS-1,22525,1.001193,1,Bình,2020-03-02 08:00,,2,,,,\n"
            ),
            "line 4: dossier code HS-1 already given on line 2",
        ),
        (
            format!("{good},22525,1.001193,1,,2020-03-02 08:00,,2,,,,\n"),
            "line 3: 'applicant_name' is empty",
        ),
    ];
    for (i, (body, want)) in cases.iter().enumerate() {
        let file = write(&dir, &format!("bad{i}.csv"), &format!("{HEADER}{body}"));
        let out = hailong(&db, &["import", "dossiers", &file]);
        assert!(!out.status.success(), "case {i} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "case {i}: want {want:?}, got {err}");
    }
    let file = write(
        &dir,
        "nocol.csv",
        "unit_code,procedure_code\n22525,1.001193\n",
    );
    let out = hailong(&db, &["import", "dossiers", &file]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing column 'applicant_name'"));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM dossiers").await, 0);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM dossier_events").await,
        0
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM dossier_sequences").await,
        0
    );
}

#[tokio::test]
async fn a_code_repeated_in_a_later_chunk_of_the_file_names_its_line() {
    let _shared = LOADS.read().await;
    let (db, _guard, store, _s, _p) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    // The CLI reads 20,000 rows a chunk: line 20,002 is the first of the second.
    let mut body = String::from(HEADER);
    body.push_str("HS-A,22525,1.001193,1,An,2020-03-02 08:00,,4,,,,\n");
    for i in 0..19_999 {
        let _ = writeln!(
            body,
            ",22525,1.001193,1,Bình,2020-03-{:02} 08:{:02},,4,,,,",
            2 + i % 20,
            i % 60
        );
    }
    body.push_str("HS-B,22525,1.001193,1,Cường,2020-03-02 08:00,,4,,,,\n");
    body.push_str("hs-a,22525,1.001193,1,Dũng,2020-03-02 08:00,,4,,,,\n");
    let out = hailong(
        &db,
        &["import", "dossiers", &write(&dir, "repeat.csv", &body)],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // SQLite's first fill puts the two lines side by side in code order.
    let want = match store.db() {
        Db::Sqlite(_) => "line 20003: dossier code HS-A already given on line 2",
        Db::Postgres(_) => "line 20003: dossier code HS-A repeats an earlier line of the file",
    };
    assert!(err.contains(want), "{err}");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM dossiers").await, 0);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM dossier_sequences").await,
        0
    );
}

#[tokio::test]
async fn numbering_in_a_later_chunk_continues_after_codes_given_in_an_earlier_one() {
    let _shared = LOADS.read().await;
    let (db, _guard, store, _s, _p) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    // The first chunk (20,000 rows) gives the codes 0001–1000 of 2 March 2020 to its first
    // rows; rows of that day without a code in the second chunk are numbered after them.
    let mut body = String::from(HEADER);
    for i in 0..20_000 {
        let code = if i < 1000 {
            format!("22525-200302-{:04}", i + 1)
        } else {
            String::new()
        };
        let day = if i < 1000 { 2 } else { 3 + i % 20 };
        let _ = writeln!(
            body,
            "{code},22525,1.001193,1,Bình,2020-03-{day:02} 08:{:02},,4,,,,",
            i % 60
        );
    }
    body.push_str(",22525,1.001193,1,Cường,2020-03-02 09:00,,4,,,,\n");
    body.push_str(",22525,1.001193,1,Dũng,2020-03-02 10:00,,4,,,,\n");
    let out = hailong(
        &db,
        &["import", "dossiers", &write(&dir, "later.csv", &body)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (code, name) in [
        ("22525-200302-1001", "Cường"),
        ("22525-200302-1002", "Dũng"),
    ] {
        let d = store.dossier_by_code(code).await.unwrap();
        assert_eq!(d.map(|d| d.applicant_name).as_deref(), Some(name), "{code}");
    }
    assert_eq!(
        count(&store, "SELECT COUNT(DISTINCT code) FROM dossiers").await,
        20_002
    );
}

#[tokio::test]
async fn a_row_without_a_code_is_numbered_after_its_days_given_codes_wherever_chunks_part() {
    let _shared = LOADS.read().await;
    let (db, _guard, store, _s, _p) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    // 19,999 codes of 1 March, then code 0001 of 2 March: the 20,000th row in the file's
    // order and in code order, the last of the first chunk. The row of 2 March without a code
    // comes in the second chunk and takes the next number.
    let mut body = String::from(HEADER);
    for i in 1..20_000 {
        let _ = writeln!(
            body,
            "22525-200301-{i:05},22525,1.001193,1,Bình,2020-03-01 08:{:02},,4,,,,",
            i % 60
        );
    }
    body.push_str(
        "22525-200302-0001,22525,1.001193,1,An,2020-03-02 08:00,,4,,,,
",
    );
    body.push_str(
        ",22525,1.001193,1,Cường,2020-03-02 09:00,,4,,,,
",
    );
    let out = hailong(
        &db,
        &["import", "dossiers", &write(&dir, "parted.csv", &body)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (code, name) in [("22525-200302-0001", "An"), ("22525-200302-0002", "Cường")] {
        let d = store.dossier_by_code(code).await.unwrap();
        assert_eq!(d.map(|d| d.applicant_name).as_deref(), Some(name), "{code}");
    }
}

#[tokio::test]
async fn a_first_fill_writes_without_the_wal_only_when_alone_and_leaves_the_wal_on() {
    let _alone = LOADS.write().await;
    let (db, _guard, store, _s, _p) = setup().await;
    // PostgreSQL has no journal mode to change.
    let Db::Sqlite(pool) = store.db().clone() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::from(HEADER);
    given_code_rows(&mut body, 30_000);
    let file = write(&dir, "first.csv", &body);
    let load = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_hailong"))
            .env("HAILONG_LOG", "info")
            .env("NO_COLOR", "1")
            .args(["--database-url", &db, "import", "dossiers", &file])
            .output()
            .unwrap()
    };
    let path = db.strip_prefix("sqlite://").unwrap().to_string();
    // The file header's read and write versions: 2 in WAL mode, 1 with a rollback journal.
    let versions = || {
        let bytes = std::fs::read(&path).unwrap();
        (bytes[18], bytes[19])
    };
    // This test's own connection has the database open, as a server would: the load goes
    // through the WAL and the reader is not locked out.
    let out = load();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("first fill wal=true"), "{log}");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM dossiers").await, 30_000);
    // Emptied again, and with no other connection open: written without the WAL, which is
    // back on afterwards, with every row.
    sqlx::query("DELETE FROM dossiers")
        .execute(&pool)
        .await
        .unwrap();
    // Closed, the store no longer holds the file.
    store.close().await;
    drop(store);
    assert_eq!(sqlite_lock_holders(&path), Vec::<String>::new());
    let out = load();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("first fill wal=false"),
        "{log}\nheld by: {:?}",
        sqlite_lock_holders(&path)
    );
    assert_eq!(versions(), (2, 2));
    let store = Store::connect(&db).await.unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM dossiers").await, 30_000);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM dossiers WHERE code = '22525-200321-1500'"
        )
        .await,
        1
    );
}

/// `n` rows of unit 22525 with given codes of past days: chunks that need nothing of the
/// database, which PostgreSQL writes through one COPY kept open across them.
fn given_code_rows(body: &mut String, n: usize) {
    for i in 0..n {
        let day = 2 + i % 20;
        let _ = writeln!(
            body,
            "22525-2003{day:02}-{:04},22525,1.001193,1,Bình,2020-03-{day:02} 08:{:02},,10,2020-03-{day:02} 15:00,2020-03-{day:02} 16:00,{},desk",
            1 + i / 20,
            i % 60,
            i % 3
        );
    }
}

#[tokio::test]
async fn a_load_written_through_one_open_copy_numbers_after_its_codes_and_keeps_every_field() {
    let _shared = LOADS.read().await;
    let (db, _guard, store, _s, _p) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    // Two chunks of given codes (numbers 0001–2000 on each of 20 days), then a third chunk whose
    // rows without a code need the day's sequence: they are numbered after the given ones.
    let mut body = String::from(HEADER);
    given_code_rows(&mut body, 40_000);
    body.push_str(",22525,1.001193,1,Cường,2020-03-02 09:00,,4,,,,\n");
    let out = hailong(
        &db,
        &["import", "dossiers", &write(&dir, "open.csv", &body)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM dossiers").await, 40_001);
    let numbered = store
        .dossier_by_code("22525-200302-2001")
        .await
        .unwrap()
        .expect("numbered after the 2,000 given codes of its day");
    assert_eq!(numbered.applicant_name, "Cường");
    // A row of the second chunk, field by field as the file gave it.
    let d = store
        .dossier_by_code("22525-200321-1999")
        .await
        .unwrap()
        .expect("a row of the second chunk");
    assert_eq!(d.status, Status::ResultReturned);
    assert_eq!(d.received_at, Some(local_ms(2020, 3, 21, 8, 19)));
    assert_eq!(d.finished_at, Some(local_ms(2020, 3, 21, 15, 0)));
    assert_eq!(d.returned_at, Some(local_ms(2020, 3, 21, 16, 0)));
    assert_eq!(d.supplement_count, 39_979 % 3);
    assert_eq!(d.time_limit, TimeLimit::WorkingDays(3));
    assert_eq!(d.return_method, ReturnMethod::Desk);
    assert!(
        d.due_at
            .is_some_and(|due| due > local_ms(2020, 3, 21, 8, 19))
    );
    // The keys a first fill builds after its rows are in force again: an event of a stored
    // dossier is taken, one of a dossier that does not exist is refused.
    let last = count(&store, "SELECT MAX(id) FROM dossiers").await;
    let event = "INSERT INTO dossier_events (dossier_id, at, action, to_status)
                 VALUES ($1, 0, 'note', 4)";
    for (id, taken) in [(last, true), (last + 1, false)] {
        let done = match store.db() {
            Db::Sqlite(p) => sqlx::query(event).bind(id).execute(p).await.is_ok(),
            Db::Postgres(p) => sqlx::query(event).bind(id).execute(p).await.is_ok(),
        };
        assert_eq!(done, taken, "event of dossier {id}");
    }
}

#[tokio::test]
async fn a_code_repeated_after_an_open_copy_names_its_line() {
    let _shared = LOADS.read().await;
    let (db, _guard, store, _s, _p) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    // Lines 2–40,001 give codes through one COPY; line 40,003 repeats line 2's.
    let mut body = String::from(HEADER);
    given_code_rows(&mut body, 40_000);
    body.push_str("22525-200321-9999,22525,1.001193,1,An,2020-03-21 08:00,,4,,,,\n");
    body.push_str("22525-200302-0001,22525,1.001193,1,An,2020-03-02 08:00,,4,,,,\n");
    let out = hailong(
        &db,
        &["import", "dossiers", &write(&dir, "repeat.csv", &body)],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // SQLite's first fill writes in code order: the repeat then meets line 2 in its chunk.
    let want = match store.db() {
        Db::Sqlite(_) => "line 40003: dossier code 22525-200302-0001 already given on line 2",
        Db::Postgres(_) => {
            "line 40003: dossier code 22525-200302-0001 repeats an earlier line of the file"
        }
    };
    assert!(err.contains(want), "{err}");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM dossiers").await, 0);
    // A code given twice within a chunk that follows the open COPY: named by both its lines.
    let mut body = String::from(HEADER);
    given_code_rows(&mut body, 40_000);
    body.push_str("22525-200321-9999,22525,1.001193,1,An,2020-03-21 08:00,,4,,,,\n");
    body.push_str(",22525,1.001193,1,Bình,2020-03-21 08:00,,4,,,,\n");
    body.push_str("22525-200321-9999,22525,1.001193,1,An,2020-03-21 08:00,,4,,,,\n");
    let out = hailong(
        &db,
        &["import", "dossiers", &write(&dir, "twice.csv", &body)],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 40004: dossier code 22525-200321-9999 already given on line 40002"),
        "{err}"
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM dossiers").await, 0);
}

#[tokio::test]
async fn codes_already_in_the_database_are_refused() {
    let _shared = LOADS.read().await;
    let (db, _guard, store, _s, _p) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let first = write(
        &dir,
        "first.csv",
        &format!(
            "{HEADER}22525-200302-0001,22525,1.001193,1,An,2020-03-02 08:00,,4,,,,\n,22525,1.001193,1,Bình,2020-03-02 09:00,,4,,,,\n"
        ),
    );
    let out = hailong(&db, &["import", "dossiers", &first]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The generated code followed the given one.
    assert!(
        store
            .dossier_by_code("22525-200302-0002")
            .await
            .unwrap()
            .is_some()
    );
    let again = write(
        &dir,
        "again.csv",
        &format!(
            "{HEADER},22525,1.001193,1,Cường,2020-03-05 08:00,,4,,,,\n22525-200302-0002,22525,1.001193,1,Dũng,2020-03-02 08:00,,4,,,,\n"
        ),
    );
    let out = hailong(&db, &["import", "dossiers", &again]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3: dossier code 22525-200302-0002 already exists"),
        "{err}"
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM dossiers").await, 2);
    // The rolled-back import reserved no number for 5 March.
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM dossier_sequences").await,
        1
    );
    let mut many = String::from(HEADER);
    for _ in 0..3 {
        let _ = writeln!(many, ",22525,1.001193,1,Em,2020-03-02 10:00,,4,,,,");
    }
    let out = hailong(
        &db,
        &["import", "dossiers", &write(&dir, "more.csv", &many)],
    );
    assert!(out.status.success());
    assert!(
        store
            .dossier_by_code("22525-200302-0005")
            .await
            .unwrap()
            .is_some()
    );
}

/// Migration 0022 rebuilds SQLite's `dossiers` (so that a first load can drop the code index):
/// a database from before it keeps its dossiers, their history and their unique codes.
#[tokio::test]
async fn dossiers_their_history_and_unique_codes_survive_the_rebuild_of_migration_0022() {
    let _shared = LOADS.read().await;
    let (db, _guard) = fresh_database().await;
    let store = Store::connect(&db).await.unwrap();
    macro_rules! up_to_0021 {
        ($folder:literal, $pool:expr) => {{
            let mut m = sqlx::migrate!($folder);
            m.migrations = m
                .migrations
                .iter()
                .filter(|x| x.version <= 21)
                .cloned()
                .collect::<Vec<_>>()
                .into();
            m.run($pool).await.unwrap();
        }};
    }
    match store.db() {
        Db::Sqlite(p) => up_to_0021!("migrations/sqlite", p),
        Db::Postgres(p) => up_to_0021!("migrations/postgres", p),
    }
    let s = seed(&store).await;
    let p = common::birth_registration_procedure(&store).await;
    let d = store
        .dossier_intake(
            &common::desk_intake(s.commune_a, p, "Lê Văn Tám"),
            local_ms(2026, 11, 23, 8, 0),
            [9; 6],
        )
        .await
        .unwrap();
    let history = store.dossier_events(d.id).await.unwrap();
    assert!(!history.is_empty());

    store.migrate().await.unwrap();

    let after = store.dossier(d.id).await.unwrap();
    assert_eq!(after.code, d.code);
    assert_eq!(after.applicant_name, "Lê Văn Tám");
    assert_eq!(after.due_at, d.due_at);
    assert_eq!(
        store.dossier_events(d.id).await.unwrap().len(),
        history.len()
    );
    // The code is still a unique key: a second row with it is refused.
    let copy = "INSERT INTO dossiers (code, lookup_secret, unit_id, procedure_id, channel, status,
        applicant_name, limit_kind, limit_value, registered_at, updated_at)
        SELECT code, lookup_secret, unit_id, procedure_id, channel, status, applicant_name,
        limit_kind, limit_value, registered_at, updated_at FROM dossiers";
    let refused = match store.db() {
        Db::Sqlite(p) => sqlx::query(copy).execute(p).await.err(),
        Db::Postgres(p) => sqlx::query(copy).execute(p).await.err(),
    };
    assert!(
        refused.is_some_and(|e| e
            .as_database_error()
            .is_some_and(|e| e.is_unique_violation())),
        "a repeated code must be refused"
    );
    // Foreign keys still lead from the history to the rebuilt table.
    if let Db::Sqlite(p) = store.db() {
        let broken: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(p)
                .await
                .unwrap();
        assert!(broken.is_empty(), "{broken:?}");
        let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(p)
            .await
            .unwrap();
        assert_eq!(on, 1, "the pool's connections keep foreign keys on");
    }
}

#[tokio::test]
async fn dossiers_received_at_a_counter_count_towards_its_response_rate() {
    use hailong::domain::aggregate::{DossierCounts, dossier_dim};
    use hailong::domain::period::month_key;
    use hailong::domain::time::Month;

    let _shared = LOADS.read().await;
    let (db, _guard, store, s, _p) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let header = "unit_code,procedure_code,applicant_name,received_at,status,finished_at,returned_at,official_code,counter_code\n";
    let row = |counter: &str| {
        format!(
            "22525,1.001193,An,2026-10-05 08:00,10,2026-10-06 09:00,2026-10-06 10:00,VH01,{counter}\n"
        )
    };
    // A code the unit's desk does not have is refused with its line, and nothing is kept.
    let bad = write(
        &dir,
        "bad.csv",
        &format!("{header}{}{}", row("Q1"), row("Q9")),
    );
    let out = hailong(&db, &["import", "dossiers", &bad]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3: unit '22525' has no counter coded 'Q9'"),
        "{err}"
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM dossiers").await, 0);

    // Three handed back after intake at Q1, one at Q2, one with no counter known.
    let body = [row("Q1"), row(" Q1 "), row("Q1"), row("Q2"), row("")].concat();
    let file = write(&dir, "past.csv", &format!("{header}{body}"));
    let out = hailong(&db, &["import", "dossiers", &file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let at = |id: i64| format!("SELECT COUNT(*) FROM dossiers WHERE counter_id = {id}");
    assert_eq!(count(&store, &at(s.counter1)).await, 3);
    assert_eq!(count(&store, &at(s.counter2)).await, 1);

    // The dashboard's counters read these returns, and a rebuild from the raw rows agrees.
    let october = [month_key(Month::new(2026, 10).unwrap())];
    let returned = |rows: Vec<(i64, DossierCounts)>| {
        let mut v: Vec<(i64, i64)> = rows.into_iter().map(|(k, c)| (k, c.returned)).collect();
        v.sort();
        v
    };
    let incremental = store
        .dossier_agg_by_key(s.commune_a, dossier_dim::COUNTER, &october)
        .await
        .unwrap();
    assert_eq!(
        returned(incremental),
        [(0, 1), (s.counter1, 3), (s.counter2, 1)]
    );
    store.aggregates_rebuild().await.unwrap();
    let rebuilt = store
        .dossier_agg_by_key(s.commune_a, dossier_dim::COUNTER, &october)
        .await
        .unwrap();
    assert_eq!(
        returned(rebuilt),
        [(0, 1), (s.counter1, 3), (s.counter2, 1)]
    );
    let unit = store.unit(s.commune_a).await.unwrap();
    let d = hailong::report::dashboard::Dashboard::build(
        &store,
        &unit,
        hailong::domain::period::Period::month(Month::new(2026, 10).unwrap()),
        30,
    )
    .await
    .unwrap();
    let q1 = d
        .counters
        .iter()
        .find(|c| c.counter_id == Some(s.counter1))
        .unwrap();
    assert_eq!(q1.returned, 3);
    // Nobody rated: 0 ballots for 3 results handed back.
    assert_eq!(q1.response_rate, Some(0.0));
}
