//! The one interface every outbound message goes through: Slack in production
//! ([`crate::slack::SlackMessenger`]), the terminal in `sideways console`, and a fake Slack Web
//! API in the tests. What to say is a [`Notice`] (plain data, stored in the outbox as JSON);
//! how it looks is each messenger's business.

use crate::domain::{Owner, UserId, Warmth};
use async_trait::async_trait;
use chrono::NaiveDate;
use chrono_tz::Tz;
use std::time::Duration;

/// A scheduled message to one user.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Notice {
    /// The day's one bundled DM: every peer whose check-in is due.
    CheckinNudge { day: NaiveDate, items: Vec<DueItem> },
}

/// One peer in a check-in nudge.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DueItem {
    pub peer: UserId,
    pub reason: Option<String>,
    pub cadence: String,
    pub last_contact: Option<NaiveDate>,
    pub days_since: i64,
    pub warmth: Warmth,
}

impl Notice {
    /// The delivery kind, part of the outbox's unique key.
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::CheckinNudge { .. } => "checkin_nudge",
        }
    }

    /// One line naming what is sent, without private text (for `sideways tick` and logs).
    pub fn summary(&self) -> String {
        match self {
            Notice::CheckinNudge { items, .. } => {
                let who: Vec<String> = items.iter().map(|i| i.peer.mention()).collect();
                format!("check-in nudge: {} due ({})", items.len(), who.join(", "))
            }
        }
    }

    /// The message as Slack mrkdwn text: the whole message for plain-text surfaces, and the
    /// notification fallback for Block Kit.
    pub fn text(&self) -> String {
        match self {
            Notice::CheckinNudge { items, .. } => {
                let mut out = String::from("Due for a check-in:\n");
                for i in items {
                    out.push_str(&format!("• {}\n", due_line(i)));
                }
                out.push_str("Log one with `/peer checkin @peer`, or `/peer snooze @peer 3 days`.");
                out
            }
        }
    }
}

/// `<@U2> (biweekly, cooling): last contact 18 days ago. _because …_`
pub fn due_line(i: &DueItem) -> String {
    let since = match i.last_contact {
        Some(_) => format!("last contact {} days ago", i.days_since),
        None => format!(
            "no contact logged since you added them {} days ago",
            i.days_since
        ),
    };
    let why = i
        .reason
        .as_deref()
        .map(|r| format!(" _because {}_", escape_mrkdwn(r)))
        .unwrap_or_default();
    format!(
        "{} ({}, {}): {since}.{why}",
        i.peer.mention(),
        i.cadence,
        i.warmth.label()
    )
}

/// Escapes the three characters Slack's mrkdwn reserves, for user-typed text shown back.
pub fn escape_mrkdwn(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Why a message could not be delivered, which decides what happens to it next.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Slack said slow down (429); try again after this long.
    #[error("rate limited; retry after {0:?}")]
    RateLimited(Duration),
    /// Slack will never accept it (user deactivated, app uninstalled…).
    #[error("rejected: {0}")]
    Rejected(String),
    /// A passing failure (network, 5xx, timeout); retry later.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Messenger: Send + Sync + 'static {
    /// Delivers a DM to `to`.
    async fn send(&self, to: &Owner, notice: &Notice) -> Result<(), SendError>;

    /// The user's time zone as Slack knows it (`users.info` `tz`), if any.
    async fn user_tz(&self, who: &Owner) -> Result<Option<Tz>, SendError>;
}
