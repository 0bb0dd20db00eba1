//! Types and rules of the domain: rating scales and forms, statistics, months in Vietnam's time
//! zone, roles, scoring models (Decision 766, Circular 01/2018). Nothing here does I/O.

pub mod aggregate;
pub mod avatar;
pub mod calendar;
pub mod dossier;
pub mod evaluation;
pub mod form;
pub mod limit;
pub mod msg;
pub mod password;
pub mod period;
pub mod procedure;
pub mod role;
pub mod scale;
pub mod scoring;
pub mod stats;
pub mod target;
pub mod text;
pub mod time;
pub mod unit;

pub use msg::Msg;
