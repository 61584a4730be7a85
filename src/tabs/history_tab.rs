//! History: who changed what and when, in editing sessions, newest first; any past
//! version opens read-only; what the other side changed since this browser's last visit
//! is marked.

use automerge::ChangeHash;
use leptos::{context::Provider, prelude::*};
use tandem_client::records;
use tandem_domain::{
    document_id::DocumentId,
    history::{Line, Session, TextChange},
};

use crate::{
    browser::local_time,
    editor::Editor,
    i18n::{lang, side_words, t, tf},
    state::Tandem,
};
use crate::{
    tabs::agreement_tab::AgreementTab, tabs::people_tab::their_times, tabs::roadmap::Roadmap,
};

/// The heads this browser saw at the end of its last visit to a partnership.
pub fn load_seen(id: &DocumentId) -> Option<Vec<ChangeHash>> {
    let joined = crate::platform::local::get(&records::seen_key(id))?;
    Some(records::decode_heads(&joined))
}

/// Remembers what this browser has now seen of a partnership.
pub fn store_seen(id: &DocumentId, heads: &[ChangeHash]) {
    crate::platform::local::persist(&records::Record::Seen(*id, heads.to_vec()));
}

/// What the partnership page read at its start: the heads of the previous visit.
#[derive(Debug, Clone)]
pub struct LastVisit(pub Option<Vec<ChangeHash>>);

#[derive(Clone, PartialEq)]
struct Row {
    session: Session,
    /// Made by someone else after the last visit.
    new: bool,
    /// Which of its lines are (by the line's position in `session.lines`).
    new_lines: Vec<bool>,
}

fn who(session: &Session) -> String {
    match &session.author {
        Some(a) if !a.name.is_empty() => {
            if a.side.is_empty() {
                a.name.clone()
            } else {
                format!("{} ({})", a.name, side_words(&a.side))
            }
        }
        _ => tf(
            "Someone without a name (editor {0})",
            &[&&session.actor[..session.actor.len().min(6)]],
        ),
    }
}

fn when(session: &Session) -> String {
    let start = local_time(session.start_ms);
    if session.end_ms - session.start_ms < 60_000 {
        start
    } else {
        format!("{start} – {}", local_time(session.end_ms))
    }
}

#[component]
pub fn HistoryTab() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let last_visit = use_context::<LastVisit>().and_then(|l| l.0);
    let revision = tandem.revision(editor.id);
    let me = tandem.me();
    let viewing = RwSignal::new(None::<(String, Vec<ChangeHash>)>);
    let rows = Memo::new(move |_| {
        revision.track();
        editor.view.track();
        let Some((sessions, new_changes)) = tandem.with_doc_mut(&editor.id, |doc| {
            let new_changes = last_visit
                .as_ref()
                .map(|seen| doc.changed_since(seen))
                .unwrap_or_default();
            (doc.sessions(), new_changes)
        }) else {
            return Vec::new();
        };
        let mine = me.get_untracked();
        sessions
            .into_iter()
            .map(|session| {
                let by_me = match (&session.author, &mine) {
                    (Some(a), Some(m)) => a.name == m.name && a.side == m.side.as_str(),
                    _ => false,
                };
                let new_lines: Vec<bool> = session
                    .lines
                    .iter()
                    .map(|l| !by_me && l.hashes.iter().any(|h| new_changes.contains(h)))
                    .collect();
                let new = new_lines.iter().any(|n| *n);
                Row {
                    session,
                    new,
                    new_lines,
                }
            })
            .collect::<Vec<_>>()
    });
    view! {
        {move || match viewing.get() {
            Some((title, version)) => view! { <PastVersion title=title version=version back=move || viewing.set(None)/> }.into_any(),
            None => view! {
                <section class="card history" data-testid="history">
                    <h2>{t("History")}</h2>
                    <p class="muted">{t("Every change, grouped into editing sessions, newest first. Times are in your time zone.")}</p>
                    <ol class="sessions">
                        {move || rows.get().into_iter().map(|row| {
                            let s = &row.session;
                            let title = format!("{} — {}", who(s), when(s));
                            let version = s.version.clone();
                            let open_title = title.clone();
                            view! {
                                <li class=if row.new { "session new" } else { "session" } data-testid="history-session"
                                    data-new=row.new.to_string()>
                                    <p class="session-head">
                                        <strong data-testid="history-who">{who(s)}</strong>
                                        " · " <span class="muted" data-testid="history-when" title=editor.view.with_untracked(|p| their_times(p, s.start_ms))>{when(s)}</span>
                                        {row.new.then(|| view! { <span class="badge new-badge">{t("new since your last visit")}</span> })}
                                    </p>
                                    <div class="session-what" data-testid="history-what">
                                        {s.by_area().into_iter().map(|(area, lines)| view! {
                                            <h3 class="section-label history-area">{area.name(lang())}</h3>
                                            <ul>
                                                {lines.into_iter().map(|line| {
                                                    let at = s.lines.iter().position(|l| l == line).unwrap_or(0);
                                                    let new = row.new_lines.get(at).copied().unwrap_or(false);
                                                    view! { <HistoryLine line=line.clone() new/> }
                                                }).collect_view()}
                                            </ul>
                                        }).collect_view()}
                                    </div>
                                    <button type="button" class="small-button" data-testid="view-version"
                                        on:click=move |_| viewing.set(Some((open_title.clone(), version.clone())))>
                                        {t("View as it was after this")}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                </section>
            }.into_any(),
        }}
    }
}

/// One line of a session: what was done (keystrokes into one text fold into one line),
/// whether it is new since the last visit, and for a text, what changed, on demand.
#[component]
fn HistoryLine(line: Line, new: bool) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let edits = line.edits();
    let is_text = line.what.field().is_some();
    let shown = RwSignal::new(None::<Option<TextChange>>);
    let line = StoredValue::new(line);
    let on_toggle = move |ev: leptos::ev::Event| {
        let open = event_target::<web_sys::HtmlDetailsElement>(&ev).open();
        if open && shown.get_untracked().is_none() {
            let changed = tandem
                .with_doc_mut(&editor.id, |doc| line.with_value(|l| doc.text_change(l)))
                .flatten();
            shown.set(Some(changed));
        }
    };
    let what = line.with_value(|l| l.what.describe(lang()));
    view! {
        <li class=if new { "history-line new" } else { "history-line" } data-new=new.to_string()>
            {what}
            {(!is_text && edits > 1).then(|| tf(" ({0} times)", &[&edits]))}
            {new.then(|| view! { " " <span class="badge new-badge">{t("new since your last visit")}</span> })}
            {is_text.then(|| view! {
                <details class="text-change" on:toggle=on_toggle>
                    <summary>{t("What changed")}</summary>
                    {move || match shown.get() {
                        None => ().into_any(),
                        Some(None) => view! { <p class="muted">{t("The earlier text cannot be shown.")}</p> }.into_any(),
                        Some(Some(c)) => view! {
                            <dl class="text-change-body">
                                <dt>{t("Before")}</dt>
                                <dd>{if c.before.is_empty() { t("(empty)").to_owned() } else { c.before }}</dd>
                                <dt>{t("After")}</dt>
                                <dd>{if c.after.is_empty() { t("(empty)").to_owned() } else { c.after }}</dd>
                            </dl>
                        }.into_any(),
                    }}
                </details>
            })}
        </li>
    }
}

/// A past version, read-only: the roadmap and the agreement as they were.
#[component]
fn PastVersion(
    title: String,
    version: Vec<ChangeHash>,
    back: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let past = tandem
        .with_doc_mut(&editor.id, |doc| doc.partnership_at(&version))
        .ok_or_else(|| t("this partnership is not stored here").to_owned())
        .and_then(|p| p.map_err(|e| e.to_string()));
    let back2 = back.clone();
    let body = match past {
        Err(e) => {
            view! { <p class="error" role="alert">{t("This version cannot be opened: ")} {e}</p> }
                .into_any()
        }
        Ok(p) => {
            let frozen = Editor::frozen(tandem, editor.id, p);
            view! {
                <Provider value=frozen>
                    <fieldset class="plain" disabled=true data-testid="past-version">
                        <Roadmap/>
                        <AgreementTab/>
                    </fieldset>
                </Provider>
            }
            .into_any()
        }
    };
    view! {
        <div class="banner info" role="status" data-testid="past-version-banner">
            <strong>{t("A past version, read-only: ")}</strong> {title}
            " "
            <button type="button" class="small-button" on:click=move |_| back()>{t("Back to the history")}</button>
        </div>
        {body}
        <p><button type="button" class="small-button" on:click=move |_| back2()>{t("Back to the history")}</button></p>
    }
}
