//! One point of contact per side, with their IANA time zone and working hours, and the
//! meeting plan their hours give over the coming days.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use autosurgeon::{Hydrate, Reconcile, Text};

use crate::meeting::{
    Overlap, Suggestion, WorkingHours, WorkingHoursError, least_bad_slots, overlaps,
};

/// Which side a contact speaks for: the one [`Side`] the relay, the links and the app
/// share.
pub use tandem_sync::api::Side;

/// A side's point of contact.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Contact {
    pub name: Text,
    /// Their role ("Brand manager", "Producer").
    pub role: Text,
    /// Email, Telegram… however they like to be reached.
    pub reach: Text,
    /// IANA zone, such as Europe/Moscow.
    pub zone: String,
    /// Working hours in their own zone, "09:00" to "18:00".
    pub start: String,
    pub end: String,
}

/// What a person fills in for a contact; checked by [`crate::partnership::Partnership::set_contact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDraft {
    pub name: String,
    pub role: String,
    pub reach: String,
    pub zone: String,
    pub start: String,
    pub end: String,
}

impl Contact {
    /// Their working hours, if the zone and times are set and valid.
    pub fn hours(&self) -> Result<WorkingHours, WorkingHoursError> {
        WorkingHours::parse(&self.zone, &self.start, &self.end)
    }
}

/// A day of the meeting plan (a UTC date): when both work, or else the least-bad hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayPlan {
    pub date: NaiveDate,
    pub overlaps: Vec<Overlap>,
    /// Only when there is no overlap that day: the least-bad whole hours, best first.
    pub suggestions: Vec<Suggestion>,
}

/// The plan for `days` days from `from`: each weekday on which at least one of them works.
pub fn meeting_plan(
    a: &WorkingHours,
    b: &WorkingHours,
    from: NaiveDate,
    days: u32,
) -> Vec<DayPlan> {
    (0..i64::from(days))
        .filter_map(|i| from.checked_add_signed(Duration::days(i)))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .map(|date| {
            let overlaps = overlaps(a, b, date, 1);
            let suggestions = if overlaps.is_empty() {
                least_bad_slots(a, b, date, 2)
            } else {
                Vec::new()
            };
            DayPlan {
                date,
                overlaps,
                suggestions,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partnership::{NewPartnership, Partnership, contacts::ContactError};

    fn hours(zone: &str) -> WorkingHours {
        WorkingHours::parse(zone, "09:00", "18:00").expect("valid")
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn minutes(plan: &DayPlan) -> i64 {
        plan.overlaps.iter().map(Overlap::minutes).sum()
    }

    #[test]
    fn the_plan_follows_the_us_clock_change_and_skips_weekends() {
        // US clocks go forward on Sunday 14 March 2027.
        let plan = meeting_plan(
            &hours("Europe/Moscow"),
            &hours("America/New_York"),
            day("2027-03-11"),
            5,
        );
        let dates: Vec<String> = plan.iter().map(|p| p.date.to_string()).collect();
        assert_eq!(dates, vec!["2027-03-11", "2027-03-12", "2027-03-15"]);
        assert_eq!(minutes(&plan[0]), 60, "Thursday before the change");
        assert_eq!(minutes(&plan[1]), 60, "Friday before the change");
        assert_eq!(minutes(&plan[2]), 120, "Monday after the change");
        assert!(plan.iter().all(|p| p.suggestions.is_empty()));
    }

    #[test]
    fn with_no_overlap_it_proposes_the_least_bad_hours() {
        let plan = meeting_plan(
            &hours("Europe/Moscow"),
            &hours("America/Los_Angeles"),
            day("2027-01-12"),
            1,
        );
        assert_eq!(plan.len(), 1);
        assert!(plan[0].overlaps.is_empty());
        assert_eq!(plan[0].suggestions.len(), 2);
        // 17:00 UTC is 20:00 in Moscow (2 h late) and 09:00 in Los Angeles (on time):
        // no hour costs less than two hours outside somebody's day.
        assert!(plan[0].suggestions[0].cost_minutes >= 120);
    }

    #[test]
    fn contacts_are_validated_and_normalised() {
        let mut p = Partnership::new(&NewPartnership {
            brand: "Northwind".into(),
            creator: "Masha".into(),
            markets: vec!["RU".parse().expect("m")],
            first_quarter: "2027-Q1".parse().expect("q"),
            quarters: 1,
        })
        .expect("valid");
        let draft = |name: &str, zone: &str, start: &str| ContactDraft {
            name: name.into(),
            role: "Brand manager".into(),
            reach: "anna@example.com".into(),
            zone: zone.into(),
            start: start.into(),
            end: "18:00".into(),
        };
        assert!(matches!(
            p.set_contact(Side::Brand, &draft(" ", "Europe/Moscow", "09:00")),
            Err(ContactError::MissingName)
        ));
        assert!(matches!(
            p.set_contact(Side::Brand, &draft("Anna", "Mars/Olympus", "09:00")),
            Err(ContactError::Hours(WorkingHoursError::Zone(_)))
        ));
        assert!(matches!(
            p.set_contact(Side::Brand, &draft("Anna", "Europe/Moscow", "19:00")),
            Err(ContactError::Hours(WorkingHoursError::Backwards))
        ));
        p.set_contact(Side::Brand, &draft("Анна", " Europe/Moscow ", "9:30"))
            .expect("valid");
        let c = p.contact(Side::Brand).expect("set");
        assert_eq!(c.zone, "Europe/Moscow");
        assert_eq!(c.start, "09:30");
        assert!(p.both_hours().is_none(), "the creator has no contact yet");
        p.set_contact(Side::Creator, &draft("Masha", "America/New_York", "09:00"))
            .expect("valid");
        assert!(p.both_hours().is_some());
    }
}
