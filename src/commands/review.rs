//! `/peer review @user [keep|stop|cadence <cadence>]`: the three-month review of a series
//! (SPEC §5). Shown on its own at any time; the nudge asks the same once a series has run about
//! three months (buttons **Keep**, **Change cadence**, **Stop**). Keep or a new cadence starts a
//! new series today; stop takes the peer off the map and keeps the history.

use super::args::Args;
use super::{Ctx, Remove, Reply};
use crate::domain::{Cadence, UserId};
use crate::error::{Result, UsageError};
use crate::outbound::{review_hint, review_text};

pub const USAGE: &str = "`/peer review @user` · `/peer review @user keep|stop` · `/peer review @user cadence <cadence>`";
pub const ABOUT: &str = "Is this series still worth it? Shows what it held since you added them \
(or since the last review): check-ins held, cycles with no contact, snoozes and the reasons. Then \
keep it, change the cadence (a new series starts today), or stop (they leave your map; your history \
stays). The nudge asks the same once a series has run about three months.";

/// What the owner decided about a series.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewAnswer {
    Keep,
    Cadence(Cadence),
    Stop,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReviewCmd {
    Show(UserId),
    Answer(UserId, ReviewAnswer),
}

pub(super) fn parse(args: &mut Args) -> Result<ReviewCmd, UsageError> {
    let peer = args.mention(USAGE)?;
    let Some(word) = args.next_word() else {
        return Ok(ReviewCmd::Show(peer));
    };
    let answer = match word.to_ascii_lowercase().as_str() {
        "keep" => ReviewAnswer::Keep,
        "stop" => ReviewAnswer::Stop,
        "cadence" => {
            let words = args.peek_words(3);
            let (cadence, used) =
                Cadence::parse_words(&words).map_err(|e| UsageError::new(e.to_string(), USAGE))?;
            args.skip_words(used);
            ReviewAnswer::Cadence(cadence)
        }
        _ => {
            return Err(UsageError::new(
                format!(
                    "{} is not an answer to a review: keep, stop, or cadence <cadence>.",
                    super::args::echo(word)
                ),
                USAGE,
            ));
        }
    };
    args.finish(USAGE)?;
    Ok(ReviewCmd::Answer(peer, answer))
}

impl ReviewCmd {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        match self {
            ReviewCmd::Show(peer) => {
                let p = ctx.require_peer(peer, USAGE).await?;
                let today = ctx.today();
                let Some(h) = ctx.store.series(ctx.owner, peer, today).await? else {
                    return Err(not_on_map(peer));
                };
                Ok(Reply::new(format!(
                    "{}\n{}",
                    review_text(peer, &p.cadence.to_string(), &h, today),
                    review_hint(peer)
                )))
            }
            ReviewCmd::Answer(peer, a) => answer(ctx, peer, a).await.map(Reply::new),
        }
    }
}

fn not_on_map(peer: &UserId) -> crate::error::AppError {
    UsageError::new(format!("{} is not on your map.", peer.mention()), USAGE).into()
}

/// Acts on a review's answer; returns what was done, in a few words (a button's label).
pub async fn answer(ctx: &Ctx<'_>, peer: &UserId, a: &ReviewAnswer) -> Result<String> {
    let mut current = ctx.require_peer(peer, USAGE).await?;
    let m = peer.mention();
    match a {
        ReviewAnswer::Keep => {
            ctx.store.start_series(ctx.owner, peer, ctx.today()).await?;
            Ok(format!(
                "Kept: your series with {m} goes on as it is (next review in about three months)"
            ))
        }
        ReviewAnswer::Cadence(c) => {
            current.cadence = *c;
            ctx.store
                .restart_series_with(ctx.owner, &current, ctx.nudge_at(&current), ctx.today())
                .await?;
            Ok(format!(
                "Changed: {m} is now {c}, a new series starts today"
            ))
        }
        ReviewAnswer::Stop => {
            Remove { peer: peer.clone() }.run(ctx).await?;
            Ok(format!(
                "Stopped: {m} is off your map; your history with them stays"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse_and_junk_is_refused() {
        let p = |t: &str| parse(&mut Args::new(t));
        let ana = UserId::parse("U2").unwrap();
        assert_eq!(p("<@U2>").unwrap(), ReviewCmd::Show(ana.clone()));
        assert_eq!(
            p("<@U2> KEEP").unwrap(),
            ReviewCmd::Answer(ana.clone(), ReviewAnswer::Keep)
        );
        assert_eq!(
            p("<@U2> cadence every 3 weeks").unwrap(),
            ReviewCmd::Answer(ana, ReviewAnswer::Cadence(Cadence::Weeks(3)))
        );
        assert!(p("<@U2> cadence hourly").is_err());
        assert!(p("<@U2> maybe").unwrap_err().problem.contains("keep, stop"));
        assert!(p("<@U2> stop now").is_err());
        assert!(p("").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_is_refused(s in "\\PC{0,60}") {
            let _ = parse(&mut Args::new(&s));
        }
    }
}
