//! Published context that has grown old: its owner is asked, once and inside working hours,
//! to refresh or clear it.

use super::super::{BATCH, Pass};
use crate::outbound::Notice;
use crate::store::StoreError;

/// Published context that has grown old: its owner is asked, once and inside working hours, to
/// refresh or clear it.
pub(in crate::scheduler) async fn run(p: &Pass<'_>) -> Result<(), StoreError> {
    let (store, now, dry_run) = (&p.s.store, p.now, p.dry_run);
    for (owner, set_at) in store.contexts_to_refresh(now, BATCH).await? {
        let prefs = store.ensure_profile(&owner, now).await?.prefs();
        if !prefs.is_working(now) {
            if !dry_run {
                store
                    .set_context_refresh(&owner, set_at, Some(prefs.next_working_instant(now)))
                    .await?;
            }
            continue;
        }
        let Some(ctx) = store
            .contexts_of(&owner.team, std::slice::from_ref(&owner.user))
            .await?
            .into_iter()
            .next()
        else {
            continue;
        };
        let notice = Notice::ContextStale {
            text: ctx.text,
            days: (now - set_at).num_days(),
        };
        let key = set_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        if let Some(job) = p.record(&owner, notice, &key, &[], &[]).await? {
            p.queue(job).await;
        }
        if !dry_run {
            store.set_context_refresh(&owner, set_at, None).await?;
        }
    }
    Ok(())
}
