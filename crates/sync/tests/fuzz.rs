//! Hostile input, fuzzed for a bounded time in every test run (proptest on stable Rust;
//! `cargo fuzz` needs a nightly toolchain these machines do not have). Longer runs:
//! `PROPTEST_CASES=200000 cargo test -p tandem-sync --test fuzz --release`.
//! A failing input is saved by proptest under `tests/fuzz.proptest-regressions` and
//! replayed first on every later run: commit it.
//!
//! The property everywhere: no panic, and anything refused is refused with an error
//! message and a close — never half-applied.

use automerge::{AutoCommit, ObjType, ROOT, sync::SyncDoc, transaction::Transactable};
use ciborium::Value;
use proptest::prelude::*;
use tandem_sync::document_id::DocumentId;
use tandem_sync::{
    message::{Message, PeerMetadata},
    session::{ConnId, Documents, Effect, Handshake, Session},
};

#[derive(Default)]
struct Docs(std::collections::HashMap<DocumentId, AutoCommit>);

impl Documents for Docs {
    fn with_doc<R>(&mut self, id: &DocumentId, f: impl FnOnce(&mut AutoCommit) -> R) -> Option<R> {
        self.0.get_mut(id).map(f)
    }
    fn create(&mut self, id: &DocumentId) -> bool {
        self.0.entry(*id).or_default();
        true
    }
}

fn doc_id() -> DocumentId {
    DocumentId::from_bytes([9; 16])
}
const CONN: ConnId = ConnId(1);

/// A relay-side session that has finished the handshake with "mallory".
fn ready_relay() -> (Session, Docs) {
    let mut s = Session::new("relay".parse().expect("peer"), PeerMetadata::default());
    let mut docs = Docs::default();
    s.connect(CONN, Handshake::Acceptor);
    let join = Message::Join {
        sender_id: "mallory".parse().expect("peer"),
        metadata: PeerMetadata::default(),
        supported_protocol_versions: vec!["1".into()],
    };
    let effects = s.receive(CONN, &join.encode(), &mut docs);
    assert!(matches!(effects.last(), Some(Effect::PeerReady { .. })));
    (s, docs)
}

/// A real Automerge sync message carrying changes.
fn real_sync_data() -> Vec<u8> {
    let mut doc = AutoCommit::new();
    let text = doc.put_object(ROOT, "notes", ObjType::Text).expect("text");
    doc.splice_text(&text, 0, 0, "Зимний запуск")
        .expect("splice");
    doc.commit();
    let mut state = automerge::sync::State::new();
    let first = doc
        .sync()
        .generate_sync_message(&mut state)
        .expect("a message");
    // The first message has no changes; answer it as a peer that has nothing to get them.
    let mut other = AutoCommit::new();
    let mut other_state = automerge::sync::State::new();
    other
        .sync()
        .receive_sync_message(&mut other_state, first)
        .expect("receives");
    let reply = other
        .sync()
        .generate_sync_message(&mut other_state)
        .expect("reply");
    doc.sync()
        .receive_sync_message(&mut state, reply)
        .expect("receives");
    doc.sync()
        .generate_sync_message(&mut state)
        .expect("changes")
        .encode()
}

/// Refusals come as an error message followed by a close, in that order.
fn refusal_is_well_formed(effects: &[Effect]) -> bool {
    match effects
        .iter()
        .position(|e| matches!(e, Effect::Close { .. }))
    {
        None => true,
        Some(i) => i == effects.len() - 1,
    }
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|n| Value::Integer(n.into())),
        any::<bool>().prop_map(Value::Bool),
        ".{0,12}".prop_map(Value::Text),
        prop::collection::vec(any::<u8>(), 0..24).prop_map(Value::Bytes),
        Just(Value::Null),
        any::<f64>().prop_map(Value::Float),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((".{0,10}".prop_map(Value::Text), inner), 0..6)
                .prop_map(Value::Map),
        ]
    })
}

/// Maps shaped like protocol messages: a known `type`, the usual field names, any values.
fn arb_message_like() -> impl Strategy<Value = Vec<u8>> {
    let kinds = prop::sample::select(vec![
        "join",
        "peer",
        "error",
        "leave",
        "request",
        "sync",
        "doc-unavailable",
        "ephemeral",
        "remote-heads-changed",
        "remote-subscription-change",
        "teleport",
    ]);
    let fields = prop::sample::select(vec![
        "senderId",
        "targetId",
        "documentId",
        "data",
        "metadata",
        "supportedProtocolVersions",
        "selectedProtocolVersion",
        "sessionId",
        "count",
        "message",
        "newHeads",
        "peerMetadata",
    ]);
    (kinds, prop::collection::vec((fields, arb_value()), 0..8)).prop_map(|(kind, entries)| {
        let mut map = vec![(Value::Text("type".into()), Value::Text(kind.into()))];
        map.extend(entries.into_iter().map(|(k, v)| (Value::Text(k.into()), v)));
        let mut out = Vec::new();
        ciborium::into_writer(&Value::Map(map), &mut out).expect("encodes");
        out
    })
}

/// `PROPTEST_CASES` for longer runs; `default` in the test command.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2000)))]

    #[test]
    fn random_bytes_never_panic_the_decoder_or_the_session(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Message::decode(&bytes);
        let (mut s, mut docs) = ready_relay();
        let effects = s.receive(CONN, &bytes, &mut docs);
        prop_assert!(refusal_is_well_formed(&effects));
    }

    #[test]
    fn message_shaped_maps_never_panic(bytes in arb_message_like()) {
        let (mut s, mut docs) = ready_relay();
        let effects = s.receive(CONN, &bytes, &mut docs);
        prop_assert!(refusal_is_well_formed(&effects));
    }

    #[test]
    fn mutated_sync_data_is_refused_or_applied_never_half(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut data = real_sync_data();
        for (i, b) in flips {
            let at = i.index(data.len());
            data[at] ^= b | 1;
        }
        if truncate {
            data.truncate(cut.index(data.len()));
        }
        let (mut s, mut docs) = ready_relay();
        let message = Message::Sync {
            sender_id: "mallory".parse().expect("peer"),
            target_id: "relay".parse().expect("peer"),
            document_id: doc_id(),
            data,
        };
        let effects = s.receive(CONN, &message.encode(), &mut docs);
        prop_assert!(refusal_is_well_formed(&effects));
        // Whatever was accepted loads again from its own save.
        if let Some(doc) = docs.0.get_mut(&doc_id()) {
            let saved = doc.save();
            prop_assert!(AutoCommit::load(&saved).is_ok());
        }
    }

    #[test]
    fn mutated_frames_of_valid_messages_never_panic(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let message = Message::Sync {
            sender_id: "mallory".parse().expect("peer"),
            target_id: "relay".parse().expect("peer"),
            document_id: doc_id(),
            data: real_sync_data(),
        };
        let mut frame = message.encode();
        for (i, b) in flips {
            let at = i.index(frame.len());
            frame[at] ^= b | 1;
        }
        let (mut s, mut docs) = ready_relay();
        let effects = s.receive(CONN, &frame, &mut docs);
        prop_assert!(refusal_is_well_formed(&effects));
    }
}
