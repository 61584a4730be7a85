//! A market: the country whose audience a campaign addresses (ISO 3166-1 alpha-2, e.g. RU, US).

use std::{fmt, str::FromStr};

use crate::stored_string::stored_as_string;

/// A market code: two ASCII capital letters. Parsing trims and upper-cases, so "ru " is RU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Market([u8; 2]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a market code: use two letters, such as RU or US")]
pub struct MarketParseError(pub String);

impl Market {
    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl FromStr for Market {
    type Err = MarketParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = s.trim().to_ascii_uppercase();
        match code.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Ok(Market([*a, *b])),
            _ => Err(MarketParseError(s.to_owned())),
        }
    }
}

impl fmt::Display for Market {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

stored_as_string!(Market, "a two-letter market code");

/// Parses a list such as "RU, US" or "ru us" into distinct markets, in the order given.
pub fn parse_market_list(s: &str) -> Result<Vec<Market>, MarketParseError> {
    let mut markets = Vec::new();
    for part in s.split(|c: char| c == ',' || c.is_whitespace()) {
        if part.is_empty() {
            continue;
        }
        let market: Market = part.parse()?;
        if !markets.contains(&market) {
            markets.push(market);
        }
    }
    Ok(markets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_case_insensitively() {
        assert_eq!(
            "ru".parse::<Market>().map(|m| m.to_string()),
            Ok("RU".into())
        );
        assert_eq!(
            " US ".parse::<Market>().map(|m| m.to_string()),
            Ok("US".into())
        );
    }

    #[test]
    fn rejects_anything_else() {
        for bad in ["", "R", "RUS", "R1", "РУ", "U S"] {
            assert!(bad.parse::<Market>().is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn list_parsing_dedupes_and_keeps_order() {
        let list = parse_market_list("us, RU  us,ru").expect("valid list");
        let codes: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(codes, ["US", "RU"]);
        assert!(parse_market_list("RU, Moscow").is_err());
    }
}
