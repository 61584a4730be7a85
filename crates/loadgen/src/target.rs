//! The servers under load, each started fresh for a run in its own scratch folder: Tandem's
//! relay (the release binary) and the reference automerge-repo server (Node).
//!
//! Both run as child processes so their memory and CPU can be read from `/proc/<pid>`
//! apart from the load generator's own.

use std::{
    fmt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use serde::Serialize;
use tandem_sync::document_id::DocumentId;

use crate::{http, proc_stats};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    Tandem,
    Reference,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Tandem => "Tandem relay",
            Kind::Reference => "reference (automerge-repo 2.5.6, Node)",
        })
    }
}

/// How to start each server.
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    pub relay_bin: PathBuf,
    pub node: PathBuf,
    pub reference_script: PathBuf,
}

/// A running server; stopped (and its folder removed) on drop.
pub(crate) struct Server {
    pub kind: Kind,
    pub port: u16,
    child: Child,
    /// Data, app and log files; removed with the server.
    _dir: tempfile::TempDir,
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
        // Both servers write to the same disk (the system's temporary folder).
        let dir = tempfile::Builder::new()
            .prefix("tandem-load-")
            .tempdir()
            .context("making a scratch folder")?;
        let data = dir.path().join("data");
        let log_path = dir.path().join("server.log");
        let log = std::fs::File::create(&log_path).context("creating the server log")?;
        let err_log = log.try_clone().context("cloning the log handle")?;
        let mut command = match kind {
            Kind::Tandem => {
                let app = dir.path().join("app");
                std::fs::create_dir_all(&app)?;
                std::fs::write(app.join("index.html"), "<title>Tandem</title>")?;
                let mut c = Command::new(&launch.relay_bin);
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
                c
            }
            Kind::Reference => {
                std::fs::create_dir_all(&data)?;
                let mut c = Command::new(&launch.node);
                c.arg(&launch.reference_script).arg("0").arg(&data);
                c
            }
        };
        let child = command
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err_log)
            .spawn()
            .with_context(|| format!("starting the {kind}"))?;
        let mut server = Server {
            kind,
            port: 0,
            child,
            _dir: dir,
            credential: None,
            device_id: None,
        };
        server.port = server.wait_for_port(&log_path)?;
        Ok(server)
    }

    fn wait_for_port(&mut self, log: &Path) -> anyhow::Result<u16> {
        let marker = match self.kind {
            Kind::Tandem => "Tandem is running at http://127.0.0.1:",
            Kind::Reference => "listening on ",
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                bail!(
                    "the {} exited ({status}) before listening:\n{text}",
                    self.kind
                );
            }
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(rest) = text.split(marker).nth(1) {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if let Ok(port) = digits.parse() {
                    return Ok(port);
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("the {} did not start listening within 30 s", self.kind)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Tandem: registers one device for all peers and claims the documents with it.
    /// The reference server has no access control: nothing to do.
    pub(crate) async fn admit(&mut self, documents: &[DocumentId]) -> anyhow::Result<()> {
        if self.kind != Kind::Tandem {
            return Ok(());
        }
        let mut bytes = [0u8; 40];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let id = hex[..16].to_owned();
        let credential = format!("{id}.{}", &hex[16..]);
        let addr = format!("127.0.0.1:{}", self.port);
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
        self.credential = Some(credential);
        self.device_id = Some(id);
        Ok(())
    }

    /// Where peer `n` connects, and the peer id it must use.
    pub(crate) fn endpoint(&self, n: usize) -> (String, String) {
        match (&self.credential, &self.device_id) {
            (Some(credential), Some(id)) => (
                format!("ws://127.0.0.1:{}/sync?credential={credential}", self.port),
                format!("{id}-p{n}"),
            ),
            _ => (
                format!("ws://127.0.0.1:{}", self.port),
                format!("load-p{n}"),
            ),
        }
    }

    /// Peak resident memory so far (VmHWM), MiB.
    pub(crate) fn peak_mib(&self) -> f64 {
        proc_stats::peak_rss_kib(self.pid()).unwrap_or(0) as f64 / 1024.0
    }

    /// Resident memory now (VmRSS), MiB.
    pub(crate) fn rss_mib(&self) -> f64 {
        proc_stats::rss_kib(self.pid()).unwrap_or(0) as f64 / 1024.0
    }

    /// CPU time used so far (user + system), seconds.
    pub(crate) fn cpu_seconds(&self) -> f64 {
        proc_stats::cpu_seconds(self.pid()).unwrap_or(0.0)
    }

    /// SIGTERM, then SIGKILL if it has not gone within 5 s.
    pub(crate) fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
