//! The few browser facts the app needs: time, randomness, downloads, local time display.

use wasm_bindgen::{JsCast, JsValue};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    // Date.now() is an integral number of milliseconds well inside i64.
    js_sys::Date::now() as i64
}

/// 16 bytes from the browser's cryptographic random source.
pub fn random_16() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok());
    if filled.is_none() {
        // Every browser that runs WebAssembly has crypto.getRandomValues; this is a last
        // resort so ids stay unique-enough rather than failing the edit.
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A moment in the viewer's time zone, written as the interface language writes dates
/// and times everywhere else (`Lang::day_time`: "Dec 5, 2026, 6:51 PM" / "5 дек. 2026 г.,
/// 18:51"), not in the browser's own locale format.
pub fn local_time(ms: i64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let day = chrono::NaiveDate::from_ymd_opt(
        date.get_full_year() as i32,
        date.get_month() + 1,
        date.get_date(),
    );
    match day {
        Some(d) => crate::i18n::lang().day_time(
            tandem_domain::day::Day(d),
            date.get_hours(),
            date.get_minutes(),
        ),
        None => "—".to_owned(),
    }
}

/// Offers bytes to the user as a file download.
pub fn download(file_name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let describe = |e: JsValue| format!("{e:?}");
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(describe)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(describe)?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    web_sys::Url::revoke_object_url(&url).map_err(describe)?;
    Ok(())
}

/// The viewer's IANA time zone ("Europe/Moscow"), as the browser reports it.
pub fn viewer_zone() -> Option<String> {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &JsValue::from_str("timeZone"))
        .ok()
        .and_then(|z| z.as_string())
}
