//! Dates as users type them: `2026-11-20`, `2026/11/20`, `Nov 20`, `20 November`, `today`,
//! `yesterday`, `tomorrow`, `friday`, `last friday`, `next friday`, `3 days ago`, `2 weeks ago`.
//! Parsed without knowing "today"; a [`DateSpec`] is resolved against the user's own today later.
//! One reader for every command that takes a date, so they all accept the same phrases.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use thiserror::Error;

/// A date the user named, not yet pinned to a calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSpec {
    On(NaiveDate),
    /// `Nov 20`: the year is the one that makes sense for the question (past or future).
    MonthDay(u32, u32),
    Today,
    Yesterday,
    Tomorrow,
    Weekday(Weekday),
    /// `last friday`: the latest such day before today.
    LastWeekday(Weekday),
    /// `next friday`: the first such day after today.
    NextWeekday(Weekday),
    DaysAgo(u32),
}

/// What a date phrase looks like, for error messages and help.
pub const DATE_EXAMPLES: &str =
    "`yesterday`, `last friday`, `Nov 20`, `20 Nov`, `2026-11-20`, `2026/11/20` or `2 weeks ago`";

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DateError {
    #[error("`{0}` is not a date on the calendar")]
    NoSuchDate(String),
    #[error("`{0}` is not a date I can read: try {DATE_EXAMPLES}")]
    Unreadable(String),
}

/// `mon`, `tues`, `Thursday`…: any prefix of a weekday's name of at least three letters.
pub(crate) fn weekday_from_word(word: &str) -> Option<Weekday> {
    const FULL: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let i = FULL.iter().position(|f| f.starts_with(&w))?;
    Weekday::try_from(i as u8).ok()
}

/// `nov`, `Nov.`, `november`, `sept`: a month by its name or a prefix of at least three letters.
fn month_from_word(word: &str) -> Option<u32> {
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let w = word.trim_end_matches(['.', ',']).to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    FULL.iter()
        .position(|f| f.starts_with(&w))
        .map(|i| i as u32 + 1)
}

/// `20`, `20th`, `1st`, `20,`: a day of the month.
fn day_from_word(word: &str) -> Option<u32> {
    let w = word.trim_end_matches(',').to_ascii_lowercase();
    let digits = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| w.strip_suffix(s))
        .unwrap_or(&w);
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

/// `2026-11-20` or `2026/11/20`: `Some(Err)` when it has that shape but is not a real date.
fn numeric_date(word: &str) -> Option<Result<NaiveDate, DateError>> {
    let sep = if word.contains('/') { '/' } else { '-' };
    let parts: Vec<&str> = word.split(sep).collect();
    if parts.len() != 3 || !word.bytes().all(|b| b.is_ascii_digit() || b == sep as u8) {
        return None;
    }
    if parts[0].len() != 4 || parts[1].is_empty() || parts[1].len() > 2 || parts[2].is_empty() {
        return Some(Err(DateError::Unreadable(word.to_string())));
    }
    let (y, m, d) = (parts[0].parse(), parts[1].parse(), parts[2].parse());
    Some(match (y, m, d) {
        (Ok(y), Ok(m), Ok(d)) if parts[2].len() <= 2 => {
            NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| DateError::NoSuchDate(word.to_string()))
        }
        _ => Err(DateError::Unreadable(word.to_string())),
    })
}

/// Reads a date from the front of `words` and says how many words it used. `Ok(None)` means
/// the words are not a date at all; `Err` means they look like one but are wrong. A caller
/// that has just read a date keyword (`on`, `until`) refuses `Ok(None)` rather than reading
/// the words as something else.
pub fn parse_date_spec(words: &[&str]) -> Result<Option<(DateSpec, usize)>, DateError> {
    let Some(first) = words.first() else {
        return Ok(None);
    };
    let lower = first.trim_end_matches(',').to_ascii_lowercase();
    let second = words
        .get(1)
        .map(|w| w.trim_end_matches(',').to_ascii_lowercase());
    if let Some(n) = ago(words) {
        return Ok(Some((DateSpec::DaysAgo(n), 3)));
    }
    let spec = match lower.as_str() {
        "today" => DateSpec::Today,
        "yesterday" => DateSpec::Yesterday,
        "tomorrow" => DateSpec::Tomorrow,
        "last" | "next" => {
            let Some(day) = second.as_deref().and_then(weekday_from_word) else {
                return Ok(None);
            };
            let spec = if lower == "last" {
                DateSpec::LastWeekday(day)
            } else {
                DateSpec::NextWeekday(day)
            };
            return Ok(Some((spec, 2)));
        }
        _ => {
            if let Some(date) = numeric_date(first) {
                return date.map(|d| Some((DateSpec::On(d), 1)));
            }
            if let Some(day) = weekday_from_word(&lower) {
                DateSpec::Weekday(day)
            } else {
                // `Nov 20` or `20 Nov`, perhaps with a year after it.
                let (m, d) = match (
                    month_from_word(&lower),
                    day_from_word(&lower),
                    second.as_deref(),
                ) {
                    (Some(m), _, Some(w)) if day_from_word(w).is_some() => {
                        (m, day_from_word(w).unwrap_or(1))
                    }
                    (_, Some(d), Some(w)) if month_from_word(w).is_some() => {
                        (month_from_word(w).unwrap_or(1), d)
                    }
                    _ => return Ok(None),
                };
                let phrase = format!("{first} {}", words[1]);
                let year = words
                    .get(2)
                    .filter(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|y| y.parse::<i32>().ok());
                return match year {
                    Some(y) => NaiveDate::from_ymd_opt(y, m, d)
                        .map(|date| Some((DateSpec::On(date), 3)))
                        .ok_or_else(|| DateError::NoSuchDate(format!("{phrase} {y}"))),
                    None => match NaiveDate::from_ymd_opt(2028, m, d) {
                        Some(_) => Ok(Some((DateSpec::MonthDay(m, d), 2))),
                        None => Err(DateError::NoSuchDate(phrase)),
                    },
                };
            }
        }
    };
    Ok(Some((spec, 1)))
}

/// `3 days ago`, `2 weeks ago`, `a week ago`, `1 month ago`: how many days back.
fn ago(words: &[&str]) -> Option<u32> {
    let [n, unit, ago, ..] = words else {
        return None;
    };
    if !ago.trim_end_matches(',').eq_ignore_ascii_case("ago") {
        return None;
    }
    let n: u32 = match n.to_ascii_lowercase().as_str() {
        "a" | "an" | "one" => 1,
        "two" => 2,
        "three" => 3,
        digits => digits.parse().ok()?,
    };
    let per = match unit.to_ascii_lowercase().trim_end_matches('s') {
        "day" => 1,
        "week" => 7,
        "month" => 30,
        _ => return None,
    };
    n.checked_mul(per).filter(|d| *d <= 3650)
}

impl DateSpec {
    /// Pins the date as a day that has come: weekdays and `Nov 20` are their most recent
    /// occurrence (today included).
    pub fn resolve_past(self, today: NaiveDate) -> NaiveDate {
        match self {
            DateSpec::Weekday(w) => today - Days::new(u64::from(days_back(today, w))),
            DateSpec::MonthDay(m, d) => {
                let this_year = month_day_in(today.year(), m, d);
                if this_year <= today {
                    this_year
                } else {
                    month_day_in(today.year() - 1, m, d)
                }
            }
            other => other.resolve_common(today),
        }
    }

    /// Pins the date as a day to come: weekdays are the next such day (never today), `Nov 20`
    /// its next occurrence (today included).
    pub fn resolve_future(self, today: NaiveDate) -> NaiveDate {
        match self {
            DateSpec::Weekday(w) => {
                let ahead =
                    (w.num_days_from_monday() + 7 - today.weekday().num_days_from_monday()) % 7;
                today + Days::new(u64::from(if ahead == 0 { 7 } else { ahead }))
            }
            DateSpec::MonthDay(m, d) => {
                let this_year = month_day_in(today.year(), m, d);
                if this_year >= today {
                    this_year
                } else {
                    month_day_in(today.year() + 1, m, d)
                }
            }
            other => other.resolve_common(today),
        }
    }

    fn resolve_common(self, today: NaiveDate) -> NaiveDate {
        match self {
            DateSpec::On(d) => d,
            DateSpec::Today => today,
            DateSpec::Yesterday => today - Days::new(1),
            DateSpec::Tomorrow => today + Days::new(1),
            DateSpec::DaysAgo(n) => today - Days::new(u64::from(n)),
            DateSpec::LastWeekday(w) => {
                let back = days_back(today, w);
                today - Days::new(u64::from(if back == 0 { 7 } else { back }))
            }
            DateSpec::NextWeekday(w) => {
                let ahead =
                    (w.num_days_from_monday() + 7 - today.weekday().num_days_from_monday()) % 7;
                today + Days::new(u64::from(if ahead == 0 { 7 } else { ahead }))
            }
            DateSpec::Weekday(_) | DateSpec::MonthDay(..) => self.resolve_past(today),
        }
    }
}

/// Days from the latest `w` (today included) to today.
fn days_back(today: NaiveDate, w: Weekday) -> u32 {
    (today.weekday().num_days_from_monday() + 7 - w.num_days_from_monday()) % 7
}

/// `m`/`d` in `year`; 29 February falls back to the 28th in a year without one.
fn month_day_in(year: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, m, d)
        .or_else(|| NaiveDate::from_ymd_opt(year, m, d - 1))
        .unwrap_or_else(|| {
            NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default() + Months::new(m - 1)
        })
}

/// The oldest day a user may name for something that happened: a year back.
pub fn oldest_allowed(today: NaiveDate) -> NaiveDate {
    today - Months::new(12)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn parse(s: &str) -> Result<Option<(DateSpec, usize)>, DateError> {
        let words: Vec<&str> = s.split_whitespace().collect();
        parse_date_spec(&words)
    }

    fn past(s: &str, today: &str) -> NaiveDate {
        parse(s)
            .unwrap()
            .unwrap_or_else(|| panic!("{s}"))
            .0
            .resolve_past(d(today))
    }

    #[test]
    fn iso_dates_parse_and_impossible_ones_are_named() {
        assert_eq!(
            parse("2026-11-03 notes"),
            Ok(Some((DateSpec::On(d("2026-11-03")), 1)))
        );
        assert_eq!(
            parse("2026/11/03"),
            Ok(Some((DateSpec::On(d("2026-11-03")), 1)))
        );
        assert_eq!(
            parse("2026-02-30"),
            Err(DateError::NoSuchDate("2026-02-30".into()))
        );
        assert_eq!(
            parse("2026-13-01"),
            Err(DateError::NoSuchDate("2026-13-01".into()))
        );
        assert_eq!(parse("26-1-1"), Err(DateError::Unreadable("26-1-1".into())));
        assert_eq!(parse("Feb 30"), Err(DateError::NoSuchDate("Feb 30".into())));
    }

    #[test]
    fn the_phrases_people_type_parse() {
        // Thursday 2026-12-03.
        let today = "2026-12-03";
        for (phrase, want) in [
            ("yesterday", "2026-12-02"),
            ("today", "2026-12-03"),
            ("last friday", "2026-11-27"),
            ("Last Thursday", "2026-11-26"),
            ("friday", "2026-11-27"),
            ("thu", "2026-12-03"),
            ("Nov 20", "2026-11-20"),
            ("20 Nov", "2026-11-20"),
            ("november 20th", "2026-11-20"),
            ("20 November 2025", "2025-11-20"),
            ("Dec 24", "2025-12-24"),
            ("2026/11/20", "2026-11-20"),
            ("2 weeks ago", "2026-11-19"),
            ("a week ago", "2026-11-26"),
            ("3 days ago", "2026-11-30"),
        ] {
            assert_eq!(past(phrase, today), d(want), "{phrase}");
        }
        let future = |s: &str| parse(s).unwrap().unwrap().0.resolve_future(d(today));
        assert_eq!(future("next friday"), d("2026-12-04"));
        assert_eq!(future("next thursday"), d("2026-12-10"));
        assert_eq!(future("Nov 20"), d("2027-11-20"));
        assert_eq!(future("Dec 3"), d("2026-12-03"));
        assert_eq!(future("tomorrow"), d("2026-12-04"));
    }

    #[test]
    fn words_used_are_counted() {
        assert_eq!(parse("last friday great chat").unwrap().unwrap().1, 2);
        assert_eq!(parse("2 weeks ago, notes").unwrap().unwrap().1, 3);
        assert_eq!(parse("Nov 20 notes").unwrap().unwrap().1, 2);
        assert_eq!(parse("Nov 20 2026 notes").unwrap().unwrap().1, 3);
    }

    #[test]
    fn ordinary_words_are_not_dates() {
        for s in [
            "the roadmap",
            "3 things",
            "",
            "last call",
            "next steps",
            "may I",
            "20 things",
            "marching orders",
        ] {
            assert_eq!(parse(s), Ok(None), "{s}");
        }
    }

    #[test]
    fn weekdays_resolve_backwards_for_the_past_and_forwards_for_the_future() {
        let saturday = d("2026-11-21");
        assert_eq!(
            DateSpec::Weekday(Weekday::Tue).resolve_past(saturday),
            d("2026-11-17")
        );
        assert_eq!(
            DateSpec::Weekday(Weekday::Sat).resolve_past(saturday),
            saturday
        );
        assert_eq!(
            DateSpec::LastWeekday(Weekday::Sat).resolve_past(saturday),
            d("2026-11-14")
        );
        assert_eq!(
            DateSpec::Weekday(Weekday::Tue).resolve_future(saturday),
            d("2026-11-24")
        );
        assert_eq!(
            DateSpec::Weekday(Weekday::Sat).resolve_future(saturday),
            d("2026-11-28")
        );
        assert_eq!(DateSpec::DaysAgo(3).resolve_past(saturday), d("2026-11-18"));
        assert_eq!(
            DateSpec::MonthDay(2, 29).resolve_past(d("2027-03-01")),
            d("2027-02-28")
        );
    }

    proptest::proptest! {
        /// No phrase makes the reader panic, and whatever it reads resolves to a real day.
        #[test]
        fn any_words_read_without_panicking(s in "\\PC{0,40}", today in 0u32..20000) {
            let words: Vec<&str> = s.split_whitespace().collect();
            let today = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + Days::new(u64::from(today));
            if let Ok(Some((spec, used))) = parse_date_spec(&words) {
                proptest::prop_assert!(used >= 1 && used <= words.len());
                let _ = (spec.resolve_past(today), spec.resolve_future(today));
            }
        }

        /// Date-like phrases, built from the pieces people type, never panic either.
        #[test]
        fn date_like_words_read_without_panicking(
            a in "(last|next|[0-9]{1,4}|a|nov|feb|sept|fri|today)",
            b in "(friday|[0-9]{1,3}(st|th)?|weeks?|days?|months?|nov|may)",
            c in "(ago|[0-9]{4}|notes)",
        ) {
            let _ = parse_date_spec(&[a.as_str(), b.as_str(), c.as_str()])
                .map(|r| r.map(|(s, _)| s.resolve_past(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap())));
        }
    }
}
