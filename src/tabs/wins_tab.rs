//! The wins wall: what went well, who added it and when — both sides see it.

use crate::components::undo_toast::remove_with_undo;
use crate::components::unsaved::{Draft, DraftMark};
use leptos::{ev::SubmitEvent, prelude::*};
use tandem_domain::ids::WinId;
use tandem_domain::{command::Command, removal::Target};

use crate::i18n::{side_words, t, tf};
use crate::tabs::people_tab::their_times;
use crate::{
    browser::{local_time, now_ms, random_16},
    editor::Editor,
    state::Tandem,
};

#[component]
pub fn WinsTab() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let text = Draft::new(&editor.id, "win-text", String::new());
    let error = RwSignal::new(None::<String>);
    let wins = Memo::new(move |_| {
        editor.view.with(|p| {
            p.wins_newest_first()
                .into_iter()
                .map(|(id, w)| (id.clone(), w.clone()))
                .collect::<Vec<_>>()
        })
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let me = tandem.me_untracked();
        let (by, side) = me
            .map(|m| (m.name, m.side.as_str().to_owned()))
            .unwrap_or_else(|| (t("Someone").to_owned(), String::new()));
        let typed = text.get_untracked();
        let id = WinId::from_random(random_16());
        match editor.edit_or_say(Command::AddWin {
            id,
            text: typed,
            by,
            side,
            at_ms: now_ms(),
            from: None,
        }) {
            Ok(_) => {
                text.set(String::new());
                error.set(None);
            }
            Err(m) => error.set(Some(m)),
        }
    };
    view! {
        <section class="card wins" data-testid="wins">
            <h2>{t("Wins")}</h2>
            <p class="muted">{t("Celebrate what went well, together: both sides see the wall.")}</p>
            <form class="inline-form" on:submit=on_submit data-draft="">
                <input type="text" aria-label=t("A win") placeholder=t("First 100k views on the Spring drop")
                    data-testid="new-win" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
                <button type="submit" class="primary">{t("Add win")}</button>
                    <DraftMark drafts=vec![text]/>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <ul class="wins-wall" data-testid="wins-wall">
                <For each=move || wins.get() key=|(id, w)| (id.clone(), w.at_ms) children=move |(id, w)| {
                    let who = if w.side.is_empty() { w.by.clone() } else { format!("{} ({})", w.by, side_words(&w.side)) };
                    view! {
                        <li data-testid="win">
                            <p class="win-text">{w.text.as_str().to_owned()}</p>
                            <p class="muted" title=editor.view.with_untracked(|p| their_times(p, w.at_ms))>
                                {tf("Added by {0}, {1}", &[&who, &local_time(w.at_ms)])}
                                {(!w.source.is_empty()).then(|| tf(" · from the debrief of “{0}”", &[&w.source]))}
                            </p>
                            <button type="button" class="small-button danger-quiet" data-testid="remove-win" on:click=move |_| {
                                remove_with_undo(editor, t("Win removed").to_owned(), Target::Win(id.clone()));
                            }>{t("Remove")}</button>
                        </li>
                    }
                }/>
            </ul>
        </section>
    }
}
