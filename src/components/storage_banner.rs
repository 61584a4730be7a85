//! What went wrong with this browser's storage, above every screen: saves that fail (a
//! full disk) with what to do and an export, and partnerships the browser evicted, with
//! what came back from the relay and what was lost.

use leptos::prelude::*;
use tandem_domain::document_id::DocumentId;

use crate::{
    browser::{download, local_time},
    i18n::{t, tf},
    state::Tandem,
};
use tandem_client::{
    Connection, SaveFailure,
    restore::{Outcome, Restore, title},
};

#[component]
pub fn StorageBanner() -> impl IntoView {
    let tandem = expect_context::<Tandem>();
    let problems = tandem.save_problems();
    let restores = tandem.restores();
    view! {
        <Show when=move || problems.with(|p| !p.is_empty())>
            <SaveProblems/>
        </Show>
        <For each=move || restores.get().into_iter() key=|(id, r)| (*id, r.outcome.clone())
            children=move |(id, restore)| view! { <RestoreNotice id restore/> }/>
    }
}

/// The partnership's name as the screens show it, or its id when it is not readable.
fn name_of(tandem: &Tandem, id: &DocumentId) -> String {
    tandem
        .with_doc(id, title)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| id.to_string())
}

#[component]
fn SaveProblems() -> impl IntoView {
    let tandem = expect_context::<Tandem>();
    let problems = tandem.save_problems();
    let full = move || problems.with(|p| p.values().any(|e| e.full));
    view! {
        <section class="storage-banner" role="alert" data-testid="storage-banner">
            <h2>{move || if full() {
                t("This browser's storage is full")
            } else {
                t("This browser could not save your edits")
            }}</h2>
            <ul>
                {move || problems.get().into_iter().map(|(id, error)| view! {
                    <SaveProblem id error/>
                }).collect_view()}
            </ul>
            <p>{move || if full() {
                t("Free some space on this device (or clear other websites' data in the browser settings), or export the partnership to keep a copy. Keep this tab open until this message goes away.")
            } else {
                t("Keep this tab open until this message goes away, and export the partnership to keep a copy.")
            }}</p>
        </section>
    }
}

#[component]
fn SaveProblem(id: DocumentId, error: SaveFailure) -> impl IntoView {
    let tandem = expect_context::<Tandem>();
    let connection = tandem.connection();
    let unsynced = tandem.unsynced(id);
    let name = name_of(&tandem, &id);
    let failed = RwSignal::new(None::<String>);
    let file = format!("tandem-{id}.automerge");
    let export = move |_| {
        let Some(bytes) = tandem.export(&id) else {
            return;
        };
        if let Err(e) = download(&file, &bytes, "application/octet-stream") {
            failed.set(Some(e));
        }
    };
    let on_relay = move || connection.get() == Connection::Online && unsynced.get() == 0;
    let cause = (!error.full).then_some(error.message);
    view! {
        <li data-testid="storage-problem">
            <p>
                {tf("Your latest edits to {0} are kept in this tab but are not saved in this browser yet. Tandem tries again with each edit and every 5 seconds.", &[&name])}
                {cause.map(|c| view! { " " {tf("The browser said: {0}", &[&c])} })}
            </p>
            <p data-testid="storage-relay-state">{move || if on_relay() {
                t("The relay has every one of these edits, so they are also safe there.")
            } else {
                t("These edits have not reached the relay yet, so this tab holds the only copy.")
            }}</p>
            <button type="button" data-testid="storage-export" on:click=export>
                {t("Export the partnership (.automerge)")}
            </button>
            {move || failed.get().map(|e| view! { <p class="error">{t("Download failed: ")} {e}</p> })}
        </li>
    }
}

#[component]
fn RestoreNotice(id: DocumentId, restore: Restore) -> impl IntoView {
    let tandem = expect_context::<Tandem>();
    let name = if restore.record.title.is_empty() {
        id.to_string()
    } else {
        restore.record.title.clone()
    };
    let gone = tf(
        "{0} was no longer in this browser's storage: the browser cleared or evicted it.",
        &[&name],
    );
    let (what, lost) = match restore.outcome {
        Outcome::Waiting => (t("Getting it back from the relay…").to_owned(), false),
        Outcome::Restored => (
            t("It is back from the relay, and nothing saved in this browser was lost.").to_owned(),
            false,
        ),
        Outcome::Lost {
            since_ms: Some(ms),
        } => (
            tf(
                "It is back from the relay, but the changes made in this browser after {0} had not reached the relay and were lost.",
                &[&local_time(ms)],
            ),
            true,
        ),
        Outcome::Lost { since_ms: None } => (
            t("It is back from the relay, but changes made in this browser that had not reached the relay were lost.").to_owned(),
            true,
        ),
        Outcome::Unavailable => (
            t("The relay does not have it (or no longer shares it with this browser), so it could not be restored. If you exported it, import that file.").to_owned(),
            true,
        ),
        Outcome::OnlyHere => (
            t("It had never reached the relay, so it cannot be restored. If you exported it, import that file.").to_owned(),
            true,
        ),
        Outcome::AccessEnded => (
            t("This browser's access to it has ended, so the relay cannot send it back.").to_owned(),
            true,
        ),
    };
    let waiting = restore.outcome == Outcome::Waiting;
    let state = match restore.outcome {
        Outcome::Waiting => "waiting",
        Outcome::Restored => "restored",
        Outcome::Lost { .. } => "lost",
        Outcome::Unavailable => "unavailable",
        Outcome::OnlyHere => "only-here",
        Outcome::AccessEnded => "access-ended",
    };
    view! {
        <section class="storage-banner" class:storage-lost=lost
            role=if lost { "alert" } else { "status" }
            data-testid="storage-restore" data-state=state>
            <p>{gone} " " {what}</p>
            <Show when=move || !waiting>
                <button type="button" data-testid="storage-restore-dismiss"
                    on:click=move |_| tandem.dismiss_restore(id)>{t("Dismiss")}</button>
            </Show>
        </section>
    }
}
