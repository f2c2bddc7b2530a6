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
    let bytes = std::fs::read(&app.db_path).unwrap();
    let wal = std::fs::read(app.db_path.with_extension("db-wal")).unwrap_or_default();
    let needle = b"PLAINTRADETEXT";
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    assert!(!wal.windows(needle.len()).any(|w| w == needle));
}
