//! Every record this browser keeps in localStorage, its key and its text — in one place.
//!
//! Partnerships themselves are in IndexedDB; localStorage holds what must survive their
//! eviction or be read before they load: the device credential, access records, the heads
//! the relay confirmed, what was last saved (the evidence an eviction is judged by), the
//! person's name and side, the chosen server, the language, drafts and the heads seen at
//! the last visit. The browser's storage module only reads, writes and removes strings by
//! key; what they mean is decided here, and tested natively.

use std::collections::BTreeSet;

use automerge::ChangeHash;
use tandem_domain::document_id::DocumentId;
use tandem_sync::presence::{MAX_NAME_CHARS, Presence, Side};

use crate::access::{Access, Role, State};
use crate::restore::SavedRecord;

pub const DEVICE: &str = "tandem.device";
pub const REGISTERED: &str = "tandem.device.registered";
pub const NAME: &str = "tandem.name";
pub const SIDE: &str = "tandem.side";
pub const LANGUAGE: &str = "tandem.lang";
/// Set once this browser was asked for a name (on a first edit without one): not asked again.
pub const NAME_ASKED: &str = "tandem.name-asked";
/// The chosen other server, and the partnerships offered to it.
pub const OTHER_RELAY: &str = "tandem.other-relay";
/// Where older versions kept a relay taken from `?relay=` (never confirmed: forgotten).
pub const LEGACY_RELAY: &str = "tandem.relay";
const ACCESS: &str = "tandem.access.";
const RELAY_HEADS: &str = "tandem.relay-heads.";
const SAVED: &str = "tandem.saved.";
const SEEN: &str = "tandem.seen.";

/// One record, as the client persists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// `<device id>.<secret>`.
    Device(String),
    /// The relay API this device is registered with.
    Registered(String),
    Access(DocumentId, Access),
    /// Heads the relay confirmed holding of a document.
    RelayHeads(DocumentId, Vec<ChangeHash>),
    Saved(DocumentId, SavedRecord),
    /// Heads seen at the end of the last visit (the history's "since your last visit").
    Seen(DocumentId, Vec<ChangeHash>),
    Presence(Presence),
}

/// Where a record lives: one key, or (presence) two.
impl Record {
    /// `(key, value)` pairs to write.
    pub fn entries(&self) -> Vec<(String, String)> {
        match self {
            Record::Device(c) => vec![(DEVICE.into(), c.clone())],
            Record::Registered(api) => vec![(REGISTERED.into(), api.clone())],
            Record::Access(id, a) => vec![(access_key(id), encode_access(*a))],
            Record::RelayHeads(id, h) => vec![(relay_heads_key(id), encode_heads(h))],
            Record::Saved(id, r) => vec![(saved_key(id), encode_saved(r))],
            Record::Seen(id, h) => vec![(seen_key(id), encode_heads(h))],
            Record::Presence(p) => vec![
                (NAME.into(), p.name.clone()),
                (SIDE.into(), p.side.as_str().into()),
            ],
        }
    }
}

pub fn access_key(id: &DocumentId) -> String {
    format!("{ACCESS}{id}")
}
pub fn relay_heads_key(id: &DocumentId) -> String {
    format!("{RELAY_HEADS}{id}")
}
pub fn saved_key(id: &DocumentId) -> String {
    format!("{SAVED}{id}")
}
pub fn seen_key(id: &DocumentId) -> String {
    format!("{SEEN}{id}")
}
/// A draft of an "add" form's field, by its key (which names the partnership).
pub fn draft_key(key: &str) -> String {
    format!("tandem.{key}")
}

pub fn encode_access(a: Access) -> String {
    format!("{} {}", a.role.as_str(), a.state.as_str())
}

pub fn decode_access(v: &str) -> Option<Access> {
    let (role, state) = v.split_once(' ')?;
    Some(Access {
        role: Role::parse(role)?,
        state: State::parse(state)?,
    })
}

pub fn encode_heads(heads: &[ChangeHash]) -> String {
    let joined: Vec<String> = heads.iter().map(ToString::to_string).collect();
    joined.join(",")
}

/// Heads as written; an unreadable one is dropped (heads are hints, never evidence).
pub fn decode_heads(v: &str) -> Vec<ChangeHash> {
    v.split(',').filter_map(|h| h.parse().ok()).collect()
}

pub fn encode_saved(r: &SavedRecord) -> String {
    let relay = r
        .relay_had_all_ms
        .map_or_else(|| "-".to_owned(), |ms| ms.to_string());
    format!(
        "{}|{relay}|{}|{}",
        r.saved_ms,
        encode_heads(&r.heads),
        r.title
    )
}

/// A saved record; `None` if any part is unreadable (it is evidence: never half-read).
pub fn decode_saved(text: &str) -> Option<SavedRecord> {
    let mut parts = text.splitn(4, '|');
    let saved_ms = parts.next()?.parse().ok()?;
    let relay_had_all_ms = match parts.next()? {
        "-" => None,
        ms => Some(ms.parse().ok()?),
    };
    let heads = parts
        .next()?
        .split(',')
        .filter(|h| !h.is_empty())
        .map(|h| h.parse().ok())
        .collect::<Option<Vec<ChangeHash>>>()?;
    let title = parts.next().unwrap_or_default().to_owned();
    Some(SavedRecord {
        heads,
        saved_ms,
        relay_had_all_ms,
        title,
    })
}

/// How this person appears to others, from the two stored values.
pub fn decode_presence(name: &str, side: &str) -> Option<Presence> {
    let side = Side::parse(side)?;
    let name: String = name.trim().chars().take(MAX_NAME_CHARS).collect();
    (!name.is_empty()).then_some(Presence { name, side })
}

/// A device credential: `<device id>.<secret>`, both non-empty hex-ish tokens.
pub fn decode_device(v: &str) -> Option<(String, String)> {
    let (id, secret) = v.split_once('.')?;
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
    (ok(id) && ok(secret)).then(|| (id.to_owned(), secret.to_owned()))
}

/// The other server chosen in the settings: the URL on the first line, then one
/// partnership id a line. The URL is checked by the caller.
pub fn encode_other_relay(url: &str, docs: &BTreeSet<DocumentId>) -> String {
    let mut out = url.to_owned();
    for id in docs {
        out.push('\n');
        out.push_str(&id.to_string());
    }
    out
}

pub fn decode_other_relay(v: &str) -> Option<(String, BTreeSet<DocumentId>)> {
    let mut lines = v.lines();
    let url = lines.next()?.trim().to_owned();
    let docs = lines.filter_map(|l| l.trim().parse().ok()).collect();
    Some((url, docs))
}

/// Everything the client needs from localStorage at start, read from `(key, value)` pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    pub access: std::collections::BTreeMap<DocumentId, Access>,
    pub relay_heads: std::collections::BTreeMap<DocumentId, Vec<ChangeHash>>,
    pub saved: std::collections::BTreeMap<DocumentId, SavedRecord>,
    pub presence: Option<Presence>,
}

impl Stored {
    /// Reads every record it knows; anything else (or unreadable) is left alone.
    pub fn read<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Stored {
        let mut out = Stored::default();
        let (mut name, mut side) = (None, None);
        for (key, value) in pairs {
            let id = |prefix: &str| key.strip_prefix(prefix)?.parse::<DocumentId>().ok();
            if let Some(id) = id(ACCESS) {
                if let Some(a) = decode_access(value) {
                    out.access.insert(id, a);
                }
            } else if let Some(id) = id(RELAY_HEADS) {
                out.relay_heads.insert(id, decode_heads(value));
            } else if let Some(id) = id(SAVED) {
                if let Some(r) = decode_saved(value) {
                    out.saved.insert(id, r);
                }
            } else if key == NAME {
                name = Some(value);
            } else if key == SIDE {
                side = Some(value);
            }
        }
        out.presence = name.zip(side).and_then(|(n, s)| decode_presence(n, s));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> DocumentId {
        DocumentId::from_bytes([n; 16])
    }

    #[test]
    fn every_record_reads_back_as_written() {
        let heads: Vec<ChangeHash> = vec![ChangeHash([7; 32]), ChangeHash([9; 32])];
        let saved = SavedRecord {
            heads: heads.clone(),
            saved_ms: 1_700_000_000_000,
            relay_had_all_ms: Some(1_699_999_999_000),
            title: "Northwind × Маша | Studio".into(),
        };
        let access = Access {
            role: Role::Editor,
            state: State::Revoked,
        };
        let me = Presence {
            name: "Маша".into(),
            side: Side::Creator,
        };
        let records = [
            Record::Access(id(1), access),
            Record::RelayHeads(id(1), heads.clone()),
            Record::Saved(id(2), saved.clone()),
            Record::Presence(me.clone()),
            Record::Device("abc.def".into()),
        ];
        let pairs: Vec<(String, String)> = records.iter().flat_map(Record::entries).collect();
        let stored = Stored::read(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(stored.access.get(&id(1)), Some(&access));
        assert_eq!(stored.relay_heads.get(&id(1)), Some(&heads));
        assert_eq!(stored.saved.get(&id(2)), Some(&saved));
        assert_eq!(stored.presence, Some(me));
        let never = SavedRecord::default();
        assert_eq!(decode_saved(&encode_saved(&never)), Some(never));
    }

    #[test]
    fn unreadable_records_are_left_out_not_half_read() {
        let key = saved_key(&id(3));
        let stored = Stored::read([
            (key.as_str(), "12|-|not-a-hash|Title"),
            ("tandem.access.not-an-id", "owner active"),
            (access_key(&id(4)).as_str(), "admin active"),
            (NAME, "   "),
            (SIDE, "brand"),
        ]);
        assert_eq!(stored, Stored::default());
        assert_eq!(decode_device("abc"), None);
        assert_eq!(decode_device("a b.c"), None);
        assert_eq!(decode_device("ab.cd"), Some(("ab".into(), "cd".into())));
    }
}
