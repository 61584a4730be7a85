//! The quarterly business review: what both sides bring to it (risks, action items, the
//! asks and commitments, next quarter's objectives, the budget) stored per quarter, and
//! how a KPI scores (red/amber/green) and spend reads against the budget (variances over
//! 5% flagged). The pack built from the whole partnership is in `qbr_pack`.

use crate::items::Items;

use autosurgeon::{Hydrate, Reconcile, Text};

use crate::{
    day::Day,
    ids::{ActionId, RiskId},
    kpi::{Kpi, NotEnoughData, Unit, format_value_in},
    locale::Lang,
    money::Money,
};

/// A risk or an action item of a review: the kind is in the id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReviewItemId {
    Risk(RiskId),
    Action(ActionId),
}

/// A spend this far from the budget (either way) is flagged.
pub const BUDGET_TOLERANCE: f64 = 0.05;

#[derive(Debug, Clone, PartialEq, Default, Hydrate, Reconcile)]
pub struct Risk {
    pub text: Text,
    pub owner: Text,
    #[autosurgeon(missing = "Default::default")]
    pub due: Option<Day>,
    /// Removed, kept so Undo brings back this same item (see `items`).
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

crate::items::removable!(Risk, ActionItem);

#[derive(Debug, Clone, PartialEq, Default, Hydrate, Reconcile)]
pub struct ActionItem {
    pub text: Text,
    pub owner: Text,
    #[autosurgeon(missing = "Default::default")]
    pub due: Option<Day>,
    pub done: bool,
    /// Removed, kept so Undo brings back this same item (see `items`).
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

/// What the two sides record for one quarter's review.
#[derive(Debug, Clone, PartialEq, Default, Hydrate, Reconcile)]
pub struct Qbr {
    #[autosurgeon(missing = "Default::default")]
    pub recap: Text,
    #[autosurgeon(missing = "Default::default")]
    pub objectives_next: Text,
    #[autosurgeon(missing = "Default::default")]
    pub brand_ask: Text,
    #[autosurgeon(missing = "Default::default")]
    pub brand_commitment: Text,
    #[autosurgeon(missing = "Default::default")]
    pub creator_ask: Text,
    #[autosurgeon(missing = "Default::default")]
    pub creator_commitment: Text,
    /// The quarter's budget; without one, the statement of work's compensation.
    #[autosurgeon(missing = "Default::default")]
    pub budget: Option<Money>,
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub risks: Items<RiskId, Risk>,
    /// Agreed at this review, checked at the next.
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub actions: Items<ActionId, ActionItem>,
    /// When the review meets: a wall-clock time in the zone of whoever set it.
    #[autosurgeon(missing = "Default::default")]
    pub meeting: Option<MeetingAt>,
}

/// How long a review meeting is booked for in calendars.
pub const MEETING_MINUTES: i64 = 60;

/// A meeting's start as a wall-clock time in a named zone, stored as
/// `2026-11-02T10:00 America/New_York`: the zone is kept, not only the instant, so a
/// calendar shows it in that zone's rules (daylight saving included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingAt {
    pub local: chrono::NaiveDateTime,
    pub zone: crate::zone::Zone,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a meeting time such as 2026-11-02T10:00 America/New_York")]
pub struct MeetingAtParseError(pub String);

impl std::str::FromStr for MeetingAt {
    type Err = MeetingAtParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || MeetingAtParseError(s.to_owned());
        let (when, zone) = s.trim().split_once(' ').ok_or_else(err)?;
        let local =
            chrono::NaiveDateTime::parse_from_str(when, "%Y-%m-%dT%H:%M").map_err(|_| err())?;
        let zone = crate::zone::Zone::named(zone).ok_or_else(err)?;
        Ok(MeetingAt { local, zone })
    }
}

impl std::fmt::Display for MeetingAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}",
            self.local.format("%Y-%m-%dT%H:%M"),
            self.zone.name()
        )
    }
}

crate::stored_string::stored_as_string!(
    MeetingAt,
    "a meeting time such as 2026-11-02T10:00 America/New_York"
);

impl MeetingAt {
    /// The instant it starts (`None`: the time does not exist that day in its zone).
    pub fn start(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.zone.earliest(self.local)
    }
}

/// The text fields of a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QbrText {
    Recap,
    ObjectivesNext,
    BrandAsk,
    BrandCommitment,
    CreatorAsk,
    CreatorCommitment,
}

impl Qbr {
    pub fn text_mut(&mut self, field: QbrText) -> &mut Text {
        match field {
            QbrText::Recap => &mut self.recap,
            QbrText::ObjectivesNext => &mut self.objectives_next,
            QbrText::BrandAsk => &mut self.brand_ask,
            QbrText::BrandCommitment => &mut self.brand_commitment,
            QbrText::CreatorAsk => &mut self.creator_ask,
            QbrText::CreatorCommitment => &mut self.creator_commitment,
        }
    }

    pub fn text(&self, field: QbrText) -> &str {
        match field {
            QbrText::Recap => self.recap.as_str(),
            QbrText::ObjectivesNext => self.objectives_next.as_str(),
            QbrText::BrandAsk => self.brand_ask.as_str(),
            QbrText::BrandCommitment => self.brand_commitment.as_str(),
            QbrText::CreatorAsk => self.creator_ask.as_str(),
            QbrText::CreatorCommitment => self.creator_commitment.as_str(),
        }
    }
}

/// Red, amber, green.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rag {
    /// The target is met.
    Green,
    /// The continuation threshold is met, the target is not.
    Amber,
    /// Below the continuation threshold.
    Red,
    /// Not enough data to say.
    Unknown,
}

impl Rag {
    pub fn as_str(self) -> &'static str {
        match self {
            Rag::Green => "green",
            Rag::Amber => "amber",
            Rag::Red => "red",
            Rag::Unknown => "no data",
        }
    }
}

/// One KPI on the scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub kpi: Kpi,
    pub actual: Option<f64>,
    /// The unit of `actual` (when it could be computed).
    pub unit: Option<Unit>,
    /// Why `actual` could not be computed.
    pub missing: Option<NotEnoughData>,
    /// (actual − target) ÷ target, signed so that positive is better.
    pub variance: Option<f64>,
    pub rag: Rag,
}

impl Score {
    /// The actual value as `lang` writes it, or why there is none.
    pub fn actual_in(&self, lang: Lang) -> String {
        match (self.actual, &self.missing) {
            (Some(v), _) => self
                .unit
                .map_or_else(|| lang.number(v, 2), |u| format_value_in(v, u, lang)),
            (None, Some(why)) => why.describe(lang),
            (None, None) => lang.text("not enough data").to_owned(),
        }
    }
}

/// Scores a KPI: green at or past the target, amber at or past the threshold, red below
/// it; for costs (CPM, CPC, …) "past" means lower.
pub fn score(kpi: &Kpi, actual: Option<f64>) -> (Option<f64>, Rag) {
    let Some(actual) = actual else {
        return (None, Rag::Unknown);
    };
    let better = kpi.metric.higher_is_better();
    let meets = |bar: f64| if better { actual >= bar } else { actual <= bar };
    let rag = if meets(kpi.target) {
        Rag::Green
    } else if meets(kpi.threshold) {
        Rag::Amber
    } else {
        Rag::Red
    };
    let variance = (kpi.target != 0.0).then(|| {
        let v = (actual - kpi.target) / kpi.target.abs();
        if better { v } else { -v }
    });
    (variance, rag)
}

/// Spend against budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Spend {
    pub budget: Money,
    pub spent: Money,
    /// (spent − budget) ÷ budget.
    pub variance: f64,
    /// Beyond ±5%.
    pub flagged: bool,
    /// Costs recorded in another currency, left out of the sum (named, not converted).
    pub other_currencies: Vec<Money>,
}

impl Spend {
    /// How far from the budget, in words (Markdown emphasis when beyond ±5%):
    /// " — **33% under budget**", " — **12% over budget**", " (within 5% of budget)".
    pub fn words(&self, lang: Lang) -> String {
        let by = lang.percent(self.variance.abs() * 100.0, 0);
        match (self.flagged, self.variance < 0.0) {
            (false, _) => lang.text(" (within 5% of budget)").to_owned(),
            (true, true) => lang.fill(" — **{0} under budget**", &[&by]),
            (true, false) => lang.fill(" — **{0} over budget**", &[&by]),
        }
    }
}

/// Sums the costs of a quarter's campaigns in the budget's currency.
pub fn spend(budget: Money, costs: impl IntoIterator<Item = Money>) -> Option<Spend> {
    let mut spent = Money::new(0, budget.currency);
    let mut other = Vec::new();
    for c in costs {
        if c.currency == budget.currency {
            spent = spent.checked_add(c)?;
        } else {
            other.push(c);
        }
    }
    if budget.minor == 0 {
        return None;
    }
    let variance = (spent.minor - budget.minor) as f64 / budget.minor as f64;
    Some(Spend {
        budget,
        spent,
        variance,
        flagged: variance.abs() > BUDGET_TOLERANCE,
        other_currencies: other,
    })
}

pub(crate) fn pct(v: f64, lang: Lang) -> String {
    let sign = if v > 0.0 { "+" } else { "" };
    format!("{sign}{}", lang.percent(v * 100.0, 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{kpi::Metric, money::Currency};

    #[test]
    fn a_spend_says_under_or_over_budget_with_how_far() {
        let budget = Money::new(100_000, Currency::USD);
        let under = spend(budget, [Money::new(67_000, Currency::USD)]).expect("a budget");
        assert_eq!(under.words(Lang::En), " — **33% under budget**");
        assert_eq!(under.words(Lang::Ru), " — **на 33\u{a0}% меньше бюджета**");
        let over = spend(budget, [Money::new(112_000, Currency::USD)]).expect("a budget");
        assert_eq!(over.words(Lang::En), " — **12% over budget**");
        let near = spend(budget, [Money::new(103_000, Currency::USD)]).expect("a budget");
        assert_eq!(near.words(Lang::En), " (within 5% of budget)");
    }

    fn kpi(metric: Metric, target: f64, threshold: f64) -> Kpi {
        Kpi {
            removed: false,
            market: "RU".parse().expect("market"),
            metric,
            target,
            threshold,
        }
    }

    #[test]
    fn rag_at_the_boundaries_for_rates_and_costs() {
        let er = kpi(Metric::EngagementRateByReach, 4.0, 2.5);
        assert_eq!(score(&er, Some(4.0)).1, Rag::Green, "exactly the target");
        assert_eq!(score(&er, Some(3.99)).1, Rag::Amber);
        assert_eq!(score(&er, Some(2.5)).1, Rag::Amber, "exactly the threshold");
        assert_eq!(score(&er, Some(2.49)).1, Rag::Red);
        assert_eq!(score(&er, None), (None, Rag::Unknown));
        let v = score(&er, Some(5.0)).0.expect("variance");
        assert!((v - 0.25).abs() < 1e-9);
        // Costs: lower is better, and a lower cost is a positive variance.
        let cpm = kpi(Metric::Cpm, 200.0, 300.0);
        assert_eq!(score(&cpm, Some(200.0)).1, Rag::Green);
        assert_eq!(score(&cpm, Some(250.0)).1, Rag::Amber);
        assert_eq!(score(&cpm, Some(300.0)).1, Rag::Amber);
        assert_eq!(score(&cpm, Some(300.01)).1, Rag::Red);
        let v = score(&cpm, Some(150.0)).0.expect("variance");
        assert!((v - 0.25).abs() < 1e-9, "{v}");
    }

    #[test]
    fn spend_is_flagged_beyond_five_percent_either_way() {
        let rub = |major: i64| Money::new(major * 100, Currency::RUB);
        let at = |spent: i64| spend(rub(100_000), [rub(spent)]).expect("spend");
        assert!(!at(105_000).flagged, "exactly +5% is within");
        assert!(at(105_001).flagged);
        assert!(!at(95_000).flagged, "exactly −5% is within");
        assert!(at(94_999).flagged);
        let mixed = spend(rub(1000), [rub(500), Money::new(100, Currency::USD)]).expect("spend");
        assert_eq!(mixed.spent, rub(500));
        assert_eq!(
            mixed.other_currencies.len(),
            1,
            "another currency is named, not summed"
        );
        assert!(spend(rub(0), [rub(1)]).is_none(), "no budget, no variance");
    }
}
