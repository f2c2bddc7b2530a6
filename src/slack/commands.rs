//! `POST /slack/commands`: a slash command's form body, parsed into who asked and what they
//! typed, answered with an ephemeral reply in the HTTP response (Slack's ack).
//! <https://docs.slack.dev/interactivity/implementing-slash-commands>

use crate::app::AppState;
use crate::commands::Reply;
use crate::domain::{TeamId, UserId};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use slack_morphism::prelude::*;

/// The fields Sideways reads; Slack sends more, which are ignored.
#[derive(Debug, serde::Deserialize)]
struct SlashForm {
    team_id: Option<String>,
    user_id: Option<String>,
    command: Option<String>,
    text: Option<String>,
    trigger_id: Option<String>,
}

pub fn ephemeral(text: String) -> Json<SlackCommandEventResponse> {
    Json(
        SlackCommandEventResponse::new(SlackMessageContent::new().with_text(text))
            .with_response_type(SlackMessageResponseType::Ephemeral),
    )
}

#[tracing::instrument(skip_all)]
pub(super) async fn slash_command(State(app): State<AppState>, body: Bytes) -> Response {
    let Ok(form) = serde_urlencoded::from_bytes::<SlashForm>(&body) else {
        return (StatusCode::BAD_REQUEST, "not a slash command payload").into_response();
    };
    let who = form
        .team_id
        .as_deref()
        .and_then(TeamId::parse)
        .zip(form.user_id.as_deref().and_then(UserId::parse));
    let Some((team, user)) = who else {
        return ephemeral(
            "Sorry, I could not tell which workspace or user this command came from.".into(),
        )
        .into_response();
    };
    if form.command.as_deref().is_some_and(|c| c != "/peer") {
        tracing::debug!(command = ?form.command, "command under another name; treating it as /peer");
    }
    let Reply { text } = app
        .run_slash(
            &team,
            &user,
            form.text.as_deref().unwrap_or(""),
            app.clock.now(),
            form.trigger_id.as_deref().filter(|t| !t.is_empty()),
        )
        .await;
    if text.is_empty() {
        // A form opened: nothing more to say.
        return StatusCode::OK.into_response();
    }
    ephemeral(text).into_response()
}
