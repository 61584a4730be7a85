//! One measurement: a fresh server, P peers on R documents, T seconds of typing, then a
//! drain; what was delivered, how fast, and what it cost the server.

use std::{
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant},
};

use automerge::{AutoCommit, ROOT, transaction::Transactable};
use serde::Serialize;
use tandem_sync::document_id::DocumentId;
use tokio::sync::{Semaphore, mpsc, watch};

use crate::{
    peer::{self, PeersMode, Schedule, Shared, Spec},
    proc_stats,
    target::{Kind, Launch, Server},
};

#[derive(Debug, Clone)]
pub(crate) struct Workload {
    pub peers: usize,
    pub documents: usize,
    /// Edits per second per peer.
    pub rate: f64,
    pub seconds: f64,
    /// The longest wait after the last edit for deliveries still in flight.
    pub drain_seconds: f64,
    /// Peers connecting at once during setup.
    pub connect_concurrency: usize,
    /// The p99 a load level must stay under to count as sustained.
    pub p99_budget_ms: f64,
    /// Threads of the load generator's runtime (for the report).
    pub client_threads: usize,
    /// Before starting, wait up to this long for the machine to be idle (a shared
    /// machine's builds would otherwise be measured as the servers' slowness).
    pub quiet_wait_seconds: f64,
    /// Full replicas or light peers (see `light`).
    pub mode: PeersMode,
}

/// Waits until the machine has been nearly idle for two seconds, or `limit` passes.
async fn wait_until_quiet(limit: Duration) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let before = proc_stats::machine_busy_seconds().unwrap_or(0.0);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let busy = (proc_stats::machine_busy_seconds().unwrap_or(0.0) - before) / 2.0;
        if busy < 0.15 {
            return;
        }
    }
    println!("  (the machine stayed busy for {limit:?}; measuring anyway)");
}

/// What one run measured. Latency is from the sender's commit to the moment a receiving
/// peer's copy shows the edit, both in this process (one clock).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Measured {
    pub target: Kind,
    pub peers_mode: PeersMode,
    pub peers: usize,
    pub documents: usize,
    pub seconds: f64,
    pub rate_per_peer: f64,
    pub setup_seconds: f64,
    pub edits_planned: u64,
    pub edits_sent: u64,
    pub deliveries_expected: u64,
    pub delivered: u64,
    pub delivered_per_s: f64,
    pub delivered_ratio: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub errors: usize,
    pub error_samples: Vec<String>,
    /// The server process's peak resident memory (VmHWM), MiB; for two relay instances
    /// the sum of each one's peak. PostgreSQL and NATS are not in it (below).
    pub server_peak_mib: f64,
    /// The server's CPU while peers were typing, % of one core (relays summed).
    pub server_cpu_percent: f64,
    /// PostgreSQL and NATS, where the target has them: their largest proportional set
    /// size sampled during the run (shared buffers counted once), MiB, and their CPU
    /// while peers were typing, % of one core. Not in `other_cpu_percent`.
    pub services_peak_mib: Option<f64>,
    pub services_cpu_percent: Option<f64>,
    /// The load generator's CPU while peers were typing, % of one core.
    pub client_cpu_percent: f64,
    pub client_threads: usize,
    /// CPU used by everything else on the machine meanwhile, % of one core: more than a
    /// few percent means the figures were taken on a busy machine.
    pub other_cpu_percent: f64,
    /// The load generator could not keep its schedule (sent < 95% of planned, or its
    /// threads were ≥ 90% busy): figures at this level say more about it than the server.
    pub client_bound: bool,
    /// The server's resident memory over the run: (seconds since typing began, MiB).
    pub server_rss_timeline_mib: Vec<(f64, f64)>,
    /// Bytes the peers received (all frames, setup included), and per edit delivered.
    pub received_mib: f64,
    pub received_bytes_per_delivery: f64,
    /// Bytes received per edit delivered in each sampling interval of the run: flat if
    /// the server sends each change once, growing if it re-sends history.
    pub bytes_per_delivery_timeline: Vec<(f64, f64)>,
    /// Light peers: changes received from other peers, changes received a second time,
    /// a peer's own changes sent back to it, and whole documents sent instead of changes.
    pub changes_received: u64,
    pub duplicate_changes: u64,
    pub own_changes_back: u64,
    pub whole_documents: u64,
    /// Of those, documents that failed Automerge's heads check when read.
    pub unverified_documents: u64,
    /// p99 under budget, ≥ 99% delivered, no error.
    pub sustained: bool,
}

/// Runs the workload against a fresh server of `kind`.
pub(crate) async fn run(kind: Kind, launch: &Launch, w: &Workload) -> anyhow::Result<Measured> {
    let documents = w.documents.clamp(1, w.peers.max(1));
    if w.quiet_wait_seconds > 0.0 {
        wait_until_quiet(Duration::from_secs_f64(w.quiet_wait_seconds)).await;
    }
    let mut server = Server::start(kind, launch, w.peers)?;
    let ids: Vec<DocumentId> = (0..documents)
        .map(|_| DocumentId::from_bytes(rand::random()))
        .collect();
    server.admit(&ids).await?;

    let mut seed = AutoCommit::new();
    seed.put(ROOT, "load", "seed")?;
    seed.commit();

    let shared = Arc::new(Shared::new(w.peers));
    let connecting = Arc::new(Semaphore::new(w.connect_concurrency.max(1)));
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let (schedule_tx, schedule_rx) = watch::channel(None::<Schedule>);
    let (end_tx, end_rx) = watch::channel(false);
    let neighbours: Vec<Vec<usize>> = (0..documents)
        .map(|d| (0..w.peers).filter(|n| n % documents == d).collect())
        .collect();

    let setup_began = Instant::now();
    let mut tasks = Vec::with_capacity(w.peers);
    let mut setup_errors = Vec::new();
    // The first peer of each document brings it to the server; the rest join it.
    for wave in [0..documents, documents..w.peers] {
        let count = wave.len();
        for n in wave {
            let (url, peer_id) = server.endpoint(n, documents);
            let spec = Spec {
                index: n,
                document: ids[n % documents],
                neighbours: neighbours[n % documents].clone(),
                url,
                peer_id: peer_id
                    .parse()
                    .map_err(|_| anyhow::anyhow!("bad peer id"))?,
                seed: seed.fork(),
                rate: w.rate,
                mode: w.mode,
            };
            tasks.push(tokio::spawn(peer::run(
                spec,
                shared.clone(),
                connecting.clone(),
                ready_tx.clone(),
                schedule_rx.clone(),
                end_rx.clone(),
            )));
        }
        for _ in 0..count {
            match ready_rx.recv().await {
                Some(Ok(())) => {}
                Some(Err(e)) => setup_errors.push(e),
                None => break,
            }
        }
    }
    let setup_seconds = setup_began.elapsed().as_secs_f64();
    let joined = w.peers - setup_errors.len();

    let me = std::process::id();
    let start = tokio::time::Instant::now() + Duration::from_millis(200);
    let stop = start + Duration::from_secs_f64(w.seconds);
    let _ = schedule_tx.send(Some(Schedule { start, stop }));

    tokio::time::sleep_until(start).await;
    let (server_cpu0, client_cpu0) = (server.cpu_seconds(), cpu_of(me));
    let services0 = server.services_usage();
    let mut services_peak_kib = services0.map_or(0, |u| u.pss_kib);
    let machine0 = proc_stats::machine_busy_seconds().unwrap_or(0.0);
    let mut timeline = vec![(0.0, server.rss_mib())];
    let traffic = || {
        (
            shared.received_bytes.load(Ordering::Relaxed),
            shared.delivered.load(Ordering::Relaxed),
        )
    };
    let mut last_traffic = traffic();
    let mut per_delivery = Vec::new();
    let mut sample = tokio::time::interval_at(start + Duration::from_secs(1), sample_every(w));
    loop {
        tokio::select! {
            _ = sample.tick() => {
                let at = start.elapsed().as_secs_f64();
                timeline.push((at, server.rss_mib()));
                if let Some(u) = server.services_usage() {
                    services_peak_kib = services_peak_kib.max(u.pss_kib);
                }
                let now = traffic();
                let (bytes, delivered) = (now.0 - last_traffic.0, now.1 - last_traffic.1);
                if delivered > 0 {
                    per_delivery.push((round(at, 1), round(bytes as f64 / delivered as f64, 1)));
                }
                last_traffic = now;
            }
            () = tokio::time::sleep_until(stop) => break,
        }
    }
    let window = start.elapsed().as_secs_f64();
    let server_cpu = (server.cpu_seconds() - server_cpu0) / window * 100.0;
    let client_cpu = (cpu_of(me) - client_cpu0) / window * 100.0;
    let services_cpu = match (services0, server.services_usage()) {
        (Some(before), Some(after)) => {
            services_peak_kib = services_peak_kib.max(after.pss_kib);
            Some((after.cpu_seconds - before.cpu_seconds) / window * 100.0)
        }
        _ => None,
    };
    let machine = (proc_stats::machine_busy_seconds().unwrap_or(0.0) - machine0) / window * 100.0;
    let other_cpu = (machine - server_cpu - client_cpu - services_cpu.unwrap_or(0.0)).max(0.0);

    // Drain: wait until every peer has seen every edit, or the drain time is up.
    let drain_until = stop + Duration::from_secs_f64(w.drain_seconds);
    while tokio::time::Instant::now() < drain_until
        && shared.caught_up.load(Ordering::SeqCst) < joined
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let server_peak_mib = server.peak_mib();
    if let Some(u) = server.services_usage() {
        services_peak_kib = services_peak_kib.max(u.pss_kib);
    }
    timeline.push((start.elapsed().as_secs_f64(), server.rss_mib()));
    let _ = end_tx.send(true);

    let mut sent = vec![0u64; w.peers];
    let mut delivered = 0u64;
    let mut latencies: Vec<u32> = Vec::new();
    let mut errors = setup_errors;
    let mut took_part = vec![true; w.peers];
    let (mut received_bytes, mut changes_received, mut duplicate_changes) = (0u64, 0u64, 0u64);
    let (mut own_changes_back, mut whole_documents, mut unverified_documents) = (0u64, 0u64, 0u64);
    for (n, task) in tasks.into_iter().enumerate() {
        match task.await {
            Ok(outcome) => {
                received_bytes += outcome.received_bytes;
                changes_received += outcome.changes_received;
                duplicate_changes += outcome.duplicate_changes;
                own_changes_back += outcome.own_changes_back;
                whole_documents += outcome.whole_documents;
                unverified_documents += outcome.unverified_documents;
                sent[n] = outcome.sent;
                delivered += outcome.delivered;
                latencies.extend(outcome.latencies_us);
                took_part[n] = outcome.joined;
                // Setup failures were already counted from the ready channel.
                if outcome.joined {
                    errors.extend(outcome.errors);
                }
            }
            Err(e) => errors.push(format!("peer {n} panicked: {e}")),
        }
    }
    server.stop();

    let deliveries_expected: u64 = (0..w.peers)
        .map(|m| {
            let others = neighbours[m % documents]
                .iter()
                .filter(|&&n| n != m && took_part[n])
                .count() as u64;
            sent[m] * others
        })
        .sum();
    let edits_sent: u64 = sent.iter().sum();
    let edits_planned = (joined as f64 * w.rate * w.seconds).round() as u64;
    latencies.sort_unstable();
    let pct = |q: f64| percentile_ms(&latencies, q);
    let delivered_ratio = if deliveries_expected == 0 {
        1.0
    } else {
        delivered as f64 / deliveries_expected as f64
    };
    let p99_ms = pct(0.99);
    let client_bound = (edits_sent as f64) < 0.95 * edits_planned as f64
        || client_cpu >= 90.0 * w.client_threads as f64;
    let error_count = errors.len();
    errors.truncate(5);
    Ok(Measured {
        target: kind,
        peers_mode: w.mode,
        peers: w.peers,
        documents,
        seconds: w.seconds,
        rate_per_peer: w.rate,
        setup_seconds: round(setup_seconds, 2),
        edits_planned,
        edits_sent,
        deliveries_expected,
        delivered,
        delivered_per_s: round(delivered as f64 / w.seconds, 1),
        delivered_ratio: round(delivered_ratio, 4),
        p50_ms: pct(0.50),
        p99_ms,
        max_ms: latencies
            .last()
            .map_or(0.0, |&us| round(f64::from(us) / 1000.0, 1)),
        errors: error_count,
        error_samples: errors,
        server_peak_mib: round(server_peak_mib, 1),
        server_cpu_percent: round(server_cpu, 0),
        services_peak_mib: services_cpu.map(|_| round(services_peak_kib as f64 / 1024.0, 1)),
        services_cpu_percent: services_cpu.map(|c| round(c, 0)),
        client_cpu_percent: round(client_cpu, 0),
        client_threads: w.client_threads,
        other_cpu_percent: round(other_cpu, 0),
        client_bound,
        server_rss_timeline_mib: timeline
            .into_iter()
            .map(|(t, m)| (round(t, 1), round(m, 1)))
            .collect(),
        received_mib: round(received_bytes as f64 / 1048576.0, 2),
        received_bytes_per_delivery: if delivered == 0 {
            0.0
        } else {
            round(received_bytes as f64 / delivered as f64, 1)
        },
        bytes_per_delivery_timeline: per_delivery,
        changes_received,
        duplicate_changes,
        own_changes_back,
        whole_documents,
        unverified_documents,
        sustained: error_count == 0 && delivered_ratio >= 0.99 && p99_ms < w.p99_budget_ms,
    })
}

fn sample_every(w: &Workload) -> Duration {
    // Ten samples for a long hold, one a second for a short run.
    Duration::from_secs_f64((w.seconds / 12.0).max(1.0))
}

fn cpu_of(pid: u32) -> f64 {
    proc_stats::cpu_seconds(pid).unwrap_or(0.0)
}

fn percentile_ms(sorted_us: &[u32], q: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = ((sorted_us.len() as f64) * q).ceil() as usize;
    let us = sorted_us[rank.clamp(1, sorted_us.len()) - 1];
    round(f64::from(us) / 1000.0, 1)
}

fn round(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (x * scale).round() / scale
}
