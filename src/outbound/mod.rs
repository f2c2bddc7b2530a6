//! The one interface every outbound message goes through: Slack in production
//! ([`crate::slack::SlackMessenger`]), the terminal in `sideways console`, and a fake Slack Web
//! API in the tests. What to say is a [`Notice`] (plain data, stored in the outbox as JSON);
//! how it looks is each messenger's business.

use crate::domain::{
    ChannelId, Destination, DigestBody, Milestone, Offer, Owner, Position, Stage, TeamId, UserId,
    Warmth,
};
use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use std::time::Duration;

/// A scheduled message to one user.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Notice {
    /// The day's one bundled DM: every peer whose check-in is due, and heads-ups about 3 days
    /// from their room that still have untold peers.
    CheckinNudge {
        day: NaiveDate,
        items: Vec<DueItem>,
        #[serde(default)]
        headsups: Vec<HeadsupItem>,
    },
    /// A heads-up reminder inside 24 hours of the room (sent whatever the hour).
    HeadsupReminder { item: HeadsupItem, stage: Stage },
    /// After the room: did each peer hear it first?
    HeadsupAfter {
        item: HeadsupItem,
        told: Vec<UserId>,
    },
    /// The digest posted to a leadership meeting's channel (not a DM: it goes to `channel`;
    /// the outbox records it under the user who added the meeting).
    Digest {
        channel: ChannelId,
        meeting: String,
        room: String,
        body: DigestBody,
        as_of: DateTime<Utc>,
    },
    /// A channel member's private prep before the meeting.
    MeetingPrep {
        channel: ChannelId,
        meeting: String,
        room: String,
        body: DigestBody,
        headsups: Vec<HeadsupItem>,
        as_of: DateTime<Utc>,
    },
    /// Once, when published context has grown old: refresh or clear it.
    ContextStale { text: String, days: i64 },
    /// Once, when a peer on the owner's map left the workspace: pick a successor.
    PeerLeft {
        peer: UserId,
        reason: Option<String>,
        cadence: String,
    },
    /// A capacity loan on its due day (and weekly while overdue): did it come back?
    LoanDue {
        number: i64,
        peer: UserId,
        /// The owner lent it (else they borrowed it).
        lent: bool,
        text: String,
        /// The due day as the owner reads it (`today`, `Fri 11 Dec`).
        back_by: String,
        overdue: bool,
    },
    /// To the owner, once per period, when a piece of work together ends: look back.
    TogetherEnded {
        number: i64,
        peer: UserId,
        topic: String,
        weeks: u32,
    },
    /// To the peer, once per period: the owner and the topic, nothing else of the owner's.
    TogetherPeer { owner: UserId, topic: String },
    /// The one DM a peer gets when someone starts a joint escalation with them: the topic and
    /// who started it, nothing else.
    EscalationInvite {
        number: i64,
        initiator: UserId,
        topic: String,
    },
    /// To each author: Slack refused to deliver their approved escalation; it is open again.
    EscalationUndelivered {
        number: i64,
        topic: String,
        to: Destination,
        other: UserId,
        why: String,
    },
    /// A joint escalation both authors approved, to its destination (a person's DM or a
    /// channel; the outbox records it under the initiator).
    Escalation {
        number: i64,
        topic: String,
        ask: Option<String>,
        to: Destination,
        initiator: UserId,
        initiator_side: Position,
        peer: UserId,
        peer_side: Position,
    },
}

/// The questions of one author's side of a joint escalation: (field id, question).
pub const ESCALATION_QUESTIONS: &[(&str, &str)] = &[
    ("goal", "What is your side trying to achieve?"),
    ("cost", "What happens to your team if your side gives way?"),
    ("tried", "What have you tried already?"),
    (
        "ask",
        "The shared ask: what do you both need decided, and by when?",
    ),
];

/// Where the document stands, for its authors: state, version and who approved it.
pub fn escalation_status(doc: &crate::domain::Escalation, me: &UserId) -> String {
    let n = doc.number;
    let to = doc
        .to
        .as_ref()
        .map(|d| format!(" → {}", d.mention()))
        .unwrap_or_else(|| " (no destination yet)".into());
    let state = match doc.state {
        crate::domain::EscalationState::Sent => "approved by both and sent".to_string(),
        crate::domain::EscalationState::Withdrawn => "withdrawn".to_string(),
        crate::domain::EscalationState::Open => {
            let approved: Vec<String> = [&doc.initiator, &doc.peer]
                .iter()
                .filter(|s| s.approved == Some(doc.version))
                .map(|s| {
                    if &s.author == me {
                        "you".to_string()
                    } else {
                        s.author.mention()
                    }
                })
                .collect();
            if approved.is_empty() {
                format!("open, version {}, approved by nobody yet", doc.version)
            } else {
                format!(
                    "open, version {}, approved by {}",
                    doc.version,
                    approved.join(" and ")
                )
            }
        }
    };
    let other = doc
        .sides_of(me)
        .map(|(_, o)| o.author.mention())
        .unwrap_or_default();
    format!(
        "#{n} “{}” with {other}{to}: {state}",
        escape_mrkdwn(&doc.topic)
    )
}

/// A joint escalation as its authors and its destination read it.
pub fn escalation_text(
    number: i64,
    topic: &str,
    ask: Option<&str>,
    sides: [(&UserId, &Position); 2],
) -> String {
    let mut out = format!(
        "*Joint escalation #{number}: {}*, from {} and {} together.\n",
        escape_mrkdwn(topic),
        sides[0].0.mention(),
        sides[1].0.mention()
    );
    out.push_str(&format!(
        "*The shared ask:* {}\n",
        ask.map(escape_mrkdwn)
            .unwrap_or_else(|| "_not written yet_".into())
    ));
    for (who, p) in sides {
        out.push_str(&format!("*{}'s side*\n", who.mention()));
        if p.is_empty() {
            out.push_str("_not filled in yet_\n");
            continue;
        }
        for (label, v) in [
            ("Trying to achieve", &p.goal),
            ("If we give way", &p.cost),
            ("Tried so far", &p.tried),
        ] {
            if let Some(v) = v {
                out.push_str(&format!("• {label}: {}\n", escape_mrkdwn(v)));
            }
        }
    }
    out.trim_end().to_string()
}

/// One peer in a check-in nudge.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DueItem {
    pub peer: UserId,
    /// The last two check-ins turned into status syncs; the offer made at the last one.
    #[serde(default)]
    pub signals: crate::domain::CheckinSignals,
    pub reason: Option<String>,
    pub cadence: String,
    pub last_contact: Option<NaiveDate>,
    pub days_since: i64,
    pub warmth: Warmth,
    /// The series has run about three months: this nudge asks keep / change / stop instead.
    #[serde(default)]
    pub review: Option<crate::domain::SeriesHistory>,
}

/// A heads-up as a message names it; `room` is already in the owner's zone.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HeadsupItem {
    pub number: i64,
    pub what: String,
    pub room: String,
    /// How far off the room was when the message was written (`in about 2 hours`).
    #[serde(default)]
    pub until: String,
    pub untold: Vec<UserId>,
}

fn mentions(users: &[UserId]) -> String {
    users
        .iter()
        .map(UserId::mention)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Notice {
    /// The delivery kind, part of the outbox's unique key.
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::CheckinNudge { .. } => "checkin_nudge",
            Notice::HeadsupReminder { .. } => "headsup_reminder",
            Notice::HeadsupAfter { .. } => "headsup_after",
            Notice::Digest { .. } => "digest",
            Notice::MeetingPrep { .. } => "meeting_prep",
            Notice::ContextStale { .. } => "context_stale",
            Notice::LoanDue { .. } => "loan_due",
            Notice::EscalationInvite { .. } => "escalation_invite",
            Notice::Escalation { .. } => "escalation",
            Notice::EscalationUndelivered { .. } => "escalation_undelivered",
            Notice::PeerLeft { .. } => "peer_left",
            Notice::TogetherEnded { .. } => "together_ended",
            Notice::TogetherPeer { .. } => crate::domain::TOGETHER_PEER_KIND,
        }
    }

    /// Due before a meeting starts: a failed send is retried at once with back-off, whatever
    /// the recipient's working hours.
    pub fn is_meeting_bound(&self) -> bool {
        matches!(self, Notice::Digest { .. } | Notice::MeetingPrep { .. })
    }

    /// Where it is posted when that is a channel rather than the recipient's DM.
    pub fn channel(&self) -> Option<&ChannelId> {
        match self {
            Notice::Digest { channel, .. } => Some(channel),
            Notice::Escalation {
                to: Destination::Channel(c),
                ..
            } => Some(c),
            _ => None,
        }
    }

    /// Whose DM it goes to when that is not the user it is recorded under (an approved
    /// escalation sent to someone both authors report to).
    pub fn addressee(&self) -> Option<&UserId> {
        match self {
            Notice::Escalation {
                to: Destination::User(u),
                ..
            } => Some(u),
            _ => None,
        }
    }

    /// One line naming what is sent, without private text (for `sideways tick` and logs).
    pub fn summary(&self) -> String {
        match self {
            Notice::CheckinNudge {
                items, headsups, ..
            } => {
                let who: Vec<UserId> = items.iter().map(|i| i.peer.clone()).collect();
                let mut s = format!("check-in nudge: {} due ({})", items.len(), mentions(&who));
                if !headsups.is_empty() {
                    let nums: Vec<String> =
                        headsups.iter().map(|h| format!("#{}", h.number)).collect();
                    s.push_str(&format!(", heads-ups {}", nums.join(" ")));
                }
                s
            }
            Notice::HeadsupReminder { item, stage } => format!(
                "heads-up #{} reminder ({}): untold {}",
                item.number,
                stage.as_str(),
                mentions(&item.untold)
            ),
            Notice::HeadsupAfter { item, .. } => {
                format!("heads-up #{} after the room", item.number)
            }
            Notice::Digest {
                meeting,
                body,
                channel,
                ..
            } => format!(
                "digest for {meeting} to #{channel}: {} credits, {} contexts",
                body.credits.len(),
                body.contexts.len()
            ),
            Notice::MeetingPrep {
                meeting,
                body,
                headsups,
                ..
            } => format!(
                "prep for {meeting}: {} contexts, {} credits, {} heads-ups",
                body.contexts.len(),
                body.credits.len(),
                headsups.len()
            ),
            Notice::ContextStale { days, .. } => format!("context is {days} days old"),
            Notice::PeerLeft { peer, .. } => format!("{} left the workspace", peer.mention()),
            Notice::LoanDue { number, peer, .. } => {
                format!("loan #{number} with {} is due", peer.mention())
            }
            Notice::EscalationInvite { number, .. } => {
                format!("invitation to joint escalation #{number}")
            }
            Notice::EscalationUndelivered { number, .. } => {
                format!("joint escalation #{number} could not be delivered")
            }
            Notice::Escalation { number, to, .. } => {
                format!("joint escalation #{number} to {}", to.mention())
            }
            Notice::TogetherEnded { number, peer, .. } => {
                format!("together #{number} with {} has ended", peer.mention())
            }
            Notice::TogetherPeer { owner, .. } => {
                format!("note that work together with {} has ended", owner.mention())
            }
        }
    }

    /// The message as Slack mrkdwn text: the whole message for plain-text surfaces, and the
    /// notification fallback for Block Kit.
    pub fn text(&self) -> String {
        match self {
            Notice::CheckinNudge {
                items,
                headsups,
                day,
            } => {
                let mut out = String::new();
                let (reviews, due): (Vec<&DueItem>, Vec<&DueItem>) =
                    items.iter().partition(|i| i.review.is_some());
                if !due.is_empty() {
                    out.push_str("Due for a check-in:\n");
                    for i in &due {
                        out.push_str(&format!("• {}\n", due_line(i, *day)));
                    }
                }
                for i in &reviews {
                    if let Some(h) = &i.review {
                        out.push_str(&format!(
                            "{}\n{}\n",
                            review_text(&i.peer, &i.cadence, h, *day),
                            review_hint(&i.peer)
                        ));
                    }
                }
                if !headsups.is_empty() {
                    out.push_str("Tell them before the room:\n");
                    for h in headsups {
                        out.push_str(&format!("• {}\n", headsup_line(h)));
                    }
                }
                // The hint names a real peer from the message, never a placeholder.
                match (due.first(), headsups.first()) {
                    (Some(i), _) => out.push_str(&format!(
                        "Log one with /peer checkin {m}, or /peer snooze {m} 3 days.",
                        m = i.peer.mention()
                    )),
                    (None, Some(h)) => {
                        if let Some(p) = h.untold.first() {
                            out.push_str(&format!(
                                "Once you have told someone: /peer told {} {}.",
                                p.mention(),
                                h.number
                            ));
                        }
                    }
                    (None, None) => {}
                }
                out.trim_end().to_string()
            }
            Notice::HeadsupReminder { item, .. } => {
                // The room's own moment ("today 15:00"), never a stage word that a late
                // reminder would make false ("tomorrow" on the day itself).
                let then = match item.untold.as_slice() {
                    [one] => format!(
                        " Tell them first, then /peer told {} {}.",
                        one.mention(),
                        item.number
                    ),
                    [first, ..] => format!(
                        " Tell them first, then mark each: /peer told {} {}, and so on.",
                        first.mention(),
                        item.number
                    ),
                    [] => String::new(),
                };
                let until = if item.until.is_empty() {
                    String::new()
                } else {
                    format!(", {}", item.until)
                };
                format!(
                    ":rotating_light: The room hears #{} “{}” {}{until}. Still untold: {}.{then}",
                    item.number,
                    escape_mrkdwn(&item.what),
                    item.room,
                    mentions(&item.untold),
                )
            }
            Notice::HeadsupAfter { item, told } => {
                let mut out = format!(
                    "The room has heard #{} “{}”. Did each peer hear it from you first?\n",
                    item.number,
                    escape_mrkdwn(&item.what)
                );
                for p in told {
                    out.push_str(&format!(
                        "• {}: you told them before the room :white_check_mark:\n",
                        p.mention()
                    ));
                }
                for p in &item.untold {
                    out.push_str(&format!(
                        "• {m}: /peer told {m} {n} if they did, /peer told {m} {n} late if they heard it in the room\n",
                        m = p.mention(),
                        n = item.number
                    ));
                }
                out.trim_end().to_string()
            }
            Notice::Digest {
                meeting,
                room,
                body,
                as_of,
                ..
            } => digest_text(meeting, room, body, *as_of),
            Notice::MeetingPrep {
                meeting,
                room,
                body,
                headsups,
                as_of,
                ..
            } => {
                let mut out = format!(
                    "Prep for {}, {room}, just for you.\n",
                    escape_mrkdwn(meeting)
                );
                if !body.contexts.is_empty() {
                    out.push_str("What your peers are juggling right now:\n");
                    out.push_str(&context_lines(&body.contexts, *as_of));
                }
                if !body.credits.is_empty() {
                    out.push_str("Credit worth saying out loud in the room:\n");
                    out.push_str(&credit_lines(&body.credits));
                }
                if !headsups.is_empty() {
                    out.push_str("Tell them before the room:\n");
                    for h in headsups {
                        out.push_str(&format!("• {}\n", headsup_line(h)));
                    }
                }
                out.trim_end().to_string()
            }
            Notice::ContextStale { text, days } => format!(
                "Your published context is {days} days old: “{}”. Peers and leadership digests \
                 still show it. Refresh it with `/peer context set <what your team is juggling now>` \
                 or take it down with `/peer context clear`.",
                escape_mrkdwn(text)
            ),
            Notice::PeerLeft {
                peer,
                reason,
                cadence,
            } => {
                let why = reason
                    .as_deref()
                    .map(|r| format!(" They were on your map because “{}”.", escape_mrkdwn(r)))
                    .unwrap_or_default();
                format!(
                    "{} has left the workspace (Slack says their account was deactivated).{why} \
                     I won't nudge you about them again; their history stays in /peer map all. \
                     Who carries the dependency now? Pick a successor and I'll add them to your map \
                     {cadence} with the same reason, or add someone with /peer add. Open loans with \
                     them stay in /peer ledger to settle or write off.",
                    peer.mention()
                )
            }
            Notice::EscalationUndelivered {
                number,
                topic,
                to,
                other,
                why,
            } => format!(
                "Joint escalation #{number} “{}”, which you and {} approved, could not be \
                 delivered to {} (Slack says `{}`). It is open again: set where it goes with \
                 `/peer escalation {number} to @person` or `to #channel` (invite Sideways to a \
                 channel first), then approve it again, both of you.",
                escape_mrkdwn(topic),
                other.mention(),
                to.mention(),
                escape_mrkdwn(why)
            ),
            Notice::EscalationInvite {
                number,
                initiator,
                topic,
            } => format!(
                "{} would like to escalate “{}” together with you: one document with both \
                 positions, which goes nowhere until you have both approved the same version. \
                 Read it with /peer escalation {number}, fill in your side with \
                 /peer escalation {number} edit, approve with /peer escalation {number} approve, \
                 or withdraw it with /peer escalation {number} withdraw.",
                initiator.mention(),
                escape_mrkdwn(topic)
            ),
            Notice::Escalation {
                number,
                topic,
                ask,
                initiator,
                initiator_side,
                peer,
                peer_side,
                ..
            } => format!(
                "{}\nBoth authors approved this version.",
                escalation_text(
                    *number,
                    topic,
                    ask.as_deref(),
                    [(initiator, initiator_side), (peer, peer_side)]
                )
            ),
            Notice::LoanDue { number: n, .. } => format!(
                "{} Came back? /peer trade returned {n}, or `/peer trade extend {n} to <date>`, or \
                 /peer trade writeoff {n}. Only you see this.",
                loan_line(self),
            ),
            Notice::TogetherEnded { number: n, .. } => format!(
                "{} Look back: what worked, what to change, keep going? Type \
                 `/peer together lookback {n} keep <what worked> / <what to change>` to go on for \
                 another stretch of the same length, or `/peer together lookback {n} stop …` to \
                 close it. Your answers are kept as private notes about them. Only you see this.",
                together_line(self)
            ),
            Notice::TogetherPeer { owner, topic } => format!(
                "{} has marked “{}” as something you two have been working on together, and \
                 that stretch has come to its end: a good moment to look back on it together.",
                owner.mention(),
                escape_mrkdwn(topic)
            ),
        }
    }
}

/// `Together #3 with <@A>, “the migration”, has come to its end after 2 weeks.`
pub fn together_line(n: &Notice) -> String {
    let Notice::TogetherEnded {
        number,
        peer,
        topic,
        weeks,
    } = n
    else {
        return String::new();
    };
    let span = if *weeks == 1 {
        "a week".to_string()
    } else {
        format!("{weeks} weeks")
    };
    format!(
        "Together #{number} with {}, “{}”, has come to its end after {span}.",
        peer.mention(),
        escape_mrkdwn(topic)
    )
}

/// The block id of a piece of work's Look back control.
pub fn together_block(number: i64) -> String {
    format!("together.{number}")
}

/// A message's controls as `/peer` commands: what transports without buttons (the console)
/// offer as numbered choices. `command` is the text after `/peer`, as Slack would send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub command: String,
}

fn choice(label: impl Into<String>, command: impl Into<String>) -> Choice {
    Choice {
        label: label.into(),
        command: command.into(),
    }
}

impl Notice {
    /// The buttons of this message, each as the command that does the same.
    pub fn choices(&self) -> Vec<Choice> {
        let told = |n: i64, p: &UserId| {
            choice(
                format!("Told {} (#{n})", p.mention()),
                format!("told {} {n}", p.mention()),
            )
        };
        match self {
            Notice::CheckinNudge {
                items, headsups, ..
            } => {
                let mut out = Vec::new();
                for i in items {
                    let m = i.peer.mention();
                    if i.review.is_some() {
                        out.push(choice(
                            format!("Keep the series with {m}"),
                            format!("review {m} keep"),
                        ));
                        out.push(choice(
                            format!("Change {m} to monthly"),
                            format!("review {m} cadence monthly"),
                        ));
                        out.push(choice(
                            format!("Stop the series with {m}"),
                            format!("review {m} stop"),
                        ));
                        continue;
                    }
                    out.push(choice(
                        format!("We talked with {m} today"),
                        format!("checkin {m}"),
                    ));
                    out.push(choice(
                        format!("Snooze {m} 3 days"),
                        format!("snooze {m} 3 days"),
                    ));
                    out.push(choice(format!("Prep for {m}"), format!("prep {m}")));
                    for o in &i.signals.offers {
                        out.push(choice(
                            format!("Offer #{} done", o.id),
                            format!("offered {m} done {}", o.id),
                        ));
                        out.push(choice(
                            format!("Drop offer #{}", o.id),
                            format!("offered {m} drop {}", o.id),
                        ));
                    }
                }
                for h in headsups {
                    out.extend(h.untold.iter().map(|p| told(h.number, p)));
                }
                out
            }
            Notice::HeadsupReminder { item, .. } => {
                item.untold.iter().map(|p| told(item.number, p)).collect()
            }
            Notice::HeadsupAfter { item, .. } => item
                .untold
                .iter()
                .flat_map(|p| {
                    let (m, n) = (p.mention(), item.number);
                    [
                        choice(
                            format!("{m} heard it from me first"),
                            format!("told {m} {n}"),
                        ),
                        choice(
                            format!("{m} heard it in the room"),
                            format!("told {m} {n} late"),
                        ),
                    ]
                })
                .collect(),
            Notice::LoanDue { number: n, .. } => vec![
                choice(
                    format!("Loan #{n} came back"),
                    format!("trade returned {n}"),
                ),
                choice(
                    format!("Write loan #{n} off"),
                    format!("trade writeoff {n}"),
                ),
            ],
            Notice::ContextStale { .. } => {
                vec![choice("Take my context down", "context clear")]
            }
            Notice::EscalationInvite { number: n, .. } => vec![
                choice(format!("Read escalation #{n}"), format!("escalation {n}")),
                choice(
                    format!("Fill in my side of #{n}"),
                    format!("escalation {n} edit"),
                ),
            ],
            Notice::TogetherEnded { number: n, .. } => vec![
                choice(
                    format!("Keep going with #{n}"),
                    format!("together lookback {n} keep"),
                ),
                choice(format!("Close #{n}"), format!("together lookback {n} stop")),
            ],
            Notice::EscalationUndelivered { number: n, .. } => vec![choice(
                format!("Read escalation #{n}"),
                format!("escalation {n}"),
            )],
            Notice::Digest { .. }
            | Notice::MeetingPrep { .. }
            | Notice::PeerLeft { .. }
            | Notice::Escalation { .. }
            | Notice::TogetherPeer { .. } => Vec::new(),
        }
    }
}

/// `Loan #3: you lent <@A>'s team capacity “two engineers”, due back today.`
pub fn loan_line(n: &Notice) -> String {
    let Notice::LoanDue {
        number,
        peer,
        lent,
        text,
        back_by,
        overdue,
    } = n
    else {
        return String::new();
    };
    let who = peer.mention();
    let what = if *lent {
        format!("you lent {who}'s team capacity")
    } else {
        format!("you promised to give back the capacity {who}'s team lent you")
    };
    let due = if *overdue {
        format!("was due back {back_by} :warning:")
    } else {
        format!("is due back {back_by}")
    };
    format!(
        "Loan #{number}: {what}, “{}”; it {due}.",
        escape_mrkdwn(text)
    )
}

/// The channel digest: credits since the last one, then members' published constraints. An
/// empty one says so.
pub fn digest_text(meeting: &str, room: &str, body: &DigestBody, as_of: DateTime<Utc>) -> String {
    let mut out = format!("*Before {}, {room}*\n", escape_mrkdwn(meeting));
    if body.is_empty() {
        out.push_str(
            "Nothing to share this time: no credits since the last digest and no published \
             constraints from this channel's members. `/peer credit @peer <what their team did>` \
             names a peer's team in the next one.",
        );
        return out;
    }
    if !body.credits.is_empty() {
        out.push_str("*Credit where it is due*\n");
        out.push_str(&credit_lines(&body.credits));
    }
    if !body.contexts.is_empty() {
        out.push_str("*What each team is juggling right now*\n");
        out.push_str(&context_lines(&body.contexts, as_of));
    }
    out.trim_end().to_string()
}

fn credit_lines(credits: &[crate::domain::Credit]) -> String {
    credits
        .iter()
        .map(|c| {
            format!(
                "• {} credits {}'s team: {}\n",
                c.author.mention(),
                c.peer.mention(),
                escape_mrkdwn(&c.what)
            )
        })
        .collect()
}

/// `• <@U>: text _(set 45 days ago)_`, the age shown once it is stale.
pub fn context_lines(contexts: &[crate::domain::Published], as_of: DateTime<Utc>) -> String {
    contexts
        .iter()
        .map(|c| format!("• {}: {}\n", c.user.mention(), context_with_age(c, as_of)))
        .collect()
}

/// The text, with its age when it is older than 30 days.
pub fn context_with_age(c: &crate::domain::Published, as_of: DateTime<Utc>) -> String {
    let age = c
        .stale_days(as_of)
        .map(|d| format!(" _(set {d} days ago)_"))
        .unwrap_or_default();
    format!("{}{age}", escape_mrkdwn(&c.text))
}

/// `#3 “…” reaches the room Thu 3 Dec 10:00; still untold: <@A>`
pub fn headsup_line(h: &HeadsupItem) -> String {
    format!(
        "#{} “{}” reaches the room {}; still untold: {}",
        h.number,
        escape_mrkdwn(&h.what),
        h.room,
        mentions(&h.untold)
    )
}

/// `<@U2> (biweekly, cooling): last contact 18 days ago. _because …_`, seen on `day`: with a
/// milestone call-out first when the relationship is at risk, and the open offers.
pub fn due_line(i: &DueItem, day: NaiveDate) -> String {
    let since = match i.last_contact {
        Some(_) => format!("last contact {} days ago", i.days_since),
        None => format!(
            "no contact logged since you added them {} days ago",
            i.days_since
        ),
    };
    let why = i
        .reason
        .as_deref()
        .map(|r| format!(" _because {}_", escape_mrkdwn(r)))
        .unwrap_or_default();
    let mut line = format!(
        "{} ({}, {}): {since}.{why}",
        i.peer.mention(),
        i.cadence,
        i.warmth.label()
    );
    if let Some(m) = i
        .signals
        .milestone
        .as_ref()
        .and_then(|m| milestone_line(m, i.warmth, day))
    {
        line.push(' ');
        line.push_str(&m);
    }
    if !i.signals.offers.is_empty() {
        let offers: Vec<String> = i
            .signals
            .offers
            .iter()
            .map(|o| format!("#{} “{}”", o.id, escape_mrkdwn(&o.what)))
            .collect();
        line.push_str(&format!(
            " You offered: {}. Done? /peer offered {} done <id>.",
            offers.join(", "),
            i.peer.mention()
        ));
    }
    if i.signals.drifting {
        line.push_str(
            " :warning: Your last two check-ins turned into status syncs: this time ask about their \
             world (their top constraint, what their boss is pressing on, what is on fire).",
        );
    }
    line
}

/// The three-month review of a series: what it held, and the question.
/// `*Three months with <@A>* (biweekly since Tue 1 Sep): 5 check-ins held, 2 cycles skipped, …`
pub fn review_text(
    peer: &UserId,
    cadence: &str,
    h: &crate::domain::SeriesHistory,
    today: NaiveDate,
) -> String {
    let since = if h.since.year() == today.year() {
        h.since.format("%a %-d %b")
    } else {
        h.since.format("%a %-d %b %Y")
    };
    let plural = |n: u32, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let snoozes = if h.snoozes.is_empty() {
        "no snoozes".to_string()
    } else {
        // The latest few reasons, each cut short: a long series must not outgrow a message.
        let mut reasons: Vec<String> = h
            .snoozes
            .iter()
            .rev()
            .take(REVIEW_REASONS)
            .map(|s| match &s.reason {
                Some(r) => format!("“{}”", escape_mrkdwn(&shorten(r, 80))),
                None => "no reason given".into(),
            })
            .collect();
        reasons.reverse();
        if h.snoozes.len() > REVIEW_REASONS {
            reasons.insert(0, "…".into());
        }
        format!(
            "{} ({})",
            plural(
                u32::try_from(h.snoozes.len()).unwrap_or(u32::MAX),
                "snooze",
                "snoozes"
            ),
            reasons.join("; ")
        )
    };
    format!(
        "*Time to review your series with {}* ({cadence} since {since}): {} held, {} with no \
         contact, {snoozes}. Keep it as it is, change the cadence, or stop?",
        peer.mention(),
        plural(h.held, "check-in", "check-ins"),
        plural(h.skipped, "cycle", "cycles"),
    )
}

/// Snooze reasons a review shows at most (the latest).
const REVIEW_REASONS: usize = 5;

/// `s` cut to `max` characters, with an ellipsis when cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// The typed answers to a review (the buttons' equivalent).
pub fn review_hint(peer: &UserId) -> String {
    let m = peer.mention();
    format!(
        "Answer with /peer review {m} keep, /peer review {m} cadence monthly, or /peer review {m} stop."
    )
}

/// Whether a due peer's milestone puts them first in the nudge.
pub fn milestone_first(i: &DueItem, day: NaiveDate) -> bool {
    i.signals
        .milestone
        .as_ref()
        .is_some_and(|m| m.at_risk(i.warmth, day))
}

/// `:warning: *Milestone in 12 days*: their platform cut-over (Mon 1 Mar), and the relationship
/// is cooling: talk before it.` when at risk; a plain `_milestone: …_` when current; `None` once
/// it has passed.
pub fn milestone_line(m: &Milestone, warmth: Warmth, today: NaiveDate) -> Option<String> {
    if !m.is_current(today) {
        return None;
    }
    let when = match m.days_left(today) {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        n => format!("in {n} days"),
    };
    let what = escape_mrkdwn(&m.what);
    let day = if m.due_on.year() == today.year() {
        m.due_on.format("%a %-d %b")
    } else {
        m.due_on.format("%a %-d %b %Y")
    };
    Some(if m.at_risk(warmth, today) {
        format!(
            ":warning: *Milestone {when}*: {what} ({day}), and the relationship is {}: talk before it.",
            warmth.label()
        )
    } else {
        format!("_milestone: {what}, {day}_")
    })
}

/// The block id of an open offer's Done / Drop controls.
pub fn offer_block(id: i64) -> String {
    format!("offer.{id}")
}

/// Escapes the three characters Slack's mrkdwn reserves, for user-typed text shown back.
pub fn escape_mrkdwn(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The block id of a due peer's line in a check-in nudge (a control used there is recorded
/// under it).
pub fn due_block(peer: &UserId) -> String {
    format!("due.{peer}")
}

/// The block id of an untold peer's line in a heads-up message.
pub fn told_block(number: i64, peer: &UserId) -> String {
    format!("told.{number}.{peer}")
}

/// What is traded for a workspace's tokens.
pub enum Grant {
    /// The code Slack's install page handed back, with the redirect URL it was sent to.
    Code {
        code: String,
        redirect_url: Option<String>,
    },
    /// A refresh token (token rotation).
    Refresh { refresh_token: String },
}

/// A workspace's tokens, as Slack granted them. Not `Debug`: it holds tokens.
pub struct Granted {
    pub team: TeamId,
    pub team_name: String,
    /// The Enterprise Grid organisation, if any.
    pub enterprise: Option<String>,
    /// Installed for a whole organisation rather than one workspace.
    pub enterprise_install: bool,
    pub bot_user: Option<UserId>,
    pub bot_token: String,
    pub scopes: String,
    pub installer: Option<UserId>,
    pub refresh_token: Option<String>,
    /// Seconds the bot token lasts (token rotation), if it expires.
    pub expires_in: Option<i64>,
}

/// Why a message could not be delivered, which decides what happens to it next.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Slack said slow down (429); try again after this long.
    #[error("rate limited; retry after {0:?}")]
    RateLimited(Duration),
    /// Slack will never accept it (user deactivated, app uninstalled…).
    #[error("rejected: {0}")]
    Rejected(String),
    /// A passing failure (network, 5xx, timeout); retry later.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

pub use crate::domain::MessageRef;

/// What marks a scheduled message as one outbox row, so that it can be recognised in Slack
/// later: Slack message metadata `{"event_type": "sideways_delivery", "event_payload":
/// {"delivery_id": "<team>:<row id>"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryTag {
    pub team: TeamId,
    /// The outbox row (`delivery.delivery_id`).
    pub id: i64,
}

impl DeliveryTag {
    /// The metadata's `event_type`.
    pub const EVENT_TYPE: &'static str = "sideways_delivery";
    /// The `event_payload` field that holds [`DeliveryTag::delivery_id`].
    pub const FIELD: &'static str = "delivery_id";

    pub fn new(team: &TeamId, id: i64) -> Self {
        DeliveryTag {
            team: team.clone(),
            id,
        }
    }

    /// `T0001:42`: unique per workspace and outbox row.
    pub fn delivery_id(&self) -> String {
        format!("{}:{}", self.team, self.id)
    }
}

/// A form to open for the user who acted.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    /// The check-in form for `peer`, dated `today` by default; `from` is the nudge it was
    /// opened from (updated once the form is submitted).
    Checkin {
        peer: UserId,
        today: NaiveDate,
        from: Option<MessageRef>,
    },
    /// Snooze `peer` for 3 days, 1 week or 2 weeks, with an optional reason.
    Snooze {
        peer: UserId,
        from: Option<MessageRef>,
    },
    /// Look back on piece of work together `number` with `peer`: what worked, what to change,
    /// keep going for another `weeks` weeks or close it.
    LookBack {
        number: i64,
        peer: UserId,
        topic: String,
        weeks: u32,
        from: Option<MessageRef>,
    },
    /// The stuck diagnostic about `peer`: [`STUCK_QUESTIONS`].
    Stuck { peer: UserId },
    /// One author's side of joint escalation `number` (with `peer`, the other author), filled
    /// with what is there now: [`ESCALATION_QUESTIONS`].
    EscalationSide {
        number: i64,
        peer: UserId,
        topic: String,
        current: Position,
        ask: Option<String>,
    },
}

/// The stuck diagnostic's questions: (field id, question). Any may be left empty, not all.
pub const STUCK_QUESTIONS: &[(&str, &str)] = &[
    (
        "know",
        "What do I know that they don't? (deadlines, trade-offs, pressures I have not shared)",
    ),
    (
        "reasonable",
        "What would have to be true for their choice to be reasonable?",
    ),
    ("unseen", "What might they be managing that I cannot see?"),
];

impl Form {
    /// Who the form is about.
    pub fn peer(&self) -> &UserId {
        match self {
            Form::Checkin { peer, .. }
            | Form::Snooze { peer, .. }
            | Form::Stuck { peer }
            | Form::EscalationSide { peer, .. }
            | Form::LookBack { peer, .. } => peer,
        }
    }

    /// Its free-text questions, for transports that ask them in turn (the console); `None`
    /// for forms with controls other than text.
    pub fn questions(&self) -> Option<&'static [(&'static str, &'static str)]> {
        match self {
            Form::Stuck { .. } => Some(STUCK_QUESTIONS),
            Form::EscalationSide { .. } => Some(ESCALATION_QUESTIONS),
            Form::Checkin { .. } | Form::Snooze { .. } | Form::LookBack { .. } => None,
        }
    }
}

/// The user's own dashboard (Slack's App Home tab). Only the viewer's data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Home {
    /// One line per peer, coldest first, and whether they are due within the week.
    pub peers: Vec<HomePeer>,
    pub headsups: Vec<HeadsupItem>,
    /// Open offers, per peer.
    pub offers: Vec<(UserId, Offer)>,
    /// Open capacity loans, soonest due first, as lines.
    pub loans: Vec<String>,
    /// Joint escalations the user is an author of and that are still open, as lines.
    pub escalations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HomePeer {
    pub peer: UserId,
    pub line: String,
    pub due_this_week: bool,
}

/// Something shown to one user outside the message flow.
#[derive(Debug, Clone, PartialEq)]
pub enum Surface {
    /// Open a form in answer to the user's action (Slack: `views.open` with its trigger).
    Form { trigger: String, form: Form },
    /// Publish the user's home (Slack: `views.publish`).
    Home { user: UserId, home: Box<Home> },
    /// Redraw a sent message with the blocks already acted on marked done (Slack: `chat.update`).
    Replace {
        at: MessageRef,
        notice: Box<Notice>,
        done: std::collections::BTreeMap<String, String>,
    },
    /// A private answer to the user who acted (Slack: the payload's `response_url`).
    Ephemeral { response_url: String, text: String },
}

#[async_trait]
pub trait Messenger: Send + Sync + 'static {
    /// Delivers a DM to `to` (or posts a digest to its channel). Returns where it landed when
    /// the transport can update messages.
    async fn send(&self, to: &Owner, notice: &Notice) -> Result<Option<MessageRef>, SendError>;

    /// [`Messenger::send`] for an outbox message: the message carries `tag` where the transport
    /// can keep it (Slack: message metadata), so [`Messenger::already_delivered`] can find it.
    async fn send_tagged(
        &self,
        to: &Owner,
        notice: &Notice,
        _tag: &DeliveryTag,
    ) -> Result<Option<MessageRef>, SendError> {
        self.send(to, notice).await
    }

    /// Whether the message tagged `tag` already reached `to`'s DM (or the notice's channel),
    /// looking no further back than `since` (when it was recorded): asked before sending again
    /// a message whose earlier attempt may have reached Slack unrecorded (a sender that died
    /// mid-send). Where it landed if so. Transports that cannot lose a send that way (the
    /// console) answer `None`: not delivered.
    async fn already_delivered(
        &self,
        _to: &Owner,
        _notice: &Notice,
        _tag: &DeliveryTag,
        _since: DateTime<Utc>,
    ) -> Result<Option<MessageRef>, SendError> {
        Ok(None)
    }

    /// Shows a form, home, redrawn message or private answer. Transports without such
    /// surfaces (the console) ignore it.
    async fn show(&self, _team: &TeamId, _surface: Surface) -> Result<(), SendError> {
        Ok(())
    }

    /// Sends `to` a file privately (Slack: the external upload flow into their DM). Returns a
    /// local path when the transport writes files instead (the console).
    async fn upload(
        &self,
        _to: &Owner,
        _name: &str,
        _content: Vec<u8>,
    ) -> Result<Option<String>, SendError> {
        Err(SendError::Rejected("files are not supported here".into()))
    }

    /// The workspace's access ended (uninstalled, token revoked): forget anything cached for it.
    fn forget_workspace(&self, _team: &TeamId) {}

    /// The user's time zone as Slack knows it (`users.info` `tz`), if any.
    async fn user_tz(&self, who: &Owner) -> Result<Option<Tz>, SendError>;

    /// Trades an OAuth grant (an install's code, or a refresh token) for a workspace's tokens
    /// (Slack: `oauth.v2.access`). Transports without OAuth refuse.
    async fn exchange(&self, _grant: &Grant) -> Result<Granted, SendError> {
        Err(SendError::Rejected("OAuth is not configured".into()))
    }

    /// Gives back a token Sideways will not keep (Slack: `auth.revoke`), so an install it refused
    /// leaves no working token behind. Transports without OAuth have none to give back.
    async fn revoke(&self, _token: &str) -> Result<(), SendError> {
        Ok(())
    }

    /// Whether Sideways can post in `channel` (Slack: `conversations.info`'s `is_member`, since
    /// `chat:write` posts only where the bot is a member). Transports without channels say yes.
    async fn can_post(&self, _team: &TeamId, _channel: &ChannelId) -> Result<bool, SendError> {
        Ok(true)
    }

    /// Who is in a channel (`conversations.members`), all pages.
    async fn channel_members(
        &self,
        team: &TeamId,
        channel: &ChannelId,
    ) -> Result<Vec<UserId>, SendError>;
}
