//! Slack's inbound payloads parsed into the service's typed values, once, here: slash command
//! forms, interaction payloads (`block_actions`, `view_submission`) and Events API callbacks.
//! HTTP and Socket Mode both come through these functions. What is not ours, stale or forged
//! becomes [`Action::Stale`] or [`Parsed::Ack`], never an error status.

use super::blocks::{FormMeta, action};
use crate::commands::checkin::CheckinForm;
use crate::commands::escalate::SideAnswers;
use crate::commands::review::ReviewAnswer;
use crate::commands::stuck::StuckAnswers;
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
        action::CONFIRM_FORGET => ButtonAction::ConfirmForget(
            Some(value)
                .filter(|v| {
                    (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_hexdigit())
                })?
                .to_string(),
        ),
        action::PREP => ButtonAction::Prep(peer()?),
        action::ESCALATION_EDIT => {
            ButtonAction::EditEscalation(value.parse().ok().filter(|n: &i64| *n > 0)?)
        }
        action::REVIEW_KEEP => ButtonAction::Review(peer()?, ReviewAnswer::Keep),
        action::REVIEW_STOP => ButtonAction::Review(peer()?, ReviewAnswer::Stop),
        action::LOOK_BACK => ButtonAction::LookBack(value.parse().ok().filter(|n: &i64| *n > 0)?),
        action::OFFER_DONE | action::OFFER_DROP => ButtonAction::CloseOffer(
            value.parse().ok().filter(|n: &i64| *n > 0)?,
            action_id == action::OFFER_DONE,
        ),
        action::TOLD => {
            let (n, p) = numbered(value)?;
            ButtonAction::Told(n, p)
        }
        action::LOAN_RETURNED | action::LOAN_WRITEOFF => {
            let n = value.parse().ok().filter(|n: &i64| *n > 0)?;
            ButtonAction::SettleLoan(n, action_id == action::LOAN_RETURNED)
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
                let id = str_at(a, "/action_id")?;
                if id == action::SUCCESSOR {
                    // A user select: the departed peer is in the block id.
                    let gone = UserId::parse(str_at(a, "/block_id")?.strip_prefix("successor:")?)?;
                    let next = UserId::parse(str_at(a, "/selected_user")?)?;
                    return Some(ButtonAction::Successor(gone, next));
                }
                if id == action::REVIEW_CADENCE {
                    // A static select: the peer is in the block id, the cadence selected.
                    let peer = UserId::parse(str_at(a, "/block_id")?.strip_prefix("review:")?)?;
                    let cadence = str_at(a, "/selected_option/value")?.parse().ok()?;
                    return Some(ButtonAction::Review(peer, ReviewAnswer::Cadence(cadence)));
                }
                if id == action::LOAN_EXTEND {
                    // A date picker: the loan's number is in the block id, the date selected.
                    let n = str_at(a, "/block_id")?
                        .strip_prefix("loan:")?
                        .parse()
                        .ok()?;
                    let date = str_at(a, "/selected_date")?.parse().ok()?;
                    return Some(ButtonAction::ExtendLoan(n, date));
                }
                button_action(id, str_at(a, "/value").unwrap_or(""))
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
                action::ESCALATION_FORM => match meta.number.filter(|n| *n > 0) {
                    Some(n) => Answers::EscalationSide(
                        n,
                        SideAnswers {
                            goal: text_value(values, "goal"),
                            cost: text_value(values, "cost"),
                            tried: text_value(values, "tried"),
                            ask: text_value(values, "ask"),
                        },
                    ),
                    None => return Some(stale()),
                },
                action::STUCK_FORM => {
                    Answers::Stuck(StuckAnswers::from_fields(|block| text_value(values, block)))
                }
                action::LOOKBACK_FORM => {
                    let Some(number) = meta.number.filter(|n| *n > 0) else {
                        return Some(stale());
                    };
                    Answers::LookBack {
                        number,
                        keep: values
                            .pointer("/keep/value/selected_option/value")
                            .and_then(Value::as_str)
                            .and_then(|v| match v {
                                "keep" => Some(true),
                                "stop" => Some(false),
                                _ => None,
                            }),
                        worked: text_value(values, "worked"),
                        change: text_value(values, "change"),
                    }
                }
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
    fn look_back_button_and_form_parse_and_forged_ones_are_stale() {
        let Action::Button { action, .. } =
            action_of(interaction(&block_action(action::LOOK_BACK, "3")))
        else {
            panic!()
        };
        assert_eq!(action, ButtonAction::LookBack(3));
        for v in ["0", "-1", "x", ""] {
            assert!(
                matches!(
                    action_of(interaction(&block_action(action::LOOK_BACK, v))),
                    Action::Stale { .. }
                ),
                "{v}"
            );
        }
        let form = |meta: Value, keep: Value| {
            json!({"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1", "team_id": "T1"},
            "view": {"id": "V1", "callback_id": action::LOOKBACK_FORM,
                "private_metadata": meta.to_string(),
                "state": {"values": {
                    "worked": {"value": {"type": "plain_text_input", "value": " pairing "}},
                    "change": {"value": {"type": "plain_text_input", "value": ""}},
                    "keep": {"value": {"type": "radio_buttons", "selected_option": keep}},
                }}}})
        };
        let Action::Submit { peer, answers, .. } = action_of(interaction(&form(
            json!({"peer": "U2", "from": null, "together": 4}),
            json!({"value": "stop"}),
        ))) else {
            panic!()
        };
        assert_eq!(peer, UserId::parse("U2").unwrap());
        assert_eq!(
            answers,
            Answers::LookBack {
                number: 4,
                keep: Some(false),
                worked: Some("pairing".into()),
                change: None,
            }
        );
        let Action::Submit { answers, .. } = action_of(interaction(&form(
            json!({"peer": "U2", "from": null, "together": 4}),
            json!({"value": "perhaps"}),
        ))) else {
            panic!()
        };
        assert!(matches!(answers, Answers::LookBack { keep: None, .. }));
        // A look-back form without its piece of work is not ours.
        assert!(matches!(
            interaction(&form(
                json!({"peer": "U2", "from": null}),
                json!({"value": "keep"})
            )),
            Some(Parsed::Stale { .. })
        ));
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

    /// Every leaf of every real sample replaced, one at a time, by hostile values: the parsers
    /// answer something or nothing, and never panic.
    #[test]
    fn hostile_variants_of_every_real_sample_never_panic() {
        fn leaves(v: &Value, path: String, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => m
                    .iter()
                    .for_each(|(k, x)| leaves(x, format!("{path}/{k}"), out)),
                Value::Array(a) => a
                    .iter()
                    .enumerate()
                    .for_each(|(i, x)| leaves(x, format!("{path}/{i}"), out)),
                _ => out.push(path),
            }
        }
        let hostile = [
            json!(""),
            json!("é"),
            json!("x".repeat(5000)),
            json!(-1),
            json!(null),
            json!({"type": "block_actions"}),
            json!(["<@U1|é>"]),
            json!("checkin:U1:é"),
        ];
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/slack/samples");
        let mut files = Vec::new();
        let mut dirs = vec![root];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).expect("samples").flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "json") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() > 50, "{} samples", files.len());
        for f in files {
            let Ok(v) = serde_json::from_str::<Value>(&std::fs::read_to_string(&f).unwrap()) else {
                continue;
            };
            let mut paths = Vec::new();
            leaves(&v, String::new(), &mut paths);
            for path in paths {
                for h in &hostile {
                    let mut m = v.clone();
                    if let Some(slot) = m.pointer_mut(&path) {
                        *slot = h.clone();
                    }
                    let _ = interaction(&m);
                    let _ = event_callback(&m);
                }
            }
        }
    }

    fn value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let key = prop_oneof![
            Just("type".to_string()),
            Just("team".to_string()),
            Just("id".to_string()),
            Just("user".to_string()),
            Just("actions".to_string()),
            Just("action_id".to_string()),
            Just("value".to_string()),
            Just("view".to_string()),
            Just("state".to_string()),
            Just("values".to_string()),
            Just("private_metadata".to_string()),
            Just("callback_id".to_string()),
            Just("event".to_string()),
            "\\PC{0,6}",
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            prop_oneof![
                Just("block_actions".to_string()),
                Just("view_submission".to_string()),
                Just("event_callback".to_string()),
                Just("T1".to_string()),
                Just("U1".to_string()),
                "\\PC{0,12}",
            ]
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::btree_map(key.clone(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Payloads of any shape, built from the keys the parser reads: no panic.
        #[test]
        fn any_payload_shape_never_panics(v in value()) {
            let _ = interaction(&v);
            let _ = event_callback(&v);
        }

        /// Any slash command form: a request or a polite nothing.
        #[test]
        fn any_slash_form_never_panics(
            team in proptest::option::of("\\PC{0,12}"),
            user in proptest::option::of("\\PC{0,12}"),
            text in proptest::option::of("\\PC{0,40}"),
        ) {
            let _ = command(SlashForm { team_id: team, user_id: user, command: None, text, trigger_id: None });
        }
    }
}
