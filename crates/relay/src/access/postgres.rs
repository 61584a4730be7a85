//! Access records in PostgreSQL, shared by relay instances (`--store postgres://…`).
//!
//! The records are the embedded store's, one row each: `(tbl, key) → value` (JSON), plus
//! a `version` from one sequence. Every instance keeps the whole state in memory, as with
//! redb, and catches up by reading the rows whose version is above the highest it has
//! applied — before every change, and on one thread ([`super::refresher`]) every
//! [`REFRESH_EVERY`] and whenever a lookup misses (coalesced: one read answers every
//! lookup waiting for it). Reads are serialised (one at a time per instance).
//!
//! - **Changes are serialised across instances** by one transaction-scoped advisory
//!   lock, taken before the version is drawn and held until COMMIT. So versions commit in
//!   order, and reading `version > seen` never skips a row that commits late.
//! - **A change expects each row as this instance last saw it** (its version, or absent),
//!   checked under that lock. If another instance changed it meanwhile the change is
//!   refused as a conflict, nothing of it is written, and the caller re-checks against
//!   the fresh state. Two devices claiming one partnership on two instances: the second
//!   claim finds the row taken and fails — exactly one owner.
//! - All rows of one change go in one transaction (a claim's document and its grant).

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use crate::pg::{Pg, PgError, failed};

/// How often an instance reads what others changed: a revocation on one instance ends
/// sessions on the others within this plus the hub's enforcement tick (500 ms).
pub const REFRESH_EVERY: Duration = Duration::from_millis(200);

/// Serialises changes across instances (`pg_advisory_xact_lock`).
const CHANGE_LOCK: i64 = 7_361_638;

const SCHEMA: &str = "
SELECT pg_advisory_xact_lock(7361637);
CREATE SEQUENCE IF NOT EXISTS access_version;
CREATE TABLE IF NOT EXISTS access_records (
    tbl TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (tbl, key)
);
CREATE INDEX IF NOT EXISTS access_records_by_version ON access_records (version);
";

/// One record: table, key, value.
pub type Row = (String, String, String);

/// Why a change was not written.
#[derive(Debug)]
pub enum WriteError {
    /// Another instance changed one of the rows since this one read it.
    Conflict,
    Failed(PgError),
}

#[derive(Debug)]
pub struct AccessPg {
    pg: Pg,
    /// The highest version applied to the state in memory; its lock also makes one
    /// refresh at a time.
    seen: Mutex<i64>,
    /// Each record's version as last read or written here.
    versions: Mutex<HashMap<(String, String), i64>>,
    /// Reads of changes made (for tests and measurements).
    reads: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AccessPg {
    /// Connects and creates the table if missing.
    pub fn connect(url: &str) -> Result<Self, PgError> {
        let pg = Pg::new(url, 4, "tandem-access")?;
        pg.run(|pool| async move {
            let mut client = pool.get().await.map_err(failed)?;
            let txn = client.transaction().await.map_err(failed)?;
            txn.batch_execute(SCHEMA).await.map_err(failed)?;
            txn.commit().await.map_err(failed)
        })?;
        Ok(AccessPg {
            pg,
            seen: Mutex::new(0),
            versions: Mutex::new(HashMap::new()),
            reads: AtomicU64::new(0),
        })
    }

    /// Reads of changes made since the start ([`AccessPg::refresh`]).
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// Reads the rows changed since the last refresh and hands each that is newer than
    /// what this instance knows of it to `apply`, in version order.
    pub fn refresh(&self, mut apply: impl FnMut(&str, &str, &str)) -> Result<(), PgError> {
        let mut seen = lock(&self.seen);
        self.reads.fetch_add(1, Ordering::Relaxed);
        let after = *seen;
        let read = self.pg.run(move |pool| async move {
            let client = pool.get().await.map_err(failed)?;
            let rows = client
                .query(
                    "SELECT tbl, key, value, version FROM access_records
                     WHERE version > $1 ORDER BY version",
                    &[&after],
                )
                .await
                .map_err(failed)?;
            rows.into_iter()
                .map(|r| {
                    Ok((
                        r.try_get(0).map_err(failed)?,
                        r.try_get(1).map_err(failed)?,
                        r.try_get(2).map_err(failed)?,
                        r.try_get(3).map_err(failed)?,
                    ))
                })
                .collect::<Result<Vec<(String, String, String, i64)>, PgError>>()
        });
        let rows = read?;
        // Under the versions lock, so a change written here meanwhile (which records its
        // newer version first) is never overwritten by an older read of the same row.
        let mut versions = lock(&self.versions);
        for (table, key, value, version) in rows {
            *seen = (*seen).max(version);
            let known = versions.entry((table.clone(), key.clone())).or_insert(0);
            if version >= *known {
                *known = version;
                apply(&table, &key, &value);
            }
        }
        Ok(())
    }

    /// Writes the rows in one transaction, each expected as this instance last saw it.
    pub fn write_all(&self, rows: &[Row]) -> Result<(), WriteError> {
        let expected: Vec<Option<i64>> = {
            let versions = lock(&self.versions);
            rows.iter()
                .map(|(t, k, _)| versions.get(&(t.clone(), k.clone())).copied())
                .collect()
        };
        let owned: Vec<Row> = rows.to_vec();
        let outcome = self.pg.run(move |pool| async move {
            let mut client = pool.get().await.map_err(failed)?;
            let txn = client.transaction().await.map_err(failed)?;
            txn.execute("SELECT pg_advisory_xact_lock($1)", &[&CHANGE_LOCK])
                .await
                .map_err(failed)?;
            for ((table, key, _), expected) in owned.iter().zip(&expected) {
                let current: Option<i64> = txn
                    .query_opt(
                        "SELECT version FROM access_records WHERE tbl = $1 AND key = $2",
                        &[table, key],
                    )
                    .await
                    .map_err(failed)?
                    .map(|r| r.try_get(0))
                    .transpose()
                    .map_err(failed)?;
                if current != *expected {
                    txn.rollback().await.map_err(failed)?;
                    return Ok(None);
                }
            }
            let mut written = Vec::with_capacity(owned.len());
            for (table, key, value) in &owned {
                let row = txn
                    .query_one(
                        "INSERT INTO access_records (tbl, key, value, version)
                         VALUES ($1, $2, $3, nextval('access_version'))
                         ON CONFLICT (tbl, key) DO UPDATE
                         SET value = EXCLUDED.value, version = EXCLUDED.version
                         RETURNING version",
                        &[table, key, value],
                    )
                    .await
                    .map_err(failed)?;
                written.push(row.try_get::<_, i64>(0).map_err(failed)?);
            }
            txn.commit().await.map_err(failed)?;
            Ok(Some(written))
        });
        match outcome {
            Ok(Some(written)) => {
                let mut versions = lock(&self.versions);
                for ((table, key, _), version) in rows.iter().zip(written) {
                    versions.insert((table.clone(), key.clone()), version);
                }
                Ok(())
            }
            Ok(None) => Err(WriteError::Conflict),
            Err(e) => Err(WriteError::Failed(e)),
        }
    }
}
