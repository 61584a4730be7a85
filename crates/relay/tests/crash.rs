//! Crash safety: a client streams edits while the relay process is killed with SIGKILL at
//! random moments, 30 times. After every kill the store opens, and every change the relay
//! had acknowledged (covered by the heads it reported back) is in it.

mod support;

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, transaction::Transactable};
use rand::{Rng, SeedableRng, rngs::StdRng};
use support::{Client, Device, app_dir, scratch};
use tandem_relay::doc_store::DocStore;
use tandem_sync::document_id::DocumentId;
use tokio::process::{Child, Command};

const KILLS: usize = 30;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn spawn_relay(port: u16, data: &std::path::Path, app: &std::path::Path) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_tandem-relay"))
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data)
        .arg("--app-dir")
        .arg(app)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the relay starts");
    // Ready when /health answers.
    let deadline = Instant::now() + Duration::from_secs(10);
    while reqwest::get(format!("http://127.0.0.1:{port}/health"))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the relay answers within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child
}

#[tokio::test]
async fn acknowledged_changes_survive_sigkill_at_random_moments() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let port = free_port();
    let seed: u64 = rand::rng().random();
    println!("seed {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let id = DocumentId::from_bytes([0x31; 16]);

    let mut relay = spawn_relay(port, &data, app.path()).await;
    let device = Device::register_at(&format!("127.0.0.1:{port}")).await;
    device.claim(id).await;
    let mut doc = AutoCommit::new();
    let text = doc.put_object(ROOT, "notes", ObjType::Text).expect("text");
    doc.commit();

    let mut typed = 0usize;
    let mut rounds_with_acks = 0usize;
    let mut acknowledged_total = 0usize;
    for round in 0..KILLS {
        let mut client = Client::connect(&device, &format!("c{round}")).await;
        client.share(id, doc.clone()).await;
        let mut acked = Vec::new();
        let kill_after = Duration::from_millis(rng.random_range(20..400));
        let started = Instant::now();
        while started.elapsed() < kill_after {
            let d = client.docs.docs.get_mut(&id).expect("doc");
            let len = d.text(&text).expect("text").chars().count();
            d.splice_text(&text, len, 0, "x").expect("splice");
            d.commit();
            typed += 1;
            client.changed(id).await;
            client.settle(Duration::from_millis(2)).await;
            if let Some(heads) = client.relay_heads(id) {
                acked = heads;
            }
        }
        rounds_with_acks += usize::from(!acked.is_empty());
        relay.start_kill().expect("SIGKILL");
        relay.wait().await.expect("reaped");
        doc = client.docs.docs.get(&id).expect("doc").clone();
        drop(client);

        // The store opens after the crash and holds every acknowledged change.
        let store = DocStore::open(&data).expect("the store opens after SIGKILL");
        let stored = store
            .load(&id.to_string())
            .expect("loads")
            .map(|s| s.bytes)
            .unwrap_or_default();
        drop(store);
        let mut on_disk = AutoCommit::load(&stored).expect("what is stored loads");
        for h in &acked {
            assert!(
                on_disk.get_change_by_hash(h).is_some(),
                "round {round} (seed {seed}): acknowledged change {h} is on disk"
            );
        }
        acknowledged_total = on_disk.get_changes(&[]).len();
        relay = spawn_relay(port, &data, app.path()).await;
    }
    assert!(
        rounds_with_acks >= KILLS / 2,
        "the relay acknowledged edits before most kills ({rounds_with_acks} of {KILLS}), so the check means something"
    );
    // Finally everything typed arrives once the client reconnects to a relay left alone.
    let mut client = Client::connect(&device, "final").await;
    client.share(id, doc.clone()).await;
    let want = doc.get_heads();
    client
        .pump_until(Duration::from_secs(10), |c| {
            c.relay_heads(id).is_some_and(|h| h == want)
        })
        .await;
    println!(
        "{KILLS} kills, {typed} edits typed, {acknowledged_total} changes on disk before the last restart; nothing acknowledged was lost"
    );
    relay.start_kill().expect("stop");
    let _ = relay.wait().await;
}
