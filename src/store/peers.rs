//! Peer maps and the check-ins logged against them.

use super::sql::Tx;
use super::sql::db;
use super::{Result, Store, StoreError, instant};
use crate::domain::{Cadence, CheckinEntry, Owner, Peer, TeamId, UserId};
use chrono::{DateTime, NaiveDate, Utc};

/// A peer as stored: `PEER_COLUMNS`.
pub(super) type PeerRow = (
    String,
    Option<Vec<u8>>,
    String,
    NaiveDate,
    Option<NaiveDate>,
    Option<NaiveDate>,
);
/// A peer with its owner and nudge time: `OWNED_PEER_COLUMNS` (batched reads).
pub(super) type OwnedPeerRow = (
    String,
    String,
    String,
    Option<Vec<u8>>,
    String,
    NaiveDate,
    Option<NaiveDate>,
    Option<NaiveDate>,
    DateTime<Utc>,
);
/// `OwnedPeerRow`'s columns of a `peer p`.
pub(super) const OWNED_PEER_COLUMNS: &str = "p.team_id, p.owner_id, p.peer_id, p.reason_enc, \
     p.cadence, p.added_on, p.last_contact_on, p.snoozed_until, p.nudge_at";
/// Reads only rows whose nudge time has come, through `peer_by_nudge_at` (tested below).
const OWNERS_DUE: &str = "select team_id, owner_id, min(nudge_at) as first from \
     (select team_id, owner_id, nudge_at from peer where nudge_at <= ? order by nudge_at limit ?) due \
     group by team_id, owner_id order by first";

const PEER_COLUMNS: &str = "peer_id, reason_enc, cadence, added_on, last_contact_on, snoozed_until";

pub(super) async fn set_nudges(
    tx: &mut Tx<'_>,
    owner: &Owner,
    nudges: &[(UserId, DateTime<Utc>)],
) -> Result<()> {
    for (peer, at) in nudges {
        db!(&mut *tx, |ex| q::query(
            "update peer set nudge_at = ? where team_id = ? and owner_id = ? and peer_id = ?",
        )
        .bind(instant(*at))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// The scheduler's moves: like [`set_nudges`], but only for peers still due at `now`. A pass
/// that planned from rows another pass (or a command) has since moved leaves them alone, so
/// a losing pass never undoes the winner's schedule (the doubled next-day nudge).
pub(super) async fn move_due_nudges(
    tx: &mut Tx<'_>,
    owner: &Owner,
    nudges: &[(UserId, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> Result<()> {
    for (peer, at) in nudges {
        db!(&mut *tx, |ex| q::query(
            "update peer set nudge_at = ? where team_id = ? and owner_id = ? and peer_id = ? \
             and nudge_at <= ?",
        )
        .bind(instant(*at))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .bind(instant(now))
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

impl Store {
    /// `(owner, peer, nudge_at)` from a batched read's row.
    pub(super) fn owned_peer_from_row(
        &self,
        r: OwnedPeerRow,
    ) -> Result<(Owner, Peer, DateTime<Utc>)> {
        let (team, user, peer, reason, cadence, added, last, snoozed, at) = r;
        let owner = match (TeamId::parse(&team), UserId::parse(&user)) {
            (Some(t), Some(u)) => Owner::new(t, u),
            _ => return Err(StoreError::Corrupt("peer owner ids".into())),
        };
        let p = self.peer_from_row((peer, reason, cadence, added, last, snoozed))?;
        Ok((owner, p, at))
    }

    pub(super) fn peer_from_row(&self, r: PeerRow) -> Result<Peer> {
        let (peer_id, reason, cadence, added_on, last_contact, snoozed_until) = r;
        Ok(Peer {
            peer: UserId::parse(&peer_id)
                .ok_or_else(|| StoreError::Corrupt("peer.peer_id".into()))?,
            reason: self.open_opt(reason)?,
            cadence: cadence
                .parse::<Cadence>()
                .map_err(|_| StoreError::Corrupt("peer.cadence".into()))?,
            added_on,
            last_contact,
            snoozed_until,
        })
    }

    /// Puts a peer on the owner's map. Returns false, changing nothing, if they are already on it.
    pub async fn add_peer(
        &self,
        owner: &Owner,
        p: &Peer,
        nudge_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = db!(&self.pool, |ex| {
            q::query(
            "insert into peer (team_id, owner_id, peer_id, reason_enc, cadence, added_on, last_contact_on, \
             snoozed_until, nudge_at, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             on conflict (team_id, owner_id, peer_id) do nothing",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(p.peer.as_str())
        .bind(self.seal_opt(p.reason.as_deref()))
        .bind(p.cadence.to_string())
        .bind(p.added_on)
        .bind(p.last_contact)
        .bind(p.snoozed_until)
        .bind(instant(nudge_at))
        .bind(instant(now))
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }

    /// Takes a peer off the map; their past check-ins stay in the owner's history.
    pub async fn remove_peer(&self, owner: &Owner, peer: &UserId) -> Result<bool> {
        let done = db!(&self.pool, |ex| q::query(
            "delete from peer where team_id = ? and owner_id = ? and peer_id = ?"
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// One peer of `owner`'s map (on SQLite a direct call; on Postgres read with other pending
    /// lookups in one query).
    pub async fn peer(&self, owner: &Owner, peer: &UserId) -> Result<Option<Peer>> {
        let row: Option<PeerRow> = match &self.lookups {
            super::Lookups::Direct(lite) => lite.peer(owner, peer).await?,
            super::Lookups::Batched(loader) => loader.load(owner, peer).await?,
        };
        row.map(|r| self.peer_from_row(r)).transpose()
    }

    pub async fn peers_of(&self, owner: &Owner) -> Result<Vec<Peer>> {
        let rows: Vec<PeerRow> = db!(&self.pool, |ex| {
            q::query_as(sqlx::AssertSqlSafe(format!(
            "select {PEER_COLUMNS} from peer where team_id = ? and owner_id = ? order by peer_id"
        )))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .fetch_all(ex).await
        })?;
        rows.into_iter().map(|r| self.peer_from_row(r)).collect()
    }

    /// Writes a peer's cadence, contact and snooze, and its recomputed nudge time.
    pub async fn update_peer(
        &self,
        owner: &Owner,
        p: &Peer,
        nudge_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        update_peer_tx(&mut tx, owner, p, nudge_at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Logs a contact and moves the peer's clock, in one transaction.
    pub async fn record_checkin(
        &self,
        owner: &Owner,
        p: &Peer,
        nudge_at: DateTime<Utc>,
        entry: &CheckinEntry,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let agenda = if entry.agenda.is_empty() {
            None
        } else {
            Some(
                serde_json::to_string(&entry.agenda)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            )
        };
        use super::writer::{Arg, Write};
        let sql = "insert into checkin (team_id, owner_id, peer_id, held_on, kind, notes_enc, agenda_enc, \
             offer_enc, status_sync, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);\
             update peer set cadence = ?, last_contact_on = ?, snoozed_until = ?, nudge_at = ? \
             where team_id = ? and owner_id = ? and peer_id = ?;";
        let (team, user, peer) = (
            owner.team.as_str().to_string(),
            owner.user.as_str().to_string(),
            p.peer.as_str().to_string(),
        );
        let args = vec![
            Arg::Text(Some(team.clone())),
            Arg::Text(Some(user.clone())),
            Arg::Text(Some(peer.clone())),
            Arg::Date(Some(entry.held_on)),
            Arg::Text(Some(if entry.coffee { "coffee" } else { "checkin" }.into())),
            Arg::Blob(self.seal_opt(entry.notes.as_deref())),
            Arg::Blob(self.seal_opt(agenda.as_deref())),
            Arg::Blob(self.seal_opt(entry.offer.as_deref())),
            Arg::Int(i64::from(entry.status_sync)),
            Arg::Time(instant(now)),
            Arg::Text(Some(p.cadence.to_string())),
            Arg::Date(p.last_contact),
            Arg::Date(p.snoozed_until),
            Arg::Time(instant(nudge_at)),
            Arg::Text(Some(team)),
            Arg::Text(Some(user)),
            Arg::Text(Some(peer)),
        ];
        let mut sql = sql.to_string();
        let mut args = args;
        // The form's "one cheap thing I could do" is an open offer until closed.
        if let Some(offer) = &entry.offer {
            sql.push_str(
                "insert into offer (team_id, owner_id, peer_id, what_enc, made_on, status, created_at) \
                 values (?, ?, ?, ?, ?, 'open', ?);",
            );
            args.extend([
                Arg::Text(Some(owner.team.as_str().to_string())),
                Arg::Text(Some(owner.user.as_str().to_string())),
                Arg::Text(Some(p.peer.as_str().to_string())),
                Arg::Blob(Some(self.cipher.seal(offer))),
                Arg::Date(Some(entry.held_on)),
                Arg::Time(instant(now)),
            ]);
        }
        // One transaction with whatever other check-ins are pending (group commit).
        self.writer.write(Write { sql, args }).await
    }

    /// Writes a snooze (with its reason, or none) and the recomputed nudge time, together.
    pub async fn snooze_peer(
        &self,
        owner: &Owner,
        p: &Peer,
        nudge_at: DateTime<Utc>,
        reason: Option<&str>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        update_peer_tx(&mut tx, owner, p, nudge_at).await?;
        if let Some(until) = p.snoozed_until {
            // Kept for the series' history (the three-month review).
            db!(&mut tx, |ex| q::query(
                "insert into snooze_log (team_id, owner_id, peer_id, snoozed_on, until_on, \
                 reason_enc, created_at) values (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(owner.team.as_str())
            .bind(owner.user.as_str())
            .bind(p.peer.as_str())
            .bind(today)
            .bind(until)
            .bind(self.seal_opt(reason))
            .bind(instant(now))
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
        }
        db!(&mut tx, |ex| {
            q::query(
            "update peer set snooze_reason_enc = ? where team_id = ? and owner_id = ? and peer_id = ?",
        )
        .bind(self.seal_opt(reason))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(p.peer.as_str())
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        tx.commit().await?;
        Ok(())
    }

    /// Owners of the (at most `limit`) longest-waiting peers whose nudge time has come. Reads
    /// only due rows, through `peer_by_nudge_at`.
    pub async fn owners_due(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Owner>> {
        let rows: Vec<(String, String, DateTime<Utc>)> =
            db!(&self.pool, |ex| q::query_as(OWNERS_DUE)
                .bind(instant(now))
                .bind(limit)
                .fetch_all(ex)
                .await)?;
        rows.into_iter()
            .map(|(t, u, _)| match (TeamId::parse(&t), UserId::parse(&u)) {
                (Some(t), Some(u)) => Ok(Owner::new(t, u)),
                _ => Err(StoreError::Corrupt("peer owner ids".into())),
            })
            .collect()
    }

    /// Moves peers' nudge times (after a nudge went out, or when it must wait for a window).
    pub async fn set_nudges(
        &self,
        owner: &Owner,
        nudges: &[(UserId, DateTime<Utc>)],
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        set_nudges(&mut tx, owner, nudges).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The scheduler's moves of peers due at `now` (see [`move_due_nudges`]).
    pub async fn move_due_nudges(
        &self,
        owner: &Owner,
        nudges: &[(UserId, DateTime<Utc>)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        move_due_nudges(&mut tx, owner, nudges, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

pub(super) async fn update_peer_tx(
    tx: &mut Tx<'_>,
    owner: &Owner,
    p: &Peer,
    nudge_at: DateTime<Utc>,
) -> Result<()> {
    db!(&mut *tx, |ex| q::query(
        "update peer set cadence = ?, last_contact_on = ?, snoozed_until = ?, nudge_at = ? \
         where team_id = ? and owner_id = ? and peer_id = ?",
    )
    .bind(p.cadence.to_string())
    .bind(p.last_contact)
    .bind(p.snoozed_until)
    .bind(instant(nudge_at))
    .bind(owner.team.as_str())
    .bind(owner.user.as_str())
    .bind(p.peer.as_str())
    .execute(ex)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn finding_due_owners_reads_the_nudge_index_not_the_whole_table() {
        let (_dir, store) = crate::store::test_store().await;
        // SQLite's planner; Postgres chooses by its statistics and is not asked here.
        let crate::store::sql::Backend::Sqlite(pool) = store.pool() else {
            return;
        };
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "explain query plan {OWNERS_DUE}"
        )))
        .bind(DateTime::<Utc>::MIN_UTC)
        .bind(10)
        .fetch_all(pool)
        .await
        .unwrap();
        let detail: Vec<&str> = plan.iter().map(|r| r.3.as_str()).collect();
        assert!(
            detail
                .iter()
                .any(|d| d.contains("USING INDEX peer_by_nudge_at")
                    || d.contains("USING COVERING INDEX peer_by_nudge_at")),
            "{detail:?}"
        );
        assert!(
            !detail.iter().any(|d| d.starts_with("SCAN peer")),
            "{detail:?}"
        );
    }
}
