//! An editor with a valid credential sends a change that upstream Automerge applies but
//! after which the saved partnership no longer loads (or that panics on the way in): a
//! start_op below its dependencies' ops, a pred naming no op, a seq gap. The relay refuses
//! each on that connection ("could not be applied"), forwards nothing of it to the other
//! peers, and the stored partnership still loads after a restart.

mod support;

use std::time::Duration;

use automerge::{
    ActorId, AutoCommit, Change, ChangeHash, legacy,
    sync::{Message as SyncMessage, MessageVersion},
};
use support::{
    Client, RunningRelay, app_dir, doc_with, edit_round_trip, has_notes, joined, refused_with,
    scratch, sync_frame,
};
use tandem_sync::document_id::DocumentId;

const WAIT: Duration = Duration::from_secs(10);

/// A change of actor `[actor; 16]` putting "crafted" at the root's `key`.
fn crafted(
    actor: u8,
    seq: u64,
    start_op: u64,
    deps: Vec<ChangeHash>,
    key: &str,
    pred: Vec<legacy::OpId>,
) -> Change {
    tandem_sync::crafted::put(ActorId::from([actor; 16]), seq, start_op, deps, key, pred)
}

/// An Automerge sync payload carrying `change`, as a peer that has it would send.
fn carrying(change: &Change) -> Vec<u8> {
    SyncMessage {
        heads: vec![change.hash()],
        need: vec![],
        have: vec![],
        changes: vec![change.raw_bytes().to_vec()].into(),
        flags: None,
        version: MessageVersion::V1,
    }
    .encode()
}

#[tokio::test]
async fn a_change_that_would_make_the_partnership_unloadable_is_refused() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let id = DocumentId::from_bytes([0x71; 16]);
    let relay = RunningRelay::start(&data, app.path()).await;
    let owner = relay.owner_of(id).await;
    let mut editor = relay.guest(&owner, id, "editor").await;
    let mut alice = Client::connect(&owner, "alice").await;
    alice.share(id, doc_with("the brief")).await;
    alice.settle(Duration::from_millis(200)).await;
    edit_round_trip(&mut alice, id, " one").await;

    let doc = alice.docs.docs.get_mut(&id).expect("doc");
    let heads = doc.get_heads();
    let max_op = doc
        .get_changes(&[])
        .iter()
        .map(Change::max_op)
        .max()
        .expect("changes");
    let someone = doc.get_changes(&[])[0].actor_id().clone();
    let ghost = legacy::OpId(max_op + 50, someone);
    let attacks = [
        // Its op ids collide with the partnership's: InvalidMaxOp on load.
        (
            "low-start-op",
            crafted(0xee, 1, 2, heads.clone(), "x", vec![]),
        ),
        // Overwrites an op that does not exist: MismatchingHeads on load.
        (
            "ghost-pred",
            crafted(0xee, 1, max_op + 1, heads.clone(), "x", vec![ghost]),
        ),
        // Seq 3 of an actor never seen: a panic while applying.
        (
            "seq-gap",
            crafted(0xee, 3, max_op + 1, heads.clone(), "x", vec![]),
        ),
    ];
    for (name, change) in &attacks {
        let mut raw = joined(&editor, name).await;
        raw.send(sync_frame(&editor, name, id, carrying(change)))
            .await;
        let reason = refused_with(&mut raw).await;
        assert!(reason.contains("could not be applied"), "{name}: {reason}");
        assert!(reason.contains("invalid change"), "{name}: {reason}");
    }

    // The owner's client, connected throughout, never received any of them, and its next
    // edit is acknowledged as before.
    alice.settle(Duration::from_millis(300)).await;
    let doc = alice.docs.docs.get_mut(&id).expect("doc");
    for (name, change) in &attacks {
        assert!(
            doc.get_change_by_hash(&change.hash()).is_none(),
            "{name} was forwarded"
        );
    }
    edit_round_trip(&mut alice, id, " after").await;
    drop(alice);
    relay.stop().await;

    // A new relay process loads what was stored, and a newcomer receives a document that
    // loads, without the crafted changes.
    let relay = RunningRelay::start(&data, app.path()).await;
    editor.moved_to(&relay);
    let mut late = Client::connect(&editor, "late").await;
    late.share(id, AutoCommit::new()).await;
    late.pump_until(WAIT, |c| has_notes(c, id, "the brief one after"))
        .await;
    let doc = late.docs.docs.get_mut(&id).expect("doc");
    let reloaded = AutoCommit::load(&doc.save()).expect("the partnership loads");
    assert_eq!(reloaded.clone().get_heads(), doc.get_heads());
    for (name, change) in &attacks {
        assert!(
            doc.get_change_by_hash(&change.hash()).is_none(),
            "{name} was stored"
        );
    }
    drop(late);
    relay.stop().await;
}
