//! Aggregates maintained as data arrives (see migrations 0006): writers add the difference a
//! change makes, in the change's own transaction; `aggregates_rebuild` recomputes everything
//! from raw rows in SQL. Reports read these tables only, so a province's year is a handful of
//! rows whatever the number of ratings behind it.

use std::collections::HashMap;

use super::Db;
use super::pg_bulk::CopyTuple;
use super::{Result, Store, with_pool};
use crate::domain::aggregate::{
    Deltas, DossierCell, DossierCounts, DossierDeltas, LevelCounts, OpenCell, RatingCell,
};
use crate::domain::period::{BALANCE, BucketKey};

/// The rows to add, already expanded to every ancestor of each unit and in key order, so that
/// concurrent writers lock shared rows (a province's) in the same order and cannot deadlock.
#[derive(Debug, Default)]
pub(crate) struct AggWrite {
    pub ratings: Vec<(RatingCell, LevelCounts)>,
    pub dossiers: Vec<(DossierCell, DossierCounts)>,
    pub open: Vec<(OpenCell, i64)>,
}

/// Units whose ancestors an expansion needs.
pub(crate) fn units_of(
    ratings: &Deltas<RatingCell, LevelCounts>,
    dossiers: &DossierDeltas,
) -> Vec<i64> {
    let mut v: Vec<i64> = ratings
        .cells
        .keys()
        .map(|c| c.unit_id)
        .chain(dossiers.cells.cells.keys().map(|c| c.unit_id))
        .chain(dossiers.open.cells.keys().map(|c| c.unit_id))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Copies each unit's deltas to the unit itself and to each of its ancestors.
pub(crate) fn expand(
    ratings: Deltas<RatingCell, LevelCounts>,
    dossiers: DossierDeltas,
    ancestors: &HashMap<i64, Vec<i64>>,
) -> AggWrite {
    let up = |u: i64| ancestors.get(&u).cloned().unwrap_or_else(|| vec![u]);
    let mut r: Deltas<RatingCell, LevelCounts> = Deltas::default();
    for (c, v) in ratings.cells {
        for a in up(c.unit_id) {
            r.add([(
                RatingCell {
                    unit_id: a,
                    ..c.clone()
                },
                v,
            )]);
        }
    }
    let mut d: Deltas<DossierCell, DossierCounts> = Deltas::default();
    for (c, v) in dossiers.cells.cells {
        for a in up(c.unit_id) {
            d.add([(DossierCell { unit_id: a, ..c }, v)]);
        }
    }
    let mut o: Deltas<OpenCell, i64> = Deltas::default();
    for (c, v) in dossiers.open.cells {
        for a in up(c.unit_id) {
            o.add([(OpenCell { unit_id: a, ..c }, v)]);
        }
    }
    AggWrite {
        ratings: r.sorted(),
        dossiers: d.sorted(),
        open: o.sorted(),
    }
}

/// A unit and its ancestors, for each of `units`: `SELECT unit_id, ancestor_id`.
pub(crate) fn ancestors_sql(units: &[i64]) -> String {
    let ids = keys_list(units);
    format!(
        "WITH RECURSIVE anc(unit_id, ancestor_id) AS (
            SELECT id, id FROM units WHERE id IN ({ids})
            UNION ALL
            SELECT a.unit_id, u.parent_id FROM anc a JOIN units u ON u.id = a.ancestor_id
            WHERE u.parent_id IS NOT NULL)
         SELECT unit_id, ancestor_id FROM anc"
    )
}

/// Rows a JSON parameter carries: enough to make statements few, small enough to keep one
/// statement's memory modest.
pub(crate) const JSON_CHUNK: usize = 20_000;

/// One value of a row written in bulk.
#[derive(Clone, Copy)]
pub(crate) enum J<'a> {
    I(i64),
    N(Option<i64>),
    S(&'a str),
    OS(Option<&'a str>),
}

/// Many rows sent to PostgreSQL as one JSON array parameter and read back as a table: one
/// statement for tens of thousands of rows instead of a round trip per thousand.
#[derive(Default)]
pub(crate) struct JsonRows {
    buf: String,
}

impl JsonRows {
    pub fn push(&mut self, row: &[J<'_>]) {
        use std::fmt::Write;
        self.buf.push(if self.buf.is_empty() { '[' } else { ',' });
        self.buf.push('[');
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            match v {
                J::I(n) | J::N(Some(n)) => {
                    let _ = write!(self.buf, "{n}");
                }
                J::S(s) | J::OS(Some(s)) => {
                    self.buf
                        .push_str(&serde_json::to_string(s).expect("strings serialise"));
                }
                J::N(None) | J::OS(None) => self.buf.push_str("null"),
            }
        }
        self.buf.push(']');
    }

    pub fn finish(mut self) -> String {
        if self.buf.is_empty() {
            self.buf.push('[');
        }
        self.buf.push(']');
        self.buf
    }
}

/// The ancestors of each of `$units` (each unit among its own), read on `$conn`.
macro_rules! read_ancestors {
    ($conn:expr, $units:expr) => {{
        let units: Vec<i64> = $units;
        let mut ancestors: std::collections::HashMap<i64, Vec<i64>> = Default::default();
        if !units.is_empty() {
            let rows: Vec<(i64, i64)> =
                sqlx::query_as(&$crate::store::aggregates::ancestors_sql(&units))
                    .fetch_all(&mut *$conn)
                    .await?;
            for (u, a) in rows {
                ancestors.entry(u).or_default().push(a);
            }
        }
        ancestors
    }};
}
pub(crate) use read_ancestors;

/// Applies rating and dossier deltas on `$conn` (a connection inside the caller's transaction):
/// reads the ancestors of the units involved, then upserts a few hundred rows per statement.
macro_rules! agg_apply {
    ($conn:expr, $ratings:expr, $dossiers:expr) => {{
        let ratings: $crate::domain::aggregate::Deltas<_, _> = $ratings;
        let dossiers: $crate::domain::aggregate::DossierDeltas = $dossiers;
        let units = $crate::store::aggregates::units_of(&ratings, &dossiers);
        let ancestors = $crate::store::aggregates::read_ancestors!($conn, units);
        let w = $crate::store::aggregates::expand(ratings, dossiers, &ancestors);
        $crate::store::aggregates::AggSink::write(&mut *$conn, &w).await?;
    }};
}

/// Turns a bulk load's tally of ratings into the aggregate rows it adds, on a thread of its
/// own: reads the ancestors of the units on `$conn` (inside the caller's transaction), then
/// spreads and sums the cells while the caller rebuilds the indexes it dropped, work that
/// leaves the second core idle. Await the handle, then `AggSink::write` the result.
macro_rules! agg_tally_cells {
    ($conn:expr, $tally:expr) => {{
        let tally: $crate::domain::aggregate::RatingTally = $tally;
        let ancestors = $crate::store::aggregates::read_ancestors!($conn, tally.units());
        tokio::task::spawn_blocking(move || $crate::store::aggregates::AggWrite {
            ratings: tally.into_cells(|u| ancestors.get(&u).map(Vec::as_slice)),
            ..Default::default()
        })
    }};
}
pub(crate) use agg_apply;
pub(crate) use agg_tally_cells;

/// The three upserts that add an `AggWrite`, as (table and columns, conflict target and update).
fn agg_statements() -> [(String, String); 3] {
    let add = |table: &str, cols: &[&str]| {
        cols.iter()
            .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    [
        (
            "rating_agg (unit_id, bucket, dim, key, question, l1, l2, l3, l4, l5, top_offered, flagged)".into(),
            format!(
                "ON CONFLICT (unit_id, bucket, dim, key, question) DO UPDATE SET {}",
                add("rating_agg", &["l1", "l2", "l3", "l4", "l5", "top_offered", "flagged"])
            ),
        ),
        (
            "dossier_agg (unit_id, bucket, dim, key, received, received_online, finished, early,
              on_time, late, returned, overdue_delta, open_delta)"
                .into(),
            format!(
                "ON CONFLICT (unit_id, bucket, dim, key) DO UPDATE SET {}",
                add("dossier_agg", &crate::domain::aggregate::DossierCounts::COLUMNS)
            ),
        ),
        (
            "dossier_open_agg (unit_id, due_day, n)".into(),
            "ON CONFLICT (unit_id, due_day) DO UPDATE SET n = dossier_open_agg.n + excluded.n"
                .into(),
        ),
    ]
}

/// One row of an aggregate upsert, on the stack: a load writes millions of them, which as
/// vectors were a heap allocation each.
#[derive(Clone, Copy)]
pub(crate) struct AggRow<'a> {
    vals: [J<'a>; 13],
    len: usize,
}

impl<'a> AggRow<'a> {
    fn new(vals: impl IntoIterator<Item = J<'a>>) -> AggRow<'a> {
        let mut row = AggRow {
            vals: [J::I(0); 13],
            len: 0,
        };
        for v in vals {
            row.vals[row.len] = v;
            row.len += 1;
        }
        row
    }
}

impl<'a> AsRef<[J<'a>]> for AggRow<'a> {
    fn as_ref(&self) -> &[J<'a>] {
        &self.vals[..self.len]
    }
}

/// The rows of table `n` of an `AggWrite`, as the upserts of `agg_statements` take them, made
/// as they are read.
fn agg_rows<'a>(
    w: &'a AggWrite,
    n: usize,
) -> Box<dyn ExactSizeIterator<Item = AggRow<'a>> + Send + 'a> {
    match n {
        0 => Box::new(w.ratings.iter().map(|(c, v)| {
            let cell = [
                J::I(c.unit_id),
                J::I(c.bucket.into()),
                J::I(c.dim.into()),
                J::I(c.key),
                J::S(&c.question),
            ];
            let counts = v.levels.iter().chain([&v.top_offered, &v.flagged]);
            AggRow::new(cell.into_iter().chain(counts.map(|x| J::I(*x))))
        })),
        1 => Box::new(w.dossiers.iter().map(|(c, v)| {
            let cell = [
                J::I(c.unit_id),
                J::I(c.bucket.into()),
                J::I(c.dim.into()),
                J::I(c.key),
            ];
            AggRow::new(cell.into_iter().chain(v.values().into_iter().map(J::I)))
        })),
        _ => Box::new(
            w.open
                .iter()
                .map(|(c, n)| AggRow::new([J::I(c.unit_id), J::I(c.due_day.into()), J::I(*n)])),
        ),
    }
}

/// PostgreSQL types of the columns of each upsert, in order.
const AGG_PG_TYPES: [&[&str]; 3] = [
    &[
        "bigint", "integer", "smallint", "bigint", "text", "bigint", "bigint", "bigint", "bigint",
        "bigint", "bigint", "bigint",
    ],
    &[
        "bigint", "integer", "smallint", "bigint", "bigint", "bigint", "bigint", "bigint",
        "bigint", "bigint", "bigint", "bigint", "bigint",
    ],
    &["bigint", "integer", "bigint"],
];

/// Lets a PostgreSQL bulk load skip row triggers until its transaction ends, when the
/// account may (a superuser): foreign-key checks then cost nothing, which is most of the time of
/// a COPY. Safe because the loads insert only ids they have just resolved from the same tables,
/// and the tables they load have no insert triggers that do work of their own.
pub(crate) async fn pg_skip_triggers(tx: &mut sqlx::PgConnection) -> Result<()> {
    let superuser: String = sqlx::query_scalar("SELECT current_setting('is_superuser')")
        .fetch_one(&mut *tx)
        .await?;
    if superuser == "on" {
        sqlx::query("SET LOCAL session_replication_role = replica")
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Adds an `AggWrite` to the stored aggregates on a connection inside the caller's transaction.
pub(crate) trait AggSink {
    fn write(&mut self, w: &AggWrite) -> impl std::future::Future<Output = Result<()>> + Send;
}

impl AggSink for sqlx::SqliteConnection {
    /// A kiosk batch: one prepared upsert stepped per row. A load of thousands: staged.
    async fn write(&mut self, w: &AggWrite) -> Result<()> {
        let mut handle = self.lock_handle().await?;
        let db = handle.as_raw_handle();
        for (n, (target, conflict)) in agg_statements().iter().enumerate() {
            let rows = agg_rows(w, n);
            let width = AGG_PG_TYPES[n].len();
            if rows.len() > 1000 {
                // SAFETY: the handle stays locked throughout.
                unsafe {
                    super::sqlite_bulk::staged(
                        db,
                        &format!("agg_stage_{n}"),
                        width,
                        rows,
                        &format!("INSERT INTO {target}"),
                        conflict,
                    )?;
                }
                continue;
            }
            if rows.len() == 0 {
                continue;
            }
            let marks = vec!["?"; width].join(", ");
            // SAFETY: the handle stays locked while the statement lives.
            let mut upsert = unsafe {
                super::sqlite_bulk::Prepared::new(
                    db,
                    &format!("INSERT INTO {target} VALUES ({marks}) {conflict}"),
                )?
            };
            for r in rows {
                upsert.run(r.as_ref())?;
            }
        }
        Ok(())
    }
}

/// Rows in COPY's binary format, each field as its column's type in `types` (`AGG_PG_TYPES`):
/// the server reads integers as they are stored instead of parsing their digits.
fn copy_binary<'a>(rows: impl Iterator<Item = AggRow<'a>>, types: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(COPY_ROWS * 96);
    for r in rows {
        let mut tuple = CopyTuple::new(&mut out, types.len() as i16);
        for (v, ty) in r.as_ref().iter().zip(types) {
            // `J::I` holds each column's value widened to i64 from its own type (a bucket's
            // i32, a dimension's i16), so the narrowing casts give the value back.
            match (v, *ty) {
                (J::I(n) | J::N(Some(n)), "integer") => tuple.int4(*n as i32),
                (J::I(n) | J::N(Some(n)), "smallint") => tuple.int2(*n as i16),
                (J::I(n) | J::N(Some(n)), _) => tuple.int8(*n),
                (J::S(t) | J::OS(Some(t)), _) => tuple.text(t),
                (J::N(None) | J::OS(None), _) => tuple.null(),
            };
        }
    }
    out
}

/// Whether aggregate `table` is empty, and then locked against other writers until the
/// caller's transaction ends, so that rows can be added without checking for their keys: a
/// first load into a new installation. A table in use is not locked.
async fn pg_first_fill(conn: &mut sqlx::PgConnection, table: &str) -> Result<bool> {
    let empty = format!("SELECT NOT EXISTS (SELECT 1 FROM {table})");
    if !sqlx::query_scalar::<_, bool>(&empty)
        .fetch_one(&mut *conn)
        .await?
    {
        return Ok(false);
    }
    // Writers of aggregates take ROW EXCLUSIVE: this waits for them and then holds them off.
    sqlx::query(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query_scalar::<_, bool>(&empty)
        .fetch_one(&mut *conn)
        .await?)
}

/// Rows per message of a COPY: memory stays flat however many rows a load adds.
const COPY_ROWS: usize = 50_000;

impl AggSink for sqlx::PgConnection {
    /// A kiosk batch: one statement with the rows as a JSON parameter. A load of thousands:
    /// COPY into a scratch table, then one upsert from it (or COPY alone into an empty table).
    async fn write(&mut self, w: &AggWrite) -> Result<()> {
        for (n, ((target, conflict), types)) in
            agg_statements().iter().zip(AGG_PG_TYPES).enumerate()
        {
            let mut rows = agg_rows(w, n);
            if rows.len() > 1000 {
                let (table, cols) = target.split_once(' ').expect("table (columns)");
                // An empty table takes the rows straight in, its key built afterwards, where
                // an upsert would probe the index row by row (a first load of 10 million
                // ratings makes 5 million rows); otherwise they go through a scratch table.
                let stage = format!("{table}_stage");
                let (into, key) = if pg_first_fill(&mut *self, table).await? {
                    let key = super::pg_bulk::drop_primary_key_for_fill(&mut *self, table).await?;
                    (table, Some(key))
                } else {
                    sqlx::query(&format!(
                        "CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table}) ON COMMIT DROP"
                    ))
                    .execute(&mut *self)
                    .await?;
                    (stage.as_str(), None)
                };
                let mut copy = self
                    .copy_in_raw(&format!(
                        "COPY {into} {cols} FROM STDIN WITH (FORMAT binary)"
                    ))
                    .await?;
                copy.send(CopyTuple::HEADER).await?;
                while rows.len() > 0 {
                    copy.send(copy_binary(rows.by_ref().take(COPY_ROWS), types))
                        .await?;
                }
                copy.send(CopyTuple::TRAILER).await?;
                copy.finish().await?;
                if let Some(key) = key {
                    super::pg_bulk::restore_indexes(&mut *self, key.as_slice()).await?;
                    continue;
                }
                sqlx::query(&format!(
                    "INSERT INTO {target} SELECT {cols_bare} FROM {stage} WHERE TRUE {conflict}",
                    cols_bare = cols.trim_matches(|c| c == '(' || c == ')')
                ))
                .execute(&mut *self)
                .await?;
                sqlx::query(&format!("TRUNCATE {stage}"))
                    .execute(&mut *self)
                    .await?;
                continue;
            }
            while rows.len() > 0 {
                let mut json = JsonRows::default();
                for r in rows.by_ref().take(JSON_CHUNK) {
                    json.push(r.as_ref());
                }
                let cols: Vec<String> = types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| format!("(j ->> {i})::{t}"))
                    .collect();
                let sql = format!(
                    "INSERT INTO {target} SELECT {} FROM jsonb_array_elements($1::jsonb) j WHERE TRUE {conflict}",
                    cols.join(", ")
                );
                sqlx::query(&sql)
                    .bind(json.finish())
                    .execute(&mut *self)
                    .await?;
            }
        }
        Ok(())
    }
}

/// Per-backend SQL for instants (epoch ms) seen in Vietnam's time zone (UTC+7 since 1975).
struct Clock {
    month: fn(&str) -> String,
    day: fn(&str) -> String,
    week_hour: fn(&str) -> String,
}

const SQLITE_CLOCK: Clock = Clock {
    month: |c| format!("CAST(strftime('%Y%m', {c} / 1000 + 25200, 'unixepoch') AS INTEGER)"),
    day: |c| format!("CAST(strftime('%Y%m%d', {c} / 1000 + 25200, 'unixepoch') AS INTEGER)"),
    week_hour: |c| {
        format!(
            "(CAST(strftime('%w', {c} / 1000 + 25200, 'unixepoch') AS INTEGER) * 100
              + CAST(strftime('%H', {c} / 1000 + 25200, 'unixepoch') AS INTEGER))"
        )
    },
};

const PG_CLOCK: Clock = Clock {
    month: |c| {
        format!(
            "CAST(to_char(to_timestamp({c} / 1000 + 25200) AT TIME ZONE 'UTC', 'YYYYMM') AS INTEGER)"
        )
    },
    day: |c| {
        format!(
            "CAST(to_char(to_timestamp({c} / 1000 + 25200) AT TIME ZONE 'UTC', 'YYYYMMDD') AS INTEGER)"
        )
    },
    week_hour: |c| {
        format!(
            "CAST(EXTRACT(DOW FROM to_timestamp({c} / 1000 + 25200) AT TIME ZONE 'UTC') * 100
              + EXTRACT(HOUR FROM to_timestamp({c} / 1000 + 25200) AT TIME ZONE 'UTC') AS BIGINT)"
        )
    },
};

const ALL_ANCESTORS: &str = "WITH RECURSIVE anc(unit_id, ancestor_id) AS (
        SELECT id, id FROM units
        UNION ALL
        SELECT a.unit_id, u.parent_id FROM anc a JOIN units u ON u.id = a.ancestor_id
        WHERE u.parent_id IS NOT NULL)";

/// The statements that recompute every aggregate from raw rows, independently of the
/// incremental code (so that a test comparing the two means something). `ballot` lists a
/// rating's answers (`store::ratings::ballot_rows`).
fn rebuild_sql(k: &Clock, ballot: &str) -> Vec<String> {
    let month = |c: &str| (k.month)(c);
    let day = |c: &str| (k.day)(c);
    let lv =
        |n: u8| format!("SUM(CASE WHEN r.flagged_at IS NULL AND r.level = {n} THEN 1 ELSE 0 END)");
    let levels = (1..=5).map(lv).collect::<Vec<_>>().join(", ");
    let top = "SUM(CASE WHEN r.flagged_at IS NULL AND r.scale <> 2 THEN 1 ELSE 0 END)";
    let flagged = "SUM(CASE WHEN r.flagged_at IS NULL THEN 0 ELSE 1 END)";
    let rating_dim = |dim: u8, key: &str| {
        // A constant in GROUP BY would be read as a column position.
        let group_key = if key == "0" {
            String::new()
        } else {
            format!(", {key}")
        };
        format!(
            "INSERT INTO agg_stage_r SELECT r.unit_id, {m}, {dim}, {key}, '', {levels}, {top}, {flagged}
             FROM ratings r GROUP BY r.unit_id, {m}{group_key}",
            m = month("r.rated_at")
        )
    };
    let sum_l = "SUM(l1), SUM(l2), SUM(l3), SUM(l4), SUM(l5), SUM(top_offered), SUM(flagged)";
    let cols = DossierCounts::COLUMNS.join(", ");
    let sum_d = DossierCounts::COLUMNS
        .iter()
        .map(|c| format!("SUM({c})"))
        .collect::<Vec<_>>()
        .join(", ");
    // One row per dossier with what its contribution depends on; `stop` is the month it left
    // the open set (finished, or refused / withdrawn / stopped), NULL while open.
    let facts = format!(
        "SELECT d.unit_id, d.channel, d.status, d.supplement_count, d.counter_id,
            {recv} AS recv_m, {due} AS due_m, {fin} AS fin_m, {ret} AS ret_m,
            {fin_d} AS fin_d, {due_d} AS due_d,
            CASE WHEN d.finished_at IS NOT NULL THEN {fin}
                 WHEN d.status IN (3, 7, 8) THEN {upd} END AS stop_m
         FROM dossiers d WHERE d.received_at IS NOT NULL AND d.due_at IS NOT NULL",
        recv = month("d.received_at"),
        due = month("d.due_at"),
        fin = month("d.finished_at"),
        ret = month("d.returned_at"),
        upd = month("d.updated_at"),
        fin_d = day("d.finished_at"),
        due_d = day("d.due_at"),
    );
    // The month from which an open dossier counts overdue; NULL when it never does (paused).
    let overdue_from = "CASE WHEN f.supplement_count > 1 THEN f.recv_m
            WHEN f.status = 5 AND f.stop_m IS NULL THEN NULL
            WHEN f.due_m > f.recv_m THEN f.due_m ELSE f.recv_m END";
    let z = |n: usize| vec!["0"; n].join(", ");
    vec![
        "DELETE FROM rating_agg".into(),
        "DELETE FROM dossier_agg".into(),
        "DELETE FROM dossier_open_agg".into(),
        "CREATE TEMPORARY TABLE agg_stage_r (unit_id BIGINT, bucket INTEGER, dim SMALLINT, key BIGINT,
            question TEXT, l1 BIGINT, l2 BIGINT, l3 BIGINT, l4 BIGINT, l5 BIGINT, top_offered BIGINT, flagged BIGINT)"
            .into(),
        rating_dim(0, "0"),
        rating_dim(1, "COALESCE(r.official_id, 0)"),
        rating_dim(2, "COALESCE(r.counter_id, 0)"),
        rating_dim(3, &(k.week_hour)("r.rated_at")),
        format!(
            "INSERT INTO agg_stage_r SELECT r.unit_id, {m}, 4, 0, a.key,
                SUM(CASE WHEN {lv} = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN {lv} = 2 THEN 1 ELSE 0 END),
                SUM(CASE WHEN {lv} = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN {lv} = 4 THEN 1 ELSE 0 END),
                SUM(CASE WHEN {lv} = 5 THEN 1 ELSE 0 END), {top}, 0
             FROM ratings r, {ballot}
             WHERE r.flagged_at IS NULL AND r.answers <> '{{}}' GROUP BY r.unit_id, {m}, a.key",
            m = month("r.rated_at"),
            lv = "CAST(a.value AS SMALLINT)"
        ),
        format!(
            "{ALL_ANCESTORS} INSERT INTO rating_agg (unit_id, bucket, dim, key, question, l1, l2, l3, l4, l5, top_offered, flagged)
             SELECT anc.ancestor_id, s.bucket, s.dim, s.key, s.question, {sum_l}
             FROM agg_stage_r s JOIN anc ON anc.unit_id = s.unit_id
             GROUP BY anc.ancestor_id, s.bucket, s.dim, s.key, s.question"
        ),
        "DROP TABLE agg_stage_r".into(),
        "CREATE TEMPORARY TABLE agg_stage_d (unit_id BIGINT, bucket INTEGER, dim SMALLINT, key BIGINT,
            received BIGINT, received_online BIGINT, finished BIGINT, early BIGINT, on_time BIGINT,
            late BIGINT, returned BIGINT, overdue_delta BIGINT, open_delta BIGINT)"
            .into(),
        format!(
            "INSERT INTO agg_stage_d
             SELECT f.unit_id, f.recv_m, 0, 0, 1, CASE WHEN f.channel = 2 THEN 1 ELSE 0 END, {z7}
             FROM ({facts}) f
             UNION ALL
             SELECT f.unit_id, f.fin_m, 0, 0, 0, 0, 1,
                CASE WHEN f.supplement_count <= 1 AND f.fin_d < f.due_d THEN 1 ELSE 0 END,
                CASE WHEN f.supplement_count <= 1 AND f.fin_d = f.due_d THEN 1 ELSE 0 END,
                CASE WHEN f.supplement_count > 1 OR f.fin_d > f.due_d THEN 1 ELSE 0 END, {z3}
             FROM ({facts}) f WHERE f.fin_m IS NOT NULL
             UNION ALL
             SELECT f.unit_id, f.ret_m, 0, 0, {z6}, 1, 0, 0 FROM ({facts}) f WHERE f.ret_m IS NOT NULL
             UNION ALL
             SELECT f.unit_id, f.ret_m, 2, COALESCE(f.counter_id, 0), {z6}, 1, 0, 0 FROM ({facts}) f WHERE f.ret_m IS NOT NULL
             UNION ALL
             SELECT f.unit_id, f.recv_m, 0, 0, {z8}, 1 FROM ({facts}) f WHERE f.stop_m IS NULL OR f.recv_m < f.stop_m
             UNION ALL
             SELECT f.unit_id, f.stop_m, 0, 0, {z8}, -1 FROM ({facts}) f WHERE f.recv_m < f.stop_m
             UNION ALL
             SELECT o.unit_id, o.from_m, 0, 0, {z7}, 1, 0 FROM (SELECT f.*, {overdue_from} AS from_m FROM ({facts}) f) o
             WHERE o.from_m IS NOT NULL AND (o.stop_m IS NULL OR o.from_m < o.stop_m)
             UNION ALL
             SELECT o.unit_id, o.stop_m, 0, 0, {z7}, -1, 0 FROM (SELECT f.*, {overdue_from} AS from_m FROM ({facts}) f) o
             WHERE o.from_m IS NOT NULL AND o.from_m < o.stop_m",
            z3 = z(3),
            z6 = z(6),
            z7 = z(7),
            z8 = z(8),
        ),
        format!(
            "{ALL_ANCESTORS} INSERT INTO dossier_agg (unit_id, bucket, dim, key, {cols})
             SELECT anc.ancestor_id, s.bucket, s.dim, s.key, {sum_d}
             FROM agg_stage_d s JOIN anc ON anc.unit_id = s.unit_id
             GROUP BY anc.ancestor_id, s.bucket, s.dim, s.key"
        ),
        "DROP TABLE agg_stage_d".into(),
        // Quarters and years from the months just written; the open and overdue differences
        // stay on month rows, and are summed in each unit's balance.
        format!(
            "INSERT INTO rating_agg (unit_id, bucket, dim, key, question, l1, l2, l3, l4, l5, top_offered, flagged)
             SELECT unit_id, (bucket / 100) * 100 + 20 + ((bucket % 100) + 2) / 3, dim, key, question, {sum_l}
             FROM rating_agg WHERE dim IN (0, 1, 2) GROUP BY unit_id, (bucket / 100) * 100 + 20 + ((bucket % 100) + 2) / 3, dim, key, question"
        ),
        format!(
            "INSERT INTO rating_agg (unit_id, bucket, dim, key, question, l1, l2, l3, l4, l5, top_offered, flagged)
             SELECT unit_id, (bucket / 100) * 100, dim, key, question, {sum_l}
             FROM rating_agg WHERE dim IN (0, 1, 2) AND bucket % 100 BETWEEN 1 AND 12
             GROUP BY unit_id, (bucket / 100) * 100, dim, key, question"
        ),
        format!(
            "INSERT INTO dossier_agg (unit_id, bucket, dim, key, {cols})
             SELECT unit_id, (bucket / 100) * 100 + 20 + ((bucket % 100) + 2) / 3, dim, key,
                {sum_d7}, 0, 0
             FROM dossier_agg GROUP BY unit_id, (bucket / 100) * 100 + 20 + ((bucket % 100) + 2) / 3, dim, key",
            sum_d7 = DossierCounts::COLUMNS[..7]
                .iter()
                .map(|c| format!("SUM({c})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!(
            "INSERT INTO dossier_agg (unit_id, bucket, dim, key, {cols})
             SELECT unit_id, (bucket / 100) * 100, dim, key, {sum_d7}, 0, 0
             FROM dossier_agg WHERE bucket % 100 BETWEEN 1 AND 12
             GROUP BY unit_id, (bucket / 100) * 100, dim, key",
            sum_d7 = DossierCounts::COLUMNS[..7]
                .iter()
                .map(|c| format!("SUM({c})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!(
            "INSERT INTO dossier_agg (unit_id, bucket, dim, key, {cols})
             SELECT unit_id, {BALANCE}, dim, key, {z7}, SUM(overdue_delta), SUM(open_delta)
             FROM dossier_agg WHERE dim = {total} AND bucket % 100 BETWEEN 1 AND 12
             GROUP BY unit_id, dim, key",
            z7 = z(7),
            total = crate::domain::aggregate::dossier_dim::TOTAL,
        ),
        format!(
            "{ALL_ANCESTORS} INSERT INTO dossier_open_agg (unit_id, due_day, n)
             SELECT anc.ancestor_id, o.due_day, COUNT(*) FROM (
                SELECT d.unit_id, CASE WHEN d.supplement_count > 1 THEN 19000101
                    WHEN d.status = 5 THEN 99991231 ELSE {due_d} END AS due_day
                FROM dossiers d
                WHERE d.received_at IS NOT NULL AND d.due_at IS NOT NULL AND d.finished_at IS NULL
                  AND d.status NOT IN (3, 7, 8)) o
             JOIN anc ON anc.unit_id = o.unit_id GROUP BY anc.ancestor_id, o.due_day",
            due_d = day("d.due_at")
        ),
    ]
}

/// Sums of the level columns, for SELECTs (PostgreSQL sums BIGINT into NUMERIC: cast back).
const SUM_LEVELS: &str =
    "CAST(SUM(l1) AS BIGINT), CAST(SUM(l2) AS BIGINT), CAST(SUM(l3) AS BIGINT),
    CAST(SUM(l4) AS BIGINT), CAST(SUM(l5) AS BIGINT), CAST(SUM(top_offered) AS BIGINT),
    CAST(SUM(flagged) AS BIGINT)";

pub(crate) type LevelRow = (i64, i64, i64, i64, i64, i64, i64);
/// A part's number, a key (and question) with its level counts, as SELECTed.
type PartLevelRow = (i64, i64, String, i64, i64, i64, i64, i64, i64, i64);

/// One read of `Store::rating_agg_parts`.
#[derive(Debug, Clone, Copy)]
pub enum AggPart<'a> {
    /// `dim` summed over the buckets, per key and question.
    ByKey(i16, &'a [BucketKey]),
    /// The whole unit's counts per bucket (the bucket in the key's place).
    ByBucket(&'a [BucketKey]),
}
/// A bucket or unit id with its level counts, as SELECTed.
pub(crate) type IdLevelRow<T> = (T, i64, i64, i64, i64, i64, i64, i64);

pub(crate) fn level_counts(r: LevelRow) -> LevelCounts {
    LevelCounts {
        levels: [r.0, r.1, r.2, r.3, r.4],
        top_offered: r.5,
        flagged: r.6,
    }
}

/// Numbers (bucket keys, unit ids: ours, never a caller's text) as an SQL list, `1,2,3`.
pub(crate) fn keys_list<T: ToString>(keys: &[T]) -> String {
    keys.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

/// Open dossiers of a unit now: how many, and how many are overdue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenNow {
    pub open: i64,
    pub overdue: i64,
}

impl Store {
    /// After a bulk load (PostgreSQL): fresh planner statistics for the tables it filled, and the
    /// aggregates vacuumed so that views read them from their indexes alone. Without this the
    /// planner, still believing the tables empty, scanned a million-row aggregate where one
    /// index range serves (60 ms instead of 3). Autovacuum would get there, minutes later.
    /// SQLite's plans do not depend on statistics here. Runs after the commit: a failure only
    /// leaves the work to autovacuum and is logged, never reported as a failed import.
    pub(crate) async fn settle_after_load(&self, raw: &[&str]) {
        if let Db::Postgres(p) = self.db() {
            let mut sql =
                vec!["VACUUM (ANALYZE) rating_agg, dossier_agg, dossier_open_agg".to_string()];
            if !raw.is_empty() {
                sql.push(format!("ANALYZE {}", raw.join(", ")));
            }
            for s in &sql {
                if let Err(e) = sqlx::query(s).execute(p).await {
                    tracing::warn!(error = %e, statement = %s, "statistics after a bulk load not refreshed");
                }
            }
        }
    }
}

impl Store {
    /// Recomputes every aggregate from raw ratings and dossiers, in one transaction.
    pub async fn aggregates_rebuild(&self) -> Result<()> {
        let clock = match self.db() {
            Db::Sqlite(_) => &SQLITE_CLOCK,
            Db::Postgres(_) => &PG_CLOCK,
        };
        let sql = rebuild_sql(clock, super::ratings::ballot_rows(self.db()));
        macro_rules! run_all {
            ($conn:expr) => {{
                let mut tx = sqlx::Connection::begin($conn).await?;
                for s in &sql {
                    sqlx::query(s).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }};
        }
        match self.db() {
            Db::Sqlite(p) => {
                // A connection of its own with helper threads for the GROUP BYs' sorts and the
                // files mapped into memory: read page by page through system calls, the sorts'
                // runs and the scans took most of the time (one rating dimension over 10M
                // ratings: 29 s, 17 of them in the kernel; 19.6 s with both).
                let pragmas = ["PRAGMA threads = 2", "PRAGMA mmap_size = 2147418112"];
                let mut conn = super::sqlite_bulk::connection_with(p, &pragmas).await?;
                run_all!(&mut *conn)
            }
            Db::Postgres(p) => {
                let mut conn = p.acquire().await?;
                run_all!(&mut *conn)
            }
        }
        self.settle_after_load(&[]).await;
        Ok(())
    }

    /// Every non-zero aggregate row, in key order, as text: what the rebuild test compares.
    pub async fn aggregates_dump(&self) -> Result<Vec<String>> {
        let queries = [
            "SELECT 'r' || unit_id || '|' || bucket || '|' || dim || '|' || key || '|' || question || '|' || l1 || ',' || l2 || ',' || l3 || ',' || l4 || ',' || l5 || ',' || top_offered || ',' || flagged
             FROM rating_agg WHERE l1 <> 0 OR l2 <> 0 OR l3 <> 0 OR l4 <> 0 OR l5 <> 0 OR top_offered <> 0 OR flagged <> 0",
            "SELECT 'd' || unit_id || '|' || bucket || '|' || dim || '|' || key || '|' || received || ',' || received_online || ',' || finished || ',' || early || ',' || on_time || ',' || late || ',' || returned || ',' || overdue_delta || ',' || open_delta
             FROM dossier_agg WHERE received <> 0 OR received_online <> 0 OR finished <> 0 OR early <> 0 OR on_time <> 0 OR late <> 0 OR returned <> 0 OR overdue_delta <> 0 OR open_delta <> 0",
            "SELECT 'o' || unit_id || '|' || due_day || '|' || n FROM dossier_open_agg WHERE n <> 0",
        ];
        let mut out = Vec::new();
        for q in queries {
            let rows: Vec<String> =
                with_pool!(self, p => sqlx::query_scalar(q).fetch_all(p).await)?;
            out.extend(rows);
        }
        out.sort();
        Ok(out)
    }

    /// Rating counts of one unit in `dim`, summed over `buckets`, per key (and question).
    pub async fn rating_agg_by_key(
        &self,
        unit_id: i64,
        dim: i16,
        buckets: &[BucketKey],
    ) -> Result<Vec<(i64, String, LevelCounts)>> {
        let mut parts = self
            .rating_agg_parts(unit_id, &[AggPart::ByKey(dim, buckets)])
            .await?;
        Ok(parts.pop().unwrap_or_default())
    }

    /// Several reads of one unit's rating aggregates in one statement, one result per part in
    /// the order asked. A dashboard needs half a dozen; on PostgreSQL each statement costs
    /// about a millisecond of round trip and planning on two cores, more than its rows.
    pub async fn rating_agg_parts(
        &self,
        unit_id: i64,
        parts: &[AggPart<'_>],
    ) -> Result<Vec<Vec<(i64, String, LevelCounts)>>> {
        let selects: Vec<String> = parts
            .iter()
            .enumerate()
            .filter_map(|(i, part)| match *part {
                AggPart::ByKey(_, []) | AggPart::ByBucket([]) => None,
                // A key has one row per bucket: over one bucket (a month, quarter or year)
                // there is nothing to sum, and PostgreSQL's grouping cost more than its scan.
                AggPart::ByKey(dim, [bucket]) => Some(format!(
                    "SELECT CAST({i} AS BIGINT), key, question,
                            l1, l2, l3, l4, l5, top_offered, flagged FROM rating_agg
                     WHERE unit_id = $1 AND dim = {dim} AND bucket = {bucket}"
                )),
                AggPart::ByKey(dim, buckets) => Some(format!(
                    "SELECT CAST({i} AS BIGINT), key, question, {SUM_LEVELS} FROM rating_agg
                     WHERE unit_id = $1 AND dim = {dim} AND bucket IN ({})
                     GROUP BY key, question",
                    keys_list(buckets)
                )),
                // One row per bucket: the whole unit's total has no other key or question.
                AggPart::ByBucket(buckets) => Some(format!(
                    "SELECT CAST({i} AS BIGINT), CAST(bucket AS BIGINT), question,
                            l1, l2, l3, l4, l5, top_offered, flagged FROM rating_agg
                     WHERE unit_id = $1 AND dim = 0 AND key = 0 AND question = ''
                       AND bucket IN ({})",
                    keys_list(buckets)
                )),
            })
            .collect();
        let mut out = vec![Vec::new(); parts.len()];
        if selects.is_empty() {
            return Ok(out);
        }
        let rows: Vec<PartLevelRow> =
            super::fetch_packed(self, &selects.join(" UNION ALL "), 10, &[unit_id]).await?;
        for r in rows {
            out[r.0 as usize].push((r.1, r.2, level_counts((r.3, r.4, r.5, r.6, r.7, r.8, r.9))));
        }
        Ok(out)
    }

    /// Dossier counts of one unit in `dim`, summed over `buckets`, per key. The open and
    /// overdue differences are meaningless in such a sum and come back as zero.
    pub async fn dossier_agg_by_key(
        &self,
        unit_id: i64,
        dim: i16,
        buckets: &[BucketKey],
    ) -> Result<Vec<(i64, DossierCounts)>> {
        let mut parts = self.dossier_agg_parts(unit_id, &[(dim, buckets)]).await?;
        Ok(parts.pop().unwrap_or_default())
    }

    /// `dossier_agg_by_key` for several dimensions and bucket lists in one statement, one
    /// result per part in the order asked (see `rating_agg_parts`).
    pub async fn dossier_agg_parts(
        &self,
        unit_id: i64,
        parts: &[(i16, &[BucketKey])],
    ) -> Result<Vec<Vec<(i64, DossierCounts)>>> {
        let columns = &DossierCounts::COLUMNS[..7];
        let sums = columns
            .iter()
            .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
            .collect::<Vec<_>>()
            .join(", ");
        let plain = columns.join(", ");
        let selects: Vec<String> = parts
            .iter()
            .enumerate()
            .filter_map(|(i, (dim, buckets))| match buckets {
                [] => None,
                // One row per key and bucket: nothing to sum (see `rating_agg_parts`).
                [bucket] => Some(format!(
                    "SELECT CAST({i} AS BIGINT), key, {plain} FROM dossier_agg
                     WHERE unit_id = $1 AND dim = {dim} AND bucket = {bucket}"
                )),
                _ => Some(format!(
                    "SELECT CAST({i} AS BIGINT), key, {sums} FROM dossier_agg
                     WHERE unit_id = $1 AND dim = {dim} AND bucket IN ({}) GROUP BY key",
                    keys_list(buckets)
                )),
            })
            .collect();
        let mut out = vec![Vec::new(); parts.len()];
        if selects.is_empty() {
            return Ok(out);
        }
        type Row = (i64, i64, i64, i64, i64, i64, i64, i64, i64);
        let rows: Vec<Row> =
            super::fetch_packed(self, &selects.join(" UNION ALL "), 9, &[unit_id]).await?;
        for r in rows {
            out[r.0 as usize].push((
                r.1,
                DossierCounts::from_values([r.2, r.3, r.4, r.5, r.6, r.7, r.8, 0, 0]),
            ));
        }
        Ok(out)
    }

    /// A unit's whole-unit dossier counts per month bucket from `first` to `last` inclusive,
    /// with the open and overdue differences.
    pub async fn dossier_agg_months(
        &self,
        unit_id: i64,
        first: BucketKey,
        last: BucketKey,
    ) -> Result<Vec<(BucketKey, DossierCounts)>> {
        let cols = DossierCounts::COLUMNS.join(", ");
        let sql = format!(
            "SELECT bucket, {cols} FROM dossier_agg
             WHERE unit_id = $1 AND dim = 0 AND key = 0 AND bucket >= $2 AND bucket <= $3
               AND bucket % 100 BETWEEN 1 AND 12"
        );
        type Row = (i32, i64, i64, i64, i64, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = with_pool!(self, p =>
            sqlx::query_as(&sql).bind(unit_id).bind(first).bind(last).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.0,
                    DossierCounts::from_values([r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9]),
                )
            })
            .collect())
    }

    /// Open and overdue-open dossiers at the end of month `last`, for several units at once:
    /// each unit's balance less the differences of the months after `last`. Leaders mostly ask
    /// for recent months, so this reads a few rows per unit where summing the months up to
    /// `last` read every month since the first (a province's 169 units: 4,000 rows).
    pub async fn dossier_open_at_month_end(
        &self,
        units: &[i64],
        last: BucketKey,
    ) -> Result<HashMap<i64, OpenNow>> {
        if units.is_empty() {
            return Ok(HashMap::new());
        }
        let ids = keys_list(units);
        let sql = format!(
            "SELECT unit_id,
                CAST(SUM(CASE WHEN bucket = {BALANCE} THEN open_delta ELSE -open_delta END) AS BIGINT),
                CAST(SUM(CASE WHEN bucket = {BALANCE} THEN overdue_delta ELSE -overdue_delta END) AS BIGINT)
             FROM dossier_agg
             WHERE unit_id IN ({ids}) AND dim = 0 AND bucket > {last}
               AND (bucket % 100 BETWEEN 1 AND 12 OR bucket = {BALANCE})
             GROUP BY unit_id"
        );
        // The month is written in, not bound: with `bucket > $1` PostgreSQL never settled on a
        // generic plan and planned the statement and its long IN list at every execution.
        let rows: Vec<(i64, i64, i64)> = super::fetch_packed(self, &sql, 3, &[]).await?;
        Ok(rows
            .into_iter()
            .map(|(u, open, overdue)| (u, OpenNow { open, overdue }))
            .collect())
    }

    /// Open and overdue-open dossiers now (`today` as yyyymmdd), for several units at once.
    pub async fn dossier_open_now(
        &self,
        units: &[i64],
        today: i32,
    ) -> Result<HashMap<i64, OpenNow>> {
        if units.is_empty() {
            return Ok(HashMap::new());
        }
        let ids = keys_list(units);
        let sql = format!(
            "SELECT unit_id, CAST(SUM(n) AS BIGINT), CAST(SUM(CASE WHEN due_day < $1 THEN n ELSE 0 END) AS BIGINT)
             FROM dossier_open_agg WHERE unit_id IN ({ids}) GROUP BY unit_id"
        );
        let rows: Vec<(i64, i64, i64)> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(today).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(u, open, overdue)| (u, OpenNow { open, overdue }))
            .collect())
    }
}

/// Moves a unit's figures (its rows stand for its whole subtree) from the ancestors of
/// `old_parent` to those of `new_parent`, when an administrator re-attaches a unit.
macro_rules! agg_move_unit {
    ($conn:expr, $unit:expr, $old_parent:expr, $new_parent:expr) => {{
        let (unit, old_parent, new_parent): (i64, Option<i64>, Option<i64>) =
            ($unit, $old_parent, $new_parent);
        if old_parent != new_parent {
            let mut moves: Vec<(i64, i64)> = Vec::new();
            for (parent, sign) in [(old_parent, -1i64), (new_parent, 1)] {
                if let Some(p) = parent {
                    let rows: Vec<(i64, i64)> =
                        sqlx::query_as(&$crate::store::aggregates::ancestors_sql(&[p]))
                            .fetch_all(&mut *$conn)
                            .await?;
                    moves.extend(rows.into_iter().map(|(_, a)| (a, sign)));
                }
            }
            for (ancestor, sign) in moves {
                for sql in $crate::store::aggregates::MOVE_SQL {
                    sqlx::query(sql)
                        .bind(ancestor)
                        .bind(sign)
                        .bind(unit)
                        .execute(&mut *$conn)
                        .await?;
                }
            }
        }
    }};
}
pub(crate) use agg_move_unit;

/// Adds `$2` × the rows of unit `$3` to unit `$1`, one statement per aggregate table.
pub(crate) const MOVE_SQL: [&str; 3] = [
    "INSERT INTO rating_agg (unit_id, bucket, dim, key, question, l1, l2, l3, l4, l5, top_offered, flagged)
     SELECT $1, bucket, dim, key, question, $2 * l1, $2 * l2, $2 * l3, $2 * l4, $2 * l5, $2 * top_offered, $2 * flagged
     FROM rating_agg WHERE unit_id = $3
     ON CONFLICT (unit_id, bucket, dim, key, question) DO UPDATE SET
        l1 = rating_agg.l1 + excluded.l1, l2 = rating_agg.l2 + excluded.l2,
        l3 = rating_agg.l3 + excluded.l3, l4 = rating_agg.l4 + excluded.l4,
        l5 = rating_agg.l5 + excluded.l5, top_offered = rating_agg.top_offered + excluded.top_offered,
        flagged = rating_agg.flagged + excluded.flagged",
    "INSERT INTO dossier_agg (unit_id, bucket, dim, key, received, received_online, finished, early,
        on_time, late, returned, overdue_delta, open_delta)
     SELECT $1, bucket, dim, key, $2 * received, $2 * received_online, $2 * finished, $2 * early,
        $2 * on_time, $2 * late, $2 * returned, $2 * overdue_delta, $2 * open_delta
     FROM dossier_agg WHERE unit_id = $3
     ON CONFLICT (unit_id, bucket, dim, key) DO UPDATE SET
        received = dossier_agg.received + excluded.received,
        received_online = dossier_agg.received_online + excluded.received_online,
        finished = dossier_agg.finished + excluded.finished, early = dossier_agg.early + excluded.early,
        on_time = dossier_agg.on_time + excluded.on_time, late = dossier_agg.late + excluded.late,
        returned = dossier_agg.returned + excluded.returned,
        overdue_delta = dossier_agg.overdue_delta + excluded.overdue_delta,
        open_delta = dossier_agg.open_delta + excluded.open_delta",
    "INSERT INTO dossier_open_agg (unit_id, due_day, n)
     SELECT $1, due_day, $2 * n FROM dossier_open_agg WHERE unit_id = $3
     ON CONFLICT (unit_id, due_day) DO UPDATE SET n = dossier_open_agg.n + excluded.n",
];
