//! Workspaces the bot serves and their bot tokens (sealed at rest).

use super::{Result, Store, instant};
use crate::domain::TeamId;
use chrono::{DateTime, Utc};

impl Store {
    pub async fn installation_exists(&self, team: &TeamId) -> Result<bool> {
        let row: Option<(String,)> =
            sqlx::query_as("select team_id from installation where team_id = ?")
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
             on conflict (team_id) do update set bot_token_enc = excluded.bot_token_enc \
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
        let row: Option<(Vec<u8>,)> =
            sqlx::query_as("select bot_token_enc from installation where team_id = ?")
                .bind(team.as_str())
                .fetch_optional(&self.pool)
                .await?;
        self.open_opt(row.map(|r| r.0))
    }
}
