//! The roadmap tab: the larger goal, then one section per quarter.

use leptos::prelude::*;
use tandem_domain::document::Prose;

use crate::{components::collab_text::CollabTextarea, tabs::quarter_section::QuarterSection};
use crate::{editor::Editor, i18n::t};

#[component]
pub fn Roadmap() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let quarters = Memo::new(move |_| {
        editor
            .view
            .with(|p| p.quarters.keys().copied().collect::<Vec<_>>())
    });
    view! {
        <section class="card goal">
            <label for="goal" class="section-label">{t("The larger goal")}</label>
            <CollabTextarea id="goal".to_owned() test_id="goal".to_owned() rows=2
                placeholder=t("What this partnership is for, in a sentence both sides agree on")
                value=Signal::derive(move || editor.view.with(|p| p.goal.as_str().to_owned()))
                on_input=move |value: String| {
                    editor.edit_prose(Prose::Goal, value);
                }/>
        </section>
        <div class="quarters">
            <For each=move || quarters.get() key=|q| *q children=move |q| view! { <QuarterSection q/> }/>
        </div>
    }
}
