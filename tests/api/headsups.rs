//! Heads-ups through signed slash commands and scheduler passes at chosen moments.

use crate::helpers::*;

const ME: &str = "U0ME";

/// A London user on Friday 2026-11-20 10:00 UTC.
async fn london_friday() -> TestApp {
    let app = spawn_app().await;
    app.slack.set_tz(ME, "Europe/London");
    app.state.clock.freeze(utc("2026-11-20T10:00:00Z"));
    app
}

fn texts(app: &TestApp) -> Vec<String> {
    app.slack
        .dms()
        .iter()
        .map(|d| d["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn registering_confirms_what_was_understood_and_tells_no_one() {
    let app = london_friday().await;
    let r = app
        .say(
            ME,
            "headsup \"we slip the launch to March\" <@U0ANA|ana> <@U0RAJ> before wed 15:00",
        )
        .await;
    assert!(
        r.contains("Heads-up #1: “we slip the launch to March”"),
        "{r}"
    );
    assert!(r.contains("Wed 25 Nov 15:00 (Europe/London)"), "{r}");
    assert!(r.contains("<@U0ANA>, <@U0RAJ>"), "{r}");
    let r = app
        .say(ME, "headsup “second” <@U0ANA> before 2026-12-03 10:00")
        .await;
    assert!(r.contains("Heads-up #2"), "{r}");
    let list = app.say(ME, "headsups").await;
    assert!(
        list.find("#1").unwrap() < list.find("#2").unwrap(),
        "soonest first: {list}"
    );
    assert!(list.contains("untold: <@U0ANA>, <@U0RAJ>"), "{list}");
    assert!(
        app.slack.calls("chat.postMessage").is_empty(),
        "nothing is posted anywhere"
    );
    let other = app.say("U0BOB", "headsups").await;
    assert!(other.contains("No open heads-ups"), "{other}");
    let other = app.say("U0BOB", "told <@U0ANA> 1").await;
    assert!(other.contains("no heads-up #1"), "{other}");
}

#[tokio::test]
async fn bad_heads_ups_are_refused_and_nothing_is_written() {
    let app = london_friday().await;
    for (text, expect) in [
        (
            "headsup \"reorg\" <@U0ANA> before 2026-11-19 10:00",
            "already passed",
        ),
        ("headsup \"reorg\" <@U0ANA> before fri 9:00", "Fri 27 Nov"),
        ("headsup \"reorg\" before mon 10:00", "at least one peer"),
        (
            "headsup \"reorg\" <@U0ANA> before the all-hands",
            "not a time I can read",
        ),
        ("headsup reorg <@U0ANA> before mon 10:00", "quotes"),
        (
            "headsup \"reorg\" <@U0ME> before mon 10:00",
            "You are on the list",
        ),
        ("headsup cancel 9", "no open heads-up #9"),
        ("told <@U0RAJ>", "No open heads-up names"),
    ] {
        let r = app.say(ME, text).await;
        assert!(r.contains(expect), "/peer {text}: {r}");
    }
    // "fri 9:00" on a Friday at 10:00 means next Friday: accepted above, so one row.
    assert_eq!(app.count("select count(*) from headsup").await, 1);
    assert_eq!(
        app.count(
            "select count(*) from headsup where room_at >= '2026-11-27' and room_at < '2026-11-28'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn reminders_rise_as_the_room_approaches_and_stop_for_those_told() {
    let app = london_friday().await;
    app.say(
        ME,
        "headsup \"we slip the launch to March\" <@U0ANA> <@U0RAJ> before wed 15:00",
    )
    .await;
    // 3 days before is Sunday 15:00: it waits for Monday 09:00, in the day's one DM.
    assert!(app.tick("2026-11-22T15:00:00Z").await.is_empty());
    let sent = app.tick("2026-11-23T09:00:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        texts(&app)[0].contains("Tell them before the room") && texts(&app)[0].contains("<@U0RAJ>")
    );
    assert!(app.tick("2026-11-23T12:00:00Z").await.is_empty());
    // A day before.
    let sent = app.tick("2026-11-24T15:00:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(texts(&app)[1].contains("tomorrow"), "{:?}", texts(&app));
    app.state.clock.freeze(utc("2026-11-24T16:00:00Z"));
    let r = app.say(ME, "told <@U0ANA>").await;
    assert!(
        r.contains("Marked <@U0ANA> told about #1. Still untold: <@U0RAJ>."),
        "{r}"
    );
    // Two hours before: only Raj is named.
    let sent = app.tick("2026-11-25T13:00:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let t = &texts(&app)[2];
    assert!(
        t.contains("in about 2 hours") && t.contains("<@U0RAJ>") && !t.contains("<@U0ANA>"),
        "{t}"
    );
    // After the room: one question.
    assert!(app.tick("2026-11-25T14:59:00Z").await.is_empty());
    let sent = app.tick("2026-11-25T15:00:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let t = &texts(&app)[3];
    assert!(t.contains("<@U0ANA>: you told them before the room"), "{t}");
    assert!(t.contains("/peer told <@U0RAJ> 1 late if"), "{t}");
    assert!(
        app.tick("2026-11-26T09:00:00Z").await.is_empty(),
        "nothing more"
    );
    // The answer is kept and shown on the map.
    app.state.clock.freeze(utc("2026-11-25T16:00:00Z"));
    let r = app.say(ME, "told <@U0RAJ> late").await;
    assert!(r.contains("heard #1 in the room"), "{r}");
    app.say(ME, "add <@U0RAJ>").await;
    app.say(ME, "add <@U0ANA>").await;
    let map = app.say(ME, "map").await;
    assert!(
        map.contains("heard news from you first 1 of 1"),
        "Ana: {map}"
    );
    assert!(
        map.contains("heard news from you first 0 of 1"),
        "Raj: {map}"
    );
    assert_eq!(app.slack.dms().len(), 4);
}

#[tokio::test]
async fn once_everyone_is_told_no_reminder_goes_out() {
    let app = london_friday().await;
    app.say(ME, "headsup \"reorg\" <@U0ANA> before wed 15:00")
        .await;
    app.say(ME, "told <@U0ANA> 1").await;
    for t in [
        "2026-11-23T09:00:00Z",
        "2026-11-24T15:00:00Z",
        "2026-11-25T13:00:00Z",
    ] {
        assert!(app.tick(t).await.is_empty(), "{t}");
    }
    assert_eq!(
        app.tick("2026-11-25T15:00:00Z").await.len(),
        1,
        "only the after-room note"
    );
}

#[tokio::test]
async fn the_three_day_reminder_shares_the_days_one_dm_with_check_ins() {
    let app = london_friday().await;
    app.say(ME, "add <@U0BEA> weekly").await;
    app.say(ME, "checkin <@U0BEA> on 2026-11-16").await; // due Monday 11-23
    app.say(ME, "headsup \"reorg\" <@U0ANA> before wed 15:00")
        .await;
    let sent = app.tick("2026-11-23T09:00:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let t = &texts(&app)[0];
    assert!(
        t.contains("Due for a check-in")
            && t.contains("<@U0BEA>")
            && t.contains("Tell them before the room"),
        "{t}"
    );
}

#[tokio::test]
async fn urgent_reminders_ignore_working_hours() {
    let app = spawn_app().await;
    app.slack.set_tz(ME, "Asia/Tokyo");
    app.state.clock.freeze(utc("2026-11-23T12:00:00Z")); // Monday 21:00 Tokyo
    app.say(ME, "headsup \"reorg\" <@U0ANA> before tomorrow 8:00")
        .await; // 23:00Z
    let sent = app.tick("2026-11-23T21:00:00Z").await; // 06:00 Tokyo
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(texts(&app)[0].contains("in about 2 hours"));
    assert!(
        app.tick("2026-11-23T23:30:00Z").await.is_empty(),
        "the after note waits for 09:00 Tokyo"
    );
    assert_eq!(app.tick("2026-11-24T00:00:00Z").await.len(), 1);
}

#[tokio::test]
async fn telling_a_peer_on_the_map_counts_as_contact() {
    let app = london_friday().await;
    app.say(ME, "add <@U0ANA> weekly").await;
    app.say(ME, "checkin <@U0ANA> on 2026-11-09").await;
    app.say(ME, "headsup \"reorg\" <@U0ANA> before wed 15:00")
        .await;
    let r = app.say(ME, "told <@U0ANA>").await;
    assert!(
        r.contains("That counts as contact: next check-in due Fri 27 Nov"),
        "{r}"
    );
    let map = app.say(ME, "map").await;
    assert!(map.contains("last contact today"), "{map}");
}

#[tokio::test]
async fn an_ambiguous_told_asks_which_heads_up_and_cancel_and_move_work() {
    let app = london_friday().await;
    app.say(ME, "headsup \"reorg\" <@U0ANA> before wed 15:00")
        .await;
    app.say(ME, "headsup \"budget cut\" <@U0ANA> before thu 15:00")
        .await;
    let r = app.say(ME, "told <@U0ANA>").await;
    assert!(
        r.contains("several heads-ups") && r.contains("#1") && r.contains("#2"),
        "{r}"
    );
    let r = app.say(ME, "headsup cancel 1").await;
    assert!(r.contains("#1 cancelled"), "{r}");
    let r = app.say(ME, "headsup move 2 before 2026-12-01 11:00").await;
    assert!(r.contains("Tue 1 Dec 11:00"), "{r}");
    let r = app.say(ME, "told <@U0ANA>").await;
    assert!(r.contains("told about #2"), "{r}");
    assert!(
        app.tick("2026-11-25T13:00:00Z").await.is_empty(),
        "cancelled: no reminder"
    );
}

/// The first answer stands: marking told again keeps the recorded time, `late` after `told`
/// is refused with how to correct it, and an explicit correction says what it replaced.
#[tokio::test]
async fn the_first_told_answer_stands_unless_corrected() {
    let app = london_friday().await;
    app.say(ME, "headsup \"reorg\" <@U0ANA> <@U0RAJ> before wed 15:00")
        .await;
    let r = app.say(ME, "told <@U0ANA>").await;
    assert!(r.contains("Marked <@U0ANA> told about #1"), "{r}");
    let told_at = app
        .count(
            "select count(*) from headsup_peer where peer_id = 'U0ANA' and told_at < '2026-11-21'",
        )
        .await;
    app.state.clock.freeze(utc("2026-11-21T10:00:00Z"));
    let r = app.say(ME, "told <@U0ANA> 1").await;
    assert!(
        r.contains("Already noted") && r.contains("Nothing changed"),
        "{r}"
    );
    app.state.clock.freeze(utc("2026-11-25T16:00:00Z"));
    let r = app.say(ME, "told <@U0ANA> 1 late").await;
    assert!(
        r.contains(
            "You already noted that you told <@U0ANA> about #1 before the room on Fri 20 Nov 10:00"
        ) && r.contains("/peer told <@U0ANA> 1 late correct changes it"),
        "{r}"
    );
    let again = app
        .count(
            "select count(*) from headsup_peer where peer_id = 'U0ANA' and told_at < '2026-11-21'",
        )
        .await;
    assert_eq!((told_at, again), (1, 1), "the recorded time never moves");
    assert_eq!(
        app.count("select heard_first from headsup_peer where peer_id = 'U0ANA'")
            .await,
        1
    );
    let r = app.say(ME, "told <@U0ANA> 1 late correct").await;
    assert!(
        r.contains("Corrected: it said that you told them before the room.")
            && r.contains("in the room"),
        "{r}"
    );
    assert_eq!(
        app.count("select heard_first from headsup_peer where peer_id = 'U0ANA'")
            .await,
        0
    );
}

/// The confirmation promises only the reminders that will come: a room 90 minutes away gets
/// none, one two days away gets the 1-day and 2-hour ones; and the late reminder names the
/// room's real moment, never "tomorrow" on the day itself.
#[tokio::test]
async fn a_heads_up_promises_only_what_will_happen() {
    let app = london_friday().await;
    let r = app
        .say(ME, "headsup \"soon\" <@U0ANA> before in 90 minutes")
        .await;
    assert!(
        r.contains("too close for reminders, so tell them now"),
        "{r}"
    );
    assert!(!r.contains("remind you"), "{r}");
    let r = app
        .say(ME, "headsup \"later\" <@U0RAJ> before sun 12:00")
        .await;
    assert!(
        r.contains("I'll remind you 1 day and 2 hours before") && !r.contains("3 days"),
        "{r}"
    );
    let r = app
        .say(ME, "headsup \"far\" <@U0RAJ> before next fri 12:00")
        .await;
    assert!(
        r.contains("I'll remind you 3 days, 1 day and 2 hours before"),
        "{r}"
    );
    // As promised, nothing comes before the room for #1; afterwards, the question.
    assert!(app.tick("2026-11-20T10:30:00Z").await.is_empty());
    let sent = app.tick("2026-11-20T11:30:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        texts(&app)[0].contains("The room has heard #1"),
        "{:?}",
        texts(&app)
    );
}
