//! The signature gate and the small routes.

use crate::helpers::*;
use chrono::Utc;

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn unsigned_badly_signed_stale_and_tampered_requests_get_401_and_store_nothing() {
    let app = spawn_app().await;
    let body = TestApp::slash_body("U0ME", "add <@U0ANA>");
    let now = Utc::now().timestamp();
    assert_eq!(
        app.post_signed("/slack/commands", FORM, &body, None)
            .await
            .status(),
        401,
        "unsigned"
    );
    assert_eq!(
        app.post_signed("/slack/commands", FORM, &body, Some(now - 301))
            .await
            .status(),
        401,
        "stale"
    );
    assert_eq!(
        app.post_signed("/slack/commands", FORM, &body, Some(now + 301))
            .await
            .status(),
        401,
        "future"
    );
    let forged = app
        .http
        .post(format!("{}/slack/commands", app.base))
        .header("content-type", FORM)
        .header("x-slack-request-timestamp", now.to_string())
        .header("x-slack-signature", sign("wrong-secret", now, &body))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401, "wrong secret");
    let tampered = app
        .http
        .post(format!("{}/slack/commands", app.base))
        .header("content-type", FORM)
        .header("x-slack-request-timestamp", now.to_string())
        .header("x-slack-signature", sign(SECRET, now, &body))
        .body(body.replace("U0ANA", "U0EVE"))
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status(), 401, "tampered");
    for path in ["/slack/events", "/slack/interactions"] {
        assert_eq!(
            app.post_signed(path, "application/json", "{}", None)
                .await
                .status(),
            401,
            "{path}"
        );
    }
    assert_eq!(app.count("select count(*) from peer").await, 0);
    assert_eq!(app.count("select count(*) from user_profile").await, 0);
    // Inside the window, inclusive edges are accepted.
    assert_eq!(
        app.post_signed("/slack/commands", FORM, &body, Some(now - 298))
            .await
            .status(),
        200
    );
    assert_eq!(app.count("select count(*) from peer").await, 1);
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_being_read() {
    let app = spawn_app().await;
    let body = "text=".to_string() + &"a".repeat(300 * 1024);
    let resp = app
        .post_signed("/slack/commands", FORM, &body, Some(Utc::now().timestamp()))
        .await;
    assert_eq!(resp.status(), 413);
}

#[tokio::test]
async fn url_verification_echoes_the_challenge_and_healthz_answers() {
    let app = spawn_app().await;
    let body = r#"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let resp = app
        .post_signed(
            "/slack/events",
            "application/json",
            body,
            Some(Utc::now().timestamp()),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        v["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
    let health = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn signed_but_malformed_payloads_are_refused_politely() {
    let app = spawn_app().await;
    let now = Some(Utc::now().timestamp());
    assert_eq!(
        app.post_signed("/slack/events", "application/json", "not json", now)
            .await
            .status(),
        400
    );
    assert_eq!(
        app.post_signed("/slack/interactions", FORM, "payload=%7Bnope", now)
            .await
            .status(),
        400
    );
    let resp = app
        .post_signed("/slack/commands", FORM, "team_id=&user_id=&text=map", now)
        .await;
    assert_eq!(resp.status(), 200);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert!(
        v["text"].as_str().unwrap().contains("could not tell"),
        "{v}"
    );
    let resp = app.post_signed("/slack/commands", FORM, "%%%", now).await;
    assert!(
        resp.status() == 200 || resp.status() == 400,
        "{}",
        resp.status()
    );
}
