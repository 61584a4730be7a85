//! The statement of work of a quarter: deliverables, approval rules, compensation.

use crate::items::Items;
use std::{fmt, str::FromStr};

use autosurgeon::{Hydrate, Reconcile, Text};
use chrono::NaiveDate;

use crate::{
    day::Day, ids::DeliverableId, locale::Lang, market::Market, money::Money, order_key::OrderKey,
    stored_string::stored_as_string,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum DeliverableStatus {
    #[default]
    Planned,
    DraftSubmitted,
    Approved,
    Live,
}

impl DeliverableStatus {
    /// The status in words; in Russian agreeing with «материал» (masculine), where a
    /// campaign's statuses agree with «кампания».
    pub fn words(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, Self::Planned) => "Planned",
            (Lang::En, Self::DraftSubmitted) => "Draft submitted",
            (Lang::En, Self::Approved) => "Approved",
            (Lang::En, Self::Live) => "Live",
            (Lang::Ru, Self::Planned) => "Запланирован",
            (Lang::Ru, Self::DraftSubmitted) => "Черновик сдан",
            (Lang::Ru, Self::Approved) => "Согласован",
            (Lang::Ru, Self::Live) => "Опубликован",
        }
    }

    pub const ALL: [DeliverableStatus; 4] = [
        Self::Planned,
        Self::DraftSubmitted,
        Self::Approved,
        Self::Live,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::DraftSubmitted => "draft_submitted",
            Self::Approved => "approved",
            Self::Live => "live",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a deliverable status")]
pub struct DeliverableStatusParseError(pub String);

impl FromStr for DeliverableStatus {
    type Err = DeliverableStatusParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| DeliverableStatusParseError(s.to_owned()))
    }
}

impl fmt::Display for DeliverableStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

stored_as_string!(DeliverableStatus, "a deliverable status");

/// One promised piece of content.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Deliverable {
    pub platform: Text,
    pub format: Text,
    pub count: u32,
    pub market: Market,
    #[autosurgeon(missing = "Default::default")]
    pub live_from: Option<Day>,
    #[autosurgeon(missing = "Default::default")]
    pub live_to: Option<Day>,
    pub owner: Text,
    pub status: DeliverableStatus,
    /// A paid post (advertising), as opposed to organic content.
    pub paid: bool,
    /// The erid token from a registered advertising data operator (RU paid posts).
    pub erid: Text,
    /// Whether the post carries the «Реклама» label (RU paid posts).
    pub reklama_label: bool,
    pub order: OrderKey,
    /// Removed, kept so Undo brings back this same item (see `items`).
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
    /// The drafts submitted for review, by id (numbered by submission; see `drafts`).
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub versions: crate::items::Items<crate::ids::VersionId, crate::drafts::DraftVersion>,
    /// Which version, with which caption, the erid was entered for.
    #[autosurgeon(missing = "Default::default")]
    pub erid_for: Option<EridFor>,
    /// The reviewer checked: the disclosure is on screen (video).
    #[autosurgeon(missing = "Default::default")]
    pub disclosure_on_screen: bool,
    /// The reviewer checked: the disclosure is spoken (video).
    #[autosurgeon(missing = "Default::default")]
    pub disclosure_spoken: bool,
    /// The platform's paid-partnership tag is on.
    #[autosurgeon(missing = "Default::default")]
    pub platform_tag: bool,
    /// Why it went live although the compliance gate failed (empty: it did not).
    #[autosurgeon(missing = "Default::default")]
    pub override_reason: Text,
}

crate::items::removable!(Deliverable);

/// The version an erid was issued for, and its caption then: a later version, or an edit
/// of that caption, needs a new erid.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct EridFor {
    pub version: crate::ids::VersionId,
    pub caption: String,
}

impl Deliverable {
    /// Russian law (since 1 Sep 2022) requires a paid post to carry «Реклама», the
    /// advertiser's details and an erid token. A live RU paid post missing either gets a
    /// warning in words.
    pub fn compliance_warning(&self, lang: Lang) -> Option<String> {
        if self.market.as_str() != "RU" || !self.paid || self.status != DeliverableStatus::Live {
            return None;
        }
        let mut missing = Vec::new();
        if self.erid.as_str().trim().is_empty() {
            missing.push(lang.text("an erid token"));
        }
        if !self.reklama_label {
            missing.push(lang.text("the «Реклама» label"));
        }
        (!missing.is_empty()).then(|| {
            lang.fill(
                "This paid post in Russia is live without {0}: Russian advertising law requires both.",
                &[&missing.join(lang.text(" and "))],
            )
        })
    }
}

/// A stated conversion of the compensation into another currency.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Conversion {
    /// Units of `to` per one unit of the compensation's currency.
    pub rate: f64,
    pub rate_date: Day,
    pub to: crate::money::Currency,
}

impl Conversion {
    /// `money` at this rate, rounded to the minor unit (`None`: no usable rate, or out of
    /// range).
    pub fn apply(&self, money: Money) -> Option<Money> {
        if !(self.rate.is_finite() && self.rate > 0.0) {
            return None;
        }
        let minor = (money.minor as f64 * self.rate).round();
        (minor.is_finite() && minor.abs() <= 9.0e15).then(|| Money::new(minor as i64, self.to))
    }
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct StatementOfWork {
    #[autosurgeon(with = "crate::items::stored")]
    pub deliverables: Items<DeliverableId, Deliverable>,
    /// A draft is due this many days before it goes live.
    pub draft_due_days_before_live: u32,
    pub review_days: u32,
    pub revision_rounds: u32,
    #[autosurgeon(missing = "Default::default")]
    pub compensation: Option<Money>,
    pub payment_split: Text,
    pub payment_terms: Text,
    #[autosurgeon(missing = "Default::default")]
    pub kill_fee: Option<Money>,
    #[autosurgeon(missing = "Default::default")]
    pub conversion: Option<Conversion>,
    /// A draft nobody reviewed within the review days counts as approved.
    #[autosurgeon(missing = "Default::default")]
    pub auto_approve: bool,
    /// What a round past `revision_rounds` costs, in percent of the compensation.
    #[autosurgeon(missing = "default_extra_round_percent")]
    pub extra_round_percent: u32,
}

/// Creators ask 10–20% of the fee for an extra round.
pub const DEFAULT_EXTRA_ROUND_PERCENT: u32 = 15;

fn default_extra_round_percent() -> u32 {
    DEFAULT_EXTRA_ROUND_PERCENT
}

impl Default for StatementOfWork {
    fn default() -> Self {
        StatementOfWork {
            deliverables: Items::default(),
            draft_due_days_before_live: 7,
            review_days: 3,
            revision_rounds: 2,
            compensation: None,
            payment_split: Text::default(),
            payment_terms: Text::default(),
            kill_fee: None,
            conversion: None,
            auto_approve: false,
            extra_round_percent: DEFAULT_EXTRA_ROUND_PERCENT,
        }
    }
}

impl StatementOfWork {
    /// Deliverables in display order.
    pub fn deliverables_in_order(&self) -> Vec<(&DeliverableId, &Deliverable)> {
        let mut list: Vec<_> = self.deliverables.iter().collect();
        list.sort_by(|(ia, a), (ib, b)| a.order.cmp(&b.order).then_with(|| ia.cmp(ib)));
        list
    }

    /// When a deliverable's draft is due.
    pub fn draft_due(&self, d: &Deliverable) -> Option<NaiveDate> {
        let Day(live) = d.live_from?;
        live.checked_sub_days(chrono::Days::new(u64::from(
            self.draft_due_days_before_live,
        )))
    }

    /// What one round past the included ones costs: its percent of the compensation.
    pub fn extra_round_fee(&self) -> Option<Money> {
        let fee = self.compensation?;
        let minor = (i128::from(fee.minor) * i128::from(self.extra_round_percent) / 100) as i64;
        Some(Money::new(minor, fee.currency))
    }

    /// The compensation converted at the stated rate, with the rate and its date in words.
    pub fn converted_compensation(&self) -> Option<(Money, String)> {
        self.converted_compensation_in(Lang::En)
    }

    /// The same, the rate and its date in `lang`.
    pub fn converted_compensation_in(&self, lang: Lang) -> Option<(Money, String)> {
        let money = self.compensation?;
        let c = self.conversion.as_ref()?;
        let converted = c.apply(money)?;
        Some((
            converted,
            lang.fill(
                "at {0} {1} per {2} on {3}",
                &[
                    &lang.number(c.rate, 6),
                    &c.to,
                    &money.currency,
                    &lang.day(c.rate_date),
                ],
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn deliverable(market: &str, paid: bool, status: DeliverableStatus) -> Deliverable {
        Deliverable {
            removed: false,
            platform: "Telegram".into(),
            format: "post".into(),
            count: 1,
            market: market.parse().expect("market"),
            live_from: Some("2027-02-10".parse().expect("day")),
            live_to: None,
            owner: "Маша".into(),
            status,
            paid,
            erid: Text::default(),
            reklama_label: false,
            order: OrderKey::first(),
            versions: Default::default(),
            erid_for: None,
            disclosure_on_screen: false,
            disclosure_spoken: false,
            platform_tag: false,
            override_reason: Default::default(),
        }
    }

    #[test]
    fn a_live_paid_russian_post_needs_erid_and_label() {
        let mut d = deliverable("RU", true, DeliverableStatus::Live);
        let w = d.compliance_warning(Lang::En).expect("warned");
        assert!(w.contains("erid") && w.contains("Реклама"), "{w}");
        d.erid = "2VtzqwXYZ".into();
        assert!(
            d.compliance_warning(Lang::En)
                .expect("still the label")
                .contains("Реклама")
        );
        d.reklama_label = true;
        assert_eq!(d.compliance_warning(Lang::En), None);
        assert_eq!(
            deliverable("RU", true, DeliverableStatus::Approved).compliance_warning(Lang::En),
            None,
            "not live yet"
        );
        assert_eq!(
            deliverable("RU", false, DeliverableStatus::Live).compliance_warning(Lang::En),
            None,
            "organic"
        );
        assert_eq!(
            deliverable("US", true, DeliverableStatus::Live).compliance_warning(Lang::En),
            None,
            "other market"
        );
    }

    #[test]
    fn drafts_are_due_before_going_live_and_conversions_state_their_rate() {
        let sow = StatementOfWork {
            compensation: Some(Money::new(15_000_000, Currency::RUB)),
            conversion: Some(Conversion {
                rate: 0.0125,
                rate_date: "2027-01-15".parse().expect("day"),
                to: Currency::USD,
            }),
            ..Default::default()
        };
        let d = deliverable("RU", true, DeliverableStatus::Planned);
        assert_eq!(
            sow.draft_due(&d).map(|x| x.to_string()),
            Some("2027-02-03".into())
        );
        let (usd, how) = sow.converted_compensation().expect("converted");
        assert_eq!(usd, Money::new(187_500, Currency::USD));
        assert_eq!(how, "at 0.0125 USD per RUB on Jan 15, 2027");
        assert!(
            StatementOfWork::default()
                .converted_compensation()
                .is_none()
        );
    }
}
