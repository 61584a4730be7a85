//! Noticing that the browser cleared or evicted the stored partnerships, getting them
//! back from the relay, and saying honestly what was lost.
//!
//! # The record
//! Beside IndexedDB, localStorage keeps per partnership a small [`SavedRecord`]
//! (`tandem.saved.<id>`): the heads last saved in IndexedDB, when, its title, and when this
//! browser last saw the relay hold everything it had. Browsers evict IndexedDB under
//! storage pressure while localStorage (not quota-managed in Chromium) usually stays; a
//! record whose partnership is gone from IndexedDB is how the app knows it lost one.
//!
//! # The rule
//! Once the relay has sent the partnership back (this browser holds every head the relay
//! announced): if every head of the record is in what came back, nothing saved here was
//! lost. Otherwise changes saved here had not reached the relay and are gone; they were
//! all made after the last time this browser saw the relay hold everything
//! (`relay_had_all_ms`), which is the time the app names. What cannot be known: which
//! changes exactly, or how many (they lived only in the evicted store); and nothing at all
//! if localStorage was cleared too (then the device credential is gone as well).

use automerge::{ChangeHash, ObjType, ROOT, ReadDoc, Value};
use tandem_domain::{document::PartnershipDoc, document_id::DocumentId};

const PREFIX: &str = "tandem.saved.";

/// What this browser last saved of one partnership.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SavedRecord {
    /// The heads of what IndexedDB held after the last save.
    pub heads: Vec<ChangeHash>,
    pub saved_ms: i64,
    /// The last time the relay was seen holding every change this browser had.
    pub relay_had_all_ms: Option<i64>,
    /// "Brand × Creator", to name the partnership once its document is gone.
    pub title: String,
}

impl SavedRecord {
    fn encode(&self) -> String {
        let heads: Vec<String> = self.heads.iter().map(ToString::to_string).collect();
        let relay = self
            .relay_had_all_ms
            .map_or_else(|| "-".to_owned(), |ms| ms.to_string());
        format!(
            "{}|{relay}|{}|{}",
            self.saved_ms,
            heads.join(","),
            self.title
        )
    }

    fn decode(text: &str) -> Option<Self> {
        let mut parts = text.splitn(4, '|');
        let saved_ms = parts.next()?.parse().ok()?;
        let relay_had_all_ms = match parts.next()? {
            "-" => None,
            ms => Some(ms.parse().ok()?),
        };
        let heads = parts
            .next()?
            .split(',')
            .filter(|h| !h.is_empty())
            .map(|h| h.parse().ok())
            .collect::<Option<Vec<ChangeHash>>>()?;
        let title = parts.next().unwrap_or_default().to_owned();
        Some(SavedRecord {
            heads,
            saved_ms,
            relay_had_all_ms,
            title,
        })
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The record of one partnership, if any.
pub fn load(id: &DocumentId) -> Option<SavedRecord> {
    local_storage()
        .and_then(|s| s.get_item(&format!("{PREFIX}{id}")).ok().flatten())
        .and_then(|v| SavedRecord::decode(&v))
}

/// Every partnership this browser has a record of.
pub fn load_all() -> Vec<(DocumentId, SavedRecord)> {
    let Some(storage) = local_storage() else {
        return Vec::new();
    };
    let keys: Vec<String> = (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .collect();
    keys.iter()
        .filter_map(|k| k.strip_prefix(PREFIX))
        .filter_map(|id| {
            let id: DocumentId = id.parse().ok()?;
            Some((id, load(&id)?))
        })
        .collect()
}

/// Writes a record. (A full localStorage only loses the record, never an edit.)
pub fn store(id: &DocumentId, record: &SavedRecord) {
    if let Some(s) = local_storage() {
        let _ = s.set_item(&format!("{PREFIX}{id}"), &record.encode());
    }
}

pub fn forget(id: &DocumentId) {
    if let Some(s) = local_storage() {
        let _ = s.remove_item(&format!("{PREFIX}{id}"));
    }
}

/// "Brand × Creator", read straight from the document (no full hydration per save).
pub fn title(doc: &PartnershipDoc) -> String {
    let am = doc.automerge();
    let field = |name: &str| match am.get(ROOT, name).ok().flatten() {
        Some((Value::Object(ObjType::Text), obj)) => am.text(&obj).unwrap_or_default(),
        Some((Value::Scalar(s), _)) => s.as_str().unwrap_or_default().to_owned(),
        _ => String::new(),
    };
    let (brand, creator) = (field("brand"), field("creator"));
    if brand.is_empty() && creator.is_empty() {
        String::new()
    } else {
        format!("{brand} × {creator}")
    }
}

/// What became of a partnership that was gone from this browser's storage.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Asked the relay for it; nothing has come back yet.
    Waiting,
    /// Back from the relay with everything saved here.
    Restored,
    /// Back from the relay, but changes made here after this time (if known) were lost.
    Lost { since_ms: Option<i64> },
    /// The relay does not have it, or no longer shares it with this browser.
    Unavailable,
    /// It had never been registered with the relay: only this browser ever had it.
    OnlyHere,
    /// This browser's access ended (a revoked or expired link): the relay will not send it.
    AccessEnded,
}

/// A partnership found missing at start, what was recorded of it, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    pub record: SavedRecord,
    pub outcome: Outcome,
}

/// The rule: were all the heads last saved here in what the relay sent back?
pub fn judge(record: &SavedRecord, returned: &mut PartnershipDoc) -> Outcome {
    let doc = returned.automerge_mut();
    if record
        .heads
        .iter()
        .all(|h| doc.get_change_meta_by_hash(h).is_some())
    {
        Outcome::Restored
    } else {
        Outcome::Lost {
            since_ms: record.relay_had_all_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_domain::partnership::NewPartnership;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn partnership() -> PartnershipDoc {
        let new = NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша | Studio".into(),
            markets: vec!["RU".parse().expect("a market")],
            first_quarter: tandem_domain::quarter::QuarterId::new(2027, 1).expect("a quarter"),
            quarters: 1,
        };
        PartnershipDoc::create(&new, 0).expect("a valid partnership")
    }

    #[wasm_bindgen_test]
    fn a_record_reads_back_as_written_even_with_bars_in_the_title() {
        let mut doc = partnership();
        let record = SavedRecord {
            heads: doc.heads(),
            saved_ms: 1_700_000_000_000,
            relay_had_all_ms: Some(1_699_999_999_000),
            title: title(&doc),
        };
        assert_eq!(record.title, "Northwind × Маша | Studio");
        assert_eq!(SavedRecord::decode(&record.encode()), Some(record));
        let never_synced = SavedRecord {
            relay_had_all_ms: None,
            ..SavedRecord::default()
        };
        assert_eq!(
            SavedRecord::decode(&never_synced.encode()),
            Some(never_synced)
        );
        assert_eq!(SavedRecord::decode("garbage"), None);
    }

    #[wasm_bindgen_test]
    fn nothing_is_lost_when_the_relay_copy_holds_every_saved_head() {
        let mut local = partnership();
        let mut relay = local.fork();
        let record = SavedRecord {
            heads: local.heads(),
            relay_had_all_ms: Some(5),
            ..SavedRecord::default()
        };
        assert_eq!(judge(&record, &mut relay), Outcome::Restored);
    }

    #[wasm_bindgen_test]
    fn a_change_saved_here_but_missing_from_the_relay_copy_is_reported_lost() {
        let mut local = partnership();
        let mut relay = local.fork();
        local
            .change(10, "local only", |p| {
                p.goal.update("made offline");
                Ok::<_, tandem_domain::error::CommandError>(())
            })
            .expect("a change");
        let record = SavedRecord {
            heads: local.heads(),
            relay_had_all_ms: Some(5),
            ..SavedRecord::default()
        };
        assert_eq!(
            judge(&record, &mut relay),
            Outcome::Lost { since_ms: Some(5) }
        );
    }
}
