//! `/peer forget` and `/peer export` through signed requests: the confirmation button, what is
//! deleted (rows, the database file, later messages) and what the exported file holds.

use crate::helpers::*;
use serde_json::Value;

const ME: &str = "U0ME";
const ANA: &str = "U0ANA";
const BOB: &str = "U0BOB";

/// ME (London) with ANA on the map, a check-in, a heads-up naming ANA and a credit.
async fn with_history() -> TestApp {
    let app = spawn_app().await;
    app.slack.set_tz(ME, "Europe/London");
    app.state.clock.freeze(utc("2026-11-13T10:00:00Z"));
    app.say(
        ME,
        "add <@U0ANA|ana> weekly because her cut-over gates our launch",
    )
    .await;
    app.say(ME, "checkin <@U0ANA|ana> her kids are Ada and Linus")
        .await;
    app.say(
        ME,
        "headsup \"we cut mobile\" <@U0ANA|ana> before 2026-12-10 15:00",
    )
    .await;
    app.say(ME, "credit <@U0ANA|ana> shipped the cut-over")
        .await;
    app.say(ME, "context set hiring freeze").await;
    app
}

async fn rows_about_ana(app: &TestApp) -> i64 {
    app.count(
        "select (select count(*) from peer where owner_id = 'U0ME' and peer_id = 'U0ANA') \
        + (select count(*) from checkin where owner_id = 'U0ME' and peer_id = 'U0ANA') \
        + (select count(*) from credit where author_id = 'U0ME' and peer_id = 'U0ANA') \
        + (select count(*) from headsup_peer where peer_id = 'U0ANA')",
    )
    .await
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn forget_a_peer_asks_first_then_deletes_once_and_leaves_nothing_in_the_file() {
    let app = with_history().await;
    // A nudge naming ANA is queued and sent.
    app.tick("2026-11-20T09:00:00Z").await;
    assert_eq!(app.slack.dms().len(), 1);
    assert!(contains(&stored_bytes(&app).await, ANA));

    let ask = app.slash(ME, "forget <@U0ANA|ana>").await;
    assert!(
        ask["text"].as_str().unwrap().contains("cannot be undone"),
        "{ask}"
    );
    let token = confirm_token(&ask);
    assert!(rows_about_ana(&app).await > 0, "asking deletes nothing");

    // Another user pressing it deletes nothing.
    let other = press_confirm(&app, BOB, &token).await;
    assert!(other.contains("not yours"), "{other}");
    assert_eq!(rows_about_ana(&app).await, 4);

    let done = press_confirm(&app, ME, &token).await;
    assert!(done.contains("Deleted everything you kept about"), "{done}");
    for part in [
        "map entries: 1",
        "check-ins: 1",
        "credits: 1",
        "heads-ups: 1",
        "messages: 1",
    ] {
        assert!(done.contains(part), "{part} in {done}");
    }
    assert_eq!(rows_about_ana(&app).await, 0);
    assert_eq!(app.count("select count(*) from headsup").await, 0);
    assert_eq!(app.count("select count(*) from delivery").await, 0);
    // The context is ME's own, not about ANA: it stays.
    assert_eq!(app.count("select count(*) from context").await, 1);

    // A second press: clear error, nothing more deleted.
    let again = press_confirm(&app, ME, &token).await;
    assert!(again.contains("already used"), "{again}");

    // Nothing of ANA is left in the database file, and nothing about them is sent later.
    assert!(
        !contains(&stored_bytes(&app).await, ANA),
        "ANA's id is still in the file"
    );
    app.tick("2026-12-20T09:00:00Z").await;
    assert!(
        app.slack
            .dms()
            .iter()
            .skip(1)
            .all(|d| !d.to_string().contains(ANA)),
        "nothing about ANA is sent later"
    );
}

#[tokio::test]
async fn forget_refuses_strangers_and_expired_confirmations_deleting_nothing() {
    let app = with_history().await;
    let stranger = app.say(ME, "forget <@U0ZED|zed>").await;
    assert!(stranger.contains("not on your map"), "{stranger}");
    assert_eq!(app.count("select count(*) from forget_request").await, 0);
    let bad = app.say(ME, "forget ana").await;
    assert!(bad.contains("/peer forget"), "{bad}");

    let token = confirm_token(&app.slash(ME, "forget me").await);
    app.state.clock.freeze(utc("2026-11-13T10:11:00Z"));
    let late = press_confirm(&app, ME, &token).await;
    assert!(late.contains("expired"), "{late}");
    assert_eq!(rows_about_ana(&app).await, 4);
    let forged = press_confirm(&app, ME, "00ff").await;
    assert!(forged.contains("Nothing"), "{forged}");
}

#[tokio::test]
async fn forget_me_deletes_every_owned_row_and_nothing_is_sent_later() {
    let app = with_history().await;
    app.say(ME, "settings hours 8-16").await;
    // BOB keeps ANA and ME on his map; the same user id in another workspace is someone else.
    app.say(BOB, "add <@U0ANA|ana> weekly because BOBREASON")
        .await;
    app.say(BOB, "add <@U0ME|me> weekly").await;
    let body =
        TestApp::slash_body(ME, "add <@U0ANA> quarterly").replace("team_id=T0001", "team_id=T0002");
    app.post_signed(
        "/slack/commands",
        "application/x-www-form-urlencoded",
        &body,
        Some(chrono::Utc::now().timestamp()),
    )
    .await;
    app.tick("2026-11-20T09:00:00Z").await;
    // A snooze, a joint escalation ME started and one BOB started with ME.
    app.say(ME, "snooze <@U0ANA|ana> 3 days").await;
    app.say(ME, "escalate <@U0ANA|ana> the freeze").await;
    app.say(BOB, "escalate <@U0ME|me> the on-call split").await;
    assert_eq!(app.count("select count(*) from snooze_log").await, 1);
    assert_eq!(app.count("select count(*) from escalation_side").await, 4);

    let token = confirm_token(&app.slash(ME, "forget me").await);
    let done = press_confirm(&app, ME, &token).await;
    assert!(
        done.contains("Deleted everything Sideways kept for you"),
        "{done}"
    );
    assert!(
        done.contains("settings: 1") && done.contains("published context: 1"),
        "{done}"
    );

    for t in sideways::store::OWNED {
        let sql = format!(
            "select count(*) from {} where team_id = 'T0001' and {} = 'U0ME'",
            t.table, t.owner
        );
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_one(app.sql().await)
            .await
            .unwrap();
        assert_eq!(n, 0, "{} still holds ME's rows", t.table);
    }
    assert_eq!(app.count("select count(*) from headsup_peer").await, 0);
    // ME's document went with ANA's side of it; BOB's stays, without ME's side.
    assert_eq!(app.count("select count(*) from escalation").await, 1);
    assert_eq!(app.count("select count(*) from escalation_side").await, 1);
    // BOB's map and the other workspace are untouched.
    assert_eq!(
        app.count("select count(*) from peer where owner_id = 'U0BOB'")
            .await,
        2
    );
    assert_eq!(
        app.count("select count(*) from peer where team_id = 'T0002'")
            .await,
        1
    );

    let before: Vec<Value> = app.slack.dms();
    app.tick("2026-12-20T09:00:00Z").await;
    let after = app.slack.dms();
    assert!(
        after[before.len()..].iter().all(|d| d["channel"] != ME),
        "nothing is sent to ME after forget me"
    );
}

#[tokio::test]
async fn export_dms_a_decrypted_json_file_of_only_the_callers_data() {
    let app = with_history().await;
    app.say(BOB, "add <@U0ANA|ana> weekly because BOBREASON")
        .await;
    app.say(BOB, "credit <@U0ME|me> BOBCREDIT").await;

    let reply = app.say(ME, "export").await;
    let methods: Vec<String> = [
        "conversations.open",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    .iter()
    .map(|m| format!("{m}: {}", app.slack.calls(m).len()))
    .collect();
    assert!(reply.contains("in a DM"), "{reply} {methods:?}");
    assert_eq!(app.slack.calls("files.upload").len(), 0);
    assert_eq!(app.slack.calls("files.getUploadURLExternal").len(), 1);
    let files = app.slack.files();
    assert_eq!(files.len(), 1);
    let (channel, bytes) = &files[0];
    assert_eq!(channel, "D0ME", "shared into ME's DM");
    let doc: Value = serde_json::from_slice(bytes).unwrap();
    let text = doc.to_string();
    for kept in [
        "her cut-over gates our launch",
        "her kids are Ada and Linus",
        "we cut mobile",
        "shipped the cut-over",
        "hiring freeze",
    ] {
        assert!(text.contains(kept), "{kept} missing from {text}");
    }
    assert_eq!(doc["tables"]["peer"].as_array().unwrap().len(), 1);
    assert!(
        !text.contains("BOBREASON") && !text.contains("BOBCREDIT"),
        "{text}"
    );
    assert!(!text.contains(BOB));

    // BOB's export holds none of ME's.
    app.say(BOB, "export").await;
    let bob = String::from_utf8(app.slack.files()[1].1.clone()).unwrap();
    assert!(bob.contains("BOBREASON"));
    assert!(
        !bob.contains("Ada and Linus") && !bob.contains("hiring freeze"),
        "{bob}"
    );
}

fn select_successor(
    app: &TestApp,
    user: &str,
    msg: &serde_json::Value,
    gone: &str,
    next: &str,
) -> serde_json::Value {
    block_action(
        app,
        user,
        msg,
        serde_json::json!({"action_id": "sw_successor", "block_id": format!("successor:{gone}"),
            "type": "users_select", "selected_user": next, "action_ts": "1700000005.194939"}),
    )
}

/// A peer who leaves the workspace: every owner who had them is told once, in working hours,
/// with a successor picker that adds the successor with the same reason and cadence; the
/// departed peer is never nudged about again and stays read-only in `/peer map all`.
#[tokio::test]
async fn a_departed_peer_is_never_nudged_again_and_owners_pick_a_successor() {
    let app = spawn_app().await;
    app.slack.set_tz("U0ME", "Europe/London");
    app.state.clock.freeze(utc("2026-11-20T10:00:00Z"));
    app.say(
        "U0ME",
        "add <@U0GONE> weekly because her platform gates our launch",
    )
    .await;
    app.say("U0ME", "add <@U0RAJ> monthly").await;
    app.say("U0BOB", "add <@U0GONE> biweekly").await;
    // Friday evening: Slack says the account was deactivated.
    app.state.clock.freeze(utc("2026-11-20T19:00:00Z"));
    let gone = serde_json::json!({"type": "event_callback", "team_id": TEAM, "event_id": "EvGone1",
        "event_time": 1, "event": {"type": "user_change",
        "user": {"id": "U0GONE", "team_id": TEAM, "deleted": true}}});
    assert_eq!(app.event(&gone, None).await.status(), 200);
    assert_eq!(app.event(&gone, Some(1)).await.status(), 200);
    app.settle().await;
    let map = app.say("U0ME", "map").await;
    assert!(!map.contains("U0GONE"), "{map}");
    // Not told outside working hours; told once on Monday morning, each owner.
    assert!(
        app.tick("2026-11-21T12:00:00Z").await.is_empty(),
        "Saturday"
    );
    let sent = app.tick("2026-11-23T09:00:00Z").await;
    assert_eq!(
        sent.iter()
            .filter(|l| l.contains("left the workspace"))
            .count(),
        2,
        "{sent:?}"
    );
    let mine: Vec<serde_json::Value> = app
        .slack
        .dms()
        .into_iter()
        .filter(|d| d["channel"] == "U0ME" && d["text"].as_str().unwrap().contains("has left"))
        .collect();
    assert_eq!(mine.len(), 1);
    let text = mine[0]["text"].as_str().unwrap();
    assert!(text.contains("her platform gates our launch"), "{text}");
    assert!(mine[0]["blocks"].to_string().contains("users_select"));
    // Never nudged about again, whatever the passes.
    for at in [
        "2026-11-23T10:00:00Z",
        "2026-11-30T09:00:00Z",
        "2026-12-28T09:00:00Z",
    ] {
        app.tick(at).await;
    }
    for d in app.slack.dms() {
        let t = d["text"].as_str().unwrap();
        assert!(
            !t.contains("Due for a check-in") || !t.contains("U0GONE"),
            "nudged about a departed peer: {t}"
        );
    }
    assert_eq!(
        app.slack
            .dms()
            .iter()
            .filter(|d| d["text"].as_str().unwrap().contains("has left"))
            .count(),
        2,
        "told once each"
    );
    // The successor, picked from the message: same reason and cadence.
    app.state.clock.freeze(utc("2026-12-28T10:00:00Z"));
    let pick = select_successor(&app, "U0ME", &mine[0], "U0GONE", "U0NEXT");
    assert_eq!(app.interact(&pick).await.status(), 200);
    app.settle().await;
    let map = app.say("U0ME", "map").await;
    assert!(
        map.contains("<@U0NEXT>") && map.contains("her platform gates our launch"),
        "{map}"
    );
    assert!(map.contains("weekly"), "{map}");
    // History stays, read-only.
    let all = app.say("U0ME", "map all").await;
    assert!(
        all.contains("*Left the workspace*") && all.contains("<@U0GONE>"),
        "{all}"
    );
    // Another user's picker cannot act on my departed peer.
    let theirs = select_successor(&app, "U0EVE", &mine[0], "U0GONE", "U0X");
    app.interact(&theirs).await;
    app.settle().await;
    let eve = app.say("U0EVE", "map").await;
    assert!(eve.contains("Your map is empty"), "{eve}");
}
