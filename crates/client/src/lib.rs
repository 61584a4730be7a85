//! The browser's behaviour without the browser.
//!
//! [`Client`] holds every partnership this browser has and decides what happens to them:
//! the sync session with the relay and the link's phase and backoff, access (claim, join,
//! check, revoked, expired), saving and its retry, unsynced counting, presence, and what
//! became of partnerships the browser evicted. It never touches a socket, a clock, a
//! random source or storage: events come in ([`Event`]) with the time and a random
//! number, and what must be done goes out ([`Task`]) for the platform to carry out — the
//! shape of the relay and of `tandem_sync::session`. So every decision is tested
//! natively, on a simulated network with a relay session (`tests/`).
//!
//! The platform (in the browser, `src/platform/`) turns JavaScript callbacks into events
//! and runs the tasks: socket, BroadcastChannel, timers, fetch, localStorage (through
//! [`records`]) and IndexedDB. Screens read documents through [`Client::doc`] and write
//! them through [`Client::doc_mut`] followed by [`Event::LocalEdit`].

pub mod access;
pub mod link;
pub mod records;
pub mod restore;

use std::collections::{BTreeMap, BTreeSet};

use automerge::{AutoCommit, ChangeHash};
use tandem_domain::{document::PartnershipDoc, document_id::DocumentId};
use tandem_sync::{
    peer_id::PeerId,
    presence::{Announcement, HEARTBEAT_MS, Presence, Roster},
    session::{ConnId, Documents, Effect, Handshake, Session},
};

use access::{Access, MADE_HERE, OPEN, Reason, Role, State};
pub use link::Connection;
use records::Record;
use restore::{Outcome, Restore, SavedRecord};

/// How long after a failed save it is tried again (besides with every edit).
pub const SAVE_RETRY_MS: u32 = 5_000;

/// What the client is told. Each comes with the time and a random number.
#[derive(Debug)]
pub enum Event {
    /// The page started: begin connecting, presence heartbeats, record what is stored.
    Start,
    /// The browser says the network is back, or gone.
    Online,
    Offline,
    SocketOpened,
    SocketClosed,
    /// A binary message from the relay.
    Frame(Vec<u8>),
    Timer(Timer),
    /// A save asked for by [`Task::Save`] finished: `Ok` with the heads now stored (a
    /// compaction may store more than the increment held), or why it failed.
    Saved {
        id: DocumentId,
        result: Result<Vec<ChangeHash>, SaveFailure>,
    },
    /// Another tab says it stored a document.
    TabStored(DocumentId),
    /// What [`Task::ReadStore`] read: the stored chunks (empty: nothing stored) and the
    /// access record kept for it now.
    StoreRead {
        id: DocumentId,
        chunks: Vec<Vec<u8>>,
        access: Option<Access>,
    },
    /// A screen changed a document through [`Client::doc_mut`].
    LocalEdit(DocumentId),
    /// The document took in changes from outside the screens (an imported file, another
    /// tab's chunks met while compacting): the screens re-read it; it syncs and saves.
    Merged(DocumentId),
    /// A partnership made (or imported) here and already stored, with the heads stored.
    Added {
        id: DocumentId,
        doc: Box<PartnershipDoc>,
    },
    /// A link was redeemed for this partnership. `stored` is the access record kept for
    /// the Tandem relay now (another tab may have written it; on another server it is the
    /// only record of the Tandem relay's access).
    Joined {
        id: DocumentId,
        role: Role,
        stored: Option<Access>,
    },
    /// A screen asks for a partnership this browser does not hold (opened from a link),
    /// with the access record kept for it now (another tab may have joined it).
    Fetch {
        id: DocumentId,
        stored: Option<Access>,
    },
    /// The answer to a [`Task::Call`].
    Answer {
        call: ApiCall,
        result: Result<Answered, ApiFailure>,
    },
    ScreenOpened(DocumentId),
    ScreenClosed(DocumentId),
    /// The page is going away: say goodbye on every open document.
    PageHidden,
    SetMe(Presence),
    /// The person has read what became of an evicted partnership.
    DismissRestore(DocumentId),
    /// A partnership named in [`Loaded::pending`] has loaded from storage (`None`: it
    /// did not load; the platform lists it as unreadable).
    Opened {
        id: DocumentId,
        doc: Option<Box<PartnershipDoc>>,
    },
}

/// Why a save failed, as the storage banner says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveFailure {
    /// The disk (the browser's quota) is full: free space or export.
    pub full: bool,
    pub message: String,
}

/// The client's timers; each is set by a [`Task::SetTimer`] and comes back as an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    Reconnect,
    SaveRetry,
    Heartbeat,
}

/// A call to the relay's API that the client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiCall {
    RegisterDevice,
    Claim(DocumentId),
    /// What access this device has to a partnership the relay stopped syncing.
    GetAccess(DocumentId),
}

/// A successful answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    Done,
    /// The role the relay gives this device.
    Role(Role),
}

/// A failed call: the relay's reason if it gave one this version knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    pub reason: Option<Reason>,
    pub message: String,
}

/// What the platform must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    OpenSocket,
    CloseSocket,
    Send(Vec<u8>),
    /// Append `bytes` (an increment ending at `heads`) to the document's stored chunks
    /// (compacting if increments outweigh the snapshot), then answer [`Event::Saved`].
    Save {
        id: DocumentId,
        bytes: Vec<u8>,
        heads: Vec<ChangeHash>,
    },
    /// Read the document's stored chunks and answer [`Event::StoreRead`].
    ReadStore(DocumentId),
    /// The chunks last read for this document ([`Event::StoreRead`]) are all in it now, so
    /// a compaction may replace them. Chunks that did not load are never replaced.
    ReadHeld(DocumentId),
    /// Tell other tabs a document's storage changed.
    PostToTabs(DocumentId),
    Call(ApiCall),
    SetTimer {
        timer: Timer,
        ms: u32,
    },
    /// Write a record to localStorage.
    Persist(Record),
    /// Remove a localStorage key.
    Forget(String),
    /// Something the screens show changed.
    Notify(Notice),
    /// Worth a line in the console, nothing more.
    Log(String),
}

/// What changed, for the screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Connection,
    /// The document changed from outside this tab's screens (the relay, another tab).
    Document(DocumentId),
    /// A document was added to (or found for) this browser.
    Documents,
    Access(DocumentId),
    Unsynced(DocumentId),
    Roster(DocumentId),
    SaveProblem(DocumentId),
    Restores,
    Unavailable(DocumentId),
    Me,
}

/// How the client is set up; fixed for the page's life.
#[derive(Debug, Clone)]
pub struct Config {
    /// Its sync peer id (on the Tandem relay it starts with the device id).
    pub peer_id: PeerId,
    /// The Tandem relay's API (the value of the `registered` record).
    pub api: String,
    /// The person chose another automerge-repo server in the settings (never a link): it
    /// has no access control, so only the partnerships in `offered` are offered to it or
    /// asked of it, no API is called and access records are never written.
    pub open_relay: bool,
    pub offered: BTreeSet<DocumentId>,
    /// The device is registered with `api` (its record says so).
    pub registered: bool,
    /// The browser's `navigator.onLine` at start.
    pub online: bool,
    /// This page's presence session id.
    pub presence_session: String,
}

/// A partnership held here, and what of it is stored.
#[derive(Debug)]
struct Doc {
    doc: PartnershipDoc,
    /// Heads whose changes are all in storage (empty before the first save).
    saved_heads: Vec<ChangeHash>,
    /// A [`Task::Save`] is out; the next waits for its answer.
    saving: bool,
}

/// Per document: (local heads, relay heads, count) of the last unsynced count.
type Memo = (Vec<ChangeHash>, Vec<ChangeHash>, usize);

/// Every partnership this browser holds and everything decided about them.
#[derive(Debug)]
pub struct Client {
    config: Config,
    session: Session,
    docs: BTreeMap<DocumentId, Doc>,
    access: BTreeMap<DocumentId, Access>,
    /// Heads the relay confirmed per document (also persisted).
    relay_heads: BTreeMap<DocumentId, Vec<ChangeHash>>,
    /// What was last saved of each document (persisted: the evidence of an eviction).
    saved: BTreeMap<DocumentId, SavedRecord>,
    connection: Connection,
    online: bool,
    conn: ConnId,
    socket_open: bool,
    /// The current socket finished its handshake.
    ready: bool,
    /// Registering and claiming before a socket opens is under way.
    preparing: bool,
    /// Failed attempts in a row, for the backoff.
    failures: u32,
    /// The claim in flight, and those tried since the last connection attempt.
    claiming: Option<DocumentId>,
    claim_tried: BTreeSet<DocumentId>,
    registered: bool,
    unsynced: BTreeMap<DocumentId, usize>,
    memo: BTreeMap<DocumentId, Memo>,
    unavailable: BTreeSet<DocumentId>,
    rosters: BTreeMap<DocumentId, Roster>,
    me: Option<Presence>,
    /// Documents on a screen of this tab, with how many screens show them.
    open_screens: BTreeMap<DocumentId, usize>,
    presence_count: u64,
    save_problems: BTreeMap<DocumentId, SaveFailure>,
    save_retry_pending: bool,
    restores: BTreeMap<DocumentId, Restore>,
    /// Stored partnerships still loading ([`Loaded::pending`]), with the access and relay
    /// heads recorded for each.
    pending: BTreeMap<DocumentId, (Access, Option<Vec<ChangeHash>>)>,
}

/// The documents as the session sees them.
struct DocsView<'a> {
    docs: &'a mut BTreeMap<DocumentId, Doc>,
    relay_heads: &'a BTreeMap<DocumentId, Vec<ChangeHash>>,
}

impl Documents for DocsView<'_> {
    fn with_doc<R>(&mut self, id: &DocumentId, f: impl FnOnce(&mut AutoCommit) -> R) -> Option<R> {
        self.docs.get_mut(id).map(|d| f(d.doc.automerge_mut()))
    }

    fn create(&mut self, _: &DocumentId) -> bool {
        // A browser only syncs partnerships it already holds.
        false
    }

    /// What the relay last said it holds (kept across reloads): a reconnection syncs only
    /// what came after it, not a walk of years of keystrokes.
    fn remembered_shared_heads(&mut self, id: &DocumentId) -> Vec<ChangeHash> {
        self.relay_heads.get(id).cloned().unwrap_or_default()
    }
}

/// What the platform found at start.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The documents that loaded from IndexedDB.
    pub docs: Vec<(DocumentId, PartnershipDoc)>,
    /// Ids stored but unreadable (kept, never replaced by a restore).
    pub unreadable: BTreeSet<DocumentId>,
    /// The localStorage records.
    pub stored: records::Stored,
    /// Ids stored whose documents load after the client has started (each arrives as
    /// [`Event::Opened`]): the page shows the partnership it was opened on, and syncs,
    /// without waiting for every other one. Never judged evicted, never fetched.
    pub pending: BTreeSet<DocumentId>,
}

impl Client {
    pub fn new(config: Config, loaded: Loaded) -> Client {
        let Loaded {
            docs: found,
            unreadable,
            stored,
            pending,
        } = loaded;
        let mut docs: BTreeMap<DocumentId, Doc> = found
            .into_iter()
            .map(|(id, doc)| (id, Doc::stored(doc)))
            .collect();
        // Partnerships this browser saved that are no longer stored: the browser cleared
        // or evicted them. Ask the relay for those this browser may sync.
        let mut restores = BTreeMap::new();
        for (id, record) in &stored.saved {
            if docs.contains_key(id) || unreadable.contains(id) || pending.contains(id) {
                continue;
            }
            let outcome = match stored.access.get(id) {
                _ if config.open_relay && config.offered.contains(id) => Outcome::Waiting,
                _ if config.open_relay => Outcome::OnlyHere,
                Some(a) if a.syncs() => Outcome::Waiting,
                Some(a) if a.ended().is_some() => Outcome::AccessEnded,
                _ => Outcome::OnlyHere,
            };
            if outcome == Outcome::Waiting {
                docs.insert(*id, Doc::empty());
            }
            restores.insert(
                *id,
                Restore {
                    record: record.clone(),
                    outcome,
                },
            );
        }
        let access = docs
            .keys()
            .map(|id| (*id, Self::initial_access(&config, &stored, id)))
            .collect();
        let relay_heads = docs
            .keys()
            .filter_map(|id| Some((*id, stored.relay_heads.get(id)?.clone())))
            .collect();
        let pending = pending
            .into_iter()
            .filter(|id| !docs.contains_key(id))
            .map(|id| {
                let access = Self::initial_access(&config, &stored, &id);
                (id, (access, stored.relay_heads.get(&id).cloned()))
            })
            .collect();
        Client {
            session: Session::new(config.peer_id.clone(), Default::default()),
            online: config.online,
            registered: config.registered,
            docs,
            access,
            relay_heads,
            saved: stored.saved,
            connection: Connection::Offline { retry_in_s: None },
            conn: ConnId(0),
            socket_open: false,
            ready: false,
            preparing: false,
            failures: 0,
            claiming: None,
            claim_tried: BTreeSet::new(),
            unsynced: BTreeMap::new(),
            memo: BTreeMap::new(),
            unavailable: BTreeSet::new(),
            rosters: BTreeMap::new(),
            me: stored.presence,
            open_screens: BTreeMap::new(),
            presence_count: 0,
            save_problems: BTreeMap::new(),
            save_retry_pending: false,
            restores,
            pending,
            config,
        }
    }

    fn initial_access(config: &Config, stored: &records::Stored, id: &DocumentId) -> Access {
        // On another server the records kept for the Tandem relay stay as they are; the
        // offered partnerships are open there, in memory only.
        if config.open_relay && config.offered.contains(id) {
            OPEN
        } else {
            stored.access.get(id).copied().unwrap_or(MADE_HERE)
        }
    }

    // ---- What the screens read ----

    pub fn connection(&self) -> Connection {
        self.connection
    }

    /// A partnership held here (possibly still empty, while it is asked of the relay).
    pub fn doc(&self, id: &DocumentId) -> Option<&PartnershipDoc> {
        self.docs.get(id).map(|d| &d.doc)
    }

    /// The document to change; follow a change with [`Event::LocalEdit`].
    pub fn doc_mut(&mut self, id: &DocumentId) -> Option<&mut PartnershipDoc> {
        self.docs.get_mut(id).map(|d| &mut d.doc)
    }

    pub fn ids(&self) -> Vec<DocumentId> {
        self.docs.keys().copied().collect()
    }

    /// Whether a stored partnership is still loading ([`Loaded::pending`]).
    pub fn is_pending(&self, id: &DocumentId) -> bool {
        self.pending.contains_key(id)
    }

    /// How many stored partnerships are still loading.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// Whether the document is here with content (not just asked for).
    pub fn has_content(&mut self, id: &DocumentId) -> bool {
        self.docs.get_mut(id).is_some_and(|d| !d.doc.is_empty())
    }

    /// What this browser may do with a partnership.
    pub fn access(&self, id: &DocumentId) -> Access {
        self.access.get(id).copied().unwrap_or(MADE_HERE)
    }

    /// Changes the relay is not yet known to hold.
    pub fn unsynced(&self, id: &DocumentId) -> usize {
        self.unsynced.get(id).copied().unwrap_or(0)
    }

    pub fn is_unavailable(&self, id: &DocumentId) -> bool {
        self.unavailable.contains(id)
    }

    pub fn roster(&self, id: &DocumentId) -> Option<&Roster> {
        self.rosters.get(id)
    }

    pub fn me(&self) -> Option<&Presence> {
        self.me.as_ref()
    }

    pub fn save_problem(&self, id: &DocumentId) -> Option<&SaveFailure> {
        self.save_problems.get(id)
    }

    pub fn save_problems(&self) -> &BTreeMap<DocumentId, SaveFailure> {
        &self.save_problems
    }

    /// Whether the document has changes not yet stored.
    pub fn has_unsaved(&mut self, id: &DocumentId) -> bool {
        self.docs
            .get_mut(id)
            .is_some_and(|d| d.doc.heads() != d.saved_heads)
    }

    pub fn restores(&self) -> &BTreeMap<DocumentId, Restore> {
        &self.restores
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    // ---- What the platform asks while saving ----

    /// Merges chunks read from storage (another tab's saves) into the document. `None`
    /// if they do not load (they are then left alone, never replaced); otherwise whether
    /// anything new arrived.
    pub fn merge_stored(&mut self, id: &DocumentId, chunks: &[Vec<u8>]) -> Option<bool> {
        let d = self.docs.get_mut(id)?;
        let mut other = PartnershipDoc::load(chunks.iter().map(Vec::as_slice)).ok()?;
        let before = d.doc.heads();
        let had_unsaved = before != d.saved_heads;
        d.doc.merge(&mut other).ok()?;
        let after = d.doc.heads();
        if !had_unsaved {
            // Everything now in the document came from storage: nothing to save again.
            d.saved_heads = after.clone();
        }
        Some(after != before)
    }

    /// The whole document and its heads, to replace its chunks by one snapshot.
    pub fn snapshot(&mut self, id: &DocumentId) -> Option<(Vec<u8>, Vec<ChangeHash>)> {
        let d = self.docs.get_mut(id)?;
        Some((d.doc.save(), d.doc.heads()))
    }

    // ---- Events ----

    /// One event in, what to do out.
    pub fn handle(&mut self, now_ms: i64, random: f64, event: Event) -> Vec<Task> {
        let mut out = Out {
            tasks: Vec::new(),
            now_ms,
            random,
        };
        self.step(&mut out, event);
        out.tasks
    }

    fn step(&mut self, out: &mut Out, event: Event) {
        match event {
            Event::Start => {
                for id in self.ids() {
                    self.record_saved(out, id);
                    // Not connected yet: this only marks the document for every connection.
                    if self.offers(&id) {
                        self.share(out, id);
                    }
                }
                out.push(Task::SetTimer {
                    timer: Timer::Heartbeat,
                    ms: HEARTBEAT_MS as u32,
                });
                self.refresh_unsynced(out);
                self.connect(out);
            }
            Event::Online => {
                self.online = true;
                self.failures = 0;
                self.connect(out);
            }
            Event::Offline => {
                // The browser says the network is gone: stop pretending otherwise.
                self.online = false;
                if self.socket_open {
                    out.push(Task::CloseSocket);
                    self.drop_socket();
                }
                self.set_connection(out, Connection::Offline { retry_in_s: None });
            }
            Event::SocketOpened => {
                let effects = self.session.connect(self.conn, Handshake::Initiator);
                self.apply(out, effects);
            }
            Event::SocketClosed => {
                if !self.socket_open {
                    return;
                }
                if !self.ready && !self.config.open_relay {
                    // Refused before the handshake: perhaps the relay no longer knows
                    // this device (its data was reset). Register again next time.
                    self.registered = false;
                    out.push(Task::Forget(records::REGISTERED.into()));
                }
                self.drop_socket();
                self.schedule_reconnect(out);
            }
            Event::Frame(bytes) => {
                if !self.socket_open {
                    return;
                }
                let conn = self.conn;
                let effects = self.with_session(|s, docs| s.receive(conn, &bytes, docs));
                self.apply(out, effects);
                self.refresh_unsynced(out);
            }
            Event::Timer(Timer::Reconnect) => self.connect(out),
            Event::Timer(Timer::SaveRetry) => {
                self.save_retry_pending = false;
                let failed: Vec<DocumentId> = self.save_problems.keys().copied().collect();
                for id in failed {
                    self.save(out, id);
                }
            }
            Event::Timer(Timer::Heartbeat) => {
                self.announce_open(out, false);
                let now = out.now_ms.max(0) as u64;
                for (id, roster) in &mut self.rosters {
                    if roster.expire(now) {
                        out.push(Task::Notify(Notice::Roster(*id)));
                    }
                }
                out.push(Task::SetTimer {
                    timer: Timer::Heartbeat,
                    ms: HEARTBEAT_MS as u32,
                });
            }
            Event::Saved { id, result } => self.saved(out, id, result),
            Event::TabStored(id) => out.push(Task::ReadStore(id)),
            Event::StoreRead { id, chunks, access } => self.store_read(out, id, chunks, access),
            Event::Merged(id) => {
                out.push(Task::Notify(Notice::Document(id)));
                self.share_changed(out, id);
                self.save(out, id);
                self.refresh_unsynced(out);
            }
            Event::LocalEdit(id) => {
                self.share_changed(out, id);
                self.save(out, id);
                self.refresh_unsynced(out);
            }
            Event::Added { id, doc } => {
                self.docs.insert(id, Doc::stored(*doc));
                self.record_saved(out, id);
                // It syncs once the relay has registered this browser as its owner. (On
                // another server it stays here until the person offers it there.)
                self.set_access(out, id, MADE_HERE);
                out.push(Task::PostToTabs(id));
                out.push(Task::Notify(Notice::Documents));
                self.refresh_unsynced(out);
                if self.ready {
                    self.claim_next(out);
                }
            }
            Event::Joined { id, role, stored } => self.joined(out, id, role, stored),
            Event::Fetch { id, stored } => {
                self.adopt_stored_access(out, id, stored);
                self.fetch(out, id);
            }
            Event::Answer { call, result } => self.answered(out, call, result),
            Event::ScreenOpened(id) => {
                *self.open_screens.entry(id).or_default() += 1;
                self.announce(out, id, false);
            }
            Event::ScreenClosed(id) => {
                let count = self.open_screens.entry(id).or_default();
                *count = count.saturating_sub(1);
                if *count == 0 {
                    self.open_screens.remove(&id);
                    self.announce(out, id, true);
                }
            }
            Event::PageHidden => self.announce_open(out, true),
            Event::SetMe(me) => {
                out.push(Task::Persist(Record::Presence(me.clone())));
                self.me = Some(me);
                out.push(Task::Notify(Notice::Me));
                self.announce_open(out, false);
            }
            Event::Opened { id, doc } => self.opened(out, id, doc),
            Event::DismissRestore(id) => {
                let Some(restore) = self.restores.remove(&id) else {
                    return;
                };
                out.push(Task::Notify(Notice::Restores));
                // One that cannot come back is forgotten, so it is not reported again.
                if restore.outcome.r#final() && !self.has_content(&id) {
                    self.saved.remove(&id);
                    out.push(Task::Forget(records::saved_key(&id)));
                }
            }
        }
    }

    // ---- The link ----

    /// Opens a connection (if online and not connected): first the device is registered
    /// and new partnerships claimed, then the socket opens.
    fn connect(&mut self, out: &mut Out) {
        if self.socket_open || self.preparing {
            return;
        }
        if !self.online {
            self.set_connection(out, Connection::Offline { retry_in_s: None });
            return;
        }
        self.set_connection(out, Connection::Connecting);
        if self.config.open_relay {
            self.open_socket(out);
            return;
        }
        self.preparing = true;
        self.claim_tried.clear();
        if self.registered {
            self.claim_next(out);
        } else {
            out.push(Task::Call(ApiCall::RegisterDevice));
        }
    }

    fn open_socket(&mut self, out: &mut Out) {
        self.preparing = false;
        if self.socket_open {
            return;
        }
        self.conn = ConnId(self.conn.0 + 1);
        self.socket_open = true;
        self.ready = false;
        self.set_connection(out, Connection::Connecting);
        out.push(Task::OpenSocket);
    }

    fn drop_socket(&mut self) {
        self.session.disconnect(self.conn);
        self.socket_open = false;
        self.ready = false;
    }

    /// Tries again after 1, 2, 4 … 30 seconds, with jitter.
    fn schedule_reconnect(&mut self, out: &mut Out) {
        self.preparing = false;
        if !self.online {
            self.set_connection(out, Connection::Offline { retry_in_s: None });
            return;
        }
        self.failures = self.failures.saturating_add(1);
        let ms = link::backoff_ms(self.failures, out.random);
        self.set_connection(
            out,
            Connection::Offline {
                retry_in_s: Some(ms.div_ceil(1000)),
            },
        );
        // Each failed attempt sets the one timer anew (a pending one is replaced: the
        // attempt that failed superseded it), so the countdown shown is the timer set.
        out.push(Task::SetTimer {
            timer: Timer::Reconnect,
            ms,
        });
    }

    fn set_connection(&mut self, out: &mut Out, c: Connection) {
        if self.connection != c {
            self.connection = c;
            out.push(Task::Notify(Notice::Connection));
        }
    }

    fn with_session(
        &mut self,
        step: impl FnOnce(&mut Session, &mut DocsView<'_>) -> Vec<Effect>,
    ) -> Vec<Effect> {
        let mut view = DocsView {
            docs: &mut self.docs,
            relay_heads: &self.relay_heads,
        };
        step(&mut self.session, &mut view)
    }

    fn share(&mut self, out: &mut Out, id: DocumentId) {
        let effects = self.with_session(|s, docs| s.share(id, docs));
        self.apply(out, effects);
    }

    fn share_changed(&mut self, out: &mut Out, id: DocumentId) {
        let effects = self.with_session(|s, docs| s.changed(id, docs));
        self.apply(out, effects);
    }

    fn apply(&mut self, out: &mut Out, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send { message, conn } => {
                    if conn == self.conn && self.socket_open {
                        out.push(Task::Send(message.encode()));
                    }
                }
                Effect::Close { reason, .. } => {
                    out.push(Task::Log(format!("sync connection closed: {reason}")));
                    out.push(Task::CloseSocket);
                    self.drop_socket();
                    self.schedule_reconnect(out);
                }
                Effect::PeerReady { .. } => {
                    self.failures = 0;
                    self.ready = true;
                    self.set_connection(out, Connection::Online);
                    self.announce_open(out, false);
                    // Anything made while the handshake was under way is registered now.
                    self.claim_tried.clear();
                    self.claim_next(out);
                }
                Effect::DocumentChanged { document } => {
                    if self.unavailable.remove(&document) {
                        out.push(Task::Notify(Notice::Unavailable(document)));
                    }
                    out.push(Task::Notify(Notice::Document(document)));
                    self.save(out, document);
                }
                Effect::DocumentUnavailable { document, .. } => {
                    if !self.has_content(&document) && self.unavailable.insert(document) {
                        out.push(Task::Notify(Notice::Unavailable(document)));
                        self.settle_restore(out, document, Outcome::Unavailable);
                    }
                    // Perhaps the access ended (a revoked or expired link): find out.
                    if !self.config.open_relay {
                        out.push(Task::Call(ApiCall::GetAccess(document)));
                    }
                }
                Effect::Ephemeral {
                    document,
                    sender,
                    data,
                    ..
                } => {
                    let Some(announcement) = Announcement::decode(&data) else {
                        continue;
                    };
                    let now = out.now_ms.max(0) as u64;
                    let roster = self.rosters.entry(document).or_default();
                    let newcomer =
                        matches!(announcement, Announcement::Here(_)) && !roster.contains(&sender);
                    roster.heard(sender, announcement, now);
                    out.push(Task::Notify(Notice::Roster(document)));
                    // Someone new: tell them who is already here, without waiting for the
                    // next heartbeat.
                    if newcomer && self.open_screens.contains_key(&document) {
                        self.announce(out, document, false);
                    }
                }
            }
        }
    }

    // ---- Access ----

    /// Whether a partnership is offered to (and asked of) the relay this browser syncs
    /// with: on the Tandem relay, when its access is active; on another server, only when
    /// the person picked it for that server.
    fn offers(&self, id: &DocumentId) -> bool {
        if self.config.open_relay {
            self.config.offered.contains(id)
        } else {
            self.access(id).syncs()
        }
    }

    /// Records access. On another server nothing is written: the records belong to the
    /// Tandem relay and are never overwritten from elsewhere.
    fn set_access(&mut self, out: &mut Out, id: DocumentId, value: Access) {
        if self.config.open_relay {
            return;
        }
        out.push(Task::Persist(Record::Access(id, value)));
        if self.access.insert(id, value) != Some(value) {
            out.push(Task::Notify(Notice::Access(id)));
        }
    }

    /// Claims the next partnership made here that the relay has not registered; when none
    /// is left and a connection is being prepared, opens the socket.
    fn claim_next(&mut self, out: &mut Out) {
        if self.claiming.is_some() {
            return;
        }
        let next = if self.config.open_relay {
            None
        } else {
            let candidates: Vec<DocumentId> = self
                .access
                .iter()
                .filter(|(id, a)| a.state == State::Unregistered && !self.claim_tried.contains(id))
                .map(|(id, _)| *id)
                .collect();
            candidates.into_iter().find(|id| self.has_content(id))
        };
        match next {
            Some(id) => {
                self.claim_tried.insert(id);
                self.claiming = Some(id);
                out.push(Task::Call(ApiCall::Claim(id)));
            }
            None if self.preparing => self.open_socket(out),
            None => {}
        }
    }

    fn answered(&mut self, out: &mut Out, call: ApiCall, result: Result<Answered, ApiFailure>) {
        match (call, result) {
            (ApiCall::RegisterDevice, Ok(_)) => {
                self.registered = true;
                out.push(Task::Persist(Record::Registered(self.config.api.clone())));
                self.claim_next(out);
            }
            (ApiCall::RegisterDevice, Err(e)) => {
                out.push(Task::Log(format!(
                    "cannot reach the relay yet: {}",
                    e.message
                )));
                self.schedule_reconnect(out);
            }
            (ApiCall::Claim(id), result) => {
                self.claiming = None;
                match result {
                    Ok(_) => {
                        let owner = Access {
                            role: Role::Owner,
                            state: State::Active,
                        };
                        self.set_access(out, id, owner);
                        self.share(out, id);
                    }
                    Err(e) if e.reason == Some(Reason::AlreadyOwned) => {
                        let refused = Access {
                            role: Role::Owner,
                            state: State::Refused,
                        };
                        self.set_access(out, id, refused);
                    }
                    Err(e) => {
                        out.push(Task::Log(format!(
                            "the partnership will be registered with the relay later: {}",
                            e.message
                        )));
                        // The relay unreachable, or refusing this device as a whole: stop,
                        // to be retried with the next attempt. A refusal of this one
                        // partnership (a quota, say) must not keep every other from
                        // syncing: it stays unregistered and is tried again next time.
                        let device_wide = matches!(
                            e.reason,
                            None | Some(
                                Reason::Unauthorized
                                    | Reason::BadCredential
                                    | Reason::RateLimited
                                    | Reason::StoreFailed
                                    | Reason::DeviceTaken
                            )
                        );
                        if device_wide {
                            if self.preparing {
                                self.schedule_reconnect(out);
                            }
                            return;
                        }
                    }
                }
                self.claim_next(out);
            }
            (ApiCall::GetAccess(id), Ok(answer)) => {
                if let Answered::Role(role) = answer {
                    let active = Access {
                        role,
                        state: State::Active,
                    };
                    self.set_access(out, id, active);
                }
            }
            (ApiCall::GetAccess(id), Err(e)) => {
                let current = self.access(&id);
                let Some(next) = current.refused(e.reason) else {
                    out.push(Task::Log(format!(
                        "could not ask the relay about access to {id}: {}",
                        e.message
                    )));
                    return;
                };
                self.session.unshare(&id);
                self.set_access(out, id, next);
                if next.state == State::Unregistered {
                    self.claim_tried.remove(&id);
                    self.claim_next(out);
                }
            }
        }
    }

    fn joined(&mut self, out: &mut Out, id: DocumentId, role: Role, stored: Option<Access>) {
        if self.config.open_relay {
            // Joined on the Tandem relay; it syncs there once this browser is back on it.
            // The record is written from the Tandem relay's record, without touching this
            // server's access (open here, which says nothing of the role there).
            out.push(Task::Persist(Record::Access(
                id,
                Access::joined(stored, role),
            )));
            return;
        }
        // What this tab knows, or else what another tab recorded: a second link never
        // lowers what this browser has.
        let current = self.access.get(&id).copied().or(stored);
        self.set_access(out, id, Access::joined(current, role));
        if self.docs.contains_key(&id) {
            self.share(out, id);
        } else {
            self.fetch(out, id);
        }
        self.connect(out);
    }

    /// Takes in an access record another tab wrote (it joined the partnership) for a
    /// partnership this tab does not hold yet.
    fn adopt_stored_access(&mut self, out: &mut Out, id: DocumentId, stored: Option<Access>) {
        if self.config.open_relay || self.docs.contains_key(&id) {
            return;
        }
        if let Some(stored) = stored
            && self.access.insert(id, stored) != Some(stored)
        {
            out.push(Task::Notify(Notice::Access(id)));
        }
    }

    /// Asks the relay for a partnership this browser does not hold. It is stored once its
    /// content arrives.
    fn fetch(&mut self, out: &mut Out, id: DocumentId) {
        // (One still loading from storage is on its way.)
        if self.docs.contains_key(&id) || self.pending.contains_key(&id) {
            return;
        }
        // Only a partnership this browser joined through a link (or, on another server,
        // one the person picked for it) can be fetched.
        if !self.offers(&id) {
            if self.unavailable.insert(id) {
                out.push(Task::Notify(Notice::Unavailable(id)));
            }
            return;
        }
        self.docs.insert(id, Doc::empty());
        if self.unavailable.remove(&id) {
            out.push(Task::Notify(Notice::Unavailable(id)));
        }
        out.push(Task::Notify(Notice::Documents));
        self.share(out, id);
    }

    /// A stored partnership has loaded after the start: it takes its place as if it had
    /// loaded before, and syncs. Taken meanwhile (another tab's chunks, a link's fetch),
    /// what storage held joins it.
    fn opened(&mut self, out: &mut Out, id: DocumentId, doc: Option<Box<PartnershipDoc>>) {
        let Some((access, relay_heads)) = self.pending.remove(&id) else {
            return;
        };
        out.push(Task::Notify(Notice::Documents));
        let Some(mut doc) = doc else {
            return;
        };
        if let Some(d) = self.docs.get_mut(&id) {
            let before = d.doc.heads();
            if d.doc.merge(&mut doc).is_err() {
                out.push(Task::Log(format!(
                    "what is stored of {id} does not merge with what arrived meanwhile"
                )));
                return;
            }
            if d.doc.heads() != before {
                out.push(Task::Notify(Notice::Document(id)));
                self.share_changed(out, id);
            }
            // What it held before may not be stored yet; saving again what is stored
            // writes nothing new.
            self.save(out, id);
        } else {
            self.docs.insert(id, Doc::stored(*doc));
            // A record written while it loaded (a link redeemed) is newer.
            self.access.entry(id).or_insert(access);
            if let Some(heads) = relay_heads {
                self.relay_heads.entry(id).or_insert(heads);
            }
            out.push(Task::Notify(Notice::Access(id)));
            out.push(Task::Notify(Notice::Document(id)));
            if self.offers(&id) {
                self.share(out, id);
            }
        }
        if self.unavailable.remove(&id) {
            out.push(Task::Notify(Notice::Unavailable(id)));
        }
        self.record_saved(out, id);
        self.refresh_unsynced(out);
        if self.ready {
            // Made here and not yet registered with the relay.
            self.claim_next(out);
        }
    }

    // ---- Saving ----

    /// Saves what of a document is not yet stored, unless a save of it is out (its answer
    /// asks for the rest).
    fn save(&mut self, out: &mut Out, id: DocumentId) {
        let Some(d) = self.docs.get_mut(&id) else {
            return;
        };
        if d.saving {
            return;
        }
        let heads = d.doc.heads();
        if heads == d.saved_heads {
            return;
        }
        d.saving = true;
        let bytes = d.doc.save_after(&d.saved_heads);
        out.push(Task::Save { id, bytes, heads });
    }

    fn saved(
        &mut self,
        out: &mut Out,
        id: DocumentId,
        result: Result<Vec<ChangeHash>, SaveFailure>,
    ) {
        let Some(d) = self.docs.get_mut(&id) else {
            return;
        };
        d.saving = false;
        match result {
            Ok(heads) => {
                d.saved_heads = heads;
                out.push(Task::PostToTabs(id));
                if d.doc.heads() != d.saved_heads {
                    // Edits made while it wrote.
                    self.save(out, id);
                    return;
                }
                if self.save_problems.remove(&id).is_some() {
                    out.push(Task::Notify(Notice::SaveProblem(id)));
                }
                self.record_saved(out, id);
            }
            Err(e) => {
                // Unchanged on a repeated failure, so the banner is not redrawn under the
                // person's pointer every few seconds.
                if self.save_problems.get(&id) != Some(&e) {
                    self.save_problems.insert(id, e);
                    out.push(Task::Notify(Notice::SaveProblem(id)));
                }
                if !self.save_retry_pending {
                    self.save_retry_pending = true;
                    out.push(Task::SetTimer {
                        timer: Timer::SaveRetry,
                        ms: SAVE_RETRY_MS,
                    });
                }
            }
        }
    }

    /// Another tab stored a document: merge it, or (new to this tab) take it.
    fn store_read(
        &mut self,
        out: &mut Out,
        id: DocumentId,
        chunks: Vec<Vec<u8>>,
        access: Option<Access>,
    ) {
        if chunks.is_empty() {
            return;
        }
        if let std::collections::btree_map::Entry::Vacant(slot) = self.docs.entry(id) {
            let Ok(doc) = PartnershipDoc::load(chunks.iter().map(Vec::as_slice)) else {
                return;
            };
            slot.insert(Doc::stored(doc));
            out.push(Task::ReadHeld(id));
            let access = if self.config.open_relay && self.config.offered.contains(&id) {
                OPEN
            } else {
                access.unwrap_or(MADE_HERE)
            };
            self.access.insert(id, access);
            // A screen of this tab may be waiting for it (it was joined in another tab).
            if self.unavailable.remove(&id) {
                out.push(Task::Notify(Notice::Unavailable(id)));
            }
            out.push(Task::Notify(Notice::Access(id)));
            out.push(Task::Notify(Notice::Documents));
            out.push(Task::Notify(Notice::Document(id)));
            if self.offers(&id) {
                self.share(out, id);
            }
            self.refresh_unsynced(out);
            return;
        }
        match self.merge_stored(&id, &chunks) {
            Some(changed) => {
                out.push(Task::ReadHeld(id));
                if changed {
                    out.push(Task::Notify(Notice::Document(id)));
                    self.share_changed(out, id);
                    self.refresh_unsynced(out);
                }
            }
            None => out.push(Task::Log(format!(
                "what another tab stored of {id} does not load here; it is left as it is"
            ))),
        }
    }

    /// Records what storage now holds of a document (the measure of a later eviction).
    fn record_saved(&mut self, out: &mut Out, id: DocumentId) {
        if self
            .restores
            .get(&id)
            .is_some_and(|r| r.outcome == Outcome::Waiting)
        {
            // The record is the evidence the restore is judged by: keep it until then.
            return;
        }
        let Some(d) = self.docs.get(&id) else { return };
        if d.saved_heads.is_empty() {
            return;
        }
        let title = restore::title(&d.doc);
        let record = self.saved.entry(id).or_default();
        if record.heads == d.saved_heads && record.title == title {
            return;
        }
        record.heads = d.saved_heads.clone();
        record.saved_ms = out.now_ms;
        if !title.is_empty() {
            record.title = title;
        }
        out.push(Task::Persist(Record::Saved(id, record.clone())));
    }

    // ---- Unsynced and restores ----

    /// Recounts, per document, the changes the relay is not yet known to have.
    fn refresh_unsynced(&mut self, out: &mut Out) {
        let conn = self.conn;
        let mut relay_has_all = Vec::new();
        for (id, d) in self.docs.iter_mut() {
            if let Some(theirs) = self.session.their_heads(conn, id)
                && self.relay_heads.get(id) != Some(&theirs)
            {
                out.push(Task::Persist(Record::RelayHeads(*id, theirs.clone())));
                self.relay_heads.insert(*id, theirs);
            }
            let doc = d.doc.automerge_mut();
            let heads = doc.get_heads();
            let relay = self.relay_heads.get(id).cloned().unwrap_or_default();
            // Counting walks the history the relay lacks: only redo it when either side's
            // heads moved.
            if let Some((h, r, _)) = self.memo.get(id)
                && *h == heads
                && *r == relay
            {
                continue;
            }
            // The relay may know changes this tab has not received yet.
            let known: Vec<ChangeHash> = relay
                .iter()
                .filter(|h| doc.get_change_meta_by_hash(h).is_some())
                .copied()
                .collect();
            // Metadata only: whole changes are re-encoded from the document's columns,
            // which is slow on a long history in the browser.
            let missing = doc.get_changes_meta(&known).len();
            if missing == 0 && !heads.is_empty() {
                relay_has_all.push(*id);
            }
            if self.unsynced.insert(*id, missing) != Some(missing) {
                out.push(Task::Notify(Notice::Unsynced(*id)));
            }
            self.memo.insert(*id, (heads, relay, missing));
        }
        for id in relay_has_all {
            // The time a later eviction names as "changes after this were lost".
            if let Some(record) = self.saved.get_mut(&id) {
                record.relay_had_all_ms = Some(out.now_ms);
                out.push(Task::Persist(Record::Saved(id, record.clone())));
            }
        }
        self.judge_restores(out);
    }

    fn settle_restore(&mut self, out: &mut Out, id: DocumentId, outcome: Outcome) {
        if let Some(r) = self.restores.get_mut(&id)
            && r.outcome.open()
            && r.outcome != outcome
        {
            r.outcome = outcome;
            out.push(Task::Notify(Notice::Restores));
        }
    }

    /// Evicted partnerships the relay has now sent back in full: were all the changes last
    /// saved here among them? (The rule is in [`restore::judge`].)
    fn judge_restores(&mut self, out: &mut Out) {
        let pending: Vec<(DocumentId, SavedRecord)> = self
            .restores
            .iter()
            .filter(|(_, r)| r.outcome.open())
            .map(|(id, r)| (*id, r.record.clone()))
            .collect();
        for (id, record) in pending {
            let Some(theirs) = self.session.their_heads(self.conn, &id) else {
                continue;
            };
            let Some(d) = self.docs.get_mut(&id) else {
                continue;
            };
            let doc = d.doc.automerge_mut();
            // Only once everything the relay announced has arrived.
            if theirs.is_empty()
                || theirs
                    .iter()
                    .any(|h| doc.get_change_meta_by_hash(h).is_none())
            {
                continue;
            }
            let outcome = restore::judge(&record, &mut d.doc);
            self.settle_restore(out, id, outcome);
        }
    }

    // ---- Presence ----

    fn announce(&mut self, out: &mut Out, id: DocumentId, left: bool) {
        let announcement = if left {
            Announcement::Left
        } else {
            match &self.me {
                Some(me) => Announcement::Here(me.clone()),
                None => return,
            }
        };
        self.presence_count += 1;
        let effects = self.session.broadcast_ephemeral(
            id,
            &self.config.presence_session,
            self.presence_count,
            announcement.encode(),
        );
        self.apply(out, effects);
    }

    fn announce_open(&mut self, out: &mut Out, left: bool) {
        let open: Vec<DocumentId> = self.open_screens.keys().copied().collect();
        for id in open {
            self.announce(out, id, left);
        }
    }
}

impl Doc {
    /// A document as storage holds it: everything in it is stored.
    fn stored(mut doc: PartnershipDoc) -> Doc {
        let saved_heads = doc.heads();
        Doc {
            doc,
            saved_heads,
            saving: false,
        }
    }

    fn empty() -> Doc {
        Doc {
            doc: PartnershipDoc::empty(),
            saved_heads: Vec::new(),
            saving: false,
        }
    }
}

/// The tasks of one event, with its time and random number.
struct Out {
    tasks: Vec<Task>,
    now_ms: i64,
    random: f64,
}

impl Out {
    fn push(&mut self, task: Task) {
        self.tasks.push(task);
    }
}
