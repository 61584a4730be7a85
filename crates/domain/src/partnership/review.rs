//! Quarterly business reviews: their texts, budget, risks and action items.

use autosurgeon::Text;

use super::{Partnership, set_text};
use crate::{
    day::Day,
    ids::ActionId,
    locale::Lang,
    money::Money,
    qbr::ReviewItemId,
    quarter::{QuarterId, UnknownQuarter},
};

/// Why a review command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Quarter(#[from] UnknownQuarter),
    #[error("a risk or an action item needs a description")]
    MissingText,
    #[error("that item no longer exists (someone may have removed it)")]
    UnknownItem,
}

impl ReviewError {
    /// In words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (_, Self::Quarter(e)) => e.describe(lang),
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::MissingText) => "опишите риск или действие".into(),
            (Lang::Ru, Self::UnknownItem) => super::GONE_RU.into(),
        }
    }
}

impl Partnership {
    fn qbr_mut(&mut self, quarter: QuarterId) -> Result<&mut crate::qbr::Qbr, ReviewError> {
        if !self.quarters.contains_key(&quarter) {
            return Err(UnknownQuarter(quarter).into());
        }
        Ok(self.qbrs.entry(quarter).or_default())
    }

    pub fn set_review_meeting(
        &mut self,
        quarter: QuarterId,
        at: Option<crate::qbr::MeetingAt>,
    ) -> Result<(), ReviewError> {
        self.qbr_mut(quarter)?.meeting = at;
        Ok(())
    }

    pub fn set_qbr_text(
        &mut self,
        quarter: QuarterId,
        field: crate::qbr::QbrText,
        value: &str,
    ) -> Result<(), ReviewError> {
        set_text(self.qbr_mut(quarter)?.text_mut(field), value);
        Ok(())
    }

    pub fn set_qbr_budget(
        &mut self,
        quarter: QuarterId,
        budget: Option<Money>,
    ) -> Result<(), ReviewError> {
        self.qbr_mut(quarter)?.budget = budget;
        Ok(())
    }

    /// Adds a risk or an action item (by the kind of `item`): text, owner, due date.
    pub fn add_review_item(
        &mut self,
        quarter: QuarterId,
        item: ReviewItemId,
        text: &str,
        owner: &str,
        due: Option<Day>,
    ) -> Result<(), ReviewError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ReviewError::MissingText);
        }
        let qbr = self.qbr_mut(quarter)?;
        match item {
            ReviewItemId::Action(id) => {
                qbr.actions.insert(
                    id,
                    crate::qbr::ActionItem {
                        removed: false,
                        text: Text::with_value(text),
                        owner: Text::with_value(owner.trim()),
                        due,
                        done: false,
                    },
                );
            }
            ReviewItemId::Risk(id) => {
                qbr.risks.insert(
                    id,
                    crate::qbr::Risk {
                        removed: false,
                        text: Text::with_value(text),
                        owner: Text::with_value(owner.trim()),
                        due,
                    },
                );
            }
        }
        Ok(())
    }

    pub fn set_action_done(
        &mut self,
        quarter: QuarterId,
        id: &ActionId,
        done: bool,
    ) -> Result<(), ReviewError> {
        let item = self
            .qbr_mut(quarter)?
            .actions
            .get_mut(id)
            .ok_or(ReviewError::UnknownItem)?;
        item.done = done;
        Ok(())
    }
}
