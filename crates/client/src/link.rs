//! The link to the relay: where it stands, and how long to wait before trying again.

/// The link to the relay, as the page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// No connection; `retry_in_s` until the next attempt (`None`: waiting for the
    /// browser to come online).
    Offline {
        retry_in_s: Option<u32>,
    },
    Connecting,
    Online,
}

/// The first retry waits this long; each failure in a row doubles it, up to [`MAX_MS`].
pub const FIRST_MS: u32 = 1_000;
pub const MAX_MS: u32 = 30_000;
/// Up to this share of the delay is added at random, so a restarted relay is not hit by
/// every browser at the same moment.
pub const JITTER: f64 = 0.3;

/// How long to wait after `failures` failed attempts in a row (at least one), given a
/// random number in `[0, 1)`.
pub fn backoff_ms(failures: u32, random: f64) -> u32 {
    let base = (FIRST_MS / 2)
        .saturating_mul(1 << failures.clamp(1, 7).min(6))
        .min(MAX_MS);
    let jitter = (random.clamp(0.0, 1.0) * f64::from(base) * JITTER) as u32;
    base + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_one_second_to_thirty_with_at_most_thirty_percent_added() {
        let bases: Vec<u32> = (1..=8).map(|n| backoff_ms(n, 0.0)).collect();
        assert_eq!(
            bases,
            [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        assert_eq!(backoff_ms(1, 0.999_999), 1_299);
        assert_eq!(backoff_ms(20, 0.999_999), 38_999);
        // A broken random source never makes the wait shorter or unbounded.
        assert_eq!(backoff_ms(1, -5.0), 1_000);
        assert_eq!(backoff_ms(1, f64::NAN), 1_000);
    }
}
