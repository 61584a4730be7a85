//! `/sync-server`: which server this browser syncs with. By default the Tandem relay that
//! served the page; the person may choose another automerge-repo server here, and only
//! here, after a confirmation that names it, says what will be shared and that it has no
//! access control. Only the partnerships they pick are offered to it. A `?relay=` in an
//! address only pre-fills the form: nothing is sent before the confirmation.

use std::collections::BTreeSet;

use leptos::{prelude::*, task::spawn_local};
use tandem_domain::document_id::DocumentId;
use wasm_bindgen::JsCast;

use crate::{
    i18n::{t, tf},
    relay_choice::{self, OtherRelay, UrlProblem},
    state::Tandem,
};

/// What the person is looking at.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Edit,
    /// The confirmation: the server and the partnerships (id, name) to share with it.
    Confirm {
        url: String,
        docs: Vec<(DocumentId, String)>,
    },
}

/// The other servers this Tandem relay lets the page connect to (`--allow-relay`).
async fn allowed_relays() -> Result<Vec<String>, String> {
    // The relay that served this page, so the path is this origin's.
    crate::platform::api::send("", None, &tandem_sync::api::AllowedRelays)
        .await
        .map(|list| list.allowed)
        .map_err(|e| e.message)
}

fn go_home() {
    if let Some(w) = web_sys::window() {
        // A fresh start opens the repo with the new choice.
        let _ = w.location().assign("/");
    }
}

fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// The settings page, once every partnership of this browser has loaded (the list of
/// those that may go to another server is all of them).
#[component]
pub fn SyncServerPage() -> impl IntoView {
    let tandem = expect_context::<Tandem>();
    let documents = tandem.documents();
    let loading = Memo::new(move |_| {
        documents.track();
        tandem.pending_count() > 0
    });
    move || {
        if loading.get() {
            view! {
                <section class="card">
                    <p class="muted" role="status" data-testid="still-opening">{t("Still opening this browser's other partnerships…")}</p>
                </section>
            }
            .into_any()
        } else {
            view! { <SyncServerForm/> }.into_any()
        }
    }
}

#[component]
fn SyncServerForm() -> impl IntoView {
    let tandem = expect_context::<Tandem>();
    let current = tandem.relay_url();
    let on_other = !tandem.has_access_control();
    let offered = tandem.offered();
    let proposed = relay_choice::proposed_in_address();
    let from_link = proposed.is_some();
    let url = RwSignal::new(
        proposed
            .clone()
            .or_else(|| on_other.then(|| current.clone()))
            .unwrap_or_default(),
    );
    let held: Vec<(DocumentId, String)> = {
        tandem
            .ids()
            .into_iter()
            .filter_map(|id| {
                let title = tandem.with_doc(&id, tandem_client::restore::title)?;
                Some((
                    id,
                    if title.is_empty() {
                        id.to_string()
                    } else {
                        title
                    },
                ))
            })
            .collect()
    };
    let picked = RwSignal::new(offered.clone());
    let extra = RwSignal::new(
        offered
            .iter()
            .filter(|id| !held.iter().any(|(h, _)| h == *id))
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" "),
    );
    let stage = RwSignal::new(Stage::Edit);
    let problem = RwSignal::new(None::<String>);
    let allowed = RwSignal::new(None::<Result<Vec<String>, String>>);
    spawn_local(async move { allowed.set(Some(allowed_relays().await)) });

    let held_for_review = held.clone();
    let review = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fail = |p: String| {
            problem.set(Some(p));
            focus("other-relay-url");
        };
        let checked = match relay_choice::check_url(&url.get_untracked()) {
            Ok(u) => u,
            Err(UrlProblem::Scheme) => {
                return fail(tf(
                    "A sync server's address starts with {0} or {1}, such as {2}.",
                    &[&"ws://", &"wss://", &"wss://sync.example/"],
                ));
            }
            Err(UrlProblem::Host) => {
                return fail(t("That address names no server: check it and try again.").into());
            }
        };
        let origin = relay_choice::origin_of(&checked).unwrap_or_default();
        match allowed.get_untracked() {
            None => return fail(
                t("Still asking this Tandem relay which servers it allows; try again in a moment.")
                    .into(),
            ),
            Some(Err(e)) => {
                return fail(tf(
                    "This Tandem relay could not say which servers it allows ({0}). Nothing was sent.",
                    &[&e],
                ));
            }
            Some(Ok(list)) if !list.contains(&origin) => {
                return fail(tf(
                    "This Tandem relay does not allow the app to connect to {0}, so it cannot be used. Its operator can allow it with {1}. Nothing was sent.",
                    &[&origin, &format!("--allow-relay {origin}")],
                ));
            }
            Some(Ok(_)) => {}
        }
        let mut docs: Vec<(DocumentId, String)> = held_for_review
            .iter()
            .filter(|(id, _)| picked.with_untracked(|p| p.contains(id)))
            .cloned()
            .collect();
        for word in extra.get_untracked().split_whitespace() {
            let word = word.rsplit('/').next().unwrap_or(word);
            match word.parse::<DocumentId>() {
                Ok(id) if !docs.iter().any(|(d, _)| *d == id) => {
                    docs.push((id, tf("partnership {0} (asked of that server)", &[&id])));
                }
                Ok(_) => {}
                Err(_) => {
                    problem.set(Some(tf("“{0}” is not a partnership id.", &[&word])));
                    focus("other-relay-extra");
                    return;
                }
            }
        }
        if docs.is_empty() {
            problem.set(Some(
                t("Pick at least one partnership to share with that server.").into(),
            ));
            return;
        }
        problem.set(None);
        stage.set(Stage::Confirm { url: checked, docs });
        request_animation_focus("confirm-heading");
    };

    view! {
        <section class="card sync-server" data-testid="sync-server">
            <h1>{t("Sync server")}</h1>
            <p data-testid="current-relay" data-other=on_other.to_string()>
                {if on_other {
                    tf("This browser syncs with {0}: another automerge-repo server, without access control, sharing {1} partnership(s) you picked.", &[&current, &offered.len()])
                } else {
                    tf("This browser syncs with this Tandem relay ({0}), which checks who may see and change each partnership.", &[&current])
                }}
            </p>
            <Show when=move || on_other>
                <p><button type="button" data-testid="use-home-relay" on:click=move |_| { relay_choice::clear(); go_home(); }>
                    {t("Return to this Tandem relay")}
                </button></p>
            </Show>
            {move || match stage.get() {
                Stage::Edit => view! {
                    <Show when=move || from_link>
                        <p class="banner warn" role="alert" data-testid="relay-from-link">
                            {t("The address you opened asks this browser to sync with another server. Nothing has been sent to it. Use it only if you trust it and expected this.")}
                        </p>
                    </Show>
                    <h2>{t("Use another automerge-repo server")}</h2>
                    <form class="other-relay-form" on:submit=review.clone() novalidate=true>
                        <label for="other-relay-url">{t("Server address")}</label>
                        <input id="other-relay-url" type="url" autocomplete="off" spellcheck="false"
                            placeholder="wss://sync.example/" data-testid="other-relay-url"
                            aria-invalid=move || problem.with(Option::is_some).to_string()
                            aria-describedby="other-relay-problem"
                            prop:value=move || url.get()
                            on:input=move |ev| { url.set(event_target_value(&ev)); problem.set(None); }/>
                        <fieldset>
                            <legend>{t("Partnerships to share with it")}</legend>
                            {if held.is_empty() {
                                view! { <p class="muted">{t("No partnerships in this browser yet.")}</p> }.into_any()
                            } else {
                                held.iter().map(|(id, title)| {
                                    let id = *id;
                                    let box_id = format!("offer-{id}");
                                    view! {
                                        <p class="check">
                                            <input type="checkbox" id=box_id.clone() data-testid="offer-partnership" data-id=id.to_string()
                                                prop:checked=move || picked.with(|p| p.contains(&id))
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    picked.update(|p| { if on { p.insert(id); } else { p.remove(&id); } });
                                                }/>
                                            <label for=box_id>{title.clone()}</label>
                                        </p>
                                    }
                                }).collect_view().into_any()
                            }}
                            <label for="other-relay-extra">{t("Partnerships not in this browser yet, to ask that server for (ids, optional)")}</label>
                            <input id="other-relay-extra" type="text" autocomplete="off" spellcheck="false"
                                data-testid="other-relay-extra" prop:value=move || extra.get()
                                on:input=move |ev| { extra.set(event_target_value(&ev)); problem.set(None); }/>
                        </fieldset>
                        <p id="other-relay-problem" class="error" role="alert" data-testid="other-relay-problem">
                            {move || problem.get()}
                        </p>
                        <p class="actions">
                            <button type="submit" class="primary" data-testid="review-other-relay">{t("Review what will be shared")}</button>
                            " "
                            <a href="/">{t("Back to your partnerships")}</a>
                        </p>
                    </form>
                }.into_any(),
                Stage::Confirm { url: chosen, docs } => {
                    let ids: BTreeSet<DocumentId> = docs.iter().map(|(id, _)| *id).collect();
                    let store_url = chosen.clone();
                    view! {
                        <div class="confirm-other-relay" data-testid="confirm-other-relay" role="group" aria-labelledby="confirm-heading">
                            <h2 id="confirm-heading" tabindex="-1">{tf("Sync with {0}?", &[&chosen])}</h2>
                            <p class="banner warn"><strong>{t("This server has no access control.")}</strong> " "
                                {t("Anyone who can reach it and knows a partnership's id can read and change it. Roles, links and revoking do not apply there, and this browser sends it no credential.")}</p>
                            <p>{t("What will be shared: everything in these partnerships — every field and their whole edit history:")}</p>
                            <ul data-testid="confirm-partnerships">
                                {docs.iter().map(|(_, title)| view! { <li>{title.clone()}</li> }).collect_view()}
                            </ul>
                            <p>{t("Your other partnerships are not offered to it. They stay in this browser and sync with this Tandem relay again when you return to it. Nothing has been sent yet.")}</p>
                            <p class="actions">
                                <button type="button" class="primary" data-testid="use-other-relay"
                                    on:click=move |_| {
                                        relay_choice::store(&OtherRelay { url: store_url.clone(), docs: ids.clone() });
                                        go_home();
                                    }>{tf("Share these with {0}", &[&chosen])}</button>
                                " "
                                <button type="button" data-testid="cancel-other-relay" on:click=move |_| {
                                    stage.set(Stage::Edit);
                                    request_animation_focus("other-relay-url");
                                }>{t("Cancel")}</button>
                            </p>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// Focuses an element once the next render has put it on the page.
fn request_animation_focus(id: &'static str) {
    let callback = wasm_bindgen::closure::Closure::once_into_js(move || focus(id));
    if let Some(w) = web_sys::window() {
        let _ = w.request_animation_frame(callback.unchecked_ref());
    }
}
