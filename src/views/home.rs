//! The user's App Home: where every relationship stands, what is due this week, untold
//! heads-ups and open offers. Built from the viewer's own rows only, gathered by the store with
//! one query per kind of row ([`crate::domain::HomeData`]).

use super::{fmt_day, headsup_item, peer_line};
use crate::domain::{Direction, HomeData};
use crate::outbound::{Home, HomePeer, escape_mrkdwn};
use chrono::{DateTime, Days, Utc};

/// The home the owner of `data` sees at `now`.
pub fn home(data: &HomeData, now: DateTime<Utc>) -> Home {
    let prefs = &data.prefs;
    let today = prefs.local_date(now);
    let week_end = today + Days::new(7);
    let mut peers: Vec<_> = data.peers.iter().collect();
    peers.sort_by_key(|p| p.urgency_key(today));
    let mut offers = Vec::new();
    let mut lines = Vec::with_capacity(peers.len());
    for p in peers {
        if let Some(offer) = data.signals.get(&p.peer).and_then(|s| s.open_offer.clone()) {
            offers.push((p.peer.clone(), offer));
        }
        let due_this_week = !p.is_snoozed(today) && p.next_due() < week_end;
        let mut line = peer_line(p, today, data.heard_first.get(&p.peer).copied());
        if due_this_week && p.next_due() >= today {
            line.push_str(&format!(" · due {}", fmt_day(p.next_due(), today)));
        }
        lines.push(HomePeer {
            peer: p.peer.clone(),
            line,
            due_this_week,
        });
    }
    let headsups = data
        .headsups
        .iter()
        .filter(|h| h.room_at > now && h.untold().next().is_some())
        .map(|h| headsup_item(h, prefs, now))
        .collect();
    let loans = data
        .loans
        .iter()
        .map(|t| {
            let who = t.peer.mention();
            let what = match t.direction {
                Direction::Gave => format!("you lent {who}'s team"),
                Direction::Got => format!("you borrowed from {who}'s team"),
            };
            let due = t.back_by.map(|d| fmt_day(d, today)).unwrap_or_default();
            let overdue = if t.is_overdue(today) {
                " :warning: overdue"
            } else {
                ""
            };
            format!(
                "#{} {what} “{}”, back by {due}{overdue}",
                t.number,
                escape_mrkdwn(&t.text)
            )
        })
        .collect();
    Home {
        peers: lines,
        headsups,
        offers,
        loans,
    }
}
