//! An open partnership in this browser: its Automerge document and what of it is saved.
//!
//! Edits change the in-memory document at once; [`flush`] then appends what is not yet
//! stored as one increment, and compacts when increments outweigh the snapshot. Only one
//! flush runs at a time per document; edits made while it writes are picked up by the
//! same flush before it returns.

use std::{cell::RefCell, rc::Rc};

use automerge::ChangeHash;
use tandem_domain::{
    document::{LoadError, PartnershipDoc},
    document_id::DocumentId,
    partnership::NewPartnership,
};

use crate::storage::{Chunk, ChunkKey, DocStore, StoreError, heads_hash};

/// Why a stored partnership could not be opened.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("this partnership is not stored in this browser")]
    NotFound,
    /// The bytes are kept untouched; `bytes` is their concatenation, for download.
    #[error("{reason}")]
    Unreadable { reason: LoadError, bytes: Vec<u8> },
}

#[derive(Debug)]
pub struct LocalDoc {
    pub id: DocumentId,
    pub doc: PartnershipDoc,
    /// Heads whose changes are all in storage.
    saved_heads: Vec<ChangeHash>,
    /// Chunks whose content this document holds (safe to replace by a snapshot of it).
    stored: Vec<ChunkKey>,
    snapshot_len: usize,
    increments_len: usize,
    flushing: bool,
}

pub type SharedDoc = Rc<RefCell<LocalDoc>>;

/// What a flush did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlushReport {
    /// Increments appended.
    pub appended: usize,
    /// Whether a snapshot replaced the increments.
    pub compacted: bool,
    /// Whether changes saved by another tab were merged in (the view should refresh).
    pub merged_others: bool,
}

impl LocalDoc {
    /// Creates a new partnership and stores its first snapshot.
    pub async fn create(
        store: &DocStore,
        id: DocumentId,
        new: &NewPartnership,
        now_ms: i64,
    ) -> Result<SharedDoc, CreateError> {
        let doc =
            PartnershipDoc::create_identified(new, id, now_ms).map_err(CreateError::Invalid)?;
        Self::store_new(store, id, doc)
            .await
            .map_err(CreateError::Store)
    }

    /// Stores a document under a new id, as one snapshot.
    pub async fn store_new(
        store: &DocStore,
        id: DocumentId,
        mut doc: PartnershipDoc,
    ) -> Result<SharedDoc, StoreError> {
        let snapshot = doc.save();
        let heads = doc.heads();
        let key = store
            .compact(&id.to_string(), &snapshot, &heads_hash(&heads), &[])
            .await?;
        Ok(Rc::new(RefCell::new(LocalDoc {
            id,
            doc,
            saved_heads: heads,
            stored: vec![key],
            snapshot_len: snapshot.len(),
            increments_len: 0,
            flushing: false,
        })))
    }

    /// An empty document for a partnership this browser does not hold yet; sync fills
    /// it, and the first flush stores it.
    pub fn empty(id: DocumentId) -> SharedDoc {
        Rc::new(RefCell::new(LocalDoc {
            id,
            doc: PartnershipDoc::empty(),
            saved_heads: Vec::new(),
            stored: Vec::new(),
            snapshot_len: 0,
            increments_len: 0,
            flushing: false,
        }))
    }

    /// Opens a stored partnership.
    pub async fn open(store: &DocStore, id: DocumentId) -> Result<SharedDoc, OpenError> {
        let chunks = store.chunks(&id.to_string()).await?;
        if chunks.is_empty() {
            return Err(OpenError::NotFound);
        }
        let mut doc = load(&chunks)?;
        let (snapshot_len, increments_len) = sizes(&chunks);
        Ok(Rc::new(RefCell::new(LocalDoc {
            id,
            saved_heads: doc.heads(),
            doc,
            stored: chunks.into_iter().map(|c| c.key).collect(),
            snapshot_len,
            increments_len,
            flushing: false,
        })))
    }

    /// Heads whose changes are all in storage (empty before the first save).
    pub fn saved_heads(&self) -> &[ChangeHash] {
        &self.saved_heads
    }

    /// Whether there are changes not yet in storage.
    pub fn has_unsaved(&mut self) -> bool {
        self.doc.heads() != self.saved_heads
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CreateError {
    #[error("{0}")]
    Invalid(tandem_domain::partnership::NewPartnershipError),
    #[error("{0}")]
    Store(StoreError),
}

fn load(chunks: &[Chunk]) -> Result<PartnershipDoc, OpenError> {
    PartnershipDoc::load(chunks.iter().map(|c| c.bytes.as_slice())).map_err(|reason| {
        OpenError::Unreadable {
            reason,
            bytes: chunks
                .iter()
                .flat_map(|c| c.bytes.iter().copied())
                .collect(),
        }
    })
}

fn sizes(chunks: &[Chunk]) -> (usize, usize) {
    use crate::storage::ChunkKind;
    let of = |kind| -> usize {
        chunks
            .iter()
            .filter(|c| c.key.kind == kind)
            .map(|c| c.bytes.len())
            .sum()
    };
    (of(ChunkKind::Snapshot), of(ChunkKind::Incremental))
}

/// Saves what is not yet stored. Returns at once if another flush of this document is
/// running (that one will save these edits too).
pub async fn flush(shared: &SharedDoc, store: &DocStore) -> Result<FlushReport, StoreError> {
    {
        let mut local = shared.borrow_mut();
        if local.flushing {
            return Ok(FlushReport::default());
        }
        local.flushing = true;
    }
    let result = flush_loop(shared, store).await;
    shared.borrow_mut().flushing = false;
    result
}

async fn flush_loop(shared: &SharedDoc, store: &DocStore) -> Result<FlushReport, StoreError> {
    let mut report = FlushReport::default();
    loop {
        let (id, bytes, heads) = {
            let mut local = shared.borrow_mut();
            let heads = local.doc.heads();
            if heads == local.saved_heads {
                return Ok(report);
            }
            let saved = local.saved_heads.clone();
            (local.id.to_string(), local.doc.save_after(&saved), heads)
        };
        let key = store.append(&id, &bytes).await?;
        report.appended += 1;
        let outweighs = {
            let mut local = shared.borrow_mut();
            local.saved_heads = heads;
            local.stored.push(key);
            local.increments_len += bytes.len();
            local.increments_len > local.snapshot_len
        };
        if outweighs {
            report.merged_others |= compact(shared, store).await?;
            report.compacted = true;
        }
    }
}

/// Merges whatever other tabs stored, then replaces every chunk this document now holds
/// with one snapshot. Returns whether other tabs' changes were merged in.
async fn compact(shared: &SharedDoc, store: &DocStore) -> Result<bool, StoreError> {
    let id = shared.borrow().id.to_string();
    let chunks = store.chunks(&id).await?;
    let merged = merge_chunks(shared, &chunks);
    let (snapshot, heads, replaces) = {
        let mut local = shared.borrow_mut();
        let mut replaces = local.stored.clone();
        if merged.is_some() {
            // Only chunks whose content was merged may be replaced.
            replaces.extend(chunks.iter().map(|c| c.key.clone()));
        }
        replaces.dedup();
        (local.doc.save(), local.doc.heads(), replaces)
    };
    let key = store
        .compact(&id, &snapshot, &heads_hash(&heads), &replaces)
        .await?;
    let mut local = shared.borrow_mut();
    local.stored = vec![key];
    local.snapshot_len = snapshot.len();
    local.increments_len = 0;
    local.saved_heads = heads;
    Ok(merged.unwrap_or(false))
}

/// Merges stored chunks into the open document. `None` if they do not load (they are
/// then left alone, not replaced); otherwise whether anything new arrived.
fn merge_chunks(shared: &SharedDoc, chunks: &[Chunk]) -> Option<bool> {
    let mut other = load(chunks).ok()?;
    let mut local = shared.borrow_mut();
    let before = local.doc.heads();
    let had_unsaved = before != local.saved_heads;
    local.doc.merge(&mut other).ok()?;
    let after = local.doc.heads();
    if !had_unsaved {
        // Everything now in the document came from storage: nothing to save again.
        local.saved_heads = after.clone();
    }
    Some(after != before)
}

/// Reads what other tabs stored and merges it in. Returns whether anything changed.
pub async fn refresh_from_store(shared: &SharedDoc, store: &DocStore) -> Result<bool, StoreError> {
    let id = shared.borrow().id.to_string();
    let chunks = store.chunks(&id).await?;
    let merged = merge_chunks(shared, &chunks);
    if merged.is_some() {
        let mut local = shared.borrow_mut();
        for c in chunks {
            if !local.stored.contains(&c.key) {
                local.stored.push(c.key);
            }
        }
    }
    Ok(merged.unwrap_or(false))
}
