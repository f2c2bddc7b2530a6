//! Heads-ups whose next look is due: urgent reminders and after-room questions go out on their
//! own; a due 3-day reminder joins its owner's daily DM (the owners are returned for that).

use super::super::{BATCH, Pass};
use crate::domain::{Owner, Stage, Step};
use crate::outbound::Notice;
use crate::store::StoreError;
use crate::views::headsup_item;

/// Returns the owners whose daily DM should carry a 3-day reminder.
pub(in crate::scheduler) async fn run(p: &Pass<'_>) -> Result<Vec<Owner>, StoreError> {
    let (store, now, dry_run) = (&p.s.store, p.now, p.dry_run);
    let mut daily_owners = Vec::new();
    for (owner, h) in store.headsups_due(now, BATCH).await? {
        let prefs = store.ensure_profile(&owner, now).await?.prefs();
        let (notice, key, update) = match h.step(&prefs, now) {
            Step::Daily => {
                daily_owners.push(owner);
                continue;
            }
            Step::Wait { stage, next } => {
                if !dry_run {
                    store
                        .set_headsup_stages(&owner, &[(h.number, stage, next)])
                        .await?;
                }
                continue;
            }
            Step::Finished => {
                if !dry_run {
                    store
                        .set_headsup_stages(&owner, &[(h.number, Stage::After, now)])
                        .await?;
                }
                continue;
            }
            Step::Urgent(stage) => (
                Notice::HeadsupReminder {
                    item: headsup_item(&h, &prefs, now),
                    stage,
                },
                format!("{}:{}", h.number, stage.as_str()),
                (h.number, stage, h.next_moment(stage)),
            ),
            Step::After => (
                Notice::HeadsupAfter {
                    item: headsup_item(&h, &prefs, now),
                    told: h
                        .peers
                        .iter()
                        .filter(|p| p.told_at.is_some())
                        .map(|p| p.peer.clone())
                        .collect(),
                },
                h.number.to_string(),
                (h.number, Stage::After, now),
            ),
        };
        if let Some(job) = p.record(&owner, notice, &key, &[], &[update]).await? {
            p.queue(job).await;
        } else if !dry_run {
            store.set_headsup_stages(&owner, &[update]).await?;
        }
    }
    Ok(daily_owners)
}
