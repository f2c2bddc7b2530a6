//! `/peer snooze @user <N days | until <date>>`: hold nudges about a peer for a while.

use super::args::{Args, echo};
use super::{Ctx, Reply, fmt_day};
use crate::domain::{DateSpec, UserId, parse_date_spec};
use crate::error::{Result, UsageError};
use chrono::Days;

pub const USAGE: &str = "`/peer snooze @user <N days | until <date>>`";
pub const ABOUT: &str = "Hold nudges about a peer (they are on leave, you just met at an offsite). \
`3 days`, `2 weeks`, `until next friday` or `until 2026-12-01`, up to a year. How warm the relationship \
is keeps counting.";

const MAX_DAYS: u32 = 365;

#[derive(Debug, Clone, PartialEq)]
pub enum SnoozeFor {
    Days(u32),
    Until(DateSpec),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Snooze {
    pub peer: UserId,
    pub for_: SnoozeFor,
    /// Why (from the snooze form), kept with the peer.
    pub reason: Option<String>,
}

pub(super) fn parse(args: &mut Args) -> Result<Snooze, UsageError> {
    let peer = args.mention(USAGE)?;
    let words = args.peek_words(4);
    let for_ = match words.as_slice() {
        [] => {
            return Err(UsageError::new(
                "For how long? e.g. `3 days` or `until 2026-12-01`.",
                USAGE,
            ));
        }
        [until, rest @ ..] if until.eq_ignore_ascii_case("until") => match parse_date_spec(rest) {
            Ok(Some((spec, used))) => {
                args.skip_words(1 + used);
                SnoozeFor::Until(spec)
            }
            Ok(None) => {
                return Err(UsageError::new(
                    "Until when? e.g. `until monday`, `until next friday`, `until Jan 10` \
                     or `until 2027-01-10`.",
                    USAGE,
                ));
            }
            Err(e) => return Err(UsageError::new(format!("{e}."), USAGE)),
        },
        [n, unit, ..] if n.parse::<u32>().is_ok() => {
            let n: u32 = n.parse().unwrap_or(0);
            let days = match unit.to_ascii_lowercase().as_str() {
                "day" | "days" => n,
                "week" | "weeks" => n.saturating_mul(7),
                _ => {
                    return Err(UsageError::new(
                        format!("{} is not days or weeks.", echo(unit)),
                        USAGE,
                    ));
                }
            };
            if days == 0 || days > MAX_DAYS {
                return Err(UsageError::new(
                    format!("Snooze for 1 to {MAX_DAYS} days."),
                    USAGE,
                ));
            }
            args.skip_words(2);
            SnoozeFor::Days(days)
        }
        [w, ..] => {
            return Err(UsageError::new(
                format!("I did not understand {}.", echo(w)),
                USAGE,
            ));
        }
    };
    args.finish(USAGE)?;
    Ok(Snooze {
        peer,
        for_,
        reason: None,
    })
}

impl Snooze {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        let today = ctx.today();
        let until = match self.for_ {
            SnoozeFor::Days(n) => today + Days::new(u64::from(n)),
            SnoozeFor::Until(spec) => spec.resolve_future(today),
        };
        if until <= today {
            return Err(UsageError::new(
                format!(
                    "{} has already come: pick a later date.",
                    fmt_day(until, today)
                ),
                USAGE,
            )
            .into());
        }
        if (until - today).num_days() > i64::from(MAX_DAYS) {
            return Err(
                UsageError::new(format!("Snooze for at most {MAX_DAYS} days."), USAGE).into(),
            );
        }
        let mut peer = ctx.require_peer(&self.peer, USAGE).await?;
        peer.snoozed_until = Some(until);
        ctx.store
            .snooze_peer(
                ctx.owner,
                &peer,
                ctx.nudge_at(&peer),
                self.reason.as_deref(),
                today,
                ctx.now,
            )
            .await?;
        Ok(Reply::new(format!(
            "Snoozed {} until {}. Next nudge no earlier than {}.",
            peer.peer.mention(),
            fmt_day(until, today),
            fmt_day(peer.nudge_on(), today)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Snooze, UsageError> {
        parse(&mut Args::new(text))
    }

    #[test]
    fn days_weeks_and_dates_parse() {
        assert_eq!(p("<@U2> 3 days").unwrap().for_, SnoozeFor::Days(3));
        assert_eq!(p("<@U2> 1 day").unwrap().for_, SnoozeFor::Days(1));
        assert_eq!(p("<@U2> 2 weeks").unwrap().for_, SnoozeFor::Days(14));
        assert_eq!(
            p("<@U2> until 2026-12-01").unwrap().for_,
            SnoozeFor::Until(DateSpec::On("2026-12-01".parse().unwrap()))
        );
    }

    #[test]
    fn bad_lengths_are_refused() {
        for bad in [
            "<@U2>",
            "<@U2> 0 days",
            "<@U2> 400 days",
            "<@U2> 3 fortnights",
            "<@U2> forever",
            "<@U2> until",
            "<@U2> until 2026-02-31",
            "<@U2> 3 days extra",
            "<@U2> 4294967295 weeks",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }
}
