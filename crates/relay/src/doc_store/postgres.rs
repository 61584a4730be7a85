//! Documents in PostgreSQL, shared by any number of relay instances (`--store postgres://…`).
//!
//! The layout follows automerge-repo's storage keys: chunks keyed `(doc_id, kind, key)`,
//! `kind` being `snapshot` or `incremental`. Every chunk also carries `seq`, a per-document
//! number taken **inside the commit** from the document's row in `doc_seq` (an
//! `INSERT … ON CONFLICT DO UPDATE … RETURNING`): the row stays locked until COMMIT, so
//! numbers are gapless and per document in commit order — an instance that has every
//! increment below `n` knows exactly what it misses (`seq >= n`), and a rolled-back commit
//! leaves no hole. An increment's key is its number (zero-padded), so the same bytes stored
//! twice (a client resending to another instance) are two rows, never a conflict that would
//! refuse an honest commit. A snapshot's `seq` is the last increment it contains.
//!
//! - One transaction per group commit: the increments of all its documents and the
//!   devices' stored bytes. The hub releases frames only once it has returned (after
//!   COMMIT), as with the embedded store.
//! - Rows are locked in one order (documents sorted, then devices sorted), so two
//!   instances committing batches that share documents never deadlock.
//! - Compaction takes a per-document advisory lock (`pg_advisory_xact_lock`), reads the
//!   stored snapshot and every increment it will delete (`seq <= through`), merges them
//!   into the given snapshot, and deletes exactly those. An instance that had not seen
//!   another's increment therefore cannot drop it, and two instances compacting at once
//!   take turns.
//!
//! The hub calls it synchronously from any thread: see [`crate::pg`].

use std::collections::HashMap;

use automerge::AutoCommit;
use sha2::{Digest, Sha256};
use tokio_postgres::types::ToSql;

use super::{Contains, StoreError, Stored};
use crate::pg::{Pg, PgError, failed};

/// Connections the pool keeps: a commit, a compaction, loads and the sweep at once.
const POOL_SIZE: usize = 8;

/// The tables, created if missing. Several instances may start at once: the DDL runs under
/// one advisory lock so they do not race on the catalog.
const SCHEMA: &str = "
SELECT pg_advisory_xact_lock(7361636);
CREATE TABLE IF NOT EXISTS doc_seq (
    doc_id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS doc_chunks (
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('snapshot', 'incremental')),
    key TEXT NOT NULL,
    seq BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (doc_id, kind, key)
);
CREATE INDEX IF NOT EXISTS doc_chunks_by_seq ON doc_chunks (doc_id, seq);
CREATE TABLE IF NOT EXISTS device_bytes (
    device TEXT PRIMARY KEY,
    bytes BIGINT NOT NULL
);
";

/// Takes the document's next number and stores the increment under it, in one statement.
const APPEND: &str = "
WITH numbered AS (
    INSERT INTO doc_seq (doc_id, seq) VALUES ($1, 0)
    ON CONFLICT (doc_id) DO UPDATE SET seq = doc_seq.seq + 1
    RETURNING seq
)
INSERT INTO doc_chunks (doc_id, kind, key, seq, data)
SELECT $1, 'incremental', lpad(numbered.seq::text, 20, '0'), numbered.seq, $2 FROM numbered
RETURNING seq";

const CHARGE: &str = "
INSERT INTO device_bytes (device, bytes) VALUES ($1, $2)
ON CONFLICT (device) DO UPDATE SET bytes = device_bytes.bytes + EXCLUDED.bytes";

/// Snapshot first, then increments in order: the bytes load as one document.
const SINCE: &str = "
SELECT kind, seq, data FROM doc_chunks WHERE doc_id = $1 AND seq >= $2
ORDER BY kind = 'incremental', seq";

#[derive(Debug)]
pub struct Postgres {
    pg: Pg,
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Postgres {
    /// Connects, checks the server answers, and creates the tables if missing.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let open_err = |message: String| StoreError::Open {
            // The URL may hold a password: name the store, not the URL.
            path: "PostgreSQL (--store)".into(),
            message,
        };
        let pg = Pg::new(url, POOL_SIZE, "tandem-documents").map_err(open_err)?;
        let store = Postgres { pg };
        store
            .pg
            .run(|pool| async move {
                let mut client = pool.get().await.map_err(failed)?;
                let txn = client.transaction().await.map_err(failed)?;
                txn.batch_execute(SCHEMA).await.map_err(failed)?;
                txn.commit().await.map_err(failed)
            })
            .map_err(open_err)?;
        Ok(store)
    }

    /// Runs `work` on the pool's runtime and waits for it.
    fn run<T, F>(&self, work: impl FnOnce(deadpool_postgres::Pool) -> F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: std::future::Future<Output = Result<T, PgError>> + Send + 'static,
    {
        self.pg.run(work).map_err(StoreError::Failed)
    }

    /// Chunks of a document with `seq >= from`, snapshot first.
    pub fn stored_since(&self, doc: &str, from: u64) -> Result<Option<Stored>, StoreError> {
        let doc = doc.to_owned();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(failed)?;
            let rows = client
                .query(SINCE, &[&doc, &to_i64(from)])
                .await
                .map_err(failed)?;
            if rows.is_empty() {
                return Ok(None);
            }
            let mut stored = Stored::default();
            for row in rows {
                let kind: &str = row.try_get(0).map_err(failed)?;
                let seq: i64 = row.try_get(1).map_err(failed)?;
                let data: &[u8] = row.try_get(2).map_err(failed)?;
                stored.bytes.extend_from_slice(data);
                if kind == "snapshot" {
                    stored.snapshot_len += data.len();
                } else {
                    stored.increments_len += data.len();
                }
                stored.next_seq = stored.next_seq.max(to_u64(seq) + 1);
            }
            Ok(Some(stored))
        })
    }

    /// The last number taken by each of `docs` that has one.
    pub fn latest_seqs(&self, docs: &[String]) -> Result<HashMap<String, u64>, StoreError> {
        let docs = docs.to_vec();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(failed)?;
            let rows = client
                .query(
                    "SELECT doc_id, seq FROM doc_seq WHERE doc_id = ANY($1)",
                    &[&docs],
                )
                .await
                .map_err(failed)?;
            rows.into_iter()
                .map(|row| {
                    let doc: String = row.try_get(0).map_err(failed)?;
                    let seq: i64 = row.try_get(1).map_err(failed)?;
                    Ok((doc, to_u64(seq)))
                })
                .collect()
        })
    }

    /// One transaction for the whole batch; the numbers the hub proposed are ignored.
    pub fn append_charged(
        &self,
        increments: &[(String, u64, Vec<u8>)],
        charges: &[(String, u64)],
    ) -> Result<Vec<u64>, StoreError> {
        // Documents in one order (stable: a document's increments keep theirs), then
        // devices in one order, so concurrent batches lock rows in the same order.
        let mut order: Vec<usize> = (0..increments.len()).collect();
        order.sort_by(|a, b| increments[*a].0.cmp(&increments[*b].0));
        let ordered: Vec<(usize, String, Vec<u8>)> = order
            .into_iter()
            .map(|i| (i, increments[i].0.clone(), increments[i].2.clone()))
            .collect();
        let mut charges: Vec<(String, i64)> = charges
            .iter()
            .map(|(device, bytes)| (device.clone(), to_i64(*bytes)))
            .collect();
        charges.sort();
        let count = increments.len();
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(failed)?;
            let txn = client.transaction().await.map_err(failed)?;
            let append = txn.prepare_cached(APPEND).await.map_err(failed)?;
            let charge = txn.prepare_cached(CHARGE).await.map_err(failed)?;
            // Pipelined: every statement is sent before the first answer is awaited, and
            // PostgreSQL runs them in the order sent, so a batch costs about one round
            // trip instead of one per increment.
            let append_params: Vec<[&(dyn ToSql + Sync); 2]> = ordered
                .iter()
                .map(|(_, doc, bytes)| [doc as &(dyn ToSql + Sync), bytes])
                .collect();
            let charge_params: Vec<[&(dyn ToSql + Sync); 2]> = charges
                .iter()
                .map(|(device, bytes)| [device as &(dyn ToSql + Sync), bytes])
                .collect();
            let appended = futures_util::future::try_join_all(
                append_params
                    .iter()
                    .map(|params| txn.query_one(&append, params)),
            );
            let charged = futures_util::future::try_join_all(
                charge_params
                    .iter()
                    .map(|params| txn.execute(&charge, params)),
            );
            let (rows, _) = futures_util::future::try_join(appended, charged)
                .await
                .map_err(failed)?;
            let mut seqs = vec![0u64; count];
            for ((index, _, _), row) in ordered.iter().zip(rows) {
                let seq: i64 = row.try_get(0).map_err(failed)?;
                seqs[*index] = to_u64(seq);
            }
            txn.commit().await.map_err(failed)?;
            Ok(seqs)
        })
    }

    pub fn stored_by(&self, device: &str) -> Result<u64, StoreError> {
        let device = device.to_owned();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(failed)?;
            let row = client
                .query_opt(
                    "SELECT bytes FROM device_bytes WHERE device = $1",
                    &[&device],
                )
                .await
                .map_err(failed)?;
            match row {
                Some(row) => Ok(to_u64(row.try_get(0).map_err(failed)?)),
                None => Ok(0),
            }
        })
    }

    /// Merges the stored snapshot and the increments through `through_seq` into
    /// `snapshot`, stores the result as the snapshot and deletes what it merged, under the
    /// document's advisory lock.
    pub fn compact(
        &self,
        doc: &str,
        snapshot: &[u8],
        through_seq: u64,
        contains: &Contains,
    ) -> Result<(), StoreError> {
        let doc = doc.to_owned();
        let snapshot = snapshot.to_vec();
        let contains = contains.clone();
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(failed)?;
            let txn = client.transaction().await.map_err(failed)?;
            txn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                &[&doc],
            )
            .await
            .map_err(failed)?;
            let rows = txn
                .query(
                    "SELECT kind, seq, data FROM doc_chunks
                     WHERE doc_id = $1 AND (kind = 'snapshot' OR seq <= $2)
                     ORDER BY kind = 'incremental', seq",
                    &[&doc, &to_i64(through_seq)],
                )
                .await
                .map_err(failed)?;
            let mut chunks: Vec<Vec<u8>> = Vec::with_capacity(rows.len());
            let mut all_known = true;
            for row in &rows {
                let kind: &str = row.try_get(0).map_err(failed)?;
                let seq: i64 = row.try_get(1).map_err(failed)?;
                if kind == "snapshot" && to_u64(seq) >= through_seq {
                    // Another instance compacted at least this far already.
                    return txn.rollback().await.map_err(failed);
                }
                // A snapshot holds everything through its number: known if that is.
                all_known &= if kind == "snapshot" {
                    contains.holds_through(to_u64(seq))
                } else {
                    contains.holds(to_u64(seq))
                };
                chunks.push(row.try_get::<_, Vec<u8>>(2).map_err(failed)?);
            }
            // Automerge work, possibly long: off this runtime's one worker; and only when
            // something deleted may be missing from the snapshot.
            let (merged, heads) = if all_known && let Some(heads) = &contains.heads {
                (snapshot, key_of(heads))
            } else {
                tokio::task::block_in_place(|| merge(&snapshot, &chunks))?
            };
            txn.execute(
                "DELETE FROM doc_chunks WHERE doc_id = $1
                 AND (kind = 'snapshot' OR (kind = 'incremental' AND seq <= $2))",
                &[&doc, &to_i64(through_seq)],
            )
            .await
            .map_err(failed)?;
            txn.execute(
                "INSERT INTO doc_chunks (doc_id, kind, key, seq, data)
                 VALUES ($1, 'snapshot', $2, $3, $4)",
                &[&doc, &heads, &to_i64(through_seq), &merged],
            )
            .await
            .map_err(failed)?;
            txn.commit().await.map_err(failed)
        })
    }

    pub fn document_count(&self) -> Result<usize, StoreError> {
        self.run(|pool| async move {
            let client = pool.get().await.map_err(failed)?;
            let row = client
                .query_one("SELECT count(DISTINCT doc_id) FROM doc_chunks", &[])
                .await
                .map_err(failed)?;
            let count: i64 = row.try_get(0).map_err(failed)?;
            Ok(usize::try_from(count).unwrap_or(0))
        })
    }
}

/// `snapshot` with `chunks` loaded into it, saved; and the key of the result.
fn merge(snapshot: &[u8], chunks: &[Vec<u8>]) -> Result<(Vec<u8>, String), PgError> {
    let mut doc = AutoCommit::load(snapshot).map_err(failed)?;
    for chunk in chunks {
        doc.load_incremental(chunk).map_err(failed)?;
    }
    Ok((doc.save(), key_of(&doc.get_heads())))
}

/// A snapshot's key: a hash of its heads, as automerge-repo names snapshots.
fn key_of(heads: &[automerge::ChangeHash]) -> String {
    let mut hasher = Sha256::new();
    for head in heads {
        hasher.update(head.0);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
