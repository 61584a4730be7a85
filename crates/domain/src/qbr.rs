//! The quarterly business review: what both sides bring to it (risks, action items, the
//! asks and commitments, next quarter's objectives, the budget) stored per quarter, and
//! the pack generated from the partnership's data — recap, KPI scorecard with
//! red/amber/green, spend against budget with variances over 5% flagged.

use crate::items::Items;
use std::fmt::Write;

use autosurgeon::{Hydrate, Reconcile, Text};

use crate::{
    campaign::{CampaignId as ItemId, CampaignStatus},
    day::Day,
    export::{md_cell, md_prose},
    kpi::{Figures, Kpi, NotEnoughData, Unit, format_value_in},
    locale::Lang,
    market::Market,
    money::Money,
    partnership::Partnership,
    quarter::QuarterId,
};

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
    pub risks: Items<ItemId, Risk>,
    /// Agreed at this review, checked at the next.
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub actions: Items<ItemId, ActionItem>,
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

fn pct(v: f64, lang: Lang) -> String {
    let sign = if v > 0.0 { "+" } else { "" };
    format!("{sign}{}", lang.percent(v * 100.0, 1))
}

/// The scorecard of a quarter: every KPI of every market over that quarter's results.
pub fn scorecard(p: &Partnership, quarter: QuarterId) -> Vec<(Market, Vec<Score>)> {
    let campaigns: Vec<_> = p
        .quarters
        .get(&quarter)
        .map(|q| q.campaigns.values().collect())
        .unwrap_or_default();
    p.markets
        .iter()
        .map(|market| {
            let results: Vec<&Figures> = campaigns
                .iter()
                .filter_map(|c| c.results.get(market))
                .collect();
            let mut kpis: Vec<&Kpi> = p.kpis.values().filter(|k| k.market == *market).collect();
            kpis.sort_by(|a, b| a.metric.code().cmp(b.metric.code()));
            let scores = kpis
                .into_iter()
                .map(|kpi| {
                    let computed = kpi.metric.compute(&results);
                    let actual = computed.as_ref().ok().map(|(v, _)| *v);
                    let unit = computed.as_ref().ok().map(|(_, u)| *u);
                    let missing = computed.as_ref().err().cloned();
                    let (variance, rag) = score(kpi, actual);
                    Score {
                        kpi: kpi.clone(),
                        actual,
                        unit,
                        missing,
                        variance,
                        rag,
                    }
                })
                .collect();
            (*market, scores)
        })
        .collect()
}

/// The review pack for `quarter`, as Markdown (the print page renders the same).
pub fn qbr_markdown(p: &Partnership, quarter: QuarterId, lang: Lang) -> String {
    let mut out = String::new();
    let empty = Qbr::default();
    let qbr = p.qbrs.get(&quarter).unwrap_or(&empty);
    let w = |en: &'static str| lang.text(en);
    let day = |d: Option<Day>| d.map_or("—".to_owned(), |d| lang.day(d));
    let _ = writeln!(
        out,
        "# {} × {} — {}\n",
        md_cell(p.brand.as_str()),
        md_cell(p.creator.as_str()),
        lang.fill("quarterly business review, {0}", &[&quarter])
    );

    let _ = writeln!(out, "## {}\n", w("Last review's action items"));
    let previous = p.qbrs.range(..quarter).next_back();
    match previous {
        Some((pq, prev)) if !prev.actions.is_empty() => {
            let _ = writeln!(out, "{}\n", lang.fill("From {0}:", &[pq]));
            let _ = writeln!(out, "{}", w("| Action | Owner | Due | Done |"));
            let _ = writeln!(out, "|---|---|---|---|");
            for a in prev.actions.values() {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    md_cell(a.text.as_str()),
                    md_cell(a.owner.as_str()),
                    day(a.due),
                    if a.done {
                        w("yes").to_owned()
                    } else {
                        format!("**{}**", w("no"))
                    }
                );
            }
            out.push('\n');
        }
        _ => {
            let _ = writeln!(out, "{}\n", w("No action items from an earlier review."));
        }
    }

    let _ = writeln!(out, "## {}\n", w("Quarter recap"));
    if let Some(q) = p.quarters.get(&quarter) {
        if !q.theme.as_str().trim().is_empty() {
            let _ = writeln!(out, "**{}:** {}\n", w("Theme"), md_prose(q.theme.as_str()));
        }
        let campaigns = q.campaigns_in_order();
        let count = |s: CampaignStatus| campaigns.iter().filter(|(_, c)| c.status == s).count();
        let _ = writeln!(
            out,
            "{}\n",
            lang.fill(
                if campaigns.len() == 1 {
                    "{0} campaign: {1} done, {2} running, {3} planned."
                } else {
                    "{0} campaigns: {1} done, {2} running, {3} planned."
                },
                &[
                    &campaigns.len(),
                    &count(CampaignStatus::Done),
                    &count(CampaignStatus::Running),
                    &count(CampaignStatus::Planned),
                ],
            )
        );
        if !campaigns.is_empty() {
            let _ = writeln!(out, "{}", w("| Campaign | Market | Status |"));
            let _ = writeln!(out, "|---|---|---|");
            for (_, c) in &campaigns {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    md_cell(c.title.as_str()),
                    c.market,
                    w(c.status.as_str())
                );
            }
            out.push('\n');
        }
    }
    if !qbr.recap.as_str().trim().is_empty() {
        let _ = writeln!(out, "{}\n", md_prose(qbr.recap.as_str()));
    }

    let _ = writeln!(out, "## {}\n", w("KPI scorecard"));
    let card = scorecard(p, quarter);
    if card.iter().all(|(_, s)| s.is_empty()) {
        let _ = writeln!(out, "{}\n", w("No KPIs set."));
    } else {
        let _ = writeln!(
            out,
            "{}",
            w("| Market | KPI | Target | Actual | Variance | RAG |")
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for (market, scores) in &card {
            for s in scores {
                let _ = writeln!(
                    out,
                    "| {market} | {} | {} | {} | {} | {} |",
                    w(s.kpi.metric.short()),
                    lang.number(s.kpi.target, 2),
                    md_cell(&s.actual_in(lang)),
                    s.variance.map_or("—".to_owned(), |v| pct(v, lang)),
                    w(s.rag.as_str())
                );
            }
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## {}\n", w("Spend against budget"));
    let budget = qbr
        .budget
        .or_else(|| p.quarters.get(&quarter).and_then(|q| q.sow.compensation));
    let costs = p
        .quarters
        .get(&quarter)
        .into_iter()
        .flat_map(|q| q.campaigns.values())
        .flat_map(|c| c.results.values())
        .filter_map(|f| f.cost);
    match budget.and_then(|b| spend(b, costs)) {
        Some(s) => {
            let _ = writeln!(
                out,
                "{}{}\n",
                lang.fill(
                    "Budget {0}, spent {1}: {2}",
                    &[
                        &lang.money(&s.budget),
                        &lang.money(&s.spent),
                        &pct(s.variance, lang)
                    ]
                ),
                w(if s.flagged {
                    " — **over 5% off budget**"
                } else {
                    " (within 5%)"
                })
            );
            if !s.other_currencies.is_empty() {
                let other: Vec<String> = s.other_currencies.iter().map(|m| lang.money(m)).collect();
                let _ = writeln!(
                    out,
                    "{}\n",
                    lang.fill("Not counted (another currency): {0}", &[&other.join(", ")])
                );
            }
        }
        None => {
            let _ = writeln!(out, "{}\n", w("No budget set for this quarter."));
        }
    }

    let _ = writeln!(out, "## {}\n", w("Risks"));
    if qbr.risks.is_empty() {
        let _ = writeln!(out, "{}\n", w("None recorded."));
    } else {
        let _ = writeln!(out, "{}", w("| Risk | Owner | Due |"));
        let _ = writeln!(out, "|---|---|---|");
        let mut risks: Vec<&Risk> = qbr.risks.values().collect();
        risks.sort_by_key(|r| r.due);
        for r in risks {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                md_cell(r.text.as_str()),
                md_cell(r.owner.as_str()),
                day(r.due)
            );
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## {}\n", w("Next quarter's objectives"));
    let next_theme = quarter
        .next()
        .and_then(|n| p.quarters.get(&n))
        .map(|q| q.theme.as_str().trim().to_owned());
    if let Some(theme) = next_theme.filter(|t| !t.is_empty()) {
        let _ = writeln!(out, "**{}:** {}\n", w("On the roadmap"), md_prose(&theme));
    }
    if qbr.objectives_next.as_str().trim().is_empty() {
        let _ = writeln!(out, "{}\n", w("Not written yet."));
    } else {
        let _ = writeln!(out, "{}\n", md_prose(qbr.objectives_next.as_str()));
    }

    let _ = writeln!(out, "## {}\n", w("Asks and commitments"));
    let item = |label: &str, t: &Text| {
        let v = t.as_str().trim();
        format!(
            "- **{label}:** {}\n",
            if v.is_empty() {
                "—".to_owned()
            } else {
                md_cell(v)
            }
        )
    };
    out += &item(
        &lang.fill("{0} asks", &[&md_cell(p.brand.as_str())]),
        &qbr.brand_ask,
    );
    out += &item(
        &lang.fill("{0} commits to", &[&md_cell(p.brand.as_str())]),
        &qbr.brand_commitment,
    );
    out += &item(
        &lang.fill("{0} asks", &[&md_cell(p.creator.as_str())]),
        &qbr.creator_ask,
    );
    out += &item(
        &lang.fill("{0} commits to", &[&md_cell(p.creator.as_str())]),
        &qbr.creator_commitment,
    );
    out.push('\n');

    if !qbr.actions.is_empty() {
        let _ = writeln!(out, "## {}\n", w("Action items from this review"));
        for a in qbr.actions.values() {
            let owner = a.owner.as_str().trim();
            let _ = writeln!(
                out,
                "- {}{}{}",
                md_cell(a.text.as_str()),
                if owner.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", md_cell(owner))
                },
                a.due
                    .map_or(String::new(), |d| lang.fill(", by {0}", &[&lang.day(d)]))
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{kpi::Metric, money::Currency};

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

#[cfg(test)]
mod pack_tests {
    use super::*;
    use crate::{
        campaign::{CampaignDraft, CampaignId},
        kpi::Metric,
        market::parse_market_list,
        money::Currency,
        partnership::NewPartnership,
    };

    #[test]
    fn the_pack_carries_last_reviews_actions_scores_spend_and_both_sides() {
        let mut p = Partnership::new(&NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша".into(),
            markets: parse_market_list("RU").expect("markets"),
            first_quarter: "2027-Q1".parse().expect("q"),
            quarters: 3,
        })
        .expect("new");
        let q1: QuarterId = "2027-Q1".parse().expect("q");
        let q2: QuarterId = "2027-Q2".parse().expect("q");
        let ru = p.markets[0];
        p.add_qbr_item(
            q1,
            CampaignId::from_random([1; 16]),
            true,
            "Send the Q2 brief",
            "Anna",
            None,
        )
        .expect("action");
        let c = CampaignId::from_random([2; 16]);
        p.add_campaign(
            q2,
            c.clone(),
            CampaignDraft {
                title: "Spring drop".into(),
                market: ru,
                starts: None,
                ends: None,
                status: CampaignStatus::Done,
            },
        )
        .expect("campaign");
        p.kpis.insert(
            CampaignId::from_random([3; 16]),
            Kpi {
                removed: false,
                market: ru,
                metric: Metric::EngagementRateByReach,
                target: 4.0,
                threshold: 2.5,
            },
        );
        p.set_results(
            q2,
            &c,
            ru,
            Some(Figures {
                reach: Some(1000),
                engagements: Some(30),
                cost: Some(Money::new(11_000_000, Currency::RUB)),
                ..Default::default()
            }),
        )
        .expect("results");
        p.set_qbr_budget(q2, Some(Money::new(10_000_000, Currency::RUB)))
            .expect("budget");
        p.set_qbr_text(q2, QbrText::BrandAsk, "Two drafts a week earlier")
            .expect("ask");
        p.add_qbr_item(
            q2,
            CampaignId::from_random([4; 16]),
            false,
            "Reels reach is falling",
            "Маша",
            None,
        )
        .expect("risk");

        let md = qbr_markdown(&p, q2, Lang::En);
        assert!(md.contains("From 2027-Q1:"), "{md}");
        assert!(
            md.contains("| Send the Q2 brief | Anna | — | **no** |"),
            "{md}"
        );
        assert!(md.contains("1 campaign: 1 done"), "{md}");
        assert!(
            md.contains("| RU | ER by reach | 4 | 3% | -25% | amber |"),
            "{md}"
        );
        assert!(md.contains("+10% — **over 5% off budget**"), "{md}");
        assert!(md.contains("| Reels reach is falling | Маша | — |"), "{md}");
        assert!(
            md.contains("- **Northwind asks:** Two drafts a week earlier"),
            "{md}"
        );
        assert!(md.contains("- **Маша commits to:** —"), "{md}");
    }

    #[test]
    fn the_russian_pack_has_no_english_left() {
        let p = crate::export::tests::russian_sample();
        let q: QuarterId = "2027-Q1".parse().expect("q");
        let md = qbr_markdown(&p, q, Lang::Ru);
        assert_eq!(
            crate::export::tests::english_left(&md),
            Vec::<String>::new(),
            "{md}"
        );
        assert!(md.contains("## Оценка KPI"), "{md}");
        assert!(md.contains("| RU | ER по охвату | 4 | 3\u{a0}% |"), "{md}");
        assert!(
            md.contains(
                "Бюджет 100\u{a0}000,00\u{a0}₽, потрачено 120\u{a0}000,00\u{a0}₽: +20\u{a0}%"
            ),
            "{md}"
        );
    }
}
