//! PostgreSQL's side of a bulk load into a still-small table: its plain indexes are dropped
//! inside the load's transaction and built once at the end, from all rows at once, as on SQLite
//! (`sqlite_bulk::drop_indexes_for_load`). Maintaining them row by row was most of the server's
//! time in a 10-million-row COPY (`_bt_compare` first in its profile). UNIQUE indexes and the
//! primary key stay: they check the load. The price: until the commit, the dropped indexes
//! hold an exclusive lock on the table, so other writers of it wait for the load (kiosks
//! keep their ratings queued and send them afterwards); hence only while the table is small,
//! which is when a desk loads its history. The rows themselves go in COPY's binary format
//! (`CopyTuple`).

use super::sqlite_bulk::REBUILD_UP_TO;

/// Drops the plain indexes of `table` when it holds at most `REBUILD_UP_TO` rows (`existing`)
/// and returns their definitions for `restore_indexes`.
pub(crate) async fn drop_indexes_for_load(
    tx: &mut sqlx::PgConnection,
    table: &str,
    existing: i64,
) -> Result<Vec<String>, sqlx::Error> {
    if existing > REBUILD_UP_TO {
        return Ok(Vec::new());
    }
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT indexname::text, indexdef FROM pg_indexes
         WHERE schemaname = current_schema() AND tablename = $1
           AND indexdef NOT LIKE 'CREATE UNIQUE%'",
    )
    .bind(table)
    .fetch_all(&mut *tx)
    .await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX \"{name}\""))
            .execute(&mut *tx)
            .await?;
    }
    Ok(indexes.into_iter().map(|(_, def)| def).collect())
}

/// Builds again what `drop_indexes_for_load` dropped, with room to sort in memory.
pub(crate) async fn restore_indexes(
    tx: &mut sqlx::PgConnection,
    definitions: &[String],
) -> Result<(), sqlx::Error> {
    if definitions.is_empty() {
        return Ok(());
    }
    sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
        .execute(&mut *tx)
        .await?;
    for def in definitions {
        sqlx::query(def).execute(&mut *tx).await?;
    }
    Ok(())
}

/// For a first fill of an empty table (the caller holds a lock that keeps other writers out):
/// drops its primary key, and the foreign keys of other tables that reference it, and returns
/// the statements that add them back, key first, for `restore_indexes` once the rows are in.
/// Building the key from all rows at once took half the time of keeping it row by row (an
/// aggregate table of 5 million rows: 6 + 5 s against 18 s; a quarter of the server's time in a
/// COPY of 10 million dossiers went to their key). Readers of the table, and of the referencing
/// tables, wait for the load's commit meanwhile, as for `drop_indexes_for_load`; the table is
/// empty, so they would have found nothing, nor can the referencing tables hold a row that
/// points into it. Adding the foreign keys back checks them again.
pub(crate) async fn drop_primary_key_for_fill(
    tx: &mut sqlx::PgConnection,
    table: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let key: Option<(String, String)> = sqlx::query_as(
        "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE conrelid = $1::regclass AND contype = 'p'",
    )
    .bind(table)
    .fetch_optional(&mut *tx)
    .await?;
    if key.is_none() {
        return Ok(Vec::new());
    }
    let referencing: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid)
         FROM pg_constraint WHERE confrelid = $1::regclass AND contype = 'f'
         ORDER BY conrelid::regclass::text, conname",
    )
    .bind(table)
    .fetch_all(&mut *tx)
    .await?;
    let mut restore = Vec::with_capacity(1 + referencing.len());
    let mut foreign = Vec::with_capacity(referencing.len());
    for (other, name, def) in referencing {
        foreign.extend(drop_constraint(tx, &other, Some((name, def))).await?);
    }
    restore.extend(drop_constraint(tx, table, key).await?);
    restore.extend(foreign);
    Ok(restore)
}

/// For a load into an empty table whose loader tells repeated values apart itself: drops the
/// UNIQUE constraint on `column` and returns the statement that adds it back, for
/// `restore_indexes` once the rows are in. Checked row by row, the constraint on ratings' keys
/// was 40% of a 3-million-row COPY (9.6 s against 5.6 s); built afterwards it costs 4 s for 10
/// million. Adding it back still refuses the commit if a repeat slipped through.
pub(crate) async fn drop_unique_for_first_fill(
    tx: &mut sqlx::PgConnection,
    table: &str,
    column: &str,
) -> Result<Option<String>, sqlx::Error> {
    let unique: Option<(String, String)> = sqlx::query_as(
        "SELECT c.conname::text, pg_get_constraintdef(c.oid) FROM pg_constraint c
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.conrelid = $1::regclass AND c.contype = 'u'
           AND cardinality(c.conkey) = 1 AND a.attname = $2",
    )
    .bind(table)
    .bind(column)
    .fetch_optional(&mut *tx)
    .await?;
    drop_constraint(tx, table, unique).await
}

/// Drops the constraint `found` (name, definition) names, if any, and returns the statement
/// that adds it back.
async fn drop_constraint(
    tx: &mut sqlx::PgConnection,
    table: &str,
    found: Option<(String, String)>,
) -> Result<Option<String>, sqlx::Error> {
    let Some((name, def)) = found else {
        return Ok(None);
    };
    sqlx::query(&format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\""))
        .execute(&mut *tx)
        .await?;
    Ok(Some(format!(
        "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {def}"
    )))
}

/// One row of COPY's binary format: the server takes each field in its own representation
/// instead of parsing text (10 million dossiers copied from a file on the server: 55 s in
/// binary, 80 s as CSV, the server's single core being what the load waits for).
pub(crate) struct CopyTuple<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> CopyTuple<'a> {
    /// What a binary COPY starts with: its signature, no flags, no header extension.
    pub(crate) const HEADER: &'static [u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
    /// What it ends with: a row of -1 fields.
    pub(crate) const TRAILER: &'static [u8] = &[0xff, 0xff];

    pub(crate) fn new(out: &'a mut Vec<u8>, fields: i16) -> CopyTuple<'a> {
        out.extend_from_slice(&fields.to_be_bytes());
        CopyTuple { out }
    }

    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        // A field is at most a row's text, far below 2 GiB.
        self.out
            .extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        self.out.extend_from_slice(bytes);
        self
    }

    pub(crate) fn text(&mut self, s: &str) -> &mut Self {
        self.field(s.as_bytes())
    }

    /// NULL, of any type: a length of -1 and no bytes.
    pub(crate) fn null(&mut self) -> &mut Self {
        self.out.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    /// Text or NULL.
    pub(crate) fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    pub(crate) fn int2(&mut self, v: i16) -> &mut Self {
        self.field(&v.to_be_bytes())
    }

    pub(crate) fn int4(&mut self, v: i32) -> &mut Self {
        self.field(&v.to_be_bytes())
    }

    pub(crate) fn int8(&mut self, v: i64) -> &mut Self {
        self.field(&v.to_be_bytes())
    }

    /// A `bigint` or NULL.
    pub(crate) fn opt_int8(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.int8(v),
            None => self.null(),
        }
    }

    pub(crate) fn boolean(&mut self, v: bool) -> &mut Self {
        self.field(&[u8::from(v)])
    }
}
