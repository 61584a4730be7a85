//! The browser side of the client core: it turns JavaScript callbacks into
//! [`tandem_client::Event`]s and carries out the [`Task`]s that come back — the WebSocket,
//! the BroadcastChannel to other tabs, timers and the page's lifecycle, fetch
//! ([`api`]), localStorage ([`local`]) and IndexedDB ([`indexeddb`], [`saving`]). It
//! decides nothing: every decision is the client's, tested natively in `crates/client`.
//! What changed reaches the screens through the signals of [`crate::state`].

pub mod api;
pub mod indexeddb;
pub mod local;
pub mod page_copy;
pub mod preview;
pub mod saving;

use std::{
    cell::{Cell, RefCell},
    collections::{BTreeMap, BTreeSet},
    rc::Rc,
};

use leptos::{prelude::*, task::spawn_local};
use tandem_client::{
    Answered, ApiCall, ApiFailure, Client, Config, Event, Loaded, Notice, SaveFailure, Task, Timer,
};
use tandem_domain::{
    document::PartnershipDoc,
    document_id::DocumentId,
    partnership::{NewPartnership, NewPartnershipError},
};
use tandem_sync::api::{Call, Claim, DescribeLink, GetAccess, LinkDescription, Redeem, Redeemed};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{BinaryType, BroadcastChannel, MessageEvent, WebSocket};

use crate::browser::{now_ms, random_16};
use crate::i18n::t;
use crate::state::{SaveState, Signals};
use api::{Access, ApiError, Device, Role};
use indexeddb::{DocStore, StoreError};
use saving::{AllChunks, OpenError};

const CHANNEL: &str = "tandem";

/// How long a partnership is quiet (no save) before its preview is written: a preview
/// of a long partnership costs tens of milliseconds, not something to pay per keystroke.
const PREVIEW_AFTER_MS: i32 = 2_000;
/// After opening, previews missing or out of date are written after this long, so they
/// do not compete with the first minutes of the page.
const PREVIEW_AFTER_OPEN_MS: i32 = 5_000;
/// A tab switched to is copied for the next opening once it has settled this long.
const PAGE_COPY_AFTER_MS: i32 = 1_000;

/// The partnership the address names (`/p/<id>`), if any.
fn addressed() -> Option<DocumentId> {
    let path = web_sys::window()?.location().pathname().ok()?;
    path.strip_prefix("/p/")?.parse().ok()
}

/// The keys and sizes of chunks read from storage.
type ChunksRead = (Vec<indexeddb::ChunkKey>, Vec<usize>);

/// A JavaScript event callback kept alive by Rust.
type Handler = Closure<dyn FnMut(JsValue)>;

/// A stored partnership that does not load.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub id: String,
    pub reason: String,
    pub bytes: Vec<u8>,
}

fn unreadable_of(id: String, e: OpenError) -> Unreadable {
    let (reason, bytes) = match e {
        OpenError::Unreadable { reason, bytes } => (reason.to_string(), bytes),
        e => (e.to_string(), Vec::new()),
    };
    Unreadable { id, reason, bytes }
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

#[derive(Debug, Clone, thiserror::Error)]
pub enum CreateError {
    #[error("{0}")]
    Invalid(NewPartnershipError),
    #[error("{0}")]
    Store(StoreError),
}

struct Socket {
    socket: WebSocket,
    /// Closures the socket calls; dropped with it.
    _handlers: Vec<Handler>,
}

struct Inner {
    client: RefCell<Client>,
    store: DocStore,
    chunks: AllChunks,
    /// The keys and sizes of the chunks last read per document, until the client says
    /// the document holds them ([`Task::ReadHeld`]).
    reads: RefCell<BTreeMap<DocumentId, ChunksRead>>,
    /// The previews' store ([`preview`]); none if it cannot be opened (a hint lost).
    previews: Option<DocStore>,
    /// Per partnership, the number of the latest preview write asked for: a write runs
    /// once its document has been quiet for [`PREVIEW_AFTER_MS`].
    preview_due: RefCell<BTreeMap<DocumentId, u64>>,
    signals: Signals,
    unreadable: RefCell<Vec<Unreadable>>,
    device: Device,
    relay_url: String,
    /// The Tandem relay's HTTP API (`http(s)://host`).
    api: String,
    socket: RefCell<Option<Socket>>,
    /// Numbers sockets, so a late callback of a closed one is ignored.
    socket_generation: Cell<u64>,
    channel: Option<BroadcastChannel>,
    timers: RefCell<BTreeMap<u8, i32>>,
    _listeners: RefCell<Vec<Handler>>,
}

/// The browser's partnerships and their sync, run for the client core. Cheap to clone.
#[derive(Clone)]
pub struct Platform(Rc<Inner>);

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform").finish_non_exhaustive()
    }
}

fn online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

fn timer_slot(timer: Timer) -> u8 {
    match timer {
        Timer::Reconnect => 0,
        Timer::SaveRetry => 1,
        Timer::Heartbeat => 2,
    }
}

impl Platform {
    /// Opens the store, loads the partnership the address names (`/p/<id>`), and starts
    /// the client; every other stored partnership loads after, one at a time, each taking
    /// its place as it loads ([`tandem_client::Event::Opened`]): a page does not wait for
    /// years of history in partnerships it does not show. `progress` is told, in words,
    /// that the partnership is being opened: one with years of history takes a second or
    /// more, and the page says so instead of sitting blank.
    ///
    /// If a preview of the addressed partnership matches what is stored, `show_preview`
    /// gets it before its document loads, and the page is given a moment to paint it.
    pub(crate) async fn open(
        signals: Signals,
        progress: impl Fn(String),
        show_preview: impl FnOnce(DocumentId, tandem_domain::partnership::Partnership),
    ) -> Result<Platform, StoreError> {
        // The relay is the one that served the page unless the person chose another in
        // the settings; an address (`?relay=`) never chooses it.
        crate::relay_choice::forget_legacy();
        let other = crate::relay_choice::load();
        let home = crate::relay_choice::home_url();
        let (relay_url, open_relay, offered) = match other {
            Some(o) => (o.url, true, o.docs),
            None => (home.clone(), false, BTreeSet::new()),
        };
        let store = DocStore::open(DocStore::DEFAULT_NAME).await?;
        let mut docs = Vec::new();
        let mut chunks = BTreeMap::new();
        let mut unreadable = Vec::new();
        let mut unreadable_ids = BTreeSet::new();
        let previews = DocStore::open(preview::DATABASE).await.ok();
        let mut ids = store.document_ids().await?;
        let mut first = None;
        let mut copy_painted = false;
        if let Some(wanted) = addressed()
            && let Some(at) = ids.iter().position(|raw| *raw == wanted.to_string())
        {
            first = Some(ids.remove(at));
            // The copy of the page `boot.js` painted shows the same already.
            copy_painted = page_copy::painted().await;
            if !copy_painted
                && let Some(previews) = &previews
                && let Some(p) = preview::read(&store, previews, wanted).await
            {
                show_preview(wanted, p);
                // Loading blocks the page: let it paint the preview first.
                crate::browser::sleep_ms(30).await;
            }
        }
        // Ids that are not document ids are listed as unreadable; the rest load later.
        let mut pending = BTreeSet::new();
        let mut later = Vec::new();
        for raw in ids {
            match raw.parse::<DocumentId>() {
                Ok(id) => {
                    pending.insert(id);
                    later.push(id);
                }
                Err(_) => unreadable.push(Unreadable {
                    id: raw,
                    reason: t("its id is not a Tandem document id").into(),
                    bytes: Vec::new(),
                }),
            }
        }
        if let Some(raw) = first
            && let Ok(id) = raw.parse::<DocumentId>()
        {
            progress(t("Opening the partnership…").to_owned());
            // Loading blocks the page: let it show the message first (unless the copy of
            // the page is over it, saying so already).
            if !copy_painted {
                crate::browser::sleep_ms(20).await;
            }
            match saving::open(&store, id).await {
                Ok((doc, c)) => {
                    docs.push((id, doc));
                    chunks.insert(id, c);
                }
                Err(e) => {
                    unreadable_ids.insert(id);
                    unreadable.push(unreadable_of(raw, e));
                }
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
        let api = api::api_base(&home);
        let stored = local::stored();
        let config = Config {
            peer_id: peer_id
                .parse()
                .map_err(|_| StoreError::Unavailable("bad peer id".into()))?,
            api: api.clone(),
            open_relay,
            offered: offered.clone(),
            registered: device.registered_with(&api),
            online: online(),
            presence_session: DocumentId::from_bytes(random_16()).to_string(),
        };
        let client = Client::new(
            config,
            Loaded {
                docs,
                unreadable: unreadable_ids,
                stored,
                pending,
            },
        );
        let platform = Platform(Rc::new(Inner {
            client: RefCell::new(client),
            store,
            chunks: RefCell::new(chunks),
            reads: RefCell::new(BTreeMap::new()),
            previews,
            preview_due: RefCell::new(BTreeMap::new()),
            signals,
            unreadable: RefCell::new(unreadable),
            device,
            relay_url,
            api,
            socket: RefCell::new(None),
            socket_generation: Cell::new(0),
            channel: BroadcastChannel::new(CHANNEL).ok(),
            timers: RefCell::new(BTreeMap::new()),
            _listeners: RefCell::new(Vec::new()),
        }));
        platform.listen();
        platform.notify(Notice::Restores);
        platform.dispatch(Event::Start);
        // The screens showed "connecting" until now: they take the client's word.
        platform.notify(Notice::Connection);
        // A partnership without a current preview gets one, once the page is quiet.
        for id in platform.ids() {
            platform.schedule_preview(id, PREVIEW_AFTER_OPEN_MS);
        }
        // On another server, the partnerships picked for it that are not here yet are
        // asked of it.
        for id in offered {
            platform.dispatch(Event::Fetch { id, stored: None });
        }
        platform.load_the_rest(later);
        Ok(platform)
    }

    /// Loads the stored partnerships the start did not wait for, one at a time, giving
    /// the page a turn between them (each load blocks it while it runs).
    fn load_the_rest(&self, ids: Vec<DocumentId>) {
        if ids.is_empty() {
            return;
        }
        let this = self.clone();
        spawn_local(async move {
            for id in ids {
                crate::browser::sleep_ms(0).await;
                let doc = match saving::open(&this.0.store, id).await {
                    Ok((doc, c)) => {
                        this.0.chunks.borrow_mut().insert(id, c);
                        Some(Box::new(doc))
                    }
                    Err(e) => {
                        this.0
                            .unreadable
                            .borrow_mut()
                            .push(unreadable_of(id.to_string(), e));
                        None
                    }
                };
                let loaded = doc.is_some();
                this.dispatch(Event::Opened { id, doc });
                if loaded {
                    this.schedule_preview(id, PREVIEW_AFTER_OPEN_MS);
                }
            }
        });
    }

    /// One event into the client; what it asks for is done.
    pub fn dispatch(&self, event: Event) {
        let tasks = self
            .0
            .client
            .borrow_mut()
            .handle(now_ms(), js_sys::Math::random(), event);
        for task in tasks {
            self.run(task);
        }
    }

    fn run(&self, task: Task) {
        match task {
            Task::OpenSocket => self.open_socket(),
            Task::CloseSocket => self.close_socket(),
            Task::Send(bytes) => {
                if let Some(s) = &*self.0.socket.borrow() {
                    let _ = s.socket.send_with_u8_array(&bytes);
                }
            }
            Task::Save { id, bytes, heads } => {
                let this = self.clone();
                spawn_local(async move {
                    let inner = &this.0;
                    let result = saving::save(
                        &inner.store,
                        &inner.chunks,
                        &inner.client,
                        id,
                        &bytes,
                        heads,
                    )
                    .await;
                    let merged = result.as_ref().is_ok_and(|s| s.merged_others);
                    this.dispatch(Event::Saved {
                        id,
                        result: result.map(|s| s.heads).map_err(|e| SaveFailure {
                            full: matches!(e, StoreError::Full(_)),
                            message: e.to_string(),
                        }),
                    });
                    if merged {
                        this.dispatch(Event::Merged(id));
                    }
                    this.show_save_state(id);
                    this.schedule_preview(id, PREVIEW_AFTER_MS);
                });
            }
            Task::ReadStore(id) => {
                let this = self.clone();
                spawn_local(async move {
                    let inner = &this.0;
                    if let Ok((keys, chunks)) = saving::read(&inner.store, id).await {
                        let sizes = chunks.iter().map(Vec::len).collect();
                        inner.reads.borrow_mut().insert(id, (keys, sizes));
                        let access = local::access(&id);
                        this.dispatch(Event::StoreRead { id, chunks, access });
                        inner.reads.borrow_mut().remove(&id);
                    }
                });
            }
            Task::ReadHeld(id) => {
                let read = self.0.reads.borrow_mut().remove(&id);
                if let Some((keys, sizes)) = read {
                    saving::hold(&self.0.chunks, id, keys, &sizes);
                }
            }
            Task::PostToTabs(id) => {
                if let Some(channel) = &self.0.channel {
                    let _ = channel.post_message(&JsValue::from_str(&id.to_string()));
                }
            }
            Task::Call(call) => {
                let this = self.clone();
                spawn_local(async move {
                    let result = this.call(call).await;
                    this.dispatch(Event::Answer { call, result });
                });
            }
            Task::SetTimer { timer, ms } => self.set_timer(timer, ms),
            Task::Persist(record) => local::persist(&record),
            Task::Forget(key) => local::remove(&key),
            Task::Notify(notice) => self.notify(notice),
            Task::Log(line) => web_sys::console::warn_1(&JsValue::from_str(&line)),
        }
    }

    async fn call(&self, call: ApiCall) -> Result<Answered, ApiFailure> {
        let api = &self.0.api;
        let device = Some(&self.0.device);
        let failed = |e: ApiError| ApiFailure {
            reason: e.reason,
            message: e.message,
        };
        match call {
            ApiCall::RegisterDevice => api::send(api, device, &tandem_sync::api::RegisterDevice)
                .await
                .map(|_| Answered::Done)
                .map_err(failed),
            ApiCall::Claim(document) => api::send(api, device, &Claim { document })
                .await
                .map(|_| Answered::Done)
                .map_err(failed),
            ApiCall::GetAccess(document) => api::send(api, device, &GetAccess { document })
                .await
                .map(|a| Answered::Role(a.role))
                .map_err(failed),
        }
    }

    /// Writes the partnership's preview once it has been quiet for `after_ms` (each call
    /// postpones the write).
    fn schedule_preview(&self, id: DocumentId, after_ms: i32) {
        if self.0.previews.is_none() {
            return;
        }
        let turn = {
            let mut due = self.0.preview_due.borrow_mut();
            let n = due.entry(id).or_default();
            *n += 1;
            *n
        };
        let weak = Rc::downgrade(&self.0);
        spawn_local(async move {
            crate::browser::sleep_ms(after_ms).await;
            let Some(inner) = weak.upgrade() else { return };
            if inner.preview_due.borrow().get(&id) != Some(&turn) {
                return;
            }
            Platform(inner).write_preview(id).await;
        });
    }

    /// Copies the partnership page as shown now, if it shows `id` with every change
    /// stored in exactly `chunks` ([`page_copy`]).
    async fn write_page_copy(
        &self,
        previews: &DocStore,
        id: DocumentId,
        chunks: &[indexeddb::ChunkKey],
    ) {
        if self.0.client.borrow_mut().has_unsaved(&id) {
            return;
        }
        let Some((tab, bytes)) = page_copy::capture(id) else {
            return;
        };
        if let Err(e) = page_copy::write(previews, id, &tab, &bytes, chunks).await {
            web_sys::console::warn_1(&JsValue::from_str(&format!(
                "the page of {id} was not copied: {e}"
            )));
        }
    }

    /// The partnership page shows another tab: copied once it has settled, if every
    /// change is stored ([`page_copy`]).
    pub fn page_shown(&self, id: DocumentId) {
        if self.0.previews.is_none() {
            return;
        }
        let weak = Rc::downgrade(&self.0);
        spawn_local(async move {
            crate::browser::sleep_ms(PAGE_COPY_AFTER_MS).await;
            let Some(inner) = weak.upgrade() else { return };
            let this = Platform(inner);
            let chunks = this.0.chunks.borrow().get(&id).map(saving::Chunks::keys);
            let (Some(chunks), Some(previews)) =
                (chunks.filter(|c| !c.is_empty()), this.0.previews.clone())
            else {
                return;
            };
            this.write_page_copy(&previews, id, &chunks).await;
        });
    }

    /// Writes the preview of what is stored of a partnership now, unless it is current.
    /// Only a document whose every change is stored is previewed: its content is then
    /// exactly that of the chunks the preview is named after.
    async fn write_preview(&self, id: DocumentId) {
        let Some(previews) = &self.0.previews else {
            return;
        };
        let chunks = self.0.chunks.borrow().get(&id).map(saving::Chunks::keys);
        let Some(chunks) = chunks.filter(|c| !c.is_empty()) else {
            return;
        };
        self.write_page_copy(previews, id, &chunks).await;
        if preview::is_current(previews, id, &chunks).await {
            return;
        }
        let bytes = {
            let mut client = self.0.client.borrow_mut();
            if client.has_unsaved(&id) {
                return; // its save asks again
            }
            client.doc(&id).and_then(|d| d.preview().ok())
        };
        // The chunks may have moved while the check above waited.
        let now = self.0.chunks.borrow().get(&id).map(saving::Chunks::keys);
        if now.as_ref() != Some(&chunks) {
            return;
        }
        if let Some(bytes) = bytes
            && let Err(e) = preview::write(previews, id, &bytes, &chunks).await
        {
            web_sys::console::warn_1(&JsValue::from_str(&format!(
                "the preview of {id} was not stored: {e}"
            )));
        }
    }

    /// A screen of this tab changed a partnership: it syncs and is saved, and its save
    /// state says "saving" until it is (a partner's edits save quietly).
    pub fn local_edit(&self, id: DocumentId) {
        self.dispatch(Event::LocalEdit(id));
        self.show_save_state(id);
    }

    /// A screen asks for a partnership this browser does not hold.
    pub fn fetch(&self, id: DocumentId) {
        let stored = local::access(&id);
        self.dispatch(Event::Fetch { id, stored });
    }

    fn doc_signals(&self, id: DocumentId) -> crate::state::DocSignals {
        self.0.signals.doc(id, || self.access_of(&id))
    }

    /// The save state a partnership shows, from what the client knows now.
    fn show_save_state(&self, id: DocumentId) {
        let state = {
            let mut client = self.0.client.borrow_mut();
            match client.save_problem(&id).map(|e| e.message.clone()) {
                Some(e) => SaveState::Failed(e),
                None if client.has_unsaved(&id) => SaveState::Saving,
                None => SaveState::Saved,
            }
        };
        let signal = self.doc_signals(id).save;
        if signal.with_untracked(|s| *s != state) {
            signal.set(state);
        }
    }

    fn notify(&self, notice: Notice) {
        let signals = self.0.signals;
        match notice {
            Notice::Connection => {
                let c = self.0.client.borrow().connection();
                signals.connection.set(c);
            }
            Notice::Document(id) => self.doc_signals(id).revision.update(|r| *r += 1),
            Notice::Documents => signals.documents.update(|r| *r += 1),
            Notice::Access(id) => {
                let a = self.access_of(&id);
                let s = self.doc_signals(id).access;
                if s.get_untracked() != a {
                    s.set(a);
                }
            }
            Notice::Unsynced(id) => {
                let n = self.0.client.borrow().unsynced(&id);
                self.doc_signals(id).unsynced.set(n);
            }
            Notice::Roster(id) => {
                let present = self
                    .0
                    .client
                    .borrow()
                    .roster(&id)
                    .map(|r| r.present())
                    .unwrap_or_default();
                let s = self.doc_signals(id).roster;
                if s.with_untracked(|old| *old != present) {
                    s.set(present);
                }
            }
            Notice::SaveProblem(id) => {
                let problems = self.0.client.borrow().save_problems().clone();
                signals.save_problems.set(problems);
                self.show_save_state(id);
            }
            Notice::Restores => {
                let restores = self.0.client.borrow().restores().clone();
                signals.restores.set(restores);
            }
            Notice::Unavailable(id) => {
                let u = self.0.client.borrow().is_unavailable(&id);
                self.doc_signals(id).unavailable.set(u);
            }
            Notice::Me => {
                let me = self.0.client.borrow().me().cloned();
                signals.me.set(me);
            }
        }
    }

    // ---- Socket, timers, tabs, page lifecycle ----

    /// Closes the socket and forgets its callbacks: a closed socket's late events must not
    /// reach the closures once they are dropped.
    fn close_socket(&self) {
        let old = self.0.socket.borrow_mut().take();
        if let Some(old) = old {
            old.socket.set_onopen(None);
            old.socket.set_onmessage(None);
            old.socket.set_onclose(None);
            let _ = old.socket.close();
        }
    }

    fn open_socket(&self) {
        self.close_socket();
        let generation = self.0.socket_generation.get() + 1;
        self.0.socket_generation.set(generation);
        let opened = if self.0.client.borrow().config().open_relay {
            WebSocket::new(&self.0.relay_url)
        } else {
            let protocols = js_sys::Array::new();
            for p in self.0.device.protocols() {
                protocols.push(&JsValue::from_str(&p));
            }
            WebSocket::new_with_str_sequence(&self.0.relay_url, &protocols)
        };
        let Ok(socket) = opened else {
            self.dispatch(Event::SocketClosed);
            return;
        };
        socket.set_binary_type(BinaryType::Arraybuffer);
        let current = {
            let weak = Rc::downgrade(&self.0);
            move || {
                weak.upgrade()
                    .map(Platform)
                    .filter(|p| p.0.socket_generation.get() == generation)
            }
        };
        let on_open = {
            let current = current.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                if let Some(p) = current() {
                    p.dispatch(Event::SocketOpened);
                }
            })
        };
        let on_message = {
            let current = current.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let Some(p) = current() else { return };
                let Some(data) = event.dyn_ref::<MessageEvent>().map(MessageEvent::data) else {
                    return;
                };
                p.dispatch(Event::Frame(js_sys::Uint8Array::new(&data).to_vec()));
            })
        };
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            if let Some(p) = current() {
                p.close_socket();
                p.dispatch(Event::SocketClosed);
            }
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        *self.0.socket.borrow_mut() = Some(Socket {
            socket,
            _handlers: vec![on_open, on_message, on_close],
        });
    }

    fn set_timer(&self, timer: Timer, ms: u32) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let slot = timer_slot(timer);
        if let Some(old) = self.0.timers.borrow_mut().remove(&slot) {
            window.clear_timeout_with_handle(old);
        }
        let weak = Rc::downgrade(&self.0);
        let callback = Closure::once_into_js(move || {
            if let Some(inner) = weak.upgrade() {
                let p = Platform(inner);
                p.0.timers.borrow_mut().remove(&slot);
                p.dispatch(Event::Timer(timer));
            }
        });
        if let Ok(handle) = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            callback.unchecked_ref(),
            i32::try_from(ms).unwrap_or(i32::MAX),
        ) {
            self.0.timers.borrow_mut().insert(slot, handle);
        }
    }

    /// Other tabs, the network, and the page closing.
    fn listen(&self) {
        let mut listeners = Vec::new();
        if let Some(channel) = &self.0.channel {
            let weak = Rc::downgrade(&self.0);
            let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let Some(inner) = weak.upgrade() else { return };
                let id = event
                    .dyn_ref::<MessageEvent>()
                    .and_then(|e| e.data().as_string())
                    .and_then(|s| s.parse::<DocumentId>().ok());
                if let Some(id) = id {
                    Platform(inner).dispatch(Event::TabStored(id));
                }
            });
            channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
            listeners.push(handler);
        }
        if let Some(window) = web_sys::window() {
            for name in ["online", "offline", "pagehide"] {
                let event = move || match name {
                    "online" => Event::Online,
                    "offline" => Event::Offline,
                    _ => Event::PageHidden,
                };
                let weak = Rc::downgrade(&self.0);
                let handler = Closure::<dyn FnMut(JsValue)>::new(move |_| {
                    if let Some(inner) = weak.upgrade() {
                        Platform(inner).dispatch(event());
                    }
                });
                let _ =
                    window.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
                listeners.push(handler);
            }
            // Closing the tab while a save is failing would lose those edits: let the
            // browser ask.
            let weak = Rc::downgrade(&self.0);
            let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let Some(inner) = weak.upgrade() else { return };
                let failing = !inner.client.borrow().save_problems().is_empty();
                if failing && let Some(event) = event.dyn_ref::<web_sys::Event>() {
                    event.prevent_default();
                    // Older browsers ask only when `returnValue` is set.
                    let _ = js_sys::Reflect::set(event, &"returnValue".into(), &"".into());
                }
            });
            let _ = window
                .add_event_listener_with_callback("beforeunload", handler.as_ref().unchecked_ref());
            listeners.push(handler);
        }
        *self.0._listeners.borrow_mut() = listeners;
    }

    // ---- What screens read ----

    pub fn with_doc<R>(&self, id: &DocumentId, f: impl FnOnce(&PartnershipDoc) -> R) -> Option<R> {
        self.0.client.borrow().doc(id).map(f)
    }

    pub fn with_doc_mut<R>(
        &self,
        id: &DocumentId,
        f: impl FnOnce(&mut PartnershipDoc) -> R,
    ) -> Option<R> {
        self.0.client.borrow_mut().doc_mut(id).map(f)
    }

    pub fn ids(&self) -> Vec<DocumentId> {
        self.0.client.borrow().ids()
    }

    pub fn is_pending(&self, id: &DocumentId) -> bool {
        self.0.client.borrow().is_pending(id)
    }

    pub fn pending_count(&self) -> usize {
        self.0.client.borrow().pending_count()
    }

    pub fn has_content(&self, id: &DocumentId) -> bool {
        self.0.client.borrow_mut().has_content(id)
    }

    pub fn access_of(&self, id: &DocumentId) -> Access {
        self.0.client.borrow().access(id)
    }

    pub fn export(&self, id: &DocumentId) -> Option<Vec<u8>> {
        self.0.client.borrow_mut().doc_mut(id).map(|d| d.save())
    }

    pub fn relay_url(&self) -> String {
        self.0.relay_url.clone()
    }

    pub fn home_relay(&self) -> String {
        self.0.api.clone()
    }

    pub fn has_access_control(&self) -> bool {
        !self.0.client.borrow().config().open_relay
    }

    pub fn offered(&self) -> BTreeSet<DocumentId> {
        self.0.client.borrow().config().offered.clone()
    }

    pub fn unreadable(&self) -> Vec<Unreadable> {
        self.0.unreadable.borrow().clone()
    }

    // ---- What screens ask (async) ----

    /// One call to the relay's API as this device.
    pub async fn send<C: Call>(&self, call: &C) -> Result<C::Answer, ApiError> {
        self.0.device.ensure_registered(&self.0.api).await?;
        api::send(&self.0.api, Some(&self.0.device), call).await
    }

    /// What a link would give, without redeeming it (the join page shows this first).
    pub async fn describe_link(&self, secret: &str) -> Result<LinkDescription, ApiError> {
        self.send(&DescribeLink {
            secret: secret.to_owned(),
        })
        .await
    }

    /// Redeems a link (its secret from the URL fragment): the partnership is added to this
    /// browser under the link's role and synced.
    pub async fn join(&self, secret: &str) -> Result<(DocumentId, Role), ApiError> {
        let Redeemed {
            document: id, role, ..
        } = self
            .send(&Redeem {
                secret: secret.to_owned(),
            })
            .await?;
        let stored = local::access(&id);
        self.dispatch(Event::Joined { id, role, stored });
        Ok((id, role))
    }

    /// Creates and stores a partnership, and starts syncing it.
    pub async fn create(
        &self,
        new: &NewPartnership,
        now_ms: i64,
    ) -> Result<DocumentId, CreateError> {
        let id = DocumentId::from_bytes(random_16());
        let doc =
            PartnershipDoc::create_identified(new, id, now_ms).map_err(CreateError::Invalid)?;
        self.add(id, doc).await.map_err(CreateError::Store)?;
        Ok(id)
    }

    /// Starts the brand-only notes of partnership `parent` (held here with content): a
    /// document of its own, owned by this device like a new partnership, so nobody else
    /// receives it until the owner sends a link to it.
    pub async fn create_notes(
        &self,
        parent: DocumentId,
        now_ms: i64,
    ) -> Result<DocumentId, String> {
        let partnership = self
            .with_doc(&parent, |d| d.partnership())
            .ok_or_else(|| t("this partnership is not stored in this browser").to_owned())?
            .map_err(|e| e.to_string())?;
        let id = DocumentId::from_bytes(random_16());
        let doc = PartnershipDoc::create_notes(&partnership, parent, id, now_ms);
        self.add(id, doc).await.map_err(|e| e.to_string())?;
        Ok(id)
    }

    async fn add(&self, id: DocumentId, mut doc: PartnershipDoc) -> Result<(), StoreError> {
        let chunks = saving::store_new(&self.0.store, id, &mut doc).await?;
        self.0.chunks.borrow_mut().insert(id, chunks);
        self.dispatch(Event::Added {
            id,
            doc: Box::new(doc),
        });
        self.schedule_preview(id, PREVIEW_AFTER_MS);
        Ok(())
    }

    /// Imports a `.automerge` file. It is merged only into a partnership this browser
    /// holds with content *and* whose history has the same origin (the same first
    /// change); anything else becomes a new partnership with a new id, so an unrelated
    /// history is never merged into a partnership here — nor, through a recorded id, into
    /// a relay copy this browser has never seen. A file that is not a readable Tandem
    /// partnership is refused with the reason, and nothing stored changes.
    pub async fn import(&self, bytes: &[u8]) -> Result<Imported, String> {
        let mut incoming = PartnershipDoc::load([bytes]).map_err(|e| e.to_string())?;
        // The partnership it is a copy of may be among those still loading: it is merged
        // into it, not added beside it.
        while self.pending_count() > 0 {
            crate::browser::sleep_ms(50).await;
        }
        let origin = incoming.origin();
        let existing = self.ids().into_iter().find(|id| {
            self.with_doc_mut(id, |d| !d.is_empty() && d.origin() == origin)
                .unwrap_or(false)
        });
        if let Some(id) = existing {
            // A viewer's copy takes no changes: the relay would refuse them anyway.
            if !self.access_of(&id).can_edit() {
                return Err(t("you can read this partnership but not change it, so a copy cannot be merged into it").into());
            }
            self.with_doc_mut(&id, |d| d.merge(&mut incoming))
                .transpose()
                .map_err(|e| e.to_string())?;
            self.dispatch(Event::Merged(id));
            return Ok(Imported::Merged(id));
        }
        let why = match incoming.recorded_id() {
            None => NewBecause::NoRecordedId,
            Some(recorded) if self.has_content(&recorded) => NewBecause::DifferentOrigin,
            Some(_) => NewBecause::NotHeldHere,
        };
        let id = DocumentId::from_bytes(random_16());
        self.add(id, incoming).await.map_err(|e| e.to_string())?;
        Ok(Imported::New { id, why })
    }
}
