//! Test harness: each test gets the real application on port 0 with a fresh database — a
//! temporary SQLite file, or a new PostgreSQL database when HAILONG_TEST_DATABASE_URL is set
//! (e.g. postgres://postgres@127.0.0.1:5432/postgres). The same tests run on both.
#![allow(dead_code)]

use std::sync::OnceLock;

use hailong::domain::form::FormDefinition;
use hailong::domain::role::Role;
use hailong::domain::unit::UnitLevel;
use hailong::store::Db;
use hailong::store::Store;
use hailong::store::officials::OfficialInput;
use hailong::store::units::UnitInput;
use hailong::store::users::UserInput;
use hailong::web::{Application, Settings};
use tokio::sync::oneshot;

pub const PASSWORD: &str = "mat-khau-thu-nghiem";

pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Best effort: a leftover test database is harmless.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(Db::Postgres(p)) =
                        Store::connect(&admin_url).await.map(|s| s.db().clone())
                    {
                        let _ = sqlx::query(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .execute(&p)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A fresh, migrated, empty database and its URL.
pub async fn fresh_database() -> (String, TestDb) {
    match std::env::var("HAILONG_TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            let name = format!("hl_test_{}", uuid::Uuid::new_v4().simple());
            let Db::Postgres(p) = Store::connect(&admin_url)
                .await
                .expect("connect to PostgreSQL")
                .db()
                .clone()
            else {
                unreachable!()
            };
            sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                .execute(&p)
                .await
                .expect("create test database");
            p.close().await;
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b)
                .unwrap_or(&admin_url);
            (
                format!("{base}/{name}"),
                TestDb::Postgres { admin_url, name },
            )
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            (url, TestDb::Sqlite(dir))
        }
    }
}

pub struct TestApp {
    pub addr: std::net::SocketAddr,
    pub base: String,
    pub store: Store,
    pub db_url: String,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    _db: TestDb,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub fn test_settings() -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Settings::default()
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(test_settings()).await
    }

    pub async fn spawn_with(settings: Settings) -> TestApp {
        let (db_url, db) = fresh_database().await;
        let store = Store::connect(&db_url).await.expect("connect");
        store.migrate().await.expect("migrate");
        let app = Application::build(store.clone(), settings)
            .await
            .expect("bind");
        let addr = app.local_addr();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            addr,
            base: format!("http://{addr}"),
            store,
            db_url,
            client,
            shutdown: Some(tx),
            _db: db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Signs in through the login form; returns the session cookie and its CSRF token.
    pub async fn login(&self, username: &str) -> Staff {
        let res = self
            .client
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", PASSWORD),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "login of {username} failed");
        let set = res
            .headers()
            .get("set-cookie")
            .expect("session cookie")
            .to_str()
            .unwrap()
            .to_string();
        let token = set
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_string();
        let csrf = self
            .store
            .session(&token)
            .await
            .unwrap()
            .expect("session")
            .csrf_token;
        Staff {
            cookie: format!("hl_session={token}"),
            csrf,
            token,
        }
    }

    /// Signs in through the API; returns a bearer token.
    pub async fn api_token(&self, username: &str) -> String {
        let res = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn get_as(&self, staff: &Staff, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("cookie", &staff.cookie)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_form_as(
        &self,
        staff: &Staff,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut f: Vec<(&str, &str)> = form.to_vec();
        f.push(("csrf", &staff.csrf));
        self.client
            .post(self.url(path))
            .header("cookie", &staff.cookie)
            .form(&f)
            .send()
            .await
            .unwrap()
    }

    /// Submits a kiosk rating with the standard form's two questions at `level`.
    pub async fn kiosk_rate(
        &self,
        token: &str,
        session_id: i64,
        form_version_id: i64,
        level: i16,
        key: &str,
        rated_at: i64,
    ) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/kiosk/ratings"))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "idempotency_key": key,
                "session_id": session_id,
                "form_version_id": form_version_id,
                "rated_at": rated_at,
                "answers": [{"question": "attitude", "level": level}, {"question": "handling", "level": level}],
            }))
            .send()
            .await
            .unwrap()
    }
}

pub struct Staff {
    pub cookie: String,
    pub csrf: String,
    pub token: String,
}

/// A province with two communes, one centre with two counters in commune A, officials, the
/// standard form, a kiosk at counter 1, and one account per role.
pub struct Seed {
    pub province: i64,
    pub commune_a: i64,
    pub commune_b: i64,
    pub center: i64,
    pub counter1: i64,
    pub counter2: i64,
    pub official1: i64,
    pub official2: i64,
    pub official_b: i64,
    pub form_id: i64,
    pub form_version_id: i64,
    pub kiosk_id: i64,
    pub kiosk_token: String,
}

fn password_hash() -> String {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| hailong::domain::password::hash(PASSWORD))
        .clone()
}

/// A unit in force from the start, as most tests create them.
pub fn unit_input(parent_id: Option<i64>, level: UnitLevel, code: &str, name: &str) -> UnitInput {
    UnitInput {
        parent_id,
        level,
        code: code.into(),
        name: name.into(),
        valid_from: None,
        valid_to: None,
    }
}

pub async fn seed(store: &Store) -> Seed {
    let unit = unit_input;
    let province = store
        .unit_create(&unit(None, UnitLevel::Province, "56", "Tỉnh Khánh Hòa"))
        .await
        .unwrap();
    let commune_a = store
        .unit_create(&unit(
            Some(province),
            UnitLevel::Commune,
            "22525",
            "Xã Vạn Hưng",
        ))
        .await
        .unwrap();
    let commune_b = store
        .unit_create(&unit(
            Some(province),
            UnitLevel::Commune,
            "22516",
            "Xã Vạn Thắng",
        ))
        .await
        .unwrap();
    let center = store
        .service_center_create(commune_a, "Bộ phận Một cửa xã Vạn Hưng", "")
        .await
        .unwrap();
    let counter1 = store
        .counter_create(center, "Q1", "Quầy 1", None)
        .await
        .unwrap();
    let counter2 = store
        .counter_create(center, "Q2", "Quầy 2", None)
        .await
        .unwrap();
    let off = |unit_id, code: &str, name: &str| OfficialInput {
        unit_id,
        code: code.into(),
        full_name: name.into(),
        title: "Công chức Tư pháp – Hộ tịch".into(),
        active: true,
    };
    let official1 = store
        .official_create(&off(commune_a, "VH01", "Nguyễn Thị Lan"))
        .await
        .unwrap();
    let official2 = store
        .official_create(&off(commune_a, "VH02", "Trần Văn Minh"))
        .await
        .unwrap();
    let official_b = store
        .official_create(&off(commune_b, "VT01", "Lê Thị Hoa"))
        .await
        .unwrap();
    let form_id = store
        .form_create("Phiếu chuẩn", &FormDefinition::standard())
        .await
        .unwrap();
    let form_version_id = store.form(form_id).await.unwrap().current_version_id;
    let (kiosk_id, kiosk_token) = store
        .kiosk_register(counter1, "Màn hình quầy 1")
        .await
        .unwrap();
    let h = password_hash();
    let user = |name: &str, role, unit_id, official_id| UserInput {
        username: name.into(),
        display_name: name.into(),
        role,
        unit_id,
        official_id,
    };
    store
        .user_create(&user("admin", Role::Admin, None, None), &h)
        .await
        .unwrap();
    store
        .user_create(&user("leader", Role::Leader, Some(commune_a), None), &h)
        .await
        .unwrap();
    store
        .user_create(&user("official", Role::Official, None, Some(official1)), &h)
        .await
        .unwrap();
    store
        .user_create(
            &user("inspector", Role::Inspector, Some(province), None),
            &h,
        )
        .await
        .unwrap();
    store
        .user_create(&user("leader_b", Role::Leader, Some(commune_b), None), &h)
        .await
        .unwrap();
    Seed {
        province,
        commune_a,
        commune_b,
        center,
        counter1,
        counter2,
        official1,
        official2,
        official_b,
        form_id,
        form_version_id,
        kiosk_id,
        kiosk_token,
    }
}

pub fn now_ms() -> i64 {
    hailong::domain::time::now_ms()
}

/// A dossier handed in at the desk by `name`, with nothing but the name on file.
pub fn desk_intake(
    unit_id: i64,
    procedure_id: i64,
    name: &str,
) -> hailong::store::dossiers::IntakeInput {
    hailong::store::dossiers::IntakeInput {
        unit_id,
        procedure_id,
        channel: hailong::domain::dossier::IntakeChannel::InPerson,
        applicant_name: name.into(),
        applicant_phone: String::new(),
        applicant_id_number: String::new(),
        applicant_address: String::new(),
        documents: vec![],
        return_method: hailong::domain::dossier::ReturnMethod::Desk,
        received_by: None,
        counter_id: None,
        user_id: None,
    }
}

/// Đăng ký khai sinh (1.001193), a commune procedure of 3 working days, fully online.
pub async fn birth_registration_procedure(store: &Store) -> i64 {
    use hailong::domain::limit::TimeLimit;
    use hailong::domain::procedure::{OnlineLevel, ProcedureLevel};
    use hailong::store::procedures::ProcedureInput;
    store
        .procedure_create(
            &ProcedureInput {
                code: "1.001193".into(),
                name: "Đăng ký khai sinh".into(),
                field: "Hộ tịch".into(),
                level: ProcedureLevel::Commune,
                agency: "UBND cấp xã".into(),
                legal_limit: TimeLimit::WorkingDays(3),
                limit_note: String::new(),
                fees: String::new(),
                documents: vec![],
                legal_basis: String::new(),
                online_level: OnlineLevel::Full,
                active: true,
            },
            None,
        )
        .await
        .unwrap()
}

/// A test file's WAL test takes it to run its loads alone; the file's other tests that spawn
/// loads share it. Taken when the holder that such a load sometimes found was suspected among
/// the other tests; it was the test's own closed pool (see `Store::close`). Kept so that the
/// WAL tests' loads do not share the two cores with other loads.
pub static LOADS: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// Runs the `hailong` command line on `db`.
pub fn hailong(db: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hailong"))
        .args(["--database-url", db])
        .args(args)
        .output()
        .expect("run hailong")
}

/// The processes holding a lock on the SQLite database at `path` (its file or its `-shm`),
/// from Linux's lock table, as "pid N (command)".
pub fn sqlite_lock_holders(path: &str) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let inodes: Vec<u64> = [path.to_string(), format!("{path}-shm")]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok().map(|m| m.ino()))
        .collect();
    let table = std::fs::read_to_string("/proc/locks").unwrap_or_default();
    let mut holders: Vec<String> = table
        .lines()
        .filter_map(|line| {
            // "1: POSIX  ADVISORY  READ 1234 08:01:5678 128 128"
            let fields: Vec<&str> = line.split_whitespace().collect();
            let ino: u64 = fields.get(5)?.rsplit(':').next()?.parse().ok()?;
            inodes.contains(&ino).then(|| {
                let pid = fields[4];
                let cmd = std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                    .unwrap_or_default()
                    .replace('\0', " ");
                format!("pid {pid} ({})", cmd.trim())
            })
        })
        .collect();
    holders.sort();
    holders.dedup();
    holders
}

/// Writes a file into `dir` and returns its path.
pub fn write(dir: &tempfile::TempDir, name: &str, body: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

/// A number read by SQL on either database.
pub async fn count(store: &Store, sql: &str) -> i64 {
    match store.db() {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}
