//! Who edits a partnership: the name and side recorded under the Automerge actor a person
//! edits with, so History can say who made each change.

use autosurgeon::{Hydrate, Reconcile};

/// A person as recorded in the document, under the actor they edit with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hydrate, Reconcile)]
pub struct Author {
    pub name: String,
    /// "brand" or "creator" (free text from older versions is kept as it is).
    pub side: String,
}
