//! The payments ledger: what the brand owes the creator, when, and whether it was paid.
//!
//! Each quarter's SOW states a compensation, a split ("50% on signing, 50% after the last
//! post") and terms ("net 30", "end of month + 30"). [`plan`] turns those into payments
//! with amounts and due dates; after that each payment is its own record both sides edit
//! (status expected → invoiced → paid, the payment date, the reference of a transfer made
//! outside any platform, the rate when paid in another currency, the documents each side
//! must hold). A payment is late from the day after its due date until it is paid.
//! Totals are kept per currency and never added across currencies.

use std::{collections::BTreeMap, fmt, str::FromStr};

use autosurgeon::{Hydrate, Reconcile, Text};
use chrono::{Datelike, Days, NaiveDate};

use crate::{
    day::Day,
    locale::Lang,
    money::{Currency, Money},
    order_key::OrderKey,
    quarter::QuarterId,
    sow::Conversion,
    stored_string::stored_as_string,
};

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub enum PaymentStatus {
    #[default]
    Expected,
    Invoiced,
    Paid,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 3] = [Self::Expected, Self::Invoiced, Self::Paid];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expected => "expected",
            Self::Invoiced => "invoiced",
            Self::Paid => "paid",
        }
    }

    pub fn words(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, Self::Expected) => "Expected",
            (Lang::En, Self::Invoiced) => "Invoiced",
            (Lang::En, Self::Paid) => "Paid",
            (Lang::Ru, Self::Expected) => "Ожидается",
            (Lang::Ru, Self::Invoiced) => "Счёт выставлен",
            (Lang::Ru, Self::Paid) => "Оплачен",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a payment status")]
pub struct PaymentStatusParseError(pub String);

impl FromStr for PaymentStatus {
    type Err = PaymentStatusParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| PaymentStatusParseError(s.to_owned()))
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

stored_as_string!(PaymentStatus, "a payment status");

/// How the creator is paid, which decides the documents each payment needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum TaxStatus {
    /// Not stated yet.
    #[default]
    Unknown,
    /// A Russian self-employed person (НПД): a receipt («чек НПД») for each payment.
    RuSelfEmployed,
    /// A Russian sole proprietor or company: an act of services for each payment.
    RuBusiness,
    /// A US person: a W-9 on file before US payments.
    UsPerson,
    /// A foreign person paid by a US payer: a W-8BEN on file.
    Foreign,
}

impl TaxStatus {
    pub const ALL: [TaxStatus; 5] = [
        Self::Unknown,
        Self::RuSelfEmployed,
        Self::RuBusiness,
        Self::UsPerson,
        Self::Foreign,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::RuSelfEmployed => "ru_self_employed",
            Self::RuBusiness => "ru_business",
            Self::UsPerson => "us_person",
            Self::Foreign => "foreign",
        }
    }

    pub fn words(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, Self::Unknown) => "Not stated",
            (Lang::En, Self::RuSelfEmployed) => "Russia: self-employed (NPD)",
            (Lang::En, Self::RuBusiness) => "Russia: sole proprietor or company",
            (Lang::En, Self::UsPerson) => "US person (W-9)",
            (Lang::En, Self::Foreign) => "Foreign person paid from the US (W-8BEN)",
            (Lang::Ru, Self::Unknown) => "Не указан",
            (Lang::Ru, Self::RuSelfEmployed) => "Россия: самозанятый (НПД)",
            (Lang::Ru, Self::RuBusiness) => "Россия: ИП или компания",
            (Lang::Ru, Self::UsPerson) => "Налоговый резидент США (W-9)",
            (Lang::Ru, Self::Foreign) => "Иностранное лицо, оплата из США (W-8BEN)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a tax status")]
pub struct TaxStatusParseError(pub String);

impl FromStr for TaxStatus {
    type Err = TaxStatusParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| TaxStatusParseError(s.to_owned()))
    }
}

impl fmt::Display for TaxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

stored_as_string!(TaxStatus, "a tax status");

/// A document one side must hold for a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaymentDocument {
    /// The self-employed creator's receipt for this payment («чек НПД»).
    NpdReceipt,
    /// The act of services signed for this payment («акт оказанных услуг»).
    Act,
    /// The creator's W-9 on the brand's file.
    W9,
    /// The creator's W-8BEN on the brand's file.
    W8Ben,
}

impl PaymentDocument {
    pub const ALL: [PaymentDocument; 4] = [Self::NpdReceipt, Self::Act, Self::W9, Self::W8Ben];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NpdReceipt => "npd_receipt",
            Self::Act => "act",
            Self::W9 => "w9",
            Self::W8Ben => "w8ben",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// The document in words, with who holds it.
    pub fn words(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, Self::NpdReceipt) => "Self-employed receipt («чек НПД») from the creator",
            (Lang::En, Self::Act) => "Act of services signed by both sides",
            (Lang::En, Self::W9) => "Creator's W-9 on the brand's file",
            (Lang::En, Self::W8Ben) => "Creator's W-8BEN on the brand's file",
            (Lang::Ru, Self::NpdReceipt) => "Чек НПД от автора",
            (Lang::Ru, Self::Act) => "Акт оказанных услуг, подписанный сторонами",
            (Lang::Ru, Self::W9) => "Форма W-9 автора у бренда",
            (Lang::Ru, Self::W8Ben) => "Форма W-8BEN автора у бренда",
        }
    }
}

/// The documents a payment in `currency` to a creator of status `tax` needs: a receipt
/// for each payment to a Russian self-employed creator, an act for a Russian business,
/// a W-9 or W-8BEN for a payment in dollars.
pub fn required_documents(tax: TaxStatus, currency: Currency) -> Vec<PaymentDocument> {
    let usd = currency.as_str() == "USD";
    match tax {
        TaxStatus::Unknown => Vec::new(),
        TaxStatus::RuSelfEmployed => vec![PaymentDocument::NpdReceipt],
        TaxStatus::RuBusiness => vec![PaymentDocument::Act],
        TaxStatus::UsPerson => vec![PaymentDocument::W9],
        TaxStatus::Foreign if usd => vec![PaymentDocument::W8Ben],
        TaxStatus::Foreign => Vec::new(),
    }
}

/// One payment of the ledger.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Payment {
    /// What it is for ("50% on signing").
    pub label: Text,
    /// The quarter whose SOW it pays (none: outside any SOW).
    #[autosurgeon(missing = "Default::default")]
    pub quarter: Option<QuarterId>,
    #[autosurgeon(missing = "Default::default")]
    pub amount: Option<Money>,
    #[autosurgeon(missing = "Default::default")]
    pub due: Option<Day>,
    pub status: PaymentStatus,
    #[autosurgeon(missing = "Default::default")]
    pub paid_on: Option<Day>,
    /// The reference of a payment made outside any platform (a bank transfer's number).
    pub reference: Text,
    /// When paid in another currency: the rate and its date.
    #[autosurgeon(missing = "Default::default")]
    pub paid_in: Option<Conversion>,
    /// Documents held, by [`PaymentDocument::as_str`] (a map, so both sides ticking
    /// different documents offline merge).
    #[autosurgeon(missing = "Default::default")]
    pub documents: BTreeMap<String, bool>,
    pub order: OrderKey,
    /// Removed, kept so Undo brings back this same item (see `items`).
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

crate::items::removable!(Payment);

impl Payment {
    /// Late on `today`: not paid, and `today` is after the due date.
    pub fn late(&self, today: NaiveDate) -> bool {
        self.status != PaymentStatus::Paid && self.due.is_some_and(|Day(d)| today > d)
    }

    /// Whether the document is ticked as held.
    pub fn holds(&self, doc: PaymentDocument) -> bool {
        self.documents.get(doc.as_str()).copied().unwrap_or(false)
    }

    /// The amount actually paid in the other currency, at the stated rate.
    pub fn paid_amount(&self) -> Option<Money> {
        self.paid_in.as_ref()?.apply(self.amount?)
    }
}

/// How payment terms count from the day a payment becomes payable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terms {
    /// Due `n` days after the event ("net 30").
    Net(u32),
    /// Due `n` days after the end of the event's month ("end of month + 30").
    EndOfMonth(u32),
    /// Due `n` business days (Monday to Friday) after the event ("10 business days").
    BusinessDays(u32),
}

impl Terms {
    /// Reads terms as people write them: "net 30", "Net-45", "30 days", "end of month + 30",
    /// "EOM+30", "10 business days", «30 дней», «10 рабочих дней», «конец месяца + 30».
    /// `None`: no number in it.
    pub fn parse(text: &str) -> Option<Terms> {
        let lower = text.to_lowercase();
        let n: u32 = lower
            .split(|c: char| !c.is_ascii_digit())
            .find(|s| !s.is_empty())
            .and_then(|s| s.parse().ok())
            .filter(|n| *n <= 366)?;
        let eom = [
            "end of month",
            "eom",
            "конец месяца",
            "конца месяца",
            "окончания месяца",
        ]
        .iter()
        .any(|k| lower.contains(k));
        let business = ["business", "working", "рабоч"]
            .iter()
            .any(|k| lower.contains(k));
        Some(if eom {
            Terms::EndOfMonth(n)
        } else if business {
            Terms::BusinessDays(n)
        } else {
            Terms::Net(n)
        })
    }

    /// The due date of a payment payable on `from`.
    pub fn due_from(self, from: NaiveDate) -> Option<NaiveDate> {
        match self {
            Terms::Net(n) => from.checked_add_days(Days::new(u64::from(n))),
            Terms::BusinessDays(n) => {
                let mut day = from;
                let mut left = n;
                while left > 0 {
                    day = day.succ_opt()?;
                    if !matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
                        left -= 1;
                    }
                }
                Some(day)
            }
            Terms::EndOfMonth(n) => {
                let first_next = if from.month() == 12 {
                    NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)?
                } else {
                    NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)?
                };
                first_next
                    .pred_opt()?
                    .checked_add_days(Days::new(u64::from(n)))
            }
        }
    }
}

/// The event a part of the split is paid on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// On signing: the agreement's term start (or the quarter's first day).
    Signing,
    /// After the first deliverable goes live.
    FirstPost,
    /// After the last deliverable goes live.
    LastPost,
    /// At the end of the quarter.
    QuarterEnd,
}

/// One part of a split: its share in percent, what it is paid on, its words.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub percent: f64,
    pub trigger: Trigger,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error(
        "write the split as shares with percent signs, such as “50% on signing, 50% after the last post”"
    )]
    NoShares,
    #[error("the shares add up to {0}%, not 100%")]
    /// The sum, as written in English ("90", "99.5").
    NotWhole(String),
}

impl SplitError {
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::NoShares) => {
                "запишите доли со знаком процента, например «50% при подписании, 50% после последней публикации»".into()
            }
            (Lang::Ru, Self::NotWhole(n)) => {
                format!("доли в сумме дают {}%, а не 100%", n.replace('.', ","))
            }
        }
    }
}

/// Reads a split: parts separated by commas, semicolons, "/" or "+", each with a percent
/// and words saying when ("on signing", "after the last post", «по итогам квартала»).
pub fn parse_split(text: &str) -> Result<Vec<Part>, SplitError> {
    let mut parts = Vec::new();
    for piece in text.split([',', ';', '/', '+', '\n']) {
        let piece = piece.trim();
        let Some(at) = piece.find('%') else { continue };
        let number: String = piece[..at]
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ' ')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .filter(|c| *c != ' ')
            .collect();
        let Ok(percent) = number.parse::<f64>() else {
            continue;
        };
        if !(percent > 0.0 && percent <= 100.0) {
            continue;
        }
        let lower = piece.to_lowercase();
        let has = |keys: &[&str]| keys.iter().any(|k| lower.contains(k));
        let trigger = if has(&["sign", "upfront", "advance", "подпис", "аванс", "предоплат"])
        {
            Trigger::Signing
        } else if has(&["first", "перв"]) {
            Trigger::FirstPost
        } else if has(&["quarter", "квартал"]) {
            Trigger::QuarterEnd
        } else {
            Trigger::LastPost
        };
        parts.push(Part {
            percent,
            trigger,
            label: piece.to_owned(),
        });
    }
    if parts.is_empty() {
        return Err(SplitError::NoShares);
    }
    let total: f64 = parts.iter().map(|p| p.percent).sum();
    if (total - 100.0).abs() > 0.001 {
        return Err(SplitError::NotWhole(format!(
            "{}",
            (total * 100.0).round() / 100.0
        )));
    }
    Ok(parts)
}

/// The amounts of a split of `total`: each part's share rounded to the minor unit, the
/// last part taking what rounding left, so they always sum to `total`.
pub fn split_amounts(total: Money, parts: &[Part]) -> Vec<Money> {
    let mut out = Vec::with_capacity(parts.len());
    let mut given: i64 = 0;
    for (i, part) in parts.iter().enumerate() {
        let minor = if i + 1 == parts.len() {
            total.minor - given
        } else {
            (total.minor as f64 * part.percent / 100.0).round() as i64
        };
        given += minor;
        out.push(Money::new(minor, total.currency));
    }
    out
}

/// Paid, due (not yet late) and late amounts of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub paid: Money,
    pub due: Money,
    pub late: Money,
}

/// The ledger's totals on `today`, one line per currency, never added across currencies.
/// Payments without an amount are left out.
pub fn totals<'a>(
    payments: impl IntoIterator<Item = &'a Payment>,
    today: NaiveDate,
) -> BTreeMap<Currency, Totals> {
    let mut out: BTreeMap<Currency, Totals> = BTreeMap::new();
    for p in payments {
        let Some(amount) = p.amount else { continue };
        let zero = Money::new(0, amount.currency);
        let t = out.entry(amount.currency).or_insert(Totals {
            paid: zero,
            due: zero,
            late: zero,
        });
        let slot = if p.status == PaymentStatus::Paid {
            &mut t.paid
        } else if p.late(today) {
            &mut t.late
        } else {
            &mut t.due
        };
        *slot = slot.checked_add(amount).unwrap_or(*slot);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse::<Day>().expect("day").0
    }

    #[test]
    fn net_and_end_of_month_terms_count_from_the_event() {
        assert_eq!(Terms::parse("net 30"), Some(Terms::Net(30)));
        assert_eq!(Terms::parse("Net-45 days"), Some(Terms::Net(45)));
        assert_eq!(
            Terms::parse("оплата в течение 10 дней"),
            Some(Terms::Net(10))
        );
        assert_eq!(
            Terms::parse("10 business days"),
            Some(Terms::BusinessDays(10))
        );
        assert_eq!(
            Terms::parse("в течение 5 рабочих дней"),
            Some(Terms::BusinessDays(5))
        );
        // Friday 16 Oct 2026 + 5 business days: Mon 19 … Fri 23 Oct.
        assert_eq!(
            Terms::BusinessDays(5).due_from(day("2026-10-16")),
            Some(day("2026-10-23"))
        );
        assert_eq!(
            Terms::parse("end of month + 30"),
            Some(Terms::EndOfMonth(30))
        );
        assert_eq!(Terms::parse("EOM+30"), Some(Terms::EndOfMonth(30)));
        assert_eq!(
            Terms::parse("конец месяца + 15"),
            Some(Terms::EndOfMonth(15))
        );
        assert_eq!(Terms::parse("on receipt"), None);
        assert_eq!(Terms::parse("net 9999"), None, "beyond a year is a typo");
        assert_eq!(
            Terms::Net(30).due_from(day("2026-10-15")),
            Some(day("2026-11-14"))
        );
        assert_eq!(
            Terms::EndOfMonth(30).due_from(day("2026-10-15")),
            Some(day("2026-11-30"))
        );
        assert_eq!(
            Terms::EndOfMonth(0).due_from(day("2026-12-15")),
            Some(day("2026-12-31")),
            "December rolls into the next year"
        );
    }

    #[test]
    fn a_payment_is_late_the_day_after_it_is_due() {
        let mut p = payment(Some(Money::new(100, Currency::RUB)), "2026-11-30");
        assert!(!p.late(day("2026-11-30")), "due today is not late");
        assert!(p.late(day("2026-12-01")));
        p.status = PaymentStatus::Invoiced;
        assert!(p.late(day("2026-12-01")), "invoiced but unpaid is late");
        p.status = PaymentStatus::Paid;
        assert!(!p.late(day("2026-12-01")));
    }

    #[test]
    fn splits_sum_to_the_compensation() {
        let parts = parse_split("50% on signing, 50% after the last post").expect("split");
        assert_eq!(
            parts.iter().map(|p| p.trigger).collect::<Vec<_>>(),
            [Trigger::Signing, Trigger::LastPost]
        );
        let thirds =
            parse_split("33.3% аванс; 33.3% после первой публикации; 33.4% по итогам квартала")
                .expect("thirds");
        assert_eq!(
            thirds.iter().map(|p| p.trigger).collect::<Vec<_>>(),
            [Trigger::Signing, Trigger::FirstPost, Trigger::QuarterEnd]
        );
        let total = Money::new(100_001, Currency::USD);
        let amounts = split_amounts(total, &thirds);
        assert_eq!(amounts.iter().map(|m| m.minor).sum::<i64>(), total.minor);
        assert!(amounts.iter().all(|m| m.currency == Currency::USD));
        assert_eq!(
            parse_split("60% upfront, 30% after"),
            Err(SplitError::NotWhole("90".into()))
        );
        assert_eq!(
            parse_split("half now, half later"),
            Err(SplitError::NoShares)
        );
    }

    #[test]
    fn a_payment_in_another_currency_states_what_was_paid() {
        let mut p = payment(Some(Money::new(100_000, Currency::USD)), "2026-11-30");
        assert_eq!(p.paid_amount(), None);
        p.paid_in = Some(Conversion {
            rate: 81.25,
            rate_date: "2026-11-28".parse().expect("day"),
            to: Currency::RUB,
        });
        assert_eq!(p.paid_amount(), Some(Money::new(8_125_000, Currency::RUB)));
        p.paid_in.as_mut().expect("set").rate = f64::NAN;
        assert_eq!(p.paid_amount(), None, "no usable rate, no amount");
    }

    #[test]
    fn totals_stay_apart_by_currency() {
        let mut rub_paid = payment(Some(Money::new(5_000_000, Currency::RUB)), "2026-11-01");
        rub_paid.status = PaymentStatus::Paid;
        let rub_late = payment(Some(Money::new(2_500_000, Currency::RUB)), "2026-11-30");
        let usd_due = payment(Some(Money::new(100_000, Currency::USD)), "2026-12-20");
        let none = payment(None, "2026-11-01");
        let t = totals([&rub_paid, &rub_late, &usd_due, &none], day("2026-12-01"));
        assert_eq!(t.len(), 2);
        assert_eq!(t[&Currency::RUB].paid.minor, 5_000_000);
        assert_eq!(t[&Currency::RUB].late.minor, 2_500_000);
        assert_eq!(t[&Currency::RUB].due.minor, 0);
        assert_eq!(t[&Currency::USD].due.minor, 100_000);
    }

    #[test]
    fn documents_follow_the_creators_status_and_the_currency() {
        use PaymentDocument::*;
        assert_eq!(
            required_documents(TaxStatus::RuSelfEmployed, Currency::RUB),
            [NpdReceipt]
        );
        assert_eq!(
            required_documents(TaxStatus::RuBusiness, Currency::RUB),
            [Act]
        );
        assert_eq!(required_documents(TaxStatus::UsPerson, Currency::USD), [W9]);
        assert_eq!(
            required_documents(TaxStatus::Foreign, Currency::USD),
            [W8Ben]
        );
        assert!(required_documents(TaxStatus::Foreign, Currency::RUB).is_empty());
        assert!(required_documents(TaxStatus::Unknown, Currency::USD).is_empty());
    }

    fn payment(amount: Option<Money>, due: &str) -> Payment {
        Payment {
            label: "50% on signing".into(),
            quarter: None,
            amount,
            due: Some(due.parse().expect("day")),
            status: PaymentStatus::Expected,
            paid_on: None,
            reference: Text::default(),
            paid_in: None,
            documents: BTreeMap::new(),
            order: OrderKey::first(),
            removed: false,
        }
    }
}
