//! A reconnection starts from the heads both sides were known to share: its first message
//! describes only what changed since, instead of a filter over the whole history — and it
//! still converges when that memory is wrong (the remote lost data, or this peer never had
//! the remembered change).

use std::collections::HashMap;

use automerge::{AutoCommit, ChangeHash, ROOT, ReadDoc, transaction::Transactable};
use tandem_sync::document_id::DocumentId;
use tandem_sync::{
    message::Message,
    session::{ConnId, Effect, Handshake, Session},
};

mod support;
use support::Store;

struct Peer {
    session: Session,
    store: Store,
}

fn doc_id() -> DocumentId {
    DocumentId::from_bytes([7; 16])
}

const BROWSER_CONN: ConnId = ConnId(1);
const RELAY_CONN: ConnId = ConnId(2);

fn peer(name: &str, doc: Option<AutoCommit>, accepts_new: bool) -> Peer {
    let mut docs = HashMap::new();
    if let Some(d) = doc {
        docs.insert(doc_id(), d);
    }
    Peer {
        session: Session::new(name.parse().expect("peer id"), Default::default()),
        store: Store {
            docs,
            accepts_new,
            remembered: Vec::new(),
        },
    }
}

/// A document with a long history: `n` changes of one key each.
fn long_history(n: usize) -> AutoCommit {
    let mut doc = AutoCommit::new();
    for i in 0..n {
        doc.put(ROOT, "n", i as i64).expect("put");
        doc.commit();
    }
    doc
}

/// Connects the browser to the relay, runs the exchange to quiet, and returns the size of
/// the first sync message the browser sent (the one a reconnection pays for).
fn connect_and_sync(browser: &mut Peer, relay: &mut Peer) -> usize {
    connect_and_sync_both(browser, relay).0
}

/// The same, with the size of the relay's first sync message too.
fn connect_and_sync_both(browser: &mut Peer, relay: &mut Peer) -> (usize, usize) {
    let mut to_relay: Vec<Vec<u8>> = Vec::new();
    let mut to_browser: Vec<Vec<u8>> = Vec::new();
    let mut first_sync_len = None;
    let route = |effects: Vec<Effect>, out: &mut Vec<Vec<u8>>, first: &mut Option<usize>| {
        for e in effects {
            if let Effect::Send { message, .. } = e {
                if let Message::Sync { data, .. } | Message::Request { data, .. } = &message {
                    first.get_or_insert(data.len());
                }
                out.push(message.encode());
            }
        }
    };
    let mut relay_first = None;
    route(
        relay.session.connect(RELAY_CONN, Handshake::Acceptor),
        &mut to_browser,
        &mut relay_first,
    );
    route(
        browser.session.connect(BROWSER_CONN, Handshake::Initiator),
        &mut to_relay,
        &mut first_sync_len,
    );
    let _ = browser.session.share(doc_id(), &mut browser.store);
    for _ in 0..100 {
        if to_relay.is_empty() && to_browser.is_empty() {
            break;
        }
        for frame in std::mem::take(&mut to_relay) {
            let effects = relay.session.receive(RELAY_CONN, &frame, &mut relay.store);
            assert!(
                !effects.iter().any(|e| matches!(e, Effect::Close { .. })),
                "the relay closed the connection: {effects:?}"
            );
            route(effects, &mut to_browser, &mut relay_first);
        }
        for frame in std::mem::take(&mut to_browser) {
            let effects = browser
                .session
                .receive(BROWSER_CONN, &frame, &mut browser.store);
            assert!(
                !effects.iter().any(|e| matches!(e, Effect::Close { .. })),
                "the browser closed the connection: {effects:?}"
            );
            route(effects, &mut to_relay, &mut first_sync_len);
        }
    }
    assert!(
        to_relay.is_empty() && to_browser.is_empty(),
        "never settled"
    );
    (
        first_sync_len.expect("the browser sent a sync message"),
        relay_first.expect("the relay sent a sync message"),
    )
}

fn disconnect(browser: &mut Peer, relay: &mut Peer) {
    browser.session.disconnect(BROWSER_CONN);
    relay.session.disconnect(RELAY_CONN);
}

fn heads(p: &mut Peer) -> Vec<ChangeHash> {
    p.store.docs.get_mut(&doc_id()).expect("doc").get_heads()
}

fn value(p: &Peer) -> i64 {
    match p.store.docs[&doc_id()].get(ROOT, "n").expect("read") {
        Some((automerge::Value::Scalar(s), _)) => s.as_i64().expect("int"),
        other => panic!("no value: {other:?}"),
    }
}

/// Both sides hold a 3,000-change document and the browser made one change offline.
fn synced_then_one_offline_edit() -> (Peer, Peer) {
    let doc = long_history(3_000);
    let mut browser = peer("browser", Some(doc.clone()), false);
    let mut relay = peer("relay", Some(doc), true);
    connect_and_sync(&mut browser, &mut relay);
    disconnect(&mut browser, &mut relay);
    browser
        .store
        .docs
        .get_mut(&doc_id())
        .expect("doc")
        .put(ROOT, "n", 9_999)
        .expect("put");
    (browser, relay)
}

#[test]
fn a_reconnection_with_remembered_heads_sends_only_what_changed_since() {
    // Without memory: the first message filters all 3,000 changes (≥ 10 bits each).
    let (mut forgetful, mut relay) = synced_then_one_offline_edit();
    let full = connect_and_sync(&mut forgetful, &mut relay);
    assert!(
        full > 3_000,
        "a first message without memory was {full} bytes"
    );
    assert_eq!(heads(&mut forgetful), heads(&mut relay));
    assert_eq!(value(&relay), 9_999);

    // With memory of the relay's heads: a few hundred bytes at most, and the same result.
    // The relay keeps no memory of its own, yet its answer is small too: it starts from the
    // heads the browser named (otherwise the browser would walk every change again for
    // each message it sends until the exchange settles).
    let (mut browser, mut relay) = synced_then_one_offline_edit();
    browser.store.remembered = heads(&mut relay);
    let (small, answer) = connect_and_sync_both(&mut browser, &mut relay);
    assert!(
        small < 300,
        "a first message from remembered heads was {small} bytes"
    );
    assert!(answer < 300, "the relay's first answer was {answer} bytes");
    assert_eq!(heads(&mut browser), heads(&mut relay));
    assert_eq!(value(&relay), 9_999);
}

#[test]
fn remembered_heads_the_relay_lost_still_converge() {
    // The browser remembers heads from a relay that has since lost everything after the
    // first 2,000 changes (restored from an old backup): the relay asks for a reset and
    // receives what it lacks.
    let mut doc = long_history(2_000);
    let old = doc.fork();
    for i in 2_000..3_000 {
        doc.put(ROOT, "n", i).expect("put");
        doc.commit();
    }
    let remembered = doc.get_heads();
    doc.put(ROOT, "n", 9_999).expect("put");
    let mut browser = peer("browser", Some(doc), false);
    let mut relay = peer("relay", Some(old), true);
    browser.store.remembered = remembered;
    connect_and_sync(&mut browser, &mut relay);
    assert_eq!(heads(&mut browser), heads(&mut relay));
    assert_eq!(value(&relay), 9_999);
    assert_eq!(
        relay
            .store
            .docs
            .get_mut(&doc_id())
            .expect("doc")
            .get_changes(&[])
            .len(),
        3_001
    );
}

#[test]
fn remembered_heads_this_peer_does_not_hold_are_ignored() {
    // A remembered head this browser never received (another tab's, say) is not claimed as
    // shared: the browser starts from nothing and still converges.
    let (mut browser, mut relay) = synced_then_one_offline_edit();
    let mut elsewhere = long_history(1);
    elsewhere.put(ROOT, "other", 1).expect("put");
    browser.store.remembered = elsewhere.get_heads();
    let len = connect_and_sync(&mut browser, &mut relay);
    assert!(
        len > 3_000,
        "an unknown head was used as shared ({len} bytes)"
    );
    assert_eq!(heads(&mut browser), heads(&mut relay));
    assert_eq!(value(&relay), 9_999);
}

#[test]
fn a_relay_with_nothing_gets_everything_despite_remembered_heads() {
    // The relay's store was wiped; the browser's memory says it had everything.
    let (mut browser, mut relay) = synced_then_one_offline_edit();
    browser.store.remembered = heads(&mut relay);
    let mut empty = peer("relay", None, true);
    connect_and_sync(&mut browser, &mut empty);
    assert_eq!(heads(&mut browser), heads(&mut empty));
    assert_eq!(value(&empty), 9_999);
}
