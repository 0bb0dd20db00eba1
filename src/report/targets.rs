//! A unit's targets against its actual figures for a period (DOMAIN §9–§10): per indicator, the
//! target in force and the unit it comes from, the actual share with its n, met / missed / no
//! data, and for satisfaction whether a miss is clear or within the 95% interval. Actuals are
//! the report figures themselves (`figures`), so a dashboard and its target section agree.

use serde::Serialize;

use super::ReportError;
use super::dashboard::{Dashboard, unit_figures};
use super::figures::{DossierFigures, Satisfaction};
use crate::domain::period::Period;
use crate::domain::target::{
    Comparison, Indicator, MissCertainty, Status, effective, judge, pct_text,
};
use crate::domain::time::{Millis, Month};
use crate::store::Store;
use crate::store::targets::TargetRecord;

/// The target that applies to a unit, and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AppliedTarget {
    pub comparison: Comparison,
    /// A share in [0, 1].
    pub threshold: f64,
    /// The unit that set it: the unit itself, or the nearest ancestor with a target.
    pub source_unit_id: i64,
    pub source_unit_name: String,
    pub inherited: bool,
    /// "2026-01": the month it holds from.
    #[schema(value_type = String)]
    pub valid_from: Month,
    pub set_by_name: Option<String>,
    pub set_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndicatorStatus {
    pub indicator: Indicator,
    pub label_vi: String,
    pub label_en: String,
    pub target: Option<AppliedTarget>,
    /// The actual share in the period; none without data.
    pub actual: Option<f64>,
    /// What the share is of: ballots, dossiers due, dossiers received.
    pub n: u64,
    /// The actual's 95% Wilson interval (satisfaction only: ballots are a sample of the
    /// citizens served; dossier counts are all the dossiers, not a sample).
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub status: Status,
    /// For a missed satisfaction target: clearly, or within the interval.
    pub miss: Option<MissCertainty>,
}

impl IndicatorStatus {
    /// Too few to judge by (DOMAIN §10): shown, greyed, never alerted on.
    pub fn below(&self, min_n: &u64) -> bool {
        self.n < *min_n
    }

    /// "≥ 80,0%", or "–" without a target.
    pub fn target_vi(&self) -> String {
        self.target_text(true)
    }

    /// "≥ 80.0%", or "–" without a target.
    pub fn target_en(&self) -> String {
        self.target_text(false)
    }

    fn target_text(&self, vi: bool) -> String {
        match &self.target {
            Some(t) => format!("{} {}", t.comparison.symbol(), pct_text(t.threshold, vi)),
            None => "–".into(),
        }
    }

    pub fn is_missed(&self) -> bool {
        self.status == Status::Missed
    }

    pub fn is_met(&self) -> bool {
        self.status == Status::Met
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TargetStatus {
    pub unit_id: i64,
    /// "2026-11", "2026-Q4", …
    pub period: String,
    /// The month whose targets apply: the period's last (a year is judged by its December
    /// target, the one its end is measured against).
    #[schema(value_type = String)]
    pub target_month: Month,
    pub rows: Vec<IndicatorStatus>,
}

fn indicator_status(
    ind: Indicator,
    target: Option<AppliedTarget>,
    s: &Satisfaction,
    d: &DossierFigures,
) -> IndicatorStatus {
    let (actual, n, low, high) = match ind {
        Indicator::SatisfactionRate => (s.rate, s.ballots, s.low, s.high),
        Indicator::VerySatisfiedShare => (s.very_satisfied_share, s.top_offered, None, None),
        Indicator::OnTimeRate => (d.on_time_rate, d.finished + d.overdue_open, None, None),
        Indicator::OnlineShare => (d.online_share, d.received, None, None),
    };
    let (status, miss) = match &target {
        None => (Status::NoTarget, None),
        Some(t) => judge(t.comparison, t.threshold, actual, high),
    };
    IndicatorStatus {
        indicator: ind,
        label_vi: ind.label_vi().into(),
        label_en: ind.label_en().into(),
        target,
        actual,
        n,
        low,
        high,
        status,
        miss,
    }
}

impl TargetStatus {
    /// Judges figures already read: `ancestry` is the unit then its ancestors up to the root,
    /// `targets` every target of those units.
    pub fn judge(
        ancestry: &[i64],
        targets: &[TargetRecord],
        period: Period,
        s: &Satisfaction,
        d: &DossierFigures,
    ) -> TargetStatus {
        let unit_id = ancestry.first().copied().unwrap_or_default();
        let month = period.last;
        let rows = Indicator::ALL
            .into_iter()
            .map(|ind| {
                let target = effective(ancestry, targets, ind, month).map(|t| AppliedTarget {
                    comparison: t.comparison,
                    threshold: t.threshold,
                    source_unit_id: t.unit_id,
                    source_unit_name: t.unit_name.clone(),
                    inherited: t.unit_id != unit_id,
                    valid_from: t.valid_from,
                    set_by_name: t.set_by_name.clone(),
                    set_at: t.set_at,
                });
                indicator_status(ind, target, s, d)
            })
            .collect();
        TargetStatus {
            unit_id,
            period: period.slug(),
            target_month: month,
            rows,
        }
    }

    /// A unit's targets against its figures for a period, read from the aggregates.
    pub async fn for_unit(
        store: &Store,
        unit_id: i64,
        period: Period,
    ) -> Result<TargetStatus, ReportError> {
        let (s, d) = unit_figures(store, unit_id, period).await?;
        Self::with_figures(store, unit_id, period, &s, &d).await
    }

    /// The target section of a dashboard, judged on the very figures the dashboard shows.
    pub async fn for_dashboard(store: &Store, d: &Dashboard) -> Result<TargetStatus, ReportError> {
        let period: Period = d.period.parse().map_err(|m: crate::domain::Msg| {
            ReportError::Store(crate::store::StoreError::Invalid(m))
        })?;
        Self::with_figures(store, d.unit_id, period, &d.satisfaction, &d.dossiers).await
    }

    async fn with_figures(
        store: &Store,
        unit_id: i64,
        period: Period,
        s: &Satisfaction,
        d: &DossierFigures,
    ) -> Result<TargetStatus, ReportError> {
        let ancestry: Vec<i64> = store
            .unit_ancestry(unit_id)
            .await?
            .iter()
            .map(|u| u.id)
            .collect();
        let targets = store.targets_of_units(&ancestry).await?;
        Ok(Self::judge(&ancestry, &targets, period, s, d))
    }

    pub fn row(&self, ind: Indicator) -> Option<&IndicatorStatus> {
        self.rows.iter().find(|r| r.indicator == ind)
    }

    /// Whether any indicator has a target here (else the dashboard section says how to set one).
    pub fn any_target(&self) -> bool {
        self.rows.iter().any(|r| r.target.is_some())
    }

    /// The satisfaction target as the trend chart draws it: (share, label).
    pub fn chart_target(&self) -> Option<(f64, String)> {
        let t = self.row(Indicator::SatisfactionRate)?.target.as_ref()?;
        Some((
            t.threshold,
            format!(
                "Mục tiêu {} {}",
                t.comparison.symbol(),
                pct_text(t.threshold, true)
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::aggregate::LevelCounts;

    fn target(unit: i64, name: &str, ind: Indicator, from: &str, t: f64) -> TargetRecord {
        TargetRecord {
            id: 0,
            unit_id: unit,
            unit_name: name.into(),
            indicator: ind,
            comparison: Comparison::AtLeast,
            threshold: t,
            valid_from: from.parse().unwrap(),
            set_by: None,
            set_by_name: None,
            set_at: 0,
        }
    }

    #[test]
    fn a_commune_is_judged_against_its_province_target_and_says_so() {
        let targets = [
            target(
                1,
                "Tỉnh Khánh Hòa",
                Indicator::SatisfactionRate,
                "2020-01",
                0.8,
            ),
            target(2, "Xã Vạn Hưng", Indicator::OnlineShare, "2026-01", 0.4),
        ];
        // 28 satisfied of 40: 70%.
        let s = Satisfaction::of(&LevelCounts {
            levels: [0, 12, 0, 28, 0],
            top_offered: 40,
            flagged: 0,
        });
        let d = DossierFigures {
            received: 10,
            received_online: 5,
            online_share: Some(0.5),
            ..Default::default()
        };
        let period: Period = "2026-11".parse().unwrap();
        let t = TargetStatus::judge(&[2, 1], &targets, period, &s, &d);
        let sat = t.row(Indicator::SatisfactionRate).unwrap();
        let applied = sat.target.as_ref().unwrap();
        assert!(applied.inherited);
        assert_eq!(applied.source_unit_name, "Tỉnh Khánh Hòa");
        assert_eq!((sat.status, sat.n), (Status::Missed, 40));
        assert_eq!(sat.miss, Some(MissCertainty::WithinInterval));
        let online = t.row(Indicator::OnlineShare).unwrap();
        assert_eq!(online.status, Status::Met);
        assert!(!online.target.as_ref().unwrap().inherited);
        // No target for the on-time rate here or above.
        assert_eq!(
            t.row(Indicator::OnTimeRate).unwrap().status,
            Status::NoTarget
        );
        assert_eq!(t.chart_target().unwrap().1, "Mục tiêu ≥ 80,0%");
        // The province alone never sees the commune's online target.
        let p = TargetStatus::judge(&[1], &targets, period, &s, &d);
        assert_eq!(
            p.row(Indicator::OnlineShare).unwrap().status,
            Status::NoTarget
        );
    }

    #[test]
    fn no_ballots_is_no_data() {
        let targets = [target(
            1,
            "Tỉnh",
            Indicator::SatisfactionRate,
            "2020-01",
            0.8,
        )];
        let t = TargetStatus::judge(
            &[1],
            &targets,
            "2026-11".parse().unwrap(),
            &Satisfaction::default(),
            &DossierFigures::default(),
        );
        let sat = t.row(Indicator::SatisfactionRate).unwrap();
        assert_eq!((sat.status, sat.n, sat.miss), (Status::NoData, 0, None));
    }
}
