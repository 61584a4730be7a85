//! The relay's sync peer: the connections, one protocol session and one copy in memory
//! per document, and the bridge to the on-disk store.
//!
//! **One partnership cannot slow another.** Each document in use has its own slot — its
//! Automerge copy and a protocol session holding every connection's sync state for it —
//! behind its own lock. The Automerge work a message causes (applying changes, answering,
//! a full resend, loading from disk, saving) happens under that lock only, on a thread
//! that may block ([`tokio::task::block_in_place`]), so a heavy or hostile message about
//! one partnership delays that partnership's messages and nobody else's. The handshake
//! has its own session; the connections, the write queue and the map of slots are behind
//! short locks that are never held across Automerge work. Locks are always taken in the
//! order slot → queue → connections, so none can deadlock.
//!
//! **Durable before acknowledged.** When a sync message brings changes, the changes are
//! committed to disk *before* anything that acknowledges them (the reply to the sender,
//! the forward to other peers) goes out: a change anyone has seen acknowledged survives a
//! crash. If the commit fails, the acknowledgements are dropped, the sender is told and
//! disconnected, and the document is reloaded from disk.
//!
//! The commit happens outside every lock, in groups: while one commit (one fsync) is under
//! way, messages keep being handled in memory and their writes and outgoing frames queue
//! up, in order, behind it; the committer then makes the whole queue durable with one
//! fsync and sends the frames. So a slow disk delays acknowledgements by one fsync, not
//! one fsync per edit of every peer, and frames still leave in the order they were made.
//!
//! **Several instances** (`--store postgres://…`). Each instance keeps its own copies and
//! sessions; they share only the store. A change is acknowledged once *its* instance's
//! commit returned, exactly as above. Another instance learns of it from the store: a
//! sweep ([`Hub::sweep`], every `--sweep-ms`) asks for the latest increment number of
//! every document in memory, loads the stored increments it has not seen (numbers are
//! gapless per document, so "not seen" is exact) and sends them to its peers through their
//! sessions. So nothing reaches a peer that is not durable, and a peer reconnecting to any
//! instance continues from the heads it names. If the store fails, commits fail (the
//! writers are told and disconnected) and documents that cannot be read are refused, not
//! answered as absent.
//!
//! With `--bus nats://…` an instance also publishes, after each COMMIT, a hint per document
//! it stored increments of ([`crate::bus`]); another instance holding the document catches
//! up on it at once ([`Hub::hinted`]) — from the hint's bytes if they follow exactly what
//! it has, else from the store — instead of at the next sweep. Hints may be lost (NATS
//! down, queues full): the sweep still runs and catches up, so the bus only ever makes
//! delivery faster.
//!
//! Presence crosses instances on the bus too: an `ephemeral` message the session accepted
//! from a peer here is published as well as passed to the peers here, and presence
//! another instance published is passed to the peers here that sync the document and may
//! read it ([`Hub::presence_from_bus`]). It is never stored and never waits for a commit
//! of its own; a lost one is replaced by the next.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex as StdMutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use automerge::{AutoCommit, ChangeHash, LoadOptions, OnPartialLoad};
use tandem_sync::document_id::DocumentId;
use tandem_sync::{
    message::{Message, PeerMetadata},
    peer_id::PeerId,
    session::{ConnId, Documents, Effect, Handshake, Session, panic_message, refuse as refusal},
    sync_payload,
};
use tokio::sync::{Mutex, Notify, mpsc, oneshot};

use crate::{
    access::{Access, Role as AccessRole, peer_belongs_to},
    api::now_ms,
    budget::{Budget, DEVICE_RESETS_PER_MINUTE, DeviceResets, RESETS_PER_MINUTE},
    doc_store::{Contains, DocStore},
    send_queue,
};

/// What a connection's writer task sends.
#[derive(Debug)]
pub enum Outbound {
    Frame(Vec<u8>),
    /// Presence (an ephemeral message): dropped first when the peer falls behind.
    Presence(Vec<u8>),
    Close(String),
}

impl Outbound {
    /// The frame a message goes out as.
    pub fn frame(message: &Message) -> Self {
        match message {
            Message::Ephemeral { .. } => Outbound::Presence(message.encode()),
            _ => Outbound::Frame(message.encode()),
        }
    }

    /// Bytes it holds while queued.
    pub fn len(&self) -> usize {
        match self {
            Outbound::Frame(b) | Outbound::Presence(b) => b.len(),
            Outbound::Close(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_presence(&self) -> bool {
        matches!(self, Outbound::Presence(_))
    }
}

/// How many frames may wait for a slow reader before it is disconnected (`--send-queue`;
/// the bytes are bounded too, `--send-queue-bytes`).
pub const DEFAULT_SEND_QUEUE: usize = 1024;

/// What a connection's writer reads: its frames in order, and — apart from them, so it
/// overtakes a full queue — the order to give up on a peer that stopped reading.
#[derive(Debug)]
pub struct Outlet {
    pub frames: send_queue::Receiver,
    /// Fires with the reason when the peer fell too far behind: the writer drops what is
    /// queued, sends a close frame with the reason if the socket takes it, and ends.
    pub abandon: oneshot::Receiver<String>,
}

/// What the committer and a document's slot both see of the document's writes.
#[derive(Debug, Default)]
struct WriteState {
    /// Writes queued or being committed: the copy in memory stays until they land.
    unwritten: AtomicUsize,
    /// A commit of its changes failed: the copy in memory holds changes the store does
    /// not, so it is dropped and reloaded before its next use.
    failed: AtomicBool,
    /// Numbers the store gave this instance's own increments (a shared store numbers
    /// them among other instances'): the sweep need not read these back.
    own_seqs: StdMutex<Vec<u64>>,
}

struct Loaded {
    doc: AutoCommit,
    /// The heads written (or queued to be written) to the store.
    saved_heads: Vec<ChangeHash>,
    snapshot_len: usize,
    increments_len: usize,
    /// The number the next increment is proposed under (the embedded store keeps it;
    /// PostgreSQL numbers increments itself).
    next_seq: u64,
    /// Every stored increment numbered below this is in `doc`: the sweep loads those
    /// from here on that another relay instance stored.
    caught_up: u64,
    last_used: Instant,
}

/// One document's copy in memory (loaded on first use) and how it reaches the store.
struct DocCell {
    id: DocumentId,
    store: Arc<DocStore>,
    loaded: Option<Loaded>,
    /// The stored bytes do not load: never served, never overwritten.
    unreadable: bool,
    /// Reload from disk once the queued writes have landed (a panic may have left the
    /// copy in memory half-updated).
    discard_when_written: bool,
    /// The last load failed because the store did (not because the document is absent):
    /// the document must not be created afresh over what the store may hold.
    store_failed: bool,
    writes: Arc<WriteState>,
}

impl DocCell {
    fn new(id: DocumentId, store: Arc<DocStore>) -> Self {
        DocCell {
            id,
            store,
            loaded: None,
            unreadable: false,
            discard_when_written: false,
            store_failed: false,
            writes: Arc::new(WriteState::default()),
        }
    }

    /// Drops a copy the store no longer backs (a failed commit), or one marked to be
    /// reloaded once its writes have landed.
    fn refresh(&mut self) {
        if self.writes.failed.swap(false, Ordering::SeqCst) {
            self.loaded = None;
            self.writes.unwritten.store(0, Ordering::SeqCst);
            self.discard_when_written = false;
        }
        if self.discard_when_written && self.writes.unwritten.load(Ordering::SeqCst) == 0 {
            self.loaded = None;
            self.discard_when_written = false;
        }
    }

    fn ensure_loaded(&mut self) -> bool {
        self.refresh();
        if self.loaded.is_some() {
            return true;
        }
        if self.unreadable {
            return false;
        }
        let id = self.id;
        self.store_failed = false;
        match self.store.load(&id.to_string()) {
            Ok(None) => false,
            Ok(Some(stored)) => {
                let options = LoadOptions::new().on_partial_load(OnPartialLoad::Error);
                match AutoCommit::load_with_options(&stored.bytes, options) {
                    Ok(mut doc) => {
                        let saved_heads = doc.get_heads();
                        self.loaded = Some(Loaded {
                            doc,
                            saved_heads,
                            snapshot_len: stored.snapshot_len,
                            increments_len: stored.increments_len,
                            next_seq: stored.next_seq,
                            caught_up: stored.next_seq,
                            last_used: Instant::now(),
                        });
                        true
                    }
                    Err(e) => {
                        tracing::error!(document = %id, error = %e, "stored document does not load; refusing to serve or overwrite it");
                        self.unreadable = true;
                        false
                    }
                }
            }
            Err(e) => {
                tracing::error!(document = %id, error = %e, "cannot read the document store");
                self.store_failed = true;
                false
            }
        }
    }

    /// The writes for whatever changed since the last ones: an increment, and a snapshot
    /// when increments outweigh the one stored.
    fn writes(&mut self, origin: ConnId, device: &str) -> Vec<Pending> {
        let Some(loaded) = self.loaded.as_mut() else {
            return Vec::new();
        };
        let heads = loaded.doc.get_heads();
        if heads == loaded.saved_heads {
            return Vec::new();
        }
        let bytes = loaded.doc.save_after(&loaded.saved_heads);
        let seq = loaded.next_seq;
        loaded.next_seq += 1;
        loaded.increments_len += bytes.len();
        loaded.saved_heads = heads;
        self.writes.unwritten.fetch_add(1, Ordering::SeqCst);
        let mut writes = vec![Pending::Append {
            document: self.id,
            seq,
            bytes,
            origin,
            device: device.to_owned(),
            writes: self.writes.clone(),
        }];
        if loaded.increments_len > loaded.snapshot_len {
            let snapshot = loaded.doc.save();
            loaded.snapshot_len = snapshot.len();
            loaded.increments_len = 0;
            self.writes.unwritten.fetch_add(1, Ordering::SeqCst);
            writes.push(Pending::Compact {
                document: self.id,
                snapshot,
                through_seq: seq,
                heads: loaded.saved_heads.clone(),
                caught_up: loaded.caught_up,
                writes: self.writes.clone(),
            });
        }
        writes
    }

    /// Drops the copy in memory (it may be half-updated by a panic), so the next use
    /// loads the stored one; once its queued writes have landed if it has any.
    fn discard(&mut self) {
        if self.writes.unwritten.load(Ordering::SeqCst) > 0 {
            self.discard_when_written = true;
        } else {
            self.loaded = None;
        }
    }

    /// Whether the relay holds anything of the document (loading it if need be).
    fn has_content(&mut self) -> bool {
        self.ensure_loaded()
            && self
                .loaded
                .as_mut()
                .is_some_and(|l| !l.doc.get_heads().is_empty())
    }

    /// Whether work on it may take long: not loaded yet (a load from disk) or large.
    fn is_heavy(&self) -> bool {
        self.loaded
            .as_ref()
            .is_none_or(|l| l.snapshot_len + l.increments_len > LARGE_DOCUMENT_BYTES)
    }

    /// Whether the copy in memory may be dropped (everything in it is stored).
    fn evictable(&mut self, idle: Duration, now: Instant) -> bool {
        let unwritten = self.writes.unwritten.load(Ordering::SeqCst);
        match &mut self.loaded {
            None => false,
            Some(loaded) => {
                now.duration_since(loaded.last_used) >= idle
                    && unwritten == 0
                    && loaded.doc.get_heads() == loaded.saved_heads
            }
        }
    }
}

impl Documents for DocCell {
    fn with_doc<R>(&mut self, id: &DocumentId, f: impl FnOnce(&mut AutoCommit) -> R) -> Option<R> {
        if *id != self.id || !self.ensure_loaded() {
            return None;
        }
        injected_panic(id);
        let loaded = self.loaded.as_mut()?;
        loaded.last_used = Instant::now();
        Some(f(&mut loaded.doc))
    }

    fn create(&mut self, id: &DocumentId) -> bool {
        self.refresh();
        if *id != self.id || self.unreadable || self.store_failed {
            return false;
        }
        if self.loaded.is_none() {
            self.loaded = Some(Loaded {
                doc: AutoCommit::new(),
                saved_heads: Vec::new(),
                snapshot_len: 0,
                increments_len: 0,
                next_seq: 0,
                caught_up: 0,
                last_used: Instant::now(),
            });
        }
        true
    }
}

/// One document in use: its copy and the protocol session of everyone syncing it.
struct Slot {
    session: Session,
    cell: DocCell,
}

/// What waits for the committer, in the order it was made.
enum Pending {
    /// An increment to make durable; `origin` sent the changes.
    Append {
        document: DocumentId,
        seq: u64,
        bytes: Vec<u8>,
        origin: ConnId,
        /// The device whose changes these are (charged for the bytes).
        device: String,
        writes: Arc<WriteState>,
    },
    /// A snapshot replacing the increments through `through_seq` (after they are durable).
    Compact {
        document: DocumentId,
        snapshot: Vec<u8>,
        through_seq: u64,
        /// The snapshot's heads.
        heads: Vec<ChangeHash>,
        /// Every increment numbered below this was in the copy the snapshot was made of.
        caught_up: u64,
        writes: Arc<WriteState>,
    },
    Send {
        conn: ConnId,
        message: Message,
    },
    Close {
        conn: ConnId,
        reason: String,
    },
}

/// Writes and the frames and closes behind them, waiting for the committer.
#[derive(Default)]
struct Queue {
    pending: Vec<Pending>,
    /// A commit is under way: what is made now must wait behind it.
    committing: bool,
}

impl Queue {
    /// Whether frames and closes must wait behind queued or committing writes.
    fn behind_writes(&self) -> bool {
        self.committing || !self.pending.is_empty()
    }
}

struct Conn {
    tx: send_queue::Sender,
    abandon: Option<oneshot::Sender<String>>,
    /// Closed (or given up on): nothing more is sent or handled for it; it is forgotten
    /// when its socket task ends.
    open: bool,
    /// Who connected, for the logs.
    addr: String,
    /// The device whose credential opened the connection.
    device: String,
    /// The peer at the other end, once its join was accepted.
    peer: Option<PeerId>,
    /// The documents this connection syncs (each has a slot whose session knows it).
    docs: HashSet<DocumentId>,
    /// What this connection may still make the hub do.
    budget: Budget,
    /// The relay sent it an error (refused a message, or the connection).
    refused: bool,
}

#[derive(Default)]
struct Conns {
    map: HashMap<ConnId, Conn>,
    next: u64,
}

/// What the access rules say about one incoming message.
enum Gate {
    /// Hand it to the protocol session.
    Pass,
    /// Answer `doc-unavailable` — the same answer as for a document that does not exist.
    Unavailable(DocumentId),
    /// Ignore it (presence for a document the peer may not see).
    Drop,
    /// Refuse it and close the connection.
    Refuse(String),
}

/// Everything the hub shares between connections.
struct Core {
    relay_id: PeerId,
    metadata: PeerMetadata,
    store: Arc<DocStore>,
    /// The join handshake, and messages about no document.
    handshake: StdMutex<Session>,
    /// The documents in use, each behind its own lock. Clones of a slot are only taken
    /// under this lock, so a slot nobody else holds may be dropped under it.
    slots: StdMutex<HashMap<DocumentId, Arc<Mutex<Slot>>>>,
    queue: StdMutex<Queue>,
    conns: StdMutex<Conns>,
    /// Resets per device and document, over all of a device's connections.
    device_resets: StdMutex<DeviceResets>,
    /// Bytes each device's changes have had stored, read from the store on first need and
    /// kept up to date by the committer.
    stored_by: StdMutex<HashMap<String, u64>>,
    send_queue: send_queue::Bound,
    /// With `--bus`: where hints about committed increments go, for other instances.
    bus: std::sync::OnceLock<crate::bus::Publisher>,
}

/// A poisoned lock only means a panic elsewhere was caught; the data is still whole
/// (every critical section here leaves it consistent before anything can panic).
fn lock<T>(m: &StdMutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs work that may be CPU-heavy where it cannot stall the runtime's other tasks: on a
/// multi-threaded runtime the worker hands its queue to another thread first. Only when
/// `likely` — handing off costs a thread switch, and most messages are a keystroke.
fn heavy<R>(likely: bool, work: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) if likely => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// Documents whose stored snapshot is larger than this are saved and answered in full
/// off the runtime's workers.
const LARGE_DOCUMENT_BYTES: usize = 256 * 1024;

/// Whether a message asks for everything (empty heads, or Automerge's `SYNC_RESET`).
fn is_reset(message: &Message) -> bool {
    match message {
        Message::Sync { data, .. } | Message::Request { data, .. } => {
            sync_payload::check(data).is_ok_and(|s| s.is_reset())
        }
        _ => false,
    }
}

/// Whether handling a message may take long: a big payload, or a reset (answered with
/// the whole document).
fn may_be_heavy(message: &Message) -> bool {
    match message {
        Message::Sync { data, .. } | Message::Request { data, .. } => {
            data.len() > 16 * 1024 || is_reset(message)
        }
        _ => false,
    }
}

/// The relay's sync peer, shared by every connection.
#[derive(Clone)]
pub struct Hub {
    core: Arc<Core>,
    /// Wakes the committer when writes are queued.
    wake: Arc<Notify>,
    access: Access,
    max_docs_per_connection: usize,
    max_stored_bytes_per_device: u64,
}

impl Hub {
    pub fn new(
        store: DocStore,
        relay_id: PeerId,
        access: Access,
        max_docs_per_connection: usize,
        send_queue: send_queue::Bound,
    ) -> Self {
        let metadata = PeerMetadata {
            storage_id: None,
            is_ephemeral: false,
        };
        let hub = Hub {
            core: Arc::new(Core {
                handshake: StdMutex::new(Session::new(relay_id.clone(), metadata.clone())),
                relay_id,
                metadata,
                store: Arc::new(store),
                slots: StdMutex::new(HashMap::new()),
                queue: StdMutex::new(Queue::default()),
                conns: StdMutex::new(Conns::default()),
                device_resets: StdMutex::new(DeviceResets::default()),
                stored_by: StdMutex::new(HashMap::new()),
                send_queue,
                bus: std::sync::OnceLock::new(),
            }),
            wake: Arc::new(Notify::new()),
            access,
            max_docs_per_connection,
            max_stored_bytes_per_device: u64::MAX,
        };
        // The committer holds the hub weakly, so the store closes when the hub goes.
        tokio::spawn(commit_forever(Arc::downgrade(&hub.core), hub.wake.clone()));
        hub
    }

    /// The document store behind the hub. Every change the hub acknowledged is in it (it
    /// stores before acknowledging), so a reader such as the calendar feed sees what the
    /// peers were told is saved, without taking any document's lock.
    pub fn store(&self) -> Arc<DocStore> {
        self.core.store.clone()
    }

    /// Publishes a hint for every increment committed from now on (`--bus`).
    pub fn publish_to(&self, publisher: crate::bus::Publisher) {
        let _ = self.core.bus.set(publisher);
    }

    /// The same hub refusing the changes of a device that has had `bytes` stored.
    pub fn with_max_stored_bytes_per_device(mut self, bytes: u64) -> Self {
        self.max_stored_bytes_per_device = bytes;
        self
    }

    /// Registers a new connection; frames for it arrive on the returned receiver.
    /// `device` is who authenticated it.
    pub async fn connect(&self, addr: String, device: String) -> (ConnId, Outlet) {
        let (tx, frames) = send_queue::channel(self.core.send_queue);
        let (abandon_tx, abandon) = oneshot::channel();
        let conn = {
            let mut conns = lock(&self.core.conns);
            conns.next += 1;
            let conn = ConnId(conns.next);
            conns.map.insert(
                conn,
                Conn {
                    tx,
                    abandon: Some(abandon_tx),
                    open: true,
                    addr,
                    device,
                    peer: None,
                    docs: HashSet::new(),
                    budget: Budget::new(Instant::now()),
                    refused: false,
                },
            );
            conn
        };
        let effects = lock(&self.core.handshake).connect(conn, Handshake::Acceptor);
        self.emit(conn, effects, None);
        (conn, Outlet { frames, abandon })
    }

    /// Waits (up to `limit`) until every queued write is durable and what waited behind
    /// it has gone out: a graceful shutdown loses nothing it was sent.
    pub async fn flush(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            if !lock(&self.core.queue).behind_writes() {
                return;
            }
            if Instant::now() > deadline {
                tracing::warn!("shutting down with writes still queued");
                return;
            }
            self.wake.notify_one();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Sync connections open now.
    pub async fn connections(&self) -> usize {
        lock(&self.core.conns)
            .map
            .values()
            .filter(|c| c.open)
            .count()
    }

    /// A frame arrived. It passes the access rules before a protocol session sees it.
    ///
    /// Whatever handling it does, a panic ends only this connection: it is caught here,
    /// the connection is refused and forgotten, and the document the message was about
    /// is reloaded from disk (its copy in memory may be half-updated).
    pub async fn receive(&self, conn: ConnId, bytes: &[u8]) {
        let message = match Message::decode(bytes) {
            Ok(m) => m,
            Err(e) => {
                return self
                    .refuse_for_cause(conn, &format!("malformed message: {e}"))
                    .await;
            }
        };
        let now = Instant::now();
        let admitted = {
            let mut conns = lock(&self.core.conns);
            let Some(c) = conns.map.get_mut(&conn).filter(|c| c.open) else {
                return;
            };
            let pause = c.budget.message(now);
            if matches!(message, Message::Ephemeral { .. }) && !c.budget.presence(now) {
                tracing::debug!(conn = conn.0, device = %c.device, "presence over its rate: dropped");
                Err(pause)
            } else {
                let syncs = message_document(&message).is_some_and(|d| c.docs.contains(&d));
                Ok((c.device.clone(), c.peer.clone(), pause, syncs, c.docs.len()))
            }
        };
        let (device, peer, pause, syncs, synced) = match admitted {
            Ok(admitted) => admitted,
            Err(pause) => return pause_for(pause).await,
        };
        match (message_document(&message), peer) {
            (Some(document), Some(peer)) => {
                let gate = self
                    .gate(conn, &device, &peer, &message, syncs, synced)
                    .await;
                self.pass(conn, &device, peer, document, message, gate)
                    .await;
            }
            // Not about a document, or before the handshake: the handshake session's.
            _ => {
                let gate = match &message {
                    Message::Join { sender_id, .. } if !peer_belongs_to(sender_id, &device) => {
                        Gate::Refuse(format!(
                            "peer id {sender_id} does not belong to this credential: it must be the device id or start with \"<device id>-\""
                        ))
                    }
                    _ => Gate::Pass,
                };
                match gate {
                    Gate::Refuse(reason) => self.refuse_logged(conn, &device, reason),
                    _ => {
                        let step = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            lock(&self.core.handshake).handle(conn, message, &mut NoDocuments)
                        }));
                        match step {
                            Ok(effects) => self.emit(conn, effects, None),
                            Err(panic) => self.contain_panic(conn, None, &panic_message(&*panic)),
                        }
                    }
                }
            }
        }
        // Over its message budget: this connection's socket is not read for a while, so
        // the sender is slowed and nobody else is.
        pause_for(pause).await;
    }

    /// Carries out what the gate decided for a message about `document`.
    async fn pass(
        &self,
        conn: ConnId,
        device: &str,
        peer: PeerId,
        document: DocumentId,
        message: Message,
        gate: Gate,
    ) {
        match gate {
            Gate::Pass => {
                let slot = self.slot(document);
                {
                    let mut conns = lock(&self.core.conns);
                    match conns.map.get_mut(&conn) {
                        Some(c) if c.open => {
                            c.docs.insert(document);
                        }
                        _ => return,
                    }
                }
                let mut slot = slot.lock().await;
                let slot = &mut *slot;
                slot.session.adopt(conn, Handshake::Acceptor, peer);
                // A reset of a partnership the relay holds is answered with all of it:
                // counted per device over all its connections (a reset of one it does
                // not hold costs a `doc-unavailable`, and is not counted).
                if is_reset(&message)
                    && heavy(true, || slot.cell.has_content())
                    && !lock(&self.core.device_resets).reset(device, document, Instant::now())
                {
                    let reason = format!(
                        "this device asked to be sent all of {document} more than {DEVICE_RESETS_PER_MINUTE} times in a minute (over all its connections); wait a minute, then reconnect"
                    );
                    return self.refuse_logged(conn, device, reason);
                }
                // Presence goes to the other instances too, once the session accepted it
                // (within its limits, not a repeat) — as it goes to the peers here.
                let presence = self
                    .core
                    .bus
                    .get()
                    .and_then(|_| crate::bus::Presence::of(device, &message));
                let likely = slot.cell.is_heavy() || may_be_heavy(&message);
                slot.cell.store_failed = false;
                let step = heavy(likely, || {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let effects = slot.session.handle(conn, message, &mut slot.cell);
                        for suspect in slot.session.take_suspect() {
                            tracing::error!(conn = conn.0, %device, document = %suspect, "automerge panicked; the connection was refused and the document is reloaded from disk");
                            slot.cell.discard();
                        }
                        effects
                    }))
                });
                match step {
                    // The store could not say whether it holds the document: answering
                    // "unavailable" would be untrue, and creating it afresh could fork
                    // it. The peer is told and reconnects later.
                    Ok(_) if slot.cell.store_failed => {
                        slot.session.disconnect(conn);
                        let reason = "the relay cannot read its store right now; your changes stay on your device — reconnect shortly";
                        self.emit_with(conn, refusal(conn, reason), None, false);
                    }
                    Ok(effects) => {
                        if let (Some(presence), Some(bus)) = (presence, self.core.bus.get())
                            && effects
                                .iter()
                                .any(|e| matches!(e, Effect::Ephemeral { .. }))
                        {
                            bus.presence(presence);
                        }
                        self.emit(conn, effects, Some(slot))
                    }
                    Err(panic) => {
                        slot.cell.discard();
                        slot.session.disconnect(conn);
                        self.contain_panic(conn, Some(document), &panic_message(&*panic));
                    }
                }
            }
            Gate::Unavailable(document) => {
                tracing::debug!(conn = conn.0, %device, %document, "no access: answered doc-unavailable");
                let message = Message::DocUnavailable {
                    sender_id: self.core.relay_id.clone(),
                    target_id: peer,
                    document_id: document,
                };
                self.emit(conn, vec![Effect::Send { conn, message }], None);
            }
            Gate::Drop => {}
            Gate::Refuse(reason) => self.refuse_logged(conn, device, reason),
        }
    }

    /// The slot of a document, made if it has none.
    fn slot(&self, document: DocumentId) -> Arc<Mutex<Slot>> {
        lock(&self.core.slots)
            .entry(document)
            .or_insert_with(|| {
                Arc::new(Mutex::new(Slot {
                    session: Session::new(self.core.relay_id.clone(), self.core.metadata.clone()),
                    cell: DocCell::new(document, self.core.store.clone()),
                }))
            })
            .clone()
    }

    fn refuse_logged(&self, conn: ConnId, device: &str, reason: String) {
        tracing::warn!(conn = conn.0, %device, ?reason, "refused a message");
        self.emit(conn, refusal(conn, reason), None);
    }

    /// The access rules and budget for one message from `device` about a document.
    /// `syncs`: the connection already syncs it; `synced`: how many it syncs. A document
    /// this device has no access to as far as this instance knows waits for a read of
    /// the shared store (cluster mode: a claim or grant made on another instance a
    /// moment ago), which holds up only this connection's messages.
    async fn gate(
        &self,
        conn: ConnId,
        device: &str,
        peer: &PeerId,
        message: &Message,
        syncs: bool,
        synced: usize,
    ) -> Gate {
        let now = now_ms();
        match message {
            Message::Sync { .. } | Message::Request { .. }
                if !syncs && synced >= self.max_docs_per_connection =>
            {
                Gate::Refuse(format!(
                    "one connection may sync at most {} partnerships; open another connection for more",
                    self.max_docs_per_connection
                ))
            }
            Message::Sync {
                document_id, data, ..
            }
            | Message::Request {
                document_id, data, ..
            } => match self.access.role(device, document_id, now).await {
                Err(_) => Gate::Unavailable(*document_id),
                Ok(role) => {
                    if Some(peer) != message.sender_id() {
                        // The session refuses it for the spoofed sender, which is the
                        // better reason.
                        return Gate::Pass;
                    }
                    // Checked before Automerge sees it: a degenerate Bloom filter or an
                    // oversized list costs the relay work no honest peer causes.
                    let shape = match sync_payload::check(data) {
                        Ok(shape) => shape,
                        Err(e) => {
                            tracing::warn!(conn = conn.0, %device, document = %document_id, error = %e, "refused a hostile sync message");
                            return Gate::Refuse(format!(
                                "refused a sync message for {document_id}: {e}"
                            ));
                        }
                    };
                    self.gate_sync(conn, device, document_id, role, &shape, syncs, now)
                }
            },
            Message::Ephemeral { document_id, .. }
            | Message::DocUnavailable { document_id, .. } => {
                if self.access.role(device, document_id, now).await.is_ok() {
                    Gate::Pass
                } else {
                    Gate::Drop
                }
            }
            _ => Gate::Pass,
        }
    }

    /// The access rules for a well-formed sync payload from `device`, whose role is `role`.
    #[allow(clippy::too_many_arguments)]
    fn gate_sync(
        &self,
        conn: ConnId,
        device: &str,
        document_id: &DocumentId,
        role: AccessRole,
        shape: &sync_payload::Shape,
        syncs: bool,
        now: i64,
    ) -> Gate {
        if shape.is_reset() {
            let within = lock(&self.core.conns)
                .map
                .get_mut(&conn)
                .is_some_and(|c| c.budget.reset(*document_id, Instant::now()));
            if !within {
                tracing::warn!(conn = conn.0, %device, document = %document_id, "refused a reset over the budget");
                return Gate::Refuse(format!(
                    "asked to be sent all of {document_id} again more than {RESETS_PER_MINUTE} times a minute on one connection; if your copy was lost, reconnect"
                ));
            }
        }
        if role == AccessRole::Viewer && shape.changes > 0 {
            let changes = shape.changes;
            tracing::warn!(conn = conn.0, %device, document = %document_id, changes, "refused changes from a viewer: not stored, not forwarded");
            return Gate::Refuse(format!(
                "you can view {document_id} but not change it: {changes} change(s) refused"
            ));
        }
        if shape.changes > 0 {
            let stored = self.core.stored_by(device);
            if stored >= self.max_stored_bytes_per_device {
                tracing::warn!(conn = conn.0, %device, document = %document_id, stored, "refused changes over the device's storage quota");
                return Gate::Refuse(format!(
                    "this device has had {stored} bytes stored on this relay, the most one device may ({} bytes); its changes to {document_id} were not accepted and stay on the device — ask the relay's operator to raise --max-stored-bytes-per-device",
                    self.max_stored_bytes_per_device
                ));
            }
        }
        // The first use of a document on a connection counts as "last used" for its links.
        if !syncs {
            self.access.touch(device, document_id, now);
        }
        Gate::Pass
    }

    /// Ends the syncing of every document a connection may no longer see (a link was
    /// revoked or expired): the peer gets `doc-unavailable` and nothing more about it.
    ///
    /// It runs twice a second, so it must cost little however much is open: each device's
    /// roles are read once (one pass over its grants, not one per document per
    /// connection), then every synced document is one lookup; no document's lock is
    /// taken unless its access ended.
    pub async fn enforce_access(&self) -> usize {
        let now = now_ms();
        let open: Vec<(ConnId, String, Vec<DocumentId>)> = lock(&self.core.conns)
            .map
            .iter()
            .filter(|(_, c)| c.open)
            .map(|(id, c)| (*id, c.device.clone(), c.docs.iter().copied().collect()))
            .collect();
        let mut roles: HashMap<String, HashMap<DocumentId, AccessRole>> = HashMap::new();
        let mut ended = Vec::new();
        for (conn, device, docs) in open {
            let allowed = roles
                .entry(device.clone())
                .or_insert_with(|| self.access.roles_of(&device, now));
            for document in docs {
                if !allowed.contains_key(&document) {
                    ended.push((conn, device.clone(), document));
                }
            }
        }
        for (conn, device, document) in &ended {
            let peer = {
                let mut conns = lock(&self.core.conns);
                let Some(c) = conns.map.get_mut(conn) else {
                    continue;
                };
                c.docs.remove(document);
                c.peer.clone()
            };
            let slot = lock(&self.core.slots).get(document).cloned();
            if let Some(slot) = slot {
                slot.lock().await.session.forget(*conn, document);
            }
            tracing::info!(conn = conn.0, %device, %document, "access ended: stopped syncing the partnership on this connection");
            if let Some(target_id) = peer {
                let message = Message::DocUnavailable {
                    sender_id: self.core.relay_id.clone(),
                    target_id,
                    document_id: *document,
                };
                self.emit(
                    *conn,
                    vec![Effect::Send {
                        conn: *conn,
                        message,
                    }],
                    None,
                );
            }
        }
        ended.len()
    }

    /// Refuses a connection for what its peer sent (a protocol error with the reason, then
    /// the close); it counts against the device ([`Hub::disconnect`] says so).
    pub async fn refuse_for_cause(&self, conn: ConnId, reason: &str) {
        self.emit(conn, refusal(conn, reason.to_owned()), None);
    }

    /// Ends a connection with a reason, not counted against the device: a deadline, a
    /// broken socket, the relay shutting down.
    pub async fn refuse(&self, conn: ConnId, reason: &str) {
        self.emit_with(conn, refusal(conn, reason), None, false);
    }

    /// The connection ended: it is forgotten everywhere. Returns whether the relay had
    /// refused it (sent it an error).
    pub async fn disconnect(&self, conn: ConnId) -> bool {
        let Some(c) = lock(&self.core.conns).map.remove(&conn) else {
            return false;
        };
        let peer = c.peer.as_ref().map(ToString::to_string);
        tracing::info!(conn = conn.0, addr = %c.addr, peer = peer.as_deref().unwrap_or("-"), "disconnected");
        lock(&self.core.handshake).disconnect(conn);
        for document in &c.docs {
            let slot = lock(&self.core.slots).get(document).cloned();
            if let Some(slot) = slot {
                slot.lock().await.session.disconnect(conn);
            }
        }
        c.refused
    }

    /// Drops from memory the documents no connection has used for `idle`, and the slots
    /// of documents nobody syncs.
    pub async fn evict_idle(&self, idle: Duration) -> usize {
        let now = Instant::now();
        lock(&self.core.device_resets).prune(now);
        let slots: Vec<(DocumentId, Arc<Mutex<Slot>>)> = lock(&self.core.slots)
            .iter()
            .map(|(id, s)| (*id, s.clone()))
            .collect();
        let mut evicted = 0;
        for (id, slot) in slots {
            // A document busy now is in use: it is not waited for.
            let Ok(mut slot) = slot.try_lock() else {
                continue;
            };
            if !slot.session.is_in_use(&id) && slot.cell.evictable(idle, now) {
                tracing::debug!(document = %id, "evicted from memory");
                slot.cell.loaded = None;
                evicted += 1;
            }
        }
        // A slot with no copy and no connection goes, unless someone holds it right now.
        lock(&self.core.slots).retain(|_, slot| {
            Arc::strong_count(slot) > 1
                || slot.try_lock().map_or(true, |s| {
                    s.cell.loaded.is_some() || !s.session.is_idle() || s.cell.unreadable
                })
        });
        evicted
    }

    /// Whether other relay instances write to the same store (then [`Hub::sweep`] runs).
    pub fn store_is_shared(&self) -> bool {
        self.core.store.is_shared()
    }

    /// Brings every document in memory up to date with increments other relay instances
    /// stored, and sends them on to the peers syncing it here. Returns how many documents
    /// had something new.
    ///
    /// Only stored (so durable) increments are loaded, and loading is idempotent —
    /// Automerge skips changes it has — so a sweep can never acknowledge anything early or
    /// apply anything twice. One query asks for the latest number of every loaded
    /// document; only those another instance wrote to are read (this instance's own
    /// increments are skipped by number).
    pub async fn sweep(&self) -> usize {
        if !self.core.store.is_shared() {
            return 0;
        }
        let slots: Vec<(DocumentId, Arc<Mutex<Slot>>)> = lock(&self.core.slots)
            .iter()
            .map(|(id, s)| (*id, s.clone()))
            .collect();
        // Each loaded document from where it is caught up to; `None`: not loaded, but a
        // peer here asked for it (it was answered `doc-unavailable`, and waits for it).
        let mut behind_from: HashMap<String, (DocumentId, Option<u64>)> = HashMap::new();
        for (id, slot) in &slots {
            let mut slot = slot.lock().await;
            let slot = &mut *slot;
            match &mut slot.cell.loaded {
                Some(loaded) => {
                    loaded.caught_up = slot.cell.writes.past_own(loaded.caught_up);
                    behind_from.insert(id.to_string(), (*id, Some(loaded.caught_up)));
                }
                None if slot.session.is_in_use(id) && !slot.cell.unreadable => {
                    behind_from.insert(id.to_string(), (*id, None));
                }
                None => {}
            }
        }
        if behind_from.is_empty() {
            return 0;
        }
        let store = self.core.store.clone();
        let names: Vec<String> = behind_from.keys().cloned().collect();
        let latest = match tokio::task::spawn_blocking(move || store.latest_seqs(&names)).await {
            Ok(Ok(latest)) => latest,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "sweep: cannot read the documents' latest increments");
                return 0;
            }
            Err(e) => {
                tracing::warn!(error = %e, "sweep task failed");
                return 0;
            }
        };
        let mut updated = 0;
        for (name, seq) in latest {
            let Some((id, from)) = behind_from.get(&name).copied() else {
                continue;
            };
            let Some(from) = from else {
                if self.arrived(id).await {
                    updated += 1;
                }
                continue;
            };
            if seq < from {
                continue;
            }
            let store = self.core.store.clone();
            let stored = match tokio::task::spawn_blocking(move || store.stored_since(&name, from))
                .await
            {
                Ok(Ok(Some(stored))) => stored,
                Ok(Ok(None)) => continue,
                Ok(Err(e)) => {
                    tracing::warn!(document = %id, error = %e, "sweep: cannot read new increments");
                    continue;
                }
                Err(e) => {
                    tracing::warn!(document = %id, error = %e, "sweep task failed");
                    continue;
                }
            };
            if self.catch_up(id, from, stored).await {
                updated += 1;
            }
        }
        updated
    }

    /// Another instance stored increments of `hint.document` (`--bus`): if the document is
    /// in memory here and lacks them, it catches up now rather than at the next sweep —
    /// from the hint's bytes when they follow exactly what it has, else from the store.
    /// A hint is only ever a reason to look: what is applied is what was stored.
    pub async fn hinted(&self, hint: crate::bus::DocHint) {
        let id = hint.document;
        let Some(slot) = lock(&self.core.slots).get(&id).cloned() else {
            return;
        };
        let Some(&last) = hint.seqs.last() else {
            return;
        };
        // Where the copy is caught up to; `None`: not loaded, but a peer here waits for it.
        let from = {
            let mut slot = slot.lock().await;
            let slot = &mut *slot;
            slot.cell.refresh();
            match &mut slot.cell.loaded {
                Some(loaded) => {
                    loaded.caught_up = slot.cell.writes.past_own(loaded.caught_up);
                    Some(loaded.caught_up)
                }
                None if slot.session.is_in_use(&id) && !slot.cell.unreadable => None,
                None => return,
            }
        };
        let Some(from) = from else {
            self.arrived(id).await;
            return;
        };
        if last < from {
            return;
        }
        // What was stored is read from PostgreSQL, never taken from the hint: whoever can
        // publish on the bus then makes an instance read the store, nothing more.
        let store = self.core.store.clone();
        let name = id.to_string();
        match tokio::task::spawn_blocking(move || store.stored_since(&name, from)).await {
            Ok(Ok(Some(stored))) => {
                self.catch_up(id, from, stored).await;
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => {
                tracing::debug!(document = %id, error = %e, "bus: cannot read the increments hinted at; the sweep will");
            }
            Err(e) => tracing::warn!(document = %id, error = %e, "bus: catch-up task failed"),
        }
    }

    /// Presence a peer of another instance sent about `presence.document` (`--bus`; its
    /// shape already held to a peer's limits by [`crate::bus::decode_presence`]). It is
    /// passed on as this relay passes on its own peers' presence — to every peer here
    /// whose connection syncs the document, as an `ephemeral` message dropped first when
    /// the peer falls behind — but only if the device it comes from may read the
    /// document, and only to peers whose device may too. Never stored.
    ///
    /// `None` if refused (the device has no access here); else how many peers got it.
    pub async fn presence_from_bus(&self, presence: crate::bus::Presence) -> Option<usize> {
        let document = presence.document;
        // Most presence on the bus is about documents nobody here syncs: nothing to check.
        let slot = lock(&self.core.slots).get(&document).cloned()?;
        let now = now_ms();
        // As this instance knows access now, never waiting for the store: a message on
        // the bus is one this instance's own peers did not send, and must not make it
        // read PostgreSQL (or wait for a read) on their behalf. A grant made elsewhere a
        // moment ago is known here by the next poll or access hint, or the grantee's
        // own first message here; the browser repeats its presence.
        if self
            .access
            .known_role(&presence.device, &document, now)
            .is_err()
        {
            tracing::debug!(device = %presence.device, %document, "bus: presence from a device without access here: dropped");
            return None;
        }
        // Presence is lossy: a document busy for longer than this (a large load) drops it
        // rather than delaying everyone else's behind it.
        let peers: Vec<(ConnId, PeerId)> =
            match tokio::time::timeout(Duration::from_millis(100), slot.lock()).await {
                Ok(slot) => slot
                    .session
                    .ready_connections()
                    .filter(|(conn, peer)| {
                        **peer != presence.sender && slot.session.syncs(*conn, &document)
                    })
                    .map(|(conn, peer)| (conn, peer.clone()))
                    .collect(),
                Err(_) => return Some(0),
            };
        let devices: Vec<Option<String>> = {
            let conns = lock(&self.core.conns);
            peers
                .iter()
                .map(|(conn, _)| {
                    conns
                        .map
                        .get(conn)
                        .filter(|c| c.open)
                        .map(|c| c.device.clone())
                })
                .collect()
        };
        // The session's peers had access when they started syncing; one whose access
        // ended since (before the enforcement tick noticed) is not sent it.
        let effects: Vec<Effect> = peers
            .into_iter()
            .zip(devices)
            .filter(|(_, device)| {
                device
                    .as_deref()
                    .is_some_and(|d| self.access.known_role(d, &document, now).is_ok())
            })
            .map(|((conn, peer), _)| Effect::Send {
                conn,
                message: presence.to(peer),
            })
            .collect();
        let sent = effects.len();
        self.emit_with(ConnId(0), effects, None, false);
        Some(sent)
    }

    /// A document a peer here waits for was stored by another instance: it is loaded and
    /// sent to them. Whether it was.
    async fn arrived(&self, id: DocumentId) -> bool {
        let Some(slot) = lock(&self.core.slots).get(&id).cloned() else {
            return false;
        };
        let mut slot = slot.lock().await;
        let slot = &mut *slot;
        if slot.cell.loaded.is_some() || !heavy(true, || slot.cell.has_content()) {
            return false;
        }
        let effects = heavy(true, || slot.session.changed(id, &mut slot.cell));
        self.emit_with(ConnId(0), effects, None, false);
        true
    }

    /// Loads into a document's copy what the store holds from increment `from` on, and
    /// tells the peers syncing it here. Whether the copy changed.
    async fn catch_up(&self, id: DocumentId, from: u64, stored: crate::doc_store::Stored) -> bool {
        let Some(slot) = lock(&self.core.slots).get(&id).cloned() else {
            return false;
        };
        let mut slot = slot.lock().await;
        let slot = &mut *slot;
        slot.cell.refresh();
        let Some(loaded) = slot.cell.loaded.as_mut() else {
            return false;
        };
        if loaded.caught_up != from {
            // Evicted and reloaded, or caught up meanwhile: the next sweep looks again.
            return false;
        }
        let likely = stored.bytes.len() > LARGE_DOCUMENT_BYTES;
        let applied = heavy(likely, || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let before = loaded.doc.get_heads();
                let saved = before == loaded.saved_heads;
                loaded.doc.load_incremental(&stored.bytes).map(|_| {
                    let after = loaded.doc.get_heads();
                    // What was loaded is stored: it is not written again.
                    if saved {
                        loaded.saved_heads = after.clone();
                    }
                    after != before
                })
            }))
        });
        let changed = match applied {
            Ok(Ok(changed)) => changed,
            Ok(Err(e)) => {
                tracing::error!(document = %id, error = %e, "sweep: stored increments do not load; reloading the document");
                slot.cell.discard();
                return false;
            }
            Err(panic) => {
                tracing::error!(document = %id, panic = %panic_message(&*panic), "sweep: automerge panicked; reloading the document");
                slot.cell.discard();
                return false;
            }
        };
        loaded.caught_up = loaded.caught_up.max(stored.next_seq);
        loaded.increments_len += stored.increments_len;
        loaded.last_used = Instant::now();
        if !changed {
            return false;
        }
        tracing::debug!(document = %id, "sweep: loaded increments another instance stored");
        let effects = heavy(likely, || slot.session.changed(id, &mut slot.cell));
        // Frames only: the changes are stored already. They still queue behind any
        // write in flight, in order.
        self.emit_with(ConnId(0), effects, None, false);
        true
    }

    /// How many documents are in memory.
    pub async fn documents_in_memory(&self) -> usize {
        let slots: Vec<Arc<Mutex<Slot>>> = lock(&self.core.slots).values().cloned().collect();
        slots
            .iter()
            .filter(|slot| slot.try_lock().map_or(true, |s| s.cell.loaded.is_some()))
            .count()
    }

    /// Closes every connection (shutdown).
    pub async fn close_all(&self, reason: &str) {
        let open: Vec<ConnId> = lock(&self.core.conns)
            .map
            .iter()
            .filter(|(_, c)| c.open)
            .map(|(id, _)| *id)
            .collect();
        for conn in open {
            self.emit(
                conn,
                vec![Effect::Close {
                    conn,
                    reason: reason.to_owned(),
                }],
                None,
            );
        }
    }

    /// A message handler panicked on `conn`: the connection is refused and forgotten,
    /// and the document it was about is reloaded from disk (the caller discarded it).
    fn contain_panic(&self, conn: ConnId, document: Option<DocumentId>, panic: &str) {
        let device = lock(&self.core.conns)
            .map
            .get(&conn)
            .map(|c| c.device.clone());
        tracing::error!(conn = conn.0, device = device.as_deref().unwrap_or("-"), document = ?document, %panic, "a message handler panicked; closing the connection");
        let reason = "the relay failed handling your last message (an internal error); reconnect to sync again".to_owned();
        self.emit(conn, refusal(conn, reason), None);
    }

    /// Carries out effects in order. The writes a changed document needs are made from
    /// its slot (held by the caller) and queued for the committer; whatever follows a
    /// write waits until it is durable.
    fn emit(&self, origin: ConnId, effects: Vec<Effect>, slot: Option<&mut Slot>) {
        self.emit_with(origin, effects, slot, true);
    }

    /// [`Hub::emit`]; an error sent to a peer counts against its device only if
    /// `held_against` (it is for what the peer sent).
    fn emit_with(
        &self,
        origin: ConnId,
        effects: Vec<Effect>,
        mut slot: Option<&mut Slot>,
        held_against: bool,
    ) {
        if effects.is_empty() {
            return;
        }
        // The writes are made first (the Automerge work), outside the queue's lock.
        let mut items: Vec<Pending> = Vec::with_capacity(effects.len());
        for effect in effects {
            match effect {
                Effect::DocumentChanged { .. } => {
                    if let Some(slot) = slot.as_deref_mut() {
                        let device = lock(&self.core.conns)
                            .map
                            .get(&origin)
                            .map(|c| c.device.clone())
                            .unwrap_or_default();
                        let likely = slot.cell.is_heavy();
                        items.extend(heavy(likely, || slot.cell.writes(origin, &device)));
                    }
                }
                Effect::Send { conn, message } => {
                    if held_against
                        && matches!(message, Message::Error { .. })
                        && let Some(c) = lock(&self.core.conns).map.get_mut(&conn)
                    {
                        c.refused = true;
                    }
                    items.push(Pending::Send { conn, message });
                }
                Effect::Close { conn, reason } => items.push(Pending::Close { conn, reason }),
                Effect::PeerReady { conn, peer } => {
                    let mut conns = lock(&self.core.conns);
                    if let Some(c) = conns.map.get_mut(&conn) {
                        tracing::info!(conn = conn.0, addr = %c.addr, %peer, "peer joined");
                        c.peer = Some(peer);
                    }
                }
                Effect::DocumentUnavailable { .. } | Effect::Ephemeral { .. } => {}
            }
        }
        let mut queued_writes = false;
        {
            let mut queue = lock(&self.core.queue);
            for item in items {
                match item {
                    Pending::Append { .. } | Pending::Compact { .. } => {
                        queued_writes = true;
                        queue.pending.push(item);
                    }
                    _ if queue.behind_writes() => queue.pending.push(item),
                    item => self.core.deliver(item),
                }
            }
        }
        if queued_writes {
            self.wake.notify_one();
        }
    }
}

/// Sleeps off a connection's message debt.
async fn pause_for(pause: Duration) {
    if !pause.is_zero() {
        tokio::time::sleep(pause).await;
    }
}

/// The handshake session holds no document.
struct NoDocuments;

impl Documents for NoDocuments {
    fn with_doc<R>(&mut self, _: &DocumentId, _: impl FnOnce(&mut AutoCommit) -> R) -> Option<R> {
        None
    }

    fn create(&mut self, _: &DocumentId) -> bool {
        false
    }
}

/// The document a message is about, if any.
fn message_document(message: &Message) -> Option<DocumentId> {
    match message {
        Message::Request { document_id, .. }
        | Message::Sync { document_id, .. }
        | Message::DocUnavailable { document_id, .. }
        | Message::Ephemeral { document_id, .. } => Some(*document_id),
        _ => None,
    }
}

/// A test hook: the next time the hub touches `document` in memory, it panics, as a bug in
/// a message handler would. For tests of the panic containment only; nothing in the relay
/// calls it.
#[doc(hidden)]
pub fn inject_panic_for(document: DocumentId) {
    if let Ok(mut armed) = INJECTED_PANICS.lock() {
        armed.push(document);
        PANIC_ARMED.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

static INJECTED_PANICS: std::sync::Mutex<Vec<DocumentId>> = std::sync::Mutex::new(Vec::new());
static PANIC_ARMED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn injected_panic(document: &DocumentId) {
    if !PANIC_ARMED.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let fire = INJECTED_PANICS.lock().is_ok_and(|mut armed| {
        let before = armed.len();
        armed.retain(|d| d != document);
        PANIC_ARMED.store(!armed.is_empty(), std::sync::atomic::Ordering::SeqCst);
        armed.len() != before
    });
    if fire {
        panic!("injected panic (test hook) while handling {document}");
    }
}

/// Whether a frame is a sync message about one of `documents`.
fn about(message: &Message, documents: &HashSet<DocumentId>) -> bool {
    matches!(message, Message::Sync { document_id, .. } if documents.contains(document_id))
}

impl Core {
    /// Bytes `device`'s changes have had stored (0 if the store cannot say: the quota
    /// then waits for the next successful read rather than refusing honest changes).
    fn stored_by(&self, device: &str) -> u64 {
        if let Some(bytes) = lock(&self.stored_by).get(device) {
            return *bytes;
        }
        // A read from the store (a network round trip with PostgreSQL): off the worker.
        match heavy(true, || self.store.stored_by(device)) {
            Ok(bytes) => *lock(&self.stored_by)
                .entry(device.to_owned())
                .or_insert(bytes),
            Err(e) => {
                tracing::warn!(%device, error = %e, "cannot read what the device has stored");
                0
            }
        }
    }

    /// Sends a frame or closes a connection, now (the caller checked nothing waits).
    fn deliver(&self, item: Pending) {
        match item {
            Pending::Send { conn, message } => self.send(conn, message),
            Pending::Close { conn, reason } => self.close(conn, reason),
            Pending::Append { .. } | Pending::Compact { .. } => {}
        }
    }

    fn send(&self, conn: ConnId, message: Message) {
        let mut conns = lock(&self.conns);
        let Some(c) = conns.map.get_mut(&conn).filter(|c| c.open) else {
            return;
        };
        match c.tx.try_send(Outbound::frame(&message)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                let reason = format!(
                    "the peer fell more than {} behind (it stopped reading?); reconnect to catch up",
                    self.send_queue
                );
                // Given up on at once (nothing more is queued for it, nobody waits for
                // it); its writer drops the backlog and sends the reason in a close frame.
                tracing::warn!(conn = conn.0, addr = %c.addr, peer = ?c.peer.as_ref().map(ToString::to_string), ?reason, "disconnecting a peer that fell behind");
                c.open = false;
                if let Some(abandon) = c.abandon.take() {
                    let _ = abandon.send(reason);
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Closes a connection after what is already queued for it.
    fn close(&self, conn: ConnId, reason: String) {
        let mut conns = lock(&self.conns);
        let Some(c) = conns.map.get_mut(&conn).filter(|c| c.open) else {
            return;
        };
        tracing::warn!(conn = conn.0, addr = %c.addr, peer = ?c.peer.as_ref().map(ToString::to_string), ?reason, "closing connection");
        c.open = false;
        if let Err(mpsc::error::TrySendError::Full(_)) =
            c.tx.try_send(Outbound::Close(reason.clone()))
        {
            // The queue is full: the close overtakes it.
            if let Some(abandon) = c.abandon.take() {
                let _ = abandon.send(reason);
            }
        }
    }

    /// After a commit: on success, lets out what waited behind it, in order. On failure
    /// the changes are refused: their senders are told and disconnected, the documents
    /// are reloaded from disk when next needed, and no frame about them goes out (nor
    /// any later write of them, which would build on the refused one).
    fn settle(&self, batch: Vec<Pending>, committed: Result<(), String>) {
        let mut refused: Vec<ConnId> = Vec::new();
        // Peers a frame about a refused change was held back from: their sync state counts
        // it as sent, so once the change is stored they would never be sent it. They are
        // closed, to reconnect and sync afresh from what is stored.
        let mut behind: Vec<ConnId> = Vec::new();
        let mut failed: HashSet<DocumentId> = HashSet::new();
        if let Err(e) = &committed {
            let mut queue = lock(&self.queue);
            for p in batch.iter().chain(queue.pending.iter()) {
                if let Pending::Append {
                    document, writes, ..
                } = p
                {
                    failed.insert(*document);
                    // Forget the unstored changes: the senders will offer them again.
                    writes.failed.store(true, Ordering::SeqCst);
                }
            }
            tracing::error!(error = %e, documents = failed.len(), "cannot store changes; refusing them");
            let later = std::mem::take(&mut queue.pending);
            queue.pending = later
                .into_iter()
                .filter(|p| match p {
                    Pending::Append {
                        document, origin, ..
                    } if failed.contains(document) => {
                        refused.push(*origin);
                        false
                    }
                    Pending::Compact { document, .. } => !failed.contains(document),
                    Pending::Send { conn, message } if about(message, &failed) => {
                        behind.push(*conn);
                        false
                    }
                    _ => true,
                })
                .collect();
        }
        for p in batch {
            match p {
                Pending::Append {
                    document,
                    origin,
                    writes,
                    ..
                } => {
                    if failed.contains(&document) {
                        refused.push(origin);
                    } else {
                        writes.written();
                    }
                }
                Pending::Compact { writes, .. } => writes.written(),
                Pending::Send { conn, message } => {
                    if about(&message, &failed) {
                        behind.push(conn);
                    } else {
                        self.send(conn, message);
                    }
                }
                Pending::Close { conn, reason } => self.close(conn, reason),
            }
        }
        refused.sort_unstable();
        refused.dedup();
        for origin in &refused {
            self.send(*origin, Message::Error {
                message: "the relay cannot store changes right now; they stay on your device and will be sent again".into(),
            });
            self.close(*origin, "storage failure".into());
        }
        behind.sort_unstable();
        behind.dedup();
        for conn in behind.into_iter().filter(|c| !refused.contains(c)) {
            self.close(conn, "storage failure: reconnect to sync again".into());
        }
    }
}

impl WriteState {
    fn written(&self) {
        let _ = self
            .unwritten
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    }

    /// `caught_up` moved past this instance's own increments that follow it (they are in
    /// memory already); numbers below it are forgotten.
    fn past_own(&self, mut caught_up: u64) -> u64 {
        let mut own = lock(&self.own_seqs);
        own.sort_unstable();
        for seq in own.iter() {
            if *seq == caught_up {
                caught_up += 1;
            }
        }
        own.retain(|seq| *seq >= caught_up);
        caught_up
    }
}

/// The committer: makes queued writes durable in groups, then lets out what waited behind
/// them, in order. Ends once the hub is gone.
async fn commit_forever(core: std::sync::Weak<Core>, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        let Some(core) = core.upgrade() else {
            return;
        };
        while commit_once(&core).await {}
    }
}

/// Commits everything queued now; `false` when nothing was.
async fn commit_once(core: &Core) -> bool {
    let batch = {
        let mut queue = lock(&core.queue);
        if queue.pending.is_empty() {
            queue.committing = false;
            return false;
        }
        queue.committing = true;
        std::mem::take(&mut queue.pending)
    };
    let store = core.store.clone();
    let appends: Vec<(String, u64, Vec<u8>)> = batch
        .iter()
        .filter_map(|p| match p {
            Pending::Append {
                document,
                seq,
                bytes,
                ..
            } => Some((document.to_string(), *seq, bytes.clone())),
            _ => None,
        })
        .collect();
    /// A compaction to run: document, snapshot, proposed `through`, what it holds.
    type Compaction = (String, Vec<u8>, u64, Contains, Arc<WriteState>);
    let compacts: Vec<Compaction> = batch
        .iter()
        .filter_map(|p| match p {
            Pending::Compact {
                document,
                snapshot,
                through_seq,
                heads,
                caught_up,
                writes,
            } => Some((
                document.to_string(),
                snapshot.clone(),
                *through_seq,
                Contains {
                    heads: Some(heads.clone()),
                    below: *caught_up,
                    also: Vec::new(),
                },
                writes.clone(),
            )),
            _ => None,
        })
        .collect();
    let mut charged: HashMap<String, u64> = HashMap::new();
    for p in &batch {
        if let Pending::Append { device, bytes, .. } = p {
            *charged.entry(device.clone()).or_default() += bytes.len() as u64;
        }
    }
    let charges: Vec<(String, u64)> = charged.into_iter().collect();
    let proposed: Vec<(String, u64)> = appends
        .iter()
        .map(|(document, seq, _)| (document.clone(), *seq))
        .collect();
    let committed = if appends.is_empty() {
        Ok(Vec::new())
    } else {
        let store = store.clone();
        let charges = charges.clone();
        tokio::task::spawn_blocking(move || store.append_charged(&appends, &charges))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
    };
    if let Ok(stored) = &committed
        && core.store.is_shared()
    {
        let own = batch.iter().filter_map(|p| match p {
            Pending::Append { writes, .. } => Some(writes),
            _ => None,
        });
        for (writes, seq) in own.zip(stored.iter()) {
            lock(&writes.own_seqs).push(*seq);
        }
        // COMMIT returned: tell the other instances (never before — a hint about an
        // increment not stored would be read back as a gap, and waited on for nothing).
        if let Some(bus) = core.bus.get() {
            let mut hints: HashMap<DocumentId, Vec<u64>> = HashMap::new();
            let appended = batch.iter().filter_map(|p| match p {
                Pending::Append { document, .. } => Some(document),
                _ => None,
            });
            for (document, seq) in appended.zip(stored.iter()) {
                hints.entry(*document).or_default().push(*seq);
            }
            for (document, seqs) in hints {
                bus.stored(document, seqs);
            }
        }
    }
    if let Ok(stored) = &committed
        && !compacts.is_empty()
    {
        // A compaction names the increment it follows by the number the hub proposed;
        // the store may have numbered it otherwise (PostgreSQL numbers across instances).
        let numbered: HashMap<(String, u64), u64> =
            proposed.into_iter().zip(stored.iter().copied()).collect();
        // A failed compaction loses nothing: the increments are stored.
        let outcome = tokio::task::spawn_blocking(move || {
            for (document, snapshot, through, mut contains, writes) in compacts {
                let Some(through) = numbered.get(&(document.clone(), through)).copied() else {
                    continue;
                };
                // The snapshot holds what its copy had caught up to, and this instance's
                // own increments up to `through` (made before it, stored since).
                contains.also = lock(&writes.own_seqs).clone();
                if let Err(e) = store.compact_known(&document, &snapshot, through, &contains) {
                    tracing::warn!(%document, error = %e, "compaction failed");
                }
            }
        })
        .await;
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "compaction task failed");
        }
    }
    if committed.is_ok() {
        let mut stored = lock(&core.stored_by);
        for (device, bytes) in charges {
            // Only devices already read from the store are kept in memory; the others
            // are read (with these bytes) when next needed.
            if let Some(total) = stored.get_mut(&device) {
                *total = total.saturating_add(bytes);
            }
        }
    }
    core.settle(batch, committed.map(|_| ()));
    true
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}
