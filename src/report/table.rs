//! Report tables as plain rows, so that every table a page shows can also be downloaded as CSV
//! and XLSX with the same figures (DOMAIN §10: every percentage with its n).

use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook};

use super::ReportError;
use super::figures::Satisfaction;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(u64),
    /// A share in [0, 1]; None prints empty (a rate of nothing is not 0%).
    Pct(Option<f64>),
    /// Points, shown with two decimals; None prints empty.
    Num(Option<f64>),
}

#[derive(Debug, Clone)]
pub struct Table {
    /// Used in URLs and file names ("sub_units").
    pub key: &'static str,
    /// Sheet name (at most 31 characters).
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Rows below the minimum n, greyed in the spreadsheet.
    pub greyed: Vec<bool>,
}

/// The satisfaction columns every table repeats, in one order.
pub fn satisfaction_headers() -> Vec<String> {
    [
        "Số phiếu",
        "Hài lòng trở lên",
        "Tỷ lệ hài lòng (%)",
        "KTC 95% – cận dưới (%)",
        "KTC 95% – cận trên (%)",
        "Rất hài lòng (%)",
        "Phiếu bị loại",
    ]
    .map(String::from)
    .to_vec()
}

pub fn satisfaction_cells(s: &Satisfaction) -> Vec<Cell> {
    vec![
        Cell::Count(s.ballots),
        Cell::Count(s.satisfied),
        Cell::Pct(s.rate),
        Cell::Pct(s.low),
        Cell::Pct(s.high),
        Cell::Pct(s.very_satisfied_share),
        Cell::Count(s.flagged),
    ]
}

impl Cell {
    /// CSV text: percentages with a dot and one decimal, as the other exports.
    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Pct(v) => v.map(|x| format!("{:.1}", x * 100.0)).unwrap_or_default(),
            // Rounded as the page rounds points, so the two never differ in the last digit.
            Cell::Num(v) => v
                .map(|x| format!("{:.2}", crate::domain::scoring::round2(x)))
                .unwrap_or_default(),
        }
    }
}

/// UTF-8 with a byte-order mark, so Excel shows the diacritics.
pub fn csv(t: &Table) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let err = |e: csv::Error| ReportError::Export(e.to_string());
    w.write_record(&t.headers).map_err(err)?;
    for row in &t.rows {
        w.write_record(row.iter().map(Cell::csv)).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| ReportError::Export(e.to_string()))
}

/// One workbook, one sheet per table, each headed by the report's title lines.
pub fn xlsx(title: &[String], tables: &[Table]) -> Result<Vec<u8>, ReportError> {
    let x = |e: rust_xlsxwriter::XlsxError| ReportError::Export(e.to_string());
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_font_size(13);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xDCE6F1))
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let pct = Format::new().set_num_format("0.0%");
    let grey = Format::new().set_font_color(Color::Gray);
    let grey_pct = Format::new()
        .set_num_format("0.0%")
        .set_font_color(Color::Gray);
    let num = Format::new().set_num_format("0.00");
    let grey_num = Format::new()
        .set_num_format("0.00")
        .set_font_color(Color::Gray);
    for t in tables {
        let ws = wb.add_worksheet();
        let name: String = t.sheet.chars().take(31).collect();
        ws.set_name(&name).map_err(x)?;
        let mut r = 0u32;
        for line in title {
            ws.write_string_with_format(r, 0, line, &bold).map_err(x)?;
            r += 1;
        }
        r += 1;
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(r, c as u16, h, &head)
                .map_err(x)?;
            ws.set_column_width(c as u16, if c == 0 { 30 } else { 14 })
                .map_err(x)?;
        }
        for (i, row) in t.rows.iter().enumerate() {
            let r = r + 1 + i as u32;
            let dim = t.greyed.get(i).copied().unwrap_or(false);
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match (cell, dim) {
                    (Cell::Text(s), false) => ws.write_string(r, c, s).map(|_| ()),
                    (Cell::Text(s), true) => {
                        ws.write_string_with_format(r, c, s, &grey).map(|_| ())
                    }
                    (Cell::Count(n), false) => ws.write_number(r, c, *n as f64).map(|_| ()),
                    (Cell::Count(n), true) => ws
                        .write_number_with_format(r, c, *n as f64, &grey)
                        .map(|_| ()),
                    (Cell::Pct(None), _) => Ok(()),
                    (Cell::Pct(Some(v)), false) => {
                        ws.write_number_with_format(r, c, *v, &pct).map(|_| ())
                    }
                    (Cell::Pct(Some(v)), true) => {
                        ws.write_number_with_format(r, c, *v, &grey_pct).map(|_| ())
                    }
                    (Cell::Num(None), _) => Ok(()),
                    (Cell::Num(Some(v)), false) => {
                        ws.write_number_with_format(r, c, *v, &num).map(|_| ())
                    }
                    (Cell::Num(Some(v)), true) => {
                        ws.write_number_with_format(r, c, *v, &grey_num).map(|_| ())
                    }
                }
                .map_err(x)?;
            }
        }
    }
    wb.save_to_buffer().map_err(x)
}
