//! `POST /slack/events` (and Socket Mode's `events_api` envelopes): the Events API.
//! `url_verification` is answered with its challenge; an event callback is acknowledged at
//! once and handled afterwards, exactly once per `event_id` (Slack retries unacknowledged
//! events, flagged `X-Slack-Retry-Num`, with the same id).
//! <https://docs.slack.dev/apis/events-api/>

use crate::app::AppState;
use crate::domain::{Owner, TeamId, UserId};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(super) async fn event(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not an Events API payload").into_response();
    };
    if let Some(n) = headers
        .get("x-slack-retry-num")
        .and_then(|h| h.to_str().ok())
    {
        let reason = headers
            .get("x-slack-retry-reason")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("?");
        tracing::info!(retry = n, reason, "Slack retried an event");
    }
    match v.get("type").and_then(Value::as_str) {
        Some("url_verification") => match v.get("challenge").and_then(Value::as_str) {
            Some(c) => Json(json!({ "challenge": c })).into_response(),
            None => (
                StatusCode::BAD_REQUEST,
                "url_verification without a challenge",
            )
                .into_response(),
        },
        Some("event_callback") => {
            let state = app.clone();
            app.in_background(async move { handle_callback(&state, &v).await });
            StatusCode::OK.into_response()
        }
        _ => StatusCode::OK.into_response(),
    }
}

/// Acts on one event callback, unless its `event_id` was handled before.
pub async fn handle_callback(app: &AppState, v: &Value) {
    let Some(team) = v
        .get("team_id")
        .and_then(Value::as_str)
        .and_then(TeamId::parse)
    else {
        return;
    };
    let event = v.get("event").cloned().unwrap_or(Value::Null);
    let kind = event.get("type").and_then(Value::as_str).unwrap_or("?");
    let now = app.clock.now();
    if let Some(id) = v.get("event_id").and_then(Value::as_str) {
        match app
            .store
            .first_sighting(&team, &format!("event:{id}"), now)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(event = kind, id, "duplicate event ignored");
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "event dedupe failed");
                return;
            }
        }
    }
    let result: anyhow::Result<()> = async {
        match kind {
            "app_home_opened" => {
                let tab = event.get("tab").and_then(Value::as_str).unwrap_or("home");
                let user = event.get("user").and_then(Value::as_str).and_then(UserId::parse);
                if let (Some(user), "home") = (user, tab)
                    && app.store.installation_exists(&team).await?
                {
                    app.publish_home(&Owner::new(team.clone(), user), now).await?;
                }
            }
            "app_uninstalled" | "tokens_revoked" => {
                tracing::warn!(team = %team, event = kind, "Slack access ended; nothing more is sent there");
                app.revoke(&team, now).await?;
            }
            "user_change" => {
                let deleted = event.pointer("/user/deleted").and_then(Value::as_bool) == Some(true);
                let user = event
                    .pointer("/user/id")
                    .and_then(Value::as_str)
                    .and_then(UserId::parse);
                if let (true, Some(user)) = (deleted, user) {
                    app.store.note_departed(&team, &user, now).await?;
                }
            }
            _ => tracing::debug!(event = kind, "event ignored"),
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, event = kind, "event not handled");
    }
}
