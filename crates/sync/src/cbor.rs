//! A small CBOR reader over one frame in memory, for decoding what peers send.
//!
//! It reads item heads and hands out slices of the frame; what a decoder does not need it
//! skips without allocating. So decoding a message costs the fields kept (at most the size
//! of the frame once more) — never a tree of every value in the frame, which for a frame
//! of many tiny items was 33 times its size. Nesting is bounded ([`MAX_DEPTH`]), and no
//! length a peer states is trusted before the bytes are there.

use std::borrow::Cow;

/// How deep arrays and maps may nest inside a skipped value.
pub const MAX_DEPTH: usize = 32;

/// The head of one CBOR item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Head {
    Uint(u64),
    /// A negative integer, `-1 - n`.
    Nint(u64),
    /// Byte string; `None` for indefinite length.
    Bytes(Option<u64>),
    Text(Option<u64>),
    Array(Option<u64>),
    Map(Option<u64>),
    Tag(u64),
    Bool(bool),
    /// `null` or `undefined`.
    Null,
    /// Another simple value.
    Simple(u8),
    Float(f64),
    /// The end of an indefinite-length item.
    Break,
}

impl Head {
    /// What the item is, for error messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Head::Uint(_) | Head::Nint(_) => "an integer",
            Head::Bytes(_) => "bytes",
            Head::Text(_) => "text",
            Head::Array(_) => "a list",
            Head::Map(_) => "a map",
            Head::Tag(_) => "a tagged value",
            Head::Bool(_) => "a boolean",
            Head::Null => "null",
            Head::Simple(_) => "a simple value",
            Head::Float(_) => "a float",
            Head::Break => "a break",
        }
    }
}

/// Why a frame is not readable CBOR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CborError {
    #[error("the frame ends early (at byte {0})")]
    Truncated(usize),
    #[error("byte {0} is not a valid CBOR item head")]
    Invalid(usize),
    #[error("values nest deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("text at byte {0} is not UTF-8")]
    NotUtf8(usize),
    #[error("an indefinite-length string at byte {0} holds a chunk of another type")]
    BadChunk(usize),
}

/// A cursor over a frame.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

fn half_to_f64(half: u16) -> f64 {
    let sign = if half & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((half >> 10) & 0x1f);
    let mantissa = f64::from(half & 0x3ff);
    match exponent {
        0 => sign * mantissa * 2f64.powi(-24),
        0x1f if mantissa == 0.0 => sign * f64::INFINITY,
        0x1f => f64::NAN,
        e => sign * (1.0 + mantissa / 1024.0) * 2f64.powi(e - 15),
    }
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// Where the cursor is, to come back to with [`Reader::at`].
    pub fn position(&self) -> usize {
        self.pos
    }

    /// A cursor at `pos` of the same frame.
    pub fn at(&self, pos: usize) -> Reader<'a> {
        Reader {
            bytes: self.bytes,
            pos: pos.min(self.bytes.len()),
        }
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], CborError> {
        let n = usize::try_from(n).map_err(|_| CborError::Truncated(self.bytes.len()))?;
        if n > self.remaining() {
            return Err(CborError::Truncated(self.bytes.len()));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn uint(&mut self, info: u8, at: usize) -> Result<Option<u64>, CborError> {
        Ok(Some(match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.take(1)?[0]),
            25 => {
                let b = self.take(2)?;
                u64::from(u16::from_be_bytes([b[0], b[1]]))
            }
            26 => {
                let b = self.take(4)?;
                u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            }
            27 => {
                let b = self.take(8)?;
                u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            }
            31 => return Ok(None),
            _ => return Err(CborError::Invalid(at)),
        }))
    }

    /// Reads the next item's head.
    pub fn head(&mut self) -> Result<Head, CborError> {
        let at = self.pos;
        let first = self.take(1)?[0];
        let (major, info) = (first >> 5, first & 0x1f);
        let definite = |n: Option<u64>| n.ok_or(CborError::Invalid(at));
        Ok(match major {
            0 => Head::Uint(definite(self.uint(info, at)?)?),
            1 => Head::Nint(definite(self.uint(info, at)?)?),
            2 => Head::Bytes(self.uint(info, at)?),
            3 => Head::Text(self.uint(info, at)?),
            4 => Head::Array(self.uint(info, at)?),
            5 => Head::Map(self.uint(info, at)?),
            6 => Head::Tag(definite(self.uint(info, at)?)?),
            _ => match info {
                20 => Head::Bool(false),
                21 => Head::Bool(true),
                22 | 23 => Head::Null,
                0..=19 => Head::Simple(info),
                24 => Head::Simple(self.take(1)?[0]),
                25 => {
                    let b = self.take(2)?;
                    Head::Float(half_to_f64(u16::from_be_bytes([b[0], b[1]])))
                }
                26 => {
                    let b = self.take(4)?;
                    Head::Float(f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]])))
                }
                27 => {
                    let b = self.take(8)?;
                    Head::Float(f64::from_be_bytes([
                        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                    ]))
                }
                31 => Head::Break,
                _ => return Err(CborError::Invalid(at)),
            },
        })
    }

    /// The body of a byte or text string whose head was just read (`text` says which):
    /// a slice of the frame, or the chunks joined for an indefinite-length one.
    pub fn string_body(
        &mut self,
        len: Option<u64>,
        text: bool,
    ) -> Result<Cow<'a, [u8]>, CborError> {
        if let Some(len) = len {
            return Ok(Cow::Borrowed(self.take(len)?));
        }
        let mut joined = Vec::new();
        loop {
            let at = self.pos;
            match (self.head()?, text) {
                (Head::Break, _) => return Ok(Cow::Owned(joined)),
                (Head::Bytes(Some(n)), false) | (Head::Text(Some(n)), true) => {
                    joined.extend_from_slice(self.take(n)?);
                }
                _ => return Err(CborError::BadChunk(at)),
            }
        }
    }

    /// The text whose head was just read.
    pub fn text_body(&mut self, len: Option<u64>) -> Result<Cow<'a, str>, CborError> {
        let at = self.pos;
        match self.string_body(len, true)? {
            Cow::Borrowed(b) => std::str::from_utf8(b)
                .map(Cow::Borrowed)
                .map_err(|_| CborError::NotUtf8(at)),
            Cow::Owned(b) => String::from_utf8(b)
                .map(Cow::Owned)
                .map_err(|_| CborError::NotUtf8(at)),
        }
    }

    /// Skips the item whose head was just read, without keeping any of it.
    pub fn skip_body(&mut self, head: Head, depth: usize) -> Result<(), CborError> {
        if depth > MAX_DEPTH {
            return Err(CborError::TooDeep);
        }
        match head {
            Head::Bytes(len) | Head::Text(len) => match len {
                Some(n) => {
                    self.take(n)?;
                }
                None => loop {
                    let at = self.pos;
                    match self.head()? {
                        Head::Break => break,
                        Head::Bytes(Some(n)) | Head::Text(Some(n)) => {
                            self.take(n)?;
                        }
                        _ => return Err(CborError::BadChunk(at)),
                    }
                },
            },
            Head::Array(len) | Head::Map(len) => {
                let per_entry = if matches!(head, Head::Map(_)) { 2 } else { 1 };
                match len {
                    Some(n) => {
                        // Every item takes at least a byte: a count larger than what is
                        // left is refused before looping over it.
                        let items = n.saturating_mul(per_entry);
                        if items > self.remaining() as u64 {
                            return Err(CborError::Truncated(self.bytes.len()));
                        }
                        for _ in 0..items {
                            let h = self.head()?;
                            self.skip_body(h, depth + 1)?;
                        }
                    }
                    None => loop {
                        let h = self.head()?;
                        if h == Head::Break {
                            break;
                        }
                        self.skip_body(h, depth + 1)?;
                    },
                }
            }
            Head::Tag(_) => {
                let h = self.head()?;
                self.skip_body(h, depth + 1)?;
            }
            Head::Break => return Err(CborError::Invalid(self.pos.saturating_sub(1))),
            _ => {}
        }
        Ok(())
    }

    /// Skips the next item.
    pub fn skip(&mut self) -> Result<(), CborError> {
        let h = self.head()?;
        self.skip_body(h, 0)
    }

    /// Reads a map head and calls `entry` with each text key and a reader at its value; the
    /// callback must consume the value (read or [`Reader::skip`] it). `Ok(false)` if the
    /// item is not a map or a key is not text.
    pub fn map_entries(
        &mut self,
        mut entry: impl FnMut(&str, &mut Reader<'a>) -> Result<(), CborError>,
    ) -> Result<bool, CborError> {
        let Head::Map(len) = self.head()? else {
            return Ok(false);
        };
        let mut left = len;
        loop {
            if let Some(n) = left {
                if n == 0 {
                    return Ok(true);
                }
                left = Some(n - 1);
            }
            let key = match self.head()? {
                Head::Break if len.is_none() => return Ok(true),
                Head::Text(n) => self.text_body(n)?,
                _ => return Ok(false),
            };
            entry(&key, self)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(v: &ciborium::Value) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(v, &mut out).expect("encodes");
        out
    }

    #[test]
    fn reads_what_ciborium_writes() {
        use ciborium::Value;
        for (value, head) in [
            (Value::Integer(7.into()), Head::Uint(7)),
            (Value::Integer(300.into()), Head::Uint(300)),
            (Value::Integer((-5).into()), Head::Nint(4)),
            (Value::Float(12.0), Head::Float(12.0)),
            (Value::Float(0.1), Head::Float(0.1)),
            (Value::Float(-1.5), Head::Float(-1.5)),
            (Value::Bool(true), Head::Bool(true)),
            (Value::Null, Head::Null),
        ] {
            assert_eq!(Reader::new(&encode(&value)).head(), Ok(head), "{value:?}");
        }
        let nested = Value::Map(vec![(
            Value::Text("a".into()),
            Value::Array(vec![
                Value::Bytes(vec![1; 300]),
                Value::Tag(2, Box::new(Value::Null)),
            ]),
        )]);
        let bytes = encode(&nested);
        let mut r = Reader::new(&bytes);
        r.skip().expect("skips");
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn indefinite_strings_are_joined_and_lies_about_length_refused() {
        // (_ h'0102', h'03'), then "ab" as indefinite text.
        let bytes = [0x5f, 0x42, 1, 2, 0x41, 3, 0xff];
        let mut r = Reader::new(&bytes);
        let Head::Bytes(len) = r.head().expect("head") else {
            panic!("bytes")
        };
        assert_eq!(
            r.string_body(len, false).expect("body").as_ref(),
            &[1, 2, 3]
        );
        // A list claiming 2^32 items in five bytes.
        let mut r = Reader::new(&[0x9a, 0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(r.skip(), Err(CborError::Truncated(_))));
        // Bytes claiming more than is there.
        let mut r = Reader::new(&[0x5a, 0, 0x10, 0, 0, 1]);
        assert!(matches!(r.skip(), Err(CborError::Truncated(_))));
        // Deep nesting.
        let mut deep = vec![0x81; 1000];
        deep.push(0);
        assert_eq!(Reader::new(&deep).skip(), Err(CborError::TooDeep));
    }
}
