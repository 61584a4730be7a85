//! Debriefs: one per campaign — the outcome, KPI target against actual per market, what
//! worked, what didn't (issue → cause → effect), the learnings, and what to do with the
//! idea next. Learnings carry forward: planning a campaign in a market shows the learnings
//! of the earlier campaigns in that market.

use crate::items::Items;
use std::{fmt, str::FromStr};

use autosurgeon::{Hydrate, Reconcile, Text};

use crate::{
    ids::IssueId,
    kpi::{Kpi, Unit},
    locale::Lang,
    market::Market,
    stored_string::stored_as_string,
};

/// How the campaign did against what was agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Exceeded,
    Met,
    Missed,
}

/// What to do with the idea next time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NextStep {
    Repeat,
    Refine,
    Drop,
    TestNext,
}

macro_rules! words {
    ($ty:ident, $what:literal, $($v:ident => $code:literal, $en:literal, $ru:literal);+ $(;)?) => {
        impl $ty {
            pub const ALL: &[$ty] = &[$($ty::$v),+];

            /// The stored code.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$v => $code),+ }
            }

            /// In words, in `lang`.
            pub fn words(self, lang: Lang) -> &'static str {
                match (lang, self) {
                    $((Lang::En, $ty::$v) => $en, (Lang::Ru, $ty::$v) => $ru),+
                }
            }
        }

        impl FromStr for $ty {
            type Err = UnknownWord;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownWord { what: $what, found: s.to_owned() })
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

words!(Outcome, "an outcome",
    Exceeded => "exceeded", "exceeded", "превзошли";
    Met => "met", "met", "достигли";
    Missed => "missed", "missed", "не достигли";
);

words!(NextStep, "a next step",
    Repeat => "repeat", "repeat", "повторить";
    Refine => "refine", "refine", "доработать";
    Drop => "drop", "drop", "отказаться";
    TestNext => "test-next", "test next", "проверить дальше";
);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{found:?} is not {what}")]
pub struct UnknownWord {
    pub what: &'static str,
    pub found: String,
}

stored_as_string!(Outcome, "exceeded, met or missed");
stored_as_string!(NextStep, "repeat, refine, drop or test-next");

/// Something that didn't work: what happened, why, and what it led to.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Issue {
    pub issue: Text,
    pub cause: Text,
    pub effect: Text,
    /// Position in the list (creation time), so concurrent additions keep a stable order.
    pub at_ms: i64,
    /// Removed, kept so Undo brings back this same item (see `items`).
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

crate::items::removable!(Issue);

/// A campaign's debrief.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Debrief {
    #[autosurgeon(missing = "Default::default")]
    pub outcome: Option<Outcome>,
    pub worked: Text,
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub issues: Items<IssueId, Issue>,
    pub learnings: Text,
    #[autosurgeon(missing = "Default::default")]
    pub next: Option<NextStep>,
}

/// The prose fields of a debrief.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebriefText {
    Worked,
    Learnings,
}

/// The fields of a "what didn't work" entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueText {
    Issue,
    Cause,
    Effect,
}

impl Debrief {
    pub fn text(&self, field: DebriefText) -> &str {
        match field {
            DebriefText::Worked => self.worked.as_str(),
            DebriefText::Learnings => self.learnings.as_str(),
        }
    }

    /// The issues in the order they were added.
    pub fn issues_in_order(&self) -> Vec<(&IssueId, &Issue)> {
        let mut v: Vec<_> = self.issues.iter().collect();
        v.sort_by_key(|(id, i)| (i.at_ms, (*id).clone()));
        v
    }

    /// Whether there is anything written.
    pub fn is_empty(&self) -> bool {
        self.outcome.is_none()
            && self.next.is_none()
            && self.worked.as_str().trim().is_empty()
            && self.learnings.as_str().trim().is_empty()
            && self.issues.is_empty()
    }
}

/// One KPI of a market: its target and threshold against what the campaign achieved.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiOutcome {
    pub market: Market,
    pub kpi: Kpi,
    /// The value from this campaign's recorded results in that market, if computable.
    pub actual: Option<(f64, Unit)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        campaign::{CampaignDraft, CampaignId, CampaignStatus},
        ids::{Id, Kind},
        kpi::{Figures, Metric},
        partnership::{NewPartnership, Partnership, debriefs::DebriefError},
        quarter::QuarterId,
    };

    fn q(s: &str) -> QuarterId {
        s.parse().expect("quarter")
    }

    fn id<K: Kind>(n: u8) -> Id<K> {
        Id::from_random([n; 16])
    }

    fn partnership() -> Partnership {
        Partnership::new(&NewPartnership {
            brand: "Northwind".into(),
            creator: "Masha".into(),
            markets: vec!["RU".parse().expect("m"), "US".parse().expect("m")],
            first_quarter: q("2027-Q1"),
            quarters: 3,
        })
        .expect("valid")
    }

    fn add(p: &mut Partnership, quarter: &str, n: u8, title: &str, market: &str) -> CampaignId {
        let cid = id(n);
        p.add_campaign(
            q(quarter),
            cid.clone(),
            CampaignDraft {
                title: title.into(),
                market: market.parse().expect("market"),
                starts: None,
                ends: None,
                status: CampaignStatus::Done,
            },
        )
        .expect("added");
        cid
    }

    #[test]
    fn learnings_reach_the_next_campaign_in_the_same_market_only() {
        let mut p = partnership();
        let spring = add(&mut p, "2027-Q1", 1, "Spring drop", "RU");
        let us = add(&mut p, "2027-Q1", 2, "US launch", "US");
        let summer = add(&mut p, "2027-Q2", 3, "Summer", "RU");
        let autumn = add(&mut p, "2027-Q3", 4, "Autumn", "RU");
        p.set_debrief_text(
            q("2027-Q1"),
            &spring,
            DebriefText::Learnings,
            "Shorts beat long videos",
        )
        .expect("written");
        p.set_debrief_outcome(q("2027-Q1"), &spring, Some(Outcome::Exceeded))
            .expect("written");
        p.set_debrief_text(q("2027-Q1"), &us, DebriefText::Learnings, "US: post at 9am")
            .expect("written");
        p.set_debrief_text(
            q("2027-Q2"),
            &summer,
            DebriefText::Learnings,
            "Giveaways bring bots",
        )
        .expect("written");

        let ru = "RU".parse().expect("m");
        // The summer campaign sees spring's learning, not the US one, not its own.
        let seen = p.learnings_before(ru, q("2027-Q2"), Some(&summer));
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].campaign, "Spring drop");
        assert_eq!(seen[0].learnings, "Shorts beat long videos");
        assert_eq!(seen[0].outcome, Some(Outcome::Exceeded));
        // Autumn sees both RU learnings, the most recent first.
        let seen: Vec<String> = p
            .learnings_before(ru, q("2027-Q3"), Some(&autumn))
            .into_iter()
            .map(|l| l.campaign)
            .collect();
        assert_eq!(seen, vec!["Summer", "Spring drop"]);
        // The first campaign has nothing before it.
        assert!(
            p.learnings_before(ru, q("2027-Q1"), Some(&spring))
                .is_empty()
        );
        // Planning a new RU campaign in Q2 sees everything up to and including Q2.
        let planning: Vec<String> = p
            .learnings_before(ru, q("2027-Q2"), None)
            .into_iter()
            .map(|l| l.campaign)
            .collect();
        assert_eq!(planning, vec!["Summer", "Spring drop"]);
        // A campaign without learnings carries nothing, even with an outcome.
        p.set_debrief_text(q("2027-Q2"), &summer, DebriefText::Learnings, "  ")
            .expect("written");
        assert_eq!(p.learnings_before(ru, q("2027-Q3"), None).len(), 1);
    }

    #[test]
    fn kpi_outcomes_come_from_recorded_results() {
        let mut p = partnership();
        let c = add(&mut p, "2027-Q1", 1, "Spring drop", "RU");
        let ru: Market = "RU".parse().expect("m");
        p.set_kpi(
            id(9),
            Kpi {
                removed: false,
                market: ru,
                metric: Metric::EngagementRateByReach,
                target: 5.0,
                threshold: 3.0,
            },
        )
        .expect("kpi");
        let campaign = p.quarters[&q("2027-Q1")].campaigns[&c].clone();
        let before = p.kpi_outcomes(&campaign);
        assert_eq!(before.len(), 1);
        assert_eq!(before[0].actual, None, "no results yet");
        p.set_results(
            q("2027-Q1"),
            &c,
            ru,
            Some(Figures {
                reach: Some(10_000),
                engagements: Some(400),
                ..Figures::default()
            }),
        )
        .expect("results");
        let campaign = p.quarters[&q("2027-Q1")].campaigns[&c].clone();
        let after = p.kpi_outcomes(&campaign);
        let (value, _) = after[0].actual.expect("computed");
        assert!((value - 4.0).abs() < 1e-9, "{value}");
    }

    #[test]
    fn issues_need_words_and_keep_their_order() {
        let mut p = partnership();
        let c = add(&mut p, "2027-Q1", 1, "Spring drop", "RU");
        assert_eq!(
            p.add_debrief_issue(q("2027-Q1"), &c, id(5), [" ", "x", "y"], 1),
            Err(DebriefError::MissingIssue)
        );
        p.add_debrief_issue(q("2027-Q1"), &c, id(6), ["Late draft", "Brief", "Slip"], 2)
            .expect("added");
        p.add_debrief_issue(q("2027-Q1"), &c, id(5), ["Low reach", "Timing", "CPM"], 3)
            .expect("added");
        let d = p.quarters[&q("2027-Q1")].campaigns[&c]
            .debrief
            .clone()
            .expect("debrief");
        let order: Vec<&str> = d
            .issues_in_order()
            .iter()
            .map(|(_, i)| i.issue.as_str())
            .collect();
        assert_eq!(order, vec!["Late draft", "Low reach"]);
        assert_eq!("test-next".parse(), Ok(NextStep::TestNext));
        assert_eq!(NextStep::TestNext.words(Lang::Ru), "проверить дальше");
        assert!("nope".parse::<Outcome>().is_err());
    }
}
