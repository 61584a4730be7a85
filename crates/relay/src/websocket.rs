//! `/sync`: the automerge-repo WebSocket endpoint. One binary frame per message.
//!
//! Every connection authenticates with a device credential before the upgrade: the app
//! offers it as a subprotocol (`tandem.v1, tandem.credential.<credential>`; the relay
//! selects `tandem.v1`), a stock automerge-repo client that can only be given a URL puts
//! it in the query (`/sync?credential=…`). No credential, a wrong one, or too many failures
//! from the address: the upgrade is refused with 401 or 429 and nothing is synced.
//!
//! Each connection has a writer task fed by a bounded queue (`--send-queue`, 1,024
//! frames). A peer that stops reading fills its socket's kernel buffers, then the queue;
//! past the bound the hub forgets it at once and its writer drops the backlog, sends a
//! close frame with code 1013 (try again later) and the reason, and ends; the socket is
//! dropped after at most `CLOSE_GRACE` even if the peer never reads again.

use std::{net::SocketAddr, time::Duration};

use axum::{
    extract::{
        ConnectInfo, RawQuery, State,
        ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade, close_code},
    },
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{oneshot, watch};

use crate::{
    api::{ApiError, authenticate},
    app::AppState,
    hub::{Hub, Outbound, Outlet},
};

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

pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let offered = credential(&headers, query.as_deref());
    let device = match authenticate(&state, addr.ip(), offered.as_deref()) {
        Ok(device) => device,
        Err(e) => return e.into_response(),
    };
    let Some(slot) = state.connections.acquire(addr.ip()) else {
        tracing::warn!(ip = %addr.ip(), max = state.connections.max(), "refused a connection: too many from this address");
        return ApiError::too_many_connections(state.connections.max()).into_response();
    };
    let limit = state.max_message_bytes;
    ws.protocols([PROTOCOL])
        .max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| async move {
            serve(socket, state.hub, addr, device, limit, state.shutdown).await;
            drop(slot);
        })
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

async fn serve(
    socket: WebSocket,
    hub: Hub,
    addr: SocketAddr,
    device: String,
    limit: usize,
    mut shutdown: watch::Receiver<bool>,
) {
    let (sink, mut stream) = socket.split();
    tracing::info!(%addr, %device, "connected");
    let (conn, outlet) = hub.connect(addr.to_string(), device).await;
    let mut writer = tokio::spawn(write(sink, outlet));
    let mut writer_done = false;
    // Set once the writer has sent a close frame: the peer's answer is awaited this long.
    let grace = tokio::time::sleep(Duration::MAX);
    tokio::pin!(grace);
    let mut grace_running = false;
    loop {
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(WsMessage::Binary(bytes))) => hub.receive(conn, &bytes).await,
                Some(Ok(WsMessage::Text(_))) => {
                    hub.refuse(conn, "text frames are not part of the protocol: send CBOR in binary frames").await;
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                Some(Ok(WsMessage::Close(_))) | None => break,
                Some(Err(e)) => {
                    // Most often a frame over the size limit; the socket cannot be read on.
                    hub.refuse(conn, &format!("unreadable frame (the limit is {limit} bytes): {e}")).await;
                    break;
                }
            },
            _ = shutdown.changed() => {
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
    hub.disconnect(conn).await;
    // The writer ends once it has sent what is queued (including any close frame).
    if !writer_done
        && tokio::time::timeout(CLOSE_GRACE, &mut writer)
            .await
            .is_err()
    {
        writer.abort();
    }
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
) -> Ended {
    let Outlet {
        mut frames,
        abandon,
    } = outlet;
    let mut abandon = Some(abandon);
    let reason = loop {
        let next = tokio::select! {
            biased;
            reason = abandoned(&mut abandon) => break reason,
            next = frames.recv() => next,
        };
        let message = match next {
            Some(Outbound::Frame(bytes)) => WsMessage::Binary(bytes.into()),
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
