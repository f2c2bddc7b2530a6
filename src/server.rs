//! The composition root: builds the store, the Slack messenger, the clock, the request-side
//! [`Services`] and the [`Scheduler`], and runs them together until shutdown. The only module
//! that knows both the Slack edge and the scheduler.

use crate::clock::Clock;
use crate::config::{Config, ConfigError};
use crate::outbound::Messenger;
use crate::scheduler::Scheduler;
use crate::service::Services;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Everything one process runs with: the request side and the clock-driven side share the
/// store, the messenger and the clock.
#[derive(Clone)]
pub struct App {
    pub services: Services,
    pub scheduler: Scheduler,
}

impl App {
    pub fn new(store: Store, messenger: Arc<dyn Messenger>, env_bot_token: Option<String>) -> Self {
        let clock = Clock::default();
        let metrics = crate::metrics::Metrics::shared();
        let mut scheduler = Scheduler::new(store.clone(), messenger.clone(), clock.clone());
        scheduler.metrics = metrics.clone();
        let mut services = Services::new(store, messenger, clock, env_bot_token);
        services.metrics = metrics;
        App {
            scheduler,
            services,
        }
    }

    /// Opens the store and the Slack messenger for `mode`, failing with one clear line when a
    /// required setting is missing. A dry run needs no bot token: it sends nothing.
    pub async fn production(
        config: &Config,
        mode: &'static str,
        needs_token: bool,
    ) -> anyhow::Result<App> {
        let cipher = config.cipher(mode)?;
        let oauth = config.oauth();
        // Installed through OAuth, each workspace brings its own token; SLACK_BOT_TOKEN, if set
        // too, still serves the workspace it belongs to.
        let token = if !needs_token {
            // A dry run or the console: nothing is sent, and nothing about tokens is written.
            None
        } else if oauth.is_some() {
            config
                .bot_token
                .as_ref()
                .map(|t| t.expose().trim().to_string())
                .filter(|t| !t.is_empty())
        } else {
            let t = Config::require(
                &config.bot_token,
                "SLACK_BOT_TOKEN",
                mode,
                "OAuth & Permissions → Bot User OAuth Token, xoxb-…",
            )?;
            Some(t.expose().to_string())
        };
        let store = Store::connect(&config.database_url, cipher)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        if let Some(t) = &token {
            store.refresh_env_tokens(t).await?;
        }
        let mut messenger =
            crate::slack::SlackMessenger::new(config.custom_api_url().as_deref(), store.clone())?;
        if let Some(o) = &oauth {
            messenger = messenger.with_oauth(&o.client_id, o.client_secret.expose());
        }
        let mut app = App::new(store, Arc::new(messenger), token);
        app.scheduler.uninstall_grace =
            chrono::TimeDelta::days(i64::from(config.uninstall_grace_days));
        Ok(app)
    }

    /// Serves Slack over Socket Mode with the scheduler running, until `shutdown`.
    pub async fn run_socket(
        self,
        config: &Config,
        app_token: &str,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let scheduler = tokio::spawn(crate::scheduler::run(
            self.scheduler.clone(),
            shutdown.clone(),
        ));
        let served = crate::slack::socket::run(
            self.services.clone(),
            config.custom_api_url().as_deref(),
            app_token,
            shutdown.clone(),
        )
        .await;
        shutdown.cancel();
        let _ = scheduler.await;
        self.services.settle().await;
        served
    }
}

/// A bound HTTP server with its app, not yet serving (tests bind port 0 and read `addr`).
pub struct Server {
    pub addr: std::net::SocketAddr,
    pub app: App,
    listener: tokio::net::TcpListener,
    router: axum::Router,
}

/// Whether `serve` runs the scheduler in the same process (tests run passes themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduling {
    InProcess,
    Off,
}

impl Server {
    pub async fn bind(config: &Config, app: App) -> anyhow::Result<Server> {
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
        let router = crate::slack::router(app.services.clone(), secret.expose(), config.oauth());
        Ok(Server {
            addr,
            app,
            listener,
            router,
        })
    }

    /// Serves HTTP (and, with [`Scheduling::InProcess`], runs the scheduler) until `shutdown`
    /// is cancelled, then stops both: in-flight requests finish, and the scheduler finishes its
    /// current pass.
    pub async fn run(
        self,
        shutdown: CancellationToken,
        scheduling: Scheduling,
    ) -> anyhow::Result<()> {
        let scheduler = (scheduling == Scheduling::InProcess).then(|| {
            tokio::spawn(crate::scheduler::run(
                self.app.scheduler.clone(),
                shutdown.clone(),
            ))
        });
        let stop = shutdown.clone();
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await?;
        shutdown.cancel();
        if let Some(s) = scheduler {
            let _ = s.await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.app.services.settle()).await;
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
