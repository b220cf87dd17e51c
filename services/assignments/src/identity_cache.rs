//! Who signed in, as the directory had them: answers kept until the next directory change.

use duban_auth::Actor;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Signed-in people by id, with the directory epoch they were read in.
#[derive(Clone, Default)]
pub(crate) struct IdentityCache {
    inner: Arc<RwLock<Cached>>,
}

#[derive(Default)]
struct Cached {
    epoch: u64,
    people: HashMap<String, (i64, Actor)>,
}

impl IdentityCache {
    pub(crate) fn lookup(&self, person_id: &str) -> (u64, Option<(i64, Actor)>) {
        let c = self.inner.read().unwrap_or_else(|p| p.into_inner());
        (c.epoch, c.people.get(person_id).cloned())
    }

    /// Keeps an answer read in `epoch`, unless the directory changed since.
    pub(crate) fn keep(&self, epoch: u64, person_id: &str, generation: i64, actor: &Actor) {
        let mut c = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if c.epoch == epoch {
            c.people
                .insert(person_id.to_string(), (generation, actor.clone()));
        }
    }

    /// Forgets every answer; call after a directory change commits.
    pub(crate) fn invalidate(&self) {
        let mut c = self.inner.write().unwrap_or_else(|p| p.into_inner());
        c.epoch += 1;
        c.people.clear();
    }
}
