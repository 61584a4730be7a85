//! Limits and faults: documents per connection, connections per address, a peer that stops
//! reading, and a full disk (injected through the storage layer) — refused with a reason,
//! reads keep working, nothing stored is damaged, and writing resumes when space returns.

mod support;

use std::{
    sync::{Arc, atomic::AtomicBool, atomic::Ordering},
    time::{Duration, Instant},
};

use automerge::{AutoCommit, ROOT, ReadDoc, ScalarValue, transaction::Transactable};
use support::{Client, RunningRelay, app_dir, doc_with, has_notes, scratch};
use tandem_sync::document_id::DocumentId;
use tokio_tungstenite::tungstenite;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_connection_may_sync_only_so_many_documents() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay =
        RunningRelay::start_with(&data, app.path(), |c| c.max_docs_per_connection = 2).await;
    let ids = [1u8, 2, 3].map(|n| DocumentId::from_bytes([0x40 + n; 16]));
    let device = relay.device().await;
    for id in ids {
        device.claim(id).await;
    }
    let mut c = Client::connect(&device, "many").await;
    c.share(ids[0], doc_with("one")).await;
    c.share(ids[1], doc_with("two")).await;
    c.settle(Duration::from_millis(300)).await;
    assert!(c.closed.is_none(), "two are fine");
    c.share(ids[2], doc_with("three")).await;
    c.settle(Duration::from_millis(500)).await;
    let reason = c.closed.clone().expect("the third is refused");
    assert!(reason.contains("at most 2 partnerships"), "{reason}");
    relay.stop().await;
}

#[tokio::test]
async fn an_address_may_hold_only_so_many_connections() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay =
        RunningRelay::start_with(&data, app.path(), |c| c.max_connections_per_address = 2).await;
    let device = relay.device().await;
    let first = Client::connect(&device, "a").await;
    let _second = Client::connect(&device, "b").await;
    match tokio_tungstenite::connect_async(device.sync_url()).await {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status().as_u16(), 429),
        other => panic!("a third connection is refused, got {:?}", other.map(|_| ())),
    }
    // Closing one frees its slot.
    drop(first);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio_tungstenite::connect_async(device.sync_url()).await {
            Ok(_) => break,
            Err(_) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the slot was not freed: {e}"),
        }
    }
    relay.stop().await;
}

/// A relay whose disk can be filled (`full`), a partnership on it, its owner and an editor
/// guest, and the owner's laptop in sync with the notes "before".
struct FullDisk {
    app: tempfile::TempDir,
    _dir: tempfile::TempDir,
    data: std::path::PathBuf,
    full: Arc<AtomicBool>,
    relay: RunningRelay,
    id: DocumentId,
    brand: support::Device,
    creator: support::Device,
    a: Client,
}

impl FullDisk {
    async fn start(byte: u8) -> Self {
        let app = app_dir();
        let (_dir, data) = scratch();
        let full = Arc::new(AtomicBool::new(false));
        let switch = full.clone();
        let relay =
            RunningRelay::start_with(&data, app.path(), move |c| c.disk_full = Some(switch)).await;
        let id = DocumentId::from_bytes([byte; 16]);
        let brand = relay.owner_of(id).await;
        let creator = relay.guest(&brand, id, "editor").await;
        let mut a = Client::connect(&brand, "laptop").await;
        a.share(id, doc_with("before")).await;
        a.settle(Duration::from_millis(300)).await;
        FullDisk {
            app,
            _dir,
            data,
            full,
            relay,
            id,
            brand,
            creator,
            a,
        }
    }
}

/// `a` edits the notes to "before and after" while the disk is full.
async fn refused_edit(a: &mut Client, id: DocumentId) {
    let doc = a.docs.docs.get_mut(&id).expect("doc");
    let (_, text) = doc.get(ROOT, "notes").expect("read").expect("notes");
    doc.splice_text(&text, 6, 0, " and after").expect("splice");
    doc.commit();
    a.changed(id).await;
    a.settle(Duration::from_millis(500)).await;
}

#[tokio::test]
async fn a_full_disk_refuses_changes_keeps_serving_reads_and_recovers() {
    let FullDisk {
        app,
        _dir,
        data,
        full,
        relay,
        id,
        brand,
        creator,
        mut a,
    } = FullDisk::start(0x51).await;

    // The disk fills up; the brand's next change is refused with the reason.
    full.store(true, Ordering::SeqCst);
    refused_edit(&mut a, id).await;
    let reason = a
        .closed
        .clone()
        .expect("the writer is told and disconnected");
    assert!(reason.contains("cannot store changes"), "{reason}");
    let kept = a.docs.docs.get(&id).expect("doc").clone();

    // Reads still work: the creator gets what was stored, and not the refused change.
    let mut b = Client::connect(&creator, "studio").await;
    b.share(id, AutoCommit::new()).await;
    b.pump_until(WAIT, |c| has_notes(c, id, "before")).await;
    b.settle(Duration::from_millis(300)).await;
    assert!(
        has_notes(&mut b, id, "before"),
        "the refused change was not forwarded"
    );

    // Space returns: the same change, offered again on reconnect, is stored and delivered.
    full.store(false, Ordering::SeqCst);
    let mut again = Client::connect(&brand, "laptop").await;
    let want = kept.clone().get_heads();
    again.share(id, kept).await;
    again
        .pump_until(WAIT, |c| c.relay_heads(id).is_some_and(|h| h == want))
        .await;
    assert!(again.closed.is_none(), "stored this time");
    b.pump_until(WAIT, |c| has_notes(c, id, "before and after"))
        .await;
    drop((a, b, again));
    relay.stop().await;

    // Nothing stored was damaged: a new relay process serves the whole document.
    let relay = RunningRelay::start(&data, app.path()).await;
    let mut creator = creator;
    creator.moved_to(&relay);
    let mut c = Client::connect(&creator, "later").await;
    c.share(id, AutoCommit::new()).await;
    c.pump_until(WAIT, |c| has_notes(c, id, "before and after"))
        .await;
    relay.stop().await;
}

/// The relay's open sync connections, from `/health`.
async fn connections(relay: &RunningRelay) -> u64 {
    let health: serde_json::Value = reqwest::get(format!("http://{}/health", relay.addr))
        .await
        .expect("health answers")
        .json()
        .await
        .expect("health is JSON");
    health["connections"].as_u64().expect("a count")
}

#[tokio::test]
async fn a_peer_that_stops_reading_is_dropped_with_a_reason_and_slows_nobody() {
    const QUEUE: usize = 16;
    // Random bytes, so compression cannot shrink what the slow peer's buffers must hold;
    // small enough that the relay's compactions stay cheap in a debug build.
    const EDIT_BYTES: usize = 8 * 1024;
    // Far more than the kernel's socket buffers plus the queue can hold (measured: the
    // slow peer is dropped after ~30 edits: ~13 frames in the kernel, 16 queued).
    const MAX_EDITS: usize = 400;
    const AFTER: usize = 20;
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start_with(&data, app.path(), |c| c.send_queue = QUEUE).await;
    let id = DocumentId::from_bytes([0x61; 16]);
    let owner = relay.owner_of(id).await;
    let mut writer = Client::connect(&owner, "writer").await;
    writer.share(id, doc_with("start")).await;
    writer.settle(Duration::from_millis(300)).await;
    let mut reader = Client::connect(&owner, "reader").await;
    reader.share(id, AutoCommit::new()).await;
    reader.pump_until(WAIT, |c| has_notes(c, id, "start")).await;
    // The slow peer syncs the document, then never reads its socket again.
    let mut slow = Client::connect_with_small_buffers(&owner, "slow").await;
    slow.share(id, AutoCommit::new()).await;
    slow.pump_until(WAIT, |c| has_notes(c, id, "start")).await;
    assert_eq!(connections(&relay).await, 3);

    let mut latencies = Vec::new();
    let mut dropped_after = None;
    let mut edits = 0;
    while edits < MAX_EDITS && dropped_after.is_none_or(|d| edits < d + AFTER) {
        let key = format!("e{edits}");
        let mut payload = vec![0u8; EDIT_BYTES];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut payload);
        let began = Instant::now();
        let doc = writer.docs.docs.get_mut(&id).expect("doc");
        doc.put(ROOT, key.as_str(), ScalarValue::Bytes(payload))
            .expect("put");
        doc.commit();
        writer.changed(id).await;
        reader
            .pump_until(WAIT, |c| {
                c.docs
                    .docs
                    .get(&id)
                    .is_some_and(|d| d.get(ROOT, key.as_str()).ok().flatten().is_some())
            })
            .await;
        latencies.push(began.elapsed());
        // The writer reads its acknowledgements, as any live peer does.
        let heads = writer.docs.docs.get_mut(&id).expect("doc").get_heads();
        writer
            .pump_until(WAIT, |c| c.relay_heads(id).is_some_and(|h| h == heads))
            .await;
        edits += 1;
        if dropped_after.is_none() && connections(&relay).await == 2 {
            dropped_after = Some(edits);
        }
    }
    let dropped_after = dropped_after.unwrap_or_else(|| {
        panic!("the slow peer was still connected after {MAX_EDITS} edits of {EDIT_BYTES} bytes")
    });

    // (a) The others were not slowed: every edit reached the reader promptly, before and
    // after the slow peer was dropped, and neither was disconnected.
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    let worst = latencies[latencies.len() - 1];
    println!(
        "slow reader dropped after {dropped_after} edits of {} KiB; {edits} edits reached the reader: median {median:?}, worst {worst:?}",
        EDIT_BYTES / 1024
    );
    assert!(median < Duration::from_millis(250), "median {median:?}");
    assert!(worst < Duration::from_secs(2), "worst {worst:?}");
    assert!(writer.closed.is_none() && reader.closed.is_none());

    // (b) The slow peer, reading again, finds a backlog cut short and then the reason.
    let (frames, close) = slow.read_until_closed(Duration::from_secs(8)).await;
    let (code, reason) = close.expect("a close frame with the reason");
    println!("the slow peer read {frames} frames, then close {code}: {reason}");
    assert_eq!(code, 1013, "try again later");
    assert!(
        reason.contains(&format!("fell more than {QUEUE} messages or")),
        "{reason}"
    );
    assert!(frames < edits, "the backlog was dropped, not delivered");
    relay.stop().await;
}

#[tokio::test]
async fn a_peer_syncing_while_a_change_is_refused_gets_it_once_it_is_stored() {
    let FullDisk {
        full,
        relay,
        id,
        brand,
        creator,
        mut a,
        ..
    } = FullDisk::start(0x52).await;
    // The creator is connected and in sync before the disk fills up.
    let mut b = Client::connect(&creator, "studio").await;
    b.share(id, AutoCommit::new()).await;
    b.pump_until(WAIT, |c| has_notes(c, id, "before")).await;

    full.store(true, Ordering::SeqCst);
    refused_edit(&mut a, id).await;
    assert!(a.closed.is_some(), "the writer is told and disconnected");
    let kept = a.docs.docs.get(&id).expect("doc").clone();

    // The creator was sent nothing about the refused change, yet its sync state had it as
    // sent: it is told to reconnect rather than left believing it has it.
    let (_, close) = b.read_until_closed(WAIT).await;
    let reason = close.map(|(_, reason)| reason).unwrap_or_default();
    assert!(reason.contains("reconnect"), "{reason}");

    // Space returns and the change is offered again: the creator, reconnected, gets it.
    full.store(false, Ordering::SeqCst);
    let mut again = Client::connect(&brand, "laptop").await;
    let want = kept.clone().get_heads();
    again.share(id, kept).await;
    again
        .pump_until(WAIT, |c| c.relay_heads(id).is_some_and(|h| h == want))
        .await;
    let held = b.docs.docs.get(&id).expect("doc").clone();
    let mut b = Client::connect(&creator, "studio").await;
    b.share(id, held).await;
    b.pump_until(WAIT, |c| has_notes(c, id, "before and after"))
        .await;
    drop((a, b, again));
    relay.stop().await;
}
