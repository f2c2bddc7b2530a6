//! The three-month review (SPEC §5): a series of check-ins with a peer (from `add`, or from the
//! last review) that has run about three months is put to its owner (keep, change the cadence
//! or stop) instead of nudged, with what the series held. Unanswered, it is asked again at most
//! once a week.

use super::Cadence;
use chrono::NaiveDate;

/// A series this old (in days) is due for review: about three months.
pub const REVIEW_AFTER_DAYS: i64 = 91;
/// An unanswered review is asked again no sooner than this.
pub const REVIEW_AGAIN_DAYS: i64 = 7;

/// Whether a series that started `since`, last asked about on `asked`, is reviewed `today`.
pub fn review_due(since: NaiveDate, asked: Option<NaiveDate>, today: NaiveDate) -> bool {
    (today - since).num_days() >= REVIEW_AFTER_DAYS
        && asked.is_none_or(|a| (today - a).num_days() >= REVIEW_AGAIN_DAYS || a > today)
}

/// One snooze in a series, with the reason given.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SnoozeRecord {
    /// The day it was asked for (unknown for snoozes from before the log was kept).
    pub on: Option<NaiveDate>,
    pub until: NaiveDate,
    pub reason: Option<String>,
}

/// What a series held, as of one day.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SeriesHistory {
    pub since: NaiveDate,
    /// Check-ins (and coffees) held since `since`.
    pub held: u32,
    /// Whole cadence cycles since `since` with no check-in.
    pub skipped: u32,
    pub snoozes: Vec<SnoozeRecord>,
}

/// The history of the series that started `since`, given the days check-ins were held and the
/// snoozes asked for (any order; those before `since` are not part of it).
pub fn series_history(
    cadence: Cadence,
    since: NaiveDate,
    held_on: &[NaiveDate],
    snoozes: Vec<SnoozeRecord>,
    today: NaiveDate,
) -> SeriesHistory {
    let in_series: Vec<NaiveDate> = held_on
        .iter()
        .copied()
        .filter(|d| *d >= since && *d <= today)
        .collect();
    let mut skipped = 0;
    let mut n = 0;
    loop {
        let (start, end) = (cadence.after(since, n), cadence.after(since, n + 1));
        if end > today || n > 1000 {
            break;
        }
        if !in_series.iter().any(|d| *d >= start && *d < end) {
            skipped += 1;
        }
        n += 1;
    }
    SeriesHistory {
        since,
        held: u32::try_from(in_series.len()).unwrap_or(u32::MAX),
        skipped,
        snoozes: snoozes
            .into_iter()
            .filter(|s| s.on.is_none_or(|on| on >= since) && s.until >= since)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_series_is_reviewed_after_about_three_months_and_asked_weekly_at_most() {
        let since = d("2026-09-01");
        assert!(!review_due(since, None, d("2026-11-30")));
        assert!(review_due(since, None, d("2026-12-01")));
        assert!(!review_due(since, Some(d("2026-12-01")), d("2026-12-07")));
        assert!(review_due(since, Some(d("2026-12-01")), d("2026-12-08")));
    }

    #[test]
    fn history_counts_what_was_held_and_the_cycles_with_nothing() {
        let h = series_history(
            Cadence::Weeks(2),
            d("2026-09-01"),
            &[
                d("2026-08-20"),
                d("2026-09-03"),
                d("2026-09-20"),
                d("2026-11-01"),
            ],
            vec![
                SnoozeRecord {
                    on: Some(d("2026-08-01")),
                    until: d("2026-08-10"),
                    reason: None,
                },
                SnoozeRecord {
                    on: Some(d("2026-10-01")),
                    until: d("2026-10-14"),
                    reason: Some("offsite".into()),
                },
            ],
            d("2026-12-01"),
        );
        assert_eq!(h.held, 3, "the one before the series is not counted");
        // Six whole two-week cycles since 1 Sep; check-ins in the 1st, 2nd and 5th.
        assert_eq!(h.skipped, 3);
        assert_eq!(h.snoozes.len(), 1);
    }

    proptest::proptest! {
        #[test]
        fn history_never_counts_more_cycles_than_fit(weeks in 1u8..=13, days in 0i64..2000,
            held in proptest::collection::vec(0i64..2000, 0..20)) {
            let since = d("2026-01-01");
            let today = since + chrono::Days::new(days as u64);
            let held: Vec<NaiveDate> = held.iter().map(|n| since + chrono::Days::new(*n as u64)).collect();
            let h = series_history(Cadence::Weeks(weeks), since, &held, vec![], today);
            proptest::prop_assert!(i64::from(h.skipped) <= days / (7 * i64::from(weeks)));
            proptest::prop_assert!(h.held as usize <= held.len());
        }
    }
}
