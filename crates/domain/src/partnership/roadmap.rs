//! The roadmap: the larger goal, each quarter's texts and the campaigns planned in it.

use std::collections::BTreeMap;

use autosurgeon::Text;

use super::Partnership;
use crate::{
    campaign::{Campaign, CampaignDraft, CampaignId},
    locale::Lang,
    market::Market,
    quarter::{EndsBeforeStart, QuarterId, UnknownQuarter},
};

/// Why a roadmap command was refused. Nothing is changed when a command fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoadmapError {
    #[error(transparent)]
    Quarter(#[from] UnknownQuarter),
    #[error("that campaign no longer exists (someone may have removed it)")]
    UnknownCampaign(CampaignId),
    #[error("a campaign needs a title")]
    MissingTitle,
    #[error("market {0} is not one of this partnership's markets")]
    ForeignMarket(Market),
    #[error(transparent)]
    EndsBeforeStart(#[from] EndsBeforeStart),
}

impl RoadmapError {
    /// In words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (_, Self::Quarter(e)) => e.describe(lang),
            (_, Self::EndsBeforeStart(e)) => e.describe(lang),
            // Dates as the reader writes them, not as the document stores them.
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::UnknownCampaign(_)) => {
                "этой кампании уже нет (возможно, кто-то удалил её)".into()
            }
            (Lang::Ru, Self::MissingTitle) => "у кампании должно быть название".into(),
            (Lang::Ru, Self::ForeignMarket(m)) => format!("рынок {m} не входит в это партнёрство"),
        }
    }
}

impl Partnership {
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
            return Err(EndsBeforeStart { starts, ends }.into());
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
                removed: false,
                title: Text::with_value(draft.title.trim()),
                market: draft.market,
                starts: draft.starts,
                ends: draft.ends,
                status: draft.status,
                order,
                results: BTreeMap::new(),
                debrief: None,
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
