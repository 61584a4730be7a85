//! The Tandem relay: one small server that serves the built app and syncs partnerships
//! between peers, speaking the automerge-repo protocol on `/sync`.
//!
//! # Layout
//! - [`config`]: command-line flags and environment.
//! - [`access`]: devices, owners, invite links and the grants they give (`access.redb`, or
//!   PostgreSQL in cluster mode).
//! - [`api`]: `/api` — registering devices, claiming partnerships, making and revoking
//!   links, redeeming them.
//! - [`feed`]: `/calendar/<secret>.ics` — a partnership's dated obligations as an
//!   iCalendar feed for calendar apps, the secret its only credential.
//! - [`security`]: the Content-Security-Policy and other security headers.
//! - [`limits`]: failed credential attempts per client address.
//! - [`app`]: the HTTP router — health, `/sync`, the app's files with a fallback to
//!   `index.html` for client-side routes.
//! - [`files`]: the app's files — precompressed brotli/gzip copies by `Accept-Encoding`,
//!   caching headers (hashed assets for a year, the rest revalidated).
//! - [`websocket`]: one sync connection: frames in, frames out, size limit, shutdown.
//! - [`hub`]: the relay's sync peer — protocol session, documents in memory, storing
//!   before acknowledging, eviction.
//! - [`budget`]: what one sync connection may make the hub do (messages, presence, resets).
//! - [`read_budget`]: bytes per second a device may make the relay read.
//! - [`doc_store`]: where documents are stored — redb under the data folder (the default)
//!   or PostgreSQL shared by several instances (`--store`).
//! - [`bus`]: hints between relay instances over NATS (`--bus`, cluster mode): what
//!   another instance stored, that access changed, and its peers' presence.
//! - [`pg`]: a PostgreSQL pool the synchronous stores can call from any thread (cluster
//!   mode, `--store`).
//! - [`server`]: binding, serving until told to stop, closing sockets cleanly.
//! - [`accept`]: the accept loop — header timeout, caps on open and unauthenticated
//!   connections, running out of file descriptors.
//! - [`client_addr`]: who a request comes from (`--trusted-proxy`, `X-Forwarded-For`).
//! - [`send_queue`]: a connection's outgoing queue, bounded in frames and bytes.
//! - [`message_kind`]: a frame's message type, read without decoding the frame.

pub mod accept;
pub mod access;
pub mod api;
pub mod app;
pub mod budget;
pub mod bus;
pub mod client_addr;
pub mod config;
pub mod doc_store;
pub mod feed;
pub mod files;
pub mod hub;
pub mod limits;
pub mod message_kind;
pub mod pg;
pub mod read_budget;
pub mod security;
pub mod send_queue;
pub mod server;
pub mod websocket;
