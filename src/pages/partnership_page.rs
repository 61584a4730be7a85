//! A partnership: header (title, markets, save and sync state; access, presence, sharing)
//! and its tabs, the overview first.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use tandem_domain::document_id::DocumentId;

use crate::i18n::{count, t, tf};
use crate::platform::api::{Role, State};
use crate::{
    components::presence_bar::PresenceBar,
    pages::export_menu::ExportMenu,
    pages::share::{AccessNotice, SharePanel},
    tabs::agreement_tab::AgreementTab,
    tabs::checkins_tab::CheckinsTab,
    tabs::debriefs_tab::DebriefsTab,
    tabs::history_tab::{HistoryTab, LastVisit, load_seen, store_seen},
    tabs::kpi_tab::KpiTab,
    tabs::overview_tab::{GoTo, OverviewTab},
    tabs::payments_tab::PaymentsTab,
    tabs::people_tab::{LocalTimes, PeopleTab},
    tabs::qbr_tab::QbrTab,
    tabs::roadmap::Roadmap,
    tabs::sow_tab::SowTab,
    tabs::wins_tab::WinsTab,
};
use crate::{
    editor::{Editor, SaveState},
    state::Tandem,
};
use tandem_client::Connection;

fn open(tandem: Tandem, raw_id: &str) -> Result<Editor, String> {
    let Ok(id) = raw_id.parse::<DocumentId>() else {
        return Err(tf("“{0}” is not a partnership link.", &[&raw_id]));
    };
    Editor::new(tandem, id).map_err(|e| tf("This partnership cannot be opened: {0}.", &[&e]))
}

/// Where an opened link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arrival {
    Here,
    /// Stored here, still loading after the one the page opened on.
    Opening,
    Fetching,
    Unavailable,
}

#[component]
pub fn PartnershipPage() -> impl IntoView {
    let params = use_params_map();
    let tandem = expect_context::<Tandem>();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    // Changes only when the partnership arrives, so the page is built once.
    let arrival = Memo::new(move |_| {
        let Ok(doc) = id.get().parse::<DocumentId>() else {
            return Arrival::Here; // `open` explains the bad link.
        };
        tandem.revision(doc).track();
        if tandem.has_content(&doc) {
            Arrival::Here
        } else if tandem.is_pending(&doc) {
            Arrival::Opening
        } else if tandem.unavailable(doc).get() {
            Arrival::Unavailable
        } else {
            Arrival::Fetching
        }
    });
    // Not the partnership itself (fetching, unavailable): nothing painted before stays.
    Effect::new(move |_| {
        if arrival.get() != Arrival::Here {
            crate::boot_done();
        }
    });
    Effect::new(move |_| {
        if arrival.get() == Arrival::Fetching
            && let Ok(doc) = id.get().parse::<DocumentId>()
        {
            tandem.fetch(doc);
        }
    });
    move || {
        match arrival.get() {
        Arrival::Opening => view! {
            <section class="card" data-testid="opening-partnership">
                <p role="status">{t("Opening the partnership…")}</p>
                <p class="muted">{t("It is stored in this browser and opens in a moment.")}</p>
            </section>
        }
        .into_any(),
        Arrival::Fetching => view! {
            <section class="card" data-testid="fetching">
                <p role="status">{t("Fetching this partnership from the relay…")}</p>
                <p class="muted">{t("It opens as soon as it arrives, and is kept in this browser from then on.")}</p>
            </section>
        }
        .into_any(),
        Arrival::Unavailable => view! {
            <section class="card" data-testid="unavailable">
                <p class="error" role="alert">
                    {t("This partnership is not available to you: the relay does not have it, or this browser has no link to it. Open the link you were sent (or ask for one).")}
                </p>
                <p><a href="/">{t("Back to your partnerships")}</a></p>
            </section>
        }
        .into_any(),
        Arrival::Here => page(tandem, &id.get()),
    }
    }
}

/// A brand-only notes document opened by itself (from the link that shared it): its
/// notes are read and written on the partnership's page, under each deliverable.
fn notes_page(tandem: Tandem, editor: Editor) -> AnyView {
    let (title, parent) = editor.view.with_untracked(|p| {
        (
            format!("{} × {}", p.brand.as_str(), p.creator.as_str()),
            p.notes_parent(),
        )
    });
    let held = parent.is_some_and(|p| tandem.has_content(&p));
    view! {
        <section class="card" data-testid="notes-page">
            <h1>{tf("Brand-only notes: {0}", &[&title])}</h1>
            <p>{t("These are the brand's internal notes on this partnership's deliverables. The creator's side never receives them.")}</p>
            {match parent {
                Some(parent) if held => view! {
                    <p><a class="button primary" data-testid="notes-parent" href=format!("/p/{parent}#tab-sow")>
                        {t("Open the partnership: the notes are under each deliverable")}
                    </a></p>
                }.into_any(),
                _ => view! {
                    <p class="muted" role="status">{t("The partnership itself is not in this browser yet: open the link to it that you were sent (or ask the owner for one). The notes then show under each deliverable.")}</p>
                }.into_any(),
            }}
            <p><a href="/">{t("Back to your partnerships")}</a></p>
        </section>
    }
    .into_any()
}

fn page(tandem: Tandem, id: &str) -> AnyView {
    let opened = open(tandem, id);
    if opened
        .as_ref()
        .map_or(true, |e| e.view.with_untracked(|p| p.is_notes()))
    {
        Effect::new(move |_| crate::boot_done());
    }
    match opened {
        Err(e) => view! {
            <section class="card">
                <p class="error" role="alert">{e}</p>
                <p><a href="/">{t("Back to your partnerships")}</a></p>
            </section>
        }
        .into_any(),
        Ok(editor) if editor.view.with_untracked(|p| p.is_notes()) => notes_page(tandem, editor),
        Ok(editor) => {
            provide_context(editor);
            crate::components::undo_toast::UndoToast::provide();
            // "Since your last visit": what this browser had seen when the page last
            // closed; what it sees now is remembered when this page closes.
            provide_context(LastVisit(load_seen(&editor.id)));
            let id = editor.id;
            // Only while this page shows the partnership (the page-hide listener outlives
            // it when the person moves on inside the app).
            let showing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
            let remember = {
                let showing = showing.clone();
                move || {
                    if !showing.swap(false, std::sync::atomic::Ordering::Relaxed) {
                        return;
                    }
                    if let Some(heads) = tandem.with_doc_mut(&id, |d| d.heads()) {
                        store_seen(&id, &heads);
                    }
                }
            };
            on_cleanup(remember.clone());
            if let Some(w) = web_sys::window() {
                let on_hide = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(remember);
                let _ = w.add_event_listener_with_callback(
                    "pagehide",
                    wasm_bindgen::JsCast::unchecked_ref(on_hide.as_ref()),
                );
                on_hide.forget(); // A handful per page life; each stores the newest heads.
            }
            view! { <Partnership/> <crate::components::undo_toast::UndoToastView/> }.into_any()
        }
    }
}

/// The addressed partnership painted from its preview, read-only, while this browser's
/// partnerships open ([`crate::platform::preview`]): the same page as once it has loaded,
/// with "Opening…" where the save state will be (while [`Tandem::ready`] is false).
pub fn preview_page(id: DocumentId, past: tandem_domain::partnership::Partnership) -> AnyView {
    let tandem = expect_context::<Tandem>();
    provide_context(Editor::frozen(tandem, id, past));
    crate::components::undo_toast::UndoToast::provide();
    provide_context(LastVisit(load_seen(&id)));
    view! { <div class="opening-preview" data-testid="opening-preview"><Partnership/></div> }
        .into_any()
}

#[component]
fn Partnership() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    // Shown (from its preview or loaded): a copy painted before the app came goes.
    Effect::new(move |_| crate::boot_done());
    let access = tandem.access(editor.id);
    let controlled = tandem.has_access_control();
    // Shown on a preview too, so nothing moves when the page becomes live (it asks the
    // relay only once it is).
    let is_owner =
        move || controlled && access.with(|x| x.role == Role::Owner && x.state == State::Active);
    let brand = move || editor.view.with(|p| p.brand.as_str().to_owned());
    let creator = move || editor.view.with(|p| p.creator.as_str().to_owned());
    let markets = move || {
        editor.view.with(|p| {
            p.markets
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" · ")
        })
    };
    view! {
        // One row: who the partnership is between and its markets, with the save and sync
        // state beside; then one row of tools (your access, who is here, sharing).
        <section class="page-head partnership-head" data-page-doc=editor.id.to_string()>
            <div class="head-main">
                <p class="crumb"><a href="/">{t("Partnerships")}</a></p>
                <h1 data-testid="partnership-title" tabindex="-1">
                    {brand} " × " {creator}
                    " "<span class="markets" aria-label=t("Markets")>{markets}</span>
                </h1>
                <LocalTimes/>
            </div>
            <div class="states">
                <SaveIndicator/>
                <SyncIndicator/>
                <ExportMenu/>
            </div>
        </section>
        <div class="head-tools">
            <AccessNotice/>
            <PresenceBar/>
            <Show when=is_owner>
                <SharePanel/>
            </Show>
        </div>
        {move || editor.error.get().map(|e| view! {
            <p class="error" role="alert" data-testid="edit-error">{e}</p>
        })}
        <crate::components::fields::PeopleList/>
        <Tabs/>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Overview,
    Roadmap,
    Agreement,
    Sow,
    Payments,
    Kpis,
    Debriefs,
    Qbr,
    CheckIns,
    People,
    Wins,
    History,
}

impl Tab {
    const ALL: [Tab; 12] = [
        Tab::Overview,
        Tab::Roadmap,
        Tab::Agreement,
        Tab::Sow,
        Tab::Payments,
        Tab::Kpis,
        Tab::Debriefs,
        Tab::CheckIns,
        Tab::People,
        Tab::Wins,
        Tab::Qbr,
        Tab::History,
    ];

    fn id(self) -> &'static str {
        match self {
            Tab::Overview => "overview",
            Tab::Roadmap => "roadmap",
            Tab::Agreement => "agreement",
            Tab::Sow => "sow",
            Tab::Payments => "payments",
            Tab::Kpis => "kpis",
            Tab::Debriefs => "debriefs",
            Tab::People => "people",
            Tab::Qbr => "qbr",
            Tab::CheckIns => "checkins",
            Tab::Wins => "wins",
            Tab::History => "history",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Tab::Overview => t("Overview"),
            Tab::Roadmap => t("Roadmap"),
            Tab::Agreement => t("Agreement"),
            Tab::Sow => t("Statement of work"),
            Tab::Payments => t("Payments"),
            Tab::Kpis => t("KPIs & verdict"),
            Tab::Debriefs => t("Debriefs"),
            Tab::People => t("People"),
            Tab::Qbr => t("QBR"),
            Tab::CheckIns => t("Check-ins"),
            Tab::Wins => t("Wins"),
            Tab::History => t("History"),
        }
    }
}

/// The partnership's documents as tabs (arrow keys move between tabs, as screen-reader
/// users expect of a tablist).
#[component]
fn Tabs() -> impl IntoView {
    // The open tab is kept in the address (#tab-kpis), so a reload, a shared address or a
    // switch of language comes back to it.
    // Following a link inside the app (a "This week" line, a notes page's link) renders
    // the page before the window's address changes: then the router's address names the
    // tab. Otherwise the window's does (switching tabs rewrites it without the router).
    let tab_in = |hash: &str| {
        let hash = hash.trim_start_matches('#');
        Tab::ALL
            .into_iter()
            .find(|t| hash == format!("tab-{}", t.id()))
    };
    let location = leptos_router::hooks::use_location();
    let window_at = web_sys::window().map(|w| w.location());
    let settled = window_at.as_ref().and_then(|l| l.pathname().ok())
        == Some(location.pathname.get_untracked());
    let hash = match (&window_at, settled) {
        (Some(l), true) => l.hash().unwrap_or_default(),
        _ => location.hash.get_untracked(),
    };
    let current = RwSignal::new(tab_in(&hash).unwrap_or(Tab::Overview));
    // A link to another tab of the page already open opens it.
    Effect::new(move |before: Option<String>| {
        let now = location.hash.get();
        if before.is_some_and(|b| b != now)
            && let Some(tab) = tab_in(&now)
        {
            current.set(tab);
        }
        now
    });
    let editor = expect_context::<Editor>();
    // Each tab shown is copied for the next opening, once it has settled.
    Effect::new(move |_| {
        current.track();
        editor.tandem().page_shown(editor.id);
    });
    // The overview, the first tab, keeps the plain address; the page's title names the
    // partnership and the tab (what a browser's tabs, history and screen readers show).
    Effect::new(move |_| {
        let tab = current.get();
        let Some(w) = web_sys::window() else {
            return;
        };
        let names = editor
            .view
            .with(|p| format!("{} × {}", p.brand.as_str(), p.creator.as_str()));
        if let Some(d) = w.document() {
            d.set_title(&format!("{names} — {} — Tandem", tab.label()));
        }
        let now = w.location().hash().unwrap_or_default();
        let wanted = if tab == Tab::Overview {
            String::new()
        } else {
            format!("#tab-{}", tab.id())
        };
        if now != wanted
            && let Ok(history) = w.history()
        {
            let path = w.location().pathname().unwrap_or_default();
            let search = w.location().search().unwrap_or_default();
            let _ = history.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("{path}{search}{wanted}")),
            );
        }
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let i = Tab::ALL
            .iter()
            .position(|t| *t == current.get_untracked())
            .unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" => (i + 1) % Tab::ALL.len(),
            "ArrowLeft" => (i + Tab::ALL.len() - 1) % Tab::ALL.len(),
            "Home" => 0,
            "End" => Tab::ALL.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        current.set(Tab::ALL[next]);
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&format!("tab-{}", Tab::ALL[next].id())))
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = el.focus();
        }
    };
    // A link elsewhere on the page (the overview's) opens its tab and puts focus on it, or
    // opens the share panel.
    provide_context(GoTo(Callback::new(move |place: &'static str| {
        let document = web_sys::window().and_then(|w| w.document());
        if place == "share" {
            crate::pages::share::show_share_panel(true);
            return;
        }
        if let Some(tab) = Tab::ALL.into_iter().find(|t| t.id() == place) {
            current.set(tab);
            if let Some(el) = document
                .and_then(|d| d.get_element_by_id(&format!("tab-{}", tab.id())))
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
            {
                let _ = el.focus();
            }
        }
    })));
    let read_only = move || !editor.can_edit();
    view! {
        <div class="tabs" role="tablist" aria-label=t("Partnership documents") on:keydown=on_key>
            {Tab::ALL.into_iter().map(|t| view! {
                <button type="button" role="tab" id=format!("tab-{}", t.id())
                    data-testid=format!("tab-{}", t.id())
                    aria-controls=format!("panel-{}", t.id())
                    aria-selected=move || (current.get() == t).to_string()
                    tabindex=move || if current.get() == t { "0" } else { "-1" }
                    class=move || if current.get() == t { "tab active" } else { "tab" }
                    on:click=move |_| current.set(t)>
                    {t.label()}
                </button>
            }).collect_view()}
        </div>
        <div id=move || format!("panel-{}", current.get().id()) role="tabpanel"
            aria-labelledby=move || format!("tab-{}", current.get().id())>
            {move || match current.get() {
                // Reading the history is open to everyone who can see the partnership.
                Tab::History => view! { <HistoryTab/> }.into_any(),
                Tab::Overview => view! { <OverviewTab/> }.into_any(),
                // Read-only (a viewer, or a link that ended): every control inside is disabled.
                tab => view! {
                    <fieldset class="plain" disabled=read_only data-testid="editable" data-read-only=move || read_only().to_string()>
                        {match tab {
                            Tab::Agreement => view! { <AgreementTab/> }.into_any(),
                            Tab::Sow => view! { <SowTab/> }.into_any(),
                            Tab::Payments => view! { <PaymentsTab/> }.into_any(),
                            Tab::Kpis => view! { <KpiTab/> }.into_any(),
                            Tab::Qbr => view! { <QbrTab/> }.into_any(),
                            Tab::CheckIns => view! { <CheckinsTab/> }.into_any(),
                            Tab::Wins => view! { <WinsTab/> }.into_any(),
                            Tab::Debriefs => view! { <DebriefsTab/> }.into_any(),
                            Tab::People => view! { <PeopleTab/> }.into_any(),
                            _ => view! { <Roadmap/> }.into_any(),
                        }}
                    </fieldset>
                }.into_any(),
            }}
        </div>
    }
}

#[component]
fn SaveIndicator() -> impl IntoView {
    let editor = expect_context::<Editor>();
    if !expect_context::<Tandem>().ready().get_untracked() {
        return view! {
            <p class="save-state" role="status" aria-live="polite" data-testid="save-state">
                // Short, so the line does not wrap where "Saved" will stand.
                <span class="muted">{t("Opening…")}<span class="sr-only">" " {t("(read-only until it has loaded)")}</span></span>
            </p>
        }
        .into_any();
    }
    view! {
        <p class="save-state" role="status" aria-live="polite" data-testid="save-state">
            {move || match editor.save.get() {
                SaveState::Saved => view! { <span class="ok">{t("Saved in this browser")}</span> }.into_any(),
                SaveState::Saving => view! { <span class="muted">{t("Saving…")}</span> }.into_any(),
                // The browser's own words stay available on hover; the banner says what to do.
                SaveState::Failed(e) => view! {
                    <span class="error" title=e>{t("Not saved in this browser yet: kept in this tab and retried every few seconds")}</span>
                }.into_any(),
            }}
        </p>
    }
    .into_any()
}

#[component]
fn SyncIndicator() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let connection = tandem.connection();
    let access = tandem.access(editor.id);
    view! {
        <p class="sync-state" role="status" aria-live="polite" data-testid="sync-state">
            {move || {
                let a = access.get();
                if !a.syncs() {
                    return if a.ended().is_some() {
                        t("Not syncing: access ended").to_owned()
                    } else {
                        t("Only in this browser until registered with the relay").to_owned()
                    };
                }
                let n = editor.unsynced();
                let changes = count(n, ["change", "changes"], ["изменение", "изменения", "изменений"]);
                match (connection.get(), n) {
                    (Connection::Online, 0) => t("All changes are on the relay").to_owned(),
                    (Connection::Online, _) => tf("Syncing {0}…", &[&changes]),
                    (_, 0) => t("Everything was on the relay when last connected").to_owned(),
                    (_, _) => tf("{0} not yet on the relay", &[&changes]),
                }
            }}
        </p>
    }
}
