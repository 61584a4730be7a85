//! New partnership: the parties, markets and the quarters the roadmap covers.

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use leptos_router::hooks::use_navigate;
use tandem_domain::{
    market::parse_market_list,
    partnership::{MAX_QUARTERS, NewPartnership},
    quarter::QuarterId,
};

use crate::i18n::{t, tf};
use crate::{browser::now_ms, state::Tandem};

/// The quarter after the current one: roadmaps are usually drafted ahead.
fn default_first_quarter() -> String {
    let now = js_sys::Date::new_0();
    let year = u16::try_from(now.get_full_year()).unwrap_or(2027);
    let quarter = u8::try_from(now.get_month() / 3 + 1).unwrap_or(1);
    QuarterId::new(year, quarter)
        .and_then(|q| q.next())
        .map(|q| q.to_string())
        .unwrap_or_else(|| "2027-Q1".into())
}

#[component]
pub fn NewPartnershipPage() -> impl IntoView {
    let brand = RwSignal::new(String::new());
    let creator = RwSignal::new(String::new());
    let markets = RwSignal::new("RU, US".to_owned());
    let first = RwSignal::new(default_first_quarter());
    let count = RwSignal::new("4".to_owned());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let tandem = expect_context::<Tandem>();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let parsed = (|| -> Result<NewPartnership, String> {
            Ok(NewPartnership {
                brand: brand.get_untracked(),
                creator: creator.get_untracked(),
                markets: parse_market_list(&markets.get_untracked()).map_err(|_| {
                    tf(
                        "“{0}” is not a list of markets: use two-letter country codes separated by commas, such as RU, US",
                        &[&markets.get_untracked()],
                    )
                })?,
                first_quarter: first
                    .get_untracked()
                    .parse()
                    .map_err(|_: tandem_domain::quarter::QuarterParseError| {
                        tf(
                            "“{0}” is not a quarter: write it like 2027-Q1",
                            &[&first.get_untracked()],
                        )
                    })?,
                quarters: count.get_untracked().trim().parse().map_err(|_| {
                    tf(
                        "the number of quarters must be a whole number from 1 to {0}",
                        &[&MAX_QUARTERS],
                    )
                })?,
            })
        })();
        let new = match parsed {
            Ok(n) => n,
            Err(e) => return error.set(Some(e)),
        };
        busy.set(true);
        let navigate = navigate.clone();
        let platform = tandem.platform();
        spawn_local(async move {
            let result = platform.create(&new, now_ms()).await;
            busy.set(false);
            match result {
                Ok(id) => navigate(&format!("/p/{id}"), Default::default()),
                Err(crate::platform::CreateError::Invalid(e)) => {
                    error.set(Some(e.describe(crate::i18n::lang())))
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    view! {
        <section class="card form-card">
            <h1>{t("New partnership")}</h1>
            <form on:submit=on_submit data-testid="new-partnership-form" novalidate>
                <div class="field">
                    <label for="brand">{t("Brand")}</label>
                    <input id="brand" name="brand" autocomplete="organization" required
                        placeholder=t("e.g. Northwind Coffee")
                        prop:value=move || brand.get() on:input=move |ev| brand.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="creator">{t("Creator or agency")}</label>
                    <input id="creator" name="creator" required placeholder=t("e.g. Masha Petrova")
                        prop:value=move || creator.get() on:input=move |ev| creator.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="markets">{t("Markets")}</label>
                    <input id="markets" name="markets" aria-describedby="markets-hint"
                        prop:value=move || markets.get() on:input=move |ev| markets.set(event_target_value(&ev))/>
                    <p id="markets-hint" class="hint">{t("Two-letter country codes, separated by commas: RU, US")}</p>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="first-quarter">{t("First quarter")}</label>
                        <input id="first-quarter" name="first-quarter" aria-describedby="quarter-hint"
                            prop:value=move || first.get() on:input=move |ev| first.set(event_target_value(&ev))/>
                        <p id="quarter-hint" class="hint">{t("Like 2027-Q1")}</p>
                    </div>
                    <div class="field">
                        <label for="quarters">{t("Number of quarters")}</label>
                        <input id="quarters" name="quarters" type="number" min="1" max=MAX_QUARTERS.to_string()
                            prop:value=move || count.get() on:input=move |ev| count.set(event_target_value(&ev))/>
                    </div>
                </div>
                {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="form-error">{e}</p> })}
                <div class="actions">
                    <a class="button" href="/">{t("Cancel")}</a>
                    <button class="primary" type="submit" prop:disabled=move || busy.get() data-testid="create-partnership">
                        {t("Create partnership")}
                    </button>
                </div>
            </form>
        </section>
    }
}
