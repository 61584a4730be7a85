//! The bridge between screens and an open partnership: commands in, a fresh view out.
//!
//! A screen calls [`Editor::edit`] with a domain command. The command becomes one
//! Automerge change; the view signal is re-hydrated from the document (never patched by
//! hand, so the screen always shows what the document holds); the change goes to the
//! relay at once and is saved to IndexedDB. Changes from elsewhere (the relay, another
//! tab) bump the repo's revision, and the view is re-hydrated. Errors become visible
//! state (`error`, `save`), never a dropped log line.

use leptos::{prelude::*, task::spawn_local};
use tandem_domain::{
    command::{Command, Done},
    document::{ChangeError, Prose},
    document_id::DocumentId,
    error::CommandError,
    history::Author,
    partnership::Partnership,
};

use crate::i18n::t;
use crate::{
    browser::{now_ms, sleep_ms},
    repo::Repo,
};

/// Whether this browser holds every edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    Saved,
    Saving,
    /// The edits are kept in memory and retried on the next edit and every few seconds
    /// (`Repo::save`); the storage banner says what to do.
    Failed(String),
}

#[derive(Debug, Clone, Copy)]
pub struct Editor {
    repo: StoredValue<Repo, LocalStorage>,
    pub id: DocumentId,
    /// The partnership as the document holds it now.
    pub view: RwSignal<Partnership>,
    /// The last refused command, in words.
    pub error: RwSignal<Option<String>>,
    pub save: RwSignal<SaveState>,
    /// A past version shown read-only (the history): never edited, never saved.
    frozen: bool,
}

impl Editor {
    pub fn new(repo: StoredValue<Repo, LocalStorage>, id: DocumentId) -> Result<Self, String> {
        let shared = repo
            .with_value(|r| r.get(&id))
            .ok_or_else(|| t("this partnership is not stored in this browser").to_owned())?;
        let view = shared
            .borrow()
            .doc
            .partnership()
            .map_err(|e| e.to_string())?;
        let editor = Editor {
            repo,
            id,
            view: RwSignal::new(view),
            error: RwSignal::new(None),
            save: RwSignal::new(SaveState::Saved),
            frozen: false,
        };
        let revision = repo.with_value(Repo::revision);
        Effect::new(move |previous: Option<u64>| {
            let now = revision.get();
            if previous.is_some_and(|p| p != now) {
                editor.refresh_view();
            }
            now
        });
        // A save retried by the repo (or failing for a change from the relay) shows here.
        let problems = repo.with_value(Repo::save_problems);
        Effect::new(move |_| match problems.with(|p| p.get(&id).cloned()) {
            Some(e) => editor.save.set(SaveState::Failed(e.to_string())),
            None => {
                if matches!(editor.save.get_untracked(), SaveState::Failed(_)) {
                    editor.save.set(SaveState::Saved);
                }
            }
        });
        Ok(editor)
    }

    /// A past version of a partnership, for reading only.
    pub fn frozen(
        repo: StoredValue<Repo, LocalStorage>,
        id: DocumentId,
        past: Partnership,
    ) -> Self {
        Editor {
            repo,
            id,
            view: RwSignal::new(past),
            error: RwSignal::new(None),
            save: RwSignal::new(SaveState::Saved),
            frozen: true,
        }
    }

    /// Runs a command. Returns whether it was accepted; a refusal is shown in `error`.
    pub fn edit(&self, command: Command) -> bool {
        self.try_edit(command).is_ok()
    }

    /// Runs a command as one change; what it did, or why not: the domain's refusal (for
    /// the field it concerns), or `None` when the page may not edit or the document could
    /// not be written (both shown in `error`).
    pub fn try_edit(&self, command: Command) -> Result<Done, Option<CommandError>> {
        let Some(shared) = self.repo.with_value(|r| r.get(&self.id)) else {
            return Err(None);
        };
        // The page is read-only then; this guards against anything that slips through.
        if self.frozen || !self.can_edit() {
            self.error.set(Some(
                t("you can read this partnership but not change it").to_owned(),
            ));
            return Err(None);
        }
        // The history shows who made a change by the name recorded under this replica's
        // actor: record it with the first change, and again if the name changes.
        let me = self.repo.with_value(|r| r.me().get_untracked());
        let result = {
            let mut local = shared.borrow_mut();
            let actor = local.doc.actor_hex();
            local.doc.apply(now_ms(), command, |p| {
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
        };
        match result {
            Ok(done) => {
                self.error.set(None);
                self.refresh_view();
                self.repo.with_value(|r| r.local_change(self.id));
                self.schedule_flush();
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
        let Some(shared) = self.repo.with_value(|r| r.get(&self.id)) else {
            return false;
        };
        let me = self.repo.with_value(|r| r.me().get_untracked());
        let actor = shared.borrow().doc.actor_hex();
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
        let result = shared
            .borrow_mut()
            .doc
            .set_prose(now_ms(), &message, field, &value);
        match result {
            Ok(None) => true,
            Ok(Some(text)) => {
                self.error.set(None);
                self.view.update(|p| {
                    if let Some(t) = field.text_mut(p) {
                        *t = text;
                    }
                });
                self.repo.with_value(|r| r.local_change(self.id));
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
        let Some(shared) = self.repo.with_value(|r| r.get(&self.id)) else {
            return;
        };
        let hydrated = shared.borrow().doc.partnership();
        match hydrated {
            Ok(p) => self.view.set(p),
            Err(e) => self.error.set(Some(e.to_string())),
        }
    }

    fn schedule_flush(&self) {
        let this = *self;
        let repo = self.repo.get_value();
        let Some(doc) = repo.get(&self.id) else {
            return;
        };
        self.save.set(SaveState::Saving);
        spawn_local(async move {
            // Another flush of this document (a change from the relay, say) may be
            // running; it saves these edits too, so wait for it and check again.
            for _ in 0..100 {
                let result = repo.save(this.id).await;
                let unsaved = doc.borrow_mut().has_unsaved();
                match result {
                    Ok(report) => {
                        if report.merged_others {
                            this.refresh_view();
                        }
                        if !unsaved {
                            this.save.set(SaveState::Saved);
                            return;
                        }
                    }
                    Err(e) => {
                        this.save.set(SaveState::Failed(e.to_string()));
                        return;
                    }
                }
                sleep_ms(50).await;
            }
        });
    }

    /// Whether this browser may change the partnership (tracked: screens follow it).
    pub fn can_edit(&self) -> bool {
        if self.frozen {
            return false;
        }
        let id = self.id;
        self.repo.with_value(|r| {
            r.access()
                .with(|a| a.get(&id).copied())
                .unwrap_or_else(|| r.access_of(&id))
                .can_edit()
        })
    }

    /// How many changes the relay is not yet known to have stored.
    pub fn unsynced(&self) -> usize {
        let id = self.id;
        self.repo
            .with_value(|r| r.unsynced().with(|m| m.get(&id).copied().unwrap_or(0)))
    }
}
