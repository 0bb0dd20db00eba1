//! Hài Lòng: citizen satisfaction and one-stop service tracking for Vietnamese public
//! administration. Layers depend one way: `web` and `cli` → `report` → `store` → `domain`.

pub mod alerts;
pub mod cli;
pub mod domain;
pub mod notify;
pub mod report;
pub mod store;
pub mod web;
