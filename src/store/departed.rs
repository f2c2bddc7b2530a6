//! Peers who left the workspace: moved off every map when Slack says so, kept read-only for
//! `/peer map all` and export, and their owners told once.

use super::peers::PeerRow;
use super::sql::db;
use super::{LIVE_TEAM, Result, Store, StoreError, instant};
use crate::domain::{Owner, Peer, TeamId, UserId};
use chrono::{DateTime, Utc};

const COLUMNS: &str = "peer_id, reason_enc, cadence, added_on, last_contact_on, snoozed_until";

/// A departed peer's columns and when they left.
type DepartedRow = (
    String,
    Option<Vec<u8>>,
    String,
    chrono::NaiveDate,
    Option<chrono::NaiveDate>,
    Option<chrono::NaiveDate>,
    DateTime<Utc>,
);
/// A departed peer's columns with their owner's ids first.
type OwnedDepartedRow = (
    String,
    String,
    String,
    Option<Vec<u8>>,
    String,
    chrono::NaiveDate,
    Option<chrono::NaiveDate>,
    Option<chrono::NaiveDate>,
);

impl Store {
    /// Notes a user Slack reported as deactivated and moves them off every map in the
    /// workspace, in one transaction. Their owners are to be told from `now`.
    pub async fn note_departed(
        &self,
        team: &TeamId,
        user: &UserId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        db!(&mut tx, |ex| {
            q::query(
            "insert into departed_user (team_id, user_id, noted_at) values (?, ?, ?) on conflict do nothing",
        )
        .bind(team.as_str())
        .bind(user.as_str())
        .bind(instant(now))
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        db!(&mut tx, |ex| q::query(sqlx::AssertSqlSafe(format!(
            "insert into departed_peer (team_id, owner_id, {COLUMNS}, departed_at, tell_at) \
             select team_id, owner_id, {COLUMNS}, ?, ? from peer where team_id = ? and peer_id = ? \
             on conflict do nothing"
        )))
        .bind(instant(now))
        .bind(instant(now))
        .bind(team.as_str())
        .bind(user.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        db!(&mut tx, |ex| q::query(
            "delete from peer where team_id = ? and peer_id = ?"
        )
        .bind(team.as_str())
        .bind(user.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(())
    }

    /// The owner's departed peers, most recent first, with when they left.
    pub async fn departed_of(&self, owner: &Owner) -> Result<Vec<(Peer, DateTime<Utc>)>> {
        let rows: Vec<DepartedRow> = db!(&self.pool, |ex| {
            q::query_as(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS}, departed_at from departed_peer where team_id = ? and owner_id = ? \
                 order by departed_at desc"
        )))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .fetch_all(ex).await
        })?;
        rows.into_iter()
            .map(|(p, r, c, a, l, s, at)| Ok((self.peer_from_row((p, r, c, a, l, s))?, at)))
            .collect()
    }

    /// One departed peer of the owner's, if any.
    pub async fn departed(&self, owner: &Owner, peer: &UserId) -> Result<Option<Peer>> {
        let row: Option<PeerRow> = db!(&self.pool, |ex| {
            q::query_as(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from departed_peer where team_id = ? and owner_id = ? and peer_id = ?"
        )))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .fetch_optional(ex).await
        })?;
        row.map(|r| self.peer_from_row(r)).transpose()
    }

    /// Departures whose owner is to be told at `now`.
    pub async fn departures_to_tell(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(Owner, Peer)>> {
        let rows: Vec<OwnedDepartedRow> = db!(&self.pool, |ex| {
            q::query_as(sqlx::AssertSqlSafe(format!(
                "select team_id, owner_id, {COLUMNS} from departed_peer where tell_at <= ? and {LIVE_TEAM} \
                 order by tell_at limit ?"
            )))
            .bind(instant(now))
            .bind(limit)
            .fetch_all(ex)
            .await
        })?;
        rows.into_iter()
            .map(|(t, o, p, r, c, a, l, s)| {
                let owner = match (TeamId::parse(&t), UserId::parse(&o)) {
                    (Some(t), Some(u)) => Owner::new(t, u),
                    _ => return Err(StoreError::Corrupt("departed_peer owner ids".into())),
                };
                Ok((owner, self.peer_from_row((p, r, c, a, l, s))?))
            })
            .collect()
    }

    /// When the owner is next to be told about a departure (`None`: told).
    pub async fn set_departure_tell(
        &self,
        owner: &Owner,
        peer: &UserId,
        at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        db!(&self.pool, |ex| {
            q::query(
            "update departed_peer set tell_at = ? where team_id = ? and owner_id = ? and peer_id = ?",
        )
        .bind(at.map(instant))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}
