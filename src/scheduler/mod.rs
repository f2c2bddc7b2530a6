//! The scheduler: one idempotent pass, [`tick`], run every 30 seconds by `serve`, once by
//! `sideways tick`, and on demand by the console and the tests.
//!
//! A pass (1) retries recorded messages whose retry time has come, then (2) finds owners with a
//! peer whose nudge time has come (through the `nudge_at` index, so its cost grows with what is
//! due, not with what is stored), plans each with the pure [`plan::plan_owner`], records the
//! message under its unique key *before* sending, and (3) sends with bounded concurrency.
//! Sending goes through the [`crate::outbound::Messenger`]; a 429 pauses that workspace for
//! `Retry-After` and puts its messages back, a passing failure is retried with back-off, and a
//! permanent refusal is kept as `failed` with its reason.

pub mod plan;

use crate::clock::Clock;
use crate::domain::UserId;
use crate::domain::{Owner, Stage, Step, TeamId};
use crate::outbound::{Messenger, Notice, SendError};
use crate::store::{DeliveryClaim, HeadsupUpdate, Store, StoreError};
use crate::views::{headsup_item, room_label};
use chrono::{DateTime, TimeDelta, Utc};
use futures::StreamExt;
use plan::OwnerPlan;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

/// Due peers read per query; a pass repeats the query until nothing is due.
const BATCH: i64 = 500;
/// Batches in one pass at most (a safety net: each batch moves its owners past `now`).
const MAX_ROUNDS: usize = 100_000;
/// Messages in flight at once (each DM is its own channel, so Slack's per-channel limit is not hit).
const CONCURRENCY: usize = 16;
/// How long a send may hold its lease before another pass assumes the sender died.
const LEASE: TimeDelta = TimeDelta::minutes(10);
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
const PERIOD: Duration = Duration::from_secs(30);
/// Claimed messages waiting for a sender at most; planning waits when it is full.
const QUEUE: usize = 256;

/// A message ready to send under a lease.
struct Job {
    id: i64,
    owner: Owner,
    notice: Notice,
    attempts: i64,
}

/// What a scheduler pass works with: the store, the one sending port and the clock. Never the
/// request-side services: the scheduler knows nothing of commands or of Slack.
#[derive(Clone)]
pub struct Scheduler {
    pub store: Store,
    pub messenger: Arc<dyn Messenger>,
    pub clock: Clock,
}

impl Scheduler {
    pub fn new(store: Store, messenger: Arc<dyn Messenger>, clock: Clock) -> Self {
        Scheduler {
            store,
            messenger,
            clock,
        }
    }

    /// One pass at `now` (see [`tick`]).
    pub async fn tick(&self, now: DateTime<Utc>, dry_run: bool) -> Result<Vec<String>, StoreError> {
        tick(self, now, dry_run).await
    }
}

/// Runs passes until `shutdown`: every 30 seconds, and sooner when a message waiting for a
/// retry (after a 429, say) is due before then. A pass in progress is finished first.
pub async fn run(state: Scheduler, shutdown: CancellationToken) {
    loop {
        let log = |l: String| tracing::info!("{l}");
        if let Err(e) = tick_into(&state, state.clock.now(), false, &log).await {
            tracing::error!(error = %e, "scheduler pass failed");
        }
        let wait = match state.store.next_retry_at().await {
            Ok(Some(at)) => (at - state.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .clamp(Duration::from_millis(200), PERIOD),
            _ => PERIOD,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.cancelled() => break,
        }
    }
}

/// Where a pass reports each message it sent (or, in a dry run, would send).
pub type Lines<'a> = &'a (dyn Fn(String) + Sync);

/// One pass at `now`. Returns one line per message sent (or, with `dry_run`, that would be
/// sent; a dry run writes nothing).
pub async fn tick(
    state: &Scheduler,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<Vec<String>, StoreError> {
    let lines = Mutex::new(Vec::new());
    let sink = |l: String| {
        if let Ok(mut v) = lines.lock() {
            v.push(l);
        }
    };
    tick_into(state, now, dry_run, &sink).await?;
    Ok(lines.into_inner().unwrap_or_default())
}

/// One pass at `now`, handing each line to `lines` as it happens (memory stays flat however
/// many messages a pass sends).
pub async fn tick_into(
    state: &Scheduler,
    now: DateTime<Utc>,
    dry_run: bool,
    lines: Lines<'_>,
) -> Result<(), StoreError> {
    // Jobs stream from planning to sending through a bounded channel: the first DM leaves
    // while later owners are still being planned, and memory stays flat however much is due.
    let (jobs, queued) = mpsc::channel::<Job>(QUEUE);
    let paused: Mutex<HashMap<TeamId, DateTime<Utc>>> = Mutex::default();
    let sending = async {
        let mut sent = ReceiverStream::new(queued)
            .map(|job| deliver(state, job, now, &paused))
            .buffer_unordered(CONCURRENCY);
        let mut result = Ok(());
        while let Some(r) = sent.next().await {
            match r {
                Ok(Some(l)) => lines(l),
                Ok(None) => {}
                Err(e) => {
                    if result.is_ok() {
                        result = Err(e);
                    }
                }
            }
        }
        result
    };
    let (planned, sent) = tokio::join!(plan_pass(state, now, dry_run, jobs, lines), sending);
    planned.and(sent)
}

/// Plans the pass and hands each claimed message to `jobs` as soon as it is recorded. Returns
/// the dry run's lines ("would send"); sent lines come from delivery.
async fn plan_pass(
    state: &Scheduler,
    now: DateTime<Utc>,
    dry_run: bool,
    jobs: mpsc::Sender<Job>,
    lines: Lines<'_>,
) -> Result<(), StoreError> {
    let store = &state.store;
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
            if !store.lease_retry(d.id, now, now + LEASE).await? {
                continue;
            }
            match serde_json::from_str::<Notice>(&d.payload) {
                Ok(notice) => {
                    queue(
                        &jobs,
                        Job {
                            id: d.id,
                            owner: d.owner,
                            notice,
                            attempts: d.attempts + 1,
                        },
                    )
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
    // Heads-ups whose next look is due: urgent reminders and after-room questions go out on
    // their own; a due 3-day reminder joins its owner's daily DM below.
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
        if let Some(job) = record(
            state,
            &owner,
            notice,
            &key,
            &[],
            &[update],
            dry_run,
            now,
            lines,
        )
        .await?
        {
            queue(&jobs, job).await;
        } else if !dry_run {
            store.set_headsup_stages(&owner, &[update]).await?;
        }
    }
    meetings(state, now, dry_run, &jobs, lines).await?;
    stale_contexts(state, now, dry_run, &jobs, lines).await?;
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
        plan_batch(state, &owners, now, dry_run, &jobs, lines).await?;
        if dry_run && after.is_none() {
            break;
        }
        // Otherwise every planned owner's due peers moved past `now`, so the next query sees
        // new rows.
    }
    Ok(())
}

/// One owner's bundled nudge, planned and waiting to be claimed.
struct PlannedNudge {
    owner: Owner,
    notice: Box<Notice>,
    key: String,
    after_send: Vec<(UserId, DateTime<Utc>)>,
    if_already_sent: Vec<(UserId, DateTime<Utc>)>,
    headsups_after_send: Vec<HeadsupUpdate>,
    headsups_if_already_sent: Vec<HeadsupUpdate>,
}

/// Gathers a batch of due owners (one query per kind of row), plans each with the pure
/// [`plan::plan_owner`], records the batch's nudges in one transaction and queues them.
async fn plan_batch(
    state: &Scheduler,
    owners: &[Owner],
    now: DateTime<Utc>,
    dry_run: bool,
    jobs: &mpsc::Sender<Job>,
    lines: Lines<'_>,
) -> Result<(), StoreError> {
    let store = &state.store;
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
        match plan::plan_owner(&peers, &headsups, &profile.prefs(), now) {
            OwnerPlan::Wait { nudges } => waits.push((owner.clone(), nudges)),
            OwnerPlan::Nudge {
                notice,
                key,
                after_send,
                if_already_sent,
                headsups_after_send,
                headsups_if_already_sent,
            } => nudges.push(PlannedNudge {
                owner: owner.clone(),
                notice,
                key,
                after_send,
                if_already_sent,
                headsups_after_send,
                headsups_if_already_sent,
            }),
        }
    }
    if !dry_run {
        store.set_nudges_many(&waits).await?;
    }
    let nudged: Vec<Owner> = nudges.iter().map(|n| n.owner.clone()).collect();
    let mut signals = store.signals_for(&nudged).await?;
    for n in nudges.iter_mut() {
        if let Notice::CheckinNudge { items, .. } = n.notice.as_mut() {
            let mut mine = signals.remove(&n.owner).unwrap_or_default();
            for item in items.iter_mut() {
                item.signals = mine.remove(&item.peer).unwrap_or_default();
            }
        }
    }
    if dry_run {
        for n in nudges {
            record(
                state,
                &n.owner,
                *n.notice,
                &n.key,
                &[],
                &[],
                true,
                now,
                lines,
            )
            .await?;
        }
        return Ok(());
    }
    let payloads = nudges
        .iter()
        .map(|n| serde_json::to_string(&*n.notice))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let claims: Vec<DeliveryClaim> = nudges
        .iter()
        .zip(&payloads)
        .map(|(n, payload)| DeliveryClaim {
            owner: &n.owner,
            kind: n.notice.kind(),
            key: &n.key,
            payload,
            nudges: &n.after_send,
            headsups: &n.headsups_after_send,
        })
        .collect();
    let ids = store.claim_deliveries(&claims, now, now + LEASE).await?;
    drop(claims);
    for (n, id) in nudges.into_iter().zip(ids) {
        match id {
            Some(id) => {
                let job = Job {
                    id,
                    owner: n.owner,
                    notice: *n.notice,
                    attempts: 1,
                };
                queue(jobs, job).await;
            }
            // Today's nudge had already gone out (the one-a-day rule).
            None => {
                store.set_nudges(&n.owner, &n.if_already_sent).await?;
                store
                    .set_headsup_stages(&n.owner, &n.headsups_if_already_sent)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Hands a claimed message to delivery (which only stops when the pass ends).
async fn queue(jobs: &mpsc::Sender<Job>, job: Job) {
    if jobs.send(job).await.is_err() {
        tracing::error!("delivery stopped before the pass ended; the message is retried later");
    }
}

/// Digests whose time has come: one post to each meeting's channel, and a prep DM to each
/// member who uses Sideways and has something to prepare. Each is recorded under a key naming
/// the meeting and the occurrence's wall time, so a restart or a repeated hour cannot send it
/// twice; the meeting then moves on to its next occurrence.
async fn meetings(
    state: &Scheduler,
    now: DateTime<Utc>,
    dry_run: bool,
    jobs: &mpsc::Sender<Job>,
    lines: Lines<'_>,
) -> Result<(), StoreError> {
    let store = &state.store;
    for m in store.meetings_due(now, BATCH).await? {
        let next = m.following(now);
        let starts = m.starts_at(m.next.occurrence);
        if starts <= now {
            // The meeting already started (the bot was down through the lead time).
            tracing::warn!(team = %m.team, meeting = m.number, "missed a digest: the meeting had started");
            if !dry_run && let Some(next) = next {
                store.advance_meeting(&m, next, None).await?;
            }
            continue;
        }
        let ask = state.messenger.channel_members(&m.team, &m.channel);
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
        let room = room_label(&m, m.next.occurrence);
        let adder = Owner::new(m.team.clone(), m.added_by.clone());
        let notice = Notice::Digest {
            channel: m.channel.clone(),
            meeting: m.label(),
            room: room.clone(),
            body: body.clone(),
            as_of: now,
        };
        if let Some(job) =
            record(state, &adder, notice, &key, &[], &[], dry_run, now, lines).await?
        {
            queue(jobs, job).await;
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
            if let Some(job) =
                record(state, &member, notice, &key, &[], &[], dry_run, now, lines).await?
            {
                queue(jobs, job).await;
            }
        }
        if !dry_run && let Some(next) = next {
            store.advance_meeting(&m, next, Some(now)).await?;
        }
    }
    Ok(())
}

/// Published context that has grown old: its owner is asked, once and inside working hours, to
/// refresh or clear it.
async fn stale_contexts(
    state: &Scheduler,
    now: DateTime<Utc>,
    dry_run: bool,
    jobs: &mpsc::Sender<Job>,
    lines: Lines<'_>,
) -> Result<(), StoreError> {
    let store = &state.store;
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
        if let Some(job) =
            record(state, &owner, notice, &key, &[], &[], dry_run, now, lines).await?
        {
            queue(jobs, job).await;
        }
        if !dry_run {
            store.set_context_refresh(&owner, set_at, None).await?;
        }
    }
    Ok(())
}

/// Records `notice` under its unique key (with the nudge and heads-up progress it carries) and
/// returns the job to send; `None` if it was already recorded. A dry run only prints.
#[allow(clippy::too_many_arguments)]
async fn record(
    state: &Scheduler,
    owner: &Owner,
    notice: Notice,
    key: &str,
    nudges: &[(crate::domain::UserId, DateTime<Utc>)],
    headsups: &[crate::store::HeadsupUpdate],
    dry_run: bool,
    now: DateTime<Utc>,
    lines: Lines<'_>,
) -> Result<Option<Job>, StoreError> {
    let store = &state.store;
    if dry_run {
        if !store.delivery_recorded(owner, notice.kind(), key).await? {
            lines(line(now, owner, &notice, "would send"));
        }
        return Ok(None);
    }
    let payload = serde_json::to_string(&notice).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let claim = DeliveryClaim {
        owner,
        kind: notice.kind(),
        key,
        payload: &payload,
        nudges,
        headsups,
    };
    Ok(store
        .claim_delivery(&claim, now, now + LEASE)
        .await?
        .map(|id| Job {
            id,
            owner: owner.clone(),
            notice,
            attempts: 1,
        }))
}

fn line(now: DateTime<Utc>, owner: &Owner, notice: &Notice, verb: &str) -> String {
    let to = match notice.channel() {
        Some(c) => format!("post to {}/#{c}", owner.team),
        None => format!("DM to {}/{}", owner.team, owner.user),
    };
    format!(
        "{} {verb} {to}: {}",
        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        notice.summary()
    )
}

/// Back-off for passing failures: 1, 2, 4 … minutes, at most an hour.
fn backoff(attempts: i64) -> TimeDelta {
    TimeDelta::minutes(1i64 << attempts.clamp(1, 7).saturating_sub(1)).min(TimeDelta::hours(1))
}

async fn deliver(
    state: &Scheduler,
    job: Job,
    now: DateTime<Utc>,
    paused: &Mutex<HashMap<TeamId, DateTime<Utc>>>,
) -> Result<Option<String>, StoreError> {
    let store = &state.store;
    let paused_until = paused
        .lock()
        .ok()
        .and_then(|p| p.get(&job.owner.team).copied());
    if let Some(until) = paused_until {
        store
            .mark_retry(job.id, "workspace rate limited", until)
            .await?;
        return Ok(None);
    }
    let outcome =
        match tokio::time::timeout(SEND_TIMEOUT, state.messenger.send(&job.owner, &job.notice))
            .await
        {
            Ok(r) => r,
            Err(_) => Err(SendError::Unavailable("timed out".into())),
        };
    match outcome {
        Ok(sent) => {
            store.mark_sent(job.id, now, sent.as_ref()).await?;
            Ok(Some(line(now, &job.owner, &job.notice, "sent")))
        }
        Err(SendError::RateLimited(wait)) => {
            // Retry-After counts from when the 429 arrived, not from the start of the pass.
            let until = state.clock.now().max(now)
                + TimeDelta::from_std(wait)
                    .unwrap_or(TimeDelta::minutes(1))
                    .max(TimeDelta::seconds(1));
            if let Ok(mut p) = paused.lock() {
                p.insert(job.owner.team.clone(), until);
            }
            tracing::warn!(team = %job.owner.team, ?wait, "Slack rate limit; pausing this workspace");
            store.mark_retry(job.id, "rate limited", until).await?;
            Ok(None)
        }
        Err(SendError::Unavailable(e)) => {
            let at = if job.notice.is_meeting_bound() {
                now + backoff(job.attempts)
            } else {
                let prefs = store.ensure_profile(&job.owner, now).await?.prefs();
                prefs.next_working_instant(now + backoff(job.attempts))
            };
            tracing::warn!(error = %e, user = %job.owner.user, retry_at = %at, "send failed; will retry");
            store.mark_retry(job.id, &e, at).await?;
            Ok(None)
        }
        Err(SendError::Rejected(e)) => {
            tracing::error!(error = %e, user = %job.owner.user, "Slack refused the message; kept as failed");
            store.mark_failed(job.id, &e).await?;
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), TimeDelta::minutes(1));
        assert_eq!(backoff(2), TimeDelta::minutes(2));
        assert_eq!(backoff(4), TimeDelta::minutes(8));
        assert_eq!(backoff(100), TimeDelta::hours(1));
    }
}
