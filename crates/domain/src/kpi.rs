//! KPIs per market: the metrics, their formula variants, and computing them from results.
//!
//! Every formula states its variant (engagement rate by followers, by reach or by
//! impressions can read 2.6% and 7.1% for the same post). Division by zero or a missing
//! figure is [`NotEnoughData`] with the reason — never 0, NaN or a panic.

use std::{fmt, str::FromStr};

use autosurgeon::{Hydrate, Reconcile};

use crate::{
    locale::Lang,
    market::Market,
    money::{Currency, Money},
    stored_string::stored_as_string,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    EngagementRateByFollowers,
    EngagementRateByReach,
    EngagementRateByImpressions,
    Cpm,
    Cpe,
    Cpc,
    Cpa,
    ConversionRate,
    Roas,
    Roi,
}

/// How a metric's value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Percent,
    /// An amount in the currency of the costs.
    Money(Currency),
    Ratio,
}

/// A figure of a campaign's results, as a reason names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Followers,
    Reach,
    Impressions,
    Engagements,
    Clicks,
    Conversions,
}

impl Figure {
    /// The figure's name in `lang` ("reach", "охват").
    pub fn words(self, lang: Lang) -> &'static str {
        lang.text(match self {
            Figure::Followers => "followers",
            Figure::Reach => "reach",
            Figure::Impressions => "impressions",
            Figure::Engagements => "engagements",
            Figure::Clicks => "clicks",
            Figure::Conversions => "conversions",
        })
    }
}

/// Why a KPI (or a cost per campaign) cannot be computed: data, worded per language by
/// [`NotEnoughData::describe`], never prose to be re-translated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not enough data: {}", self.detail(Lang::En))]
pub enum NotEnoughData {
    /// No campaign has this figure recorded together with the metric's other one.
    NoResultsWith(Figure),
    /// No campaign has a cost and this figure recorded.
    NoResultsWithCostAnd(Figure),
    NoResultsWithRevenueAndCost,
    /// The figure the metric divides by adds up to zero.
    Zero(Figure),
    ZeroCost,
    /// Revenue and cost are in different currencies.
    RevenueAndCostCurrencies {
        revenue: Currency,
        cost: Currency,
    },
    /// Costs are in two currencies.
    MixedCurrencies(Currency, Currency),
    TooLarge,
    NoAmounts,
    /// The result is not a finite number.
    OutOfRange,
    /// Campaign number n (from 1) has no cost.
    CampaignWithoutCost(usize),
    /// Campaign number n is costed in another currency than the ones before it.
    CampaignInAnotherCurrency {
        campaign: usize,
        currency: Currency,
        earlier: Currency,
    },
    NoCosts,
}

impl NotEnoughData {
    /// What is missing, in `lang` ("reach is zero", "охват равен нулю").
    pub fn detail(&self, lang: Lang) -> String {
        match self {
            NotEnoughData::NoResultsWith(f) => {
                lang.fill("no results with {0} recorded", &[&f.words(lang)])
            }
            NotEnoughData::NoResultsWithCostAnd(f) => {
                lang.fill("no results with cost and {0} recorded", &[&f.words(lang)])
            }
            NotEnoughData::NoResultsWithRevenueAndCost => lang
                .text("no results with revenue and cost recorded")
                .to_owned(),
            NotEnoughData::Zero(f) => lang.fill("{0} is zero", &[&f.words(lang)]),
            NotEnoughData::ZeroCost => lang.text("cost is zero").to_owned(),
            NotEnoughData::RevenueAndCostCurrencies { revenue, cost } => lang.fill(
                "revenue is in {0} and cost in {1}: record a conversion",
                &[revenue, cost],
            ),
            NotEnoughData::MixedCurrencies(a, b) => lang.fill(
                "costs are in {0} and {1}: record them in one currency",
                &[a, b],
            ),
            NotEnoughData::TooLarge => lang.text("the amounts are too large").to_owned(),
            NotEnoughData::NoAmounts => lang.text("no amounts recorded").to_owned(),
            NotEnoughData::OutOfRange => lang.text("the figures are out of range").to_owned(),
            NotEnoughData::CampaignWithoutCost(n) => lang.fill("campaign {0} has no cost", &[n]),
            NotEnoughData::CampaignInAnotherCurrency {
                campaign,
                currency,
                earlier,
            } => lang.fill(
                "campaign {0} is costed in {1} but earlier costs in {2}",
                &[campaign, currency, earlier],
            ),
            NotEnoughData::NoCosts => lang.text("no costs").to_owned(),
        }
    }

    /// The whole reason in `lang`: "not enough data: reach is zero".
    pub fn describe(&self, lang: Lang) -> String {
        lang.fill("not enough data: {0}", &[&self.detail(lang)])
    }
}

impl Metric {
    pub const ALL: [Metric; 10] = [
        Self::EngagementRateByFollowers,
        Self::EngagementRateByReach,
        Self::EngagementRateByImpressions,
        Self::Cpm,
        Self::Cpe,
        Self::Cpc,
        Self::Cpa,
        Self::ConversionRate,
        Self::Roas,
        Self::Roi,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            Self::EngagementRateByFollowers => "er_followers",
            Self::EngagementRateByReach => "er_reach",
            Self::EngagementRateByImpressions => "er_impressions",
            Self::Cpm => "cpm",
            Self::Cpe => "cpe",
            Self::Cpc => "cpc",
            Self::Cpa => "cpa",
            Self::ConversionRate => "conversion_rate",
            Self::Roas => "roas",
            Self::Roi => "roi",
        }
    }

    /// The short name used in verdict reasons.
    pub fn short(&self) -> &'static str {
        match self {
            Self::EngagementRateByFollowers => "ER by followers",
            Self::EngagementRateByReach => "ER by reach",
            Self::EngagementRateByImpressions => "ER by impressions",
            Self::Cpm => "CPM",
            Self::Cpe => "CPE",
            Self::Cpc => "CPC",
            Self::Cpa => "CPA",
            Self::ConversionRate => "conversion",
            Self::Roas => "ROAS",
            Self::Roi => "ROI",
        }
    }

    /// The formula, as shown beside every threshold.
    pub fn formula(&self) -> &'static str {
        match self {
            Self::EngagementRateByFollowers => "engagements ÷ followers × 100",
            Self::EngagementRateByReach => "engagements ÷ reach × 100",
            Self::EngagementRateByImpressions => "engagements ÷ impressions × 100",
            Self::Cpm => "cost ÷ impressions × 1000",
            Self::Cpe => "cost ÷ engagements",
            Self::Cpc => "cost ÷ clicks",
            Self::Cpa => "cost ÷ conversions",
            Self::ConversionRate => "conversions ÷ clicks × 100",
            Self::Roas => "revenue ÷ cost",
            Self::Roi => "(revenue − cost) ÷ cost × 100",
        }
    }

    /// The short name in `lang` ("ER by reach", "ER по охвату").
    pub fn name(&self, lang: Lang) -> &'static str {
        lang.text(self.short())
    }

    /// The formula in `lang`.
    pub fn formula_in(&self, lang: Lang) -> &'static str {
        lang.text(self.formula())
    }

    /// Name and formula, as a KPI is listed: "ER by reach — engagements ÷ reach × 100".
    pub fn label(&self, lang: Lang) -> String {
        format!("{} — {}", self.name(lang), self.formula_in(lang))
    }

    /// Whether the value is a percentage.
    pub fn is_percent(&self) -> bool {
        matches!(
            self,
            Self::EngagementRateByFollowers
                | Self::EngagementRateByReach
                | Self::EngagementRateByImpressions
                | Self::ConversionRate
                | Self::Roi
        )
    }

    /// Costs are better low; rates and returns are better high.
    pub fn higher_is_better(&self) -> bool {
        !matches!(self, Self::Cpm | Self::Cpe | Self::Cpc | Self::Cpa)
    }

    /// Computes the metric over the results given (summing numerators and denominators
    /// over the campaigns that have both).
    pub fn compute(&self, results: &[&Figures]) -> Result<(f64, Unit), NotEnoughData> {
        let counts = |num: fn(&Figures) -> Option<u64>,
                      den: fn(&Figures) -> Option<u64>,
                      den_name: Figure|
         -> Result<(f64, f64), NotEnoughData> {
            let pairs: Vec<(u64, u64)> = results
                .iter()
                .filter_map(|r| Some((num(r)?, den(r)?)))
                .collect();
            if pairs.is_empty() {
                return Err(NotEnoughData::NoResultsWith(den_name));
            }
            let n: u64 = pairs.iter().map(|p| p.0).sum();
            let d: u64 = pairs.iter().map(|p| p.1).sum();
            if d == 0 {
                return Err(NotEnoughData::Zero(den_name));
            }
            Ok((n as f64, d as f64))
        };
        let cost_over = |den: fn(&Figures) -> Option<u64>,
                         den_name: Figure|
         -> Result<(Money, f64), NotEnoughData> {
            let pairs: Vec<(Money, u64)> = results
                .iter()
                .filter_map(|r| Some((r.cost?, den(r)?)))
                .collect();
            if pairs.is_empty() {
                return Err(NotEnoughData::NoResultsWithCostAnd(den_name));
            }
            let cost = sum_money(pairs.iter().map(|p| p.0))?;
            let d: u64 = pairs.iter().map(|p| p.1).sum();
            if d == 0 {
                return Err(NotEnoughData::Zero(den_name));
            }
            Ok((cost, d as f64))
        };
        let revenue_and_cost = || -> Result<(Money, Money), NotEnoughData> {
            let pairs: Vec<(Money, Money)> = results
                .iter()
                .filter_map(|r| Some((r.revenue?, r.cost?)))
                .collect();
            if pairs.is_empty() {
                return Err(NotEnoughData::NoResultsWithRevenueAndCost);
            }
            let revenue = sum_money(pairs.iter().map(|p| p.0))?;
            let cost = sum_money(pairs.iter().map(|p| p.1))?;
            if revenue.currency != cost.currency {
                return Err(NotEnoughData::RevenueAndCostCurrencies {
                    revenue: revenue.currency,
                    cost: cost.currency,
                });
            }
            if cost.minor == 0 {
                return Err(NotEnoughData::ZeroCost);
            }
            Ok((revenue, cost))
        };
        let value = match self {
            Self::EngagementRateByFollowers => {
                let (n, d) = counts(|r| r.engagements, |r| r.followers, Figure::Followers)?;
                (n / d * 100.0, Unit::Percent)
            }
            Self::EngagementRateByReach => {
                let (n, d) = counts(|r| r.engagements, |r| r.reach, Figure::Reach)?;
                (n / d * 100.0, Unit::Percent)
            }
            Self::EngagementRateByImpressions => {
                let (n, d) = counts(|r| r.engagements, |r| r.impressions, Figure::Impressions)?;
                (n / d * 100.0, Unit::Percent)
            }
            Self::ConversionRate => {
                let (n, d) = counts(|r| r.conversions, |r| r.clicks, Figure::Clicks)?;
                (n / d * 100.0, Unit::Percent)
            }
            Self::Cpm => {
                let (c, d) = cost_over(|r| r.impressions, Figure::Impressions)?;
                (c.major() / d * 1000.0, Unit::Money(c.currency))
            }
            Self::Cpe => {
                let (c, d) = cost_over(|r| r.engagements, Figure::Engagements)?;
                (c.major() / d, Unit::Money(c.currency))
            }
            Self::Cpc => {
                let (c, d) = cost_over(|r| r.clicks, Figure::Clicks)?;
                (c.major() / d, Unit::Money(c.currency))
            }
            Self::Cpa => {
                let (c, d) = cost_over(|r| r.conversions, Figure::Conversions)?;
                (c.major() / d, Unit::Money(c.currency))
            }
            Self::Roas => {
                let (r, c) = revenue_and_cost()?;
                (r.major() / c.major(), Unit::Ratio)
            }
            Self::Roi => {
                let (r, c) = revenue_and_cost()?;
                ((r.major() - c.major()) / c.major() * 100.0, Unit::Percent)
            }
        };
        if value.0.is_finite() {
            Ok(value)
        } else {
            Err(NotEnoughData::OutOfRange)
        }
    }
}

fn sum_money(amounts: impl Iterator<Item = Money>) -> Result<Money, NotEnoughData> {
    let mut total: Option<Money> = None;
    for m in amounts {
        total = Some(match total {
            None => m,
            Some(t) => t.checked_add(m).ok_or_else(|| {
                if t.currency == m.currency {
                    NotEnoughData::TooLarge
                } else {
                    NotEnoughData::MixedCurrencies(t.currency, m.currency)
                }
            })?,
        });
    }
    total.ok_or(NotEnoughData::NoAmounts)
}

/// Formats a metric value for a reason line ("3.1%", "120.00 RUB", "2.40").
/// A value as `lang` writes it: 3.1% / 3,1 %, 120.5 RUB / 120,5 RUB.
pub fn format_value_in(value: f64, unit: Unit, lang: crate::locale::Lang) -> String {
    match unit {
        Unit::Percent => lang.percent(value, 1),
        Unit::Money(c) => format!("{} {c}", lang.number(value, 2)),
        Unit::Ratio => lang.number(value, 2),
    }
}

pub fn format_value(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Percent => format!("{value:.1}%"),
        Unit::Money(c) => format!("{value:.2} {c}"),
        Unit::Ratio => format!("{value:.2}"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a metric")]
pub struct MetricParseError(pub String);

impl FromStr for Metric {
    type Err = MetricParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.code() == s)
            .ok_or_else(|| MetricParseError(s.to_owned()))
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

stored_as_string!(Metric, "a metric code");

/// A KPI for one market: the metric with its formula variant, a target, and the
/// continuation threshold the verdict is decided on.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Kpi {
    pub market: Market,
    pub metric: Metric,
    /// What we aim for (in the metric's unit: percent, currency per unit, or a ratio).
    pub target: f64,
    /// Continue only if the value is at least (or, for costs, at most) this.
    pub threshold: f64,
    /// Removed, kept so Undo brings back this same item (see `items`).
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

crate::items::removable!(Kpi);

impl Kpi {
    /// The target as `lang` writes it: "3%" / "3 %", "150" (costs are in whatever currency
    /// the costs were entered in).
    pub fn target_in(&self, lang: Lang) -> String {
        self.amount_in(self.target, lang)
    }

    /// The rule the verdict applies: "≥ 2.5%" for rates and returns, "≤ 150" for costs.
    pub fn rule_in(&self, lang: Lang) -> String {
        let op = if self.metric.higher_is_better() {
            "≥"
        } else {
            "≤"
        };
        format!("{op} {}", self.amount_in(self.threshold, lang))
    }

    fn amount_in(&self, value: f64, lang: Lang) -> String {
        if self.metric.is_percent() {
            lang.percent(value, 2)
        } else {
            lang.number(value, 2)
        }
    }
}

/// One campaign's results in one market (kept on the campaign, keyed by market, so a
/// removed campaign takes its results with it: no orphans). Every figure is optional:
/// missing is "not enough data", never zero.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Default)]
pub struct Figures {
    #[autosurgeon(missing = "Default::default")]
    pub impressions: Option<u64>,
    #[autosurgeon(missing = "Default::default")]
    pub reach: Option<u64>,
    #[autosurgeon(missing = "Default::default")]
    pub engagements: Option<u64>,
    #[autosurgeon(missing = "Default::default")]
    pub clicks: Option<u64>,
    #[autosurgeon(missing = "Default::default")]
    pub conversions: Option<u64>,
    #[autosurgeon(missing = "Default::default")]
    pub followers: Option<u64>,
    #[autosurgeon(missing = "Default::default")]
    pub revenue: Option<Money>,
    #[autosurgeon(missing = "Default::default")]
    pub cost: Option<Money>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result() -> Figures {
        Figures {
            impressions: Some(200_000),
            reach: Some(100_000),
            engagements: Some(3_100),
            clicks: Some(2_000),
            conversions: Some(24),
            followers: Some(50_000),
            revenue: Some(Money::new(30_000_000, Currency::RUB)),
            cost: Some(Money::new(12_000_000, Currency::RUB)),
        }
    }

    fn value(m: Metric, rs: &[&Figures]) -> f64 {
        m.compute(rs).expect("computable").0
    }

    #[test]
    fn every_formula_computes_what_it_says() {
        let r = result();
        let rs = [&r];
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(value(Metric::EngagementRateByFollowers, &rs), 6.2));
        assert!(close(value(Metric::EngagementRateByReach, &rs), 3.1));
        assert!(close(value(Metric::EngagementRateByImpressions, &rs), 1.55));
        assert!(close(value(Metric::Cpm, &rs), 600.0)); // 120 000 ₽ / 200 000 × 1000
        assert!(close(value(Metric::Cpe, &rs), 120_000.0 / 3_100.0));
        assert!(close(value(Metric::Cpc, &rs), 60.0));
        assert!(close(value(Metric::Cpa, &rs), 5_000.0));
        assert!(close(value(Metric::ConversionRate, &rs), 1.2));
        assert!(close(value(Metric::Roas, &rs), 2.5));
        assert!(close(value(Metric::Roi, &rs), 150.0));
        assert_eq!(
            Metric::Cpm.compute(&rs).expect("ok").1,
            Unit::Money(Currency::RUB)
        );
    }

    #[test]
    fn sums_over_campaigns_that_have_both_figures() {
        let a = result();
        let mut b = result();
        b.engagements = Some(900);
        b.reach = Some(100_000);
        let mut c = result();
        c.reach = None; // not counted for ER by reach
        let er = value(Metric::EngagementRateByReach, &[&a, &b, &c]);
        assert!(
            (er - 2.0).abs() < 1e-9,
            "(3100 + 900) / 200000 = 2%, got {er}"
        );
    }

    #[test]
    fn zero_or_missing_data_is_not_enough_data_never_zero_or_nan() {
        let mut r = result();
        r.reach = Some(0);
        r.clicks = None;
        r.cost = Some(Money::new(0, Currency::RUB));
        let rs = [&r];
        assert_eq!(
            Metric::EngagementRateByReach.compute(&rs),
            Err(NotEnoughData::Zero(Figure::Reach))
        );
        assert!(Metric::ConversionRate.compute(&rs).is_err());
        assert!(Metric::Cpc.compute(&rs).is_err());
        assert_eq!(Metric::Roas.compute(&rs), Err(NotEnoughData::ZeroCost));
        assert!(Metric::Cpm.compute(&[]).is_err(), "no results at all");
    }

    #[test]
    fn mixed_currencies_are_refused_with_the_reason() {
        let a = result();
        let mut b = result();
        b.cost = Some(Money::new(100_000, Currency::USD));
        let err = Metric::Cpm.compute(&[&a, &b]).expect_err("mixed");
        assert_eq!(
            err,
            NotEnoughData::MixedCurrencies(Currency::RUB, Currency::USD)
        );
        assert!(err.to_string().contains("RUB and USD"), "{err}");
        let mut c = result();
        c.revenue = Some(Money::new(1, Currency::USD));
        assert_eq!(
            Metric::Roas.compute(&[&c]),
            Err(NotEnoughData::RevenueAndCostCurrencies {
                revenue: Currency::USD,
                cost: Currency::RUB
            })
        );
    }

    /// Latin words left in a Russian text, other than metric abbreviations and currency
    /// codes.
    fn english_in(ru: &str) -> Vec<&str> {
        ru.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
            .filter(|w| {
                ![
                    "ER", "CPM", "CPE", "CPC", "CPA", "ROAS", "ROI", "KPI", "RUB", "USD",
                ]
                .contains(w)
            })
            .collect()
    }

    #[test]
    fn every_reason_why_data_is_missing_reads_in_both_languages() {
        let figures = [
            Figure::Followers,
            Figure::Reach,
            Figure::Impressions,
            Figure::Engagements,
            Figure::Clicks,
            Figure::Conversions,
        ];
        let mut all = vec![
            NotEnoughData::NoResultsWithRevenueAndCost,
            NotEnoughData::ZeroCost,
            NotEnoughData::RevenueAndCostCurrencies {
                revenue: Currency::USD,
                cost: Currency::RUB,
            },
            NotEnoughData::MixedCurrencies(Currency::RUB, Currency::USD),
            NotEnoughData::TooLarge,
            NotEnoughData::NoAmounts,
            NotEnoughData::OutOfRange,
            NotEnoughData::CampaignWithoutCost(2),
            NotEnoughData::CampaignInAnotherCurrency {
                campaign: 3,
                currency: Currency::USD,
                earlier: Currency::RUB,
            },
            NotEnoughData::NoCosts,
        ];
        for f in figures {
            all.extend([
                NotEnoughData::NoResultsWith(f),
                NotEnoughData::NoResultsWithCostAnd(f),
                NotEnoughData::Zero(f),
            ]);
        }
        for why in &all {
            let en = why.describe(Lang::En);
            assert_eq!(en, why.to_string());
            assert!(en.starts_with("not enough data: "), "{en}");
            let ru = why.describe(Lang::Ru);
            assert!(ru.starts_with("недостаточно данных: "), "{ru}");
            assert!(english_in(&ru).is_empty(), "English left in {ru:?}");
            assert!(!ru.contains('{'), "a place left unfilled in {ru:?}");
        }
        assert_eq!(
            NotEnoughData::Zero(Figure::Reach).describe(Lang::Ru),
            "недостаточно данных: показатель «охват» равен нулю"
        );
    }

    #[test]
    fn a_kpis_target_and_rule_read_in_each_language_and_costs_are_at_most() {
        let er = Kpi {
            market: "RU".parse().expect("RU"),
            metric: Metric::EngagementRateByReach,
            target: 3.0,
            threshold: 2.5,
            removed: false,
        };
        assert_eq!(er.rule_in(Lang::En), "≥ 2.5%");
        assert_eq!(er.rule_in(Lang::Ru), "≥ 2,5\u{a0}%");
        let cpa = Kpi {
            metric: Metric::Cpa,
            target: 120.0,
            threshold: 150.5,
            ..er
        };
        assert_eq!(cpa.target_in(Lang::En), "120");
        assert_eq!(cpa.rule_in(Lang::Ru), "≤ 150,5");
    }

    #[test]
    fn every_metric_is_named_with_its_formula_in_both_languages() {
        for m in Metric::ALL {
            assert_eq!(
                m.label(Lang::En),
                format!("{} — {}", m.short(), m.formula())
            );
            let ru = m.label(Lang::Ru);
            assert!(english_in(&ru).is_empty(), "English left in {ru:?}");
        }
        assert_eq!(Metric::Cpa.label(Lang::Ru), "CPA — затраты ÷ конверсии");
    }

    #[test]
    fn codes_round_trip_and_directions_are_right() {
        for m in Metric::ALL {
            assert_eq!(m.code().parse::<Metric>(), Ok(m));
        }
        assert!(!Metric::Cpa.higher_is_better());
        assert!(Metric::Roas.higher_is_better());
        assert_eq!(format_value(3.06, Unit::Percent), "3.1%");
        assert_eq!(
            format_value(120.0, Unit::Money(Currency::RUB)),
            "120.00 RUB"
        );
    }
}
