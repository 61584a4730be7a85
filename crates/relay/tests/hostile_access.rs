//! Access under attack (issue 15, items 4, 11 and 12), against the relay binary: floods of
//! wrong credentials from one address, `X-Forwarded-For` from strangers and from a trusted
//! proxy, sync sockets per device, links minted with a recovery key, and peer ids made to
//! forge log lines.

mod support;

use std::time::Duration;

use support::{Client, Device, Raw, RelayBinary, doc_with, edit_acknowledged_within};
use tandem_sync::document_id::DocumentId;
use tokio_tungstenite::tungstenite;

const WAIT: Duration = Duration::from_secs(10);

/// A credential for `device_id` with a wrong secret.
fn wrong_credential(device_id: &str, n: usize) -> String {
    format!("{device_id}.{:064x}", n + 1)
}

/// `POST /api/docs/<doc>` (claim) with a bearer credential and optional forwarded-for.
async fn claim_as(addr: &str, credential: &str, doc: DocumentId, forwarded: Option<&str>) -> u16 {
    let mut request = reqwest::Client::new()
        .post(format!("http://{addr}/api/docs/{doc}"))
        .bearer_auth(credential);
    if let Some(f) = forwarded {
        request = request.header("x-forwarded-for", f);
    }
    request
        .send()
        .await
        .expect("the relay answers")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_flood_of_wrong_credentials_never_locks_out_a_right_one() {
    let relay = RelayBinary::start(&[]).await;
    let victim = Device::register_at(&relay.addr).await;
    let neighbour = Device::register_at(&relay.addr).await;
    let doc = |n: u8| DocumentId::from_bytes([n; 16]);

    // 30 wrong secrets for the victim's device id, 30 for made-up ids, 30 with none, all
    // from this one address (as everyone behind one proxy would be).
    let mut statuses = Vec::new();
    for i in 0..30 {
        statuses.push(claim_as(&relay.addr, &wrong_credential(&victim.id, i), doc(1), None).await);
        statuses.push(
            claim_as(
                &relay.addr,
                &wrong_credential(&format!("{:016x}", 0xdead_0000 + i), i),
                doc(1),
                None,
            )
            .await,
        );
        statuses.push(claim_as(&relay.addr, "", doc(1), None).await);
    }
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&429),
        "repeated failures for one claimed device are slowed: {statuses:?}"
    );

    // The victim's right credential passes at once, while failures for its id keep coming.
    let flood = {
        let addr = relay.addr.clone();
        let id = victim.id.clone();
        tokio::spawn(async move {
            for i in 0..200 {
                claim_as(&addr, &wrong_credential(&id, 100 + i), doc(1), None).await;
            }
        })
    };
    for n in 0..10 {
        assert_eq!(
            claim_as(&relay.addr, &victim.credential, doc(10 + n), None).await,
            201,
            "the right credential passes during the flood"
        );
    }
    // A different device at the same address is untouched, over HTTP and WebSocket.
    assert_eq!(
        claim_as(&relay.addr, &neighbour.credential, doc(30), None).await,
        201
    );
    let mut c = Client::connect(&neighbour, "during-flood").await;
    c.share(doc(30), doc_with("hello")).await;
    let round_trip = edit_acknowledged_within(&mut c, doc(30), WAIT).await;
    let mut v = Client::connect(&victim, "during-flood").await;
    v.share(doc(10), doc_with("mine")).await;
    edit_acknowledged_within(&mut v, doc(10), WAIT).await;
    flood.await.expect("the flood ran");
    println!(
        "90 failures + a 200-request flood from one address: right credentials passed; an edit took {round_trip:?}"
    );
    relay.stop().await;
}

#[tokio::test]
async fn forwarded_for_counts_only_from_the_trusted_proxy() {
    let doc = DocumentId::from_bytes([0x21; 16]);
    // Trusting the loopback proxy: each forwarded client has its own count.
    let relay = RelayBinary::start(&[
        "--trusted-proxy",
        "127.0.0.1/32",
        "--max-failed-attempts",
        "3",
    ])
    .await;
    let victim = Device::register_at(&relay.addr).await;
    let mut from_a = Vec::new();
    for i in 0..5 {
        from_a.push(
            claim_as(
                &relay.addr,
                &wrong_credential(&victim.id, i),
                doc,
                Some("198.51.100.1"),
            )
            .await,
        );
    }
    assert_eq!(from_a, [401, 401, 401, 429, 429]);
    // Another forwarded client claiming the same device is counted apart.
    assert_eq!(
        claim_as(
            &relay.addr,
            &wrong_credential(&victim.id, 9),
            doc,
            Some("198.51.100.2")
        )
        .await,
        401
    );
    // What a client wrote before the proxy's entry proves nothing.
    assert_eq!(
        claim_as(
            &relay.addr,
            &wrong_credential(&victim.id, 10),
            doc,
            Some("203.0.113.9, 198.51.100.1")
        )
        .await,
        429
    );
    relay.stop().await;

    // Not trusting anyone: the header is ignored, so changing it buys nothing.
    let relay = RelayBinary::start(&["--max-failed-attempts", "3"]).await;
    let victim = Device::register_at(&relay.addr).await;
    let mut spoofed = Vec::new();
    for i in 0..5u8 {
        spoofed.push(
            claim_as(
                &relay.addr,
                &wrong_credential(&victim.id, usize::from(i)),
                doc,
                Some(&format!("198.51.100.{i}")),
            )
            .await,
        );
    }
    assert_eq!(spoofed, [401, 401, 401, 429, 429]);
    // And the right credential still passes.
    assert_eq!(
        claim_as(&relay.addr, &victim.credential, doc, None).await,
        201
    );
    relay.stop().await;
}

#[tokio::test]
async fn sync_sockets_are_capped_per_device_not_per_address() {
    let relay = RelayBinary::start(&["--max-connections-per-device", "2"]).await;
    let greedy = Device::register_at(&relay.addr).await;
    let other = Device::register_at(&relay.addr).await;
    let _a = Client::connect(&greedy, "a").await;
    let _b = Client::connect(&greedy, "b").await;
    match tokio_tungstenite::connect_async(greedy.sync_url()).await {
        Err(tungstenite::Error::Http(r)) => {
            assert_eq!(r.status().as_u16(), 429);
            let body = String::from_utf8_lossy(r.body().as_deref().unwrap_or_default()).to_string();
            assert!(body.contains("too-many-device-connections"), "{body}");
        }
        other => panic!("a third socket is refused, got {:?}", other.map(|_| ())),
    }
    // Another device from the same address is not affected.
    let id = DocumentId::from_bytes([0x22; 16]);
    other.claim(id).await;
    let mut c = Client::connect(&other, "x").await;
    c.share(id, doc_with("fine")).await;
    edit_acknowledged_within(&mut c, id, WAIT).await;
    let _d = Client::connect(&other, "y").await;
    relay.stop().await;
}

#[tokio::test]
async fn revoking_a_recovery_key_revokes_what_was_made_with_it_and_ends_sessions() {
    let relay = RelayBinary::start(&[]).await;
    let id = DocumentId::from_bytes([0x23; 16]);
    let owner = Device::register_at(&relay.addr).await;
    owner.claim(id).await;
    let own_editor = owner.link(id, "editor", None).await;
    let recovery = owner.link(id, "owner", None).await;

    // The key's holder becomes owner, mints an owner link (redeemed by its other
    // device) and an editor link (redeemed by a guest); the guest's guest gets a viewer
    // link made by the holder's second device.
    let holder = Device::register_at(&relay.addr).await;
    assert_eq!(holder.redeem(&recovery.secret).await.0, 200);
    let minted_owner = holder.link(id, "owner", None).await;
    let minted_editor = holder.link(id, "editor", None).await;
    let holder2 = Device::register_at(&relay.addr).await;
    assert_eq!(holder2.redeem(&minted_owner.secret).await.0, 200);
    let grandchild = holder2.link(id, "viewer", None).await;
    let guest = Device::register_at(&relay.addr).await;
    assert_eq!(guest.redeem(&minted_editor.secret).await.0, 200);
    let far_guest = Device::register_at(&relay.addr).await;
    assert_eq!(far_guest.redeem(&grandchild.secret).await.0, 200);
    let honest = Device::register_at(&relay.addr).await;
    assert_eq!(honest.redeem(&own_editor.secret).await.0, 200);

    // The links answer says who made each link and through which.
    let (status, answer) = owner
        .send(&tandem_sync::api::ListLinks { document: id })
        .await;
    assert_eq!(status, 200);
    let links = answer.expect("the links").links;
    let find = |link: &str| {
        links
            .iter()
            .find(|l| l.id == link)
            .cloned()
            .expect("listed")
    };
    assert_eq!(
        find(&minted_owner.id).created_by.as_deref(),
        Some(holder.id.as_str())
    );
    assert_eq!(find(&minted_owner.id).made_through, [recovery.id.as_str()]);
    assert_eq!(
        find(&grandchild.id).made_through,
        [minted_owner.id.as_str()]
    );
    assert!(find(&own_editor.id).made_through.is_empty());
    assert_eq!(
        find(&recovery.id).created_by.as_deref(),
        Some(owner.id.as_str())
    );

    // Live sessions of everyone involved.
    let mut sessions = Vec::new();
    for (device, name) in [
        (&holder, "holder"),
        (&holder2, "holder2"),
        (&guest, "guest"),
        (&far_guest, "far"),
    ] {
        let mut c = Client::connect(device, name).await;
        c.share(id, automerge::AutoCommit::new()).await;
        c.settle(Duration::from_millis(200)).await;
        sessions.push(c);
    }
    let mut owner_c = Client::connect(&owner, "owner").await;
    owner_c.share(id, doc_with("the record")).await;
    edit_acknowledged_within(&mut owner_c, id, WAIT).await;

    let (status, body) = owner
        .call(
            reqwest::Method::DELETE,
            &format!("/api/docs/{id}/links/{}", recovery.id),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut also: Vec<String> = body["also_revoked"]
        .as_array()
        .expect("also_revoked")
        .iter()
        .map(|v| v.as_str().expect("id").to_owned())
        .collect();
    also.sort();
    let mut want = vec![
        minted_owner.id.clone(),
        minted_editor.id.clone(),
        grandchild.id.clone(),
    ];
    want.sort();
    assert_eq!(also, want, "everything made through the key, transitively");

    for device in [&holder, &holder2, &guest, &far_guest] {
        let (status, body) = device
            .call(
                reqwest::Method::GET,
                &format!("/api/docs/{id}/access"),
                None,
            )
            .await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["reason"], "revoked");
    }
    for c in &mut sessions {
        c.pump_until(WAIT, |c| c.unavailable.contains(&id)).await;
    }
    assert_eq!(holder.redeem(&minted_owner.secret).await.0, 410);
    let (status, _) = holder
        .call(reqwest::Method::GET, &format!("/api/docs/{id}/links"), None)
        .await;
    assert_eq!(status, 403, "the holder can no longer list or mint links");
    // The owner's own links are untouched.
    let (status, body) = honest
        .call(
            reqwest::Method::GET,
            &format!("/api/docs/{id}/access"),
            None,
        )
        .await;
    assert_eq!((status, body["role"].as_str()), (200, Some("editor")));
    edit_acknowledged_within(&mut owner_c, id, WAIT).await;
    relay.stop().await;
}

#[tokio::test]
async fn a_peer_id_with_a_newline_or_escape_is_refused_at_join() {
    let relay = RelayBinary::start(&[]).await;
    let device = Device::register_at(&relay.addr).await;
    for forged in [
        format!(
            "{}-x\n2026-01-01T00:00:00Z  INFO peer joined: admin",
            device.id
        ),
        format!("{}-\u{1b}[31mred", device.id),
        format!("{}-{}", device.id, "a".repeat(200)),
    ] {
        let mut raw = Raw::connect(&device.sync_url()).await;
        let join = ciborium::Value::Map(vec![
            ("type".into(), "join".into()),
            ("senderId".into(), forged.as_str().into()),
            (
                "supportedProtocolVersions".into(),
                ciborium::Value::Array(vec!["1".into()]),
            ),
            ("metadata".into(), ciborium::Value::Map(vec![])),
        ]);
        let mut bytes = Vec::new();
        ciborium::into_writer(&join, &mut bytes).expect("encodes");
        raw.send(bytes).await;
        let (messages, closed) = raw.drain().await;
        assert!(closed, "the socket is closed");
        let said: Vec<String> = messages
            .iter()
            .filter_map(|m| match m {
                tandem_sync::message::Message::Error { message } => Some(message.clone()),
                _ => None,
            })
            .collect();
        assert!(
            said.iter().any(|m| m.contains("peer id")),
            "told why: {said:?}"
        );
        assert!(
            said.iter()
                .all(|m| !m.contains('\n') && !m.contains('\u{1b}')),
            "the answer does not echo the forged id: {said:?}"
        );
    }
    // An ordinary peer still joins.
    let _ok = Client::connect(&device, "fine").await;
    relay.stop().await;
}
