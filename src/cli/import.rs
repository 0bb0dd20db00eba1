//! `hailong import units|officials|counters|procedures|dossiers FILE`: CSV loads that are all or nothing. Columns
//! are matched by header name (any order, extra columns ignored); see docs/IMPORT.md.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use clap::Subcommand;

use crate::domain::dossier::{IntakeChannel, ReturnMethod, Status};
use crate::domain::limit::TimeLimit;
use crate::domain::procedure::{OnlineLevel, ProcedureLevel};
use crate::domain::unit::UnitLevel;
use crate::store::StoreError;
use crate::store::counters::CounterImportRow;
use crate::store::dossier_import::DossierImportRow;
use crate::store::officials::OfficialImportRow;
use crate::store::procedures::{ProcedureImportRow, ProcedureInput};
use crate::store::units::{ImportSummary, UnitImportRow};

#[derive(Subcommand, Debug)]
pub enum ImportWhat {
    /// Units: province_code, province_name, [district_code, district_name], [commune_code,
    /// commune_name], [valid_from], [valid_to]. Reads ../shared/data/units-2025-07.csv as is.
    Units {
        file: PathBuf,
        /// Start date for rows without a valid_from column (e.g. 2025-07-01).
        #[arg(long)]
        valid_from: Option<NaiveDate>,
    },
    /// Officials: unit_code, code, full_name, [title].
    Officials { file: PathBuf },
    /// Counters: unit_code, center_name, counter_code, counter_name.
    Counters { file: PathBuf },
    /// Procedures: code, name, field, level, limit_kind, limit_value, [agency], [limit_note],
    /// [fees], [documents], [legal_basis], [online_level], [active]. Keyed by code.
    Procedures { file: PathBuf },
    /// Historical dossiers: [code], unit_code, procedure_code, [channel], applicant_name,
    /// received_at, [due_at], status, [finished_at], [returned_at], [supplement_count],
    /// [return_method], [official_code], [counter_code]. Times are local "YYYY-MM-DD HH:MM".
    Dossiers { file: PathBuf },
    /// Past ratings, streamed (millions of rows): unit_code, rated_at, scale, level, [key],
    /// [counter_code], [official_code], [channel], [answers], [reasons], [comment],
    /// [dossier_code], [flag_reason]. Times are local "YYYY-MM-DD HH:MM[:SS]".
    Ratings { file: PathBuf },
}

/// The columns of a CSV file by lower-cased header name, so rows are read by name in any order.
pub struct Columns {
    // Looked up for every cell of millions of rows: a fast hash for short, trusted names.
    headers: rustc_hash::FxHashMap<String, usize>,
}

impl Columns {
    pub fn new(header: &csv::StringRecord) -> Columns {
        Columns {
            headers: header
                .iter()
                .enumerate()
                .map(|(i, h)| (h.trim().to_lowercase(), i))
                .collect(),
        }
    }

    pub fn require(&self, cols: &[&str]) -> anyhow::Result<()> {
        for c in cols {
            if !self.headers.contains_key(*c) {
                bail!("line 1: missing column '{c}' (thiếu cột '{c}')");
            }
        }
        Ok(())
    }

    pub fn has(&self, col: &str) -> bool {
        self.headers.contains_key(col)
    }

    /// Where a column is, looked up once for a file of millions of rows (looking its name up
    /// again for every cell was a fifth of the reader's time).
    pub fn col(&self, name: &'static str) -> Col {
        Col {
            name,
            at: self.headers.get(name).copied(),
        }
    }

    /// A cell, trimmed (here rather than by the reader, which would rebuild every record).
    pub fn cell<'a>(&self, rec: &'a csv::StringRecord, col: &'static str) -> &'a str {
        self.col(col).cell(rec)
    }

    /// A cell that must not be empty.
    pub fn need<'a>(
        &self,
        line: u64,
        rec: &'a csv::StringRecord,
        col: &'static str,
    ) -> anyhow::Result<&'a str> {
        self.col(col).need(line, rec)
    }
}

/// A column of a file, found by `Columns::col`; absent columns read as empty cells.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    name: &'static str,
    at: Option<usize>,
}

impl Col {
    /// The cell of this column, trimmed.
    pub fn cell<'a>(&self, rec: &'a csv::StringRecord) -> &'a str {
        self.at.and_then(|i| rec.get(i)).map_or("", str::trim)
    }

    /// The cell of this column, which must not be empty.
    pub fn need<'a>(&self, line: u64, rec: &'a csv::StringRecord) -> anyhow::Result<&'a str> {
        let v = self.cell(rec);
        if v.is_empty() {
            let col = self.name;
            bail!("line {line}: '{col}' is empty (cột '{col}' để trống)");
        }
        Ok(v)
    }
}

/// A CSV reader as every import reads: UTF-8 with or without a byte-order mark, rows of any
/// length. Cells are read through `Columns::cell`, which trims them.
pub fn csv_reader<R: std::io::Read>(
    mut input: std::io::BufReader<R>,
) -> csv::Reader<std::io::BufReader<R>> {
    use std::io::BufRead;
    if input
        .fill_buf()
        .is_ok_and(|b| b.starts_with(b"\xEF\xBB\xBF"))
    {
        input.consume(3);
    }
    csv::ReaderBuilder::new().flexible(true).from_reader(input)
}

/// Where a record starts, for messages.
pub fn record_line(rec: &csv::StringRecord) -> u64 {
    rec.position().map(|p| p.line()).unwrap_or(0)
}

/// A CSV error with the line it happened on.
pub fn csv_error(e: csv::Error) -> anyhow::Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    anyhow::anyhow!("line {line}: {e}")
}

/// A CSV file read into rows of named cells, each with its line number.
pub struct Table {
    columns: Columns,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl std::ops::Deref for Table {
    type Target = Columns;
    fn deref(&self) -> &Columns {
        &self.columns
    }
}

impl Table {
    pub fn read(path: &Path) -> anyhow::Result<Table> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Table::parse(&bytes)
    }

    pub fn parse(bytes: &[u8]) -> anyhow::Result<Table> {
        let mut rdr = csv_reader(std::io::BufReader::new(bytes));
        let columns = Columns::new(
            rdr.headers()
                .context("line 1: cannot read the header row")?,
        );
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(csv_error)?;
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            rows.push((record_line(&rec), rec));
        }
        Ok(Table { columns, rows })
    }

    pub fn rows(&self) -> &[(u64, csv::StringRecord)] {
        &self.rows
    }
}

fn date(line: u64, s: &str, col: &str) -> anyhow::Result<Option<NaiveDate>> {
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| anyhow::anyhow!("line {line}: '{col}' is not a date YYYY-MM-DD: '{s}'"))
}

/// Turns the unit table into parent-first rows: each line may define a province, a district
/// and a commune; a unit repeated on later lines must keep the same name.
pub fn unit_rows(t: &Table, default_from: Option<NaiveDate>) -> anyhow::Result<Vec<UnitImportRow>> {
    t.require(&["province_code", "province_name"])?;
    let three_level = t.has("district_code");
    let mut seen: HashMap<(UnitLevel, String), (String, u64)> = HashMap::new();
    let mut out = Vec::new();
    for (line, rec) in t.rows() {
        let line = *line;
        let from = match date(line, t.cell(rec, "valid_from"), "valid_from")? {
            Some(d) => Some(d),
            None => default_from,
        };
        let to = date(line, t.cell(rec, "valid_to"), "valid_to")?;
        let mut levels = vec![(UnitLevel::Province, "province_code", "province_name")];
        if three_level && !t.cell(rec, "district_code").is_empty() {
            levels.push((UnitLevel::District, "district_code", "district_name"));
        }
        if !t.cell(rec, "commune_code").is_empty() || !t.cell(rec, "commune_name").is_empty() {
            levels.push((UnitLevel::Commune, "commune_code", "commune_name"));
        }
        let mut parent: Option<String> = None;
        for (i, (level, code_col, name_col)) in levels.iter().enumerate() {
            let code = t.need(line, rec, code_col)?.to_string();
            let name = t.need(line, rec, name_col)?.to_string();
            if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
                bail!("line {line}: '{code_col}' must be letters and digits: '{code}'");
            }
            let last = i == levels.len() - 1;
            match seen.get(&(*level, code.clone())) {
                Some((n, first)) if *n != name => {
                    bail!(
                        "line {line}: code {code} is named '{name}' here but '{n}' on line {first}"
                    );
                }
                Some(_) if !last => {}
                Some((_, first)) => bail!("line {line}: unit {code} already given on line {first}"),
                None => {
                    seen.insert((*level, code.clone()), (name.clone(), line));
                    out.push(UnitImportRow {
                        line,
                        level: *level,
                        code: code.clone(),
                        name,
                        parent_code: parent.clone(),
                        // Validity dates describe the row's own (deepest) unit; parents defined
                        // implicitly share the start date.
                        valid_from: from,
                        valid_to: if last { to } else { None },
                    });
                }
            }
            parent = Some(code);
        }
    }
    Ok(out)
}

pub fn official_rows(t: &Table) -> anyhow::Result<Vec<OfficialImportRow>> {
    t.require(&["unit_code", "code", "full_name"])?;
    let mut seen = HashMap::new();
    t.rows()
        .iter()
        .map(|(line, rec)| {
            let line = *line;
            let code = t.need(line, rec, "code")?.to_string();
            if let Some(first) = seen.insert(code.clone(), line) {
                bail!("line {line}: official code {code} already given on line {first}");
            }
            Ok(OfficialImportRow {
                line,
                unit_code: t.need(line, rec, "unit_code")?.to_string(),
                code,
                full_name: t.need(line, rec, "full_name")?.to_string(),
                title: t.cell(rec, "title").to_string(),
            })
        })
        .collect()
}

pub fn counter_rows(t: &Table) -> anyhow::Result<Vec<CounterImportRow>> {
    t.require(&["unit_code", "center_name", "counter_code", "counter_name"])?;
    t.rows()
        .iter()
        .map(|(line, rec)| {
            let line = *line;
            Ok(CounterImportRow {
                line,
                unit_code: t.need(line, rec, "unit_code")?.to_string(),
                center_name: t.need(line, rec, "center_name")?.to_string(),
                counter_code: t.need(line, rec, "counter_code")?.to_string(),
                counter_name: t.need(line, rec, "counter_name")?.to_string(),
            })
        })
        .collect()
}

fn boolean(line: u64, s: &str, col: &str) -> anyhow::Result<bool> {
    match crate::domain::text::fold(s).as_str() {
        "" | "1" | "true" | "yes" | "co" | "x" => Ok(true),
        "0" | "false" | "no" | "khong" => Ok(false),
        _ => bail!("line {line}: '{col}' must be true or false: '{s}'"),
    }
}

/// Procedure rows (docs/IMPORT.md). Documents are separated by new lines inside the quoted
/// cell or by `|`.
pub fn procedure_rows(t: &Table) -> anyhow::Result<Vec<ProcedureImportRow>> {
    t.require(&[
        "code",
        "name",
        "field",
        "level",
        "limit_kind",
        "limit_value",
    ])?;
    let mut seen = HashMap::new();
    t.rows()
        .iter()
        .map(|(line, rec)| {
            let line = *line;
            let m = |m: crate::domain::Msg| anyhow::anyhow!("line {line}: {} ({})", m.en, m.vi);
            let code = t.need(line, rec, "code")?.to_string();
            if let Some(first) = seen.insert(code.clone(), line) {
                bail!("line {line}: procedure code {code} already given on line {first}");
            }
            let value = t.need(line, rec, "limit_value")?;
            let value: i64 = value.parse().map_err(|_| {
                anyhow::anyhow!("line {line}: 'limit_value' is not a whole number: '{value}'")
            })?;
            Ok(ProcedureImportRow {
                line,
                input: ProcedureInput {
                    code,
                    name: t.need(line, rec, "name")?.to_string(),
                    field: t.need(line, rec, "field")?.to_string(),
                    level: ProcedureLevel::parse_msg(t.need(line, rec, "level")?).map_err(m)?,
                    agency: t.cell(rec, "agency").to_string(),
                    legal_limit: TimeLimit::from_parts(t.need(line, rec, "limit_kind")?, value)
                        .map_err(m)?,
                    limit_note: t.cell(rec, "limit_note").to_string(),
                    fees: t.cell(rec, "fees").to_string(),
                    documents: t
                        .cell(rec, "documents")
                        .split(['|', '\n'])
                        .map(str::to_string)
                        .collect(),
                    legal_basis: t.cell(rec, "legal_basis").to_string(),
                    online_level: OnlineLevel::parse_msg(t.cell(rec, "online_level")).map_err(m)?,
                    active: boolean(line, t.cell(rec, "active"), "active")?,
                },
            })
        })
        .collect()
}

/// A local wall-clock time "YYYY-MM-DD HH:MM" (seconds and a "T" separator also accepted).
pub(crate) fn local_time(line: u64, s: &str, col: &str) -> anyhow::Result<Option<NaiveDateTime>> {
    if s.is_empty() {
        return Ok(None);
    }
    if let Some(t) = fixed_width_time(s.as_bytes()) {
        return Ok(Some(t));
    }
    for f in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f)
            && (1900..=9000).contains(&t.year())
        {
            return Ok(Some(t));
        }
    }
    bail!(
        "line {line}: '{col}' is not a local time YYYY-MM-DD HH:MM: '{s}' (cột '{col}' không đúng dạng YYYY-MM-DD HH:MM)"
    )
}

/// The common spellings ("YYYY-MM-DD HH:MM" with optional ":SS", space or "T") read digit by
/// digit: a load of millions of rows spent a tenth of its reader's time in chrono's
/// format-string parser. Anything else (or an impossible date) falls back to that parser.
fn fixed_width_time(b: &[u8]) -> Option<NaiveDateTime> {
    if !(b.len() == 16 || b.len() == 19)
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b' ' || b[10] == b'T')
        || b[13] != b':'
        || (b.len() == 19 && b[16] != b':')
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = num(0..4)?;
    if !(1900..=9000).contains(&year) {
        return None;
    }
    let seconds = if b.len() == 19 { num(17..19)? } else { 0 };
    NaiveDate::from_ymd_opt(year as i32, num(5..7)?, num(8..10)?)?.and_hms_opt(
        num(11..13)?,
        num(14..16)?,
        seconds,
    )
}

fn channel(line: u64, s: &str) -> anyhow::Result<IntakeChannel> {
    Ok(match s {
        "" | "1" | "in_person" => IntakeChannel::InPerson,
        "2" | "online" => IntakeChannel::Online,
        "3" | "post" => IntakeChannel::Post,
        _ => bail!(
            "line {line}: 'channel' must be in_person, online, post or 1–3: '{s}' (kênh nộp không hợp lệ)"
        ),
    })
}

fn status(line: u64, s: &str) -> anyhow::Result<Status> {
    let by_code = s.parse::<i16>().ok().and_then(Status::from_code);
    let by_name = || serde_json::from_value(serde_json::Value::String(s.to_lowercase())).ok();
    by_code.or_else(by_name).ok_or_else(|| {
        anyhow::anyhow!(
            "line {line}: 'status' must be a national status code 1–10 or a name such as received, in_progress, result_returned: '{s}' (trạng thái không hợp lệ)"
        )
    })
}

/// Columns a dossier file must have (docs/IMPORT.md).
pub const DOSSIER_COLUMNS: [&str; 5] = [
    "unit_code",
    "procedure_code",
    "applicant_name",
    "received_at",
    "status",
];

/// The columns of a dossier file, found once per file.
pub struct DossierColumns {
    code: Col,
    unit_code: Col,
    procedure_code: Col,
    channel: Col,
    applicant_name: Col,
    received_at: Col,
    due_at: Col,
    status: Col,
    finished_at: Col,
    returned_at: Col,
    supplement_count: Col,
    return_method: Col,
    official_code: Col,
    counter_code: Col,
}

impl DossierColumns {
    pub fn new(t: &Columns) -> DossierColumns {
        DossierColumns {
            code: t.col("code"),
            unit_code: t.col("unit_code"),
            procedure_code: t.col("procedure_code"),
            channel: t.col("channel"),
            applicant_name: t.col("applicant_name"),
            received_at: t.col("received_at"),
            due_at: t.col("due_at"),
            status: t.col("status"),
            finished_at: t.col("finished_at"),
            returned_at: t.col("returned_at"),
            supplement_count: t.col("supplement_count"),
            return_method: t.col("return_method"),
            official_code: t.col("official_code"),
            counter_code: t.col("counter_code"),
        }
    }

    /// One historical dossier row (docs/IMPORT.md).
    pub fn row(&self, line: u64, rec: &csv::StringRecord) -> anyhow::Result<DossierImportRow> {
        let time = |c: &Col| local_time(line, c.cell(rec), c.name);
        let code = self.code.cell(rec);
        let supplements = self.supplement_count.cell(rec);
        let return_method = self.return_method.cell(rec);
        let official = self.official_code.cell(rec);
        let counter = self.counter_code.cell(rec);
        Ok(DossierImportRow {
            official_code: (!official.is_empty()).then(|| official.to_string()),
            counter_code: (!counter.is_empty()).then(|| counter.to_string()),
            line,
            code: (!code.is_empty()).then(|| code.to_string()),
            unit_code: self.unit_code.need(line, rec)?.to_string(),
            procedure_code: self.procedure_code.need(line, rec)?.to_string(),
            channel: channel(line, self.channel.cell(rec))?,
            applicant_name: self.applicant_name.need(line, rec)?.to_string(),
            received_at: local_time(line, self.received_at.need(line, rec)?, "received_at")?
                .expect("not empty"),
            due_at: time(&self.due_at)?,
            status: status(line, self.status.need(line, rec)?)?,
            finished_at: time(&self.finished_at)?,
            returned_at: time(&self.returned_at)?,
            supplement_count: if supplements.is_empty() {
                0
            } else {
                supplements
                    .parse::<u16>()
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "line {line}: 'supplement_count' is not a whole number 0–65535: '{supplements}'"
                        )
                    })?
                    .into()
            },
            return_method: if return_method.is_empty() {
                ReturnMethod::Desk
            } else {
                ReturnMethod::parse(return_method).ok_or_else(|| {
                    anyhow::anyhow!(
                        "line {line}: 'return_method' must be desk, post or home: '{return_method}'"
                    )
                })?
            },
        })
    }
}

fn store_err(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::ImportRow { line, msg } => {
            anyhow::anyhow!("line {line}: {} ({})", msg.en, msg.vi)
        }
        StoreError::Conflict(msg) | StoreError::Invalid(msg) if msg.en == msg.vi => {
            anyhow::anyhow!("{}", msg.en)
        }
        StoreError::Conflict(msg) | StoreError::Invalid(msg) => {
            anyhow::anyhow!("{} ({})", msg.en, msg.vi)
        }
        other => anyhow::anyhow!("{other}"),
    }
}

fn report(what: &str, s: ImportSummary) {
    println!(
        "{what}: {} created, {} updated (tạo mới {}, cập nhật {}); nothing kept on error",
        s.created, s.updated, s.created, s.updated
    );
}

pub async fn run(database_url: &str, what: ImportWhat) -> anyhow::Result<()> {
    // Parse the whole file before touching the database: a bad line costs nothing.
    match what {
        ImportWhat::Units { file, valid_from } => {
            let rows = unit_rows(&Table::read(&file)?, valid_from)?;
            super::with_store(database_url, |store| async move {
                report("units", store.import_units(&rows).await.map_err(store_err)?);
                Ok(())
            })
            .await
        }
        ImportWhat::Officials { file } => {
            let rows = official_rows(&Table::read(&file)?)?;
            super::with_store(database_url, |store| async move {
                let s = store.import_officials(&rows).await.map_err(store_err)?;
                report("officials", s);
                Ok(())
            })
            .await
        }
        ImportWhat::Counters { file } => {
            let rows = counter_rows(&Table::read(&file)?)?;
            super::with_store(database_url, |store| async move {
                let s = store.import_counters(&rows).await.map_err(store_err)?;
                report("counters", s);
                Ok(())
            })
            .await
        }
        ImportWhat::Procedures { file } => {
            let rows = procedure_rows(&Table::read(&file)?)?;
            super::with_store(database_url, |store| async move {
                let s = store.import_procedures(&rows, None).await;
                report("procedures", s.map_err(store_err)?);
                Ok(())
            })
            .await
        }
        ImportWhat::Dossiers { file } => {
            let chunks = super::bulk::stream_rows(&file, &DOSSIER_COLUMNS, |c| {
                let cols = DossierColumns::new(c);
                move |line, rec| cols.row(line, rec)
            })?;
            super::with_store(database_url, |store| async move {
                let started = std::time::Instant::now();
                let s = store
                    .import_dossiers_stream(chunks)
                    .await
                    .map_err(store_err)?;
                println!(
                    "dossiers: {} imported, {} codes generated, in {:.1} s (nhập {} hồ sơ, sinh {} mã); nothing kept on error",
                    s.imported,
                    s.codes_generated,
                    started.elapsed().as_secs_f64(),
                    s.imported,
                    s.codes_generated
                );
                Ok(())
            })
            .await
        }
        ImportWhat::Ratings { file } => {
            let source = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let chunks = super::bulk::stream_rows(&file, &super::bulk::RATING_COLUMNS, |c| {
                let cols = super::bulk::RatingColumns::new(c);
                move |line, rec| cols.row(line, rec)
            })?;
            super::with_store(database_url, |store| async move {
                let started = std::time::Instant::now();
                let s = store
                    .import_ratings(&source, chunks)
                    .await
                    .map_err(store_err)?;
                if s.form_created {
                    println!(
                        "no rating form existed: the standard form was created as the default (đã tạo phiếu đánh giá mặc định)"
                    );
                }
                println!(
                    "ratings: {} imported ({} flagged), {} aggregate cells, in {:.1} s (nhập {} đánh giá); nothing kept on error",
                    s.imported,
                    s.flagged,
                    s.aggregate_cells,
                    started.elapsed().as_secs_f64(),
                    s.imported
                );
                Ok(())
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_unit_file_format_gives_provinces_then_communes() {
        let t = Table::parse("province_code,province_name,commune_code,commune_name\n56,Tỉnh Khánh Hòa,22525,Xã Vạn Hưng\n56,Tỉnh Khánh Hòa,22516,Xã Vạn Thắng\n".as_bytes()).unwrap();
        let rows = unit_rows(&t, None).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            (rows[0].level, rows[0].code.as_str()),
            (UnitLevel::Province, "56")
        );
        assert_eq!(rows[2].parent_code.as_deref(), Some("56"));
        assert_eq!(rows[2].line, 3);
    }

    #[test]
    fn three_level_rows_hang_communes_under_districts() {
        let t = Table::parse("province_code,province_name,district_code,district_name,commune_code,commune_name,valid_to\n56,Tỉnh Khánh Hòa,571,Huyện Vạn Ninh,22525,Xã Vạn Hưng,2025-06-30\n".as_bytes()).unwrap();
        let rows = unit_rows(&t, None).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.level).collect::<Vec<_>>(),
            vec![UnitLevel::Province, UnitLevel::District, UnitLevel::Commune]
        );
        assert_eq!(rows[2].parent_code.as_deref(), Some("571"));
        assert_eq!(rows[2].valid_to, NaiveDate::from_ymd_opt(2025, 6, 30));
    }

    #[test]
    fn errors_name_the_line() {
        let t = Table::parse("province_code,province_name,commune_code,commune_name\n56,Tỉnh Khánh Hòa,22525,Xã Vạn Hưng\n56,Tỉnh Khác,22516,Xã Vạn Thắng\n".as_bytes()).unwrap();
        let e = unit_rows(&t, None).unwrap_err().to_string();
        assert!(e.starts_with("line 3:"), "{e}");
        let t = Table::parse(
            "province_code,province_name,commune_code,commune_name\n56,,22525,Xã Vạn Hưng\n"
                .as_bytes(),
        )
        .unwrap();
        assert!(
            unit_rows(&t, None)
                .unwrap_err()
                .to_string()
                .starts_with("line 2:")
        );
        let t = Table::parse("province,name\n".as_bytes()).unwrap();
        assert!(
            unit_rows(&t, None)
                .unwrap_err()
                .to_string()
                .contains("missing column 'province_code'")
        );
    }

    #[test]
    fn streamed_cells_are_trimmed_and_blank_lines_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dossiers.csv");
        std::fs::write(
            &path,
            " Code , UNIT_CODE,procedure_code,applicant_name,received_at,status,official_code\n\
             \" 05740-241202-0001 \", 05740 ,1.003197,  Phạm Thanh Tuấn ,2024-12-02 07:30 , 10 ,\n\
             \n  ,  , ,,,,\n\
             ,05740,1.003197,Bùi Văn Bảo,\"2024-12-02 08:00\",received,  \n",
        )
        .unwrap();
        let mut chunks = crate::cli::bulk::stream_rows(&path, &DOSSIER_COLUMNS, |c| {
            let cols = DossierColumns::new(c);
            move |line, rec| cols.row(line, rec)
        })
        .unwrap();
        let rows = chunks.blocking_recv().unwrap().unwrap();
        assert!(chunks.blocking_recv().is_none());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].code.as_deref(), Some("05740-241202-0001"));
        assert_eq!(rows[0].unit_code, "05740");
        assert_eq!(rows[0].applicant_name, "Phạm Thanh Tuấn");
        assert_eq!(rows[0].status, Status::ResultReturned);
        assert_eq!(rows[0].official_code, None);
        assert_eq!(rows[1].code, None);
        assert_eq!(rows[1].line, 5);
        assert_eq!(rows[1].status, Status::Received);
        assert_eq!(rows[1].received_at.to_string(), "2024-12-02 08:00:00");
    }

    #[test]
    fn local_times_read_alike_by_either_path() {
        let at = |s: &str| local_time(7, s, "rated_at").map(|t| t.map(|t| t.to_string()));
        for (text, want) in [
            ("2024-02-29 07:30:10", "2024-02-29 07:30:10"),
            ("2024-02-29T07:30", "2024-02-29 07:30:00"),
            ("2025-12-31 23:59", "2025-12-31 23:59:00"),
            // Not fixed-width: chrono's parser takes it.
            ("2025-1-5 7:05", "2025-01-05 07:05:00"),
        ] {
            assert_eq!(at(text).unwrap().as_deref(), Some(want), "{text}");
        }
        for bad in [
            "2025-02-29 10:00",
            "2025-13-01 10:00",
            "2025-01-01 24:00",
            "1899-12-31 10:00",
            "2025-01-01 10:00:6x",
        ] {
            let e = at(bad).unwrap_err().to_string();
            assert!(e.starts_with("line 7: 'rated_at'"), "{bad}: {e}");
        }
        assert_eq!(at("").unwrap(), None);
    }
}
