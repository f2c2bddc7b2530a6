//! The ledger: trades and loans, private to their owner (every query is scoped by workspace
//! and owner), the text sealed at rest.

use super::{Result, Store, StoreError, instant};
use crate::domain::{Direction, Good, LoanStatus, Owner, Trade, UserId};
use chrono::{DateTime, NaiveDate, Utc};

/// A trade about to be recorded.
pub struct NewTrade<'a> {
    pub peer: &'a UserId,
    pub direction: Direction,
    pub good: Good,
    pub text: &'a str,
    pub held_on: NaiveDate,
    pub back_by: Option<NaiveDate>,
}

type TradeRow = (
    i64,
    String,
    String,
    String,
    Vec<u8>,
    NaiveDate,
    Option<NaiveDate>,
    String,
);

impl Store {
    /// Records a trade and returns its number (the owner's own short id).
    pub async fn add_trade(
        &self,
        owner: &Owner,
        t: &NewTrade<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool.begin_with("begin immediate").await?;
        let (number,): (i64,) = sqlx::query_as(
            "select coalesce(max(number), 0) + 1 from trade where team_id = ? and owner_id = ?",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "insert into trade (team_id, owner_id, number, peer_id, direction, good, text_enc, \
             held_on, back_by, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .bind(t.peer.as_str())
        .bind(t.direction.as_str())
        .bind(t.good.as_str())
        .bind(self.cipher.seal(t.text))
        .bind(t.held_on)
        .bind(t.back_by)
        .bind(instant(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(number)
    }

    /// The owner's trades (with one peer, or all), newest first.
    pub async fn trades(&self, owner: &Owner, peer: Option<&UserId>) -> Result<Vec<Trade>> {
        let rows: Vec<TradeRow> = sqlx::query_as(
            "select number, peer_id, direction, good, text_enc, held_on, back_by, status from trade \
             where team_id = ? and owner_id = ? and (? is null or peer_id = ?) \
             order by held_on desc, number desc",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.map(UserId::as_str))
        .bind(peer.map(UserId::as_str))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| self.trade_from_row(r)).collect()
    }

    /// Deletes one of the owner's trades; `false` when they have no such number.
    pub async fn delete_trade(&self, owner: &Owner, number: i64) -> Result<bool> {
        let done =
            sqlx::query("delete from trade where team_id = ? and owner_id = ? and number = ?")
                .bind(owner.team.as_str())
                .bind(owner.user.as_str())
                .bind(number)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    fn trade_from_row(&self, r: TradeRow) -> Result<Trade> {
        let (number, peer, direction, good, text, held_on, back_by, status) = r;
        let corrupt = |what: &str| StoreError::Corrupt(format!("trade {number}: {what}"));
        Ok(Trade {
            number,
            peer: UserId::parse(&peer).ok_or_else(|| corrupt("peer"))?,
            direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction"))?,
            good: Good::parse(&good).ok_or_else(|| corrupt("good"))?,
            text: self.cipher.open(&text)?,
            held_on,
            back_by,
            status: match status.as_str() {
                "open" => LoanStatus::Open,
                "returned" => LoanStatus::Returned,
                "written_off" => LoanStatus::WrittenOff,
                _ => return Err(corrupt("status")),
            },
        })
    }
}
