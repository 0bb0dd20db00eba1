//! Raw rows streamed out for analysis elsewhere (the DuckDB comparison, a statistician's own
//! tools): ratings, their answers, dossiers, units and officials, without citizens' personal
//! data. Rows are streamed, never held all at once.

use futures_util::TryStreamExt;

use super::Db;
use super::{Result, Store, StoreError, with_pool};

/// An export table: its name, its columns (SQL expressions named as in the CSV header), and
/// the rest of its query, where `{ballot}` stands for a rating's answers as rows
/// (`store::ratings::ballot_rows`).
pub struct ExportTable {
    pub name: &'static str,
    pub columns: &'static [(&'static str, &'static str)],
    pub from: &'static str,
}

impl ExportTable {
    pub fn header(&self) -> Vec<&'static str> {
        self.columns.iter().map(|(n, _)| *n).collect()
    }

    fn sql(&self, db: &Db) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|(n, e)| {
                if n == e {
                    n.to_string()
                } else {
                    format!("{e} AS {n}")
                }
            })
            .collect();
        let from = self
            .from
            .replace("{ballot}", super::ratings::ballot_rows(db));
        format!("SELECT {} {from}", cols.join(", "))
    }
}

pub const TABLES: [ExportTable; 5] = [
    ExportTable {
        name: "units",
        columns: &[
            ("id", "id"),
            ("parent_id", "parent_id"),
            ("level", "level"),
            ("code", "code"),
            ("name", "name"),
        ],
        from: "FROM units ORDER BY id",
    },
    ExportTable {
        name: "officials",
        columns: &[
            ("id", "id"),
            ("unit_id", "unit_id"),
            ("code", "code"),
            ("full_name", "full_name"),
        ],
        from: "FROM officials ORDER BY id",
    },
    ExportTable {
        name: "ratings",
        columns: &[
            ("id", "id"),
            ("unit_id", "unit_id"),
            ("official_id", "official_id"),
            ("counter_id", "counter_id"),
            ("channel", "channel"),
            ("scale", "scale"),
            ("level", "level"),
            ("rated_at", "rated_at"),
            ("flagged", "CASE WHEN flagged_at IS NULL THEN 0 ELSE 1 END"),
        ],
        from: "FROM ratings ORDER BY id",
    },
    ExportTable {
        name: "rating_answers",
        columns: &[
            ("rating_id", "r.id"),
            ("question_key", "a.key"),
            ("level", "CAST(a.value AS SMALLINT)"),
        ],
        from: "FROM ratings r, {ballot} WHERE r.answers <> '{}' ORDER BY r.id, a.key",
    },
    ExportTable {
        name: "dossiers",
        columns: &[
            ("id", "id"),
            ("unit_id", "unit_id"),
            ("counter_id", "counter_id"),
            ("channel", "channel"),
            ("status", "status"),
            ("received_at", "received_at"),
            ("due_at", "due_at"),
            ("finished_at", "finished_at"),
            ("returned_at", "returned_at"),
            ("supplement_count", "supplement_count"),
            ("updated_at", "updated_at"),
        ],
        from: "FROM dossiers ORDER BY id",
    },
];

/// One exported value: integers and text are all these tables hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Text(String),
}

impl Store {
    /// Streams every row of an export table to `row`, returning the number of rows.
    pub async fn export_table<F>(&self, table: &str, mut row: F) -> Result<u64>
    where
        F: FnMut(&[Value]) -> std::io::Result<()>,
    {
        let Some(t) = TABLES.iter().find(|t| t.name == table) else {
            return Err(StoreError::invalid(
                format!("Không có bảng '{table}' để xuất"),
                format!("No export table '{table}'"),
            ));
        };
        let io = |e: std::io::Error| {
            StoreError::invalid(format!("Lỗi ghi tệp: {e}"), format!("Write error: {e}"))
        };
        let mut n = 0u64;
        with_pool!(self, p => {
            use sqlx::{Row, TypeInfo, ValueRef};
            let sql = t.sql(self.db());
            let mut rows = sqlx::query(&sql).fetch(p);
            let mut values = Vec::new();
            while let Some(r) = rows.try_next().await? {
                values.clear();
                for i in 0..r.len() {
                    // The value's own type: SQLite knows none for computed columns.
                    let ty = r.try_get_raw(i)?.type_info().name().to_ascii_uppercase();
                    values.push(if ty.contains("TEXT") || ty.contains("CHAR") {
                        Value::Text(r.try_get::<String, _>(i)?)
                    } else if ty.contains("INT2") || ty == "SMALLINT" {
                        Value::Int(r.try_get::<Option<i16>, _>(i)?.map(i64::from))
                    } else if ty.contains("INT4") || ty == "INTEGER" && matches!(self.db(), Db::Postgres(_)) {
                        Value::Int(r.try_get::<Option<i32>, _>(i)?.map(i64::from))
                    } else {
                        Value::Int(r.try_get::<Option<i64>, _>(i)?)
                    });
                }
                row(&values).map_err(io)?;
                n += 1;
            }
        });
        Ok(n)
    }
}
