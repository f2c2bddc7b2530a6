//! The three-month review's rows: when each series started (`peer.series_from`, else the day
//! the peer was added), when it was last put to its owner, and the snoozes given in it.

use super::due::{OWNERS, TEAM_OF, USER_OF, owner, owners_json};
use super::sql::{Tx, db};
use super::{Result, Store, StoreError};
use crate::domain::{
    Cadence, Owner, Peer, SeriesHistory, SnoozeRecord, UserId, review_due, series_history,
};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

impl Store {
    /// For each `(owner, their today, the peers in today's nudge)`, those whose series is due
    /// for review that day, with the series' history. One query for the batch; the history
    /// only for the (rare) series that are due.
    pub async fn reviews_due(
        &self,
        owners: &[(Owner, NaiveDate, Vec<UserId>)],
    ) -> Result<HashMap<Owner, HashMap<UserId, SeriesHistory>>> {
        let mut out: HashMap<Owner, HashMap<UserId, SeriesHistory>> = HashMap::new();
        if owners.is_empty() {
            return Ok(out);
        }
        let days: HashMap<&Owner, (NaiveDate, &[UserId])> = owners
            .iter()
            .map(|(o, d, peers)| (o, (*d, peers.as_slice())))
            .collect();
        let list: Vec<Owner> = owners.iter().map(|(o, _, _)| o.clone()).collect();
        let rows: Vec<(String, String, String, NaiveDate, Option<NaiveDate>)> =
            db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
                "select p.team_id, p.owner_id, p.peer_id, coalesce(p.series_from, p.added_on), \
                 p.review_asked_on from {OWNERS} \
                 join peer p on p.team_id = {TEAM_OF} and p.owner_id = {USER_OF}"
            )))
            .bind(owners_json(&list)?)
            .fetch_all(ex)
            .await)?;
        for (t, u, peer, since, asked) in rows {
            let o = owner(&t, &u)?;
            let Some((today, nudged)) = days.get(&o).copied() else {
                continue;
            };
            if !review_due(since, asked, today) {
                continue;
            }
            let peer =
                UserId::parse(&peer).ok_or_else(|| StoreError::Corrupt("peer.peer_id".into()))?;
            if !nudged.contains(&peer) {
                continue;
            }
            if let Some(h) = self.series(&o, &peer, today).await? {
                out.entry(o).or_default().insert(peer, h);
            }
        }
        Ok(out)
    }

    /// The history of `owner`'s current series with `peer` as of `today`; `None` when they
    /// are not on the map.
    pub async fn series(
        &self,
        owner: &Owner,
        peer: &UserId,
        today: NaiveDate,
    ) -> Result<Option<SeriesHistory>> {
        let row: Option<(String, NaiveDate)> = db!(&self.pool, |ex| q::query_as(
            "select cadence, coalesce(series_from, added_on) from peer \
             where team_id = ? and owner_id = ? and peer_id = ?",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .fetch_optional(ex)
        .await)?;
        let Some((cadence, since)) = row else {
            return Ok(None);
        };
        let cadence: Cadence = cadence
            .parse()
            .map_err(|_| StoreError::Corrupt("peer.cadence".into()))?;
        let held: Vec<(NaiveDate,)> = db!(&self.pool, |ex| q::query_as(
            "select held_on from checkin where team_id = ? and owner_id = ? and peer_id = ? \
             and held_on >= ?",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .bind(since)
        .fetch_all(ex)
        .await)?;
        let snoozes: Vec<(Option<NaiveDate>, NaiveDate, Option<Vec<u8>>)> =
            db!(&self.pool, |ex| q::query_as(
                "select snoozed_on, until_on, reason_enc from snooze_log \
             where team_id = ? and owner_id = ? and peer_id = ? and until_on >= ? \
             order by until_on, snooze_id",
            )
            .bind(owner.team.as_str())
            .bind(owner.user.as_str())
            .bind(peer.as_str())
            .bind(since)
            .fetch_all(ex)
            .await)?;
        let snoozes = snoozes
            .into_iter()
            .map(|(on, until, reason)| {
                Ok(SnoozeRecord {
                    on,
                    until,
                    reason: self.open_opt(reason)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let held: Vec<NaiveDate> = held.into_iter().map(|(d,)| d).collect();
        Ok(Some(series_history(cadence, since, &held, snoozes, today)))
    }

    /// The review was answered "keep": a new series starts `today`. `false` when the peer is not
    /// on the map.
    pub async fn start_series(
        &self,
        owner: &Owner,
        peer: &UserId,
        today: NaiveDate,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        let done = start_series_tx(&mut tx, owner, peer, today).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// The review was answered with a new cadence: the peer's cadence and nudge time change
    /// and a new series starts `today`, in one transaction.
    pub async fn restart_series_with(
        &self,
        owner: &Owner,
        p: &Peer,
        nudge_at: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        super::peers::update_peer_tx(&mut tx, owner, p, nudge_at).await?;
        let done = start_series_tx(&mut tx, owner, &p.peer, today).await?;
        tx.commit().await?;
        Ok(done)
    }
}

async fn start_series_tx(
    tx: &mut Tx<'_>,
    owner: &Owner,
    peer: &UserId,
    today: NaiveDate,
) -> Result<bool> {
    let done = db!(&mut *tx, |ex| q::query(
        "update peer set series_from = ?, review_asked_on = null \
         where team_id = ? and owner_id = ? and peer_id = ?",
    )
    .bind(today)
    .bind(owner.team.as_str())
    .bind(owner.user.as_str())
    .bind(peer.as_str())
    .execute(ex)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// The three-month review of `peers` was put to the owner on `day` (asked again no sooner than a
/// week later): marked inside the claim of the message that asks it (`deliveries::claim_tx`),
/// so it counts as asked exactly when that message is recorded.
pub(super) async fn mark_reviews_asked(
    tx: &mut super::sql::Tx<'_>,
    owner: &Owner,
    peers: &[UserId],
    day: NaiveDate,
) -> Result<()> {
    for peer in peers {
        db!(&mut *tx, |ex| q::query(
            "update peer set review_asked_on = ? \
             where team_id = ? and owner_id = ? and peer_id = ?",
        )
        .bind(day)
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}
