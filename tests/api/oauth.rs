//! Many workspaces through the OAuth v2 install flow, against the fake Slack: the install link,
//! the redirect's checks, each workspace on its own token and data, token rotation done once,
//! and what an uninstall stops and, after its grace period, deletes.

use crate::helpers::*;
use serde_json::{Value, json};
use sideways::config::{Config, Secret};

const ME: &str = "U0ME";

fn oauth(c: &mut Config) {
    c.bot_token = None;
    c.client_id = Some("1234.5678".into());
    c.client_secret = Some(Secret::new("client-secret-abc"));
    c.allowed_enterprises = Some("E2".into());
}

async fn app() -> TestApp {
    let app = spawn_app_with(oauth).await;
    app.state.clock.freeze(utc("2026-12-03T10:00:00Z"));
    app
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Follows `/slack/install` to Slack's authorize URL; the `state` it carries.
async fn install_link(app: &TestApp) -> String {
    let r = browser()
        .get(format!("{}/slack/install", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with("https://slack.com/oauth/v2/authorize?"),
        "{to}"
    );
    let q: std::collections::HashMap<String, String> =
        serde_urlencoded::from_str(to.split_once('?').unwrap().1).unwrap();
    assert_eq!(q["client_id"], "1234.5678");
    assert!(
        q["scope"].starts_with("commands,chat:write,users:read"),
        "{to}"
    );
    assert!(q["scope"].contains("files:write"), "{to}");
    q["state"].clone()
}

/// Slack sending the browser back with `code` and `state`: (status, page).
async fn back(app: &TestApp, code: &str, state: &str) -> (u16, String) {
    let q = serde_urlencoded::to_string([("code", code), ("state", state)]).unwrap();
    let r = browser()
        .get(format!("{}/slack/oauth_redirect?{q}", app.base))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn installs(app: &TestApp) -> i64 {
    app.count("select count(*) from installation where revoked_at is null")
        .await
}

#[tokio::test]
async fn an_install_link_works_once_and_every_bad_return_stores_nothing() {
    let app = app().await;
    // A forged, missing or reused state, a code Slack rejects, an organisation not allowed.
    let (s, page) = back(&app, "code-T0001", "123.abc.def").await;
    assert!(s == 400 && page.contains("expired"), "{s} {page}");
    let (s, _) = back(&app, "code-T0001", "").await;
    assert_eq!(s, 400);
    let state = install_link(&app).await;
    let (s, page) = back(&app, "nonsense", &state).await;
    assert!(s == 400 && page.contains("invalid_code"), "{s} {page}");
    let (s, _) = back(&app, "code-T0001", &state).await;
    assert_eq!(s, 400, "the state was used by the failed attempt");
    let state = install_link(&app).await;
    let (s, page) = back(&app, "code-T0003-E1", &state).await;
    assert!(s == 403 && page.contains("organisation"), "{s} {page}");
    let revoked = app.slack.calls("auth.revoke");
    assert_eq!(
        revoked.len(),
        1,
        "the refused install's token is given back"
    );
    assert_eq!(revoked[0].auth.as_deref(), Some("Bearer xoxb-oauth-T0003"));
    // An expired link.
    let state = install_link(&app).await;
    app.state.clock.freeze(utc("2026-12-03T10:11:00Z"));
    let (s, _) = back(&app, "code-T0001", &state).await;
    assert_eq!(s, 400);
    assert_eq!(installs(&app).await, 0, "nothing half-stored");

    // A good one: installed, the token sealed at rest, the page names the workspace.
    let state = install_link(&app).await;
    let (s, page) = back(&app, "code-T0001", &state).await;
    assert!(
        s == 200 && page.contains("installed in Team T0001"),
        "{s} {page}"
    );
    let (s, _) = back(&app, "code-T0001", &state).await;
    assert_eq!(s, 400, "used once");
    let (token, source, scopes, installer): (Vec<u8>, String, String, String) = sqlx::query_as(
        "select bot_token_enc, source, scopes, installer_id from installation where team_id = 'T0001'",
    )
    .fetch_one(app.sql().await)
    .await
    .unwrap();
    assert!(!String::from_utf8_lossy(&token).contains("xoxb"), "sealed");
    assert_eq!(
        (source.as_str(), scopes.as_str(), installer.as_str()),
        ("oauth", "commands,chat:write", "U0ME")
    );
    // An allowed organisation installs.
    let state = install_link(&app).await;
    let (s, _) = back(&app, "code-T0005-E2", &state).await;
    assert_eq!(s, 200);
    // Slack was given the client credentials, never the page.
    let calls = app.slack.calls("oauth.v2.access");
    assert!(
        calls
            .iter()
            .all(|c| c.auth.as_deref().is_some_and(|a| a.starts_with("Basic ")))
    );
    assert!(!page.contains("client-secret-abc") && !page.contains("xoxb"));
}

#[tokio::test]
async fn two_installed_workspaces_each_see_only_their_own_data_and_use_their_own_token() {
    let app = app().await;
    for code in ["code-T0001", "code-T0002"] {
        let state = install_link(&app).await;
        assert_eq!(back(&app, code, &state).await.0, 200);
    }
    // Not installed: refused politely.
    let r = app.say_in("T0009", ME, "map").await;
    assert!(r.contains("install"), "{r}");
    app.state.clock.freeze(utc("2026-11-23T10:00:00Z"));
    assert!(
        app.say_in("T0001", ME, "add <@U0ANA|ana> weekly because T1SECRET")
            .await
            .contains("Added")
    );
    assert!(
        app.say_in("T0002", ME, "add <@U0BOB|bob> weekly")
            .await
            .contains("Added")
    );
    let map2 = app.say_in("T0002", ME, "map").await;
    assert!(
        map2.contains("U0BOB") && !map2.contains("U0ANA") && !map2.contains("T1SECRET"),
        "{map2}"
    );
    app.tick("2026-11-30T10:00:00Z").await;
    let posts = app.slack.calls("chat.postMessage");
    let by_token: Vec<(String, String)> = posts
        .iter()
        .map(|c| {
            (
                c.auth.clone().unwrap_or_default(),
                c.body["text"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(by_token.len(), 2, "{by_token:?}");
    for (auth, text) in &by_token {
        if text.contains("U0ANA") {
            assert_eq!(auth, "Bearer xoxb-oauth-T0001");
        } else {
            assert!(text.contains("U0BOB"));
            assert_eq!(auth, "Bearer xoxb-oauth-T0002");
        }
    }
}

#[tokio::test]
async fn a_rotating_token_is_refreshed_once_before_it_expires() {
    let app = app().await;
    let state = install_link(&app).await;
    assert_eq!(back(&app, "code-T0004-rot", &state).await.0, 200);
    // Two processes pass at once, 10 minutes before the 12-hour token expires.
    let other = app.another_process_with(oauth).await;
    let at = utc("2026-12-03T21:50:00Z");
    let (a, b) = tokio::join!(app.scheduler.tick(at, false), other.tick(at, false));
    a.unwrap();
    b.unwrap();
    let refreshes: Vec<Value> = app
        .slack
        .calls("oauth.v2.access")
        .into_iter()
        .map(|c| c.body)
        .filter(|b| b["grant_type"] == "refresh_token")
        .collect();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    let (token,): (Vec<u8>,) =
        sqlx::query_as("select bot_token_enc from installation where team_id = 'T0004'")
            .fetch_one(app.sql().await)
            .await
            .unwrap();
    let opened = sideways::crypto::Cipher::from_key_text(KEY)
        .unwrap()
        .open(&token)
        .unwrap();
    assert_eq!(opened, "xoxb-rotated-T0004");
    // Well before the new expiry nothing more happens.
    app.tick("2026-12-04T00:00:00Z").await;
    assert_eq!(
        app.slack
            .calls("oauth.v2.access")
            .iter()
            .filter(|c| c.body["grant_type"] == "refresh_token")
            .count(),
        1
    );
}

#[tokio::test]
async fn an_uninstall_stops_everything_and_the_data_goes_after_the_grace_period() {
    let app = app().await;
    for code in ["code-T0001", "code-T0002"] {
        let state = install_link(&app).await;
        back(&app, code, &state).await;
    }
    app.state.clock.freeze(utc("2026-11-23T10:00:00Z"));
    app.say_in("T0001", ME, "add <@U0ANA|ana> weekly").await;
    app.say_in("T0002", ME, "add <@U0BOB|bob> weekly").await;
    // Something else scheduled in the workspace that goes: a heads-up with reminders.
    let r = app
        .say_in("T0001", ME, "headsup \"reorg\" <@U0ANA> before fri 15:00")
        .await;
    assert!(r.contains("#1"), "{r}");
    let ev = json!({"type": "event_callback", "team_id": "T0001", "api_app_id": "A0123ABCD",
        "event_id": "EvUNINSTALL", "event_time": 1700000000,
        "event": {"type": "app_uninstalled"}});
    assert_eq!(app.event(&ev, None).await.status(), 200);
    app.settle().await;
    let (token,): (Vec<u8>,) =
        sqlx::query_as("select bot_token_enc from installation where team_id = 'T0001'")
            .fetch_one(app.sql().await)
            .await
            .unwrap();
    assert!(token.is_empty(), "the token is deleted");
    app.tick("2026-11-30T10:00:00Z").await;
    let posts = app.slack.calls("chat.postMessage");
    assert_eq!(posts.len(), 1, "only the other workspace's nudge");
    assert_eq!(posts[0].auth.as_deref(), Some("Bearer xoxb-oauth-T0002"));
    assert_eq!(
        app.count("select count(*) from delivery where team_id = 'T0001'")
            .await,
        0,
        "nothing is even queued for the uninstalled workspace (the heads-up's reminders included)"
    );
    // Kept through the grace period (30 days), then deleted: every table, T0001 only.
    app.tick("2026-12-20T10:00:00Z").await;
    assert_eq!(
        app.count("select count(*) from peer where team_id = 'T0001'")
            .await,
        1
    );
    app.tick("2027-01-04T10:00:00Z").await;
    for table in [
        "peer",
        "user_profile",
        "installation",
        "delivery",
        "slack_seen",
    ] {
        let sql = format!("select count(*) from {table} where team_id = 'T0001'");
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(app.sql().await)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    assert_eq!(
        app.count("select count(*) from peer where team_id = 'T0002'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_reinstall_keeps_the_data_and_a_late_uninstall_event_changes_nothing() {
    let app = app().await;
    let state = install_link(&app).await;
    back(&app, "code-T0001", &state).await;
    app.state.clock.freeze(utc("2026-11-23T10:00:00Z"));
    app.say_in("T0001", ME, "add <@U0ANA|ana> weekly").await;
    let uninstall = |id: &str, t: i64| {
        json!({"type": "event_callback", "team_id": "T0001", "api_app_id": "A0123ABCD",
            "event_id": id, "event_time": t, "event": {"type": "app_uninstalled"}})
    };
    // Uninstalled on 23 Nov, installed again on 10 Dec (inside the grace period).
    app.event(&uninstall("EvU1", 1_763_892_000), None).await;
    app.settle().await;
    assert_eq!(installs(&app).await, 0);
    app.state.clock.freeze(utc("2026-12-10T10:00:00Z"));
    let state = install_link(&app).await;
    assert_eq!(back(&app, "code-T0001", &state).await.0, 200);
    // Slack retrying the old uninstall event (the same event id) does not revoke it.
    app.event(&uninstall("EvU1", 1_763_892_000), Some(1)).await;
    app.settle().await;
    assert_eq!(installs(&app).await, 1);
    // Past the first uninstall's grace period nothing is deleted, and nudges came back.
    app.tick("2027-01-04T10:00:00Z").await;
    assert_eq!(
        app.count("select count(*) from peer where team_id = 'T0001'")
            .await,
        1
    );
    assert!(
        app.slack
            .calls("chat.postMessage")
            .iter()
            .any(|c| c.auth.as_deref() == Some("Bearer xoxb-oauth-T0001")),
        "the reinstalled workspace is nudged again"
    );
}
