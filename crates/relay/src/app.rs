//! The HTTP surface: `/health`, `/api` (devices, ownership, links, calendar feeds),
//! `/sync` (WebSocket), `/calendar/<secret>.ics` (a calendar feed) and the app's files.

use std::path::{Path, PathBuf};

use axum::{Json, Router, routing::get};
use serde::Serialize;
use tokio::sync::watch;
use tower_http::compression::CompressionLayer;

use crate::{
    access::Access, api, feed, files, hub::Hub, limits::FailedAttempts, security, websocket,
};

/// Everything a request handler may need. Cloned per request, so it holds only cheap
/// handles.
#[derive(Debug, Clone)]
pub struct AppState {
    pub app_dir: PathBuf,
    pub hub: Hub,
    pub access: Access,
    /// Failed credential attempts per client address.
    pub failed_attempts: FailedAttempts,
    /// New device registrations per client address.
    pub registrations: FailedAttempts,
    /// Sync connections the relay refused (a hostile or broken message), per device: a
    /// device past the allowance is turned away at the upgrade, before it can send more.
    pub refused_connections: FailedAttempts,
    /// The largest WebSocket message accepted, in bytes.
    pub max_message_bytes: usize,
    /// Open sync connections per client address (a loose backstop).
    pub connections: crate::limits::Connections<std::net::IpAddr>,
    /// Open sync connections per device.
    pub device_connections: crate::limits::Connections<String>,
    /// Bytes each device may make the relay read per second.
    pub device_reads: crate::read_budget::DeviceReads,
    /// Message sizes and deadlines on sync sockets.
    pub sync_limits: websocket::SyncLimits,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: std::sync::Arc<[crate::client_addr::Cidr]>,
    /// Other automerge-repo servers the app may sync with (`--allow-relay`).
    pub allowed_relays: std::sync::Arc<Vec<security::RelayOrigin>>,
    /// Flips to true when the relay shuts down, so open sockets close cleanly.
    pub shutdown: watch::Receiver<bool>,
    /// Calendar feeds being rendered at once (`--max-feed-renders`): a flood of feed
    /// requests waits here instead of taking every blocking thread and core from sync.
    pub feed_renders: std::sync::Arc<tokio::sync::Semaphore>,
}

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
    pub documents_in_memory: usize,
    /// Sync connections open now.
    pub connections: usize,
}

/// The relay's router. Paths that are not files get `index.html`, so a reload on a
/// client-side route such as `/p/<id>` still opens the app (see [`files`]).
pub fn router(state: AppState) -> Router {
    let index = index_path(&state.app_dir);
    let policy = security::Policy::new(index, state.allowed_relays.to_vec());
    Router::new()
        .route("/health", get(health))
        .route("/sync", get(websocket::upgrade))
        .route("/api/relays", get(security::allowed_relays))
        // API answers are JSON, compressed as they go (not /sync: WebSocket frames).
        .merge(api::routes().layer(CompressionLayer::new()))
        // Before the fallback, which would answer any other path with the app's page.
        .merge(feed::routes().layer(CompressionLayer::new()))
        .fallback_service(files::service(&state.app_dir))
        .with_state(state)
        .layer(axum::middleware::map_response_with_state(
            policy,
            security::add_headers,
        ))
}

fn index_path(app_dir: &Path) -> PathBuf {
    app_dir.join("index.html")
}

async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        documents_in_memory: state.hub.documents_in_memory().await,
        connections: state.hub.connections().await,
    })
}
