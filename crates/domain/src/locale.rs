//! The two languages Tandem speaks, and how numbers, money and dates read in each.
//!
//! Formatting is done here, not with the browser's `Intl`, so that exports, print pages
//! and tests read exactly like the screens (and are tested natively).

mod ru;

use std::fmt;

use chrono::Datelike;

use crate::{day::Day, money::Money};

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    /// The BCP 47 tag (`<html lang>`, storage).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    /// The language's own name, as shown in the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ru => "Русский",
        }
    }

    /// Reads a stored tag or a browser language ("ru-RU", "en-US"); `None` for others.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "ru" => Some(Lang::Ru),
            _ => None,
        }
    }

    /// The first of the browser's preferred languages Tandem speaks; English otherwise.
    pub fn preferred<'a>(tags: impl IntoIterator<Item = &'a str>) -> Lang {
        tags.into_iter()
            .find_map(Lang::from_tag)
            .unwrap_or_default()
    }

    /// A fixed text the domain writes (exports, warnings, metric names) in this language;
    /// the English is the key (see `locale/ru.rs`).
    pub fn text(self, en: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Ru => ru::text(en).unwrap_or(en),
        }
    }

    /// [`Lang::text`] with values in its `{0}`, `{1}` places.
    pub fn fill(self, en: &'static str, args: &[&dyn fmt::Display]) -> String {
        let mut out = self.text(en).to_owned();
        for (i, a) in args.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), &a.to_string());
        }
        out
    }

    /// Group separator, decimal separator.
    fn separators(self) -> (char, char) {
        match self {
            Lang::En => (',', '.'),
            // What `Intl.NumberFormat("ru")` uses: a no-break space and a comma.
            Lang::Ru => ('\u{a0}', ','),
        }
    }

    /// A whole number with grouping: 1,234,567 / 1 234 567.
    pub fn integer(self, n: i64) -> String {
        let (group, _) = self.separators();
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(group);
            }
            out.push(c);
        }
        out
    }

    /// An amount without its currency, both decimals kept, as a person types it back:
    /// 1,234.50 / 1 234,50 (what money fields show; [`Money::parse`] reads either).
    pub fn amount(self, m: &Money) -> String {
        let (_, point) = self.separators();
        let abs = m.minor.unsigned_abs();
        let whole = self.integer(i64::try_from(abs / 100).unwrap_or(i64::MAX));
        let sign = if m.minor < 0 { "-" } else { "" };
        format!("{sign}{whole}{point}{:02}", abs % 100)
    }

    /// A number with up to `decimals` places, trailing zeros dropped: 1,234.5 / 1 234,5.
    pub fn number(self, x: f64, decimals: usize) -> String {
        if !x.is_finite() {
            return "—".to_owned();
        }
        let (_, point) = self.separators();
        let fixed = format!("{:.*}", decimals, x.abs());
        let (whole, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
        let frac = frac.trim_end_matches('0');
        let whole: i64 = whole.parse().unwrap_or(0);
        let negative = x < 0.0 && (whole != 0 || !frac.is_empty());
        let mut out = self.integer(whole);
        if negative {
            out.insert(0, '-');
        }
        if !frac.is_empty() {
            out.push(point);
            out.push_str(frac);
        }
        out
    }

    /// A percentage: 12.5% / 12,5 %.
    pub fn percent(self, x: f64, decimals: usize) -> String {
        match self {
            Lang::En => format!("{}%", self.number(x, decimals)),
            Lang::Ru => format!("{}\u{a0}%", self.number(x, decimals)),
        }
    }

    /// Money as each locale writes it: $1,234.50 / 1 234,50 ₽ (unknown currencies by code).
    pub fn money(self, m: &Money) -> String {
        let (_, point) = self.separators();
        let abs = m.minor.unsigned_abs();
        let amount = format!(
            "{}{point}{:02}",
            self.integer(i64::try_from(abs / 100).unwrap_or(i64::MAX)),
            abs % 100
        );
        let sign = if m.minor < 0 { "-" } else { "" };
        let code = m.currency.as_str();
        let symbol = match code {
            "RUB" => Some("₽"),
            "USD" => Some("$"),
            "EUR" => Some("€"),
            _ => None,
        };
        match (self, symbol) {
            (Lang::En, Some(s)) => format!("{sign}{s}{amount}"),
            (Lang::En, None) => format!("{sign}{code}\u{a0}{amount}"),
            (Lang::Ru, Some(s)) => format!("{sign}{amount}\u{a0}{s}"),
            (Lang::Ru, None) => format!("{sign}{amount}\u{a0}{code}"),
        }
    }

    /// A calendar day: Mar 15, 2027 / 15 мар. 2027 г.
    pub fn day(self, d: Day) -> String {
        let d = d.0;
        let month = d.month0() as usize;
        match self {
            Lang::En => format!("{} {}, {}", EN_MONTHS[month], d.day(), d.year()),
            Lang::Ru => format!("{} {} {}\u{a0}г.", d.day(), RU_MONTHS[month], d.year()),
        }
    }

    /// A time of day as the language writes it: 6:05 PM / 18:05 (24-hour in Russian).
    pub fn time(self, hour: u32, minute: u32) -> String {
        match self {
            Lang::En => {
                let h12 = match hour % 12 {
                    0 => 12,
                    h => h,
                };
                let half = if hour < 12 { "AM" } else { "PM" };
                format!("{h12}:{minute:02}\u{a0}{half}")
            }
            Lang::Ru => format!("{hour:02}:{minute:02}"),
        }
    }

    /// A day and a time: Mar 15, 2027, 6:05 PM / 15 мар. 2027 г., 18:05.
    pub fn day_time(self, d: Day, hour: u32, minute: u32) -> String {
        format!("{}, {}", self.day(d), self.time(hour, minute))
    }

    /// A day without its year: Mar 15 / 15 мар.
    pub fn day_short(self, d: Day) -> String {
        let d = d.0;
        let month = d.month0() as usize;
        match self {
            Lang::En => format!("{} {}", EN_MONTHS[month], d.day()),
            Lang::Ru => format!("{} {}", d.day(), RU_MONTHS[month]),
        }
    }

    /// The short name of a weekday: Mon / пн.
    pub fn weekday(self, w: chrono::Weekday) -> &'static str {
        let i = w.num_days_from_monday() as usize;
        match self {
            Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
            Lang::Ru => ["пн", "вт", "ср", "чт", "пт", "сб", "вс"][i],
        }
    }

    /// "n days" with the right plural: 1 day, 2 days / 1 день, 2 дня, 5 дней.
    pub fn days(self, n: i64) -> String {
        match self {
            Lang::En if n.abs() == 1 => format!("{n} day"),
            Lang::En => format!("{n} days"),
            Lang::Ru => format!("{n} {}", ru_plural(n, ["день", "дня", "дней"])),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

const EN_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const RU_MONTHS: [&str; 12] = [
    "янв.",
    "февр.",
    "мар.",
    "апр.",
    "мая",
    "июн.",
    "июл.",
    "авг.",
    "сент.",
    "окт.",
    "нояб.",
    "дек.",
];

/// Russian plural forms: one (1, 21, 101), few (2–4, 22–24), many (0, 5–20, 25…).
pub fn ru_plural(n: i64, [one, few, many]: [&'static str; 3]) -> &'static str {
    let n = n.unsigned_abs();
    match (n % 10, n % 100) {
        (1, h) if h != 11 => one,
        (2..=4, h) if !(12..=14).contains(&h) => few,
        _ => many,
    }
}

/// Compares text the way a reader of either script expects: case-insensitive, Cyrillic
/// and Latin each in alphabetical order (ё with е), Latin before Cyrillic.
pub fn collation_key(s: &str) -> String {
    s.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

/// Whether `haystack` contains `needle`, ignoring case in either script (and ё/е).
pub fn matches(haystack: &str, needle: &str) -> bool {
    collation_key(haystack).contains(&collation_key(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_follow_the_language_24_hours_in_russian() {
        let d = Day(chrono::NaiveDate::from_ymd_opt(2026, 12, 5).expect("a day"));
        assert_eq!(Lang::En.day_time(d, 18, 5), "Dec 5, 2026, 6:05\u{a0}PM");
        assert_eq!(Lang::En.time(0, 30), "12:30\u{a0}AM");
        assert_eq!(Lang::En.time(12, 0), "12:00\u{a0}PM");
        assert_eq!(Lang::Ru.day_time(d, 18, 5), "5 дек. 2026\u{a0}г., 18:05");
        assert_eq!(Lang::Ru.time(7, 3), "07:03");
    }
    use crate::money::Currency;

    #[test]
    fn money_reads_as_each_locale_writes_it() {
        let rub = Money::new(123_450, Currency::RUB);
        let usd = Money::new(123_450, Currency::USD);
        assert_eq!(Lang::Ru.money(&rub), "1\u{a0}234,50\u{a0}₽");
        assert_eq!(Lang::En.money(&usd), "$1,234.50");
        assert_eq!(Lang::En.money(&rub), "₽1,234.50");
        assert_eq!(Lang::Ru.money(&usd), "1\u{a0}234,50\u{a0}$");
        assert_eq!(
            Lang::En.money(&Money::new(-5, "GBP".parse().expect("code"))),
            "-GBP\u{a0}0.05"
        );
        assert_eq!(
            Lang::En.money(&Money::new(10_000_000_000, Currency::USD)),
            "$100,000,000.00"
        );
    }

    #[test]
    fn numbers_group_and_round_per_locale() {
        assert_eq!(Lang::En.number(1234.5, 2), "1,234.5");
        assert_eq!(Lang::Ru.number(1234.5, 2), "1\u{a0}234,5");
        assert_eq!(Lang::En.number(-0.001, 2), "0");
        assert_eq!(Lang::En.number(-2.5, 1), "-2.5");
        assert_eq!(Lang::En.number(999.999, 2), "1,000");
        assert_eq!(Lang::Ru.percent(12.5, 1), "12,5\u{a0}%");
        assert_eq!(Lang::En.number(f64::NAN, 1), "—");
        assert_eq!(Lang::En.integer(100), "100");
        assert_eq!(Lang::En.integer(-1000), "-1,000");
    }

    #[test]
    fn days_and_plurals() {
        let d: Day = "2027-05-09".parse().expect("day");
        assert_eq!(Lang::En.day(d), "May 9, 2027");
        assert_eq!(Lang::Ru.day(d), "9 мая 2027\u{a0}г.");
        for (n, word) in [
            (1, "день"),
            (2, "дня"),
            (4, "дня"),
            (5, "дней"),
            (11, "дней"),
            (12, "дней"),
            (21, "день"),
            (22, "дня"),
            (111, "дней"),
            (0, "дней"),
        ] {
            assert_eq!(Lang::Ru.days(n), format!("{n} {word}"));
        }
        assert_eq!(Lang::En.days(1), "1 day");
        assert_eq!(Lang::En.days(14), "14 days");
    }

    #[test]
    fn browser_languages_choose_the_interface() {
        assert_eq!(Lang::preferred(["ru-RU", "en-US"]), Lang::Ru);
        assert_eq!(Lang::preferred(["de-DE", "en-GB"]), Lang::En);
        assert_eq!(Lang::preferred(["fr"]), Lang::En);
        assert_eq!(Lang::from_tag("RU"), Some(Lang::Ru));
    }

    #[test]
    fn search_and_sort_work_in_either_script() {
        assert!(matches("Запуск в Москве", "москв"));
        assert!(matches("Ёлка", "елк"));
        assert!(matches("Launch in MOSCOW", "moscow"));
        let mut names = vec!["яблоко", "Banana", "арбуз", "apple"];
        names.sort_by_key(|s| collation_key(s));
        assert_eq!(names, vec!["apple", "Banana", "арбуз", "яблоко"]);
    }
}
