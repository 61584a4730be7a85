//! A calendar day (no time, no zone): campaign windows, due dates.

use std::{fmt, str::FromStr};

use chrono::NaiveDate;

use crate::stored_string::stored_as_string;

/// A calendar date stored as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub NaiveDate);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a date: write it as 2027-03-31")]
pub struct DayParseError(pub String);

impl FromStr for Day {
    type Err = DayParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(Day)
            .map_err(|_| DayParseError(s.to_owned()))
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

stored_as_string!(Day, "a date such as 2027-03-31");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_validates() {
        let d: Day = "2028-02-29".parse().expect("leap day");
        assert_eq!(d.to_string(), "2028-02-29");
        assert!("2027-02-29".parse::<Day>().is_err());
        assert!("31.03.2027".parse::<Day>().is_err());
    }
}
