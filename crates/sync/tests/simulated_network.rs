//! Three peers — two browsers and a relay — over a simulated network that delays,
//! interleaves and breaks connections and partitions peers. Whatever happens, once the
//! network heals every replica converges to the same document with every edit in it.

use std::collections::{HashMap, VecDeque};

use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, transaction::Transactable};
use proptest::prelude::*;
use tandem_sync::document_id::DocumentId;
use tandem_sync::session::{ConnId, Effect, Handshake, Session};

mod support;
use support::Store;

struct Node {
    session: Session,
    store: Store,
}

/// A link between a browser (index 0 or 1) and the relay (index 2).
struct Link {
    up: bool,
    browser_conn: ConnId,
    relay_conn: ConnId,
    /// Frames in flight, per direction, in order (a WebSocket never reorders).
    to_relay: VecDeque<Vec<u8>>,
    to_browser: VecDeque<Vec<u8>>,
}

struct Net {
    nodes: Vec<Node>,
    links: Vec<Link>,
    next_conn: u64,
    doc: DocumentId,
    /// Every (key, value) any browser ever wrote, to check nothing is lost.
    written: Vec<(String, i64)>,
}

const RELAY: usize = 2;

impl Net {
    fn new() -> Self {
        let node = |name: &str, accepts_new| Node {
            session: Session::new(name.parse().expect("peer"), Default::default()),
            store: Store {
                accepts_new,
                ..Store::default()
            },
        };
        let doc = DocumentId::from_bytes([1; 16]);
        let mut net = Net {
            nodes: vec![
                node("browser-a", false),
                node("browser-b", false),
                node("relay", true),
            ],
            links: Vec::new(),
            next_conn: 0,
            doc,
            written: Vec::new(),
        };
        // Browser A created the document; browser B opened a link to it (empty copy).
        let mut created = AutoCommit::new();
        created
            .put_object(ROOT, "notes", ObjType::Text)
            .expect("text");
        net.nodes[0].store.docs.insert(doc, created);
        net.nodes[1].store.docs.insert(doc, AutoCommit::new());
        for browser in 0..2 {
            let Node { session, store } = &mut net.nodes[browser];
            let effects = session.share(doc, store);
            assert!(effects.is_empty(), "nothing to send before connecting");
        }
        for browser in 0..2 {
            let (b, r) = (net.conn_id(), net.conn_id());
            net.links.push(Link {
                up: false,
                browser_conn: b,
                relay_conn: r,
                to_relay: VecDeque::new(),
                to_browser: VecDeque::new(),
            });
            net.connect(browser);
        }
        net
    }

    fn conn_id(&mut self) -> ConnId {
        self.next_conn += 1;
        ConnId(self.next_conn)
    }

    fn connect(&mut self, browser: usize) {
        if self.links[browser].up {
            return;
        }
        let (b, r) = (self.conn_id(), self.conn_id());
        let link = &mut self.links[browser];
        link.up = true;
        link.browser_conn = b;
        link.relay_conn = r;
        let relay_effects = self.nodes[RELAY].session.connect(r, Handshake::Acceptor);
        self.apply(RELAY, relay_effects);
        let browser_effects = self.nodes[browser].session.connect(b, Handshake::Initiator);
        self.apply(browser, browser_effects);
    }

    /// The connection breaks: frames in flight are lost, sync states forgotten.
    fn disconnect(&mut self, browser: usize) {
        let link = &mut self.links[browser];
        if !link.up {
            return;
        }
        link.up = false;
        link.to_relay.clear();
        link.to_browser.clear();
        let (b, r) = (link.browser_conn, link.relay_conn);
        self.nodes[browser].session.disconnect(b);
        self.nodes[RELAY].session.disconnect(r);
    }

    fn link_of(&self, node: usize, conn: ConnId) -> Option<(usize, bool)> {
        self.links.iter().enumerate().find_map(|(i, l)| {
            if node == RELAY && l.relay_conn == conn {
                Some((i, true))
            } else if node == i && l.browser_conn == conn {
                Some((i, false))
            } else {
                None
            }
        })
    }

    fn apply(&mut self, node: usize, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send { conn, message } => {
                    if let Some((i, from_relay)) = self.link_of(node, conn) {
                        let link = &mut self.links[i];
                        if link.up {
                            let q = if from_relay {
                                &mut link.to_browser
                            } else {
                                &mut link.to_relay
                            };
                            q.push_back(message.encode());
                        }
                    }
                }
                Effect::Close { conn, reason } => {
                    panic!("peer {node} closed {conn:?}: {reason}");
                }
                Effect::DocumentChanged { .. }
                | Effect::PeerReady { .. }
                | Effect::DocumentUnavailable { .. }
                | Effect::Ephemeral { .. } => {}
            }
        }
    }

    /// Delivers the next frame on a link in one direction; false if none was waiting.
    fn deliver(&mut self, browser: usize, to_relay: bool) -> bool {
        let link = &mut self.links[browser];
        let frame = if to_relay {
            link.to_relay.pop_front()
        } else {
            link.to_browser.pop_front()
        };
        let Some(frame) = frame else { return false };
        let (node, conn) = if to_relay {
            (RELAY, link.relay_conn)
        } else {
            (browser, link.browser_conn)
        };
        let Node { session, store } = &mut self.nodes[node];
        let effects = session.receive(conn, &frame, store);
        self.apply(node, effects);
        true
    }

    fn edit(&mut self, browser: usize, key: u8, value: i64, text_at: usize) {
        let doc = self.doc;
        let Some(d) = self.nodes[browser].store.docs.get_mut(&doc) else {
            return;
        };
        let Ok(Some((_, notes))) = d.get(ROOT, "notes") else {
            return; // B has not received the document yet: nothing to edit.
        };
        let key = format!("k{key}-{browser}");
        d.put(ROOT, key.as_str(), value).expect("put");
        let len = d.length(&notes);
        d.splice_text(&notes, text_at.min(len), 0, "x")
            .expect("splice");
        d.commit();
        self.written.push((key, value));
        let Node { session, store } = &mut self.nodes[browser];
        let effects = session.changed(doc, store);
        self.apply(browser, effects);
    }

    fn quiesce(&mut self) {
        for browser in 0..2 {
            self.connect(browser);
        }
        for _ in 0..10_000 {
            let mut moved = false;
            for browser in 0..2 {
                moved |= self.deliver(browser, true);
                moved |= self.deliver(browser, false);
            }
            if !moved {
                return;
            }
        }
        panic!("the network never went quiet");
    }
}

#[derive(Debug, Clone)]
enum Step {
    Edit {
        browser: usize,
        key: u8,
        value: i64,
        at: usize,
    },
    Deliver {
        browser: usize,
        to_relay: bool,
    },
    Break {
        browser: usize,
    },
    Heal {
        browser: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..2usize, 0..4u8, any::<i64>(), 0..20usize)
            .prop_map(|(browser, key, value, at)| Step::Edit { browser, key, value, at }),
        6 => (0..2usize, any::<bool>()).prop_map(|(browser, to_relay)| Step::Deliver { browser, to_relay }),
        1 => (0..2usize).prop_map(|browser| Step::Break { browser }),
        1 => (0..2usize).prop_map(|browser| Step::Heal { browser }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn replicas_converge_after_any_schedule(steps in prop::collection::vec(step(), 0..120)) {
        let mut net = Net::new();
        for s in steps {
            match s {
                Step::Edit { browser, key, value, at } => net.edit(browser, key, value, at),
                Step::Deliver { browser, to_relay } => { net.deliver(browser, to_relay); }
                Step::Break { browser } => net.disconnect(browser),
                Step::Heal { browser } => net.connect(browser),
            }
        }
        net.quiesce();

        let doc = net.doc;
        let mut heads = Vec::new();
        for node in &mut net.nodes {
            let d = node.store.docs.get_mut(&doc).expect("every peer has the document");
            heads.push(d.get_heads());
        }
        prop_assert_eq!(&heads[0], &heads[1]);
        prop_assert_eq!(&heads[0], &heads[2]);
        // Every write is in the merged document (each key is written by one browser only,
        // so its last write wins everywhere).
        let a = net.nodes[0].store.docs.get(&doc).expect("doc");
        let mut last: HashMap<&str, i64> = HashMap::new();
        for (k, v) in &net.written {
            last.insert(k, *v);
        }
        for (k, v) in last {
            let got = a.get(ROOT, k).expect("read").map(|(v, _)| v.as_i64());
            prop_assert_eq!(got, Some(Some(v)), "key {} lost", k);
        }
    }
}

#[test]
fn a_browser_that_asks_before_the_relay_has_the_document_gets_it_later() {
    let mut net = Net::new();
    // B's request reaches the relay first: the relay does not have the document yet.
    while net.deliver(1, true) || net.deliver(1, false) {}
    net.edit(0, 1, 42, 0);
    net.quiesce();
    let b = net.nodes[1].store.docs.get(&net.doc).expect("doc");
    assert_eq!(
        b.get(ROOT, "k1-0").expect("read").map(|(v, _)| v.as_i64()),
        Some(Some(42))
    );
}
