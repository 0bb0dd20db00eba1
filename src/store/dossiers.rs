//! Dossiers: intake with a daily code sequence, status transitions with their history, the
//! supplement pause, apologies with a new date, and the public look-up.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::aggregates::agg_apply;
use super::{Db, Result, SUBTREE_CTE, Store, StoreError, with_pool};
use crate::domain::aggregate::{Deltas, DossierDeltas, DossierSnapshot};
use crate::domain::calendar::WorkingCalendar;
use crate::domain::dossier::{
    Action, IntakeChannel, ReturnMethod, Status, dossier_code, lookup_secret, normalise_secret,
};
use crate::domain::limit::TimeLimit;
use crate::domain::time::{Millis, local_ms, local_time};

/// What the desk (or the citizen online) fills in at intake.
#[derive(Debug, Clone)]
pub struct IntakeInput {
    pub unit_id: i64,
    pub procedure_id: i64,
    pub channel: IntakeChannel,
    pub applicant_name: String,
    pub applicant_phone: String,
    pub applicant_id_number: String,
    pub applicant_address: String,
    pub documents: Vec<String>,
    pub return_method: ReturnMethod,
    /// The official who received it at the desk; none for an online registration.
    pub received_by: Option<i64>,
    pub counter_id: Option<i64>,
    pub user_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DossierCreated {
    pub id: i64,
    pub code: String,
    /// Printed on the receipt, never shown again in lists.
    pub lookup_secret: String,
    pub status: Status,
    pub due_at: Option<Millis>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct DossierRow {
    id: i64,
    code: String,
    lookup_secret: String,
    unit_id: i64,
    unit_name: String,
    unit_code: String,
    procedure_id: i64,
    procedure_code: String,
    procedure_name: String,
    channel: i16,
    status: i16,
    applicant_name: String,
    applicant_phone: String,
    applicant_id_number: String,
    applicant_address: String,
    documents: String,
    return_method: String,
    limit_kind: String,
    limit_value: i32,
    registered_at: Millis,
    received_at: Option<Millis>,
    due_at: Option<Millis>,
    finished_at: Option<Millis>,
    returned_at: Option<Millis>,
    supplement_count: i32,
    paused_at: Option<Millis>,
    received_by: Option<i64>,
    received_by_name: Option<String>,
    counter_id: Option<i64>,
    updated_at: Millis,
}

/// A dossier as staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dossier {
    pub id: i64,
    pub code: String,
    #[serde(skip)]
    pub lookup_secret: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_code: String,
    pub procedure_id: i64,
    pub procedure_code: String,
    pub procedure_name: String,
    pub channel: IntakeChannel,
    pub status: Status,
    pub applicant_name: String,
    pub applicant_phone: String,
    pub applicant_id_number: String,
    pub applicant_address: String,
    pub documents: Vec<String>,
    pub return_method: ReturnMethod,
    pub time_limit: TimeLimit,
    pub registered_at: Millis,
    pub received_at: Option<Millis>,
    pub due_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    pub returned_at: Option<Millis>,
    pub supplement_count: i32,
    pub paused_at: Option<Millis>,
    pub received_by: Option<i64>,
    pub received_by_name: Option<String>,
    pub counter_id: Option<i64>,
    pub updated_at: Millis,
}

impl Dossier {
    /// What the aggregates count of this dossier.
    pub fn snapshot(&self) -> DossierSnapshot {
        DossierSnapshot {
            unit_id: self.unit_id,
            channel: self.channel.code(),
            status: self.status.code(),
            received_at: self.received_at,
            due_at: self.due_at,
            finished_at: self.finished_at,
            returned_at: self.returned_at,
            supplement_count: self.supplement_count,
            counter_id: self.counter_id,
            updated_at: self.updated_at,
        }
    }
}

impl TryFrom<DossierRow> for Dossier {
    type Error = StoreError;
    fn try_from(r: DossierRow) -> Result<Dossier> {
        let bad = |what: &str| {
            StoreError::invalid(
                format!("Dữ liệu hồ sơ {} bị hỏng: {what}", r.code),
                format!("Dossier {} has corrupt data: {what}", r.code),
            )
        };
        Ok(Dossier {
            channel: IntakeChannel::from_code(r.channel).ok_or_else(|| bad("channel"))?,
            status: Status::from_code(r.status).ok_or_else(|| bad("status"))?,
            documents: serde_json::from_str(&r.documents).map_err(|_| bad("documents"))?,
            return_method: ReturnMethod::parse(&r.return_method)
                .ok_or_else(|| bad("return_method"))?,
            time_limit: TimeLimit::from_parts(&r.limit_kind, r.limit_value.into())
                .map_err(|_| bad("limit"))?,
            id: r.id,
            lookup_secret: r.lookup_secret,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            unit_code: r.unit_code,
            procedure_id: r.procedure_id,
            procedure_code: r.procedure_code,
            procedure_name: r.procedure_name,
            applicant_name: r.applicant_name,
            applicant_phone: r.applicant_phone,
            applicant_id_number: r.applicant_id_number,
            applicant_address: r.applicant_address,
            registered_at: r.registered_at,
            received_at: r.received_at,
            due_at: r.due_at,
            finished_at: r.finished_at,
            returned_at: r.returned_at,
            supplement_count: r.supplement_count,
            paused_at: r.paused_at,
            received_by: r.received_by,
            received_by_name: r.received_by_name,
            counter_id: r.counter_id,
            code: r.code,
            updated_at: r.updated_at,
        })
    }
}

/// One line of a dossier's history.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct DossierEvent {
    pub at: Millis,
    pub action: String,
    pub from_status: Option<i16>,
    pub to_status: i16,
    pub official_name: Option<String>,
    pub note: String,
    pub new_due_at: Option<Millis>,
}

/// What happens to a dossier, by whom.
#[derive(Debug, Clone)]
pub struct ActInput {
    pub action: Action,
    pub note: String,
    pub return_method: Option<ReturnMethod>,
    pub official_id: Option<i64>,
    pub user_id: Option<i64>,
    pub at: Millis,
}

/// Open dossiers (received, in progress, awaiting supplements or payment: statuses 2, 4, 5
/// and 6) as the term of a query on `dossiers d`. It is the WHERE of the partial index
/// `dossiers_open_unit_due` word for word, which SQLite needs in order to use that index
/// (migration 0023 says why it is not an IN list).
pub const OPEN_STATUSES: &str = "(d.status = 2 OR d.status BETWEEN 4 AND 6)";

const DOSSIER_COLS: &str = "d.id, d.code, d.lookup_secret, d.unit_id, u.name AS unit_name,
    u.code AS unit_code, d.procedure_id, p.code AS procedure_code, p.name AS procedure_name,
    d.channel, d.status, d.applicant_name, d.applicant_phone, d.applicant_id_number,
    d.applicant_address, d.documents, d.return_method, d.limit_kind, d.limit_value,
    d.registered_at, d.received_at, d.due_at, d.finished_at, d.returned_at, d.supplement_count,
    d.paused_at, d.received_by, o.full_name AS received_by_name, d.counter_id, d.updated_at";
const DOSSIER_FROM: &str = "FROM dossiers d JOIN units u ON u.id = d.unit_id
    JOIN procedures p ON p.id = d.procedure_id LEFT JOIN officials o ON o.id = d.received_by";

fn due_from(cal: &WorkingCalendar, received_at: Millis, limit: TimeLimit) -> Millis {
    local_ms(cal.due_at(local_time(received_at), limit))
}

fn required(v: &str, vi: &str, en: &str) -> Result<()> {
    if v.trim().is_empty() {
        return Err(StoreError::invalid(
            format!("Thiếu {vi}"),
            format!("Missing {en}"),
        ));
    }
    Ok(())
}

impl Store {
    /// Registers a dossier: at the desk or by post it is received now and its due time is set;
    /// online it waits for the desk to accept it. The code's daily sequence is taken with an
    /// upsert inside the same transaction, so concurrent intakes never share a number.
    pub async fn dossier_intake(
        &self,
        input: &IntakeInput,
        now: Millis,
        random: [u8; 6],
    ) -> Result<DossierCreated> {
        required(
            &input.applicant_name,
            "họ tên người nộp",
            "the applicant's name",
        )?;
        if input.channel == IntakeChannel::Online {
            required(&input.applicant_phone, "số điện thoại", "a phone number")?;
            required(
                &input.applicant_id_number,
                "số định danh cá nhân",
                "an ID number",
            )?;
        }
        let unit = self.unit(input.unit_id).await?;
        let local: NaiveDateTime = local_time(now);
        let (limit, _) = self
            .effective_limit(input.procedure_id, input.unit_id, local.date())
            .await?;
        let online_pending = input.channel == IntakeChannel::Online && input.received_by.is_none();
        let (status, received_at, due_at) = if online_pending {
            (Status::RegisteredOnline, None, None)
        } else {
            let cal = self.working_calendar(input.unit_id).await?;
            (
                Status::Received,
                Some(now),
                Some(due_from(&cal, now, limit)),
            )
        };
        let secret = lookup_secret(random);
        let documents = serde_json::to_string(&input.documents).expect("strings serialise");
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let seq: i64 = sqlx::query_scalar(
                "INSERT INTO dossier_sequences (unit_id, day, last_seq) VALUES ($1, $2, 1)
                 ON CONFLICT (unit_id, day) DO UPDATE SET last_seq = dossier_sequences.last_seq + 1
                 RETURNING last_seq")
                .bind(input.unit_id).bind(local.date()).fetch_one(&mut *tx).await?;
            let code = dossier_code(&unit.code, local.date(), seq);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO dossiers (code, lookup_secret, unit_id, procedure_id, channel, status,
                    applicant_name, applicant_phone, applicant_id_number, applicant_address, documents,
                    return_method, limit_kind, limit_value, registered_at, received_at, due_at,
                    received_by, counter_id, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $15)
                 RETURNING id")
                .bind(&code).bind(&secret).bind(input.unit_id).bind(input.procedure_id)
                .bind(input.channel.code()).bind(status.code()).bind(input.applicant_name.trim())
                .bind(input.applicant_phone.trim()).bind(input.applicant_id_number.trim())
                .bind(input.applicant_address.trim()).bind(&documents).bind(input.return_method.as_str())
                .bind(limit.kind()).bind(limit.value() as i32).bind(now).bind(received_at).bind(due_at)
                .bind(input.received_by).bind(input.counter_id)
                .fetch_one(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO dossier_events (dossier_id, at, action, from_status, to_status, user_id, official_id, note)
                 VALUES ($1, $2, 'intake', NULL, $3, $4, $5, $6)")
                .bind(id).bind(now).bind(status.code()).bind(input.user_id).bind(input.received_by)
                .bind(input.channel.label(crate::domain::msg::Lang::Vi))
                .execute(&mut *tx).await?;
            let mut deltas = DossierDeltas::default();
            deltas.change(None, &DossierSnapshot {
                unit_id: input.unit_id,
                channel: input.channel.code(),
                status: status.code(),
                received_at,
                due_at,
                finished_at: None,
                returned_at: None,
                supplement_count: 0,
                counter_id: input.counter_id,
                updated_at: now,
            });
            agg_apply!(&mut *tx, Deltas::default(), deltas);
            tx.commit().await?;
            Ok(DossierCreated { id, code, lookup_secret: secret, status, due_at })
        })
    }

    pub async fn dossier(&self, id: i64) -> Result<Dossier> {
        let sql = format!("SELECT {DOSSIER_COLS} {DOSSIER_FROM} WHERE d.id = $1");
        let r: Option<DossierRow> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?;
        r.ok_or_else(|| {
            StoreError::not_found(
                format!("Không có hồ sơ số {id}"),
                format!("No dossier {id}"),
            )
        })?
        .try_into()
    }

    pub async fn dossier_by_code(&self, code: &str) -> Result<Option<Dossier>> {
        let sql = format!("SELECT {DOSSIER_COLS} {DOSSIER_FROM} WHERE d.code = $1");
        let r: Option<DossierRow> = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(code.trim().to_uppercase()).fetch_optional(p).await)?;
        r.map(Dossier::try_from).transpose()
    }

    /// The dossier behind a receipt's code and secret, for the public look-up and the QR rating.
    /// A wrong secret looks exactly like an unknown code.
    pub async fn dossier_by_receipt(&self, code: &str, secret: &str) -> Result<Option<Dossier>> {
        Ok(self
            .dossier_by_code(code)
            .await?
            .filter(|d| d.lookup_secret == normalise_secret(secret)))
    }

    /// A dossier's history, oldest first. An imported dossier's begins with its import, kept on
    /// the dossier (`imported_at`): its status then is the one its first later transition left,
    /// or its status now when nothing happened since.
    pub async fn dossier_events(&self, id: i64) -> Result<Vec<DossierEvent>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT e.at, e.action, e.from_status, e.to_status, o.full_name AS official_name, e.note, e.new_due_at, e.id AS seq
             FROM dossier_events e LEFT JOIN officials o ON o.id = e.official_id
             WHERE e.dossier_id = $1
             UNION ALL
             SELECT d.imported_at, 'import', NULL, COALESCE(
                     (SELECT e.from_status FROM dossier_events e WHERE e.dossier_id = d.id
                      ORDER BY e.at, e.id LIMIT 1), d.status),
                 NULL, 'Nhập từ dữ liệu cũ', NULL, 0
             FROM dossiers d WHERE d.id = $1 AND d.imported_at IS NOT NULL
             ORDER BY 1, 8")
            .bind(id).fetch_all(p).await)?)
    }

    /// Dossiers received in a unit subtree, newest first; `status` narrows to one status.
    pub async fn dossiers_list(
        &self,
        root: i64,
        status: Option<Status>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Dossier>> {
        let sql = format!(
            "{SUBTREE_CTE} SELECT {DOSSIER_COLS} {DOSSIER_FROM}
             WHERE d.unit_id IN (SELECT id FROM subtree) AND ($2 IS NULL OR d.status = $2)
             ORDER BY d.registered_at DESC, d.id DESC LIMIT $3 OFFSET $4"
        );
        let rows: Vec<DossierRow> = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(root).bind(status.map(Status::code)).bind(limit).bind(offset).fetch_all(p).await)?;
        rows.into_iter().map(Dossier::try_from).collect()
    }

    /// Open dossiers of a subtree whose due time has passed, most overdue first.
    pub async fn dossiers_overdue(&self, root: i64, now: Millis) -> Result<Vec<Dossier>> {
        let sql = format!(
            "{SUBTREE_CTE} SELECT {DOSSIER_COLS} {DOSSIER_FROM}
             WHERE d.unit_id IN (SELECT id FROM subtree) AND {OPEN_STATUSES}
               AND d.due_at < $2
             ORDER BY d.due_at, d.id"
        );
        let rows: Vec<DossierRow> = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(root).bind(now).fetch_all(p).await)?;
        rows.into_iter().map(Dossier::try_from).collect()
    }

    /// Takes an action on a dossier. The change is written only if nobody changed the dossier
    /// since it was read, so two officials acting at once cannot both succeed.
    pub async fn dossier_act(&self, id: i64, input: &ActInput) -> Result<Dossier> {
        let d = self.dossier(id).await?;
        let to = input.action.apply(d.status).map_err(StoreError::Invalid)?;
        if input.action.needs_reason() && input.note.trim().is_empty() {
            return Err(StoreError::invalid(
                "Vui lòng ghi rõ lý do hoặc giấy tờ cần bổ sung",
                "Please state the reason or the papers needed",
            ));
        }
        let now = input.at;
        let mut received_at = d.received_at;
        let mut due_at = d.due_at;
        let mut finished_at = d.finished_at;
        let mut returned_at = d.returned_at;
        let mut paused_at = d.paused_at;
        let mut supplements = d.supplement_count;
        let mut paused_minutes: i64 = 0;
        let mut return_method = d.return_method;
        match input.action {
            Action::Accept => {
                let cal = self.working_calendar(d.unit_id).await?;
                received_at = Some(now);
                due_at = Some(due_from(&cal, now, d.time_limit));
            }
            Action::RequestSupplement => {
                supplements += 1;
                paused_at = Some(now);
            }
            Action::CompleteSupplement => {
                // The time the applicant needed does not count: the due time moves by it.
                let cal = self.working_calendar(d.unit_id).await?;
                if let (Some(from), Some(due)) = (d.paused_at, d.due_at) {
                    let (a, b) = (local_time(from), local_time(now));
                    let moved = match d.time_limit {
                        TimeLimit::CalendarDays(_) => {
                            let days = (b.date() - a.date()).num_days();
                            local_time(due) + chrono::Duration::days(days)
                        }
                        _ => {
                            paused_minutes = cal.working_minutes_between(a, b);
                            cal.add_working_minutes(local_time(due), paused_minutes)
                        }
                    };
                    due_at = Some(local_ms(moved));
                }
                paused_at = None;
            }
            Action::ResultReady => finished_at = Some(now),
            Action::ReturnResult => {
                returned_at = Some(now);
                if let Some(m) = input.return_method {
                    return_method = m;
                }
            }
            _ => {}
        }
        let changed = with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE dossiers SET status = $3, received_at = $4, due_at = $5, finished_at = $6,
                    returned_at = $7, paused_at = $8, supplement_count = $9,
                    paused_minutes = paused_minutes + $10, return_method = $11, updated_at = $12
                 WHERE id = $1 AND updated_at = $2")
                .bind(id).bind(d.updated_at).bind(to.code()).bind(received_at).bind(due_at)
                .bind(finished_at).bind(returned_at).bind(paused_at).bind(supplements)
                .bind(paused_minutes).bind(return_method.as_str()).bind(now.max(d.updated_at + 1))
                .execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                sqlx::query(
                    "INSERT INTO dossier_events (dossier_id, at, action, from_status, to_status, user_id, official_id, note)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(id).bind(now).bind(input.action.as_str()).bind(d.status.code()).bind(to.code())
                    .bind(input.user_id).bind(input.official_id).bind(input.note.trim())
                    .execute(&mut *tx).await?;
                let before = d.snapshot();
                let after = DossierSnapshot {
                    status: to.code(),
                    received_at,
                    due_at,
                    finished_at,
                    returned_at,
                    supplement_count: supplements,
                    updated_at: now.max(d.updated_at + 1),
                    ..before.clone()
                };
                let mut deltas = DossierDeltas::default();
                deltas.change(Some(&before), &after);
                agg_apply!(&mut *tx, Deltas::default(), deltas);
            }
            tx.commit().await?;
            n == 1
        });
        if !changed {
            return Err(StoreError::conflict(
                "Hồ sơ vừa được người khác cập nhật; vui lòng tải lại và thử lại",
                "The dossier was just changed by someone else; reload and try again",
            ));
        }
        self.dossier(id).await
    }

    /// Records an apology for lateness with a new promised date (Mẫu 04). Timeliness is still
    /// judged against the original due time; the new date is what the citizen is told.
    pub async fn dossier_apologise(
        &self,
        id: i64,
        new_due_at: Millis,
        reason: &str,
        official_id: Option<i64>,
        user_id: Option<i64>,
        now: Millis,
    ) -> Result<()> {
        let d = self.dossier(id).await?;
        if d.status.is_closed() || d.status == Status::ResultReady {
            return Err(StoreError::invalid(
                "Hồ sơ đã có kết quả hoặc đã kết thúc, không cần thư xin lỗi",
                "The dossier already has its result or is closed; no apology is needed",
            ));
        }
        if reason.trim().is_empty() || d.due_at.is_none_or(|due| new_due_at <= due) {
            return Err(StoreError::invalid(
                "Thư xin lỗi cần lý do và một ngày hẹn mới sau ngày hẹn cũ",
                "An apology needs a reason and a new date after the old due date",
            ));
        }
        with_pool!(self, p => sqlx::query(
            "INSERT INTO dossier_events (dossier_id, at, action, from_status, to_status, user_id, official_id, note, new_due_at)
             VALUES ($1, $2, 'apology', $3, $3, $4, $5, $6, $7)")
            .bind(id).bind(now).bind(d.status.code()).bind(user_id).bind(official_id)
            .bind(reason.trim()).bind(new_due_at).execute(p).await.map(|_| ()))?;
        Ok(())
    }
}

/// What the timeliness report needs of one dossier.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DossierFact {
    pub unit_code: String,
    pub unit_name: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub official_code: Option<String>,
    pub official_name: Option<String>,
    pub channel: i16,
    pub status: i16,
    pub received_at: Millis,
    pub due_at: Millis,
    pub finished_at: Option<Millis>,
    pub supplement_count: i32,
    /// For refused, withdrawn and stopped dossiers, when that happened (nothing changes after).
    pub updated_at: Millis,
}

impl Store {
    /// Dossiers of a subtree that were received before `end` and not finished before `start`:
    /// every dossier the period's timeliness figures can involve.
    pub async fn dossier_facts(
        &self,
        root: i64,
        start: Millis,
        end: Millis,
    ) -> Result<Vec<DossierFact>> {
        let sql = format!(
            "{SUBTREE_CTE} SELECT u.code AS unit_code, u.name AS unit_name,
                p.code AS procedure_code, p.name AS procedure_name,
                o.code AS official_code, o.full_name AS official_name, d.channel, d.status,
                d.received_at, d.due_at, d.finished_at, d.supplement_count, d.updated_at
             FROM dossiers d JOIN procedures p ON p.id = d.procedure_id
             JOIN units u ON u.id = d.unit_id
             LEFT JOIN officials o ON o.id = d.received_by
             WHERE d.unit_id IN (SELECT id FROM subtree) AND d.received_at < $3
               AND d.due_at IS NOT NULL AND (d.finished_at IS NULL OR d.finished_at >= $2)"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(&sql).bind(root).bind(start).bind(end).fetch_all(p).await)?,
        )
    }
}

impl Store {
    /// The dossier an official received or handed back most recently in `[from, until]`, if it
    /// has no rating yet: what a counter rating is about when the kiosk is not told.
    pub async fn dossier_to_rate_for_official(
        &self,
        official_id: i64,
        from: Millis,
        until: Millis,
    ) -> Result<Option<String>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT d.code FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id
             WHERE e.official_id = $1 AND e.at >= $2 AND e.at <= $3
               AND e.action IN ('intake', 'accept', 'return_result')
               AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.dossier_code = d.code)
             ORDER BY e.at DESC, e.id DESC LIMIT 1")
            .bind(official_id).bind(from).bind(until).fetch_optional(p).await)?)
    }
}

impl Store {
    /// Units that run a one-stop desk (have a service centre): where a dossier can be lodged.
    pub async fn units_with_desk(&self) -> Result<Vec<(i64, String)>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT u.id, u.name FROM units u WHERE EXISTS (SELECT 1 FROM service_centers s WHERE s.unit_id = u.id)
             ORDER BY u.name")
            .fetch_all(p).await)?)
    }
}

/// The citizen's judgement of dossier `d`'s official: the "attitude" answer of its unflagged
/// rating, else that rating's headline level. One expression, so the dossier page and the
/// quarterly score card (`store::scoring`) read the same answer.
pub(crate) fn attitude_sql(db: &Db) -> String {
    format!(
        "(SELECT COALESCE({}, r.level) FROM ratings r
            WHERE r.dossier_code = d.code AND r.flagged_at IS NULL)",
        super::ratings::ballot_answer(db, "attitude")
    )
}

impl Store {
    /// The citizen's judgement of a dossier's official (see [`attitude_sql`]).
    pub async fn dossier_attitude(&self, code: &str) -> Result<Option<i16>> {
        let sql = format!(
            "SELECT {} FROM dossiers d WHERE d.code = $1",
            attitude_sql(self.db())
        );
        let row: Option<Option<i16>> = with_pool!(self, p => sqlx::query_scalar(&sql)
            .bind(code).fetch_optional(p).await)?;
        Ok(row.flatten())
    }
}
