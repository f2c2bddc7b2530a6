//! `/peer offer <what is cheap for my team to give right now>`, `/peer offers`,
//! `/peer offer remove <id>` (SPEC idea 13, the asymmetric trade). When a peer on your map
//! publishes a need one of these could meet, prep suggests the trade, to you alone, once per
//! offer and context version. The peer is never told.

use super::args::{Args, bounded_text, id_number};
use super::{Ctx, Reply};
use crate::error::{Result, UsageError};
use crate::outbound::escape_mrkdwn;

pub const USAGE: &str = "`/peer offer <what is cheap for your team to give>` · `/peer offer remove <id>` · `/peer offers`";
pub const ABOUT: &str = "Note what is cheap for your team to give right now (\"review bandwidth for Rust \
services\", \"two early-adopter slots\", \"a share of weekend on-call\"). When a peer on your map publishes \
a need one of them could meet (`/peer context set`), prep about them suggests the trade, to you alone, once \
per offer and version of their context. Matching is shared meaningful words, never stop-words alone.";

const MAX_WHAT: usize = 300;

#[derive(Debug, Clone, PartialEq)]
pub enum OfferCmd {
    Add(String),
    Remove(i64),
    List,
}

pub(super) fn parse(args: &mut Args) -> Result<OfferCmd, UsageError> {
    if args
        .peek_words(1)
        .first()
        .is_some_and(|w| w.eq_ignore_ascii_case("remove"))
        && args.peek_words(3).len() == 2
    {
        args.skip_words(1);
        let n = id_number(
            args.next_word(),
            "Which offer? Add its id.",
            "offer id",
            USAGE,
        )?;
        return Ok(OfferCmd::Remove(n));
    }
    match args.rest() {
        Some(w) => Ok(OfferCmd::Add(bounded_text(w, MAX_WHAT, "offer", USAGE)?)),
        None => Err(UsageError::new(
            "What is cheap for your team to give right now? e.g. `/peer offer review bandwidth for Rust services`.",
            USAGE,
        )),
    }
}

pub(super) fn parse_list(args: &mut Args) -> Result<OfferCmd, UsageError> {
    args.finish(USAGE)?;
    Ok(OfferCmd::List)
}

impl OfferCmd {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        match self {
            OfferCmd::Add(what) => {
                let n = ctx.store.add_cheap_offer(ctx.owner, what, ctx.now).await?;
                Ok(Reply::new(format!(
                    "Offer #{n} noted: “{}”. When a peer's published context could use it, prep about \
                     them will say so. Only you can see this.",
                    escape_mrkdwn(what)
                )))
            }
            OfferCmd::Remove(n) => {
                if ctx.store.remove_cheap_offer(ctx.owner, *n).await? {
                    Ok(Reply::new(format!("Offer #{n} removed.")))
                } else {
                    Err(UsageError::new(
                        format!("You have no offer #{n}. `/peer offers` lists yours."),
                        USAGE,
                    )
                    .into())
                }
            }
            OfferCmd::List => {
                let offers = ctx.store.cheap_offers(ctx.owner).await?;
                if offers.is_empty() {
                    return Ok(Reply::new(
                        "You have noted nothing cheap to give yet: `/peer offer two early-adopter slots`.",
                    ));
                }
                let mut text =
                    String::from("*Cheap for your team to give* (only you can see this)\n");
                for (n, w) in offers {
                    text.push_str(&format!("• #{n} {}\n", escape_mrkdwn(&w)));
                }
                text.push_str("`/peer offer remove <id>` takes one back.");
                Ok(Reply::new(text))
            }
        }
    }
}

/// Suggestions for prep about `peer`: each of the owner's offers that meets the peer's current
/// context, not suggested before for this context version. Recorded as made.
pub async fn suggestions(
    ctx: &Ctx<'_>,
    peer: &crate::domain::UserId,
    context: Option<&crate::domain::Published>,
) -> Result<Vec<String>> {
    let Some(c) = context else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (n, what) in ctx.store.cheap_offers(ctx.owner).await? {
        if crate::domain::offer_meets(&what, &c.text).is_some()
            && ctx
                .store
                .note_suggestion(ctx.owner, n, peer, c.set_at, ctx.now)
                .await?
        {
            out.push(format!(
                "{}'s team says “{}”; you said {} is cheap for you right now (offer #{n}). A trade?",
                peer.mention(),
                escape_mrkdwn(&c.text),
                escape_mrkdwn(&what)
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_parse() {
        let p = |t: &str| parse(&mut Args::new(t));
        assert_eq!(
            p("two early-adopter slots").unwrap(),
            OfferCmd::Add("two early-adopter slots".into())
        );
        assert_eq!(p("remove 3").unwrap(), OfferCmd::Remove(3));
        assert!(matches!(
            p("remove the bottleneck now").unwrap(),
            OfferCmd::Add(_)
        ));
        assert!(p("").is_err());
    }
}
