//! The working calendar as stored: holidays and make-up working days (`calendar_days`, edited by
//! administrators) and units' working hours (`unit_working_hours`, inherited down the unit tree).
//! Every change is written to `audit_log` in the same transaction.

use chrono::{Datelike, NaiveDate, Weekday};

use super::{Result, Store, StoreError, with_pool};
use crate::domain::calendar::{DayKind, WorkingCalendar, WorkingHours};
use crate::domain::time::now_ms;

/// One listed day: a holiday or a make-up working day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CalendarDay {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name_vi: String,
    pub name_en: String,
    /// Last change (epoch ms; 0 for a seeded row never edited).
    pub updated_at: i64,
    pub updated_by: Option<i64>,
}

/// Where a unit's working hours come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoursSource {
    /// Set on the unit itself.
    Own,
    /// Set on this ancestor (the nearest one that has hours).
    Inherited { unit_id: i64, unit_name: String },
    /// No unit on the way up has hours: 07:00–11:30, 13:30–17:00.
    Default,
}

/// A unit's own working hours (if any) and the hours that apply to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitHours {
    pub unit_id: i64,
    pub own: Option<WorkingHours>,
    pub effective: WorkingHours,
    pub source: HoursSource,
}

type DayRow = (NaiveDate, String, String, String, i64, Option<i64>);

fn day_of(r: DayRow) -> Result<CalendarDay> {
    let kind = DayKind::parse(&r.1).ok_or_else(|| {
        StoreError::invalid(
            format!("Loại ngày không hợp lệ trong cơ sở dữ liệu: {}", r.1),
            format!("Invalid day kind in the database: {}", r.1),
        )
    })?;
    Ok(CalendarDay {
        day: r.0,
        kind,
        name_vi: r.2,
        name_en: r.3,
        updated_at: r.4,
        updated_by: r.5,
    })
}

fn stored_hours(unit_id: i64, s: &str) -> Result<WorkingHours> {
    WorkingHours::parse(s).map_err(|m| {
        StoreError::invalid(
            format!(
                "Giờ làm việc đã lưu của đơn vị {unit_id} không hợp lệ: {}",
                m.vi
            ),
            format!(
                "Stored working hours of unit {unit_id} are invalid: {}",
                m.en
            ),
        )
    })
}

/// Names of a day are shown on receipts and pages: required and short.
fn check_name(s: &str, what_vi: &str, what_en: &str) -> Result<String> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 200 {
        return Err(StoreError::invalid(
            format!("Cần có {what_vi} (tối đa 200 ký tự)"),
            format!("{what_en} is required (at most 200 characters)"),
        ));
    }
    Ok(s.to_string())
}

const DAY_COLS: &str = "day, kind, name_vi, name_en, updated_at, updated_by";

impl Store {
    /// The calendar that applies to a unit: its working hours (own, inherited or default) and
    /// every listed holiday and make-up day (a few hundred rows for all years).
    pub async fn working_calendar(&self, unit_id: i64) -> Result<WorkingCalendar> {
        let hours = self.unit_hours(unit_id).await?.effective;
        let sql = format!("SELECT {DAY_COLS} FROM calendar_days");
        let rows: Vec<DayRow> = with_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await)?;
        let (mut holidays, mut make_up) = (Vec::new(), Vec::new());
        for r in rows {
            let d = day_of(r)?;
            match d.kind {
                DayKind::Holiday => holidays.push(d.day),
                DayKind::Workday => make_up.push(d.day),
            };
        }
        Ok(WorkingCalendar::new(hours, holidays, make_up))
    }

    /// Holidays and make-up days of a year, by date.
    pub async fn calendar_days(&self, year: i32) -> Result<Vec<CalendarDay>> {
        let bad = || {
            StoreError::invalid(
                format!("Năm không hợp lệ: {year}"),
                format!("Invalid year: {year}"),
            )
        };
        if !(1900..=9998).contains(&year) {
            return Err(bad());
        }
        let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(bad)?;
        let to = NaiveDate::from_ymd_opt(year + 1, 1, 1).ok_or_else(bad)?;
        let sql = format!(
            "SELECT {DAY_COLS} FROM calendar_days WHERE day >= $1 AND day < $2 ORDER BY day"
        );
        let rows: Vec<DayRow> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(from).bind(to).fetch_all(p).await)?;
        rows.into_iter().map(day_of).collect()
    }

    /// The listed day on a date, if any.
    pub async fn calendar_day(&self, day: NaiveDate) -> Result<Option<CalendarDay>> {
        let sql = format!("SELECT {DAY_COLS} FROM calendar_days WHERE day = $1");
        let row: Option<DayRow> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(day).fetch_optional(p).await)?;
        row.map(day_of).transpose()
    }

    /// Lists a date as a holiday or make-up working day (replacing what was listed on it).
    /// A make-up working day must fall on a weekend: a weekday is worked anyway.
    pub async fn calendar_day_set(
        &self,
        day: NaiveDate,
        kind: DayKind,
        name_vi: &str,
        name_en: &str,
        user_id: Option<i64>,
    ) -> Result<()> {
        if !(1900..=9998).contains(&day.year()) {
            return Err(StoreError::invalid(
                format!("Ngày không hợp lệ: {day}"),
                format!("Invalid date: {day}"),
            ));
        }
        if kind == DayKind::Workday && !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            return Err(StoreError::invalid(
                format!(
                    "Ngày {} là ngày thường: ngày làm bù phải là thứ Bảy hoặc Chủ nhật",
                    day.format("%d/%m/%Y")
                ),
                format!("{day} is a weekday: a make-up working day must be a Saturday or a Sunday"),
            ));
        }
        let name_vi = check_name(name_vi, "tên ngày (tiếng Việt)", "A Vietnamese name")?;
        let name_en = check_name(name_en, "tên ngày (tiếng Anh)", "An English name")?;
        let now = now_ms();
        let detail = format!("{day} {} {name_vi}", kind.as_str());
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO calendar_days (day, kind, name_vi, name_en, updated_at, updated_by)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name_vi = excluded.name_vi,
                     name_en = excluded.name_en, updated_at = excluded.updated_at,
                     updated_by = excluded.updated_by")
                .bind(day).bind(kind.as_str()).bind(&name_vi).bind(&name_en).bind(now).bind(user_id)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now).bind(user_id).bind("calendar.day.set").bind(&detail)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Removes a listed day: it becomes an ordinary weekday or weekend day again.
    pub async fn calendar_day_remove(&self, day: NaiveDate, user_id: Option<i64>) -> Result<()> {
        let now = now_ms();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query("DELETE FROM calendar_days WHERE day = $1")
                .bind(day).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::not_found(
                    format!("Ngày {} không có trong lịch nghỉ, làm bù", day.format("%d/%m/%Y")),
                    format!("{day} is not listed in the calendar"),
                ));
            }
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now).bind(user_id).bind("calendar.day.remove").bind(day.to_string())
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A unit's own working hours and those that apply: its own, else its nearest ancestor's,
    /// else the default. One query up the tree.
    pub async fn unit_hours(&self, unit_id: i64) -> Result<UnitHours> {
        let rows: Vec<(i64, String, Option<String>)> = with_pool!(self, p => sqlx::query_as(
            "WITH RECURSIVE anc(id, parent_id, depth) AS (
                SELECT id, parent_id, 0 FROM units WHERE id = $1
                UNION ALL
                SELECT u.id, u.parent_id, a.depth + 1 FROM units u JOIN anc a ON u.id = a.parent_id)
             SELECT u.id, u.name, h.hours FROM anc JOIN units u ON u.id = anc.id
             LEFT JOIN unit_working_hours h ON h.unit_id = anc.id
             ORDER BY anc.depth")
            .bind(unit_id).fetch_all(p).await)?;
        if rows.is_empty() {
            return Err(StoreError::not_found(
                format!("Không có đơn vị số {unit_id}"),
                format!("No unit {unit_id}"),
            ));
        }
        let own = match &rows[0].2 {
            Some(h) => Some(stored_hours(unit_id, h)?),
            None => None,
        };
        let mut out = UnitHours {
            unit_id,
            own: own.clone(),
            effective: WorkingHours::default(),
            source: HoursSource::Default,
        };
        if let Some(h) = own {
            out.effective = h;
            out.source = HoursSource::Own;
        } else if let Some((id, name, Some(h))) = rows.iter().skip(1).find(|r| r.2.is_some()) {
            out.effective = stored_hours(*id, h)?;
            out.source = HoursSource::Inherited {
                unit_id: *id,
                unit_name: name.clone(),
            };
        }
        Ok(out)
    }

    /// Sets a unit's own working hours, or with `None` removes them so that it inherits.
    pub async fn unit_hours_set(
        &self,
        unit_id: i64,
        hours: Option<&WorkingHours>,
        user_id: Option<i64>,
    ) -> Result<()> {
        self.unit(unit_id).await?;
        let now = now_ms();
        let text = hours.map(|h| h.to_string());
        let detail = format!("{unit_id} {}", text.as_deref().unwrap_or("inherit"));
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            match &text {
                Some(h) => {
                    sqlx::query(
                        "INSERT INTO unit_working_hours (unit_id, hours, updated_at, updated_by)
                         VALUES ($1, $2, $3, $4)
                         ON CONFLICT (unit_id) DO UPDATE SET hours = excluded.hours,
                             updated_at = excluded.updated_at, updated_by = excluded.updated_by")
                        .bind(unit_id).bind(h).bind(now).bind(user_id)
                        .execute(&mut *tx).await?;
                }
                None => {
                    sqlx::query("DELETE FROM unit_working_hours WHERE unit_id = $1")
                        .bind(unit_id).execute(&mut *tx).await?;
                }
            }
            sqlx::query("INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now).bind(user_id).bind("unit.hours.set").bind(&detail)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }
}
