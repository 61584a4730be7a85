//! A quarter's statement of work: deliverables (with the Russian advertising-label check),
//! approval rules and compensation.

use crate::components::undo_toast::remove_with_undo;
use crate::components::unsaved::{Draft, DraftMark};
use leptos::{ev::SubmitEvent, prelude::*};
use tandem_domain::{command::Command, removal::Target};
use tandem_domain::{
    ids::DeliverableId,
    money::Currency,
    partnership::{Partnership, record::DeliverableDraft},
    quarter::QuarterId,
    sow::{Conversion, Deliverable, DeliverableStatus, StatementOfWork},
};

use crate::components::autosave::{AutoField, Form};
use crate::components::field_message::FieldMessage;
use crate::components::fields::{
    CurrencySelect, MarketChoice, MarketSelect, QuarterPicker, amount_text, currency_text,
    parse_bounded, parse_count, parse_day, parse_money, parse_number,
};
use crate::components::unsaved::Unsaved;
use crate::i18n::{day, money, t, tf, tk};
use crate::{browser::random_16, editor::Editor};

fn status_label(s: DeliverableStatus) -> &'static str {
    s.words(crate::i18n::lang())
}

pub(crate) fn draft_of(d: &Deliverable) -> DeliverableDraft {
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
    let has_sow = Memo::new(move |_| sow.with(Option::is_some));
    view! {
        <section class="card">
            <div class="card-head">
                <h2>{t("Statement of work")}</h2>
                <QuarterPicker selected=quarter label="Quarter"/>
            </div>
            // Re-drawn only when the quarter or whether it has a statement changes: an edit
            // (here or from the other side) must not rebuild the fields someone is typing in.
            {move || match (quarter.get(), has_sow.get()) {
                (Some(q), true) => view! { <SowBody q sow/> }.into_any(),
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
        <ReviewTerms q sow/>
        <Compensation q sow/>
        <crate::tabs::review_round::RegistryReports/>
    }
}

#[component]
fn DeliverableRow(
    q: QuarterId,
    id: DeliverableId,
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
        editor.edit(Command::UpdateDeliverable {
            quarter: q,
            id: id.get_value(),
            draft: Box::new(draft),
        });
    };
    let remove = move |_| {
        remove_with_undo(
            editor,
            t("Deliverable removed").to_owned(),
            Target::Deliverable(q, id.get_value()),
        );
    };
    let field_id = move |name: &str| id.with_value(|id| format!("{name}-{id}"));
    // "Live" is offered once the compliance gate passes (or a reason to publish anyway is
    // recorded, or it is organic); until then the gate below says what is missing.
    let live_allowed = Memo::new(move |_| {
        editor
            .view
            .with(|p| id.with_value(|id| p.may_be_live(q, id)))
    });
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
                            {move || DeliverableStatus::ALL.into_iter()
                                .filter(|s| *s != DeliverableStatus::Live || live_allowed.get())
                                .map(|s| view! {
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
                        aria-label=move || tf("Remove “{0}”", &[&describe().unwrap_or_default()])>{t("Remove")}</button>
                </div>
                {move || d.with(|d| d.as_ref().and_then(|d| d.compliance_warning(crate::i18n::lang()))).map(|w| view! {
                    <p class="warning" role="alert" data-testid="compliance-warning">"⚠ " {w}</p>
                })}
                <crate::tabs::review_round::Gate q id=id.get_value() d/>
                <crate::tabs::review_round::Drafts q id=id.get_value() d/>
            </li>
        </Show>
    }
}

#[component]
fn AddDeliverable(q: QuarterId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let platform = Draft::new(
        &editor.id,
        &format!("deliverable-{q}-platform"),
        String::new(),
    );
    let format = Draft::new(
        &editor.id,
        &format!("deliverable-{q}-format"),
        String::new(),
    );
    let count = Draft::new(&editor.id, &format!("deliverable-{q}-count"), "1");
    let market = MarketChoice::new(editor);
    let live_from = Draft::new(
        &editor.id,
        &format!("deliverable-{q}-live-from"),
        String::new(),
    );
    let live_to = Draft::new(
        &editor.id,
        &format!("deliverable-{q}-live-to"),
        String::new(),
    );
    let owner = Draft::new(&editor.id, &format!("deliverable-{q}-owner"), String::new());
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
        let outcome = editor.edit_or_say(Command::AddDeliverable {
            quarter: q,
            id: DeliverableId::from_random(random_16()),
            draft: Box::new(draft),
        });
        if outcome.is_ok() {
            platform.set(String::new());
            format.set(String::new());
            count.set("1".into());
            for field in [live_from, live_to, owner] {
                field.set(String::new());
            }
            error.set(None);
        } else {
            editor.error.set(None);
            error.set(outcome.err());
        }
    };
    let input = |id: &'static str, label: &'static str, value: Draft, kind: &'static str| {
        view! {
            <div class="field">
                <label for=id>{t(label)}</label>
                <input id=id data-testid=id type=kind list=(id == "new-owner").then_some(crate::components::fields::PEOPLE_LIST)
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    view! {
        <form class="add-campaign" on:submit=submit data-testid="add-deliverable" data-draft="">
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
                    <DraftMark drafts=vec![platform, format, count, live_from, live_to, owner]/>
                </div>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </fieldset>
        </form>
    }
}

#[component]
fn Approval(q: QuarterId, sow: Memo<Option<StatementOfWork>>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let form = Form::new();
    let values = move || {
        sow.with_untracked(|s| {
            s.as_ref().map(|s| {
                [
                    s.draft_due_days_before_live,
                    s.review_days,
                    s.revision_rounds,
                ]
            })
        })
    };
    let set = move |which: usize, id: &'static str, raw: String| {
        let Some(mut v) = values() else { return };
        let outcome = match parse_bounded(&raw, t("the number"), APPROVAL_BOUNDS[which]) {
            Ok(n) => {
                v[which] = n.unwrap_or(APPROVAL_DEFAULTS[which]);
                editor
                    .edit_or_say(Command::SetApproval {
                        quarter: q,
                        draft_due_days: v[0],
                        review_days: v[1],
                        revision_rounds: v[2],
                    })
                    .map(|_| ())
                    .map_err(|m| (id.to_owned(), m))
            }
            Err(m) => Err((id.to_owned(), m)),
        };
        form.settle(id, &raw, outcome);
    };
    let field = move |i: usize, id: &'static str, label: &'static str| {
        view! {
            <AutoField form id=id.to_owned() label=t(label).to_owned()
                stored=Signal::derive(move || sow.with(|s| s.as_ref().map(|s| [s.draft_due_days_before_live, s.review_days, s.revision_rounds][i].to_string()).unwrap_or_default()))
                bounds=APPROVAL_BOUNDS[i]
                hint=tf("Default: {0}", &[&APPROVAL_DEFAULTS[i]])
                on_save=Callback::new(move |raw| set(i, id, raw))/>
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

/// Draft due, review days, revision rounds: what a new statement of work starts with
/// (what an emptied field goes back to), and the bounds of each.
const APPROVAL_DEFAULTS: [u32; 3] = [7, 3, 2];
const APPROVAL_BOUNDS: [(u32, u32); 3] = [(0, 365), (0, 365), (0, 20)];

/// The compensation of a quarter: every field is saved when the person leaves it. The
/// conversion (rate, currency, date) is saved once both its rate and its date are there;
/// until then what was typed stays in its field, marked not saved.
/// The currencies a compensation field falls back to (see [`Compensation`]).
#[derive(Clone, Copy)]
struct Defaults {
    currency: Currency,
    into: Currency,
}

/// How a compensation field reads its stored value.
type Read = fn(&StatementOfWork, Defaults) -> String;

#[component]
fn Compensation(q: QuarterId, sow: Memo<Option<StatementOfWork>>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let form = Form::new();
    // The currency a new amount starts in and the one a conversion goes to, as the
    // domain suggests them for this partnership's markets.
    let defaults = |s: &StatementOfWork, p: &Partnership| {
        let currency = s
            .compensation
            .or(s.kill_fee)
            .map_or(p.home_currency(), |m| m.currency);
        Defaults {
            currency,
            into: p.conversion_currency(currency),
        }
    };
    let stored = move |read: Read| {
        Signal::derive(move || {
            editor.view.with(|p| {
                sow.with(|s| {
                    s.as_ref()
                        .map(|s| read(s, defaults(s, p)))
                        .unwrap_or_default()
                })
            })
        })
    };
    let untracked = move |read: Read| {
        editor.view.with_untracked(|p| {
            sow.with_untracked(|s| {
                s.as_ref()
                    .map(|s| read(s, defaults(s, p)))
                    .unwrap_or_default()
            })
        })
    };
    let amount_of = |s: &StatementOfWork, _: Defaults| amount_text(s.compensation);
    let kill_of = |s: &StatementOfWork, _: Defaults| amount_text(s.kill_fee);
    let currency_of =
        |s: &StatementOfWork, d: Defaults| currency_text(s.compensation.or(s.kill_fee), d.currency);
    let rate_of = |s: &StatementOfWork, _: Defaults| {
        s.conversion
            .as_ref()
            .map(|c| c.rate.to_string())
            .unwrap_or_default()
    };
    let to_of = |s: &StatementOfWork, d: Defaults| {
        s.conversion.as_ref().map_or(d.into, |c| c.to).to_string()
    };
    let rate_date_of = |s: &StatementOfWork, _: Defaults| {
        s.conversion
            .as_ref()
            .map(|c| c.rate_date.to_string())
            .unwrap_or_default()
    };
    // Saves the money fields as the form holds them now; a refusal names its field.
    let save_money = move |changed: &'static str, raw: String| {
        let value = |id: &str, read: Read| {
            if id == changed {
                raw.clone()
            } else {
                form.current(id, untracked(read))
            }
        };
        let cur = value("comp-currency", currency_of);
        let parsed = (|| -> Result<_, (String, String)> {
            let at = |id: &'static str| move |m: String| (id.to_owned(), m);
            let money = parse_money(&value("comp-amount", amount_of), &cur, t("Compensation"))
                .map_err(at("comp-amount"))?;
            let kill = parse_money(&value("kill-fee", kill_of), &cur, t("Kill fee"))
                .map_err(at("kill-fee"))?;
            let rate = value("rate", rate_of);
            let date = value("rate-date", rate_date_of);
            let conversion = match (rate.trim().is_empty(), date.trim().is_empty()) {
                (true, true) => None,
                (false, true) => {
                    return Err((
                        "rate-date".into(),
                        t("a conversion needs the date of its rate").into(),
                    ));
                }
                (true, false) => {
                    return Err(("rate".into(), t("a conversion needs its rate").into()));
                }
                (false, false) => Some(Conversion {
                    rate: parse_number(&rate, t("the rate")).map_err(at("rate"))?,
                    rate_date: parse_day(&date).map_err(at("rate-date"))?.ok_or_else(|| {
                        (
                            "rate-date".to_owned(),
                            t("a conversion needs the date of its rate").to_owned(),
                        )
                    })?,
                    to: value("rate-to", to_of).parse().map_err(
                        |e: tandem_domain::money::CurrencyParseError| {
                            ("rate-to".to_owned(), e.to_string())
                        },
                    )?,
                }),
            };
            Ok((money, kill, conversion))
        })();
        let outcome = parsed.and_then(|(money, kill, conversion)| {
            editor
                .edit_or_say(Command::SetCompensation {
                    quarter: q,
                    amount: money,
                    kill_fee: kill,
                    conversion,
                })
                .map(|_| ())
                .map_err(|m| ("rate".to_owned(), m))
        });
        form.settle(changed, &raw, outcome);
    };
    // Payment split and terms are prose of their own, saved apart from the amounts.
    let save_text = move |changed: &'static str, raw: String| {
        let split = if changed == "payment-split" {
            raw.clone()
        } else {
            untracked(|s, _| s.payment_split.as_str().to_owned())
        };
        let terms = if changed == "sow-payment-terms" {
            raw.clone()
        } else {
            untracked(|s, _| s.payment_terms.as_str().to_owned())
        };
        let outcome = editor
            .edit_or_say(Command::SetPayment {
                quarter: q,
                split,
                terms,
            })
            .map(|_| ())
            .map_err(|m| (changed.to_owned(), m));
        form.settle(changed, &raw, outcome);
    };
    let converted = move || {
        sow.with(|s| {
            s.as_ref()
                .and_then(|s| s.converted_compensation_in(crate::i18n::lang()))
        })
        .map(|(m, how)| format!("≈ {} ({how})", money(&m)))
    };
    let unsaved = Unsaved::get();
    let shown_select = move |id: &'static str, read: Read| {
        Signal::derive(move || unsaved.value(id).unwrap_or_else(|| stored(read).get()))
    };
    let select = move |id: &'static str, label: &'static str, read: Read| {
        let note = form.note(id);
        view! {
            <div class="field">
                <label for=id>{t(label)}</label>
                <CurrencySelect id=id.into() value=shown_select(id, read)
                    on_change=move |c| save_money(id, c)/>
                <FieldMessage field=id.to_owned() note/>
            </div>
        }
    };
    let field = move |id: &'static str, label: &'static str, read: Read, kind: &'static str| {
        view! {
            <AutoField form id=id.to_owned() label=t(label).to_owned() stored=stored(read)
                kind=kind inputmode=(kind == "text").then_some("decimal")
                on_save=Callback::new(move |raw| save_money(id, raw))/>
        }
    };
    view! {
        <h3 class="section-label">{t("Compensation")}</h3>
        <div class="compensation" data-testid="compensation">
            <div class="field-row">
                {field("comp-amount", tk("Amount"), amount_of, "text")}
                {select("comp-currency", tk("Currency"), currency_of)}
                {field("kill-fee", tk("Kill fee"), kill_of, "text")}
            </div>
            <div class="field-row">
                {field("rate", tk("Conversion rate (optional)"), rate_of, "text")}
                {select("rate-to", tk("Into"), to_of)}
                {field("rate-date", tk("Rate date"), rate_date_of, "date")}
            </div>
            <div class="field-row">
                <AutoField form id="payment-split".to_owned() label=t("Payment split").to_owned()
                    stored=stored(|s, _| s.payment_split.as_str().to_owned())
                    placeholder=t("e.g. 50% on signing, 50% after the last post")
                    on_save=Callback::new(move |raw| save_text("payment-split", raw))/>
                <AutoField form id="sow-payment-terms".to_owned() label=t("Payment terms").to_owned()
                    stored=stored(|s, _| s.payment_terms.as_str().to_owned())
                    placeholder=t("e.g. within 14 days of invoice; outside platforms for RU")
                    on_save=Callback::new(move |raw| save_text("sow-payment-terms", raw))/>
            </div>
            <p class="muted" data-testid="converted">{converted}</p>
            <p class="muted field-hint">{t("Each field is saved when you leave it.")}</p>
        </div>
    }
}

/// Whether silence approves a draft once the review days pass, and what a round past the
/// included ones costs.
#[component]
fn ReviewTerms(q: QuarterId, sow: Memo<Option<StatementOfWork>>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let form = Form::new();
    let terms = move || {
        sow.with(|s| {
            s.as_ref()
                .map(|s| (s.auto_approve, s.extra_round_percent))
                .unwrap_or((false, 15))
        })
    };
    let save = move |auto: bool, percent: u32| {
        editor.edit_or_say(Command::SetReviewTerms {
            quarter: q,
            auto_approve: auto,
            extra_round_percent: percent,
        })
    };
    view! {
        <div class="field-row" data-testid="review-terms">
            <div class="field checkbox">
                <label><input type="checkbox" data-testid="auto-approve"
                    prop:checked=move || terms().0
                    on:change=move |ev| { let on = event_target_checked(&ev); let _ = save(on, terms().1); }/>
                    {t(" Approve a draft nobody reviewed within the review days")}</label>
            </div>
            <AutoField form id="extra-round-percent".to_owned() label=t("Extra round (% of the fee)").to_owned()
                stored=Signal::derive(move || terms().1.to_string())
                bounds=(0, 100)
                on_save=Callback::new(move |raw: String| {
                    let outcome = parse_bounded(&raw, t("the percent"), (0, 100))
                        .and_then(|n| save(terms().0, n.unwrap_or(tandem_domain::sow::DEFAULT_EXTRA_ROUND_PERCENT)).map(|_| ()))
                        .map_err(|m| ("extra-round-percent".to_owned(), m));
                    form.settle("extra-round-percent", &raw, outcome);
                })/>
        </div>
    }
}
