//! Settings, read once at start from the environment (and a `.env` file), with secrets that
//! never print. The same struct is what `sideways --help` documents and what tests build by hand.

use std::fmt;
use std::net::SocketAddr;

/// A secret value: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Verifies every inbound Slack request (Basic Information → Signing Secret). Required for `serve`.
    #[arg(
        long,
        env = "SLACK_SIGNING_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub signing_secret: Option<Secret>,

    /// Bot token (xoxb-…) for a single-workspace install. Required for `serve` and `tick`.
    #[arg(long, env = "SLACK_BOT_TOKEN", hide_env_values = true, global = true)]
    pub bot_token: Option<Secret>,

    /// App-level token (xapp-…) for Socket Mode.
    #[arg(long, env = "SLACK_APP_TOKEN", hide_env_values = true, global = true)]
    pub app_token: Option<Secret>,

    /// Slack Web API base URL; tests point it at a local fake Slack.
    #[arg(
        long,
        env = "SLACK_API_URL",
        default_value = "https://slack.com/api/",
        global = true
    )]
    pub slack_api_url: String,

    /// Where state lives: sqlite://path (created if missing).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://sideways.db",
        global = true
    )]
    pub database_url: String,

    /// HTTP listen address for `serve`.
    #[arg(
        long,
        env = "SIDEWAYS_LISTEN",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub listen: SocketAddr,

    /// Key for private text at rest: 32 bytes as base64 or 64 hex digits (openssl rand -base64 32).
    /// Required outside `console`.
    #[arg(
        long,
        env = "SIDEWAYS_ENCRYPTION_KEY",
        hide_env_values = true,
        global = true
    )]
    pub encryption_key: Option<Secret>,

    /// OAuth client id (Basic Information → App Credentials). With SLACK_CLIENT_SECRET it turns
    /// on `GET /slack/install` for many workspaces; SLACK_BOT_TOKEN is then not required.
    #[arg(long, env = "SLACK_CLIENT_ID", global = true)]
    pub client_id: Option<String>,

    /// OAuth client secret (Basic Information → App Credentials).
    #[arg(
        long,
        env = "SLACK_CLIENT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub client_secret: Option<Secret>,

    /// The public URL of `/slack/oauth_redirect`, when it must be named (one of the app's
    /// Redirect URLs).
    #[arg(long, env = "SLACK_REDIRECT_URL", global = true)]
    pub redirect_url: Option<String>,

    /// Enterprise Grid organisations (E… ids, comma-separated) whose workspaces may install;
    /// installs from any other organisation are refused. Workspaces outside a Grid always may.
    #[arg(long, env = "SLACK_ALLOWED_ENTERPRISES", global = true)]
    pub allowed_enterprises: Option<String>,

    /// Days a workspace's data is kept after it uninstalls the app (or revokes its token),
    /// in case it comes back; then all of it is deleted.
    #[arg(
        long,
        env = "SIDEWAYS_UNINSTALL_GRACE_DAYS",
        default_value_t = 30,
        // Bounded, so "now minus the grace period" is always a real date.
        value_parser = clap::value_parser!(u32).range(0..=36_500),
        global = true
    )]
    pub uninstall_grace_days: u32,
}

/// What the OAuth install flow needs (`SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` set).
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    pub client_id: String,
    pub client_secret: Secret,
    pub redirect_url: Option<String>,
    pub allowed_enterprises: Vec<String>,
}

/// A setting that is missing or malformed; its message is the one line printed at start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is not set; it is required for `sideways {mode}` ({hint})")]
    Missing {
        var: &'static str,
        mode: &'static str,
        hint: &'static str,
    },
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

impl Config {
    pub fn require<'a>(
        value: &'a Option<Secret>,
        var: &'static str,
        mode: &'static str,
        hint: &'static str,
    ) -> Result<&'a Secret, ConfigError> {
        value
            .as_ref()
            .filter(|s| !s.expose().trim().is_empty())
            .ok_or(ConfigError::Missing { var, mode, hint })
    }

    /// The cipher for private text. `console` may run without a key (a fixed local key is used,
    /// fine for trying things, never for real data).
    pub fn cipher(&self, mode: &'static str) -> Result<crate::crypto::Cipher, ConfigError> {
        let key = match (&self.encryption_key, mode) {
            (Some(k), _) if !k.expose().trim().is_empty() => k.expose().to_string(),
            (_, "console") => CONSOLE_KEY.to_string(),
            _ => {
                return Err(ConfigError::Missing {
                    var: "SIDEWAYS_ENCRYPTION_KEY",
                    mode,
                    hint: "32 random bytes as base64: openssl rand -base64 32",
                });
            }
        };
        crate::crypto::Cipher::from_key_text(&key).map_err(|e| ConfigError::Invalid {
            var: "SIDEWAYS_ENCRYPTION_KEY",
            reason: e.to_string(),
        })
    }

    /// The OAuth settings, when both the client id and secret are set.
    pub fn oauth(&self) -> Option<OAuthSettings> {
        let id = self
            .client_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())?;
        let secret = self
            .client_secret
            .as_ref()
            .filter(|s| !s.expose().trim().is_empty())?;
        Some(OAuthSettings {
            client_id: id.to_string(),
            client_secret: secret.clone(),
            redirect_url: self.redirect_url.clone().filter(|u| !u.trim().is_empty()),
            allowed_enterprises: self
                .allowed_enterprises
                .as_deref()
                .unwrap_or("")
                .split(',')
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect(),
        })
    }

    /// The Web API base without a trailing slash, as slack-morphism wants it; `None` for Slack itself.
    pub fn custom_api_url(&self) -> Option<String> {
        let u = self.slack_api_url.trim_end_matches('/');
        (u != "https://slack.com/api").then(|| u.to_string())
    }
}

/// The key `sideways console` uses when none is configured. Not secret, on purpose.
const CONSOLE_KEY: &str = "636f6e736f6c652d6f6e6c792d6e6f742d612d7265616c2d6b65792d21212121";
