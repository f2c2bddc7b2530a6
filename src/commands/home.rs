//! The user's App Home: where every relationship stands, what is due this week, untold
//! heads-ups and open offers. Built from the viewer's own rows only.

use super::fmt_day;
use super::map::peer_line;
use crate::domain::{Owner, UserId};
use crate::messenger::{Home, HomePeer};
use crate::scheduler::plan::headsup_item;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Days, Utc};

/// The home `owner` sees at `now`.
pub async fn home(store: &Store, owner: &Owner, now: DateTime<Utc>) -> Result<Home, StoreError> {
    let prefs = store.ensure_profile(owner, now).await?.prefs();
    let today = prefs.local_date(now);
    let week_end = today + Days::new(7);
    let mut peers = store.peers_of(owner).await?;
    peers.sort_by_key(|p| p.urgency_key(today));
    let record = store.heard_first_record(owner).await?;
    let mut offers: Vec<(UserId, String)> = Vec::new();
    let mut lines = Vec::with_capacity(peers.len());
    for p in &peers {
        if let Some(offer) = store.checkin_signals(owner, &p.peer).await?.open_offer {
            offers.push((p.peer.clone(), offer));
        }
        let due_this_week = !p.is_snoozed(today) && p.next_due() < week_end;
        let mut line = peer_line(p, today, record.get(&p.peer).copied());
        if due_this_week && p.next_due() >= today {
            line.push_str(&format!(" · due {}", fmt_day(p.next_due(), today)));
        }
        lines.push(HomePeer {
            peer: p.peer.clone(),
            line,
            due_this_week,
        });
    }
    let headsups = store
        .open_headsups(owner)
        .await?
        .iter()
        .filter(|h| h.room_at > now && h.untold().next().is_some())
        .map(|h| headsup_item(h, &prefs, now))
        .collect();
    Ok(Home {
        peers: lines,
        headsups,
        offers,
    })
}
