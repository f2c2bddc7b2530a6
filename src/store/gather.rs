//! Reads that several callers assemble the same way: App Home's rows, a meeting's digest and a
//! member's prep. Each kind of row is one query, whatever the number of peers.

use super::{Result, Store};
use crate::domain::{
    Credit, DeliveryPrefs, DigestBody, Headsup, HomeData, Meeting, Owner, PrepData, Published,
    UserId, digest_body, prep_body,
};
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// What a member's prep DM is made of.
pub struct PrepInputs {
    pub body: DigestBody,
    pub headsups: Vec<Headsup>,
    pub prefs: DeliveryPrefs,
}

impl Store {
    /// App Home's rows for `owner`: profile, peers, heard-first record, check-in signals and
    /// open heads-ups (five queries).
    pub async fn home_data(&self, owner: &Owner, now: DateTime<Utc>) -> Result<HomeData> {
        let prefs = self.ensure_profile(owner, now).await?.prefs();
        Ok(HomeData {
            prefs,
            peers: self.peers_of(owner).await?,
            heard_first: self.heard_first_record(owner).await?,
            signals: self
                .signals_for(std::slice::from_ref(owner))
                .await?
                .remove(owner)
                .unwrap_or_default(),
            headsups: self.open_headsups(owner).await?,
            loans: self.open_loans(owner).await?,
            escalations: self.escalations_of(owner).await?,
            viewer: owner.user.clone(),
        })
    }

    /// Everything prep shows about `peer`, or `None` when they are not on `owner`'s map: one
    /// query per kind of row (peer, notes, check-ins, offers, milestone, context, heads-ups).
    pub async fn prep_data(
        &self,
        owner: &Owner,
        peer: &UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<PrepData>> {
        let Some(p) = self.peer(owner, peer).await? else {
            return Ok(None);
        };
        let prefs = self.ensure_profile(owner, now).await?.prefs();
        let signals = self
            .signals_for(std::slice::from_ref(owner))
            .await?
            .remove(owner)
            .and_then(|mut m| m.remove(peer))
            .unwrap_or_default();
        let untold = self
            .open_headsups(owner)
            .await?
            .into_iter()
            .filter(|h| h.room_at > now && h.untold().any(|n| &n.peer == peer))
            .collect();
        Ok(Some(PrepData {
            prefs,
            notes: self.notes(owner, peer).await?,
            checkins: self.last_checkins(owner, peer, 2).await?,
            signals,
            context: self
                .contexts_of(&owner.team, std::slice::from_ref(peer))
                .await?
                .into_iter()
                .next(),
            untold,
            heard_first: self.heard_first_record(owner).await?.get(peer).copied(),
            loans: self
                .open_loans(owner)
                .await?
                .into_iter()
                .filter(|t| &t.peer == peer)
                .collect(),
            together: self
                .open_togethers(owner)
                .await?
                .into_iter()
                .filter(|t| &t.peer == peer)
                .collect(),
            peer: p,
        }))
    }

    /// The digest the meeting's channel would get at `now`, given its members.
    pub async fn digest_for(
        &self,
        m: &Meeting,
        members: &[UserId],
        now: DateTime<Utc>,
    ) -> Result<DigestBody> {
        let since = m.credits_since();
        let credits: Vec<Credit> = self.credits_between(&m.team, since, now).await?;
        let contexts: Vec<Published> = self.contexts_of(&m.team, members).await?;
        let members: HashSet<UserId> = members.iter().cloned().collect();
        Ok(digest_body(&credits, &contexts, &members, since, now))
    }

    /// One member's prep: their peers' context and credits from the digest, plus their
    /// heads-ups that still have untold peers and reach the room by `room_by`. `None` when
    /// there is nothing to prepare.
    pub async fn prep_for(
        &self,
        member: &Owner,
        digest: &DigestBody,
        room_by: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<PrepInputs>> {
        let peers: Vec<UserId> = self
            .peers_of(member)
            .await?
            .into_iter()
            .map(|p| p.peer)
            .collect();
        let peer_contexts = self.contexts_of(&member.team, &peers).await?;
        let peers: HashSet<UserId> = peers.into_iter().collect();
        let body = prep_body(digest, &member.user, &peers, &peer_contexts);
        let headsups: Vec<Headsup> = self
            .open_headsups(member)
            .await?
            .into_iter()
            .filter(|h| h.room_at > now && h.room_at <= room_by && h.untold().next().is_some())
            .collect();
        if body.is_empty() && headsups.is_empty() {
            return Ok(None);
        }
        let prefs = self.ensure_profile(member, now).await?.prefs();
        Ok(Some(PrepInputs {
            body,
            headsups,
            prefs,
        }))
    }
}
