//! Wiring: the shared [`AppState`] every transport uses, the command entry point that all of
//! them call, and `serve` (HTTP plus the in-process scheduler, stopped cleanly on a signal).

use crate::commands::{Command, Ctx, Reply};
use crate::config::{Config, ConfigError};
use crate::domain::{Owner, TeamId, UserId, nudge_at};
use crate::error::{AppError, Result};
use crate::messenger::{Form, Messenger, Surface};
use crate::store::{Profile, Store, StoreError};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long a command waits for a first `users.info` before answering with UTC.
const TZ_WAIT: Duration = Duration::from_millis(400);
/// How long opening a form may take (Slack's trigger lasts 3 s).
const FORM_WAIT: Duration = Duration::from_millis(2500);
const FORM_FAILED: &str = "I couldn't open the check-in form just now. Log it by typing \
`/peer checkin @peer <notes>` instead.";
/// After a failed or empty `users.info`, when to ask again.
const TZ_RECHECK: chrono::TimeDelta = chrono::TimeDelta::hours(6);

/// The time the Slack edge hands to commands: the wall clock, unless frozen (tests and benches
/// pin "now" so due dates are deterministic; signatures are always checked on the real clock).
#[derive(Clone, Default)]
pub struct Clock(Arc<RwLock<Option<DateTime<Utc>>>>);

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        self.0.read().ok().and_then(|t| *t).unwrap_or_else(Utc::now)
    }

    pub fn freeze(&self, at: DateTime<Utc>) {
        if let Ok(mut t) = self.0.write() {
            *t = Some(at);
        }
    }
}

/// Everything a request or a scheduler pass needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub messenger: Arc<dyn Messenger>,
    pub clock: Clock,
    /// `SLACK_BOT_TOKEN`: a workspace that uses the bot with it is recorded as an installation.
    env_bot_token: Option<String>,
    installed: Arc<RwLock<HashSet<TeamId>>>,
    /// Work done after a request was acknowledged (events, App Home refreshes, message
    /// redraws), so shutdown and tests can wait for it.
    background: TaskTracker,
}

impl AppState {
    pub fn new(store: Store, messenger: Arc<dyn Messenger>, env_bot_token: Option<String>) -> Self {
        AppState {
            store,
            messenger,
            clock: Clock::default(),
            env_bot_token,
            installed: Arc::default(),
            background: TaskTracker::new(),
        }
    }

    /// The workspace uninstalled the app or revoked its token.
    pub async fn revoke(&self, team: &TeamId, now: DateTime<Utc>) -> Result<(), StoreError> {
        if let Ok(mut s) = self.installed.write() {
            s.remove(team);
        }
        self.store.revoke_installation(team, now).await
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

    /// Runs one `/peer …` line for `user` and returns what they should see. Never fails: user
    /// mistakes and internal errors alike become a reply (internal ones are logged).
    pub async fn run_command(
        &self,
        team: &TeamId,
        user: &UserId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Reply {
        self.run_slash(team, user, text, now, None).await
    }

    /// As [`Self::run_command`], from a transport that can open forms: a bare
    /// `/peer checkin @user` opens the check-in form with `trigger` (the reply is then empty).
    pub async fn run_slash(
        &self,
        team: &TeamId,
        user: &UserId,
        text: &str,
        now: DateTime<Utc>,
        trigger: Option<&str>,
    ) -> Reply {
        match self.try_command(team, user, text, now, trigger).await {
            Ok(r) => r,
            Err(e) => Reply::new(e.user_text()),
        }
    }

    async fn try_command(
        &self,
        team: &TeamId,
        user: &UserId,
        text: &str,
        now: DateTime<Utc>,
        trigger: Option<&str>,
    ) -> Result<Reply> {
        let cmd = Command::parse(text)?;
        if let Command::Help(h) = &cmd {
            return Ok(h.run());
        }
        let actor = self.actor(team, user, now).await?;
        let ctx = actor.ctx(self, now);
        if let (Command::Checkin(c), Some(trigger)) = (&cmd, trigger)
            && c.is_bare()
        {
            ctx.require_peer_here(&c.peer).await?;
            let form = Form::Checkin {
                peer: c.peer.clone(),
                today: ctx.today(),
                from: None,
            };
            return Ok(self.open_form(team, trigger, form).await);
        }
        let reply = cmd.run(&ctx).await?;
        if cmd.changes_data() {
            self.refresh_home(&actor.owner, now);
        }
        Ok(reply)
    }

    /// Opens a form for the user who acted; an empty reply when it opened, otherwise a
    /// reply saying what to do instead.
    pub async fn open_form(&self, team: &TeamId, trigger: &str, form: Form) -> Reply {
        let surface = Surface::Form {
            trigger: trigger.to_string(),
            form,
        };
        // Slack's trigger expires after 3 s; a form that cannot open by then never will.
        match tokio::time::timeout(FORM_WAIT, self.messenger.show(team, surface)).await {
            Ok(Ok(())) => Reply::new(""),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "views.open failed");
                Reply::new(FORM_FAILED)
            }
            Err(_) => Reply::new(FORM_FAILED),
        }
    }

    /// Who is acting, with their profile (time zone learnt on first use).
    pub async fn actor(&self, team: &TeamId, user: &UserId, now: DateTime<Utc>) -> Result<Actor> {
        self.ensure_installed(team, now).await?;
        let owner = Owner::new(team.clone(), user.clone());
        let mut profile = self.store.ensure_profile(&owner, now).await?;
        if profile.tz.is_none() && profile.tz_checked_at.is_none_or(|t| now - t > TZ_RECHECK) {
            profile = self
                .learn_timezone(&owner, now, TZ_WAIT)
                .await?
                .unwrap_or(profile);
        }
        Ok(Actor { owner, profile })
    }

    /// Republishes the user's App Home in the background (a slow Slack never delays a reply).
    pub fn refresh_home(&self, owner: &Owner, now: DateTime<Utc>) {
        let (state, owner) = (self.clone(), owner.clone());
        self.in_background(async move {
            if let Err(e) = state.publish_home(&owner, now).await {
                tracing::warn!(error = %e, user = %owner.user, "App Home not published");
            }
        });
    }

    /// Publishes the user's App Home now.
    pub async fn publish_home(&self, owner: &Owner, now: DateTime<Utc>) -> anyhow::Result<()> {
        let home = crate::commands::home::home(&self.store, owner, now).await?;
        let surface = Surface::Home {
            user: owner.user.clone(),
            home: Box::new(home),
        };
        tokio::time::timeout(
            Duration::from_secs(10),
            self.messenger.show(&owner.team, surface),
        )
        .await??;
        Ok(())
    }

    /// A workspace is served if it has an installation row; with `SLACK_BOT_TOKEN` set, a
    /// workspace seen for the first time gets one.
    async fn ensure_installed(&self, team: &TeamId, now: DateTime<Utc>) -> Result<()> {
        if self.installed.read().is_ok_and(|s| s.contains(team)) {
            return Ok(());
        }
        if !self.store.installation_exists(team).await? {
            match &self.env_bot_token {
                Some(token) => self.store.install_from_env(team, token, now).await?,
                None => return Err(AppError::NotInstalled),
            }
        }
        if let Ok(mut s) = self.installed.write() {
            s.insert(team.clone());
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
        let (state, who) = (self.clone(), owner.clone());
        let task = tokio::spawn(async move { state.fetch_and_store_tz(&who, now).await });
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
        let tz = match tokio::time::timeout(Duration::from_secs(10), self.messenger.user_tz(owner))
            .await
        {
            Ok(Ok(Some(tz))) => tz,
            Ok(Ok(None)) => {
                self.store.mark_tz_checked(owner, now).await?;
                return Ok(false);
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, user = %owner.user, "users.info failed; using UTC for now");
                self.store.mark_tz_checked(owner, now).await?;
                return Ok(false);
            }
            Err(_) => {
                tracing::warn!(user = %owner.user, "users.info timed out; using UTC for now");
                self.store.mark_tz_checked(owner, now).await?;
                return Ok(false);
            }
        };
        if !self.store.record_slack_tz(owner, tz, now).await? {
            return Ok(false);
        }
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

/// Opens the store and the Slack messenger for `mode`, failing with one clear line when a
/// required setting is missing. A dry run needs no bot token: it sends nothing.
pub async fn production_state(
    config: &Config,
    mode: &'static str,
    needs_token: bool,
) -> anyhow::Result<AppState> {
    let cipher = config.cipher(mode)?;
    let token = if needs_token {
        let t = Config::require(
            &config.bot_token,
            "SLACK_BOT_TOKEN",
            mode,
            "OAuth & Permissions → Bot User OAuth Token, xoxb-…",
        )?;
        Some(t.expose().to_string())
    } else {
        None
    };
    let store = Store::connect(&config.database_url, cipher)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open DATABASE_URL {}: {e}", config.database_url))?;
    if let Some(t) = &token {
        store.refresh_env_tokens(t).await?;
    }
    let messenger =
        crate::slack::SlackMessenger::new(config.custom_api_url().as_deref(), store.clone())?;
    Ok(AppState::new(store, Arc::new(messenger), token))
}

/// The user acting on a request, and their profile.
pub struct Actor {
    pub owner: Owner,
    pub profile: Profile,
}

impl Actor {
    pub fn ctx<'a>(&'a self, state: &'a AppState, now: DateTime<Utc>) -> Ctx<'a> {
        Ctx {
            store: &state.store,
            owner: &self.owner,
            profile: &self.profile,
            now,
            messenger: state.messenger.as_ref(),
        }
    }
}

/// A bound HTTP server with its state, not yet serving (tests bind port 0 and read `addr`).
pub struct Server {
    pub addr: std::net::SocketAddr,
    pub state: AppState,
    listener: tokio::net::TcpListener,
    router: axum::Router,
}

impl Server {
    pub async fn bind(config: &Config, state: AppState) -> anyhow::Result<Server> {
        let secret = Config::require(
            &config.signing_secret,
            "SLACK_SIGNING_SECRET",
            "serve",
            "Basic Information → App Credentials → Signing Secret",
        )?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| ConfigError::Invalid {
                var: "SIDEWAYS_LISTEN",
                reason: format!("cannot listen on {}: {e}", config.listen),
            })?;
        let addr = listener.local_addr()?;
        let router = crate::slack::router(state.clone(), secret.expose());
        Ok(Server {
            addr,
            state,
            listener,
            router,
        })
    }

    /// Serves HTTP and runs the scheduler until `shutdown` is cancelled, then stops both:
    /// in-flight requests finish, and the scheduler finishes its current pass.
    pub async fn run(
        self,
        shutdown: CancellationToken,
        with_scheduler: bool,
    ) -> anyhow::Result<()> {
        let scheduler = with_scheduler
            .then(|| tokio::spawn(crate::scheduler::run(self.state.clone(), shutdown.clone())));
        let stop = shutdown.clone();
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await?;
        shutdown.cancel();
        if let Some(s) = scheduler {
            let _ = s.await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.state.settle()).await;
        Ok(())
    }
}

/// Cancels the token on Ctrl-C or SIGTERM.
pub fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            if let Ok(mut s) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            {
                s.recv().await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! { _ = ctrl_c => {}, _ = term => {} }
        tracing::info!("shutting down");
        token.cancel();
    });
}
