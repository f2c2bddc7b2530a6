//! Pieces of work together at the end of a period: the owner gets one DM to look back, inside
//! their working hours; the peer gets one short note naming the owner and the topic, inside
//! theirs (from their own Sideways settings if they have any, else their Slack time zone with the
//! default hours). Each is recorded under its own outbox key per period, so neither comes twice.

use super::super::{BATCH, Pass, recipient_prefs};
use crate::domain::{Owner, TogetherStatus, together_end, together_peer_key};
use crate::outbound::Notice;
use crate::store::{Side, StoreError};
use chrono::TimeDelta;

/// How long to wait before asking again when Slack cannot say where the peer is.
const ZONE_RETRY: TimeDelta = TimeDelta::minutes(15);

pub(in crate::scheduler) async fn run(p: &Pass<'_>) -> Result<(), StoreError> {
    let (store, now, dry_run) = (&p.s.store, p.now, p.dry_run);
    for due in store.togethers_due(now, BATCH).await? {
        let (owner, item) = (&due.owner, &due.item);
        if due.owner_due {
            let prefs = store.ensure_profile(owner, now).await?.prefs();
            if !prefs.is_working(now) {
                if !dry_run {
                    let at = Some(prefs.next_working_instant(now));
                    store
                        .set_together_notice(owner, item.number, Side::Owner, at)
                        .await?;
                }
            } else {
                let notice = Notice::TogetherEnded {
                    number: item.number,
                    peer: item.peer.clone(),
                    topic: item.topic.clone(),
                    weeks: item.weeks,
                };
                let key = format!("{}:{}", item.number, item.period);
                if let Some(job) = p.record(owner, notice, &key, &[], &[]).await? {
                    p.queue(job).await;
                }
                if !dry_run {
                    store
                        .set_together_notice(owner, item.number, Side::Owner, None)
                        .await?;
                }
            }
        }
        if due.peer_due {
            let peer = Owner::new(owner.team.clone(), item.peer.clone());
            let wait = match recipient_prefs(p.s, &peer, now).await? {
                None => Some(now + ZONE_RETRY),
                Some(prefs) if !prefs.is_working(now) => Some(prefs.next_working_instant(now)),
                Some(_) => None,
            };
            if let Some(at) = wait {
                if !dry_run {
                    store
                        .set_together_notice(owner, item.number, Side::Peer, Some(at))
                        .await?;
                }
                continue;
            }
            // The owner and the topic: nothing else of the owner's reaches the peer.
            let notice = Notice::TogetherPeer {
                owner: owner.user.clone(),
                topic: item.topic.clone(),
            };
            let key = together_peer_key(&owner.user, item.number, due.peer_period);
            if let Some(job) = p.record(&peer, notice, &key, &[], &[]).await? {
                p.queue(job).await;
            }
            if !dry_run {
                // The owner kept going before the peer's hours came: the next period's note
                // follows at that period's end.
                let next = if item.status == TogetherStatus::Open && item.period > due.peer_period {
                    let prefs = store.ensure_profile(owner, now).await?.prefs();
                    Some((together_end(item.ends_on, &prefs), item.period))
                } else {
                    None
                };
                store.peer_told(owner, item.number, next).await?;
            }
        }
    }
    Ok(())
}
