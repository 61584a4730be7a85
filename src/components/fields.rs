//! Reading numbers, amounts and dates from form fields, with errors in words, and the
//! small pickers several tabs share.

use leptos::prelude::*;
use tandem_domain::{
    day::Day,
    money::{Currency, Money},
    quarter::QuarterId,
};

use crate::{
    editor::Editor,
    i18n::{t, tf},
};

/// Currencies offered in amount fields.
pub const CURRENCIES: [&str; 3] = ["RUB", "USD", "EUR"];

/// "" is none; otherwise a whole number ≥ 0 ("12 000" and "12,000" are fine).
pub fn parse_count(value: &str, what: &str) -> Result<Option<u64>, String> {
    let cleaned: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '\u{a0}')
        .collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    cleaned
        .parse()
        .map(Some)
        .map_err(|_| tf("{0} must be a whole number, not “{1}”", &[&what, &value]))
}

/// "" is none; otherwise a whole number from `min` to `max`.
pub fn parse_bounded(
    value: &str,
    what: &str,
    (min, max): (u32, u32),
) -> Result<Option<u32>, String> {
    match parse_count(value, what)? {
        None => Ok(None),
        Some(n) => u32::try_from(n)
            .ok()
            .filter(|n| (min..=max).contains(n))
            .map(Some)
            .ok_or_else(|| tf("{0} is {1} to {2}, not {3}", &[&what, &min, &max, &n])),
    }
}

/// A decimal number; "2,5" and "2.5" both read as 2.5.
pub fn parse_number(value: &str, what: &str) -> Result<f64, String> {
    let cleaned = value.trim().replace(',', ".");
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| tf("{0} must be a number, not “{1}”", &[&what, &value]))
}

/// "" is none; otherwise an amount in `currency`.
pub fn parse_money(amount: &str, currency: &str, what: &str) -> Result<Option<Money>, String> {
    if amount.trim().is_empty() {
        return Ok(None);
    }
    let currency: Currency = currency.parse().map_err(|_| {
        tf(
            "“{0}” is not a currency code: use three letters, such as RUB or USD",
            &[&currency],
        )
    })?;
    Money::parse(amount, currency).map(Some).map_err(|_| {
        tf(
            "{0}: “{1}” is not an amount: write it like 1234.50",
            &[&what, &amount],
        )
    })
}

/// "" is no date.
pub fn parse_day(value: &str) -> Result<Option<Day>, String> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| tf("“{0}” is not a date: write it as 2027-03-31", &[&value]))
}

/// An amount for an input field ("1234.50").
pub fn amount_text(m: Option<Money>) -> String {
    // As the interface language writes amounts (1,234.50 / 1 234,50); read back either way.
    m.map(|m| crate::i18n::lang().amount(&m))
        .unwrap_or_default()
}

pub fn currency_text(m: Option<Money>, fallback: tandem_domain::money::Currency) -> String {
    m.map_or(fallback, |m| m.currency).to_string()
}

/// Today in the viewer's zone.
pub fn today() -> chrono::NaiveDate {
    let now = js_sys::Date::new_0();
    chrono::NaiveDate::from_ymd_opt(
        now.get_full_year() as i32,
        now.get_month() + 1,
        now.get_date(),
    )
    .unwrap_or_default()
}

/// A select of the roadmap's quarters.
#[component]
pub fn QuarterPicker(selected: RwSignal<Option<QuarterId>>, label: &'static str) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let quarters = Memo::new(move |_| {
        editor
            .view
            .with(|p| p.quarters.keys().copied().collect::<Vec<_>>())
    });
    Effect::new(move |_| {
        if selected.get().is_none() {
            selected.set(quarters.with(|q| q.first().copied()));
        }
    });
    view! {
        <div class="field quarter-picker">
            <label for="quarter-picker">{t(label)}</label>
            <select id="quarter-picker" data-testid="quarter-picker" data-view=""
                on:change=move |ev| selected.set(event_target_value(&ev).parse().ok())>
                <For each=move || quarters.get() key=|q| *q children=move |q| view! {
                    <option value=q.to_string() prop:selected=move || selected.get() == Some(q)>{q.to_string()}</option>
                }/>
            </select>
        </div>
    }
}

/// A currency select.
#[component]
pub fn CurrencySelect(
    id: String,
    value: Signal<String>,
    on_change: impl Fn(String) + 'static,
) -> impl IntoView {
    view! {
        <select id=id on:change=move |ev| on_change(event_target_value(&ev))>
            {CURRENCIES.into_iter().map(|c| view! {
                <option value=c prop:selected=move || value.get() == c>{c}</option>
            }).collect_view()}
        </select>
    }
}

/// The market a form has chosen: the person's pick, or else the partnership's first.
#[derive(Debug, Clone, Copy)]
pub struct MarketChoice {
    picked: RwSignal<Option<tandem_domain::market::Market>>,
    markets: Memo<Vec<tandem_domain::market::Market>>,
}

impl MarketChoice {
    pub fn new(editor: Editor) -> Self {
        MarketChoice {
            picked: RwSignal::new(None),
            markets: Memo::new(move |_| editor.view.with(|p| p.markets.clone())),
        }
    }

    pub fn get(&self) -> Option<tandem_domain::market::Market> {
        self.picked
            .get()
            .or_else(|| self.markets.with(|m| m.first().copied()))
    }
}

/// A select of the partnership's markets.
#[component]
pub fn MarketSelect(id: String, choice: MarketChoice) -> impl IntoView {
    view! {
        <select id=id.clone() data-testid=id on:change=move |ev| choice.picked.set(event_target_value(&ev).parse().ok())>
            <For each=move || choice.markets.get() key=|m| *m children=move |m| view! {
                <option value=m.to_string() prop:selected=move || choice.get() == Some(m)>{m.to_string()}</option>
            }/>
        </select>
    }
}

/// The id of the page's list of the partnership's people ([`PeopleList`]), for an input's
/// `list` attribute: owners and attendees are picked from it (or typed).
pub const PEOPLE_LIST: &str = "partnership-people";

/// The partnership's people as suggestions: each side's point of contact and everyone who
/// has edited it (the names recorded in its history), each once.
#[component]
pub fn PeopleList() -> impl IntoView {
    let editor = expect_context::<crate::editor::Editor>();
    let names = Memo::new(move |_| {
        editor.view.with(|p| {
            let mut names: Vec<String> = p
                .contacts
                .values()
                .map(|c| c.name.as_str().trim().to_owned())
                .chain(p.people.values().map(|a| a.name.trim().to_owned()))
                .filter(|n| !n.is_empty())
                .collect();
            names.sort_by_key(|n| tandem_domain::locale::collation_key(n));
            names.dedup();
            names
        })
    });
    view! {
        <datalist id=PEOPLE_LIST>
            {move || names.get().into_iter().map(|n| view! { <option value=n/> }).collect_view()}
        </datalist>
    }
}
