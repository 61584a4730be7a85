//! Time zones from the browser's own `Intl`, so the app ships no time-zone database
//! (`tandem_domain::zone`; chrono-tz's tables were ~800 KB of the wasm's data).
//!
//! An offset is read by formatting the instant in the zone (`formatToParts`, 24-hour
//! clock) and subtracting the instant: the wall clock minus UTC. A formatter per zone is
//! kept, since making one costs far more than using it.

use std::{cell::RefCell, collections::HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    /// `None` for a name `Intl` refused, so it is not asked again.
    static FORMATTERS: RefCell<HashMap<String, Option<js_sys::Function>>> = RefCell::default();
}

/// Makes the browser's zones the ones the domain uses. Called once, before mounting.
pub fn install() {
    tandem_domain::zone::install(offset_at);
}

/// A `formatToParts` bound to an `Intl.DateTimeFormat` for `name`, or `None` if `Intl`
/// does not know the zone (it throws a `RangeError`).
fn formatter(name: &str) -> Option<js_sys::Function> {
    let set = |o: &js_sys::Object, k: &str, v: &str| {
        js_sys::Reflect::set(o, &JsValue::from_str(k), &JsValue::from_str(v)).is_ok()
    };
    let options = js_sys::Object::new();
    let ok = set(&options, "timeZone", name)
        && set(&options, "hourCycle", "h23")
        && ["year", "month", "day", "hour", "minute", "second"]
            .iter()
            .all(|k| set(&options, k, "numeric"));
    if !ok {
        return None;
    }
    let intl = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
    let ctor: js_sys::Function = js_sys::Reflect::get(&intl, &JsValue::from_str("DateTimeFormat"))
        .ok()?
        .dyn_into()
        .ok()?;
    let locales = js_sys::Array::of1(&JsValue::from_str("en-US"));
    let format = js_sys::Reflect::construct(&ctor, &js_sys::Array::of2(&locales, &options)).ok()?;
    let parts: js_sys::Function =
        js_sys::Reflect::get(&format, &JsValue::from_str("formatToParts"))
            .ok()?
            .dyn_into()
            .ok()?;
    Some(parts.bind0(&format))
}

/// Seconds east of UTC in force in zone `name` at `utc`, by the browser's `Intl`.
pub fn offset_at(name: &str, utc: DateTime<Utc>) -> Option<i32> {
    let parts = FORMATTERS.with(|f| {
        f.borrow_mut()
            .entry(name.to_owned())
            .or_insert_with(|| formatter(name))
            .clone()
    })?;
    // Whole seconds: `Intl` shows no milliseconds, and offsets are whole seconds.
    let seconds = utc.timestamp();
    let date = js_sys::Date::new(&JsValue::from_f64((seconds * 1000) as f64));
    let parts: js_sys::Array = parts.call1(&JsValue::NULL, &date).ok()?.dyn_into().ok()?;
    let mut field = HashMap::new();
    for part in parts.iter() {
        let kind = js_sys::Reflect::get(&part, &JsValue::from_str("type"))
            .ok()?
            .as_string()?;
        let value = js_sys::Reflect::get(&part, &JsValue::from_str("value"))
            .ok()?
            .as_string()?;
        if let Ok(n) = value.parse::<i64>() {
            field.insert(kind, n);
        }
    }
    let get = |k: &str| field.get(k).copied();
    let local = NaiveDate::from_ymd_opt(
        i32::try_from(get("year")?).ok()?,
        u32::try_from(get("month")?).ok()?,
        u32::try_from(get("day")?).ok()?,
    )?
    .and_hms_opt(
        u32::try_from(get("hour")?).ok()?,
        u32::try_from(get("minute")?).ok()?,
        u32::try_from(get("second")?).ok()?,
    )?;
    i32::try_from(local.and_utc().timestamp() - seconds).ok()
}
