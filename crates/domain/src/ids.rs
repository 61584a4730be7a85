//! The ids of a partnership's items, one type per kind: a [`KpiId`] cannot be passed where
//! a [`CampaignId`] is meant. Each is 16 random bytes as 32 lowercase hex digits — random,
//! not a counter, so two people adding items offline never pick the same id — and is
//! stored in the document as that string (ids written before the types were apart read
//! back unchanged).

use std::{cmp::Ordering, fmt, hash::Hash, marker::PhantomData, str::FromStr};

/// What kind of item an [`Id`] names; only the marker types in [`kind`] implement it.
pub trait Kind: 'static {
    /// The kind in words, for parse and hydrate errors ("a KPI id").
    const WHAT: &'static str;
}

/// The marker types of [`Id`].
pub mod kind {
    macro_rules! kinds {
        ($($name:ident => $what:literal),* $(,)?) => {$(
            #[derive(Debug)]
            pub enum $name {}
            impl super::Kind for $name {
                const WHAT: &'static str = $what;
            }
        )*};
    }
    kinds! {
        Campaign => "a campaign id",
        Deliverable => "a deliverable id",
        Kpi => "a KPI id",
        CheckIn => "a check-in id",
        Win => "a win id",
        Risk => "a risk id",
        Action => "an action id",
        Issue => "an issue id",
        Payment => "a payment id",
        Version => "a draft version id",
        Review => "a draft review id",
        Feedback => "a feedback id",
        Note => "a note id",
    }
}

/// The id of one item of kind `K`.
pub struct Id<K: Kind>(String, PhantomData<fn() -> K>);

pub type CampaignId = Id<kind::Campaign>;
pub type DeliverableId = Id<kind::Deliverable>;
pub type KpiId = Id<kind::Kpi>;
pub type CheckInId = Id<kind::CheckIn>;
pub type WinId = Id<kind::Win>;
pub type RiskId = Id<kind::Risk>;
pub type ActionId = Id<kind::Action>;
pub type IssueId = Id<kind::Issue>;
pub type PaymentId = Id<kind::Payment>;
pub type VersionId = Id<kind::Version>;
pub type ReviewId = Id<kind::Review>;
pub type FeedbackId = Id<kind::Feedback>;
pub type NoteId = Id<kind::Note>;

/// Text that is not an id (32 lowercase hex digits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not {what}")]
pub struct IdParseError {
    pub what: &'static str,
    pub text: String,
}

impl<K: Kind> Id<K> {
    pub fn from_random(bytes: [u8; 16]) -> Self {
        Id(
            bytes.iter().map(|b| format!("{b:02x}")).collect(),
            PhantomData,
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<K: Kind> FromStr for Id<K> {
    type Err = IdParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = s.len() == 32 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
        ok.then(|| Id(s.to_owned(), PhantomData))
            .ok_or_else(|| IdParseError {
                what: K::WHAT,
                text: s.to_owned(),
            })
    }
}

impl<K: Kind> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<K: Kind> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", K::WHAT, self.0)
    }
}

// By hand rather than derived: a derive would ask the marker type for each trait.
impl<K: Kind> Clone for Id<K> {
    fn clone(&self) -> Self {
        Id(self.0.clone(), PhantomData)
    }
}

impl<K: Kind> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<K: Kind> Eq for Id<K> {}

impl<K: Kind> PartialOrd for Id<K> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: Kind> Ord for Id<K> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl<K: Kind> Hash for Id<K> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl<K: Kind> autosurgeon::Reconcile for Id<K> {
    type Key<'a> = autosurgeon::reconcile::NoKey;

    fn reconcile<R: autosurgeon::Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
        r.str(&self.0)
    }
}

impl<K: Kind> autosurgeon::Hydrate for Id<K> {
    fn hydrate_string(s: &str) -> Result<Self, autosurgeon::HydrateError> {
        s.parse()
            .map_err(|_| autosurgeon::HydrateError::unexpected(K::WHAT, s.to_string()))
    }

    fn hydrate_text<D: autosurgeon::ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
    ) -> Result<Self, autosurgeon::HydrateError> {
        let s = doc.text(obj)?;
        Self::hydrate_string(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_say_their_kind() {
        let id = CampaignId::from_random([0xab; 16]);
        assert_eq!(id.as_str().len(), 32);
        assert_eq!(id.to_string().parse::<CampaignId>(), Ok(id));
        let err = "xyz".parse::<KpiId>().expect_err("not an id");
        assert_eq!(err.to_string(), "\"xyz\" is not a KPI id");
        assert!("AB".repeat(16).parse::<WinId>().is_err(), "lowercase only");
    }
}
