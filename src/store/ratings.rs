//! Ratings: append-only, written through a group-committing writer so that a burst of kiosk
//! submissions shares one fsync instead of paying one each.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::Db;
use super::aggregates::agg_apply;
use super::{Result, SUBTREE_CTE, Store, StoreError, with_pool};
use crate::domain::Msg;
use crate::domain::aggregate::{Deltas, DossierDeltas, RatingFact, rating_cells};
use crate::domain::form::ValidRating;
use crate::domain::scale::{Level, Scale};
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

impl NewRating {
    /// What the aggregates count of this rating.
    pub fn fact(&self) -> RatingFact {
        RatingFact {
            unit_id: self.unit_id,
            official_id: self.official_id,
            counter_id: self.counter_id,
            scale: self.scale,
            level: self.rating.headline,
            rated_at: self.rated_at,
            answers: self.rating.answers.clone(),
            flagged: false,
        }
    }
}

/// A stored rating as the aggregates see it: unit, official, counter, scale, level, time,
/// answers (JSON) and whether it is flagged.
type FactRow = (
    i64,
    Option<i64>,
    Option<i64>,
    i16,
    i16,
    Millis,
    String,
    bool,
);

fn fact_of_row(r: FactRow) -> Option<RatingFact> {
    let answers: HashMap<String, i16> = serde_json::from_str(&r.6).unwrap_or_default();
    Some(RatingFact {
        unit_id: r.0,
        official_id: r.1,
        counter_id: r.2,
        scale: Scale::new(r.3)?,
        level: Level::new(r.4)?,
        rated_at: r.5,
        answers: answers
            .into_iter()
            .filter_map(|(k, v)| Some((k, Level::new(v)?)))
            .collect(),
        flagged: r.7,
    })
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

/// Reasons as stored: a JSON list of strings. Most ratings have none, and a bulk load of
/// millions writes "[]" without a serialiser.
pub(crate) fn reasons_json(reasons: &[String]) -> String {
    if reasons.is_empty() {
        return "[]".into();
    }
    serde_json::to_string(reasons).expect("strings serialise")
}

/// A ballot as stored, {"question key": level, ...}; "{}" for most ratings, as for reasons.
pub(crate) fn ballot_json(answers: &[(String, Level)]) -> String {
    if answers.is_empty() {
        return "{}".into();
    }
    let map: serde_json::Map<String, serde_json::Value> = answers
        .iter()
        .map(|(q, l)| (q.clone(), l.value().into()))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// The answers of ballot `r` as rows `a(key, value)`, for a FROM clause; an answer's level is
/// `CAST(a.value AS SMALLINT)` on both backends. The ballot is the one stored copy of the
/// answers, so the rebuild, the raw export and the dossier's attitude all read it.
pub(crate) fn ballot_rows(db: &Db) -> &'static str {
    match db {
        Db::Sqlite(_) => "json_each(r.answers) a",
        Db::Postgres(_) => "json_each_text(r.answers::json) a",
    }
}

/// The level ballot `r` gave to question `key` (a plain identifier), NULL if it has none.
pub(crate) fn ballot_answer(db: &Db, key: &str) -> String {
    debug_assert!(key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    match db {
        Db::Sqlite(_) => format!("json_extract(r.answers, '$.{key}')"),
        Db::Postgres(_) => format!("CAST(r.answers::json ->> '{key}' AS SMALLINT)"),
    }
}

const INSERT_RATINGS: &str = "INSERT INTO ratings (idempotency_key, channel, device_id, counter_id,
    session_id, official_id, unit_id, form_version_id, scale, level, reasons, answers, comment,
    dossier_code, rated_at, received_at) ";

/// Binds one rating's values to a row of `INSERT_RATINGS`, on either backend.
macro_rules! push_rating {
    ($b:expr, $r:expr) => {{
        let r: &NewRating = $r;
        $b.push_bind(r.idempotency_key.as_str())
            .push_bind(r.channel.as_str())
            .push_bind(r.device_id)
            .push_bind(r.counter_id)
            .push_bind(r.session_id)
            .push_bind(r.official_id)
            .push_bind(r.unit_id)
            .push_bind(r.form_version_id)
            .push_bind(r.scale.size())
            .push_bind(r.rating.headline.value())
            .push_bind(reasons_json(&r.rating.reasons))
            .push_bind(ballot_json(&r.rating.answers))
            .push_bind(r.rating.comment.as_deref())
            .push_bind(r.dossier_code.as_deref())
            .push_bind(r.rated_at)
            .push_bind(r.received_at);
    }};
}

/// What the writer decided for one submission before touching the table.
#[derive(Debug, Clone)]
enum Plan {
    Insert,
    Done(std::result::Result<Saved, Refusal>),
    /// Same key as an earlier submission in this batch: it shares that one's outcome.
    SameAs(usize),
}

impl Store {
    /// Stores a batch of ratings, one outcome per rating, in two statements whatever the batch
    /// size: one reads the keys already stored and the devices' recent ratings, one inserts
    /// every accepted rating and commits. A refusal of one
    /// rating does not affect the others; a database failure fails the batch (the caller
    /// retries singly). The read needs no transaction: only one writer stores a given device's
    /// ratings, and the insert skips anything that arrived since by its unique keys.
    pub async fn ratings_insert_batch(&self, batch: &[&NewRating]) -> Result<Vec<SubmitResult>> {
        // 16 parameters a row, 512 rows at most: under SQLite's 32,766 per statement.
        const ROWS: usize = 512;
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        if batch.len() > ROWS {
            let mut out = Vec::with_capacity(batch.len());
            for chunk in batch.chunks(ROWS) {
                out.extend(Box::pin(self.ratings_insert_batch(chunk)).await?);
            }
            return Ok(out);
        }
        let mut plan: Vec<Plan> = Vec::with_capacity(batch.len());
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (i, r) in batch.iter().enumerate() {
            match first.get(r.idempotency_key.as_str()) {
                Some(&j) => plan.push(Plan::SameAs(j)),
                None => {
                    first.insert(&r.idempotency_key, i);
                    plan.push(Plan::Insert);
                }
            }
        }
        let keyed: Vec<usize> = (0..batch.len())
            .filter(|&i| matches!(plan[i], Plan::Insert))
            .collect();
        let devices: Vec<i64> = {
            let mut d: Vec<i64> = keyed
                .iter()
                .filter(|&&i| batch[i].repeat_window_ms > 0)
                .filter_map(|&i| batch[i].device_id)
                .collect();
            d.sort_unstable();
            d.dedup();
            d
        };
        let low = keyed
            .iter()
            .map(|&i| batch[i].rated_at - batch[i].repeat_window_ms)
            .min()
            .unwrap_or(0);
        let high = keyed
            .iter()
            .map(|&i| batch[i].rated_at + batch[i].repeat_window_ms)
            .max()
            .unwrap_or(0);

        let keys: Vec<&str> = keyed
            .iter()
            .map(|&i| batch[i].idempotency_key.as_str())
            .collect();
        let rows: Vec<(i64, String, Option<i64>, Millis)> = with_pool!(self, p => {
            let mut qb = sqlx::QueryBuilder::new("SELECT id, idempotency_key, device_id, rated_at FROM ratings WHERE idempotency_key IN (");
            let mut sep = qb.separated(", ");
            for k in &keys {
                sep.push_bind(*k);
            }
            qb.push(")");
            if !devices.is_empty() {
                qb.push(" UNION ALL SELECT id, idempotency_key, device_id, rated_at FROM ratings WHERE rated_at > ");
                qb.push_bind(low).push(" AND rated_at < ").push_bind(high).push(" AND device_id IN (");
                let mut sep = qb.separated(", ");
                for d in &devices {
                    sep.push_bind(*d);
                }
                qb.push(")");
            }
            qb.build_query_as().fetch_all(p).await
        })?;
        let mut known: HashMap<String, (i64, Option<i64>)> = HashMap::new();
        let mut recent: HashMap<i64, Vec<Millis>> = HashMap::new();
        for (id, key, dev, at) in rows {
            if let Some(d) = dev.filter(|d| devices.binary_search(d).is_ok()) {
                recent.entry(d).or_default().push(at);
            }
            known.insert(key, (id, dev));
        }
        for &i in &keyed {
            let r = batch[i];
            if let Some(&(id, dev)) = known.get(&r.idempotency_key) {
                plan[i] = Plan::Done(if dev == r.device_id {
                    Ok(Saved::Replayed(id))
                } else {
                    Err(Refusal::KeyTaken)
                });
                continue;
            }
            if let (Some(dev), true) = (r.device_id, r.repeat_window_ms > 0) {
                let times = recent.entry(dev).or_default();
                let near = times
                    .iter()
                    .copied()
                    .filter(|t| {
                        *t > r.rated_at - r.repeat_window_ms && *t < r.rated_at + r.repeat_window_ms
                    })
                    .max();
                if let Some(t) = near {
                    let wait = (t + r.repeat_window_ms - r.rated_at).max(1000);
                    plan[i] = Plan::Done(Err(Refusal::TooSoon {
                        wait_seconds: (wait + 999) / 1000,
                    }));
                    continue;
                }
                // Accepted: later presses in this batch are measured against it.
                times.push(r.rated_at);
            }
        }
        let accepted: Vec<usize> = (0..batch.len())
            .filter(|&i| matches!(plan[i], Plan::Insert))
            .collect();
        let mut ids: HashMap<String, i64> = HashMap::with_capacity(accepted.len());
        if !accepted.is_empty() {
            let rows: Vec<(i64, String)> = with_pool!(self, p => {
                let mut tx = p.begin().await?;
                let mut qb = sqlx::QueryBuilder::new(INSERT_RATINGS);
                qb.push_values(&accepted, |mut b, &i| push_rating!(b, batch[i]));
                // A row that hits a unique key (its dossier already rated) is skipped, not an error.
                qb.push(" ON CONFLICT DO NOTHING RETURNING id, idempotency_key");
                let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                let stored: std::collections::HashSet<&str> = rows.iter().map(|(_, k)| k.as_str()).collect();
                let mut deltas = Deltas::default();
                for &i in &accepted {
                    if stored.contains(batch[i].idempotency_key.as_str()) {
                        deltas.add(rating_cells(&batch[i].fact()));
                    }
                }
                agg_apply!(&mut *tx, deltas, DossierDeltas::default());
                tx.commit().await?;
                Ok::<_, sqlx::Error>(rows)
            })?;
            ids.extend(rows.into_iter().map(|(id, k)| (k, id)));
        }
        let skipped: Vec<usize> = accepted
            .iter()
            .copied()
            .filter(|&i| !ids.contains_key(&batch[i].idempotency_key))
            .collect();
        if !skipped.is_empty() {
            // Rare: tell a dossier already rated from a key another channel stored meanwhile.
            let rows: Vec<(i64, String, Option<i64>)> = with_pool!(self, p => {
                let mut qb = sqlx::QueryBuilder::new("SELECT id, idempotency_key, device_id FROM ratings WHERE idempotency_key IN (");
                let mut sep = qb.separated(", ");
                for &i in &skipped {
                    sep.push_bind(batch[i].idempotency_key.as_str());
                }
                qb.push(")");
                qb.build_query_as().fetch_all(p).await
            })?;
            known.extend(rows.into_iter().map(|(id, k, d)| (k, (id, d))));
        }
        for &i in &accepted {
            let r = batch[i];
            plan[i] = Plan::Done(
                match (ids.get(&r.idempotency_key), known.get(&r.idempotency_key)) {
                    (Some(id), _) => Ok(Saved::Created(*id)),
                    (None, Some(&(id, dev))) if dev == r.device_id => Ok(Saved::Replayed(id)),
                    (None, Some(_)) => Err(Refusal::KeyTaken),
                    (None, None) => Err(Refusal::DossierRated),
                },
            );
        }
        Ok(plan_outcomes(batch, &plan))
    }

    /// Whether a dossier already has its rating (one per dossier).
    pub async fn dossier_rated(&self, code: &str) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM ratings WHERE dossier_code = $1")
            .bind(code).fetch_one(p).await)?;
        Ok(n > 0)
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
            // Read inside the transaction: the aggregates move only when the flag really changes.
            let before: Option<FactRow> = sqlx::query_as(
                "SELECT unit_id, official_id, counter_id, scale, level, rated_at, answers, flagged_at IS NOT NULL
                 FROM ratings WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await?;
            let n = sqlx::query("UPDATE ratings SET flagged_at = $2, flag_reason = $3, flagged_by = $4 WHERE id = $1")
                .bind(id).bind(reason.map(|_| now_ms())).bind(reason).bind(reason.and(user_id))
                .execute(&mut *tx).await?.rows_affected();
            if let Some(fact) = before.and_then(fact_of_row)
                && fact.flagged != reason.is_some()
            {
                let mut deltas = Deltas::default();
                deltas.sub(rating_cells(&fact));
                deltas.add(rating_cells(&RatingFact { flagged: reason.is_some(), ..fact }));
                agg_apply!(&mut *tx, deltas, DossierDeltas::default());
            }
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
        // 16 parameters a row: well under SQLite's limit of 32,766 per statement.
        const ROWS: usize = 500;
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let mut ids = Vec::with_capacity(ratings.len());
            for chunk in ratings.chunks(ROWS) {
                let mut qb = sqlx::QueryBuilder::new(INSERT_RATINGS);
                qb.push_values(chunk, |mut b, r| push_rating!(b, r));
                qb.push(" RETURNING id, idempotency_key");
                let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *tx).await
                    .map_err(|e| super::unique_as(e, "Đánh giá hoặc hồ sơ đã có", "A rating or dossier is already stored"))?;
                // RETURNING promises no order: match the rows by key.
                let by_key: std::collections::HashMap<&str, i64> = rows.iter().map(|(id, k)| (k.as_str(), *id)).collect();
                let chunk_ids: Vec<i64> = chunk.iter().filter_map(|r| by_key.get(r.idempotency_key.as_str()).copied()).collect();
                if chunk_ids.len() != chunk.len() {
                    return Err(StoreError::conflict("Mã gửi đánh giá bị trùng", "Duplicate submission keys"));
                }
                ids.extend(chunk_ids);
            }
            let mut deltas = Deltas::default();
            for r in ratings {
                deltas.add(rating_cells(&r.fact()));
            }
            agg_apply!(&mut *tx, deltas, DossierDeltas::default());
            tx.commit().await?;
            Ok(ids)
        })
    }
}

fn plan_outcomes(batch: &[&NewRating], plan: &[Plan]) -> Vec<SubmitResult> {
    let done = |i: usize| match &plan[i] {
        Plan::Done(d) => d.clone(),
        // Every first occurrence is decided before outcomes are read.
        Plan::Insert | Plan::SameAs(_) => Err(Refusal::KeyTaken),
    };
    (0..batch.len())
        .map(|i| {
            let outcome = match plan[i] {
                Plan::SameAs(j) => match done(j) {
                    Ok(saved) if batch[j].device_id == batch[i].device_id => {
                        Ok(Saved::Replayed(saved.id()))
                    }
                    Ok(_) => Err(Refusal::KeyTaken),
                    Err(why) => Err(why),
                },
                _ => done(i),
            };
            outcome.map_err(SubmitError::Refused)
        })
        .collect()
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
    queues: Arc<[mpsc::Sender<Job>]>,
}

const MAX_BATCH: usize = 512;

/// Told the id of each rating newly stored below "neutral" (level ≤ 2), after its commit and
/// after its submitter has the answer, so that leaders can be alerted without any kiosk waiting
/// for it. Unbounded so that sending never blocks the writer.
pub type UnsatisfiedHook = mpsc::UnboundedSender<i64>;

impl RatingWriter {
    pub fn spawn(store: Store) -> RatingWriter {
        Self::spawn_with(store, None)
    }

    /// As `spawn`, telling `hook` about unsatisfied ratings once they are stored.
    pub fn spawn_with(store: Store, hook: Option<UnsatisfiedHook>) -> RatingWriter {
        // SQLite takes one writer at a time, so one task. PostgreSQL commits in parallel, so two
        // tasks overlap their round trips (measured: more lanes lose to contention on the rows
        // the foreign keys lock); each owns a share of the devices, so the repeat-press lock of
        // a device is only ever checked by one of them.
        let writers = match store.db() {
            Db::Sqlite(_) => 1,
            Db::Postgres(_) => 2,
        };
        let queues = (0..writers)
            .map(|_| {
                let (tx, rx) = mpsc::channel::<Job>(8192);
                tokio::spawn(run_writer(store.clone(), rx, hook.clone()));
                tx
            })
            .collect();
        RatingWriter { queues }
    }

    pub async fn submit(&self, rating: NewRating) -> SubmitResult {
        let (reply, answer) = oneshot::channel();
        let lane = rating.device_id.unwrap_or(0).unsigned_abs() as usize % self.queues.len();
        self.queues[lane]
            .send(Job { rating, reply })
            .await
            .map_err(|_| SubmitError::WriterGone)?;
        answer.await.map_err(|_| SubmitError::WriterGone)?
    }
}

async fn run_writer(store: Store, mut rx: mpsc::Receiver<Job>, hook: Option<UnsatisfiedHook>) {
    let mut jobs: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    let mut unsatisfied: Vec<i64> = Vec::new();
    // Answers first, then the hook: the acknowledgement never waits on alerting.
    let answer = |job: Job, res: SubmitResult, unsatisfied: &mut Vec<i64>| {
        if let Ok(Saved::Created(id)) = res
            && job.rating.rating.headline.value() <= 2
        {
            unsatisfied.push(id);
        }
        let _ = job.reply.send(res);
    };
    loop {
        if rx.recv_many(&mut jobs, MAX_BATCH).await == 0 {
            return;
        }
        let batch: Vec<&NewRating> = jobs.iter().map(|j| &j.rating).collect();
        match store.ratings_insert_batch(&batch).await {
            Ok(results) => {
                for (job, res) in jobs.drain(..).zip(results) {
                    answer(job, res, &mut unsatisfied);
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
                    answer(job, res, &mut unsatisfied);
                }
            }
        }
        if let Some(hook) = &hook {
            for id in unsatisfied.drain(..) {
                // A closed receiver means alerting has stopped; the ratings are stored anyway.
                let _ = hook.send(id);
            }
        } else {
            unsatisfied.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballots_and_reasons_are_stored_as_serde_json_writes_them() {
        let l = |v| Level::new(v).unwrap();
        let answers = vec![
            ("handling".to_string(), l(2)),
            ("attitude \"x\"".to_string(), l(5)),
        ];
        let map: serde_json::Map<String, serde_json::Value> = answers
            .iter()
            .map(|(q, v)| (q.clone(), v.value().into()))
            .collect();
        assert_eq!(
            ballot_json(&answers),
            serde_json::Value::Object(map).to_string()
        );
        assert_eq!(ballot_json(&[]), serde_json::json!({}).to_string());
        let reasons = vec!["chờ lâu".to_string(), "thiếu \"hướng dẫn\"".to_string()];
        assert_eq!(
            reasons_json(&reasons),
            serde_json::to_string(&reasons).unwrap()
        );
        assert_eq!(
            reasons_json(&[]),
            serde_json::to_string(&Vec::<String>::new()).unwrap()
        );
    }
}
