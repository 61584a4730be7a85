//! The roadmap: the larger goal, a timeline of the quarters with a lane per market, and
//! each quarter below it (past quarters folded).

use leptos::prelude::*;
use tandem_domain::{document::Prose, overview::Timeline};

use crate::i18n::{day, t, tf};
use crate::{
    components::collab_text::CollabTextarea, editor::Editor, tabs::campaign_row::status_label,
    tabs::quarter_section::QuarterSection,
};

#[component]
pub fn Roadmap() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let quarters = Memo::new(move |_| {
        editor
            .view
            .with(|p| p.quarters.keys().copied().collect::<Vec<_>>())
    });
    view! {
        <section class="card goal">
            <label for="goal" class="section-label">{t("The larger goal")}</label>
            <CollabTextarea id="goal".to_owned() test_id="goal".to_owned() rows=2
                placeholder=t("What this partnership is for, in a sentence both sides agree on")
                value=Signal::derive(move || editor.view.with(|p| p.goal.as_str().to_owned()))
                on_input=move |value: String| {
                    editor.edit_prose(Prose::Goal, value);
                }/>
        </section>
        <TimelineView/>
        <div class="quarters">
            <For each=move || quarters.get() key=|q| *q children=move |q| view! { <QuarterSection q/> }/>
        </div>
    }
}

fn percent(x: f64) -> String {
    format!("{:.3}%", (x * 100.0).clamp(0.0, 100.0))
}

/// The quarters across, a lane per market, campaigns as bars coloured by status; a bar
/// is a link to the campaign's row below.
#[component]
fn TimelineView() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let timeline = Memo::new(move |_| editor.view.with(|p| p.timeline()));
    move || {
        timeline.get().map(|tl: Timeline| {
            let heads = tl
                .quarters
                .iter()
                .map(|q| {
                    let left = tl.position(q.first_day());
                    let total = (tl.last - tl.first).num_days() + 1;
                    let width = ((q.last_day() - q.first_day()).num_days() + 1) as f64 / total as f64;
                    view! {
                        <span class="tl-quarter" style:left=percent(left) style:width=percent(width)>
                            {q.to_string()}
                        </span>
                    }
                })
                .collect_view();
            let lanes = tl
                .lanes
                .iter()
                .map(|(market, rows)| {
                    let rows = rows
                        .iter()
                        .map(|row| {
                            let bars = row
                                .iter()
                                .map(|b| {
                                    let title = if b.title.trim().is_empty() {
                                        t("Untitled campaign").to_owned()
                                    } else {
                                        b.title.clone()
                                    };
                                    let when = if b.dated {
                                        format!("{} – {}", day(tandem_domain::day::Day(b.from)), day(tandem_domain::day::Day(b.to)))
                                    } else {
                                        tf("{0}, no dates yet", &[&b.quarter])
                                    };
                                    let label = format!("{title}, {market}: {}, {when}", status_label(b.status));
                                    view! {
                                        <a class=format!("tl-bar {}", b.status.as_str())
                                            class:undated=!b.dated
                                            href=format!("#title-{}", b.id)
                                            data-testid="timeline-bar" data-status=b.status.as_str()
                                            title=label.clone() aria-label=label
                                            style:left=percent(tl.position(b.from)) style:width=percent(tl.width(b))>
                                            {title}
                                        </a>
                                    }
                                })
                                .collect_view();
                            view! { <div class="tl-row">{bars}</div> }
                        })
                        .collect_view();
                    view! {
                        <div class="tl-lane" data-testid=format!("timeline-{market}")>
                            <span class="tl-market">{market.to_string()}</span>
                            <div class="tl-rows">{rows}</div>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <section class="card timeline" aria-labelledby="timeline-title" data-testid="timeline">
                    <div class="card-head">
                        <h2 id="timeline-title">{t("Timeline")}</h2>
                        <p class="tl-legend muted" aria-hidden="true">
                            <span class="tl-key planned"></span>{t("Planned")}
                            <span class="tl-key running"></span>{t("Running")}
                            <span class="tl-key done"></span>{t("Done")}
                        </p>
                    </div>
                    // Positions are set through the CSSOM (`style:`), which the page's
                    // Content-Security-Policy allows; a style attribute it refuses.
                    <div class="tl-scroll">
                        <div class="tl-grid">
                            <div class="tl-heads"><span class="tl-market"></span><div class="tl-quarters">{heads}</div></div>
                            {lanes}
                        </div>
                    </div>
                </section>
            }
        })
    }
}
