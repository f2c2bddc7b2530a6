//! `/peer together @user <topic> [for N weeks]` · `/peer together` ·
//! `/peer together lookback <id> keep|stop [<what worked>] [/ <what to change>]`: a small joint
//! piece of work with a peer (SPEC idea 11). At its end the owner is asked to look back and the
//! peer gets a short note naming the owner and the topic, nothing else. The look-back is kept as
//! private notes about the peer.

use super::args::{Args, bounded_text, echo, id_number};
use super::{Ctx, Reply, fmt_day};
use crate::domain::{
    LookBack, MAX_ANSWER, TOGETHER_DEFAULT_WEEKS, TOGETHER_MAX_WEEKS, Together, TogetherStatus,
    UserId, together_end, together_ends_on,
};
use crate::error::{Result, UsageError};
use crate::outbound::escape_mrkdwn;
use crate::store::{NewTogether, NextPeriod};

pub const USAGE: &str = "`/peer together @user <topic> [for N weeks]` · `/peer together` · \
`/peer together lookback <id> keep|stop [<what worked>] [/ <what to change>]`";
pub const ABOUT: &str = "Track a small joint piece of work with a peer (`/peer together @ana the \
on-call handover for 3 weeks`; 2 weeks unless you say, at most 12). At its end, each inside their own \
working hours, you get one DM to look back (what worked, what to change, keep going?) and they get a \
short note naming you and the topic, nothing else. Keep going starts another stretch of the same \
length; `stop` closes it. Your answers are kept as private notes about them. `/peer together` lists \
yours with their ids.";

const MAX_TOPIC: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub enum TogetherCmd {
    Start {
        peer: UserId,
        topic: String,
        weeks: u32,
    },
    List,
    LookBack(LookBack),
}

pub(super) fn parse(args: &mut Args) -> Result<TogetherCmd, UsageError> {
    let Some(first) = args.peek_words(1).first().copied() else {
        return Ok(TogetherCmd::List);
    };
    if ["lookback", "look-back"].contains(&first.to_ascii_lowercase().as_str()) {
        args.skip_words(1);
        return parse_look_back(args).map(TogetherCmd::LookBack);
    }
    let peer = args.mention(USAGE)?;
    let rest = args.rest().ok_or_else(|| {
        UsageError::new(
            "What are you working on together? e.g. `/peer together @ana the on-call handover for 3 weeks`.",
            USAGE,
        )
    })?;
    let (topic, weeks) = split_weeks(rest)?;
    if topic.is_empty() {
        return Err(UsageError::new(
            "What are you working on together? Name it before `for`.",
            USAGE,
        ));
    }
    Ok(TogetherCmd::Start {
        peer,
        topic: bounded_text(topic, MAX_TOPIC, "topic", USAGE)?,
        weeks,
    })
}

/// `<topic> [for N weeks]` → (topic, weeks). A trailing `for <x> week(s)` must name 1 to 12.
fn split_weeks(rest: &str) -> Result<(&str, u32), UsageError> {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let n = words.len();
    let is_for = n >= 3 && words[n - 3].eq_ignore_ascii_case("for");
    let is_weeks =
        n >= 1 && ["week", "weeks"].contains(&words[n - 1].to_ascii_lowercase().as_str());
    if !(is_for && is_weeks) {
        return Ok((rest.trim(), TOGETHER_DEFAULT_WEEKS));
    }
    let count = words[n - 2];
    let weeks = count
        .parse::<u32>()
        .ok()
        .filter(|w| (1..=TOGETHER_MAX_WEEKS).contains(w))
        .ok_or_else(|| {
            UsageError::new(
                format!(
                    "`for` {} weeks: give a whole number of weeks from 1 to {TOGETHER_MAX_WEEKS} \
                     (a small piece of work), e.g. `for 3 weeks`. Nothing was saved.",
                    echo(count)
                ),
                USAGE,
            )
        })?;
    // The topic is everything before the `for` (keeping the user's own spacing).
    let lower = rest.to_ascii_lowercase();
    let cut = lower.rfind("for").unwrap_or(rest.len());
    Ok((rest[..cut].trim(), weeks))
}

fn parse_look_back(args: &mut Args) -> Result<LookBack, UsageError> {
    let number = id_number(
        args.next_word(),
        "Which piece of work? Give its id from `/peer together`, e.g. `lookback 3 keep`.",
        "together id",
        USAGE,
    )?;
    let keep = match args.next_word().map(str::to_ascii_lowercase).as_deref() {
        Some("keep" | "yes" | "continue") => true,
        Some("stop" | "no" | "close" | "done") => false,
        Some(other) => {
            return Err(UsageError::new(
                format!(
                    "{}: say `keep` (another stretch of the same length) or `stop` (close it).",
                    echo(other)
                ),
                USAGE,
            ));
        }
        None => {
            return Err(UsageError::new(
                "Keep going or not? Add `keep` or `stop`, e.g. `lookback 3 keep pairing worked / meet earlier`.",
                USAGE,
            ));
        }
    };
    let (worked, change) = match args.rest() {
        None => (None, None),
        Some(text) => split_answers(text),
    };
    let answer = |t: Option<&str>| -> Result<Option<String>, UsageError> {
        t.map(|t| bounded_text(t, MAX_ANSWER, "answer", USAGE))
            .transpose()
    };
    Ok(LookBack {
        number,
        keep,
        worked: answer(worked)?,
        change: answer(change)?,
    })
}

/// `<what worked> / <what to change>`: split at the first ` / ` (or a leading `/`), so a link
/// or `and/or` inside an answer stays whole. Empty parts are `None`.
fn split_answers(text: &str) -> (Option<&str>, Option<&str>) {
    let t = text.trim();
    let (worked, change) = if let Some(after) = t.strip_prefix('/') {
        ("", after)
    } else if let Some(before) = t.strip_suffix(" /") {
        (before, "")
    } else if let Some((a, b)) = t.split_once(" / ") {
        (a, b)
    } else {
        (t, "")
    };
    (non_empty(worked), non_empty(change))
}

fn non_empty(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

fn no_open(number: i64) -> crate::error::AppError {
    UsageError::new(
        format!("You have no open piece of work together #{number}. `/peer together` lists yours."),
        USAGE,
    )
    .into()
}

impl TogetherCmd {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        match self {
            TogetherCmd::Start { peer, topic, weeks } => {
                ctx.require_peer(peer, USAGE).await?;
                let today = ctx.today();
                let ends_on = together_ends_on(today, *weeks);
                let new = NewTogether {
                    peer,
                    topic,
                    weeks: *weeks,
                    started_on: today,
                    ends_on,
                    ends_at: together_end(ends_on, &ctx.prefs()),
                };
                let n = ctx.store.add_together(ctx.owner, &new, ctx.now).await?;
                Ok(Reply::new(format!(
                    "Together #{n} with {m}: “{}”, for {}, until {}. When it ends I'll DM you, in your \
                     working hours, to look back, and send {m} one short note in theirs naming you and \
                     the topic, nothing else. `/peer together` lists yours; only you can see this.",
                    escape_mrkdwn(topic),
                    weeks_text(*weeks),
                    fmt_day(ends_on, today),
                    m = peer.mention(),
                )))
            }
            TogetherCmd::List => {
                let open = ctx.store.open_togethers(ctx.owner).await?;
                if open.is_empty() {
                    return Ok(Reply::new(
                        "Nothing open together. `/peer together @peer <topic> [for N weeks]` starts one.",
                    ));
                }
                let today = ctx.today();
                let mut text = String::from("*Working on together* (only you can see this)\n");
                for t in &open {
                    text.push_str(&format!("• {}\n", list_line(t, today)));
                }
                text.push_str(
                    "`/peer together lookback <id> keep|stop [<what worked>] [/ <what to change>]` looks back on one now.",
                );
                Ok(Reply::new(text))
            }
            TogetherCmd::LookBack(answers) => {
                let Some(item) = ctx.store.together(ctx.owner, answers.number).await? else {
                    return Err(no_open(answers.number));
                };
                if item.status != TogetherStatus::Open {
                    return Err(no_open(answers.number));
                }
                let today = ctx.today();
                let next = answers.keep.then(|| {
                    let ends_on = together_ends_on(today, item.weeks);
                    NextPeriod {
                        started_on: today,
                        ends_on,
                        ends_at: together_end(ends_on, &ctx.prefs()),
                    }
                });
                if ctx
                    .store
                    .look_back(ctx.owner, answers, next.as_ref(), today, ctx.now)
                    .await?
                    .is_none()
                {
                    return Err(no_open(answers.number));
                }
                let m = item.peer.mention();
                let kept = if answers.worked.is_some() || answers.change.is_some() {
                    format!(
                        " Your look-back is kept with your notes about {m} (`/peer notes` {m})."
                    )
                } else {
                    String::new()
                };
                Ok(Reply::new(match next {
                    Some(n) => format!(
                        "Keeping going: together #{} with {m}, “{}”, runs another {}, until {}.{kept}",
                        item.number,
                        escape_mrkdwn(&item.topic),
                        if item.weeks == 1 {
                            "week".to_string()
                        } else {
                            weeks_text(item.weeks)
                        },
                        fmt_day(n.ends_on, today),
                    ),
                    None => format!(
                        "Closed together #{} with {m}, “{}”.{kept}",
                        item.number,
                        escape_mrkdwn(&item.topic),
                    ),
                }))
            }
        }
    }
}

fn weeks_text(weeks: u32) -> String {
    if weeks == 1 {
        "1 week".into()
    } else {
        format!("{weeks} weeks")
    }
}

/// `#3 with <@A>: “the migration”, ends Mon 7 Dec (2 weeks)`
fn list_line(t: &Together, today: chrono::NaiveDate) -> String {
    let again = if t.period > 1 {
        format!(", stretch {}", t.period)
    } else {
        String::new()
    };
    format!(
        "#{} with {}: “{}”, ends {} ({}{again})",
        t.number,
        t.peer.mention(),
        escape_mrkdwn(&t.topic),
        fmt_day(t.ends_on, today),
        weeks_text(t.weeks),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Command;

    fn ana() -> UserId {
        UserId::parse("U0ANA").unwrap()
    }

    #[test]
    fn together_parses_a_topic_and_an_optional_length() {
        assert_eq!(
            Command::parse("together <@U0ANA|ana> the on-call handover").unwrap(),
            Command::Together(TogetherCmd::Start {
                peer: ana(),
                topic: "the on-call handover".into(),
                weeks: 2
            })
        );
        assert_eq!(
            Command::parse("together <@U0ANA> R&amp;D   sync for 12 weeks").unwrap(),
            Command::Together(TogetherCmd::Start {
                peer: ana(),
                topic: "R&D   sync".into(),
                weeks: 12
            })
        );
        assert_eq!(
            Command::parse("together <@U0ANA> plan for 1 week").unwrap(),
            Command::Together(TogetherCmd::Start {
                peer: ana(),
                topic: "plan".into(),
                weeks: 1
            })
        );
        assert_eq!(
            Command::parse("together").unwrap(),
            Command::Together(TogetherCmd::List)
        );
        for bad in [
            "together <@U0ANA>",
            "together <@U0ANA> x for 0 weeks",
            "together <@U0ANA> x for 13 weeks",
            "together <@U0ANA> x for two weeks",
            "together <@U0ANA> for 3 weeks",
            "together ana the thing",
            "together lookback",
            "together lookback 0 keep",
            "together lookback 3",
            "together lookback 3 maybe",
        ] {
            assert!(Command::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lookback_parses_keep_or_stop_and_two_answers() {
        let lb = |t: &str| match Command::parse(t).unwrap() {
            Command::Together(TogetherCmd::LookBack(l)) => l,
            other => panic!("{other:?}"),
        };
        let l = lb("together lookback #3 keep pairing on Fridays / start earlier");
        assert_eq!(
            l,
            LookBack {
                number: 3,
                keep: true,
                worked: Some("pairing on Fridays".into()),
                change: Some("start earlier".into()),
            }
        );
        let l = lb("together look-back 2 STOP");
        assert_eq!((l.keep, l.worked, l.change), (false, None, None));
        let l = lb("together lookback 2 stop / meet weekly");
        assert_eq!((l.worked, l.change.as_deref()), (None, Some("meet weekly")));
        let l = lb("together lookback 2 keep see https://x.example/a/b and/or more");
        assert_eq!(
            (l.worked.as_deref(), l.change),
            (Some("see https://x.example/a/b and/or more"), None)
        );
    }

    proptest::proptest! {
        /// Any text after `/peer together` is a command or a refusal; a parsed length is 1 to 12.
        #[test]
        fn any_together_text_parses_or_is_refused(
            words in proptest::collection::vec(
                "(lookback|keep|stop|for|weeks?|/|[0-9]{1,3}|<@U[A-Z0-9]{1,6}>|\\PC{0,6})",
                0..8,
            )
        ) {
            let text = format!("together {}", words.join(" "));
            if let Ok(Command::Together(TogetherCmd::Start { weeks, topic, .. })) = Command::parse(&text) {
                proptest::prop_assert!((1..=TOGETHER_MAX_WEEKS).contains(&weeks));
                proptest::prop_assert!(!topic.trim().is_empty());
            }
        }
    }
}
