//! How often a user wants contact with a peer: `weekly`, `biweekly`, `monthly`, `every N weeks`.

use chrono::{Months, NaiveDate};
use std::fmt;
use std::str::FromStr;

/// A check-in rhythm. Monthly is a calendar month (the 31st rolls back to the month's end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    Weeks(u8),
    Monthly,
}

impl Cadence {
    /// The longest "every N weeks" a user picks; past it comes quarterly.
    pub const MAX_WEEKS: u8 = 12;
    /// Quarterly is every 13 weeks.
    pub const QUARTERLY: u8 = 13;
    pub const GRAMMAR: &'static str =
        "weekly, biweekly, monthly, quarterly (every 13 weeks) or every N weeks (N from 1 to 12)";

    /// The date `n` cadence periods before `from`.
    pub fn before(self, from: NaiveDate, n: u32) -> NaiveDate {
        match self {
            Cadence::Weeks(w) => from
                .checked_sub_days(chrono::Days::new(u64::from(w) * 7 * u64::from(n)))
                .unwrap_or(NaiveDate::MIN),
            Cadence::Monthly => from
                .checked_sub_months(Months::new(n))
                .unwrap_or(NaiveDate::MIN),
        }
    }

    /// The date `n` cadence periods after `from`.
    pub fn after(self, from: NaiveDate, n: u32) -> NaiveDate {
        match self {
            Cadence::Weeks(w) => from + chrono::Days::new(u64::from(w) * 7 * u64::from(n)),
            Cadence::Monthly => from
                .checked_add_months(Months::new(n))
                .unwrap_or(NaiveDate::MAX),
        }
    }

    /// Rough minutes a week this cadence costs at 30 minutes a check-in (SPEC §5).
    pub fn weekly_minutes(self) -> u32 {
        match self {
            Cadence::Weeks(w) => 30 / u32::from(w.max(1)),
            Cadence::Monthly => 7,
        }
    }

    /// Reads a cadence as a user types it from the front of `words`, returning it and how many
    /// words it used, or what is wrong with it in words the user can act on.
    pub fn parse_words(words: &[&str]) -> Result<(Cadence, usize), CadenceError> {
        let lower: Vec<String> = words
            .iter()
            .take(3)
            .map(|w| w.trim_end_matches([',', '.']).to_ascii_lowercase())
            .collect();
        let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
        match lower.as_slice() {
            [] => Err(CadenceError::Missing),
            ["weekly", ..] => Ok((Cadence::Weeks(1), 1)),
            ["biweekly" | "fortnightly", ..] => Ok((Cadence::Weeks(2), 1)),
            ["monthly", ..] => Ok((Cadence::Monthly, 1)),
            ["quarterly", ..] => Ok((Cadence::Weeks(Self::QUARTERLY), 1)),
            ["every", "week", ..] => Ok((Cadence::Weeks(1), 2)),
            ["every", "month", ..] => Ok((Cadence::Monthly, 2)),
            ["every", "quarter", ..] => Ok((Cadence::Weeks(Self::QUARTERLY), 2)),
            ["every", "other", "week" | "weeks", ..] => Ok((Cadence::Weeks(2), 3)),
            ["every", n, "week" | "weeks", ..] => match n.parse::<u32>() {
                Ok(n @ 1..=12) => Ok((Cadence::Weeks(n as u8), 3)),
                Ok(13) => Ok((Cadence::Weeks(Self::QUARTERLY), 3)),
                Ok(n) => Err(CadenceError::OutOfRange(n)),
                Err(_) => Err(CadenceError::Unknown(words[..3].join(" "))),
            },
            ["every", ..] => Err(CadenceError::Unknown(
                words.iter().take(3).copied().collect::<Vec<_>>().join(" "),
            )),
            _ => Err(CadenceError::Unknown(words[0].to_string())),
        }
    }

    /// Whether `word` looks like the start of a cadence, so a parser can tell "bad cadence"
    /// from "no cadence given".
    pub fn starts_here(word: &str) -> bool {
        [
            "weekly",
            "biweekly",
            "fortnightly",
            "monthly",
            "quarterly",
            "every",
        ]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
    }
}

/// Why a typed cadence was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CadenceError {
    #[error("Which cadence? Use {grammar}.", grammar = Cadence::GRAMMAR)]
    Missing,
    #[error("`{0}` is not a cadence I know: use {grammar}.", grammar = Cadence::GRAMMAR)]
    Unknown(String),
    #[error(
        "Every {0} weeks is not a rhythm I keep: choose every 1 to 12 weeks, or quarterly (every 13 weeks)."
    )]
    OutOfRange(u32),
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cadence::Weeks(1) => f.write_str("weekly"),
            Cadence::Weeks(2) => f.write_str("biweekly"),
            Cadence::Weeks(Self::QUARTERLY) => f.write_str("quarterly"),
            Cadence::Weeks(n) => write!(f, "every {n} weeks"),
            Cadence::Monthly => f.write_str("monthly"),
        }
    }
}

/// The stored form is the display form; parsing it back is exact. Rows written before the
/// 12-week bound (up to every 52 weeks) still read.
impl FromStr for Cadence {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let words: Vec<&str> = s.split_whitespace().collect();
        if let ["every", n, "weeks"] = words.as_slice()
            && let Ok(n @ 1..=52) = n.parse::<u8>()
        {
            return Ok(Cadence::Weeks(n));
        }
        match Cadence::parse_words(&words) {
            Ok((c, used)) if used == words.len() => Ok(c),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_cadence_round_trips_through_its_display_form() {
        for c in [
            Cadence::Weeks(1),
            Cadence::Weeks(2),
            Cadence::Weeks(3),
            Cadence::Weeks(12),
            Cadence::Weeks(13),
            Cadence::Weeks(52),
            Cadence::Monthly,
        ] {
            assert_eq!(c.to_string().parse::<Cadence>(), Ok(c));
        }
    }

    #[test]
    fn spoken_forms_parse() {
        assert_eq!("every 3 weeks".parse(), Ok(Cadence::Weeks(3)));
        assert_eq!("every 2 week".parse(), Ok(Cadence::Weeks(2)));
        assert_eq!("quarterly".parse(), Ok(Cadence::Weeks(13)));
        assert_eq!("every 13 weeks".parse(), Ok(Cadence::Weeks(13)));
        assert_eq!(Cadence::Weeks(13).to_string(), "quarterly");
        assert_eq!("every 1 week".parse(), Ok(Cadence::Weeks(1)));
        assert_eq!("every other week".parse(), Ok(Cadence::Weeks(2)));
        assert_eq!("Weekly".parse(), Ok(Cadence::Weeks(1)));
    }

    #[test]
    fn nonsense_cadences_are_refused() {
        for s in [
            "every 0 weeks",
            "every 53 weeks",
            "every -1 weeks",
            "every 3 days",
            "every",
            "daily",
            "every 3",
            "every x weeks",
        ] {
            assert!(s.parse::<Cadence>().is_err(), "{s}");
        }
    }

    #[test]
    fn refusals_say_what_is_allowed() {
        let err = |s: &str| {
            let words: Vec<&str> = s.split_whitespace().collect();
            Cadence::parse_words(&words).unwrap_err().to_string()
        };
        assert!(err("every 0 weeks").contains("every 1 to 12 weeks, or quarterly"));
        assert!(err("every 20 weeks").contains("every 1 to 12 weeks, or quarterly"));
        assert!(err("daily").contains("`daily` is not a cadence"));
        assert!(err("every 3 days").contains("quarterly (every 13 weeks)"));
        assert!(err("").starts_with("Which cadence?"));
    }

    #[test]
    fn monthly_clamps_to_the_end_of_short_months() {
        assert_eq!(Cadence::Monthly.after(d("2026-01-31"), 1), d("2026-02-28"));
        assert_eq!(Cadence::Monthly.after(d("2026-01-31"), 2), d("2026-03-31"));
        assert_eq!(Cadence::Weeks(2).after(d("2026-12-25"), 1), d("2027-01-08"));
    }
}
