//! `/sync`: the automerge-repo WebSocket endpoint. One binary frame per message.

use std::net::SocketAddr;

use axum::{
    extract::{
        ConnectInfo, State,
        ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade, close_code},
    },
    response::Response,
};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, watch};

use crate::{
    app::AppState,
    hub::{Hub, Outbound},
};

pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
) -> Response {
    let limit = state.max_message_bytes;
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| serve(socket, state.hub, addr, limit, state.shutdown))
}

async fn serve(
    socket: WebSocket,
    hub: Hub,
    addr: SocketAddr,
    limit: usize,
    mut shutdown: watch::Receiver<bool>,
) {
    let (sink, mut stream) = socket.split();
    let (conn, rx) = hub.connect(addr.to_string()).await;
    tracing::info!(conn = conn.0, %addr, "connected");
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
