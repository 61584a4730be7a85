//! The expiry sweep (issue 15, item 8): twice a second the relay checks that every
//! connection may still see every partnership it syncs. One idle device holding many
//! sockets over many partnerships made that cost connections × documents × grants under
//! the hub lock, and an unrelated edit waited for it. Now each device's grants are read
//! once per sweep.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use support::{Client, RunningRelay, app_dir, doc_with, edit_round_trip, joined, scratch};
use tandem_sync::document_id::DocumentId;
use tandem_sync::message::Message;

const SOCKETS: usize = 20;
const DOCS: usize = 1000;

fn p50(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::test]
async fn many_idle_sockets_over_many_partnerships_do_not_slow_an_unrelated_edit() {
    let app = app_dir();
    let (_dir, data) = scratch();
    // The device cap (16 sockets) would refuse the sockets past it; the sweep's cost is
    // what is measured here, so the cap is lifted for this one device.
    let relay = RunningRelay::start_with(&data, app.path(), |c| {
        c.max_connections_per_device = 64;
    })
    .await;
    let other_id = DocumentId::from_bytes([0xee; 16]);
    let other_owner = relay.owner_of(other_id).await;
    let mut other = Client::connect(&other_owner, "zoe").await;
    other.share(other_id, doc_with("elsewhere")).await;
    other.settle(Duration::from_millis(200)).await;
    let mut baseline = Vec::new();
    for i in 0..30 {
        baseline.push(edit_round_trip(&mut other, other_id, &format!("{i}")).await);
    }

    // One device claims a thousand partnerships and syncs all of them on each of twenty
    // sockets, then sits idle.
    let idle = relay.device().await;
    let ids: Vec<DocumentId> = (0..DOCS)
        .map(|i| {
            let mut bytes = [0x5a; 16];
            bytes[..8].copy_from_slice(&(i as u64).to_be_bytes());
            DocumentId::from_bytes(bytes)
        })
        .collect();
    for id in &ids {
        idle.claim(*id).await;
    }
    let mut sockets = Vec::new();
    for s in 0..SOCKETS {
        let name = format!("s{s}");
        let mut raw = joined(&idle, &name).await;
        for id in &ids {
            raw.send(
                Message::Request {
                    sender_id: idle.peer(&name).parse().expect("peer"),
                    target_id: "tandem-relay".parse().expect("peer"),
                    document_id: *id,
                    data: vec![0x42, 0, 0, 1, 0, 0, 0],
                }
                .encode(),
            )
            .await;
        }
        // The relay answers each (it has none of them yet): the interest is kept.
        let mut answered = 0;
        while answered < DOCS {
            match tokio::time::timeout(Duration::from_secs(30), raw.socket.next()).await {
                Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Binary(b)))) => {
                    if matches!(Message::decode(&b), Ok(Message::DocUnavailable { .. })) {
                        answered += 1;
                    }
                }
                Ok(Some(Ok(_))) => {}
                other => panic!("socket {s} ended after {answered} answers: {other:?}"),
            }
        }
        sockets.push(raw);
    }

    let mut during = Vec::new();
    for i in 0..30 {
        during.push(edit_round_trip(&mut other, other_id, &format!("{i}")).await);
        // Spread over several sweeps.
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    let (before, under) = (p50(baseline), p50(during.clone()));
    let worst = during.iter().max().copied().unwrap_or_default();
    println!(
        "unrelated edit p50 {before:?} alone, {under:?} beside {SOCKETS} idle sockets × {DOCS} partnerships (worst {worst:?})"
    );
    assert!(
        under < before * 2 + Duration::from_millis(10),
        "p50 {before:?} → {under:?}"
    );
    drop(sockets);
    relay.stop().await;
}
