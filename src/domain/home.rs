//! What App Home is drawn from: one owner's rows, gathered with one query per kind.

use super::{CheckinSignals, DeliveryPrefs, Headsup, Peer, Trade, UserId};
use std::collections::HashMap;

/// Everything App Home shows for one owner.
#[derive(Debug, Clone, Default)]
pub struct HomeData {
    pub prefs: DeliveryPrefs,
    pub peers: Vec<Peer>,
    /// Per peer: (heard news first, heads-ups in all).
    pub heard_first: HashMap<UserId, (i64, i64)>,
    pub signals: HashMap<UserId, CheckinSignals>,
    pub headsups: Vec<Headsup>,
    /// Open capacity loans, lent or borrowed.
    pub loans: Vec<Trade>,
}
