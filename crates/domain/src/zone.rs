//! IANA time zones without shipping the time-zone database to the browser.
//!
//! The planner needs two things of a zone: whether a name is one, and the offset from UTC
//! in force at an instant. Everything else — a local time to UTC across the spring gap
//! and the autumn overlap, the local date of an instant — is worked out here from those
//! offsets, once, for every platform.
//!
//! Natively the offsets come from `chrono-tz`. In the browser app they come from the
//! browser's own `Intl` (the app installs them with [`install`] before anything reads a
//! zone), so `chrono-tz`'s tables (~800 KB of the wasm's data) are not downloaded; a
//! browser test (`tests/zones.rs` of the app) proves both give the same offsets and the
//! same meeting plan for the planner's zones across the 2027 clock changes.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

/// A time-zone database: the offset (seconds east of UTC) in force in zone `name` at
/// `utc`, or `None` if `name` is not a zone it knows.
pub type OffsetAt = fn(name: &str, utc: DateTime<Utc>) -> Option<i32>;

static INSTALLED: OnceLock<OffsetAt> = OnceLock::new();

/// Makes `offset_at` the database every [`Zone`] uses (the browser app's `Intl`). The
/// first call wins; natively `chrono-tz` is used when nothing was installed.
pub fn install(offset_at: OffsetAt) {
    let _ = INSTALLED.set(offset_at);
}

fn database() -> OffsetAt {
    *INSTALLED.get_or_init(|| {
        #[cfg(not(target_arch = "wasm32"))]
        {
            chrono_tz_offset_at
        }
        #[cfg(target_arch = "wasm32")]
        {
            utc_only
        }
    })
}

/// What a browser build knows if the app installed nothing: UTC.
#[cfg(target_arch = "wasm32")]
fn utc_only(name: &str, _: DateTime<Utc>) -> Option<i32> {
    (name == "UTC").then_some(0)
}

/// `chrono-tz`'s offsets (native code and tests).
#[cfg(not(target_arch = "wasm32"))]
pub fn chrono_tz_offset_at(name: &str, utc: DateTime<Utc>) -> Option<i32> {
    use chrono::{Offset, TimeZone};
    let tz: chrono_tz::Tz = name.parse().ok()?;
    Some(
        tz.offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}

/// A zone that the installed database knows, by its IANA name.
#[derive(Clone)]
pub struct Zone {
    name: Arc<str>,
    offset_at: OffsetAt,
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Zone").field(&self.name).finish()
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl Zone {
    /// The zone called `name` (an IANA name such as `Europe/Moscow`, or `UTC`), if the
    /// installed database knows it.
    pub fn named(name: &str) -> Option<Zone> {
        Zone::with_database(name, database())
    }

    /// The zone called `name` in a given database (tests compare two databases).
    pub fn with_database(name: &str, offset_at: OffsetAt) -> Option<Zone> {
        let name = name.trim();
        // IANA names start with a letter; "+03:00" is an offset, not a zone (some `Intl`
        // versions accept it, chrono-tz does not).
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        offset_at(name, DateTime::UNIX_EPOCH)?;
        Some(Zone {
            name: name.into(),
            offset_at,
        })
    }

    pub fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            offset_at: |_, _| Some(0),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Seconds east of UTC in force at `utc`.
    pub fn offset_at(&self, utc: DateTime<Utc>) -> i32 {
        (self.offset_at)(&self.name, utc).unwrap_or(0)
    }

    /// The wall-clock time in this zone at `utc`.
    pub fn local(&self, utc: DateTime<Utc>) -> NaiveDateTime {
        utc.naive_utc() + Duration::seconds(i64::from(self.offset_at(utc)))
    }

    pub fn local_date(&self, utc: DateTime<Utc>) -> NaiveDate {
        self.local(utc).date()
    }

    /// The first instant at which this zone's clocks read `local`: of two in the hour the
    /// clocks go back, the earlier; none in the hour they skip forward.
    pub fn earliest(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        // The offsets in force a day either side cover any one change of the clocks; an
        // offset is a reading of `local` if the instant it gives has that offset.
        let as_utc = local.and_utc();
        let mut candidates = [Duration::days(-1), Duration::days(1)]
            .map(|d| self.offset_at(as_utc + d))
            .into_iter()
            .filter_map(|offset| {
                let utc = as_utc - Duration::seconds(i64::from(offset));
                (self.offset_at(utc) == offset).then_some(utc)
            })
            .collect::<Vec<_>>();
        candidates.sort();
        candidates.first().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const ZONES: [&str; 8] = [
        "Europe/Moscow",
        "America/New_York",
        "America/Los_Angeles",
        "Europe/London",
        "Australia/Lord_Howe", // a half-hour change
        "Pacific/Apia",        // skipped a whole day in 2011
        "Asia/Kolkata",
        "UTC",
    ];

    #[test]
    fn names_are_zones_or_refused() {
        assert!(Zone::named("Europe/Moscow").is_some());
        assert!(Zone::named(" America/New_York ").is_some());
        assert!(Zone::named("Mars/Olympus").is_none());
        assert!(Zone::named("+03:00").is_none());
        assert!(Zone::named("").is_none());
    }

    #[test]
    fn the_spring_gap_has_no_reading_and_the_autumn_hour_two() {
        let ny = Zone::named("America/New_York").expect("zone");
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        assert_eq!(ny.earliest(at("2027-03-14 02:30")), None);
        assert_eq!(
            ny.earliest(at("2027-11-07 01:30")).map(|t| t.to_rfc3339()),
            Some("2027-11-07T05:30:00+00:00".into()),
            "01:30 EDT, the first of the two"
        );
        assert_eq!(
            ny.earliest(at("2027-07-01 09:00")).map(|t| t.to_rfc3339()),
            Some("2027-07-01T13:00:00+00:00".into())
        );
    }

    proptest! {
        /// Local → UTC from offsets alone agrees with chrono-tz's own rules, gaps and
        /// overlaps included, at any minute of 1990–2040.
        #[test]
        fn readings_agree_with_chrono_tz(zone in 0..ZONES.len(), minute in 0i64..(50 * 366 * 24 * 60)) {
            let name = ZONES[zone];
            let local = NaiveDate::from_ymd_opt(1990, 1, 1).expect("date").and_hms_opt(0, 0, 0).expect("time")
                + Duration::minutes(minute);
            let tz: chrono_tz::Tz = name.parse().expect("zone");
            let ours = Zone::named(name).expect("zone");
            prop_assert_eq!(
                ours.earliest(local),
                tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
            );
            let utc = local.and_utc();
            prop_assert_eq!(ours.local(utc), utc.with_timezone(&tz).naive_local());
        }
    }

    #[test]
    fn every_clock_change_of_2027_agrees_with_chrono_tz() {
        for name in ZONES {
            let tz: chrono_tz::Tz = name.parse().expect("zone");
            let ours = Zone::named(name).expect("zone");
            let start = NaiveDate::from_ymd_opt(2027, 1, 1)
                .expect("date")
                .and_hms_opt(0, 0, 0)
                .expect("time");
            for quarter_hour in 0..(365 * 24 * 4) {
                let local = start + Duration::minutes(15 * quarter_hour);
                assert_eq!(
                    ours.earliest(local),
                    tz.from_local_datetime(&local)
                        .earliest()
                        .map(|t| t.with_timezone(&Utc)),
                    "{name} {local}"
                );
            }
        }
    }
}
