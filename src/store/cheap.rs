//! Offers of what is cheap for the owner's team to give, and the trade suggestions already made
//! (once per offer and context version). Private to their owner; the text sealed.

use super::sql::db;
use super::{Result, Store, instant};
use crate::domain::{Owner, UserId};
use chrono::{DateTime, Utc};

impl Store {
    /// Records an offer; returns its number.
    pub async fn add_cheap_offer(
        &self,
        owner: &Owner,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool.begin_write().await?;
        let number = super::next_number(&mut tx, "cheap_offer", owner).await?;
        db!(&mut tx, |ex| {
            q::query(
            "insert into cheap_offer (team_id, owner_id, number, what_enc, created_at) values (?, ?, ?, ?, ?)",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .bind(self.cipher.seal(what))
        .bind(instant(now))
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        tx.commit().await?;
        Ok(number)
    }

    /// The owner's offers, oldest first: (number, what).
    pub async fn cheap_offers(&self, owner: &Owner) -> Result<Vec<(i64, String)>> {
        let rows: Vec<(i64, Vec<u8>)> = db!(&self.pool, |ex| {
            q::query_as(
            "select number, what_enc from cheap_offer where team_id = ? and owner_id = ? order by number",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .fetch_all(ex).await
        })?;
        rows.into_iter()
            .map(|(n, w)| Ok((n, self.cipher.open(&w)?)))
            .collect()
    }

    /// Removes one of the owner's offers; `false` when they have no such number.
    pub async fn remove_cheap_offer(&self, owner: &Owner, number: i64) -> Result<bool> {
        let done = db!(&self.pool, |ex| q::query(
            "delete from cheap_offer where team_id = ? and owner_id = ? and number = ?",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Records that offer `number` was suggested against `peer`'s context version `set_at`;
    /// `false` when it already was (the suggestion is made once).
    pub async fn note_suggestion(
        &self,
        owner: &Owner,
        number: i64,
        peer: &UserId,
        set_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = db!(&self.pool, |ex| {
            q::query(
            "insert into offer_suggestion (team_id, owner_id, number, peer_id, context_set_at, shown_at) \
             values (?, ?, ?, ?, ?, ?) on conflict do nothing",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .bind(peer.as_str())
        .bind(instant(set_at))
        .bind(instant(now))
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }
}
