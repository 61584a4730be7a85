//! The bridge between screens and an open partnership: commands in, a fresh view out.
//!
//! A screen calls [`Editor::edit`] with a domain command. The command becomes one
//! Automerge change; the view signal is re-hydrated from the document (never patched by
//! hand, so the screen always shows what the document holds); a flush to IndexedDB is
//! scheduled. Errors become visible state (`error`, `save`), never a dropped log line.

use leptos::{prelude::*, task::spawn_local};
use tandem_domain::partnership::{Partnership, RoadmapError};

use crate::{
    browser::now_ms,
    local_doc::{SharedDoc, flush, refresh_from_store},
    storage::DocStore,
};

/// Whether this browser holds every edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    Saved,
    Saving,
    /// The edits are kept in memory and retried on the next edit.
    Failed(String),
}

#[derive(Clone, Copy)]
pub struct Editor {
    doc: StoredValue<SharedDoc, LocalStorage>,
    store: StoredValue<DocStore, LocalStorage>,
    /// The partnership as the document holds it now.
    pub view: RwSignal<Partnership>,
    /// The last refused command, in words.
    pub error: RwSignal<Option<String>>,
    pub save: RwSignal<SaveState>,
}

impl Editor {
    pub fn new(doc: SharedDoc, store: DocStore) -> Result<Self, String> {
        let view = doc.borrow().doc.partnership().map_err(|e| e.to_string())?;
        Ok(Editor {
            doc: StoredValue::new_local(doc),
            store: StoredValue::new_local(store),
            view: RwSignal::new(view),
            error: RwSignal::new(None),
            save: RwSignal::new(SaveState::Saved),
        })
    }

    /// Applies a command. Returns whether it was accepted; a refusal is shown in `error`.
    pub fn edit(
        &self,
        message: &str,
        command: impl FnOnce(&mut Partnership) -> Result<(), RoadmapError>,
    ) -> bool {
        let result = self
            .doc
            .with_value(|d| d.borrow_mut().doc.change(now_ms(), message, command));
        match result {
            Ok(()) => {
                self.error.set(None);
                self.refresh_view();
                self.schedule_flush();
                true
            }
            Err(e) => {
                self.error.set(Some(e.to_string()));
                false
            }
        }
    }

    fn refresh_view(&self) {
        match self.doc.with_value(|d| d.borrow().doc.partnership()) {
            Ok(p) => self.view.set(p),
            Err(e) => self.error.set(Some(e.to_string())),
        }
    }

    fn schedule_flush(&self) {
        let this = *self;
        let doc = self.doc.get_value();
        let store = self.store.get_value();
        self.save.set(SaveState::Saving);
        spawn_local(async move {
            let result = flush(&doc, &store).await;
            let unsaved = doc.borrow_mut().has_unsaved();
            match result {
                Ok(report) => {
                    if report.merged_others {
                        this.refresh_view();
                    }
                    if !unsaved {
                        this.save.set(SaveState::Saved);
                    }
                }
                Err(e) => this.save.set(SaveState::Failed(e.to_string())),
            }
        });
    }

    /// Merges what other tabs of this browser saved (called when the page regains focus).
    pub fn merge_from_storage(&self) {
        let this = *self;
        let doc = self.doc.get_value();
        let store = self.store.get_value();
        spawn_local(async move {
            match refresh_from_store(&doc, &store).await {
                Ok(true) => this.refresh_view(),
                Ok(false) => {}
                Err(e) => this.error.set(Some(e.to_string())),
            }
        });
    }

    pub fn id(&self) -> String {
        self.doc.with_value(|d| d.borrow().id.to_string())
    }
}
