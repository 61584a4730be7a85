//! Peer identity as the protocol carries it: any non-empty string. Nothing in the
//! protocol authenticates it; the relay binds it to a credential when it accepts a socket.

use std::{fmt, str::FromStr};

/// The longest peer id accepted, so a peer cannot make every message it sends huge.
pub const MAX_PEER_ID_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a peer id must be 1 to {MAX_PEER_ID_LEN} bytes long")]
pub struct PeerIdError;

impl PeerId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PeerId {
    type Err = PeerIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.len() > MAX_PEER_ID_LEN {
            return Err(PeerIdError);
        }
        Ok(PeerId(s.to_owned()))
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
