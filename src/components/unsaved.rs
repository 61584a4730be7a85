//! Input that is not in the document yet: a value a field refused (an amount that does
//! not parse, a contact without a name). It is kept here, by field id, so the field
//! still shows it after a re-render or a tab switch, and leaving the page asks first
//! (`beforeunload`, and a click on a link inside the app).
//!
//! Everything a field accepts is saved when the person pauses typing or leaves the field
//! (the save model of every form), so this holds what is being typed and what the
//! person still has to fix — and the drafts of the forms that add an item (a campaign, a
//! deliverable, a check-in…) until it is added ([`Draft`]): they survive a tab switch, a
//! change of language and a reload, and leaving the page with one asks first.

use std::collections::BTreeMap;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, closure::Closure};

use crate::i18n::t;

/// What a field shows over the document's value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Kept {
    value: String,
    /// Saved while the person was still typing: shown as typed (not reformatted under
    /// their cursor) until they leave the field, but nothing is lost by leaving the page.
    saved: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Unsaved(RwSignal<BTreeMap<String, Kept>>);

impl Unsaved {
    /// The registry for the page, with its leave guards installed.
    pub fn install() -> Self {
        let unsaved = Unsaved(RwSignal::new(BTreeMap::new()));
        unsaved.guard_unload();
        unsaved.guard_links();
        unsaved
    }

    /// The page's registry (or a detached one, outside the app, as in tests).
    pub fn get() -> Self {
        use_context::<Unsaved>().unwrap_or_else(|| Unsaved(RwSignal::new(BTreeMap::new())))
    }

    /// Keeps `value` of field `id`: refused, still to be fixed.
    pub fn keep(&self, id: &str, value: &str) {
        let kept = Kept {
            value: value.to_owned(),
            saved: false,
        };
        if self.0.with_untracked(|m| m.get(id) != Some(&kept)) {
            self.0.update(|m| {
                m.insert(id.to_owned(), kept);
            });
        }
    }

    /// The value typed into field `id` is saved; it stays shown as typed.
    pub fn saved_while_typing(&self, id: &str) {
        self.0.update(|m| {
            if let Some(k) = m.get_mut(id) {
                k.saved = true;
            }
        });
    }

    /// The field `id` holds what the document holds again.
    pub fn clear(&self, id: &str) {
        if self.0.with_untracked(|m| m.contains_key(id)) {
            self.0.update(|m| {
                m.remove(id);
            });
        }
    }

    /// The kept value of field `id`, if any (tracked).
    pub fn value(&self, id: &str) -> Option<String> {
        self.0.with(|m| m.get(id).map(|k| k.value.clone()))
    }

    /// The kept value of field `id`, if any (untracked: for a save).
    pub fn value_untracked(&self, id: &str) -> Option<String> {
        self.0
            .with_untracked(|m| m.get(id).map(|k| k.value.clone()))
    }

    /// Whether some field holds what the document does not.
    pub fn any(&self) -> bool {
        self.0.with_untracked(|m| m.values().any(|k| !k.saved))
    }

    fn guard_unload(self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let on_unload = Closure::<dyn Fn(web_sys::BeforeUnloadEvent)>::new(
            move |ev: web_sys::BeforeUnloadEvent| {
                if self.any() {
                    ev.prevent_default();
                    // Older browsers ask only when a return value is set.
                    ev.set_return_value("unsaved");
                }
            },
        );
        let _ = window
            .add_event_listener_with_callback("beforeunload", on_unload.as_ref().unchecked_ref());
        // Lives as long as the page.
        on_unload.forget();
    }

    fn guard_links(self) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(
            move |ev: web_sys::MouseEvent| {
                if !self.any() {
                    return;
                }
                let link = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .and_then(|e| e.closest("a[href]").ok().flatten());
                let Some(link) = link else { return };
                // A link within the page (#main, a tab) leaves nothing behind.
                if link
                    .get_attribute("href")
                    .is_some_and(|h| h.starts_with('#'))
                {
                    return;
                }
                let stay = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(t(
                        "Some of what you typed is not saved yet: a value that was refused (see the message under it) or a new item not added yet. Leave anyway and lose it?",
                    ))
                    .ok()
                })
                .is_some_and(|leave| !leave);
                if stay {
                    ev.prevent_default();
                    ev.stop_immediate_propagation();
                }
            },
        );
        // Capture: before the router turns the click into a navigation.
        let _ = document.add_event_listener_with_callback_and_bool(
            "click",
            on_click.as_ref().unchecked_ref(),
            true,
        );
        on_click.forget();
    }
}

/// What is typed into a field of a form that adds an item, before it is added: kept in
/// the page's [`Unsaved`] by partnership and field (so a re-render, a tab switch or a
/// change of language does not drop it, and leaving asks first) and in localStorage (so
/// a reload or a closed tab does not either), and gone when it is back to the form's
/// initial value (the item was added, or the field emptied).
#[derive(Debug, Clone, Copy)]
pub struct Draft {
    unsaved: Unsaved,
    key: StoredValue<String>,
    initial: StoredValue<String>,
}

impl Draft {
    /// The draft of field `field` of partnership `doc`'s form, starting as `initial`.
    pub fn new(doc: &impl std::fmt::Display, field: &str, initial: impl Into<String>) -> Self {
        let unsaved = Unsaved::get();
        let key = format!("draft:{doc}:{field}");
        // Typed before a reload (or in another tab of this browser): kept there too.
        if unsaved.value_untracked(&key).is_none()
            && let Some(kept) = crate::prefs::draft(&key)
        {
            unsaved.keep(&key, &kept);
        }
        Draft {
            unsaved,
            key: StoredValue::new(key),
            initial: StoredValue::new(initial.into()),
        }
    }

    pub fn get(&self) -> String {
        self.key
            .with_value(|k| self.unsaved.value(k))
            .unwrap_or_else(|| self.initial.get_value())
    }

    pub fn get_untracked(&self) -> String {
        self.key
            .with_value(|k| self.unsaved.value_untracked(k))
            .unwrap_or_else(|| self.initial.get_value())
    }

    /// Whether something is typed that the form has not added yet (tracked).
    pub fn is_pending(&self) -> bool {
        self.key.with_value(|k| self.unsaved.value(k).is_some())
    }

    pub fn set(&self, value: String) {
        let key = self.key.get_value();
        if self.initial.with_value(|i| *i == value) {
            self.unsaved.clear(&key);
            crate::prefs::set_draft(&key, None);
        } else {
            self.unsaved.keep(&key, &value);
            crate::prefs::set_draft(&key, Some(&value));
        }
    }
}

/// Beside an "add" form's button while any of its `drafts` holds something not added yet.
#[component]
pub fn DraftMark(drafts: Vec<Draft>) -> impl IntoView {
    let drafts = StoredValue::new(drafts);
    view! {
        <Show when=move || drafts.with_value(|d| d.iter().any(Draft::is_pending))>
            <span class="hint draft-mark" role="status" data-testid="draft-mark">
                {t("Not added yet: kept in this browser until you add it.")}
            </span>
        </Show>
    }
}
