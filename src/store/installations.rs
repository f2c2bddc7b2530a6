//! Workspaces the bot serves and their bot tokens (sealed at rest).

use super::{Result, Store, instant};
use crate::domain::TeamId;
use chrono::{DateTime, Utc};

impl Store {
    pub async fn installation_exists(&self, team: &TeamId) -> Result<bool> {
        let row: Option<(String,)> = sqlx::query_as(
            "select team_id from installation where team_id = ? and revoked_at is null",
        )
        .bind(team.as_str())
        .fetch_optional(&self.pool)
        .await?;
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
        sqlx::query(
            "insert into installation (team_id, bot_token_enc, source, installed_at) values (?, ?, 'env', ?) \
             on conflict (team_id) do update set bot_token_enc = excluded.bot_token_enc, revoked_at = null \
             where installation.source = 'env'",
        )
        .bind(team.as_str())
        .bind(self.cipher.seal(token))
        .bind(instant(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Points every environment-sourced installation at the current `SLACK_BOT_TOKEN`.
    pub async fn refresh_env_tokens(&self, token: &str) -> Result<()> {
        sqlx::query("update installation set bot_token_enc = ? where source = 'env'")
            .bind(self.cipher.seal(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn bot_token(&self, team: &TeamId) -> Result<Option<String>> {
        let row: Option<(Vec<u8>,)> = sqlx::query_as(
            "select bot_token_enc from installation where team_id = ? and revoked_at is null",
        )
        .bind(team.as_str())
        .fetch_optional(&self.pool)
        .await?;
        self.open_opt(row.map(|r| r.0))
    }

    /// The app was uninstalled or its token revoked: stop using the token.
    /// Whether the database answers (`select 1`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn revoke_installation(&self, team: &TeamId, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "update installation set revoked_at = ? where team_id = ? and revoked_at is null",
        )
        .bind(instant(now))
        .bind(team.as_str())
        .execute(&self.pool)
        .await?;
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
        let r = sqlx::query(
            "insert into slack_seen (team_id, key, seen_at) values (?, ?, ?) on conflict do nothing",
        )
        .bind(team.as_str())
        .bind(key)
        .bind(instant(now))
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Withdraws a sighting whose handling failed, so a later delivery is handled.
    pub async fn forget_sighting(&self, team: &TeamId, key: &str) -> Result<()> {
        sqlx::query("delete from slack_seen where team_id = ? and key = ?")
            .bind(team.as_str())
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
