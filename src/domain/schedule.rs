//! Meeting schedules as people write them: crontab's five fields, with crontab's own meaning
//! (0 and 7 are both Sunday; when day-of-month and day-of-week are both restricted, a day
//! matching either counts), or a plain form (`mondays 9:30`, `weekdays 9:00`,
//! `every other thursday 14:00`, `every 3 weeks on tue 10:00`).
//!
//! Occurrences are computed in local wall time and only then placed on the timeline
//! ([`Schedule::instant`]), so a daylight-saving change can neither double nor drop one: the
//! wall-clock occurrence is the identity, a repeated hour maps to its first instant and a
//! skipped one moves forward. The `cron` crate does the calendar search, but its dialect
//! (six fields, 1 = Sunday, day fields ANDed) is only ever built here from fields we have
//! already read and checked, so it never reaches a user.

use super::dates::weekday_from_word;
use super::hours::resolve_local;
use super::when::parse_time;
use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use std::collections::BTreeSet;
use std::str::FromStr;

/// Closer occurrences than this are refused: a digest every few minutes is noise.
const MIN_GAP: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// A parsed, checked meeting schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    text: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// One or two calendar searches; an occurrence is the earliest match of any.
    Cron(Vec<cron::Schedule>),
    /// Every `weeks` weeks on `anchor`'s weekday at `at`, starting on `anchor`.
    EveryWeeks {
        weeks: u32,
        anchor: NaiveDate,
        at: NaiveTime,
    },
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Schedule {
    /// Reads `text`. `from` (local wall time) anchors the "every other week" forms: their first
    /// occurrence is the first one after `from`. Re-reading a stored schedule with the same
    /// `from` gives the same occurrences.
    pub fn parse(text: &str, from: NaiveDateTime) -> Result<Schedule, String> {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return Err("The schedule is empty.".into());
        }
        let words: Vec<&str> = text.split(' ').collect();
        // Crontab's first two fields (minute, hour) start with a digit or `*`; no plain form does.
        let looks_cron = words.len() == 5
            && words[..2]
                .iter()
                .all(|w| w.starts_with(|c: char| c.is_ascii_digit() || c == '*'));
        let kind = if looks_cron {
            crontab(&words)?
        } else {
            plain(&words, from)?
        };
        let s = Schedule { text, kind };
        s.check(from)?;
        Ok(s)
    }

    /// The schedule as the user wrote it (whitespace normalised); what is stored and shown.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The first occurrence strictly after the local wall time `after`.
    pub fn next_after(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        match &self.kind {
            Kind::Cron(searches) => searches
                .iter()
                .filter_map(|s| {
                    s.after(&Utc.from_utc_datetime(&after))
                        .next()
                        .map(|t| t.naive_utc())
                })
                .min(),
            Kind::EveryWeeks { weeks, anchor, at } => {
                let step = i64::from(*weeks) * 7;
                let first = anchor.and_time(*at);
                if after < first {
                    return Some(first);
                }
                let days = (after.date() - *anchor).num_days();
                let mut k = days / step;
                loop {
                    let d = anchor.checked_add_days(Days::new(u64::try_from(k * step).ok()?))?;
                    let t = d.and_time(*at);
                    if t > after {
                        return Some(t);
                    }
                    k += 1;
                }
            }
        }
    }

    /// The next `n` occurrences after `after` (local wall time).
    pub fn upcoming(&self, after: NaiveDateTime, n: usize) -> Vec<NaiveDateTime> {
        let mut out = Vec::with_capacity(n);
        let mut t = after;
        while out.len() < n {
            match self.next_after(t) {
                Some(next) => {
                    out.push(next);
                    t = next;
                }
                None => break,
            }
        }
        out
    }

    /// Where a local occurrence falls on the timeline in `tz`: a repeated hour counts once (its
    /// first instant), a skipped hour moves forward to the first time that exists.
    pub fn instant(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
        resolve_local(tz, local)
    }

    fn check(&self, from: NaiveDateTime) -> Result<(), String> {
        let next = self.upcoming(from, 20);
        if next.is_empty() || next[0] - from > chrono::TimeDelta::days(2 * 366) {
            return Err(
                "That schedule never comes round (no occurrence in the next two years).".into(),
            );
        }
        if next.windows(2).any(|w| w[1] - w[0] < MIN_GAP) {
            return Err(
                "That schedule comes round more than once an hour; a leadership meeting is rarer than that."
                    .into(),
            );
        }
        Ok(())
    }
}

/// The plain forms: `[every] <weekday>[s] [at] <time>`, `weekdays <time>`, `daily <time>`,
/// `every other <weekday> <time>`, `every N weeks on <weekday> <time>`.
fn plain(words: &[&str], from: NaiveDateTime) -> Result<Kind, String> {
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let mut w: Vec<&str> = lower.iter().map(String::as_str).collect();
    let Some(time) = w.pop().and_then(parse_time) else {
        return Err(
            "End the schedule with a time, e.g. `mondays 9:30` or `every other thursday 14:00`."
                .into(),
        );
    };
    if w.last() == Some(&"at") {
        w.pop();
    }
    let mut weeks = 1;
    if w.first() == Some(&"every") {
        w.remove(0);
        match w.first().copied() {
            Some("other") => {
                weeks = 2;
                w.remove(0);
            }
            Some(n)
                if n.parse::<u32>().is_ok() && w.get(1).is_some_and(|u| u.starts_with("week")) =>
            {
                weeks = n.parse().unwrap_or(1);
                if !(1..=8).contains(&weeks) {
                    return Err("Every 1 to 8 weeks, please.".into());
                }
                w.drain(..2);
                if w.first() == Some(&"on") {
                    w.remove(0);
                }
            }
            _ => {}
        }
    }
    let (m, h) = (time.minute().to_string(), time.hour().to_string());
    let days = match w.as_slice() {
        ["day"] | ["daily"] if weeks == 1 => return crontab(&[&m, &h, "*", "*", "*"]),
        ["weekday"] | ["weekdays"] if weeks == 1 => {
            return crontab(&[&m, &h, "*", "*", "1-5"]);
        }
        [d] => {
            let d = d
                .strip_suffix('s')
                .filter(|s| weekday_from_word(s).is_some())
                .unwrap_or(d);
            weekday_from_word(d).ok_or_else(|| format!("`{d}` is not a day of the week."))?
        }
        _ => {
            return Err(
                "I read schedules like `mondays 9:30`, `weekdays 9:00`, `every other thursday 14:00` or crontab's five fields (`30 9 * * 1`)."
                    .into(),
            );
        }
    };
    if weeks == 1 {
        let dow = days.num_days_from_sunday().to_string();
        return crontab(&[&m, &h, "*", "*", &dow]);
    }
    // The first such day whose meeting is still ahead of `from`.
    let mut anchor = from.date();
    while anchor.weekday() != days || anchor.and_time(time) <= from {
        anchor = anchor + Days::new(1);
    }
    Ok(Kind::EveryWeeks {
        weeks,
        anchor,
        at: time,
    })
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// One crontab field: its name, range and (for month and day of week) its names.
struct Field {
    name: &'static str,
    lo: u32,
    hi: u32,
    names: &'static [&'static str],
    /// The number the first name stands for.
    names_from: u32,
}

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        lo: 0,
        hi: 59,
        names: &[],
        names_from: 0,
    },
    Field {
        name: "hour",
        lo: 0,
        hi: 23,
        names: &[],
        names_from: 0,
    },
    Field {
        name: "day of month",
        lo: 1,
        hi: 31,
        names: &[],
        names_from: 0,
    },
    Field {
        name: "month",
        lo: 1,
        hi: 12,
        names: &MONTHS,
        names_from: 1,
    },
    Field {
        name: "day of week",
        lo: 0,
        hi: 7,
        names: &DAYS,
        names_from: 0,
    },
];

/// Crontab's five fields, read with crontab's meaning and rebuilt for the `cron` crate.
fn crontab(words: &[&str]) -> Result<Kind, String> {
    let mut sets = Vec::with_capacity(5);
    for (word, field) in words.iter().zip(&FIELDS) {
        sets.push(expand(word, field)?);
    }
    // Crontab: 7 is Sunday too.
    let dow = sets[4].take().map(|s| {
        s.into_iter()
            .map(|d| if d == 7 { 0 } else { d })
            .collect::<BTreeSet<u32>>()
    });
    sets[4] = dow;
    let list = |s: &Option<BTreeSet<u32>>| match s {
        None => "*".to_string(),
        Some(v) => v.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
    };
    let dow_names = match &sets[4] {
        None => "*".to_string(),
        Some(v) => v
            .iter()
            .map(|d| DAYS[*d as usize].to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(","),
    };
    let (min, hour, dom, month) = (
        list(&sets[0]),
        list(&sets[1]),
        list(&sets[2]),
        list(&sets[3]),
    );
    // Crontab ORs the two day fields when both are restricted (neither starts with `*`).
    let both = !words[2].starts_with('*') && !words[4].starts_with('*');
    let exprs = if both {
        vec![
            format!("0 {min} {hour} {dom} {month} *"),
            format!("0 {min} {hour} * {month} {dow_names}"),
        ]
    } else {
        vec![format!("0 {min} {hour} {dom} {month} {dow_names}")]
    };
    let searches = exprs
        .iter()
        .map(|e| cron::Schedule::from_str(e))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "I could not read that schedule.".to_string())?;
    Ok(Kind::Cron(searches))
}

/// The values a crontab field allows; `None` for a bare `*` (anything).
fn expand(word: &str, f: &Field) -> Result<Option<BTreeSet<u32>>, String> {
    if word == "*" {
        return Ok(None);
    }
    let mut out = BTreeSet::new();
    for item in word.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("`{s}` is not a step in the {} field.", f.name))?;
                (r, step)
            }
            None => (item, 1),
        };
        let (a, b) = if range == "*" {
            (f.lo, f.hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, f)?, value(b, f)?)
        } else {
            let a = value(range, f)?;
            // `5/15` means from 5 to the end, every 15.
            (a, if step > 1 { f.hi } else { a })
        };
        if a > b {
            return Err(format!("`{range}` runs backwards in the {} field.", f.name));
        }
        out.extend((a..=b).step_by(step as usize));
    }
    Ok(Some(out))
}

fn value(s: &str, f: &Field) -> Result<u32, String> {
    let lower = s.to_ascii_lowercase();
    if let Some(i) = f.names.iter().position(|n| *n == lower) {
        return Ok(i as u32 + f.names_from);
    }
    match s.parse::<u32>() {
        Ok(v) if (f.lo..=f.hi).contains(&v) => Ok(v),
        Ok(v) => Err(format!(
            "{v} is out of range for the {} field ({}–{}).",
            f.name, f.lo, f.hi
        )),
        Err(_) => Err(format!("`{s}` is not a value for the {} field.", f.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn next3(text: &str, from: &str) -> Vec<String> {
        Schedule::parse(text, at(from))
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .upcoming(at(from), 3)
            .iter()
            .map(|t| t.format("%a %Y-%m-%d %H:%M").to_string())
            .collect()
    }

    // 2026-11-21 is a Saturday.
    const SAT: &str = "2026-11-21 12:00";

    #[test]
    fn crontab_fields_mean_what_crontab_means() {
        assert_eq!(
            next3("30 9 * * 1", SAT),
            [
                "Mon 2026-11-23 09:30",
                "Mon 2026-11-30 09:30",
                "Mon 2026-12-07 09:30"
            ]
        );
        assert_eq!(next3("0 10 * * MON", SAT)[0], "Mon 2026-11-23 10:00");
        // 0 and 7 are both Sunday.
        assert_eq!(next3("0 9 * * 0", SAT)[0], "Sun 2026-11-22 09:00");
        assert_eq!(next3("0 9 * * 7", SAT)[0], "Sun 2026-11-22 09:00");
        // Ranges, lists and steps.
        assert_eq!(
            next3("0 9 * * 1-5", SAT),
            [
                "Mon 2026-11-23 09:00",
                "Tue 2026-11-24 09:00",
                "Wed 2026-11-25 09:00"
            ]
        );
        assert_eq!(
            next3("0 9,15 * * tue,thu", SAT),
            [
                "Tue 2026-11-24 09:00",
                "Tue 2026-11-24 15:00",
                "Thu 2026-11-26 09:00"
            ]
        );
        assert_eq!(
            next3("0 9 * * 5-7", SAT),
            [
                "Sun 2026-11-22 09:00",
                "Fri 2026-11-27 09:00",
                "Sat 2026-11-28 09:00"
            ]
        );
        assert_eq!(next3("0 */6 * * *", SAT)[0], "Sat 2026-11-21 18:00");
        assert_eq!(next3("0 10 1 jan-mar *", SAT)[0], "Fri 2027-01-01 10:00");
    }

    #[test]
    fn day_of_month_and_day_of_week_together_mean_either() {
        // The 1st of the month OR any Monday, as crontab reads it.
        assert_eq!(
            next3("0 9 1 * 1", SAT),
            [
                "Mon 2026-11-23 09:00",
                "Mon 2026-11-30 09:00",
                "Tue 2026-12-01 09:00"
            ]
        );
        // With a `*` in one of them, the other alone decides.
        assert_eq!(next3("0 9 1 * *", SAT)[0], "Tue 2026-12-01 09:00");
    }

    #[test]
    fn plain_forms() {
        assert_eq!(next3("mondays 9:30", SAT)[0], "Mon 2026-11-23 09:30");
        assert_eq!(
            next3("every Monday at 9:30", SAT)[0],
            "Mon 2026-11-23 09:30"
        );
        assert_eq!(next3("tue 3pm", SAT)[0], "Tue 2026-11-24 15:00");
        assert_eq!(
            next3("weekdays 9:00", SAT),
            [
                "Mon 2026-11-23 09:00",
                "Tue 2026-11-24 09:00",
                "Wed 2026-11-25 09:00"
            ]
        );
        assert_eq!(
            next3("every other thursday 14:00", SAT),
            [
                "Thu 2026-11-26 14:00",
                "Thu 2026-12-10 14:00",
                "Thu 2026-12-24 14:00"
            ]
        );
        assert_eq!(
            next3("every 3 weeks on tue 10:00", SAT),
            [
                "Tue 2026-11-24 10:00",
                "Tue 2026-12-15 10:00",
                "Tue 2027-01-05 10:00"
            ]
        );
    }

    #[test]
    fn every_other_week_keeps_its_rhythm_when_read_again() {
        // Added on Thursday after the meeting time: the first one is next week.
        let from = at("2026-11-26 15:00");
        let s = Schedule::parse("every other thursday 14:00", from).unwrap();
        assert_eq!(s.next_after(from), Some(at("2026-12-03 14:00")));
        // Read back later with the same anchor: same fortnightly rhythm.
        let again = Schedule::parse(s.text(), from).unwrap();
        assert_eq!(
            again.next_after(at("2026-12-04 00:00")),
            Some(at("2026-12-17 14:00"))
        );
        assert_eq!(
            again.next_after(at("2026-12-17 14:00")),
            Some(at("2026-12-31 14:00"))
        );
    }

    #[test]
    fn nonsense_is_refused_with_a_reason() {
        for (text, needle) in [
            ("61 9 * * 1", "out of range for the minute field"),
            ("0 24 * * 1", "hour field"),
            ("0 9 * * 8", "day of week"),
            ("0 9 * * 5-2", "backwards"),
            ("0 9 31 2 *", "never comes round"),
            ("* * * * *", "more than once an hour"),
            ("0 9 * * 1/0", "not a step"),
            ("mondays", "time"),
            ("funday 9:00", "`funday`"),
            ("every 12 weeks on mon 9:00", "1 to 8 weeks"),
            ("", "empty"),
        ] {
            let e = Schedule::parse(text, at(SAT)).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn daylight_saving_neither_doubles_nor_drops_an_occurrence() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // Daily 01:30: on 2026-11-01 01:30 happens twice in New York; it counts once.
        let s = Schedule::parse("30 1 * * *", at("2026-10-31 12:00")).unwrap();
        let days = s.upcoming(at("2026-10-31 12:00"), 3);
        let instants: Vec<_> = days.iter().map(|d| Schedule::instant(*d, ny)).collect();
        assert_eq!(
            instants.iter().map(|i| i.to_rfc3339()).collect::<Vec<_>>(),
            [
                "2026-11-01T05:30:00+00:00", // 01:30 EDT, the first of the two
                "2026-11-02T06:30:00+00:00",
                "2026-11-03T06:30:00+00:00"
            ]
        );
        // Daily 02:30: on 2027-03-14 02:30 does not exist in New York; it moves to 03:00 and
        // still happens once.
        let s = Schedule::parse("30 2 * * *", at("2027-03-13 12:00")).unwrap();
        let days = s.upcoming(at("2027-03-13 12:00"), 2);
        assert_eq!(
            Schedule::instant(days[0], ny).to_rfc3339(),
            "2027-03-14T07:00:00+00:00"
        );
        assert_eq!(
            Schedule::instant(days[1], ny).to_rfc3339(),
            "2027-03-15T06:30:00+00:00"
        );
    }
}
