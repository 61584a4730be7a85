//! Tandem in the browser: a Leptos app that keeps each partnership as an Automerge
//! document in IndexedDB and works without a network.
//!
//! # Layout
//! - [`pages`], [`tabs`], [`components`]: the screens (`main.rs` just mounts
//!   [`pages::app::App`]): what each address shows, the partnership's documents, and the
//!   parts they share.
//! - [`editor`]: commands from the screens into an open document, and the view back out.
//! - [`state`]: what the screens read (signals per partnership) and ask ([`state::Tandem`]).
//! - [`platform`]: runs the client core (`crates/client`, where every decision is made)
//!   in the browser: socket, tabs, timers, page lifecycle, fetch, localStorage, IndexedDB.
//! - [`relay_choice`]: which server this browser syncs with (chosen in settings, never by a link).
//! - [`app_shell`]: the service worker for offline loading, and the update prompt.
//! - [`browser`]: clock, randomness, downloads, local-time display.
//! - [`i18n`]: the interface in Russian and English.
//! - [`prefs`]: drafts of "add" forms kept for a reload.

pub mod app_shell;
pub mod browser;
pub mod components;
pub mod editor;
pub mod i18n;
pub mod pages;
pub mod platform;
pub mod prefs;
pub mod relay_choice;
pub mod state;
pub mod tabs;
pub mod zones;

/// Mounts the app on `<body>`, in place of the loading screen `index.html` painted while
/// the WebAssembly was on its way (`#boot`).
pub fn mount() {
    console_error_panic_hook::set_once();
    zones::install();
    // A copy of the partnership page painted by `boot.js` stays over the app's own
    // "Opening…" until the app shows the partnership ([`boot_done`]).
    // (`boot.js` still looking for one: it removes the loading screen itself if it finds
    // none, now that the app is here.)
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(&window, &"tandemMounted".into(), &true.into());
    }
    if let Some(boot) = boot_screen()
        .filter(|b| !b.has_attribute("data-copy") && !b.has_attribute("data-copy-pending"))
    {
        boot.remove();
    }
    leptos::mount::mount_to_body(pages::app::App);
}

fn boot_screen() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id("boot")
}

/// The app shows a screen of its own: the loading screen, or the copy of the page
/// painted while the WebAssembly was on its way (`platform::page_copy`), goes.
pub fn boot_done() {
    if let Some(boot) = boot_screen() {
        boot.remove();
    }
}

#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
