//! The base agreement: parties, term, quarterly checkpoints, renewal and notice, and the
//! dates derived from them.

use autosurgeon::{Hydrate, Reconcile, Text};
use chrono::{Months, NaiveDate};

use crate::{day::Day, locale::Lang};

/// How long before the notice deadline the window for giving notice is shown as open.
pub const NOTICE_WINDOW_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Agreement {
    pub brand_legal_name: Text,
    pub creator_legal_name: Text,
    #[autosurgeon(missing = "Default::default")]
    pub term_start: Option<Day>,
    #[autosurgeon(missing = "Default::default")]
    pub term_end: Option<Day>,
    /// Months between checkpoints (3: quarterly).
    pub checkpoint_months: u32,
    pub auto_renew: bool,
    /// Notice of non-renewal is due this many days before the term ends.
    pub renewal_notice_days: u32,
    pub termination_notice_days: u32,
    pub exclusivity_category: Text,
    pub exclusivity_territory: Text,
    #[autosurgeon(missing = "Default::default")]
    pub exclusivity_months: Option<u32>,
    pub usage_rights: Text,
    pub payment_terms: Text,
    /// The last day the brand may use the content.
    #[autosurgeon(missing = "Default::default")]
    pub usage_rights_until: Option<Day>,
    /// How the creator is paid (which documents each payment needs).
    #[autosurgeon(missing = "Default::default")]
    pub creator_tax: crate::payment::TaxStatus,
    /// The advertiser's INN (RU ads name it).
    #[autosurgeon(missing = "Default::default")]
    pub brand_inn: Text,
    /// The creator's page's number in Roskomnadzor's register.
    #[autosurgeon(missing = "Default::default")]
    pub creator_register_number: Text,
    /// The creator's audience (subscribers), for the register threshold.
    #[autosurgeon(missing = "Default::default")]
    pub creator_audience: Option<u64>,
    /// Who reports placements to the ad registry: "brand", "creator" (empty: not agreed).
    #[autosurgeon(missing = "Default::default")]
    pub registry_reporter: String,
}

impl Default for Agreement {
    fn default() -> Self {
        Agreement {
            brand_legal_name: Text::default(),
            creator_legal_name: Text::default(),
            term_start: None,
            term_end: None,
            checkpoint_months: 3,
            auto_renew: false,
            renewal_notice_days: 30,
            termination_notice_days: 30,
            exclusivity_category: Text::default(),
            exclusivity_territory: Text::default(),
            exclusivity_months: None,
            usage_rights: Text::default(),
            payment_terms: Text::default(),
            usage_rights_until: None,
            creator_tax: crate::payment::TaxStatus::Unknown,
            brand_inn: Text::default(),
            creator_register_number: Text::default(),
            creator_audience: None,
            registry_reporter: String::new(),
        }
    }
}

/// Where the renewal notice stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeWindow {
    /// The window opens in `days` days (on `opens`); notice is due by `deadline`.
    OpensIn {
        days: i64,
        opens: NaiveDate,
        deadline: NaiveDate,
    },
    /// Notice may be given now, until `deadline` (`days_left` days, 0 = today).
    OpenUntil { deadline: NaiveDate, days_left: i64 },
    /// The deadline passed: the agreement renews (or ends) on `term_end`.
    Passed {
        deadline: NaiveDate,
        term_end: NaiveDate,
        auto_renew: bool,
    },
}

impl NoticeWindow {
    /// In words, in `lang`, with dates as `lang` writes them (exports use [`describe`]).
    ///
    /// [`describe`]: NoticeWindow::describe
    pub fn describe_in(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.describe_with(|d| lang.day(Day(d)));
        }
        let day = |d: &NaiveDate| lang.day(Day(*d));
        match self {
            NoticeWindow::OpensIn { days, deadline, .. } => format!(
                "окно уведомления о продлении откроется через {} (уведомить нужно до {})",
                lang.days(*days),
                day(deadline)
            ),
            NoticeWindow::OpenUntil { deadline, .. } => {
                format!("окно уведомления о продлении открыто до {}", day(deadline))
            }
            NoticeWindow::Passed {
                deadline,
                term_end,
                auto_renew,
            } => format!(
                "срок уведомления истёк {}: договор {} {}",
                day(deadline),
                if *auto_renew {
                    "продлится автоматически"
                } else {
                    "закончится"
                },
                day(term_end)
            ),
        }
    }

    /// In English, dates as 2027-11-01.
    pub fn describe(&self) -> String {
        self.describe_with(|d| d.to_string())
    }

    fn describe_with(&self, date: impl Fn(NaiveDate) -> String) -> String {
        match self {
            NoticeWindow::OpensIn { days, deadline, .. } => format!(
                "the notice window for renewal opens in {days} day{} (notice is due by {})",
                if *days == 1 { "" } else { "s" },
                date(*deadline)
            ),
            NoticeWindow::OpenUntil { deadline, .. } => {
                format!(
                    "the notice window for renewal is open until {}",
                    date(*deadline)
                )
            }
            NoticeWindow::Passed {
                deadline,
                term_end,
                auto_renew: true,
            } => {
                format!(
                    "the notice deadline passed on {}: the agreement renews automatically on {}",
                    date(*deadline),
                    date(*term_end)
                )
            }
            NoticeWindow::Passed {
                deadline,
                term_end,
                auto_renew: false,
            } => {
                format!(
                    "the notice deadline passed on {}: the agreement ends on {}",
                    date(*deadline),
                    date(*term_end)
                )
            }
        }
    }
}

/// The text fields of the agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementText {
    BrandLegalName,
    CreatorLegalName,
    ExclusivityCategory,
    ExclusivityTerritory,
    UsageRights,
    PaymentTerms,
    BrandInn,
    CreatorRegisterNumber,
}

impl Agreement {
    /// One of its text fields.
    pub fn text(&self, field: AgreementText) -> &str {
        match field {
            AgreementText::BrandLegalName => self.brand_legal_name.as_str(),
            AgreementText::CreatorLegalName => self.creator_legal_name.as_str(),
            AgreementText::ExclusivityCategory => self.exclusivity_category.as_str(),
            AgreementText::ExclusivityTerritory => self.exclusivity_territory.as_str(),
            AgreementText::UsageRights => self.usage_rights.as_str(),
            AgreementText::PaymentTerms => self.payment_terms.as_str(),
            AgreementText::BrandInn => self.brand_inn.as_str(),
            AgreementText::CreatorRegisterNumber => self.creator_register_number.as_str(),
        }
    }
}

impl Agreement {
    /// Checkpoint dates: every `checkpoint_months` from the start (a start on the 31st
    /// falls on the last day of shorter months), up to and including the end.
    pub fn checkpoints(&self) -> Vec<NaiveDate> {
        let (Some(Day(start)), Some(Day(end))) = (self.term_start, self.term_end) else {
            return Vec::new();
        };
        let step = self.checkpoint_months.clamp(1, 24);
        (1..=240u32)
            .map_while(|k| start.checked_add_months(Months::new(k * step)))
            .take_while(|d| *d <= end)
            .collect()
    }

    /// The first checkpoint on or after `today`.
    pub fn next_checkpoint(&self, today: NaiveDate) -> Option<NaiveDate> {
        self.checkpoints().into_iter().find(|d| *d >= today)
    }

    /// Where the renewal notice stands on `today`, if the term has an end.
    pub fn renewal_notice(&self, today: NaiveDate) -> Option<NoticeWindow> {
        let Day(end) = self.term_end?;
        let deadline =
            end.checked_sub_days(chrono::Days::new(u64::from(self.renewal_notice_days)))?;
        let opens = deadline.checked_sub_days(chrono::Days::new(NOTICE_WINDOW_DAYS as u64))?;
        Some(if today < opens {
            NoticeWindow::OpensIn {
                days: (opens - today).num_days(),
                opens,
                deadline,
            }
        } else if today <= deadline {
            NoticeWindow::OpenUntil {
                deadline,
                days_left: (deadline - today).num_days(),
            }
        } else {
            NoticeWindow::Passed {
                deadline,
                term_end: end,
                auto_renew: self.auto_renew,
            }
        })
    }
}

/// Which notice period of the agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Renewal,
    Termination,
}

/// A value the agreement accepts but a person should look at again: shown beside the
/// field, never refused (a draft is often filled in out of order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementWarning {
    /// A notice period of `notice_days` is longer than the whole term (`term_days`).
    NoticeLongerThanTerm {
        notice: Notice,
        notice_days: u32,
        term_days: i64,
    },
}

impl AgreementWarning {
    /// In words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (
                Lang::En,
                Self::NoticeLongerThanTerm {
                    notice_days,
                    term_days,
                    ..
                },
            ) => format!(
                "This notice period ({}) is longer than the whole term ({}). Check the number of days.",
                lang.days(i64::from(*notice_days)),
                lang.days(*term_days)
            ),
            (
                Lang::Ru,
                Self::NoticeLongerThanTerm {
                    notice_days,
                    term_days,
                    ..
                },
            ) => format!(
                "Срок уведомления ({}) дольше всего срока договора ({}). Проверьте число дней.",
                lang.days(i64::from(*notice_days)),
                lang.days(*term_days)
            ),
        }
    }
}

impl Agreement {
    /// The term's length in days, when both its ends are set.
    pub fn term_days(&self) -> Option<i64> {
        match (self.term_start, self.term_end) {
            (Some(s), Some(e)) => Some((e.0 - s.0).num_days()),
            _ => None,
        }
    }

    /// What is worth a second look about a notice period.
    pub fn notice_warning(&self, notice: Notice) -> Option<AgreementWarning> {
        let term_days = self.term_days()?;
        let notice_days = match notice {
            Notice::Renewal => self.renewal_notice_days,
            Notice::Termination => self.termination_notice_days,
        };
        (i64::from(notice_days) > term_days).then_some(AgreementWarning::NoticeLongerThanTerm {
            notice,
            notice_days,
            term_days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse::<Day>().expect("day").0
    }

    fn agreement(start: &str, end: &str) -> Agreement {
        Agreement {
            term_start: Some(Day(day(start))),
            term_end: Some(Day(day(end))),
            ..Default::default()
        }
    }

    #[test]
    fn quarterly_checkpoints_respect_month_ends_and_leap_years() {
        let a = agreement("2027-01-31", "2027-12-31");
        let got: Vec<String> = a.checkpoints().iter().map(ToString::to_string).collect();
        assert_eq!(got, ["2027-04-30", "2027-07-31", "2027-10-31"]);
        let leap = Agreement {
            checkpoint_months: 12,
            ..agreement("2028-02-29", "2030-03-01")
        };
        let got: Vec<String> = leap.checkpoints().iter().map(ToString::to_string).collect();
        assert_eq!(got, ["2029-02-28", "2030-02-28"]);
        assert_eq!(
            agreement("2027-01-01", "2027-12-31").next_checkpoint(day("2027-04-02")),
            Some(day("2027-07-01"))
        );
        assert_eq!(
            agreement("2027-01-01", "2027-12-31").next_checkpoint(day("2028-01-01")),
            None
        );
        assert!(Agreement::default().checkpoints().is_empty());
    }

    #[test]
    fn the_notice_window_opens_is_open_and_passes() {
        let a = Agreement {
            auto_renew: true,
            renewal_notice_days: 60,
            ..agreement("2027-01-01", "2027-12-31")
        };
        // Deadline: 2027-11-01 (60 days before 12-31); opens 30 days before: 2027-10-02.
        match a.renewal_notice(day("2027-09-30")) {
            Some(NoticeWindow::OpensIn {
                days,
                opens,
                deadline,
            }) => {
                assert_eq!(
                    (days, opens, deadline),
                    (2, day("2027-10-02"), day("2027-11-01"))
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            a.renewal_notice(day("2027-10-02")),
            Some(NoticeWindow::OpenUntil {
                deadline: day("2027-11-01"),
                days_left: 30
            })
        );
        assert_eq!(
            a.renewal_notice(day("2027-11-01")).map(|w| w.describe()),
            Some("the notice window for renewal is open until 2027-11-01".into())
        );
        let passed = a.renewal_notice(day("2027-11-02")).expect("window");
        assert!(
            passed
                .describe()
                .contains("renews automatically on 2027-12-31")
        );
        let ends = Agreement {
            auto_renew: false,
            ..a
        };
        assert!(
            ends.renewal_notice(day("2027-12-01"))
                .expect("w")
                .describe()
                .contains("ends on 2027-12-31")
        );
    }

    #[test]
    fn notice_across_a_leap_february() {
        let a = Agreement {
            renewal_notice_days: 30,
            ..agreement("2027-03-31", "2028-03-31")
        };
        // 30 days before 2028-03-31 is 2028-03-01 (February has 29 days in 2028).
        match a.renewal_notice(day("2028-01-01")) {
            Some(NoticeWindow::OpensIn {
                deadline, opens, ..
            }) => {
                assert_eq!(deadline, day("2028-03-01"));
                assert_eq!(opens, day("2028-01-31"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(Agreement::default().renewal_notice(day("2028-01-01")), None);
    }

    #[test]
    fn a_notice_longer_than_the_term_is_worth_a_warning_and_a_shorter_one_is_not() {
        let mut a = Agreement {
            term_start: Some(Day(NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"))),
            term_end: Some(Day(NaiveDate::from_ymd_opt(2027, 3, 31).expect("date"))),
            ..Agreement::default()
        };
        assert_eq!(a.notice_warning(Notice::Renewal), None);
        a.renewal_notice_days = 3030;
        let w = a.notice_warning(Notice::Renewal).expect("warned");
        assert_eq!(
            w,
            AgreementWarning::NoticeLongerThanTerm {
                notice: Notice::Renewal,
                notice_days: 3030,
                term_days: 89
            }
        );
        assert!(
            w.describe(Lang::En)
                .starts_with("This notice period (3030 days)"),
            "{}",
            w.describe(Lang::En)
        );
        assert!(w.describe(Lang::Ru).starts_with("Срок уведомления"));
        assert_eq!(a.notice_warning(Notice::Termination), None);
        a.term_end = None;
        assert_eq!(
            a.notice_warning(Notice::Renewal),
            None,
            "no term, nothing to compare"
        );
    }
}
