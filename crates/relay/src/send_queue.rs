//! One connection's outgoing queue, bounded in frames *and* bytes.
//!
//! A bound in frames alone let 40 presence frames of 4 MiB each wait for every peer that
//! stopped reading (+1 GiB for six of them). Here the bytes waiting are counted too:
//! - presence (ephemeral) frames are dropped, silently, when something already waits and
//!   they would take the waiting bytes past a sixteenth of the byte bound, or half the
//!   frame bound is waiting — presence is a hint that the next one replaces;
//! - anything else past the bound fails with [`TrySendError::Full`], and the hub gives up
//!   on the connection (close 1013 with the reason);
//! - one frame larger than the whole bound still goes when nothing else waits, so a big
//!   document can always be sent to a peer that keeps up.

use std::{
    fmt,
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
};

use tokio::sync::mpsc;
pub use tokio::sync::mpsc::error::TrySendError;

use crate::hub::Outbound;

/// How much may wait for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub frames: usize,
    pub bytes: usize,
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} messages or {} bytes", self.frames, self.bytes)
    }
}

#[derive(Debug, Default)]
struct Counts {
    /// Bytes in frames queued and not yet taken by the writer.
    bytes: AtomicUsize,
    /// Presence frames dropped for this connection so far.
    dropped: AtomicU64,
}

/// The hub's end.
#[derive(Debug)]
pub struct Sender {
    tx: mpsc::Sender<Outbound>,
    counts: Arc<Counts>,
    bound: Bound,
}

/// The writer's end.
#[derive(Debug)]
pub struct Receiver {
    rx: mpsc::Receiver<Outbound>,
    counts: Arc<Counts>,
}

pub fn channel(bound: Bound) -> (Sender, Receiver) {
    let bound = Bound {
        frames: bound.frames.max(2),
        bytes: bound.bytes.max(1),
    };
    let (tx, rx) = mpsc::channel(bound.frames);
    let counts = Arc::new(Counts::default());
    (
        Sender {
            tx,
            counts: counts.clone(),
            bound,
        },
        Receiver { rx, counts },
    )
}

impl Sender {
    /// Queues a frame, drops a presence frame the peer has no room for, or fails with
    /// `Full` when the peer is too far behind.
    pub fn try_send(&self, out: Outbound) -> Result<(), TrySendError<Outbound>> {
        let len = out.len();
        let waiting = self.counts.bytes.load(Ordering::Relaxed);
        let frames_waiting = self.bound.frames - self.tx.capacity();
        if out.is_presence()
            && waiting > 0
            && (waiting + len > self.bound.bytes / 16 || frames_waiting >= self.bound.frames / 2)
        {
            self.counts.dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        if waiting > 0 && waiting + len > self.bound.bytes {
            return Err(TrySendError::Full(out));
        }
        self.counts.bytes.fetch_add(len, Ordering::Relaxed);
        self.tx.try_send(out).inspect_err(|_| {
            self.counts.bytes.fetch_sub(len, Ordering::Relaxed);
        })
    }

    /// Presence frames dropped so far because the peer was behind.
    pub fn dropped(&self) -> u64 {
        self.counts.dropped.load(Ordering::Relaxed)
    }
}

impl Receiver {
    pub async fn recv(&mut self) -> Option<Outbound> {
        let out = self.rx.recv().await?;
        self.counts.bytes.fetch_sub(out.len(), Ordering::Relaxed);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: usize) -> Outbound {
        Outbound::Frame(vec![0; n])
    }

    fn presence(n: usize) -> Outbound {
        Outbound::Presence(vec![0; n])
    }

    #[tokio::test]
    async fn bytes_bound_the_queue_and_presence_goes_first() {
        let (tx, mut rx) = channel(Bound {
            frames: 100,
            bytes: 1600,
        });
        // One frame bigger than the bound goes when nothing waits.
        tx.try_send(frame(5000)).expect("an oversized frame alone");
        assert!(matches!(tx.try_send(frame(10)), Err(TrySendError::Full(_))));
        assert!(matches!(rx.recv().await, Some(Outbound::Frame(b)) if b.len() == 5000));
        // Presence fits while little waits...
        tx.try_send(presence(50)).expect("queued");
        // ...and is dropped, not an error, once a sixteenth of the bytes wait.
        tx.try_send(frame(200)).expect("queued");
        tx.try_send(presence(50)).expect("dropped quietly");
        assert_eq!(tx.dropped(), 1);
        // Other frames fill up to the bound, then the peer is too far behind.
        tx.try_send(frame(1000)).expect("queued");
        assert!(matches!(
            tx.try_send(frame(400)),
            Err(TrySendError::Full(_))
        ));
        // What the writer takes frees its bytes.
        assert!(matches!(rx.recv().await, Some(Outbound::Presence(_))));
        assert!(matches!(rx.recv().await, Some(Outbound::Frame(_))));
        tx.try_send(frame(400)).expect("room again");
        // Closes always count as nothing.
        tx.try_send(Outbound::Close("bye".into())).expect("queued");
    }
}
