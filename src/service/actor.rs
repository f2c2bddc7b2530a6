//! Who is acting: the workspace (installed?), the user and their profile (zone, working hours).
//! Both are cached in memory, bounded in size and expiring, so a command does not re-read them;
//! a change made through Sideways (settings, a learnt zone, an uninstall) drops the entry.

use super::Services;
use crate::commands::Ctx;
use crate::domain::{Owner, TeamId, UserId, nudge_at};
use crate::error::{AppError, Result};
use crate::store::{Profile, StoreError};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a command waits for a first `users.info` before answering with UTC.
const TZ_WAIT: Duration = Duration::from_millis(400);
/// After a failed or empty `users.info`, when to ask again.
const TZ_RECHECK: chrono::TimeDelta = chrono::TimeDelta::hours(6);
/// How long a cached profile or installation is trusted (another replica may change it).
const TTL: Duration = Duration::from_secs(60);
/// Entries kept at most; past it, expired ones go, and if that is not enough, all.
const CAPACITY: usize = 10_000;

/// A small map whose entries expire after [`TTL`] and whose size is bounded.
struct Expiring<K, V> {
    map: HashMap<K, (V, Instant)>,
}

impl<K: std::hash::Hash + Eq, V: Clone> Expiring<K, V> {
    fn get(&self, k: &K) -> Option<V> {
        self.map
            .get(k)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(v, _)| v.clone())
    }

    fn insert(&mut self, k: K, v: V) {
        if self.map.len() >= CAPACITY {
            self.map.retain(|_, (_, at)| at.elapsed() < TTL);
            if self.map.len() >= CAPACITY {
                self.map.clear();
            }
        }
        self.map.insert(k, (v, Instant::now()));
    }
}

impl<K, V> Default for Expiring<K, V> {
    fn default() -> Self {
        Expiring {
            map: HashMap::new(),
        }
    }
}

/// The caches behind [`Services::actor`].
#[derive(Clone, Default)]
pub(super) struct Actors {
    installed: Arc<Mutex<Expiring<TeamId, ()>>>,
    profiles: Arc<Mutex<Expiring<Owner, Profile>>>,
}

impl Actors {
    pub(super) fn forget_team(&self, team: &TeamId) {
        if let Ok(mut s) = self.installed.lock() {
            s.map.remove(team);
        }
    }

    pub(super) fn forget(&self, owner: &Owner) {
        if let Ok(mut s) = self.profiles.lock() {
            s.map.remove(owner);
        }
    }

    fn profile(&self, owner: &Owner) -> Option<Profile> {
        self.profiles.lock().ok()?.get(owner)
    }

    fn remember(&self, owner: &Owner, p: &Profile) {
        if let Ok(mut s) = self.profiles.lock() {
            s.insert(owner.clone(), p.clone());
        }
    }
}

/// The user acting on a request, and their profile.
pub struct Actor {
    pub owner: Owner,
    pub profile: Profile,
}

impl Actor {
    pub fn ctx<'a>(&'a self, s: &'a Services, now: DateTime<Utc>) -> Ctx<'a> {
        Ctx {
            store: &s.store,
            owner: &self.owner,
            profile: &self.profile,
            now,
            messenger: s.messenger.as_ref(),
        }
    }
}

impl Services {
    /// Who is acting, with their profile (time zone learnt on first use).
    pub async fn actor(&self, team: &TeamId, user: &UserId, now: DateTime<Utc>) -> Result<Actor> {
        self.ensure_installed(team, now).await?;
        let owner = Owner::new(team.clone(), user.clone());
        if let Some(profile) = self.actors.profile(&owner) {
            return Ok(Actor { owner, profile });
        }
        let mut profile = self.store.ensure_profile(&owner, now).await?;
        if profile.tz.is_none() && profile.tz_checked_at.is_none_or(|t| now - t > TZ_RECHECK) {
            profile = self
                .learn_timezone(&owner, now, TZ_WAIT)
                .await?
                .unwrap_or(profile);
        }
        self.actors.remember(&owner, &profile);
        Ok(Actor { owner, profile })
    }

    /// Drops the cached profile of `owner` (their settings changed).
    pub(super) fn profile_changed(&self, owner: &Owner) {
        self.actors.forget(owner);
    }

    /// A workspace is served if it has an installation row; with `SLACK_BOT_TOKEN` set, a
    /// workspace seen for the first time gets one.
    async fn ensure_installed(&self, team: &TeamId, now: DateTime<Utc>) -> Result<()> {
        if self
            .actors
            .installed
            .lock()
            .is_ok_and(|s| s.get(team).is_some())
        {
            return Ok(());
        }
        if !self.store.installation_exists(team).await? {
            match &self.env_bot_token {
                Some(token) => self.store.install_from_env(team, token, now).await?,
                None => return Err(AppError::NotInstalled),
            }
        }
        if let Ok(mut s) = self.actors.installed.lock() {
            s.insert(team.clone(), ());
        }
        Ok(())
    }

    /// Asks Slack for the user's time zone (once; cached in their profile) and reschedules
    /// their peers if it changed. Waits at most `wait` for the answer; a slow Slack finishes in
    /// the background and a failing one changes nothing. Returns the updated profile if it
    /// arrived in time.
    pub async fn learn_timezone(
        &self,
        owner: &Owner,
        now: DateTime<Utc>,
        wait: Duration,
    ) -> Result<Option<Profile>> {
        let (s, who) = (self.clone(), owner.clone());
        let task = tokio::spawn(async move { s.fetch_and_store_tz(&who, now).await });
        match tokio::time::timeout(wait, task).await {
            Ok(Ok(Ok(changed))) if changed => Ok(self.store.profile(owner).await?),
            Ok(Ok(Err(e))) => Err(e.into()),
            _ => Ok(None),
        }
    }

    async fn fetch_and_store_tz(
        &self,
        owner: &Owner,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let asked =
            tokio::time::timeout(Duration::from_secs(10), self.messenger.user_tz(owner)).await;
        let tz = match asked {
            Ok(Ok(Some(tz))) => tz,
            other => {
                match other {
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, user = %owner.user, "users.info failed; using UTC for now")
                    }
                    Err(_) => {
                        tracing::warn!(user = %owner.user, "users.info timed out; using UTC for now")
                    }
                    _ => {}
                }
                self.store.mark_tz_checked(owner, now).await?;
                return Ok(false);
            }
        };
        if !self.store.record_slack_tz(owner, tz, now).await? {
            return Ok(false);
        }
        self.actors.forget(owner);
        let Some(profile) = self.store.profile(owner).await? else {
            return Ok(false);
        };
        let prefs = profile.prefs();
        let nudges: Vec<_> = self
            .store
            .peers_of(owner)
            .await?
            .iter()
            .map(|p| (p.peer.clone(), nudge_at(p, &prefs, None, now)))
            .collect();
        self.store.set_nudges(owner, &nudges).await?;
        Ok(true)
    }
}
