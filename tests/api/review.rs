//! The three-month review through signed requests and the scheduler: a series that has run
//! about three months is put to its owner instead of nudged, with its history; Keep, Change
//! cadence and Stop act on it; unanswered, it is asked again at most weekly.

use crate::helpers::*;
use serde_json::{Value, json};

const ME: &str = "U0ME";
const ANA: &str = "U0ANA";

/// ANA (weekly) added Tue 1 Sep; two check-ins and a snooze in September; nothing since.
async fn three_months_in() -> TestApp {
    let app = spawn_app().await;
    app.state.clock.freeze(utc("2026-09-01T10:00:00Z"));
    app.say(
        ME,
        "add <@U0ANA|ana> weekly because her platform gates our launch",
    )
    .await;
    app.say(ME, "add <@U0BOB|bob> weekly").await;
    app.state.clock.freeze(utc("2026-09-08T10:00:00Z"));
    app.say(ME, "checkin <@U0ANA|ana> roadmap").await;
    app.state.clock.freeze(utc("2026-09-15T10:00:00Z"));
    app.say(ME, "checkin <@U0ANA|ana> coffee").await;
    app.say(ME, "checkin <@U0BOB|bob> sync").await;
    app.say(ME, "snooze <@U0ANA|ana> until 2026-09-30").await;
    app.state.clock.freeze(utc("2026-11-30T10:00:00Z"));
    app.say(ME, "checkin <@U0BOB|bob> sync").await;
    app
}

fn select(app: &TestApp, msg: &Value, block: &str, value: &str) -> Value {
    block_action(
        app,
        ME,
        msg,
        json!({"action_id": "sw_review_cadence", "block_id": block, "type": "static_select",
            "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
            "action_ts": "1700000005.194939"}),
    )
}

#[tokio::test]
async fn a_three_month_old_series_is_reviewed_instead_of_nudged() {
    let app = three_months_in().await;
    // Before three months, a plain nudge.
    app.tick("2026-11-30T10:05:00Z").await;
    let first = app.slack.dms();
    assert_eq!(first.len(), 1, "{first:?}");
    let text = first[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Due for a check-in") && !text.contains("review"),
        "{text}"
    );

    // Thu 3 Dec: 93 days in. ANA's series is put to me, with its history.
    app.tick("2026-12-03T10:00:00Z").await;
    let dms = app.slack.dms();
    assert_eq!(dms.len(), 2, "{dms:?}");
    let review = dms[1].clone();
    let text = review["text"].as_str().unwrap();
    assert!(
        text.contains("Time to review your series with <@U0ANA>")
            && text.contains("weekly since Tue 1 Sep")
            && text.contains("2 check-ins held")
            && text.contains("1 snooze (no reason given)")
            && text.contains("/peer review <@U0ANA> keep"),
        "{text}"
    );
    // Weekly since 1 Sep to 3 Dec: 13 whole weeks, contact in 2 of them.
    assert!(text.contains("11 cycles with no contact"), "{text}");
    assert!(!text.contains("Due for a check-in:\n• <@U0ANA>"), "{text}");
    let blocks = review["blocks"].to_string();
    for a in ["sw_review_keep", "sw_review_cadence", "sw_review_stop"] {
        assert!(blocks.contains(a), "{blocks}");
    }
    assert!(!blocks.contains("\"value\":\"U0ANA\",\"action_id\":\"sw_log_checkin\""));

    // Unanswered, it is not asked again within the week.
    app.tick("2026-12-07T10:00:00Z").await;
    let later: Vec<String> = app.slack.dms()[2..]
        .iter()
        .map(|d| d["text"].as_str().unwrap().to_string())
        .collect();
    assert!(
        later
            .iter()
            .all(|t| !t.contains("review your series with <@U0ANA>")),
        "{later:?}"
    );
    // BOB's series (weekly, checked in 30 Nov) is put to me when BOB comes due.
    assert!(
        later
            .iter()
            .any(|t| t.contains("review your series with <@U0BOB>")),
        "{later:?}"
    );

    // /peer review shows the same at any time.
    app.state.clock.freeze(utc("2026-12-07T11:00:00Z"));
    let shown = app.say(ME, "review <@U0ANA|ana>").await;
    assert!(shown.contains("2 check-ins held"), "{shown}");

    // Change cadence from the select: a new series starts today, the message marks it.
    let tap = select(&app, &review, "review:U0ANA", "biweekly");
    assert_eq!(app.interact(&tap).await.status(), 200);
    app.settle().await;
    let map = app.say(ME, "map").await;
    assert!(map.contains("biweekly"), "{map}");
    let shown = app.say(ME, "review <@U0ANA|ana>").await;
    assert!(
        shown.contains("biweekly since Mon 7 Dec") && shown.contains("0 check-ins held"),
        "{shown}"
    );
    let redrawn = app.slack.calls("chat.update").last().unwrap().body["blocks"].to_string();
    assert!(redrawn.contains("a new series starts today"), "{redrawn}");
    // The same control again changes nothing.
    app.interact(&tap).await;
    app.settle().await;

    // Stop by command: off the map, history kept.
    let r = app.say(ME, "review <@U0ANA|ana> stop").await;
    assert!(r.contains("off your map"), "{r}");
    assert_eq!(
        app.count("select count(*) from checkin where peer_id = 'U0ANA'")
            .await,
        2
    );
    assert!(
        app.say(ME, "review <@U0ANA|ana>")
            .await
            .contains("not on your map")
    );
    // Nobody else sees it.
    assert!(
        app.say(ANA, "review <@U0ME|me>")
            .await
            .contains("not on your map")
    );
    // Nor does the same user id in another workspace.
    let r = app.say_in("T0002", ME, "review <@U0BOB|bob>").await;
    assert!(r.contains("not on your map"), "{r}");
}

#[tokio::test]
async fn keep_starts_a_new_series_and_bad_answers_change_nothing() {
    let app = three_months_in().await;
    app.tick("2026-12-03T10:00:00Z").await;
    let review = app.slack.dms().last().unwrap().clone();
    app.state.clock.freeze(utc("2026-12-03T10:30:00Z"));
    let keep = button_press(&app, ME, &review, "sw_review_keep", "review:U0ANA", ANA);
    app.interact(&keep).await;
    app.settle().await;
    assert_eq!(
        app.count("select count(*) from peer where series_from = '2026-12-03'")
            .await,
        1
    );
    let r = app.say(ME, "review <@U0ANA|ana> maybe").await;
    assert!(r.contains("keep, stop, or cadence"), "{r}");
    let r = app.say(ME, "review <@U0RAJ|raj> keep").await;
    assert!(r.contains("not on your map"), "{r}");
    let r = app.say(ME, "review <@U0ANA|ana> cadence hourly").await;
    assert!(r.contains("not a cadence"), "{r}");
    assert_eq!(
        app.count("select count(*) from peer where cadence = 'weekly'")
            .await,
        2
    );
    // Another user pressing my message's button changes nothing.
    let forged = button_press(
        &app,
        "U0EVE",
        &review,
        "sw_review_stop",
        "review:U0ANA",
        ANA,
    );
    app.interact(&forged).await;
    app.settle().await;
    assert_eq!(app.count("select count(*) from peer").await, 2);
}
