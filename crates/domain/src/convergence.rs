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

pub(super) fn q1() -> QuarterId {
    "2027-Q1".parse().expect("q")
}

pub(super) fn draft(title: &str) -> CampaignDraft {
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
        // The merged document's preview (texts as plain strings) reads back as it.
        let preview = a_then_b.preview().expect("a preview");
        let read = PartnershipDoc::read_preview(&preview);
        prop_assert_eq!(read.as_ref(), Ok(&ab));

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

mod record {
    //! The partnership record under concurrent edits: deliverables, results, agreement.

    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::{draft, q1};
    use crate::{
        agreement::AgreementText,
        campaign::CampaignId,
        document::PartnershipDoc,
        ids::DeliverableId,
        kpi::Figures,
        partnership::{NewPartnership, Partnership, record::DeliverableDraft},
        sow::DeliverableStatus,
    };

    fn new_doc() -> PartnershipDoc {
        let new = NewPartnership {
            brand: "B".into(),
            creator: "C".into(),
            markets: vec!["RU".parse().expect("RU"), "US".parse().expect("US")],
            first_quarter: q1(),
            quarters: 1,
        };
        PartnershipDoc::create(&new, 0).expect("created")
    }

    fn deliverable(platform: &str) -> DeliverableDraft {
        DeliverableDraft {
            platform: platform.into(),
            format: "reel".into(),
            count: 1,
            market: "RU".parse().expect("RU"),
            live_from: None,
            live_to: None,
            owner: String::new(),
            status: DeliverableStatus::Planned,
            paid: false,
            erid: String::new(),
            reklama_label: false,
        }
    }

    fn figures(reach: u64) -> Figures {
        Figures {
            reach: Some(reach),
            engagements: Some(reach / 30),
            ..Default::default()
        }
    }

    fn campaign_ids(p: &Partnership) -> Vec<CampaignId> {
        p.quarters[&q1()].campaigns.keys().cloned().collect()
    }

    fn deliverable_ids(p: &Partnership) -> Vec<DeliverableId> {
        p.quarters[&q1()].sow.deliverables.keys().cloned().collect()
    }

    #[test]
    fn results_entered_for_a_campaign_removed_concurrently_go_with_it() {
        let mut base = new_doc();
        let id = CampaignId::from_random([1; 16]);
        base.change(1, "add", |p| {
            p.add_campaign(q1(), id.clone(), draft("Spring"))
        })
        .expect("added");
        let mut a = base.fork();
        let mut b = base.fork();
        a.change(2, "remove", |p| p.remove_campaign(q1(), &id))
            .expect("removed");
        b.change(2, "results", |p| {
            p.set_results(q1(), &id, "RU".parse().expect("RU"), Some(figures(1000)))
        })
        .expect("results");
        a.merge(&mut b).expect("merged");
        let p = a.partnership().expect("hydrates");
        assert!(
            p.quarters[&q1()].campaigns.is_empty(),
            "the removal wins; no orphan results remain"
        );
    }

    #[test]
    fn a_deliverable_edited_while_removed_stays_removed() {
        let mut base = new_doc();
        let id = DeliverableId::from_random([2; 16]);
        base.change(1, "add", |p| {
            p.add_deliverable(q1(), id.clone(), deliverable("Telegram"))
        })
        .expect("added");
        let mut a = base.fork();
        let mut b = base.fork();
        a.change(2, "remove", |p| p.remove_deliverable(q1(), &id))
            .expect("removed");
        let mut live = deliverable("Telegram");
        live.status = DeliverableStatus::Live;
        b.change(2, "live", |p| p.update_deliverable(q1(), &id, live))
            .expect("updated");
        a.merge(&mut b).expect("merged");
        assert!(deliverable_ids(&a.partnership().expect("hydrates")).is_empty());
    }

    #[test]
    fn two_people_adding_deliverables_at_once_keep_both() {
        let mut base = new_doc();
        let mut a = base.fork();
        let mut b = base.fork();
        a.change(1, "add", |p| {
            p.add_deliverable(
                q1(),
                crate::ids::Id::from_random([3; 16]),
                deliverable("VK"),
            )
        })
        .expect("added");
        b.change(1, "add", |p| {
            p.add_deliverable(
                q1(),
                crate::ids::Id::from_random([4; 16]),
                deliverable("YouTube"),
            )
        })
        .expect("added");
        a.merge(&mut b).expect("merged");
        assert_eq!(
            deliverable_ids(&a.partnership().expect("hydrates")).len(),
            2
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        AddDeliverable(u8),
        RemoveDeliverable(usize),
        MarkLive(usize),
        Results(usize, bool, u64),
        ClearResults(usize, bool),
        RemoveCampaign(usize),
        LegalName(String),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            any::<u8>().prop_map(Op::AddDeliverable),
            (0..6usize).prop_map(Op::RemoveDeliverable),
            (0..6usize).prop_map(Op::MarkLive),
            (0..4usize, any::<bool>(), 1..1_000_000u64)
                .prop_map(|(i, ru, r)| Op::Results(i, ru, r)),
            (0..4usize, any::<bool>()).prop_map(|(i, ru)| Op::ClearResults(i, ru)),
            (0..4usize).prop_map(Op::RemoveCampaign),
            "[a-zа-я ]{0,12}".prop_map(Op::LegalName),
        ]
    }

    fn apply(
        doc: &mut PartnershipDoc,
        replica: u8,
        ops: &[Op],
        added: &mut BTreeSet<DeliverableId>,
        removed: &mut BTreeSet<DeliverableId>,
    ) {
        for (n, op) in ops.iter().enumerate() {
            let p = doc.partnership().expect("hydrates");
            let campaigns = campaign_ids(&p);
            let deliverables = deliverable_ids(&p);
            fn pick<T: Clone>(ids: &[T], i: usize) -> Option<T> {
                ids.get(i % ids.len().max(1)).cloned()
            }
            let market = |ru: bool| {
                if ru {
                    "RU".parse().expect("RU")
                } else {
                    "US".parse().expect("US")
                }
            };
            let result = match op {
                Op::AddDeliverable(seed) => {
                    let mut bytes = [*seed; 16];
                    bytes[0] = replica;
                    bytes[1] = u8::try_from(n).unwrap_or(u8::MAX);
                    let id = DeliverableId::from_random(bytes);
                    added.insert(id.clone());
                    doc.change(1, "add", |p| p.add_deliverable(q1(), id, deliverable("VK")))
                }
                Op::RemoveDeliverable(i) => match pick(&deliverables, *i) {
                    Some(id) => {
                        removed.insert(id.clone());
                        doc.change(1, "remove", |p| p.remove_deliverable(q1(), &id))
                    }
                    None => Ok(()),
                },
                Op::MarkLive(i) => match pick(&deliverables, *i) {
                    Some(id) => doc.change(1, "live", |p| {
                        let mut d = deliverable("VK");
                        d.status = DeliverableStatus::Live;
                        p.update_deliverable(q1(), &id, d)
                    }),
                    None => Ok(()),
                },
                Op::Results(i, ru, reach) => match pick(&campaigns, *i) {
                    Some(id) => doc.change(1, "results", |p| {
                        p.set_results(q1(), &id, market(*ru), Some(figures(*reach)))
                    }),
                    None => Ok(()),
                },
                Op::ClearResults(i, ru) => match pick(&campaigns, *i) {
                    Some(id) => {
                        doc.change(1, "clear", |p| p.set_results(q1(), &id, market(*ru), None))
                    }
                    None => Ok(()),
                },
                Op::RemoveCampaign(i) => match pick(&campaigns, *i) {
                    Some(id) => doc.change(1, "remove", |p| p.remove_campaign(q1(), &id)),
                    None => Ok(()),
                },
                Op::LegalName(name) => doc.change(1, "name", |p| {
                    p.set_agreement_text(AgreementText::BrandLegalName, name);
                    Ok::<_, crate::error::CommandError>(())
                }),
            };
            result.expect("every generated op is valid");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn concurrent_record_edits_converge_and_keep_the_invariants(
            a_ops in prop::collection::vec(op(), 0..10),
            b_ops in prop::collection::vec(op(), 0..10),
        ) {
            let mut base = new_doc();
            for (i, t) in ["One", "Two", "Three"].iter().enumerate() {
                let id = CampaignId::from_random([u8::try_from(i).unwrap_or(0) + 100; 16]);
                base.change(1, "add", |p| p.add_campaign(q1(), id, draft(t))).expect("added");
            }
            let (mut added, mut removed) = (BTreeSet::new(), BTreeSet::new());
            let mut a = base.fork();
            let mut b = base.fork();
            apply(&mut a, 1, &a_ops, &mut added, &mut removed);
            apply(&mut b, 2, &b_ops, &mut added, &mut removed);
            let mut ab = a.fork();
            ab.merge(&mut b.fork()).expect("merge");
            let mut ba = b.fork();
            ba.merge(&mut a.fork()).expect("merge");
            let p = ab.partnership().expect("hydrates");
            prop_assert_eq!(&p, &ba.partnership().expect("hydrates"));

            let got: BTreeSet<DeliverableId> = deliverable_ids(&p).into_iter().collect();
            let want: BTreeSet<DeliverableId> = added.difference(&removed).cloned().collect();
            prop_assert_eq!(got, want, "deliverables lost, duplicated or resurrected");
            for c in p.quarters[&q1()].campaigns.values() {
                for m in c.results.keys() {
                    prop_assert!(p.markets.contains(m), "results only for the partnership's markets");
                }
            }
        }
    }
}

/// Property test (issue #21): two sides submitting, reviewing and answering drafts of one
/// deliverable offline, and moving its status, merge in either order to the same document
/// with every review's single outcome, no feedback lost or orphaned, and the same rounds.
mod review_rounds {
    use proptest::prelude::*;

    use super::q1;
    use crate::{
        document::PartnershipDoc,
        drafts::{Answer, Outcome, rounds},
        ids::{DeliverableId, FeedbackId, ReviewId, VersionId},
        partnership::{NewPartnership, record::DeliverableDraft, review_rounds::ReviewDraft},
        sow::DeliverableStatus,
    };

    #[derive(Debug, Clone)]
    enum Op {
        Submit(String),
        /// (version pick, outcome, feedback items, must fix)
        Review(usize, usize, usize, bool),
        Answer(usize, usize),
        Status(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            "[a-zа-я][a-zа-я ]{0,7}".prop_map(Op::Submit),
            (0..4usize, 0..3usize, 1..3usize, any::<bool>())
                .prop_map(|(v, o, n, m)| Op::Review(v, o, n, m)),
            (0..6usize, 0..3usize).prop_map(|(f, a)| Op::Answer(f, a)),
            (0..3usize).prop_map(Op::Status),
        ]
    }

    fn deliverable() -> DeliverableDraft {
        DeliverableDraft {
            platform: "Telegram".into(),
            format: "post".into(),
            count: 1,
            market: "RU".parse().expect("RU"),
            live_from: None,
            live_to: None,
            owner: String::new(),
            status: DeliverableStatus::Planned,
            paid: true,
            erid: String::new(),
            reklama_label: false,
        }
    }

    fn did() -> DeliverableId {
        DeliverableId::from_random([9; 16])
    }

    /// Applies `ops` as `side`; counts the feedback items it added.
    fn apply(doc: &mut PartnershipDoc, side: u8, ops: &[Op], feedback_added: &mut usize) {
        for (n, op) in ops.iter().enumerate() {
            let p = doc.partnership().expect("hydrates");
            let d = &p.quarters[&q1()].sow.deliverables[&did()];
            let versions: Vec<VersionId> = rounds(&d.versions, 0)
                .iter()
                .map(|r| r.id.clone())
                .collect();
            let feedback: Vec<(VersionId, ReviewId, FeedbackId)> = d
                .versions
                .iter()
                .flat_map(|(v, x)| {
                    x.reviews.iter().flat_map(move |(r, y)| {
                        y.feedback
                            .keys()
                            .map(move |f| (v.clone(), r.clone(), f.clone()))
                    })
                })
                .collect();
            let fresh = |k: u8| {
                let mut b = [side; 16];
                b[1] = n as u8;
                b[2] = k;
                b
            };
            let at = i64::from(side) * 1_000 + n as i64;
            let result = match op {
                Op::Submit(caption) => doc.change(at, "submit", |p| {
                    p.submit_draft(
                        q1(),
                        &did(),
                        VersionId::from_random(fresh(0)),
                        "",
                        caption,
                        "x",
                        "creator",
                        at,
                    )
                }),
                Op::Review(v, o, count, must_fix) => {
                    match versions.get(v % versions.len().max(1)) {
                        Some(v) => {
                            *feedback_added += count;
                            doc.change(at, "review", |p| {
                                p.review_draft(
                                    q1(),
                                    &did(),
                                    v,
                                    ReviewId::from_random(fresh(1)),
                                    ReviewDraft {
                                        outcome: Outcome::ALL[*o],
                                        feedback: (0..*count)
                                            .map(|k| {
                                                (
                                                    FeedbackId::from_random(fresh(10 + k as u8)),
                                                    "fix".into(),
                                                    *must_fix,
                                                )
                                            })
                                            .collect(),
                                        by: "y".into(),
                                        side: "brand".into(),
                                        at_ms: at,
                                    },
                                )
                            })
                        }
                        None => Ok(()),
                    }
                }
                Op::Answer(f, a) => match feedback.get(f % feedback.len().max(1)) {
                    Some((v, r, fid)) => doc.change(at, "answer", |p| {
                        p.answer_feedback(q1(), &did(), v, r, fid, Answer::ALL[*a])
                    }),
                    None => Ok(()),
                },
                Op::Status(s) => doc.change(at, "status", |p| {
                    let mut x = deliverable();
                    x.status = DeliverableStatus::ALL[*s];
                    p.update_deliverable(q1(), &did(), x)
                }),
            };
            result.expect("every generated op is valid");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn concurrent_reviews_merge_keeping_one_outcome_each_and_every_feedback_item(
            a_ops in prop::collection::vec(op(), 0..8),
            b_ops in prop::collection::vec(op(), 0..8),
        ) {
            let mut base = PartnershipDoc::create(
                &NewPartnership {
                    brand: "B".into(),
                    creator: "C".into(),
                    markets: vec!["RU".parse().expect("RU")],
                    first_quarter: q1(),
                    quarters: 1,
                },
                0,
            )
            .expect("created");
            base.change(1, "add", |p| p.add_deliverable(q1(), did(), deliverable())).expect("added");
            base.change(2, "v1", |p| {
                p.submit_draft(q1(), &did(), VersionId::from_random([0; 16]), "https://x", "v1", "x", "creator", 2)
            })
            .expect("v1");
            let mut feedback_added = 0;
            let mut a = base.fork();
            let mut b = base.fork();
            apply(&mut a, 1, &a_ops, &mut feedback_added);
            apply(&mut b, 2, &b_ops, &mut feedback_added);
            let mut ab = a.fork();
            ab.merge(&mut b.fork()).expect("merge");
            let mut ba = b.fork();
            ba.merge(&mut a.fork()).expect("merge");
            let p = ab.partnership().expect("hydrates");
            prop_assert_eq!(&p, &ba.partnership().expect("hydrates"));
            let d = &p.quarters[&q1()].sow.deliverables[&did()];
            let submitted = 1 + a_ops.iter().chain(&b_ops).filter(|o| matches!(o, Op::Submit(_))).count();
            let numbers: Vec<usize> = rounds(&d.versions, 2).iter().map(|r| r.number).collect();
            prop_assert_eq!(numbers, (1..=submitted).collect::<Vec<_>>(), "the same rounds on both sides");
            let feedback: usize = d
                .versions
                .values()
                .flat_map(|v| v.reviews.values())
                .map(|r| r.feedback.len())
                .sum();
            prop_assert_eq!(feedback, feedback_added, "no feedback lost or orphaned");
            for r in d.versions.values().flat_map(|v| v.reviews.values()) {
                prop_assert!(Outcome::ALL.contains(&r.outcome), "one outcome per review");
            }
        }
    }
}
