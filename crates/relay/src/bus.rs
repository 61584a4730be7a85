//! Hints between relay instances over NATS (`--bus nats://…`, cluster mode only).
//!
//! PostgreSQL stays the only store: a hint only tells the other instances *that*
//! something was stored, so they need not wait for the sweep ([`crate::hub::Hub::sweep`])
//! or the access poll. Core NATS pub/sub delivers at most once, so a hint may be lost —
//! NATS down, a slow subscriber, a full queue here — and then the sweep and the poll
//! catch up as they do without a bus. Nothing waits for NATS: a commit hands its hints
//! to a bounded queue and goes on; a full queue drops them.
//!
//! - `tandem.doc.<document id>`: after a group commit's COMMIT, one per document it
//!   stored increments of: the sending instance and the increments' numbers. A receiver
//!   holding the document reads what it has not seen from PostgreSQL — the sweep's
//!   catch-up, for one document, at once. (The format can carry the increments' bytes;
//!   they are not sent, and a receiver ignores them: see below.)
//! - `tandem.access`: access changed — a link or feed revoked, a device registered, a
//!   partnership claimed, a link redeemed (no secret, no id: only "look again").
//!   Receivers read the access changes and end the sessions that lost their access;
//!   what was granted is then known there before the browser uses it.
//! - `tandem.presence.<document id>`: presence (an `ephemeral` message) a peer here sent
//!   about the document, once this instance accepted it — the peer's device had access,
//!   the message was within its connection's presence budget and not a repeat. Receivers
//!   pass it to their own peers syncing the document, as they pass on their peers'
//!   presence ([`crate::hub::Hub::presence_from_bus`]). Presence is fire-and-forget: never
//!   stored, and a lost one is replaced by the next (browsers repeat theirs).
//!
//! All are small binary messages ([`encode_doc`], [`encode_access`], [`encode_presence`]);
//! anything malformed, too large or from this instance is ignored (the malformed ones
//! counted).
//!
//! **Nothing on the bus is taken as stored.** A hint only makes the receiver read
//! PostgreSQL (which numbers what it holds), so whoever can publish on these subjects can
//! cost the instances reads — bounded by the receiving queue, which drops when full — but
//! cannot make one forward a change PostgreSQL does not hold or skip one it does.
//!
//! **Presence from the bus is trusted no more than presence from a peer.** It is the one
//! thing a receiver passes on from the message itself, so it gets a peer's checks again:
//! at most a peer's sizes, decoded by the same decoder, about the document its subject
//! names, from a sender id that belongs to the device it names, which must have access to
//! the document *here*; each device's presence is limited to what its connections could
//! send ([`crate::budget::DevicePresence`]); and only peers here that sync the document
//! and may read it get it, dropped first when they fall behind. So whoever can publish on
//! the bus can at most show presence as a device that has access, at a device's rate.
//! Still, run NATS where only the relay instances reach it (a private network, NATS
//! accounts or credentials in the URL).

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use futures_util::StreamExt;
use tandem_sync::{
    document_id::DocumentId,
    message::{MAX_EPHEMERAL_BYTES, Message},
    peer_id::{MAX_PEER_ID_LEN, PeerId},
    session::MAX_SESSION_ID_BYTES,
};
use tokio::sync::{Notify, mpsc};

use crate::{access::Access, budget::DevicePresence, hub::Hub};

/// The most increment bytes a received hint may carry (the format allows them; this
/// relay sends none and reads none: see the module).
pub const INLINE_BYTES: usize = 16 * 1024;
/// A larger hint is not one of ours: ignored.
pub const MAX_HINT_BYTES: usize = INLINE_BYTES + 8 * 1024;
/// Increments one hint may name.
const MAX_SEQS: usize = 256;
/// Hints waiting to be published, and received hints waiting for the hub: past these,
/// hints are dropped (the sweep catches up).
const QUEUE: usize = 1024;

pub const DOC_PREFIX: &str = "tandem.doc.";
pub const ACCESS_SUBJECT: &str = "tandem.access";
pub const PRESENCE_PREFIX: &str = "tandem.presence.";
const VERSION: u8 = 1;

/// The longest device id a presence message may name (the relay's are 16 characters).
const MAX_DEVICE_BYTES: usize = 64;
/// A larger presence message is not one of ours: ignored before it is decoded. Room for
/// the largest ephemeral data and session id a peer may send, two peer ids, the device
/// and the framing.
pub const MAX_PRESENCE_BYTES: usize =
    MAX_EPHEMERAL_BYTES + MAX_SESSION_ID_BYTES + 2 * MAX_PEER_ID_LEN + MAX_DEVICE_BYTES + 256;

/// Presence (an `ephemeral` message) about one document that a peer of some instance
/// sent and that instance accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub document: DocumentId,
    /// The device whose connection sent it; `sender` belongs to it.
    pub device: String,
    pub sender: PeerId,
    pub session: String,
    pub count: u64,
    pub data: Vec<u8>,
}

impl Presence {
    /// The presence an `ephemeral` message from `device` carries; `None` for any other.
    pub fn of(device: &str, message: &Message) -> Option<Self> {
        match message {
            Message::Ephemeral {
                sender_id,
                document_id,
                session_id,
                count,
                data,
                ..
            } => Some(Presence {
                document: *document_id,
                device: device.to_owned(),
                sender: sender_id.clone(),
                session: session_id.clone(),
                count: *count,
                data: data.clone(),
            }),
            _ => None,
        }
    }

    /// The `ephemeral` message that passes it on to `target`, under its sender's id (as
    /// a relay passes on presence).
    pub fn to(&self, target: PeerId) -> Message {
        Message::Ephemeral {
            sender_id: self.sender.clone(),
            target_id: target,
            document_id: self.document,
            session_id: self.session.clone(),
            count: self.count,
            data: self.data.clone(),
        }
    }
}

/// Increments of one document another instance stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocHint {
    pub document: DocumentId,
    /// Their numbers, ascending.
    pub seqs: Vec<u64>,
    /// Each one's bytes, in the same order, if they were small enough to send.
    pub bytes: Option<Vec<Vec<u8>>>,
}

/// What the relay counts about the bus (for logs and tests).
#[derive(Debug, Default)]
pub struct BusStats {
    pub published: AtomicU64,
    pub dropped_outgoing: AtomicU64,
    pub received: AtomicU64,
    pub dropped_incoming: AtomicU64,
    pub malformed: AtomicU64,
    /// Presence from the bus passed on to peers here (one per message that reached any,
    /// however many did).
    pub presence_delivered: AtomicU64,
    /// Presence from the bus refused: its device has no access here, or it was over the
    /// device's presence rate.
    pub presence_refused: AtomicU64,
}

enum Outgoing {
    Doc(DocHint),
    Access,
}

/// Where the hub and the access store hand their hints; never waits.
#[derive(Clone)]
pub struct Publisher {
    tx: mpsc::Sender<Outgoing>,
    /// Presence has its own queue, so a burst of it never crowds out a hint.
    presence: mpsc::Sender<Presence>,
    stats: Arc<BusStats>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher").finish_non_exhaustive()
    }
}

impl Publisher {
    /// Increments of `document` were committed under `seqs` (call only after COMMIT).
    /// Only the numbers go: receivers read the increments from PostgreSQL (see the module).
    pub fn stored(&self, document: DocumentId, seqs: Vec<u64>) {
        if seqs.is_empty() {
            return;
        }
        let mut seqs = seqs;
        seqs.truncate(MAX_SEQS);
        self.send(Outgoing::Doc(DocHint {
            document,
            seqs,
            bytes: None,
        }));
    }

    /// Access records changed: sessions elsewhere may end, or new access be used there.
    pub fn access_changed(&self) {
        self.send(Outgoing::Access);
    }

    /// A peer here sent presence that this instance accepted (and passed on to its own
    /// peers): the other instances pass it on to theirs. Dropped if the queue is full.
    pub fn presence(&self, presence: Presence) {
        if self.presence.try_send(presence).is_err() {
            self.stats.dropped_outgoing.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn send(&self, hint: Outgoing) {
        if self.tx.try_send(hint).is_err() {
            self.stats.dropped_outgoing.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A hint message for `hint`, from `instance`.
pub fn encode_doc(instance: u64, hint: &DocHint) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        12 + hint.seqs.len() * 8
            + hint
                .bytes
                .as_ref()
                .map_or(0, |b| b.iter().map(|b| b.len() + 4).sum()),
    );
    out.push(VERSION);
    out.extend_from_slice(&instance.to_be_bytes());
    out.extend_from_slice(&(hint.seqs.len() as u16).to_be_bytes());
    for seq in &hint.seqs {
        out.extend_from_slice(&seq.to_be_bytes());
    }
    match &hint.bytes {
        None => out.push(0),
        Some(bytes) => {
            out.push(1);
            for b in bytes {
                out.extend_from_slice(&(b.len() as u32).to_be_bytes());
                out.extend_from_slice(b);
            }
        }
    }
    out
}

/// The access message from `instance`.
pub fn encode_access(instance: u64) -> Vec<u8> {
    let mut out = vec![VERSION];
    out.extend_from_slice(&instance.to_be_bytes());
    out
}

/// The presence message for `presence`, from `instance`: the device, then the
/// `ephemeral` message as a peer would send it (CBOR), so a receiver decodes it with the
/// decoder it uses for peers.
pub fn encode_presence(instance: u64, presence: &Presence) -> Vec<u8> {
    let message = presence.to(presence.sender.clone()).encode();
    let device = presence.device.as_bytes();
    let device = &device[..device.len().min(MAX_DEVICE_BYTES)];
    let mut out = Vec::with_capacity(10 + device.len() + message.len());
    out.push(VERSION);
    out.extend_from_slice(&instance.to_be_bytes());
    out.push(device.len() as u8);
    out.extend_from_slice(device);
    out.extend_from_slice(&message);
    out
}

/// Reads bytes off the front of a message.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
    }
}

/// The sender and the hint of a `tandem.doc.<id>` message, if well formed: a known
/// version, ascending numbers, bytes exactly as long as announced, nothing after them.
pub fn decode_doc(document: DocumentId, payload: &[u8]) -> Option<(u64, DocHint)> {
    if payload.len() > MAX_HINT_BYTES {
        return None;
    }
    let mut r = Reader(payload);
    if r.u8()? != VERSION {
        return None;
    }
    let instance = r.u64()?;
    let count = usize::from(r.u16()?);
    if count == 0 || count > MAX_SEQS {
        return None;
    }
    let mut seqs = Vec::with_capacity(count);
    for _ in 0..count {
        seqs.push(r.u64()?);
    }
    if seqs.windows(2).any(|w| w[0] >= w[1]) {
        return None;
    }
    let bytes = match r.u8()? {
        0 => None,
        1 => {
            let mut all = Vec::with_capacity(count);
            for _ in 0..count {
                let len = usize::try_from(r.u32()?).ok()?;
                all.push(r.take(len)?.to_vec());
            }
            Some(all)
        }
        _ => return None,
    };
    if !r.0.is_empty() {
        return None;
    }
    Some((
        instance,
        DocHint {
            document,
            seqs,
            bytes,
        },
    ))
}

/// The sender of a `tandem.access` message, if well formed.
pub fn decode_access(payload: &[u8]) -> Option<u64> {
    let mut r = Reader(payload);
    if r.u8()? != VERSION {
        return None;
    }
    let instance = r.u64()?;
    r.0.is_empty().then_some(instance)
}

/// The sender and the presence of a `tandem.presence.<id>` message, if it holds what a
/// peer of this relay could have sent: at most [`MAX_PRESENCE_BYTES`], an `ephemeral`
/// message that decodes, about `document` (the subject's), with data and session id
/// within a peer's limits, from a sender id that belongs to the device named. Whether
/// that device may see the document is the receiver's to check.
pub fn decode_presence(document: DocumentId, payload: &[u8]) -> Option<(u64, Presence)> {
    if payload.len() > MAX_PRESENCE_BYTES {
        return None;
    }
    let mut r = Reader(payload);
    if r.u8()? != VERSION {
        return None;
    }
    let instance = r.u64()?;
    let device_len = usize::from(r.u8()?);
    if device_len == 0 || device_len > MAX_DEVICE_BYTES {
        return None;
    }
    let device = std::str::from_utf8(r.take(device_len)?).ok()?;
    let Ok(Message::Ephemeral {
        sender_id,
        document_id,
        session_id,
        count,
        data,
        ..
    }) = Message::decode(r.0)
    else {
        return None;
    };
    let within_limits = document_id == document
        && !data.is_empty()
        && data.len() <= MAX_EPHEMERAL_BYTES
        && session_id.len() <= MAX_SESSION_ID_BYTES
        && crate::access::peer_belongs_to(&sender_id, device);
    within_limits.then(|| {
        (
            instance,
            Presence {
                document,
                device: device.to_owned(),
                sender: sender_id,
                session: session_id,
                count,
                data,
            },
        )
    })
}

/// The bus of a running relay; [`Bus::stop`] ends its tasks.
#[derive(Debug)]
pub struct Bus {
    pub stats: Arc<BusStats>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Bus {
    /// Stops publishing and receiving (the relay is shutting down).
    pub fn stop(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

/// Connects to NATS at `url` in the background (the relay works on the sweep alone until
/// it answers, and whenever it does not) and wires it to the hub and the access store.
/// A device's presence from the bus is limited to what `connections_per_device` of its
/// connections could send (`--max-connections-per-device`). Fails only for a URL that
/// cannot be one.
pub async fn start(
    url: &str,
    hub: Hub,
    access: Access,
    connections_per_device: usize,
) -> Result<Bus, String> {
    let instance: u64 = rand::random();
    let options = async_nats::ConnectOptions::new()
        .name("tandem-relay")
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connection_timeout(Duration::from_secs(2))
        // Reconnect quickly after an outage: the sweep covers it meanwhile.
        .reconnect_delay_callback(|attempts| {
            Duration::from_millis(100 * attempts.saturating_sub(1).min(10) as u64)
        })
        .subscription_capacity(QUEUE * 4)
        .client_capacity(QUEUE)
        .event_callback(|event| async move {
            match event {
                async_nats::Event::Connected => {
                    tracing::info!("bus: connected to NATS; hints between instances flow")
                }
                async_nats::Event::Disconnected => tracing::warn!(
                    "bus: NATS unreachable; instances see each other's changes by the sweep until it is back"
                ),
                other => tracing::debug!(event = %other, "bus"),
            }
        });
    let client = options
        .connect(url)
        .await
        .map_err(|e| format!("cannot use the bus {}: {e}", redact(url)))?;
    let stats = Arc::new(BusStats::default());
    let (tx, mut outgoing) = mpsc::channel::<Outgoing>(QUEUE);
    let (presence_tx, mut presence_out) = mpsc::channel::<Presence>(QUEUE);
    let publisher = Publisher {
        tx,
        presence: presence_tx,
        stats: stats.clone(),
    };
    access.announce_to(publisher.clone());
    hub.publish_to(publisher.clone());

    // Publishing: its own task, so a NATS outage (publish waits for room in the
    // client's buffer) stalls only this queue, which then drops.
    let client_out = client.clone();
    let out_stats = stats.clone();
    let mut tasks = Vec::new();
    tasks.push(tokio::spawn(async move {
        while let Some(hint) = outgoing.recv().await {
            let (subject, payload) = match hint {
                Outgoing::Doc(hint) => (
                    format!("{DOC_PREFIX}{}", hint.document),
                    encode_doc(instance, &hint),
                ),
                Outgoing::Access => (ACCESS_SUBJECT.to_owned(), encode_access(instance)),
            };
            match client_out.publish(subject, payload.into()).await {
                Ok(()) => {
                    out_stats.published.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => tracing::debug!(error = %e, "bus: a hint was not published"),
            }
        }
    }));

    let client_presence = client.clone();
    let presence_stats = stats.clone();
    tasks.push(tokio::spawn(async move {
        while let Some(presence) = presence_out.recv().await {
            let subject = format!("{PRESENCE_PREFIX}{}", presence.document);
            let payload = encode_presence(instance, &presence);
            match client_presence.publish(subject, payload.into()).await {
                Ok(()) => {
                    presence_stats.published.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => tracing::debug!(error = %e, "bus: presence was not published"),
            }
        }
    }));

    // Received presence waits here, apart from the hints: a flood of it delays no
    // catch-up. Each device's is limited to what its connections could send.
    let (presence_in_tx, mut presence_in) = mpsc::channel::<Presence>(QUEUE);
    let hub_presence = hub.clone();
    let limit_stats = stats.clone();
    tasks.push(tokio::spawn(async move {
        let mut rates = DevicePresence::new(connections_per_device);
        while let Some(presence) = presence_in.recv().await {
            if !rates.presence(&presence.device, std::time::Instant::now()) {
                limit_stats.presence_refused.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            match hub_presence.presence_from_bus(presence).await {
                None => {
                    limit_stats.presence_refused.fetch_add(1, Ordering::Relaxed);
                }
                Some(0) => {}
                Some(_) => {
                    limit_stats
                        .presence_delivered
                        .fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }));

    // Received document hints wait here for the hub, one at a time.
    let (inbound_tx, mut inbound) = mpsc::channel::<DocHint>(QUEUE);
    let hub_in = hub.clone();
    tasks.push(tokio::spawn(async move {
        while let Some(hint) = inbound.recv().await {
            hub_in.hinted(hint).await;
        }
    }));

    // Access hints coalesce: one catch-up covers every change before it.
    let access_changed = Arc::new(Notify::new());
    let wake = access_changed.clone();
    tasks.push(tokio::spawn(async move {
        loop {
            wake.notified().await;
            // The same reads lookups that miss wait for: a flood of hints costs
            // PostgreSQL no more than they do (a failure is reported by the reader).
            access.read_changes().await;
            hub.enforce_access().await;
        }
    }));

    let in_stats = stats.clone();
    tasks.push(tokio::spawn(async move {
        // Subscribing before NATS answers is fine: the client subscribes once
        // connected, and again after each reconnect.
        let mut subscriber = match client.subscribe("tandem.>").await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "bus: cannot subscribe; instances rely on the sweep");
                return;
            }
        };
        while let Some(message) = subscriber.next().await {
            in_stats.received.fetch_add(1, Ordering::Relaxed);
            let subject = message.subject.as_str();
            if subject == ACCESS_SUBJECT {
                match decode_access(&message.payload) {
                    Some(from) if from == instance => {}
                    Some(_) => access_changed.notify_one(),
                    None => {
                        in_stats.malformed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                continue;
            }
            if let Some(id) = subject.strip_prefix(PRESENCE_PREFIX) {
                let presence = id
                    .parse::<DocumentId>()
                    .ok()
                    .and_then(|document| decode_presence(document, &message.payload));
                match presence {
                    Some((from, _)) if from == instance => {}
                    Some((_, presence)) => {
                        if presence_in_tx.try_send(presence).is_err() {
                            in_stats.dropped_incoming.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    None => {
                        in_stats.malformed.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(%subject, "bus: ignored malformed presence");
                    }
                }
                continue;
            }
            let hint = subject
                .strip_prefix(DOC_PREFIX)
                .and_then(|id| id.parse::<DocumentId>().ok())
                .and_then(|document| decode_doc(document, &message.payload));
            match hint {
                Some((from, _)) if from == instance => {}
                Some((_, hint)) => {
                    if inbound_tx.try_send(hint).is_err() {
                        in_stats.dropped_incoming.fetch_add(1, Ordering::Relaxed);
                    }
                }
                None => {
                    in_stats.malformed.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%subject, "bus: ignored a malformed hint");
                }
            }
        }
    }));
    // What was dropped or ignored, said once a minute when it grew (not per message).
    let log_stats = stats.clone();
    tasks.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        let mut said = (0, 0, 0, 0);
        loop {
            tick.tick().await;
            let now = (
                log_stats.malformed.load(Ordering::Relaxed),
                log_stats.dropped_incoming.load(Ordering::Relaxed),
                log_stats.dropped_outgoing.load(Ordering::Relaxed),
                log_stats.presence_refused.load(Ordering::Relaxed),
            );
            if now != said {
                tracing::warn!(
                    malformed = now.0,
                    dropped_received = now.1,
                    dropped_unsent = now.2,
                    presence_refused = now.3,
                    presence_delivered = log_stats.presence_delivered.load(Ordering::Relaxed),
                    published = log_stats.published.load(Ordering::Relaxed),
                    received = log_stats.received.load(Ordering::Relaxed),
                    "bus: messages ignored or dropped so far (the sweep covers lost hints; browsers repeat their presence)"
                );
                said = now;
            }
        }
    }));
    Ok(Bus { stats, tasks })
}

/// The URL without a password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> DocumentId {
        DocumentId::from_bytes(rand::random())
    }

    #[test]
    fn hints_round_trip() {
        let document = doc();
        for bytes in [None, Some(vec![vec![1, 2, 3], vec![]])] {
            let hint = DocHint {
                document,
                seqs: vec![4, 5],
                bytes,
            };
            let encoded = encode_doc(7, &hint);
            assert_eq!(decode_doc(document, &encoded), Some((7, hint)));
        }
        assert_eq!(decode_access(&encode_access(9)), Some(9));
    }

    #[test]
    fn malformed_hints_are_refused() {
        let document = doc();
        let hint = DocHint {
            document,
            seqs: vec![4, 5],
            bytes: Some(vec![vec![1, 2, 3], vec![4]]),
        };
        let encoded = encode_doc(7, &hint);
        for cut in 0..encoded.len() {
            assert_eq!(decode_doc(document, &encoded[..cut]), None, "cut at {cut}");
        }
        let mut longer = encoded.clone();
        longer.push(0);
        assert_eq!(decode_doc(document, &longer), None);
        let descending = DocHint {
            document,
            seqs: vec![5, 4],
            bytes: None,
        };
        assert_eq!(decode_doc(document, &encode_doc(1, &descending)), None);
        assert_eq!(decode_doc(document, &vec![1; MAX_HINT_BYTES + 1]), None);
        let mut huge_len = vec![VERSION];
        huge_len.extend_from_slice(&1u64.to_be_bytes());
        huge_len.extend_from_slice(&1u16.to_be_bytes());
        huge_len.extend_from_slice(&1u64.to_be_bytes());
        huge_len.push(1);
        huge_len.extend_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(decode_doc(document, &huge_len), None);
        assert_eq!(decode_access(&[2, 0, 0, 0, 0, 0, 0, 0, 1]), None);
        assert_eq!(decode_access(&[]), None);
    }

    #[test]
    fn hints_carry_the_numbers_stored_and_no_bytes() {
        let (tx, mut rx) = mpsc::channel(4);
        let publisher = Publisher {
            tx,
            presence: mpsc::channel(1).0,
            stats: Arc::default(),
        };
        let document = doc();
        publisher.stored(document, vec![1]);
        publisher.stored(document, vec![2]);
        let Ok(Outgoing::Doc(big)) = rx.try_recv() else {
            panic!("no hint")
        };
        assert_eq!(
            (big.document, big.seqs, big.bytes),
            (document, vec![1], None)
        );
        let Ok(Outgoing::Doc(small)) = rx.try_recv() else {
            panic!("no hint")
        };
        assert_eq!(
            small.bytes, None,
            "receivers read the store, never a hint's bytes"
        );
    }

    fn presence(document: DocumentId) -> Presence {
        Presence {
            document,
            device: "0123456789abcdef".into(),
            sender: "0123456789abcdef-laptop".parse().expect("peer id"),
            session: "s1".into(),
            count: 3,
            data: vec![1, 2, 3],
        }
    }

    #[test]
    fn presence_round_trips() {
        let document = doc();
        let p = presence(document);
        assert_eq!(
            decode_presence(document, &encode_presence(7, &p)),
            Some((7, p))
        );
    }

    #[test]
    fn presence_is_held_to_a_peers_limits() {
        let document = doc();
        let good = encode_presence(7, &presence(document));
        for cut in 0..good.len() {
            assert_eq!(
                decode_presence(document, &good[..cut]),
                None,
                "cut at {cut}"
            );
        }
        let mut longer = good.clone();
        longer.push(0);
        assert_eq!(decode_presence(document, &longer), None, "trailing bytes");
        assert_eq!(
            decode_presence(doc(), &good),
            None,
            "about another document than its subject"
        );
        let mut not_theirs = presence(document);
        not_theirs.sender = "fedcba9876543210-phone".parse().expect("peer id");
        assert_eq!(
            decode_presence(document, &encode_presence(7, &not_theirs)),
            None,
            "a sender id of another device"
        );
        let mut big = presence(document);
        big.data = vec![0; MAX_EPHEMERAL_BYTES + 1];
        assert_eq!(decode_presence(document, &encode_presence(7, &big)), None);
        let mut long_session = presence(document);
        long_session.session = "s".repeat(MAX_SESSION_ID_BYTES + 1);
        assert_eq!(
            decode_presence(document, &encode_presence(7, &long_session)),
            None
        );
        let mut empty = presence(document);
        empty.data.clear();
        assert_eq!(decode_presence(document, &encode_presence(7, &empty)), None);
        // Framing right, but a sync message rather than presence.
        let mut sync = good[..1 + 8 + 1 + 16].to_vec();
        sync.extend_from_slice(
            &Message::Sync {
                sender_id: "0123456789abcdef-laptop".parse().expect("peer id"),
                target_id: "tandem-relay".parse().expect("peer id"),
                document_id: document,
                data: vec![1],
            }
            .encode(),
        );
        assert_eq!(decode_presence(document, &sync), None);
        assert_eq!(
            decode_presence(document, &vec![1; MAX_PRESENCE_BYTES + 1]),
            None
        );
        assert_eq!(decode_presence(document, &[]), None);
    }

    #[test]
    fn a_password_is_not_shown() {
        assert_eq!(redact("nats://u:secret@host:4222"), "nats://***@host:4222");
        assert_eq!(redact("nats://host:4222"), "nats://host:4222");
    }
}
