//! `POST /slack/interactions` (and Socket Mode's `interactive` envelopes): buttons on nudges,
//! heads-up reminders and the App Home, and the check-in and snooze forms.
//!
//! A payload is parsed into a typed [`Interaction`] first; anything unknown, stale or forged
//! (a button naming a peer not on the actor's map, a message not sent to the actor) gets a
//! polite private answer and changes nothing. A control already used (a second tap, or Slack
//! delivering the payload again) is recognised by the message's `done` record and changes
//! nothing either. <https://docs.slack.dev/interactivity/handling-user-interaction>

use super::blocks::{FormMeta, action};
use crate::app::AppState;
use crate::commands::checkin::log;
use crate::commands::{Ctx, Reply, Snooze, SnoozeFor, Told};
use crate::domain::{Agenda, CheckinEntry, Owner, TeamId, UserId};
use crate::error::{AppError, UsageError};
use crate::messenger::{Form, MessageRef, Notice, Surface};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(serde::Deserialize)]
struct FormBody {
    payload: String,
}

/// What a button asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum ButtonAction {
    LogCheckin(UserId),
    WeTalked(UserId),
    Snooze(UserId),
    Skip(UserId),
    Told(i64, UserId),
    Heard(i64, UserId, bool),
}

/// An interaction payload, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Interaction {
    Button {
        team: TeamId,
        user: UserId,
        action: ButtonAction,
        block_id: String,
        trigger: Option<String>,
        /// The message the button is on (absent for App Home buttons).
        message: Option<MessageRef>,
        response_url: Option<String>,
    },
    Submit {
        team: TeamId,
        user: UserId,
        view_id: String,
        callback: String,
        meta: FormMeta,
        values: Value,
    },
    /// A form closed, a select opened, or any other payload that needs only an ack.
    Ack,
    /// A well-formed payload whose action is not one of ours, or whose values are forged.
    Unknown { response_url: Option<String> },
}

fn str_at<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    v.pointer(path).and_then(Value::as_str)
}

fn ids(v: &Value) -> Option<(TeamId, UserId)> {
    let team = str_at(v, "/team/id")
        .or_else(|| str_at(v, "/user/team_id"))
        .and_then(TeamId::parse)?;
    let user = str_at(v, "/user/id").and_then(UserId::parse)?;
    Some((team, user))
}

/// `"3:U123"` → (3, U123).
fn numbered(value: &str) -> Option<(i64, UserId)> {
    let (n, u) = value.split_once(':')?;
    Some((n.parse().ok().filter(|n| *n > 0)?, UserId::parse(u)?))
}

fn button_action(action_id: &str, value: &str) -> Option<ButtonAction> {
    let peer = || UserId::parse(value);
    Some(match action_id {
        action::LOG_CHECKIN => ButtonAction::LogCheckin(peer()?),
        action::WE_TALKED => ButtonAction::WeTalked(peer()?),
        action::SNOOZE => ButtonAction::Snooze(peer()?),
        action::SKIP => ButtonAction::Skip(peer()?),
        action::TOLD => {
            let (n, p) = numbered(value)?;
            ButtonAction::Told(n, p)
        }
        action::HEARD_YES | action::HEARD_NO => {
            let (n, p) = numbered(value)?;
            ButtonAction::Heard(n, p, action_id == action::HEARD_YES)
        }
        _ => return None,
    })
}

impl Interaction {
    /// Reads a payload; `None` when it is not an interaction payload at all.
    pub fn parse(v: &Value) -> Option<Interaction> {
        let kind = str_at(v, "/type")?;
        let response_url = str_at(v, "/response_url").map(String::from);
        Some(match kind {
            "block_actions" => {
                let Some((team, user)) = ids(v) else {
                    return Some(Interaction::Unknown { response_url });
                };
                let act = v.pointer("/actions/0");
                let parsed = act.and_then(|a| {
                    button_action(str_at(a, "/action_id")?, str_at(a, "/value").unwrap_or(""))
                });
                let Some(action) = parsed else {
                    return Some(Interaction::Unknown { response_url });
                };
                let message = match str_at(v, "/container/type") {
                    Some("message") => Some(MessageRef {
                        channel: str_at(v, "/container/channel_id")?.to_string(),
                        ts: str_at(v, "/container/message_ts")?.to_string(),
                    }),
                    _ => None,
                };
                Interaction::Button {
                    team,
                    user,
                    action,
                    block_id: act
                        .and_then(|a| str_at(a, "/block_id"))
                        .unwrap_or_default()
                        .to_string(),
                    trigger: str_at(v, "/trigger_id").map(String::from),
                    message,
                    response_url,
                }
            }
            "view_submission" => {
                let callback = str_at(v, "/view/callback_id").unwrap_or_default();
                let meta = str_at(v, "/view/private_metadata")
                    .and_then(|m| serde_json::from_str::<FormMeta>(m).ok());
                match (ids(v), meta) {
                    (Some((team, user)), Some(meta))
                        if [action::CHECKIN_FORM, action::SNOOZE_FORM].contains(&callback) =>
                    {
                        Interaction::Submit {
                            team,
                            user,
                            view_id: str_at(v, "/view/id").unwrap_or_default().to_string(),
                            callback: callback.to_string(),
                            meta,
                            values: v
                                .pointer("/view/state/values")
                                .cloned()
                                .unwrap_or(json!({})),
                        }
                    }
                    _ => Interaction::Unknown { response_url },
                }
            }
            _ => Interaction::Ack,
        })
    }
}

/// The HTTP adapter: 400 for what is not an interaction payload, otherwise the answer.
pub(super) async fn interaction(State(app): State<AppState>, body: Bytes) -> Response {
    let parsed = serde_urlencoded::from_bytes::<FormBody>(&body)
        .ok()
        .and_then(|f| serde_json::from_str::<Value>(&f.payload).ok());
    let Some(v) = parsed else {
        return (StatusCode::BAD_REQUEST, "not an interaction payload").into_response();
    };
    match handle(&app, &v).await {
        Some(Ok(body)) => Json(body).into_response(),
        Some(Err(())) => StatusCode::OK.into_response(),
        None => (StatusCode::BAD_REQUEST, "not an interaction payload").into_response(),
    }
}

/// Handles a payload from either transport. `None`: not an interaction payload; `Some(Err)`:
/// acknowledge with an empty body; `Some(Ok(body))`: acknowledge with this body.
pub async fn handle(app: &AppState, v: &Value) -> Option<Result<Value, ()>> {
    let interaction = Interaction::parse(v)?;
    Some(match interaction {
        Interaction::Ack => Err(()),
        Interaction::Unknown { response_url } => {
            tell(app, None, response_url, STALE.into());
            Err(())
        }
        Interaction::Button {
            team,
            user,
            action,
            block_id,
            trigger,
            message,
            response_url,
        } => {
            button(
                app,
                &team,
                &user,
                action,
                &block_id,
                trigger,
                message,
                response_url,
            )
            .await;
            Err(())
        }
        Interaction::Submit {
            team,
            user,
            view_id,
            callback,
            meta,
            values,
        } => submit(app, &team, &user, &view_id, &callback, meta, &values).await,
    })
}

const STALE: &str = "That button is not one I can act on any more (it may be from an old message). \
Nothing was changed. `/peer map` shows where things stand.";

/// A private answer to the user who acted, in the background.
fn tell(app: &AppState, team: Option<&TeamId>, response_url: Option<String>, text: String) {
    let Some(response_url) = response_url else {
        return;
    };
    let (state, team) = (app.clone(), team.cloned());
    app.in_background(async move {
        let app = state;
        let team = team.unwrap_or_else(|| TeamId::parse("T0").expect("valid id"));
        let surface = Surface::Ephemeral { response_url, text };
        if let Err(e) = app.messenger.show(&team, surface).await {
            tracing::warn!(error = %e, "could not answer through response_url");
        }
    });
}

/// Redraws the message a control was used on, in the background.
fn redraw(
    app: &AppState,
    team: &TeamId,
    at: MessageRef,
    notice: Notice,
    done: BTreeMap<String, String>,
) {
    let (state, team) = (app.clone(), team.clone());
    app.in_background(async move {
        let app = state;
        let surface = Surface::Replace {
            at,
            notice: Box::new(notice),
            done,
        };
        if let Err(e) = app.messenger.show(&team, surface).await {
            tracing::warn!(error = %e, "could not update the message");
        }
    });
}

/// Marks `block` of the message done and redraws it.
async fn mark_done(app: &AppState, owner: &Owner, at: &MessageRef, block: &str, label: &str) {
    let sent = match app.store.sent_message(owner, &at.channel, &at.ts).await {
        Ok(Some(s)) => s,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(error = %e, "reading a sent message failed");
            return;
        }
    };
    if let Err(e) = app.store.mark_block_done(sent.id, block, label).await {
        tracing::error!(error = %e, "recording a used control failed");
        return;
    }
    let Ok(notice) = serde_json::from_str::<Notice>(&sent.payload) else {
        return;
    };
    let mut done = sent.done;
    done.insert(block.to_string(), label.to_string());
    redraw(app, &owner.team, at.clone(), notice, done);
}

fn reply_text(r: Result<Reply, AppError>) -> Result<String, String> {
    r.map(|r| r.text).map_err(|e| e.user_text())
}

#[allow(clippy::too_many_arguments)]
async fn button(
    app: &AppState,
    team: &TeamId,
    user: &UserId,
    action: ButtonAction,
    block_id: &str,
    trigger: Option<String>,
    message: Option<MessageRef>,
    response_url: Option<String>,
) {
    let now = app.clock.now();
    let actor = match app.actor(team, user, now).await {
        Ok(a) => a,
        Err(e) => return tell(app, Some(team), response_url, e.user_text()),
    };
    // A control on a message must be on a message sent to this user, and not used yet.
    if let Some(at) = &message {
        match app
            .store
            .sent_message(&actor.owner, &at.channel, &at.ts)
            .await
        {
            Ok(Some(sent)) => {
                if let Some(label) = sent.done.get(block_id) {
                    return tell(
                        app,
                        Some(team),
                        response_url,
                        format!("Already done: {label}. Nothing changed."),
                    );
                }
            }
            Ok(None) => return tell(app, Some(team), response_url, STALE.into()),
            Err(e) => {
                return tell(app, Some(team), response_url, AppError::from(e).user_text());
            }
        }
    }
    let ctx = actor.ctx(app, now);
    let outcome: Result<(String, String), String> = match &action {
        ButtonAction::LogCheckin(peer) | ButtonAction::Snooze(peer) => {
            if let Err(e) = ctx.require_peer_here(peer).await {
                return tell(app, Some(team), response_url, e.user_text());
            }
            let form = match action {
                ButtonAction::LogCheckin(_) => Form::Checkin {
                    peer: peer.clone(),
                    today: ctx.today(),
                    from: message.clone(),
                },
                _ => Form::Snooze {
                    peer: peer.clone(),
                    from: message.clone(),
                },
            };
            let Some(trigger) = trigger else {
                return tell(app, Some(team), response_url, STALE.into());
            };
            let r = app.open_form(team, &trigger, form).await;
            if !r.text.is_empty() {
                tell(app, Some(team), response_url, r.text);
            }
            // The message is marked done when the form is submitted.
            return;
        }
        ButtonAction::WeTalked(peer) => we_talked(&ctx, peer).await,
        ButtonAction::Skip(peer) => skip(&ctx, peer).await,
        ButtonAction::Told(n, peer) => reply_text(
            Told {
                peer: peer.clone(),
                number: Some(*n),
                late: false,
            }
            .run(&ctx)
            .await,
        )
        .map(|t| (format!("{}: told", peer.mention()), t)),
        ButtonAction::Heard(n, peer, first) => reply_text(
            Told {
                peer: peer.clone(),
                number: Some(*n),
                late: !first,
            }
            .run(&ctx)
            .await,
        )
        .map(|t| {
            let how = if *first {
                "heard it from you first"
            } else {
                "heard it in the room"
            };
            (format!("{}: {how}", peer.mention()), t)
        }),
    };
    match outcome {
        Ok((label, _)) => {
            if let Some(at) = &message {
                mark_done(app, &actor.owner, at, block_id, &label).await;
            }
            app.refresh_home(&actor.owner, now);
        }
        Err(text) => tell(app, Some(team), response_url, text),
    }
}

/// "We talked": a quick contact today. Already logged today: nothing changes.
async fn we_talked(ctx: &Ctx<'_>, peer: &UserId) -> Result<(String, String), String> {
    let p = ctx
        .require_peer_here(peer)
        .await
        .map_err(|e| e.user_text())?;
    if p.last_contact == Some(ctx.today()) {
        return Ok(("We talked (already logged today)".into(), String::new()));
    }
    let entry = CheckinEntry {
        held_on: ctx.today(),
        ..Default::default()
    };
    reply_text(log(ctx, peer, &entry).await).map(|t| ("We talked: logged today".into(), t))
}

/// "Skip this cycle": no nudges about them until one cadence from today.
async fn skip(ctx: &Ctx<'_>, peer: &UserId) -> Result<(String, String), String> {
    let p = ctx
        .require_peer_here(peer)
        .await
        .map_err(|e| e.user_text())?;
    let today = ctx.today();
    let until = p.cadence.after(today, 1);
    if p.snoozed_until.is_some_and(|s| s >= until) {
        return Ok(("Skipped this cycle".into(), String::new()));
    }
    reply_text(
        Snooze {
            peer: peer.clone(),
            for_: SnoozeFor::Days(u32::try_from((until - today).num_days()).unwrap_or(7)),
            reason: Some("skipped this cycle".into()),
        }
        .run(ctx)
        .await,
    )
    .map(|t| ("Skipped this cycle".into(), t))
}

/// `view.state.values[block].value` as text input, trimmed; `None` when empty.
fn text_value(values: &Value, block: &str) -> Option<String> {
    values
        .pointer(&format!("/{block}/value/value"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

fn errors(map: &[(&str, String)]) -> Result<Value, ()> {
    let errs: serde_json::Map<String, Value> =
        map.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    Ok(json!({"response_action": "errors", "errors": errs}))
}

/// A modal that replaces the form to confirm what was saved.
fn confirmed(title: &str, text: &str) -> Result<Value, ()> {
    Ok(json!({"response_action": "update", "view": {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }}))
}

const FIELD_MAX: usize = 4000;

async fn submit(
    app: &AppState,
    team: &TeamId,
    user: &UserId,
    view_id: &str,
    callback: &str,
    meta: FormMeta,
    values: &Value,
) -> Result<Value, ()> {
    let now = app.clock.now();
    let actor = match app.actor(team, user, now).await {
        Ok(a) => a,
        Err(e) => return errors(&[(first_block(callback), e.user_text())]),
    };
    let ctx = actor.ctx(app, now);
    let today = ctx.today();
    let (entry_or_snooze, label) = if callback == action::CHECKIN_FORM {
        let flags: Vec<&str> = values
            .pointer("/flags/value/selected_options")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|o| str_at(o, "/value")).collect())
            .unwrap_or_default();
        let held_on = values
            .pointer("/date/value/selected_date")
            .and_then(Value::as_str)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .unwrap_or(today);
        let entry = CheckinEntry {
            held_on,
            coffee: flags.contains(&"coffee"),
            notes: text_value(values, "notes"),
            agenda: Agenda {
                constraint: text_value(values, "constraint"),
                boss: text_value(values, "boss"),
                fire: text_value(values, "fire"),
            },
            offer: text_value(values, "offer"),
            status_sync: flags.contains(&"status_sync"),
        };
        let mut problems = Vec::new();
        if held_on > today {
            problems.push((
                "date",
                "That date is in the future: log a check-in once it has happened.".to_string(),
            ));
        }
        if entry.notes.is_none()
            && entry.agenda.is_empty()
            && entry.offer.is_none()
            && flags.is_empty()
        {
            problems.push((
                "notes",
                "The form is empty: write what you learnt about their world, or tick what the check-in was.".to_string(),
            ));
        }
        for (block, text) in [
            ("notes", &entry.notes),
            ("constraint", &entry.agenda.constraint),
            ("boss", &entry.agenda.boss),
            ("fire", &entry.agenda.fire),
            ("offer", &entry.offer),
        ] {
            if text.as_ref().is_some_and(|t| t.chars().count() > FIELD_MAX) {
                problems.push((block, format!("At most {FIELD_MAX} characters, please.")));
            }
        }
        if !problems.is_empty() {
            return errors(&problems);
        }
        let label = if entry.coffee {
            "Coffee logged"
        } else {
            "Check-in logged"
        };
        (Ok(entry), label)
    } else {
        let days: u32 = values
            .pointer("/length/value/selected_option/value")
            .and_then(Value::as_str)
            .and_then(|d| d.parse().ok())
            .filter(|d| [3, 7, 14].contains(d))
            .unwrap_or(0);
        if days == 0 {
            return errors(&[("length", "Pick how long: 3 days, 1 week or 2 weeks.".into())]);
        }
        (Err((days, text_value(values, "reason"))), "Snoozed")
    };
    // Slack may deliver the same submission again: the first one counts. If it fails, the
    // sighting is withdrawn so the user can correct and submit again.
    let sighting = format!("view:{view_id}");
    match app.store.first_sighting(team, &sighting, now).await {
        Ok(true) => {}
        Ok(false) => return Ok(json!({"response_action": "clear"})),
        Err(e) => return errors(&[(first_block(callback), AppError::from(e).user_text())]),
    }
    let result = match entry_or_snooze {
        Ok(entry) => log(&ctx, &meta.peer, &entry).await,
        Err((days, reason)) => {
            Snooze {
                peer: meta.peer.clone(),
                for_: SnoozeFor::Days(days),
                reason,
            }
            .run(&ctx)
            .await
        }
    };
    if result.is_err()
        && let Err(e) = app.store.forget_sighting(team, &sighting).await
    {
        tracing::error!(error = %e, "could not withdraw a form sighting");
    }
    match result {
        Ok(reply) => {
            if let Some(at) = &meta.from {
                let label = format!("{label} for {}", meta.peer.mention());
                mark_done(
                    app,
                    &actor.owner,
                    at,
                    &super::blocks::due_block(&meta.peer),
                    &label,
                )
                .await;
            }
            app.refresh_home(&actor.owner, now);
            confirmed(label, &reply.text)
        }
        Err(AppError::Usage(UsageError { problem, .. })) => {
            errors(&[(first_block(callback), problem)])
        }
        Err(e) => errors(&[(first_block(callback), e.user_text())]),
    }
}

/// The block an error with no better place is shown on.
fn first_block(callback: &str) -> &'static str {
    if callback == action::CHECKIN_FORM {
        "notes"
    } else {
        "length"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_action(action_id: &str, value: &str) -> Value {
        json!({"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1", "team_id": "T1"},
            "trigger_id": "1.2.3", "container": {"type": "message", "channel_id": "D1", "message_ts": "1.1"},
            "response_url": "https://hooks.slack.com/actions/x",
            "actions": [{"action_id": action_id, "block_id": "due.U2", "value": value, "type": "button"}]})
    }

    #[test]
    fn buttons_parse_into_typed_actions() {
        let Some(Interaction::Button {
            action, message, ..
        }) = Interaction::parse(&block_action(action::WE_TALKED, "U2"))
        else {
            panic!()
        };
        assert_eq!(action, ButtonAction::WeTalked(UserId::parse("U2").unwrap()));
        assert_eq!(message.unwrap().channel, "D1");
        let Some(Interaction::Button { action, .. }) =
            Interaction::parse(&block_action(action::HEARD_NO, "3:U2"))
        else {
            panic!()
        };
        assert_eq!(
            action,
            ButtonAction::Heard(3, UserId::parse("U2").unwrap(), false)
        );
    }

    #[test]
    fn forged_or_unknown_values_are_unknown_not_errors() {
        for (a, v) in [
            (action::WE_TALKED, "not-a-user"),
            (action::TOLD, "U2"),
            (action::TOLD, "0:U2"),
            ("someone_elses_action", "U2"),
        ] {
            assert!(
                matches!(
                    Interaction::parse(&block_action(a, v)),
                    Some(Interaction::Unknown { .. })
                ),
                "{a} {v}"
            );
        }
        assert_eq!(
            Interaction::parse(&json!({"type": "view_closed"})),
            Some(Interaction::Ack)
        );
        assert_eq!(Interaction::parse(&json!({"no": "type"})), None);
    }
}
