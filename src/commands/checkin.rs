//! `/peer checkin @user [coffee] [on <date>] [notes]`: log a contact; it restarts the clock.

use super::args::{Args, bounded_text, echo};
use super::{Ctx, Reply, fmt_day};
use crate::domain::{
    CheckinEntry, DATE_EXAMPLES, DateSpec, UserId, oldest_allowed, parse_date_spec,
};
use crate::error::{Result, UsageError};
use crate::outbound::escape_mrkdwn;

pub const USAGE: &str = "`/peer checkin @user [coffee] [on <date>] [notes]`";
pub const ABOUT: &str = "Log a check-in (or a `coffee`: explicitly not about work). \
`on yesterday`, `on last friday`, `on Nov 20` or `on 2026-11-03` backdates it (up to a year). Notes are \
encrypted and visible to you alone. Any contact restarts the peer's clock and ends a snooze. In Slack, a bare \
`/peer checkin @user` opens the check-in form instead.";

const MAX_NOTES: usize = 4000;

#[derive(Debug, Clone, PartialEq)]
pub struct Checkin {
    pub peer: UserId,
    pub coffee: bool,
    pub on: Option<DateSpec>,
    pub notes: Option<String>,
}

pub(super) fn parse(args: &mut Args) -> Result<Checkin, UsageError> {
    let peer = args.mention(USAGE)?;
    let coffee = args
        .peek_words(1)
        .first()
        .is_some_and(|w| w.eq_ignore_ascii_case("coffee"));
    if coffee {
        args.skip_words(1);
    }
    let mut on = None;
    let words = args.peek_words(4);
    if words.first().is_some_and(|w| w.eq_ignore_ascii_case("on")) {
        // After `on` comes a date: anything else is refused, never taken as the notes.
        match parse_date_spec(&words[1..]) {
            Ok(Some((spec, used))) => {
                args.skip_words(1 + used);
                on = Some(spec);
            }
            Ok(None) => {
                let what = match words.get(1) {
                    Some(_) => format!(
                        "{} is not a date I can read.",
                        echo(&format!("on {}", words[1..].join(" ")))
                    ),
                    None => "On which date?".to_string(),
                };
                return Err(UsageError::new(
                    format!("{what} Try {DATE_EXAMPLES}; notes go after the date."),
                    USAGE,
                ));
            }
            Err(e) => return Err(UsageError::new(format!("{e}."), USAGE)),
        }
    }
    let notes = args
        .rest()
        .map(|n| bounded_text(n, MAX_NOTES, "note", USAGE))
        .transpose()?;
    Ok(Checkin {
        peer,
        coffee,
        on,
        notes,
    })
}

impl Checkin {
    /// Just `/peer checkin @user`: where Slack allows, the check-in form opens instead.
    pub fn is_bare(&self) -> bool {
        !self.coffee && self.on.is_none() && self.notes.is_none()
    }

    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        let today = ctx.today();
        let held_on = self.on.map(|s| s.resolve_past(today)).unwrap_or(today);
        let entry = CheckinEntry {
            held_on,
            coffee: self.coffee,
            notes: self.notes.clone(),
            ..Default::default()
        };
        log(ctx, &self.peer, &entry).await
    }
}

/// Records a check-in (from the text command or the form) and says what it changed. A date in
/// the future is refused; a backdated one older than the last contact does not rewind the clock.
pub async fn log(ctx: &Ctx<'_>, who: &UserId, entry: &CheckinEntry) -> Result<Reply> {
    let today = ctx.today();
    if entry.held_on > today {
        return Err(UsageError::new(
            format!(
                "{} is in the future: log a check-in once it has happened.",
                fmt_day(entry.held_on, today)
            ),
            USAGE,
        )
        .into());
    }
    if entry.held_on < oldest_allowed(today) {
        return Err(UsageError::new(
            format!(
                "{} is more than a year ago: log check-ins from the last twelve months.",
                fmt_day(entry.held_on, today)
            ),
            USAGE,
        )
        .into());
    }
    let mut peer = ctx.require_peer(who, USAGE).await?;
    if peer.last_contact.is_none_or(|last| entry.held_on > last) {
        peer.last_contact = Some(entry.held_on);
    }
    peer.snoozed_until = None;
    ctx.store
        .record_checkin(ctx.owner, &peer, ctx.nudge_at(&peer), entry, ctx.now)
        .await?;
    let what = if entry.coffee {
        "a coffee"
    } else {
        "a check-in"
    };
    let notes = if entry.notes.is_some() || !entry.agenda.is_empty() {
        " with your notes"
    } else {
        ""
    };
    let offer = match &entry.offer {
        Some(o) => format!(
            " Your offer “{}” stays open in your prep and nudges until you mark it done or drop it.",
            escape_mrkdwn(o)
        ),
        None => String::new(),
    };
    Ok(Reply::new(format!(
        "Logged {what} with {} {}{notes}. Next check-in due {}.{offer}",
        who.mention(),
        fmt_day(entry.held_on, today),
        fmt_day(peer.next_due(), today)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn p(text: &str) -> Result<Checkin, UsageError> {
        parse(&mut Args::new(text))
    }

    #[test]
    fn every_part_is_optional_after_the_mention() {
        let c = p("<@U2|ana>").unwrap();
        assert!(!c.coffee && c.on.is_none() && c.notes.is_none());
        let c = p("<@U2> coffee on tue talked about her kids").unwrap();
        assert!(c.coffee);
        assert_eq!(c.on, Some(DateSpec::Weekday(Weekday::Tue)));
        assert_eq!(c.notes.as_deref(), Some("talked about her kids"));
        let c = p("<@U2> on 3 days ago hiring freeze").unwrap();
        assert_eq!(c.on, Some(DateSpec::DaysAgo(3)));
        assert_eq!(c.notes.as_deref(), Some("hiring freeze"));
    }

    #[test]
    fn after_on_comes_a_date_or_a_refusal_never_notes() {
        let c = p("<@U2> on last friday great chat").unwrap();
        assert_eq!(c.on, Some(DateSpec::LastWeekday(Weekday::Fri)));
        assert_eq!(c.notes.as_deref(), Some("great chat"));
        let c = p("<@U2> on Nov 20 roadmap").unwrap();
        assert_eq!(c.on, Some(DateSpec::MonthDay(11, 20)));
        assert_eq!(c.notes.as_deref(), Some("roadmap"));
        for text in ["<@U2> on the migration plan", "<@U2> on lastfriday hi"] {
            let e = p(text).unwrap_err();
            assert!(
                e.problem.contains("is not a date I can read"),
                "{text}: {e:?}"
            );
            assert!(e.problem.contains("last friday"), "examples: {e:?}");
        }
    }

    #[test]
    fn impossible_dates_and_missing_mentions_are_refused() {
        assert!(
            p("<@U2> on 2026-02-30")
                .unwrap_err()
                .problem
                .contains("not a date on the calendar")
        );
        assert!(p("<@U2> on").unwrap_err().problem.contains("On which date"));
        assert!(p("ana").unwrap_err().problem.contains("`ana`"));
        assert!(p("").is_err());
    }

    /// The form keeps the same date bounds as the command, and no answer makes it panic.
    #[test]
    fn the_form_refuses_dates_out_of_bounds() {
        let today: chrono::NaiveDate = "2026-12-03".parse().unwrap();
        let form = |d: &str| CheckinForm {
            held_on: Some(d.parse().unwrap()),
            notes: Some("x".into()),
            ..Default::default()
        };
        assert!(form("2025-11-30").entry(today).is_err());
        assert!(form("2026-12-04").entry(today).is_err());
        assert!(form("2026-01-30").entry(today).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn any_form_answers_never_panic(
            notes in proptest::option::of("\\PC{0,50}"),
            offer in proptest::option::of("\\PC{0,50}"),
            days in -800i64..800,
            coffee in proptest::bool::ANY,
        ) {
            let today: chrono::NaiveDate = "2026-12-03".parse().unwrap();
            let _ = CheckinForm {
                held_on: today.checked_add_signed(chrono::TimeDelta::days(days)),
                coffee,
                notes,
                offer,
                ..Default::default()
            }
            .entry(today);
        }
    }
}

/// The check-in form's answers, as typed (the Slack edge reads them out of the modal).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckinForm {
    pub held_on: Option<chrono::NaiveDate>,
    pub coffee: bool,
    pub status_sync: bool,
    pub notes: Option<String>,
    pub constraint: Option<String>,
    pub boss: Option<String>,
    pub fire: Option<String>,
    pub offer: Option<String>,
}

/// A form field and what is wrong with it.
pub type FieldProblem = (&'static str, String);

impl CheckinForm {
    /// The entry to log, or every field that is wrong (the same rules as the typed command:
    /// not in the future, not empty, bounded text).
    pub fn entry(
        self,
        today: chrono::NaiveDate,
    ) -> std::result::Result<CheckinEntry, Vec<FieldProblem>> {
        let held_on = self.held_on.unwrap_or(today);
        let mut problems = Vec::new();
        if held_on > today {
            problems.push((
                "date",
                "That date is in the future: log a check-in once it has happened.".to_string(),
            ));
        }
        if held_on < oldest_allowed(today) {
            problems.push((
                "date",
                "That is more than a year ago: log check-ins from the last twelve months."
                    .to_string(),
            ));
        }
        let nothing = self.notes.is_none()
            && self.constraint.is_none()
            && self.boss.is_none()
            && self.fire.is_none()
            && self.offer.is_none()
            && !self.coffee
            && !self.status_sync;
        if nothing {
            problems.push((
                "notes",
                "The form is empty: write what you learnt about their world, or tick what the check-in was.".to_string(),
            ));
        }
        for (block, text) in [
            ("notes", &self.notes),
            ("constraint", &self.constraint),
            ("boss", &self.boss),
            ("fire", &self.fire),
            ("offer", &self.offer),
        ] {
            if text.as_ref().is_some_and(|t| t.chars().count() > MAX_NOTES) {
                problems.push((block, format!("At most {MAX_NOTES} characters, please.")));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(CheckinEntry {
            held_on,
            coffee: self.coffee,
            notes: self.notes,
            agenda: crate::domain::Agenda {
                constraint: self.constraint,
                boss: self.boss,
                fire: self.fire,
            },
            offer: self.offer,
            status_sync: self.status_sync,
        })
    }
}
