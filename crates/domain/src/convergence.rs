//! Property test: two replicas of a roadmap edited concurrently converge when merged, in
//! either order, with no campaign lost or duplicated.

use std::collections::BTreeSet;

use proptest::prelude::*;

use crate::{
    campaign::{CampaignDraft, CampaignId, CampaignStatus},
    document::PartnershipDoc,
    partnership::{NewPartnership, Partnership},
    quarter::QuarterId,
};

#[derive(Debug, Clone)]
enum Op {
    Add(String),
    Remove(usize),
    Move(usize, usize),
    Retitle(usize, String),
    Status(usize, u8),
    Theme(usize, String),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        "[a-zа-я][a-zа-я ]{0,7}".prop_map(Op::Add),
        (0..8usize).prop_map(Op::Remove),
        (0..8usize, 0..8usize).prop_map(|(a, b)| Op::Move(a, b)),
        (0..8usize, "[a-zа-я]{1,6}").prop_map(|(i, t)| Op::Retitle(i, t)),
        (0..8usize, 0..3u8).prop_map(|(i, s)| Op::Status(i, s)),
        (0..40usize, "[a-zа-я ]{0,5}").prop_map(|(i, t)| Op::Theme(i, t)),
    ]
}

fn q1() -> QuarterId {
    "2027-Q1".parse().expect("q")
}

fn draft(title: &str) -> CampaignDraft {
    CampaignDraft {
        title: title.into(),
        market: "RU".parse().expect("RU"),
        starts: None,
        ends: None,
        status: CampaignStatus::Planned,
    }
}

fn ids_in_order(p: &Partnership) -> Vec<CampaignId> {
    p.quarter(q1())
        .expect("q1")
        .campaigns_in_order()
        .into_iter()
        .map(|(id, _)| id.clone())
        .collect()
}

/// Applies `ops` to `doc` as replica `replica`; records added and removed ids.
fn apply(
    doc: &mut PartnershipDoc,
    replica: u8,
    ops: &[Op],
    added: &mut BTreeSet<CampaignId>,
    removed: &mut BTreeSet<CampaignId>,
) {
    for (n, op) in ops.iter().enumerate() {
        let current = ids_in_order(&doc.partnership().expect("hydrates"));
        let pick = |i: usize| current.get(i % current.len().max(1)).cloned();
        let now = i64::try_from(n).unwrap_or(0);
        let result = match op {
            Op::Add(title) => {
                let mut bytes = [0u8; 16];
                bytes[0] = replica;
                bytes[1] = u8::try_from(n).unwrap_or(u8::MAX);
                let id = CampaignId::from_random(bytes);
                added.insert(id.clone());
                doc.change(now, "add", |p| p.add_campaign(q1(), id, draft(title)))
            }
            Op::Remove(i) => match pick(*i) {
                Some(id) => {
                    removed.insert(id.clone());
                    doc.change(now, "remove", |p| p.remove_campaign(q1(), &id))
                }
                None => Ok(()),
            },
            Op::Move(i, to) => match pick(*i) {
                Some(id) => doc.change(now, "move", |p| p.move_campaign(q1(), &id, *to)),
                None => Ok(()),
            },
            Op::Retitle(i, title) => match pick(*i) {
                Some(id) => doc.change(now, "retitle", |p| {
                    let mut d = draft(title);
                    d.status = p.quarter(q1())?.campaigns[&id].status;
                    p.update_campaign(q1(), &id, d)
                }),
                None => Ok(()),
            },
            Op::Status(i, s) => match pick(*i) {
                Some(id) => doc.change(now, "status", |p| {
                    let c = &p.quarter(q1())?.campaigns[&id];
                    let mut d = draft(c.title.as_str());
                    d.status = CampaignStatus::ALL[usize::from(*s) % 3];
                    p.update_campaign(q1(), &id, d)
                }),
                None => Ok(()),
            },
            Op::Theme(at, text) => doc.change(now, "theme", |p| {
                let mut theme = p.quarter(q1())?.theme.as_str().to_owned();
                let mut at = (*at).min(theme.len());
                while !theme.is_char_boundary(at) {
                    at -= 1;
                }
                theme.insert_str(at, text);
                p.set_theme(q1(), &theme)
            }),
        };
        result.expect("every generated op is valid");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn concurrent_roadmap_edits_converge(
        base_ops in prop::collection::vec(op(), 0..6),
        a_ops in prop::collection::vec(op(), 0..12),
        b_ops in prop::collection::vec(op(), 0..12),
    ) {
        let new = NewPartnership {
            brand: "B".into(),
            creator: "C".into(),
            markets: vec!["RU".parse().expect("RU")],
            first_quarter: q1(),
            quarters: 1,
        };
        let mut base = PartnershipDoc::create(&new, 0).expect("created");
        let (mut added, mut removed) = (BTreeSet::new(), BTreeSet::new());
        apply(&mut base, 0, &base_ops, &mut added, &mut removed);
        let survivors_of_base: BTreeSet<_> =
            ids_in_order(&base.partnership().expect("ok")).into_iter().collect();

        let mut a = base.fork();
        let mut b = base.fork();
        let (mut added_ab, mut removed_ab) = (BTreeSet::new(), BTreeSet::new());
        apply(&mut a, 1, &a_ops, &mut added_ab, &mut removed_ab);
        apply(&mut b, 2, &b_ops, &mut added_ab, &mut removed_ab);

        let mut a_then_b = a.fork();
        a_then_b.merge(&mut b.fork()).expect("merge");
        let mut b_then_a = b.fork();
        b_then_a.merge(&mut a.fork()).expect("merge");
        let ab = a_then_b.partnership().expect("merged doc hydrates");
        let ba = b_then_a.partnership().expect("merged doc hydrates");
        prop_assert_eq!(&ab, &ba, "merge order must not matter");

        let merged = ids_in_order(&ab);
        let unique: BTreeSet<_> = merged.iter().cloned().collect();
        prop_assert_eq!(unique.len(), merged.len(), "a campaign appears twice");
        let expected: BTreeSet<_> = survivors_of_base
            .union(&added_ab)
            .filter(|id| !removed_ab.contains(*id))
            .cloned()
            .collect();
        prop_assert_eq!(unique, expected, "campaigns lost or resurrected");
    }
}
