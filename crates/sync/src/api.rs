//! The relay's HTTP API as both sides read it: the role a link grants and the side it is
//! for (one type each, for the relay, its store and the app), and the machine-readable
//! reason every refusal
//! carries (`{"reason": "revoked", "error": "this link was revoked"}`). The relay answers
//! with a [`Reason`] and the app matches on one, so a reason renamed on one side fails to
//! compile on the other. (The HTTP status goes with the endpoint as much as the reason: a
//! revoked link is 410 Gone to redeem, a revoked access 403 Forbidden to use; the app
//! reads the reason, not the status.)

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

mod call;
pub use call::*;

/// What a credential lets its holder do with one partnership. Ordered: more is greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Receives the partnership; any change it sends is refused.
    Viewer,
    /// Reads and writes.
    Editor,
    /// Reads, writes, and makes and revokes links.
    Owner,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn can_edit(self) -> bool {
        self >= Role::Editor
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which side of the partnership a person is on (and a link is for, so the person who
/// opens it is asked for their name with the right side already chosen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Brand,
    Creator,
}

impl Side {
    pub const ALL: [Side; 2] = [Side::Brand, Side::Creator];

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Brand => "brand",
            Side::Creator => "creator",
        }
    }

    pub fn parse(s: &str) -> Option<Side> {
        Side::ALL.into_iter().find(|side| side.as_str() == s)
    }

    /// The side across the table.
    pub fn other(self) -> Side {
        match self {
            Side::Brand => Side::Creator,
            Side::Creator => Side::Brand,
        }
    }
}

/// Whether a link still works, as the join page is told before anyone joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkStatus {
    Active,
    Revoked,
    Expired,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Active => "active",
            LinkStatus::Revoked => "revoked",
            LinkStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<LinkStatus> {
        [LinkStatus::Active, LinkStatus::Revoked, LinkStatus::Expired]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

/// Why the relay refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// No device credential, or a wrong one.
    Unauthorized,
    /// Too many wrong credentials from this address for this device; retry later.
    RateLimited,
    TooManyConnections,
    TooManyDeviceConnections,
    /// This device's sync connections were refused too often; retry later.
    TooManyRefusedConnections,
    TooManyClaims,
    TooManyLinks,
    /// The relay's store failed; retry later.
    StoreFailed,
    BadCredential,
    /// A device id registered already by someone else.
    DeviceTaken,
    /// The partnership has an owner already (claiming it again is refused).
    AlreadyOwned,
    /// Only the owner may do this.
    NotOwner,
    UnknownLink,
    UnknownDocument,
    Revoked,
    Expired,
    /// This device has no access to the partnership.
    NoAccess,
    /// The request was malformed (a field out of range, a role that does not exist).
    Invalid,
    /// No calendar feed with that id for this partnership.
    UnknownFeed,
    TooManyFeeds,
}

impl Reason {
    pub const ALL: [Reason; 20] = [
        Reason::Unauthorized,
        Reason::RateLimited,
        Reason::TooManyConnections,
        Reason::TooManyDeviceConnections,
        Reason::TooManyRefusedConnections,
        Reason::TooManyClaims,
        Reason::TooManyLinks,
        Reason::StoreFailed,
        Reason::BadCredential,
        Reason::DeviceTaken,
        Reason::AlreadyOwned,
        Reason::NotOwner,
        Reason::UnknownLink,
        Reason::UnknownDocument,
        Reason::Revoked,
        Reason::Expired,
        Reason::NoAccess,
        Reason::Invalid,
        Reason::UnknownFeed,
        Reason::TooManyFeeds,
    ];

    /// The reason as it travels (`"too-many-links"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Unauthorized => "unauthorized",
            Reason::RateLimited => "rate-limited",
            Reason::TooManyConnections => "too-many-connections",
            Reason::TooManyDeviceConnections => "too-many-device-connections",
            Reason::TooManyRefusedConnections => "too-many-refused-connections",
            Reason::TooManyClaims => "too-many-claims",
            Reason::TooManyLinks => "too-many-links",
            Reason::StoreFailed => "store-failed",
            Reason::BadCredential => "bad-credential",
            Reason::DeviceTaken => "device-taken",
            Reason::AlreadyOwned => "already-owned",
            Reason::NotOwner => "not-owner",
            Reason::UnknownLink => "unknown-link",
            Reason::UnknownDocument => "unknown-document",
            Reason::Revoked => "revoked",
            Reason::Expired => "expired",
            Reason::NoAccess => "none",
            Reason::Invalid => "invalid",
            Reason::UnknownFeed => "unknown-feed",
            Reason::TooManyFeeds => "too-many-feeds",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A reason this version does not know (a newer relay's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a reason this version knows")]
pub struct UnknownReason(pub String);

impl FromStr for Reason {
    type Err = UnknownReason;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownReason(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_sides_read_back_and_roles_are_ordered() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert!(Role::Viewer < Role::Editor && Role::Editor < Role::Owner);
        assert!(!Role::Viewer.can_edit() && Role::Editor.can_edit());
        for s in [Side::Brand, Side::Creator] {
            assert_eq!(Side::parse(s.as_str()), Some(s));
        }
        assert_eq!(Role::parse("admin"), None);
        for l in [LinkStatus::Active, LinkStatus::Revoked, LinkStatus::Expired] {
            assert_eq!(LinkStatus::parse(l.as_str()), Some(l));
        }
    }

    #[test]
    fn every_reason_round_trips_and_has_one_spelling() {
        let mut seen = std::collections::HashSet::new();
        for r in Reason::ALL {
            assert_eq!(r.as_str().parse::<Reason>(), Ok(r));
            assert!(seen.insert(r.as_str()), "{r} spelled twice");
        }
        assert!("revoked-ish".parse::<Reason>().is_err());
    }
}
