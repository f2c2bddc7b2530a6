//! What one scheduler pass looks for, one file per kind of message. Each reads what is due
//! through an index, plans with pure rules, records through [`super::Pass::record`] and queues
//! through [`super::Pass::queue`]; none of them sends.

pub(super) mod contexts;
pub(super) mod departures;
pub(super) mod headsups;
pub(super) mod loans;
pub(super) mod meetings;
pub(super) mod nudges;
pub(super) mod retries;
pub(super) mod together;
pub(super) mod workspaces;
