//! Home: the partnerships stored in this browser, newest first, and unreadable ones
//! with their reason and their bytes to download.

use std::sync::Arc;

use leptos::{prelude::*, task::spawn_local};
use tandem_domain::document_id::DocumentId;

use crate::{
    browser::{download, local_time},
    local_doc::{LocalDoc, OpenError},
    storage::DocStore,
};

#[derive(Debug, Clone, PartialEq)]
enum Entry {
    Readable {
        id: String,
        brand: String,
        creator: String,
        markets: String,
        edited_ms: Option<i64>,
    },
    Unreadable {
        id: String,
        reason: String,
        bytes: Arc<Vec<u8>>,
    },
}

async fn load_entries() -> Result<Vec<Entry>, String> {
    let store = DocStore::open(DocStore::DEFAULT_NAME)
        .await
        .map_err(|e| e.to_string())?;
    let ids = store.document_ids().await.map_err(|e| e.to_string())?;
    let mut entries = Vec::new();
    for raw_id in ids {
        let unreadable = |reason: String, bytes: Vec<u8>| Entry::Unreadable {
            id: raw_id.clone(),
            reason,
            bytes: Arc::new(bytes),
        };
        let Ok(id) = raw_id.parse::<DocumentId>() else {
            entries.push(unreadable(
                "its id is not a Tandem document id".into(),
                Vec::new(),
            ));
            continue;
        };
        match LocalDoc::open(&store, id).await {
            Ok(shared) => {
                let mut local = shared.borrow_mut();
                let edited_ms = local.doc.last_edited_ms();
                match local.doc.partnership() {
                    Ok(p) => entries.push(Entry::Readable {
                        id: raw_id.clone(),
                        brand: p.brand.as_str().to_owned(),
                        creator: p.creator.as_str().to_owned(),
                        markets: p
                            .markets
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(" · "),
                        edited_ms,
                    }),
                    Err(e) => entries.push(unreadable(e.to_string(), Vec::new())),
                }
            }
            Err(OpenError::Unreadable { reason, bytes }) => {
                entries.push(unreadable(reason.to_string(), bytes));
            }
            Err(e) => entries.push(unreadable(e.to_string(), Vec::new())),
        }
    }
    entries.sort_by_key(|e| match e {
        Entry::Readable { edited_ms, .. } => std::cmp::Reverse(edited_ms.unwrap_or(0)),
        Entry::Unreadable { .. } => std::cmp::Reverse(i64::MAX),
    });
    Ok(entries)
}

#[component]
pub fn Home() -> impl IntoView {
    let entries = RwSignal::new(None::<Result<Vec<Entry>, String>>);
    spawn_local(async move { entries.set(Some(load_entries().await)) });

    view! {
        <section class="page-head">
            <h1>"Your partnerships"</h1>
            <a class="button primary" href="/new" data-testid="new-partnership">"New partnership"</a>
        </section>
        {move || match entries.get() {
            None => view! { <p class="muted" role="status">"Opening your partnerships…"</p> }.into_any(),
            Some(Err(e)) => view! {
                <p class="error" role="alert">
                    "Your partnerships cannot be opened: " {e}
                    ". Nothing was changed; reload the page to try again."
                </p>
            }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! {
                <div class="card empty">
                    <p>"No partnerships in this browser yet."</p>
                    <p class="muted">"Start one: the roadmap, the markets and the quarters you plan together."</p>
                </div>
            }.into_any(),
            Some(Ok(list)) => view! {
                <ul class="partnership-list" data-testid="partnership-list">
                    {list.into_iter().map(entry_view).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}

fn entry_view(entry: Entry) -> impl IntoView {
    match entry {
        Entry::Readable {
            id,
            brand,
            creator,
            markets,
            edited_ms,
        } => {
            let edited = edited_ms.map(local_time).unwrap_or_else(|| "—".into());
            view! {
                <li class="card partnership-card" data-testid="partnership-card">
                    <a class="title" href=format!("/p/{id}")>
                        <span>{brand}</span> " × " <span>{creator}</span>
                    </a>
                    <p class="meta">
                        <span class="markets" aria-label="Markets">{markets}</span>
                        <span class="muted">"Last edited " {edited}</span>
                    </p>
                </li>
            }
            .into_any()
        }
        Entry::Unreadable { id, reason, bytes } => {
            let has_bytes = !bytes.is_empty();
            let file = format!("tandem-{id}.automerge");
            let failed = RwSignal::new(None::<String>);
            let save = move |_| {
                if let Err(e) = download(&file, &bytes, "application/octet-stream") {
                    failed.set(Some(e));
                }
            };
            view! {
                <li class="card unreadable" data-testid="unreadable-card">
                    <p class="title">"Unreadable partnership"</p>
                    <p>"This browser holds a partnership it cannot open: " <span data-testid="unreadable-reason">{reason}</span></p>
                    <p class="muted">"Its stored bytes are kept exactly as they are: download them to keep a copy. Your other partnerships are not affected. Id: " <code>{id}</code></p>
                    <Show when=move || has_bytes>
                        <button type="button" on:click=save.clone() data-testid="download-unreadable">"Download the stored bytes"</button>
                    </Show>
                    {move || failed.get().map(|e| view! { <p class="error" role="alert">"Download failed: " {e}</p> })}
                </li>
            }
            .into_any()
        }
    }
}
