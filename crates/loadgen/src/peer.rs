//! One simulated person: a WebSocket to the server, a tandem-sync session, a copy of one
//! document, and a small edit every `1 / rate` seconds.
//!
//! Two kinds ([`PeersMode`]): a *full* peer keeps a replica of the whole document and
//! syncs it with Automerge; a *light* peer keeps no document after the first sync, builds
//! its changes itself and speaks the same protocol by hand (see `light`). Both connect,
//! join and make the first sync (of the seed) through the tandem-sync session.
//!
//! An edit writes two keys of the document root: `p<n>` (this peer's edit counter) and
//! `t<n>` (when it was made, in µs since the run's epoch). The other peers on the document
//! notice the counter move when their copy changes; every edit it skipped over arrived
//! too, and its send time is looked up in the shared log, so coalesced edits are counted
//! with their own latency.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use automerge::{AutoCommit, ROOT, ReadDoc, transaction::Transactable};
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tandem_sync::document_id::DocumentId;
use tandem_sync::{
    message::Message,
    peer_id::PeerId,
    session::{ConnId, Documents, Effect, Handshake, Session},
};
use tokio::{
    net::TcpStream,
    sync::{Semaphore, mpsc, watch},
    time::{Instant as TokioInstant, MissedTickBehavior},
};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message as Ws};

use crate::light::{self, LightSync};

/// How much of a real peer each simulated peer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PeersMode {
    /// A full replica: applies every change it receives and syncs with Automerge, as the
    /// app does. The generator's cost grows with P × (peers per document).
    Full,
    /// Keeps no replica: builds each edit's change itself (on the heads the server
    /// announced), reads who wrote each received change without applying it, and answers
    /// as a caught-up peer. The server sees the traffic of caught-up real peers.
    Light,
}

const CONN: ConnId = ConnId(1);
/// How long connecting, the handshake and the first sync may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(60);

/// What every peer of a run shares: the clock and the edits' send times.
pub(crate) struct Shared {
    pub epoch: Instant,
    /// Send time (µs since `epoch`) of each peer's edits, indexed by counter − 1.
    pub sent: Vec<Mutex<Vec<u64>>>,
    /// Each peer's final edit count, published when it stops editing (`u64::MAX` before).
    pub final_count: Vec<AtomicU64>,
    /// Peers that have seen every edit of every other peer on their document.
    pub caught_up: AtomicUsize,
    /// Bytes of binary frames all peers have received, and edits delivered, so far (read
    /// over the run to see whether the bytes per delivery stay flat).
    pub received_bytes: AtomicU64,
    pub delivered: AtomicU64,
}

impl Shared {
    pub(crate) fn new(peers: usize) -> Self {
        Shared {
            epoch: Instant::now(),
            sent: (0..peers).map(|_| Mutex::new(Vec::new())).collect(),
            final_count: (0..peers).map(|_| AtomicU64::new(u64::MAX)).collect(),
            caught_up: AtomicUsize::new(0),
            received_bytes: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
        }
    }

    fn micros(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// When the run's phases begin, handed to every peer once all are ready.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schedule {
    pub start: TokioInstant,
    pub stop: TokioInstant,
}

/// Who a peer is and what it does.
pub(crate) struct Spec {
    pub index: usize,
    pub document: DocumentId,
    /// Every peer on the same document (including this one).
    pub neighbours: Vec<usize>,
    pub url: String,
    pub peer_id: PeerId,
    pub seed: AutoCommit,
    /// Edits per second.
    pub rate: f64,
    pub mode: PeersMode,
}

/// What a peer measured.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// The peer connected and synced the document before the typing began.
    pub joined: bool,
    pub sent: u64,
    /// Edits of other peers this peer received.
    pub delivered: u64,
    /// Edit-to-delivery latency of each delivered edit, µs.
    pub latencies_us: Vec<u32>,
    pub errors: Vec<String>,
    /// Bytes of binary frames received.
    pub received_bytes: u64,
    /// Light peers: changes received from other peers, those received before (the server
    /// sent them again), the peer's own changes sent back to it, and whole documents.
    pub changes_received: u64,
    pub duplicate_changes: u64,
    pub own_changes_back: u64,
    pub whole_documents: u64,
    pub unverified_documents: u64,
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct OneDoc {
    id: DocumentId,
    doc: AutoCommit,
}

impl Documents for OneDoc {
    fn with_doc<R>(&mut self, id: &DocumentId, f: impl FnOnce(&mut AutoCommit) -> R) -> Option<R> {
        (*id == self.id).then(|| f(&mut self.doc))
    }
    fn create(&mut self, _: &DocumentId) -> bool {
        false
    }
}

struct Peer {
    spec: Spec,
    shared: Arc<Shared>,
    socket: Socket,
    session: Session,
    docs: OneDoc,
    /// (peer index, counter key) of every other peer on the document.
    watched: Vec<(usize, String)>,
    /// The highest counter seen from each watched peer.
    seen: Vec<u64>,
    counter: u64,
    outcome: Outcome,
    caught_up: bool,
    /// Light peers, once the first sync is done: the hand-made side of the protocol, and
    /// the server's peer id to address it to.
    light: Option<(LightSync, PeerId)>,
}

/// Connects, joins and syncs the seed; reports on `ready`; waits for the schedule; edits
/// until `stop`; keeps reading until `end` fires. Never panics on what the server sends.
pub(crate) async fn run(
    spec: Spec,
    shared: Arc<Shared>,
    connecting: Arc<Semaphore>,
    ready: mpsc::UnboundedSender<Result<(), String>>,
    mut schedule: watch::Receiver<Option<Schedule>>,
    mut end: watch::Receiver<bool>,
) -> Outcome {
    let index = spec.index;
    let final_count = shared.clone();
    let setup = {
        let _permit = connecting.acquire().await;
        tokio::time::timeout(SETUP_TIMEOUT, Peer::connect(spec, shared)).await
    };
    let mut peer = match setup {
        Ok(Ok(mut peer)) => {
            peer.outcome.joined = true;
            let _ = ready.send(Ok(()));
            peer
        }
        failed => {
            let e = match failed {
                Ok(Err(e)) => e,
                _ => format!("peer {index}: setup took longer than {SETUP_TIMEOUT:?}"),
            };
            // Nobody waits for edits from a peer that never started.
            final_count.final_count[index].store(0, Ordering::SeqCst);
            let _ = ready.send(Err(e.clone()));
            return Outcome {
                errors: vec![e],
                ..Outcome::default()
            };
        }
    };
    // Keep reading while the others connect.
    let plan = loop {
        if let Some(plan) = *schedule.borrow_and_update() {
            break plan;
        }
        let go_on = tokio::select! {
            changed = schedule.changed() => changed.is_ok(),
            alive = peer.read_one() => alive,
            _ = end.changed() => false,
        };
        if !go_on {
            peer.shared.final_count[index].store(0, Ordering::SeqCst);
            return peer.outcome;
        }
    };
    peer.run(plan, &mut end).await;
    // A peer that lost its connection early sent no more than it had.
    let _ = peer.shared.final_count[index].compare_exchange(
        u64::MAX,
        peer.counter,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    let _ = peer.socket.close(None).await;
    peer.outcome
}

impl Peer {
    async fn connect(mut spec: Spec, shared: Arc<Shared>) -> Result<Peer, String> {
        let index = spec.index;
        let fail = |what: &str, e: &dyn std::fmt::Display| format!("peer {index}: {what}: {e}");
        // Nagle off, as browsers and Node's `ws` have it: small frames go out at once.
        let (socket, _) =
            tokio_tungstenite::connect_async_with_config(spec.url.as_str(), None, true)
                .await
                .map_err(|e| fail("connect", &e))?;
        let session = Session::new(spec.peer_id.clone(), Default::default());
        let watched: Vec<(usize, String)> = spec
            .neighbours
            .iter()
            .filter(|&&n| n != index)
            .map(|&n| (n, format!("p{n}")))
            .collect();
        let mut doc = std::mem::take(&mut spec.seed);
        if spec.mode == PeersMode::Light {
            doc.set_actor(light::actor_for(index));
        }
        let docs = OneDoc {
            id: spec.document,
            doc,
        };
        let mut peer = Peer {
            seen: vec![0; watched.len()],
            watched,
            docs,
            session,
            socket,
            shared,
            spec,
            counter: 0,
            outcome: Outcome::default(),
            caught_up: false,
            light: None,
        };
        let effects = peer.session.connect(CONN, Handshake::Initiator);
        peer.apply(effects).await;
        while peer.session.remote(CONN).is_none() {
            if !peer.read_one().await {
                return Err(fail("handshake", &peer.last_error()));
            }
        }
        let effects = peer.session.share(peer.spec.document, &mut peer.docs);
        peer.apply(effects).await;
        // Ready once the server holds everything this peer has (the seed).
        let want = peer.docs.doc.get_heads();
        while peer.session.their_heads(CONN, &peer.spec.document) != Some(want.clone()) {
            if !peer.read_one().await {
                return Err(fail("first sync", &peer.last_error()));
            }
        }
        if !peer.outcome.errors.is_empty() {
            return Err(fail("first sync", &peer.last_error()));
        }
        if peer.spec.mode == PeersMode::Light {
            let server = peer
                .session
                .remote(CONN)
                .cloned()
                .ok_or_else(|| fail("first sync", &"no server peer id"))?;
            let max_op = peer
                .docs
                .doc
                .get_changes(&[])
                .iter()
                .map(|c| c.max_op())
                .max();
            peer.light = Some((
                LightSync::new(light::actor_for(index), want, max_op.unwrap_or(0)),
                server,
            ));
        }
        Ok(peer)
    }

    fn last_error(&self) -> String {
        self.outcome
            .errors
            .last()
            .cloned()
            .unwrap_or_else(|| "the connection ended".into())
    }

    async fn run(&mut self, plan: Schedule, end: &mut watch::Receiver<bool>) {
        let period = Duration::from_secs_f64(1.0 / self.spec.rate.max(0.001));
        // Spread the peers' edits evenly over the period rather than in lock step.
        let offset = period.mul_f64(rand::random::<f64>());
        let mut tick = tokio::time::interval_at(plan.start + offset, period);
        // A client too busy to keep its schedule skips edits; the report compares edits
        // sent with edits planned, so a saturated client shows.
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut check = tokio::time::interval(Duration::from_millis(50));
        let mut editing = true;
        let stop = tokio::time::sleep_until(plan.stop);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = end.changed() => break,
                alive = self.read_one() => if !alive { break },
                _ = tick.tick(), if editing => self.edit().await,
                () = &mut stop, if editing => {
                    editing = false;
                    self.shared.final_count[self.spec.index].store(self.counter, Ordering::SeqCst);
                }
                _ = check.tick(), if !editing && !self.caught_up => self.check_caught_up(),
            }
        }
    }

    async fn edit(&mut self) {
        self.counter += 1;
        let now = self.shared.micros();
        if let Ok(mut log) = self.shared.sent[self.spec.index].lock() {
            log.push(now);
        }
        let index = self.spec.index;
        let counter = i64::try_from(self.counter).unwrap_or(i64::MAX);
        let stamp = i64::try_from(now).unwrap_or(i64::MAX);
        if let Some((light, _)) = &mut self.light {
            let message =
                light.edit(&[(format!("p{index}"), counter), (format!("t{index}"), stamp)]);
            self.outcome.sent += 1;
            self.send_sync(message).await;
            return;
        }
        let doc = &mut self.docs.doc;
        let written = doc
            .put(ROOT, format!("p{index}"), counter)
            .and_then(|()| doc.put(ROOT, format!("t{index}"), stamp));
        if let Err(e) = written {
            self.outcome.errors.push(format!("edit: {e}"));
            return;
        }
        doc.commit();
        self.outcome.sent += 1;
        let effects = self.session.changed(self.spec.document, &mut self.docs);
        self.apply(effects).await;
    }

    /// Light peers: sends an Automerge sync message for the document to the server.
    async fn send_sync(&mut self, message: automerge::sync::Message) {
        let Some((_, server)) = &self.light else {
            return;
        };
        let frame = Message::Sync {
            sender_id: self.spec.peer_id.clone(),
            target_id: server.clone(),
            document_id: self.spec.document,
            data: message.encode(),
        };
        if let Err(e) = self.socket.send(Ws::Binary(frame.encode().into())).await {
            self.outcome.errors.push(format!("send: {e}"));
        }
    }

    /// Light peers: a frame from the server. Sync messages are read here without touching
    /// the document; anything else goes through the session as for a full peer.
    async fn receive_light(&mut self, bytes: &[u8]) {
        let message = match Message::decode(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.outcome
                    .errors
                    .push(format!("the server sent a malformed message: {e}"));
                return;
            }
        };
        let data = match message {
            Message::Sync {
                document_id, data, ..
            } if document_id == self.spec.document => data,
            other => {
                let effects = self.session.handle(CONN, other, &mut self.docs);
                self.apply(effects).await;
                return;
            }
        };
        let sync = match automerge::sync::Message::decode(&data) {
            Ok(m) => m,
            Err(e) => {
                self.outcome
                    .errors
                    .push(format!("the server sent a malformed sync message: {e}"));
                return;
            }
        };
        match light::changes_in(&sync) {
            Ok(carried) => {
                self.outcome.whole_documents += carried.whole_documents as u64;
                self.outcome.unverified_documents += carried.unverified_documents as u64;
                let now = self.shared.micros();
                let whole = carried.whole_documents > 0;
                for change in carried.changes {
                    if let Some((light, _)) = &mut self.light {
                        light.saw(&change);
                    }
                    self.note(light::peer_of(&change.actor), change.seq, now, whole);
                }
            }
            Err(e) => self
                .outcome
                .errors
                .push(format!("the server sent a change that does not parse: {e}")),
        }
        let Some((light, _)) = &mut self.light else {
            return;
        };
        if let Some(reply) = light.receive(&sync) {
            self.send_sync(reply).await;
        }
    }

    /// Light peers: a received change, edit `seq` of peer `from` (`None`: the seed).
    /// Counted like [`Peer::observe`]: every edit up to `seq` has arrived.
    fn note(&mut self, from: Option<usize>, seq: u64, now: u64, in_whole_document: bool) {
        let Some(from) = from else { return };
        if from == self.spec.index {
            if !in_whole_document {
                self.outcome.own_changes_back += 1;
            }
            return;
        }
        let Some(slot) = self.watched.iter().position(|(other, _)| *other == from) else {
            return;
        };
        let last = self.seen[slot];
        if seq <= last {
            if !in_whole_document {
                self.outcome.duplicate_changes += 1;
            }
            return;
        }
        self.outcome.changes_received += 1;
        self.record(slot, last, seq, now);
    }

    /// Edits `last + 1 ..= counter` of the watched peer in `slot` have arrived at `now`.
    fn record(&mut self, slot: usize, last: u64, counter: u64, now: u64) {
        let other = self.watched[slot].0;
        if let Ok(log) = self.shared.sent[other].lock() {
            for k in last..counter {
                let sent_at = log.get(usize::try_from(k).unwrap_or(usize::MAX)).copied();
                let latency = now.saturating_sub(sent_at.unwrap_or(now));
                self.outcome
                    .latencies_us
                    .push(u32::try_from(latency).unwrap_or(u32::MAX));
            }
        }
        self.outcome.delivered += counter - last;
        self.shared
            .delivered
            .fetch_add(counter - last, Ordering::Relaxed);
        self.seen[slot] = counter;
    }

    /// Reads one frame and acts on it; false once the connection is gone.
    async fn read_one(&mut self) -> bool {
        match self.socket.next().await {
            Some(Ok(Ws::Binary(bytes))) => {
                self.outcome.received_bytes += bytes.len() as u64;
                self.shared
                    .received_bytes
                    .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                if self.light.is_some() {
                    self.receive_light(&bytes).await;
                } else {
                    let effects = self.session.receive(CONN, &bytes, &mut self.docs);
                    self.apply(effects).await;
                }
                true
            }
            Some(Ok(Ws::Close(frame))) => {
                let why = frame.map(|f| format!("{} {}", u16::from(f.code), f.reason));
                self.outcome.errors.push(format!(
                    "the server closed the connection: {}",
                    why.unwrap_or_default()
                ));
                false
            }
            Some(Ok(_)) => true,
            Some(Err(e)) => {
                self.outcome.errors.push(format!("socket: {e}"));
                false
            }
            None => {
                self.outcome.errors.push("the connection ended".into());
                false
            }
        }
    }

    async fn apply(&mut self, effects: Vec<Effect>) {
        let mut queued = false;
        for effect in effects {
            match effect {
                Effect::Send { message, .. } => {
                    if let Err(e) = self.socket.feed(Ws::Binary(message.encode().into())).await {
                        self.outcome.errors.push(format!("send: {e}"));
                        return;
                    }
                    queued = true;
                }
                Effect::DocumentChanged { .. } => self.observe(),
                Effect::Close { reason, .. } => {
                    self.outcome.errors.push(format!("closed: {reason}"))
                }
                Effect::DocumentUnavailable { document, .. } => self
                    .outcome
                    .errors
                    .push(format!("the server says {document} is unavailable")),
                Effect::PeerReady { .. } | Effect::Ephemeral { .. } => {}
            }
        }
        if queued && let Err(e) = self.socket.flush().await {
            self.outcome.errors.push(format!("send: {e}"));
        }
    }

    /// The document changed: which of the other peers' edits does it now show?
    fn observe(&mut self) {
        let now = self.shared.micros();
        for slot in 0..self.watched.len() {
            let counter = match self.docs.doc.get(ROOT, self.watched[slot].1.as_str()) {
                Ok(Some((value, _))) => value.as_u64().unwrap_or(0),
                _ => 0,
            };
            let last = self.seen[slot];
            if counter > last {
                self.record(slot, last, counter, now);
            }
        }
    }

    fn check_caught_up(&mut self) {
        let done = self
            .watched
            .iter()
            .zip(&self.seen)
            .all(|((other, _), seen)| {
                let target = self.shared.final_count[*other].load(Ordering::SeqCst);
                target != u64::MAX && *seen >= target
            });
        if done {
            self.caught_up = true;
            self.shared.caught_up.fetch_add(1, Ordering::SeqCst);
        }
    }
}
