//! Joint escalations: one document, two authors, sealed text. Every change runs in one
//! transaction that reads the document first, so two authors acting at once see each other's
//! change; the approval that completes it records its delivery in the outbox in that same
//! transaction, so it goes out exactly once.

use super::deliveries::queue_tx;
use super::sql::Tx;
use super::sql::db;
use super::{Result, Store, StoreError, instant};
use crate::domain::{
    ApproveRefusal, ChannelId, Destination, Escalation, EscalationState, Owner, Position, Side,
    TeamId, UserId,
};
use chrono::{DateTime, Utc};

type DocRow = (
    i64,
    i64,
    String,
    String,
    Vec<u8>,
    Option<Vec<u8>>,
    Option<String>,
    Option<String>,
    i64,
    String,
);
type SideRow = (
    String,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<i64>,
);

const DOC_COLUMNS: &str = "escalation_id, number, initiator_id, peer_id, topic_enc, ask_enc, \
     dest_kind, dest_id, version, state";

/// A change to the document by one of its authors.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EscalationEdit {
    /// The author's own position, replaced whole.
    pub position: Option<Position>,
    /// The shared ask.
    pub ask: Option<String>,
    pub to: Option<Destination>,
}

/// What an approval did.
#[derive(Debug, Clone, PartialEq)]
pub struct Approved {
    pub doc: Escalation,
    /// Both had approved this version: it was recorded for delivery.
    pub sent: bool,
}

impl Store {
    /// Starts a document about `topic` between `owner` and `peer`; its number in the workspace.
    /// `invite(number)` is the peer's one invitation, recorded in the outbox in the same
    /// transaction (due at once; the next pass sends it, and its button then works like any
    /// sent message's).
    pub async fn start_escalation(
        &self,
        owner: &Owner,
        peer: &UserId,
        topic: &str,
        to: Option<&Destination>,
        invite: &(dyn Fn(i64) -> std::result::Result<String, String> + Sync),
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool.begin_write().await?;
        let (n,): (i64,) = db!(&mut tx, |ex| q::query_as(
            "select coalesce(max(number), 0) + 1 from escalation where team_id = ?"
        )
        .bind(owner.team.as_str())
        .fetch_one(ex)
        .await)?;
        let (kind, dest) = dest_columns(to);
        let (id,): (i64,) = db!(&mut tx, |ex| {
            q::query_as(
            "insert into escalation (team_id, number, initiator_id, peer_id, topic_enc, dest_kind, \
             dest_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?) returning escalation_id",
        )
        .bind(owner.team.as_str())
        .bind(n)
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .bind(self.cipher.seal(topic))
        .bind(kind)
        .bind(dest)
        .bind(instant(now))
        .fetch_one(ex).await
        })?;
        for author in [&owner.user, peer] {
            db!(&mut tx, |ex| q::query(
                "insert into escalation_side (escalation_id, team_id, author_id, updated_at) \
                 values (?, ?, ?, ?)",
            )
            .bind(id)
            .bind(owner.team.as_str())
            .bind(author.as_str())
            .bind(instant(now))
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
        }
        let payload = invite(n).map_err(StoreError::Corrupt)?;
        let them = Owner::new(owner.team.clone(), peer.clone());
        queue_tx(
            &mut tx,
            self,
            &them,
            "escalation_invite",
            &n.to_string(),
            &payload,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Document `number` if `owner` is one of its authors (`None` otherwise, as if unknown).
    pub async fn escalation(&self, owner: &Owner, number: i64) -> Result<Option<Escalation>> {
        let mut tx = self.pool.begin_read().await?;
        let doc = self.load(&mut tx, owner, number).await?.map(|(_, d)| d);
        tx.commit().await?;
        Ok(doc)
    }

    /// Every document `owner` is an author of, newest first.
    pub async fn escalations_of(&self, owner: &Owner) -> Result<Vec<Escalation>> {
        let numbers: Vec<(i64,)> = db!(&self.pool, |ex| {
            q::query_as(
            "select number from escalation where team_id = ? and (initiator_id = ? or peer_id = ?) \
             order by number desc",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(owner.user.as_str())
        .fetch_all(ex).await
        })?;
        let mut out = Vec::with_capacity(numbers.len());
        let mut tx = self.pool.begin_read().await?;
        for (n,) in numbers {
            if let Some((_, d)) = self.load(&mut tx, owner, n).await? {
                out.push(d);
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Applies an author's edit to an open document: a new version when anything changed.
    pub async fn edit_escalation(
        &self,
        owner: &Owner,
        number: i64,
        edit: &EscalationEdit,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<(Escalation, bool), ApproveRefusal>> {
        let mut tx = self.pool.begin_write().await?;
        let Some((id, doc)) = self.load(&mut tx, owner, number).await? else {
            return Ok(Err(ApproveRefusal::NotAnAuthor));
        };
        if doc.state != EscalationState::Open {
            return Ok(Err(ApproveRefusal::NotOpen(doc.state)));
        }
        let mine = doc
            .sides_of(&owner.user)
            .map(|(m, _)| m.position.clone())
            .unwrap_or_default();
        let mut changed = false;
        if let Some(p) = &edit.position
            && *p != mine
        {
            changed = true;
            db!(&mut tx, |ex| {
                // An upsert: a side its author asked to forget (`/peer forget me`) is written anew.
                q::query(
                "insert into escalation_side (escalation_id, team_id, author_id, goal_enc, cost_enc, \
                 tried_enc, updated_at) values (?, ?, ?, ?, ?, ?, ?) \
                 on conflict (escalation_id, author_id) do update set goal_enc = excluded.goal_enc, \
                 cost_enc = excluded.cost_enc, tried_enc = excluded.tried_enc, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(owner.team.as_str())
            .bind(owner.user.as_str())
            .bind(self.seal_opt(p.goal.as_deref()))
            .bind(self.seal_opt(p.cost.as_deref()))
            .bind(self.seal_opt(p.tried.as_deref()))
            .bind(instant(now))
            .execute(ex).await.map(|r| r.rows_affected())
            })?;
        }
        if let Some(ask) = &edit.ask
            && doc.ask.as_ref() != Some(ask)
        {
            changed = true;
            db!(&mut tx, |ex| q::query(
                "update escalation set ask_enc = ? where escalation_id = ?"
            )
            .bind(self.cipher.seal(ask))
            .bind(id)
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
        }
        if let Some(to) = &edit.to
            && doc.to.as_ref() != Some(to)
        {
            changed = true;
            let (kind, dest) = dest_columns(Some(to));
            db!(&mut tx, |ex| q::query(
                "update escalation set dest_kind = ?, dest_id = ? where escalation_id = ?"
            )
            .bind(kind)
            .bind(dest)
            .bind(id)
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
        }
        if changed {
            db!(&mut tx, |ex| q::query(
                "update escalation set version = version + 1 where escalation_id = ?"
            )
            .bind(id)
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
        }
        let doc = self
            .load(&mut tx, owner, number)
            .await?
            .map(|(_, d)| d)
            .ok_or_else(|| StoreError::Corrupt("escalation vanished".into()))?;
        tx.commit().await?;
        Ok(Ok((doc, changed)))
    }

    /// `owner` approves the version the document is at. When that makes both, the document is
    /// marked sent and `render(doc)` is recorded in the outbox for delivery, in the same
    /// transaction: exactly once, whoever approves last and however many approve at once.
    pub async fn approve_escalation(
        &self,
        owner: &Owner,
        number: i64,
        render: &(dyn Fn(&Escalation) -> std::result::Result<String, String> + Sync),
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<Approved, ApproveRefusal>> {
        let mut tx = self.pool.begin_write().await?;
        let Some((id, doc)) = self.load(&mut tx, owner, number).await? else {
            return Ok(Err(ApproveRefusal::NotAnAuthor));
        };
        if let Err(r) = doc.check_approval(&owner.user) {
            return Ok(Err(r));
        }
        // An upsert, as in the edit above.
        db!(&mut tx, |ex| q::query(
            "insert into escalation_side (escalation_id, team_id, author_id, approved_version, \
             updated_at) values (?, ?, ?, ?, ?) on conflict (escalation_id, author_id) do update \
             set approved_version = excluded.approved_version, updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(doc.version)
        .bind(instant(now))
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        let mut doc = self
            .load(&mut tx, owner, number)
            .await?
            .map(|(_, d)| d)
            .ok_or_else(|| StoreError::Corrupt("escalation vanished".into()))?;
        let sent = doc.fully_approved();
        if sent {
            let payload = render(&doc).map_err(StoreError::Corrupt)?;
            db!(&mut tx, |ex| {
                q::query(
                "update escalation set state = 'sent', closed_at = ? where escalation_id = ? and state = 'open'",
            )
            .bind(instant(now))
            .bind(id)
            .execute(ex).await.map(|r| r.rows_affected())
            })?;
            // Recorded under the initiator; the key makes it one message, ever.
            let initiator = Owner::new(owner.team.clone(), doc.initiator.author.clone());
            queue_tx(
                &mut tx,
                self,
                &initiator,
                "escalation",
                &number.to_string(),
                &payload,
                now,
            )
            .await?;
            doc.state = EscalationState::Sent;
        }
        tx.commit().await?;
        Ok(Ok(Approved { doc, sent }))
    }

    /// Slack refused to deliver sent document `number` for good (the channel is gone, the bot
    /// was removed), and `delivery` is kept as failed with `error`. In the same transaction the
    /// document is open again at a new version, so both must approve again, and
    /// `notice(author, other)` is recorded for each author, due at once: never a failed
    /// delivery whose authors still think it went. `false` when it was not a sent document
    /// (only the delivery changes).
    pub async fn reopen_undelivered_escalation(
        &self,
        (delivery, error): (i64, &str),
        team: &TeamId,
        number: i64,
        notice: &(dyn Fn(&UserId, &UserId) -> std::result::Result<String, String> + Sync),
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        super::deliveries::mark_failed_tx(&mut tx, delivery, error).await?;
        let row: Option<(String, String)> = db!(&mut tx, |ex| q::query_as(
            "update escalation set state = 'open', version = version + 1, closed_at = null \
             where team_id = ? and number = ? and state = 'sent' returning initiator_id, peer_id",
        )
        .bind(team.as_str())
        .bind(number)
        .fetch_optional(ex)
        .await)?;
        let Some((a, b)) = row else {
            tx.commit().await?;
            return Ok(false);
        };
        let corrupt = || StoreError::Corrupt("escalation authors".into());
        let (a, b) = (
            UserId::parse(&a).ok_or_else(corrupt)?,
            UserId::parse(&b).ok_or_else(corrupt)?,
        );
        for (me, other) in [(&a, &b), (&b, &a)] {
            let payload = notice(me, other).map_err(StoreError::Corrupt)?;
            let owner = Owner::new(team.clone(), me.clone());
            let key = format!("{number}:{now}");
            queue_tx(
                &mut tx,
                self,
                &owner,
                "escalation_undelivered",
                &key,
                &payload,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Either author withdraws the whole (open) document.
    pub async fn withdraw_escalation(
        &self,
        owner: &Owner,
        number: i64,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<Escalation, ApproveRefusal>> {
        let mut tx = self.pool.begin_write().await?;
        let Some((id, mut doc)) = self.load(&mut tx, owner, number).await? else {
            return Ok(Err(ApproveRefusal::NotAnAuthor));
        };
        if doc.state != EscalationState::Open {
            return Ok(Err(ApproveRefusal::NotOpen(doc.state)));
        }
        db!(&mut tx, |ex| q::query(
            "update escalation set state = 'withdrawn', closed_at = ? where escalation_id = ?",
        )
        .bind(instant(now))
        .bind(id)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        doc.state = EscalationState::Withdrawn;
        Ok(Ok(doc))
    }

    /// The document and its row id, if `owner` is an author.
    async fn load(
        &self,
        tx: &mut Tx<'_>,
        owner: &Owner,
        number: i64,
    ) -> Result<Option<(i64, Escalation)>> {
        let row: Option<DocRow> = db!(&mut *tx, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
            "select {DOC_COLUMNS} from escalation where team_id = ? and number = ? \
             and (initiator_id = ? or peer_id = ?)"
        )))
        .bind(owner.team.as_str())
        .bind(number)
        .bind(owner.user.as_str())
        .bind(owner.user.as_str())
        .fetch_optional(ex)
        .await)?;
        let Some((id, number, initiator, peer, topic, ask, kind, dest, version, state)) = row
        else {
            return Ok(None);
        };
        let sides: Vec<SideRow> = db!(&mut *tx, |ex| q::query_as(
            "select author_id, goal_enc, cost_enc, tried_enc, approved_version \
             from escalation_side where escalation_id = ?",
        )
        .bind(id)
        .fetch_all(ex)
        .await)?;
        let corrupt = |what: &str| StoreError::Corrupt(format!("escalation.{what}"));
        let side = |who: &str| -> Result<Side> {
            let author = UserId::parse(who).ok_or_else(|| corrupt("author"))?;
            // A side its author asked to forget is empty.
            let Some((_, goal, cost, tried, approved)) = sides.iter().find(|s| s.0 == who).cloned()
            else {
                return Ok(Side {
                    author,
                    position: Position::default(),
                    approved: None,
                });
            };
            Ok(Side {
                author,
                position: Position {
                    goal: self.open_opt(goal)?,
                    cost: self.open_opt(cost)?,
                    tried: self.open_opt(tried)?,
                },
                approved,
            })
        };
        let to = match (kind.as_deref(), dest) {
            (Some("user"), Some(d)) => Some(Destination::User(
                UserId::parse(&d).ok_or_else(|| corrupt("dest"))?,
            )),
            (Some("channel"), Some(d)) => Some(Destination::Channel(
                ChannelId::parse(&d).ok_or_else(|| corrupt("dest"))?,
            )),
            _ => None,
        };
        Ok(Some((
            id,
            Escalation {
                number,
                initiator: side(&initiator)?,
                peer: side(&peer)?,
                topic: self.cipher.open(&topic)?,
                ask: self.open_opt(ask)?,
                to,
                version,
                state: EscalationState::parse(&state).ok_or_else(|| corrupt("state"))?,
            },
        )))
    }
}

fn dest_columns(to: Option<&Destination>) -> (Option<&'static str>, Option<String>) {
    match to {
        Some(Destination::User(u)) => (Some("user"), Some(u.as_str().to_string())),
        Some(Destination::Channel(c)) => (Some("channel"), Some(c.as_str().to_string())),
        None => (None, None),
    }
}
