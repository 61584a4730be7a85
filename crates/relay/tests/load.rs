//! Load held (the short version the test command runs): many connections over many
//! documents editing at once converge with no error.

mod support;

use std::time::{Duration, Instant};

use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, transaction::Transactable};
use support::{Client, RunningRelay, app_dir, scratch};
use tandem_sync::document_id::DocumentId;

const EDITS: usize = 3;

/// 200 connections on 20 documents by default; `TANDEM_LOAD_CONNECTIONS=1000
/// TANDEM_LOAD_DOCUMENTS=100` for the full size.
fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_connections_on_many_documents_converge() {
    let (connections, documents) = (
        size("TANDEM_LOAD_CONNECTIONS", 200),
        size("TANDEM_LOAD_DOCUMENTS", 20),
    );
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start_with(&data, app.path(), |c| {
        c.max_connections_per_address = connections + 10;
        // Every connection is the one owner device's.
        c.max_connections_per_device = connections + 10;
    })
    .await;
    let ids: Vec<DocumentId> = (0..documents)
        .map(|n| DocumentId::from_bytes([u8::try_from(n % 256).unwrap_or(0); 16]))
        .collect();
    let owner = relay.device().await;
    for id in &ids {
        owner.claim(*id).await;
    }
    // One seed document per partnership, with a shared origin so edits merge.
    let mut seed = AutoCommit::new();
    seed.put_object(ROOT, "items", ObjType::List).expect("list");
    seed.commit();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..connections {
        let id = ids[n % documents];
        let device = relay.device_like(&owner);
        let mut doc = seed.fork();
        tasks.push(tokio::spawn(async move {
            let mut c = Client::connect(&device, &format!("p{n}")).await;
            c.share(id, doc.clone()).await;
            for e in 0..EDITS {
                let d = c.docs.docs.get_mut(&id).expect("doc");
                let (_, items) = d.get(ROOT, "items").expect("read").expect("items");
                let len = d.length(&items);
                d.insert(&items, len, format!("{n}-{e}")).expect("insert");
                d.commit();
                c.changed(id).await;
                c.settle(Duration::from_millis(5)).await;
            }
            // Every edit of every peer on this document arrives.
            let want = (connections / documents) * EDITS;
            c.pump_until(Duration::from_secs(60), |c| {
                c.docs.docs.get(&id).is_some_and(|d| {
                    d.get(ROOT, "items")
                        .ok()
                        .flatten()
                        .is_some_and(|(_, items)| d.length(&items) == want)
                })
            })
            .await;
            assert!(c.closed.is_none(), "no connection was refused or dropped");
            doc = c.docs.docs.remove(&id).expect("doc");
            doc
        }));
    }
    for t in tasks {
        t.await.expect("a peer finished");
    }
    println!(
        "{connections} connections on {documents} documents, {EDITS} edits each: converged in {:.1} s; peak memory of the test process (relay and clients) {} MiB",
        started.elapsed().as_secs_f64(),
        peak_memory_kib().unwrap_or(0) / 1024
    );
    relay.stop().await;
}
