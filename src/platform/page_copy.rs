//! A copy of the partnership page as this tab last showed it, painted by `public/boot.js`
//! the next time the same address opens — before the WebAssembly arrives (issue #19).
//!
//! The page is copied (by `tandemPage.capture` in `boot.js`, with what each field holds
//! written into the markup) only while the page shows the loaded document and every change
//! of it is stored; it is stored beside the previews (`tandem-preview`), one per
//! partnership and tab (`page:<id>:<tab>`), named by the digest of the document's chunks it
//! showed ([`super::preview::fingerprint`]). `boot.js` paints it only when the chunks in
//! storage are still exactly those, in the same language and tab — so it never shows
//! content the document does not hold — inert and marked "Opening…", and the app removes
//! it once it shows the partnership itself ([`crate::boot_done`]). A copy is a hint:
//! failing to write one loses nothing.

use js_sys::{Function, Reflect};
use tandem_sync::document_id::DocumentId;
use wasm_bindgen::{JsCast, JsValue};

use super::indexeddb::{ChunkKey, DocStore, StoreError};

/// The largest copy kept (a page of a long partnership is tens of kilobytes).
const MAX_BYTES: usize = 2 * 1024 * 1024;

/// Whether `boot.js` painted a copy of the page this address shows (it says within
/// 400 ms): the preview need not be painted as well.
pub async fn painted() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Some(promise) = Reflect::get(&window, &"tandemPage".into())
        .and_then(|page| Reflect::get(&page, &"painted".into()))
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
    else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .is_ok_and(|v| v.as_bool() == Some(true))
        && web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("boot"))
            .is_some_and(|b| b.has_attribute("data-copy"))
}

/// The page as shown now — `(tab, bytes)` — if it shows partnership `id`, loaded.
pub fn capture(id: DocumentId) -> Option<(String, Vec<u8>)> {
    let window = web_sys::window()?;
    let page = Reflect::get(&window, &"tandemPage".into()).ok()?;
    let capture: Function = Reflect::get(&page, &"capture".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let copy = capture
        .call1(&page, &JsValue::from_str(&id.to_string()))
        .ok()?;
    if copy.is_null() || copy.is_undefined() {
        return None;
    }
    let tab = Reflect::get(&copy, &"tab".into()).ok()?.as_string()?;
    let json = Reflect::get(&copy, &"json".into()).ok()?.as_string()?;
    (json.len() <= MAX_BYTES).then(|| (tab, json.into_bytes()))
}

/// Stores the copy of partnership `id`'s `tab`, made while its stored chunks were `chunks`,
/// in place of the one before.
pub async fn write(
    previews: &DocStore,
    id: DocumentId,
    tab: &str,
    bytes: &[u8],
    chunks: &[ChunkKey],
) -> Result<(), StoreError> {
    let name = format!("page:{id}:{tab}");
    let digest = super::preview::fingerprint(chunks);
    let mut old = previews.chunk_keys(&name).await?;
    // The same name is overwritten by the write itself; deleting it would lose the copy.
    old.retain(|k| k.hash != digest);
    previews
        .compact(&name, bytes, &digest, &old)
        .await
        .map(|_| ())
}
