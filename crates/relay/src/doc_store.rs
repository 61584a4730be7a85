//! Where documents are stored: the embedded redb file under the data folder (the default,
//! one relay process), or PostgreSQL (`--store postgres://…`, any number of relay
//! instances sharing it).
//!
//! Both keep a document as a snapshot plus numbered increments and share one contract:
//! when an append returns, its changes survive a crash of the relay or of the store, so
//! the hub acknowledges a change only after the append that holds it has returned.
//!
//! The hub calls the store synchronously, from threads that may block (the committer's
//! `spawn_blocking`, `block_in_place`, a feed render's blocking thread); each engine
//! makes that safe in its own way (see [`postgres`]).
//!
//! - [`embedded`]: redb; the hub numbers increments (one process owns the file).
//! - [`postgres`]: PostgreSQL; the store numbers increments inside the commit, gapless
//!   per document, so instances can tell exactly which increments they have not seen.

pub mod embedded;
pub mod postgres;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

pub use embedded::{CACHE_BYTES, FILE_NAME};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the document store {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error("the document store failed: {0}")]
    Failed(String),
}

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError::Failed(e.to_string())
}

/// A stored document: its bytes (snapshot then increments), loadable as one.
#[derive(Debug, Default)]
pub struct Stored {
    pub bytes: Vec<u8>,
    pub snapshot_len: usize,
    pub increments_len: usize,
    /// One past the highest increment number the bytes cover.
    pub next_seq: u64,
}

/// What a snapshot is known to be: its heads, and which stored increments it holds —
/// every one numbered below `below`, and those numbered in `also`.
#[derive(Debug, Default, Clone)]
pub struct Contains {
    pub heads: Option<Vec<automerge::ChangeHash>>,
    pub below: u64,
    pub also: Vec<u64>,
}

impl Contains {
    /// Whether the increment numbered `seq` is known to be in the snapshot.
    pub fn holds(&self, seq: u64) -> bool {
        seq < self.below || self.also.contains(&seq)
    }

    /// Whether every increment numbered up to `seq` is (what a stored snapshot numbered
    /// `seq` holds).
    pub fn holds_through(&self, seq: u64) -> bool {
        seq < self.below
            || (seq - self.below < self.also.len() as u64
                && (self.below..=seq).all(|s| self.also.contains(&s)))
    }
}

/// The engine behind a [`DocStore`].
#[derive(Debug)]
enum Engine {
    Embedded(embedded::Embedded),
    Postgres(postgres::Postgres),
}

/// The document store the hub writes through.
#[derive(Debug)]
pub struct DocStore {
    engine: Engine,
    /// A test hook: while true, writes fail as on a full disk.
    disk_full: Option<Arc<AtomicBool>>,
}

impl DocStore {
    /// The embedded store in `data_dir` (created if missing).
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        Ok(DocStore {
            engine: Engine::Embedded(embedded::Embedded::open(data_dir)?),
            disk_full: None,
        })
    }

    /// The PostgreSQL store at `url` (`postgres://user:password@host:port/database`); its
    /// tables are created if missing.
    pub fn connect_postgres(url: &str) -> Result<Self, StoreError> {
        Ok(DocStore {
            engine: Engine::Postgres(postgres::Postgres::connect(url)?),
            disk_full: None,
        })
    }

    /// Whether other relay instances may write to the same store: then each instance
    /// sweeps its loaded documents for increments it has not seen.
    pub fn is_shared(&self) -> bool {
        matches!(self.engine, Engine::Postgres(_))
    }

    /// Makes writes fail while `switch` is on, as a full disk would (tests).
    pub fn inject_disk_full(&mut self, switch: Arc<AtomicBool>) {
        self.disk_full = Some(switch);
    }

    fn check_space(&self) -> Result<(), StoreError> {
        match &self.disk_full {
            Some(s) if s.load(Ordering::SeqCst) => Err(StoreError::Failed(
                "No space left on device (os error 28) [injected]".into(),
            )),
            _ => Ok(()),
        }
    }

    /// Everything stored for a document, or `None` if nothing is.
    pub fn load(&self, doc: &str) -> Result<Option<Stored>, StoreError> {
        match &self.engine {
            Engine::Embedded(e) => e.load(doc),
            Engine::Postgres(p) => p.stored_since(doc, 0),
        }
    }

    /// What is stored for a document from increment `from` on: the snapshot too if it
    /// covers any of those increments (another instance compacted them). Loading the
    /// bytes into a copy that has everything before `from` brings it up to date.
    pub fn stored_since(&self, doc: &str, from: u64) -> Result<Option<Stored>, StoreError> {
        match &self.engine {
            Engine::Embedded(e) if from == 0 => e.load(doc),
            // One process owns the file: nothing arrives that the hub did not write.
            Engine::Embedded(_) => Ok(None),
            Engine::Postgres(p) => p.stored_since(doc, from),
        }
    }

    /// The highest increment number stored for each of `docs` that has any.
    pub fn latest_seqs(&self, docs: &[String]) -> Result<HashMap<String, u64>, StoreError> {
        match &self.engine {
            Engine::Embedded(_) => Ok(HashMap::new()),
            Engine::Postgres(p) => p.latest_seqs(docs),
        }
    }

    /// Appends an increment, durably. Returns its number.
    pub fn append(&self, doc: &str, seq: u64, bytes: &[u8]) -> Result<u64, StoreError> {
        let seqs = self.append_charged(&[(doc.to_owned(), seq, bytes.to_vec())], &[])?;
        seqs.first()
            .copied()
            .ok_or_else(|| failed("the store numbered no increment"))
    }

    /// Appends increments of any documents in one durable commit (one fsync for all of
    /// them: the relay's group commit).
    pub fn append_all(
        &self,
        increments: &[(String, u64, Vec<u8>)],
    ) -> Result<Vec<u64>, StoreError> {
        self.append_charged(increments, &[])
    }

    /// Like [`DocStore::append_all`], and adds each `(device, bytes)` to what that device
    /// has had stored, in the same commit. Each increment comes with the number the hub
    /// proposes; the embedded store uses it, PostgreSQL numbers it inside the commit
    /// (other instances append too). Returns the numbers stored, in order.
    pub fn append_charged(
        &self,
        increments: &[(String, u64, Vec<u8>)],
        charges: &[(String, u64)],
    ) -> Result<Vec<u64>, StoreError> {
        self.check_space()?;
        match &self.engine {
            Engine::Embedded(e) => e.append_charged(increments, charges),
            Engine::Postgres(p) => p.append_charged(increments, charges),
        }
    }

    /// Bytes of increments the device's changes have had stored so far.
    pub fn stored_by(&self, device: &str) -> Result<u64, StoreError> {
        match &self.engine {
            Engine::Embedded(e) => e.stored_by(device),
            Engine::Postgres(p) => p.stored_by(device),
        }
    }

    /// Replaces a document's snapshot and its increments up to `through_seq` (which the
    /// snapshot contains) with the snapshot, atomically. Later increments stay.
    /// PostgreSQL also merges into it whatever it deletes, so a snapshot from an instance
    /// that had not seen another's increment loses nothing.
    pub fn compact(&self, doc: &str, snapshot: &[u8], through_seq: u64) -> Result<(), StoreError> {
        self.compact_known(doc, snapshot, through_seq, &Contains::default())
    }

    /// [`DocStore::compact`], told which stored increments the snapshot is known to hold:
    /// PostgreSQL merges (loads and saves the document again, the costly part) only when
    /// something it would delete is not among them.
    pub fn compact_known(
        &self,
        doc: &str,
        snapshot: &[u8],
        through_seq: u64,
        contains: &Contains,
    ) -> Result<(), StoreError> {
        self.check_space()?;
        match &self.engine {
            Engine::Embedded(e) => e.compact(doc, snapshot, through_seq),
            Engine::Postgres(p) => p.compact(doc, snapshot, through_seq, contains),
        }
    }

    /// How many documents have a snapshot or increments.
    pub fn document_count(&self) -> Result<usize, StoreError> {
        match &self.engine {
            Engine::Embedded(e) => e.document_count(),
            Engine::Postgres(p) => p.document_count(),
        }
    }
}
