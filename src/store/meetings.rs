//! Leadership meetings (workspace-wide), credits and published context. Credits and context
//! are sealed at rest like all free text; every query is scoped by workspace.

use super::sql::db;
use super::{LIVE_TEAM, Result, Store, StoreError, instant};
use crate::domain::{
    CONTEXT_STALE_AFTER, ChannelId, Credit, Meeting, Owner, Published, Schedule, TeamId, Upcoming,
    UserId,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

const WALL: &str = "%Y-%m-%dT%H:%M";
const MEETING_COLUMNS: &str = "team_id, number, channel_id, name, schedule, anchor, tz, lead_minutes, \
     added_by, created_at, next_occurrence, digest_at, last_digest_at";

type MeetingRow = (
    String,
    i64,
    String,
    Option<String>,
    String,
    String,
    String,
    i64,
    String,
    DateTime<Utc>,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

fn wall(s: &str, column: &str) -> Result<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, WALL)
        .map_err(|_| StoreError::Corrupt(format!("meeting.{column}")))
}

fn meeting_from_row(r: MeetingRow) -> Result<Meeting> {
    let corrupt = |c: &str| StoreError::Corrupt(format!("meeting.{c}"));
    let anchor = wall(&r.5, "anchor")?;
    Ok(Meeting {
        team: TeamId::parse(&r.0).ok_or_else(|| corrupt("team_id"))?,
        number: r.1,
        channel: ChannelId::parse(&r.2).ok_or_else(|| corrupt("channel_id"))?,
        name: r.3,
        schedule: Schedule::parse(&r.4, anchor).map_err(|_| corrupt("schedule"))?,
        anchor,
        tz: r.6.parse::<Tz>().map_err(|_| corrupt("tz"))?,
        lead_minutes: r.7,
        added_by: UserId::parse(&r.8).ok_or_else(|| corrupt("added_by"))?,
        created_at: r.9,
        next: Upcoming {
            occurrence: wall(&r.10, "next_occurrence")?,
            digest_at: r.11,
        },
        last_digest_at: r.12,
    })
}

/// What `/peer meeting add` records.
pub struct NewMeeting<'a> {
    pub channel: &'a ChannelId,
    pub name: Option<&'a str>,
    pub schedule: &'a Schedule,
    pub anchor: NaiveDateTime,
    pub tz: Tz,
    pub lead_minutes: i64,
    pub next: Upcoming,
}

impl Store {
    /// Records a meeting and returns its number (the workspace's next one).
    pub async fn create_meeting(
        &self,
        added_by: &Owner,
        m: &NewMeeting<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool.begin_write().await?;
        let (number,): (i64,) = db!(&mut tx, |ex| q::query_as(
            "select coalesce(max(number), 0) + 1 from meeting where team_id = ?"
        )
        .bind(added_by.team.as_str())
        .fetch_one(ex)
        .await)?;
        db!(&mut tx, |ex| {
            q::query(
            "insert into meeting (team_id, number, channel_id, name, schedule, anchor, tz, lead_minutes, \
             added_by, created_at, next_occurrence, digest_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(added_by.team.as_str())
        .bind(number)
        .bind(m.channel.as_str())
        .bind(m.name)
        .bind(m.schedule.text())
        .bind(m.anchor.format(WALL).to_string())
        .bind(m.tz.name())
        .bind(m.lead_minutes)
        .bind(added_by.user.as_str())
        .bind(instant(now))
        .bind(m.next.occurrence.format(WALL).to_string())
        .bind(instant(m.next.digest_at))
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        tx.commit().await?;
        Ok(number)
    }

    pub async fn meetings(&self, team: &TeamId) -> Result<Vec<Meeting>> {
        let rows: Vec<MeetingRow> = db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(
            format!("select {MEETING_COLUMNS} from meeting where team_id = ? order by number")
        ))
        .bind(team.as_str())
        .fetch_all(ex)
        .await)?;
        rows.into_iter().map(meeting_from_row).collect()
    }

    pub async fn meeting(&self, team: &TeamId, number: i64) -> Result<Option<Meeting>> {
        let row: Option<MeetingRow> = db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(
            format!("select {MEETING_COLUMNS} from meeting where team_id = ? and number = ?")
        ))
        .bind(team.as_str())
        .bind(number)
        .fetch_optional(ex)
        .await)?;
        row.map(meeting_from_row).transpose()
    }

    pub async fn remove_meeting(&self, team: &TeamId, number: i64) -> Result<bool> {
        let r = db!(&self.pool, |ex| q::query(
            "delete from meeting where team_id = ? and number = ?"
        )
        .bind(team.as_str())
        .bind(number)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(r > 0)
    }

    /// Meetings whose next digest is due, across workspaces, through `meeting_by_digest_at`.
    pub async fn meetings_due(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Meeting>> {
        let rows: Vec<MeetingRow> = db!(&self.pool, |ex| {
            q::query_as(sqlx::AssertSqlSafe(format!(
                "select {MEETING_COLUMNS} from meeting where digest_at <= ? and {LIVE_TEAM} \
             order by digest_at limit ?"
            )))
            .bind(instant(now))
            .bind(limit)
            .fetch_all(ex)
            .await
        })?;
        rows.into_iter().map(meeting_from_row).collect()
    }

    /// Moves a meeting on to its next occurrence, but only from the occurrence the caller
    /// digested (a concurrent pass that already moved it is left alone). `digested_at` is set
    /// when a digest was recorded, so credits after it wait for the next one.
    pub async fn advance_meeting(
        &self,
        m: &Meeting,
        next: Upcoming,
        digested_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        db!(&self.pool, |ex| q::query(
            "update meeting set next_occurrence = ?, digest_at = ?, \
             last_digest_at = coalesce(?, last_digest_at) \
             where team_id = ? and number = ? and next_occurrence = ?",
        )
        .bind(next.occurrence.format(WALL).to_string())
        .bind(instant(next.digest_at))
        .bind(digested_at.map(instant))
        .bind(m.team.as_str())
        .bind(m.number)
        .bind(m.next.occurrence.format(WALL).to_string())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn add_credit(
        &self,
        author: &Owner,
        peer: &UserId,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        db!(&self.pool, |ex| {
            q::query(
            "insert into credit (team_id, author_id, peer_id, what_enc, created_at) values (?, ?, ?, ?, ?)",
        )
        .bind(author.team.as_str())
        .bind(author.user.as_str())
        .bind(peer.as_str())
        .bind(self.cipher.seal(what))
        .bind(instant(now))
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Credits given in the workspace in `(since, until]`, oldest first.
    pub async fn credits_between(
        &self,
        team: &TeamId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Credit>> {
        let rows: Vec<(String, String, Vec<u8>, DateTime<Utc>)> = db!(&self.pool, |ex| {
            q::query_as(
            "select author_id, peer_id, what_enc, created_at from credit \
             where team_id = ? and created_at > ? and created_at <= ? order by created_at, credit_id",
        )
        .bind(team.as_str())
        .bind(instant(since))
        .bind(instant(until))
        .fetch_all(ex).await
        })?;
        rows.into_iter()
            .map(|(a, p, w, at)| {
                Ok(Credit {
                    author: UserId::parse(&a)
                        .ok_or_else(|| StoreError::Corrupt("credit.author_id".into()))?,
                    peer: UserId::parse(&p)
                        .ok_or_else(|| StoreError::Corrupt("credit.peer_id".into()))?,
                    what: self.cipher.open(&w)?,
                    at,
                })
            })
            .collect()
    }

    /// Publishes (or replaces) the user's context; its owner is asked to refresh it once it is
    /// [`CONTEXT_STALE_AFTER`] old.
    pub async fn set_context(&self, owner: &Owner, text: &str, now: DateTime<Utc>) -> Result<()> {
        db!(&self.pool, |ex| {
            q::query(
            "insert into context (team_id, user_id, text_enc, set_at, stale_at) values (?, ?, ?, ?, ?) \
             on conflict (team_id, user_id) do update set text_enc = excluded.text_enc, \
             set_at = excluded.set_at, stale_at = excluded.stale_at",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(self.cipher.seal(text))
        .bind(instant(now))
        .bind(instant(now + CONTEXT_STALE_AFTER))
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    pub async fn clear_context(&self, owner: &Owner) -> Result<bool> {
        let r = db!(&self.pool, |ex| q::query(
            "delete from context where team_id = ? and user_id = ?"
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(r > 0)
    }

    /// The published context of those of `users` who have one.
    pub async fn contexts_of(&self, team: &TeamId, users: &[UserId]) -> Result<Vec<Published>> {
        let ids = serde_json::to_string(&users).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let rows: Vec<(String, Vec<u8>, DateTime<Utc>)> = db!(&self.pool, |ex| q::query_as(
            "select user_id, text_enc, set_at from context \
             where team_id = ? and user_id in (select value from json_each(?)) order by user_id",
        )
        .bind(team.as_str())
        .bind(ids)
        .fetch_all(ex)
        .await)?;
        rows.into_iter()
            .map(|(u, t, set_at)| {
                Ok(Published {
                    user: UserId::parse(&u)
                        .ok_or_else(|| StoreError::Corrupt("context.user_id".into()))?,
                    text: self.cipher.open(&t)?,
                    set_at,
                })
            })
            .collect()
    }

    /// Contexts whose owner is due to be asked to refresh them.
    pub async fn contexts_to_refresh(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(Owner, DateTime<Utc>)>> {
        let rows: Vec<(String, String, DateTime<Utc>)> = db!(&self.pool, |ex| {
            q::query_as(sqlx::AssertSqlSafe(format!(
                "select team_id, user_id, set_at from context where stale_at <= ? and {LIVE_TEAM} \
             order by stale_at limit ?"
            )))
            .bind(instant(now))
            .bind(limit)
            .fetch_all(ex)
            .await
        })?;
        rows.into_iter()
            .map(|(t, u, set_at)| {
                let team = TeamId::parse(&t)
                    .ok_or_else(|| StoreError::Corrupt("context.team_id".into()))?;
                let user = UserId::parse(&u)
                    .ok_or_else(|| StoreError::Corrupt("context.user_id".into()))?;
                Ok((Owner::new(team, user), set_at))
            })
            .collect()
    }

    /// Sets when the owner of the context set at `set_at` is asked next (`None`: never again).
    pub async fn set_context_refresh(
        &self,
        owner: &Owner,
        set_at: DateTime<Utc>,
        at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        db!(&self.pool, |ex| q::query(
            "update context set stale_at = ? where team_id = ? and user_id = ? and set_at = ?",
        )
        .bind(at.map(instant))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(instant(set_at))
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Those of `users` who use Sideways in `team` (have a profile).
    pub async fn users_among(&self, team: &TeamId, users: &[UserId]) -> Result<Vec<UserId>> {
        let ids = serde_json::to_string(&users).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let rows: Vec<(String,)> = db!(&self.pool, |ex| q::query_as(
            "select user_id from user_profile \
             where team_id = ? and user_id in (select value from json_each(?)) order by user_id",
        )
        .bind(team.as_str())
        .bind(ids)
        .fetch_all(ex)
        .await)?;
        Ok(rows.iter().filter_map(|(u,)| UserId::parse(u)).collect())
    }
}
