//! Stepping the load up, for both servers in the same run, until each can no longer keep
//! p99 under budget; the side-by-side table and the saturation points.
//!
//! A server is *saturated* at the first level where p99 reaches the budget, under 99% of
//! edits arrive, or any error occurs; its saturation point is the largest level below
//! that. Once saturated it is not run at higher levels (they only take longer). A level
//! where the load generator itself could not keep up ends the sweep for that server too,
//! and is reported as such: the server's point is then "at least" the last good level.

use serde::Serialize;

use crate::{
    peer::PeersMode,
    target::{Kind, Launch},
    workload::{self, Measured, Workload},
};

#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub peers: usize,
    pub documents: usize,
    pub tandem: Option<Measured>,
    pub reference: Option<Measured>,
    /// Reference p99 ÷ Tandem p99 (above 1: Tandem is faster).
    pub p99_ratio: Option<f64>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Point {
    /// The largest level sustained (p99 under budget, ≥ 99% delivered, no error).
    pub sustained_peers: Option<usize>,
    /// Why stepping stopped: "saturated", "client-bound" or "ceiling" (the last level
    /// was still sustained).
    pub stopped: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub peers_mode: PeersMode,
    pub budget_p99_ms: f64,
    pub rate_per_peer: f64,
    pub seconds_per_level: f64,
    pub peers_per_document: usize,
    pub client_threads: usize,
    pub rows: Vec<Row>,
    pub tandem: Point,
    pub reference: Point,
    /// Tandem's saturation point ÷ the reference's (a lower bound if Tandem did not
    /// saturate).
    pub peers_ratio: Option<f64>,
    pub tandem_p99_lower_at_every_shared_level: bool,
}

struct Stepper {
    kind: Kind,
    running: bool,
    sustained: Option<usize>,
    stopped: &'static str,
}

impl Stepper {
    fn new(kind: Kind) -> Self {
        Stepper {
            kind,
            running: true,
            sustained: None,
            stopped: "ceiling",
        }
    }

    async fn step(&mut self, launch: &Launch, w: &Workload) -> Option<Measured> {
        if !self.running {
            return None;
        }
        let m = match workload::run(self.kind, launch, w).await {
            Ok(m) => m,
            Err(e) => {
                println!("  {} at P={}: failed to run: {e:#}", self.kind, w.peers);
                self.running = false;
                self.stopped = "saturated";
                return None;
            }
        };
        print_one(&m);
        if m.client_bound {
            self.running = false;
            self.stopped = "client-bound";
        } else if m.sustained {
            self.sustained = Some(w.peers);
        } else {
            self.running = false;
            self.stopped = "saturated";
        }
        Some(m)
    }

    fn point(&self) -> Point {
        Point {
            sustained_peers: self.sustained,
            stopped: self.stopped,
        }
    }
}

pub(crate) async fn run(
    launch: &Launch,
    steps: &[usize],
    peers_per_doc: usize,
    workload: impl Fn(usize, usize) -> Workload,
) -> anyhow::Result<Report> {
    let mut tandem = Stepper::new(Kind::Tandem);
    let mut reference = Stepper::new(Kind::Reference);
    let mut rows = Vec::new();
    let mut template = workload(1, 1);
    for &peers in steps {
        if !tandem.running && !reference.running {
            break;
        }
        let documents = peers.div_ceil(peers_per_doc);
        let w = workload(peers, documents);
        println!("P = {peers} peers on {documents} documents");
        let t = tandem.step(launch, &w).await;
        let r = reference.step(launch, &w).await;
        let p99_ratio = match (&t, &r) {
            (Some(t), Some(r)) if t.p99_ms > 0.0 => Some(round2(r.p99_ms / t.p99_ms)),
            _ => None,
        };
        rows.push(Row {
            peers,
            documents,
            tandem: t,
            reference: r,
            p99_ratio,
        });
        template = w;
    }
    let peers_ratio = match (tandem.sustained, reference.sustained) {
        (Some(t), Some(r)) => Some(round2(t as f64 / r as f64)),
        _ => None,
    };
    let lower_everywhere = rows.iter().all(|row| match (&row.tandem, &row.reference) {
        (Some(t), Some(r)) => t.p99_ms < r.p99_ms,
        _ => true,
    });
    let report = Report {
        peers_mode: template.mode,
        budget_p99_ms: template.p99_budget_ms,
        rate_per_peer: template.rate,
        seconds_per_level: template.seconds,
        peers_per_document: peers_per_doc,
        client_threads: template.client_threads,
        rows,
        tandem: tandem.point(),
        reference: reference.point(),
        peers_ratio,
        tandem_p99_lower_at_every_shared_level: lower_everywhere,
    };
    print_table(&report);
    Ok(report)
}

pub(crate) fn print_one(m: &Measured) {
    println!(
        "  {:<40} P={:<5} R={:<4} p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  delivered {:>8.0}/s ({:.1}%)  sent {}/{}  errors {}  peak {:>6.1} MiB  server cpu {:>3.0}%  loadgen cpu {:>3.0}%  others {:>3.0}%{}{}",
        m.target.to_string(),
        m.peers,
        m.documents,
        m.p50_ms,
        m.p99_ms,
        m.max_ms,
        m.delivered_per_s,
        m.delivered_ratio * 100.0,
        m.edits_sent,
        m.edits_planned,
        m.errors,
        m.server_peak_mib,
        m.server_cpu_percent,
        m.client_cpu_percent,
        m.other_cpu_percent,
        if m.other_cpu_percent > 20.0 {
            "  [BUSY MACHINE: other processes used CPU meanwhile]"
        } else {
            ""
        },
        if m.client_bound {
            "  [CLIENT-BOUND: the load generator could not keep up]"
        } else {
            ""
        }
    );
    let flow: Vec<String> = m
        .bytes_per_delivery_timeline
        .iter()
        .map(|(t, b)| format!("{t:.0}s {b:.0}"))
        .collect();
    println!(
        "      {} peers: received {:.1} MiB, {:.0} B per edit delivered (over the run: {}){}",
        match m.peers_mode {
            PeersMode::Full => "full-replica",
            PeersMode::Light => "light",
        },
        m.received_mib,
        m.received_bytes_per_delivery,
        flow.join(", "),
        if m.peers_mode == PeersMode::Light {
            format!(
                "; changes received {}, again {}, own sent back {}, whole documents {} ({} failed the heads check)",
                m.changes_received,
                m.duplicate_changes,
                m.own_changes_back,
                m.whole_documents,
                m.unverified_documents
            )
        } else {
            String::new()
        }
    );
    for e in &m.error_samples {
        println!("      error: {e}");
    }
}

pub(crate) fn print_timeline(m: &Measured) {
    let points: Vec<String> = m
        .server_rss_timeline_mib
        .iter()
        .map(|(t, mib)| format!("{t:.0}s {mib:.0}"))
        .collect();
    println!(
        "  relay resident memory over the run (MiB): {}",
        points.join(", ")
    );
}

fn cell(m: &Option<Measured>) -> String {
    match m {
        None => format!("{:^40}", "—"),
        Some(m) => format!(
            "{:>7.1} {:>7.1} {:>9.0} {:>7.1}{}",
            m.p50_ms,
            m.p99_ms,
            m.delivered_per_s,
            m.server_peak_mib,
            if m.client_bound {
                " client"
            } else if m.sustained {
                "  ok   "
            } else {
                "  SAT  "
            }
        ),
    }
}

fn print_table(r: &Report) {
    println!();
    println!(
        "Relay under load: {} edits/s per peer, {} peers per document, {} s per level, p99 budget {} ms, {} peers",
        r.rate_per_peer,
        r.peers_per_document,
        r.seconds_per_level,
        r.budget_p99_ms,
        match r.peers_mode {
            PeersMode::Full => "full-replica",
            PeersMode::Light => "light",
        }
    );
    println!(
        "{:>6} {:>5} | {:^40} | {:^40} | {:>9}",
        "P", "docs", "Tandem relay", "reference (Node)", "p99 ref/"
    );
    println!(
        "{:>6} {:>5} | {:>7} {:>7} {:>9} {:>7}{:7} | {:>7} {:>7} {:>9} {:>7}{:7} | {:>9}",
        "",
        "",
        "p50 ms",
        "p99 ms",
        "deliv/s",
        "MiB",
        "",
        "p50 ms",
        "p99 ms",
        "deliv/s",
        "MiB",
        "",
        "Tandem"
    );
    for row in &r.rows {
        println!(
            "{:>6} {:>5} | {} | {} | {:>9}",
            row.peers,
            row.documents,
            cell(&row.tandem),
            cell(&row.reference),
            row.p99_ratio.map_or("—".into(), |x| format!("{x:.2}×"))
        );
    }
    let describe = |p: &Point| {
        let at = p
            .sustained_peers
            .map_or("none of the levels".into(), |n| format!("{n} peers"));
        match p.stopped {
            "ceiling" => format!("{at} (did not saturate within the levels run)"),
            "client-bound" => format!("at least {at} (the load generator saturated first)"),
            _ => at,
        }
    };
    println!(
        "Saturation point (largest P with p99 < {} ms, ≥ 99% delivered, no error):",
        r.budget_p99_ms
    );
    println!("  Tandem relay: {}", describe(&r.tandem));
    println!("  reference:    {}", describe(&r.reference));
    match r.peers_ratio {
        Some(x) => println!(
            "  ratio: {x:.1}×{} (goal ≥ 5×)",
            if r.tandem.stopped == "saturated" {
                ""
            } else {
                " or more"
            }
        ),
        None => println!("  ratio: not defined (a server sustained none of the levels)"),
    }
    println!(
        "  Tandem's p99 lower at every level both ran: {}",
        if r.tandem_p99_lower_at_every_shared_level {
            "yes"
        } else {
            "no"
        }
    );
    let busy = r
        .rows
        .iter()
        .flat_map(|row| [&row.tandem, &row.reference])
        .flatten()
        .filter(|m| m.other_cpu_percent > 20.0)
        .count();
    if busy > 0 {
        println!(
            "  WARNING: {busy} run(s) shared the machine with other busy processes; their figures are pessimistic"
        );
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
