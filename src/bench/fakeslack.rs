//! An in-process fake of the Slack Web API for the benchmarks, on 127.0.0.1.
//!
//! It exists so the server under test can be pointed (through `SLACK_API_URL`) at something
//! that answers instantly and records when each `chat.postMessage` arrived, and, for the
//! rate-limit workload, enforces Slack's rules: about one message per second per channel (a
//! small burst allowed) and a workspace-wide cap per minute, answering HTTP 429 with
//! `Retry-After` past them. It answers `users.info`, `views.publish`/`views.open`,
//! `chat.update` and `conversations.members` as Slack would, and `{"ok":true}` to anything else.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Slack's rate rules as the fake enforces them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Messages per second per channel (token bucket refill rate).
    pub per_channel_per_sec: f64,
    /// Token bucket size per channel: how many may arrive at once.
    pub per_channel_burst: f64,
    /// Messages per rolling 60 s for the whole workspace.
    pub workspace_per_minute: usize,
}

impl Limits {
    /// About 1/s per channel (burst of 2) and 600 per minute per workspace.
    pub const SLACK: Limits = Limits {
        per_channel_per_sec: 1.0,
        per_channel_burst: 2.0,
        workspace_per_minute: 600,
    };
}

/// One accepted `chat.postMessage`.
#[derive(Debug, Clone)]
pub struct Post {
    pub at: Instant,
    pub channel: String,
}

#[derive(Default)]
struct Inner {
    limits: Option<Limits>,
    posts: Vec<Post>,
    too_many: u64,
    buckets: HashMap<String, (f64, Instant)>,
    window: VecDeque<Instant>,
    other_calls: HashMap<String, u64>,
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Inner>>);

impl Shared {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut g = match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        f(&mut g)
    }
}

/// A running fake; stops when dropped.
pub struct FakeSlack {
    /// The base to put in `SLACK_API_URL` (`http://127.0.0.1:PORT/api`).
    pub url: String,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeSlack {
    pub async fn start(limits: Option<Limits>) -> anyhow::Result<FakeSlack> {
        let shared = Shared::default();
        shared.with(|s| s.limits = limits);
        let app = Router::new()
            .route("/api/chat.postMessage", post(post_message))
            .route("/api/users.info", get(users_info).post(users_info_form))
            .route("/api/views.publish", post(views))
            .route("/api/views.open", post(views))
            .route("/api/chat.update", post(chat_update))
            .route("/api/conversations.members", get(members).post(members))
            .fallback(other)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeSlack {
            url: format!("http://{addr}/api"),
            shared,
            task,
        })
    }

    /// Accepted messages, in arrival order.
    pub fn posts(&self) -> Vec<Post> {
        self.shared.with(|s| s.posts.clone())
    }

    pub fn post_count(&self) -> usize {
        self.shared.with(|s| s.posts.len())
    }

    /// Distinct channels that received at least one accepted message.
    pub fn distinct_channels(&self) -> usize {
        self.shared.with(|s| {
            let mut c: Vec<&str> = s.posts.iter().map(|p| p.channel.as_str()).collect();
            c.sort_unstable();
            c.dedup();
            c.len()
        })
    }

    /// How many `chat.postMessage` calls were answered 429.
    pub fn too_many(&self) -> u64 {
        self.shared.with(|s| s.too_many)
    }

    /// Calls to other methods, by method name.
    pub fn other_calls(&self) -> HashMap<String, u64> {
        self.shared.with(|s| s.other_calls.clone())
    }
}

fn count(s: &Shared, method: &str) {
    s.with(|i| *i.other_calls.entry(method.to_string()).or_insert(0) += 1);
}

/// The `channel` of a JSON (or, failing that, form-encoded) request body.
fn channel_of(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<Value>(body)
        && let Some(c) = v["channel"].as_str()
    {
        return c.to_string();
    }
    serde_urlencoded::from_bytes::<HashMap<String, String>>(body)
        .ok()
        .and_then(|m| m.get("channel").cloned())
        .unwrap_or_default()
}

/// Decides whether a message to `channel` arriving `now` is within the limits; consumes
/// capacity if so, else returns the seconds to wait.
fn admit(i: &mut Inner, channel: &str, now: Instant) -> Result<(), u64> {
    let Some(l) = i.limits else { return Ok(()) };
    while i
        .window
        .front()
        .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
    {
        i.window.pop_front();
    }
    if i.window.len() >= l.workspace_per_minute {
        let oldest = i.window.front().copied().unwrap_or(now);
        let free_at = oldest + Duration::from_secs(60);
        return Err(free_at.duration_since(now).as_secs_f64().ceil().max(1.0) as u64);
    }
    let (tokens, last) = i
        .buckets
        .get(channel)
        .copied()
        .unwrap_or((l.per_channel_burst, now));
    let tokens = (tokens + now.duration_since(last).as_secs_f64() * l.per_channel_per_sec)
        .min(l.per_channel_burst);
    if tokens < 1.0 {
        i.buckets.insert(channel.to_string(), (tokens, now));
        return Err(((1.0 - tokens) / l.per_channel_per_sec).ceil().max(1.0) as u64);
    }
    i.buckets.insert(channel.to_string(), (tokens - 1.0, now));
    i.window.push_back(now);
    Ok(())
}

async fn post_message(State(s): State<Shared>, body: Bytes) -> Response {
    let now = Instant::now();
    let to = channel_of(&body);
    let verdict = s.with(|i| {
        let v = admit(i, &to, now);
        match v {
            Ok(()) => {
                i.posts.push(Post {
                    at: now,
                    channel: to.clone(),
                });
                Ok(i.posts.len())
            }
            Err(wait) => {
                i.too_many += 1;
                Err(wait)
            }
        }
    });
    match verdict {
        Ok(n) => {
            // Slack answers a post to a user id with the DM channel's id and a fresh ts.
            let channel = match to.strip_prefix('U') {
                Some(rest) => format!("D{rest}"),
                None => to,
            };
            let ts = format!("1700000000.{n:06}");
            axum::Json(json!({"ok": true, "channel": channel, "ts": ts,
                "message": {"ts": ts, "type": "message", "text": ""}}))
            .into_response()
        }
        Err(wait) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", wait.to_string())],
            axum::Json(json!({"ok": false, "error": "ratelimited"})),
        )
            .into_response(),
    }
}

fn user_reply(user: &str) -> Response {
    axum::Json(
        json!({"ok": true, "user": {"id": user, "name": "someone", "deleted": false,
        "tz": "Europe/London"}}),
    )
    .into_response()
}

async fn users_info(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    count(&s, "users.info");
    user_reply(q.get("user").map(String::as_str).unwrap_or_default())
}

async fn users_info_form(State(s): State<Shared>, body: Bytes) -> Response {
    count(&s, "users.info");
    let m: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    user_reply(m.get("user").map(String::as_str).unwrap_or_default())
}

/// `views.publish` / `views.open`: answered with the view as Slack echoes it.
async fn views(State(s): State<Shared>, body: Bytes) -> Response {
    count(&s, "views");
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut view = v["view"].clone();
    if view.is_object() {
        view["id"] = json!("V0FAKE");
        view["team_id"] = json!(super::TEAM);
        view["hash"] = json!("1.abc");
        if view.get("title").is_none() {
            view["title"] = json!({"type": "plain_text", "text": "Home"});
        }
        axum::Json(json!({"ok": true, "view": view})).into_response()
    } else {
        axum::Json(json!({"ok": true})).into_response()
    }
}

async fn chat_update(State(s): State<Shared>, body: Bytes) -> Response {
    count(&s, "chat.update");
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    axum::Json(json!({"ok": true, "channel": v["channel"], "ts": v["ts"],
        "message": {"ts": v["ts"], "text": v["text"]}}))
    .into_response()
}

async fn members(State(s): State<Shared>) -> Response {
    count(&s, "conversations.members");
    axum::Json(json!({"ok": true, "members": [], "response_metadata": {"next_cursor": ""}}))
        .into_response()
}

async fn other(State(s): State<Shared>, uri: axum::http::Uri) -> Response {
    count(&s, uri.path());
    axum::Json(json!({"ok": true})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limits_allow_a_small_burst_per_channel_and_cap_the_workspace() {
        let mut i = Inner {
            limits: Some(Limits {
                per_channel_per_sec: 1.0,
                per_channel_burst: 2.0,
                workspace_per_minute: 3,
            }),
            ..Inner::default()
        };
        let t = Instant::now();
        assert!(admit(&mut i, "U1", t).is_ok());
        assert!(admit(&mut i, "U1", t).is_ok());
        assert_eq!(admit(&mut i, "U1", t), Err(1));
        assert!(admit(&mut i, "U1", t + Duration::from_secs(1)).is_ok());
        assert_eq!(admit(&mut i, "U2", t + Duration::from_secs(2)), Err(58));
        assert!(admit(&mut i, "U2", t + Duration::from_secs(60)).is_ok());
    }
}
