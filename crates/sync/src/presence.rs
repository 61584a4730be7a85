//! Presence: who has a partnership open right now, carried in `ephemeral` messages.
//!
//! A browser announces itself every [`HEARTBEAT_MS`] while a partnership is open and says
//! it left when the page closes; a peer not heard from for [`EXPIRY_MS`] is dropped (a
//! crashed tab or a lost network). The sender's peer id is bound to its connection by
//! the relay, so one peer cannot speak for another.

use std::collections::BTreeMap;

use ciborium::Value;

use crate::{
    cbor::{Head, Reader},
    peer_id::PeerId,
};

pub const HEARTBEAT_MS: u64 = 10_000;
pub const EXPIRY_MS: u64 = 30_000;
/// Longer names are cut, so a peer cannot flood everyone's screen.
pub const MAX_NAME_CHARS: usize = 60;
/// The largest presence payload read (an announcement is well under 1 KiB; a relay refuses
/// larger ephemeral payloads at [`crate::message::MAX_EPHEMERAL_BYTES`]).
pub const MAX_ANNOUNCEMENT_BYTES: usize = 4096;

pub use crate::api::Side;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub name: String,
    pub side: Side,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Announcement {
    Here(Presence),
    Left,
}

impl Announcement {
    pub fn encode(&self) -> Vec<u8> {
        let text = |s: &str| Value::Text(s.to_owned());
        let map = match self {
            Announcement::Here(p) => vec![
                (text("presence"), text("here")),
                (text("name"), text(&p.name)),
                (text("side"), text(p.side.as_str())),
            ],
            Announcement::Left => vec![(text("presence"), text("left"))],
        };
        let mut out = Vec::new();
        if ciborium::into_writer(&Value::Map(map), &mut out).is_err() {
            out.clear();
        }
        out
    }

    /// `None` for anything that is not a Tandem presence announcement (other apps use
    /// ephemeral messages too), or that is larger than [`MAX_ANNOUNCEMENT_BYTES`]. Reads
    /// the frame in place: what it does not use is skipped, not built.
    pub fn decode(bytes: &[u8]) -> Option<Announcement> {
        if bytes.len() > MAX_ANNOUNCEMENT_BYTES {
            return None;
        }
        let mut reader = Reader::new(bytes);
        let (mut presence, mut name, mut side) = (None, None, None);
        let is_map = reader
            .map_entries(|key, value| {
                let start = value.position();
                let head = value.head()?;
                let slot = match key {
                    "presence" => &mut presence,
                    "name" => &mut name,
                    "side" => &mut side,
                    _ => {
                        *value = value.at(start);
                        return value.skip();
                    }
                };
                if let Head::Text(len) = head {
                    *slot = Some(value.text_body(len)?.into_owned());
                    Ok(())
                } else {
                    *value = value.at(start);
                    value.skip()
                }
            })
            .ok()?;
        if !is_map || reader.remaining() > 0 {
            return None;
        }
        match presence?.as_str() {
            "left" => Some(Announcement::Left),
            "here" => {
                let name: String = name?.trim().chars().take(MAX_NAME_CHARS).collect();
                if name.is_empty() {
                    return None;
                }
                Some(Announcement::Here(Presence {
                    name,
                    side: Side::parse(&side?)?,
                }))
            }
            _ => None,
        }
    }
}

/// Who is present on one document, as last heard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    entries: BTreeMap<PeerId, (Presence, u64)>,
}

impl Roster {
    /// Records an announcement heard at `now_ms`.
    pub fn heard(&mut self, peer: PeerId, announcement: Announcement, now_ms: u64) {
        match announcement {
            Announcement::Here(p) => {
                self.entries.insert(peer, (p, now_ms));
            }
            Announcement::Left => {
                self.entries.remove(&peer);
            }
        }
    }

    /// Drops everyone not heard from within [`EXPIRY_MS`]. Returns whether anyone left.
    pub fn expire(&mut self, now_ms: u64) -> bool {
        let before = self.entries.len();
        self.entries
            .retain(|_, (_, seen)| now_ms.saturating_sub(*seen) < EXPIRY_MS);
        self.entries.len() != before
    }

    /// Whether a peer is currently listed.
    pub fn contains(&self, peer: &PeerId) -> bool {
        self.entries.contains_key(peer)
    }

    /// The people present, by side then name.
    pub fn present(&self) -> Vec<Presence> {
        let mut list: Vec<Presence> = self.entries.values().map(|(p, _)| p.clone()).collect();
        list.sort_by(|a, b| a.side.cmp(&b.side).then_with(|| a.name.cmp(&b.name)));
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(s: &str) -> PeerId {
        s.parse().expect("peer")
    }

    fn masha() -> Presence {
        Presence {
            name: "Маша".into(),
            side: Side::Creator,
        }
    }

    #[test]
    fn announcements_round_trip_and_foreign_data_is_ignored() {
        for a in [Announcement::Here(masha()), Announcement::Left] {
            assert_eq!(Announcement::decode(&a.encode()), Some(a));
        }
        assert_eq!(Announcement::decode(b"not cbor"), None);
        let mut cursor = Vec::new();
        ciborium::into_writer(
            &Value::Map(vec![(
                Value::Text("cursor".into()),
                Value::Integer(3.into()),
            )]),
            &mut cursor,
        )
        .expect("encodes");
        assert_eq!(
            Announcement::decode(&cursor),
            None,
            "another app's ephemeral data"
        );
    }

    #[test]
    fn long_names_are_cut_and_empty_ones_refused() {
        let long = Announcement::Here(Presence {
            name: "x".repeat(500),
            side: Side::Brand,
        });
        match Announcement::decode(&long.encode()) {
            Some(Announcement::Here(p)) => assert_eq!(p.name.chars().count(), MAX_NAME_CHARS),
            other => panic!("{other:?}"),
        }
        let empty = Announcement::Here(Presence {
            name: "  ".into(),
            side: Side::Brand,
        });
        assert_eq!(Announcement::decode(&empty.encode()), None);
    }

    #[test]
    fn people_leave_when_they_say_so_or_go_quiet() {
        let mut roster = Roster::default();
        roster.heard(peer("a"), Announcement::Here(masha()), 1_000);
        roster.heard(
            peer("b"),
            Announcement::Here(Presence {
                name: "Ann".into(),
                side: Side::Brand,
            }),
            1_000,
        );
        assert_eq!(roster.present().len(), 2);
        assert_eq!(roster.present()[0].name, "Ann", "brand side first");
        roster.heard(peer("b"), Announcement::Left, 2_000);
        assert_eq!(roster.present(), vec![masha()]);
        assert!(
            !roster.expire(1_000 + EXPIRY_MS - 1),
            "still within the expiry"
        );
        assert!(roster.expire(1_000 + EXPIRY_MS), "gone quiet");
        assert!(roster.present().is_empty());
    }
}
