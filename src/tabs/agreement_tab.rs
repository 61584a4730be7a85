//! The base agreement: parties, term, checkpoints, renewal and notice, exclusivity, usage
//! rights, payment terms — and the dates that follow from them.

use leptos::prelude::*;
use tandem_domain::{
    agreement::{Agreement, AgreementText, Notice},
    command::Command,
    day::Day,
};

use crate::editor::Editor;
use crate::i18n::{day, lang, t, tf, tk};
use crate::{
    components::autosave::{AutoField, Form},
    components::collab_text::CollabTextarea,
    components::fields::{parse_bounded, parse_day, today},
};

fn text_of(a: &Agreement, field: AgreementText) -> String {
    a.text(field).to_owned()
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
                    editor.edit(Command::SetAgreementText { field, value: event_target_value(&ev) });
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
                    editor.edit(Command::SetAgreementText { field, value });
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

/// The bounds of a renewal number and what an emptied field goes back to (what a new
/// agreement starts with).
fn renewal_bounds(id: &str) -> ((u32, u32), u32) {
    match id {
        "checkpoint-months" => ((1, 24), 3),
        "exclusivity-months" => ((1, 120), 0),
        // Notice periods: up to ten years.
        _ => ((0, 3650), 30),
    }
}

#[component]
pub fn AgreementTab() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let agreement = Memo::new(move |_| editor.view.with(|p| p.agreement.clone()));
    let day_text = move |f: fn(&Agreement) -> Option<tandem_domain::day::Day>| {
        move || agreement.with(|a| f(a).map(|d| d.to_string()).unwrap_or_default())
    };
    let form = Form::new();
    let rights_form = Form::new();
    let set_term = move |id: &'static str, raw: String| {
        let a = agreement.get_untracked();
        let value = |which: &'static str, stored: Option<Day>| {
            if which == id {
                raw.clone()
            } else {
                form.current(which, stored.map(|d| d.to_string()).unwrap_or_default())
            }
        };
        let start = parse_day(&value("term-start", a.term_start)).map_err(|m| ("term-start", m));
        let end = parse_day(&value("term-end", a.term_end)).map_err(|m| ("term-end", m));
        let outcome = start.and_then(|s| end.map(|e| (s, e))).and_then(|(s, e)| {
            editor
                .edit_or_say(Command::SetTerm { start: s, end: e })
                .map(|_| ())
                .map_err(|m| (id, m))
        });
        form.settle(id, &raw, outcome.map_err(|(f, m)| (f.to_owned(), m)));
    };
    // Renewal numbers are edited together; `which` says which one changed. An emptied
    // field goes back to its default (the hint beside it says which).
    let set_renewal = move |id: &'static str, which: &'static str, raw: String| {
        let a = agreement.get_untracked();
        let (bounds, default) = renewal_bounds(id);
        let outcome = match parse_bounded(&raw, t(which), bounds) {
            Err(m) => Err((id.to_owned(), m)),
            Ok(n) => {
                let (mut months, mut notice, mut termination, mut exclusivity) = (
                    a.checkpoint_months,
                    a.renewal_notice_days,
                    a.termination_notice_days,
                    a.exclusivity_months,
                );
                match id {
                    "checkpoint-months" => months = n.unwrap_or(default),
                    "renewal-notice" => notice = n.unwrap_or(default),
                    "termination-notice" => termination = n.unwrap_or(default),
                    _ => exclusivity = n,
                }
                editor
                    .edit_or_say(Command::SetRenewal {
                        checkpoint_months: months,
                        auto_renew: a.auto_renew,
                        renewal_notice_days: notice,
                        termination_notice_days: termination,
                        exclusivity_months: exclusivity,
                    })
                    .map(|_| ())
                    .map_err(|m| (id.to_owned(), m))
            }
        };
        form.settle(id, &raw, outcome);
    };
    let number_field = move |id: &'static str,
                             label: &'static str,
                             read: fn(&Agreement) -> String,
                             warning: Option<Notice>| {
        let (bounds, default) = renewal_bounds(id);
        let hint = if id == "exclusivity-months" {
            t("Empty: no exclusivity period").to_owned()
        } else {
            tf("Default: {0}", &[&default])
        };
        view! {
            <AutoField form id=id.to_owned() label=capitalized(t(label))
                stored=Signal::derive(move || agreement.with(read))
                bounds=bounds hint=hint
                warning=Signal::derive(move || warning.and_then(|n| agreement.with(|a| a.notice_warning(n))).map(|w| w.describe(lang())))
                on_save=Callback::new(move |raw| set_renewal(id, label, raw))/>
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
                <AutoField form id="term-start".to_owned() label=t("Term starts").to_owned() kind="date"
                    stored=Signal::derive(day_text(|a| a.term_start))
                    on_save=Callback::new(move |raw| set_term("term-start", raw))/>
                <AutoField form id="term-end".to_owned() label=t("Term ends").to_owned() kind="date"
                    stored=Signal::derive(day_text(|a| a.term_end))
                    on_save=Callback::new(move |raw| set_term("term-end", raw))/>
                {number_field("checkpoint-months", tk("months between checkpoints"), |a| a.checkpoint_months.to_string(), None)}
            </div>
            <h3 class="section-label">{t("Renewal and termination")}</h3>
            <div class="field-row">
                <div class="field checkbox">
                    <label>
                        <input type="checkbox" data-testid="auto-renew" prop:checked=move || agreement.with(|a| a.auto_renew)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                let a = agreement.get_untracked();
                                editor.edit(Command::SetRenewal { checkpoint_months: a.checkpoint_months, auto_renew: on, renewal_notice_days: a.renewal_notice_days, termination_notice_days: a.termination_notice_days, exclusivity_months: a.exclusivity_months });
                            }/>
                        {t(" Renews automatically")}
                    </label>
                </div>
                {number_field("renewal-notice", tk("renewal notice (days)"), |a| a.renewal_notice_days.to_string(), Some(Notice::Renewal))}
                {number_field("termination-notice", tk("termination notice (days)"), |a| a.termination_notice_days.to_string(), Some(Notice::Termination))}
            </div>
            <h3 class="section-label">{t("Exclusivity")}</h3>
            <div class="field-row">
                <AgreementLine field=AgreementText::ExclusivityCategory id="exclusivity-category" label="Category"/>
                <AgreementLine field=AgreementText::ExclusivityTerritory id="exclusivity-territory" label="Territory"/>
                {number_field("exclusivity-months", tk("exclusivity period (months)"), |a| a.exclusivity_months.map(|m| m.to_string()).unwrap_or_default(), None)}
            </div>
            <div class="field-row">
                <AutoField form=rights_form id="usage-rights-until".to_owned() label=t("Usage rights end").to_owned() kind="date"
                    stored=Signal::derive(day_text(|a| a.usage_rights_until))
                    on_save=Callback::new(move |raw: String| {
                        let outcome = parse_day(&raw)
                            .and_then(|d| editor.edit_or_say(Command::SetUsageRightsUntil(d)).map(|_| ()))
                            .map_err(|m| ("usage-rights-until".to_owned(), m));
                        rights_form.settle("usage-rights-until", &raw, outcome);
                    })/>
            </div>
            <h3 class="section-label">{t("Advertising rules")}</h3>
            <div class="field-row" data-testid="ad-facts">
                <AgreementLine field=AgreementText::BrandInn id="brand-inn" label="Brand's INN (Russia)"/>
                <AutoField form=rights_form id="creator-audience".to_owned() label=t("Creator's audience (subscribers)").to_owned()
                    inputmode=Some("numeric")
                    stored=Signal::derive(move || agreement.with(|a| a.creator_audience.map(|n| n.to_string()).unwrap_or_default()))
                    on_save=Callback::new(move |raw: String| {
                        let outcome = crate::components::fields::parse_count(&raw, t("the audience"))
                            .and_then(|n| editor.edit_or_say(Command::SetCreatorAudience(n)).map(|_| ()))
                            .map_err(|m| ("creator-audience".to_owned(), m));
                        rights_form.settle("creator-audience", &raw, outcome);
                    })/>
                <AgreementLine field=AgreementText::CreatorRegisterNumber id="creator-register" label="Creator's register number (Roskomnadzor)"/>
                <div class="field">
                    <label for="registry-reporter">{t("Who reports placements to the ad registry")}</label>
                    <select id="registry-reporter" data-testid="registry-reporter"
                        on:change=move |ev| { editor.edit(Command::SetRegistryReporter(event_target_value(&ev))); }>
                        {[("", t("Not agreed")), ("brand", t("The brand")), ("creator", t("The creator"))].into_iter().map(|(v, label)| view! {
                            <option value=v prop:selected=move || agreement.with(|a| a.registry_reporter == v)>{label}</option>
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <crate::tabs::review_round::RulesTable/>
            <div class="field-row">
                <AgreementProse field=AgreementText::UsageRights id="usage-rights" label="Usage rights"/>
                <AgreementProse field=AgreementText::PaymentTerms id="payment-terms" label="Payment terms"/>
            </div>
        </section>
    }
}
