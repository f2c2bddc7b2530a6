//! The stuck diagnostic's next move (SPEC §13): when a peer's choices keep blocking you, the
//! order of what to try is fixed, and a step already done is skipped. Publishing your own
//! constraints comes first, a coffee that is explicitly not about work second, a trade third,
//! and only then a joint escalation.

use chrono::NaiveDate;

/// How far back a coffee or a trade still counts as done.
pub const STUCK_LOOKBACK_DAYS: i64 = 90;

/// What is already done, as of one day.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StuckFacts {
    /// The asker has published context that is not stale.
    pub has_current_context: bool,
    /// The last coffee with the peer, if any.
    pub last_coffee: Option<NaiveDate>,
    /// The last trade (either way) with the peer, if any.
    pub last_trade: Option<NaiveDate>,
    /// The asker's cheap offers that meet the peer's published context: (id, what).
    pub matching_offers: Vec<(i64, String)>,
}

/// The move to suggest.
#[derive(Debug, Clone, PartialEq)]
pub enum NextMove {
    PublishConstraints,
    Coffee,
    /// Look for a trade; these offers of yours meet their context.
    Trade(Vec<(i64, String)>),
    Escalate,
}

/// The first move in the order that is not done yet, as of `today`. A trade is done when there
/// was one with them in the last 90 days; when it is suggested, offers that meet their context
/// are named.
pub fn next_move(f: &StuckFacts, today: NaiveDate) -> NextMove {
    let recent = |d: Option<NaiveDate>| {
        d.is_some_and(|d| (today - d).num_days() <= STUCK_LOOKBACK_DAYS && d <= today)
    };
    if !f.has_current_context {
        NextMove::PublishConstraints
    } else if !recent(f.last_coffee) {
        NextMove::Coffee
    } else if !recent(f.last_trade) {
        NextMove::Trade(f.matching_offers.clone())
    } else {
        NextMove::Escalate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn moves_come_in_order_skipping_what_is_done() {
        let today = d("2026-12-03");
        let mut f = StuckFacts::default();
        assert_eq!(next_move(&f, today), NextMove::PublishConstraints);
        f.has_current_context = true;
        assert_eq!(next_move(&f, today), NextMove::Coffee);
        f.last_coffee = Some(d("2026-08-01"));
        assert_eq!(next_move(&f, today), NextMove::Coffee, "older than 90 days");
        f.last_coffee = Some(d("2026-11-01"));
        assert_eq!(next_move(&f, today), NextMove::Trade(vec![]));
        f.matching_offers = vec![(2, "review bandwidth".into())];
        assert_eq!(
            next_move(&f, today),
            NextMove::Trade(vec![(2, "review bandwidth".into())]),
            "offers that meet their need are named"
        );
        f.last_trade = Some(d("2026-11-20"));
        assert_eq!(
            next_move(&f, today),
            NextMove::Escalate,
            "a trade lately is done"
        );
    }

    proptest::proptest! {
        /// Escalation is only ever suggested once every earlier step is done.
        #[test]
        fn escalation_comes_last(ctx: bool, coffee in proptest::option::of(0i64..400),
            trade in proptest::option::of(0i64..400), offers in 0usize..3) {
            let today = d("2026-12-03");
            let f = StuckFacts {
                has_current_context: ctx,
                last_coffee: coffee.map(|n| today - chrono::Days::new(n as u64)),
                last_trade: trade.map(|n| today - chrono::Days::new(n as u64)),
                matching_offers: (0..offers).map(|i| (i as i64, "x".into())).collect(),
            };
            if next_move(&f, today) == NextMove::Escalate {
                proptest::prop_assert!(ctx && coffee.unwrap() <= 90 && trade.unwrap() <= 90);
                let _ = offers;
            }
        }
    }
}
