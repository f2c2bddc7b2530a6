//! Slack's inbound payloads parsed into the service's typed values, once, here: slash command
//! forms, interaction payloads (`block_actions`, `view_submission`) and Events API callbacks.
//! HTTP and Socket Mode both come through these functions. What is not ours, stale or forged
//! becomes [`Action::Stale`] or [`Parsed::Ack`], never an error status.

use super::blocks::{FormMeta, action};
use crate::commands::checkin::CheckinForm;
use crate::domain::{TeamId, UserId};
use crate::outbound::MessageRef;
use crate::service::{Action, Answers, ButtonAction, Event, Request};
use chrono::NaiveDate;
use serde_json::Value;

/// The fields of a slash command that Sideways reads; Slack sends more, which are ignored.
#[derive(Debug, serde::Deserialize)]
pub struct SlashForm {
    pub team_id: Option<String>,
    pub user_id: Option<String>,
    pub command: Option<String>,
    pub text: Option<String>,
    pub trigger_id: Option<String>,
}

/// A slash command as a request; `None` when the workspace or user cannot be told.
pub fn command(form: SlashForm) -> Option<Request> {
    let team = form.team_id.as_deref().and_then(TeamId::parse)?;
    let user = form.user_id.as_deref().and_then(UserId::parse)?;
    if form.command.as_deref().is_some_and(|c| c != "/peer") {
        tracing::debug!(command = ?form.command, "command under another name; treating it as /peer");
    }
    Some(Request {
        team,
        user,
        action: Action::Command {
            text: form.text.unwrap_or_default(),
            trigger: form.trigger_id.filter(|t| !t.is_empty()),
        },
    })
}

/// An interaction payload, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// Something to act on for the user who acted.
    Act(Box<Request>),
    /// A form closed, a select opened, or any other payload that needs only an ack.
    Ack,
    /// Ours in shape but not from a known workspace and user: answered privately if it can be.
    Stale { response_url: Option<String> },
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

/// `view.state.values[block].value` as text input, trimmed; `None` when empty.
fn text_value(values: &Value, block: &str) -> Option<String> {
    values
        .pointer(&format!("/{block}/value/value"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

fn checkin_form(values: &Value) -> CheckinForm {
    let flags: Vec<&str> = values
        .pointer("/flags/value/selected_options")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|o| str_at(o, "/value")).collect())
        .unwrap_or_default();
    CheckinForm {
        held_on: values
            .pointer("/date/value/selected_date")
            .and_then(Value::as_str)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        coffee: flags.contains(&"coffee"),
        status_sync: flags.contains(&"status_sync"),
        notes: text_value(values, "notes"),
        constraint: text_value(values, "constraint"),
        boss: text_value(values, "boss"),
        fire: text_value(values, "fire"),
        offer: text_value(values, "offer"),
    }
}

/// Reads an interaction payload; `None` when it is not an interaction payload at all.
pub fn interaction(v: &Value) -> Option<Parsed> {
    let kind = str_at(v, "/type")?;
    let response_url = str_at(v, "/response_url").map(String::from);
    let stale = || Parsed::Stale {
        response_url: response_url.clone(),
    };
    Some(match kind {
        "block_actions" => {
            let Some((team, user)) = ids(v) else {
                return Some(stale());
            };
            let act = v.pointer("/actions/0");
            let parsed = act.and_then(|a| {
                button_action(str_at(a, "/action_id")?, str_at(a, "/value").unwrap_or(""))
            });
            let action = match parsed {
                None => Action::Stale {
                    response_url: response_url.clone(),
                },
                Some(action) => {
                    let message = match str_at(v, "/container/type") {
                        Some("message") => Some(MessageRef {
                            channel: str_at(v, "/container/channel_id")?.to_string(),
                            ts: str_at(v, "/container/message_ts")?.to_string(),
                        }),
                        _ => None,
                    };
                    Action::Button {
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
            };
            Parsed::Act(Box::new(Request { team, user, action }))
        }
        "view_submission" => {
            let callback = str_at(v, "/view/callback_id").unwrap_or_default();
            let meta = str_at(v, "/view/private_metadata")
                .and_then(|m| serde_json::from_str::<FormMeta>(m).ok());
            let (Some((team, user)), Some(meta)) = (ids(v), meta) else {
                return Some(stale());
            };
            let view_id = str_at(v, "/view/id").unwrap_or_default().to_string();
            let empty = Value::Object(Default::default());
            let values = v.pointer("/view/state/values").unwrap_or(&empty);
            let answers = match callback {
                action::CHECKIN_FORM => Answers::Checkin(checkin_form(values)),
                action::SNOOZE_FORM => Answers::Snooze {
                    days: values
                        .pointer("/length/value/selected_option/value")
                        .and_then(Value::as_str)
                        .and_then(|d| d.parse().ok()),
                    reason: text_value(values, "reason"),
                },
                _ => return Some(stale()),
            };
            let action = Action::Submit {
                view_id,
                peer: meta.peer,
                from: meta.from,
                answers,
            };
            Parsed::Act(Box::new(Request { team, user, action }))
        }
        _ => Parsed::Ack,
    })
}

/// An Events API callback: its workspace, its `event_id` and what happened. `None` when no
/// workspace can be told.
pub fn event_callback(v: &Value) -> Option<(TeamId, Option<String>, Event)> {
    let team = str_at(v, "/team_id").and_then(TeamId::parse)?;
    let id = str_at(v, "/event_id").map(String::from);
    let event = match str_at(v, "/event/type").unwrap_or("?") {
        "app_home_opened" => {
            let tab = str_at(v, "/event/tab").unwrap_or("home");
            match (str_at(v, "/event/user").and_then(UserId::parse), tab) {
                (Some(user), "home") => Event::HomeOpened(user),
                _ => Event::Ignored,
            }
        }
        "app_uninstalled" | "tokens_revoked" => Event::AccessEnded,
        "user_change" => {
            let deleted = v.pointer("/event/user/deleted").and_then(Value::as_bool) == Some(true);
            match (deleted, str_at(v, "/event/user/id").and_then(UserId::parse)) {
                (true, Some(user)) => Event::UserDeleted(user),
                _ => Event::Ignored,
            }
        }
        kind => {
            tracing::debug!(event = kind, "event ignored");
            Event::Ignored
        }
    };
    Some((team, id, event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block_action(action_id: &str, value: &str) -> Value {
        json!({"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1", "team_id": "T1"},
            "trigger_id": "1.2.3", "container": {"type": "message", "channel_id": "D1", "message_ts": "1.1"},
            "response_url": "https://hooks.slack.com/actions/x",
            "actions": [{"action_id": action_id, "block_id": "due.U2", "value": value, "type": "button"}]})
    }

    fn action_of(p: Option<Parsed>) -> Action {
        match p {
            Some(Parsed::Act(r)) => r.action,
            other => panic!("not an action: {other:?}"),
        }
    }

    #[test]
    fn buttons_parse_into_typed_actions() {
        let Action::Button {
            action, message, ..
        } = action_of(interaction(&block_action(action::WE_TALKED, "U2")))
        else {
            panic!()
        };
        assert_eq!(action, ButtonAction::WeTalked(UserId::parse("U2").unwrap()));
        assert_eq!(message.unwrap().channel, "D1");
        let Action::Button { action, .. } =
            action_of(interaction(&block_action(action::HEARD_NO, "3:U2")))
        else {
            panic!()
        };
        assert_eq!(
            action,
            ButtonAction::Heard(3, UserId::parse("U2").unwrap(), false)
        );
    }

    #[test]
    fn forged_or_unknown_values_are_stale_not_errors() {
        for (a, v) in [
            (action::WE_TALKED, "not-a-user"),
            (action::TOLD, "U2"),
            (action::TOLD, "0:U2"),
            ("someone_elses_action", "U2"),
        ] {
            assert!(
                matches!(
                    action_of(interaction(&block_action(a, v))),
                    Action::Stale { .. }
                ),
                "{a} {v}"
            );
        }
        assert_eq!(
            interaction(&json!({"type": "view_closed"})),
            Some(Parsed::Ack)
        );
        assert_eq!(interaction(&json!({"no": "type"})), None);
    }

    #[test]
    fn events_parse_into_typed_events() {
        let v = json!({"type": "event_callback", "team_id": "T1", "event_id": "Ev1",
            "event": {"type": "app_home_opened", "user": "U1", "tab": "messages"}});
        assert_eq!(
            event_callback(&v),
            Some((
                TeamId::parse("T1").unwrap(),
                Some("Ev1".into()),
                Event::Ignored
            ))
        );
        let v = json!({"type": "event_callback", "team_id": "T1",
            "event": {"type": "user_change", "user": {"id": "U2", "deleted": true}}});
        assert_eq!(
            event_callback(&v).map(|e| e.2),
            Some(Event::UserDeleted(UserId::parse("U2").unwrap()))
        );
    }
}
