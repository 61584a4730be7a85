//! Home: the partnerships stored in this browser, newest first, and unreadable ones
//! with their reason and their bytes to download.

use leptos::{prelude::*, task::spawn_local};
use tandem_domain::locale::{collation_key, matches};
use wasm_bindgen::JsCast;

use tandem_domain::{checkin::HealthState, verdict::Verdict};

use crate::i18n::{count, lang, t, tf};
use crate::{
    browser::{download, local_time},
    platform::{
        Imported, NewBecause, Unreadable,
        api::{Access, Role, State},
    },
    state::Tandem,
};
use crate::{
    components::fields::today, pages::share::JoinWithLink, tabs::checkins_tab::health_class,
    tabs::overview_tab::verdict_class,
};
use std::collections::BTreeMap;
use tandem_domain::{document::PartnershipDoc, document_id::DocumentId};

#[derive(Debug, Clone, PartialEq)]
struct Summary {
    id: String,
    brand: String,
    creator: String,
    markets: String,
    edited_ms: Option<i64>,
    problem: Option<String>,
    /// How this browser holds it, when that is worth saying (view only, link revoked…).
    access_note: Option<&'static str>,
    /// The relationship's health and why.
    health: Option<(HealthState, String)>,
    /// The current quarter, and each market's verdict for it (with its reason).
    quarter: Option<String>,
    verdicts: Vec<(String, Verdict, String)>,
    /// The next dated obligation: when, what, whether it is overdue.
    next: Option<(String, String, bool)>,
    /// What needs attention this week, for the portfolio list above the cards.
    week: Vec<WeekLine>,
}

/// One line of "this week" across partnerships.
#[derive(Debug, Clone, PartialEq)]
struct WeekLine {
    /// Sorts the lines (overdue first, then by date).
    date: chrono::NaiveDate,
    /// The date in words ("" for a state such as going quiet).
    when: String,
    what: String,
    overdue: bool,
    /// The tab it is dealt with in.
    place: &'static str,
}

/// One partnership's card, or `None` while it is still empty (asked of the relay).
fn summary(id: DocumentId, access: Access, doc: &mut PartnershipDoc) -> Summary {
    let access_note = match (access.role, access.state) {
        (_, State::Revoked) => Some(t("link revoked")),
        (_, State::Expired) => Some(t("link expired")),
        (_, State::Refused) => Some(t("not shared")),
        (_, State::Unregistered) => Some(t("not yet on the relay")),
        (Role::Viewer, _) => Some(t("view only")),
        _ => None,
    };
    let edited_ms = doc.last_edited_ms();
    match doc.partnership() {
        Ok(p) => {
            let now = today();
            let quarter = p.current_quarter(now);
            let attention = p.attention(now);
            let mut week: Vec<WeekLine> = attention
                .this_week
                .iter()
                .map(|o| WeekLine {
                    date: o.date,
                    when: crate::i18n::day(tandem_domain::day::Day(o.date)),
                    what: o.describe(lang()),
                    overdue: o.overdue(now),
                    place: match o.place() {
                        tandem_domain::overview::Place::Share => "overview",
                        other => other.id(),
                    },
                })
                .collect();
            if let Some(deadline) = attention.notice_open_until {
                week.push(WeekLine {
                    date: deadline,
                    when: crate::i18n::day(tandem_domain::day::Day(deadline)),
                    what: t("Renewal: the notice window is open").to_owned(),
                    overdue: false,
                    place: "agreement",
                });
            }
            if let Some(h) = &attention.quiet {
                week.push(WeekLine {
                    date: now,
                    when: String::new(),
                    what: tf("Going quiet: {0}", &[&h.reason(lang())]),
                    overdue: false,
                    place: "checkins",
                });
            }
            let next = p.obligations(now).into_iter().next().map(|o| {
                (
                    crate::i18n::day(tandem_domain::day::Day(o.date)),
                    o.describe(lang()),
                    o.overdue(now),
                )
            });
            Summary {
                id: id.to_string(),
                brand: p.brand.as_str().to_owned(),
                creator: p.creator.as_str().to_owned(),
                markets: p
                    .markets
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" · "),
                edited_ms,
                problem: None,
                access_note,
                health: {
                    let h = p.health(now);
                    Some((h.state, h.reason(lang())))
                },
                quarter: quarter.map(|q| q.to_string()),
                verdicts: quarter
                    .map(|q| {
                        p.verdicts(q)
                            .into_iter()
                            .map(|v| (v.market.to_string(), v.verdict, v.summary(lang())))
                            .collect()
                    })
                    .unwrap_or_default(),
                next,
                week,
            }
        }
        Err(e) => Summary {
            id: id.to_string(),
            brand: String::new(),
            creator: String::new(),
            markets: String::new(),
            edited_ms,
            problem: Some(e.to_string()),
            access_note,
            health: None,
            quarter: None,
            verdicts: Vec::new(),
            next: None,
            week: Vec::new(),
        },
    }
}

/// The cards made so far, and the page's owner they live under.
#[derive(Clone)]
struct Cards {
    memos: StoredValue<BTreeMap<DocumentId, Memo<Option<Summary>>>, LocalStorage>,
    owner: Owner,
}

/// Each partnership's card, re-read only when that partnership changes.
fn summaries(tandem: Tandem, cards: Cards) -> Vec<Summary> {
    let mut list: Vec<Summary> = tandem
        .ids()
        .into_iter()
        .filter_map(|id| {
            let card = cards
                .memos
                .with_value(|c| c.get(&id).copied())
                .unwrap_or_else(|| {
                    let revision = tandem.revision(id);
                    let access = tandem.access(id);
                    // Owned by the page, not by the run of the list that first made it
                    // (which is disposed when the list is read again).
                    let memo = cards.owner.with(|| {
                        Memo::new(move |_| {
                            revision.track();
                            let access = access.get();
                            tandem
                                .with_doc_mut(&id, |d| {
                                    // A brand's notes belong to their partnership's page,
                                    // not on a card of their own.
                                    (!d.is_empty() && d.notes_parent().is_none())
                                        .then(|| summary(id, access, d))
                                })
                                .flatten()
                        })
                    });
                    cards.memos.update_value(|c| {
                        c.insert(id, memo);
                    });
                    memo
                });
            card.get()
        })
        .collect();
    // The ones that need attention first (silent, going quiet, due), then the newest.
    list.sort_by_key(|s| {
        (
            std::cmp::Reverse(s.health.as_ref().map(|(state, _)| *state)),
            std::cmp::Reverse(s.edited_ms.unwrap_or(0)),
        )
    });
    list
}

#[component]
pub fn Home() -> impl IntoView {
    let tandem = expect_context::<Tandem>();
    let documents = tandem.documents();
    let cards = Cards {
        memos: StoredValue::new_local(BTreeMap::new()),
        owner: Owner::current().unwrap_or_default(),
    };
    let list = Memo::new(move |_| {
        documents.track();
        summaries(tandem, cards.clone())
    });
    // Partnerships load one after another (the one a page shows first): the list grows
    // as they do, and says how many are still opening.
    let pending = Memo::new(move |_| {
        documents.track();
        tandem.pending_count()
    });
    let nothing = move || {
        documents.track();
        pending.get() == 0 && tandem.unreadable().is_empty()
    };
    // Finding and ordering work the same for Cyrillic and Latin names (case, ё/е).
    let query = RwSignal::new(String::new());
    let by_name = RwSignal::new(false);
    let shown = Memo::new(move |_| {
        let q = query.get();
        let mut items: Vec<Summary> = list
            .get()
            .into_iter()
            .filter(|s| {
                q.trim().is_empty()
                    || matches(
                        &format!("{} {} {}", s.brand, s.creator, s.markets),
                        q.trim(),
                    )
            })
            .collect();
        if by_name.get() {
            items.sort_by_key(|s| (collation_key(&s.brand), collation_key(&s.creator)));
        }
        items
    });

    view! {
        <section class="page-head">
            <h1>{t("Your partnerships")}</h1>
            <div class="head-actions">
                <JoinWithLink/>
                <Import/>
                <a class="button primary" href="/new" data-testid="new-partnership">{t("New partnership")}</a>
            </div>
        </section>
        <Show when=move || nothing() && list.with(Vec::is_empty)>
            <div class="card empty">
                <p>{t("No partnerships in this browser yet.")}</p>
                <p class="muted">{t("Start one: the roadmap, the markets and the quarters you plan together.")}</p>
                <p><a class="button primary" href="/new" data-testid="empty-new-partnership">{t("New partnership")}</a></p>
            </div>
        </Show>
        <Show when=move || list.with(|l| l.len() > 1)>
            <div class="find-bar" role="search">
                <div class="field">
                    <label for="find-partnership">{t("Find a partnership")}</label>
                    <input id="find-partnership" type="search" data-testid="find-partnership"
                        placeholder=t("Brand, creator or market")
                        prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="sort-partnerships">{t("Order")}</label>
                    <select id="sort-partnerships" data-testid="sort-partnerships"
                        on:change=move |ev| by_name.set(event_target_value(&ev) == "name")>
                        <option value="attention" prop:selected=move || !by_name.get()>{t("Needs attention first")}</option>
                        <option value="name" prop:selected=move || by_name.get()>{t("By name")}</option>
                    </select>
                </div>
            </div>
        </Show>
        <Show when=move || !query.with(|q| q.trim().is_empty()) && shown.with(Vec::is_empty)>
            <p class="muted" role="status">{move || tf("Nothing matches “{0}”.", &[&query.get()])}</p>
        </Show>
        <ThisWeek list/>
        <Show when=move || { pending.get() > 0 }>
            <p class="muted" role="status" data-testid="still-opening">
                {move || tf("Still opening {0}…", &[&count(pending.get(), ["partnership", "partnerships"], ["партнёрство", "партнёрства", "партнёрств"])])}
            </p>
        </Show>
        <ul class="partnership-list" data-testid="partnership-list">
            {move || {
                documents.track();
                tandem.unreadable().into_iter().map(unreadable_view).collect_view()
            }}
            <For each=move || shown.get() key=|s| s.id.clone() children=summary_view/>
        </ul>
    }
}

/// Across every partnership in this browser: what is overdue or due this week (payments,
/// reviews, deliverables, notices, actions), renewals whose notice window is open, and
/// partnerships going quiet — each line a link to where it is dealt with.
#[component]
fn ThisWeek(list: Memo<Vec<Summary>>) -> impl IntoView {
    let lines = Memo::new(move |_| {
        let mut all: Vec<(WeekLine, String, String)> = list.with(|l| {
            l.iter()
                .flat_map(|s| {
                    let name = format!("{} × {}", s.brand, s.creator);
                    s.week
                        .iter()
                        .map(move |w| (w.clone(), s.id.clone(), name.clone()))
                })
                .collect()
        });
        all.sort_by(|a, b| (!a.0.overdue, a.0.date, &a.2).cmp(&(!b.0.overdue, b.0.date, &b.2)));
        all
    });
    view! {
        <Show when=move || lines.with(|l| !l.is_empty())>
            <section class="card this-week" data-testid="this-week" aria-labelledby="this-week-title">
                <h2 id="this-week-title">{t("This week")}</h2>
                <ul class="obligations">
                    {move || lines.get().into_iter().map(|(w, id, name)| view! {
                        <li class:overdue=w.overdue data-testid="week-line">
                            <a href=format!("/p/{id}#tab-{}", w.place)>
                                <span class="name">{name}</span>
                                " — "
                                <span class="what">{w.what}</span>
                            </a>
                            " "
                            <span class="when muted">{w.when}</span>
                            {w.overdue.then(|| view! { " " <span class="chip late">{t("Overdue")}</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        </Show>
    }
}

fn summary_view(s: Summary) -> impl IntoView {
    let edited = s.edited_ms.map(local_time).unwrap_or_else(|| "—".into());
    match s.problem {
        None => view! {
            <li class="card partnership-card" data-testid="partnership-card">
                <a class="title" href=format!("/p/{}", s.id)>
                    <span>{s.brand}</span> " × " <span>{s.creator}</span>
                </a>
                <p class="meta">
                    <span class="markets" aria-label=t("Markets")>{s.markets}</span>
                    <span class="muted">{t("Last edited ")} {edited}</span>
                    {s.access_note.map(|n| view! { <span class="badge" data-testid="access-badge">{n}</span> })}
                </p>
                {(s.quarter.is_some() || !s.verdicts.is_empty()).then(|| view! {
                    <p class="card-verdicts" data-testid="card-verdicts">
                        {s.quarter.map(|q| view! { <span class="muted">{q}</span> })}
                        {s.verdicts.into_iter().map(|(market, verdict, why)| { let hint = why.clone(); view! {
                            <span class=verdict_class(verdict) title=hint data-verdict=verdict.as_str()>
                                {market} ": " {verdict.words(lang())}
                                <span class="sr-only">" — " {why}</span>
                            </span>
                        }}).collect_view()}
                    </p>
                })}
                {s.next.map(|(when, what, overdue)| view! {
                    <p class="card-next" data-testid="card-next" data-overdue=overdue.to_string()>
                        <span class="muted">{t("Next:")} " "</span>
                        <strong class:overdue=overdue>{when}</strong> " — " {what}
                        {overdue.then(|| view! { " " <span class="badge stop">{t("overdue")}</span> })}
                    </p>
                })}
                {s.health.map(|(state, reason)| view! {
                    <p class=health_class(state) data-testid="card-health" data-state=state.as_str()>
                        <strong>{state.words(lang())}</strong> " — " {reason}
                    </p>
                })}
            </li>
        }
        .into_any(),
        Some(problem) => view! {
            <li class="card unreadable" data-testid="unreadable-card">
                <p class="title">{t("Partnership with a problem")}</p>
                <p data-testid="unreadable-reason">{problem}</p>
                <p class="muted">{t("Id: ")} <code>{s.id}</code></p>
            </li>
        }
        .into_any(),
    }
}

fn unreadable_view(u: Unreadable) -> impl IntoView {
    let has_bytes = !u.bytes.is_empty();
    let file = format!("tandem-{}.automerge", u.id);
    let failed = RwSignal::new(None::<String>);
    let bytes = u.bytes;
    let save = move |_| {
        if let Err(e) = download(&file, &bytes, "application/octet-stream") {
            failed.set(Some(e));
        }
    };
    view! {
        <li class="card unreadable" data-testid="unreadable-card">
            <p class="title">{t("Unreadable partnership")}</p>
            <p>{t("This browser holds a partnership it cannot open: ")} <span data-testid="unreadable-reason">{u.reason}</span></p>
            <p class="muted">{t("Its stored bytes are kept exactly as they are: download them to keep a copy. Your other partnerships are not affected. Id: ")} <code>{u.id}</code></p>
            <Show when=move || has_bytes>
                <button type="button" on:click=save.clone() data-testid="download-unreadable">{t("Download the stored bytes")}</button>
            </Show>
            {move || failed.get().map(|e| view! { <p class="error" role="alert">{t("Download failed: ")} {e}</p> })}
        </li>
    }
}

/// Import a `.automerge` file: merged into the partnership here it is a copy of, or
/// added as a new one, and the page says which and why.
#[component]
fn Import() -> impl IntoView {
    let tandem = expect_context::<Tandem>();
    let outcome = RwSignal::new(None::<Result<Imported, String>>);
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        let platform = tandem.platform();
        spawn_local(async move {
            let bytes = match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
                Err(_) => return outcome.set(Some(Err(t("the file could not be read").into()))),
            };
            outcome.set(Some(platform.import(&bytes).await));
        });
    };
    view! {
        <div class="import">
            <input id="import-file" class="sr-only" type="file" accept=".automerge,application/octet-stream"
                data-testid="import-file" on:change=on_change/>
            <label class="button" for="import-file">{t("Import a .automerge file")}</label>
            {move || outcome.get().map(|o| match o {
                Ok(imported) => {
                    let (id, kind, said) = match imported {
                        Imported::Merged(id) => (id, "merged", t("Merged into the partnership you already had.")),
                        Imported::New { id, why } => (id, "new", match why {
                            NewBecause::NoRecordedId => t("Imported as a partnership."),
                            NewBecause::NotHeldHere => t("Imported as a new partnership with its own id: the file names a partnership this browser does not hold, so nothing was merged into any existing copy."),
                            NewBecause::DifferentOrigin => t("Imported as a new partnership with its own id: the file names a partnership you have, but its history did not begin there, so it was not merged into yours."),
                        }),
                    };
                    view! {
                        <p class="ok" role="status" data-testid="import-result" data-outcome=kind>
                            {said} " "
                            <a href=format!("/p/{id}")>{t("Open it")}</a>
                        </p>
                    }.into_any()
                }
                Err(e) => view! {
                    <p class="error" role="alert" data-testid="import-result" data-outcome="refused">
                        {t("This file cannot be imported: ")} {e} {t(". Nothing was changed.")}
                    </p>
                }.into_any(),
            })}
        </div>
    }
}
