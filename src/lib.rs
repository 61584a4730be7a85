//! Tandem in the browser: a Leptos app that keeps each partnership as an Automerge
//! document in IndexedDB and works without a network.
//!
//! # Layout
//! - [`ui`]: the screens (components only; `main.rs` just mounts [`ui::app::App`]).
//! - [`editor`]: commands from the screens into an open document, and the view back out.
//! - [`repo`]: every partnership in this browser, and its sync with other tabs and the relay.
//! - [`relay_choice`]: which server this browser syncs with (chosen in settings, never by a link).
//! - [`eviction`]: noticing a store the browser cleared, and what that cost.
//! - [`local_doc`]: an open partnership and its incremental saving and compaction.
//! - [`storage`]: the IndexedDB document store (chunks in the automerge-repo layout).
//! - [`access`]: this browser's device credential, the relay's API, and the access
//!   (role, revoked, expired) recorded per partnership.
//! - [`app_shell`]: the service worker for offline loading, and the update prompt.
//! - [`browser`]: clock, randomness, downloads, local-time display.
//! - [`i18n`]: the interface in Russian and English.
//! - [`prefs`]: small preferences of this browser (display name and side).

pub mod access;
pub mod app_shell;
pub mod browser;
pub mod editor;
pub mod eviction;
pub mod i18n;
pub mod local_doc;
pub mod prefs;
pub mod relay_choice;
pub mod repo;
pub mod storage;
pub mod ui;
pub mod zones;

/// Mounts the app on `<body>`, in place of the loading screen `index.html` painted while
/// the WebAssembly was on its way (`#boot`).
pub fn mount() {
    console_error_panic_hook::set_once();
    zones::install();
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    leptos::mount::mount_to_body(ui::app::App);
}

#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
