//! Removing an item so that Undo can put it back: [`Partnership::remove`] marks the item
//! removed where it is (see [`crate::items`]) and returns what it was ([`Removed`]), and
//! [`Partnership::restore`] clears the mark: the same Automerge object comes back, with its
//! id, order key (so it returns to its place), text objects and their history. A peer that
//! merged the removal receives the restoration as a later change of the same flag, and an
//! edit it made to the item meanwhile is still there.

use crate::{
    campaign::{Campaign, CampaignId},
    checkin::CheckIn,
    debrief::Issue,
    error::CommandError,
    ids::{ActionId, CheckInId, DeliverableId, IssueId, KpiId, PaymentId, RiskId, WinId},
    kpi::Kpi,
    partnership::{Partnership, Win, roadmap::RoadmapError},
    qbr::{ActionItem, ReviewItemId, Risk},
    quarter::{QuarterId, UnknownQuarter},
    sow::Deliverable,
};

/// What to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Campaign(QuarterId, CampaignId),
    Deliverable(QuarterId, DeliverableId),
    Kpi(KpiId),
    CheckIn(CheckInId),
    Win(WinId),
    /// A risk or an action item of a quarter's review.
    ReviewItem(QuarterId, ReviewItemId),
    /// An issue of a campaign's debrief: (quarter, campaign, issue).
    Issue(QuarterId, CampaignId, IssueId),
    Payment(PaymentId),
    /// A brand-only note (in a notes document).
    Note(crate::ids::NoteId),
}

/// What a removal took away: enough to put back the same item.
#[derive(Debug, Clone, PartialEq)]
pub enum Removed {
    Campaign(QuarterId, CampaignId, Box<Campaign>),
    Deliverable(QuarterId, DeliverableId, Box<Deliverable>),
    Kpi(KpiId, Box<Kpi>),
    CheckIn(CheckInId, Box<CheckIn>),
    Win(WinId, Box<Win>),
    Risk(QuarterId, RiskId, Box<Risk>),
    Action(QuarterId, ActionId, Box<ActionItem>),
    Issue(QuarterId, CampaignId, IssueId, Box<Issue>),
    Payment(PaymentId, Box<crate::payment::Payment>),
    Note(crate::ids::NoteId, Box<super::partnership::InternalNote>),
}

impl Partnership {
    /// Removes `target`; returns what was removed, for [`Partnership::restore`].
    pub fn remove(&mut self, target: &Target) -> Result<Removed, CommandError> {
        let gone = CommandError::Gone;
        Ok(match target {
            Target::Campaign(q, id) => {
                let c = self.quarter(*q)?.campaigns.get(id).cloned();
                self.remove_campaign(*q, id)?;
                Removed::Campaign(*q, id.clone(), Box::new(c.ok_or(gone)?))
            }
            Target::Deliverable(q, id) => {
                let d = self.quarter(*q)?.sow.deliverables.get(id).cloned();
                self.remove_deliverable(*q, id)?;
                Removed::Deliverable(*q, id.clone(), Box::new(d.ok_or(gone)?))
            }
            Target::Kpi(id) => {
                let k = self.kpis.get(id).cloned();
                self.remove_kpi(id)?;
                Removed::Kpi(id.clone(), Box::new(k.ok_or(gone)?))
            }
            Target::CheckIn(id) => {
                let c = self.checkins.remove(id).ok_or(gone)?;
                Removed::CheckIn(id.clone(), Box::new(c))
            }
            Target::Win(id) => {
                let w = self.wins.remove(id).ok_or(gone)?;
                Removed::Win(id.clone(), Box::new(w))
            }
            Target::Payment(id) => {
                let x = self.payments.remove(id).ok_or(gone)?;
                Removed::Payment(id.clone(), Box::new(x))
            }
            Target::Note(id) => {
                let x = self.internal_notes.remove(id).ok_or(gone)?;
                Removed::Note(id.clone(), Box::new(x))
            }
            Target::ReviewItem(q, item) => {
                self.quarter(*q)?;
                let qbr = self.qbrs.get_mut(q).ok_or(CommandError::Gone)?;
                match item {
                    ReviewItemId::Risk(id) => {
                        let r = qbr.risks.remove(id).ok_or(gone)?;
                        Removed::Risk(*q, id.clone(), Box::new(r))
                    }
                    ReviewItemId::Action(id) => {
                        let a = qbr.actions.remove(id).ok_or(gone)?;
                        Removed::Action(*q, id.clone(), Box::new(a))
                    }
                }
            }
            Target::Issue(q, campaign, id) => {
                let issue = self
                    .quarter(*q)?
                    .campaigns
                    .get(campaign)
                    .and_then(|c| c.debrief.as_ref())
                    .and_then(|d| d.issues.get(id))
                    .cloned()
                    .ok_or(gone)?;
                self.remove_debrief_issue(*q, campaign, id)?;
                Removed::Issue(*q, campaign.clone(), id.clone(), Box::new(issue))
            }
        })
    }

    /// Puts back what [`Partnership::remove`] took: the same item, as it is now (an edit
    /// a partner made to it while it was removed is kept). Restoring twice changes
    /// nothing; the place it belongs to (a quarter, a campaign) must still be there.
    pub fn restore(&mut self, removed: &Removed) -> Result<(), CommandError> {
        match removed {
            Removed::Campaign(q, id, _) => {
                self.quarter_entry(*q)?.campaigns.restore(id);
            }
            Removed::Deliverable(q, id, _) => {
                self.quarter_entry(*q)?.sow.deliverables.restore(id);
            }
            Removed::Kpi(id, _) => {
                self.kpis.restore(id);
            }
            Removed::CheckIn(id, _) => {
                self.checkins.restore(id);
            }
            Removed::Win(id, _) => {
                self.wins.restore(id);
            }
            Removed::Payment(id, _) => {
                self.payments.restore(id);
            }
            Removed::Note(id, _) => {
                self.internal_notes.restore(id);
            }
            Removed::Risk(q, id, _) => {
                self.quarter(*q)?;
                if let Some(qbr) = self.qbrs.get_mut(q) {
                    qbr.risks.restore(id);
                }
            }
            Removed::Action(q, id, _) => {
                self.quarter(*q)?;
                if let Some(qbr) = self.qbrs.get_mut(q) {
                    qbr.actions.restore(id);
                }
            }
            Removed::Issue(q, campaign, id, _) => {
                self.quarter_entry(*q)?
                    .campaigns
                    .get_mut(campaign)
                    .ok_or_else(|| RoadmapError::UnknownCampaign(campaign.clone()))?
                    .debrief
                    .get_or_insert_with(Default::default)
                    .issues
                    .restore(id);
            }
        }
        Ok(())
    }

    fn quarter_entry(
        &mut self,
        q: QuarterId,
    ) -> Result<&mut crate::quarter::Quarter, UnknownQuarter> {
        self.quarters.get_mut(&q).ok_or(UnknownQuarter(q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        campaign::{CampaignDraft, CampaignStatus},
        document::PartnershipDoc,
        partnership::{NewPartnership, record::RecordError},
    };

    fn sample() -> (Partnership, QuarterId) {
        let q: QuarterId = "2027-Q1".parse().expect("q");
        let p = Partnership::new(&NewPartnership {
            brand: "Northwind".into(),
            creator: "Anya".into(),
            markets: vec!["RU".parse().expect("m")],
            first_quarter: q,
            quarters: 2,
        })
        .expect("new");
        (p, q)
    }

    fn campaign(p: &mut Partnership, q: QuarterId, n: u8, title: &str) -> CampaignId {
        let id = CampaignId::from_random([n; 16]);
        p.add_campaign(
            q,
            id.clone(),
            CampaignDraft {
                title: title.into(),
                market: "RU".parse().expect("m"),
                starts: Some("2027-01-10".parse().expect("day")),
                ends: None,
                status: CampaignStatus::Running,
            },
        )
        .expect("add");
        id
    }

    #[test]
    fn undo_puts_back_the_same_campaign_in_its_place() {
        let (mut p, q) = sample();
        let a = campaign(&mut p, q, 1, "First");
        let b = campaign(&mut p, q, 2, "Second");
        let c = campaign(&mut p, q, 3, "Third");
        let before = p.clone();
        let removed = p.remove(&Target::Campaign(q, b.clone())).expect("removed");
        assert!(matches!(&removed, Removed::Campaign(rq, id, _) if *rq == q && *id == b));
        assert!(!p.quarters[&q].campaigns.contains_key(&b));
        p.restore(&removed).expect("restored");
        assert_eq!(p, before, "the same item, every field and its order key");
        let order: Vec<_> = p.quarters[&q]
            .campaigns_in_order()
            .into_iter()
            .map(|(id, _)| id.clone())
            .collect();
        assert_eq!(order, [a, b, c]);
        p.restore(&removed).expect("twice");
        assert_eq!(p, before, "restoring twice changes nothing");
    }

    #[test]
    fn a_restored_campaign_reaches_a_replica_that_merged_the_removal() {
        let q: QuarterId = "2027-Q1".parse().expect("q");
        let new = NewPartnership {
            brand: "Northwind".into(),
            creator: "Anya".into(),
            markets: vec!["RU".parse().expect("m")],
            first_quarter: q,
            quarters: 1,
        };
        let mut mine = PartnershipDoc::create(&new, 1).expect("doc");
        let id = mine
            .change(2, "add", |p| {
                Ok::<_, crate::error::CommandError>(campaign(p, q, 7, "Spring drop"))
            })
            .expect("add");
        let mut theirs = PartnershipDoc::load([mine.save().as_slice()]).expect("load");
        let removed = mine
            .change(3, "remove", |p| p.remove(&Target::Campaign(q, id.clone())))
            .expect("remove");
        theirs.merge(&mut mine).expect("merge removal");
        let there = theirs.partnership().expect("p");
        assert!(!there.quarters[&q].campaigns.contains_key(&id));
        mine.change(4, "undo", |p| p.restore(&removed))
            .expect("undo");
        theirs.merge(&mut mine).expect("merge undo");
        let there = theirs.partnership().expect("p");
        assert_eq!(
            there.quarters[&q].campaigns[&id].title.as_str(),
            "Spring drop"
        );
        assert_eq!(there, mine.partnership().expect("p"));
    }

    /// The title's text object in the document, by path.
    fn title_object(doc: &PartnershipDoc, q: QuarterId, id: &CampaignId) -> automerge::ObjId {
        use automerge::ReadDoc;
        let am = doc.automerge();
        let mut obj = automerge::ROOT;
        for key in [
            "quarters",
            &q.to_string(),
            "campaigns",
            id.as_str(),
            "title",
        ] {
            obj = am.get(&obj, key).expect("read").expect("present").1;
        }
        obj
    }

    #[test]
    fn undo_brings_back_the_same_object_with_an_edit_made_while_it_was_removed() {
        let q: QuarterId = "2027-Q1".parse().expect("q");
        let new = NewPartnership {
            brand: "Northwind".into(),
            creator: "Anya".into(),
            markets: vec!["RU".parse().expect("m")],
            first_quarter: q,
            quarters: 1,
        };
        let mut mine = PartnershipDoc::create(&new, 1).expect("doc");
        let id = mine
            .change(2, "add", |p| {
                Ok::<_, crate::error::CommandError>(campaign(p, q, 7, "Spring drop"))
            })
            .expect("add");
        let title = title_object(&mine, q, &id);
        let mut theirs = PartnershipDoc::load([mine.save().as_slice()]).expect("load");
        let removed = mine
            .change(3, "remove", |p| p.remove(&Target::Campaign(q, id.clone())))
            .expect("remove");
        // Meanwhile, not yet having seen the removal, the partner renames it.
        theirs
            .change(3, "rename", |p| {
                let mut draft = draft(p, q, &id);
                draft.title = "Spring drop, final".into();
                p.update_campaign(q, &id, draft)
            })
            .expect("rename");
        mine.merge(&mut theirs).expect("merge the rename");
        theirs.merge(&mut mine).expect("merge the removal");
        for doc in [&mine, &theirs] {
            let p = doc.partnership().expect("p");
            assert!(
                !p.quarters[&q].campaigns.contains_key(&id),
                "removed on both"
            );
            assert_eq!(p.quarters[&q].campaigns.removed().len(), 1, "but kept");
        }
        mine.change(4, "undo", |p| p.restore(&removed))
            .expect("undo");
        theirs.merge(&mut mine).expect("merge undo");
        for doc in [&mine, &theirs] {
            let p = doc.partnership().expect("p");
            assert_eq!(
                p.quarters[&q].campaigns[&id].title.as_str(),
                "Spring drop, final",
                "the partner's edit made while it was removed is not lost"
            );
            assert!(p.quarters[&q].campaigns.removed().is_empty());
            assert_eq!(
                title_object(doc, q, &id),
                title,
                "the same text object, with its history, not a copy"
            );
        }
    }

    fn draft(p: &Partnership, q: QuarterId, id: &CampaignId) -> CampaignDraft {
        let c = &p.quarters[&q].campaigns[id];
        CampaignDraft {
            title: c.title.as_str().to_owned(),
            market: c.market,
            starts: c.starts,
            ends: c.ends,
            status: c.status,
        }
    }

    #[test]
    fn every_kind_of_item_comes_back() {
        let (mut p, q) = sample();
        let win = WinId::from_random([9; 16]);
        let action = ReviewItemId::Action(ActionId::from_random([9; 16]));
        p.add_win(win.clone(), "Sold out", "Anya", "creator", 1)
            .expect("win");
        p.add_review_item(q, action.clone(), "Send the brief", "Anya", None)
            .expect("action");
        let before = p.clone();
        for target in [Target::Win(win), Target::ReviewItem(q, action)] {
            let removed = p.remove(&target).expect("removed");
            assert_ne!(p, before);
            p.restore(&removed).expect("restored");
            assert_eq!(p, before, "{target:?}");
        }
        let kpi = KpiId::from_random([9; 16]);
        assert_eq!(
            p.remove(&Target::Kpi(kpi.clone())),
            Err(RecordError::UnknownKpi(kpi).into()),
            "a KPI that is not there"
        );
    }
}
