//! The trace replayed natively, with the same Automerge calls the JavaScript replay makes.

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use automerge::{
    ActorId, AutoCommit, LoadOptions, ObjId, ObjType, ReadDoc, ScalarValue, TextEncoding,
    transaction::{CommitOptions, Transactable},
};

use crate::trace::{Op, Trace};

/// Opens the trace's base document as the replaying actor, indexing text in UTF-16 code
/// units like the JavaScript library (the trace's positions are in those units).
pub fn open_base(trace: &Trace) -> Result<AutoCommit> {
    let options = LoadOptions::new().text_encoding(TextEncoding::Utf16CodeUnit);
    let mut doc = AutoCommit::load_with_options(&trace.base, options)?;
    doc.set_actor(ActorId::from(trace.actor.clone()));
    Ok(doc)
}

/// Applies every change of the trace, one Automerge change each.
pub fn apply(doc: &mut AutoCommit, trace: &Trace) -> Result<()> {
    let mut objects: HashMap<usize, ObjId> = HashMap::new();
    for change in &trace.changes {
        for op in &change.ops {
            match op {
                Op::Splice {
                    path,
                    pos,
                    del,
                    text,
                } => {
                    let obj = object(doc, trace, &mut objects, *path)?;
                    doc.splice_text(&obj, *pos, *del as isize, text)?;
                }
                Op::Set { path, key, value } => {
                    let obj = object(doc, trace, &mut objects, *path)?;
                    doc.put(&obj, key.as_str(), ScalarValue::Str(value.as_str().into()))?;
                }
            }
        }
        let message = trace
            .messages
            .get(change.message)
            .ok_or_else(|| anyhow!("no message {}", change.message))?;
        doc.commit_with(
            CommitOptions::default()
                .with_time(change.time)
                .with_message(message.as_str()),
        );
    }
    Ok(())
}

/// The object at a path (looked up once, then remembered: objects never move).
fn object(
    doc: &AutoCommit,
    trace: &Trace,
    cache: &mut HashMap<usize, ObjId>,
    path: usize,
) -> Result<ObjId> {
    if let Some(obj) = cache.get(&path) {
        return Ok(obj.clone());
    }
    let keys = trace
        .paths
        .get(path)
        .ok_or_else(|| anyhow!("no path {path}"))?;
    let mut obj = automerge::ROOT;
    for key in keys {
        obj = match doc.get(&obj, key.as_str())? {
            Some((automerge::Value::Object(ObjType::Map | ObjType::Text), id)) => id,
            _ => return Err(anyhow!("{keys:?}: no object at {key:?}")),
        };
    }
    cache.insert(path, obj.clone());
    Ok(obj)
}

/// Checks every text field holds what the trace says it ends with.
pub fn verify(doc: &AutoCommit, trace: &Trace) -> Result<()> {
    let mut cache = HashMap::new();
    for (path, want) in &trace.expected {
        let obj = object(doc, trace, &mut cache, *path)?;
        let got = doc.text(&obj)?;
        if got != *want {
            return Err(anyhow!(
                "{:?} differs after the replay ({} vs {} characters)",
                trace.paths[*path],
                got.chars().count(),
                want.chars().count()
            ));
        }
    }
    Ok(())
}
