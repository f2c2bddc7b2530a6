//! The joint escalation through signed requests, interaction payloads and the scheduler: one
//! document with both positions, the peer told once, sent to its destination exactly once and
//! only after both authors approved the same version.

use crate::helpers::*;
use serde_json::{Value, json};

const ME: &str = "U0ME";
const ANA: &str = "U0ANA";
const BOSS: &str = "U0BOSS";

fn side(goal: &str, cost: Option<&str>, ask: Option<&str>) -> Value {
    let text = |t: Option<&str>| json!({"value": {"type": "plain_text_input", "value": t}});
    json!({"goal": text(Some(goal)), "cost": text(cost), "tried": text(None), "ask": text(ask)})
}

/// Submits `user`'s side form of escalation `n` (as Slack would, after the form opened).
async fn submit_side(
    app: &TestApp,
    user: &str,
    view: &str,
    n: i64,
    other: &str,
    values: Value,
) -> Value {
    let meta = json!({"peer": other, "from": null, "number": n}).to_string();
    let p = submission(user, view, "sw_escalation_form", &meta, values);
    let resp = app.interact(&p).await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.unwrap();
    if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).unwrap()
    }
}

/// Messages that reached `channel` (a user id for a DM).
fn sent_to(app: &TestApp, channel: &str) -> Vec<String> {
    app.slack
        .dms()
        .into_iter()
        .filter(|d| d["channel"] == channel)
        .map(|d| d["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn an_escalation_goes_out_once_only_after_both_approved_the_same_version() {
    let app = spawn_app().await;
    app.state.clock.freeze(utc("2026-12-03T10:00:00Z"));
    app.say(
        ME,
        "add <@U0ANA|ana> biweekly because her platform gates our launch",
    )
    .await;
    app.say(ME, "note <@U0ANA|ana> SECRETNOTE kids Ada and Linus")
        .await;

    // No check-in yet: started with a warning; the form opens; ANA gets one DM.
    let r = app
        .say(
            ME,
            "escalate <@U0ANA|ana> the Q1 release freeze to <@U0BOSS|cto>",
        )
        .await;
    assert!(
        r.contains(":warning:") && r.contains("no check-in") && r.contains("/peer stuck"),
        "{r}"
    );
    assert!(r.contains("Started joint escalation #1"), "{r}");
    let view = app.slack.calls("views.open").last().expect("form").body["view"].clone();
    assert_eq!(view["callback_id"], "sw_escalation_form");
    assert!(
        sent_to(&app, ANA).is_empty(),
        "recorded, sent by the next pass"
    );
    app.tick("2026-12-03T10:00:30Z").await;
    app.tick("2026-12-03T10:01:00Z").await;
    let invite = sent_to(&app, ANA);
    assert_eq!(invite.len(), 1, "{invite:?}");
    assert!(
        invite[0].contains("<@U0ME> would like to escalate “the Q1 release freeze”")
            && !invite[0].contains("SECRETNOTE")
            && !invite[0].contains("platform gates"),
        "the peer learns the topic and who, nothing else: {invite:?}"
    );

    // Neither side can approve before both positions, the ask and the destination exist.
    let r = app.say(ME, "escalation 1 approve").await;
    assert!(r.contains("Fill in your side first"), "{r}");
    let v = submit_side(
        &app,
        ME,
        "VE1",
        1,
        ANA,
        side("ship in Q1", Some("we miss the launch"), None),
    )
    .await;
    assert_eq!(v["response_action"], "update", "{v}");
    let r = app.say(ME, "escalation 1 approve").await;
    assert!(r.contains("has not filled in their side"), "{r}");

    // ANA opens her side from the invite's button and fills it, with the shared ask.
    let dm = app
        .slack
        .dms()
        .into_iter()
        .find(|d| d["channel"] == ANA)
        .unwrap();
    let forms_before = app.slack.calls("views.open").len();
    let press = button_press(&app, ANA, &dm, "sw_escalation_edit", "escalation:1", "1");
    assert_eq!(app.interact(&press).await.status(), 200);
    app.settle().await;
    let opened = app.slack.calls("views.open");
    assert_eq!(opened.len(), forms_before + 1, "the button opened her form");
    assert!(
        app.slack.calls("response_url").is_empty(),
        "no 'stale' answer: {:?}",
        app.slack.calls("response_url")
    );
    let view = &opened.last().unwrap().body["view"];
    assert!(view.to_string().contains("the Q1 release freeze"), "{view}");
    assert!(
        !view.to_string().contains("ship in Q1"),
        "her own side, empty: {view}"
    );
    submit_side(
        &app,
        ANA,
        "VE2",
        1,
        ME,
        side("stability", None, Some("decide the freeze date by Friday")),
    )
    .await;

    // Either reads both positions; an outsider and another workspace see nothing.
    let doc = app.say(ANA, "escalation 1").await;
    assert!(
        doc.contains("ship in Q1")
            && doc.contains("stability")
            && doc.contains("decide the freeze"),
        "{doc}"
    );
    let r = app.say("U0EVE", "escalation 1").await;
    assert!(r.contains("no joint escalation #1"), "{r}");
    let r = app.say("U0EVE", "escalation 1 approve").await;
    assert!(r.contains("no joint escalation #1"), "{r}");
    let r = app.say_in("T0002", ME, "escalation 1").await;
    assert!(r.contains("no joint escalation #1"), "{r}");

    // ANA has App Home open: what I do to the document shows there too.
    let opened = json!({"type": "event_callback", "team_id": TEAM, "event_id": "EvHomeAna", "event_time": 1,
        "event": {"type": "app_home_opened", "user": ANA, "channel": "D0ANA", "tab": "home"}});
    app.event(&opened, None).await;
    app.settle().await;
    let homes_before = app.slack.calls("views.publish").len();

    // I approve; twice is refused. An edit by ANA withdraws my approval.
    let r = app.say(ME, "escalation 1 approve").await;
    assert!(
        r.contains("Approved version 3 of #1") && r.contains("once <@U0ANA> approves"),
        "{r}"
    );
    let r = app.say(ME, "escalation 1 approve").await;
    assert!(r.contains("already approved this version"), "{r}");
    app.settle().await;
    let homes = app.slack.calls("views.publish");
    assert!(homes.len() > homes_before, "ANA's App Home was refreshed");
    let last = homes.last().unwrap().body.to_string();
    assert!(
        last.contains("U0ANA") && last.contains("approved by <@U0ME>"),
        "{last}"
    );
    let r = app
        .say(ANA, "escalation 1 ask decide the freeze date by Thursday")
        .await;
    assert!(r.contains("version 4"), "{r}");
    let r = app.say(ANA, "escalation 1 approve").await;
    assert!(
        r.contains("once <@U0ME> approves"),
        "her approval alone: {r}"
    );
    app.tick("2026-12-03T10:05:00Z").await;
    assert!(sent_to(&app, BOSS).is_empty(), "never before both approve");

    // A channel Sideways can't post in is refused and changes nothing.
    let r = app.say(ME, "escalation 1 to <#C0SECRET|secret>").await;
    assert!(r.contains("I can't see <#C0SECRET>"), "{r}");
    app.slack.set_bot_absent("C0PUBLIC", &[ME]);
    let r = app.say(ME, "escalation 1 to <#C0PUBLIC|public>").await;
    assert!(r.contains("I'm not in <#C0PUBLIC>"), "{r}");
    let r = app.say(ME, "escalation 1 to <@U0ANA|ana>").await;
    assert!(r.contains("not to one of you"), "{r}");
    assert!(app.say(ME, "escalation 1").await.contains("version 4"));

    // Both approved version 4: recorded once, sent once by the next pass.
    let r = app.say(ME, "escalation 1 approve").await;
    assert!(
        r.contains("both approved version 4") && r.contains("<@U0BOSS>"),
        "{r}"
    );
    app.tick("2026-12-03T10:06:00Z").await;
    app.tick("2026-12-03T10:07:00Z").await;
    let sent = sent_to(&app, BOSS);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].contains("ship in Q1")
            && sent[0].contains("stability")
            && sent[0].contains("by Thursday")
            && !sent[0].contains("SECRETNOTE"),
        "{sent:?}"
    );
    let r = app.say(ANA, "escalation 1 approve").await;
    assert!(r.contains("already approved by both and sent"), "{r}");
    let r = app.say(ANA, "escalation 1 withdraw").await;
    assert!(r.contains("already approved by both and sent"), "{r}");
    let list = app.say(ANA, "escalations").await;
    assert!(
        list.contains("#1") && list.contains("approved by both and sent"),
        "{list}"
    );
}

#[tokio::test]
async fn a_withdrawn_escalation_is_never_sent_and_bad_starts_write_nothing() {
    let app = spawn_app().await;
    app.state.clock.freeze(utc("2026-12-03T10:00:00Z"));
    app.slack.set_members("C0LEADS", &[ME, ANA]);
    app.say(ME, "add <@U0ANA|ana> weekly").await;
    app.say(ME, "checkin <@U0ANA|ana> talked about Q1").await;

    for (text, want) in [
        ("escalate <@U0ME|me> my own thing", "someone else"),
        ("escalate <@U0ANA|ana>", "About what?"),
        (
            "escalate <@U0ANA|ana> freeze to <#C0SECRET|secret>",
            "I can't see <#C0SECRET>",
        ),
        (
            "escalate <@U0ANA|ana> freeze to <@U0ANA|ana>",
            "not to one of you",
        ),
    ] {
        let r = app.say(ME, text).await;
        assert!(r.contains(want), "{text}: {r}");
    }
    assert_eq!(app.count("select count(*) from escalation").await, 0);
    assert!(app.slack.dms().is_empty());

    // Recent check-in: no warning. To a channel.
    let r = app
        .say(
            ME,
            "escalate <@U0ANA|ana> the on-call split to <#C0LEADS|leads>",
        )
        .await;
    assert!(!r.contains(":warning:") && r.contains("#1"), "{r}");
    submit_side(
        &app,
        ME,
        "VW1",
        1,
        ANA,
        side("fair rota", None, Some("pick a split")),
    )
    .await;
    submit_side(&app, ANA, "VW2", 1, ME, side("keep ours", None, None)).await;
    app.say(ME, "escalation 1 approve").await;
    let r = app.say(ANA, "escalation 1 withdraw").await;
    assert!(r.contains("Withdrew #1"), "{r}");
    let r = app.say(ANA, "escalation 1 approve").await;
    assert!(r.contains("withdrawn"), "{r}");
    app.tick("2026-12-03T10:10:00Z").await;
    assert!(sent_to(&app, "C0LEADS").is_empty());
    assert_eq!(
        app.count("select count(*) from delivery where kind = 'escalation'")
            .await,
        0
    );

    // App Home lists the open ones (the withdrawn one is not).
    app.say(ME, "escalate <@U0ANA|ana> another to <#C0LEADS|leads>")
        .await;
    let at = utc("2026-12-03T10:20:00Z");
    let me = sideways::domain::Owner::new(
        sideways::domain::TeamId::parse(TEAM).unwrap(),
        sideways::domain::UserId::parse(ME).unwrap(),
    );
    let data = app.state.store.home_data(&me, at).await.unwrap();
    let home = sideways::views::home(&data, at);
    assert_eq!(home.escalations.len(), 1, "{:?}", home.escalations);
    assert!(
        home.escalations[0].contains("#2 “another”"),
        "{:?}",
        home.escalations
    );
}

/// Both approved, but Slack refuses the post for good (the bot was removed from the channel):
/// the document opens again and both authors are told, once.
#[tokio::test]
async fn an_escalation_slack_refuses_opens_again_and_both_authors_are_told() {
    let app = both_sides_written().await;
    app.tick("2026-12-03T10:00:30Z").await; // the invitation
    app.say(ME, "escalation 1 approve").await;
    app.say(ANA, "escalation 1 approve").await;
    app.slack.script(Script::Error("channel_not_found"));
    app.tick("2026-12-03T10:01:00Z").await;
    assert!(sent_to(&app, "C0LEADS").is_empty());
    let doc = app.say(ME, "escalation 1").await;
    assert!(doc.contains("open, version 4, approved by nobody"), "{doc}");
    // Kept as failed in the same transaction that opened it again.
    let failed = app
        .count("select count(*) from delivery where status = 'failed' and kind = 'escalation'")
        .await;
    assert_eq!(failed, 1);
    app.tick("2026-12-03T10:01:30Z").await;
    app.tick("2026-12-03T10:02:00Z").await;
    for who in [ME, ANA] {
        let told: Vec<String> = sent_to(&app, who)
            .into_iter()
            .filter(|t| t.contains("could not be delivered"))
            .collect();
        assert_eq!(told.len(), 1, "{who}: {told:?}");
        assert!(told[0].contains("channel_not_found"), "{told:?}");
    }
}

/// After `/peer forget me` an author's side is empty, but what they write and approve afterwards
/// is kept (the side is written anew), and the document can still be sent.
#[tokio::test]
async fn an_author_who_forgot_themselves_can_write_and_approve_again() {
    let app = both_sides_written().await;
    let token = confirm_token(&app.slash(ANA, "forget me").await);
    press_confirm(&app, ANA, &token).await;
    let doc = app.say(ME, "escalation 1").await;
    assert!(!doc.contains("keep ours"), "forgotten: {doc}");
    submit_side(&app, ANA, "VR3", 1, ME, side("keep ours again", None, None)).await;
    let doc = app.say(ME, "escalation 1").await;
    assert!(doc.contains("keep ours again"), "{doc}");
    app.say(ME, "escalation 1 approve").await;
    let approved = app.say(ANA, "escalation 1 approve").await;
    assert!(approved.contains("both approved"), "{approved}");
    app.tick("2026-12-03T10:01:00Z").await;
    assert_eq!(sent_to(&app, "C0LEADS").len(), 1);
}

/// An app where ME started escalation #1 with ANA to #leads (both members) at 10:00 on
/// 2026-12-03, and both wrote their side.
async fn both_sides_written() -> TestApp {
    let app = spawn_app().await;
    app.state.clock.freeze(utc("2026-12-03T10:00:00Z"));
    app.slack.set_members("C0LEADS", &[ME, ANA]);
    app.say(
        ME,
        "escalate <@U0ANA|ana> the on-call split to <#C0LEADS|leads>",
    )
    .await;
    submit_side(
        &app,
        ME,
        "VR1",
        1,
        ANA,
        side("fair rota", None, Some("pick a split")),
    )
    .await;
    submit_side(&app, ANA, "VR2", 1, ME, side("keep ours", None, None)).await;
    app
}
