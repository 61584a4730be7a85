//! One planned campaign: edit its fields in place, move it, remove it.

use crate::components::undo_toast::remove_with_undo;
use leptos::prelude::*;
use tandem_domain::quarter::dates_warning;
use tandem_domain::{
    campaign::{Campaign, CampaignDraft, CampaignId, CampaignStatus},
    market::Market,
    quarter::QuarterId,
};
use tandem_domain::{command::Command, removal::Target};

use crate::components::autosave::{AutoField, Form};
use crate::components::fields::parse_day;
use crate::editor::Editor;
use crate::i18n::{lang, t, tf};
use crate::tabs::learnings::Learnings;

pub fn status_label(s: CampaignStatus) -> &'static str {
    match s {
        CampaignStatus::Planned => t("Planned"),
        CampaignStatus::Running => t("Running"),
        CampaignStatus::Done => t("Done"),
    }
}

fn draft_of(c: &Campaign) -> CampaignDraft {
    CampaignDraft {
        title: c.title.as_str().to_owned(),
        market: c.market,
        starts: c.starts,
        ends: c.ends,
        status: c.status,
    }
}

/// One changed field of a campaign.
enum DraftChange {
    Title(String),
    Starts(Option<tandem_domain::day::Day>),
    Ends(Option<tandem_domain::day::Day>),
}

#[component]
pub fn CampaignRow(q: QuarterId, id: CampaignId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let id = StoredValue::new(id);
    let campaign = Memo::new(move |_| {
        editor.view.with(|p| {
            p.quarters
                .get(&q)
                .and_then(|quarter| id.with_value(|id| quarter.campaigns.get(id).cloned()))
        })
    });
    // (position, count) in display order, for the move buttons.
    let position = Memo::new(move |_| {
        editor.view.with(|p| {
            let Some(quarter) = p.quarters.get(&q) else {
                return (0, 0);
            };
            let order = quarter.campaigns_in_order();
            let index = id.with_value(|id| order.iter().position(|(c, _)| *c == id));
            (index.unwrap_or(0), order.len())
        })
    });
    let markets = Memo::new(move |_| editor.view.with(|p| p.markets.clone()));
    let title = move || {
        campaign.with(|c| {
            c.as_ref()
                .map(|c| c.title.as_str().to_owned())
                .unwrap_or_default()
        })
    };

    // Edits one field; returns whether the edit was accepted.
    let update = move |change: &dyn Fn(&mut CampaignDraft)| -> bool {
        let Some(mut draft) = campaign.with_untracked(|c| c.as_ref().map(draft_of)) else {
            return false;
        };
        change(&mut draft);
        editor.edit(Command::UpdateCampaign {
            quarter: q,
            id: id.get_value(),
            draft,
        })
    };
    let move_to = move |to: usize| {
        editor.edit(Command::MoveCampaign {
            quarter: q,
            id: id.get_value(),
            to,
        });
    };
    let remove = move |_| {
        remove_with_undo(
            editor,
            tf("Removed “{0}”", &[&title()]),
            Target::Campaign(q, id.get_value()),
        );
    };
    let input_id = move |name: &str| id.with_value(|id| format!("{name}-{id}"));
    let form = Form::new();
    // Saves a changed title or date; a refusal stays in the field with its reason.
    let save = move |name: &'static str, raw: String| {
        let outcome = match name {
            "title" => Ok(DraftChange::Title(raw.clone())),
            _ => parse_day(&raw)
                .map(|d| {
                    if name == "starts" {
                        DraftChange::Starts(d)
                    } else {
                        DraftChange::Ends(d)
                    }
                })
                .map_err(|m| (input_id(name), m)),
        }
        .and_then(|change| {
            let Some(mut draft) = campaign.with_untracked(|c| c.as_ref().map(draft_of)) else {
                return Ok(());
            };
            match change {
                DraftChange::Title(t) => draft.title = t,
                DraftChange::Starts(d) => draft.starts = d,
                DraftChange::Ends(d) => draft.ends = d,
            }
            let refusal = editor
                .try_edit(Command::UpdateCampaign {
                    quarter: q,
                    id: id.get_value(),
                    draft,
                })
                .err()
                .flatten();
            editor.error.set(None);
            refusal.map_or(Ok(()), |e| Err((input_id(name), e.describe(lang()))))
        });
        form.settle(&input_id(name), &raw, outcome);
    };
    let date_text = move |starts: bool| {
        campaign.with(|c| {
            c.as_ref()
                .and_then(|c| if starts { c.starts } else { c.ends })
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
    };
    let outside = move |starts: bool| {
        Signal::derive(move || {
            campaign
                .with(|c| {
                    c.as_ref()
                        .and_then(|c| if starts { c.starts } else { c.ends })
                })
                .and_then(|d| dates_warning(q, Some(d)))
                .map(|w| w.describe(lang()))
        })
    };

    // A finished campaign reads as one line (title, market, dates, status) that opens for
    // editing; one being planned or running shows its fields. Decided when the row is
    // drawn, so marking a campaign done does not fold it under the person's hands.
    let folded =
        campaign.with_untracked(|c| c.as_ref().is_some_and(|c| c.status == CampaignStatus::Done));
    let summary = move || {
        campaign.with(|c| {
            c.as_ref().map(|c| {
                let dates = match (c.starts, c.ends) {
                    (Some(a), Some(b)) => {
                        format!("{} – {}", crate::i18n::day(a), crate::i18n::day(b))
                    }
                    (Some(a), None) => crate::i18n::day(a),
                    (None, Some(b)) => crate::i18n::day(b),
                    (None, None) => String::new(),
                };
                (
                    c.title.as_str().to_owned(),
                    c.market.to_string(),
                    dates,
                    c.status,
                )
            })
        })
    };
    let fields = move || {
        view! {
                    <div class="campaign-fields">
                        <AutoField form id=input_id("title") label=t("Title").to_owned() test_id="campaign-title"
                            class="grow" stored=Signal::derive(title)
                            on_save=Callback::new(move |raw| save("title", raw))/>
                        <div class="field">
                            <label for=input_id("market")>{t("Market")}</label>
                            <select id=input_id("market") data-testid="campaign-market"
                                on:change=move |ev| {
                                    if let Ok(m) = event_target_value(&ev).parse::<Market>() {
                                        update(&|d| d.market = m);
                                    }
                                }>
                                <For each=move || markets.get() key=|m| *m children=move |m| view! {
                                    <option value=m.to_string()
                                        prop:selected=move || campaign.with(|c| c.as_ref().map(|c| c.market) == Some(m))>
                                        {m.to_string()}
                                    </option>
                                }/>
                            </select>
                        </div>
                        <AutoField form id=input_id("starts") label=t("Starts").to_owned() kind="date" test_id="campaign-starts"
                            stored=Signal::derive(move || date_text(true)) warning=outside(true)
                            on_save=Callback::new(move |raw| save("starts", raw))/>
                        <AutoField form id=input_id("ends") label=t("Ends").to_owned() kind="date" test_id="campaign-ends"
                            stored=Signal::derive(move || date_text(false)) warning=outside(false)
                            on_save=Callback::new(move |raw| save("ends", raw))/>
                        <div class="field status">
                            <label for=input_id("status")>{t("Status")}</label>
                            <select id=input_id("status") data-testid="campaign-status"
                                on:change=move |ev| {
                                    if let Ok(s) = event_target_value(&ev).parse::<CampaignStatus>() {
                                        update(&|d| d.status = s);
                                    }
                                }>
                                {CampaignStatus::ALL.into_iter().map(|s| view! {
                                    <option value=s.as_str()
                                        prop:selected=move || campaign.with(|c| c.as_ref().map(|c| c.status) == Some(s))>
                                        {status_label(s)}
                                    </option>
                                }).collect_view()}
                            </select>
                        </div>
                    </div>
                    <div class="campaign-actions">
                        <button type="button" data-testid="move-up"
                            aria-label=move || tf("Move “{0}” up", &[&title()])
                            prop:disabled=move || position.get().0 == 0
                            on:click=move |_| move_to(position.get_untracked().0.saturating_sub(1))>"↑"</button>
                        <button type="button" data-testid="move-down"
                            aria-label=move || tf("Move “{0}” down", &[&title()])
                            prop:disabled=move || { let (i, n) = position.get(); i + 1 >= n }
                            on:click=move |_| move_to(position.get_untracked().0 + 1)>"↓"</button>
                        <button type="button" class="danger" data-testid="remove"
                            aria-label=move || tf("Remove “{0}”", &[&title()])
                            on:click=remove>{t("Remove")}</button>
                    </div>
                    // Not yet done: what earlier campaigns in its market taught, beside it.
                    {move || campaign.with(|c| c.as_ref().filter(|c| c.status != CampaignStatus::Done).map(|c| c.market)).map(|m| view! {
                        <Learnings market=m q campaign=Some(id.get_value()) heading=t("Learnings from earlier campaigns")/>
                    })}
        }
    };
    view! {
        <Show when=move || campaign.with(Option::is_some)>
            <li class="campaign" class:folded=folded data-testid="campaign" data-campaign-id=move || id.get_value().to_string()>
                {if folded {
                    view! {
                        <details class="campaign-fold" data-testid="campaign-fold">
                            <summary class="campaign-line">
                                {move || summary().map(|(title, market, dates, status)| view! {
                                    <span class="title">{title}</span>
                                    <span class="market-tag">{market}</span>
                                    <span class="muted">{dates}</span>
                                    <span class=crate::tabs::overview_tab::campaign_class(status)>{status_label(status)}</span>
                                    <span class="edit-hint">{t("Edit")}</span>
                                })}
                            </summary>
                            {fields()}
                        </details>
                    }.into_any()
                } else {
                    fields().into_any()
                }}
            </li>
        </Show>
    }
}
