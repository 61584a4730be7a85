//! A partnership: header, save state, tabs (the roadmap for now).

use leptos::{ev, prelude::*, task::spawn_local};
use leptos_router::hooks::use_params_map;
use tandem_domain::document_id::DocumentId;

use super::roadmap::Roadmap;
use crate::{
    editor::{Editor, SaveState},
    local_doc::LocalDoc,
    storage::DocStore,
};

#[derive(Clone)]
enum Page {
    Loading,
    Ready(Editor),
    Failed(String),
}

async fn open(raw_id: String) -> Page {
    let Ok(id) = raw_id.parse::<DocumentId>() else {
        return Page::Failed(format!("“{raw_id}” is not a partnership link."));
    };
    let store = match DocStore::open(DocStore::DEFAULT_NAME).await {
        Ok(s) => s,
        Err(e) => return Page::Failed(e.to_string()),
    };
    match LocalDoc::open(&store, id).await {
        Ok(doc) => Editor::new(doc, store).map_or_else(Page::Failed, Page::Ready),
        Err(e) => Page::Failed(format!("This partnership cannot be opened: {e}.")),
    }
}

#[component]
pub fn PartnershipPage() -> impl IntoView {
    let params = use_params_map();
    let page = RwSignal::new(Page::Loading);
    Effect::new(move |_| {
        let id = params.read().get("id").unwrap_or_default();
        page.set(Page::Loading);
        spawn_local(async move { page.set(open(id).await) });
    });
    // Another tab may have saved edits while this one was in the background.
    let focus = window_event_listener(ev::focus, move |_| {
        if let Page::Ready(editor) = page.get_untracked() {
            editor.merge_from_storage();
        }
    });
    on_cleanup(move || focus.remove());

    move || match page.get() {
        Page::Loading => {
            view! { <p class="muted" role="status">"Opening the partnership…"</p> }.into_any()
        }
        Page::Failed(e) => view! {
            <section class="card">
                <p class="error" role="alert">{e}</p>
                <p><a href="/">"Back to your partnerships"</a></p>
            </section>
        }
        .into_any(),
        Page::Ready(editor) => {
            provide_context(editor);
            view! { <Partnership/> }.into_any()
        }
    }
}

#[component]
fn Partnership() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let brand = move || editor.view.with(|p| p.brand.as_str().to_owned());
    let creator = move || editor.view.with(|p| p.creator.as_str().to_owned());
    let markets = move || {
        editor.view.with(|p| {
            p.markets
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" · ")
        })
    };
    view! {
        <section class="page-head partnership-head">
            <div>
                <p class="crumb"><a href="/">"Partnerships"</a></p>
                <h1 data-testid="partnership-title">{brand} " × " {creator}</h1>
                <p class="meta"><span class="markets" aria-label="Markets">{markets}</span></p>
            </div>
            <SaveIndicator/>
        </section>
        {move || editor.error.get().map(|e| view! {
            <p class="error" role="alert" data-testid="edit-error">{e}</p>
        })}
        <div class="tabs" role="tablist" aria-label="Partnership documents">
            <button type="button" role="tab" id="tab-roadmap" aria-selected="true"
                aria-controls="panel-roadmap" class="tab active">"Roadmap"</button>
        </div>
        <div id="panel-roadmap" role="tabpanel" aria-labelledby="tab-roadmap">
            <Roadmap/>
        </div>
    }
}

#[component]
fn SaveIndicator() -> impl IntoView {
    let editor = expect_context::<Editor>();
    view! {
        <p class="save-state" role="status" aria-live="polite" data-testid="save-state">
            {move || match editor.save.get() {
                SaveState::Saved => view! { <span class="ok">"Saved in this browser"</span> }.into_any(),
                SaveState::Saving => view! { <span class="muted">"Saving…"</span> }.into_any(),
                SaveState::Failed(e) => view! {
                    <span class="error">"Not saved: " {e} ". Your edits are kept in this tab and saved with the next edit."</span>
                }.into_any(),
            }}
        </p>
    }
}
