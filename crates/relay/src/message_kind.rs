//! A frame's message type (`"sync"`, `"join"`, …), read from its CBOR without decoding
//! the rest: the sync endpoint decides from it how large the frame may be before any
//! decoder allocates for it. Byte strings and text are skipped by their length, so the
//! cost is a few steps per map entry whatever the frame's size.

/// The value of the top-level `"type"` key, if the frame is a CBOR map that has one as
/// text. `None` for anything else (the decoder then says what is wrong with it).
pub fn message_type(frame: &[u8]) -> Option<&str> {
    let mut r = Reader { buf: frame, pos: 0 };
    let (major, entries) = r.head()?;
    if major != 5 {
        return None;
    }
    for _ in 0..entries.min(64) {
        let (major, len) = r.head()?;
        if major == 3 {
            let key = r.take(len)?;
            if key == b"type" {
                let (major, len) = r.head()?;
                if major != 3 {
                    return None;
                }
                return std::str::from_utf8(r.take(len)?).ok();
            }
        } else {
            r.skip_after_head(major, len, 0)?;
        }
        r.skip(0)?;
    }
    None
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, len: u64) -> Option<&'a [u8]> {
        let len = usize::try_from(len).ok()?;
        let end = self.pos.checked_add(len)?;
        let out = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    /// The major type and its argument; indefinite lengths are not accepted.
    fn head(&mut self) -> Option<(u8, u64)> {
        let b = self.byte()?;
        let major = b >> 5;
        let info = b & 0x1f;
        let arg = match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.byte()?),
            25 => u64::from(u16::from_be_bytes(self.take(2)?.try_into().ok()?)),
            26 => u64::from(u32::from_be_bytes(self.take(4)?.try_into().ok()?)),
            27 => u64::from_be_bytes(self.take(8)?.try_into().ok()?),
            _ => return None,
        };
        Some((major, arg))
    }

    /// Skips one whole item.
    fn skip(&mut self, depth: u8) -> Option<()> {
        let (major, arg) = self.head()?;
        self.skip_after_head(major, arg, depth)
    }

    fn skip_after_head(&mut self, major: u8, arg: u64, depth: u8) -> Option<()> {
        if depth > 16 {
            return None;
        }
        match major {
            0 | 1 | 7 => Some(()),
            2 | 3 => self.take(arg).map(|_| ()),
            4 => {
                for _ in 0..arg {
                    self.skip(depth + 1)?;
                }
                Some(())
            }
            5 => {
                for _ in 0..arg {
                    self.skip(depth + 1)?;
                    self.skip(depth + 1)?;
                }
                Some(())
            }
            6 => self.skip(depth + 1),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_sync::document_id::DocumentId;
    use tandem_sync::message::Message;

    #[test]
    fn reads_the_type_of_real_messages_and_nothing_from_junk() {
        let doc = DocumentId::from_bytes([1; 16]);
        let sync = Message::Sync {
            sender_id: "a".parse().expect("peer"),
            target_id: "b".parse().expect("peer"),
            document_id: doc,
            data: vec![7; 100_000],
        };
        assert_eq!(message_type(&sync.encode()), Some("sync"));
        let error = Message::Error {
            message: "x".into(),
        };
        assert_eq!(message_type(&error.encode()), Some("error"));
        // "type" after a large byte string is still found.
        let mut late = vec![0xa2, 0x44, b'd', b'a', b't', b'a', 0x5a, 0, 1, 0, 0];
        late.extend(std::iter::repeat_n(0u8, 65536));
        late.extend([0x64, b't', b'y', b'p', b'e', 0x64, b'j', b'o', b'i', b'n']);
        assert_eq!(message_type(&late), Some("join"));
        for junk in [
            &[][..],
            &[0xff],
            &[0xa1, 0x64, b't', b'y', b'p', b'e', 0x01],
            &[0xa1, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            &[0x81, 0x00],
        ] {
            assert_eq!(message_type(junk), None, "{junk:?}");
        }
    }
}
