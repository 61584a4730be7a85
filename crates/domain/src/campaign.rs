//! Planned campaigns on the roadmap.

use std::{fmt, str::FromStr};

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};

use crate::{
    day::Day, kpi::Figures, market::Market, order_key::OrderKey, stored_string::stored_as_string,
};

pub use crate::ids::CampaignId;

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum CampaignStatus {
    #[default]
    Planned,
    Running,
    Done,
}

impl CampaignStatus {
    pub const ALL: [CampaignStatus; 3] = [Self::Planned, Self::Running, Self::Done];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Running => "running",
            Self::Done => "done",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a campaign status (planned, running or done)")]
pub struct CampaignStatusParseError(pub String);

impl FromStr for CampaignStatus {
    type Err = CampaignStatusParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| CampaignStatusParseError(s.to_owned()))
    }
}

impl fmt::Display for CampaignStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

stored_as_string!(CampaignStatus, "planned, running or done");

/// A campaign planned in a quarter.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Campaign {
    pub title: Text,
    pub market: Market,
    #[autosurgeon(missing = "Default::default")]
    pub starts: Option<Day>,
    #[autosurgeon(missing = "Default::default")]
    pub ends: Option<Day>,
    pub status: CampaignStatus,
    /// Position among the quarter's campaigns (see `order_key`).
    pub order: OrderKey,
    /// Results per market. Kept on the campaign, so removing a campaign removes its
    /// results too: a result can never be orphaned, even by a concurrent removal.
    #[autosurgeon(
        missing = "Default::default",
        with = "autosurgeon::map_with_parseable_keys"
    )]
    pub results: BTreeMap<Market, Figures>,
    /// The debrief, once someone starts writing it (kept on the campaign, like results).
    #[autosurgeon(missing = "Default::default")]
    pub debrief: Option<crate::debrief::Debrief>,
    /// Removed, kept so Undo brings back this same item (see `items`).
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

crate::items::removable!(Campaign);

/// What a person fills in to add or edit a campaign; validated by the roadmap commands.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignDraft {
    pub title: String,
    pub market: Market,
    pub starts: Option<Day>,
    pub ends: Option<Day>,
    pub status: CampaignStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for st in CampaignStatus::ALL {
            assert_eq!(st.as_str().parse::<CampaignStatus>(), Ok(st));
        }
        assert!("Done".parse::<CampaignStatus>().is_err());
    }
}
