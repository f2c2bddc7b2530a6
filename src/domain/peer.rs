//! A peer on a user's map, and the rules of SPEC §2: when a check-in is due, how warm the
//! relationship is, and when the next nudge about it may go out.

use super::{Cadence, DeliveryPrefs, UserId, local_midnight};
use chrono::{DateTime, Days, NaiveDate, Utc};

/// After a nudge names a peer that is still overdue, the next nudge about them waits this long.
pub const REMIND_AGAIN_AFTER_DAYS: u64 = 3;

/// One relationship on an owner's map. Dates are the owner's local calendar dates.
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    pub peer: UserId,
    pub reason: Option<String>,
    pub cadence: Cadence,
    pub added_on: NaiveDate,
    pub last_contact: Option<NaiveDate>,
    pub snoozed_until: Option<NaiveDate>,
}

/// One logged contact, from the text command or the check-in form (SPEC §3).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckinEntry {
    pub held_on: NaiveDate,
    /// Explicitly not about work.
    pub coffee: bool,
    pub notes: Option<String>,
    pub agenda: Agenda,
    /// The one cheap thing I could do for them: an open offer until the next check-in.
    pub offer: Option<String>,
    /// "This turned into a status sync."
    pub status_sync: bool,
}

/// Their world, as the check-in form asks about it.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Agenda {
    /// Their top constraint right now.
    pub constraint: Option<String>,
    /// What their boss is pressing on.
    pub boss: Option<String>,
    /// What is on fire this week.
    pub fire: Option<String>,
}

impl Agenda {
    pub fn is_empty(&self) -> bool {
        self.constraint.is_none() && self.boss.is_none() && self.fire.is_none()
    }
}

/// What the last check-ins with a peer say for the next nudge.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct CheckinSignals {
    /// The last two check-ins both turned into status syncs.
    pub drifting: bool,
    /// Offers I made them that are still open, oldest first.
    #[serde(default)]
    pub offers: Vec<Offer>,
    /// Their current dependency milestone (possibly already past: see [`Milestone::is_current`]).
    #[serde(default)]
    pub milestone: Option<Milestone>,
}

/// Something I offered a peer ("one cheap thing I could do"), open until done or dropped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Offer {
    pub id: i64,
    pub what: String,
    pub made_on: NaiveDate,
}

/// A private note about a peer as a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: i64,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// A check-in as prep shows it: when, what kind, and their world as the form asked about it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PastCheckin {
    pub held_on: NaiveDate,
    pub coffee: bool,
    pub notes: Option<String>,
    pub agenda: Agenda,
    pub offer: Option<String>,
    pub status_sync: bool,
}

/// How close a milestone must be for a cooling or cold relationship to be called out first.
pub const MILESTONE_WINDOW_DAYS: i64 = 42;
/// How far ahead a milestone may be set.
pub const MILESTONE_MAX_YEARS: u32 = 5;

/// A peer's dependency milestone ("their platform cut-over, 2027-03-01").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Milestone {
    pub due_on: NaiveDate,
    pub what: String,
}

impl Milestone {
    /// A milestone whose day has passed is history: no longer shown.
    pub fn is_current(&self, today: NaiveDate) -> bool {
        self.due_on >= today
    }

    /// Days from `today` to the milestone.
    pub fn days_left(&self, today: NaiveDate) -> i64 {
        (self.due_on - today).num_days()
    }

    /// Cooling or cold within [`MILESTONE_WINDOW_DAYS`] of the milestone (SPEC §2): called out
    /// first.
    pub fn at_risk(&self, warmth: Warmth, today: NaiveDate) -> bool {
        self.is_current(today)
            && self.days_left(today) <= MILESTONE_WINDOW_DAYS
            && warmth != Warmth::Warm
    }
}

/// How a relationship stands (SPEC §2).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Warmth {
    /// Past twice the cadence.
    Cold,
    /// Past the cadence.
    Cooling,
    /// Within the cadence.
    Warm,
}

impl Warmth {
    pub fn label(self) -> &'static str {
        match self {
            Warmth::Warm => "warm",
            Warmth::Cooling => "cooling",
            Warmth::Cold => "cold",
        }
    }
}

impl Peer {
    /// The clock runs from the last real contact, or from the day the peer was added.
    pub fn clock_start(&self) -> NaiveDate {
        self.last_contact.unwrap_or(self.added_on)
    }

    /// The date the next check-in is due by cadence alone.
    pub fn next_due(&self) -> NaiveDate {
        self.cadence.after(self.clock_start(), 1)
    }

    /// The first date a nudge about this peer may go out: the due date, unless snoozed past it.
    pub fn nudge_on(&self) -> NaiveDate {
        match self.snoozed_until {
            Some(s) if s > self.next_due() => s,
            _ => self.next_due(),
        }
    }

    pub fn is_due(&self, today: NaiveDate) -> bool {
        self.nudge_on() <= today
    }

    pub fn is_snoozed(&self, today: NaiveDate) -> bool {
        self.snoozed_until.is_some_and(|s| s > today)
    }

    pub fn warmth(&self, today: NaiveDate) -> Warmth {
        if today <= self.next_due() {
            Warmth::Warm
        } else if today <= self.cadence.after(self.clock_start(), 2) {
            Warmth::Cooling
        } else {
            Warmth::Cold
        }
    }

    /// Days since the clock started (contact or adding).
    pub fn days_since(&self, today: NaiveDate) -> i64 {
        (today - self.clock_start()).num_days()
    }

    /// Ordering for the map: coldest first, then the soonest due.
    pub fn urgency_key(&self, today: NaiveDate) -> (Warmth, NaiveDate) {
        (self.warmth(today), self.nudge_on())
    }
}

/// The UTC instant the scheduler should next look at this peer: the first moment inside the
/// owner's working hours that is on or after the day a nudge is allowed, on or after
/// `not_before` (a local date, used to space out reminders about a peer that stays overdue),
/// and not before `now` (a moment that passed while the bot was down goes out at the next window).
pub fn nudge_at(
    peer: &Peer,
    prefs: &DeliveryPrefs,
    not_before: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let day = match not_before {
        Some(nb) if nb > peer.nudge_on() => nb,
        _ => peer.nudge_on(),
    };
    prefs.next_working_instant(local_midnight(day, prefs.tz).max(now))
}

/// The local date before which an overdue peer is not named again after a nudge on `today`.
pub fn remind_again_on(today: NaiveDate) -> NaiveDate {
    today + Days::new(REMIND_AGAIN_AFTER_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{WeekdaySet, WorkingHours};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn peer(cadence: Cadence, added: &str, last: Option<&str>) -> Peer {
        Peer {
            peer: UserId::parse("U2").unwrap(),
            reason: None,
            cadence,
            added_on: d(added),
            last_contact: last.map(d),
            snoozed_until: None,
        }
    }

    #[test]
    fn a_new_peer_is_due_one_cadence_after_being_added() {
        let p = peer(Cadence::Weeks(1), "2026-11-02", None);
        assert_eq!(p.next_due(), d("2026-11-09"));
        assert!(!p.is_due(d("2026-11-08")));
        assert!(p.is_due(d("2026-11-09")));
    }

    #[test]
    fn contact_restarts_the_clock_even_when_backdated() {
        let mut p = peer(Cadence::Weeks(2), "2026-10-01", None);
        p.last_contact = Some(d("2026-11-10"));
        assert_eq!(p.next_due(), d("2026-11-24"));
    }

    #[test]
    fn warmth_follows_one_and_two_cadences() {
        let p = peer(Cadence::Weeks(1), "2026-11-01", Some("2026-11-02"));
        assert_eq!(p.warmth(d("2026-11-09")), Warmth::Warm);
        assert_eq!(p.warmth(d("2026-11-10")), Warmth::Cooling);
        assert_eq!(p.warmth(d("2026-11-16")), Warmth::Cooling);
        assert_eq!(p.warmth(d("2026-11-17")), Warmth::Cold);
    }

    #[test]
    fn a_snooze_moves_the_nudge_but_not_the_warmth() {
        let mut p = peer(Cadence::Weeks(1), "2026-11-01", Some("2026-11-02"));
        p.snoozed_until = Some(d("2026-11-20"));
        assert_eq!(p.nudge_on(), d("2026-11-20"));
        assert!(!p.is_due(d("2026-11-19")));
        assert_eq!(p.warmth(d("2026-11-19")), Warmth::Cold);
        // A snooze that ends before the due date changes nothing.
        p.snoozed_until = Some(d("2026-11-05"));
        assert_eq!(p.nudge_on(), d("2026-11-09"));
    }

    #[test]
    fn the_nudge_waits_for_the_owners_working_window() {
        let prefs = DeliveryPrefs {
            tz: "America/Los_Angeles".parse().unwrap(),
            hours: WorkingHours::DEFAULT,
            days: WeekdaySet::MON_FRI,
        };
        // Due Saturday 2026-11-28 -> Monday 11-30 09:00 PST = 17:00Z.
        let p = peer(Cadence::Weeks(1), "2026-11-01", Some("2026-11-21"));
        let added = "2026-11-21T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            nudge_at(&p, &prefs, None, added),
            "2026-11-30T17:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        // Spaced out after a nudge: not before Thursday 12-03.
        assert_eq!(
            nudge_at(&p, &prefs, Some(remind_again_on(d("2026-11-30"))), added),
            "2026-12-03T17:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn across_the_spring_dst_change_the_nudge_stays_at_nine_local() {
        let prefs = DeliveryPrefs {
            tz: "Europe/Berlin".parse().unwrap(),
            ..DeliveryPrefs::default()
        };
        // Weekly from Monday 2026-03-23 (CET, +1) -> Monday 03-30 (CEST, +2): 09:00 local = 07:00Z.
        let p = peer(Cadence::Weeks(1), "2026-03-01", Some("2026-03-23"));
        let now = "2026-03-24T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            nudge_at(&p, &prefs, None, now),
            "2026-03-30T07:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn a_moment_missed_while_down_goes_out_at_the_next_window_not_at_night() {
        let prefs = DeliveryPrefs {
            tz: "Europe/London".parse().unwrap(),
            ..DeliveryPrefs::default()
        };
        // Due Monday 2026-11-23; the bot comes back Tuesday 22:00 -> Wednesday 09:00.
        let p = peer(Cadence::Weeks(1), "2026-11-01", Some("2026-11-16"));
        let back = "2026-11-24T22:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            nudge_at(&p, &prefs, None, back),
            "2026-11-25T09:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        // Back Tuesday 11:00 -> right away.
        let back = "2026-11-24T11:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(nudge_at(&p, &prefs, None, back), back);
    }
}
