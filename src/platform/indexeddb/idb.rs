//! Thin async wrappers over IndexedDB requests and transactions.
//!
//! Each IndexedDB request reports through `onsuccess`/`onerror` callbacks; here they become
//! a `Promise` awaited through `wasm-bindgen-futures`. Writes are awaited until their
//! transaction *completes*, which is when the browser has committed them.

use js_sys::{Function, Promise};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DomException, IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransaction};

use super::StoreError;

/// Opens (creating or upgrading as needed) a database with one object store.
pub(super) async fn open(name: &str, store: &str) -> Result<IdbDatabase, StoreError> {
    let window = web_sys::window().ok_or_else(|| StoreError::Unavailable("no window".into()))?;
    let factory = window
        .indexed_db()
        .map_err(|e| StoreError::Unavailable(describe(&e)))?
        .ok_or_else(|| {
            StoreError::Unavailable("this browser offers no IndexedDB (private mode?)".into())
        })?;
    let request: IdbOpenDbRequest = factory
        .open_with_u32(name, 1)
        .map_err(|e| StoreError::Unavailable(describe(&e)))?;
    let store = store.to_owned();
    let upgrade_request = request.clone();
    let on_upgrade = Closure::<dyn FnMut()>::new(move || {
        if let Ok(db) = upgrade_request.result() {
            let db: IdbDatabase = db.unchecked_into();
            if !db.object_store_names().contains(&store) {
                // A failure here aborts the open request, which reports it below.
                let _ = db.create_object_store(&store);
            }
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let result = request_done(&request).await;
    request.set_onupgradeneeded(None);
    drop(on_upgrade);
    result.map_err(|e| StoreError::Unavailable(e.to_string()))?;
    request
        .result()
        .map(JsCast::unchecked_into)
        .map_err(|e| StoreError::Unavailable(describe(&e)))
}

/// Waits for a request to succeed, then returns its result.
pub(super) async fn request_done(request: &IdbRequest) -> Result<JsValue, StoreError> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let outcome = JsFuture::from(promise).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    match outcome {
        Ok(_) => request
            .result()
            .map_err(|e| StoreError::from_js("read a result", &e)),
        Err(_) => Err(StoreError::from_dom(
            "request",
            request.error().ok().flatten(),
        )),
    }
}

/// Waits for a transaction to commit.
pub(super) async fn transaction_done(tx: &IdbTransaction) -> Result<(), StoreError> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
        tx.set_onabort(Some(&reject));
    });
    let outcome = JsFuture::from(promise).await;
    tx.set_oncomplete(None);
    tx.set_onerror(None);
    tx.set_onabort(None);
    outcome
        .map(|_| ())
        .map_err(|_| StoreError::from_dom("write", tx.error()))
}

pub(super) fn describe(value: &JsValue) -> String {
    if let Some(dom) = value.dyn_ref::<DomException>() {
        return format!("{}: {}", dom.name(), dom.message());
    }
    value
        .as_string()
        .or_else(|| {
            js_sys::JSON::stringify(value)
                .ok()
                .and_then(|s| s.as_string())
        })
        .unwrap_or_else(|| "unknown error".into())
}
