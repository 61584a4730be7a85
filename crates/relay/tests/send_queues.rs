//! Outgoing queues bounded in bytes (issue 15, items 6 and 3), against the relay binary:
//! big presence messages to peers that do not read cannot pile up in the relay's memory,
//! a slow reader loses presence before it loses its connection, and only sync messages
//! may be large.

mod support;

use std::time::Duration;

use automerge::AutoCommit;
use support::{Client, Device, Raw, RelayBinary, doc_with, edit_acknowledged_within, has_notes};
use tandem_sync::document_id::DocumentId;
use tandem_sync::{message::Message, peer_id::PeerId};

const WAIT: Duration = Duration::from_secs(20);

async fn health_connections(relay: &RelayBinary) -> u64 {
    let health: serde_json::Value = reqwest::get(format!("http://{}/health", relay.addr))
        .await
        .expect("health answers")
        .json()
        .await
        .expect("JSON");
    health["connections"].as_u64().expect("a count")
}

fn random(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut v);
    v
}

#[tokio::test]
async fn big_presence_to_peers_that_do_not_read_is_not_held_in_memory() {
    // Presence of 4 MiB is let through the size check, so what is measured is the queues;
    // the idle timeout is long because this test's clients do not read (so do not pong)
    // while it sends, which in a debug build under load can take a minute.
    let relay = RelayBinary::start(&[
        "--max-control-message-bytes",
        "5000000",
        "--idle-timeout-secs",
        "600",
    ])
    .await;
    let id = DocumentId::from_bytes([0x81; 16]);
    let owner = Device::register_at(&relay.addr).await;
    owner.claim(id).await;
    let mut sender = Client::connect(&owner, "sender").await;
    sender.share(id, doc_with("start")).await;
    edit_acknowledged_within(&mut sender, id, WAIT).await;
    // Six peers sync the document, then never read again.
    let mut stalled = Vec::new();
    for n in 0..6 {
        let mut c = Client::connect_with_small_buffers(&owner, &format!("stalled{n}")).await;
        c.share(id, AutoCommit::new()).await;
        c.pump_until(WAIT, |c| has_notes(c, id, "startx")).await;
        stalled.push(c);
    }
    // An unrelated partnership, typed on throughout.
    let other = DocumentId::from_bytes([0x82; 16]);
    let typist_device = Device::register_at(&relay.addr).await;
    typist_device.claim(other).await;
    let mut typist = Client::connect(&typist_device, "typist").await;
    typist.share(other, doc_with("elsewhere")).await;
    let baseline_trip = edit_acknowledged_within(&mut typist, other, WAIT).await;
    let baseline = relay.rss_kib();

    // Presence is capped at 4 KiB a payload by the session (see `hostile_memory.rs`), so
    // each 4 MiB presence is refused at once and its connection closed: it is never queued
    // for the six, which is what held +1 GiB before. Forty attackers in a row, each one
    // frame past the frame-size check: four editor devices, ten connections each (a device
    // refused ten times in a minute is turned away at the upgrade after that).
    let mut attackers = Vec::new();
    for _ in 0..4 {
        let device = Device::register_at(&relay.addr).await;
        let link = owner.link(id, "editor", None).await;
        assert_eq!(device.redeem(&link.secret).await.0, 200);
        attackers.push(device);
    }
    // What a peer holding the whole partnership first sends (its heads, not a reset).
    let caught_up = {
        use automerge::sync::SyncDoc;
        let mut copy = sender.docs.docs.get_mut(&id).expect("the doc").fork();
        let mut state = automerge::sync::State::new();
        copy.sync()
            .generate_sync_message(&mut state)
            .expect("a first message")
            .encode()
    };
    let mut peak = baseline;
    for n in 0..40u64 {
        let name = format!("attacker{n}");
        let attacker = &attackers[n as usize % attackers.len()];
        let mut raw = support::joined(attacker, &name).await;
        let sender_id: PeerId = attacker.peer(&name).parse().expect("peer");
        raw.send(
            Message::Sync {
                sender_id: sender_id.clone(),
                target_id: "tandem-relay".parse().expect("peer"),
                document_id: id,
                data: caught_up.clone(),
            }
            .encode(),
        )
        .await;
        raw.send(
            Message::Ephemeral {
                sender_id,
                target_id: "tandem-relay".parse().expect("peer"),
                document_id: id,
                session_id: "s".into(),
                count: n + 1,
                data: random(4 * 1024 * 1024),
            }
            .encode(),
        )
        .await;
        let reason = support::refused_with(&mut raw).await;
        assert!(reason.contains("at most 4096"), "{reason}");
        peak = peak.max(relay.rss_kib());
    }
    let during_trip = edit_acknowledged_within(&mut typist, other, WAIT).await;
    for _ in 0..20 {
        peak = peak.max(relay.rss_kib());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "40 x 4 MiB presence to 6 peers that do not read: relay RSS {} MiB before, peak {} MiB (+{} MiB); an edit elsewhere {baseline_trip:?} before, {during_trip:?} during",
        baseline / 1024,
        peak / 1024,
        (peak - baseline) / 1024
    );
    // Held frame for frame, this was +1 GiB. Now: the decoding of what arrives.
    assert!(
        peak - baseline < 300 * 1024,
        "peak RSS +{} MiB",
        (peak - baseline) / 1024
    );
    // Nobody but the attackers was disconnected.
    assert_eq!(health_connections(&relay).await, 8);
    assert!(sender.closed.is_none() && typist.closed.is_none());
    drop(stalled);
    relay.stop().await;
}

#[tokio::test]
async fn a_slow_reader_loses_presence_before_its_connection() {
    // A small queue: 64 frames or 1 MiB. Before, 64 presence frames were enough to drop it.
    let relay = RelayBinary::start(&["--send-queue", "64", "--send-queue-bytes", "1048576"]).await;
    let id = DocumentId::from_bytes([0x83; 16]);
    let owner = Device::register_at(&relay.addr).await;
    owner.claim(id).await;
    let mut sender = Client::connect(&owner, "sender").await;
    sender.share(id, doc_with("start")).await;
    edit_acknowledged_within(&mut sender, id, WAIT).await;
    let mut slow = Client::connect_with_small_buffers(&owner, "slow").await;
    slow.share(id, AutoCommit::new()).await;
    slow.pump_until(WAIT, |c| has_notes(c, id, "startx")).await;
    let mut fast = Client::connect(&owner, "fast").await;
    fast.share(id, AutoCommit::new()).await;
    fast.pump_until(WAIT, |c| has_notes(c, id, "startx")).await;

    // 2,000 presence messages of 4 KiB (8 MiB): far past both bounds for the slow one.
    const SENT: u64 = 2000;
    for n in 0..SENT {
        sender.broadcast(id, "s", n + 1, random(4096)).await;
    }
    // The fast peer sees presence arrive.
    fast.pump_until(WAIT, |c| {
        c.ephemeral.iter().any(|(_, _, d)| d.len() == 4096)
    })
    .await;
    assert_eq!(
        health_connections(&relay).await,
        3,
        "the slow reader is still connected"
    );
    // The slow one reads again: some presence, dropped in part, and then an edit.
    edit_acknowledged_within(&mut sender, id, WAIT).await;
    slow.pump_until(WAIT, |c| has_notes(c, id, "startxx")).await;
    let got = slow.ephemeral.len() as u64;
    println!("the slow reader got {got} of {SENT} presence messages and stayed connected");
    assert!(got < SENT, "presence was dropped for it");
    assert!(slow.closed.is_none());
    relay.stop().await;
}

#[tokio::test]
async fn only_sync_messages_may_be_large() {
    let relay = RelayBinary::start(&[]).await;
    let id = DocumentId::from_bytes([0x84; 16]);
    let owner = Device::register_at(&relay.addr).await;
    owner.claim(id).await;
    let mut bystander = Client::connect(&owner, "bystander").await;
    bystander.share(id, doc_with("calm")).await;

    // Presence of 100 KiB: refused, and the connection closed with the reason.
    let mut raw = Raw::connect(&owner.sync_url()).await;
    let me: PeerId = owner.peer("raw").parse().expect("peer");
    raw.send(
        Message::Join {
            sender_id: me.clone(),
            metadata: Default::default(),
            supported_protocol_versions: vec!["1".into()],
        }
        .encode(),
    )
    .await;
    raw.send(
        Message::Ephemeral {
            sender_id: me,
            target_id: "tandem-relay".parse().expect("peer"),
            document_id: id,
            session_id: "s".into(),
            count: 1,
            data: random(100 * 1024),
        }
        .encode(),
    )
    .await;
    let (messages, closed) = raw.drain().await;
    assert!(closed);
    assert!(
        messages.iter().any(|m| matches!(m, Message::Error { message } if message.contains("\"ephemeral\" message may be at most 65536 bytes"))),
        "{messages:?}"
    );
    // A 512 KiB sync message (a big edit, 8 times the other limit) still goes through.
    let doc = bystander.docs.docs.get_mut(&id).expect("doc");
    automerge::transaction::Transactable::put(
        doc,
        automerge::ROOT,
        "blob",
        automerge::ScalarValue::Bytes(random(512 * 1024)),
    )
    .expect("put");
    doc.commit();
    let heads = doc.get_heads();
    bystander.changed(id).await;
    bystander
        .pump_until(WAIT, |c| c.relay_heads(id).is_some_and(|h| h == heads))
        .await;
    assert!(bystander.closed.is_none());
    relay.stop().await;
}
