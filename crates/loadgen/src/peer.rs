//! One simulated person: a WebSocket to the server, a tandem-sync session, a copy of one
//! document, and a small edit every `1 / rate` seconds.
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
use tandem_domain::document_id::DocumentId;
use tandem_sync::{
    peer_id::PeerId,
    session::{ConnId, Documents, Effect, Role, Session},
};
use tokio::{
    net::TcpStream,
    sync::{Semaphore, mpsc, watch},
    time::{Instant as TokioInstant, MissedTickBehavior},
};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message as Ws};

const CONN: ConnId = ConnId(1);
/// How long connecting, the handshake and the first sync may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(60);

/// What every peer of a run shares: the clock and the edits' send times.
pub struct Shared {
    pub epoch: Instant,
    /// Send time (µs since `epoch`) of each peer's edits, indexed by counter − 1.
    pub sent: Vec<Mutex<Vec<u64>>>,
    /// Each peer's final edit count, published when it stops editing (`u64::MAX` before).
    pub final_count: Vec<AtomicU64>,
    /// Peers that have seen every edit of every other peer on their document.
    pub caught_up: AtomicUsize,
}

impl Shared {
    pub fn new(peers: usize) -> Self {
        Shared {
            epoch: Instant::now(),
            sent: (0..peers).map(|_| Mutex::new(Vec::new())).collect(),
            final_count: (0..peers).map(|_| AtomicU64::new(u64::MAX)).collect(),
            caught_up: AtomicUsize::new(0),
        }
    }

    fn micros(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// When the run's phases begin, handed to every peer once all are ready.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub start: TokioInstant,
    pub stop: TokioInstant,
}

/// Who a peer is and what it does.
pub struct Spec {
    pub index: usize,
    pub document: DocumentId,
    /// Every peer on the same document (including this one).
    pub neighbours: Vec<usize>,
    pub url: String,
    pub peer_id: PeerId,
    pub seed: AutoCommit,
    /// Edits per second.
    pub rate: f64,
}

/// What a peer measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The peer connected and synced the document before the typing began.
    pub joined: bool,
    pub sent: u64,
    /// Edits of other peers this peer received.
    pub delivered: u64,
    /// Edit-to-delivery latency of each delivered edit, µs.
    pub latencies_us: Vec<u32>,
    pub errors: Vec<String>,
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
}

/// Connects, joins and syncs the seed; reports on `ready`; waits for the schedule; edits
/// until `stop`; keeps reading until `end` fires. Never panics on what the server sends.
pub async fn run(
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
        let docs = OneDoc {
            id: spec.document,
            doc: std::mem::take(&mut spec.seed),
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
        };
        let effects = peer.session.connect(CONN, Role::Initiator);
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
        let doc = &mut self.docs.doc;
        let counter = i64::try_from(self.counter).unwrap_or(i64::MAX);
        let stamp = i64::try_from(now).unwrap_or(i64::MAX);
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

    /// Reads one frame and acts on it; false once the connection is gone.
    async fn read_one(&mut self) -> bool {
        match self.socket.next().await {
            Some(Ok(Ws::Binary(bytes))) => {
                let effects = self.session.receive(CONN, &bytes, &mut self.docs);
                self.apply(effects).await;
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
        for (slot, (other, key)) in self.watched.iter().enumerate() {
            let counter = match self.docs.doc.get(ROOT, key.as_str()) {
                Ok(Some((value, _))) => value.as_u64().unwrap_or(0),
                _ => 0,
            };
            let last = self.seen[slot];
            if counter <= last {
                continue;
            }
            if let Ok(log) = self.shared.sent[*other].lock() {
                for k in last..counter {
                    let sent_at = log.get(usize::try_from(k).unwrap_or(usize::MAX)).copied();
                    let latency = now.saturating_sub(sent_at.unwrap_or(now));
                    self.outcome
                        .latencies_us
                        .push(u32::try_from(latency).unwrap_or(u32::MAX));
                }
            }
            self.outcome.delivered += counter - last;
            self.seen[slot] = counter;
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
