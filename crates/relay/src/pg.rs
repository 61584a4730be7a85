//! A PostgreSQL connection pool the relay's synchronous stores can call from any thread.
//!
//! **Why its own runtime.** The hub and the access rules call their stores synchronously
//! from threads that may block: the committer's `spawn_blocking`, `block_in_place` on a
//! worker, a feed's blocking thread, and now and then a worker directly. The `postgres`
//! sync crate (or `Handle::block_on`) panics on a runtime worker. So the pool lives on a
//! small runtime of its own; a call hands it a future and waits on a std channel, which
//! works from any thread, never needs the caller's runtime (whose workers may all be
//! blocked meanwhile) and so cannot deadlock. The wait blocks the caller as a redb fsync
//! would.

use std::{future::Future, time::Duration};

use deadpool_postgres::{ManagerConfig, Pool, PoolConfig, RecyclingMethod, Runtime, Timeouts};
use tokio_postgres::NoTls;

/// The longest any one operation may take; past it, it fails (a commit is refused:
/// nothing is acknowledged) rather than holding its caller forever.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);

/// How long getting or opening a connection may take: a store that is down is reported
/// within this.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Why a PostgreSQL call failed, as text for the store's own error.
pub type PgError = String;

/// The error and its causes: the pool's "error connecting to server" says why only in
/// its source ("Connection refused").
pub fn failed(e: impl std::fmt::Display + AsErrorSource) -> PgError {
    let mut message = e.to_string();
    let mut source = e.as_source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !message.contains(&cause_text) {
            message.push_str(": ");
            message.push_str(&cause_text);
        }
        source = cause.source();
    }
    message
}

/// What [`failed`] reads the causes of: any error, or a plain message.
pub trait AsErrorSource {
    fn as_source(&self) -> Option<&(dyn std::error::Error + 'static)>;
}

impl<E: std::error::Error + 'static> AsErrorSource for E {
    fn as_source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source()
    }
}

#[derive(Debug)]
pub struct Pg {
    pool: Pool,
    /// Drives the pool's connections; `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Pg {
    fn drop(&mut self) {
        // A runtime dropped on an async thread panics; shutting it down in the background
        // never does, wherever the store is dropped.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Pg {
    /// A pool of up to `size` connections to `url`, on a runtime named `name`. Connects
    /// lazily: the first [`Pg::run`] tells whether the server answers.
    pub fn new(url: &str, size: usize, name: &str) -> Result<Self, PgError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(name)
            .enable_all()
            .build()
            .map_err(failed)?;
        let mut config = deadpool_postgres::Config::new();
        config.url = Some(url.to_owned());
        config.manager = Some(ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        });
        let mut pool_config = PoolConfig::new(size);
        pool_config.timeouts = Timeouts {
            wait: Some(CONNECT_TIMEOUT),
            create: Some(CONNECT_TIMEOUT),
            recycle: Some(CONNECT_TIMEOUT),
        };
        config.pool = Some(pool_config);
        let pool = config
            .create_pool(Some(Runtime::Tokio1), NoTls)
            .map_err(failed)?;
        Ok(Pg {
            pool,
            runtime: Some(runtime),
        })
    }

    /// Runs `work` on the pool's runtime and waits for it, from any thread.
    pub fn run<T, F>(&self, work: impl FnOnce(Pool) -> F) -> Result<T, PgError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, PgError>> + Send + 'static,
    {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| PgError::from("the PostgreSQL pool is closed"))?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let work = work(self.pool.clone());
        runtime.spawn(async move {
            let outcome = match tokio::time::timeout(OPERATION_TIMEOUT, work).await {
                Ok(outcome) => outcome,
                Err(_) => Err(format!(
                    "PostgreSQL did not answer within {OPERATION_TIMEOUT:?}"
                )),
            };
            let _ = tx.send(outcome);
        });
        rx.recv()
            .map_err(|_| PgError::from("the PostgreSQL pool's runtime stopped"))?
    }
}
