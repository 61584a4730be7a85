//! Registry reporting (Russia): every live paid placement in the RU market is reported to
//! the ad registry (ЕРИР, through an ad-data operator) once per calendar month and
//! platform — its impressions and the act of services — within 30 days after the month
//! ends. A placement across months is a task per month. Tasks are derived from the
//! deliverables; what people record of each (impressions, the act, reported) is kept by the
//! task's key, so both sides editing different tasks merge.

use autosurgeon::{Hydrate, Reconcile, Text};
use chrono::{Datelike, Days, NaiveDate};

use crate::{ids::DeliverableId, locale::Lang, quarter::QuarterId};

/// What was recorded for one task.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Report {
    /// Impressions in the month on the platform (none: not known yet — never read as 0).
    #[autosurgeon(missing = "Default::default")]
    pub impressions: Option<u64>,
    /// The act of services attached (its number or name).
    pub act: Text,
    pub reported: bool,
}

/// One month's report of one placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// `<deliverable id>:<YYYY-MM>`.
    pub key: String,
    pub quarter: QuarterId,
    pub deliverable: DeliverableId,
    pub platform: String,
    /// The first day of the month reported.
    pub month: NaiveDate,
    pub due: NaiveDate,
}

/// When a month's report is due: 30 days after the month ends; where sources disagree
/// (the 30th of the next month, for a February that has none), the earlier date.
pub fn due_for(month: NaiveDate) -> NaiveDate {
    let next = first_of_next(month);
    let last = next.pred_opt().unwrap_or(next);
    let plus_30 = last.checked_add_days(Days::new(30)).unwrap_or(last);
    let next_end = first_of_next(next).pred_opt().unwrap_or(next);
    let thirtieth = NaiveDate::from_ymd_opt(next.year(), next.month(), 30).unwrap_or(next_end);
    plus_30.min(thirtieth)
}

fn first_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn first_of_next(d: NaiveDate) -> NaiveDate {
    let d = first_of(d);
    if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1).unwrap_or(d)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1).unwrap_or(d)
    }
}

/// The months `from..=to` touches (at most 36: a longer placement is a typo).
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut m = first_of(from);
    while m <= to && out.len() < 36 {
        out.push(m);
        m = first_of_next(m);
    }
    out
}

/// Why a report was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "act {0:?} is already attached to another month's report: the same act uploaded twice counts twice"
    )]
    ActTwice(String),
    #[error("that report is no longer due (the placement changed)")]
    UnknownTask,
}

impl RegistryError {
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::ActTwice(a)) => format!(
                "акт «{a}» уже приложен к отчёту за другой месяц: загруженный дважды, он учитывается дважды"
            ),
            (Lang::Ru, Self::UnknownTask) => {
                "этот отчёт больше не нужен (размещение изменилось)".into()
            }
        }
    }
}

/// Impressions in words: "not enough data" when unknown, never 0.
pub fn impressions_words(n: Option<u64>, lang: Lang) -> String {
    match (n, lang) {
        (Some(n), _) => lang.integer(i64::try_from(n).unwrap_or(i64::MAX)),
        (None, Lang::En) => "not enough data".into(),
        (None, Lang::Ru) => "недостаточно данных".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse::<crate::day::Day>().expect("day").0
    }

    #[test]
    fn a_december_placement_is_one_task_due_on_30_january() {
        let m = months(day("2026-12-05"), day("2026-12-08"));
        assert_eq!(m, [day("2026-12-01")]);
        assert_eq!(due_for(m[0]), day("2027-01-30"));
    }

    #[test]
    fn a_placement_across_months_is_a_task_per_month() {
        let m = months(day("2026-12-05"), day("2027-01-05"));
        assert_eq!(m, [day("2026-12-01"), day("2027-01-01")]);
        // January: 30 days after 31 Jan is 2 Mar; "by the 30th of the next month" has no
        // 30 February — the earlier date, the end of February, is shown.
        assert_eq!(due_for(m[1]), day("2027-02-28"));
        assert_eq!(due_for(day("2028-01-01")), day("2028-02-29"), "a leap year");
        assert_eq!(due_for(day("2027-03-01")), day("2027-04-30"));
    }

    #[test]
    fn unknown_impressions_are_not_zero() {
        assert_eq!(impressions_words(None, Lang::En), "not enough data");
        assert_eq!(impressions_words(Some(0), Lang::En), "0");
    }
}
