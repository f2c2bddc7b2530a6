//! Dates as users type them (`2026-11-03`, `today`, `yesterday`, `tuesday`, `3 days ago`),
//! parsed without knowing "today"; a [`DateSpec`] is resolved against the user's own today later.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use thiserror::Error;

/// A date the user named, not yet pinned to a calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSpec {
    On(NaiveDate),
    Today,
    Yesterday,
    Tomorrow,
    Weekday(Weekday),
    DaysAgo(u32),
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DateError {
    #[error("`{0}` is not a date on the calendar")]
    NoSuchDate(String),
    #[error("`{0}` is not a date I can read: use YYYY-MM-DD, today, yesterday or a weekday")]
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

fn looks_like_iso(word: &str) -> bool {
    word.len() >= 6 && word.bytes().all(|b| b.is_ascii_digit() || b == b'-') && word.contains('-')
}

/// Reads a date from the front of `words`. `Ok(None)` means the words are not a date at all
/// (so a caller may treat them as free text); `Err` means they look like one but are wrong.
pub fn parse_date_spec(words: &[&str]) -> Result<Option<(DateSpec, usize)>, DateError> {
    let Some(first) = words.first() else {
        return Ok(None);
    };
    let lower = first.to_ascii_lowercase();
    let spec = match lower.as_str() {
        "today" => DateSpec::Today,
        "yesterday" => DateSpec::Yesterday,
        "tomorrow" => DateSpec::Tomorrow,
        _ if looks_like_iso(first) => {
            return match NaiveDate::parse_from_str(first, "%Y-%m-%d") {
                Ok(d) if first.len() == 10 => Ok(Some((DateSpec::On(d), 1))),
                _ if first.len() == 10 && first.matches('-').count() == 2 => {
                    Err(DateError::NoSuchDate(first.to_string()))
                }
                _ => Err(DateError::Unreadable(first.to_string())),
            };
        }
        _ => {
            if let Some(day) = weekday_from_word(first) {
                DateSpec::Weekday(day)
            } else if let (Ok(n), Some(unit), Some(ago)) =
                (first.parse::<u32>(), words.get(1), words.get(2))
            {
                let unit = unit.to_ascii_lowercase();
                if ago.eq_ignore_ascii_case("ago") && (unit == "days" || unit == "day") && n <= 3650
                {
                    return Ok(Some((DateSpec::DaysAgo(n), 3)));
                }
                return Ok(None);
            } else {
                return Ok(None);
            }
        }
    };
    Ok(Some((spec, 1)))
}

impl DateSpec {
    /// Pins the date, reading weekdays as the most recent such day (today included).
    pub fn resolve_past(self, today: NaiveDate) -> NaiveDate {
        match self {
            DateSpec::Weekday(w) => {
                let back =
                    (today.weekday().num_days_from_monday() + 7 - w.num_days_from_monday()) % 7;
                today - Days::new(u64::from(back))
            }
            other => other.resolve_common(today),
        }
    }

    /// Pins the date, reading weekdays as the next such day (never today).
    pub fn resolve_future(self, today: NaiveDate) -> NaiveDate {
        match self {
            DateSpec::Weekday(w) => {
                let ahead =
                    (w.num_days_from_monday() + 7 - today.weekday().num_days_from_monday()) % 7;
                today + Days::new(u64::from(if ahead == 0 { 7 } else { ahead }))
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
            DateSpec::Weekday(_) => self.resolve_past(today),
        }
    }
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

    #[test]
    fn iso_dates_parse_and_impossible_ones_are_named() {
        assert_eq!(
            parse("2026-11-03 notes"),
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
        assert_eq!(
            parse("2026-1-1"),
            Err(DateError::Unreadable("2026-1-1".into()))
        );
    }

    #[test]
    fn relative_words_parse() {
        assert_eq!(parse("yesterday"), Ok(Some((DateSpec::Yesterday, 1))));
        assert_eq!(parse("3 days ago"), Ok(Some((DateSpec::DaysAgo(3), 3))));
        assert_eq!(parse("Tue"), Ok(Some((DateSpec::Weekday(Weekday::Tue), 1))));
        assert_eq!(
            parse("wednesday"),
            Ok(Some((DateSpec::Weekday(Weekday::Wed), 1)))
        );
    }

    #[test]
    fn ordinary_words_are_not_dates() {
        assert_eq!(parse("the roadmap"), Ok(None));
        assert_eq!(parse("3 things"), Ok(None));
        assert_eq!(parse(""), Ok(None));
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
            DateSpec::Weekday(Weekday::Tue).resolve_future(saturday),
            d("2026-11-24")
        );
        assert_eq!(
            DateSpec::Weekday(Weekday::Sat).resolve_future(saturday),
            d("2026-11-28")
        );
        assert_eq!(DateSpec::DaysAgo(3).resolve_past(saturday), d("2026-11-18"));
    }
}
