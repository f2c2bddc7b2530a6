//! `/peer settings [tz <zone>] [hours <HH-HH>] [days <mon-fri>]`: when nudges may reach you.

use super::args::{Args, echo};
use super::{Ctx, Reply};
use crate::domain::{WeekdaySet, WorkingHours, nudge_at};
use crate::error::{Result, UsageError};
use crate::store::TzSource;
use chrono_tz::Tz;

pub const USAGE: &str = "`/peer settings [tz <zone>] [hours <HH-HH>] [days <mon-fri>]`";
pub const ABOUT: &str = "Show or change when nudges may reach you. Your time zone comes from Slack unless you set one \
(e.g. `tz Europe/Paris`); hours are local (`hours 9-17`), days a range or list (`days mon-thu`, `days mon,wed,fri`). \
Nudges never arrive outside them.";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    pub tz: Option<Tz>,
    pub hours: Option<WorkingHours>,
    pub days: Option<WeekdaySet>,
}

pub(super) fn parse(args: &mut Args) -> Result<Settings, UsageError> {
    let mut s = Settings::default();
    while let Some(key) = args.next_word() {
        let value = args.next_word();
        let key_l = key.to_ascii_lowercase();
        let missing = || UsageError::new(format!("`{key_l}` needs a value."), USAGE);
        match key_l.as_str() {
            "tz" | "timezone" if s.tz.is_none() => {
                let v = value.ok_or_else(missing)?;
                s.tz = Some(Tz::from_str_insensitive(v).map_err(|_| {
                    UsageError::new(
                        format!("{} is not a time zone I know: use a name like `Europe/Paris` or `America/New_York`.", echo(v)),
                        USAGE,
                    )
                })?);
            }
            "hours" if s.hours.is_none() => {
                let v = value.ok_or_else(missing)?;
                s.hours = Some(WorkingHours::parse(v).ok_or_else(|| {
                    UsageError::new(
                        format!(
                            "{} is not a range of hours: use e.g. `9-17` (start before end, 0–24).",
                            echo(v)
                        ),
                        USAGE,
                    )
                })?);
            }
            "days" if s.days.is_none() => {
                let v = value.ok_or_else(missing)?;
                s.days = Some(WeekdaySet::parse(v).ok_or_else(|| {
                    UsageError::new(
                        format!(
                            "{} is not a set of days: use e.g. `mon-fri` or `mon,wed,fri`.",
                            echo(v)
                        ),
                        USAGE,
                    )
                })?);
            }
            "tz" | "timezone" | "hours" | "days" => {
                return Err(UsageError::new(format!("`{key_l}` is given twice."), USAGE));
            }
            _ => {
                return Err(UsageError::new(
                    format!("I did not understand {}.", echo(key)),
                    USAGE,
                ));
            }
        }
    }
    Ok(s)
}

impl Settings {
    pub fn is_show(&self) -> bool {
        *self == Settings::default()
    }

    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        let mut prefs = ctx.prefs();
        let mut tz_source = ctx.profile.tz_source;
        if !self.is_show() {
            if let Some(tz) = self.tz {
                prefs.tz = tz;
                tz_source = Some(TzSource::User);
            }
            prefs.hours = self.hours.unwrap_or(prefs.hours);
            prefs.days = self.days.unwrap_or(prefs.days);
            let nudges: Vec<_> = ctx
                .store
                .peers_of(ctx.owner)
                .await?
                .iter()
                .map(|p| (p.peer.clone(), nudge_at(p, &prefs, None, ctx.now)))
                .collect();
            ctx.store
                .save_settings(ctx.owner, self.tz, self.hours, self.days, &nudges)
                .await?;
        }
        let zone = match (ctx.profile.tz.is_some() || self.tz.is_some(), tz_source) {
            (false, _) => format!("{} (not known from Slack yet)", prefs.tz.name()),
            (true, Some(TzSource::User)) => format!("{} (set by you)", prefs.tz.name()),
            (true, _) => format!("{} (from Slack)", prefs.tz.name()),
        };
        let head = if self.is_show() {
            "Your settings"
        } else {
            "Saved. Your settings"
        };
        Ok(Reply::new(format!(
            "{head}: nudges arrive {}, {}, time zone {zone}.",
            prefs.days, prefs.hours
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Settings, UsageError> {
        parse(&mut Args::new(text))
    }

    #[test]
    fn any_subset_in_any_order() {
        assert!(p("").unwrap().is_show());
        let s = p("days mon-thu tz europe/paris hours 8-16").unwrap();
        assert_eq!(s.tz, Some(chrono_tz::Europe::Paris));
        assert_eq!(s.hours, WorkingHours::new(8, 16));
        assert_eq!(s.days, WeekdaySet::parse("mon-thu"));
    }

    #[test]
    fn bad_values_are_named() {
        assert!(
            p("tz Mars/Olympus")
                .unwrap_err()
                .problem
                .contains("`Mars/Olympus`")
        );
        assert!(p("hours 17-9").unwrap_err().problem.contains("`17-9`"));
        assert!(p("days someday").unwrap_err().problem.contains("`someday`"));
        assert!(p("tz").unwrap_err().problem.contains("needs a value"));
        assert!(
            p("hours 9-17 hours 8-16")
                .unwrap_err()
                .problem
                .contains("twice")
        );
        assert!(p("colour blue").unwrap_err().problem.contains("`colour`"));
    }
}
