//! Partnership documents in the browser's IndexedDB.
//!
//! # Layout
//! One object store, `documents`, in the reference automerge-repo layout: keys
//! `[docId, "snapshot", hash]` and `[docId, "incremental", hash]`, values
//! `{key, binary}`. A document is the union of its chunks.
//!
//! # Why chunks
//! A keystroke appends only the changes made since the last save (an "incremental"
//! chunk, a few hundred bytes), never rewriting the whole document. When the increments
//! outweigh the snapshot, they are compacted into a new snapshot.
//!
//! # Two tabs
//! Writers only ever *add* chunks. Compaction deletes exactly the chunks whose content
//! the compacting tab has merged, in the same transaction that writes the snapshot
//! containing them; a chunk another tab wrote meanwhile is left alone. So no tab can
//! overwrite or drop another's saved changes.
//!
//! # A test hook for a full disk
//! Setting `window.__tandemSimulateStorageFull = true` in a page makes every write of that
//! page fail exactly as a real `QuotaExceededError` does (a `DomException` of that name,
//! mapped to [`StoreError::Full`]), until it is set back to `false`. The browser journeys
//! use it because a real quota cannot be filled quickly or reliably. It is harmless in
//! production: nothing but someone typing it into the console sets it, it lasts only for
//! that page, and it fails writes the app already survives (nothing is deleted).

mod idb;

use js_sys::{Array, Object, Reflect, Uint8Array};
use sha2::{Digest, Sha256};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbKeyRange, IdbTransactionMode};

const STORE: &str = "documents";
const SNAPSHOT: &str = "snapshot";
const INCREMENTAL: &str = "incremental";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("browser storage is unavailable: {0}")]
    Unavailable(String),
    #[error("browser storage is full ({0}); free space or export your partnerships")]
    Full(String),
    #[error("browser storage failed to {op}: {message}")]
    Failed { op: &'static str, message: String },
}

impl StoreError {
    fn from_js(op: &'static str, value: &JsValue) -> Self {
        StoreError::Failed {
            op,
            message: idb::describe(value),
        }
    }

    fn from_dom(op: &'static str, dom: Option<web_sys::DomException>) -> Self {
        match dom {
            Some(d) if d.name() == "QuotaExceededError" => StoreError::Full(d.message()),
            Some(d) => StoreError::Failed {
                op,
                message: format!("{}: {}", d.name(), d.message()),
            },
            None => StoreError::Failed {
                op,
                message: "aborted".into(),
            },
        }
    }
}

/// Whether a chunk is a whole-document snapshot or an increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    Snapshot,
    Incremental,
}

/// Where a chunk is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkKey {
    pub doc: String,
    pub kind: ChunkKind,
    pub hash: String,
}

impl ChunkKey {
    fn to_js(&self) -> JsValue {
        let kind = match self.kind {
            ChunkKind::Snapshot => SNAPSHOT,
            ChunkKind::Incremental => INCREMENTAL,
        };
        Array::of3(
            &self.doc.as_str().into(),
            &kind.into(),
            &self.hash.as_str().into(),
        )
        .into()
    }

    fn from_js(value: &JsValue) -> Option<Self> {
        let parts: &Array = value.dyn_ref()?;
        let doc = parts.get(0).as_string()?;
        let kind = match parts.get(1).as_string()?.as_str() {
            SNAPSHOT => ChunkKind::Snapshot,
            INCREMENTAL => ChunkKind::Incremental,
            _ => return None,
        };
        let hash = parts.get(2).as_string()?;
        Some(ChunkKey { doc, kind, hash })
    }
}

/// A stored chunk and its bytes.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub key: ChunkKey,
    pub bytes: Vec<u8>,
}

/// The document store of one browser profile.
#[derive(Debug, Clone)]
pub struct DocStore {
    db: IdbDatabase,
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl DocStore {
    /// Opens the named database (the app uses [`DocStore::DEFAULT_NAME`]).
    pub async fn open(name: &str) -> Result<Self, StoreError> {
        Ok(DocStore {
            db: idb::open(name, STORE).await?,
        })
    }

    pub const DEFAULT_NAME: &'static str = "tandem";

    fn store(
        &self,
        mode: IdbTransactionMode,
    ) -> Result<(web_sys::IdbTransaction, web_sys::IdbObjectStore), StoreError> {
        let tx = self
            .db
            .transaction_with_str_and_mode(STORE, mode)
            .map_err(|e| StoreError::from_js("start a transaction", &e))?;
        let store = tx
            .object_store(STORE)
            .map_err(|e| StoreError::from_js("open the store", &e))?;
        Ok((tx, store))
    }

    /// Every document id with at least one chunk, sorted.
    pub async fn document_ids(&self) -> Result<Vec<String>, StoreError> {
        let (_tx, store) = self.store(IdbTransactionMode::Readonly)?;
        let request = store
            .get_all_keys()
            .map_err(|e| StoreError::from_js("list documents", &e))?;
        let keys: Array = idb::request_done(&request).await?.unchecked_into();
        let mut ids: Vec<String> = keys
            .iter()
            .filter_map(|k| ChunkKey::from_js(&k))
            .map(|k| k.doc)
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// The keys of a document's chunks, without reading their bytes.
    pub async fn chunk_keys(&self, doc: &str) -> Result<Vec<ChunkKey>, StoreError> {
        let (_tx, store) = self.store(IdbTransactionMode::Readonly)?;
        let request = store
            .get_all_keys_with_key(&Self::range(doc)?.into())
            .map_err(|e| StoreError::from_js("list a document's chunks", &e))?;
        let keys: Array = idb::request_done(&request).await?.unchecked_into();
        Ok(keys.iter().filter_map(|k| ChunkKey::from_js(&k)).collect())
    }

    fn range(doc: &str) -> Result<IdbKeyRange, StoreError> {
        let lower: JsValue = Array::of1(&doc.into()).into();
        let upper: JsValue = Array::of2(&doc.into(), &"\u{ffff}".into()).into();
        IdbKeyRange::bound(&lower, &upper).map_err(|e| StoreError::from_js("select a document", &e))
    }

    /// All chunks of a document, snapshots first.
    pub async fn chunks(&self, doc: &str) -> Result<Vec<Chunk>, StoreError> {
        let (_tx, store) = self.store(IdbTransactionMode::Readonly)?;
        let request = store
            .get_all_with_key(&Self::range(doc)?.into())
            .map_err(|e| StoreError::from_js("read a document", &e))?;
        let values: Array = idb::request_done(&request).await?.unchecked_into();
        let mut chunks = Vec::new();
        for value in values.iter() {
            let key = Reflect::get(&value, &"key".into())
                .ok()
                .and_then(|k| ChunkKey::from_js(&k));
            let bytes = Reflect::get(&value, &"binary".into())
                .ok()
                .and_then(|b| b.dyn_into::<Uint8Array>().ok());
            match (key, bytes) {
                (Some(key), Some(bytes)) => chunks.push(Chunk {
                    key,
                    bytes: bytes.to_vec(),
                }),
                // A record that is not ours is kept as it is, but cannot be used.
                _ => {
                    return Err(StoreError::Failed {
                        op: "read a document",
                        message: "a stored record has an unexpected shape".into(),
                    });
                }
            }
        }
        chunks.sort_by_key(|c| c.key.kind != ChunkKind::Snapshot);
        Ok(chunks)
    }

    /// Appends an increment; returns its key.
    pub async fn append(&self, doc: &str, bytes: &[u8]) -> Result<ChunkKey, StoreError> {
        let key = ChunkKey {
            doc: doc.to_owned(),
            kind: ChunkKind::Incremental,
            hash: hex_sha256(bytes),
        };
        self.write(&[(&key, bytes)], &[]).await?;
        Ok(key)
    }

    /// Writes a snapshot and deletes the chunks it replaces, in one transaction: either
    /// both happen or neither does.
    pub async fn compact(
        &self,
        doc: &str,
        snapshot: &[u8],
        heads_hash: &str,
        replaces: &[ChunkKey],
    ) -> Result<ChunkKey, StoreError> {
        let key = ChunkKey {
            doc: doc.to_owned(),
            kind: ChunkKind::Snapshot,
            hash: heads_hash.to_owned(),
        };
        let stale: Vec<&ChunkKey> = replaces.iter().filter(|k| **k != key).collect();
        self.write(&[(&key, snapshot)], &stale).await?;
        Ok(key)
    }

    /// Stores raw bytes under a key exactly as given (used by tests to plant records).
    pub async fn put_raw(&self, key: &ChunkKey, bytes: &[u8]) -> Result<(), StoreError> {
        self.write(&[(key, bytes)], &[]).await
    }

    async fn write(
        &self,
        puts: &[(&ChunkKey, &[u8])],
        deletes: &[&ChunkKey],
    ) -> Result<(), StoreError> {
        if simulated_full() {
            let quota = web_sys::DomException::new_with_message_and_name(
                "simulated by window.__tandemSimulateStorageFull",
                "QuotaExceededError",
            )
            .ok();
            return Err(StoreError::from_dom("write", quota));
        }
        let (tx, store) = self.store(IdbTransactionMode::Readwrite)?;
        for (key, bytes) in puts {
            let js_key = key.to_js();
            let value = Object::new();
            let binary = Uint8Array::from(*bytes);
            Reflect::set(&value, &"key".into(), &js_key)
                .and_then(|_| Reflect::set(&value, &"binary".into(), &binary))
                .map_err(|e| StoreError::from_js("prepare a record", &e))?;
            store
                .put_with_key(&value, &js_key)
                .map_err(|e| StoreError::from_js("write", &e))?;
        }
        for key in deletes {
            store
                .delete(&key.to_js())
                .map_err(|e| StoreError::from_js("delete", &e))?;
        }
        idb::transaction_done(&tx).await
    }
}

/// Whether the test hook asks writes to fail as if the quota were exceeded.
fn simulated_full() -> bool {
    web_sys::window()
        .and_then(|w| Reflect::get(&w, &"__tandemSimulateStorageFull".into()).ok())
        .is_some_and(|v| v.as_bool() == Some(true))
}

/// The key hash of a snapshot: a digest of the document heads it contains.
pub fn heads_hash(heads: &[automerge::ChangeHash]) -> String {
    let mut hasher = Sha256::new();
    for h in heads {
        hasher.update(h.0);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
