//! Pure renderers from Sideways values to Block Kit (as JSON, read into slack-morphism's types
//! by the client), and the action and block ids the interaction edge reads back.
//!
//! Every per-peer control lives in a block whose `block_id` names what it is about
//! (`due.U123`, `told.3.U123`, `heard.3.U123`); once acted on, that block is redrawn as a
//! "✓ done" line, so the message no longer offers what was already done.

use crate::domain::Offer;
use crate::domain::{MAX_ANSWER, UserId};
use crate::outbound::{
    DueItem, Form, HeadsupItem, Home, MessageRef, Notice, due_line, escape_mrkdwn, headsup_line,
    offer_block, review_text, together_block, together_line,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// `action_id`s of the buttons and forms.
pub mod action {
    pub const LOG_CHECKIN: &str = "sw_log_checkin";
    pub const WE_TALKED: &str = "sw_we_talked";
    pub const SNOOZE: &str = "sw_snooze";
    pub const SKIP: &str = "sw_skip";
    pub const TOLD: &str = "sw_told";
    pub const HEARD_YES: &str = "sw_heard_yes";
    pub const HEARD_NO: &str = "sw_heard_no";
    pub const LOAN_RETURNED: &str = "sw_loan_returned";
    pub const LOAN_WRITEOFF: &str = "sw_loan_writeoff";
    /// A date picker; the loan's number rides in its block id (`loan:3`).
    pub const LOAN_EXTEND: &str = "sw_loan_extend";
    pub const CONFIRM_FORGET: &str = "sw_confirm_forget";
    /// A user select; the departed peer rides in its block id (`successor:U…`).
    pub const SUCCESSOR: &str = "sw_successor";
    pub const PREP: &str = "sw_prep";
    pub const OFFER_DONE: &str = "sw_offer_done";
    pub const OFFER_DROP: &str = "sw_offer_drop";
    /// Opens the look-back form of a piece of work together (its number is the value).
    pub const LOOK_BACK: &str = "sw_look_back";
    /// `callback_id`s of the forms.
    pub const CHECKIN_FORM: &str = "sw_checkin_form";
    pub const SNOOZE_FORM: &str = "sw_snooze_form";
    pub const STUCK_FORM: &str = "sw_stuck_form";
    pub const REVIEW_KEEP: &str = "sw_review_keep";
    pub const ESCALATION_EDIT: &str = "sw_escalation_edit";
    pub const ESCALATION_FORM: &str = "sw_escalation_form";
    pub const REVIEW_STOP: &str = "sw_review_stop";
    /// A static select; the peer is in the block id (`review:U…`).
    pub const REVIEW_CADENCE: &str = "sw_review_cadence";
    pub const LOOKBACK_FORM: &str = "sw_lookback_form";
}

/// Slack refuses a section longer than this.
const SECTION_MAX: usize = 3000;
/// Slack refuses a message with more blocks than this.
const MESSAGE_BLOCKS_MAX: usize = 50;

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

/// A private question with one danger button carrying a one-time `token`.
pub fn confirm(text: &str, token: &str, label: &str) -> Vec<Value> {
    vec![
        section(text),
        json!({"type": "actions", "block_id": "confirm", "elements": [{
            "type": "button", "style": "danger", "action_id": action::CONFIRM_FORGET,
            "value": token, "text": {"type": "plain_text", "text": label}
        }]}),
    ]
}

fn context(text: &str) -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
}

fn button(text: &str, action: &str, value: &str) -> Value {
    json!({"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action, "value": value})
}

fn primary(mut b: Value) -> Value {
    b["style"] = json!("primary");
    b
}

/// Long text as several sections, split between lines (or, for one huge line, between chars).
fn sections(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        if !cur.is_empty() && cur.len() + line.len() + 1 > SECTION_MAX {
            out.push(section(std::mem::take(&mut cur).trim_end()));
        }
        for ch in line.chars() {
            if cur.len() + ch.len_utf8() > SECTION_MAX {
                out.push(section(&std::mem::take(&mut cur)));
            }
            cur.push(ch);
        }
        cur.push('\n');
    }
    if !cur.trim().is_empty() {
        out.push(section(cur.trim_end()));
    }
    out
}

/// The block ids a notice's controls use.
pub use crate::outbound::{due_block, told_block};
pub fn heard_block(number: i64, peer: &UserId) -> String {
    format!("heard.{number}.{peer}")
}

fn due_controls(i: &DueItem) -> Value {
    let p = i.peer.as_str();
    json!({"type": "actions", "block_id": due_block(&i.peer), "elements": [
        primary(button("Log check-in", action::LOG_CHECKIN, p)),
        button("We talked", action::WE_TALKED, p),
        button("Snooze…", action::SNOOZE, p),
        button("Skip this cycle", action::SKIP, p),
        button("Prep", action::PREP, p),
    ]})
}

/// The block id of a review's controls (the cadence select reads the peer from it).
pub fn review_block(peer: &UserId) -> String {
    format!("review:{peer}")
}

/// **Keep**, **Change cadence** (a select) and **Stop** for a series under review.
fn review_controls(peer: &UserId) -> Value {
    let p = peer.as_str();
    let cadences: Vec<Value> = [
        "weekly",
        "biweekly",
        "every 3 weeks",
        "monthly",
        "quarterly",
    ]
    .iter()
    .map(|c| option(c, c))
    .collect();
    json!({"type": "actions", "block_id": review_block(peer), "elements": [
        primary(button("Keep", action::REVIEW_KEEP, p)),
        {"type": "static_select", "action_id": action::REVIEW_CADENCE,
         "placeholder": {"type": "plain_text", "text": "Change cadence"}, "options": cadences},
        button("Stop", action::REVIEW_STOP, p),
    ]})
}

/// **Done** / **Drop** for each open offer to a due peer.
fn offer_controls(offers: &[Offer]) -> Vec<Value> {
    offers
        .iter()
        .map(|o| {
            let v = o.id.to_string();
            json!({"type": "actions", "block_id": offer_block(o.id), "elements": [
                button(&format!("Done #{}", o.id), action::OFFER_DONE, &v),
                button(&format!("Drop #{}", o.id), action::OFFER_DROP, &v),
            ]})
        })
        .collect()
}

/// One "Told them" control per untold peer of a heads-up.
fn told_controls(h: &HeadsupItem) -> Vec<Value> {
    h.untold
        .iter()
        .map(|p| {
            let mut s = section(&format!("{}: not told yet", p.mention()));
            s["block_id"] = json!(told_block(h.number, p));
            s["accessory"] = button("Told them", action::TOLD, &format!("{}:{p}", h.number));
            s
        })
        .collect()
}

/// The blocks of a scheduled message; `done` redraws controls already used.
pub fn notice(n: &Notice, done: &BTreeMap<String, String>) -> Vec<Value> {
    let mut blocks = match n {
        Notice::CheckinNudge {
            items,
            headsups,
            day,
        } => {
            let mut blocks = Vec::new();
            let (reviews, due): (Vec<&DueItem>, Vec<&DueItem>) =
                items.iter().partition(|i| i.review.is_some());
            if !due.is_empty() {
                blocks.push(section("*Due for a check-in*"));
                for i in due {
                    blocks.push(section(&due_line(i, *day)));
                    blocks.push(due_controls(i));
                    blocks.extend(offer_controls(&i.signals.offers));
                }
            }
            for i in reviews {
                if let Some(h) = &i.review {
                    blocks.extend(sections(&review_text(&i.peer, &i.cadence, h, *day)));
                    blocks.push(review_controls(&i.peer));
                }
            }
            if !headsups.is_empty() {
                blocks.push(section("*Tell them before the room*"));
                for h in headsups {
                    blocks.push(section(&headsup_line(h)));
                    blocks.extend(told_controls(h));
                }
            }
            blocks.push(context(
                "Or type it: `/peer checkin @peer`, `/peer snooze @peer 3 days`, `/peer told @peer <number>`. Only you see this.",
            ));
            blocks
        }
        Notice::HeadsupReminder { item, .. } => {
            let mut blocks = sections(&n.text());
            blocks.extend(told_controls(item));
            blocks
        }
        Notice::HeadsupAfter { item, told } => {
            let mut blocks = vec![section(&format!(
                "The room has heard #{} “{}”. Did each peer hear it from you first?",
                item.number,
                escape_mrkdwn(&item.what)
            ))];
            for p in told {
                blocks.push(context(&format!(
                    "{}: you told them before the room :white_check_mark:",
                    p.mention()
                )));
            }
            for p in &item.untold {
                let v = format!("{}:{p}", item.number);
                blocks.push(section(&format!(
                    "{}: heard it from you first?",
                    p.mention()
                )));
                blocks.push(
                    json!({"type": "actions", "block_id": heard_block(item.number, p), "elements": [
                        button("Yes, from me first", action::HEARD_YES, &v),
                        button("No, in the room", action::HEARD_NO, &v),
                    ]}),
                );
            }
            blocks
        }
        Notice::PeerLeft { peer, .. } => vec![
            section(&n.text()),
            json!({"type": "actions", "block_id": format!("successor:{peer}"), "elements": [
                {"type": "users_select", "action_id": action::SUCCESSOR,
                 "placeholder": {"type": "plain_text", "text": "Pick a successor"}},
            ]}),
        ],
        Notice::LoanDue { number, .. } => {
            let v = number.to_string();
            vec![
                section(&crate::outbound::loan_line(n)),
                json!({"type": "actions", "block_id": format!("loan:{number}"), "elements": [
                    primary(button("Returned", action::LOAN_RETURNED, &v)),
                    button("Write off", action::LOAN_WRITEOFF, &v),
                    {"type": "datepicker", "action_id": action::LOAN_EXTEND,
                     "placeholder": {"type": "plain_text", "text": "Extend to…"}},
                ]}),
                context("Only you see this; the peer is never told."),
            ]
        }
        Notice::EscalationInvite { number, .. } => vec![
            section(&n.text()),
            json!({"type": "actions", "block_id": format!("escalation:{number}"), "elements": [
                primary(button("Fill in my side", action::ESCALATION_EDIT, &number.to_string())),
            ]}),
        ],
        Notice::TogetherEnded { number, .. } => vec![
            section(&together_line(n)),
            json!({"type": "actions", "block_id": together_block(*number), "elements": [
                primary(button("Look back", action::LOOK_BACK, &number.to_string())),
            ]}),
            context(&format!(
                "What worked, what to change, keep going? Or type `/peer together lookback {number} keep|stop <what worked> / <what to change>`. Only you see this."
            )),
        ],
        Notice::Digest { .. }
        | Notice::MeetingPrep { .. }
        | Notice::ContextStale { .. }
        | Notice::Escalation { .. }
        | Notice::EscalationUndelivered { .. }
        | Notice::TogetherPeer { .. } => sections(&n.text()),
    };
    for b in blocks.iter_mut() {
        let id = b["block_id"].as_str().unwrap_or_default().to_string();
        if let Some(label) = done.get(&id) {
            // Labels are Sideways' own text (with mentions), never user input.
            let mut c = context(&format!(":white_check_mark: {label}"));
            c["block_id"] = json!(id);
            *b = c;
        }
    }
    if blocks.len() > MESSAGE_BLOCKS_MAX {
        // Too many controls for one message: the text alone, and where to act instead.
        blocks = sections(&n.text());
        blocks.truncate(MESSAGE_BLOCKS_MAX - 1);
        blocks.push(context(
            "Too many to put buttons on here: use the Sideways App Home tab or `/peer` commands.",
        ));
    }
    blocks
}

fn input(block: &str, label: &str, element: Value, optional: bool) -> Value {
    json!({"type": "input", "block_id": block, "optional": optional,
        "label": {"type": "plain_text", "text": label}, "element": element})
}

fn text_input(multiline: bool, max: usize) -> Value {
    json!({"type": "plain_text_input", "action_id": "value", "multiline": multiline, "max_length": max})
}

fn option(text: &str, value: &str) -> Value {
    json!({"text": {"type": "plain_text", "text": text}, "value": value})
}

/// What a form carries between opening and submission.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FormMeta {
    pub peer: UserId,
    pub from: Option<MessageRef>,
    /// The numbered item the form is about (a joint escalation's side, a piece of work
    /// together's look-back); which kind, its callback id says.
    #[serde(default, alias = "together", skip_serializing_if = "Option::is_none")]
    pub number: Option<i64>,
}

/// A form as a modal view.
pub fn form(f: &Form) -> Value {
    match f {
        Form::Checkin { peer, today, from } => {
            let meta = FormMeta {
                peer: peer.clone(),
                from: from.clone(),
                number: None,
            };
            json!({
                "type": "modal",
                "callback_id": action::CHECKIN_FORM,
                "private_metadata": serde_json::to_string(&meta).unwrap_or_default(),
                "title": {"type": "plain_text", "text": "Log a check-in"},
                "submit": {"type": "plain_text", "text": "Log it"},
                "close": {"type": "plain_text", "text": "Cancel"},
                "blocks": [
                    section(&format!("Your check-in with {}: the agenda is theirs. Only you will see this.", peer.mention())),
                    input("constraint", "Their top constraint right now", text_input(false, 500), true),
                    input("boss", "What their boss is pressing on", text_input(false, 500), true),
                    input("fire", "What is on fire this week", text_input(false, 500), true),
                    input("offer", "One cheap thing I could do for them", text_input(false, 300), true),
                    input("notes", "Notes", text_input(true, 4000), true),
                    input("flags", "This check-in", json!({"type": "checkboxes", "action_id": "value", "options": [
                        option("Turned into a status sync", "status_sync"),
                        option("Coffee, not work", "coffee"),
                    ]}), true),
                    input("date", "When", json!({"type": "datepicker", "action_id": "value",
                        "initial_date": today.format("%Y-%m-%d").to_string()}), false),
                ],
            })
        }
        Form::Snooze { peer, from } => {
            let meta = FormMeta {
                peer: peer.clone(),
                from: from.clone(),
                number: None,
            };
            let week = option("1 week", "7");
            json!({
                "type": "modal",
                "callback_id": action::SNOOZE_FORM,
                "private_metadata": serde_json::to_string(&meta).unwrap_or_default(),
                "title": {"type": "plain_text", "text": "Snooze"},
                "submit": {"type": "plain_text", "text": "Snooze"},
                "close": {"type": "plain_text", "text": "Cancel"},
                "blocks": [
                    section(&format!("No nudges about {} for a while.", peer.mention())),
                    input("length", "For", json!({"type": "radio_buttons", "action_id": "value",
                        "initial_option": week,
                        "options": [option("3 days", "3"), week, option("2 weeks", "14")]}), false),
                    input("reason", "Why (optional, kept with the series' history)", text_input(false, 300), true),
                ],
            })
        }
        Form::EscalationSide {
            number,
            peer,
            topic,
            current,
            ask,
        } => escalation_form(*number, peer, topic, current, ask.as_deref()),
        Form::Stuck { peer } => {
            let meta = FormMeta {
                peer: peer.clone(),
                from: None,
                number: None,
            };
            let mut blocks = vec![section(&format!(
                "Stuck with {}? Three questions, for you alone: the answers are kept with your notes about them.",
                peer.mention()
            ))];
            for (id, question) in crate::outbound::STUCK_QUESTIONS {
                blocks.push(input(id, question, text_input(true, MAX_ANSWER), true));
            }
            json!({
                "type": "modal",
                "callback_id": action::STUCK_FORM,
                "private_metadata": serde_json::to_string(&meta).unwrap_or_default(),
                "title": {"type": "plain_text", "text": "Stuck?"},
                "submit": {"type": "plain_text", "text": "Keep and suggest"},
                "close": {"type": "plain_text", "text": "Cancel"},
                "blocks": blocks,
            })
        }
        Form::LookBack {
            number,
            peer,
            topic,
            weeks,
            from,
        } => {
            let meta = FormMeta {
                peer: peer.clone(),
                from: from.clone(),
                number: Some(*number),
            };
            let span = if *weeks == 1 {
                "1 week".to_string()
            } else {
                format!("{weeks} weeks")
            };
            json!({
                "type": "modal",
                "callback_id": action::LOOKBACK_FORM,
                "private_metadata": serde_json::to_string(&meta).unwrap_or_default(),
                "title": {"type": "plain_text", "text": "Look back"},
                "submit": {"type": "plain_text", "text": "Save"},
                "close": {"type": "plain_text", "text": "Cancel"},
                "blocks": [
                    section(&format!(
                        "Looking back on “{}” with {}. Your answers are kept as private notes about them; only you will see this.",
                        escape_mrkdwn(topic),
                        peer.mention()
                    )),
                    input("worked", "What worked", text_input(true, MAX_ANSWER), true),
                    input("change", "What to change", text_input(true, MAX_ANSWER), true),
                    input("keep", "Keep going?", json!({"type": "radio_buttons", "action_id": "value",
                        "options": [option(&format!("Yes, another {span}"), "keep"), option("No, close it", "stop")]}), false),
                ],
            })
        }
    }
}

/// One author's side of a joint escalation, filled with what is there now.
fn escalation_form(
    number: i64,
    peer: &UserId,
    topic: &str,
    current: &crate::domain::Position,
    ask: Option<&str>,
) -> Value {
    let meta = FormMeta {
        peer: peer.clone(),
        from: None,
        number: Some(number),
    };
    let mut blocks = vec![section(&format!(
        "Your side of “{}”, with {}. They can read it; it goes nowhere until you have both approved the same version, and any edit withdraws earlier approvals.",
        escape_mrkdwn(topic),
        peer.mention()
    ))];
    for (id, question) in crate::outbound::ESCALATION_QUESTIONS {
        let now = match *id {
            "goal" => current.goal.as_deref(),
            "cost" => current.cost.as_deref(),
            "tried" => current.tried.as_deref(),
            _ => ask,
        };
        let mut el = text_input(true, MAX_ANSWER);
        if let Some(v) = now {
            el["initial_value"] = json!(v);
        }
        blocks.push(input(id, question, el, true));
    }
    json!({
        "type": "modal",
        "callback_id": action::ESCALATION_FORM,
        "private_metadata": serde_json::to_string(&meta).unwrap_or_default(),
        "title": {"type": "plain_text", "text": format!("Escalation #{number}")},
        "submit": {"type": "plain_text", "text": "Save my side"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    })
}

/// The App Home tab.
pub fn home(h: &Home) -> Value {
    let mut blocks =
        vec![json!({"type": "header", "text": {"type": "plain_text", "text": "Your peers"}})];
    if h.peers.is_empty() {
        blocks.push(section(
            "Your map is empty. Start with the 3–5 peers your year depends on: `/peer add @ana biweekly because her platform gates our launch`.",
        ));
    }
    for p in &h.peers {
        blocks.push(section(&p.line));
        if p.due_this_week {
            let v = p.peer.as_str();
            blocks.push(
                json!({"type": "actions", "block_id": format!("home.{v}"), "elements": [
                    primary(button("Log check-in", action::LOG_CHECKIN, v)),
                    button("We talked", action::WE_TALKED, v),
                    button("Snooze…", action::SNOOZE, v),
                ]}),
            );
        }
    }
    let due: Vec<String> = h
        .peers
        .iter()
        .filter(|p| p.due_this_week)
        .map(|p| p.peer.mention())
        .collect();
    blocks.push(json!({"type": "divider"}));
    blocks.push(section(&if due.is_empty() {
        "*Due this week:* nobody. The channels are warm.".to_string()
    } else {
        format!("*Due this week:* {}", due.join(", "))
    }));
    blocks.push(json!({"type": "header", "text": {"type": "plain_text", "text": "Tell them before the room"}}));
    if h.headsups.is_empty() {
        blocks.push(context("No untold heads-ups."));
    }
    for item in &h.headsups {
        blocks.push(section(&headsup_line(item)));
        blocks.extend(told_controls(item));
    }
    blocks.push(json!({"type": "header", "text": {"type": "plain_text", "text": "Open offers"}}));
    if h.offers.is_empty() {
        blocks.push(context(
            "None. The check-in form's “one cheap thing I could do” becomes an offer.",
        ));
    }
    for (peer, offer) in &h.offers {
        blocks.push(section(&format!(
            "{}: #{} “{}”",
            peer.mention(),
            offer.id,
            escape_mrkdwn(&offer.what)
        )));
        blocks.extend(offer_controls(std::slice::from_ref(offer)));
    }
    if !h.loans.is_empty() {
        blocks
            .push(json!({"type": "header", "text": {"type": "plain_text", "text": "Open loans"}}));
        for l in &h.loans {
            blocks.push(section(l));
        }
    }
    if !h.escalations.is_empty() {
        blocks.push(
            json!({"type": "header", "text": {"type": "plain_text", "text": "Joint escalations"}}),
        );
        for l in &h.escalations {
            blocks.push(section(l));
        }
    }
    blocks.push(context(
        "Only you can see this page. `/peer help` lists every command.",
    ));
    blocks.truncate(100);
    json!({"type": "home", "blocks": blocks})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CheckinSignals, Warmth};
    use slack_morphism::prelude::*;

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }

    fn nudge() -> Notice {
        Notice::CheckinNudge {
            day: "2026-11-23".parse().unwrap(),
            items: vec![DueItem {
                peer: u("U0ANA"),
                signals: CheckinSignals::default(),
                reason: None,
                cadence: "weekly".into(),
                last_contact: None,
                days_since: 9,
                warmth: Warmth::Cooling,
                review: None,
            }],
            headsups: vec![HeadsupItem {
                number: 2,
                what: "news".into(),
                room: "Thu 26 Nov 10:00".into(),
                until: String::new(),
                untold: vec![u("U0BEN")],
            }],
        }
    }

    #[test]
    fn every_rendering_is_block_kit_slack_morphism_accepts() {
        let n = nudge();
        let blocks = notice(&n, &BTreeMap::new());
        let _: Vec<SlackBlock> = serde_json::from_value(json!(blocks)).unwrap();
        for f in [
            Form::Checkin {
                peer: u("U0ANA"),
                today: "2026-11-23".parse().unwrap(),
                from: None,
            },
            Form::Snooze {
                peer: u("U0ANA"),
                from: None,
            },
            Form::Stuck { peer: u("U0ANA") },
            Form::EscalationSide {
                number: 2,
                peer: u("U0ANA"),
                topic: "the freeze".into(),
                current: Default::default(),
                ask: Some("decide".into()),
            },
            Form::LookBack {
                number: 3,
                peer: u("U0ANA"),
                topic: "the <handover>".into(),
                weeks: 2,
                from: None,
            },
        ] {
            let _: SlackView = serde_json::from_value(form(&f)).unwrap();
        }
        let _: SlackView = serde_json::from_value(home(&Home::default())).unwrap();
        for n in [
            Notice::TogetherEnded {
                number: 3,
                peer: u("U0ANA"),
                topic: "the handover".into(),
                weeks: 2,
            },
            Notice::TogetherPeer {
                owner: u("U0ME"),
                topic: "the handover".into(),
            },
        ] {
            let _: Vec<SlackBlock> =
                serde_json::from_value(json!(notice(&n, &BTreeMap::new()))).unwrap();
        }
    }

    #[test]
    fn a_nudge_offers_each_control_once_and_redraws_used_ones_as_done() {
        let n = nudge();
        let blocks = notice(&n, &BTreeMap::new());
        let s = json!(blocks).to_string();
        for a in [
            action::LOG_CHECKIN,
            action::WE_TALKED,
            action::SNOOZE,
            action::SKIP,
            action::TOLD,
        ] {
            assert_eq!(s.matches(a).count(), 1, "{a}");
        }
        let done: BTreeMap<String, String> = [
            ("due.U0ANA".to_string(), "We talked".to_string()),
            ("told.2.U0BEN".to_string(), "Told".to_string()),
        ]
        .into();
        let s = json!(notice(&n, &done)).to_string();
        assert!(
            !s.contains(action::WE_TALKED) && !s.contains(action::TOLD),
            "{s}"
        );
        assert!(s.contains(":white_check_mark: We talked"), "{s}");
    }

    #[test]
    fn the_look_back_dm_offers_its_button_once_and_the_peers_note_none() {
        let mine = Notice::TogetherEnded {
            number: 3,
            peer: u("U0ANA"),
            topic: "the handover".into(),
            weeks: 2,
        };
        let s = json!(notice(&mine, &BTreeMap::new())).to_string();
        assert_eq!(s.matches(action::LOOK_BACK).count(), 1, "{s}");
        assert!(s.contains("/peer together lookback 3 keep"), "{s}");
        let done: BTreeMap<String, String> =
            [(together_block(3), "Looked back".to_string())].into();
        let s = json!(notice(&mine, &done)).to_string();
        assert!(
            !s.contains(action::LOOK_BACK) && s.contains("Looked back"),
            "{s}"
        );
        let hers = Notice::TogetherPeer {
            owner: u("U0ME"),
            topic: "the handover".into(),
        };
        let s = json!(notice(&hers, &BTreeMap::new())).to_string();
        assert!(!s.contains("\"actions\"") && !s.contains("lookback"), "{s}");
    }

    #[test]
    fn a_message_never_carries_more_blocks_than_slack_accepts() {
        let Notice::CheckinNudge { day, items, .. } = nudge() else {
            unreachable!()
        };
        let many: Vec<DueItem> = (0..30)
            .map(|i| DueItem {
                peer: u(&format!("U0P{i}")),
                ..items[0].clone()
            })
            .collect();
        let n = Notice::CheckinNudge {
            day,
            items: many,
            headsups: vec![],
        };
        let blocks = notice(&n, &BTreeMap::new());
        assert!(blocks.len() <= MESSAGE_BLOCKS_MAX, "{}", blocks.len());
        assert!(json!(blocks).to_string().contains("<@U0P29>"));
        let _: Vec<SlackBlock> = serde_json::from_value(json!(blocks)).unwrap();
    }

    #[test]
    fn long_text_is_split_into_sections_slack_accepts() {
        let text = (0..200)
            .map(|i| format!("• line {i} {}", "x".repeat(40)))
            .collect::<Vec<_>>()
            .join("\n");
        let blocks = sections(&text);
        assert!(blocks.len() >= 3);
        for b in &blocks {
            assert!(b["text"]["text"].as_str().unwrap().len() <= SECTION_MAX);
        }
        assert_eq!(sections(&"y".repeat(7000)).len(), 3);
    }
}
