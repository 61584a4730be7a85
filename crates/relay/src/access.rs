//! Who may sync which partnership: devices, owners, invite links and the grants they give.
//!
//! - A **device** is one browser (or any client). It names itself with a random id and a
//!   secret — the credential `<device id>.<secret>` — and registers once; the relay keeps
//!   only the SHA-256 of the secret. Every API call and every sync socket presents it.
//!   A connection's peer id must be the device id or start with `<device id>-`, so a peer
//!   cannot speak (or show presence) as another device.
//! - The device that **claims** a partnership first becomes its owner.
//! - An owner makes **links**: role (viewer, editor, or owner for a recovery key), label,
//!   optional expiry. A link's secret `<link id>.<secret>` travels in a URL fragment and is
//!   stored hashed. Redeeming it gives the redeeming device a grant *through that link*,
//!   so revoking or expiring the link takes the access away from every device that used it.
//! - An owner makes **calendar feeds**: a label and a language; the secret `<feed id>.<secret>`
//!   is the whole capability (a calendar app cannot authenticate as a device), stored hashed
//!   like a link's. A feed reads one partnership until it is revoked — or, if its maker owned
//!   the partnership through a recovery key, until that key is revoked or expires.
//!
//! Everything lives in memory, written through to `access.redb` in the data folder — or,
//! in cluster mode (`--store postgres://…`), to PostgreSQL, shared with the other relay
//! instances ([`postgres`]); there, what is not found in memory is looked for in
//! PostgreSQL before it is refused ([`refresher`]). Secret hashes are compared in
//! constant time, and no secret is ever logged.

pub mod postgres;
pub mod refresher;

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex, MutexGuard},
};

use rand::RngCore;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tandem_sync::document_id::DocumentId;
use tandem_sync::peer_id::PeerId;

const DEVICES: TableDefinition<&str, &str> = TableDefinition::new("devices");
const DOCS: TableDefinition<&str, &str> = TableDefinition::new("docs");
const LINKS: TableDefinition<&str, &str> = TableDefinition::new("links");
const GRANTS: TableDefinition<&str, &str> = TableDefinition::new("grants");
const FEEDS: TableDefinition<&str, &str> = TableDefinition::new("feeds");

/// The file under the data folder.
pub const FILE_NAME: &str = "access.redb";

pub use tandem_sync::api::{
    FeedInfo, LinkInfo, LinkStatus, NewFeed, NewLink, Redeemed, Role, Side,
};

/// Why a device has no access to a partnership it once had (or never had).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoAccess {
    Revoked,
    Expired,
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DeviceRec {
    secret_hash: String,
    created_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DocRec {
    owner: String,
    created_ms: i64,
}

/// An invite link (or a recovery key) as stored: what its owner sees ([`LinkInfo`], the
/// API's type) and the hash of its secret, which never leaves the relay.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Link {
    #[serde(flatten)]
    pub info: LinkInfo,
    #[serde(skip_serializing, default)]
    secret_hash: String,
}

impl std::ops::Deref for Link {
    type Target = LinkInfo;
    fn deref(&self) -> &LinkInfo {
        &self.info
    }
}

impl std::ops::DerefMut for Link {
    fn deref_mut(&mut self) -> &mut LinkInfo {
        &mut self.info
    }
}

impl Link {
    fn state(&self, now_ms: i64) -> Result<(), NoAccess> {
        match self.status(now_ms) {
            LinkStatus::Active => Ok(()),
            LinkStatus::Revoked => Err(NoAccess::Revoked),
            LinkStatus::Expired => Err(NoAccess::Expired),
        }
    }
}

/// A calendar feed as stored. Private to the relay, so its secret's hash is a plain field.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FeedRec {
    id: String,
    document: String,
    label: String,
    lang: String,
    created_ms: i64,
    revoked_ms: Option<i64>,
    created_by: String,
    /// As for links: the recovery keys its maker's ownership came through (empty when
    /// the maker claimed the partnership).
    made_through: Vec<String>,
    secret_hash: String,
}

/// What a feed's secret opens: one partnership, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedTarget {
    pub id: String,
    pub document: DocumentId,
    pub lang: tandem_domain::locale::Lang,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Via {
    Owner,
    Link(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Grant {
    document: String,
    role: Role,
    via: Via,
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("cannot open the access store {path}: {message}")]
    Open { path: String, message: String },
    #[error("the access store failed: {0}")]
    Store(String),
    #[error("another relay instance changed this at the same moment; try again")]
    Conflict,
    #[error("the credential is not valid")]
    BadCredential,
    #[error("that device id is taken")]
    DeviceTaken,
    #[error("this partnership is already registered by its owner; ask them for a link")]
    AlreadyOwned,
    #[error("only the owner of this partnership can do that")]
    NotOwner,
    #[error("this link is not valid")]
    UnknownLink,
    #[error("this link was revoked")]
    Revoked,
    #[error("this link has expired")]
    Expired,
    #[error("{0}")]
    Invalid(String),
    #[error(
        "this device has claimed {0} partnerships, the most allowed; remove some or use another device"
    )]
    TooManyClaims(usize),
    #[error("this device has made {0} links, the most allowed")]
    TooManyLinks(usize),
    #[error("no such calendar feed")]
    UnknownFeed,
    #[error("this device has made {0} calendar feeds, the most allowed")]
    TooManyFeeds(usize),
}

fn store_err(e: impl std::fmt::Display) -> AccessError {
    AccessError::Store(e.to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex(&buf)
}

/// `<id>.<secret>` with a lowercase-hex id of 16 characters and a secret of 64 (256 bits).
fn split_secret(credential: &str) -> Option<(&str, &str)> {
    let (id, secret) = credential.split_once('.')?;
    let hexish = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hexish(id, 16) && hexish(secret, 64)).then_some((id, secret))
}

fn same_hash(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Whether a peer id belongs to a device: the id itself or `<id>-<anything>`.
pub fn peer_belongs_to(peer: &PeerId, device: &str) -> bool {
    let p = peer.as_str();
    p == device
        || p.strip_prefix(device)
            .is_some_and(|rest| rest.starts_with('-'))
}

#[derive(Default)]
struct State {
    devices: HashMap<String, DeviceRec>,
    docs: HashMap<String, DocRec>,
    links: HashMap<String, Link>,
    grants: HashMap<String, Vec<Grant>>,
    feeds: HashMap<String, FeedRec>,
}

/// The access rules, shared by the API handlers and the sync hub. Cheap to clone.
///
/// Reads (`authenticate`, `role`) take only the `state` lock, which is never held across
/// a disk write: a change takes `writing` (one at a time), reads and checks under a brief
/// `state` lock, commits to redb with no lock readers need, then applies in memory. In
/// cluster mode a read that finds nothing awaits a read of PostgreSQL that started after
/// it ([`refresher`]), holding no lock meanwhile.
/// Those commits block, so callers on async workers run them with `spawn_blocking`;
/// `touch` (called by the sync hub) only queues its write for a background thread.
#[derive(Clone)]
pub struct Access {
    db: Arc<Backend>,
    state: Arc<Mutex<State>>,
    writing: Arc<Mutex<()>>,
    quotas: Quotas,
    touches: std::sync::mpsc::SyncSender<(String, DocumentId, i64)>,
    /// With `--bus`: told when a revocation may end sessions on other instances.
    announce: Arc<std::sync::OnceLock<crate::bus::Publisher>>,
    /// In cluster mode: the thread that reads other instances' changes, on a timer and
    /// for lookups that miss. `None` with the embedded store, and in the handles the
    /// background threads make for themselves.
    refresher: Option<Arc<refresher::Refresher>>,
}

/// What one device may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// Partnerships a device may claim (own by claiming).
    pub claims_per_device: usize,
    /// Links a device may make, revoked ones included (they stay on disk).
    pub links_per_device: usize,
    /// Calendar feeds a device may make, revoked ones included.
    pub feeds_per_device: usize,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            claims_per_device: 1000,
            links_per_device: 1000,
            feeds_per_device: 100,
        }
    }
}

/// Where the records are written through to.
enum Backend {
    Redb(Database),
    Postgres(postgres::AccessPg),
}

/// Parses one stored record into the state.
fn apply_row(state: &mut State, table: &str, key: &str, value: &str) -> Result<(), String> {
    let parse = |what: &str, e: serde_json::Error| format!("{what} {key} is unreadable: {e}");
    let key = key.to_owned();
    match table {
        t if t == DEVICES.name() => {
            let rec = serde_json::from_str(value).map_err(|e| parse("device", e))?;
            state.devices.insert(key, rec);
        }
        t if t == DOCS.name() => {
            let rec = serde_json::from_str(value).map_err(|e| parse("document", e))?;
            state.docs.insert(key, rec);
        }
        t if t == LINKS.name() => {
            #[derive(Deserialize)]
            struct Stored {
                #[serde(flatten)]
                link: Link,
                secret_hash: String,
            }
            let stored: Stored = serde_json::from_str(value).map_err(|e| parse("link", e))?;
            let mut link = stored.link;
            link.secret_hash = stored.secret_hash;
            state.links.insert(key, link);
        }
        t if t == GRANTS.name() => {
            let rec = serde_json::from_str(value).map_err(|e| parse("grants of", e))?;
            state.grants.insert(key, rec);
        }
        t if t == FEEDS.name() => {
            let rec = serde_json::from_str(value).map_err(|e| parse("feed", e))?;
            state.feeds.insert(key, rec);
        }
        other => return Err(format!("a record in an unknown table {other}")),
    }
    Ok(())
}

/// Reads what other instances changed into `state` (cluster mode; else nothing).
fn read_changes(db: &Backend, state: &Mutex<State>) -> Result<(), AccessError> {
    let Backend::Postgres(pg) = db else {
        return Ok(());
    };
    pg.refresh(|table, key, value| {
        let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = apply_row(&mut state, table, key, value) {
            tracing::error!(%table, error = %e, "an access record from PostgreSQL is unreadable; skipped");
        }
    })
    .map_err(AccessError::Store)
}

impl Access {
    /// The access records in PostgreSQL at `url`, shared with other relay instances; the
    /// table is created if missing, and everything in it is read.
    pub fn connect_postgres(url: &str) -> Result<Self, AccessError> {
        Self::connect_postgres_polling(url, postgres::REFRESH_EVERY)
    }

    /// [`Access::connect_postgres`], reading other instances' changes every `every`
    /// (`--access-poll-ms`).
    pub fn connect_postgres_polling(
        url: &str,
        every: std::time::Duration,
    ) -> Result<Self, AccessError> {
        let open_err = |message: String| AccessError::Open {
            // The URL may hold a password: name the store, not the URL.
            path: "PostgreSQL (--store)".into(),
            message,
        };
        let pg = postgres::AccessPg::connect(url).map_err(open_err)?;
        let mut state = State::default();
        let mut unreadable = None;
        pg.refresh(|table, key, value| {
            if let Err(e) = apply_row(&mut state, table, key, value) {
                unreadable.get_or_insert(e);
            }
        })
        .map_err(open_err)?;
        if let Some(e) = unreadable {
            return Err(open_err(e));
        }
        let mut access = Self::start(Backend::Postgres(pg), state, "PostgreSQL (--store)")?;
        // What other instances change, read in the background. The thread holds the store
        // weakly: it ends once the last handle is gone.
        let db = Arc::downgrade(&access.db);
        let state = Arc::downgrade(&access.state);
        // Said once when it starts failing and once when it recovers, not five times a
        // second while PostgreSQL is down.
        let mut failing = false;
        let refresher = refresher::Refresher::start(every, move || {
            let (Some(db), Some(state)) = (db.upgrade(), state.upgrade()) else {
                return false;
            };
            match read_changes(&db, &state) {
                Err(e) if !failing => {
                    failing = true;
                    tracing::warn!(error = %e, "cannot read access changes from PostgreSQL; devices, links and grants stay as last read until it answers, and lookups of what is not in memory are refused meanwhile");
                }
                Ok(()) if failing => {
                    failing = false;
                    tracing::info!("reading access changes from PostgreSQL again");
                }
                _ => {}
            }
            true
        })
        .map_err(|e| open_err(e.to_string()))?;
        access.refresher = Some(Arc::new(refresher));
        Ok(access)
    }

    /// Reads what other instances changed into the state (cluster mode; else nothing).
    /// Blocks on PostgreSQL: for the threads that may (a change's, the refresher's).
    fn refresh(&self) -> Result<(), AccessError> {
        read_changes(&self.db, &self.state)
    }

    /// Waits for a read of what other instances changed that started after this call
    /// (cluster mode, told so by the bus): coalesced with the reads lookups wait for.
    pub async fn read_changes(&self) {
        self.read_fresh().await;
    }

    /// Waits, in cluster mode, for a read of PostgreSQL that started after this call
    /// ([`refresher`]). Whether there was one to wait for.
    async fn read_fresh(&self) -> bool {
        match &self.refresher {
            Some(refresher) => {
                refresher.fresh().await;
                true
            }
            None => false,
        }
    }

    /// Answers `look` from the state in memory; if it finds nothing (an error) and other
    /// instances share the store, answers it again after a read of PostgreSQL that
    /// started after this call — so what another instance wrote before the lookup began
    /// is found, and a miss is never answered from a state read before it.
    async fn look_up<T, E>(&self, look: impl Fn(&State) -> Result<T, E>) -> Result<T, E> {
        let first = {
            let state = self.lock();
            look(&state)
        };
        if first.is_ok() || !self.read_fresh().await {
            return first;
        }
        let state = self.lock();
        look(&state)
    }

    /// Reads from PostgreSQL since the start (cluster mode; 0 with the embedded store):
    /// the poll's, changes', and those lookups that missed waited for. For tests and
    /// measurements of what a flood of unknown ids costs the store.
    pub fn store_reads(&self) -> u64 {
        match &*self.db {
            Backend::Postgres(pg) => pg.reads(),
            Backend::Redb(_) => 0,
        }
    }

    /// Tells the other instances, from now on, when access changed here (`--bus`): a
    /// revocation may end their sessions; a new device, claim or grant may be used on
    /// them a moment later.
    pub fn announce_to(&self, publisher: crate::bus::Publisher) {
        let _ = self.announce.set(publisher);
    }

    /// Access was written: other instances look at once rather than at their next poll,
    /// so a revocation ends sessions there within milliseconds. (A device, claim or
    /// grant made here needs no hint: a lookup there that misses reads PostgreSQL.)
    fn announce(&self) {
        if let Some(publisher) = self.announce.get() {
            publisher.access_changed();
        }
    }

    pub fn open(data_dir: &Path) -> Result<Self, AccessError> {
        let path = data_dir.join(FILE_NAME);
        let open_err = |e: &dyn std::fmt::Display| AccessError::Open {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        // The whole access state is in memory (`State`); redb's cache (1 GiB by default)
        // would only duplicate it.
        let db = redb::Builder::new()
            .set_cache_size(crate::doc_store::CACHE_BYTES / 2)
            .create(&path)
            .map_err(|e| open_err(&e))?;
        let txn = db.begin_write().map_err(|e| open_err(&e))?;
        for table in [DEVICES, DOCS, LINKS, GRANTS, FEEDS] {
            txn.open_table(table).map_err(|e| open_err(&e))?;
        }
        txn.commit().map_err(|e| open_err(&e))?;
        let mut state = State::default();
        {
            let txn = db.begin_read().map_err(|e| open_err(&e))?;
            let read =
                |table: TableDefinition<&str, &str>| -> Result<Vec<(String, String)>, AccessError> {
                    let t = txn.open_table(table).map_err(|e| open_err(&e))?;
                    let mut out = Vec::new();
                    for entry in t.iter().map_err(|e| open_err(&e))? {
                        let (k, v) = entry.map_err(|e| open_err(&e))?;
                        out.push((k.value().to_owned(), v.value().to_owned()));
                    }
                    Ok(out)
                };
            for table in [DEVICES, DOCS, LINKS, GRANTS, FEEDS] {
                for (k, v) in read(table)? {
                    apply_row(&mut state, table.name(), &k, &v).map_err(|message| {
                        AccessError::Open {
                            path: path.display().to_string(),
                            message,
                        }
                    })?;
                }
            }
        }
        Self::start(Backend::Redb(db), state, &path.display().to_string())
    }

    /// The access rules over `state`, written through to `db`.
    fn start(db: Backend, state: State, path: &str) -> Result<Self, AccessError> {
        let open_err = |e: &dyn std::fmt::Display| AccessError::Open {
            path: path.to_owned(),
            message: e.to_string(),
        };
        let (touches, queued) = std::sync::mpsc::sync_channel(4096);
        let access = Access {
            db: Arc::new(db),
            state: Arc::new(Mutex::new(state)),
            writing: Arc::new(Mutex::new(())),
            quotas: Quotas::default(),
            touches,
            announce: Arc::default(),
            refresher: None,
        };
        // "Last used" writes, off the hub's lock and the async workers. The thread holds
        // the store weakly, so dropping the last handle closes it at once (a reopen in
        // the same process finds it free), and it ends when the sender goes.
        let db = Arc::downgrade(&access.db);
        let state = Arc::downgrade(&access.state);
        let writing = Arc::downgrade(&access.writing);
        let quotas = access.quotas;
        std::thread::Builder::new()
            .name("access-touch".into())
            .spawn(move || {
                while let Ok((device, document, now_ms)) = queued.recv() {
                    let (Some(db), Some(state), Some(writing)) =
                        (db.upgrade(), state.upgrade(), writing.upgrade())
                    else {
                        return;
                    };
                    let writer = Access {
                        db,
                        state,
                        writing,
                        quotas,
                        touches: std::sync::mpsc::sync_channel(0).0,
                        announce: Arc::default(),
                        refresher: None,
                    };
                    writer.touch_now(&device, &document, now_ms);
                }
            })
            .map_err(|e| open_err(&e))?;
        Ok(access)
    }

    /// The same store with other quotas.
    pub fn with_quotas(mut self, quotas: Quotas) -> Self {
        self.quotas = quotas;
        self
    }

    /// One change at a time (held across the disk write, apart from `state`). In cluster
    /// mode the state is first brought up to date, so the change's checks see what other
    /// instances did (the write itself catches anything later).
    fn writing(&self) -> MutexGuard<'_, ()> {
        let guard = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = self.refresh() {
            tracing::warn!(error = %e, "cannot read access changes from PostgreSQL");
        }
        guard
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the maps consistent (every write is
        // stored first, then applied), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write(
        &self,
        table: TableDefinition<&str, &str>,
        key: &str,
        value: &str,
    ) -> Result<(), AccessError> {
        self.write_all(&[(table, key.to_owned(), value.to_owned())])
    }

    /// Writes records in one commit. In cluster mode each must still be as this instance
    /// last read it, or nothing is written: [`AccessError::Conflict`], and the state is
    /// refreshed so a retry sees what the other instance did.
    fn write_all(
        &self,
        rows: &[(TableDefinition<&str, &str>, String, String)],
    ) -> Result<(), AccessError> {
        match &*self.db {
            Backend::Redb(db) => {
                let txn = db.begin_write().map_err(store_err)?;
                for (table, key, value) in rows {
                    let mut t = txn.open_table(*table).map_err(store_err)?;
                    t.insert(key.as_str(), value.as_str()).map_err(store_err)?;
                }
                txn.commit().map_err(store_err)
            }
            Backend::Postgres(pg) => {
                let rows: Vec<postgres::Row> = rows
                    .iter()
                    .map(|(t, k, v)| (t.name().to_owned(), k.clone(), v.clone()))
                    .collect();
                match pg.write_all(&rows) {
                    Ok(()) => Ok(()),
                    Err(postgres::WriteError::Conflict) => {
                        if let Err(e) = self.refresh() {
                            tracing::warn!(error = %e, "cannot read access changes from PostgreSQL");
                        }
                        Err(AccessError::Conflict)
                    }
                    Err(postgres::WriteError::Failed(e)) => Err(AccessError::Store(e)),
                }
            }
        }
    }

    /// A link as stored: what its owner sees, and its secret's hash.
    fn link_record(link: &Link) -> Result<String, AccessError> {
        let mut value = serde_json::to_value(link).map_err(store_err)?;
        value["secret_hash"] = serde_json::Value::String(link.secret_hash.clone());
        Ok(value.to_string())
    }

    fn write_link(&self, link: &Link) -> Result<(), AccessError> {
        self.write(LINKS, &link.id, &Self::link_record(link)?)
    }

    /// Registers a device under the credential it made for itself. Registering the same
    /// credential again is fine; another secret for a known id is refused.
    pub fn register_device(
        &self,
        credential: &str,
        now_ms: i64,
    ) -> Result<(String, bool), AccessError> {
        let (id, secret) = split_secret(credential).ok_or(AccessError::BadCredential)?;
        let secret_hash = hash(secret);
        let _writing = self.writing();
        if let Some(existing) = self.lock().devices.get(id) {
            return if same_hash(&existing.secret_hash, &secret_hash) {
                Ok((id.to_owned(), false))
            } else {
                Err(AccessError::DeviceTaken)
            };
        }
        let rec = DeviceRec {
            secret_hash,
            created_ms: now_ms,
        };
        self.write(
            DEVICES,
            id,
            &serde_json::to_string(&rec).map_err(store_err)?,
        )?;
        self.lock().devices.insert(id.to_owned(), rec);
        // The browser may open its sync socket on another instance next.
        self.announce();
        Ok((id.to_owned(), true))
    }

    /// The device a credential names, if the credential is right. A device registered
    /// on another instance a moment ago is found (cluster mode: [`refresher`]).
    pub async fn authenticate(&self, credential: &str) -> Option<String> {
        let (id, secret) = split_secret(credential)?;
        let secret_hash = hash(secret);
        // A known id with another secret is a wrong credential, not a miss.
        let matches = self
            .look_up(|state| {
                state
                    .devices
                    .get(id)
                    .map(|rec| same_hash(&rec.secret_hash, &secret_hash))
                    .ok_or(())
            })
            .await
            .ok()?;
        matches.then(|| id.to_owned())
    }

    /// Makes `device` the owner of a partnership nobody has claimed. Claiming one's own
    /// partnership again is fine.
    pub fn claim(
        &self,
        device: &str,
        document: &DocumentId,
        now_ms: i64,
    ) -> Result<bool, AccessError> {
        let key = document.to_string();
        let _writing = self.writing();
        let mut grants = {
            let state = self.lock();
            if let Some(rec) = state.docs.get(&key) {
                return if rec.owner == device {
                    Ok(false)
                } else {
                    Err(AccessError::AlreadyOwned)
                };
            }
            let grants = state.grants.get(device).cloned().unwrap_or_default();
            let claimed = grants.iter().filter(|g| g.via == Via::Owner).count();
            if claimed >= self.quotas.claims_per_device {
                return Err(AccessError::TooManyClaims(self.quotas.claims_per_device));
            }
            grants
        };
        let rec = DocRec {
            owner: device.to_owned(),
            created_ms: now_ms,
        };
        grants.push(Grant {
            document: key.clone(),
            role: Role::Owner,
            via: Via::Owner,
        });
        let written = self.write_all(&[
            (
                DOCS,
                key.clone(),
                serde_json::to_string(&rec).map_err(store_err)?,
            ),
            (
                GRANTS,
                device.to_owned(),
                serde_json::to_string(&grants).map_err(store_err)?,
            ),
        ]);
        if let Err(AccessError::Conflict) = written {
            // Claimed on another instance at the same moment: one owner, the other told so.
            let owner = self.lock().docs.get(&key).map(|d| d.owner.clone());
            return match owner {
                Some(owner) if owner == device => Ok(false),
                Some(_) => Err(AccessError::AlreadyOwned),
                None => Err(AccessError::Conflict),
            };
        }
        written?;
        let mut state = self.lock();
        state.docs.insert(key, rec);
        state.grants.insert(device.to_owned(), grants);
        drop(state);
        self.announce();
        Ok(true)
    }

    /// What `device` may do with a partnership now, or why it may not. A claim or grant
    /// made on another instance a moment ago is found (cluster mode: [`refresher`]).
    pub async fn role(
        &self,
        device: &str,
        document: &DocumentId,
        now_ms: i64,
    ) -> Result<Role, NoAccess> {
        let key = document.to_string();
        self.look_up(|state| role_in(state, device, &key, now_ms))
            .await
    }

    /// [`Access::role`] as this instance knows it now, never reading the store: for checks
    /// that must not wait on PostgreSQL (presence from other instances).
    pub fn known_role(
        &self,
        device: &str,
        document: &DocumentId,
        now_ms: i64,
    ) -> Result<Role, NoAccess> {
        role_in(&self.lock(), device, &document.to_string(), now_ms)
    }

    fn require_owner(
        state: &State,
        device: &str,
        document: &str,
        now_ms: i64,
    ) -> Result<(), AccessError> {
        match role_in(state, device, document, now_ms) {
            Ok(Role::Owner) => Ok(()),
            _ => Err(AccessError::NotOwner),
        }
    }

    /// Makes a link (the owner only). The secret is returned once and stored hashed.
    // Each argument is one field of the link a person filled in; a struct for them is
    // a worthwhile follow-up, not done under the #16 deadline.
    #[allow(clippy::too_many_arguments)]
    pub fn create_link(
        &self,
        device: &str,
        document: &DocumentId,
        role: Role,
        label: &str,
        side: Option<Side>,
        expires_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<NewLink, AccessError> {
        let key = document.to_string();
        let label = label.trim();
        if label.chars().count() > 200 {
            return Err(AccessError::Invalid(
                "a label may be at most 200 characters".into(),
            ));
        }
        if expires_ms.is_some_and(|e| e <= now_ms) {
            return Err(AccessError::Invalid(
                "the expiry must be in the future".into(),
            ));
        }
        let _writing = self.writing();
        let made_through = {
            let state = self.lock();
            Self::require_owner(&state, device, &key, now_ms)?;
            let made = state
                .links
                .values()
                .filter(|l| l.created_by.as_deref() == Some(device))
                .count();
            if made >= self.quotas.links_per_device {
                return Err(AccessError::TooManyLinks(self.quotas.links_per_device));
            }
            owner_links(&state, device, &key, now_ms)
        };
        let id = random_hex(8);
        let secret = random_hex(32);
        let link = Link {
            info: LinkInfo {
                id: id.clone(),
                document: key,
                role,
                label: label.to_owned(),
                side,
                created_ms: now_ms,
                expires_ms,
                revoked_ms: None,
                last_used_ms: None,
                created_by: Some(device.to_owned()),
                made_through,
            },
            secret_hash: hash(&secret),
        };
        self.write_link(&link)?;
        self.lock().links.insert(id.clone(), link.clone());
        Ok(NewLink {
            link: link.info,
            secret: format!("{id}.{secret}"),
        })
    }

    /// A partnership's links, newest first (the owner only).
    pub async fn links(
        &self,
        device: &str,
        document: &DocumentId,
        now_ms: i64,
    ) -> Result<Vec<Link>, AccessError> {
        let key = document.to_string();
        self.look_up(|state| {
            Self::require_owner(state, device, &key, now_ms)?;
            let mut links: Vec<Link> = state
                .links
                .values()
                .filter(|l| l.document == key)
                .cloned()
                .collect();
            links.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(a.id.cmp(&b.id)));
            Ok(links)
        })
        .await
    }

    /// Revokes a link (the owner only), and with it every link made through it —
    /// transitively: a link whose maker's ownership came only through revoked links.
    /// Returns the link and the ids of the others revoked with it. Revoking twice is fine.
    pub fn revoke(
        &self,
        device: &str,
        document: &DocumentId,
        link_id: &str,
        now_ms: i64,
    ) -> Result<(Link, Vec<String>), AccessError> {
        let key = document.to_string();
        let _writing = self.writing();
        let mut link = {
            let state = self.lock();
            Self::require_owner(&state, device, &key, now_ms)?;
            state
                .links
                .get(link_id)
                .filter(|l| l.document == key)
                .cloned()
                .ok_or(AccessError::UnknownLink)?
        };
        if link.revoked_ms.is_none() {
            link.revoked_ms = Some(now_ms);
            self.write_link(&link)?;
            self.lock().links.insert(link.id.clone(), link.clone());
            self.announce();
        }
        let mut also = Vec::new();
        loop {
            let state = self.lock();
            let orphaned: Vec<Link> = state
                .links
                .values()
                .filter(|l| l.document == key && l.revoked_ms.is_none())
                .filter(|l| {
                    !l.made_through.is_empty()
                        && l.made_through
                            .iter()
                            .all(|via| state.links.get(via).is_none_or(|v| v.revoked_ms.is_some()))
                })
                .cloned()
                .collect();
            drop(state);
            if orphaned.is_empty() {
                break;
            }
            for mut l in orphaned {
                l.revoked_ms = Some(now_ms);
                self.write_link(&l)?;
                also.push(l.id.clone());
                self.lock().links.insert(l.id.clone(), l);
            }
            self.announce();
        }
        also.sort();
        Ok((link, also))
    }

    /// What a link would grant, without redeeming it (the join page shows this before
    /// the person agrees): the link as its owner sees it, but never which partnership
    /// or anything in it. An unknown secret is refused like a failed redeem.
    pub async fn describe(&self, link_secret: &str) -> Result<Link, AccessError> {
        let (id, secret) = split_secret(link_secret).ok_or(AccessError::UnknownLink)?;
        let secret_hash = hash(secret);
        self.look_up(|state| {
            state
                .links
                .get(id)
                .filter(|l| same_hash(&l.secret_hash, &secret_hash))
                .cloned()
                .ok_or(AccessError::UnknownLink)
        })
        .await
    }

    /// Gives `device` the access a link grants.
    pub fn redeem(
        &self,
        device: &str,
        link_secret: &str,
        now_ms: i64,
    ) -> Result<Redeemed, AccessError> {
        let (id, secret) = split_secret(link_secret).ok_or(AccessError::UnknownLink)?;
        let secret_hash = hash(secret);
        let _writing = self.writing();
        let (mut link, mut grants) = {
            let state = self.lock();
            let link = state
                .links
                .get(id)
                .filter(|l| same_hash(&l.secret_hash, &secret_hash))
                .cloned()
                .ok_or(AccessError::UnknownLink)?;
            chain_state(&state, &link, now_ms, 0).map_err(|why| match why {
                NoAccess::Revoked => AccessError::Revoked,
                NoAccess::Expired => AccessError::Expired,
                NoAccess::None => AccessError::UnknownLink,
            })?;
            let grants = state.grants.get(device).cloned().unwrap_or_default();
            (link, grants)
        };
        let via = Via::Link(link.id.clone());
        let granted = !grants.iter().any(|g| g.via == via);
        if granted {
            grants.push(Grant {
                document: link.document.clone(),
                role: link.role,
                via,
            });
        }
        link.last_used_ms = Some(now_ms);
        let mut rows = vec![(LINKS, link.id.clone(), Self::link_record(&link)?)];
        if granted {
            rows.push((
                GRANTS,
                device.to_owned(),
                serde_json::to_string(&grants).map_err(store_err)?,
            ));
        }
        self.write_all(&rows)?;
        let mut state = self.lock();
        if granted {
            state.grants.insert(device.to_owned(), grants);
        }
        state.links.insert(link.id.clone(), link.clone());
        drop(state);
        if granted {
            self.announce();
        }
        Ok(Redeemed {
            document: link.document.parse().map_err(|e| {
                AccessError::Store(format!("link {} names no partnership: {e}", link.id))
            })?,
            role: link.role,
            label: link.info.label,
        })
    }

    /// Notes that a device used its links to a partnership (for "last used"). Returns at
    /// once: the write happens on a background thread (and is skipped if a burst of
    /// thousands is already waiting — "last used" is a hint, not a record).
    pub fn touch(&self, device: &str, document: &DocumentId, now_ms: i64) {
        let _ = self
            .touches
            .try_send((device.to_owned(), *document, now_ms));
    }

    fn touch_now(&self, device: &str, document: &DocumentId, now_ms: i64) {
        let key = document.to_string();
        let _writing = self.writing();
        let via: Vec<String> = self
            .lock()
            .grants
            .get(device)
            .into_iter()
            .flatten()
            .filter(|g| g.document == key)
            .filter_map(|g| match &g.via {
                Via::Link(id) => Some(id.clone()),
                Via::Owner => None,
            })
            .collect();
        for id in via {
            let Some(mut link) = self.lock().links.get(&id).cloned() else {
                continue;
            };
            // At most one write a minute per link.
            if link.last_used_ms.is_some_and(|t| now_ms - t < 60_000) {
                continue;
            }
            link.last_used_ms = Some(now_ms);
            if let Err(e) = self.write_link(&link) {
                tracing::warn!(link = %link.id, error = %e, "cannot note when a link was last used");
                continue;
            }
            self.lock().links.insert(id, link);
        }
    }
}

/// A link's own state and, for one made through other links, whether any of those still
/// holds: a link minted by a recovery key's holder ends when the key expires, too.
fn chain_state(state: &State, link: &Link, now_ms: i64, depth: u8) -> Result<(), NoAccess> {
    link.state(now_ms)?;
    if link.made_through.is_empty() {
        return Ok(());
    }
    let mut why = NoAccess::Revoked;
    if depth < 32 {
        for via in &link.made_through {
            if let Some(parent) = state.links.get(via) {
                match chain_state(state, parent, now_ms, depth + 1) {
                    Ok(()) => return Ok(()),
                    Err(w) => why = w,
                }
            }
        }
    }
    Err(why)
}

/// The valid links through which `device` owns `document`; empty if it owns it by claim
/// (or not at all).
fn owner_links(state: &State, device: &str, document: &str, now_ms: i64) -> Vec<String> {
    let grants: Vec<&Grant> = state
        .grants
        .get(device)
        .into_iter()
        .flatten()
        .filter(|g| g.document == document && g.role == Role::Owner)
        .collect();
    if grants.iter().any(|g| g.via == Via::Owner) {
        return Vec::new();
    }
    grants
        .iter()
        .filter_map(|g| match &g.via {
            Via::Link(id) => state
                .links
                .get(id)
                .filter(|l| chain_state(state, l, now_ms, 0).is_ok())
                .map(|l| l.id.clone()),
            Via::Owner => None,
        })
        .collect()
}

/// Whether a grant still gives access: one given by claiming always does; one through a
/// link while the link holds and, for a link made through others, while one of those
/// does ([`chain_state`]). The one rule of the per-message check ([`role_in`]) and the
/// twice-a-second sweep ([`Access::roles_of`]), so a session is ended by whatever would
/// refuse its next message — the expiry of a recovery key its link was made through, too.
fn grant_holds(state: &State, grant: &Grant, now_ms: i64) -> Result<(), NoAccess> {
    match &grant.via {
        Via::Owner => Ok(()),
        Via::Link(id) => state
            .links
            .get(id)
            .map_or(Err(NoAccess::Revoked), |l| chain_state(state, l, now_ms, 0)),
    }
}

fn role_in(state: &State, device: &str, document: &str, now_ms: i64) -> Result<Role, NoAccess> {
    let mut best: Option<Role> = None;
    let mut why = NoAccess::None;
    for grant in state.grants.get(device).into_iter().flatten() {
        if grant.document != document {
            continue;
        }
        match grant_holds(state, grant, now_ms) {
            Ok(()) => best = best.max(Some(grant.role)),
            Err(w) => {
                // "Revoked" wins over "expired" when both apply: it was a decision.
                if why != NoAccess::Revoked {
                    why = w;
                }
            }
        }
    }
    best.ok_or(why)
}

// --- For the hub's expiry sweep (issue 15, protocol and hub half) ---

impl Access {
    /// Every partnership `device` may use at `now_ms`, with its best role: one pass over
    /// its grants, so a sweep over a device's connections costs its grants once rather
    /// than once per document per connection.
    pub fn roles_of(&self, device: &str, now_ms: i64) -> HashMap<DocumentId, Role> {
        let state = self.lock();
        let mut roles: HashMap<DocumentId, Role> = HashMap::new();
        for grant in state.grants.get(device).into_iter().flatten() {
            // The rule of the per-message check: a session is ended by what would
            // refuse its next message.
            let valid = grant_holds(&state, grant, now_ms).is_ok();
            let Ok(document) = grant.document.parse::<DocumentId>() else {
                continue;
            };
            if valid {
                let best = roles.entry(document).or_insert(grant.role);
                *best = (*best).max(grant.role);
            }
        }
        roles
    }
}

// --- Calendar feeds (issue 22) ---

/// The language a feed's titles are in, from its code (`en`, `ru`).
pub fn feed_lang(code: &str) -> Option<tandem_domain::locale::Lang> {
    tandem_domain::locale::Lang::ALL
        .into_iter()
        .find(|l| l.code() == code)
}

/// Whether a feed still serves: not revoked, and if its maker owned the partnership only
/// through recovery keys, one of them still holds (as for a link made through them).
fn feed_status(state: &State, feed: &FeedRec, now_ms: i64) -> LinkStatus {
    if feed.revoked_ms.is_some() {
        return LinkStatus::Revoked;
    }
    if feed.made_through.is_empty() {
        return LinkStatus::Active;
    }
    let mut why = NoAccess::Revoked;
    for via in &feed.made_through {
        if let Some(link) = state.links.get(via) {
            match chain_state(state, link, now_ms, 0) {
                Ok(()) => return LinkStatus::Active,
                Err(w) => why = w,
            }
        }
    }
    match why {
        NoAccess::Expired => LinkStatus::Expired,
        NoAccess::Revoked | NoAccess::None => LinkStatus::Revoked,
    }
}

fn feed_info(feed: &FeedRec, status: LinkStatus) -> FeedInfo {
    FeedInfo {
        id: feed.id.clone(),
        document: feed.document.clone(),
        label: feed.label.clone(),
        lang: feed.lang.clone(),
        created_ms: feed.created_ms,
        revoked_ms: feed.revoked_ms,
        status,
    }
}

impl Access {
    fn write_feed(&self, feed: &FeedRec) -> Result<(), AccessError> {
        let json = serde_json::to_string(feed).map_err(store_err)?;
        self.write(FEEDS, &feed.id, &json)
    }

    /// Makes a calendar feed of a partnership (the owner only), its titles in `lang`. The
    /// secret is returned once and stored hashed.
    pub fn create_feed(
        &self,
        device: &str,
        document: &DocumentId,
        label: &str,
        lang: &str,
        now_ms: i64,
    ) -> Result<NewFeed, AccessError> {
        let key = document.to_string();
        let label = label.trim();
        if label.chars().count() > 200 {
            return Err(AccessError::Invalid(
                "a label may be at most 200 characters".into(),
            ));
        }
        let lang = feed_lang(lang).ok_or_else(|| {
            AccessError::Invalid("a calendar feed's language is \"en\" or \"ru\"".into())
        })?;
        let _writing = self.writing();
        let made_through = {
            let state = self.lock();
            Self::require_owner(&state, device, &key, now_ms)?;
            let made = state
                .feeds
                .values()
                .filter(|f| f.created_by == device)
                .count();
            if made >= self.quotas.feeds_per_device {
                return Err(AccessError::TooManyFeeds(self.quotas.feeds_per_device));
            }
            owner_links(&state, device, &key, now_ms)
        };
        let id = random_hex(8);
        let secret = random_hex(32);
        let feed = FeedRec {
            id: id.clone(),
            document: key,
            label: label.to_owned(),
            lang: lang.code().to_owned(),
            created_ms: now_ms,
            revoked_ms: None,
            created_by: device.to_owned(),
            made_through,
            secret_hash: hash(&secret),
        };
        self.write_feed(&feed)?;
        let info = feed_info(&feed, LinkStatus::Active);
        self.lock().feeds.insert(id.clone(), feed);
        Ok(NewFeed {
            feed: info,
            secret: format!("{id}.{secret}"),
        })
    }

    /// A partnership's calendar feeds, newest first (the owner only).
    pub async fn feeds(
        &self,
        device: &str,
        document: &DocumentId,
        now_ms: i64,
    ) -> Result<Vec<FeedInfo>, AccessError> {
        let key = document.to_string();
        self.look_up(|state| {
            Self::require_owner(state, device, &key, now_ms)?;
            let mut feeds: Vec<FeedInfo> = state
                .feeds
                .values()
                .filter(|f| f.document == key)
                .map(|f| feed_info(f, feed_status(state, f, now_ms)))
                .collect();
            feeds.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(a.id.cmp(&b.id)));
            Ok(feeds)
        })
        .await
    }

    /// Revokes a calendar feed (the owner only): it answers 404 from now on. Revoking
    /// twice is fine.
    pub fn revoke_feed(
        &self,
        device: &str,
        document: &DocumentId,
        feed_id: &str,
        now_ms: i64,
    ) -> Result<FeedInfo, AccessError> {
        let key = document.to_string();
        let _writing = self.writing();
        let mut feed = {
            let state = self.lock();
            Self::require_owner(&state, device, &key, now_ms)?;
            state
                .feeds
                .get(feed_id)
                .filter(|f| f.document == key)
                .cloned()
                .ok_or(AccessError::UnknownFeed)?
        };
        if feed.revoked_ms.is_none() {
            feed.revoked_ms = Some(now_ms);
            self.write_feed(&feed)?;
            self.lock().feeds.insert(feed.id.clone(), feed.clone());
            self.announce();
        }
        Ok(feed_info(&feed, LinkStatus::Revoked))
    }

    /// What a feed's secret opens. [`AccessError::UnknownFeed`] for a secret that is not
    /// one (a guess: malformed, an unknown id, a wrong secret — compared in constant
    /// time), [`AccessError::Revoked`] or [`AccessError::Expired`] for a real feed that no
    /// longer serves.
    pub async fn open_feed(
        &self,
        feed_secret: &str,
        now_ms: i64,
    ) -> Result<FeedTarget, AccessError> {
        let (id, secret) = split_secret(feed_secret).ok_or(AccessError::UnknownFeed)?;
        let secret_hash = hash(secret);
        self.look_up(|state| Self::feed_target(state, id, &secret_hash, now_ms))
            .await
    }

    fn feed_target(
        state: &State,
        id: &str,
        secret_hash: &str,
        now_ms: i64,
    ) -> Result<FeedTarget, AccessError> {
        let feed = state
            .feeds
            .get(id)
            .filter(|f| same_hash(&f.secret_hash, secret_hash))
            .ok_or(AccessError::UnknownFeed)?;
        match feed_status(state, feed, now_ms) {
            LinkStatus::Active => {}
            LinkStatus::Revoked => return Err(AccessError::Revoked),
            LinkStatus::Expired => return Err(AccessError::Expired),
        }
        let document = feed.document.parse().map_err(|e| {
            AccessError::Store(format!("feed {} names no partnership: {e}", feed.id))
        })?;
        let lang = feed_lang(&feed.lang)
            .ok_or_else(|| AccessError::Store(format!("feed {} has no language", feed.id)))?;
        Ok(FeedTarget {
            id: feed.id.clone(),
            document,
            lang,
        })
    }
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(n: u8) -> String {
        format!("{:016x}.{}", u64::from(n) + 0xabc0, "ab".repeat(32))
    }

    #[tokio::test]
    async fn owner_links_roles_revocation_and_expiry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let access = Access::open(dir.path()).expect("opens");
        let doc: DocumentId = DocumentId::from_bytes([7; 16]);
        let (owner, created) = access.register_device(&device(1), 0).expect("registers");
        assert!(created);
        let (guest, _) = access.register_device(&device(2), 0).expect("registers");
        assert!(matches!(
            access.register_device(&format!("{owner}.{}", "cd".repeat(32)), 0),
            Err(AccessError::DeviceTaken)
        ));
        assert_eq!(access.authenticate(&device(1)).await, Some(owner.clone()));
        assert_eq!(
            access
                .authenticate(&format!("{owner}.{}", "cd".repeat(32)))
                .await,
            None
        );

        assert!(access.claim(&owner, &doc, 1).expect("claims"));
        assert!(!access.claim(&owner, &doc, 1).expect("claims again"));
        assert!(matches!(
            access.claim(&guest, &doc, 1),
            Err(AccessError::AlreadyOwned)
        ));
        assert_eq!(access.role(&guest, &doc, 1).await, Err(NoAccess::None));
        assert!(matches!(
            access.create_link(&guest, &doc, Role::Editor, "", None, None, 1),
            Err(AccessError::NotOwner)
        ));

        let editor = access
            .create_link(
                &owner,
                &doc,
                Role::Editor,
                "Anna, Studio",
                Some(Side::Creator),
                Some(100),
                1,
            )
            .expect("link");
        let viewer = access
            .create_link(&owner, &doc, Role::Viewer, "", None, None, 2)
            .expect("link");
        assert!(matches!(
            access.redeem(
                &guest,
                &format!("{}.{}", editor.link.id, "00".repeat(32)),
                3
            ),
            Err(AccessError::UnknownLink)
        ));
        access.redeem(&guest, &viewer.secret, 3).expect("redeems");
        assert_eq!(access.role(&guest, &doc, 3).await, Ok(Role::Viewer));
        access.redeem(&guest, &editor.secret, 4).expect("redeems");
        assert_eq!(access.role(&guest, &doc, 4).await, Ok(Role::Editor));
        // The editor link expires at 100: the viewer link still holds.
        assert_eq!(access.role(&guest, &doc, 100).await, Ok(Role::Viewer));
        let (_, also) = access
            .revoke(&owner, &doc, &viewer.link.id, 50)
            .expect("revokes");
        assert!(also.is_empty(), "the owner's own links stand alone");
        assert_eq!(access.role(&guest, &doc, 60).await, Ok(Role::Editor));
        assert_eq!(access.role(&guest, &doc, 100).await, Err(NoAccess::Revoked));
        assert!(matches!(
            access.redeem(&guest, &viewer.secret, 60),
            Err(AccessError::Revoked)
        ));
        assert!(matches!(
            access.redeem(&guest, &editor.secret, 200),
            Err(AccessError::Expired)
        ));
        let links = access.links(&owner, &doc, 60).await.expect("lists");
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].id, viewer.link.id, "newest first");

        // Everything survives a restart.
        drop(access);
        let access = Access::open(dir.path()).expect("reopens");
        assert_eq!(access.role(&owner, &doc, 1000).await, Ok(Role::Owner));
        assert_eq!(access.role(&guest, &doc, 60).await, Ok(Role::Editor));
        assert!(matches!(
            access.redeem(&guest, &viewer.secret, 60),
            Err(AccessError::Revoked)
        ));
        assert_eq!(access.authenticate(&device(2)).await, Some(guest));
    }

    #[tokio::test]
    async fn a_grant_through_a_link_made_with_a_recovery_key_ends_with_the_key_in_both_checks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let access = Access::open(dir.path()).expect("opens");
        let doc: DocumentId = DocumentId::from_bytes([8; 16]);
        let (owner, _) = access.register_device(&device(1), 0).expect("registers");
        let (holder, _) = access.register_device(&device(2), 0).expect("registers");
        let (guest, _) = access.register_device(&device(3), 0).expect("registers");
        access.claim(&owner, &doc, 1).expect("claims");
        let key = access
            .create_link(&owner, &doc, Role::Owner, "key", None, Some(100), 1)
            .expect("a recovery key");
        access.redeem(&holder, &key.secret, 2).expect("redeems");
        let viewer = access
            .create_link(&holder, &doc, Role::Viewer, "", None, None, 3)
            .expect("a link made through the key");
        assert_eq!(viewer.link.made_through, std::slice::from_ref(&key.link.id));
        access.redeem(&guest, &viewer.secret, 4).expect("redeems");

        assert_eq!(access.role(&guest, &doc, 50).await, Ok(Role::Viewer));
        assert_eq!(access.roles_of(&guest, 50).get(&doc), Some(&Role::Viewer));
        // The key expires at 100: the per-message check and the sweep agree.
        assert_eq!(access.role(&guest, &doc, 100).await, Err(NoAccess::Expired));
        assert_eq!(access.roles_of(&guest, 100).get(&doc), None);
        assert_eq!(access.roles_of(&holder, 100).get(&doc), None);
        assert_eq!(access.roles_of(&owner, 100).get(&doc), Some(&Role::Owner));
    }

    #[test]
    fn credentials_must_have_the_right_shape() {
        assert!(split_secret("0123456789abcdef.").is_none());
        assert!(split_secret(&format!("0123456789abcde.{}", "a".repeat(64))).is_none());
        assert!(split_secret(&format!("0123456789abcdef.{}", "g".repeat(64))).is_none());
        assert!(split_secret(&format!("0123456789abcdef.{}", "a".repeat(64))).is_some());
        let peer = |s: &str| s.parse::<PeerId>().expect("peer id");
        assert!(peer_belongs_to(
            &peer("0123456789abcdef"),
            "0123456789abcdef"
        ));
        assert!(peer_belongs_to(
            &peer("0123456789abcdef-tab1"),
            "0123456789abcdef"
        ));
        assert!(!peer_belongs_to(
            &peer("0123456789abcdefx"),
            "0123456789abcdef"
        ));
        assert!(!peer_belongs_to(&peer("other"), "0123456789abcdef"));
    }
}
