//! The joint escalation (SPEC §14): one document with both positions, which goes to its
//! destination only when both authors have approved the same version. Any edit makes a new
//! version, and so withdraws earlier approvals; either author can withdraw the whole document.

use super::{ChannelId, UserId};

/// Where an approved escalation goes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Destination {
    /// A DM to someone both report into (or who decides).
    User(UserId),
    Channel(ChannelId),
}

impl Destination {
    pub fn mention(&self) -> String {
        match self {
            Destination::User(u) => u.mention(),
            Destination::Channel(c) => c.mention(),
        }
    }
}

/// Where the document stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationState {
    Open,
    /// Both approved the same version: it is (being) delivered, and can no longer change.
    Sent,
    Withdrawn,
}

impl EscalationState {
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationState::Open => "open",
            EscalationState::Sent => "sent",
            EscalationState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => EscalationState::Open,
            "sent" => EscalationState::Sent,
            "withdrawn" => EscalationState::Withdrawn,
            _ => return None,
        })
    }
}

/// One author's position.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// What this side is trying to achieve.
    pub goal: Option<String>,
    /// What happens to this side's team if it gives way.
    pub cost: Option<String>,
    /// What was tried already.
    pub tried: Option<String>,
}

impl Position {
    pub fn is_empty(&self) -> bool {
        self.goal.is_none() && self.cost.is_none() && self.tried.is_none()
    }
}

/// One side of the document: its author, their position, and the version they approved.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub author: UserId,
    pub position: Position,
    pub approved: Option<i64>,
}

/// The whole document, as either author sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// Its number in the workspace (both authors use it).
    pub number: i64,
    pub initiator: Side,
    pub peer: Side,
    pub topic: String,
    pub ask: Option<String>,
    pub to: Option<Destination>,
    pub version: i64,
    pub state: EscalationState,
}

/// Why an approval is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApproveRefusal {
    NotAnAuthor,
    NotOpen(EscalationState),
    AlreadyApproved,
    NoDestination,
    NoAsk,
    /// This author's side is empty (`true`: the caller's own; `false`: the other's).
    EmptySide(bool),
}

impl Escalation {
    /// The caller's side and the other's, or `None` when `who` is not an author.
    pub fn sides_of(&self, who: &UserId) -> Option<(&Side, &Side)> {
        if &self.initiator.author == who {
            Some((&self.initiator, &self.peer))
        } else if &self.peer.author == who {
            Some((&self.peer, &self.initiator))
        } else {
            None
        }
    }

    /// Whether `who` may approve the current version now.
    pub fn check_approval(&self, who: &UserId) -> Result<(), ApproveRefusal> {
        let (mine, theirs) = self.sides_of(who).ok_or(ApproveRefusal::NotAnAuthor)?;
        if self.state != EscalationState::Open {
            return Err(ApproveRefusal::NotOpen(self.state));
        }
        if mine.approved == Some(self.version) {
            return Err(ApproveRefusal::AlreadyApproved);
        }
        if mine.position.is_empty() {
            return Err(ApproveRefusal::EmptySide(true));
        }
        if theirs.position.is_empty() {
            return Err(ApproveRefusal::EmptySide(false));
        }
        if self.ask.is_none() {
            return Err(ApproveRefusal::NoAsk);
        }
        if self.to.is_none() {
            return Err(ApproveRefusal::NoDestination);
        }
        Ok(())
    }

    /// Both authors approved the version it is at: it goes out.
    pub fn fully_approved(&self) -> bool {
        self.initiator.approved == Some(self.version) && self.peer.approved == Some(self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }

    fn doc() -> Escalation {
        let pos = Position {
            goal: Some("ship".into()),
            ..Default::default()
        };
        Escalation {
            number: 1,
            initiator: Side {
                author: u("U1"),
                position: pos.clone(),
                approved: None,
            },
            peer: Side {
                author: u("U2"),
                position: pos,
                approved: None,
            },
            topic: "the freeze".into(),
            ask: Some("decide by Friday".into()),
            to: Some(Destination::User(u("U9"))),
            version: 3,
            state: EscalationState::Open,
        }
    }

    #[test]
    fn it_goes_only_when_both_approved_the_same_version() {
        let mut d = doc();
        assert_eq!(d.check_approval(&u("U3")), Err(ApproveRefusal::NotAnAuthor));
        assert!(d.check_approval(&u("U1")).is_ok());
        d.initiator.approved = Some(3);
        assert_eq!(
            d.check_approval(&u("U1")),
            Err(ApproveRefusal::AlreadyApproved)
        );
        assert!(!d.fully_approved());
        d.peer.approved = Some(2);
        assert!(
            !d.fully_approved(),
            "an older version's approval does not count"
        );
        d.peer.approved = Some(3);
        assert!(d.fully_approved());
        d.to = None;
        d.peer.approved = None;
        assert_eq!(
            d.check_approval(&u("U2")),
            Err(ApproveRefusal::NoDestination)
        );
        d.peer.position = Position::default();
        assert_eq!(
            d.check_approval(&u("U1")),
            Err(ApproveRefusal::AlreadyApproved)
        );
        assert_eq!(
            d.check_approval(&u("U2")),
            Err(ApproveRefusal::EmptySide(true))
        );
        d.state = EscalationState::Withdrawn;
        assert_eq!(
            d.check_approval(&u("U2")),
            Err(ApproveRefusal::NotOpen(EscalationState::Withdrawn))
        );
    }
}
