//! Cluster mode with the bus (issue 23): relay instances on one PostgreSQL tell each
//! other over NATS what they stored, what was revoked, and their peers' presence. Each
//! test starts its own PostgreSQL (tests/support/postgres.rs) and NATS
//! (tests/support/nats.rs); the presence and revocation tests run the relay binary, two
//! processes, as a deployment would.
//!
//! The figures (cross-instance latency with the bus, during an outage, after it) are
//! printed with `--nocapture`.

mod support;

use std::time::{Duration, Instant};

use automerge::{AutoCommit, ChangeHash, ROOT, ReadDoc, sync::SyncDoc, transaction::Transactable};
use futures_util::StreamExt;
use support::nats::Nats;
use support::postgres::{Postgres, same_device_at};
use support::{
    Client, Device, Raw, RelayProcess, RunningRelay, app_dir, doc_with, has_notes, joined, notes,
    scratch, sync_frame,
};
use tandem_relay::bus::{PRESENCE_PREFIX, Presence, encode_presence};
use tandem_relay::doc_store::DocStore;
use tandem_sync::{document_id::DocumentId, message::Message};
use tokio_tungstenite::tungstenite::Message as Ws;

const WAIT: Duration = Duration::from_secs(15);

/// Appends `text` to the notes in a client's copy and tells the relay; the new heads.
async fn type_notes(c: &mut Client, id: DocumentId, text: &str) -> Vec<ChangeHash> {
    let doc = c.docs.docs.get_mut(&id).expect("doc");
    let (_, notes) = doc.get(ROOT, "notes").expect("read").expect("notes");
    let len = doc.text(&notes).expect("text").chars().count();
    doc.splice_text(&notes, len, 0, text).expect("splice");
    doc.commit();
    let heads = doc.get_heads();
    c.changed(id).await;
    heads
}

fn sees(c: &Client, id: DocumentId, text: &str) -> bool {
    c.docs
        .docs
        .get(&id)
        .and_then(notes)
        .is_some_and(|n| n.contains(text))
}

/// `a` types `text`; how long until `b`, on the other instance, has it (`a` is pumped
/// meanwhile until the relay acknowledges it).
async fn crossing(a: &mut Client, b: &mut Client, id: DocumentId, text: &str) -> Duration {
    let started = Instant::now();
    let want = type_notes(a, id, text).await;
    let (_, took) = tokio::join!(
        a.pump_until(WAIT, |c| c.relay_heads(id).as_ref() == Some(&want)),
        async {
            b.pump_until(WAIT, |c| sees(c, id, text)).await;
            started.elapsed()
        }
    );
    took
}

/// Edits until one crosses within a second: both instances reached NATS and subscribed
/// (a hint published before that is lost; the next one names the gap, which is read
/// from PostgreSQL). How long that took.
async fn warm_up(a: &mut Client, b: &mut Client, id: DocumentId) -> Duration {
    let started = Instant::now();
    for i in 0..20 {
        let text = format!(" w{i}");
        let want = type_notes(a, id, &text).await;
        a.pump_until(WAIT, |c| c.relay_heads(id).as_ref() == Some(&want))
            .await;
        let crossed = tokio::time::timeout(
            Duration::from_secs(1),
            b.pump_until(WAIT, |c| sees(c, id, &text)),
        )
        .await;
        if crossed.is_ok() {
            return started.elapsed();
        }
    }
    panic!("no edit crossed the bus within 20 tries");
}

/// Edits until three in a row cross within 150 ms — the bus, not the sweep, carries them
/// (NATS was down); how long that took. At most 20 s.
async fn until_fast(a: &mut Client, b: &mut Client, id: DocumentId, tag: &str) -> Duration {
    let started = Instant::now();
    let mut fast_in_a_row = 0;
    let mut tries = 0;
    while fast_in_a_row < 3 {
        tries += 1;
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "fast delivery did not return within 20 s of NATS starting"
        );
        let took = crossing(a, b, id, &format!("{tag}{tries}")).await;
        fast_in_a_row = if took < Duration::from_millis(150) {
            fast_in_a_row + 1
        } else {
            0
        };
    }
    started.elapsed()
}

fn ms(d: &[Duration]) -> Vec<u128> {
    d.iter().map(Duration::as_millis).collect()
}

/// Two in-process relays on one PostgreSQL and one NATS, sweeping every `sweep_ms`.
async fn two_instances(
    pg: &Postgres,
    nats: &Nats,
    sweep_ms: u64,
) -> (RunningRelay, RunningRelay, Vec<tempfile::TempDir>) {
    two_instances_polling(pg, nats, sweep_ms, 200).await
}

/// [`two_instances`], reading access changes every `access_poll_ms`.
async fn two_instances_polling(
    pg: &Postgres,
    nats: &Nats,
    sweep_ms: u64,
    access_poll_ms: u64,
) -> (RunningRelay, RunningRelay, Vec<tempfile::TempDir>) {
    let app = app_dir();
    let (d1, data1) = scratch();
    let (d2, data2) = scratch();
    let (url, bus) = (pg.url(), nats.url());
    let shared = |c: &mut tandem_relay::config::Config| {
        c.store = Some(url.clone());
        c.bus = Some(bus.clone());
        c.sweep_ms = sweep_ms;
        c.access_poll_ms = access_poll_ms;
    };
    let one = RunningRelay::start_with(&data1, app.path(), shared).await;
    let two = RunningRelay::start_with(&data2, app.path(), shared).await;
    (one, two, vec![app, d1, d2])
}

/// A partnership made on the first instance (laptop) and opened on the second (phone).
async fn laptop_and_phone(
    one: &RunningRelay,
    two: &RunningRelay,
    id: DocumentId,
) -> (Client, Client) {
    let alice = one.owner_of(id).await;
    let mut a = Client::connect(&alice, "laptop").await;
    a.share(id, doc_with("start")).await;
    a.pump_until(WAIT, |c| c.relay_heads(id).is_some_and(|h| !h.is_empty()))
        .await;
    let mut b = Client::connect(&same_device_at(&alice, &two.addr), "phone").await;
    b.share(id, AutoCommit::new()).await;
    b.pump_until(WAIT, |c| has_notes(c, id, "start")).await;
    (a, b)
}

/// The stored document's heads.
async fn stored_heads(pg: &Postgres, id: DocumentId) -> Vec<ChangeHash> {
    let url = pg.url();
    tokio::task::spawn_blocking(move || {
        let store = DocStore::connect_postgres(&url).expect("connects");
        let stored = store.load(&id.to_string()).expect("loads").expect("stored");
        AutoCommit::load(&stored.bytes).expect("loads").get_heads()
    })
    .await
    .expect("reads")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bus_needs_a_shared_store() {
    let app = app_dir();
    let (_d, data) = scratch();
    let mut config = tandem_relay::config::Config::new(
        "127.0.0.1:0".parse().expect("addr"),
        data,
        app.path().to_path_buf(),
    );
    config.bus = Some("nats://127.0.0.1:4222".into());
    let refused = tandem_relay::server::bind(&config)
        .await
        .expect_err("refused without --store");
    assert!(
        refused.to_string().contains("--store"),
        "says what it needs: {refused}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_bus_an_edit_reaches_the_other_instance_long_before_the_sweep() {
    let pg = Postgres::start();
    let nats = Nats::start();
    // A sweep a minute apart: only the bus can carry an edit across quickly.
    let (one, two, _dirs) = two_instances(&pg, &nats, 60_000).await;
    let id = DocumentId::from_bytes([0x23; 16]);
    let (mut a, mut b) = laptop_and_phone(&one, &two, id).await;
    // The first crossing may wait for the instances to reach NATS.
    let first = warm_up(&mut a, &mut b, id).await;
    let mut there = Vec::new();
    let mut back = Vec::new();
    for i in 0..10 {
        there.push(crossing(&mut a, &mut b, id, &format!(" a{i}")).await);
        back.push(crossing(&mut b, &mut a, id, &format!(" b{i}")).await);
    }
    // A paste too large to ride along with its hint: the receiver reads it from the store.
    let paste = format!(" big{}", "x".repeat(40 * 1024));
    let large = crossing(&mut a, &mut b, id, &paste).await;
    eprintln!(
        "with the bus (sweep every 60 s): first crossing {first:?}; laptop→phone {:?} ms, phone→laptop {:?} ms; a 40 KiB paste (read from PostgreSQL) {large:?}",
        ms(&there),
        ms(&back)
    );
    // Most of its time is Automerge applying 40 K insertions, unoptimised, four times.
    assert!(
        large < Duration::from_secs(5),
        "a large increment crosses by the store, long before the sweep: {large:?}"
    );
    let slowest = there.iter().chain(&back).max().copied().unwrap_or_default();
    assert!(
        slowest < Duration::from_millis(500),
        "every edit crosses within 500 ms, not at the sweep: slowest {slowest:?}"
    );
    let heads = a.docs.docs.get_mut(&id).expect("doc").get_heads();
    assert_eq!(heads, b.docs.docs.get_mut(&id).expect("doc").get_heads());
    assert_eq!(
        stored_heads(&pg, id).await,
        heads,
        "the store has both sides"
    );
    drop((a, b));
    one.stop().await;
    two.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_nats_mid_stream_loses_nothing_and_its_return_brings_latency_back() {
    let pg = Postgres::start();
    let mut nats = Nats::start();
    const SWEEP: Duration = Duration::from_millis(1000);
    let (one, two, _dirs) = two_instances(&pg, &nats, SWEEP.as_millis() as u64).await;
    let id = DocumentId::from_bytes([0x24; 16]);
    let (mut a, mut b) = laptop_and_phone(&one, &two, id).await;
    warm_up(&mut a, &mut b, id).await;
    let mut before = Vec::new();
    for i in 0..5 {
        before.push(crossing(&mut a, &mut b, id, &format!(" p{i}")).await);
    }

    // The laptop streams edits through the first instance; NATS dies a third of the
    // way in. Each edit is acknowledged before the next (what "acknowledged" covers).
    let mut acked = Vec::new();
    for i in 0..30 {
        if i == 10 {
            nats.kill();
        }
        let want = type_notes(&mut a, id, &format!(" s{i}")).await;
        a.pump_until(WAIT, |c| c.relay_heads(id).as_ref() == Some(&want))
            .await;
        acked.push(want);
    }
    let last_ack = Instant::now();
    b.pump_until(WAIT, |c| (0..30).all(|i| sees(c, id, &format!(" s{i}"))))
        .await;
    let converged = last_ack.elapsed();
    // Every acknowledged change is stored.
    let stored = stored_heads(&pg, id).await;
    assert_eq!(
        Some(&stored),
        acked.last(),
        "PostgreSQL holds every acknowledged edit"
    );
    let mut during = Vec::new();
    for i in 0..5 {
        during.push(crossing(&mut a, &mut b, id, &format!(" d{i}")).await);
    }

    nats.restart();
    // Both instances reconnect and subscribe again on their own (backing off up to 1 s).
    let returned = until_fast(&mut a, &mut b, id, " r").await;
    let mut after = Vec::new();
    for i in 0..5 {
        after.push(crossing(&mut a, &mut b, id, &format!(" q{i}")).await);
    }
    eprintln!(
        "sweep every {SWEEP:?}: with NATS {:?} ms; NATS killed mid-stream: the other client had all 30 acknowledged edits {converged:?} after the last acknowledgement, crossings during the outage {:?} ms; NATS restarted: fast again after {returned:?}, then {:?} ms",
        ms(&before),
        ms(&during),
        ms(&after)
    );
    assert!(
        converged < SWEEP + Duration::from_millis(1000),
        "the clients converge within the sweep period (plus its work): {converged:?}"
    );
    let slowest_during = during.iter().max().copied().unwrap_or_default();
    assert!(
        slowest_during < SWEEP + Duration::from_millis(1000),
        "without NATS, the sweep delivers: slowest {slowest_during:?}"
    );
    let slowest_after = after.iter().max().copied().unwrap_or_default();
    assert!(
        slowest_after < Duration::from_millis(300),
        "with NATS back, edits cross well within the sweep period: slowest {slowest_after:?}"
    );
    let heads = a.docs.docs.get_mut(&id).expect("doc").get_heads();
    b.pump_until(WAIT, |c| {
        c.docs
            .docs
            .get_mut(&id)
            .is_some_and(|d| d.get_heads() == heads)
    })
    .await;
    assert_eq!(stored_heads(&pg, id).await, heads);
    drop((a, b));
    one.stop().await;
    two.stop().await;
}

/// The relay binary, two processes on one PostgreSQL and one NATS (which may be down),
/// each with its own `--access-poll-ms`; the sweep a minute apart. Killed when dropped.
struct TwoProcesses {
    one: RelayProcess,
    two: RelayProcess,
    _dirs: Vec<tempfile::TempDir>,
}

async fn two_processes(
    pg: &Postgres,
    nats: &Nats,
    poll_one_ms: u64,
    poll_two_ms: u64,
) -> TwoProcesses {
    let app = app_dir();
    let mut dirs = Vec::new();
    let mut relays = Vec::new();
    for poll in [poll_one_ms, poll_two_ms] {
        let (dir, data) = scratch();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let (url, bus, poll) = (pg.url(), nats.url(), poll.to_string());
        let flags = [
            "--store",
            &url,
            "--bus",
            &bus,
            "--sweep-ms",
            "60000",
            "--access-poll-ms",
            &poll,
        ];
        relays.push(RelayProcess::spawn_at(port, &data, app.path(), &flags).await);
        dirs.push(dir);
    }
    dirs.push(app);
    let two = relays.pop().expect("two");
    let one = relays.pop().expect("one");
    TwoProcesses {
        one,
        two,
        _dirs: dirs,
    }
}

/// `device` as the relay at `addr` knows it once that relay has read its access to
/// `id` (written by another instance): a sync connection opened before then could be
/// answered that the partnership is unavailable.
async fn known_at(device: &Device, addr: &str, id: DocumentId) -> Device {
    let there = same_device_at(device, addr);
    let deadline = Instant::now() + WAIT;
    while there
        .send(&tandem_sync::api::GetAccess { document: id })
        .await
        .0
        != 200
    {
        assert!(Instant::now() < deadline, "{addr} learns of the access");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    there
}

/// The owner (on the first instance) revokes a viewer link three times; each time, how
/// long until the viewer's session on the second instance lost the partnership. Panics
/// if one takes longer than `within`.
async fn revocations_cross(
    relays: &TwoProcesses,
    id: DocumentId,
    within: Duration,
) -> Vec<Duration> {
    let owner = Device::register_at(&relays.one.addr).await;
    owner.claim(id).await;
    let mut o = Client::connect(&owner, "laptop").await;
    o.share(id, doc_with("plan")).await;
    o.pump_until(WAIT, |c| c.relay_heads(id).is_some_and(|h| !h.is_empty()))
        .await;
    let mut took = Vec::new();
    for round in 0..3 {
        let link = owner.link(id, "viewer", None).await;
        // Redeemed on the second instance, which writes the grant: it knows of it
        // without reading what others changed.
        let viewer = Device::register_at(&relays.two.addr).await;
        let (status, answer) = viewer.redeem(&link.secret).await;
        assert_eq!(status, 200, "redeems on the other instance: {answer:?}");
        let mut v = Client::connect(&viewer, &format!("phone{round}")).await;
        v.share(id, AutoCommit::new()).await;
        v.pump_until(WAIT, |c| has_notes(c, id, "plan")).await;
        v.settle(Duration::from_millis(300)).await;
        assert!(v.closed.is_none() && !v.unavailable.contains(&id));
        let revoked = Instant::now();
        owner.revoke(id, &link.id).await;
        v.pump_until(within, |c| c.unavailable.contains(&id)).await;
        took.push(revoked.elapsed());
    }
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_bus_a_revocation_on_one_instance_ends_the_session_on_the_other_at_once() {
    let pg = Postgres::start();
    let nats = Nats::start();
    // The second instance reads access changes every 30 s: only the bus's hint can end
    // its viewer's session within a second.
    let relays = two_processes(&pg, &nats, 200, 30_000).await;
    let id = DocumentId::from_bytes([0x25; 16]);
    // Both instances reach NATS before the first revocation: an edit crossing by the bus
    // (the sweep is a minute apart) shows they did.
    let owner = Device::register_at(&relays.one.addr).await;
    let warm = DocumentId::from_bytes([0x35; 16]);
    owner.claim(warm).await;
    let mut a = Client::connect(&owner, "laptop").await;
    a.share(warm, doc_with("start")).await;
    a.pump_until(WAIT, |c| c.relay_heads(warm).is_some_and(|h| !h.is_empty()))
        .await;
    let mut b = Client::connect(&known_at(&owner, &relays.two.addr, warm).await, "phone").await;
    b.share(warm, AutoCommit::new()).await;
    b.pump_until(WAIT, |c| has_notes(c, warm, "start")).await;
    warm_up(&mut a, &mut b, warm).await;
    let took = revocations_cross(&relays, id, Duration::from_secs(1)).await;
    eprintln!(
        "with the bus (second instance's access poll every 30 s): a revocation on one instance ended the session on the other after {:?} ms (from the owner's revoke call)",
        ms(&took)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nats_down_the_access_poll_still_ends_the_session_on_the_other_instance() {
    let pg = Postgres::start();
    // The instances are told of a NATS that never answers: the hint is lost, and the
    // poll (every 200 ms) plus the enforcement tick (500 ms) end the session.
    let nats = Nats::not_started();
    let relays = two_processes(&pg, &nats, 200, 200).await;
    let id = DocumentId::from_bytes([0x29; 16]);
    let took = revocations_cross(&relays, id, Duration::from_millis(1500)).await;
    eprintln!(
        "NATS down (access poll every 200 ms): a revocation on one instance ended the session on the other after {:?} ms",
        ms(&took)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_started_while_nats_is_down_work_on_the_sweep_and_use_nats_once_it_answers() {
    let pg = Postgres::start();
    let mut nats = Nats::not_started();
    const SWEEP: Duration = Duration::from_millis(500);
    let (one, two, _dirs) = two_instances(&pg, &nats, SWEEP.as_millis() as u64).await;
    let id = DocumentId::from_bytes([0x26; 16]);
    let (mut a, mut b) = laptop_and_phone(&one, &two, id).await;
    let mut without = Vec::new();
    for i in 0..3 {
        without.push(crossing(&mut a, &mut b, id, &format!(" n{i}")).await);
    }
    nats.restart();
    let reached = until_fast(&mut a, &mut b, id, " r").await;
    let mut with = Vec::new();
    for i in 0..5 {
        with.push(crossing(&mut a, &mut b, id, &format!(" y{i}")).await);
    }
    eprintln!(
        "started without NATS (sweep every {SWEEP:?}): crossings {:?} ms; NATS started: edits crossed fast again after {reached:?}, then {:?} ms",
        ms(&without),
        ms(&with)
    );
    let slowest_without = without.iter().max().copied().unwrap_or_default();
    assert!(
        slowest_without < SWEEP + Duration::from_millis(1000),
        "without NATS the sweep delivers: {slowest_without:?}"
    );
    let slowest_with = with.iter().max().copied().unwrap_or_default();
    assert!(
        slowest_with < Duration::from_millis(300),
        "once NATS answers, edits cross well within the sweep period: {slowest_with:?}"
    );
    drop((a, b));
    one.stop().await;
    two.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_on_the_bus_is_ignored_and_edits_still_cross() {
    let pg = Postgres::start();
    let nats = Nats::start();
    let (one, two, _dirs) = two_instances(&pg, &nats, 60_000).await;
    let id = DocumentId::from_bytes([0x27; 16]);
    let (mut a, mut b) = laptop_and_phone(&one, &two, id).await;
    warm_up(&mut a, &mut b, id).await;
    let junk = async_nats::connect(nats.url()).await.expect("connects");
    let doc_subject = format!("tandem.doc.{id}");
    let other = DocumentId::from_bytes([0x28; 16]);
    // A hint that names increments far ahead, without bytes: read from the store, where
    // they are not; nothing is skipped.
    let mut ahead = vec![1u8];
    ahead.extend_from_slice(&42u64.to_be_bytes());
    ahead.extend_from_slice(&1u16.to_be_bytes());
    ahead.extend_from_slice(&1_000u64.to_be_bytes());
    ahead.push(0);
    let messages: Vec<(String, Vec<u8>)> = vec![
        (doc_subject.clone(), Vec::new()),
        (doc_subject.clone(), vec![0xff; 100]),
        (doc_subject.clone(), vec![1; 64 * 1024]),
        (doc_subject.clone(), ahead),
        (format!("tandem.doc.{other}"), vec![1; 20]),
        ("tandem.doc.not-an-id".into(), vec![1; 20]),
        ("tandem.access".into(), vec![9; 3]),
        ("tandem.somethingelse".into(), vec![1]),
    ];
    for _ in 0..50 {
        for (subject, payload) in &messages {
            junk.publish(subject.clone(), payload.clone().into())
                .await
                .expect("publishes");
        }
    }
    junk.flush().await.expect("flushes");
    let mut after = Vec::new();
    for i in 0..5 {
        after.push(crossing(&mut a, &mut b, id, &format!(" j{i}")).await);
        after.push(crossing(&mut b, &mut a, id, &format!(" k{i}")).await);
    }
    eprintln!(
        "after {} junk messages on the bus: crossings {:?} ms",
        50 * messages.len(),
        ms(&after)
    );
    let slowest = after.iter().max().copied().unwrap_or_default();
    assert!(
        slowest < Duration::from_millis(500),
        "the bus still carries edits: {slowest:?}"
    );
    let heads = a.docs.docs.get_mut(&id).expect("doc").get_heads();
    assert_eq!(heads, b.docs.docs.get_mut(&id).expect("doc").get_heads());
    assert_eq!(stored_heads(&pg, id).await, heads);
    drop((a, b));
    one.stop().await;
    two.stop().await;
}

/// `c`'s presence received so far from `sender` about `id`, as the data sent.
fn presence_from(c: &Client, id: DocumentId, sender: &str) -> Vec<Vec<u8>> {
    c.ephemeral
        .iter()
        .filter(|(doc, from, _)| *doc == id && from == sender)
        .map(|(_, _, data)| data.clone())
        .collect()
}

/// `a` shows presence `data` (its `count`-th); how long until `b`, on the other
/// instance, has it. Panics after `within`.
async fn presence_crossing(
    a: &mut Client,
    b: &mut Client,
    id: DocumentId,
    count: u64,
    data: &str,
    within: Duration,
) -> Duration {
    let sender = a.session.peer_id().to_string();
    let started = Instant::now();
    a.broadcast(id, "cursor", count, data.as_bytes().to_vec())
        .await;
    b.pump_until(within, |c| {
        presence_from(c, id, &sender).contains(&data.as_bytes().to_vec())
    })
    .await;
    started.elapsed()
}

/// Presence until one crosses within a second: both instances reached NATS and
/// subscribed. The count used last.
async fn presence_warm_up(a: &mut Client, b: &mut Client, id: DocumentId) -> u64 {
    let sender = a.session.peer_id().to_string();
    for count in 1..=20 {
        let data = format!("warm{count}");
        a.broadcast(id, "cursor", count, data.clone().into_bytes())
            .await;
        let crossed = tokio::time::timeout(
            Duration::from_secs(1),
            b.pump_until(WAIT, |c| {
                presence_from(c, id, &sender).contains(&data.clone().into_bytes())
            }),
        )
        .await;
        if crossed.is_ok() {
            return count;
        }
    }
    panic!("no presence crossed the bus within 20 tries");
}

/// The `ephemeral` frames a raw socket is sent until it has been quiet for `quiet`.
async fn raw_presence(raw: &mut Raw, quiet: Duration) -> Vec<Message> {
    let mut got = Vec::new();
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(quiet, raw.socket.next()).await {
        if let Ws::Binary(bytes) = frame
            && let Ok(m @ Message::Ephemeral { .. }) = Message::decode(&bytes)
        {
            got.push(m);
        }
    }
    got
}

/// A partnership `id` owned by a device on the first instance (`a`, "laptop", typing
/// there), with an editor on the second (`b`): the pair the presence tests watch.
async fn owner_and_editor(
    relays: &TwoProcesses,
    id: DocumentId,
) -> (Device, Device, Client, Client) {
    let owner = Device::register_at(&relays.one.addr).await;
    owner.claim(id).await;
    let mut a = Client::connect(&owner, "laptop").await;
    a.share(id, doc_with("start")).await;
    a.pump_until(WAIT, |c| c.relay_heads(id).is_some_and(|h| !h.is_empty()))
        .await;
    let link = owner.link(id, "editor", None).await;
    let editor = Device::register_at(&relays.two.addr).await;
    let (status, answer) = editor.redeem(&link.secret).await;
    assert_eq!(status, 200, "redeems: {answer:?}");
    let mut b = Client::connect(&editor, "phone").await;
    b.share(id, AutoCommit::new()).await;
    b.pump_until(WAIT, |c| has_notes(c, id, "start")).await;
    (owner, editor, a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_crosses_instances_to_the_peers_of_that_partnership_only() {
    let pg = Postgres::start();
    let nats = Nats::start();
    let relays = two_processes(&pg, &nats, 200, 200).await;
    let id = DocumentId::from_bytes([0x2a; 16]);
    let (owner, _editor, mut a, mut b) = owner_and_editor(&relays, id).await;
    // On the second instance too: the owner's tablet on another partnership, and a
    // stranger who asked for this one (and was told it is unavailable).
    let other = DocumentId::from_bytes([0x2b; 16]);
    owner.claim(other).await;
    let mut elsewhere =
        Client::connect(&known_at(&owner, &relays.two.addr, other).await, "tablet").await;
    elsewhere.share(other, doc_with("other")).await;
    elsewhere
        .pump_until(WAIT, |c| {
            c.relay_heads(other).is_some_and(|h| !h.is_empty())
        })
        .await;
    let stranger = Device::register_at(&relays.two.addr).await;
    let mut outsider = Client::connect(&stranger, "curious").await;
    outsider.share(id, AutoCommit::new()).await;
    outsider
        .pump_until(WAIT, |c| c.unavailable.contains(&id))
        .await;
    // On the first instance, a raw socket syncing the partnership counts the frames it
    // is sent: the laptop's presence reaches it once, not again off the bus.
    let mut watcher = joined(&same_device_at(&owner, &relays.one.addr), "watcher").await;
    let mut empty = AutoCommit::new();
    let first = empty
        .sync()
        .generate_sync_message(&mut automerge::sync::State::new())
        .expect("a first sync message")
        .encode();
    watcher.send(sync_frame(&owner, "watcher", id, first)).await;

    let mut count = presence_warm_up(&mut a, &mut b, id).await;
    let mut there = Vec::new();
    let mut back = Vec::new();
    for i in 0..10 {
        count += 1;
        there.push(
            presence_crossing(
                &mut a,
                &mut b,
                id,
                count,
                &format!("a{i}"),
                Duration::from_secs(1),
            )
            .await,
        );
        back.push(
            presence_crossing(
                &mut b,
                &mut a,
                id,
                count,
                &format!("b{i}"),
                Duration::from_secs(1),
            )
            .await,
        );
    }
    eprintln!(
        "presence across instances (sweep a minute apart): laptop→phone {:?} ms, phone→laptop {:?} ms",
        ms(&there),
        ms(&back)
    );
    let slowest = there.iter().chain(&back).max().copied().unwrap_or_default();
    assert!(
        slowest < Duration::from_millis(500),
        "presence crosses within 500 ms: slowest {slowest:?}"
    );

    elsewhere.settle(Duration::from_millis(500)).await;
    outsider.settle(Duration::from_millis(100)).await;
    assert!(
        elsewhere.ephemeral.iter().all(|(doc, _, _)| *doc != id),
        "a peer of the same device on another partnership is not sent it: {:?}",
        elsewhere.ephemeral
    );
    assert!(
        outsider.ephemeral.is_empty(),
        "a peer without access is not sent it: {:?}",
        outsider.ephemeral
    );
    let laptop = a.session.peer_id().clone();
    let seen = raw_presence(&mut watcher, Duration::from_millis(500)).await;
    for i in 0..10 {
        let data = format!("a{i}").into_bytes();
        let copies = seen
            .iter()
            .filter(|m| {
                matches!(m, Message::Ephemeral { sender_id, data: d, .. } if *sender_id == laptop && *d == data)
            })
            .count();
        assert_eq!(
            copies, 1,
            "a peer on the laptop's own instance gets its presence once (no echo off the bus)"
        );
    }
    drop((a, b, elsewhere, outsider, watcher));
    relays.one.stop().await;
    relays.two.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_crafted_on_the_bus_is_held_to_a_peers_limits() {
    let pg = Postgres::start();
    let nats = Nats::start();
    let relays = two_processes(&pg, &nats, 200, 200).await;
    let id = DocumentId::from_bytes([0x2c; 16]);
    let (owner, editor, mut a, mut b) = owner_and_editor(&relays, id).await;
    let mut count = presence_warm_up(&mut a, &mut b, id).await;
    let stranger = Device::register_at(&relays.one.addr).await;
    let other = DocumentId::from_bytes([0x2d; 16]);

    // Presence as an instance would publish it, `data` marking each.
    let presence = |device: &Device, peer: &str, document: DocumentId, data: &[u8]| Presence {
        document,
        device: device.id.clone(),
        sender: peer.parse().expect("peer id"),
        session: "s".into(),
        count: 1,
        data: data.to_vec(),
    };
    let subject = format!("{PRESENCE_PREFIX}{id}");
    let mut framed = vec![1u8];
    framed.extend_from_slice(&42u64.to_be_bytes());
    framed.push(owner.id.len() as u8);
    framed.extend_from_slice(owner.id.as_bytes());
    let with_body = |body: &[u8]| [framed.as_slice(), body].concat();
    let owner_peer = owner.peer("ghost");
    let junk: Vec<(String, Vec<u8>)> = vec![
        (subject.clone(), Vec::new()),
        (subject.clone(), vec![0xff; 100]),
        (subject.clone(), vec![1; 64 * 1024]),
        (subject.clone(), with_body(&[0xa1, 0x61])),
        // A sync message, not presence: the bus never carries changes.
        (
            subject.clone(),
            with_body(&sync_frame(&owner, "ghost", id, vec![0x42, 0, 0, 0, 0, 0])),
        ),
        // About another partnership than its subject says.
        (
            subject.clone(),
            encode_presence(42, &presence(&owner, &owner_peer, other, b"junk-other-doc")),
        ),
        // A sender id that is not the named device's.
        (
            subject.clone(),
            encode_presence(
                42,
                &presence(&owner, &stranger.peer("x"), id, b"junk-not-theirs"),
            ),
        ),
        // A device with no access to the partnership.
        (
            subject.clone(),
            encode_presence(
                42,
                &presence(&stranger, &stranger.peer("x"), id, b"junk-no-access"),
            ),
        ),
        // More data than a peer may send.
        (
            subject.clone(),
            encode_presence(42, &presence(&owner, &owner_peer, id, &[b'j'; 5000])),
        ),
        (
            format!("{PRESENCE_PREFIX}not-an-id"),
            encode_presence(42, &presence(&owner, &owner_peer, id, b"junk-bad-subject")),
        ),
    ];
    let bus = async_nats::connect(nats.url()).await.expect("connects");
    for _ in 0..20 {
        for (subject, payload) in &junk {
            bus.publish(subject.clone(), payload.clone().into())
                .await
                .expect("publishes");
        }
    }
    // A flood of well-formed presence as the owner's device: limited to what its
    // connections could send (16 × 20 at once, then 16 × 5 a second while it lasts).
    let flood_started = Instant::now();
    for n in 1..=1000u64 {
        let mut flood = presence(
            &owner,
            &owner.peer("flood"),
            id,
            format!("flood{n}").as_bytes(),
        );
        flood.count = n;
        bus.publish(subject.clone(), encode_presence(42, &flood).into())
            .await
            .expect("publishes");
    }
    // Last, well-formed presence as the editor's device, which is passed on: everything
    // published before it was handled by then.
    let control = presence(&editor, &editor.peer("ghost"), id, b"control");
    bus.publish(subject.clone(), encode_presence(42, &control).into())
        .await
        .expect("publishes");
    bus.flush().await.expect("flushes");
    let published = Instant::now();
    b.pump_until(WAIT, |c| {
        presence_from(c, id, &editor.peer("ghost")).contains(&b"control".to_vec())
    })
    .await;
    let took = published.elapsed();
    let lasted = flood_started.elapsed();
    b.settle(Duration::from_millis(300)).await;
    let junk_seen: Vec<_> = b
        .ephemeral
        .iter()
        .filter(|(_, _, data)| data.starts_with(b"junk") || data.starts_with(b"jjj"))
        .collect();
    assert!(
        junk_seen.is_empty(),
        "no crafted presence passed: {junk_seen:?}"
    );
    let flooded = presence_from(&b, id, &owner.peer("flood")).len();
    eprintln!(
        "{} junk presence messages and a flood of 1000 on the bus: {flooded} of the flood passed on (over {lasted:?}); the control after them arrived {took:?} after the flush",
        20 * junk.len()
    );
    assert!(
        flooded > 0,
        "well-formed presence from a device with access passes"
    );
    // The bucket refills at most for as long as the flood was being published and handled.
    let allowed = 16 * 20 + (16.0 * 5.0 * lasted.as_secs_f64()).ceil() as usize;
    assert!(
        flooded <= allowed,
        "a device's presence is limited to what its connections could send: {flooded} > {allowed}"
    );

    // The relays keep serving: presence and edits still cross.
    let mut after = Vec::new();
    for i in 0..5 {
        count += 1;
        after.push(
            presence_crossing(
                &mut a,
                &mut b,
                id,
                count,
                &format!("p{i}"),
                Duration::from_secs(1),
            )
            .await,
        );
        after.push(crossing(&mut a, &mut b, id, &format!(" e{i}")).await);
    }
    let slowest = after.iter().max().copied().unwrap_or_default();
    assert!(
        slowest < Duration::from_millis(500),
        "presence and edits still cross: {:?} ms",
        ms(&after)
    );
    drop((a, b));
    relays.one.stop().await;
    relays.two.stop().await;
}
