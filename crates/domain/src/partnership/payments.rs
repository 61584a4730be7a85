//! The payments ledger's commands: plan a quarter's payments from its SOW, add and edit
//! one, tick a document, state the creator's tax status.

use std::collections::BTreeMap;

use autosurgeon::Text;
use chrono::NaiveDate;

use super::{Partnership, set_text};
use crate::{
    day::Day,
    ids::PaymentId,
    locale::Lang,
    money::Money,
    order_key::OrderKey,
    payment::{
        Payment, PaymentDocument, PaymentStatus, SplitError, TaxStatus, Terms, Trigger,
        parse_split, split_amounts,
    },
    quarter::{QuarterId, UnknownQuarter},
    sow::Conversion,
};

/// What a person fills in for one payment.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentDraft {
    pub label: String,
    pub quarter: Option<QuarterId>,
    pub amount: Option<Money>,
    pub due: Option<Day>,
    pub status: PaymentStatus,
    pub paid_on: Option<Day>,
    pub reference: String,
    pub paid_in: Option<Conversion>,
}

/// Why a payment command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("a payment needs a few words saying what it is for")]
    MissingLabel,
    #[error("an amount cannot be negative")]
    Negative,
    #[error("a paid payment needs the date it was paid")]
    PaidWithoutDate,
    #[error("the rate must be a positive number")]
    Rate,
    #[error("that payment no longer exists (someone may have removed it)")]
    Unknown,
    #[error("set the {0} compensation first: the payments are its split")]
    NoCompensation(QuarterId),
    #[error("the {0} payment split: {1}")]
    Split(QuarterId, SplitError),
    #[error("the {0} payments are already planned; edit or remove them instead")]
    AlreadyPlanned(QuarterId),
    #[error("give each payment an id")]
    Ids,
    #[error(transparent)]
    Quarter(#[from] UnknownQuarter),
}

impl PaymentError {
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::MissingLabel) => "опишите, за что этот платёж".into(),
            (Lang::Ru, Self::Negative) => "сумма не может быть отрицательной".into(),
            (Lang::Ru, Self::PaidWithoutDate) => "укажите дату оплаты".into(),
            (Lang::Ru, Self::Rate) => "курс должен быть положительным числом".into(),
            (Lang::Ru, Self::Unknown) => super::GONE_RU.into(),
            (Lang::Ru, Self::NoCompensation(q)) => {
                format!("сначала укажите вознаграждение за {q}: платежи — его доли")
            }
            (Lang::Ru, Self::Split(q, e)) => {
                format!("график оплаты {q}: {}", e.describe(Lang::Ru))
            }
            (Lang::Ru, Self::AlreadyPlanned(q)) => {
                format!("платежи за {q} уже запланированы; измените или удалите их")
            }
            (Lang::Ru, Self::Ids) => "у каждого платежа должен быть свой id".into(),
            (Lang::Ru, Self::Quarter(e)) => e.describe(Lang::Ru),
        }
    }
}

impl Partnership {
    /// The day each trigger of `quarter` falls on, as the document holds it.
    fn trigger_day(&self, quarter: QuarterId, trigger: Trigger) -> Option<NaiveDate> {
        let q = self.quarters.get(&quarter)?;
        let lives = || {
            q.sow
                .deliverables
                .values()
                .filter_map(|d| d.live_to.or(d.live_from))
                .map(|Day(d)| d)
        };
        match trigger {
            Trigger::Signing => Some(
                self.agreement
                    .term_start
                    .map(|Day(d)| d)
                    .filter(|d| *d >= quarter.first_day() && *d <= quarter.last_day())
                    .unwrap_or_else(|| quarter.first_day()),
            ),
            Trigger::FirstPost => q
                .sow
                .deliverables
                .values()
                .filter_map(|d| d.live_from)
                .map(|Day(d)| d)
                .min(),
            Trigger::LastPost => lives().max(),
            Trigger::QuarterEnd => Some(quarter.last_day()),
        }
    }

    /// Plans `quarter`'s payments from its SOW: one per share of the split, each for its
    /// share of the compensation (the shares sum to it exactly), due by the SOW's terms
    /// (or the agreement's) counted from the day it becomes payable. A share whose day is
    /// not known yet (no deliverable dated) gets no due date. `ids` names the payments,
    /// one per share (extra ids are unused).
    pub fn plan_payments(
        &mut self,
        quarter: QuarterId,
        ids: &[PaymentId],
    ) -> Result<usize, PaymentError> {
        let q = self.quarter(quarter)?;
        let total = q
            .sow
            .compensation
            .ok_or(PaymentError::NoCompensation(quarter))?;
        if self.payments.values().any(|p| p.quarter == Some(quarter)) {
            return Err(PaymentError::AlreadyPlanned(quarter));
        }
        let parts = parse_split(q.sow.payment_split.as_str())
            .map_err(|e| PaymentError::Split(quarter, e))?;
        if ids.len() < parts.len() {
            return Err(PaymentError::Ids);
        }
        let terms = Terms::parse(q.sow.payment_terms.as_str())
            .or_else(|| Terms::parse(self.agreement.payment_terms.as_str()));
        let amounts = split_amounts(total, &parts);
        let mut last = self.payments.values().map(|p| p.order.clone()).max();
        for ((part, amount), id) in parts.iter().zip(amounts).zip(ids) {
            let payable = self.trigger_day(quarter, part.trigger);
            let due = match (payable, terms) {
                (Some(d), Some(t)) => t.due_from(d),
                (d, None) => d,
                (None, _) => None,
            };
            let order = OrderKey::between(last.as_ref(), None);
            last = Some(order.clone());
            self.payments.insert(
                id.clone(),
                Payment {
                    label: Text::with_value(&part.label),
                    quarter: Some(quarter),
                    amount: Some(amount),
                    due: due.map(Day),
                    status: PaymentStatus::Expected,
                    paid_on: None,
                    reference: Text::default(),
                    paid_in: None,
                    documents: BTreeMap::new(),
                    order,
                    removed: false,
                },
            );
        }
        Ok(parts.len())
    }

    fn validate_payment(&self, d: &PaymentDraft) -> Result<(), PaymentError> {
        if d.label.trim().is_empty() {
            return Err(PaymentError::MissingLabel);
        }
        if d.amount.is_some_and(|m| m.minor < 0) {
            return Err(PaymentError::Negative);
        }
        if d.status == PaymentStatus::Paid && d.paid_on.is_none() {
            return Err(PaymentError::PaidWithoutDate);
        }
        if d.paid_in
            .as_ref()
            .is_some_and(|c| !(c.rate.is_finite() && c.rate > 0.0))
        {
            return Err(PaymentError::Rate);
        }
        if let Some(q) = d.quarter {
            self.quarter(q)?;
        }
        Ok(())
    }

    pub fn add_payment(&mut self, id: PaymentId, d: PaymentDraft) -> Result<(), PaymentError> {
        self.validate_payment(&d)?;
        let last = self.payments.values().map(|p| p.order.clone()).max();
        self.payments.insert(
            id,
            Payment {
                label: Text::with_value(d.label.trim()),
                quarter: d.quarter,
                amount: d.amount,
                due: d.due,
                status: d.status,
                paid_on: d.paid_on.filter(|_| d.status == PaymentStatus::Paid),
                reference: Text::with_value(d.reference.trim()),
                paid_in: d.paid_in,
                documents: BTreeMap::new(),
                order: OrderKey::between(last.as_ref(), None),
                removed: false,
            },
        );
        Ok(())
    }

    pub fn update_payment(&mut self, id: &PaymentId, d: PaymentDraft) -> Result<(), PaymentError> {
        self.validate_payment(&d)?;
        let p = self.payments.get_mut(id).ok_or(PaymentError::Unknown)?;
        set_text(&mut p.label, d.label.trim());
        set_text(&mut p.reference, d.reference.trim());
        p.quarter = d.quarter;
        p.amount = d.amount;
        p.due = d.due;
        p.status = d.status;
        p.paid_on = if d.status == PaymentStatus::Paid {
            d.paid_on
        } else {
            None
        };
        p.paid_in = d.paid_in;
        Ok(())
    }

    pub fn set_payment_document(
        &mut self,
        id: &PaymentId,
        doc: PaymentDocument,
        held: bool,
    ) -> Result<(), PaymentError> {
        let p = self.payments.get_mut(id).ok_or(PaymentError::Unknown)?;
        p.documents.insert(doc.as_str().to_owned(), held);
        Ok(())
    }

    pub fn set_creator_tax(&mut self, tax: TaxStatus) {
        self.agreement.creator_tax = tax;
    }

    /// The payments in ledger order.
    pub fn payments_in_order(&self) -> Vec<(&PaymentId, &Payment)> {
        let mut list: Vec<_> = self.payments.iter().collect();
        list.sort_by(|(ia, a), (ib, b)| a.order.cmp(&b.order).then_with(|| ia.cmp(ib)));
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        market::parse_market_list,
        money::Currency,
        partnership::{NewPartnership, record::DeliverableDraft},
        sow::DeliverableStatus,
    };

    fn partnership() -> (Partnership, QuarterId) {
        let q: QuarterId = "2026-Q4".parse().expect("quarter");
        let p = Partnership::new(&NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша".into(),
            markets: parse_market_list("RU, US").expect("markets"),
            first_quarter: q,
            quarters: 2,
        })
        .expect("partnership");
        (p, q)
    }

    fn ids(n: u8) -> Vec<PaymentId> {
        (1..=n).map(|i| PaymentId::from_random([i; 16])).collect()
    }

    #[test]
    fn a_quarters_split_becomes_payments_due_by_its_terms() {
        let (mut p, q) = partnership();
        assert_eq!(
            p.plan_payments(q, &ids(2)),
            Err(PaymentError::NoCompensation(q))
        );
        p.set_compensation(q, Some(Money::new(15_000_001, Currency::RUB)), None, None)
            .expect("compensation");
        p.set_sow_text(q, "50% on signing, 50% after the last post", "net 30")
            .expect("split");
        p.set_term(
            Some("2026-10-15".parse().expect("day")),
            Some("2027-10-14".parse().expect("day")),
        )
        .expect("term");
        p.add_deliverable(
            q,
            crate::ids::DeliverableId::from_random([3; 16]),
            DeliverableDraft {
                platform: "Telegram".into(),
                format: "post".into(),
                count: 1,
                market: "RU".parse().expect("market"),
                live_from: Some("2026-11-20".parse().expect("day")),
                live_to: Some("2026-11-25".parse().expect("day")),
                owner: String::new(),
                status: DeliverableStatus::Planned,
                paid: true,
                erid: String::new(),
                reklama_label: false,
            },
        )
        .expect("deliverable");
        assert_eq!(p.plan_payments(q, &ids(1)), Err(PaymentError::Ids));
        assert_eq!(p.plan_payments(q, &ids(2)), Ok(2));
        let planned = p.payments_in_order();
        let dues: Vec<String> = planned
            .iter()
            .map(|(_, x)| x.due.expect("due").to_string())
            .collect();
        assert_eq!(dues, ["2026-11-14", "2026-12-25"]);
        assert_eq!(
            planned
                .iter()
                .map(|(_, x)| x.amount.expect("amount").minor)
                .sum::<i64>(),
            15_000_001
        );
        assert_eq!(
            p.plan_payments(q, &ids(2)),
            Err(PaymentError::AlreadyPlanned(q)),
            "planning twice would double what is owed"
        );
    }

    #[test]
    fn a_paid_payment_needs_its_date_and_unpaid_forgets_it() {
        let (mut p, _) = partnership();
        let id = PaymentId::from_random([1; 16]);
        let mut d = PaymentDraft {
            label: "Fee".into(),
            quarter: None,
            amount: Some(Money::new(100_000, Currency::USD)),
            due: Some("2026-11-30".parse().expect("day")),
            status: PaymentStatus::Paid,
            paid_on: None,
            reference: String::new(),
            paid_in: None,
        };
        assert_eq!(
            p.add_payment(id.clone(), d.clone()),
            Err(PaymentError::PaidWithoutDate)
        );
        d.paid_on = Some("2026-11-29".parse().expect("day"));
        p.add_payment(id.clone(), d.clone()).expect("added");
        d.status = PaymentStatus::Invoiced;
        p.update_payment(&id, d).expect("updated");
        assert_eq!(p.payments[&id].paid_on, None);
        p.set_payment_document(&id, PaymentDocument::W9, true)
            .expect("ticked");
        assert!(p.payments[&id].holds(PaymentDocument::W9));
        assert!(!p.payments[&id].holds(PaymentDocument::W8Ben));
    }
}
