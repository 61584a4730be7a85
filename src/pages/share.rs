//! Sharing: the owner's links panel (with the partnership's calendar feeds), the join page
//! a link opens, the access notice on a partnership, and pasting a link or recovery key on
//! the home page.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsValue;

use crate::i18n::{t, tf};
use tandem_sync::api::{
    CreateFeed, CreateLink, FeedInfo, FeedRequest, LinkDescription, LinkInfo, LinkRequest,
    LinkStatus, ListFeeds, ListLinks, NewFeed, NewLink, RevokeFeed, RevokeLink, feed_path,
};
use tandem_sync::presence::{MAX_NAME_CHARS, Presence, Side};

use crate::{
    browser::{local_time, now_ms},
    editor::Editor,
    platform::api::{self as access, ApiError, Reason, Role, State},
    state::Tandem,
};

/// The secret in a pasted link (`…/join#<secret>`) or a bare secret.
fn secret_of(pasted: &str) -> Option<String> {
    let s = pasted.trim();
    let secret = s.rsplit_once('#').map_or(s, |(_, after)| after);
    let (id, rest) = secret.split_once('.')?;
    let hexish = |x: &str, n: usize| x.len() == n && x.bytes().all(|b| b.is_ascii_hexdigit());
    (hexish(id, 16) && hexish(rest, 64)).then(|| secret.to_owned())
}

/// Why joining failed, in words, with what to do.
fn join_error(e: &ApiError) -> String {
    if e.offline() {
        return tf(
            "Joining needs the relay once, and it cannot be reached ({0}). Try again when you are online.",
            &[&e],
        );
    }
    match e.reason {
        Some(Reason::Revoked) => {
            t("This link was revoked. Ask the person who sent it for a new one.").into()
        }
        Some(Reason::Expired) => {
            t("This link has expired. Ask the person who sent it for a new one.").into()
        }
        Some(Reason::UnknownLink) => {
            t("This link is not valid: check that it was copied whole, or ask for it again.").into()
        }
        Some(Reason::RateLimited) => format!("{e}."),
        _ => tf("The link could not be used: {0}.", &[&e]),
    }
}

/// The side a person who opens a link most likely is: the one its maker chose; for a
/// recovery key (owner), the side this browser already uses, else the brand's; for an
/// editor or viewer link without a side, the creator's (invites go to the other party of
/// the owner, who set the partnership up).
fn default_side(link: &LinkDescription, mine: Option<Side>) -> Side {
    link.side.unwrap_or(match link.role {
        Role::Owner => mine.unwrap_or(Side::Brand),
        Role::Editor | Role::Viewer => Side::Creator,
    })
}

thread_local! {
    /// The secret of the link being asked about (out of the address bar by then).
    static PENDING_SECRET: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Where the join page stands.
#[derive(Debug, Clone, PartialEq)]
enum JoinStage {
    /// Asking the relay what the link is.
    Checking,
    /// Shown; waiting for the person's click.
    Asking(LinkDescription),
    Joining,
    Failed(String),
}

/// `/join#<secret>`: says what the link gives (its label, role, side and relay) and joins
/// only when the person clicks, with their name and side asked then. Nothing is redeemed
/// and no name is announced before that click.
#[component]
pub fn JoinPage() -> impl IntoView {
    let tandem = expect_context::<Tandem>();
    let navigate = use_navigate();
    let stage = RwSignal::new(JoinStage::Checking);
    let attempt = RwSignal::new(0u32);
    let me = tandem.me_untracked();
    let name = RwSignal::new(me.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let side = RwSignal::new(None::<Side>);
    // Read the secret once, then take it out of the address bar and history. It is kept
    // in memory for this page, so the screen drawn again (another language) still has it.
    let location = web_sys::window().map(|w| w.location());
    let hash = location
        .as_ref()
        .and_then(|l| l.hash().ok())
        .unwrap_or_default();
    let secret = secret_of(&hash);
    if secret.is_some()
        && let Some(history) = web_sys::window().and_then(|w| w.history().ok())
    {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some("/join"));
    }
    let secret = match secret {
        Some(s) => {
            PENDING_SECRET.with(|p| *p.borrow_mut() = Some(s.clone()));
            Some(s)
        }
        None => PENDING_SECRET.with(|p| p.borrow().clone()),
    };
    let my_side = me.as_ref().map(|p| p.side);
    let secret_for_check = secret.clone();
    Effect::new(move |_| {
        attempt.track();
        let Some(secret) = secret_for_check.clone() else {
            stage.set(JoinStage::Failed(
                t("This link is incomplete: the part after “#” is missing. Ask for the link again.")
                    .into(),
            ));
            return;
        };
        stage.set(JoinStage::Checking);
        let platform = tandem.platform();
        spawn_local(async move {
            match platform.describe_link(&secret).await {
                Ok(link) if link.status == LinkStatus::Revoked => stage.set(JoinStage::Failed(
                    t("This link was revoked. Ask the person who sent it for a new one.").into(),
                )),
                Ok(link) if link.status == LinkStatus::Expired => stage.set(JoinStage::Failed(
                    t("This link has expired. Ask the person who sent it for a new one.").into(),
                )),
                Ok(link) => {
                    side.set(Some(default_side(&link, my_side)));
                    stage.set(JoinStage::Asking(link));
                }
                Err(e) => stage.set(JoinStage::Failed(join_error(&e))),
            }
        });
    });
    let relay = tandem.home_relay();
    let on_join = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(secret) = secret.clone() else { return };
        let who: String = name.get_untracked().trim().to_owned();
        if !who.is_empty() {
            let chosen = side.get_untracked().unwrap_or(Side::Creator);
            tandem.set_me(Presence {
                name: who.chars().take(MAX_NAME_CHARS).collect(),
                side: chosen,
            });
        }
        stage.set(JoinStage::Joining);
        let platform = tandem.platform();
        let navigate = navigate.clone();
        spawn_local(async move {
            match platform.join(&secret).await {
                Ok((id, _)) => {
                    PENDING_SECRET.with(|p| p.borrow_mut().take());
                    navigate(&format!("/p/{id}"), Default::default());
                }
                Err(e) => stage.set(JoinStage::Failed(join_error(&e))),
            }
        });
    };
    view! {
        <section class="card join" data-testid="join">
            {move || match stage.get() {
                JoinStage::Checking => view! { <p role="status">{t("Checking the link…")}</p> }.into_any(),
                JoinStage::Joining => view! { <p role="status">{t("Joining the partnership…")}</p> }.into_any(),
                JoinStage::Asking(link) => {
                    let role_words = match link.role {
                        Role::Owner => t("Owner — a recovery key: full control, including links"),
                        Role::Editor => t("Editor — can edit"),
                        Role::Viewer => t("Viewer — can only read"),
                    };
                    let label = if link.label.is_empty() { "—".to_owned() } else { link.label.clone() };
                    let expires = when(link.expires_ms);
                    let on_join = on_join.clone();
                    view! {
                        <h1 id="join-heading">{t("Join a partnership?")}</h1>
                        <p>{t("Someone sent you a link to a partnership. Nothing happens until you choose to join: then it is added to this browser and kept in sync with the relay below, and the people in it see your name.")}</p>
                        <dl class="join-facts" data-testid="join-facts">
                            <dt>{t("Made for")}</dt><dd data-testid="join-label">{label}</dd>
                            <dt>{t("Your role")}</dt><dd data-testid="join-role" data-role=link.role.as_str()>{role_words}</dd>
                            <dt>{t("Relay")}</dt><dd data-testid="join-relay">{relay.clone()}</dd>
                            <dt>{t("Expires")}</dt><dd>{expires}</dd>
                        </dl>
                        <form class="join-confirm" on:submit=on_join aria-labelledby="join-heading">
                            <label for="join-name">{t("Your name, as the others in it will see it")}</label>
                            <input id="join-name" type="text" maxlength="80" autocomplete="name" data-testid="join-name"
                                prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                            <label for="join-side">{t("Your side")}</label>
                            <select id="join-side" data-testid="join-side"
                                on:change=move |ev| side.set(Side::parse(&event_target_value(&ev)))>
                                <option value="brand" selected=move || side.get() == Some(Side::Brand)>{t("Brand")}</option>
                                <option value="creator" selected=move || side.get() == Some(Side::Creator)>{t("Creator")}</option>
                            </select>
                            <p class="actions">
                                <button type="submit" class="primary" data-testid="join-confirm">{t("Join")}</button>
                                " "
                                <a href="/" data-testid="join-decline">{t("Not now")}</a>
                            </p>
                        </form>
                    }.into_any()
                }
                JoinStage::Failed(e) => view! {
                    <p class="error" role="alert" data-testid="join-error">{e}</p>
                    <p>
                        <button type="button" on:click=move |_| attempt.update(|a| *a += 1)>{t("Try again")}</button>
                        " "
                        <a href="/">{t("Back to your partnerships")}</a>
                    </p>
                }.into_any(),
            }}
        </section>
    }
}

/// On the home page: paste a link or a recovery key someone sent.
#[component]
pub fn JoinWithLink() -> impl IntoView {
    let navigate = use_navigate();
    let text = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<&'static str>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match secret_of(&text.get_untracked()) {
            Some(secret) => {
                // The join page reads the secret from the fragment, as from a clicked link.
                if let Some(w) = web_sys::window() {
                    let _ = w.location().set_hash(&secret);
                }
                navigate(&format!("/join#{secret}"), Default::default());
            }
            None => problem.set(Some(t(
                "That is not a Tandem link or recovery key: paste the whole link you were sent.",
            ))),
        }
    };
    view! {
        <form class="join-form" on:submit=on_submit>
            <label for="join-link">{t("Got a link or a recovery key?")}</label>
            <div class="row">
                <input id="join-link" type="text" autocomplete="off" spellcheck="false"
                    placeholder=t("https://…/join#…") data-testid="join-link"
                    prop:value=move || text.get()
                    on:input=move |ev| { text.set(event_target_value(&ev)); problem.set(None); }/>
                <button type="submit">{t("Open")}</button>
            </div>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        </form>
    }
}

/// The person's role, and a plain notice when their access ended.
#[component]
pub fn AccessNotice() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let access_signal = tandem.access(editor.id);
    let access = move || access_signal.get();
    if !tandem.has_access_control() {
        return ().into_any();
    }
    view! {
        <p class="role-note" data-testid="role" data-role=move || access().role.as_str()>
            {move || {
                let a = access();
                match (a.role, a.state) {
                    (_, State::Revoked | State::Expired | State::Refused) => String::new(),
                    (_, State::Unregistered) => t("Only in this browser until the relay registers it (as soon as you are online).").to_owned(),
                    (Role::Viewer, State::Active) => t("View only: you see the other side's edits live, but cannot change anything.").to_owned(),
                    (role, _) => format!("{}.", access::describe_role(role)),
                }
            }}
        </p>
        {move || access::ended(access()).map(|why| view! {
            <div class="banner warn" role="alert" data-testid="access-ended">
                <strong>{why}</strong>
                {t(" Your copy stays in this browser and you can still read and export it, but it no longer syncs and cannot be edited. Ask the owner for a new link to work on it together again.")}
            </div>
        })}
    }
    .into_any()
}

fn made_by(l: &LinkInfo, all: &[LinkInfo], me: &str) -> String {
    let Some(by) = l.created_by.as_deref() else {
        return "—".into();
    };
    let who = if by == me {
        t("you, in this browser").to_owned()
    } else {
        t("another owner's device").to_owned()
    };
    let through = l
        .made_through
        .iter()
        .map(|id| {
            all.iter()
                .find(|x| &x.id == id)
                .map(|x| {
                    if x.label.is_empty() {
                        t("a recovery key").to_owned()
                    } else {
                        format!("“{}”", x.label)
                    }
                })
                .unwrap_or_else(|| t("a recovery key").to_owned())
        })
        .collect::<Vec<_>>();
    if through.is_empty() {
        who
    } else {
        tf("{0}, through {1}", &[&who, &through.join(", ")])
    }
}

fn when(ms: Option<i64>) -> String {
    ms.map(local_time).unwrap_or_else(|| "—".into())
}

/// `YYYY-MM-DD` → the end of that day in the viewer's time zone, in ms.
fn end_of_day_ms(date: &str) -> Option<i64> {
    let mut parts = date.split('-').map(|p| p.parse::<i32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    let end = js_sys::Date::new_with_year_month_day_hr_min_sec(
        u32::try_from(y).ok()?,
        m - 1,
        d,
        23,
        59,
        59,
    );
    let ms = end.get_time();
    ms.is_finite().then_some(ms as i64)
}

pub fn copy_to_clipboard(text: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into());
    if let Ok(clipboard) = clipboard
        && let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into())
        && let Some(write) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&write)
    {
        let _ = write.call1(&clipboard, &JsValue::from_str(text));
    }
}

/// Opens or closes the share panel, the focus on its button.
pub fn show_share_panel(open: bool) {
    let Some(panel) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("share"))
    else {
        return;
    };
    let _ = if open {
        panel.set_attribute("open", "")
    } else {
        panel.remove_attribute("open")
    };
    if let Some(summary) = panel
        .query_selector("summary")
        .ok()
        .flatten()
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    {
        let _ = summary.focus();
    }
}

/// The owner's sharing panel: make links, see them, revoke them; a recovery key.
#[component]
pub fn SharePanel() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let id = editor.id;
    let links = RwSignal::new(None::<Result<Vec<LinkInfo>, String>>);
    let me = access::Device::load_or_create().id;
    let made = RwSignal::new(None::<(String, String)>);
    let problem = RwSignal::new(None::<String>);
    let role = RwSignal::new(Role::Editor);
    // Who the link is for: by default the other side from this person's own.
    let link_side = RwSignal::new(match tandem.me_untracked().map(|p| p.side) {
        Some(Side::Creator) => Side::Brand,
        _ => Side::Creator,
    });
    let label = RwSignal::new(String::new());
    let expiry = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    // Counts the panel's openings, for the calendar section to reload with the links.
    let opened = RwSignal::new(0u32);

    // Shown on a page painted from its preview too: it asks the relay once the page is
    // live (the platform open).
    let ready = tandem.ready();
    let reload = move || {
        if !ready.get_untracked() {
            return;
        }
        let platform = tandem.platform();
        spawn_local(async move {
            let answer = platform.send(&ListLinks { document: id }).await;
            links.set(Some(answer.map(|a| a.links).map_err(|e| e.to_string())));
        });
    };
    let create = move |role: Role,
                       label: String,
                       side: Option<Side>,
                       expires_ms: Option<i64>,
                       title: &'static str| {
        if !ready.get_untracked() {
            return;
        }
        let platform = tandem.platform();
        busy.set(true);
        spawn_local(async move {
            let call = CreateLink {
                document: id,
                link: LinkRequest {
                    role,
                    label,
                    side,
                    expires_ms,
                },
            };
            match platform.send(&call).await {
                Ok(NewLink { secret, .. }) => {
                    made.set(Some((title.to_owned(), access::link_url(&secret))));
                    problem.set(None);
                    reload();
                }
                Err(e) => problem.set(Some(tf("The link could not be made: {0}.", &[&e]))),
            }
            busy.set(false);
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let date = expiry.get_untracked();
        let expires_ms = if date.is_empty() {
            None
        } else {
            match end_of_day_ms(&date) {
                Some(ms) if ms > now_ms() => Some(ms),
                _ => {
                    problem.set(Some(t("The expiry must be a date from today on.").into()));
                    return;
                }
            }
        };
        create(
            role.get_untracked(),
            label.get_untracked(),
            Some(link_side.get_untracked()),
            expires_ms,
            t("New link"),
        );
        label.set(String::new());
    };
    let revoke = move |link: String| {
        if !ready.get_untracked() {
            return;
        }
        let platform = tandem.platform();
        spawn_local(async move {
            match platform.send(&RevokeLink { document: id, link }).await {
                Ok(_) => reload(),
                Err(e) => problem.set(Some(tf("The link could not be revoked: {0}.", &[&e]))),
            }
        });
    };
    let on_toggle = move |ev: leptos::ev::Event| {
        let open = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(
            ev.target().unwrap_or_else(|| JsValue::NULL.into()),
        )
        .ok()
        .and_then(|el| el.get_attribute("open"))
        .is_some();
        // Every time it opens: links made elsewhere (another owner's device) show up.
        if open {
            reload();
            opened.update(|n| *n += 1);
        }
    };

    view! {
        // A panel that opens over the page below the header (nothing moves), closed again
        // by its button, by Close or by Escape (focus back on the button).
        <details id="share" class="card share-panel" data-testid="share-panel" on:toggle=on_toggle
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" {
                    show_share_panel(false);
                }
            }>
            <summary data-testid="share-toggle">{t("Share this partnership")}</summary>
            <div class="share-body" role="dialog" aria-label=t("Share this partnership")>
            <div class="share-close-row">
                <button type="button" class="small-button" data-testid="share-close" on:click=move |_| show_share_panel(false)>{t("Close")}</button>
            </div>
            <p class="muted">
                {t("Send a link to the people you work with. An editor can change everything; a viewer sees it live but cannot change anything. ")}
                {t("The secret part of the link is after “#”: it never reaches a server log. Revoke a link and its sessions end at once.")}
            </p>
            <form class="share-form" on:submit=on_submit>
                <label>{t("Role")}
                    <select data-testid="link-role" on:change=move |ev| if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) }>
                        <option value="editor" selected=true>{t("Editor — can edit")}</option>
                        <option value="viewer">{t("Viewer — can only read")}</option>
                    </select>
                </label>
                <label>{t("Their side")}
                    <select data-testid="link-side" on:change=move |ev| if let Some(side) = Side::parse(&event_target_value(&ev)) { link_side.set(side) }>
                        <option value="creator" selected=move || link_side.get() == Side::Creator>{t("Creator")}</option>
                        <option value="brand" selected=move || link_side.get() == Side::Brand>{t("Brand")}</option>
                    </select>
                </label>
                <label>{t("For (optional)")}
                    <input type="text" maxlength="200" placeholder=t("Anna Petrova, Studio North")
                        data-testid="link-label" prop:value=move || label.get()
                        on:input=move |ev| label.set(event_target_value(&ev))/>
                </label>
                <label>{t("Expires (optional)")}
                    <input type="date" data-testid="link-expiry" prop:value=move || expiry.get()
                        on:input=move |ev| expiry.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="primary" data-testid="create-link" disabled=move || busy.get()>{t("Create link")}</button>
            </form>
            {move || made.get().map(|(title, url)| {
                let copy_url = url.clone();
                view! {
                    <div class="made-link" role="status">
                        <p><strong>{title}</strong> {t(" — copy it now; it is shown only once.")}</p>
                        <div class="row">
                            <input type="text" readonly=true data-testid="made-link" prop:value=url
                                aria-label=t("The link to send")
                                on:focus=move |ev| {
                                    if let Ok(input) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(
                                        ev.target().unwrap_or_else(|| JsValue::NULL.into()),
                                    ) {
                                        input.select();
                                    }
                                }/>
                            <button type="button" on:click=move |_| copy_to_clipboard(&copy_url)>{t("Copy")}</button>
                        </div>
                    </div>
                }
            })}
            {move || problem.get().map(|p| view! { <p class="error" role="alert" data-testid="share-error">{p}</p> })}
            <h3>{t("Links")}</h3>
            {move || match links.get() {
                None => view! { <p class="muted">{t("Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{t("The links could not be loaded: ")} {e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">{t("No links yet.")}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="links" data-testid="links">
                        <thead><tr>
                            <th scope="col">{t("For")}</th><th scope="col">{t("Role")}</th><th scope="col">{t("Created")}</th><th scope="col">{t("Made by")}</th>
                            <th scope="col">{t("Last used")}</th><th scope="col">{t("Expires")}</th><th scope="col">{t("Status")}</th>
                        </tr></thead>
                        <tbody>
                            {list.clone().into_iter().map(|l| {
                                let maker = made_by(&l, &list, &me);
                                let state = l.status(now_ms());
                                let status = match state {
                                    LinkStatus::Revoked => t("Revoked"),
                                    LinkStatus::Expired => t("Expired"),
                                    LinkStatus::Active => t("Active"),
                                };
                                let active = state == LinkStatus::Active;
                                let link_id = l.id.clone();
                                let role = match l.role {
                                    Role::Owner => t("Owner (recovery key)"),
                                    Role::Editor => t("editor"),
                                    Role::Viewer => t("viewer"),
                                };
                                let who = if l.label.is_empty() { "—".to_owned() } else { l.label.clone() };
                                let name = who.clone();
                                view! {
                                    <tr data-testid="link-row" data-status=status.to_lowercase()>
                                        <td>{who}</td><td>{role}</td><td>{when(Some(l.created_ms))}</td>
                                        <td data-testid="link-made-by">{maker}</td>
                                        <td>{when(l.last_used_ms)}</td><td>{when(l.expires_ms)}</td>
                                        <StatusCell status active test_id="revoke-link"
                                            label=tf("Revoke the link for {0}", &[&name])
                                            on_revoke=Callback::new(move |()| revoke(link_id.clone()))/>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            <h3>{t("Recovery key")}</h3>
            <p class="muted">
                {t("Open it on your other device (your phone, another laptop) to own this partnership there too. ")}
                {t("Keep it like a password; revoke it here if it is lost.")}
            </p>
            <button type="button" data-testid="create-recovery-key" disabled=move || busy.get()
                on:click=move |_| create(Role::Owner, t("Recovery key").into(), None, None, t("Recovery key"))>
                {t("Create a recovery key")}
            </button>
            <CalendarFeeds opened=opened/>
            </div>
        </details>
    }
}

/// A feed's address for calendar apps that open `webcal:` links (the same URL, another
/// scheme: the app fetches it over https, or http for a local relay).
fn webcal(url: &str) -> String {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    format!("webcal://{rest}")
}

/// In the owner's share panel: calendar feeds of the partnership, which a calendar app
/// subscribes to at the relay with the secret in the address. Made in the language of
/// the screen; listed and revoked like links. Reloads each time the panel opens.
#[component]
fn CalendarFeeds(opened: RwSignal<u32>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let tandem = expect_context::<Tandem>();
    let id = editor.id;
    let ready = tandem.ready();
    let feeds = RwSignal::new(None::<Result<Vec<FeedInfo>, String>>);
    let made = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let label = RwSignal::new(String::new());
    let busy = RwSignal::new(false);

    let reload = move || {
        if !ready.get_untracked() {
            return;
        }
        let platform = tandem.platform();
        spawn_local(async move {
            let answer = platform.send(&ListFeeds { document: id }).await;
            feeds.set(Some(answer.map(|a| a.feeds).map_err(|e| e.to_string())));
        });
    };
    Effect::new(move |_| {
        if opened.get() > 0 {
            reload();
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !ready.get_untracked() || busy.get_untracked() {
            return;
        }
        let platform = tandem.platform();
        let relay = tandem.home_relay();
        let call = CreateFeed {
            document: id,
            feed: FeedRequest {
                label: label.get_untracked(),
                lang: crate::i18n::lang().code().to_owned(),
            },
        };
        busy.set(true);
        spawn_local(async move {
            match platform.send(&call).await {
                Ok(NewFeed { secret, .. }) => {
                    made.set(Some(format!("{relay}{}", feed_path(&secret))));
                    problem.set(None);
                    label.set(String::new());
                    reload();
                }
                Err(e) => problem.set(Some(tf("The calendar feed could not be made: {0}.", &[&e]))),
            }
            busy.set(false);
        });
    };
    let revoke = move |feed: String| {
        if !ready.get_untracked() {
            return;
        }
        let platform = tandem.platform();
        spawn_local(async move {
            match platform.send(&RevokeFeed { document: id, feed }).await {
                Ok(_) => {
                    problem.set(None);
                    reload();
                }
                Err(e) => problem.set(Some(tf(
                    "The calendar feed could not be revoked: {0}.",
                    &[&e],
                ))),
            }
        });
    };

    view! {
        <section class="calendar-feeds" aria-labelledby="feeds-heading">
            <h3 id="feeds-heading">{t("Calendar subscription")}</h3>
            <p class="muted">
                {t("Calendar apps can subscribe to this partnership's dates: deadlines, payments due, reviews. Anyone with the address sees them, so keep it like a password; revoke it here and the calendar stops updating. ")}
                {t("Event titles are in the language this screen is in now.")}
            </p>
            <form class="share-form" on:submit=on_submit>
                <label>{t("Whose calendar (optional)")}
                    <input type="text" maxlength="200" placeholder=t("My work calendar")
                        data-testid="feed-label" prop:value=move || label.get()
                        on:input=move |ev| label.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="primary" data-testid="feed-create"
                    disabled=move || busy.get()
                    aria-describedby=move || problem.get().map(|_| "feed-error")>
                    {t("Subscribe in your calendar app")}
                </button>
            </form>
            {move || problem.get().map(|p| view! { <p id="feed-error" class="error" role="alert" data-testid="feed-error">{p}</p> })}
            {move || made.get().map(|url| {
                let copy_url = url.clone();
                let open_url = webcal(&url);
                view! {
                    <div class="made-link" role="status">
                        <p><strong>{t("Calendar feed")}</strong> {t(" — add this address to your calendar app now; it is shown only once.")}</p>
                        <div class="row">
                            <input type="text" readonly=true data-testid="feed-url" prop:value=url
                                aria-label=t("The calendar address")
                                on:focus=move |ev| {
                                    if let Ok(input) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(
                                        ev.target().unwrap_or_else(|| JsValue::NULL.into()),
                                    ) {
                                        input.select();
                                    }
                                }/>
                            <button type="button" data-testid="feed-copy" aria-label=t("Copy the calendar address")
                                on:click=move |_| copy_to_clipboard(&copy_url)>{t("Copy")}</button>
                        </div>
                        <p><a href=open_url data-testid="feed-webcal">{t("Open in your calendar app")}</a></p>
                    </div>
                }
            })}
            {move || match feeds.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{t("The calendar feeds could not be loaded: ")} {e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">{t("No calendar feeds yet.")}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="links" data-testid="feeds">
                        <thead><tr>
                            <th scope="col">{t("For")}</th><th scope="col">{t("Language")}</th>
                            <th scope="col">{t("Created")}</th><th scope="col">{t("Status")}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|f| {
                                let status = match f.status {
                                    LinkStatus::Revoked => t("Revoked"),
                                    LinkStatus::Expired => t("Expired"),
                                    LinkStatus::Active => t("Active"),
                                };
                                let active = f.status == LinkStatus::Active;
                                let language = tandem_domain::locale::Lang::from_tag(&f.lang)
                                    .map_or_else(|| f.lang.clone(), |l| l.native_name().to_owned());
                                let who = if f.label.is_empty() { "—".to_owned() } else { f.label.clone() };
                                let name = who.clone();
                                let feed_id = f.id.clone();
                                view! {
                                    <tr data-testid="feed-row" data-status=status.to_lowercase()>
                                        <td>{who}</td><td>{language}</td><td>{when(Some(f.created_ms))}</td>
                                        <StatusCell status active test_id="feed-revoke"
                                            label=tf("Revoke the calendar feed for {0}", &[&name])
                                            on_revoke=Callback::new(move |()| revoke(feed_id.clone()))/>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}

/// A link's or a feed's status, with a button to revoke it while it is active.
#[component]
fn StatusCell(
    status: &'static str,
    active: bool,
    test_id: &'static str,
    /// The button's accessible name (which link or feed it revokes).
    label: String,
    on_revoke: Callback<()>,
) -> impl IntoView {
    view! {
        <td>
            {status}
            <Show when=move || active>
                " "
                <button type="button" class="small-button danger" data-testid=test_id
                    aria-label=label.clone() on:click=move |_| on_revoke.run(())>{t("Revoke")}</button>
            </Show>
        </td>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn secrets_come_out_of_pasted_links() {
        let secret = format!("0123456789abcdef.{}", "a1".repeat(32));
        assert_eq!(
            secret_of(&format!("https://x.example/join#{secret}")),
            Some(secret.clone())
        );
        assert_eq!(secret_of(&format!("  {secret} ")), Some(secret.clone()));
        assert_eq!(secret_of("https://x.example/join#"), None);
        assert_eq!(secret_of("hello"), None);
    }

    #[test]
    fn feed_addresses_open_in_calendar_apps() {
        assert_eq!(
            webcal("https://relay.example/calendar/ab.cd.ics"),
            "webcal://relay.example/calendar/ab.cd.ics"
        );
        assert_eq!(
            webcal("http://127.0.0.1:3030/calendar/x.ics"),
            "webcal://127.0.0.1:3030/calendar/x.ics"
        );
    }
}
