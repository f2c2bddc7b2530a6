//! The user's App Home: where every relationship stands, what is due this week, untold
//! heads-ups and open offers. Built from the viewer's own rows only, gathered by the store with
//! one query per kind of row ([`crate::domain::HomeData`]).

use super::{fmt_day, headsup_item, peer_line};
use crate::domain::{EscalationState, HomeData};
use crate::outbound::{Home, HomePeer, escalation_status, milestone_line};
use chrono::{DateTime, Days, Utc};

/// The home the owner of `data` sees at `now`.
pub fn home(data: &HomeData, now: DateTime<Utc>) -> Home {
    let prefs = &data.prefs;
    let today = prefs.local_date(now);
    let week_end = today + Days::new(7);
    let mut peers: Vec<_> = data.peers.iter().collect();
    let milestone =
        |p: &crate::domain::Peer| data.signals.get(&p.peer).and_then(|s| s.milestone.as_ref());
    // A cooling or cold relationship near its milestone comes first (SPEC §2).
    peers.sort_by_key(|p| {
        let at_risk = milestone(p).is_some_and(|m| m.at_risk(p.warmth(today), today));
        (!at_risk, p.urgency_key(today))
    });
    let mut offers = Vec::new();
    let mut lines = Vec::with_capacity(peers.len());
    for p in peers {
        if let Some(s) = data.signals.get(&p.peer) {
            offers.extend(s.offers.iter().map(|o| (p.peer.clone(), o.clone())));
        }
        let due_this_week = !p.is_snoozed(today) && p.next_due() < week_end;
        let mut line = peer_line(p, today, data.heard_first.get(&p.peer).copied());
        if due_this_week && p.next_due() >= today {
            line.push_str(&format!(" · due {}", fmt_day(p.next_due(), today)));
        }
        if let Some(m) = milestone(p).and_then(|m| milestone_line(m, p.warmth(today), today)) {
            line.push('\n');
            line.push_str(&m);
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
        .map(|t| super::loan_item(t, today))
        .collect();
    let escalations = data
        .escalations
        .iter()
        .filter(|d| d.state == EscalationState::Open)
        .map(|d| escalation_status(d, &data.viewer))
        .collect();
    Home {
        peers: lines,
        headsups,
        offers,
        loans,
        escalations,
    }
}
