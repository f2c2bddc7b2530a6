//! Messages recorded earlier whose retry time has come (after a 429, a passing failure, or a
//! sender that died holding its lease): leased again and queued, all of them, batch by batch.
//! One whose earlier attempt may have reached Slack is queued to be looked for in Slack first.

use super::super::{BATCH, Job, LEASE, Pass};
use crate::outbound::Notice;
use crate::store::StoreError;

pub(in crate::scheduler) async fn run(p: &Pass<'_>) -> Result<(), StoreError> {
    let (store, now, dry_run) = (&p.s.store, p.now, p.dry_run);
    // Leased retries move past `now`, so each query sees the next ones.
    loop {
        if dry_run {
            break;
        }
        let due = store.deliveries_to_retry(now, BATCH).await?;
        if due.is_empty() {
            break;
        }
        for d in due {
            let Some(unsure) = store.lease_retry(d.id, now, now + LEASE).await? else {
                continue;
            };
            match serde_json::from_str::<Notice>(&d.payload) {
                Ok(notice) => {
                    p.queue(Job {
                        id: d.id,
                        owner: d.owner,
                        notice,
                        attempts: d.attempts + 1,
                        unsure_since: unsure.then_some(d.created_at),
                    })
                    .await
                }
                Err(e) => {
                    store
                        .mark_failed(d.id, &format!("unreadable payload: {e}"))
                        .await?
                }
            }
        }
    }
    Ok(())
}
