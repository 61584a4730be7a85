//! What the relay is told at start: where to listen, where data lives, what to serve.

use std::{net::SocketAddr, path::PathBuf};

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "tandem-relay",
    version,
    about = "Serves Tandem and syncs partnerships"
)]
pub struct Config {
    /// Address to listen on. Loopback by default: put a TLS proxy in front to expose it.
    #[arg(long, env = "TANDEM_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Folder for the relay's data (created if missing).
    #[arg(long, env = "TANDEM_DATA", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Folder with the built app (Trunk's `dist`).
    #[arg(long, env = "TANDEM_APP_DIR", default_value = "./dist")]
    pub app_dir: PathBuf,

    /// The largest sync message accepted, in bytes; a larger one closes the connection.
    #[arg(long, env = "TANDEM_MAX_MESSAGE_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_message_bytes: usize,

    /// Failed credential attempts allowed per client address per minute.
    #[arg(long, env = "TANDEM_MAX_FAILED_ATTEMPTS", default_value_t = 20)]
    pub max_failed_attempts: u32,

    /// New devices a client address may register per minute.
    #[arg(long, env = "TANDEM_MAX_REGISTRATIONS", default_value_t = 60)]
    pub max_registrations: u32,

    /// Partnerships one sync connection may sync at once.
    #[arg(long, env = "TANDEM_MAX_DOCS_PER_CONNECTION", default_value_t = 1000)]
    pub max_docs_per_connection: usize,

    /// Sync connections open at once from one client address.
    #[arg(long, env = "TANDEM_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 64)]
    pub max_connections_per_address: usize,

    /// Messages that may wait for one connection's socket; a peer that falls further
    /// behind (it stopped reading) is disconnected rather than slowing anyone else.
    #[arg(long, env = "TANDEM_SEND_QUEUE", default_value_t = crate::hub::DEFAULT_SEND_QUEUE)]
    pub send_queue: usize,

    /// A test hook: while set, every write to the document store fails as a full disk
    /// would. Not a flag.
    #[arg(skip)]
    pub disk_full: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,

    // --- Other sync servers (issue #16, link safety) ---
    /// Another automerge-repo server the app may be pointed at from its settings
    /// (`ws://host:port` or `wss://host`); repeat the flag for several. The page's CSP
    /// lets the app connect to this relay and these servers only. Env: comma-separated.
    #[arg(
        long = "allow-relay",
        env = "TANDEM_ALLOW_RELAYS",
        value_delimiter = ','
    )]
    pub allow_relays: Vec<crate::security::RelayOrigin>,

    /// Seconds a document nobody has open stays in memory.
    #[arg(long, env = "TANDEM_EVICT_AFTER_SECS", default_value_t = 60)]
    pub evict_after_secs: u64,
}

impl Config {
    /// The defaults, for tests and embedding.
    pub fn new(addr: SocketAddr, data_dir: PathBuf, app_dir: PathBuf) -> Self {
        Config {
            addr,
            data_dir,
            app_dir,
            max_message_bytes: 16 * 1024 * 1024,
            evict_after_secs: 60,
            max_failed_attempts: 20,
            max_registrations: 60,
            max_docs_per_connection: 1000,
            max_connections_per_address: 64,
            send_queue: crate::hub::DEFAULT_SEND_QUEUE,
            disk_full: None,
            allow_relays: Vec::new(),
        }
    }
}
