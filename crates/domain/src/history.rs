//! Who changed what, when: a partnership's changes grouped into editing sessions.
//!
//! Every change Tandem makes carries a message in words ("changed the 2027-Q2 theme",
//! "added campaign “Spring drop” (RU) to 2027-Q1") and a time. The person behind an
//! Automerge actor is the name recorded under that actor in the document's `people` map
//! (written by the first change a person makes under a name). A session is a run of
//! changes by one actor with no pause longer than [`SESSION_GAP_MS`]; its repeated messages
//! (a keystroke is a change) are counted, not listed.

mod describe;

use std::collections::{BTreeMap, BTreeSet};

pub use describe::describe_change;

use automerge::ChangeHash;
use autosurgeon::{Hydrate, Reconcile};

use crate::{
    document::{LoadError, PartnershipDoc},
    partnership::Partnership,
};

/// A pause longer than this starts a new session.
pub const SESSION_GAP_MS: i64 = 30 * 60 * 1000;

/// A person as recorded in the document, under the actor they edit with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hydrate, Reconcile)]
pub struct Author {
    pub name: String,
    /// "brand" or "creator" (free text from older versions is kept as it is).
    pub side: String,
}

/// One change: who (actor), when, what.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub hash: ChangeHash,
    pub actor: String,
    pub time_ms: i64,
    pub message: String,
}

/// A run of changes by one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub actor: String,
    /// Who that is, if they recorded a name.
    pub author: Option<Author>,
    pub start_ms: i64,
    pub end_ms: i64,
    /// What they did, in order of first appearance, with how many changes each took.
    pub summary: Vec<(String, usize)>,
    /// The changes in the session.
    pub hashes: Vec<ChangeHash>,
    /// The partnership as it was right after the session (heads to open it at).
    pub version: Vec<ChangeHash>,
}

impl Session {
    pub fn changes(&self) -> usize {
        self.hashes.len()
    }
}

impl PartnershipDoc {
    /// This replica's actor, as the `people` map keys it.
    pub fn actor_hex(&self) -> String {
        self.automerge().get_actor().to_hex_string()
    }

    /// Every change, oldest first (by time; causal order among equal times).
    pub fn edits(&mut self) -> Vec<Edit> {
        let mut edits: Vec<Edit> = self
            .automerge_mut()
            .get_changes_meta(&[])
            .into_iter()
            .map(|c| Edit {
                hash: c.hash,
                actor: c.actor.to_hex_string(),
                time_ms: c.timestamp,
                message: c.message.map(|m| m.into_owned()).unwrap_or_default(),
            })
            .collect();
        // A stable sort keeps causal order for changes made in the same millisecond.
        edits.sort_by_key(|e| e.time_ms);
        edits
    }

    /// The partnership as it was at `heads` (read-only: a fork, never stored).
    pub fn partnership_at(&mut self, heads: &[ChangeHash]) -> Result<Partnership, LoadError> {
        let fork = self
            .automerge_mut()
            .fork_at(heads)
            .map_err(|e| LoadError::Corrupt(e.to_string()))?;
        PartnershipDoc::from_automerge(fork).partnership()
    }

    /// The changes made after `heads` (what is new since a visit at `heads`).
    pub fn changed_since(&mut self, heads: &[ChangeHash]) -> BTreeSet<ChangeHash> {
        let known: Vec<ChangeHash> = heads
            .iter()
            .filter(|h| self.automerge_mut().get_change_meta_by_hash(h).is_some())
            .copied()
            .collect();
        self.automerge_mut()
            .get_changes_meta(&known)
            .into_iter()
            .map(|c| c.hash)
            .collect()
    }

    /// The history as sessions, newest first.
    pub fn sessions(&mut self) -> Vec<Session> {
        let people = self.partnership().map(|p| p.people).unwrap_or_default();
        let edits = self.edits();
        let deps: BTreeMap<ChangeHash, Vec<ChangeHash>> = self
            .automerge_mut()
            .get_changes_meta(&[])
            .into_iter()
            .map(|c| (c.hash, c.deps))
            .collect();
        sessions_of(&edits, &deps, &people)
    }
}

/// Groups time-ordered edits into sessions (newest first).
pub fn sessions_of(
    edits: &[Edit],
    deps: &BTreeMap<ChangeHash, Vec<ChangeHash>>,
    people: &BTreeMap<String, Author>,
) -> Vec<Session> {
    let mut sessions: Vec<Session> = Vec::new();
    // The heads of everything up to the current edit.
    let mut heads: BTreeSet<ChangeHash> = BTreeSet::new();
    for edit in edits {
        for d in deps.get(&edit.hash).into_iter().flatten() {
            heads.remove(d);
        }
        heads.insert(edit.hash);
        let continues = sessions
            .last()
            .is_some_and(|s| s.actor == edit.actor && edit.time_ms - s.end_ms <= SESSION_GAP_MS);
        if !continues {
            sessions.push(Session {
                actor: edit.actor.clone(),
                author: people.get(&edit.actor).cloned(),
                start_ms: edit.time_ms,
                end_ms: edit.time_ms,
                summary: Vec::new(),
                hashes: Vec::new(),
                version: Vec::new(),
            });
        }
        let Some(session) = sessions.last_mut() else {
            continue;
        };
        session.end_ms = edit.time_ms;
        session.hashes.push(edit.hash);
        session.version = heads.iter().copied().collect();
        let message = if edit.message.is_empty() {
            "made a change".to_owned()
        } else {
            edit.message.clone()
        };
        match session.summary.iter_mut().find(|(m, _)| *m == message) {
            Some((_, n)) => *n += 1,
            None => session.summary.push((message, 1)),
        }
    }
    sessions.reverse();
    sessions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{market::parse_market_list, partnership::NewPartnership, quarter::QuarterId};

    fn new_doc() -> PartnershipDoc {
        let new = NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша".into(),
            markets: parse_market_list("RU, US").expect("markets"),
            first_quarter: "2027-Q1".parse::<QuarterId>().expect("quarter"),
            quarters: 2,
        };
        PartnershipDoc::create(&new, 1_000).expect("creates")
    }

    #[test]
    fn sessions_group_by_person_and_pause_and_open_old_versions() {
        let mut brand = new_doc();
        let q: QuarterId = "2027-Q1".parse().expect("quarter");
        let anna = brand.actor_hex();
        brand
            .change(60_000, "changed the 2027-Q1 theme", |p| {
                p.people.insert(
                    anna.clone(),
                    Author {
                        name: "Anna".into(),
                        side: "brand".into(),
                    },
                );
                p.set_theme(q, "W")
            })
            .expect("edit");
        brand
            .change(61_000, "changed the 2027-Q1 theme", |p| {
                p.set_theme(q, "Winter")
            })
            .expect("edit");
        let mut creator = brand.fork();
        let masha = creator.actor_hex();
        creator
            .change(120_000, "changed the larger goal", |p| {
                p.people.insert(
                    masha.clone(),
                    Author {
                        name: "Маша".into(),
                        side: "creator".into(),
                    },
                );
                p.set_goal("Reach");
                Ok(())
            })
            .expect("edit");
        brand.merge(&mut creator).expect("merge");
        // Anna comes back after a long pause: a new session.
        brand
            .change(
                120_000 + SESSION_GAP_MS + 1,
                "changed the 2027-Q1 theme",
                |p| p.set_theme(q, "Spring"),
            )
            .expect("edit");

        let sessions = brand.sessions();
        let who: Vec<(Option<&str>, usize)> = sessions
            .iter()
            .map(|s| (s.author.as_ref().map(|a| a.name.as_str()), s.changes()))
            .collect();
        // Newest first: Anna again, Маша, then Anna creating it and typing two keystrokes.
        assert_eq!(
            who,
            vec![(Some("Anna"), 1), (Some("Маша"), 1), (Some("Anna"), 3)]
        );
        assert_eq!(
            sessions[2].summary,
            vec![
                ("create partnership".to_owned(), 1),
                ("changed the 2027-Q1 theme".to_owned(), 2)
            ]
        );

        // The version after Маша's session has her goal and Anna's first theme.
        let then = brand
            .partnership_at(&sessions[1].version)
            .expect("old version");
        assert_eq!(then.goal.as_str(), "Reach");
        assert_eq!(then.quarters[&q].theme.as_str(), "Winter");
        let now = brand.partnership().expect("now");
        assert_eq!(now.quarters[&q].theme.as_str(), "Spring");

        // What is new since a visit right after Anna's first session: Маша's and Anna's later edits.
        let seen = sessions[2].version.clone();
        let new = brand.changed_since(&seen);
        assert_eq!(new.len(), 2);
        assert!(sessions[0].hashes.iter().all(|h| new.contains(h)));
        assert!(sessions[1].hashes.iter().all(|h| new.contains(h)));
    }
}
