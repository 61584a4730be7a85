//! Just enough HTTP/1.1 for the relay's setup calls (register a device, claim documents,
//! ask for access): a bodiless request with a bearer credential, answered with a status
//! code.

use anyhow::Context;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// POSTs to `path` on `addr` (host:port) and returns the status code.
pub(crate) async fn post(addr: &str, path: &str, credential: &str) -> anyhow::Result<u16> {
    request("POST", addr, path, credential).await
}

/// GETs `path` on `addr` (host:port) and returns the status code.
pub(crate) async fn get(addr: &str, path: &str, credential: &str) -> anyhow::Result<u16> {
    request("GET", addr, path, credential).await
}

async fn request(method: &str, addr: &str, path: &str, credential: &str) -> anyhow::Result<u16> {
    let mut stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {credential}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("no HTTP status in the answer to {method} {path}"))
}
