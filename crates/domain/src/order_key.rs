//! Fractional order keys: the position of an item in a list that two people reorder at once.
//!
//! An Automerge list can only express a move as delete + insert, so two people moving the
//! same campaign concurrently would end with two copies of it. Instead, campaigns live in a
//! map keyed by id and carry an order key; a move rewrites one key (last writer wins), which
//! can neither lose nor duplicate an item. Ties (two concurrent inserts at the same spot)
//! are broken by the item id, so every replica sorts identically.
//!
//! Keys are strings over `a..=z`, compared bytewise, and never end in `a` (the zero digit),
//! which guarantees there is always room between two distinct keys.

use std::{fmt, str::FromStr};

use crate::stored_string::stored_as_string;

const ZERO: u8 = b'a';
const BASE: u8 = 26;

/// A position between other positions. Ordering is plain string ordering.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderKey(String);

impl OrderKey {
    /// The key of the first item placed in an empty list.
    pub fn first() -> Self {
        Self::between(None, None)
    }

    /// A key strictly after `before` and strictly before `after` (when they are given and
    /// `before < after`). If the bounds are equal or inverted — possible after concurrent
    /// inserts — the key goes just after `before`.
    pub fn between(before: Option<&OrderKey>, after: Option<&OrderKey>) -> Self {
        let a = before.map(|k| k.0.as_bytes()).unwrap_or_default();
        let b = match after {
            Some(k) if k.0.as_bytes() > a => Some(k.0.as_bytes()),
            _ => None,
        };
        let digits = midpoint(a, b);
        // Digits are always within a..=z, so this is valid ASCII.
        OrderKey(digits.into_iter().map(char::from).collect())
    }

    /// Parses a stored key, accepting only what `between` can produce.
    pub fn parse(s: &str) -> Option<Self> {
        let valid = !s.is_empty()
            && s.bytes().all(|c| c.is_ascii_lowercase())
            && !s.ends_with(char::from(ZERO));
        valid.then(|| OrderKey(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an order key")]
pub struct OrderKeyParseError(pub String);

impl FromStr for OrderKey {
    type Err = OrderKeyParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderKey::parse(s).ok_or_else(|| OrderKeyParseError(s.to_owned()))
    }
}

stored_as_string!(OrderKey, "an order key");

fn digit(s: &[u8], i: usize) -> u8 {
    s.get(i).map_or(0, |c| c - ZERO)
}

/// Midpoint of `a` and `b` (exclusive), where `a < b` and a missing `b` means "the end".
fn midpoint(a: &[u8], b: Option<&[u8]>) -> Vec<u8> {
    if let Some(b) = b {
        // Skip the common prefix (treating `a` as padded with zeros).
        let mut n = 0;
        while n < b.len() && digit(a, n) == digit(b, n) {
            n += 1;
        }
        if n > 0 {
            let mut out = b[..n].to_vec();
            let rest_a = a.get(n..).unwrap_or_default();
            out.extend(midpoint(rest_a, Some(&b[n..])));
            return out;
        }
    }
    let da = digit(a, 0);
    let db = b.map_or(BASE, |b| digit(b, 0));
    if db - da > 1 {
        return vec![ZERO + (da + db) / 2];
    }
    // Consecutive first digits.
    match b {
        Some(b) if b.len() > 1 => vec![b[0]],
        _ => {
            let mut out = vec![ZERO + da];
            out.extend(midpoint(a.get(1..).unwrap_or_default(), None));
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn first_key_is_in_the_middle() {
        assert_eq!(OrderKey::first().as_str(), "n");
    }

    #[test]
    fn repeated_inserts_at_the_front_stay_ordered() {
        let mut first = OrderKey::first();
        for _ in 0..200 {
            let k = OrderKey::between(None, Some(&first));
            assert!(k < first, "{k} should sort before {first}");
            first = k;
        }
    }

    #[test]
    fn equal_bounds_go_after() {
        let k = OrderKey::first();
        let next = OrderKey::between(Some(&k), Some(&k));
        assert!(next > k);
    }

    #[test]
    fn parse_rejects_what_between_never_makes() {
        assert!(OrderKey::parse("").is_none());
        assert!(OrderKey::parse("na").is_none());
        assert!(OrderKey::parse("N").is_none());
        assert!(OrderKey::parse("n1").is_none());
        assert_eq!(OrderKey::parse("mz").map(|k| k.0), Some("mz".into()));
    }

    fn key() -> impl Strategy<Value = OrderKey> {
        "[a-z]{0,5}[b-z]".prop_map(|s| OrderKey::parse(&s).expect("strategy makes valid keys"))
    }

    proptest! {
        #[test]
        fn between_is_strictly_between(a in key(), b in key()) {
            prop_assume!(a != b);
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            let m = OrderKey::between(Some(&lo), Some(&hi));
            prop_assert!(lo < m && m < hi, "{lo} < {m} < {hi}");
            prop_assert!(OrderKey::parse(m.as_str()).is_some());
        }

        #[test]
        fn open_ends_work(a in key()) {
            let after = OrderKey::between(Some(&a), None);
            let before = OrderKey::between(None, Some(&a));
            prop_assert!(before < a && a < after);
            prop_assert!(OrderKey::parse(after.as_str()).is_some());
            prop_assert!(OrderKey::parse(before.as_str()).is_some());
        }
    }
}
