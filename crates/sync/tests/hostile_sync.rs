//! Valid-looking sync messages from a hostile peer (issue 15): well-formed CBOR around
//! arbitrary Automerge sync payloads — Bloom filters with any parameters, hashes the
//! document never had, resets, stray changes — sent to a relay-side session that holds a
//! document other peers use. Whatever the payload, the session does not panic, refuses
//! with an error and a close or answers, and the document stays syncable for others:
//! a newcomer converges on it and the owner's next edit reaches the newcomer.
//! Longer runs: `PROPTEST_CASES=20000 cargo test -p tandem-sync --test hostile_sync --release`.

mod support;

use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, transaction::Transactable};
use proptest::prelude::*;
use support::Store;
use tandem_sync::document_id::DocumentId;
use tandem_sync::{
    message::{Message, PeerMetadata},
    session::{ConnId, Documents, Effect, Handshake, Session},
};

fn doc_id() -> DocumentId {
    DocumentId::from_bytes([0x5e; 16])
}
const MALLORY: ConnId = ConnId(1);
const ALICE: ConnId = ConnId(2);
const BOB: ConnId = ConnId(3);

fn peer(s: &str) -> tandem_sync::peer_id::PeerId {
    s.parse().expect("peer")
}

/// A relay session holding a document with some history, with mallory joined.
fn relay_with_document() -> (Session, Store) {
    let mut relay = Session::new(peer("relay"), PeerMetadata::default());
    let mut store = Store {
        accepts_new: true,
        ..Store::default()
    };
    let mut doc = AutoCommit::new();
    let text = doc.put_object(ROOT, "notes", ObjType::Text).expect("text");
    for i in 0..12 {
        doc.splice_text(&text, 0, 0, &format!("{i} "))
            .expect("splice");
        doc.commit();
    }
    store.docs.insert(doc_id(), doc);
    for (conn, name) in [(MALLORY, "mallory"), (ALICE, "alice")] {
        relay.connect(conn, Handshake::Acceptor);
        let join = Message::Join {
            sender_id: peer(name),
            metadata: PeerMetadata::default(),
            supported_protocol_versions: vec!["1".into()],
        };
        relay.handle(conn, join, &mut store);
    }
    (relay, store)
}

/// Runs a browser-side session `name` on `conn` against the relay until quiet; returns its
/// copy of the document.
fn sync_newcomer(
    relay: &mut Session,
    store: &mut Store,
    conn: ConnId,
    name: &str,
    doc: AutoCommit,
) -> (Session, Store) {
    let mut client = Session::new(peer(name), PeerMetadata::default());
    let mut cstore = Store::default();
    cstore.docs.insert(doc_id(), doc);
    relay.connect(conn, Handshake::Acceptor);
    let mut to_relay: Vec<Message> = Vec::new();
    let mut to_client: Vec<Message> = Vec::new();
    let collect = |effects: Vec<Effect>, out: &mut Vec<Message>| {
        for e in effects {
            if let Effect::Send { message, .. } = e {
                out.push(message);
            }
        }
    };
    collect(
        client.connect(ConnId(1), Handshake::Initiator),
        &mut to_relay,
    );
    for _ in 0..200 {
        if to_relay.is_empty() && to_client.is_empty() {
            break;
        }
        for m in std::mem::take(&mut to_relay) {
            let effects = relay.handle(conn, m, store);
            for e in effects {
                match e {
                    Effect::Send { conn: c, message } if c == conn => to_client.push(message),
                    _ => {}
                }
            }
        }
        for m in std::mem::take(&mut to_client) {
            let mut effects = client.handle(ConnId(1), m.clone(), &mut cstore);
            if matches!(m, Message::Peer { .. }) {
                effects.extend(client.share(doc_id(), &mut cstore));
            }
            collect(effects, &mut to_relay);
        }
    }
    (client, cstore)
}

fn notes(doc: &mut AutoCommit) -> Option<String> {
    let (_, id) = doc.get(ROOT, "notes").ok()??;
    doc.text(&id).ok()
}

/// The document stays syncable after whatever mallory sent: bob converges with the relay
/// and alice's next edit reaches him.
fn still_syncable(relay: &mut Session, store: &mut Store) -> Result<(), TestCaseError> {
    let (mut bob, mut bstore) = sync_newcomer(relay, store, BOB, "bob", AutoCommit::new());
    let relay_heads = store
        .with_doc(&doc_id(), |d| d.get_heads())
        .expect("relay has it");
    let bob_heads = bstore
        .with_doc(&doc_id(), |d| d.get_heads())
        .expect("bob has it");
    prop_assert_eq!(&relay_heads, &bob_heads, "bob converged with the relay");
    // Alice edits through the relay; bob hears it.
    let mut alice_doc = store.docs.get_mut(&doc_id()).expect("doc").fork();
    let text = alice_doc
        .get(ROOT, "notes")
        .ok()
        .flatten()
        .map(|(_, id)| id)
        .expect("notes");
    alice_doc
        .splice_text(&text, 0, 0, "alice ")
        .expect("splice");
    alice_doc.commit();
    let changes = alice_doc.get_changes(&relay_heads);
    store
        .with_doc(&doc_id(), |d| d.apply_changes(changes))
        .expect("relay has it")
        .expect("applies");
    let effects = relay.changed(doc_id(), store);
    let mut delivered = 0;
    for e in effects {
        if let Effect::Send { conn, message } = e
            && conn == BOB
        {
            bob.handle(ConnId(1), message, &mut bstore);
            delivered += 1;
        }
    }
    prop_assert!(delivered > 0, "the relay told bob about alice's edit");
    let seen = bstore
        .docs
        .get_mut(&doc_id())
        .and_then(notes)
        .unwrap_or_default();
    prop_assert!(
        seen.starts_with("alice "),
        "bob sees alice's edit: {seen:?}"
    );
    Ok(())
}

fn sync_from_mallory(data: Vec<u8>) -> Message {
    Message::Sync {
        sender_id: peer("mallory"),
        target_id: peer("relay"),
        document_id: doc_id(),
        data,
    }
}

/// Refusals are an error then a close, and nothing after.
fn refusal_is_well_formed(effects: &[Effect]) -> bool {
    match effects
        .iter()
        .position(|e| matches!(e, Effect::Close { .. }))
    {
        None => true,
        Some(i) => i == effects.len() - 1,
    }
}

fn leb(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[test]
fn the_issues_bloom_filters_are_refused_and_the_document_stays_syncable() {
    for filter in [
        vec![1u8, 0, 7],                                       // divide by zero
        vec![1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff], // u32::MAX probes
        vec![1, 10, 0],                                        // no probes
    ] {
        let mut data = vec![0x42, 0, 0, 1, 0, filter.len() as u8];
        data.extend(&filter);
        data.push(0);
        // The vendored automerge refuses them too.
        assert!(
            automerge::sync::Message::decode(&data).is_err(),
            "{filter:?}"
        );
        let (mut relay, mut store) = relay_with_document();
        let effects = relay.handle(MALLORY, sync_from_mallory(data), &mut store);
        assert!(
            matches!(effects.last(), Some(Effect::Close { reason, .. }) if reason.contains("Bloom filter")),
            "{effects:?}"
        );
        relay.disconnect(MALLORY);
        still_syncable(&mut relay, &mut store).expect("syncable");
    }
}

#[test]
fn presence_memory_is_capped_per_connection_and_goes_with_it() {
    let (mut relay, mut store) = relay_with_document();
    // Mallory syncs the document, then floods presence under fresh session ids.
    let reset = relay.handle(
        MALLORY,
        sync_from_mallory(vec![0x42, 0, 0, 1, 0, 0, 0]),
        &mut store,
    );
    assert!(!reset.iter().any(|e| matches!(e, Effect::Close { .. })));
    for i in 0..2000u64 {
        let effects = relay.handle(
            MALLORY,
            Message::Ephemeral {
                sender_id: peer("mallory"),
                target_id: peer("relay"),
                document_id: doc_id(),
                session_id: format!("s{i}"),
                count: 1,
                data: vec![1],
            },
            &mut store,
        );
        assert!(!effects.iter().any(|e| matches!(e, Effect::Close { .. })));
    }
    assert_eq!(
        relay.ephemeral_sessions(MALLORY),
        tandem_sync::session::MAX_EPHEMERAL_SESSIONS
    );
    relay.disconnect(MALLORY);
    assert_eq!(relay.ephemeral_sessions(MALLORY), 0);
    // Oversized payloads and session ids are refused with a reason.
    relay.connect(MALLORY, Handshake::Acceptor);
    relay.handle(
        MALLORY,
        Message::Join {
            sender_id: peer("mallory"),
            metadata: PeerMetadata::default(),
            supported_protocol_versions: vec!["1".into()],
        },
        &mut store,
    );
    for (session, data) in [("s".to_owned(), vec![0; 5000]), ("x".repeat(200), vec![1])] {
        let effects = relay.handle(
            MALLORY,
            Message::Ephemeral {
                sender_id: peer("mallory"),
                target_id: peer("relay"),
                document_id: doc_id(),
                session_id: session,
                count: 9,
                data,
            },
            &mut store,
        );
        assert!(
            matches!(effects.last(), Some(Effect::Close { reason, .. }) if reason.contains("at most")),
            "{effects:?}"
        );
    }
}

/// Hashes: some real (of the relay's document), some invented.
fn arb_hashes(real: Vec<automerge::ChangeHash>) -> impl Strategy<Value = Vec<[u8; 32]>> {
    let real: Vec<[u8; 32]> = real.iter().map(|h| h.0).collect();
    prop::collection::vec(
        prop_oneof![prop::sample::select(real), any::<[u8; 32]>(),],
        0..4,
    )
}

fn arb_filter() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        (
            0u64..6,
            0u64..80,
            0u64..40,
            prop::collection::vec(any::<u8>(), 0..16),
            any::<bool>()
        )
            .prop_map(|(entries, bits, probes, body, pad)| {
                let mut f = Vec::new();
                leb(entries, &mut f);
                leb(bits, &mut f);
                leb(probes, &mut f);
                f.extend(&body);
                if pad {
                    // Exactly the bits the parameters call for.
                    let need = (entries * bits).div_ceil(8) as usize;
                    f.resize(f.len().max(3 + need), 0xaa);
                }
                f
            }),
    ]
}

fn real_change_bytes() -> Vec<Vec<u8>> {
    let (_, mut store) = relay_with_document();
    let doc = store.docs.get_mut(&doc_id()).expect("doc");
    doc.get_changes(&[])
        .into_iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect()
}

fn arb_payload() -> impl Strategy<Value = Vec<u8>> {
    let (_, mut store) = relay_with_document();
    let doc = store.docs.get_mut(&doc_id()).expect("doc");
    let mut real = doc.get_heads();
    real.extend(doc.get_changes(&[]).iter().take(3).map(|c| c.hash()));
    let changes = real_change_bytes();
    (
        prop::sample::select(vec![0x42u8, 0x43]),
        arb_hashes(real.clone()),
        arb_hashes(real.clone()),
        prop::collection::vec((arb_hashes(real), arb_filter()), 0..3),
        prop::collection::vec(
            prop_oneof![
                prop::sample::select(changes),
                prop::collection::vec(any::<u8>(), 0..40),
            ],
            0..3,
        ),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..3)),
    )
        .prop_map(|(kind, heads, need, haves, changes, flags)| {
            let mut out = vec![kind];
            for list in [&heads, &need] {
                leb(list.len() as u64, &mut out);
                for h in list {
                    out.extend(h);
                }
            }
            leb(haves.len() as u64, &mut out);
            for (last_sync, filter) in &haves {
                leb(last_sync.len() as u64, &mut out);
                for h in last_sync {
                    out.extend(h);
                }
                leb(filter.len() as u64, &mut out);
                out.extend(filter);
            }
            leb(changes.len() as u64, &mut out);
            for c in &changes {
                leb(c.len() as u64, &mut out);
                out.extend(c);
            }
            if let Some(flags) = flags {
                leb(flags.len() as u64, &mut out);
                out.extend(flags);
            }
            out
        })
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    #[test]
    fn valid_looking_sync_messages_leave_the_document_syncable(
        payloads in prop::collection::vec(arb_payload(), 1..4),
    ) {
        let (mut relay, mut store) = relay_with_document();
        for data in payloads {
            let effects = relay.handle(MALLORY, sync_from_mallory(data), &mut store);
            prop_assert!(refusal_is_well_formed(&effects));
            if effects.iter().any(|e| matches!(e, Effect::Close { .. })) {
                relay.disconnect(MALLORY);
                break;
            }
        }
        // Whatever mallory's sync states hold, alice's edits and bob's sync go through
        // (mallory stays connected if it was not refused, and is answered too).
        still_syncable(&mut relay, &mut store)?;
    }
}
