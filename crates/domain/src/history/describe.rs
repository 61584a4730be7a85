//! Change messages of older versions in the reader's language.
//!
//! Changes Tandem writes now are read back as data ([`crate::change::Change::parse`]).
//! Messages from versions before that which do not fit one of its templates (free-form
//! wording, "one ask" for either side's ask) are still shown in Russian by matching the
//! patterns those versions wrote; anything else is shown as written.

use crate::locale::Lang;

/// The messages Tandem writes (`{}` stands for a value), with their Russian; the first
/// pattern that fits wins, so specific ones come before general ones.
const PATTERNS: &[(&str, &str)] = &[
    ("create partnership", "создано партнёрство"),
    ("import a partnership", "импортировано партнёрство"),
    (
        "agreed to check in every {} days",
        "договорились о встречах раз в {} дн.",
    ),
    ("removed a check-in", "удалена встреча"),
    ("logged a check-in on {}", "записана встреча {}"),
    ("added a win: {}", "добавлена победа: {}"),
    ("removed a win", "удалена победа"),
    ("changed the {} review: {}", "изменён обзор {}: {}"),
    ("set the {} budget", "задан бюджет {}"),
    (
        "added a action to the {} review: {}",
        "в обзор {} добавлено действие: {}",
    ),
    (
        "added a risk to the {} review: {}",
        "в обзор {} добавлен риск: {}",
    ),
    ("ticked an action item", "отмечено выполненное действие"),
    ("removed an item from the review", "из обзора удалён пункт"),
    ("changed the larger goal", "изменена общая цель"),
    ("add a KPI", "добавлен KPI"),
    ("remove a KPI", "удалён KPI"),
    ("record results", "записаны результаты"),
    ("set the onboarding cost", "задана стоимость онбординга"),
    ("changed the agreement: {}", "изменён договор: {}"),
    ("set the term", "задан срок договора"),
    ("set renewal terms", "заданы условия продления"),
    ("set auto-renewal", "изменено автопродление"),
    ("edit a deliverable", "изменён материал"),
    ("remove a deliverable", "удалён материал"),
    (
        "added deliverable {} ({}) to the {} SOW",
        "в SOW {2} добавлен материал {0} ({1})",
    ),
    ("set approval rules", "заданы правила согласования"),
    ("set compensation", "задано вознаграждение"),
    ("changed campaign {}", "изменена кампания {}"),
    ("marked campaign {} {}", "кампания {} отмечена как «{}»"),
    ("moved campaign {}", "перемещена кампания {}"),
    ("removed campaign {}", "удалена кампания {}"),
    (
        "added campaign {} ({}) to {}",
        "добавлена кампания {} ({}) в {}",
    ),
    ("wrote the debrief of {}", "написан разбор кампании {}"),
    (
        "changed the debrief of {}: {}",
        "изменён разбор кампании {}: {}",
    ),
    ("set the {} point of contact", "задано контактное лицо: {}"),
    ("changed the {} {}", "изменено поле «{1}» квартала {0}"),
    ("made a change", "внесено изменение"),
];

/// Values inside messages that are words of the interface, with their Russian.
const WORDS: &[(&str, &str)] = &[
    ("theme and objectives", "тема и цели"),
    ("what we learned", "что мы узнали"),
    ("what we try next", "что пробуем дальше"),
    ("brand (legal name)", "бренд (юридическое название)"),
    (
        "creator or agency (legal name)",
        "автор или агентство (юридическое название)",
    ),
    ("category", "категория"),
    ("territory", "территория"),
    ("usage rights", "права на использование"),
    ("payment terms", "условия оплаты"),
    ("recap in your words", "итоги своими словами"),
    ("next quarter's objectives", "цели следующего квартала"),
    ("one ask", "одна просьба"),
    ("one commitment", "одно обязательство"),
    ("planned", "запланирована"),
    ("confirmed", "подтверждена"),
    ("live", "идёт"),
    ("done", "завершена"),
    ("cancelled", "отменена"),
    ("brand", "бренд"),
    ("creator", "автор"),
    ("outcome", "итог"),
    ("what worked", "что сработало"),
    ("what didn't", "что не сработало"),
    ("learnings", "выводы"),
    ("next time", "в следующий раз"),
];

/// A change message in `lang`; unknown messages (other tools, older versions) as written.
pub fn describe_change(message: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return message.to_owned();
    }
    PATTERNS
        .iter()
        .find_map(|(en, ru)| match_pattern(en, message).map(|values| fill(ru, &values)))
        .unwrap_or_else(|| message.to_owned())
}

/// The values in `message` at the `{}` places of `pattern`, if it has that shape.
fn match_pattern<'m>(pattern: &str, message: &'m str) -> Option<Vec<&'m str>> {
    let parts: Vec<&str> = pattern.split("{}").collect();
    let (first, rest) = parts.split_first()?;
    let mut remaining = message.strip_prefix(first)?;
    let mut values = Vec::new();
    for (i, part) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        let at = if !last {
            remaining.find(part)?
        } else if part.is_empty() {
            remaining.len()
        } else {
            remaining.strip_suffix(part).map(str::len)?
        };
        if at == 0 {
            return None;
        }
        values.push(&remaining[..at]);
        remaining = &remaining[at + part.len()..];
    }
    remaining.is_empty().then_some(values)
}

/// Puts values into a Russian pattern: `{0}`, `{1}` by position, or `{}` in order.
fn fill(pattern: &str, values: &[&str]) -> String {
    let word = |v: &str| {
        let lower = v.to_lowercase();
        WORDS
            .iter()
            .find(|(en, _)| *en == lower)
            .map_or_else(|| quoted(v), |(_, ru)| (*ru).to_owned())
    };
    let mut out = pattern.to_owned();
    if out.contains("{0}") || out.contains("{1}") {
        for (i, v) in values.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), &word(v));
        }
    } else {
        for v in values {
            if let Some(at) = out.find("{}") {
                out.replace_range(at..at + 2, &word(v));
            }
        }
    }
    out
}

/// English quotes around a typed title become Russian ones.
fn quoted(v: &str) -> String {
    match v.strip_prefix('“').and_then(|v| v.strip_suffix('”')) {
        Some(inner) => format!("«{inner}»"),
        None => v.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_in_russian() {
        let ru = |m: &str| describe_change(m, Lang::Ru);
        assert_eq!(
            ru("added campaign “Весенний дроп” (RU) to 2027-Q1"),
            "добавлена кампания «Весенний дроп» (RU) в 2027-Q1"
        );
        assert_eq!(
            ru("changed the 2027-Q1 theme and objectives"),
            "изменено поле «тема и цели» квартала 2027-Q1"
        );
        assert_eq!(
            ru("changed the agreement: usage rights"),
            "изменён договор: права на использование"
        );
        assert_eq!(
            ru("marked campaign “Spring” done"),
            "кампания «Spring» отмечена как «завершена»"
        );
        assert_eq!(
            ru("added deliverable “YouTube video ×2” (US) to the 2027-Q2 SOW"),
            "в SOW 2027-Q2 добавлен материал «YouTube video ×2» (US)"
        );
        assert_eq!(ru("create partnership"), "создано партнёрство");
        assert_eq!(
            ru("something from another tool"),
            "something from another tool"
        );
        assert_eq!(
            describe_change("create partnership", Lang::En),
            "create partnership"
        );
    }

    #[test]
    fn a_pattern_without_values_matches_only_itself() {
        assert!(match_pattern("set the term", "set the term").is_some());
        assert!(match_pattern("set the term", "set the terms").is_none());
        assert!(match_pattern("removed campaign {}", "removed campaign ").is_none());
    }
}
