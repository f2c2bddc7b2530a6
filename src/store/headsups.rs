//! Heads-ups and the peers each names. Every query is scoped by workspace and owner; the news
//! itself is sealed at rest.

use super::sql::Tx;
use super::sql::db;
use super::{LIVE_TEAM, Result, Store, StoreError, instant};
use crate::domain::{Headsup, NamedPeer, Owner, Peer, Stage, TeamId, UserId};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

type HeadsupRow = (i64, i64, Vec<u8>, DateTime<Utc>, DateTime<Utc>, String);
const COLUMNS: &str = "headsup_id, number, what_enc, room_at, armed_at, stage";

/// A heads-up number stage update, applied with a delivery claim.
pub type HeadsupUpdate = (i64, Stage, DateTime<Utc>);

pub(super) async fn set_stages(
    tx: &mut Tx<'_>,
    owner: &Owner,
    updates: &[HeadsupUpdate],
) -> Result<()> {
    for (number, stage, next) in updates {
        let status = if *stage == Stage::After {
            "done"
        } else {
            "open"
        };
        db!(&mut *tx, |ex| q::query(
            "update headsup set stage = ?, next_at = ?, status = ? \
             where team_id = ? and owner_id = ? and number = ? and status = 'open'",
        )
        .bind(stage.as_str())
        .bind(instant(*next))
        .bind(status)
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// What `told` records: whether the peer heard it first (`None` before the room), and whether
/// this replaces an earlier answer on purpose.
#[derive(Debug, Clone, Copy)]
pub struct ToldAnswer {
    pub heard_first: Option<bool>,
    pub correct: bool,
}

impl Store {
    async fn load_headsups(&self, rows: Vec<HeadsupRow>) -> Result<Vec<Headsup>> {
        let mut out = Vec::with_capacity(rows.len());
        for (id, number, what, room_at, armed_at, stage) in rows {
            let peers: Vec<(String, Option<DateTime<Utc>>, Option<i64>)> = db!(&self.pool, |ex| {
                q::query_as("select peer_id, told_at, heard_first from headsup_peer where headsup_id = ? order by peer_id")
                    .bind(id)
                    .fetch_all(ex).await
            })?;
            let peers = peers
                .into_iter()
                .map(|(p, told_at, heard)| {
                    Ok(NamedPeer {
                        peer: UserId::parse(&p)
                            .ok_or_else(|| StoreError::Corrupt("headsup_peer.peer_id".into()))?,
                        told_at,
                        heard_first: heard.map(|h| h == 1),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            out.push(Headsup {
                number,
                what: self.cipher.open(&what)?,
                room_at,
                armed_at,
                stage: Stage::parse(&stage)
                    .ok_or_else(|| StoreError::Corrupt("headsup.stage".into()))?,
                peers,
            });
        }
        Ok(out)
    }

    /// Records a heads-up and returns its number (the owner's next one).
    pub async fn create_headsup(
        &self,
        owner: &Owner,
        what: &str,
        room_at: DateTime<Utc>,
        peers: &[UserId],
        next_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool.begin_write().await?;
        let number = super::next_number(&mut tx, "headsup", owner).await?;
        let (id,): (i64,) = db!(&mut tx, |ex| {
            q::query_as(
            "insert into headsup (team_id, owner_id, number, what_enc, room_at, armed_at, next_at, created_at) \
             values (?, ?, ?, ?, ?, ?, ?, ?) returning headsup_id",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .bind(self.cipher.seal(what))
        .bind(instant(room_at))
        .bind(instant(now))
        .bind(instant(next_at))
        .bind(instant(now))
        .fetch_one(ex).await
        })?;
        for p in peers {
            db!(&mut tx, |ex| q::query(
                "insert into headsup_peer (headsup_id, peer_id) values (?, ?)"
            )
            .bind(id)
            .bind(p.as_str())
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
        }
        tx.commit().await?;
        Ok(number)
    }

    /// The owner's heads-ups still in play, soonest room first: those whose room is ahead, and
    /// past ones with a peer whose "heard it first?" is unanswered.
    pub async fn open_headsups(&self, owner: &Owner) -> Result<Vec<Headsup>> {
        let rows: Vec<HeadsupRow> = db!(&self.pool, |ex| {
            q::query_as(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from headsup where team_id = ? and owner_id = ? and (status = 'open' or (status = 'done' \
             and exists (select 1 from headsup_peer p where p.headsup_id = headsup.headsup_id and p.heard_first is null))) \
             order by room_at, number"
        )))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .fetch_all(ex).await
        })?;
        self.load_headsups(rows).await
    }

    /// One of the owner's heads-ups by number, unless cancelled.
    pub async fn headsup(&self, owner: &Owner, number: i64) -> Result<Option<Headsup>> {
        let rows: Vec<HeadsupRow> = db!(&self.pool, |ex| {
            q::query_as(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from headsup where team_id = ? and owner_id = ? and number = ? and status <> 'cancelled'"
        )))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .fetch_all(ex).await
        })?;
        Ok(self.load_headsups(rows).await?.pop())
    }

    pub async fn cancel_headsup(&self, owner: &Owner, number: i64) -> Result<bool> {
        let done = db!(&self.pool, |ex| {
            q::query(
            "update headsup set status = 'cancelled' where team_id = ? and owner_id = ? and number = ? and status = 'open'",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }

    /// Moves the room and re-arms the reminders from `now`.
    pub async fn move_headsup(
        &self,
        owner: &Owner,
        number: i64,
        room_at: DateTime<Utc>,
        next_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = db!(&self.pool, |ex| q::query(
            "update headsup set room_at = ?, armed_at = ?, stage = 'none', next_at = ? \
             where team_id = ? and owner_id = ? and number = ? and status = 'open'",
        )
        .bind(instant(room_at))
        .bind(instant(now))
        .bind(instant(next_at))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Marks `peer` told on heads-up `number` (with `heard_first` when known) and, when the peer
    /// is on the map, records the contact, all in one transaction.
    pub async fn mark_told(
        &self,
        owner: &Owner,
        number: i64,
        peer: &UserId,
        answer: ToldAnswer,
        contact: Option<(&Peer, DateTime<Utc>)>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        // The first answer stands (even against a concurrent second one) unless corrected.
        let done = db!(&mut tx, |ex| q::query(
            "update headsup_peer set told_at = coalesce(told_at, ?), \
             heard_first = case when ? then ? else coalesce(heard_first, ?) end \
             where peer_id = ? and headsup_id = (select headsup_id from headsup \
             where team_id = ? and owner_id = ? and number = ? and status <> 'cancelled')",
        )
        .bind(instant(now))
        .bind(answer.correct)
        .bind(answer.heard_first.map(i64::from))
        .bind(answer.heard_first.map(i64::from))
        .bind(peer.as_str())
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        if done != 1 {
            return Ok(false);
        }
        if let Some((p, nudge_at)) = contact {
            super::peers::update_peer_tx(&mut tx, owner, p, nudge_at).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Open heads-ups whose next look is due, with their owners, the longest-waiting first.
    pub async fn headsups_due(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(Owner, Headsup)>> {
        let rows: Vec<(String, String, i64)> = db!(&self.pool, |ex| {
            q::query_as(
            sqlx::AssertSqlSafe(format!(
            "select team_id, owner_id, number from headsup where status = 'open' and next_at <= ? and {LIVE_TEAM} \
             order by next_at limit ?"
        ))
        )
        .bind(instant(now))
        .bind(limit)
        .fetch_all(ex).await
        })?;
        let mut out = Vec::new();
        for (team, user, number) in rows {
            let owner = match (TeamId::parse(&team), UserId::parse(&user)) {
                (Some(t), Some(u)) => Owner::new(t, u),
                _ => return Err(StoreError::Corrupt("headsup owner ids".into())),
            };
            if let Some(h) = self.headsup(&owner, number).await? {
                out.push((owner, h));
            }
        }
        Ok(out)
    }

    /// Records reminder progress outside a delivery (skipped or waiting stages).
    pub async fn set_headsup_stages(&self, owner: &Owner, updates: &[HeadsupUpdate]) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        set_stages(&mut tx, owner, updates).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Per peer: (heard it from the owner first, answered) over all past heads-ups.
    pub async fn heard_first_record(&self, owner: &Owner) -> Result<HashMap<UserId, (i64, i64)>> {
        let rows: Vec<(String, i64, i64)> = db!(&self.pool, |ex| {
            q::query_as(
            "select p.peer_id, sum(case when p.heard_first = 1 then 1 else 0 end), count(*) \
             from headsup_peer p join headsup h on h.headsup_id = p.headsup_id \
             where h.team_id = ? and h.owner_id = ? and p.heard_first is not null group by p.peer_id",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .fetch_all(ex).await
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(p, yes, all)| UserId::parse(&p).map(|u| (u, (yes, all))))
            .collect())
    }
}
