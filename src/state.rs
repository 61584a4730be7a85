//! What the screens read, as read-only signals — one set **per partnership**, so a remote
//! keystroke into one partnership re-renders only the screens showing it — and what they
//! may ask, through one named context type, [`Tandem`].
//!
//! The platform ([`crate::platform`]) writes these signals when the client core says
//! something changed ([`tandem_client::Notice`]); nothing else writes them, and no effect
//! copies one signal into another.

use std::collections::BTreeMap;

use leptos::prelude::*;
use tandem_client::{Connection, SaveFailure, restore::Restore};
use tandem_domain::{document::PartnershipDoc, document_id::DocumentId};
use tandem_sync::presence::Presence;

use crate::platform::{Platform, api::Access};

/// Whether this browser holds every edit of a partnership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    Saved,
    Saving,
    /// The edits are kept in memory and retried on the next edit and every few seconds;
    /// the storage banner says what to do.
    Failed(String),
}

/// One partnership's signals.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DocSignals {
    pub revision: RwSignal<u64>,
    pub access: RwSignal<Access>,
    pub unsynced: RwSignal<usize>,
    pub roster: RwSignal<Vec<Presence>>,
    pub save: RwSignal<SaveState>,
    pub unavailable: RwSignal<bool>,
}

/// Every signal the platform writes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signals {
    pub connection: RwSignal<Connection>,
    /// Bumps when a partnership is added to this browser (the home list).
    pub documents: RwSignal<u64>,
    pub me: RwSignal<Option<Presence>>,
    pub save_problems: RwSignal<BTreeMap<DocumentId, SaveFailure>>,
    pub restores: RwSignal<BTreeMap<DocumentId, Restore>>,
    per_doc: StoredValue<BTreeMap<DocumentId, DocSignals>, LocalStorage>,
    /// Per-partnership signals are made under this owner, which lives as long as the
    /// page: a screen that first asks for them does not take them with it when it closes.
    owner: StoredValue<Owner, LocalStorage>,
}

impl Signals {
    pub(crate) fn new(me: Option<Presence>) -> Signals {
        Signals {
            // Until the platform opens and says (a preview page shows this).
            connection: RwSignal::new(Connection::Connecting),
            documents: RwSignal::new(0),
            me: RwSignal::new(me),
            save_problems: RwSignal::new(BTreeMap::new()),
            restores: RwSignal::new(BTreeMap::new()),
            per_doc: StoredValue::new_local(BTreeMap::new()),
            owner: StoredValue::new_local(Owner::new()),
        }
    }

    /// Sets every partnership signal's access anew (the platform opened after they were
    /// made).
    pub(crate) fn refresh_access(&self, access: impl Fn(&DocumentId) -> Access) {
        self.per_doc.with_value(|m| {
            for (id, s) in m {
                let a = access(id);
                if s.access.get_untracked() != a {
                    s.access.set(a);
                }
            }
        });
    }

    /// A partnership's signals, made (from `initial`) on first use.
    pub(crate) fn doc(&self, id: DocumentId, initial: impl FnOnce() -> Access) -> DocSignals {
        if let Some(s) = self.per_doc.with_value(|m| m.get(&id).copied()) {
            return s;
        }
        let access = initial();
        let made = self.owner.with_value(|owner| {
            owner.with(|| DocSignals {
                revision: RwSignal::new(0),
                access: RwSignal::new(access),
                unsynced: RwSignal::new(0),
                roster: RwSignal::new(Vec::new()),
                save: RwSignal::new(SaveState::Saved),
                unavailable: RwSignal::new(false),
            })
        });
        self.per_doc.update_value(|m| {
            m.insert(id, made);
        });
        made
    }
}

/// What screens get from the context: the partnerships of this browser and their state.
///
/// It exists from the first frame, before the partnerships are loaded: a page with a
/// preview ([`crate::platform::preview`]) paints from it read-only while the platform
/// opens, and [`Tandem::ready`] turns true once it has ([`Tandem::attach`]). Before that,
/// documents read as absent and asks are ignored.
#[derive(Debug, Clone, Copy)]
pub struct Tandem {
    platform: StoredValue<Option<Platform>, LocalStorage>,
    signals: Signals,
    ready: RwSignal<bool>,
}

/// What this browser recorded of a partnership's access, until the platform says.
fn recorded_access(id: &DocumentId) -> Access {
    crate::platform::local::access(id).unwrap_or(tandem_client::access::MADE_HERE)
}

impl Tandem {
    /// The context before the platform is open.
    pub(crate) fn new(signals: Signals) -> Tandem {
        Tandem {
            platform: StoredValue::new_local(None),
            signals,
            ready: RwSignal::new(false),
        }
    }

    /// The platform is open: screens may read and change partnerships from now on.
    pub(crate) fn attach(&self, platform: Platform) {
        // Signals made before it (a preview's) take the platform's access.
        self.signals.refresh_access(|id| platform.access_of(id));
        self.platform.set_value(Some(platform));
        self.ready.set(true);
    }

    /// Whether this browser's partnerships are open (tracked).
    pub fn ready(&self) -> Signal<bool> {
        self.ready.into()
    }

    /// The platform, to call an async operation on (cheap to clone). Screens that ask
    /// something of it are shown only once it is open.
    pub fn platform(&self) -> Platform {
        self.platform
            .get_value()
            .expect("screens that ask the platform are shown once it is open")
    }

    fn with_platform<R>(&self, f: impl FnOnce(&Platform) -> R) -> Option<R> {
        self.platform.with_value(|p| p.as_ref().map(f))
    }

    fn doc_signals(&self, id: DocumentId) -> DocSignals {
        let platform = self.platform.get_value();
        self.signals.doc(id, || match platform {
            Some(p) => p.access_of(&id),
            None => recorded_access(&id),
        })
    }

    // ---- Signals (tracked) ----

    pub fn connection(&self) -> Signal<Connection> {
        self.signals.connection.into()
    }

    /// Bumps whenever the partnership changes from outside this tab's screens.
    pub fn revision(&self, id: DocumentId) -> Signal<u64> {
        self.doc_signals(id).revision.into()
    }

    /// Bumps when a partnership is added to this browser.
    pub fn documents(&self) -> Signal<u64> {
        self.signals.documents.into()
    }

    pub fn access(&self, id: DocumentId) -> Signal<Access> {
        self.doc_signals(id).access.into()
    }

    /// How many changes the relay is not yet known to have stored.
    pub fn unsynced(&self, id: DocumentId) -> Signal<usize> {
        self.doc_signals(id).unsynced.into()
    }

    /// Who else has the partnership open.
    pub fn roster(&self, id: DocumentId) -> Signal<Vec<Presence>> {
        self.doc_signals(id).roster.into()
    }

    pub fn save_state(&self, id: DocumentId) -> Signal<SaveState> {
        self.doc_signals(id).save.into()
    }

    /// The relay said it does not have (or share) this partnership.
    pub fn unavailable(&self, id: DocumentId) -> Signal<bool> {
        self.doc_signals(id).unavailable.into()
    }

    /// How this person appears to others.
    pub fn me(&self) -> Signal<Option<Presence>> {
        self.signals.me.into()
    }

    /// Partnerships whose last save failed, and why.
    pub fn save_problems(&self) -> Signal<BTreeMap<DocumentId, SaveFailure>> {
        self.signals.save_problems.into()
    }

    /// Partnerships found gone from storage at start, and what became of them.
    pub fn restores(&self) -> Signal<BTreeMap<DocumentId, Restore>> {
        self.signals.restores.into()
    }

    // ---- Reading and changing documents (untracked) ----

    /// Runs `f` on a partnership held here.
    pub fn with_doc<R>(&self, id: &DocumentId, f: impl FnOnce(&PartnershipDoc) -> R) -> Option<R> {
        self.with_platform(|p| p.with_doc(id, f)).flatten()
    }

    /// Runs `f` on a partnership to change it; follow with [`Tandem::local_change`].
    pub fn with_doc_mut<R>(
        &self,
        id: &DocumentId,
        f: impl FnOnce(&mut PartnershipDoc) -> R,
    ) -> Option<R> {
        self.with_platform(|p| p.with_doc_mut(id, f)).flatten()
    }

    /// A screen changed a partnership: it syncs and is saved.
    pub fn local_change(&self, id: DocumentId) {
        self.with_platform(|p| p.local_edit(id));
    }

    pub fn ids(&self) -> Vec<DocumentId> {
        self.with_platform(Platform::ids).unwrap_or_default()
    }

    /// The brand-only notes document of partnership `parent` held here, if any (when two
    /// were started apart, the one with the smallest id: both stay readable by id).
    pub fn notes_of(&self, parent: DocumentId) -> Option<DocumentId> {
        self.ids()
            .into_iter()
            .filter(|id| self.with_doc(id, |d| d.notes_parent()).flatten() == Some(parent))
            .min()
    }

    /// Whether a stored partnership is still loading (it opens on its own, after the one
    /// the page shows). Untracked: track [`Tandem::documents`] or its revision.
    pub fn is_pending(&self, id: &DocumentId) -> bool {
        self.with_platform(|p| p.is_pending(id)).unwrap_or(false)
    }

    /// How many stored partnerships are still loading (untracked, as above).
    pub fn pending_count(&self) -> usize {
        self.with_platform(Platform::pending_count).unwrap_or(0)
    }

    pub fn has_content(&self, id: &DocumentId) -> bool {
        self.with_platform(|p| p.has_content(id)).unwrap_or(false)
    }

    /// What this browser may do with a partnership (untracked).
    pub fn access_of(&self, id: &DocumentId) -> Access {
        self.with_platform(|p| p.access_of(id))
            .unwrap_or_else(|| recorded_access(id))
    }

    pub fn me_untracked(&self) -> Option<Presence> {
        self.signals.me.get_untracked()
    }

    // ---- Asking ----

    pub fn dispatch(&self, event: tandem_client::Event) {
        self.with_platform(|p| p.dispatch(event));
    }

    pub fn opened(&self, id: DocumentId) {
        self.dispatch(tandem_client::Event::ScreenOpened(id));
    }

    pub fn closed(&self, id: DocumentId) {
        self.dispatch(tandem_client::Event::ScreenClosed(id));
    }

    pub fn set_me(&self, me: Presence) {
        self.dispatch(tandem_client::Event::SetMe(me));
    }

    /// The partnership page shows one of its tabs (copied for the next opening).
    pub fn page_shown(&self, id: DocumentId) {
        self.with_platform(|p| p.page_shown(id));
    }

    pub fn fetch(&self, id: DocumentId) {
        self.with_platform(|p| p.fetch(id));
    }

    pub fn dismiss_restore(&self, id: DocumentId) {
        self.dispatch(tandem_client::Event::DismissRestore(id));
    }

    /// The whole partnership as a `.automerge` file.
    pub fn export(&self, id: &DocumentId) -> Option<Vec<u8>> {
        self.with_platform(|p| p.export(id)).flatten()
    }

    /// The server this browser syncs with.
    pub fn relay_url(&self) -> String {
        self.with_platform(Platform::relay_url)
            .unwrap_or_else(crate::relay_choice::home_url)
    }

    /// The Tandem relay's address (where links and roles live), for people to read.
    pub fn home_relay(&self) -> String {
        self.with_platform(Platform::home_relay)
            .unwrap_or_else(|| crate::platform::api::api_base(&crate::relay_choice::home_url()))
    }

    /// Whether this relay has access control (links, roles): the Tandem relay does.
    pub fn has_access_control(&self) -> bool {
        self.with_platform(Platform::has_access_control)
            .unwrap_or_else(|| crate::relay_choice::load().is_none())
    }

    /// The partnerships offered to another server chosen in the settings.
    pub fn offered(&self) -> std::collections::BTreeSet<DocumentId> {
        self.with_platform(Platform::offered).unwrap_or_default()
    }

    pub fn unreadable(&self) -> Vec<crate::platform::Unreadable> {
        self.with_platform(Platform::unreadable).unwrap_or_default()
    }
}
