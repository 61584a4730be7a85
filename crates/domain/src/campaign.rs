//! Planned campaigns on the roadmap.

use std::{fmt, str::FromStr};

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};

use crate::{
    day::Day, kpi::Figures, market::Market, order_key::OrderKey, stored_string::stored_as_string,
};

/// A campaign's identity: 16 random bytes as 32 lowercase hex digits. Random (not a
/// counter) so two people adding campaigns offline never pick the same id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CampaignId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a campaign id")]
pub struct CampaignIdParseError(pub String);

impl CampaignId {
    pub fn from_random(bytes: [u8; 16]) -> Self {
        CampaignId(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for CampaignId {
    type Err = CampaignIdParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = s.len() == 32 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
        ok.then(|| CampaignId(s.to_owned()))
            .ok_or_else(|| CampaignIdParseError(s.to_owned()))
    }
}

impl fmt::Display for CampaignId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

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

stored_as_string!(CampaignId, "a campaign id");
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

/// What a person fills in to add or edit a campaign; validated by the roadmap commands.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignDraft {
    pub title: String,
    pub market: Market,
    pub starts: Option<Day>,
    pub ends: Option<Day>,
    pub status: CampaignStatus,
}

/// A campaign's dates are accepted but worth a second look: shown at the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatesWarning {
    /// A date falls outside the quarter the campaign is planned in.
    OutsideQuarter {
        quarter: crate::quarter::QuarterId,
        first: Day,
        last: Day,
    },
}

impl DatesWarning {
    /// In words, in `lang`, with dates as `lang` writes them.
    pub fn describe(&self, lang: crate::locale::Lang) -> String {
        let Self::OutsideQuarter {
            quarter,
            first,
            last,
        } = self;
        match lang {
            crate::locale::Lang::En => format!(
                "This date is outside {quarter} ({} – {}). Check it, or plan the campaign in another quarter.",
                lang.day(*first),
                lang.day(*last)
            ),
            crate::locale::Lang::Ru => format!(
                "Эта дата вне квартала {quarter} ({} – {}). Проверьте её или перенесите кампанию в другой квартал.",
                lang.day(*first),
                lang.day(*last)
            ),
        }
    }
}

/// Whether `date` of a campaign planned in `quarter` falls outside it.
pub fn dates_warning(
    quarter: crate::quarter::QuarterId,
    date: Option<Day>,
) -> Option<DatesWarning> {
    let (first, last) = (quarter.first_day(), quarter.last_day());
    let d = date?;
    (d.0 < first || d.0 > last).then_some(DatesWarning::OutsideQuarter {
        quarter,
        first: Day(first),
        last: Day(last),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        let id = CampaignId::from_random([0xab; 16]);
        assert_eq!(id.as_str().len(), 32);
        assert_eq!(id.to_string().parse::<CampaignId>(), Ok(id));
        assert!("xyz".parse::<CampaignId>().is_err());
    }

    #[test]
    fn statuses_round_trip() {
        for st in CampaignStatus::ALL {
            assert_eq!(st.as_str().parse::<CampaignStatus>(), Ok(st));
        }
        assert!("Done".parse::<CampaignStatus>().is_err());
    }

    #[test]
    fn a_date_outside_the_campaigns_quarter_is_worth_a_warning() {
        let q: crate::quarter::QuarterId = "2027-Q1".parse().expect("q");
        let day = |s: &str| Some(s.parse::<Day>().expect("day"));
        assert_eq!(dates_warning(q, day("2027-03-31")), None);
        assert_eq!(dates_warning(q, day("2027-01-01")), None);
        assert_eq!(dates_warning(q, None), None);
        let w = dates_warning(q, day("2027-04-01")).expect("outside");
        assert!(
            w.describe(crate::locale::Lang::En)
                .contains("outside 2027-Q1 (Jan 1, 2027"),
            "{}",
            w.describe(crate::locale::Lang::En)
        );
        assert!(dates_warning(q, day("2026-12-31")).is_some());
        assert!(
            w.describe(crate::locale::Lang::Ru)
                .starts_with("Эта дата вне квартала")
        );
    }
}
