//! A peer who left the workspace: each owner who had them on their map is told once, inside
//! working hours, and offered a successor. The departed peer is never nudged about again (they
//! left every map when Slack said so).

use super::super::{BATCH, Pass};
use crate::outbound::Notice;
use crate::store::StoreError;

pub(in crate::scheduler) async fn run(p: &Pass<'_>) -> Result<(), StoreError> {
    let (store, now, dry_run) = (&p.s.store, p.now, p.dry_run);
    for (owner, gone) in store.departures_to_tell(now, BATCH).await? {
        let prefs = store.ensure_profile(&owner, now).await?.prefs();
        if !prefs.is_working(now) {
            if !dry_run {
                store
                    .set_departure_tell(&owner, &gone.peer, Some(prefs.next_working_instant(now)))
                    .await?;
            }
            continue;
        }
        let notice = Notice::PeerLeft {
            peer: gone.peer.clone(),
            reason: gone.reason.clone(),
            cadence: gone.cadence.to_string(),
        };
        if let Some(job) = p
            .record(&owner, notice, gone.peer.as_str(), &[], &[])
            .await?
        {
            p.queue(job).await;
        }
        if !dry_run {
            store.set_departure_tell(&owner, &gone.peer, None).await?;
        }
    }
    Ok(())
}
