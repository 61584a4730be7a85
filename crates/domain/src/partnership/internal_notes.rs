//! Brand-only notes: an internal thread per deliverable that the creator's side never
//! receives.
//!
//! They live in a second Automerge document of their own (a "notes document"), not in
//! the shared partnership: the relay grants each document separately, so a creator's
//! link to the partnership gives nothing of the notes — a device without a grant for the
//! notes document is answered `doc-unavailable` like for any document it was not given.
//! The notes document has the partnership's layout (so storage, sync, access and saving
//! treat it like any other) and says whose notes it holds in `notes_for`; everything
//! else in it stays empty. Its owner (whoever started the notes, the partnership's owner)
//! names its editors with links of its own.

use autosurgeon::Text;

use super::{InternalNote, Partnership};
use crate::{
    document_id::DocumentId,
    ids::{DeliverableId, NoteId},
    locale::Lang,
    schema::{LayoutVersion, SchemaName},
};

/// The longest note, in characters (a note is a few lines, not a document).
pub const MAX_NOTE_CHARS: usize = 4_000;

/// Why a note was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("a note needs a few words")]
    Empty,
    #[error("a note may be at most {MAX_NOTE_CHARS} characters; this one is {0}")]
    TooLong(usize),
    #[error(
        "notes are kept only in the brand's own notes document, never in the shared partnership"
    )]
    NotNotes,
}

impl NoteError {
    /// In words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::Empty) => "напишите хотя бы пару слов".into(),
            (Lang::Ru, Self::TooLong(n)) => {
                format!("заметка может быть не длиннее {MAX_NOTE_CHARS} символов, а в этой {n}")
            }
            (Lang::Ru, Self::NotNotes) => {
                "заметки хранятся только в отдельном документе бренда, никогда — в общем партнёрстве"
                    .into()
            }
        }
    }
}

impl Partnership {
    /// The notes document for `parent` (stored under `parent_id`): the parent's names and
    /// markets, so it reads sensibly on its own, and nothing else of it.
    pub fn notes_of(parent: &Partnership, parent_id: DocumentId) -> Partnership {
        Partnership {
            schema: SchemaName(super::SCHEMA.to_owned()),
            schema_version: LayoutVersion(super::SCHEMA_VERSION),
            // Fresh texts: a hydrated one remembers the heads of the document it came
            // from, and reconciling it into another document would fail.
            brand: Text::with_value(parent.brand.as_str()),
            creator: Text::with_value(parent.creator.as_str()),
            markets: parent.markets.clone(),
            goal: Text::default(),
            quarters: Default::default(),
            agreement: Default::default(),
            kpis: Default::default(),
            onboarding_cost: None,
            document_id: None,
            people: Default::default(),
            qbrs: Default::default(),
            checkins: Default::default(),
            wins: Default::default(),
            cadence_days: None,
            contacts: Default::default(),
            payments: Default::default(),
            rules: Default::default(),
            registry: Default::default(),
            notes_for: Some(parent_id.to_string()),
            internal_notes: Default::default(),
        }
    }

    /// The partnership whose notes this document holds, if it is a notes document.
    pub fn notes_parent(&self) -> Option<DocumentId> {
        self.notes_for.as_deref().and_then(|s| s.parse().ok())
    }

    /// Whether this is a notes document (not a partnership to list or share with the
    /// other side).
    pub fn is_notes(&self) -> bool {
        self.notes_for.is_some()
    }

    pub fn add_note(
        &mut self,
        id: NoteId,
        deliverable: &DeliverableId,
        text: &str,
        by: &str,
        at_ms: i64,
    ) -> Result<(), NoteError> {
        if !self.is_notes() {
            return Err(NoteError::NotNotes);
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(NoteError::Empty);
        }
        let chars = text.chars().count();
        if chars > MAX_NOTE_CHARS {
            return Err(NoteError::TooLong(chars));
        }
        self.internal_notes.insert(
            id,
            InternalNote {
                deliverable: deliverable.to_string(),
                text: Text::with_value(text),
                by: by.trim().to_owned(),
                at_ms,
                removed: false,
            },
        );
        Ok(())
    }

    /// The notes about one deliverable, oldest first (a thread reads down).
    pub fn notes_about(&self, deliverable: &DeliverableId) -> Vec<(NoteId, InternalNote)> {
        let key = deliverable.to_string();
        let mut notes: Vec<_> = self
            .internal_notes
            .iter()
            .filter(|(_, n)| n.deliverable == key)
            .map(|(id, n)| (id.clone(), n.clone()))
            .collect();
        notes.sort_by(|(a, x), (b, y)| (x.at_ms, a).cmp(&(y.at_ms, b)));
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partnership::NewPartnership;

    fn parent() -> Partnership {
        Partnership::new(&NewPartnership {
            brand: "Northwind".into(),
            creator: "Masha".into(),
            markets: crate::market::parse_market_list("RU, US").expect("markets"),
            first_quarter: "2027-Q1".parse().expect("quarter"),
            quarters: 2,
        })
        .expect("valid")
    }

    #[test]
    fn notes_go_only_into_a_notes_document_and_read_as_a_thread() {
        let mut shared = parent();
        let d: DeliverableId = "a".repeat(32).parse().expect("id");
        let n1: NoteId = "1".repeat(32).parse().expect("id");
        let n2: NoteId = "2".repeat(32).parse().expect("id");
        assert_eq!(
            shared.add_note(n1.clone(), &d, "too pricey", "Olga", 10),
            Err(NoteError::NotNotes),
            "the shared partnership never takes a note"
        );
        let parent_id = DocumentId::from_bytes([7; 16]);
        let mut notes = Partnership::notes_of(&shared, parent_id);
        assert!(notes.is_notes() && !shared.is_notes());
        assert_eq!(notes.notes_parent(), Some(parent_id));
        assert!(
            notes.quarters.is_empty(),
            "nothing of the partnership is copied"
        );
        assert_eq!(
            notes.add_note(n1.clone(), &d, "   ", "Olga", 10),
            Err(NoteError::Empty)
        );
        let long = "x".repeat(MAX_NOTE_CHARS + 1);
        assert_eq!(
            notes.add_note(n1.clone(), &d, &long, "Olga", 10),
            Err(NoteError::TooLong(MAX_NOTE_CHARS + 1))
        );
        notes
            .add_note(n2.clone(), &d, "second", "Ivan", 20)
            .expect("adds");
        notes
            .add_note(n1.clone(), &d, " first ", "Olga", 10)
            .expect("adds");
        let thread = notes.notes_about(&d);
        assert_eq!(
            thread
                .iter()
                .map(|(_, n)| n.text.as_str())
                .collect::<Vec<_>>(),
            vec!["first", "second"]
        );
        let other: DeliverableId = "b".repeat(32).parse().expect("id");
        assert!(notes.notes_about(&other).is_empty());
        shared.brand = Text::with_value("Renamed");
        assert_eq!(notes.brand.as_str(), "Northwind");
    }

    #[test]
    fn a_notes_document_is_made_from_a_partnership_read_from_its_document() {
        use crate::document::PartnershipDoc;
        let new = NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша".into(),
            markets: crate::market::parse_market_list("RU").expect("markets"),
            first_quarter: "2027-Q1".parse().expect("quarter"),
            quarters: 1,
        };
        let parent_id = DocumentId::from_bytes([1; 16]);
        let shared = PartnershipDoc::create_identified(&new, parent_id, 1).expect("creates");
        // Hydrated texts carry their document's heads: the notes must not reuse them.
        let hydrated = shared.partnership().expect("reads");
        let id = DocumentId::from_bytes([2; 16]);
        let mut notes = PartnershipDoc::create_notes(&hydrated, parent_id, id, 2);
        assert_eq!(notes.notes_parent(), Some(parent_id));
        assert_eq!(shared.notes_parent(), None);
        let bytes = notes.save();
        let loaded = PartnershipDoc::load([bytes.as_slice()]).expect("loads");
        let p = loaded.partnership().expect("reads");
        assert_eq!(
            (p.brand.as_str(), p.creator.as_str()),
            ("Northwind", "Маша")
        );
        assert_eq!(loaded.recorded_id(), Some(id));
    }
}
