//! Changes a peer with write access can craft that upstream Automerge applies but after
//! which the saved document no longer loads (or that panic on the way in). The vendored
//! Automerge (PATCH.md §4) refuses each with an error, applies nothing of the call that
//! carried it, and the document still saves and loads. Honest concurrent changes are still
//! accepted.

use automerge::{
    ActorId, Automerge, AutomergeError, Change, ROOT,
    legacy::{self, ObjectId, OpType},
    transaction::Transactable,
};

fn actor(byte: u8) -> ActorId {
    ActorId::from([byte; 16].as_slice())
}

/// A document by actor 0xaa with one change of five puts (ops 1..=5).
fn base() -> Automerge {
    let mut doc = Automerge::new().with_actor(actor(0xaa));
    let mut tx = doc.transaction();
    for i in 0..5 {
        tx.put(ROOT, format!("k{i}"), i).expect("put");
    }
    tx.commit();
    doc
}

use tandem_sync::crafted::put as crafted;

/// Applies `changes` to `doc`, expects a refusal, and checks that nothing changed and the
/// document still round-trips.
fn assert_refused(doc: &mut Automerge, changes: Vec<Change>) -> AutomergeError {
    let heads = doc.get_heads();
    let saved = doc.save();
    let error = doc
        .apply_changes(changes)
        .expect_err("the change is refused");
    assert_eq!(doc.get_heads(), heads, "nothing was applied");
    assert_eq!(doc.save(), saved, "nothing was stored, nothing queued");
    let loaded = Automerge::load(&doc.save()).expect("the document still loads");
    assert_eq!(loaded.get_heads(), heads);
    error
}

fn assert_loads(doc: &mut Automerge) {
    let loaded = Automerge::load(&doc.save()).expect("the document loads");
    assert_eq!(loaded.get_heads(), doc.get_heads());
}

#[test]
fn start_op_below_the_deps_max_op_is_refused() {
    let mut doc = base();
    let heads = doc.get_heads();
    let low = crafted(actor(0xbb), 1, 2, heads.clone(), "x", vec![]);
    let error = assert_refused(&mut doc, vec![low]);
    assert!(
        matches!(error, AutomergeError::InvalidChange { .. }),
        "{error}"
    );
    // Equal to the deps' max op is as bad: op 5 would exist twice.
    let equal = crafted(actor(0xbb), 1, 5, heads, "x", vec![]);
    assert_refused(&mut doc, vec![equal]);
}

#[test]
fn a_pred_naming_no_op_is_refused() {
    let mut doc = base();
    let heads = doc.get_heads();
    let ghost = legacy::OpId(99, actor(0xaa));
    let change = crafted(actor(0xbb), 1, 6, heads.clone(), "k0", vec![ghost]);
    assert_refused(&mut doc, vec![change]);
    // A pred of an actor the document has never seen.
    let stranger = legacy::OpId(1, actor(0xcc));
    let change = crafted(actor(0xbb), 1, 6, heads, "k0", vec![stranger]);
    assert_refused(&mut doc, vec![change]);
}

#[test]
fn a_pred_naming_a_later_op_of_the_same_change_is_refused() {
    let mut doc = base();
    let heads = doc.get_heads();
    let own_future = legacy::OpId(6, actor(0xbb));
    let change = crafted(actor(0xbb), 1, 6, heads, "k0", vec![own_future]);
    assert_refused(&mut doc, vec![change]);
}

#[test]
fn a_seq_whose_previous_change_is_not_an_ancestor_is_refused() {
    let mut doc = base();
    let change = crafted(actor(0xaa), 2, 6, vec![], "x", vec![]);
    assert_refused(&mut doc, vec![change]);
}

#[test]
fn a_seq_gap_of_a_new_actor_is_refused_without_a_panic() {
    let mut doc = base();
    let heads = doc.get_heads();
    let change = crafted(actor(0xcc), 3, 6, heads, "x", vec![]);
    assert_refused(&mut doc, vec![change]);
}

#[test]
fn a_seq_gap_of_a_known_actor_is_refused_without_a_panic() {
    let mut doc = base();
    let heads = doc.get_heads();
    let change = crafted(actor(0xaa), 3, 6, heads, "x", vec![]);
    assert_refused(&mut doc, vec![change]);
}

#[test]
fn a_valid_change_carried_with_an_invalid_one_is_not_applied_either() {
    let mut doc = base();
    let heads = doc.get_heads();
    let good = crafted(actor(0xbb), 1, 6, heads, "x", vec![]);
    let bad = crafted(actor(0xbb), 2, 6, vec![good.hash()], "y", vec![]);
    assert_refused(&mut doc, vec![good.clone(), bad]);
    // The good change alone is still welcome afterwards.
    doc.apply_changes(vec![good.clone()]).expect("applies");
    assert_eq!(doc.get_heads(), vec![good.hash()]);
    assert_loads(&mut doc);
}

#[test]
fn a_queued_invalid_change_is_dropped_when_its_deps_arrive() {
    let mut doc = base();
    let heads = doc.get_heads();
    let good = crafted(actor(0xbb), 1, 6, heads, "x", vec![]);
    // Waits in the queue for `good`; its start_op is below `good`'s op 6.
    let bad = crafted(actor(0xdd), 1, 6, vec![good.hash()], "y", vec![]);
    doc.apply_changes(vec![bad])
        .expect("queued, not yet checked");
    doc.apply_changes(vec![good.clone()])
        .expect("the change that completes the deps is applied");
    assert_eq!(doc.get_heads(), vec![good.hash()]);
    assert_loads(&mut doc);
}

#[test]
fn honest_concurrent_changes_are_accepted() {
    let mut doc = base();
    let old_heads = doc.get_heads();
    let mut other = doc.fork().with_actor(actor(0xbb));
    // Both write ops 6.. on top of the same head.
    let mut tx = doc.transaction();
    tx.put(ROOT, "k0", "mine").expect("put");
    tx.commit();
    let mut tx = other.transaction();
    tx.put(ROOT, "k0", "theirs").expect("put");
    tx.put(ROOT, "k9", "new").expect("put");
    tx.commit();
    let mut tx = other.transaction();
    tx.delete(ROOT, "k1").expect("delete");
    tx.commit();
    let theirs: Vec<Change> = other.get_changes(&old_heads);
    assert_eq!(theirs[0].start_op().get(), 6);
    doc.apply_changes(theirs).expect("honest changes apply");
    assert_eq!(doc.get_heads().len(), 2);
    assert_loads(&mut doc);
    // A crafted change with the same shape (seq 1, start_op above its deps) is fine too.
    let heads = doc.get_heads();
    let max_op = doc.get_changes(&[]).iter().map(Change::max_op).max();
    let next = max_op.expect("changes") + 1;
    let pred = legacy::OpId(4, actor(0xaa));
    let change = crafted(actor(0xcc), 1, next, heads, "k3", vec![pred]);
    doc.apply_changes(vec![change])
        .expect("valid crafted change");
    assert_loads(&mut doc);
}

#[test]
fn an_op_on_an_object_that_does_not_exist_is_refused_without_a_panic() {
    let mut doc = base();
    let heads = doc.get_heads();
    for obj in [legacy::OpId(99, actor(0xaa)), legacy::OpId(1, actor(0xaa))] {
        // Op 99 does not exist; op 1 is a put, not an object.
        let mut change = crafted(actor(0xbb), 1, 6, heads.clone(), "x", vec![]).decode();
        change.operations[0].obj = ObjectId::Id(obj);
        change.hash = None;
        assert_refused(&mut doc, vec![Change::from(change)]);
    }
}

/// `base()` plus a list at "list" (op 6) holding "a" (op 7).
fn with_list() -> Automerge {
    let mut doc = base();
    let mut tx = doc.transaction();
    let list = tx
        .put_object(ROOT, "list", automerge::ObjType::List)
        .expect("list");
    tx.insert(&list, 0, "a").expect("insert");
    tx.commit();
    doc
}

#[test]
fn an_insert_after_an_element_that_does_not_exist_is_refused_without_a_panic() {
    let mut doc = with_list();
    let heads = doc.get_heads();
    let list = ObjectId::Id(legacy::OpId(6, actor(0xaa)));
    // Op 99 does not exist; op 1 is a put in the root map, not an element of the list.
    for elem in [legacy::OpId(99, actor(0xaa)), legacy::OpId(1, actor(0xaa))] {
        let mut change = crafted(actor(0xbb), 1, 8, heads.clone(), "x", vec![]).decode();
        change.operations[0].obj = list.clone();
        change.operations[0].key = legacy::Key::Seq(legacy::ElementId::Id(elem));
        change.operations[0].insert = true;
        change.hash = None;
        assert_refused(&mut doc, vec![Change::from(change)]);
    }
    // After the existing element it is fine.
    let mut change = crafted(actor(0xbb), 1, 8, heads, "x", vec![]).decode();
    change.operations[0].obj = list;
    change.operations[0].key =
        legacy::Key::Seq(legacy::ElementId::Id(legacy::OpId(7, actor(0xaa))));
    change.operations[0].insert = true;
    change.hash = None;
    doc.apply_changes(vec![Change::from(change)])
        .expect("a valid insert");
    assert_loads(&mut doc);
}

#[test]
fn a_pred_on_another_key_is_refused() {
    let mut doc = base();
    let heads = doc.get_heads();
    // Op 1 is the put at "k0"; this put at "k4" claims to overwrite it. Upstream applies
    // it and then panics loading the saved document.
    let k0 = legacy::OpId(1, actor(0xaa));
    let change = crafted(actor(0xbb), 1, 6, heads.clone(), "k4", vec![k0]);
    assert_refused(&mut doc, vec![change]);
    // The same through an op of an earlier change of the same batch…
    let good = crafted(actor(0xbb), 1, 6, heads.clone(), "x", vec![]);
    let x = legacy::OpId(6, actor(0xbb));
    let bad = crafted(actor(0xbb), 2, 7, vec![good.hash()], "y", vec![x.clone()]);
    assert_refused(&mut doc, vec![good.clone(), bad]);
    // …and through an earlier op of the same change.
    let mut change = crafted(actor(0xbb), 1, 6, heads, "x", vec![]).decode();
    let mut second = change.operations[0].clone();
    second.key = legacy::Key::Map("y".into());
    second.pred = vec![x.clone()].into();
    change.operations.push(second);
    change.hash = None;
    assert_refused(&mut doc, vec![Change::from(change)]);
    // Overwriting on the same key is what preds are for.
    let overwrite = crafted(actor(0xbb), 2, 7, vec![good.hash()], "x", vec![x]);
    doc.apply_changes(vec![good, overwrite])
        .expect("a valid overwrite");
    assert_loads(&mut doc);
}

#[test]
fn keys_that_do_not_fit_their_object_and_deletes_of_nothing_are_refused() {
    let mut doc = with_list();
    let heads = doc.get_heads();
    let list = ObjectId::Id(legacy::OpId(6, actor(0xaa)));
    let a = legacy::Key::Seq(legacy::ElementId::Id(legacy::OpId(7, actor(0xaa))));
    let cases: Vec<(&str, ObjectId, legacy::Key, OpType, bool)> = vec![
        (
            "a property in a list",
            list.clone(),
            legacy::Key::Map("z".into()),
            OpType::Put("x".into()),
            false,
        ),
        (
            "an element in a map",
            ObjectId::Root,
            a,
            OpType::Put("x".into()),
            false,
        ),
        (
            "a put at the head of a list",
            list,
            legacy::Key::Seq(legacy::ElementId::Head),
            OpType::Put("x".into()),
            false,
        ),
        (
            "a delete without a pred",
            ObjectId::Root,
            legacy::Key::Map("k0".into()),
            OpType::Delete,
            false,
        ),
    ];
    for (name, obj, key, action, insert) in cases {
        let mut change = crafted(actor(0xbb), 1, 8, heads.clone(), "x", vec![]).decode();
        change.operations[0].obj = obj;
        change.operations[0].key = key;
        change.operations[0].action = action;
        change.operations[0].insert = insert;
        change.hash = None;
        let error = assert_refused(&mut doc, vec![Change::from(change)]);
        println!("{name}: {error}");
    }
}
