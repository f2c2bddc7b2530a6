//! Slash commands through signed HTTP requests.

use crate::helpers::*;

const ME: &str = "U0ME";

/// Monday 2026-11-16, 10:00 UTC.
fn monday(app: &TestApp) {
    app.state.clock.freeze(utc("2026-11-16T10:00:00Z"));
}

#[tokio::test]
async fn add_puts_a_peer_on_the_map_and_tells_no_one() {
    let app = spawn_app().await;
    monday(&app);
    let reply = app
        .say(
            ME,
            "add <@U0ANA|ana> weekly because her platform cut-over gates our launch",
        )
        .await;
    assert!(
        reply.contains("Added <@U0ANA> to your map, weekly"),
        "{reply}"
    );
    assert!(reply.contains("Mon 23 Nov"), "{reply}");
    let map = app.say(ME, "map").await;
    assert!(
        map.contains("<@U0ANA>") && map.contains("warm") && map.contains("her platform cut-over"),
        "{map}"
    );
    assert!(
        app.slack.calls("chat.postMessage").is_empty(),
        "the peer is never told"
    );
}

#[tokio::test]
async fn every_kind_of_bad_input_gets_an_ephemeral_explanation_and_writes_nothing() {
    let app = spawn_app().await;
    monday(&app);
    app.say(ME, "add <@U0ANA|ana>").await;
    let before = (
        app.count("select count(*) from peer").await,
        app.count("select count(*) from checkin").await,
    );
    let cases = [
        ("frobnicate", "I don't know `/peer frobnicate`"),
        ("add", "Who?"),
        ("add @ana", "`@ana` is not a person"),
        (
            "add <@U0RAJ> every 0 weeks",
            "every 1 to 12 weeks, or quarterly",
        ),
        (
            "cadence <@U0ANA> every 20 weeks",
            "every 1 to 12 weeks, or quarterly",
        ),
        ("cadence <@U0ANA> daily", "quarterly (every 13 weeks)"),
        ("add <@U0RAJ> hourly", "I did not understand `hourly`"),
        ("add <@U0ANA>", "already on your map"),
        ("add <@U0ME>", "That's you"),
        ("remove <@U0RAJ>", "not on your map"),
        ("remove <@U0ANA> now", "I did not understand `now`"),
        ("map everything", "I did not understand `everything`"),
        (
            "checkin <@U0ANA> on 2026-02-30",
            "not a date on the calendar",
        ),
        ("checkin <@U0ANA> on tomorrow", "is in the future"),
        ("checkin <@U0RAJ>", "not on your map"),
        ("checkin <#C123|general>", "is not a person"),
        ("cadence <@U0ANA>", "Which cadence"),
        ("cadence <@U0ANA> daily", "`daily` is not a cadence"),
        ("snooze <@U0ANA>", "For how long"),
        ("snooze <@U0ANA> 0 days", "1 to 365"),
        ("snooze <@U0ANA> until 2026-11-01", "already come"),
        (
            "snooze <@U0ANA> until 2026-13-01",
            "not a date on the calendar",
        ),
        ("settings tz Mars/Olympus", "not a time zone"),
        ("settings hours 17-9", "not a range of hours"),
        ("settings days funday", "not a set of days"),
        ("help teleport", "There is no help"),
    ];
    for (text, expect) in cases {
        let reply = app.say(ME, text).await;
        assert!(
            reply.contains(expect),
            "/peer {text}: expected {expect:?} in {reply:?}"
        );
        assert!(
            reply.contains("Usage: "),
            "/peer {text}: no usage line in {reply:?}"
        );
    }
    let after = (
        app.count("select count(*) from peer").await,
        app.count("select count(*) from checkin").await,
    );
    assert_eq!(before, after, "nothing half-written");
    let map = app.say(ME, "map").await;
    assert!(
        map.contains("biweekly") && !map.contains("snoozed"),
        "{map}"
    );
}

#[tokio::test]
async fn a_backdated_checkin_restarts_the_clock_and_an_older_one_does_not_rewind_it() {
    let app = spawn_app().await;
    monday(&app);
    app.say(ME, "add <@U0ANA> weekly").await;
    let reply = app
        .say(
            ME,
            "checkin <@U0ANA> coffee on 2026-11-13 kids: Ada &amp; Linus",
        )
        .await;
    assert!(
        reply.contains("Logged a coffee with <@U0ANA> Fri 13 Nov with your notes"),
        "{reply}"
    );
    assert!(reply.contains("Next check-in due Fri 20 Nov"), "{reply}");
    let reply = app.say(ME, "checkin <@U0ANA> on 2026-11-02").await;
    assert!(reply.contains("Next check-in due Fri 20 Nov"), "{reply}");
    assert_eq!(app.count("select count(*) from checkin").await, 2);
}

#[tokio::test]
async fn the_map_puts_the_coldest_first_and_warns_gently_past_five_peers() {
    let app = spawn_app().await;
    monday(&app);
    for p in ["U0A", "U0B", "U0C", "U0D", "U0E"] {
        let r = app.say(ME, &format!("add <@{p}> biweekly")).await;
        assert!(
            !r.contains("warning"),
            "five biweekly peers are a sane load: {r}"
        );
    }
    app.say(ME, "checkin <@U0C> on 2026-10-01").await; // cold
    app.say(ME, "checkin <@U0D> on 2026-10-30").await; // cooling
    let r = app.say(ME, "add <@U0F> monthly").await;
    assert!(r.contains(":warning: You now have 6 active peers"), "{r}");
    let r = app.say("U0BUSY", "add <@U0A> weekly").await;
    for p in ["U0B", "U0C", "U0D"] {
        assert!(!r.contains("warning"), "{r}");
        app.say("U0BUSY", &format!("add <@{p}> weekly")).await;
    }
    let r = app.say("U0BUSY", "add <@U0E> weekly").await;
    assert!(
        r.contains("2.5 hours a week"),
        "past two hours a week of check-ins: {r}"
    );
    let map = app.say(ME, "map").await;
    let pos = |id: &str| map.find(&format!("<@{id}>")).unwrap();
    assert!(pos("U0C") < pos("U0D") && pos("U0D") < pos("U0A"), "{map}");
    assert!(
        map.contains("cold") && map.contains("cooling") && map.contains("6 active"),
        "{map}"
    );
}

#[tokio::test]
async fn the_first_command_learns_the_time_zone_from_slack_once() {
    let app = spawn_app().await;
    app.slack.set_tz(ME, "Asia/Tokyo");
    // Monday 2026-11-16 20:00 UTC is already Tuesday in Tokyo.
    app.state.clock.freeze(utc("2026-11-16T20:00:00Z"));
    let reply = app.say(ME, "add <@U0ANA> weekly").await;
    assert!(
        reply.contains("Tue 24 Nov"),
        "dates are read in the user's zone: {reply}"
    );
    let settings = app.say(ME, "settings").await;
    assert!(settings.contains("Asia/Tokyo (from Slack)"), "{settings}");
    assert_eq!(
        app.slack.calls("users.info").len(),
        1,
        "cached after the first answer"
    );
    let auth = app.slack.calls("users.info")[0].auth.clone();
    assert_eq!(auth.as_deref(), Some("Bearer xoxb-test-token"));
    let settings = app.say(ME, "settings tz europe/paris").await;
    assert!(settings.contains("Europe/Paris (set by you)"), "{settings}");
}

#[tokio::test]
async fn a_slow_slack_never_holds_up_the_answer() {
    let app = spawn_app().await;
    monday(&app);
    app.slack.set_tz(ME, "Asia/Tokyo");
    app.slack.slow_users_info(2_500);
    let reply = app.say(ME, "add <@U0ANA> weekly").await;
    assert!(reply.contains("Added <@U0ANA>"), "{reply}");
    let settings = app.say(ME, "settings").await;
    assert!(
        settings.contains("UTC (not known from Slack yet)"),
        "answered without waiting for Slack: {settings}"
    );
}

#[tokio::test]
async fn one_users_map_is_invisible_to_everyone_else() {
    let app = spawn_app().await;
    monday(&app);
    app.say(ME, "add <@U0ANA> because secret reorg plans").await;
    let other = app.say("U0BOB", "map").await;
    assert!(other.contains("Your map is empty"), "{other}");
    let other = app.say("U0BOB", "checkin <@U0ANA>").await;
    assert!(other.contains("not on your map"), "{other}");
    // The same user id in another workspace is another person.
    let body = TestApp::slash_body(ME, "map").replace("team_id=T0001", "team_id=T0002");
    let resp = app
        .post_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            &body,
            Some(chrono::Utc::now().timestamp()),
        )
        .await;
    let v: serde_json::Value = resp.json().await.unwrap();
    assert!(
        v["text"].as_str().unwrap().contains("Your map is empty"),
        "{v}"
    );
}

#[tokio::test]
async fn private_text_is_encrypted_at_rest() {
    let app = spawn_app().await;
    monday(&app);
    app.say(ME, "add <@U0ANA> because PLAINREASON").await;
    app.say(ME, "checkin <@U0ANA> PLAINNOTE her kids").await;
    let raw = stored_bytes(&app).await;
    for secret in ["PLAINREASON", "PLAINNOTE", BOT_TOKEN] {
        assert!(
            !raw.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} readable in the file"
        );
    }
    let map = app.say(ME, "map").await;
    assert!(map.contains("PLAINREASON"), "{map}");
}

#[tokio::test]
async fn help_lists_every_command_and_explains_one() {
    let app = spawn_app().await;
    let all = app.say(ME, "").await;
    for cmd in [
        "add", "remove", "map", "checkin", "cadence", "snooze", "settings",
    ] {
        assert!(
            all.contains(&format!("`/peer {cmd}")),
            "{cmd} missing: {all}"
        );
    }
    let one = app.say(ME, "help snooze").await;
    assert!(one.starts_with("`/peer snooze @user"), "{one}");
}

/// Every date a user types is read as they meant it, or refused with examples; never silently
/// taken as today with the phrase as notes, and never absurdly far back or ahead.
#[tokio::test]
async fn dates_are_read_as_typed_or_refused_and_nothing_is_half_written() {
    let app = spawn_app().await;
    monday(&app);
    app.say(ME, "add <@U0ANA> weekly").await;
    for (text, day) in [
        ("checkin <@U0ANA> on last friday good chat", "Fri 13 Nov"),
        ("checkin <@U0ANA> on Nov 10", "Tue 10 Nov"),
        ("checkin <@U0ANA> on 9 Nov", "Mon 9 Nov"),
        ("checkin <@U0ANA> on 2026/11/05", "Thu 5 Nov"),
        ("checkin <@U0ANA> on 2 weeks ago", "Mon 2 Nov"),
        ("checkin <@U0ANA> on yesterday", "yesterday"),
    ] {
        let reply = app.say(ME, text).await;
        assert!(reply.contains(day), "{text}: {reply}");
    }
    assert_eq!(app.count("select count(*) from checkin").await, 6);
    for (text, says) in [
        (
            "checkin <@U0ANA> on the roadmap",
            "is not a date I can read",
        ),
        (
            "checkin <@U0ANA> on lastfriday hi",
            "is not a date I can read",
        ),
        ("checkin <@U0ANA> on 1999-01-01", "more than a year ago"),
        ("checkin <@U0ANA> on Feb 30", "not a date on the calendar"),
        ("checkin <@U0ANA> on tomorrow", "is in the future"),
        ("snooze <@U0ANA> until the spring", "Until when?"),
        ("snooze <@U0ANA> until 2099-01-01", "at most 365 days"),
        (
            "headsup \"x\" <@U0ANA> before 2099-01-01 10:00",
            "more than a year away",
        ),
        (
            "headsup \"x\" <@U0ANA> before 2020-01-01 10:00",
            "has already passed",
        ),
    ] {
        let reply = app.say(ME, text).await;
        assert!(reply.contains(says), "{text}: {reply}");
        assert!(
            reply.contains("last friday") || !says.contains("I can read"),
            "examples: {reply}"
        );
    }
    assert_eq!(
        app.count("select count(*) from checkin").await,
        6,
        "nothing written"
    );
    let reply = app.say(ME, "snooze <@U0ANA> until next friday").await;
    assert!(reply.contains("Fri 20 Nov"), "{reply}");
}

/// Under concurrent load (32 connections, one request in five registering a heads-up, a
/// transaction that reads before it writes; scheduler passes of another process on the same
/// file meanwhile), every request is answered properly: never "database is locked", and never
/// a wrong answer from a batched read that asked for the same peer twice.
#[tokio::test]
async fn concurrent_mixed_writes_never_meet_a_locked_database() {
    let app = std::sync::Arc::new(spawn_app().await);
    monday(&app);
    let users: Vec<String> = (0..16).map(|i| format!("U0LOAD{i:02}")).collect();
    for u in &users {
        app.say(u, "add <@U0ANA> weekly").await;
    }
    let other = app.another_process().await;
    let passes = tokio::spawn(async move {
        for h in 0..20 {
            let at = utc("2026-11-16T10:00:00Z") + chrono::TimeDelta::minutes(h);
            other.tick(at, false).await.expect("pass");
        }
    });
    let mut tasks = Vec::new();
    for c in 0..32 {
        let (app, users) = (app.clone(), users.clone());
        tasks.push(tokio::spawn(async move {
            let mut replies = Vec::new();
            for i in 0..10 {
                let u = &users[(c + i) % users.len()];
                let text = if (c + i) % 5 == 0 {
                    format!("headsup \"plan {c}-{i}\" <@U0ANA> before in 3 days")
                } else {
                    format!("checkin <@U0ANA> load {c}-{i}")
                };
                replies.push((text.clone(), app.say(u, &text).await));
            }
            replies
        }));
    }
    let mut n = 0;
    for t in tasks {
        for (text, reply) in t.await.unwrap() {
            n += 1;
            assert!(
                !reply.contains("went wrong") && !reply.to_lowercase().contains("locked"),
                "{text}: {reply}"
            );
            if text.starts_with("checkin") {
                assert!(reply.contains("Logged"), "{text}: {reply}");
            }
        }
    }
    passes.await.unwrap();
    assert_eq!(n, 320);
    assert_eq!(app.count("select count(*) from headsup").await, 64);
    assert_eq!(app.count("select count(*) from checkin").await, 256);
}
