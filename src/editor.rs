//! The bridge between screens and an open partnership: commands in, a fresh view out.
//!
//! A screen calls [`Editor::edit`] with a domain command. The command becomes one
//! Automerge change; the view signal is re-hydrated from the document (never patched by
//! hand, so the screen always shows what the document holds); the change goes to the
//! relay at once and is saved to IndexedDB. Changes from elsewhere (the relay, another
//! tab) bump that partnership's revision ([`Tandem::revision`]), and the view is
//! re-hydrated. Errors become visible state (`error`, `save`), never a dropped log line.

use leptos::prelude::*;
use tandem_domain::{
    command::{Command, Done},
    document::{ChangeError, Prose},
    document_id::DocumentId,
    error::CommandError,
    history::Author,
    partnership::Partnership,
};

use crate::i18n::t;
pub use crate::state::SaveState;
use crate::{browser::now_ms, state::Tandem};

#[derive(Debug, Clone, Copy)]
pub struct Editor {
    tandem: Tandem,
    pub id: DocumentId,
    /// The partnership as the document holds it now.
    pub view: RwSignal<Partnership>,
    /// The last refused command, in words.
    pub error: RwSignal<Option<String>>,
    /// Whether this browser holds every edit (saving is the client's; this reads it).
    pub save: Signal<SaveState>,
    /// A past version shown read-only (the history): never edited, never saved.
    frozen: bool,
}

impl Editor {
    pub fn new(tandem: Tandem, id: DocumentId) -> Result<Self, String> {
        let view = tandem
            .with_doc(&id, |d| d.partnership())
            .ok_or_else(|| t("this partnership is not stored in this browser").to_owned())?
            .map_err(|e| e.to_string())?;
        let editor = Editor {
            tandem,
            id,
            view: RwSignal::new(view),
            error: RwSignal::new(None),
            save: tandem.save_state(id),
            frozen: false,
        };
        // Re-hydrated when this partnership (and only it) changes from outside.
        let revision = tandem.revision(id);
        Effect::new(move |previous: Option<u64>| {
            let now = revision.get();
            if previous.is_some_and(|p| p != now) {
                editor.refresh_view();
            }
            now
        });
        Ok(editor)
    }

    /// A past version of a partnership, for reading only.
    pub fn frozen(tandem: Tandem, id: DocumentId, past: Partnership) -> Self {
        Editor {
            tandem,
            id,
            view: RwSignal::new(past),
            error: RwSignal::new(None),
            save: Signal::stored(SaveState::Saved),
            frozen: true,
        }
    }

    /// The partnerships of this browser.
    pub fn tandem(&self) -> Tandem {
        self.tandem
    }

    /// Runs a command. Returns whether it was accepted; a refusal is shown in `error`.
    pub fn edit(&self, command: Command) -> bool {
        self.try_edit(command).is_ok()
    }

    /// Runs a command as one change; what it did, or why not: the domain's refusal (for
    /// the field it concerns), or `None` when the page may not edit or the document could
    /// not be written (both shown in `error`).
    pub fn try_edit(&self, command: Command) -> Result<Done, Option<CommandError>> {
        // The page is read-only then; this guards against anything that slips through.
        if self.frozen || !self.can_edit() {
            self.error.set(Some(
                t("you can read this partnership but not change it").to_owned(),
            ));
            return Err(None);
        }
        // The history shows who made a change by the name recorded under this replica's
        // actor: record it with the first change, and again if the name changes.
        let me = self.tandem.me_untracked();
        let result = self.tandem.with_doc_mut(&self.id, |doc| {
            let actor = doc.actor_hex();
            doc.apply(now_ms(), command, |p| {
                if let Some(me) = me {
                    let author = Author {
                        name: me.name.clone(),
                        side: me.side.as_str().to_owned(),
                    };
                    if p.people.get(&actor) != Some(&author) {
                        p.people.insert(actor, author);
                    }
                }
            })
        });
        let Some(result) = result else {
            return Err(None);
        };
        match result {
            Ok(done) => {
                self.error.set(None);
                self.refresh_view();
                self.tandem.local_change(self.id);
                Ok(done)
            }
            Err(e) => {
                self.error.set(Some(e.describe(crate::i18n::lang())));
                Err(match e {
                    ChangeError::Refused(r) => Some(r),
                    _ => None,
                })
            }
        }
    }

    /// [`Editor::try_edit`], with a refusal in the reader's words (for a form's field).
    pub fn edit_or_say(&self, command: Command) -> Result<Done, String> {
        self.try_edit(command).map_err(|e| {
            e.map(|e| e.describe(crate::i18n::lang()))
                .or_else(|| self.error.get_untracked())
                .unwrap_or_default()
        })
    }

    /// Types into a prose field of the roadmap (what a keystroke in it does). Spliced
    /// straight into the document and only that field read back into the view, so typing
    /// costs the same in a partnership with years of history as in a new one. Returns
    /// whether it was accepted.
    pub fn edit_prose(&self, field: Prose, value: String) -> bool {
        let me = self.tandem.me_untracked();
        let Some(actor) = self.tandem.with_doc(&self.id, |d| d.actor_hex()) else {
            return false;
        };
        let recorded = self.view.with_untracked(|p| {
            me.as_ref().is_none_or(|me| {
                p.people.get(&actor)
                    == Some(&Author {
                        name: me.name.clone(),
                        side: me.side.as_str().to_owned(),
                    })
            })
        });
        let command = Command::EditProse(field, value);
        // Read-only pages, and a first change that must record who made it, take the
        // general path.
        if self.frozen || !self.can_edit() || !recorded {
            return self.edit(command);
        }
        let message = self.view.with_untracked(|p| command.change(p).message());
        let Command::EditProse(_, value) = command else {
            return false;
        };
        let Some(result) = self
            .tandem
            .with_doc_mut(&self.id, |d| d.set_prose(now_ms(), &message, field, &value))
        else {
            return false;
        };
        match result {
            Ok(None) => true,
            Ok(Some(text)) => {
                self.error.set(None);
                self.view.update(|p| {
                    if let Some(t) = field.text_mut(p) {
                        *t = text;
                    }
                });
                self.tandem.local_change(self.id);
                true
            }
            Err(e) => {
                self.error.set(Some(e.to_string()));
                false
            }
        }
    }

    fn refresh_view(&self) {
        let Some(hydrated) = self.tandem.with_doc(&self.id, |d| d.partnership()) else {
            return;
        };
        match hydrated {
            Ok(p) => self.view.set(p),
            Err(e) => self.error.set(Some(e.to_string())),
        }
    }

    /// Whether this browser may change the partnership (tracked: screens follow it).
    pub fn can_edit(&self) -> bool {
        !self.frozen && self.tandem.access(self.id).get().can_edit()
    }

    /// How many changes the relay is not yet known to have stored.
    pub fn unsynced(&self) -> usize {
        self.tandem.unsynced(self.id).get()
    }
}
