//! The base agreement: parties, term, checkpoints, renewal and notice, exclusivity, usage
//! rights, payment terms — and the dates that follow from them.

use leptos::prelude::*;
use tandem_domain::{agreement::Agreement, day::Day, partnership::AgreementText};

use super::{
    collab_text::CollabTextarea,
    fields::{parse_count, parse_day, today},
};
use crate::editor::Editor;
use crate::i18n::{day, lang, t, tf, tk};

fn text_of(a: &Agreement, field: AgreementText) -> String {
    match field {
        AgreementText::BrandLegalName => a.brand_legal_name.as_str(),
        AgreementText::CreatorLegalName => a.creator_legal_name.as_str(),
        AgreementText::ExclusivityCategory => a.exclusivity_category.as_str(),
        AgreementText::ExclusivityTerritory => a.exclusivity_territory.as_str(),
        AgreementText::UsageRights => a.usage_rights.as_str(),
        AgreementText::PaymentTerms => a.payment_terms.as_str(),
    }
    .to_owned()
}

/// A one-line text field of the agreement, saved when the person leaves it.
#[component]
fn AgreementLine(field: AgreementText, id: &'static str, label: &'static str) -> impl IntoView {
    let editor = expect_context::<Editor>();
    view! {
        <div class="field">
            <label for=id>{t(label)}</label>
            <input id=id data-testid=id
                prop:value=move || editor.view.with(|p| text_of(&p.agreement, field))
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    editor.edit(&format!("changed the agreement: {}", label.to_lowercase()), |p| {
                        p.set_agreement_text(field, &value);
                        Ok(())
                    });
                }/>
        </div>
    }
}

/// Prose of the agreement, typed into together.
#[component]
fn AgreementProse(field: AgreementText, id: &'static str, label: &'static str) -> impl IntoView {
    let editor = expect_context::<Editor>();
    view! {
        <div class="field">
            <label for=id>{t(label)}</label>
            <CollabTextarea id=id.to_owned() test_id=id.to_owned() rows=3 placeholder=""
                value=Signal::derive(move || editor.view.with(|p| text_of(&p.agreement, field)))
                on_input=move |value: String| {
                    editor.edit(&format!("changed the agreement: {}", label.to_lowercase()), |p| {
                        p.set_agreement_text(field, &value);
                        Ok(())
                    });
                }/>
        </div>
    }
}

/// "renewal notice (days)" → "Renewal notice (days)": labels double as the names in
/// error messages, which read lower-case mid-sentence.
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[component]
pub fn AgreementTab() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let agreement = Memo::new(move |_| editor.view.with(|p| p.agreement.clone()));
    let day_text = move |f: fn(&Agreement) -> Option<tandem_domain::day::Day>| {
        move || agreement.with(|a| f(a).map(|d| d.to_string()).unwrap_or_default())
    };
    let set_term = move |start: Option<String>, end: Option<String>| {
        let a = agreement.get_untracked();
        let start = start.map_or(Ok(a.term_start), |s| parse_day(&s));
        let end = end.map_or(Ok(a.term_end), |s| parse_day(&s));
        match (start, end) {
            (Ok(s), Ok(e)) => {
                editor.edit("set the term", |p| p.set_term(s, e));
            }
            (Err(e), _) | (_, Err(e)) => editor.error.set(Some(e)),
        }
    };
    // Renewal numbers are edited together; `which` says which one changed.
    let set_renewal = move |which: &'static str, raw: String| {
        let a = agreement.get_untracked();
        let number = |fallback: u32| -> Result<u32, String> {
            parse_count(&raw, t(which))?
                .map(|n| u32::try_from(n).map_err(|_| tf("{0} is too large", &[&t(which)])))
                .unwrap_or(Ok(fallback))
        };
        let result = match which {
            "months between checkpoints" => number(a.checkpoint_months).map(|n| {
                (
                    n,
                    a.renewal_notice_days,
                    a.termination_notice_days,
                    a.exclusivity_months,
                )
            }),
            "renewal notice (days)" => number(a.renewal_notice_days).map(|n| {
                (
                    a.checkpoint_months,
                    n,
                    a.termination_notice_days,
                    a.exclusivity_months,
                )
            }),
            "termination notice (days)" => number(a.termination_notice_days).map(|n| {
                (
                    a.checkpoint_months,
                    a.renewal_notice_days,
                    n,
                    a.exclusivity_months,
                )
            }),
            _ => parse_count(&raw, t(which))
                .and_then(|n| {
                    n.map(|n| u32::try_from(n).map_err(|_| tf("{0} is too large", &[&t(which)])))
                        .transpose()
                })
                .map(|n| {
                    (
                        a.checkpoint_months,
                        a.renewal_notice_days,
                        a.termination_notice_days,
                        n,
                    )
                }),
        };
        match result {
            Ok((months, notice, termination, exclusivity)) => {
                editor.edit("set renewal terms", |p| {
                    p.set_renewal(months, a.auto_renew, notice, termination, exclusivity)
                });
            }
            Err(e) => editor.error.set(Some(e)),
        }
    };
    let number_field = move |id: &'static str,
                             label: &'static str,
                             read: fn(&Agreement) -> String| {
        view! {
            <div class="field">
                <label for=id>{capitalized(t(label))}</label>
                <input id=id data-testid=id inputmode="numeric" prop:value=move || agreement.with(read)
                    on:change=move |ev| set_renewal(label, event_target_value(&ev))/>
            </div>
        }
    };
    let facts = move || {
        let a = agreement.get();
        let today = today();
        let next = a
            .next_checkpoint(today)
            .map(|d| tf("Next checkpoint: {0}", &[&day(Day(d))]))
            .unwrap_or_else(|| t("Next checkpoint: set the term to see the checkpoints").into());
        let notice = a
            .renewal_notice(today)
            .map(|w| {
                let mut s = w.describe_in(lang());
                if let Some(first) = s.get(0..1) {
                    s.replace_range(0..1, &first.to_uppercase());
                }
                s
            })
            .unwrap_or_else(|| {
                t("Renewal: set the end of the term to see the notice window").into()
            });
        let checkpoints = a
            .checkpoints()
            .iter()
            .map(|d| day(Day(*d)))
            .collect::<Vec<_>>()
            .join("; ");
        view! {
            <ul class="facts" data-testid="agreement-facts" aria-live="polite">
                <li data-testid="next-checkpoint">{next}</li>
                <li data-testid="notice-window">{notice}</li>
                <Show when={let c = checkpoints.clone(); move || !c.is_empty()}>
                    <li class="muted">{t("All checkpoints: ")} {checkpoints.clone()}</li>
                </Show>
            </ul>
        }
    };

    view! {
        <section class="card">
            <h2>{t("Base agreement")}</h2>
            {facts}
            <h3 class="section-label">{t("Parties")}</h3>
            <div class="field-row">
                <AgreementLine field=AgreementText::BrandLegalName id="brand-legal" label="Brand (legal name)"/>
                <AgreementLine field=AgreementText::CreatorLegalName id="creator-legal" label="Creator or agency (legal name)"/>
            </div>
            <h3 class="section-label">{t("Term and checkpoints")}</h3>
            <div class="field-row">
                <div class="field">
                    <label for="term-start">{t("Term starts")}</label>
                    <input id="term-start" data-testid="term-start" type="date" prop:value=day_text(|a| a.term_start)
                        on:change=move |ev| set_term(Some(event_target_value(&ev)), None)/>
                </div>
                <div class="field">
                    <label for="term-end">{t("Term ends")}</label>
                    <input id="term-end" data-testid="term-end" type="date" prop:value=day_text(|a| a.term_end)
                        on:change=move |ev| set_term(None, Some(event_target_value(&ev)))/>
                </div>
                {number_field("checkpoint-months", tk("months between checkpoints"), |a| a.checkpoint_months.to_string())}
            </div>
            <h3 class="section-label">{t("Renewal and termination")}</h3>
            <div class="field-row">
                <div class="field checkbox">
                    <label>
                        <input type="checkbox" data-testid="auto-renew" prop:checked=move || agreement.with(|a| a.auto_renew)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                let a = agreement.get_untracked();
                                editor.edit("set auto-renewal", |p| p.set_renewal(a.checkpoint_months, on, a.renewal_notice_days, a.termination_notice_days, a.exclusivity_months));
                            }/>
                        {t(" Renews automatically")}
                    </label>
                </div>
                {number_field("renewal-notice", tk("renewal notice (days)"), |a| a.renewal_notice_days.to_string())}
                {number_field("termination-notice", tk("termination notice (days)"), |a| a.termination_notice_days.to_string())}
            </div>
            <h3 class="section-label">{t("Exclusivity")}</h3>
            <div class="field-row">
                <AgreementLine field=AgreementText::ExclusivityCategory id="exclusivity-category" label="Category"/>
                <AgreementLine field=AgreementText::ExclusivityTerritory id="exclusivity-territory" label="Territory"/>
                {number_field("exclusivity-months", tk("exclusivity period (months)"), |a| a.exclusivity_months.map(|m| m.to_string()).unwrap_or_default())}
            </div>
            <div class="field-row">
                <AgreementProse field=AgreementText::UsageRights id="usage-rights" label="Usage rights"/>
                <AgreementProse field=AgreementText::PaymentTerms id="payment-terms" label="Payment terms"/>
            </div>
        </section>
    }
}
