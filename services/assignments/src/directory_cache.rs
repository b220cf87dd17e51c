//! What the directory said (who signed in, a unit with its people, the open sign-in
//! sessions), kept until the next
//! directory change, whichever replica commits it. On PostgreSQL every directory write announces itself
//! (`NOTIFY` in its transaction, delivered at commit) and each replica follows the
//! announcements; while a replica is not listening it keeps nothing and reads every time.

use crate::entity::org_unit;
use duban_auth::Actor;
use duban_schema::assignments::PersonSnapshot;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A unit with its active people, read in one statement.
pub(crate) type UnitWithPeople = (org_unit::Model, Vec<PersonSnapshot>);

/// An open sign-in session: whose it is, and until when.
pub(crate) type OpenSession = (String, chrono::DateTime<chrono::FixedOffset>);

/// How many open sessions are kept at most; past that, the rest are read every time.
const SESSIONS_KEPT: usize = 65_536;

/// Signed-in people and units by id, with the directory epoch they were read in.
#[derive(Clone, Default)]
pub(crate) struct DirectoryCache {
    inner: Arc<RwLock<Cached>>,
}

#[derive(Default)]
struct Cached {
    epoch: u64,
    /// Whether every directory change reaches [`DirectoryCache::invalidate`]: always in one
    /// process on SQLite, on PostgreSQL only while the replica listens.
    live: bool,
    people: HashMap<String, (i64, Actor)>,
    units: HashMap<String, UnitWithPeople>,
    sessions: HashMap<String, OpenSession>,
}

impl Cached {
    fn forget(&mut self) {
        self.epoch += 1;
        self.people.clear();
        self.units.clear();
        self.sessions.clear();
    }
}

impl DirectoryCache {
    /// A cache that keeps answers from the start (`live`), or only once told it is.
    pub(crate) fn new(live: bool) -> Self {
        let cache = Self::default();
        cache.write().live = live;
        cache
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Cached> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether answers are kept now.
    pub(crate) fn live(&self) -> bool {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).live
    }

    pub(crate) fn lookup(&self, person_id: &str) -> (u64, Option<(i64, Actor)>) {
        let c = self.inner.read().unwrap_or_else(|p| p.into_inner());
        (c.epoch, c.people.get(person_id).cloned())
    }

    /// Keeps an answer read in `epoch`, unless the directory changed since or changes
    /// may be going unseen.
    pub(crate) fn keep(&self, epoch: u64, person_id: &str, generation: i64, actor: &Actor) {
        let mut c = self.write();
        if c.live && c.epoch == epoch {
            c.people
                .insert(person_id.to_string(), (generation, actor.clone()));
        }
    }

    /// A unit kept, and the epoch to keep one read now in.
    pub(crate) fn unit(&self, unit_id: &str) -> (u64, Option<UnitWithPeople>) {
        let c = self.inner.read().unwrap_or_else(|p| p.into_inner());
        (c.epoch, c.units.get(unit_id).cloned())
    }

    /// Keeps a unit read in `epoch`, on the same terms as [`Self::keep`].
    pub(crate) fn keep_unit(&self, epoch: u64, unit: &UnitWithPeople) {
        let mut c = self.write();
        if c.live && c.epoch == epoch {
            c.units.insert(unit.0.id.clone(), unit.clone());
        }
    }

    /// An open session kept, and the epoch to keep one read now in.
    pub(crate) fn session(&self, id: &str) -> (u64, Option<OpenSession>) {
        let c = self.inner.read().unwrap_or_else(|p| p.into_inner());
        (c.epoch, c.sessions.get(id).cloned())
    }

    /// Keeps an open session read in `epoch`, on the same terms as [`Self::keep`]; ending
    /// a session is a directory change.
    pub(crate) fn keep_session(&self, epoch: u64, id: &str, open: OpenSession) {
        let mut c = self.write();
        if c.live && c.epoch == epoch && c.sessions.len() < SESSIONS_KEPT {
            c.sessions.insert(id.to_string(), open);
        }
    }

    /// Forgets every answer; call after a directory change commits.
    pub(crate) fn invalidate(&self) {
        self.write().forget();
    }

    /// Whether changes are seen from now on; either way, what was kept is forgotten
    /// (changes may have gone unseen before).
    pub(crate) fn set_live(&self, live: bool) {
        let mut c = self.write();
        c.live = live;
        c.forget();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Actor {
        Actor {
            person_id: "p".into(),
            name: "甲".into(),
            tenant: "t".into(),
            unit_id: "u".into(),
            unit_path: "/u".into(),
            scope: "/u".into(),
            roles: Vec::new(),
        }
    }

    #[test]
    fn nothing_is_kept_while_changes_may_go_unseen() {
        let cache = DirectoryCache::new(false);
        let (epoch, _) = cache.lookup("p");
        cache.keep(epoch, "p", 1, &actor());
        assert!(cache.lookup("p").1.is_none(), "kept while not listening");
        cache.set_live(true);
        let (epoch, _) = cache.lookup("p");
        cache.keep(epoch, "p", 1, &actor());
        assert!(cache.lookup("p").1.is_some(), "kept once listening");
        cache.set_live(false);
        assert!(
            cache.lookup("p").1.is_none(),
            "forgotten when listening stops"
        );
    }

    #[test]
    fn an_answer_read_before_a_change_is_not_kept_after_it() {
        let cache = DirectoryCache::new(true);
        let (epoch, _) = cache.lookup("p");
        cache.invalidate();
        cache.keep(epoch, "p", 1, &actor());
        assert!(cache.lookup("p").1.is_none());
    }

    #[test]
    fn a_session_is_kept_until_a_change_and_not_when_read_before_one() {
        let cache = DirectoryCache::new(true);
        let open = ("p".to_string(), chrono::Utc::now().fixed_offset());
        let (epoch, _) = cache.session("s");
        cache.keep_session(epoch, "s", open.clone());
        assert_eq!(cache.session("s").1, Some(open.clone()), "kept");
        cache.invalidate();
        assert!(cache.session("s").1.is_none(), "forgotten at a change");
        let (epoch, _) = cache.session("s");
        cache.invalidate();
        cache.keep_session(epoch, "s", open);
        assert!(cache.session("s").1.is_none(), "read before a change");
    }
}
