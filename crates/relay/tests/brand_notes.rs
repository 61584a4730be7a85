//! Brand-only notes (issue #21): a partnership's internal notes are a document of their
//! own, granted separately. A creator's device, which the owner gave a link to the
//! partnership, cannot obtain the notes in any way: asking for them is answered
//! `doc-unavailable`, exactly as for a document that does not exist, and nothing of them
//! reaches it; a colleague the owner sent a link to the notes receives them.

mod support;

use std::time::Duration;

use automerge::AutoCommit;
use support::{Client, RunningRelay, app_dir, doc_with, has_notes, scratch};
use tandem_domain::{
    command::Command, document::PartnershipDoc, ids::DeliverableId, ids::NoteId,
    partnership::NewPartnership,
};
use tandem_sync::{
    api::{self, Reason},
    document_id::DocumentId,
};

const WAIT: Duration = Duration::from_secs(10);
const SECRET: &str = "walk away above 300 000 ₽";

/// The notes document of a partnership, holding one note, as the app makes it.
fn notes_doc(parent: DocumentId, id: DocumentId) -> AutoCommit {
    let partnership = tandem_domain::partnership::Partnership::new(&NewPartnership {
        brand: "Northwind".into(),
        creator: "Masha".into(),
        markets: tandem_domain::market::parse_market_list("RU, US").expect("markets"),
        first_quarter: "2027-Q1".parse().expect("quarter"),
        quarters: 1,
    })
    .expect("valid");
    let mut doc = PartnershipDoc::create_notes(&partnership, parent, id, 1);
    doc.apply(
        2,
        Command::AddNote {
            id: NoteId::from_random([1; 16]),
            deliverable: DeliverableId::from_random([2; 16]),
            text: SECRET.into(),
            by: "Olga".into(),
            at_ms: 2,
        },
        |_| {},
    )
    .expect("adds the note");
    doc.automerge().clone()
}

/// Whether the document holds the secret note, read the way the app reads it.
fn holds_secret(doc: &AutoCommit) -> bool {
    let bytes = doc.clone().save();
    PartnershipDoc::load([bytes.as_slice()])
        .ok()
        .and_then(|d| d.partnership().ok())
        .is_some_and(|p| p.internal_notes.values().any(|n| n.text.as_str() == SECRET))
}

#[tokio::test]
async fn a_creators_device_cannot_obtain_the_brand_only_notes() {
    let app = app_dir();
    let (_dir, data) = scratch();
    let relay = RunningRelay::start(&data, app.path()).await;
    let partnership = DocumentId::from_bytes([0x31; 16]);
    let notes = DocumentId::from_bytes([0x32; 16]);

    // The brand's owner holds the partnership and started its notes (a second claim).
    let brand = relay.owner_of(partnership).await;
    brand.claim(notes).await;
    let creator = relay.guest(&brand, partnership, "editor").await;
    let colleague = relay.guest(&brand, notes, "editor").await;

    let mut b = Client::connect(&brand, "laptop").await;
    b.share(partnership, doc_with("the shared plan")).await;
    b.share(notes, notes_doc(partnership, notes)).await;
    b.settle(Duration::from_millis(300)).await;

    // The creator receives the partnership its link gives …
    let mut c = Client::connect(&creator, "phone").await;
    c.share(partnership, AutoCommit::new()).await;
    c.pump_until(WAIT, |c| has_notes(c, partnership, "the shared plan"))
        .await;
    // … and asking for the notes, by their id, gets what an unknown id gets.
    let unknown = DocumentId::from_bytes([0x33; 16]);
    c.share(notes, AutoCommit::new()).await;
    c.share(unknown, AutoCommit::new()).await;
    c.pump_until(WAIT, |c| {
        c.unavailable.contains(&notes) && c.unavailable.contains(&unknown)
    })
    .await;
    c.settle(Duration::from_millis(500)).await;
    let got = c
        .docs
        .docs
        .get_mut(&notes)
        .expect("the creator's empty copy");
    assert!(
        got.get_heads().is_empty() && !holds_secret(got),
        "nothing of the notes reached the creator"
    );
    assert!(
        c.closed.is_none(),
        "asking is not an attack: {:?}",
        c.closed
    );

    // Nor through the API: no role, no links, no claim over the owner's.
    let (status, answer) = creator.send(&api::GetAccess { document: notes }).await;
    assert_eq!(status, 403, "{answer:?}");
    let (status, answer) = creator.send(&api::ListLinks { document: notes }).await;
    assert_eq!(
        (status, answer.err().and_then(|r| r.reason())),
        (403, Some(Reason::NotOwner))
    );
    let (status, answer) = creator.send(&api::Claim { document: notes }).await;
    assert!(
        status >= 400,
        "claiming a document someone owns is refused: {status} {answer:?}"
    );

    // A colleague the owner gave the notes receives them whole.
    let mut o = Client::connect(&colleague, "desk").await;
    o.share(notes, AutoCommit::new()).await;
    o.pump_until(WAIT, |o| o.docs.docs.get(&notes).is_some_and(holds_secret))
        .await;

    // Still nothing for the creator after the colleague synced.
    c.settle(Duration::from_millis(300)).await;
    assert!(!holds_secret(c.docs.docs.get(&notes).expect("copy")));
    drop((b, c, o));
    relay.stop().await;
}
