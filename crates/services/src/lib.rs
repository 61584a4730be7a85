//! Private PostgreSQL and NATS servers for whatever needs a real one on this machine: the
//! relay's cluster tests and `tandem-loadgen`'s cluster targets. Each starts on a free
//! loopback port in a scratch folder of its own and is stopped when dropped, so a test or
//! a load run that fails still leaves nothing running.
//!
//! Both use the Debian packages (`postgresql`, `nats-server`) that `scripts/setup.sh test`
//! installs when they are missing; nothing here installs anything.
//!
//! # Layout
//! - `postgres`: a throwaway PostgreSQL cluster with a database `tandem` (as the `postgres`
//!   user when run as root, since PostgreSQL refuses root)
//! - `nats`: a `nats-server` that can be killed and restarted on the same port
//! - `process`: what both read from `/proc` about their processes (memory, CPU)

pub mod nats;
pub mod postgres;
pub mod process;

pub use nats::{Nats, NatsError};
pub use postgres::{Durability, Postgres, PostgresError};
pub use process::Usage;

/// A free TCP port on the loopback interface (free when asked; a server binds it next).
fn free_port() -> std::io::Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
}
