//! Bulk load of past ratings (`hailong import ratings`): a desk brings the ratings its old
//! system or paper ballots collected. Millions of rows arrive in chunks while the file is still
//! being read; all of them go in one transaction (nothing is kept if any row is wrong), the
//! aggregates are tallied in memory and added once at the end, and PostgreSQL receives the rows
//! through COPY.

use std::collections::HashSet;

use rustc_hash::FxHashMap;

use chrono::NaiveDateTime;
use tokio::sync::mpsc;

use super::Db;
use super::aggregates::{AggSink, J, agg_tally_cells};
use super::counters::{CountersByUnit, counter_of_unit};
use super::pg_bulk::CopyTuple;
use super::sqlite_bulk::{
    BULK_ROWS, back_to_wal, bulk_connection, drop_indexes_for_load, leave_wal_if_alone,
    restore_indexes, staged,
};
use super::{Result, Store, StoreError, is_unique_violation};
use crate::domain::Msg;
use crate::domain::aggregate::{RatingFact, RatingTally};
use crate::domain::form::FormDefinition;
use crate::domain::scale::{Level, Scale};
use crate::domain::time::{Millis, local_ms, now_ms};
use crate::store::ratings::{Channel, ballot_json, reasons_json};

/// One past rating as read from the file; the time is Vietnamese wall-clock time.
#[derive(Debug, Clone)]
pub struct RatingImportRow {
    /// Line in the source file, for error messages.
    pub line: u64,
    /// The rating's idempotency key; `{file}:{line}` when the file has none, so that loading
    /// the same file twice is refused instead of counting every rating twice.
    pub key: Option<String>,
    pub unit_code: String,
    pub counter_code: Option<String>,
    pub official_code: Option<String>,
    pub channel: Channel,
    pub rated_at: NaiveDateTime,
    pub scale: Scale,
    pub level: Level,
    pub answers: Vec<(String, Level)>,
    pub reasons: Vec<String>,
    pub comment: Option<String>,
    pub dossier_code: Option<String>,
    /// Stored flagged (kept, excluded from reports) with this reason.
    pub flag_reason: Option<String>,
}

/// Rows as the reader produces them: a chunk, or the reason reading stopped.
pub type RatingChunks = mpsc::Receiver<Result<Vec<RatingImportRow>>>;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RatingImportSummary {
    pub imported: u64,
    pub flagged: u64,
    /// No rating form existed: the standard one was created as the default.
    pub form_created: bool,
    /// Aggregate rows touched (before the copies to ancestor units).
    pub aggregate_cells: u64,
}

fn row_err(line: u64, vi: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::ImportRow {
        line,
        msg: Msg::new(vi, en),
    }
}

/// A counter and the form it uses, if not the default.
type CounterForm = (i64, Option<i64>);

/// Codes of units, officials and counters, read once for the whole load.
/// Looked up for every row of millions: fast hashes over codes the installation itself stored.
#[derive(Default)]
struct Lookups {
    units: FxHashMap<String, i64>,
    officials: FxHashMap<String, i64>,
    /// unit → (counter code, counter, its form).
    counters: CountersByUnit<CounterForm>,
    /// Current version of each form.
    form_versions: FxHashMap<i64, i64>,
    default_version: i64,
}

/// A row resolved to ids, ready to insert.
struct Ready {
    line: u64,
    key: String,
    channel: &'static str,
    counter_id: Option<i64>,
    official_id: Option<i64>,
    unit_id: i64,
    form_version_id: i64,
    scale: i16,
    level: i16,
    reasons: String,
    answers: String,
    comment: Option<String>,
    dossier_code: Option<String>,
    rated_at: Millis,
    flagged_at: Option<Millis>,
    flag_reason: Option<String>,
}

const COLUMNS: &str = "idempotency_key, channel, counter_id, official_id, unit_id, form_version_id,
    scale, level, reasons, answers, comment, dossier_code, rated_at, received_at, flagged_at,
    flag_reason";

impl Lookups {
    fn resolve(
        &self,
        r: RatingImportRow,
        source: &str,
        now: Millis,
        tally: &mut RatingTally,
    ) -> Result<Ready> {
        let line = r.line;
        let unit_id = *self.units.get(r.unit_code.trim()).ok_or_else(|| {
            row_err(
                line,
                format!("không có đơn vị mã '{}'", r.unit_code),
                format!("no unit with code '{}'", r.unit_code),
            )
        })?;
        let official_id = match r.official_code.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(*self.officials.get(c).ok_or_else(|| {
                row_err(
                    line,
                    format!("không có cán bộ mã '{c}'"),
                    format!("no official with code '{c}'"),
                )
            })?),
        };
        let (counter_id, form_id) = match r.counter_code.as_deref().map(str::trim) {
            None | Some("") => (None, None),
            Some(c) => {
                let (id, form) = *counter_of_unit(&self.counters, unit_id, &r.unit_code, c, line)?;
                (Some(id), form)
            }
        };
        let form_version_id = form_id
            .and_then(|f| self.form_versions.get(&f).copied())
            .unwrap_or(self.default_version);
        let rated_at = local_ms(r.rated_at);
        let flagged = r.flag_reason.is_some();
        let fact = RatingFact {
            unit_id,
            official_id,
            counter_id,
            scale: r.scale,
            level: r.level,
            rated_at,
            answers: r.answers,
            flagged,
        };
        tally.add(&fact);
        Ok(Ready {
            line,
            key: r.key.unwrap_or_else(|| format!("{source}:{line}")),
            channel: r.channel.as_str(),
            counter_id,
            official_id,
            unit_id,
            form_version_id,
            scale: r.scale.size(),
            level: r.level.value(),
            reasons: reasons_json(&r.reasons),
            answers: ballot_json(&fact.answers),
            comment: r.comment.filter(|c| !c.is_empty()),
            dossier_code: r.dossier_code.filter(|c| !c.is_empty()),
            rated_at,
            flagged_at: flagged.then_some(now),
            flag_reason: r.flag_reason,
        })
    }
}

/// Records the load in the audit log, inside its transaction.
macro_rules! audit {
    ($conn:expr, $now:expr, $sum:expr) => {
        sqlx::query(
            "INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, NULL, $2, $3)",
        )
        .bind($now)
        .bind("rating.import")
        .bind(format!(
            "{} ratings ({} flagged)",
            $sum.imported, $sum.flagged
        ))
        .execute(&mut *$conn)
        .await?;
    };
}

/// After the rows, on either database: the aggregates the resolve stage tallied, the indexes
/// dropped for the load (`$restore`), the audit line and the commit, each phase logged.
macro_rules! finish {
    ($tx:ident, $tallied:expr, $sum:ident, $started:expr, $now:expr, $restore:expr) => {{
        let tally = joined($tallied).await;
        tracing::info!(
            rows = $sum.imported,
            secs = $started.elapsed().as_secs_f64(),
            "ratings written"
        );
        $sum.aggregate_cells = tally.len() as u64;
        let cells = agg_tally_cells!(&mut *$tx, tally);
        $restore.await?;
        tracing::info!(secs = $started.elapsed().as_secs_f64(), "indexes rebuilt");
        let cells = joined(cells).await;
        AggSink::write(&mut *$tx, &cells).await?;
        tracing::info!(
            cells = $sum.aggregate_cells,
            secs = $started.elapsed().as_secs_f64(),
            "aggregates added"
        );
        audit!(&mut *$tx, $now, $sum);
        $tx.commit().await?;
    }};
}

/// Reads the lookups inside the import's transaction, creating the standard rating form as the
/// default when the installation has none (a fresh one importing its history).
macro_rules! read_lookups {
    ($conn:expr, $now:expr) => {{
        let mut l = Lookups::default();
        let units: Vec<(String, i64)> = sqlx::query_as(super::units::UNIT_IDS_BY_CODE)
            .fetch_all(&mut *$conn)
            .await?;
        l.units.extend(units);
        let officials: Vec<(String, i64)> = sqlx::query_as("SELECT code, id FROM officials")
            .fetch_all(&mut *$conn)
            .await?;
        l.officials.extend(officials);
        let counters: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT sc.unit_id, c.code, c.id, c.form_id
             FROM counters c JOIN service_centers sc ON sc.id = c.service_center_id",
        )
        .fetch_all(&mut *$conn)
        .await?;
        for (unit, code, id, form) in counters {
            l.counters.entry(unit).or_default().push((code, (id, form)));
        }
        let forms: Vec<(i64, bool, i64)> = sqlx::query_as(
            "SELECT f.id, f.is_default, v.id FROM rating_forms f
             JOIN rating_form_versions v ON v.form_id = f.id
             WHERE v.version = (SELECT MAX(version) FROM rating_form_versions WHERE form_id = f.id)",
        )
        .fetch_all(&mut *$conn)
        .await?;
        let mut created = false;
        for (form, is_default, version) in forms {
            l.form_versions.insert(form, version);
            if is_default {
                l.default_version = version;
            }
        }
        if l.default_version == 0 {
            let form: i64 = sqlx::query_scalar(
                "INSERT INTO rating_forms (name, is_default, created_at) VALUES ($1, TRUE, $2) RETURNING id",
            )
            .bind("Phiếu đánh giá tại quầy")
            .bind($now)
            .fetch_one(&mut *$conn)
            .await?;
            let def = serde_json::to_string(&FormDefinition::standard()).expect("serialises");
            l.default_version = sqlx::query_scalar(
                "INSERT INTO rating_form_versions (form_id, version, definition, created_at)
                 VALUES ($1, 1, $2, $3) RETURNING id",
            )
            .bind(form)
            .bind(def)
            .bind($now)
            .fetch_one(&mut *$conn)
            .await?;
            l.form_versions.insert(form, l.default_version);
            created = true;
        }
        (l, created)
    }};
}

/// The first line of `rows` whose key or dossier code is already stored, or repeats an earlier
/// row of the same chunk: what a unique violation was about, when it was about these rows.
async fn explain_conflict(
    store: &Store,
    rows: &[(u64, String, Option<String>)],
) -> Option<StoreError> {
    let mut seen_keys = HashSet::new();
    let mut seen_codes = HashSet::new();
    for (line, key, code) in rows {
        let stored: std::result::Result<bool, sqlx::Error> = super::with_pool!(store, p => {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM ratings WHERE idempotency_key = $1 OR dossier_code = $2)",
            )
            .bind(key)
            .bind(code)
            .fetch_one(p)
            .await
        });
        if stored.unwrap_or(false) {
            return Some(row_err(
                *line,
                format!(
                    "đánh giá '{key}' hoặc hồ sơ của nó đã có trong cơ sở dữ liệu (tệp đã được nhập?)"
                ),
                format!(
                    "rating '{key}' or its dossier is already stored (was the file imported before?)"
                ),
            ));
        }
        if !seen_keys.insert(key) || code.as_ref().is_some_and(|c| !seen_codes.insert(c)) {
            return Some(row_err(
                *line,
                format!("mã đánh giá '{key}' hoặc mã hồ sơ trùng với một dòng trước"),
                format!("rating key '{key}' or its dossier code repeats an earlier line"),
            ));
        }
    }
    None
}

/// A rating as a row of the binary COPY of `COLUMNS`, whose types these calls follow. Empty
/// text is stored as NULL, as the CSV COPY this replaced did.
fn copy_row(out: &mut Vec<u8>, r: &Ready) {
    fn text(s: &Option<String>) -> Option<&str> {
        s.as_deref().filter(|s| !s.is_empty())
    }
    CopyTuple::new(out, 16)
        .text(&r.key)
        .text(r.channel)
        .opt_int8(r.counter_id)
        .opt_int8(r.official_id)
        .int8(r.unit_id)
        .int8(r.form_version_id)
        .int2(r.scale)
        .int2(r.level)
        .text(&r.reasons)
        .text(&r.answers)
        .opt_text(text(&r.comment))
        .opt_text(text(&r.dossier_code))
        .int8(r.rated_at)
        .int8(r.rated_at)
        .opt_int8(r.flagged_at)
        .opt_text(text(&r.flag_reason));
}

/// A chunk resolved to ids: its rows (or, for PostgreSQL, the rows in COPY's binary format)
/// and the lines, keys and dossier codes that explain a unique violation in it.
struct Resolved {
    rows: Vec<Ready>,
    copy: Vec<u8>,
    count: u64,
    flagged: u64,
    keys: Vec<(u64, String, Option<String>)>,
    /// Rows whose key hashes like a key of an earlier row of the file: a repeated line, or
    /// (rarely) a collision, which a look-up tells apart.
    suspects: Vec<(u64, String)>,
}

/// A key's fingerprint in the set of keys a load has read (fixed keys: the same key always
/// gives the same hash).
fn key_hash(key: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

/// Fails naming the line of the first of `suspects` whose key is stored more than `$stored`
/// times on `$conn` (the load's own transaction).
macro_rules! refuse_repeated_key {
    ($conn:expr, $suspects:expr, $stored:expr) => {{
        for (line, key) in $suspects {
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM ratings WHERE idempotency_key = $1")
                    .bind(key.as_str())
                    .fetch_one(&mut *$conn)
                    .await?;
            if n > $stored {
                return Err(row_err(
                    *line,
                    format!("mã đánh giá '{key}' trùng với một dòng trước trong tệp"),
                    format!("rating key '{key}' repeats an earlier line of the file"),
                ));
            }
        }
    }};
}

/// Resolves the reader's chunks on a thread of its own while the caller writes the previous
/// chunk: parsing, resolving and tallying, and writing each get a core instead of sharing the
/// writer's. `first` is a chunk the caller already took from `chunks`. With `copy`, rows are
/// turned into COPY's binary rows there too. Returns the resolved chunks and, once they are all
/// through, the tally.
fn resolve_stage(
    lookups: Lookups,
    source: String,
    now: Millis,
    copy: bool,
    first: Option<Result<Vec<RatingImportRow>>>,
    mut chunks: RatingChunks,
) -> (
    mpsc::Receiver<Result<Resolved>>,
    tokio::task::JoinHandle<RatingTally>,
) {
    let (tx, rx) = mpsc::channel(2);
    let tally = tokio::task::spawn_blocking(move || {
        let mut tally = RatingTally::default();
        let mut seen: HashSet<u64> = HashSet::new();
        let rest = std::iter::from_fn(|| chunks.blocking_recv());
        for chunk in first.into_iter().chain(rest) {
            let resolved = chunk.and_then(|chunk| {
                let rows = chunk
                    .into_iter()
                    .map(|r| lookups.resolve(r, &source, now, &mut tally))
                    .collect::<Result<Vec<_>>>()?;
                let keys = rows
                    .iter()
                    .map(|r| (r.line, r.key.clone(), r.dossier_code.clone()))
                    .collect();
                let suspects = rows
                    .iter()
                    .filter(|r| !seen.insert(key_hash(&r.key)))
                    .map(|r| (r.line, r.key.clone()))
                    .collect();
                let flagged = rows.iter().filter(|r| r.flagged_at.is_some()).count() as u64;
                let count = rows.len() as u64;
                let (rows, tuples) = if copy {
                    let mut tuples = Vec::with_capacity(rows.len() * 160);
                    for r in &rows {
                        copy_row(&mut tuples, r);
                    }
                    (Vec::new(), tuples)
                } else {
                    (rows, Vec::new())
                };
                Ok(Resolved {
                    rows,
                    copy: tuples,
                    count,
                    flagged,
                    keys,
                    suspects,
                })
            });
            let failed = resolved.is_err();
            // The writer stopped: nothing more to do.
            if tx.blocking_send(resolved).is_err() || failed {
                break;
            }
        }
        tally
    });
    (rx, tally)
}

/// What a thread of the load returned; its panic goes on in the caller.
pub(crate) async fn joined<T>(handle: tokio::task::JoinHandle<T>) -> T {
    handle
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

impl Store {
    /// Loads past ratings streamed in chunks (see the module documentation). `source` names the
    /// file, for generated keys and the audit log. Any bad row (unknown unit, official or
    /// counter; a key or dossier code already stored or repeated) rolls everything back and
    /// names its line.
    pub async fn import_ratings(
        &self,
        source: &str,
        chunks: RatingChunks,
    ) -> Result<RatingImportSummary> {
        let now = now_ms();
        let started = std::time::Instant::now();
        let mut sum = RatingImportSummary::default();
        // Lines, keys and codes of the chunk being written, to explain a unique violation.
        let mut last_chunk: Vec<(u64, String, Option<String>)> = Vec::new();
        let outcome: Result<()> = async {
            match self.db() {
                Db::Sqlite(p) => {
                    let mut conn = bulk_connection(p).await?;
                    // A big first load goes without the WAL when it has the database to itself
                    // (see leave_wal_if_alone: the commit's checkpoint of 10M ratings was most
                    // of the commit). The journal mode changes only outside a transaction, so
                    // the first chunk is awaited before it begins.
                    let mut chunks = chunks;
                    let first = chunks.recv().await;
                    let empty: bool =
                        sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM ratings)")
                            .fetch_one(&mut *conn)
                            .await?;
                    let bulk = matches!(&first, Some(Ok(c)) if c.len() >= BULK_ROWS);
                    let no_wal = empty && bulk && leave_wal_if_alone(p, &mut conn).await?;
                    if empty && bulk {
                        tracing::info!(wal = !no_wal, "first fill");
                    }
                    let written: Result<()> = async {
                        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                        let (lookups, created) = read_lookups!(&mut *tx, now);
                        sum.form_created = created;
                        let (mut resolved, tallied) =
                            resolve_stage(lookups, source.to_string(), now, false, first, chunks);
                        let mut dropped: Option<Vec<String>> = None;
                        while let Some(chunk) = resolved.recv().await {
                            let chunk = chunk?;
                            if dropped.is_none() {
                                dropped = Some(if chunk.rows.len() >= BULK_ROWS {
                                    drop_indexes_for_load(&mut tx, "ratings").await?
                                } else {
                                    Vec::new()
                                });
                            }
                            // A key of an earlier chunk is stored by now; one repeated within
                            // this chunk fails its insert, which `explain_conflict` names.
                            refuse_repeated_key!(&mut *tx, &chunk.suspects, 0);
                            last_chunk = chunk.keys;
                            let mut handle = tx.lock_handle().await?;
                            // SAFETY: the handle stays locked throughout.
                            unsafe {
                                staged(
                                    handle.as_raw_handle(),
                                    "import_ratings",
                                    16,
                                    chunk.rows.iter().map(|r| {
                                        [
                                            J::S(&r.key),
                                            J::S(r.channel),
                                            J::N(r.counter_id),
                                            J::N(r.official_id),
                                            J::I(r.unit_id),
                                            J::I(r.form_version_id),
                                            J::I(r.scale.into()),
                                            J::I(r.level.into()),
                                            J::S(&r.reasons),
                                            J::S(&r.answers),
                                            J::OS(r.comment.as_deref()),
                                            J::OS(r.dossier_code.as_deref()),
                                            J::I(r.rated_at),
                                            J::I(r.rated_at),
                                            J::N(r.flagged_at),
                                            J::OS(r.flag_reason.as_deref()),
                                        ]
                                    }),
                                    &format!("INSERT INTO ratings ({COLUMNS})"),
                                    "",
                                )?
                            };
                            drop(handle);
                            sum.imported += chunk.count;
                            sum.flagged += chunk.flagged;
                        }
                        last_chunk.clear();
                        finish!(
                            tx,
                            tallied,
                            sum,
                            started,
                            now,
                            restore_indexes(&mut tx, &dropped.unwrap_or_default())
                        );
                        Ok(())
                    }
                    .await;
                    if no_wal {
                        back_to_wal(&mut conn).await;
                    }
                    written?;
                }
                Db::Postgres(p) => {
                    let mut tx = p.begin().await?;
                    let (lookups, created) = read_lookups!(&mut *tx, now);
                    sum.form_created = created;
                    let first_id: i64 =
                        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM ratings")
                            .fetch_one(&mut *tx)
                            .await?;
                    super::aggregates::pg_skip_triggers(&mut tx).await?;
                    let (mut resolved, tallied) =
                        resolve_stage(lookups, source.to_string(), now, true, None, chunks);
                    // The first chunk tells a bulk load, before COPY occupies the connection.
                    let mut first = resolved.recv().await.transpose()?;
                    let mut dropped = match &first {
                        Some(c) if c.count >= BULK_ROWS as u64 => {
                            super::pg_bulk::drop_indexes_for_load(&mut tx, "ratings", first_id)
                                .await?
                        }
                        _ => Vec::new(),
                    };
                    // Into an empty table the keys can only repeat each other, which the
                    // resolve stage's hashes find: the unique key is built once at the end.
                    let unique_dropped = if first_id == 0 && !dropped.is_empty() {
                        let key = super::pg_bulk::drop_unique_for_first_fill(
                            &mut tx,
                            "ratings",
                            "idempotency_key",
                        )
                        .await?;
                        dropped.extend(key.clone());
                        key.is_some()
                    } else {
                        false
                    };
                    let mut suspects: Vec<(u64, String)> = Vec::new();
                    let mut copy = tx
                        .copy_in_raw(&format!(
                            "COPY ratings ({COLUMNS}) FROM STDIN WITH (FORMAT binary)"
                        ))
                        .await?;
                    let mut failed = copy.send(CopyTuple::HEADER).await.err().map(Into::into);
                    while failed.is_none() {
                        let chunk = match first.take() {
                            Some(c) => Ok(c),
                            None => match resolved.recv().await {
                                Some(c) => c,
                                None => break,
                            },
                        };
                        let chunk = match chunk {
                            Ok(c) => c,
                            Err(e) => {
                                failed = Some(e);
                                break;
                            }
                        };
                        last_chunk = chunk.keys;
                        suspects.extend(chunk.suspects);
                        sum.imported += chunk.count;
                        sum.flagged += chunk.flagged;
                        if let Err(e) = copy.send(chunk.copy).await {
                            failed = Some(e.into());
                            break;
                        }
                    }
                    if let Some(e) = failed {
                        // The connection must leave COPY mode before the rollback.
                        let _ = copy.abort("import failed").await;
                        return Err(e);
                    }
                    // Duplicate keys surface here, when the server checks the last rows;
                    // which chunk failed is unknown, so the explanation searches the file's
                    // keys that are still held: the last chunk's.
                    copy.send(CopyTuple::TRAILER).await?;
                    copy.finish().await?;
                    last_chunk.clear();
                    if unique_dropped {
                        refuse_repeated_key!(&mut *tx, &suspects, 1);
                    }
                    finish!(
                        tx,
                        tallied,
                        sum,
                        started,
                        now,
                        super::pg_bulk::restore_indexes(&mut tx, &dropped)
                    );
                }
            }
            Ok(())
        }
        .await;
        match outcome {
            Ok(()) => {
                // Only a bulk load changes the tables enough to be worth it.
                if sum.imported >= BULK_ROWS as u64 {
                    self.settle_after_load(&["ratings"]).await;
                }
                Ok(sum)
            }
            Err(StoreError::Db(e)) if is_unique_violation(&e) => {
                if let Some(named) = explain_conflict(self, &last_chunk).await {
                    return Err(named);
                }
                // PostgreSQL checks COPY's rows as they stream, so the failing row may be in an
                // earlier chunk; its message names the value.
                let detail = match &e {
                    sqlx::Error::Database(d) => d
                        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                        .and_then(|d| d.detail())
                        .map(str::to_string),
                    _ => None,
                }
                .unwrap_or_default();
                Err(StoreError::conflict(
                    format!(
                        "Mã đánh giá hoặc mã hồ sơ trùng với một dòng trước trong tệp. {detail} Không có gì được nhập."
                    ),
                    format!(
                        "A rating key or dossier code repeats an earlier line of the file. {detail} Nothing was imported."
                    ),
                ))
            }
            Err(e) => Err(e),
        }
    }
}
