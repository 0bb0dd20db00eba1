//! Alerts to leaders (issue 4, item 4): an unsatisfied rating as soon as it is stored, and a
//! missed target once per unit, indicator and month. Each alert is stored first, with its
//! recipients (the leaders of the unit and of the units above), and e-mailed after: a mail
//! server that is down costs the e-mail, never the alert in the application.
//!
//! Used by the web service (a task fed by the rating writer, and a periodic target check) and by
//! `hailong alerts check`; it sits beside `web` and `cli`, above `report` and `store`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::domain::Msg;
use crate::domain::form::FormDefinition;
use crate::domain::msg::Lang;
use crate::domain::period::{Period, month_key};
use crate::domain::scale::Level;
use crate::domain::target::{Status, pct_text};
use crate::domain::time::{Millis, Month, format_local, now_ms};
use crate::notify::{Email, Notifier};
use crate::report::ReportError;
use crate::report::targets::{IndicatorStatus, TargetStatus};
use crate::store::alerts::{AlertKind, NewAlert, RatingForAlert, Recipient};
use crate::store::{Store, StoreError};

/// An alert just stored, with whom to e-mail.
#[derive(Debug, Clone)]
pub struct Raised {
    pub alert_id: i64,
    pub recipients: Vec<Recipient>,
    pub subject: Msg,
    pub body: Msg,
}

/// What one target check did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CheckSummary {
    /// Units judged (those with a target of their own or inherited).
    pub units: usize,
    /// Unit × indicator × month found missed with enough data.
    pub missed: usize,
    /// Alerts newly raised (the others had been raised before).
    pub raised: usize,
}

#[derive(Clone)]
pub struct Alerter {
    store: Store,
    notifier: Arc<Notifier>,
    min_n: u64,
    public_url: String,
}

impl Alerter {
    pub fn new(store: Store, notifier: Arc<Notifier>, min_n: u64, public_url: &str) -> Alerter {
        Alerter {
            store,
            notifier,
            min_n,
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }

    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    /// Raises the alert for a stored rating if it is unsatisfied (level ≤ 2) and not alerted yet.
    pub async fn rating(&self, rating_id: i64) -> Result<Option<Raised>, StoreError> {
        let Some(r) = self.store.rating_for_alert(rating_id).await? else {
            return Ok(None);
        };
        if r.level > 2 {
            return Ok(None);
        }
        let reasons = self.reason_labels(&r).await;
        let (subject, body) = rating_text(&r, &reasons, &self.link("/ratings"));
        self.raise(NewAlert {
            unit_id: r.unit_id,
            kind: AlertKind::UnsatisfiedRating,
            dedup_key: format!("rating:{}", r.id),
            rating_id: Some(r.id),
            indicator: None,
            month: None,
            subject,
            body,
        })
        .await
    }

    /// The form's labels for the reasons a citizen ticked; the keys when the form is gone.
    async fn reason_labels(&self, r: &RatingForAlert) -> Vec<(String, String)> {
        let keys: Vec<String> = serde_json::from_str(&r.reasons).unwrap_or_default();
        let def: Option<FormDefinition> = self
            .store
            .form_version(r.form_version_id)
            .await
            .ok()
            .map(|v| v.definition);
        keys.into_iter()
            .map(|k| {
                match def
                    .as_ref()
                    .and_then(|d| d.reasons.iter().find(|x| x.key == k))
                {
                    Some(item) => (item.label_vi.clone(), item.label_en.clone()),
                    None => (k.clone(), k),
                }
            })
            .collect()
    }

    /// Judges every unit under a target for the previous month (complete) and this month so
    /// far, and raises one alert per unit, indicator and month missed with at least `min_n`
    /// behind the figure.
    pub async fn check_targets(&self) -> Result<(CheckSummary, Vec<Raised>), ReportError> {
        let now = Month::current();
        self.check_months(&[now.prev(), now]).await
    }

    pub async fn check_months(
        &self,
        months: &[Month],
    ) -> Result<(CheckSummary, Vec<Raised>), ReportError> {
        let units = self.store.units_under_targets().await?;
        let current = Month::current();
        let mut sum = CheckSummary {
            units: units.len(),
            ..Default::default()
        };
        let mut raised = Vec::new();
        for unit_id in units {
            let unit = self.store.unit(unit_id).await?;
            for &month in months {
                let status =
                    TargetStatus::for_unit(&self.store, unit_id, Period::month(month)).await?;
                for row in status
                    .rows
                    .iter()
                    .filter(|r| r.status == Status::Missed && r.n >= self.min_n)
                {
                    sum.missed += 1;
                    let (subject, body) = target_text(
                        &unit.name,
                        month,
                        month >= current,
                        row,
                        &self.link(&format!("/dashboard?unit={unit_id}&period={month}")),
                    );
                    let alert = NewAlert {
                        unit_id,
                        kind: AlertKind::TargetMissed,
                        dedup_key: format!(
                            "target:{unit_id}:{}:{}",
                            row.indicator.as_str(),
                            month_key(month)
                        ),
                        rating_id: None,
                        indicator: Some(row.indicator),
                        month: Some(month_key(month)),
                        subject,
                        body,
                    };
                    if let Some(r) = self.raise(alert).await? {
                        sum.raised += 1;
                        raised.push(r);
                    }
                }
            }
        }
        Ok((sum, raised))
    }

    async fn raise(&self, alert: NewAlert) -> Result<Option<Raised>, StoreError> {
        Ok(self
            .store
            .alert_raise(&alert)
            .await?
            .map(|(alert_id, recipients)| Raised {
                alert_id,
                recipients,
                subject: alert.subject,
                body: alert.body,
            }))
    }

    /// E-mails an alert to those of its recipients who have an address, and records each
    /// outcome. Failures are logged and recorded, never returned: the alert is already stored.
    pub async fn deliver(&self, r: &Raised) {
        for to in &r.recipients {
            let Some(address) = to.email.as_deref() else {
                continue;
            };
            let email = Email {
                to: address.to_string(),
                subject: format!("[Hài Lòng] {}", r.subject.vi),
                body: format!(
                    "{}\n\n— English —\n{}\n\n{}\n\n--\n{}",
                    r.body.vi,
                    r.subject.en,
                    r.body.en,
                    self.link("/alerts")
                ),
            };
            let (status, error) = match self.notifier.send(&email).await {
                Ok(d) => (d.as_str(), None),
                Err(e) => {
                    tracing::warn!(alert = r.alert_id, user = %to.username, error = %e, "alert e-mail failed; the alert stays in the application");
                    ("failed", Some(e.to_string()))
                }
            };
            if let Err(e) = self
                .store
                .alert_email_outcome(r.alert_id, to.user_id, status, error.as_deref())
                .await
            {
                tracing::warn!(alert = r.alert_id, error = %e, "could not record an e-mail outcome");
            }
        }
    }

    /// Runs a target check and waits for its e-mails (the command line's `alerts check`).
    pub async fn check_and_send(&self) -> Result<CheckSummary, ReportError> {
        let (sum, raised) = self.check_targets().await?;
        for r in &raised {
            self.deliver(r).await;
        }
        Ok(sum)
    }

    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// Hands an alert's e-mails to a task of their own, so that a slow mail server never holds
    /// up the next alert.
    fn deliver_later(&self, r: Raised) {
        let me = self.clone();
        tokio::spawn(async move { me.deliver(&r).await });
    }
}

/// Alerts for unsatisfied ratings, fed by the rating writer after each commit. First picks up
/// what a stop may have left between a rating's commit and its alert (ratings received in the
/// hour before `started_at`), then follows the writer.
pub fn spawn_rating_alerts(
    alerter: Alerter,
    mut stored: mpsc::UnboundedReceiver<i64>,
    started_at: Millis,
) {
    tokio::spawn(async move {
        match alerter
            .store
            .ratings_unalerted(started_at - 3_600_000, started_at)
            .await
        {
            Ok(ids) => {
                for id in ids {
                    rating_alert(&alerter, id).await;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not look for ratings left without an alert")
            }
        }
        while let Some(id) = stored.recv().await {
            rating_alert(&alerter, id).await;
        }
    });
}

async fn rating_alert(alerter: &Alerter, id: i64) {
    // A database that is briefly away should not cost the alert: try a few times.
    for attempt in 1..=3 {
        match alerter.rating(id).await {
            Ok(Some(r)) => return alerter.deliver_later(r),
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(rating = id, attempt, error = %e, "could not raise a rating alert");
                tokio::time::sleep(Duration::from_secs(attempt)).await;
            }
        }
    }
}

/// The periodic target check: first a minute after start (let the service settle), then every
/// `every`.
pub fn spawn_target_checks(alerter: Alerter, every: Duration) {
    tokio::spawn(async move {
        let first = every.min(Duration::from_secs(60));
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + first, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match alerter.check_targets().await {
                Ok((sum, raised)) => {
                    tracing::info!(
                        units = sum.units,
                        missed = sum.missed,
                        raised = sum.raised,
                        "target check"
                    );
                    for r in raised {
                        alerter.deliver_later(r);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "target check failed"),
            }
        }
    });
}

fn level_label(level: i16, lang: Lang) -> &'static str {
    Level::new(level).map_or("?", |l| l.label(lang))
}

/// The subject and body of an unsatisfied-rating alert: the official, the counter, the time,
/// the level, the reasons and the comment; nothing that identifies the citizen.
fn rating_text(r: &RatingForAlert, reasons: &[(String, String)], link: &str) -> (Msg, Msg) {
    let official_vi = r.official_name.as_deref().unwrap_or("(không rõ cán bộ)");
    let official_en = r.official_name.as_deref().unwrap_or("(official unknown)");
    let counter_vi = r.counter_name.as_deref().unwrap_or("(không qua quầy)");
    let counter_en = r.counter_name.as_deref().unwrap_or("(not at a counter)");
    let (channel_vi, channel_en) = match r.channel.as_str() {
        "kiosk" => ("màn hình đánh giá tại quầy", "the counter's kiosk"),
        "qr" => ("mã QR trên phiếu hẹn", "the receipt's QR code"),
        _ => (
            "phiếu giấy do cán bộ nhập",
            "a paper ballot entered by staff",
        ),
    };
    let when = format_local(r.rated_at);
    let list = |lang: Lang| {
        let v: Vec<&str> = reasons
            .iter()
            .map(|(vi, en)| {
                if lang == Lang::Vi {
                    vi.as_str()
                } else {
                    en.as_str()
                }
            })
            .collect();
        if v.is_empty() {
            if lang == Lang::Vi {
                "(không chọn)"
            } else {
                "(none given)"
            }
            .to_string()
        } else {
            v.join("; ")
        }
    };
    let comment = |none: &str| {
        r.comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| format!("“{c}”"))
            .unwrap_or_else(|| none.to_string())
    };
    let subject = Msg::new(
        format!(
            "{}: {official_vi} – {}",
            level_label(r.level, Lang::Vi),
            r.unit_name
        ),
        format!(
            "{}: {official_en} – {}",
            level_label(r.level, Lang::En),
            r.unit_name
        ),
    );
    let body = Msg::new(
        format!(
            "Một người dân vừa đánh giá “{}” tại {}.\nCán bộ: {official_vi}\nQuầy: {counter_vi}\nThời điểm: {when}\nKênh: {channel_vi}\nLý do: {}\nÝ kiến: {}\nXem các đánh giá: {link}",
            level_label(r.level, Lang::Vi),
            r.unit_name,
            list(Lang::Vi),
            comment("(không có)"),
        ),
        format!(
            "A citizen has just rated “{}” at {}.\nOfficial: {official_en}\nCounter: {counter_en}\nTime: {when}\nChannel: {channel_en}\nReasons: {}\nComment: {}\nRatings received: {link}",
            level_label(r.level, Lang::En),
            r.unit_name,
            list(Lang::En),
            comment("(none)"),
        ),
    );
    (subject, body)
}

/// The subject and body of a missed-target alert: the target and where it comes from, the
/// actual figure with its n (and interval for satisfaction), and how sure the miss is.
fn target_text(
    unit_name: &str,
    month: Month,
    so_far: bool,
    row: &IndicatorStatus,
    link: &str,
) -> (Msg, Msg) {
    let ind = row.indicator;
    let Some(t) = &row.target else {
        return (Msg::new("", ""), Msg::new("", ""));
    };
    let actual = |vi| row.actual.map_or("–".into(), |a| pct_text(a, vi));
    let interval = |vi: bool| match (row.low, row.high) {
        (Some(l), Some(h)) if vi => format!(
            ", khoảng tin cậy 95%: {} – {}",
            pct_text(l, vi),
            pct_text(h, vi)
        ),
        (Some(l), Some(h)) => format!(", 95% interval: {} – {}", pct_text(l, vi), pct_text(h, vi)),
        _ => String::new(),
    };
    let today = format_local(now_ms());
    let today = today.split(' ').next().unwrap_or_default();
    let (period_vi, period_en) = if so_far {
        (
            format!("tháng {} (tính đến ngày {today})", month.display_vi()),
            format!("{month} (so far, to {today})"),
        )
    } else {
        (format!("tháng {}", month.display_vi()), month.to_string())
    };
    let (source_vi, source_en) = if t.inherited {
        (
            format!(
                "Chỉ tiêu do {} đặt, áp dụng cho các đơn vị trực thuộc",
                t.source_unit_name
            ),
            format!(
                "Target set by {} for the units under it",
                t.source_unit_name
            ),
        )
    } else {
        (
            "Chỉ tiêu của chính đơn vị".to_string(),
            "The unit's own target".to_string(),
        )
    };
    let (miss_vi, miss_en) = match row.miss {
        Some(m) => (
            format!("\nĐánh giá: {}.", m.label_vi()),
            format!("\nJudgement: {}.", m.label_en()),
        ),
        None => (String::new(), String::new()),
    };
    let subject = Msg::new(
        format!(
            "Chưa đạt chỉ tiêu {} {} – {unit_name}",
            ind.label_vi().to_lowercase(),
            period_vi.split(" (").next().unwrap_or_default()
        ),
        format!(
            "Target missed: {} {} – {unit_name}",
            ind.label_en().to_lowercase(),
            month
        ),
    );
    let body = Msg::new(
        format!(
            "{unit_name} chưa đạt chỉ tiêu {} {} {} trong {period_vi}.\nThực tế: {} (n = {} {}{}).{miss_vi}\n{source_vi}, áp dụng từ tháng {}.\nXem bảng điều hành: {link}",
            ind.label_vi().to_lowercase(),
            t.comparison.symbol(),
            pct_text(t.threshold, true),
            actual(true),
            row.n,
            ind.n_label_vi(),
            interval(true),
            t.valid_from.display_vi(),
        ),
        format!(
            "{unit_name} missed its {} target of {} {} in {period_en}.\nActual: {} (n = {} {}{}).{miss_en}\n{source_en}, in force from {}.\nDashboard: {link}",
            ind.label_en().to_lowercase(),
            t.comparison.symbol(),
            pct_text(t.threshold, false),
            actual(false),
            row.n,
            ind.n_label_en(),
            interval(false),
            t.valid_from,
        ),
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_alert_names_the_official_and_not_the_citizen() {
        let r = RatingForAlert {
            id: 7,
            unit_id: 2,
            unit_name: "Xã Vạn Hưng".into(),
            official_name: Some("Nguyễn Thị Lan".into()),
            counter_name: Some("Quầy 1".into()),
            channel: "kiosk".into(),
            level: 2,
            reasons: "[\"waiting\"]".into(),
            comment: Some("Chờ hơn một giờ".into()),
            form_version_id: 1,
            rated_at: 1_790_000_000_000,
        };
        let reasons = vec![("Phải chờ đợi lâu".to_string(), "Long wait".to_string())];
        let (s, b) = rating_text(&r, &reasons, "http://x/ratings");
        assert_eq!(s.vi, "Không hài lòng: Nguyễn Thị Lan – Xã Vạn Hưng");
        assert!(b.vi.contains("Quầy: Quầy 1") && b.vi.contains("Lý do: Phải chờ đợi lâu"));
        assert!(b.vi.contains("“Chờ hơn một giờ”"));
        assert!(b.en.contains("Reasons: Long wait"));
    }
}
