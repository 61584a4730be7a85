use std::io::IsTerminal;

use anyhow::Context;
use clap::Parser;
use tandem_relay::{config::Config, server};
use tracing_subscriber::EnvFilter;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Automerge instruments internals (parsing every column of every change, loading)
    // with info-level spans whose fields are Debug-formatted whenever the span is enabled:
    // at "info" that was ~10% of the relay's CPU under load (perf). Its warnings stay.
    // Colours only for a person at a terminal: in a file or a journal the escape codes
    // are noise, and a log reader must not interpret bytes a peer could influence.
    tracing_subscriber::fmt()
        .with_ansi(std::io::stdout().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,automerge=warn")),
        )
        .init();
    let config = Config::parse();
    let relay = server::bind(&config).await?;
    let addr = relay
        .listener
        .local_addr()
        .context("reading the bound address")?;
    tracing::info!(%addr, data_dir = %config.data_dir.display(), app_dir = %config.app_dir.display(), "Tandem relay listening");
    println!("Tandem is running at http://{addr}");
    server::run(relay, &config, shutdown_signal()).await?;
    tracing::info!("Tandem relay stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        () = term => tracing::info!("SIGTERM: shutting down"),
    }
}
