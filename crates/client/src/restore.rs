//! Noticing that the browser cleared or evicted the stored partnerships, getting them
//! back from the relay, and saying honestly what was lost.
//!
//! # The record
//! Beside IndexedDB, localStorage keeps per partnership a small [`SavedRecord`]: the heads
//! last saved in IndexedDB, when, its title, and when this browser last saw the relay hold
//! everything it had. Browsers evict IndexedDB under storage pressure while localStorage
//! (not quota-managed in Chromium) usually stays; a record whose partnership is gone from
//! IndexedDB is how the app knows it lost one.
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
use tandem_domain::document::PartnershipDoc;

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

impl Outcome {
    /// Still to be decided by what the relay sends.
    pub fn open(&self) -> bool {
        matches!(self, Outcome::Waiting | Outcome::Unavailable)
    }

    /// The partnership cannot come back: once read, its record is forgotten.
    pub fn r#final(&self) -> bool {
        matches!(
            self,
            Outcome::Unavailable | Outcome::OnlyHere | Outcome::AccessEnded
        )
    }
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

/// "Brand × Creator", read straight from the document (no full hydration per save); a
/// brand's notes document (`notes_for`) is marked "🔒" so it is not taken for its
/// partnership where both are listed.
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
    } else if doc.notes_parent().is_some() {
        format!("🔒 {brand} × {creator}")
    } else {
        format!("{brand} × {creator}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_domain::{error::CommandError, partnership::NewPartnership, quarter::QuarterId};

    fn partnership() -> PartnershipDoc {
        let new = NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша | Studio".into(),
            markets: vec!["RU".parse().expect("a market")],
            first_quarter: QuarterId::new(2027, 1).expect("a quarter"),
            quarters: 1,
        };
        PartnershipDoc::create(&new, 0).expect("a valid partnership")
    }

    #[test]
    fn the_title_names_both_sides_even_with_bars_in_a_name() {
        assert_eq!(title(&partnership()), "Northwind × Маша | Studio");
        assert_eq!(title(&PartnershipDoc::empty()), "");
        let p = partnership().partnership().expect("reads");
        let notes = PartnershipDoc::create_notes(
            &p,
            tandem_sync::document_id::DocumentId::from_bytes([1; 16]),
            tandem_sync::document_id::DocumentId::from_bytes([2; 16]),
            0,
        );
        assert_eq!(title(&notes), "🔒 Northwind × Маша | Studio");
    }

    #[test]
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

    #[test]
    fn a_change_saved_here_but_missing_from_the_relay_copy_is_reported_lost() {
        let mut local = partnership();
        let mut relay = local.fork();
        local
            .change(10, "local only", |p| {
                p.goal.update("made offline");
                Ok::<_, CommandError>(())
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
