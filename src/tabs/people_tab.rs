//! People and time zones: one point of contact per side with their IANA zone and working
//! hours, their local time now, and a meeting planner for the coming two weeks that
//! follows daylight-saving changes (or proposes the least-bad hours when there is no
//! overlap). Times are shown in the viewer's zone, with each side's local time beside.

use chrono::{DateTime, Datelike, Utc};
use leptos::prelude::*;
use tandem_domain::{command::Command, error::CommandError, meeting::Zone};
use tandem_domain::{
    contact::{ContactDraft, Side, meeting_plan},
    day::Day,
    meeting::WorkingHours,
};

use crate::components::autosave::{AutoField, Form};
use crate::components::fields::today;
use crate::{
    browser::{now_ms, viewer_zone},
    editor::Editor,
    i18n::{self, lang, t, tf, tk},
};

/// Zones offered while typing (any IANA zone is accepted).
pub const ZONES: [&str; 16] = [
    "Europe/Moscow",
    "Europe/Kaliningrad",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Asia/Vladivostok",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Dubai",
    "Asia/Almaty",
    "Asia/Tbilisi",
    "UTC",
];

/// How many days the planner looks ahead.
const PLAN_DAYS: u32 = 14;

fn side_heading(side: Side) -> &'static str {
    match side {
        Side::Brand => t("Brand's point of contact"),
        Side::Creator => t("Creator's point of contact"),
    }
}

/// The viewer's zone, or UTC if the browser's is unknown to Tandem.
fn my_zone() -> Zone {
    viewer_zone()
        .and_then(|z| Zone::named(&z))
        .unwrap_or_else(Zone::utc)
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(now_ms()).unwrap_or_default()
}

/// "14:05" in `zone`.
pub fn clock(at: DateTime<Utc>, zone: &Zone) -> String {
    zone.local(at).format("%H:%M").to_string()
}

#[component]
pub fn PeopleTab() -> impl IntoView {
    view! {
        <section class="card people" data-testid="people">
            <h2>{t("People and time zones")}</h2>
            <p class="muted">{t("One point of contact on each side, with their time zone and working hours. Times below are in your time zone, with each side's local time beside them.")}</p>
            <div class="contacts">
                <ContactCard side=Side::Brand/>
                <ContactCard side=Side::Creator/>
            </div>
        </section>
        <MeetingPlanner/>
    }
}

/// One side's point of contact. Every field is saved when the person leaves it; a
/// contact needs a name and valid hours, so until it has them what was typed stays in
/// its field, marked not saved, with the reason under the field concerned.
#[component]
fn ContactCard(side: Side) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let form = Form::new();
    let key = side.as_str();
    let default_zone = match side {
        Side::Brand => "Europe/Moscow",
        Side::Creator => "America/New_York",
    };
    type Read = fn(&tandem_domain::contact::Contact) -> String;
    let fields: [(&'static str, &'static str, &'static str, Read, &'static str); 6] = [
        (
            "name",
            tk("Name"),
            "text",
            |c| c.name.as_str().to_owned(),
            "",
        ),
        (
            "role",
            tk("Role"),
            "text",
            |c| c.role.as_str().to_owned(),
            "",
        ),
        (
            "reach",
            tk("How to reach them"),
            "text",
            |c| c.reach.as_str().to_owned(),
            "",
        ),
        (
            "zone",
            tk("Time zone (IANA, such as Europe/Moscow)"),
            "text",
            |c| c.zone.clone(),
            default_zone,
        ),
        (
            "start",
            tk("Working day starts"),
            "time",
            |c| c.start.clone(),
            "09:00",
        ),
        (
            "end",
            tk("Working day ends"),
            "time",
            |c| c.end.clone(),
            "18:00",
        ),
    ];
    let full_id = move |name: &str| format!("contact-{key}-{name}");
    let stored = move |read: Read, default: &'static str, tracked: bool| {
        let get = move |p: &tandem_domain::partnership::Partnership| {
            p.contact(side)
                .map(read)
                .unwrap_or_else(|| default.to_owned())
        };
        if tracked {
            editor.view.with(get)
        } else {
            editor.view.with_untracked(get)
        }
    };
    let save = move |changed: &'static str, raw: String| {
        let value = |name: &'static str| {
            let (_, _, _, read, default) = fields
                .iter()
                .copied()
                .find(|f| f.0 == name)
                .unwrap_or(fields[0]);
            if name == changed {
                raw.clone()
            } else {
                form.current(&full_id(name), stored(read, default, false))
            }
        };
        let draft = ContactDraft {
            name: value("name"),
            role: value("role"),
            reach: value("reach"),
            zone: value("zone"),
            start: value("start"),
            end: value("end"),
        };
        let refusal = editor
            .try_edit(Command::SetContact {
                side,
                draft: draft.clone(),
            })
            .err()
            .flatten();
        let outcome = match refusal {
            None => Ok(()),
            Some(e) => {
                editor.error.set(None);
                Err((
                    full_id(contact_error_field(&e, &draft)),
                    contact_error(&e, &draft),
                ))
            }
        };
        form.settle(&full_id(changed), &raw, outcome);
    };
    let local_now = move || {
        editor.view.with(|p| {
            let c = p.contact(side)?;
            let hours = c.hours().ok()?;
            Some(tf("{0}: {1} now", &[&c.zone, &clock(now(), &hours.zone)]))
        })
    };
    view! {
        <div class="contact" data-testid=format!("contact-{key}")>
            <h3>{side_heading(side)}</h3>
            {move || local_now().map(|s| view! { <p class="muted local-now" data-testid=format!("local-now-{key}")>{s}</p> })}
            <div class="grid">
                {fields.into_iter().map(|(name, label, kind, read, default)| if kind == "time" {
                    // A time of day as the interface language writes it (18:00 in Russian,
                    // 6:00 PM in English), every half hour, whatever the browser's locale
                    // would make of a time input; kept as HH:MM.
                    let id = full_id(name);
                    let note = form.note(&id);
                    view! {
                        <div class="field">
                            <label for=id.clone()>{t(label)}</label>
                            <select id=id.clone() data-testid=id.clone()
                                on:change=move |ev| save(name, event_target_value(&ev))>
                                {move || {
                                    let current = stored(read, default, true);
                                    let mut times: Vec<(u32, u32)> = (0..48).map(|i| (i / 2, (i % 2) * 30)).collect();
                                    if let Some((h, m)) = current.split_once(':').and_then(|(h, m)| Some((h.parse().ok()?, m.parse().ok()?)))
                                        && !times.contains(&(h, m)) && h < 24 && m < 60
                                    {
                                        times.push((h, m));
                                        times.sort_unstable();
                                    }
                                    times.into_iter().map(|(h, m)| {
                                        let value = format!("{h:02}:{m:02}");
                                        let selected = value == current;
                                        view! { <option value=value selected=selected>{lang().time(h, m)}</option> }
                                    }).collect_view()
                                }}
                            </select>
                            <crate::components::field_message::FieldMessage field=id note=note/>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <AutoField form id=full_id(name) label=t(label).to_owned() kind=kind
                            list=(name == "zone").then_some("iana-zones")
                            stored=Signal::derive(move || stored(read, default, true))
                            on_save=Callback::new(move |raw| save(name, raw))/>
                    }.into_any()
                }).collect_view()}
            </div>
            <datalist id="iana-zones">
                {ZONES.into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
            </datalist>
            <p class="muted field-hint">{t("Each field is saved when you leave it.")}</p>
        </div>
    }
}

/// Which field a refused contact is about (its short name).
fn contact_error_field(e: &CommandError, draft: &ContactDraft) -> &'static str {
    use tandem_domain::{
        meeting::WorkingHoursError as H, partnership::contacts::ContactError as R,
    };
    match e {
        CommandError::Contact(R::Hours(H::Zone(_))) => "zone",
        CommandError::Contact(R::Hours(H::Time(s))) if *s == draft.start => "start",
        CommandError::Contact(R::Hours(H::Time(_) | H::Backwards)) => "end",
        _ => "name",
    }
}

fn contact_error(e: &CommandError, draft: &ContactDraft) -> String {
    use tandem_domain::{
        meeting::WorkingHoursError as H, partnership::contacts::ContactError as R,
    };
    let CommandError::Contact(e) = e else {
        return e.describe(lang());
    };
    match e {
        R::MissingName => t("A point of contact needs a name.").to_owned(),
        R::Hours(H::Zone(z)) => tf(
            "“{0}” is not an IANA time zone: write it like Europe/Moscow or America/New_York.",
            &[z],
        ),
        R::Hours(H::Time(s)) => tf("“{0}” is not a time of day: write it like 09:00.", &[s]),
        R::Hours(H::Backwards) => tf(
            "The working day must end after it starts ({0} – {1}).",
            &[&draft.start, &draft.end],
        ),
    }
}

#[component]
fn MeetingPlanner() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let hours = Memo::new(move |_| {
        editor.view.with(|p| {
            let a = p.contact(tandem_domain::contact::Side::Brand)?;
            let b = p.contact(tandem_domain::contact::Side::Creator)?;
            Some((
                (a.name.as_str().to_owned(), a.hours().ok()?),
                (b.name.as_str().to_owned(), b.hours().ok()?),
            ))
        })
    });
    let mine = my_zone();
    view! {
        <section class="card planner" data-testid="planner">
            <h2>{t("Meeting planner")}</h2>
            {move || match hours.get() {
                None => view! { <p class="muted">{t("Save both points of contact with their time zones to see when they can meet.")}</p> }.into_any(),
                Some(((a_name, a), (b_name, b))) => view! {
                    <Plan a_name b_name a b mine=mine.clone()/>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Plan(
    a_name: String,
    b_name: String,
    a: WorkingHours,
    b: WorkingHours,
    mine: Zone,
) -> impl IntoView {
    let plan = meeting_plan(&a, &b, today(), PLAN_DAYS);
    let any_overlap = plan.iter().any(|d| !d.overlaps.is_empty());
    let mine_name = mine.name().to_owned();
    // One slot: the viewer's time first, then each side's own.
    let slot = move |start: DateTime<Utc>, end: DateTime<Utc>, note: Option<String>| {
        let theirs = format!(
            "{} {}–{} · {} {}–{}",
            a_name,
            clock(start, &a.zone),
            clock(end, &a.zone),
            b_name,
            clock(start, &b.zone),
            clock(end, &b.zone),
        );
        view! {
            <li>
                <strong>{format!("{}–{}", clock(start, &mine), clock(end, &mine))}</strong>
                {note.map(|n| format!(" ({n})"))}
                <span class="muted">" · " {theirs}</span>
            </li>
        }
    };
    let rows = plan
        .into_iter()
        .map(|d| {
            let date = format!(
                "{} {}",
                lang().weekday(d.date.weekday()),
                lang().day_short(Day(d.date))
            );
            let overlap = !d.overlaps.is_empty();
            let slots = if overlap {
                d.overlaps
                    .iter()
                    .map(|o| {
                        let minutes = usize::try_from(o.minutes()).unwrap_or(0);
                        let length =
                            i18n::count(minutes, ["minute", "minutes"], ["минута", "минуты", "минут"]);
                        slot(o.start, o.end, Some(length))
                    })
                    .collect_view()
                    .into_any()
            } else {
                d.suggestions
                    .iter()
                    .map(|s| slot(s.start, s.start + chrono::Duration::hours(1), None))
                    .collect_view()
                    .into_any()
            };
            view! {
                <tr data-testid="plan-day" data-kind=if overlap { "overlap" } else { "none" }>
                    <th scope="row" class="nowrap">{date}</th>
                    <td>
                        {(!overlap).then(|| view! { <p class="muted">{t("No overlap. Least bad:")}</p> })}
                        <ul class="slots">{slots}</ul>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted">{tf("The next two weeks, in your time zone ({0}), with each side's local time.", &[&mine_name])}</p>
        {(!any_overlap).then(|| view! {
            <p class="banner warn" role="status" data-testid="no-overlap">{t("Their working hours never overlap: the least-bad hours are proposed for each day.")}</p>
        })}
        <table class="plan" data-testid="plan">
            <thead><tr><th scope="col">{t("Day")}</th><th scope="col">{t("When both can meet")}</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Each point of contact's local time now, beside the partnership's name (refreshed each
/// half minute).
#[component]
pub fn LocalTimes() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tick = RwSignal::new(0u32);
    leptos::task::spawn_local(async move {
        loop {
            crate::browser::sleep_ms(30_000).await;
            if tick.try_update(|n| *n = n.wrapping_add(1)).is_none() {
                break;
            }
        }
    });
    let times = move || {
        tick.track();
        editor.view.with(|p| {
            Side::ALL
                .into_iter()
                .filter_map(|side| {
                    let c = p.contact(side)?;
                    let hours = c.hours().ok()?;
                    Some(tf(
                        "{0}: {1} in {2}",
                        &[
                            &c.name.as_str(),
                            &clock(now(), &hours.zone),
                            &hours.zone.name(),
                        ],
                    ))
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || !times().is_empty()>
            <p class="local-times muted" data-testid="local-times">
                <span class="sr-only">{t("Local time now:")} " "</span>
                {move || times().join(" · ")}
            </p>
        </Show>
    }
}

/// What `at_ms` was for each point of contact ("Анна: 22:15 in Europe/Moscow · …"), for a
/// time shown in the viewer's zone; `None` until a contact has a zone.
pub fn their_times(p: &tandem_domain::partnership::Partnership, at_ms: i64) -> Option<String> {
    let at = DateTime::from_timestamp_millis(at_ms)?;
    let times: Vec<String> = Side::ALL
        .into_iter()
        .filter_map(|side| {
            let c = p.contact(side)?;
            let zone = c.hours().ok()?.zone;
            Some(tf(
                "{0}: {1} in {2}",
                &[&c.name.as_str(), &clock(at, &zone), &zone.name()],
            ))
        })
        .collect();
    (!times.is_empty()).then(|| times.join(" · "))
}
