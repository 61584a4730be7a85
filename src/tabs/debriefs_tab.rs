//! Debriefs: one per campaign — outcome, KPI target against actual per market, what
//! worked, what didn't (issue → cause → effect), learnings and the next step; a win from
//! the debrief goes on the wall.

use crate::components::undo_toast::remove_with_undo;
use leptos::{ev::SubmitEvent, prelude::*};
use tandem_domain::{
    campaign::{Campaign, CampaignId},
    debrief::{Debrief, DebriefText, IssueText, NextStep, Outcome},
    ids::{IssueId, WinId},
    kpi::Unit,
    quarter::QuarterId,
};
use tandem_domain::{command::Command, removal::Target};

use crate::{
    browser::{now_ms, random_16},
    editor::Editor,
    i18n::{self, lang, t, tf},
    state::Tandem,
};
use crate::{components::collab_text::CollabTextarea, tabs::learnings::Learnings};

/// A campaign picked for its debrief.
type Picked = Option<(QuarterId, CampaignId)>;

fn campaign_of(editor: Editor, picked: Picked) -> Option<Campaign> {
    let (q, id) = picked?;
    editor
        .view
        .with(|p| p.quarters.get(&q)?.campaigns.get(&id).cloned())
}

fn value_text(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Percent => i18n::lang().percent(value, 1),
        Unit::Money(c) => format!("{} {c}", i18n::number(value, 2)),
        Unit::Ratio => i18n::number(value, 2),
    }
}

#[component]
pub fn DebriefsTab() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let campaigns = Memo::new(move |_| {
        editor.view.with(|p| {
            p.campaigns_in_roadmap_order()
                .into_iter()
                .map(|(q, id, c)| {
                    (
                        q,
                        id.clone(),
                        format!("{q} · {} ({})", c.title.as_str(), c.market),
                        c.debrief.as_ref().is_some_and(|d| !d.is_empty()),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    // First pick: the first campaign still without a debrief, else the first.
    let picked = RwSignal::new(campaigns.with_untracked(|list| {
        list.iter()
            .find(|c| !c.3)
            .or(list.first())
            .map(|c| (c.0, c.1.clone()))
    }));
    let choose = move |value: String| {
        let found = campaigns.with_untracked(|list| {
            list.iter()
                .find(|c| format!("{}/{}", c.0, c.1) == value)
                .map(|c| (c.0, c.1.clone()))
        });
        picked.set(found);
    };
    view! {
        <section class="card debriefs" data-testid="debriefs">
            <div class="card-head">
                <h2>{t("Debriefs")}</h2>
                <div class="field">
                    <label for="debrief-campaign">{t("Campaign")}</label>
                    <select id="debrief-campaign" data-testid="debrief-campaign" data-view="" on:change=move |ev| choose(event_target_value(&ev))>
                        <For each=move || campaigns.get() key=|c| (c.0, c.1.clone(), c.2.clone(), c.3) children=move |(q, id, label, written)| {
                            let value = format!("{q}/{id}");
                            let this = (q, id.clone());
                            view! {
                                <option value=value prop:selected=move || picked.get() == Some(this.clone())>
                                    {label}{written.then(|| format!(" — {}", t("debriefed")))}
                                </option>
                            }
                        }/>
                    </select>
                </div>
            </div>
            <p class="muted">{t("One per campaign: how it went against the KPIs, what worked, what didn't and why, and what the next campaign should take from it.")}</p>
            {move || match picked.get() {
                None => view! { <p class="muted">{t("Plan a campaign on the roadmap to debrief it.")}</p> }.into_any(),
                Some((q, id)) => view! { <DebriefFor q id/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn DebriefFor(q: QuarterId, id: CampaignId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let id = StoredValue::new(id);
    let picked = move || Some((q, id.get_value()));
    let campaign = Memo::new(move |_| campaign_of(editor, picked()));
    let debrief = Memo::new(move |_| campaign.get().and_then(|c| c.debrief).unwrap_or_default());
    let title = move || {
        campaign
            .with(|c| c.as_ref().map(|c| c.title.as_str().to_owned()))
            .unwrap_or_default()
    };
    let market = campaign.with_untracked(|c| c.as_ref().map(|c| c.market));
    let outcomes = Memo::new(move |_| {
        campaign.with(|c| {
            c.as_ref()
                .map(|c| editor.view.with(|p| p.kpi_outcomes(c)))
                .unwrap_or_default()
        })
    });
    let set_outcome = move |o: Option<Outcome>| {
        editor.edit(Command::SetDebriefOutcome {
            quarter: q,
            campaign: id.get_value(),
            outcome: o,
        });
    };
    let set_next = move |n: Option<NextStep>| {
        editor.edit(Command::SetDebriefNext {
            quarter: q,
            campaign: id.get_value(),
            next: n,
        });
    };
    let text = move |field: DebriefText,
                     key: &'static str,
                     label: &'static str,
                     placeholder: &'static str| {
        view! {
            <div class="field">
                <label for=format!("debrief-{key}")>{label}</label>
                <CollabTextarea id=format!("debrief-{key}") test_id=format!("debrief-{key}") rows=3 placeholder=placeholder
                    value=Signal::derive(move || debrief.with(|d| d.text(field).to_owned()))
                    on_input=move |value: String| {
                        editor.edit(Command::SetDebriefText { quarter: q, campaign: id.get_value(), field, value });
                    }/>
            </div>
        }
    };
    view! {
        <div class="debrief" data-testid="debrief">
            {market.map(|m| view! { <Learnings market=m q campaign=Some(id.get_value()) heading=t("Learnings carried from earlier campaigns")/> })}
            <h3 class="section-label">{t("KPIs: target against actual")}</h3>
            {move || {
                let rows = outcomes.get();
                if rows.is_empty() {
                    return view! { <p class="muted">{t("No KPIs for this campaign's markets yet: add them on the KPIs tab.")}</p> }.into_any();
                }
                view! {
                    <table class="kpis" data-testid="debrief-kpis">
                        <thead><tr>
                            <th scope="col">{t("Market")}</th><th scope="col">{t("Metric")}</th>
                            <th scope="col">{t("Target")}</th><th scope="col">{t("Threshold")}</th><th scope="col">{t("Actual")}</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|o| {
                                let unit_pct = o.kpi.metric.is_percent();
                                let show = move |v: f64| if unit_pct { i18n::lang().percent(v, 1) } else { i18n::number(v, 2) };
                                let actual = o.actual.map(|(v, u)| value_text(v, u)).unwrap_or_else(|| t("no results yet").to_owned());
                                view! {
                                    <tr>
                                        <td>{o.market.to_string()}</td>
                                        <td>{o.kpi.metric.name(lang())}</td>
                                        <td>{show(o.kpi.target)}</td>
                                        <td>{show(o.kpi.threshold)}</td>
                                        <td data-testid="debrief-actual">{actual}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <fieldset class="choice" data-testid="debrief-outcome">
                <legend>{t("Outcome")}</legend>
                {Outcome::ALL.iter().copied().map(|o| view! {
                    <label class="radio">
                        <input type="radio" name=format!("outcome-{}", id.get_value()) value=o.as_str()
                            prop:checked=move || debrief.with(|d| d.outcome == Some(o))
                            on:change=move |_| set_outcome(Some(o))/>
                        {o.words(lang())}
                    </label>
                }).collect_view()}
            </fieldset>
            {text(DebriefText::Worked, "worked", t("What worked"), t("What to keep doing"))}
            <Issues q id=id.get_value() debrief/>
            {text(DebriefText::Learnings, "learnings", t("Learnings"), t("What the next campaign in this market should know"))}
            <div class="field">
                <label for="debrief-next">{t("Next time")}</label>
                <select id="debrief-next" data-testid="debrief-next"
                    on:change=move |ev| set_next(event_target_value(&ev).parse().ok())>
                    <option value="" prop:selected=move || debrief.with(|d| d.next.is_none())>{t("Not decided")}</option>
                    {NextStep::ALL.iter().copied().map(|n| view! {
                        <option value=n.as_str() prop:selected=move || debrief.with(|d| d.next == Some(n))>{n.words(lang())}</option>
                    }).collect_view()}
                </select>
            </div>
            <WinFromDebrief title=Signal::derive(title) debrief/>
        </div>
    }
}

#[component]
fn Issues(q: QuarterId, id: CampaignId, debrief: Memo<Debrief>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let id = StoredValue::new(id);
    let fields = [
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    ];
    let error = RwSignal::new(None::<String>);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let values = fields.map(|s| s.get_untracked());
        let outcome = editor.edit_or_say(Command::AddIssue {
            quarter: q,
            campaign: id.get_value(),
            id: IssueId::from_random(random_16()),
            texts: values,
            at_ms: now_ms(),
        });
        let ok = outcome.is_ok();
        let refusal = outcome.err();
        if ok {
            for s in fields {
                s.set(String::new());
            }
            error.set(None);
        } else {
            error.set(refusal.map(|_| {
                t("Say what didn't work (the cause and the effect can follow).").to_owned()
            }));
        }
    };
    let labels = [
        (IssueText::Issue, "issue", t("Issue")),
        (IssueText::Cause, "cause", t("Cause")),
        (IssueText::Effect, "effect", t("Effect")),
    ];
    view! {
        <h3 class="section-label">{t("What didn't work")}</h3>
        <ol class="issues" data-testid="debrief-issues">
            {move || debrief.with(|d| d.issues_in_order().into_iter().map(|(issue_id, i)| {
                let issue_id = issue_id.clone();
                view! {
                    <li data-testid="debrief-issue">
                        <span>{i.issue.as_str().to_owned()}</span>
                        {(!i.cause.as_str().is_empty()).then(|| format!(" → {}", i.cause.as_str()))}
                        {(!i.effect.as_str().is_empty()).then(|| format!(" → {}", i.effect.as_str()))}
                        " "
                        <button type="button" class="small-button danger-quiet" on:click=move |_| {
                            remove_with_undo(
                                editor,
                                t("Issue removed").to_owned(),
                                Target::Issue(q, id.get_value(), issue_id.clone()),
                            );
                        }>{t("Remove")}</button>
                    </li>
                }
            }).collect_view())}
        </ol>
        <form class="issue-form" on:submit=on_submit data-testid="add-issue" data-draft="">
            {labels.into_iter().zip(fields).map(|((_, key, label), value)| view! {
                <div class="field">
                    <label for=format!("new-issue-{key}")>{label}</label>
                    <input id=format!("new-issue-{key}") type="text" data-testid=format!("new-issue-{key}")
                        prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
                </div>
            }).collect_view()}
            <button type="submit">{t("Add")}</button>
        </form>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}

/// Puts a win from this debrief on the wall, with the campaign it came from.
#[component]
fn WinFromDebrief(title: Signal<String>, debrief: Memo<Debrief>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let text = RwSignal::new(String::new());
    let added = RwSignal::new(false);
    let suggest = move || {
        let outcome = debrief.with(|d| d.outcome).map(|o| o.words(lang()));
        match outcome {
            Some(o) => tf("{0}: {1}", &[&title.get(), &o]),
            None => title.get(),
        }
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = text.get_untracked();
        let words = if typed.trim().is_empty() {
            suggest()
        } else {
            typed
        };
        let (by, side) = tandem
            .me_untracked()
            .map(|m| (m.name, m.side.as_str().to_owned()))
            .unwrap_or_else(|| (t("Someone").to_owned(), String::new()));
        let source = title.get_untracked();
        if editor.edit(Command::AddWin {
            id: WinId::from_random(random_16()),
            text: words,
            by,
            side,
            at_ms: now_ms(),
            from: Some(source),
        }) {
            text.set(String::new());
            added.set(true);
        }
    };
    view! {
        <form class="inline-form win-from-debrief" on:submit=on_submit data-testid="win-from-debrief" data-draft="">
            <label for="debrief-win">{t("A win from this campaign")}</label>
            <input id="debrief-win" type="text" data-testid="debrief-win" placeholder=suggest
                prop:value=move || text.get() on:input=move |ev| { added.set(false); text.set(event_target_value(&ev)) }/>
            <button type="submit">{t("Add to the wins wall")}</button>
            {move || added.get().then(|| view! { <span class="ok" role="status">{t("Added to the wins wall")}</span> })}
        </form>
    }
}
