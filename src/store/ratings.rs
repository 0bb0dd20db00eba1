//! Ratings: append-only, written through a group-committing writer so that a burst of kiosk
//! submissions shares one fsync instead of paying one each.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{Mutex, mpsc, oneshot};

use super::{Result, SUBTREE_CTE, Store, StoreError, with_pool};
use crate::domain::Msg;
use crate::domain::form::ValidRating;
use crate::domain::scale::Scale;
use crate::domain::time::{Millis, now_ms};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// The touch screen at the counter.
    Kiosk,
    /// A phone, from the QR code on the receipt.
    Qr,
    /// Entered by staff from a paper ballot.
    Web,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Kiosk => "kiosk",
            Channel::Qr => "qr",
            Channel::Web => "web",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewRating {
    /// Made on the device, so a retried delivery is recognised and stored once.
    pub idempotency_key: String,
    pub channel: Channel,
    pub device_id: Option<i64>,
    pub counter_id: Option<i64>,
    pub session_id: Option<i64>,
    pub official_id: Option<i64>,
    pub unit_id: i64,
    pub form_version_id: i64,
    pub scale: Scale,
    pub rating: ValidRating,
    pub dossier_code: Option<String>,
    pub rated_at: Millis,
    pub received_at: Millis,
    /// A device may not rate again within this many milliseconds (0: no limit).
    pub repeat_window_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// Newly stored.
    Created(i64),
    /// Already stored by an earlier delivery of the same key.
    Replayed(i64),
}

impl Saved {
    pub fn id(self) -> i64 {
        match self {
            Saved::Created(id) | Saved::Replayed(id) => id,
        }
    }
}

/// Why a submission was not stored, besides database failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Same device rated less than the repeat window ago.
    TooSoon { wait_seconds: i64 },
    /// The dossier already has its rating.
    DossierRated,
    /// The key belongs to another device's rating.
    KeyTaken,
}

impl Refusal {
    pub fn msg(&self) -> Msg {
        match self {
            Refusal::TooSoon { wait_seconds } => Msg::new(
                format!(
                    "Cảm ơn bạn! Đánh giá vừa được ghi nhận. Vui lòng đợi {wait_seconds} giây trước khi đánh giá tiếp."
                ),
                format!(
                    "Thank you! A rating was just recorded. Please wait {wait_seconds} seconds before rating again."
                ),
            ),
            Refusal::DossierRated => Msg::new(
                "Hồ sơ này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần.",
                "This dossier has already been rated. Each dossier is rated once.",
            ),
            Refusal::KeyTaken => Msg::new(
                "Mã gửi đánh giá đã được thiết bị khác sử dụng",
                "The submission key was already used by another device",
            ),
        }
    }
}

pub type SubmitResult = std::result::Result<Saved, SubmitError>;

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("{}", .0.msg())]
    Refused(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the rating writer has stopped")]
    WriterGone,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct RatingRow {
    pub id: i64,
    pub channel: String,
    pub official_id: Option<i64>,
    pub official_name: Option<String>,
    pub counter_name: Option<String>,
    pub unit_name: String,
    pub scale: i16,
    pub level: i16,
    pub reasons: String,
    pub comment: Option<String>,
    pub dossier_code: Option<String>,
    pub rated_at: Millis,
    pub flagged_at: Option<Millis>,
    pub flag_reason: Option<String>,
}

const INSERT_RATING: &str = "INSERT INTO ratings (idempotency_key, channel, device_id, counter_id, session_id,
    official_id, unit_id, form_version_id, scale, level, reasons, comment, dossier_code, rated_at, received_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
    ON CONFLICT DO NOTHING RETURNING id";

/// Checks and inserts one rating inside the caller's transaction. Runs on either backend.
macro_rules! insert_one {
    ($conn:expr, $r:expr) => {{
        let r: &NewRating = $r;
        let mut refused = None;
        if let (Some(dev), true) = (r.device_id, r.repeat_window_ms > 0) {
            let near: Option<Millis> = sqlx::query_scalar(
                "SELECT rated_at FROM ratings WHERE device_id = $1 AND rated_at > $2 AND rated_at < $3
                 AND idempotency_key <> $4 ORDER BY rated_at DESC LIMIT 1")
                .bind(dev).bind(r.rated_at - r.repeat_window_ms).bind(r.rated_at + r.repeat_window_ms)
                .bind(&r.idempotency_key).fetch_optional(&mut *$conn).await?;
            if let Some(t) = near {
                let wait = (t + r.repeat_window_ms - r.rated_at).max(1000);
                refused = Some(Refusal::TooSoon { wait_seconds: (wait + 999) / 1000 });
            }
        }
        if let Some(why) = refused {
            // A replay of an already stored rating is not a repeat press.
            let prior: Option<(i64, Option<i64>)> = sqlx::query_as("SELECT id, device_id FROM ratings WHERE idempotency_key = $1")
                .bind(&r.idempotency_key).fetch_optional(&mut *$conn).await?;
            match prior {
                Some((id, dev)) if dev == r.device_id => Ok(Saved::Replayed(id)),
                _ => Err(SubmitError::Refused(why)),
            }
        } else {
            let reasons = serde_json::to_string(&r.rating.reasons).expect("strings serialise");
            let id: Option<i64> = sqlx::query_scalar(INSERT_RATING)
                .bind(&r.idempotency_key).bind(r.channel.as_str()).bind(r.device_id).bind(r.counter_id)
                .bind(r.session_id).bind(r.official_id).bind(r.unit_id).bind(r.form_version_id)
                .bind(r.scale.size()).bind(r.rating.headline.value()).bind(reasons).bind(&r.rating.comment)
                .bind(&r.dossier_code).bind(r.rated_at).bind(r.received_at)
                .fetch_optional(&mut *$conn).await?;
            match id {
                Some(id) => {
                    let mut qb = sqlx::QueryBuilder::new("INSERT INTO rating_answers (rating_id, question_key, level) ");
                    qb.push_values(&r.rating.answers, |mut b, (q, l)| {
                        b.push_bind(id).push_bind(q.as_str()).push_bind(l.value());
                    });
                    qb.build().execute(&mut *$conn).await?;
                    Ok(Saved::Created(id))
                }
                None => {
                    let prior: Option<(i64, Option<i64>)> = sqlx::query_as("SELECT id, device_id FROM ratings WHERE idempotency_key = $1")
                        .bind(&r.idempotency_key).fetch_optional(&mut *$conn).await?;
                    match prior {
                        Some((id, dev)) if dev == r.device_id => Ok(Saved::Replayed(id)),
                        Some(_) => Err(SubmitError::Refused(Refusal::KeyTaken)),
                        None => Err(SubmitError::Refused(Refusal::DossierRated)),
                    }
                }
            }
        }
    }};
}

impl Store {
    /// Stores ratings in one transaction, one outcome per rating. A refusal of one rating does
    /// not affect the others; a database failure fails the batch (the caller retries singly).
    pub async fn ratings_insert_batch(&self, batch: &[&NewRating]) -> Result<Vec<SubmitResult>> {
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let mut out = Vec::with_capacity(batch.len());
            for r in batch {
                let res: SubmitResult = async { Ok::<SubmitResult, sqlx::Error>(insert_one!(tx, r)) }.await?;
                out.push(res);
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    pub async fn rating_count(&self) -> Result<i64> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM ratings").fetch_one(p).await)?,
        )
    }

    /// Marks a rating as misuse (or clears the mark). The rating itself is never changed.
    pub async fn rating_flag(
        &self,
        id: i64,
        reason: Option<&str>,
        user_id: Option<i64>,
    ) -> Result<()> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let n = with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query("UPDATE ratings SET flagged_at = $2, flag_reason = $3, flagged_by = $4 WHERE id = $1")
                .bind(id).bind(reason.map(|_| now_ms())).bind(reason).bind(reason.and(user_id))
                .execute(&mut *tx).await?.rows_affected();
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now_ms()).bind(user_id).bind(if reason.is_some() { "rating.flag" } else { "rating.unflag" })
                .bind(format!("rating {id}: {}", reason.unwrap_or(""))).execute(&mut *tx).await?;
            tx.commit().await?;
            n
        });
        if n == 0 {
            return Err(StoreError::not_found(
                format!("Không có đánh giá số {id}"),
                format!("No rating {id}"),
            ));
        }
        Ok(())
    }

    pub async fn rating_unit(&self, id: i64) -> Result<i64> {
        let u: Option<i64> = with_pool!(self, p => sqlx::query_scalar("SELECT unit_id FROM ratings WHERE id = $1").bind(id).fetch_optional(p).await)?;
        u.ok_or_else(|| {
            StoreError::not_found(
                format!("Không có đánh giá số {id}"),
                format!("No rating {id}"),
            )
        })
    }

    /// Latest ratings given in a subtree, newest first.
    pub async fn ratings_recent(
        &self,
        root: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<RatingRow>> {
        let sql = format!(
            "{SUBTREE_CTE} SELECT r.id, r.channel, r.official_id, o.full_name AS official_name, k.name AS counter_name,
               u.name AS unit_name, r.scale, r.level, r.reasons, r.comment, r.dossier_code, r.rated_at,
               r.flagged_at, r.flag_reason
             FROM ratings r JOIN units u ON u.id = r.unit_id
             LEFT JOIN officials o ON o.id = r.official_id LEFT JOIN counters k ON k.id = r.counter_id
             WHERE r.unit_id IN (SELECT id FROM subtree)
             ORDER BY r.rated_at DESC, r.id DESC LIMIT $2 OFFSET $3");
        Ok(
            with_pool!(self, p => sqlx::query_as(&sql).bind(root).bind(limit).bind(offset).fetch_all(p).await)?,
        )
    }

    /// Stores ratings already checked elsewhere (history brought in: the demo data set, a
    /// migration) in one transaction, a few hundred per statement: no repeat-press lock, no
    /// replays. Returns the new ids in input order; a key or dossier already stored fails all.
    pub async fn ratings_import(&self, ratings: &[NewRating]) -> Result<Vec<i64>> {
        // 15 parameters a row: well under SQLite's limit of 32,766 per statement.
        const ROWS: usize = 500;
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let mut ids = Vec::with_capacity(ratings.len());
            for chunk in ratings.chunks(ROWS) {
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO ratings (idempotency_key, channel, device_id,
                    counter_id, session_id, official_id, unit_id, form_version_id, scale, level, reasons, comment,
                    dossier_code, rated_at, received_at) ");
                qb.push_values(chunk, |mut b, r| {
                    let reasons = serde_json::to_string(&r.rating.reasons).expect("strings serialise");
                    b.push_bind(&r.idempotency_key).push_bind(r.channel.as_str()).push_bind(r.device_id)
                        .push_bind(r.counter_id).push_bind(r.session_id).push_bind(r.official_id)
                        .push_bind(r.unit_id).push_bind(r.form_version_id).push_bind(r.scale.size())
                        .push_bind(r.rating.headline.value()).push_bind(reasons).push_bind(&r.rating.comment)
                        .push_bind(&r.dossier_code).push_bind(r.rated_at).push_bind(r.received_at);
                });
                qb.push(" RETURNING id, idempotency_key");
                let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *tx).await
                    .map_err(|e| super::unique_as(e, "Đánh giá hoặc hồ sơ đã có", "A rating or dossier is already stored"))?;
                // RETURNING promises no order: match the rows by key.
                let by_key: std::collections::HashMap<&str, i64> = rows.iter().map(|(id, k)| (k.as_str(), *id)).collect();
                let chunk_ids: Vec<i64> = chunk.iter().filter_map(|r| by_key.get(r.idempotency_key.as_str()).copied()).collect();
                if chunk_ids.len() != chunk.len() {
                    return Err(StoreError::conflict("Mã gửi đánh giá bị trùng", "Duplicate submission keys"));
                }
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO rating_answers (rating_id, question_key, level) ");
                qb.push_values(chunk.iter().zip(&chunk_ids).flat_map(|(r, id)| r.rating.answers.iter().map(move |a| (*id, a))),
                    |mut b, (id, (q, l))| {
                        b.push_bind(id).push_bind(q.as_str()).push_bind(l.value());
                    });
                qb.build().execute(&mut *tx).await?;
                ids.extend(chunk_ids);
            }
            tx.commit().await?;
            Ok(ids)
        })
    }
}

struct Job {
    rating: NewRating,
    reply: oneshot::Sender<SubmitResult>,
}

/// The single path by which ratings reach the database. Submissions queue here; a writer task
/// takes everything queued, stores it in one transaction and answers each submitter only after
/// the commit, so an acknowledgement always means "on disk".
#[derive(Clone)]
pub struct RatingWriter {
    tx: mpsc::Sender<Job>,
}

const MAX_BATCH: usize = 512;

impl RatingWriter {
    pub fn spawn(store: Store) -> RatingWriter {
        let (tx, rx) = mpsc::channel::<Job>(8192);
        let rx = Arc::new(Mutex::new(rx));
        // SQLite has one writer anyway; PostgreSQL overlaps a second batch's round trips with
        // the first one's commit.
        let writers = match store {
            Store::Sqlite(_) => 1,
            Store::Postgres(_) => 2,
        };
        for _ in 0..writers {
            tokio::spawn(run_writer(store.clone(), rx.clone()));
        }
        RatingWriter { tx }
    }

    pub async fn submit(&self, rating: NewRating) -> SubmitResult {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job { rating, reply })
            .await
            .map_err(|_| SubmitError::WriterGone)?;
        answer.await.map_err(|_| SubmitError::WriterGone)?
    }
}

async fn run_writer(store: Store, rx: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut jobs: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    loop {
        {
            let mut rx = rx.lock().await;
            if rx.recv_many(&mut jobs, MAX_BATCH).await == 0 {
                return;
            }
        }
        let batch: Vec<&NewRating> = jobs.iter().map(|j| &j.rating).collect();
        match store.ratings_insert_batch(&batch).await {
            Ok(results) => {
                for (job, res) in jobs.drain(..).zip(results) {
                    let _ = job.reply.send(res);
                }
            }
            Err(e) => {
                // One bad rating must not sink the others: retry each on its own.
                tracing::warn!(error = %e, n = jobs.len(), "rating batch failed; retrying one by one");
                for job in jobs.drain(..) {
                    let res = store.ratings_insert_batch(&[&job.rating]).await;
                    let res = match res {
                        Ok(mut v) => v.pop().unwrap_or(Err(SubmitError::WriterGone)),
                        Err(e) => {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                            Err(SubmitError::Store(e))
                        }
                    };
                    let _ = job.reply.send(res);
                }
            }
        }
    }
}
