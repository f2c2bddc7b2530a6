//! Working on something together (SPEC idea 11): a small joint piece of work with a peer, with
//! an end date, after which both are asked to look back. Pure: dates and time passed in.

use super::{DeliveryPrefs, UserId, local_midnight};
use chrono::{DateTime, Days, NaiveDate, Utc};

/// How long a piece of work runs when no length is given.
pub const TOGETHER_DEFAULT_WEEKS: u32 = 2;
/// The longest a piece of work may run: beyond it, it is not a small joint piece of work.
pub const TOGETHER_MAX_WEEKS: u32 = 12;

/// The outbox kind of the note to the peer at a period's end (kept in the peer's outbox).
pub const TOGETHER_PEER_KIND: &str = "together_peer";

/// The outbox key of the note to the peer about the owner's piece of work `number`, period
/// `period`: it starts with the owner, so forgetting the work can find it in the peer's outbox.
pub fn together_peer_key(owner: &UserId, number: i64, period: i64) -> String {
    format!("{}{number}:{period}", together_peer_key_prefix(owner))
}

/// What every [`together_peer_key`] of `owner` starts with.
pub fn together_peer_key_prefix(owner: &UserId) -> String {
    format!("{}:", owner.as_str())
}

/// Where a piece of work stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TogetherStatus {
    Open,
    Closed,
}

/// One joint piece of work, as its owner keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Together {
    /// The owner's own number for it.
    pub number: i64,
    pub peer: UserId,
    pub topic: String,
    pub weeks: u32,
    /// 1, then 2, 3, … each time the owner keeps going.
    pub period: i64,
    pub started_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: TogetherStatus,
}

/// The owner's answers when looking back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookBack {
    pub number: i64,
    /// Keep going for another period of the same length (else close it).
    pub keep: bool,
    pub worked: Option<String>,
    pub change: Option<String>,
}

impl LookBack {
    /// The private note about the peer this look-back leaves, if anything was written.
    pub fn note(&self, topic: &str) -> Option<String> {
        if self.worked.is_none() && self.change.is_none() {
            return None;
        }
        let mut out = format!("Looking back on “{topic}” (together #{}):", self.number);
        if let Some(w) = &self.worked {
            out.push_str(&format!(" what worked: {w}."));
        }
        if let Some(c) = &self.change {
            out.push_str(&format!(" What to change: {c}."));
        }
        out.push_str(if self.keep {
            " Kept going."
        } else {
            " Closed."
        });
        Some(out)
    }
}

/// The last day of a period of `weeks` weeks starting `today`.
pub fn together_ends_on(today: NaiveDate, weeks: u32) -> NaiveDate {
    today + Days::new(7 * u64::from(weeks))
}

/// The moment a period ending on `ends_on` (the owner's date) is over: the start of that day in
/// the owner's zone. Each person's DM waits from there for their own working window.
pub fn together_end(ends_on: NaiveDate, owner: &DeliveryPrefs) -> DateTime<Utc> {
    local_midnight(ends_on, owner.tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_ends_whole_weeks_later_at_the_owners_midnight() {
        let today: NaiveDate = "2026-11-23".parse().unwrap();
        assert_eq!(together_ends_on(today, 2), "2026-12-07".parse().unwrap());
        let prefs = DeliveryPrefs {
            tz: "Europe/Paris".parse().unwrap(),
            ..DeliveryPrefs::default()
        };
        assert_eq!(
            together_end("2026-12-07".parse().unwrap(), &prefs),
            "2026-12-06T23:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn a_look_back_leaves_a_note_only_when_something_was_written() {
        let mut lb = LookBack {
            number: 3,
            keep: true,
            worked: None,
            change: None,
        };
        assert_eq!(lb.note("the migration"), None);
        lb.worked = Some("pairing on Fridays".into());
        lb.change = Some("a shared doc".into());
        let n = lb.note("the migration").unwrap();
        assert!(
            n.contains("“the migration”")
                && n.contains("what worked: pairing on Fridays")
                && n.contains("What to change: a shared doc")
                && n.ends_with("Kept going."),
            "{n}"
        );
    }
}
