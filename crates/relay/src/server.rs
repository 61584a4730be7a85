//! Running the relay: prepare the data folder, serve, stop gracefully.

use std::{future::Future, io, path::Path};

use tokio::net::TcpListener;

use crate::app::{AppState, router};
use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the data folder {path} cannot be used: {source}")]
    DataDir { path: String, source: io::Error },
    #[error("the app folder {path} has no index.html: build the app first (scripts/start does)")]
    NoApp { path: String },
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

/// Checks the configuration and binds the listener.
pub async fn bind(config: &Config) -> Result<TcpListener, StartError> {
    prepare_data_dir(&config.data_dir)?;
    if !config.app_dir.join("index.html").is_file() {
        return Err(StartError::NoApp {
            path: config.app_dir.display().to_string(),
        });
    }
    TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.addr.to_string(),
            source,
        })
}

/// Serves until `shutdown` resolves, then stops accepting and lets open requests finish.
pub async fn run(
    listener: TcpListener,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let state = AppState {
        app_dir: config.app_dir.clone(),
    };
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
