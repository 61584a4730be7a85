//! Why a command was refused: one [`CommandError`] wrapping the small error of the area
//! the command belongs to (see `partnership`'s sub-modules). Nothing is changed when a
//! command fails.

use crate::{
    locale::Lang,
    partnership::{
        checkins::CheckInError, contacts::ContactError, debriefs::DebriefError,
        payments::PaymentError, record::RecordError, review::ReviewError,
        review_rounds::RoundError, roadmap::RoadmapError, wins::WinError,
    },
    quarter::UnknownQuarter,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Roadmap(#[from] RoadmapError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Review(#[from] ReviewError),
    #[error(transparent)]
    CheckIn(#[from] CheckInError),
    #[error(transparent)]
    Win(#[from] WinError),
    #[error(transparent)]
    Contact(#[from] ContactError),
    #[error(transparent)]
    Debrief(#[from] DebriefError),
    #[error(transparent)]
    Payment(#[from] PaymentError),
    #[error(transparent)]
    Round(#[from] RoundError),
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
    #[error(transparent)]
    Note(#[from] crate::partnership::internal_notes::NoteError),
    #[error(transparent)]
    Quarter(#[from] UnknownQuarter),
    /// The item to remove or restore is not there (someone may have removed it).
    #[error("that item no longer exists (someone may have removed it)")]
    Gone,
}

impl CommandError {
    /// In words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Self::Roadmap(e) => e.describe(lang),
            Self::Record(e) => e.describe(lang),
            Self::Review(e) => e.describe(lang),
            Self::CheckIn(e) => e.describe(lang),
            Self::Win(e) => e.describe(lang),
            Self::Contact(e) => e.describe(lang),
            Self::Debrief(e) => e.describe(lang),
            Self::Payment(e) => e.describe(lang),
            Self::Round(e) => e.describe(lang),
            Self::Note(e) => e.describe(lang),
            Self::Registry(e) => e.describe(lang),
            Self::Quarter(e) => e.describe(lang),
            Self::Gone => match lang {
                Lang::En => self.to_string(),
                Lang::Ru => crate::partnership::GONE_RU.into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        campaign::CampaignId,
        ids::{DeliverableId, KpiId},
        market::Market,
        meeting::WorkingHoursError,
        partnership::NewPartnershipError,
        quarter::{EndsBeforeStart, QuarterId},
    };

    #[test]
    fn every_refusal_reads_in_russian() {
        let q: QuarterId = "2027-Q1".parse().expect("q");
        let id = CampaignId::from_random([1; 16]);
        let ru: Market = "RU".parse().expect("m");
        let day = |s: &str| s.parse().expect("day");
        let refusals: Vec<CommandError> = vec![
            UnknownQuarter(q).into(),
            RoadmapError::Quarter(UnknownQuarter(q)).into(),
            RoadmapError::UnknownCampaign(id.clone()).into(),
            RoadmapError::MissingTitle.into(),
            RoadmapError::ForeignMarket(ru).into(),
            RoadmapError::EndsBeforeStart(EndsBeforeStart {
                starts: day("2027-02-01"),
                ends: day("2027-01-01"),
            })
            .into(),
            RecordError::UnknownCampaign(id.clone()).into(),
            RecordError::ForeignMarket(ru).into(),
            RecordError::EndsBeforeStart(EndsBeforeStart {
                starts: day("2027-02-01"),
                ends: day("2027-01-01"),
            })
            .into(),
            RecordError::TermEndsBeforeStart {
                starts: day("2027-02-01"),
                ends: day("2027-01-01"),
            }
            .into(),
            RecordError::UnknownDeliverable(DeliverableId::from_random([2; 16])).into(),
            RecordError::UnknownKpi(KpiId::from_random([3; 16])).into(),
            RecordError::MissingDeliverableFields.into(),
            RecordError::ZeroCount.into(),
            RecordError::NotANumber("the target").into(),
            RecordError::BadRate.into(),
            RecordError::CheckpointMonths.into(),
            WinError::Empty.into(),
            CheckInError::Cadence.into(),
            CheckInError::Date.into(),
            CheckInError::Summary.into(),
            ReviewError::MissingText.into(),
            ReviewError::UnknownItem.into(),
            DebriefError::UnknownCampaign(id).into(),
            DebriefError::MissingIssue.into(),
            ContactError::MissingName.into(),
            ContactError::Hours(WorkingHoursError::Zone("Mars".into())).into(),
            ContactError::Hours(WorkingHoursError::Time("9am".into())).into(),
            ContactError::Hours(WorkingHoursError::Backwards).into(),
            CommandError::Gone,
        ];
        let new = [
            NewPartnershipError::MissingBrand,
            NewPartnershipError::MissingCreator,
            NewPartnershipError::NoMarkets,
            NewPartnershipError::DuplicateMarket(ru),
            NewPartnershipError::QuarterCount(99),
            NewPartnershipError::QuartersOutOfRange,
        ];
        let texts = refusals
            .iter()
            .map(|e| (e.to_string(), e.describe(Lang::Ru)))
            .chain(new.iter().map(|e| (e.to_string(), e.describe(Lang::Ru))));
        for (en, ru) in texts {
            let english = crate::export::tests::english_left(&ru);
            // What the person typed ("Mars", "9am") and zone examples stay as written.
            let english: Vec<_> = english
                .into_iter()
                .filter(|w| {
                    ![
                        "Mars", "9am", "IANA", "Europe", "Moscow", "America", "New", "York",
                    ]
                    .contains(&w.as_str())
                })
                .collect();
            assert!(english.is_empty(), "{en:?} → {ru:?} leaves {english:?}");
            assert_ne!(en, ru);
        }
    }
}
