//! The Slack edge: the only place that speaks Slack. Inbound requests are signature-checked,
//! parsed into typed values and handed to [`crate::service::Services`] as typed actions; outbound messages go
//! through [`SlackMessenger`]. Nothing below this module knows what a payload looks like.

mod blocks;
mod client;
pub mod commands;
mod events;
mod interactions;
mod payload;
pub mod socket;
pub mod verify;

pub use client::SlackMessenger;

use crate::service::Services;
use axum::Router;
use axum::routing::{get, post};

/// `POST /slack/commands`, `/slack/interactions`, `/slack/events` behind the signature check,
/// and `GET /healthz` in front of it.
pub fn router(state: Services, signing_secret: &str) -> Router {
    let verifier = verify::Verifier::new(signing_secret);
    let slack = Router::new()
        .route("/slack/commands", post(commands::slash_command))
        .route("/slack/interactions", post(interactions::interaction))
        .route("/slack/events", post(events::event))
        .route_layer(axum::middleware::from_fn_with_state(
            verifier,
            verify::require_signature,
        ))
        .with_state(state);
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(slack)
}
