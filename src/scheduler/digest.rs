//! Assembling a meeting's digest and its members' prep DMs from the store. What may go in is
//! decided by the pure [`crate::domain::digest_body`] / [`crate::domain::prep_body`]; this
//! module only fetches their inputs, so the scheduler and `/peer meeting preview` show the
//! same thing.

use crate::domain::{
    Credit, DigestBody, Meeting, Owner, Published, UserId, digest_body, prep_body,
};
use crate::messenger::HeadsupItem;
use crate::store::{Store, StoreError};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use std::collections::HashSet;

/// A meeting's first digest names credits given up to this long before the meeting was added.
const FIRST_LOOKBACK: TimeDelta = TimeDelta::days(14);

/// `Mon 23 Nov 09:30 (Europe/London)`: an occurrence in the meeting's own zone.
pub fn room_label(m: &Meeting, occurrence: NaiveDateTime) -> String {
    format!("{} ({})", occurrence.format("%a %-d %b %H:%M"), m.tz.name())
}

/// Where the credit window of the next digest starts.
pub fn credits_since(m: &Meeting) -> DateTime<Utc> {
    m.last_digest_at.unwrap_or(m.created_at - FIRST_LOOKBACK)
}

/// The digest the meeting's channel would get at `now`, given its members.
pub async fn digest(
    store: &Store,
    m: &Meeting,
    members: &[UserId],
    now: DateTime<Utc>,
) -> Result<DigestBody, StoreError> {
    let credits: Vec<Credit> = store
        .credits_between(&m.team, credits_since(m), now)
        .await?;
    let contexts: Vec<Published> = store.contexts_of(&m.team, members).await?;
    let members: HashSet<UserId> = members.iter().cloned().collect();
    Ok(digest_body(
        &credits,
        &contexts,
        &members,
        credits_since(m),
        now,
    ))
}

/// One member's prep: their peers' context and credits from the digest, plus their heads-ups
/// that still have untold peers and reach the room by `room_by` (this meeting, or before the
/// next one). `None` when there is nothing to prepare.
pub async fn prep(
    store: &Store,
    member: &Owner,
    digest: &DigestBody,
    room_by: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<(DigestBody, Vec<HeadsupItem>)>, StoreError> {
    let peers: Vec<UserId> = store
        .peers_of(member)
        .await?
        .into_iter()
        .map(|p| p.peer)
        .collect();
    let peer_contexts = store.contexts_of(&member.team, &peers).await?;
    let peers: HashSet<UserId> = peers.into_iter().collect();
    let body = prep_body(digest, &member.user, &peers, &peer_contexts);
    let prefs = store.ensure_profile(member, now).await?.prefs();
    let headsups: Vec<HeadsupItem> = store
        .open_headsups(member)
        .await?
        .iter()
        .filter(|h| h.room_at > now && h.room_at <= room_by && h.untold().next().is_some())
        .map(|h| super::plan::headsup_item(h, &prefs, now))
        .collect();
    if body.is_empty() && headsups.is_empty() {
        return Ok(None);
    }
    Ok(Some((body, headsups)))
}
