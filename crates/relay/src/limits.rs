//! Limits on failed credential attempts — per (client address, claimed device), so a
//! flood from one address answers the flooder and not everyone behind the same proxy —
//! and on open sync connections per device and (loosely) per address.

use std::{
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// What failures are counted against: the client's address and the device its
/// credential claims to be (empty when it claims none).
pub type AttemptKey = (IpAddr, String);

/// Counts failures per key in a fixed window; past the allowance the key is refused until
/// the window ends.
#[derive(Debug, Clone)]
pub struct FailedAttempts {
    allowed: u32,
    window: Duration,
    seen: Arc<Mutex<HashMap<AttemptKey, (u32, Instant)>>>,
}

impl FailedAttempts {
    pub fn new(allowed: u32, window: Duration) -> Self {
        FailedAttempts {
            allowed,
            window,
            seen: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// `Err(seconds to wait)` if the key has failed too often lately.
    pub fn check(&self, key: &AttemptKey) -> Result<(), u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match seen.get(key) {
            Some((count, since)) if now.duration_since(*since) < self.window => {
                if *count >= self.allowed {
                    let left = self.window.saturating_sub(now.duration_since(*since));
                    Err(left.as_secs().max(1))
                } else {
                    Ok(())
                }
            }
            Some(_) => {
                seen.remove(key);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Notes a failed attempt.
    pub fn fail(&self, key: AttemptKey) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        // Forget old windows now and then so the map cannot grow without bound.
        if seen.len() > 10_000 {
            let window = self.window;
            seen.retain(|_, (_, since)| now.duration_since(*since) < window);
        }
        let entry = seen.entry(key).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }
}

/// Open sync connections per key (a client address, a device), capped.
#[derive(Debug, Clone)]
pub struct Connections<K> {
    max: usize,
    open: Arc<Mutex<HashMap<K, usize>>>,
}

/// One counted connection; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot<K: Eq + Hash> {
    key: K,
    open: Arc<Mutex<HashMap<K, usize>>>,
}

impl<K: Eq + Hash + Clone> Connections<K> {
    pub fn new(max: usize) -> Self {
        Connections {
            max,
            open: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A slot for one more connection under `key`, or `None` at the cap.
    pub fn acquire(&self, key: K) -> Option<Slot<K>> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(key.clone()).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Slot {
            key,
            open: self.open.clone(),
        })
    }

    pub fn max(&self) -> usize {
        self.max
    }
}

impl<K: Eq + Hash> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_allowance_and_only_that_key() {
        let limits = FailedAttempts::new(3, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.1".parse().expect("ip");
        let a = (ip, "device-a".to_owned());
        let b = (ip, "device-b".to_owned());
        let elsewhere = ("10.0.0.2".parse().expect("ip"), "device-a".to_owned());
        for _ in 0..3 {
            assert!(limits.check(&a).is_ok());
            limits.fail(a.clone());
        }
        assert!(limits.check(&a).is_err());
        assert!(limits.check(&b).is_ok(), "another device at the address");
        assert!(limits.check(&elsewhere).is_ok(), "the device elsewhere");
        let quick = FailedAttempts::new(1, Duration::from_millis(20));
        quick.fail(a.clone());
        assert!(quick.check(&a).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(quick.check(&a).is_ok());
    }
}
