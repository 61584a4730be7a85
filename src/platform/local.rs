//! The one place that touches localStorage: strings by key. What the records mean (their
//! keys and text) is `tandem_client::records`, tested natively.

use tandem_client::{
    access::Access,
    records::{self, Record, Stored},
};
use tandem_domain::document_id::DocumentId;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        // A full localStorage loses a hint (heads, a draft), never a partnership: those
        // are in IndexedDB, whose failures are shown.
        let _ = s.set_item(key, value);
    }
}

pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

pub fn persist(record: &Record) {
    for (key, value) in record.entries() {
        set(&key, &value);
    }
}

/// The access record kept for one partnership (another tab may have written it).
pub fn access(id: &DocumentId) -> Option<Access> {
    records::decode_access(&get(&records::access_key(id))?)
}

/// How this person appears to others, as recorded (read before the platform opens).
pub fn presence() -> Option<tandem_sync::presence::Presence> {
    records::decode_presence(&get(records::NAME)?, &get(records::SIDE)?)
}

/// Every record the client reads at start.
pub fn stored() -> Stored {
    let Some(s) = storage() else {
        return Stored::default();
    };
    let len = s.length().unwrap_or(0);
    let pairs: Vec<(String, String)> = (0..len)
        .filter_map(|i| {
            let key = s.key(i).ok().flatten()?;
            let value = s.get_item(&key).ok().flatten()?;
            Some((key, value))
        })
        .collect();
    Stored::read(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}
