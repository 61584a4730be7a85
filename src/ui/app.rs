//! The shell: top bar and routes.

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use super::{home::Home, new_partnership::NewPartnershipPage, partnership_page::PartnershipPage};

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="topbar">
                <a class="logo" href="/">"Tandem"</a>
                <span class="tagline">"partnerships, kept together"</span>
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/new") view=NewPartnershipPage/>
                    <Route path=path!("/p/:id") view=PartnershipPage/>
                </Routes>
            </main>
        </Router>
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
