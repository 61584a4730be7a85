//! Campaign debriefs: outcome, what worked and what didn't, learnings, and the
//! learnings carried to later campaigns in the same market.

use autosurgeon::Text;

use super::Partnership;
use crate::{
    campaign::{Campaign, CampaignId},
    debrief::{Debrief, DebriefText, Issue, KpiOutcome, NextStep, Outcome},
    ids::IssueId,
    kpi::Kpi,
    locale::Lang,
    market::Market,
    quarter::{QuarterId, UnknownQuarter},
};

/// Why a debrief command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DebriefError {
    #[error(transparent)]
    Quarter(#[from] UnknownQuarter),
    #[error("that campaign no longer exists (someone may have removed it)")]
    UnknownCampaign(CampaignId),
    #[error("say what didn't work (the cause and the effect can follow)")]
    MissingIssue,
}

/// The learnings of an earlier campaign, carried to a later one in the same market.
#[derive(Debug, Clone, PartialEq)]
pub struct Learning {
    pub quarter: QuarterId,
    pub campaign: String,
    pub outcome: Option<Outcome>,
    pub next: Option<NextStep>,
    pub learnings: String,
}

impl DebriefError {
    /// In words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (_, Self::Quarter(e)) => e.describe(lang),
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::UnknownCampaign(_)) => {
                "этой кампании уже нет (возможно, кто-то удалил её)".into()
            }
            (Lang::Ru, Self::MissingIssue) => {
                "опишите, что не сработало (причину и последствие можно добавить позже)".into()
            }
        }
    }
}

impl Partnership {
    fn campaign_mut_in(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
    ) -> Result<&mut Campaign, DebriefError> {
        self.quarters
            .get_mut(&quarter)
            .ok_or(UnknownQuarter(quarter))?
            .campaigns
            .get_mut(id)
            .ok_or_else(|| DebriefError::UnknownCampaign(id.clone()))
    }

    fn debrief_mut(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
    ) -> Result<&mut Debrief, DebriefError> {
        Ok(self
            .campaign_mut_in(quarter, id)?
            .debrief
            .get_or_insert_with(Debrief::default))
    }

    pub fn set_debrief_outcome(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
        outcome: Option<Outcome>,
    ) -> Result<(), DebriefError> {
        self.debrief_mut(quarter, id)?.outcome = outcome;
        Ok(())
    }

    pub fn set_debrief_next(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
        next: Option<NextStep>,
    ) -> Result<(), DebriefError> {
        self.debrief_mut(quarter, id)?.next = next;
        Ok(())
    }

    pub fn set_debrief_text(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
        field: DebriefText,
        value: &str,
    ) -> Result<(), DebriefError> {
        let d = self.debrief_mut(quarter, id)?;
        let t = match field {
            DebriefText::Worked => &mut d.worked,
            DebriefText::Learnings => &mut d.learnings,
        };
        if t.as_str() != value {
            t.update(value);
        }
        Ok(())
    }

    /// Adds a "what didn't work" entry; it needs at least the issue.
    pub fn add_debrief_issue(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
        issue_id: IssueId,
        [issue, cause, effect]: [&str; 3],
        at_ms: i64,
    ) -> Result<(), DebriefError> {
        if issue.trim().is_empty() {
            return Err(DebriefError::MissingIssue);
        }
        self.debrief_mut(quarter, id)?.issues.insert(
            issue_id,
            Issue {
                removed: false,
                issue: Text::with_value(issue.trim()),
                cause: Text::with_value(cause.trim()),
                effect: Text::with_value(effect.trim()),
                at_ms,
            },
        );
        Ok(())
    }

    pub fn remove_debrief_issue(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
        issue_id: &IssueId,
    ) -> Result<(), DebriefError> {
        self.debrief_mut(quarter, id)?.issues.remove(issue_id);
        Ok(())
    }

    /// Target against actual for every KPI of every market this campaign has results in
    /// (or, with none recorded, of its own market).
    pub fn kpi_outcomes(&self, campaign: &Campaign) -> Vec<KpiOutcome> {
        let mut markets: Vec<Market> = campaign.results.keys().copied().collect();
        if markets.is_empty() {
            markets.push(campaign.market);
        }
        let mut out = Vec::new();
        for market in markets {
            let mut kpis: Vec<&Kpi> = self.kpis.values().filter(|k| k.market == market).collect();
            kpis.sort_by_key(|k| k.metric);
            for kpi in kpis {
                let actual = campaign
                    .results
                    .get(&market)
                    .and_then(|f| kpi.metric.compute(&[f]).ok());
                out.push(KpiOutcome {
                    market,
                    kpi: kpi.clone(),
                    actual,
                });
            }
        }
        out
    }

    /// The learnings of campaigns in `market` that come before `(quarter, campaign)` on the
    /// roadmap (earlier quarters, or earlier in the same quarter), most recent first. With
    /// `campaign` `None`, every campaign up to and including `quarter` counts (planning a
    /// new campaign there).
    pub fn learnings_before(
        &self,
        market: Market,
        quarter: QuarterId,
        campaign: Option<&CampaignId>,
    ) -> Vec<Learning> {
        let order = self.campaigns_in_roadmap_order();
        let end = match campaign {
            Some(id) => order
                .iter()
                .position(|(q, cid, _)| *q == quarter && *cid == id)
                .unwrap_or(order.len()),
            None => order
                .iter()
                .position(|(q, _, _)| *q > quarter)
                .unwrap_or(order.len()),
        };
        order[..end]
            .iter()
            .rev()
            .filter(|(_, _, c)| c.market == market)
            .filter_map(|(q, _, c)| {
                let d = c.debrief.as_ref()?;
                let learnings = d.learnings.as_str().trim();
                (!learnings.is_empty()).then(|| Learning {
                    quarter: *q,
                    campaign: c.title.as_str().to_owned(),
                    outcome: d.outcome,
                    next: d.next,
                    learnings: learnings.to_owned(),
                })
            })
            .collect()
    }
}
