//! Test harness: the real server on 127.0.0.1 with a fresh database (SQLite, or Postgres when
//! `TEST_DATABASE_URL` is set), a fake Slack Web API on 127.0.0.1 that records what the bot
//! sent, and requests signed the way Slack signs them.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use sideways::config::{Config, Secret};
use sideways::scheduler::Scheduler;
use sideways::server::{App, Scheduling, Server};
use sideways::service::Services;
use sideways::store::scratch::ScratchDb;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

pub const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
pub const TEAM: &str = "T0001";
pub const BOT_TOKEN: &str = "xoxb-test-token";
pub const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

pub fn utc(s: &str) -> DateTime<Utc> {
    s.parse().expect("RFC 3339 time")
}

/// One Web API call the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub auth: Option<String>,
    pub body: Value,
}

/// A scripted answer for the next `chat.postMessage` (or, with `script_history`, the next
/// `conversations.history`).
#[derive(Debug, Clone)]
pub enum Script {
    RateLimited { retry_after_secs: u64 },
    Error(&'static str),
    ServerError,
}

#[derive(Default)]
struct FakeState {
    calls: Vec<Call>,
    tz: HashMap<String, String>,
    post_script: VecDeque<Script>,
    history_script: VecDeque<Script>,
    users_info_delay_ms: u64,
    /// How long `chat.postMessage` takes to answer, after it has accepted the message.
    post_delay_ms: u64,
    members: HashMap<String, Vec<String>>,
    views_fail: bool,
    socket_url: String,
    /// Bytes POSTed to each upload URL, by file id.
    uploads: HashMap<String, Vec<u8>>,
    /// Channels that exist but the bot is not a member of (`conversations.info`).
    bot_absent: std::collections::HashSet<String>,
}

/// A fake Slack Web API: answers `chat.postMessage` and `users.info` like Slack does, and
/// `conversations.open`/`conversations.history` from the messages it accepted (with their
/// metadata when asked for it).
#[derive(Clone, Default)]
pub struct FakeSlack {
    state: Arc<Mutex<FakeState>>,
    pub url: String,
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let mut fake = FakeSlack::default();
        let app = axum::Router::new()
            .route("/api/chat.postMessage", post(post_message))
            .route("/api/users.info", get(users_info))
            .route("/api/conversations.members", get(conversations_members))
            .route("/api/conversations.info", get(conversations_info))
            .route("/api/oauth.v2.access", get(oauth_access))
            .route("/api/auth.revoke", get(auth_revoke))
            .route("/api/conversations.open", post(conversations_open))
            .route("/api/conversations.history", get(conversations_history))
            .route("/api/views.open", post(views_call))
            .route("/api/views.publish", post(views_call))
            .route("/api/chat.update", post(chat_update))
            .route("/actions/{id}", post(response_url))
            .route("/api/apps.connections.open", post(connections_open))
            .route("/api/files.getUploadURLExternal", get(get_upload_url))
            .route("/upload/{file}", post(upload_bytes))
            .route("/api/files.completeUploadExternal", post(complete_upload))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        fake.url = format!("http://{}/api", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fake
    }

    pub fn set_tz(&self, user: &str, tz: &str) {
        self.state.lock().unwrap().tz.insert(user.into(), tz.into());
    }

    /// Who `conversations.members` says is in `channel` (unknown channels: `channel_not_found`).
    pub fn set_members(&self, channel: &str, users: &[&str]) {
        self.state.lock().unwrap().members.insert(
            channel.into(),
            users.iter().map(|u| u.to_string()).collect(),
        );
    }

    /// A channel that exists (with these members) but that the bot has not joined.
    pub fn set_bot_absent(&self, channel: &str, users: &[&str]) {
        self.set_members(channel, users);
        self.state.lock().unwrap().bot_absent.insert(channel.into());
    }

    /// Where `apps.connections.open` sends Socket Mode clients.
    pub fn set_socket_url(&self, url: &str) {
        self.state.lock().unwrap().socket_url = url.into();
    }

    /// Makes `views.open`/`views.publish` fail as with an expired trigger.
    pub fn fail_views(&self) {
        self.state.lock().unwrap().views_fail = true;
    }

    /// The base of `response_url`s that reach this fake.
    pub fn response_url(&self) -> String {
        format!("{}/actions/1", self.url.trim_end_matches("/api"))
    }

    /// The files completed into a channel: (channel, file bytes), in order.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let s = self.state.lock().unwrap();
        s.calls
            .iter()
            .filter(|c| c.method == "files.completeUploadExternal")
            .filter_map(|c| {
                let files: Value = match &c.body["files"] {
                    Value::String(t) => serde_json::from_str(t).ok()?,
                    v => v.clone(),
                };
                let id = files[0]["id"].as_str()?;
                let channel = c.body["channel_id"].as_str()?.to_string();
                Some((channel, s.uploads.get(id)?.clone()))
            })
            .collect()
    }

    pub fn script(&self, s: Script) {
        self.state.lock().unwrap().post_script.push_back(s);
    }

    /// The next `conversations.history` answers with `s` instead of the channel's messages.
    pub fn script_history(&self, s: Script) {
        self.state.lock().unwrap().history_script.push_back(s);
    }

    /// Makes `chat.postMessage` answer `ms` late (the message is accepted at once).
    pub fn slow_posts(&self, ms: u64) {
        self.state.lock().unwrap().post_delay_ms = ms;
    }

    pub fn slow_users_info(&self, ms: u64) {
        self.state.lock().unwrap().users_info_delay_ms = ms;
    }

    pub fn calls(&self, method: &str) -> Vec<Call> {
        self.state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    /// Messages that reached Slack (not those answered with an error).
    pub fn dms(&self) -> Vec<Value> {
        let dms: Vec<Value> = self
            .calls("chat.postMessage")
            .into_iter()
            .map(|c| c.body)
            .filter(|b| b["_accepted"] == true)
            .collect();
        for d in &dms {
            assert_names_not_escapes(d["text"].as_str().unwrap_or_default());
        }
        dms
    }
}

/// Slack's answer to a scripted failure (`None`: no failure scripted).
fn scripted(script: Option<Script>) -> Option<Response> {
    Some(match script? {
        Script::RateLimited { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", retry_after_secs.to_string())],
            "",
        )
            .into_response(),
        Script::Error(code) => axum::Json(json!({"ok": false, "error": code})).into_response(),
        Script::ServerError => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    })
}

async fn post_message(State(f): State<FakeSlack>, headers: HeaderMap, body: String) -> Response {
    let mut v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let script = f.state.lock().unwrap().post_script.pop_front();
    let resp = match scripted(script) {
        Some(failure) => failure,
        None => {
            v["_accepted"] = json!(true);
            // Slack answers a post to a user id with the DM channel's id and a fresh ts.
            let n = f.state.lock().unwrap().calls.len();
            let channel = dm_channel(v["channel"].as_str().unwrap_or_default());
            let ts = format!("1700000000.{:06}", n + 1);
            v["_channel"] = json!(channel);
            v["_ts"] = json!(ts);
            axum::Json(json!({"ok": true, "channel": channel, "ts": ts,
                "message": {"ts": ts, "text": v["text"]}}))
            .into_response()
        }
    };
    let auth = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .map(String::from);
    let delay = {
        let mut s = f.state.lock().unwrap();
        s.calls.push(Call {
            method: "chat.postMessage".into(),
            auth,
            body: v,
        });
        s.post_delay_ms
    };
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    resp
}

async fn users_info(
    State(f): State<FakeSlack>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let user = q.get("user").cloned().unwrap_or_default();
    let (tz, delay) = {
        let mut s = f.state.lock().unwrap();
        let auth = headers
            .get("authorization")
            .and_then(|h| h.to_str().ok())
            .map(String::from);
        s.calls.push(Call {
            method: "users.info".into(),
            auth,
            body: json!({"user": user}),
        });
        (s.tz.get(&user).cloned(), s.users_info_delay_ms)
    };
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    axum::Json(
        json!({"ok": true, "user": {"id": user, "name": "someone", "deleted": false, "tz": tz}}),
    )
    .into_response()
}

fn record(f: &FakeSlack, method: &str, headers: &HeaderMap, body: Value) {
    let auth = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .map(String::from);
    f.state.lock().unwrap().calls.push(Call {
        method: method.into(),
        auth,
        body,
    });
}

/// `views.open` / `views.publish`: recorded, answered with the view as Slack echoes it.
async fn views_call(
    State(f): State<FakeSlack>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let method = uri.path().trim_start_matches("/api/").to_string();
    if f.state.lock().unwrap().views_fail {
        record(&f, &method, &headers, v);
        return axum::Json(json!({"ok": false, "error": "expired_trigger_id"})).into_response();
    }
    let mut view = v["view"].clone();
    view["id"] = json!("V0FAKE");
    view["team_id"] = json!(TEAM);
    view["hash"] = json!("1.abc");
    if view.get("title").is_none() {
        view["title"] = json!({"type": "plain_text", "text": "Home"});
    }
    record(&f, &method, &headers, v);
    axum::Json(json!({"ok": true, "view": view})).into_response()
}

async fn chat_update(State(f): State<FakeSlack>, headers: HeaderMap, body: String) -> Response {
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let reply = json!({"ok": true, "channel": v["channel"], "ts": v["ts"],
        "message": {"ts": v["ts"], "text": v["text"]}});
    record(&f, "chat.update", &headers, v);
    axum::Json(reply).into_response()
}

async fn connections_open(State(f): State<FakeSlack>, headers: HeaderMap) -> Response {
    let url = f.state.lock().unwrap().socket_url.clone();
    record(&f, "apps.connections.open", &headers, json!({}));
    axum::Json(json!({"ok": true, "url": url})).into_response()
}

/// `files.getUploadURLExternal`: an upload URL on this fake and a fresh file id.
async fn get_upload_url(
    State(f): State<FakeSlack>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let n = f.state.lock().unwrap().calls.len();
    let id = format!("F{n:04}");
    record(&f, "files.getUploadURLExternal", &headers, json!(q));
    // The state was cloned before `url` was known: the Host header says where this fake is.
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let url = format!("http://{host}/upload/{id}");
    axum::Json(json!({"ok": true, "upload_url": url, "file_id": id})).into_response()
}

/// The upload URL: keeps the bytes and answers `OK - <length>` in plain text, as Slack does.
async fn upload_bytes(
    State(f): State<FakeSlack>,
    axum::extract::Path(file): axum::extract::Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    record(
        &f,
        "upload",
        &headers,
        json!({"file": file, "length": body.len()}),
    );
    let len = body.len();
    f.state.lock().unwrap().uploads.insert(file, body.to_vec());
    // As Slack answers: plain text, not JSON.
    format!("OK - {len}").into_response()
}

async fn complete_upload(State(f): State<FakeSlack>, headers: HeaderMap, body: String) -> Response {
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    record(&f, "files.completeUploadExternal", &headers, v.clone());
    axum::Json(json!({"ok": true, "files": [{"id": v["files"][0]["id"]}]})).into_response()
}

/// A payload's `response_url`: private answers to the user who acted.
async fn response_url(State(f): State<FakeSlack>, headers: HeaderMap, body: String) -> Response {
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    record(&f, "response_url", &headers, v);
    axum::Json(json!({"ok": true})).into_response()
}

/// The DM channel Slack gives the app's conversation with user `U…` (`D…`), as chat.postMessage
/// to a user id answers.
fn dm_channel(user: &str) -> String {
    match user.strip_prefix('U') {
        Some(rest) => format!("D{rest}"),
        None => user.to_string(),
    }
}

/// `conversations.open` with `users`: the app's DM with that user.
async fn conversations_open(
    State(f): State<FakeSlack>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let user = match &v["users"] {
        Value::Array(a) => a
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        u => u.as_str().unwrap_or_default().to_string(),
    };
    record(&f, "conversations.open", &headers, v);
    axum::Json(json!({"ok": true, "channel": {"id": dm_channel(&user)}})).into_response()
}

/// `conversations.history`: the messages accepted in `channel`, newest first, each with its
/// metadata when `include_all_metadata` is set. (`oldest` is recorded, not applied: this fake's
/// message timestamps are not on the tests' simulated clock.)
async fn conversations_history(
    State(f): State<FakeSlack>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    record(&f, "conversations.history", &headers, json!(q));
    let script = f.state.lock().unwrap().history_script.pop_front();
    if let Some(failure) = scripted(script) {
        return failure;
    }
    let channel = q.get("channel").cloned().unwrap_or_default();
    let with_metadata = q.get("include_all_metadata").is_some_and(|v| v == "true");
    let messages: Vec<Value> = f
        .dms()
        .into_iter()
        .rev()
        .filter(|m| m["_channel"] == channel.as_str())
        .map(|m| {
            let mut out = json!({"type": "message", "ts": m["_ts"], "text": m["text"],
                "bot_id": "B0FAKE"});
            if with_metadata && !m["metadata"].is_null() {
                out["metadata"] = m["metadata"].clone();
            }
            out
        })
        .collect();
    axum::Json(json!({"ok": true, "messages": messages, "has_more": false})).into_response()
}

/// `conversations.members`, two members per page so the bot must follow `next_cursor`.
/// `oauth.v2.access`, as Slack answers it. Codes name what they grant: `code-T0001` installs
/// workspace T0001 (its bot token `xoxb-oauth-T0001`), `code-T0003-E1` one in enterprise E1,
/// `code-T0004-rot` one with token rotation (a 12-hour token and refresh token `xoxe-1-T0004`,
/// which refreshes to `xoxb-rotated-T0004`). Anything else is an `invalid_code`.
async fn auth_revoke(State(f): State<FakeSlack>, headers: HeaderMap) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .map(String::from);
    f.state.lock().unwrap().calls.push(Call {
        method: "auth.revoke".into(),
        auth,
        body: json!({}),
    });
    axum::Json(json!({"ok": true, "revoked": true})).into_response()
}

async fn oauth_access(
    State(f): State<FakeSlack>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .map(String::from);
    f.state.lock().unwrap().calls.push(Call {
        method: "oauth.v2.access".into(),
        auth,
        body: json!(q),
    });
    let grant = |team: &str, enterprise: Option<&str>, token: &str, rotation: Option<&str>| {
        let mut v = json!({"ok": true, "access_token": token, "token_type": "bot",
            "scope": "commands,chat:write", "bot_user_id": "U0BOT", "app_id": "A0123ABCD",
            "team": {"id": team, "name": format!("Team {team}")},
            "enterprise": enterprise.map(|e| json!({"id": e, "name": "Org"})),
            "is_enterprise_install": false,
            "authed_user": {"id": "U0ME"}});
        if let Some(r) = rotation {
            v["refresh_token"] = json!(r);
            v["expires_in"] = json!(43200);
        }
        axum::Json(v).into_response()
    };
    if q.get("grant_type").map(String::as_str) == Some("refresh_token") {
        return match q.get("refresh_token").map(String::as_str) {
            Some("xoxe-1-T0004") => {
                grant("T0004", None, "xoxb-rotated-T0004", Some("xoxe-2-T0004"))
            }
            _ => axum::Json(json!({"ok": false, "error": "invalid_refresh_token"})).into_response(),
        };
    }
    let code = q.get("code").cloned().unwrap_or_default();
    let parts: Vec<&str> = code.split('-').collect();
    match parts.as_slice() {
        ["code", team] => grant(team, None, &format!("xoxb-oauth-{team}"), None),
        ["code", team, "rot"] => grant(
            team,
            None,
            &format!("xoxb-oauth-{team}"),
            Some(&format!("xoxe-1-{team}")),
        ),
        ["code", team, ent] => grant(team, Some(ent), &format!("xoxb-oauth-{team}"), None),
        _ => axum::Json(json!({"ok": false, "error": "invalid_code"})).into_response(),
    }
}

/// `conversations.info`: known channels (see `set_members`), with whether the bot is in them.
async fn conversations_info(
    State(f): State<FakeSlack>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let channel = q.get("channel").cloned().unwrap_or_default();
    let mut s = f.state.lock().unwrap();
    s.calls.push(Call {
        method: "conversations.info".into(),
        auth: None,
        body: json!({"channel": channel}),
    });
    if !s.members.contains_key(&channel) {
        return axum::Json(json!({"ok": false, "error": "channel_not_found"})).into_response();
    }
    let member = !s.bot_absent.contains(&channel);
    axum::Json(json!({"ok": true, "channel": {"id": channel, "is_member": member}})).into_response()
}

async fn conversations_members(
    State(f): State<FakeSlack>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let channel = q.get("channel").cloned().unwrap_or_default();
    let from: usize = q.get("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    let mut s = f.state.lock().unwrap();
    let auth = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .map(String::from);
    s.calls.push(Call {
        method: "conversations.members".into(),
        auth,
        body: json!({"channel": channel, "cursor": from}),
    });
    match s.members.get(&channel) {
        None => axum::Json(json!({"ok": false, "error": "channel_not_found"})).into_response(),
        Some(all) => {
            let page: Vec<&String> = all.iter().skip(from).take(2).collect();
            let next = if from + 2 < all.len() {
                (from + 2).to_string()
            } else {
                String::new()
            };
            axum::Json(
                json!({"ok": true, "members": page, "response_metadata": {"next_cursor": next}}),
            )
            .into_response()
        }
    }
}

/// Signs `body` at `ts` exactly as Slack does.
/// A `block_actions` payload: `user` acted with `action` (one element of `actions`) on the
/// message `msg` the fake Slack accepted.
pub fn block_action(app: &TestApp, user: &str, msg: &Value, action: Value) -> Value {
    json!({
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0123ABCD",
        "trigger_id": "1234567890123.1234567890123.0123456789abcdef",
        "container": {"type": "message", "message_ts": msg["_ts"], "channel_id": msg["_channel"], "is_ephemeral": false},
        "channel": {"id": msg["_channel"]},
        "message": {"type": "message", "ts": msg["_ts"], "text": msg["text"], "blocks": msg["blocks"]},
        "response_url": app.slack.response_url(),
        "state": {"values": {}},
        "actions": [action]
    })
}

/// A button press on `msg` as `user`.
pub fn button_press(
    app: &TestApp,
    user: &str,
    msg: &Value,
    action: &str,
    block: &str,
    value: &str,
) -> Value {
    block_action(
        app,
        user,
        msg,
        json!({"action_id": action, "block_id": block, "value": value, "type": "button",
            "text": {"type": "plain_text", "text": "x"}, "action_ts": "1700000005.194939"}),
    )
}

/// Slack shows a mention or channel escape as a name, except inside a code span, where the
/// raw `<@U…>` would reach the user: no reply or message of ours may put one there.
pub fn assert_names_not_escapes(text: &str) {
    for (i, part) in text.split('`').enumerate() {
        assert!(
            i % 2 == 0 || !(part.contains("<@") || part.contains("<#C") || part.contains("<!")),
            "a Slack escape inside a code span would show raw: {text}"
        );
    }
}

pub fn sign(secret: &str, ts: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

pub struct TestApp {
    pub base: String,
    pub state: Services,
    pub scheduler: Scheduler,
    pub slack: FakeSlack,
    pub http: reqwest::Client,
    /// The test's own database (dropped with the app).
    pub db: ScratchDb,
    /// A connection of the test's own, for counting rows (see [`TestApp::sql`]).
    sql: tokio::sync::OnceCell<sqlx::AnyPool>,
    shutdown: CancellationToken,
}

/// Another replica started by [`TestApp::another_server`]; stopped when dropped.
pub struct Replica {
    pub base: String,
    pub services: Services,
    shutdown: CancellationToken,
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub fn test_config(db_url: String, slack_url: String) -> Config {
    Config {
        signing_secret: Some(Secret::new(SECRET)),
        bot_token: Some(Secret::new(BOT_TOKEN)),
        app_token: None,
        slack_api_url: slack_url,
        database_url: db_url,
        listen: "127.0.0.1:0".parse().unwrap(),
        encryption_key: Some(Secret::new(KEY)),
        client_id: None,
        client_secret: None,
        redirect_url: None,
        allowed_enterprises: None,
        uninstall_grace_days: 30,
    }
}

/// Starts the real server (no background scheduler: tests run passes at chosen moments).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with its settings changed first (OAuth, say).
pub async fn spawn_app_with(change: impl FnOnce(&mut Config)) -> TestApp {
    sideways::telemetry::install_crypto_provider();
    let db = ScratchDb::new().await;
    let slack = FakeSlack::start().await;
    let mut config = test_config(db.url.clone(), slack.url.clone());
    change(&mut config);
    let app = App::production(&config, "serve", true)
        .await
        .expect("state");
    let (state, scheduler) = (app.services.clone(), app.scheduler.clone());
    let server = Server::bind(&config, app).await.expect("bind");
    let base = format!("http://{}", server.addr);
    let shutdown = CancellationToken::new();
    tokio::spawn(server.run(shutdown.clone(), Scheduling::Off));
    TestApp {
        base,
        state,
        scheduler,
        slack,
        http: reqwest::Client::new(),
        db,
        sql: tokio::sync::OnceCell::new(),
        shutdown,
    }
}

impl TestApp {
    /// POSTs a raw body to `path` signed at `ts` (or unsigned with `None`).
    pub async fn post_signed(
        &self,
        path: &str,
        content_type: &str,
        body: &str,
        ts: Option<i64>,
    ) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body.to_string());
        if let Some(ts) = ts {
            req = req
                .header("x-slack-request-timestamp", ts.to_string())
                .header("x-slack-signature", sign(SECRET, ts, body));
        }
        req.send().await.unwrap()
    }

    /// The form body Slack sends for `/peer <text>` from `user`.
    pub fn slash_body(user: &str, text: &str) -> String {
        serde_urlencoded::to_string([
            ("token", "deprecated"),
            ("team_id", TEAM),
            ("team_domain", "example"),
            ("channel_id", "C2147483705"),
            ("channel_name", "test"),
            ("user_id", user),
            ("user_name", "someone"),
            ("command", "/peer"),
            ("text", text),
            ("api_app_id", "A123456"),
            ("is_enterprise_install", "false"),
            ("response_url", "https://hooks.slack.com/commands/1234/5678"),
            ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
        ])
        .unwrap()
    }

    /// `/peer <text>` as `user` of workspace `team`, signed now: asserts the 200 and returns
    /// the raw response body (empty when a form opened).
    pub async fn slash_raw_in(&self, team: &str, user: &str, text: &str) -> String {
        let body =
            Self::slash_body(user, text).replace("team_id=T0001", &format!("team_id={team}"));
        let resp = self
            .post_signed(
                "/slack/commands",
                "application/x-www-form-urlencoded",
                &body,
                Some(Utc::now().timestamp()),
            )
            .await;
        assert_eq!(resp.status(), 200, "/peer {text}");
        resp.text().await.unwrap()
    }

    /// `/peer <text>` as `user` of workspace `team`: the reply JSON, checked to be ephemeral
    /// and to show names, not escapes.
    pub async fn slash_in(&self, team: &str, user: &str, text: &str) -> Value {
        let raw = self.slash_raw_in(team, user, text).await;
        let v: Value =
            serde_json::from_str(&raw).unwrap_or_else(|e| panic!("/peer {text}: {e}: {raw}"));
        assert_eq!(v["response_type"], "ephemeral", "/peer {text}: {v}");
        assert_names_not_escapes(v["text"].as_str().unwrap_or_default());
        v
    }

    /// Runs `/peer <text>` as `user`, signed now; asserts the 200 and returns the reply JSON.
    pub async fn slash(&self, user: &str, text: &str) -> Value {
        self.slash_in(TEAM, user, text).await
    }

    /// `/peer <text>` as `user`, signed now: the raw response body (empty when a form opened).
    pub async fn slash_raw(&self, user: &str, text: &str) -> String {
        self.slash_raw_in(TEAM, user, text).await
    }

    /// The reply text of `/peer <text>` as `user` of workspace `team` (another workspace than
    /// the usual one, say).
    pub async fn say_in(&self, team: &str, user: &str, text: &str) -> String {
        self.slash_in(team, user, text).await["text"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The reply text of `/peer <text>` as `user`.
    pub async fn say(&self, user: &str, text: &str) -> String {
        self.slash(user, text).await["text"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A scheduler of its own on the same database, as a second process (`sideways tick`
    /// beside `serve`, or another replica) would have.
    pub async fn another_process(&self) -> sideways::scheduler::Scheduler {
        self.another_process_with(|_| {}).await
    }

    /// [`TestApp::another_process`] with its settings changed first.
    pub async fn another_process_with(
        &self,
        change: impl FnOnce(&mut Config),
    ) -> sideways::scheduler::Scheduler {
        let mut config = test_config(self.db.url.clone(), self.slack.url.clone());
        change(&mut config);
        App::production(&config, "tick", true)
            .await
            .expect("second process")
            .scheduler
    }

    /// A second `serve` process on the same database and the same fake Slack (another replica
    /// behind the load balancer), without a background scheduler.
    pub async fn another_server(&self) -> Replica {
        let config = test_config(self.db.url.clone(), self.slack.url.clone());
        let app = App::production(&config, "serve", true)
            .await
            .expect("second server");
        let services = app.services.clone();
        let server = Server::bind(&config, app).await.expect("bind");
        let base = format!("http://{}", server.addr);
        let shutdown = CancellationToken::new();
        tokio::spawn(server.run(shutdown.clone(), Scheduling::Off));
        Replica {
            base,
            services,
            shutdown,
        }
    }

    /// One scheduler pass at `at`.
    pub async fn tick(&self, at: &str) -> Vec<String> {
        self.scheduler.tick(utc(at), false).await.expect("tick")
    }

    /// POSTs an interaction payload (`payload=<json>`) signed now.
    pub async fn interact(&self, payload: &Value) -> reqwest::Response {
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        self.post_signed(
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            &body,
            Some(Utc::now().timestamp()),
        )
        .await
    }

    /// POSTs an Events API body signed now (with `X-Slack-Retry-Num` when `retry` is set).
    pub async fn event(&self, body: &Value, retry: Option<u32>) -> reqwest::Response {
        self.event_to(&self.base, body, retry).await
    }

    /// [`TestApp::event`] sent to the server at `base` (another replica).
    pub async fn event_to(
        &self,
        base: &str,
        body: &Value,
        retry: Option<u32>,
    ) -> reqwest::Response {
        let text = body.to_string();
        let ts = Utc::now().timestamp();
        let mut req = self
            .http
            .post(format!("{base}/slack/events"))
            .header("content-type", "application/json")
            .header("x-slack-request-timestamp", ts.to_string())
            .header("x-slack-signature", sign(SECRET, ts, &text))
            .body(text);
        if let Some(n) = retry {
            req = req
                .header("x-slack-retry-num", n.to_string())
                .header("x-slack-retry-reason", "http_timeout");
        }
        req.send().await.unwrap()
    }

    /// Waits for the work the app does after acknowledging (App Home, message updates).
    pub async fn settle(&self) {
        self.state.settle().await;
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql)
            .fetch_one(self.sql().await)
            .await
            .unwrap();
        n
    }

    /// A pool of the test's own on the app's database, either backend (`sqlx::Any`: write
    /// placeholders as `$1`, which both accept).
    pub async fn sql(&self) -> &sqlx::AnyPool {
        self.sql
            .get_or_init(|| async {
                sqlx::any::install_default_drivers();
                sqlx::any::AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(&self.db.url)
                    .await
                    .expect("the test's own connection")
            })
            .await
    }
}

/// Everything the database holds, as bytes, to look for plain text in: on SQLite the file and
/// its write-ahead log; on Postgres every row of every table in its text form (what a dump of
/// the database would show).
pub async fn stored_bytes(app: &TestApp) -> Vec<u8> {
    if let Some(file) = &app.db.file {
        let mut bytes = std::fs::read(file).unwrap();
        if let Ok(w) = std::fs::read(file.with_extension("db-wal")) {
            bytes.extend(w);
        }
        return bytes;
    }
    let tables: Vec<(String,)> = sqlx::query_as(
        "select table_name::text from information_schema.tables where table_schema = current_schema()",
    )
    .fetch_all(app.sql().await)
    .await
    .unwrap();
    let mut bytes = Vec::new();
    for (t,) in tables {
        let rows: Vec<(String,)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("select t::text from {t} t")))
                .fetch_all(app.sql().await)
                .await
                .unwrap();
        for (r,) in rows {
            bytes.extend(r.into_bytes());
        }
    }
    bytes
}

/// A `view_submission` payload for the form `callback` with these `values`.
pub fn submission(user: &str, view_id: &str, callback: &str, meta: &str, values: Value) -> Value {
    json!({
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0123ABCD",
        "trigger_id": "1234567890123.1234567890123.fedcba9876543210",
        "view": {"id": view_id, "team_id": TEAM, "type": "modal", "blocks": [],
            "private_metadata": meta, "callback_id": callback,
            "state": {"values": values}, "hash": "1700000000.AbCdEfGh",
            "title": {"type": "plain_text", "text": "Log a check-in"},
            "app_installed_team_id": TEAM},
        "response_urls": [],
        "is_enterprise_install": false
    })
}

/// The confirmation button's token in a reply.
pub fn confirm_token(reply: &Value) -> String {
    reply["blocks"][1]["elements"][0]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("no confirm button in {reply}"))
        .to_string()
}

/// Presses the confirmation as `user` (in an ephemeral message) and returns what it answered.
pub async fn press_confirm(app: &TestApp, user: &str, token: &str) -> String {
    let before = app.slack.calls("response_url").len();
    let payload = json!({
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0123ABCD",
        "trigger_id": "1234567890123.1234567890123.0123456789abcdef",
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "C2147483705", "is_ephemeral": true},
        "response_url": app.slack.response_url(),
        "state": {"values": {}},
        "actions": [{"action_id": "sw_confirm_forget", "block_id": "confirm", "value": token,
            "type": "button", "text": {"type": "plain_text", "text": "x"}, "action_ts": "1700000005.194939"}]
    });
    assert_eq!(app.interact(&payload).await.status(), 200);
    app.settle().await;
    let calls = app.slack.calls("response_url");
    assert_eq!(calls.len(), before + 1, "one private answer");
    let text = calls[before].body["text"].as_str().unwrap().to_string();
    assert_names_not_escapes(&text);
    text
}
