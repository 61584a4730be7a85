//! KPIs per market, results per campaign, the verdict of each market side by side, and
//! the trend of each market's key KPI.

use crate::components::undo_toast::remove_with_undo;
use crate::components::unsaved::{Draft, DraftMark};
use leptos::{ev::SubmitEvent, prelude::*};
use tandem_domain::{
    campaign::CampaignId,
    ids::KpiId,
    kpi::{Figures, Kpi, Metric},
    market::Market,
    money::{Currency, Money},
    quarter::QuarterId,
};
use tandem_domain::{command::Command, removal::Target};

use crate::i18n::{self, lang, t, tf, tk};
use crate::{browser::random_16, editor::Editor};
use crate::{
    components::autosave::{AutoField, Form},
    components::field_message::FieldMessage,
    components::fields::{
        CurrencySelect, MarketChoice, MarketSelect, QuarterPicker, amount_text, currency_text,
        parse_count, parse_money, parse_number,
    },
    components::unsaved::Unsaved,
    tabs::trend_chart::TrendChart,
};

#[component]
pub fn KpiTab() -> impl IntoView {
    let quarter = RwSignal::new(None::<QuarterId>);
    view! {
        <section class="card">
            <div class="card-head">
                <h2>{t("Verdict")}</h2>
                <QuarterPicker selected=quarter label="Checkpoint"/>
            </div>
            {move || quarter.get().map(|q| view! { <Verdicts q/> })}
        </section>
        <KpiList/>
        <section class="card">
            <div class="card-head"><h2>{t("Results")}</h2></div>
            {move || quarter.get().map(|q| view! { <Results q/> })}
        </section>
        <Trends/>
    }
}

#[component]
fn Verdicts(q: QuarterId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let verdicts = Memo::new(move |_| editor.view.with(|p| p.verdicts(q)));
    view! {
        <div class="verdicts" data-testid="verdicts">
            {move || verdicts.get().into_iter().map(|v| {
                let class = crate::tabs::overview_tab::verdict_class(v.verdict);
                view! {
                    <article class="verdict" data-testid=format!("verdict-{}", v.market)>
                        <h3>{v.market.to_string()}</h3>
                        <p class=class data-testid="verdict" data-verdict=v.verdict.as_str()>{v.verdict.words(lang())}</p>
                        <ul>
                            {v.checks.iter().map(|c| view! { <li>{c.reason(lang())}</li> }).collect_view()}
                        </ul>
                        <p class="muted summary" data-testid="verdict-summary">{v.summary(lang())}</p>
                    </article>
                }
            }).collect_view()}
        </div>
    }
}

#[component]
fn KpiList() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let kpis = Memo::new(move |_| {
        editor.view.with(|p| {
            let mut list: Vec<(KpiId, Kpi)> = p
                .kpis
                .iter()
                .map(|(id, k)| (id.clone(), k.clone()))
                .collect();
            list.sort_by(|(_, a), (_, b)| a.market.cmp(&b.market).then(a.metric.cmp(&b.metric)));
            list
        })
    });
    let market = MarketChoice::new(editor);
    let metric = RwSignal::new(Metric::EngagementRateByReach);
    let target = Draft::new(&editor.id, "kpi-target", String::new());
    let threshold = Draft::new(&editor.id, "kpi-threshold", String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let parsed = (|| -> Result<Kpi, String> {
            Ok(Kpi {
                removed: false,
                market: market.get().ok_or(t("this partnership has no markets"))?,
                metric: metric.get_untracked(),
                target: parse_number(&target.get_untracked(), t("The target"))?,
                threshold: parse_number(&threshold.get_untracked(), t("The threshold"))?,
            })
        })();
        match parsed {
            Ok(kpi) => {
                if editor.edit(Command::AddKpi {
                    id: KpiId::from_random(random_16()),
                    kpi,
                }) {
                    target.set(String::new());
                    threshold.set(String::new());
                    error.set(None);
                }
            }
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <section class="card">
            <div class="card-head"><h2>{t("KPIs per market")}</h2></div>
            <p class="muted">{t("We continue in a market while each of its KPIs meets its threshold: rates and returns at or above it, costs (CPM, CPE, CPC, CPA) at or below it. Rates are in percent; costs in the currency of the costs entered.")}</p>
            <table class="kpis" data-testid="kpis">
                <thead><tr><th scope="col">{t("Market")}</th><th scope="col">{t("Metric and formula")}</th><th scope="col">{t("Target")}</th><th scope="col">{t("Continue if")}</th><th scope="col"><span class="sr-only">{t("Actions")}</span></th></tr></thead>
                <tbody>
                    <For each=move || kpis.get() key=|(id, k)| (id.clone(), k.threshold.to_bits(), k.target.to_bits()) children=move |(id, k)| {
                        let label = tf("Remove the {0} KPI for {1}", &[&k.metric.name(lang()), &k.market]);
                        view! {
                            <tr>
                                <td>{k.market.to_string()}</td>
                                <td>{k.metric.label(lang())}</td>
                                <td>{k.target_in(lang())}</td>
                                <td>{k.rule_in(lang())}</td>
                                <td><button type="button" class="danger" aria-label=label
                                    on:click=move |_| remove_with_undo(editor, t("KPI removed").to_owned(), Target::Kpi(id.clone()))>{t("Remove")}</button></td>
                            </tr>
                        }
                    }/>
                </tbody>
            </table>
            <form class="add-campaign" on:submit=submit data-testid="add-kpi" data-draft="">
                <fieldset>
                    <legend>{t("Add a KPI")}</legend>
                    <div class="campaign-fields">
                        <div class="field">
                            <label for="kpi-market">{t("Market")}</label>
                            <MarketSelect id="kpi-market".to_owned() choice=market/>
                        </div>
                        <div class="field grow">
                            <label for="kpi-metric">{t("Metric")}</label>
                            <select id="kpi-metric" data-testid="kpi-metric" on:change=move |ev| { if let Ok(m) = event_target_value(&ev).parse() { metric.set(m) } }>
                                {Metric::ALL.into_iter().map(|m| view! {
                                    <option value=m.code() prop:selected=move || metric.get() == m>{m.label(lang())}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="kpi-target">{t("Target")}</label>
                            <input id="kpi-target" data-testid="kpi-target" inputmode="decimal" prop:value=move || target.get() on:input=move |ev| target.set(event_target_value(&ev))/>
                        </div>
                        <div class="field">
                            <label for="kpi-threshold">{t("Threshold")}</label>
                            <input id="kpi-threshold" data-testid="kpi-threshold" inputmode="decimal" prop:value=move || threshold.get() on:input=move |ev| threshold.set(event_target_value(&ev))/>
                        </div>
                        <button type="submit" class="primary add">{t("Add KPI")}</button>
                    <DraftMark drafts=vec![target, threshold]/>
                    </div>
                    {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                </fieldset>
            </form>
        </section>
    }
}

#[component]
fn Results(q: QuarterId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let rows = Memo::new(move |_| {
        editor.view.with(|p| {
            // A row per campaign in its own market (an RU campaign has no US row), and in any
            // other market that already holds its results (so nothing recorded is hidden).
            let campaigns: Vec<(CampaignId, String, Vec<Market>)> = p
                .quarters
                .get(&q)
                .map(|x| {
                    x.campaigns_in_order()
                        .into_iter()
                        .map(|(id, c)| {
                            let markets = p
                                .markets
                                .iter()
                                .copied()
                                .filter(|m| *m == c.market || c.results.contains_key(m))
                                .collect();
                            (id.clone(), c.title.as_str().to_owned(), markets)
                        })
                        .collect()
                })
                .unwrap_or_default();
            campaigns
                .into_iter()
                .flat_map(|(id, title, markets)| {
                    markets
                        .into_iter()
                        .map(move |m| (id.clone(), title.clone(), m))
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <Show when=move || rows.with(Vec::is_empty)>
            <p class="muted">{t("Plan campaigns for this quarter on the roadmap to record their results.")}</p>
        </Show>
        // One grid: a row per campaign in each of its markets, every cell saved when left,
        // the derived metrics beside (it scrolls sideways where it does not fit).
        <Show when=move || !rows.with(Vec::is_empty)>
            <div class="grid-scroll" tabindex="0" role="group" aria-label=t("Results per campaign and market")>
                <table class="results-grid" data-testid="results-grid">
                    <thead><tr>
                        <th scope="col">{t("Campaign")}</th>
                        {COUNTS.iter().map(|(_, label)| view! { <th scope="col" class="num">{t(label)}</th> }).collect_view()}
                        <th scope="col" class="num">{t("Revenue")}</th>
                        <th scope="col" class="num">{t("Cost")}</th>
                        <th scope="col">{t("Currency")}</th>
                        {DERIVED.iter().map(|m| view! { <th scope="col" class="num derived" title=m.formula_in(lang())>{m.name(lang())}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        <For each=move || rows.get() key=|(id, _, m)| (id.clone(), *m) children=move |(id, title, m)| view! { <ResultForm q id title market=m/> }/>
                    </tbody>
                </table>
            </div>
        </Show>
        <Onboarding/>
    }
}

/// The metrics shown beside each row of results.
const DERIVED: [Metric; 3] = [Metric::EngagementRateByReach, Metric::Cpm, Metric::Cpe];

const COUNTS: [(&str, &str); 6] = [
    ("impressions", tk("Impressions")),
    ("reach", tk("Reach")),
    ("engagements", tk("Engagements")),
    ("clicks", tk("Clicks")),
    ("conversions", tk("Conversions")),
    ("followers", tk("Followers")),
];

fn count_of(f: &Figures, name: &str) -> Option<u64> {
    match name {
        "impressions" => f.impressions,
        "reach" => f.reach,
        "engagements" => f.engagements,
        "clicks" => f.clicks,
        "conversions" => f.conversions,
        _ => f.followers,
    }
}

/// A campaign's results in one market. Every field is saved when the person leaves it;
/// a figure that does not read stays in its field, marked not saved.
#[component]
fn ResultForm(q: QuarterId, id: CampaignId, title: String, market: Market) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let form = Form::new();
    let id = StoredValue::new(id);
    let figures = move |tracked: bool| {
        let read = |p: &tandem_domain::partnership::Partnership| {
            id.with_value(|id| {
                p.quarters
                    .get(&q)
                    .and_then(|x| x.campaigns.get(id))
                    .and_then(|c| c.results.get(&market).cloned())
            })
        };
        if tracked {
            editor.view.with(read)
        } else {
            editor.view.with_untracked(read)
        }
    };
    let fallback_currency = Currency::of_market(market);
    let prefix = id.with_value(|id| format!("{}-{market}", id.as_str()));
    let field_id = {
        let prefix = prefix.clone();
        move |name: &str| format!("{prefix}-{name}")
    };
    // What each field holds in the document, as text.
    let stored_text = move |name: &str, f: Option<&Figures>| -> String {
        match name {
            "revenue" => amount_text(f.and_then(|f| f.revenue)),
            "cost" => amount_text(f.and_then(|f| f.cost)),
            "currency" => currency_text(f.and_then(|f| f.cost.or(f.revenue)), fallback_currency),
            // Grouped as the interface language writes numbers (1,100,000 / 1 100 000);
            // read back either way.
            count => f
                .and_then(|f| count_of(f, count))
                .map(|n| lang().integer(i64::try_from(n).unwrap_or(i64::MAX)))
                .unwrap_or_default(),
        }
    };
    let save = {
        let field_id = field_id.clone();
        move |changed: &'static str, raw: String| {
            let stored = figures(false);
            let value = |name: &str| {
                if name == changed {
                    raw.clone()
                } else {
                    form.current(&field_id(name), stored_text(name, stored.as_ref()))
                }
            };
            let parsed = (|| -> Result<Figures, (String, String)> {
                let c: Vec<Option<u64>> = COUNTS
                    .iter()
                    .map(|(name, label)| {
                        parse_count(&value(name), t(label)).map_err(|m| (field_id(name), m))
                    })
                    .collect::<Result<_, _>>()?;
                let cur = value("currency");
                let money = |name: &str, what| -> Result<Option<Money>, (String, String)> {
                    parse_money(&value(name), &cur, what).map_err(|m| (field_id(name), m))
                };
                Ok(Figures {
                    impressions: c[0],
                    reach: c[1],
                    engagements: c[2],
                    clicks: c[3],
                    conversions: c[4],
                    followers: c[5],
                    revenue: money("revenue", t("Revenue"))?,
                    cost: money("cost", t("Cost"))?,
                })
            })();
            let outcome = parsed.and_then(|f| {
                editor
                    .edit_or_say(Command::SetResults {
                        quarter: q,
                        campaign: id.get_value(),
                        market,
                        figures: Some(Box::new(f)),
                    })
                    .map(|_| ())
                    .map_err(|m| (field_id(changed), m))
            });
            form.settle(&field_id(changed), &raw, outcome);
        }
    };
    let unsaved = Unsaved::get();
    let currency_id = field_id("currency");
    let currency_note = form.note(&currency_id);
    let shown_currency = {
        let currency_id = currency_id.clone();
        Signal::derive(move || {
            unsaved
                .value(&currency_id)
                .unwrap_or_else(|| stored_text("currency", figures(true).as_ref()))
        })
    };
    let row_name = format!("{title} · {market}");
    let field = {
        let save = save.clone();
        let field_id = field_id.clone();
        let row_name = row_name.clone();
        move |name: &'static str, label: &'static str, inputmode: &'static str| {
            let save = save.clone();
            // Named with its row for a screen reader; the column header says it to the eye.
            view! {
                <td class="num">
                    <AutoField form id=field_id(name) label=format!("{} — {row_name}", t(label)) class="cell"
                        test_id=format!("result-{name}") inputmode=Some(inputmode)
                        stored=Signal::derive(move || stored_text(name, figures(true).as_ref()))
                        on_save=Callback::new(move |raw| save(name, raw))/>
                </td>
            }
        }
    };
    let save_currency = save.clone();
    let derived = move |m: Metric| {
        let outcome = figures(true).map(|f| m.compute(&[&f]));
        match outcome {
            Some(Ok((v, unit))) => (
                tandem_domain::kpi::format_value_in(v, unit, lang()),
                String::new(),
            ),
            Some(Err(e)) => ("—".to_owned(), e.describe(lang())),
            None => ("—".to_owned(), String::new()),
        }
    };
    view! {
        <tr class="results" data-testid=format!("results-{title}-{market}")>
            <th scope="row">{title.clone()} " · " <span class="market-tag">{market.to_string()}</span></th>
            {COUNTS.iter().map(|&(name, label)| field(name, label, "numeric")).collect_view()}
            {field("revenue", tk("Revenue"), "decimal")}
            {field("cost", tk("Cost"), "decimal")}
            <td>
                <div class="field cell">
                    <label for=currency_id.clone() class="sr-only">{format!("{} — {row_name}", t("Currency"))}</label>
                    <CurrencySelect id=currency_id.clone() value=shown_currency on_change=move |c| save_currency("currency", c)/>
                    <FieldMessage field=currency_id note=currency_note/>
                </div>
            </td>
            {DERIVED.iter().map(|&m| view! {
                <td class="num derived" data-testid=format!("derived-{}", m.code())
                    title=move || derived(m).1>{move || derived(m).0}</td>
            }).collect_view()}
        </tr>
    }
}

/// What onboarding the creator cost: saved when the person leaves the field.
#[component]
fn Onboarding() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let form = Form::new();
    let unsaved = Unsaved::get();
    let stored_amount = move || editor.view.with(|p| amount_text(p.onboarding_cost));
    let stored_currency = move || {
        editor
            .view
            .with(|p| currency_text(p.onboarding_cost, p.home_currency()))
    };
    let save = move |changed: &'static str, raw: String| {
        let value = |id: &str, stored: String| {
            if id == changed {
                raw.clone()
            } else {
                form.current(id, stored)
            }
        };
        let amount = value(
            "onboarding",
            editor
                .view
                .with_untracked(|p| amount_text(p.onboarding_cost)),
        );
        let currency = value(
            "onboarding-currency",
            editor
                .view
                .with_untracked(|p| currency_text(p.onboarding_cost, p.home_currency())),
        );
        let outcome = parse_money(&amount, &currency, t("Onboarding cost"))
            .and_then(|m| {
                editor
                    .edit_or_say(Command::SetOnboardingCost(m))
                    .map(|_| ())
            })
            .map_err(|m| ("onboarding".to_owned(), m));
        form.settle(changed, &raw, outcome);
    };
    let currency_note = form.note("onboarding-currency");
    view! {
        <div class="results"><fieldset>
            <legend>{t("Onboarding cost (amortised over the campaigns)")}</legend>
            <div class="campaign-fields">
                <AutoField form id="onboarding".to_owned() label=t("Amount").to_owned() inputmode=Some("decimal")
                    class="small" stored=Signal::derive(stored_amount)
                    on_save=Callback::new(move |raw| save("onboarding", raw))/>
                <div class="field small">
                    <label for="onboarding-currency">{t("Currency")}</label>
                    <CurrencySelect id="onboarding-currency".into()
                        value=Signal::derive(move || unsaved.value("onboarding-currency").unwrap_or_else(stored_currency))
                        on_change=move |c| save("onboarding-currency", c)/>
                    <FieldMessage field="onboarding-currency".to_owned() note=currency_note/>
                </div>
            </div>
        </fieldset></div>
    }
}

/// Each market's key KPI (its first) over the campaigns, and the amortised cost.
#[component]
fn Trends() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let charts = Memo::new(move |_| {
        editor.view.with(|p| {
            p.markets
                .iter()
                .map(|m| {
                    let key = p.key_kpi(*m).cloned();
                    let points = key.as_ref().map(|k| p.trend(k)).unwrap_or_default();
                    let costs: Vec<(String, String)> = p
                        .amortised_costs(*m)
                        .into_iter()
                        .map(|(t, c)| {
                            (
                                t,
                                c.map(|m| i18n::money(&m))
                                    .unwrap_or_else(|e| e.describe(lang())),
                            )
                        })
                        .collect();
                    (*m, key, points, costs)
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="card">
            <div class="card-head"><h2>{t("Trend")}</h2></div>
            <div class="trends">
                {move || charts.get().into_iter().map(|(m, key, points, costs)| view! {
                    <div class="trend-market" data-testid=format!("trend-{m}")>
                        <h3>{m.to_string()}</h3>
                        {match key {
                            Some(k) if !points.is_empty() => view! { <TrendChart kpi=k points/> }.into_any(),
                            Some(_) => view! { <p class="muted">{t("No results recorded yet.")}</p> }.into_any(),
                            None => view! { <p class="muted">{t("Add a KPI for this market to see its trend.")}</p> }.into_any(),
                        }}
                        <Show when={let empty = costs.is_empty(); move || !empty}>
                            <h4 class="section-label">{t("Cost per campaign, onboarding amortised")}</h4>
                        </Show>
                        <ol class="amortised" data-testid="amortised">
                            {costs.iter().map(|(t, c)| view! { <li>{t.clone()} ": " {c.clone()}</li> }).collect_view()}
                        </ol>
                    </div>
                }).collect_view()}
            </div>
        </section>
    }
}
