//! Quarters: the rhythm of a partnership (theme, planned campaigns, what was learned).

use crate::items::Items;
use std::{fmt, str::FromStr};

use autosurgeon::{Hydrate, Reconcile, Text};
use chrono::NaiveDate;

use crate::{
    campaign::{Campaign, CampaignId},
    day::Day,
    order_key::OrderKey,
    sow::StatementOfWork,
    stored_string::stored_as_string,
};

/// A quarter the roadmap does not have (a command named one someone removed, or a bad id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("quarter {0} is not on this roadmap")]
pub struct UnknownQuarter(pub QuarterId);

impl UnknownQuarter {
    /// In words, in `lang`.
    pub fn describe(&self, lang: crate::locale::Lang) -> String {
        match lang {
            crate::locale::Lang::En => self.to_string(),
            crate::locale::Lang::Ru => format!("квартала {} нет в плане", self.0),
        }
    }
}

/// A date range that ends before it starts (a campaign's, a deliverable's live window).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the end date ({ends}) is before the start date ({starts})")]
pub struct EndsBeforeStart {
    pub starts: Day,
    pub ends: Day,
}

impl EndsBeforeStart {
    /// In words, in `lang`, the dates as the reader writes them (not as stored).
    pub fn describe(&self, lang: crate::locale::Lang) -> String {
        let (starts, ends) = (lang.day(self.starts), lang.day(self.ends));
        match lang {
            crate::locale::Lang::En => {
                format!("the end date ({ends}) is before the start date ({starts})")
            }
            crate::locale::Lang::Ru => {
                format!("дата окончания ({ends}) раньше даты начала ({starts})")
            }
        }
    }
}

/// A calendar quarter such as 2027-Q1. Ordering is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QuarterId {
    year: u16,
    quarter: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a quarter: write it as 2027-Q1 (years 2000–2999, quarters 1–4)")]
pub struct QuarterParseError(pub String);

impl QuarterId {
    pub fn new(year: u16, quarter: u8) -> Option<Self> {
        ((2000..=2999).contains(&year) && (1..=4).contains(&quarter))
            .then_some(QuarterId { year, quarter })
    }

    pub fn year(&self) -> u16 {
        self.year
    }

    pub fn quarter(&self) -> u8 {
        self.quarter
    }

    /// The quarter after this one, or `None` past the supported range.
    pub fn next(&self) -> Option<Self> {
        if self.quarter == 4 {
            QuarterId::new(self.year + 1, 1)
        } else {
            QuarterId::new(self.year, self.quarter + 1)
        }
    }

    /// The quarter `day` falls in (`None` outside the supported years).
    pub fn containing(day: NaiveDate) -> Option<Self> {
        use chrono::Datelike;
        let year = u16::try_from(day.year()).ok()?;
        QuarterId::new(year, u8::try_from(day.month0() / 3 + 1).ok()?)
    }

    /// The first day of the quarter.
    pub fn first_day(&self) -> NaiveDate {
        let month = u32::from(self.quarter - 1) * 3 + 1;
        NaiveDate::from_ymd_opt(i32::from(self.year), month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The last day of the quarter.
    pub fn last_day(&self) -> NaiveDate {
        match self.next() {
            Some(next) => next.first_day().pred_opt().unwrap_or(NaiveDate::MAX),
            None => NaiveDate::from_ymd_opt(i32::from(self.year), 12, 31).unwrap_or(NaiveDate::MAX),
        }
    }
}

impl FromStr for QuarterId {
    type Err = QuarterParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || QuarterParseError(s.to_owned());
        let upper = s.trim().to_ascii_uppercase();
        let (year, quarter) = upper.split_once("-Q").ok_or_else(err)?;
        if year.len() != 4 || quarter.len() != 1 {
            return Err(err());
        }
        let year = year.parse().map_err(|_| err())?;
        let quarter = quarter.parse().map_err(|_| err())?;
        QuarterId::new(year, quarter).ok_or_else(err)
    }
}

impl fmt::Display for QuarterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.quarter)
    }
}

stored_as_string!(QuarterId, "a quarter such as 2027-Q1");

/// One quarter of the roadmap.
#[derive(Debug, Clone, Default, PartialEq, Reconcile, Hydrate)]
pub struct Quarter {
    /// Theme and objectives; prose both sides type into.
    pub theme: Text,
    /// Campaigns by id. A map (not a list) so that concurrent moves cannot duplicate a
    /// campaign; the display order comes from each campaign's order key.
    #[autosurgeon(with = "crate::items::stored")]
    pub campaigns: Items<CampaignId, Campaign>,
    /// "What we learned" after the quarter.
    pub learned: Text,
    /// "What we try next".
    pub next_try: Text,
    /// The statement of work for the quarter.
    #[autosurgeon(missing = "Default::default")]
    pub sow: StatementOfWork,
}

impl Quarter {
    /// Campaigns in display order: by order key, ties broken by id.
    pub fn campaigns_in_order(&self) -> Vec<(&CampaignId, &Campaign)> {
        let mut list: Vec<_> = self.campaigns.iter().collect();
        list.sort_by(|(ia, a), (ib, b)| a.order.cmp(&b.order).then_with(|| ia.cmp(ib)));
        list
    }

    /// The order key for a campaign placed at `index` among the others (excluding `moving`).
    pub(crate) fn order_key_at(&self, index: usize, moving: Option<&CampaignId>) -> OrderKey {
        let others: Vec<&OrderKey> = self
            .campaigns_in_order()
            .into_iter()
            .filter(|(id, _)| Some(*id) != moving)
            .map(|(_, c)| &c.order)
            .collect();
        let index = index.min(others.len());
        let before = index.checked_sub(1).and_then(|i| others.get(i).copied());
        let after = others.get(index).copied();
        OrderKey::between(before, after)
    }
}

/// A campaign's dates are accepted but worth a second look: shown at the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatesWarning {
    /// A date falls outside the quarter the campaign is planned in.
    OutsideQuarter {
        quarter: QuarterId,
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
pub fn dates_warning(quarter: QuarterId, date: Option<Day>) -> Option<DatesWarning> {
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
    fn parses_and_prints() {
        let q: QuarterId = "2027-q1".parse().expect("valid");
        assert_eq!(q.to_string(), "2027-Q1");
        assert_eq!(q.next().map(|n| n.to_string()), Some("2027-Q2".into()));
        let q4: QuarterId = "2027-Q4".parse().expect("valid");
        assert_eq!(q4.next().map(|n| n.to_string()), Some("2028-Q1".into()));
    }

    #[test]
    fn refuses_malformed_quarters() {
        for bad in [
            "", "2027", "2027-Q0", "2027-Q5", "27-Q1", "2027Q1", "1999-Q1", "2027-Q12",
        ] {
            assert!(
                bad.parse::<QuarterId>().is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn days_cover_the_quarter() {
        let q: QuarterId = "2028-Q1".parse().expect("valid");
        assert_eq!(q.first_day().to_string(), "2028-01-01");
        assert_eq!(q.last_day().to_string(), "2028-03-31");
        let q4: QuarterId = "2027-Q4".parse().expect("valid");
        assert_eq!(q4.last_day().to_string(), "2027-12-31");
    }

    #[test]
    fn orders_chronologically() {
        let a: QuarterId = "2027-Q4".parse().expect("valid");
        let b: QuarterId = "2028-Q1".parse().expect("valid");
        assert!(a < b);
    }

    #[test]
    fn a_date_outside_the_campaigns_quarter_is_worth_a_warning() {
        let q: QuarterId = "2027-Q1".parse().expect("q");
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
