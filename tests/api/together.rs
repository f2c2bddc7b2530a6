//! Working on something together (`/peer together`) through signed requests: what is kept,
//! the two end-of-work DMs (one each, inside each person's own working hours, never twice), the
//! Look back form, and that forgetting leaves nothing to be sent later.

use crate::helpers::*;
use serde_json::{Value, json};

const ME: &str = "U0ME";
const ANA: &str = "U0ANA";
const BOB: &str = "U0BOB";

/// ME in London with ANA on the map (with a reason and a note); ANA in New York by Slack's
/// account and not a Sideways user. Now Saturday 2026-11-21 10:00Z.
async fn with_ana() -> TestApp {
    let app = spawn_app().await;
    app.slack.set_tz(ME, "Europe/London");
    app.slack.set_tz(ANA, "America/New_York");
    app.state.clock.freeze(utc("2026-11-21T10:00:00Z"));
    app.say(ME, "add <@U0ANA|ana> monthly because SECRETREASON gates us")
        .await;
    app.say(ME, "note <@U0ANA|ana> PRIVATENOTE her kids").await;
    app
}

/// Starts together #1 with ANA for a week: it ends Saturday 2026-11-28 (London).
async fn start(app: &TestApp) {
    let r = app
        .say(ME, "together <@U0ANA|ana> the on-call handover for 1 week")
        .await;
    assert!(
        r.contains("Together #1 with <@U0ANA>")
            && r.contains("for 1 week")
            && r.contains("Sat 28 Nov"),
        "{r}"
    );
}

fn dms_to(app: &TestApp, user: &str) -> Vec<Value> {
    app.slack
        .dms()
        .into_iter()
        .filter(|d| d["channel"] == user)
        .collect()
}

#[tokio::test]
async fn together_is_kept_privately_and_bad_inputs_write_nothing() {
    let app = with_ana().await;
    for (text, says) in [
        (
            "together <@U0ANA|ana> the handover for 0 weeks",
            "from 1 to 12",
        ),
        (
            "together <@U0ANA|ana> the handover for 13 weeks",
            "from 1 to 12",
        ),
        ("together <@U0ZED|zed> the handover", "not on your map"),
        ("together <@U0ANA|ana>", "What are you working on together?"),
        (
            "together lookback 1 keep",
            "no open piece of work together #1",
        ),
    ] {
        let r = app.say(ME, text).await;
        assert!(r.contains(says), "{text}: {r}");
        assert!(r.contains("/peer together"), "usage shown: {r}");
    }
    assert_eq!(app.count("select count(*) from together").await, 0);

    start(&app).await;
    let r = app
        .say(ME, "together <@U0ANA|ana> quarterly planning")
        .await;
    assert!(
        r.contains("Together #2") && r.contains("for 2 weeks"),
        "{r}"
    );
    let list = app.say(ME, "together").await;
    assert!(
        list.contains("#1 with <@U0ANA>: “the on-call handover”, ends Sat 28 Nov (1 week)")
            && list.contains("#2 with <@U0ANA>: “quarterly planning”"),
        "{list}"
    );
    // Sealed at rest.
    assert_eq!(
        app.count("select count(*) from together where cast(topic_enc as text) like '%handover%'")
            .await,
        0
    );
    // Another user and another workspace see none of it and cannot act on it.
    assert!(
        app.say(BOB, "together")
            .await
            .contains("Nothing open together")
    );
    let r = app.say(BOB, "together lookback 1 stop").await;
    assert!(r.contains("no open piece of work together #1"), "{r}");
    assert!(
        app.say_in("T0002", ME, "together")
            .await
            .contains("Nothing open together")
    );
    let r = app.say_in("T0002", ME, "together lookback 1 stop").await;
    assert!(r.contains("no open piece of work together #1"), "{r}");
    assert_eq!(
        app.count("select count(*) from together where status = 'open'")
            .await,
        2
    );
    // Nothing was sent to anyone at the start: ANA is not told until the end.
    assert!(app.slack.dms().is_empty());
    // `/peer help` knows it.
    let help = app.say(ME, "help together").await;
    assert!(
        help.contains("/peer together @user <topic> [for N weeks]"),
        "{help}"
    );
}

#[tokio::test]
async fn at_its_end_each_gets_one_dm_inside_their_own_working_hours_never_twice() {
    let app = with_ana().await;
    start(&app).await;
    // The end falls on a Saturday: nothing over the weekend or before anyone's hours.
    for at in [
        "2026-11-27T16:00:00Z",
        "2026-11-28T00:00:00Z",
        "2026-11-29T12:00:00Z",
        "2026-11-30T08:59:00Z",
    ] {
        assert!(app.tick(at).await.is_empty(), "{at}");
    }
    // Monday 09:00 London: the owner's look-back.
    let sent = app.tick("2026-11-30T09:00:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let mine = dms_to(&app, ME);
    assert_eq!(mine.len(), 1);
    let text = mine[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Together #1 with <@U0ANA>, “the on-call handover”")
            && text.contains("/peer together lookback 1 keep"),
        "{text}"
    );
    assert!(mine[0]["blocks"].to_string().contains("sw_look_back"));
    // 08:00 in New York: ANA still waits.
    assert!(app.tick("2026-11-30T13:00:00Z").await.is_empty());
    // 09:00 in New York: ANA's note.
    let sent = app.tick("2026-11-30T14:00:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let hers = dms_to(&app, ANA);
    assert_eq!(hers.len(), 1);
    let text = hers[0]["text"].as_str().unwrap();
    assert!(
        text.contains("<@U0ME>") && text.contains("“the on-call handover”"),
        "{text}"
    );
    // Only the owner's mention and the topic: nothing else of the owner's.
    assert_eq!(text.matches("<@").count(), 1, "{text}");
    let all = hers[0].to_string();
    for private in [
        "PRIVATENOTE",
        "SECRETREASON",
        "weekly",
        "lookback",
        "#1",
        "map",
    ] {
        assert!(!all.contains(private), "{private} reached the peer: {all}");
    }
    // Never twice: later passes, and a second process at the same moments.
    let other = app.another_process().await;
    for at in [
        "2026-11-30T14:00:00Z",
        "2026-11-30T15:00:00Z",
        "2026-12-01T09:00:00Z",
    ] {
        assert!(app.tick(at).await.is_empty(), "{at}");
        assert!(other.tick(utc(at), false).await.unwrap().is_empty(), "{at}");
    }
    assert_eq!(app.slack.dms().len(), 2);
    // ANA's zone came from Slack; no settings were made for her.
    assert!(
        app.slack
            .calls("users.info")
            .iter()
            .any(|c| c.body["user"] == ANA)
    );
    assert_eq!(
        app.count("select count(*) from user_profile where user_id = 'U0ANA'")
            .await,
        0
    );
}

/// A peer who uses Sideways gets the note in the hours they set.
#[tokio::test]
async fn a_peer_with_settings_hears_in_their_own_hours() {
    let app = with_ana().await;
    app.say(ANA, "settings tz Asia/Tokyo hours 10-12").await;
    start(&app).await;
    // Monday 30 Nov 10:00 Tokyo = 01:00Z; the owner waits for London's 09:00.
    let sent = app.tick("2026-11-30T01:00:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(dms_to(&app, ANA).len(), 1);
    assert!(dms_to(&app, ME).is_empty());
    assert_eq!(app.tick("2026-11-30T09:00:00Z").await.len(), 1);
    assert_eq!(dms_to(&app, ME).len(), 1);
}

fn look_back_form(view: &str, meta: &str, keep: Option<&str>) -> Value {
    let text = |t: &str| json!({"value": {"type": "plain_text_input", "value": t}});
    let keep = match keep {
        Some(k) => json!({"value": {"type": "radio_buttons", "selected_option": {"value": k}}}),
        None => json!({"value": {"type": "radio_buttons", "selected_option": null}}),
    };
    json!({
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": ME, "team_id": TEAM},
        "api_app_id": "A0123ABCD",
        "trigger_id": "1234567890123.1234567890123.fedcba9876543210",
        "view": {"id": view, "team_id": TEAM, "type": "modal", "blocks": [],
            "private_metadata": meta,
            "callback_id": "sw_lookback_form",
            "state": {"values": {
                "worked": text("pairing on Fridays"),
                "change": text("start with a written plan"),
                "keep": keep,
            }}, "hash": "1700000000.AbCdEfGh",
            "title": {"type": "plain_text", "text": "Look back"},
            "app_installed_team_id": TEAM},
        "response_urls": [],
        "is_enterprise_install": false
    })
}

#[tokio::test]
async fn look_back_form_keeps_notes_and_keep_going_sets_another_end() {
    let app = with_ana().await;
    start(&app).await;
    app.tick("2026-11-30T09:00:00Z").await;
    let dm = dms_to(&app, ME)[0].clone();
    app.state.clock.freeze(utc("2026-11-30T10:00:00Z"));
    // Look back opens the form.
    let press = button_press(&app, ME, &dm, "sw_look_back", "together.1", "1");
    assert_eq!(app.interact(&press).await.status(), 200);
    let open = app.slack.calls("views.open");
    assert_eq!(open.len(), 1);
    let view = &open[0].body["view"];
    assert_eq!(view["callback_id"], "sw_lookback_form");
    assert!(view.to_string().contains("the on-call handover"), "{view}");
    let meta = view["private_metadata"].as_str().unwrap().to_string();
    // Keep going unanswered: the form says so, nothing is stored.
    let resp = app.interact(&look_back_form("V1", &meta, None)).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["response_action"], "errors", "{v}");
    assert_eq!(app.count("select count(*) from note").await, 1);
    // Submitted: one note, another week from today, the message marked done.
    let resp = app
        .interact(&look_back_form("V2", &meta, Some("keep")))
        .await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["response_action"], "update", "{v}");
    // Slack delivering the same submission again stores nothing more.
    let again = app
        .interact(&look_back_form("V2", &meta, Some("keep")))
        .await;
    assert_eq!(again.status(), 200);
    app.settle().await;
    assert_eq!(app.count("select count(*) from note").await, 2);
    let notes = app.say(ME, "notes <@U0ANA>").await;
    assert!(
        notes.contains("what worked: pairing on Fridays")
            && notes.contains("What to change: start with a written plan"),
        "{notes}"
    );
    let prep = app.say(ME, "prep <@U0ANA>").await;
    assert!(
        prep.contains("pairing on Fridays")
            && prep.contains("*Working on together*\n• #1 “the on-call handover”, ends Mon 7 Dec"),
        "{prep}"
    );
    let list = app.say(ME, "together").await;
    assert!(
        list.contains("ends Mon 7 Dec (1 week, stretch 2)"),
        "{list}"
    );
    let update = app.slack.calls("chat.update");
    assert!(
        update
            .last()
            .is_some_and(|c| c.body.to_string().contains("Looked back on #1")),
        "{update:?}"
    );
    // ANA's hours come after the owner kept going: she still hears, once, that the first
    // stretch ended.
    assert_eq!(app.tick("2026-11-30T14:00:00Z").await.len(), 1);
    assert_eq!(dms_to(&app, ANA).len(), 1);
    // The new end comes round: one DM each again.
    assert!(app.tick("2026-12-04T10:00:00Z").await.is_empty());
    assert_eq!(app.tick("2026-12-07T09:00:00Z").await.len(), 1);
    assert_eq!(app.tick("2026-12-07T14:00:00Z").await.len(), 1);
    assert_eq!(dms_to(&app, ME).len(), 2);
    assert_eq!(dms_to(&app, ANA).len(), 2);
    // Typed, the same look-back closes it.
    app.state.clock.freeze(utc("2026-12-07T15:00:00Z"));
    let r = app
        .say(ME, "together lookback 1 stop / meet in person next time")
        .await;
    assert!(r.contains("Closed together #1"), "{r}");
    assert!(
        app.say(ME, "together")
            .await
            .contains("Nothing open together")
    );
    assert_eq!(app.count("select count(*) from note").await, 3);
    assert!(app.tick("2026-12-14T14:00:00Z").await.is_empty());
}

/// Asks to forget and presses the confirmation.
async fn forget(app: &TestApp, text: &str) {
    let token = confirm_token(&app.slash(ME, text).await);
    press_confirm(app, ME, &token).await;
}

#[tokio::test]
async fn after_forget_no_together_dm_is_sent_later() {
    // Forgotten before its end: nothing at all is sent.
    let app = with_ana().await;
    start(&app).await;
    forget(&app, "forget <@U0ANA|ana>").await;
    assert_eq!(app.count("select count(*) from together").await, 0);
    for at in [
        "2026-11-30T09:00:00Z",
        "2026-11-30T14:00:00Z",
        "2026-12-07T14:00:00Z",
    ] {
        assert!(app.tick(at).await.is_empty(), "{at}");
    }
    assert!(app.slack.dms().is_empty());

    // Forgotten while ANA's note waits for a retry: it is never sent.
    let app = with_ana().await;
    start(&app).await;
    app.tick("2026-11-30T09:00:00Z").await;
    app.slack.script(Script::ServerError);
    assert!(app.tick("2026-11-30T14:00:00Z").await.is_empty());
    assert_eq!(
        app.count("select count(*) from delivery where user_id = 'U0ANA' and status <> 'sent'")
            .await,
        1
    );
    app.state.clock.freeze(utc("2026-11-30T14:05:00Z"));
    forget(&app, "forget <@U0ANA|ana>").await;
    assert_eq!(
        app.count("select count(*) from delivery where user_id = 'U0ANA'")
            .await,
        0
    );
    for at in ["2026-11-30T15:00:00Z", "2026-12-01T14:00:00Z"] {
        assert!(app.tick(at).await.is_empty(), "{at}");
    }
    assert!(dms_to(&app, ANA).is_empty());

    // `forget me` does the same for every peer.
    let app = with_ana().await;
    start(&app).await;
    app.tick("2026-11-30T09:00:00Z").await;
    app.slack.script(Script::ServerError);
    app.tick("2026-11-30T14:00:00Z").await;
    app.state.clock.freeze(utc("2026-11-30T14:05:00Z"));
    forget(&app, "forget me").await;
    assert_eq!(app.count("select count(*) from together").await, 0);
    assert_eq!(app.count("select count(*) from delivery").await, 0);
    assert!(app.tick("2026-12-01T14:00:00Z").await.is_empty());
    assert!(dms_to(&app, ANA).is_empty());
}

#[tokio::test]
async fn export_holds_the_owners_together_rows_decrypted() {
    let app = with_ana().await;
    start(&app).await;
    app.say(ME, "export").await;
    app.settle().await;
    let files = app.slack.files();
    assert_eq!(files.len(), 1);
    let v: Value = serde_json::from_slice(&files[0].1).unwrap();
    let rows = v["tables"]["together"].as_array().expect("together table");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["topic_enc"], "the on-call handover");
    // ANA's export holds none of it.
    app.say(ANA, "export").await;
    app.settle().await;
    let files = app.slack.files();
    let v: Value = serde_json::from_slice(&files[1].1).unwrap();
    assert_eq!(v["tables"]["together"].as_array().map(Vec::len), Some(0));
}
