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
    pub const MAX_WEEKS: u8 = 52;
    pub const GRAMMAR: &'static str = "weekly | biweekly | monthly | every N weeks";

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
            Cadence::Weeks(w) => 30 / u32::from(w),
            Cadence::Monthly => 7,
        }
    }

    /// Reads a cadence from the front of `words`, returning it and how many words it used.
    pub fn parse_words(words: &[&str]) -> Option<(Cadence, usize)> {
        let first = words.first()?.to_ascii_lowercase();
        match first.as_str() {
            "weekly" => Some((Cadence::Weeks(1), 1)),
            "biweekly" | "fortnightly" => Some((Cadence::Weeks(2), 1)),
            "monthly" => Some((Cadence::Monthly, 1)),
            "every" => {
                let n = words.get(1)?;
                let unit = words.get(2)?.to_ascii_lowercase();
                let n = if n.eq_ignore_ascii_case("other") {
                    2
                } else {
                    n.parse::<u8>().ok()?
                };
                match unit.as_str() {
                    "week" if n == 1 => Some((Cadence::Weeks(1), 3)),
                    "weeks" if (1..=Self::MAX_WEEKS).contains(&n) => Some((Cadence::Weeks(n), 3)),
                    "week" if words[1].eq_ignore_ascii_case("other") => {
                        Some((Cadence::Weeks(2), 3))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether `word` looks like the start of a cadence, so a parser can tell "bad cadence"
    /// from "no cadence given".
    pub fn starts_here(word: &str) -> bool {
        ["weekly", "biweekly", "fortnightly", "monthly", "every"]
            .iter()
            .any(|w| word.eq_ignore_ascii_case(w))
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cadence::Weeks(1) => f.write_str("weekly"),
            Cadence::Weeks(2) => f.write_str("biweekly"),
            Cadence::Weeks(n) => write!(f, "every {n} weeks"),
            Cadence::Monthly => f.write_str("monthly"),
        }
    }
}

/// The stored form is the display form; parsing it back is exact.
impl FromStr for Cadence {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let words: Vec<&str> = s.split_whitespace().collect();
        match Cadence::parse_words(&words) {
            Some((c, used)) if used == words.len() => Ok(c),
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
            Cadence::Weeks(52),
            Cadence::Monthly,
        ] {
            assert_eq!(c.to_string().parse::<Cadence>(), Ok(c));
        }
    }

    #[test]
    fn spoken_forms_parse() {
        assert_eq!("every 3 weeks".parse(), Ok(Cadence::Weeks(3)));
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
            "every 2 week",
        ] {
            assert!(s.parse::<Cadence>().is_err(), "{s}");
        }
    }

    #[test]
    fn monthly_clamps_to_the_end_of_short_months() {
        assert_eq!(Cadence::Monthly.after(d("2026-01-31"), 1), d("2026-02-28"));
        assert_eq!(Cadence::Monthly.after(d("2026-01-31"), 2), d("2026-03-31"));
        assert_eq!(Cadence::Weeks(2).after(d("2026-12-25"), 1), d("2027-01-08"));
    }
}
