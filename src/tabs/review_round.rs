//! A deliverable's review rounds and compliance gate, inside its row of the statement of
//! work: the drafts in order (link, caption, who and when), each review's outcome and
//! feedback with the creator's answers, the review deadline in the reviewer's zone and
//! the viewer's, forms to submit a draft and to review one; then the gate — each rule of
//! the deliverable's market on its go-live date, passed or failed with the reason — the
//! reviewer's video checks and, while an item fails, publishing with a recorded reason.
//! Below the deliverables: the registry reports (RU) due from live paid placements.

use leptos::{ev::SubmitEvent, prelude::*};
use tandem_domain::{
    command::Command,
    compliance::{Item, RuleKind, Status},
    day::Day,
    drafts::{Answer, Outcome, VersionState, rounds},
    ids::{DeliverableId, FeedbackId, ReviewId, VersionId},
    partnership::review_rounds::ReviewDraft,
    quarter::QuarterId,
    registry::{Report, impressions_words},
    sow::{Deliverable, DeliverableStatus},
};

use crate::browser::{local_time, now_ms, random_16};
use crate::components::unsaved::{Draft, DraftMark};
use crate::i18n::{day, lang, money, t, tf};
use crate::{editor::Editor, state::Tandem};

/// Who is typing, as history names them.
fn me(tandem: Tandem) -> (String, String) {
    tandem
        .me_untracked()
        .map(|m| (m.name, m.side.as_str().to_owned()))
        .unwrap_or_else(|| (t("Someone").to_owned(), String::new()))
}

fn state_words(s: VersionState) -> &'static str {
    match s {
        VersionState::Pending => t("Waiting for review"),
        VersionState::AutoApproved => t("Approved by silence"),
        VersionState::Reviewed(o) => o.words(lang()),
    }
}

fn state_class(s: VersionState) -> &'static str {
    match s {
        VersionState::Pending => "chip",
        VersionState::AutoApproved | VersionState::Reviewed(Outcome::Approved) => "chip ok",
        VersionState::Reviewed(Outcome::ApprovedWithCorrections) => "chip warn",
        VersionState::Reviewed(Outcome::NeedsWork) => "chip late",
    }
}

/// The drafts of one deliverable and their reviews.
#[component]
pub fn Drafts(q: QuarterId, id: DeliverableId, d: Memo<Option<Deliverable>>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let id = StoredValue::new(id);
    let rounds_included = Memo::new(move |_| {
        editor
            .view
            .with(|p| p.quarters.get(&q).map_or(2, |x| x.sow.revision_rounds))
    });
    let versions = Memo::new(move |_| {
        d.with(|d| {
            d.as_ref()
                .map(|d| {
                    rounds(&d.versions, rounds_included.get())
                        .into_iter()
                        .map(|r| (r.id.clone(), r.number, r.extra))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let summary = move || {
        let n = versions.with(Vec::len);
        let limit = rounds_included.get();
        if n == 0 {
            t("Drafts and review: none yet").to_owned()
        } else {
            tf("Drafts and review: round {0} of {1}", &[&n, &limit])
        }
    };
    // A draft nobody reviewed in time is approved by silence where the SOW says so:
    // whichever side's device sees the clock ran out writes it (a second is refused).
    Effect::new(move |_| {
        let Some((v, _, _)) = versions.with(|v| v.last().cloned()) else {
            return;
        };
        let due = editor.view.with_untracked(|p| {
            let sow = &p.quarters.get(&q)?.sow;
            let d = sow.deliverables.get(&id.get_value())?;
            let x = d.versions.get(&v)?;
            (sow.auto_approve && x.state() == VersionState::Pending)
                .then(|| p.review_deadline(q, x.at_ms))
                .flatten()
        });
        if let Some(due) = due
            && now_ms() >= due.timestamp_millis()
        {
            let _ = editor.try_edit(Command::AutoApprove {
                quarter: q,
                deliverable: id.get_value(),
                version: v,
                now_ms: now_ms(),
            });
        }
    });
    view! {
        <details class="drafts" data-testid="drafts">
            <summary>{summary}</summary>
            <ol class="versions">
                <For each=move || versions.get() key=|(v, n, x)| (v.clone(), *n, *x)
                    children=move |(v, n, extra)| {
                        // Only the latest draft is reviewed; earlier ones keep their reviews.
                        let latest = Signal::derive(move || versions.with(|all| all.len() == n));
                        view! { <Version q id=id.get_value() v n extra latest d/> }
                    }/>
            </ol>
            <SubmitDraft q id=id.get_value()/>
            <BrandNotes id=id.get_value()/>
        </details>
    }
}

#[component]
fn Version(
    q: QuarterId,
    id: DeliverableId,
    v: VersionId,
    n: usize,
    extra: bool,
    latest: Signal<bool>,
    d: Memo<Option<Deliverable>>,
) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let (id, v) = (StoredValue::new(id), StoredValue::new(v));
    let version = Memo::new(move |_| {
        d.with(|d| {
            d.as_ref()
                .and_then(|d| v.with_value(|v| d.versions.get(v).cloned()))
        })
    });
    let extra_fee = move || {
        editor
            .view
            .with(|p| p.quarters.get(&q).and_then(|x| x.sow.extra_round_fee()))
            .map(|m| tf("Extra round: {0}", &[&money(&m)]))
            .unwrap_or_else(|| t("Extra round (paid)").to_owned())
    };
    let deadline = move || {
        let at = version.with(|x| x.as_ref().map(|x| x.at_ms))?;
        let pending =
            version.with(|x| x.as_ref().map(|x| x.state())) == Some(VersionState::Pending);
        if !pending {
            return None;
        }
        let (due, zone) = editor
            .view
            .with(|p| Some((p.review_deadline(q, at)?, p.reviewer_zone())))?;
        let local = zone.local(due);
        let theirs = lang().day_time(
            Day(local.date()),
            chrono::Timelike::hour(&local),
            chrono::Timelike::minute(&local),
        );
        Some(tf(
            "Review due by {0} ({1}); {2} your time",
            &[
                &theirs,
                &crate::tabs::qbr_tab::zone_city(zone.name()).unwrap_or(zone.name()),
                &local_time(due.timestamp_millis()),
            ],
        ))
    };
    let caption_id = move || v.with_value(|v| format!("caption-{v}"));
    let save_caption = move |text: String| {
        editor.edit(Command::EditCaption {
            quarter: q,
            deliverable: id.get_value(),
            version: v.get_value(),
            caption: text,
        });
    };
    let reviews = Memo::new(move |_| {
        version.with(|x| {
            x.as_ref()
                .map(|x| {
                    let mut list: Vec<_> = x
                        .reviews
                        .iter()
                        .map(|(r, y)| (r.clone(), y.clone()))
                        .collect();
                    list.sort_by_key(|(r, y)| (y.at_ms, r.clone()));
                    list
                })
                .unwrap_or_default()
        })
    });
    view! {
        <Show when=move || version.with(Option::is_some)>
            <li class="version" data-testid="version">
                <p class="what">
                    <strong>{tf("Draft {0}", &[&n])}</strong>
                    " "
                    <span class=move || version.with(|x| x.as_ref().map(|x| state_class(x.state())).unwrap_or("chip"))
                        data-testid="version-state">
                        {move || version.with(|x| x.as_ref().map(|x| state_words(x.state())))}
                    </span>
                    {extra.then(|| view! { " " <span class="chip warn" data-testid="extra-round">{extra_fee}</span> })}
                    " "
                    <span class="muted">{move || version.with(|x| x.as_ref().map(|x| tf("by {0}, {1}", &[&x.by, &local_time(x.at_ms)])))}</span>
                </p>
                {move || version.with(|x| x.as_ref().map(|x| x.link.as_str().trim().to_owned())).filter(|l| !l.is_empty()).map(|l| {
                    let safe = l.starts_with("https://") || l.starts_with("http://");
                    if safe {
                        let shown = l.clone();
                        view! { <p><a href=l rel="noopener noreferrer" target="_blank" data-testid="version-link">{shown}</a></p> }.into_any()
                    } else {
                        view! { <p class="muted" data-testid="version-link">{l}</p> }.into_any()
                    }
                })}
                <div class="field">
                    <label for=caption_id>{t("Caption")}</label>
                    <textarea id=caption_id data-testid="version-caption" rows="3"
                        prop:value=move || version.with(|x| x.as_ref().map(|x| x.caption.as_str().to_owned()).unwrap_or_default())
                        on:change=move |ev| save_caption(event_target_value(&ev))></textarea>
                </div>
                {move || deadline().map(|s| view! { <p class="muted" data-testid="review-due">{s}</p> })}
                <ul class="reviews">
                    <For each=move || reviews.get()
                        key=|(r, y)| (r.clone(), y.feedback.values().map(|f| f.answer.as_str()).collect::<Vec<_>>().join(","))
                        children=move |(r, y)| view! { <ReviewView q id=id.get_value() v=v.get_value() r review=y/> }/>
                </ul>
                <Show when=move || latest.get()>
                    <ReviewForm q id=id.get_value() v=v.get_value()/>
                </Show>
            </li>
        </Show>
    }
}

#[component]
fn ReviewView(
    q: QuarterId,
    id: DeliverableId,
    v: VersionId,
    r: ReviewId,
    review: tandem_domain::drafts::DraftReview,
) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let (id, v, r) = (
        StoredValue::new(id),
        StoredValue::new(v),
        StoredValue::new(r),
    );
    let mut items: Vec<_> = review
        .feedback
        .iter()
        .map(|(f, x)| (f.clone(), x.clone()))
        .collect();
    items.sort_by_key(|(f, x)| (!x.must_fix, f.clone()));
    let answer = move |f: FeedbackId, a: Answer| {
        editor.edit(Command::AnswerFeedback {
            quarter: q,
            deliverable: id.get_value(),
            version: v.get_value(),
            review: r.get_value(),
            feedback: f,
            answer: a,
        });
    };
    view! {
        <li class="review" data-testid="review">
            <p>
                <span class=state_class(VersionState::Reviewed(review.outcome)) data-testid="review-outcome">{review.outcome.words(lang())}</span>
                " " <span class="muted">{tf("by {0}, {1}", &[&review.by, &local_time(review.at_ms)])}</span>
            </p>
            <ul class="feedback">
                {items.into_iter().map(|(f, x)| {
                    let select_id = format!("answer-{f}");
                    let fid = StoredValue::new(f);
                    view! {
                        <li data-testid="feedback" data-must-fix=x.must_fix.to_string()>
                            <span class=if x.must_fix { "chip late" } else { "chip" }>
                                {if x.must_fix { t("Must fix") } else { t("Nice to have") }}
                            </span>
                            " " <span class="feedback-text">{x.text.as_str().to_owned()}</span>
                            <label class="sr-only" for=select_id.clone()>{t("Answer")}</label>
                            <select id=select_id data-testid="feedback-answer"
                                on:change=move |ev| {
                                    if let Ok(a) = event_target_value(&ev).parse::<Answer>() { answer(fid.get_value(), a) }
                                }>
                                {Answer::ALL.into_iter().map(|a| view! {
                                    <option value=a.as_str() selected=a == x.answer>{a.words(lang())}</option>
                                }).collect_view()}
                            </select>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </li>
    }
}

/// A review of one version: the outcome and feedback, one item per line.
#[component]
fn ReviewForm(q: QuarterId, id: DeliverableId, v: VersionId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let key = format!("review-{id}-{v}");
    let must = Draft::new(&editor.id, &format!("{key}-must"), String::new());
    let nice = Draft::new(&editor.id, &format!("{key}-nice"), String::new());
    let outcome = RwSignal::new(Outcome::Approved);
    let error = RwSignal::new(None::<String>);
    let (id, v) = (StoredValue::new(id), StoredValue::new(v));
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let lines = |text: String, must_fix: bool| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| (FeedbackId::from_random(random_16()), l.to_owned(), must_fix))
                .collect::<Vec<_>>()
        };
        let mut feedback = lines(must.get_untracked(), true);
        feedback.extend(lines(nice.get_untracked(), false));
        let (by, side) = me(tandem);
        match editor.edit_or_say(Command::ReviewDraft {
            quarter: q,
            deliverable: id.get_value(),
            version: v.get_value(),
            id: ReviewId::from_random(random_16()),
            draft: Box::new(ReviewDraft {
                outcome: outcome.get_untracked(),
                feedback,
                by,
                side,
                at_ms: now_ms(),
            }),
        }) {
            Ok(_) => {
                must.set(String::new());
                nice.set(String::new());
                error.set(None);
            }
            Err(e) => {
                editor.error.set(None);
                error.set(Some(e));
            }
        }
    };
    let ids = StoredValue::new((
        format!("{key}-outcome"),
        format!("{key}-must"),
        format!("{key}-nice"),
    ));
    view! {
        <form class="review-form" data-testid="review-form" data-draft="" on:submit=submit>
            <fieldset>
                <legend>{t("Review this draft")}</legend>
                <div class="field">
                    <label for=ids.get_value().0>{t("Outcome")}</label>
                    <select id=ids.get_value().0 data-testid="review-outcome-pick"
                        on:change=move |ev| if let Ok(o) = event_target_value(&ev).parse() { outcome.set(o) }>
                        {Outcome::ALL.into_iter().map(|o| view! {
                            <option value=o.as_str() prop:selected=move || outcome.get() == o>{o.words(lang())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field grow">
                    <label for=ids.get_value().1>{t("Must fix (one per line)")}</label>
                    <textarea id=ids.get_value().1 data-testid="review-must" rows="2"
                        prop:value=move || must.get() on:input=move |ev| must.set(event_target_value(&ev))></textarea>
                </div>
                <div class="field grow">
                    <label for=ids.get_value().2>{t("Nice to have (one per line)")}</label>
                    <textarea id=ids.get_value().2 data-testid="review-nice" rows="2"
                        prop:value=move || nice.get() on:input=move |ev| nice.set(event_target_value(&ev))></textarea>
                </div>
                <button type="submit" class="primary" data-testid="review-submit">{t("Send review")}</button>
                <DraftMark drafts=vec![must, nice]/>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </fieldset>
        </form>
    }
}

/// The brand's internal notes about a deliverable, kept in the partnership's brand-only
/// notes document (see `tandem_domain::partnership::internal_notes`): shown on the
/// brand's side only — the creator's browser never holds them, and the relay refuses
/// them to any device the notes' owner did not send a link to.
#[component]
fn BrandNotes(id: DeliverableId) -> impl IntoView {
    use tandem_client::access::{Role, State};
    use tandem_sync::presence::Side;
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let parent = editor.id;
    let me = tandem.me();
    let documents = tandem.documents();
    let notes = Memo::new(move |_| {
        documents.track();
        tandem.notes_of(parent)
    });
    // The notes may be among this browser's partnerships still loading: never offered to
    // start a second notes document meanwhile.
    let opening = Memo::new(move |_| {
        documents.track();
        tandem.pending_count() > 0
    });
    let on_creator_side = move || me.with(|m| m.as_ref().is_some_and(|m| m.side == Side::Creator));
    let access = tandem.access(parent);
    let owner = move || {
        !tandem.has_access_control()
            || access.with(|x| x.role == Role::Owner && x.state == State::Active)
    };
    let id = StoredValue::new(id);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let start = move |_| {
        busy.set(true);
        let platform = tandem.platform();
        leptos::task::spawn_local(async move {
            match platform.create_notes(parent, now_ms()).await {
                Ok(_) => error.set(None),
                Err(e) => error.set(Some(tf("The notes could not be started: {0}.", &[&e]))),
            }
            busy.set(false);
        });
    };
    move || {
        if on_creator_side() {
            // Nothing at all: the creator's side does not learn of the brand's notes.
            return ().into_any();
        }
        let body = match notes.get() {
            Some(n) => {
                let revision = tandem.revision(n);
                // Changes once, when the notes arrive: the thread (and a note being
                // typed) is not rebuilt when a colleague adds one.
                let here = Memo::new(move |_| {
                    revision.track();
                    tandem.has_content(&n)
                });
                (move || {
                    if here.get() {
                        view! { <NotesThread notes=n id=id.get_value()/> }.into_any()
                    } else {
                        view! { <p class="muted" role="status">{t("Fetching the brand's notes from the relay…")}</p> }.into_any()
                    }
                })
                .into_any()
            }
            None if opening.get() => view! {
                <p class="muted" role="status">{t("Still opening this browser's other partnerships…")}</p>
            }
            .into_any(),
            None if owner() => view! {
                <p class="muted">{t("Notes only your side sees: what you think of a draft before you answer the creator. They are kept in a document of their own, which the creator's links never give.")}</p>
                <button type="button" data-testid="start-notes" disabled=move || busy.get() on:click=start>
                    {t("Start brand-only notes")}
                </button>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            }
            .into_any(),
            None => view! {
                <p class="muted">{t("The partnership's owner keeps the brand-only notes; ask them for the link to the notes.")}</p>
            }
            .into_any(),
        };
        view! {
            <section class="brand-notes" data-testid="brand-notes" aria-labelledby=format!("brand-notes-{}", id.get_value())>
                <h4 id=format!("brand-notes-{}", id.get_value())>{t("Brand-only notes")}</h4>
                {body}
            </section>
        }
        .into_any()
    }
}

/// The notes of one deliverable in the notes document `notes`, a form to add one, and
/// (for the notes' owner) a link to give a colleague.
#[component]
fn NotesThread(notes: tandem_sync::document_id::DocumentId, id: DeliverableId) -> impl IntoView {
    use tandem_client::access::{Role, State};
    use tandem_domain::{ids::NoteId, removal::Target};
    let tandem = expect_context::<Tandem>();
    let notes_editor = match Editor::new(tandem, notes) {
        Ok(e) => e,
        Err(e) => {
            return view! { <p class="error" role="alert">{tf("The brand's notes cannot be opened: {0}.", &[&e])}</p> }.into_any();
        }
    };
    let deliverable = StoredValue::new(id.clone());
    let thread = Memo::new(move |_| {
        notes_editor
            .view
            .with(|p| p.notes_about(&deliverable.get_value()))
    });
    let text = Draft::new(&notes, &format!("note-{id}"), String::new());
    let error = RwSignal::new(None::<String>);
    let unsynced = tandem.unsynced(notes);
    let connection = tandem.connection();
    let access = tandem.access(notes);
    let owner = move || {
        !tandem.has_access_control()
            || access.with(|x| x.role == Role::Owner && x.state == State::Active)
    };
    let link = RwSignal::new(None::<String>);
    let colleague = RwSignal::new(String::new());
    let link_problem = RwSignal::new(None::<String>);
    let field = format!("note-{id}");
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (by, _) = me(tandem);
        match notes_editor.edit_or_say(Command::AddNote {
            id: NoteId::from_random(random_16()),
            deliverable: deliverable.get_value(),
            text: text.get_untracked(),
            by,
            at_ms: now_ms(),
        }) {
            Ok(_) => {
                text.set(String::new());
                error.set(None);
            }
            Err(e) => {
                notes_editor.error.set(None);
                error.set(Some(e));
            }
        }
    };
    // Who was given the notes: the owner sees each link and revokes it here.
    let given = RwSignal::new(Vec::<tandem_sync::api::LinkInfo>::new());
    let ready = tandem.ready();
    let reload = move || {
        if !ready.get_untracked() || !owner() || !tandem.has_access_control() {
            return;
        }
        let platform = tandem.platform();
        leptos::task::spawn_local(async move {
            match platform
                .send(&tandem_sync::api::ListLinks { document: notes })
                .await
            {
                Ok(a) => given.set(a.links),
                Err(e) => link_problem.set(Some(tf("The links could not be loaded: {0}.", &[&e]))),
            }
        });
    };
    Effect::new(move |_| {
        ready.track();
        reload();
    });
    let listed = move || {
        given
            .get()
            .into_iter()
            .filter(|l| l.role != Role::Owner)
            .collect::<Vec<_>>()
    };
    let revoke = move |link: String| {
        let platform = tandem.platform();
        leptos::task::spawn_local(async move {
            match platform
                .send(&tandem_sync::api::RevokeLink {
                    document: notes,
                    link,
                })
                .await
            {
                Ok(_) => reload(),
                Err(e) => link_problem.set(Some(tf("The link could not be revoked: {0}.", &[&e]))),
            }
        });
    };
    let share = move |_| {
        use tandem_sync::api::{CreateLink, LinkRequest, NewLink};
        let platform = tandem.platform();
        leptos::task::spawn_local(async move {
            let call = CreateLink {
                document: notes,
                link: LinkRequest {
                    role: Role::Editor,
                    label: match colleague.get_untracked().trim() {
                        "" => t("Brand-only notes").to_owned(),
                        name => name.to_owned(),
                    },
                    side: Some(tandem_sync::presence::Side::Brand),
                    expires_ms: None,
                },
            };
            match platform.send(&call).await {
                Ok(NewLink { secret, .. }) => {
                    link.set(Some(crate::platform::api::link_url(&secret)));
                    link_problem.set(None);
                    colleague.set(String::new());
                    reload();
                }
                Err(e) => link_problem.set(Some(tf("The link could not be made: {0}.", &[&e]))),
            }
        });
    };
    view! {
        <ol class="notes" data-testid="notes">
            <For each=move || thread.get() key=|(n, x)| (n.clone(), x.text.as_str().to_owned())
                children=move |(n, x)| {
                    let target = StoredValue::new(n);
                    view! {
                        <li data-testid="note">
                            <p class="note-text">{x.text.as_str().to_owned()}</p>
                            <p class="muted">{tf("{0}, {1}", &[&x.by, &local_time(x.at_ms)])}
                                " "
                                <button type="button" class="small-button danger-quiet" data-testid="remove-note"
                                    aria-label=tf("Remove the note by {0}", &[&x.by])
                                    on:click=move |_| crate::components::undo_toast::remove_with_undo(
                                        notes_editor, t("Note removed").to_owned(), Target::Note(target.get_value()))>
                                    {t("Remove")}
                                </button>
                            </p>
                        </li>
                    }
                }/>
        </ol>
        <form class="note-form" data-testid="note-form" data-draft="" on:submit=submit>
            <label for=field.clone()>{t("A note for your side only")}</label>
            <textarea id=field data-testid="note-text" rows="2" maxlength="4000"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <button type="submit" data-testid="note-add" disabled=move || !notes_editor.can_edit()>{t("Add note")}</button>
            <DraftMark drafts=vec![text]/>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </form>
        {move || (unsynced.get() > 0 && connection.get() != tandem_client::Connection::Online).then(|| view! {
            <p class="muted" role="status">{t("Saved in this browser; it reaches the relay when you are online.")}</p>
        })}
        {move || owner().then(|| view! {
            <p class="notes-share">
                <label>{t("Colleague (optional)")}
                    <input type="text" maxlength="200" data-testid="notes-colleague" prop:value=move || colleague.get()
                        on:input=move |ev| colleague.set(event_target_value(&ev))/>
                </label>
                " "
                <button type="button" class="small-button" data-testid="share-notes" on:click=share>
                    {t("Give a colleague on your side these notes (a link)")}
                </button>
            </p>
            {move || link.get().map(|url| {
                let copy = url.clone();
                view! {
                    <div class="made-link" role="status">
                        <p>{t("Send this link to a colleague on the brand's side only — copy it now; it is shown only once.")}</p>
                        <div class="row">
                            <input type="text" readonly=true data-testid="notes-link" prop:value=url aria-label=t("The link to send")/>
                            <button type="button" on:click=move |_| crate::pages::share::copy_to_clipboard(&copy)>{t("Copy")}</button>
                        </div>
                    </div>
                }
            })}
            {move || link_problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            <ul class="notes-links" data-testid="notes-links">
                <For each=listed
                    key=|l| (l.id.clone(), l.revoked_ms)
                    children=move |l| {
                        let state = l.status(now_ms());
                        let active = state == tandem_sync::api::LinkStatus::Active;
                        let status = match state {
                            tandem_sync::api::LinkStatus::Active => t("Active"),
                            tandem_sync::api::LinkStatus::Expired => t("Expired"),
                            tandem_sync::api::LinkStatus::Revoked => t("Revoked"),
                        };
                        let who = if l.label.is_empty() { "—".to_owned() } else { l.label.clone() };
                        let link_id = StoredValue::new(l.id.clone());
                        let said = tf("Revoke the link for {0}", &[&who]);
                        view! {
                            <li data-testid="notes-link-row" data-active=active.to_string()>
                                {tf("Link “{0}”, made {1}", &[&who, &local_time(l.created_ms)])}
                                " · "
                                {status}
                                {active.then(|| view! {
                                    " "
                                    <button type="button" class="small-button danger" data-testid="revoke-notes-link"
                                        aria-label=said.clone() on:click=move |_| revoke(link_id.get_value())>{t("Revoke")}</button>
                                })}
                            </li>
                        }
                    }/>
            </ul>
        })}
    }
    .into_any()
}

#[component]
fn SubmitDraft(q: QuarterId, id: DeliverableId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let key = format!("draft-{id}");
    let link = Draft::new(&editor.id, &format!("{key}-link"), String::new());
    let caption = Draft::new(&editor.id, &format!("{key}-caption"), String::new());
    let error = RwSignal::new(None::<String>);
    let id = StoredValue::new(id);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (by, side) = me(tandem);
        match editor.edit_or_say(Command::SubmitDraft {
            quarter: q,
            deliverable: id.get_value(),
            id: VersionId::from_random(random_16()),
            link: link.get_untracked(),
            caption: caption.get_untracked(),
            by,
            side,
            at_ms: now_ms(),
        }) {
            Ok(_) => {
                link.set(String::new());
                caption.set(String::new());
                error.set(None);
            }
            Err(e) => {
                editor.error.set(None);
                error.set(Some(e));
            }
        }
    };
    let ids = StoredValue::new((format!("{key}-link"), format!("{key}-caption")));
    view! {
        <form class="submit-draft" data-testid="submit-draft" data-draft="" on:submit=submit>
            <fieldset>
                <legend>{t("Submit a draft")}</legend>
                <div class="field grow">
                    <label for=ids.get_value().0>{t("Link to the draft or preview")}</label>
                    <input id=ids.get_value().0 data-testid="draft-link" type="url" inputmode="url"
                        prop:value=move || link.get() on:input=move |ev| link.set(event_target_value(&ev))/>
                </div>
                <div class="field grow">
                    <label for=ids.get_value().1>{t("Caption as it would go out")}</label>
                    <textarea id=ids.get_value().1 data-testid="draft-caption" rows="3"
                        prop:value=move || caption.get() on:input=move |ev| caption.set(event_target_value(&ev))></textarea>
                </div>
                <button type="submit" class="primary" data-testid="draft-submit">{t("Submit draft")}</button>
                <DraftMark drafts=vec![link, caption]/>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </fieldset>
        </form>
    }
}

fn status_mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "✓",
        Status::Fail => "✗",
        Status::Info => "ℹ",
    }
}

/// The compliance gate of one paid deliverable.
#[component]
pub fn Gate(q: QuarterId, id: DeliverableId, d: Memo<Option<Deliverable>>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let id = StoredValue::new(id);
    let items = Memo::new(move |_| {
        d.track();
        editor.view.with(|p| p.gate(q, &id.get_value(), lang()))
    });
    let video_kinds = move || {
        items.with(|i| {
            i.as_ref().is_some_and(|(_, x)| {
                x.iter()
                    .any(|i| matches!(i.kind, RuleKind::VideoDisclosure | RuleKind::PlatformTag))
            })
        })
    };
    let checks = move || {
        d.with(|d| {
            d.as_ref()
                .map(|d| (d.disclosure_on_screen, d.disclosure_spoken, d.platform_tag))
                .unwrap_or_default()
        })
    };
    let set_checks = move |which: usize, on: bool| {
        let mut c = checks();
        match which {
            0 => c.0 = on,
            1 => c.1 = on,
            _ => c.2 = on,
        }
        editor.edit(Command::SetVideoChecks {
            quarter: q,
            deliverable: id.get_value(),
            on_screen: c.0,
            spoken: c.1,
            tag: c.2,
        });
    };
    let overridden = move || {
        d.with(|d| {
            d.as_ref()
                .map(|d| d.override_reason.as_str().trim().to_owned())
                .filter(|r| !r.is_empty())
        })
    };
    let reason = Draft::new(
        &editor.id,
        &format!("override-{}", id.get_value()),
        String::new(),
    );
    let error = RwSignal::new(None::<String>);
    let go_live = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(mut draft) = d.with_untracked(|d| d.as_ref().map(crate::tabs::sow_tab::draft_of))
        else {
            return;
        };
        let outcome = editor
            .edit_or_say(Command::OverrideGate {
                quarter: q,
                deliverable: id.get_value(),
                reason: reason.get_untracked(),
            })
            .and_then(|_| {
                draft.status = DeliverableStatus::Live;
                editor.edit_or_say(Command::UpdateDeliverable {
                    quarter: q,
                    id: id.get_value(),
                    draft: Box::new(draft),
                })
            });
        match outcome {
            Ok(_) => {
                reason.set(String::new());
                error.set(None);
            }
            Err(e) => {
                editor.error.set(None);
                error.set(Some(e));
            }
        }
    };
    let field = move |name: &str| id.with_value(|id| format!("{name}-{id}"));
    let paid = move || d.with(|d| d.as_ref().is_some_and(|d| d.paid));
    let undated = move || d.with(|d| d.as_ref().is_some_and(|d| d.paid && d.live_from.is_none()));
    // Held back: the domain would refuse "live" (the gate fails or cannot be checked, and no
    // reason is recorded).
    let blocked = move || {
        d.track();
        !editor
            .view
            .with(|p| id.with_value(|id| p.may_be_live(q, id)))
    };
    view! {
        <Show when=paid>
            <div class="gate" data-testid="gate">
                <Show when=move || !undated()
                    fallback=|| view! { <p class="muted" data-testid="gate-undated">{t("Set the go-live date to check this paid post against the rules in force on that day.")}</p> }>
                    <h4>{move || items.with(|i| i.as_ref().map(|(on, _)| tf("Before it goes live on {0}", &[&day(Day(*on))])))}</h4>
                    <ul>
                        {move || items.get().map(|(_, x)| x).unwrap_or_default().into_iter().map(|i: Item| view! {
                            <li class=match i.status { Status::Pass => "pass", Status::Fail => "fail", Status::Info => "info" }
                                data-testid="gate-item" data-kind=i.kind.as_str() data-status=match i.status { Status::Pass => "pass", Status::Fail => "fail", Status::Info => "info" }>
                                <span aria-hidden="true">{status_mark(i.status)}</span>
                                " " <strong>{i.kind.words(lang())}</strong>
                                {match i.status { Status::Fail => view! { <span class="sr-only">{t(" (fails)")}</span> }.into_any(), _ => ().into_any() }}
                                ": " {i.reason}
                                " " <span class="muted">{tf("(since {0})", &[&day(i.since)])}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </Show>
                <Show when=video_kinds>
                    <div class="field-row">
                        <div class="field checkbox"><label><input type="checkbox" data-testid="check-on-screen" id=field("on-screen")
                            prop:checked=move || checks().0 on:change=move |ev| set_checks(0, event_target_checked(&ev))/>{t(" Disclosure on screen")}</label></div>
                        <div class="field checkbox"><label><input type="checkbox" data-testid="check-spoken" id=field("spoken")
                            prop:checked=move || checks().1 on:change=move |ev| set_checks(1, event_target_checked(&ev))/>{t(" Disclosure spoken")}</label></div>
                        <div class="field checkbox"><label><input type="checkbox" data-testid="check-tag" id=field("tag")
                            prop:checked=move || checks().2 on:change=move |ev| set_checks(2, event_target_checked(&ev))/>{t(" Platform's paid-partnership tag on")}</label></div>
                    </div>
                </Show>
                {move || overridden().map(|r| view! { <p class="warning" data-testid="override-reason">{tf("Published over the gate: {0}", &[&r])}</p> })}
                <Show when=blocked>
                    <form class="override" data-testid="override" data-draft="" on:submit=go_live>
                        <div class="field grow">
                            <label for=field("override")>{t("Publish anyway: why it is safe")}</label>
                            <input id=field("override") data-testid="override-text"
                                prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                        </div>
                        <button type="submit" class="danger" data-testid="override-submit">{t("Mark live with this reason")}</button>
                        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    </form>
                </Show>
            </div>
        </Show>
    }
}

/// Registry reports (RU) due from live paid placements, across quarters.
#[component]
pub fn RegistryReports() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tasks = Memo::new(move |_| {
        editor.view.with(|p| {
            p.registry_tasks()
                .into_iter()
                .map(|t| {
                    let r = p.report(&t.key);
                    (t, r)
                })
                .collect::<Vec<_>>()
        })
    });
    let reporter = Memo::new(move |_| editor.view.with(|p| p.agreement.registry_reporter.clone()));
    view! {
        <Show when=move || tasks.with(|t| !t.is_empty())>
            <h3 class="section-label">{t("Registry reports (Russia)")}</h3>
            <p class="muted">{move || match reporter.get().as_str() {
                "brand" => t("The brand reports, as the agreement says.").to_owned(),
                "creator" => t("The creator reports, as the agreement says.").to_owned(),
                _ => t("Who reports is not agreed yet: set it in the agreement.").to_owned(),
            }}</p>
            <div class="table-scroll">
            <table class="registry" data-testid="registry">
                <thead><tr>
                    <th scope="col">{t("Month")}</th>
                    <th scope="col">{t("Platform")}</th>
                    <th scope="col">{t("Due")}</th>
                    <th scope="col">{t("Impressions")}</th>
                    <th scope="col">{t("Act of services")}</th>
                    <th scope="col">{t("Reported")}</th>
                </tr></thead>
                <tbody>
                    <For each=move || tasks.get() key=|(t, _)| t.key.clone() children=move |(task, _)| {
                        let key = StoredValue::new(task.key.clone());
                        let report = Memo::new(move |_| editor.view.with(|p| p.report(&key.get_value())));
                        let error = RwSignal::new(None::<String>);
                        let save = move |change: &dyn Fn(&mut Report)| {
                            let mut r = report.get_untracked();
                            change(&mut r);
                            match editor.edit_or_say(Command::SetReport { key: key.get_value(), report: Box::new(r) }) {
                                Ok(_) => error.set(None),
                                Err(e) => { editor.error.set(None); error.set(Some(e)); }
                            }
                        };
                        let month = task.month.format("%Y-%m").to_string();
                        let k = task.key.replace(':', "-");
                        let (imp_id, act_id, done_id) = (format!("imp-{k}"), format!("act-{k}"), format!("done-{k}"));
                        view! {
                            <tr data-testid="registry-task">
                                <td>{month}</td>
                                <td>{task.platform.clone()}</td>
                                <td>{day(Day(task.due))}</td>
                                <td>
                                    <label class="sr-only" for=imp_id.clone()>{t("Impressions")}</label>
                                    <input id=imp_id data-testid="registry-impressions" inputmode="numeric"
                                        placeholder=move || impressions_words(None, lang())
                                        prop:value=move || report.with(|r| r.impressions.map(|n| n.to_string()).unwrap_or_default())
                                        on:change=move |ev| {
                                            let raw = event_target_value(&ev);
                                            let n = raw.trim().replace([' ', '\u{a0}', ','], "");
                                            if n.is_empty() { save(&|r| r.impressions = None) }
                                            else if let Ok(n) = n.parse::<u64>() { save(&|r| r.impressions = Some(n)) }
                                            else { error.set(Some(t("impressions are a whole number").to_owned())) }
                                        }/>
                                </td>
                                <td>
                                    <label class="sr-only" for=act_id.clone()>{t("Act of services")}</label>
                                    <input id=act_id data-testid="registry-act"
                                        prop:value=move || report.with(|r| r.act.as_str().to_owned())
                                        on:change=move |ev| { let a = event_target_value(&ev); save(&|r| r.act = a.as_str().into()) }/>
                                    {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                                </td>
                                <td>
                                    <label class="sr-only" for=done_id.clone()>{t("Reported")}</label>
                                    <input type="checkbox" id=done_id data-testid="registry-reported"
                                        prop:checked=move || report.with(|r| r.reported)
                                        on:change=move |ev| { let on = event_target_checked(&ev); save(&|r| r.reported = on) }/>
                                </td>
                            </tr>
                        }
                    }/>
                </tbody>
            </table>
            </div>
        </Show>
    }
}

/// The dated rules table: shipped defaults with their sources, editable by the owner
/// (start and end dates; a rule removed stops applying). Everyone sees it.
#[component]
pub fn RulesTable() -> impl IntoView {
    use tandem_client::access::{Role, State};
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let access = tandem.access(editor.id);
    let controlled = tandem.has_access_control();
    let owner =
        move || !controlled || access.with(|x| x.role == Role::Owner && x.state == State::Active);
    let rules = Memo::new(move |_| {
        editor.view.with(|p| {
            p.rules()
                .into_iter()
                .filter(|(_, r)| !r.removed)
                .collect::<Vec<_>>()
        })
    });
    let error = RwSignal::new(None::<String>);
    view! {
        <details class="rules" data-testid="rules">
            <summary>{t("The rules Tandem checks, with their dates and sources")}</summary>
            <p class="muted">{t("Rules change; the owner keeps this table current. A change re-checks posts already live.")}</p>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="table-scroll">
            <table>
                <thead><tr>
                    <th scope="col">{t("Market")}</th>
                    <th scope="col">{t("Rule")}</th>
                    <th scope="col">{t("From")}</th>
                    <th scope="col">{t("Until")}</th>
                    <th scope="col">{t("Source")}</th>
                </tr></thead>
                <tbody>
                    <For each=move || rules.get() key=|(k, _)| k.clone()
                        children=move |(key, rule)| {
                            let k = StoredValue::new(key.clone());
                            // The row stays while its dates change (a rebuilt input would
                            // lose the focus of whoever is in it); its values follow the rule.
                            let now = Memo::new(move |_| editor.view.with(|p| p.rules().get(&k.get_value()).cloned()));
                            let set = move |from: Option<Day>, until: Option<Day>| {
                                let Some(mut x) = now.get_untracked() else { return };
                                if let Some(f) = from { x.from = f; }
                                x.until = until;
                                match editor.edit_or_say(Command::SetRule { key: k.get_value(), rule: Some(Box::new(x)) }) {
                                    Ok(_) => error.set(None),
                                    Err(e) => { editor.error.set(None); error.set(Some(e)); }
                                }
                            };
                            let kind = rule.kind().map(|k| k.words(lang())).unwrap_or_default();
                            let what = if rule.platform.is_empty() { kind.to_owned() } else { format!("{kind}: {}", rule.platform) };
                            let (from_id, until_id) = (format!("rule-from-{key}"), format!("rule-until-{key}"));
                            view! {
                                <tr data-testid="rule" data-key=key.clone()>
                                    <td>{rule.market.to_string()}</td>
                                    <td>{what.clone()}</td>
                                    <td>
                                        <label class="sr-only" for=from_id.clone()>{tf("{0}: from", &[&what])}</label>
                                        <input type="date" id=from_id data-testid="rule-from" disabled=move || !owner()
                                            prop:value=move || now.with(|r| r.as_ref().map(|r| r.from.to_string()).unwrap_or_default())
                                            on:change=move |ev| match crate::components::fields::parse_day(&event_target_value(&ev)) {
                                                Ok(Some(d)) => set(Some(d), now.get_untracked().and_then(|r| r.until)),
                                                Ok(None) => error.set(Some(t("a rule needs the day it starts").to_owned())),
                                                Err(e) => error.set(Some(e)),
                                            }/>
                                    </td>
                                    <td>
                                        <label class="sr-only" for=until_id.clone()>{tf("{0}: until", &[&what])}</label>
                                        <input type="date" id=until_id data-testid="rule-until" disabled=move || !owner()
                                            prop:value=move || now.with(|r| r.as_ref().and_then(|r| r.until).map(|d| d.to_string()).unwrap_or_default())
                                            on:change=move |ev| match crate::components::fields::parse_day(&event_target_value(&ev)) {
                                                Ok(until) => set(None, until),
                                                Err(e) => error.set(Some(e)),
                                            }/>
                                    </td>
                                    <td class="source">{rule.source.as_str().to_owned()}</td>
                                </tr>
                            }
                        }/>
                </tbody>
            </table>
            </div>
        </details>
    }
}
