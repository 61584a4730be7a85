//! `/sync`: the automerge-repo WebSocket endpoint. One binary frame per message.
//!
//! Every connection authenticates with a device credential before the upgrade: the app
//! offers it as a subprotocol (`tandem.v1, tandem.credential.<credential>`; the relay
//! selects `tandem.v1`), a stock automerge-repo client that can only be given a URL puts
//! it in the query (`/sync?credential=…`). No credential, a wrong one, or too many failures
//! from the address: the upgrade is refused with 401 or 429 and nothing is synced.
//!
//! Each connection has a writer task fed by a queue bounded in frames and bytes
//! (`--send-queue`, `--send-queue-bytes`; see [`crate::send_queue`]). A peer that stops
//! reading fills its socket's kernel buffers, then the queue; presence for it is dropped
//! first; past the bound the hub forgets it at once and its writer drops the backlog,
//! sends a close frame with code 1013 (try again later) and the reason, and ends; the
//! socket is dropped after at most `CLOSE_GRACE` even if the peer never reads again.
//!
//! Deadlines (each closes the socket with a reason, sent as a protocol error and in the
//! close frame):
//! - **join**: a `join` must come within `--join-timeout-secs` of the upgrade;
//! - **idle**: the relay pings every third of `--idle-timeout-secs`; a socket that sends
//!   nothing at all (not even the pong) for that long is closed;
//! - **unfinished message**: once a message's first bytes have arrived, the rest must
//!   follow within `--frame-timeout-secs`: a frame left hanging 15 MiB in does not hold
//!   its buffer for longer.
//!
//! Sizes: a `sync` or `request` message may be up to `--max-message-bytes`; every other
//! type (join, presence, …) at most `--max-control-message-bytes`, checked from the
//! frame's type before anything decodes it.
//!
//! Sockets are capped per device (`--max-connections-per-device`) and, loosely, per
//! client address (`--max-connections-per-address`); together a device's sockets are
//! read at most `--max-read-bytes-per-sec-per-device` after a burst
//! ([`crate::read_budget`]).

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use axum::{
    extract::{
        ConnectInfo, Extension, RawQuery, State,
        ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade, close_code},
    },
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{oneshot, watch};

use crate::{
    accept::ConnStats,
    api::{ApiError, authenticate},
    app::AppState,
    client_addr::client_ip,
    hub::{Hub, Outbound, Outlet},
    message_kind::message_type,
};

/// Message sizes and deadlines on a sync socket.
#[derive(Debug, Clone, Copy)]
pub struct SyncLimits {
    /// The largest `sync`/`request` message.
    pub max_message_bytes: usize,
    /// The largest message of any other type.
    pub max_control_message_bytes: usize,
    /// From the upgrade to the join message.
    pub join_timeout: Duration,
    /// Silence (no message, no pong) before the socket is closed.
    pub idle_timeout: Duration,
    /// From a message's first bytes to its last.
    pub frame_timeout: Duration,
}

/// The subprotocol the app speaks; the credential rides beside it.
pub const PROTOCOL: &str = "tandem.v1";
const CREDENTIAL_PROTOCOL: &str = "tandem.credential.";

/// The credential offered as a subprotocol, or else in the query string.
fn credential(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    let from_protocol = headers
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| {
            p.trim()
                .strip_prefix(CREDENTIAL_PROTOCOL)
                .map(str::to_owned)
        });
    from_protocol.or_else(|| {
        query?
            .split('&')
            .find_map(|pair| pair.strip_prefix("credential=").map(str::to_owned))
    })
}

/// Refused sync connections a device may have per minute before its next ones are turned
/// away at the upgrade (429). An honest app is refused rarely (a quota, a reset over the
/// budget) and reconnects with a back-off; a peer sending 15 MiB of junk on eight sockets
/// in a loop made the relay read and unmask 120 MiB a round.
pub const REFUSALS_PER_MINUTE: u32 = 10;

/// Refusals are counted per device wherever it connects from.
fn refusal_key(device: &str) -> crate::limits::AttemptKey {
    (
        std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        device.to_owned(),
    )
}

pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    stats: Option<Extension<ConnStats>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let ip = client_ip(peer.ip(), &headers, &state.trusted_proxies);
    let addr = SocketAddr::new(ip, peer.port());
    let offered = credential(&headers, query.as_deref());
    let device = match authenticate(&state, ip, offered.as_deref()).await {
        Ok(device) => device,
        Err(e) => return e.into_response(),
    };
    if let Err(wait) = state.refused_connections.check(&refusal_key(&device)) {
        tracing::warn!(%device, "turned away a sync connection: too many refused lately");
        return ApiError::too_many_refusals(wait).into_response();
    }
    let Some(device_slot) = state.device_connections.acquire(device.clone()) else {
        tracing::warn!(%device, max = state.device_connections.max(), "refused a connection: too many for this device");
        return ApiError::too_many_device_connections(state.device_connections.max())
            .into_response();
    };
    let Some(slot) = state.connections.acquire(ip) else {
        tracing::warn!(%ip, max = state.connections.max(), "refused a connection: too many from this address");
        return ApiError::too_many_connections(state.connections.max()).into_response();
    };
    let limits = state.sync_limits;
    let stats = stats.map(|Extension(s)| s).unwrap_or_default();
    // From here on the socket is this device's: what it makes the relay read is counted.
    stats.spend_from(state.device_reads.of(&device));
    ws.protocols([PROTOCOL])
        .max_message_size(limits.max_message_bytes)
        .max_frame_size(limits.max_message_bytes)
        .on_upgrade(move |socket| async move {
            let refusals = state.refused_connections.clone();
            let key = refusal_key(&device);
            let link = Link {
                hub: state.hub,
                addr,
                device,
                limits,
                stats,
            };
            if serve(socket, link, state.shutdown).await {
                refusals.fail(key);
            }
            drop(slot);
            drop(device_slot);
        })
}

/// One sync socket's context.
struct Link {
    hub: Hub,
    addr: SocketAddr,
    device: String,
    limits: SyncLimits,
    stats: ConnStats,
}

/// Why a socket's deadline passed, if one did.
fn overdue(
    limits: &SyncLimits,
    now: Instant,
    since_upgrade: Instant,
    joined: bool,
    last_message: Instant,
    started_unfinished: bool,
) -> Option<String> {
    let silent = now.duration_since(last_message);
    if !joined && now.duration_since(since_upgrade) >= limits.join_timeout {
        return Some(format!(
            "no join message within {} s of connecting",
            limits.join_timeout.as_secs()
        ));
    }
    if started_unfinished && silent >= limits.frame_timeout {
        return Some(format!(
            "a message was left unfinished for {} s; send whole messages",
            limits.frame_timeout.as_secs()
        ));
    }
    if silent >= limits.idle_timeout {
        return Some(format!(
            "nothing received for {} s (not even a pong)",
            limits.idle_timeout.as_secs()
        ));
    }
    None
}

/// How long a peer has to take its close frame (or answer one) before the socket is
/// dropped: a peer that stopped reading must not hold a connection open forever.
const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// How a connection's writer ended.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// It sent everything queued (and a close frame, if one was queued).
    Drained,
    /// The peer fell too far behind: the backlog was dropped.
    Abandoned,
}

/// Serves one sync socket; returns whether the relay refused it (sent it an error).
async fn serve(socket: WebSocket, link: Link, mut shutdown: watch::Receiver<bool>) -> bool {
    let Link {
        hub,
        addr,
        device,
        limits,
        stats,
    } = link;
    let limit = limits.max_message_bytes;
    let (sink, mut stream) = socket.split();
    tracing::info!(%addr, %device, "connected");
    let (conn, outlet) = hub.connect(addr.to_string(), device).await;
    let ping_every = (limits.idle_timeout / 3).max(Duration::from_millis(100));
    let mut writer = tokio::spawn(write(sink, outlet, ping_every));
    let mut writer_done = false;
    let upgraded = Instant::now();
    let mut joined = false;
    let mut last_message = upgraded;
    let mut read_at_last_message = stats.bytes_read();
    let mut check = tokio::time::interval(Duration::from_millis(250));
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Set once the writer has sent a close frame: the peer's answer is awaited this long.
    let grace = tokio::time::sleep(Duration::MAX);
    tokio::pin!(grace);
    let mut grace_running = false;
    let mut shutting_down = false;
    loop {
        tokio::select! {
            frame = stream.next() => {
                last_message = Instant::now();
                read_at_last_message = stats.bytes_read();
                match frame {
                Some(Ok(WsMessage::Binary(bytes))) => {
                    let kind = message_type(&bytes);
                    // Anything else before the join is the session's to refuse; only a
                    // join stops the join deadline.
                    joined |= kind == Some("join");
                    let big = matches!(kind, Some("sync" | "request"));
                    if !big && bytes.len() > limits.max_control_message_bytes {
                        let kind = kind.unwrap_or("untyped");
                        tracing::warn!(%addr, kind = ?kind, bytes = bytes.len(), "refused an oversized message");
                        hub.refuse_for_cause(conn, &format!(
                            "a {kind:?} message may be at most {} bytes (this one is {}); only sync messages may be larger",
                            limits.max_control_message_bytes, bytes.len()
                        )).await;
                        break;
                    }
                    hub.receive(conn, &bytes).await;
                }
                Some(Ok(WsMessage::Text(_))) => {
                    hub.refuse_for_cause(conn, "text frames are not part of the protocol: send CBOR in binary frames").await;
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                Some(Ok(WsMessage::Close(_))) | None => break,
                Some(Err(e)) => {
                    // Most often a frame over the size limit; the socket cannot be read on.
                    let reason = format!("unreadable frame (the limit is {limit} bytes): {e}");
                    // A frame over the limit is the peer's doing; a reset socket is not.
                    if e.to_string().contains("Space limit exceeded") {
                        hub.refuse_for_cause(conn, &reason).await;
                    } else {
                        hub.refuse(conn, &reason).await;
                    }
                    break;
                }
                }
            },
            _ = check.tick() => {
                let unfinished = stats.bytes_read() > read_at_last_message;
                if let Some(reason) = overdue(&limits, Instant::now(), upgraded, joined, last_message, unfinished) {
                    tracing::warn!(%addr, ?reason, "closing a sync socket past its deadline");
                    hub.refuse(conn, &reason).await;
                    break;
                }
            }
            _ = shutdown.changed() => {
                shutting_down = true;
                hub.refuse(conn, "the relay is shutting down; reconnect shortly").await;
                break;
            }
            ended = &mut writer, if !writer_done => {
                writer_done = true;
                if !matches!(ended, Ok(Ended::Drained)) {
                    break;
                }
                grace.as_mut().reset(tokio::time::Instant::now() + CLOSE_GRACE);
                grace_running = true;
            }
            () = &mut grace, if grace_running => break,
        }
    }
    let refused = hub.disconnect(conn).await;
    // The writer ends once it has sent what is queued (including any close frame).
    if !writer_done
        && tokio::time::timeout(CLOSE_GRACE, &mut writer)
            .await
            .is_err()
    {
        writer.abort();
    }
    refused && !shutting_down
}

/// Waits for the order to give up on the peer; never resolves if it cannot come any more
/// (the connection was closed the ordinary way).
async fn abandoned(order: &mut Option<oneshot::Receiver<String>>) -> String {
    if let Some(rx) = order {
        match rx.await {
            Ok(reason) => return reason,
            Err(_) => *order = None,
        }
    }
    std::future::pending().await
}

fn close_frame(code: u16, mut reason: String) -> WsMessage {
    // A close reason may be at most 123 bytes.
    while reason.len() > 120 {
        reason.pop();
    }
    WsMessage::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

async fn write(
    mut sink: futures_util::stream::SplitSink<WebSocket, WsMessage>,
    outlet: Outlet,
    ping_every: Duration,
) -> Ended {
    let Outlet {
        mut frames,
        abandon,
    } = outlet;
    let mut abandon = Some(abandon);
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let reason = loop {
        let next = tokio::select! {
            biased;
            reason = abandoned(&mut abandon) => break reason,
            next = frames.recv() => next,
            // A ping keeps a quiet but live peer inside the idle timeout (its pong counts).
            _ = ping.tick() => {
                let sent = tokio::select! {
                    biased;
                    reason = abandoned(&mut abandon) => break reason,
                    sent = sink.send(WsMessage::Ping(Vec::new().into())) => sent,
                };
                if sent.is_err() {
                    return Ended::Drained;
                }
                continue;
            }
        };
        let message = match next {
            Some(Outbound::Frame(bytes) | Outbound::Presence(bytes)) => {
                WsMessage::Binary(bytes.into())
            }
            Some(Outbound::Close(reason)) => {
                let _ = sink.send(close_frame(close_code::POLICY, reason)).await;
                let _ = sink.close().await;
                return Ended::Drained;
            }
            None => {
                let _ = sink.close().await;
                return Ended::Drained;
            }
        };
        // A peer that stopped reading blocks this send once the kernel's buffers are
        // full; the order to give up interrupts it.
        let sent = tokio::select! {
            biased;
            reason = abandoned(&mut abandon) => break reason,
            sent = sink.send(message) => sent,
        };
        if sent.is_err() {
            let _ = sink.close().await;
            return Ended::Drained;
        }
    };
    // The backlog is dropped with `frames`. The close frame (1013, "try again later")
    // reaches the peer if it reads again within the grace period.
    drop(frames);
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        sink.send(close_frame(close_code::AGAIN, reason)).await?;
        sink.close().await
    })
    .await;
    Ended::Abandoned
}
