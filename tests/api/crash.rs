//! A sender killed mid-send: after its lease expires the message is neither dropped nor
//! doubled. Every scheduled message carries its outbox row in Slack message metadata; a retry
//! whose earlier attempt may have reached Slack looks for it in the DM's history first.

use crate::helpers::*;
use serde_json::json;
use sideways::domain::{MessageRef, Owner, TeamId, UserId};
use sideways::outbound::{DeliveryTag, Notice};
use sideways::store::DeliveryClaim;

const ME: &str = "U0ME";
const NOTICE: &str = r#"{"type":"checkin_nudge","day":"2026-11-16","items":[]}"#;
/// When the crashed sender recorded the message (its lease ran until 09:10).
const RECORDED: &str = "2026-11-16T09:00:00Z";

fn me() -> Owner {
    Owner::new(TeamId::parse(TEAM).unwrap(), UserId::parse(ME).unwrap())
}

/// A sender that recorded today's nudge at 09:00, took its 10-minute lease and was killed:
/// after Slack accepted the post (`reached_slack`, returning where it landed) or before.
async fn killed_mid_send(app: &TestApp, reached_slack: bool) -> (i64, Option<MessageRef>) {
    app.state.clock.freeze(utc(RECORDED));
    // The workspace's first command records its installation (and the bot token).
    app.say(ME, "map").await;
    let owner = me();
    let claim = DeliveryClaim {
        owner: &owner,
        kind: "checkin_nudge",
        key: "2026-11-16",
        payload: NOTICE,
        nudges: &[],
        headsups: &[],
        reviews: None,
    };
    let t = utc(RECORDED);
    let id = app
        .state
        .store
        .claim_delivery(&claim, t, t + chrono::TimeDelta::minutes(10))
        .await
        .unwrap()
        .expect("claimed");
    if !reached_slack {
        return (id, None);
    }
    // The post the scheduler makes, through the same messenger; then the process dies before
    // recording it.
    let notice: Notice = serde_json::from_str(NOTICE).unwrap();
    let tag = DeliveryTag::new(&owner.team, id);
    let landed = app
        .scheduler
        .messenger
        .send_tagged(&owner, &notice, &tag)
        .await
        .unwrap();
    assert_eq!(app.slack.dms().len(), 1, "Slack has it");
    (id, landed)
}

async fn status(app: &TestApp) -> String {
    let (s,): (String,) = sqlx::query_as("select status from delivery")
        .fetch_one(app.sql().await)
        .await
        .unwrap();
    s
}

#[tokio::test]
async fn a_message_slack_accepted_before_its_sender_died_is_recorded_not_sent_again() {
    let app = spawn_app().await;
    let (id, landed) = killed_mid_send(&app, true).await;
    assert!(
        app.tick("2026-11-16T09:05:00Z").await.is_empty(),
        "lease still held"
    );
    let lines = app.tick("2026-11-16T09:10:00Z").await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("found already sent"), "{lines:?}");
    assert_eq!(
        app.slack.calls("chat.postMessage").len(),
        1,
        "not posted again"
    );
    assert_eq!(app.slack.dms().len(), 1);

    // It looked in the DM's history from (a little before) the message was recorded, with
    // metadata, and recorded where the message landed as a normal send does.
    let looked = app.slack.calls("conversations.history");
    assert_eq!(looked.len(), 1);
    let since = utc(RECORDED) - chrono::TimeDelta::minutes(5);
    assert_eq!(
        looked[0].body["oldest"],
        format!("{}.000000", since.timestamp())
    );
    assert_eq!(looked[0].body["include_all_metadata"], "true");
    assert_eq!(looked[0].body["channel"], "D0ME");
    let landed = landed.expect("Slack says where it landed");
    let (st, channel, ts): (String, String, String) = sqlx::query_as(
        "select status, channel_id, message_ts from delivery where delivery_id = $1",
    )
    .bind(id)
    .fetch_one(app.sql().await)
    .await
    .unwrap();
    assert_eq!(
        (st.as_str(), channel, ts),
        ("sent", landed.channel, landed.ts)
    );
    assert!(app.tick("2026-11-16T09:30:00Z").await.is_empty());
    assert_eq!(app.slack.calls("chat.postMessage").len(), 1);
}

#[tokio::test]
async fn a_message_that_never_reached_slack_is_sent_once_after_the_lease_expires() {
    let app = spawn_app().await;
    let (id, _) = killed_mid_send(&app, false).await;
    assert!(app.tick("2026-11-16T09:05:00Z").await.is_empty());
    assert!(app.slack.calls("conversations.history").is_empty());
    let lines = app.tick("2026-11-16T09:10:00Z").await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(" sent DM"), "{lines:?}");
    assert_eq!(
        app.slack.calls("conversations.history").len(),
        1,
        "looked first"
    );
    let dms = app.slack.dms();
    assert_eq!(dms.len(), 1);
    assert_eq!(
        dms[0]["metadata"],
        json!({"event_type": "sideways_delivery",
               "event_payload": {"delivery_id": format!("{TEAM}:{id}")}})
    );
    assert_eq!(status(&app).await, "sent");
    assert!(app.tick("2026-11-16T09:30:00Z").await.is_empty());
    assert_eq!(app.slack.dms().len(), 1, "exactly once");
}

#[tokio::test]
async fn without_the_history_scope_the_message_is_still_delivered() {
    let app = spawn_app().await;
    killed_mid_send(&app, false).await;
    app.slack.script_history(Script::Error("missing_scope"));
    assert_eq!(app.tick("2026-11-16T09:10:00Z").await.len(), 1);
    assert_eq!(app.slack.dms().len(), 1);
    assert_eq!(status(&app).await, "sent");
    assert!(app.tick("2026-11-16T09:30:00Z").await.is_empty());
    assert_eq!(app.slack.dms().len(), 1);
}

#[tokio::test]
async fn a_look_that_fails_is_retried_rather_than_guessed() {
    let app = spawn_app().await;
    killed_mid_send(&app, true).await;
    app.slack.script_history(Script::ServerError);
    assert!(app.tick("2026-11-16T09:10:00Z").await.is_empty());
    assert_eq!(app.slack.calls("chat.postMessage").len(), 1, "no guess");
    assert_eq!(status(&app).await, "pending");
    app.slack.script_history(Script::RateLimited {
        retry_after_secs: 60,
    });
    let lines = app.tick("2026-11-16T09:12:00Z").await;
    assert!(lines.is_empty(), "{lines:?}");
    assert_eq!(app.slack.calls("conversations.history").len(), 2);
    assert!(
        app.tick("2026-11-16T09:12:30Z").await.is_empty(),
        "inside Retry-After"
    );
    assert_eq!(app.slack.calls("conversations.history").len(), 2);
    let lines = app.tick("2026-11-16T09:13:00Z").await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("found already sent"), "{lines:?}");
    assert_eq!(
        app.slack.calls("chat.postMessage").len(),
        1,
        "never doubled"
    );
    assert_eq!(status(&app).await, "sent");
}

/// A failure Slack answered (a 5xx here) means Slack does not have the message: the retry
/// sends at once, without reading history.
#[tokio::test]
async fn a_retry_after_a_failure_slack_answered_does_not_read_history() {
    let app = spawn_app().await;
    app.slack.set_tz(ME, "Europe/London");
    app.state.clock.freeze(utc("2026-11-10T12:00:00Z"));
    app.say(ME, "add <@U0ANA> weekly").await;
    app.say(ME, "checkin <@U0ANA> on 2026-11-09").await;
    app.slack.script(Script::ServerError);
    assert!(app.tick("2026-11-16T09:00:00Z").await.is_empty());
    assert_eq!(app.tick("2026-11-16T09:02:00Z").await.len(), 1);
    assert!(app.slack.calls("conversations.history").is_empty());
    assert!(app.slack.calls("conversations.open").is_empty());
    let dms = app.slack.dms();
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0]["metadata"]["event_type"], "sideways_delivery");
}
