//! Streamed imports, for files of millions of rows: a reader thread parses the CSV file and
//! hands rows to the store in chunks while the previous chunk is being written, so parsing and
//! storing use both cores and memory stays flat whatever the file's size.

use std::path::Path;

use anyhow::{Context, bail};
use tokio::sync::mpsc;

use super::import::{Col, Columns, csv_error, csv_reader, record_line};
use crate::domain::Msg;
use crate::domain::scale::{Level, Scale};
use crate::store::StoreError;
use crate::store::rating_import::RatingImportRow;
use crate::store::ratings::Channel;

/// Rows a chunk holds: big enough to amortise a statement, small enough to keep memory flat.
pub const CHUNK: usize = 20_000;

/// Parses `path` on its own thread with the parser `parser` makes from the file's columns,
/// checking `required` columns first (before the caller opens a transaction). The channel ends
/// after the last chunk or after the first error, which names its line.
pub fn stream_rows<T, P, F>(
    path: &Path,
    required: &[&str],
    parser: P,
) -> anyhow::Result<mpsc::Receiver<Result<Vec<T>, StoreError>>>
where
    T: Send + 'static,
    P: FnOnce(&Columns) -> F,
    F: Fn(u64, &csv::StringRecord) -> anyhow::Result<T> + Send + 'static,
{
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut rdr = csv_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let columns = Columns::new(
        rdr.headers()
            .context("line 1: cannot read the header row")?,
    );
    columns.require(required)?;
    let parse = parser(&columns);
    let (tx, rx) = mpsc::channel(4);
    std::thread::spawn(move || {
        let fail = |e: anyhow::Error| {
            let text = e.to_string();
            Err(StoreError::Invalid(Msg::new(text.clone(), text)))
        };
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut rec = csv::StringRecord::new();
        loop {
            match rdr.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let _ = tx.blocking_send(fail(csv_error(e)));
                    return;
                }
            }
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            match parse(record_line(&rec), &rec) {
                Ok(row) => chunk.push(row),
                Err(e) => {
                    let _ = tx.blocking_send(fail(e));
                    return;
                }
            }
            if chunk.len() == CHUNK {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                if tx.blocking_send(Ok(full)).is_err() {
                    // The store gave up (its own error): stop reading.
                    return;
                }
            }
        }
        if !chunk.is_empty() {
            let _ = tx.blocking_send(Ok(chunk));
        }
    });
    Ok(rx)
}

/// Columns a ratings file must have (docs/IMPORT.md).
pub const RATING_COLUMNS: [&str; 4] = ["unit_code", "rated_at", "scale", "level"];

fn level_of(line: u64, scale: Scale, s: &str, what: &str) -> anyhow::Result<Level> {
    let level = s
        .parse::<i16>()
        .ok()
        .and_then(Level::new)
        .filter(|l| scale.offers(*l));
    match level {
        Some(l) => Ok(l),
        None => bail!(
            "line {line}: {what} '{s}' is not a level of the {}-level scale, which offers {} (mức '{s}' không thuộc thang {} mức)",
            scale.size(),
            scale
                .levels()
                .iter()
                .map(|l| l.value().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            scale.size()
        ),
    }
}

fn optional(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// The columns of a ratings file, found once per file.
pub struct RatingColumns {
    key: Col,
    unit_code: Col,
    counter_code: Col,
    official_code: Col,
    channel: Col,
    rated_at: Col,
    scale: Col,
    level: Col,
    answers: Col,
    reasons: Col,
    comment: Col,
    dossier_code: Col,
    flag_reason: Col,
}

impl RatingColumns {
    pub fn new(t: &Columns) -> RatingColumns {
        RatingColumns {
            key: t.col("key"),
            unit_code: t.col("unit_code"),
            counter_code: t.col("counter_code"),
            official_code: t.col("official_code"),
            channel: t.col("channel"),
            rated_at: t.col("rated_at"),
            scale: t.col("scale"),
            level: t.col("level"),
            answers: t.col("answers"),
            reasons: t.col("reasons"),
            comment: t.col("comment"),
            dossier_code: t.col("dossier_code"),
            flag_reason: t.col("flag_reason"),
        }
    }

    /// One row of a ratings file.
    pub fn row(&self, line: u64, rec: &csv::StringRecord) -> anyhow::Result<RatingImportRow> {
        let scale_text = self.scale.need(line, rec)?;
        let scale = scale_text
            .parse::<i16>()
            .ok()
            .and_then(Scale::new)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "line {line}: 'scale' must be 2, 3 or 5: '{scale_text}' (thang đánh giá phải là 2, 3 hoặc 5 mức)"
                )
            })?;
        let level = level_of(line, scale, self.level.need(line, rec)?, "level")?;
        let mut answers = Vec::new();
        for part in self
            .answers
            .cell(rec)
            .split(';')
            .filter(|p| !p.trim().is_empty())
        {
            let Some((q, l)) = part.split_once('=') else {
                bail!(
                    "line {line}: 'answers' must read question=level;question=level: '{part}' (câu trả lời phải có dạng câu_hỏi=mức)"
                );
            };
            let q = q.trim();
            if q.is_empty() || q.len() > 64 || answers.iter().any(|(k, _)| k == q) {
                bail!(
                    "line {line}: question '{q}' is empty, too long or repeated (câu hỏi '{q}' trống, quá dài hoặc lặp lại)"
                );
            }
            answers.push((q.to_string(), level_of(line, scale, l.trim(), "answer")?));
        }
        let channel = match self.channel.cell(rec) {
            "" | "kiosk" => Channel::Kiosk,
            "qr" => Channel::Qr,
            "web" | "paper" => Channel::Web,
            other => bail!(
                "line {line}: 'channel' must be kiosk, qr or web: '{other}' (kênh đánh giá không hợp lệ)"
            ),
        };
        let comment = self.comment.cell(rec);
        if comment.chars().count() > 2000 {
            bail!(
                "line {line}: 'comment' is longer than 2,000 characters (góp ý dài quá 2.000 ký tự)"
            );
        }
        let key = self.key.cell(rec);
        if key.len() > 200 {
            bail!("line {line}: 'key' is longer than 200 characters (mã quá dài)");
        }
        Ok(RatingImportRow {
            line,
            key: optional(key),
            unit_code: self.unit_code.need(line, rec)?.to_string(),
            counter_code: optional(self.counter_code.cell(rec)),
            official_code: optional(self.official_code.cell(rec)),
            channel,
            rated_at: super::import::local_time(line, self.rated_at.need(line, rec)?, "rated_at")?
                .expect("not empty"),
            scale,
            level,
            answers,
            reasons: self
                .reasons
                .cell(rec)
                .split('|')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect(),
            comment: optional(comment),
            dossier_code: optional(self.dossier_code.cell(rec)),
            flag_reason: optional(self.flag_reason.cell(rec)),
        })
    }
}
