//! The partnership: its parties, markets, larger goal and quarterly roadmap, and the
//! commands that change them.
//!
//! Commands are plain methods on the hydrated struct that validate their input and
//! mutate it; `PartnershipDoc::change` reconciles the result into the Automerge document,
//! so each command becomes one Automerge change that merges with concurrent ones.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};

use crate::{
    campaign::{Campaign, CampaignDraft, CampaignId},
    market::Market,
    quarter::{Quarter, QuarterId},
};

/// Marks a document as a Tandem partnership, so a foreign Automerge document is refused.
pub const SCHEMA: &str = "tandem.partnership";
/// The newest document layout this build understands.
pub const SCHEMA_VERSION: u64 = 1;
/// The most quarters a roadmap is created with (three years).
pub const MAX_QUARTERS: u32 = 12;

/// The whole partnership document.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Partnership {
    pub schema: String,
    pub schema_version: u64,
    /// The brand's name.
    pub brand: Text,
    /// The creator's or agency's name.
    pub creator: Text,
    pub markets: Vec<Market>,
    /// The larger goal both sides work toward, shown above the roadmap.
    pub goal: Text,
    #[autosurgeon(with = "autosurgeon::map_with_parseable_keys")]
    pub quarters: BTreeMap<QuarterId, Quarter>,
}

/// What a person fills in to start a partnership.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPartnership {
    pub brand: String,
    pub creator: String,
    pub markets: Vec<Market>,
    pub first_quarter: QuarterId,
    pub quarters: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewPartnershipError {
    #[error("the brand needs a name")]
    MissingBrand,
    #[error("the creator or agency needs a name")]
    MissingCreator,
    #[error("choose at least one market")]
    NoMarkets,
    #[error("market {0} is listed twice")]
    DuplicateMarket(Market),
    #[error("a roadmap has 1 to {max} quarters, not {0}", max = MAX_QUARTERS)]
    QuarterCount(u32),
    #[error("the roadmap would run past the last supported year")]
    QuartersOutOfRange,
}

/// Why a roadmap command was refused. Nothing is changed when a command fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoadmapError {
    #[error("quarter {0} is not on this roadmap")]
    UnknownQuarter(QuarterId),
    #[error("that campaign no longer exists (someone may have removed it)")]
    UnknownCampaign(CampaignId),
    #[error("a campaign needs a title")]
    MissingTitle,
    #[error("market {0} is not one of this partnership's markets")]
    ForeignMarket(Market),
    #[error("the campaign ends ({ends}) before it starts ({starts})")]
    EndsBeforeStart { starts: String, ends: String },
}

impl Partnership {
    /// A new partnership with an empty roadmap of `new.quarters` quarters.
    pub fn new(new: &NewPartnership) -> Result<Self, NewPartnershipError> {
        let brand = new.brand.trim();
        let creator = new.creator.trim();
        if brand.is_empty() {
            return Err(NewPartnershipError::MissingBrand);
        }
        if creator.is_empty() {
            return Err(NewPartnershipError::MissingCreator);
        }
        if new.markets.is_empty() {
            return Err(NewPartnershipError::NoMarkets);
        }
        for (i, m) in new.markets.iter().enumerate() {
            if new.markets[..i].contains(m) {
                return Err(NewPartnershipError::DuplicateMarket(*m));
            }
        }
        if !(1..=MAX_QUARTERS).contains(&new.quarters) {
            return Err(NewPartnershipError::QuarterCount(new.quarters));
        }
        let mut quarters = BTreeMap::new();
        let mut q = Some(new.first_quarter);
        for _ in 0..new.quarters {
            let id = q.ok_or(NewPartnershipError::QuartersOutOfRange)?;
            quarters.insert(id, Quarter::default());
            q = id.next();
        }
        Ok(Partnership {
            schema: SCHEMA.to_owned(),
            schema_version: SCHEMA_VERSION,
            brand: Text::with_value(brand),
            creator: Text::with_value(creator),
            markets: new.markets.clone(),
            goal: Text::default(),
            quarters,
        })
    }

    pub fn quarter(&self, id: QuarterId) -> Result<&Quarter, RoadmapError> {
        self.quarters
            .get(&id)
            .ok_or(RoadmapError::UnknownQuarter(id))
    }

    fn quarter_mut(&mut self, id: QuarterId) -> Result<&mut Quarter, RoadmapError> {
        self.quarters
            .get_mut(&id)
            .ok_or(RoadmapError::UnknownQuarter(id))
    }

    pub fn set_goal(&mut self, goal: &str) {
        self.goal.update(goal);
    }

    pub fn set_theme(&mut self, quarter: QuarterId, theme: &str) -> Result<(), RoadmapError> {
        self.quarter_mut(quarter)?.theme.update(theme);
        Ok(())
    }

    pub fn set_learned(&mut self, quarter: QuarterId, text: &str) -> Result<(), RoadmapError> {
        self.quarter_mut(quarter)?.learned.update(text);
        Ok(())
    }

    pub fn set_next_try(&mut self, quarter: QuarterId, text: &str) -> Result<(), RoadmapError> {
        self.quarter_mut(quarter)?.next_try.update(text);
        Ok(())
    }

    fn validate(&self, draft: &CampaignDraft) -> Result<(), RoadmapError> {
        if draft.title.trim().is_empty() {
            return Err(RoadmapError::MissingTitle);
        }
        if !self.markets.contains(&draft.market) {
            return Err(RoadmapError::ForeignMarket(draft.market));
        }
        if let (Some(starts), Some(ends)) = (draft.starts, draft.ends)
            && ends < starts
        {
            return Err(RoadmapError::EndsBeforeStart {
                starts: starts.to_string(),
                ends: ends.to_string(),
            });
        }
        Ok(())
    }

    /// Adds a campaign at the end of the quarter's list.
    pub fn add_campaign(
        &mut self,
        quarter: QuarterId,
        id: CampaignId,
        draft: CampaignDraft,
    ) -> Result<(), RoadmapError> {
        self.validate(&draft)?;
        let q = self.quarter_mut(quarter)?;
        let order = q.order_key_at(usize::MAX, None);
        q.campaigns.insert(
            id,
            Campaign {
                title: Text::with_value(draft.title.trim()),
                market: draft.market,
                starts: draft.starts,
                ends: draft.ends,
                status: draft.status,
                order,
            },
        );
        Ok(())
    }

    /// Changes a campaign's fields. Only fields that differ are written, so a concurrent
    /// edit of another field of the same campaign survives the merge.
    pub fn update_campaign(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
        draft: CampaignDraft,
    ) -> Result<(), RoadmapError> {
        self.validate(&draft)?;
        let q = self.quarter_mut(quarter)?;
        let c = q
            .campaigns
            .get_mut(id)
            .ok_or_else(|| RoadmapError::UnknownCampaign(id.clone()))?;
        let title = draft.title.trim();
        if c.title.as_str() != title {
            c.title.update(title);
        }
        c.market = draft.market;
        c.starts = draft.starts;
        c.ends = draft.ends;
        c.status = draft.status;
        Ok(())
    }

    pub fn remove_campaign(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
    ) -> Result<(), RoadmapError> {
        self.quarter_mut(quarter)?
            .campaigns
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| RoadmapError::UnknownCampaign(id.clone()))
    }

    /// Moves a campaign to `to_index` in the quarter's display order (clamped to the end).
    pub fn move_campaign(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
        to_index: usize,
    ) -> Result<(), RoadmapError> {
        let q = self.quarter_mut(quarter)?;
        if !q.campaigns.contains_key(id) {
            return Err(RoadmapError::UnknownCampaign(id.clone()));
        }
        let order = q.order_key_at(to_index, Some(id));
        if let Some(c) = q.campaigns.get_mut(id) {
            c.order = order;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::CampaignStatus;

    pub(crate) fn sample() -> Partnership {
        Partnership::new(&NewPartnership {
            brand: "Northwind".into(),
            creator: "Masha Petrova".into(),
            markets: vec!["RU".parse().expect("RU"), "US".parse().expect("US")],
            first_quarter: "2027-Q1".parse().expect("quarter"),
            quarters: 4,
        })
        .expect("valid partnership")
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

    fn titles(p: &Partnership, q: QuarterId) -> Vec<String> {
        p.quarter(q)
            .expect("quarter")
            .campaigns_in_order()
            .iter()
            .map(|(_, c)| c.title.as_str().to_owned())
            .collect()
    }

    #[test]
    fn new_partnership_has_consecutive_quarters() {
        let p = sample();
        let ids: Vec<String> = p.quarters.keys().map(ToString::to_string).collect();
        assert_eq!(ids, ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]);
    }

    #[test]
    fn new_partnership_is_validated() {
        let good = NewPartnership {
            brand: "B".into(),
            creator: "C".into(),
            markets: vec!["US".parse().expect("US")],
            first_quarter: "2027-Q1".parse().expect("q"),
            quarters: 4,
        };
        let with = |f: &dyn Fn(&mut NewPartnership)| {
            let mut n = good.clone();
            f(&mut n);
            Partnership::new(&n).err()
        };
        assert_eq!(
            with(&|n| n.brand = "  ".into()),
            Some(NewPartnershipError::MissingBrand)
        );
        assert_eq!(
            with(&|n| n.creator.clear()),
            Some(NewPartnershipError::MissingCreator)
        );
        assert_eq!(
            with(&|n| n.markets.clear()),
            Some(NewPartnershipError::NoMarkets)
        );
        assert_eq!(
            with(&|n| n.quarters = 0),
            Some(NewPartnershipError::QuarterCount(0))
        );
        assert_eq!(
            with(&|n| n.quarters = 13),
            Some(NewPartnershipError::QuarterCount(13))
        );
        let us = "US".parse().expect("US");
        assert_eq!(
            with(&|n| n.markets.push(us)),
            Some(NewPartnershipError::DuplicateMarket(us))
        );
        assert_eq!(
            with(&|n| n.first_quarter = "2999-Q3".parse().expect("q")),
            Some(NewPartnershipError::QuartersOutOfRange)
        );
        assert!(with(&|_| {}).is_none());
    }

    #[test]
    fn campaigns_add_move_and_remove() {
        let mut p = sample();
        let q = "2027-Q1".parse().expect("q");
        let ids: Vec<CampaignId> = (0..3u8).map(|i| CampaignId::from_random([i; 16])).collect();
        for (id, t) in ids.iter().zip(["A", "B", "C"]) {
            p.add_campaign(q, id.clone(), draft(t)).expect("added");
        }
        assert_eq!(titles(&p, q), ["A", "B", "C"]);
        p.move_campaign(q, &ids[2], 0).expect("moved");
        assert_eq!(titles(&p, q), ["C", "A", "B"]);
        p.move_campaign(q, &ids[2], 99).expect("moved");
        assert_eq!(titles(&p, q), ["A", "B", "C"]);
        p.move_campaign(q, &ids[0], 1).expect("moved");
        assert_eq!(titles(&p, q), ["B", "A", "C"]);
        p.remove_campaign(q, &ids[0]).expect("removed");
        assert_eq!(titles(&p, q), ["B", "C"]);
        assert_eq!(
            p.remove_campaign(q, &ids[0]),
            Err(RoadmapError::UnknownCampaign(ids[0].clone()))
        );
    }

    #[test]
    fn campaign_drafts_are_validated() {
        let mut p = sample();
        let q = "2027-Q1".parse().expect("q");
        let id = CampaignId::from_random([1; 16]);
        assert_eq!(
            p.add_campaign(q, id.clone(), draft(" ")),
            Err(RoadmapError::MissingTitle)
        );
        let mut de = draft("X");
        de.market = "DE".parse().expect("DE");
        assert!(matches!(
            p.add_campaign(q, id.clone(), de),
            Err(RoadmapError::ForeignMarket(_))
        ));
        let mut backwards = draft("X");
        backwards.starts = Some("2027-03-01".parse().expect("day"));
        backwards.ends = Some("2027-02-01".parse().expect("day"));
        assert!(matches!(
            p.add_campaign(q, id.clone(), backwards),
            Err(RoadmapError::EndsBeforeStart { .. })
        ));
        let other_q = "2031-Q1".parse().expect("q");
        assert_eq!(
            p.add_campaign(other_q, id, draft("X")),
            Err(RoadmapError::UnknownQuarter(other_q))
        );
        assert!(
            p.quarter(q).expect("q").campaigns.is_empty(),
            "nothing was added"
        );
    }
}
