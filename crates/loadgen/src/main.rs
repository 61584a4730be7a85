//! `tandem-loadgen`: the relay under load, side by side with the reference server and
//! with itself in cluster mode.
//!
//! P peers on R documents over loopback WebSockets, each making a small edit ~5 times a
//! second (a person typing) for T seconds; it measures edits delivered to every other
//! peer per second, edit-to-delivery latency p50/p99, and the server process's peak
//! memory. Targets (`--targets`): Tandem's relay (the release binary, with a device
//! credential and claimed documents, as the app uses it) on its embedded store
//! (`tandem`), on a private PostgreSQL (`tandem-pg`), as two instances on one PostgreSQL
//! and NATS (`tandem-cluster`), another relay binary (`tandem-baseline`), and the
//! reference automerge-repo 2.5.6 server on Node (`reference`,
//! `bench/reference-server.mjs`, no credentials).
//!
//! # Layout
//! - `peer`: one simulated person (socket, sync session, document, edits, measurements)
//! - `light`: the sync protocol of a light peer (its own edits only, no replica)
//! - `workload`: one run against a fresh server, and what it measured
//! - `target`: starting, admitting peers to, measuring and stopping each server
//! - `http`: the relay's two setup calls
//! - `proc_stats`: memory and CPU from `/proc`
//! - `sweep`: stepping P up to each server's saturation point, and the table

mod http;
mod light;
mod peer;
mod proc_stats;
mod sweep;
mod target;
mod workload;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use peer::PeersMode;
use target::{Kind, Launch};
use workload::Workload;

#[derive(Debug, Parser)]
#[command(
    name = "tandem-loadgen",
    about = "The relay under load, against the reference server"
)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct Common {
    /// Tandem's relay binary (default: `tandem-relay` beside this program).
    #[arg(long, global = true, env = "TANDEM_RELAY_BIN")]
    relay_bin: Option<PathBuf>,
    /// Another relay binary for the `tandem-baseline` target (an earlier commit's build,
    /// say), run on its embedded store exactly as `tandem` is.
    #[arg(long, global = true)]
    baseline_relay_bin: Option<PathBuf>,
    /// Node, for the reference server.
    #[arg(long, global = true, env = "NODE", default_value = "node")]
    node: PathBuf,
    /// The reference server script (default: the repository's `bench/reference-server.mjs`).
    #[arg(long, global = true)]
    reference_script: Option<PathBuf>,
    /// Edits per second per peer.
    #[arg(long, global = true, default_value_t = 5.0)]
    rate: f64,
    /// Seconds to wait after the last edit for deliveries in flight.
    #[arg(long, global = true, default_value_t = 5.0)]
    drain: f64,
    /// The p99 (ms) a load level must stay under to count as sustained.
    #[arg(long, global = true, default_value_t = 100.0)]
    p99_budget_ms: f64,
    /// Threads of the load generator's runtime. One leaves the other core to the server;
    /// the report says when the generator itself is the bottleneck.
    #[arg(long, global = true, env = "LOAD_CLIENT_THREADS", default_value_t = 1)]
    client_threads: usize,
    /// Peers connecting at once during setup.
    #[arg(long, global = true, default_value_t = 64)]
    connect_concurrency: usize,
    /// Before each run, wait up to this many seconds for the machine to go idle (0: don't).
    #[arg(long, global = true, env = "LOAD_QUIET_WAIT", default_value_t = 0.0)]
    quiet_wait: f64,
    /// What each simulated peer is: `full` keeps an Automerge replica of the document and
    /// applies every change (as the app does; the generator saturates first on few
    /// cores); `light` keeps only its own edits, reads who wrote each received change
    /// without applying it, and answers as a caught-up peer (see `src/light.rs`).
    #[arg(long, global = true, env = "LOAD_PEERS_MODE", value_enum, default_value_t = PeersMode::Full)]
    peers_mode: PeersMode,
    /// Keep each run's scratch folder (the servers' logs and data; PostgreSQL's own
    /// folder is still removed) and print where it is, to read what a server said.
    #[arg(long, global = true)]
    keep_scratch: bool,
    /// Write the results as JSON here.
    #[arg(long, global = true)]
    json: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// One load level against each target in turn.
    Run {
        /// Targets, in order (`tandem`, `tandem-pg`, `tandem-cluster`, `tandem-baseline`,
        /// `reference`).
        #[arg(
            long,
            alias = "targets",
            value_enum,
            value_delimiter = ',',
            default_value = "tandem,reference"
        )]
        target: Vec<Kind>,
        #[arg(long, default_value_t = 100)]
        peers: usize,
        /// Documents (default: one per 10 peers).
        #[arg(long)]
        docs: Option<usize>,
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
    /// Steps P up until each target's p99 passes the budget; prints the table side by
    /// side and the saturation points.
    Sweep {
        /// Targets, run one after another at each level (`tandem`, `tandem-pg`,
        /// `tandem-cluster`, `tandem-baseline`, `reference`).
        #[arg(
            long,
            value_enum,
            value_delimiter = ',',
            default_value = "tandem,reference"
        )]
        targets: Vec<Kind>,
        /// Load levels (peers), in order.
        #[arg(
            long,
            env = "LOAD_STEPS",
            value_delimiter = ',',
            default_value = "10,20,40,80,160,240,280,320,640,1000"
        )]
        steps: Vec<usize>,
        #[arg(long, default_value_t = 10)]
        peers_per_doc: usize,
        /// Seconds of typing per level.
        #[arg(long, env = "LOAD_SECONDS", default_value_t = 8.0)]
        seconds: f64,
    },
    /// Load held: many connections typing for minutes against Tandem's relay only.
    Hold {
        #[arg(long, default_value_t = 1000)]
        peers: usize,
        #[arg(long, default_value_t = 100)]
        docs: usize,
        #[arg(long, env = "HOLD_SECONDS", default_value_t = 120.0)]
        seconds: f64,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let c = &cli.common;
    let launch = Launch {
        relay_bin: match &c.relay_bin {
            Some(p) => p.clone(),
            None => std::env::current_exe()
                .context("locating this program")?
                .with_file_name("tandem-relay"),
        },
        baseline_relay_bin: c.baseline_relay_bin.clone(),
        node: c.node.clone(),
        reference_script: c.reference_script.clone().unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/reference-server.mjs")
        }),
        keep_scratch: c.keep_scratch,
    };
    let runtime = if c.client_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(c.client_threads)
            .enable_all()
            .build()?
    };
    let base = |peers: usize, documents: usize, seconds: f64| Workload {
        peers,
        documents,
        rate: c.rate,
        seconds,
        drain_seconds: c.drain,
        connect_concurrency: c.connect_concurrency,
        p99_budget_ms: c.p99_budget_ms,
        client_threads: c.client_threads.max(1),
        quiet_wait_seconds: c.quiet_wait,
        mode: c.peers_mode,
    };
    let output = runtime.block_on(async {
        match cli.mode {
            Mode::Run {
                target,
                peers,
                docs,
                seconds,
            } => {
                let w = base(peers, docs.unwrap_or(peers.div_ceil(10)), seconds);
                let mut runs = Vec::new();
                for kind in target {
                    let m = workload::run(kind, &launch, &w).await?;
                    sweep::print_one(&m);
                    runs.push(m);
                }
                Ok::<_, anyhow::Error>(serde_json::to_value(runs)?)
            }
            Mode::Sweep {
                targets,
                steps,
                peers_per_doc,
                seconds,
            } => {
                let report =
                    sweep::run(&launch, &targets, &steps, peers_per_doc.max(1), |p, r| {
                        base(p, r, seconds)
                    })
                    .await?;
                Ok(serde_json::to_value(report)?)
            }
            Mode::Hold {
                peers,
                docs,
                seconds,
            } => {
                let w = base(peers, docs, seconds);
                println!(
                    "Load held: {peers} connections on {docs} documents, {} edits/s each, {seconds} s, against the {}",
                    c.rate,
                    Kind::Tandem
                );
                let m = workload::run(Kind::Tandem, &launch, &w).await?;
                sweep::print_one(&m);
                sweep::print_timeline(&m);
                Ok(serde_json::to_value(m)?)
            }
        }
    })?;
    if let Some(path) = &c.json {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).ok();
        }
        std::fs::write(path, serde_json::to_string_pretty(&output)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
