//! The servers under load, each started fresh for a run in its own scratch folder:
//! Tandem's relay (the release binary) on its embedded store, on a PostgreSQL of its own,
//! or as two instances sharing a PostgreSQL and a NATS; another relay binary to compare
//! with (a baseline); and the reference automerge-repo server (Node).
//!
//! Servers run as child processes so their memory and CPU can be read from `/proc/<pid>`
//! apart from the load generator's own. PostgreSQL and NATS (`tandem-services`) are
//! measured apart from the relays: the relay columns are the relay processes only.

use std::{
    fmt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use serde::Serialize;
use tandem_services::{Durability, Nats, Postgres, Usage};
use tandem_sync::document_id::DocumentId;

use crate::{http, proc_stats};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    /// One relay on its embedded store (redb in its data folder): the default deployment.
    Tandem,
    /// One relay on a private PostgreSQL (`--store`, fsync on).
    TandemPg,
    /// Two relays on one private PostgreSQL and one NATS (`--store`, `--bus`); each
    /// document's peers alternate between them.
    TandemCluster,
    /// The relay binary given by `--baseline-relay-bin` (an earlier build, say) on its
    /// embedded store, to compare with `tandem` under the same generator.
    TandemBaseline,
    /// The reference automerge-repo server on Node.
    Reference,
}

impl Kind {
    /// Tandem's relay in some form (credentials, claims, its log's start line).
    fn is_relay(self) -> bool {
        self != Kind::Reference
    }

    /// A short name for table headers.
    pub(crate) fn short(self) -> &'static str {
        match self {
            Kind::Tandem => "Tandem (redb)",
            Kind::TandemPg => "Tandem + PostgreSQL",
            Kind::TandemCluster => "2 × Tandem + PG + NATS",
            Kind::TandemBaseline => "baseline relay (redb)",
            Kind::Reference => "reference (Node)",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Tandem => "Tandem relay",
            Kind::TandemPg => "Tandem relay on PostgreSQL",
            Kind::TandemCluster => "two Tandem relays on PostgreSQL + NATS",
            Kind::TandemBaseline => "baseline relay binary",
            Kind::Reference => "reference (automerge-repo 2.5.6, Node)",
        })
    }
}

/// How to start each server.
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    pub relay_bin: PathBuf,
    /// For [`Kind::TandemBaseline`].
    pub baseline_relay_bin: Option<PathBuf>,
    pub node: PathBuf,
    pub reference_script: PathBuf,
    /// Keep each run's scratch folder (server logs, data) instead of removing it.
    pub keep_scratch: bool,
}

/// One server process and the port it listens on.
struct Instance {
    child: Child,
    port: u16,
    log: PathBuf,
}

/// A running server (one or two processes, and for the PostgreSQL kinds the services they
/// share); stopped, and its folders removed, on drop.
pub(crate) struct Server {
    pub kind: Kind,
    instances: Vec<Instance>,
    /// Stopped after the relays (fields drop in order, after [`Server::stop`]).
    nats: Option<Nats>,
    postgres: Option<Postgres>,
    /// Data, app and log files; removed with the server.
    dir: tempfile::TempDir,
    /// Tandem only: the device every peer connects as (`<id>.<secret>`).
    credential: Option<String>,
    device_id: Option<String>,
}

impl Server {
    pub(crate) fn start(
        kind: Kind,
        launch: &Launch,
        max_connections: usize,
    ) -> anyhow::Result<Server> {
        // Every server writes to the same disk (the system's temporary folder).
        let dir = tempfile::Builder::new()
            .prefix("tandem-load-")
            .disable_cleanup(launch.keep_scratch)
            .tempdir()
            .context("making a scratch folder")?;
        if launch.keep_scratch {
            println!("  {kind}: scratch folder {} (kept)", dir.path().display());
        }
        let postgres = match kind {
            Kind::TandemPg | Kind::TandemCluster => {
                Some(Postgres::start(Durability::Disk).context("starting a private PostgreSQL")?)
            }
            _ => None,
        };
        let nats = match kind {
            Kind::TandemCluster => Some(Nats::start().context("starting a private NATS")?),
            _ => None,
        };
        let mut server = Server {
            kind,
            instances: Vec::new(),
            nats,
            postgres,
            dir,
            credential: None,
            device_id: None,
        };
        let count = if kind == Kind::TandemCluster { 2 } else { 1 };
        for n in 0..count {
            let command = server.command(n, launch, max_connections)?;
            let instance = server.spawn(n, command)?;
            server.instances.push(instance);
        }
        Ok(server)
    }

    /// The command line of instance `n`.
    fn command(
        &self,
        n: usize,
        launch: &Launch,
        max_connections: usize,
    ) -> anyhow::Result<Command> {
        let dir = self.dir.path();
        let data = dir.join(format!("data{n}"));
        if !self.kind.is_relay() {
            std::fs::create_dir_all(&data)?;
            let mut c = Command::new(&launch.node);
            c.arg(&launch.reference_script).arg("0").arg(&data);
            return Ok(c);
        }
        let app = dir.join("app");
        std::fs::create_dir_all(&app)?;
        std::fs::write(app.join("index.html"), "<title>Tandem</title>")?;
        let bin = match self.kind {
            Kind::TandemBaseline => launch
                .baseline_relay_bin
                .as_ref()
                .context("the tandem-baseline target needs --baseline-relay-bin")?,
            _ => &launch.relay_bin,
        };
        let mut c = Command::new(bin);
        c.arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(&data)
            .arg("--app-dir")
            .arg(&app)
            // Every peer comes from 127.0.0.1.
            .arg("--max-connections-per-address")
            .arg((max_connections + 16).to_string())
            // Peers of one run may share a device: the load is the point here.
            .arg("--max-connections-per-device")
            .arg((max_connections + 16).to_string());
        if let Some(pg) = &self.postgres {
            c.arg("--store").arg(pg.url());
        }
        if let Some(nats) = &self.nats {
            c.arg("--bus").arg(nats.url());
        }
        Ok(c)
    }

    fn spawn(&self, n: usize, mut command: Command) -> anyhow::Result<Instance> {
        let log_path = self.dir.path().join(format!("server{n}.log"));
        let log = std::fs::File::create(&log_path).context("creating the server log")?;
        let err_log = log.try_clone().context("cloning the log handle")?;
        let child = command
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err_log)
            .spawn()
            .with_context(|| format!("starting the {}", self.kind))?;
        let mut instance = Instance {
            child,
            port: 0,
            log: log_path,
        };
        instance.port = wait_for_port(self.kind, &mut instance)?;
        Ok(instance)
    }

    /// The relay processes' (or the reference server's) pids.
    fn pids(&self) -> impl Iterator<Item = u32> + '_ {
        self.instances.iter().map(|i| i.child.id())
    }

    /// Tandem: registers one device for all peers and claims the documents with it, on
    /// the first instance (in a cluster every instance reads the same PostgreSQL), and
    /// waits until every other instance knows them.
    /// The reference server has no access control: nothing to do.
    pub(crate) async fn admit(&mut self, documents: &[DocumentId]) -> anyhow::Result<()> {
        if !self.kind.is_relay() {
            return Ok(());
        }
        let mut bytes = [0u8; 40];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let id = hex[..16].to_owned();
        let credential = format!("{id}.{}", &hex[16..]);
        let addr = format!("127.0.0.1:{}", self.instances[0].port);
        let status = http::post(&addr, "/api/devices", &credential).await?;
        if status != 201 {
            bail!("registering the load device: HTTP {status}");
        }
        for doc in documents {
            let status = http::post(&addr, &format!("/api/docs/{doc}"), &credential).await?;
            if status != 201 && status != 200 {
                bail!("claiming {doc}: HTTP {status}");
            }
        }
        // The other instances learn of the device and the claims from PostgreSQL. Relays
        // before 46622ae re-read it on a miss at most every 50 ms, so of many peers
        // connecting at once to the second instance some were refused (401); waiting
        // keeps setup out of what is measured, whichever relay runs. Wait until each one
        // grants the last claim: it reads the rows in order, so it then knows the device
        // and every earlier claim too.
        if let Some(last) = documents.last() {
            let path = format!("/api/docs/{last}/access");
            for instance in &self.instances[1..] {
                let addr = format!("127.0.0.1:{}", instance.port);
                let deadline = Instant::now() + Duration::from_secs(10);
                while http::get(&addr, &path, &credential).await? != 200 {
                    if Instant::now() >= deadline {
                        bail!("instance {addr} did not learn of the load device within 10 s");
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        self.credential = Some(credential);
        self.device_id = Some(id);
        Ok(())
    }

    /// Where peer `n` connects, and the peer id it must use. `documents` is the run's
    /// document count: peer `n` works on document `n % documents`, and is that document's
    /// `n / documents`-th peer; in a cluster those alternate between the instances, so
    /// every document has peers on both and its edits cross between them.
    pub(crate) fn endpoint(&self, n: usize, documents: usize) -> (String, String) {
        let instance = (n / documents.max(1)) % self.instances.len();
        let port = self.instances[instance].port;
        match (&self.credential, &self.device_id) {
            (Some(credential), Some(id)) => (
                format!("ws://127.0.0.1:{port}/sync?credential={credential}"),
                format!("{id}-p{n}"),
            ),
            _ => (format!("ws://127.0.0.1:{port}"), format!("load-p{n}")),
        }
    }

    /// Peak resident memory so far (VmHWM), MiB, summed over the relay processes (each
    /// one's own peak: an upper bound of the peak of their sum).
    pub(crate) fn peak_mib(&self) -> f64 {
        self.pids()
            .map(|pid| proc_stats::peak_rss_kib(pid).unwrap_or(0))
            .sum::<u64>() as f64
            / 1024.0
    }

    /// Resident memory now (VmRSS), MiB, summed over the relay processes.
    pub(crate) fn rss_mib(&self) -> f64 {
        self.pids()
            .map(|pid| proc_stats::rss_kib(pid).unwrap_or(0))
            .sum::<u64>() as f64
            / 1024.0
    }

    /// CPU time the relay processes used so far (user + system), seconds.
    pub(crate) fn cpu_seconds(&self) -> f64 {
        self.pids()
            .map(|pid| proc_stats::cpu_seconds(pid).unwrap_or(0.0))
            .sum()
    }

    /// PostgreSQL's and NATS's memory (proportional set size, so shared buffers count
    /// once) and CPU time so far; `None` for kinds without them.
    pub(crate) fn services_usage(&self) -> Option<Usage> {
        if self.postgres.is_none() && self.nats.is_none() {
            return None;
        }
        let pg = self
            .postgres
            .as_ref()
            .map(Postgres::usage)
            .unwrap_or_default();
        let nats = self.nats.as_ref().map(Nats::usage).unwrap_or_default();
        Some(Usage {
            pss_kib: pg.pss_kib + nats.pss_kib,
            cpu_seconds: pg.cpu_seconds + nats.cpu_seconds,
        })
    }

    /// Each relay: SIGTERM, then SIGKILL if it has not gone within 5 s. PostgreSQL and
    /// NATS stop when the server is dropped, after the relays.
    pub(crate) fn stop(&mut self) {
        for instance in &mut self.instances {
            stop(&mut instance.child);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn wait_for_port(kind: Kind, instance: &mut Instance) -> anyhow::Result<u16> {
    let marker = if kind.is_relay() {
        "Tandem is running at http://127.0.0.1:"
    } else {
        "listening on "
    };
    let read = |log: &Path| std::fs::read_to_string(log).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = instance.child.try_wait()? {
            bail!(
                "the {kind} exited ({status}) before listening:\n{}",
                read(&instance.log)
            );
        }
        if let Some(rest) = read(&instance.log).split(marker).nth(1) {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(port) = digits.parse() {
                return Ok(port);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("the {kind} did not start listening within 30 s")
}

fn stop(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
