//! `POST /slack/events`: the Events API. `url_verification` is answered with its challenge;
//! event callbacks are acknowledged at once (the handlers that act on them arrive with the
//! App Home work); any other well-formed JSON is acknowledged and ignored.
//! <https://docs.slack.dev/apis/events-api/>

use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(super) async fn event(body: Bytes) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not an Events API payload").into_response();
    };
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
            let kind = v
                .pointer("/event/type")
                .and_then(Value::as_str)
                .unwrap_or("?");
            tracing::debug!(event = kind, "event acknowledged");
            StatusCode::OK.into_response()
        }
        _ => StatusCode::OK.into_response(),
    }
}
