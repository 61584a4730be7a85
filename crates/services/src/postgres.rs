//! A private PostgreSQL server: its own cluster in a scratch folder, on a free loopback
//! port, with a database `tandem`; stopped (immediately, by `pg_ctl`) when dropped.
//!
//! PostgreSQL refuses to run as root, so when run as root the cluster belongs to the
//! `postgres` user (Debian's package makes it; made here if missing) and every command
//! runs through `runuser -u postgres --`. `scripts/setup.sh test` installs Debian's
//! `postgresql` when no `initdb` is found.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::process::{self, Usage};

const USER: &str = "postgres";

/// Whether commits reach the disk before PostgreSQL answers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `fsync=off`: for tests, which kill the server process but never the machine, so
    /// what was written survives without it. Commits stay synchronous.
    Process,
    /// PostgreSQL's defaults (`fsync=on`, `synchronous_commit=on`): a commit is on disk
    /// when answered, as the relay's embedded store is — what a load measurement compares.
    Disk,
}

#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    #[error(
        "PostgreSQL is not installed: no initdb under /usr/lib/postgresql/*/bin \
         (`scripts/setup.sh test` installs Debian's postgresql; TANDEM_PG_BIN names another)"
    )]
    NotInstalled,
    #[error("{what}: {source}")]
    Io {
        what: &'static str,
        source: std::io::Error,
    },
    #[error("`{command}` failed: {output}")]
    Failed { command: String, output: String },
}

#[derive(Debug)]
pub struct Postgres {
    /// The scratch folder (cluster, socket, log); removed on drop.
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    as_root: bool,
    durability: Durability,
}

/// The newest installed server's `bin` folder (`TANDEM_PG_BIN` overrides).
fn bin_dir() -> Result<PathBuf, PostgresError> {
    if let Some(dir) = std::env::var_os("TANDEM_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let entries =
        std::fs::read_dir("/usr/lib/postgresql").map_err(|_| PostgresError::NotInstalled)?;
    let mut found: Vec<(u32, PathBuf)> = entries
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
        .ok_or(PostgresError::NotInstalled)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

impl Postgres {
    /// Makes a cluster, starts it and creates the database `tandem`.
    pub fn start(durability: Durability) -> Result<Self, PostgresError> {
        let as_root = is_root();
        let dir = tempfile::Builder::new()
            .prefix("tandem-pg-")
            .tempdir()
            .map_err(|source| PostgresError::Io {
                what: "making PostgreSQL's scratch folder",
                source,
            })?;
        if as_root {
            let known = Command::new("id")
                .args(["-u", USER])
                .output()
                .is_ok_and(|o| o.status.success());
            if !known {
                run(Command::new("useradd").args(["--system", "--no-create-home", USER]))?;
            }
            run(Command::new("chown").args(["-R", USER]).arg(dir.path()))?;
        }
        let pg = Postgres {
            bin: bin_dir()?,
            port: crate::free_port().map_err(|source| PostgresError::Io {
                what: "finding a free port",
                source,
            })?,
            dir,
            as_root,
            durability,
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
            .arg(pg.data()))?;
        pg.resume()?;
        run(pg.command("createdb").args([
            "-h",
            "127.0.0.1",
            "-p",
            &pg.port.to_string(),
            "-U",
            USER,
            "tandem",
        ]))?;
        Ok(pg)
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
    pub fn url(&self) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/tandem", self.port)
    }

    /// Starts the server (again) on the same port and data, and waits until it answers.
    pub fn resume(&self) -> Result<(), PostgresError> {
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        if self.durability == Durability::Process {
            options.push_str(" -c fsync=off");
        }
        run(self
            .command("pg_ctl")
            .args(["-w", "-t", "60", "-D"])
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .args(["-o", &options, "start"]))
    }

    /// Stops the server at once, as a crash would (`-m immediate`).
    pub fn halt(&self) {
        let _ = self
            .command("pg_ctl")
            .args(["-w", "-D"])
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .output();
    }

    /// The server's log, for a failure's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The postmaster's pid, from `postmaster.pid` (none while stopped).
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.data().join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    /// Memory and CPU of the postmaster and its backends (zero while stopped).
    pub fn usage(&self) -> Usage {
        self.pid().map(process::tree_usage).unwrap_or_default()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.halt();
    }
}

fn run(command: &mut Command) -> Result<(), PostgresError> {
    let out = command.output().map_err(|source| PostgresError::Io {
        what: "running a PostgreSQL tool",
        source,
    })?;
    if out.status.success() {
        return Ok(());
    }
    Err(PostgresError::Failed {
        command: format!("{command:?}"),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_server_answers_on_its_port_and_is_gone_after_drop() {
        let pg = Postgres::start(Durability::Process).unwrap_or_else(|e| panic!("{e}"));
        let port = pg.port;
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
        let usage = pg.usage();
        assert!(usage.pss_kib > 0, "{usage:?}");
        assert!(pg.url().ends_with(&format!(":{port}/tandem")));
        drop(pg);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    }
}
