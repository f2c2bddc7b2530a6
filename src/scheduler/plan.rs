//! Pure: given one owner's peers, their preferences and the time, decide whether a check-in
//! nudge goes out now, what it says, and when each peer should next be looked at.

use crate::domain::{
    DeliveryPrefs, Headsup, Peer, Stage, Step, UserId, local_midnight, nudge_at, remind_again_on,
};
use crate::outbound::{DueItem, Notice};
use crate::store::HeadsupUpdate;
use crate::views::headsup_item;
use chrono::{DateTime, Days, Utc};

/// What to do for one owner whose nudge time has come.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnerPlan {
    /// Nothing to send now; move these nudge times forward.
    Wait {
        nudges: Vec<(UserId, DateTime<Utc>)>,
    },
    /// Send today's bundled nudge.
    Nudge(NudgePlan),
}

/// Today's bundled nudge for one owner (unique per owner and local day `key`), with what moves
/// once it is recorded and what moves if it had already gone out.
#[derive(Debug, Clone, PartialEq)]
pub struct NudgePlan {
    pub notice: Box<Notice>,
    pub key: String,
    /// Nudge times once this nudge is recorded.
    pub after_send: Vec<(UserId, DateTime<Utc>)>,
    /// Nudge times if today's nudge had already gone out (the one-a-day rule).
    pub if_already_sent: Vec<(UserId, DateTime<Utc>)>,
    /// Heads-up stages once this nudge is recorded, and if today's had already gone out.
    pub headsups_after_send: Vec<HeadsupUpdate>,
    pub headsups_if_already_sent: Vec<HeadsupUpdate>,
}

/// `peers` are all the owner's peers with their stored nudge times; `headsups` their open
/// heads-ups (those whose 3-day reminder is due ride in the same DM).
pub fn plan_owner(
    peers: &[(Peer, DateTime<Utc>)],
    headsups: &[Headsup],
    prefs: &DeliveryPrefs,
    now: DateTime<Utc>,
) -> OwnerPlan {
    let today = prefs.local_date(now);
    let picked: Vec<&(Peer, DateTime<Utc>)> = peers.iter().filter(|(_, at)| *at <= now).collect();
    if !prefs.is_working(now) {
        // The moment passed outside working hours (or while the bot was down): wait for the
        // next window, keeping any spacing the old time carried.
        let nudges = picked
            .iter()
            .map(|(p, at)| {
                (
                    p.peer.clone(),
                    nudge_at(p, prefs, Some(prefs.local_date(*at)), now),
                )
            })
            .collect();
        return OwnerPlan::Wait { nudges };
    }
    let due: Vec<&Peer> = peers
        .iter()
        .map(|(p, _)| p)
        .filter(|p| p.is_due(today))
        .collect();
    let daily: Vec<&Headsup> = headsups
        .iter()
        .filter(|h| h.step(prefs, now) == Step::Daily)
        .collect();
    if due.is_empty() && daily.is_empty() {
        let nudges = picked
            .iter()
            .map(|(p, _)| (p.peer.clone(), nudge_at(p, prefs, None, now)))
            .collect();
        return OwnerPlan::Wait { nudges };
    }
    let mut items: Vec<DueItem> = due
        .iter()
        .map(|p| DueItem {
            peer: p.peer.clone(),
            signals: Default::default(),
            reason: p.reason.clone(),
            cadence: p.cadence.to_string(),
            last_contact: p.last_contact,
            days_since: p.days_since(today),
            warmth: p.warmth(today),
            review: None,
        })
        .collect();
    items.sort_by(|a, b| {
        a.warmth
            .cmp(&b.warmth)
            .then(b.days_since.cmp(&a.days_since))
    });
    let again = remind_again_on(today);
    let mut after_send: Vec<_> = due
        .iter()
        .map(|p| (p.peer.clone(), nudge_at(p, prefs, Some(again), now)))
        .collect();
    after_send.extend(
        picked
            .iter()
            .filter(|(p, _)| !p.is_due(today))
            .map(|(p, _)| (p.peer.clone(), nudge_at(p, prefs, None, now))),
    );
    let tomorrow = today + Days::new(1);
    let if_already_sent = picked
        .iter()
        .map(|(p, _)| (p.peer.clone(), nudge_at(p, prefs, Some(tomorrow), now)))
        .collect();
    let headsups_after_send = daily
        .iter()
        .map(|h| (h.number, Stage::ThreeDays, h.next_moment(Stage::ThreeDays)))
        .collect();
    let tomorrow_window = prefs.next_working_instant(local_midnight(tomorrow, prefs.tz));
    let headsups_if_already_sent = daily
        .iter()
        .map(|h| {
            if tomorrow_window < h.room_at - Stage::OneDay.lead() {
                (h.number, h.stage, tomorrow_window)
            } else {
                (h.number, Stage::ThreeDays, h.next_moment(Stage::ThreeDays))
            }
        })
        .collect();
    OwnerPlan::Nudge(NudgePlan {
        notice: Box::new(Notice::CheckinNudge {
            day: today,
            items,
            headsups: daily.iter().map(|h| headsup_item(h, prefs, now)).collect(),
        }),
        key: today.to_string(),
        after_send,
        if_already_sent,
        headsups_after_send,
        headsups_if_already_sent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Cadence;
    use chrono::NaiveDate;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn peer(id: &str, last: &str) -> Peer {
        Peer {
            peer: UserId::parse(id).unwrap(),
            reason: None,
            cadence: Cadence::Weeks(1),
            added_on: d("2026-10-01"),
            last_contact: Some(d(last)),
            snoozed_until: None,
        }
    }
    fn london() -> DeliveryPrefs {
        DeliveryPrefs {
            tz: "Europe/London".parse().unwrap(),
            ..DeliveryPrefs::default()
        }
    }

    #[test]
    fn every_due_peer_goes_into_one_bundle_and_comes_back_three_days_later() {
        let now = utc("2026-11-23T09:00:00Z"); // Monday 09:00 London
        let peers = vec![
            (peer("U2", "2026-11-16"), utc("2026-11-23T09:00:00Z")),
            (peer("U3", "2026-11-02"), utc("2026-11-26T09:00:00Z")), // overdue, nudged before
            (peer("U4", "2026-11-20"), utc("2026-11-27T09:00:00Z")), // not due
        ];
        let OwnerPlan::Nudge(NudgePlan {
            notice,
            key,
            after_send,
            ..
        }) = plan_owner(&peers, &[], &london(), now)
        else {
            panic!("expected a nudge")
        };
        let Notice::CheckinNudge { items, .. } = *notice else {
            panic!("expected a check-in nudge")
        };
        assert_eq!(key, "2026-11-23");
        let who: Vec<&str> = items.iter().map(|i| i.peer.as_str()).collect();
        assert_eq!(
            who,
            vec!["U3", "U2"],
            "coldest first, the not-due peer left out"
        );
        assert!(
            after_send
                .iter()
                .all(|(_, at)| *at == utc("2026-11-26T09:00:00Z"))
        );
    }

    #[test]
    fn outside_working_hours_nothing_is_sent_and_the_time_moves_to_the_next_window() {
        let now = utc("2026-11-28T10:00:00Z"); // Saturday
        let peers = vec![(peer("U2", "2026-11-16"), utc("2026-11-23T09:00:00Z"))];
        assert_eq!(
            plan_owner(&peers, &[], &london(), now),
            OwnerPlan::Wait {
                nudges: vec![(UserId::parse("U2").unwrap(), utc("2026-11-30T09:00:00Z"))]
            }
        );
    }

    #[test]
    fn a_peer_checked_in_since_is_not_nudged() {
        let now = utc("2026-11-23T09:00:00Z");
        let peers = vec![(peer("U2", "2026-11-22"), utc("2026-11-23T09:00:00Z"))];
        assert_eq!(
            plan_owner(&peers, &[], &london(), now),
            OwnerPlan::Wait {
                nudges: vec![(UserId::parse("U2").unwrap(), utc("2026-11-30T09:00:00Z"))]
            }
        );
    }
}
