//! Test fixtures: a relay on port 0 with a scratch data folder, and a Rust sync client
//! (tandem-sync's session over a real WebSocket).
#![allow(dead_code)]

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    time::Duration,
};

use automerge::{AutoCommit, ReadDoc, transaction::Transactable};
use futures_util::{SinkExt, StreamExt};
use tandem_relay::{config::Config, server};
use tandem_sync::api;
use tandem_sync::document_id::DocumentId;
use tandem_sync::{
    message::Message,
    session::{ConnId, Documents, Effect, Handshake, Session},
};
use tokio::{net::TcpStream, sync::oneshot};

pub(crate) mod nats;
pub(crate) mod postgres;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message as Ws};

pub(crate) struct RunningRelay {
    pub addr: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// In cluster mode ([`cluster_store`]), its own PostgreSQL, stopped when dropped.
    _store: Option<postgres::Postgres>,
}

/// With `TANDEM_TEST_CLUSTER=1` the relays tests start keep documents and access in a
/// PostgreSQL of their own (`--store`), so the same attacks run against cluster mode
/// (issue 23, test 7): `./scripts/test` runs the hostile-peer tests both ways.
pub(crate) fn cluster_store() -> Option<postgres::Postgres> {
    std::env::var_os("TANDEM_TEST_CLUSTER")
        .filter(|v| v == "1")
        .map(|_| postgres::Postgres::start())
}

impl RunningRelay {
    pub(crate) async fn start(data_dir: &Path, app_dir: &Path) -> Self {
        Self::start_with(data_dir, app_dir, |_| {}).await
    }

    pub(crate) async fn start_with(
        data_dir: &Path,
        app_dir: &Path,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = Config::new(
            "127.0.0.1:0".parse().expect("addr"),
            data_dir.to_path_buf(),
            app_dir.to_path_buf(),
        );
        tweak(&mut config);
        let store = cluster_store();
        if let Some(pg) = &store {
            config.store = Some(pg.url());
        }
        let relay = server::bind(&config).await.expect("binds");
        let addr = relay.listener.local_addr().expect("addr").to_string();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server::run(relay, &config, async {
                let _ = stopped.await;
            })
            .await
        });
        RunningRelay {
            addr,
            stop: Some(stop),
            task,
            _store: store,
        }
    }

    /// The sync endpoint without any credential (refused).
    pub(crate) fn bare_sync_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    /// A newly registered device (a browser, say) with no access to anything yet.
    pub(crate) async fn device(&self) -> Device {
        let mut bytes = [0u8; 40];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let device = Device {
            id: hex[..16].to_owned(),
            credential: format!("{}.{}", &hex[..16], &hex[16..]),
            addr: self.addr.clone(),
            http: reqwest::Client::new(),
        };
        let (status, answer) = device.send(&api::RegisterDevice).await;
        assert_eq!(status, 201, "registers: {answer:?}");
        assert_eq!(answer.expect("registered").device, device.id);
        device
    }

    /// Another connection of the same device (same credential), for load tests.
    pub(crate) fn device_like(&self, device: &Device) -> Device {
        Device {
            id: device.id.clone(),
            credential: device.credential.clone(),
            addr: self.addr.clone(),
            http: reqwest::Client::new(),
        }
    }

    /// A device that owns `doc`.
    pub(crate) async fn owner_of(&self, doc: DocumentId) -> Device {
        let device = self.device().await;
        device.claim(doc).await;
        device
    }

    /// A device that redeemed a link of `role` to `doc` from `owner`.
    pub(crate) async fn guest(&self, owner: &Device, doc: DocumentId, role: &str) -> Device {
        let device = self.device().await;
        let link = owner.link(doc, role, None).await;
        let (status, body) = device.redeem(&link.secret).await;
        assert_eq!(status, 200, "redeems: {body:?}");
        device
    }

    /// Graceful shutdown; waits for it.
    pub(crate) async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .expect("the relay stops within 10 s")
            .expect("joins")
            .expect("stops cleanly");
    }
}

pub(crate) fn app_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("index.html"), "<title>Tandem</title>").expect("write");
    dir
}

pub(crate) fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    (dir, data)
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A document whose `notes` text holds `text`.
pub(crate) fn doc_with(text: &str) -> AutoCommit {
    let mut doc = AutoCommit::new();
    let notes = doc
        .put_object(automerge::ROOT, "notes", automerge::ObjType::Text)
        .expect("text");
    doc.splice_text(&notes, 0, 0, text).expect("splice");
    doc.commit();
    doc
}

/// The `notes` text of a document.
pub(crate) fn notes(doc: &AutoCommit) -> Option<String> {
    let (_, id) = doc.get(automerge::ROOT, "notes").ok()??;
    doc.text(&id).ok()
}

/// Whether the client's copy of a document has exactly these notes.
pub(crate) fn has_notes(c: &mut Client, id: DocumentId, want: &str) -> bool {
    c.docs.docs.get(&id).and_then(notes).as_deref() == Some(want)
}

/// A registered device and its credential, with the API calls tests need.
pub(crate) struct Device {
    pub id: String,
    pub credential: String,
    addr: String,
    http: reqwest::Client,
}

/// A link as the owner gets it back.
pub(crate) struct LinkMade {
    pub id: String,
    pub secret: String,
}

impl Device {
    /// Registers a new device with the relay at `addr` (host:port).
    pub(crate) async fn register_at(addr: &str) -> Device {
        let mut bytes = [0u8; 40];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let device = Device {
            id: hex[..16].to_owned(),
            credential: format!("{}.{}", &hex[..16], &hex[16..]),
            addr: addr.to_owned(),
            http: reqwest::Client::new(),
        };
        let (status, answer) = device.send(&api::RegisterDevice).await;
        assert_eq!(status, 201, "registers: {answer:?}");
        assert_eq!(answer.expect("registered").device, device.id);
        device
    }

    /// The same device, talking to a relay restarted on another port.
    pub(crate) fn moved_to(&mut self, relay: &RunningRelay) {
        self.addr = relay.addr.clone();
    }

    /// The sync endpoint with this device's credential in the query.
    pub(crate) fn sync_url(&self) -> String {
        format!("ws://{}/sync?credential={}", self.addr, self.credential)
    }

    /// A peer id bound to this device.
    pub(crate) fn peer(&self, name: &str) -> String {
        format!("{}-{name}", self.id)
    }

    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self
            .http
            .request(method, format!("http://{}{path}", self.addr))
            .bearer_auth(&self.credential);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the relay answers");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// One typed call, through the structs the app sends and reads
    /// (`tandem_sync::api`): the status and the answer, or the refusal.
    pub(crate) async fn send<C: api::Call>(
        &self,
        call: &C,
    ) -> (u16, Result<C::Answer, api::Refusal>) {
        let method = match C::METHOD {
            api::Method::Get => reqwest::Method::GET,
            api::Method::Post => reqwest::Method::POST,
            api::Method::Delete => reqwest::Method::DELETE,
        };
        let body = C::HAS_BODY.then(|| serde_json::to_value(call).expect("a call encodes"));
        let (status, body) = self.call(method, &call.path(), body).await;
        let answer = if (200..300).contains(&status) {
            Ok(serde_json::from_value(body.clone()).unwrap_or_else(|e| {
                panic!(
                    "the answer to {} reads as its type: {e}: {body}",
                    call.path()
                )
            }))
        } else {
            Err(serde_json::from_value(body.clone()).unwrap_or_else(|e| {
                panic!("a refusal of {} reads as one: {e}: {body}", call.path())
            }))
        };
        (status, answer)
    }

    pub(crate) async fn claim(&self, doc: DocumentId) {
        let (status, answer) = self.send(&api::Claim { document: doc }).await;
        assert!(
            status == 201 || status == 200,
            "claims: {status} {answer:?}"
        );
        assert_eq!(
            answer.expect("claimed"),
            api::Claimed {
                document: doc,
                role: api::Role::Owner
            }
        );
    }

    pub(crate) async fn link(
        &self,
        doc: DocumentId,
        role: &str,
        expires_ms: Option<i64>,
    ) -> LinkMade {
        let (status, answer) = self
            .send(&api::CreateLink {
                document: doc,
                link: api::LinkRequest {
                    role: api::Role::parse(role).expect("a role"),
                    label: "test".to_owned(),
                    side: None,
                    expires_ms,
                },
            })
            .await;
        assert_eq!(status, 201, "makes a link: {answer:?}");
        let made = answer.expect("a new link");
        assert_eq!(
            (made.link.document.as_str(), made.link.role.as_str()),
            (doc.to_string().as_str(), role)
        );
        LinkMade {
            id: made.link.id,
            secret: made.secret,
        }
    }

    pub(crate) async fn redeem(&self, secret: &str) -> (u16, Result<api::Redeemed, api::Refusal>) {
        self.send(&api::Redeem {
            secret: secret.to_owned(),
        })
        .await
    }

    pub(crate) async fn revoke(&self, doc: DocumentId, link: &str) {
        let (status, answer) = self
            .send(&api::RevokeLink {
                document: doc,
                link: link.to_owned(),
            })
            .await;
        assert_eq!(status, 200, "revokes: {answer:?}");
        let revoked = answer.expect("revoked");
        assert_eq!(revoked.link.id, link);
        assert!(revoked.link.revoked_ms.is_some(), "{revoked:?}");
    }
}

#[derive(Default)]
pub(crate) struct ClientDocs {
    pub docs: HashMap<DocumentId, AutoCommit>,
}

impl Documents for ClientDocs {
    fn with_doc<R>(&mut self, id: &DocumentId, f: impl FnOnce(&mut AutoCommit) -> R) -> Option<R> {
        self.docs.get_mut(id).map(f)
    }
    fn create(&mut self, _: &DocumentId) -> bool {
        false
    }
}

/// A sync client over a real socket, driven step by step by the test.
pub(crate) struct Client {
    socket: Socket,
    pub session: Session,
    pub docs: ClientDocs,
    pub unavailable: Vec<DocumentId>,
    pub closed: Option<String>,
    /// Ephemeral data received: (document, sender, data).
    pub ephemeral: Vec<(DocumentId, String, Vec<u8>)>,
}

const CONN: ConnId = ConnId(1);

impl Client {
    /// Connects as `device`, with the peer id `<device id>-<name>`.
    pub(crate) async fn connect(device: &Device, name: &str) -> Self {
        // Nagle off, as browsers have it: with it, a frame sent while the last is still
        // unacknowledged waits for the relay's delayed ACK (40 ms), which is the client's
        // delay, not the relay's.
        let (socket, _) =
            tokio_tungstenite::connect_async_with_config(device.sync_url(), None, true)
                .await
                .expect("connects");
        Self::handshake(socket, device, name).await
    }

    /// Joins as `<device id>-<name>` over an open socket and waits for the relay's answer.
    async fn handshake(socket: Socket, device: &Device, name: &str) -> Self {
        let mut client = Client {
            socket,
            session: Session::new(
                device.peer(name).parse().expect("peer id"),
                Default::default(),
            ),
            docs: ClientDocs::default(),
            unavailable: Vec::new(),
            closed: None,
            ephemeral: Vec::new(),
        };
        let effects = client.session.connect(CONN, Handshake::Initiator);
        client.apply(effects).await;
        client
            .pump_until(Duration::from_secs(5), |c| c.session.remote(CONN).is_some())
            .await;
        client
    }

    /// Connects like [`Client::connect`] over a socket with a small kernel receive buffer
    /// and a small segment size, so that when this client stops reading, the kernel on
    /// both ends holds little (the relay's send buffer grows with the segment size) and
    /// the relay's own queue backs up after little data.
    pub(crate) async fn connect_with_small_buffers(device: &Device, name: &str) -> Self {
        let tcp = tokio::net::TcpSocket::new_v4().expect("socket");
        tcp.set_recv_buffer_size(4096).expect("sets SO_RCVBUF");
        socket2::SockRef::from(&tcp)
            .set_tcp_mss(1024)
            .expect("sets TCP_MAXSEG");
        let stream = tcp
            .connect(device.addr.parse().expect("addr"))
            .await
            .expect("connects");
        let (socket, _) =
            tokio_tungstenite::client_async(device.sync_url(), MaybeTlsStream::Plain(stream))
                .await
                .expect("upgrades");
        Self::handshake(socket, device, name).await
    }

    /// Reads what has piled up without acting on it, until the relay closes the socket:
    /// how many sync frames came first, and the close frame's code and reason (`None` if
    /// the socket ended without one). Panics if it does not end within `timeout`.
    pub(crate) async fn read_until_closed(
        &mut self,
        timeout: Duration,
    ) -> (usize, Option<(u16, String)>) {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut frames = 0;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .expect("the relay closed the socket before the timeout");
            match frame {
                Some(Ok(Ws::Binary(_))) => frames += 1,
                Some(Ok(Ws::Close(close))) => {
                    return (
                        frames,
                        close.map(|c| (u16::from(c.code), c.reason.to_string())),
                    );
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return (frames, None),
            }
        }
    }

    async fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send { message, .. } => {
                    self.socket
                        .send(Ws::Binary(message.encode().into()))
                        .await
                        .expect("sends");
                }
                Effect::Close { reason, .. } => self.closed = Some(reason),
                Effect::DocumentUnavailable { document, .. } => self.unavailable.push(document),
                Effect::Ephemeral {
                    document,
                    sender,
                    data,
                    ..
                } => self.ephemeral.push((document, sender.to_string(), data)),
                _ => {}
            }
        }
    }

    /// The heads the relay last reported for a document: what it has acknowledged.
    pub(crate) fn relay_heads(&self, id: DocumentId) -> Option<Vec<automerge::ChangeHash>> {
        self.session.their_heads(CONN, &id)
    }

    pub(crate) async fn share(&mut self, id: DocumentId, doc: AutoCommit) {
        self.docs.docs.insert(id, doc);
        let effects = self.session.share(id, &mut self.docs);
        self.apply(effects).await;
    }

    pub(crate) async fn broadcast(
        &mut self,
        id: DocumentId,
        session: &str,
        count: u64,
        data: Vec<u8>,
    ) {
        let effects = self.session.broadcast_ephemeral(id, session, count, data);
        self.apply(effects).await;
    }

    pub(crate) async fn changed(&mut self, id: DocumentId) {
        let effects = self.session.changed(id, &mut self.docs);
        self.apply(effects).await;
    }

    /// Reads frames until `done` holds; panics after `timeout`.
    pub(crate) async fn pump_until(&mut self, timeout: Duration, done: impl Fn(&mut Self) -> bool) {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut frames = 0u64;
        while !done(self) {
            // Said on a timeout: a quiet stall (no frames) and an endless exchange that
            // never brings the change look alike otherwise.
            let Ok(frame) = tokio::time::timeout_at(deadline, self.socket.next()).await else {
                panic!(
                    "condition not reached within {timeout:?}: {frames} frames arrived meanwhile; closed: {:?}",
                    self.closed
                );
            };
            frames += 1;
            match frame {
                Some(Ok(Ws::Binary(bytes))) => {
                    let effects = self.session.receive(CONN, &bytes, &mut self.docs);
                    self.apply(effects).await;
                }
                Some(Ok(_)) => {}
                other => panic!("connection ended: {other:?}"),
            }
        }
    }

    /// Reads until the relay has nothing more to say for `quiet`.
    pub(crate) async fn settle(&mut self, quiet: Duration) {
        while let Ok(Some(Ok(frame))) = tokio::time::timeout(quiet, self.socket.next()).await {
            if let Ws::Binary(bytes) = frame {
                let effects = self.session.receive(CONN, &bytes, &mut self.docs);
                self.apply(effects).await;
            }
        }
    }
}

/// A raw socket for sending hostile frames; collects what comes back until it closes.
pub(crate) struct Raw {
    pub socket: Socket,
}

impl Raw {
    pub(crate) async fn connect(url: &str) -> Self {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connects");
        Raw { socket }
    }

    pub(crate) async fn send(&mut self, frame: Vec<u8>) {
        // The relay may already have closed; a failed send is part of what is tested.
        let _ = self.socket.send(Ws::Binary(frame.into())).await;
    }

    /// The protocol messages received, and whether the relay closed the socket.
    pub(crate) async fn drain(&mut self) -> (Vec<Message>, bool) {
        let mut messages = Vec::new();
        loop {
            match tokio::time::timeout(Duration::from_secs(5), self.socket.next()).await {
                Ok(Some(Ok(Ws::Binary(bytes)))) => {
                    messages.push(Message::decode(&bytes).expect("the relay sends valid messages"));
                }
                Ok(Some(Ok(Ws::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => {
                    return (messages, true);
                }
                Ok(Some(Ok(_))) => {}
                Err(_) => return (messages, false),
            }
        }
    }
}

// --- Hostile-peer helpers (issue 15, protocol and hub half) ---

/// A raw socket that has finished the handshake as `<device id>-<name>`.
pub(crate) async fn joined(device: &Device, name: &str) -> Raw {
    match try_joined(device, name).await {
        Ok(raw) => raw,
        Err(e) => panic!("joins: {e}"),
    }
}

/// Like [`joined`], with a refused upgrade or join as an answer rather than a panic.
pub(crate) async fn try_joined(device: &Device, name: &str) -> Result<Raw, String> {
    let (socket, _) = tokio_tungstenite::connect_async(device.sync_url())
        .await
        .map_err(|e| format!("the upgrade was refused: {e}"))?;
    let mut raw = Raw { socket };
    let join = Message::Join {
        sender_id: device.peer(name).parse().expect("peer id"),
        metadata: Default::default(),
        supported_protocol_versions: vec!["1".into()],
    };
    raw.send(join.encode()).await;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), raw.socket.next()).await {
            Ok(Some(Ok(Ws::Binary(bytes)))) => {
                if let Ok(Message::Peer { .. }) = Message::decode(&bytes) {
                    return Ok(raw);
                }
            }
            Ok(Some(Ok(_))) => {}
            other => return Err(format!("the relay did not answer the join: {other:?}")),
        }
    }
}

/// A sync payload with no heads or need, one `have` carrying `filter`, and no changes.
pub(crate) fn with_filter(filter: &[u8]) -> Vec<u8> {
    let mut data = vec![0x42, 0, 0, 1, 0, filter.len() as u8];
    data.extend_from_slice(filter);
    data.push(0);
    data
}

/// A `sync` frame from `<device id>-<name>` to the relay carrying `data`.
pub(crate) fn sync_frame(device: &Device, name: &str, id: DocumentId, data: Vec<u8>) -> Vec<u8> {
    Message::Sync {
        sender_id: device.peer(name).parse().expect("peer id"),
        target_id: "tandem-relay".parse().expect("peer id"),
        document_id: id,
        data,
    }
    .encode()
}

/// A `kB` figure from `/proc/self/status` (the relay runs in the test's process), in bytes.
pub(crate) fn proc_status_bytes(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .expect("reads /proc/self/status")
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .expect("the field is there")
}

/// File descriptors open in this process (the relay's and the test's).
pub(crate) fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("lists fds")
        .count()
}

/// Appends `text` to the client's notes and waits until the relay acknowledges it (its
/// reported heads cover the edit): the edit round trip.
pub(crate) async fn edit_round_trip(c: &mut Client, id: DocumentId, text: &str) -> Duration {
    let started = std::time::Instant::now();
    let doc = c
        .docs
        .docs
        .get_mut(&id)
        .expect("the client has the document");
    let (_, notes) = doc
        .get(automerge::ROOT, "notes")
        .expect("reads")
        .expect("has notes");
    let len = doc.length(&notes);
    doc.splice_text(&notes, len, 0, text).expect("splices");
    doc.commit();
    let want = doc.get_heads();
    c.changed(id).await;
    c.pump_until(Duration::from_secs(20), |c| {
        c.relay_heads(id).is_some_and(|h| h == want)
    })
    .await;
    started.elapsed()
}

/// The error a refused raw socket was sent, once it has been closed.
pub(crate) async fn refused_with(raw: &mut Raw) -> String {
    let (messages, closed) = raw.drain().await;
    assert!(closed, "the relay closed the connection: {messages:?}");
    messages
        .iter()
        .find_map(|m| match m {
            Message::Error { message } => Some(message.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("an error message came before the close: {messages:?}"))
}

/// The relay binary on a free port, for tests that read its memory from `/proc/<pid>`.
/// Killed when dropped (a test that fails still stops it).
pub(crate) struct RelayProcess {
    pub child: tokio::process::Child,
    pub addr: String,
}

impl RelayProcess {
    pub(crate) async fn spawn(data: &Path, app: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        Self::spawn_at(port, data, app, &[]).await
    }

    /// [`RelayProcess::spawn`] on a given port, with extra flags.
    pub(crate) async fn spawn_at(port: u16, data: &Path, app: &Path, flags: &[&str]) -> Self {
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tandem-relay"))
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data)
            .arg("--app-dir")
            .arg(app)
            .args(flags)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the relay starts");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while reqwest::get(format!("http://127.0.0.1:{port}/health"))
            .await
            .is_err()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the relay answers within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        RelayProcess {
            child,
            addr: format!("127.0.0.1:{port}"),
        }
    }

    /// A `kB` figure from the relay's `/proc/<pid>/status`, in bytes.
    pub(crate) fn status_bytes(&self, field: &str) -> u64 {
        let pid = self.child.id().expect("the relay is running");
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .expect("reads the relay's status")
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .expect("the field is there")
    }

    /// The relay's open file descriptors.
    pub(crate) fn fds(&self) -> usize {
        let pid = self.child.id().expect("the relay is running");
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .expect("lists the relay's fds")
            .count()
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

// --- The real relay binary, for attacks measured from outside (issue 15) ---

/// The relay binary (`tandem-relay`) in its own process with a scratch data folder, so a
/// test can read its file descriptors and memory from `/proc`. Killed when dropped.
pub(crate) struct RelayBinary {
    pub addr: String,
    pub pid: u32,
    child: tokio::process::Child,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    /// In cluster mode ([`cluster_store`]), its own PostgreSQL, stopped when dropped.
    _store: Option<postgres::Postgres>,
}

impl RelayBinary {
    /// Starts the relay with extra flags and waits until `/health` answers.
    pub(crate) async fn start(flags: &[&str]) -> Self {
        Self::start_limited(flags, None).await
    }

    /// Like [`RelayBinary::start`], with the process's open-file limit set to
    /// `max_open_files` (by the shell's `ulimit -n` before it execs the relay).
    pub(crate) async fn start_limited(flags: &[&str], max_open_files: Option<u32>) -> Self {
        let app = app_dir();
        let (dir, data) = scratch();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let addr = format!("127.0.0.1:{port}");
        let limit = max_open_files.map_or(String::new(), |n| format!("ulimit -n {n} && "));
        let mut command = tokio::process::Command::new("sh");
        command
            .arg("-c")
            .arg(format!("{limit}exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_tandem-relay"))
            .args(["--addr", &addr])
            .arg("--data-dir")
            .arg(&data)
            .arg("--app-dir")
            .arg(app.path())
            .args(flags)
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true);
        let store = cluster_store();
        if let Some(pg) = &store {
            command.args(["--store", &pg.url()]);
        }
        // TANDEM_TEST_RELAY_LOG=info (say) shows the relay's log while debugging a test.
        match std::env::var("TANDEM_TEST_RELAY_LOG") {
            Ok(level) => command
                .env("RUST_LOG", level)
                .stdout(std::process::Stdio::inherit()),
            Err(_) => command
                .env("RUST_LOG", "error")
                .stderr(std::process::Stdio::null()),
        };
        let child = command.spawn().expect("the relay starts");
        let pid = child.id().expect("a pid");
        let relay = RelayBinary {
            addr,
            pid,
            child,
            _dirs: (app, dir),
            _store: store,
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while reqwest::get(format!("http://{}/health", relay.addr))
            .await
            .is_err()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the relay answers within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        relay
    }

    /// Open file descriptors of the relay process now.
    pub(crate) fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid))
            .map(|d| d.count())
            .expect("reads /proc/<pid>/fd")
    }

    /// Resident memory of the relay process now, in KiB.
    pub(crate) fn rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid)).expect("reads status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    /// Asks `/health` on a fresh connection; panics unless it answers 200 within `within`.
    /// Returns how long it took.
    pub(crate) async fn health(&self, within: Duration) -> Duration {
        let started = tokio::time::Instant::now();
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("client");
        let answer = tokio::time::timeout(
            within,
            client.get(format!("http://{}/health", self.addr)).send(),
        )
        .await
        .unwrap_or_else(|_| panic!("/health did not answer within {within:?}"))
        .expect("/health answers");
        assert_eq!(answer.status().as_u16(), 200);
        started.elapsed()
    }

    /// Waits until `done` holds (checked every 100 ms); panics with `what` after `timeout`.
    pub(crate) async fn wait_for(
        &self,
        timeout: Duration,
        what: &str,
        done: impl Fn(&Self) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + timeout;
        while !done(self) {
            assert!(tokio::time::Instant::now() < deadline, "{what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// One edit on `id` and the time until the relay acknowledges it (its reported heads
/// reach the new ones). Panics if that takes longer than `within`.
pub(crate) async fn edit_acknowledged_within(
    c: &mut Client,
    id: DocumentId,
    within: Duration,
) -> Duration {
    let doc = c
        .docs
        .docs
        .get_mut(&id)
        .expect("the client has the document");
    let (_, notes) = doc
        .get(automerge::ROOT, "notes")
        .expect("reads")
        .expect("notes");
    let len = doc.text(&notes).expect("text").chars().count();
    doc.splice_text(&notes, len, 0, "x").expect("splice");
    doc.commit();
    let want = doc.get_heads();
    let started = tokio::time::Instant::now();
    c.changed(id).await;
    c.pump_until(within, |c| c.relay_heads(id).is_some_and(|h| h == want))
        .await;
    started.elapsed()
}
