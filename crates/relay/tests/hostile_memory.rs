//! Memory a hostile peer can make the relay hold (issue 15, items 3 and 5), measured on the
//! relay binary through `/proc/<pid>/status`: decoding a frame costs about the frame, and
//! presence is capped, rate-limited and forgotten with its connection.

mod support;

use std::time::{Duration, Instant};

use support::{
    Client, Device, RelayProcess, app_dir, doc_with, edit_round_trip, joined, refused_with, scratch,
};
use tandem_sync::document_id::DocumentId;
use tandem_sync::message::Message;

const MIB: u64 = 1024 * 1024;

/// A `sync` frame whose one extra key holds a list of `items` one-byte items: a valid
/// message to anyone who ignores unknown keys, ~`items` bytes long.
fn junk_in_a_valid_shape(device: &Device, id: DocumentId, items: usize) -> Vec<u8> {
    let mut frame = Message::Sync {
        sender_id: device.peer("m").parse().expect("peer"),
        target_id: "tandem-relay".parse().expect("peer"),
        document_id: id,
        data: vec![0x42, 0, 0, 0, 0],
    }
    .encode();
    // The map's head counts its entries: one more for the junk.
    assert_eq!(frame[0] & 0xe0, 0xa0, "a small map");
    frame[0] += 1;
    frame.extend([0x64, b'j', b'u', b'n', b'k']);
    frame.push(0x9a);
    frame.extend((items as u32).to_be_bytes());
    frame.extend(std::iter::repeat_n(0u8, items));
    frame
}

#[tokio::test]
async fn decoding_a_frame_costs_about_the_frame() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RelayProcess::spawn(&data, app.path()).await;
    let id = DocumentId::from_bytes([0x71; 16]);
    let owner = Device::register_at(&relay.addr).await;
    owner.claim(id).await;
    let mut alice = Client::connect(&owner, "alice").await;
    alice.share(id, doc_with("x")).await;
    alice.settle(Duration::from_millis(200)).await;
    edit_round_trip(&mut alice, id, "y").await;

    // 15 MiB of one-byte items: a CBOR value tree of it was 33 times that.
    let items = 15 * MIB as usize;
    let frame = junk_in_a_valid_shape(&owner, id, items);
    let before = relay.status_bytes("VmHWM");
    let mut raw = joined(&owner, "m").await;
    raw.send(frame.clone()).await;
    // The relay decodes it (the junk is skipped) and answers the sync message in it.
    let answered = tokio::time::timeout(Duration::from_secs(20), async {
        use futures_util::StreamExt;
        while let Some(Ok(frame)) = raw.socket.next().await {
            if let tokio_tungstenite::tungstenite::Message::Binary(b) = frame
                && matches!(Message::decode(&b), Ok(Message::Sync { .. }))
            {
                return true;
            }
        }
        false
    })
    .await
    .expect("answers within 20 s");
    assert!(answered, "the message in the frame was handled");
    let grew = relay.status_bytes("VmHWM").saturating_sub(before);
    println!(
        "a {} MiB frame of junk raised the relay's peak RSS by {:.1} MiB",
        frame.len() as u64 / MIB,
        grew as f64 / MIB as f64
    );
    // The WebSocket layer holds the frame while it arrives (and may grow its buffer by
    // doubling); decoding adds nothing for skipped values.
    assert!(
        grew < 3 * frame.len() as u64,
        "peak RSS grew {} MiB for a {} MiB frame",
        grew / MIB,
        frame.len() as u64 / MIB
    );
    // Everyone else is unaffected.
    let took = edit_round_trip(&mut alice, id, "z").await;
    assert!(took < Duration::from_secs(2), "an edit took {took:?}");
    relay.stop().await;
}

#[tokio::test]
async fn presence_is_capped_rate_limited_and_forgotten_on_disconnect() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RelayProcess::spawn(&data, app.path()).await;
    let id = DocumentId::from_bytes([0x73; 16]);
    let other_id = DocumentId::from_bytes([0x74; 16]);
    let owner = Device::register_at(&relay.addr).await;
    owner.claim(id).await;
    let other_owner = Device::register_at(&relay.addr).await;
    other_owner.claim(other_id).await;
    let mut listener = Client::connect(&owner, "listener").await;
    listener.share(id, doc_with("x")).await;
    listener.settle(Duration::from_millis(200)).await;
    let mut other = Client::connect(&other_owner, "other").await;
    other.share(other_id, doc_with("elsewhere")).await;
    other.settle(Duration::from_millis(200)).await;
    let baseline = edit_round_trip(&mut other, other_id, ".").await;

    // A payload over 4 KiB (under the 64 KiB frame limit for non-sync messages) is
    // refused with a reason.
    let ephemeral = |name: &str, session: String, count: u64, data: Vec<u8>| {
        Message::Ephemeral {
            sender_id: owner.peer(name).parse().expect("peer"),
            target_id: "tandem-relay".parse().expect("peer"),
            document_id: id,
            session_id: session,
            count,
            data,
        }
        .encode()
    };
    let mut raw = joined(&owner, "big").await;
    raw.send(
        Message::Request {
            sender_id: owner.peer("big").parse().expect("peer"),
            target_id: "tandem-relay".parse().expect("peer"),
            document_id: id,
            data: vec![0x42, 0, 0, 1, 0, 0, 0],
        }
        .encode(),
    )
    .await;
    raw.send(ephemeral("big", "s".into(), 1, vec![7; 8 * 1024]))
        .await;
    let reason = refused_with(&mut raw).await;
    assert!(reason.contains("at most 4096"), "{reason}");

    // A flood: 1,500 presence messages, each with a new session id. Most are dropped,
    // the unrelated partnership does not notice, and the listener is not disconnected.
    let rss_before = relay.status_bytes("VmRSS");
    let mut flood = Client::connect(&owner, "flood").await;
    flood.share(id, doc_with("x")).await;
    flood.settle(Duration::from_millis(200)).await;
    let started = Instant::now();
    for i in 0..1500u64 {
        flood
            .broadcast(
                id,
                &format!("session-{i}-{}", "x".repeat(100)),
                1,
                vec![1; 512],
            )
            .await;
    }
    let during = edit_round_trip(&mut other, other_id, "!").await;
    listener.settle(Duration::from_millis(500)).await;
    let heard = listener.ephemeral.len();
    println!(
        "1,500 presence messages in {:?}: {heard} forwarded; unrelated edit {during:?} (baseline {baseline:?})",
        started.elapsed()
    );
    let allowed = 20.0 + 5.0 * started.elapsed().as_secs_f64() + 5.0;
    assert!(
        (heard as f64) <= allowed,
        "{heard} forwarded, at most {allowed:.0} allowed"
    );
    assert!(heard >= 1, "presence still works");
    assert!(listener.closed.is_none(), "the listener stays connected");
    assert!(
        during < Duration::from_secs(1),
        "an unrelated edit took {during:?}"
    );
    // The flood's connection goes; what it made the relay remember goes with it.
    drop(flood);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after = relay.status_bytes("VmRSS");
    println!(
        "relay RSS {} MiB before the flood, {} MiB after it disconnected",
        rss_before / MIB,
        rss_after / MIB
    );
    assert!(
        rss_after < rss_before + 16 * MIB,
        "RSS {} → {} MiB",
        rss_before / MIB,
        rss_after / MIB
    );
    relay.stop().await;
}
