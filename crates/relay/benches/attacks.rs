//! The relay against a hostile peer, measured (issue #15): each attack class runs for a
//! few seconds against one partnership of the release relay binary while owners type on
//! other partnerships, and this prints, per attack, the unrelated partnerships' edit round
//! trip (edit → relay → stored → acknowledged) p50/p99 and the relay's peak memory, beside
//! the same figures with no attack. Goal: p99 under every attack < 2× the baseline p99.
//!
//! `cargo bench -p tandem-relay --bench attacks` (part of `./scripts/bench`).
//! `ATTACK_SECONDS=10` sets the length of each run; `ATTACK_ONLY=reset` runs one attack;
//! `ATTACK_ROUNDS=3` runs the whole table that many times (a baseline in each round) and
//! reports the median of each row's figures, since one p99 of 300 edits on a shared 2-core
//! machine moves by a few milliseconds from run to run.
//!
//! Each attack runs as a viewer device of its own, so one attack's refusals, lockouts and
//! spent budgets do not disarm the next.

#[path = "../tests/support/mod.rs"]
mod support;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use support::{
    Client, Device, Raw, RelayBinary, doc_with, edit_acknowledged_within, joined, sync_frame,
    with_filter,
};
use tandem_sync::document_id::DocumentId;
use tandem_sync::message::Message;
use tokio::io::AsyncWriteExt;

/// Owners typing on partnerships the attacker has nothing to do with.
const TYPISTS: usize = 6;
/// Edits per second each.
const RATE: f64 = 5.0;

struct Scene {
    relay: RelayBinary,
    /// The attacked partnership, ~600 KB of history, and its owner (who lets each attack's
    /// viewer in).
    target: DocumentId,
    owner: Device,
}

#[derive(Default)]
struct Figures {
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    edits: usize,
    peak_mib: f64,
}

impl Figures {
    /// Each figure's median over the rounds (peak memory: the highest).
    fn median(runs: Vec<Figures>) -> Figures {
        let mid = |f: fn(&Figures) -> f64| {
            let mut v: Vec<f64> = runs.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        Figures {
            p50_ms: mid(|f| f.p50_ms),
            p99_ms: mid(|f| f.p99_ms),
            max_ms: mid(|f| f.max_ms),
            edits: runs.iter().map(|f| f.edits).sum::<usize>() / runs.len().max(1),
            peak_mib: runs.iter().map(|f| f.peak_mib).fold(0.0, f64::max),
        }
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run());
}

async fn run() {
    let seconds: f64 = std::env::var("ATTACK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10.0);
    let only = std::env::var("ATTACK_ONLY").ok();
    let relay = RelayBinary::start(&[]).await;
    let owner = Device::register_at(&relay.addr).await;
    let target = DocumentId::from_bytes(rand::random());
    owner.claim(target).await;
    // The attacked partnership: big enough that a full answer costs the relay real work.
    let mut alice = Client::connect(&owner, "alice").await;
    let big: String = (0..60_000).map(|i| format!("{i:09} ")).collect();
    alice.share(target, doc_with(&big)).await;
    alice.settle(Duration::from_millis(500)).await;
    let _ = edit_acknowledged_within(&mut alice, target, Duration::from_secs(30)).await;
    let scene = Arc::new(Scene {
        relay,
        target,
        owner,
    });
    let rounds: usize = std::env::var("ATTACK_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);

    println!(
        "Relay under attack: {TYPISTS} owners typing {RATE} edits/s each on their own partnerships, {seconds} s per run, {rounds} rounds (medians shown); the attacked partnership holds ~600 KB"
    );
    // A warm-up run first (not reported): the first edits of a fresh relay grow its store
    // and caches, which would flatter every ratio against the baseline.
    let _ = measure(&scene, 3.0, None).await;
    let attacks: &[(&str, &str)] = &[
        ("zero-bit Bloom filters (÷0)", "bloom"),
        ("u32::MAX Bloom probes", "probes"),
        ("15 MiB junk frames ×8 sockets", "junk"),
        ("unfinished 15 MiB frames ×8", "unfinished"),
        ("wrong credentials, one address", "auth"),
        ("new presence session ids, non-reading peers", "presence"),
        ("half-sent HTTP requests ×400", "slowloris"),
        ("one device on 1,000 partnerships (sweep)", "sweep"),
        ("full resends (empty heads)", "reset"),
        ("claims and links flood", "quota"),
    ];
    let chosen: Vec<(Option<&str>, &str)> = std::iter::once((None, "none (baseline)"))
        .chain(
            attacks
                .iter()
                .filter(|(_, key)| only.as_deref().is_none_or(|o| o == *key))
                .map(|(name, key)| (Some(*key), *name)),
        )
        .collect();
    let mut runs: Vec<Vec<Figures>> = chosen.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        for (i, (key, _)) in chosen.iter().enumerate() {
            let figures = measure(&scene, seconds, *key).await;
            eprintln!(
                "round {}: {} p99 {:.1} ms",
                round + 1,
                chosen[i].1,
                figures.p99_ms
            );
            runs[i].push(figures);
            // Let the relay settle (closed sockets, memory given back) before the next.
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
    let rows: Vec<(String, Figures)> = chosen
        .iter()
        .zip(runs)
        .map(|((_, name), figures)| ((*name).to_owned(), Figures::median(figures)))
        .collect();
    let base = &rows[0].1;
    println!();
    println!(
        "| attack | unrelated edits | p50 ms | p99 ms | p99 vs baseline | max ms | relay peak MiB | p99 < 2× |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (name, f) in &rows {
        let ratio = f.p99_ms / base.p99_ms.max(0.001);
        println!(
            "| {name} | {} | {:.1} | {:.1} | {:.2}× | {:.1} | {:.0} (baseline {:.0}) | {} |",
            f.edits,
            f.p50_ms,
            f.p99_ms,
            ratio,
            f.max_ms,
            f.peak_mib,
            base.peak_mib,
            if ratio < 2.0 { "yes" } else { "**no**" }
        );
    }
    let scene = Arc::into_inner(scene).expect("the scene is ours again");
    scene.relay.stop().await;
}

/// Typing on unrelated partnerships for `seconds`, with `attack` running meanwhile.
async fn measure(scene: &Arc<Scene>, seconds: f64, attack: Option<&str>) -> Figures {
    let mut typists = Vec::new();
    for n in 0..TYPISTS {
        let device = Device::register_at(&scene.relay.addr).await;
        let id = DocumentId::from_bytes(rand::random());
        device.claim(id).await;
        let mut c = Client::connect(&device, &format!("t{n}")).await;
        c.share(id, doc_with("notes")).await;
        let _ = edit_acknowledged_within(&mut c, id, Duration::from_secs(10)).await;
        typists.push((c, id));
    }
    let stop = Arc::new(AtomicBool::new(false));
    // The attacker runs on a thread and a runtime of its own: it competes with the
    // relay and the typists for the machine's cores, as a second process would, but not
    // for the typists' runtime.
    let viewer = match attack {
        Some(_) => {
            let viewer = Device::register_at(&scene.relay.addr).await;
            let link = scene.owner.link(scene.target, "viewer", None).await;
            assert_eq!(viewer.redeem(&link.secret).await.0, 200);
            Some(viewer)
        }
        None => None,
    };
    let attacker = attack.zip(viewer).map(|(key, viewer)| {
        let (scene, stop, key) = (scene.clone(), stop.clone(), key.to_owned());
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the attacker's runtime")
                .block_on(attack_until(&scene, &viewer, &key, &stop));
        })
    });
    // The attack gets a head start, so what is measured is the relay while under it.
    if attacker.is_some() {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let pid = scene.relay.pid;
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut peak = 0u64;
            while sampling.load(Ordering::SeqCst) {
                peak = peak.max(rss_kib(pid));
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            peak
        })
    };
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let tasks: Vec<_> = typists
        .into_iter()
        .map(|(mut c, id)| {
            tokio::spawn(async move {
                let mut rounds = Vec::new();
                let mut next = Instant::now();
                while Instant::now() < until {
                    rounds
                        .push(edit_acknowledged_within(&mut c, id, Duration::from_secs(30)).await);
                    next += Duration::from_secs_f64(1.0 / RATE);
                    tokio::time::sleep_until(next.into()).await;
                }
                rounds
            })
        })
        .collect();
    let mut rounds: Vec<Duration> = Vec::new();
    for t in tasks {
        rounds.extend(t.await.expect("a typist finished"));
    }
    stop.store(true, Ordering::SeqCst);
    if let Some(a) = attacker {
        let _ = tokio::task::spawn_blocking(move || a.join()).await;
    }
    sampling.store(false, Ordering::SeqCst);
    let peak_kib = sampler.await.unwrap_or(0);
    rounds.sort();
    let pct = |q: f64| {
        let i = ((rounds.len() as f64 * q).ceil() as usize).clamp(1, rounds.len()) - 1;
        rounds[i].as_secs_f64() * 1000.0
    };
    Figures {
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: rounds.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        edits: rounds.len(),
        peak_mib: peak_kib as f64 / 1024.0,
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// [`support::try_joined`], pausing after a refusal as a patient attacker would.
async fn try_joined(device: &Device, name: &str) -> Option<Raw> {
    match support::try_joined(device, name).await {
        Ok(raw) => Some(raw),
        Err(_) => {
            tokio::time::sleep(Duration::from_millis(100)).await;
            None
        }
    }
}

/// Waits (briefly) for the relay to close a refused socket.
async fn until_closed(raw: &mut Raw) {
    let _ = tokio::time::timeout(Duration::from_secs(5), raw.drain()).await;
}

/// Runs one attack until `stop`.
async fn attack_until(scene: &Scene, viewer: &Device, key: &str, stop: &AtomicBool) {
    let (id, addr) = (scene.target, scene.relay.addr.as_str());
    let mut round = 0u64;
    match key {
        "bloom" | "probes" => {
            let filter: &[u8] = if key == "bloom" {
                &[1, 0, 7]
            } else {
                &[1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff]
            };
            while !stop.load(Ordering::SeqCst) {
                round += 1;
                let name = format!("a{round}");
                let Some(mut raw) = try_joined(viewer, &name).await else {
                    continue;
                };
                raw.send(sync_frame(viewer, &name, id, with_filter(filter)))
                    .await;
                until_closed(&mut raw).await;
            }
        }
        "junk" => {
            let junk = vec![0xa5u8; 15 << 20];
            let tasks: Vec<_> = (0..8)
                .map(|n| {
                    let junk = junk.clone();
                    async move {
                        let mut k = 0;
                        while !stop.load(Ordering::SeqCst) {
                            k += 1;
                            let Some(mut raw) = try_joined(viewer, &format!("j{n}-{k}")).await
                            else {
                                continue;
                            };
                            raw.send(junk.clone()).await;
                            until_closed(&mut raw).await;
                        }
                    }
                })
                .collect();
            futures_util::future::join_all(tasks).await;
        }
        "unfinished" => {
            // A WebSocket frame header announcing 15 MiB, then a trickle, never finished.
            let tasks: Vec<_> = (0..8)
                .map(|n| async move {
                    let mut k = 0;
                    while !stop.load(Ordering::SeqCst) {
                        k += 1;
                        let Ok(mut tcp) = upgraded(addr, &viewer.credential).await else {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        };
                        let len: u64 = 15 << 20;
                        let mut header = vec![0x82, 0xff];
                        header.extend_from_slice(&len.to_be_bytes());
                        header.extend_from_slice(&[1, 2, 3, 4]);
                        let _ = tcp.write_all(&header).await;
                        let chunk = vec![0u8; 1 << 20];
                        for _ in 0..14 {
                            if stop.load(Ordering::SeqCst) || tcp.write_all(&chunk).await.is_err() {
                                break;
                            }
                        }
                        let _ = (n, k);
                        // Held open, unfinished, until the relay gives up on it.
                        let mut byte = [0u8; 1];
                        while !stop.load(Ordering::SeqCst) {
                            use tokio::io::AsyncReadExt;
                            if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(
                                Duration::from_millis(100),
                                tcp.read(&mut byte),
                            )
                            .await
                            {
                                break;
                            }
                        }
                    }
                })
                .collect();
            futures_util::future::join_all(tasks).await;
        }
        "auth" => {
            let http = reqwest::Client::new();
            while !stop.load(Ordering::SeqCst) {
                round += 1;
                let _ = http
                    .post(format!("http://{addr}/api/redeem"))
                    .header("authorization", "Bearer 0123456789abcdef.wrong")
                    .json(&serde_json::json!({ "secret": format!("guess{round}") }))
                    .send()
                    .await;
                let _ = tokio_tungstenite::connect_async(format!(
                    "ws://{addr}/sync?credential=0123456789abcdef.wrong{round}"
                ))
                .await;
            }
        }
        "presence" => {
            // Six viewers that sync the partnership and never read, and one sending
            // presence as fast as it can, each under a new session id.
            let mut silent = Vec::new();
            for n in 0..6 {
                let name = format!("s{n}");
                let mut raw = joined(viewer, &name).await;
                raw.send(sync_frame(viewer, &name, id, vec![0x42, 0, 0, 0, 0]))
                    .await;
                silent.push(raw);
            }
            let mut raw = joined(viewer, "flood").await;
            let sender = viewer.peer("flood");
            while !stop.load(Ordering::SeqCst) {
                round += 1;
                let frame = Message::Ephemeral {
                    sender_id: sender.parse().expect("peer id"),
                    target_id: "tandem-relay".parse().expect("peer id"),
                    document_id: id,
                    session_id: format!("session-{round}"),
                    count: round,
                    data: vec![7u8; 4000],
                }
                .encode();
                raw.send(frame).await;
                if round.is_multiple_of(64) {
                    tokio::task::yield_now().await;
                }
            }
            drop(silent);
        }
        "slowloris" => {
            let mut held = Vec::new();
            for _ in 0..400 {
                if let Ok(mut tcp) = tokio::net::TcpStream::connect(addr).await {
                    let _ = tcp.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").await;
                    held.push(tcp);
                }
            }
            while !stop.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(100)).await;
                // Replace the ones the relay timed out, as a patient attacker would.
                held.retain(|t| t.peer_addr().is_ok());
                while held.len() < 400 {
                    match tokio::net::TcpStream::connect(addr).await {
                        Ok(mut tcp) => {
                            let _ = tcp.write_all(b"GET /health HTTP/1.1\r\n").await;
                            held.push(tcp);
                        }
                        Err(_) => break,
                    }
                }
            }
        }
        "sweep" => {
            // One device owning 1,000 partnerships, 16 sockets each asking for 63 of
            // them, held idle: the access sweep runs over all of them twice a second.
            let device = Device::register_at(addr).await;
            let ids: Vec<DocumentId> = (0..1000)
                .map(|_| DocumentId::from_bytes(rand::random()))
                .collect();
            for d in &ids {
                device.claim(*d).await;
            }
            let mut held = Vec::new();
            for (n, chunk) in ids.chunks(63).enumerate() {
                let name = format!("w{n}");
                let mut raw = joined(&device, &name).await;
                for d in chunk {
                    let request = Message::Request {
                        sender_id: device.peer(&name).parse().expect("peer id"),
                        target_id: "tandem-relay".parse().expect("peer id"),
                        document_id: *d,
                        data: vec![0x42, 0, 0, 0, 0],
                    };
                    raw.send(request.encode()).await;
                }
                held.push(raw);
            }
            while !stop.load(Ordering::SeqCst) {
                for raw in &mut held {
                    // Read what the relay answered, so the sockets stay open.
                    while let Ok(Some(_)) =
                        tokio::time::timeout(Duration::from_millis(1), raw.socket.next()).await
                    {
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        "reset" => {
            let reset = vec![0x42, 0, 0, 1, 0, 0, 0];
            let tasks: Vec<_> = (0..4)
                .map(|n| {
                    let reset = reset.clone();
                    async move {
                        let mut k = 0;
                        while !stop.load(Ordering::SeqCst) {
                            k += 1;
                            let name = format!("r{n}-{k}");
                            let Some(mut raw) = try_joined(viewer, &name).await else {
                                continue;
                            };
                            for _ in 0..88 {
                                raw.send(sync_frame(viewer, &name, id, reset.clone())).await;
                            }
                            until_closed(&mut raw).await;
                        }
                    }
                })
                .collect();
            futures_util::future::join_all(tasks).await;
        }
        "quota" => {
            // Links are made on a partnership of the attacker's own, so the scene's owner
            // keeps its link quota for the next rounds' viewers.
            let device = Device::register_at(addr).await;
            let own = DocumentId::from_bytes(rand::random());
            device.claim(own).await;
            while !stop.load(Ordering::SeqCst) {
                round += 1;
                let (status, _) = device
                    .call(
                        reqwest::Method::POST,
                        &format!("/api/docs/{}", DocumentId::from_bytes(rand::random())),
                        None,
                    )
                    .await;
                let _ = device
                    .call(
                        reqwest::Method::POST,
                        &format!("/api/docs/{own}/links"),
                        Some(serde_json::json!({ "role": "viewer", "label": format!("l{round}") })),
                    )
                    .await;
                if status == 429 && round.is_multiple_of(50) {
                    tokio::task::yield_now().await;
                }
            }
        }
        other => panic!("no attack called {other}"),
    }
}

/// A TCP connection to `/sync` upgraded to a WebSocket by hand (no client library), for
/// writing raw frames.
async fn upgraded(addr: &str, credential: &str) -> std::io::Result<tokio::net::TcpStream> {
    use tokio::io::AsyncReadExt;
    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    let request = format!(
        "GET /sync?credential={credential} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await?;
    let mut answer = [0u8; 1024];
    let n = tcp.read(&mut answer).await?;
    if !answer[..n].starts_with(b"HTTP/1.1 101") {
        return Err(std::io::Error::other("not upgraded"));
    }
    Ok(tcp)
}
