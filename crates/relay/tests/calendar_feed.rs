//! Issue #22, the calendar feed: an owner makes a feed of a partnership, a calendar app
//! reads it at `/calendar/<secret>.ics` with no other credential, and it stops (404) once
//! revoked. A feed never shows another partnership than the one it was made for.

mod support;

use std::time::Duration;

use automerge::AutoCommit;
use support::{Client, Device, RunningRelay, app_dir, scratch};
use tandem_domain::{
    document::PartnershipDoc, market::Market, partnership::NewPartnership, quarter::QuarterId,
};
use tandem_sync::api::{self, LinkStatus, Reason};
use tandem_sync::document_id::DocumentId;

const WAIT: Duration = Duration::from_secs(10);

/// A partnership made by a new owner device and synced to the relay (stored: the relay
/// has acknowledged every change).
async fn partnership_on(
    relay: &RunningRelay,
    id: DocumentId,
    brand: &str,
    creator: &str,
) -> Device {
    let owner = relay.owner_of(id).await;
    let new = NewPartnership {
        brand: brand.into(),
        creator: creator.into(),
        markets: vec!["RU".parse::<Market>().expect("a market")],
        first_quarter: QuarterId::new(2027, 1).expect("a quarter"),
        quarters: 4,
    };
    let mut doc = PartnershipDoc::create_identified(&new, id, 1_800_000_000_000).expect("valid");
    let mut doc = AutoCommit::load(&doc.save()).expect("loads");
    let mut want = doc.get_heads();
    want.sort();
    let mut c = Client::connect(&owner, "owner").await;
    c.share(id, doc).await;
    c.pump_until(WAIT, |c| {
        c.relay_heads(id).is_some_and(|mut h| {
            h.sort();
            h == want
        })
    })
    .await;
    owner
}

async fn create_feed(
    device: &Device,
    id: DocumentId,
    label: &str,
    lang: &str,
) -> (u16, Result<api::NewFeed, api::Refusal>) {
    device
        .send(&api::CreateFeed {
            document: id,
            feed: api::FeedRequest {
                label: label.to_owned(),
                lang: lang.to_owned(),
            },
        })
        .await
}

async fn feed(device: &Device, id: DocumentId, lang: &str) -> api::NewFeed {
    let (status, answer) = create_feed(device, id, "my calendar", lang).await;
    assert_eq!(status, 201, "makes a feed: {answer:?}");
    answer.expect("a new feed")
}

/// What a calendar app gets: the status, the headers, the body. No credential.
async fn fetch(relay: &RunningRelay, secret: &str) -> (u16, reqwest::header::HeaderMap, String) {
    fetch_path(relay, &api::feed_path(secret)).await
}

async fn fetch_path(relay: &RunningRelay, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = reqwest::get(format!("http://{}{path}", relay.addr))
        .await
        .expect("the relay answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.expect("a body");
    (status, headers, body)
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The calendar's own properties, read by a real iCalendar parser; panics if the text
/// is not one calendar.
fn calendar_properties(body: &str) -> Vec<(String, String)> {
    let unfolded = icalendar::parser::unfold(body);
    let components = icalendar::parser::read_components(&unfolded)
        .unwrap_or_else(|e| panic!("the feed parses as iCalendar: {e}\n{body}"));
    assert_eq!(components.len(), 1, "one calendar: {body}");
    assert_eq!(components[0].name.as_str(), "VCALENDAR", "{body}");
    // And as the crate's own calendar type.
    let _: icalendar::Calendar = body.parse().expect("reads as an icalendar::Calendar");
    components[0]
        .properties
        .iter()
        .map(|p| (p.name.as_str().to_owned(), p.val.as_str().to_owned()))
        .collect()
}

fn property<'a>(properties: &'a [(String, String)], name: &str) -> Option<&'a str> {
    properties
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The refusal a feed endpoint answered, read with the type the app reads it with.
fn reason(body: &str) -> Option<Reason> {
    serde_json::from_str::<api::Refusal>(body)
        .ok()
        .and_then(|r| r.reason())
}

#[tokio::test]
async fn the_feed_serves_the_partnerships_calendar_until_it_is_revoked() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let id = DocumentId::from_bytes([22; 16]);
    let relay = RunningRelay::start_with(&data, app.path(), |c| c.max_feed_renders = 1).await;
    let owner = partnership_on(&relay, id, "Northwind", "Маша Studio").await;
    let made = feed(&owner, id, "ru").await;
    assert_eq!(made.feed.document, id.to_string());
    assert_eq!(made.feed.lang, "ru");
    assert_eq!(made.feed.status, LinkStatus::Active);

    let (status, headers, body) = fetch(&relay, &made.secret).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        header(&headers, "content-type"),
        "text/calendar; charset=utf-8"
    );
    assert_eq!(header(&headers, "cache-control"), "private, no-store");
    assert!(
        header(&headers, "content-disposition").starts_with("inline; filename=")
            && header(&headers, "content-disposition").ends_with(".ics\""),
        "{headers:?}"
    );
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n"), "{body}");
    let properties = calendar_properties(&body);
    assert_eq!(property(&properties, "VERSION"), Some("2.0"), "{body}");
    assert!(property(&properties, "PRODID").is_some(), "{body}");

    // The secret is shown once: the owner's list has the feed, not its secret.
    let (status, list) = owner.send(&api::ListFeeds { document: id }).await;
    assert_eq!(status, 200);
    let list = list.expect("feeds");
    assert_eq!(list.feeds, vec![made.feed.clone()]);
    let (_, raw) = owner
        .call(reqwest::Method::GET, &format!("/api/docs/{id}/feeds"), None)
        .await;
    assert!(!raw.to_string().contains(&made.secret[17..]), "{raw}");

    // Many calendar apps at once, one render at a time: all are answered.
    let fetches = (0..6).map(|_| fetch(&relay, &made.secret));
    for (status, _, _) in futures_util::future::join_all(fetches).await {
        assert_eq!(status, 200);
    }

    let (status, revoked) = owner
        .send(&api::RevokeFeed {
            document: id,
            feed: made.feed.id.clone(),
        })
        .await;
    assert_eq!(status, 200, "{revoked:?}");
    let revoked = revoked.expect("revoked");
    assert_eq!(revoked.status, LinkStatus::Revoked);
    assert!(revoked.revoked_ms.is_some());
    let (status, _, body) = fetch(&relay, &made.secret).await;
    assert_eq!(status, 404, "a revoked feed: {body}");
    assert_eq!(reason(&body), Some(Reason::UnknownFeed), "{body}");
    assert!(!body.contains("VCALENDAR"));

    // Revoked stays revoked across a restart.
    relay.stop().await;
    let relay = RunningRelay::start(&data, app.path()).await;
    let (status, _, _) = fetch(&relay, &made.secret).await;
    assert_eq!(status, 404);
    let mut owner = owner;
    owner.moved_to(&relay);
    let (_, list) = owner.send(&api::ListFeeds { document: id }).await;
    let list = list.expect("feeds").feeds;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].status, LinkStatus::Revoked);
    relay.stop().await;
}

#[tokio::test]
async fn a_wrong_secret_is_404_and_guessing_is_limited() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let id = DocumentId::from_bytes([23; 16]);
    let relay = RunningRelay::start_with(&data, app.path(), |c| c.max_failed_attempts = 5).await;
    let owner = partnership_on(&relay, id, "Northwind", "Маша Studio").await;
    let made = feed(&owner, id, "en").await;
    let link = owner.link(id, "editor", None).await;
    let (feed_id, secret) = made.secret.split_once('.').expect("id.secret");
    let wrong_secret = format!(
        "{feed_id}.{}",
        if secret.starts_with('0') {
            "1".repeat(64)
        } else {
            "0".repeat(64)
        }
    );

    for path in [
        api::feed_path(&wrong_secret),
        api::feed_path(&link.secret),
        format!("/calendar/{}", made.secret),
        "/calendar/not-a-secret.ics".to_owned(),
    ] {
        let (status, headers, body) = fetch_path(&relay, &path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(reason(&body), Some(Reason::UnknownFeed), "{path}: {body}");
        assert!(
            !body.contains("<title>Tandem"),
            "not the app's page: {body}"
        );
        assert!(!header(&headers, "content-type").starts_with("text/calendar"));
    }
    // One more guess reaches the allowance; then this address is told to wait…
    let _ = fetch(&relay, &wrong_secret).await;
    let (status, headers, body) = fetch(&relay, &wrong_secret).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(reason(&body), Some(Reason::RateLimited), "{body}");
    assert!(!header(&headers, "retry-after").is_empty());
    // …but a right secret always passes.
    let (status, _, body) = fetch(&relay, &made.secret).await;
    assert_eq!(status, 200, "{body}");

    // A feed of a partnership the relay never received: the same 404.
    let empty = DocumentId::from_bytes([24; 16]);
    owner.claim(empty).await;
    let unsynced = feed(&owner, empty, "en").await;
    let (status, _, body) = fetch(&relay, &unsynced.secret).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(reason(&body), Some(Reason::UnknownFeed), "{body}");
    relay.stop().await;
}

#[tokio::test]
async fn only_an_owner_makes_lists_and_revokes_feeds() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let id = DocumentId::from_bytes([25; 16]);
    let relay = RunningRelay::start_with(&data, app.path(), |c| c.max_feeds_per_device = 2).await;
    let owner = partnership_on(&relay, id, "Northwind", "Маша Studio").await;
    let made = feed(&owner, id, "en").await;
    let editor = relay.guest(&owner, id, "editor").await;
    let viewer = relay.guest(&owner, id, "viewer").await;
    let stranger = relay.device().await;

    for device in [&editor, &viewer, &stranger] {
        let (status, answer) = create_feed(device, id, "mine", "en").await;
        assert_eq!(status, 403, "{answer:?}");
        assert_eq!(
            answer.expect_err("refused").reason(),
            Some(Reason::NotOwner)
        );
        let (status, answer) = device.send(&api::ListFeeds { document: id }).await;
        assert_eq!(status, 403, "{answer:?}");
        assert_eq!(
            answer.expect_err("refused").reason(),
            Some(Reason::NotOwner)
        );
        let (status, answer) = device
            .send(&api::RevokeFeed {
                document: id,
                feed: made.feed.id.clone(),
            })
            .await;
        assert_eq!(status, 403, "{answer:?}");
        assert_eq!(
            answer.expect_err("refused").reason(),
            Some(Reason::NotOwner)
        );
    }
    let (status, _, _) = fetch(&relay, &made.secret).await;
    assert_eq!(status, 200, "nobody but the owner revoked it");

    // No credential at all.
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/docs/{id}/feeds", relay.addr))
        .json(&serde_json::json!({ "label": "x", "lang": "en" }))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status().as_u16(), 401);

    // The owner's requests are checked too.
    let (status, answer) = create_feed(&owner, id, "x", "de").await;
    assert_eq!(status, 400, "{answer:?}");
    assert_eq!(answer.expect_err("refused").reason(), Some(Reason::Invalid));
    let (status, answer) = create_feed(&owner, id, &"x".repeat(201), "en").await;
    assert_eq!(status, 400, "{answer:?}");
    let (status, answer) = owner
        .send(&api::RevokeFeed {
            document: id,
            feed: "0123456789abcdef".into(),
        })
        .await;
    assert_eq!(status, 404, "{answer:?}");
    assert_eq!(
        answer.expect_err("refused").reason(),
        Some(Reason::UnknownFeed)
    );
    let _second = feed(&owner, id, "ru").await;
    let (status, answer) = create_feed(&owner, id, "third", "en").await;
    assert_eq!(status, 429, "{answer:?}");
    assert_eq!(
        answer.expect_err("refused").reason(),
        Some(Reason::TooManyFeeds)
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_feed_holds_only_the_partnership_it_was_made_for() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start(&data, app.path()).await;
    let a = DocumentId::from_bytes([26; 16]);
    let b = DocumentId::from_bytes([27; 16]);
    let owner_a = partnership_on(&relay, a, "Northwind", "Маша Studio").await;
    let owner_b = partnership_on(&relay, b, "Southwind", "Петя Media").await;
    let feed_a = feed(&owner_a, a, "en").await;
    let feed_b = feed(&owner_b, b, "ru").await;
    // The owner of one cannot make a feed of the other.
    let (status, _) = create_feed(&owner_a, b, "theirs", "en").await;
    assert_eq!(status, 403);
    // Nor revoke the other's feed through a partnership of its own.
    let (status, _) = owner_a
        .send(&api::RevokeFeed {
            document: a,
            feed: feed_b.feed.id.clone(),
        })
        .await;
    assert_eq!(status, 404);

    for (made, id, own, other, other_id) in [
        (
            &feed_a,
            a,
            ("Northwind", "Маша Studio"),
            ("Southwind", "Петя Media"),
            b,
        ),
        (
            &feed_b,
            b,
            ("Southwind", "Петя Media"),
            ("Northwind", "Маша Studio"),
            a,
        ),
    ] {
        let (status, _, body) = fetch(&relay, &made.secret).await;
        assert_eq!(status, 200, "{id}: {body}");
        let properties = calendar_properties(&body);
        let name = property(&properties, "X-WR-CALNAME")
            .unwrap_or_else(|| panic!("the calendar is named: {body}"));
        assert!(name.contains(own.0), "{name}");
        assert!(!name.contains(other.0), "{name}");
        let unfolded = icalendar::parser::unfold(&body);
        for foreign in [other.0, other.1, &other_id.to_string()] {
            assert!(
                !unfolded.contains(foreign),
                "the feed of {id} holds {foreign:?}: {body}"
            );
        }
    }
    relay.stop().await;
}

#[tokio::test]
async fn a_feed_made_through_a_recovery_key_ends_with_the_key() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let id = DocumentId::from_bytes([28; 16]);
    let relay = RunningRelay::start(&data, app.path()).await;
    let owner = partnership_on(&relay, id, "Northwind", "Маша Студия").await;
    let key = owner.link(id, "owner", None).await;
    let phone = relay.device().await;
    let (status, _) = phone.redeem(&key.secret).await;
    assert_eq!(status, 200);
    let from_phone = feed(&phone, id, "en").await;
    let own = feed(&owner, id, "en").await;
    assert_eq!(fetch(&relay, &from_phone.secret).await.0, 200);

    owner.revoke(id, &key.id).await;
    assert_eq!(fetch(&relay, &from_phone.secret).await.0, 404);
    assert_eq!(
        fetch(&relay, &own.secret).await.0,
        200,
        "the claimer's own stays"
    );
    let (_, list) = owner.send(&api::ListFeeds { document: id }).await;
    let list = list.expect("feeds").feeds;
    let status_of = |feed: &str| list.iter().find(|f| f.id == feed).map(|f| f.status);
    assert_eq!(status_of(&from_phone.feed.id), Some(LinkStatus::Revoked));
    assert_eq!(status_of(&own.feed.id), Some(LinkStatus::Active));
    relay.stop().await;
}
