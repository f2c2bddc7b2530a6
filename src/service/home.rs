//! App Home publishing, kept off the request path. A user's home is published when they open
//! it; after a command changes their data it is refreshed only if they opened it recently, and
//! coalesced: at most one `views.publish` per user per [`GAP`], however many commands they send.

use super::Services;
use crate::domain::Owner;
use crate::error::{AppError, Result};
use crate::outbound::Surface;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The least time between two publishes of one user's home.
const GAP: Duration = Duration::from_secs(3);
/// How long after opening App Home a user's home is kept fresh.
const OPEN_FOR: Duration = Duration::from_secs(30 * 60);
/// Users tracked at most (those who opened App Home least recently are forgotten first).
const CAPACITY: usize = 10_000;
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy)]
struct Slot {
    opened: Instant,
    last_publish: Option<Instant>,
    pending: bool,
}

/// Who has App Home open, and when each was last published.
#[derive(Clone, Default)]
pub(super) struct Homes(Arc<Mutex<HashMap<Owner, Slot>>>);

impl Homes {
    /// `owner` opened App Home (and is being published now).
    pub(super) fn opened(&self, owner: &Owner) {
        let Ok(mut m) = self.0.lock() else { return };
        if m.len() >= CAPACITY && !m.contains_key(owner) {
            m.retain(|_, s| s.opened.elapsed() < OPEN_FOR);
            if m.len() >= CAPACITY
                && let Some(oldest) = m
                    .iter()
                    .min_by_key(|(_, s)| s.opened)
                    .map(|(o, _)| o.clone())
            {
                m.remove(&oldest);
            }
        }
        let now = Instant::now();
        let slot = m.entry(owner.clone()).or_insert(Slot {
            opened: now,
            last_publish: None,
            pending: false,
        });
        slot.opened = now;
        slot.last_publish = Some(now);
    }

    /// How long to wait before refreshing `owner`'s home, or `None` when no refresh is
    /// needed (not opened recently, or one is already on its way).
    fn claim_refresh(&self, owner: &Owner) -> Option<Duration> {
        let mut m = self.0.lock().ok()?;
        let slot = m.get_mut(owner)?;
        if slot.opened.elapsed() > OPEN_FOR || slot.pending {
            return None;
        }
        slot.pending = true;
        Some(
            slot.last_publish
                .map(|at| GAP.saturating_sub(at.elapsed()))
                .unwrap_or_default(),
        )
    }

    fn published(&self, owner: &Owner) {
        if let Ok(mut m) = self.0.lock()
            && let Some(slot) = m.get_mut(owner)
        {
            slot.pending = false;
            slot.last_publish = Some(Instant::now());
        }
    }
}

/// Builds and publishes `owner`'s home (one query per kind of row, then `views.publish`).
pub(super) async fn publish(s: &Services, owner: &Owner, now: DateTime<Utc>) -> Result<()> {
    let data = s.store.home_data(owner, now).await?;
    let surface = Surface::Home {
        user: owner.user.clone(),
        home: Box::new(crate::views::home(&data, now)),
    };
    match tokio::time::timeout(PUBLISH_TIMEOUT, s.messenger.show(&owner.team, surface)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(AppError::Unavailable(e.to_string())),
        Err(_) => Err(AppError::Unavailable("views.publish timed out".into())),
    }
}

impl Services {
    /// After `owner`'s data changed: refreshes their home in the background if they have it
    /// open, at most once per [`GAP`].
    pub fn refresh_home(&self, owner: &Owner) {
        let Some(wait) = self.homes.claim_refresh(owner) else {
            return;
        };
        let (s, owner) = (self.clone(), owner.clone());
        self.in_background(async move {
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            s.homes.published(&owner);
            if let Err(e) = publish(&s, &owner, s.clock.now()).await {
                tracing::debug!(error = %e, user = %owner.user, "App Home not refreshed");
            }
        });
    }
}
