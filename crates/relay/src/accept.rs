//! Accepting TCP connections so that no client can hold the relay's door shut.
//!
//! - **Header timeout.** A connection must send a whole request head within
//!   `--header-timeout-secs` of arriving (and of finishing its previous request), or it
//!   is closed: half-sent requests and silent sockets cost a file descriptor for seconds,
//!   not forever.
//! - **Unproven connections are capped.** A connection that has not upgraded to an
//!   authenticated sync socket is *unproven*. At most `--max-unauthenticated` are open at
//!   once; one more arriving evicts the oldest idle one (never a connection with a request
//!   in progress if an idle one exists), so a flood of half-open sockets pushes out its own
//!   sockets, and a fresh request such as `/health` still gets in.
//! - **All connections are capped** (`--max-connections`, by default a little under the
//!   process's open-file limit): at the cap the oldest unproven connection makes room, or,
//!   if every open connection is a sync socket, the newcomer is closed at once.
//! - **Out of file descriptors** (`EMFILE`/`ENFILE`), the loop evicts unproven
//!   connections, and if none can go it spends a reserved descriptor to accept and close
//!   the waiting connection, so the listener's backlog keeps moving; it retries after
//!   10 ms, not the second axum waits.
//!
//! Each request carries [`ConnectInfo`] (the peer's socket address) and a [`ConnStats`]
//! (bytes read so far on the connection), which the sync endpoint uses to notice a frame
//! that stopped arriving halfway, and through which it makes an authenticated sync socket
//! spend its device's read budget ([`crate::read_budget`]).

use std::{
    collections::BTreeMap,
    convert::Infallible,
    future::Future,
    io,
    pin::Pin,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::{Router, extract::ConnectInfo};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{oneshot, watch},
};
use tower::Service;

use crate::read_budget::ReadBudget;

/// How the door is kept.
#[derive(Debug, Clone, Copy)]
pub struct DoorLimits {
    /// A request head must arrive within this long.
    pub header_timeout: Duration,
    /// Connections open at once, sync sockets included.
    pub max_connections: usize,
    /// Connections open at once that are not (yet) authenticated sync sockets.
    pub max_unauthenticated: usize,
}

/// What a request handler may learn about the connection it came on (and the one thing
/// it may set on it: whose read budget it spends, once it knows the device).
#[derive(Clone, Debug, Default)]
pub struct ConnStats {
    read: Arc<AtomicU64>,
    budget: Arc<OnceLock<Arc<ReadBudget>>>,
}

impl ConnStats {
    /// From now on, reading this connection spends `budget` and waits when it is spent.
    pub fn spend_from(&self, budget: Arc<ReadBudget>) {
        let _ = self.budget.set(budget);
    }

    /// Bytes read from the socket so far, including what a parser has buffered but not
    /// yet turned into a message.
    pub fn bytes_read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
}

/// Leaves the count of open connections when the socket is dropped — for a sync socket
/// that is when the WebSocket ends, since the upgraded socket owns it.
struct OpenGuard(Arc<AtomicUsize>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket that counts what it reads, spends its device's read budget once it has one,
/// and holds its place in the open count.
struct Tracked {
    tcp: TcpStream,
    read: Arc<AtomicU64>,
    budget: Arc<OnceLock<Arc<ReadBudget>>>,
    /// Set while reading waits for the budget.
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
    _open: OpenGuard,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let budget = this.budget.get().cloned();
        if let Some(budget) = &budget {
            loop {
                if let Some(pause) = this.pause.as_mut() {
                    if pause.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    this.pause = None;
                }
                let wait = budget.wait(std::time::Instant::now());
                if wait.is_zero() {
                    break;
                }
                this.pause = Some(Box::pin(tokio::time::sleep(wait)));
            }
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.tcp).poll_read(cx, buf);
        let n = buf.filled().len().saturating_sub(before);
        this.read.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(budget) = budget
            && n > 0
        {
            budget.charge(n, std::time::Instant::now());
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}

/// An unproven connection, as the door sees it.
struct Waiting {
    evict: oneshot::Sender<()>,
    /// Requests being handled on it now.
    busy: Arc<AtomicUsize>,
}

/// Unproven connections by arrival order (oldest first).
#[derive(Clone, Default)]
struct Unproven(Arc<Mutex<BTreeMap<u64, Waiting>>>);

impl Unproven {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Waiting>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn len(&self) -> usize {
        self.lock().len()
    }

    /// Closes the oldest idle unproven connection (or the oldest busy one if all are
    /// busy); `false` if there is none.
    fn evict_oldest(&self) -> bool {
        let mut map = self.lock();
        let victim = map
            .iter()
            .find(|(_, w)| w.busy.load(Ordering::Relaxed) == 0)
            .or_else(|| map.iter().next())
            .map(|(id, _)| *id);
        match victim.and_then(|id| map.remove(&id)) {
            Some(w) => {
                let _ = w.evict.send(());
                true
            }
            None => false,
        }
    }
}

/// A descriptor held back for the moment the process runs out, so the waiting
/// connection can still be accepted and closed rather than left hanging in the backlog.
fn reserve() -> Option<std::fs::File> {
    std::fs::File::open("/dev/null").ok()
}

/// The process's soft limit on open files, where the platform tells it.
pub fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// `--max-connections 0` means: leave 64 descriptors for files, the stores and the
/// reserve, under the process's open-file limit.
pub fn connection_cap(configured: usize) -> usize {
    if configured > 0 {
        return configured;
    }
    open_files_limit().map_or(10_000, |n| n.saturating_sub(64).max(16))
}

fn out_of_descriptors(e: &io::Error) -> bool {
    // EMFILE (process) and ENFILE (system) are 24 and 23 on Linux and the BSDs.
    matches!(e.raw_os_error(), Some(23 | 24))
}

/// Serves `router` on `listener` until `stop` flips to true; then stops accepting, asks
/// open HTTP connections to finish, and waits for them (at most `drain`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: DoorLimits,
    mut stop: watch::Receiver<bool>,
    drain: Duration,
) {
    let open = Arc::new(AtomicUsize::new(0));
    let unproven = Unproven::default();
    let (close_tx, close_rx) = watch::channel(());
    let mut reserved = reserve();
    let mut next_id: u64 = 0;
    let mut warned_full = false;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stopped(&mut stop) => break,
        };
        let (tcp, addr) = match accepted {
            Ok(a) => a,
            Err(e) if out_of_descriptors(&e) => {
                if !warned_full {
                    tracing::error!(error = %e, open = open.load(Ordering::Relaxed), "out of file descriptors: closing unproven connections; lower --max-connections or raise the open-file limit");
                    warned_full = true;
                }
                let mut freed = 0;
                while freed < 16 && unproven.evict_oldest() {
                    freed += 1;
                }
                if freed == 0 {
                    drop(reserved.take());
                    if let Ok((shed, _)) = listener.accept().await {
                        drop(shed);
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                if reserved.is_none() {
                    reserved = reserve();
                }
                continue;
            }
            Err(e) => {
                // A connection that failed while waiting (reset, aborted): nothing to do.
                tracing::debug!(error = %e, "accept failed");
                continue;
            }
        };
        warned_full = false;
        if open.load(Ordering::Relaxed) >= limits.max_connections && !unproven.evict_oldest() {
            tracing::warn!(%addr, max = limits.max_connections, "refused a connection: the relay is at its connection cap");
            drop(tcp);
            continue;
        }
        if unproven.len() >= limits.max_unauthenticated {
            unproven.evict_oldest();
        }
        // Nagle off: sync frames are small and latency-bound; with it on, a frame written
        // while the previous one is unacknowledged waits for the peer's (delayed) ACK.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot turn off Nagle's algorithm on a connection");
        }
        open.fetch_add(1, Ordering::Relaxed);
        let stats = ConnStats::default();
        let io = Tracked {
            tcp,
            read: stats.read.clone(),
            budget: stats.budget.clone(),
            pause: None,
            _open: OpenGuard(open.clone()),
        };
        next_id += 1;
        let id = next_id;
        let (evict_tx, evicted) = oneshot::channel();
        let busy = Arc::new(AtomicUsize::new(0));
        unproven.lock().insert(
            id,
            Waiting {
                evict: evict_tx,
                busy: busy.clone(),
            },
        );
        let service = {
            let router = router.clone();
            let busy = busy.clone();
            hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(addr));
                request.extensions_mut().insert(stats.clone());
                let mut router = router.clone();
                let busy = Busy::enter(busy.clone());
                async move {
                    let response = router.call(request).await;
                    drop(busy);
                    Ok::<_, Infallible>(match response {
                        Ok(r) => r,
                        Err(never) => match never {},
                    })
                }
            })
        };
        let unproven = unproven.clone();
        let mut stop = stop.clone();
        let close_rx = close_rx.clone();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(io), service)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                served = conn.as_mut() => {
                    if let Err(e) = served {
                        tracing::debug!(%addr, error = %e, "connection ended with an error");
                    }
                }
                Ok(()) = evicted => {
                    tracing::debug!(%addr, "closed an unproven connection to make room");
                }
                () = stopped(&mut stop) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            unproven.lock().remove(&id);
            drop(close_rx);
        });
    }
    drop(close_rx);
    if tokio::time::timeout(drain, close_tx.closed())
        .await
        .is_err()
    {
        tracing::warn!("HTTP connections still open after the drain period; closing them");
    }
}

/// Resolves once the relay is told to stop (or can no longer be told).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Counts a request in progress on a connection, so it is not the first to be evicted.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn enter(count: Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Busy(count)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
