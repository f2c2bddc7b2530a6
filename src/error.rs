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
    /// What the user is shown. Internal errors are logged here, once, at the edge.
    pub fn user_text(&self) -> String {
        match self {
            AppError::Usage(u) => u.reply_text(),
            AppError::NotInstalled => {
                "Sideways is not installed in this workspace yet: ask whoever runs it to install the app.".into()
            }
            AppError::Unavailable(e) => {
                tracing::warn!(error = %e, "Slack call for a command failed");
                "I couldn't reach Slack to check that just now, so nothing was saved. Please try again in a moment.".into()
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "command failed");
                "Sorry, something went wrong on my side and nothing was saved. Please try again in a moment.".into()
            }
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
