//! The QBR pack, generated from the partnership's data: last review's actions, the recap,
//! the KPI scorecard, spend against budget, risks, next quarter, and both sides' asks and
//! commitments — as Markdown in the reader's language.

use std::fmt::Write;

use autosurgeon::Text;

use crate::{
    campaign::CampaignStatus,
    day::Day,
    kpi::{Figures, Kpi},
    locale::Lang,
    markdown::{md_cell, md_prose},
    market::Market,
    partnership::Partnership,
    qbr::{Qbr, Risk, Score, pct, score, spend},
    quarter::QuarterId,
};

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

/// The review pack for `quarter`, as Markdown (the print page renders the same), made on
/// `today` (which payments are late).
pub fn qbr_markdown(
    p: &Partnership,
    quarter: QuarterId,
    lang: Lang,
    today: chrono::NaiveDate,
) -> String {
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
                s.words(lang)
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

    let _ = writeln!(out, "## {}\n", w("Payments"));
    let totals = crate::payment::totals(
        p.payments.values().filter(|x| x.quarter == Some(quarter)),
        today,
    );
    if totals.is_empty() {
        let _ = writeln!(out, "{}\n", w("No payments recorded for this quarter."));
    } else {
        for t in totals.values() {
            let _ = writeln!(
                out,
                "- {}",
                lang.fill(
                    "Paid {0} · due {1} · late {2}",
                    &[
                        &lang.money(&t.paid),
                        &lang.money(&t.due),
                        &lang.money(&t.late)
                    ]
                )
            );
        }
        out.push('\n');
    }

    // Posts that went live over the compliance gate, with the reason recorded (issue #21).
    let overrides: Vec<String> = p
        .quarters
        .get(&quarter)
        .map(|x| {
            x.sow
                .deliverables_in_order()
                .into_iter()
                .filter(|(_, d)| !d.override_reason.as_str().trim().is_empty())
                .map(|(_, d)| {
                    format!(
                        "- {} {} ({}): {}",
                        md_cell(d.platform.as_str()),
                        md_cell(d.format.as_str()),
                        d.market,
                        md_cell(d.override_reason.as_str().trim())
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if !overrides.is_empty() {
        let _ = writeln!(out, "## {}\n", w("Published over the compliance gate"));
        for line in overrides {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
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
mod pack_tests {
    use super::*;
    use crate::{
        campaign::{CampaignDraft, CampaignId},
        ids::{ActionId, RiskId},
        kpi::Metric,
        market::parse_market_list,
        money::{Currency, Money},
        partnership::NewPartnership,
        qbr::{QbrText, ReviewItemId},
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
        p.add_review_item(
            q1,
            ReviewItemId::Action(ActionId::from_random([1; 16])),
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
            crate::ids::Id::from_random([3; 16]),
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
        p.add_review_item(
            q2,
            ReviewItemId::Risk(RiskId::from_random([4; 16])),
            "Reels reach is falling",
            "Маша",
            None,
        )
        .expect("risk");
        for (i, (due, status)) in [
            ("2027-05-10", crate::payment::PaymentStatus::Paid),
            ("2027-06-01", crate::payment::PaymentStatus::Invoiced),
            ("2027-06-30", crate::payment::PaymentStatus::Expected),
        ]
        .into_iter()
        .enumerate()
        {
            p.add_payment(
                crate::ids::PaymentId::from_random([10 + i as u8; 16]),
                crate::partnership::payments::PaymentDraft {
                    label: format!("part {i}"),
                    quarter: Some(q2),
                    amount: Some(Money::new(5_000_000, Currency::RUB)),
                    due: Some(due.parse().expect("day")),
                    status,
                    paid_on: Some("2027-05-09".parse().expect("day")),
                    reference: String::new(),
                    paid_in: None,
                },
            )
            .expect("payment");
        }

        let post = crate::ids::DeliverableId::from_random([30; 16]);
        p.add_deliverable(
            q2,
            post.clone(),
            crate::partnership::record::DeliverableDraft {
                platform: "Instagram".into(),
                format: "reel".into(),
                count: 1,
                market: ru,
                live_from: Some("2027-05-02".parse().expect("day")),
                live_to: None,
                owner: String::new(),
                status: crate::sow::DeliverableStatus::Planned,
                paid: true,
                erid: String::new(),
                reklama_label: false,
            },
        )
        .expect("deliverable");
        p.override_gate(q2, &post, "archived before the ban; counsel agreed")
            .expect("override");

        let today: chrono::NaiveDate = "2027-06-15".parse().expect("day");
        let md = qbr_markdown(&p, q2, Lang::En, today);
        assert!(
            md.contains("- Paid ₽50,000.00 · due ₽50,000.00 · late ₽50,000.00"),
            "{md}"
        );
        assert!(
            md.contains("## Published over the compliance gate\n\n- Instagram reel (RU): archived before the ban; counsel agreed"),
            "{md}"
        );
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
        assert!(md.contains("+10% — **10% over budget**"), "{md}");
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
        let md = qbr_markdown(&p, q, Lang::Ru, chrono::NaiveDate::MIN);
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
