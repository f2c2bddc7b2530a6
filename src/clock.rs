//! The one source of "now". Everything below the edges takes time as an argument; the edges
//! and the scheduler's loop read it here, so tests, the console and benchmarks can pin it.

use chrono::{DateTime, Utc};
use std::sync::{Arc, RwLock};

/// The wall clock, unless frozen (tests and the console pin "now" so due dates are
/// deterministic; request signatures are always checked on the real clock).
#[derive(Clone, Default, Debug)]
pub struct Clock(Arc<RwLock<Option<DateTime<Utc>>>>);

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        self.0.read().ok().and_then(|t| *t).unwrap_or_else(Utc::now)
    }

    /// The real wall clock, never pinned: what request signatures are checked against.
    pub fn wall() -> DateTime<Utc> {
        Utc::now()
    }

    /// Pins "now" at `at` until frozen again.
    pub fn freeze(&self, at: DateTime<Utc>) {
        if let Ok(mut t) = self.0.write() {
            *t = Some(at);
        }
    }
}
