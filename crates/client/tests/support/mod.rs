//! A simulated world for the client: browsers (each a `Client` with a fake platform),
//! a relay (a `tandem_sync` session in acceptor mode over in-memory documents), and a
//! clock. Tasks are carried out the way `src/platform/` does in the browser, but in
//! memory and in order, so a test reads as what a person and the network did.

#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use automerge::{AutoCommit, ChangeHash};
use tandem_client::{
    Answered, ApiCall, ApiFailure, Client, Config, Event, Loaded, Notice, Task, Timer,
    access::{Reason, Role},
    records::{self, Record, Stored},
};
use tandem_domain::{
    document::PartnershipDoc, document_id::DocumentId, error::CommandError,
    partnership::NewPartnership, quarter::QuarterId,
};
use tandem_sync::session::{ConnId, Documents, Effect, Handshake, Session};

/// What one browser profile keeps: IndexedDB chunks and localStorage, shared by its tabs.
#[derive(Debug, Default, Clone)]
pub struct Profile {
    pub chunks: BTreeMap<DocumentId, Vec<Vec<u8>>>,
    pub local: BTreeMap<String, String>,
    /// Saves fail while set (a full disk).
    pub disk_full: bool,
}

impl Profile {
    pub fn stored(&self) -> Stored {
        Stored::read(self.local.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

/// The relay's documents; it accepts documents it does not hold, except those it refuses.
#[derive(Default)]
pub struct RelayDocs {
    pub docs: HashMap<DocumentId, AutoCommit>,
    pub refused: BTreeSet<DocumentId>,
}

impl Documents for RelayDocs {
    fn with_doc<R>(&mut self, id: &DocumentId, f: impl FnOnce(&mut AutoCommit) -> R) -> Option<R> {
        if self.refused.contains(id) {
            return None;
        }
        self.docs.get_mut(id).map(f)
    }
    fn create(&mut self, id: &DocumentId) -> bool {
        if self.refused.contains(id) {
            return false;
        }
        self.docs.entry(*id).or_default();
        true
    }
}

pub struct Relay {
    pub session: Session,
    pub docs: RelayDocs,
    pub up: bool,
    next_conn: u64,
    /// What `GetAccess` answers per document (default: the role asked about is active).
    pub access_answer: BTreeMap<DocumentId, Result<Role, Reason>>,
    /// Claims refused with a reason (default: a claim is accepted).
    pub claim_refusal: BTreeMap<DocumentId, Reason>,
}

pub struct Tab {
    pub client: Client,
    pub profile: usize,
    /// The relay connection of its open socket.
    pub conn: Option<ConnId>,
    pub timers: Vec<(i64, Timer)>,
    pub notices: Vec<Notice>,
    /// Documents whose last store read the client said it holds ([`Task::ReadHeld`]).
    pub held_reads: Vec<DocumentId>,
    pub sent_bytes: usize,
    pub calls: Vec<ApiCall>,
    pub online: bool,
}

pub struct World {
    pub now: i64,
    pub random: f64,
    pub relay: Relay,
    pub profiles: Vec<Profile>,
    pub tabs: Vec<Tab>,
    /// Frames in flight: (to tab or relay, bytes).
    queue: Vec<(Dest, Vec<u8>)>,
}

#[derive(Debug, Clone, Copy)]
enum Dest {
    Relay(ConnId),
    Tab(usize),
}

pub fn new_partnership() -> NewPartnership {
    NewPartnership {
        brand: "Northwind".into(),
        creator: "Маша".into(),
        markets: vec!["RU".parse().expect("a market")],
        first_quarter: QuarterId::new(2027, 1).expect("a quarter"),
        quarters: 1,
    }
}

impl World {
    pub fn new() -> World {
        World {
            now: 1_800_000_000_000,
            random: 0.5,
            relay: Relay {
                session: Session::new("relay".parse().expect("a peer id"), Default::default()),
                docs: RelayDocs::default(),
                up: true,
                next_conn: 0,
                access_answer: BTreeMap::new(),
                claim_refusal: BTreeMap::new(),
            },
            profiles: Vec::new(),
            tabs: Vec::new(),
            queue: Vec::new(),
        }
    }

    pub fn profile(&mut self) -> usize {
        self.profiles.push(Profile::default());
        self.profiles.len() - 1
    }

    /// Opens a tab on a profile: loads what its store holds, as the platform does.
    pub fn open_tab(&mut self, profile: usize) -> usize {
        self.open_tab_with(profile, Vec::new(), BTreeSet::new(), false)
    }

    pub fn open_tab_with(
        &mut self,
        profile: usize,
        offered: Vec<DocumentId>,
        extra_unreadable: BTreeSet<DocumentId>,
        open_relay: bool,
    ) -> usize {
        self.open_tab_loading(
            profile,
            offered,
            extra_unreadable,
            open_relay,
            BTreeSet::new(),
        )
    }

    /// A tab that starts before the stored partnerships in `pending` have loaded (the
    /// app loads the one its page shows first); each arrives with [`World::loaded`].
    pub fn open_tab_loading(
        &mut self,
        profile: usize,
        offered: Vec<DocumentId>,
        extra_unreadable: BTreeSet<DocumentId>,
        open_relay: bool,
        pending: BTreeSet<DocumentId>,
    ) -> usize {
        let p = &self.profiles[profile];
        let docs = p
            .chunks
            .iter()
            .filter(|(id, _)| !pending.contains(id))
            .map(|(id, chunks)| {
                let doc = PartnershipDoc::load(chunks.iter().map(Vec::as_slice))
                    .expect("stored chunks load");
                (*id, doc)
            })
            .collect();
        let n = self.tabs.len();
        let config = Config {
            peer_id: format!("device{profile}-tab{n}")
                .parse()
                .expect("a peer id"),
            api: "http://relay".into(),
            open_relay,
            offered: offered.into_iter().collect(),
            registered: p.local.contains_key(records::REGISTERED),
            online: true,
            presence_session: format!("session-{n}"),
        };
        let client = Client::new(
            config,
            Loaded {
                docs,
                unreadable: extra_unreadable,
                stored: p.stored(),
                pending,
            },
        );
        self.tabs.push(Tab {
            client,
            profile,
            conn: None,
            timers: Vec::new(),
            notices: Vec::new(),
            held_reads: Vec::new(),
            sent_bytes: 0,
            calls: Vec::new(),
            online: true,
        });
        self.event(n, Event::Start);
        n
    }

    /// A stored partnership the tab was still loading has loaded (from what is stored
    /// now, as the app reads it then).
    pub fn loaded(&mut self, tab: usize, id: DocumentId) {
        let profile = self.tabs[tab].profile;
        let doc = self.profiles[profile].chunks.get(&id).map(|chunks| {
            Box::new(
                PartnershipDoc::load(chunks.iter().map(Vec::as_slice)).expect("stored chunks load"),
            )
        });
        self.event(tab, Event::Opened { id, doc });
    }

    /// A partnership made in a tab (stored at once, as the app does before `Added`).
    pub fn create(&mut self, tab: usize) -> DocumentId {
        let id = DocumentId::from_bytes([self.tabs.len() as u8 + 1; 16]);
        self.create_as(tab, id)
    }

    pub fn create_as(&mut self, tab: usize, id: DocumentId) -> DocumentId {
        let mut doc =
            PartnershipDoc::create_identified(&new_partnership(), id, self.now).expect("valid");
        let profile = self.tabs[tab].profile;
        self.profiles[profile].chunks.insert(id, vec![doc.save()]);
        self.event(
            tab,
            Event::Added {
                id,
                doc: Box::new(doc),
            },
        );
        id
    }

    /// Types a goal into a partnership in a tab.
    pub fn type_goal(&mut self, tab: usize, id: DocumentId, goal: &str) {
        let now = self.now;
        let doc = self.tabs[tab]
            .client
            .doc_mut(&id)
            .expect("the document is here");
        doc.change(now, "goal", |p| {
            p.goal.update(goal);
            Ok::<_, CommandError>(())
        })
        .expect("a change");
        self.event(tab, Event::LocalEdit(id));
    }

    pub fn goal(&mut self, tab: usize, id: DocumentId) -> Option<String> {
        let doc = self.tabs[tab].client.doc(&id)?;
        doc.partnership().ok().map(|p| p.goal.as_str().to_owned())
    }

    pub fn relay_goal(&mut self, id: DocumentId) -> Option<String> {
        let doc = self.relay.docs.docs.get(&id)?;
        let bytes = doc.clone().save();
        let doc = PartnershipDoc::load([bytes.as_slice()]).ok()?;
        doc.partnership().ok().map(|p| p.goal.as_str().to_owned())
    }

    pub fn relay_heads(&mut self, id: DocumentId) -> Vec<ChangeHash> {
        self.relay
            .docs
            .docs
            .get_mut(&id)
            .map(|d| d.get_heads())
            .unwrap_or_default()
    }

    /// Delivers an event to a tab and carries out what follows until the world is quiet.
    pub fn event(&mut self, tab: usize, event: Event) {
        let tasks = self.tabs[tab].client.handle(self.now, self.random, event);
        self.run(tab, tasks);
        self.settle();
    }

    /// Delivers frames in flight until none are left.
    pub fn settle(&mut self) {
        let mut rounds = 0;
        while !self.queue.is_empty() {
            rounds += 1;
            assert!(rounds < 10_000, "the network never went quiet");
            let (dest, bytes) = self.queue.remove(0);
            match dest {
                Dest::Relay(conn) => {
                    let effects = self
                        .relay
                        .session
                        .receive(conn, &bytes, &mut self.relay.docs);
                    self.relay_effects(effects);
                }
                Dest::Tab(tab) => {
                    if self.tabs[tab].conn.is_none() {
                        continue;
                    }
                    let tasks =
                        self.tabs[tab]
                            .client
                            .handle(self.now, self.random, Event::Frame(bytes));
                    self.run(tab, tasks);
                }
            }
        }
    }

    fn relay_effects(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send { conn, message } => {
                    if let Some(tab) = self.tabs.iter().position(|t| t.conn == Some(conn)) {
                        self.queue.push((Dest::Tab(tab), message.encode()));
                    }
                }
                Effect::Close { conn, .. } => self.cut(conn),
                _ => {}
            }
        }
    }

    /// The relay drops a connection (as a crash or a network cut does).
    pub fn cut(&mut self, conn: ConnId) {
        self.relay.session.disconnect(conn);
        if let Some(tab) = self.tabs.iter().position(|t| t.conn == Some(conn)) {
            self.tabs[tab].conn = None;
            let tasks = self.tabs[tab]
                .client
                .handle(self.now, self.random, Event::SocketClosed);
            self.run(tab, tasks);
        }
    }

    /// The relay goes down: every connection is dropped; new ones are refused.
    pub fn relay_down(&mut self) {
        self.relay.up = false;
        let conns: Vec<ConnId> = self.tabs.iter().filter_map(|t| t.conn).collect();
        for conn in conns {
            self.cut(conn);
        }
        self.settle();
    }

    /// The clock moves on; due timers fire in order.
    pub fn advance(&mut self, ms: i64) {
        let until = self.now + ms;
        loop {
            let next = self
                .tabs
                .iter()
                .enumerate()
                .flat_map(|(i, t)| t.timers.iter().map(move |(at, timer)| (*at, i, *timer)))
                .filter(|(at, ..)| *at <= until)
                .min_by_key(|(at, ..)| *at);
            let Some((at, tab, timer)) = next else { break };
            self.now = self.now.max(at);
            let t = &mut self.tabs[tab];
            let pos = t
                .timers
                .iter()
                .position(|x| *x == (at, timer))
                .expect("the timer");
            t.timers.remove(pos);
            self.event(tab, Event::Timer(timer));
        }
        self.now = until;
    }

    pub fn run(&mut self, tab: usize, tasks: Vec<Task>) {
        for task in tasks {
            self.run_one(tab, task);
        }
    }

    fn run_one(&mut self, tab: usize, task: Task) {
        let profile = self.tabs[tab].profile;
        match task {
            Task::OpenSocket => {
                if !self.relay.up || !self.tabs[tab].online {
                    let tasks =
                        self.tabs[tab]
                            .client
                            .handle(self.now, self.random, Event::SocketClosed);
                    return self.run(tab, tasks);
                }
                self.relay.next_conn += 1;
                let conn = ConnId(self.relay.next_conn);
                let effects = self.relay.session.connect(conn, Handshake::Acceptor);
                self.tabs[tab].conn = Some(conn);
                self.relay_effects(effects);
                let tasks =
                    self.tabs[tab]
                        .client
                        .handle(self.now, self.random, Event::SocketOpened);
                self.run(tab, tasks);
            }
            Task::CloseSocket => {
                if let Some(conn) = self.tabs[tab].conn.take() {
                    self.relay.session.disconnect(conn);
                }
            }
            Task::Send(bytes) => {
                self.tabs[tab].sent_bytes += bytes.len();
                if let Some(conn) = self.tabs[tab].conn {
                    self.queue.push((Dest::Relay(conn), bytes));
                }
            }
            Task::Save { id, bytes, heads } => {
                let p = &mut self.profiles[profile];
                let result = if p.disk_full {
                    Err(tandem_client::SaveFailure {
                        full: true,
                        message: "QuotaExceededError: the disk is full".to_owned(),
                    })
                } else {
                    p.chunks.entry(id).or_default().push(bytes);
                    Ok(heads)
                };
                let tasks = self.tabs[tab].client.handle(
                    self.now,
                    self.random,
                    Event::Saved { id, result },
                );
                self.run(tab, tasks);
            }
            Task::ReadStore(id) => {
                let p = &self.profiles[profile];
                let chunks = p.chunks.get(&id).cloned().unwrap_or_default();
                let access = p.stored().access.get(&id).copied();
                let tasks = self.tabs[tab].client.handle(
                    self.now,
                    self.random,
                    Event::StoreRead { id, chunks, access },
                );
                self.run(tab, tasks);
            }
            Task::PostToTabs(id) => {
                let others: Vec<usize> = (0..self.tabs.len())
                    .filter(|t| *t != tab && self.tabs[*t].profile == profile)
                    .collect();
                for other in others {
                    let tasks =
                        self.tabs[other]
                            .client
                            .handle(self.now, self.random, Event::TabStored(id));
                    self.run(other, tasks);
                }
            }
            Task::Call(call) => {
                self.tabs[tab].calls.push(call);
                let result = if !self.relay.up {
                    Err(ApiFailure {
                        reason: None,
                        message: "the relay cannot be reached".into(),
                    })
                } else {
                    match call {
                        ApiCall::RegisterDevice => Ok(Answered::Done),
                        ApiCall::Claim(id) if self.relay.claim_refusal.contains_key(&id) => {
                            let reason = self.relay.claim_refusal[&id];
                            Err(ApiFailure {
                                reason: Some(reason),
                                message: format!("{reason:?}"),
                            })
                        }
                        ApiCall::Claim(id) => {
                            // Registered: the relay syncs it from now on.
                            self.relay.docs.refused.remove(&id);
                            self.relay.access_answer.remove(&id);
                            Ok(Answered::Done)
                        }
                        ApiCall::GetAccess(id) => match self.relay.access_answer.get(&id) {
                            Some(Ok(role)) => Ok(Answered::Role(*role)),
                            Some(Err(reason)) => Err(ApiFailure {
                                reason: Some(*reason),
                                message: format!("{reason:?}"),
                            }),
                            None => Ok(Answered::Role(Role::Editor)),
                        },
                    }
                };
                let tasks = self.tabs[tab].client.handle(
                    self.now,
                    self.random,
                    Event::Answer { call, result },
                );
                self.run(tab, tasks);
            }
            Task::SetTimer { timer, ms } => {
                let t = &mut self.tabs[tab];
                // One timer of a kind at a time, as the platform keeps them.
                t.timers.retain(|(_, x)| *x != timer);
                t.timers.push((self.now + i64::from(ms), timer));
            }
            Task::Persist(record) => {
                for (k, v) in record.entries() {
                    self.profiles[profile].local.insert(k, v);
                }
            }
            Task::Forget(key) => {
                self.profiles[profile].local.remove(&key);
            }
            Task::Notify(notice) => self.tabs[tab].notices.push(notice),
            Task::ReadHeld(id) => self.tabs[tab].held_reads.push(id),
            Task::Log(_) => {}
        }
    }

    pub fn reconnect_timer(&self, tab: usize) -> Option<i64> {
        self.tabs[tab]
            .timers
            .iter()
            .find(|(_, t)| *t == Timer::Reconnect)
            .map(|(at, _)| at - self.now)
    }

    pub fn stored_goal(&self, profile: usize, id: DocumentId) -> Option<String> {
        let chunks = self.profiles[profile].chunks.get(&id)?;
        let doc = PartnershipDoc::load(chunks.iter().map(Vec::as_slice)).ok()?;
        doc.partnership().ok().map(|p| p.goal.as_str().to_owned())
    }

    pub fn record(&self, profile: usize, record: &Record) -> bool {
        record
            .entries()
            .iter()
            .all(|(k, v)| self.profiles[profile].local.get(k) == Some(v))
    }
}
