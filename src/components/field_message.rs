//! What a field says about itself: a refusal or a warning under it, linked to it for
//! screen readers (`aria-describedby`, `aria-invalid`), and moving the eye (focus and
//! scroll) to the first field that needs attention.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The id of the message under the field `field` (what its `aria-describedby` names).
pub fn message_id(field: &str) -> String {
    format!("{field}-message")
}

/// A message as a sentence: a capital first letter and a full stop, so the domain's
/// refusals ("the campaign ends … before it starts …") read as people write.
pub fn sentence(s: &str) -> String {
    let s = s.trim();
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let mut out: String = first.to_uppercase().chain(chars).collect();
    if !out.ends_with(['.', '!', '?', '…']) {
        out.push('.');
    }
    out
}

/// What a field shows under itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The value was refused: not saved.
    Error(String),
    /// Saved, but worth a second look (a notice period longer than the term).
    Warning(String),
}

/// The message under a field, or nothing. `field` is the input's id.
#[component]
pub fn FieldMessage(field: String, note: Signal<Option<Note>>) -> impl IntoView {
    move || {
        note.get().map(|n| {
            let (class, text) = match n {
                Note::Error(t) => ("field-error", t),
                Note::Warning(t) => ("field-warning", t),
            };
            view! { <p id=message_id(&field) class=class role="alert" data-testid="field-message">{text}</p> }
        })
    }
}

/// `aria-describedby` for a field with a note (none without one).
pub fn described_by(
    field: &str,
    note: Signal<Option<Note>>,
) -> impl Fn() -> Option<String> + use<> {
    let id = message_id(field);
    move || note.with(Option::is_some).then(|| id.clone())
}

/// `aria-invalid` for a field: "true" while its value is refused.
pub fn invalid(note: Signal<Option<Note>>) -> impl Fn() -> Option<&'static str> + use<> {
    move || {
        note.with(|n| matches!(n, Some(Note::Error(_))))
            .then_some("true")
    }
}

/// Moves focus to the field with `id` and scrolls it (and the message under it) into
/// view, after the message has been drawn.
pub fn focus_field(id: &str) {
    let id = id.to_owned();
    request_animation_frame(move || {
        let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
        else {
            return;
        };
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Center);
        el.scroll_into_view_with_scroll_into_view_options(&options);
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    });
}

/// Selects a number field's text when it is entered (by click or Tab), so typing
/// replaces the value shown instead of appending to it ("30" typed over "30" is 30,
/// not 3030). The mouse-up that follows a click would drop the selection: it is
/// cancelled once.
pub fn select_on_focus(ev: leptos::ev::FocusEvent) {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    input.select();
    let once = web_sys::AddEventListenerOptions::new();
    once.set_once(true);
    let keep =
        wasm_bindgen::closure::Closure::once_into_js(|ev: web_sys::Event| ev.prevent_default());
    let _ = input.add_event_listener_with_callback_and_add_event_listener_options(
        "mouseup",
        keep.unchecked_ref(),
        &once,
    );
}
