//! The relay as a storing sync peer, over real WebSockets on port 0.

mod support;

use std::time::Duration;

use automerge::{AutoCommit, ROOT, ReadDoc, transaction::Transactable};
use support::{Client, Raw, RunningRelay, app_dir, doc_with, has_notes, scratch};
use tandem_sync::document_id::DocumentId;
use tandem_sync::message::{Message, PeerMetadata};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_document_reaches_a_second_client_and_survives_a_restart() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let id = DocumentId::from_bytes([5; 16]);

    let relay = RunningRelay::start(&data, app.path()).await;
    let alice = relay.owner_of(id).await;
    let mut bob = relay.guest(&alice, id, "editor").await;
    let mut a = Client::connect(&alice, "alice").await;
    a.share(id, doc_with("План на квартал")).await;
    a.settle(Duration::from_millis(300)).await;

    let mut b = Client::connect(&bob, "bob").await;
    b.share(id, AutoCommit::new()).await;
    b.pump_until(WAIT, |c| has_notes(c, id, "План на квартал"))
        .await;

    // A live edit from Alice reaches Bob through the relay.
    let doc = a.docs.docs.get_mut(&id).expect("doc");
    let (_, text) = doc.get(ROOT, "notes").expect("read").expect("notes");
    doc.splice_text(&text, 0, 0, "Новый ").expect("splice");
    doc.commit();
    a.changed(id).await;
    b.pump_until(WAIT, |c| has_notes(c, id, "Новый План на квартал"))
        .await;
    a.settle(Duration::from_millis(200)).await;
    drop((a, b));
    relay.stop().await;

    // A new relay process on the same folder still has it.
    let relay = RunningRelay::start(&data, app.path()).await;
    bob.moved_to(&relay);
    let mut c = Client::connect(&bob, "again").await;
    c.share(id, AutoCommit::new()).await;
    c.pump_until(WAIT, |c| has_notes(c, id, "Новый План на квартал"))
        .await;
    relay.stop().await;
}

#[tokio::test]
async fn asking_for_an_unknown_document_gets_doc_unavailable() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start(&data, app.path()).await;
    let id = DocumentId::from_bytes([6; 16]);
    let carol = relay.owner_of(id).await;
    let mut c = Client::connect(&carol, "carol").await;
    c.share(id, AutoCommit::new()).await;
    c.pump_until(WAIT, |c| c.unavailable.contains(&id)).await;
    relay.stop().await;
}

fn join(name: &str, versions: &[&str]) -> Vec<u8> {
    Message::Join {
        sender_id: name.parse().expect("peer"),
        metadata: PeerMetadata::default(),
        supported_protocol_versions: versions.iter().map(|v| v.to_string()).collect(),
    }
    .encode()
}

async fn expect_refused(raw: &mut Raw, what: &str) -> String {
    let (messages, closed) = raw.drain().await;
    assert!(closed, "{what}: the connection is closed");
    match messages.last() {
        Some(Message::Error { message }) => message.clone(),
        other => panic!("{what}: expected an error message, got {other:?}"),
    }
}

#[tokio::test]
async fn hostile_frames_are_refused_and_everyone_else_keeps_syncing() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay =
        RunningRelay::start_with(&data, app.path(), |c| c.max_message_bytes = 64 * 1024).await;
    let id = DocumentId::from_bytes([7; 16]);
    let owner = relay.owner_of(id).await;
    let mallory = relay.guest(&owner, id, "editor").await;
    let url = mallory.sync_url();
    let mut alice = Client::connect(&owner, "alice").await;
    alice.share(id, doc_with("still here")).await;
    alice.settle(Duration::from_millis(200)).await;

    let mut raw = Raw::connect(&url).await;
    raw.send(b"\xff\xfe not cbor".to_vec()).await;
    let reason = expect_refused(&mut raw, "malformed CBOR").await;
    assert!(reason.contains("malformed"), "{reason}");

    let mut raw = Raw::connect(&url).await;
    raw.send(join(&mallory.peer("m"), &["0.9"])).await;
    let reason = expect_refused(&mut raw, "unsupported version").await;
    assert!(reason.contains("unsupported protocol"), "{reason}");

    let mut raw = Raw::connect(&url).await;
    let mut unknown = Vec::new();
    ciborium::into_writer(
        &ciborium::Value::Map(vec![(
            ciborium::Value::Text("type".into()),
            ciborium::Value::Text("teleport".into()),
        )]),
        &mut unknown,
    )
    .expect("encodes");
    raw.send(unknown).await;
    let reason = expect_refused(&mut raw, "unknown type").await;
    assert!(reason.contains("teleport"), "{reason}");

    let mut raw = Raw::connect(&url).await;
    raw.send(vec![0u8; 128 * 1024]).await;
    let (_, closed) = raw.drain().await;
    assert!(closed, "an oversized frame closes the connection");

    // Claiming another sender after the handshake.
    let mut raw = Raw::connect(&url).await;
    raw.send(join(&mallory.peer("m"), &["1"])).await;
    raw.send(
        Message::Sync {
            sender_id: owner.peer("alice").parse().expect("peer"),
            target_id: "tandem-relay".parse().expect("peer"),
            document_id: id,
            data: vec![0x42, 1],
        }
        .encode(),
    )
    .await;
    let reason = expect_refused(&mut raw, "spoofed sender").await;
    assert!(reason.contains("another sender"), "{reason}");

    // A sync message that is not an Automerge sync message.
    let mut raw = Raw::connect(&url).await;
    raw.send(join(&mallory.peer("m"), &["1"])).await;
    raw.send(
        Message::Sync {
            sender_id: mallory.peer("m").parse().expect("peer"),
            target_id: "tandem-relay".parse().expect("peer"),
            document_id: id,
            data: vec![1, 2, 3, 4],
        }
        .encode(),
    )
    .await;
    let reason = expect_refused(&mut raw, "garbage sync data").await;
    assert!(reason.contains("sync message"), "{reason}");

    // The document and other clients are unaffected.
    let mut bob = Client::connect(&mallory, "bob").await;
    bob.share(id, AutoCommit::new()).await;
    bob.pump_until(WAIT, |c| has_notes(c, id, "still here"))
        .await;
    relay.stop().await;
}

#[tokio::test]
async fn a_second_join_with_the_same_peer_id_replaces_the_first() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start(&data, app.path()).await;
    let alice = relay.device().await;
    let mut first = Raw::connect(&alice.sync_url()).await;
    first.send(join(&alice.peer("alice"), &["1"])).await;
    let _second = Client::connect(&alice, "alice").await;
    let (messages, closed) = first.drain().await;
    assert!(closed, "the earlier socket is closed");
    assert!(matches!(messages.first(), Some(Message::Peer { .. })));
    relay.stop().await;
}

#[tokio::test]
async fn presence_is_forwarded_to_the_others_on_the_document_and_deduplicated() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start(&data, app.path()).await;
    let id = DocumentId::from_bytes([8; 16]);
    let alice = relay.owner_of(id).await;
    let bob = relay.guest(&alice, id, "viewer").await;
    let mut a = Client::connect(&alice, "alice").await;
    a.share(id, doc_with("x")).await;
    a.settle(Duration::from_millis(200)).await;
    let mut b = Client::connect(&bob, "bob").await;
    b.share(id, AutoCommit::new()).await;
    b.pump_until(WAIT, |c| has_notes(c, id, "x")).await;
    // On another document — and not allowed on this one: its presence is dropped.
    let carol = relay.device().await;
    let mut c = Client::connect(&carol, "carol").await;
    c.broadcast(id, "s9", 1, vec![9]).await;

    a.broadcast(id, "s1", 1, vec![1]).await;
    a.broadcast(id, "s1", 1, vec![2]).await; // a repeat: dropped
    a.broadcast(id, "s1", 2, vec![3]).await;
    b.pump_until(WAIT, |c| c.ephemeral.len() >= 2).await;
    b.settle(Duration::from_millis(200)).await;
    let got: Vec<(String, Vec<u8>)> = b
        .ephemeral
        .iter()
        .map(|(_, s, d)| (s.clone(), d.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (alice.peer("alice"), vec![1]),
            (alice.peer("alice"), vec![3])
        ]
    );
    c.settle(Duration::from_millis(200)).await;
    assert!(c.ephemeral.is_empty(), "only peers on the document hear it");
    relay.stop().await;
}

#[tokio::test]
async fn idle_documents_leave_memory_and_come_back_from_disk() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start_with(&data, app.path(), |c| c.evict_after_secs = 1).await;
    let id = DocumentId::from_bytes([9; 16]);
    let health = format!("http://{}/health", relay.addr);
    let in_memory = || async {
        let h: serde_json::Value = reqwest::get(&health)
            .await
            .expect("health")
            .json()
            .await
            .expect("json");
        h["documents_in_memory"].as_u64().expect("a count")
    };
    let alice = relay.owner_of(id).await;
    let mut a = Client::connect(&alice, "alice").await;
    a.share(id, doc_with("kept on disk")).await;
    a.settle(Duration::from_millis(200)).await;
    assert_eq!(in_memory().await, 1);
    // While someone has it open, it stays.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(in_memory().await, 1, "in use: not evicted");
    drop(a);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while in_memory().await > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "evicted within 10 s of the last use"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut b = Client::connect(&alice, "phone").await;
    b.share(id, AutoCommit::new()).await;
    b.pump_until(WAIT, |c| has_notes(c, id, "kept on disk"))
        .await;
    relay.stop().await;
}

#[tokio::test]
async fn shutdown_closes_open_sync_sockets_with_a_close_frame() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start(&data, app.path()).await;
    let alice = relay.device().await;
    let mut raw = Raw::connect(&alice.sync_url()).await;
    raw.send(join(&alice.peer("alice"), &["1"])).await;
    let drained = tokio::spawn(async move { raw.drain().await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    relay.stop().await;
    let (messages, closed) = drained.await.expect("joins");
    assert!(closed, "the socket was closed by the relay");
    assert!(
        matches!(messages.last(), Some(Message::Error { message }) if message.contains("shutting down")),
        "told why: {messages:?}"
    );
}

#[tokio::test]
async fn a_reader_who_asks_before_the_writer_brings_the_document_gets_it_when_it_arrives() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let id = DocumentId::from_bytes([8; 16]);
    let relay = RunningRelay::start(&data, app.path()).await;
    let alice = relay.owner_of(id).await;
    let bob = relay.guest(&alice, id, "viewer").await;

    // Bob opens his link first: the relay has nothing yet and says so.
    let mut b = Client::connect(&bob, "bob").await;
    b.share(id, AutoCommit::new()).await;
    b.pump_until(WAIT, |c| c.unavailable.contains(&id)).await;

    // Alice brings the document; Bob, still connected, receives it without asking again.
    let mut a = Client::connect(&alice, "alice").await;
    a.share(id, doc_with("Roadmap 2027")).await;
    a.settle(Duration::from_millis(200)).await;
    b.pump_until(WAIT, |c| has_notes(c, id, "Roadmap 2027"))
        .await;
    relay.stop().await;
}
