//! Values stored in the document as short strings: codes, dates, ids, statuses.
//!
//! Tandem writes them as scalar strings. Clients of the wider Automerge ecosystem (the
//! JavaScript library since 2.1) write plain strings as Text objects, so hydration accepts
//! both, and anything that does not parse is a hydrate error naming what was expected —
//! never a panic.

/// Implements `Reconcile` (as a scalar string via `Display`) and `Hydrate` (from a scalar
/// string or a Text object, via `FromStr`) for a type.
macro_rules! stored_as_string {
    ($ty:ty, $expected:literal) => {
        impl autosurgeon::Reconcile for $ty {
            type Key<'a> = autosurgeon::reconcile::NoKey;

            fn reconcile<R: autosurgeon::Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
                r.str(self.to_string())
            }
        }

        impl autosurgeon::Hydrate for $ty {
            fn hydrate_string(s: &str) -> Result<Self, autosurgeon::HydrateError> {
                s.parse()
                    .map_err(|_| autosurgeon::HydrateError::unexpected($expected, s.to_string()))
            }

            fn hydrate_text<D: autosurgeon::ReadDoc>(
                doc: &D,
                obj: &automerge::ObjId,
            ) -> Result<Self, autosurgeon::HydrateError> {
                let s = doc.text(obj)?;
                Self::hydrate_string(&s)
            }
        }
    };
}

pub(crate) use stored_as_string;
