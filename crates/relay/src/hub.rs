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
use tokio::sync::{Mutex, mpsc};

use crate::doc_store::DocStore;

/// What a connection's writer task sends.
#[derive(Debug)]
pub enum Outbound {
    Frame(Vec<u8>),
    Close(String),
}

/// How many frames may wait for a slow reader before it is disconnected.
pub const SEND_QUEUE: usize = 1024;

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
}

struct Conn {
    tx: mpsc::Sender<Outbound>,
    /// Who connected, for the logs.
    addr: String,
}

/// The relay's sync peer, shared by every connection.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Mutex<Inner>>,
}

impl Hub {
    pub fn new(store: DocStore, relay_id: PeerId) -> Self {
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
            })),
        }
    }

    /// Registers a new connection; frames for it arrive on the returned receiver.
    pub async fn connect(&self, addr: String) -> (ConnId, mpsc::Receiver<Outbound>) {
        let (tx, rx) = mpsc::channel(SEND_QUEUE);
        let mut inner = self.inner.lock().await;
        inner.next_conn += 1;
        let conn = ConnId(inner.next_conn);
        inner.conns.insert(conn, Conn { tx, addr });
        let effects = inner.session.connect(conn, Role::Acceptor);
        inner.apply(conn, effects);
        (conn, rx)
    }

    /// A frame arrived.
    pub async fn receive(&self, conn: ConnId, bytes: &[u8]) {
        let mut inner = self.inner.lock().await;
        let Inner { session, docs, .. } = &mut *inner;
        let effects = session.receive(conn, bytes, docs);
        inner.apply(conn, effects);
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
                self.close(
                    conn,
                    format!("the peer fell more than {SEND_QUEUE} messages behind"),
                );
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    fn close(&mut self, conn: ConnId, reason: String) {
        if let Some(c) = self.conns.remove(&conn) {
            let peer = self.session.remote(conn).map(ToString::to_string);
            tracing::warn!(conn = conn.0, addr = %c.addr, peer = peer.as_deref().unwrap_or("-"), %reason, "closing connection");
            // If the queue is full the writer is stuck anyway; dropping `tx` ends it.
            let _ = c.tx.try_send(Outbound::Close(reason));
        }
        self.session.disconnect(conn);
    }
}
