//! What App Home is drawn from: one owner's rows, gathered with one query per kind.

use super::{
    CheckinSignals, DeliveryPrefs, Headsup, Note, PastCheckin, Peer, Published, Trade, UserId,
};
use std::collections::HashMap;

/// Everything App Home shows for one owner.
#[derive(Debug, Clone)]
pub struct HomeData {
    pub prefs: DeliveryPrefs,
    pub peers: Vec<Peer>,
    /// Per peer: (heard news first, heads-ups in all).
    pub heard_first: HashMap<UserId, (i64, i64)>,
    pub signals: HashMap<UserId, CheckinSignals>,
    pub headsups: Vec<Headsup>,
    /// Open capacity loans, lent or borrowed.
    pub loans: Vec<Trade>,
    /// Joint escalations the owner (`viewer`) is an author of.
    pub escalations: Vec<super::Escalation>,
    pub viewer: UserId,
}

/// Everything `/peer prep` and the nudge's **Prep** button show about one peer.
#[derive(Debug, Clone)]
pub struct PrepData {
    pub prefs: DeliveryPrefs,
    pub peer: Peer,
    /// Notes about the person, newest first.
    pub notes: Vec<Note>,
    /// The last two check-ins, newest first.
    pub checkins: Vec<PastCheckin>,
    /// Open offers and the milestone.
    pub signals: CheckinSignals,
    pub context: Option<Published>,
    /// Open heads-ups on which this peer is still untold.
    pub untold: Vec<Headsup>,
    /// Per peer: (heard news first, heads-ups in all).
    pub heard_first: Option<(i64, i64)>,
    /// Open capacity loans with this peer, lent or borrowed.
    pub loans: Vec<Trade>,
    /// Open pieces of work together with this peer.
    pub together: Vec<super::Together>,
}
