//! Users' delivery preferences: time zone (from Slack or set by hand), working hours and days.

use super::sql::db;
use super::{Result, Store, StoreError, instant};
use crate::domain::{DeliveryPrefs, Owner, UserId, WeekdaySet, WorkingHours};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Where a user's time zone came from. A zone the user set is never overwritten by Slack's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TzSource {
    Slack,
    User,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub tz: Option<Tz>,
    pub tz_source: Option<TzSource>,
    pub tz_checked_at: Option<DateTime<Utc>>,
    pub hours: WorkingHours,
    pub days: WeekdaySet,
}

impl Profile {
    /// Delivery preferences, with UTC standing in until the time zone is known.
    pub fn prefs(&self) -> DeliveryPrefs {
        DeliveryPrefs {
            tz: self.tz.unwrap_or(Tz::UTC),
            hours: self.hours,
            days: self.days,
        }
    }
}

pub(super) type ProfileRow = (
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    i64,
    i64,
    i64,
);

pub(super) fn profile_from_row(r: ProfileRow) -> Result<Profile> {
    let (tz, source, checked, start, end, days) = r;
    let bad = |what: &str| StoreError::Corrupt(format!("user_profile.{what}"));
    Ok(Profile {
        tz: tz
            .map(|t| t.parse::<Tz>().map_err(|_| bad("tz")))
            .transpose()?,
        tz_source: match source.as_deref() {
            None => None,
            Some("slack") => Some(TzSource::Slack),
            Some("user") => Some(TzSource::User),
            Some(_) => return Err(bad("tz_source")),
        },
        tz_checked_at: checked,
        hours: u8::try_from(start)
            .ok()
            .zip(u8::try_from(end).ok())
            .and_then(|(s, e)| WorkingHours::new(s, e))
            .ok_or_else(|| bad("work hours"))?,
        days: u8::try_from(days)
            .ok()
            .and_then(WeekdaySet::from_bits)
            .ok_or_else(|| bad("work_days"))?,
    })
}

pub(super) const PROFILE_COLUMNS: &str =
    "tz, tz_source, tz_checked_at, work_start, work_end, work_days";

impl Store {
    pub async fn profile(&self, who: &Owner) -> Result<Option<Profile>> {
        let row: Option<ProfileRow> = db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(
            format!("select {PROFILE_COLUMNS} from user_profile where team_id = ? and user_id = ?")
        ))
        .bind(who.team.as_str())
        .bind(who.user.as_str())
        .fetch_optional(ex)
        .await)?;
        row.map(profile_from_row).transpose()
    }

    /// The user's profile, created with the defaults (09–17, Monday–Friday, zone unknown) on
    /// first use.
    pub async fn ensure_profile(&self, who: &Owner, now: DateTime<Utc>) -> Result<Profile> {
        if let Some(p) = self.profile(who).await? {
            return Ok(p);
        }
        db!(&self.pool, |ex| q::query(
            "insert into user_profile (team_id, user_id, created_at) values (?, ?, ?) \
             on conflict (team_id, user_id) do nothing",
        )
        .bind(who.team.as_str())
        .bind(who.user.as_str())
        .bind(instant(now))
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        self.profile(who)
            .await?
            .ok_or_else(|| StoreError::Corrupt("user_profile vanished after insert".into()))
    }

    /// Notes that users.info was asked at `now` (successfully or not), so it is not asked again
    /// on every command.
    pub async fn mark_tz_checked(&self, who: &Owner, now: DateTime<Utc>) -> Result<()> {
        db!(&self.pool, |ex| q::query(
            "update user_profile set tz_checked_at = ? where team_id = ? and user_id = ?"
        )
        .bind(instant(now))
        .bind(who.team.as_str())
        .bind(who.user.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Caches the zone Slack reported, unless the user chose one themselves. Returns whether the
    /// stored zone changed.
    pub async fn record_slack_tz(&self, who: &Owner, tz: Tz, now: DateTime<Utc>) -> Result<bool> {
        let done = db!(&self.pool, |ex| q::query(
            "update user_profile set tz = ?, tz_source = 'slack', tz_checked_at = ? \
             where team_id = ? and user_id = ? and (tz_source is null or tz_source = 'slack') \
             and (tz is null or tz <> ?)",
        )
        .bind(tz.name())
        .bind(instant(now))
        .bind(who.team.as_str())
        .bind(who.user.as_str())
        .bind(tz.name())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Saves settings the user typed (`None` leaves a setting as it was) together with the
    /// peers' nudge times recomputed for them, in one transaction.
    pub async fn save_settings(
        &self,
        who: &Owner,
        tz: Option<Tz>,
        hours: Option<WorkingHours>,
        days: Option<WeekdaySet>,
        nudges: &[(UserId, DateTime<Utc>)],
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        if let Some(tz) = tz {
            db!(&mut tx, |ex| {
                q::query("update user_profile set tz = ?, tz_source = 'user' where team_id = ? and user_id = ?")
                .bind(tz.name())
                .bind(who.team.as_str())
                .bind(who.user.as_str())
                .execute(ex).await.map(|r| r.rows_affected())
            })?;
        }
        if let Some(h) = hours {
            db!(&mut tx, |ex| {
                q::query("update user_profile set work_start = ?, work_end = ? where team_id = ? and user_id = ?")
                .bind(i64::from(h.start))
                .bind(i64::from(h.end))
                .bind(who.team.as_str())
                .bind(who.user.as_str())
                .execute(ex).await.map(|r| r.rows_affected())
            })?;
        }
        if let Some(d) = days {
            db!(&mut tx, |ex| q::query(
                "update user_profile set work_days = ? where team_id = ? and user_id = ?"
            )
            .bind(i64::from(d.bits()))
            .bind(who.team.as_str())
            .bind(who.user.as_str())
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
        }
        super::peers::set_nudges(&mut tx, who, nudges).await?;
        tx.commit().await?;
        Ok(())
    }
}
