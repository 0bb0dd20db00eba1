//! Names kept in memory for the lists that name every commune of the country or every official
//! of a province. Reading 3,321 names with their provinces cost PostgreSQL more than the
//! ratings they label; names change a few times a year. Each use first reads a version
//! (`units_version`, `names_version`: bumped by triggers on every change, migrations 0011 and
//! 0013), so a list is never older than the read.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use super::dashboards::{Label, UnitLabel};
use super::reports::ReportOfficial;

/// Values by key, each with the version it was read at.
#[derive(Debug)]
pub(crate) struct Versioned<K, V, W = i64> {
    entries: Mutex<HashMap<K, (W, Arc<V>)>>,
}

impl<K, V, W> Default for Versioned<K, V, W> {
    fn default() -> Self {
        Versioned {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V, W: PartialEq> Versioned<K, V, W> {
    /// The value, if read at `version`.
    pub(crate) fn get(&self, key: &K, version: W) -> Option<Arc<V>> {
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(v, _)| *v == version)
            .map(|(_, value)| value.clone())
    }

    /// Keeps a value read after `version` was: a change between the two reads bumps the
    /// version again, so the next use reads afresh rather than keeping a stale value.
    pub(crate) fn put(&self, key: K, version: W, value: Arc<V>) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(key, (version, value));
    }
}

/// Each level's units by code, under `units_version`.
pub(crate) type UnitLabelCache = Versioned<&'static str, Vec<UnitLabel>>;

/// Which labels of a `NameCache`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Names {
    Officials,
    Counters,
}

/// Every official's and every counter's label by id, under `names_version`: a province's
/// dashboard names hundreds of each, which cost PostgreSQL more to look up by id than the
/// figures beside them.
pub(crate) type NameCache = Versioned<Names, HashMap<i64, Label>>;

/// Every official as reports list them (in report order: unit code, then name) with the unit
/// tree, so that a unit's officials are picked from memory instead of walking the tree in SQL
/// on each request. One entry, valid at a (`units_version`, `names_version`): the tree, and the
/// names, titles and whether active (migration 0019).
#[derive(Debug)]
pub(crate) struct Roster {
    pub(crate) officials: Vec<ReportOfficial>,
    pub(crate) children: HashMap<i64, Vec<i64>>,
}

pub(crate) type RosterCache = Versioned<(), Roster, (i64, i64)>;
