//! The quarterly business review of a chosen quarter: what both sides bring (recap,
//! risks, action items, asks and commitments, next quarter's objectives, the budget) and
//! the pack generated from the partnership — shown here, downloadable as Markdown,
//! printable as a PDF.

use leptos::{ev::SubmitEvent, prelude::*};
use tandem_domain::{
    campaign::CampaignId,
    qbr::{QbrText, qbr_markdown},
    quarter::QuarterId,
};

use super::{
    collab_text::CollabTextarea,
    export_menu::{current_quarter, render_markdown},
    fields::{CurrencySelect, QuarterPicker, amount_text, currency_text, parse_day, parse_money},
};
use crate::i18n::{day, t, tf, tk};
use crate::{
    browser::{download, random_16},
    editor::Editor,
};

#[component]
pub fn QbrTab() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let quarter = RwSignal::new(editor.view.with_untracked(current_quarter));
    view! {
        <section class="card qbr" data-testid="qbr">
            <div class="qbr-head">
                <h2>{t("Quarterly business review")}</h2>
                <QuarterPicker selected=quarter label="Quarter"/>
            </div>
            {move || quarter.get().map(|q| view! { <QbrFor q/> })}
        </section>
    }
}

#[component]
fn QbrFor(q: QuarterId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let text = move |field: QbrText,
                     id: &'static str,
                     label: &'static str,
                     placeholder: &'static str| {
        view! {
            <div class="field">
                <label for=format!("{id}-{q}")>{t(label)}</label>
                <CollabTextarea id=format!("{id}-{q}") test_id=id.to_owned() rows=2 placeholder=placeholder
                    value=Signal::derive(move || editor.view.with(|p| p.qbrs.get(&q).map(|r| r.text(field).to_owned()).unwrap_or_default()))
                    on_input=move |value: String| {
                        editor.edit(&format!("changed the {q} review: {}", label.to_lowercase()), |p| p.set_qbr_text(q, field, &value));
                    }/>
            </div>
        }
    };
    let (brand, creator) = editor
        .view
        .with_untracked(|p| (p.brand.as_str().to_owned(), p.creator.as_str().to_owned()));
    let pack = Memo::new(move |_| {
        editor
            .view
            .with(|p| qbr_markdown(p, q, crate::i18n::lang()))
    });
    let save_md = move |_| {
        let name = editor.view.with_untracked(|p| {
            format!(
                "{} × {} — {}.md",
                p.brand.as_str(),
                p.creator.as_str(),
                tf("QBR {0}", &[&q])
            )
        });
        if let Err(e) = download(
            &name,
            pack.get_untracked().as_bytes(),
            "text/markdown;charset=utf-8",
        ) {
            editor
                .error
                .set(Some(tf("the file could not be saved: {0}", &[&e])));
        }
    };
    let id = editor.id;
    view! {
        <div class="qbr-inputs">
            {text(QbrText::Recap, "qbr-recap", tk("Recap in your words"), t("What happened this quarter, beyond the numbers"))}
            <Budget q/>
            <Items q action=false/>
            <Items q action=true/>
            {text(QbrText::ObjectivesNext, "qbr-objectives", tk("Next quarter's objectives"), t("What we aim for next quarter"))}
            <div class="two-sides">
                <div>
                    <h3>{brand.clone()}</h3>
                    {text(QbrText::BrandAsk, "qbr-brand-ask", tk("One ask"), t("What the brand asks of the creator"))}
                    {text(QbrText::BrandCommitment, "qbr-brand-commitment", tk("One commitment"), t("What the brand commits to"))}
                </div>
                <div>
                    <h3>{creator.clone()}</h3>
                    {text(QbrText::CreatorAsk, "qbr-creator-ask", tk("One ask"), t("What the creator asks of the brand"))}
                    {text(QbrText::CreatorCommitment, "qbr-creator-commitment", tk("One commitment"), t("What the creator commits to"))}
                </div>
            </div>
        </div>
        <div class="qbr-pack">
            <div class="pack-actions">
                <h3>{t("The pack")}</h3>
                <button type="button" class="small-button" data-testid="qbr-markdown" on:click=save_md>{t("Download Markdown")}</button>
                <a class="small-button button" data-testid="qbr-print" href=format!("/p/{id}/print?doc=qbr&q={q}")>{t("Print / Save as PDF")}</a>
            </div>
            <article class="printable" data-testid="qbr-pack">{move || render_markdown(&pack.get())}</article>
        </div>
    }
}

#[component]
fn Budget(q: QuarterId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let budget = Memo::new(move |_| editor.view.with(|p| p.qbrs.get(&q).and_then(|r| r.budget)));
    let amount = RwSignal::new(amount_text(budget.get_untracked()));
    let currency = RwSignal::new(currency_text(budget.get_untracked(), "RUB"));
    let error = RwSignal::new(None::<String>);
    let commit = move || match parse_money(
        &amount.get_untracked(),
        &currency.get_untracked(),
        t("the budget"),
    ) {
        Ok(m) => {
            error.set(None);
            editor.edit(&format!("set the {q} budget"), |p| p.set_qbr_budget(q, m));
        }
        Err(e) => error.set(Some(e)),
    };
    view! {
        <div class="field budget">
            <label for=format!("qbr-budget-{q}")>{t("Budget (empty: the SOW's compensation)")}</label>
            <div class="row">
                <input id=format!("qbr-budget-{q}") type="text" inputmode="decimal" data-testid="qbr-budget"
                    prop:value=move || amount.get()
                    on:input=move |ev| amount.set(event_target_value(&ev))
                    on:change=move |_| commit()/>
                <CurrencySelect id=format!("qbr-currency-{q}") value=Signal::derive(move || currency.get())
                    on_change=move |c| { currency.set(c); commit(); }/>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

/// Risks (owner, due) or action items (owner, due, done).
#[component]
fn Items(q: QuarterId, action: bool) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let what = if action { "action" } else { "risk" };
    let list = Memo::new(move |_| {
        editor.view.with(|p| {
            let Some(r) = p.qbrs.get(&q) else {
                return Vec::new();
            };
            if action {
                r.actions
                    .iter()
                    .map(|(id, a)| {
                        (
                            id.clone(),
                            a.text.as_str().to_owned(),
                            a.owner.as_str().to_owned(),
                            a.due,
                            Some(a.done),
                        )
                    })
                    .collect()
            } else {
                r.risks
                    .iter()
                    .map(|(id, a)| {
                        (
                            id.clone(),
                            a.text.as_str().to_owned(),
                            a.owner.as_str().to_owned(),
                            a.due,
                            None,
                        )
                    })
                    .collect::<Vec<_>>()
            }
        })
    });
    let text = RwSignal::new(String::new());
    let owner = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let day = match parse_day(&due.get_untracked()) {
            Ok(d) => d,
            Err(e) => return error.set(Some(e)),
        };
        let (typed, o) = (text.get_untracked(), owner.get_untracked());
        let id = CampaignId::from_random(random_16());
        let mut refusal = None;
        let ok = editor.edit(
            &format!("added a {what} to the {q} review: “{}”", typed.trim()),
            |p| {
                p.add_qbr_item(q, id, action, &typed, &o, day)
                    .inspect_err(|e| refusal = Some(e.describe(crate::i18n::lang())))
            },
        );
        if ok {
            text.set(String::new());
            owner.set(String::new());
            due.set(String::new());
            error.set(None);
        } else if let Some(r) = refusal {
            error.set(Some(r));
        }
    };
    let title = if action {
        t("Action items agreed at this review")
    } else {
        t("Risks")
    };
    view! {
        <div class="qbr-items" data-testid=format!("qbr-{what}s")>
            <h3>{title}</h3>
            <ul>
                <For each=move || list.get() key=|i| (i.0.clone(), i.1.clone(), i.2.clone(), i.3, i.4) children=move |(id, text, o, d, done)| {
                    let remove_id = id.clone();
                    let label = text.clone();
                    view! {
                        <li>
                            {done.map(|done| {
                                let id = id.clone();
                                view! {
                                    <input type="checkbox" prop:checked=done aria-label=tf("Done: {0}", &[&label])
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            let id = id.clone();
                                            editor.edit("ticked an action item", move |p| p.set_action_done(q, &id, on));
                                        }/>
                                }
                            })}
                            " " <span>{text.clone()}</span>
                            <span class="muted">{if o.is_empty() { String::new() } else { format!(" — {o}") }}{d.map(|d| tf(", by {0}", &[&day(d)])).unwrap_or_default()}</span>
                            " "
                            <button type="button" class="small-button" aria-label=tf("Remove {0}", &[&text])
                                on:click=move |_| { let id = remove_id.clone(); editor.edit("removed an item from the review", move |p| p.remove_qbr_item(q, &id)); }>{t("Remove")}</button>
                        </li>
                    }
                }/>
            </ul>
            <form class="inline-form" on:submit=on_submit>
                <input type="text" aria-label=if action { t("New action") } else { t("New risk") } placeholder=if action { t("What will be done") } else { t("What could go wrong") }
                    data-testid=format!("new-{what}") prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
                <input type="text" aria-label=t("Owner") placeholder=t("Owner") data-testid=format!("new-{what}-owner")
                    prop:value=move || owner.get() on:input=move |ev| owner.set(event_target_value(&ev))/>
                <input type="date" aria-label=t("Due") data-testid=format!("new-{what}-due")
                    prop:value=move || due.get() on:input=move |ev| due.set(event_target_value(&ev))/>
                <button type="submit">{if action { t("Add action") } else { t("Add risk") }}</button>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}
