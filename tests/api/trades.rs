//! The ledger through signed slash commands: trades and loans are the owner's alone, spoken of
//! in words, never as a score.

use crate::helpers::*;

const ME: &str = "U0ME";

#[tokio::test]
async fn trades_are_kept_privately_and_spoken_of_in_words() {
    let app = spawn_app().await;
    app.state.clock.freeze(utc("2026-12-03T10:00:00Z"));
    for text in [
        "trade got <@U0ANA> info the reorg, a week early",
        "trade got <@U0ANA> sequencing they moved their freeze for us",
        "trade got <@U0ANA> risks took the pager for the launch",
        "trade got <@U0ANA> credit named us at the all-hands",
        "trade gave <@U0ANA> capacity two engineers for the migration back by Jan 15",
    ] {
        let r = app.say(ME, text).await;
        assert!(r.starts_with("Noted #") && r.contains("never told"), "{r}");
    }
    let r = app
        .say(ME, "trade got <@U0RAJ> capacity a designer back by Dec 11")
        .await;
    assert!(
        r.contains("you borrowed capacity from <@U0RAJ>'s team")
            && r.contains("back by Fri 11 Dec"),
        "{r}"
    );
    let ledger = app.say(ME, "ledger").await;
    assert!(ledger.contains("*Open loans*"), "{ledger}");
    let loans = ledger.find("*Open loans*").unwrap();
    let first_peer = ledger.find("*With").unwrap();
    assert!(loans < first_peer, "open loans first: {ledger}");
    assert!(
        ledger.contains(
            "you have leaned on <@U0ANA> a lot lately: 4 things got, 1 given in the last 90 days"
        ),
        "{ledger}"
    );
    for word in ["balance", "you owe", "debt", "+", "score"] {
        assert!(!ledger.to_lowercase().contains(word), "{word}: {ledger}");
    }
    let one = app.say(ME, "ledger <@U0RAJ>").await;
    assert!(
        one.contains("<@U0RAJ>") && !one.contains("<@U0ANA>"),
        "{one}"
    );
    // Overdue loans are marked.
    app.state.clock.freeze(utc("2026-12-14T10:00:00Z"));
    let ledger = app.say(ME, "ledger").await;
    assert!(
        ledger.contains("a designer") && ledger.contains("overdue"),
        "{ledger}"
    );
    // Prep about a peer shows the open loans with them.
    app.say(ME, "add <@U0ANA> weekly").await;
    let prep = app.say(ME, "prep <@U0ANA>").await;
    assert!(
        prep.contains("*Open loans*")
            && prep.contains("you lent them “two engineers for the migration”"),
        "{prep}"
    );
    // Nothing was sent to anyone: not the peers, not a channel.
    assert!(app.slack.dms().is_empty(), "{:?}", app.slack.dms());
    // Another user and another workspace see none of it.
    let other = app.say("U0BOB", "ledger").await;
    assert!(other.contains("Nothing in your ledger"), "{other}");
    let r = app.say("U0BOB", "trade delete 1").await;
    assert!(r.contains("no ledger entry #1"), "{r}");
    assert_eq!(app.count("select count(*) from trade").await, 6);
    // Deleting one's own entry.
    let r = app.say(ME, "trade delete 1").await;
    assert!(r.contains("#1 deleted"), "{r}");
    assert_eq!(app.count("select count(*) from trade").await, 5);
}

#[tokio::test]
async fn bad_trades_are_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    app.state.clock.freeze(utc("2026-12-03T10:00:00Z"));
    for (text, says) in [
        (
            "trade got <@U0ANA> money lots of it",
            "sequencing, capacity, risk, credit or info",
        ),
        (
            "trade gave <@U0ANA> capacity two engineers back by yesterday",
            "has already come",
        ),
        (
            "trade gave <@U0ANA> capacity two engineers back by soonish",
            "not a date I can read",
        ),
        ("trade got <@U0ME> info myself", "someone else's team"),
        ("trade got <@USLACKBOT> info a reminder", "Slackbot"),
        ("trade got <@U0ANA> info x back by Jan 15", "for capacity"),
        ("trade delete 9", "no ledger entry #9"),
    ] {
        let r = app.say(ME, text).await;
        assert!(r.contains(says), "{text}: {r}");
    }
    assert_eq!(app.count("select count(*) from trade").await, 0);
}

#[tokio::test]
async fn a_trade_is_encrypted_at_rest() {
    let app = spawn_app().await;
    app.say(ME, "trade got <@U0ANA> info PLAINTRADETEXT").await;
    let bytes = stored_bytes(&app).await;
    let needle = b"PLAINTRADETEXT";
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
}

fn press(app: &TestApp, msg: &serde_json::Value, action: serde_json::Value) -> serde_json::Value {
    block_action(app, ME, msg, action)
}

/// A loan comes up on its due day inside working hours, never twice a day, weekly while
/// overdue; its buttons (Returned, Write off, Extend) settle or move it; the borrower side is
/// reminded of its promise the same way. Nothing reaches the peer.
#[tokio::test]
async fn loans_are_brought_up_on_their_day_and_settled_from_the_message() {
    let app = spawn_app().await;
    app.slack.set_tz(ME, "Europe/London");
    app.state.clock.freeze(utc("2026-12-03T10:00:00Z"));
    app.say(ME, "settings").await; // learn the zone
    let r = app
        .say(
            ME,
            "trade gave <@U0ANA> capacity two engineers back by Dec 11",
        )
        .await;
    assert!(r.contains("Noted #1"), "{r}");
    app.say(ME, "trade got <@U0RAJ> capacity a designer back by Dec 14")
        .await;
    // Not before the day; on the day, not before working hours.
    assert!(app.tick("2026-12-10T10:00:00Z").await.is_empty());
    assert!(app.tick("2026-12-11T06:00:00Z").await.is_empty());
    let sent = app.tick("2026-12-11T09:00:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        app.tick("2026-12-11T15:00:00Z").await.is_empty(),
        "once a day"
    );
    assert!(app.tick("2026-12-12T10:00:00Z").await.is_empty());
    let dm = app.slack.dms()[0].clone();
    assert_eq!(dm["channel"], ME, "only the owner hears of it");
    let text = dm["text"].as_str().unwrap();
    assert!(
        text.contains("Loan #1: you lent <@U0ANA>'s team capacity")
            && text.contains("due back today"),
        "{text}"
    );
    // The borrower's promise, on its own day (Monday 14 Dec).
    let sent = app.tick("2026-12-14T09:00:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let promise = app.slack.dms()[1].clone();
    assert!(
        promise["text"]
            .as_str()
            .unwrap()
            .contains("you promised to give back"),
        "{promise}"
    );
    // Overdue: again a week later, marked.
    let sent = app.tick("2026-12-18T09:00:00Z").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let again = app.slack.dms()[2]["text"].as_str().unwrap().to_string();
    assert!(
        again.contains("Loan #1") && again.contains("was due back Fri 11 Dec"),
        "{again}"
    );
    // Extend from the date picker, then Returned from the button.
    app.state.clock.freeze(utc("2026-12-18T10:00:00Z"));
    let extend = press(
        &app,
        &dm,
        serde_json::json!({"action_id": "sw_loan_extend", "block_id": "loan:1", "type": "datepicker",
            "selected_date": "2027-01-08", "action_ts": "1700000005.194939"}),
    );
    assert_eq!(app.interact(&extend).await.status(), 200);
    app.settle().await;
    let ledger = app.say(ME, "ledger").await;
    assert!(ledger.contains("back by Fri 8 Jan 2027"), "{ledger}");
    let me = sideways::domain::Owner::new(
        sideways::domain::TeamId::parse(TEAM).unwrap(),
        sideways::domain::UserId::parse(ME).unwrap(),
    );
    let home = sideways::views::home(
        &app.state
            .store
            .home_data(&me, utc("2026-12-18T10:00:00Z"))
            .await
            .unwrap(),
        utc("2026-12-18T10:00:00Z"),
    );
    assert_eq!(home.loans.len(), 2, "App Home shows open loans");
    assert!(
        home.loans
            .iter()
            .any(|l| l.contains("a designer") && l.contains("overdue"))
    );
    // The borrower's message: Returned.
    let returned = press(
        &app,
        &promise,
        serde_json::json!({"action_id": "sw_loan_returned", "block_id": "loan:2", "type": "button",
            "value": "2", "action_ts": "1700000006.194939"}),
    );
    assert_eq!(app.interact(&returned).await.status(), 200);
    app.settle().await;
    let r = app.say(ME, "trade writeoff 1").await;
    assert!(r.contains("written off"), "{r}");
    let r = app.say(ME, "trade writeoff 1").await;
    assert!(r.contains("no open loan #1"), "{r}");
    let r = app.say(ME, "trade returned 2").await;
    assert!(r.contains("no open loan #2"), "settled by its button: {r}");
    assert!(
        app.tick("2027-01-08T09:00:00Z").await.is_empty(),
        "nothing open"
    );
    for dm in app.slack.dms() {
        assert_eq!(dm["channel"], ME);
    }
}

/// Offers of what is cheap for my team: listed and removed by id; when a peer on my map
/// publishes a need one could meet, prep suggests the trade to me alone, once per offer and
/// context version; stop-words alone never match, and the peer is never told.
#[tokio::test]
async fn cheap_offers_are_suggested_privately_once_per_context_version() {
    let app = spawn_app().await;
    app.state.clock.freeze(utc("2026-12-03T10:00:00Z"));
    app.say(ME, "add <@U0ANA> weekly").await;
    let r = app
        .say(ME, "offer review bandwidth for Rust services")
        .await;
    assert!(r.contains("Offer #1 noted"), "{r}");
    app.say(ME, "offer a share of the team for the week").await;
    let list = app.say(ME, "offers").await;
    assert!(
        list.contains("#1 review bandwidth") && list.contains("#2"),
        "{list}"
    );
    // Nothing published yet: no suggestion.
    assert!(!app.say(ME, "prep <@U0ANA>").await.contains("A trade?"));
    app.say(
        "U0ANA",
        "context set review backlog on the Rust services, and the team is out for the week",
    )
    .await;
    let prep = app.say(ME, "prep <@U0ANA>").await;
    assert!(prep.contains("*A trade?*"), "{prep}");
    assert!(
        prep.contains("you said review bandwidth for Rust services is cheap"),
        "{prep}"
    );
    assert!(
        !prep.contains("offer #2"),
        "stop-words alone never match: {prep}"
    );
    // Once per offer and context version.
    assert!(!app.say(ME, "prep <@U0ANA>").await.contains("A trade?"));
    app.state.clock.freeze(utc("2026-12-04T10:00:00Z"));
    app.say(
        "U0ANA",
        "context set still a review backlog on Rust services",
    )
    .await;
    assert!(app.say(ME, "prep <@U0ANA>").await.contains("A trade?"));
    // Ana sees none of it; nothing was sent.
    let hers = app.say("U0ANA", "offers").await;
    assert!(hers.contains("noted nothing"), "{hers}");
    assert!(app.slack.dms().is_empty());
    let r = app.say(ME, "offer remove 1").await;
    assert!(r.contains("#1 removed"), "{r}");
    let r = app.say("U0ANA", "offer remove 2").await;
    assert!(r.contains("no offer #2"), "{r}");
}
