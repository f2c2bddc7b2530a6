//! `POST /slack/interactions` (and Socket Mode's `interactive` envelopes): buttons on nudges,
//! heads-up reminders and the App Home, and the check-in and snooze forms.
//!
//! The payload is parsed by [`super::payload::interaction`]; anything unknown, stale or forged
//! gets a polite private answer and changes nothing. The outcome becomes Slack's ack body:
//! empty, field errors, a confirmation view, or `clear`.
//! <https://docs.slack.dev/interactivity/handling-user-interaction>

use super::Shared;
use super::payload::{self, Parsed};
use crate::service::{Outcome, Services};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(serde::Deserialize)]
struct FormBody {
    payload: String,
}

/// The HTTP adapter: 400 for what is not an interaction payload, otherwise the answer.
pub(super) async fn interaction(State(app): State<Shared>, body: Bytes) -> Response {
    let parsed = serde_urlencoded::from_bytes::<FormBody>(&body)
        .ok()
        .and_then(|f| serde_json::from_str::<Value>(&f.payload).ok());
    let Some(v) = parsed else {
        return (StatusCode::BAD_REQUEST, "not an interaction payload").into_response();
    };
    match handle(&app, &v).await {
        Some(Some(body)) => Json(body).into_response(),
        Some(None) => StatusCode::OK.into_response(),
        None => (StatusCode::BAD_REQUEST, "not an interaction payload").into_response(),
    }
}

/// Handles a payload from either transport. `None`: not an interaction payload;
/// `Some(None)`: acknowledge with an empty body; `Some(Some(body))`: with this body.
pub async fn handle(app: &Services, v: &Value) -> Option<Option<Value>> {
    Some(match payload::interaction(v)? {
        Parsed::Ack => None,
        Parsed::Stale { response_url } => {
            app.answer_stale(response_url);
            None
        }
        Parsed::Act(req) => ack_body(app.handle(*req).await),
    })
}

/// Slack's ack body for an interaction's outcome.
fn ack_body(outcome: Outcome) -> Option<Value> {
    match outcome {
        Outcome::FormErrors(problems) => {
            let errs: serde_json::Map<String, Value> = problems
                .into_iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            Some(json!({"response_action": "errors", "errors": errs}))
        }
        // A modal that replaces the form to confirm what was saved.
        Outcome::FormSaved { title, text } => Some(json!({"response_action": "update", "view": {
            "type": "modal",
            "title": {"type": "plain_text", "text": title},
            "close": {"type": "plain_text", "text": "Done"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        }})),
        Outcome::FormClosed => Some(json!({"response_action": "clear"})),
        Outcome::Reply(_)
        | Outcome::Confirm { .. }
        | Outcome::FormOpened
        | Outcome::Done
        | Outcome::Ask { .. } => None,
    }
}
