//! The interface in Russian and English: switchable at any time, remembered per browser,
//! defaulting to the browser's language.
//!
//! Screens write their English text through [`t`] (or [`tf`] with `{0}`, `{1}` for
//! values); the English text is the key, and [`ru`] holds its Russian. A test checks
//! that every text the screens pass to `t`/`tf` (collected from the sources at build time)
//! has a Russian entry with the same placeholders and no English left in it.
//!
//! Switching language re-renders the screens (see `pages::app`), so `t` reads the current
//! language from a cell rather than subscribing every text to a signal.

pub mod ru;

use std::cell::Cell;

use tandem_domain::locale::Lang;

const STORAGE_KEY: &str = tandem_client::records::LANGUAGE;

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// The language the screens are being rendered in.
pub fn lang() -> Lang {
    CURRENT.with(Cell::get)
}

/// A fixed text of the interface, in the current language.
pub fn t(en: &'static str) -> &'static str {
    translate(lang(), en)
}

/// Marks an English text that is translated later, where it is shown (`t(label)`): for
/// texts handed to helpers that also use the English (change messages).
pub const fn tk(en: &'static str) -> &'static str {
    en
}

/// A text in the given language (English when no translation exists).
pub fn translate(lang: Lang, en: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ru => ru::ru(en).unwrap_or(en),
    }
}

/// A text with values: `tf("{0} of {1}", &[&a, &b])`.
pub fn tf(en: &'static str, args: &[&dyn std::fmt::Display]) -> String {
    fill(t(en), args)
}

fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = template.to_owned();
    for (i, a) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), &a.to_string());
    }
    out
}

/// The remembered language, or the browser's, or English.
pub fn initial() -> Lang {
    let stored = crate::platform::local::get(STORAGE_KEY).and_then(|tag| Lang::from_tag(&tag));
    stored.unwrap_or_else(|| {
        let languages: Vec<String> = web_sys::window()
            .map(|w| {
                w.navigator()
                    .languages()
                    .iter()
                    .filter_map(|v| v.as_string())
                    .collect()
            })
            .unwrap_or_default();
        Lang::preferred(languages.iter().map(String::as_str))
    })
}

/// Makes `lang` current for the next render, tells the page (`<html lang>`, so screen
/// readers pronounce it right) and, if `remember`, keeps it for this browser.
pub fn apply(lang: Lang, remember: bool) {
    CURRENT.with(|c| c.set(lang));
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", lang.code());
    }
    if remember {
        crate::platform::local::set(STORAGE_KEY, lang.code());
    }
}

/// A count with its noun in the current language: "3 changes" / "3 изменения".
pub fn count(n: usize, en: [&str; 2], ru: [&'static str; 3]) -> String {
    match lang() {
        Lang::En => format!("{n} {}", if n == 1 { en[0] } else { en[1] }),
        Lang::Ru => format!(
            "{n} {}",
            tandem_domain::locale::ru_plural(i64::try_from(n).unwrap_or(i64::MAX), ru)
        ),
    }
}

/// A side as stored ("brand", "creator"), in words.
pub fn side_words(side: &str) -> String {
    match side {
        "brand" => t("brand").to_owned(),
        "creator" => t("creator").to_owned(),
        other => other.to_owned(),
    }
}

/// Money, numbers and dates in the current language.
pub fn money(m: &tandem_domain::money::Money) -> String {
    lang().money(m)
}

pub fn day(d: tandem_domain::day::Day) -> String {
    lang().day(d)
}

pub fn number(x: f64, decimals: usize) -> String {
    lang().number(x, decimals)
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    // Every literal passed to `t(…)`/`tf(…)` under src/, gathered by build.rs.
    include!(concat!(env!("OUT_DIR"), "/ui_strings.rs"));

    /// Words that stay as they are in Russian: names, abbreviations and formats.
    const KEPT: &[&str] = &[
        "Tandem",
        "automerge",
        "erid",
        "https",
        "join",
        "Europe",
        "Moscow",
        "America",
        "New",
        "York",
        "KPI",
        "SOW",
        "QBR",
        "CSV",
        "PDF",
        "Markdown",
        "Automerge",
        "CPM",
        "CPE",
        "ROAS",
        "CPV",
        "CPA",
        "CPC",
        "ER",
        "ROI",
        "ROMI",
        "RAG",
        "UTC",
        "IANA",
        "Telegram",
        "VK",
        "YouTube",
        "Instagram",
        "TikTok",
        "Ozon",
        "Wildberries",
        "RU",
        "US",
        "RUB",
        "USD",
        "URL",
        "ics",
        "ID",
        "email",
        "Zoom",
        "WhatsApp",
        "Dzen",
        "Rutube",
        "Markdown",
        "Q1",
        "Q2",
        "Q3",
        "Q4",
    ];

    fn english_words(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        for word in s.split(|c: char| !c.is_ascii_alphanumeric()) {
            let letters = word.chars().filter(char::is_ascii_alphabetic).count();
            if letters >= 2 && !KEPT.contains(&word) {
                out.push(word.to_owned());
            }
        }
        out
    }

    fn placeholders(s: &str) -> Vec<usize> {
        let mut found: Vec<usize> = (0..10)
            .filter(|i| s.contains(&format!("{{{i}}}")))
            .collect();
        found.sort_unstable();
        found
    }

    #[wasm_bindgen_test]
    fn every_interface_text_has_russian_without_english_left() {
        assert!(
            UI_STRINGS.len() > 100,
            "build.rs found {} texts",
            UI_STRINGS.len()
        );
        let mut problems = Vec::new();
        for en in UI_STRINGS {
            match ru::ru(en) {
                None => problems.push(format!("no Russian for {en:?}")),
                Some(ru) => {
                    let english = english_words(ru);
                    if !english.is_empty() {
                        problems.push(format!("English {english:?} left in {ru:?}"));
                    }
                    if placeholders(en) != placeholders(ru) {
                        problems.push(format!("placeholders differ: {en:?} / {ru:?}"));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[wasm_bindgen_test]
    fn values_fill_their_places() {
        assert_eq!(fill("{0} of {1}", &[&3, &"five"]), "3 of five");
        assert_eq!(translate(Lang::En, "Save"), "Save");
    }
}
