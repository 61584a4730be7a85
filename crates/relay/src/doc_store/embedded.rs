//! The embedded store: documents in redb under the data folder (the default).
//!
//! Each document is a snapshot plus numbered increments, like the browser's layout. An
//! append is one committed transaction: when it returns, the change survives a crash or
//! power loss (redb commits are durable by default). Compaction writes the new snapshot
//! and deletes the increments in one transaction. One relay process owns the file, so
//! the hub numbers the increments itself.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::{StoreError, Stored, failed};

const SNAPSHOTS: TableDefinition<&str, &[u8]> = TableDefinition::new("snapshots");
const INCREMENTS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("increments");
/// Bytes of increments each device's changes have had stored (the per-device quota).
const DEVICE_BYTES: TableDefinition<&str, u64> = TableDefinition::new("device_bytes");

/// Pages of the store redb keeps in memory.
pub const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// The file under the data folder.
pub const FILE_NAME: &str = "documents.redb";

#[derive(Debug)]
pub struct Embedded {
    db: Database,
}

impl Embedded {
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let path = data_dir.join(FILE_NAME);
        let open_err = |e: &dyn std::fmt::Display| StoreError::Open {
            path: path.clone(),
            message: e.to_string(),
        };
        // redb caches up to 1 GiB of pages by default; a flood of writes grew the relay by
        // hundreds of MiB. Hot documents live in the hub's memory anyway.
        let db = redb::Builder::new()
            .set_cache_size(CACHE_BYTES)
            .create(&path)
            .map_err(|e| open_err(&e))?;
        // Create the tables up front so reads never meet a missing table.
        let txn = db.begin_write().map_err(|e| open_err(&e))?;
        txn.open_table(SNAPSHOTS).map_err(|e| open_err(&e))?;
        txn.open_table(INCREMENTS).map_err(|e| open_err(&e))?;
        txn.open_table(DEVICE_BYTES).map_err(|e| open_err(&e))?;
        txn.commit().map_err(|e| open_err(&e))?;
        Ok(Embedded { db })
    }

    /// Everything stored for a document, or `None` if nothing is.
    pub fn load(&self, doc: &str) -> Result<Option<Stored>, StoreError> {
        let txn = self.db.begin_read().map_err(failed)?;
        let snapshots = txn.open_table(SNAPSHOTS).map_err(failed)?;
        let increments = txn.open_table(INCREMENTS).map_err(failed)?;
        let mut stored = Stored::default();
        let mut found = false;
        if let Some(snapshot) = snapshots.get(doc).map_err(failed)? {
            stored.bytes.extend_from_slice(snapshot.value());
            stored.snapshot_len = snapshot.value().len();
            found = true;
        }
        for entry in increments
            .range((doc, 0)..=(doc, u64::MAX))
            .map_err(failed)?
        {
            let (key, value) = entry.map_err(failed)?;
            stored.bytes.extend_from_slice(value.value());
            stored.increments_len += value.value().len();
            stored.next_seq = key.value().1 + 1;
            found = true;
        }
        Ok(found.then_some(stored))
    }

    /// Appends increments of any documents under the numbers the hub gave them, and adds
    /// each `(device, bytes)` to what that device has had stored, in one durable commit
    /// (one fsync for all of them: the relay's group commit). Returns the numbers.
    pub fn append_charged(
        &self,
        increments: &[(String, u64, Vec<u8>)],
        charges: &[(String, u64)],
    ) -> Result<Vec<u64>, StoreError> {
        let txn = self.db.begin_write().map_err(failed)?;
        {
            let mut table = txn.open_table(INCREMENTS).map_err(failed)?;
            for (doc, seq, bytes) in increments {
                table
                    .insert((doc.as_str(), *seq), bytes.as_slice())
                    .map_err(failed)?;
            }
            let mut devices = txn.open_table(DEVICE_BYTES).map_err(failed)?;
            for (device, bytes) in charges {
                let before = devices
                    .get(device.as_str())
                    .map_err(failed)?
                    .map_or(0, |v| v.value());
                devices
                    .insert(device.as_str(), before.saturating_add(*bytes))
                    .map_err(failed)?;
            }
        }
        txn.commit().map_err(failed)?;
        Ok(increments.iter().map(|(_, seq, _)| *seq).collect())
    }

    /// Bytes of increments the device's changes have had stored so far.
    pub fn stored_by(&self, device: &str) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(failed)?;
        let devices = txn.open_table(DEVICE_BYTES).map_err(failed)?;
        Ok(devices
            .get(device)
            .map_err(failed)?
            .map_or(0, |v| v.value()))
    }

    /// Replaces a document's snapshot and its increments up to `through_seq` (which the
    /// snapshot contains) with the snapshot, atomically. Later increments stay.
    pub fn compact(&self, doc: &str, snapshot: &[u8], through_seq: u64) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(failed)?;
        {
            let mut snapshots = txn.open_table(SNAPSHOTS).map_err(failed)?;
            snapshots.insert(doc, snapshot).map_err(failed)?;
            let mut increments = txn.open_table(INCREMENTS).map_err(failed)?;
            increments
                .retain_in((doc, 0)..=(doc, through_seq), |_, _| false)
                .map_err(failed)?;
        }
        txn.commit().map_err(failed)
    }

    /// How many documents have a snapshot or increments.
    pub fn document_count(&self) -> Result<usize, StoreError> {
        let txn = self.db.begin_read().map_err(failed)?;
        let snapshots = txn.open_table(SNAPSHOTS).map_err(failed)?;
        let increments = txn.open_table(INCREMENTS).map_err(failed)?;
        let mut ids = std::collections::BTreeSet::new();
        for entry in snapshots.iter().map_err(failed)? {
            ids.insert(entry.map_err(failed)?.0.value().to_owned());
        }
        for entry in increments.iter().map_err(failed)? {
            ids.insert(entry.map_err(failed)?.0.value().0.to_owned());
        }
        Ok(ids.len())
    }
}

#[cfg(test)]
mod tests {
    use super::super::DocStore;

    #[test]
    fn appends_load_in_order_and_compaction_replaces_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = DocStore::open(dir.path()).expect("opens");
        assert!(store.load("d").expect("loads").is_none());
        store.append("d", 0, b"ab").expect("append");
        store.append("d", 1, b"cd").expect("append");
        store.append("other", 0, b"zz").expect("append");
        let s = store.load("d").expect("loads").expect("found");
        assert_eq!(s.bytes, b"abcd");
        assert_eq!((s.snapshot_len, s.increments_len, s.next_seq), (0, 4, 2));
        // A later increment (committed before the compaction) survives it.
        store
            .append_all(&[("d".into(), 2, b"ef".to_vec())])
            .expect("append");
        store.compact("d", b"SNAP", 1).expect("compact");
        let s = store.load("d").expect("loads").expect("found");
        assert_eq!(s.bytes, b"SNAPef");
        assert_eq!((s.snapshot_len, s.increments_len), (4, 2));
        store.compact("d", b"SNAP2", 2).expect("compact");
        let s = store.load("d").expect("loads").expect("found");
        assert_eq!(s.bytes, b"SNAP2");
        assert_eq!((s.snapshot_len, s.increments_len), (5, 0));
        assert_eq!(
            store.load("other").expect("loads").expect("found").bytes,
            b"zz"
        );
        assert_eq!(store.document_count().expect("count"), 2);
        assert_eq!(store.stored_by("dev").expect("reads"), 0);
        store
            .append_charged(&[("e".into(), 0, b"xyz".to_vec())], &[("dev".into(), 3)])
            .expect("append");
        store
            .append_charged(&[("e".into(), 1, b"w".to_vec())], &[("dev".into(), 1)])
            .expect("append");
        drop(store);
        let reopened = DocStore::open(dir.path()).expect("reopens");
        assert_eq!(
            reopened.stored_by("dev").expect("reads"),
            4,
            "kept across a restart"
        );
        assert_eq!(
            reopened.load("d").expect("loads").expect("found").bytes,
            b"SNAP2"
        );
    }
}
