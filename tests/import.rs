//! `hailong import`: the real unit list, documented formats, and all-or-nothing loads whose
//! errors name the line.

mod common;

use std::process::Command;

use common::{count, fresh_database, hailong, write};
use hailong::store::Store;

#[tokio::test]
async fn the_national_unit_list_loads_whole_and_reloads_idempotently() {
    let (db, _guard) = fresh_database().await;
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/units-2025-07.csv"
    );
    let out = hailong(
        &db,
        &["import", "units", file, "--valid-from", "2025-07-01"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3355 created"));
    // The command closed the database: on SQLite its file alone, copied as a backup would be,
    // holds every unit (none left behind in a WAL beside it).
    if let Some(path) = db.strip_prefix("sqlite://") {
        let copy = format!("{path}.copy");
        std::fs::copy(path, &copy).unwrap();
        let backup = Store::connect(&format!("sqlite://{copy}")).await.unwrap();
        assert_eq!(count(&backup, "SELECT COUNT(*) FROM units").await, 3355);
        backup.close().await;
    }
    let store = Store::connect(&db).await.unwrap();
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM units WHERE level = 'province'"
        )
        .await,
        34
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM units WHERE level = 'commune'").await,
        3321
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM units WHERE level = 'commune' AND parent_id IS NULL"
        )
        .await,
        0
    );
    let van_hung = store.unit_by_code("22525").await.unwrap().unwrap();
    assert_eq!(van_hung.name, "Xã Vạn Hưng");
    assert_eq!(
        store.unit(van_hung.parent_id.unwrap()).await.unwrap().name,
        "Tỉnh Khánh Hòa"
    );
    assert_eq!(van_hung.valid_from.unwrap().to_string(), "2025-07-01");
    // Loading the same file again updates, never duplicates.
    let out = hailong(
        &db,
        &["import", "units", file, "--valid-from", "2025-07-01"],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 created, 3355 updated"));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM units").await, 3355);
}

#[tokio::test]
async fn a_bad_row_names_its_line_and_keeps_nothing() {
    let (db, _guard) = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    // Line 4 refers to a province code that exists nowhere: caught in the database pass.
    let units = write(
        &dir,
        "u.csv",
        "province_code,province_name,district_code,district_name,commune_code,commune_name\n\
        56,Tỉnh Khánh Hòa,568,Huyện Vạn Ninh,22525,Xã Vạn Hưng\n\
        56,Tỉnh Khánh Hòa,568,Huyện Vạn Ninh,22516,Xã Vạn Thắng\n\
        56,Tỉnh Khánh Hòa,,,22489,\n",
    );
    let out = hailong(&db, &["import", "units", &units]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 4") && err.contains("commune_name"),
        "{err}"
    );
    let store = Store::connect(&db).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(
        store.unit_count().await.unwrap(),
        0,
        "nothing of a failed import is kept"
    );

    // A good pre-2025 three-level file loads: communes under districts under the province.
    let good = write(
        &dir,
        "g.csv",
        "province_code,province_name,district_code,district_name,commune_code,commune_name,valid_to\n\
        56,Tỉnh Khánh Hòa,568,Huyện Vạn Ninh,22525,Xã Vạn Hưng,2025-06-30\n\
        56,Tỉnh Khánh Hòa,568,Huyện Vạn Ninh,22516,Xã Vạn Thắng,2025-06-30\n",
    );
    let out = hailong(&db, &["import", "units", &good]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(store.unit_count().await.unwrap(), 4);

    // Officials: an unknown unit code on line 3 fails the database pass; nothing is kept.
    let officials = write(
        &dir,
        "o.csv",
        "unit_code,code,full_name,title\n22525,VH01,Nguyễn Thị Lan,Công chức Tư pháp – Hộ tịch\n99999,VH02,Trần Văn Minh,\n",
    );
    let out = hailong(&db, &["import", "officials", &officials]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 3: no unit with code 99999"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM officials").await, 0);
    let officials = write(
        &dir,
        "o2.csv",
        "unit_code,code,full_name,title\n22525,VH01,Nguyễn Thị Lan,Công chức Tư pháp – Hộ tịch\n22525,VH02,Trần Văn Minh,\n",
    );
    assert!(
        hailong(&db, &["import", "officials", &officials])
            .status
            .success()
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM officials").await, 2);

    // Counters: a missing column is reported against the header line.
    let counters = write(
        &dir,
        "c.csv",
        "unit_code,center_name,counter_code\n22525,Bộ phận Một cửa,Q1\n",
    );
    let out = hailong(&db, &["import", "counters", &counters]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1: missing column 'counter_name'"));
    let counters = write(
        &dir,
        "c2.csv",
        "unit_code,center_name,counter_code,counter_name\n22525,Bộ phận Một cửa,Q1,Quầy 1\n22525,Bộ phận Một cửa,Q2,Quầy 2\n",
    );
    assert!(
        hailong(&db, &["import", "counters", &counters])
            .status
            .success()
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM counters").await, 2);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM service_centers").await,
        1
    );
}

#[tokio::test]
async fn admin_create_makes_an_account_that_can_sign_in() {
    let (db, _guard) = fresh_database().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hailong"))
        .args([
            "--database-url",
            &db,
            "admin",
            "create",
            "--username",
            "quantri",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"mat-khau-dai-du-10\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let store = Store::connect(&db).await.unwrap();
    let u = store.user_by_username("quantri").await.unwrap().unwrap();
    assert!(hailong::domain::password::verify(
        "mat-khau-dai-du-10",
        &u.password_hash
    ));
    // Too short a password is refused.
    let out = Command::new(env!("CARGO_BIN_EXE_hailong"))
        .args([
            "--database-url",
            &db,
            "admin",
            "create",
            "--username",
            "ngan",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("10"));
}
