//! Workspace upkeep: bot tokens that expire (token rotation) are refreshed ahead of time, by one
//! process at a time (a lease on the installation row); workspaces that uninstalled longer ago
//! than the grace period have all their data deleted.

use super::super::Pass;
use crate::outbound::{Grant, SendError};
use crate::store::StoreError;
use chrono::TimeDelta;

/// A token is refreshed this long before it expires.
const REFRESH_AHEAD: TimeDelta = TimeDelta::minutes(15);
/// How long one process may hold a refresh before another tries.
const REFRESH_LEASE: TimeDelta = TimeDelta::minutes(2);

pub(in crate::scheduler) async fn run(p: &Pass<'_>) -> Result<(), StoreError> {
    let (s, now) = (p.s, p.now);
    if p.dry_run {
        return Ok(());
    }
    for (team, refresh_token) in s
        .store
        .claim_token_refreshes(now + REFRESH_AHEAD, now, now + REFRESH_LEASE)
        .await?
    {
        match s
            .messenger
            .exchange(&Grant::Refresh { refresh_token })
            .await
        {
            Ok(g) => {
                let expires = g.expires_in.map(|secs| now + TimeDelta::seconds(secs));
                s.store
                    .store_refreshed_token(&team, &g.bot_token, g.refresh_token.as_deref(), expires)
                    .await?;
                s.messenger.forget_workspace(&team);
                tracing::info!(team = %team, "bot token refreshed");
            }
            // The lease lapses and the next pass tries again.
            Err(SendError::Unavailable(e) | SendError::Rejected(e)) => {
                tracing::warn!(team = %team, error = %e, "bot token refresh failed; will retry");
            }
            Err(SendError::RateLimited(_)) => {
                tracing::warn!(team = %team, "bot token refresh rate limited; will retry");
            }
        }
    }
    for team in s.store.uninstalled_before(now - s.uninstall_grace).await? {
        let n = s.store.delete_workspace(&team).await?;
        tracing::info!(team = %team, rows = n, "uninstalled workspace's data deleted after its grace period");
    }
    Ok(())
}
