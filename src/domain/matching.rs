//! Does an offer of ours meet a need a peer published? Simple on purpose: the meaningful words
//! both share after stop-words are dropped and a light stemming, at least two of them (or one
//! long, specific word), so "the", "for" or "team" alone never make a match.

use std::collections::BTreeSet;

const STOP: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "for", "from",
    "get", "got", "has", "have", "in", "into", "is", "it", "its", "just", "me", "more", "my",
    "need", "needs", "no", "not", "now", "of", "on", "or", "our", "out", "right", "so", "some",
    "than", "that", "the", "their", "them", "there", "they", "this", "to", "too", "two", "up",
    "us", "was", "we", "with", "you", "your", "team", "teams", "cheap", "lot", "lots", "very",
    "few", "one", "all", "any", "next", "week", "weeks", "month", "months", "until", "while",
];

/// `services` → `servic`, `reviewing` → `review`: enough to meet plurals and -ing forms.
fn stem(word: &str) -> String {
    let mut w = word.to_string();
    for suffix in ["ing", "ies", "es", "ed", "s"] {
        if w.len() > suffix.len() + 3 && w.ends_with(suffix) {
            w.truncate(w.len() - suffix.len());
            break;
        }
    }
    w
}

/// The meaningful stems of a text.
pub fn stems(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !STOP.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect()
}

/// The shared stems when `offer` could meet the need in `context`, or `None`.
pub fn offer_meets(offer: &str, context: &str) -> Option<Vec<String>> {
    let shared: Vec<String> = stems(offer)
        .intersection(&stems(context))
        .cloned()
        .collect();
    let enough = shared.len() >= 2 || shared.iter().any(|w| w.chars().count() >= 8);
    enough.then_some(shared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_need_meets_a_real_offer() {
        assert!(
            offer_meets(
                "review bandwidth for Rust services",
                "review backlog on the Rust services"
            )
            .is_some()
        );
        assert!(
            offer_meets(
                "two early-adopter slots",
                "we need early adopters for the beta"
            )
            .is_some()
        );
    }

    #[test]
    fn stop_words_alone_never_match() {
        assert_eq!(
            offer_meets("time for the team", "the team is out for the week"),
            None
        );
        assert_eq!(
            offer_meets("a share of weekend on-call", "hiring freeze, SOC2 audit"),
            None
        );
        assert_eq!(offer_meets("", ""), None);
    }

    proptest::proptest! {
        #[test]
        fn only_stop_words_never_match(a in proptest::collection::vec(0usize..STOP.len(), 0..12),
                                       b in proptest::collection::vec(0usize..STOP.len(), 0..12)) {
            let x: Vec<&str> = a.iter().map(|i| STOP[*i]).collect();
            let y: Vec<&str> = b.iter().map(|i| STOP[*i]).collect();
            proptest::prop_assert_eq!(offer_meets(&x.join(" "), &y.join(" ")), None);
        }
    }
}
