//! `sideways socket`: the same handlers over Socket Mode, for teams that cannot expose a public
//! URL. slack-morphism keeps the WebSocket connections (opened with `apps.connections.open` and
//! the `xapp-…` token) and acknowledges each envelope with what the callbacks return; the
//! callbacks hand Slack's payloads to the very functions the HTTP routes use. Signatures are
//! not involved: the connection itself is authenticated by the app token.
//! <https://docs.slack.dev/apis/events-api/using-socket-mode>

use super::client::slack_client;
use super::{events, interactions};
use crate::service::Services;
use slack_morphism::prelude::*;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn app_state(states: &SlackClientEventsUserState) -> Result<Services, BoxError> {
    states
        .read()
        .await
        .get_user_state::<Services>()
        .cloned()
        .ok_or_else(|| "no application state".into())
}

async fn on_command(
    ev: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let app = app_state(&states).await?;
    let form = super::payload::SlashForm {
        team_id: Some(ev.team_id.0),
        user_id: Some(ev.user_id.0),
        command: Some(ev.command.0),
        text: ev.text,
        trigger_id: Some(ev.trigger_id.0),
    };
    let content = match super::payload::command(form) {
        Some(req) => super::commands::reply_content(app.handle(req).await).unwrap_or_else(|| {
            SlackMessageContent::new().with_text("Opening the check-in form…".to_string())
        }),
        None => SlackMessageContent::new().with_text(super::commands::UNKNOWN_SENDER.into()),
    };
    Ok(SlackCommandEventResponse::new(content)
        .with_response_type(SlackMessageResponseType::Ephemeral))
}

async fn on_interaction(
    ev: SlackInteractionEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackInteractionResponse> {
    let app = app_state(&states).await?;
    let payload = serde_json::to_value(&ev)?;
    Ok(match interactions::handle(&app, &payload).await {
        Some(Some(body)) => match serde_json::from_value::<SlackViewSubmissionResponse>(body) {
            Ok(r) => SlackInteractionResponse::ViewSubmission(r),
            Err(e) => {
                tracing::error!(error = %e, "view response not representable over Socket Mode");
                SlackInteractionResponse::Empty
            }
        },
        _ => SlackInteractionResponse::Empty,
    })
}

async fn on_push(
    ev: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let app = app_state(&states).await?;
    let mut payload = serde_json::to_value(&ev)?;
    payload["type"] = serde_json::json!("event_callback");
    events::handle_later(&app, &payload);
    Ok(())
}

/// Errors inside a callback are logged and the envelope acknowledged anyway: Slack sending it
/// again would not make it succeed.
fn on_error(
    err: BoxError,
    _client: Arc<SlackHyperClient>,
    _states: SlackClientEventsUserState,
) -> axum::http::StatusCode {
    tracing::error!(error = %err, "Socket Mode handler failed");
    axum::http::StatusCode::OK
}

/// Connects with `app_token` and serves until `shutdown`.
pub async fn run(
    state: Services,
    api_url: Option<&str>,
    app_token: &str,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let client = Arc::new(slack_client(api_url)?);
    let env = Arc::new(
        SlackClientEventsListenerEnvironment::new(client)
            .with_error_handler(on_error)
            .with_user_state(state),
    );
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_command_events(on_command)
        .with_interaction_events(on_interaction)
        .with_push_events(on_push);
    let listener =
        SlackClientSocketModeListener::new(&SlackClientSocketModeConfig::new(), env, callbacks);
    listener
        .listen_for(&SlackApiToken::new(app_token.to_string().into()))
        .await
        .map_err(|e| anyhow::anyhow!("cannot open a Socket Mode connection: {e}"))?;
    listener.start().await;
    shutdown.cancelled().await;
    listener.shutdown().await;
    Ok(())
}
