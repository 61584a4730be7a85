//! Learnings carried forward: beside a campaign being planned, what the earlier campaigns
//! in the same market taught.

use leptos::prelude::*;
use tandem_domain::{campaign::CampaignId, market::Market, quarter::QuarterId};

use crate::{
    editor::Editor,
    i18n::{lang, tf},
};

#[component]
pub fn Learnings(
    market: Market,
    q: QuarterId,
    /// The campaign they are shown beside (`None`: a campaign being added to `q`).
    campaign: Option<CampaignId>,
    heading: &'static str,
) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let learnings = Memo::new(move |_| {
        editor
            .view
            .with(|p| p.learnings_before(market, q, campaign.as_ref()))
    });
    view! {
        <Show when=move || learnings.with(|l| !l.is_empty())>
            <aside class="learnings" data-testid="learnings" aria-label=heading>
                <h4>{heading} " · " {market.to_string()}</h4>
                <ul>
                    {move || learnings.get().into_iter().take(3).map(|l| {
                        let verdict = [
                            l.outcome.map(|o| o.words(lang())),
                            l.next.map(|n| n.words(lang())),
                        ]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ");
                        view! {
                            <li data-testid="learning">
                                <p class="learning-text">{l.learnings.clone()}</p>
                                <p class="muted">
                                    {tf("{0}, {1}", &[&l.campaign, &l.quarter])}
                                    {(!verdict.is_empty()).then(|| format!(" — {verdict}"))}
                                </p>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || {
                    let more = learnings.with(Vec::len).saturating_sub(3);
                    (more > 0).then(|| view! { <p class="muted">{tf("and {0} more in the Debriefs tab", &[&more])}</p> })
                }}
            </aside>
        </Show>
    }
}
