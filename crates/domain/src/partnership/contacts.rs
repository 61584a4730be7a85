//! Each side's point of contact, with their zone and working hours.

use super::Partnership;
use crate::{
    contact::{Contact, ContactDraft, Side},
    locale::Lang,
    meeting::{WorkingHours, WorkingHoursError},
};

/// Why a point of contact was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("a point of contact needs a name")]
    MissingName,
    #[error(transparent)]
    Hours(#[from] WorkingHoursError),
}

impl ContactError {
    /// In words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        use WorkingHoursError as H;
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::MissingName) => "у контактного лица должно быть имя".into(),
            (Lang::Ru, Self::Hours(H::Zone(z))) => format!(
                "«{z}» — не часовой пояс IANA: пишите как Europe/Moscow или America/New_York"
            ),
            (Lang::Ru, Self::Hours(H::Time(t))) => {
                format!("«{t}» — не время суток: пишите как 09:00")
            }
            (Lang::Ru, Self::Hours(H::Backwards)) => {
                "рабочий день должен заканчиваться позже, чем начинается".into()
            }
        }
    }
}

impl Partnership {
    pub fn contact(&self, side: Side) -> Option<&Contact> {
        self.contacts.get(side.as_str())
    }

    /// Sets a side's point of contact; the zone and hours must be valid.
    pub fn set_contact(&mut self, side: Side, draft: &ContactDraft) -> Result<(), ContactError> {
        let name = draft.name.trim();
        if name.is_empty() {
            return Err(ContactError::MissingName);
        }
        let hours = WorkingHours::parse(&draft.zone, &draft.start, &draft.end)?;
        let c = self.contacts.entry(side.as_str().to_owned()).or_default();
        for (field, value) in [
            (&mut c.name, name),
            (&mut c.role, draft.role.trim()),
            (&mut c.reach, draft.reach.trim()),
        ] {
            if field.as_str() != value {
                field.update(value);
            }
        }
        c.zone = hours.zone.name().to_owned();
        c.start = hours.start.format("%H:%M").to_string();
        c.end = hours.end.format("%H:%M").to_string();
        Ok(())
    }

    /// Both contacts' working hours, when both are set.
    pub fn both_hours(&self) -> Option<(WorkingHours, WorkingHours)> {
        let a = self.contact(Side::Brand)?.hours().ok()?;
        let b = self.contact(Side::Creator)?.hours().ok()?;
        Some((a, b))
    }
}
