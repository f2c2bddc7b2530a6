//! What `GET /metrics` reports, in Prometheus' text format: requests by kind and outcome with
//! their latency, scheduled messages sent, retried and failed, Slack's 429s, and the outbox's
//! depth and oldest pending age (read from the store when scraped). One [`Metrics`] per
//! process, built by the composition root and handed to the HTTP edge and the scheduler; the
//! counters are atomics, so recording costs next to nothing on the request path.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    /// `command`, `interaction`, `event`, `health`, `metrics`, `install` or `other`.
    kind: &'static str,
    /// `ok`, `rejected` (4xx: a bad signature, a bad request) or `error` (5xx).
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: &'static str,
}

/// Why a scheduled message was put back for later.
#[derive(Clone, Copy, Debug)]
pub enum Retry {
    RateLimited,
    Failed,
}

/// The process's counters and the registry they are exported from.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<Request, Counter>,
    latency: Family<Kind, Histogram, fn() -> Histogram>,
    sent: Counter,
    retried: Counter,
    failed: Counter,
    rate_limited: Counter,
    outbox_depth: Gauge,
    outbox_oldest: Gauge<f64, AtomicU64>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn latency_histogram() -> Histogram {
    // 0.25 ms … about 4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut r = Registry::with_prefix("sideways");
        let requests = Family::<Request, Counter>::default();
        r.register(
            "requests",
            "HTTP requests by kind and outcome",
            requests.clone(),
        );
        let latency: Family<Kind, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        r.register(
            "request_duration_seconds",
            "HTTP request latency by kind, until the response is ready",
            latency.clone(),
        );
        let sent = Counter::default();
        r.register(
            "messages_sent",
            "Scheduled messages delivered",
            sent.clone(),
        );
        let retried = Counter::default();
        r.register(
            "messages_retried",
            "Scheduled message sends put back for a later attempt",
            retried.clone(),
        );
        let failed = Counter::default();
        r.register(
            "messages_failed",
            "Scheduled messages Slack refused for good",
            failed.clone(),
        );
        let rate_limited = Counter::default();
        r.register(
            "slack_rate_limited",
            "Slack answers with HTTP 429 to the scheduler",
            rate_limited.clone(),
        );
        let outbox_depth = Gauge::default();
        r.register(
            "outbox_depth",
            "Scheduled messages recorded and not yet sent (pending or being sent)",
            outbox_depth.clone(),
        );
        let outbox_oldest = Gauge::<f64, AtomicU64>::default();
        r.register(
            "outbox_oldest_pending_seconds",
            "Age of the oldest scheduled message not yet sent",
            outbox_oldest.clone(),
        );
        Metrics {
            registry: Mutex::new(r),
            requests,
            latency,
            sent,
            retried,
            failed,
            rate_limited,
            outbox_depth,
            outbox_oldest,
        }
    }
}

impl Metrics {
    pub fn shared() -> Arc<Metrics> {
        Arc::new(Metrics::default())
    }

    /// One HTTP request of `kind`, answered with `status` after `seconds`.
    pub fn request(&self, kind: &'static str, status: u16, seconds: f64) {
        let outcome = match status {
            500.. => "error",
            400..=499 => "rejected",
            _ => "ok",
        };
        self.requests
            .get_or_create(&Request { kind, outcome })
            .inc();
        self.latency.get_or_create(&Kind { kind }).observe(seconds);
    }

    pub fn sent(&self) {
        self.sent.inc();
    }

    pub fn retried(&self, why: Retry) {
        self.retried.inc();
        if let Retry::RateLimited = why {
            self.rate_limited.inc();
        }
    }

    pub fn failed(&self) {
        self.failed.inc();
    }

    /// The text exposition, with the outbox figures read at scrape time.
    pub fn render(&self, outbox_depth: i64, oldest_pending_seconds: f64) -> String {
        self.outbox_depth.set(outbox_depth);
        self.outbox_oldest.set(oldest_pending_seconds);
        let mut out = String::new();
        if let Ok(r) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut out, &r);
        }
        out
    }
}

/// The metric kind of a request path.
pub fn kind_of(path: &str) -> &'static str {
    match path {
        "/slack/commands" => "command",
        "/slack/interactions" => "interaction",
        "/slack/events" => "event",
        "/healthz" => "health",
        "/metrics" => "metrics",
        p if p.starts_with("/slack/install") || p.starts_with("/slack/oauth") => "install",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_family() {
        let m = Metrics::default();
        m.request("command", 200, 0.002);
        m.request("command", 401, 0.0001);
        m.sent();
        m.retried(Retry::RateLimited);
        m.failed();
        let text = m.render(3, 12.5);
        for want in [
            "sideways_requests_total{kind=\"command\",outcome=\"ok\"} 1",
            "sideways_requests_total{kind=\"command\",outcome=\"rejected\"} 1",
            "sideways_request_duration_seconds_bucket{le=",
            "sideways_messages_sent_total 1",
            "sideways_messages_retried_total 1",
            "sideways_messages_failed_total 1",
            "sideways_slack_rate_limited_total 1",
            "sideways_outbox_depth 3",
            "sideways_outbox_oldest_pending_seconds 12.5",
            "# EOF",
        ] {
            assert!(text.contains(want), "{want} missing from:\n{text}");
        }
        assert_eq!(kind_of("/slack/events"), "event");
        assert_eq!(kind_of("/nope"), "other");
    }
}
