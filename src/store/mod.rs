//! All SQL lives here. `Store` is one concrete type over the two supported databases; each public
//! method is one use case in its own transaction. SQL is written once where SQLite and PostgreSQL
//! agree (`$n` placeholders work in both) and branched explicitly where they do not.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::domain::Msg;

pub mod aggregates;
pub mod alerts;
pub mod calendar;
pub mod counters;
pub mod dashboards;
pub mod dossier_import;
pub mod dossier_steps;
pub mod dossiers;
pub mod export;
pub mod forms;
pub mod kiosks;
pub mod officials;
mod pg_bulk;
pub mod procedures;
pub mod rating_import;
pub mod ratings;
pub mod reports;
pub mod scoring;
mod sqlite_bulk;
pub mod targets;
mod unit_cache;
pub mod units;
pub mod users;

/// Runs `$body` with `$pool` bound to whichever pool the store holds. The body is compiled once
/// per backend, so the same query code serves both when the SQL agrees.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store.db() {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Every row of a read of many rows (`columns` columns, `$1…` bound to `binds`), in the order
/// the SQL gives. SQLite's driver hands each result row from its worker thread to the caller on
/// its own, a few microseconds a row: a ranking of 3,321 communes spent more in those hand-offs
/// than in SQL. So on SQLite the rows come back packed in one JSON array that SQLite builds
/// itself, one hand-off per query; PostgreSQL streams rows over its socket anyway. `T` reads a
/// row both ways: as a row (PostgreSQL) and as a JSON array of its columns (SQLite).
pub(crate) async fn fetch_packed<T>(
    store: &Store,
    sql: &str,
    columns: usize,
    binds: &[i64],
) -> Result<Vec<T>>
where
    T: serde::de::DeserializeOwned
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    match store.db() {
        Db::Sqlite(p) => {
            let names: Vec<String> = (0..columns).map(|i| format!("c{i}")).collect();
            let names = names.join(", ");
            let packed = format!(
                "WITH packed_rows({names}) AS ({sql}) \
                 SELECT json_group_array(json_array({names})) FROM packed_rows"
            );
            let mut q = sqlx::query_scalar::<_, String>(&packed);
            for b in binds {
                q = q.bind(*b);
            }
            let json = q.fetch_one(p).await?;
            serde_json::from_str(&json).map_err(|e| StoreError::Packed(e.to_string()))
        }
        Db::Postgres(p) => {
            let mut q = sqlx::query_as::<_, T>(sql);
            for b in binds {
                q = q.bind(*b);
            }
            Ok(q.fetch_all(p).await?)
        }
    }
}

/// Reads a SQLite 0/1 (a packed row's boolean) or a JSON boolean.
pub(crate) fn bool_from_int<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum B {
        B(bool),
        I(i64),
    }
    Ok(match <B as serde::Deserialize>::deserialize(d)? {
        B::B(b) => b,
        B::I(i) => i != 0,
    })
}

/// The database behind a store: one of the two supported, through its pool.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The application's storage: a database and what is kept in memory about it. Clones share
/// both.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    /// Unit names for lists over the whole country, kept while the units table is unchanged.
    unit_labels: std::sync::Arc<unit_cache::UnitLabelCache>,
    /// Officials' and counters' names, kept while none of them changes.
    names: std::sync::Arc<unit_cache::NameCache>,
    /// Officials with their units, for the per-official reports.
    roster: std::sync::Arc<unit_cache::RosterCache>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL '{0}': use sqlite://FILE or postgres://…")]
    BadUrl(String),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(Msg),
    /// The request contradicts what is stored (a duplicate code, a second rating of a dossier…).
    #[error("{0}")]
    Conflict(Msg),
    /// The request itself is wrong.
    #[error("{0}")]
    Invalid(Msg),
    /// A bulk import failed on one row; nothing of the import was kept.
    #[error("line {line}: {msg}")]
    ImportRow { line: u64, msg: Msg },
    /// Rows SQLite packed as JSON did not read back (a bug, not bad input).
    #[error("packed rows unreadable: {0}")]
    Packed(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    pub fn not_found(vi: impl Into<String>, en: impl Into<String>) -> Self {
        StoreError::NotFound(Msg::new(vi, en))
    }
    pub fn conflict(vi: impl Into<String>, en: impl Into<String>) -> Self {
        StoreError::Conflict(Msg::new(vi, en))
    }
    pub fn invalid(vi: impl Into<String>, en: impl Into<String>) -> Self {
        StoreError::Invalid(Msg::new(vi, en))
    }
}

/// Is this a unique-constraint violation (same meaning on both backends)?
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Turns a unique violation into a user-facing conflict, passing other errors through.
pub(crate) fn unique_as(
    e: sqlx::Error,
    vi: impl Into<String>,
    en: impl Into<String>,
) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::conflict(vi, en)
    } else {
        StoreError::Db(e)
    }
}

/// The CTE that lists a unit and everything below it; `$1` is the root unit id. Units nest at
/// most three deep (province, district, commune: `UnitLevel::may_have_parent`, checked on every
/// write), so two joins reach every descendant; written out rather than recursive because
/// PostgreSQL guesses a recursive CTE at 1,681 rows whatever it holds, and then reads every
/// official of the country to find a province's.
pub(crate) const SUBTREE_CTE: &str = "WITH subtree(id) AS (
        SELECT id FROM units WHERE id = $1
        UNION ALL
        SELECT id FROM units WHERE parent_id = $1
        UNION ALL
        SELECT c.id FROM units c JOIN units m ON m.id = c.parent_id WHERE m.parent_id = $1)";

impl From<Db> for Store {
    fn from(db: Db) -> Store {
        Store {
            db,
            unit_labels: Default::default(),
            names: Default::default(),
            roster: Default::default(),
        }
    }
}

/// How long a SQLite connection waits for another's lock before it gives up.
pub(crate) const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A PostgreSQL connection idle for longer is pinged before it is used again.
const PG_PING_AFTER_IDLE: Duration = Duration::from_secs(5);

/// sqlx's `Pool::close` misses a connection that comes back to the pool while it waits for the
/// last ones (its final wait ends without looking at the idle queue again): that connection
/// stays open as long as the pool does. Seen in a test: after `close`, two idle connections
/// still held the SQLite file, and a load meant to have it alone found it in use. Closing again
/// takes such stragglers, each round waiting for connections still in use.
async fn close_pool<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) {
    for _ in 0..100 {
        pool.close().await;
        if pool.size() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tracing::warn!(
        open = pool.size(),
        "database connections still open after closing"
    );
}

impl Store {
    /// Opens the database named by `url` with durable settings: a write is acknowledged only
    /// once it is on disk (SQLite WAL with synchronous=FULL, PostgreSQL synchronous_commit=on).
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .min_connections(1)
                // sqlx pings a connection each time the pool hands it out: on SQLite a round
                // trip to the connection's thread before every statement, for a connection
                // that is a file handle of this process and cannot be lost as a socket can.
                .test_before_acquire(false)
                .connect_with(opts)
                .await?;
            Ok(Store::from(Db::Sqlite(pool)))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?
                .options([("synchronous_commit", "on"), ("timezone", "UTC")]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                // sqlx's default pings every connection it hands out: a round trip to the
                // server before each statement, a dozen per dashboard. A connection in steady
                // use is proven by its last statement; one that sat idle (the server may have
                // restarted meanwhile) is still checked before use.
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for > PG_PING_AFTER_IDLE {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with(opts)
                .await?;
            Ok(Store::from(Db::Postgres(pool)))
        } else {
            Err(StoreError::BadUrl(url.to_string()))
        }
    }

    /// The database this store talks to.
    pub fn db(&self) -> &Db {
        &self.db
    }

    pub async fn migrate(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite(p) => {
                // A migration that rebuilds a table (SQLite's documented procedure, as 0022
                // does for `dossiers`) needs foreign keys off, or dropping the old table would
                // act on the rows that refer to it; the setting only changes outside a
                // transaction, so on a connection of its own.
                let mut conn = p.acquire().await?;
                sqlx::query("PRAGMA foreign_keys = OFF")
                    .execute(&mut *conn)
                    .await?;
                let migrated = sqlx::migrate!("migrations/sqlite")
                    .run_direct(&mut *conn)
                    .await;
                // Back on before the connection returns to the pool (not closed: the last
                // connection to an in-memory database takes the database with it).
                if sqlx::query("PRAGMA foreign_keys = ON")
                    .execute(&mut *conn)
                    .await
                    .is_err()
                {
                    conn.close_on_drop();
                }
                migrated?;
            }
            Db::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match &self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection, waiting for those in use to come back. A SQLite file is then
    /// no longer held by this process (another can take it out of WAL mode, or copy it).
    pub async fn close(&self) {
        with_pool!(self, p => close_pool(p).await)
    }

    /// Cheap liveness probe for /healthz.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// True when no unit exists yet: the demo loader only fills an empty database.
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM units").fetch_one(p).await)?;
        Ok(n == 0)
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key).fetch_optional(p).await)?,
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        with_pool!(self, p => sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key).bind(value).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records who changed what, for accountability.
    pub async fn audit(&self, user_id: Option<i64>, action: &str, detail: &str) -> Result<()> {
        with_pool!(self, p => sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
            .bind(crate::domain::time::now_ms()).bind(user_id).bind(action).bind(detail).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
