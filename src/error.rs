//! The one error type of the request path, and what each kind shows the user.
//!
//! User mistakes become a friendly ephemeral reply (Slack shows any non-200 as a failure, so
//! they are never an error status); internal failures are logged with their cause and the user
//! sees a short apology. Nothing internal (SQL, tokens, payloads) is ever shown.

use crate::store::StoreError;

/// A command the user typed that cannot be carried out as typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}")]
pub struct UsageError {
    /// What was wrong, in the user's terms.
    pub problem: String,
    /// The usage line of the subcommand concerned (or the command list).
    pub usage: &'static str,
}

impl UsageError {
    pub fn new(problem: impl Into<String>, usage: &'static str) -> Self {
        UsageError {
            problem: problem.into(),
            usage,
        }
    }

    /// The ephemeral reply: the problem, then the right usage.
    pub fn reply_text(&self) -> String {
        format!("{}\nUsage: {}", self.problem, self.usage)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Usage(#[from] UsageError),
    #[error("this workspace has no Sideways installation")]
    NotInstalled,
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Slack could not answer a question the command needed (nothing was saved).
    #[error("Slack unavailable: {0}")]
    Unavailable(String),
}

impl AppError {
    /// What the user is shown. Pure: nothing internal (SQL, tokens, payloads) is ever in it.
    pub fn user_text(&self) -> String {
        match self {
            AppError::Usage(u) => u.reply_text(),
            AppError::NotInstalled => {
                "Sideways is not installed in this workspace yet: ask whoever runs it to install the app.".into()
            }
            AppError::Unavailable(_) => {
                "I couldn't reach Slack to check that just now, so nothing was saved. Please try again in a moment.".into()
            }
            AppError::Store(_) => {
                "Sorry, something went wrong on my side and nothing was saved. Please try again in a moment.".into()
            }
        }
    }

    /// Logs internal failures (once, at the edge that maps the error to a reply); a user's
    /// mistake is not logged.
    pub fn log(&self) {
        match self {
            AppError::Usage(_) | AppError::NotInstalled => {}
            AppError::Unavailable(e) => {
                tracing::warn!(error = %e, "Slack call for a request failed")
            }
            AppError::Store(e) => tracing::error!(error = %e, "request failed"),
        }
    }

    /// The reply at an edge: logged if internal, then worded for the user.
    pub fn reply(&self) -> String {
        self.log();
        self.user_text()
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
