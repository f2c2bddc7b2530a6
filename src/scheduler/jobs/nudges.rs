//! The day's check-in nudges: owners with a peer whose nudge time has come, read a batch at a
//! time with one query per kind of row, planned with the pure [`plan_owner`], claimed in one
//! transaction per batch and queued, so sending starts while later batches are planned.

use super::super::plan::{OwnerPlan, plan_owner};
use super::super::{BATCH, Job, LEASE, MAX_ROUNDS, Pass};
use crate::domain::{Owner, UserId};
use crate::outbound::{Notice, milestone_first};
use crate::store::{DeliveryClaim, StoreError};
use chrono::NaiveDate;

/// `daily_owners`: owners whose 3-day heads-up reminder rides in today's DM.
pub(in crate::scheduler) async fn run(
    p: &Pass<'_>,
    mut daily_owners: Vec<Owner>,
) -> Result<(), StoreError> {
    let (store, now, dry_run) = (&p.s.store, p.now, p.dry_run);
    daily_owners.sort();
    daily_owners.dedup();
    // A dry run moves nothing, so it pages through due owners by id instead.
    let mut after: Option<Owner> = None;
    for _ in 0..MAX_ROUNDS {
        let mut owners = if dry_run {
            store.owners_due_after(now, after.as_ref(), BATCH).await?
        } else {
            store.owners_due(now, BATCH).await?
        };
        if dry_run {
            after = owners.iter().max().cloned();
        }
        if !daily_owners.is_empty() {
            owners.append(&mut daily_owners);
            owners.sort();
            owners.dedup();
        }
        if owners.is_empty() {
            break;
        }
        plan_batch(p, &owners).await?;
        if dry_run && after.is_none() {
            break;
        }
        // Otherwise every planned owner's due peers moved past `now`, so the next query sees
        // new rows.
    }
    Ok(())
}

/// Gathers a batch of due owners (one query per kind of row), plans each with the pure
/// [`plan::plan_owner`], records the batch's nudges in one transaction and queues them.
async fn plan_batch(p: &Pass<'_>, owners: &[Owner]) -> Result<(), StoreError> {
    let (store, now, dry_run) = (&p.s.store, p.now, p.dry_run);
    let mut batch = store.due_batch(owners).await?;
    let mut waits = Vec::new();
    let mut nudges = Vec::new();
    for owner in owners {
        let profile = match batch.profiles.remove(owner) {
            Some(p) => p,
            None => store.ensure_profile(owner, now).await?,
        };
        let peers = batch.peers.remove(owner).unwrap_or_default();
        let headsups = if batch.with_headsups.contains(owner) {
            store.open_headsups(owner).await?
        } else {
            Vec::new()
        };
        match plan_owner(&peers, &headsups, &profile.prefs(), now) {
            OwnerPlan::Wait { nudges } => waits.push((owner.clone(), nudges)),
            OwnerPlan::Nudge(plan) => nudges.push((owner.clone(), plan)),
        }
    }
    if !dry_run {
        store.set_nudges_many(&waits, now).await?;
    }
    let nudged: Vec<Owner> = nudges.iter().map(|(o, _)| o.clone()).collect();
    let mut signals = store.signals_for(&nudged).await?;
    let days: Vec<(Owner, NaiveDate, Vec<UserId>)> = nudges
        .iter()
        .filter_map(|(o, n)| match n.notice.as_ref() {
            Notice::CheckinNudge { day, items, .. } if !items.is_empty() => Some((
                o.clone(),
                *day,
                items.iter().map(|i| i.peer.clone()).collect(),
            )),
            _ => None,
        })
        .collect();
    // A series that has run about three months is put to its owner instead (SPEC §5).
    let mut reviews = store.reviews_due(&days).await?;
    let mut reviewed: Vec<Vec<UserId>> = Vec::with_capacity(nudges.len());
    for (owner, n) in nudges.iter_mut() {
        let mut asked = Vec::new();
        if let Notice::CheckinNudge { items, day, .. } = n.notice.as_mut() {
            let mut mine = signals.remove(owner).unwrap_or_default();
            let mut due_reviews = reviews.remove(owner).unwrap_or_default();
            for item in items.iter_mut() {
                item.signals = mine.remove(&item.peer).unwrap_or_default();
                item.review = due_reviews.remove(&item.peer);
                if item.review.is_some() {
                    asked.push(item.peer.clone());
                }
            }
            // A cooling or cold relationship near its milestone comes first (SPEC §2).
            items.sort_by_key(|i| !milestone_first(i, *day));
        }
        reviewed.push(asked);
    }
    if dry_run {
        for (owner, n) in nudges {
            p.record(&owner, *n.notice, &n.key, &[], &[]).await?;
        }
        return Ok(());
    }
    let payloads = nudges
        .iter()
        .map(|(_, n)| serde_json::to_string(&*n.notice))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let claims: Vec<DeliveryClaim> = nudges
        .iter()
        .zip(&payloads)
        .zip(&reviewed)
        .map(|(((owner, n), payload), asked)| DeliveryClaim {
            owner,
            kind: n.notice.kind(),
            key: &n.key,
            payload,
            nudges: &n.after_send,
            headsups: &n.headsups_after_send,
            reviews: match n.notice.as_ref() {
                Notice::CheckinNudge { day, .. } if !asked.is_empty() => Some((*day, asked)),
                _ => None,
            },
        })
        .collect();
    let ids = store.claim_deliveries(&claims, now, now + LEASE).await?;
    drop(claims);
    for ((owner, n), id) in nudges.into_iter().zip(ids) {
        match id {
            Some(id) => {
                let job = Job {
                    id,
                    owner,
                    notice: *n.notice,
                    attempts: 1,
                    unsure_since: None,
                };
                p.queue(job).await;
            }
            // Today's nudge had already gone out (the one-a-day rule).
            None => {
                store
                    .move_due_nudges(&owner, &n.if_already_sent, now)
                    .await?;
                store
                    .set_headsup_stages(&owner, &n.headsups_if_already_sent)
                    .await?;
            }
        }
    }
    Ok(())
}
