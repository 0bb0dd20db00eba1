//! The counter kiosk in a real browser: Debian's Chromium driven through chromedriver, against
//! the real `hailong` binary run as a child process (one test stops and restarts it).
//!
//! Run with `cargo test --features browser --test browser -- --test-threads=1`.
//! Needs /usr/bin/chromium and /usr/bin/chromedriver (`apt-get install chromium chromium-driver`).
//!
//! The WebDriver protocol is spoken directly over HTTP with reqwest: it is a handful of JSON
//! calls, and it needs no TLS connector for a driver on localhost.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hailong::store::Store;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
const WAIT: Duration = Duration::from_secs(10);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .unwrap()
        .port()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

// ------------------------------------------------------------------------------------ server

/// The `hailong serve` child process; killed when dropped.
struct Server {
    child: Option<Child>,
    port: u16,
    db_url: String,
    log: PathBuf,
}

impl Server {
    async fn start(port: u16, db_url: &str, log: &Path) -> Server {
        let mut s = Server {
            child: None,
            port,
            db_url: db_url.to_owned(),
            log: log.to_owned(),
        };
        s.restart().await;
        s
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn restart(&mut self) {
        assert!(self.child.is_none(), "server already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("server log");
        let child = Command::new(env!("CARGO_BIN_EXE_hailong"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{}", self.port),
                "--database-url",
                &self.db_url,
                "--kiosk-repeat-seconds",
                "2",
            ])
            .env_remove("HAILONG_DATABASE_URL")
            .env_remove("HAILONG_DEMO")
            .env_remove("HAILONG_KIOSK_IDLE_SECONDS")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start the hailong binary");
        self.child = Some(child);
        let url = format!("{}/healthz", self.base());
        let client = http();
        let start = Instant::now();
        loop {
            if let Ok(r) = client.get(&url).send().await
                && r.status() == 200
            {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "the server exited ({status}): {}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the server did not become healthy: {}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: the server vanishes as on a power cut.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A seeded SQLite database (the browser tests always use SQLite: they run the binary).
struct Db {
    _dir: tempfile::TempDir,
    url: String,
    log: PathBuf,
    store: Store,
    seed: common::Seed,
}

async fn database(official_on_duty: bool) -> Db {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let seed = common::seed(&store).await;
    if official_on_duty {
        store
            .counter_sign_in(seed.counter1, seed.official1)
            .await
            .unwrap();
    }
    let log = dir.path().join("server.log");
    Db {
        _dir: dir,
        url,
        log,
        store,
        seed,
    }
}

impl Db {
    async fn count(&self) -> i64 {
        self.store.rating_count().await.unwrap()
    }

    /// (idempotency key, level, reasons, official) of each stored rating, oldest first.
    async fn ratings(&self) -> Vec<(String, i16, String, Option<i64>)> {
        let hailong::store::Db::Sqlite(p) = self.store.db() else {
            unreachable!("browser tests use SQLite")
        };
        sqlx::query_as(
            "SELECT idempotency_key, level, reasons, official_id FROM ratings ORDER BY rated_at",
        )
        .fetch_all(p)
        .await
        .unwrap()
    }

    /// (question, level) of every answer stored, by rating then question, as exported.
    async fn answers(&self) -> Vec<(String, i16)> {
        use hailong::store::export::Value;
        let mut out = Vec::new();
        self.store
            .export_table("rating_answers", |row| {
                match row {
                    [_, Value::Text(q), Value::Int(Some(l))] => {
                        out.push((q.clone(), i16::try_from(*l).unwrap()))
                    }
                    other => panic!("unexpected answer row {other:?}"),
                }
                Ok(())
            })
            .await
            .unwrap();
        out
    }

    async fn wait_count(&self, n: i64, within: Duration) {
        let start = Instant::now();
        loop {
            let c = self.count().await;
            if c == n {
                return;
            }
            assert!(
                start.elapsed() < within,
                "expected {n} ratings in the database, found {c}; server log:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

// ------------------------------------------------------------------------------------ browser

/// A headless Chromium session. Dropping it ends the session and stops chromedriver.
struct Browser {
    http: reqwest::Client,
    driver_port: u16,
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Browser {
        assert!(
            Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
            "install chromium and chromium-driver (apt-get install -y chromium chromium-driver)"
        );
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let http = http();
        let mut browser = Browser {
            http,
            driver_port: port,
            session: String::new(),
            driver,
            _profile: profile,
        };
        let start = Instant::now();
        loop {
            let ready = browser
                .http
                .get(format!("http://127.0.0.1:{port}/status"))
                .send()
                .await;
            if let Ok(r) = ready
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": CHROMIUM,
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--no-proxy-server",
                            "--lang=vi-VN",
                            "--window-size=1280,900",
                            format!("--user-data-dir={}", browser._profile.path().display()),
                        ],
                        "prefs": {"intl.accept_languages": "vi-VN,vi"}
                    }
                }
            }
        });
        let res = browser
            .http
            .post(format!("http://127.0.0.1:{port}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session");
        let v: Value = res.json().await.expect("session JSON");
        browser.session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_owned();
        browser
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.try_cmd(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {path}: {e}"))
    }

    async fn try_cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let url = format!(
            "http://127.0.0.1:{}/session/{}{path}",
            self.driver_port, self.session
        );
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.map_err(|e| e.to_string())?;
        let ok = res.status().is_success();
        let v: Value = res.json().await.map_err(|e| e.to_string())?;
        if ok {
            Ok(v["value"].clone())
        } else {
            Err(format!(
                "{}: {}",
                v["value"]["error"], v["value"]["message"]
            ))
        }
    }

    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn current_url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn exec(&self, script: &str, args: Value) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    async fn find_all(&self, css: &str) -> Vec<String> {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e[ELEMENT_KEY].as_str().unwrap().to_owned())
            .collect()
    }

    /// Waits for an element, then clicks it as a finger would (a real pointer click).
    async fn click(&self, css: &str) {
        let start = Instant::now();
        loop {
            if let Some(id) = self.find_all(css).await.into_iter().next() {
                match self
                    .try_cmd(
                        reqwest::Method::POST,
                        &format!("/element/{id}/click"),
                        Some(json!({})),
                    )
                    .await
                {
                    Ok(_) => return,
                    Err(e) if start.elapsed() > WAIT => panic!("cannot click {css}: {e}"),
                    Err(_) => {}
                }
            }
            assert!(
                start.elapsed() < WAIT,
                "no element {css}; page shows:\n{}",
                self.text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn type_into(&self, css: &str, text: &str) {
        self.wait_for(css).await;
        let id = self.find_all(css).await.remove(0);
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// The visible text of the page.
    async fn text(&self) -> String {
        self.exec(
            "return document.body ? document.body.innerText : '';",
            json!([]),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    async fn wait_text(&self, needle: &str) {
        let start = Instant::now();
        loop {
            let text = self.text().await;
            if text.contains(needle) {
                return;
            }
            assert!(
                start.elapsed() < WAIT,
                "the page never showed {needle:?}; it shows:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_for(&self, css: &str) {
        let start = Instant::now();
        while self.find_all(css).await.is_empty() {
            assert!(
                start.elapsed() < WAIT,
                "no element {css}; page shows:\n{}",
                self.text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.exec(
            "var e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
            json!([css, name]),
        )
        .await
        .as_str()
        .map(str::to_owned)
    }

    async fn wait_attr(&self, css: &str, name: &str, want: &str, within: Duration) {
        let start = Instant::now();
        loop {
            let got = self.attr(css, name).await;
            if got.as_deref() == Some(want) {
                return;
            }
            assert!(
                start.elapsed() < within,
                "{css} [{name}] is {got:?}, expected {want:?}; page shows:\n{}",
                self.text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, path: &str) {
        use base64::Engine as _;
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap();
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // End the session first so chromedriver closes Chromium, then stop chromedriver.
        if !self.session.is_empty()
            && let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.driver_port))
        {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                s,
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session, self.driver_port
            );
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

const RATE_ON_START: &str = "#kiosk-ask button.level";

fn level(question: &str, level: i16) -> String {
    format!("button.level[data-question=\"{question}\"][data-level=\"{level}\"]")
}

// ------------------------------------------------------------------------------------ tests

#[tokio::test]
async fn citizen_rates_on_the_kiosk() {
    let db = database(true).await;
    let server = Server::start(free_port(), &db.url, &db.log).await;
    let b = Browser::start().await;
    b.goto(&format!(
        "{}/kiosk#token={}",
        server.base(),
        db.seed.kiosk_token
    ))
    .await;

    // The start screen: the official on duty and the invitation to rate.
    b.wait_text("Nguyễn Thị Lan").await;
    b.wait_text("Mời Ông/Bà đánh giá mức độ hài lòng").await;
    let text = b.text().await;
    assert!(text.contains("Công chức Tư pháp – Hộ tịch"), "{text}");
    assert!(text.contains("Quầy 1"), "{text}");
    assert!(text.contains("Thái độ phục vụ của cán bộ"), "{text}");
    // The token left the address bar and lives in the device's storage.
    let url = b.current_url().await;
    assert!(!url.contains("token"), "{url}");
    let stored = b
        .exec(
            "return localStorage.getItem('hailong.kiosk.token');",
            json!([]),
        )
        .await;
    assert_eq!(stored, json!(db.seed.kiosk_token));
    b.wait_for("#kiosk-official .photo img").await;
    b.wait_attr("#kiosk-conn", "data-online", "true", WAIT)
        .await;
    // Three large buttons, best first, each at least 64 px high.
    let heights = b
        .exec(
            "return Array.from(document.querySelectorAll(arguments[0])).map(function (e) { return [e.getAttribute('data-level'), e.getBoundingClientRect().height]; });",
            json!([RATE_ON_START]),
        )
        .await;
    let heights = heights.as_array().unwrap();
    assert_eq!(heights.len(), 3, "{heights:?}");
    let levels: Vec<&str> = heights.iter().map(|h| h[0].as_str().unwrap()).collect();
    assert_eq!(levels, ["5", "4", "2"]);
    assert!(
        heights.iter().all(|h| h[1].as_f64().unwrap() >= 64.0),
        "{heights:?}"
    );
    b.screenshot("/tmp/kiosk-start.png").await;

    // English on request, then back to Vietnamese.
    b.click("#kiosk-lang").await;
    b.wait_text("Please rate your satisfaction").await;
    let text = b.text().await;
    assert!(!text.contains("Mời Ông/Bà"), "{text}");
    assert!(text.contains("Very satisfied"), "{text}");
    assert!(text.contains("The official's attitude"), "{text}");
    b.click("#kiosk-lang").await;
    b.wait_text("Mời Ông/Bà đánh giá mức độ hài lòng").await;
    assert!(b.text().await.contains("Rất hài lòng"));

    // Two questions: one tap each, then send.
    b.click(&level("attitude", 5)).await;
    b.wait_for("#kiosk-questions").await;
    assert_eq!(
        b.attr(&level("attitude", 5), "aria-pressed")
            .await
            .as_deref(),
        Some("true")
    );
    b.wait_attr("#kiosk-send", "disabled", "", WAIT).await;
    b.click(&level("handling", 4)).await;
    b.wait_attr(&level("handling", 4), "aria-pressed", "true", WAIT)
        .await;
    b.screenshot("/tmp/kiosk-rate.png").await;
    b.click("#kiosk-send").await;
    b.wait_text("Cảm ơn Ông/Bà đã đánh giá!").await;

    db.wait_count(1, WAIT).await;
    let ratings = db.ratings().await;
    assert_eq!(ratings[0].1, 5, "the headline is the first question");
    assert_eq!(ratings[0].3, Some(db.seed.official1));
    assert_eq!(
        db.answers().await,
        [("attitude".to_string(), 5), ("handling".to_string(), 4)]
    );
    b.wait_attr("#kiosk-pending", "data-count", "0", WAIT).await;

    // Back to the start on its own; the repeat lock has passed by then.
    b.wait_for(RATE_ON_START).await;
    b.wait_text("Nguyễn Thị Lan").await;
    assert_eq!(db.count().await, 1);
}

#[tokio::test]
async fn offline_ratings_are_delivered_exactly_once() {
    let db = database(true).await;
    let mut server = Server::start(free_port(), &db.url, &db.log).await;
    let b = Browser::start().await;
    b.goto(&format!(
        "{}/kiosk#token={}",
        server.base(),
        db.seed.kiosk_token
    ))
    .await;
    b.wait_text("Nguyễn Thị Lan").await;
    b.wait_attr("#kiosk-conn", "data-online", "true", WAIT)
        .await;

    server.kill();

    // First citizen: satisfied.
    b.click(&level("attitude", 5)).await;
    b.click(&level("handling", 4)).await;
    b.click("#kiosk-send").await;
    b.wait_text("Cảm ơn Ông/Bà đã đánh giá!").await;
    b.wait_attr("#kiosk-pending", "data-count", "1", WAIT).await;
    b.click("#kiosk-done").await;

    // The screen keeps the last known official while the server is away, and makes the next
    // citizen wait out the repeat lock (2 s) before offering the buttons again.
    b.wait_attr("#kiosk-conn", "data-online", "false", WAIT)
        .await;
    b.wait_text("Nguyễn Thị Lan").await;
    b.wait_for(&level("attitude", 2)).await;

    // Second citizen: dissatisfied, gives a reason.
    b.click(&level("attitude", 2)).await;
    b.click(&level("handling", 2)).await;
    b.click("#kiosk-send").await;
    b.wait_text("Ông/Bà chưa hài lòng về điều gì?").await;
    b.click("button.reason[data-reason=\"waiting\"]").await;
    b.wait_attr(
        "button.reason[data-reason=\"waiting\"]",
        "aria-pressed",
        "true",
        WAIT,
    )
    .await;
    b.click("#kiosk-send").await;
    b.wait_text("Cảm ơn Ông/Bà đã đánh giá!").await;

    // Both wait on the device.
    b.wait_attr("#kiosk-pending", "data-count", "2", WAIT).await;
    assert!(b.text().await.contains("Chờ gửi: 2"));
    let stored = b
        .exec(
            "return new Promise(function (resolve) {
               var r = indexedDB.open('hailong-kiosk');
               r.onsuccess = function () {
                 var q = r.result.transaction('outbox').objectStore('outbox').count();
                 q.onsuccess = function () { resolve(q.result); };
               };
             });",
            json!([]),
        )
        .await;
    assert_eq!(stored, json!(2), "the outbox is in IndexedDB");
    assert_eq!(db.count().await, 0);

    // The server comes back on the same address and database.
    server.restart().await;
    db.wait_count(2, Duration::from_secs(30)).await;
    b.wait_attr("#kiosk-pending", "data-count", "0", Duration::from_secs(15))
        .await;
    b.wait_attr("#kiosk-conn", "data-online", "true", WAIT)
        .await;
    // Retries and polls go on; nothing is stored twice.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(db.count().await, 2);
    assert_eq!(
        b.attr("#kiosk-pending", "data-count").await.as_deref(),
        Some("0")
    );
    let ratings = db.ratings().await;
    assert_eq!(ratings.len(), 2);
    assert_ne!(ratings[0].0, ratings[1].0, "one key per rating");
    assert_eq!(ratings[0].1, 5);
    assert_eq!(ratings[0].2, "[]");
    assert_eq!(ratings[1].1, 2);
    assert_eq!(ratings[1].2, "[\"waiting\"]");
    assert!(ratings.iter().all(|r| r.3 == Some(db.seed.official1)));
}

#[tokio::test]
async fn kiosk_without_an_official_offers_no_rating() {
    let db = database(false).await;
    let server = Server::start(free_port(), &db.url, &db.log).await;
    let b = Browser::start().await;

    // An unknown token: the setup screen says so, in both languages.
    b.goto(&format!(
        "{}/kiosk#token=hlk_not_a_real_token",
        server.base()
    ))
    .await;
    b.wait_text("Mã thiết bị không hợp lệ hoặc đã bị thu hồi")
        .await;
    assert!(
        b.text()
            .await
            .contains("The device token is unknown or revoked")
    );

    // The administrator pastes the right one.
    b.type_into("#kiosk-token-input", &db.seed.kiosk_token)
        .await;
    b.click("#kiosk-token-save").await;

    b.wait_text("Chưa có cán bộ làm việc tại quầy").await;
    b.wait_for("#kiosk-no-official").await;
    assert!(b.find_all("button.level").await.is_empty());
    assert!(b.find_all("#kiosk-send").await.is_empty());
    b.click("#kiosk-lang").await;
    b.wait_text("No official is on duty at this counter").await;
    b.click("#kiosk-lang").await;
    b.wait_text("Chưa có cán bộ").await;

    // An official signs in at the counter: the screen follows within a poll.
    db.store
        .counter_sign_in(db.seed.counter1, db.seed.official2)
        .await
        .unwrap();
    b.wait_text("Trần Văn Minh").await;
    b.wait_for(RATE_ON_START).await;
    assert!(!b.text().await.contains("Chưa có cán bộ"));

    // And signs out again.
    db.store.counter_sign_out(db.seed.official2).await.unwrap();
    b.wait_text("Chưa có cán bộ").await;
    assert!(b.find_all("button.level").await.is_empty());
    assert_eq!(db.count().await, 0);
}

/// A kiosk restarted while the server is down still opens (from its service worker's cache)
/// and queues ratings. Needs the header `Service-Worker-Allowed: /` on /assets/kiosk-sw.js.
#[tokio::test]
async fn kiosk_reopens_while_the_server_is_down() {
    let db = database(true).await;
    let mut server = Server::start(free_port(), &db.url, &db.log).await;
    let b = Browser::start().await;
    b.goto(&format!(
        "{}/kiosk#token={}",
        server.base(),
        db.seed.kiosk_token
    ))
    .await;
    b.wait_text("Nguyễn Thị Lan").await;
    let start = Instant::now();
    while b
        .exec("return !!navigator.serviceWorker.controller;", json!([]))
        .await
        != json!(true)
    {
        assert!(start.elapsed() < WAIT, "the service worker never took over");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    server.kill();
    b.goto(&format!("{}/kiosk", server.base())).await;
    b.wait_text("Nguyễn Thị Lan").await;
    b.wait_attr("#kiosk-conn", "data-online", "false", WAIT)
        .await;
    b.click(&level("attitude", 5)).await;
    b.click(&level("handling", 5)).await;
    b.click("#kiosk-send").await;
    b.wait_text("Cảm ơn Ông/Bà đã đánh giá!").await;
    b.wait_attr("#kiosk-pending", "data-count", "1", WAIT).await;

    server.restart().await;
    db.wait_count(1, Duration::from_secs(30)).await;
    b.wait_attr("#kiosk-pending", "data-count", "0", Duration::from_secs(15))
        .await;
}

/// A one-working-day procedure in the catalogue.
async fn birth_registration(db: &Db) -> i64 {
    use hailong::domain::limit::TimeLimit;
    use hailong::domain::procedure::{OnlineLevel, ProcedureLevel};
    use hailong::store::procedures::ProcedureInput;
    db.store
        .procedure_create(
            &ProcedureInput {
                code: "1.001193".into(),
                name: "Đăng ký khai sinh".into(),
                field: "Hộ tịch".into(),
                level: ProcedureLevel::Commune,
                agency: "UBND cấp xã".into(),
                legal_limit: TimeLimit::WorkingDays(1),
                limit_note: String::new(),
                fees: String::new(),
                documents: vec![],
                legal_basis: "Luật Hộ tịch 2014".into(),
                online_level: OnlineLevel::Full,
                active: true,
            },
            None,
        )
        .await
        .unwrap()
}

/// The desk receives a dossier and prints the receipt; the citizen opens its QR link on a phone,
/// sees the status, and once the result is ready rates the dossier.
#[tokio::test]
async fn intake_receipt_qr_look_up_and_rating() {
    use hailong::domain::dossier::Action;
    use hailong::store::dossiers::ActInput;

    let db = database(false).await;
    birth_registration(&db).await;
    let server = Server::start(free_port(), &db.url, &db.log).await;
    let b = Browser::start().await;

    // The official signs in and receives the dossier at the desk.
    b.goto(&format!("{}/login", server.base())).await;
    b.type_into("input[name=username]", "official").await;
    b.type_into("input[name=password]", common::PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_text("Đăng xuất").await;
    b.goto(&format!("{}/dossiers/new", server.base())).await;
    b.wait_for("select[name=procedure]").await;
    b.exec(
        "var s = document.querySelector('select[name=procedure]'); s.selectedIndex = 1; return s.value;",
        json!([]),
    )
    .await;
    b.type_into("input[name=applicant_name]", "Phạm Thị Dung")
        .await;
    b.type_into("textarea[name=documents]", "Tờ khai đăng ký khai sinh")
        .await;
    b.click("form.form button[type=submit]").await;
    b.wait_text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ").await;
    let text = b.text().await;
    assert!(text.contains("Phạm Thị Dung"), "{text}");
    assert!(text.contains("Đăng ký khai sinh"), "{text}");
    let d = db
        .store
        .dossiers_list(db.seed.commune_a, None, 5, 0)
        .await
        .unwrap()
        .pop()
        .expect("dossier stored");
    assert!(
        text.contains(&d.code) && text.contains(&d.lookup_secret),
        "{text}"
    );
    assert_eq!(
        b.find_all("#receipt-qr svg").await.len(),
        1,
        "QR code drawn"
    );
    let qr = b.attr("#receipt-qr", "href").await.unwrap();
    assert!(
        qr.contains(&d.code) && qr.contains(&d.lookup_secret),
        "{qr}"
    );

    // The citizen's phone (no session): the status in plain words, nothing personal.
    // WebDriver "delete all cookies": the staff session cookie is HttpOnly.
    b.cmd(reqwest::Method::DELETE, "/cookie", None).await;
    b.goto(&qr).await;
    b.wait_text("Đã tiếp nhận").await;
    let text = b.text().await;
    assert!(!text.contains("Phạm Thị Dung"), "{text}");
    assert!(
        b.find_all("a[href^='/rate']").await.is_empty(),
        "no rating before the result"
    );

    // The result is ready; the citizen looks again and rates.
    db.store
        .dossier_act(
            d.id,
            &ActInput {
                action: Action::ResultReady,
                note: String::new(),
                return_method: None,
                official_id: Some(db.seed.official1),
                user_id: None,
                at: common::now_ms(),
            },
        )
        .await
        .unwrap();
    b.goto(&qr).await;
    b.wait_text("Đã có kết quả").await;
    b.click("a[href^='/rate']").await;
    b.wait_for("input[name=q_attitude]").await;
    b.click("input[name=q_attitude][value='5']").await;
    b.click("input[name=q_handling][value='4']").await;
    b.click("form.rate button[type=submit]").await;
    b.wait_text("Cảm ơn bạn đã đánh giá").await;
    assert!(db.store.dossier_rated(&d.code).await.unwrap());
    assert_eq!(db.count().await, 1);
}

/// A phone loses the network after opening the rating page: the page opens again from the
/// phone, the rating is kept there and delivered once the server is reachable again, exactly
/// once.
#[tokio::test]
async fn a_receipt_rating_sent_while_offline_arrives_once() {
    use hailong::domain::dossier::{Action, IntakeChannel, ReturnMethod};
    use hailong::store::dossiers::{ActInput, IntakeInput};

    let db = database(false).await;
    let procedure = birth_registration(&db).await;
    let d = db
        .store
        .dossier_intake(
            &IntakeInput {
                unit_id: db.seed.commune_a,
                procedure_id: procedure,
                channel: IntakeChannel::InPerson,
                applicant_name: "Đỗ Văn Hải".into(),
                applicant_phone: String::new(),
                applicant_id_number: String::new(),
                applicant_address: String::new(),
                documents: vec![],
                return_method: ReturnMethod::Desk,
                received_by: Some(db.seed.official1),
                counter_id: None,
                user_id: None,
            },
            common::now_ms(),
            [7; 6],
        )
        .await
        .unwrap();
    db.store
        .dossier_act(
            d.id,
            &ActInput {
                action: Action::ResultReady,
                note: String::new(),
                return_method: None,
                official_id: Some(db.seed.official1),
                user_id: None,
                at: common::now_ms(),
            },
        )
        .await
        .unwrap();
    let mut server = Server::start(free_port(), &db.url, &db.log).await;
    let b = Browser::start().await;
    b.goto(&format!(
        "{}/rate?code={}&secret={}",
        server.base(),
        d.code,
        d.lookup_secret
    ))
    .await;
    b.wait_for("input[name=q_attitude]").await;
    // The phone keeps the page: once it is cached, it opens again with the server gone.
    let start = Instant::now();
    loop {
        let kept = b
            .exec(
                "return caches.match(location.href).then(function (r) { return !!r; });",
                json!([]),
            )
            .await;
        if kept == json!(true) {
            break;
        }
        assert!(
            start.elapsed() < WAIT,
            "the rating page was not kept for offline use"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.kill();
    let url = b.current_url().await;
    b.goto(&url).await;
    b.wait_for("input[name=q_attitude]").await;
    b.click("input[name=q_attitude][value='4']").await;
    b.click("input[name=q_handling][value='5']").await;
    b.click("form.rate button[type=submit]").await;
    b.wait_text("Đánh giá đã được lưu trên điện thoại").await;
    assert_eq!(db.count().await, 0);
    server.restart().await;
    // The page retries on its own (every 15 s, or when the phone reports it is online).
    db.wait_count(1, Duration::from_secs(40)).await;
    assert!(db.store.dossier_rated(&d.code).await.unwrap());
    // Opening the page again delivers nothing twice.
    b.goto(&format!(
        "{}/lookup?code={}&secret={}",
        server.base(),
        d.code,
        d.lookup_secret
    ))
    .await;
    b.wait_text("Đã có kết quả").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(db.count().await, 1);
    let queued = b
        .exec(
            "return localStorage.getItem('hailong.rate.queue');",
            json!([]),
        )
        .await;
    assert_eq!(queued, json!("[]"));
}

#[tokio::test]
async fn an_inspector_reads_the_dashboard_drills_down_and_ranks() {
    use hailong::domain::form::ValidRating;
    use hailong::domain::scale::{Level, Scale};
    use hailong::store::ratings::{Channel, NewRating};

    let db = database(false).await;
    // 45 ballots in commune A (37 satisfied), 40 in commune B (36 satisfied), this month.
    let now = common::now_ms() - 60_000;
    let s = &db.seed;
    let mut batch = Vec::new();
    for (i, (unit, official, level)) in
        std::iter::repeat_n((s.commune_a, s.official1, Level::SATISFIED), 37)
            .chain(std::iter::repeat_n(
                (s.commune_a, s.official1, Level::DISSATISFIED),
                8,
            ))
            .chain(std::iter::repeat_n(
                (s.commune_b, s.official_b, Level::VERY_SATISFIED),
                36,
            ))
            .chain(std::iter::repeat_n(
                (s.commune_b, s.official_b, Level::DISSATISFIED),
                4,
            ))
            .enumerate()
    {
        batch.push(NewRating {
            idempotency_key: format!("d{i}"),
            channel: Channel::Kiosk,
            device_id: None,
            counter_id: None,
            session_id: None,
            official_id: Some(official),
            unit_id: unit,
            form_version_id: s.form_version_id,
            scale: Scale::Three,
            rating: ValidRating {
                headline: level,
                answers: vec![("attitude".into(), level)],
                reasons: vec![],
                comment: None,
            },
            dossier_code: None,
            rated_at: now,
            received_at: now,
            repeat_window_ms: 0,
        });
    }
    db.store.ratings_import(&batch).await.unwrap();
    let server = Server::start(free_port(), &db.url, &db.log).await;
    let b = Browser::start().await;
    b.goto(&format!("{}/login", server.base())).await;
    b.type_into("input[name=username]", "inspector").await;
    b.type_into("input[name=password]", common::PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_text("Đăng xuất").await;

    // The province's dashboard from the menu: 73 of 85 = 85,9%, with its charts.
    b.click("nav.mainnav a[href='/dashboard']").await;
    b.wait_for("[data-figure=satisfaction]").await;
    let text = b.text().await;
    assert!(
        text.contains("Tỉnh Khánh Hòa") && text.contains("85,9%"),
        "{text}"
    );
    assert!(
        !b.find_all("svg.chart-line").await.is_empty(),
        "trend chart drawn"
    );
    assert!(
        !b.find_all("svg.chart-interval").await.is_empty(),
        "sub-units chart drawn"
    );

    // Drill down to commune A: 37 of 45 = 82,2%.
    b.exec(
        "for (const a of document.querySelectorAll('table a')) { if (a.textContent === 'Xã Vạn Hưng') { a.click(); return true; } } return false;",
        json!([]),
    )
    .await;
    b.wait_text("Xã Vạn Hưng ·").await;
    assert!(b.text().await.contains("82,2%"));

    // Rank the officials of the province: Lê Thị Hoa (36/40) above Nguyễn Thị Lan (37/45).
    b.goto(&format!("{}/rankings?unit={}", server.base(), s.province))
        .await;
    b.wait_for("select[name=of]").await;
    b.exec(
        "var s = document.querySelector('select[name=of]'); s.value = 'officials'; return s.value;",
        json!([]),
    )
    .await;
    b.click("form.toolbar button[type=submit]").await;
    b.wait_text("Lê Thị Hoa").await;
    let text = b.text().await;
    let (hoa, lan) = (
        text.find("Lê Thị Hoa").unwrap(),
        text.find("Nguyễn Thị Lan").unwrap(),
    );
    assert!(hoa < lan, "{text}");

    // The public page, without an account.
    b.cmd(reqwest::Method::DELETE, "/cookie", None).await;
    b.goto(&format!("{}/public/results/{}", server.base(), s.province))
        .await;
    b.wait_text("Công khai kết quả đánh giá").await;
    assert!(b.text().await.contains("85,9%"));
}
