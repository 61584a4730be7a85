//! One quarter of the roadmap: theme, campaigns, and what was learned.

use crate::components::unsaved::{Draft, DraftMark};
use leptos::{ev::SubmitEvent, prelude::*};
use tandem_domain::{
    campaign::{CampaignDraft, CampaignId, CampaignStatus},
    command::Command,
    document::Prose,
    partnership::Partnership,
    quarter::{QuarterId, dates_warning},
};

use crate::i18n::{lang, t, tk};
use crate::{browser::random_16, editor::Editor, i18n};
use crate::{
    components::collab_text::CollabTextarea,
    components::field_message::{FieldMessage, Note, described_by, focus_field, invalid, sentence},
    components::fields::{MarketChoice, MarketSelect, parse_day},
    tabs::campaign_row::CampaignRow,
    tabs::learnings::Learnings,
};

fn quarter_span(q: QuarterId) -> String {
    use tandem_domain::day::Day;
    format!(
        "{} – {}",
        i18n::day(Day(q.first_day())),
        i18n::day(Day(q.last_day()))
    )
}

/// The roadmap prose a quarter's field is (typed into straight, see `Editor::edit_prose`).
fn prose(field: &str, q: QuarterId) -> Prose {
    match field {
        "theme" => Prose::Theme(q),
        "learned" => Prose::Learned(q),
        _ => Prose::NextTry(q),
    }
}

/// A prose field of a quarter, saved on every keystroke.
#[component]
fn QuarterText(
    q: QuarterId,
    field: &'static str,
    label: &'static str,
    placeholder: &'static str,
    read: fn(&Partnership, QuarterId) -> String,
) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let id = format!("{field}-{q}");
    let label_for = id.clone();
    view! {
        <div class="field">
            <label for=label_for>{t(label)}</label>
            <CollabTextarea id=id test_id=format!("{field}-{q}") placeholder=placeholder
                value=Signal::derive(move || editor.view.with(|p| read(p, q)))
                on_input=move |value: String| {
                    editor.edit_prose(prose(field, q), value);
                }/>
        </div>
    }
}

#[component]
pub fn QuarterSection(q: QuarterId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let campaign_ids = Memo::new(move |_| {
        editor.view.with(|p| {
            p.quarters
                .get(&q)
                .map(|quarter| {
                    quarter
                        .campaigns_in_order()
                        .into_iter()
                        .map(|(id, _)| id.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let heading_id = format!("quarter-{q}");
    let labelled_by = heading_id.clone();
    // A quarter that has ended is folded to its heading (opened with a click).
    let past = q.last_day() < crate::components::fields::today();
    view! {
        <section class="card quarter" aria-labelledby=labelled_by data-testid=format!("quarter-{q}")>
          <details class="quarter-body" open=!past>
            <summary class="quarter-head">
                <h2 id=heading_id>{q.to_string()}</h2>
                <span class="muted">{quarter_span(q)}</span>
                {past.then(|| view! { <span class="muted">{t("(past quarter)")}</span> })}
            </summary>
            <QuarterText q field="theme" label="Theme and objectives"
                placeholder=t("What this quarter is about and what we aim for")
                read=|p, q| p.quarters.get(&q).map(|x| x.theme.as_str().to_owned()).unwrap_or_default()/>
            <h3 class="section-label">{t("Planned campaigns")}</h3>
            <Show when=move || campaign_ids.with(Vec::is_empty)>
                <p class="muted">{t("No campaigns planned yet.")}</p>
            </Show>
            <ol class="campaigns" data-testid=format!("campaigns-{q}")>
                <For each=move || campaign_ids.get() key=|id| id.clone()
                    children=move |id| view! { <CampaignRow q id/> }/>
            </ol>
            <AddCampaign q/>
            <div class="field-row">
                <QuarterText q field="learned" label="What we learned"
                    placeholder=t("What worked, what didn't")
                    read=|p, q| p.quarters.get(&q).map(|x| x.learned.as_str().to_owned()).unwrap_or_default()/>
                <QuarterText q field="next" label="What we try next"
                    placeholder=t("The experiments for the next quarter")
                    read=|p, q| p.quarters.get(&q).map(|x| x.next_try.as_str().to_owned()).unwrap_or_default()/>
            </div>
          </details>
        </section>
    }
}

#[component]
fn AddCampaign(q: QuarterId) -> impl IntoView {
    use tandem_domain::{error::CommandError as E, partnership::roadmap::RoadmapError as R};
    let editor = expect_context::<Editor>();
    let market = MarketChoice::new(editor);
    let title = Draft::new(&editor.id, &format!("campaign-{q}-title"), String::new());
    let starts = Draft::new(&editor.id, &format!("campaign-{q}-starts"), String::new());
    let ends = Draft::new(&editor.id, &format!("campaign-{q}-ends"), String::new());
    let field_id = move |name: &str| format!("new-{name}-{q}");
    // (field id, message): the refusal, shown under the field it concerns.
    let error = RwSignal::new(None::<(String, String)>);
    let refuse = move |field: String, message: String| {
        focus_field(&field);
        error.set(Some((field, sentence(&message))));
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let start_day = match parse_day(&starts.get_untracked()) {
            Ok(d) => d,
            Err(e) => return refuse(field_id("starts"), e),
        };
        let end_day = match parse_day(&ends.get_untracked()) {
            Ok(d) => d,
            Err(e) => return refuse(field_id("ends"), e),
        };
        let Some(m) = market.get() else {
            return refuse(
                field_id("market"),
                t("this partnership has no markets").into(),
            );
        };
        let draft = CampaignDraft {
            title: title.get_untracked(),
            market: m,
            starts: start_day,
            ends: end_day,
            status: CampaignStatus::Planned,
        };
        let id = CampaignId::from_random(random_16());
        let added = editor.try_edit(Command::AddCampaign {
            quarter: q,
            id,
            draft,
        });
        let refusal = added.clone().err().flatten();
        if added.is_ok() {
            title.set(String::new());
            starts.set(String::new());
            ends.set(String::new());
            error.set(None);
        } else if let Some(e) = refusal {
            editor.error.set(None);
            let field = match e {
                E::Roadmap(R::MissingTitle) => "title",
                E::Roadmap(R::ForeignMarket(_)) => "market",
                E::Roadmap(R::EndsBeforeStart(_)) => "ends",
                _ => "title",
            };
            refuse(field_id(field), e.describe(lang()));
        }
    };

    let note = move |name: &'static str| {
        Signal::derive(move || {
            error.with(|e| {
                e.as_ref()
                    .filter(|(f, _)| *f == field_id(name))
                    .map(|(_, m)| Note::Error(m.clone()))
            })
        })
    };
    let warn = move |name: &'static str, value: Draft| {
        Signal::derive(move || {
            note(name).get().or_else(|| {
                value
                    .get()
                    .parse()
                    .ok()
                    .and_then(|d| dates_warning(q, Some(d)))
                    .map(|w| Note::Warning(w.describe(lang())))
            })
        })
    };
    let date_field = move |name: &'static str, label: &'static str, value: Draft| {
        let id = field_id(name);
        let n = warn(name, value);
        view! {
            <div class="field">
                <label for=id.clone()>{t(label)}</label>
                <input id=id.clone() type="date" prop:value=move || value.get()
                    aria-invalid=invalid(n) aria-describedby=described_by(&id, n)
                    on:change=move |ev| value.set(event_target_value(&ev))/>
                <FieldMessage field=id note=n/>
            </div>
        }
    };
    let title_note = note("title");
    // Folded to one line until wanted; open while it holds something typed.
    let drafted = !title.get_untracked().is_empty()
        || !starts.get_untracked().is_empty()
        || !ends.get_untracked().is_empty();
    view! {
      <details class="add-campaign-toggle" data-testid=format!("add-campaign-open-{q}") open=drafted>
        <summary class="button">"+ " {t("Add a campaign")}</summary>
        <form class="add-campaign" on:submit=on_submit data-testid=format!("add-campaign-{q}") data-draft="" novalidate>
            <fieldset>
                <legend>{t("Add a campaign to ")} {q.to_string()}</legend>
                <div class="campaign-fields">
                    <div class="field grow">
                        <label for=field_id("title")>{t("Title")}</label>
                        <input id=field_id("title") data-testid=format!("new-title-{q}") placeholder=t("e.g. Spring drop")
                            aria-invalid=invalid(title_note) aria-describedby=described_by(&field_id("title"), title_note)
                            prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                        <FieldMessage field=field_id("title") note=title_note/>
                    </div>
                    <div class="field">
                        <label for=field_id("market")>{t("Market")}</label>
                        <MarketSelect id=field_id("market") choice=market/>
                        <FieldMessage field=field_id("market") note=note("market")/>
                    </div>
                    {date_field("starts", tk("Starts"), starts)}
                    {date_field("ends", tk("Ends"), ends)}
                    <button type="submit" class="primary add" data-testid=format!("add-campaign-button-{q}")>{t("Add campaign")}</button>
                    <DraftMark drafts=vec![title, starts, ends]/>
                </div>
                // Planning a campaign: what earlier campaigns in that market taught.
                {move || (!title.get().trim().is_empty()).then(|| market.get()).flatten().map(|m| view! {
                    <Learnings market=m q campaign=None heading=t("Learnings from earlier campaigns")/>
                })}
            </fieldset>
        </form>
      </details>
    }
}
