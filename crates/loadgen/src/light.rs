//! Light peers: the traffic of a caught-up peer without the Automerge replica behind it.
//!
//! A full peer (`--peers-mode full`) keeps the whole document: it applies every other
//! peer's change and runs Automerge's sync protocol, so on a 2-core machine the generator
//! runs out of CPU long before a relay does. A light peer (`--peers-mode light`) keeps no
//! document; it remembers the heads the server announced, the highest operation counter
//! it has seen, and its own changes not yet acknowledged, and speaks the sync protocol by
//! hand:
//!
//! - **Sending.** Each edit is one change built directly (two map puts on the root, as a
//!   full peer makes them), with the dependencies a caught-up peer would give it: the heads
//!   it has (the server's last announced heads, or its own newer change), a start op above
//!   every operation it has seen, and each put's predecessor its own previous put on that
//!   key. So the server's document has the history real peers give it (one head once
//!   everyone has caught up, a few while changes cross), not a branch per peer. It sends
//!   the change at once in a sync message: heads = `[the change]`, `have = [{last_sync:
//!   the heads, empty bloom}]`, no need. (Automerge would send `last_sync` = the heads
//!   shared before and a bloom filter holding the new change; the server applies the
//!   change before it reads `have`, so both ask for the same changes — and a bloom filter
//!   has false positives (~1% at one entry): a server that takes another peer's change for
//!   one this peer has never sends it, and a real peer notices the gap in the heads and
//!   asks for it, which a light one cannot.)
//! - **Receiving.** It decodes each sync message and reads the header of each change (its
//!   author, sequence number, last operation and dependencies) without applying it: the
//!   author and sequence number name the peer and its edit counter. It answers as a
//!   caught-up peer would: heads = the server's announced heads (with its own newer change
//!   in place of its ancestors if the server has not got it yet), `have = [{last_sync:
//!   those heads, empty bloom}]`, only when those heads differ from the last it sent (as
//!   Automerge does). The server's sync state moves on and it sends only new changes.
//!
//! What it does not do: apply changes (so it never finds out that a change is invalid),
//! ask for changes it lacks, or notice a server that announces heads it never sent.
//! Actor ids are `loadpeer` + the peer's index in 8 decimal digits, so a receiver knows
//! whose change it got without a lookup table.

use std::{
    collections::{HashSet, VecDeque},
    num::NonZeroU64,
};

use automerge::{
    ActorId, Automerge, Change, ChangeHash, ExpandedChange, LoadOptions, ScalarValue,
    VerificationMode,
    legacy::{Op, OpId, OpType},
    sync::{BloomFilter, Have, Message, MessageFlags, MessageVersion},
};

const ACTOR_PREFIX: &[u8] = b"loadpeer";

/// The actor id of peer `index`'s edits.
pub(crate) fn actor_for(index: usize) -> ActorId {
    ActorId::from(format!("loadpeer{:08}", index % 100_000_000).into_bytes())
}

/// Which peer wrote with this actor id, if a light peer did.
pub(crate) fn peer_of(actor: &ActorId) -> Option<usize> {
    let digits = actor.to_bytes().strip_prefix(ACTOR_PREFIX)?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// What a sync message carried: (author, sequence number) of each change, and whether it
/// came as a whole document (Automerge's V2 form, sent when the changes a peer lacks are
/// more than a third of the document).
#[derive(Debug, Default)]
pub(crate) struct Carried {
    pub changes: Vec<Carries>,
    pub whole_documents: usize,
    /// Whole documents whose rebuilt changes did not match their saved heads.
    pub unverified_documents: usize,
}

/// One change's header.
#[derive(Debug)]
pub(crate) struct Carries {
    pub hash: ChangeHash,
    pub actor: ActorId,
    pub seq: u64,
    pub max_op: u64,
    pub deps: Vec<ChangeHash>,
}

impl From<&Change> for Carries {
    fn from(c: &Change) -> Self {
        Carries {
            hash: c.hash(),
            actor: c.actor_id().clone(),
            seq: c.seq(),
            max_op: c.max_op(),
            deps: c.deps().to_vec(),
        }
    }
}

/// Reads who wrote each change in a sync message, without applying anything.
///
/// An entry of the message's change list holds one or more storage chunks back to back
/// (Automerge 0.12 joins all changes into one entry when the other side supports its V2
/// messages): each is 4 magic bytes, a 4-byte checksum, a type byte (0 document, 1 change,
/// 2 compressed change), a LEB128 length and that many bytes.
pub(crate) fn changes_in(message: &Message) -> Result<Carried, String> {
    let mut carried = Carried::default();
    for entry in message.changes.iter() {
        let mut rest = entry;
        while !rest.is_empty() {
            let (chunk, after) = split_chunk(rest)?;
            rest = after;
            if chunk[8] == 0 {
                carried.whole_documents += 1;
                // Documents saved by the reference's Automerge (JavaScript) can fail this
                // Automerge's check that the rebuilt changes hash to the saved heads
                // ("mismatching heads"); authors and sequence numbers are still right.
                let doc = match Automerge::load(chunk) {
                    Ok(doc) => doc,
                    Err(_) => {
                        carried.unverified_documents += 1;
                        Automerge::load_with_options(
                            chunk,
                            LoadOptions::new().verification_mode(VerificationMode::DontCheck),
                        )
                        .map_err(|e| format!("a whole document: {e}"))?
                    }
                };
                carried
                    .changes
                    .extend(doc.get_changes(&[]).iter().map(Carries::from));
            } else {
                let change = Change::try_from(chunk).map_err(|e| format!("a change: {e}"))?;
                carried.changes.push(Carries::from(&change));
            }
        }
    }
    Ok(carried)
}

/// The first storage chunk of `bytes`, and what follows it.
fn split_chunk(bytes: &[u8]) -> Result<(&[u8], &[u8]), String> {
    const HEADER: usize = 9;
    if bytes.len() < HEADER + 1 || bytes[..4] != [0x85, 0x6f, 0x4a, 0x83] {
        return Err("not an Automerge storage chunk".into());
    }
    let (mut length, mut shift, mut at) = (0u64, 0u32, HEADER);
    loop {
        let byte = *bytes.get(at).ok_or("a truncated chunk length")?;
        at += 1;
        length |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 56 {
            return Err("a chunk length too long".into());
        }
    }
    let end = usize::try_from(length)
        .ok()
        .and_then(|l| at.checked_add(l))
        .filter(|&end| end <= bytes.len())
        .ok_or("a chunk longer than the message")?;
    Ok(bytes.split_at(end))
}

fn flags() -> Option<MessageFlags> {
    // What Automerge 0.12 sends on every message.
    let mut flags = MessageFlags::new();
    flags.set(MessageFlags::SUPPORTS_SYNC_RESET);
    Some(flags)
}

/// One light peer's side of the sync protocol for its document.
#[derive(Debug)]
pub(crate) struct LightSync {
    actor: ActorId,
    /// What this peer has: the server's last announced heads, or its own newer change.
    heads: Vec<ChangeHash>,
    /// The heads in the last message this peer sent.
    last_sent: Vec<ChangeHash>,
    /// The highest operation counter of any change this peer has.
    max_op: u64,
    /// The changes this peer has (read or made): it builds only on these. A server's
    /// heads can name a change whose bytes come in a later message; a change built on it
    /// could start below that change's operations, which Automerge applies but cannot
    /// load again once saved (`InvalidMaxOp`, "mismatching heads"): a stored document
    /// that no longer loads.
    known: HashSet<ChangeHash>,
    /// This peer's changes so far, and the start op of the last one.
    seq: u64,
    last_start_op: Option<u64>,
    /// Its changes the server has not yet shown it has: (hash, dependencies, bytes).
    pending: VecDeque<(ChangeHash, Vec<ChangeHash>, Vec<u8>)>,
}

impl LightSync {
    /// After the first sync, when the peer and the server both have `heads`, whose
    /// highest operation counter is `max_op`.
    pub(crate) fn new(actor: ActorId, heads: Vec<ChangeHash>, max_op: u64) -> Self {
        LightSync {
            actor,
            last_sent: heads.clone(),
            known: heads.iter().copied().collect(),
            heads,
            max_op,
            seq: 0,
            last_start_op: None,
            pending: VecDeque::new(),
        }
    }

    /// A change another peer made arrived (counted by the caller).
    pub(crate) fn saw(&mut self, change: &Carries) {
        self.max_op = self.max_op.max(change.max_op);
        self.known.insert(change.hash);
        // Someone built on one of this peer's changes: the server has it.
        if let Some(k) = self
            .pending
            .iter()
            .rposition(|(hash, _, _)| change.deps.contains(hash))
        {
            self.pending.drain(..=k);
        }
    }

    /// A new local edit: puts each `(key, value)` on the document's root. Returns the
    /// sync message that carries it.
    pub(crate) fn edit(&mut self, puts: &[(String, i64)]) -> Message {
        let start_op = self.max_op + 1;
        let operations = puts
            .iter()
            .enumerate()
            .map(|(i, (key, value))| Op {
                action: OpType::Put(ScalarValue::Int(*value)),
                obj: automerge::legacy::ObjectId::Root,
                key: key.as_str().into(),
                pred: self
                    .last_start_op
                    .map(|s| OpId(s + i as u64, self.actor.clone()))
                    .into_iter()
                    .collect(),
                insert: false,
            })
            .collect::<Vec<_>>();
        self.seq += 1;
        let change = Change::from(ExpandedChange {
            operations,
            actor_id: self.actor.clone(),
            hash: None,
            seq: self.seq,
            start_op: NonZeroU64::new(start_op).unwrap_or(NonZeroU64::MIN),
            time: 0,
            message: None,
            deps: self.heads.clone(),
            extra_bytes: Vec::new(),
            author: None,
        });
        self.last_start_op = Some(start_op);
        self.max_op = change.max_op();
        let hash = change.hash();
        self.known.insert(hash);
        let bytes = change.raw_bytes().to_vec();
        self.pending
            .push_back((hash, std::mem::take(&mut self.heads), bytes.clone()));
        self.heads = vec![hash];
        self.last_sent = vec![hash];
        Message {
            heads: vec![hash],
            need: Vec::new(),
            have: vec![Have {
                last_sync: vec![hash],
                bloom: BloomFilter::default(),
            }],
            changes: vec![bytes].into(),
            flags: flags(),
            version: MessageVersion::V1,
        }
    }

    /// A sync message from the server (its changes already passed to [`Self::saw`]): the
    /// answer a caught-up peer would send, if any.
    pub(crate) fn receive(&mut self, message: &Message) -> Option<Message> {
        if let Some(k) = self
            .pending
            .iter()
            .rposition(|(hash, _, _)| message.heads.contains(hash))
        {
            self.pending.drain(..=k);
        }
        let mut heads: Vec<ChangeHash> = match self.pending.back() {
            None => message.heads.clone(),
            // The server has not got this peer's newest change yet: that change replaces
            // its own ancestors among the server's heads.
            Some((newest, _, _)) => message
                .heads
                .iter()
                .filter(|h| {
                    !self
                        .pending
                        .iter()
                        .any(|(own, deps, _)| own == *h || deps.contains(h))
                })
                .copied()
                .chain(std::iter::once(*newest))
                .collect(),
        };
        heads.sort_unstable();
        heads.dedup();
        // Heads whose changes have not arrived yet: keep building on what this peer has
        // until they do (the server sends them; a later message names them again).
        if heads.iter().any(|h| !self.known.contains(h)) {
            heads.clone_from(&self.heads);
        }
        let needed: Vec<Vec<u8>> = message
            .need
            .iter()
            .filter_map(|h| {
                self.pending
                    .iter()
                    .find(|(own, _, _)| own == h)
                    .map(|(_, _, bytes)| bytes.clone())
            })
            .collect();
        self.heads.clone_from(&heads);
        if heads == self.last_sent && needed.is_empty() {
            return None;
        }
        self.last_sent.clone_from(&heads);
        Some(Message {
            heads: heads.clone(),
            need: Vec::new(),
            have: vec![Have {
                last_sync: heads,
                bloom: BloomFilter::default(),
            }],
            changes: needed.into(),
            flags: flags(),
            version: MessageVersion::V1,
        })
    }
}

#[cfg(test)]
mod tests {
    //! A real Automerge document with a sync state per light peer plays the server.

    use automerge::{
        AutoCommit, ROOT, ReadDoc,
        sync::{State, SyncDoc},
        transaction::Transactable,
    };

    use super::*;

    struct Server {
        doc: AutoCommit,
        states: Vec<State>,
    }

    impl Server {
        fn receive(&mut self, from: usize, m: Message) {
            let m = Message::decode(&m.encode()).expect("decodes");
            let state = &mut self.states[from];
            self.doc
                .sync()
                .receive_sync_message(state, m)
                .expect("the server accepts it");
        }
        fn send(&mut self, to: usize) -> Option<Message> {
            let state = &mut self.states[to];
            self.doc.sync().generate_sync_message(state)
        }
    }

    const PEERS: usize = 3;

    /// Three light peers on a server document: every change reaches every other peer
    /// exactly once, nobody gets their own changes back, the exchange goes quiet, and the
    /// server's document is what full peers would have made (one value per key, one head
    /// once everyone has caught up).
    /// A server's heads name a change this peer has not read yet: the peer's next
    /// change must not build on it (its operations could start below that change's,
    /// and the saved document would not load again), and builds on it once it arrives.
    #[test]
    fn a_peer_builds_only_on_changes_it_has() {
        let mut seed = AutoCommit::new();
        seed.put(ROOT, "load", "seed").expect("put");
        seed.commit();
        let heads = seed.get_heads();
        let max_op = seed.get_changes(&[]).iter().map(|c| c.max_op()).max();
        let max_op = max_op.unwrap_or(0);
        let mut server = Server {
            doc: seed.fork(),
            states: vec![State::new(); 2],
        };
        let mut one = LightSync::new(actor_for(1), heads.clone(), max_op);
        for k in 0..5 {
            server.receive(1, one.edit(&[("p1".into(), k), ("t1".into(), k)]));
        }
        let mut zero = LightSync::new(actor_for(0), heads, max_op);
        // The server's heads arrive before its changes do.
        let ahead = Message {
            heads: server.doc.get_heads(),
            need: Vec::new(),
            have: Vec::new(),
            changes: Vec::<Vec<u8>>::new().into(),
            flags: flags(),
            version: MessageVersion::V1,
        };
        let _ = zero.receive(&ahead);
        server.receive(0, zero.edit(&[("p0".into(), 1), ("t0".into(), 1)]));
        let loaded = Automerge::load(&server.doc.save()).expect("the saved document loads");
        assert_eq!(loaded.get_heads(), server.doc.get_heads());
        // Once peer 1's changes have arrived, peer 0 builds on them.
        for change in server.doc.get_changes(&[]) {
            zero.saw(&Carries::from(&change));
        }
        let _ = zero.receive(&ahead);
        server.receive(0, zero.edit(&[("p0".into(), 2), ("t0".into(), 2)]));
        assert_eq!(
            server.doc.get_heads().len(),
            1,
            "built on everything it had"
        );
        let loaded = Automerge::load(&server.doc.save()).expect("the saved document loads");
        assert_eq!(loaded.get_heads(), server.doc.get_heads());
    }

    #[test]
    fn each_change_arrives_once_and_the_exchange_goes_quiet() {
        let mut seed = AutoCommit::new();
        seed.put(ROOT, "load", "seed").expect("put");
        seed.commit();
        let mut server = Server {
            doc: seed.fork(),
            states: vec![State::new(); PEERS],
        };
        // The first sync goes through Automerge, as the session does it in the generator.
        let mut light = Vec::new();
        for n in 0..PEERS {
            let mut doc = seed.fork().with_actor(actor_for(n));
            let mut state = State::new();
            for _ in 0..4 {
                if let Some(m) = doc.sync().generate_sync_message(&mut state) {
                    server.receive(n, m);
                }
                if let Some(m) = server.send(n) {
                    doc.sync()
                        .receive_sync_message(&mut state, m)
                        .expect("peer");
                }
            }
            let max_op = doc.get_changes(&[]).iter().map(|c| c.max_op()).max();
            light.push(LightSync::new(
                actor_for(n),
                doc.get_heads(),
                max_op.unwrap_or(0),
            ));
        }
        let mut seen = [[0u64; PEERS]; PEERS];
        let mut made = [0u64; PEERS];
        let mut duplicates = 0;
        let mut whole = 0;
        for round in 1..=30u64 {
            // Peers edit in turn, some rounds two or three at once (concurrent changes);
            // the last round only peer 0.
            for n in 0..PEERS {
                let edits = if round == 30 {
                    n == 0
                } else {
                    round % 3 == n as u64 || round % 5 == 0 || round % 7 == 0
                };
                if edits {
                    made[n] += 1;
                    let counter = made[n] as i64;
                    let m = light[n].edit(&[
                        (format!("p{n}"), counter),
                        (format!("t{n}"), counter * 1000),
                    ]);
                    server.receive(n, m);
                }
            }
            for _ in 0..4 {
                for n in 0..PEERS {
                    let Some(m) = server.send(n) else { continue };
                    let m = Message::decode(&m.encode()).expect("decodes");
                    let carried = changes_in(&m).expect("parses");
                    whole += carried.whole_documents;
                    for change in carried.changes {
                        light[n].saw(&change);
                        let Some(from) = peer_of(&change.actor) else {
                            continue;
                        };
                        if from == n {
                            assert!(
                                carried.whole_documents > 0,
                                "peer {n} got its own change back"
                            );
                            continue;
                        }
                        if carried.whole_documents == 0 && change.seq <= seen[n][from] {
                            duplicates += 1;
                        }
                        seen[n][from] = seen[n][from].max(change.seq);
                    }
                    if let Some(reply) = light[n].receive(&m) {
                        server.receive(n, reply);
                    }
                }
            }
            for n in 0..PEERS {
                assert!(
                    server.send(n).is_none(),
                    "round {round}: the exchange with peer {n} did not go quiet"
                );
            }
        }
        assert_eq!(duplicates, 0, "the server sent changes twice");
        for n in 0..PEERS {
            for from in 0..PEERS {
                if from != n {
                    assert_eq!(seen[n][from], made[from], "peer {n} missed edits of {from}");
                }
            }
            // One value per key: each put replaced the peer's previous one.
            let values = server.doc.get_all(ROOT, format!("p{n}")).expect("read");
            assert_eq!(values.len(), 1, "p{n} has conflicting values");
            assert_eq!(values[0].0.as_i64(), Some(made[n] as i64));
        }
        // Built on everything they had seen, as real peers do: one head at the end.
        assert_eq!(server.doc.get_heads().len(), 1);
        // The answers moved the server's view of each peer on: it knows every peer has
        // everything, and keeps no sent change unacknowledged.
        for (n, state) in server.states.iter().enumerate() {
            assert_eq!(
                state.their_heads,
                Some(server.doc.get_heads()),
                "the server does not know peer {n} is caught up"
            );
            assert!(
                state.sent_hashes.is_empty(),
                "peer {n}: changes unacknowledged"
            );
        }
        // What a relay stores and loads again (compaction, another instance): the changes
        // as light peers built them must survive Automerge's save and a strict load.
        let saved = server.doc.save();
        let loaded = Automerge::load(&saved).expect("the saved document loads");
        assert_eq!(loaded.get_heads(), server.doc.get_heads());
        eprintln!("whole documents sent: {whole}");
    }

    #[test]
    fn actor_ids_name_the_peer() {
        assert_eq!(peer_of(&actor_for(0)), Some(0));
        assert_eq!(peer_of(&actor_for(1234)), Some(1234));
        assert_eq!(peer_of(&ActorId::random()), None);
    }
}
