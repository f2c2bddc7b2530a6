//! Joint pieces of work with a peer (SPEC idea 11), private to their owner: every query is
//! scoped by workspace and owner, the topic sealed at rest. The scheduler finds the DMs due at a
//! period's end through the two `…_notice_at` indexes.

use super::sql::db;
use super::{LIVE_TEAM, Result, Store, StoreError, instant};
use crate::domain::{LookBack, Owner, TeamId, Together, TogetherStatus, UserId};
use chrono::{DateTime, NaiveDate, Utc};

/// A piece of work about to be recorded.
pub struct NewTogether<'a> {
    pub peer: &'a UserId,
    pub topic: &'a str,
    pub weeks: u32,
    pub started_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// When its period is over (both DMs become due then).
    pub ends_at: DateTime<Utc>,
}

/// The next period, when the owner keeps going.
pub struct NextPeriod {
    pub started_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub ends_at: DateTime<Utc>,
}

/// Whose DM about a piece of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Owner,
    Peer,
}

impl Side {
    fn column(self) -> &'static str {
        match self {
            Side::Owner => "owner_notice_at",
            Side::Peer => "peer_notice_at",
        }
    }
}

/// A piece of work with a DM due, and which.
#[derive(Debug, Clone, PartialEq)]
pub struct TogetherDue {
    pub owner: Owner,
    pub item: Together,
    /// The owner's look-back is due (only while it is open).
    pub owner_due: bool,
    /// The peer's note is due: about period `peer_period` (which may be one the owner has
    /// already looked back on, kept going from or closed).
    pub peer_due: bool,
    pub peer_period: i64,
}

/// `TogetherRow`'s columns.
const COLUMNS: &str = "number, peer_id, topic_enc, weeks, period, started_on, ends_on, status";

type TogetherRow = (i64, String, Vec<u8>, i64, i64, NaiveDate, NaiveDate, String);

type DueRow = (
    String,
    String,
    i64,
    String,
    Vec<u8>,
    i64,
    i64,
    NaiveDate,
    NaiveDate,
    String,
    bool,
    bool,
    i64,
);

impl Store {
    /// Records a piece of work and returns its number (the owner's own short id).
    pub async fn add_together(
        &self,
        owner: &Owner,
        t: &NewTogether<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool.begin_write().await?;
        let number = super::next_number(&mut tx, "together", owner).await?;
        db!(&mut tx, |ex| q::query(
            "insert into together (team_id, owner_id, number, peer_id, topic_enc, weeks, \
             started_on, ends_on, owner_notice_at, peer_notice_at, created_at) \
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .bind(t.peer.as_str())
        .bind(self.cipher.seal(t.topic))
        .bind(i64::from(t.weeks))
        .bind(t.started_on)
        .bind(t.ends_on)
        .bind(instant(t.ends_at))
        .bind(instant(t.ends_at))
        .bind(instant(now))
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(number)
    }

    /// The owner's open pieces of work, soonest end first.
    pub async fn open_togethers(&self, owner: &Owner) -> Result<Vec<Together>> {
        let rows: Vec<TogetherRow> =
            db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
                "select {COLUMNS} from together \
             where team_id = ? and owner_id = ? and status = 'open' order by ends_on, number"
            )))
            .bind(owner.team.as_str())
            .bind(owner.user.as_str())
            .fetch_all(ex)
            .await)?;
        rows.into_iter()
            .map(|r| self.together_from_row(r))
            .collect()
    }

    /// One of the owner's pieces of work, open or closed.
    pub async fn together(&self, owner: &Owner, number: i64) -> Result<Option<Together>> {
        let row: Option<TogetherRow> =
            db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
                "select {COLUMNS} from together where team_id = ? and owner_id = ? and number = ?"
            )))
            .bind(owner.team.as_str())
            .bind(owner.user.as_str())
            .bind(number)
            .fetch_optional(ex)
            .await)?;
        row.map(|r| self.together_from_row(r)).transpose()
    }

    /// Open pieces of work with a DM whose moment has come (through the `…_notice_at` indexes).
    pub async fn togethers_due(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<TogetherDue>> {
        let now = instant(now);
        let rows: Vec<DueRow> = db!(&self.pool, |ex| {
            q::query_as(sqlx::AssertSqlSafe(format!(
            "select team_id, owner_id, {COLUMNS}, \
             coalesce(owner_notice_at <= ? and status = 'open', false), \
             coalesce(peer_notice_at <= ?, false), peer_period from together \
             where ((owner_notice_at <= ? and status = 'open') or peer_notice_at <= ?) and {LIVE_TEAM} \
             order by together_id limit ?"
        )))
        .bind(now)
        .bind(now)
        .bind(now)
        .bind(now)
        .bind(limit)
        .fetch_all(ex)
        .await
        })?;
        rows.into_iter()
            .map(
                |(t, o, n, p, x, w, pe, s, e, st, owner_due, peer_due, peer_period)| {
                    let owner = match (TeamId::parse(&t), UserId::parse(&o)) {
                        (Some(t), Some(u)) => Owner::new(t, u),
                        _ => return Err(StoreError::Corrupt("together owner ids".into())),
                    };
                    Ok(TogetherDue {
                        owner,
                        item: self.together_from_row((n, p, x, w, pe, s, e, st))?,
                        owner_due,
                        peer_due,
                        peer_period,
                    })
                },
            )
            .collect()
    }

    /// When the scheduler looks at one side's DM of this piece of work next (`None`: it is
    /// recorded, never again this period).
    pub async fn set_together_notice(
        &self,
        owner: &Owner,
        number: i64,
        side: Side,
        at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        db!(&self.pool, |ex| q::query(sqlx::AssertSqlSafe(format!(
            "update together set {} = ? where team_id = ? and owner_id = ? and number = ?",
            side.column()
        )))
        .bind(at.map(instant))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// After the peer's note about `period` is recorded: the note about the period after it,
    /// when the owner kept going meanwhile (`next`: its end), else none.
    pub async fn peer_told(
        &self,
        owner: &Owner,
        number: i64,
        next: Option<(DateTime<Utc>, i64)>,
    ) -> Result<()> {
        db!(&self.pool, |ex| q::query(
            "update together set peer_notice_at = ?, peer_period = coalesce(?, peer_period) \
             where team_id = ? and owner_id = ? and number = ?",
        )
        .bind(next.map(|(at, _)| instant(at)))
        .bind(next.map(|(_, p)| p))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(number)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records a look-back in one transaction: the note about the peer (if any), then another
    /// period (`next`) or the piece of work closed. `None` when the owner has no such open one.
    /// A peer's note still waiting for their hours about a period that has ended (on or before
    /// `today`) stays due: the peer hears of that end once whatever the owner answered.
    pub async fn look_back(
        &self,
        owner: &Owner,
        answers: &LookBack,
        next: Option<&NextPeriod>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Option<Together>> {
        let mut tx = self.pool.begin_write().await?;
        let row: Option<TogetherRow> =
            db!(&mut tx, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
                "select {COLUMNS} from together \
             where team_id = ? and owner_id = ? and number = ? and status = 'open'"
            )))
            .bind(owner.team.as_str())
            .bind(owner.user.as_str())
            .bind(answers.number)
            .fetch_optional(ex)
            .await)?;
        let Some(item) = row.map(|r| self.together_from_row(r)).transpose()? else {
            return Ok(None);
        };
        if let Some(note) = answers.note(&item.topic) {
            db!(&mut tx, |ex| q::query(
                "insert into note (team_id, owner_id, peer_id, text_enc, created_at) \
                 values (?, ?, ?, ?, ?)",
            )
            .bind(owner.team.as_str())
            .bind(owner.user.as_str())
            .bind(item.peer.as_str())
            .bind(self.cipher.seal(&note))
            .bind(instant(now))
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
        }
        match next {
            Some(n) => {
                // SET expressions read the row as it was before this update.
                db!(&mut tx, |ex| q::query(
                    "update together set period = period + 1, started_on = ?, ends_on = ?, \
                     owner_notice_at = ?, \
                     peer_notice_at = case when peer_notice_at is not null and ends_on <= ? \
                         then peer_notice_at else ? end, \
                     peer_period = case when peer_notice_at is not null and ends_on <= ? \
                         then peer_period else period + 1 end \
                     where team_id = ? and owner_id = ? and number = ?",
                )
                .bind(n.started_on)
                .bind(n.ends_on)
                .bind(instant(n.ends_at))
                .bind(today)
                .bind(instant(n.ends_at))
                .bind(today)
                .bind(owner.team.as_str())
                .bind(owner.user.as_str())
                .bind(answers.number)
                .execute(ex)
                .await
                .map(|r| r.rows_affected()))?;
            }
            None => {
                db!(&mut tx, |ex| q::query(
                    "update together set status = 'closed', closed_at = ?, owner_notice_at = null, \
                     peer_notice_at = case when ends_on <= ? then peer_notice_at end \
                     where team_id = ? and owner_id = ? and number = ?",
                )
                .bind(instant(now))
                .bind(today)
                .bind(owner.team.as_str())
                .bind(owner.user.as_str())
                .bind(answers.number)
                .execute(ex)
                .await
                .map(|r| r.rows_affected()))?;
            }
        }
        tx.commit().await?;
        Ok(Some(item))
    }

    fn together_from_row(&self, r: TogetherRow) -> Result<Together> {
        let (number, peer, topic, weeks, period, started_on, ends_on, status) = r;
        let corrupt = |what: &str| StoreError::Corrupt(format!("together {number}: {what}"));
        Ok(Together {
            number,
            peer: UserId::parse(&peer).ok_or_else(|| corrupt("peer"))?,
            topic: self.cipher.open(&topic)?,
            weeks: u32::try_from(weeks).map_err(|_| corrupt("weeks"))?,
            period,
            started_on,
            ends_on,
            status: match status.as_str() {
                "open" => TogetherStatus::Open,
                "closed" => TogetherStatus::Closed,
                _ => return Err(corrupt("status")),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(t: &str, u: &str) -> Owner {
        Owner::new(TeamId::parse(t).unwrap(), UserId::parse(u).unwrap())
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn pieces_of_work_are_sealed_numbered_per_owner_and_come_due_once_per_side() {
        let (_dir, store) = crate::store::test_store().await;
        let now = at("2026-11-23T10:00:00Z");
        let me = owner("T1", "U1");
        let ana = UserId::parse("U2").unwrap();
        let new = NewTogether {
            peer: &ana,
            topic: "SECRETTOPIC migration",
            weeks: 2,
            started_on: "2026-11-23".parse().unwrap(),
            ends_on: "2026-12-07".parse().unwrap(),
            ends_at: at("2026-12-07T00:00:00Z"),
        };
        assert_eq!(store.add_together(&me, &new, now).await.unwrap(), 1);
        assert_eq!(store.add_together(&me, &new, now).await.unwrap(), 2);
        let other = owner("T2", "U1");
        assert_eq!(store.add_together(&other, &new, now).await.unwrap(), 1);
        assert!(
            store
                .together(&owner("T1", "U9"), 1)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(store.open_togethers(&me).await.unwrap().len(), 2);
        let raw: Vec<(Vec<u8>,)> = db!(store.pool(), |ex| q::query_as(
            "select topic_enc from together"
        )
        .fetch_all(ex)
        .await)
        .unwrap();
        assert!(!String::from_utf8_lossy(&raw[0].0).contains("SECRETTOPIC"));

        assert!(store.togethers_due(now, 10).await.unwrap().is_empty());
        let due = store
            .togethers_due(at("2026-12-07T00:00:00Z"), 10)
            .await
            .unwrap();
        assert_eq!(due.len(), 3);
        assert!(due.iter().all(|d| d.owner_due && d.peer_due));
        store
            .set_together_notice(&me, 1, Side::Owner, None)
            .await
            .unwrap();
        let due = store
            .togethers_due(at("2026-12-07T00:00:00Z"), 10)
            .await
            .unwrap();
        let first = due.iter().find(|d| d.owner == me && d.item.number == 1);
        assert!(first.is_some_and(|d| !d.owner_due && d.peer_due), "{due:?}");

        // Another owner cannot look back on it; its owner closes it, with a note.
        let lb = LookBack {
            number: 1,
            keep: false,
            worked: Some("pairing".into()),
            change: None,
        };
        let today = now.date_naive();
        assert!(
            store
                .look_back(
                    &other,
                    &LookBack {
                        number: 9,
                        ..lb.clone()
                    },
                    None,
                    today,
                    now
                )
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .look_back(&me, &lb, None, today, now)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .look_back(&me, &lb, None, today, now)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(store.notes(&me, &ana).await.unwrap().len(), 1);
        assert_eq!(store.open_togethers(&me).await.unwrap().len(), 1);
    }
}
