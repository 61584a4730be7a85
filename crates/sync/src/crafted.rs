//! For tests of what a peer may send: a hand-built Automerge change, with whatever seq,
//! start op, dependencies and preds the test chooses — including ones an honest peer never
//! makes (`crates/sync/tests/invalid_changes.rs`, the relay's `tests/invalid_changes.rs`).

use automerge::{
    ActorId, Change, ChangeHash, ExpandedChange,
    legacy::{self, ObjectId, OpType},
};

/// A change of `actor` putting "crafted" at the root's `key` (preds `pred`), seq,
/// start op and deps as given. Panics on a zero `start_op`.
pub fn put(
    actor: ActorId,
    seq: u64,
    start_op: u64,
    deps: Vec<ChangeHash>,
    key: &str,
    pred: Vec<legacy::OpId>,
) -> Change {
    Change::from(ExpandedChange {
        operations: vec![legacy::Op {
            action: OpType::Put("crafted".into()),
            obj: ObjectId::Root,
            key: legacy::Key::Map(key.into()),
            pred: pred.into(),
            insert: false,
        }],
        actor_id: actor,
        hash: None,
        seq,
        start_op: start_op.try_into().expect("a non-zero start_op"),
        time: 0,
        message: None,
        deps,
        extra_bytes: vec![],
        author: None,
    })
}
