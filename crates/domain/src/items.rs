//! A collection of removable items: campaigns, deliverables, KPIs, check-ins, wins, review
//! risks and actions, debrief issues.
//!
//! Removing an item does not delete it from the document: it is marked `removed` where it
//! is, so Undo clears the mark and the *same* Automerge object comes back — its id, its
//! text objects and their history, and any edit a partner made to it meanwhile. A deleted
//! map entry cannot be brought back in Automerge; writing the values again would make a
//! look-alike with new objects and lose a concurrent edit.
//!
//! [`Items`] holds the live items and the removed ones apart. It reads as the map of live
//! items (it dereferences to it), so every screen, export, KPI and verdict sees only what
//! is live without filtering anything itself; the removed ones are reached only through
//! [`Items::removed`] and [`Items::restore`]. Its own `remove` (which takes precedence over
//! the map's) marks an item removed instead of deleting it, so no command can delete one
//! for good by accident. In the document it is one map of every item, as before, each
//! item carrying its `removed` flag (absent in older documents: live).

use std::{
    collections::BTreeMap,
    ops::{Deref, DerefMut},
};

/// An item that can be marked removed and brought back.
pub trait Removable {
    fn is_removed(&self) -> bool;
    fn set_removed(&mut self, removed: bool);
}

/// Implements [`Removable`] for types with a `removed: bool` field.
macro_rules! removable {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::items::Removable for $t {
            fn is_removed(&self) -> bool {
                self.removed
            }
            fn set_removed(&mut self, removed: bool) {
                self.removed = removed;
            }
        }
    )*};
}
pub(crate) use removable;

/// Live items by id, and the removed ones kept for Undo.
#[derive(Debug, Clone, PartialEq)]
pub struct Items<K: Ord, T> {
    live: BTreeMap<K, T>,
    removed: BTreeMap<K, T>,
}

impl<K: Ord, T> Default for Items<K, T> {
    fn default() -> Self {
        Items {
            live: BTreeMap::new(),
            removed: BTreeMap::new(),
        }
    }
}

impl<K: Ord, T> Deref for Items<K, T> {
    type Target = BTreeMap<K, T>;
    fn deref(&self) -> &Self::Target {
        &self.live
    }
}

impl<K: Ord, T> DerefMut for Items<K, T> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.live
    }
}

impl<K: Ord + Clone, T: Removable + Clone> Items<K, T> {
    /// Marks the live item `id` removed; returns it as it was, or `None` if no live item
    /// has that id.
    pub fn remove(&mut self, id: &K) -> Option<T> {
        let mut item = self.live.remove(id)?;
        let was = item.clone();
        item.set_removed(true);
        self.removed.insert(id.clone(), item);
        Some(was)
    }

    /// Brings the removed item `id` back as it is now (with any edit made to it while it
    /// was removed); `false` if there is no removed item with that id.
    pub fn restore(&mut self, id: &K) -> bool {
        match self.removed.remove(id) {
            Some(mut item) => {
                item.set_removed(false);
                self.live.insert(id.clone(), item);
                true
            }
            None => false,
        }
    }

    /// Adds or replaces a live item (one removed under the same id is replaced too).
    pub fn insert(&mut self, id: K, mut item: T) -> Option<T> {
        self.removed.remove(&id);
        item.set_removed(false);
        self.live.insert(id, item)
    }

    /// The removed items, kept so Undo can bring them back.
    pub fn removed(&self) -> &BTreeMap<K, T> {
        &self.removed
    }
}

/// Read from the document: each item goes where its flag says.
impl<K: Ord, T: Removable> FromIterator<(K, T)> for Items<K, T> {
    fn from_iter<I: IntoIterator<Item = (K, T)>>(iter: I) -> Self {
        let mut items = Items::default();
        for (id, item) in iter {
            if item.is_removed() {
                items.removed.insert(id, item);
            } else {
                items.live.insert(id, item);
            }
        }
        items
    }
}

/// Iterating reads the live items only, like the map it dereferences to.
impl<'a, K: Ord, T> IntoIterator for &'a Items<K, T> {
    type Item = (&'a K, &'a T);
    type IntoIter = std::collections::btree_map::Iter<'a, K, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.live.iter()
    }
}

/// The `with` adaptor that maps [`Items`] onto the document: one map of every item, live
/// or removed, keyed by the id's text (`#[autosurgeon(with = "crate::items::stored")]`).
pub mod stored {
    use std::{error::Error, str::FromStr};

    use autosurgeon::{Hydrate, HydrateError, Prop, ReadDoc, Reconcile, Reconciler};

    use super::{Items, Removable};

    /// Writes every item; a key no longer here is deleted.
    pub fn reconcile<K, V, R>(items: &Items<K, V>, reconciler: R) -> Result<(), R::Error>
    where
        K: Ord + ToString,
        V: Reconcile,
        R: Reconciler,
    {
        autosurgeon::map_with_parseable_keys::reconcile(
            items.live.iter().chain(items.removed.iter()),
            reconciler,
        )
    }

    /// Reads every item; each goes where its flag says.
    pub fn hydrate<D, K, V>(
        doc: &D,
        obj: &automerge::ObjId,
        prop: Prop<'_>,
    ) -> Result<Items<K, V>, HydrateError>
    where
        D: ReadDoc,
        K: Ord + FromStr,
        K::Err: Error + Send + Sync + 'static,
        V: Hydrate + Removable,
    {
        autosurgeon::map_with_parseable_keys::hydrate(doc, obj, prop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Note {
        text: &'static str,
        removed: bool,
    }
    removable!(Note);

    fn note(text: &'static str) -> Note {
        Note {
            text,
            removed: false,
        }
    }

    #[test]
    fn a_removed_item_is_not_live_but_is_kept_and_comes_back() {
        let mut items: Items<u8, Note> = Items::default();
        items.insert(1, note("a"));
        items.insert(2, note("b"));
        assert_eq!(items.remove(&1), Some(note("a")));
        assert_eq!(items.keys().copied().collect::<Vec<_>>(), vec![2]);
        assert_eq!(items.len(), 1);
        assert!(items.removed()[&1].removed);
        assert_eq!(
            (&items).into_iter().count(),
            1,
            "iterating sees the live one"
        );
        assert_eq!(items.remove(&1), None, "already removed");
        assert!(items.restore(&1));
        assert_eq!(items.get(&1), Some(&note("a")));
        assert!(!items.restore(&1), "restoring twice changes nothing");
        assert!(items.removed().is_empty());
    }

    #[test]
    fn reading_splits_by_the_flag_and_inserting_replaces_a_removed_item() {
        let mut gone = note("gone");
        gone.removed = true;
        let mut items: Items<u8, Note> = [(1, note("live")), (2, gone)].into_iter().collect();
        assert_eq!(items.len(), 1);
        assert_eq!(items.removed().len(), 1);
        items.insert(2, note("new"));
        assert!(items.removed().is_empty(), "no id both live and removed");
        assert_eq!(items.get(&2), Some(&note("new")));
    }
}
