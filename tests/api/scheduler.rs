//! Scheduler passes at chosen moments against the fake Slack.

use crate::helpers::*;

const ME: &str = "U0ME";

/// A user in London with two weekly peers last seen on Monday 2026-11-09 and Tuesday 11-10:
/// due Monday 11-16 and Tuesday 11-17.
async fn london_user_with_two_peers() -> TestApp {
    let app = spawn_app().await;
    app.slack.set_tz(ME, "Europe/London");
    app.state.clock.freeze(utc("2026-11-10T12:00:00Z"));
    app.say(
        ME,
        "add <@U0ANA> weekly because her platform gates our launch",
    )
    .await;
    app.say(ME, "add <@U0RAJ> weekly").await;
    app.say(ME, "checkin <@U0ANA> on 2026-11-09").await;
    app.say(ME, "checkin <@U0RAJ> on 2026-11-10").await;
    app
}

#[tokio::test]
async fn a_due_nudge_goes_out_once_at_the_start_of_working_hours() {
    let app = london_user_with_two_peers().await;
    assert!(
        app.tick("2026-11-15T12:00:00Z").await.is_empty(),
        "not due yet"
    );
    assert!(
        app.tick("2026-11-16T08:59:00Z").await.is_empty(),
        "before 09:00 London"
    );
    let sent = app.tick("2026-11-16T09:00:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].contains("T0001/U0ME") && sent[0].contains("<@U0ANA>"),
        "{sent:?}"
    );
    let dms = app.slack.dms();
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0]["channel"], ME, "a DM to the owner");
    let text = dms[0]["text"].as_str().unwrap();
    assert!(
        text.contains("<@U0ANA>") && text.contains("her platform gates our launch"),
        "{text}"
    );
    assert!(
        !text.contains("<@U0RAJ>"),
        "Raj is not due until tomorrow: {text}"
    );
    assert!(dms[0]["blocks"].as_array().is_some_and(|b| !b.is_empty()));
    // The same moment again, and later the same day: nothing more.
    assert!(app.tick("2026-11-16T09:00:00Z").await.is_empty());
    assert!(app.tick("2026-11-16T15:00:00Z").await.is_empty());
    assert_eq!(app.slack.dms().len(), 1);
    // Tuesday: Raj is due, and Ana (still overdue) is bundled into the one DM of the day.
    let sent = app.tick("2026-11-17T09:00:30Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let text = app.slack.dms()[1]["text"].as_str().unwrap().to_string();
    assert!(
        text.contains("<@U0RAJ>") && text.contains("<@U0ANA>"),
        "{text}"
    );
    assert_eq!(
        app.count("select count(*) from delivery where status = 'sent'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_checkin_restarts_the_clock_and_nothing_is_sent() {
    let app = london_user_with_two_peers().await;
    app.state.clock.freeze(utc("2026-11-15T20:00:00Z"));
    app.say(ME, "checkin <@U0ANA> coffee").await;
    assert!(app.tick("2026-11-16T09:00:00Z").await.is_empty());
    assert!(app.slack.dms().is_empty());
}

#[tokio::test]
async fn a_due_date_on_the_weekend_or_while_down_waits_for_the_next_window() {
    let app = spawn_app().await;
    app.slack.set_tz(ME, "America/Los_Angeles");
    app.state.clock.freeze(utc("2026-11-20T18:00:00Z"));
    app.say(ME, "add <@U0ANA> weekly").await;
    app.say(ME, "checkin <@U0ANA> on 2026-11-14").await; // due Saturday 11-21
    assert!(
        app.tick("2026-11-21T17:00:00Z").await.is_empty(),
        "Saturday"
    );
    assert!(
        app.tick("2026-11-23T16:59:00Z").await.is_empty(),
        "Monday 08:59 Pacific"
    );
    // The bot was down from Monday morning until Monday 20:00 Pacific: wait for Tuesday 09:00.
    assert!(
        app.tick("2026-11-24T04:00:00Z").await.is_empty(),
        "20:00 Pacific"
    );
    assert!(app.tick("2026-11-24T16:59:00Z").await.is_empty());
    assert_eq!(
        app.tick("2026-11-24T17:00:00Z").await.len(),
        1,
        "Tuesday 09:00 Pacific"
    );
}

#[tokio::test]
async fn daylight_saving_changes_move_nothing() {
    let app = spawn_app().await;
    app.slack.set_tz(ME, "America/New_York");
    app.state.clock.freeze(utc("2026-03-04T15:00:00Z"));
    app.say(ME, "add <@U0ANA> weekly").await;
    app.say(ME, "checkin <@U0ANA> on 2026-03-02").await; // due Monday 03-09, after the spring change
    assert!(
        app.tick("2026-03-09T12:59:00Z").await.is_empty(),
        "08:59 EDT"
    );
    assert_eq!(
        app.tick("2026-03-09T13:00:00Z").await.len(),
        1,
        "09:00 EDT is 13:00Z, not 14:00Z"
    );
}

#[tokio::test]
async fn settings_change_when_nudges_may_arrive() {
    let app = london_user_with_two_peers().await;
    app.state.clock.freeze(utc("2026-11-12T12:00:00Z"));
    let r = app.say(ME, "settings hours 11-15 days tue-fri").await;
    assert!(r.contains("tue-fri, 11:00–15:00"), "{r}");
    assert!(
        app.tick("2026-11-16T11:00:00Z").await.is_empty(),
        "Monday is not a working day now"
    );
    assert!(app.tick("2026-11-17T10:59:00Z").await.is_empty());
    assert_eq!(app.tick("2026-11-17T11:00:00Z").await.len(), 1);
}

#[tokio::test]
async fn a_snoozed_peer_is_not_nudged_until_the_snooze_ends() {
    let app = london_user_with_two_peers().await;
    app.state.clock.freeze(utc("2026-11-12T12:00:00Z"));
    app.say(ME, "snooze <@U0ANA> until 2026-11-19").await;
    app.say(ME, "snooze <@U0RAJ> until 2026-11-19").await;
    assert!(app.tick("2026-11-16T09:00:00Z").await.is_empty());
    assert!(app.tick("2026-11-18T09:00:00Z").await.is_empty());
    assert_eq!(app.tick("2026-11-19T09:00:00Z").await.len(), 1);
}

#[tokio::test]
async fn a_429_is_honoured_and_the_message_is_sent_after_retry_after() {
    let app = london_user_with_two_peers().await;
    app.slack.script(Script::RateLimited {
        retry_after_secs: 30,
    });
    assert!(app.tick("2026-11-16T09:00:00Z").await.is_empty());
    assert_eq!(
        app.slack.calls("chat.postMessage").len(),
        1,
        "one attempt, refused"
    );
    assert!(
        app.tick("2026-11-16T09:00:20Z").await.is_empty(),
        "still inside Retry-After"
    );
    assert_eq!(
        app.slack.calls("chat.postMessage").len(),
        1,
        "no attempt before Retry-After"
    );
    assert_eq!(app.tick("2026-11-16T09:00:31Z").await.len(), 1);
    assert_eq!(app.slack.dms().len(), 1);
    assert!(
        app.tick("2026-11-16T09:05:00Z").await.is_empty(),
        "never twice"
    );
}

#[tokio::test]
async fn a_failed_send_is_retried_later_and_a_refused_one_is_kept_not_dropped() {
    let app = london_user_with_two_peers().await;
    app.slack.script(Script::ServerError);
    assert!(app.tick("2026-11-16T09:00:00Z").await.is_empty());
    assert_eq!(
        app.count("select count(*) from delivery where status = 'pending'")
            .await,
        1
    );
    assert_eq!(
        app.tick("2026-11-16T09:02:00Z").await.len(),
        1,
        "retried after back-off"
    );
    app.slack.script(Script::Error("user_not_found"));
    assert!(app.tick("2026-11-17T09:00:00Z").await.is_empty());
    assert_eq!(app.count("select count(*) from delivery where status = 'failed' and last_error = 'user_not_found'").await, 1);
    assert!(
        app.tick("2026-11-17T12:00:00Z").await.is_empty(),
        "a refused message is not retried forever"
    );
}

#[tokio::test]
async fn overlapping_passes_send_a_message_once() {
    let app = london_user_with_two_peers().await;
    let (a, b) = tokio::join!(
        app.tick("2026-11-16T09:00:00Z"),
        app.tick("2026-11-16T09:00:00Z")
    );
    assert_eq!(a.len() + b.len(), 1, "{a:?} {b:?}");
    assert_eq!(app.slack.dms().len(), 1);
}

#[tokio::test]
async fn a_dry_run_shows_what_would_be_sent_and_changes_nothing() {
    let app = london_user_with_two_peers().await;
    let lines = app
        .scheduler
        .tick(utc("2026-11-16T09:00:00Z"), true)
        .await
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("would send"), "{lines:?}");
    assert!(app.slack.calls("chat.postMessage").is_empty());
    assert_eq!(app.count("select count(*) from delivery").await, 0);
    assert_eq!(
        app.tick("2026-11-16T09:00:00Z").await.len(),
        1,
        "the real pass still sends"
    );
}

#[tokio::test]
async fn a_lease_left_by_a_crashed_sender_is_retried_after_it_expires() {
    let app = london_user_with_two_peers().await;
    // Simulate a process that recorded the message and died before sending.
    let owner = sideways::domain::Owner::new(
        sideways::domain::TeamId::parse(TEAM).unwrap(),
        sideways::domain::UserId::parse(ME).unwrap(),
    );
    let notice = r#"{"type":"checkin_nudge","day":"2026-11-16","items":[]}"#;
    let claim = sideways::store::DeliveryClaim {
        owner: &owner,
        kind: "checkin_nudge",
        key: "2026-11-16",
        payload: notice,
        nudges: &[],
        headsups: &[],
        reviews: None,
    };
    let t = utc("2026-11-16T09:00:00Z");
    app.state
        .store
        .claim_delivery(&claim, t, t + chrono::TimeDelta::minutes(10))
        .await
        .unwrap()
        .unwrap();
    assert!(
        app.tick("2026-11-16T09:05:00Z").await.is_empty(),
        "the day's nudge is taken; lease still held"
    );
    assert_eq!(
        app.tick("2026-11-16T09:10:00Z").await.len(),
        1,
        "lease expired: sent once"
    );
    assert!(app.tick("2026-11-16T09:30:00Z").await.is_empty());
}

/// Passes that overlap (two in this process, two in "another process" on the same database,
/// as `tick` beside `serve` would) never give anyone a second check-in nudge: not the same
/// day, and not the next day either (a losing pass must not undo the winner's schedule).
#[tokio::test]
async fn overlapping_passes_in_two_processes_nudge_each_user_once() {
    let app = spawn_app().await;
    app.state.clock.freeze(utc("2026-11-09T12:00:00Z"));
    let users: Vec<String> = (0..40).map(|i| format!("U0USER{i:02}")).collect();
    for u in &users {
        app.slack.set_tz(u, "Europe/London");
        app.say(u, "add <@U0ANA> weekly").await;
        app.say(u, "add <@U0RAJ> weekly").await;
        app.say(u, "checkin <@U0ANA> on 2026-11-09").await;
        app.say(u, "checkin <@U0RAJ> on 2026-11-09").await;
    }
    let other = app.another_process().await;
    for at in [
        "2026-11-16T09:00:00Z",
        "2026-11-16T09:00:00Z",
        "2026-11-16T10:30:00Z",
    ] {
        let now = utc(at);
        let passes = (0..3).flat_map(|_| [app.scheduler.tick(now, false), other.tick(now, false)]);
        for r in futures::future::join_all(passes).await {
            r.expect("pass");
        }
    }
    // The next day's passes, overlapping too: nobody is due again yet (3 days).
    let now = utc("2026-11-17T09:00:00Z");
    let (a, b) = tokio::join!(app.scheduler.tick(now, false), other.tick(now, false));
    a.expect("pass");
    b.expect("pass");
    let mut per_user = std::collections::HashMap::<String, usize>::new();
    for dm in app.slack.dms() {
        *per_user
            .entry(dm["channel"].as_str().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    let first: Vec<String> = app
        .slack
        .dms()
        .iter()
        .filter(|d| d["channel"] == "U0USER00")
        .map(|d| d["text"].to_string())
        .collect();
    for u in &users {
        assert_eq!(per_user.get(u), Some(&1), "{u}: {first:?}");
    }
    assert_eq!(app.slack.dms().len(), users.len());
}

/// Slack retries an event that took too long, and the load balancer sends the retry to another
/// replica: it is handled once (here: one App Home publish, not two).
#[tokio::test]
async fn a_retried_event_is_handled_once_across_replicas() {
    let app = spawn_app().await;
    app.say(ME, "add <@U0ANA|ana> weekly").await;
    app.settle().await;
    let other = app.another_server().await;
    let before = app.slack.calls("views.publish").len();
    let opened = serde_json::json!({"type": "event_callback", "team_id": TEAM, "api_app_id": "A1",
        "event_id": "EvAcross1", "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": ME, "channel": "D0ME", "tab": "home"}});
    assert_eq!(app.event(&opened, None).await.status(), 200);
    assert_eq!(
        app.event_to(&other.base, &opened, Some(1)).await.status(),
        200
    );
    app.settle().await;
    other.services.settle().await;
    assert_eq!(app.slack.calls("views.publish").len(), before + 1);
}

/// Three replicas on one database, each running its scheduler: 500 users due at the same
/// moment get 500 nudges, none twice. Then a replica is killed in the middle of a pass: its
/// leases expire and the others send what it had claimed, still once each (a send it may have
/// got out is looked up in Slack first).
#[tokio::test]
async fn three_replicas_send_each_due_nudge_once_even_when_one_dies_mid_pass() {
    let app = spawn_app().await;
    app.state.clock.freeze(utc("2026-11-09T12:00:00Z"));
    let users: Vec<String> = (0..500).map(|i| format!("U0R{i:03}")).collect();
    for u in &users {
        app.say(u, "add <@U0ANA> weekly").await;
    }
    let (b, c) = (app.another_process().await, app.another_process().await);
    let count = |app: &TestApp| {
        let mut per_user = std::collections::HashMap::<String, usize>::new();
        for dm in app.slack.dms() {
            *per_user
                .entry(dm["channel"].as_str().unwrap_or_default().to_string())
                .or_default() += 1;
        }
        per_user
    };
    let now = utc("2026-11-16T09:00:00Z");
    let (ra, rb, rc) = tokio::join!(
        app.scheduler.tick(now, false),
        b.tick(now, false),
        c.tick(now, false)
    );
    ra.expect("pass");
    rb.expect("pass");
    rc.expect("pass");
    let per_user = count(&app);
    assert_eq!(per_user.len(), 500, "every user nudged");
    assert!(per_user.values().all(|n| *n == 1), "none twice");

    // A week on, everyone is due again. Slack answers slowly, and replica A dies once 20 of its
    // messages reached Slack: it has claimed the batch, and some of its sends reached Slack
    // without an answer.
    let now = utc("2026-11-23T09:00:00Z");
    app.slack.slow_posts(100);
    let before = app.slack.calls("chat.postMessage").len();
    let some_reached_slack = async {
        while app.slack.calls("chat.postMessage").len() < before + 20 {
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    };
    tokio::select! {
        _ = app.scheduler.tick(now, false) => panic!("the pass should have been cut short"),
        _ = some_reached_slack => {}
    }
    app.slack.slow_posts(0);
    let claimed_by_the_dead = app
        .count("select count(*) from delivery where status = 'sending'")
        .await;
    assert!(claimed_by_the_dead > 0, "killed mid-pass, holding leases");
    // The others pass at once, and again once the dead replica's leases (10 minutes) expire.
    for at in ["2026-11-23T09:00:30Z", "2026-11-23T09:11:00Z"] {
        let at = utc(at);
        let (rb, rc) = tokio::join!(b.tick(at, false), c.tick(at, false));
        rb.expect("pass");
        rc.expect("pass");
    }
    let per_user = count(&app);
    assert_eq!(per_user.len(), 500);
    assert!(
        per_user.values().all(|n| *n == 2),
        "each user got exactly one nudge per day (the dead replica had claimed {claimed_by_the_dead}): {:?}",
        per_user
            .iter()
            .filter(|(_, n)| **n != 2)
            .take(5)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        app.count("select count(*) from delivery where status <> 'sent'")
            .await,
        0
    );
}
