//! The vendored automerge caches a document's last save by its heads and queued changes
//! (vendor/automerge/PATCH.md §3): the relay answers every newcomer with one. A cached save
//! must never be a stale one.

use automerge::{AutoCommit, ROOT, ReadDoc, transaction::Transactable};

fn loaded(bytes: &[u8]) -> AutoCommit {
    AutoCommit::load(bytes).expect("a save loads")
}

#[test]
fn a_save_after_any_change_is_a_new_one() {
    let mut doc = AutoCommit::new();
    let mut last = doc.save();
    for i in 0..50u64 {
        doc.put(ROOT, format!("k{}", i % 7), i).expect("puts");
        doc.commit();
        let again = doc.save();
        assert_ne!(again, last, "edit {i} changed the save");
        // Saved twice at the same heads: the same bytes, and they hold the edit.
        assert_eq!(doc.save(), again);
        let mut back = loaded(&again);
        assert_eq!(back.get_heads(), doc.get_heads());
        let (value, _) = back
            .get(ROOT, format!("k{}", i % 7))
            .expect("reads")
            .expect("has it");
        assert_eq!(value.as_u64(), Some(i));
        last = again;
    }
}

#[test]
fn queued_changes_are_part_of_the_cached_save() {
    let mut source = AutoCommit::new();
    source.put(ROOT, "a", 1).expect("puts");
    source.commit();
    let first = source.save();
    source.put(ROOT, "b", 2).expect("puts");
    source.commit();
    let later = source.save_after(&loaded(&first).get_heads());

    let mut doc = AutoCommit::new();
    let empty = doc.save();
    // A change whose dependency has not arrived waits in the queue: the heads stay the
    // same, but the save (which keeps it) must not be the cached one.
    doc.load_incremental(&later).expect("queues it");
    assert!(doc.get_heads().is_empty());
    let with_orphan = doc.save();
    assert_ne!(with_orphan, empty);
    doc.load_incremental(&first).expect("applies both");
    let mut back = loaded(&doc.save());
    assert_eq!(back.get_heads(), source.get_heads());
}

#[test]
fn a_fork_does_not_share_the_cache() {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "a", 1).expect("puts");
    doc.commit();
    let saved = doc.save();
    let mut fork = doc.fork();
    fork.put(ROOT, "a", 2).expect("puts");
    fork.commit();
    assert_ne!(fork.save(), saved);
    assert_eq!(doc.save(), saved);
}
