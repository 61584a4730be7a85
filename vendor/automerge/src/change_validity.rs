//! Tandem patch (PATCH.md §4): refuse a causally ready change that upstream would apply
//! but after which `save()` writes a document that `load` refuses (or that would panic on
//! the way in).
//!
//! Every change already in the document obeys these rules, so checking each new change
//! against its direct dependencies is enough:
//!
//! 1. its `start_op` is above the `max_op` of every dependency;
//! 2. its `seq` is one more than its actor's seq among its ancestors (the actor's previous
//!    change is an ancestor, and there is no gap);
//! 3. every op's `pred` names an op of its own change (an earlier one) or of an ancestor;
//! 4. every actor an op refers to has a change among its ancestors (or is its own actor),
//!    so resolving the op's actors cannot fail;
//! 5. every op's object is the root or an object made by an earlier op of its own change or
//!    by an ancestor (upstream panics on an op on an object it does not have);
//! 6. a list op's element is an element of that list, and a pred is an op on the same
//!    object and key (upstream panics applying the one, loading the other);
//! 7. an op's key fits its object (a property in a map, an element in a list or text, the
//!    head only for an insert), and a delete has a pred.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::columnar::Key;
use crate::op_set2::KeyRef;
use crate::types::{ElemId, ObjId, OpId};
use crate::{ActorId, Automerge, AutomergeError, Change, ChangeHash};

/// What the check knows about a change of the batch that passed it.
struct Checked {
    max_op: u64,
    /// The actor seqs of this change and its ancestors, by [`ActorIndex`].
    clock: Vec<u64>,
}

/// Numbers every actor seen: the document's actors keep their index, a batch's new actors
/// come after them.
struct ActorIndex<'a> {
    doc_actors: &'a [ActorId],
    new_actors: HashMap<ActorId, usize>,
}

impl<'a> ActorIndex<'a> {
    fn get(&self, actor: &ActorId) -> Option<usize> {
        self.doc_actors
            .binary_search(actor)
            .ok()
            .or_else(|| self.new_actors.get(actor).copied())
    }

    fn get_or_insert(&mut self, actor: &ActorId) -> usize {
        if let Some(index) = self.get(actor) {
            return index;
        }
        let index = self.doc_actors.len() + self.new_actors.len();
        self.new_actors.insert(actor.clone(), index);
        index
    }
}

/// A batch change's ops, for preds that name them: `(start_op, max_op, seq)` in seq order.
type BatchOps = HashMap<usize, Vec<(u64, u64, u64)>>;

/// Checks `changes` (causally ready, in topological order) before any of them is applied.
/// On failure names the first refused change, and why.
///
/// Cost per change: O(ops + preds + deps + actors), plus one walk of the change graph for the
/// dependencies already in the document (`seq_clock_for_heads`, bounded by its clock cache)
/// and, per pred or element naming an op of the document, one lookup of that op by id (the
/// op-id column's index). Memory: a clock per change still awaited by a later change of the
/// batch, and the place of each op of the batch that another op of the batch names.
pub(crate) fn check_ready(
    doc: &Automerge,
    changes: &[Change],
) -> Result<(), (ChangeHash, AutomergeError)> {
    let graph = doc.changes();
    let mut actors = ActorIndex {
        doc_actors: &doc.ops().actors,
        new_actors: HashMap::new(),
    };
    // A checked change is kept only until the last change of the batch that depends on it,
    // so a long batch holds a few clocks, not one per change.
    let mut dependents: HashMap<ChangeHash, usize> =
        changes.iter().map(|c| (c.hash(), 0)).collect();
    for dep in changes.iter().flat_map(|c| c.deps()) {
        if let Some(count) = dependents.get_mut(dep) {
            *count += 1;
        }
    }
    // The ops of the batch that a pred or an element reference names: where they sit is
    // remembered while checking, for the ops that name them (those in the document are
    // looked up by id).
    let mut wanted: HashSet<(usize, u64)> = HashSet::new();
    for change in changes {
        let local: Vec<usize> = change.actors().map(|a| actors.get_or_insert(a)).collect();
        for op in change.iter_ops() {
            let elem = match &op.key {
                Key::Elem(e) if !e.is_head() => Some(e.0),
                Key::Elem(_) => None,
                Key::Prop(_) => None,
            };
            for id in op.pred.iter().chain(elem.as_ref()) {
                if let Some(a) = local.get(id.actor()) {
                    wanted.insert((*a, id.counter()));
                }
            }
        }
    }
    let mut places: HashMap<(usize, u64), Place> = HashMap::new();
    let mut checked: HashMap<ChangeHash, Checked> = HashMap::new();
    let mut batch_ops: BatchOps = HashMap::new();
    // The objects the batch's checked changes make: (actor, counter).
    let mut batch_makes: HashMap<(usize, u64), bool> = HashMap::new();

    for change in changes {
        let hash = change.hash();
        let refuse = |reason: String| (hash, AutomergeError::InvalidChange { hash, reason });
        // OpIds and the change graph hold counters as u32.
        if change.max_op() > u64::from(u32::MAX) {
            return Err(refuse(format!("max_op {} is too large", change.max_op())));
        }

        let mut deps_max_op = 0;
        let mut clock: Vec<u64> = Vec::new();
        let mut in_doc = Vec::new();
        for dep in change.deps() {
            if checked.contains_key(dep) {
                let last = dependents.get_mut(dep).is_some_and(|count| {
                    *count = count.saturating_sub(1);
                    *count == 0
                });
                if last {
                    if let Some(c) = checked.remove(dep) {
                        deps_max_op = deps_max_op.max(c.max_op);
                        if clock.is_empty() {
                            clock = c.clock;
                        } else {
                            merge(&mut clock, &c.clock);
                        }
                    }
                } else if let Some(c) = checked.get(dep) {
                    deps_max_op = deps_max_op.max(c.max_op);
                    merge(&mut clock, &c.clock);
                }
            } else if let Some(max_op) = graph.max_op_for_hash(dep) {
                deps_max_op = deps_max_op.max(max_op);
                in_doc.push(*dep);
            } else {
                return Err(refuse(format!("dependency {dep} is missing")));
            }
        }
        if !in_doc.is_empty() {
            for (index, seq) in graph.seq_clock_for_heads(&in_doc).iter() {
                if let Some(seq) = seq {
                    include(&mut clock, index, u64::from(seq.get()));
                }
            }
        }

        // Rule 1.
        if change.start_op().get() <= deps_max_op {
            return Err(refuse(format!(
                "start_op {} is not above its dependencies' max_op {deps_max_op}",
                change.start_op()
            )));
        }

        // Rule 2.
        let actor = actors.get_or_insert(change.actor_id());
        let previous = clock.get(actor).copied().unwrap_or(0);
        if change.seq() != previous + 1 {
            return Err(refuse(format!(
                "seq {} does not follow its actor's seq {previous} among its ancestors",
                change.seq()
            )));
        }

        // Rule 4: indices of the change's own actor table, mapped to ours.
        let mut change_actors = Vec::with_capacity(1 + change.other_actor_ids().len());
        change_actors.push(actor);
        for other in change.other_actor_ids() {
            match actors.get(other) {
                Some(index) if clock.get(index).is_some_and(|seq| *seq > 0) => {
                    change_actors.push(index)
                }
                _ => {
                    return Err(refuse(format!(
                        "refers to actor {other} not in its history"
                    )))
                }
            }
        }

        // Rules 3 and 5.
        let start_op = change.start_op().get();
        // Own objects made so far, and whether each is a list or text.
        let mut own_makes: HashMap<u64, bool> = HashMap::new();
        for (i, op) in change.iter_ops().enumerate() {
            let counter = start_op + i as u64;
            // Whether the op's object is a sequence (list or text); `None`: no such object.
            let is_seq = match op.obj.id() {
                None => Some(false),
                Some(obj) => {
                    let Some(&obj_actor) = change_actors.get(obj.actor()) else {
                        return Err(refuse(format!("object names actor #{}", obj.actor())));
                    };
                    let obj_counter = obj.counter();
                    let kind = if obj_actor == actor && (start_op..counter).contains(&obj_counter) {
                        own_makes.get(&obj_counter).copied()
                    } else if !in_history(doc, &actors, &batch_ops, &clock, obj_actor, obj_counter)
                    {
                        None
                    } else if obj_actor < actors.doc_actors.len()
                        && graph
                            .seq_for_actor_counter(obj_actor, obj_counter)
                            .is_some()
                    {
                        doc.ops()
                            .object_type(&ObjId(OpId::new(obj_counter, obj_actor)))
                            .map(|t| t.is_sequence())
                    } else {
                        batch_makes.get(&(obj_actor, obj_counter)).copied()
                    };
                    if kind.is_none() {
                        return Err(refuse(format!(
                            "op {counter} is on object {obj_counter}@{} that is not in its history",
                            actors_name(&actors, obj_actor)
                        )));
                    }
                    kind
                }
            };
            // Rule 7: keys fit the object — a property in a map, an element in a list or
            // text, the head only to insert at — and a delete deletes something (upstream
            // applies each, and the saved document does not load: "missing ops").
            let fits = match (&op.key, is_seq) {
                (Key::Prop(_), Some(false)) => true,
                (Key::Elem(e), Some(true)) => op.insert || !e.is_head(),
                _ => false,
            };
            if !fits {
                return Err(refuse(format!(
                    "op {counter} has a key its object cannot have"
                )));
            }
            // Action 3 is delete.
            if op.action == 3 && op.pred.is_empty() {
                return Err(refuse(format!("op {counter} deletes nothing")));
            }
            // Make map (0), list (2), text (4), table (6).
            match op.action {
                0 | 6 => own_makes.insert(counter, false),
                2 | 4 => own_makes.insert(counter, true),
                _ => None,
            };

            // Rule 6: a list op's element is an element of the same list, a pred is an op on
            // the same object and key (upstream panics on either, applying or loading).
            let (Ok(obj), Ok(key)) = (
                op.obj.map(&change_actors),
                op.key.clone().map(&change_actors),
            ) else {
                return Err(refuse(format!("op {counter} names an unknown actor")));
            };
            let place_of = |a: usize, c: u64| {
                places
                    .get(&(a, c))
                    .cloned()
                    .or_else(|| doc_place(doc, &actors, a, c))
            };
            if let KeyRef::Seq(elem) = &key {
                if !elem.is_head() {
                    let (a, c) = (elem.0.actor(), elem.0.counter());
                    let own = a == actor && (start_op..counter).contains(&c);
                    let visible = own || in_history(doc, &actors, &batch_ops, &clock, a, c);
                    if !visible || !place_of(a, c).is_some_and(|p| p.insert && p.obj == obj) {
                        return Err(refuse(format!(
                            "op {counter} refers to element {c}@{} that is not in its list",
                            actors_name(&actors, a)
                        )));
                    }
                }
            }
            if !op.insert {
                for pred in &op.pred {
                    let Some(&a) = change_actors.get(pred.actor()) else {
                        continue; // refused below
                    };
                    let c = pred.counter();
                    if !place_of(a, c).is_some_and(|p| p.obj == obj && p.key == key) {
                        return Err(refuse(format!(
                            "op {counter} has pred {c}@{} on another object or key",
                            actors_name(&actors, a)
                        )));
                    }
                }
            }
            if wanted.contains(&(actor, counter)) {
                let key = if op.insert {
                    KeyRef::Seq(ElemId(OpId::new(counter, actor)))
                } else {
                    key
                };
                places.insert(
                    (actor, counter),
                    Place {
                        obj,
                        key,
                        insert: op.insert,
                    },
                );
            }
            for pred in &op.pred {
                let Some(&pred_actor) = change_actors.get(pred.actor()) else {
                    return Err(refuse(format!("pred names actor #{}", pred.actor())));
                };
                let pred_counter = pred.counter();
                if pred_actor == actor && (start_op..counter).contains(&pred_counter) {
                    continue;
                }
                if !in_history(doc, &actors, &batch_ops, &clock, pred_actor, pred_counter) {
                    return Err(refuse(format!(
                        "op {counter} has pred {pred_counter}@{} that is not in its history",
                        actors_name(&actors, pred_actor)
                    )));
                }
            }
        }

        include(&mut clock, actor, change.seq());
        batch_makes.extend(
            own_makes
                .into_iter()
                .map(|(counter, is_seq)| ((actor, counter), is_seq)),
        );
        batch_ops
            .entry(actor)
            .or_default()
            .push((start_op, change.max_op(), change.seq()));
        if dependents.get(&hash).is_some_and(|count| *count > 0) {
            checked.insert(
                hash,
                Checked {
                    max_op: change.max_op(),
                    clock,
                },
            );
        }
    }
    Ok(())
}

/// Where an op sits: its object, its key (for an insert, its own element id), whether it
/// inserts an element.
#[derive(Clone, Debug)]
struct Place {
    obj: ObjId,
    key: KeyRef<'static>,
    insert: bool,
}

/// Where op `counter@actor` of the document sits, if the document has it.
fn doc_place(
    doc: &Automerge,
    actors: &ActorIndex<'_>,
    actor: usize,
    counter: u64,
) -> Option<Place> {
    if actor >= actors.doc_actors.len() || counter == 0 || counter > u64::from(u32::MAX) {
        return None;
    }
    let (op, _) = doc
        .ops()
        .find_op_by_id_and_vis_fast(&OpId::new(counter, actor))?;
    let key = match op.elemid_or_key() {
        KeyRef::Map(s) => KeyRef::Map(Cow::Owned(s.into_owned())),
        KeyRef::Seq(e) => KeyRef::Seq(e),
    };
    Some(Place {
        obj: op.obj,
        key,
        insert: op.insert,
    })
}

/// Whether op `counter@actor` is in the history whose clock is `clock`.
fn in_history(
    doc: &Automerge,
    actors: &ActorIndex<'_>,
    batch_ops: &BatchOps,
    clock: &[u64],
    actor: usize,
    counter: u64,
) -> bool {
    let known = clock.get(actor).copied().unwrap_or(0);
    seq_for_op(doc, actors, batch_ops, actor, counter).is_some_and(|seq| seq <= known)
}

fn seq_for_op(
    doc: &Automerge,
    actors: &ActorIndex<'_>,
    batch_ops: &BatchOps,
    actor: usize,
    counter: u64,
) -> Option<u64> {
    if actor < actors.doc_actors.len() {
        if let Some(seq) = doc.changes().seq_for_actor_counter(actor, counter) {
            return Some(seq);
        }
    }
    // An actor's checked changes follow each other (rule 2) and their ops ascend (rule 1).
    let ops = batch_ops.get(&actor)?;
    let after = ops.partition_point(|(_, max, _)| *max < counter);
    ops.get(after)
        .filter(|(start, max, _)| (*start..=*max).contains(&counter))
        .map(|(_, _, seq)| *seq)
}

fn actors_name(actors: &ActorIndex<'_>, index: usize) -> String {
    actors
        .doc_actors
        .get(index)
        .or_else(|| {
            actors
                .new_actors
                .iter()
                .find(|(_, i)| **i == index)
                .map(|(a, _)| a)
        })
        .map(ToString::to_string)
        .unwrap_or_default()
}

fn include(clock: &mut Vec<u64>, index: usize, seq: u64) {
    if clock.len() <= index {
        clock.resize(index + 1, 0);
    }
    clock[index] = clock[index].max(seq);
}

fn merge(clock: &mut Vec<u64>, other: &[u64]) {
    for (index, seq) in other.iter().enumerate() {
        include(clock, index, *seq);
    }
}
