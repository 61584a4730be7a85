//! The check-in log, its cadence and the relationship's health.

use super::Partnership;
use crate::{ids::CheckInId, locale::Lang};

/// Why a check-in command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckInError {
    #[error("a check-in cadence is 1 to 120 days")]
    Cadence,
    #[error("a check-in needs its date")]
    Date,
    #[error("a check-in needs a summary of what was discussed")]
    Summary,
}

impl CheckInError {
    /// In words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::Cadence) => "встречи — раз в 1–120 дней".into(),
            (Lang::Ru, Self::Date) => "у встречи должна быть дата".into(),
            (Lang::Ru, Self::Summary) => "опишите, что обсудили".into(),
        }
    }
}

impl Partnership {
    pub fn cadence(&self) -> u32 {
        self.cadence_days
            .unwrap_or(crate::checkin::DEFAULT_CADENCE_DAYS)
    }

    pub fn set_cadence(&mut self, days: u32) -> Result<(), CheckInError> {
        if !(1..=120).contains(&days) {
            return Err(CheckInError::Cadence);
        }
        self.cadence_days = Some(days);
        Ok(())
    }

    pub fn log_checkin(
        &mut self,
        id: CheckInId,
        checkin: crate::checkin::CheckIn,
    ) -> Result<(), CheckInError> {
        if checkin.date.is_none() {
            return Err(CheckInError::Date);
        }
        if checkin.summary.as_str().trim().is_empty() {
            return Err(CheckInError::Summary);
        }
        self.checkins.insert(id, checkin);
        Ok(())
    }

    pub fn remove_checkin(&mut self, id: &CheckInId) {
        self.checkins.remove(id);
    }

    /// The relationship's health on `today`.
    pub fn health(&self, today: chrono::NaiveDate) -> crate::checkin::Health {
        crate::checkin::health(
            self.checkins.values().filter_map(|c| c.date.map(|d| d.0)),
            self.cadence(),
            today,
        )
    }
}
