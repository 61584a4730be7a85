//! One planned campaign: edit its fields in place, move it, remove it.

use leptos::prelude::*;
use tandem_domain::{
    campaign::{Campaign, CampaignDraft, CampaignId, CampaignStatus},
    market::Market,
    quarter::QuarterId,
};
use wasm_bindgen::JsCast;

use super::fields::parse_day;
use super::learnings::Learnings;
use crate::editor::Editor;
use crate::i18n::{t, tf};

fn status_label(s: CampaignStatus) -> &'static str {
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

/// Puts the shown value of an input back after a refused edit.
fn reset_input(ev: &leptos::ev::Event, value: &str) {
    if let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.set_value(value);
    }
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
        let before = draft.status;
        change(&mut draft);
        let message = if draft.status == before {
            format!("changed campaign “{}”", draft.title.trim())
        } else {
            format!("marked campaign “{}” {}", draft.title.trim(), draft.status)
        };
        let id = id.get_value();
        editor.edit(&message, move |p| p.update_campaign(q, &id, draft))
    };
    let move_to = move |to: usize| {
        let id = id.get_value();
        editor.edit(&format!("moved campaign “{}”", title()), move |p| {
            p.move_campaign(q, &id, to)
        });
    };
    let remove = move |_| {
        let id = id.get_value();
        editor.edit(&format!("removed campaign “{}”", title()), move |p| {
            p.remove_campaign(q, &id)
        });
    };
    let input_id = move |name: &str| id.with_value(|id| format!("{name}-{id}"));
    let on_date = move |ev: leptos::ev::Event, is_start: bool| {
        let raw = event_target_value(&ev);
        let previous = campaign.with_untracked(|c| {
            c.as_ref()
                .and_then(|c| if is_start { c.starts } else { c.ends })
                .map(|d| d.to_string())
                .unwrap_or_default()
        });
        let accepted = match parse_day(&raw) {
            Ok(day) => update(&move |d| {
                if is_start {
                    d.starts = day
                } else {
                    d.ends = day
                }
            }),
            Err(e) => {
                editor.error.set(Some(e));
                false
            }
        };
        if !accepted {
            reset_input(&ev, &previous);
        }
    };

    view! {
        <Show when=move || campaign.with(Option::is_some)>
            <li class="campaign" data-testid="campaign" data-campaign-id=move || id.get_value().to_string()>
                <div class="campaign-fields">
                    <div class="field grow">
                        <label for=input_id("title")>{t("Title")}</label>
                        <input id=input_id("title") data-testid="campaign-title" prop:value=title
                            on:change=move |ev| {
                                let value = event_target_value(&ev);
                                if !update(&|d| d.title = value.clone()) {
                                    reset_input(&ev, &title());
                                }
                            }/>
                    </div>
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
                    <div class="field">
                        <label for=input_id("starts")>{t("Starts")}</label>
                        <input id=input_id("starts") type="date" data-testid="campaign-starts"
                            prop:value=move || campaign.with(|c| c.as_ref().and_then(|c| c.starts).map(|d| d.to_string()).unwrap_or_default())
                            on:change=move |ev| on_date(ev, true)/>
                    </div>
                    <div class="field">
                        <label for=input_id("ends")>{t("Ends")}</label>
                        <input id=input_id("ends") type="date" data-testid="campaign-ends"
                            prop:value=move || campaign.with(|c| c.as_ref().and_then(|c| c.ends).map(|d| d.to_string()).unwrap_or_default())
                            on:change=move |ev| on_date(ev, false)/>
                    </div>
                    <div class="field">
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
            </li>
        </Show>
    }
}
