//! Reports: figures shaped from the store's counts with the domain's statistics, and their
//! exports. Pages, API and files all read the same report value, so they cannot disagree.

pub mod dashboard;
pub mod export;
pub mod figures;
pub mod official_month;
pub mod ranking;
pub mod scorecard;
pub mod table;
pub mod targets;
pub mod timeliness;

pub use official_month::{OfficialMonthReport, OfficialRow};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("export failed: {0}")]
    Export(String),
}
