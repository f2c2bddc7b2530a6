//! What a leadership digest and a member's prep DM may contain, decided without I/O.
//!
//! A digest is built only from [`Credit`]s and [`Published`] context — the two kinds of data the
//! privacy table lets a channel see — so no private note, check-in, ledger entry or heads-up can
//! reach one: the types that carry those are not inputs here.

use super::ids::{ChannelId, TeamId, UserId};
use super::schedule::Schedule;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use std::collections::HashSet;

/// Minutes before the meeting that the digest goes out, unless the user says otherwise.
pub const DEFAULT_LEAD_MINUTES: i64 = 60;
/// The longest lead a user may ask for (a day).
pub const MAX_LEAD_MINUTES: i64 = 24 * 60;

/// A recurring leadership meeting whose channel gets a digest before each occurrence.
#[derive(Debug, Clone)]
pub struct Meeting {
    pub team: TeamId,
    /// The workspace's short id for it.
    pub number: i64,
    pub channel: ChannelId,
    pub name: Option<String>,
    pub schedule: Schedule,
    /// The local wall time the schedule was read from (fixes "every other week").
    pub anchor: NaiveDateTime,
    /// The zone of the user who added it; occurrences are wall times there.
    pub tz: Tz,
    pub lead_minutes: i64,
    pub added_by: UserId,
    pub created_at: DateTime<Utc>,
    /// The next occurrence to digest for (local wall time) and when that digest is due.
    pub next: Upcoming,
    /// When the previous digest was recorded; credits after it go into the next one.
    pub last_digest_at: Option<DateTime<Utc>>,
}

/// A meeting's first digest names credits given up to this long before the meeting was added.
const FIRST_LOOKBACK: chrono::TimeDelta = chrono::TimeDelta::days(14);

impl Meeting {
    /// Where the credit window of the next digest starts.
    pub fn credits_since(&self) -> DateTime<Utc> {
        self.last_digest_at
            .unwrap_or(self.created_at - FIRST_LOOKBACK)
    }
}

/// One occurrence of a meeting and the moment its digest is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upcoming {
    pub occurrence: NaiveDateTime,
    pub digest_at: DateTime<Utc>,
}

impl Upcoming {
    /// The key that makes a digest unique: the meeting and the occurrence's wall time.
    pub fn key(&self, number: i64) -> String {
        format!("{number}:{}", self.occurrence.format("%Y-%m-%dT%H:%M"))
    }
}

impl Meeting {
    /// `“Staff sync” (meeting 2)` or `meeting 2`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("“{n}” (meeting {})", self.number),
            None => format!("meeting {}", self.number),
        }
    }

    /// When the meeting itself starts, on the timeline.
    pub fn starts_at(&self, occurrence: NaiveDateTime) -> DateTime<Utc> {
        Schedule::instant(occurrence, self.tz)
    }

    /// The first occurrence after local wall time `after` that has not started by `now`.
    pub fn upcoming(
        schedule: &Schedule,
        tz: Tz,
        lead_minutes: i64,
        after: NaiveDateTime,
        now: DateTime<Utc>,
    ) -> Option<Upcoming> {
        let mut t = after;
        for _ in 0..10_000 {
            let occurrence = schedule.next_after(t)?;
            let starts = Schedule::instant(occurrence, tz);
            if starts > now {
                return Some(Upcoming {
                    occurrence,
                    digest_at: starts - TimeDelta::minutes(lead_minutes),
                });
            }
            t = occurrence;
        }
        None
    }

    /// After the digest for `self.next`: the following occurrence (skipping any that already
    /// started while the bot was down).
    pub fn following(&self, now: DateTime<Utc>) -> Option<Upcoming> {
        Self::upcoming(
            &self.schedule,
            self.tz,
            self.lead_minutes,
            self.next.occurrence,
            now,
        )
    }
}

/// Published context older than this is shown with its age, and its owner is asked once to
/// refresh or clear it.
pub const CONTEXT_STALE_AFTER: TimeDelta = TimeDelta::days(30);

/// `/peer credit`: `author` credits `peer`'s team for `what`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Credit {
    pub author: UserId,
    pub peer: UserId,
    pub what: String,
    pub at: DateTime<Utc>,
}

/// A user's published constraints ("what my team is juggling right now").
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Published {
    pub user: UserId,
    pub text: String,
    pub set_at: DateTime<Utc>,
}

impl Published {
    /// Whole days since it was set, when that is past [`CONTEXT_STALE_AFTER`].
    pub fn stale_days(&self, now: DateTime<Utc>) -> Option<i64> {
        let age = now - self.set_at;
        (age > CONTEXT_STALE_AFTER).then(|| age.num_days())
    }
}

/// A digest's content: credits given since the previous digest by members of the channel,
/// and the published context of its members. Everything else is left out.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct DigestBody {
    pub credits: Vec<Credit>,
    pub contexts: Vec<Published>,
}

impl DigestBody {
    pub fn is_empty(&self) -> bool {
        self.credits.is_empty() && self.contexts.is_empty()
    }
}

/// Picks what a channel with `members` may be shown: credits in `(since, until]` whose author
/// is a member, and members' context. Oldest credit first; context by user.
pub fn digest_body(
    credits: &[Credit],
    contexts: &[Published],
    members: &HashSet<UserId>,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> DigestBody {
    let mut credits: Vec<Credit> = credits
        .iter()
        .filter(|c| members.contains(&c.author) && c.at > since && c.at <= until)
        .cloned()
        .collect();
    credits.sort_by_key(|c| c.at);
    let mut contexts: Vec<Published> = contexts
        .iter()
        .filter(|c| members.contains(&c.user))
        .cloned()
        .collect();
    contexts.sort_by(|a, b| a.user.cmp(&b.user));
    DigestBody { credits, contexts }
}

/// The part of a digest worth one member's private prep: the context of peers on their map
/// (wherever published), and the digest's credits they gave or that name one of their peers.
pub fn prep_body(
    digest: &DigestBody,
    member: &UserId,
    peers: &HashSet<UserId>,
    peer_contexts: &[Published],
) -> DigestBody {
    DigestBody {
        credits: digest
            .credits
            .iter()
            .filter(|c| &c.author == member || peers.contains(&c.peer))
            .cloned()
            .collect(),
        contexts: peer_contexts
            .iter()
            .filter(|c| peers.contains(&c.user))
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }
    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn credit(author: &str, peer: &str, what: &str, at: &str) -> Credit {
        Credit {
            author: u(author),
            peer: u(peer),
            what: what.into(),
            at: t(at),
        }
    }

    #[test]
    fn a_digest_names_only_members_credits_since_the_last_one_and_members_context() {
        let members: HashSet<UserId> = [u("UANA"), u("UBEN")].into();
        let credits = [
            credit(
                "UANA",
                "UCAT",
                "took our on-call week",
                "2026-11-20T10:00:00Z",
            ),
            credit("UANA", "UCAT", "old news", "2026-11-01T10:00:00Z"),
            credit("UOUT", "UBEN", "not in the channel", "2026-11-20T11:00:00Z"),
        ];
        let contexts = [
            Published {
                user: u("UBEN"),
                text: "SOC2 audit".into(),
                set_at: t("2026-11-02T00:00:00Z"),
            },
            Published {
                user: u("UOUT"),
                text: "elsewhere".into(),
                set_at: t("2026-11-02T00:00:00Z"),
            },
        ];
        let body = digest_body(
            &credits,
            &contexts,
            &members,
            t("2026-11-16T08:00:00Z"),
            t("2026-11-23T08:00:00Z"),
        );
        assert_eq!(body.credits.len(), 1);
        assert_eq!(body.credits[0].what, "took our on-call week");
        assert_eq!(body.contexts.len(), 1);
        assert_eq!(body.contexts[0].user, u("UBEN"));
        assert!(!body.is_empty());
        let empty = digest_body(
            &[],
            &[],
            &members,
            t("2026-11-16T08:00:00Z"),
            t("2026-11-23T08:00:00Z"),
        );
        assert!(empty.is_empty());
    }

    #[test]
    fn a_prep_keeps_the_members_own_credits_and_those_naming_their_peers() {
        let digest = DigestBody {
            credits: vec![
                credit("UANA", "UCAT", "mine", "2026-11-20T10:00:00Z"),
                credit("UBEN", "UDAN", "about my peer", "2026-11-20T10:00:00Z"),
                credit("UBEN", "UEVE", "unrelated", "2026-11-20T10:00:00Z"),
            ],
            contexts: vec![],
        };
        let peers: HashSet<UserId> = [u("UDAN")].into();
        let ctx = [
            Published {
                user: u("UDAN"),
                text: "hiring freeze".into(),
                set_at: t("2026-11-02T00:00:00Z"),
            },
            Published {
                user: u("UEVE"),
                text: "not my peer".into(),
                set_at: t("2026-11-02T00:00:00Z"),
            },
        ];
        let prep = prep_body(&digest, &u("UANA"), &peers, &ctx);
        let whats: Vec<_> = prep.credits.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(whats, ["mine", "about my peer"]);
        assert_eq!(prep.contexts.len(), 1);
    }

    #[test]
    fn each_occurrence_gets_one_digest_across_a_daylight_saving_change() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let from = NaiveDateTime::parse_from_str("2026-10-30 12:00", "%Y-%m-%d %H:%M").unwrap();
        // A daily 01:30 meeting with the digest 60 minutes before: on 2026-11-01 01:30 happens
        // twice; it is digested once, at 00:30 EDT.
        let s = Schedule::parse("30 1 * * *", from).unwrap();
        let now = t("2026-10-31T00:00:00Z");
        let mut next = Meeting::upcoming(&s, ny, 60, from, now).unwrap();
        let mut seen = Vec::new();
        for _ in 0..3 {
            seen.push((next.key(1), next.digest_at.to_rfc3339()));
            // Pretend the digest went out on time.
            next = Meeting::upcoming(&s, ny, 60, next.occurrence, next.digest_at).unwrap();
        }
        assert_eq!(
            seen,
            [
                (
                    "1:2026-10-31T01:30".to_string(),
                    "2026-10-31T04:30:00+00:00".to_string()
                ),
                (
                    "1:2026-11-01T01:30".to_string(),
                    "2026-11-01T04:30:00+00:00".to_string()
                ),
                (
                    "1:2026-11-02T01:30".to_string(),
                    "2026-11-02T05:30:00+00:00".to_string()
                ),
            ]
        );
    }

    #[test]
    fn occurrences_that_started_while_the_bot_was_down_are_skipped() {
        let from = NaiveDateTime::parse_from_str("2026-11-21 12:00", "%Y-%m-%d %H:%M").unwrap();
        let s = Schedule::parse("mondays 9:30", from).unwrap();
        // Down from Sunday to Tuesday: Monday's meeting has passed; next is the one after.
        let next = Meeting::upcoming(&s, Tz::UTC, 60, from, t("2026-11-24T12:00:00Z")).unwrap();
        assert_eq!(next.key(3), "3:2026-11-30T09:30");
        assert_eq!(next.digest_at, t("2026-11-30T08:30:00Z"));
        // Inside the lead: the digest is due now, the meeting has not started.
        let next = Meeting::upcoming(&s, Tz::UTC, 60, from, t("2026-11-23T09:00:00Z")).unwrap();
        assert_eq!(next.key(3), "3:2026-11-23T09:30");
    }

    #[test]
    fn context_is_stale_after_thirty_days() {
        let p = Published {
            user: u("UANA"),
            text: "x".into(),
            set_at: t("2026-10-01T00:00:00Z"),
        };
        assert_eq!(p.stale_days(t("2026-10-31T00:00:00Z")), None);
        assert_eq!(p.stale_days(t("2026-11-21T00:00:00Z")), Some(51));
    }
}
