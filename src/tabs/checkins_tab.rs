//! Check-ins: the log of contacts between both sides, the agreed cadence, and the health
//! it gives (healthy, due, going quiet, silent) with the reason.

use crate::components::autosave::{AutoField, Form};
use crate::components::fields::parse_bounded;
use crate::components::undo_toast::remove_with_undo;
use crate::components::unsaved::{Draft, DraftMark};
use leptos::{ev::SubmitEvent, prelude::*};
use tandem_domain::{
    checkin::{CheckIn, HealthState},
    ids::CheckInId,
};
use tandem_domain::{command::Command, removal::Target};

use crate::components::fields::{parse_day, today};
use crate::i18n::{day, lang, t, tf};
use crate::{browser::random_16, editor::Editor};

/// The CSS class and words for a health state.
pub fn health_class(state: HealthState) -> &'static str {
    match state {
        HealthState::Healthy => "health healthy",
        HealthState::Due => "health due",
        HealthState::GoingQuiet => "health quiet",
        HealthState::Silent => "health silent",
    }
}

#[component]
pub fn CheckinsTab() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let health = Memo::new(move |_| editor.view.with(|p| p.health(today())));
    let form = Form::new();
    let set_cadence = move |raw: String| {
        let outcome = match parse_bounded(&raw, t("the cadence"), (1, 120)) {
            Ok(n) => {
                let days = n.unwrap_or(tandem_domain::checkin::DEFAULT_CADENCE_DAYS);
                editor
                    .edit_or_say(Command::SetCadence(days))
                    .map(|_| ())
                    .map_err(|m| ("cadence".to_owned(), m))
            }
            Err(m) => Err(("cadence".to_owned(), m)),
        };
        form.settle("cadence", &raw, outcome);
    };
    let list = Memo::new(move |_| {
        editor.view.with(|p| {
            let mut items: Vec<(CheckInId, CheckIn)> = p
                .checkins
                .iter()
                .map(|(id, c)| (id.clone(), c.clone()))
                .collect();
            items.sort_by_key(|item| std::cmp::Reverse(item.1.date));
            items
        })
    });
    view! {
        <section class="card checkins" data-testid="checkins">
            <h2>{t("Check-ins")}</h2>
            {move || {
                let h = health.get();
                view! {
                    <p class=health_class(h.state) role="status" data-testid="health" data-state=h.state.as_str()>
                        <strong>{h.state.words(lang())}</strong> " — " {h.reason(lang())}
                    </p>
                }
            }}
            <div class="cadence">
                <AutoField form id="cadence".to_owned() label=t("Check in every (days)").to_owned()
                    bounds=(1, 120) hint=tf("Default: {0}", &[&tandem_domain::checkin::DEFAULT_CADENCE_DAYS])
                    stored=Signal::derive(move || editor.view.with(|p| p.cadence().to_string()))
                    on_save=Callback::new(set_cadence)/>
            </div>
            <LogCheckin/>
            <h3>{t("Log")}</h3>
            <ol class="checkin-log" data-testid="checkin-log">
                <For each=move || list.get() key=|(id, c)| (id.clone(), c.summary.as_str().to_owned(), c.date) children=move |(id, c)| {
                    let who = [c.brand_people.as_str(), c.creator_people.as_str()]
                        .iter().filter(|s| !s.trim().is_empty()).map(|s| s.trim().to_owned()).collect::<Vec<_>>().join(" · ");
                    let next = (!c.next_step.as_str().trim().is_empty()).then(|| format!(
                        "{}{}{}",
                        tf("Next: {0}", &[&c.next_step.as_str().trim()]),
                        if c.next_owner.as_str().trim().is_empty() { String::new() } else { format!(" — {}", c.next_owner.as_str().trim()) },
                        c.next_due.map(|d| tf(", by {0}", &[&day(d)])).unwrap_or_default(),
                    ));
                    view! {
                        <li data-testid="checkin">
                            <p class="checkin-head">
                                <strong>{c.date.map(day).unwrap_or_default()}</strong>
                                {(!c.channel.as_str().trim().is_empty()).then(|| format!(" · {}", c.channel.as_str().trim()))}
                                {(!who.is_empty()).then(|| format!(" · {who}"))}
                            </p>
                            <p>{c.summary.as_str().to_owned()}</p>
                            {next.map(|n| view! { <p class="muted">{n}</p> })}
                            <button type="button" class="small-button danger-quiet" data-testid="remove-checkin" on:click=move |_| {
                                remove_with_undo(editor, t("Check-in removed").to_owned(), Target::CheckIn(id.clone()));
                            }>{t("Remove")}</button>
                        </li>
                    }
                }/>
            </ol>
        </section>
    }
}

#[component]
fn LogCheckin() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let date = Draft::new(&editor.id, "checkin-date", today().to_string());
    let brand_people = Draft::new(&editor.id, "checkin-brand-people", String::new());
    let creator_people = Draft::new(&editor.id, "checkin-creator-people", String::new());
    let channel = Draft::new(&editor.id, "checkin-channel", String::new());
    let summary = Draft::new(&editor.id, "checkin-summary", String::new());
    let next_step = Draft::new(&editor.id, "checkin-next-step", String::new());
    let next_owner = Draft::new(&editor.id, "checkin-next-owner", String::new());
    let next_due = Draft::new(&editor.id, "checkin-next-due", String::new());
    let error = RwSignal::new(None::<String>);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (day, due) = match (
            parse_day(&date.get_untracked()),
            parse_day(&next_due.get_untracked()),
        ) {
            (Ok(d), Ok(n)) => (d, n),
            (Err(e), _) | (_, Err(e)) => return error.set(Some(e)),
        };
        let values = [
            brand_people,
            creator_people,
            channel,
            summary,
            next_step,
            next_owner,
        ]
        .map(|s| s.get_untracked());
        let checkin = CheckIn::new(day, values.each_ref().map(String::as_str), due);
        let id = CheckInId::from_random(random_16());
        let outcome = editor.edit_or_say(Command::LogCheckIn {
            id,
            checkin: Box::new(checkin),
        });
        if outcome.is_ok() {
            for s in [
                brand_people,
                creator_people,
                channel,
                summary,
                next_step,
                next_owner,
                next_due,
            ] {
                s.set(String::new());
            }
            // The form is empty again: the next check-in is today's unless changed.
            date.set(today().to_string());
            error.set(None);
        } else {
            error.set(outcome.err());
        }
    };
    let input = move |id: &'static str, label: &'static str, kind: &'static str, value: Draft| {
        // Who took part and who owns the next step: picked from the partnership's people.
        let people = matches!(
            id,
            "checkin-brand" | "checkin-creator" | "checkin-next-owner"
        )
        .then_some(crate::components::fields::PEOPLE_LIST);
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type=kind data-testid=id list=people prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    view! {
        <form class="checkin-form" data-testid="log-checkin" data-draft="" on:submit=on_submit>
            <h3>{t("Log a check-in")}</h3>
            <div class="grid">
                {input("checkin-date", t("Date"), "date", date)}
                {input("checkin-channel", t("Channel (call, chat, email…)"), "text", channel)}
                {input("checkin-brand", t("From the brand"), "text", brand_people)}
                {input("checkin-creator", t("From the creator"), "text", creator_people)}
            </div>
            <div class="field">
                <label for="checkin-summary">{t("What you discussed")}</label>
                <textarea id="checkin-summary" rows=move || crate::components::collab_text::rows_for(&summary.get(), 2, 12) data-testid="checkin-summary" prop:value=move || summary.get()
                    on:input=move |ev| summary.set(event_target_value(&ev))></textarea>
            </div>
            <div class="grid">
                {input("checkin-next", t("Next step"), "text", next_step)}
                {input("checkin-next-owner", t("Owner"), "text", next_owner)}
                {input("checkin-next-due", t("By"), "date", next_due)}
            </div>
            <button type="submit" class="primary" data-testid="add-checkin">{t("Log check-in")}</button>
                    <DraftMark drafts=vec![date, brand_people, creator_people, channel, summary, next_step, next_owner, next_due]/>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </form>
    }
}
