//! `/sync`: the automerge-repo WebSocket endpoint. One binary frame per message.
//!
//! Every connection authenticates with a device credential before the upgrade: the app
//! offers it as a subprotocol (`tandem.v1, tandem.credential.<credential>`; the relay
//! selects `tandem.v1`), a stock automerge-repo client that can only be given a URL puts
//! it in the query (`/sync?credential=…`). No credential, a wrong one, or too many failures
//! from the address: the upgrade is refused with 401 or 429 and nothing is synced.

use std::net::SocketAddr;

use axum::{
    extract::{
        ConnectInfo, RawQuery, State,
        ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade, close_code},
    },
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, watch};

use crate::{
    api::{ApiError, authenticate},
    app::AppState,
    hub::{Hub, Outbound},
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
    let (conn, rx) = hub.connect(addr.to_string(), device).await;
    let writer = tokio::spawn(write(sink, rx));
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
        }
    }
    hub.disconnect(conn).await;
    // The writer ends once it has sent what is queued (including any close frame).
    let _ = writer.await;
}

async fn write(
    mut sink: futures_util::stream::SplitSink<WebSocket, WsMessage>,
    mut rx: mpsc::Receiver<Outbound>,
) {
    while let Some(out) = rx.recv().await {
        let result = match out {
            Outbound::Frame(bytes) => sink.send(WsMessage::Binary(bytes.into())).await,
            Outbound::Close(reason) => {
                let mut reason = reason;
                // A close reason may be at most 123 bytes.
                while reason.len() > 120 {
                    reason.pop();
                }
                let _ = sink
                    .send(WsMessage::Close(Some(CloseFrame {
                        code: close_code::POLICY,
                        reason: reason.into(),
                    })))
                    .await;
                break;
            }
        };
        if result.is_err() {
            break;
        }
    }
    let _ = sink.close().await;
}
