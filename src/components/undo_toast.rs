//! Undo for every removal: removing an item shows a toast with Undo for a few seconds;
//! Undo puts back the same item under the same id (`Partnership::restore`), so the
//! other side sees the same campaign return, not a look-alike.

use leptos::{prelude::*, task::spawn_local};
use tandem_domain::{
    command::Command,
    removal::{Removed, Target},
};

use crate::{browser::sleep_ms, editor::Editor, i18n::t};

/// How long Undo stays offered.
const UNDO_MS: i32 = 8000;

#[derive(Clone)]
struct Offer {
    serial: u64,
    /// The document it was removed from (a brand-only note lives in its own).
    editor: Editor,
    text: String,
    removed: Removed,
}

/// The page's undo offer (one at a time: a new removal replaces the offer).
#[derive(Debug, Clone, Copy)]
pub struct UndoToast {
    offer: RwSignal<Option<Offer>>,
    serial: StoredValue<u64>,
}

impl UndoToast {
    pub fn provide() -> Self {
        let toast = UndoToast {
            offer: RwSignal::new(None),
            serial: StoredValue::new(0),
        };
        provide_context(toast);
        toast
    }

    fn offer(&self, editor: Editor, text: String, removed: Removed) {
        let serial = self.serial.get_value() + 1;
        self.serial.set_value(serial);
        self.offer.set(Some(Offer {
            serial,
            editor,
            text,
            removed,
        }));
        let offer = self.offer;
        spawn_local(async move {
            sleep_ms(UNDO_MS).await;
            // Unless a newer removal replaced it.
            if offer.try_with_untracked(|o| o.as_ref().is_some_and(|o| o.serial == serial))
                == Some(true)
            {
                offer.set(None);
            }
        });
    }
}

/// Removes `target` as one change; offers Undo, saying `said`.
pub fn remove_with_undo(editor: Editor, said: String, target: Target) {
    let removed = editor
        .try_edit(Command::Remove(target))
        .ok()
        .and_then(|done| done.removed);
    if let (Some(r), Some(toast)) = (removed, use_context::<UndoToast>()) {
        toast.offer(editor, said, r);
    }
}

/// The toast, at the foot of the window.
#[component]
pub fn UndoToastView() -> impl IntoView {
    let toast = expect_context::<UndoToast>();
    let undo = move |_| {
        let Some(o) = toast.offer.get_untracked() else {
            return;
        };
        toast.offer.set(None);
        o.editor.edit(Command::Restore(Box::new(o.removed)));
    };
    view! {
        <div class="toast-region" role="status" aria-live="polite">
            {move || toast.offer.get().map(|o| view! {
                <div class="toast" data-testid="undo-toast">
                    <span>{o.text}</span>
                    <button type="button" class="undo" data-testid="undo" on:click=undo>{t("Undo")}</button>
                    <button type="button" class="dismiss" aria-label=t("Dismiss")
                        on:click=move |_| toast.offer.set(None)>"×"</button>
                </div>
            })}
        </div>
    }
}
