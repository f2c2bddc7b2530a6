//! `/peer add @user [cadence] [because …]`: put a peer on the map (SPEC §1).

use super::args::{Args, bounded_text, echo};
use super::{Ctx, Reply, fmt_day};
use crate::domain::{Cadence, Peer, UserId};
use crate::error::{Result, UsageError};

pub const USAGE: &str = "`/peer add @user [weekly|biweekly|monthly|quarterly|every N weeks] [because <why your year depends on them>]`";
pub const ABOUT: &str = "Put a peer your year depends on on your map. \
The cadence defaults to biweekly; the reason (\"whose roadmap my dates depend on\") is shown back to you in nudges. \
Nobody is told, the peer included.";

/// Three to five peers is the advice; more earns a warning, never a refusal.
pub const GENTLE_LIMIT: usize = 5;
/// A sane weekly load of peer time, at 30 minutes a check-in.
pub const WEEKLY_MINUTES_LIMIT: u32 = 120;
const MAX_REASON: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub struct Add {
    pub peer: UserId,
    pub cadence: Option<Cadence>,
    pub reason: Option<String>,
}

pub(super) fn parse(args: &mut Args) -> Result<Add, UsageError> {
    let peer = args.mention(USAGE)?;
    let mut cadence = None;
    if let Some(first) = args.peek_words(1).first().copied()
        && Cadence::starts_here(first)
    {
        let words = args.peek_words(3);
        let (c, used) =
            Cadence::parse_words(&words).map_err(|e| UsageError::new(e.to_string(), USAGE))?;
        args.skip_words(used);
        cadence = Some(c);
    }
    let mut reason = None;
    match args.peek_words(1).first() {
        None => {}
        Some(w) if w.eq_ignore_ascii_case("because") => {
            args.skip_words(1);
            let why = args.rest().ok_or_else(|| {
                UsageError::new("Because… what? Say why your year depends on them.", USAGE)
            })?;
            reason = Some(bounded_text(why, MAX_REASON, "reason", USAGE)?);
        }
        Some(w) => {
            let hint = if w.parse::<u32>().is_ok() || w.eq_ignore_ascii_case("daily") {
                format!(" Cadences are {}.", Cadence::GRAMMAR)
            } else {
                " Start the reason with `because`.".into()
            };
            return Err(UsageError::new(
                format!("I did not understand {}.{hint}", echo(w)),
                USAGE,
            ));
        }
    }
    Ok(Add {
        peer,
        cadence,
        reason,
    })
}

impl Add {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        if self.peer == ctx.owner.user {
            return Err(UsageError::new(
                "That's you! Add the peers whose work your year depends on.",
                USAGE,
            )
            .into());
        }
        let today = ctx.today();
        let peer = Peer {
            peer: self.peer.clone(),
            reason: self.reason.clone(),
            cadence: self.cadence.unwrap_or(Cadence::Weeks(2)),
            added_on: today,
            last_contact: None,
            snoozed_until: None,
        };
        if !ctx
            .store
            .add_peer(ctx.owner, &peer, ctx.nudge_at(&peer), ctx.now)
            .await?
        {
            return Err(UsageError::new(
                format!(
                    "{} is already on your map. Change the rhythm with /peer cadence {} followed by the cadence.",
                    peer.peer.mention(),
                    peer.peer.mention()
                ),
                USAGE,
            )
            .into());
        }
        let mut text = format!(
            "Added {} to your map, {}. First check-in due {}; only you can see this.",
            peer.peer.mention(),
            peer.cadence,
            fmt_day(peer.next_due(), today)
        );
        let all = ctx.store.peers_of(ctx.owner).await?;
        if let Some(w) = load_warning(&all) {
            text.push('\n');
            text.push_str(&w);
        }
        Ok(Reply::new(text))
    }
}

/// The gentle warning of SPEC §1 and §5, if the map has grown past a sane load.
pub fn load_warning(peers: &[Peer]) -> Option<String> {
    let minutes: u32 = peers.iter().map(|p| p.cadence.weekly_minutes()).sum();
    if peers.len() > GENTLE_LIMIT {
        Some(format!(
            ":warning: You now have {} active peers. Attention spread over everyone helps no one: \
             the 3–5 whose work your year depends on are the ones to keep warm.",
            peers.len()
        ))
    } else if minutes > WEEKLY_MINUTES_LIMIT {
        Some(format!(
            ":warning: That is about {} hours a week of check-ins. Consider a slower cadence for someone.",
            (minutes as f32 / 60.0 * 10.0).round() / 10.0
        ))
    } else {
        None
    }
}

/// A successor for a peer who left: added with the departed peer's reason and cadence.
/// Returns the label the message is redrawn with.
pub async fn add_successor(ctx: &Ctx<'_>, gone: &UserId, next: &UserId) -> Result<String> {
    let Some(old) = ctx.store.departed(ctx.owner, gone).await? else {
        return Err(UsageError::new(
            format!("{} is not a departed peer of yours.", gone.mention()),
            USAGE,
        )
        .into());
    };
    if next == gone {
        return Err(UsageError::new("Pick someone who is still here.", USAGE).into());
    }
    Add {
        peer: next.clone(),
        cadence: Some(old.cadence),
        reason: old.reason,
    }
    .run(ctx)
    .await?;
    Ok(format!(
        "{} takes over from {}",
        next.mention(),
        gone.mention()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Add, UsageError> {
        parse(&mut Args::new(text))
    }

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }

    #[test]
    fn the_full_form_parses() {
        assert_eq!(
            p("<@U2|ana> every 3 weeks because her platform cut-over gates our launch"),
            Ok(Add {
                peer: u("U2"),
                cadence: Some(Cadence::Weeks(3)),
                reason: Some("her platform cut-over gates our launch".into())
            })
        );
        assert_eq!(
            p("<@U2>"),
            Ok(Add {
                peer: u("U2"),
                cadence: None,
                reason: None
            })
        );
        assert_eq!(
            p("<@U2> because R&amp;D").unwrap().reason.as_deref(),
            Some("R&D")
        );
    }

    #[test]
    fn bad_input_says_what_was_wrong() {
        assert!(p("").unwrap_err().problem.contains("Who?"));
        assert!(p("@ana").unwrap_err().problem.contains("`@ana`"));
        assert!(
            p("<@U2> every 0 weeks")
                .unwrap_err()
                .problem
                .contains("every 1 to 12 weeks, or quarterly")
        );
        assert!(
            p("<@U2> daily")
                .unwrap_err()
                .problem
                .contains("Cadences are")
        );
        assert!(
            p("<@U2> weekly she matters")
                .unwrap_err()
                .problem
                .contains("because")
        );
        assert!(p("<@U2> because").unwrap_err().problem.contains("Because"));
        assert!(
            p(&format!("<@U2> because {}", "x".repeat(501)))
                .unwrap_err()
                .problem
                .contains("too long")
        );
    }
}
