//! A partnership taken out of the app: the roadmap, the agreement with the current
//! statement of work as Markdown (which the print page also renders), and KPIs with
//! results as CSV for a spreadsheet.
//!
//! Everything the partners typed is escaped for its format: Markdown control characters
//! and table pipes in Markdown; quotes, separators and formula starts (`=`, `+`, `-`, `@`)
//! in CSV, so a cell can never become a spreadsheet formula.

use std::fmt::Write;

use crate::{
    campaign::Campaign,
    day::Day,
    kpi::format_value,
    locale::Lang,
    markdown::{md, md_cell, md_prose},
    partnership::Partnership,
    quarter::QuarterId,
    verdict::market_verdict,
};

fn or_dash(s: Option<String>) -> String {
    s.unwrap_or_else(|| "—".to_owned())
}

fn campaign_row(c: &Campaign, lang: Lang) -> String {
    format!(
        "| {} | {} | {} | {} | {} |",
        md_cell(c.title.as_str()),
        c.market,
        or_dash(c.starts.map(|d| lang.day(d))),
        or_dash(c.ends.map(|d| lang.day(d))),
        lang.text(c.status.as_str())
    )
}

fn title(p: &Partnership) -> String {
    format!("{} × {}", md(p.brand.as_str()), md(p.creator.as_str()))
}

/// The roadmap: goal, then each quarter's theme, campaigns and learnings.
pub fn roadmap_markdown(p: &Partnership, lang: Lang) -> String {
    let mut out = String::new();
    let markets: Vec<String> = p.markets.iter().map(ToString::to_string).collect();
    let _ = writeln!(out, "# {} — {}\n", title(p), lang.text("roadmap"));
    let _ = writeln!(
        out,
        "{}\n",
        lang.fill("Markets: {0}", &[&markets.join(", ")])
    );
    if !p.goal.as_str().trim().is_empty() {
        let _ = writeln!(
            out,
            "**{}:** {}\n",
            lang.text("The larger goal"),
            md_prose(p.goal.as_str())
        );
    }
    for (q, quarter) in &p.quarters {
        let _ = writeln!(
            out,
            "## {q} ({} – {})\n",
            lang.day(Day(q.first_day())),
            lang.day(Day(q.last_day()))
        );
        if !quarter.theme.as_str().trim().is_empty() {
            let _ = writeln!(out, "{}\n", md_prose(quarter.theme.as_str()));
        }
        let campaigns = quarter.campaigns_in_order();
        if campaigns.is_empty() {
            let _ = writeln!(out, "{}\n", lang.text("No campaigns planned."));
        } else {
            let _ = writeln!(
                out,
                "{}",
                lang.text("| Campaign | Market | Starts | Ends | Status |")
            );
            let _ = writeln!(out, "|---|---|---|---|---|");
            for (_, c) in campaigns {
                let _ = writeln!(out, "{}", campaign_row(c, lang));
            }
            out.push('\n');
        }
        if !quarter.learned.as_str().trim().is_empty() {
            let _ = writeln!(
                out,
                "**{}:** {}\n",
                lang.text("What we learned"),
                md_prose(quarter.learned.as_str())
            );
        }
        if !quarter.next_try.as_str().trim().is_empty() {
            let _ = writeln!(
                out,
                "**{}:** {}\n",
                lang.text("What we try next"),
                md_prose(quarter.next_try.as_str())
            );
        }
    }
    out
}

/// The agreement and the statement of work of `quarter`.
pub fn agreement_markdown(p: &Partnership, quarter: QuarterId, lang: Lang) -> String {
    let a = &p.agreement;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — {}\n",
        title(p),
        lang.fill("agreement and {0} statement of work", &[&quarter])
    );
    let _ = writeln!(out, "## {}\n", lang.text("Agreement"));
    let line =
        |label: &'static str, value: String| format!("- **{}:** {value}\n", lang.text(label));
    let day = |d: Option<Day>| or_dash(d.map(|d| lang.day(d)));
    let text = |t: &str| {
        if t.trim().is_empty() {
            "—".to_owned()
        } else {
            md_cell(t)
        }
    };
    out += &line("Brand (legal name)", text(a.brand_legal_name.as_str()));
    out += &line("Creator (legal name)", text(a.creator_legal_name.as_str()));
    out += &line(
        "Term",
        format!("{} – {}", day(a.term_start), day(a.term_end)),
    );
    out += &line(
        "Continue/stop checkpoint",
        lang.fill("every {0} months", &[&a.checkpoint_months]),
    );
    out += &line(
        "Renewal",
        lang.fill(
            "{0}; notice {1} days; termination notice {2} days",
            &[
                &lang.text(if a.auto_renew {
                    "automatic"
                } else {
                    "by agreement"
                }),
                &a.renewal_notice_days,
                &a.termination_notice_days,
            ],
        ),
    );
    out += &line(
        "Exclusivity",
        lang.fill(
            "{0} in {1} for {2}",
            &[
                &text(a.exclusivity_category.as_str()),
                &text(a.exclusivity_territory.as_str()),
                &a.exclusivity_months
                    .map_or("—".to_owned(), |m| lang.fill("{0} months", &[&m])),
            ],
        ),
    );
    out += &line("Usage rights", text(a.usage_rights.as_str()));
    out += &line("Payment terms", text(a.payment_terms.as_str()));
    out.push('\n');

    let _ = writeln!(
        out,
        "## {}\n",
        lang.fill("Statement of work, {0}", &[&quarter])
    );
    let Some(q) = p.quarters.get(&quarter) else {
        let _ = writeln!(out, "{}", lang.text("This quarter is not on the roadmap."));
        return out;
    };
    let sow = &q.sow;
    let deliverables = sow.deliverables_in_order();
    if deliverables.is_empty() {
        let _ = writeln!(out, "{}\n", lang.text("No deliverables yet."));
    } else {
        let _ = writeln!(
            out,
            "{}",
            lang.text("| Deliverable | Market | Count | Live | Owner | Status | Paid | erid |")
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
        for (_, d) in deliverables {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} – {} | {} | {} | {} | {} |",
                md_cell(&format!("{} {}", d.platform.as_str(), d.format.as_str())),
                d.market,
                d.count,
                day(d.live_from),
                day(d.live_to),
                md_cell(d.owner.as_str()),
                d.status.words(lang).to_lowercase(),
                lang.text(if d.paid { "yes" } else { "no" }),
                md_cell(d.erid.as_str()),
            );
        }
        out.push('\n');
        for (_, d) in sow.deliverables_in_order() {
            if let Some(w) = d.compliance_warning(lang) {
                let _ = writeln!(out, "> ⚠ {}\n", md(&w));
            }
        }
    }
    out += &line(
        "Approval",
        lang.fill(
            "draft due {0} days before going live; {1} days to review; {2} revision rounds",
            &[
                &sow.draft_due_days_before_live,
                &sow.review_days,
                &sow.revision_rounds,
            ],
        ),
    );
    out += &line(
        "Compensation",
        or_dash(sow.compensation.map(|m| lang.money(&m))),
    );
    if let Some((converted, how)) = sow.converted_compensation_in(lang) {
        out += &line(
            "Converted",
            format!("{} ({})", lang.money(&converted), md(&how)),
        );
    }
    out += &line("Payment split", text(sow.payment_split.as_str()));
    out += &line("Kill fee", or_dash(sow.kill_fee.map(|m| lang.money(&m))));
    out
}

/// A CSV field: quoted when needed; a leading formula character is neutralised.
fn csv(field: &str) -> String {
    let mut f = field.to_owned();
    if f.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        f.insert(0, '\'');
    }
    if f.contains([',', '"', '\n', '\r', ';']) || f != field {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

fn number(n: Option<u64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// KPIs and results as CSV, UTF-8 with a byte-order mark so Excel reads Cyrillic right.
/// Two tables in one file: each campaign's results per market, then each market's KPIs
/// with the value reached and the verdict.
pub fn results_csv(p: &Partnership) -> String {
    let mut out = String::from("\u{feff}");
    let row =
        |fields: &[String]| fields.iter().map(|f| csv(f)).collect::<Vec<_>>().join(",") + "\r\n";
    out += &row(&[
        "quarter",
        "campaign",
        "market",
        "status",
        "impressions",
        "reach",
        "engagements",
        "clicks",
        "conversions",
        "followers",
        "revenue",
        "cost",
    ]
    .map(str::to_owned));
    for (q, quarter) in &p.quarters {
        for (_, c) in quarter.campaigns_in_order() {
            for (market, f) in &c.results {
                out += &row(&[
                    q.to_string(),
                    c.title.as_str().to_owned(),
                    market.to_string(),
                    c.status.to_string(),
                    number(f.impressions),
                    number(f.reach),
                    number(f.engagements),
                    number(f.clicks),
                    number(f.conversions),
                    number(f.followers),
                    f.revenue.map(|m| m.to_string()).unwrap_or_default(),
                    f.cost.map(|m| m.to_string()).unwrap_or_default(),
                ]);
            }
        }
    }
    out += "\r\n";
    out += &row(&[
        "market",
        "kpi",
        "formula",
        "target",
        "threshold",
        "value",
        "verdict",
    ]
    .map(str::to_owned));
    for market in &p.markets {
        let results: Vec<&crate::kpi::Figures> = p
            .quarters
            .values()
            .flat_map(|q| q.campaigns.values())
            .filter_map(|c| c.results.get(market))
            .collect();
        let verdict = market_verdict(*market, p.kpis.values(), results.iter().copied());
        for check in &verdict.checks {
            let value = match &check.outcome {
                Ok((v, unit, _)) => format_value(*v, *unit),
                Err(why) => why.to_string(),
            };
            out += &row(&[
                market.to_string(),
                check.kpi.metric.short().to_owned(),
                check.kpi.metric.formula().to_owned(),
                check.kpi.target.to_string(),
                check.kpi.threshold.to_string(),
                value,
                verdict.verdict.as_str().to_owned(),
            ]);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{
        campaign::{CampaignDraft, CampaignId, CampaignStatus},
        market::parse_market_list,
        partnership::NewPartnership,
    };

    fn sample() -> Partnership {
        let new = NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша | Studio *North*".into(),
            markets: parse_market_list("RU, US").expect("markets"),
            first_quarter: "2027-Q1".parse().expect("q"),
            quarters: 2,
        };
        let mut p = Partnership::new(&new).expect("new");
        let q: QuarterId = "2027-Q1".parse().expect("q");
        p.set_theme(q, "Зимний запуск\nsecond line").expect("theme");
        p.add_campaign(
            q,
            CampaignId::from_random([1; 16]),
            CampaignDraft {
                title: "=HYPERLINK(\"x\") | drop".into(),
                market: p.markets[0],
                starts: None,
                ends: None,
                status: CampaignStatus::Done,
            },
        )
        .expect("campaign");
        p
    }

    #[test]
    fn markdown_escapes_what_people_typed() {
        let p = sample();
        let md = roadmap_markdown(&p, Lang::En);
        assert!(
            md.starts_with("# Northwind × Маша \\| Studio \\*North\\* — roadmap"),
            "{md}"
        );
        assert!(md.contains("Зимний запуск  \nsecond line"));
        assert!(
            md.contains("| =HYPERLINK(\"x\") \\| drop | RU | — | — | done |"),
            "{md}"
        );
        let agreement = agreement_markdown(&p, "2027-Q1".parse().expect("q"), Lang::En);
        assert!(agreement.contains("## Statement of work, 2027-Q1"));
    }

    #[test]
    fn csv_has_a_bom_quotes_and_no_formulas() {
        let mut p = sample();
        let q: QuarterId = "2027-Q1".parse().expect("q");
        let id = CampaignId::from_random([1; 16]);
        let market = p.markets[0];
        p.quarters
            .get_mut(&q)
            .expect("q")
            .campaigns
            .get_mut(&id)
            .expect("c")
            .results
            .insert(
                market,
                crate::kpi::Figures {
                    reach: Some(1000),
                    engagements: Some(31),
                    ..Default::default()
                },
            );
        let out = results_csv(&p);
        assert!(out.starts_with('\u{feff}'));
        assert!(out.contains("\"'=HYPERLINK(\"\"x\"\") | drop\""), "{out}");
        assert!(out.contains(",1000,31,"));
        assert_eq!(csv("-5"), "\"'-5\"");
        assert_eq!(csv("plain"), "plain");
    }

    /// Latin words in `text` that are not names, codes or abbreviations kept in Russian.
    pub(crate) fn english_left(text: &str) -> Vec<String> {
        const KEPT: &[&str] = &[
            "RU", "US", "KPI", "SOW", "ER", "RUB", "USD", "erid", "CPM", "CPA", "Q1", "Q2", "Q3",
            "Q4",
        ];
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.chars().filter(char::is_ascii_alphabetic).count() >= 2)
            .filter(|w| !KEPT.contains(w))
            .map(str::to_owned)
            .collect()
    }

    /// A partnership typed entirely in Russian, with every section filled.
    pub(crate) fn russian_sample() -> Partnership {
        use crate::{
            kpi::{Figures, Kpi, Metric},
            money::{Currency, Money},
            partnership::record::DeliverableDraft,
            sow::{Conversion, DeliverableStatus},
        };
        let mut p = Partnership::new(&NewPartnership {
            brand: "Нордвинд".into(),
            creator: "Маша".into(),
            markets: parse_market_list("RU, US").expect("markets"),
            first_quarter: "2027-Q1".parse().expect("q"),
            quarters: 2,
        })
        .expect("new");
        let q: QuarterId = "2027-Q1".parse().expect("q");
        let day = |s: &str| s.parse().ok();
        p.set_theme(q, "Зимний запуск").expect("theme");
        let c = CampaignId::from_random([1; 16]);
        p.add_campaign(
            q,
            c.clone(),
            CampaignDraft {
                title: "Весенний дроп".into(),
                market: p.markets[0],
                starts: day("2027-02-01"),
                ends: day("2027-02-20"),
                status: CampaignStatus::Done,
            },
        )
        .expect("campaign");
        p.set_results(
            q,
            &c,
            p.markets[0],
            Some(Figures {
                reach: Some(10_000),
                engagements: Some(300),
                cost: Some(Money::new(12_000_000, Currency::RUB)),
                ..Figures::default()
            }),
        )
        .expect("results");
        p.set_kpi(
            crate::ids::Id::from_random([2; 16]),
            Kpi {
                removed: false,
                market: p.markets[0],
                metric: Metric::EngagementRateByReach,
                target: 4.0,
                threshold: 2.5,
            },
        )
        .expect("kpi");
        p.set_term(day("2027-01-01"), day("2027-12-31"))
            .expect("term");
        p.set_renewal(3, true, 30, 60, Some(6)).expect("renewal");
        p.add_deliverable(
            q,
            crate::ids::Id::from_random([3; 16]),
            DeliverableDraft {
                platform: "ВКонтакте".into(),
                format: "клип".into(),
                count: 2,
                market: p.markets[0],
                live_from: day("2027-02-01"),
                live_to: day("2027-02-10"),
                owner: "Маша".into(),
                status: DeliverableStatus::Live,
                paid: true,
                erid: String::new(),
                reklama_label: false,
            },
        )
        .expect("deliverable");
        p.set_compensation(
            q,
            Some(Money::new(10_000_000, Currency::RUB)),
            Some(Money::new(1_000_000, Currency::RUB)),
            Some(Conversion {
                rate: 0.0125,
                rate_date: "2027-01-15".parse().expect("day"),
                to: Currency::USD,
            }),
        )
        .expect("compensation");
        p
    }

    #[test]
    fn russian_exports_read_in_russian_with_russian_dates_and_money() {
        let p = russian_sample();
        let q: QuarterId = "2027-Q1".parse().expect("q");
        let roadmap = roadmap_markdown(&p, Lang::Ru);
        let agreement = agreement_markdown(&p, q, Lang::Ru);
        for text in [&roadmap, &agreement] {
            assert_eq!(english_left(text), Vec::<String>::new(), "{text}");
        }
        assert!(roadmap.contains("# Нордвинд × Маша — план"), "{roadmap}");
        assert!(roadmap.contains("1 февр. 2027\u{a0}г."), "{roadmap}");
        assert!(agreement.contains("100\u{a0}000,00\u{a0}₽"), "{agreement}");
        assert!(
            agreement.contains("без токена erid и пометки «Реклама»"),
            "{agreement}"
        );
        // The same partnership in English reads as before, money and dates as in the US.
        let english = agreement_markdown(&p, q, Lang::En);
        assert!(english.contains("₽100,000.00"), "{english}");
        assert!(english.contains("Jan 1, 2027 – Dec 31, 2027"), "{english}");
    }
}
