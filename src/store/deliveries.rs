//! The outbox: every scheduled message is a row before it is sent.
//!
//! A claim inserts the row under its unique key (user, kind, key); only the pass whose insert
//! succeeded sends. While sending, the row holds a lease (`status = 'sending'`, `next_attempt_at`
//! = lease end); a process that dies mid-send leaves a lease that expires and is retried. A
//! failed send goes back to `pending` with a later `next_attempt_at`.
//!
//! Whether Slack may already have the message is kept too: an expired lease (or an attempt Slack
//! never answered) leaves `unsure = 1`, and the next sender looks for the message in Slack
//! before sending it again; a failure Slack answered (429, 5xx, an error code) leaves it as it
//! was, so such retries send at once.

use super::sql::Tx;
use super::sql::db;
use super::{LIVE_TEAM, Result, Store, StoreError, instant, peers::move_due_nudges};
use crate::domain::{Owner, TeamId, UserId};
use chrono::{DateTime, Utc};

/// Inserts the claim's row and, if it won, moves its nudge times and heads-up stages.
pub(super) async fn claim_tx(
    store: &Store,
    tx: &mut Tx<'_>,
    c: &DeliveryClaim<'_>,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<i64>> {
    let id: Option<(i64,)> = db!(&mut *tx, |ex| {
        q::query_as(
        "insert into delivery (team_id, user_id, kind, dedupe_key, payload_enc, status, attempts, \
         next_attempt_at, created_at) values (?, ?, ?, ?, ?, 'sending', 1, ?, ?) \
         on conflict (team_id, user_id, kind, dedupe_key) do nothing returning delivery_id",
    )
    .bind(c.owner.team.as_str())
    .bind(c.owner.user.as_str())
    .bind(c.kind)
    .bind(c.key)
    .bind(store.cipher.seal(c.payload))
    .bind(instant(lease_until))
    .bind(instant(now))
    .fetch_optional(ex).await
    })?;
    if id.is_some() {
        move_due_nudges(tx, c.owner, c.nudges, now).await?;
        super::headsups::set_stages(tx, c.owner, c.headsups).await?;
        if let Some((day, peers)) = c.reviews {
            super::review::mark_reviews_asked(tx, c.owner, peers, day).await?;
        }
    }
    Ok(id.map(|r| r.0))
}

/// Records a message for `to`, due at once (`pending`, no lease): the scheduler's next pass
/// sends it, with the retries and crash look-up every outbox message has. One per
/// `(to, kind, key)`, ever. For messages a command decides on (an escalation's invitation and
/// delivery), inside the transaction that decides them.
pub(super) async fn queue_tx(
    tx: &mut Tx<'_>,
    store: &Store,
    to: &Owner,
    kind: &str,
    key: &str,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    db!(&mut *tx, |ex| q::query(
        "insert into delivery (team_id, user_id, kind, dedupe_key, payload_enc, status, attempts, \
         next_attempt_at, created_at) values (?, ?, ?, ?, ?, 'pending', 0, ?, ?) \
         on conflict (team_id, user_id, kind, dedupe_key) do nothing",
    )
    .bind(to.team.as_str())
    .bind(to.user.as_str())
    .bind(kind)
    .bind(key)
    .bind(store.cipher.seal(payload))
    .bind(instant(now))
    .bind(instant(now))
    .execute(ex)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

type RetryRow = (
    i64,
    String,
    String,
    String,
    String,
    Vec<u8>,
    i64,
    DateTime<Utc>,
);

/// A message about to be recorded and sent.
pub struct DeliveryClaim<'a> {
    pub owner: &'a Owner,
    pub kind: &'a str,
    pub key: &'a str,
    /// The serialized notice; sealed at rest since it names peers and reasons.
    pub payload: &'a str,
    /// Peer nudge times that move when (and only when) this claim wins.
    pub nudges: &'a [(UserId, DateTime<Utc>)],
    /// Heads-up reminder stages recorded when (and only when) this claim wins.
    pub headsups: &'a [super::HeadsupUpdate],
    /// Peers whose three-month review this message asks, marked asked on that day when (and
    /// only when) this claim wins.
    pub reviews: Option<(chrono::NaiveDate, &'a [UserId])>,
}

/// A recorded message whose send is due (first attempt or retry).
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub owner: Owner,
    pub kind: String,
    pub key: String,
    pub payload: String,
    pub attempts: i64,
    /// When it was recorded (no earlier attempt can have reached Slack before then).
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Records the message and takes the send lease. `None` when this message was already
    /// recorded (by an earlier pass, another process or a previous run): nothing changes then.
    pub async fn claim_delivery(
        &self,
        c: &DeliveryClaim<'_>,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let mut ids = self
            .claim_deliveries(std::slice::from_ref(c), now, lease_until)
            .await?;
        Ok(ids.pop().flatten())
    }

    pub async fn delivery_recorded(&self, owner: &Owner, kind: &str, key: &str) -> Result<bool> {
        let row: Option<(i64,)> = db!(&self.pool, |ex| {
            q::query_as(
            "select delivery_id from delivery where team_id = ? and user_id = ? and kind = ? and dedupe_key = ?",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(kind)
        .bind(key)
        .fetch_optional(ex).await
        })?;
        Ok(row.is_some())
    }

    /// Marks the message sent, with where it landed when the messenger says (so buttons on it
    /// can update it later).
    pub async fn mark_sent(
        &self,
        id: i64,
        now: DateTime<Utc>,
        sent: Option<&crate::domain::MessageRef>,
    ) -> Result<()> {
        use super::writer::{Arg, Write};
        // Through the writer: many sends of a pass share one commit.
        self.writer
            .write(Write {
                sql: "update delivery set status = 'sent', sent_at = ?, last_error = null, \
                      channel_id = ?, message_ts = ? where delivery_id = ?;"
                    .into(),
                args: vec![
                    Arg::Time(instant(now)),
                    Arg::Text(sent.map(|s| s.channel.clone())),
                    Arg::Text(sent.map(|s| s.ts.clone())),
                    Arg::Int(id),
                ],
            })
            .await
    }

    /// Gives the lease back; the message is tried again from `next_at`. `unsure`: whether Slack
    /// may already have it (an attempt it never answered, or a look into its history that
    /// failed), so that the next sender looks before sending.
    pub async fn mark_retry(
        &self,
        id: i64,
        error: &str,
        next_at: DateTime<Utc>,
        unsure: bool,
    ) -> Result<()> {
        db!(&self.pool, |ex| {
            q::query("update delivery set status = 'pending', last_error = ?, next_attempt_at = ?, unsure = ? where delivery_id = ?")
            .bind(error)
            .bind(instant(next_at))
            .bind(i64::from(unsure))
            .bind(id)
            .execute(ex).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Gives up on a message Slack will never accept (user gone, app uninstalled); the row and
    /// its error stay for the operator to see.
    pub async fn mark_failed(&self, id: i64, error: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        mark_failed_tx(&mut tx, id, error).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Recorded messages whose (re)try time has come: failed attempts and expired leases.
    pub async fn deliveries_to_retry(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>> {
        let rows: Vec<RetryRow> = db!(&self.pool, |ex| {
            q::query_as(
            sqlx::AssertSqlSafe(format!(
            "select delivery_id, team_id, user_id, kind, dedupe_key, payload_enc, attempts, created_at from delivery \
             where status in ('pending', 'sending') and next_attempt_at <= ? and {LIVE_TEAM} \
             order by next_attempt_at limit ?"
        ))
        )
        .bind(instant(now))
        .bind(limit)
        .fetch_all(ex).await
        })?;
        rows.into_iter()
            .map(
                |(id, team, user, kind, key, payload, attempts, created_at)| {
                    let owner = match (TeamId::parse(&team), UserId::parse(&user)) {
                        (Some(t), Some(u)) => Owner::new(t, u),
                        _ => return Err(StoreError::Corrupt("delivery ids".into())),
                    };
                    Ok(ClaimedDelivery {
                        id,
                        owner,
                        kind,
                        key,
                        payload: self.cipher.open(&payload)?,
                        attempts,
                        created_at,
                    })
                },
            )
            .collect()
    }

    /// How many recorded messages are not yet sent, and the age in seconds of the oldest.
    pub async fn outbox_stats(&self, now: DateTime<Utc>) -> Result<(i64, f64)> {
        let (n, oldest): (i64, Option<DateTime<Utc>>) = db!(&self.pool, |ex| {
            q::query_as(
            "select count(*), min(created_at) from delivery where status in ('pending', 'sending')",
        )
        .fetch_one(ex).await
        })?;
        let age = oldest.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0);
        Ok((n, age))
    }

    /// When the earliest waiting message is due to be retried, if any is waiting.
    pub async fn next_retry_at(&self) -> Result<Option<DateTime<Utc>>> {
        let row: (Option<DateTime<Utc>>,) = db!(&self.pool, |ex| q::query_as(
            "select min(next_attempt_at) from delivery where status in ('pending', 'sending')",
        )
        .fetch_one(ex)
        .await)?;
        Ok(row.0)
    }

    /// Takes the send lease on a recorded message for a retry: `None` if another pass has it,
    /// otherwise whether Slack may already have the message (`unsure`). A lease that expired
    /// while `sending` means its sender died mid-send: Slack may have the message, and that
    /// stays recorded until a look into Slack says otherwise.
    pub async fn lease_retry(
        &self,
        id: i64,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<bool>> {
        let row: Option<(i64,)> = db!(&self.pool, |ex| {
            q::query_as(
            "update delivery set status = 'sending', attempts = attempts + 1, next_attempt_at = ?, \
             unsure = case when unsure = 1 or status = 'sending' then 1 else 0 end \
             where delivery_id = ? and status in ('pending', 'sending') and next_attempt_at <= ? \
             returning unsure",
        )
        .bind(instant(lease_until))
        .bind(id)
        .bind(instant(now))
        .fetch_optional(ex).await
        })?;
        Ok(row.map(|r| r.0 != 0))
    }

    /// A message the bot sent to `owner`, found by where it landed; `None` if it was not sent to
    /// them (a forged or foreign reference).
    pub async fn sent_message(
        &self,
        owner: &Owner,
        channel: &str,
        ts: &str,
    ) -> Result<Option<SentMessage>> {
        let row: Option<(i64, Vec<u8>, Option<String>)> = db!(&self.pool, |ex| q::query_as(
            "select delivery_id, payload_enc, done from delivery \
             where team_id = ? and user_id = ? and channel_id = ? and message_ts = ?",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(channel)
        .bind(ts)
        .fetch_optional(ex)
        .await)?;
        let Some((id, payload, done)) = row else {
            return Ok(None);
        };
        let done = match done {
            Some(d) => serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            None => Default::default(),
        };
        Ok(Some(SentMessage {
            id,
            payload: self.cipher.open(&payload)?,
            done,
        }))
    }

    /// Records that the block `block` of a sent message was acted on (`label` says how). False
    /// when it already was: the caller changes nothing.
    pub async fn mark_block_done(&self, id: i64, block: &str, label: &str) -> Result<bool> {
        let key = block.replace('"', "");
        if self.is_postgres() {
            // The same JSON object, kept as text, through Postgres's jsonb.
            let r = db!(&self.pool, |ex| q::query(
                "update delivery set done = (coalesce(done, '{}')::jsonb || \
                 jsonb_build_object(?::text, ?::text))::text \
                 where delivery_id = ? and (coalesce(done, '{}')::jsonb -> ?::text) is null",
            )
            .bind(&key)
            .bind(label)
            .bind(id)
            .bind(&key)
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
            return Ok(r == 1);
        }
        let path = format!("$.\"{key}\"");
        let r = db!(&self.pool, |ex| q::query(
            "update delivery set done = json_set(coalesce(done, '{}'), ?, ?) \
             where delivery_id = ? and json_extract(coalesce(done, '{}'), ?) is null",
        )
        .bind(&path)
        .bind(label)
        .bind(id)
        .bind(&path)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(r == 1)
    }
}

/// A sent message as a button on it sees it.
#[derive(Debug, Clone)]
pub struct SentMessage {
    pub id: i64,
    /// The serialized notice it was made from.
    pub payload: String,
    /// Blocks already acted on, and what was done.
    pub done: std::collections::BTreeMap<String, String>,
}

/// [`Store::mark_failed`] inside a transaction (an escalation's refusal reopens it in the same).
pub(super) async fn mark_failed_tx(tx: &mut Tx<'_>, id: i64, error: &str) -> Result<()> {
    db!(&mut *tx, |ex| q::query(
        "update delivery set status = 'failed', last_error = ? where delivery_id = ?"
    )
    .bind(error)
    .bind(id)
    .execute(ex)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
