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
};
use tokio::sync::{Mutex, Notify, mpsc, oneshot};

use crate::{
    access::{Access, Role as AccessRole, peer_belongs_to},
    api::now_ms,
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
        }
    }
}

impl Documents for RelayDocs {
    fn with_doc<R>(&mut self, id: &DocumentId, f: impl FnOnce(&mut AutoCommit) -> R) -> Option<R> {
        if !self.ensure_loaded(id) {
            return None;
        }
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
    pub async fn receive(&self, conn: ConnId, bytes: &[u8]) {
        let message = match Message::decode(bytes) {
            Ok(m) => m,
            Err(e) => return self.refuse(conn, &format!("malformed message: {e}")).await,
        };
        let mut inner = self.inner.lock().await;
        let Some(device) = inner.conns.get(&conn).map(|c| c.device.clone()) else {
            return;
        };
        match self.gate(&inner.session, conn, &device, &message) {
            Gate::Pass => {
                let Inner { session, docs, .. } = &mut *inner;
                let effects = session.handle(conn, message, docs);
                if inner.apply(conn, effects) {
                    self.wake.notify_one();
                }
            }
            Gate::Unavailable(document) => {
                let Some(remote) = inner.session.remote(conn).cloned() else {
                    return;
                };
                tracing::debug!(conn = conn.0, %device, %document, "no access: answered doc-unavailable");
                let message = Message::DocUnavailable {
                    sender_id: inner.session.peer_id().clone(),
                    target_id: remote,
                    document_id: document,
                };
                inner.send_ordered(conn, message);
            }
            Gate::Drop => {}
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
                if inner.apply(conn, effects) {
                    self.wake.notify_one();
                }
            }
        }
    }

    /// The access rules for one message from `device`.
    fn gate(&self, session: &Session, conn: ConnId, device: &str, message: &Message) -> Gate {
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
            } if !session.documents_on(conn).contains(document_id)
                && session.documents_on(conn).len() >= self.max_docs_per_connection =>
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
                Ok(AccessRole::Viewer) => {
                    let changes = automerge::sync::Message::decode(data)
                        .map(|m| m.changes.len())
                        .unwrap_or(0);
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
                Ok(_) => {
                    self.note_use(session, conn, device, document_id, now);
                    Gate::Pass
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

    /// The first use of a document on a connection counts as "last used" for its links.
    fn note_use(
        &self,
        session: &Session,
        conn: ConnId,
        device: &str,
        document: &DocumentId,
        now: i64,
    ) {
        if !session.documents_on(conn).contains(document) {
            self.access.touch(device, document, now);
        }
    }

    /// Ends the syncing of every document a connection may no longer see (a link was
    /// revoked or expired): the peer gets `doc-unavailable` and nothing more about it.
    pub async fn enforce_access(&self) -> usize {
        let mut inner = self.inner.lock().await;
        let now = now_ms();
        let mut ended = Vec::new();
        for (conn, c) in &inner.conns {
            for document in inner.session.documents_on(*conn) {
                if self.access.role(&c.device, &document, now).is_err() {
                    ended.push((*conn, c.device.clone(), document));
                }
            }
        }
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

/// Whether a frame is a sync message about one of `documents`.
fn about(message: &Message, documents: &HashSet<DocumentId>) -> bool {
    matches!(message, Message::Sync { document_id, .. } if documents.contains(document_id))
}

impl Inner {
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
