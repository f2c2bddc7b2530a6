//! `POST /slack/events` (and Socket Mode's `events_api` envelopes): the Events API.
//! `url_verification` is answered with its challenge; an event callback is acknowledged at
//! once and handled afterwards, exactly once per `event_id` (Slack retries unacknowledged
//! events, flagged `X-Slack-Retry-Num`, with the same id).
//! <https://docs.slack.dev/apis/events-api/>

use super::Shared;
use super::payload;
use crate::service::Services;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(super) async fn event(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
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
            handle_later(&app, &v);
            StatusCode::OK.into_response()
        }
        _ => StatusCode::OK.into_response(),
    }
}

/// Parses an event callback and acts on it after the ack.
pub(super) fn handle_later(app: &Services, v: &Value) {
    if let Some((team, id, event)) = payload::event_callback(v) {
        let s = app.clone();
        app.in_background(async move { s.handle_event(&team, id.as_deref(), event).await });
    }
}
