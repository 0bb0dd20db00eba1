//! Names kept in memory for the lists that name every commune of the country or every official
//! of a province. Reading 3,321 names with their provinces cost PostgreSQL more than the
//! ratings they label; names change a few times a year. Each use first reads a version
//! (`units_version`, `names_version`: bumped by triggers on every change, migrations 0011 and
//! 0013), so a list is never older than the read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::dashboards::{Label, UnitLabel};

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

/// Every official's and every counter's label by id, and the `names_version` they were read
/// at (migration 0013): a province's dashboard names hundreds of each, which cost PostgreSQL
/// more to look up by id than the figures beside them.
/// Labels by id, and the `names_version` they were read at.
type Labels = (i64, Arc<HashMap<i64, Label>>);

#[derive(Debug, Default)]
pub(crate) struct NameCache {
    officials: Mutex<Option<Labels>>,
    counters: Mutex<Option<Labels>>,
}

/// Which labels of a `NameCache`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Names {
    Officials,
    Counters,
}

impl NameCache {
    fn slot(&self, which: Names) -> &Mutex<Option<Labels>> {
        match which {
            Names::Officials => &self.officials,
            Names::Counters => &self.counters,
        }
    }

    /// The labels, if read at `version`.
    pub(crate) fn get(&self, which: Names, version: i64) -> Option<Arc<HashMap<i64, Label>>> {
        let slot = self.slot(which).lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref()
            .filter(|(v, _)| *v == version)
            .map(|(_, l)| l.clone())
    }

    /// Keeps labels read after `version` was (see `UnitLabelCache::put`).
    pub(crate) fn put(&self, which: Names, version: i64, labels: Arc<HashMap<i64, Label>>) {
        let mut slot = self.slot(which).lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some((version, labels));
    }
}
