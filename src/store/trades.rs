//! The ledger: trades and loans, private to their owner (every query is scoped by workspace
//! and owner), the text sealed at rest.

use super::sql::db;
use super::{LIVE_TEAM, Result, Store, StoreError, instant};
use crate::domain::{Direction, Good, LoanStatus, Owner, TeamId, Trade, UserId};
use chrono::{DateTime, NaiveDate, Utc};

/// A trade about to be recorded.
pub struct NewTrade<'a> {
    pub peer: &'a UserId,
    pub direction: Direction,
    pub good: Good,
    pub text: &'a str,
    pub held_on: NaiveDate,
    pub back_by: Option<NaiveDate>,
    /// A loan's first reminder.
    pub remind_at: Option<DateTime<Utc>>,
}

/// `TradeRow`'s columns.
const TRADE_COLUMNS: &str = "number, peer_id, direction, good, text_enc, held_on, back_by, status";

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

/// A trade with its owner's ids first.
type OwnedTradeRow = (
    String,
    String,
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
        let mut tx = self.pool.begin_write().await?;
        let number = super::next_number(&mut tx, "trade", owner).await?;
        db!(&mut tx, |ex| q::query(
            "insert into trade (team_id, owner_id, number, peer_id, direction, good, text_enc, \
             held_on, back_by, remind_at, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .bind(t.remind_at.map(instant))
        .bind(instant(now))
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(number)
    }

    /// The owner's trades (with one peer, or all), newest first.
    pub async fn trades(&self, owner: &Owner, peer: Option<&UserId>) -> Result<Vec<Trade>> {
        let rows: Vec<TradeRow> = db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
            "select {TRADE_COLUMNS} from trade \
             where team_id = ? and owner_id = ? and (? is null or peer_id = ?) \
             order by held_on desc, number desc"
        )))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.map(UserId::as_str))
        .bind(peer.map(UserId::as_str))
        .fetch_all(ex)
        .await)?;
        rows.into_iter().map(|r| self.trade_from_row(r)).collect()
    }

    /// Deletes one of the owner's trades; `false` when they have no such number.
    pub async fn delete_trade(&self, owner: &Owner, number: i64) -> Result<bool> {
        let done = db!(&self.pool, |ex| q::query(
            "delete from trade where team_id = ? and owner_id = ? and number = ?"
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// The owner's open loans, soonest due first.
    pub async fn open_loans(&self, owner: &Owner) -> Result<Vec<Trade>> {
        let rows: Vec<TradeRow> = db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
            "select {TRADE_COLUMNS} from trade \
             where team_id = ? and owner_id = ? and status = 'open' and back_by is not null \
             order by back_by, number"
        )))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .fetch_all(ex)
        .await)?;
        rows.into_iter().map(|r| self.trade_from_row(r)).collect()
    }

    /// Open loans whose reminder is due, with their owners (through `trade_by_remind_at`).
    pub async fn loans_due(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<(Owner, Trade)>> {
        let rows: Vec<OwnedTradeRow> = db!(&self.pool, |ex| {
            q::query_as(sqlx::AssertSqlSafe(format!(
                "select team_id, owner_id, {TRADE_COLUMNS} from trade \
                 where remind_at <= ? and status = 'open' and {LIVE_TEAM} \
                 order by remind_at limit ?"
            )))
            .bind(instant(now))
            .bind(limit)
            .fetch_all(ex)
            .await
        })?;
        rows.into_iter()
            .map(|(t, o, n, p, d, g, x, h, b, s)| {
                let owner = match (TeamId::parse(&t), UserId::parse(&o)) {
                    (Some(t), Some(u)) => Owner::new(t, u),
                    _ => return Err(StoreError::Corrupt("trade owner ids".into())),
                };
                Ok((owner, self.trade_from_row((n, p, d, g, x, h, b, s))?))
            })
            .collect()
    }

    /// When the scheduler looks at this loan next (`None`: never).
    pub async fn set_loan_remind(
        &self,
        owner: &Owner,
        number: i64,
        at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        db!(&self.pool, |ex| q::query(
            "update trade set remind_at = ? where team_id = ? and owner_id = ? and number = ?",
        )
        .bind(at.map(instant))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Closes an open loan (returned or written off); `false` when there is no such open loan.
    pub async fn settle_loan(
        &self,
        owner: &Owner,
        number: i64,
        status: LoanStatus,
    ) -> Result<bool> {
        let done = db!(&self.pool, |ex| q::query(
            "update trade set status = ?, remind_at = null where team_id = ? and owner_id = ? \
             and number = ? and status = 'open' and back_by is not null",
        )
        .bind(status.as_str())
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Moves an open loan's due date (and its next reminder); `false` when there is no such loan.
    pub async fn extend_loan(
        &self,
        owner: &Owner,
        number: i64,
        back_by: NaiveDate,
        remind_at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = db!(&self.pool, |ex| q::query(
            "update trade set back_by = ?, remind_at = ? where team_id = ? and owner_id = ? \
             and number = ? and status = 'open' and back_by is not null",
        )
        .bind(back_by)
        .bind(instant(remind_at))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
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
