//! The IndexedDB storage layer in a real browser (headless Chromium through
//! wasm-bindgen-test): save, reload, incremental append, compaction, two writers, and
//! corrupt records, a full disk.
#![cfg(target_arch = "wasm32")]

use tandem::{
    browser::random_16,
    local_doc::{LocalDoc, OpenError, SharedDoc, flush},
    storage::{ChunkKey, ChunkKind, DocStore},
};
use tandem_domain::{
    campaign::{CampaignDraft, CampaignId, CampaignStatus},
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

async fn create(store: &DocStore) -> (DocumentId, SharedDoc) {
    let id = DocumentId::from_bytes(random_16());
    let doc = LocalDoc::create(store, id, &new_partnership(), 1_000)
        .await
        .expect("created");
    (id, doc)
}

fn set_theme(doc: &SharedDoc, theme: &str) {
    doc.borrow_mut()
        .doc
        .change(2_000, "theme", |p| p.set_theme(q1(), theme))
        .expect("changed");
}

fn theme_of(doc: &SharedDoc) -> String {
    doc.borrow().doc.partnership().expect("hydrates").quarters[&q1()]
        .theme
        .as_str()
        .to_owned()
}

fn kinds(chunks: &[tandem::storage::Chunk]) -> (usize, usize) {
    let snapshots = chunks
        .iter()
        .filter(|c| c.key.kind == ChunkKind::Snapshot)
        .count();
    (snapshots, chunks.len() - snapshots)
}

#[wasm_bindgen_test]
async fn a_saved_partnership_reloads_exactly() {
    let store = fresh_store().await;
    let (id, doc) = create(&store).await;
    set_theme(&doc, "Зимний запуск");
    flush(&doc, &store).await.expect("flushed");

    let reopened = LocalDoc::open(&store, id).await.expect("reopens");
    assert_eq!(
        reopened.borrow().doc.partnership().expect("hydrates"),
        doc.borrow().doc.partnership().expect("hydrates")
    );
    assert_eq!(
        store.document_ids().await.expect("ids"),
        vec![id.to_string()]
    );
}

#[wasm_bindgen_test]
async fn an_edit_appends_a_small_increment_and_keeps_the_snapshot() {
    let store = fresh_store().await;
    let (id, doc) = create(&store).await;
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
    let (id, doc) = create(&store).await;
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
    let reopened = LocalDoc::open(&store, id).await.expect("reopens");
    assert_eq!(theme_of(&reopened), text);
}

#[wasm_bindgen_test]
async fn two_writers_never_drop_each_others_saved_changes() {
    let store = fresh_store().await;
    let (id, tab_a) = create(&store).await;
    let tab_b = LocalDoc::open(&store, id).await.expect("second tab opens");

    // Tab B adds a campaign and saves it.
    tab_b
        .borrow_mut()
        .doc
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

    let reopened = LocalDoc::open(&store, id).await.expect("reopens");
    let p = reopened.borrow().doc.partnership().expect("hydrates");
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
    let (good_id, good) = create(&store).await;
    set_theme(&good, "fine");
    flush(&good, &store).await.expect("flushed");

    let (bad_id, _bad) = create(&store).await;
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

    match LocalDoc::open(&store, bad_id).await {
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

    let good_again = LocalDoc::open(&store, good_id)
        .await
        .expect("the other one opens");
    assert_eq!(theme_of(&good_again), "fine");
}

#[wasm_bindgen_test]
async fn a_missing_partnership_is_not_found() {
    let store = fresh_store().await;
    let result = LocalDoc::open(&store, DocumentId::from_bytes(random_16())).await;
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
    let (id, doc) = create(&store).await;
    set_theme(&doc, "typed while the disk was full");

    simulate_full_disk(true);
    let failed = flush(&doc, &store).await;
    simulate_full_disk(false);
    assert!(
        matches!(failed, Err(tandem::storage::StoreError::Full(_))),
        "a quota error is reported as a full store: {failed:?}"
    );
    assert!(
        doc.borrow_mut().has_unsaved(),
        "the edit is not marked saved"
    );
    let stored = LocalDoc::open(&store, id).await.expect("still opens");
    assert_eq!(theme_of(&stored), "", "nothing was written");

    flush(&doc, &store).await.expect("saved once space returns");
    assert!(!doc.borrow_mut().has_unsaved());
    let stored = LocalDoc::open(&store, id).await.expect("opens");
    assert_eq!(theme_of(&stored), "typed while the disk was full");
}
