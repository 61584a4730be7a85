//! Draft review rounds of a deliverable: numbered versions (a link and the caption), a
//! review per version from either side with one outcome and feedback items tagged must-fix
//! or nice-to-have that the creator answers, the round counter against the SOW's limit (a
//! round past it is a paid extra), and the review clock — business days in the reviewer's
//! zone — after which the SOW's auto-approve rule applies.
//!
//! Versions, reviews and feedback are maps of random ids, so two people adding them
//! offline both keep theirs when the documents merge; a version's number comes from the
//! order of submission, so both sides count the same rounds after any merge.

use std::{fmt, str::FromStr};

use autosurgeon::{Hydrate, Reconcile, Text};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};

use crate::{
    ids::{FeedbackId, ReviewId, VersionId},
    items::Items,
    locale::Lang,
    stored_string::stored_as_string,
    zone::Zone,
};

/// What a review decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Approved,
    ApprovedWithCorrections,
    NeedsWork,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [
        Self::Approved,
        Self::ApprovedWithCorrections,
        Self::NeedsWork,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::ApprovedWithCorrections => "approved_with_corrections",
            Self::NeedsWork => "needs_work",
        }
    }

    pub fn words(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, Self::Approved) => "Approved",
            (Lang::En, Self::ApprovedWithCorrections) => "Approved with corrections",
            (Lang::En, Self::NeedsWork) => "Needs work",
            (Lang::Ru, Self::Approved) => "Согласовано",
            (Lang::Ru, Self::ApprovedWithCorrections) => "Согласовано с правками",
            (Lang::Ru, Self::NeedsWork) => "Нужна доработка",
        }
    }

    /// Whether the version may go out (with corrections made, for the second).
    pub fn approves(self) -> bool {
        self != Self::NeedsWork
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a review outcome")]
pub struct OutcomeParseError(pub String);

impl FromStr for Outcome {
    type Err = OutcomeParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| OutcomeParseError(s.to_owned()))
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

stored_as_string!(Outcome, "a review outcome");

/// How the creator answered a feedback item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Answer {
    #[default]
    Open,
    Done,
    Discussed,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Self::Open, Self::Done, Self::Discussed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
            Self::Discussed => "discussed",
        }
    }

    pub fn words(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, Self::Open) => "Open",
            (Lang::En, Self::Done) => "Done",
            (Lang::En, Self::Discussed) => "Discussed",
            (Lang::Ru, Self::Open) => "Открыто",
            (Lang::Ru, Self::Done) => "Сделано",
            (Lang::Ru, Self::Discussed) => "Обсудили",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an answer")]
pub struct AnswerParseError(pub String);

impl FromStr for Answer {
    type Err = AnswerParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| AnswerParseError(s.to_owned()))
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

stored_as_string!(Answer, "an answer to feedback");

/// One point of a review.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Feedback {
    pub text: Text,
    /// Must be fixed before it goes out (otherwise nice to have).
    pub must_fix: bool,
    pub answer: Answer,
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

crate::items::removable!(Feedback);

/// One person's review of a version.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct DraftReview {
    pub outcome: Outcome,
    pub by: String,
    pub side: String,
    pub at_ms: i64,
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub feedback: Items<FeedbackId, Feedback>,
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

crate::items::removable!(DraftReview);

/// One submitted draft.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct DraftVersion {
    /// A link to the draft file or the post's preview.
    pub link: Text,
    /// The post's text as it would go out.
    pub caption: Text,
    pub by: String,
    pub side: String,
    pub at_ms: i64,
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub reviews: Items<ReviewId, DraftReview>,
    /// When the review clock ran out with no review and the SOW approves by silence.
    #[autosurgeon(missing = "Default::default")]
    pub auto_approved_ms: Option<i64>,
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

crate::items::removable!(DraftVersion);

/// Where a version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionState {
    /// Waiting for a review.
    Pending,
    /// Approved by silence when the clock ran out.
    AutoApproved,
    /// Reviewed: the strictest outcome of its reviews (needs work over corrections over
    /// approved), so two reviews that merge never hide a "needs work".
    Reviewed(Outcome),
}

impl DraftVersion {
    pub fn state(&self) -> VersionState {
        let strictest = self.reviews.values().map(|r| r.outcome).max();
        match (strictest, self.auto_approved_ms) {
            (Some(o), _) => VersionState::Reviewed(o),
            (None, Some(_)) => VersionState::AutoApproved,
            (None, None) => VersionState::Pending,
        }
    }

    /// Whether it may go out.
    pub fn approved(&self) -> bool {
        match self.state() {
            VersionState::AutoApproved => true,
            VersionState::Reviewed(o) => o.approves(),
            VersionState::Pending => false,
        }
    }

    /// Must-fix items not answered yet.
    pub fn open_must_fix(&self) -> usize {
        self.reviews
            .values()
            .flat_map(|r| r.feedback.values())
            .filter(|f| f.must_fix && f.answer == Answer::Open)
            .count()
    }
}

/// A version with its number and whether its round is past the SOW's limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Round<'a> {
    pub id: &'a VersionId,
    pub version: &'a DraftVersion,
    /// 1 for the first draft.
    pub number: usize,
    /// Past the SOW's revision rounds: a paid extra.
    pub extra: bool,
}

/// The versions in submission order (then by id, so both sides agree), numbered, each
/// marked extra past `rounds_included`.
pub fn rounds(versions: &Items<VersionId, DraftVersion>, rounds_included: u32) -> Vec<Round<'_>> {
    let mut list: Vec<_> = versions.iter().collect();
    list.sort_by(|(ia, a), (ib, b)| a.at_ms.cmp(&b.at_ms).then_with(|| ia.cmp(ib)));
    list.into_iter()
        .enumerate()
        .map(|(i, (id, version))| Round {
            id,
            version,
            number: i + 1,
            extra: i + 1 > rounds_included as usize,
        })
        .collect()
}

/// When a review of a draft submitted at `submitted` is due: the end of the `days`th
/// business day (Monday to Friday) after the day it was submitted, in the reviewer's
/// `zone` — the first instant of the day after it, as that zone's clocks read it (so a
/// change of the clocks in between moves the instant, not the day).
pub fn review_deadline(submitted: DateTime<Utc>, days: u32, zone: &Zone) -> DateTime<Utc> {
    let mut day = zone.local_date(submitted);
    let mut left = days;
    while left > 0 {
        day = day.succ_opt().unwrap_or(day);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    let next = day.checked_add_days(Days::new(1)).unwrap_or(day);
    start_of(next, zone)
}

/// The first instant of `day` in `zone` (midnight, or the first hour that exists).
fn start_of(day: NaiveDate, zone: &Zone) -> DateTime<Utc> {
    (0..24)
        .find_map(|h| zone.earliest(day.and_hms_opt(h, 0, 0)?))
        .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("an instant")
    }

    fn version(at_ms: i64) -> DraftVersion {
        DraftVersion {
            link: Text::default(),
            caption: Text::default(),
            by: "Маша".into(),
            side: "creator".into(),
            at_ms,
            reviews: Items::default(),
            auto_approved_ms: None,
            removed: false,
        }
    }

    #[test]
    fn a_third_draft_on_a_two_round_sow_is_a_paid_extra() {
        let mut versions = Items::default();
        for (i, at) in [30, 10, 20].into_iter().enumerate() {
            versions.insert(VersionId::from_random([i as u8; 16]), version(at));
        }
        let r = rounds(&versions, 2);
        assert_eq!(
            r.iter()
                .map(|x| (x.version.at_ms, x.number, x.extra))
                .collect::<Vec<_>>(),
            [(10, 1, false), (20, 2, false), (30, 3, true)]
        );
    }

    #[test]
    fn the_review_clock_counts_business_days_in_the_reviewers_zone() {
        let ny = Zone::named("America/New_York").expect("zone");
        let msk = Zone::named("Europe/Moscow").expect("zone");
        // Friday 30 Oct 2026, 10:00 in New York; three business days: Mon 2, Tue 3, Wed 4
        // Nov. The clocks go back on Sunday 1 Nov, so the deadline, midnight at the end of
        // Wednesday in New York, is 05:00 UTC (not 04:00), 08:00 in Moscow.
        let deadline = review_deadline(at("2026-10-30T14:00:00Z"), 3, &ny);
        assert_eq!(deadline.to_rfc3339(), "2026-11-05T05:00:00+00:00");
        assert_eq!(ny.local(deadline).to_string(), "2026-11-05 00:00:00");
        assert_eq!(msk.local(deadline).to_string(), "2026-11-05 08:00:00");
        // Submitted on a Saturday: the clock starts on Monday.
        let weekend = review_deadline(at("2026-11-07T12:00:00Z"), 1, &msk);
        assert_eq!(msk.local(weekend).to_string(), "2026-11-10 00:00:00");
        // The same instant in Moscow is already Friday evening's next day for no one: the
        // reviewer's own calendar decides.
        let late_friday_ny = at("2026-11-07T02:00:00Z"); // Fri 6 Nov 21:00 in New York
        assert_eq!(
            ny.local(review_deadline(late_friday_ny, 1, &ny))
                .to_string(),
            "2026-11-10 00:00:00",
            "Friday in New York: due by the end of Monday"
        );
        assert_eq!(
            msk.local(review_deadline(late_friday_ny, 1, &msk))
                .to_string(),
            "2026-11-10 00:00:00",
            "Saturday in Moscow: due by the end of Monday as well"
        );
    }

    #[test]
    fn the_strictest_review_decides_and_must_fix_items_stay_open_until_answered() {
        let mut v = version(1);
        assert_eq!(v.state(), VersionState::Pending);
        assert!(!v.approved());
        let review = |outcome, must_fix: bool| {
            let mut feedback = Items::default();
            feedback.insert(
                FeedbackId::from_random([7; 16]),
                Feedback {
                    text: "Show the logo earlier".into(),
                    must_fix,
                    answer: Answer::Open,
                    removed: false,
                },
            );
            DraftReview {
                outcome,
                by: "Anna".into(),
                side: "brand".into(),
                at_ms: 2,
                feedback,
                removed: false,
            }
        };
        v.reviews.insert(
            ReviewId::from_random([1; 16]),
            review(Outcome::Approved, false),
        );
        assert!(v.approved());
        v.reviews.insert(
            ReviewId::from_random([2; 16]),
            review(Outcome::ApprovedWithCorrections, true),
        );
        assert_eq!(
            v.state(),
            VersionState::Reviewed(Outcome::ApprovedWithCorrections)
        );
        assert_eq!(v.open_must_fix(), 1);
        v.reviews.insert(
            ReviewId::from_random([3; 16]),
            review(Outcome::NeedsWork, false),
        );
        assert!(
            !v.approved(),
            "a needs-work review is never hidden by a merge"
        );
        let mut silent = version(1);
        silent.auto_approved_ms = Some(5);
        assert_eq!(silent.state(), VersionState::AutoApproved);
        assert!(silent.approved());
    }
}
