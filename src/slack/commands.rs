//! `POST /slack/commands`: a slash command's form body, parsed into a request and answered
//! with an ephemeral reply in the HTTP response (Slack's ack).
//! <https://docs.slack.dev/interactivity/implementing-slash-commands>

use super::Shared;
use super::payload::{self, SlashForm};
use crate::service::Outcome;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use slack_morphism::prelude::*;

pub const UNKNOWN_SENDER: &str =
    "Sorry, I could not tell which workspace or user this command came from.";

pub fn ephemeral(text: String) -> Json<SlackCommandEventResponse> {
    Json(
        SlackCommandEventResponse::new(SlackMessageContent::new().with_text(text))
            .with_response_type(SlackMessageResponseType::Ephemeral),
    )
}

/// A command's answer as Slack message content: its text, and a button when it asks first.
pub fn reply_content(outcome: Outcome) -> Option<SlackMessageContent> {
    if let Outcome::Confirm { text, token, label } = &outcome {
        let blocks: Vec<SlackBlock> = serde_json::from_value(serde_json::Value::Array(
            super::blocks::confirm(text, token, label),
        ))
        .unwrap_or_default();
        return Some(
            SlackMessageContent::new()
                .with_text(text.clone())
                .with_blocks(blocks),
        );
    }
    reply_text(outcome).map(|t| SlackMessageContent::new().with_text(t))
}

/// The text a command's outcome shows; `None` when there is nothing to say (a form opened).
pub fn reply_text(outcome: Outcome) -> Option<String> {
    match outcome {
        Outcome::Reply(text) | Outcome::Confirm { text, .. } => Some(text),
        Outcome::FormSaved { text, .. } => Some(text),
        // Slack sends a trigger with every command; without one no form can open.
        Outcome::Ask { text, .. } => Some(format!(
            "{text}\nThis needs a form, and Slack sent no way to open one: try the command again."
        )),
        Outcome::FormErrors(problems) => Some(
            problems
                .into_iter()
                .map(|(_, p)| p)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Outcome::FormOpened | Outcome::Done | Outcome::FormClosed => None,
    }
}

pub(super) async fn slash_command(State(app): State<Shared>, body: Bytes) -> Response {
    let Ok(form) = serde_urlencoded::from_bytes::<SlashForm>(&body) else {
        return (StatusCode::BAD_REQUEST, "not a slash command payload").into_response();
    };
    let Some(req) = payload::command(form) else {
        return ephemeral(UNKNOWN_SENDER.into()).into_response();
    };
    match reply_content(app.handle(req).await) {
        Some(content) => Json(
            SlackCommandEventResponse::new(content)
                .with_response_type(SlackMessageResponseType::Ephemeral),
        )
        .into_response(),
        None => StatusCode::OK.into_response(),
    }
}
