//! The quarterly business review of a chosen quarter: what both sides bring (recap,
//! risks, action items, asks and commitments, next quarter's objectives, the budget) and
//! the pack generated from the partnership — shown here, downloadable as Markdown,
//! printable as a PDF.

use crate::components::autosave::{AutoField, Form};
use crate::components::field_message::FieldMessage;
use crate::components::undo_toast::remove_with_undo;
use crate::components::unsaved::Unsaved;
use crate::components::unsaved::{Draft, DraftMark};
use leptos::{ev::SubmitEvent, prelude::*};
use tandem_domain::{command::Command, removal::Target};
use tandem_domain::{
    ids::{ActionId, RiskId},
    qbr::{QbrText, ReviewItemId},
    qbr_pack::qbr_markdown,
    quarter::QuarterId,
};

use crate::i18n::{day, t, tf, tk};
use crate::{
    browser::{download, random_16},
    editor::Editor,
};
use crate::{
    components::collab_text::CollabTextarea,
    components::fields::{
        CurrencySelect, QuarterPicker, amount_text, currency_text, parse_day, parse_money,
    },
    pages::export_menu::{current_quarter, render_markdown},
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
                        editor.edit(Command::SetReviewText { quarter: q, field, value });
                    }/>
            </div>
        }
    };
    let (brand, creator) = editor
        .view
        .with_untracked(|p| (p.brand.as_str().to_owned(), p.creator.as_str().to_owned()));
    let pack = Memo::new(move |_| {
        editor.view.with(|p| {
            qbr_markdown(
                p,
                q,
                crate::i18n::lang(),
                crate::components::fields::today(),
            )
        })
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
            <Meeting q/>
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

/// The quarter's budget: saved when the person leaves the field (or picks a currency).
#[component]
fn Budget(q: QuarterId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let form = Form::new();
    let unsaved = Unsaved::get();
    let amount_id = format!("qbr-budget-{q}");
    let currency_id = format!("qbr-currency-{q}");
    let budget = move || {
        editor
            .view
            .with_untracked(|p| p.qbrs.get(&q).and_then(|r| r.budget))
    };
    let stored_amount = move || {
        editor
            .view
            .with(|p| amount_text(p.qbrs.get(&q).and_then(|r| r.budget)))
    };
    let stored_currency = move || {
        editor
            .view
            .with(|p| currency_text(p.qbrs.get(&q).and_then(|r| r.budget), p.home_currency()))
    };
    let save = {
        let (amount_id, currency_id) = (amount_id.clone(), currency_id.clone());
        move |changed: &str, raw: String| {
            let value = |id: &str, stored: String| {
                if id == changed {
                    raw.clone()
                } else {
                    form.current(id, stored)
                }
            };
            let amount = value(&amount_id, amount_text(budget()));
            let home = editor.view.with_untracked(|p| p.home_currency());
            let currency = value(&currency_id, currency_text(budget(), home));
            let outcome = match parse_money(&amount, &currency, t("the budget")) {
                Ok(m) => editor
                    .edit_or_say(Command::SetBudget {
                        quarter: q,
                        budget: m,
                    })
                    .map(|_| ())
                    .map_err(|e| (amount_id.clone(), e)),
                Err(e) => Err((amount_id.clone(), e)),
            };
            form.settle(changed, &raw, outcome);
        }
    };
    let save_currency = save.clone();
    let currency_note = form.note(&currency_id);
    view! {
        <div class="budget">
            <AutoField form id=amount_id.clone() label=t("Budget (empty: the SOW's compensation)").to_owned()
                test_id="qbr-budget" inputmode=Some("decimal") stored=Signal::derive(stored_amount)
                on_save=Callback::new(move |raw| save(&amount_id, raw))/>
            <div class="field">
                <label for=currency_id.clone()>{t("Currency")}</label>
                <CurrencySelect id=currency_id.clone()
                    value=Signal::derive({ let id = currency_id.clone(); move || unsaved.value(&id).unwrap_or_else(stored_currency) })
                    on_change={ let id = currency_id.clone(); move |c| save_currency(&id, c) }/>
                <FieldMessage field=currency_id note=currency_note/>
            </div>
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
                            ReviewItemId::Action(id.clone()),
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
                            ReviewItemId::Risk(id.clone()),
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
    let ids = Memo::new(move |_| list.with(|l| l.iter().map(|i| i.0.clone()).collect::<Vec<_>>()));
    let text = Draft::new(&editor.id, &format!("qbr-{q}-{what}-text"), String::new());
    let owner = Draft::new(&editor.id, &format!("qbr-{q}-{what}-owner"), String::new());
    let due = Draft::new(&editor.id, &format!("qbr-{q}-{what}-due"), String::new());
    let error = RwSignal::new(None::<String>);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let day = match parse_day(&due.get_untracked()) {
            Ok(d) => d,
            Err(e) => return error.set(Some(e)),
        };
        let (typed, o) = (text.get_untracked(), owner.get_untracked());
        let item = if action {
            ReviewItemId::Action(ActionId::from_random(random_16()))
        } else {
            ReviewItemId::Risk(RiskId::from_random(random_16()))
        };
        match editor.edit_or_say(Command::AddReviewItem {
            quarter: q,
            item,
            text: typed,
            owner: o,
            due: day,
        }) {
            Ok(_) => {
                text.set(String::new());
                owner.set(String::new());
                due.set(String::new());
                error.set(None);
            }
            Err(r) => error.set(Some(r)),
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
                // Keyed by id alone: ticking, or an edit from the other side, updates the
                // row in place, so the checkbox keeps the keyboard's focus.
                <For each=move || ids.get() key=|id| id.clone() children=move |id| {
                    let row = Memo::new({
                        let id = id.clone();
                        move |_| list.with(|l| l.iter().find(|i| i.0 == id).cloned())
                    });
                    let text = move || row.with(|r| r.as_ref().map(|r| r.1.clone()).unwrap_or_default());
                    let remove_id = id.clone();
                    view! {
                        <li>
                            {match id.clone() { ReviewItemId::Action(id) => Some(id), ReviewItemId::Risk(_) => None }.map(|id| {
                                view! {
                                    <input type="checkbox"
                                        prop:checked=move || row.with(|r| r.as_ref().and_then(|r| r.4).unwrap_or(false))
                                        aria-label=move || tf("Done: {0}", &[&text()])
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            editor.edit(Command::SetActionDone { quarter: q, id: id.clone(), done: on });
                                        }/>
                                }
                            })}
                            " " <span>{text}</span>
                            <span class="muted">{move || row.with(|r| r.as_ref().map(|(_, _, o, d, _)| format!(
                                "{}{}",
                                if o.is_empty() { String::new() } else { format!(" — {o}") },
                                d.map(|d| tf(", by {0}", &[&day(d)])).unwrap_or_default(),
                            )).unwrap_or_default())}</span>
                            " "
                            <button type="button" class="small-button danger-quiet" aria-label=move || tf("Remove {0}", &[&text()])
                                on:click=move |_| remove_with_undo(editor, tf("Removed “{0}”", &[&text()]), Target::ReviewItem(q, remove_id.clone()))>{t("Remove")}</button>
                        </li>
                    }
                }/>
            </ul>
            <form class="inline-form" on:submit=on_submit data-draft="">
                <input type="text" aria-label=if action { t("New action") } else { t("New risk") } placeholder=if action { t("What will be done") } else { t("What could go wrong") }
                    data-testid=format!("new-{what}") prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
                <input type="text" aria-label=t("Owner") placeholder=t("Owner") data-testid=format!("new-{what}-owner")
                    list=crate::components::fields::PEOPLE_LIST
                    prop:value=move || owner.get() on:input=move |ev| owner.set(event_target_value(&ev))/>
                <input type="date" aria-label=t("Due") data-testid=format!("new-{what}-due")
                    prop:value=move || due.get() on:input=move |ev| due.set(event_target_value(&ev))/>
                <button type="submit">{if action { t("Add action") } else { t("Add risk") }}</button>
                    <DraftMark drafts=vec![text, owner, due]/>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

/// When the review meets: a day, a time (every half hour) and the zone it is in. Calendars
/// (the download and the subscription feed) show it in each reader's own zone.
#[component]
fn Meeting(q: QuarterId) -> impl IntoView {
    use crate::tabs::people_tab::ZONES;
    use tandem_domain::qbr::MeetingAt;
    let editor = expect_context::<Editor>();
    let form = Form::new();
    let unsaved = Unsaved::get();
    let meeting = Memo::new(move |_| {
        editor
            .view
            .with(|p| p.qbrs.get(&q).and_then(|r| r.meeting.clone()))
    });
    let day_id = format!("qbr-meeting-day-{q}");
    let time_id = format!("qbr-meeting-time-{q}");
    let zone_id = format!("qbr-meeting-zone-{q}");
    let stored_day = move || {
        meeting.with(|m| {
            m.as_ref()
                .map(|m| m.local.date().to_string())
                .unwrap_or_default()
        })
    };
    let ids = StoredValue::new((day_id.clone(), time_id.clone(), zone_id.clone()));
    let save = move |changed: String, raw: String| {
        let (d, ti, z) = ids.get_value();
        let value = |id: &str, stored: String| {
            if id == changed {
                raw.clone()
            } else {
                form.current(id, stored)
            }
        };
        let day = value(
            &d,
            meeting.with_untracked(|m| {
                m.as_ref()
                    .map(|m| m.local.date().to_string())
                    .unwrap_or_default()
            }),
        );
        let time = value(
            &ti,
            meeting.with_untracked(|m| {
                m.as_ref().map_or_else(
                    || "10:00".to_owned(),
                    |m| m.local.format("%H:%M").to_string(),
                )
            }),
        );
        let zone = value(
            &z,
            meeting.with_untracked(|m| {
                m.as_ref()
                    .map_or_else(|| ZONES[0].to_owned(), |m| m.zone.name().to_owned())
            }),
        );
        let outcome = parse_day(&day).map_err(|m| (d.clone(), m)).and_then(|day| {
            let at = match day {
                // A time or zone picked before the day is kept until the day is there.
                None if changed != d => {
                    return Err((
                        d.clone(),
                        t("choose the day of the meeting first").to_owned(),
                    ));
                }
                None => None,
                Some(day) => Some(
                    format!("{day}T{time} {zone}")
                        .parse::<MeetingAt>()
                        .map_err(|_| {
                            (z.clone(), t("choose a time zone from the list").to_owned())
                        })?,
                ),
            };
            editor
                .edit_or_say(Command::SetReviewMeeting { quarter: q, at })
                .map(|_| ())
                .map_err(|m| (changed.clone(), m))
        });
        form.settle(&changed, &raw, outcome);
    };
    let time_note = form.note(&time_id);
    let zone_note = form.note(&zone_id);
    let shown = move |id: String, stored: fn(&Option<MeetingAt>) -> String| {
        Signal::derive(move || unsaved.value(&id).unwrap_or_else(|| meeting.with(stored)))
    };
    let time_shown = shown(time_id.clone(), |m| {
        m.as_ref().map_or_else(
            || "10:00".to_owned(),
            |m| m.local.format("%H:%M").to_string(),
        )
    });
    let zone_shown = shown(zone_id.clone(), |m| {
        m.as_ref()
            .map_or_else(|| ZONES[0].to_owned(), |m| m.zone.name().to_owned())
    });
    let (t_save, z_save) = (time_id.clone(), zone_id.clone());
    view! {
        <div class="field-row review-meeting" data-testid="review-meeting">
            <AutoField form id=day_id.clone() label=t("Review meeting").to_owned() kind="date"
                stored=Signal::derive(stored_day)
                hint=t("In calendars it shows in each reader's own time zone.")
                on_save=Callback::new(move |raw| save(day_id.clone(), raw))/>
            <div class="field small">
                <label for=time_id.clone()>{t("Time")}</label>
                <select id=time_id.clone() on:change=move |ev| save(t_save.clone(), event_target_value(&ev))>
                    {(0..48u32).map(|i| {
                        let (h, m) = (i / 2, (i % 2) * 30);
                        let value = format!("{h:02}:{m:02}");
                        let v = value.clone();
                        view! { <option value=value prop:selected=move || time_shown.get() == v>{crate::i18n::lang().time(h, m)}</option> }
                    }).collect_view()}
                </select>
                <FieldMessage field=time_id note=time_note/>
            </div>
            <div class="field">
                <label for=zone_id.clone()>{t("Time zone")}</label>
                <select id=zone_id.clone() on:change=move |ev| save(z_save.clone(), event_target_value(&ev))>
                    {ZONES.into_iter().map(|z| view! {
                        <option value=z prop:selected=move || zone_shown.get() == z>{zone_city(z).unwrap_or(z)}</option>
                    }).collect_view()}
                </select>
                <FieldMessage field=zone_id note=zone_note/>
            </div>
        </div>
    }
}

/// A zone of the list by its city, in the interface's language ("Europe/Moscow" is Moscow,
/// «Москва»): the IANA name stays the option's value.
pub fn zone_city(zone: &str) -> Option<&'static str> {
    let (en, ru) = match zone {
        "Europe/Moscow" => ("Moscow", "Москва"),
        "Europe/Kaliningrad" => ("Kaliningrad", "Калининград"),
        "Europe/Samara" => ("Samara", "Самара"),
        "Asia/Yekaterinburg" => ("Yekaterinburg", "Екатеринбург"),
        "Asia/Novosibirsk" => ("Novosibirsk", "Новосибирск"),
        "Asia/Vladivostok" => ("Vladivostok", "Владивосток"),
        "America/New_York" => ("New York", "Нью-Йорк"),
        "America/Chicago" => ("Chicago", "Чикаго"),
        "America/Denver" => ("Denver", "Денвер"),
        "America/Los_Angeles" => ("Los Angeles", "Лос-Анджелес"),
        "Europe/London" => ("London", "Лондон"),
        "Europe/Berlin" => ("Berlin", "Берлин"),
        "Asia/Dubai" => ("Dubai", "Дубай"),
        "Asia/Almaty" => ("Almaty", "Алматы"),
        "Asia/Tbilisi" => ("Tbilisi", "Тбилиси"),
        "UTC" => ("UTC", "UTC"),
        _ => return None,
    };
    Some(match crate::i18n::lang() {
        tandem_domain::locale::Lang::En => en,
        tandem_domain::locale::Lang::Ru => ru,
    })
}
