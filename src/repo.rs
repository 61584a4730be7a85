//! Every partnership this browser holds, kept in sync: with IndexedDB, with other tabs
//! (BroadcastChannel) and with the relay (the automerge-repo protocol over a WebSocket).
//!
//! Flow: a local edit → [`Repo::local_change`] → sync messages to the relay and a save;
//! the save done → a note to other tabs. A relay message → the protocol session → the
//! document changes → saved, and `revision` bumps so open screens re-read it. Offline,
//! edits are saved locally; on reconnect the session sends whatever the relay lacks.
//!
//! A save that fails (a full disk) is visible state ([`Repo::save_problems`]): the
//! changes stay in memory, are retried with the next edit and every few seconds, and
//! still go to the relay. Partnerships the browser evicted from IndexedDB are asked back
//! from the relay at start, and what was lost is said ([`Repo::restores`], see
//! [`crate::eviction`]).

use std::{
    cell::{Cell, RefCell},
    collections::BTreeMap,
    rc::Rc,
};

use automerge::ChangeHash;
use leptos::{prelude::*, task::spawn_local};
use tandem_domain::{document_id::DocumentId, partnership::NewPartnership};
use tandem_sync::{
    api::{AccessAnswer, Call, Claim, DescribeLink, GetAccess, LinkDescription, Redeem, Redeemed},
    presence::{Announcement, HEARTBEAT_MS, Presence, Roster},
    session::{ConnId, Documents, Effect, Handshake, Session},
};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{BinaryType, BroadcastChannel, MessageEvent, WebSocket};

use crate::i18n::{t, tf};
use crate::{
    access::{self, Access, ApiError, Device, Role as AccessRole, State as AccessState},
    browser::{now_ms, random_16},
    eviction::{self, Outcome, Restore},
    local_doc::{
        CreateError, FlushReport, LocalDoc, OpenError, SharedDoc, flush, refresh_from_store,
    },
    prefs,
    storage::{DocStore, StoreError},
};

/// The link to the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// No connection; `retry_in_s` until the next attempt (`None`: waiting for the
    /// browser to come online).
    Offline {
        retry_in_s: Option<u32>,
    },
    Connecting,
    Online,
}

/// What importing a file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    /// Merged into this partnership, which this browser holds and the file is a copy of.
    Merged(DocumentId),
    /// Stored as a new partnership under a new id.
    New { id: DocumentId, why: NewBecause },
}

/// Why an imported file became a new partnership rather than being merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewBecause {
    /// The file does not say which partnership it is a copy of.
    NoRecordedId,
    /// It names a partnership this browser does not hold: it is not merged into a copy
    /// on the relay this browser has never seen.
    NotHeldHere,
    /// It names a partnership held here, but its history began elsewhere.
    DifferentOrigin,
}

/// A stored partnership that does not load.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub id: String,
    pub reason: String,
    pub bytes: Vec<u8>,
}

/// How long after a failed save it is tried again (besides with every edit).
pub const SAVE_RETRY_MS: i32 = 5_000;
const CHANNEL: &str = "tandem";

/// A JavaScript event callback kept alive by Rust.
type Handler = Closure<dyn FnMut(JsValue)>;

struct Net {
    session: Session,
    socket: Option<WebSocket>,
    conn: ConnId,
    /// Failed attempts in a row, for the backoff.
    failures: u32,
    /// Heads the relay confirmed per document (also kept in localStorage).
    relay_heads: BTreeMap<DocumentId, Vec<ChangeHash>>,
    /// Closures the socket calls; dropped with the socket.
    handlers: Vec<Handler>,
    /// Registering and claiming before a socket opens is under way.
    preparing: bool,
    /// The current socket finished its handshake.
    ready: bool,
    /// Per document: (local heads, relay heads, count) of the last unsynced count.
    unsynced_memo: BTreeMap<DocumentId, (Vec<ChangeHash>, Vec<ChangeHash>, usize)>,
}

struct Inner {
    store: DocStore,
    docs: RefCell<BTreeMap<DocumentId, SharedDoc>>,
    unreadable: RefCell<Vec<Unreadable>>,
    net: RefCell<Net>,
    relay_url: String,
    /// The relay's HTTP API (`http(s)://host`).
    api: String,
    /// The person chose another automerge-repo server in the settings (never a link):
    /// it has no access control, so no credential is sent to it and only the
    /// partnerships in `offered` are offered to it or asked of it.
    open_relay: bool,
    /// On another server: the partnerships the person chose to share with it.
    offered: std::collections::BTreeSet<DocumentId>,
    /// This browser's device credential.
    device: Device,
    /// What this browser may do with each partnership.
    access: RwSignal<BTreeMap<DocumentId, Access>>,
    channel: Option<BroadcastChannel>,
    _channel_handler: RefCell<Option<Handler>>,
    connection: RwSignal<Connection>,
    /// Bumps whenever documents change from outside this tab's screens.
    revision: RwSignal<u64>,
    /// Per document: how many changes the relay is not yet known to have stored.
    unsynced: RwSignal<BTreeMap<DocumentId, usize>>,
    /// Documents asked for that the relay does not have.
    unavailable: RwSignal<std::collections::BTreeSet<DocumentId>>,
    /// Who else has each document open.
    rosters: RwSignal<BTreeMap<DocumentId, Roster>>,
    /// How this person appears to others (a preference of this browser).
    me: RwSignal<Option<Presence>>,
    /// Documents open on a screen of this tab, with how many screens show them.
    open_docs: RefCell<BTreeMap<DocumentId, usize>>,
    /// This page's presence session and its message counter.
    presence_session: String,
    presence_count: std::cell::Cell<u64>,
    /// Documents whose last save to IndexedDB failed, and why. Their changes are in
    /// memory (and go to the relay); they are saved again with the next edit and every
    /// `SAVE_RETRY_MS`, and leave this map once a save succeeds.
    save_problems: RwSignal<BTreeMap<DocumentId, StoreError>>,
    /// A retry of the failed saves is scheduled.
    save_retry_pending: Cell<bool>,
    /// Partnerships found gone from IndexedDB at start, and what became of them.
    restores: RwSignal<BTreeMap<DocumentId, Restore>>,
}

/// The browser's partnerships and their sync. Cheap to clone.
#[derive(Clone)]
pub struct Repo(Rc<Inner>);

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo").finish_non_exhaustive()
    }
}

/// The session's view of the documents (each behind its own `RefCell`), and the heads
/// the relay last reported holding of each.
struct DocsView<'a> {
    docs: &'a BTreeMap<DocumentId, SharedDoc>,
    relay_heads: &'a BTreeMap<DocumentId, Vec<ChangeHash>>,
}

impl Documents for DocsView<'_> {
    fn with_doc<R>(
        &mut self,
        id: &DocumentId,
        f: impl FnOnce(&mut automerge::AutoCommit) -> R,
    ) -> Option<R> {
        let shared = self.docs.get(id)?;
        let mut local = shared.try_borrow_mut().ok()?;
        Some(f(local.doc.automerge_mut()))
    }

    fn create(&mut self, _: &DocumentId) -> bool {
        // A browser only syncs partnerships it already holds.
        false
    }

    /// What the relay last said it holds (kept across reloads): where this browser holds
    /// those changes too, a reconnection syncs only what came after them. Without this, the
    /// first exchange after opening a partnership with years of keystrokes walked all of
    /// them — half a second a message in the browser, with the page frozen.
    fn remembered_shared_heads(&mut self, id: &DocumentId) -> Vec<ChangeHash> {
        self.relay_heads.get(id).cloned().unwrap_or_default()
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn heads_key(id: &DocumentId) -> String {
    format!("tandem.relay-heads.{id}")
}

fn load_relay_heads(id: &DocumentId) -> Vec<ChangeHash> {
    local_storage()
        .and_then(|s| s.get_item(&heads_key(id)).ok().flatten())
        .map(|joined| joined.split(',').filter_map(|h| h.parse().ok()).collect())
        .unwrap_or_default()
}

fn store_relay_heads(id: &DocumentId, heads: &[ChangeHash]) {
    if let Some(s) = local_storage() {
        let joined: Vec<String> = heads.iter().map(ToString::to_string).collect();
        let _ = s.set_item(&heads_key(id), &joined.join(","));
    }
}

fn online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

fn set_timeout(ms: i32, f: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(f);
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), ms);
    }
}

impl Repo {
    /// Opens the store, loads every partnership, and starts syncing. `progress` is told,
    /// in words, which partnership is being opened: a partnership with years of history
    /// takes a second or more, and the page says so instead of sitting blank.
    pub async fn open(progress: impl Fn(String)) -> Result<Repo, StoreError> {
        // The relay is the one that served the page unless the person chose another in
        // the settings; an address (`?relay=`) never chooses it.
        crate::relay_choice::forget_legacy();
        let other = crate::relay_choice::load();
        let home = crate::relay_choice::home_url();
        let (relay_url, open_relay, offered) = match other {
            Some(o) => (o.url, true, o.docs),
            None => (home.clone(), false, Default::default()),
        };
        let store = DocStore::open(DocStore::DEFAULT_NAME).await?;
        let mut docs = BTreeMap::new();
        let mut unreadable = Vec::new();
        let ids = store.document_ids().await?;
        let total = ids.len();
        for (n, raw) in ids.into_iter().enumerate() {
            progress(tf(
                "Opening partnership {0} of {1}…",
                &[&(n + 1).to_string(), &total.to_string()],
            ));
            // Loading blocks the page: let it show the message first.
            crate::browser::sleep_ms(20).await;
            let Ok(id) = raw.parse::<DocumentId>() else {
                unreadable.push(Unreadable {
                    id: raw,
                    reason: t("its id is not a Tandem document id").into(),
                    bytes: Vec::new(),
                });
                continue;
            };
            match LocalDoc::open(&store, id).await {
                Ok(doc) => {
                    docs.insert(id, doc);
                }
                Err(OpenError::Unreadable { reason, bytes }) => unreadable.push(Unreadable {
                    id: raw,
                    reason: reason.to_string(),
                    bytes,
                }),
                Err(e) => unreadable.push(Unreadable {
                    id: raw,
                    reason: e.to_string(),
                    bytes: Vec::new(),
                }),
            }
        }
        let device = Device::load_or_create();
        // The relay accepts only peer ids that start with the device id.
        let tab: String = random_16()[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        // Another server learns nothing about this device, not even its id.
        let peer_id = if open_relay {
            format!("tandem-{}", DocumentId::from_bytes(random_16()))
        } else {
            format!("{}-{tab}", device.id)
        };
        // Links and roles always live on the Tandem relay that served the page.
        let api = access::api_base(&home);
        // Partnerships this browser saved that are no longer stored: the browser cleared
        // or evicted them. Ask the relay for those this browser may sync.
        let mut restores = BTreeMap::new();
        for (id, record) in eviction::load_all() {
            let raw = id.to_string();
            if docs.contains_key(&id) || unreadable.iter().any(|u| u.id == raw) {
                continue;
            }
            let outcome = match access::load(&id) {
                _ if open_relay && offered.contains(&id) => Outcome::Waiting,
                _ if open_relay => Outcome::OnlyHere,
                Some(a) if a.syncs() => Outcome::Waiting,
                Some(a) if a.ended().is_some() => Outcome::AccessEnded,
                _ => Outcome::OnlyHere,
            };
            if outcome == Outcome::Waiting {
                docs.insert(id, LocalDoc::empty(id));
            }
            restores.insert(id, Restore { record, outcome });
        }
        let access: BTreeMap<DocumentId, Access> = docs
            .keys()
            .map(|id| {
                // On another server the records kept for the Tandem relay stay as they
                // are; the offered partnerships are open there, in memory only.
                let a = if open_relay && offered.contains(id) {
                    access::OPEN
                } else {
                    access::load(id).unwrap_or(access::MADE_HERE)
                };
                (*id, a)
            })
            .collect();
        let relay_heads = docs.keys().map(|id| (*id, load_relay_heads(id))).collect();
        let repo = Repo(Rc::new(Inner {
            store,
            docs: RefCell::new(docs),
            unreadable: RefCell::new(unreadable),
            net: RefCell::new(Net {
                session: Session::new(
                    peer_id
                        .parse()
                        .map_err(|_| StoreError::Unavailable("bad peer id".into()))?,
                    Default::default(),
                ),
                socket: None,
                conn: ConnId(0),
                failures: 0,
                relay_heads,
                handlers: Vec::new(),
                preparing: false,
                ready: false,
                unsynced_memo: BTreeMap::new(),
            }),
            api,
            open_relay,
            offered,
            relay_url,
            device,
            access: RwSignal::new(access),
            channel: BroadcastChannel::new(CHANNEL).ok(),
            _channel_handler: RefCell::new(None),
            connection: RwSignal::new(Connection::Offline { retry_in_s: None }),
            revision: RwSignal::new(0),
            unsynced: RwSignal::new(BTreeMap::new()),
            unavailable: RwSignal::new(Default::default()),
            rosters: RwSignal::new(BTreeMap::new()),
            me: RwSignal::new(prefs::presence()),
            open_docs: RefCell::new(BTreeMap::new()),
            presence_session: DocumentId::from_bytes(random_16()).to_string(),
            presence_count: std::cell::Cell::new(0),
            save_problems: RwSignal::new(BTreeMap::new()),
            save_retry_pending: Cell::new(false),
            restores: RwSignal::new(restores),
        }));
        // What IndexedDB holds now is what a later eviction would be measured against.
        let stored: Vec<DocumentId> = repo.0.docs.borrow().keys().copied().collect();
        for id in stored {
            repo.record_saved(id);
        }
        repo.warn_before_leaving_unsaved();
        repo.listen_to_tabs();
        repo.listen_to_network();
        repo.keep_presence();
        let ids: Vec<DocumentId> = repo.0.docs.borrow().keys().copied().collect();
        for id in ids {
            // Not connected yet: this only marks the document for every connection.
            if repo.offers(&id) {
                repo.run_session(|session, docs| session.share(id, docs));
            }
        }
        // On another server, the partnerships picked for it that are not here yet are
        // asked of it.
        for id in repo.0.offered.clone() {
            repo.fetch(id);
        }
        repo.refresh_unsynced();
        repo.connect();
        Ok(repo)
    }

    pub fn store(&self) -> DocStore {
        self.0.store.clone()
    }

    /// Saves a document's unsaved changes to IndexedDB. A failure stays visible in
    /// [`Repo::save_problems`] and is retried every `SAVE_RETRY_MS` until a save succeeds;
    /// the changes meanwhile stay in memory and keep syncing with the relay.
    pub async fn save(&self, id: DocumentId) -> Result<FlushReport, StoreError> {
        let Some(shared) = self.get(&id) else {
            return Ok(FlushReport::default());
        };
        let result = flush(&shared, &self.0.store).await;
        match &result {
            Ok(report) => {
                if report.appended > 0 {
                    self.announce(id);
                }
                // Another flush may still be writing (it reports for itself).
                let unsaved = shared.borrow_mut().has_unsaved();
                if !unsaved {
                    if self.0.save_problems.with_untracked(|p| p.contains_key(&id)) {
                        self.0.save_problems.update(|p| {
                            p.remove(&id);
                        });
                    }
                    self.record_saved(id);
                }
            }
            Err(e) => {
                // Unchanged on a repeated failure, so the banner is not redrawn under the
                // person's pointer every few seconds.
                if self
                    .0
                    .save_problems
                    .with_untracked(|p| p.get(&id) != Some(e))
                {
                    self.0.save_problems.update(|p| {
                        p.insert(id, e.clone());
                    });
                }
                self.retry_saves_soon();
            }
        }
        result
    }

    /// Tries every failed save again in `SAVE_RETRY_MS` (once, however many failed).
    fn retry_saves_soon(&self) {
        if self.0.save_retry_pending.replace(true) {
            return;
        }
        let weak = Rc::downgrade(&self.0);
        set_timeout(SAVE_RETRY_MS, move || {
            let Some(inner) = weak.upgrade() else { return };
            let repo = Repo(inner);
            repo.0.save_retry_pending.set(false);
            let failed: Vec<DocumentId> = repo
                .0
                .save_problems
                .with_untracked(|p| p.keys().copied().collect());
            for id in failed {
                let repo = repo.clone();
                spawn_local(async move {
                    // A failure is recorded (and retried) by `save` itself.
                    let _ = repo.save(id).await;
                });
            }
        });
    }

    /// Documents whose last save failed, and why (the storage banner shows them).
    pub fn save_problems(&self) -> RwSignal<BTreeMap<DocumentId, StoreError>> {
        self.0.save_problems
    }

    /// Partnerships found gone from storage at start, and what became of them.
    pub fn restores(&self) -> RwSignal<BTreeMap<DocumentId, Restore>> {
        self.0.restores
    }

    /// The person has read what became of an evicted partnership. One that cannot come
    /// back is then forgotten, so it is not reported again at every start.
    pub fn dismiss_restore(&self, id: DocumentId) {
        let mut removed = None;
        self.0.restores.update(|r| removed = r.remove(&id));
        if let Some(restore) = removed
            && matches!(
                restore.outcome,
                Outcome::Unavailable | Outcome::OnlyHere | Outcome::AccessEnded
            )
            && self.get(&id).is_none_or(|d| d.borrow_mut().doc.is_empty())
        {
            eviction::forget(&id);
        }
    }

    /// Records what IndexedDB now holds of a document (the measure of a later eviction).
    fn record_saved(&self, id: DocumentId) {
        let waiting = self
            .0
            .restores
            .with_untracked(|r| r.get(&id).is_some_and(|x| x.outcome == Outcome::Waiting));
        if waiting {
            // The record is the evidence the restore is judged by: keep it until then.
            return;
        }
        let Some(shared) = self.get(&id) else { return };
        let Ok(local) = shared.try_borrow() else {
            return;
        };
        let heads = local.saved_heads().to_vec();
        if heads.is_empty() {
            return;
        }
        let title = eviction::title(&local.doc);
        let mut record = eviction::load(&id).unwrap_or_default();
        if record.heads == heads && record.title == title {
            return;
        }
        record.heads = heads;
        record.saved_ms = now_ms();
        if !title.is_empty() {
            record.title = title;
        }
        eviction::store(&id, &record);
    }

    /// Closing the tab while a save is failing would lose those edits: let the browser ask.
    fn warn_before_leaving_unsaved(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let weak = Rc::downgrade(&self.0);
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let Some(inner) = weak.upgrade() else { return };
            let failing = inner.save_problems.with_untracked(|p| !p.is_empty());
            if failing && let Some(event) = event.dyn_ref::<web_sys::Event>() {
                event.prevent_default();
                // Older browsers ask only when `returnValue` is set.
                let _ = js_sys::Reflect::set(event, &"returnValue".into(), &"".into());
            }
        });
        let _ = window
            .add_event_listener_with_callback("beforeunload", handler.as_ref().unchecked_ref());
        handler.forget(); // Lives as long as the page.
    }

    pub fn connection(&self) -> RwSignal<Connection> {
        self.0.connection
    }

    pub fn revision(&self) -> RwSignal<u64> {
        self.0.revision
    }

    pub fn unsynced(&self) -> RwSignal<BTreeMap<DocumentId, usize>> {
        self.0.unsynced
    }

    pub fn relay_url(&self) -> String {
        self.0.relay_url.clone()
    }

    pub fn access(&self) -> RwSignal<BTreeMap<DocumentId, Access>> {
        self.0.access
    }

    /// What this browser may do with a partnership (untracked).
    pub fn access_of(&self, id: &DocumentId) -> Access {
        self.0
            .access
            .with_untracked(|a| a.get(id).copied())
            .or_else(|| access::load(id))
            .unwrap_or(access::MADE_HERE)
    }

    /// Whether this relay has access control (links, roles): the Tandem relay does.
    pub fn has_access_control(&self) -> bool {
        !self.0.open_relay
    }

    /// The partnerships offered to another server chosen in the settings (empty on the
    /// Tandem relay).
    pub fn offered(&self) -> std::collections::BTreeSet<DocumentId> {
        self.0.offered.clone()
    }

    /// Whether a partnership is offered to (and asked of) the relay this browser syncs
    /// with: on the Tandem relay, when its access is active; on another server, only
    /// when the person picked it for that server.
    fn offers(&self, id: &DocumentId) -> bool {
        if self.0.open_relay {
            self.0.offered.contains(id)
        } else {
            self.access_of(id).syncs()
        }
    }

    /// Records access to a partnership. On another server nothing is written: the
    /// records belong to the Tandem relay and are never overwritten from elsewhere.
    fn set_access(&self, id: DocumentId, value: Access) {
        if self.0.open_relay {
            return;
        }
        access::store(&id, value);
        self.0.access.update(|a| {
            a.insert(id, value);
        });
    }

    /// One call to the relay's API as this device.
    pub async fn send<C: Call>(&self, call: &C) -> Result<C::Answer, ApiError> {
        self.0.device.ensure_registered(&self.0.api).await?;
        access::send(&self.0.api, Some(&self.0.device), call).await
    }

    /// What a link would give, without redeeming it (the join page shows this first).
    pub async fn describe_link(&self, secret: &str) -> Result<LinkDescription, ApiError> {
        self.send(&DescribeLink {
            secret: secret.to_owned(),
        })
        .await
    }

    /// The Tandem relay's address (where links and roles live), for people to read.
    pub fn home_relay(&self) -> String {
        self.0.api.clone()
    }

    /// Redeems a link (its secret from the URL fragment): the partnership is added to this
    /// browser under the link's role and synced.
    pub async fn join(&self, secret: &str) -> Result<(DocumentId, AccessRole), ApiError> {
        let Redeemed {
            document: id, role, ..
        } = self
            .send(&Redeem {
                secret: secret.to_owned(),
            })
            .await?;
        if self.0.open_relay {
            // Joined on the Tandem relay; it syncs there once this browser is back on it.
            access::store(
                &id,
                Access {
                    role: access::load(&id)
                        .filter(|a| a.syncs())
                        .map_or(role, |a| a.role.max(role)),
                    state: AccessState::Active,
                },
            );
            return Ok((id, role));
        }
        // A second link to the same partnership never lowers what this browser has.
        let current = self.0.access.with_untracked(|a| a.get(&id).copied());
        let role = match current {
            Some(a) if a.syncs() => a.role.max(role),
            _ => role,
        };
        self.set_access(
            id,
            Access {
                role,
                state: AccessState::Active,
            },
        );
        if self.get(&id).is_some() {
            self.run_session(|session, docs| session.share(id, docs));
        } else {
            self.fetch(id);
        }
        self.connect();
        Ok((id, role))
    }

    /// Registers partnerships made here with the relay (this browser becomes the owner)
    /// and starts syncing them. Stops at the first network failure, to be retried.
    async fn claim_unregistered(&self) -> Result<(), ApiError> {
        if self.0.open_relay {
            return Ok(());
        }
        let waiting: Vec<DocumentId> = self.0.access.with_untracked(|a| {
            a.iter()
                .filter(|(_, x)| x.state == AccessState::Unregistered)
                .map(|(id, _)| *id)
                .collect()
        });
        for id in waiting {
            if !self.has_content(&id) {
                continue;
            }
            match self.send(&Claim { document: id }).await {
                Ok(_) => {
                    self.set_access(
                        id,
                        Access {
                            role: AccessRole::Owner,
                            state: AccessState::Active,
                        },
                    );
                    self.run_session(|session, docs| session.share(id, docs));
                }
                Err(e) if e.reason == Some(access::Reason::AlreadyOwned) => self.set_access(
                    id,
                    Access {
                        role: AccessRole::Owner,
                        state: AccessState::Refused,
                    },
                ),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The relay stopped (or declined) syncing a partnership this browser holds: ask it
    /// why, and stop offering it if the access ended.
    async fn check_access(&self, id: DocumentId) {
        if self.0.open_relay {
            return;
        }
        let current = self.access_of(&id);
        match self.send(&GetAccess { document: id }).await {
            Ok(AccessAnswer { role }) => {
                self.set_access(
                    id,
                    Access {
                        role,
                        state: AccessState::Active,
                    },
                );
            }
            Err(e)
                if matches!(
                    e.reason,
                    Some(
                        access::Reason::Revoked
                            | access::Reason::Expired
                            | access::Reason::NoAccess
                    )
                ) =>
            {
                let state = match e.reason {
                    Some(access::Reason::Revoked) => AccessState::Revoked,
                    Some(access::Reason::Expired) => AccessState::Expired,
                    // The relay forgot a partnership made here (its data was reset):
                    // register it again.
                    _ if current.role == AccessRole::Owner => AccessState::Unregistered,
                    _ => AccessState::Refused,
                };
                self.run_session(|session, _| {
                    session.unshare(&id);
                    Vec::new()
                });
                self.set_access(
                    id,
                    Access {
                        role: current.role,
                        state,
                    },
                );
                if state == AccessState::Unregistered {
                    let _ = self.claim_unregistered().await;
                }
            }
            Err(e) => web_sys::console::warn_1(&JsValue::from_str(&format!(
                "could not ask the relay about access to {id}: {e}"
            ))),
        }
    }

    pub fn unavailable(&self) -> RwSignal<std::collections::BTreeSet<DocumentId>> {
        self.0.unavailable
    }

    /// Whether the document is here with content (not just asked for).
    pub fn has_content(&self, id: &DocumentId) -> bool {
        self.get(id).is_some_and(|d| !d.borrow_mut().doc.is_empty())
    }

    /// Asks the relay for a partnership this browser does not hold (opened from a link).
    /// It is stored once its content arrives.
    pub fn fetch(&self, id: DocumentId) {
        if self.get(&id).is_some() {
            return;
        }
        // Only a partnership this browser joined through a link (or, on another server,
        // one the person picked for it) can be fetched.
        let allowed = if self.0.open_relay {
            self.0.offered.contains(&id)
        } else {
            access::load(&id).is_some_and(Access::syncs)
        };
        if !allowed {
            self.0.unavailable.update(|u| {
                u.insert(id);
            });
            return;
        }
        self.0.docs.borrow_mut().insert(id, LocalDoc::empty(id));
        self.0.unavailable.update(|u| {
            u.remove(&id);
        });
        self.run_session(|session, docs| session.share(id, docs));
    }

    pub fn rosters(&self) -> RwSignal<BTreeMap<DocumentId, Roster>> {
        self.0.rosters
    }

    pub fn me(&self) -> RwSignal<Option<Presence>> {
        self.0.me
    }

    /// Sets how this person appears to others, remembers it, and tells the open documents.
    pub fn set_me(&self, me: Presence) {
        prefs::set_presence(&me);
        self.0.me.set(Some(me));
        self.announce_open(false);
    }

    /// A screen shows a document: announce presence on it.
    pub fn opened(&self, id: DocumentId) {
        *self.0.open_docs.borrow_mut().entry(id).or_default() += 1;
        self.announce_presence(id, false);
    }

    /// A screen stopped showing a document.
    pub fn closed(&self, id: DocumentId) {
        let last = {
            let mut open = self.0.open_docs.borrow_mut();
            let count = open.entry(id).or_default();
            *count = count.saturating_sub(1);
            let last = *count == 0;
            if last {
                open.remove(&id);
            }
            last
        };
        if last {
            self.announce_presence(id, true);
        }
    }

    fn announce_presence(&self, id: DocumentId, left: bool) {
        let announcement = if left {
            Announcement::Left
        } else {
            match self.0.me.get_untracked() {
                Some(me) => Announcement::Here(me),
                None => return,
            }
        };
        let count = self.0.presence_count.get() + 1;
        self.0.presence_count.set(count);
        let effects = self.0.net.borrow_mut().session.broadcast_ephemeral(
            id,
            &self.0.presence_session,
            count,
            announcement.encode(),
        );
        self.apply(effects);
    }

    fn announce_open(&self, left: bool) {
        let open: Vec<DocumentId> = self.0.open_docs.borrow().keys().copied().collect();
        for id in open {
            self.announce_presence(id, left);
        }
    }

    /// Heartbeats for open documents, expiry of the quiet, and a goodbye on page close.
    fn keep_presence(&self) {
        let weak = Rc::downgrade(&self.0);
        let tick = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            let Some(inner) = weak.upgrade() else { return };
            let repo = Repo(inner);
            repo.announce_open(false);
            let now = now_ms().max(0) as u64;
            let expired = repo
                .0
                .rosters
                .with_untracked(|r| r.values().any(|roster| roster.clone().expire(now)));
            if expired {
                repo.0.rosters.update(|r| {
                    for roster in r.values_mut() {
                        roster.expire(now);
                    }
                });
            }
        });
        if let Some(w) = web_sys::window() {
            let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                i32::try_from(HEARTBEAT_MS).unwrap_or(10_000),
            );
            let weak = Rc::downgrade(&self.0);
            let goodbye = Closure::<dyn FnMut(JsValue)>::new(move |_| {
                if let Some(inner) = weak.upgrade() {
                    Repo(inner).announce_open(true);
                }
            });
            let _ =
                w.add_event_listener_with_callback("pagehide", goodbye.as_ref().unchecked_ref());
            goodbye.forget(); // Lives as long as the page.
        }
        tick.forget(); // Lives as long as the page.
    }

    pub fn get(&self, id: &DocumentId) -> Option<SharedDoc> {
        self.0.docs.borrow().get(id).cloned()
    }

    pub fn documents(&self) -> Vec<(DocumentId, SharedDoc)> {
        self.0
            .docs
            .borrow()
            .iter()
            .map(|(id, d)| (*id, d.clone()))
            .collect()
    }

    pub fn unreadable(&self) -> Vec<Unreadable> {
        self.0.unreadable.borrow().clone()
    }

    /// Creates and stores a partnership, and starts syncing it.
    pub async fn create(
        &self,
        new: &NewPartnership,
        now_ms: i64,
    ) -> Result<DocumentId, CreateError> {
        let id = DocumentId::from_bytes(random_16());
        let doc = LocalDoc::create(&self.0.store, id, new, now_ms).await?;
        self.0.docs.borrow_mut().insert(id, doc);
        self.record_saved(id);
        // It syncs once the relay has registered this browser as its owner. (On another
        // server it stays here until the person offers it there.)
        self.set_access(id, access::MADE_HERE);
        self.announce(id);
        self.refresh_unsynced();
        self.register_soon();
        Ok(id)
    }

    /// Imports a `.automerge` file. It is merged only into a partnership this browser
    /// holds with content *and* whose history has the same origin (the same first
    /// change); anything else becomes a new partnership with a new id, so an unrelated
    /// history is never merged into a partnership here — nor, through a recorded id, into
    /// a relay copy this browser has never seen. A file that is not a readable Tandem
    /// partnership is refused with the reason, and nothing stored changes.
    pub async fn import(&self, bytes: &[u8]) -> Result<Imported, String> {
        let mut incoming =
            tandem_domain::document::PartnershipDoc::load([bytes]).map_err(|e| e.to_string())?;
        let origin = incoming.origin();
        let existing = self.documents().into_iter().find(|(_, d)| {
            d.try_borrow_mut()
                .is_ok_and(|mut l| !l.doc.is_empty() && l.doc.origin() == origin)
        });
        if let Some((id, shared)) = existing {
            // A viewer's copy takes no changes: the relay would refuse them anyway.
            if !self.access_of(&id).can_edit() {
                return Err(t("you can read this partnership but not change it, so a copy cannot be merged into it").into());
            }
            shared
                .borrow_mut()
                .doc
                .merge(&mut incoming)
                .map_err(|e| e.to_string())?;
            self.local_change(id);
            // Merged in memory either way: a failed save is shown and retried by `save`.
            let _ = self.save(id).await;
            self.0.revision.update(|r| *r += 1);
            return Ok(Imported::Merged(id));
        }
        let why = match incoming.recorded_id() {
            None => NewBecause::NoRecordedId,
            Some(recorded) if self.has_content(&recorded) => NewBecause::DifferentOrigin,
            Some(_) => NewBecause::NotHeldHere,
        };
        let id = DocumentId::from_bytes(random_16());
        let shared = LocalDoc::store_new(&self.0.store, id, incoming)
            .await
            .map_err(|e| e.to_string())?;
        self.0.docs.borrow_mut().insert(id, shared);
        self.record_saved(id);
        // A new partnership of this browser's: registered with the relay as its owner.
        self.set_access(id, access::MADE_HERE);
        self.register_soon();
        self.announce(id);
        self.refresh_unsynced();
        self.0.revision.update(|r| *r += 1);
        Ok(Imported::New { id, why })
    }

    /// The whole partnership as a `.automerge` file (every change, loadable by any
    /// Automerge implementation).
    pub fn export(&self, id: &DocumentId) -> Option<Vec<u8>> {
        self.get(id).map(|d| d.borrow_mut().doc.save())
    }

    /// A screen changed a document: send it to the relay. (The screen saves it.)
    pub fn local_change(&self, id: DocumentId) {
        self.run_session(|session, docs| session.changed(id, docs));
        self.refresh_unsynced();
    }

    /// Tells other tabs that a document's storage changed.
    pub fn announce(&self, id: DocumentId) {
        if let Some(channel) = &self.0.channel {
            let _ = channel.post_message(&JsValue::from_str(&id.to_string()));
        }
    }

    fn listen_to_tabs(&self) {
        let Some(channel) = &self.0.channel else {
            return;
        };
        let weak = Rc::downgrade(&self.0);
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let Some(inner) = weak.upgrade() else { return };
            let repo = Repo(inner);
            let id = event
                .dyn_ref::<MessageEvent>()
                .and_then(|e| e.data().as_string())
                .and_then(|s| s.parse::<DocumentId>().ok());
            if let Some(id) = id {
                spawn_local(async move { repo.merge_from_storage(id).await });
            }
        });
        channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        *self.0._channel_handler.borrow_mut() = Some(handler);
    }

    /// Reads what another tab stored for a document and merges it in.
    async fn merge_from_storage(&self, id: DocumentId) {
        let shared = match self.get(&id) {
            Some(doc) => doc,
            None => match LocalDoc::open(&self.0.store, id).await {
                // Another tab created it.
                Ok(doc) => {
                    self.0.docs.borrow_mut().insert(id, doc.clone());
                    let access = if self.0.open_relay && self.0.offered.contains(&id) {
                        access::OPEN
                    } else {
                        access::load(&id).unwrap_or(access::MADE_HERE)
                    };
                    self.0.access.update(|a| {
                        a.insert(id, access);
                    });
                    if self.offers(&id) {
                        self.run_session(|session, docs| session.share(id, docs));
                    }
                    self.0.revision.update(|r| *r += 1);
                    return;
                }
                Err(_) => return,
            },
        };
        if let Ok(true) = refresh_from_store(&shared, &self.0.store).await {
            self.0.revision.update(|r| *r += 1);
            self.local_change(id);
        }
    }

    fn listen_to_network(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        for (event, is_online) in [("online", true), ("offline", false)] {
            let weak = Rc::downgrade(&self.0);
            let handler = Closure::<dyn FnMut(JsValue)>::new(move |_| {
                let Some(inner) = weak.upgrade() else { return };
                let repo = Repo(inner);
                if is_online {
                    repo.0.net.borrow_mut().failures = 0;
                    repo.connect();
                } else {
                    // The browser says the network is gone: stop pretending otherwise.
                    repo.drop_socket();
                    repo.0
                        .connection
                        .set(Connection::Offline { retry_in_s: None });
                }
            });
            let _ =
                window.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
            handler.forget(); // Lives as long as the page.
        }
    }

    fn drop_socket(&self) {
        let socket = {
            let mut net = self.0.net.borrow_mut();
            let conn = net.conn;
            net.session.disconnect(conn);
            net.handlers.clear();
            net.ready = false;
            net.socket.take()
        };
        if let Some(socket) = socket {
            socket.set_onopen(None);
            socket.set_onmessage(None);
            socket.set_onclose(None);
            socket.set_onerror(None);
            let _ = socket.close();
        }
    }

    /// Registers partnerships made here as soon as the relay can be reached.
    fn register_soon(&self) {
        if self.0.net.borrow().ready {
            let repo = self.clone();
            spawn_local(async move {
                if let Err(e) = repo.claim_unregistered().await {
                    web_sys::console::warn_1(&JsValue::from_str(&format!(
                        "the partnership will be registered with the relay later: {e}"
                    )));
                }
            });
        }
    }

    /// Opens a connection to the relay (if online and not already connected): first the
    /// device is registered and new partnerships claimed, then the socket opens.
    fn connect(&self) {
        {
            let net = self.0.net.borrow();
            if net.socket.is_some() || net.preparing {
                return;
            }
        }
        if !online() {
            self.0
                .connection
                .set(Connection::Offline { retry_in_s: None });
            return;
        }
        self.0.net.borrow_mut().preparing = true;
        self.0.connection.set(Connection::Connecting);
        let repo = self.clone();
        spawn_local(async move {
            let prepared = if repo.0.open_relay {
                Ok(())
            } else {
                match repo.0.device.ensure_registered(&repo.0.api).await {
                    Ok(()) => repo.claim_unregistered().await,
                    Err(e) => Err(e),
                }
            };
            repo.0.net.borrow_mut().preparing = false;
            match prepared {
                Ok(()) => repo.open_socket(),
                Err(e) => {
                    web_sys::console::warn_1(&JsValue::from_str(&format!(
                        "cannot reach the relay yet: {e}"
                    )));
                    repo.schedule_reconnect();
                }
            }
        });
    }

    fn open_socket(&self) {
        if self.0.net.borrow().socket.is_some() {
            return;
        }
        let protocols = js_sys::Array::new();
        for p in self.0.device.protocols() {
            protocols.push(&JsValue::from_str(&p));
        }
        let opened = if self.0.open_relay {
            WebSocket::new(&self.0.relay_url)
        } else {
            WebSocket::new_with_str_sequence(&self.0.relay_url, &protocols)
        };
        let socket = match opened {
            Ok(s) => s,
            Err(_) => {
                self.schedule_reconnect();
                return;
            }
        };
        socket.set_binary_type(BinaryType::Arraybuffer);
        self.0.connection.set(Connection::Connecting);
        let conn = {
            let mut net = self.0.net.borrow_mut();
            net.conn = ConnId(net.conn.0 + 1);
            net.conn
        };

        let weak = Rc::downgrade(&self.0);
        let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            let Some(inner) = weak.upgrade() else { return };
            let repo = Repo(inner);
            let effects = repo
                .0
                .net
                .borrow_mut()
                .session
                .connect(conn, Handshake::Initiator);
            repo.apply(effects);
        });
        let weak = Rc::downgrade(&self.0);
        let on_message = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let Some(inner) = weak.upgrade() else { return };
            let repo = Repo(inner);
            let Some(data) = event.dyn_ref::<MessageEvent>().map(MessageEvent::data) else {
                return;
            };
            let bytes = js_sys::Uint8Array::new(&data).to_vec();
            repo.run_session(|session, docs| session.receive(conn, &bytes, docs));
            repo.refresh_unsynced();
        });
        let weak = Rc::downgrade(&self.0);
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            let Some(inner) = weak.upgrade() else { return };
            let repo = Repo(inner);
            if !repo.0.net.borrow().ready {
                // Refused before the handshake: perhaps the relay no longer knows this
                // device (its data was reset). Register again before the next attempt.
                repo.0.device.forget_registration();
            }
            repo.drop_socket();
            repo.schedule_reconnect();
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut net = self.0.net.borrow_mut();
        net.handlers = vec![on_open, on_message, on_close];
        net.socket = Some(socket);
    }

    /// Tries again after 1, 2, 4 … 30 seconds (with jitter, so a restarted relay is not
    /// hit by every browser at once).
    fn schedule_reconnect(&self) {
        if !online() {
            self.0
                .connection
                .set(Connection::Offline { retry_in_s: None });
            return;
        }
        let failures = {
            let mut net = self.0.net.borrow_mut();
            net.failures = net.failures.saturating_add(1);
            net.failures
        };
        let base_ms = 500u32.saturating_mul(1 << failures.min(6)).min(30_000);
        let jitter = (js_sys::Math::random() * f64::from(base_ms) * 0.3) as u32;
        let delay = base_ms + jitter;
        self.0.connection.set(Connection::Offline {
            retry_in_s: Some(delay.div_ceil(1000)),
        });
        let weak = Rc::downgrade(&self.0);
        set_timeout(i32::try_from(delay).unwrap_or(30_000), move || {
            if let Some(inner) = weak.upgrade() {
                Repo(inner).connect();
            }
        });
    }

    /// Runs one step of the protocol session over this browser's documents, then
    /// carries out what it asks for.
    fn run_session(&self, step: impl FnOnce(&mut Session, &mut DocsView<'_>) -> Vec<Effect>) {
        let effects = {
            let mut net = self.0.net.borrow_mut();
            let Net {
                session,
                relay_heads,
                ..
            } = &mut *net;
            let docs = self.0.docs.borrow();
            step(
                session,
                &mut DocsView {
                    docs: &docs,
                    relay_heads,
                },
            )
        };
        self.apply(effects);
    }

    fn apply(&self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send { message, .. } => {
                    let net = self.0.net.borrow();
                    if let Some(socket) = &net.socket {
                        let _ = socket.send_with_u8_array(&message.encode());
                    }
                }
                Effect::Close { reason, .. } => {
                    web_sys::console::warn_1(&JsValue::from_str(&format!(
                        "sync connection closed: {reason}"
                    )));
                    self.drop_socket();
                    self.schedule_reconnect();
                }
                Effect::PeerReady { .. } => {
                    {
                        let mut net = self.0.net.borrow_mut();
                        net.failures = 0;
                        net.ready = true;
                    }
                    self.0.connection.set(Connection::Online);
                    self.announce_open(false);
                    // Anything made while the handshake was under way is registered now.
                    let waiting = self.0.access.with_untracked(|a| {
                        a.values().any(|x| x.state == AccessState::Unregistered)
                    });
                    if waiting {
                        self.register_soon();
                    }
                }
                Effect::DocumentChanged { document } => self.remote_change(document),
                Effect::DocumentUnavailable { document, .. } => {
                    let empty = self
                        .get(&document)
                        .is_some_and(|d| d.borrow_mut().doc.is_empty());
                    if empty {
                        self.0.unavailable.update(|u| {
                            u.insert(document);
                        });
                        self.settle_restore(document, Outcome::Unavailable);
                    }
                    // Perhaps the access ended (a revoked or expired link): find out.
                    let repo = self.clone();
                    spawn_local(async move { repo.check_access(document).await });
                }
                Effect::Ephemeral {
                    document,
                    sender,
                    data,
                    ..
                } => {
                    if let Some(announcement) = Announcement::decode(&data) {
                        let now = now_ms().max(0) as u64;
                        let newcomer = matches!(announcement, Announcement::Here(_))
                            && self.0.rosters.with_untracked(|r| {
                                r.get(&document)
                                    .is_none_or(|roster| !roster.contains(&sender))
                            });
                        self.0.rosters.update(|r| {
                            r.entry(document)
                                .or_default()
                                .heard(sender, announcement, now);
                        });
                        // Someone new: tell them who is already here, without waiting
                        // for the next heartbeat.
                        if newcomer && self.0.open_docs.borrow().contains_key(&document) {
                            self.announce_presence(document, false);
                        }
                    }
                }
            }
        }
    }

    /// Changes arrived from the relay: save them, tell the other tabs and the screens.
    fn remote_change(&self, id: DocumentId) {
        self.0.unavailable.update(|u| {
            u.remove(&id);
        });
        self.0.revision.update(|r| *r += 1);
        if self.get(&id).is_none() {
            return;
        }
        let repo = self.clone();
        spawn_local(async move {
            // A failure is shown and retried by `save`; the changes stay in memory.
            let _ = repo.save(id).await;
        });
    }

    /// Recounts, per document, the changes the relay is not yet known to have.
    fn refresh_unsynced(&self) {
        let mut counts = self.0.unsynced.get_untracked();
        let mut relay_has_all = Vec::new();
        {
            let mut net = self.0.net.borrow_mut();
            let conn = net.conn;
            let docs = self.0.docs.borrow();
            for (id, shared) in docs.iter() {
                if let Some(theirs) = net.session.their_heads(conn, id)
                    && net.relay_heads.get(id) != Some(&theirs)
                {
                    store_relay_heads(id, &theirs);
                    net.relay_heads.insert(*id, theirs);
                }
                // Busy (borrowed by an edit in progress): keep the last count.
                let Ok(mut local) = shared.try_borrow_mut() else {
                    continue;
                };
                let doc = local.doc.automerge_mut();
                let heads = doc.get_heads();
                let relay = net.relay_heads.get(id).cloned().unwrap_or_default();
                // Counting walks the history the relay lacks: only redo it when either
                // side's heads moved.
                if let Some((h, r, _)) = net.unsynced_memo.get(id)
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
                // Metadata only: whole changes are re-encoded from the document's
                // columns, which is slow on a long history in the browser.
                let missing = doc.get_changes_meta(&known).len();
                if missing == 0 && !heads.is_empty() {
                    relay_has_all.push(*id);
                }
                counts.insert(*id, missing);
                net.unsynced_memo.insert(*id, (heads, relay, missing));
            }
        }
        if self.0.unsynced.with_untracked(|old| *old != counts) {
            self.0.unsynced.set(counts);
        }
        for id in relay_has_all {
            self.record_relay_had_all(&id);
        }
        self.judge_restores();
    }

    /// Notes that the relay holds everything this browser has of a document (the time a
    /// later eviction names as "changes after this were lost").
    fn record_relay_had_all(&self, id: &DocumentId) {
        if let Some(mut record) = eviction::load(id) {
            record.relay_had_all_ms = Some(now_ms());
            eviction::store(id, &record);
        }
    }

    fn settle_restore(&self, id: DocumentId, outcome: Outcome) {
        let waiting = self.0.restores.with_untracked(|r| {
            r.get(&id)
                .is_some_and(|x| matches!(x.outcome, Outcome::Waiting | Outcome::Unavailable))
        });
        if waiting {
            self.0.restores.update(|r| {
                if let Some(x) = r.get_mut(&id) {
                    x.outcome = outcome;
                }
            });
        }
    }

    /// Evicted partnerships the relay has now sent back in full: were all the changes
    /// last saved here among them? (The rule is in [`crate::eviction`].)
    fn judge_restores(&self) {
        let pending: Vec<(DocumentId, eviction::SavedRecord)> =
            self.0.restores.with_untracked(|r| {
                r.iter()
                    .filter(|(_, x)| matches!(x.outcome, Outcome::Waiting | Outcome::Unavailable))
                    .map(|(id, x)| (*id, x.record.clone()))
                    .collect()
            });
        for (id, record) in pending {
            let theirs = {
                let net = self.0.net.borrow();
                net.session.their_heads(net.conn, &id)
            };
            let Some(theirs) = theirs else { continue };
            let Some(shared) = self.get(&id) else {
                continue;
            };
            let outcome = {
                let Ok(mut local) = shared.try_borrow_mut() else {
                    continue;
                };
                let doc = local.doc.automerge_mut();
                // Only once everything the relay announced has arrived.
                if theirs.is_empty()
                    || theirs
                        .iter()
                        .any(|h| doc.get_change_meta_by_hash(h).is_none())
                {
                    continue;
                }
                eviction::judge(&record, &mut local.doc)
            };
            self.settle_restore(id, outcome);
        }
    }
}
