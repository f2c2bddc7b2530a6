//! The OAuth v2 install flow, for serving many workspaces: `GET /slack/install` sends the
//! browser to Slack's authorize page with the bot scopes from `manifest.yml` and a signed,
//! single-use, expiring `state`; `GET /slack/oauth_redirect` checks that state, trades the code
//! for the workspace's tokens (`oauth.v2.access`) and stores the installation, sealed. Every
//! failure is a page for the browser and a log line for the operator, with no credential in
//! either, and nothing stored.

use crate::config::OAuthSettings;
use crate::crypto::Cipher;
use crate::outbound::{Grant, SendError};
use crate::service::Services;
use crate::store::NewInstall;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Router, extract::FromRef};
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Arc;

/// Slack's authorize page.
pub const AUTHORIZE_URL: &str = "https://slack.com/oauth/v2/authorize";
/// How long an install link works.
const STATE_LIFETIME: TimeDelta = TimeDelta::minutes(10);

const MANIFEST: &str = include_str!("../../manifest.yml");

/// The bot scopes `manifest.yml` asks for, in its order.
pub fn bot_scopes() -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut in_bot = false;
    for line in MANIFEST.lines() {
        let trimmed = line.trim();
        if trimmed == "bot:" {
            in_bot = true;
            continue;
        }
        if in_bot {
            match trimmed.strip_prefix("- ") {
                Some(item) => {
                    if let Some(scope) = item.split('#').next().map(str::trim)
                        && !scope.is_empty()
                    {
                        out.push(scope);
                    }
                }
                None if trimmed.starts_with('#') || trimmed.is_empty() => {}
                None => break,
            }
        }
    }
    out
}

#[derive(Clone)]
struct Edge {
    services: Services,
    settings: Arc<OAuthSettings>,
}

impl FromRef<Edge> for Services {
    fn from_ref(e: &Edge) -> Services {
        e.services.clone()
    }
}

/// The install routes, or pages saying how to turn them on.
pub fn routes(services: Services, settings: Option<OAuthSettings>) -> Router {
    match settings {
        Some(settings) => Router::new()
            .route("/slack/install", get(install))
            .route("/slack/oauth_redirect", get(redirect))
            .with_state(Edge {
                services,
                settings: Arc::new(settings),
            }),
        None => Router::new()
            .route("/slack/install", get(not_configured))
            .route("/slack/oauth_redirect", get(not_configured)),
    }
}

async fn not_configured() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Install links are off",
        "This Sideways serves one workspace with its bot token. To install it in many workspaces, \
         its operator sets SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.",
    )
}

/// A refused install's tokens are given back to Slack (`auth.revoke`), so nothing that works is
/// left issued to Sideways for a workspace it will not serve. A failure is logged, not shown:
/// the page says the install was refused either way.
async fn give_back(e: &Edge, granted: &crate::outbound::Granted) {
    if let Err(err) = e.services.messenger.revoke(&granted.bot_token).await {
        tracing::warn!(error = %err, team = %granted.team, "install refused; its token could not be revoked");
    }
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sideways: {t}</title></head>\
         <body style=\"font-family:sans-serif;max-width:40em;margin:4em auto\"><h1>{t}</h1><p>{b}</p></body></html>",
        t = escape_html(title),
        b = escape_html(body)
    );
    (status, Html(html)).into_response()
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn sign(secret: &str, text: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(text.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `<expiry unix>.<nonce>.<hmac>`: signed with the client secret.
fn make_state(secret: &str, nonce: &str, expires: DateTime<Utc>) -> String {
    let body = format!("{}.{nonce}", expires.timestamp());
    format!("{body}.{}", sign(secret, &body))
}

/// The nonce and expiry of a state this server signed and that has not expired at `now`.
fn check_state(secret: &str, state: &str, now: DateTime<Utc>) -> Option<(String, DateTime<Utc>)> {
    let mut parts = state.splitn(3, '.');
    let (ts, nonce, sig) = (parts.next()?, parts.next()?, parts.next()?);
    let body = format!("{ts}.{nonce}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(body.as_bytes());
    mac.verify_slice(&hex::decode(sig).ok()?).ok()?;
    let expires = DateTime::from_timestamp(ts.parse().ok()?, 0)?;
    (expires > now).then(|| (nonce.to_string(), expires))
}

async fn install(State(e): State<Edge>) -> Response {
    let now = e.services.clock.now();
    // Nothing is written here: the state carries its own expiry and signature, and the
    // redirect records it as used.
    let nonce = Cipher::random_token();
    let expires = now + STATE_LIFETIME;
    let state = make_state(e.settings.client_secret.expose(), &nonce, expires);
    let scopes = bot_scopes().join(",");
    let mut params = vec![
        ("client_id", e.settings.client_id.as_str()),
        ("scope", scopes.as_str()),
        ("state", state.as_str()),
    ];
    if let Some(r) = &e.settings.redirect_url {
        params.push(("redirect_uri", r.as_str()));
    }
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    (
        StatusCode::FOUND,
        [(header::LOCATION, format!("{AUTHORIZE_URL}?{query}"))],
    )
        .into_response()
}

async fn redirect(State(e): State<Edge>, Query(q): Query<HashMap<String, String>>) -> Response {
    let now = e.services.clock.now();
    if let Some(err) = q.get("error") {
        tracing::info!(error = %err, "install cancelled at Slack");
        return page(
            StatusCode::BAD_REQUEST,
            "Not installed",
            "The install was cancelled at Slack. Nothing was stored; start again from the install link.",
        );
    }
    let nonce = q
        .get("state")
        .and_then(|s| check_state(e.settings.client_secret.expose(), s, now));
    let fresh = match nonce {
        Some((n, expires)) => match e.services.store.spend_oauth_state(&n, expires, now).await {
            Ok(fresh) => fresh,
            Err(err) => {
                tracing::error!(error = %err, "install: could not check its state");
                false
            }
        },
        None => false,
    };
    if !fresh {
        tracing::warn!("install refused: a missing, forged, expired or reused state");
        return page(
            StatusCode::BAD_REQUEST,
            "This install link has expired",
            "Install links work once, for 10 minutes. Nothing was stored; start again from the install link.",
        );
    }
    let Some(code) = q.get("code").filter(|c| !c.is_empty() && c.len() < 512) else {
        tracing::warn!("install refused: Slack sent no code");
        return page(
            StatusCode::BAD_REQUEST,
            "Not installed",
            "Slack sent no code. Nothing was stored; start again from the install link.",
        );
    };
    let grant = Grant::Code {
        code: code.clone(),
        redirect_url: e.settings.redirect_url.clone(),
    };
    let granted = match e.services.messenger.exchange(&grant).await {
        Ok(g) => g,
        Err(SendError::Rejected(why)) => {
            tracing::warn!(reason = %why, "install refused by Slack");
            return page(
                StatusCode::BAD_REQUEST,
                "Not installed",
                &format!(
                    "Slack did not accept this install ({why}). Nothing was stored; start again from the install link."
                ),
            );
        }
        Err(err) => {
            tracing::warn!(error = %err, "install: Slack could not be reached");
            return page(
                StatusCode::BAD_GATEWAY,
                "Not installed",
                "Slack could not be reached. Nothing was stored; try the install link again.",
            );
        }
    };
    if granted.enterprise_install {
        tracing::warn!(team = %granted.team, "install refused: an organisation-wide install");
        give_back(&e, &granted).await;
        return page(
            StatusCode::FORBIDDEN,
            "Not installed",
            "Sideways is installed one workspace at a time, not for a whole organisation. Nothing was stored.",
        );
    }
    if let Some(ent) = &granted.enterprise
        && !e.settings.allowed_enterprises.contains(ent)
    {
        tracing::warn!(enterprise = %ent, team = %granted.team, "install refused: organisation not allowed");
        give_back(&e, &granted).await;
        return page(
            StatusCode::FORBIDDEN,
            "Not installed",
            "This Sideways does not accept installs from your organisation. Nothing was stored; ask its operator.",
        );
    }
    let install = NewInstall {
        team: &granted.team,
        enterprise: granted.enterprise.as_deref(),
        bot_user: granted.bot_user.as_ref(),
        bot_token: &granted.bot_token,
        scopes: &granted.scopes,
        installer: granted.installer.as_ref(),
        refresh_token: granted.refresh_token.as_deref(),
        expires_at: granted
            .expires_in
            .and_then(|s| TimeDelta::try_seconds(s).and_then(|d| now.checked_add_signed(d))),
    };
    if let Err(err) = e.services.store.install_oauth(&install, now).await {
        tracing::error!(error = %err, "install: could not store it");
        give_back(&e, &granted).await;
        return page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Not installed",
            "Sideways could not store the install just now. Nothing was stored; try again.",
        );
    }
    e.services.installed(&granted.team);
    tracing::info!(team = %granted.team, "installed through OAuth");
    let name = if granted.team_name.is_empty() {
        "your workspace".to_string()
    } else {
        granted.team_name.clone()
    };
    page(
        StatusCode::OK,
        "Sideways is installed",
        &format!("Sideways is installed in {name}. In Slack, type /peer help to start."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scopes_are_the_manifests() {
        let manifest: serde_yaml::Value = serde_yaml::from_str(MANIFEST).unwrap();
        let want: Vec<String> = manifest["oauth_config"]["scopes"]["bot"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(bot_scopes(), want);
    }

    #[test]
    fn states_are_signed_and_expire() {
        let now: DateTime<Utc> = "2026-12-03T10:00:00Z".parse().unwrap();
        let s = make_state("secret", "abc", now + TimeDelta::minutes(10));
        assert_eq!(
            check_state("secret", &s, now).map(|(n, _)| n).as_deref(),
            Some("abc")
        );
        assert_eq!(check_state("other", &s, now), None, "another key");
        assert_eq!(
            check_state("secret", &s, now + TimeDelta::minutes(11)),
            None
        );
        let forged = s.replacen("abc", "abd", 1);
        assert_eq!(check_state("secret", &forged, now), None);
    }

    proptest::proptest! {
        #[test]
        fn any_state_text_is_refused_or_read(s in "\\PC{0,80}") {
            let now: DateTime<Utc> = "2026-12-03T10:00:00Z".parse().unwrap();
            proptest::prop_assert!(check_state("secret", &s, now).is_none());
        }
    }
}
