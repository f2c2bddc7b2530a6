//! The ledger's rules (SPEC idea 6): the five goods leaders trade, and reciprocity said in words.
//! Reciprocity is rough on purpose: counts over a recent window, never a balance, a score or a
//! debt ("you have leaned on Ana a lot lately", not "-3" or "you owe").

use chrono::{Days, NaiveDate};
use std::fmt;

/// What changes hands between two leaders' teams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Good {
    Sequencing,
    Capacity,
    Risk,
    Credit,
    Info,
}

impl Good {
    pub const ALL: [Good; 5] = [
        Good::Sequencing,
        Good::Capacity,
        Good::Risk,
        Good::Credit,
        Good::Info,
    ];
    pub const NAMES: &'static str = "sequencing, capacity, risk, credit or info";

    /// `capacity`, `Capacities`, `information`…: the obvious forms of the five names.
    pub fn parse(word: &str) -> Option<Good> {
        match word.to_ascii_lowercase().as_str() {
            "sequencing" | "sequence" | "sequences" => Some(Good::Sequencing),
            "capacity" | "capacities" => Some(Good::Capacity),
            "risk" | "risks" => Some(Good::Risk),
            "credit" | "credits" => Some(Good::Credit),
            "info" | "infos" | "information" => Some(Good::Info),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Good::Sequencing => "sequencing",
            Good::Capacity => "capacity",
            Good::Risk => "risk",
            Good::Credit => "credit",
            Good::Info => "info",
        }
    }
}

impl fmt::Display for Good {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which way a trade went, from the owner's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Gave,
    Got,
}

impl LoanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LoanStatus::Open => "open",
            LoanStatus::Returned => "returned",
            LoanStatus::WrittenOff => "written_off",
        }
    }
}

impl Direction {
    pub fn parse(word: &str) -> Option<Direction> {
        match word.to_ascii_lowercase().as_str() {
            "gave" | "give" | "lent" => Some(Direction::Gave),
            "got" | "get" | "borrowed" => Some(Direction::Got),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Gave => "gave",
            Direction::Got => "got",
        }
    }
}

/// Where a loan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoanStatus {
    Open,
    Returned,
    WrittenOff,
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Trade {
    /// The owner's own number for it.
    pub number: i64,
    pub peer: super::UserId,
    pub direction: Direction,
    pub good: Good,
    pub text: String,
    pub held_on: NaiveDate,
    /// Set for a loan: capacity to come back by this day.
    pub back_by: Option<NaiveDate>,
    pub status: LoanStatus,
}

impl Trade {
    /// An open loan (capacity with a `back by`).
    pub fn is_open_loan(&self) -> bool {
        self.back_by.is_some() && self.status == LoanStatus::Open
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.is_open_loan() && self.back_by.is_some_and(|d| d < today)
    }
}

/// When a loan due on `back_by` is first brought up: the first working moment of that day.
pub fn loan_first_look(
    back_by: NaiveDate,
    prefs: &super::DeliveryPrefs,
) -> chrono::DateTime<chrono::Utc> {
    prefs.next_working_instant(super::local_midnight(back_by, prefs.tz))
}

/// After a loan reminder at `now`: the next look, a week later (at most weekly while overdue).
pub fn loan_next_look(
    now: chrono::DateTime<chrono::Utc>,
    prefs: &super::DeliveryPrefs,
) -> chrono::DateTime<chrono::Utc> {
    let next_week = prefs.local_date(now) + Days::new(7);
    prefs.next_working_instant(super::local_midnight(next_week, prefs.tz))
}

/// The window reciprocity looks at.
pub const RECIPROCITY_DAYS: u64 = 90;

/// Rough reciprocity with one peer over the last 90 days, in words. `name` is how the peer is
/// shown (a mention).
pub fn reciprocity(trades: &[&Trade], name: &str, today: NaiveDate) -> String {
    let since = today - Days::new(RECIPROCITY_DAYS);
    let recent = trades.iter().filter(|t| t.held_on > since);
    let (mut gave, mut got) = (0usize, 0usize);
    for t in recent {
        match t.direction {
            Direction::Gave => gave += 1,
            Direction::Got => got += 1,
        }
    }
    let counts = format!(
        "{} got, {} given in the last {RECIPROCITY_DAYS} days",
        things(got),
        gave
    );
    match (gave, got) {
        (0, 0) => format!("nothing traded with {name} in the last {RECIPROCITY_DAYS} days"),
        (g, r) if g + r < 3 => format!("early days with {name}: {counts}"),
        (g, r) if r >= g + 2 && r >= 2 * g.max(1) => {
            format!("you have leaned on {name} a lot lately: {counts}")
        }
        (g, r) if g >= r + 2 && g >= 2 * r.max(1) => {
            format!("{name} has leaned on you lately: {counts}")
        }
        _ => format!("give and take with {name} is roughly even lately: {counts}"),
    }
}

fn things(n: usize) -> String {
    if n == 1 {
        "1 thing".into()
    } else {
        format!("{n} things")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;

    fn t(dir: Direction, on: &str) -> Trade {
        Trade {
            number: 1,
            peer: UserId::parse("U0ANA").unwrap(),
            direction: dir,
            good: Good::Info,
            text: "x".into(),
            held_on: on.parse().unwrap(),
            back_by: None,
            status: LoanStatus::Open,
        }
    }

    #[test]
    fn goods_accept_the_obvious_forms_and_nothing_else() {
        assert_eq!(Good::parse("Capacities"), Some(Good::Capacity));
        assert_eq!(Good::parse("information"), Some(Good::Info));
        assert_eq!(Good::parse("risks"), Some(Good::Risk));
        assert_eq!(Good::parse("money"), None);
        assert_eq!(Good::parse(""), None);
    }

    #[test]
    fn reciprocity_is_words_over_ninety_days() {
        let today: NaiveDate = "2026-12-03".parse().unwrap();
        let trades = [
            t(Direction::Got, "2026-11-01"),
            t(Direction::Got, "2026-11-10"),
            t(Direction::Got, "2026-11-20"),
            t(Direction::Got, "2026-12-01"),
            t(Direction::Gave, "2026-11-15"),
            t(Direction::Gave, "2026-01-15"), // outside the window
        ];
        let all: Vec<&Trade> = trades.iter().collect();
        assert_eq!(
            reciprocity(&all, "Ana", today),
            "you have leaned on Ana a lot lately: 4 things got, 1 given in the last 90 days"
        );
        assert!(reciprocity(&all[4..], "Ana", today).starts_with("early days with Ana"));
        let even: Vec<&Trade> = vec![all[0], all[1], all[4], all[4]];
        assert!(reciprocity(&even, "Ana", today).contains("roughly even"));
        assert!(reciprocity(&[], "Ana", today).starts_with("nothing traded"));
    }

    proptest::proptest! {
        /// Whatever the counts, the words never keep score.
        #[test]
        fn reciprocity_never_speaks_of_balance_or_debt(gave in 0usize..20, got in 0usize..20) {
            let today: NaiveDate = "2026-12-03".parse().unwrap();
            let mut trades = Vec::new();
            trades.extend((0..gave).map(|_| t(Direction::Gave, "2026-11-20")));
            trades.extend((0..got).map(|_| t(Direction::Got, "2026-11-20")));
            let all: Vec<&Trade> = trades.iter().collect();
            let s = reciprocity(&all, "Ana", today).to_lowercase();
            for word in ["balance", "owe", "debt", "score", "+", "-", "invoice", "credit"] {
                proptest::prop_assert!(!s.contains(word), "{}: {}", word, s);
            }
        }
    }
}
