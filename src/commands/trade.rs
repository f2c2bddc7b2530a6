//! `/peer trade gave|got @user <good> <text> [back by <date>]` and `/peer trade delete <id>`:
//! the ledger of what changes hands between two teams (SPEC idea 6). Private: the peer is never
//! told, and nothing of it reaches a digest, a channel or anyone else's App Home.

use super::args::{Args, bounded_text, echo, id_number};
use super::{Ctx, Reply, fmt_day};
use crate::domain::{
    DATE_EXAMPLES, DateSpec, Direction, Good, LoanStatus, UserId, loan_first_look, parse_date_spec,
};
use crate::error::{Result, UsageError};
use crate::outbound::escape_mrkdwn;
use crate::store::NewTrade;

pub const USAGE: &str = "`/peer trade gave|got @user <good> <what> [back by <date>]` · `/peer trade delete <id>` \
· `/peer trade returned|writeoff <id>` · `/peer trade extend <id> to <date>`";
pub const ABOUT: &str = "Keep a private ledger of what your team and a peer's team give each other. \
The good is one of sequencing, capacity, risk, credit or info. Capacity with `back by <date>` is a loan \
(`/peer trade gave @ana capacity two engineers for the migration back by Jan 15`): on its due day, in your \
working hours, I ask you (and weekly while it is overdue) whether it came back; `returned`, `writeoff` and \
`extend` answer. The peer is never told; `/peer ledger` speaks of it in words, never as a score.";

const MAX_TEXT: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub enum TradeCmd {
    Record {
        direction: Direction,
        peer: UserId,
        good: Good,
        text: String,
        back_by: Option<DateSpec>,
    },
    Delete(i64),
    /// A loan came back, or is written off.
    Settle(i64, LoanStatus),
    /// A loan's due date moves.
    Extend(i64, DateSpec),
}

pub(super) fn parse(args: &mut Args) -> Result<TradeCmd, UsageError> {
    let first = args.next_word().ok_or_else(|| {
        UsageError::new(
            "Which way did it go? e.g. `/peer trade got @ana info the reorg, a week early`.",
            USAGE,
        )
    })?;
    let settle = match first.to_ascii_lowercase().as_str() {
        "delete" => Some(None),
        "returned" | "return" => Some(Some(LoanStatus::Returned)),
        "writeoff" | "write-off" => Some(Some(LoanStatus::WrittenOff)),
        _ => None,
    };
    if let Some(settle) = settle {
        let n = id_number(
            args.next_word(),
            "Which entry? Add its id.",
            "ledger id",
            USAGE,
        )?;
        args.finish(USAGE)?;
        return Ok(match settle {
            None => TradeCmd::Delete(n),
            Some(status) => TradeCmd::Settle(n, status),
        });
    }
    if first.eq_ignore_ascii_case("extend") {
        let n = id_number(
            args.next_word(),
            "Which loan? Add its id.",
            "ledger id",
            USAGE,
        )?;
        if !args
            .next_word()
            .is_some_and(|w| w.eq_ignore_ascii_case("to"))
        {
            return Err(UsageError::new(
                "Extend to when? e.g. `/peer trade extend 3 to Jan 30`.",
                USAGE,
            ));
        }
        let words = args.peek_words(4);
        if words.is_empty() {
            return Err(UsageError::new(
                "Extend to when? e.g. `/peer trade extend 3 to Jan 30`.",
                USAGE,
            ));
        }
        return match parse_date_spec(&words) {
            Ok(Some((spec, used))) if used == words.len() => Ok(TradeCmd::Extend(n, spec)),
            Ok(_) => Err(UsageError::new(
                format!(
                    "{} is not a date I can read: try {DATE_EXAMPLES}.",
                    echo(&words.join(" "))
                ),
                USAGE,
            )),
            Err(e) => Err(UsageError::new(format!("{e}."), USAGE)),
        };
    }
    let direction = Direction::parse(first).ok_or_else(|| {
        UsageError::new(
            format!("{}: say `gave` or `got` first.", echo(first)),
            USAGE,
        )
    })?;
    let peer = args.mention(USAGE)?;
    let good = match args.next_word() {
        Some(w) => Good::parse(w).ok_or_else(|| {
            UsageError::new(
                format!("{} is not a good I keep: use {}.", echo(w), Good::NAMES),
                USAGE,
            )
        })?,
        None => {
            return Err(UsageError::new(
                format!("What changed hands? Use {}.", Good::NAMES),
                USAGE,
            ));
        }
    };
    let rest = args.rest().ok_or_else(|| {
        UsageError::new(
            "What was it? e.g. `two engineers for the migration`.",
            USAGE,
        )
    })?;
    let (what, back_by) = split_back_by(rest)?;
    if back_by.is_some() && good != Good::Capacity {
        return Err(UsageError::new(
            "`back by` is for capacity lent or borrowed (a loan); other goods are not given back.",
            USAGE,
        ));
    }
    let text = bounded_text(what, MAX_TEXT, "entry", USAGE)?;
    Ok(TradeCmd::Record {
        direction,
        peer,
        good,
        text,
        back_by,
    })
}

/// `<what> back by <date>`: the text, and the date when there is one. After `back by` comes a
/// date or a refusal, never more text.
fn split_back_by(rest: &str) -> Result<(&str, Option<DateSpec>), UsageError> {
    let lower = rest.to_ascii_lowercase();
    let Some(at) = lower
        .rfind(" back by ")
        .or_else(|| lower.starts_with("back by ").then_some(0))
    else {
        return Ok((rest, None));
    };
    let (what, tail) = rest.split_at(at);
    let words: Vec<&str> = tail.split_whitespace().skip(2).collect();
    match parse_date_spec(&words) {
        Ok(Some((spec, used))) if used == words.len() => Ok((what.trim(), Some(spec))),
        Ok(_) => Err(UsageError::new(
            format!(
                "`back by` {} is not a date I can read: try {DATE_EXAMPLES}.",
                echo(&words.join(" "))
            ),
            USAGE,
        )),
        Err(e) => Err(UsageError::new(format!("{e}."), USAGE)),
    }
}

fn no_loan(n: i64) -> crate::error::AppError {
    UsageError::new(
        format!("You have no open loan #{n}. `/peer ledger` lists them."),
        USAGE,
    )
    .into()
}

impl TradeCmd {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        match self {
            TradeCmd::Delete(n) => {
                if ctx.store.delete_trade(ctx.owner, *n).await? {
                    Ok(Reply::new(format!("Ledger entry #{n} deleted.")))
                } else {
                    Err(UsageError::new(
                        format!("You have no ledger entry #{n}. `/peer ledger` lists them."),
                        USAGE,
                    )
                    .into())
                }
            }
            TradeCmd::Settle(n, status) => {
                if !ctx.store.settle_loan(ctx.owner, *n, *status).await? {
                    return Err(no_loan(*n));
                }
                Ok(Reply::new(match status {
                    LoanStatus::Returned => {
                        format!("Loan #{n} marked returned. No more reminders about it.")
                    }
                    _ => format!("Loan #{n} written off. No more reminders about it."),
                }))
            }
            TradeCmd::Extend(n, spec) => {
                let today = ctx.today();
                let back_by = spec.resolve_future(today);
                if back_by <= today {
                    return Err(UsageError::new(
                        format!(
                            "{} has already come: pick a later date.",
                            fmt_day(back_by, today)
                        ),
                        USAGE,
                    )
                    .into());
                }
                let prefs = ctx.prefs();
                if !ctx
                    .store
                    .extend_loan(ctx.owner, *n, back_by, loan_first_look(back_by, &prefs))
                    .await?
                {
                    return Err(no_loan(*n));
                }
                Ok(Reply::new(format!(
                    "Loan #{n} now comes back by {}. I'll ask again that day.",
                    fmt_day(back_by, today)
                )))
            }
            TradeCmd::Record {
                direction,
                peer,
                good,
                text,
                back_by,
            } => {
                if *peer == ctx.owner.user {
                    return Err(UsageError::new(
                        "A trade is with someone else's team: name the peer.",
                        USAGE,
                    )
                    .into());
                }
                if peer.as_str() == "USLACKBOT" {
                    return Err(UsageError::new(
                        "Slackbot has no team to trade with: name a peer.",
                        USAGE,
                    )
                    .into());
                }
                let today = ctx.today();
                let back_by = back_by.map(|s| s.resolve_future(today));
                if let Some(d) = back_by
                    && d <= today
                {
                    return Err(UsageError::new(
                        format!(
                            "{} has already come: a loan comes back later.",
                            fmt_day(d, today)
                        ),
                        USAGE,
                    )
                    .into());
                }
                let number = ctx
                    .store
                    .add_trade(
                        ctx.owner,
                        &NewTrade {
                            peer,
                            direction: *direction,
                            good: *good,
                            text,
                            held_on: today,
                            back_by,
                            remind_at: back_by.map(|d| loan_first_look(d, &ctx.prefs())),
                        },
                        ctx.now,
                    )
                    .await?;
                let who = peer.mention();
                let what = match (direction, back_by) {
                    (Direction::Gave, Some(_)) => format!("you lent {who}'s team capacity"),
                    (Direction::Got, Some(_)) => format!("you borrowed capacity from {who}'s team"),
                    (Direction::Gave, None) => format!("you gave {who}'s team {good}"),
                    (Direction::Got, None) => format!("you got {good} from {who}'s team"),
                };
                let due = back_by
                    .map(|d| format!(", back by {}", fmt_day(d, today)))
                    .unwrap_or_default();
                Ok(Reply::new(format!(
                    "Noted #{number}: {what}: “{}”{due}. Only you can see this; {who} is never told.",
                    escape_mrkdwn(text)
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<TradeCmd, UsageError> {
        parse(&mut Args::new(text))
    }

    #[test]
    fn trades_parse_with_goods_and_loans() {
        match p("got <@U0ANA> information the reorg, a week early").unwrap() {
            TradeCmd::Record {
                direction,
                good,
                text,
                back_by,
                ..
            } => {
                assert_eq!(
                    (direction, good, back_by),
                    (Direction::Got, Good::Info, None)
                );
                assert_eq!(text, "the reorg, a week early");
            }
            other => panic!("{other:?}"),
        }
        match p("gave <@U0ANA> Capacities two engineers back by Jan 15").unwrap() {
            TradeCmd::Record {
                good,
                text,
                back_by,
                ..
            } => {
                assert_eq!(good, Good::Capacity);
                assert_eq!(text, "two engineers");
                assert_eq!(back_by, Some(DateSpec::MonthDay(1, 15)));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(p("delete 3").unwrap(), TradeCmd::Delete(3));
        assert_eq!(
            p("returned 3").unwrap(),
            TradeCmd::Settle(3, LoanStatus::Returned)
        );
        assert_eq!(
            p("write-off 3").unwrap(),
            TradeCmd::Settle(3, LoanStatus::WrittenOff)
        );
        assert_eq!(
            p("extend 3 to Jan 30").unwrap(),
            TradeCmd::Extend(3, DateSpec::MonthDay(1, 30))
        );
        assert!(p("extend 3 to soon").is_err());
        assert!(p("extend 3 Jan 30").is_err());
    }

    #[test]
    fn bad_trades_are_refused_with_what_is_allowed() {
        let e = |t: &str| p(t).unwrap_err().problem;
        assert!(
            e("got <@U0ANA> money lots").contains("sequencing, capacity, risk, credit or info")
        );
        assert!(e("took <@U0ANA> info x").contains("`gave` or `got`"));
        assert!(e("got <@U0ANA> info x back by someday").contains("not a date I can read"));
        assert!(e("got <@U0ANA> info x back by Jan 15").contains("for capacity"));
        assert!(e("got <@U0ANA> info").contains("What was it?"));
        assert!(e("delete x").contains("ledger id"));
    }

    proptest::proptest! {
        #[test]
        fn any_trade_text_parses_or_is_refused(s in "\\PC{0,60}") {
            let _ = p(&s);
            let _ = p(&format!("gave <@U1> capacity {s}"));
        }
    }
}
