//! Drafts of "add" forms kept for a reload (the name and side are the client's records).

use crate::platform::local;

/// The largest draft kept (characters): a form field, not a document.
const MAX_DRAFT_CHARS: usize = 10_000;

/// A draft of an "add" form's field kept for a reload (`components::unsaved::Draft`), by its key
/// (which names the partnership).
pub fn draft(key: &str) -> Option<String> {
    local::get(&tandem_client::records::draft_key(key))
}

pub fn set_draft(key: &str, value: Option<&str>) {
    let key = tandem_client::records::draft_key(key);
    match value {
        Some(v) => local::set(&key, &v.chars().take(MAX_DRAFT_CHARS).collect::<String>()),
        None => local::remove(&key),
    }
}
