//! "Tell them before the room" (SPEC §7): a heads-up's reminder timetable, as pure rules.
//!
//! Reminders go to the owner while any named peer is untold: about 3 days before the room (only
//! if the heads-up existed by then; it respects working hours and rides in the day's one DM),
//! 1 day and 2 hours before (these ignore working hours and the daily bundle). When the room
//! time comes, one DM asks whether each peer heard it first (inside working hours).

use super::{DeliveryPrefs, UserId};
use chrono::{DateTime, TimeDelta, Utc};

/// The reminder stages, in order. A heads-up records the last one done.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Stage {
    None,
    ThreeDays,
    OneDay,
    TwoHours,
    After,
}

impl Stage {
    pub const REMINDERS: [Stage; 3] = [Stage::ThreeDays, Stage::OneDay, Stage::TwoHours];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::None => "none",
            Stage::ThreeDays => "3d",
            Stage::OneDay => "1d",
            Stage::TwoHours => "2h",
            Stage::After => "after",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        [
            Stage::None,
            Stage::ThreeDays,
            Stage::OneDay,
            Stage::TwoHours,
            Stage::After,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// How long before the room this reminder is due.
    /// `3 days`, `1 day`, `2 hours`: how long before the room a reminder comes.
    pub fn lead_words(self) -> &'static str {
        match self {
            Stage::ThreeDays => "3 days",
            Stage::OneDay => "1 day",
            Stage::TwoHours => "2 hours",
            Stage::None | Stage::After => "",
        }
    }

    pub fn lead(self) -> TimeDelta {
        match self {
            Stage::ThreeDays => TimeDelta::days(3),
            Stage::OneDay => TimeDelta::days(1),
            Stage::TwoHours => TimeDelta::hours(2),
            Stage::None | Stage::After => TimeDelta::zero(),
        }
    }
}

/// One peer named in a heads-up.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NamedPeer {
    pub peer: UserId,
    pub told_at: Option<DateTime<Utc>>,
    /// After the room: did they hear it from the owner first?
    pub heard_first: Option<bool>,
}

/// A heads-up as the scheduler and the commands see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Headsup {
    /// The owner's own number for it (`#3`).
    pub number: i64,
    pub what: String,
    pub room_at: DateTime<Utc>,
    /// When reminders were (re)armed: creation, or the last `move`. Stages already past then are skipped.
    pub armed_at: DateTime<Utc>,
    pub stage: Stage,
    pub peers: Vec<NamedPeer>,
}

/// What the scheduler should do about a heads-up now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The 3-day reminder is due: put it in today's DM (inside working hours).
    Daily,
    /// A reminder inside 24 hours of the room: send it now, whatever the hour.
    Urgent(Stage),
    /// The room has happened: ask whether each peer heard it first.
    After,
    /// Nothing now; look again at `next`, with `stage` recorded as done (skipped stages).
    Wait { stage: Stage, next: DateTime<Utc> },
    /// Nothing more will ever be sent.
    Finished,
}

impl Headsup {
    pub fn untold(&self) -> impl Iterator<Item = &NamedPeer> {
        self.peers.iter().filter(|p| p.told_at.is_none())
    }

    fn moment(&self, s: Stage) -> DateTime<Utc> {
        self.room_at - s.lead()
    }

    /// The first reminder stage after `done` that was still ahead when the heads-up was armed.
    fn next_reminder(&self, done: Stage) -> Option<Stage> {
        Stage::REMINDERS
            .into_iter()
            .find(|s| *s > done && self.moment(*s) > self.armed_at)
    }

    /// The reminders still to come for a heads-up armed now: what a confirmation may promise.
    pub fn reminders_to_come(&self) -> Vec<Stage> {
        Stage::REMINDERS
            .into_iter()
            .filter(|s| self.moment(*s) > self.armed_at)
            .collect()
    }

    /// Decides the next step at `now` for an owner with `prefs`.
    pub fn step(&self, prefs: &DeliveryPrefs, now: DateTime<Utc>) -> Step {
        if self.stage >= Stage::After {
            return Step::Finished;
        }
        if now >= self.room_at {
            return if prefs.is_working(now) {
                Step::After
            } else {
                Step::Wait {
                    stage: self.stage,
                    next: prefs.next_working_instant(now),
                }
            };
        }
        if self.untold().next().is_none() {
            return Step::Wait {
                stage: self.stage,
                next: self.room_at,
            };
        }
        // The latest reminder whose moment has come; earlier ones are superseded.
        let mut due = None;
        let mut s = self.stage;
        while let Some(n) = self.next_reminder(s) {
            if self.moment(n) > now {
                break;
            }
            due = Some(n);
            s = n;
        }
        match due {
            Some(Stage::ThreeDays) => {
                let one_day = self.moment(Stage::OneDay);
                if prefs.is_working(now) {
                    Step::Daily
                } else {
                    let next = prefs.next_working_instant(now);
                    if next < one_day {
                        Step::Wait {
                            stage: self.stage,
                            next,
                        }
                    } else {
                        // No working hour left before the 1-day reminder: skip to it.
                        Step::Wait {
                            stage: Stage::ThreeDays,
                            next: one_day,
                        }
                    }
                }
            }
            Some(stage) => Step::Urgent(stage),
            None => Step::Wait {
                stage: self.stage,
                next: self.next_moment(self.stage),
            },
        }
    }

    /// When to look again once `done` is recorded: the next reminder's moment, else the room.
    pub fn next_moment(&self, done: Stage) -> DateTime<Utc> {
        self.next_reminder(done)
            .map_or(self.room_at, |s| self.moment(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{WeekdaySet, WorkingHours};

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn prefs(tz: &str) -> DeliveryPrefs {
        DeliveryPrefs {
            tz: tz.parse().unwrap(),
            hours: WorkingHours::DEFAULT,
            days: WeekdaySet::MON_FRI,
        }
    }
    fn hu(room: &str, armed: &str) -> Headsup {
        Headsup {
            number: 1,
            what: "reorg".into(),
            room_at: utc(room),
            armed_at: utc(armed),
            stage: Stage::None,
            peers: vec![NamedPeer {
                peer: UserId::parse("U2").unwrap(),
                told_at: None,
                heard_first: None,
            }],
        }
    }

    /// Runs the scheduler's loop by hand: every 5 minutes, apply the step, collect what was sent.
    fn timetable(mut h: Headsup, p: &DeliveryPrefs, until: &str) -> Vec<(Stage, DateTime<Utc>)> {
        let mut sent = Vec::new();
        let mut now = h.armed_at;
        while now <= utc(until) {
            match h.step(p, now) {
                Step::Daily => {
                    sent.push((Stage::ThreeDays, now));
                    h.stage = Stage::ThreeDays;
                }
                Step::Urgent(s) => {
                    sent.push((s, now));
                    h.stage = s;
                }
                Step::After => {
                    sent.push((Stage::After, now));
                    h.stage = Stage::After;
                }
                Step::Wait { stage, .. } => h.stage = stage,
                Step::Finished => {}
            }
            now += TimeDelta::minutes(5);
        }
        sent
    }

    #[test]
    fn a_room_five_days_away_gets_three_reminders_and_the_after_question() {
        // Registered Friday 2026-11-20 in London; the room is Wednesday 11-25 15:00.
        let sent = timetable(
            hu("2026-11-25T15:00:00Z", "2026-11-20T10:00:00Z"),
            &prefs("Europe/London"),
            "2026-11-26T12:00:00Z",
        );
        assert_eq!(
            sent,
            vec![
                // 3 days before is Sunday 15:00: it waits for Monday 09:00.
                (Stage::ThreeDays, utc("2026-11-23T09:00:00Z")),
                (Stage::OneDay, utc("2026-11-24T15:00:00Z")),
                (Stage::TwoHours, utc("2026-11-25T13:00:00Z")),
                (Stage::After, utc("2026-11-25T15:00:00Z")),
            ]
        );
    }

    #[test]
    fn a_room_twenty_hours_away_skips_what_had_already_passed() {
        // Registered Tuesday 19:00 for Wednesday 15:00: the 3-day and 1-day moments had already
        // passed when it was registered, so only the 2-hour reminder goes out.
        let sent = timetable(
            hu("2026-11-25T15:00:00Z", "2026-11-24T19:00:00Z"),
            &prefs("Europe/London"),
            "2026-11-25T16:00:00Z",
        );
        assert_eq!(
            sent,
            vec![
                (Stage::TwoHours, utc("2026-11-25T13:00:00Z")),
                (Stage::After, utc("2026-11-25T15:00:00Z"))
            ]
        );
    }

    #[test]
    fn reminders_inside_a_day_ignore_working_hours() {
        // Room Tuesday 08:00 Tokyo (Monday 23:00Z); 2 hours before is 06:00 Tokyo, outside hours.
        let sent = timetable(
            hu("2026-11-23T23:00:00Z", "2026-11-23T12:00:00Z"),
            &prefs("Asia/Tokyo"),
            "2026-11-24T01:00:00Z",
        );
        assert_eq!(sent[0], (Stage::TwoHours, utc("2026-11-23T21:00:00Z")));
        // The after-room question waits for 09:00 Tokyo.
        assert_eq!(sent[1], (Stage::After, utc("2026-11-24T00:00:00Z")));
    }

    #[test]
    fn a_room_ninety_minutes_away_sends_only_the_after_question() {
        let sent = timetable(
            hu("2026-11-25T15:00:00Z", "2026-11-25T13:30:00Z"),
            &prefs("Europe/London"),
            "2026-11-25T16:00:00Z",
        );
        assert_eq!(sent, vec![(Stage::After, utc("2026-11-25T15:00:00Z"))]);
    }

    #[test]
    fn across_the_autumn_dst_change_reminders_keep_their_distance_to_the_room() {
        // New York: room Monday 2026-11-02 10:00 EST (15:00Z), registered the Tuesday before.
        let sent = timetable(
            hu("2026-11-02T15:00:00Z", "2026-10-27T14:00:00Z"),
            &prefs("America/New_York"),
            "2026-11-02T16:00:00Z",
        );
        assert_eq!(
            sent,
            vec![
                // Exactly 72 hours before: Friday 15:00Z, 11:00 EDT, inside working hours.
                (Stage::ThreeDays, utc("2026-10-30T15:00:00Z")),
                // 24 hours before the room: Sunday 10:00 EST (clocks fell back that night).
                (Stage::OneDay, utc("2026-11-01T15:00:00Z")),
                (Stage::TwoHours, utc("2026-11-02T13:00:00Z")),
                (Stage::After, utc("2026-11-02T15:00:00Z")),
            ]
        );
    }

    #[test]
    fn once_everyone_is_told_no_reminder_goes_out_but_the_after_question_does() {
        let mut h = hu("2026-11-25T15:00:00Z", "2026-11-20T10:00:00Z");
        h.peers[0].told_at = Some(utc("2026-11-21T10:00:00Z"));
        let sent = timetable(h, &prefs("Europe/London"), "2026-11-26T12:00:00Z");
        assert_eq!(sent, vec![(Stage::After, utc("2026-11-25T15:00:00Z"))]);
    }

    #[test]
    fn the_three_day_reminder_is_skipped_when_no_working_hour_is_left_before_the_one_day_one() {
        // Room Monday 10:00 London, registered Thursday 20:00: 3 days before is Friday 10:00.
        // Friday is a working day, so it goes then.
        let sent = timetable(
            hu("2026-11-23T10:00:00Z", "2026-11-19T20:00:00Z"),
            &prefs("Europe/London"),
            "2026-11-23T09:00:00Z",
        );
        assert_eq!(sent[0], (Stage::ThreeDays, utc("2026-11-20T10:00:00Z")));
        // Room Tuesday 10:00, registered Friday 18:00: 3 days before is Saturday; the next
        // window, Monday 09:00, is still before the 1-day moment (Monday 10:00), so Monday 09:00.
        let sent = timetable(
            hu("2026-11-24T10:00:00Z", "2026-11-20T18:00:00Z"),
            &prefs("Europe/London"),
            "2026-11-24T09:00:00Z",
        );
        assert_eq!(sent[0], (Stage::ThreeDays, utc("2026-11-23T09:00:00Z")));
        assert_eq!(sent[1], (Stage::OneDay, utc("2026-11-23T10:00:00Z")));
        // Room Monday 08:00, registered Thursday: 3 days before is Friday 08:00 (before hours);
        // next window Friday 09:00 < Sunday 08:00, so Friday 09:00.
        let sent = timetable(
            hu("2026-11-23T08:00:00Z", "2026-11-19T12:00:00Z"),
            &prefs("Europe/London"),
            "2026-11-23T09:00:00Z",
        );
        assert_eq!(sent[0], (Stage::ThreeDays, utc("2026-11-20T09:00:00Z")));
    }
}
