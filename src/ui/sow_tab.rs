//! A quarter's statement of work: deliverables (with the Russian advertising-label check),
//! approval rules and compensation.

use leptos::{ev::SubmitEvent, prelude::*};
use tandem_domain::{
    campaign::CampaignId,
    partnership::DeliverableDraft,
    quarter::QuarterId,
    sow::{Conversion, Deliverable, DeliverableStatus, StatementOfWork},
};

use super::fields::{
    CurrencySelect, MarketChoice, MarketSelect, QuarterPicker, amount_text, currency_text,
    parse_count, parse_day, parse_money, parse_number,
};
use crate::i18n::{day, money, t, tf, tk};
use crate::{browser::random_16, editor::Editor};

fn status_label(s: DeliverableStatus) -> &'static str {
    match s {
        DeliverableStatus::Planned => t("Planned"),
        DeliverableStatus::DraftSubmitted => t("Draft submitted"),
        DeliverableStatus::Approved => t("Approved"),
        DeliverableStatus::Live => t("Live"),
    }
}

fn draft_of(d: &Deliverable) -> DeliverableDraft {
    DeliverableDraft {
        platform: d.platform.as_str().to_owned(),
        format: d.format.as_str().to_owned(),
        count: d.count,
        market: d.market,
        live_from: d.live_from,
        live_to: d.live_to,
        owner: d.owner.as_str().to_owned(),
        status: d.status,
        paid: d.paid,
        erid: d.erid.as_str().to_owned(),
        reklama_label: d.reklama_label,
    }
}

#[component]
pub fn SowTab() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let quarter = RwSignal::new(None::<QuarterId>);
    let sow = Memo::new(move |_| {
        let q = quarter.get()?;
        editor
            .view
            .with(|p| p.quarters.get(&q).map(|x| x.sow.clone()))
    });
    view! {
        <section class="card">
            <div class="card-head">
                <h2>{t("Statement of work")}</h2>
                <QuarterPicker selected=quarter label="Quarter"/>
            </div>
            {move || match (quarter.get(), sow.get()) {
                (Some(q), Some(_)) => view! { <SowBody q sow/> }.into_any(),
                _ => view! { <p class="muted">{t("No quarter selected.")}</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn SowBody(q: QuarterId, sow: Memo<Option<StatementOfWork>>) -> impl IntoView {
    let ids = Memo::new(move |_| {
        sow.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.deliverables_in_order()
                        .into_iter()
                        .map(|(id, _)| id.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    view! {
        <h3 class="section-label">{t("Deliverables")}</h3>
        <Show when=move || ids.with(Vec::is_empty)>
            <p class="muted">{t("No deliverables yet.")}</p>
        </Show>
        <ul class="deliverables" data-testid="deliverables">
            <For each=move || ids.get() key=|id| id.clone() children=move |id| view! { <DeliverableRow q id sow/> }/>
        </ul>
        <AddDeliverable q/>
        <Approval q sow/>
        <Compensation q sow/>
    }
}

#[component]
fn DeliverableRow(
    q: QuarterId,
    id: CampaignId,
    sow: Memo<Option<StatementOfWork>>,
) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let id = StoredValue::new(id);
    let d = Memo::new(move |_| {
        sow.with(|s| {
            s.as_ref()
                .and_then(|s| id.with_value(|id| s.deliverables.get(id).cloned()))
        })
    });
    let update = move |change: &dyn Fn(&mut DeliverableDraft)| {
        let Some(mut draft) = d.with_untracked(|d| d.as_ref().map(draft_of)) else {
            return;
        };
        change(&mut draft);
        let id = id.get_value();
        editor.edit("edit a deliverable", move |p| {
            p.update_deliverable(q, &id, draft)
        });
    };
    let remove = move |_| {
        let id = id.get_value();
        editor.edit("remove a deliverable", move |p| {
            p.remove_deliverable(q, &id)
        });
    };
    let field_id = move |name: &str| id.with_value(|id| format!("{name}-{id}"));
    let describe = move || {
        d.with(|d| {
            d.as_ref().map(|d| {
                let window = match (d.live_from, d.live_to) {
                    (Some(a), Some(b)) => tf(", live {0} – {1}", &[&day(a), &day(b)]),
                    (Some(a), None) => tf(", live from {0}", &[&day(a)]),
                    _ => String::new(),
                };
                let owner = if d.owner.as_str().is_empty() {
                    String::new()
                } else {
                    format!(" · {}", d.owner.as_str())
                };
                let due = sow
                    .with(|s| s.as_ref().and_then(|s| s.draft_due(d)))
                    .map(|due| tf(" · draft due {0}", &[&day(tandem_domain::day::Day(due))]))
                    .unwrap_or_default();
                format!(
                    "{} × {} {} ({}){}{}{}",
                    d.count,
                    d.platform.as_str(),
                    d.format.as_str(),
                    d.market,
                    window,
                    due,
                    owner
                )
            })
        })
    };
    let is_ru_paid = move || {
        d.with(|d| {
            d.as_ref()
                .is_some_and(|d| d.paid && d.market.as_str() == "RU")
        })
    };
    view! {
        <Show when=move || d.with(Option::is_some)>
            <li class="deliverable" data-testid="deliverable">
                <p class="what">{describe}</p>
                <div class="deliverable-fields">
                    <div class="field">
                        <label for=field_id("status")>{t("Status")}</label>
                        <select id=field_id("status") data-testid="deliverable-status"
                            on:change=move |ev| { if let Ok(s) = event_target_value(&ev).parse::<DeliverableStatus>() { update(&|x| x.status = s) } }>
                            {DeliverableStatus::ALL.into_iter().map(|s| view! {
                                <option value=s.as_str() prop:selected=move || d.with(|d| d.as_ref().map(|d| d.status) == Some(s))>{status_label(s)}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field checkbox">
                        <label><input type="checkbox" data-testid="deliverable-paid"
                            prop:checked=move || d.with(|d| d.as_ref().is_some_and(|d| d.paid))
                            on:change=move |ev| { let v = event_target_checked(&ev); update(&|x| x.paid = v) }/>{t(" Paid post")}</label>
                    </div>
                    <Show when=is_ru_paid>
                        <div class="field">
                            <label for=field_id("erid")>{t("erid token")}</label>
                            <input id=field_id("erid") data-testid="deliverable-erid"
                                prop:value=move || d.with(|d| d.as_ref().map(|d| d.erid.as_str().to_owned()).unwrap_or_default())
                                on:change=move |ev| { let v = event_target_value(&ev); update(&|x| x.erid = v.clone()) }/>
                        </div>
                        <div class="field checkbox">
                            <label><input type="checkbox" data-testid="deliverable-reklama"
                                prop:checked=move || d.with(|d| d.as_ref().is_some_and(|d| d.reklama_label))
                                on:change=move |ev| { let v = event_target_checked(&ev); update(&|x| x.reklama_label = v) }/>
                                {t(" Labelled «Реклама»")}</label>
                        </div>
                    </Show>
                    <button type="button" class="danger" on:click=remove
                        aria-label=move || format!("Remove {}", describe().unwrap_or_default())>{t("Remove")}</button>
                </div>
                {move || d.with(|d| d.as_ref().and_then(|d| d.compliance_warning(crate::i18n::lang()))).map(|w| view! {
                    <p class="warning" role="alert" data-testid="compliance-warning">"⚠ " {w}</p>
                })}
            </li>
        </Show>
    }
}

#[component]
fn AddDeliverable(q: QuarterId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let platform = RwSignal::new(String::new());
    let format = RwSignal::new(String::new());
    let count = RwSignal::new("1".to_owned());
    let market = MarketChoice::new(editor);
    let live_from = RwSignal::new(String::new());
    let live_to = RwSignal::new(String::new());
    let owner = RwSignal::new(String::new());
    let paid = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let parsed = (|| -> Result<DeliverableDraft, String> {
            let count = parse_count(&count.get_untracked(), t("the count"))?.unwrap_or(1);
            Ok(DeliverableDraft {
                platform: platform.get_untracked(),
                format: format.get_untracked(),
                count: u32::try_from(count).map_err(|_| t("the count is too large").to_owned())?,
                market: market.get().ok_or(t("this partnership has no markets"))?,
                live_from: parse_day(&live_from.get_untracked())?,
                live_to: parse_day(&live_to.get_untracked())?,
                owner: owner.get_untracked(),
                status: DeliverableStatus::Planned,
                paid: paid.get_untracked(),
                erid: String::new(),
                reklama_label: false,
            })
        })();
        let draft = match parsed {
            Ok(d) => d,
            Err(e) => return error.set(Some(e)),
        };
        let mut refusal = None;
        let message = format!(
            "added deliverable “{} {} ×{}” ({}) to the {q} SOW",
            draft.platform.as_str(),
            draft.format.as_str(),
            draft.count,
            draft.market
        );
        let ok = editor.edit(&message, |p| {
            p.add_deliverable(q, CampaignId::from_random(random_16()), draft)
                .inspect_err(|e| refusal = Some(e.describe(crate::i18n::lang())))
        });
        if ok {
            platform.set(String::new());
            format.set(String::new());
            count.set("1".into());
            error.set(None);
        } else {
            editor.error.set(None);
            error.set(refusal);
        }
    };
    let input = |id: &'static str,
                 label: &'static str,
                 value: RwSignal<String>,
                 kind: &'static str| {
        view! {
            <div class="field">
                <label for=id>{t(label)}</label>
                <input id=id data-testid=id type=kind prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    view! {
        <form class="add-campaign" on:submit=submit data-testid="add-deliverable">
            <fieldset>
                <legend>{t("Add a deliverable")}</legend>
                <div class="campaign-fields">
                    {input("new-platform", tk("Platform"), platform, "text")}
                    {input("new-format", tk("Format"), format, "text")}
                    {input("new-count", tk("Count"), count, "text")}
                    <div class="field">
                        <label for="new-deliverable-market">{t("Market")}</label>
                        <MarketSelect id="new-deliverable-market".to_owned() choice=market/>
                    </div>
                    {input("new-live-from", tk("Live from"), live_from, "date")}
                    {input("new-live-to", tk("Live until"), live_to, "date")}
                    {input("new-owner", tk("Owner"), owner, "text")}
                    <div class="field checkbox">
                        <label><input type="checkbox" prop:checked=move || paid.get() on:change=move |ev| paid.set(event_target_checked(&ev))/>{t(" Paid post")}</label>
                    </div>
                    <button type="submit" class="primary add">{t("Add deliverable")}</button>
                </div>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </fieldset>
        </form>
    }
}

#[component]
fn Approval(q: QuarterId, sow: Memo<Option<StatementOfWork>>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let set = move |which: usize, raw: String| {
        let Some(s) = sow.get_untracked() else { return };
        let mut values = [
            s.draft_due_days_before_live,
            s.review_days,
            s.revision_rounds,
        ];
        match parse_count(&raw, t("the number")).map(|n| n.map(u32::try_from)) {
            Ok(Some(Ok(n))) => values[which] = n,
            Ok(None) => values[which] = 0,
            Ok(Some(Err(_))) => return editor.error.set(Some(t("the number is too large").into())),
            Err(e) => return editor.error.set(Some(e)),
        }
        editor.edit("set approval rules", |p| {
            p.set_approval(q, values[0], values[1], values[2])
        });
    };
    let field = move |i: usize, id: &'static str, label: &'static str| {
        view! {
            <div class="field">
                <label for=id>{t(label)}</label>
                <input id=id data-testid=id inputmode="numeric"
                    prop:value=move || sow.with(|s| s.as_ref().map(|s| [s.draft_due_days_before_live, s.review_days, s.revision_rounds][i].to_string()).unwrap_or_default())
                    on:change=move |ev| set(i, event_target_value(&ev))/>
            </div>
        }
    };
    view! {
        <h3 class="section-label">{t("Approval")}</h3>
        <div class="field-row">
            {field(0, "draft-due", tk("Draft due (days before live)"))}
            {field(1, "review-days", tk("Review (days)"))}
            {field(2, "revision-rounds", tk("Revision rounds"))}
        </div>
    }
}

#[component]
fn Compensation(q: QuarterId, sow: Memo<Option<StatementOfWork>>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let amount =
        RwSignal::new(sow.with_untracked(|s| amount_text(s.as_ref().and_then(|s| s.compensation))));
    let currency = RwSignal::new(
        sow.with_untracked(|s| currency_text(s.as_ref().and_then(|s| s.compensation), "RUB")),
    );
    let kill_fee =
        RwSignal::new(sow.with_untracked(|s| amount_text(s.as_ref().and_then(|s| s.kill_fee))));
    let conversion = sow.with_untracked(|s| s.as_ref().and_then(|s| s.conversion.clone()));
    let rate = RwSignal::new(
        conversion
            .as_ref()
            .map(|c| c.rate.to_string())
            .unwrap_or_default(),
    );
    let rate_date = RwSignal::new(
        conversion
            .as_ref()
            .map(|c| c.rate_date.to_string())
            .unwrap_or_default(),
    );
    let to = RwSignal::new(
        conversion
            .as_ref()
            .map(|c| c.to.to_string())
            .unwrap_or_else(|| "USD".into()),
    );
    let split = RwSignal::new(sow.with_untracked(|s| {
        s.as_ref()
            .map(|s| s.payment_split.as_str().to_owned())
            .unwrap_or_default()
    }));
    let terms = RwSignal::new(sow.with_untracked(|s| {
        s.as_ref()
            .map(|s| s.payment_terms.as_str().to_owned())
            .unwrap_or_default()
    }));
    let saved = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let parsed = (|| -> Result<_, String> {
            let cur = currency.get_untracked();
            let money = parse_money(&amount.get_untracked(), &cur, t("Compensation"))?;
            let kill = parse_money(&kill_fee.get_untracked(), &cur, t("Kill fee"))?;
            let conversion = if rate.get_untracked().trim().is_empty() {
                None
            } else {
                let date = parse_day(&rate_date.get_untracked())?
                    .ok_or(t("a conversion needs the date of its rate"))?;
                Some(Conversion {
                    rate: parse_number(&rate.get_untracked(), t("the rate"))?,
                    rate_date: date,
                    to: to
                        .get_untracked()
                        .parse()
                        .map_err(|e: tandem_domain::money::CurrencyParseError| e.to_string())?,
                })
            };
            Ok((money, kill, conversion))
        })();
        match parsed {
            Ok((money, kill, conversion)) => {
                if editor.edit("set compensation", |p| {
                    p.set_compensation(q, money, kill, conversion)
                }) {
                    saved.set(Some(t("Compensation saved").into()));
                }
            }
            Err(e) => editor.error.set(Some(e)),
        }
    };
    let converted = move || {
        sow.with(|s| {
            s.as_ref()
                .and_then(|s| s.converted_compensation_in(crate::i18n::lang()))
        })
        .map(|(m, how)| format!("≈ {} ({how})", money(&m)))
    };
    view! {
        <h3 class="section-label">{t("Compensation")}</h3>
        <form class="compensation" on:submit=submit data-testid="compensation">
            <div class="field-row">
                <div class="field">
                    <label for="comp-amount">{t("Amount")}</label>
                    <input id="comp-amount" data-testid="comp-amount" inputmode="decimal" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="comp-currency">{t("Currency")}</label>
                    <CurrencySelect id="comp-currency".into() value=currency.into() on_change=move |c| currency.set(c)/>
                </div>
                <div class="field">
                    <label for="kill-fee">{t("Kill fee")}</label>
                    <input id="kill-fee" inputmode="decimal" prop:value=move || kill_fee.get() on:input=move |ev| kill_fee.set(event_target_value(&ev))/>
                </div>
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="rate">{t("Conversion rate (optional)")}</label>
                    <input id="rate" inputmode="decimal" prop:value=move || rate.get() on:input=move |ev| rate.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="rate-to">{t("Into")}</label>
                    <CurrencySelect id="rate-to".into() value=to.into() on_change=move |c| to.set(c)/>
                </div>
                <div class="field">
                    <label for="rate-date">{t("Rate date")}</label>
                    <input id="rate-date" type="date" prop:value=move || rate_date.get() on:input=move |ev| rate_date.set(event_target_value(&ev))/>
                </div>
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="payment-split">{t("Payment split")}</label>
                    <input id="payment-split" placeholder=t("e.g. 50% on signing, 50% after the last post") prop:value=move || split.get() on:input=move |ev| split.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="sow-payment-terms">{t("Payment terms")}</label>
                    <input id="sow-payment-terms" placeholder=t("e.g. within 14 days of invoice; outside platforms for RU") prop:value=move || terms.get() on:input=move |ev| terms.set(event_target_value(&ev))/>
                </div>
            </div>
            <div class="actions">
                <span class="muted" data-testid="converted">{converted}</span>
                <span class="ok" role="status">{move || saved.get()}</span>
                <button type="submit" class="primary">{t("Save compensation")}</button>
            </div>
        </form>
    }
}
