//! Stepping the load up, for every target in the same run, until each can no longer keep
//! p99 under budget; the side-by-side table and the saturation points.
//!
//! A target is *saturated* at the first level where p99 reaches the budget, under 99% of
//! edits arrive, or any error occurs; its saturation point is the largest level below
//! that. Once saturated it is not run at higher levels (they only take longer). A level
//! where the load generator itself could not keep up ends the sweep for that target too,
//! and is reported as such: the target's point is then "at least" the last good level.
//! At each level the targets run one after another, so a machine that gets busier part
//! way through weighs on all of them alike.

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
    /// One per target still running at this level, in the order of the targets.
    pub runs: Vec<Measured>,
    /// Reference p99 ÷ Tandem p99 (above 1: Tandem is faster), when both ran.
    pub p99_ratio: Option<f64>,
}

impl Row {
    fn run(&self, kind: Kind) -> Option<&Measured> {
        self.runs.iter().find(|m| m.target == kind)
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct Point {
    pub target: Kind,
    /// The largest level sustained (p99 under budget, ≥ 99% delivered, no error).
    pub sustained_peers: Option<usize>,
    /// Why stepping stopped: "saturated", "client-bound" or "ceiling" (the last level
    /// was still sustained).
    pub stopped: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub targets: Vec<Kind>,
    pub peers_mode: PeersMode,
    pub budget_p99_ms: f64,
    pub rate_per_peer: f64,
    pub seconds_per_level: f64,
    pub peers_per_document: usize,
    pub client_threads: usize,
    pub rows: Vec<Row>,
    pub points: Vec<Point>,
    /// Tandem's saturation point ÷ the reference's (a lower bound if Tandem did not
    /// saturate), when both were targets.
    pub peers_ratio: Option<f64>,
    pub tandem_p99_lower_at_every_shared_level: Option<bool>,
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
            target: self.kind,
            sustained_peers: self.sustained,
            stopped: self.stopped,
        }
    }
}

pub(crate) async fn run(
    launch: &Launch,
    targets: &[Kind],
    steps: &[usize],
    peers_per_doc: usize,
    workload: impl Fn(usize, usize) -> Workload,
) -> anyhow::Result<Report> {
    let mut steppers: Vec<Stepper> = targets.iter().map(|&k| Stepper::new(k)).collect();
    let mut rows: Vec<Row> = Vec::new();
    let mut template = workload(1, 1);
    for &peers in steps {
        if steppers.iter().all(|s| !s.running) {
            break;
        }
        let documents = peers.div_ceil(peers_per_doc);
        let w = workload(peers, documents);
        println!("P = {peers} peers on {documents} documents");
        let mut runs = Vec::new();
        for stepper in &mut steppers {
            runs.extend(stepper.step(launch, &w).await);
        }
        let mut row = Row {
            peers,
            documents,
            runs,
            p99_ratio: None,
        };
        row.p99_ratio = match (row.run(Kind::Tandem), row.run(Kind::Reference)) {
            (Some(t), Some(r)) if t.p99_ms > 0.0 => Some(round2(r.p99_ms / t.p99_ms)),
            _ => None,
        };
        rows.push(row);
        template = w;
    }
    let points: Vec<Point> = steppers.iter().map(Stepper::point).collect();
    let point = |kind: Kind| points.iter().find(|p| p.target == kind);
    let both = targets.contains(&Kind::Tandem) && targets.contains(&Kind::Reference);
    let peers_ratio = match (point(Kind::Tandem), point(Kind::Reference)) {
        (Some(t), Some(r)) => match (t.sustained_peers, r.sustained_peers) {
            (Some(t), Some(r)) => Some(round2(t as f64 / r as f64)),
            _ => None,
        },
        _ => None,
    };
    let lower_everywhere = both.then(|| {
        rows.iter().all(
            |row| match (row.run(Kind::Tandem), row.run(Kind::Reference)) {
                (Some(t), Some(r)) => t.p99_ms < r.p99_ms,
                _ => true,
            },
        )
    });
    let report = Report {
        targets: targets.to_vec(),
        peers_mode: template.mode,
        budget_p99_ms: template.p99_budget_ms,
        rate_per_peer: template.rate,
        seconds_per_level: template.seconds,
        peers_per_document: peers_per_doc,
        client_threads: template.client_threads,
        rows,
        points,
        peers_ratio,
        tandem_p99_lower_at_every_shared_level: lower_everywhere,
    };
    print_table(&report);
    Ok(report)
}

pub(crate) fn print_one(m: &Measured) {
    println!(
        "  {:<40} P={:<5} R={:<4} p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  delivered {:>8.0}/s ({:.1}%)  sent {}/{}  errors {}  peak {:>6.1} MiB  server cpu {:>3.0}%{}  loadgen cpu {:>3.0}%  others {:>3.0}%{}{}",
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
        match (m.services_peak_mib, m.services_cpu_percent) {
            (Some(mib), Some(cpu)) =>
                format!("  PostgreSQL+NATS {mib:.1} MiB (PSS), cpu {cpu:.0}%"),
            _ => String::new(),
        },
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

/// One target's figures at one level: p50, p99, deliveries/s, relay memory, verdict.
fn cell(m: Option<&Measured>) -> String {
    match m {
        None => format!("{:^40}", "—"),
        Some(m) => format!(
            "{:>7.1} {:>7.1} {:>9.0} {:>7.1}{}",
            m.p50_ms,
            m.p99_ms,
            m.delivered_per_s,
            m.server_peak_mib,
            verdict(m)
        ),
    }
}

/// One target's cost at one level: relay CPU, PostgreSQL + NATS memory and CPU, the
/// generator's CPU.
fn cost_cell(m: Option<&Measured>) -> String {
    let Some(m) = m else {
        return format!("{:^30}", "—");
    };
    let services = |x: Option<f64>, width: usize| {
        x.map_or(format!("{:>width$}", "—"), |x| format!("{x:>width$.0}"))
    };
    format!(
        "{:>6.0} {} {} {:>7.0}",
        m.server_cpu_percent,
        services(m.services_peak_mib, 7),
        services(m.services_cpu_percent, 6),
        m.client_cpu_percent
    )
}

fn verdict(m: &Measured) -> &'static str {
    if m.client_bound {
        " client"
    } else if m.sustained {
        "  ok   "
    } else {
        "  SAT  "
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
    let with_ratio = r.tandem_p99_lower_at_every_shared_level.is_some();
    let mut header = format!("{:>6} {:>5}", "P", "docs");
    let mut units = format!("{:>6} {:>5}", "", "");
    for kind in &r.targets {
        header += &format!(" | {:^40}", kind.short());
        units += &format!(
            " | {:>7} {:>7} {:>9} {:>7}{:7}",
            "p50 ms", "p99 ms", "deliv/s", "MiB", ""
        );
    }
    if with_ratio {
        header += &format!(" | {:>9}", "p99 ref/");
        units += &format!(" | {:>9}", "Tandem");
    }
    println!("{header}");
    println!("{units}");
    for row in &r.rows {
        let mut line = format!("{:>6} {:>5}", row.peers, row.documents);
        for kind in &r.targets {
            line += &format!(" | {}", cell(row.run(*kind)));
        }
        if with_ratio {
            line += &format!(
                " | {:>9}",
                row.p99_ratio.map_or("—".into(), |x| format!("{x:.2}×"))
            );
        }
        println!("{line}");
    }
    println!(
        "(MiB: the relay processes' peak resident memory, summed over instances; PostgreSQL and NATS below)"
    );
    println!();
    println!(
        "Cost, % of one core while typing (the machine has {} cores), and PostgreSQL + NATS memory:",
        cores()
    );
    let mut header = format!("{:>6} {:>5}", "P", "docs");
    let mut units = format!("{:>6} {:>5}", "", "");
    for kind in &r.targets {
        header += &format!(" | {:^30}", kind.short());
        units += &format!(
            " | {:>6} {:>7} {:>6} {:>7}",
            "relay%", "svc MiB", "svc%", "loadgen%"
        );
    }
    println!("{header}");
    println!("{units}");
    for row in &r.rows {
        let mut line = format!("{:>6} {:>5}", row.peers, row.documents);
        for kind in &r.targets {
            line += &format!(" | {}", cost_cell(row.run(*kind)));
        }
        println!("{line}");
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
    for p in &r.points {
        println!("  {:<24} {}", format!("{}:", p.target.short()), describe(p));
    }
    if let Some(lower) = r.tandem_p99_lower_at_every_shared_level {
        let tandem_saturated = r
            .points
            .iter()
            .any(|p| p.target == Kind::Tandem && p.stopped == "saturated");
        match r.peers_ratio {
            Some(x) => println!(
                "  Tandem ÷ reference: {x:.1}×{} (goal ≥ 5×)",
                if tandem_saturated { "" } else { " or more" }
            ),
            None => println!(
                "  Tandem ÷ reference: not defined (a server sustained none of the levels)"
            ),
        }
        println!(
            "  Tandem's p99 lower at every level both ran: {}",
            if lower { "yes" } else { "no" }
        );
    }
    let busy = r
        .rows
        .iter()
        .flat_map(|row| &row.runs)
        .filter(|m| m.other_cpu_percent > 20.0)
        .count();
    if busy > 0 {
        println!(
            "  WARNING: {busy} run(s) shared the machine with other busy processes; their figures are pessimistic"
        );
    }
}

/// Cores this process may run on.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
