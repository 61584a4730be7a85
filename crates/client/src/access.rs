//! What this browser may do with each partnership, and how that changes.
//!
//! Per partnership a role (owner, editor, viewer) and a state (active, waiting to be
//! registered, revoked, expired, refused). It decides what is synced and whether the page
//! is read-only; the relay enforces the same on its side.

pub use tandem_sync::api::{Reason, Role};

/// Where this browser's access to a partnership stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Synced with the relay under this role.
    Active,
    /// Made here; registering it with the relay waits for a connection.
    Unregistered,
    /// The owner revoked the link; the local copy stays, read-only.
    Revoked,
    /// The link expired; the local copy stays, read-only.
    Expired,
    /// The relay gives this browser no access (someone else registered it).
    Refused,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Active,
        State::Unregistered,
        State::Revoked,
        State::Expired,
        State::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Unregistered => "unregistered",
            State::Revoked => "revoked",
            State::Expired => "expired",
            State::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub role: Role,
    pub state: State,
}

/// Why access ended, for the screen to say in its language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Revoked,
    Expired,
    Refused,
}

impl Access {
    /// Whether edits are allowed here.
    pub fn can_edit(self) -> bool {
        self.role >= Role::Editor && matches!(self.state, State::Active | State::Unregistered)
    }

    /// Whether the partnership is synced with the relay.
    pub fn syncs(self) -> bool {
        self.state == State::Active
    }

    /// What ended the access, if it ended.
    pub fn ended(self) -> Option<Ended> {
        match self.state {
            State::Revoked => Some(Ended::Revoked),
            State::Expired => Some(Ended::Expired),
            State::Refused => Some(Ended::Refused),
            State::Active | State::Unregistered => None,
        }
    }

    /// After redeeming a link for `role`: a second link never lowers what this browser has.
    pub fn joined(current: Option<Access>, role: Role) -> Access {
        let role = match current {
            Some(a) if a.syncs() => a.role.max(role),
            _ => role,
        };
        Access {
            role,
            state: State::Active,
        }
    }

    /// What the relay's refusal to say (or give) access means for the record, if it
    /// means anything: a revoked or expired link, or no access at all — a partnership
    /// made here that the relay forgot (its data was reset) is registered again.
    pub fn refused(self, reason: Option<Reason>) -> Option<Access> {
        let state = match reason? {
            Reason::Revoked => State::Revoked,
            Reason::Expired => State::Expired,
            Reason::NoAccess if self.role == Role::Owner => State::Unregistered,
            Reason::NoAccess => State::Refused,
            _ => return None,
        };
        Some(Access {
            role: self.role,
            state,
        })
    }
}

/// Every partnership on a relay without access control (another automerge-repo server).
pub const OPEN: Access = Access {
    role: Role::Owner,
    state: State::Active,
};

/// A partnership stored here with no record was made here before sharing existed: it is
/// this browser's to register.
pub const MADE_HERE: Access = Access {
    role: Role::Owner,
    state: State::Unregistered,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_back_as_written() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(State::parse("admin"), None);
    }

    #[test]
    fn a_second_link_never_lowers_the_role_but_an_ended_one_is_replaced() {
        let editor = Access {
            role: Role::Editor,
            state: State::Active,
        };
        assert_eq!(
            Access::joined(Some(editor), Role::Viewer).role,
            Role::Editor
        );
        let revoked = Access {
            role: Role::Editor,
            state: State::Revoked,
        };
        assert_eq!(
            Access::joined(Some(revoked), Role::Viewer),
            Access {
                role: Role::Viewer,
                state: State::Active
            }
        );
    }

    #[test]
    fn a_forgotten_owner_registers_again_and_a_forgotten_guest_is_refused() {
        let owner = Access {
            role: Role::Owner,
            state: State::Active,
        };
        assert_eq!(owner.refused(Some(Reason::NoAccess)), Some(MADE_HERE));
        let viewer = Access {
            role: Role::Viewer,
            state: State::Active,
        };
        assert_eq!(
            viewer.refused(Some(Reason::NoAccess)).map(|a| a.state),
            Some(State::Refused)
        );
        assert_eq!(
            viewer.refused(Some(Reason::Revoked)).map(|a| a.state),
            Some(State::Revoked)
        );
        assert_eq!(viewer.refused(None), None);
    }
}
