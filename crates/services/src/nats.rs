//! A private NATS server on a free loopback port, killed when dropped (or when its owner
//! kills it, to restart it on the same port). `scripts/setup.sh test` installs Debian's
//! `nats-server` when none is found.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::process::{self, Usage};

#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    #[error(
        "nats-server is not installed (not on the PATH, /usr/sbin or /usr/bin; \
         `scripts/setup.sh test` installs Debian's nats-server)"
    )]
    NotInstalled,
    #[error("{what}: {source}")]
    Io {
        what: &'static str,
        source: std::io::Error,
    },
    #[error("nats-server did not listen on port {port} within 10 s")]
    NotListening { port: u16 },
}

#[derive(Debug)]
pub struct Nats {
    child: Option<Child>,
    pub port: u16,
}

/// `nats-server` on the PATH, or where Debian puts it.
fn binary() -> Result<PathBuf, NatsError> {
    let on_path = std::env::var_os("PATH").into_iter().flat_map(|p| {
        std::env::split_paths(&p)
            .map(|dir| dir.join("nats-server"))
            .collect::<Vec<_>>()
    });
    on_path
        .chain([
            "/usr/sbin/nats-server".into(),
            "/usr/bin/nats-server".into(),
        ])
        .find(|p| p.is_file())
        .ok_or(NatsError::NotInstalled)
}

impl Nats {
    /// Starts a server and waits until it accepts connections.
    pub fn start() -> Result<Self, NatsError> {
        let mut nats = Nats::not_started()?;
        nats.restart()?;
        Ok(nats)
    }

    /// A free port with no server on it yet ([`Nats::restart`] starts one there).
    pub fn not_started() -> Result<Self, NatsError> {
        let port = crate::free_port().map_err(|source| NatsError::Io {
            what: "finding a free port",
            source,
        })?;
        Ok(Nats { child: None, port })
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts it (again) on its port, and waits until it accepts connections.
    pub fn restart(&mut self) -> Result<(), NatsError> {
        self.kill();
        let child = Command::new(binary()?)
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| NatsError::Io {
                what: "starting nats-server",
                source,
            })?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() >= deadline {
                self.kill();
                return Err(NatsError::NotListening { port: self.port });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Kills it (SIGKILL): an outage, not a goodbye.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Memory and CPU of the server process (zero while it is not running).
    pub fn usage(&self) -> Usage {
        self.child
            .as_ref()
            .map(|c| process::tree_usage(c.id()))
            .unwrap_or_default()
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_server_comes_back_on_the_same_port() {
        let mut nats = Nats::start().unwrap_or_else(|e| panic!("{e}"));
        let port = nats.port;
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
        nats.kill();
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
        assert_eq!(nats.usage(), Usage::default());
        nats.restart().unwrap_or_else(|e| panic!("{e}"));
        assert!(std::net::TcpStream::connect(("127.0.0.1", nats.port)).is_ok());
        assert_eq!(nats.url(), format!("nats://127.0.0.1:{port}"));
    }
}
