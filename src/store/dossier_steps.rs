//! Inter-agency steps (liên thông, DOMAIN §6): a dossier passes through ordered steps at other
//! units, each with its own time budget. A hand-over (Mẫu 06) finishes the previous step and
//! starts the next one, whose due time follows the receiving unit's working calendar.
//!
//! Every change to a dossier's steps first touches the dossier row (an UPDATE that changes
//! nothing), which takes the row lock on PostgreSQL and the write lock on SQLite: two officials
//! handing over the same step at once are serialised, and the second one is refused.

use serde::Serialize;

use super::{Result, Store, StoreError, with_pool};
use crate::domain::Msg;
use crate::domain::calendar::{Timeliness, classify};
use crate::domain::dossier::Status;
use crate::domain::limit::TimeLimit;
use crate::domain::time::{Millis, local_ms, local_time};

/// One step as the desk plans it.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct StepInput {
    /// The unit (agency) that does this step.
    pub unit_id: i64,
    /// What it does, e.g. "Thẩm định hồ sơ đất đai".
    pub task: String,
    /// Its time budget, counted from the hand-over in the unit's working calendar.
    pub budget: TimeLimit,
}

/// Who hands over or finishes a step, when, and what they note.
#[derive(Debug, Clone)]
pub struct StepAct {
    pub official_id: Option<i64>,
    pub user_id: Option<i64>,
    pub note: String,
    pub at: Millis,
}

/// Where a step stands against its own due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepTimeliness {
    /// Not handed over yet.
    NotStarted,
    /// Started, not finished, not past its due date.
    Pending,
    /// Started, not finished, and today is after its due date.
    Overdue,
    /// Finished before its due date.
    Early,
    /// Finished on its due date.
    OnTime,
    /// Finished after its due date.
    Late,
}

impl StepTimeliness {
    /// Compared by date, as for dossiers (`classify`).
    pub fn of(due: Option<Millis>, finished: Option<Millis>, now: Millis) -> StepTimeliness {
        let Some(due) = due else {
            return StepTimeliness::NotStarted;
        };
        let n = local_time;
        match (classify(n(due), finished.map(n), n(now)), finished) {
            (Some(Timeliness::Early), _) => StepTimeliness::Early,
            (Some(Timeliness::OnTime), _) => StepTimeliness::OnTime,
            (Some(Timeliness::Late), Some(_)) => StepTimeliness::Late,
            (Some(Timeliness::Late), None) => StepTimeliness::Overdue,
            (None, _) => StepTimeliness::Pending,
        }
    }

    /// The step's time as the per-dossier evaluation judges it (indicator 2): an overdue step
    /// is already late; one not started or still in time is not decided yet.
    pub fn timeliness(self) -> Option<Timeliness> {
        match self {
            StepTimeliness::Early => Some(Timeliness::Early),
            StepTimeliness::OnTime => Some(Timeliness::OnTime),
            StepTimeliness::Late | StepTimeliness::Overdue => Some(Timeliness::Late),
            StepTimeliness::NotStarted | StepTimeliness::Pending => None,
        }
    }

    pub fn label(self, lang: crate::domain::msg::Lang) -> &'static str {
        use crate::domain::msg::Lang::*;
        match (self, lang) {
            (StepTimeliness::NotStarted, Vi) => "Chưa chuyển đến",
            (StepTimeliness::Pending, Vi) => "Đang xử lý, trong hạn",
            (StepTimeliness::Overdue, Vi) => "Đang xử lý, quá hạn",
            (StepTimeliness::Early, Vi) => "Trước hạn",
            (StepTimeliness::OnTime, Vi) => "Đúng hạn",
            (StepTimeliness::Late, Vi) => "Quá hạn",
            (StepTimeliness::NotStarted, En) => "Not handed over yet",
            (StepTimeliness::Pending, En) => "In progress, on schedule",
            (StepTimeliness::Overdue, En) => "In progress, overdue",
            (StepTimeliness::Early, En) => "Early",
            (StepTimeliness::OnTime, En) => "On time",
            (StepTimeliness::Late, En) => "Late",
        }
    }
}

/// A step with its hand-over record and timeliness.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DossierStep {
    pub seq: i32,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    /// Who hands the dossier to this step: the previous step's unit, or the receiving desk's
    /// unit for the first step.
    pub from_unit_id: i64,
    pub from_unit_name: String,
    pub task: String,
    pub budget: TimeLimit,
    /// The hand-over to this step's unit.
    pub started_at: Option<Millis>,
    pub due_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    pub handed_by: Option<i64>,
    pub handed_by_name: Option<String>,
    pub handed_by_user: Option<i64>,
    pub handed_by_user_name: Option<String>,
    pub note: String,
    pub finished_by_name: Option<String>,
    pub finish_note: String,
    pub timeliness: StepTimeliness,
}

#[derive(sqlx::FromRow)]
struct StepRow {
    seq: i32,
    unit_id: i64,
    unit_code: String,
    unit_name: String,
    task: String,
    budget_kind: String,
    budget_value: i32,
    started_at: Option<Millis>,
    due_at: Option<Millis>,
    finished_at: Option<Millis>,
    handed_by: Option<i64>,
    handed_by_name: Option<String>,
    handed_by_user: Option<i64>,
    handed_by_user_name: Option<String>,
    note: String,
    finished_by_name: Option<String>,
    finish_note: String,
}

const STEP_SELECT: &str =
    "SELECT s.seq, s.unit_id, u.code AS unit_code, u.name AS unit_name, s.task,
    s.budget_kind, s.budget_value, s.started_at, s.due_at, s.finished_at, s.handed_by,
    o.full_name AS handed_by_name, s.handed_by_user, us.display_name AS handed_by_user_name, s.note,
    COALESCE(fo.full_name, fu.display_name) AS finished_by_name, s.finish_note
    FROM dossier_steps s JOIN units u ON u.id = s.unit_id
    LEFT JOIN officials o ON o.id = s.handed_by LEFT JOIN users us ON us.id = s.handed_by_user
    LEFT JOIN officials fo ON fo.id = s.finished_by LEFT JOIN users fu ON fu.id = s.finished_by_user
    WHERE s.dossier_id = $1 ORDER BY s.seq";

/// Checks that the budgets fit in the dossier's limit: working-time budgets against a
/// working-time limit (in working minutes), calendar-day budgets against a calendar-day limit.
pub fn check_budgets(limit: TimeLimit, budgets: &[TimeLimit]) -> Result<(), Msg> {
    if let Some(b) = budgets.iter().find(|b| b.value() == 0) {
        return Err(Msg::new(
            format!(
                "Thời hạn của mỗi bước phải lớn hơn 0 (có bước {})",
                b.label_vi()
            ),
            format!(
                "Each step's budget must be more than 0 (one is {})",
                b.label_en()
            ),
        ));
    }
    match limit.working_minutes() {
        Some(limit_min) => {
            if let Some(b) = budgets.iter().find(|b| b.working_minutes().is_none()) {
                return Err(Msg::new(
                    format!(
                        "Hồ sơ tính thời hạn theo giờ/ngày làm việc ({}); thời hạn bước ({}) phải tính theo giờ hoặc ngày làm việc",
                        limit.label_vi(),
                        b.label_vi()
                    ),
                    format!(
                        "The dossier's limit is in working time ({}); a step's budget ({}) must be in working hours or days too",
                        limit.label_en(),
                        b.label_en()
                    ),
                ));
            }
            let sum: i64 = budgets.iter().filter_map(|b| b.working_minutes()).sum();
            if sum > limit_min {
                let h = |m: i64| {
                    if m % 60 == 0 {
                        format!("{}", m / 60)
                    } else {
                        format!("{:.1}", m as f64 / 60.0)
                    }
                };
                return Err(Msg::new(
                    format!(
                        "Tổng thời hạn các bước là {} giờ làm việc, vượt thời hạn giải quyết của hồ sơ ({} = {} giờ làm việc)",
                        h(sum),
                        limit.label_vi(),
                        h(limit_min)
                    ),
                    format!(
                        "The steps' budgets add up to {} working hours, more than the dossier's time limit ({} = {} working hours)",
                        h(sum),
                        limit.label_en(),
                        h(limit_min)
                    ),
                ));
            }
        }
        None => {
            if let Some(b) = budgets.iter().find(|b| b.working_minutes().is_some()) {
                return Err(Msg::new(
                    format!(
                        "Hồ sơ tính thời hạn theo ngày ({}); thời hạn bước ({}) phải tính theo ngày",
                        limit.label_vi(),
                        b.label_vi()
                    ),
                    format!(
                        "The dossier's limit is in calendar days ({}); a step's budget ({}) must be in calendar days too",
                        limit.label_en(),
                        b.label_en()
                    ),
                ));
            }
            let sum: u64 = budgets.iter().map(|b| u64::from(b.value())).sum();
            if sum > u64::from(limit.value()) {
                return Err(Msg::new(
                    format!(
                        "Tổng thời hạn các bước là {sum} ngày, vượt thời hạn giải quyết của hồ sơ ({})",
                        limit.label_vi()
                    ),
                    format!(
                        "The steps' budgets add up to {sum} days, more than the dossier's time limit ({})",
                        limit.label_en()
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn no_step(seq: i32) -> StoreError {
    StoreError::not_found(
        format!("Hồ sơ không có bước liên thông số {seq}"),
        format!("The dossier has no inter-agency step {seq}"),
    )
}

fn changed() -> StoreError {
    StoreError::conflict(
        "Các bước của hồ sơ vừa được người khác thay đổi; vui lòng tải lại và thử lại",
        "The dossier's steps were just changed by someone else; reload and try again",
    )
}

/// The dossier must be received and still open for its steps to move.
fn check_open(status: Status, code: &str) -> Result<()> {
    if status.is_closed() || status == Status::RegisteredOnline {
        return Err(StoreError::invalid(
            format!(
                "Hồ sơ {code} đang ở trạng thái “{}”, không thể chuyển liên thông",
                status.label(crate::domain::msg::Lang::Vi)
            ),
            format!(
                "Dossier {code} is “{}”; its inter-agency steps cannot move",
                status.label(crate::domain::msg::Lang::En)
            ),
        ));
    }
    Ok(())
}

/// What the locked transaction needs to know of a step.
type StepState = (i32, i64, Option<Millis>, Option<Millis>);

impl Store {
    /// The steps of a dossier in order, with each one's timeliness at `now`.
    pub async fn dossier_steps(&self, dossier_id: i64, now: Millis) -> Result<Vec<DossierStep>> {
        let d = self.dossier(dossier_id).await?;
        let rows: Vec<StepRow> = with_pool!(self, p => sqlx::query_as(STEP_SELECT)
            .bind(dossier_id).fetch_all(p).await)?;
        let mut out = Vec::with_capacity(rows.len());
        let (mut from_id, mut from_name) = (d.unit_id, d.unit_name.clone());
        for r in rows {
            let budget = TimeLimit::from_parts(&r.budget_kind, r.budget_value.into())
                .map_err(StoreError::Invalid)?;
            let next = (r.unit_id, r.unit_name.clone());
            out.push(DossierStep {
                timeliness: StepTimeliness::of(r.due_at, r.finished_at, now),
                seq: r.seq,
                unit_id: r.unit_id,
                unit_code: r.unit_code,
                unit_name: r.unit_name,
                from_unit_id: from_id,
                from_unit_name: from_name,
                task: r.task,
                budget,
                started_at: r.started_at,
                due_at: r.due_at,
                finished_at: r.finished_at,
                handed_by: r.handed_by,
                handed_by_name: r.handed_by_name,
                handed_by_user: r.handed_by_user,
                handed_by_user_name: r.handed_by_user_name,
                note: r.note,
                finished_by_name: r.finished_by_name,
                finish_note: r.finish_note,
            });
            (from_id, from_name) = next;
        }
        Ok(out)
    }

    /// Plans (or re-plans) a dossier's steps, replacing any earlier plan. Allowed only while no
    /// step has been handed over; the budgets together may not exceed the dossier's limit.
    pub async fn dossier_steps_set(
        &self,
        dossier_id: i64,
        steps: &[StepInput],
        user_id: Option<i64>,
    ) -> Result<()> {
        let d = self.dossier(dossier_id).await?;
        if d.status.is_closed() {
            return Err(StoreError::invalid(
                "Hồ sơ đã kết thúc, không thể lập các bước liên thông",
                "The dossier is closed; its steps cannot be planned",
            ));
        }
        if steps.len() > 50 {
            return Err(StoreError::invalid(
                "Tối đa 50 bước liên thông",
                "At most 50 inter-agency steps",
            ));
        }
        let mut tasks = Vec::with_capacity(steps.len());
        for (i, s) in steps.iter().enumerate() {
            let task = s.task.trim();
            if task.is_empty() || task.chars().count() > 500 {
                return Err(StoreError::invalid(
                    format!(
                        "Bước {}: cần nêu nội dung công việc (tối đa 500 ký tự)",
                        i + 1
                    ),
                    format!(
                        "Step {}: the task is required (at most 500 characters)",
                        i + 1
                    ),
                ));
            }
            self.unit(s.unit_id).await?;
            tasks.push(task.to_string());
        }
        let budgets: Vec<TimeLimit> = steps.iter().map(|s| s.budget).collect();
        check_budgets(d.time_limit, &budgets).map_err(StoreError::Invalid)?;
        let now = crate::domain::time::now_ms();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE dossiers SET updated_at = updated_at WHERE id = $1")
                .bind(dossier_id).execute(&mut *tx).await?;
            let started: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM dossier_steps WHERE dossier_id = $1 AND started_at IS NOT NULL")
                .bind(dossier_id).fetch_one(&mut *tx).await?;
            if started > 0 {
                return Err(StoreError::conflict(
                    "Hồ sơ đã được chuyển liên thông; không thể thay đổi các bước nữa",
                    "The dossier has already been handed over; its steps can no longer be changed",
                ));
            }
            sqlx::query("DELETE FROM dossier_steps WHERE dossier_id = $1")
                .bind(dossier_id).execute(&mut *tx).await?;
            for (i, (s, task)) in steps.iter().zip(&tasks).enumerate() {
                sqlx::query(
                    "INSERT INTO dossier_steps (dossier_id, seq, unit_id, task, budget_kind, budget_value)
                     VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(dossier_id).bind(i as i32 + 1).bind(s.unit_id).bind(task)
                    .bind(s.budget.kind()).bind(s.budget.value() as i32)
                    .execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now).bind(user_id).bind("dossier.steps.set")
                .bind(format!("{} {} steps", d.code, steps.len()))
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// The hand-over to step `seq` (Mẫu 06): finishes step `seq - 1` if it is still open and
    /// starts step `seq`, due after its budget in the receiving unit's working calendar. Steps
    /// go in order: no skipping, no second hand-over. Writes a "hand_over" history line.
    pub async fn dossier_step_hand_over(
        &self,
        dossier_id: i64,
        seq: i32,
        by: &StepAct,
    ) -> Result<DossierStep> {
        let d = self.dossier(dossier_id).await?;
        check_open(d.status, &d.code)?;
        let plan = self.dossier_steps(dossier_id, by.at).await?;
        let step = plan
            .iter()
            .find(|s| s.seq == seq)
            .ok_or_else(|| no_step(seq))?;
        let cal = self.working_calendar(step.unit_id).await?;
        let start = local_time(by.at);
        let due = local_ms(cal.due_at(start, step.budget));
        let unit_id = step.unit_id;
        let history_note = {
            let base = format!(
                "Bước {seq}: {} → {} ({})",
                step.from_unit_name, step.unit_name, step.task
            );
            match by.note.trim() {
                "" => base,
                n => format!("{base} — {n}"),
            }
        };
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE dossiers SET updated_at = updated_at WHERE id = $1")
                .bind(dossier_id).execute(&mut *tx).await?;
            let states: Vec<StepState> = sqlx::query_as(
                "SELECT seq, unit_id, started_at, finished_at FROM dossier_steps WHERE dossier_id = $1 ORDER BY seq")
                .bind(dossier_id).fetch_all(&mut *tx).await?;
            let Some(this) = states.iter().find(|s| s.0 == seq) else {
                return Err(changed());
            };
            if this.1 != unit_id {
                return Err(changed());
            }
            if let Some(started) = this.2 {
                return Err(StoreError::conflict(
                    format!("Bước {seq} đã được chuyển đến lúc {}", crate::domain::time::format_local(started)),
                    format!("Step {seq} was already handed over at {}", crate::domain::time::format_local(started)),
                ));
            }
            if let Some(prev) = states.iter().find(|s| s.0 == seq - 1) {
                match prev.2 {
                    None => {
                        return Err(StoreError::invalid(
                            format!("Chưa thể chuyển bước {seq}: bước {} chưa được chuyển đến, không được bỏ qua bước", seq - 1),
                            format!("Step {seq} cannot be handed over yet: step {} has not been, and steps may not be skipped", seq - 1),
                        ));
                    }
                    Some(prev_start) if by.at < prev_start => {
                        return Err(StoreError::invalid(
                            format!("Thời điểm chuyển bước {seq} trước khi bước {} bắt đầu", seq - 1),
                            format!("Step {seq} cannot be handed over before step {} started", seq - 1),
                        ));
                    }
                    Some(_) => {}
                }
                if let Some(prev_end) = prev.3
                    && by.at < prev_end
                {
                    return Err(StoreError::invalid(
                        format!("Thời điểm chuyển bước {seq} trước khi bước {} kết thúc", seq - 1),
                        format!("Step {seq} cannot be handed over before step {} finished", seq - 1),
                    ));
                }
                sqlx::query(
                    "UPDATE dossier_steps SET finished_at = $3, finished_by = $4, finished_by_user = $5
                     WHERE dossier_id = $1 AND seq = $2 AND finished_at IS NULL")
                    .bind(dossier_id).bind(seq - 1).bind(by.at).bind(by.official_id).bind(by.user_id)
                    .execute(&mut *tx).await?;
            } else if d.received_at.is_some_and(|r| by.at < r) {
                return Err(StoreError::invalid(
                    "Thời điểm chuyển trước thời điểm tiếp nhận hồ sơ",
                    "The hand-over cannot be before the dossier was received",
                ));
            }
            let n = sqlx::query(
                "UPDATE dossier_steps SET started_at = $3, due_at = $4, handed_by = $5, handed_by_user = $6, note = $7
                 WHERE dossier_id = $1 AND seq = $2 AND started_at IS NULL")
                .bind(dossier_id).bind(seq).bind(by.at).bind(due).bind(by.official_id).bind(by.user_id)
                .bind(by.note.trim())
                .execute(&mut *tx).await?.rows_affected();
            if n != 1 {
                return Err(changed());
            }
            sqlx::query(
                "INSERT INTO dossier_events (dossier_id, at, action, from_status, to_status, user_id, official_id, note)
                 VALUES ($1, $2, 'hand_over', $3, $3, $4, $5, $6)")
                .bind(dossier_id).bind(by.at).bind(d.status.code()).bind(by.user_id).bind(by.official_id)
                .bind(&history_note)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.dossier_step(dossier_id, seq, by.at).await
    }

    /// Records that step `seq`'s unit has done its part. Only a step that was handed over and
    /// not yet finished may finish; a "step_finish" history line is written.
    pub async fn dossier_step_finish(
        &self,
        dossier_id: i64,
        seq: i32,
        by: &StepAct,
    ) -> Result<DossierStep> {
        let d = self.dossier(dossier_id).await?;
        check_open(d.status, &d.code)?;
        let plan = self.dossier_steps(dossier_id, by.at).await?;
        let step = plan
            .iter()
            .find(|s| s.seq == seq)
            .ok_or_else(|| no_step(seq))?;
        let history_note = {
            let base = format!("Bước {seq} xong: {} ({})", step.unit_name, step.task);
            match by.note.trim() {
                "" => base,
                n => format!("{base} — {n}"),
            }
        };
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE dossiers SET updated_at = updated_at WHERE id = $1")
                .bind(dossier_id).execute(&mut *tx).await?;
            let state: Option<StepState> = sqlx::query_as(
                "SELECT seq, unit_id, started_at, finished_at FROM dossier_steps WHERE dossier_id = $1 AND seq = $2")
                .bind(dossier_id).bind(seq).fetch_optional(&mut *tx).await?;
            let Some((_, _, started, finished)) = state else {
                return Err(changed());
            };
            let Some(started) = started else {
                return Err(StoreError::invalid(
                    format!("Bước {seq} chưa được chuyển đến, chưa thể kết thúc"),
                    format!("Step {seq} has not been handed over yet, so it cannot finish"),
                ));
            };
            if let Some(f) = finished {
                return Err(StoreError::conflict(
                    format!("Bước {seq} đã kết thúc lúc {}", crate::domain::time::format_local(f)),
                    format!("Step {seq} already finished at {}", crate::domain::time::format_local(f)),
                ));
            }
            if by.at < started {
                return Err(StoreError::invalid(
                    format!("Thời điểm kết thúc bước {seq} trước khi bước bắt đầu"),
                    format!("Step {seq} cannot finish before it started"),
                ));
            }
            sqlx::query(
                "UPDATE dossier_steps SET finished_at = $3, finished_by = $4, finished_by_user = $5, finish_note = $6
                 WHERE dossier_id = $1 AND seq = $2 AND finished_at IS NULL")
                .bind(dossier_id).bind(seq).bind(by.at).bind(by.official_id).bind(by.user_id)
                .bind(by.note.trim())
                .execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO dossier_events (dossier_id, at, action, from_status, to_status, user_id, official_id, note)
                 VALUES ($1, $2, 'step_finish', $3, $3, $4, $5, $6)")
                .bind(dossier_id).bind(by.at).bind(d.status.code()).bind(by.user_id).bind(by.official_id)
                .bind(&history_note)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.dossier_step(dossier_id, seq, by.at).await
    }

    /// One step of a dossier, with its timeliness at `now`.
    pub async fn dossier_step(
        &self,
        dossier_id: i64,
        seq: i32,
        now: Millis,
    ) -> Result<DossierStep> {
        self.dossier_steps(dossier_id, now)
            .await?
            .into_iter()
            .find(|s| s.seq == seq)
            .ok_or_else(|| no_step(seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_must_fit_the_limit_in_the_same_kind_of_time() {
        let three_days = TimeLimit::WorkingDays(3);
        assert!(
            check_budgets(
                three_days,
                &[TimeLimit::WorkingDays(1), TimeLimit::WorkingHours(16)]
            )
            .is_ok()
        );
        let over = check_budgets(
            three_days,
            &[TimeLimit::WorkingDays(2), TimeLimit::WorkingHours(9)],
        )
        .unwrap_err();
        assert!(
            over.en.contains("add up to 25 working hours"),
            "{}",
            over.en
        );
        assert!(over.en.contains("24 working hours"), "{}", over.en);
        assert!(over.vi.contains("vượt thời hạn"), "{}", over.vi);
        assert!(check_budgets(three_days, &[TimeLimit::CalendarDays(1)]).is_err());
        assert!(check_budgets(three_days, &[TimeLimit::WorkingHours(0)]).is_err());
        let cal = TimeLimit::CalendarDays(10);
        assert!(
            check_budgets(
                cal,
                &[TimeLimit::CalendarDays(4), TimeLimit::CalendarDays(6)]
            )
            .is_ok()
        );
        assert!(check_budgets(cal, &[TimeLimit::CalendarDays(11)]).is_err());
        assert!(check_budgets(cal, &[TimeLimit::WorkingDays(1)]).is_err());
        assert!(check_budgets(cal, &[]).is_ok());
    }

    #[test]
    fn step_timeliness_compares_dates() {
        let t = |d: u32, h: u32| {
            local_ms(
                chrono::NaiveDate::from_ymd_opt(2026, 12, d)
                    .unwrap()
                    .and_hms_opt(h, 0, 0)
                    .unwrap(),
            )
        };
        let due = Some(t(9, 10));
        assert_eq!(
            StepTimeliness::of(None, None, t(1, 8)),
            StepTimeliness::NotStarted
        );
        assert_eq!(
            StepTimeliness::of(due, None, t(9, 16)),
            StepTimeliness::Pending
        );
        assert_eq!(
            StepTimeliness::of(due, None, t(10, 8)),
            StepTimeliness::Overdue
        );
        assert_eq!(
            StepTimeliness::of(due, Some(t(8, 16)), t(20, 8)),
            StepTimeliness::Early
        );
        assert_eq!(
            StepTimeliness::of(due, Some(t(9, 16)), t(20, 8)),
            StepTimeliness::OnTime
        );
        assert_eq!(
            StepTimeliness::of(due, Some(t(10, 8)), t(20, 8)),
            StepTimeliness::Late
        );
    }
}
