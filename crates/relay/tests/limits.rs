//! Limits and faults: documents per connection, connections per address, and a full disk
//! (injected through the storage layer) — refused with a reason, reads keep working,
//! nothing stored is damaged, and writing resumes when space returns.

mod support;

use std::{
    sync::{Arc, atomic::AtomicBool, atomic::Ordering},
    time::Duration,
};

use automerge::{AutoCommit, ROOT, ReadDoc, transaction::Transactable};
use support::{Client, RunningRelay, app_dir, doc_with, has_notes, scratch};
use tandem_domain::document_id::DocumentId;
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

#[tokio::test]
async fn a_full_disk_refuses_changes_keeps_serving_reads_and_recovers() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let full = Arc::new(AtomicBool::new(false));
    let switch = full.clone();
    let relay =
        RunningRelay::start_with(&data, app.path(), move |c| c.disk_full = Some(switch)).await;
    let id = DocumentId::from_bytes([0x51; 16]);
    let brand = relay.owner_of(id).await;
    let creator = relay.guest(&brand, id, "editor").await;
    let mut a = Client::connect(&brand, "laptop").await;
    a.share(id, doc_with("before")).await;
    a.settle(Duration::from_millis(300)).await;

    // The disk fills up; the brand's next change is refused with the reason.
    full.store(true, Ordering::SeqCst);
    let doc = a.docs.docs.get_mut(&id).expect("doc");
    let (_, text) = doc.get(ROOT, "notes").expect("read").expect("notes");
    doc.splice_text(&text, 6, 0, " and after").expect("splice");
    doc.commit();
    a.changed(id).await;
    a.settle(Duration::from_millis(500)).await;
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
