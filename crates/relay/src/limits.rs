//! Per-address limits on failed credential attempts, so secrets cannot be guessed at speed.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Counts failures per client address in a fixed window; past the allowance the address
/// is refused until the window ends.
#[derive(Clone)]
pub struct FailedAttempts {
    allowed: u32,
    window: Duration,
    seen: Arc<Mutex<HashMap<IpAddr, (u32, Instant)>>>,
}

impl FailedAttempts {
    pub fn new(allowed: u32, window: Duration) -> Self {
        FailedAttempts {
            allowed,
            window,
            seen: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// `Err(seconds to wait)` if the address has failed too often lately.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match seen.get(&ip) {
            Some((count, since)) if now.duration_since(*since) < self.window => {
                if *count >= self.allowed {
                    let left = self.window.saturating_sub(now.duration_since(*since));
                    Err(left.as_secs().max(1))
                } else {
                    Ok(())
                }
            }
            Some(_) => {
                seen.remove(&ip);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Notes a failed attempt.
    pub fn fail(&self, ip: IpAddr) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        // Forget old windows now and then so the map cannot grow without bound.
        if seen.len() > 10_000 {
            let window = self.window;
            seen.retain(|_, (_, since)| now.duration_since(*since) < window);
        }
        let entry = seen.entry(ip).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }
}

/// Open sync connections per client address, capped.
#[derive(Clone)]
pub struct Connections {
    max: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One counted connection; dropping it frees the slot.
pub struct Slot {
    ip: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Connections {
    pub fn new(max: usize) -> Self {
        Connections {
            max,
            open: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A slot for one more connection from `ip`, or `None` at the cap.
    pub fn acquire(&self, ip: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Slot {
            ip,
            open: self.open.clone(),
        })
    }

    pub fn max(&self) -> usize {
        self.max
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_allowance_and_only_that_address() {
        let limits = FailedAttempts::new(3, Duration::from_secs(60));
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        for _ in 0..3 {
            assert!(limits.check(a).is_ok());
            limits.fail(a);
        }
        assert!(limits.check(a).is_err());
        assert!(limits.check(b).is_ok());
        let quick = FailedAttempts::new(1, Duration::from_millis(20));
        quick.fail(a);
        assert!(quick.check(a).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(quick.check(a).is_ok());
    }
}
