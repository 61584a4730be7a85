//! When two people in different time zones can meet: the overlap of their working hours
//! over the coming days, correct across daylight-saving changes, and the least-bad slots
//! when there is no overlap at all.
//!
//! Moscow stays UTC+3 all year; New York moves between UTC−5 and UTC−4. With 9–18 on
//! both sides that is one hour of overlap in US winter and two in US summer; Los Angeles
//! and Moscow never overlap.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};

pub use crate::zone::Zone;

/// Someone's working day: Monday to Friday, `start`–`end` in their own zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingHours {
    pub zone: Zone,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkingHoursError {
    #[error("{0:?} is not an IANA time zone (such as Europe/Moscow or America/New_York)")]
    Zone(String),
    #[error("{0:?} is not a time of day (write it as 09:00)")]
    Time(String),
    #[error("the working day must end after it starts")]
    Backwards,
}

impl WorkingHours {
    pub fn parse(zone: &str, start: &str, end: &str) -> Result<Self, WorkingHoursError> {
        let zone = Zone::named(zone).ok_or_else(|| WorkingHoursError::Zone(zone.to_owned()))?;
        let time = |s: &str| {
            NaiveTime::parse_from_str(s.trim(), "%H:%M")
                .map_err(|_| WorkingHoursError::Time(s.to_owned()))
        };
        let (start, end) = (time(start)?, time(end)?);
        if end <= start {
            return Err(WorkingHoursError::Backwards);
        }
        Ok(WorkingHours { zone, start, end })
    }

    /// This person's working window on their local `date`, in UTC (`None` at weekends, or
    /// if the times do not exist that day).
    fn window(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return None;
        }
        // `earliest` picks the first of two readings of an ambiguous local time (the hour
        // the clocks go back) and skips none: a start inside a spring-forward gap has none.
        let start = self.zone.earliest(date.and_time(self.start))?;
        let end = self.zone.earliest(date.and_time(self.end))?;
        Some((start, end))
    }

    /// Whether `t` falls in this person's working hours, and if not, how many minutes it
    /// is away from them.
    fn minutes_outside(&self, t: DateTime<Utc>) -> i64 {
        let local = self.zone.local_date(t);
        let windows = [local.pred_opt(), Some(local), local.succ_opt()];
        windows
            .into_iter()
            .flatten()
            .filter_map(|d| self.window(d))
            .map(|(s, e)| {
                if t < s {
                    (s - t).num_minutes()
                } else if t >= e {
                    // Working hours are half-open: the end itself is already outside.
                    (t - e).num_minutes().max(1)
                } else {
                    0
                }
            })
            .min()
            .unwrap_or(24 * 60)
    }
}

/// A stretch of time both work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overlap {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Overlap {
    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }
}

/// An hour that is the least bad for both when their days never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion {
    pub start: DateTime<Utc>,
    /// Minutes outside working hours, summed over both people.
    pub cost_minutes: i64,
}

/// Overlaps of `a`'s and `b`'s working hours over `days` days from `from`.
pub fn overlaps(a: &WorkingHours, b: &WorkingHours, from: NaiveDate, days: u32) -> Vec<Overlap> {
    let span = |w: &WorkingHours| -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        // One day either side, so windows that cross midnight UTC are not missed.
        (-1..=i64::from(days))
            .filter_map(|i| from.checked_add_signed(Duration::days(i)))
            .filter_map(|d| w.window(d))
            .collect()
    };
    let (wa, wb) = (span(a), span(b));
    let start_of_range = Utc.from_utc_datetime(&from.and_time(NaiveTime::MIN));
    let end_of_range = start_of_range + Duration::days(i64::from(days));
    let mut out: Vec<Overlap> = wa
        .iter()
        .flat_map(|x| wb.iter().map(move |y| (x, y)))
        .filter_map(|((s1, e1), (s2, e2))| {
            let (s, e) = ((*s1).max(*s2), (*e1).min(*e2));
            (s < e && s >= start_of_range && s < end_of_range)
                .then_some(Overlap { start: s, end: e })
        })
        .collect();
    out.sort_by_key(|o| o.start);
    out.dedup();
    out
}

/// The `count` least-bad whole hours (UTC, on the hour) on `date` for a call between `a`
/// and `b`, cheapest first.
pub fn least_bad_slots(
    a: &WorkingHours,
    b: &WorkingHours,
    date: NaiveDate,
    count: usize,
) -> Vec<Suggestion> {
    let midnight = Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN));
    let mut slots: Vec<Suggestion> = (0..24)
        .map(|h| midnight + Duration::hours(h))
        .map(|start| {
            let mid = start + Duration::minutes(30);
            Suggestion {
                start,
                cost_minutes: a.minutes_outside(mid) + b.minutes_outside(mid),
            }
        })
        .collect();
    slots.sort_by_key(|s| (s.cost_minutes, s.start));
    slots.truncate(count);
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nine_to_six(zone: &str) -> WorkingHours {
        WorkingHours::parse(zone, "09:00", "18:00").expect("valid")
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn overlap_minutes(a: &str, b: &str, date: &str) -> i64 {
        overlaps(&nine_to_six(a), &nine_to_six(b), day(date), 1)
            .iter()
            .map(Overlap::minutes)
            .sum()
    }

    #[test]
    fn moscow_and_new_york_overlap_one_hour_in_us_winter_two_in_summer() {
        assert_eq!(
            overlap_minutes("Europe/Moscow", "America/New_York", "2027-01-12"),
            60
        );
        assert_eq!(
            overlap_minutes("Europe/Moscow", "America/New_York", "2027-07-13"),
            120
        );
        // The order of the two people does not matter.
        assert_eq!(
            overlap_minutes("America/New_York", "Europe/Moscow", "2027-07-13"),
            120
        );
    }

    #[test]
    fn the_overlap_changes_exactly_at_the_us_clock_changes() {
        // US clocks go forward on Sunday 14 March 2027 and back on Sunday 7 November 2027.
        assert_eq!(
            overlap_minutes("Europe/Moscow", "America/New_York", "2027-03-12"),
            60
        );
        assert_eq!(
            overlap_minutes("Europe/Moscow", "America/New_York", "2027-03-15"),
            120
        );
        assert_eq!(
            overlap_minutes("Europe/Moscow", "America/New_York", "2027-11-05"),
            120
        );
        assert_eq!(
            overlap_minutes("Europe/Moscow", "America/New_York", "2027-11-08"),
            60
        );
        let overlap = overlaps(
            &nine_to_six("Europe/Moscow"),
            &nine_to_six("America/New_York"),
            day("2027-03-15"),
            1,
        );
        assert_eq!(
            overlap[0].start.to_rfc3339(),
            "2027-03-15T13:00:00+00:00",
            "09:00 in New York (EDT)"
        );
    }

    #[test]
    fn weekends_have_no_overlap_and_a_fortnight_has_ten_meetings() {
        assert_eq!(
            overlap_minutes("Europe/Moscow", "America/New_York", "2027-01-16"),
            0
        );
        let two_weeks = overlaps(
            &nine_to_six("Europe/Moscow"),
            &nine_to_six("America/New_York"),
            day("2027-01-11"),
            14,
        );
        assert_eq!(two_weeks.len(), 10);
    }

    #[test]
    fn los_angeles_and_moscow_never_overlap_so_the_least_bad_slots_are_proposed() {
        let (msk, la) = (
            nine_to_six("Europe/Moscow"),
            nine_to_six("America/Los_Angeles"),
        );
        assert!(overlaps(&msk, &la, day("2027-01-11"), 7).is_empty());
        let slots = least_bad_slots(&msk, &la, day("2027-01-12"), 3);
        assert_eq!(slots.len(), 3);
        assert!(slots[0].cost_minutes > 0, "there is no free hour");
        // The best hours sit at the edges of both days: the Moscow evening is the
        // Los Angeles early morning (07:00–08:00 PST is 18:00–19:00 MSK).
        let best = msk.zone.local(slots[0].start);
        assert!((17..=20).contains(&chrono::Timelike::hour(&best)), "{best}");
        assert!(
            slots
                .windows(2)
                .all(|w| w[0].cost_minutes <= w[1].cost_minutes)
        );
    }

    #[test]
    fn bad_input_is_refused_in_words() {
        assert_eq!(
            WorkingHours::parse("Mars/Olympus", "09:00", "18:00").err(),
            Some(WorkingHoursError::Zone("Mars/Olympus".into()))
        );
        assert!(matches!(
            WorkingHours::parse("Europe/Moscow", "9am", "18:00"),
            Err(WorkingHoursError::Time(_))
        ));
        assert_eq!(
            WorkingHours::parse("Europe/Moscow", "18:00", "09:00").err(),
            Some(WorkingHoursError::Backwards)
        );
    }
}
