//! Sharing enforced by the relay: each way in without the right credential is refused,
//! and the stored partnership is byte-for-byte what it was.

mod support;

use std::{path::Path, time::Duration};

use automerge::{AutoCommit, ROOT, ReadDoc, transaction::Transactable};
use support::{Client, Device, Raw, RunningRelay, app_dir, doc_with, has_notes, scratch};
use tandem_relay::doc_store::DocStore;
use tandem_sync::document_id::DocumentId;
use tandem_sync::{
    api::{self, Reason},
    message::{Message, PeerMetadata},
};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

const WAIT: Duration = Duration::from_secs(10);

/// The refusal's reason, read with the type the app reads it with.
/// Appends to the notes and returns the client's document as it now is.
fn edit(c: &mut Client, id: DocumentId, text: &str) {
    let doc = c.docs.docs.get_mut(&id).expect("doc");
    let (_, notes) = doc.get(ROOT, "notes").expect("read").expect("notes");
    let len = doc.text(&notes).expect("text").chars().count();
    doc.splice_text(&notes, len, 0, text).expect("splice");
    doc.commit();
}

fn stored(data: &Path, id: DocumentId) -> Vec<u8> {
    let store = DocStore::open(data).expect("opens the store");
    store
        .load(&id.to_string())
        .expect("loads")
        .expect("stored")
        .bytes
}

fn join(peer: &str) -> Vec<u8> {
    Message::Join {
        sender_id: peer.parse().expect("peer"),
        metadata: PeerMetadata::default(),
        supported_protocol_versions: vec!["1".into()],
    }
    .encode()
}

/// The HTTP status with which the WebSocket upgrade is refused.
async fn upgrade_refused(url: &str) -> u16 {
    match tokio_tungstenite::connect_async(url).await {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Ok(_) => panic!("{url}: the upgrade was accepted"),
        Err(e) => panic!("{url}: unexpected error {e}"),
    }
}

fn now_ms() -> i64 {
    tandem_relay::api::now_ms()
}

#[tokio::test]
async fn every_way_in_without_the_right_credential_is_refused_and_nothing_changes() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let id = DocumentId::from_bytes([0x21; 16]);
    let other_id = DocumentId::from_bytes([0x22; 16]);

    // The brand stores a partnership; the relay stops so its bytes can be read.
    let relay = RunningRelay::start(&data, app.path()).await;
    let mut brand = relay.owner_of(id).await;
    let mut viewer = relay.guest(&brand, id, "viewer").await;
    let mut revoked = relay.device().await;
    let revoked_link = brand.link(id, "editor", None).await;
    assert_eq!(revoked.redeem(&revoked_link.secret).await.0, 200);
    let mut expiring = relay.device().await;
    let expires = now_ms() + 1500;
    let expiring_link = brand.link(id, "editor", Some(expires)).await;
    assert_eq!(expiring.redeem(&expiring_link.secret).await.0, 200);
    let mut outsider = relay.device().await;
    let mut b = Client::connect(&brand, "laptop").await;
    b.share(id, doc_with("Q3 budget: 1 200 000 ₽")).await;
    b.settle(Duration::from_millis(300)).await;
    drop(b);
    relay.stop().await;
    let before = stored(&data, id);

    let relay = RunningRelay::start(&data, app.path()).await;
    for device in [
        &mut brand,
        &mut viewer,
        &mut revoked,
        &mut expiring,
        &mut outsider,
    ] {
        device.moved_to(&relay);
    }
    let bare = relay.bare_sync_url();

    // No credential; a wrong credential (unknown device; right device, wrong secret).
    assert_eq!(upgrade_refused(&bare).await, 401, "no credential");
    let unknown = format!("{bare}?credential=0123456789abcdef.{}", "ab".repeat(32));
    assert_eq!(upgrade_refused(&unknown).await, 401, "unknown device");
    let wrong_secret = format!("{bare}?credential={}.{}", brand.id, "cd".repeat(32));
    assert_eq!(upgrade_refused(&wrong_secret).await, 401, "wrong secret");

    // The brand is online with its copy, to see whether anything reaches it.
    let mut b = Client::connect(&brand, "laptop").await;
    b.share(id, AutoCommit::new()).await;
    b.pump_until(WAIT, |c| has_notes(c, id, "Q3 budget: 1 200 000 ₽"))
        .await;

    // A viewer receives the partnership, and a real change it sends is refused.
    let mut v = Client::connect(&viewer, "phone").await;
    v.share(id, AutoCommit::new()).await;
    v.pump_until(WAIT, |c| has_notes(c, id, "Q3 budget: 1 200 000 ₽"))
        .await;
    edit(&mut v, id, " — viewer was here");
    v.changed(id).await;
    v.settle(Duration::from_millis(500)).await;
    let refusal = v.closed.clone().expect("the viewer's connection is closed");
    assert!(refusal.contains("not change"), "{refusal}");
    b.settle(Duration::from_millis(300)).await;
    assert!(
        has_notes(&mut b, id, "Q3 budget: 1 200 000 ₽"),
        "nothing was forwarded"
    );

    // A revoked link: the device that used it gets doc-unavailable, even with changes.
    brand.revoke(id, &revoked_link.id).await;
    let mut r = Client::connect(&revoked, "tablet").await;
    r.share(id, doc_with("revoked but still trying")).await;
    r.pump_until(WAIT, |c| c.unavailable.contains(&id)).await;
    let (status, answer) = revoked.redeem(&revoked_link.secret).await;
    assert_eq!(
        (status, answer.err().and_then(|r| r.reason())),
        (410, Some(Reason::Revoked))
    );

    // An expired link, the same.
    let left = u64::try_from(expires + 50 - now_ms()).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(left)).await;
    let mut e = Client::connect(&expiring, "laptop").await;
    e.share(id, doc_with("expired but still trying")).await;
    e.pump_until(WAIT, |c| c.unavailable.contains(&id)).await;
    let (status, answer) = expiring.send(&api::GetAccess { document: id }).await;
    assert_eq!(
        (status, answer.err().and_then(|r| r.reason())),
        (403, Some(Reason::Expired))
    );

    // Claiming another peer's id.
    let mut raw = Raw::connect(&outsider.sync_url()).await;
    raw.send(join(&brand.peer("laptop"))).await;
    let (messages, closed) = raw.drain().await;
    assert!(closed, "spoofed peer id: closed");
    assert!(
        matches!(messages.last(), Some(Message::Error { message }) if message.contains("does not belong")),
        "{messages:?}"
    );

    // A document the credential does not cover: the same answer as one that does not exist.
    let mut o = Client::connect(&outsider, "pc").await;
    o.share(id, doc_with("let me in")).await;
    o.share(other_id, doc_with("nothing here")).await;
    o.pump_until(WAIT, |c| {
        c.unavailable.contains(&id) && c.unavailable.contains(&other_id)
    })
    .await;
    let (status, answer) = outsider.send(&api::ListLinks { document: id }).await;
    assert_eq!(
        (status, answer.err().and_then(|r| r.reason())),
        (403, Some(Reason::NotOwner)),
        "only the owner lists links"
    );

    b.settle(Duration::from_millis(300)).await;
    assert!(has_notes(&mut b, id, "Q3 budget: 1 200 000 ₽"));
    drop((b, v, r, e, o));
    relay.stop().await;
    assert_eq!(
        stored(&data, id),
        before,
        "the stored partnership is byte-for-byte unchanged"
    );
    let store = DocStore::open(&data).expect("opens");
    assert!(
        store.load(&other_id.to_string()).expect("loads").is_none(),
        "nothing stored for the unclaimed id"
    );
}

#[tokio::test]
async fn revoking_or_expiring_a_link_ends_its_live_session_within_a_second() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let id = DocumentId::from_bytes([0x23; 16]);
    let relay = RunningRelay::start(&data, app.path()).await;
    let brand = relay.owner_of(id).await;
    let creator = relay.device().await;
    let link = brand.link(id, "editor", None).await;
    assert_eq!(creator.redeem(&link.secret).await.0, 200);
    let temp = relay.device().await;
    let expires = now_ms() + 2000;
    let temp_link = brand.link(id, "viewer", Some(expires)).await;
    assert_eq!(temp.redeem(&temp_link.secret).await.0, 200);

    let mut b = Client::connect(&brand, "laptop").await;
    b.share(id, doc_with("plan")).await;
    b.settle(Duration::from_millis(200)).await;
    let mut c = Client::connect(&creator, "studio").await;
    c.share(id, AutoCommit::new()).await;
    c.pump_until(WAIT, |c| has_notes(c, id, "plan")).await;
    let mut t = Client::connect(&temp, "guest").await;
    t.share(id, AutoCommit::new()).await;
    t.pump_until(WAIT, |c| has_notes(c, id, "plan")).await;

    // The links list shows both, with last use.
    let (_, listed) = brand
        .call(reqwest::Method::GET, &format!("/api/docs/{id}/links"), None)
        .await;
    let links = listed["links"].as_array().expect("links");
    assert_eq!(links.len(), 2);
    assert!(links.iter().all(|l| l["last_used_ms"].is_i64()), "{listed}");
    assert!(
        links
            .iter()
            .all(|l| l.get("secret_hash").is_none() && l.get("secret").is_none())
    );

    let revoked_at = std::time::Instant::now();
    brand.revoke(id, &link.id).await;
    c.pump_until(Duration::from_secs(1), |c| c.unavailable.contains(&id))
        .await;
    assert!(revoked_at.elapsed() < Duration::from_secs(1));
    // An edit after that is not taken.
    edit(&mut c, id, " + creator after revocation");
    c.changed(id).await;
    c.settle(Duration::from_millis(300)).await;
    b.settle(Duration::from_millis(300)).await;
    assert!(has_notes(&mut b, id, "plan"), "nothing reached the brand");

    // Expiry: the session ends within a second of the moment.
    let left = u64::try_from(expires - now_ms()).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(left)).await;
    t.pump_until(Duration::from_secs(1), |c| c.unavailable.contains(&id))
        .await;
    relay.stop().await;
}

/// A link made by a recovery key's holder holds only while the key does. When the key
/// expires, a live session through the link ends within the enforcement period, as a
/// new request through it is refused: the twice-a-second check follows the chain of
/// links as the per-message check does.
#[tokio::test]
async fn a_session_through_a_link_made_with_a_recovery_key_ends_when_the_key_expires() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let id = DocumentId::from_bytes([0x24; 16]);
    let relay = RunningRelay::start(&data, app.path()).await;
    let owner = relay.owner_of(id).await;
    let expires = now_ms() + 2000;
    let key = owner.link(id, "owner", Some(expires)).await;
    let holder = relay.device().await;
    assert_eq!(holder.redeem(&key.secret).await.0, 200);
    // The viewer's link itself never expires; it was made through the key.
    let link = holder.link(id, "viewer", None).await;
    let viewer = relay.device().await;
    assert_eq!(viewer.redeem(&link.secret).await.0, 200);

    let mut o = Client::connect(&owner, "laptop").await;
    o.share(id, doc_with("plan")).await;
    o.settle(Duration::from_millis(200)).await;
    let mut v = Client::connect(&viewer, "phone").await;
    v.share(id, AutoCommit::new()).await;
    v.pump_until(WAIT, |c| has_notes(c, id, "plan")).await;

    let left = u64::try_from(expires - now_ms()).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(left)).await;
    let (status, _) = viewer
        .call(
            reqwest::Method::GET,
            &format!("/api/docs/{id}/access"),
            None,
        )
        .await;
    assert_eq!(status, 403, "a request through the link is refused");
    v.pump_until(Duration::from_secs(1), |c| c.unavailable.contains(&id))
        .await;
    // An edit of the owner's after that does not reach the viewer.
    edit(&mut o, id, " + after the key expired");
    o.changed(id).await;
    o.settle(Duration::from_millis(300)).await;
    v.settle(Duration::from_millis(300)).await;
    assert!(
        has_notes(&mut v, id, "plan"),
        "nothing more reached the viewer"
    );
    relay.stop().await;
}

#[tokio::test]
async fn the_app_offers_its_credential_as_a_subprotocol() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start(&data, app.path()).await;
    let device: Device = relay.device().await;
    let mut request = relay
        .bare_sync_url()
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        format!("tandem.v1, tandem.credential.{}", device.credential)
            .parse()
            .expect("header"),
    );
    let (_socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("accepted");
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some("tandem.v1"),
        "the relay selects the protocol, never echoes the credential"
    );
    relay.stop().await;
}

#[tokio::test]
async fn failed_credential_attempts_are_rate_limited_per_address_and_device() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start_with(&data, app.path(), |c| c.max_failed_attempts = 5).await;
    let device = relay.device().await;
    let bare = relay.bare_sync_url();
    let wrong = format!("{bare}?credential={}.{}", device.id, "ee".repeat(32));
    for _ in 0..5 {
        assert_eq!(upgrade_refused(&wrong).await, 401);
    }
    assert_eq!(
        upgrade_refused(&wrong).await,
        429,
        "the sixth try is refused outright"
    );
    // A right credential is never locked out by others' (or an attacker's) failures: it
    // is what the limit protects, and 256-bit secrets make guessing it hopeless anyway.
    let _ok = tokio_tungstenite::connect_async(device.sync_url())
        .await
        .expect("a right credential passes during the lock-out");
    // Guessing links is limited per (address, device) too.
    let guess = format!("{}.{}", "0".repeat(16), "1".repeat(64));
    for _ in 0..5 {
        assert_eq!(device.redeem(&guess).await.0, 404);
    }
    assert_eq!(
        device.redeem(&guess).await.0,
        429,
        "link guesses are limited"
    );
    relay.stop().await;
}
