//! The Slack edge: the only place that speaks Slack. Inbound requests are signature-checked,
//! parsed into typed values and handed to [`crate::service::Services`] as typed actions; outbound messages go
//! through [`SlackMessenger`]. Nothing below this module knows what a payload looks like.

mod blocks;
mod client;
pub mod commands;
mod events;
mod interactions;
pub mod oauth;
mod payload;
pub mod socket;
pub mod verify;

pub use client::SlackMessenger;

use crate::service::Services;
use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;

/// The request handlers' state: one [`Services`] shared by reference (cloning it per request,
/// as axum's `State` does, would copy every handle it holds twice a request).
type Shared = Arc<Services>;

/// `POST /slack/commands`, `/slack/interactions`, `/slack/events` behind the signature check,
/// and `GET /healthz` in front of it.
pub fn router(
    state: Services,
    signing_secret: &str,
    oauth_settings: Option<crate::config::OAuthSettings>,
) -> Router {
    let verifier = verify::Verifier::new(signing_secret);
    let oauth = oauth::routes(state.clone(), oauth_settings);
    let state: Shared = Arc::new(state);
    let slack = Router::new()
        .route("/slack/commands", post(commands::slash_command))
        .route("/slack/interactions", post(interactions::interaction))
        .route("/slack/events", post(events::event))
        .route_layer(axum::middleware::from_fn_with_state(
            verifier,
            verify::require_signature,
        ))
        .with_state(state.clone());
    Router::new()
        .route("/healthz", get(health))
        .route("/metrics", get(metrics))
        .with_state(state.clone())
        .merge(slack)
        .merge(oauth)
        .layer(axum::middleware::from_fn_with_state(state, track))
}

/// Counts every request by kind and outcome, with its latency.
async fn track(
    axum::extract::State(s): axum::extract::State<Shared>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let kind = crate::metrics::kind_of(req.uri().path());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    s.metrics.request(
        kind,
        resp.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    resp
}

/// `ok`, or 503 when the database cannot be reached: a load balancer then sends requests to a
/// replica that can store them.
async fn health(
    axum::extract::State(s): axum::extract::State<Shared>,
) -> (axum::http::StatusCode, &'static str) {
    match tokio::time::timeout(std::time::Duration::from_secs(2), s.store.ping()).await {
        Ok(Ok(())) => (axum::http::StatusCode::OK, "ok"),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "health check: the database is unreachable");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "unhealthy: database unreachable",
            )
        }
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "unhealthy: database timed out",
        ),
    }
}

/// Prometheus text format (see `metrics.rs`).
async fn metrics(
    axum::extract::State(s): axum::extract::State<Shared>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (depth, oldest) = match s.store.outbox_stats(s.clock.now()).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "metrics: outbox figures unavailable");
            (0, 0.0)
        }
    };
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.render(depth, oldest),
    )
        .into_response()
}
