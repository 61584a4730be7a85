//! The relay's sync peer: one protocol session for every connection, the documents in
//! memory, and the bridge to the on-disk store.
//!
//! Every event passes through one lock, in order. When a sync message brings changes,
//! the changes are committed to disk *before* anything that acknowledges them (the reply
//! to the sender, the forward to other peers) is queued: a change anyone has seen
//! acknowledged survives a crash. If the commit fails, the acknowledgements are dropped,
//! the sender is told and disconnected, and the document is reloaded from disk.

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
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::{
    access::{Access, Role as AccessRole, peer_belongs_to},
    api::now_ms,
    doc_store::DocStore,
};

/// What a connection's writer task sends.
#[derive(Debug)]
pub enum Outbound {
    Frame(Vec<u8>),
    Close(String),
}

/// How many frames may wait for a slow reader before it is disconnected (`--send-queue`).
pub const DEFAULT_SEND_QUEUE: usize = 1024;

/// What a connection's writer reads: its frames in order, and — apart from them, so it
/// overtakes a full queue — the order to give up on a peer that stopped reading.
pub struct Outlet {
    pub frames: mpsc::Receiver<Outbound>,
    /// Fires with the reason when the peer fell too far behind: the writer drops what is
    /// queued, sends a close frame with the reason if the socket takes it, and ends.
    pub abandon: oneshot::Receiver<String>,
}

struct Loaded {
    doc: AutoCommit,
    saved_heads: Vec<ChangeHash>,
    snapshot_len: usize,
    increments_len: usize,
    next_seq: u64,
    last_used: Instant,
}

struct RelayDocs {
    store: DocStore,
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

    /// Commits whatever changed since the last commit. Compacts when increments
    /// outweigh the snapshot.
    fn persist(&mut self, id: &DocumentId) -> Result<(), String> {
        let Some(loaded) = self.mem.get_mut(id) else {
            return Ok(());
        };
        let heads = loaded.doc.get_heads();
        if heads == loaded.saved_heads {
            return Ok(());
        }
        let key = id.to_string();
        let bytes = loaded.doc.save_after(&loaded.saved_heads);
        self.store
            .append(&key, loaded.next_seq, &bytes)
            .map_err(|e| e.to_string())?;
        loaded.next_seq += 1;
        loaded.increments_len += bytes.len();
        loaded.saved_heads = heads;
        if loaded.increments_len > loaded.snapshot_len {
            let snapshot = loaded.doc.save();
            // A failed compaction loses nothing: the increments are still stored.
            match self.store.compact(&key, &snapshot) {
                Ok(()) => {
                    loaded.snapshot_len = snapshot.len();
                    loaded.increments_len = 0;
                }
                Err(e) => tracing::warn!(document = %id, error = %e, "compaction failed"),
            }
        }
        Ok(())
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
        });
        true
    }
}

struct Inner {
    session: Session,
    docs: RelayDocs,
    conns: HashMap<ConnId, Conn>,
    next_conn: u64,
    send_queue: usize,
}

struct Conn {
    tx: mpsc::Sender<Outbound>,
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
    access: Access,
    max_docs_per_connection: usize,
    /// Frames that may wait for one connection before it is given up on.
    send_queue: usize,
}

impl Hub {
    pub fn new(
        store: DocStore,
        relay_id: PeerId,
        access: Access,
        max_docs_per_connection: usize,
        send_queue: usize,
    ) -> Self {
        let metadata = PeerMetadata {
            storage_id: None,
            is_ephemeral: false,
        };
        Hub {
            inner: Arc::new(Mutex::new(Inner {
                session: Session::new(relay_id, metadata),
                docs: RelayDocs {
                    store,
                    mem: HashMap::new(),
                    unreadable: HashSet::new(),
                },
                conns: HashMap::new(),
                next_conn: 0,
                send_queue: send_queue.max(1),
            })),
            access,
            max_docs_per_connection,
            send_queue: send_queue.max(1),
        }
    }

    /// Registers a new connection; frames for it arrive on the returned receiver.
    /// `device` is who authenticated it.
    pub async fn connect(&self, addr: String, device: String) -> (ConnId, Outlet) {
        let (tx, frames) = mpsc::channel(self.send_queue);
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
        inner.apply(conn, effects);
        (conn, Outlet { frames, abandon })
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
                inner.apply(conn, effects);
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
                inner.send(conn, message);
            }
            Gate::Drop => {}
            Gate::Refuse(reason) => {
                tracing::warn!(conn = conn.0, %device, %reason, "refused a message");
                let effects = vec![
                    Effect::Send {
                        conn,
                        message: Message::Error {
                            message: reason.clone(),
                        },
                    },
                    Effect::Close { conn, reason },
                ];
                inner.apply(conn, effects);
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
                inner.send(*conn, message);
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
        inner.apply(conn, effects);
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

impl Inner {
    /// Carries out effects in order. A failed commit cancels the acknowledgements after it.
    fn apply(&mut self, origin: ConnId, effects: Vec<Effect>) {
        let mut acknowledge = true;
        for effect in effects {
            match effect {
                Effect::DocumentChanged { document } => {
                    if let Err(e) = self.docs.persist(&document) {
                        tracing::error!(document = %document, error = %e, "cannot store changes; refusing them");
                        // Forget the unstored changes: the sender will offer them again.
                        self.docs.mem.remove(&document);
                        acknowledge = false;
                        self.send(origin, Message::Error {
                            message: "the relay cannot store changes right now; they stay on your device and will be sent again".into(),
                        });
                        self.close(origin, "storage failure".into());
                    }
                }
                Effect::Send { conn, message } => {
                    if acknowledge {
                        self.send(conn, message);
                    }
                }
                Effect::Close { conn, reason } => self.close(conn, reason),
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
    }

    fn send(&mut self, conn: ConnId, message: Message) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        match c.tx.try_send(Outbound::Frame(message.encode())) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                let reason = format!(
                    "the peer fell more than {} messages behind (it stopped reading?); reconnect to catch up",
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
            tracing::warn!(conn = conn.0, addr = %c.addr, peer = peer.as_deref().unwrap_or("-"), %reason, "closing connection");
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
            tracing::warn!(conn = conn.0, addr = %c.addr, peer = peer.as_deref().unwrap_or("-"), %reason, "disconnecting a peer that fell behind");
            let _ = c.abandon.send(reason);
        }
        self.session.disconnect(conn);
    }
}
