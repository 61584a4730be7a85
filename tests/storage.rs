//! The IndexedDB storage layer in a real browser (headless Chromium through
//! wasm-bindgen-test): save, reload, incremental append, compaction, two writers, and
//! corrupt records, a full disk.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;

use tandem::{
    browser::random_16,
    platform::{
        indexeddb::{Chunk, ChunkKey, ChunkKind, DocStore, StoreError},
        saving::{self, AllChunks, OpenError},
    },
};
use tandem_client::{Client, Config, Event, Loaded, SaveFailure, Task};
use tandem_domain::{
    campaign::{CampaignDraft, CampaignId, CampaignStatus},
    document::PartnershipDoc,
    document_id::DocumentId,
    partnership::NewPartnership,
    quarter::QuarterId,
};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

async fn fresh_store() -> DocStore {
    let name = format!("tandem-test-{}", DocumentId::from_bytes(random_16()));
    DocStore::open(&name).await.expect("opens")
}

fn new_partnership() -> NewPartnership {
    NewPartnership {
        brand: "Northwind".into(),
        creator: "Маша".into(),
        markets: vec!["RU".parse().expect("RU"), "US".parse().expect("US")],
        first_quarter: q1(),
        quarters: 4,
    }
}

fn q1() -> QuarterId {
    "2027-Q1".parse().expect("q")
}

/// One tab: the client core (offline, so only storage is involved) and the chunks the
/// platform keeps for it, as `tandem::platform` runs them.
struct Tab {
    id: DocumentId,
    client: RefCell<Client>,
    chunks: AllChunks,
}

fn tab_with(id: DocumentId, doc: PartnershipDoc, chunks: saving::Chunks) -> Tab {
    let config = Config {
        peer_id: format!("test-{}", DocumentId::from_bytes(random_16()))
            .parse()
            .expect("a peer id"),
        api: String::new(),
        open_relay: true,
        offered: Default::default(),
        registered: false,
        online: false,
        presence_session: "test".into(),
    };
    let client = Client::new(
        config,
        Loaded {
            docs: vec![(id, doc)],
            ..Loaded::default()
        },
    );
    Tab {
        id,
        client: RefCell::new(client),
        chunks: RefCell::new([(id, chunks)].into_iter().collect()),
    }
}

async fn create(store: &DocStore) -> Tab {
    let id = DocumentId::from_bytes(random_16());
    let mut doc = PartnershipDoc::create_identified(&new_partnership(), id, 1_000).expect("valid");
    let chunks = saving::store_new(store, id, &mut doc)
        .await
        .expect("stored");
    tab_with(id, doc, chunks)
}

async fn open(store: &DocStore, id: DocumentId) -> Result<Tab, OpenError> {
    let (doc, chunks) = saving::open(store, id).await?;
    Ok(tab_with(id, doc, chunks))
}

/// What saving one edit did.
#[derive(Debug, Default)]
struct Report {
    appended: usize,
    compacted: bool,
    merged_others: bool,
}

/// The edit was made: run the saves the client asks for, as the platform does.
async fn flush(tab: &Tab, store: &DocStore) -> Result<Report, StoreError> {
    let mut report = Report::default();
    let mut tasks = tab
        .client
        .borrow_mut()
        .handle(0, 0.5, Event::LocalEdit(tab.id));
    loop {
        let Some((id, bytes, heads)) = tasks.into_iter().find_map(|t| match t {
            Task::Save { id, bytes, heads } => Some((id, bytes, heads)),
            _ => None,
        }) else {
            return Ok(report);
        };
        report.appended += 1;
        match saving::save(store, &tab.chunks, &tab.client, id, &bytes, heads).await {
            Ok(stored) => {
                report.compacted |= stored.compacted;
                report.merged_others |= stored.merged_others;
                let result = Ok(stored.heads);
                tasks = tab
                    .client
                    .borrow_mut()
                    .handle(0, 0.5, Event::Saved { id, result });
            }
            Err(e) => {
                let result = Err(SaveFailure {
                    full: matches!(e, StoreError::Full(_)),
                    message: e.to_string(),
                });
                tab.client
                    .borrow_mut()
                    .handle(0, 0.5, Event::Saved { id, result });
                return Err(e);
            }
        }
    }
}

fn set_theme(tab: &Tab, theme: &str) {
    tab.client
        .borrow_mut()
        .doc_mut(&tab.id)
        .expect("here")
        .change(2_000, "theme", |p| p.set_theme(q1(), theme))
        .expect("changed");
}

fn partnership(tab: &Tab) -> tandem_domain::partnership::Partnership {
    tab.client
        .borrow()
        .doc(&tab.id)
        .expect("here")
        .partnership()
        .expect("hydrates")
}

fn theme_of(tab: &Tab) -> String {
    partnership(tab).quarters[&q1()].theme.as_str().to_owned()
}

fn kinds(chunks: &[Chunk]) -> (usize, usize) {
    let snapshots = chunks
        .iter()
        .filter(|c| c.key.kind == ChunkKind::Snapshot)
        .count();
    (snapshots, chunks.len() - snapshots)
}

#[wasm_bindgen_test]
async fn a_saved_partnership_reloads_exactly() {
    let store = fresh_store().await;
    let doc = create(&store).await;
    let id = doc.id;
    set_theme(&doc, "Зимний запуск");
    flush(&doc, &store).await.expect("flushed");

    let reopened = open(&store, id).await.expect("reopens");
    assert_eq!(partnership(&reopened), partnership(&doc));
    assert_eq!(
        store.document_ids().await.expect("ids"),
        vec![id.to_string()]
    );
}

#[wasm_bindgen_test]
async fn an_edit_appends_a_small_increment_and_keeps_the_snapshot() {
    let store = fresh_store().await;
    let doc = create(&store).await;
    let id = doc.id;
    let snapshot_len = store.chunks(&id.to_string()).await.expect("chunks")[0]
        .bytes
        .len();

    set_theme(&doc, "a");
    let report = flush(&doc, &store).await.expect("flushed");
    assert_eq!(report.appended, 1);
    assert!(!report.compacted);
    let chunks = store.chunks(&id.to_string()).await.expect("chunks");
    assert_eq!(kinds(&chunks), (1, 1));
    assert_eq!(
        chunks[0].bytes.len(),
        snapshot_len,
        "the snapshot was not rewritten"
    );
    assert!(
        chunks[1].bytes.len() < 400,
        "one keystroke stored {} bytes",
        chunks[1].bytes.len()
    );

    // Nothing new: nothing written.
    let report = flush(&doc, &store).await.expect("flushed");
    assert_eq!(report.appended, 0);
}

#[wasm_bindgen_test]
async fn increments_outweighing_the_snapshot_are_compacted() {
    let store = fresh_store().await;
    let doc = create(&store).await;
    let id = doc.id;
    let mut text = String::new();
    let mut compacted = false;
    for i in 0..400 {
        text.push(char::from(b'a' + (i % 26) as u8));
        set_theme(&doc, &text);
        compacted |= flush(&doc, &store).await.expect("flushed").compacted;
        if compacted {
            break;
        }
    }
    assert!(compacted, "400 keystrokes never triggered compaction");
    let chunks = store.chunks(&id.to_string()).await.expect("chunks");
    assert_eq!(kinds(&chunks), (1, 0), "one snapshot replaces everything");
    let reopened = open(&store, id).await.expect("reopens");
    assert_eq!(theme_of(&reopened), text);
}

#[wasm_bindgen_test]
async fn two_writers_never_drop_each_others_saved_changes() {
    let store = fresh_store().await;
    let tab_a = create(&store).await;
    let id = tab_a.id;
    let tab_b = open(&store, id).await.expect("second tab opens");

    // Tab B adds a campaign and saves it.
    tab_b
        .client
        .borrow_mut()
        .doc_mut(&id)
        .expect("here")
        .change(3_000, "add", |p| {
            p.add_campaign(
                q1(),
                CampaignId::from_random([9; 16]),
                CampaignDraft {
                    title: "From tab B".into(),
                    market: "US".parse().expect("US"),
                    starts: None,
                    ends: None,
                    status: CampaignStatus::Planned,
                },
            )
        })
        .expect("added");
    flush(&tab_b, &store).await.expect("B saved");

    // Tab A, unaware, types until it compacts.
    let mut text = String::new();
    let mut merged_others = false;
    for _ in 0..400 {
        text.push('x');
        set_theme(&tab_a, &text);
        let report = flush(&tab_a, &store).await.expect("A saved");
        merged_others |= report.merged_others;
        if report.compacted {
            break;
        }
    }
    assert!(merged_others, "A's compaction merged B's saved change");

    let reopened = open(&store, id).await.expect("reopens");
    let p = partnership(&reopened);
    assert_eq!(
        p.quarters[&q1()].theme.as_str(),
        text,
        "A's typing is stored"
    );
    assert_eq!(
        p.quarters[&q1()].campaigns.len(),
        1,
        "B's campaign is stored"
    );
}

#[wasm_bindgen_test]
async fn a_corrupt_record_is_reported_and_kept_and_others_still_open() {
    let store = fresh_store().await;
    let good = create(&store).await;
    let good_id = good.id;
    set_theme(&good, "fine");
    flush(&good, &store).await.expect("flushed");

    let bad_id = create(&store).await.id;
    let garbage = b"\x85\x6f\x4a\x83 definitely not automerge".to_vec();
    store
        .put_raw(
            &ChunkKey {
                doc: bad_id.to_string(),
                kind: ChunkKind::Incremental,
                hash: "planted".into(),
            },
            &garbage,
        )
        .await
        .expect("planted");
    let before: Vec<Vec<u8>> = store
        .chunks(&bad_id.to_string())
        .await
        .expect("chunks")
        .into_iter()
        .map(|c| c.bytes)
        .collect();

    match open(&store, bad_id).await.map(|t| t.id) {
        Err(OpenError::Unreadable { reason, bytes }) => {
            assert!(!reason.to_string().is_empty());
            assert_eq!(
                bytes,
                before.concat(),
                "the offered download is the stored bytes"
            );
        }
        other => panic!("expected an unreadable document, got {other:?}"),
    }
    let after: Vec<Vec<u8>> = store
        .chunks(&bad_id.to_string())
        .await
        .expect("chunks")
        .into_iter()
        .map(|c| c.bytes)
        .collect();
    assert_eq!(before, after, "stored bytes are untouched");

    let good_again = open(&store, good_id).await.expect("the other one opens");
    assert_eq!(theme_of(&good_again), "fine");
}

#[wasm_bindgen_test]
async fn a_missing_partnership_is_not_found() {
    let store = fresh_store().await;
    let result = open(&store, DocumentId::from_bytes(random_16()))
        .await
        .map(|t| t.id);
    assert!(matches!(result, Err(OpenError::NotFound)));
}

fn simulate_full_disk(on: bool) {
    let window = web_sys::window().expect("a window");
    js_sys::Reflect::set(
        &window,
        &"__tandemSimulateStorageFull".into(),
        &wasm_bindgen::JsValue::from_bool(on),
    )
    .expect("the test hook is set");
}

#[wasm_bindgen_test]
async fn a_full_disk_keeps_the_edit_unsaved_in_memory_until_space_returns() {
    let store = fresh_store().await;
    let doc = create(&store).await;
    let id = doc.id;
    set_theme(&doc, "typed while the disk was full");

    simulate_full_disk(true);
    let failed = flush(&doc, &store).await;
    simulate_full_disk(false);
    assert!(
        matches!(failed, Err(StoreError::Full(_))),
        "a quota error is reported as a full store: {failed:?}"
    );
    assert!(
        doc.client.borrow_mut().has_unsaved(&id),
        "the edit is not marked saved"
    );
    assert!(
        doc.client
            .borrow()
            .save_problem(&id)
            .is_some_and(|p| p.full),
        "the client holds the problem for the banner"
    );
    let stored = open(&store, id).await.expect("still opens");
    assert_eq!(theme_of(&stored), "", "nothing was written");

    // The retry the client schedules, once space returns.
    let mut tasks =
        doc.client
            .borrow_mut()
            .handle(0, 0.5, Event::Timer(tandem_client::Timer::SaveRetry));
    let Some(Task::Save { bytes, heads, .. }) =
        tasks.drain(..).find(|t| matches!(t, Task::Save { .. }))
    else {
        panic!("the retry saves the edit");
    };
    let stored = saving::save(&store, &doc.chunks, &doc.client, id, &bytes, heads)
        .await
        .expect("saved once space returns");
    doc.client.borrow_mut().handle(
        0,
        0.5,
        Event::Saved {
            id,
            result: Ok(stored.heads),
        },
    );
    assert!(!doc.client.borrow_mut().has_unsaved(&id));
    assert!(doc.client.borrow().save_problem(&id).is_none());
    let stored = open(&store, id).await.expect("opens");
    assert_eq!(theme_of(&stored), "typed while the disk was full");
}
