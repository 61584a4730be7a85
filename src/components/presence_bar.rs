//! Who else has this partnership open, and how you appear to them.

use leptos::{ev::SubmitEvent, prelude::*};
use tandem_sync::presence::{MAX_NAME_CHARS, Presence, Side};

use crate::i18n::{t, tf};
use crate::{editor::Editor, state::Tandem};

fn side_label(side: Side) -> &'static str {
    match side {
        Side::Brand => t("brand"),
        Side::Creator => t("creator"),
    }
}

#[component]
pub fn PresenceBar() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let id = editor.id;
    tandem.opened(id);
    on_cleanup(move || tandem.closed(id));

    let roster = tandem.roster(id);
    let me = tandem.me();
    let others = move || roster.get();
    let editing = RwSignal::new(false);
    // The first edit by someone without a name opens the menu at its name form (focus
    // stays where they type), so their edits are not signed "Someone".
    // Once per browser: remembered, so closing the menu without a name is an answer.
    let asked = move || crate::platform::local::get(tandem_client::records::NAME_ASKED).is_some();
    let save = editor.save;
    Effect::new(move |_| {
        if save.get() == crate::state::SaveState::Saving && me.get_untracked().is_none() && !asked()
        {
            crate::platform::local::set(tandem_client::records::NAME_ASKED, "1");
            editing.set(true);
        }
    });
    // One menu: who else is here and how you appear, in its summary line; your name and
    // side inside it.
    view! {
        <details class="presence-menu" data-testid="presence"
            prop:open=move || editing.get()
            on:toggle=move |ev| {
                let open = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlDetailsElement>(
                    &event_target::<web_sys::EventTarget>(&ev),
                )
                .is_some_and(web_sys::HtmlDetailsElement::open);
                if open != editing.get_untracked() {
                    editing.set(open);
                }
            }>
            <summary>
                <span class="here" aria-live="polite" data-testid="here-now">
                    {move || {
                        let list = others();
                        if list.is_empty() {
                            t("Nobody else has this open right now").to_owned()
                        } else {
                            let names: Vec<String> = list
                                .iter()
                                .map(|p| format!("{} ({})", p.name, side_label(p.side)))
                                .collect();
                            tf("Also here: {0}", &[&names.join(", ")])
                        }
                    }}
                </span>
                <span class="me">
                    {move || match me.get() {
                        Some(p) => view! {
                            {t("You appear as")} " " <strong>{p.name.clone()}</strong> " (" {side_label(p.side)} ")"
                        }.into_any(),
                        None => view! { <strong>{t("Set your name, so others know who is editing")}</strong> }.into_any(),
                    }}
                </span>
            </summary>
            <div class="menu-body">
                {move || editing.get().then(|| view! { <NameForm current=me.get_untracked() editing/> })}
            </div>
        </details>
    }
}

#[component]
fn NameForm(current: Option<Presence>, editing: RwSignal<bool>) -> impl IntoView {
    let tandem = expect_context::<Tandem>();
    let name = RwSignal::new(current.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let side = RwSignal::new(current.map(|p| p.side).unwrap_or(Side::Brand));
    let error = RwSignal::new(None::<&'static str>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let value: String = name
            .get_untracked()
            .trim()
            .chars()
            .take(MAX_NAME_CHARS)
            .collect();
        if value.is_empty() {
            error.set(Some(t("Type the name others should see.")));
            return;
        }
        tandem.set_me(Presence {
            name: value,
            side: side.get_untracked(),
        });
        editing.set(false);
    };
    view! {
        <form class="name-form" on:submit=submit data-testid="name-form">
            <label for="my-name">{t("Your name, as others see it")}</label>
            <input id="my-name" data-testid="my-name" maxlength=MAX_NAME_CHARS.to_string()
                prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="my-side">{t("Side")}</label>
            <select id="my-side" data-testid="my-side"
                on:change=move |ev| side.set(Side::parse(&event_target_value(&ev)).unwrap_or(Side::Brand))>
                <option value="brand" prop:selected=move || side.get() == Side::Brand>{t("Brand")}</option>
                <option value="creator" prop:selected=move || side.get() == Side::Creator>{t("Creator or agency")}</option>
            </select>
            <button type="submit">{t("Save")}</button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </form>
    }
}
