//! Amounts with their currency. Every amount carries its currency; amounts in different
//! currencies are never added without a stated conversion.

use std::{fmt, str::FromStr};

use autosurgeon::{Hydrate, Reconcile};

use crate::stored_string::stored_as_string;

/// An ISO 4217 currency code (three capital letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a currency code: use three letters, such as RUB or USD")]
pub struct CurrencyParseError(pub String);

impl Currency {
    pub const RUB: Currency = Currency(*b"RUB");
    pub const USD: Currency = Currency(*b"USD");
    pub const EUR: Currency = Currency(*b"EUR");

    /// The currency amounts for `market` are usually written in: the market's own where
    /// Tandem knows it, US dollars otherwise (a field suggests it; a person may change it).
    pub fn of_market(market: crate::market::Market) -> Currency {
        const EURO: [&str; 20] = [
            "AT", "BE", "HR", "CY", "EE", "FI", "FR", "DE", "GR", "IE", "IT", "LV", "LT", "LU",
            "MT", "NL", "PT", "SK", "SI", "ES",
        ];
        let own: &[u8; 3] = match market.as_str() {
            "RU" => b"RUB",
            "US" => b"USD",
            "GB" => b"GBP",
            "KZ" => b"KZT",
            "BY" => b"BYN",
            "AM" => b"AMD",
            "GE" => b"GEL",
            "UZ" => b"UZS",
            "TR" => b"TRY",
            "AE" => b"AED",
            "CA" => b"CAD",
            m if EURO.contains(&m) => b"EUR",
            _ => b"USD",
        };
        Currency(*own)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl FromStr for Currency {
    type Err = CurrencyParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = s.trim().to_ascii_uppercase();
        match code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => {
                Ok(Currency([*a, *b, *c]))
            }
            _ => Err(CurrencyParseError(s.to_owned())),
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

stored_as_string!(Currency, "a three-letter currency code");

/// An amount in minor units (kopecks, cents) of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyParseError {
    #[error("{0:?} is not an amount: write it like 1234.50")]
    Amount(String),
    #[error(transparent)]
    Currency(#[from] CurrencyParseError),
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// Parses an amount as either language writes it (two decimal places at most):
    /// "1234.5", "1 234,50", "1,234.50", "1.234,50", "1234". The decimal separator is the
    /// last "," or "." when one or two digits follow it; any other "," or "." groups
    /// thousands and must be followed by exactly three digits ("1,234" is 1234; "1.234"
    /// and "1,2,3" are refused rather than guessed).
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, MoneyParseError> {
        let err = || MoneyParseError::Amount(amount.to_owned());
        let cleaned: String = amount
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
            .collect();
        let (negative, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        let is_sep = |c: char| c == ',' || c == '.';
        // Where the decimal part starts, if there is one.
        let point = digits.rfind(is_sep).filter(|&p| {
            let after = &digits[p + 1..];
            let sep = &digits[p..=p];
            after.len() <= 2 || (sep == "." && !digits[..p].contains('.'))
        });
        let (whole, frac) = match point {
            Some(p) => (&digits[..p], &digits[p + 1..]),
            None => (digits, ""),
        };
        if whole.is_empty() && frac.is_empty() || frac.len() > 2 {
            return Err(err());
        }
        if !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        // Thousands groups: one separator kind, not the decimal one, groups of three.
        let mut groups = whole.split(is_sep);
        let separators: Vec<char> = whole.chars().filter(|c| is_sep(*c)).collect();
        if let Some(&first) = separators.first() {
            let decimal = point.map(|p| &digits[p..=p]);
            let grouping_ok = separators.iter().all(|c| *c == first)
                && decimal != Some(if first == ',' { "," } else { "." })
                && groups
                    .next()
                    .is_some_and(|g| (1..=3).contains(&g.len()) && !g.starts_with('0'))
                && groups.all(|g| g.len() == 3);
            if !grouping_ok {
                return Err(err());
            }
        }
        let whole: String = whole.chars().filter(|c| !is_sep(*c)).collect();
        if !whole.chars().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| err())?
        };
        let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| err())?;
        let minor = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(err)?;
        Ok(Money::new(if negative { -minor } else { minor }, currency))
    }

    /// The amount as a number of major units (for ratios; never for display of money).
    pub fn major(&self) -> f64 {
        self.minor as f64 / 100.0
    }

    /// Adds amounts of the same currency; `None` if the currencies differ or it overflows.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.minor.checked_add(other.minor))
            .flatten()
            .map(|minor| Money::new(minor, self.currency))
    }
}

impl fmt::Display for Money {
    /// A neutral rendering ("1234.50 RUB"); screens format per locale.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        write!(f, "{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_amounts_written_either_way() {
        let rub = Currency::RUB;
        assert_eq!(Money::parse("1 234,50", rub), Ok(Money::new(123_450, rub)));
        assert_eq!(Money::parse("1234.5", rub), Ok(Money::new(123_450, rub)));
        assert_eq!(Money::parse("99", rub), Ok(Money::new(9_900, rub)));
        assert_eq!(Money::parse("-5.01", rub), Ok(Money::new(-501, rub)));
        for bad in ["", "abc", "1.234", "1..2", "12a", "99999999999999999999"] {
            assert!(Money::parse(bad, rub).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parses_amounts_grouped_as_either_language_writes_them() {
        let usd = Currency::USD;
        let ok = |s: &str, minor: i64| {
            assert_eq!(Money::parse(s, usd), Ok(Money::new(minor, usd)), "{s:?}")
        };
        ok("1,100,000.00", 110_000_000);
        ok("1\u{a0}100\u{a0}000,00", 110_000_000);
        ok("1.100.000,5", 110_000_050);
        ok("1.000.000", 100_000_000);
        ok("1,234", 123_400);
        ok("12,5", 1_250);
        ok("1234.", 123_400);
        ok("-1,000.25", -100_025);
        for bad in [
            // Neither a grouped number nor two decimals: refused, not read as 1.
            "0,001",
            "01,000",
            "1,2,3",
            "1,23,456.00",
            "1.234.5",
            "1,234,5678",
            "12,34,56",
            "1,,000",
            ",",
        ] {
            assert!(Money::parse(bad, usd).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn what_either_language_writes_reads_back() {
        for minor in [
            0,
            5,
            99,
            100,
            123_450,
            100_000_000,
            123_456_789_012,
            -250_075,
        ] {
            let m = Money::new(minor, Currency::RUB);
            for lang in [crate::locale::Lang::En, crate::locale::Lang::Ru] {
                let written = lang.amount(&m);
                assert_eq!(Money::parse(&written, m.currency), Ok(m), "{written:?}");
            }
        }
    }

    #[test]
    fn only_like_currencies_add() {
        let a = Money::new(100, Currency::RUB);
        assert_eq!(a.checked_add(a), Some(Money::new(200, Currency::RUB)));
        assert_eq!(a.checked_add(Money::new(1, Currency::USD)), None);
        assert_eq!(
            Money::new(-123_450, Currency::USD).to_string(),
            "-1234.50 USD"
        );
        assert!("RU".parse::<Currency>().is_err());
    }
}
