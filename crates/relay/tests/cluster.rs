//! Cluster mode (issue 23, first phase): documents, devices, links and grants in
//! PostgreSQL, shared by relay instances. Each test starts its own PostgreSQL
//! (tests/support/postgres.rs). A device registered on one instance is known to all.

mod support;

use std::{
    sync::{Arc, Barrier},
    time::Duration,
};

use automerge::{
    AutoCommit, LoadOptions, ObjType, OnPartialLoad, ROOT, ReadDoc, transaction::Transactable,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use support::postgres::{Postgres, same_device_at};
use support::{Client, Device, RunningRelay, app_dir, doc_with, has_notes, notes, scratch};
use tandem_relay::doc_store::{Contains, DocStore};
use tandem_sync::document_id::DocumentId;

const WAIT: Duration = Duration::from_secs(15);

/// The store, connected from a plain thread (as the hub's blocking threads do).
fn store(pg: &Postgres) -> DocStore {
    DocStore::connect_postgres(&pg.url()).unwrap_or_else(|e| panic!("connects: {e}\n{}", pg.log()))
}

fn store_at(url: &str) -> DocStore {
    DocStore::connect_postgres(url).expect("connects")
}

/// `n` increments of a document written by one actor, each the bytes of one change.
fn increments(actor: u8, n: usize) -> (AutoCommit, Vec<Vec<u8>>) {
    let mut doc = AutoCommit::new().with_actor(automerge::ActorId::from([actor; 16]));
    let mut out = Vec::new();
    for i in 0..n {
        let heads = doc.get_heads();
        doc.put(ROOT, format!("{actor}-{i}"), i as i64)
            .expect("put");
        doc.commit();
        out.push(doc.save_after(&heads));
    }
    (doc, out)
}

/// The stored document, loaded strictly (a missing dependency is an error).
fn loaded(store: &DocStore, doc: &str) -> AutoCommit {
    let stored = store.load(doc).expect("loads").expect("stored");
    let strict = LoadOptions::new().on_partial_load(OnPartialLoad::Error);
    AutoCommit::load_with_options(&stored.bytes, strict)
        .expect("a strict load of the stored document")
}

#[test]
fn the_postgres_store_numbers_appends_in_order_and_compaction_keeps_later_ones() {
    let pg = Postgres::start();
    let store = store(&pg);
    assert!(store.load("d").expect("loads").is_none());
    let (full, chunks) = increments(1, 4);
    // The number the hub proposes is ignored: the store numbers per document.
    assert_eq!(store.append("d", 99, &chunks[0]).expect("append"), 0);
    assert_eq!(
        store
            .append_charged(
                &[
                    ("d".into(), 0, chunks[1].clone()),
                    ("other".into(), 0, b"zz".to_vec()),
                    ("d".into(), 0, chunks[2].clone()),
                ],
                &[("dev".into(), 7)],
            )
            .expect("append"),
        vec![1, 0, 2]
    );
    let s = store.load("d").expect("loads").expect("found");
    assert_eq!(s.bytes, [&chunks[0][..], &chunks[1], &chunks[2]].concat());
    assert_eq!((s.snapshot_len, s.next_seq), (0, 3));
    assert_eq!(store.stored_by("dev").expect("reads"), 7);

    // A snapshot of the first two; the third, and a fourth stored meanwhile, stay.
    let mut two = AutoCommit::new();
    two.load_incremental(&[&chunks[0][..], &chunks[1]].concat())
        .expect("loads");
    store.append("d", 0, &chunks[3]).expect("append");
    store.compact("d", &two.save(), 1).expect("compacts");
    let s = store.load("d").expect("loads").expect("found");
    assert_eq!(s.increments_len, chunks[2].len() + chunks[3].len());
    assert_eq!(s.next_seq, 4);
    assert_eq!(loaded(&store, "d").get_heads(), full.clone().get_heads());
    // What another instance would read from increment 2 on: both increments, no snapshot.
    let since = store.stored_since("d", 2).expect("reads").expect("found");
    assert_eq!((since.snapshot_len, since.next_seq), (0, 4));
    // From 1 on: the snapshot covers 1, so it comes too.
    let since = store.stored_since("d", 1).expect("reads").expect("found");
    assert!(since.snapshot_len > 0);
    assert_eq!(
        store
            .latest_seqs(&["d".into(), "other".into(), "none".into()])
            .expect("reads")
            .len(),
        2
    );
    assert_eq!(store.document_count().expect("counts"), 2);
}

#[test]
fn two_connections_appending_at_once_get_gapless_numbers() {
    let pg = Postgres::start();
    let stores = [Arc::new(store(&pg)), Arc::new(store(&pg))];
    const PER_WRITER: usize = 40;
    let start = Arc::new(Barrier::new(4));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let store = stores[w % 2].clone();
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                let mut seqs = Vec::new();
                for i in 0..PER_WRITER {
                    // Batches touching both documents, in both orders.
                    let (first, second) = if (w + i) % 2 == 0 {
                        ("a", "b")
                    } else {
                        ("b", "a")
                    };
                    let got = store
                        .append_charged(
                            &[
                                (first.into(), 0, vec![w as u8, i as u8]),
                                (second.into(), 0, vec![w as u8, i as u8]),
                            ],
                            &[(format!("dev{}", w % 2), 2)],
                        )
                        .expect("append");
                    seqs.push(if first == "a" { got[0] } else { got[1] });
                }
                seqs
            })
        })
        .collect();
    let mut seqs: Vec<u64> = writers
        .into_iter()
        .flat_map(|w| w.join().expect("writer"))
        .collect();
    seqs.sort_unstable();
    let total = (4 * PER_WRITER) as u64;
    assert_eq!(
        seqs,
        (0..total).collect::<Vec<_>>(),
        "every number once, none skipped"
    );
    let latest = stores[0]
        .latest_seqs(&["a".into(), "b".into()])
        .expect("reads");
    assert_eq!((latest["a"], latest["b"]), (total - 1, total - 1));
    assert_eq!(
        stores[1]
            .load("a")
            .expect("loads")
            .expect("found")
            .bytes
            .len(),
        2 * 4 * PER_WRITER
    );
    let charged =
        stores[0].stored_by("dev0").expect("reads") + stores[1].stored_by("dev1").expect("reads");
    assert_eq!(
        charged,
        2 * 4 * PER_WRITER as u64,
        "two bytes charged per batch"
    );
}

#[test]
fn two_instances_compacting_one_document_at_once_lose_nothing() {
    let pg = Postgres::start();
    let one = Arc::new(store(&pg));
    let two = Arc::new(store(&pg));
    // Each instance writes its own changes and has seen none of the other's.
    let (mut mine, my_chunks) = increments(1, 6);
    let (mut theirs, their_chunks) = increments(2, 6);
    for (a, b) in my_chunks.iter().zip(&their_chunks) {
        one.append("d", 0, a).expect("append");
        two.append("d", 0, b).expect("append");
    }
    let mut all = mine.fork();
    all.merge(&mut theirs).expect("merges");
    let through = one.latest_seqs(&["d".into()]).expect("reads")["d"];
    assert_eq!(through, 11);
    for round in 0..5 {
        let start = Arc::new(Barrier::new(2));
        let jobs: Vec<_> = [(one.clone(), mine.save()), (two.clone(), theirs.save())]
            .into_iter()
            .map(|(store, snapshot)| {
                let start = start.clone();
                std::thread::spawn(move || {
                    start.wait();
                    store.compact("d", &snapshot, through).expect("compacts");
                })
            })
            .collect();
        for job in jobs {
            job.join().expect("compaction");
        }
        let mut stored = loaded(&one, "d");
        assert_eq!(
            stored.get_heads(),
            all.get_heads(),
            "round {round}: heads unchanged, no change lost"
        );
        // A later increment survives the next compaction of the earlier ones.
        let heads = mine.get_heads();
        mine.put(ROOT, format!("later-{round}"), 1).expect("put");
        mine.commit();
        one.append("d", 0, &mine.save_after(&heads))
            .expect("append");
        all.merge(&mut mine).expect("merges");
    }
    assert_eq!(loaded(&two, "d").get_heads(), all.get_heads());
}

#[test]
fn compaction_merges_only_when_it_would_delete_an_increment_the_snapshot_may_lack() {
    let pg = Postgres::start();
    let store = store(&pg);
    let (mut mine, my_chunks) = increments(1, 2);
    let (mut theirs, their_chunks) = increments(2, 1);
    assert_eq!(store.append("d", 0, &my_chunks[0]).expect("append"), 0);
    // Another instance's increment lands between this one's two.
    assert_eq!(store.append("d", 0, &their_chunks[0]).expect("append"), 1);
    assert_eq!(store.append("d", 0, &my_chunks[1]).expect("append"), 2);
    let snapshot = mine.save();
    // Known: everything below 1, and its own 0 and 2 — but not 1: merged, nothing lost.
    let partly = Contains {
        heads: Some(mine.get_heads()),
        below: 1,
        also: vec![0, 2],
    };
    store
        .compact_known("d", &snapshot, 2, &partly)
        .expect("compacts");
    let mut all = mine.fork();
    all.merge(&mut theirs).expect("merges");
    let stored = store.load("d").expect("loads").expect("stored");
    assert_ne!(stored.bytes, snapshot, "merged, not the snapshot as given");
    assert_eq!(loaded(&store, "d").get_heads(), all.get_heads());

    // A snapshot known to hold everything it replaces is stored as it is (no reload).
    let heads = all.get_heads();
    all.put(ROOT, "later", 1).expect("put");
    all.commit();
    assert_eq!(
        store
            .append("d", 0, &all.save_after(&heads))
            .expect("append"),
        3
    );
    let whole = all.save();
    let known = Contains {
        heads: Some(all.get_heads()),
        below: 4,
        also: Vec::new(),
    };
    store
        .compact_known("d", &whole, 3, &known)
        .expect("compacts");
    let stored = store.load("d").expect("loads").expect("stored");
    assert_eq!(stored.bytes, whole);
    assert_eq!((stored.increments_len, stored.next_seq), (0, 4));
}

/// Sets `notes` to `text` (replacing it) in a client's copy and tells the relay.
async fn type_notes(c: &mut Client, id: DocumentId, text: &str) {
    let doc = c.docs.docs.get_mut(&id).expect("doc");
    let (_, notes) = doc.get(ROOT, "notes").expect("read").expect("notes");
    let len = doc.text(&notes).expect("text").chars().count();
    doc.splice_text(&notes, len, 0, text).expect("splice");
    doc.commit();
    c.changed(id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_converge() {
    let pg = Postgres::start();
    let app = app_dir();
    let (_d1, data1) = scratch();
    let (_d2, data2) = scratch();
    let url = pg.url();
    let shared = |c: &mut tandem_relay::config::Config| {
        c.store = Some(url.clone());
        c.sweep_ms = 200;
    };
    let one = RunningRelay::start_with(&data1, app.path(), shared).await;
    let two = RunningRelay::start_with(&data2, app.path(), shared).await;
    let id = DocumentId::from_bytes([23; 16]);
    let alice = one.owner_of(id).await;
    let alice_there = same_device_at(&alice, &two.addr);

    // The phone asks the second instance first: nobody has stored it yet.
    let mut b = Client::connect(&alice_there, "phone").await;
    b.share(id, AutoCommit::new()).await;
    b.pump_until(WAIT, |c| c.unavailable.contains(&id)).await;
    // The laptop creates it on the first; the second finds it in PostgreSQL (the sweep
    // looks for documents its peers wait for) and sends it on.
    let mut a = Client::connect(&alice, "laptop").await;
    a.share(id, doc_with("start")).await;
    a.pump_until(WAIT, |c| c.relay_heads(id).is_some_and(|h| !h.is_empty()))
        .await;
    b.pump_until(WAIT, |c| has_notes(c, id, "start")).await;

    // Both type at once; each sees the other's words (the sweep carries them across).
    for i in 0..5 {
        type_notes(&mut a, id, &format!(" a{i}")).await;
        type_notes(&mut b, id, &format!(" b{i}")).await;
    }
    let both = |c: &mut Client| {
        c.docs.docs.get(&id).and_then(notes).is_some_and(|n| {
            (0..5).all(|i| n.contains(&format!(" a{i}")) && n.contains(&format!(" b{i}")))
        })
    };
    let (ra, rb) = tokio::join!(a.pump_until(WAIT, both), b.pump_until(WAIT, both));
    let _ = (ra, rb);
    let heads = a.docs.docs.get_mut(&id).expect("doc").get_heads();
    assert_eq!(heads, b.docs.docs.get_mut(&id).expect("doc").get_heads());
    // Every change is acknowledged on both sides only once stored: the store has them all.
    a.pump_until(WAIT, |c| c.relay_heads(id).as_ref() == Some(&heads))
        .await;
    b.pump_until(WAIT, |c| c.relay_heads(id).as_ref() == Some(&heads))
        .await;
    let url = pg.url();
    let stored = tokio::task::spawn_blocking(move || {
        let store = DocStore::connect_postgres(&url).expect("connects");
        loaded(&store, &id.to_string()).get_heads()
    })
    .await
    .expect("reads");
    assert_eq!(stored, heads, "the stored document equals both copies");
    drop((a, b));
    one.stop().await;
    two.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgres_is_down_nothing_is_acknowledged_and_writers_resend_after() {
    let pg = Postgres::start();
    let app = app_dir();
    let (_d, data) = scratch();
    let url = pg.url();
    let relay = RunningRelay::start_with(&data, app.path(), |c| c.store = Some(url.clone())).await;
    let id = DocumentId::from_bytes([24; 16]);
    let alice = relay.owner_of(id).await;
    let mut a = Client::connect(&alice, "laptop").await;
    a.share(id, doc_with("kept")).await;
    a.pump_until(WAIT, |c| c.relay_heads(id).is_some_and(|h| !h.is_empty()))
        .await;
    let acknowledged = a.relay_heads(id).expect("heads");

    pg.halt();
    // A credential not in memory waits for a read, which fails: refused, not hung.
    let asked = tokio::time::Instant::now();
    let bytes: [u8; 40] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let status = reqwest::Client::new()
        .get(format!("http://{}/api/docs/{id}/access", relay.addr))
        .bearer_auth(format!("{}.{}", &hex[..16], &hex[16..]))
        .send()
        .await
        .expect("the relay answers")
        .status();
    println!(
        "PostgreSQL down: an unknown credential refused {status} after {:?}",
        asked.elapsed()
    );
    assert_eq!(status.as_u16(), 401);
    type_notes(&mut a, id, " while down").await;
    let (_, close) = a.read_until_closed(WAIT).await;
    let (_, reason) = close.expect("closed with a reason");
    assert!(reason.contains("storage"), "told why: {reason}");
    assert_eq!(
        a.relay_heads(id),
        Some(acknowledged),
        "nothing new acknowledged"
    );
    // Reconnecting while it is still down is refused with the reason, not served.
    let mut again = Client::connect(&alice, "laptop").await;
    let mut copy = a.docs.docs.get_mut(&id).expect("doc").fork();
    again.share(id, copy.fork()).await;
    let (_, close) = again.read_until_closed(WAIT).await;
    assert!(
        close.as_ref().is_some_and(|(_, r)| r.contains("store")),
        "refused while the store is down: {close:?}"
    );

    pg.resume();
    let mut again = Client::connect(&alice, "laptop").await;
    let heads = copy.get_heads();
    again.share(id, copy).await;
    again
        .pump_until(WAIT, |c| c.relay_heads(id).as_ref() == Some(&heads))
        .await;
    let url = pg.url();
    let stored = tokio::task::spawn_blocking(move || {
        let store = DocStore::connect_postgres(&url).expect("connects");
        notes(&loaded(&store, &id.to_string()))
    })
    .await
    .expect("reads");
    assert_eq!(stored.as_deref(), Some("kept while down"));
    drop(again);
    relay.stop().await;
}

const KILLS: usize = 30;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The relay binary on `port`, documents in PostgreSQL at `url`, sweeping every 100 ms.
/// Killed when dropped.
async fn spawn_instance(
    port: u16,
    data: &std::path::Path,
    app: &std::path::Path,
    url: &str,
) -> tokio::process::Child {
    support::RelayProcess::spawn_at(port, data, app, &["--store", url, "--sweep-ms", "100"])
        .await
        .child
}

fn has_all(c: &mut Client, id: DocumentId, changes: &[automerge::ChangeHash]) -> bool {
    c.docs
        .docs
        .get_mut(&id)
        .is_some_and(|d| changes.iter().all(|h| d.get_change_by_hash(h).is_some()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_changes_survive_killing_an_instance_and_reach_the_other() {
    let pg = Postgres::start();
    let app = app_dir();
    let (_d1, data1) = scratch();
    let (_d2, data2) = scratch();
    let url = pg.url();
    let (port1, port2) = (free_port(), free_port());
    let mut victim = spawn_instance(port1, &data1, app.path(), &url).await;
    let _survivor = spawn_instance(port2, &data2, app.path(), &url).await;
    let seed: u64 = rand::rng().random();
    println!("seed {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let id = DocumentId::from_bytes([25; 16]);
    let device = Device::register_at(&format!("127.0.0.1:{port1}")).await;
    device.claim(id).await;
    let there = same_device_at(&device, &format!("127.0.0.1:{port2}"));

    // Someone on the surviving instance syncs the partnership throughout.
    let mut doc = AutoCommit::new();
    let text = doc.put_object(ROOT, "notes", ObjType::Text).expect("text");
    doc.commit();
    let mut observer = Client::connect(&there, "observer").await;
    observer.share(id, doc.clone()).await;
    observer
        .pump_until(WAIT, |c| c.relay_heads(id).is_some_and(|h| !h.is_empty()))
        .await;

    let mut rounds_with_acks = 0;
    for round in 0..KILLS {
        // The writer streams edits to the victim until it is killed.
        let mut writer = Client::connect(&device, &format!("w{round}")).await;
        writer.share(id, doc.clone()).await;
        let mut acked = Vec::new();
        let kill_after = Duration::from_millis(rng.random_range(20..400));
        let started = tokio::time::Instant::now();
        while started.elapsed() < kill_after {
            let d = writer.docs.docs.get_mut(&id).expect("doc");
            let len = d.text(&text).expect("text").chars().count();
            d.splice_text(&text, len, 0, "x").expect("splice");
            d.commit();
            writer.changed(id).await;
            writer.settle(Duration::from_millis(2)).await;
            if let Some(heads) = writer.relay_heads(id) {
                acked = heads;
            }
        }
        rounds_with_acks += usize::from(!acked.is_empty());
        victim.start_kill().expect("SIGKILL");
        victim.wait().await.expect("reaped");
        doc = writer.docs.docs.get(&id).expect("doc").clone();
        drop(writer);

        // Every change the writer saw acknowledged is in PostgreSQL, which loads strictly…
        let url = pg.url();
        let stored = tokio::task::spawn_blocking(move || loaded(&store_at(&url), &id.to_string()))
            .await
            .expect("reads");
        for h in &acked {
            assert!(
                stored.get_change_by_hash(h).is_some(),
                "round {round} (seed {seed}): acknowledged change {h} is in PostgreSQL"
            );
        }
        // …and reaches the client of the other instance.
        observer.pump_until(WAIT, |c| has_all(c, id, &acked)).await;

        // The writer carries on through the other instance: what was not acknowledged
        // before the kill is stored now.
        let mut moved = Client::connect(&there, &format!("m{round}")).await;
        let want = doc.get_heads();
        moved.share(id, doc.clone()).await;
        moved
            .pump_until(WAIT, |c| c.relay_heads(id).as_ref() == Some(&want))
            .await;
        drop(moved);
        victim = spawn_instance(port1, &data1, app.path(), &pg.url()).await;
    }
    assert!(
        rounds_with_acks >= KILLS / 2,
        "the victim acknowledged edits before most kills ({rounds_with_acks} of {KILLS}), so the check means something"
    );
    let want = doc.get_heads();
    observer
        .pump_until(WAIT, |c| {
            c.docs
                .docs
                .get_mut(&id)
                .is_some_and(|d| d.get_heads() == want)
        })
        .await;
    println!(
        "{KILLS} kills, {rounds_with_acks} after acknowledged edits; every acknowledged change was in PostgreSQL and reached the other instance's client"
    );
    let _ = victim.start_kill();
}

/// Two in-process relays on one PostgreSQL, and the scratch folders they use.
async fn two_instances(pg: &Postgres) -> (RunningRelay, RunningRelay, Vec<tempfile::TempDir>) {
    let app = app_dir();
    let (d1, data1) = scratch();
    let (d2, data2) = scratch();
    let url = pg.url();
    let shared = |c: &mut tandem_relay::config::Config| {
        c.store = Some(url.clone());
        c.sweep_ms = 200;
    };
    let one = RunningRelay::start_with(&data1, app.path(), shared).await;
    let two = RunningRelay::start_with(&data2, app.path(), shared).await;
    (one, two, vec![app, d1, d2])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_claiming_one_partnership_on_two_instances_get_one_owner() {
    let pg = Postgres::start();
    let (one, two, _dirs) = two_instances(&pg).await;
    let x = one.device().await;
    let y = two.device().await;
    for round in 0..10u8 {
        let id = DocumentId::from_bytes([0x40 + round; 16]);
        let claim = tandem_sync::api::Claim { document: id };
        let ((sx, ax), (sy, ay)) = tokio::join!(x.send(&claim), y.send(&claim));
        let won = [sx, sy].iter().filter(|s| **s == 201).count();
        assert_eq!(
            won, 1,
            "round {round}: exactly one owner: {sx} {ax:?} / {sy} {ay:?}"
        );
        assert!(
            sx == 409 || sy == 409,
            "the other is told it is owned: {sx} / {sy}"
        );
        // Both instances agree on who: the loser is refused on either.
        let loser = if sx == 201 { &y } else { &x };
        for addr in [&one.addr, &two.addr] {
            let (status, _) = same_device_at(loser, addr)
                .send(&tandem_sync::api::Claim { document: id })
                .await;
            assert_eq!(
                status, 409,
                "round {round}: still owned by the other on {addr}"
            );
        }
    }
    one.stop().await;
    two.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_on_one_instance_is_refused_writes_and_loses_access_when_revoked_on_the_other() {
    let pg = Postgres::start();
    let (one, two, _dirs) = two_instances(&pg).await;
    let id = DocumentId::from_bytes([26; 16]);
    let owner = one.owner_of(id).await;
    let mut o = Client::connect(&owner, "laptop").await;
    o.share(id, doc_with("plan")).await;
    o.pump_until(WAIT, |c| c.relay_heads(id).is_some_and(|h| !h.is_empty()))
        .await;
    // A link made on the first instance is redeemed on the second.
    let link = owner.link(id, "viewer", None).await;
    let viewer = two.device().await;
    let (status, answer) = viewer.redeem(&link.secret).await;
    assert_eq!(status, 200, "redeems on the other instance: {answer:?}");

    let mut v = Client::connect(&viewer, "phone").await;
    v.share(id, AutoCommit::new()).await;
    v.pump_until(WAIT, |c| has_notes(c, id, "plan")).await;
    type_notes(&mut v, id, " changed").await;
    let (_, close) = v.read_until_closed(WAIT).await;
    let (_, reason) = close.expect("closed with a reason");
    assert!(
        reason.contains("view"),
        "a viewer's change is refused: {reason}"
    );

    let mut v = Client::connect(&viewer, "phone").await;
    v.share(id, AutoCommit::new()).await;
    v.pump_until(WAIT, |c| has_notes(c, id, "plan")).await;
    v.settle(Duration::from_millis(300)).await;
    assert!(v.closed.is_none() && !v.unavailable.contains(&id));
    // Revoked on the first instance: the session on the second ends within a second.
    owner.revoke(id, &link.id).await;
    let revoked = tokio::time::Instant::now();
    v.pump_until(Duration::from_secs(1), |c| c.unavailable.contains(&id))
        .await;
    println!(
        "revoked on one instance; the other ended the viewer's session after {:?}",
        revoked.elapsed()
    );
    let (status, _) = same_device_at(&viewer, &one.addr)
        .send(&tandem_sync::api::GetAccess { document: id })
        .await;
    assert_ne!(status, 200, "no access through the first instance either");
    drop((o, v));
    one.stop().await;
    two.stop().await;
}

/// Two relay processes on one PostgreSQL that read other instances' access changes only
/// every minute and have no bus: a new device, claim or grant made on the first is known
/// on the second only by the read a lookup that misses makes. Killed when dropped.
async fn two_processes_without_poll(
    pg: &Postgres,
) -> (
    support::RelayProcess,
    support::RelayProcess,
    Vec<tempfile::TempDir>,
) {
    let app = app_dir();
    let url = pg.url();
    let flags = ["--store", &url, "--access-poll-ms", "60000"];
    let (d1, data1) = scratch();
    let (d2, data2) = scratch();
    let one = support::RelayProcess::spawn_at(free_port(), &data1, app.path(), &flags).await;
    let two = support::RelayProcess::spawn_at(free_port(), &data2, app.path(), &flags).await;
    (one, two, vec![app, d1, d2])
}

/// Whether the relay at `addr` takes a sync socket with `device`'s credential (false: the
/// upgrade was refused with 401).
async fn socket_accepted(device: &Device, addr: &str) -> bool {
    let url = same_device_at(device, addr).sync_url();
    match tokio_tungstenite::connect_async(url).await {
        Ok(_) => true,
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 401, "refused only as unknown");
            false
        }
        Err(e) => panic!("the upgrade failed otherwise: {e}"),
    }
}

/// Waits until the relay at `addr` knows `device` (its access answer is no longer 401),
/// so a test of claims or grants is not a test of devices.
async fn known_on(device: &Device, addr: &str) {
    let there = same_device_at(device, addr);
    let id = DocumentId::from_bytes([0x5f; 16]);
    let deadline = tokio::time::Instant::now() + WAIT;
    while there
        .call(
            reqwest::Method::GET,
            &format!("/api/docs/{id}/access"),
            None,
        )
        .await
        .0
        == 401
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{addr} learns of the device"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Instances need no affinity: behind a plain load balancer a browser registers, claims
/// or redeems on one instance and opens its socket on another a millisecond later. A
/// lookup that misses there is answered from a PostgreSQL read that started after it, so
/// nothing is refused — with no bus and no poll to help.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_claim_or_grant_made_on_one_instance_is_known_at_once_on_the_other() {
    const ROUNDS: usize = 24;
    let pg = Postgres::start();
    let (one, two, _dirs) = two_processes_without_poll(&pg).await;

    // New devices registered on the first, used at once on the second (HTTP and a sync
    // socket), many at the same moment.
    let devices = futures_util::future::join_all((0..ROUNDS).map(|i| {
        let (a, b) = (one.addr.clone(), two.addr.clone());
        async move {
            tokio::time::sleep(Duration::from_millis(4 * i as u64)).await;
            let device = Device::register_at(&a).await;
            let id = DocumentId::from_bytes([0x60; 16]);
            let (status, _) = same_device_at(&device, &b)
                .call(
                    reqwest::Method::GET,
                    &format!("/api/docs/{id}/access"),
                    None,
                )
                .await;
            assert!(status == 401 || status == 403, "known or not: {status}");
            let api_refused = status == 401;
            let socket_refused = !socket_accepted(&device, &b).await;
            (api_refused, socket_refused)
        }
    }))
    .await;
    let api_refused = devices.iter().filter(|(a, _)| *a).count();
    let sockets_refused = devices.iter().filter(|(_, s)| *s).count();

    // Partnerships claimed on the first, each opened at once on the second over a socket
    // that was open all along.
    let owner = Device::register_at(&one.addr).await;
    known_on(&owner, &two.addr).await;
    let mut phone = Client::connect(&same_device_at(&owner, &two.addr), "phone").await;
    let ids: Vec<DocumentId> = (0..ROUNDS)
        .map(|i| DocumentId::from_bytes([0x61, i as u8, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]))
        .collect();
    for id in &ids {
        owner.claim(*id).await;
        phone.share(*id, doc_with("claimed")).await;
    }
    let answered = |c: &mut Client, id: DocumentId| {
        c.unavailable.contains(&id) || c.relay_heads(id).is_some_and(|h| !h.is_empty())
    };
    phone
        .pump_until(WAIT, |c| ids.iter().all(|id| answered(c, *id)))
        .await;
    let claims_refused = ids
        .iter()
        .filter(|id| phone.unavailable.contains(id))
        .count();
    // Every partnership stored (through the first instance, which made the claims), so
    // that what follows tests grants alone.
    let mut laptop = Client::connect(&owner, "laptop").await;
    for id in &ids {
        laptop.share(*id, doc_with("claimed")).await;
    }
    laptop
        .pump_until(WAIT, |c| {
            ids.iter()
                .all(|id| c.relay_heads(*id).is_some_and(|h| !h.is_empty()))
        })
        .await;
    let stored = ids.clone();

    // Links made on the first and redeemed there, each opened at once on the second.
    let guest = Device::register_at(&two.addr).await;
    known_on(&guest, &one.addr).await;
    let mut tablet = Client::connect(&guest, "tablet").await;
    for id in &stored {
        let link = owner.link(*id, "viewer", None).await;
        let (status, answer) = same_device_at(&guest, &one.addr).redeem(&link.secret).await;
        assert_eq!(status, 200, "redeems on the first instance: {answer:?}");
        tablet.share(*id, AutoCommit::new()).await;
    }
    let opened = |c: &mut Client, id: DocumentId| {
        c.unavailable.contains(&id) || c.docs.docs.get(&id).and_then(notes).is_some()
    };
    tablet
        .pump_until(WAIT, |c| stored.iter().all(|id| opened(c, *id)))
        .await;
    let grants_refused = stored
        .iter()
        .filter(|id| tablet.unavailable.contains(id))
        .count();

    println!(
        "made on one instance, used at once on the other: {api_refused} of {ROUNDS} new devices refused 401 over HTTP, {sockets_refused} of {ROUNDS} on a sync socket; {claims_refused} of {ROUNDS} claims answered doc-unavailable; {grants_refused} of {} grants answered doc-unavailable",
        stored.len()
    );
    assert_eq!(
        (api_refused, sockets_refused, claims_refused, grants_refused),
        (0, 0, 0, 0),
        "nothing made on one instance is refused on the other"
    );
    drop((phone, laptop, tablet));
    one.stop().await;
    two.stop().await;
}

/// A `request` for `id` from `<device id>-<name>`, as a peer opening a partnership sends.
fn request_frame(device: &Device, name: &str, id: DocumentId) -> Vec<u8> {
    use automerge::sync::SyncDoc;
    let data = AutoCommit::new()
        .sync()
        .generate_sync_message(&mut automerge::sync::State::new())
        .expect("a first sync message")
        .encode();
    tandem_sync::message::Message::Request {
        sender_id: device.peer(name).parse().expect("peer id"),
        target_id: "tandem-relay".parse().expect("peer id"),
        document_id: id,
        data,
    }
    .encode()
}

/// Sends a request for each of `n` partnerships nobody has on one socket and reads until
/// each is answered `doc-unavailable`.
async fn ask_for_unknown(device: &Device, name: &str, n: usize) {
    use futures_util::StreamExt;
    let mut raw = support::joined(device, name).await;
    for _ in 0..n {
        let id = DocumentId::from_bytes(rand::random());
        raw.send(request_frame(device, name, id)).await;
    }
    let mut unavailable = 0;
    while unavailable < n {
        let frame = tokio::time::timeout(WAIT, raw.socket.next())
            .await
            .expect("the relay answers every request");
        match frame {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Binary(bytes))) => {
                if let Ok(tandem_sync::message::Message::DocUnavailable { .. }) =
                    tandem_sync::message::Message::decode(&bytes)
                {
                    unavailable += 1;
                }
            }
            Some(Ok(_)) => {}
            other => panic!("the socket ended: {other:?}"),
        }
    }
}

/// Lookups that miss wait for a read of PostgreSQL, but share it: thousands of unknown
/// credentials and partnerships at once cost the store a read per
/// [`tandem_relay::access::refresher::SPACING`] at most, and a real peer on the same
/// instance keeps having its edits acknowledged meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unknown_credentials_and_partnerships_costs_postgres_few_reads() {
    const BOGUS_CREDENTIALS: usize = 3000;
    const HTTP_AT_ONCE: usize = 48;
    const SOCKETS: usize = 16;
    const REQUESTS_PER_SOCKET: usize = 100;
    let pg = Postgres::start();
    let app = app_dir();
    let (_d, data) = scratch();
    let mut config = tandem_relay::config::Config::new(
        "127.0.0.1:0".parse().expect("addr"),
        data,
        app.path().to_path_buf(),
    );
    config.store = Some(pg.url());
    // No poll during the flood: every read counted is one a lookup asked for (or a
    // change made).
    config.access_poll_ms = 60_000;
    let relay = tandem_relay::server::bind(&config).await.expect("binds");
    let access = relay.access.clone();
    let addr = relay.listener.local_addr().expect("addr").to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        tandem_relay::server::run(relay, &config, async {
            let _ = stopped.await;
        })
        .await
    });

    let id = DocumentId::from_bytes([0x62; 16]);
    let owner = Device::register_at(&addr).await;
    owner.claim(id).await;
    let mut peer = Client::connect(&owner, "laptop").await;
    peer.share(id, doc_with("steady")).await;
    peer.pump_until(WAIT, |c| c.relay_heads(id).is_some_and(|h| !h.is_empty()))
        .await;
    // The flooding devices are known before the count starts.
    let flooders = [
        Device::register_at(&addr).await,
        Device::register_at(&addr).await,
    ];

    let reads_before = access.store_reads();
    let started = tokio::time::Instant::now();
    let http = {
        let addr = addr.clone();
        async move {
            let client = reqwest::Client::new();
            let next = std::sync::atomic::AtomicUsize::new(0);
            let refused = std::sync::atomic::AtomicUsize::new(0);
            futures_util::future::join_all((0..HTTP_AT_ONCE).map(|_| async {
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < BOGUS_CREDENTIALS {
                    let bytes: [u8; 40] = rand::random();
                    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                    let status = client
                        .get(format!("http://{addr}/api/docs/{id}/access"))
                        .bearer_auth(format!("{}.{}", &hex[..16], &hex[16..]))
                        .send()
                        .await
                        .expect("the relay answers")
                        .status()
                        .as_u16();
                    assert!(status == 401 || status == 429, "refused: {status}");
                    refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }))
            .await;
            refused.into_inner()
        }
    };
    let sockets = futures_util::future::join_all((0..SOCKETS).map(|i| {
        let device = &flooders[i % flooders.len()];
        async move { ask_for_unknown(device, &format!("flood{i}"), REQUESTS_PER_SOCKET).await }
    }));
    let edits = async {
        let mut took = Vec::new();
        for _ in 0..10 {
            took.push(
                support::edit_acknowledged_within(&mut peer, id, Duration::from_secs(5)).await,
            );
        }
        took
    };
    let (refused, _, took) = tokio::join!(http, sockets, edits);
    let elapsed = started.elapsed();
    let reads = access.store_reads() - reads_before;
    let lookups = refused + SOCKETS * REQUESTS_PER_SOCKET;
    let spacing = tandem_relay::access::refresher::SPACING;
    let bound = (elapsed.as_millis() / spacing.as_millis()) as u64 + 1;
    let slowest = took.iter().max().copied().unwrap_or_default();
    println!(
        "{lookups} lookups that missed ({refused} unknown credentials, {} unknown partnerships) in {elapsed:?}: {reads} PostgreSQL reads (at most {bound} at one per {spacing:?}); the real peer's edits acknowledged in at most {slowest:?}",
        SOCKETS * REQUESTS_PER_SOCKET
    );
    assert_eq!(refused, BOGUS_CREDENTIALS);
    assert!(
        reads <= bound + 2,
        "{reads} reads for {lookups} lookups in {elapsed:?}: more than one per {spacing:?}"
    );
    assert!(
        reads * 10 < lookups as u64,
        "lookups share reads: {reads} for {lookups}"
    );
    drop(peer);
    let _ = stop.send(());
    server
        .await
        .expect("joins")
        .expect("the relay stops cleanly");
}
