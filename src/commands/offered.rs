//! `/peer offered @user <what>` · `/peer offered @user done|drop <id>`: offers you made a peer
//! (SPEC §3), open until closed. The check-in form's "one cheap thing I could do" becomes one
//! too; prep, nudges and App Home bring open ones back, with **Done** and **Drop** buttons.

use super::args::{Args, bounded_text, id_number};
use super::{Ctx, Reply};
use crate::domain::UserId;
use crate::error::{Result, UsageError};
use crate::outbound::escape_mrkdwn;
use crate::store::OfferClosed;

pub const USAGE: &str = "`/peer offered @user <what you offered to do>` · `/peer offered @user done <id>` · \
`/peer offered @user drop <id>`";
pub const ABOUT: &str = "Record something you offered a peer (\"review their RFC\") without the \
check-in form. Open offers come back in `/peer prep`, your nudges and App Home until you mark them \
`done` or `drop` them (or press **Done** / **Drop**); a closed one stops coming back.";

const MAX_TEXT: usize = 300;

#[derive(Debug, Clone, PartialEq)]
pub enum OfferedCmd {
    Add(UserId, String),
    /// Close offer `id`: done (`true`) or dropped.
    Close(UserId, i64, bool),
}

pub(super) fn parse(args: &mut Args) -> Result<OfferedCmd, UsageError> {
    let peer = args.mention(USAGE)?;
    let first = args.peek_words(2);
    let close = match first.as_slice() {
        [w, id, ..] if id.trim_start_matches('#').parse::<i64>().is_ok() => {
            match w.to_ascii_lowercase().as_str() {
                "done" => Some(true),
                "drop" | "dropped" => Some(false),
                _ => None,
            }
        }
        _ => None,
    };
    if let Some(done) = close {
        args.skip_words(1);
        let id = id_number(args.next_word(), "Which offer?", "offer id", USAGE)?;
        args.finish(USAGE)?;
        return Ok(OfferedCmd::Close(peer, id, done));
    }
    match args.rest() {
        Some(t) => Ok(OfferedCmd::Add(
            peer,
            bounded_text(t, MAX_TEXT, "offer", USAGE)?,
        )),
        None => Err(UsageError::new(
            "What did you offer? e.g. `/peer offered @ana review her RFC by Friday`.",
            USAGE,
        )),
    }
}

/// Closes offer `id` (done or dropped): the label of what happened, or a refusal.
pub async fn close(ctx: &Ctx<'_>, id: i64, done: bool) -> Result<String> {
    match ctx.store.close_offer(ctx.owner, id, done, ctx.now).await? {
        OfferClosed::Closed { peer, what } => Ok(format!(
            "Offer #{id} to {} {}: “{}”",
            peer.mention(),
            if done { "done" } else { "dropped" },
            escape_mrkdwn(&what)
        )),
        OfferClosed::Already { peer, status } => Ok(format!(
            "Offer #{id} to {} was already {status}",
            peer.mention()
        )),
        OfferClosed::Unknown => Err(UsageError::new(
            format!("You have no offer #{id}. Open offers and their ids are in your prep and nudges. Nothing was changed."),
            USAGE,
        )
        .into()),
    }
}

impl OfferedCmd {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        match self {
            OfferedCmd::Add(peer, what) => {
                ctx.require_peer(peer, USAGE).await?;
                let id = ctx
                    .store
                    .add_offer(ctx.owner, peer, what, ctx.today(), ctx.now)
                    .await?;
                Ok(Reply::new(format!(
                    "Offer #{id} to {} noted: “{}”. It comes back in your prep and nudges until /peer offered {} done {id} (or drop {id}).",
                    peer.mention(),
                    escape_mrkdwn(what),
                    peer.mention()
                )))
            }
            OfferedCmd::Close(peer, id, done) => {
                ctx.require_peer(peer, USAGE).await?;
                close(ctx, *id, *done)
                    .await
                    .map(|l| Reply::new(format!("{l}.")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Command;

    #[test]
    fn offers_parse_and_closing_needs_an_id() {
        let ana = UserId::parse("U0ANA").unwrap();
        assert_eq!(
            Command::parse("offered <@U0ANA> review her RFC").unwrap(),
            Command::Offered(OfferedCmd::Add(ana.clone(), "review her RFC".into()))
        );
        assert_eq!(
            Command::parse("offered <@U0ANA> done 4").unwrap(),
            Command::Offered(OfferedCmd::Close(ana.clone(), 4, true))
        );
        assert_eq!(
            Command::parse("offered <@U0ANA> drop #4").unwrap(),
            Command::Offered(OfferedCmd::Close(ana.clone(), 4, false))
        );
        // "done" not followed by an id is what was offered.
        assert_eq!(
            Command::parse("offered <@U0ANA> done deal on hiring").unwrap(),
            Command::Offered(OfferedCmd::Add(ana, "done deal on hiring".into()))
        );
        for bad in [
            "offered",
            "offered <@U0ANA>",
            "offered <@U0ANA> done 0",
            "offered <@U0ANA> done 4 x",
        ] {
            assert!(Command::parse(bad).is_err(), "{bad}");
        }
    }
}
