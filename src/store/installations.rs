//! Workspaces the bot serves and their bot tokens (sealed at rest): from `SLACK_BOT_TOKEN`, or
//! installed through OAuth (with the install links' single-use nonces, token rotation's lease,
//! and what an uninstall stops and, after its grace period, deletes).

use super::sql::{Tx, db};
use super::{Result, Store, StoreError, instant};
use crate::domain::{TeamId, UserId};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// A workspace installed through OAuth, as `oauth.v2.access` described it.
pub struct NewInstall<'a> {
    pub team: &'a TeamId,
    pub enterprise: Option<&'a str>,
    pub bot_user: Option<&'a UserId>,
    pub bot_token: &'a str,
    pub scopes: &'a str,
    pub installer: Option<&'a UserId>,
    pub refresh_token: Option<&'a str>,
    pub expires_at: Option<DateTime<Utc>>,
}

fn nonce_hash(nonce: &str) -> String {
    hex::encode(Sha256::digest(nonce.as_bytes()))
}

impl Store {
    pub async fn installation_exists(&self, team: &TeamId) -> Result<bool> {
        let row: Option<(String,)> = db!(&self.pool, |ex| q::query_as(
            "select team_id from installation where team_id = ? and revoked_at is null",
        )
        .bind(team.as_str())
        .fetch_optional(ex)
        .await)?;
        Ok(row.is_some())
    }

    /// Records that `team` is served with the token from the environment. An existing OAuth
    /// installation is left alone.
    pub async fn install_from_env(
        &self,
        team: &TeamId,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        let installed = db!(&mut tx, |ex| {
            q::query(
            "insert into installation (team_id, bot_token_enc, source, installed_at) values (?, ?, 'env', ?) \
             on conflict (team_id) do update set bot_token_enc = excluded.bot_token_enc, revoked_at = null, \
             installed_at = excluded.installed_at where installation.source = 'env'",
        )
        .bind(team.as_str())
        .bind(self.cipher.seal(token))
        .bind(instant(now))
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        // Only when it is (again) an installation of ours: a revoked OAuth one stays parked.
        if installed == 1 {
            unpark_nudges_tx(&mut tx, team, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Points every environment-sourced installation at the current `SLACK_BOT_TOKEN`.
    pub async fn refresh_env_tokens(&self, token: &str) -> Result<()> {
        db!(&self.pool, |ex| q::query(
            "update installation set bot_token_enc = ? where source = 'env' and revoked_at is null",
        )
        .bind(self.cipher.seal(token))
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn bot_token(&self, team: &TeamId) -> Result<Option<String>> {
        let row: Option<(Vec<u8>,)> = db!(&self.pool, |ex| q::query_as(
            "select bot_token_enc from installation where team_id = ? and revoked_at is null",
        )
        .bind(team.as_str())
        .fetch_optional(ex)
        .await)?;
        self.open_opt(row.map(|r| r.0))
    }

    /// The app was uninstalled or its token revoked: stop using the token.
    /// Records (or re-records) an OAuth installation; its workspace's nudges are looked at
    /// again from `now` (they were parked if it had uninstalled).
    pub async fn install_oauth(&self, i: &NewInstall<'_>, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        db!(&mut tx, |ex| {
            q::query(
            "insert into installation (team_id, bot_token_enc, source, installed_at, enterprise_id, \
             bot_user_id, scopes, installer_id, refresh_token_enc, expires_at) \
             values (?, ?, 'oauth', ?, ?, ?, ?, ?, ?, ?) \
             on conflict (team_id) do update set bot_token_enc = excluded.bot_token_enc, \
             source = 'oauth', installed_at = excluded.installed_at, revoked_at = null, \
             enterprise_id = excluded.enterprise_id, bot_user_id = excluded.bot_user_id, \
             scopes = excluded.scopes, installer_id = excluded.installer_id, \
             refresh_token_enc = excluded.refresh_token_enc, expires_at = excluded.expires_at, \
             refreshing_until = null",
        )
        .bind(i.team.as_str())
        .bind(self.cipher.seal(i.bot_token))
        .bind(instant(now))
        .bind(i.enterprise)
        .bind(i.bot_user.map(UserId::as_str))
        .bind(i.scopes)
        .bind(i.installer.map(UserId::as_str))
        .bind(self.seal_opt(i.refresh_token))
        .bind(i.expires_at.map(instant))
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        unpark_nudges_tx(&mut tx, i.team, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Spends an install link's nonce (its signature and expiry already checked): `true` the
    /// first time, `false` if it was used before. Kept until `expires_at`, when the link would
    /// be refused anyway. The install link itself writes nothing.
    pub async fn spend_oauth_state(
        &self,
        nonce: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        db!(&mut tx, |ex| q::query(
            "delete from oauth_state where expires_at < ?"
        )
        .bind(instant(now))
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        let done = db!(&mut tx, |ex| {
            q::query(
            "insert into oauth_state (nonce_hash, expires_at) values (?, ?) on conflict do nothing",
        )
        .bind(nonce_hash(nonce))
        .bind(instant(expires_at))
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        tx.commit().await?;
        Ok(done == 1)
    }

    /// Installations whose bot token expires before `by` and that no process is refreshing:
    /// each leased to this caller until `lease_until`, with its refresh token.
    pub async fn claim_token_refreshes(
        &self,
        by: DateTime<Utc>,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<(TeamId, Option<String>)>> {
        let rows: Vec<(String, Vec<u8>)> = db!(&self.pool, |ex| q::query_as(
            "update installation set refreshing_until = ? \
             where revoked_at is null and refresh_token_enc is not null and expires_at < ? \
             and (refreshing_until is null or refreshing_until < ?) \
             returning team_id, refresh_token_enc",
        )
        .bind(instant(lease_until))
        .bind(instant(by))
        .bind(instant(now))
        .fetch_all(ex)
        .await)?;
        rows.into_iter()
            .map(|(t, r)| {
                let team =
                    TeamId::parse(&t).ok_or_else(|| StoreError::Corrupt("installation".into()))?;
                // An unreadable one is reported to the caller, not allowed to stop the others.
                Ok((team, self.cipher.open(&r).ok()))
            })
            .collect()
    }

    /// The rotated tokens of `team`; its refresh lease ends.
    pub async fn store_refreshed_token(
        &self,
        team: &TeamId,
        bot_token: &str,
        refresh_token: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        db!(&self.pool, |ex| {
            q::query(
            "update installation set bot_token_enc = ?, refresh_token_enc = coalesce(?, refresh_token_enc), \
             expires_at = ?, refreshing_until = null where team_id = ? and revoked_at is null",
        )
        .bind(self.cipher.seal(bot_token))
        .bind(self.seal_opt(refresh_token))
        .bind(expires_at.map(instant))
        .bind(team.as_str())
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Workspaces that uninstalled before `cutoff` (their grace period is over).
    pub async fn uninstalled_before(&self, cutoff: DateTime<Utc>) -> Result<Vec<TeamId>> {
        let rows: Vec<(String,)> = db!(&self.pool, |ex| q::query_as(
            "select team_id from installation where revoked_at < ?"
        )
        .bind(instant(cutoff))
        .fetch_all(ex)
        .await)?;
        Ok(rows.iter().filter_map(|(t,)| TeamId::parse(t)).collect())
    }

    /// Deletes every row of `team`, in every table that has a `team_id`, its installation last.
    /// Returns the number of rows deleted.
    /// Nothing is deleted unless the workspace is still uninstalled since before `cutoff`
    /// (checked in the same transaction: a reinstall in the meantime keeps everything).
    pub async fn delete_workspace(&self, team: &TeamId, cutoff: DateTime<Utc>) -> Result<u64> {
        // Every table with a `team_id`, read from each backend's catalogue.
        let tables_sql = if self.is_postgres() {
            "select table_name::text from information_schema.columns \
             where table_schema = current_schema() and column_name = 'team_id' \
             and table_name <> 'installation' order by table_name"
        } else {
            "select m.name from sqlite_master m where m.type = 'table' and m.name <> 'installation' \
             and exists (select 1 from pragma_table_info(m.name) c where c.name = 'team_id') \
             order by m.name"
        };
        let tables: Vec<(String,)> =
            db!(&self.pool, |ex| q::query_as(tables_sql).fetch_all(ex).await)?;
        let mut tx = self.pool.begin_write().await?;
        let still: Option<(String,)> = db!(&mut tx, |ex| q::query_as(
            "select team_id from installation where team_id = ? and revoked_at < ?"
        )
        .bind(team.as_str())
        .bind(instant(cutoff))
        .fetch_optional(ex)
        .await)?;
        if still.is_none() {
            return Ok(0);
        }
        let mut n = 0;
        for (table,) in tables {
            // The names come from the schema itself, not from input.
            n += db!(&mut tx, |ex| q::query(sqlx::AssertSqlSafe(format!(
                "delete from \"{table}\" where team_id = ?"
            )))
            .bind(team.as_str())
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
        }
        n += db!(&mut tx, |ex| q::query(
            "delete from installation where team_id = ? and revoked_at is not null"
        )
        .bind(team.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(n)
    }

    /// Whether the database answers (`select 1`).
    pub async fn ping(&self) -> Result<()> {
        db!(&self.pool, |ex| q::query("select 1")
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The app was uninstalled or its token revoked: the tokens are deleted, every message
    /// waiting to be sent there is dropped, and its nudges are parked (an install wakes them).
    /// (Slack's retries of the event carry the same `event_id` and are dropped before this.)
    pub async fn revoke_installation(&self, team: &TeamId, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        let done = db!(&mut tx, |ex| {
            q::query(
            "update installation set revoked_at = ?, bot_token_enc = ?, refresh_token_enc = null, \
             expires_at = null, refreshing_until = null where team_id = ? and revoked_at is null",
        )
        .bind(instant(now))
        .bind(Vec::<u8>::new())
        .bind(team.as_str())
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        if done == 0 {
            return Ok(());
        }
        db!(&mut tx, |ex| {
            q::query(
            "update delivery set status = 'failed', last_error = 'the workspace uninstalled Sideways' \
             where team_id = ? and status in ('pending', 'sending')",
        )
        .bind(team.as_str())
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        db!(&mut tx, |ex| q::query(sqlx::AssertSqlSafe(format!(
            "update peer set nudge_at = '{PARKED}' where team_id = ?"
        )))
        .bind(team.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(())
    }

    /// True the first time `key` is seen for `team` (an event id, a form submission): the
    /// caller handles it; false for a repeat, which the caller ignores.
    pub async fn first_sighting(
        &self,
        team: &TeamId,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let r = db!(&self.pool, |ex| {
            q::query(
            "insert into slack_seen (team_id, key, seen_at) values (?, ?, ?) on conflict do nothing",
        )
        .bind(team.as_str())
        .bind(key)
        .bind(instant(now))
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        Ok(r == 1)
    }

    /// Withdraws a sighting whose handling failed, so a later delivery is handled.
    pub async fn forget_sighting(&self, team: &TeamId, key: &str) -> Result<()> {
        db!(&self.pool, |ex| q::query(
            "delete from slack_seen where team_id = ? and key = ?"
        )
        .bind(team.as_str())
        .bind(key)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }
}

/// Where an uninstalled workspace's nudges wait: a time no pass reaches.
const PARKED: &str = "9999-12-31T00:00:00+00:00";

/// Nudges parked by an uninstall come back, due now (the scheduler re-plans each).
async fn unpark_nudges_tx(tx: &mut Tx<'_>, team: &TeamId, now: DateTime<Utc>) -> Result<()> {
    db!(&mut *tx, |ex| q::query(sqlx::AssertSqlSafe(format!(
        "update peer set nudge_at = ? where team_id = ? and nudge_at = '{PARKED}'"
    )))
    .bind(instant(now))
    .bind(team.as_str())
    .execute(ex)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
