//! The installable, offline app shell: registering the service worker (`web/sw.js`), and
//! noticing when the server has a newer build so the person can reload when it suits them.

use crate::i18n::t;
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;

/// How often an open page asks the server whether a new build exists.
const CHECK_EVERY_MS: i32 = 60_000;

/// Registers the service worker that caches the app for offline use. Failing to (an
/// old browser, a non-secure origin) only means no offline loading; the app still runs.
pub fn register_service_worker() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    let Ok(container) = js_sys::Reflect::get(&navigator, &"serviceWorker".into()) else {
        return;
    };
    if container.is_undefined() {
        return;
    }
    let Ok(register) = js_sys::Reflect::get(&container, &"register".into()) else {
        return;
    };
    let Some(register) = register.dyn_ref::<js_sys::Function>() else {
        return;
    };
    if let Ok(promise) = register.call1(&container, &JsValue::from_str("/sw.js"))
        && let Ok(promise) = promise.dyn_into::<js_sys::Promise>()
    {
        spawn_local(async move {
            if let Err(e) = JsFuture::from(promise).await {
                web_sys::console::warn_2(
                    &JsValue::from_str(
                        "offline use is not available: the service worker did not register",
                    ),
                    &e,
                );
            }
        });
    }
}

/// The build an index page loads: the WASM file name Trunk wrote into it.
fn build_of(html: &str) -> Option<&str> {
    let end = html.find("_bg.wasm")?;
    let start = html[..end].rfind('/')? + 1;
    Some(&html[start..end])
}

async fn server_index() -> Option<String> {
    let window = web_sys::window()?;
    let init = web_sys::RequestInit::new();
    init.set_cache(web_sys::RequestCache::NoStore);
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init("/", &init))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if !response.ok() {
        return None;
    }
    JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()
}

fn own_index() -> Option<String> {
    Some(
        web_sys::window()?
            .document()?
            .document_element()?
            .outer_html(),
    )
}

/// Watches for a newer build on the server; the returned signal turns true when there is
/// one. Checked every minute, when the tab becomes visible and when the network returns.
pub fn watch_for_updates() -> RwSignal<bool> {
    let available = RwSignal::new(false);
    let check = move || {
        if available.get_untracked() {
            return;
        }
        spawn_local(async move {
            let Some(server) = server_index().await else {
                return; // Offline or the server is down: nothing to say.
            };
            let own = own_index();
            if let (Some(new), Some(old)) = (build_of(&server), own.as_deref().and_then(build_of))
                && new != old
            {
                available.set(true);
            }
        });
    };
    if let Some(window) = web_sys::window() {
        let every = Closure::<dyn FnMut()>::new(check);
        let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(
            every.as_ref().unchecked_ref(),
            CHECK_EVERY_MS,
        );
        every.forget(); // Lives as long as the page.
        for (target, event) in [
            (window.document().map(JsValue::from), "visibilitychange"),
            (Some(JsValue::from(window.clone())), "online"),
        ] {
            let Some(target) = target.and_then(|t| t.dyn_into::<web_sys::EventTarget>().ok())
            else {
                continue;
            };
            let on_event = Closure::<dyn FnMut()>::new(check);
            let _ =
                target.add_event_listener_with_callback(event, on_event.as_ref().unchecked_ref());
            on_event.forget(); // Lives as long as the page.
        }
    }
    available
}

/// "A new version is available — reload": quiet, never reloads by itself, so nothing
/// being typed is interrupted (edits are saved to this browser as they are made).
#[component]
pub fn UpdatePrompt(available: RwSignal<bool>) -> impl IntoView {
    let reload = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    };
    view! {
        <Show when=move || available.get()>
            <div class="update-prompt" role="status" data-testid="update-available">
                {t("A new version of Tandem is available. Your work is saved; reload when it suits you.")}
                <button type="button" class="small-button" on:click=reload>{t("Reload")}</button>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_build_is_the_wasm_file_name() {
        let html =
            "import init from '/tandem-ab12.js'; init({ module_or_path: '/tandem-ab12_bg.wasm' })";
        assert_eq!(build_of(html), Some("tandem-ab12"));
        assert_eq!(build_of("<html></html>"), None);
    }
}
