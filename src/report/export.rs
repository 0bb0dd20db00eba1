//! CSV and XLSX renderings of reports, with Vietnamese headers.

use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook};

use super::timeliness::{TimelinessReport, TimelinessRow};
use super::{OfficialMonthReport, OfficialRow, ReportError};
use crate::domain::time::Month;

fn headers(r: &OfficialMonthReport) -> Vec<String> {
    let mut h = vec![
        "Mã cán bộ".to_string(),
        "Họ và tên".into(),
        "Chức vụ".into(),
        "Đơn vị".into(),
        "Số phiếu".into(),
    ];
    for l in &r.levels {
        h.push(format!("{} (phiếu)", l.label_vi));
        h.push(format!("{} (%)", l.label_vi));
    }
    h.extend([
        "Tỷ lệ hài lòng (%)".to_string(),
        "Khoảng tin cậy 95% – cận dưới (%)".into(),
        "Khoảng tin cậy 95% – cận trên (%)".into(),
        "Rất hài lòng (%)".into(),
        "Phiếu bị loại (đánh dấu lạm dụng)".into(),
        format!("Dưới {} phiếu", r.min_n),
    ]);
    h
}

/// A sheet's title line.
fn title_format() -> Format {
    Format::new().set_bold().set_font_size(14)
}

/// Column headers: bold, wrapped, centred on a light blue band.
fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xDCE6F1))
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}", x * 100.0)).unwrap_or_default()
}

fn csv_row(row: &OfficialRow) -> Vec<String> {
    let mut v = vec![
        row.code.clone(),
        row.full_name.clone(),
        row.title.clone(),
        row.unit_name.clone(),
        row.ballots.to_string(),
    ];
    for (c, s) in row.counts.iter().zip(&row.shares) {
        v.push(c.to_string());
        v.push(pct(*s));
    }
    v.extend([
        pct(row.satisfaction_rate),
        pct(row.satisfaction_low),
        pct(row.satisfaction_high),
        pct(row.very_satisfied_rate),
        row.flagged.to_string(),
        if row.below_min_n {
            "x".into()
        } else {
            String::new()
        },
    ]);
    v
}

/// UTF-8 with a byte-order mark, so Excel shows the diacritics; percentages as numbers with a
/// dot, one decimal.
pub fn official_month_csv(r: &OfficialMonthReport) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let err = |e: csv::Error| ReportError::Export(e.to_string());
    w.write_record(headers(r)).map_err(err)?;
    for row in r.rows.iter().chain(std::iter::once(&r.total)) {
        w.write_record(csv_row(row)).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| ReportError::Export(e.to_string()))
}

pub fn official_month_xlsx(r: &OfficialMonthReport) -> Result<Vec<u8>, ReportError> {
    let x = |e: rust_xlsxwriter::XlsxError| ReportError::Export(e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Đánh giá cán bộ").map_err(x)?;
    let (title, head) = (title_format(), header_format());
    let pct_f = Format::new().set_num_format("0.0%");
    let grey = Format::new().set_font_color(Color::Gray);
    let grey_pct = Format::new()
        .set_num_format("0.0%")
        .set_font_color(Color::Gray);
    let bold = Format::new().set_bold();
    let bold_pct = Format::new().set_bold().set_num_format("0.0%");

    let month: Month = r.month.parse().map_err(ReportError::Export)?;
    ws.write_string_with_format(
        0,
        0,
        format!(
            "KẾT QUẢ ĐÁNH GIÁ SỰ HÀI LÒNG ĐỐI VỚI CÁN BỘ, CÔNG CHỨC – THÁNG {}",
            month.display_vi()
        ),
        &title,
    )
    .map_err(x)?;
    ws.write_string(
        1,
        0,
        format!("Đơn vị: {} (mã {})", r.unit_name, r.unit_code),
    )
    .map_err(x)?;
    ws.write_string(2, 0, format!(
        "Không tính {} phiếu bị đánh dấu lạm dụng. Dòng chữ xám: dưới {} phiếu, chưa đủ để đánh giá. Khoảng tin cậy 95% theo phương pháp Wilson.",
        r.excluded_flagged, r.min_n)).map_err(x)?;
    let hrow = 4u32;
    for (i, h) in headers(r).iter().enumerate() {
        ws.write_string_with_format(hrow, i as u16, h, &head)
            .map_err(x)?;
    }
    ws.set_row_height(hrow, 45).map_err(x)?;
    let rows = r
        .rows
        .iter()
        .map(|row| (row, false))
        .chain(std::iter::once((&r.total, true)));
    for (i, (row, is_total)) in rows.enumerate() {
        let y = hrow + 1 + i as u32;
        let (tf, pf) = if is_total {
            (&bold, &bold_pct)
        } else if row.below_min_n {
            (&grey, &grey_pct)
        } else {
            (&Format::new(), &pct_f)
        };
        let mut col = 0u16;
        for s in [&row.code, &row.full_name, &row.title, &row.unit_name] {
            ws.write_string_with_format(y, col, s, tf).map_err(x)?;
            col += 1;
        }
        ws.write_number_with_format(y, col, row.ballots as f64, tf)
            .map_err(x)?;
        col += 1;
        let put_pct = |ws: &mut rust_xlsxwriter::Worksheet,
                       col: u16,
                       v: Option<f64>|
         -> Result<(), ReportError> {
            if let Some(v) = v {
                ws.write_number_with_format(y, col, v, pf).map_err(x)?;
            }
            Ok(())
        };
        for (c, s) in row.counts.iter().zip(&row.shares) {
            ws.write_number_with_format(y, col, *c as f64, tf)
                .map_err(x)?;
            put_pct(ws, col + 1, *s)?;
            col += 2;
        }
        for v in [
            row.satisfaction_rate,
            row.satisfaction_low,
            row.satisfaction_high,
            row.very_satisfied_rate,
        ] {
            put_pct(ws, col, v)?;
            col += 1;
        }
        ws.write_number_with_format(y, col, row.flagged as f64, tf)
            .map_err(x)?;
        if row.below_min_n && !is_total {
            ws.write_string_with_format(y, col + 1, "x", tf)
                .map_err(x)?;
        }
    }
    ws.set_column_width(0, 12).map_err(x)?;
    ws.set_column_width(1, 26).map_err(x)?;
    ws.set_column_width(2, 18).map_err(x)?;
    ws.set_column_width(3, 22).map_err(x)?;
    ws.set_freeze_panes(hrow + 1, 2).map_err(x)?;
    wb.save_to_buffer().map_err(x)
}

const TIMELINESS_HEADERS: [&str; 12] = [
    "Mã",
    "Tên",
    "Tiếp nhận trong tháng",
    "Tiếp nhận trực tuyến",
    "Tỷ lệ trực tuyến (%)",
    "Đã giải quyết",
    "Trước hạn",
    "Đúng hạn",
    "Quá hạn (đã giải quyết)",
    "Chưa giải quyết, quá hạn",
    "Chưa đến hạn",
    "Tỷ lệ đúng hạn (%)",
];

fn timeliness_record(row: &TimelinessRow) -> Vec<String> {
    let c = &row.counts;
    vec![
        row.code.clone(),
        row.name.clone(),
        c.received.to_string(),
        c.received_online.to_string(),
        pct(c.online_share),
        c.finished.to_string(),
        c.early.to_string(),
        c.on_time.to_string(),
        c.late.to_string(),
        c.overdue_open.to_string(),
        c.pending.to_string(),
        pct(c.on_time_rate),
    ]
}

/// The timeliness report as CSV (UTF-8 with a byte-order mark for Excel).
pub fn timeliness_csv(r: &TimelinessReport) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let err = |e: csv::Error| ReportError::Export(e.to_string());
    w.write_record(TIMELINESS_HEADERS).map_err(err)?;
    for row in r.rows.iter().chain(std::iter::once(&r.total)) {
        w.write_record(timeliness_record(row)).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| ReportError::Export(e.to_string()))
}

/// The timeliness report as XLSX: counts as numbers, rates in a percentage format.
pub fn timeliness_xlsx(r: &TimelinessReport) -> Result<Vec<u8>, ReportError> {
    let x = |e: rust_xlsxwriter::XlsxError| ReportError::Export(e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Tiến độ giải quyết").map_err(x)?;
    let (title, head) = (title_format(), header_format());
    let pct_f = Format::new().set_num_format("0.0%");
    let bold = Format::new().set_bold();
    let bold_pct = Format::new().set_bold().set_num_format("0.0%");
    let month: Month = r.month.parse().map_err(ReportError::Export)?;
    ws.write_string_with_format(
        0,
        0,
        format!(
            "TÌNH HÌNH GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH – THÁNG {}",
            month.display_vi()
        ),
        &title,
    )
    .map_err(x)?;
    ws.write_string(
        1,
        0,
        format!("Đơn vị: {} (mã {})", r.unit_name, r.unit_code),
    )
    .map_err(x)?;
    ws.write_string(2, 0, "Tỷ lệ đúng hạn = (trước hạn + đúng hạn) / (đã giải quyết + chưa giải quyết nhưng quá hạn). Hồ sơ yêu cầu bổ sung quá một lần tính là quá hạn.")
        .map_err(x)?;
    let hrow = 4u32;
    for (i, h) in TIMELINESS_HEADERS.iter().enumerate() {
        ws.write_string_with_format(hrow, i as u16, *h, &head)
            .map_err(x)?;
    }
    ws.set_row_height(hrow, 45).map_err(x)?;
    let rows = r
        .rows
        .iter()
        .map(|row| (row, false))
        .chain(std::iter::once((&r.total, true)));
    for (i, (row, is_total)) in rows.enumerate() {
        let y = hrow + 1 + i as u32;
        let (tf, pf) = if is_total {
            (&bold, &bold_pct)
        } else {
            (&Format::new(), &pct_f)
        };
        let c = &row.counts;
        ws.write_string_with_format(y, 0, &row.code, tf)
            .map_err(x)?;
        ws.write_string_with_format(y, 1, &row.name, tf)
            .map_err(x)?;
        let cells: [(u16, Option<f64>, bool); 10] = [
            (2, Some(c.received as f64), false),
            (3, Some(c.received_online as f64), false),
            (4, c.online_share, true),
            (5, Some(c.finished as f64), false),
            (6, Some(c.early as f64), false),
            (7, Some(c.on_time as f64), false),
            (8, Some(c.late as f64), false),
            (9, Some(c.overdue_open as f64), false),
            (10, Some(c.pending as f64), false),
            (11, c.on_time_rate, true),
        ];
        for (col, v, is_pct) in cells {
            if let Some(v) = v {
                ws.write_number_with_format(y, col, v, if is_pct { pf } else { tf })
                    .map_err(x)?;
            }
        }
    }
    ws.set_column_width(1, 48).map_err(x)?;
    wb.save_to_buffer().map_err(x)
}
