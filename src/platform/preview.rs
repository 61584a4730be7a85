//! A compact copy of each partnership's content, painted while the whole document loads.
//!
//! A partnership with years of history takes a second or more to load into Automerge;
//! its content alone ([`PartnershipDoc::preview`]: one change, no history, each text one
//! string) loads in a fraction of that (~190 ms for the 263,485-change benchmark
//! partnership in Chromium, against ~1 s for the document). The copy lives in a database of its own (`tandem-preview`, same
//! record layout as the documents), so the documents' store never holds anything that is
//! not a chunk of its partnership. Its key names the exact set of stored chunks it was
//! made from (a digest of their keys): a page shows it only when the document's chunks
//! in storage are still exactly those, so a preview never shows content the document
//! does not hold. Anything else (another tab saved since, a write that did not finish)
//! and the page waits for the document, as before. Previews are hints: failing to write
//! one loses nothing.

use sha2::{Digest, Sha256};
use tandem_domain::{document::PartnershipDoc, document_id::DocumentId, partnership::Partnership};

use super::indexeddb::{ChunkKey, ChunkKind, DocStore, StoreError};

/// The previews' database.
pub const DATABASE: &str = "tandem-preview";

/// A digest naming a set of chunks (in any order).
pub fn fingerprint(keys: &[ChunkKey]) -> String {
    let mut names: Vec<String> = keys
        .iter()
        .map(|k| {
            let kind = match k.kind {
                ChunkKind::Snapshot => "s",
                ChunkKind::Incremental => "i",
            };
            format!("{kind}:{}", k.hash)
        })
        .collect();
    names.sort();
    names.dedup();
    let mut hasher = Sha256::new();
    for n in names {
        hasher.update(n.as_bytes());
        hasher.update(b"\n");
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The preview of a partnership, if one was made from exactly the chunks stored now.
pub async fn read(
    documents: &DocStore,
    previews: &DocStore,
    id: DocumentId,
) -> Option<Partnership> {
    let name = id.to_string();
    let stored = documents.chunk_keys(&name).await.ok()?;
    if stored.is_empty() {
        return None;
    }
    let want = fingerprint(&stored);
    let found = previews.chunks(&name).await.ok()?;
    let preview = found.into_iter().find(|c| c.key.hash == want)?;
    PartnershipDoc::read_preview(&preview.bytes).ok()
}

/// Whether the preview stored for a partnership was made from these chunks.
pub async fn is_current(previews: &DocStore, id: DocumentId, chunks: &[ChunkKey]) -> bool {
    let want = fingerprint(chunks);
    previews
        .chunk_keys(&id.to_string())
        .await
        .is_ok_and(|keys| keys.iter().any(|k| k.hash == want))
}

/// Stores a partnership's preview (its bytes from [`PartnershipDoc::preview`]), made from
/// `chunks` (the document exactly as they hold it), in place of the one before.
pub async fn write(
    previews: &DocStore,
    id: DocumentId,
    bytes: &[u8],
    chunks: &[ChunkKey],
) -> Result<(), StoreError> {
    let name = id.to_string();
    let old = previews.chunk_keys(&name).await?;
    previews
        .compact(&name, bytes, &fingerprint(chunks), &old)
        .await
        .map(|_| ())
}
