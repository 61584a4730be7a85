//! The browser's `Intl` time zones (what the app uses, `src/zones.rs`) agree with
//! chrono-tz (what native code and the domain's tests use) on the planner's zones: the
//! offset at every hour of 2027 and every quarter-hour of the days the clocks change, and
//! the meeting plan across the 2027 changes in Russia's and the US's zones.
#![cfg(target_arch = "wasm32")]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tandem_domain::{contact::meeting_plan, meeting::WorkingHours, zone::Zone};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The zones the people tab offers, and a few with unusual rules (a half-hour change, a
/// :30 offset, a :45 offset, Newfoundland's :30 DST).
fn zones() -> impl Iterator<Item = &'static str> {
    tandem::tabs::people_tab::ZONES.into_iter().chain([
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "America/St_Johns",
        "Pacific/Chatham",
    ])
}

fn chrono_tz(name: &str, utc: DateTime<Utc>) -> Option<i32> {
    use chrono::{Offset, TimeZone};
    let tz: chrono_tz::Tz = name.parse().ok()?;
    Some(
        tz.offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}

fn start_of(year: i32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .expect("date")
        .and_hms_opt(0, 0, 0)
        .expect("time")
        .and_utc()
}

#[wasm_bindgen_test]
fn intl_and_chrono_tz_give_the_same_offsets_through_2027() {
    let mut changes = 0;
    for name in zones() {
        let mut previous = None;
        for hour in 0..(365 * 24) {
            let at = start_of(2027) + Duration::hours(hour);
            let intl = tandem::zones::offset_at(name, at);
            assert_eq!(intl, chrono_tz(name, at), "{name} at {at}");
            if previous.is_some_and(|p| Some(p) != intl) {
                changes += 1;
                // The day of a change, quarter-hour by quarter-hour.
                for q in -96..96 {
                    let t = at + Duration::minutes(15 * q);
                    assert_eq!(
                        tandem::zones::offset_at(name, t),
                        chrono_tz(name, t),
                        "{name} at {t}"
                    );
                }
            }
            previous = intl;
        }
    }
    // Europe/London, Berlin, the four US zones, St John's, Lord Howe, Chatham: two each.
    assert_eq!(changes, 18, "the clock changes of 2027 were all looked at");
}

#[wasm_bindgen_test]
fn intl_knows_the_same_names() {
    for name in zones() {
        assert!(
            tandem::zones::offset_at(name, start_of(2027)).is_some(),
            "{name}"
        );
    }
    for name in ["Mars/Olympus", "Europe/Atlantis", "not a zone"] {
        assert_eq!(
            tandem::zones::offset_at(name, start_of(2027)),
            None,
            "{name}"
        );
        assert!(
            Zone::with_database(name, tandem::zones::offset_at).is_none(),
            "{name}"
        );
    }
    assert!(
        Zone::with_database("+03:00", tandem::zones::offset_at).is_none(),
        "an offset is not a zone"
    );
}

#[wasm_bindgen_test]
fn the_meeting_plan_is_the_same_with_either_database_across_the_clock_changes() {
    let hours = |name: &str, db: tandem_domain::zone::OffsetAt| {
        let zone = Zone::with_database(name, db).expect("zone");
        let mut h = WorkingHours::parse("UTC", "09:00", "18:00").expect("hours");
        h.zone = zone;
        h
    };
    let pairs = [
        ("Europe/Moscow", "America/New_York"),
        ("Europe/Moscow", "America/Los_Angeles"),
        ("Asia/Vladivostok", "America/Chicago"),
        ("Europe/Kaliningrad", "Europe/London"),
        ("Asia/Novosibirsk", "America/Denver"),
    ];
    // The weeks around the US and EU changes of March and October/November 2027.
    let weeks = ["2027-03-08", "2027-03-22", "2027-10-25", "2027-11-01"];
    for (a, b) in pairs {
        for week in weeks {
            let from: NaiveDate = week.parse().expect("date");
            let intl = meeting_plan(
                &hours(a, tandem::zones::offset_at),
                &hours(b, tandem::zones::offset_at),
                from,
                14,
            );
            let native = meeting_plan(&hours(a, chrono_tz), &hours(b, chrono_tz), from, 14);
            assert!(!intl.is_empty());
            assert_eq!(intl, native, "{a} and {b} from {week}");
        }
    }
}
