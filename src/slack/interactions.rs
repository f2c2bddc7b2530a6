//! `POST /slack/interactions`: interactive payloads (`payload=<json>`). Buttons and modals
//! arrive with the interactivity work; until then a well-formed payload is acknowledged with
//! nothing changed, and a malformed one is refused with 400.
//! <https://docs.slack.dev/interactivity/handling-user-interaction>

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(serde::Deserialize)]
struct Form {
    payload: String,
}

pub(super) async fn interaction(body: Bytes) -> Response {
    let parsed = serde_urlencoded::from_bytes::<Form>(&body)
        .ok()
        .and_then(|f| serde_json::from_str::<serde_json::Value>(&f.payload).ok());
    match parsed {
        Some(v) if v.get("type").is_some() => StatusCode::OK.into_response(),
        _ => (StatusCode::BAD_REQUEST, "not an interaction payload").into_response(),
    }
}
