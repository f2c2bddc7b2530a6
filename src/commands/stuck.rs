//! `/peer stuck @user`: the stuck diagnostic (SPEC §13). Three questions answered privately
//! (a form in Slack, asked in turn in the console), kept with the peer's notes so prep brings
//! them back, then the next move in a fixed order, skipping what is already done: publish your
//! constraints, a coffee not about work, a trade, and only then a joint escalation.

use super::args::{Args, free_text};
use super::{Ctx, Reply};
use crate::domain::{
    MAX_ANSWER, NextMove, STUCK_LOOKBACK_DAYS, StuckFacts, UserId, next_move, offer_meets,
};
use crate::error::{Result, UsageError};
use crate::outbound::escape_mrkdwn;

pub const USAGE: &str = "`/peer stuck @user`";
pub const ABOUT: &str = "When a peer's choices keep blocking you: three private questions (what do \
I know that they don't? what would make their choice reasonable? what might they be managing that I \
cannot see?), kept with your notes about them, then the next move: publish your constraints, a \
coffee not about work, a trade, and only then a joint escalation.";

/// The three answers, as typed (any may be left empty, not all).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StuckAnswers {
    pub know: Option<String>,
    pub reasonable: Option<String>,
    pub unseen: Option<String>,
}

impl StuckAnswers {
    /// The answers from a form's text fields, by the block ids of
    /// [`crate::outbound::STUCK_QUESTIONS`].
    pub fn from_fields(field: impl Fn(&str) -> Option<String>) -> Self {
        StuckAnswers {
            know: field("know"),
            reasonable: field("reasonable"),
            unseen: field("unseen"),
        }
    }

    fn each(&self) -> [(&'static str, &'static str, Option<&String>); 3] {
        [
            ("know", "What I know that they don't", self.know.as_ref()),
            (
                "reasonable",
                "What would make their choice reasonable",
                self.reasonable.as_ref(),
            ),
            (
                "unseen",
                "What they may be managing that I can't see",
                self.unseen.as_ref(),
            ),
        ]
    }

    /// The note kept about the peer, or the field to mark and why.
    fn note(&self) -> Result<String, (&'static str, String)> {
        let mut lines = Vec::new();
        for (block, label, answer) in self.each() {
            let Some(a) = answer
                .map(|a| free_text(a).trim().to_string())
                .filter(|a| !a.is_empty())
            else {
                continue;
            };
            if a.chars().count() > MAX_ANSWER {
                return Err((
                    block,
                    format!("Keep each answer under {MAX_ANSWER} characters."),
                ));
            }
            lines.push(format!("{label}: {a}"));
        }
        if lines.is_empty() {
            return Err((
                "know",
                "Answer at least one of the three questions: that is the point of it.".into(),
            ));
        }
        Ok(format!("Stuck diagnostic. {}", lines.join(" · ")))
    }
}

pub(super) fn parse(args: &mut Args) -> Result<UserId, UsageError> {
    let peer = args.mention(USAGE)?;
    args.finish(USAGE)?;
    Ok(peer)
}

/// What a typed `/peer stuck @user` answers where no form can open.
pub async fn without_form(ctx: &Ctx<'_>, peer: &UserId) -> Result<Reply> {
    ctx.require_peer(peer, USAGE).await?;
    Ok(Reply::new(format!(
        "The stuck diagnostic about {} is a short private form: open it from Slack with /peer stuck {}.",
        peer.mention(),
        peer.mention()
    )))
}

/// Whether `peer` is on the map (the form is not opened otherwise).
pub async fn check(ctx: &Ctx<'_>, peer: &UserId) -> Result<()> {
    ctx.require_peer(peer, USAGE).await.map(|_| ())
}

/// Keeps the answers as a note about `peer` and says what to do next. A bad answer comes back
/// as the field to mark, with nothing written.
pub async fn record(
    ctx: &Ctx<'_>,
    peer: &UserId,
    answers: &StuckAnswers,
) -> Result<std::result::Result<Reply, (&'static str, String)>> {
    ctx.require_peer(peer, USAGE).await?;
    let note = match answers.note() {
        Ok(n) => n,
        Err(problem) => return Ok(Err(problem)),
    };
    let facts = facts(ctx, peer).await?;
    ctx.store.add_note(ctx.owner, peer, &note, ctx.now).await?;
    let m = peer.mention();
    let step = match next_move(&facts.0, ctx.today()) {
        NextMove::PublishConstraints => format!(
            "publish your own constraints first: `/peer context set <what your team is juggling now>`. \
             {m} may be choosing without knowing what you are up against (you have no current context)."
        ),
        NextMove::Coffee => format!(
            "propose a coffee with {m} that is explicitly not about work (none in the last \
             {STUCK_LOOKBACK_DAYS} days), then log it with /peer checkin {m} coffee."
        ),
        NextMove::Trade(offers) if !offers.is_empty() => {
            let named: Vec<String> = offers
                .iter()
                .map(|(n, what)| format!("#{n} “{}”", escape_mrkdwn(what)))
                .collect();
            let need = facts
                .1
                .map(|c| format!("{m}'s team says “{}”; ", escape_mrkdwn(&c)))
                .unwrap_or_default();
            format!(
                "look for a trade: {need}your offer {} could meet it. Once you agree one, keep it in your ledger: /peer trade gave {m} and the good and what.",
                named.join(", ")
            )
        }
        NextMove::Trade(_) => format!(
            "look for a trade: something cheap for your team and valuable to theirs (/peer prep {m} \
             shows their published context; `/peer offer <what>` keeps what you could give)."
        ),
        NextMove::Escalate => format!(
            "you have done the peacetime work (your context is published, a coffee and a trade in \
             the last {STUCK_LOOKBACK_DAYS} days). If it is still stuck, escalate together, both \
             positions in one document: /peer escalate {m} and the topic."
        ),
    };
    Ok(Ok(Reply::new(format!(
        "Kept with your notes about {m} (only you see them; /peer prep {m} brings them back).\n*Next move:* {step}"
    ))))
}

/// What is already done, and the peer's published need (for naming it).
async fn facts(ctx: &Ctx<'_>, peer: &UserId) -> Result<(StuckFacts, Option<String>)> {
    let store = ctx.store;
    let contexts = store
        .contexts_of(&ctx.owner.team, &[ctx.owner.user.clone(), peer.clone()])
        .await?;
    let mine = contexts.iter().find(|c| c.user == ctx.owner.user);
    let theirs = contexts.iter().find(|c| &c.user == peer);
    let matching_offers = match theirs {
        Some(c) => store
            .cheap_offers(ctx.owner)
            .await?
            .into_iter()
            .filter(|(_, what)| offer_meets(what, &c.text).is_some())
            .collect(),
        None => Vec::new(),
    };
    let last_trade = store
        .trades(ctx.owner, Some(peer))
        .await?
        .iter()
        .map(|t| t.held_on)
        .max();
    Ok((
        StuckFacts {
            has_current_context: mine.is_some_and(|c| c.stale_days(ctx.now).is_none()),
            last_coffee: store.last_coffee(ctx.owner, peer).await?,
            last_trade,
            matching_offers,
        },
        theirs.map(|c| c.text.clone()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_become_one_note_or_a_marked_field() {
        let a = StuckAnswers {
            know: Some("  our Q1 date moved  ".into()),
            reasonable: None,
            unseen: Some("their on-call load".into()),
        };
        assert_eq!(
            a.note().unwrap(),
            "Stuck diagnostic. What I know that they don't: our Q1 date moved · \
             What they may be managing that I can't see: their on-call load"
        );
        assert_eq!(StuckAnswers::default().note().unwrap_err().0, "know");
        let long = StuckAnswers {
            unseen: Some("x".repeat(MAX_ANSWER + 1)),
            ..Default::default()
        };
        assert_eq!(long.note().unwrap_err().0, "unseen");
    }

    proptest::proptest! {
        #[test]
        fn any_answers_make_a_note_or_a_refusal(k in proptest::option::of("\\PC{0,40}"),
            r in proptest::option::of("\\PC{0,40}"), u in proptest::option::of("\\PC{0,40}")) {
            let a = StuckAnswers { know: k, reasonable: r, unseen: u };
            if let Ok(n) = a.note() {
                proptest::prop_assert!(n.starts_with("Stuck diagnostic. ") && n.len() > 20);
            }
        }

        #[test]
        fn any_text_parses_or_is_refused(s in "\\PC{0,60}") {
            let _ = parse(&mut Args::new(&s));
        }
    }
}
