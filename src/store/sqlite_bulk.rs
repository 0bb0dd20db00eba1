//! Bulk loads on SQLite's own API: one prepared statement bound and stepped per row, on the
//! connection of the import's transaction. Going through sqlx costs a round trip to its worker
//! thread per statement, or SQLite's 32,766-parameter limit per multi-row statement; stepping a
//! prepared statement in place is what SQLite itself recommends for loading millions of rows.

use std::ffi::{CStr, CString, c_char, c_int};
use std::ptr::NonNull;

use libsqlite3_sys as ffi;

use super::aggregates::J;

/// A statement prepared on a connection locked for the caller (`lock_handle`).
pub(crate) struct Prepared {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
}

/// A failure of SQLite, kept as a database error so that callers see unique violations as such.
#[derive(Debug)]
pub(crate) struct BulkError {
    message: String,
    unique: bool,
}

impl std::fmt::Display for BulkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BulkError {}

impl sqlx::error::DatabaseError for BulkError {
    fn message(&self) -> &str {
        &self.message
    }
    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }
    fn kind(&self) -> sqlx::error::ErrorKind {
        if self.unique {
            sqlx::error::ErrorKind::UniqueViolation
        } else {
            sqlx::error::ErrorKind::Other
        }
    }
}

fn error(db: NonNull<ffi::sqlite3>, rc: c_int) -> sqlx::Error {
    // SAFETY: `db` is an open connection; the message is copied before any other call.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) }
        .to_string_lossy()
        .into_owned();
    let extended = unsafe { ffi::sqlite3_extended_errcode(db.as_ptr()) };
    let unique = rc & 0xff == ffi::SQLITE_CONSTRAINT
        && (extended == ffi::SQLITE_CONSTRAINT_UNIQUE
            || extended == ffi::SQLITE_CONSTRAINT_PRIMARYKEY);
    sqlx::Error::Database(Box::new(BulkError { message, unique }))
}

impl Prepared {
    /// Prepares `sql` on `db`.
    ///
    /// # Safety
    /// `db` must be an open connection that nobody else uses while this statement lives (hold
    /// sqlx's `LockedSqliteHandle` for as long).
    pub(crate) unsafe fn new(
        db: NonNull<ffi::sqlite3>,
        sql: &str,
    ) -> Result<Prepared, sqlx::Error> {
        let text = CString::new(sql).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        let mut stmt = std::ptr::null_mut();
        // SAFETY: per this function's contract; the text is NUL-terminated.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                db.as_ptr(),
                text.as_ptr(),
                -1,
                &mut stmt,
                std::ptr::null_mut(),
            )
        };
        match NonNull::new(stmt) {
            Some(stmt) if rc == ffi::SQLITE_OK => Ok(Prepared { db, stmt }),
            _ => Err(error(db, rc)),
        }
    }

    /// Binds one row's values in order and steps the statement once.
    pub(crate) fn run(&mut self, row: &[J<'_>]) -> Result<(), sqlx::Error> {
        let s = self.stmt.as_ptr();
        for (i, v) in row.iter().enumerate() {
            let at = (i + 1) as c_int;
            // SAFETY: the statement is live; text is bound SQLITE_STATIC and only read by the
            // step below, while `row` is still borrowed.
            let rc = unsafe {
                match v {
                    J::I(n) | J::N(Some(n)) => ffi::sqlite3_bind_int64(s, at, *n),
                    J::N(None) | J::OS(None) => ffi::sqlite3_bind_null(s, at),
                    J::S(t) | J::OS(Some(t)) => ffi::sqlite3_bind_text(
                        s,
                        at,
                        t.as_ptr() as *const c_char,
                        t.len() as c_int,
                        ffi::SQLITE_STATIC(),
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(error(self.db, rc));
            }
        }
        // SAFETY: the statement is live and fully bound.
        let rc = unsafe { ffi::sqlite3_step(s) };
        unsafe {
            ffi::sqlite3_reset(s);
            // No pointer into `row` may outlive this call.
            ffi::sqlite3_clear_bindings(s);
        }
        if rc == ffi::SQLITE_DONE {
            Ok(())
        } else {
            Err(error(self.db, rc))
        }
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        // SAFETY: finalised once, while the connection is still open (it outlives the lock).
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// Writes rows through a scratch table: each row is stepped into `temp.{name}` (no indexes, no
/// triggers, in memory), then one `INSERT … SELECT` moves the lot. SQLite opens a table's
/// cursors, triggers and statement journal once per statement, so one statement per
/// thousands of rows is several times faster than one per row.
///
/// # Safety
/// As for `Prepared::new`.
pub(crate) unsafe fn staged<'a, R: AsRef<[J<'a>]>>(
    db: NonNull<ffi::sqlite3>,
    name: &str,
    width: usize,
    rows: impl IntoIterator<Item = R>,
    insert: &str,
    conflict: &str,
) -> Result<(), sqlx::Error> {
    let cols: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
    let exec = |sql: &str| -> Result<(), sqlx::Error> {
        // SAFETY: per this function's contract.
        let mut st = unsafe { Prepared::new(db, sql)? };
        st.run(&[])
    };
    exec(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {name} ({})",
        cols.join(", ")
    ))?;
    {
        // SAFETY: per this function's contract.
        let mut put = unsafe {
            Prepared::new(
                db,
                &format!(
                    "INSERT INTO temp.{name} VALUES ({})",
                    vec!["?"; width].join(", ")
                ),
            )?
        };
        for r in rows {
            put.run(r.as_ref())?;
        }
    }
    let moved = exec(&format!(
        "{insert} SELECT {} FROM temp.{name} WHERE TRUE {conflict}",
        cols.join(", ")
    ));
    exec(&format!("DELETE FROM temp.{name}"))?;
    moved
}

/// SQLite settings for a bulk load on its connection: page caches that hold the indexes being
/// filled and the scratch tables of `staged`, and a second thread for the sorts that rebuild
/// indexes. Temporary storage stays in files: with `temp_store = MEMORY` SQLite's sorter
/// keeps a whole index in one list and sorts it on one thread (`restore_indexes`).
pub(crate) const BULK_PRAGMAS: [&str; 3] = [
    BULK_CACHE,
    "PRAGMA temp.cache_size = -1000000",
    "PRAGMA threads = 2",
];

/// The main page cache of a bulk load.
const BULK_CACHE: &str = "PRAGMA cache_size = -1000000";

/// The main page cache while indexes are built: SQLite's sorter cuts its input into runs of
/// this size, sorts them on its helper threads and merges them. Runs of the bulk cache's size
/// (capped at 512 MB) make one run of a 10-million-row index, sorted on one thread with poor
/// locality.
const SORT_RUN_CACHE: &str = "PRAGMA cache_size = -8192";

/// A first chunk at least this big marks a bulk load.
pub(crate) const BULK_ROWS: usize = 10_000;
/// Up to this many rows already in the table, rebuilding its indexes after a bulk load costs
/// less than keeping them up to date row by row.
pub(crate) const REBUILD_UP_TO: i64 = 2_000_000;

/// For a bulk load into a table that is still small: drops the table's plain indexes (UNIQUE
/// ones stay, they check the load) inside the load's transaction and returns their definitions,
/// to be built once, from sorted data, by `restore_indexes` before the commit. Readers keep
/// their snapshot with the indexes meanwhile; nothing changes for them before the commit.
pub(crate) async fn drop_indexes_for_load(
    conn: &mut sqlx::SqliteConnection,
    table: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let existing: i64 = sqlx::query_scalar(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
        .fetch_one(&mut *conn)
        .await?;
    if existing > REBUILD_UP_TO {
        return Ok(Vec::new());
    }
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master
         WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX {name}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}

/// For a load into an empty table whose loader tells repeated values apart itself: drops the
/// unique index `index` and returns its definition, for `restore_indexes` once the rows are in
/// (10M dossiers: kept up to date row by row, the code index was the largest part of writing
/// them). Building it still refuses the commit if a repeat slipped through. The load's
/// transaction holds SQLite's one write lock, so no other writer needs the index meanwhile.
pub(crate) async fn drop_unique_for_first_fill(
    conn: &mut sqlx::SqliteConnection,
    index: &str,
) -> Result<Option<String>, sqlx::Error> {
    let sql: Option<String> =
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1")
            .bind(index)
            .fetch_optional(&mut *conn)
            .await?;
    if sql.is_some() {
        sqlx::query(&format!("DROP INDEX {index}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(sql)
}

/// Builds again the indexes `drop_indexes_for_load` dropped, sorting in runs of
/// `SORT_RUN_CACHE`, then gives the page cache back its bulk size.
pub(crate) async fn restore_indexes(
    conn: &mut sqlx::SqliteConnection,
    definitions: &[String],
) -> Result<(), sqlx::Error> {
    if definitions.is_empty() {
        return Ok(());
    }
    sqlx::query(SORT_RUN_CACHE).execute(&mut *conn).await?;
    for sql in definitions {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    sqlx::query(BULK_CACHE).execute(&mut *conn).await?;
    Ok(())
}

/// A connection for a bulk load, with settings (`BULK_PRAGMAS`, SQLite's foreign-key and
/// CHECK clauses off) that hold on it only: it is closed afterwards rather than returned to the
/// pool with them.
///
/// The caller vouches for its rows: every reference resolved against rows that cannot go away
/// before its commit, every checked value (channel, scale, level, status) built from a type
/// that holds only valid ones. SQLite's checks would only repeat that work: a look-up per
/// reference per row was a quarter of writing a rating, and the CHECK clauses cost more than
/// the insert itself (1.3 against 0.7 µs a row).
pub(crate) async fn bulk_connection(
    pool: &sqlx::SqlitePool,
) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>, sqlx::Error> {
    // foreign_keys only changes outside a transaction, which this still is.
    let checks_off = [
        "PRAGMA foreign_keys = OFF",
        "PRAGMA ignore_check_constraints = ON",
    ];
    let pragmas: Vec<&str> = BULK_PRAGMAS.iter().chain(&checks_off).copied().collect();
    connection_with(pool, &pragmas).await
}

/// A connection with `pragmas` set on it only: it is closed afterwards rather than returned to
/// the pool with them.
pub(crate) async fn connection_with(
    pool: &sqlx::SqlitePool,
    pragmas: &[&str],
) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    conn.close_on_drop();
    for pragma in pragmas {
        sqlx::query(pragma).execute(&mut *conn).await?;
    }
    Ok(conn)
}

/// For a first fill whose rows are all resolved before the first is written: takes the
/// database out of WAL mode for the load if no other connection has it open, and says whether
/// it did. A load through the WAL writes every page twice, to the WAL and then, at the commit's
/// checkpoint, to the database (10 million dossiers: 2.3 GB, 17-20 s of the commit); with a
/// rollback journal, pages the load adds go to the database once, and only pages that existed
/// before it are journaled. SQLite refuses the change while another connection is open, so a
/// server or reader using the database keeps the WAL, and this load goes through it. Idle
/// connections of this process's pool would count too: they are closed (the pool opens new
/// ones when asked). `back_to_wal` undoes the change after the commit or the rollback.
pub(crate) async fn leave_wal_if_alone(
    pool: &sqlx::SqlitePool,
    conn: &mut sqlx::SqliteConnection,
) -> Result<bool, sqlx::Error> {
    // `conn` is one of the pool's; a connection its user just dropped is still on its way back
    // to the pool for a moment, so it is waited for, briefly.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
    while pool.size() > 1 && std::time::Instant::now() < deadline {
        match pool.try_acquire() {
            // Closed or failed to close, it is gone from the pool either way.
            Some(idle) => {
                let _ = idle.close().await;
            }
            None => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
        }
    }
    // Asked once, without waiting for a lock: another program that has the file open (a
    // server) keeps it open. (Loads that were alone and still found the file in use, 1 in 25
    // in the tests, met connections a closed pool had kept: see `Store::close`.)
    sqlx::query("PRAGMA busy_timeout = 0")
        .execute(&mut *conn)
        .await?;
    let mode: Result<String, sqlx::Error> = sqlx::query_scalar("PRAGMA journal_mode = DELETE")
        .fetch_one(&mut *conn)
        .await;
    sqlx::query(&format!(
        "PRAGMA busy_timeout = {}",
        super::SQLITE_BUSY_TIMEOUT.as_millis()
    ))
    .execute(&mut *conn)
    .await?;
    match mode {
        Ok(mode) => Ok(mode.eq_ignore_ascii_case("delete")),
        Err(sqlx::Error::Database(e)) if e.message().contains("locked") => {
            tracing::info!(
                pool_size = pool.size(),
                pool_idle = pool.num_idle(),
                "first fill keeps the WAL: the database is in use"
            );
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Puts the database back in WAL mode after `leave_wal_if_alone`. Should it fail, every
/// connection the store opens asks for WAL mode again.
pub(crate) async fn back_to_wal(conn: &mut sqlx::SqliteConnection) {
    if let Err(e) = sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&mut *conn)
        .await
    {
        tracing::warn!(error = %e, "database not put back in WAL mode after a load");
    }
}
