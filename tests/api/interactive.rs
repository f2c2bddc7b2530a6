//! Buttons, forms, the App Home and events through signed requests, checked against the store
//! and the fake Slack's recorded `views.open`, `views.publish` and `chat.update` calls.

use crate::helpers::*;
use serde_json::{Value, json};

const ME: &str = "U0ME";
const ANA: &str = "U0ANA";
const BOB: &str = "U0BOB";

/// A London user with ANA (weekly) and BOB (weekly) on the map, added Friday 2026-11-13.
async fn with_peers() -> TestApp {
    let app = spawn_app().await;
    app.slack.set_tz(ME, "Europe/London");
    app.state.clock.freeze(utc("2026-11-13T10:00:00Z"));
    app.say(ME, "add <@U0ANA|ana> weekly").await;
    app.say(ME, "add <@U0BOB|bob> weekly").await;
    app.state.clock.freeze(utc("2026-11-23T10:00:00Z"));
    app
}

fn button(app: &TestApp, user: &str, msg: &Value, action: &str, block: &str, value: &str) -> Value {
    button_press(app, user, msg, action, block, value)
}

fn checkin_values(
    date: &str,
    constraint: Option<&str>,
    offer: Option<&str>,
    flags: &[&str],
) -> Value {
    let text = |t: Option<&str>| json!({"value": {"type": "plain_text_input", "value": t}});
    json!({
        "constraint": text(constraint),
        "boss": text(None),
        "fire": text(None),
        "offer": text(offer),
        "notes": text(None),
        "flags": {"value": {"type": "checkboxes", "selected_options":
            flags.iter().map(|f| json!({"value": f, "text": {"type": "plain_text", "text": f}})).collect::<Vec<_>>()}},
        "date": {"value": {"type": "datepicker", "selected_date": date}},
    })
}

/// The last `views.open` call's view.
fn opened_view(app: &TestApp) -> Value {
    app.slack
        .calls("views.open")
        .last()
        .expect("views.open")
        .body
        .clone()
}

fn last_call(app: &TestApp, method: &str) -> Value {
    app.slack
        .calls(method)
        .last()
        .map(|c| c.body.clone())
        .unwrap_or(Value::Null)
}

async fn submit_ok(app: &TestApp, payload: &Value) -> Value {
    let resp = app.interact(payload).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn a_bare_checkin_opens_the_form_and_submitting_it_stores_the_agenda() {
    let app = with_peers().await;
    // The slash command answers with an empty 200 and the form opens.
    let body = TestApp::slash_body(ME, "checkin <@U0ANA|ana>");
    let resp = app
        .post_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            &body,
            Some(chrono::Utc::now().timestamp()),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "");
    let open = app.slack.calls("views.open");
    assert_eq!(open.len(), 1);
    let view = &open[0].body["view"];
    assert_eq!(
        open[0].body["trigger_id"],
        "13345224609.738474920.8088930838d88f008e0"
    );
    assert_eq!(view["callback_id"], "sw_checkin_form");
    assert!(
        view.to_string().contains("2026-11-23"),
        "date defaults to today"
    );
    let meta = view["private_metadata"].as_str().unwrap().to_string();

    // Inline errors: a future date, an empty form. Nothing is written.
    let r = submit_ok(
        &app,
        &submission(
            ME,
            "V1",
            "sw_checkin_form",
            &meta,
            checkin_values("2026-11-30", Some("x"), None, &[]),
        ),
    )
    .await;
    assert_eq!(r["response_action"], "errors");
    assert!(
        r["errors"]["date"].as_str().unwrap().contains("future"),
        "{r}"
    );
    let r = submit_ok(
        &app,
        &submission(
            ME,
            "V1",
            "sw_checkin_form",
            &meta,
            checkin_values("2026-11-23", None, None, &[]),
        ),
    )
    .await;
    assert!(
        r["errors"]["notes"].as_str().unwrap().contains("empty"),
        "{r}"
    );
    assert_eq!(app.count("select count(*) from checkin").await, 0);

    // A good submission is stored like the text form (the clock restarts) and confirmed.
    let ok = submission(
        ME,
        "V1",
        "sw_checkin_form",
        &meta,
        checkin_values(
            "2026-11-22",
            Some("hiring freeze"),
            Some("review their RFC"),
            &["status_sync"],
        ),
    );
    let r = submit_ok(&app, &ok).await;
    assert_eq!(r["response_action"], "update", "{r}");
    assert!(
        r.to_string()
            .contains("Logged a check-in with <@U0ANA> yesterday"),
        "{r}"
    );
    // Slack delivering it again changes nothing.
    let r = submit_ok(&app, &ok).await;
    assert_eq!(r["response_action"], "clear");
    assert_eq!(app.count("select count(*) from checkin").await, 1);
    assert_eq!(
        app.count("select count(*) from checkin where agenda_enc is not null and offer_enc is not null and status_sync = 1").await,
        1
    );
    let map = app.say(ME, "map").await;
    assert!(
        map.contains("<@U0ANA> · *warm*") && map.contains("last contact yesterday"),
        "{map}"
    );

    // A form whose trigger expired: the user is told how to log it instead.
    app.slack.fail_views();
    let r = app.say(ME, "checkin <@U0BOB>").await;
    assert!(r.contains("couldn't open the check-in form"), "{r}");
}

#[tokio::test]
async fn nudge_buttons_act_once_and_redraw_the_message() {
    let app = with_peers().await;
    app.tick("2026-11-23T10:00:00Z").await;
    let dms = app.slack.dms();
    assert_eq!(dms.len(), 1);
    let nudge = dms[0].clone();
    let blocks = nudge["blocks"].to_string();
    for a in ["sw_log_checkin", "sw_we_talked", "sw_snooze", "sw_skip"] {
        assert_eq!(blocks.matches(a).count(), 2, "{a} per peer: {blocks}");
    }

    // We talked: a contact today; the message no longer offers ANA's buttons.
    let tap = button(&app, ME, &nudge, "sw_we_talked", "due.U0ANA", ANA);
    assert_eq!(app.interact(&tap).await.status(), 200);
    app.settle().await;
    assert_eq!(app.count("select count(*) from checkin").await, 1);
    let update = last_call(&app, "chat.update");
    assert_eq!(update["channel"], nudge["_channel"]);
    assert_eq!(update["ts"], nudge["_ts"]);
    let redrawn = update["blocks"].to_string();
    assert_eq!(
        redrawn.matches("sw_we_talked").count(),
        1,
        "only BOB's left: {redrawn}"
    );
    assert!(redrawn.contains("We talked: logged today"), "{redrawn}");

    // The same tap again (or Slack re-delivering it): nothing changes.
    app.interact(&tap).await;
    app.settle().await;
    assert_eq!(app.count("select count(*) from checkin").await, 1);
    let said = last_call(&app, "response_url");
    assert!(
        said["text"].as_str().unwrap().contains("Already done"),
        "{said}"
    );
    assert_eq!(app.slack.calls("chat.update").len(), 1);

    // Skip this cycle on BOB: snoozed a week, message updated.
    app.interact(&button(&app, ME, &nudge, "sw_skip", "due.U0BOB", BOB))
        .await;
    app.settle().await;
    let map = app.say(ME, "map").await;
    assert!(map.contains("snoozed until Mon 30 Nov"), "{map}");
    assert!(
        !last_call(&app, "chat.update")["blocks"]
            .to_string()
            .contains("sw_skip")
    );
}

#[tokio::test]
async fn log_checkin_and_snooze_buttons_open_forms_that_finish_the_job() {
    let app = with_peers().await;
    app.tick("2026-11-23T10:00:00Z").await;
    let nudge = app.slack.dms()[0].clone();

    app.interact(&button(&app, ME, &nudge, "sw_snooze", "due.U0BOB", BOB))
        .await;
    let view = opened_view(&app)["view"].clone();
    assert_eq!(view["callback_id"], "sw_snooze_form");
    let meta = view["private_metadata"].as_str().unwrap().to_string();
    let values = json!({"length": {"value": {"type": "radio_buttons", "selected_option": {"value": "14"}}},
        "reason": {"value": {"type": "plain_text_input", "value": "offsite week"}}});
    let r = submit_ok(&app, &submission(ME, "V2", "sw_snooze_form", &meta, values)).await;
    assert_eq!(r["response_action"], "update", "{r}");
    app.settle().await;
    assert!(app.say(ME, "map").await.contains("snoozed until Mon 7 Dec"));
    assert_eq!(
        app.count("select count(*) from peer where snooze_reason_enc is not null")
            .await,
        1
    );

    app.interact(&button(
        &app,
        ME,
        &nudge,
        "sw_log_checkin",
        "due.U0ANA",
        ANA,
    ))
    .await;
    let view = opened_view(&app)["view"].clone();
    assert_eq!(view["callback_id"], "sw_checkin_form");
    let meta = view["private_metadata"].as_str().unwrap().to_string();
    submit_ok(
        &app,
        &submission(
            ME,
            "V3",
            "sw_checkin_form",
            &meta,
            checkin_values("2026-11-23", None, None, &["coffee"]),
        ),
    )
    .await;
    app.settle().await;
    let redrawn = last_call(&app, "chat.update")["blocks"].to_string();
    assert!(!redrawn.contains("sw_log_checkin"), "{redrawn}");
    assert!(redrawn.contains("Coffee logged for <@U0ANA>"), "{redrawn}");
}

#[tokio::test]
async fn forged_stale_and_unknown_actions_get_a_polite_answer_and_change_nothing() {
    let app = with_peers().await;
    app.tick("2026-11-23T10:00:00Z").await;
    let nudge = app.slack.dms()[0].clone();
    // BOB presses a button on ME's message: not his message.
    let r = app
        .interact(&button(&app, BOB, &nudge, "sw_we_talked", "due.U0ANA", ANA))
        .await;
    assert_eq!(r.status(), 200);
    // A button naming a user who is not on ME's map.
    app.interact(&button(
        &app,
        ME,
        &nudge,
        "sw_we_talked",
        "due.U0EVE",
        "U0EVE",
    ))
    .await;
    // A value that is not an id, and an action that is not ours.
    app.interact(&button(
        &app,
        ME,
        &nudge,
        "sw_skip",
        "due.U0ANA",
        "<script>",
    ))
    .await;
    app.interact(&button(&app, ME, &nudge, "other_app_action", "x", "y"))
        .await;
    // A form submission naming someone not on the map.
    let meta = json!({"peer": "U0EVE", "from": null}).to_string();
    let r = submit_ok(
        &app,
        &submission(
            ME,
            "V9",
            "sw_checkin_form",
            &meta,
            checkin_values("2026-11-23", Some("x"), None, &[]),
        ),
    )
    .await;
    assert!(
        r["errors"]["notes"]
            .as_str()
            .unwrap()
            .contains("not on your map"),
        "{r}"
    );
    app.settle().await;
    assert_eq!(app.count("select count(*) from checkin").await, 0);
    assert_eq!(
        app.count("select count(*) from peer where snoozed_until is not null")
            .await,
        0
    );
    assert!(app.slack.calls("chat.update").is_empty());
    let answers: Vec<String> = app
        .slack
        .calls("response_url")
        .iter()
        .map(|c| c.body["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(answers.len(), 4, "{answers:?}");
    assert!(answers[0].contains("not one I can act on"), "{answers:?}");
    assert!(answers[1].contains("not on your map"), "{answers:?}");
    // Malformed payloads are refused without a 5xx.
    let bad = app
        .post_signed(
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            "payload=%7Bnot-json",
            Some(chrono::Utc::now().timestamp()),
        )
        .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn heads_up_buttons_mark_told_and_record_who_heard_it_first() {
    let app = with_peers().await;
    app.say(
        ME,
        "headsup \"reorg\" <@U0ANA> <@U0BOB> before tomorrow 9:00",
    )
    .await;
    // 2 hours before the room: the urgent reminder with a Told button per peer.
    app.tick("2026-11-24T07:00:00Z").await;
    app.state.clock.freeze(utc("2026-11-24T07:05:00Z"));
    let reminder = app
        .slack
        .dms()
        .into_iter()
        .find(|d| d["text"].as_str().unwrap().contains("reorg"))
        .expect("reminder");
    assert_eq!(reminder["blocks"].to_string().matches("sw_told").count(), 2);
    app.interact(&button(
        &app,
        ME,
        &reminder,
        "sw_told",
        "told.1.U0ANA",
        "1:U0ANA",
    ))
    .await;
    app.settle().await;
    assert!(app.say(ME, "headsups").await.contains("untold: <@U0BOB>"));
    // After the room: heard it first? BOB: no.
    app.tick("2026-11-24T09:01:00Z").await;
    app.state.clock.freeze(utc("2026-11-24T09:05:00Z"));
    let after = app
        .slack
        .dms()
        .into_iter()
        .find(|d| d["text"].as_str().unwrap().contains("The room has heard"))
        .expect("after-room question");
    app.interact(&button(
        &app,
        ME,
        &after,
        "sw_heard_no",
        "heard.1.U0BOB",
        "1:U0BOB",
    ))
    .await;
    app.settle().await;
    assert_eq!(
        app.count("select count(*) from headsup_peer where heard_first = 0")
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from headsup_peer where heard_first = 1")
            .await,
        1
    );
}

#[tokio::test]
async fn the_app_home_is_published_on_open_and_after_changes_with_only_the_viewers_data() {
    let app = with_peers().await;
    app.say(BOB, "add <@U0EVE|eve> weekly because bob-private-reason")
        .await;
    app.settle().await;
    let before = app.slack.calls("views.publish").len();
    let opened = json!({"type": "event_callback", "team_id": TEAM, "api_app_id": "A1",
        "event_id": "Ev0001", "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": ME, "channel": "D0ME", "tab": "home"}});
    assert_eq!(app.event(&opened, None).await.status(), 200);
    // Slack retrying the same event: handled once.
    assert_eq!(app.event(&opened, Some(1)).await.status(), 200);
    app.settle().await;
    let publishes = app.slack.calls("views.publish");
    assert_eq!(publishes.len(), before + 1);
    let home = &publishes.last().unwrap().body;
    assert_eq!(home["user_id"], ME);
    let text = home["view"].to_string();
    assert!(
        text.contains("<@U0ANA>") && text.contains("<@U0BOB>"),
        "{text}"
    );
    assert!(text.contains("Due this week"), "{text}");
    assert!(
        text.contains("sw_log_checkin"),
        "buttons for due peers: {text}"
    );
    assert!(
        !text.contains("U0EVE") && !text.contains("bob-private-reason"),
        "{text}"
    );

    // A change republishes it.
    app.say(ME, "checkin <@U0ANA> coffee").await;
    app.settle().await;
    assert_eq!(app.slack.calls("views.publish").len(), before + 2);
}

#[tokio::test]
async fn two_status_syncs_in_a_row_and_an_open_offer_show_in_the_next_nudge() {
    let app = with_peers().await;
    for (view, date) in [("V1", "2026-11-09"), ("V2", "2026-11-16")] {
        let meta = json!({"peer": ANA, "from": null}).to_string();
        app.state.clock.freeze(utc(&format!("{date}T12:00:00Z")));
        submit_ok(
            &app,
            &submission(
                ME,
                view,
                "sw_checkin_form",
                &meta,
                checkin_values(
                    date,
                    None,
                    Some("intro them to our SRE lead"),
                    &["status_sync"],
                ),
            ),
        )
        .await;
    }
    app.tick("2026-11-23T10:00:00Z").await;
    let nudge = app
        .slack
        .dms()
        .into_iter()
        .find(|d| d["text"].as_str().unwrap().contains("<@U0ANA>"))
        .unwrap();
    let text = nudge["text"].as_str().unwrap();
    assert!(
        text.contains("You offered: #1 “intro them to our SRE lead”"),
        "{text}"
    );
    assert!(text.contains("turned into status syncs"), "{text}");
}

#[tokio::test]
async fn uninstalling_stops_sending_and_deactivated_users_are_noted() {
    let app = with_peers().await;
    let gone = json!({"type": "event_callback", "team_id": TEAM, "event_id": "Ev0002", "event_time": 1,
        "event": {"type": "user_change", "user": {"id": ANA, "team_id": TEAM, "deleted": true}}});
    app.event(&gone, None).await;
    let uninstalled = json!({"type": "event_callback", "team_id": TEAM, "event_id": "Ev0003", "event_time": 1,
        "event": {"type": "app_uninstalled"}});
    app.event(&uninstalled, None).await;
    app.settle().await;
    assert_eq!(app.count("select count(*) from departed_user").await, 1);
    app.tick("2026-11-23T10:00:00Z").await;
    assert!(
        app.slack.dms().is_empty(),
        "nothing is sent to an uninstalled workspace"
    );
    // Nothing is even queued while it is uninstalled: its nudges are parked (an install wakes
    // them) and the "has left" notice waits, untouched, for a reinstall.
    assert_eq!(app.count("select count(*) from delivery").await, 0);
    assert_eq!(
        app.count("select count(*) from departed_peer where tell_at is not null")
            .await,
        1
    );
}
