//! What one connection may make the hub do: a budget per connection, so that a peer
//! sending as fast as it can slows itself, not the partnerships of others.
//!
//! - **Messages**: [`MESSAGES_PER_SEC`] with bursts of [`MESSAGE_BURST`]. A connection over
//!   it is not refused: the relay stops reading its socket until the debt is paid, so TCP
//!   pushes back on the sender alone.
//! - **Presence** (`ephemeral`): [`PRESENCE_PER_SEC`], bursts of [`PRESENCE_BURST`]; what is
//!   over is dropped (presence is lossy by design: browsers repeat it every 10 s).
//! - **Resets** (a sync message with empty heads or Automerge's `SYNC_RESET` flag): the
//!   relay answers one with everything the document holds, so a 7-byte message could cost
//!   the whole partnership. [`RESETS_PER_MINUTE`] per document per connection (refilling
//!   over the minute); past it the
//!   connection is refused with a reason (an honest peer sends one per document when it
//!   first opens it, or after losing its copy — and then it reconnects).
//! - **Presence from other instances** (cluster mode, `--bus`): per device, at most what
//!   [`DevicePresence`] allows — the presence budget of as many connections as one
//!   device may open — so a message on the bus cannot make an instance pass on more
//!   presence than the device's own connections could.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use tandem_sync::document_id::DocumentId;

pub const MESSAGES_PER_SEC: f64 = 200.0;
pub const MESSAGE_BURST: f64 = 1000.0;
pub const PRESENCE_PER_SEC: f64 = 5.0;
pub const PRESENCE_BURST: f64 = 20.0;
/// An honest peer sends one reset per document when it first opens it on a connection,
/// and one more when it switches from read-only to read-write.
pub const RESETS_PER_MINUTE: f64 = 2.0;
/// Resets of one document per device per minute, over all its connections: a budget per
/// connection alone let a peer reconnect for two more full answers each time. A person
/// opening the partnership in a few tabs, or reloading, stays well inside it.
pub const DEVICE_RESETS_PER_MINUTE: f64 = 12.0;

/// A token bucket.
#[derive(Debug, Clone)]
struct Bucket {
    tokens: f64,
    at: Instant,
    per_sec: f64,
    burst: f64,
}

impl Bucket {
    fn new(per_sec: f64, burst: f64, now: Instant) -> Self {
        Bucket {
            tokens: burst,
            at: now,
            per_sec,
            burst,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.burst);
        self.at = now;
    }

    /// Takes a token if there is one.
    fn try_take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Takes a token, going into debt if there is none; returns how long until the debt
    /// is paid.
    fn take(&mut self, now: Instant) -> Duration {
        self.refill(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.per_sec)
        }
    }
}

/// One connection's budget.
#[derive(Debug, Clone)]
pub struct Budget {
    messages: Bucket,
    presence: Bucket,
    resets: HashMap<DocumentId, Bucket>,
}

impl Budget {
    pub fn new(now: Instant) -> Self {
        Budget {
            messages: Bucket::new(MESSAGES_PER_SEC, MESSAGE_BURST, now),
            presence: Bucket::new(PRESENCE_PER_SEC, PRESENCE_BURST, now),
            resets: HashMap::new(),
        }
    }

    /// A message arrived: how long to stop reading this connection afterwards.
    pub fn message(&mut self, now: Instant) -> Duration {
        self.messages.take(now)
    }

    /// Whether a presence message fits the budget (else it is dropped).
    pub fn presence(&mut self, now: Instant) -> bool {
        self.presence.try_take(now)
    }

    /// Whether a reset of `document` fits the budget (else the connection is refused).
    pub fn reset(&mut self, document: DocumentId, now: Instant) -> bool {
        self.resets
            .entry(document)
            .or_insert_with(|| Bucket::new(RESETS_PER_MINUTE / 60.0, RESETS_PER_MINUTE, now))
            .try_take(now)
    }
}

/// Resets per (device, document) over every connection of the device.
#[derive(Debug, Default)]
pub struct DeviceResets {
    buckets: HashMap<(String, DocumentId), Bucket>,
}

impl DeviceResets {
    /// Whether a reset of `document` by `device` fits the budget.
    pub fn reset(&mut self, device: &str, document: DocumentId, now: Instant) -> bool {
        if self.buckets.len() >= 65_536 {
            self.prune(now);
        }
        self.buckets
            .entry((device.to_owned(), document))
            .or_insert_with(|| {
                Bucket::new(
                    DEVICE_RESETS_PER_MINUTE / 60.0,
                    DEVICE_RESETS_PER_MINUTE,
                    now,
                )
            })
            .try_take(now)
    }

    /// Forgets the buckets that have refilled (they would start full anyway).
    pub fn prune(&mut self, now: Instant) {
        self.buckets.retain(|_, b| {
            b.refill(now);
            b.tokens < b.burst
        });
    }

    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

/// Presence per device arriving from other instances: [`PRESENCE_PER_SEC`] and
/// [`PRESENCE_BURST`] times the connections one device may open.
#[derive(Debug)]
pub struct DevicePresence {
    buckets: HashMap<String, Bucket>,
    connections: f64,
}

impl DevicePresence {
    pub fn new(connections_per_device: usize) -> Self {
        DevicePresence {
            buckets: HashMap::new(),
            connections: connections_per_device.max(1) as f64,
        }
    }

    /// Whether presence from `device` fits its budget (else it is dropped).
    pub fn presence(&mut self, device: &str, now: Instant) -> bool {
        if self.buckets.len() >= 65_536 {
            self.buckets.retain(|_, b| {
                b.refill(now);
                b.tokens < b.burst
            });
        }
        let connections = self.connections;
        match self.buckets.get_mut(device) {
            Some(bucket) => bucket.try_take(now),
            None => {
                let mut bucket = Bucket::new(
                    PRESENCE_PER_SEC * connections,
                    PRESENCE_BURST * connections,
                    now,
                );
                let taken = bucket.try_take(now);
                self.buckets.insert(device.to_owned(), bucket);
                taken
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_free_and_a_flood_pays_in_time() {
        let start = Instant::now();
        let mut b = Budget::new(start);
        for _ in 0..MESSAGE_BURST as usize {
            assert_eq!(b.message(start), Duration::ZERO);
        }
        let pause = b.message(start);
        assert!(
            pause > Duration::ZERO && pause <= Duration::from_millis(10),
            "{pause:?}"
        );
        // A second later the bucket has refilled by the rate.
        let later = start + Duration::from_secs(1);
        assert_eq!(b.message(later), Duration::ZERO);
    }

    #[test]
    fn resets_are_counted_per_document() {
        let now = Instant::now();
        let mut b = Budget::new(now);
        let (one, two) = (
            DocumentId::from_bytes([1; 16]),
            DocumentId::from_bytes([2; 16]),
        );
        for _ in 0..RESETS_PER_MINUTE as usize {
            assert!(b.reset(one, now));
        }
        assert!(!b.reset(one, now), "over the budget");
        assert!(b.reset(two, now), "another document has its own");
        assert!(
            b.reset(one, now + Duration::from_secs(30)),
            "refilled after 30 s"
        );
        for _ in 0..PRESENCE_BURST as usize {
            assert!(b.presence(now));
        }
        assert!(!b.presence(now));
    }

    #[test]
    fn presence_from_other_instances_is_limited_per_device() {
        let now = Instant::now();
        let mut d = DevicePresence::new(2);
        for _ in 0..(2.0 * PRESENCE_BURST) as usize {
            assert!(d.presence("dev", now));
        }
        assert!(!d.presence("dev", now), "over two connections' burst");
        assert!(d.presence("other", now), "another device has its own");
        assert!(
            d.presence("dev", now + Duration::from_secs(1)),
            "refills at two connections' rate"
        );
    }

    #[test]
    fn a_device_reconnecting_does_not_get_more_resets() {
        let now = Instant::now();
        let mut d = DeviceResets::default();
        let doc = DocumentId::from_bytes([1; 16]);
        for _ in 0..DEVICE_RESETS_PER_MINUTE as usize {
            assert!(d.reset("dev", doc, now));
        }
        assert!(!d.reset("dev", doc, now), "over the device's budget");
        assert!(d.reset("other", doc, now), "another device has its own");
        d.prune(now + Duration::from_secs(61));
        assert!(d.is_empty(), "refilled buckets are forgotten");
    }
}
