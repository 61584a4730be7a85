//! The shell: opens the repo, then the top bar and routes.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use super::{
    connection_badge::ConnectionBadge, export_menu::PrintPage, home::Home,
    new_partnership::NewPartnershipPage, partnership_page::PartnershipPage, share::JoinPage,
};
use crate::{
    app_shell::{UpdatePrompt, register_service_worker, watch_for_updates},
    repo::Repo,
};

#[derive(Clone)]
enum Boot {
    Opening,
    Ready(StoredValue<Repo, LocalStorage>),
    Failed(String),
}

#[component]
pub fn App() -> impl IntoView {
    register_service_worker();
    let update = watch_for_updates();
    let boot = RwSignal::new(Boot::Opening);
    spawn_local(async move {
        match Repo::open().await {
            // The repo lives as long as the page.
            Ok(repo) => boot.set(Boot::Ready(StoredValue::new_local(repo))),
            Err(e) => boot.set(Boot::Failed(e.to_string())),
        }
    });
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <UpdatePrompt available=update/>
            {move || match boot.get() {
                Boot::Opening => view! {
                    <TopBar/>
                    <main id="main"><p class="muted" role="status">"Opening your partnerships…"</p></main>
                }.into_any(),
                Boot::Failed(e) => view! {
                    <TopBar/>
                    <main id="main">
                        <p class="error" role="alert">
                            "Tandem cannot open this browser's storage: " {e}
                            ". Nothing was changed. Check that the browser allows site data, then reload."
                        </p>
                    </main>
                }.into_any(),
                Boot::Ready(repo) => {
                    provide_context(repo);
                    view! { <Shell/> }.into_any()
                }
            }}
        </Router>
    }
}

#[component]
fn TopBar() -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="logo" href="/">"Tandem"</a>
            <span class="tagline">"partnerships, kept together"</span>
        </header>
    }
}

#[component]
fn Shell() -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="logo" href="/">"Tandem"</a>
            <span class="tagline">"partnerships, kept together"</span>
            <ConnectionBadge/>
        </header>
        <main id="main" tabindex="-1">
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/new") view=NewPartnershipPage/>
                <Route path=path!("/p/:id") view=PartnershipPage/>
                <Route path=path!("/join") view=JoinPage/>
                <Route path=path!("/p/:id/print") view=PrintPage/>
            </Routes>
        </main>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p><a href="/">"Back to your partnerships"</a></p>
        </section>
    }
}
