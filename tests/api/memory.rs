//! Notes, prep, offers and milestones through signed requests: what each command and button
//! says, what reaches the fake Slack, and that nobody else (another user, another workspace)
//! sees any of it.

use crate::helpers::*;
use serde_json::{Value, json};

const ME: &str = "U0ME";
const ANA: &str = "U0ANA";
const BOB: &str = "U0BOB";

/// A London user with ANA and BOB (weekly) added Friday 2026-11-13; now Monday 11-23, both
/// cooling.
async fn with_peers() -> TestApp {
    let app = spawn_app().await;
    app.slack.set_tz(ME, "Europe/London");
    app.state.clock.freeze(utc("2026-11-13T10:00:00Z"));
    app.say(
        ME,
        "add <@U0ANA|ana> weekly because her platform gates our launch",
    )
    .await;
    app.say(ME, "add <@U0BOB|bob> weekly").await;
    app.state.clock.freeze(utc("2026-11-23T10:00:00Z"));
    app
}

fn button(app: &TestApp, msg: &Value, action: &str, block: &str, value: &str) -> Value {
    button_press(app, ME, msg, action, block, value)
}

/// The check-in form submitted for ANA on `date`, with the agenda and an offer.
fn checkin_form(view: &str, date: &str, constraint: &str, offer: &str) -> Value {
    let text = |t: &str| json!({"value": {"type": "plain_text_input", "value": t}});
    let values = json!({
        "constraint": text(constraint),
        "boss": text("the Q1 launch date"),
        "fire": text("on-call is thin"),
        "offer": text(offer),
        "notes": {"value": {"type": "plain_text_input", "value": null}},
        "flags": {"value": {"type": "checkboxes", "selected_options": []}},
        "date": {"value": {"type": "datepicker", "selected_date": date}},
    });
    json!({
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": ME, "team_id": TEAM},
        "api_app_id": "A0123ABCD",
        "trigger_id": "1234567890123.1234567890123.fedcba9876543210",
        "view": {"id": view, "team_id": TEAM, "type": "modal", "blocks": [],
            "private_metadata": json!({"peer": ANA, "from": null}).to_string(),
            "callback_id": "sw_checkin_form",
            "state": {"values": values}, "hash": "1700000000.AbCdEfGh",
            "title": {"type": "plain_text", "text": "Log a check-in"},
            "app_installed_team_id": TEAM},
        "response_urls": [],
        "is_enterprise_install": false
    })
}

fn answers(app: &TestApp) -> Vec<String> {
    app.slack
        .calls("response_url")
        .iter()
        .map(|c| c.body["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn notes_are_kept_listed_newest_first_and_deleted_by_id_for_their_author_only() {
    let app = with_peers().await;
    let r = app.say(ME, "note <@U0ANA> kids are Ada and Linus").await;
    assert!(r.contains("Noted (#1)"), "{r}");
    app.state.clock.freeze(utc("2026-11-24T10:00:00Z"));
    let r = app.say(ME, "note <@U0ANA> plays bass in a punk band").await;
    assert!(r.contains("#2"), "{r}");
    let list = app.say(ME, "notes <@U0ANA>").await;
    let (newer, older) = (list.find("punk band").unwrap(), list.find("Ada").unwrap());
    assert!(newer < older, "newest first: {list}");
    assert!(
        list.contains("#2 today") && list.contains("#1 yesterday"),
        "{list}"
    );
    // Sealed at rest.
    assert_eq!(
        app.count("select count(*) from note where cast(text_enc as text) like '%Ada%'")
            .await,
        0
    );

    // Bad ids: a clear refusal, nothing deleted.
    for bad in [
        "note <@U0ANA> delete 9",
        "note <@U0ANA> delete x",
        "note <@U0BOB> delete 1",
    ] {
        let r = app.say(ME, bad).await;
        assert!(r.contains("note") && r.contains("/peer note"), "{bad}: {r}");
        assert_eq!(app.count("select count(*) from note").await, 2, "{bad}");
    }

    // Nobody else reaches them: another user (with ANA on their map) and another workspace.
    app.say(BOB, "add <@U0ANA>").await;
    let theirs = app.say(BOB, "notes <@U0ANA>").await;
    assert!(
        theirs.contains("No notes") && !theirs.contains("Ada"),
        "{theirs}"
    );
    let r = app.say(BOB, "note <@U0ANA> delete 1").await;
    assert!(r.contains("no note #1"), "{r}");
    let elsewhere = app.say_in("T0002", ME, "notes <@U0ANA>").await;
    assert!(elsewhere.contains("not on your map"), "{elsewhere}");
    assert!(
        !app.say_in("T0002", ME, "note <@U0ANA> delete 1")
            .await
            .contains("Deleted")
    );
    assert_eq!(app.count("select count(*) from note").await, 2);

    let r = app.say(ME, "note <@U0ANA> delete 1").await;
    assert!(r.contains("Deleted note #1"), "{r}");
    let list = app.say(ME, "notes <@U0ANA>").await;
    assert!(!list.contains("Ada") && list.contains("punk"), "{list}");
    assert!(app.slack.dms().is_empty(), "nothing is sent to anyone");
}

#[tokio::test]
async fn prep_gathers_reason_warmth_notes_checkins_offers_context_and_untold_headsups() {
    let app = with_peers().await;
    app.say(ME, "note <@U0ANA> kids are Ada and Linus").await;
    for (view, date, constraint, offer) in [
        ("V1", "2026-11-16", "hiring freeze", "intro to our SRE lead"),
        ("V2", "2026-11-20", "SOC2 audit", "review their RFC"),
    ] {
        let resp = app
            .interact(&checkin_form(view, date, constraint, offer))
            .await;
        assert_eq!(resp.status(), 200);
    }
    app.say(ANA, "context set two on-call engineers out").await;
    app.say(
        ME,
        "headsup \"we cut the mobile scope\" <@U0ANA> before thu 15:00",
    )
    .await;
    let prep = app.say(ME, "prep <@U0ANA|ana>").await;
    for want in [
        "Prep for <@U0ANA>",
        "because her platform gates our launch",
        "warm",
        "kids are Ada and Linus",
        "top constraint: SOC2 audit",
        "top constraint: hiring freeze",
        "boss pressing on: the Q1 launch date",
        "on fire: on-call is thin",
        "#1 “intro to our SRE lead”",
        "#2 “review their RFC”",
        "two on-call engineers out",
        "we cut the mobile scope",
    ] {
        assert!(prep.contains(want), "{want}: {prep}");
    }
    assert!(!prep.contains("loan"), "no loans are invented: {prep}");

    // Only the author: another user, another workspace.
    let theirs = app.say(BOB, "prep <@U0ANA>").await;
    assert!(
        theirs.contains("not on your map") && !theirs.contains("Ada"),
        "{theirs}"
    );
    let elsewhere = app.say_in("T0002", ME, "prep <@U0ANA>").await;
    assert!(elsewhere.contains("not on your map"), "{elsewhere}");
    assert!(app.slack.dms().is_empty(), "prep is never posted anywhere");
}

#[tokio::test]
async fn the_nudge_carries_prep_and_offer_buttons_and_a_done_offer_stops_coming_back() {
    let app = with_peers().await;
    app.say(ME, "note <@U0ANA> kids are Ada and Linus").await;
    let r = app.say(ME, "offered <@U0ANA> review her RFC").await;
    assert!(r.contains("Offer #1"), "{r}");
    app.say(ME, "offered <@U0BOB> lend a reviewer").await;
    app.tick("2026-11-23T10:00:00Z").await;
    let dms = app.slack.dms();
    assert_eq!(dms.len(), 1);
    let nudge = dms[0].clone();
    let text = nudge["text"].as_str().unwrap();
    assert!(text.contains("#1 “review her RFC”"), "{text}");
    assert!(
        !text.contains("Ada"),
        "no notes in the nudge itself: {text}"
    );
    let blocks = nudge["blocks"].to_string();
    assert_eq!(blocks.matches("sw_prep").count(), 2, "{blocks}");
    assert_eq!(blocks.matches("sw_offer_done").count(), 2, "{blocks}");
    assert_eq!(blocks.matches("sw_offer_drop").count(), 2, "{blocks}");

    // Prep, privately: the notes come back through the response_url only.
    let tap = button(&app, &nudge, "sw_prep", "due.U0ANA", ANA);
    assert_eq!(app.interact(&tap).await.status(), 200);
    app.settle().await;
    let said = answers(&app);
    assert!(
        said.last().unwrap().contains("Prep for <@U0ANA>")
            && said.last().unwrap().contains("kids are Ada and Linus"),
        "{said:?}"
    );
    assert_eq!(app.slack.dms().len(), 1, "no new message");
    assert!(
        app.slack.calls("chat.update").is_empty(),
        "prep changes nothing"
    );

    // Done: closed, the message redrawn, and it never comes back.
    let done = button(&app, &nudge, "sw_offer_done", "offer.1", "1");
    app.interact(&done).await;
    app.settle().await;
    assert_eq!(
        app.count("select count(*) from offer where status = 'done'")
            .await,
        1
    );
    let redrawn = app.slack.calls("chat.update").last().unwrap().body["blocks"].to_string();
    assert!(redrawn.contains("Offer #1 to <@U0ANA> done"), "{redrawn}");
    assert_eq!(redrawn.matches("sw_offer_done").count(), 1, "{redrawn}");
    // Dropped by command; an unknown id is refused and changes nothing.
    let r = app.say(ME, "offered <@U0BOB> drop 2").await;
    assert!(r.contains("dropped"), "{r}");
    let r = app.say(ME, "offered <@U0BOB> drop 7").await;
    assert!(r.contains("no offer #7"), "{r}");
    let prep = app.say(ME, "prep <@U0ANA>").await;
    assert!(!prep.contains("review her RFC"), "{prep}");
    app.tick("2026-11-26T10:00:00Z").await;
    let later = app.slack.dms();
    assert_eq!(later.len(), 2);
    let text = later[1]["text"].as_str().unwrap();
    assert!(
        !text.contains("review her RFC") && !text.contains("lend a reviewer"),
        "{text}"
    );

    // Someone else's offer cannot be closed by id, in this workspace or another.
    app.say(BOB, "add <@U0ANA>").await;
    app.say(ME, "offered <@U0ANA> intro to the SRE lead").await;
    let r = app.say(BOB, "offered <@U0ANA> done 3").await;
    assert!(r.contains("no offer #3"), "{r}");
    assert!(
        !app.say_in("T0002", ME, "offered <@U0ANA> done 3")
            .await
            .contains("done:")
    );
    assert_eq!(
        app.count("select count(*) from offer where status = 'open'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_cooling_peer_near_their_milestone_comes_first_on_the_map_the_home_and_the_nudge() {
    let app = with_peers().await;
    // Bad input: refused, nothing written.
    for bad in [
        "milestone <@U0BOB> soonish cut-over",
        "milestone <@U0BOB> 2027-02-30 cut-over",
        "milestone <@U0BOB> yesterday cut-over",
        "milestone <@U0BOB> 2040-01-01 cut-over",
        "milestone <@U0BOB> 2027-03-01",
    ] {
        let r = app.say(ME, bad).await;
        assert!(r.contains("/peer milestone"), "{bad}: {r}");
    }
    assert_eq!(app.count("select count(*) from milestone").await, 0);

    let r = app
        .say(ME, "milestone <@U0BOB> 2026-12-20 their platform cut-over")
        .await;
    assert!(
        r.contains("their platform cut-over") && r.contains("27 days"),
        "{r}"
    );
    let map = app.say(ME, "map").await;
    let (bob, ana) = (map.find("<@U0BOB>").unwrap(), map.find("<@U0ANA>").unwrap());
    assert!(bob < ana, "BOB first: {map}");
    assert!(
        map.contains(":warning: *Milestone in 27 days*: their platform cut-over")
            && map.contains("cooling"),
        "{map}"
    );

    app.tick("2026-11-23T10:00:00Z").await;
    let nudge = app.slack.dms()[0]["text"].as_str().unwrap().to_string();
    let (bob, ana) = (
        nudge.find("<@U0BOB>").unwrap(),
        nudge.find("<@U0ANA>").unwrap(),
    );
    assert!(
        bob < ana && nudge.contains("Milestone in 27 days"),
        "{nudge}"
    );

    let opened = json!({"type": "event_callback", "team_id": TEAM, "api_app_id": "A1",
        "event_id": "Ev0001", "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": ME, "channel": "D0ME", "tab": "home"}});
    app.event(&opened, None).await;
    app.settle().await;
    let home = app.slack.calls("views.publish").last().unwrap().body["view"].to_string();
    let (bob, ana) = (
        home.find("<@U0BOB>").unwrap(),
        home.find("<@U0ANA>").unwrap(),
    );
    assert!(bob < ana && home.contains("Milestone in 27 days"), "{home}");

    // Nobody else sees it.
    app.say(BOB, "add <@U0ANA>").await;
    assert!(!app.say(BOB, "map").await.contains("cut-over"));
    assert!(!app.say_in("T0002", ME, "map").await.contains("cut-over"));

    // A past milestone is kept but no longer shown; clear ends the current one.
    app.say(ME, "milestone <@U0ANA> tomorrow their launch")
        .await;
    app.state.clock.freeze(utc("2026-11-26T10:00:00Z"));
    let map = app.say(ME, "map").await;
    assert!(
        !map.contains("their launch") && map.contains("cut-over"),
        "{map}"
    );
    let r = app.say(ME, "milestone <@U0BOB> clear").await;
    assert!(r.contains("Cleared"), "{r}");
    assert!(!app.say(ME, "map").await.contains("cut-over"));
    assert_eq!(
        app.count("select count(*) from milestone").await,
        2,
        "kept as history"
    );
}
