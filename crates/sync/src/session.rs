//! A sans-IO sync session: one peer's side of every connection it has.
//!
//! The runtime (a browser WebSocket, the relay's axum handler, a test's simulated network)
//! feeds events in — a connection opened or closed, bytes received, a document changed
//! locally — and carries out the [`Effect`]s that come back, **in order**: a
//! `DocumentChanged` comes before the replies that acknowledge it, so a runtime that
//! stores on `DocumentChanged` before sending makes every acknowledged change durable.
//! The session spawns nothing, reads no clock and draws no randomness.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::document_id::DocumentId;
use automerge::{AutoCommit, sync::SyncDoc};

use crate::{
    message::{Message, PROTOCOL_VERSION, PeerMetadata},
    peer_id::PeerId,
};

/// A connection, numbered by the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u64);

/// Which side of the handshake this peer plays on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handshake {
    /// Sends `join` (a browser dialling the relay).
    Initiator,
    /// Answers `join` with `peer` (the relay).
    Acceptor,
}

/// The documents a peer holds; the session reads and writes them through this. (A
/// closure rather than a `&mut` return, so documents may live behind a `RefCell`.)
pub trait Documents {
    /// Runs `f` on the document if this peer has it.
    fn with_doc<R>(&mut self, id: &DocumentId, f: impl FnOnce(&mut AutoCommit) -> R) -> Option<R>;
    /// A remote sent changes to a document this peer lacks: create an empty one to accept
    /// them into (a relay does) and return true, or return false to answer
    /// `doc-unavailable`.
    fn create(&mut self, id: &DocumentId) -> bool;
    /// Heads this peer and the remote at the other end of its connections were both known
    /// to hold when they last synced the document (automerge-repo keeps the same thing as
    /// its saved "sync state"). A new connection starts from them instead of from nothing,
    /// so its first messages carry only what changed since — not a filter over the whole
    /// history, which for a years-long document costs every peer a walk of every change.
    /// Heads the document does not hold (lost or never received) are ignored, and a
    /// remote that no longer holds them answers with a reset; so a wrong or stale answer
    /// costs only the full walk. The default remembers nothing.
    fn remembered_shared_heads(&mut self, id: &DocumentId) -> Vec<automerge::ChangeHash> {
        let _ = id;
        Vec::new()
    }
}

/// On a connection's first message about a document, the remote names the heads it last
/// synced from (`have.last_sync`, its remembered shared heads). Where this peer holds them
/// too, they are shared: this side starts from them as well. Without it, a relay (which
/// keeps no memory per browser) answers a browser that made changes offline with a filter
/// over the whole history, and the browser then walks every change for each message it
/// sends until the exchange settles — ~400 ms a keystroke on a 263k-change partnership.
/// Nothing new is trusted: Automerge already decides what to send from the remote's
/// `last_sync`.
fn adopt_their_last_sync(
    state: &mut automerge::sync::State,
    message: &automerge::sync::Message,
    doc: &mut AutoCommit,
) {
    if state.their_heads.is_some() || !state.shared_heads.is_empty() {
        return;
    }
    let Some(last_sync) = message.have.first().map(|h| &h.last_sync) else {
        return;
    };
    if !last_sync.is_empty()
        && last_sync
            .iter()
            .all(|h| doc.get_change_meta_by_hash(h).is_some())
    {
        state.shared_heads = last_sync.clone();
    }
}

/// A fresh sync state for a document, starting from the heads both sides were known to
/// share when that is still true of this peer's copy.
fn initial_state(docs: &mut impl Documents, id: &DocumentId) -> automerge::sync::State {
    let mut state = automerge::sync::State::new();
    let remembered = docs.remembered_shared_heads(id);
    if remembered.is_empty() {
        return state;
    }
    let held = docs.with_doc(id, |doc| {
        remembered
            .iter()
            .all(|h| doc.get_change_meta_by_hash(h).is_some())
    });
    if held == Some(true) {
        state.shared_heads = remembered;
    }
    state
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a message on a connection.
    Send { conn: ConnId, message: Message },
    /// Close a connection (after sending anything queued before this effect).
    Close { conn: ConnId, reason: String },
    /// The handshake finished.
    PeerReady { conn: ConnId, peer: PeerId },
    /// A document took in remote changes: store it, re-render it.
    DocumentChanged { document: DocumentId },
    /// A remote said it does not have (or will not share) a document.
    DocumentUnavailable { conn: ConnId, document: DocumentId },
    /// Transient data (presence) for a document, deduplicated.
    Ephemeral {
        document: DocumentId,
        sender: PeerId,
        session: String,
        data: Vec<u8>,
    },
}

#[derive(Debug)]
enum Phase {
    AwaitingJoin,
    AwaitingPeer,
    Ready(PeerId),
}

#[derive(Debug)]
struct Conn {
    handshake: Handshake,
    phase: Phase,
    /// Documents synced on this connection, with their Automerge sync state.
    docs: HashMap<DocumentId, automerge::sync::State>,
    /// The highest ephemeral count seen on this connection per (sender, session id), at
    /// most [`MAX_EPHEMERAL_SESSIONS`]; forgotten with the connection.
    ephemeral_seen: HashMap<(PeerId, String), u64>,
}

/// How many (sender, session id) pairs one connection remembers for deduplicating presence.
/// Past it the pair with the lowest count is forgotten, so a peer inventing session ids
/// costs a bounded amount of memory (a duplicate may then pass once).
pub const MAX_EPHEMERAL_SESSIONS: usize = 256;
/// The longest ephemeral session id accepted (automerge-repo's are 16–36 characters).
pub const MAX_SESSION_ID_BYTES: usize = 128;

impl Conn {
    fn remote(&self) -> Option<&PeerId> {
        match &self.phase {
            Phase::Ready(p) => Some(p),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct Session {
    me: PeerId,
    metadata: PeerMetadata,
    conns: BTreeMap<ConnId, Conn>,
    /// Documents this peer offers on every connection it initiates.
    shared: BTreeSet<DocumentId>,
    /// Documents Automerge panicked on since [`Session::take_suspect`] was last called:
    /// their in-memory copy may be half-updated, so the runtime reloads them.
    suspect: Vec<DocumentId>,
}

/// Runs one Automerge step, turning a panic into `Err` with its message. A peer's message
/// must never be able to end the task that serves everyone else (and leave this
/// session's state behind): the connection that caused it is closed instead.
fn guarded<R>(step: impl FnOnce() -> R) -> Result<R, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)).map_err(|p| panic_message(&*p))
}

/// What a caught panic said.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Refusing a connection: a protocol error with the reason, then the close.
pub fn refuse(conn: ConnId, reason: impl Into<String>) -> Vec<Effect> {
    let reason = reason.into();
    vec![
        Effect::Send {
            conn,
            message: Message::Error {
                message: reason.clone(),
            },
        },
        Effect::Close { conn, reason },
    ]
}

impl Session {
    pub fn new(me: PeerId, metadata: PeerMetadata) -> Self {
        Session {
            me,
            metadata,
            conns: BTreeMap::new(),
            shared: BTreeSet::new(),
            suspect: Vec::new(),
        }
    }

    /// The documents Automerge panicked on since the last call (the connection involved
    /// was refused): their copy in memory may be half-updated, so a runtime that can
    /// reload them from storage should.
    pub fn take_suspect(&mut self) -> Vec<DocumentId> {
        std::mem::take(&mut self.suspect)
    }

    pub fn peer_id(&self) -> &PeerId {
        &self.me
    }

    /// A connection opened. The initiator sends `join`.
    pub fn connect(&mut self, conn: ConnId, handshake: Handshake) -> Vec<Effect> {
        let phase = match handshake {
            Handshake::Initiator => Phase::AwaitingPeer,
            Handshake::Acceptor => Phase::AwaitingJoin,
        };
        self.conns.insert(
            conn,
            Conn {
                handshake,
                phase,
                docs: HashMap::new(),
                ephemeral_seen: HashMap::new(),
            },
        );
        match handshake {
            Handshake::Initiator => vec![Effect::Send {
                conn,
                message: Message::Join {
                    sender_id: self.me.clone(),
                    metadata: self.metadata.clone(),
                    supported_protocol_versions: vec![PROTOCOL_VERSION.into()],
                },
            }],
            Handshake::Acceptor => Vec::new(),
        }
    }

    /// Takes on a connection whose handshake another session finished (a relay that keeps
    /// one session per document): it starts ready, with `peer` at the other end, and
    /// syncing nothing yet. Does nothing if the connection is known already.
    pub fn adopt(&mut self, conn: ConnId, handshake: Handshake, peer: PeerId) {
        self.conns.entry(conn).or_insert_with(|| Conn {
            handshake,
            phase: Phase::Ready(peer),
            docs: HashMap::new(),
            ephemeral_seen: HashMap::new(),
        });
    }

    /// Whether the session knows a connection (open, handshake finished or not).
    pub fn knows(&self, conn: ConnId) -> bool {
        self.conns.contains_key(&conn)
    }

    /// Whether the session has no connection at all.
    pub fn is_idle(&self) -> bool {
        self.conns.is_empty()
    }

    /// A connection closed; its sync states are forgotten (a new connection starts over).
    pub fn disconnect(&mut self, conn: ConnId) {
        self.conns.remove(&conn);
    }

    /// The remote peer of a connection, once the handshake is done.
    pub fn remote(&self, conn: ConnId) -> Option<&PeerId> {
        self.conns.get(&conn).and_then(Conn::remote)
    }

    /// Connections whose handshake is done.
    pub fn ready_connections(&self) -> impl Iterator<Item = (ConnId, &PeerId)> {
        self.conns
            .iter()
            .filter_map(|(id, c)| c.remote().map(|p| (*id, p)))
    }

    /// Whether any connection syncs the document (a relay keeps such documents in memory).
    pub fn is_in_use(&self, document: &DocumentId) -> bool {
        self.conns.values().any(|c| c.docs.contains_key(document))
    }

    /// The documents synced on a connection.
    pub fn documents_on(&self, conn: ConnId) -> Vec<DocumentId> {
        self.conns
            .get(&conn)
            .map(|c| c.docs.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Whether a connection syncs a document (without listing them all).
    pub fn syncs(&self, conn: ConnId, document: &DocumentId) -> bool {
        self.conns
            .get(&conn)
            .is_some_and(|c| c.docs.contains_key(document))
    }

    /// How many (sender, session id) pairs a connection remembers for presence.
    pub fn ephemeral_sessions(&self, conn: ConnId) -> usize {
        self.conns.get(&conn).map_or(0, |c| c.ephemeral_seen.len())
    }

    /// How many documents a connection syncs.
    pub fn document_count(&self, conn: ConnId) -> usize {
        self.conns.get(&conn).map_or(0, |c| c.docs.len())
    }

    /// Stops syncing a document on one connection (its access ended): nothing more about
    /// it is sent there, and its sync state is forgotten. Returns whether it was synced.
    pub fn forget(&mut self, conn: ConnId, document: &DocumentId) -> bool {
        self.conns
            .get_mut(&conn)
            .is_some_and(|c| c.docs.remove(document).is_some())
    }

    /// Stops offering a document on the connections this peer initiates (the browser
    /// lost access to it), and forgets its sync state on them.
    pub fn unshare(&mut self, document: &DocumentId) {
        self.shared.remove(document);
        for c in self.conns.values_mut() {
            c.docs.remove(document);
        }
    }

    /// Whether the document is offered on the connections this peer initiates.
    pub fn is_shared(&self, document: &DocumentId) -> bool {
        self.shared.contains(document)
    }

    /// Offers a document on every connection this peer initiates, now and later.
    pub fn share(&mut self, document: DocumentId, docs: &mut impl Documents) -> Vec<Effect> {
        self.shared.insert(document);
        let conns: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.handshake == Handshake::Initiator && c.remote().is_some())
            .map(|(id, _)| *id)
            .collect();
        let mut effects = Vec::new();
        for conn in conns {
            self.sync_on(conn, document, docs, &mut effects);
        }
        effects
    }

    /// A document changed locally (or through another connection): tell every connection
    /// that syncs it.
    pub fn changed(&mut self, document: DocumentId, docs: &mut impl Documents) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.fan_out(document, None, docs, &mut effects);
        effects
    }

    /// How many of the document's changes the remote on `conn` is not yet known to have;
    /// `None` if the document is not synced on that connection.
    pub fn unacknowledged(
        &self,
        conn: ConnId,
        doc: &mut AutoCommit,
        document: &DocumentId,
    ) -> Option<usize> {
        let state = self.conns.get(&conn)?.docs.get(document)?;
        let theirs = state.their_heads.clone().unwrap_or_default();
        Some(doc.get_changes_meta(&theirs).len())
    }

    /// The heads the remote on `conn` last reported for a document: every change they
    /// cover is stored there.
    pub fn their_heads(
        &self,
        conn: ConnId,
        document: &DocumentId,
    ) -> Option<Vec<automerge::ChangeHash>> {
        self.conns
            .get(&conn)?
            .docs
            .get(document)?
            .their_heads
            .clone()
    }

    /// Sends presence or other transient data for a document to every ready connection
    /// that syncs it.
    pub fn broadcast_ephemeral(
        &mut self,
        document: DocumentId,
        session: &str,
        count: u64,
        data: Vec<u8>,
    ) -> Vec<Effect> {
        self.conns
            .iter()
            .filter(|(_, c)| c.docs.contains_key(&document))
            .filter_map(|(id, c)| c.remote().map(|p| (*id, p.clone())))
            .map(|(conn, target_id)| Effect::Send {
                conn,
                message: Message::Ephemeral {
                    sender_id: self.me.clone(),
                    target_id,
                    document_id: document,
                    session_id: session.to_owned(),
                    count,
                    data: data.clone(),
                },
            })
            .collect()
    }

    fn sync_on(
        &mut self,
        conn: ConnId,
        document: DocumentId,
        docs: &mut impl Documents,
        effects: &mut Vec<Effect>,
    ) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let Some(target_id) = c.remote().cloned() else {
            return;
        };
        let state = c
            .docs
            .entry(document)
            .or_insert_with(|| initial_state(docs, &document));
        let generated = docs.with_doc(&document, |doc| {
            let empty = doc.get_heads().is_empty();
            guarded(|| doc.sync().generate_sync_message(state)).map(|m| m.map(|m| (empty, m)))
        });
        if let Some(Err(panic)) = &generated {
            // This connection's sync state made Automerge panic: it must not stop the
            // document syncing for everyone else, so the connection goes (and the state
            // with it); a reconnect starts from a fresh state.
            self.conns.remove(&conn);
            self.suspect.push(document);
            effects.extend(refuse(
                conn,
                format!(
                    "the relay hit an internal error answering about {document} ({panic}); reconnect to sync it again"
                ),
            ));
            return;
        }
        if let Some(Ok(Some((empty, msg)))) = generated {
            let data = msg.encode();
            let sender_id = self.me.clone();
            let message = if empty {
                Message::Request {
                    sender_id,
                    target_id,
                    document_id: document,
                    data,
                }
            } else {
                Message::Sync {
                    sender_id,
                    target_id,
                    document_id: document,
                    data,
                }
            };
            effects.push(Effect::Send { conn, message });
        }
    }

    fn fan_out(
        &mut self,
        document: DocumentId,
        except: Option<ConnId>,
        docs: &mut impl Documents,
        effects: &mut Vec<Effect>,
    ) {
        let conns: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(id, c)| Some(**id) != except && c.docs.contains_key(&document))
            .map(|(id, _)| *id)
            .collect();
        for conn in conns {
            self.sync_on(conn, document, docs, effects);
        }
    }

    /// Bytes arrived on a connection.
    pub fn receive(
        &mut self,
        conn: ConnId,
        bytes: &[u8],
        docs: &mut impl Documents,
    ) -> Vec<Effect> {
        let message = match Message::decode(bytes) {
            Ok(m) => m,
            Err(e) => return refuse(conn, format!("malformed message: {e}")),
        };
        self.handle(conn, message, docs)
    }

    /// A decoded message arrived on a connection.
    pub fn handle(
        &mut self,
        conn: ConnId,
        message: Message,
        docs: &mut impl Documents,
    ) -> Vec<Effect> {
        let Some(c) = self.conns.get_mut(&conn) else {
            return Vec::new();
        };
        if let Message::Error { message } = &message {
            return vec![Effect::Close {
                conn,
                reason: format!("the peer reported an error: {message}"),
            }];
        }
        match (&c.phase, message) {
            (
                Phase::AwaitingJoin,
                Message::Join {
                    sender_id,
                    supported_protocol_versions,
                    ..
                },
            ) => {
                if !supported_protocol_versions
                    .iter()
                    .any(|v| v == PROTOCOL_VERSION)
                {
                    return refuse(
                        conn,
                        format!(
                            "unsupported protocol versions {supported_protocol_versions:?}; this relay speaks {PROTOCOL_VERSION:?}"
                        ),
                    );
                }
                c.phase = Phase::Ready(sender_id.clone());
                let mut effects = Vec::new();
                // A second join with the same peer id replaces the earlier connection.
                let stale: Vec<ConnId> = self
                    .conns
                    .iter()
                    .filter(|(id, other)| **id != conn && other.remote() == Some(&sender_id))
                    .map(|(id, _)| *id)
                    .collect();
                for old in stale {
                    self.conns.remove(&old);
                    effects.push(Effect::Close {
                        conn: old,
                        reason: format!("peer {sender_id} connected again"),
                    });
                }
                effects.push(Effect::Send {
                    conn,
                    message: Message::Peer {
                        sender_id: self.me.clone(),
                        target_id: sender_id.clone(),
                        metadata: self.metadata.clone(),
                        selected_protocol_version: PROTOCOL_VERSION.into(),
                    },
                });
                effects.push(Effect::PeerReady {
                    conn,
                    peer: sender_id,
                });
                effects
            }
            (
                Phase::AwaitingPeer,
                Message::Peer {
                    sender_id,
                    target_id,
                    selected_protocol_version,
                    ..
                },
            ) => {
                if selected_protocol_version != PROTOCOL_VERSION {
                    return refuse(
                        conn,
                        format!("the relay chose protocol {selected_protocol_version:?}"),
                    );
                }
                if target_id != self.me {
                    return refuse(conn, "the relay answered another peer");
                }
                c.phase = Phase::Ready(sender_id.clone());
                let mut effects = vec![Effect::PeerReady {
                    conn,
                    peer: sender_id,
                }];
                for document in self.shared.clone() {
                    self.sync_on(conn, document, docs, &mut effects);
                }
                effects
            }
            (Phase::Ready(remote), message) => {
                let remote = remote.clone();
                // A relay passes on others' ephemeral messages under their sender id;
                // everything else must come from the peer on the other end.
                let relayed = c.handshake == Handshake::Initiator
                    && matches!(message, Message::Ephemeral { .. });
                if !relayed && message.sender_id() != Some(&remote) {
                    return refuse(
                        conn,
                        format!(
                            "a {} message claimed another sender than {remote}",
                            message.kind()
                        ),
                    );
                }
                self.handle_ready(conn, remote, message, docs)
            }
            (_, message) => refuse(
                conn,
                format!(
                    "unexpected {} message before the handshake finished",
                    message.kind()
                ),
            ),
        }
    }

    fn handle_ready(
        &mut self,
        conn: ConnId,
        remote: PeerId,
        message: Message,
        docs: &mut impl Documents,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        match message {
            Message::Sync {
                target_id,
                document_id,
                data,
                ..
            }
            | Message::Request {
                target_id,
                document_id,
                data,
                ..
            } if target_id != self.me => {
                let _ = (document_id, data);
                return refuse(conn, "a message addressed to another peer");
            }
            Message::Sync {
                document_id, data, ..
            } => {
                self.apply_sync(conn, &remote, document_id, &data, false, docs, &mut effects);
            }
            Message::Request {
                document_id, data, ..
            } => {
                self.apply_sync(conn, &remote, document_id, &data, true, docs, &mut effects);
            }
            Message::DocUnavailable { document_id, .. } => {
                effects.push(Effect::DocumentUnavailable {
                    conn,
                    document: document_id,
                });
            }
            Message::Ephemeral {
                sender_id,
                document_id,
                session_id,
                count,
                data,
                ..
            } => {
                if data.len() > crate::message::MAX_EPHEMERAL_BYTES {
                    return refuse(
                        conn,
                        format!(
                            "an ephemeral message of {} bytes; at most {} are accepted",
                            data.len(),
                            crate::message::MAX_EPHEMERAL_BYTES
                        ),
                    );
                }
                if session_id.len() > MAX_SESSION_ID_BYTES {
                    return refuse(
                        conn,
                        format!(
                            "an ephemeral session id of {} bytes; at most {MAX_SESSION_ID_BYTES} are accepted",
                            session_id.len()
                        ),
                    );
                }
                let Some(c) = self.conns.get_mut(&conn) else {
                    return effects;
                };
                let key = (sender_id.clone(), session_id.clone());
                if c.ephemeral_seen
                    .get(&key)
                    .is_some_and(|seen| *seen >= count)
                {
                    return effects;
                }
                if c.ephemeral_seen.len() >= MAX_EPHEMERAL_SESSIONS
                    && !c.ephemeral_seen.contains_key(&key)
                {
                    let lowest = c
                        .ephemeral_seen
                        .iter()
                        .min_by_key(|(_, seen)| **seen)
                        .map(|(k, _)| k.clone());
                    if let Some(lowest) = lowest {
                        c.ephemeral_seen.remove(&lowest);
                    }
                }
                c.ephemeral_seen.insert(key, count);
                // A relay passes presence on to the others who sync the document.
                let forward_to: Vec<(ConnId, PeerId)> = self
                    .conns
                    .iter()
                    .filter(|(id, c)| {
                        **id != conn
                            && c.handshake == Handshake::Acceptor
                            && c.docs.contains_key(&document_id)
                    })
                    .filter_map(|(id, c)| c.remote().map(|p| (*id, p.clone())))
                    .collect();
                for (other, target_id) in forward_to {
                    effects.push(Effect::Send {
                        conn: other,
                        message: Message::Ephemeral {
                            sender_id: sender_id.clone(),
                            target_id,
                            document_id,
                            session_id: session_id.clone(),
                            count,
                            data: data.clone(),
                        },
                    });
                }
                effects.push(Effect::Ephemeral {
                    document: document_id,
                    sender: sender_id,
                    session: session_id,
                    data,
                });
            }
            Message::Leave { .. } | Message::HeadsGossip { .. } => {}
            other => {
                return refuse(
                    conn,
                    format!("unexpected {} message after the handshake", other.kind()),
                );
            }
        }
        effects
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_sync(
        &mut self,
        conn: ConnId,
        remote: &PeerId,
        document: DocumentId,
        data: &[u8],
        is_request: bool,
        docs: &mut impl Documents,
        effects: &mut Vec<Effect>,
    ) {
        if let Err(e) = crate::sync_payload::check(data) {
            effects.extend(refuse(
                conn,
                format!("refused a sync message for {document}: {e}"),
            ));
            return;
        }
        let message = match automerge::sync::Message::decode(data) {
            Ok(m) => m,
            Err(e) => {
                effects.extend(refuse(
                    conn,
                    format!("malformed sync message for {document}: {e}"),
                ));
                return;
            }
        };
        let carries_changes = !message.changes.is_empty();
        let has_content = docs.with_doc(&document, |d| !d.get_heads().is_empty());
        if is_request && !carries_changes && has_content != Some(true) {
            // Asked for a document this peer does not have (or has only empty). The
            // interest is remembered: if the document arrives later, it is sent on.
            if let Some(c) = self.conns.get_mut(&conn) {
                c.docs.entry(document).or_default();
            }
            effects.push(self.unavailable(conn, remote, document));
            return;
        }
        if has_content.is_none() && !docs.create(&document) {
            effects.push(self.unavailable(conn, remote, document));
            return;
        }
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let state = c
            .docs
            .entry(document)
            .or_insert_with(|| initial_state(docs, &document));
        let applied = docs.with_doc(&document, |doc| {
            adopt_their_last_sync(state, &message, doc);
            let before = doc.get_heads();
            guarded(|| doc.sync().receive_sync_message(state, message))
                .map(|received| received.map(|()| doc.get_heads() != before))
        });
        let changed = match applied {
            Some(Ok(Ok(changed))) => changed,
            Some(Err(panic)) => {
                self.conns.remove(&conn);
                self.suspect.push(document);
                effects.extend(refuse(
                    conn,
                    format!(
                        "the sync message for {document} made the relay fail ({panic}); it was not applied"
                    ),
                ));
                return;
            }
            Some(Ok(Err(e))) => {
                effects.extend(refuse(
                    conn,
                    format!("sync message for {document} could not be applied: {e}"),
                ));
                return;
            }
            None => {
                effects.push(self.unavailable(conn, remote, document));
                return;
            }
        };
        if changed {
            effects.push(Effect::DocumentChanged { document });
        }
        // Reply first on this connection, then pass new changes on to the others.
        self.sync_on(conn, document, docs, effects);
        if changed {
            self.fan_out(document, Some(conn), docs, effects);
        }
    }

    fn unavailable(&self, conn: ConnId, remote: &PeerId, document: DocumentId) -> Effect {
        Effect::Send {
            conn,
            message: Message::DocUnavailable {
                sender_id: self.me.clone(),
                target_id: remote.clone(),
                document_id: document,
            },
        }
    }
}
