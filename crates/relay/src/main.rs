use std::io::IsTerminal;

use anyhow::Context;
use clap::Parser;
use tandem_relay::{config::Config, server};
use tracing_subscriber::EnvFilter;

/// glibc's allocator raises its mmap threshold after freeing a large block, and from then
/// on keeps freed large blocks in its arenas: a burst of 15 MiB (hostile) frames left the
/// relay ~500 MiB larger for good. A fixed threshold (a documented glibc tunable) keeps
/// every block over 128 KiB in its own mapping, returned to the system when freed.
/// Tunables are read when the process starts, so the relay re-executes itself once with
/// it set (same pid, same arguments); a `GLIBC_TUNABLES` already set is left alone.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn with_fixed_mmap_threshold() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("GLIBC_TUNABLES").is_some() {
        return;
    }
    let error = std::process::Command::new("/proc/self/exe")
        .arg0(std::env::args_os().next().unwrap_or_default())
        .args(std::env::args_os().skip(1))
        .env("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=131072")
        .exec();
    // Only reached if the exec failed: run on with glibc's defaults.
    eprintln!(
        "warning: could not re-execute with a fixed malloc mmap threshold ({error}); memory freed after large messages may stay with the process"
    );
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn with_fixed_mmap_threshold() {}

fn main() -> anyhow::Result<()> {
    with_fixed_mmap_threshold();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
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
