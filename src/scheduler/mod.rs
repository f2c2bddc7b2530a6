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
//!
//! Every message carries its outbox row's [`DeliveryTag`]. A message whose earlier attempt may
//! have reached Slack unrecorded (its sender died holding the lease, or Slack never answered)
//! is first looked for in Slack ([`Messenger::already_delivered`]): found, it is recorded as
//! sent and not sent again; not found, it is sent. So a crash neither drops nor doubles it.

mod jobs;
pub mod plan;

use crate::clock::Clock;
use crate::domain::UserId;
use crate::domain::{DeliveryPrefs, Owner, TeamId};
use crate::metrics::{Metrics, Retry};
use crate::outbound::{DeliveryTag, Messenger, Notice, SendError};
use crate::store::{DeliveryClaim, HeadsupUpdate, Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};
use futures::StreamExt;
use std::collections::{HashMap, HashSet};
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
    /// Set when an earlier attempt may have reached Slack unrecorded: look for the message in
    /// Slack, no further back than this (when it was recorded), before sending it again.
    unsure_since: Option<DateTime<Utc>>,
}

/// What a scheduler pass works with: the store, the one sending port and the clock. Never the
/// request-side services: the scheduler knows nothing of commands or of Slack.
#[derive(Clone)]
pub struct Scheduler {
    pub store: Store,
    pub messenger: Arc<dyn Messenger>,
    pub clock: Clock,
    /// Workspaces already warned that Slack could not be asked whether a message went out.
    unchecked: Arc<Mutex<HashSet<TeamId>>>,
    /// The process's counters (shared with the HTTP edge by the composition root).
    pub metrics: Arc<Metrics>,
    /// How long an uninstalled workspace's data is kept before it is deleted.
    pub uninstall_grace: TimeDelta,
}

impl Scheduler {
    pub fn new(store: Store, messenger: Arc<dyn Messenger>, clock: Clock) -> Self {
        Scheduler {
            store,
            messenger,
            clock,
            unchecked: Arc::default(),
            metrics: Metrics::shared(),
            uninstall_grace: TimeDelta::days(30),
        }
    }

    /// One pass at `now` (see [`tick`]).
    pub async fn tick(&self, now: DateTime<Utc>, dry_run: bool) -> Result<Vec<String>, StoreError> {
        tick(self, now, dry_run).await
    }

    /// Whether a pass at `at` would find anything to look at: a message to retry, or a
    /// heads-up, digest, stale context or peer whose time has come. A pass at a moment when
    /// this is false does nothing, so a simulated clock (the console's `advance`) can skip to
    /// the next moment when it is true.
    pub async fn anything_due(&self, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let s = &self.store;
        Ok(s.next_retry_at().await?.is_some_and(|t| t <= at)
            || !s.owners_due(at, 1).await?.is_empty()
            || !s.headsups_due(at, 1).await?.is_empty()
            || !s.meetings_due(at, 1).await?.is_empty()
            || !s.contexts_to_refresh(at, 1).await?.is_empty()
            || !s.loans_due(at, 1).await?.is_empty()
            || !s.departures_to_tell(at, 1).await?.is_empty()
            || !s.togethers_due(at, 1).await?.is_empty())
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
    let pass = Pass {
        s: state,
        now,
        dry_run,
        jobs,
        lines,
    };
    let (planned, sent) = tokio::join!(plan_pass(pass), sending);
    planned.and(sent)
}

/// Plans the whole pass; each job hands what it claims to the senders as it goes. The queue
/// closes when the pass is planned, which lets the senders finish.
async fn plan_pass(p: Pass<'_>) -> Result<(), StoreError> {
    jobs::retries::run(&p).await?;
    let daily_owners = jobs::headsups::run(&p).await?;
    jobs::meetings::run(&p).await?;
    jobs::contexts::run(&p).await?;
    jobs::loans::run(&p).await?;
    jobs::together::run(&p).await?;
    jobs::departures::run(&p).await?;
    jobs::nudges::run(&p, daily_owners).await?;
    jobs::workspaces::run(&p).await;
    Ok(())
}

/// One pass in progress: the time it runs for, whether it only looks, where claimed messages
/// go and where lines are reported.
struct Pass<'a> {
    s: &'a Scheduler,
    now: DateTime<Utc>,
    dry_run: bool,
    jobs: mpsc::Sender<Job>,
    lines: Lines<'a>,
}

impl Pass<'_> {
    /// Records `notice` under its unique key (with the nudge and heads-up progress it
    /// carries) and returns the job to send; `None` if it was already recorded. A dry run only
    /// reports it.
    async fn record(
        &self,
        owner: &Owner,
        notice: Notice,
        key: &str,
        nudges: &[(UserId, DateTime<Utc>)],
        headsups: &[HeadsupUpdate],
    ) -> Result<Option<Job>, StoreError> {
        let store = &self.s.store;
        if self.dry_run {
            if !store.delivery_recorded(owner, notice.kind(), key).await? {
                (self.lines)(line(self.now, owner, &notice, "would send"));
            }
            return Ok(None);
        }
        let payload =
            serde_json::to_string(&notice).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let claim = DeliveryClaim {
            owner,
            kind: notice.kind(),
            key,
            payload: &payload,
            nudges,
            headsups,
            reviews: None,
        };
        Ok(store
            .claim_delivery(&claim, self.now, self.now + LEASE)
            .await?
            .map(|id| Job {
                id,
                owner: owner.clone(),
                notice,
                attempts: 1,
                unsure_since: None,
            }))
    }

    /// Hands a claimed message to delivery (which only stops when the pass ends).
    async fn queue(&self, job: Job) {
        if self.jobs.send(job).await.is_err() {
            tracing::error!("delivery stopped before the pass ended; the message is retried later");
        }
    }
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
    let unsure = job.unsure_since.is_some();
    let paused_until = paused
        .lock()
        .ok()
        .and_then(|p| p.get(&job.owner.team).copied());
    if let Some(until) = paused_until {
        store
            .mark_retry(job.id, "workspace rate limited", until, unsure)
            .await?;
        return Ok(None);
    }
    let tag = DeliveryTag::new(&job.owner.team, job.id);
    if let Some(since) = job.unsure_since
        && let Look::Settled(line) = look_first(state, &job, &tag, since, now).await?
    {
        return Ok(line);
    }
    let send = state.messenger.send_tagged(&job.owner, &job.notice, &tag);
    let outcome = match tokio::time::timeout(SEND_TIMEOUT, send).await {
        Ok(r) => r,
        Err(_) => {
            // The request went out and no answer came: Slack may have the message.
            retry_later(state, &job, now, "timed out", true).await?;
            return Ok(None);
        }
    };
    match outcome {
        Ok(sent) => {
            store.mark_sent(job.id, now, sent.as_ref()).await?;
            state.metrics.sent();
            Ok(Some(line(now, &job.owner, &job.notice, "sent")))
        }
        Err(SendError::RateLimited(wait)) => {
            // Retry-After counts from when the 429 arrived, not from the start of the pass.
            let until = state.clock.now().max(now) + retry_after(wait);
            if let Ok(mut p) = paused.lock() {
                p.insert(job.owner.team.clone(), until);
            }
            tracing::warn!(team = %job.owner.team, ?wait, "Slack rate limit; pausing this workspace");
            state.metrics.retried(Retry::RateLimited);
            store
                .mark_retry(job.id, "rate limited", until, false)
                .await?;
            Ok(None)
        }
        Err(SendError::Unavailable(e)) => {
            retry_later(state, &job, now, &e, false).await?;
            Ok(None)
        }
        Err(SendError::Rejected(e)) => {
            tracing::error!(error = %e, user = %job.owner.user, "Slack refused the message; kept as failed");
            state.metrics.failed();
            if let Notice::Escalation {
                number, topic, to, ..
            } = &job.notice
            {
                // Its authors were told it went: reopen it and tell them it did not.
                let notice = |_me: &UserId, other: &UserId| {
                    serde_json::to_string(&Notice::EscalationUndelivered {
                        number: *number,
                        topic: topic.clone(),
                        to: to.clone(),
                        other: other.clone(),
                        why: e.clone(),
                    })
                    .map_err(|e| e.to_string())
                };
                store
                    .reopen_undelivered_escalation(
                        (job.id, &e),
                        &job.owner.team,
                        *number,
                        &notice,
                        now,
                    )
                    .await?;
            } else {
                store.mark_failed(job.id, &e).await?;
            }
            Ok(None)
        }
    }
}

/// What looking for an earlier attempt in Slack decided.
enum Look {
    /// Slack does not have the message (or cannot be asked, for good): send it.
    Send,
    /// Done with this message for now: found and recorded as sent (with its line), or put
    /// back because the look failed.
    Settled(Option<String>),
}

/// Before sending again a message whose earlier attempt may have reached Slack unrecorded:
/// asks Slack whether it did (looking no further back than `since`). A look that fails in
/// passing is retried later rather than guessed; one Slack will never answer (a missing
/// scope) lets the message go, with a warning once per workspace.
async fn look_first(
    state: &Scheduler,
    job: &Job,
    tag: &DeliveryTag,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Look, StoreError> {
    let store = &state.store;
    let look = state
        .messenger
        .already_delivered(&job.owner, &job.notice, tag, since);
    let found = match tokio::time::timeout(SEND_TIMEOUT, look).await {
        Ok(r) => r,
        Err(_) => Err(SendError::Unavailable("timed out".into())),
    };
    match found {
        Ok(Some(at)) => {
            tracing::info!(user = %job.owner.user, delivery = %tag.delivery_id(),
                "an earlier attempt had reached Slack; recorded as sent, not sent again");
            store.mark_sent(job.id, now, Some(&at)).await?;
            let l = line(now, &job.owner, &job.notice, "found already sent");
            Ok(Look::Settled(Some(l)))
        }
        Ok(None) => Ok(Look::Send),
        Err(SendError::Rejected(e)) => {
            let first = state
                .unchecked
                .lock()
                .map(|mut w| w.insert(job.owner.team.clone()))
                .unwrap_or(false);
            if first {
                tracing::warn!(team = %job.owner.team, error = %e,
                    "cannot look in Slack for messages a crashed sender may have sent; \
                     sending them again, so duplicates are possible (grant the im:write, \
                     im:history, channels:history and groups:history scopes)");
            }
            Ok(Look::Send)
        }
        Err(SendError::RateLimited(wait)) => {
            // Only this look is limited (conversations.history has its own tier): the
            // workspace's other messages go on.
            let until = state.clock.now().max(now) + retry_after(wait);
            let e = "rate limited looking for an earlier attempt";
            state.metrics.retried(Retry::RateLimited);
            store.mark_retry(job.id, e, until, true).await?;
            Ok(Look::Settled(None))
        }
        Err(SendError::Unavailable(e)) => {
            let e = format!("looking for an earlier attempt: {e}");
            retry_later(state, job, now, &e, true).await?;
            Ok(Look::Settled(None))
        }
    }
}

/// When `who` may be messaged, for someone who may not use Sideways: their own settings when
/// they have a profile with a known zone; else their Slack time zone (`users.info`) with their
/// hours or the default ones; UTC when Slack knows no zone for them. `None` when Slack could not
/// be asked just now (try again later). Never creates settings for them.
async fn recipient_prefs(
    state: &Scheduler,
    who: &Owner,
    now: DateTime<Utc>,
) -> Result<Option<DeliveryPrefs>, StoreError> {
    let profile = state.store.profile(who).await?;
    let mut prefs = profile.as_ref().map(|p| p.prefs()).unwrap_or_default();
    if profile.as_ref().is_some_and(|p| p.tz.is_some()) {
        return Ok(Some(prefs));
    }
    let ask = state.messenger.user_tz(who);
    match tokio::time::timeout(SEND_TIMEOUT, ask).await {
        Ok(Ok(tz)) => {
            prefs.tz = tz.unwrap_or(chrono_tz::Tz::UTC);
            Ok(Some(prefs))
        }
        // Slack will never say (the user is gone): default hours in UTC; the send decides.
        Ok(Err(SendError::Rejected(_))) => Ok(Some(prefs)),
        Ok(Err(e)) => {
            tracing::warn!(user = %who.user, error = %e, at = %now, "time zone unavailable; will retry");
            Ok(None)
        }
        Err(_) => Ok(None),
    }
}

/// How long to wait after a 429 (at least a second).
fn retry_after(wait: Duration) -> TimeDelta {
    TimeDelta::from_std(wait)
        .unwrap_or(TimeDelta::minutes(1))
        .max(TimeDelta::seconds(1))
}

/// Puts the message back after a passing failure, with back-off (inside the recipient's working
/// hours unless it is due before a meeting). `unsure`: Slack may already have it.
async fn retry_later(
    state: &Scheduler,
    job: &Job,
    now: DateTime<Utc>,
    error: &str,
    unsure: bool,
) -> Result<(), StoreError> {
    let store = &state.store;
    let at = if job.notice.is_meeting_bound() {
        now + backoff(job.attempts)
    } else if job.notice.kind() == crate::domain::TOGETHER_PEER_KIND {
        // The peer may not use Sideways: their hours without creating settings for them.
        recipient_prefs(state, &job.owner, now)
            .await?
            .unwrap_or_default()
            .next_working_instant(now + backoff(job.attempts))
    } else {
        let prefs = store.ensure_profile(&job.owner, now).await?.prefs();
        prefs.next_working_instant(now + backoff(job.attempts))
    };
    tracing::warn!(error = %error, user = %job.owner.user, retry_at = %at, "send failed; will retry");
    state.metrics.retried(Retry::Failed);
    store.mark_retry(job.id, error, at, unsure).await
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
