//! Issue #16, link safety, on the relay's side: the page's CSP lets the app connect only
//! to this relay and the servers the operator allows, the app can ask which those are,
//! and a link can be described to the person who opened it without being redeemed.

mod support;

use clap::Parser;
use support::{RunningRelay, app_dir, scratch};
use tandem_relay::config::Config;
use tandem_sync::document_id::DocumentId;

async fn csp(addr: &str) -> String {
    let response = reqwest::get(format!("http://{addr}/p/anything"))
        .await
        .expect("the relay answers");
    response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .expect("a CSP")
        .to_owned()
}

#[tokio::test]
async fn connect_src_is_self_alone_unless_the_operator_allows_a_relay() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start(&data, app.path()).await;
    let policy = csp(&relay.addr).await;
    assert!(policy.contains("connect-src 'self';"), "{policy}");
    assert!(
        !policy.contains(" ws:") && !policy.contains(" wss:"),
        "{policy}"
    );
    let allowed: serde_json::Value = reqwest::get(format!("http://{}/api/relays", relay.addr))
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    assert_eq!(allowed, serde_json::json!({ "allowed": [] }));
    relay.stop().await;

    let relay = RunningRelay::start_with(&data, app.path(), |c| {
        c.allow_relays = vec![
            "ws://127.0.0.1:3030/sync".parse().expect("valid"),
            "wss://sync.example".parse().expect("valid"),
        ];
    })
    .await;
    let policy = csp(&relay.addr).await;
    assert!(
        policy.contains("connect-src 'self' ws://127.0.0.1:3030 wss://sync.example;"),
        "{policy}"
    );
    let allowed: serde_json::Value = reqwest::get(format!("http://{}/api/relays", relay.addr))
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    assert_eq!(
        allowed,
        serde_json::json!({ "allowed": ["ws://127.0.0.1:3030", "wss://sync.example"] })
    );
    relay.stop().await;
}

#[test]
fn allow_relay_is_repeatable_and_refuses_what_could_bend_the_policy() {
    let config = Config::try_parse_from([
        "tandem-relay",
        "--allow-relay",
        "ws://127.0.0.1:3030/sync",
        "--allow-relay",
        "wss://b.example",
    ])
    .expect("parses");
    let named: Vec<String> = config
        .allow_relays
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(named, ["ws://127.0.0.1:3030", "wss://b.example"]);
    for bad in ["https://a.example", "ws://a.example;script-src *", "ws://*"] {
        assert!(
            Config::try_parse_from(["tandem-relay", "--allow-relay", bad]).is_err(),
            "{bad} accepted"
        );
    }
}

#[tokio::test]
async fn a_link_is_described_without_being_redeemed_or_naming_the_partnership() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start(&data, app.path()).await;
    let id = DocumentId::from_bytes([0x31; 16]);
    let owner = relay.owner_of(id).await;
    let (status, made) = owner
        .call(
            reqwest::Method::POST,
            &format!("/api/docs/{id}/links"),
            Some(serde_json::json!({ "role": "editor", "label": "Маша", "side": "creator" })),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let secret = made["secret"].as_str().expect("secret").to_owned();
    let guest = relay.device().await;

    let (status, described) = guest
        .call(
            reqwest::Method::POST,
            "/api/links/describe",
            Some(serde_json::json!({ "secret": secret })),
        )
        .await;
    assert_eq!(status, 200, "{described}");
    assert_eq!(described["role"], "editor");
    assert_eq!(described["label"], "Маша");
    assert_eq!(described["side"], "creator");
    assert_eq!(described["status"], "active");
    assert!(
        !described.to_string().contains(&id.to_string()),
        "the partnership is not named before joining: {described}"
    );

    // Describing granted nothing and did not count as a use.
    let (status, _) = guest
        .call(
            reqwest::Method::GET,
            &format!("/api/docs/{id}/access"),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (_, links) = owner
        .call(reqwest::Method::GET, &format!("/api/docs/{id}/links"), None)
        .await;
    assert_eq!(
        links["links"][0]["last_used_ms"],
        serde_json::Value::Null,
        "{links}"
    );

    // A wrong secret is refused as at redeem.
    let (status, refused) = guest
        .call(
            reqwest::Method::POST,
            "/api/links/describe",
            Some(serde_json::json!({ "secret": format!("{}.{}", "0".repeat(16), "0".repeat(64)) })),
        )
        .await;
    assert_eq!(status, 404, "{refused}");
    assert_eq!(refused["reason"], "unknown-link");
    relay.stop().await;
}
