//! The continue / review / stop verdict per market, with its reasons in words, and the
//! trend of a market's results campaign over campaign.

use crate::{
    kpi::{Figures, Kpi, NotEnoughData, Unit, format_value_in},
    locale::Lang,
    market::Market,
    money::Money,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every KPI meets its threshold.
    Continue,
    /// Some meet and some miss, or some cannot be computed.
    Review,
    /// Every KPI that can be computed misses its threshold.
    Stop,
    /// No KPI can be computed (or none is set).
    NotEnoughData,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Continue => "continue",
            Verdict::Review => "review",
            Verdict::Stop => "stop",
            Verdict::NotEnoughData => "not enough data",
        }
    }

    /// The verdict in `lang` ("continue", "продолжаем").
    pub fn words(&self, lang: Lang) -> &'static str {
        lang.text(self.as_str())
    }
}

/// One KPI's check against its threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub kpi: Kpi,
    /// The value with its unit and whether it meets the threshold.
    pub outcome: Result<(f64, Unit, bool), NotEnoughData>,
}

impl Check {
    /// In words: "ER by reach 3.1% ≥ 2.5%", "CPA: not enough data: conversions is zero".
    /// The sign says which way is better: ≥ / < for rates and returns, ≤ / > for costs.
    pub fn reason(&self, lang: Lang) -> String {
        let m = self.kpi.metric;
        match &self.outcome {
            Ok((value, unit, meets)) => {
                let op = match (m.higher_is_better(), meets) {
                    (true, true) => "≥",
                    (true, false) => "<",
                    (false, true) => "≤",
                    (false, false) => ">",
                };
                format!(
                    "{} {} {op} {}",
                    m.name(lang),
                    format_value_in(*value, *unit, lang),
                    format_value_in(self.kpi.threshold, *unit, lang)
                )
            }
            Err(e) => format!("{}: {}", m.name(lang), e.describe(lang)),
        }
    }

    /// Whether the KPI was computed and meets its threshold.
    pub fn met(&self) -> Option<bool> {
        self.outcome.as_ref().ok().map(|(_, _, meets)| *meets)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MarketVerdict {
    pub market: Market,
    pub verdict: Verdict,
    pub checks: Vec<Check>,
}

impl MarketVerdict {
    /// The whole verdict in one line: "ER by reach 3.1% ≥ 2.5%; conversion 1.2% < 1.5% → review".
    pub fn summary(&self, lang: Lang) -> String {
        let reasons: Vec<String> = self.checks.iter().map(|c| c.reason(lang)).collect();
        if reasons.is_empty() {
            format!(
                "{} → {}",
                lang.fill("no KPIs set for {0}", &[&self.market]),
                self.verdict.words(lang)
            )
        } else {
            format!("{} → {}", reasons.join("; "), self.verdict.words(lang))
        }
    }
}

/// The order a market's KPIs are read in (and the first is its key KPI): by metric, then
/// threshold — a stable order, whatever the order they were added in.
pub fn reading_order(a: &Kpi, b: &Kpi) -> std::cmp::Ordering {
    a.metric
        .cmp(&b.metric)
        .then(a.threshold.total_cmp(&b.threshold))
}

/// Decides the verdict for one market from its KPIs (other markets' KPIs are ignored) and
/// that market's results.
pub fn market_verdict<'a>(
    market: Market,
    kpis: impl IntoIterator<Item = &'a Kpi>,
    results: impl IntoIterator<Item = &'a Figures>,
) -> MarketVerdict {
    let results: Vec<&Figures> = results.into_iter().collect();
    let mut kpis: Vec<&Kpi> = kpis.into_iter().filter(|k| k.market == market).collect();
    // A stable reading order, whatever the order the KPIs were added in.
    kpis.sort_by(|a, b| reading_order(a, b));
    let checks: Vec<Check> = kpis.into_iter().map(|kpi| check(kpi, &results)).collect();
    let met = checks.iter().filter(|c| c.met() == Some(true)).count();
    let missed = checks.iter().filter(|c| c.met() == Some(false)).count();
    let unknown = checks.len() - met - missed;
    let verdict = if met + missed == 0 {
        Verdict::NotEnoughData
    } else if missed == 0 && unknown == 0 {
        Verdict::Continue
    } else if met == 0 && unknown == 0 {
        Verdict::Stop
    } else {
        Verdict::Review
    };
    MarketVerdict {
        market,
        verdict,
        checks,
    }
}

fn check(kpi: &Kpi, results: &[&Figures]) -> Check {
    let m = kpi.metric;
    Check {
        kpi: kpi.clone(),
        outcome: m.compute(results).map(|(value, unit)| {
            let meets = if m.higher_is_better() {
                value >= kpi.threshold
            } else {
                value <= kpi.threshold
            };
            (value, unit, meets)
        }),
    }
}

/// A point of a market's trend: one campaign's value of a KPI.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub campaign: String,
    pub value: Result<f64, NotEnoughData>,
}

/// The KPI campaign over campaign, for results given in campaign order as
/// (campaign title, that campaign's figures in the KPI's market).
pub fn trend<'a>(
    kpi: &Kpi,
    results: impl IntoIterator<Item = (&'a str, &'a Figures)>,
) -> Vec<TrendPoint> {
    results
        .into_iter()
        .map(|(campaign, figures)| TrendPoint {
            campaign: campaign.to_owned(),
            value: kpi.metric.compute(&[figures]).map(|(v, _)| v),
        })
        .collect()
}

/// Cost per campaign with the onboarding cost amortised: after campaign n,
/// (onboarding + Σ costs of campaigns 1..=n) ÷ n. A campaign without a cost, or costs in
/// another currency, make that point and the later ones "not enough data".
pub fn amortised_cost_per_campaign(
    onboarding: Option<Money>,
    costs_in_order: impl IntoIterator<Item = Option<Money>>,
) -> Vec<Result<Money, NotEnoughData>> {
    let mut total = onboarding;
    let mut broken: Option<NotEnoughData> = None;
    let mut out = Vec::new();
    for (i, cost) in costs_in_order.into_iter().enumerate() {
        if broken.is_none() {
            match (total, cost) {
                (_, None) => broken = Some(NotEnoughData::CampaignWithoutCost(i + 1)),
                (None, Some(c)) => total = Some(c),
                (Some(t), Some(c)) => match t.checked_add(c) {
                    Some(sum) => total = Some(sum),
                    None => {
                        broken = Some(NotEnoughData::CampaignInAnotherCurrency {
                            campaign: i + 1,
                            currency: c.currency,
                            earlier: t.currency,
                        })
                    }
                },
            }
        }
        out.push(match (&broken, total) {
            (Some(e), _) => Err(e.clone()),
            (None, Some(t)) => {
                let n = i64::try_from(i + 1).unwrap_or(i64::MAX);
                Ok(Money::new(t.minor / n, t.currency))
            }
            (None, None) => Err(NotEnoughData::NoCosts),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{kpi::Metric, money::Currency};

    fn ru() -> Market {
        "RU".parse().expect("RU")
    }

    fn us() -> Market {
        "US".parse().expect("US")
    }

    fn kpi(market: Market, metric: Metric, threshold: f64) -> Kpi {
        Kpi {
            removed: false,
            market,
            metric,
            target: threshold * 1.2,
            threshold,
        }
    }

    fn result(reach: u64, engagements: u64, clicks: u64, conversions: u64) -> Figures {
        Figures {
            reach: Some(reach),
            engagements: Some(engagements),
            clicks: Some(clicks),
            conversions: Some(conversions),
            ..Default::default()
        }
    }

    #[test]
    fn the_example_from_the_brief_is_a_review() {
        let kpis = [
            kpi(ru(), Metric::EngagementRateByReach, 2.5),
            kpi(ru(), Metric::ConversionRate, 1.5),
        ];
        let results = [result(100_000, 3_100, 1_000, 12)];
        let v = market_verdict(ru(), &kpis, &results);
        assert_eq!(v.verdict, Verdict::Review);
        assert_eq!(
            v.summary(Lang::En),
            "ER by reach 3.1% ≥ 2.5%; conversion 1.2% < 1.5% → review"
        );
        assert_eq!(
            v.summary(Lang::Ru),
            "ER по охвату 3,1\u{a0}% ≥ 2,5\u{a0}%; конверсия 1,2\u{a0}% < 1,5\u{a0}% → пересматриваем"
        );
    }

    #[test]
    fn all_met_continues_all_missed_stops() {
        let kpis = [
            kpi(ru(), Metric::EngagementRateByReach, 2.5),
            kpi(ru(), Metric::ConversionRate, 1.0),
        ];
        let good = [result(100_000, 3_100, 1_000, 12)];
        assert_eq!(
            market_verdict(ru(), &kpis, &good).verdict,
            Verdict::Continue
        );
        let bad = [result(100_000, 1_000, 1_000, 5)];
        assert_eq!(market_verdict(ru(), &kpis, &bad).verdict, Verdict::Stop);
    }

    #[test]
    fn thresholds_at_the_boundary_are_met_in_both_directions() {
        let at_threshold = [result(100_000, 2_500, 1_000, 10)];
        let er = [kpi(ru(), Metric::EngagementRateByReach, 2.5)];
        assert_eq!(
            market_verdict(ru(), &er, &at_threshold).verdict,
            Verdict::Continue
        );
        let mut r = result(1, 1, 100, 4);
        r.cost = Some(Money::new(60_000, Currency::RUB)); // 600 ₽ / 4 = 150 ₽ per conversion
        let cpa = [kpi(ru(), Metric::Cpa, 150.0)];
        let v = market_verdict(ru(), &cpa, [&r]);
        assert_eq!(v.verdict, Verdict::Continue);
        assert_eq!(v.checks[0].reason(Lang::En), "CPA 150 RUB ≤ 150 RUB");
        // A cost over its threshold misses, and the sign says so in both languages.
        let dear = [kpi(ru(), Metric::Cpa, 120.5)];
        let v = market_verdict(ru(), &dear, [&r]);
        assert_eq!(v.verdict, Verdict::Stop);
        assert_eq!(v.checks[0].reason(Lang::En), "CPA 150 RUB > 120.5 RUB");
        assert_eq!(
            v.summary(Lang::Ru),
            "CPA 150 RUB > 120,5 RUB → останавливаем"
        );
    }

    #[test]
    fn missing_data_is_said_and_never_decides_continue() {
        let kpis = [
            kpi(ru(), Metric::EngagementRateByReach, 2.5),
            kpi(ru(), Metric::Roas, 2.0),
        ];
        let results = [result(100_000, 3_100, 1_000, 12)];
        let v = market_verdict(ru(), &kpis, &results);
        assert_eq!(v.verdict, Verdict::Review, "one met, one unknown");
        assert!(
            v.summary(Lang::En).contains("ROAS: not enough data"),
            "{}",
            v.summary(Lang::En)
        );
        let none = market_verdict(ru(), &kpis, []);
        assert_eq!(none.verdict, Verdict::NotEnoughData);
        assert_eq!(
            market_verdict(us(), &kpis, &results).verdict,
            Verdict::NotEnoughData,
            "no US KPIs"
        );
    }

    #[test]
    fn markets_are_judged_separately() {
        let kpis = [
            kpi(ru(), Metric::EngagementRateByReach, 2.5),
            kpi(us(), Metric::EngagementRateByReach, 4.0),
        ];
        let results = [result(100_000, 3_000, 1, 1)];
        assert_eq!(
            market_verdict(ru(), &kpis, &results).verdict,
            Verdict::Continue
        );
        assert_eq!(
            market_verdict(us(), &kpis, &results).verdict,
            Verdict::Stop,
            "same figures, US threshold"
        );
    }

    #[test]
    fn trend_marks_gaps_instead_of_zeros() {
        let k = kpi(ru(), Metric::EngagementRateByReach, 2.5);
        let first = result(100_000, 2_000, 1, 1);
        let second = result(0, 5, 1, 1);
        let points = trend(&k, [("first", &first), ("second", &second)]);
        assert_eq!(points[0].campaign, "first");
        assert_eq!(points[0].value, Ok(2.0));
        assert!(points[1].value.is_err(), "reach zero is a gap, not a zero");
    }

    #[test]
    fn onboarding_is_amortised_over_the_campaigns_so_far() {
        let rub = |major: i64| Some(Money::new(major * 100, Currency::RUB));
        let points =
            amortised_cost_per_campaign(rub(90_000), [rub(30_000), rub(30_000), rub(30_000)]);
        let majors: Vec<i64> = points
            .iter()
            .map(|p| p.as_ref().expect("ok").minor / 100)
            .collect();
        assert_eq!(majors, [120_000, 75_000, 60_000]);
        let broken = amortised_cost_per_campaign(None, [rub(1), None, rub(1)]);
        assert!(broken[0].is_ok() && broken[1].is_err() && broken[2].is_err());
        let mixed = amortised_cost_per_campaign(rub(1), [Some(Money::new(1, Currency::USD))]);
        assert!(
            mixed[0]
                .as_ref()
                .expect_err("mixed")
                .to_string()
                .contains("USD")
        );
    }
}
