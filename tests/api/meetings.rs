//! Leadership meetings, credits and published context through signed commands and scheduler
//! passes at chosen moments, with channel membership from the fake `conversations.members`.

use crate::helpers::*;
use serde_json::Value;

const ME: &str = "U0ME";
const ANA: &str = "U0ANA";
const BOB: &str = "U0BOB";
const OUT: &str = "U0OUT";
const LEADS: &str = "C0LEADS";

/// London users on Friday 2026-11-20 10:00 UTC; #leads has ME, ANA and BOB.
async fn leads_channel() -> TestApp {
    let app = spawn_app().await;
    for u in [ME, ANA, BOB, OUT] {
        app.slack.set_tz(u, "Europe/London");
    }
    app.slack.set_members(LEADS, &[ME, ANA, BOB]);
    app.state.clock.freeze(utc("2026-11-20T10:00:00Z"));
    app
}

fn posts_to(app: &TestApp, channel: &str) -> Vec<String> {
    app.slack
        .dms()
        .iter()
        .filter(|d| d["channel"] == channel)
        .map(|d| d["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn all_sent(app: &TestApp) -> Vec<Value> {
    app.slack.dms()
}

#[tokio::test]
async fn adding_a_meeting_shows_the_next_three_occurrences_in_the_adders_zone() {
    let app = leads_channel().await;
    let r = app
        .say(ME, "meeting add <#C0LEADS|leads> \"30 9 * * 1\" Staff sync")
        .await;
    assert!(
        r.contains("Added meeting 1 “Staff sync” for <#C0LEADS>"),
        "{r}"
    );
    assert!(
        r.contains("Mon 23 Nov 09:30, Mon 30 Nov 09:30, Mon 7 Dec 09:30"),
        "{r}"
    );
    assert!(r.contains("Europe/London"), "{r}");
    assert!(r.contains("60 minutes before"), "{r}");
    // Crontab's 0 and 7 are Sunday; the cron crate's numbering never shows.
    let r = app
        .say(ME, "meeting add <#C0LEADS> \"0 10 * * 0\" lead 30")
        .await;
    assert!(r.contains("Sun 22 Nov 10:00"), "{r}");
    let r = app
        .say(ME, "meeting add <#C0LEADS> \"every other thursday 14:00\"")
        .await;
    assert!(
        r.contains("Thu 26 Nov 14:00, Thu 10 Dec 14:00, Thu 24 Dec 14:00"),
        "{r}"
    );
    let list = app.say(BOB, "meeting list").await;
    assert!(
        list.contains("*1* “Staff sync” in <#C0LEADS>: `30 9 * * 1`"),
        "{list}"
    );
    assert!(list.contains("*2*") && list.contains("*3*"), "{list}");
}

#[tokio::test]
async fn bad_meeting_commands_are_refused_and_nothing_is_written() {
    let app = leads_channel().await;
    for (text, needle) in [
        ("meeting add <#C0LEADS> \"61 9 * * 1\"", "minute field"),
        (
            "meeting add <#C0LEADS> \"* * * * *\"",
            "more than once an hour",
        ),
        ("meeting add <#C0LEADS> mondays", "quotes"),
        (
            "meeting add <#C0NOPE> \"mondays 9:30\"",
            "/invite @Sideways",
        ),
        ("meeting remove 7", "no meeting 7"),
    ] {
        let r = app.say(ME, text).await;
        assert!(r.contains(needle), "{text}: {r}");
    }
    // Someone outside the channel cannot add a meeting for it.
    let r = app
        .say(OUT, "meeting add <#C0LEADS> \"mondays 9:30\"")
        .await;
    assert!(r.contains("not in <#C0LEADS>"), "{r}");
    assert_eq!(app.count("select count(*) from meeting").await, 0);
}

#[tokio::test]
async fn the_digest_goes_out_once_before_the_meeting_with_only_what_the_channel_may_see() {
    let app = leads_channel().await;
    app.say(ME, "meeting add <#C0LEADS|leads> \"mondays 9:30\" Staff")
        .await;
    // Private data that must never reach a digest.
    app.say(ME, "add <@U0ANA|ana> weekly because platform cut-over")
        .await;
    app.say(ME, "checkin <@U0ANA> secret-checkin-note").await;
    app.say(
        ME,
        "headsup \"secret-headsup-text\" <@U0ANA> before mon 9:30",
    )
    .await;
    // Shareable data.
    let r = app
        .say(
            ANA,
            "credit <@U0CAT|cat> lent us two engineers for the migration",
        )
        .await;
    assert!(r.contains("next digest of “Staff” (meeting 1)"), "{r}");
    let r = app.say(OUT, "credit <@U0CAT> outsider-credit").await;
    assert!(r.contains("not in any digest channel"), "{r}");
    app.say(BOB, "context set hiring freeze, SOC2 audit").await;
    app.say(ANA, "context set two on-call engineers out").await;
    app.say(OUT, "context set outsider-context").await;

    // Monday 2026-11-23 09:30 London = 09:30 UTC; digest due 08:30.
    app.tick("2026-11-23T08:29:00Z").await;
    assert!(posts_to(&app, LEADS).is_empty(), "not before the lead time");
    app.tick("2026-11-23T08:30:00Z").await;
    app.tick("2026-11-23T08:31:00Z").await;
    let posts = posts_to(&app, LEADS);
    assert_eq!(posts.len(), 1, "exactly one digest: {posts:?}");
    let d = &posts[0];
    assert!(
        d.contains("Before “Staff” (meeting 1), Mon 23 Nov 09:30 (Europe/London)"),
        "{d}"
    );
    assert!(
        d.contains("<@U0ANA> credits <@U0CAT>'s team: lent us two engineers for the migration"),
        "{d}"
    );
    assert!(d.contains("<@U0BOB>: hiring freeze, SOC2 audit"), "{d}");
    assert!(d.contains("<@U0ANA>: two on-call engineers out"), "{d}");
    for secret in [
        "secret-checkin-note",
        "secret-headsup-text",
        "platform cut-over",
        "outsider-credit",
        "outsider-context",
    ] {
        for m in all_sent(&app).iter().filter(|m| m["channel"] == LEADS) {
            assert!(!m.to_string().contains(secret), "{secret} leaked: {m}");
        }
    }
    // ME's prep DM: the context of ANA (on ME's map) and ME's heads-up for this room, untold.
    let prep: Vec<Value> = all_sent(&app)
        .into_iter()
        .filter(|m| m["channel"] == ME && m["text"].as_str().unwrap().starts_with("Prep for"))
        .collect();
    assert_eq!(prep.len(), 1, "{prep:?}");
    let p = prep[0]["text"].as_str().unwrap();
    assert!(p.contains("Prep for “Staff”"), "{p}");
    assert!(p.contains("<@U0ANA>: two on-call engineers out"), "{p}");
    assert!(
        p.contains("secret-headsup-text"),
        "the owner's own heads-up: {p}"
    );
    // ANA gave a credit, so her prep reminds her to say it out loud; BOB has nothing to prep.
    let ana: Vec<Value> = all_sent(&app)
        .into_iter()
        .filter(|m| m["channel"] == ANA)
        .collect();
    assert_eq!(ana.len(), 1);
    assert!(
        ana[0]["text"]
            .as_str()
            .unwrap()
            .contains("Credit worth saying out loud")
    );
    assert!(all_sent(&app).iter().all(|m| m["channel"] != BOB));

    // A restart (a new process over the same database) does not post it again.
    let again = sideways::server::App::production(
        &test_config(app.db.url.clone(), app.slack.url.clone()),
        "serve",
        true,
    )
    .await
    .unwrap();
    again
        .scheduler
        .tick(utc("2026-11-23T08:32:00Z"), false)
        .await
        .unwrap();
    assert_eq!(posts_to(&app, LEADS).len(), 1);

    // The next week's digest names only credits given since.
    app.state.clock.freeze(utc("2026-11-25T10:00:00Z"));
    app.say(BOB, "credit <@U0ANA> covered our pager rotation")
        .await;
    app.tick("2026-11-30T08:30:00Z").await;
    let posts = posts_to(&app, LEADS);
    assert_eq!(posts.len(), 2);
    assert!(
        posts[1].contains("covered our pager rotation"),
        "{}",
        posts[1]
    );
    assert!(!posts[1].contains("lent us two engineers"), "{}", posts[1]);
}

#[tokio::test]
async fn an_empty_digest_says_so_and_preview_shows_the_requester_what_would_go_out() {
    let app = leads_channel().await;
    app.say(
        ME,
        "meeting add <#C0LEADS> \"weekdays 9:00\" lead 15 Standup",
    )
    .await;
    let preview = app.say(BOB, "meeting preview 1").await;
    assert!(
        preview.contains("Only you can see this preview"),
        "{preview}"
    );
    assert!(preview.contains("Nothing to share this time"), "{preview}");
    app.say(BOB, "context set reorg in progress").await;
    let preview = app.say(ANA, "meeting preview 1").await;
    assert!(preview.contains("reorg in progress"), "{preview}");
    assert!(all_sent(&app).is_empty(), "a preview posts nothing");
    // Outsiders can neither preview nor remove it.
    let r = app.say(OUT, "meeting preview 1").await;
    assert!(r.contains("only its members"), "{r}");
    let r = app.say(OUT, "meeting remove 1").await;
    assert!(r.contains("only its members"), "{r}");

    app.say(BOB, "context clear").await;
    // Monday 2026-11-23 09:00 London; digest 08:45.
    app.tick("2026-11-23T08:45:00Z").await;
    let posts = posts_to(&app, LEADS);
    assert_eq!(posts.len(), 1);
    assert!(
        posts[0].contains("Nothing to share this time"),
        "{}",
        posts[0]
    );

    let r = app.say(ANA, "meeting remove 1").await;
    assert!(r.contains("Removed “Standup” (meeting 1)"), "{r}");
    app.tick("2026-11-24T08:45:00Z").await;
    assert_eq!(posts_to(&app, LEADS).len(), 1, "no digest after removal");
}

#[tokio::test]
async fn context_is_readable_by_peers_and_its_owner_is_asked_once_to_refresh_it() {
    let app = leads_channel().await;
    let r = app.say(ANA, "context").await;
    assert!(r.contains("You have not published any context"), "{r}");
    app.say(ANA, "context set hiring freeze until January")
        .await;
    let r = app.say(BOB, "context <@U0ANA|ana>").await;
    assert!(
        r.contains("<@U0ANA>'s team is juggling: hiring freeze until January _(set today)_"),
        "{r}"
    );
    let r = app.say(BOB, "context <@U0OUT>").await;
    assert!(r.contains("has not published any context"), "{r}");

    // 31 days later, a Monday inside working hours.
    app.state.clock.freeze(utc("2026-12-21T10:00:00Z"));
    let r = app.say(BOB, "context <@U0ANA>").await;
    // The age is said once, with the date: no "31 days ago (set Fri 20 Nov)".
    assert!(r.contains("_(set Fri 20 Nov, 31 days ago)_"), "{r}");
    assert_eq!(r.matches("set ").count(), 1, "{r}");
    app.tick("2026-12-21T10:00:00Z").await;
    app.tick("2026-12-22T10:00:00Z").await;
    let asks: Vec<Value> = all_sent(&app)
        .into_iter()
        .filter(|m| m["channel"] == ANA)
        .collect();
    assert_eq!(asks.len(), 1, "asked once: {asks:?}");
    assert!(asks[0]["text"].as_str().unwrap().contains("31 days old"));
    // Refreshing starts the clock again.
    app.say(ANA, "context set hiring freeze lifted").await;
    let r = app.say(BOB, "context <@U0ANA>").await;
    assert!(r.contains("hiring freeze lifted _(set today)_"), "{r}");
}

#[tokio::test]
async fn a_heads_up_can_name_a_meeting_as_its_room() {
    let app = leads_channel().await;
    app.say(ME, "meeting add <#C0LEADS> \"mondays 9:30\" Staff sync")
        .await;
    let r = app
        .say(ME, "headsup \"we cut scope\" <@U0ANA> before staff sync")
        .await;
    assert!(r.contains("Mon 23 Nov 09:30 (Europe/London)"), "{r}");
    let r = app
        .say(ME, "headsup \"x\" <@U0ANA> before the all-hands")
        .await;
    assert!(r.contains("nor the name of a leadership meeting"), "{r}");
    assert_eq!(app.count("select count(*) from headsup").await, 1);
    // Its prep DM brings it back while ANA is untold.
    app.tick("2026-11-23T08:30:00Z").await;
    let prep = app
        .slack
        .dms()
        .into_iter()
        .find(|m| m["channel"] == ME && m["text"].as_str().unwrap().starts_with("Prep for"))
        .expect("prep DM");
    assert!(prep["text"].as_str().unwrap().contains("we cut scope"));
}

/// A pass that finds a missed digest (the bot was down through the meeting) moves the meeting
/// on and, when the next occurrence's digest is already due, sends it in the same pass.
#[tokio::test]
async fn one_pass_catches_up_a_missed_digest() {
    let app = leads_channel().await;
    app.say(
        ME,
        "meeting add <#C0LEADS> \"weekdays 9:00\" lead 15 Standup",
    )
    .await;
    // Mon 23 Nov 09:00 London passed unseen; Tue 24 Nov's digest (08:45) is due at 08:50.
    app.tick("2026-11-24T08:50:00Z").await;
    let posts = posts_to(&app, LEADS);
    assert_eq!(posts.len(), 1, "one pass sends the due digest: {posts:?}");
    assert!(posts[0].contains("Tue 24 Nov 09:00"), "{}", posts[0]);
    app.tick("2026-11-24T08:51:00Z").await;
    assert_eq!(posts_to(&app, LEADS).len(), 1, "and only once");
}

/// Occurrences in another year say so, wherever a meeting's times are shown, and a room label
/// is never nested in another pair of parentheses.
#[tokio::test]
async fn meetings_in_another_year_show_the_year() {
    let app = leads_channel().await;
    app.state.clock.freeze(utc("2026-12-21T10:00:00Z"));
    let r = app
        .say(ME, "meeting add <#C0LEADS> \"mondays 9:30\" Staff")
        .await;
    assert!(
        r.contains("Mon 28 Dec 09:30") && r.contains("Mon 4 Jan 2027 09:30"),
        "{r}"
    );
    // Mondays in January only: the next is next year.
    app.say(ME, "meeting add <#C0LEADS> \"30 9 * 1 1\" January kickoffs")
        .await;
    let list = app.say(ME, "meeting list").await;
    assert!(list.contains("next Mon 4 Jan 2027 09:30"), "{list}");
    let preview = app.say(ME, "meeting preview 2").await;
    assert!(preview.contains("Mon 4 Jan 2027 09:30"), "{preview}");
    assert!(!preview.contains("))"), "{preview}");
}
