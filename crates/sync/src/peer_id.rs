//! Peer identity as the protocol carries it. Nothing in the protocol authenticates it;
//! the relay binds it to a credential when it accepts a socket.
//!
//! A peer id is 1 to [`MAX_PEER_ID_LEN`] characters from `[0-9A-Za-z._-]`. That covers
//! every id real peers use — `<device id>-<tab>` from the app, UUIDs and `peer-<random>`
//! from the JS automerge-repo, `tandem-relay` — and keeps newlines, terminal escapes and
//! other control or look-alike characters out of every log line and close reason that
//! names a peer.

use std::{fmt, str::FromStr};

/// The longest peer id accepted, so a peer cannot make every message it sends huge.
pub const MAX_PEER_ID_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeerIdError {
    #[error("a peer id must be 1 to {MAX_PEER_ID_LEN} characters long")]
    Length,
    #[error("a peer id may contain only letters, digits, '.', '_' and '-'")]
    Character,
}

impl PeerId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn allowed(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

impl FromStr for PeerId {
    type Err = PeerIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.len() > MAX_PEER_ID_LEN {
            return Err(PeerIdError::Length);
        }
        if !s.bytes().all(allowed) {
            return Err(PeerIdError::Character);
        }
        Ok(PeerId(s.to_owned()))
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_peer_ids_pass_and_control_characters_do_not() {
        for ok in [
            "0123456789abcdef-1a2b",
            "tandem-relay",
            "peer-q7x1k2m9",
            "3f2c8a4e-9b1d-4c6e-8f0a-1b2c3d4e5f60",
            "reference-server",
            "A.b_c-9",
        ] {
            assert!(ok.parse::<PeerId>().is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a\nb",
            "evil\u{1b}[31mred",
            "spa ce",
            "tab\t",
            "quote\"",
            "ünïcode",
            "semi;colon",
        ] {
            assert_eq!(
                bad.parse::<PeerId>().err(),
                Some(if bad.is_empty() {
                    PeerIdError::Length
                } else {
                    PeerIdError::Character
                }),
                "{bad:?}"
            );
        }
        assert!("a".repeat(MAX_PEER_ID_LEN).parse::<PeerId>().is_ok());
        assert_eq!(
            "a".repeat(MAX_PEER_ID_LEN + 1).parse::<PeerId>(),
            Err(PeerIdError::Length)
        );
    }
}
