//! The demo procedure catalogue: about thirty real commune-level procedures from
//! `data/procedures-demo.csv` (which says, per row, what was verified), and the shorter limits
//! two demo communes committed to, as a district did in seed 003.

use anyhow::Context;
use chrono::NaiveDate;

use super::import::{Table, procedure_rows};
use crate::domain::limit::TimeLimit;
use crate::store::Store;

/// The demo catalogue, shipped in the binary.
pub const CSV: &str = include_str!("../../data/procedures-demo.csv");

/// Committed limits: (unit code, procedure code, limit, valid from, decision). Several rows for
/// one unit and procedure make a history.
const COMMITTED: [(&str, &str, TimeLimit, &str, &str); 4] = [
    (
        "22525",
        "1.004222",
        TimeLimit::WorkingDays(6),
        "2025-07-01",
        "Quyết định số 15/QĐ-UBND ngày 20/6/2025 của UBND xã Vạn Hưng (dữ liệu minh hoạ)",
    ),
    (
        "22525",
        "1.004222",
        TimeLimit::WorkingDays(5),
        "2026-01-01",
        "Quyết định số 02/QĐ-UBND ngày 25/12/2025 của UBND xã Vạn Hưng (dữ liệu minh hoạ)",
    ),
    (
        "22525",
        "1.004873",
        TimeLimit::WorkingDays(2),
        "2025-07-01",
        "Quyết định số 15/QĐ-UBND ngày 20/6/2025 của UBND xã Vạn Hưng (dữ liệu minh hoạ)",
    ),
    (
        "22516",
        "1.004194",
        TimeLimit::WorkingDays(2),
        "2025-09-01",
        "Quyết định số 41/QĐ-UBND ngày 25/8/2025 của UBND xã Vạn Thắng (dữ liệu minh hoạ)",
    ),
];

/// Loads the catalogue and the committed limits; returns the number of procedures.
pub async fn load(store: &Store) -> anyhow::Result<u64> {
    let rows = procedure_rows(&Table::parse(CSV.as_bytes())?)?;
    let sum = store.import_procedures(&rows, None).await?;
    for (unit_code, code, limit, from, note) in COMMITTED {
        let unit = store
            .unit_by_code(unit_code)
            .await?
            .with_context(|| format!("demo unit {unit_code} missing"))?;
        let p = store
            .procedure_by_code(code)
            .await?
            .with_context(|| format!("demo procedure {code} missing"))?;
        let from = NaiveDate::parse_from_str(from, "%Y-%m-%d")?;
        store
            .procedure_limit_set(p.id, unit.id, limit, from, note, None)
            .await?;
    }
    Ok(sum.created)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_catalogue_parses_and_covers_the_main_commune_fields() {
        let rows =
            super::procedure_rows(&super::Table::parse(super::CSV.as_bytes()).unwrap()).unwrap();
        assert!(rows.len() >= 30, "{}", rows.len());
        for field in [
            "Hộ tịch",
            "Chứng thực",
            "Cư trú",
            "Đất đai",
            "Bảo trợ xã hội",
        ] {
            assert!(rows.iter().any(|r| r.input.field == field), "{field}");
        }
        for r in &rows {
            r.input.validate().unwrap();
        }
        let birth = rows.iter().find(|r| r.input.code == "1.001193").unwrap();
        assert_eq!(birth.input.name, "Đăng ký khai sinh");
        assert_eq!(birth.input.documents.len(), 3);
    }
}
