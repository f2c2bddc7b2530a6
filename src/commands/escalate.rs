//! `/peer escalate @user <topic> [to @boss|#channel]`, `/peer escalation <n> …` and
//! `/peer escalations`: the joint escalation (SPEC §14). One document with both positions; each
//! author fills and edits their own side and reads the other's; it goes to its destination only
//! when both have approved the same version (an edit withdraws earlier approvals), and either can
//! withdraw it. The peer is told once, when it starts: the topic and who started it.

use super::args::{Args, bounded_text, echo, free_text, id_number};
use super::{Ctx, Reply};
use crate::domain::{
    ApproveRefusal, ChannelId, Destination, Escalation, EscalationState, MAX_ANSWER, Position,
    UserId,
};
use crate::error::{AppError, Result, UsageError};
use crate::outbound::{Form, Notice, escalation_status, escalation_text, escape_mrkdwn};
use crate::store::EscalationEdit;

pub const USAGE: &str = "`/peer escalate @user <topic> [to @boss|#channel]`";
pub const ABOUT: &str = "Escalate together, after the peacetime work: one document with both \
positions (what each side is trying to achieve, what happens to its team if it gives way, what was \
tried) and the shared ask. You fill your side; they get one DM inviting them to fill theirs. It goes \
to its destination only when you have both approved the same version.";
pub const DOC_USAGE: &str = "`/peer escalation <n>` · `/peer escalation <n> edit|approve|withdraw` · \
`/peer escalation <n> ask <text>` · `/peer escalation <n> to @user|#channel`";
pub const DOC_ABOUT: &str = "Read a joint escalation, edit your side (a form), set the shared ask \
or where it goes (each a new version: earlier approvals are withdrawn), approve the version it is \
at, or withdraw the whole document. Either author can.";
pub const LIST_USAGE: &str = "`/peer escalations`";
pub const LIST_ABOUT: &str = "The joint escalations you are an author of, and where each stands.";

const MAX_TOPIC: usize = 200;

/// What a side form answered (any field may be empty).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SideAnswers {
    pub goal: Option<String>,
    pub cost: Option<String>,
    pub tried: Option<String>,
    pub ask: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EscalateCmd {
    Start {
        peer: UserId,
        topic: String,
        to: Option<Destination>,
    },
    Show(i64),
    Edit(i64),
    Ask(i64, String),
    To(i64, Destination),
    Approve(i64),
    Withdraw(i64),
    List,
}

/// `<@U…>` or `<#C…>` as a destination.
fn destination(word: &str) -> Option<Destination> {
    UserId::from_mention(word)
        .map(Destination::User)
        .or_else(|| ChannelId::from_reference(word).map(Destination::Channel))
}

pub(super) fn parse(args: &mut Args) -> Result<EscalateCmd, UsageError> {
    let peer = args.mention(USAGE)?;
    let Some(rest) = args.rest() else {
        return Err(UsageError::new(
            "About what? e.g. `/peer escalate @ana the Q1 release freeze to @cto`.",
            USAGE,
        ));
    };
    let rest = free_text(rest);
    let words: Vec<&str> = rest.split_whitespace().collect();
    let (topic, to) = match words.as_slice() {
        [head @ .., to, dest] if to.eq_ignore_ascii_case("to") && !head.is_empty() => {
            match destination(dest) {
                Some(d) => (head.join(" "), Some(d)),
                None => (rest.clone(), None),
            }
        }
        _ => (rest.clone(), None),
    };
    Ok(EscalateCmd::Start {
        peer,
        topic: bounded_text(&topic, MAX_TOPIC, "topic", USAGE)?,
        to,
    })
}

pub(super) fn parse_doc(args: &mut Args) -> Result<EscalateCmd, UsageError> {
    let n = id_number(
        args.next_word(),
        "Which one? Give its number, e.g. `/peer escalation 3`; `/peer escalations` lists them.",
        "escalation number",
        DOC_USAGE,
    )?;
    let Some(verb) = args.next_word() else {
        return Ok(EscalateCmd::Show(n));
    };
    let cmd = match verb.to_ascii_lowercase().as_str() {
        "edit" => EscalateCmd::Edit(n),
        "approve" => EscalateCmd::Approve(n),
        "withdraw" => EscalateCmd::Withdraw(n),
        "ask" => match args.rest() {
            Some(t) => {
                return Ok(EscalateCmd::Ask(
                    n,
                    bounded_text(t, MAX_ANSWER, "ask", DOC_USAGE)?,
                ));
            }
            None => {
                return Err(UsageError::new(
                    "What do you both need decided? e.g. `/peer escalation 3 ask decide the freeze date by Friday`.",
                    DOC_USAGE,
                ));
            }
        },
        "to" => {
            let word = args.next_word().unwrap_or("");
            match destination(word) {
                Some(d) => EscalateCmd::To(n, d),
                None => {
                    return Err(UsageError::new(
                        format!(
                            "{} is not a person or a channel: mention one, e.g. `to @cto` or `to #leads`.",
                            echo(word)
                        ),
                        DOC_USAGE,
                    ));
                }
            }
        }
        other => {
            return Err(UsageError::new(
                format!("I can't {} an escalation.", echo(other)),
                DOC_USAGE,
            ));
        }
    };
    args.finish(DOC_USAGE)?;
    Ok(cmd)
}

fn not_an_author_destination(usage: &'static str) -> AppError {
    UsageError::new(
        "It goes to someone who decides for you both, not to one of you: name them, or a channel.",
        usage,
    )
    .into()
}

fn no_such(n: i64) -> AppError {
    UsageError::new(
        format!("You have no joint escalation #{n}. `/peer escalations` lists yours."),
        DOC_USAGE,
    )
    .into()
}

fn refused(n: i64, r: ApproveRefusal, doc: Option<&Escalation>, me: &UserId) -> AppError {
    let other = doc
        .and_then(|d| d.sides_of(me))
        .map(|(_, o)| o.author.mention())
        .unwrap_or_else(|| "the other author".into());
    let text = match r {
        ApproveRefusal::NotAnAuthor => return no_such(n),
        ApproveRefusal::NotOpen(EscalationState::Sent) => {
            format!("Escalation #{n} was already approved by both and sent: it can't change now.")
        }
        ApproveRefusal::NotOpen(_) => {
            format!("Escalation #{n} was withdrawn: nothing more happens to it.")
        }
        ApproveRefusal::AlreadyApproved => format!(
            "You already approved this version of #{n}. It goes once {other} approves it too."
        ),
        ApproveRefusal::EmptySide(true) => {
            format!("Fill in your side first: /peer escalation {n} edit.")
        }
        ApproveRefusal::EmptySide(false) => format!(
            "{other} has not filled in their side yet: it can't be approved with one position."
        ),
        ApproveRefusal::NoAsk => format!(
            "Write the shared ask first (what you both need decided): `/peer escalation {n} ask <text>`."
        ),
        ApproveRefusal::NoDestination => {
            format!("Say where it goes first: `/peer escalation {n} to @person` or `to #channel`.")
        }
    };
    UsageError::new(text, DOC_USAGE).into()
}

/// The form for `me`'s side of `doc`.
fn side_form(doc: &Escalation, me: &UserId) -> Option<Form> {
    let (mine, theirs) = doc.sides_of(me)?;
    Some(Form::EscalationSide {
        number: doc.number,
        peer: theirs.author.clone(),
        topic: doc.topic.clone(),
        current: mine.position.clone(),
        ask: doc.ask.clone(),
    })
}

fn full_text(doc: &Escalation, me: &UserId) -> String {
    let n = doc.number;
    let mut out = escalation_text(
        n,
        &doc.topic,
        doc.ask.as_deref(),
        [
            (&doc.initiator.author, &doc.initiator.position),
            (&doc.peer.author, &doc.peer.position),
        ],
    );
    out.push_str(&format!("\n_{}_", escalation_status(doc, me)));
    if doc.state == EscalationState::Open {
        out.push_str(&format!(
            "\nEdit your side: /peer escalation {n} edit · approve this version: /peer escalation {n} approve · withdraw it: /peer escalation {n} withdraw"
        ));
    }
    out
}

/// The payload recorded for delivery once both approved.
fn delivery(doc: &Escalation) -> std::result::Result<String, String> {
    let Some(to) = doc.to.clone() else {
        return Err("an approved escalation with no destination".into());
    };
    serde_json::to_string(&Notice::Escalation {
        number: doc.number,
        topic: doc.topic.clone(),
        ask: doc.ask.clone(),
        to,
        initiator: doc.initiator.author.clone(),
        initiator_side: doc.initiator.position.clone(),
        peer: doc.peer.author.clone(),
        peer_side: doc.peer.position.clone(),
    })
    .map_err(|e| e.to_string())
}

impl EscalateCmd {
    /// The document it acts on, when it names one.
    pub fn number(&self) -> Option<i64> {
        match self {
            EscalateCmd::Show(n)
            | EscalateCmd::Edit(n)
            | EscalateCmd::Ask(n, _)
            | EscalateCmd::To(n, _)
            | EscalateCmd::Approve(n)
            | EscalateCmd::Withdraw(n) => Some(*n),
            EscalateCmd::Start { .. } | EscalateCmd::List => None,
        }
    }

    pub fn changes_data(&self) -> bool {
        !matches!(
            self,
            EscalateCmd::Show(_) | EscalateCmd::List | EscalateCmd::Edit(_)
        )
    }

    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        let me = &ctx.owner.user;
        match self {
            EscalateCmd::Start { peer, topic, to } => start(ctx, peer, topic, to.as_ref()).await,
            EscalateCmd::Show(n) => {
                let doc = ctx
                    .store
                    .escalation(ctx.owner, *n)
                    .await?
                    .ok_or_else(|| no_such(*n))?;
                Ok(Reply::new(full_text(&doc, me)))
            }
            EscalateCmd::Edit(n) => {
                let doc = ctx
                    .store
                    .escalation(ctx.owner, *n)
                    .await?
                    .ok_or_else(|| no_such(*n))?;
                if doc.state != EscalationState::Open {
                    return Err(refused(
                        *n,
                        ApproveRefusal::NotOpen(doc.state),
                        Some(&doc),
                        me,
                    ));
                }
                let mut r = Reply::new(format!(
                    "Your side of #{n} “{}”: the form asks four questions.",
                    escape_mrkdwn(&doc.topic)
                ));
                r.form = side_form(&doc, me);
                Ok(r)
            }
            EscalateCmd::Ask(n, text) => {
                edit(
                    ctx,
                    *n,
                    EscalationEdit {
                        ask: Some(text.clone()),
                        ..Default::default()
                    },
                )
                .await
            }
            EscalateCmd::To(n, dest) => {
                if let Some(doc) = ctx.store.escalation(ctx.owner, *n).await?
                    && let Destination::User(u) = dest
                    && (*u == doc.initiator.author || *u == doc.peer.author)
                {
                    return Err(not_an_author_destination(DOC_USAGE));
                }
                if let Destination::Channel(c) = dest {
                    ctx.require_postable(c, DOC_USAGE).await?;
                }
                edit(
                    ctx,
                    *n,
                    EscalationEdit {
                        to: Some(dest.clone()),
                        ..Default::default()
                    },
                )
                .await
            }
            EscalateCmd::Approve(n) => {
                match ctx
                    .store
                    .approve_escalation(ctx.owner, *n, &delivery, ctx.now)
                    .await?
                {
                    Ok(a) if a.sent => Ok(Reply::new(format!(
                        "Approved. You have both approved version {} of #{n}: it goes to {} now, once.",
                        a.doc.version,
                        a.doc
                            .to
                            .as_ref()
                            .map(Destination::mention)
                            .unwrap_or_default()
                    ))),
                    Ok(a) => Ok(Reply::new(format!(
                        "Approved version {} of #{n}. It goes to {} once {} approves the same version; any edit withdraws approvals.",
                        a.doc.version,
                        a.doc
                            .to
                            .as_ref()
                            .map(Destination::mention)
                            .unwrap_or_default(),
                        a.doc
                            .sides_of(me)
                            .map(|(_, o)| o.author.mention())
                            .unwrap_or_default()
                    ))),
                    Err(r) => {
                        let doc = ctx.store.escalation(ctx.owner, *n).await?;
                        Err(refused(*n, r, doc.as_ref(), me))
                    }
                }
            }
            EscalateCmd::Withdraw(n) => match ctx
                .store
                .withdraw_escalation(ctx.owner, *n, ctx.now)
                .await?
            {
                Ok(doc) => Ok(Reply::new(format!(
                    "Withdrew #{n} “{}”. It will not be sent.",
                    escape_mrkdwn(&doc.topic)
                ))),
                Err(r) => {
                    let doc = ctx.store.escalation(ctx.owner, *n).await?;
                    Err(refused(*n, r, doc.as_ref(), me))
                }
            },
            EscalateCmd::List => {
                let docs = ctx.store.escalations_of(ctx.owner).await?;
                if docs.is_empty() {
                    return Ok(Reply::new(
                        "No joint escalations. When the peacetime work has not unblocked a peer, `/peer stuck @peer` suggests the next move.",
                    ));
                }
                let lines: Vec<String> = docs
                    .iter()
                    .map(|d| format!("• {}", escalation_status(d, me)))
                    .collect();
                Ok(Reply::new(format!(
                    "*Joint escalations*\n{}\n/peer escalation <n> shows one.",
                    lines.join("\n")
                )))
            }
        }
    }
}

async fn edit(ctx: &Ctx<'_>, n: i64, e: EscalationEdit) -> Result<Reply> {
    let me = &ctx.owner.user;
    match ctx.store.edit_escalation(ctx.owner, n, &e, ctx.now).await? {
        Ok((doc, true)) => Ok(Reply::new(format!(
            "Saved: #{n} is now at version {}; approvals of earlier versions no longer count.\n_{}_",
            doc.version,
            escalation_status(&doc, me)
        ))),
        Ok((doc, false)) => Ok(Reply::new(format!(
            "Nothing changed in #{n}.\n_{}_",
            escalation_status(&doc, me)
        ))),
        Err(r) => {
            let doc = ctx.store.escalation(ctx.owner, n).await?;
            Err(refused(n, r, doc.as_ref(), me))
        }
    }
}

/// Saves one author's side from the form: the field to mark and why, or the reply.
pub async fn save_side(
    ctx: &Ctx<'_>,
    n: i64,
    a: &SideAnswers,
) -> Result<std::result::Result<Reply, (&'static str, String)>> {
    let clean = |v: &Option<String>| {
        v.as_deref()
            .map(|t| free_text(t).trim().to_string())
            .filter(|t| !t.is_empty())
    };
    let position = Position {
        goal: clean(&a.goal),
        cost: clean(&a.cost),
        tried: clean(&a.tried),
    };
    for (block, v) in [
        ("goal", &position.goal),
        ("cost", &position.cost),
        ("tried", &position.tried),
        ("ask", &clean(&a.ask)),
    ] {
        if v.as_ref().is_some_and(|t| t.chars().count() > MAX_ANSWER) {
            return Ok(Err((
                block,
                format!("Keep it under {MAX_ANSWER} characters."),
            )));
        }
    }
    if position.is_empty() {
        return Ok(Err((
            "goal",
            "Say at least what your side is trying to achieve.".into(),
        )));
    }
    let e = EscalationEdit {
        position: Some(position),
        ask: clean(&a.ask),
        to: None,
    };
    match edit(ctx, n, e).await {
        Ok(r) => Ok(Ok(r)),
        Err(AppError::Usage(u)) => Ok(Err(("goal", u.problem))),
        Err(e) => Err(e),
    }
}

/// Starts the document, invites the peer (one DM: the topic and who started it), and hands
/// back the form for the initiator's side. Warns first when the peacetime work is missing.
async fn start(
    ctx: &Ctx<'_>,
    peer: &UserId,
    topic: &str,
    to: Option<&Destination>,
) -> Result<Reply> {
    let me = &ctx.owner.user;
    if peer == me {
        return Err(
            UsageError::new("An escalation is with someone else: name the peer.", USAGE).into(),
        );
    }
    if peer.as_str() == "USLACKBOT" {
        return Err(UsageError::new("Slackbot has no side to write: name a peer.", USAGE).into());
    }
    if let Some(Destination::User(u)) = to
        && (u == me || u == peer)
    {
        return Err(not_an_author_destination(USAGE));
    }
    if let Some(Destination::Channel(c)) = to {
        ctx.require_postable(c, USAGE).await?;
    }
    let today = ctx.today();
    let warning = match ctx.store.peer(ctx.owner, peer).await? {
        None => Some(format!(
            "{} is not on your map, so there has been no peacetime work with them.",
            peer.mention()
        )),
        Some(p) => {
            let since = p.cadence.before(today, 2);
            match p.last_contact {
                Some(d) if d >= since => None,
                _ => Some(format!(
                    "You have had no check-in with {} in the last two cadences ({}).",
                    peer.mention(),
                    p.cadence
                )),
            }
        }
    }
    .map(|w| {
        format!(
            ":warning: {w} An escalation lands better after the peacetime work: a check-in, and a look for a trade (/peer stuck {} suggests the next move). It is started anyway; withdraw it with /peer escalation <n> withdraw.\n",
            peer.mention()
        )
    })
    .unwrap_or_default();
    let invite = |number: i64| {
        serde_json::to_string(&Notice::EscalationInvite {
            number,
            initiator: me.clone(),
            topic: topic.to_string(),
        })
        .map_err(|e| e.to_string())
    };
    let n = ctx
        .store
        .start_escalation(ctx.owner, peer, topic, to, &invite, ctx.now)
        .await?;
    let told = format!(
        "{} gets one DM inviting them to fill in theirs.",
        peer.mention()
    );
    let doc = ctx
        .store
        .escalation(ctx.owner, n)
        .await?
        .ok_or_else(|| no_such(n))?;
    let dest = to
        .map(|d| {
            format!(
                " It goes to {} once you have both approved the same version.",
                d.mention()
            )
        })
        .unwrap_or_else(|| {
            format!(" Say where it goes with `/peer escalation {n} to @person` or `to #channel`.")
        });
    let mut r = Reply::new(format!(
        "{warning}Started joint escalation #{n} “{}” with {}. Fill in your side (the form asks four questions); {told}{dest}",
        escape_mrkdwn(topic),
        peer.mention()
    ));
    r.form = side_form(&doc, me);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_parse_with_an_optional_destination() {
        let p = |t: &str| parse(&mut Args::new(t));
        let ana = UserId::parse("U2").unwrap();
        assert_eq!(
            p("<@U2> the Q1 freeze to <@U9|cto>").unwrap(),
            EscalateCmd::Start {
                peer: ana.clone(),
                topic: "the Q1 freeze".into(),
                to: Some(Destination::User(UserId::parse("U9").unwrap())),
            }
        );
        assert_eq!(
            p("<@U2> hand over to ops").unwrap(),
            EscalateCmd::Start {
                peer: ana,
                topic: "hand over to ops".into(),
                to: None,
            }
        );
        assert!(matches!(
            p("<@U2> freeze to <#C1|leads>").unwrap(),
            EscalateCmd::Start {
                to: Some(Destination::Channel(_)),
                ..
            }
        ));
        assert!(p("<@U2>").is_err());
        assert!(p("nobody about it").is_err());
    }

    #[test]
    fn document_commands_parse_or_are_refused() {
        let p = |t: &str| parse_doc(&mut Args::new(t));
        assert_eq!(p("3").unwrap(), EscalateCmd::Show(3));
        assert_eq!(p("3 approve").unwrap(), EscalateCmd::Approve(3));
        assert_eq!(
            p("3 ask decide by Friday").unwrap(),
            EscalateCmd::Ask(3, "decide by Friday".into())
        );
        assert!(matches!(
            p("3 to <#C1|leads>").unwrap(),
            EscalateCmd::To(3, Destination::Channel(_))
        ));
        assert!(p("3 to nobody").is_err());
        assert!(p("3 send").is_err());
        assert!(p("x").is_err());
        assert!(p("3 approve now").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_is_refused(s in "\\PC{0,60}") {
            let _ = parse(&mut Args::new(&s));
            let _ = parse_doc(&mut Args::new(&s));
        }
    }
}
