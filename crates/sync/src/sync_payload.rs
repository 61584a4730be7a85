//! The Automerge sync payload inside a `sync` or `request` message, checked before
//! Automerge sees it.
//!
//! Automerge trusts the numbers in a sync message: a Bloom filter that claims entries but
//! carries no bits made it divide by zero (a panic in every later message about the
//! document), and an unbounded probe count made one filter cost billions of steps for each
//! change the receiver holds. [`check`] reads only the header — the hash lists, the `have`
//! filters' parameters and the change lengths, without copying or decoding any change — and
//! refuses what no honest peer sends, so the work a message causes stays bounded by what
//! it cost to send.
//!
//! Honest peers (automerge 0.5–0.12, the JavaScript packages built on the same Rust core)
//! send one `have` with 10 bits per entry and 7 probes, a handful of heads, and a `need` no
//! longer than the heads they were told about; the bounds below leave wide room for that.

/// How many heads a message may name. A document has one head per concurrent branch.
pub const MAX_HEADS: usize = 1024;
/// How many hashes a message may ask for.
pub const MAX_NEED: usize = 4096;
/// How many `have` entries a message may carry (automerge sends at most one).
pub const MAX_HAVES: usize = 4;
/// How many hashes one `have` may name as last synced.
pub const MAX_LAST_SYNC: usize = 1024;
/// Bloom filter bits per entry allowed (automerge uses 10).
pub const MAX_BITS_PER_ENTRY: u32 = 64;
/// Bloom filter probes allowed per hash (automerge uses 7). Each probe is work for every
/// change the receiver checks against the filter.
pub const MAX_PROBES: u32 = 32;

const MESSAGE_TYPE_SYNC: u8 = 0x42;
const MESSAGE_TYPE_SYNC_V2: u8 = 0x43;
const HASH_LEN: usize = 32;

/// What the header of a well-formed payload says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub heads: usize,
    pub need: usize,
    pub haves: usize,
    /// Bloom filter entries over every `have`.
    pub filter_entries: u64,
    pub changes: usize,
    /// Bytes of changes carried.
    pub change_bytes: usize,
    /// The message's flags ask the receiver to forget what it sent (automerge's
    /// `SYNC_RESET`).
    pub sync_reset: bool,
}

/// Automerge's `MessageFlags`: bytes with the high bit set are a bitfield.
const FLAGS_BITFIELD: u8 = 0x80;
const FLAG_SYNC_RESET: u8 = 1;

impl Shape {
    /// The message makes Automerge forget which changes it already sent this peer, so its
    /// answer may be everything the document holds: empty heads ("I lost my copy", also
    /// a newcomer's first request) or the `SYNC_RESET` flag. Cheap to send and costly to
    /// answer, so a relay budgets it.
    pub fn is_reset(&self) -> bool {
        self.heads == 0 || self.sync_reset
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the sync payload ends early (in {0})")]
    Truncated(&'static str),
    #[error("the sync payload does not start with a sync message type (found {0:#04x})")]
    WrongType(u8),
    #[error("a number in the sync payload ({0}) is not a valid LEB128 integer")]
    BadNumber(&'static str),
    #[error("the sync message names {count} {what}; at most {max} are accepted")]
    TooMany {
        what: &'static str,
        count: u64,
        max: usize,
    },
    #[error(
        "a Bloom filter in the sync message claims {entries} entries with {bits_per_entry} bits each; 1 to {MAX_BITS_PER_ENTRY} bits per entry are accepted"
    )]
    BitsPerEntry { entries: u32, bits_per_entry: u32 },
    #[error(
        "a Bloom filter in the sync message asks for {probes} probes; 1 to {MAX_PROBES} are accepted"
    )]
    Probes { probes: u32 },
    #[error(
        "a Bloom filter in the sync message claims {entries} entries but carries {carried} of the {needed} bytes of bits they need"
    )]
    MissingBits {
        entries: u32,
        carried: usize,
        needed: u64,
    },
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn leb128(&mut self, what: &'static str) -> Result<u64, PayloadError> {
        let mut value: u64 = 0;
        let bytes = self.bytes;
        for (i, byte) in bytes.iter().enumerate().take(10) {
            let low = u64::from(byte & 0x7f);
            let shift = 7 * i as u32;
            if shift == 63 && low > 1 {
                return Err(PayloadError::BadNumber(what));
            }
            value |= low << shift;
            if byte & 0x80 == 0 {
                self.bytes = &bytes[i + 1..];
                return Ok(value);
            }
        }
        if self.bytes.len() < 10 {
            Err(PayloadError::Truncated(what))
        } else {
            Err(PayloadError::BadNumber(what))
        }
    }

    fn leb128_u32(&mut self, what: &'static str) -> Result<u32, PayloadError> {
        u32::try_from(self.leb128(what)?).map_err(|_| PayloadError::BadNumber(what))
    }

    fn take(&mut self, n: u64, what: &'static str) -> Result<&'a [u8], PayloadError> {
        let n = usize::try_from(n).map_err(|_| PayloadError::Truncated(what))?;
        if n > self.bytes.len() {
            return Err(PayloadError::Truncated(what));
        }
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(taken)
    }

    /// A count-prefixed list of hashes, refused past `max` before anything is read.
    fn hashes(&mut self, what: &'static str, max: usize) -> Result<usize, PayloadError> {
        let count = self.leb128(what)?;
        if count > max as u64 {
            return Err(PayloadError::TooMany { what, count, max });
        }
        self.take(count * HASH_LEN as u64, what)?;
        Ok(count as usize)
    }
}

/// The bits a filter of `entries` × `bits_per_entry` carries, as automerge computes it.
fn bits_needed(entries: u32, bits_per_entry: u32) -> u64 {
    (u64::from(entries) * u64::from(bits_per_entry)).div_ceil(8)
}

/// Checks one Bloom filter; returns its entry count.
fn check_filter(bytes: &[u8]) -> Result<u32, PayloadError> {
    if bytes.is_empty() {
        return Ok(0);
    }
    let mut r = Reader { bytes };
    let entries = r.leb128_u32("a Bloom filter's entry count")?;
    let bits_per_entry = r.leb128_u32("a Bloom filter's bits per entry")?;
    let probes = r.leb128_u32("a Bloom filter's probe count")?;
    if entries == 0 {
        // Automerge treats it as empty whatever the other numbers say.
        return Ok(0);
    }
    if bits_per_entry == 0 || bits_per_entry > MAX_BITS_PER_ENTRY {
        return Err(PayloadError::BitsPerEntry {
            entries,
            bits_per_entry,
        });
    }
    if probes == 0 || probes > MAX_PROBES {
        return Err(PayloadError::Probes { probes });
    }
    let needed = bits_needed(entries, bits_per_entry);
    if (r.bytes.len() as u64) < needed {
        return Err(PayloadError::MissingBits {
            entries,
            carried: r.bytes.len(),
            needed,
        });
    }
    Ok(entries)
}

/// Reads and checks the header of a sync payload; see the module documentation.
pub fn check(data: &[u8]) -> Result<Shape, PayloadError> {
    let mut r = Reader { bytes: data };
    let kind = *r.take(1, "the message type")?.first().unwrap_or(&0);
    if kind != MESSAGE_TYPE_SYNC && kind != MESSAGE_TYPE_SYNC_V2 {
        return Err(PayloadError::WrongType(kind));
    }
    let heads = r.hashes("heads", MAX_HEADS)?;
    let need = r.hashes("needed hashes", MAX_NEED)?;
    let haves = r.leb128("have entries")?;
    if haves > MAX_HAVES as u64 {
        return Err(PayloadError::TooMany {
            what: "have entries",
            count: haves,
            max: MAX_HAVES,
        });
    }
    let mut filter_entries = 0u64;
    for _ in 0..haves {
        r.hashes("last-synced heads", MAX_LAST_SYNC)?;
        let len = r.leb128("a Bloom filter's length")?;
        let filter = r.take(len, "a Bloom filter")?;
        filter_entries += u64::from(check_filter(filter)?);
    }
    // Each change costs at least its length prefix, so the count is bounded by the frame.
    let changes = r.leb128("the change count")?;
    let mut change_bytes = 0usize;
    for _ in 0..changes {
        let len = r.leb128("a change's length")?;
        change_bytes += r.take(len, "a change")?.len();
    }
    let mut sync_reset = false;
    if !r.bytes.is_empty() {
        let len = r.leb128("the flags' length")?;
        let flags = r.take(len, "the flags")?;
        sync_reset = flags
            .iter()
            .any(|b| b & FLAGS_BITFIELD != 0 && b & FLAG_SYNC_RESET != 0);
    }
    Ok(Shape {
        heads,
        need,
        haves: haves as usize,
        filter_entries,
        changes: changes as usize,
        change_bytes,
        sync_reset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{AutoCommit, ObjType, ROOT, sync::SyncDoc, transaction::Transactable};

    /// A payload with no heads or need, one `have` with this filter, and no changes.
    pub(crate) fn with_filter(filter: &[u8]) -> Vec<u8> {
        let mut out = vec![MESSAGE_TYPE_SYNC, 0, 0, 1, 0, filter.len() as u8];
        out.extend_from_slice(filter);
        out.push(0);
        out
    }

    #[test]
    fn real_messages_pass() {
        let mut doc = AutoCommit::new();
        let text = doc.put_object(ROOT, "notes", ObjType::Text).expect("text");
        for i in 0..50 {
            doc.splice_text(&text, 0, 0, &format!("edit {i} "))
                .expect("splice");
            doc.commit();
        }
        let mut other = AutoCommit::new();
        let (mut a, mut b) = (automerge::sync::State::new(), automerge::sync::State::new());
        for _ in 0..10 {
            let mut quiet = true;
            if let Some(m) = doc.sync().generate_sync_message(&mut a) {
                let bytes = m.encode();
                let shape = check(&bytes).expect("automerge's own message passes");
                assert!(shape.haves <= 1);
                other
                    .sync()
                    .receive_sync_message(
                        &mut b,
                        automerge::sync::Message::decode(&bytes).expect("decodes"),
                    )
                    .expect("applies");
                quiet = false;
            }
            if let Some(m) = other.sync().generate_sync_message(&mut b) {
                let bytes = m.encode();
                check(&bytes).expect("automerge's own message passes");
                doc.sync()
                    .receive_sync_message(
                        &mut a,
                        automerge::sync::Message::decode(&bytes).expect("decodes"),
                    )
                    .expect("applies");
                quiet = false;
            }
            if quiet {
                break;
            }
        }
        assert_eq!(doc.get_heads(), other.get_heads());
    }

    #[test]
    fn degenerate_filters_are_refused() {
        // One entry, zero bits per entry: automerge divided by zero.
        assert!(matches!(
            check(&with_filter(&[1, 0, 7])),
            Err(PayloadError::BitsPerEntry { .. })
        ));
        // One entry, 10 bits, u32::MAX probes, bits present: 4 billion steps per change.
        assert!(matches!(
            check(&with_filter(&[1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0])),
            Err(PayloadError::Probes { probes: u32::MAX })
        ));
        assert!(matches!(
            check(&with_filter(&[1, 10, 0])),
            Err(PayloadError::Probes { probes: 0 })
        ));
        // Entries claimed, bits missing.
        assert!(matches!(
            check(&with_filter(&[100, 10, 7, 0])),
            Err(PayloadError::MissingBits { .. })
        ));
        // An empty filter and a zero-entry one are fine.
        assert!(check(&with_filter(&[])).is_ok());
        assert!(check(&with_filter(&[0, 0, 0])).is_ok());
        assert!(check(&with_filter(&[1, 10, 7, 0xff, 0xff])).is_ok());
    }

    #[test]
    fn oversized_lists_are_refused_before_they_are_read() {
        // Claims 2^40 heads in a 9-byte payload.
        let payload = [MESSAGE_TYPE_SYNC, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0, 0];
        assert!(matches!(
            check(&payload),
            Err(PayloadError::TooMany { what: "heads", .. })
        ));
        let haves = [MESSAGE_TYPE_SYNC, 0, 0, 5];
        assert!(matches!(
            check(&haves),
            Err(PayloadError::TooMany {
                what: "have entries",
                ..
            })
        ));
        assert!(matches!(check(&[0x42, 2]), Err(PayloadError::Truncated(_))));
        assert!(matches!(check(&[0x07]), Err(PayloadError::WrongType(7))));
        assert!(matches!(check(&[]), Err(PayloadError::Truncated(_))));
        assert!(matches!(
            check(&[
                0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
            ]),
            Err(PayloadError::BadNumber(_))
        ));
    }

    #[test]
    fn empty_heads_and_the_reset_flag_are_resets() {
        let reset = [MESSAGE_TYPE_SYNC, 0, 0, 1, 0, 0, 0];
        assert!(check(&reset).expect("valid").is_reset());
        let mut with_heads = vec![MESSAGE_TYPE_SYNC, 1];
        with_heads.extend([7u8; 32]);
        with_heads.extend([0, 0, 0]);
        assert!(!check(&with_heads).expect("valid").is_reset());
        // The same with automerge's flags: the legacy byte, then the bitfield with
        // SYNC_RESET.
        with_heads.extend([2, 0x02, 0x80 | 0x04 | 0x01]);
        assert!(check(&with_heads).expect("valid").is_reset());
        let len = with_heads.len();
        with_heads[len - 1] = 0x80 | 0x04;
        assert!(!check(&with_heads).expect("valid").is_reset());
    }
}
