//! Check-ins and the relationship's health: a log of contacts, an agreed cadence, and a
//! state derived from the days since the last contact — healthy, due, going quiet, silent
//! — with the reason in words.

use autosurgeon::{Hydrate, Reconcile, Text};
use chrono::NaiveDate;

use crate::{day::Day, locale::Lang};

/// The cadence when none is agreed: every two weeks.
pub const DEFAULT_CADENCE_DAYS: u32 = 14;

#[derive(Debug, Clone, PartialEq, Default, Hydrate, Reconcile)]
pub struct CheckIn {
    pub date: Option<Day>,
    /// Who took part from the brand's side, and from the creator's.
    pub brand_people: Text,
    pub creator_people: Text,
    /// Call, chat, email, in person…
    pub channel: Text,
    pub summary: Text,
    pub next_step: Text,
    pub next_owner: Text,
    #[autosurgeon(missing = "Default::default")]
    pub next_due: Option<Day>,
    /// Removed, kept so Undo brings back this same item (see `items`).
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

crate::items::removable!(CheckIn);

impl CheckIn {
    /// A check-in from what a person typed: `[brand people, creator people, channel,
    /// summary, next step, next step's owner]`, each trimmed.
    pub fn new(date: Option<Day>, fields: [&str; 6], next_due: Option<Day>) -> Self {
        let t = |s: &str| Text::with_value(s.trim());
        CheckIn {
            removed: false,
            date,
            brand_people: t(fields[0]),
            creator_people: t(fields[1]),
            channel: t(fields[2]),
            summary: t(fields[3]),
            next_step: t(fields[4]),
            next_owner: t(fields[5]),
            next_due,
        }
    }
}

/// How the relationship is doing, by the days since the last contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HealthState {
    /// Within the cadence.
    Healthy,
    /// Past the cadence, up to twice it (or nothing logged yet).
    Due,
    /// Past twice the cadence, up to four times it.
    GoingQuiet,
    /// Past four times the cadence.
    Silent,
}

impl HealthState {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::Healthy => "healthy",
            HealthState::Due => "due",
            HealthState::GoingQuiet => "going quiet",
            HealthState::Silent => "silent",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub state: HealthState,
    pub days_since: Option<i64>,
    pub last_contact: Option<NaiveDate>,
    pub next_due: NaiveDate,
    pub cadence_days: i64,
}

impl HealthState {
    /// The state in words.
    pub fn words(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, s) => s.as_str(),
            (Lang::Ru, HealthState::Healthy) => "всё в порядке",
            (Lang::Ru, HealthState::Due) => "пора связаться",
            (Lang::Ru, HealthState::GoingQuiet) => "связь затихает",
            (Lang::Ru, HealthState::Silent) => "тишина",
        }
    }
}

impl Health {
    /// Why, in words: "last contact 20 days ago; a check-in was due on Mar 15, 2027 (every 14 days)".
    pub fn reason(&self, lang: Lang) -> String {
        let next_due = lang.day(Day(self.next_due));
        let Some(days) = self.days_since else {
            return match lang {
                Lang::En => "no check-in logged yet: the first one is due now",
                Lang::Ru => "встреч ещё не было: первая нужна уже сейчас",
            }
            .to_owned();
        };
        let ago = match (lang, days) {
            (Lang::En, 0) => "today".to_owned(),
            (Lang::En, 1) => "yesterday".to_owned(),
            (Lang::En, n) => format!("{} ago", lang.days(n)),
            (Lang::Ru, 0) => "сегодня".to_owned(),
            (Lang::Ru, 1) => "вчера".to_owned(),
            (Lang::Ru, n) => format!("{} назад", lang.days(n)),
        };
        let every = lang.days(self.cadence_days);
        match (lang, self.state) {
            (Lang::En, HealthState::Healthy) => {
                format!("last contact {ago}; next check-in by {next_due}")
            }
            (Lang::En, _) => {
                format!("last contact {ago}; a check-in was due on {next_due} (every {every})")
            }
            (Lang::Ru, HealthState::Healthy) => {
                format!("последний контакт {ago}; следующая встреча до {next_due}")
            }
            (Lang::Ru, _) => {
                format!("последний контакт {ago}; встреча была нужна к {next_due} (раз в {every})")
            }
        }
    }
}

/// The health of a partnership on `today`, from its check-in dates and cadence.
pub fn health(
    dates: impl IntoIterator<Item = NaiveDate>,
    cadence_days: u32,
    today: NaiveDate,
) -> Health {
    let cadence = i64::from(cadence_days.max(1));
    let last = dates.into_iter().filter(|d| *d <= today).max();
    let Some(last) = last else {
        return Health {
            state: HealthState::Due,
            days_since: None,
            last_contact: None,
            next_due: today,
            cadence_days: cadence,
        };
    };
    let days = (today - last).num_days();
    let next_due = last + chrono::Duration::days(cadence);
    let state = if days <= cadence {
        HealthState::Healthy
    } else if days <= 2 * cadence {
        HealthState::Due
    } else if days <= 4 * cadence {
        HealthState::GoingQuiet
    } else {
        HealthState::Silent
    };
    Health {
        state,
        days_since: Some(days),
        last_contact: Some(last),
        next_due,
        cadence_days: cadence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn states_change_exactly_at_one_two_and_four_cadences() {
        let last = d("2027-03-01");
        let at = |days: i64| health([last], 14, last + chrono::Duration::days(days)).state;
        assert_eq!(at(0), HealthState::Healthy);
        assert_eq!(at(14), HealthState::Healthy, "on the day it is due");
        assert_eq!(at(15), HealthState::Due);
        assert_eq!(at(28), HealthState::Due);
        assert_eq!(at(29), HealthState::GoingQuiet);
        assert_eq!(at(56), HealthState::GoingQuiet);
        assert_eq!(at(57), HealthState::Silent);
    }

    #[test]
    fn the_latest_past_contact_counts_and_nothing_logged_is_due() {
        let h = health(
            [d("2027-01-10"), d("2027-03-01"), d("2027-02-01")],
            14,
            d("2027-03-03"),
        );
        assert_eq!(h.last_contact, Some(d("2027-03-01")));
        assert_eq!(h.days_since, Some(2));
        assert_eq!(h.next_due, d("2027-03-15"));
        assert_eq!(
            h.reason(Lang::En),
            "last contact 2 days ago; next check-in by Mar 15, 2027"
        );
        assert_eq!(
            h.reason(Lang::Ru),
            "последний контакт 2 дня назад; следующая встреча до 15 мар. 2027\u{a0}г."
        );
        // A future-dated entry (a planned call) is not contact yet.
        let h = health([d("2027-04-01")], 14, d("2027-03-03"));
        assert_eq!(h.state, HealthState::Due);
        assert!(h.reason(Lang::En).starts_with("no check-in logged yet"));
        let h = health([d("2027-01-01")], 7, d("2027-03-03"));
        assert_eq!(h.state, HealthState::Silent);
        let reason = h.reason(Lang::En);
        assert!(
            reason.contains("was due on Jan 8, 2027 (every 7 days)"),
            "{reason}"
        );
        let reason = h.reason(Lang::Ru);
        assert!(reason.contains("раз в 7 дней"), "{reason}");
    }
}

#[cfg(test)]
mod wins_tests {
    use crate::{
        market::parse_market_list,
        partnership::{NewPartnership, Partnership},
    };

    #[test]
    fn wins_need_words_and_read_newest_first() {
        let mut p = Partnership::new(&NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша".into(),
            markets: parse_market_list("RU").expect("markets"),
            first_quarter: "2027-Q1".parse().expect("q"),
            quarters: 1,
        })
        .expect("new");
        assert!(
            p.add_win(
                crate::ids::Id::from_random([1; 16]),
                "  ",
                "Anna",
                "brand",
                1
            )
            .is_err()
        );
        p.add_win(
            crate::ids::Id::from_random([1; 16]),
            "First 100k views",
            "Anna",
            "brand",
            10,
        )
        .expect("win");
        p.add_win(
            crate::ids::Id::from_random([2; 16]),
            "Renewed for Q2",
            "Маша",
            "creator",
            20,
        )
        .expect("win");
        let order: Vec<&str> = p
            .wins_newest_first()
            .iter()
            .map(|(_, w)| w.text.as_str())
            .collect();
        assert_eq!(order, vec!["Renewed for Q2", "First 100k views"]);
    }
}
