//! The request side of Sideways, behind every edge: one typed [`Action`] in, one [`Outcome`]
//! out. Slack (HTTP and Socket Mode) and the console parse their input into the same actions
//! and render the same outcomes their own way; nothing here knows what a payload looks like.
//!
//! [`Services`] holds the ports a request needs (store, messenger, clock) and the small
//! in-memory caches that keep the command path short: installations, actors' profiles, and who
//! has App Home open.

mod actions;
mod actor;
mod home;

pub use actions::{Action, Answers, ButtonAction, Event, Outcome, Request};
pub use actor::Actor;

use crate::clock::Clock;
use crate::domain::{Owner, TeamId};
use crate::error::Result;
use crate::outbound::Messenger;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio_util::task::TaskTracker;

/// Everything a request needs. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub messenger: Arc<dyn Messenger>,
    pub clock: Clock,
    /// `SLACK_BOT_TOKEN`: a workspace that uses the bot with it is recorded as an installation.
    env_bot_token: Option<String>,
    actors: actor::Actors,
    homes: home::Homes,
    /// Work done after a request was acknowledged (events, App Home refreshes, message
    /// redraws), so shutdown and tests can wait for it.
    background: TaskTracker,
    /// The process's counters (shared with the scheduler by the composition root).
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl Services {
    pub fn new(
        store: Store,
        messenger: Arc<dyn Messenger>,
        clock: Clock,
        env_bot_token: Option<String>,
    ) -> Self {
        Services {
            store,
            messenger,
            clock,
            env_bot_token,
            actors: actor::Actors::default(),
            homes: home::Homes::default(),
            background: TaskTracker::new(),
            metrics: crate::metrics::Metrics::shared(),
        }
    }

    /// The workspace uninstalled the app or revoked its token.
    pub async fn revoke(&self, team: &TeamId, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.actors.forget_team(team);
        self.store.revoke_installation(team, now).await?;
        self.messenger.forget_workspace(team);
        Ok(())
    }

    /// The workspace was (re)installed: forget anything cached about it.
    pub fn installed(&self, team: &TeamId) {
        self.actors.forget_team(team);
        self.messenger.forget_workspace(team);
    }

    /// Runs `work` after the current request is answered.
    pub fn in_background(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        self.background.spawn(work);
    }

    /// Waits until all background work started so far is finished.
    pub async fn settle(&self) {
        self.background.close();
        self.background.wait().await;
        self.background.reopen();
    }

    /// Publishes `owner`'s App Home now (they opened it).
    pub async fn publish_home(&self, owner: &Owner, now: DateTime<Utc>) -> Result<()> {
        self.homes.opened(owner);
        home::publish(self, owner, now).await
    }
}
