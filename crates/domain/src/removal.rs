//! Removing an item so that Undo can put it back: [`Partnership::remove`] returns what it
//! took away ([`Removed`]), and [`Partnership::restore`] puts the same item back under the
//! same id, with its order key (so it returns to its place) and every field as it was.
//! A peer that merged the removal receives the restoration as a later change of the same
//! key, so both sides end with the same item under the same id.

use crate::{
    campaign::{Campaign, CampaignId},
    checkin::CheckIn,
    debrief::Issue,
    kpi::Kpi,
    partnership::{Partnership, RoadmapError, Win},
    qbr::{ActionItem, Risk},
    quarter::QuarterId,
    sow::Deliverable,
};
use autosurgeon::Text;

/// What to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Campaign(QuarterId, CampaignId),
    Deliverable(QuarterId, CampaignId),
    Kpi(CampaignId),
    CheckIn(CampaignId),
    Win(CampaignId),
    /// A risk or an action item of a quarter's review.
    QbrItem(QuarterId, CampaignId),
    /// An issue of a campaign's debrief: (quarter, campaign, issue).
    Issue(QuarterId, CampaignId, CampaignId),
}

/// What a removal took away: enough to put back the same item.
#[derive(Debug, Clone, PartialEq)]
pub enum Removed {
    Campaign(QuarterId, CampaignId, Box<Campaign>),
    Deliverable(QuarterId, CampaignId, Box<Deliverable>),
    Kpi(CampaignId, Box<Kpi>),
    CheckIn(CampaignId, Box<CheckIn>),
    Win(CampaignId, Box<Win>),
    Risk(QuarterId, CampaignId, Box<Risk>),
    Action(QuarterId, CampaignId, Box<ActionItem>),
    Issue(QuarterId, CampaignId, CampaignId, Box<Issue>),
}

impl Removed {
    /// The id of the removed item.
    pub fn id(&self) -> &CampaignId {
        match self {
            Removed::Campaign(_, id, _)
            | Removed::Deliverable(_, id, _)
            | Removed::Kpi(id, _)
            | Removed::CheckIn(id, _)
            | Removed::Win(id, _)
            | Removed::Risk(_, id, _)
            | Removed::Action(_, id, _)
            | Removed::Issue(_, _, id, _) => id,
        }
    }
}

impl Partnership {
    /// Removes `target`; returns what was removed, for [`Partnership::restore`].
    pub fn remove(&mut self, target: &Target) -> Result<Removed, RoadmapError> {
        let gone = RoadmapError::UnknownItem;
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
            Target::QbrItem(q, id) => {
                self.quarter(*q)?;
                let qbr = self.qbrs.get_mut(q).ok_or(RoadmapError::UnknownItem)?;
                if let Some(r) = qbr.risks.remove(id) {
                    Removed::Risk(*q, id.clone(), Box::new(r))
                } else {
                    let a = qbr.actions.remove(id).ok_or(gone)?;
                    Removed::Action(*q, id.clone(), Box::new(a))
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

    /// Puts back what [`Partnership::remove`] took, under the same id. Restoring twice
    /// changes nothing; the place it belongs to (a quarter, a campaign) must still exist.
    pub fn restore(&mut self, removed: &Removed) -> Result<(), RoadmapError> {
        match removed.clone() {
            Removed::Campaign(q, id, c) => {
                self.quarter_entry(q)?
                    .campaigns
                    .entry(id)
                    .or_insert(*c.fresh());
            }
            Removed::Deliverable(q, id, d) => {
                self.quarter_entry(q)?
                    .sow
                    .deliverables
                    .entry(id)
                    .or_insert(*d.fresh());
            }
            Removed::Kpi(id, k) => {
                self.kpis.entry(id).or_insert(*k);
            }
            Removed::CheckIn(id, c) => {
                self.checkins.entry(id).or_insert(*c.fresh());
            }
            Removed::Win(id, w) => {
                self.wins.entry(id).or_insert(*w.fresh());
            }
            Removed::Risk(q, id, r) => {
                self.quarter(q)?;
                self.qbrs
                    .entry(q)
                    .or_default()
                    .risks
                    .entry(id)
                    .or_insert(*r.fresh());
            }
            Removed::Action(q, id, a) => {
                self.quarter(q)?;
                self.qbrs
                    .entry(q)
                    .or_default()
                    .actions
                    .entry(id)
                    .or_insert(*a.fresh());
            }
            Removed::Issue(q, campaign, id, issue) => {
                let c = self
                    .quarter_entry(q)?
                    .campaigns
                    .get_mut(&campaign)
                    .ok_or(RoadmapError::UnknownCampaign(campaign))?;
                c.debrief
                    .get_or_insert_with(Default::default)
                    .issues
                    .entry(id)
                    .or_insert(*issue.fresh());
            }
        }
        Ok(())
    }

    fn quarter_entry(
        &mut self,
        q: QuarterId,
    ) -> Result<&mut crate::quarter::Quarter, RoadmapError> {
        self.quarters
            .get_mut(&q)
            .ok_or(RoadmapError::UnknownQuarter(q))
    }
}

/// A removed item as new values: its texts were read from the document before the
/// removal, and autosurgeon refuses to write such a text into a new object (its heads are
/// not the new object's), so each text is carried as its string. Everything else — id,
/// order key, dates, figures — comes back unchanged.
trait Fresh {
    fn fresh(self) -> Self;
}

fn fresh(t: &Text) -> Text {
    Text::with_value(t.as_str())
}

impl Fresh for Box<Campaign> {
    fn fresh(mut self) -> Self {
        self.title = fresh(&self.title);
        if let Some(d) = self.debrief.as_mut() {
            d.worked = fresh(&d.worked);
            d.learnings = fresh(&d.learnings);
            let issues = std::mem::take(&mut d.issues);
            d.issues = issues
                .into_iter()
                .map(|(id, i)| (id, *Box::new(i).fresh()))
                .collect();
        }
        self
    }
}

impl Fresh for Box<Issue> {
    fn fresh(mut self) -> Self {
        self.issue = fresh(&self.issue);
        self.cause = fresh(&self.cause);
        self.effect = fresh(&self.effect);
        self
    }
}

impl Fresh for Box<Deliverable> {
    fn fresh(mut self) -> Self {
        self.platform = fresh(&self.platform);
        self.format = fresh(&self.format);
        self.owner = fresh(&self.owner);
        self.erid = fresh(&self.erid);
        self
    }
}

impl Fresh for Box<CheckIn> {
    fn fresh(mut self) -> Self {
        for t in [
            &mut self.brand_people,
            &mut self.creator_people,
            &mut self.channel,
            &mut self.summary,
            &mut self.next_step,
            &mut self.next_owner,
        ] {
            *t = fresh(t);
        }
        self
    }
}

impl Fresh for Box<Win> {
    fn fresh(mut self) -> Self {
        self.text = fresh(&self.text);
        self
    }
}

impl Fresh for Box<Risk> {
    fn fresh(mut self) -> Self {
        self.text = fresh(&self.text);
        self.owner = fresh(&self.owner);
        self
    }
}

impl Fresh for Box<ActionItem> {
    fn fresh(mut self) -> Self {
        self.text = fresh(&self.text);
        self.owner = fresh(&self.owner);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        campaign::{CampaignDraft, CampaignStatus},
        document::PartnershipDoc,
        partnership::NewPartnership,
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
        assert_eq!(removed.id(), &b);
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
            .change(2, "add", |p| Ok(campaign(p, q, 7, "Spring drop")))
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

    #[test]
    fn every_kind_of_item_comes_back() {
        let (mut p, q) = sample();
        let id = CampaignId::from_random([9; 16]);
        p.add_win(id.clone(), "Sold out", "Anya", "creator", 1)
            .expect("win");
        p.add_qbr_item(q, id.clone(), true, "Send the brief", "Anya", None)
            .expect("action");
        let before = p.clone();
        for target in [Target::Win(id.clone()), Target::QbrItem(q, id.clone())] {
            let removed = p.remove(&target).expect("removed");
            assert_ne!(p, before);
            p.restore(&removed).expect("restored");
            assert_eq!(p, before, "{target:?}");
        }
        assert_eq!(
            p.remove(&Target::Kpi(id)),
            Err(RoadmapError::UnknownKpi(CampaignId::from_random([9; 16])))
        );
    }
}
