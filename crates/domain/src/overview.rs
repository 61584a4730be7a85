//! A partnership at a glance: its dated obligations in the order they fall due, and, for
//! a new one, the setup steps still to do — both read from the document alone, so both
//! sides see the same list.

use chrono::NaiveDate;

use crate::{
    agreement::NoticeWindow, day::Day, ids::ActionId, locale::Lang, market::Market,
    partnership::Partnership, quarter::QuarterId, sow::DeliverableStatus,
};

/// Where in the partnership an obligation or a setup step is dealt with (the tab's id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Roadmap,
    Agreement,
    Sow,
    Kpis,
    CheckIns,
    Qbr,
    Payments,
    /// The owner's share panel.
    Share,
}

impl Place {
    /// The tab's id in the app (`#tab-<id>`), or `share`.
    pub fn id(self) -> &'static str {
        match self {
            Place::Roadmap => "roadmap",
            Place::Agreement => "agreement",
            Place::Sow => "sow",
            Place::Kpis => "kpis",
            Place::CheckIns => "checkins",
            Place::Qbr => "qbr",
            Place::Payments => "payments",
            Place::Share => "share",
        }
    }
}

/// What falls due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// The agreement's continue/stop checkpoint.
    Checkpoint,
    /// The window for giving notice of non-renewal opens.
    NoticeOpens,
    /// Notice of non-renewal is due by this day.
    NoticeDeadline,
    /// The agreement's term ends.
    TermEnds,
    /// A deliverable's draft is due (its platform and format, and market).
    Draft { what: String, market: Market },
    /// The review of a deliverable's draft is due (the SOW's review days after the draft).
    Review { what: String, market: Market },
    /// A deliverable goes live.
    Live { what: String, market: Market },
    /// The next check-in, by the agreed cadence.
    CheckIn,
    /// A payment falls due (its label and amount in words as the ledger holds them).
    Payment {
        label: String,
        amount: Option<crate::money::Money>,
    },
    /// A quarter's review meets (on the local date of whoever set it).
    ReviewMeeting { quarter: QuarterId },
    /// The brand's right to use the content ends.
    UsageRightsEnd,
    /// A month's report of a placement to the ad registry (RU) is due.
    RegistryReport { platform: String, month: String },
    /// An open action from a quarter's review.
    Action {
        quarter: QuarterId,
        id: ActionId,
        text: String,
        owner: String,
    },
}

/// One dated obligation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    pub date: NaiveDate,
    pub due: Due,
}

impl Obligation {
    /// Where it is dealt with.
    pub fn place(&self) -> Place {
        match self.due {
            Due::Checkpoint
            | Due::NoticeOpens
            | Due::NoticeDeadline
            | Due::TermEnds
            | Due::UsageRightsEnd => Place::Agreement,
            Due::Payment { .. } => Place::Payments,
            Due::ReviewMeeting { .. } => Place::Qbr,
            Due::Draft { .. }
            | Due::Review { .. }
            | Due::Live { .. }
            | Due::RegistryReport { .. } => Place::Sow,
            Due::CheckIn => Place::CheckIns,
            Due::Action { .. } => Place::Qbr,
        }
    }

    /// Whether it was due before `today` and is still open.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.date < today
    }

    /// What is due, in words, without the date.
    pub fn describe(&self, lang: Lang) -> String {
        let named = |en: &str, ru: &str, what: &str, market: &Market| match lang {
            Lang::En => format!("{en}: {what} ({market})"),
            Lang::Ru => format!("{ru}: {what} ({market})"),
        };
        match (&self.due, lang) {
            (Due::Checkpoint, Lang::En) => "Continue/stop checkpoint".into(),
            (Due::Checkpoint, Lang::Ru) => "Контрольная точка «продолжать или нет»".into(),
            (Due::NoticeOpens, Lang::En) => "The renewal notice window opens".into(),
            (Due::NoticeOpens, Lang::Ru) => "Открывается окно для уведомления о продлении".into(),
            (Due::NoticeDeadline, Lang::En) => "Last day to give notice of non-renewal".into(),
            (Due::NoticeDeadline, Lang::Ru) => {
                "Последний день, чтобы уведомить о непродлении".into()
            }
            (Due::TermEnds, Lang::En) => "The agreement's term ends".into(),
            (Due::TermEnds, Lang::Ru) => "Заканчивается срок договора".into(),
            (Due::Draft { what, market }, _) => named("Draft due", "Черновик", what, market),
            (Due::Review { what, market }, _) => named(
                "Review of the draft due",
                "Проверка черновика",
                what,
                market,
            ),
            (Due::Live { what, market }, _) => named("Goes live", "Публикация", what, market),
            (Due::Payment { label, amount }, _) => {
                let label = label.trim();
                let mut out = format!("{}: {label}", lang.text("Payment due"));
                if let Some(m) = amount {
                    out = format!("{out} — {}", lang.money(m));
                }
                out
            }
            (Due::ReviewMeeting { quarter }, _) => lang.fill("Quarterly review {0}", &[quarter]),
            (Due::UsageRightsEnd, _) => lang.text("The usage rights end").into(),
            (Due::RegistryReport { platform, month }, _) => {
                format!("{}: {platform} {month}", lang.text("Registry report due"))
            }
            (Due::CheckIn, Lang::En) => "Next check-in".into(),
            (Due::CheckIn, Lang::Ru) => "Следующая встреча".into(),
            (Due::Action { text, owner, .. }, _) => {
                let text = if text.trim().is_empty() {
                    lang.text("Action item")
                } else {
                    text.trim()
                };
                match (owner.trim(), lang) {
                    ("", _) => text.to_owned(),
                    (o, Lang::En) => format!("{text} (owner: {o})"),
                    (o, Lang::Ru) => format!("{text} (отвечает: {o})"),
                }
            }
        }
    }
}

/// A step in setting a new partnership up, in the order it is usually done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupStep {
    /// The larger goal is written.
    Goal,
    /// A campaign is planned in some quarter.
    FirstQuarter,
    /// The agreement's term has a start and an end.
    AgreementTerm,
    /// A statement of work has a deliverable or the compensation.
    Sow,
    /// A KPI is set.
    Kpis,
    /// Someone from the creator's side has edited the partnership (so they were invited).
    InviteCreator,
}

impl SetupStep {
    pub const ALL: [SetupStep; 6] = [
        SetupStep::Goal,
        SetupStep::FirstQuarter,
        SetupStep::AgreementTerm,
        SetupStep::Sow,
        SetupStep::Kpis,
        SetupStep::InviteCreator,
    ];

    pub fn id(self) -> &'static str {
        match self {
            SetupStep::Goal => "goal",
            SetupStep::FirstQuarter => "first-quarter",
            SetupStep::AgreementTerm => "agreement-term",
            SetupStep::Sow => "sow",
            SetupStep::Kpis => "kpis",
            SetupStep::InviteCreator => "invite",
        }
    }

    /// Where it is done.
    pub fn place(self) -> Place {
        match self {
            SetupStep::Goal | SetupStep::FirstQuarter => Place::Roadmap,
            SetupStep::AgreementTerm => Place::Agreement,
            SetupStep::Sow => Place::Sow,
            SetupStep::Kpis => Place::Kpis,
            SetupStep::InviteCreator => Place::Share,
        }
    }

    /// The step in words, as an instruction.
    pub fn words(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (SetupStep::Goal, Lang::En) => "Write the larger goal",
            (SetupStep::Goal, Lang::Ru) => "Сформулируйте общую цель",
            (SetupStep::FirstQuarter, Lang::En) => "Plan the first quarter's campaigns",
            (SetupStep::FirstQuarter, Lang::Ru) => "Запланируйте кампании первого квартала",
            (SetupStep::AgreementTerm, Lang::En) => "Set the agreement's term",
            (SetupStep::AgreementTerm, Lang::Ru) => "Укажите срок договора",
            (SetupStep::Sow, Lang::En) => "Agree a statement of work",
            (SetupStep::Sow, Lang::Ru) => "Согласуйте техническое задание",
            (SetupStep::Kpis, Lang::En) => "Set KPIs for each market",
            (SetupStep::Kpis, Lang::Ru) => "Задайте KPI для каждого рынка",
            (SetupStep::InviteCreator, Lang::En) => "Invite the creator",
            (SetupStep::InviteCreator, Lang::Ru) => "Пригласите автора",
        }
    }
}

impl Partnership {
    /// Every dated obligation still open, earliest first: those due before `today` (still
    /// open, so overdue) and those on or after it. Deliverables already past a stage drop
    /// that stage's dates; done actions drop out; the agreement's past dates drop out.
    pub fn obligations(&self, today: NaiveDate) -> Vec<Obligation> {
        let mut out = Vec::new();
        let a = &self.agreement;
        if let Some(d) = a.next_checkpoint(today) {
            out.push(Obligation {
                date: d,
                due: Due::Checkpoint,
            });
        }
        match a.renewal_notice(today) {
            Some(NoticeWindow::OpensIn {
                opens, deadline, ..
            }) => {
                out.push(Obligation {
                    date: opens,
                    due: Due::NoticeOpens,
                });
                out.push(Obligation {
                    date: deadline,
                    due: Due::NoticeDeadline,
                });
            }
            Some(NoticeWindow::OpenUntil { deadline, .. }) => out.push(Obligation {
                date: deadline,
                due: Due::NoticeDeadline,
            }),
            _ => {}
        }
        if let Some(Day(end)) = a.term_end
            && end >= today
        {
            out.push(Obligation {
                date: end,
                due: Due::TermEnds,
            });
        }
        if let Some(Day(until)) = a.usage_rights_until
            && until >= today
        {
            out.push(Obligation {
                date: until,
                due: Due::UsageRightsEnd,
            });
        }
        for task in self.registry_tasks() {
            if !self.report(&task.key).reported {
                out.push(Obligation {
                    date: task.due,
                    due: Due::RegistryReport {
                        platform: task.platform.clone(),
                        month: task.month.format("%Y-%m").to_string(),
                    },
                });
            }
        }
        for (_, pay) in self.payments_in_order() {
            if let (false, Some(Day(date))) =
                (pay.status == crate::payment::PaymentStatus::Paid, pay.due)
            {
                out.push(Obligation {
                    date,
                    due: Due::Payment {
                        label: pay.label.as_str().to_owned(),
                        amount: pay.amount,
                    },
                });
            }
        }
        for quarter in self.quarters.values() {
            let sow = &quarter.sow;
            for (_, d) in sow.deliverables_in_order() {
                let what = [d.platform.as_str().trim(), d.format.as_str().trim()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · ");
                let (what, market) = (what, d.market);
                let draft = sow.draft_due(d);
                if d.status == DeliverableStatus::Planned
                    && let Some(date) = draft
                {
                    out.push(Obligation {
                        date,
                        due: Due::Draft {
                            what: what.clone(),
                            market,
                        },
                    });
                }
                if matches!(
                    d.status,
                    DeliverableStatus::Planned | DeliverableStatus::DraftSubmitted
                ) && let Some(date) = draft
                    .and_then(|x| x.checked_add_days(chrono::Days::new(u64::from(sow.review_days))))
                {
                    out.push(Obligation {
                        date,
                        due: Due::Review {
                            what: what.clone(),
                            market,
                        },
                    });
                }
                if d.status != DeliverableStatus::Live
                    && let Some(Day(date)) = d.live_from
                {
                    out.push(Obligation {
                        date,
                        due: Due::Live { what, market },
                    });
                }
            }
        }
        out.push(Obligation {
            date: self.health(today).next_due,
            due: Due::CheckIn,
        });
        for (q, review) in &self.qbrs {
            if let Some(m) = &review.meeting
                && m.local.date() >= today
            {
                out.push(Obligation {
                    date: m.local.date(),
                    due: Due::ReviewMeeting { quarter: *q },
                });
            }
            for (id, action) in review.actions.iter() {
                if let (false, Some(Day(date))) = (action.done, action.due) {
                    out.push(Obligation {
                        date,
                        due: Due::Action {
                            quarter: *q,
                            id: id.clone(),
                            text: action.text.as_str().to_owned(),
                            owner: action.owner.as_str().to_owned(),
                        },
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            a.date
                .cmp(&b.date)
                .then_with(|| a.describe(Lang::En).cmp(&b.describe(Lang::En)))
        });
        out
    }

    /// The setup steps, each with whether the document shows it done.
    pub fn setup(&self) -> Vec<(SetupStep, bool)> {
        SetupStep::ALL
            .into_iter()
            .map(|step| {
                let done = match step {
                    SetupStep::Goal => !self.goal.as_str().trim().is_empty(),
                    SetupStep::FirstQuarter => {
                        self.quarters.values().any(|q| !q.campaigns.is_empty())
                    }
                    SetupStep::AgreementTerm => {
                        self.agreement.term_start.is_some() && self.agreement.term_end.is_some()
                    }
                    SetupStep::Sow => self
                        .quarters
                        .values()
                        .any(|q| !q.sow.deliverables.is_empty() || q.sow.compensation.is_some()),
                    SetupStep::Kpis => !self.kpis.is_empty(),
                    SetupStep::InviteCreator => self.people.values().any(|a| a.side == "creator"),
                };
                (step, done)
            })
            .collect()
    }

    /// Open actions from every review (done or removed ones left out), those with a due
    /// date first by date, then the rest.
    pub fn open_actions(&self) -> Vec<(QuarterId, ActionId, &crate::qbr::ActionItem)> {
        let mut list: Vec<_> = self
            .qbrs
            .iter()
            .flat_map(|(q, r)| {
                r.actions
                    .iter()
                    .filter(|(_, a)| !a.done)
                    .map(move |(id, a)| (*q, id.clone(), a))
            })
            .collect();
        list.sort_by(|(qa, ia, a), (qb, ib, b)| {
            (a.due.is_none(), a.due, qa, ia).cmp(&(b.due.is_none(), b.due, qb, ib))
        });
        list
    }

    /// The win added last.
    pub fn latest_win(&self) -> Option<&crate::partnership::Win> {
        self.wins.values().max_by_key(|w| w.at_ms)
    }
}

/// A campaign as a bar on the roadmap's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub quarter: QuarterId,
    pub id: crate::campaign::CampaignId,
    pub title: String,
    pub status: crate::campaign::CampaignStatus,
    /// Its first and last day: its own dates, or its quarter's where a date is missing
    /// (`dated` says whether both were its own).
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dated: bool,
}

/// The roadmap as a timeline: one lane per market, each lane in as many rows as its
/// overlapping campaigns need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The first day of the first quarter and the last day of the last.
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub quarters: Vec<QuarterId>,
    pub lanes: Vec<(Market, Vec<Vec<Bar>>)>,
}

impl Timeline {
    /// Where a day falls across the timeline, 0.0 (its first day) to 1.0 (after its last).
    pub fn position(&self, day: NaiveDate) -> f64 {
        let total = (self.last - self.first).num_days() + 1;
        let at = (day.clamp(self.first, self.last) - self.first).num_days();
        at as f64 / total.max(1) as f64
    }

    /// The share of the timeline a bar covers (its last day included).
    pub fn width(&self, bar: &Bar) -> f64 {
        let total = (self.last - self.first).num_days() + 1;
        let days = (bar.to - bar.from).num_days() + 1;
        days.max(1) as f64 / total.max(1) as f64
    }
}

impl Partnership {
    /// The roadmap as a timeline, or `None` without quarters.
    pub fn timeline(&self) -> Option<Timeline> {
        let quarters: Vec<QuarterId> = self.quarters.keys().copied().collect();
        let first = quarters.first()?.first_day();
        let last = quarters.last()?.last_day();
        let mut lanes: Vec<(Market, Vec<Vec<Bar>>)> =
            self.markets.iter().map(|m| (*m, Vec::new())).collect();
        let mut bars: Vec<(Market, Bar)> = self
            .campaigns_in_roadmap_order()
            .into_iter()
            .map(|(q, id, c)| {
                let from = c.starts.map_or(q.first_day(), |d| d.0);
                let to = c.ends.map_or(q.last_day(), |d| d.0).max(from);
                (
                    c.market,
                    Bar {
                        quarter: q,
                        id: id.clone(),
                        title: c.title.as_str().to_owned(),
                        status: c.status,
                        from: from.clamp(first, last),
                        to: to.clamp(first, last),
                        dated: c.starts.is_some() && c.ends.is_some(),
                    },
                )
            })
            .collect();
        bars.sort_by(|(_, a), (_, b)| a.from.cmp(&b.from).then(a.to.cmp(&b.to)));
        for (market, bar) in bars {
            let lane = match lanes.iter().position(|(m, _)| *m == market) {
                Some(i) => &mut lanes[i].1,
                None => {
                    lanes.push((market, Vec::new()));
                    &mut lanes.last_mut().expect("just pushed").1
                }
            };
            // The first row whose last bar ends before this one starts.
            match lane
                .iter_mut()
                .find(|row| row.last().is_none_or(|b: &Bar| b.to < bar.from))
            {
                Some(row) => row.push(bar),
                None => lane.push(vec![bar]),
            }
        }
        Some(Timeline {
            first,
            last,
            quarters,
            lanes,
        })
    }
}

/// How many days ahead "this week" looks on the portfolio home (today and six more).
pub const WEEK_DAYS: i64 = 7;

/// What of one partnership needs attention now, for the portfolio home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attention {
    /// Overdue obligations and those due in the next [`WEEK_DAYS`] days, earliest first.
    pub this_week: Vec<Obligation>,
    /// The renewal notice window is open: notice is due by this day.
    pub notice_open_until: Option<NaiveDate>,
    /// The relationship is going quiet or silent: its health.
    pub quiet: Option<crate::checkin::Health>,
}

impl Attention {
    pub fn is_empty(&self) -> bool {
        self.this_week.is_empty() && self.notice_open_until.is_none() && self.quiet.is_none()
    }
}

impl Partnership {
    /// What needs attention on `today`: what is overdue or due this week (payments,
    /// reviews, deliverables, notices, actions), an open renewal notice window, and
    /// whether the partnership is going quiet.
    pub fn attention(&self, today: NaiveDate) -> Attention {
        let horizon = today + chrono::Duration::days(WEEK_DAYS - 1);
        let this_week = self
            .obligations(today)
            .into_iter()
            .filter(|o| o.date <= horizon)
            .collect();
        let notice_open_until = match self.agreement.renewal_notice(today) {
            Some(NoticeWindow::OpenUntil { deadline, .. }) => Some(deadline),
            _ => None,
        };
        let health = self.health(today);
        let quiet = matches!(
            health.state,
            crate::checkin::HealthState::GoingQuiet | crate::checkin::HealthState::Silent
        )
        .then_some(health);
        Attention {
            this_week,
            notice_open_until,
            quiet,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{campaign::CampaignDraft, partnership::NewPartnership};

    #[test]
    fn the_week_holds_what_is_late_or_due_within_seven_days() {
        use crate::{
            ids::PaymentId,
            money::{Currency, Money},
            partnership::payments::PaymentDraft,
            payment::PaymentStatus,
        };
        let mut p = partnership();
        let pay = |label: &str, due: &str, status| PaymentDraft {
            label: label.into(),
            quarter: None,
            amount: Some(Money::new(100_000, Currency::USD)),
            due: Some(due.parse().expect("day")),
            status,
            paid_on: (status == PaymentStatus::Paid).then(|| "2027-03-01".parse().expect("day")),
            reference: String::new(),
            paid_in: None,
        };
        for (i, (label, due, status)) in [
            ("late", "2027-03-09", PaymentStatus::Invoiced),
            ("in a week", "2027-03-16", PaymentStatus::Expected),
            ("in eight days", "2027-03-18", PaymentStatus::Expected),
            ("paid", "2027-03-09", PaymentStatus::Paid),
        ]
        .into_iter()
        .enumerate()
        {
            p.add_payment(
                PaymentId::from_random([i as u8 + 1; 16]),
                pay(label, due, status),
            )
            .expect("payment");
        }
        p.agreement.term_start = Some(Day(day("2026-04-01")));
        p.agreement.term_end = Some(Day(day("2027-04-20")));
        let today = day("2027-03-10");
        let a = p.attention(today);
        let payments: Vec<_> = a
            .this_week
            .iter()
            .filter_map(|o| match &o.due {
                Due::Payment { label, .. } => Some((label.as_str(), o.overdue(today))),
                _ => None,
            })
            .collect();
        assert_eq!(payments, [("late", true), ("in a week", false)]);
        assert_eq!(a.notice_open_until, Some(day("2027-03-21")));
        assert!(a.quiet.is_none(), "no check-in yet reads as due, not quiet");
        p.checkins.insert(
            crate::ids::CheckInId::from_random([9; 16]),
            crate::checkin::CheckIn::new(
                Some(Day(day("2027-01-01"))),
                ["", "", "", "", "", ""],
                None,
            ),
        );
        assert!(
            p.attention(today).quiet.is_some(),
            "ten weeks without contact"
        );
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn partnership() -> Partnership {
        Partnership::new(&NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша".into(),
            markets: vec!["RU".parse().expect("market"), "US".parse().expect("market")],
            first_quarter: "2027-Q1".parse().expect("quarter"),
            quarters: 4,
        })
        .expect("valid")
    }

    #[test]
    fn a_new_partnership_has_every_setup_step_open_and_ticks_them_from_the_document() {
        let mut p = partnership();
        assert!(p.setup().iter().all(|(_, done)| !done));
        p.goal = autosurgeon::Text::with_value("Grow in both markets");
        p.agreement.term_start = Some(Day(day("2027-01-01")));
        p.agreement.term_end = Some(Day(day("2027-12-31")));
        let done: Vec<_> = p
            .setup()
            .into_iter()
            .filter(|(_, d)| *d)
            .map(|(s, _)| s)
            .collect();
        assert_eq!(done, vec![SetupStep::Goal, SetupStep::AgreementTerm]);
        p.people.insert(
            "abc".into(),
            crate::author::Author {
                name: "Маша".into(),
                side: "creator".into(),
            },
        );
        assert!(p.setup().contains(&(SetupStep::InviteCreator, true)));
        let q = "2027-Q1".parse().expect("quarter");
        p.add_campaign(
            q,
            crate::ids::Id::from_random([1; 16]),
            CampaignDraft {
                title: "Spring drop".into(),
                market: "RU".parse().expect("market"),
                starts: None,
                ends: None,
                status: crate::campaign::CampaignStatus::Planned,
            },
        )
        .expect("added");
        assert!(p.setup().contains(&(SetupStep::FirstQuarter, true)));
    }

    #[test]
    fn obligations_come_in_date_order_and_drop_what_is_past_or_done() {
        let mut p = partnership();
        p.agreement.term_start = Some(Day(day("2027-01-01")));
        p.agreement.term_end = Some(Day(day("2027-12-31")));
        p.agreement.renewal_notice_days = 30;
        let today = day("2027-02-10");
        let list = p.obligations(today);
        let dates: Vec<NaiveDate> = list.iter().map(|o| o.date).collect();
        let mut sorted = dates.clone();
        sorted.sort();
        assert_eq!(dates, sorted, "earliest first");
        let first_agreement = list
            .iter()
            .find(|o| o.place() == Place::Agreement)
            .expect("an agreement date");
        assert_eq!(first_agreement.due, Due::Checkpoint);
        assert_eq!(first_agreement.date, day("2027-04-01"));
        // Deadline 30 days before Dec 31 (Dec 1), window opening 30 days before that.
        assert!(list.contains(&Obligation {
            date: day("2027-11-01"),
            due: Due::NoticeOpens
        }));
        assert!(list.contains(&Obligation {
            date: day("2027-12-01"),
            due: Due::NoticeDeadline
        }));
        // No check-in logged: the first is due now.
        assert!(list.contains(&Obligation {
            date: today,
            due: Due::CheckIn
        }));
        // Inside the notice window, only its deadline is listed.
        let late = p.obligations(day("2027-11-15"));
        assert!(!late.iter().any(|o| o.due == Due::NoticeOpens));
        assert!(late.iter().any(|o| o.due == Due::NoticeDeadline));
        // After the term, nothing of the agreement is left.
        let after = p.obligations(day("2028-01-02"));
        assert!(!after.iter().any(|o| o.place() == Place::Agreement));
    }

    #[test]
    fn a_deliverable_drops_each_stage_once_it_is_past_it() {
        let mut p = partnership();
        let q: QuarterId = "2027-Q1".parse().expect("quarter");
        let id: crate::ids::DeliverableId = crate::ids::Id::from_random([2; 16]);
        let sow = &mut p.quarters.get_mut(&q).expect("quarter").sow;
        sow.draft_due_days_before_live = 7;
        sow.review_days = 3;
        let mut d = crate::sow::Deliverable {
            platform: autosurgeon::Text::with_value("Telegram"),
            format: autosurgeon::Text::with_value("post"),
            count: 1,
            market: "RU".parse().expect("market"),
            live_from: Some(Day(day("2027-03-20"))),
            live_to: None,
            owner: autosurgeon::Text::default(),
            status: DeliverableStatus::Planned,
            paid: true,
            erid: autosurgeon::Text::default(),
            reklama_label: false,
            order: crate::order_key::OrderKey::between(None, None),
            removed: false,
            versions: Default::default(),
            erid_for: None,
            disclosure_on_screen: false,
            disclosure_spoken: false,
            platform_tag: false,
            override_reason: Default::default(),
        };
        sow.deliverables.insert(id.clone(), d.clone());
        let kinds = |p: &Partnership| -> Vec<(NaiveDate, String)> {
            p.obligations(day("2027-03-01"))
                .into_iter()
                .filter(|o| o.place() == Place::Sow)
                .map(|o| (o.date, o.describe(Lang::En)))
                .collect()
        };
        assert_eq!(
            kinds(&p),
            vec![
                (
                    day("2027-03-13"),
                    "Draft due: Telegram · post (RU)".to_owned()
                ),
                (
                    day("2027-03-16"),
                    "Review of the draft due: Telegram · post (RU)".to_owned()
                ),
                (
                    day("2027-03-20"),
                    "Goes live: Telegram · post (RU)".to_owned()
                ),
            ]
        );
        d.status = DeliverableStatus::Approved;
        p.quarters
            .get_mut(&q)
            .expect("quarter")
            .sow
            .deliverables
            .insert(id.clone(), d.clone());
        assert_eq!(kinds(&p).len(), 1, "approved: only going live is left");
        d.status = DeliverableStatus::Live;
        p.quarters
            .get_mut(&q)
            .expect("quarter")
            .sow
            .deliverables
            .insert(id, d);
        // Live and paid in Russia: what is left is its report to the ad registry.
        assert_eq!(
            kinds(&p),
            vec![(
                day("2027-04-30"),
                "Registry report due: Telegram 2027-03".to_owned()
            )]
        );
    }

    #[test]
    fn the_timeline_puts_each_campaign_in_its_market_lane_and_overlaps_on_rows_of_their_own() {
        let mut p = partnership();
        let add =
            |p: &mut Partnership, n: u8, q: &str, market: &str, dates: Option<(&str, &str)>| {
                p.add_campaign(
                    q.parse().expect("quarter"),
                    crate::ids::Id::from_random([n; 16]),
                    CampaignDraft {
                        title: format!("c{n}"),
                        market: market.parse().expect("market"),
                        starts: dates.map(|(a, _)| Day(day(a))),
                        ends: dates.map(|(_, b)| Day(day(b))),
                        status: crate::campaign::CampaignStatus::Planned,
                    },
                )
                .expect("added");
            };
        add(
            &mut p,
            1,
            "2027-Q1",
            "RU",
            Some(("2027-01-10", "2027-02-10")),
        );
        add(
            &mut p,
            2,
            "2027-Q1",
            "RU",
            Some(("2027-02-01", "2027-03-01")),
        );
        add(
            &mut p,
            3,
            "2027-Q1",
            "RU",
            Some(("2027-02-20", "2027-03-20")),
        );
        add(&mut p, 4, "2027-Q2", "US", None);
        let t = p.timeline().expect("quarters");
        assert_eq!((t.first, t.last), (day("2027-01-01"), day("2027-12-31")));
        let titles = |rows: &Vec<Vec<Bar>>| -> Vec<Vec<String>> {
            rows.iter()
                .map(|r| r.iter().map(|b| b.title.clone()).collect())
                .collect()
        };
        assert_eq!(t.lanes[0].0.as_str(), "RU");
        // c2 overlaps c1; c3 starts after c1 ends, so it shares c1's row.
        assert_eq!(titles(&t.lanes[0].1), vec![vec!["c1", "c3"], vec!["c2"]]);
        let us = &t.lanes[1].1[0][0];
        assert_eq!(
            (us.from, us.to, us.dated),
            (day("2027-04-01"), day("2027-06-30"), false)
        );
        // A quarter of a year is about a quarter of the width; the whole year is all of it.
        assert!((t.width(us) - 91.0 / 365.0).abs() < 1e-9);
        assert!((t.position(day("2027-01-01"))).abs() < 1e-9);
        assert!((t.position(day("2027-07-01")) - 181.0 / 365.0).abs() < 1e-9);
    }
}
