//! Reading other instances' access changes from PostgreSQL (cluster mode): one thread, one
//! read at a time, on a timer and whenever a lookup asks.
//!
//! **A lookup that misses waits for a fresh read.** A credential, grant or link not in
//! memory may have been written by another instance a moment ago — a browser behind a
//! plain load balancer registers or claims on one instance and opens its socket on
//! another a millisecond later. So a lookup that finds nothing waits
//! ([`Refresher::fresh`]) for a read that *started after it asked*, and looks again: what
//! any instance committed before the lookup began is then in memory. It is never answered
//! "not found" from a state read before it began.
//!
//! **Reads are coalesced and bounded.** While one read runs, every lookup that misses
//! waits for the next, which starts when the running one ends and no sooner than
//! [`SPACING`] after it started: at most one read in flight and one queued, and the
//! queued one answers every lookup that waits for it. So however many lookups of
//! unknown credentials or partnerships arrive, PostgreSQL sees at most one read per
//! [`SPACING`] from them, and a miss costs its lookup at most about that long.
//!
//! The poll (`--access-poll-ms`) is a read like any other on the same thread: it answers
//! the lookups waiting when it starts. The reads block on PostgreSQL ([`crate::pg`]), on
//! this thread only; a lookup on an async worker awaits, it never blocks the worker.

use std::{
    sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use tokio::sync::watch;

/// The least time between the starts of two reads: lookups that miss cost PostgreSQL at
/// most one read per this (plus the poll), and a miss waits at most about this long
/// (plus the read itself).
pub const SPACING: Duration = Duration::from_millis(10);

/// What lookups asked for and what the thread started, by read number (1, 2, …).
#[derive(Debug, Default)]
struct Order {
    /// The highest read number a waiting lookup needs.
    asked: u64,
    /// The number of the read started last (0: none yet).
    started: u64,
    /// The access store is gone: the thread ends.
    closed: bool,
}

#[derive(Debug)]
struct Shared {
    order: Mutex<Order>,
    /// Wakes the thread: a lookup asked, or the store closed.
    wake: Condvar,
    /// The number of the read finished last (with or without success).
    done: watch::Sender<u64>,
}

fn lock(m: &Mutex<Order>) -> MutexGuard<'_, Order> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The reading thread's handle; dropping it ends the thread.
#[derive(Debug)]
pub struct Refresher {
    shared: Arc<Shared>,
}

impl Refresher {
    /// Starts the thread: `read` reads once (its own errors are its own to report) and
    /// returns false once there is nothing left to read into, which ends the thread.
    /// It runs every `every`, and when a lookup asks ([`Refresher::fresh`]).
    pub fn start(
        every: Duration,
        mut read: impl FnMut() -> bool + Send + 'static,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            order: Mutex::new(Order::default()),
            wake: Condvar::new(),
            done: watch::channel(0).0,
        });
        let thread = shared.clone();
        std::thread::Builder::new()
            .name("access-refresh".into())
            .spawn(move || {
                let mut last_start: Option<Instant> = None;
                loop {
                    {
                        let mut order = lock(&thread.order);
                        loop {
                            if order.closed {
                                return;
                            }
                            if order.asked > order.started {
                                break;
                            }
                            let poll_in = last_start.map_or(every, |t| {
                                (t + every).saturating_duration_since(Instant::now())
                            });
                            if poll_in.is_zero() {
                                break;
                            }
                            order = thread
                                .wake
                                .wait_timeout(order, poll_in)
                                .unwrap_or_else(PoisonError::into_inner)
                                .0;
                        }
                    }
                    // Lookups that ask meanwhile join this read: it has not started yet.
                    if let Some(wait) =
                        last_start.map(|t| (t + SPACING).saturating_duration_since(Instant::now()))
                    {
                        std::thread::sleep(wait);
                    }
                    let number = {
                        let mut order = lock(&thread.order);
                        if order.closed {
                            return;
                        }
                        order.started += 1;
                        order.started
                    };
                    last_start = Some(Instant::now());
                    let more = read();
                    thread.done.send_replace(number);
                    if !more {
                        return;
                    }
                }
            })?;
        Ok(Refresher { shared })
    }

    /// Waits until a read that started after this call has finished (successfully or
    /// not): whatever any instance committed before the call is then in memory, unless
    /// PostgreSQL could not be read.
    pub async fn fresh(&self) {
        let mut done = self.shared.done.subscribe();
        let want = {
            let mut order = lock(&self.shared.order);
            let want = order.started + 1;
            order.asked = order.asked.max(want);
            want
        };
        self.shared.wake.notify_one();
        // An error means the thread ended: nothing more will be read.
        let _ = done.wait_for(|finished| *finished >= want).await;
    }
}

impl Drop for Refresher {
    fn drop(&mut self) {
        lock(&self.shared.order).closed = true;
        self.shared.wake.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refresher whose reads take `takes` each; when each started, once it finished.
    fn recording(takes: Duration) -> (Refresher, Arc<Mutex<Vec<Instant>>>) {
        let reads = Arc::new(Mutex::new(Vec::new()));
        let recorded = reads.clone();
        let refresher = Refresher::start(Duration::from_secs(3600), move || {
            let started = Instant::now();
            std::thread::sleep(takes);
            recorded
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(started);
            true
        })
        .expect("starts");
        (refresher, reads)
    }

    fn finished(reads: &Mutex<Vec<Instant>>) -> Vec<Instant> {
        reads.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_waiter_is_answered_by_a_read_that_started_after_it_asked() {
        let (refresher, reads) = recording(Duration::from_millis(30));
        let refresher = Arc::new(refresher);
        for _ in 0..5 {
            // A read under way (or about to start) when the lookup asks.
            let other = tokio::spawn({
                let r = refresher.clone();
                async move { r.fresh().await }
            });
            tokio::time::sleep(Duration::from_millis(5)).await;
            let asked = Instant::now();
            refresher.fresh().await;
            assert!(
                finished(&reads).iter().any(|started| *started >= asked),
                "answered only once a read that started after it asked had finished"
            );
            other.await.expect("joins");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_waiters_at_once_share_at_most_two_reads() {
        let (refresher, reads) = recording(Duration::from_millis(100));
        let refresher = Arc::new(refresher);
        let waiters: Vec<_> = (0..1000)
            .map(|_| {
                let r = refresher.clone();
                tokio::spawn(async move { r.fresh().await })
            })
            .collect();
        for w in waiters {
            w.await.expect("joins");
        }
        let n = finished(&reads).len();
        assert!(
            (1..=2).contains(&n),
            "one read in flight and one queued answer all: {n}"
        );
    }
}
