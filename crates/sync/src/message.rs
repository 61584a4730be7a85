//! The wire messages of the automerge-repo network protocol, version "1", and their CBOR
//! encoding: one CBOR map with camelCase keys per WebSocket frame, byte strings for
//! binary data (as the JavaScript implementation writes them with cbor-x).
//!
//! Decoding is strict: an unknown `type`, a missing or mistyped field, or a zero-length
//! `data` is a [`DecodeError`] naming the problem, never a panic. Following samod, `count`
//! and `timestamp` may be integers or floats and `documentId` text or bytes, and unknown
//! extra keys are ignored (newer peers may add some).

use crate::document_id::DocumentId;
use ciborium::Value;

use crate::{
    cbor::{CborError, Head, Reader},
    peer_id::PeerId,
};

/// The only protocol version this implementation speaks.
pub const PROTOCOL_VERSION: &str = "1";

/// The largest `data` of an `ephemeral` message accepted (presence is well under 1 KiB).
pub const MAX_EPHEMERAL_BYTES: usize = 4096;

/// What a peer says about itself in `join` and `peer`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    pub storage_id: Option<String>,
    pub is_ephemeral: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Join {
        sender_id: PeerId,
        metadata: PeerMetadata,
        supported_protocol_versions: Vec<String>,
    },
    Peer {
        sender_id: PeerId,
        target_id: PeerId,
        metadata: PeerMetadata,
        selected_protocol_version: String,
    },
    Error {
        message: String,
    },
    Leave {
        sender_id: PeerId,
    },
    /// The first sync message from a peer that lacks the document.
    Request {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: DocumentId,
        data: Vec<u8>,
    },
    Sync {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: DocumentId,
        data: Vec<u8>,
    },
    DocUnavailable {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: DocumentId,
    },
    Ephemeral {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: DocumentId,
        session_id: String,
        count: u64,
        data: Vec<u8>,
    },
    /// Heads gossip (`remote-subscription-change`, `remote-heads-changed`): accepted and
    /// ignored; Tandem does not use it.
    HeadsGossip {
        kind: GossipKind,
        sender_id: PeerId,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GossipKind {
    RemoteSubscriptionChange,
    RemoteHeadsChanged,
}

impl Message {
    /// The message's `type` as it appears on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Join { .. } => "join",
            Message::Peer { .. } => "peer",
            Message::Error { .. } => "error",
            Message::Leave { .. } => "leave",
            Message::Request { .. } => "request",
            Message::Sync { .. } => "sync",
            Message::DocUnavailable { .. } => "doc-unavailable",
            Message::Ephemeral { .. } => "ephemeral",
            Message::HeadsGossip {
                kind: GossipKind::RemoteSubscriptionChange,
                ..
            } => "remote-subscription-change",
            Message::HeadsGossip {
                kind: GossipKind::RemoteHeadsChanged,
                ..
            } => "remote-heads-changed",
        }
    }

    /// The claimed sender, for messages that carry one.
    pub fn sender_id(&self) -> Option<&PeerId> {
        match self {
            Message::Join { sender_id, .. }
            | Message::Peer { sender_id, .. }
            | Message::Leave { sender_id }
            | Message::Request { sender_id, .. }
            | Message::Sync { sender_id, .. }
            | Message::DocUnavailable { sender_id, .. }
            | Message::Ephemeral { sender_id, .. }
            | Message::HeadsGossip { sender_id, .. } => Some(sender_id),
            Message::Error { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the frame is not valid CBOR: {0}")]
    Cbor(String),
    #[error("the frame has {0} trailing bytes after the message")]
    TrailingBytes(usize),
    #[error("a message must be a CBOR map with text keys")]
    NotAMap,
    #[error("unknown message type {0:?}")]
    UnknownType(String),
    #[error("{kind} message is missing {field}")]
    MissingField { kind: String, field: &'static str },
    #[error("{kind} message has an invalid {field}: {reason}")]
    InvalidField {
        kind: String,
        field: &'static str,
        reason: String,
    },
    #[error("{kind} message has empty data")]
    EmptyData { kind: String },
}

/// The keys a message may carry that Tandem reads; any other is skipped unread.
const KEYS: [&str; 11] = [
    "type",
    "senderId",
    "targetId",
    "documentId",
    "data",
    "sessionId",
    "count",
    "peerMetadata",
    "supportedProtocolVersions",
    "selectedProtocolVersion",
    "message",
];

/// How many protocol versions a `join` may offer (automerge-repo offers one).
pub const MAX_PROTOCOL_VERSIONS: usize = 16;

fn cbor(e: CborError) -> DecodeError {
    DecodeError::Cbor(e.to_string())
}

/// Where in the frame each known key's value starts.
struct Fields<'a> {
    kind: String,
    frame: Reader<'a>,
    at: [Option<usize>; KEYS.len()],
}

impl<'a> Fields<'a> {
    fn value(&self, field: &'static str) -> Option<Reader<'a>> {
        let i = KEYS.iter().position(|k| *k == field)?;
        self.at[i].map(|pos| self.frame.at(pos))
    }

    fn get(&self, field: &'static str) -> Result<Reader<'a>, DecodeError> {
        self.value(field).ok_or_else(|| DecodeError::MissingField {
            kind: self.kind.clone(),
            field,
        })
    }

    fn invalid(&self, field: &'static str, reason: impl Into<String>) -> DecodeError {
        DecodeError::InvalidField {
            kind: self.kind.clone(),
            field,
            reason: reason.into(),
        }
    }

    fn text(&self, field: &'static str) -> Result<String, DecodeError> {
        let mut r = self.get(field)?;
        match r.head().map_err(cbor)? {
            Head::Text(len) => Ok(r.text_body(len).map_err(cbor)?.into_owned()),
            _ => Err(self.invalid(field, "expected text")),
        }
    }

    fn peer(&self, field: &'static str) -> Result<PeerId, DecodeError> {
        self.text(field)?
            .parse()
            .map_err(|e: crate::peer_id::PeerIdError| self.invalid(field, e.to_string()))
    }

    fn document(&self) -> Result<DocumentId, DecodeError> {
        const FIELD: &str = "documentId";
        let mut r = self.get(FIELD)?;
        match r.head().map_err(cbor)? {
            Head::Text(len) => r
                .text_body(len)
                .map_err(cbor)?
                .parse()
                .map_err(|_| self.invalid(FIELD, "not a document id")),
            Head::Bytes(len) => {
                <[u8; 16]>::try_from(r.string_body(len, false).map_err(cbor)?.as_ref())
                    .map(DocumentId::from_bytes)
                    .map_err(|_| self.invalid(FIELD, "not 16 bytes"))
            }
            _ => Err(self.invalid(FIELD, "expected text or bytes")),
        }
    }

    fn data(&self) -> Result<Vec<u8>, DecodeError> {
        let mut r = self.get("data")?;
        match r.head().map_err(cbor)? {
            Head::Bytes(len) => {
                let data = r.string_body(len, false).map_err(cbor)?.into_owned();
                if data.is_empty() {
                    Err(DecodeError::EmptyData {
                        kind: self.kind.clone(),
                    })
                } else {
                    Ok(data)
                }
            }
            _ => Err(self.invalid("data", "expected bytes")),
        }
    }

    fn count(&self, field: &'static str) -> Result<u64, DecodeError> {
        let mut r = self.get(field)?;
        match r.head().map_err(cbor)? {
            Head::Uint(n) => Ok(n),
            Head::Nint(_) => Err(self.invalid(field, "out of range")),
            Head::Float(f)
                if f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 2f64.powi(53) =>
            {
                // An integral float below 2^53 converts exactly.
                Ok(f as u64)
            }
            _ => Err(self.invalid(field, "expected a whole number")),
        }
    }

    fn metadata(&self) -> Result<PeerMetadata, DecodeError> {
        const FIELD: &str = "peerMetadata";
        let Some(mut r) = self.value(FIELD) else {
            return Ok(PeerMetadata::default());
        };
        let start = r.position();
        if r.head().map_err(cbor)? == Head::Null {
            return Ok(PeerMetadata::default());
        }
        let mut r = r.at(start);
        let mut metadata = PeerMetadata::default();
        // Advisory data: JavaScript peers may send `undefined` for absent fields, so
        // anything but the expected type counts as absent.
        let is_map = r
            .map_entries(|key, value| {
                let start = value.position();
                match (key, value.head()?) {
                    ("storageId", Head::Text(len)) => {
                        metadata.storage_id = Some(value.text_body(len)?.into_owned());
                        Ok(())
                    }
                    ("isEphemeral", Head::Bool(b)) => {
                        metadata.is_ephemeral = b;
                        Ok(())
                    }
                    _ => {
                        *value = value.at(start);
                        value.skip()
                    }
                }
            })
            .map_err(cbor)?;
        if is_map {
            Ok(metadata)
        } else {
            Err(self.invalid(FIELD, "expected a map"))
        }
    }

    fn versions(&self) -> Result<Vec<String>, DecodeError> {
        const FIELD: &str = "supportedProtocolVersions";
        let mut r = self.get(FIELD)?;
        let Head::Array(len) = r.head().map_err(cbor)? else {
            return Err(self.invalid(FIELD, "expected a list"));
        };
        let mut versions = Vec::new();
        loop {
            if len.is_some_and(|n| versions.len() as u64 >= n) {
                return Ok(versions);
            }
            match r.head().map_err(cbor)? {
                Head::Break if len.is_none() => return Ok(versions),
                Head::Text(n) if versions.len() < MAX_PROTOCOL_VERSIONS => {
                    versions.push(r.text_body(n).map_err(cbor)?.into_owned());
                }
                Head::Text(_) => {
                    return Err(
                        self.invalid(FIELD, format!("more than {MAX_PROTOCOL_VERSIONS} versions"))
                    );
                }
                _ => return Err(self.invalid(FIELD, "expected a list of text")),
            }
        }
    }
}

impl Message {
    /// Decodes one frame. It reads the frame in place: the values of keys it does not use
    /// are skipped, not built, so decoding costs at most the fields kept.
    pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
        let mut reader = Reader::new(bytes);
        let mut at = [None; KEYS.len()];
        let is_map = reader
            .map_entries(|key, value| {
                if let Some(i) = KEYS.iter().position(|k| *k == key) {
                    at[i] = Some(value.position());
                }
                value.skip()
            })
            .map_err(cbor)?;
        if !is_map {
            return Err(DecodeError::NotAMap);
        }
        if reader.remaining() > 0 {
            return Err(DecodeError::TrailingBytes(reader.remaining()));
        }
        let mut f = Fields {
            kind: String::new(),
            frame: reader,
            at,
        };
        f.kind = match f.value("type") {
            None => {
                return Err(DecodeError::MissingField {
                    kind: "a".into(),
                    field: "type",
                });
            }
            Some(mut r) => match r.head().map_err(cbor)? {
                Head::Text(len) => r.text_body(len).map_err(cbor)?.into_owned(),
                _ => return Err(DecodeError::UnknownType("(not text)".into())),
            },
        };
        let message = match f.kind.as_str() {
            "join" => Message::Join {
                sender_id: f.peer("senderId")?,
                metadata: f.metadata()?,
                supported_protocol_versions: f.versions()?,
            },
            "peer" => Message::Peer {
                sender_id: f.peer("senderId")?,
                target_id: f.peer("targetId")?,
                metadata: f.metadata()?,
                selected_protocol_version: f.text("selectedProtocolVersion")?,
            },
            "error" => Message::Error {
                message: f.text("message")?,
            },
            "leave" => Message::Leave {
                sender_id: f.peer("senderId")?,
            },
            "request" => Message::Request {
                sender_id: f.peer("senderId")?,
                target_id: f.peer("targetId")?,
                document_id: f.document()?,
                data: f.data()?,
            },
            "sync" => Message::Sync {
                sender_id: f.peer("senderId")?,
                target_id: f.peer("targetId")?,
                document_id: f.document()?,
                data: f.data()?,
            },
            "doc-unavailable" => Message::DocUnavailable {
                sender_id: f.peer("senderId")?,
                target_id: f.peer("targetId")?,
                document_id: f.document()?,
            },
            "ephemeral" => Message::Ephemeral {
                sender_id: f.peer("senderId")?,
                target_id: f.peer("targetId")?,
                document_id: f.document()?,
                session_id: f.text("sessionId")?,
                count: f.count("count")?,
                data: f.data()?,
            },
            "remote-subscription-change" => Message::HeadsGossip {
                kind: GossipKind::RemoteSubscriptionChange,
                sender_id: f.peer("senderId")?,
            },
            "remote-heads-changed" => Message::HeadsGossip {
                kind: GossipKind::RemoteHeadsChanged,
                sender_id: f.peer("senderId")?,
            },
            other => return Err(DecodeError::UnknownType(other.to_owned())),
        };
        Ok(message)
    }

    /// Encodes the message as one CBOR map.
    pub fn encode(&self) -> Vec<u8> {
        let text = |s: &str| Value::Text(s.to_owned());
        let mut map: Vec<(Value, Value)> = vec![(text("type"), text(self.kind()))];
        let mut put = |k: &str, v: Value| map.push((text(k), v));
        let metadata = |m: &PeerMetadata| {
            let mut entries = Vec::new();
            if let Some(s) = &m.storage_id {
                entries.push((text("storageId"), text(s)));
            }
            entries.push((text("isEphemeral"), Value::Bool(m.is_ephemeral)));
            Value::Map(entries)
        };
        match self {
            Message::Join {
                sender_id,
                metadata: m,
                supported_protocol_versions,
            } => {
                put("senderId", text(sender_id.as_str()));
                put("peerMetadata", metadata(m));
                put(
                    "supportedProtocolVersions",
                    Value::Array(
                        supported_protocol_versions
                            .iter()
                            .map(|v| text(v))
                            .collect(),
                    ),
                );
            }
            Message::Peer {
                sender_id,
                target_id,
                metadata: m,
                selected_protocol_version,
            } => {
                put("senderId", text(sender_id.as_str()));
                put("targetId", text(target_id.as_str()));
                put("peerMetadata", metadata(m));
                put("selectedProtocolVersion", text(selected_protocol_version));
            }
            Message::Error { message } => put("message", text(message)),
            Message::Leave { sender_id } => put("senderId", text(sender_id.as_str())),
            Message::Request {
                sender_id,
                target_id,
                document_id,
                data,
            }
            | Message::Sync {
                sender_id,
                target_id,
                document_id,
                data,
            } => {
                put("senderId", text(sender_id.as_str()));
                put("targetId", text(target_id.as_str()));
                put("documentId", text(&document_id.to_string()));
                put("data", Value::Bytes(data.clone()));
            }
            Message::DocUnavailable {
                sender_id,
                target_id,
                document_id,
            } => {
                put("senderId", text(sender_id.as_str()));
                put("targetId", text(target_id.as_str()));
                put("documentId", text(&document_id.to_string()));
            }
            Message::Ephemeral {
                sender_id,
                target_id,
                document_id,
                session_id,
                count,
                data,
            } => {
                put("senderId", text(sender_id.as_str()));
                put("targetId", text(target_id.as_str()));
                put("documentId", text(&document_id.to_string()));
                put("sessionId", text(session_id));
                put("count", Value::Integer((*count).into()));
                put("data", Value::Bytes(data.clone()));
            }
            Message::HeadsGossip { sender_id, .. } => put("senderId", text(sender_id.as_str())),
        }
        let mut out = Vec::new();
        // Writing into a Vec cannot fail, and every value above is encodable.
        if ciborium::into_writer(&Value::Map(map), &mut out).is_err() {
            out.clear();
        }
        out
    }
}
