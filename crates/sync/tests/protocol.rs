//! Wire messages: round trips, what the JavaScript implementation sends, and refusals.

use ciborium::Value;
use tandem_domain::document_id::DocumentId;
use tandem_sync::{
    message::{DecodeError, GossipKind, Message, PeerMetadata},
    peer_id::PeerId,
};

fn peer(s: &str) -> PeerId {
    s.parse().expect("peer id")
}

fn doc() -> DocumentId {
    DocumentId::from_bytes([3; 16])
}

fn cbor(entries: Vec<(&str, Value)>) -> Vec<u8> {
    let map = Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Value::Text(k.into()), v))
            .collect(),
    );
    let mut out = Vec::new();
    ciborium::into_writer(&map, &mut out).expect("encodes");
    out
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[test]
fn every_message_round_trips() {
    let metadata = PeerMetadata {
        storage_id: Some("store-1".into()),
        is_ephemeral: false,
    };
    let messages = vec![
        Message::Join {
            sender_id: peer("a"),
            metadata: metadata.clone(),
            supported_protocol_versions: vec!["1".into()],
        },
        Message::Peer {
            sender_id: peer("relay"),
            target_id: peer("a"),
            metadata: PeerMetadata::default(),
            selected_protocol_version: "1".into(),
        },
        Message::Error {
            message: "nope".into(),
        },
        Message::Leave {
            sender_id: peer("a"),
        },
        Message::Request {
            sender_id: peer("a"),
            target_id: peer("relay"),
            document_id: doc(),
            data: vec![1, 2, 3],
        },
        Message::Sync {
            sender_id: peer("a"),
            target_id: peer("relay"),
            document_id: doc(),
            data: vec![4],
        },
        Message::DocUnavailable {
            sender_id: peer("relay"),
            target_id: peer("a"),
            document_id: doc(),
        },
        Message::Ephemeral {
            sender_id: peer("a"),
            target_id: peer("relay"),
            document_id: doc(),
            session_id: "s".into(),
            count: 7,
            data: vec![9, 9],
        },
    ];
    for m in messages {
        assert_eq!(Message::decode(&m.encode()), Ok(m.clone()), "{}", m.kind());
    }
}

#[test]
fn accepts_what_javascript_peers_send() {
    // cbor-x encodes whole numbers that passed through a float as floats, and samod
    // accepts document ids as bytes.
    let frame = cbor(vec![
        ("type", text("ephemeral")),
        ("senderId", text("js-peer")),
        ("targetId", text("relay")),
        ("documentId", Value::Bytes(vec![3; 16])),
        ("sessionId", text("abc")),
        ("count", Value::Float(12.0)),
        ("data", Value::Bytes(vec![1])),
        ("someFutureKey", text("ignored")),
    ]);
    match Message::decode(&frame) {
        Ok(Message::Ephemeral {
            count, document_id, ..
        }) => {
            assert_eq!(count, 12);
            assert_eq!(document_id, doc());
        }
        other => panic!("expected an ephemeral message, got {other:?}"),
    }
    let join = cbor(vec![
        ("type", text("join")),
        ("senderId", text("js-peer")),
        ("supportedProtocolVersions", Value::Array(vec![text("1")])),
        (
            "peerMetadata",
            Value::Map(vec![(text("isEphemeral"), Value::Bool(true))]),
        ),
    ]);
    assert!(
        matches!(Message::decode(&join), Ok(Message::Join { metadata, .. }) if metadata.is_ephemeral)
    );
    let gossip = cbor(vec![
        ("type", text("remote-heads-changed")),
        ("senderId", text("js-peer")),
        ("targetId", text("relay")),
        ("documentId", text(&doc().to_string())),
        ("newHeads", Value::Map(vec![])),
    ]);
    assert!(matches!(
        Message::decode(&gossip),
        Ok(Message::HeadsGossip {
            kind: GossipKind::RemoteHeadsChanged,
            ..
        })
    ));
}

#[test]
fn refuses_malformed_frames_with_a_reason() {
    let sync_without = |skip: &str| {
        let all = vec![
            ("type", text("sync")),
            ("senderId", text("a")),
            ("targetId", text("b")),
            ("documentId", text(&doc().to_string())),
            ("data", Value::Bytes(vec![1])),
        ];
        cbor(all.into_iter().filter(|(k, _)| *k != skip).collect())
    };
    for field in ["senderId", "targetId", "documentId", "data"] {
        assert!(
            matches!(Message::decode(&sync_without(field)), Err(DecodeError::MissingField { field: f, .. }) if f == field),
            "missing {field}"
        );
    }
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![], "empty frame"),
        (vec![0xff, 0x00, 0x13], "garbage"),
        (cbor(vec![("type", text("teleport"))]), "unknown type"),
        (cbor(vec![("senderId", text("a"))]), "no type"),
        (
            cbor(vec![
                ("type", text("sync")),
                ("senderId", text("a")),
                ("targetId", text("b")),
                ("documentId", text(&doc().to_string())),
                ("data", Value::Bytes(vec![])),
            ]),
            "zero-length data",
        ),
        (
            cbor(vec![
                ("type", text("sync")),
                ("senderId", text("a")),
                ("targetId", text("b")),
                ("documentId", text("not-a-doc-id")),
                ("data", Value::Bytes(vec![1])),
            ]),
            "bad document id",
        ),
        (
            cbor(vec![
                ("type", text("sync")),
                ("senderId", text("")),
                ("targetId", text("b")),
                ("documentId", text(&doc().to_string())),
                ("data", Value::Bytes(vec![1])),
            ]),
            "empty sender",
        ),
        (
            cbor(vec![
                ("type", text("sync")),
                ("senderId", text("a")),
                ("targetId", text("b")),
                ("documentId", text(&doc().to_string())),
                ("data", text("not bytes")),
            ]),
            "text data",
        ),
        (
            cbor(vec![
                ("type", text("ephemeral")),
                ("senderId", text("a")),
                ("targetId", text("b")),
                ("documentId", text(&doc().to_string())),
                ("sessionId", text("s")),
                ("count", Value::Float(-1.5)),
                ("data", Value::Bytes(vec![1])),
            ]),
            "negative fractional count",
        ),
        (
            {
                let mut f = Message::Leave {
                    sender_id: peer("a"),
                }
                .encode();
                f.push(0);
                f
            },
            "trailing bytes",
        ),
        (
            {
                let mut out = Vec::new();
                ciborium::into_writer(&Value::Array(vec![text("sync")]), &mut out)
                    .expect("encodes");
                out
            },
            "an array",
        ),
    ];
    for (frame, what) in cases {
        assert!(Message::decode(&frame).is_err(), "{what} must be refused");
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    // 100,000 nested arrays: a naive recursive decoder would overflow the stack.
    let mut frame = vec![0x81; 100_000];
    frame.push(0x00);
    assert!(Message::decode(&frame).is_err());
}
