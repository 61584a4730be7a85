//! How many bytes per second a device may make the relay read, over all its sync sockets.
//!
//! Whatever a peer sends, the relay reads and unmasks before it can judge it: a frame of
//! 15 MiB of junk costs the relay 15 MiB of work, and the door's refusal count only stops a
//! device after its frames were read. So each device has a byte budget (a token bucket of
//! `--max-read-bytes-per-sec-per-device`, bursts of twice the largest message): past it,
//! the relay stops reading that device's sockets until the debt is paid, so TCP pushes
//! back on the sender alone. Honest sync traffic is far below it (a keystroke is a few
//! hundred bytes; the first upload of a large partnership fits in the burst).
//!
//! The budget outlives the device's sockets (reconnecting does not refill it); a budget
//! that has refilled and is not in use is forgotten, since a fresh one is the same.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// One device's bucket of bytes.
#[derive(Debug)]
pub struct ReadBudget {
    state: Mutex<(f64, Instant)>,
    per_sec: f64,
    burst: f64,
}

impl ReadBudget {
    fn new(per_sec: f64, burst: f64, now: Instant) -> Self {
        ReadBudget {
            state: Mutex::new((burst, now)),
            per_sec,
            burst,
        }
    }

    fn refilled(&self, now: Instant) -> std::sync::MutexGuard<'_, (f64, Instant)> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let elapsed = now.saturating_duration_since(s.1).as_secs_f64();
        s.0 = (s.0 + elapsed * self.per_sec).min(self.burst);
        s.1 = now;
        s
    }

    /// How long reading must wait until the debt is paid (zero: read now).
    pub fn wait(&self, now: Instant) -> Duration {
        let s = self.refilled(now);
        if s.0 >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-s.0 / self.per_sec)
        }
    }

    /// Counts `bytes` read (the bucket may go into debt: a read is never cut short).
    pub fn charge(&self, bytes: usize, now: Instant) {
        self.refilled(now).0 -= bytes as f64;
    }

    fn is_full(&self, now: Instant) -> bool {
        self.refilled(now).0 >= self.burst
    }
}

/// Every device's budget.
#[derive(Debug, Clone)]
pub struct DeviceReads {
    budgets: Arc<Mutex<HashMap<String, Arc<ReadBudget>>>>,
    per_sec: f64,
    burst: f64,
}

/// Budgets held before the unused, refilled ones are forgotten.
const PRUNE_AT: usize = 1024;

impl DeviceReads {
    pub fn new(per_sec: usize, burst: usize) -> Self {
        DeviceReads {
            budgets: Arc::default(),
            per_sec: per_sec.max(1) as f64,
            burst: burst.max(1) as f64,
        }
    }

    /// The budget of `device`, shared by all its sockets.
    pub fn of(&self, device: &str) -> Arc<ReadBudget> {
        let now = Instant::now();
        let mut budgets = self.budgets.lock().unwrap_or_else(|p| p.into_inner());
        if budgets.len() >= PRUNE_AT && !budgets.contains_key(device) {
            budgets.retain(|_, b| Arc::strong_count(b) > 1 || !b.is_full(now));
        }
        budgets
            .entry(device.to_owned())
            .or_insert_with(|| Arc::new(ReadBudget::new(self.per_sec, self.burst, now)))
            .clone()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.budgets.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_free_then_reading_waits_for_the_debt() {
        let now = Instant::now();
        let b = ReadBudget::new(1000.0, 4000.0, now);
        assert_eq!(b.wait(now), Duration::ZERO);
        b.charge(4000, now);
        assert_eq!(b.wait(now), Duration::ZERO, "the burst itself is free");
        b.charge(2000, now);
        let wait = b.wait(now);
        assert!((wait.as_secs_f64() - 2.0).abs() < 0.01, "{wait:?}");
        assert_eq!(b.wait(now + Duration::from_secs(2)), Duration::ZERO);
    }

    #[test]
    fn a_device_keeps_its_budget_across_sockets_and_reconnects() {
        let reads = DeviceReads::new(1000, 1000);
        let first = reads.of("d1");
        first.charge(5000, Instant::now());
        drop(first);
        assert!(
            reads.of("d1").wait(Instant::now()) > Duration::from_secs(3),
            "reconnecting does not refill it"
        );
    }

    #[test]
    fn unused_refilled_budgets_are_forgotten() {
        let reads = DeviceReads::new(1000, 1000);
        let in_debt = reads.of("debtor");
        in_debt.charge(1_000_000, Instant::now());
        drop(in_debt);
        let held = reads.of("held");
        for n in 0..PRUNE_AT + 10 {
            reads.of(&format!("d{n}"));
        }
        assert!(reads.len() < PRUNE_AT, "{}", reads.len());
        assert!(
            reads.of("debtor").wait(Instant::now()) > Duration::ZERO,
            "a debt is kept"
        );
        assert!(
            Arc::ptr_eq(&held, &reads.of("held")),
            "a budget in use is kept"
        );
    }
}
