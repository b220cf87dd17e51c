//! The rows of the items this replica wrote last, so that the next command on one of them
//! decides without reading the row again. A kept row is a guess, never an authority: the
//! write that follows is guarded by the row's version and event position, so a row that
//! another writer changed meanwhile (another replica or its reminders, a handover, a
//! calendar change) fails the guard and the command runs again on what it reads under the
//! row's lock. This replica's own reminders put the row they leave in place of the kept one.
//! This holds because every write of an item's row moves its version or its event position,
//! except its color, which no command decides on and none writes.

use crate::entity::assignment;
use hashlink::LruCache;
use std::sync::{Arc, Mutex, MutexGuard};

/// How many items' rows are kept: the items in hand at once in a large county, at about
/// 2 KiB each.
const KEPT_ITEMS: usize = 4096;

/// The last row this replica wrote for each of the items it wrote most recently.
#[derive(Clone)]
pub(crate) struct Recent {
    rows: Arc<Mutex<LruCache<String, assignment::Model>>>,
}

impl Default for Recent {
    fn default() -> Self {
        Self {
            rows: Arc::new(Mutex::new(LruCache::new(KEPT_ITEMS))),
        }
    }
}

impl Recent {
    fn rows(&self) -> MutexGuard<'_, LruCache<String, assignment::Model>> {
        self.rows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The row kept for item `id`, if it is at `version`.
    pub(crate) fn at(&self, id: &str, version: i64) -> Option<assignment::Model> {
        self.rows()
            .get(id)
            .filter(|m| m.version == version)
            .cloned()
    }

    /// Keeps `row`, as just written.
    pub(crate) fn keep(&self, row: &assignment::Model) {
        self.rows().insert(row.id.clone(), row.clone());
    }

    /// Puts `row` in place of the row kept for its item, if one is kept: the item's row as
    /// a write that was not a command's left it (a reminder takes the next event position).
    pub(crate) fn replace(&self, row: &assignment::Model) {
        if let Some(kept) = self.rows().peek_mut(&row.id) {
            *kept = row.clone();
        }
    }

    /// Forgets item `id`'s row: its guard failed, so it is no longer the stored one.
    pub(crate) fn forget(&self, id: &str) {
        self.rows().remove(id);
    }
}
