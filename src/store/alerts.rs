//! Alerts to leaders (migration 0007): raised once per event, kept in the application with a read
//! mark per recipient, and the outcome of each e-mail recorded beside it.

use serde::Serialize;

use super::{Result, Store, StoreError, with_pool};
use crate::domain::Msg;
use crate::domain::period::BucketKey;
use crate::domain::target::Indicator;
use crate::domain::time::{Millis, now_ms};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A citizen was not satisfied (level ≤ 2: "không hài lòng").
    UnsatisfiedRating,
    /// A unit missed one of its targets in a month.
    TargetMissed,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::UnsatisfiedRating => "unsatisfied_rating",
            AlertKind::TargetMissed => "target_missed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewAlert {
    pub unit_id: i64,
    pub kind: AlertKind,
    /// Names the event, so that it is raised once whoever notices it and however often.
    pub dedup_key: String,
    pub rating_id: Option<i64>,
    pub indicator: Option<Indicator>,
    pub month: Option<BucketKey>,
    pub subject: Msg,
    pub body: Msg,
}

/// Someone an alert was sent to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Recipient {
    pub user_id: i64,
    pub username: String,
    pub email: Option<String>,
}

/// An alert as one recipient sees it.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AlertRow {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind: String,
    pub rating_id: Option<i64>,
    pub month: Option<i32>,
    pub subject_vi: String,
    pub subject_en: String,
    pub body_vi: String,
    pub body_en: String,
    pub created_at: Millis,
    pub read_at: Option<Millis>,
    pub email_status: Option<String>,
}

/// What an alert about a rating says: who served, where, when, how and why; nothing that
/// identifies the citizen.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RatingForAlert {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub official_name: Option<String>,
    pub counter_name: Option<String>,
    pub channel: String,
    pub level: i16,
    pub reasons: String,
    pub comment: Option<String>,
    pub form_version_id: i64,
    pub rated_at: Millis,
}

/// Leaders (enabled) whose unit is `$1` or one of its ancestors.
const LEADERS_ABOVE: &str = "WITH RECURSIVE anc(id) AS (
        SELECT id FROM units WHERE id = $1
        UNION ALL
        SELECT u.parent_id FROM units u JOIN anc a ON u.id = a.id WHERE u.parent_id IS NOT NULL)
    SELECT us.id FROM users us
    WHERE us.role = 'leader' AND NOT us.disabled AND us.unit_id IN (SELECT id FROM anc)";

impl Store {
    /// Stores an alert and its recipients (the leaders of its unit and of the units above) in
    /// one transaction. None when an alert with the same key exists: the event was already
    /// raised.
    pub async fn alert_raise(&self, a: &NewAlert) -> Result<Option<(i64, Vec<Recipient>)>> {
        let now = now_ms();
        let id: Option<i64> = with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO alerts (unit_id, kind, dedup_key, rating_id, indicator, month,
                    subject_vi, subject_en, body_vi, body_en, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (dedup_key) DO NOTHING RETURNING id")
                .bind(a.unit_id).bind(a.kind.as_str()).bind(&a.dedup_key).bind(a.rating_id)
                .bind(a.indicator.map(Indicator::as_str)).bind(a.month)
                .bind(&a.subject.vi).bind(&a.subject.en).bind(&a.body.vi).bind(&a.body.en).bind(now)
                .fetch_optional(&mut *tx).await?;
            if let Some(id) = id {
                let leaders: Vec<i64> = sqlx::query_scalar(LEADERS_ABOVE)
                    .bind(a.unit_id).fetch_all(&mut *tx).await?;
                for user in leaders {
                    sqlx::query("INSERT INTO alert_recipients (alert_id, user_id) VALUES ($1, $2)")
                        .bind(id).bind(user).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        })?;
        let Some(id) = id else { return Ok(None) };
        let recipients: Vec<Recipient> = with_pool!(self, p => sqlx::query_as(
            "SELECT us.id AS user_id, us.username, us.email FROM alert_recipients r
             JOIN users us ON us.id = r.user_id WHERE r.alert_id = $1 ORDER BY us.id")
            .bind(id).fetch_all(p).await)?;
        Ok(Some((id, recipients)))
    }

    /// Records how the e-mail to one recipient went ('sent', 'logged' or 'failed').
    pub async fn alert_email_outcome(
        &self,
        alert_id: i64,
        user_id: i64,
        status: &str,
        error: Option<&str>,
    ) -> Result<()> {
        with_pool!(self, p => sqlx::query(
            "UPDATE alert_recipients SET email_status = $3, email_error = $4, email_at = $5
             WHERE alert_id = $1 AND user_id = $2")
            .bind(alert_id).bind(user_id).bind(status).bind(error).bind(now_ms())
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// A user's alerts, newest first.
    pub async fn alerts_inbox(
        &self,
        user_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AlertRow>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT a.id, a.unit_id, u.name AS unit_name, a.kind, a.rating_id, a.month,
                a.subject_vi, a.subject_en, a.body_vi, a.body_en, a.created_at, r.read_at, r.email_status
             FROM alert_recipients r JOIN alerts a ON a.id = r.alert_id JOIN units u ON u.id = a.unit_id
             WHERE r.user_id = $1 ORDER BY a.created_at DESC, a.id DESC LIMIT $2 OFFSET $3")
            .bind(user_id).bind(limit).bind(offset).fetch_all(p).await)?)
    }

    pub async fn alerts_unread(&self, user_id: i64) -> Result<i64> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM alert_recipients WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id).fetch_one(p).await)?)
    }

    /// Marks one of the user's alerts read (an alert sent to someone else is not theirs to mark).
    pub async fn alert_mark_read(&self, user_id: i64, alert_id: i64) -> Result<()> {
        let n = with_pool!(self, p => sqlx::query(
            "UPDATE alert_recipients SET read_at = COALESCE(read_at, $3) WHERE user_id = $1 AND alert_id = $2")
            .bind(user_id).bind(alert_id).bind(now_ms()).execute(p).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::not_found(
                format!("Không có cảnh báo số {alert_id}"),
                format!("No alert {alert_id}"),
            ));
        }
        Ok(())
    }

    pub async fn alerts_mark_all_read(&self, user_id: i64) -> Result<u64> {
        Ok(with_pool!(self, p => sqlx::query(
            "UPDATE alert_recipients SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id).bind(now_ms()).execute(p).await.map(|r| r.rows_affected()))?)
    }

    /// How many alerts of a kind a unit has (for checks and tests).
    pub async fn alerts_count(&self, unit_id: i64, kind: AlertKind) -> Result<i64> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM alerts WHERE unit_id = $1 AND kind = $2")
            .bind(unit_id).bind(kind.as_str()).fetch_one(p).await)?)
    }

    /// A stored rating as an alert describes it.
    pub async fn rating_for_alert(&self, id: i64) -> Result<Option<RatingForAlert>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT r.id, r.unit_id, u.name AS unit_name, o.full_name AS official_name,
                k.name AS counter_name, r.channel, r.level, r.reasons, r.comment, r.form_version_id, r.rated_at
             FROM ratings r JOIN units u ON u.id = r.unit_id
             LEFT JOIN officials o ON o.id = r.official_id LEFT JOIN counters k ON k.id = r.counter_id
             WHERE r.id = $1")
            .bind(id).fetch_optional(p).await)?)
    }

    /// Unsatisfied ratings (level ≤ 2) received in [from, to) that have no alert yet: those a
    /// stop between a rating's commit and its alert left behind. Only the newest rows by id are
    /// read, through the primary key, so the look costs the same on a table of millions.
    pub async fn ratings_unalerted(&self, from: Millis, to: Millis) -> Result<Vec<i64>> {
        const WINDOW: i64 = 20_000;
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT r.id FROM ratings r
             WHERE r.id > (SELECT COALESCE(MAX(id), 0) FROM ratings) - $3
               AND r.level <= 2 AND r.received_at >= $1 AND r.received_at < $2
               AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.rating_id = r.id)
             ORDER BY r.id")
            .bind(from).bind(to).bind(WINDOW).fetch_all(p).await)?)
    }
}
