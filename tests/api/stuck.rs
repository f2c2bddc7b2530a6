//! The stuck diagnostic through signed requests: a private form, its answers kept with the
//! peer's notes (and in prep), then the next move in order, skipping what is done. Nothing of it
//! reaches the peer, a channel or another user.

use crate::helpers::*;
use serde_json::{Value, json};

const ME: &str = "U0ME";
const ANA: &str = "U0ANA";

fn answers(know: Option<&str>, reasonable: Option<&str>, unseen: Option<&str>) -> Value {
    let text = |t: Option<&str>| json!({"value": {"type": "plain_text_input", "value": t}});
    json!({"know": text(know), "reasonable": text(reasonable), "unseen": text(unseen)})
}

/// Opens the form with `/peer stuck @ana` and returns its private metadata.
async fn open_form(app: &TestApp) -> String {
    let r = app.slash_raw(ME, "stuck <@U0ANA|ana>").await;
    assert!(r.is_empty(), "{r}");
    let call = app.slack.calls("views.open");
    let view = &call.last().expect("views.open").body["view"];
    assert_eq!(view["callback_id"], "sw_stuck_form");
    let shown = view.to_string();
    for q in [
        "What do I know that they don't?",
        "reasonable",
        "cannot see",
    ] {
        assert!(shown.contains(q), "{shown}");
    }
    view["private_metadata"].as_str().unwrap().to_string()
}

async fn submit(app: &TestApp, view: &str, meta: &str, values: Value) -> Value {
    let p = submission(ME, view, "sw_stuck_form", meta, values);
    let resp = app.interact(&p).await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.unwrap();
    if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).unwrap()
    }
}

#[tokio::test]
async fn the_stuck_diagnostic_keeps_answers_privately_and_suggests_moves_in_order() {
    let app = spawn_app().await;
    app.state.clock.freeze(utc("2026-12-03T10:00:00Z"));
    app.say(
        ME,
        "add <@U0ANA|ana> biweekly because her platform gates our launch",
    )
    .await;

    // Not on the map: refused, no form.
    let r = app.say(ME, "stuck <@U0RAJ|raj>").await;
    assert!(r.contains("not on your map"), "{r}");
    assert!(app.slack.calls("views.open").is_empty());

    // An empty form is refused on its first field, nothing kept.
    let meta = open_form(&app).await;
    let v = submit(&app, "V1", &meta, answers(None, Some("  "), None)).await;
    assert_eq!(v["response_action"], "errors", "{v}");
    assert!(
        v["errors"]["know"]
            .as_str()
            .unwrap()
            .contains("at least one")
    );
    assert_eq!(app.count("select count(*) from note").await, 0);

    // First move: publish your own constraints (none yet).
    let v = submit(
        &app,
        "V2",
        &meta,
        answers(Some("our Q1 date moved"), None, Some("a hiring freeze")),
    )
    .await;
    assert_eq!(v["response_action"], "update", "{v}");
    let saved = v["view"].to_string();
    assert!(
        saved.contains("Next move") && saved.contains("/peer context set"),
        "{saved}"
    );
    // Slack delivering the same submission again keeps it once.
    let again = submit(
        &app,
        "V2",
        &meta,
        answers(Some("our Q1 date moved"), None, None),
    )
    .await;
    assert_eq!(again["response_action"], "clear", "{again}");
    assert_eq!(app.count("select count(*) from note").await, 1);
    let prep = app.say(ME, "prep <@U0ANA|ana>").await;
    assert!(
        prep.contains("What I know that they don't: our Q1 date moved")
            && prep.contains("a hiring freeze"),
        "{prep}"
    );
    let notes = app.say(ME, "notes <@U0ANA|ana>").await;
    assert!(notes.contains("Stuck diagnostic"), "{notes}");

    // Context published: a coffee next; after a coffee, a trade naming the matching offer.
    app.say(ME, "context set hiring freeze, Q1 launch").await;
    let step = |v: Value| v["view"].to_string();
    let v = submit(&app, "V3", &meta, answers(Some("x"), None, None)).await;
    assert!(step(v).contains("coffee"), "coffee second");
    app.say(ME, "checkin <@U0ANA|ana> coffee").await;
    app.say(ANA, "context set review backlog on the Rust services")
        .await;
    app.say(ME, "offer review bandwidth for Rust services")
        .await;
    let v = step(submit(&app, "V4", &meta, answers(Some("x"), None, None)).await);
    assert!(
        v.contains("look for a trade") && v.contains("review bandwidth for Rust services"),
        "{v}"
    );
    // After a trade and with the offer gone, only then a joint escalation.
    app.say(ME, "trade gave <@U0ANA|ana> info our roadmap early")
        .await;
    app.say(ME, "offer remove 1").await;
    let v = step(submit(&app, "V5", &meta, answers(Some("x"), None, None)).await);
    assert!(v.contains("/peer escalate"), "{v}");

    // Nothing was sent to anyone: no DM, no post.
    app.settle().await;
    assert!(app.slack.dms().is_empty(), "{:?}", app.slack.dms());
    // Another user sees none of it.
    let other = app.say(ANA, "notes <@U0ME|me>").await;
    assert!(!other.contains("Q1 date"), "{other}");
    // Typed without a form (no trigger): a polite pointer, nothing written.
    let notes_before = app.count("select count(*) from note").await;
    let body = TestApp::slash_body(ME, "stuck <@U0ANA|ana>").replace(
        "trigger_id=13345224609.738474920.8088930838d88f008e0",
        "trigger_id=",
    );
    let resp = app
        .post_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            &body,
            Some(chrono::Utc::now().timestamp()),
        )
        .await;
    let r: Value = resp.json().await.unwrap();
    assert!(
        r["text"]
            .as_str()
            .unwrap()
            .contains("try the command again"),
        "{r}"
    );
    assert_eq!(app.count("select count(*) from note").await, notes_before);
}

/// A forged submission about someone not on the map, or from another user's form: refused on
/// the form, nothing kept.
#[tokio::test]
async fn a_stuck_form_about_someone_not_on_the_map_keeps_nothing() {
    let app = spawn_app().await;
    app.state.clock.freeze(utc("2026-12-03T10:00:00Z"));
    let meta = json!({"peer": "U0RAJ", "from": null}).to_string();
    let v = submit(&app, "V9", &meta, answers(Some("x"), None, None)).await;
    assert_eq!(v["response_action"], "errors", "{v}");
    assert_eq!(app.count("select count(*) from note").await, 0);
}
