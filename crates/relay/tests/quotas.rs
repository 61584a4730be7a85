//! Quotas per device (issue 15, item 13), against the relay binary: claims and links past
//! a device's quota are answered 429 with a reason the app can show, other devices are
//! unaffected, and the device's existing partnerships keep syncing.

mod support;

use std::time::Duration;

use support::{Client, Device, RelayBinary, doc_with, edit_acknowledged_within};
use tandem_sync::document_id::DocumentId;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn claims_and_links_past_a_devices_quota_are_refused_with_a_reason() {
    let relay = RelayBinary::start(&[
        "--max-claims-per-device",
        "3",
        "--max-links-per-device",
        "2",
    ])
    .await;
    let greedy = Device::register_at(&relay.addr).await;
    let doc = |n: u8| DocumentId::from_bytes([0x90 + n; 16]);
    for n in 0..3 {
        greedy.claim(doc(n)).await;
    }
    let (status, body) = greedy
        .call(
            reqwest::Method::POST,
            &format!("/api/docs/{}", doc(3)),
            None,
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["reason"], "too-many-claims");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("3 partnerships")),
        "{body}"
    );
    // Claiming one it already owns is not a new claim.
    greedy.claim(doc(0)).await;

    greedy.link(doc(0), "editor", None).await;
    greedy.link(doc(1), "viewer", None).await;
    let (status, body) = greedy
        .call(
            reqwest::Method::POST,
            &format!("/api/docs/{}/links", doc(0)),
            Some(serde_json::json!({ "role": "editor" })),
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["reason"], "too-many-links");

    // Another device is not affected, and the greedy one's partnerships still sync.
    let other = Device::register_at(&relay.addr).await;
    other.claim(doc(3)).await;
    other.link(doc(3), "viewer", None).await;
    let mut c = Client::connect(&greedy, "still").await;
    c.share(doc(0), doc_with("mine")).await;
    let round_trip = edit_acknowledged_within(&mut c, doc(0), WAIT).await;
    println!("past its quotas, the device's edit still took {round_trip:?}");
    relay.stop().await;
}

#[tokio::test]
async fn changes_past_a_devices_stored_bytes_are_refused_with_a_reason() {
    let relay = RelayBinary::start(&["--max-stored-bytes-per-device", "20000"]).await;
    let greedy = Device::register_at(&relay.addr).await;
    let (mine, theirs) = (
        DocumentId::from_bytes([0xa1; 16]),
        DocumentId::from_bytes([0xa2; 16]),
    );
    greedy.claim(mine).await;
    // 30 KB of text in one go: under the quota when it arrives, so it is stored.
    let mut c = Client::connect(&greedy, "big").await;
    let text: String = (0..3000).map(|i| format!("{i:09} ")).collect();
    c.share(mine, doc_with(&text)).await;
    c.settle(Duration::from_millis(500)).await;
    assert!(
        c.closed.is_none(),
        "the first changes were taken: {:?}",
        c.closed
    );
    // Now the device is over: its next change is refused, with the reason.
    let doc = c.docs.docs.get_mut(&mine).expect("the doc");
    let (_, notes) = automerge::ReadDoc::get(doc, automerge::ROOT, "notes")
        .expect("reads")
        .expect("notes");
    automerge::transaction::Transactable::splice_text(doc, &notes, 0, 0, "more").expect("splices");
    doc.commit();
    c.changed(mine).await;
    c.pump_until(WAIT, |c| c.closed.is_some()).await;
    let reason = c.closed.clone().unwrap_or_default();
    assert!(
        reason.contains("--max-stored-bytes-per-device") && reason.contains("stay on the device"),
        "{reason}"
    );
    // Another device is not affected.
    let other = Device::register_at(&relay.addr).await;
    other.claim(theirs).await;
    let mut o = Client::connect(&other, "fine").await;
    o.share(theirs, doc_with("small")).await;
    edit_acknowledged_within(&mut o, theirs, WAIT).await;
    relay.stop().await;
}
