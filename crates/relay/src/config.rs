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

    /// Bytes per second the relay reads from one device's sync sockets together, after a
    /// burst of twice `--max-message-bytes`; past it the relay reads that device slower
    /// (TCP pushes back on it), so a flood of junk costs the relay this much at most.
    #[arg(long, env = "TANDEM_MAX_READ_BYTES_PER_SEC_PER_DEVICE", default_value_t = 4 * 1024 * 1024)]
    pub max_read_bytes_per_sec_per_device: usize,

    /// Failed credential attempts allowed per client address per minute.
    #[arg(long, env = "TANDEM_MAX_FAILED_ATTEMPTS", default_value_t = 20)]
    pub max_failed_attempts: u32,

    /// New devices a client address may register per minute.
    #[arg(long, env = "TANDEM_MAX_REGISTRATIONS", default_value_t = 60)]
    pub max_registrations: u32,

    /// Partnerships one sync connection may sync at once.
    #[arg(long, env = "TANDEM_MAX_DOCS_PER_CONNECTION", default_value_t = 1000)]
    pub max_docs_per_connection: usize,

    /// Sync connections open at once from one client address: a loose backstop — the
    /// real cap is per device (`--max-connections-per-device`).
    #[arg(
        long,
        env = "TANDEM_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 256
    )]
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

    // --- Connection limits (issue 15: timeouts, caps, proxies, quotas) ---
    /// Seconds a connection has to send a whole request head (also between requests on a
    /// kept-alive connection); slower ones are closed.
    #[arg(long, env = "TANDEM_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,

    /// Seconds a sync socket has, after the upgrade, to send its join message.
    #[arg(long, env = "TANDEM_JOIN_TIMEOUT_SECS", default_value_t = 10)]
    pub join_timeout_secs: u64,

    /// Seconds a sync socket may stay silent (no message, no answer to the relay's pings,
    /// sent every third of this) before it is closed.
    #[arg(long, env = "TANDEM_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub idle_timeout_secs: u64,

    /// Seconds one message may take to arrive once its first bytes have: a frame left
    /// unfinished is closed after this (60 s lets 16 MiB through at ~2.3 Mbit/s).
    #[arg(long, env = "TANDEM_FRAME_TIMEOUT_SECS", default_value_t = 60)]
    pub frame_timeout_secs: u64,

    /// Connections open at once, sync sockets included; 0 = a little under the process's
    /// open-file limit.
    #[arg(long, env = "TANDEM_MAX_CONNECTIONS", default_value_t = 0)]
    pub max_connections: usize,

    /// Connections open at once that are not authenticated sync sockets (plain HTTP,
    /// half-sent requests); one more evicts the oldest idle one.
    #[arg(long, env = "TANDEM_MAX_UNAUTHENTICATED", default_value_t = 256)]
    pub max_unauthenticated: usize,

    /// Sync connections open at once for one device (its tabs and windows).
    #[arg(long, env = "TANDEM_MAX_CONNECTIONS_PER_DEVICE", default_value_t = 16)]
    pub max_connections_per_device: usize,

    /// Bytes that may wait for one connection's socket. Presence is dropped first (once
    /// a sixteenth of this is waiting); past the whole, the peer is disconnected. One
    /// message larger than this is still sent when nothing else waits.
    #[arg(long, env = "TANDEM_SEND_QUEUE_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub send_queue_bytes: usize,

    /// The largest message other than `sync`/`request` (join, presence, …), in bytes.
    #[arg(long, env = "TANDEM_MAX_CONTROL_MESSAGE_BYTES", default_value_t = 64 * 1024)]
    pub max_control_message_bytes: usize,

    /// A proxy (address or CIDR, repeatable, or comma-separated in the environment) whose
    /// `X-Forwarded-For` names the client. Without it the header is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "TANDEM_TRUSTED_PROXY",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<crate::client_addr::Cidr>,

    /// Partnerships one device may claim; past it, claims answer 429 `too-many-claims`.
    #[arg(long, env = "TANDEM_MAX_CLAIMS_PER_DEVICE", default_value_t = 1000)]
    pub max_claims_per_device: usize,

    /// Links one device may make (revoked ones count); past it, 429 `too-many-links`.
    #[arg(long, env = "TANDEM_MAX_LINKS_PER_DEVICE", default_value_t = 1000)]
    pub max_links_per_device: usize,

    /// Calendar feeds one device may make (revoked ones count); past it, 429 `too-many-feeds`.
    #[arg(long, env = "TANDEM_MAX_FEEDS_PER_DEVICE", default_value_t = 100)]
    pub max_feeds_per_device: usize,

    /// Calendar feeds rendered at once (each loads and reads a whole partnership on a
    /// blocking thread); more wait their turn, up to a few seconds, then answer 503.
    #[arg(long, env = "TANDEM_MAX_FEED_RENDERS", default_value_t = 2)]
    pub max_feed_renders: usize,

    /// Bytes one device's changes may have stored on this relay (every increment counts
    /// as written, before compaction, so it bounds the disk a device can ever cause). Past
    /// it the relay refuses that device's changes with the reason; its copies keep them.
    #[arg(
        long,
        env = "TANDEM_MAX_STORED_BYTES_PER_DEVICE",
        default_value_t = 4 * 1024 * 1024 * 1024
    )]
    pub max_stored_bytes_per_device: u64,

    // --- Cluster mode (issue 23) ---
    /// Keep documents, devices, links and grants in PostgreSQL
    /// (`postgres://user:password@host:port/database`) instead of the embedded stores in
    /// the data folder, so several relay instances can serve the same partnerships.
    #[arg(long = "store", env = "TANDEM_STORE", value_parser = postgres_url)]
    pub store: Option<String>,

    /// With `--store`: every this many milliseconds, each document in memory loads the
    /// increments other instances stored and sends them on to its peers here.
    #[arg(long, env = "TANDEM_SWEEP_MS", default_value_t = 1000)]
    pub sweep_ms: u64,

    /// With `--store`: NATS (`nats://host:port`) carrying hints between the instances —
    /// what each stored, and revocations — so the others see them at once instead of at
    /// the next sweep, and the peers' presence, so people on different instances see
    /// each other. Optional: without it, or while it is unreachable, the sweep alone
    /// delivers (slower, nothing lost) and presence stays within each instance.
    #[arg(long = "bus", env = "TANDEM_BUS", value_parser = nats_url)]
    pub bus: Option<String>,

    /// With `--store`: every this many milliseconds, read the devices, links and grants
    /// other instances changed (a revocation there ends sessions here by then, or at once
    /// when `--bus` says so).
    #[arg(long, env = "TANDEM_ACCESS_POLL_MS", default_value_t = 200)]
    pub access_poll_ms: u64,
}

/// A `--store` value: PostgreSQL's URL (`postgres://…` or `postgresql://…`).
fn postgres_url(value: &str) -> Result<String, String> {
    if value.starts_with("postgres://") || value.starts_with("postgresql://") {
        Ok(value.to_owned())
    } else {
        Err("expected a PostgreSQL URL: postgres://user:password@host:port/database".into())
    }
}

/// A `--bus` value: a NATS URL (`nats://host:port`).
fn nats_url(value: &str) -> Result<String, String> {
    if value.starts_with("nats://") {
        Ok(value.to_owned())
    } else {
        Err("expected a NATS URL: nats://host:port".into())
    }
}

impl Config {
    /// The defaults, for tests and embedding.
    pub fn new(addr: SocketAddr, data_dir: PathBuf, app_dir: PathBuf) -> Self {
        Config {
            addr,
            data_dir,
            app_dir,
            max_message_bytes: 16 * 1024 * 1024,
            max_read_bytes_per_sec_per_device: 4 * 1024 * 1024,
            evict_after_secs: 60,
            max_failed_attempts: 20,
            max_registrations: 60,
            max_docs_per_connection: 1000,
            max_connections_per_address: 256,
            send_queue: crate::hub::DEFAULT_SEND_QUEUE,
            disk_full: None,
            header_timeout_secs: 10,
            join_timeout_secs: 10,
            idle_timeout_secs: 60,
            frame_timeout_secs: 60,
            max_connections: 0,
            max_unauthenticated: 256,
            max_connections_per_device: 16,
            send_queue_bytes: 32 * 1024 * 1024,
            max_control_message_bytes: 64 * 1024,
            trusted_proxies: Vec::new(),
            max_claims_per_device: 1000,
            max_links_per_device: 1000,
            max_feeds_per_device: 100,
            max_feed_renders: 2,
            max_stored_bytes_per_device: 4 * 1024 * 1024 * 1024,
            allow_relays: Vec::new(),
            store: None,
            sweep_ms: 1000,
            bus: None,
            access_poll_ms: 200,
        }
    }
}
