//! A private PostgreSQL server for a test: its own cluster in a scratch folder, on a free
//! loopback port, stopped (immediately, by `pg_ctl`) when dropped.
//!
//! PostgreSQL refuses to run as root, so when the tests run as root the cluster belongs to
//! the `postgres` user (Debian's package makes it; made here if missing) and every
//! command runs through `runuser -u postgres --`. `scripts/setup.sh test` installs
//! Debian's `postgresql` when no `initdb` is found.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use super::Device;

const USER: &str = "postgres";

pub(crate) struct Postgres {
    /// The scratch folder (cluster, socket, log); removed on drop.
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    as_root: bool,
}

/// The newest installed server's `bin` folder (`TANDEM_PG_BIN` overrides).
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TANDEM_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (scripts/setup.sh test installs it)")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let version = path.file_name()?.to_str()?.parse::<u32>().ok()?;
            path.join("bin/initdb")
                .is_file()
                .then(|| (version, path.join("bin")))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .expect("an initdb under /usr/lib/postgresql/*/bin")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Postgres {
    /// Makes a cluster, starts it and creates the database `tandem`.
    pub(crate) fn start() -> Self {
        let as_root = is_root();
        let dir = tempfile::tempdir().expect("scratch folder");
        if as_root {
            let known = Command::new("id")
                .args(["-u", USER])
                .output()
                .is_ok_and(|o| o.status.success());
            if !known {
                run(Command::new("useradd").args(["--system", "--no-create-home", USER]));
            }
            run(Command::new("chown").args(["-R", USER]).arg(dir.path()));
        }
        let pg = Postgres {
            bin: bin_dir(),
            port: free_port(),
            dir,
            as_root,
        };
        run(pg
            .command("initdb")
            .args([
                "--auth=trust",
                "--username",
                USER,
                "--encoding=UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(pg.data()));
        pg.resume();
        run(pg.command("createdb").args([
            "-h",
            "127.0.0.1",
            "-p",
            &pg.port.to_string(),
            "-U",
            USER,
            "tandem",
        ]));
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `bin/<tool>`, run as the cluster's owner.
    fn command(&self, tool: &str) -> Command {
        let tool = self.bin.join(tool);
        if self.as_root {
            let mut command = Command::new("runuser");
            command.args(["-u", USER, "--"]).arg(tool);
            command
        } else {
            Command::new(tool)
        }
    }

    /// The URL the relay's `--store` takes.
    pub(crate) fn url(&self) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/tandem", self.port)
    }

    /// Starts the server (again) on the same port and data, and waits until it answers.
    /// `fsync=off`: a test only kills the server process, never the machine, so what was
    /// written survives without it, and commits stay synchronous.
    pub(crate) fn resume(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        run(self
            .command("pg_ctl")
            .args(["-w", "-t", "60", "-D"])
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .args(["-o", &options, "start"]));
    }

    /// Stops the server at once, as a crash would (`-m immediate`).
    pub(crate) fn halt(&self) {
        let _ = self
            .command("pg_ctl")
            .args(["-w", "-D"])
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .output();
    }

    /// The server's log, for a failing test's message.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.halt();
    }
}

fn run(command: &mut Command) {
    let out = command.output().expect("runs");
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The same device (same id and credential) talking to the relay instance at `addr`: in
/// cluster mode every instance knows it.
pub(crate) fn same_device_at(device: &Device, addr: &str) -> Device {
    Device {
        id: device.id.clone(),
        credential: device.credential.clone(),
        addr: addr.to_owned(),
        http: reqwest::Client::new(),
    }
}
