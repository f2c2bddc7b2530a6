//! Workspace upkeep: bot tokens that expire (token rotation) are refreshed ahead of time, by one
//! process at a time (a lease on the installation row); workspaces that uninstalled longer ago
//! than the grace period have all their data deleted. Runs last in a pass, and a failure for
//! one workspace is logged and left to the next pass: it never stops other messages.

use super::super::Pass;
use crate::outbound::Grant;
use chrono::{DateTime, TimeDelta, Utc};
use std::time::Duration;

/// A token is refreshed this long before it expires.
const REFRESH_AHEAD: TimeDelta = TimeDelta::minutes(15);
/// How long one process may hold a refresh before another tries.
const REFRESH_LEASE: TimeDelta = TimeDelta::minutes(2);
/// How long Slack may take to answer a refresh (well inside the lease).
const REFRESH_TIMEOUT: Duration = Duration::from_secs(30);

/// `now` plus `secs` seconds, if that is a time at all (a hostile `expires_in` is not).
pub(crate) fn expiry(now: DateTime<Utc>, secs: i64) -> Option<DateTime<Utc>> {
    TimeDelta::try_seconds(secs).and_then(|d| now.checked_add_signed(d))
}

pub(in crate::scheduler) async fn run(p: &Pass<'_>) {
    let (s, now) = (p.s, p.now);
    if p.dry_run {
        return;
    }
    let due = match s
        .store
        .claim_token_refreshes(now + REFRESH_AHEAD, now, now + REFRESH_LEASE)
        .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "token refresh: could not read installations");
            Vec::new()
        }
    };
    for (team, refresh_token) in due {
        let Some(refresh_token) = refresh_token else {
            tracing::error!(team = %team, "token refresh: the refresh token is unreadable; reinstall the app there");
            continue;
        };
        let grant = Grant::Refresh { refresh_token };
        let granted = match tokio::time::timeout(REFRESH_TIMEOUT, s.messenger.exchange(&grant))
            .await
        {
            Ok(Ok(g)) => g,
            Ok(Err(e)) => {
                tracing::warn!(team = %team, error = %e, "bot token refresh failed; the next pass tries again");
                continue;
            }
            Err(_) => {
                tracing::warn!(team = %team, "bot token refresh timed out; the next pass tries again");
                continue;
            }
        };
        let expires = granted.expires_in.and_then(|secs| expiry(now, secs));
        // Slack has spent the old refresh token: keep the new one, trying again once.
        let mut stored = false;
        for _ in 0..2 {
            match s
                .store
                .store_refreshed_token(
                    &team,
                    &granted.bot_token,
                    granted.refresh_token.as_deref(),
                    expires,
                )
                .await
            {
                Ok(()) => {
                    stored = true;
                    break;
                }
                Err(e) => {
                    tracing::error!(team = %team, error = %e, "could not store a refreshed token")
                }
            }
        }
        if stored {
            s.messenger.forget_workspace(&team);
            tracing::info!(team = %team, "bot token refreshed");
        }
    }
    let cutoff = now - s.uninstall_grace;
    match s.store.uninstalled_before(cutoff).await {
        Ok(teams) => {
            for team in teams {
                match s.store.delete_workspace(&team, cutoff).await {
                    Ok(n) => tracing::info!(team = %team, rows = n,
                        "uninstalled workspace's data deleted after its grace period"),
                    Err(e) => tracing::error!(team = %team, error = %e,
                        "could not delete an uninstalled workspace's data; the next pass tries again"),
                }
            }
        }
        Err(e) => tracing::error!(error = %e, "could not list uninstalled workspaces"),
    }
}
