//! `/peer milestone @user <date> <what>` · `/peer milestone @user clear`: a peer's dependency
//! milestone (SPEC §2). A relationship that is cooling or cold within six weeks of it is put
//! first, with the reason, in `/peer map`, App Home and nudges. A past one is kept as history.

use super::args::{Args, bounded_text, echo};
use super::{Ctx, Reply, fmt_day};
use crate::domain::{
    DATE_EXAMPLES, DateSpec, MILESTONE_MAX_YEARS, Milestone, UserId, parse_date_spec,
};
use crate::error::{Result, UsageError};
use crate::outbound::escape_mrkdwn;
use chrono::Months;

pub const USAGE: &str = "`/peer milestone @user <date> <what>` · `/peer milestone @user clear`";
pub const ABOUT: &str = "A date your year depends on them for (\"2027-03-01 their platform \
cut-over\"). While the relationship is cooling or cold within 6 weeks of it, `/peer map`, App Home \
and nudges put them first and say why. Setting another replaces it; `clear` ends it; a past one is \
kept in your history and no longer shown.";

const MAX_TEXT: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub enum MilestoneCmd {
    Set(UserId, DateSpec, String),
    Clear(UserId),
}

pub(super) fn parse(args: &mut Args) -> Result<MilestoneCmd, UsageError> {
    let peer = args.mention(USAGE)?;
    let words = args.peek_words(4);
    if let [w] = words.as_slice()
        && w.eq_ignore_ascii_case("clear")
    {
        args.skip_words(1);
        return Ok(MilestoneCmd::Clear(peer));
    }
    if words.is_empty() {
        return Err(UsageError::new(
            format!(
                "When, and what? e.g. `/peer milestone @ana 2027-03-01 their platform cut-over`. Dates: {DATE_EXAMPLES}."
            ),
            USAGE,
        ));
    }
    let spec = match parse_date_spec(&words) {
        Ok(Some((spec, used))) => {
            args.skip_words(used);
            spec
        }
        Ok(None) => {
            return Err(UsageError::new(
                format!(
                    "{} is not a date I can read. Start with the date, e.g. `2027-03-01`, `Mar 1` or `next friday`.",
                    echo(words[0])
                ),
                USAGE,
            ));
        }
        Err(e) => return Err(UsageError::new(format!("{e}."), USAGE)),
    };
    match args.rest() {
        Some(t) => Ok(MilestoneCmd::Set(
            peer,
            spec,
            bounded_text(t, MAX_TEXT, "milestone", USAGE)?,
        )),
        None => Err(UsageError::new(
            "What happens then? e.g. `/peer milestone @ana 2027-03-01 their platform cut-over`.",
            USAGE,
        )),
    }
}

impl MilestoneCmd {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        let today = ctx.today();
        match self {
            MilestoneCmd::Set(peer, spec, what) => {
                let due_on = spec.resolve_future(today);
                if due_on < today {
                    return Err(UsageError::new(
                        format!(
                            "{} has passed: a milestone is a date still ahead. Nothing was saved.",
                            fmt_day(due_on, today)
                        ),
                        USAGE,
                    )
                    .into());
                }
                if due_on > today + Months::new(12 * MILESTONE_MAX_YEARS) {
                    return Err(UsageError::new(
                        format!(
                            "{} is more than {MILESTONE_MAX_YEARS} years away: pick a milestone this side of it. Nothing was saved.",
                            fmt_day(due_on, today)
                        ),
                        USAGE,
                    )
                    .into());
                }
                ctx.require_peer(peer, USAGE).await?;
                let m = Milestone {
                    due_on,
                    what: what.clone(),
                };
                ctx.store
                    .set_milestone(ctx.owner, peer, &m, ctx.now)
                    .await?;
                Ok(Reply::new(format!(
                    "Milestone for {}: {}, {} ({}). If the relationship is cooling or cold within 6 weeks of it, your map and nudges put them first. Only you can see this.",
                    peer.mention(),
                    escape_mrkdwn(what),
                    fmt_day(due_on, today),
                    match m.days_left(today) {
                        1 => "1 day away".to_string(),
                        n => format!("{n} days away"),
                    }
                )))
            }
            MilestoneCmd::Clear(peer) => {
                ctx.require_peer(peer, USAGE).await?;
                if ctx.store.clear_milestone(ctx.owner, peer, ctx.now).await? {
                    Ok(Reply::new(format!(
                        "Cleared {}'s milestone (kept in your history).",
                        peer.mention()
                    )))
                } else {
                    Ok(Reply::new(format!("{} had no milestone.", peer.mention())))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Command;

    #[test]
    fn milestones_parse_a_date_then_what() {
        let ana = UserId::parse("U0ANA").unwrap();
        assert_eq!(
            Command::parse("milestone <@U0ANA> 2027-03-01 their platform cut-over").unwrap(),
            Command::Milestone(MilestoneCmd::Set(
                ana.clone(),
                DateSpec::On("2027-03-01".parse().unwrap()),
                "their platform cut-over".into()
            ))
        );
        assert!(matches!(
            Command::parse("milestone <@U0ANA> Mar 1 cut-over").unwrap(),
            Command::Milestone(MilestoneCmd::Set(_, DateSpec::MonthDay(3, 1), _))
        ));
        assert_eq!(
            Command::parse("milestone <@U0ANA> clear").unwrap(),
            Command::Milestone(MilestoneCmd::Clear(ana))
        );
        for bad in [
            "milestone",
            "milestone <@U0ANA>",
            "milestone <@U0ANA> soonish cut-over",
            "milestone <@U0ANA> 2027-02-30 cut-over",
            "milestone <@U0ANA> 2027-03-01",
        ] {
            assert!(Command::parse(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        /// No text after `/peer milestone @ana` makes the parser panic.
        #[test]
        fn any_milestone_text_parses_or_is_refused(s in "\\PC{0,60}") {
            let _ = Command::parse(&format!("milestone <@U0ANA> {s}"));
            let _ = Command::parse(&format!("note <@U0ANA> {s}"));
            let _ = Command::parse(&format!("offered <@U0ANA> {s}"));
        }
    }
}
