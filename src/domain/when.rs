//! When "the room" hears the news: `2026-12-03 10:00`, `tomorrow 9:30`, `mon 10:00`, `3pm`,
//! `in 3 days`, `in 2 hours`. Parsed without a clock; resolved in the user's zone later.

use super::dates::{DateSpec, parse_date_spec};
use super::hours::resolve_local;
use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenSpec {
    /// A local wall-clock time; `None` date means today.
    At {
        date: Option<DateSpec>,
        time: NaiveTime,
    },
    /// A span from now.
    In(TimeDelta),
}

/// Reads `9:30`, `09:30`, `14`, `2pm`, `2:30pm`, `noon`.
pub fn parse_time(word: &str) -> Option<NaiveTime> {
    let w = word.to_ascii_lowercase();
    if w == "noon" {
        return NaiveTime::from_hms_opt(12, 0, 0);
    }
    let (body, pm) = match (w.strip_suffix("pm"), w.strip_suffix("am")) {
        (Some(b), _) => (b, Some(true)),
        (_, Some(b)) => (b, Some(false)),
        _ => (w.as_str(), None),
    };
    let (h, m) = match body.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h, m),
        Some(_) => return None,
        None if pm.is_some() || body.len() <= 2 => (body, "00"),
        None => return None,
    };
    if h.is_empty()
        || h.len() > 2
        || !h.bytes().all(|b| b.is_ascii_digit())
        || !m.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (mut h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match pm {
        Some(_) if !(1..=12).contains(&h) => return None,
        Some(true) if h != 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    NaiveTime::from_hms_opt(h, m, 0)
}

/// Reads a whole `<when>` phrase; `None` when the words are not one.
pub fn parse_when(words: &[&str]) -> Option<WhenSpec> {
    match words {
        [inw, n, unit] if inw.eq_ignore_ascii_case("in") => {
            let n: i64 = n.parse().ok().filter(|n| (1..=1000).contains(n))?;
            let span = match unit.to_ascii_lowercase().trim_end_matches('s') {
                "minute" | "min" => TimeDelta::minutes(n),
                "hour" | "hr" => TimeDelta::hours(n),
                "day" => TimeDelta::days(n),
                "week" => TimeDelta::weeks(n),
                _ => return None,
            };
            Some(WhenSpec::In(span))
        }
        [time] => parse_time(time).map(|time| WhenSpec::At { date: None, time }),
        _ => {
            // A date phrase (`mon`, `next friday`, `Dec 10`, `2026-12-10`), then the time.
            let (spec, used) = parse_date_spec(words).ok()??;
            let time = match &words[used..] {
                [time] => time,
                [at, time] if at.eq_ignore_ascii_case("at") => time,
                _ => return None,
            };
            Some(WhenSpec::At {
                date: Some(spec),
                time: parse_time(time)?,
            })
        }
    }
}

impl WhenSpec {
    /// The instant meant, read in `tz` at `now`. A weekday means its next occurrence still ahead
    /// (today if the time has not passed). A local time skipped by DST resolves to the moment
    /// the clocks jump to; a repeated one to its first occurrence.
    pub fn resolve(self, now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        match self {
            WhenSpec::In(span) => now + span,
            WhenSpec::At { date, time } => {
                let today = now.with_timezone(&tz).date_naive();
                let day = match date {
                    None => today,
                    Some(DateSpec::Weekday(w)) if today.weekday() == w => {
                        let at = resolve_local(tz, today.and_time(time));
                        if at > now {
                            return at;
                        }
                        today + chrono::Days::new(7)
                    }
                    Some(spec) => spec.resolve_future(today),
                };
                resolve_local(tz, day.and_time(time))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn when(s: &str) -> Option<WhenSpec> {
        let words: Vec<&str> = s.split_whitespace().collect();
        parse_when(&words)
    }
    fn at(s: &str, now: &str, tz: &str) -> DateTime<Utc> {
        when(s)
            .unwrap_or_else(|| panic!("{s}"))
            .resolve(utc(now), tz.parse().unwrap())
    }

    #[test]
    fn times_parse_in_the_forms_people_type() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0);
        assert_eq!(parse_time("9:30"), t(9, 30));
        assert_eq!(parse_time("14:00"), t(14, 0));
        assert_eq!(parse_time("14"), t(14, 0));
        assert_eq!(parse_time("2pm"), t(14, 0));
        assert_eq!(parse_time("12am"), t(0, 0));
        assert_eq!(parse_time("12:30pm"), t(12, 30));
        assert_eq!(parse_time("noon"), t(12, 0));
        for bad in ["25:00", "9:3", "13pm", "x", "930", "", "9:60", ":30"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn whole_phrases_resolve_in_the_users_zone() {
        // Saturday 2026-11-21 10:00 UTC = 11:00 Paris.
        let now = "2026-11-21T10:00:00Z";
        assert_eq!(
            at("2026-12-03 10:00", now, "Europe/Paris"),
            utc("2026-12-03T09:00:00Z")
        );
        assert_eq!(
            at("tomorrow 9:30", now, "Europe/Paris"),
            utc("2026-11-22T08:30:00Z")
        );
        assert_eq!(
            at("mon 10:00", now, "Europe/Paris"),
            utc("2026-11-23T09:00:00Z")
        );
        assert_eq!(
            at("sat 15:00", now, "Europe/Paris"),
            utc("2026-11-21T14:00:00Z"),
            "later today"
        );
        assert_eq!(
            at("sat 9:00", now, "Europe/Paris"),
            utc("2026-11-28T08:00:00Z"),
            "passed today: next week"
        );
        assert_eq!(
            at("in 3 days", now, "Europe/Paris"),
            utc("2026-11-24T10:00:00Z")
        );
        assert_eq!(
            at("in 90 minutes", now, "Europe/Paris"),
            utc("2026-11-21T11:30:00Z")
        );
        assert_eq!(
            at("next fri 2pm", now, "Europe/Paris"),
            utc("2026-11-27T13:00:00Z")
        );
        assert_eq!(
            at("Dec 3 at 10:00", now, "Europe/Paris"),
            utc("2026-12-03T09:00:00Z")
        );
        assert_eq!(
            at("2026/12/03 10:00", now, "Europe/Paris"),
            utc("2026-12-03T09:00:00Z")
        );
        assert_eq!(
            at("4pm", now, "America/New_York"),
            utc("2026-11-21T21:00:00Z")
        );
    }

    #[test]
    fn across_a_dst_change_the_wall_clock_time_is_kept() {
        // Friday 2026-03-06 in New York (EST); the room is Monday 03-09 10:00 EDT = 14:00Z.
        assert_eq!(
            at("mon 10:00", "2026-03-06T15:00:00Z", "America/New_York"),
            utc("2026-03-09T14:00:00Z")
        );
        // A time in the skipped hour resolves to when the clocks jump.
        assert_eq!(
            at(
                "2026-03-08 2:30",
                "2026-03-06T15:00:00Z",
                "America/New_York"
            ),
            utc("2026-03-08T07:00:00Z")
        );
    }

    #[test]
    fn non_times_are_not_read_as_times() {
        for bad in [
            "the all-hands",
            "in 3 fortnights",
            "in 0 days",
            "2026-12-03",
            "tomorrow",
            "2026-02-30 10:00",
            "in days",
        ] {
            assert_eq!(when(bad), None, "{bad}");
        }
    }
}
