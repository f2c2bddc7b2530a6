//! Leadership meetings whose digest is due: one post to each meeting's channel, and a prep DM
//! to each member who uses Sideways and has something to prepare.

use super::super::{BATCH, Pass, SEND_TIMEOUT};
use crate::domain::Owner;
use crate::outbound::{Notice, SendError};
use crate::store::StoreError;
use crate::views::{headsup_item, room_label};

/// Digests whose time has come: one post to each meeting's channel, and a prep DM to each
/// member who uses Sideways and has something to prepare. Each is recorded under a key naming
/// the meeting and the occurrence's wall time, so a restart or a repeated hour cannot send it
/// twice; the meeting then moves on to its next occurrence.
pub(in crate::scheduler) async fn run(p: &Pass<'_>) -> Result<(), StoreError> {
    let (store, now, dry_run) = (&p.s.store, p.now, p.dry_run);
    for mut m in store.meetings_due(now, BATCH).await? {
        if m.starts_at(m.next.occurrence) <= now {
            // The meeting already started (the bot was down through the lead time).
            tracing::warn!(team = %m.team, meeting = m.number, at = %now, "missed a digest: the meeting had started");
            let Some(upcoming) = m.following(now) else {
                continue;
            };
            if !dry_run {
                store.advance_meeting(&m, upcoming, None).await?;
            }
            if upcoming.digest_at > now {
                continue;
            }
            // The next occurrence's digest is due already: this pass sends it.
            m.next = upcoming;
        }
        let next = m.following(now);
        let starts = m.starts_at(m.next.occurrence);
        let ask = p.s.messenger.channel_members(&m.team, &m.channel);
        let members = match tokio::time::timeout(SEND_TIMEOUT, ask).await {
            Ok(Ok(members)) => members,
            Ok(Err(SendError::Rejected(e))) => {
                tracing::error!(team = %m.team, meeting = m.number, error = %e,
                    "cannot read the meeting's channel; skipping this digest");
                if !dry_run && let Some(next) = next {
                    store.advance_meeting(&m, next, None).await?;
                }
                continue;
            }
            Ok(Err(e)) => {
                tracing::warn!(team = %m.team, meeting = m.number, error = %e, "channel members unavailable; will retry");
                continue;
            }
            Err(_) => {
                tracing::warn!(team = %m.team, meeting = m.number, "channel members timed out; will retry");
                continue;
            }
        };
        let body = store.digest_for(&m, &members, now).await?;
        let key = m.next.key(m.number);
        let room = room_label(&m, m.next.occurrence, now);
        let adder = Owner::new(m.team.clone(), m.added_by.clone());
        let notice = Notice::Digest {
            channel: m.channel.clone(),
            meeting: m.label(),
            room: room.clone(),
            body: body.clone(),
            as_of: now,
        };
        if let Some(job) = p.record(&adder, notice, &key, &[], &[]).await? {
            p.queue(job).await;
        }
        // Heads-ups count for this meeting if their room is before the next one starts.
        let room_by = next.map(|n| m.starts_at(n.occurrence)).unwrap_or(starts);
        for user in store.users_among(&m.team, &members).await? {
            let member = Owner::new(m.team.clone(), user);
            let Some(prep) = store.prep_for(&member, &body, room_by, now).await? else {
                continue;
            };
            let headsups = prep
                .headsups
                .iter()
                .map(|h| headsup_item(h, &prep.prefs, now))
                .collect();
            let notice = Notice::MeetingPrep {
                channel: m.channel.clone(),
                meeting: m.label(),
                room: room.clone(),
                body: prep.body,
                headsups,
                as_of: now,
            };
            if let Some(job) = p.record(&member, notice, &key, &[], &[]).await? {
                p.queue(job).await;
            }
        }
        if !dry_run && let Some(next) = next {
            store.advance_meeting(&m, next, Some(now)).await?;
        }
    }
    Ok(())
}
