//! Running the relay: prepare the data folder, serve, stop gracefully.

use std::{future::Future, io, path::Path, time::Duration};

use tokio::{net::TcpListener, sync::watch};

use crate::{
    accept::{self, DoorLimits},
    access::Access,
    app::{AppState, router},
    config::Config,
    doc_store::DocStore,
    hub::Hub,
    limits::FailedAttempts,
};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the data folder {path} cannot be used: {source}")]
    DataDir { path: String, source: io::Error },
    #[error(transparent)]
    Store(#[from] crate::doc_store::StoreError),
    #[error(transparent)]
    Access(#[from] crate::access::AccessError),
    #[error("the app folder {path} has no index.html: build the app first (scripts/start does)")]
    NoApp { path: String },
    #[error(
        "--bus (TANDEM_BUS) links relay instances that share a store: it needs --store postgres://…; without a shared store there is nothing to tell other instances"
    )]
    BusWithoutStore,
    #[error("{0}")]
    Bus(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: io::Error },
}

/// Creates the data folder and proves it is writable, so a bad folder fails at start with
/// a clear message instead of on the first save.
pub fn prepare_data_dir(dir: &Path) -> Result<(), StartError> {
    let err = |source| StartError::DataDir {
        path: dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok").map_err(err)?;
    std::fs::remove_file(&probe).map_err(err)?;
    Ok(())
}

/// A relay ready to serve: the listener bound, the store open.
#[derive(Debug)]
pub struct Relay {
    pub listener: TcpListener,
    pub store: DocStore,
    pub access: Access,
}

/// Checks the configuration, opens the store and binds the listener.
pub async fn bind(config: &Config) -> Result<Relay, StartError> {
    if config.bus.is_some() && config.store.is_none() {
        return Err(StartError::BusWithoutStore);
    }
    prepare_data_dir(&config.data_dir)?;
    if !config.app_dir.join("index.html").is_file() {
        return Err(StartError::NoApp {
            path: config.app_dir.display().to_string(),
        });
    }
    let (mut store, access) = match &config.store {
        None => (
            DocStore::open(&config.data_dir)?,
            Access::open(&config.data_dir)?,
        ),
        Some(url) => {
            tracing::info!(
                "documents, devices, links and grants in PostgreSQL (--store), shared with the other relay instances"
            );
            let url = url.clone();
            let poll = Duration::from_millis(config.access_poll_ms.max(10));
            // Connecting blocks (the stores wait on their own runtimes): off the workers.
            tokio::task::spawn_blocking(move || -> Result<_, StartError> {
                Ok((
                    DocStore::connect_postgres(&url)?,
                    Access::connect_postgres_polling(&url, poll)?,
                ))
            })
            .await
            .map_err(|e| crate::doc_store::StoreError::Failed(e.to_string()))??
        }
    };
    if let Some(switch) = &config.disk_full {
        store.inject_disk_full(switch.clone());
    }
    let access = access.with_quotas(crate::access::Quotas {
        claims_per_device: config.max_claims_per_device,
        links_per_device: config.max_links_per_device,
        feeds_per_device: config.max_feeds_per_device,
    });
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.addr.to_string(),
            source,
        })?;
    Ok(Relay {
        listener,
        store,
        access,
    })
}

/// Serves until `shutdown` resolves; then stops accepting, closes every sync socket with
/// a close frame, and returns. Every acknowledged change is already on disk.
pub async fn run(
    relay: Relay,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let relay_id = "tandem-relay".parse().map_err(io::Error::other)?;
    let hub = Hub::new(
        relay.store,
        relay_id,
        relay.access.clone(),
        config.max_docs_per_connection,
        crate::send_queue::Bound {
            frames: config.send_queue,
            bytes: config.send_queue_bytes,
        },
    )
    .with_max_stored_bytes_per_device(config.max_stored_bytes_per_device);
    let bus = match config.bus.as_deref().filter(|_| hub.store_is_shared()) {
        Some(url) => {
            let bus = crate::bus::start(
                url,
                hub.clone(),
                relay.access.clone(),
                config.max_connections_per_device,
            )
            .await
            .map_err(io::Error::other)?;
            tracing::info!(
                "hints between instances over NATS (--bus); the sweep stays as the fallback"
            );
            Some(bus)
        }
        None => None,
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let state = AppState {
        app_dir: config.app_dir.clone(),
        hub: hub.clone(),
        access: relay.access,
        failed_attempts: FailedAttempts::new(config.max_failed_attempts, Duration::from_secs(60)),
        registrations: FailedAttempts::new(config.max_registrations, Duration::from_secs(60)),
        refused_connections: FailedAttempts::new(
            crate::websocket::REFUSALS_PER_MINUTE,
            Duration::from_secs(60),
        ),
        max_message_bytes: config.max_message_bytes,
        connections: crate::limits::Connections::new(config.max_connections_per_address),
        device_connections: crate::limits::Connections::new(config.max_connections_per_device),
        device_reads: crate::read_budget::DeviceReads::new(
            config.max_read_bytes_per_sec_per_device,
            config.max_message_bytes.saturating_mul(2),
        ),
        sync_limits: crate::websocket::SyncLimits {
            max_message_bytes: config.max_message_bytes,
            max_control_message_bytes: config.max_control_message_bytes,
            join_timeout: Duration::from_secs(config.join_timeout_secs.max(1)),
            idle_timeout: Duration::from_secs(config.idle_timeout_secs.max(1)),
            frame_timeout: Duration::from_secs(config.frame_timeout_secs.max(1)),
        },
        trusted_proxies: config.trusted_proxies.clone().into(),
        allowed_relays: std::sync::Arc::new(config.allow_relays.clone()),
        shutdown: stop_rx.clone(),
        feed_renders: std::sync::Arc::new(tokio::sync::Semaphore::new(
            config.max_feed_renders.max(1),
        )),
    };
    let evictor = tokio::spawn(evict_periodically(
        hub.clone(),
        Duration::from_secs(config.evict_after_secs),
    ));
    let enforcer = tokio::spawn(enforce_periodically(hub.clone()));
    let sweeper = hub.store_is_shared().then(|| {
        tokio::spawn(sweep_periodically(
            hub.clone(),
            Duration::from_millis(config.sweep_ms.max(10)),
        ))
    });
    let door = DoorLimits {
        header_timeout: Duration::from_secs(config.header_timeout_secs.max(1)),
        max_connections: accept::connection_cap(config.max_connections),
        max_unauthenticated: config.max_unauthenticated.max(1),
    };
    tracing::info!(
        max_connections = door.max_connections,
        max_unauthenticated = door.max_unauthenticated,
        "connection limits"
    );
    let mut stop = stop_rx;
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    accept::serve(
        relay.listener,
        router(state),
        door,
        stop.clone(),
        Duration::from_secs(5),
    )
    .await;
    let _ = stop.wait_for(|s| *s).await;
    // Each sync socket closes itself on the signal, telling its peer why; give them a
    // moment to do so before the stragglers are closed below.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while hub.connections().await > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    evictor.abort();
    enforcer.abort();
    if let Some(sweeper) = sweeper {
        sweeper.abort();
    }
    if let Some(bus) = bus {
        bus.stop();
    }
    // Sockets close on the shutdown signal; give their writers a moment to send the
    // close frames.
    hub.flush(Duration::from_secs(5)).await;
    hub.close_all("the relay is shutting down").await;
    hub.flush(Duration::from_secs(1)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}

async fn evict_periodically(hub: Hub, idle: Duration) {
    let mut tick = tokio::time::interval(idle.max(Duration::from_secs(1)) / 2);
    loop {
        tick.tick().await;
        let evicted = hub.evict_idle(idle).await;
        if evicted > 0 {
            tracing::info!(evicted, "documents evicted from memory");
        }
    }
}

/// Links expire on their own: twice a second, sessions that relied on an expired link end.
async fn enforce_periodically(hub: Hub) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        hub.enforce_access().await;
    }
}

/// With a shared store: loads what other instances stored into the documents in memory.
async fn sweep_periodically(hub: Hub, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        hub.sweep().await;
    }
}
