//! The payments ledger both sides see: totals per currency, how the creator is paid (and
//! so which documents each payment needs), each payment with its status and dates, late
//! from the day after it is due; payments planned from a quarter's SOW in one step.

use leptos::{ev::SubmitEvent, prelude::*};
use tandem_domain::{
    command::Command,
    day::Day,
    ids::PaymentId,
    partnership::payments::PaymentDraft,
    payment::{Payment, PaymentDocument, PaymentStatus, TaxStatus, required_documents, totals},
    quarter::QuarterId,
    removal::Target,
    sow::Conversion,
};

use crate::components::autosave::{AutoField, Form};
use crate::components::field_message::FieldMessage;
use crate::components::fields::{
    CurrencySelect, amount_text, parse_day, parse_money, parse_number, today,
};
use crate::components::undo_toast::remove_with_undo;
use crate::components::unsaved::{Draft, DraftMark, Unsaved};
use crate::i18n::{day, lang, money, t, tf, tk};
use crate::{browser::random_16, editor::Editor};

#[component]
pub fn PaymentsTab() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let ids = Memo::new(move |_| {
        editor.view.with(|p| {
            p.payments_in_order()
                .into_iter()
                .map(|(id, _)| id.clone())
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="card" data-testid="payments">
            <div class="card-head">
                <h2>{t("Payments")}</h2>
            </div>
            <Totals/>
            <TaxField/>
            <Plan/>
            <Show when=move || ids.with(Vec::is_empty)>
                <p class="muted">{t("No payments yet. Plan them from a quarter's statement of work, or add one below.")}</p>
            </Show>
            <ul class="payments" data-testid="payment-list">
                <For each=move || ids.get() key=|id| id.clone() children=move |id| view! { <PaymentRow id/> }/>
            </ul>
            <AddPayment/>
        </section>
    }
}

/// Paid, due and late, one line per currency (never added across currencies).
#[component]
fn Totals() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let lines = Memo::new(move |_| {
        editor.view.with(|p| {
            totals(p.payments.values(), today())
                .values()
                .map(|x| {
                    (
                        money(&x.paid),
                        money(&x.due),
                        money(&x.late),
                        x.late.minor > 0,
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <Show when=move || lines.with(|l| !l.is_empty())>
            <table class="payment-totals" data-testid="payment-totals">
                <thead><tr>
                    <th scope="col">{t("Paid")}</th>
                    <th scope="col">{t("Still due")}</th>
                    <th scope="col">{t("Late")}</th>
                </tr></thead>
                <tbody>
                    {move || lines.get().into_iter().map(|(paid, due, late, is_late)| view! {
                        <tr>
                            <td>{paid}</td>
                            <td>{due}</td>
                            <td class:late=is_late>{late}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </Show>
    }
}

#[component]
fn TaxField() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tax = Memo::new(move |_| editor.view.with(|p| p.agreement.creator_tax));
    view! {
        <div class="field">
            <label for="creator-tax">{t("How the creator is paid")}</label>
            <select id="creator-tax" data-testid="creator-tax"
                on:change=move |ev| {
                    if let Some(x) = TaxStatus::ALL.into_iter().find(|x| x.as_str() == event_target_value(&ev)) {
                        editor.edit(Command::SetCreatorTax(x));
                    }
                }>
                {TaxStatus::ALL.into_iter().map(|x| view! {
                    <option value=x.as_str() prop:selected=move || tax.get() == x>{x.words(lang())}</option>
                }).collect_view()}
            </select>
            <p class="field-hint">{t("Decides the documents each payment needs.")}</p>
        </div>
    }
}

/// A button per quarter whose SOW has a compensation and a split but no payments yet.
#[component]
fn Plan() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let plannable = Memo::new(move |_| {
        editor.view.with(|p| {
            p.quarters
                .iter()
                .filter(|(q, x)| {
                    x.sow.compensation.is_some()
                        && !x.sow.payment_split.as_str().trim().is_empty()
                        && !p.payments.values().any(|pay| pay.quarter == Some(**q))
                })
                .map(|(q, _)| *q)
                .collect::<Vec<_>>()
        })
    });
    let error = RwSignal::new(None::<(QuarterId, String)>);
    let plan = move |q: QuarterId| {
        let ids = (0..12)
            .map(|_| PaymentId::from_random(random_16()))
            .collect();
        match editor.edit_or_say(Command::PlanPayments { quarter: q, ids }) {
            Ok(_) => error.set(None),
            Err(e) => {
                editor.error.set(None);
                error.set(Some((q, e)));
            }
        }
    };
    view! {
        <For each=move || plannable.get() key=|q| *q children=move |q| {
            let id = format!("plan-payments-{q}");
            view! {
                <div class="plan-payments">
                    <button type="button" class="primary" id=id.clone() data-testid=id.clone()
                        aria-describedby=format!("{id}-error") on:click=move |_| plan(q)>
                        {tf("Plan the {0} payments from its statement of work", &[&q])}
                    </button>
                    <p class="error" id=format!("{id}-error") role="alert">
                        {move || error.get().filter(|(x, _)| *x == q).map(|(_, e)| e)}
                    </p>
                </div>
            }
        }/>
    }
}

/// The draft a payment's fields hold now.
fn draft_of(p: &Payment) -> PaymentDraft {
    PaymentDraft {
        label: p.label.as_str().to_owned(),
        quarter: p.quarter,
        amount: p.amount,
        due: p.due,
        status: p.status,
        paid_on: p.paid_on,
        reference: p.reference.as_str().to_owned(),
        paid_in: p.paid_in.clone(),
    }
}

/// How a payment field reads its stored value.
type Read = fn(&Payment, &str) -> String;

#[component]
fn PaymentRow(id: PaymentId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let form = Form::new();
    let unsaved = Unsaved::get();
    let id = StoredValue::new(id);
    let payment = Memo::new(move |_| {
        editor
            .view
            .with(|p| id.with_value(|id| p.payments.get(id).cloned()))
    });
    let home = Memo::new(move |_| editor.view.with(|p| p.home_currency().to_string()));
    let key = move |name: &str| id.with_value(|id| format!("pay-{name}-{id}"));
    let stored = move |read: Read| {
        Signal::derive(move || {
            home.with(|h| payment.with(|p| p.as_ref().map(|p| read(p, h)).unwrap_or_default()))
        })
    };
    let untracked = move |read: Read| {
        home.with_untracked(|h| {
            payment.with_untracked(|p| p.as_ref().map(|p| read(p, h)).unwrap_or_default())
        })
    };
    let label_of: Read = |p, _| p.label.as_str().to_owned();
    let amount_of: Read = |p, _| amount_text(p.amount);
    let currency_of: Read = |p, h| p.amount.map_or(h.to_owned(), |m| m.currency.to_string());
    let due_of: Read = |p, _| p.due.map(|d| d.to_string()).unwrap_or_default();
    let status_of: Read = |p, _| p.status.as_str().to_owned();
    let paid_on_of: Read = |p, _| p.paid_on.map(|d| d.to_string()).unwrap_or_default();
    let reference_of: Read = |p, _| p.reference.as_str().to_owned();
    let rate_of: Read = |p, _| {
        p.paid_in
            .as_ref()
            .map(|c| c.rate.to_string())
            .unwrap_or_default()
    };
    let rate_to_of: Read = |p, h| {
        p.paid_in.as_ref().map_or_else(
            || {
                // The other of RUB and USD by default: the usual cross-border pair.
                if p.amount.map_or(h.to_owned(), |m| m.currency.to_string()) == "USD" {
                    "RUB".to_owned()
                } else {
                    "USD".to_owned()
                }
            },
            |c| c.to.to_string(),
        )
    };
    let rate_date_of: Read = |p, _| {
        p.paid_in
            .as_ref()
            .map(|c| c.rate_date.to_string())
            .unwrap_or_default()
    };
    // Saves the payment as its fields hold it now; a refusal names its field.
    let save = move |changed: String, raw: String| {
        let Some(before) = payment.with_untracked(|p| p.as_ref().map(draft_of)) else {
            return;
        };
        let value = |name: &str, read: Read| {
            let k = key(name);
            if k == changed {
                raw.clone()
            } else {
                form.current(&k, untracked(read))
            }
        };
        let parsed = (|| -> Result<PaymentDraft, (String, String)> {
            let at = |name: &str| {
                let k = key(name);
                move |m: String| (k, m)
            };
            let currency = value("currency", currency_of);
            let amount = parse_money(&value("amount", amount_of), &currency, t("the amount"))
                .map_err(at("amount"))?;
            let status = value("status", status_of)
                .parse::<PaymentStatus>()
                .map_err(|e| (key("status"), e.to_string()))?;
            let mut paid_on = parse_day(&value("paid-on", paid_on_of)).map_err(at("paid-on"))?;
            if status == PaymentStatus::Paid && paid_on.is_none() {
                // Marked paid without a date: paid today, which the field then shows.
                paid_on = Some(Day(today()));
            }
            let rate = value("rate", rate_of);
            let date = value("rate-date", rate_date_of);
            let paid_in = match (rate.trim().is_empty(), date.trim().is_empty()) {
                (true, true) => None,
                (false, true) => {
                    return Err((
                        key("rate-date"),
                        t("a conversion needs the date of its rate").into(),
                    ));
                }
                (true, false) => {
                    return Err((key("rate"), t("a conversion needs its rate").into()));
                }
                (false, false) => Some(Conversion {
                    rate: parse_number(&rate, t("the rate")).map_err(at("rate"))?,
                    rate_date: parse_day(&date).map_err(at("rate-date"))?.ok_or_else(|| {
                        (
                            key("rate-date"),
                            t("a conversion needs the date of its rate").to_owned(),
                        )
                    })?,
                    to: value("rate-to", rate_to_of).parse().map_err(
                        |e: tandem_domain::money::CurrencyParseError| {
                            (key("rate-to"), e.to_string())
                        },
                    )?,
                }),
            };
            Ok(PaymentDraft {
                label: value("label", label_of),
                quarter: before.quarter,
                amount,
                due: parse_day(&value("due", due_of)).map_err(at("due"))?,
                status,
                paid_on,
                reference: value("reference", reference_of),
                paid_in,
            })
        })();
        let outcome = parsed.and_then(|draft| {
            editor
                .edit_or_say(Command::UpdatePayment {
                    id: id.get_value(),
                    draft: Box::new(draft),
                })
                .map(|_| ())
                .map_err(|m| (changed.clone(), m))
        });
        form.settle(&changed, &raw, outcome);
    };
    let field = move |name: &'static str, label: &'static str, read: Read, kind: &'static str| {
        let k = key(name);
        view! {
            <AutoField form id=k.clone() label=t(label).to_owned() stored=stored(read)
                kind=kind inputmode=(name == "amount" || name == "rate").then_some("decimal")
                on_save=Callback::new(move |raw| save(k.clone(), raw))/>
        }
    };
    let select_value = move |name: &'static str, read: Read| {
        let k = key(name);
        Signal::derive(move || unsaved.value(&k).unwrap_or_else(|| stored(read).get()))
    };
    let currency = move |name: &'static str, label: &'static str, read: Read| {
        let k = key(name);
        let note = form.note(&k);
        let for_save = k.clone();
        view! {
            <div class="field small">
                <label for=k.clone()>{t(label)}</label>
                <CurrencySelect id=k.clone() value=select_value(name, read)
                    on_change=move |c| save(for_save.clone(), c)/>
                <FieldMessage field=k note/>
            </div>
        }
    };
    let status_key = StoredValue::new(key("status"));
    let status_note = form.note(&status_key.get_value());
    let status_value = select_value("status", status_of);
    let is_paid = Memo::new(move |_| {
        payment.with(|p| p.as_ref().map(|p| p.status)) == Some(PaymentStatus::Paid)
    });
    let late = Memo::new(move |_| payment.with(|p| p.as_ref().is_some_and(|p| p.late(today()))));
    let title = move || {
        payment.with(|p| {
            p.as_ref()
                .map(|p| {
                    let mut s = p.label.as_str().trim().to_owned();
                    if let Some(m) = p.amount {
                        s = format!("{s} — {}", money(&m));
                    }
                    if let Some(q) = p.quarter {
                        s = format!("{s} ({q})");
                    }
                    s
                })
                .unwrap_or_default()
        })
    };
    let due_words = move || {
        payment.with(|p| {
            p.as_ref().and_then(|p| match (p.status, p.paid_on, p.due) {
                (PaymentStatus::Paid, Some(on), _) => Some(tf("paid on {0}", &[&day(on)])),
                (_, _, Some(due)) => Some(tf("due {0}", &[&day(due)])),
                _ => None,
            })
        })
    };
    let documents = Memo::new(move |_| {
        editor.view.with(|p| {
            payment.with(|x| {
                x.as_ref()
                    .and_then(|x| x.amount.map(|m| (x, m)))
                    .map(|(x, m)| {
                        required_documents(p.agreement.creator_tax, m.currency)
                            .into_iter()
                            .map(|d| (d, x.holds(d)))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
        })
    });
    let tick = move |doc: PaymentDocument, held: bool| {
        editor.edit(Command::SetPaymentDocument {
            id: id.get_value(),
            document: doc,
            held,
        });
    };
    let remove = move |_| {
        remove_with_undo(
            editor,
            t("Payment removed").to_owned(),
            Target::Payment(id.get_value()),
        );
    };
    view! {
        <Show when=move || payment.with(Option::is_some)>
            <li class="payment" data-testid="payment" class:is-late=move || late.get()>
                <p class="what">
                    <span data-testid="payment-title">{title}</span>
                    " "
                    <span class="chip" data-testid="payment-status-chip">{move || payment.with(|p| p.as_ref().map(|p| p.status.words(lang())))}</span>
                    <Show when=move || late.get()>
                        " "<span class="chip late" data-testid="payment-late">{t("Late")}</span>
                    </Show>
                    " "<span class="muted">{due_words}</span>
                </p>
                <div class="payment-fields">
                    {field("label", tk("What it is for"), label_of, "text")}
                    {field("amount", tk("Amount"), amount_of, "text")}
                    {currency("currency", tk("Currency"), currency_of)}
                    {field("due", tk("Due"), due_of, "date")}
                    <div class="field">
                        <label for=status_key.get_value()>{t("Status")}</label>
                        <select id=status_key.get_value() data-testid="payment-status"
                            on:change=move |ev| save(status_key.get_value(), event_target_value(&ev))>
                            {PaymentStatus::ALL.into_iter().map(|s| view! {
                                <option value=s.as_str() prop:selected=move || status_value.get() == s.as_str()>{s.words(lang())}</option>
                            }).collect_view()}
                        </select>
                        <FieldMessage field=status_key.get_value() note=status_note/>
                    </div>
                    <Show when=move || is_paid.get()>
                        {field("paid-on", tk("Paid on"), paid_on_of, "date")}
                    </Show>
                    {field("reference", tk("Payment reference"), reference_of, "text")}
                </div>
                <div class="payment-fields">
                    {field("rate", tk("Paid in another currency: rate"), rate_of, "text")}
                    {currency("rate-to", tk("Into"), rate_to_of)}
                    {field("rate-date", tk("Rate date"), rate_date_of, "date")}
                    <p class="muted" data-testid="payment-converted">{move || payment.with(|p| p.as_ref().and_then(Payment::paid_amount)).map(|m| format!("≈ {}", money(&m)))}</p>
                </div>
                <Show when=move || documents.with(|d| !d.is_empty())>
                    <fieldset class="payment-documents">
                        <legend>{t("Documents")}</legend>
                        {move || documents.get().into_iter().map(|(doc, held)| view! {
                            <div class="field checkbox">
                                <label><input type="checkbox" data-testid=format!("payment-doc-{}", doc.as_str())
                                    prop:checked=held
                                    on:change=move |ev| tick(doc, event_target_checked(&ev))/>
                                    " " {doc.words(lang())}</label>
                            </div>
                        }).collect_view()}
                    </fieldset>
                </Show>
                <button type="button" class="danger" on:click=remove
                    aria-label=move || tf("Remove “{0}”", &[&title()])>{t("Remove")}</button>
            </li>
        </Show>
    }
}

#[component]
fn AddPayment() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let label = Draft::new(&editor.id, "payment-new-label", String::new());
    let amount = Draft::new(&editor.id, "payment-new-amount", String::new());
    let due = Draft::new(&editor.id, "payment-new-due", String::new());
    let home = Memo::new(move |_| editor.view.with(|p| p.home_currency().to_string()));
    let currency = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let cur = currency
            .get_untracked()
            .unwrap_or_else(|| home.get_untracked());
        let parsed = (|| -> Result<PaymentDraft, String> {
            Ok(PaymentDraft {
                label: label.get_untracked(),
                quarter: None,
                amount: parse_money(&amount.get_untracked(), &cur, t("the amount"))?,
                due: parse_day(&due.get_untracked())?,
                status: PaymentStatus::Expected,
                paid_on: None,
                reference: String::new(),
                paid_in: None,
            })
        })();
        let draft = match parsed {
            Ok(d) => d,
            Err(e) => return error.set(Some(e)),
        };
        match editor.edit_or_say(Command::AddPayment {
            id: PaymentId::from_random(random_16()),
            draft: Box::new(draft),
        }) {
            Ok(_) => {
                for d in [label, amount, due] {
                    d.set(String::new());
                }
                error.set(None);
            }
            Err(e) => {
                editor.error.set(None);
                error.set(Some(e));
            }
        }
    };
    let input = |id: &'static str, text: &'static str, value: Draft, kind: &'static str| {
        view! {
            <div class="field">
                <label for=id>{t(text)}</label>
                <input id=id data-testid=id type=kind inputmode=(id == "new-payment-amount").then_some("decimal")
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    view! {
        <form class="add-campaign" on:submit=submit data-testid="add-payment" data-draft="">
            <fieldset>
                <legend>{t("Add a payment")}</legend>
                <div class="campaign-fields">
                    {input("new-payment-label", tk("What it is for"), label, "text")}
                    {input("new-payment-amount", tk("Amount"), amount, "text")}
                    <div class="field small">
                        <label for="new-payment-currency">{t("Currency")}</label>
                        <CurrencySelect id="new-payment-currency".into()
                            value=Signal::derive(move || currency.get().unwrap_or_else(|| home.get()))
                            on_change=move |c| currency.set(Some(c))/>
                    </div>
                    {input("new-payment-due", tk("Due"), due, "date")}
                    <button type="submit" class="primary add">{t("Add payment")}</button>
                    <DraftMark drafts=vec![label, amount, due]/>
                </div>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </fieldset>
        </form>
    }
}
