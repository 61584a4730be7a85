//! Small preferences of this browser, in localStorage (partnerships are in IndexedDB).

use tandem_sync::presence::{MAX_NAME_CHARS, Presence, Side};

const NAME: &str = "tandem.name";
const SIDE: &str = "tandem.side";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// How this person appears to others, if they said.
pub fn presence() -> Option<Presence> {
    let s = storage()?;
    let name = s.get_item(NAME).ok().flatten()?;
    let side = Side::parse(&s.get_item(SIDE).ok().flatten()?)?;
    let name: String = name.trim().chars().take(MAX_NAME_CHARS).collect();
    (!name.is_empty()).then_some(Presence { name, side })
}

pub fn set_presence(p: &Presence) {
    if let Some(s) = storage() {
        let _ = s.set_item(NAME, &p.name);
        let _ = s.set_item(SIDE, p.side.as_str());
    }
}

/// The largest draft kept (characters): a form field, not a document.
const MAX_DRAFT_CHARS: usize = 10_000;

/// A draft of an "add" form's field kept for a reload (`ui::unsaved::Draft`), by its key
/// (which names the partnership).
pub fn draft(key: &str) -> Option<String> {
    storage()?.get_item(&format!("tandem.{key}")).ok().flatten()
}

pub fn set_draft(key: &str, value: Option<&str>) {
    if let Some(s) = storage() {
        let key = format!("tandem.{key}");
        let _ = match value {
            Some(v) => s.set_item(&key, &v.chars().take(MAX_DRAFT_CHARS).collect::<String>()),
            None => s.remove_item(&key),
        };
    }
}
