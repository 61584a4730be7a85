//! Wire messages: round trips, what the JavaScript implementation sends, and refusals.

use ciborium::Value;
use tandem_sync::document_id::DocumentId;
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

/// Frames exactly as `@automerge/automerge-repo` 2.5's own CBOR helper (cbor-x) writes
/// them — maps with two-byte lengths, `undefined` for an absent storage id, a nested
/// presence payload, a float timestamp in gossip — captured with
/// `import * as cbor from '@automerge/automerge-repo/helpers/cbor.js'; cbor.encode(m)`.
#[test]
fn decodes_frames_written_by_automerge_repo_itself() {
    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }
    let join = hex(
        "b900046474797065646a6f696e6873656e6465724964676a732d706565726c706565724d65746164617461b900026973746f726167654964f76b6973457068656d6572616cf47819737570706f7274656450726f746f636f6c56657273696f6e73816131",
    );
    match Message::decode(&join) {
        Ok(Message::Join {
            sender_id,
            metadata,
            supported_protocol_versions,
        }) => {
            assert_eq!(sender_id.as_str(), "js-peer");
            assert_eq!(metadata, PeerMetadata::default());
            assert_eq!(supported_protocol_versions, vec!["1".to_owned()]);
        }
        other => panic!("join: {other:?}"),
    }
    let sync = hex(
        "b9000564747970656473796e636873656e6465724964676a732d706565726874617267657449646572656c61796a646f63756d656e744964781c32535a39556f4a675a7451676d3147314435705772714e465a6b6f5764646174614742000001000000",
    );
    assert!(
        matches!(Message::decode(&sync), Ok(Message::Sync { data, .. }) if data == [0x42, 0, 0, 1, 0, 0, 0])
    );
    let ephemeral = hex(
        "b90007647479706569657068656d6572616c6873656e6465724964676a732d706565726874617267657449646572656c61796a646f63756d656e744964781c32535a39556f4a675a7451676d3147314435705772714e465a6b6f576973657373696f6e49646661316232633365636f756e740c6464617461582cb900036870726573656e63656468657265646e616d6568d09cd0b0d188d0b064736964656763726561746f72",
    );
    match Message::decode(&ephemeral) {
        Ok(Message::Ephemeral {
            session_id,
            count,
            data,
            ..
        }) => {
            assert_eq!((session_id.as_str(), count), ("a1b2c3", 12));
            assert_eq!(
                tandem_sync::presence::Announcement::decode(&data),
                Some(tandem_sync::presence::Announcement::Here(
                    tandem_sync::presence::Presence {
                        name: "Маша".into(),
                        side: tandem_sync::presence::Side::Creator,
                    }
                ))
            );
        }
        other => panic!("ephemeral: {other:?}"),
    }
    let gossip = hex(
        "b9000564747970657472656d6f74652d68656164732d6368616e6765646873656e6465724964676a732d706565726874617267657449646572656c61796a646f63756d656e744964781c32535a39556f4a675a7451676d3147314435705772714e465a6b6f57686e65774865616473b900016973746f726167652d31b9000265686561647381636162636974696d657374616d70fb427937ed97200800",
    );
    assert!(matches!(
        Message::decode(&gossip),
        Ok(Message::HeadsGossip {
            kind: GossipKind::RemoteHeadsChanged,
            ..
        })
    ));
}
