//! The relay's sync peer: one protocol session for every connection, the documents in
//! memory, and the bridge to the on-disk store.
//!
//! Every event passes through one lock, in order. When a sync message brings changes,
//! the changes are committed to disk *before* anything that acknowledges them (the reply
//! to the sender, the forward to other peers) is queued: a change anyone has seen
//! acknowledged survives a crash. If the commit fails, the acknowledgements are dropped,
//! the sender is told and disconnected, and the document is reloaded from disk.
//!
//! The commit happens outside the lock, in groups: while one commit (one fsync) is under
//! way, messages keep being handled in memory and their writes and outgoing frames queue
//! up, in order, behind it; the committer then makes the whole queue durable with one
//! fsync and sends the frames. So a slow disk delays acknowledgements by one fsync, not
//! one fsync per edit of every peer, and frames still leave in the order they were made.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::{Duration, Instant},
};

use automerge::{AutoCommit, ChangeHash, LoadOptions, OnPartialLoad};
use tandem_domain::document_id::DocumentId;
use tandem_sync::{
    message::{Message, PeerMetadata},
    peer_id::PeerId,
    session::{ConnId, Documents, Effect, Role, Session},
    sync_payload,
};
use tokio::sync::{Mutex, Notify, mpsc, oneshot};

use crate::{
    access::{Access, Role as AccessRole, peer_belongs_to},
    api::now_ms,
    budget::{Budget, RESETS_PER_MINUTE},
    doc_store::DocStore,
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
pub struct Outlet {
    pub frames: send_queue::Receiver,
    /// Fires with the reason when the peer fell too far behind: the writer drops what is
    /// queued, sends a close frame with the reason if the socket takes it, and ends.
    pub abandon: oneshot::Receiver<String>,
}

struct Loaded {
    doc: AutoCommit,
    /// The heads written (or queued to be written) to the store.
    saved_heads: Vec<ChangeHash>,
    snapshot_len: usize,
    increments_len: usize,
    next_seq: u64,
    last_used: Instant,
    /// Writes queued or being committed: the document stays in memory until they land.
    unwritten: usize,
}

/// What waits for the committer, in the order it was made.
enum Pending {
    /// An increment to make durable; `origin` sent the changes.
    Append {
        document: DocumentId,
        seq: u64,
        bytes: Vec<u8>,
        origin: ConnId,
    },
    /// A snapshot replacing the increments through `through_seq` (after they are durable).
    Compact {
        document: DocumentId,
        snapshot: Vec<u8>,
        through_seq: u64,
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

struct RelayDocs {
    store: Arc<DocStore>,
    mem: HashMap<DocumentId, Loaded>,
    /// Documents whose stored bytes do not load: never served, never overwritten.
    unreadable: HashSet<DocumentId>,
    /// Documents to reload from disk once their queued writes have landed (a panic may
    /// have left the copy in memory half-updated).
    discard_when_written: HashSet<DocumentId>,
}

impl RelayDocs {
    fn ensure_loaded(&mut self, id: &DocumentId) -> bool {
        if self.mem.contains_key(id) {
            return true;
        }
        if self.unreadable.contains(id) {
            return false;
        }
        match self.store.load(&id.to_string()) {
            Ok(None) => false,
            Ok(Some(stored)) => {
                let options = LoadOptions::new().on_partial_load(OnPartialLoad::Error);
                match AutoCommit::load_with_options(&stored.bytes, options) {
                    Ok(mut doc) => {
                        let saved_heads = doc.get_heads();
                        self.mem.insert(
                            *id,
                            Loaded {
                                doc,
                                saved_heads,
                                snapshot_len: stored.snapshot_len,
                                increments_len: stored.increments_len,
                                next_seq: stored.next_seq,
                                last_used: Instant::now(),
                                unwritten: 0,
                            },
                        );
                        true
                    }
                    Err(e) => {
                        tracing::error!(document = %id, error = %e, "stored document does not load; refusing to serve or overwrite it");
                        self.unreadable.insert(*id);
                        false
                    }
                }
            }
            Err(e) => {
                tracing::error!(document = %id, error = %e, "cannot read the document store");
                false
            }
        }
    }

    /// The writes for whatever changed since the last ones: an increment, and a snapshot
    /// when increments outweigh the one stored.
    fn writes(&mut self, id: &DocumentId, origin: ConnId) -> Vec<Pending> {
        let Some(loaded) = self.mem.get_mut(id) else {
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
        loaded.unwritten += 1;
        let mut writes = vec![Pending::Append {
            document: *id,
            seq,
            bytes,
            origin,
        }];
        if loaded.increments_len > loaded.snapshot_len {
            let snapshot = loaded.doc.save();
            loaded.snapshot_len = snapshot.len();
            loaded.increments_len = 0;
            loaded.unwritten += 1;
            writes.push(Pending::Compact {
                document: *id,
                snapshot,
                through_seq: seq,
            });
        }
        writes
    }

    fn written(&mut self, id: &DocumentId) {
        if let Some(loaded) = self.mem.get_mut(id) {
            loaded.unwritten = loaded.unwritten.saturating_sub(1);
            if loaded.unwritten == 0 && self.discard_when_written.remove(id) {
                self.mem.remove(id);
            }
        }
    }

    /// Drops the copy in memory (it may be half-updated by a panic), so the next use
    /// loads the stored one; once its queued writes have landed if it has any.
    fn discard(&mut self, id: &DocumentId) {
        match self.mem.get(id) {
            Some(loaded) if loaded.unwritten > 0 => {
                self.discard_when_written.insert(*id);
            }
            Some(_) => {
                self.mem.remove(id);
            }
            None => {}
        }
    }
}

impl Documents for RelayDocs {
    fn with_doc<R>(&mut self, id: &DocumentId, f: impl FnOnce(&mut AutoCommit) -> R) -> Option<R> {
        if !self.ensure_loaded(id) {
            return None;
        }
        injected_panic(id);
        let loaded = self.mem.get_mut(id)?;
        loaded.last_used = Instant::now();
        Some(f(&mut loaded.doc))
    }

    fn create(&mut self, id: &DocumentId) -> bool {
        if self.unreadable.contains(id) {
            return false;
        }
        self.mem.entry(*id).or_insert_with(|| Loaded {
            doc: AutoCommit::new(),
            saved_heads: Vec::new(),
            snapshot_len: 0,
            increments_len: 0,
            next_seq: 0,
            last_used: Instant::now(),
            unwritten: 0,
        });
        true
    }
}

struct Inner {
    session: Session,
    docs: RelayDocs,
    conns: HashMap<ConnId, Conn>,
    next_conn: u64,
    send_queue: send_queue::Bound,
    /// Writes and the frames and closes behind them, waiting for the committer.
    pending: Vec<Pending>,
    /// A commit is under way outside the lock: what is made now must wait behind it.
    committing: bool,
}

struct Conn {
    tx: send_queue::Sender,
    abandon: oneshot::Sender<String>,
    /// Who connected, for the logs.
    addr: String,
    /// The device whose credential opened the connection.
    device: String,
    /// What this connection may still make the hub do.
    budget: Budget,
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

/// The relay's sync peer, shared by every connection.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Mutex<Inner>>,
    /// Wakes the committer when writes are queued.
    wake: Arc<Notify>,
    access: Access,
    max_docs_per_connection: usize,
    /// What may wait for one connection before it is given up on.
    send_queue: send_queue::Bound,
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
            inner: Arc::new(Mutex::new(Inner {
                session: Session::new(relay_id, metadata),
                docs: RelayDocs {
                    store: Arc::new(store),
                    mem: HashMap::new(),
                    unreadable: HashSet::new(),
                    discard_when_written: HashSet::new(),
                },
                conns: HashMap::new(),
                next_conn: 0,
                send_queue,
                pending: Vec::new(),
                committing: false,
            })),
            wake: Arc::new(Notify::new()),
            access,
            max_docs_per_connection,
            send_queue,
        };
        // The committer holds the hub weakly, so the store closes when the hub goes.
        tokio::spawn(commit_forever(Arc::downgrade(&hub.inner), hub.wake.clone()));
        hub
    }

    /// Registers a new connection; frames for it arrive on the returned receiver.
    /// `device` is who authenticated it.
    pub async fn connect(&self, addr: String, device: String) -> (ConnId, Outlet) {
        let (tx, frames) = send_queue::channel(self.send_queue);
        let (abandon_tx, abandon) = oneshot::channel();
        let mut inner = self.inner.lock().await;
        inner.next_conn += 1;
        let conn = ConnId(inner.next_conn);
        inner.conns.insert(
            conn,
            Conn {
                tx,
                abandon: abandon_tx,
                addr,
                device,
                budget: Budget::new(Instant::now()),
            },
        );
        let effects = inner.session.connect(conn, Role::Acceptor);
        if inner.apply(conn, effects) {
            self.wake.notify_one();
        }
        (conn, Outlet { frames, abandon })
    }

    /// Waits (up to `limit`) until every queued write is durable and what waited behind
    /// it has gone out: a graceful shutdown loses nothing it was sent.
    pub async fn flush(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            {
                let inner = self.inner.lock().await;
                if !inner.behind_writes() {
                    return;
                }
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
        self.inner.lock().await.conns.len()
    }

    /// A frame arrived. It passes the access rules before the protocol session sees it.
    ///
    /// Whatever handling it does, a panic ends only this connection: it is caught here,
    /// the connection is refused and forgotten, and the document the message was about
    /// is reloaded from disk (its copy in memory may be half-updated).
    pub async fn receive(&self, conn: ConnId, bytes: &[u8]) {
        let message = match Message::decode(bytes) {
            Ok(m) => m,
            Err(e) => return self.refuse(conn, &format!("malformed message: {e}")).await,
        };
        let document = message_document(&message);
        let mut inner = self.inner.lock().await;
        let step = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.receive_locked(&mut inner, conn, message)
        }));
        let (wake, pause) = match step {
            Ok(outcome) => outcome,
            Err(panic) => (
                inner.contain_panic(conn, document, &panic_text(&*panic)),
                Duration::ZERO,
            ),
        };
        drop(inner);
        if wake {
            self.wake.notify_one();
        }
        // Over its message budget: this connection's socket is not read for a while, so
        // the sender is slowed and nobody else is.
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }

    /// [`Hub::receive`] under the lock; returns whether writes were queued, and how long
    /// to pause reading the connection (its message budget).
    fn receive_locked(
        &self,
        inner: &mut Inner,
        conn: ConnId,
        message: Message,
    ) -> (bool, Duration) {
        let now = Instant::now();
        let Inner { session, conns, .. } = &mut *inner;
        let Some(c) = conns.get_mut(&conn) else {
            return (false, Duration::ZERO);
        };
        let device = c.device.clone();
        let pause = c.budget.message(now);
        if matches!(message, Message::Ephemeral { .. }) && !c.budget.presence(now) {
            tracing::debug!(conn = conn.0, %device, "presence over its rate: dropped");
            return (false, pause);
        }
        let gate = self.gate(session, &mut c.budget, conn, &device, &message);
        (self.pass(inner, conn, &device, message, gate), pause)
    }

    /// Carries out what the gate decided; returns whether writes were queued.
    fn pass(
        &self,
        inner: &mut Inner,
        conn: ConnId,
        device: &str,
        message: Message,
        gate: Gate,
    ) -> bool {
        match gate {
            Gate::Pass => {
                let Inner { session, docs, .. } = &mut *inner;
                let effects = session.handle(conn, message, docs);
                let suspect = inner.session.take_suspect();
                for document in suspect {
                    tracing::error!(conn = conn.0, %device, %document, "automerge panicked; the connection was refused and the document is reloaded from disk");
                    inner.docs.discard(&document);
                }
                inner.apply(conn, effects)
            }
            Gate::Unavailable(document) => {
                let Some(remote) = inner.session.remote(conn).cloned() else {
                    return false;
                };
                tracing::debug!(conn = conn.0, %device, %document, "no access: answered doc-unavailable");
                let message = Message::DocUnavailable {
                    sender_id: inner.session.peer_id().clone(),
                    target_id: remote,
                    document_id: document,
                };
                inner.send_ordered(conn, message);
                false
            }
            Gate::Drop => false,
            Gate::Refuse(reason) => {
                tracing::warn!(conn = conn.0, %device, ?reason, "refused a message");
                let effects = vec![
                    Effect::Send {
                        conn,
                        message: Message::Error {
                            message: reason.clone(),
                        },
                    },
                    Effect::Close { conn, reason },
                ];
                inner.apply(conn, effects)
            }
        }
    }

    /// The access rules and budget for one message from `device`.
    fn gate(
        &self,
        session: &Session,
        budget: &mut Budget,
        conn: ConnId,
        device: &str,
        message: &Message,
    ) -> Gate {
        let now = now_ms();
        match message {
            Message::Join { sender_id, .. } => {
                if peer_belongs_to(sender_id, device) {
                    Gate::Pass
                } else {
                    Gate::Refuse(format!(
                        "peer id {sender_id} does not belong to this credential: it must be the device id or start with \"<device id>-\""
                    ))
                }
            }
            Message::Sync {
                document_id, data, ..
            }
            | Message::Request {
                document_id, data, ..
            } if !session.syncs(conn, document_id)
                && session.document_count(conn) >= self.max_docs_per_connection =>
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
            } => match self.access.role(device, document_id, now) {
                Err(_) => Gate::Unavailable(*document_id),
                Ok(role) => {
                    if session.remote(conn) != message.sender_id() {
                        // The session refuses it for the spoofed sender (or the missing
                        // handshake), which is the better reason.
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
                    self.gate_sync(
                        session,
                        budget,
                        conn,
                        device,
                        document_id,
                        role,
                        &shape,
                        now,
                    )
                }
            },
            Message::Ephemeral { document_id, .. }
            | Message::DocUnavailable { document_id, .. } => {
                if self.access.role(device, document_id, now).is_ok() {
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
        session: &Session,
        budget: &mut Budget,
        conn: ConnId,
        device: &str,
        document_id: &DocumentId,
        role: AccessRole,
        shape: &sync_payload::Shape,
        now: i64,
    ) -> Gate {
        if shape.is_reset() && !budget.reset(*document_id, Instant::now()) {
            tracing::warn!(conn = conn.0, %device, document = %document_id, "refused a reset over the budget");
            return Gate::Refuse(format!(
                "asked to be sent all of {document_id} again more than {RESETS_PER_MINUTE} times a minute on one connection; if your copy was lost, reconnect"
            ));
        }
        match role {
            AccessRole::Viewer => {
                let changes = shape.changes;
                if changes > 0 {
                    tracing::warn!(conn = conn.0, %device, document = %document_id, changes, "refused changes from a viewer: not stored, not forwarded");
                    Gate::Refuse(format!(
                        "you can view {document_id} but not change it: {changes} change(s) refused"
                    ))
                } else {
                    self.note_use(session, conn, device, document_id, now);
                    Gate::Pass
                }
            }
            _ => {
                self.note_use(session, conn, device, document_id, now);
                Gate::Pass
            }
        }
    }

    /// The first use of a document on a connection counts as "last used" for its links.
    fn note_use(
        &self,
        session: &Session,
        conn: ConnId,
        device: &str,
        document: &DocumentId,
        now: i64,
    ) {
        if !session.syncs(conn, document) {
            self.access.touch(device, document, now);
        }
    }

    /// Ends the syncing of every document a connection may no longer see (a link was
    /// revoked or expired): the peer gets `doc-unavailable` and nothing more about it.
    ///
    /// It runs twice a second, so it must cost little however much is open: each device's
    /// roles are read once (one pass over its grants, not one per document per
    /// connection), then every synced document is one lookup.
    pub async fn enforce_access(&self) -> usize {
        let mut inner = self.inner.lock().await;
        let now = now_ms();
        let mut ended = Vec::new();
        let mut roles: HashMap<&str, HashMap<DocumentId, AccessRole>> = HashMap::new();
        for (conn, c) in &inner.conns {
            let allowed = roles
                .entry(c.device.as_str())
                .or_insert_with(|| self.access.roles_of(&c.device, now));
            for document in inner.session.documents_on(*conn) {
                if !allowed.contains_key(&document) {
                    ended.push((*conn, c.device.clone(), document));
                }
            }
        }
        drop(roles);
        for (conn, device, document) in &ended {
            inner.session.forget(*conn, document);
            tracing::info!(conn = conn.0, %device, %document, "access ended: stopped syncing the partnership on this connection");
            if let Some(remote) = inner.session.remote(*conn).cloned() {
                let message = Message::DocUnavailable {
                    sender_id: inner.session.peer_id().clone(),
                    target_id: remote,
                    document_id: *document,
                };
                inner.send_ordered(*conn, message);
            }
        }
        ended.len()
    }

    /// Refuses a connection with a reason (sent as a protocol error, then closed).
    pub async fn refuse(&self, conn: ConnId, reason: &str) {
        let mut inner = self.inner.lock().await;
        let effects = vec![
            Effect::Send {
                conn,
                message: Message::Error {
                    message: reason.to_owned(),
                },
            },
            Effect::Close {
                conn,
                reason: reason.to_owned(),
            },
        ];
        if inner.apply(conn, effects) {
            self.wake.notify_one();
        }
    }

    /// The connection ended.
    pub async fn disconnect(&self, conn: ConnId) {
        let mut inner = self.inner.lock().await;
        if let Some(c) = inner.conns.remove(&conn) {
            let peer = inner.session.remote(conn).map(ToString::to_string);
            tracing::info!(conn = conn.0, addr = %c.addr, peer = peer.as_deref().unwrap_or("-"), "disconnected");
        }
        inner.session.disconnect(conn);
    }

    /// Drops from memory the documents no connection has used for `idle`.
    pub async fn evict_idle(&self, idle: Duration) -> usize {
        let mut inner = self.inner.lock().await;
        let Inner { session, docs, .. } = &mut *inner;
        let now = Instant::now();
        let before = docs.mem.len();
        docs.mem.retain(|id, loaded| {
            let keep = session.is_in_use(id)
                || now.duration_since(loaded.last_used) < idle
                || loaded.unwritten > 0
                || loaded.doc.get_heads() != loaded.saved_heads;
            if !keep {
                tracing::debug!(document = %id, "evicted from memory");
            }
            keep
        });
        before - docs.mem.len()
    }

    /// How many documents are in memory.
    pub async fn documents_in_memory(&self) -> usize {
        self.inner.lock().await.docs.mem.len()
    }

    /// Closes every connection (shutdown).
    pub async fn close_all(&self, reason: &str) {
        let mut inner = self.inner.lock().await;
        let conns: Vec<ConnId> = inner.conns.keys().copied().collect();
        for conn in conns {
            inner.apply(
                conn,
                vec![Effect::Close {
                    conn,
                    reason: reason.to_owned(),
                }],
            );
        }
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

/// What a caught panic said.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
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

impl Inner {
    /// A message handler panicked on `conn`: the connection is refused and forgotten
    /// (whatever state it has in the hub goes with it), and the document it was about is
    /// reloaded from disk. Returns whether writes were queued.
    fn contain_panic(&mut self, conn: ConnId, document: Option<DocumentId>, panic: &str) -> bool {
        let device = self.conns.get(&conn).map(|c| c.device.clone());
        tracing::error!(conn = conn.0, device = device.as_deref().unwrap_or("-"), document = ?document, %panic, "a message handler panicked; closing the connection");
        let mut suspect = self.session.take_suspect();
        suspect.extend(document);
        for document in &suspect {
            self.docs.discard(document);
        }
        let reason = "the relay failed handling your last message (an internal error); reconnect to sync again".to_owned();
        let effects = vec![
            Effect::Send {
                conn,
                message: Message::Error {
                    message: reason.clone(),
                },
            },
            Effect::Close { conn, reason },
        ];
        let wake = self.apply(conn, effects);
        // Even if the close was queued behind writes, nothing more is handled for it.
        self.session.disconnect(conn);
        wake
    }

    /// Whether frames and closes must wait behind queued or committing writes.
    fn behind_writes(&self) -> bool {
        self.committing || !self.pending.is_empty()
    }

    /// Sends a frame now, or behind the writes queued before it.
    fn send_ordered(&mut self, conn: ConnId, message: Message) {
        if self.behind_writes() {
            self.pending.push(Pending::Send { conn, message });
        } else {
            self.send(conn, message);
        }
    }

    /// Carries out effects in order. Writes are queued for the committer, and whatever
    /// follows a write waits until it is durable.
    fn apply(&mut self, origin: ConnId, effects: Vec<Effect>) -> bool {
        let mut queued_writes = false;
        for effect in effects {
            match effect {
                Effect::DocumentChanged { document } => {
                    let writes = self.docs.writes(&document, origin);
                    queued_writes |= !writes.is_empty();
                    self.pending.extend(writes);
                }
                Effect::Send { conn, message } => self.send_ordered(conn, message),
                Effect::Close { conn, reason } => {
                    if self.behind_writes() {
                        self.pending.push(Pending::Close { conn, reason });
                    } else {
                        self.close(conn, reason);
                    }
                }
                Effect::PeerReady { conn, peer } => {
                    let addr = self
                        .conns
                        .get(&conn)
                        .map(|c| c.addr.as_str())
                        .unwrap_or("-");
                    tracing::info!(conn = conn.0, %addr, %peer, "peer joined");
                }
                Effect::DocumentUnavailable { .. } | Effect::Ephemeral { .. } => {}
            }
        }
        queued_writes
    }

    /// After a commit: on success, lets out what waited behind it, in order. On failure
    /// the changes are refused: their senders are told and disconnected, the documents
    /// are reloaded from disk when next needed, and no frame about them goes out (nor
    /// any later write of them, which would build on the refused one).
    fn settle(&mut self, batch: Vec<Pending>, committed: Result<(), String>) {
        let failed: HashSet<DocumentId> = match &committed {
            Ok(()) => HashSet::new(),
            Err(_) => batch
                .iter()
                .chain(self.pending.iter())
                .filter_map(|p| match p {
                    Pending::Append { document, .. } => Some(*document),
                    _ => None,
                })
                .collect(),
        };
        let mut refused: Vec<ConnId> = Vec::new();
        if let Err(e) = &committed {
            tracing::error!(error = %e, documents = failed.len(), "cannot store changes; refusing them");
            let later = std::mem::take(&mut self.pending);
            self.pending = later
                .into_iter()
                .filter(|p| match p {
                    Pending::Append {
                        document, origin, ..
                    } if failed.contains(document) => {
                        refused.push(*origin);
                        false
                    }
                    Pending::Compact { document, .. } => !failed.contains(document),
                    Pending::Send { message, .. } => !about(message, &failed),
                    _ => true,
                })
                .collect();
            for document in &failed {
                // Forget the unstored changes: the senders will offer them again.
                self.docs.mem.remove(document);
            }
        }
        for p in batch {
            match p {
                Pending::Append {
                    document, origin, ..
                } => {
                    if failed.contains(&document) {
                        refused.push(origin);
                    } else {
                        self.docs.written(&document);
                    }
                }
                Pending::Compact { document, .. } => self.docs.written(&document),
                Pending::Send { conn, message } => {
                    if !about(&message, &failed) {
                        self.send(conn, message);
                    }
                }
                Pending::Close { conn, reason } => self.close(conn, reason),
            }
        }
        refused.sort_unstable();
        refused.dedup();
        for origin in refused {
            self.send(origin, Message::Error {
                message: "the relay cannot store changes right now; they stay on your device and will be sent again".into(),
            });
            self.close(origin, "storage failure".into());
        }
    }

    fn send(&mut self, conn: ConnId, message: Message) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        match c.tx.try_send(Outbound::frame(&message)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                let reason = format!(
                    "the peer fell more than {} behind (it stopped reading?); reconnect to catch up",
                    self.send_queue
                );
                self.abandon(conn, reason);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Closes a connection after what is already queued for it.
    fn close(&mut self, conn: ConnId, reason: String) {
        if let Some(c) = self.conns.remove(&conn) {
            let peer = self.session.remote(conn).map(ToString::to_string);
            tracing::warn!(conn = conn.0, addr = %c.addr, peer = peer.as_deref().unwrap_or("-"), ?reason, "closing connection");
            if let Err(mpsc::error::TrySendError::Full(_)) =
                c.tx.try_send(Outbound::Close(reason.clone()))
            {
                // The queue is full: the close overtakes it.
                let _ = c.abandon.send(reason);
            }
        }
        self.session.disconnect(conn);
    }

    /// Gives up on a connection whose peer fell behind: it is forgotten at once (nothing
    /// more is queued for it, nobody waits for it), and its writer drops the backlog and
    /// sends the reason in a close frame.
    fn abandon(&mut self, conn: ConnId, reason: String) {
        if let Some(c) = self.conns.remove(&conn) {
            let peer = self.session.remote(conn).map(ToString::to_string);
            tracing::warn!(conn = conn.0, addr = %c.addr, peer = peer.as_deref().unwrap_or("-"), ?reason, "disconnecting a peer that fell behind");
            let _ = c.abandon.send(reason);
        }
        self.session.disconnect(conn);
    }
}

/// The committer: makes queued writes durable in groups, then lets out what waited behind
/// them, in order. Ends once the hub is gone.
async fn commit_forever(hub: std::sync::Weak<Mutex<Inner>>, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        let Some(inner) = hub.upgrade() else {
            return;
        };
        while commit_once(&inner).await {}
    }
}

/// Commits everything queued now; `false` when nothing was.
async fn commit_once(hub: &Mutex<Inner>) -> bool {
    let (batch, store) = {
        let mut inner = hub.lock().await;
        if inner.pending.is_empty() {
            inner.committing = false;
            return false;
        }
        inner.committing = true;
        (std::mem::take(&mut inner.pending), inner.docs.store.clone())
    };
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
    let compacts: Vec<(String, Vec<u8>, u64)> = batch
        .iter()
        .filter_map(|p| match p {
            Pending::Compact {
                document,
                snapshot,
                through_seq,
            } => Some((document.to_string(), snapshot.clone(), *through_seq)),
            _ => None,
        })
        .collect();
    let committed = if appends.is_empty() {
        Ok(())
    } else {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.append_all(&appends))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
    };
    if committed.is_ok() && !compacts.is_empty() {
        // A failed compaction loses nothing: the increments are stored.
        let outcome = tokio::task::spawn_blocking(move || {
            for (document, snapshot, through) in compacts {
                if let Err(e) = store.compact(&document, &snapshot, through) {
                    tracing::warn!(%document, error = %e, "compaction failed");
                }
            }
        })
        .await;
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "compaction task failed");
        }
    }
    let mut inner = hub.lock().await;
    inner.settle(batch, committed);
    true
}
