//! The save model of every form: a field is saved when the person leaves it (`change`).
//! A value the domain or the parser refuses stays in the field ([`Unsaved`]), marked
//! "not saved" with the reason under the field it concerns; leaving the page asks first.
//! Nothing typed is dropped silently.

use leptos::{prelude::*, task::spawn_local};

use crate::browser::sleep_ms;

use crate::components::field_message::{
    FieldMessage, Note, described_by, invalid, select_on_focus, sentence,
};
use crate::components::unsaved::Unsaved;

/// How long typing pauses before what was typed is saved.
const TYPING_PAUSE_MS: i32 = 600;

/// One form's fields that are saved together (a contact, a result row): what each shows,
/// and the refusal of the last save, under the field it concerns.
#[derive(Debug, Clone, Copy)]
pub struct Form {
    unsaved: Unsaved,
    /// (field id, message): the last refusal.
    note: RwSignal<Option<(String, String)>>,
    /// The ids of this form's fields, cleared together when a save goes through.
    fields: StoredValue<Vec<String>>,
    /// A save while the person is still typing: a refusal keeps the value without a
    /// message (the message comes when they leave the field).
    quiet: StoredValue<bool>,
}

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

impl Form {
    pub fn new() -> Self {
        Form {
            unsaved: Unsaved::get(),
            note: RwSignal::new(None),
            fields: StoredValue::new(Vec::new()),
            quiet: StoredValue::new(false),
        }
    }

    fn register(&self, id: &str) {
        if !self.fields.with_value(|f| f.iter().any(|x| x == id)) {
            self.fields.update_value(|f| f.push(id.to_owned()));
        }
    }

    /// What field `id` holds now for a save: what was typed and not saved yet, else
    /// `stored` (what the document holds).
    pub fn current(&self, id: &str, stored: String) -> String {
        self.unsaved.value_untracked(id).unwrap_or(stored)
    }

    /// After field `id` changed to `raw`: a save that went through clears every kept
    /// value of the form; a refusal `(field, message)` keeps `raw` and shows the message
    /// under `field`.
    pub fn settle(&self, id: &str, raw: &str, outcome: Result<(), (String, String)>) {
        match outcome {
            Ok(()) => {
                self.fields.with_value(|f| {
                    f.iter()
                        .filter(|x| *x != id)
                        .for_each(|x| self.unsaved.clear(x))
                });
                if self.quiet.get_value() {
                    // Still in the field: what they type stays as typed until they leave.
                    self.unsaved.saved_while_typing(id);
                } else {
                    self.unsaved.clear(id);
                }
                self.note.set(None);
            }
            Err((field, message)) => {
                self.unsaved.keep(id, raw);
                if !self.quiet.get_value() {
                    self.note.set(Some((field, sentence(&message))));
                }
            }
        }
    }

    /// The message under field `id`.
    pub fn note(&self, id: &str) -> Signal<Option<Note>> {
        let note = self.note;
        let id = id.to_owned();
        Signal::derive(move || {
            note.with(|n| {
                n.as_ref()
                    .filter(|(f, _)| *f == id)
                    .map(|(_, m)| Note::Error(m.clone()))
            })
        })
    }
}

/// The input of one autosaved field: shows the kept (refused) value over the stored
/// one, saves on `change`, and carries its message.
#[component]
pub fn AutoField(
    form: Form,
    id: String,
    label: String,
    /// What the document holds.
    #[prop(into)]
    stored: Signal<String>,
    /// Saves a changed value; calls `form.settle`.
    on_save: Callback<String>,
    #[prop(optional, into)] kind: Option<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(default = None)] inputmode: Option<&'static str>,
    /// A datalist of suggestions.
    #[prop(default = None)]
    list: Option<&'static str>,
    /// A whole number within these bounds (`type=number`, typing replaces the value).
    #[prop(optional)]
    bounds: Option<(u32, u32)>,
    /// A warning shown under the field while no refusal is.
    #[prop(optional, into)]
    warning: Option<Signal<Option<String>>>,
    #[prop(optional, into)] test_id: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    /// More classes for the field ("grow", "small").
    #[prop(optional, into)]
    class: Option<String>,
) -> impl IntoView {
    form.register(&id);
    let unsaved = form.unsaved;
    let refusal = form.note(&id);
    let note = Signal::derive(move || {
        refusal
            .get()
            .or_else(|| warning.and_then(|w| w.get()).map(Note::Warning))
    });
    let shown = {
        let id = id.clone();
        move || unsaved.value(&id).unwrap_or_else(|| stored.get())
    };
    // While typing: kept at once (a re-render or leaving the page cannot lose it), and
    // saved once the person pauses, so closing the browser mid-field loses nothing.
    let typed = {
        let id = id.clone();
        move |raw: String| {
            unsaved.keep(&id, &raw);
            let id = id.clone();
            spawn_local(async move {
                sleep_ms(TYPING_PAUSE_MS).await;
                // Unless more was typed, or the field was left (and saved) meanwhile; a
                // field gone from the page was saved when it was left.
                if unsaved.value_untracked(&id).as_deref() == Some(raw.as_str())
                    && form.quiet.try_set_value(true).is_none()
                {
                    let _ = on_save.try_run(raw);
                    let _ = form.quiet.try_set_value(false);
                }
            });
        }
    };
    let kind = kind.unwrap_or_else(|| {
        if bounds.is_some() {
            "number".into()
        } else {
            "text".into()
        }
    });
    let test_id = test_id.unwrap_or_else(|| id.clone());
    view! {
        <div class=class.map_or_else(|| "field".to_owned(), |c| format!("field {c}"))>
            <label for=id.clone()>{label}</label>
            <input id=id.clone() data-testid=test_id type=kind placeholder=placeholder
                inputmode=inputmode list=list
                min=bounds.map(|b| b.0.to_string()) max=bounds.map(|b| b.1.to_string())
                aria-invalid=invalid(note) aria-describedby=described_by(&id, note)
                prop:value=shown
                on:focus=move |ev| if bounds.is_some() { select_on_focus(ev) }
                on:input=move |ev| typed(event_target_value(&ev))
                on:change=move |ev| on_save.run(event_target_value(&ev))/>
            {hint.map(|h| view! { <p class="field-hint">{h}</p> })}
            <FieldMessage field=id note/>
        </div>
    }
}
