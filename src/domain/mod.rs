//! The pure heart of Sideways: who a user's peers are, when a check-in is due, how warm a
//! relationship is, and when a message may be delivered.
//!
//! Nothing here touches the database, Slack, tokio or the wall clock: every function that needs
//! "now" or "today" takes it as an argument, so the rules are unit tested without sleeping.

/// The longest free-text answer a form takes, in characters: what each modal's input allows,
/// and what every command that stores one checks again (a console or a crafted payload may
/// send more).
pub const MAX_ANSWER: usize = 1000;

mod cadence;
mod dates;
mod escalation;
mod headsup;
mod home;
mod hours;
mod ids;
mod matching;
mod meeting;
mod peer;
mod review;
mod schedule;
mod stuck;
mod together;
mod trade;
mod when;

pub use cadence::Cadence;
pub use dates::{DATE_EXAMPLES, DateError, DateSpec, oldest_allowed, parse_date_spec};
pub use escalation::{ApproveRefusal, Destination, Escalation, EscalationState, Position, Side};
pub use headsup::{Headsup, NamedPeer, Stage, Step};
pub use home::{HomeData, PrepData};
pub use hours::{DeliveryPrefs, WeekdaySet, WorkingHours, local_midnight};
pub use ids::{ChannelId, MessageRef, Owner, TeamId, UserId};
pub use matching::offer_meets;
pub use meeting::{
    CONTEXT_STALE_AFTER, Credit, DEFAULT_LEAD_MINUTES, DigestBody, MAX_LEAD_MINUTES, Meeting,
    Published, Upcoming, digest_body, prep_body,
};
pub use peer::{
    Agenda, CheckinEntry, CheckinSignals, MILESTONE_MAX_YEARS, MILESTONE_WINDOW_DAYS, Milestone,
    Note, Offer, PastCheckin, Peer, REMIND_AGAIN_AFTER_DAYS, Warmth, nudge_at, remind_again_on,
};
pub use review::{
    REVIEW_AFTER_DAYS, REVIEW_AGAIN_DAYS, SeriesHistory, SnoozeRecord, review_due, series_history,
};
pub use schedule::Schedule;
pub use stuck::{NextMove, STUCK_LOOKBACK_DAYS, StuckFacts, next_move};
pub use together::{
    LookBack, TOGETHER_DEFAULT_WEEKS, TOGETHER_MAX_WEEKS, TOGETHER_PEER_KIND, Together,
    TogetherStatus, together_end, together_ends_on, together_peer_key, together_peer_key_prefix,
};
pub use trade::{
    Direction, Good, LoanStatus, RECIPROCITY_DAYS, Trade, loan_first_look, loan_next_look,
    reciprocity,
};
pub use when::{WhenSpec, parse_time, parse_when};
