//! Importing a `.automerge` file someone sent: random bytes, and valid partnerships with
//! bytes flipped or cut off. Never a panic; either a partnership that hydrates or a
//! refusal with a reason. Longer runs: `PROPTEST_CASES=50000 cargo test -p tandem-domain
//! --test fuzz_import --release`.

use proptest::prelude::*;
use tandem_domain::{
    document::PartnershipDoc, market::parse_market_list, partnership::NewPartnership,
};

fn valid_file() -> Vec<u8> {
    let new = NewPartnership {
        brand: "Northwind".into(),
        creator: "Маша".into(),
        markets: parse_market_list("RU, US").expect("markets"),
        first_quarter: "2027-Q1".parse().expect("quarter"),
        quarters: 2,
    };
    let mut doc = PartnershipDoc::create(&new, 1).expect("creates");
    let q = "2027-Q1".parse().expect("quarter");
    doc.change(2, "changed the theme", |p| p.set_theme(q, "Зимний запуск"))
        .expect("edit");
    doc.save()
}

/// `PROPTEST_CASES` for longer runs; `default` in the test command.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(1000)))]

    #[test]
    fn random_bytes_are_refused_with_a_reason(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        if let Err(e) = PartnershipDoc::load([bytes.as_slice()]) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn damaged_partnerships_load_whole_or_are_refused(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..5),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = valid_file();
        for (i, b) in flips {
            let at = i.index(bytes.len());
            bytes[at] ^= b | 1;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        match PartnershipDoc::load([bytes.as_slice()]) {
            Ok(doc) => prop_assert!(doc.partnership().is_ok(), "a loaded file hydrates"),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
