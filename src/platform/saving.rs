//! A partnership's chunks in IndexedDB: opening, the first snapshot, an increment per save,
//! compaction when increments outweigh the snapshot, and reading what other tabs stored.
//!
//! The client decides *when* to save and what ([`tandem_client::Task::Save`] carries the
//! increment); this module writes it and keeps which chunks the document holds, so a
//! compaction deletes exactly those it merged — a chunk another tab wrote meanwhile is
//! left alone, and no tab drops another's saved changes.

use std::{cell::RefCell, collections::BTreeMap};

use automerge::ChangeHash;
use tandem_client::Client;
use tandem_domain::{
    document::{LoadError, PartnershipDoc},
    document_id::DocumentId,
};

use super::indexeddb::{Chunk, ChunkKey, ChunkKind, DocStore, StoreError, heads_hash};

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

/// The chunks a document holds, and their sizes.
#[derive(Debug, Clone, Default)]
pub struct Chunks {
    /// Chunks whose content the document holds (safe to replace by a snapshot of it).
    stored: Vec<ChunkKey>,
    snapshot_len: usize,
    increments_len: usize,
}

impl Chunks {
    /// The keys of the chunks the document holds.
    pub fn keys(&self) -> Vec<ChunkKey> {
        self.stored.clone()
    }

    fn of(chunks: &[Chunk]) -> Chunks {
        let len = |kind| -> usize {
            chunks
                .iter()
                .filter(|c| c.key.kind == kind)
                .map(|c| c.bytes.len())
                .sum()
        };
        Chunks {
            stored: chunks.iter().map(|c| c.key.clone()).collect(),
            snapshot_len: len(ChunkKind::Snapshot),
            increments_len: len(ChunkKind::Incremental),
        }
    }
}

/// Every document's chunks, by id.
pub type AllChunks = RefCell<BTreeMap<DocumentId, Chunks>>;

/// Opens a stored partnership.
pub async fn open(store: &DocStore, id: DocumentId) -> Result<(PartnershipDoc, Chunks), OpenError> {
    let chunks = store.chunks(&id.to_string()).await?;
    if chunks.is_empty() {
        return Err(OpenError::NotFound);
    }
    let doc =
        PartnershipDoc::load(chunks.iter().map(|c| c.bytes.as_slice())).map_err(|reason| {
            OpenError::Unreadable {
                reason,
                bytes: chunks
                    .iter()
                    .flat_map(|c| c.bytes.iter().copied())
                    .collect(),
            }
        })?;
    Ok((doc, Chunks::of(&chunks)))
}

/// Stores a document under a new id, as one snapshot.
pub async fn store_new(
    store: &DocStore,
    id: DocumentId,
    doc: &mut PartnershipDoc,
) -> Result<Chunks, StoreError> {
    let snapshot = doc.save();
    let key = store
        .compact(&id.to_string(), &snapshot, &heads_hash(&doc.heads()), &[])
        .await?;
    Ok(Chunks {
        stored: vec![key],
        snapshot_len: snapshot.len(),
        increments_len: 0,
    })
}

/// What a save stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The heads whose changes are all in storage now.
    pub heads: Vec<ChangeHash>,
    /// A snapshot replaced the increments.
    pub compacted: bool,
    /// Changes other tabs had stored were merged in while compacting.
    pub merged_others: bool,
}

/// Appends an increment (ending at `heads`), then compacts if increments outweigh the
/// snapshot: merges whatever other tabs stored and replaces every chunk the document now
/// holds with one snapshot.
pub async fn save(
    store: &DocStore,
    all: &AllChunks,
    client: &RefCell<Client>,
    id: DocumentId,
    bytes: &[u8],
    heads: Vec<ChangeHash>,
) -> Result<Stored, StoreError> {
    let name = id.to_string();
    let key = store.append(&name, bytes).await?;
    let outweighs = {
        let mut all = all.borrow_mut();
        let chunks = all.entry(id).or_default();
        chunks.stored.push(key);
        chunks.increments_len += bytes.len();
        chunks.increments_len > chunks.snapshot_len
    };
    if !outweighs {
        return Ok(Stored {
            heads,
            compacted: false,
            merged_others: false,
        });
    }
    let found = store.chunks(&name).await?;
    let raw: Vec<Vec<u8>> = found.iter().map(|c| c.bytes.clone()).collect();
    let merged = client.borrow_mut().merge_stored(&id, &raw);
    let Some((snapshot, heads)) = client.borrow_mut().snapshot(&id) else {
        return Err(StoreError::Unavailable("the partnership was closed".into()));
    };
    let mut replaces = all
        .borrow()
        .get(&id)
        .map(|c| c.stored.clone())
        .unwrap_or_default();
    if merged.is_some() {
        // Only chunks whose content was merged may be replaced.
        replaces.extend(found.iter().map(|c| c.key.clone()));
    }
    let mut unique: Vec<ChunkKey> = Vec::with_capacity(replaces.len());
    for key in replaces {
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    let replaces = unique;
    let key = store
        .compact(&name, &snapshot, &heads_hash(&heads), &replaces)
        .await?;
    all.borrow_mut().insert(
        id,
        Chunks {
            stored: vec![key],
            snapshot_len: snapshot.len(),
            increments_len: 0,
        },
    );
    Ok(Stored {
        heads,
        compacted: true,
        merged_others: merged == Some(true),
    })
}

/// Reads what is stored of a document (another tab's saves), with the chunks' keys. The
/// keys are remembered ([`hold`]) only once the client says the document holds them all:
/// a chunk that does not load here (a newer version's, say) is never replaced.
pub async fn read(
    store: &DocStore,
    id: DocumentId,
) -> Result<(Vec<ChunkKey>, Vec<Vec<u8>>), StoreError> {
    let found = store.chunks(&id.to_string()).await?;
    let keys = found.iter().map(|c| c.key.clone()).collect();
    Ok((keys, found.into_iter().map(|c| c.bytes).collect()))
}

/// Remembers chunks a document now holds (read by [`read`], merged by the client).
pub fn hold(all: &AllChunks, id: DocumentId, keys: Vec<ChunkKey>, sizes: &[usize]) {
    let mut all = all.borrow_mut();
    let known = all.contains_key(&id);
    let chunks = all.entry(id).or_default();
    for (key, len) in keys.into_iter().zip(sizes) {
        if chunks.stored.contains(&key) {
            continue;
        }
        if !known {
            // Sizes count toward the compaction rule only for a document new to this tab;
            // for one it held, another tab's chunks are merged at the next compaction.
            match key.kind {
                ChunkKind::Snapshot => chunks.snapshot_len += len,
                ChunkKind::Incremental => chunks.increments_len += len,
            }
        }
        chunks.stored.push(key);
    }
}
