//! Slack identifiers as types, so a raw string from a payload can never be mistaken for a
//! validated id. Slack ids are short upper-case alphanumerics (`T…`, `E…`, `U…`, `W…`).

use std::fmt;

fn is_slack_id(s: &str, prefixes: &[char]) -> bool {
    (2..=32).contains(&s.len())
        && s.starts_with(prefixes)
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A workspace (`team_id`). Every row of user data is scoped by one.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct TeamId(String);

impl TeamId {
    /// Accepts `T…` workspace ids (and `E…` enterprise ids for org installs).
    pub fn parse(s: &str) -> Option<Self> {
        is_slack_id(s, &['T', 'E']).then(|| Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TeamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Slack user (`U…` or `W…` on Enterprise Grid).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct UserId(String);

impl UserId {
    pub fn parse(s: &str) -> Option<Self> {
        is_slack_id(s, &['U', 'W']).then(|| Self(s.to_owned()))
    }

    /// Reads an escaped mention as Slack sends it with `should_escape: true`:
    /// `<@U024BE7LH|ann>` or `<@U024BE7LH>`.
    pub fn from_mention(s: &str) -> Option<Self> {
        let inner = s.strip_prefix("<@")?.strip_suffix('>')?;
        Self::parse(inner.split('|').next()?)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The mention Slack renders as the user's name.
    pub fn mention(&self) -> String {
        format!("<@{}>", self.0)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A channel (`C…` public, `G…` private): where a meeting's digest is posted.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct ChannelId(String);

impl ChannelId {
    pub fn parse(s: &str) -> Option<Self> {
        is_slack_id(s, &['C', 'G']).then(|| Self(s.to_owned()))
    }

    /// Reads a channel reference as Slack escapes it: `<#C024BE7LR|general>` or `<#C024BE7LR>`.
    pub fn from_reference(s: &str) -> Option<Self> {
        let inner = s.strip_prefix("<#")?.strip_suffix('>')?;
        Self::parse(inner.split('|').next()?)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The reference Slack renders as the channel's name.
    pub fn mention(&self) -> String {
        format!("<#{}>", self.0)
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a sent message landed (Slack: its channel and `ts`): recorded when it is sent, and
/// named by a button used on it, so it can be redrawn.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MessageRef {
    pub channel: String,
    pub ts: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_references_parse_and_user_mentions_are_not_channels() {
        assert_eq!(
            ChannelId::from_reference("<#C024BE7LR|leads>")
                .unwrap()
                .as_str(),
            "C024BE7LR"
        );
        assert_eq!(
            ChannelId::from_reference("<#G0123>").unwrap().as_str(),
            "G0123"
        );
        assert!(ChannelId::from_reference("<@U0123>").is_none());
        assert!(ChannelId::from_reference("#leads").is_none());
    }

    #[test]
    fn mentions_parse_with_and_without_a_label() {
        assert_eq!(
            UserId::from_mention("<@U024BE7LH|ann>").unwrap().as_str(),
            "U024BE7LH"
        );
        assert_eq!(UserId::from_mention("<@W0123>").unwrap().as_str(), "W0123");
    }

    #[test]
    fn things_that_are_not_user_mentions_are_refused() {
        for s in [
            "@ann",
            "<#C123|general>",
            "<@U12",
            "U123",
            "<@u123>",
            "<@C123>",
            "<!here>",
            "<@>",
            "<@U1;drop>",
        ] {
            assert!(UserId::from_mention(s).is_none(), "{s} should be refused");
        }
    }

    #[test]
    fn team_ids_are_validated() {
        assert!(TeamId::parse("T0001").is_some());
        assert!(TeamId::parse("E0001").is_some());
        assert!(TeamId::parse("").is_none());
        assert!(TeamId::parse("t0001").is_none());
        assert!(TeamId::parse("T00'01").is_none());
    }
}

/// A user acting within a workspace: the scope of every private row.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Owner {
    pub team: TeamId,
    pub user: UserId,
}

impl Owner {
    pub fn new(team: TeamId, user: UserId) -> Self {
        Owner { team, user }
    }
}
