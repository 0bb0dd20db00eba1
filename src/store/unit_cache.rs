//! Unit names kept in memory for the lists that name every commune of the country. Reading
//! 3,321 names with their provinces cost PostgreSQL more than the ratings they label; units
//! change a few times a year. Each use first reads `units_version` (bumped by triggers on
//! every change to `units`, migration 0011), so a list is never older than the read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::dashboards::UnitLabel;

/// A level's units by code, and the `units_version` they were read at.
type Entry = (i64, Arc<Vec<UnitLabel>>);

#[derive(Debug, Default)]
pub(crate) struct UnitLabelCache {
    by_level: Mutex<HashMap<&'static str, Entry>>,
}

impl UnitLabelCache {
    /// The level's labels, if read at `version`.
    pub(crate) fn get(&self, level: &str, version: i64) -> Option<Arc<Vec<UnitLabel>>> {
        let map = self.by_level.lock().unwrap_or_else(|e| e.into_inner());
        map.get(level)
            .filter(|(v, _)| *v == version)
            .map(|(_, l)| l.clone())
    }

    /// Keeps labels read after `version` was: a change between the two reads bumps the
    /// version again, so the next use reads afresh rather than keeping a stale list.
    pub(crate) fn put(&self, level: &'static str, version: i64, labels: Arc<Vec<UnitLabel>>) {
        let mut map = self.by_level.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(level, (version, labels));
    }
}
