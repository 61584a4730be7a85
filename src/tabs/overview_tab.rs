//! The partnership at a glance, its first tab: the larger goal, the current quarter and
//! its campaigns, the verdict per market (its reason on hover and focus), relationship
//! health, what falls due next, open review actions and the latest win — and, while the
//! partnership is new, the steps to set it up, each ticked from the document.
//!
//! Everything here is read from the document by the domain (`tandem_domain::overview`);
//! each line links to the tab where it is dealt with ([`GoTo`]).

use leptos::prelude::*;
use tandem_domain::{
    campaign::CampaignStatus,
    day::Day,
    overview::{Place, SetupStep},
    verdict::Verdict,
};

use crate::i18n::{day, lang, t, tf};
use crate::{
    components::fields::today, editor::Editor, tabs::campaign_row::status_label,
    tabs::checkins_tab::health_class,
};

/// Opens a place of the partnership page (a tab, or the share panel) by its id, as
/// [`Place::id`] names it. Provided by the page's tabs.
#[derive(Debug, Clone, Copy)]
pub struct GoTo(pub Callback<&'static str>);

/// How many obligations the overview lists.
const SHOWN: usize = 6;

/// A verdict's badge class.
pub fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Continue => "badge continue",
        Verdict::Review => "badge review",
        Verdict::Stop => "badge stop",
        Verdict::NotEnoughData => "badge unknown",
    }
}

/// A campaign status's chip class (the overview and a finished campaign's line).
pub fn campaign_class(s: CampaignStatus) -> String {
    format!("status-chip {}", s.as_str())
}

/// A link to a place on the page (`#tab-…`), opening it in place.
fn place_link(place: Place, text: String) -> impl IntoView {
    let go = expect_context::<GoTo>();
    let href = match place {
        Place::Share => "#share".to_owned(),
        p => format!("#tab-{}", p.id()),
    };
    view! {
        <a href=href data-place=place.id() on:click=move |ev| {
            ev.prevent_default();
            go.0.run(place.id());
        }>{text}</a>
    }
}

#[component]
pub fn OverviewTab() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let setup = Memo::new(move |_| editor.view.with(|p| p.setup()));
    let new = move || setup.with(|s| s.iter().any(|(_, done)| !done));
    view! {
        <div class="overview" data-testid="overview">
            <Show when=new>
                <Setup setup/>
            </Show>
            <div class="overview-grid">
                <Standing/>
                <ComingUp/>
                <Relationship/>
            </div>
        </div>
    }
}

#[component]
fn Setup(setup: Memo<Vec<(SetupStep, bool)>>) -> impl IntoView {
    let done = move || setup.with(|s| s.iter().filter(|(_, d)| *d).count());
    // Only an owner has the share panel that invites; others are told who does.
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<crate::state::Tandem>();
    let access = tandem.access(editor.id);
    let controlled = tandem.has_access_control();
    let can_share = move || {
        controlled
            && access.with(|a| {
                a.role == crate::platform::api::Role::Owner
                    && a.state == crate::platform::api::State::Active
            })
    };
    view! {
        <section class="card setup" data-testid="setup" aria-labelledby="setup-title">
            <div class="card-head">
                <h2 id="setup-title">{t("Setting up this partnership")}</h2>
                <p class="muted" data-testid="setup-progress">
                    {move || tf("{0} of {1} done", &[&done(), &SetupStep::ALL.len()])}
                </p>
            </div>
            <ol class="checklist">
                {move || setup.get().into_iter().map(|(step, done)| view! {
                    <li data-testid=format!("setup-{}", step.id()) data-done=done.to_string()
                        class=if done { "done" } else { "open" }>
                        <span class="tick" aria-hidden="true">{if done { "✓" } else { "" }}</span>
                        {if step.place() == Place::Share && !can_share() {
                            view! { <span>{step.words(lang())} " " <span class="muted">{t("(the owner sends the link)")}</span></span> }.into_any()
                        } else {
                            place_link(step.place(), step.words(lang()).to_owned()).into_any()
                        }}
                        <span class="sr-only">{if done { t("(done)") } else { t("(to do)") }}</span>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// The goal, the current quarter and its campaigns, and each market's verdict.
#[component]
fn Standing() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let now = today();
    let quarter = Memo::new(move |_| editor.view.with(|p| p.current_quarter(now)));
    let goal = move || editor.view.with(|p| p.goal.as_str().trim().to_owned());
    let campaigns = move || {
        let q = quarter.get()?;
        Some(editor.view.with(|p| {
            p.quarters
                .get(&q)
                .map(|x| {
                    x.campaigns_in_order()
                        .into_iter()
                        .map(|(id, c)| {
                            (
                                id.to_string(),
                                c.title.as_str().to_owned(),
                                c.market,
                                c.status,
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }))
    };
    let verdicts = move || {
        quarter
            .get()
            .map(|q| editor.view.with(|p| p.verdicts(q)))
            .unwrap_or_default()
    };
    view! {
        <section class="card standing" aria-labelledby="standing-title">
            <h2 id="standing-title">{t("Where it stands")}</h2>
            <p class="goal-line" data-testid="overview-goal">
                {move || {
                    let g = goal();
                    if g.is_empty() {
                        view! { <span class="muted">{t("No larger goal written yet.")}</span> }.into_any()
                    } else {
                        view! { <span>{g}</span> }.into_any()
                    }
                }}
            </p>
            {move || quarter.get().map(|q| view! {
                <h3 data-testid="overview-quarter">
                    {if now < q.first_day() { tf("Next quarter: {0}", &[&q]) } else { tf("Now: {0}", &[&q]) }}
                    <span class="muted dates">" "{day(Day(q.first_day()))} " – " {day(Day(q.last_day()))}</span>
                </h3>
            })}
            {move || match campaigns() {
                Some(list) if !list.is_empty() => view! {
                    <ul class="campaign-chips" data-testid="overview-campaigns">
                        {list.into_iter().map(|(id, title, market, status)| view! {
                            <li data-campaign=id>
                                <span class="title">{if title.is_empty() { t("Untitled campaign").to_owned() } else { title }}</span>
                                " "<span class="market-tag">{market.to_string()}</span>
                                " "<span class=campaign_class(status) data-status=status.as_str()>{status_label(status)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                _ => view! {
                    <p class="muted">{t("No campaigns planned this quarter.")} " "
                        {place_link(Place::Roadmap, t("Plan them on the roadmap").to_owned())}</p>
                }.into_any(),
            }}
            <h3>{t("Verdict per market")}</h3>
            <ul class="verdict-chips" data-testid="overview-verdicts">
                {move || verdicts().into_iter().map(|v| {
                    let reason_id = format!("verdict-reason-{}", v.market);
                    view! {
                        <li class="chip-with-reason">
                            <span class=verdict_class(v.verdict) tabindex="0"
                                data-testid=format!("overview-verdict-{}", v.market)
                                data-verdict=v.verdict.as_str()
                                aria-describedby=reason_id.clone()>
                                {v.market.to_string()} ": " {v.verdict.words(lang())}
                            </span>
                            <span class="reason" role="tooltip" id=reason_id>{v.summary(lang())}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="more">{place_link(Place::Kpis, t("KPIs and results").to_owned())}</p>
        </section>
    }
}

/// The next dated obligations, overdue ones flagged.
#[component]
fn ComingUp() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let now = today();
    let list = Memo::new(move |_| editor.view.with(|p| p.obligations(now)));
    view! {
        <section class="card coming-up" aria-labelledby="coming-up-title">
            <h2 id="coming-up-title">{t("Coming up")}</h2>
            {move || {
                let all = list.get();
                if all.is_empty() {
                    return view! { <p class="muted">{t("Nothing dated yet: set the agreement's term and the deliverables' dates.")}</p> }.into_any();
                }
                view! {
                    <ol class="obligations" data-testid="obligations">
                        {all.into_iter().take(SHOWN).map(|o| {
                            let overdue = o.overdue(now);
                            let when = day(Day(o.date));
                            view! {
                                <li data-testid="obligation" data-date=o.date.to_string()
                                    data-overdue=overdue.to_string() class:overdue=overdue>
                                    <span class="when">{when}</span>
                                    {overdue.then(|| view! { <span class="badge stop">{t("overdue")}</span> })}
                                    <span class="what">{place_link(o.place(), o.describe(lang()))}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

/// Health and the next check-in, open review actions, the latest win.
#[component]
fn Relationship() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let now = today();
    let health = Memo::new(move |_| editor.view.with(|p| p.health(now)));
    let actions = Memo::new(move |_| {
        editor.view.with(|p| {
            p.open_actions()
                .into_iter()
                .map(|(q, _, a)| {
                    (
                        q,
                        a.text.as_str().to_owned(),
                        a.owner.as_str().to_owned(),
                        a.due,
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    let win = Memo::new(move |_| {
        editor.view.with(|p| {
            p.latest_win()
                .map(|w| (w.text.as_str().to_owned(), w.by.clone()))
        })
    });
    view! {
        <section class="card relationship" aria-labelledby="relationship-title">
            <h2 id="relationship-title">{t("Relationship")}</h2>
            {move || {
                let h = health.get();
                view! {
                    <p class=health_class(h.state) data-testid="overview-health" data-state=h.state.as_str()>
                        <strong>{h.state.words(lang())}</strong> " — " {h.reason(lang())}
                    </p>
                }
            }}
            <p class="more">{place_link(Place::CheckIns, t("Log a check-in").to_owned())}</p>
            <h3>{t("Open actions from reviews")}</h3>
            {move || {
                let list = actions.get();
                if list.is_empty() {
                    return view! { <p class="muted">{t("None open.")}</p> }.into_any();
                }
                let more = list.len().saturating_sub(SHOWN);
                view! {
                    <ul class="actions-list" data-testid="overview-actions">
                        {list.into_iter().take(SHOWN).map(|(q, text, owner, due)| view! {
                            <li>
                                <span>{if text.trim().is_empty() { t("Action item").to_owned() } else { text }}</span>
                                <span class="muted">
                                    " · " {q.to_string()}
                                    {(!owner.trim().is_empty()).then(|| format!(" · {owner}"))}
                                    {due.map(|d| format!(" · {}", day(d)))}
                                </span>
                            </li>
                        }).collect_view()}
                    </ul>
                    {(more > 0).then(|| view! { <p class="muted">{tf("and {0} more", &[&more])}</p> })}
                }.into_any()
            }}
            <h3>{t("Latest win")}</h3>
            {move || match win.get() {
                Some((text, by)) => view! {
                    <blockquote class="win" data-testid="overview-win">
                        <p>{text}</p>
                        {(!by.trim().is_empty()).then(|| view! { <footer class="muted">{by}</footer> })}
                    </blockquote>
                }.into_any(),
                None => view! { <p class="muted">{t("No wins yet.")}</p> }.into_any(),
            }}
        </section>
    }
}
