//! The shell: opens this browser's partnerships, then the top bar and routes.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::components::storage_banner::StorageBanner;
use crate::{
    app_shell::{UpdatePrompt, register_service_worker, watch_for_updates},
    i18n::{self, t},
    platform::Platform,
    state::{Signals, Tandem},
};
use crate::{
    components::connection_badge::ConnectionBadge, pages::export_menu::PrintPage,
    pages::home::Home, pages::new_partnership::NewPartnershipPage,
    pages::partnership_page::PartnershipPage, pages::share::JoinPage,
    pages::sync_server::SyncServerPage,
};
use tandem_domain::{document_id::DocumentId, locale::Lang, partnership::Partnership};

#[derive(Clone)]
enum Boot {
    Opening,
    Ready(Tandem),
    Failed(String),
}

#[component]
pub fn App() -> impl IntoView {
    open_settings_for_proposed_relay();
    register_service_worker();
    let update = watch_for_updates();
    let boot = RwSignal::new(Boot::Opening);
    // Which partnership is being opened (a large one takes a while).
    let stage = RwSignal::new(String::new());
    // The addressed partnership's content, painted read-only until it has loaded.
    let preview = RwSignal::new(None::<(DocumentId, Partnership)>);
    let signals = Signals::new(crate::platform::local::presence());
    let tandem = Tandem::new(signals);
    spawn_local(async move {
        let opened = Platform::open(
            signals,
            move |s| stage.set(s),
            move |id, p| preview.set(Some((id, p))),
        )
        .await;
        match opened {
            // It lives as long as the page.
            Ok(platform) => {
                tandem.attach(platform);
                boot.set(Boot::Ready(tandem));
            }
            Err(e) => boot.set(Boot::Failed(e.to_string())),
        }
    });
    provide_context(tandem);
    let lang = RwSignal::new(i18n::initial());
    provide_context(lang);
    provide_context(crate::components::unsaved::Unsaved::install());
    view! {
        <Router>
            // Switching language renders the screens again in it (see `i18n`).
            {move || {
                i18n::apply(lang.get(), false);
                view! {
            <a class="skip-link" href="#main">{t("Skip to content")}</a>
            <UpdatePrompt available=update/>
            {move || match boot.get() {
                Boot::Opening if preview.with(Option::is_some) => {
                    let (id, p) = preview.get_untracked().expect("checked");
                    view! { <PreviewShell id p/> }.into_any()
                }
                Boot::Opening => view! {
                    <TopBar/>
                    <main id="main"><p class="muted" role="status" data-testid="opening">
                        {t("Opening your partnerships…")} " " {move || stage.get()}
                    </p></main>
                }.into_any(),
                Boot::Failed(e) => {
                    Effect::new(move |_| crate::boot_done());
                    view! {
                    <TopBar/>
                    <main id="main">
                        <p class="error" role="alert">
                            {i18n::tf("Tandem cannot open this browser's storage: {0}. Nothing was changed. Check that the browser allows site data, then reload.", &[&e])}
                        </p>
                    </main>
                }.into_any()
                },
                Boot::Ready(tandem) => {
                    provide_context(tandem);
                    view! { <Shell/> }.into_any()
                }
            }}
                }
            }}
        </Router>
    }
}

/// An address naming another sync server (`?relay=`) only opens the sync-server settings,
/// pre-filled: nothing is sent to that server unless the person confirms there. Done
/// before the router reads the address.
fn open_settings_for_proposed_relay() {
    let Some(proposed) = crate::relay_choice::proposed_in_address() else {
        return;
    };
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_settings = window
        .location()
        .pathname()
        .is_ok_and(|p| p == "/sync-server");
    if !on_settings && let Ok(history) = window.history() {
        let encoded = String::from(js_sys::encode_uri_component(&proposed));
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("/sync-server?relay={encoded}")),
        );
    }
}

/// The top bar. `full` once there is a partnership to show (opened, or painted from its
/// preview): with the connection and the sync-server link.
#[component]
fn TopBar(#[prop(optional)] full: bool) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="logo" href="/">"Tandem"</a>
            <span class="tagline">{t("partnerships, kept together")}</span>
            {full.then(|| view! {
                <ConnectionBadge/>
                <a class="sync-server-link" href="/sync-server" data-testid="sync-server-link">{t("Sync server")}</a>
            })}
            <LangSwitch/>
        </header>
    }
}

/// After an in-app navigation, focus moves to the new page's heading (a screen reader
/// reads where it is; the keyboard starts from there), and the page's title names it (a
/// partnership's page names its tab too, see `partnership_page`).
fn follow_navigation() {
    let location = leptos_router::hooks::use_location();
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        let moved = previous.as_ref().is_some_and(|p| *p != path);
        let own_title = !path.starts_with("/p/");
        request_animation_frame(move || {
            let Some(document) = web_sys::window().and_then(|w| w.document()) else {
                return;
            };
            let Some(heading) = document.query_selector("main h1").ok().flatten() else {
                return;
            };
            if own_title {
                let text = heading.text_content().unwrap_or_default();
                document.set_title(&format!("{} — Tandem", text.trim()));
            }
            if moved {
                if !heading.has_attribute("tabindex") {
                    let _ = heading.set_attribute("tabindex", "-1");
                }
                if let Ok(h) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(heading) {
                    let _ = h.focus();
                }
            }
        });
        path
    });
}

#[component]
fn Shell() -> impl IntoView {
    follow_navigation();
    view! {
        <TopBar full=true/>
        <main id="main" tabindex="-1">
            <StorageBanner/>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/new") view=NewPartnershipPage/>
                <Route path=path!("/p/:id") view=PartnershipPage/>
                <Route path=path!("/join") view=JoinPage/>
                <Route path=path!("/sync-server") view=SyncServerPage/>
                <Route path=path!("/p/:id/print") view=PrintPage/>
            </Routes>
        </main>
    }
}

/// The shell with the addressed partnership painted from its preview, read-only, while
/// this browser's partnerships open: the same header and page as once they have, so
/// nothing moves when it becomes editable.
#[component]
fn PreviewShell(id: DocumentId, p: Partnership) -> impl IntoView {
    view! {
        <TopBar full=true/>
        <main id="main" tabindex="-1">
            {crate::pages::partnership_page::preview_page(id, p)}
        </main>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1>{t("Page not found")}</h1>
            <p><a href="/">{t("Back to your partnerships")}</a></p>
        </section>
    }
}

/// The language switch: each language named in itself, so anyone can find theirs.
#[component]
fn LangSwitch() -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    view! {
        <div class="lang-switch" role="group" aria-label=t("Language") data-testid="lang-switch">
            {Lang::ALL.into_iter().map(|l| view! {
                <button type="button" lang=l.code() data-lang=l.code()
                    aria-pressed=move || (lang.get() == l).to_string()
                    on:click=move |_| {
                        i18n::apply(l, true);
                        lang.set(l);
                    }>{l.native_name()}</button>
            }).collect_view()}
        </div>
    }
}
