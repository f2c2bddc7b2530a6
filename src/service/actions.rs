//! One typed [`Action`] in, one [`Outcome`] out: what each edge's input means, and the rules
//! shared by every way of doing it (a button and a typed command log a check-in the same way).
//! Errors are mapped to replies here only where the reply has a place of its own (a form
//! field, a `response_url`); a typed command's error goes back to its edge.

use super::Services;
use crate::commands::checkin::{CheckinForm, FieldProblem, log};
use crate::commands::escalate::{self, SideAnswers};
use crate::commands::review::{self, ReviewAnswer};
use crate::commands::stuck::{self, StuckAnswers};
use crate::commands::{
    Command, Ctx, EscalateCmd, Reply, Snooze, SnoozeFor, TogetherCmd, Told, TradeCmd, close_offer,
    fmt_day, forget, prep,
};
use crate::domain::{
    CheckinEntry, DateSpec, LoanStatus, LookBack, MAX_ANSWER, Owner, TeamId, TogetherStatus, UserId,
};
use crate::error::{AppError, Result};
use crate::outbound::{Form, MessageRef, Notice, Surface};
use crate::store::{Confirmed, ForgetTarget};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long opening a form may take (Slack's trigger lasts 3 s).
const FORM_WAIT: Duration = Duration::from_millis(2500);
/// What to say when a form could not open in time.
fn form_failed(form: &Form) -> String {
    match form {
        Form::EscalationSide { number, .. } => format!(
            "I couldn't open the form just now (Slack did not answer in time): open it again \
             with /peer escalation {number} edit."
        ),
        Form::Stuck { peer } => format!(
            "I couldn't open the form just now (Slack did not answer in time). Nothing was kept; \
             try /peer stuck {} again.",
            peer.mention()
        ),
        _ => "I couldn't open the check-in form just now. Log it by typing \
`/peer checkin @peer <notes>` instead."
            .into(),
    }
}
const STALE: &str = "That button is not one I can act on any more (it may be from an old message). \
Nothing was changed. `/peer map` shows where things stand.";

/// Who acted, in which workspace, and what they asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub team: TeamId,
    pub user: UserId,
    pub action: Action,
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
    /// A successor picked for a departed peer: (departed, successor).
    Successor(UserId, UserId),
    /// A loan came back (`true`) or is written off.
    SettleLoan(i64, bool),
    /// A loan's new due date, from the date picker.
    ExtendLoan(i64, chrono::NaiveDate),
    /// The confirmation of a `/peer forget` (its one-time token).
    ConfirmForget(String),
    /// Show prep about a peer, privately.
    Prep(UserId),
    /// Close an offer: done (`true`) or dropped.
    CloseOffer(i64, bool),
    /// Answer a three-month review.
    Review(UserId, ReviewAnswer),
    /// Open the form for my side of joint escalation `n`.
    EditEscalation(i64),
    /// Open the look-back form of piece of work together `n`.
    LookBack(i64),
}

/// Everything a user can do, from any edge.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `/peer <text>`; with `trigger`, a bare `/peer checkin @user` opens the form.
    Command {
        text: String,
        trigger: Option<String>,
    },
    /// A button on a message (`message`) or on App Home.
    Button {
        action: ButtonAction,
        block_id: String,
        trigger: Option<String>,
        message: Option<MessageRef>,
        response_url: Option<String>,
    },
    /// A form about `peer`, submitted (`view_id` makes a resubmission count once; `from` is
    /// the message it was opened from).
    Submit {
        view_id: String,
        peer: UserId,
        from: Option<MessageRef>,
        answers: Answers,
    },
    /// A control Sideways cannot act on (unknown, stale or forged).
    Stale { response_url: Option<String> },
}

/// A workspace event (Events API or Socket Mode), acted on once per `event_id`.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    HomeOpened(UserId),
    /// `app_uninstalled` / `tokens_revoked`.
    AccessEnded,
    UserDeleted(UserId),
    Ignored,
}

/// What the edge shows in answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A private reply to the user who acted.
    Reply(String),
    /// A private reply with one button to press before anything is done.
    Confirm {
        text: String,
        token: String,
        label: String,
    },
    /// A form opened: nothing more to say.
    FormOpened,
    /// A form to fill where none can be opened: a transport that can ask its questions in turn
    /// does (the console), and answers with [`Action::Submit`]; others show `text`.
    Ask { form: Form, text: String },
    /// Acknowledged; anything to say went to the user by other means.
    Done,
    /// A form stays open with these fields marked.
    FormErrors(Vec<FieldProblem>),
    /// A form was saved: replace it with this confirmation.
    FormSaved { title: &'static str, text: String },
    /// A form already saved (Slack delivered it again): close it.
    FormClosed,
}

impl Services {
    /// Handles one request from any edge. Never fails: errors become the outcome the edge can
    /// show (internal ones are logged once, here).
    pub async fn handle(&self, req: Request) -> Outcome {
        let Request { team, user, action } = req;
        match action {
            Action::Command { text, trigger } => {
                match self.command(&team, &user, &text, trigger.as_deref()).await {
                    Ok(o) => o,
                    Err(e) => Outcome::Reply(e.reply()),
                }
            }
            Action::Button {
                action: ButtonAction::ConfirmForget(token),
                response_url,
                ..
            } => {
                let text = self.confirm_forget(&team, &user, &token).await;
                self.tell(&team, response_url, text);
                Outcome::Done
            }
            Action::Button {
                action,
                block_id,
                trigger,
                message,
                response_url,
            } => {
                let answer = self
                    .button(&team, &user, action, &block_id, trigger, message)
                    .await;
                if let Some(text) = answer {
                    self.tell(&team, response_url, text);
                }
                Outcome::Done
            }
            Action::Submit {
                view_id,
                peer,
                from,
                answers,
            } => {
                self.submit(&team, &user, &view_id, &peer, from, answers)
                    .await
            }
            Action::Stale { response_url } => {
                self.tell(&team, response_url, STALE.into());
                Outcome::Done
            }
        }
    }

    async fn command(
        &self,
        team: &TeamId,
        user: &UserId,
        text: &str,
        trigger: Option<&str>,
    ) -> Result<Outcome> {
        let cmd = Command::parse(text)?;
        if let Command::Help(h) = &cmd {
            return Ok(Outcome::Reply(h.run().text));
        }
        let now = self.clock.now();
        let actor = self.actor(team, user, now).await?;
        let ctx = actor.ctx(self, now);
        if let (Command::Checkin(c), Some(trigger)) = (&cmd, trigger)
            && c.is_bare()
        {
            ctx.require_peer_here(&c.peer).await?;
            let form = Form::Checkin {
                peer: c.peer.clone(),
                today: ctx.today(),
                from: None,
            };
            return Ok(self.open_form(team, trigger, form).await);
        }
        if let Command::Stuck(peer) = &cmd {
            stuck::check(&ctx, peer).await?;
            let form = Form::Stuck { peer: peer.clone() };
            return Ok(match trigger {
                Some(trigger) => self.open_form(team, trigger, form).await,
                None => Outcome::Ask {
                    text: format!(
                        "The stuck diagnostic about {}: three questions, for you alone.",
                        peer.mention()
                    ),
                    form,
                },
            });
        }
        let reply = cmd.run(&ctx).await?;
        if matches!(cmd, Command::Settings(_)) {
            self.profile_changed(&actor.owner);
        }
        if cmd.changes_data() {
            self.refresh_home(&actor.owner);
            if let Command::Escalate(e) = &cmd {
                match e {
                    // The invited peer is an author too: their Home lists it from now on.
                    EscalateCmd::Start { peer, .. } => {
                        self.refresh_home(&Owner::new(actor.owner.team.clone(), peer.clone()));
                    }
                    _ => {
                        if let Some(n) = e.number() {
                            self.refresh_coauthor(&actor.owner, n).await;
                        }
                    }
                }
            }
        }
        if let Some(form) = reply.form {
            // The reply says what happened; the form comes next (asked in turn where no form
            // can open).
            return Ok(match trigger {
                Some(trigger) => match self.open_form(team, trigger, form).await {
                    Outcome::Reply(failed) => Outcome::Reply(format!("{}\n{failed}", reply.text)),
                    _ => Outcome::Reply(reply.text),
                },
                None => Outcome::Ask {
                    form,
                    text: reply.text,
                },
            });
        }
        Ok(match reply.confirm {
            Some(c) => Outcome::Confirm {
                text: reply.text,
                token: c.token,
                label: c.label,
            },
            None => Outcome::Reply(reply.text),
        })
    }

    /// Presses a `/peer forget` confirmation: deletes once, for the user who asked, within
    /// its 10 minutes; anything else deletes nothing and says why.
    pub async fn confirm_forget(&self, team: &TeamId, user: &UserId, token: &str) -> String {
        let owner = Owner::new(team.clone(), user.clone());
        match self.store.confirm_forget(&owner, token, self.clock.now()).await {
            Ok(Confirmed::Done(target, deleted)) => {
                if matches!(target, ForgetTarget::Me) {
                    self.profile_changed(&owner);
                }
                self.refresh_home(&owner);
                forget::done_text(&target, &deleted)
            }
            Ok(Confirmed::NotYours) => {
                "That confirmation is not yours: only the person who asked can press it. Nothing was deleted.".into()
            }
            Ok(Confirmed::Used) => {
                "That confirmation was already used (or is unknown). Nothing more was deleted.".into()
            }
            Ok(Confirmed::Expired) => {
                "That confirmation has expired (it lasts 10 minutes). Nothing was deleted; ask again with `/peer forget`.".into()
            }
            Err(e) => AppError::from(e).reply(),
        }
    }

    /// Opens a form for the user who acted: [`Outcome::FormOpened`], or a reply saying what
    /// to do instead.
    async fn open_form(&self, team: &TeamId, trigger: &str, form: Form) -> Outcome {
        let failed = form_failed(&form);
        let surface = Surface::Form {
            trigger: trigger.to_string(),
            form,
        };
        // Slack's trigger expires after 3 s; a form that cannot open by then never will.
        match tokio::time::timeout(FORM_WAIT, self.messenger.show(team, surface)).await {
            Ok(Ok(())) => Outcome::FormOpened,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "views.open failed");
                Outcome::Reply(failed)
            }
            Err(_) => Outcome::Reply(failed),
        }
    }

    /// Answers a control that is not from a known workspace and user (nothing changes).
    pub fn answer_stale(&self, response_url: Option<String>) {
        if let Some(team) = TeamId::parse("T0") {
            self.tell(&team, response_url, STALE.into());
        }
    }

    /// A private answer to the user who acted, in the background.
    fn tell(&self, team: &TeamId, response_url: Option<String>, text: String) {
        let Some(response_url) = response_url else {
            return;
        };
        let (s, team) = (self.clone(), team.clone());
        self.in_background(async move {
            let surface = Surface::Ephemeral { response_url, text };
            if let Err(e) = s.messenger.show(&team, surface).await {
                tracing::warn!(error = %e, "could not answer through response_url");
            }
        });
    }

    /// The other author of escalation `n` sees the change on their App Home too (if open).
    async fn refresh_coauthor(&self, owner: &Owner, n: i64) {
        if let Ok(Some(doc)) = self.store.escalation(owner, n).await
            && let Some((_, other)) = doc.sides_of(&owner.user)
        {
            self.refresh_home(&Owner::new(owner.team.clone(), other.author.clone()));
        }
    }

    /// Marks `block` of the message done and redraws it in the background.
    async fn mark_done(&self, owner: &Owner, at: &MessageRef, block: &str, label: &str) {
        let sent = match self.store.sent_message(owner, &at.channel, &at.ts).await {
            Ok(Some(s)) => s,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(error = %e, "reading a sent message failed");
                return;
            }
        };
        if let Err(e) = self.store.mark_block_done(sent.id, block, label).await {
            tracing::error!(error = %e, "recording a used control failed");
            return;
        }
        let Ok(notice) = serde_json::from_str::<Notice>(&sent.payload) else {
            return;
        };
        let mut done: BTreeMap<String, String> = sent.done;
        done.insert(block.to_string(), label.to_string());
        let (s, team, at) = (self.clone(), owner.team.clone(), at.clone());
        self.in_background(async move {
            let surface = Surface::Replace {
                at,
                notice: Box::new(notice),
                done,
            };
            if let Err(e) = s.messenger.show(&team, surface).await {
                tracing::warn!(error = %e, "could not update the message");
            }
        });
    }

    /// Runs a button; returns what to tell the user privately, if anything.
    async fn button(
        &self,
        team: &TeamId,
        user: &UserId,
        action: ButtonAction,
        block_id: &str,
        trigger: Option<String>,
        message: Option<MessageRef>,
    ) -> Option<String> {
        let now = self.clock.now();
        let actor = match self.actor(team, user, now).await {
            Ok(a) => a,
            Err(e) => return Some(e.reply()),
        };
        // A control on a message must be on a message sent to this user, and not used yet.
        if let Some(at) = &message {
            match self
                .store
                .sent_message(&actor.owner, &at.channel, &at.ts)
                .await
            {
                Ok(Some(sent)) => {
                    if let Some(label) = sent.done.get(block_id) {
                        return Some(format!("Already done: {label}. Nothing changed."));
                    }
                }
                Ok(None) => return Some(STALE.into()),
                Err(e) => return Some(AppError::from(e).reply()),
            }
        }
        let ctx = actor.ctx(self, now);
        if let ButtonAction::EditEscalation(n) = &action {
            let Some(trigger) = trigger else {
                return Some(STALE.into());
            };
            return match EscalateCmd::Edit(*n).run(&ctx).await {
                Ok(Reply {
                    form: Some(form), ..
                }) => match self.open_form(team, &trigger, form).await {
                    Outcome::Reply(text) => Some(text),
                    _ => None,
                },
                Ok(r) => Some(r.text),
                Err(e) => Some(e.reply()),
            };
        }
        if let ButtonAction::Prep(peer) = &action {
            // Shown privately (the response_url); the message itself is not changed.
            return Some(match prep(&ctx, peer).await {
                Ok(r) => r.text,
                Err(e) => e.reply(),
            });
        }
        let outcome: Result<String> = match &action {
            ButtonAction::LogCheckin(peer) | ButtonAction::Snooze(peer) => {
                if let Err(e) = ctx.require_peer_here(peer).await {
                    return Some(e.reply());
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
                    return Some(STALE.into());
                };
                // The message is marked done when the form is submitted.
                return match self.open_form(team, &trigger, form).await {
                    Outcome::Reply(text) => Some(text),
                    _ => None,
                };
            }
            ButtonAction::LookBack(n) => {
                let item = match ctx.store.together(ctx.owner, *n).await {
                    Ok(Some(t)) if t.status == TogetherStatus::Open => t,
                    Ok(_) => {
                        return Some(format!(
                            "You have no open piece of work together #{n} (it may be closed already). \
                             Nothing was changed. `/peer together` lists yours."
                        ));
                    }
                    Err(e) => return Some(AppError::from(e).reply()),
                };
                let Some(trigger) = trigger else {
                    return Some(STALE.into());
                };
                let form = Form::LookBack {
                    number: *n,
                    peer: item.peer,
                    topic: item.topic,
                    weeks: item.weeks,
                    from: message.clone(),
                };
                // The message is marked done when the form is submitted.
                return match self.open_form(team, &trigger, form).await {
                    Outcome::Reply(text) => Some(text),
                    _ => None,
                };
            }
            // Handled before any message check, in `handle`.
            ButtonAction::ConfirmForget(_) => return Some(STALE.into()),
            ButtonAction::WeTalked(peer) => we_talked(&ctx, peer).await,
            ButtonAction::CloseOffer(id, done) => close_offer(&ctx, *id, *done).await,
            ButtonAction::Review(peer, answer) => review::answer(&ctx, peer, answer).await,
            ButtonAction::Prep(_) | ButtonAction::EditEscalation(_) => return None,
            ButtonAction::Skip(peer) => skip(&ctx, peer).await,
            ButtonAction::Told(n, peer) => told(&ctx, *n, peer, false)
                .await
                .map(|_| format!("{}: told", peer.mention())),
            ButtonAction::Heard(n, peer, first) => told(&ctx, *n, peer, !first).await.map(|_| {
                let how = if *first {
                    "heard it from you first"
                } else {
                    "heard it in the room"
                };
                format!("{}: {how}", peer.mention())
            }),
            ButtonAction::SettleLoan(n, returned) => {
                let status = if *returned {
                    LoanStatus::Returned
                } else {
                    LoanStatus::WrittenOff
                };
                TradeCmd::Settle(*n, status).run(&ctx).await.map(|_| {
                    if *returned {
                        "Returned".into()
                    } else {
                        "Written off".into()
                    }
                })
            }
            ButtonAction::Successor(gone, next) => {
                crate::commands::add_successor(&ctx, gone, next).await
            }
            ButtonAction::ExtendLoan(n, date) => TradeCmd::Extend(*n, DateSpec::On(*date))
                .run(&ctx)
                .await
                .map(|_| format!("Extended to {}", fmt_day(*date, ctx.today()))),
        };
        match outcome {
            Ok(label) => {
                if let Some(at) = &message {
                    self.mark_done(&actor.owner, at, block_id, &label).await;
                }
                self.refresh_home(&actor.owner);
                None
            }
            Err(e) => Some(e.reply()),
        }
    }

    async fn submit(
        &self,
        team: &TeamId,
        user: &UserId,
        view_id: &str,
        peer: &UserId,
        from: Option<MessageRef>,
        answers: Answers,
    ) -> Outcome {
        let first_block = answers.first_block();
        let now = self.clock.now();
        let actor = match self.actor(team, user, now).await {
            Ok(a) => a,
            Err(e) => return Outcome::FormErrors(vec![(first_block, e.reply())]),
        };
        let ctx = actor.ctx(self, now);
        let (todo, label) = match answers {
            Answers::Checkin(form) => match form.entry(ctx.today()) {
                Ok(entry) => {
                    let label = if entry.coffee {
                        "Coffee logged"
                    } else {
                        "Check-in logged"
                    };
                    (Work::Checkin(entry), label)
                }
                Err(problems) => return Outcome::FormErrors(problems),
            },
            Answers::Snooze { days, reason } => match days.filter(|d| [3, 7, 14].contains(d)) {
                Some(days) => (Work::Snooze(days, reason), "Snoozed"),
                None => {
                    return Outcome::FormErrors(vec![(
                        "length",
                        "Pick how long: 3 days, 1 week or 2 weeks.".into(),
                    )]);
                }
            },
            Answers::Stuck(a) => (Work::Stuck(a), "Kept with your notes"),
            Answers::EscalationSide(n, a) => (Work::Escalation(n, a), "Your side is saved"),
            Answers::LookBack {
                number,
                keep,
                worked,
                change,
            } => match keep {
                _ if worked
                    .iter()
                    .chain(&change)
                    .any(|t| t.chars().count() > MAX_ANSWER) =>
                {
                    let block = if worked
                        .as_ref()
                        .is_some_and(|t| t.chars().count() > MAX_ANSWER)
                    {
                        "worked"
                    } else {
                        "change"
                    };
                    return Outcome::FormErrors(vec![(
                        block,
                        format!("Keep it under {MAX_ANSWER} characters."),
                    )]);
                }
                Some(keep) => {
                    // A modal's title: at most 24 characters.
                    let label = if keep { "Kept going" } else { "Closed" };
                    let answers = LookBack {
                        number,
                        keep,
                        worked,
                        change,
                    };
                    (Work::LookBack(answers), label)
                }
                None => {
                    return Outcome::FormErrors(vec![(
                        "keep",
                        "Keep going for another stretch, or close it?".into(),
                    )]);
                }
            },
        };
        // Where the message it was opened from is marked done, and how.
        let (block, done) = match &todo {
            Work::LookBack(l) => (
                crate::outbound::together_block(l.number),
                format!(
                    "Looked back on #{} with {}: {}",
                    l.number,
                    peer.mention(),
                    if l.keep { "kept going" } else { "closed" }
                ),
            ),
            _ => (
                crate::outbound::due_block(peer),
                format!("{label} for {}", peer.mention()),
            ),
        };
        // Slack may deliver the same submission again: the first one counts. If it fails, the
        // sighting is withdrawn so the user can correct and submit again.
        let sighting = format!("view:{view_id}");
        match self.store.first_sighting(team, &sighting, now).await {
            Ok(true) => {}
            Ok(false) => return Outcome::FormClosed,
            Err(e) => return Outcome::FormErrors(vec![(first_block, AppError::from(e).reply())]),
        }
        let result = match todo {
            Work::Checkin(entry) => log(&ctx, peer, &entry).await,
            Work::Snooze(days, reason) => {
                Snooze {
                    peer: peer.clone(),
                    for_: SnoozeFor::Days(days),
                    reason,
                }
                .run(&ctx)
                .await
            }
            Work::Escalation(n, a) => match escalate::save_side(&ctx, n, &a).await {
                Ok(Ok(reply)) => {
                    self.refresh_coauthor(&actor.owner, n).await;
                    Ok(reply)
                }
                Ok(Err((block, problem))) => {
                    let _ = self.store.forget_sighting(team, &sighting).await;
                    return Outcome::FormErrors(vec![(block, problem)]);
                }
                Err(e) => Err(e),
            },
            Work::Stuck(a) => match stuck::record(&ctx, peer, &a).await {
                Ok(Ok(reply)) => Ok(reply),
                Ok(Err((block, problem))) => {
                    let _ = self.store.forget_sighting(team, &sighting).await;
                    return Outcome::FormErrors(vec![(block, problem)]);
                }
                Err(e) => Err(e),
            },
            Work::LookBack(answers) => TogetherCmd::LookBack(answers).run(&ctx).await,
        };
        if result.is_err()
            && let Err(e) = self.store.forget_sighting(team, &sighting).await
        {
            tracing::error!(error = %e, "could not withdraw a form sighting");
        }
        match result {
            Ok(reply) => {
                if let Some(at) = &from {
                    self.mark_done(&actor.owner, at, &block, &done).await;
                }
                self.refresh_home(&actor.owner);
                Outcome::FormSaved {
                    title: label,
                    text: reply.text,
                }
            }
            Err(AppError::Usage(u)) => Outcome::FormErrors(vec![(first_block, u.problem)]),
            Err(e) => Outcome::FormErrors(vec![(first_block, e.reply())]),
        }
    }

    /// Acts on one workspace event, unless its `event_id` was handled before.
    pub async fn handle_event(&self, team: &TeamId, event_id: Option<&str>, event: Event) {
        if event == Event::Ignored {
            return;
        }
        let now = self.clock.now();
        if let Some(id) = event_id {
            match self
                .store
                .first_sighting(team, &format!("event:{id}"), now)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    tracing::debug!(id, "duplicate event ignored");
                    return;
                }
                Err(e) => {
                    tracing::error!(error = %e, "event dedupe failed");
                    return;
                }
            }
        }
        let result: Result<()> = async {
            match event {
                Event::HomeOpened(user) => {
                    if self.store.installation_exists(team).await? {
                        self.publish_home(&Owner::new(team.clone(), user), now)
                            .await?;
                    }
                }
                Event::AccessEnded => {
                    tracing::warn!(team = %team, "Slack access ended; nothing more is sent there");
                    self.revoke(team, now).await?;
                }
                Event::UserDeleted(user) => self.store.note_departed(team, &user, now).await?,
                Event::Ignored => {}
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "event not handled");
        }
    }
}

/// A form's answers, as typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Answers {
    Checkin(CheckinForm),
    /// `days` is 3, 7 or 14 when one was picked.
    Snooze {
        days: Option<u32>,
        reason: Option<String>,
    },
    Stuck(StuckAnswers),
    /// My side of joint escalation `n`.
    EscalationSide(i64, SideAnswers),
    /// A look-back on piece of work together `number`; `keep` when one was picked.
    LookBack {
        number: i64,
        keep: Option<bool>,
        worked: Option<String>,
        change: Option<String>,
    },
}

impl Answers {
    /// The block an error with no better place is shown on.
    fn first_block(&self) -> &'static str {
        match self {
            Answers::Checkin(_) => "notes",
            Answers::Snooze { .. } => "length",
            Answers::Stuck(_) => "know",
            Answers::EscalationSide(..) => "goal",
            Answers::LookBack { .. } => "worked",
        }
    }

    /// The answers to a form of free-text questions ([`Form::questions`]), by field id; `None`
    /// for other forms.
    pub fn from_fields(form: &Form, field: impl Fn(&str) -> Option<String>) -> Option<Answers> {
        match form {
            Form::Stuck { .. } => Some(Answers::Stuck(StuckAnswers::from_fields(field))),
            // Asked in turn, a skipped question keeps what is there.
            Form::EscalationSide {
                number,
                current,
                ask,
                ..
            } => Some(Answers::EscalationSide(
                *number,
                SideAnswers {
                    goal: field("goal").or_else(|| current.goal.clone()),
                    cost: field("cost").or_else(|| current.cost.clone()),
                    tried: field("tried").or_else(|| current.tried.clone()),
                    ask: field("ask").or_else(|| ask.clone()),
                },
            )),
            Form::Checkin { .. } | Form::Snooze { .. } | Form::LookBack { .. } => None,
        }
    }
}

/// What a checked form asks to be done.
enum Work {
    Checkin(CheckinEntry),
    Snooze(u32, Option<String>),
    Stuck(StuckAnswers),
    Escalation(i64, SideAnswers),
    LookBack(LookBack),
}

async fn told(ctx: &Ctx<'_>, number: i64, peer: &UserId, late: bool) -> Result<Reply> {
    Told {
        peer: peer.clone(),
        number: Some(number),
        late,
        correct: false,
    }
    .run(ctx)
    .await
}

/// "We talked": a quick contact today. Already logged today: nothing changes.
async fn we_talked(ctx: &Ctx<'_>, peer: &UserId) -> Result<String> {
    let p = ctx.require_peer_here(peer).await?;
    if p.last_contact == Some(ctx.today()) {
        return Ok("We talked (already logged today)".into());
    }
    let entry = CheckinEntry {
        held_on: ctx.today(),
        ..Default::default()
    };
    log(ctx, peer, &entry)
        .await
        .map(|_| "We talked: logged today".into())
}

/// "Skip this cycle": no nudges about them until one cadence from today.
async fn skip(ctx: &Ctx<'_>, peer: &UserId) -> Result<String> {
    let p = ctx.require_peer_here(peer).await?;
    let today = ctx.today();
    let until = p.cadence.after(today, 1);
    if p.snoozed_until.is_some_and(|s| s >= until) {
        return Ok("Skipped this cycle".into());
    }
    Snooze {
        peer: peer.clone(),
        for_: SnoozeFor::Days(u32::try_from((until - today).num_days()).unwrap_or(7)),
        reason: Some("skipped this cycle".into()),
    }
    .run(ctx)
    .await
    .map(|_| "Skipped this cycle".into())
}
