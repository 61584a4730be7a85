//! The partnership: the document's root — its parties, markets, larger goal and quarterly
//! roadmap — and what can be read from it (verdicts, trends, the current quarter).
//!
//! The commands that change it are plain methods on the hydrated struct that validate
//! their input and mutate it, one sub-module per area, each with its own small error:
//! [`roadmap`], [`record`] (agreement, SOW, KPIs, results), [`review`] (QBRs),
//! [`checkins`], [`wins`], [`contacts`], [`debriefs`]. `crate::command::Command` runs them
//! and wraps their errors in one `CommandError`; `PartnershipDoc::apply` reconciles the
//! result into the Automerge document, so each command becomes one Automerge change that
//! merges with concurrent ones.

use crate::items::Items;
use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};

use crate::{
    agreement::Agreement,
    author::Author,
    campaign::{Campaign, CampaignId},
    ids::{CheckInId, KpiId, WinId},
    kpi::Kpi,
    locale::Lang,
    market::Market,
    money::{Currency, Money},
    quarter::{Quarter, QuarterId, UnknownQuarter},
    schema::{LayoutVersion, SchemaName},
    verdict::{
        MarketVerdict, TrendPoint, amortised_cost_per_campaign, market_verdict, reading_order,
        trend,
    },
};

pub mod checkins;
pub mod contacts;
pub mod debriefs;
pub mod internal_notes;
pub mod payments;
pub mod record;
pub mod review;
pub mod review_rounds;
pub mod roadmap;
pub mod wins;

/// Marks a document as a Tandem partnership, so a foreign Automerge document is refused.
pub const SCHEMA: &str = "tandem.partnership";
/// The newest document layout this build understands.
pub const SCHEMA_VERSION: u64 = 1;
/// The most quarters a roadmap is created with (three years).
pub const MAX_QUARTERS: u32 = 12;

/// The whole partnership document.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Partnership {
    pub schema: SchemaName,
    pub schema_version: LayoutVersion,
    /// The brand's name.
    pub brand: Text,
    /// The creator's or agency's name.
    pub creator: Text,
    pub markets: Vec<Market>,
    /// The larger goal both sides work toward, shown above the roadmap.
    pub goal: Text,
    #[autosurgeon(with = "autosurgeon::map_with_parseable_keys")]
    pub quarters: BTreeMap<QuarterId, Quarter>,
    #[autosurgeon(missing = "Default::default")]
    pub agreement: Agreement,
    /// KPIs by id; each belongs to one market.
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub kpis: Items<KpiId, Kpi>,
    /// What onboarding the creator cost, amortised over the campaigns.
    #[autosurgeon(missing = "Default::default")]
    pub onboarding_cost: Option<Money>,
    /// The automerge-repo document id, so a `.automerge` file imported elsewhere resumes
    /// syncing under the same id. Absent in documents created before it was recorded.
    #[autosurgeon(missing = "Default::default")]
    pub document_id: Option<String>,
    /// Who edits under which Automerge actor (hex), for the history.
    #[autosurgeon(missing = "Default::default")]
    pub people: BTreeMap<String, Author>,
    /// Quarterly business reviews, by quarter.
    #[autosurgeon(
        missing = "Default::default",
        with = "autosurgeon::map_with_parseable_keys"
    )]
    pub qbrs: BTreeMap<QuarterId, crate::qbr::Qbr>,
    /// The check-in log.
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub checkins: Items<CheckInId, crate::checkin::CheckIn>,
    /// Wins both sides celebrate, by id.
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub wins: Items<WinId, Win>,
    /// Days between check-ins both sides agreed on (none: every two weeks).
    #[autosurgeon(missing = "Default::default")]
    pub cadence_days: Option<u32>,
    /// One point of contact per side ("brand", "creator").
    #[autosurgeon(missing = "Default::default")]
    pub contacts: BTreeMap<String, crate::contact::Contact>,
    /// The payments ledger, by id.
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub payments: Items<crate::ids::PaymentId, crate::payment::Payment>,
    /// The compliance rules table as the owner edited it (empty: the shipped defaults).
    #[autosurgeon(missing = "Default::default")]
    pub rules: BTreeMap<String, crate::compliance::Rule>,
    /// Registry reports by task key (`<deliverable>:<YYYY-MM>`).
    #[autosurgeon(missing = "Default::default")]
    pub registry: BTreeMap<String, crate::registry::Report>,
    /// In a brand-only notes document: the partnership it holds notes for (see
    /// [`internal_notes`]). Never set in a shared partnership.
    #[autosurgeon(missing = "Default::default")]
    pub notes_for: Option<String>,
    /// In a notes document: the brand's internal notes, by id.
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub internal_notes: Items<crate::ids::NoteId, InternalNote>,
}

/// A brand-only note about a deliverable: who wrote what, when.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct InternalNote {
    /// The deliverable's id.
    pub deliverable: String,
    pub text: Text,
    pub by: String,
    pub at_ms: i64,
    /// Removed, kept so Undo brings back this same item (see `items`).
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

crate::items::removable!(InternalNote);

/// A win on the wall: what, who added it (name and side), and when.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Win {
    pub text: Text,
    pub by: String,
    pub side: String,
    pub at_ms: i64,
    /// The campaign whose debrief it came from (empty: added by hand).
    #[autosurgeon(missing = "Default::default")]
    pub source: String,
    /// Removed, kept so Undo brings back this same item (see `items`).
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

crate::items::removable!(Win);

/// What a person fills in to start a partnership.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPartnership {
    pub brand: String,
    pub creator: String,
    pub markets: Vec<Market>,
    pub first_quarter: QuarterId,
    pub quarters: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewPartnershipError {
    #[error("the brand needs a name")]
    MissingBrand,
    #[error("the creator or agency needs a name")]
    MissingCreator,
    #[error("choose at least one market")]
    NoMarkets,
    #[error("market {0} is listed twice")]
    DuplicateMarket(Market),
    #[error("a roadmap has 1 to {max} quarters, not {0}", max = MAX_QUARTERS)]
    QuarterCount(u32),
    #[error("the roadmap would run past the last supported year")]
    QuartersOutOfRange,
}

impl NewPartnershipError {
    /// In words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::MissingBrand) => "укажите название бренда".into(),
            (Lang::Ru, Self::MissingCreator) => "укажите имя автора или агентства".into(),
            (Lang::Ru, Self::NoMarkets) => "выберите хотя бы один рынок".into(),
            (Lang::Ru, Self::DuplicateMarket(m)) => format!("рынок {m} указан дважды"),
            (Lang::Ru, Self::QuarterCount(n)) => {
                format!("в плане от 1 до {MAX_QUARTERS} кварталов, а не {n}")
            }
            (Lang::Ru, Self::QuartersOutOfRange) => {
                "план выходит за последний поддерживаемый год".into()
            }
        }
    }
}

/// "That is gone", in Russian, for every refusal of an item someone removed.
pub(crate) const GONE_RU: &str = "этого уже нет (возможно, кто-то удалил)";

/// Writes `value` into a text only if it differs, so an unchanged field is no change.
pub(crate) fn set_text(t: &mut Text, value: &str) {
    if t.as_str() != value {
        t.update(value);
    }
}

impl Partnership {
    /// A new partnership with an empty roadmap of `new.quarters` quarters.
    pub fn new(new: &NewPartnership) -> Result<Self, NewPartnershipError> {
        let brand = new.brand.trim();
        let creator = new.creator.trim();
        if brand.is_empty() {
            return Err(NewPartnershipError::MissingBrand);
        }
        if creator.is_empty() {
            return Err(NewPartnershipError::MissingCreator);
        }
        if new.markets.is_empty() {
            return Err(NewPartnershipError::NoMarkets);
        }
        for (i, m) in new.markets.iter().enumerate() {
            if new.markets[..i].contains(m) {
                return Err(NewPartnershipError::DuplicateMarket(*m));
            }
        }
        if !(1..=MAX_QUARTERS).contains(&new.quarters) {
            return Err(NewPartnershipError::QuarterCount(new.quarters));
        }
        let mut quarters = BTreeMap::new();
        let mut q = Some(new.first_quarter);
        for _ in 0..new.quarters {
            let id = q.ok_or(NewPartnershipError::QuartersOutOfRange)?;
            quarters.insert(id, Quarter::default());
            q = id.next();
        }
        Ok(Partnership {
            schema: SchemaName(SCHEMA.to_owned()),
            schema_version: LayoutVersion(SCHEMA_VERSION),
            brand: Text::with_value(brand),
            creator: Text::with_value(creator),
            markets: new.markets.clone(),
            goal: Text::default(),
            quarters,
            agreement: Agreement::default(),
            kpis: Items::default(),
            onboarding_cost: None,
            document_id: None,
            people: BTreeMap::new(),
            qbrs: BTreeMap::new(),
            checkins: Items::default(),
            wins: Items::default(),
            cadence_days: None,
            contacts: BTreeMap::new(),
            payments: Items::default(),
            rules: BTreeMap::new(),
            registry: BTreeMap::new(),
            notes_for: None,
            internal_notes: Items::default(),
        })
    }

    pub fn quarter(&self, id: QuarterId) -> Result<&Quarter, UnknownQuarter> {
        self.quarters.get(&id).ok_or(UnknownQuarter(id))
    }

    pub(crate) fn quarter_mut(&mut self, id: QuarterId) -> Result<&mut Quarter, UnknownQuarter> {
        self.quarters.get_mut(&id).ok_or(UnknownQuarter(id))
    }
}

/// What the partnership reads as: campaigns in order, verdicts, trends, currencies.
impl Partnership {
    /// Every campaign in roadmap order (quarter, then position) — "campaign over campaign".
    pub fn campaigns_in_roadmap_order(&self) -> Vec<(QuarterId, &CampaignId, &Campaign)> {
        self.quarters
            .iter()
            .flat_map(|(q, quarter)| {
                quarter
                    .campaigns_in_order()
                    .into_iter()
                    .map(move |(id, c)| (*q, id, c))
            })
            .collect()
    }

    /// The verdict of each market for the checkpoint of `quarter`: its KPIs against the
    /// results of that quarter's campaigns.
    /// The quarter that is "current" on `today`: the one containing it, else the last one
    /// that has begun, else the first (`None`: no quarters).
    pub fn current_quarter(&self, today: chrono::NaiveDate) -> Option<QuarterId> {
        let now = QuarterId::containing(today);
        self.quarters
            .keys()
            .rev()
            .find(|k| now.is_some_and(|now| **k <= now))
            .or_else(|| self.quarters.keys().next())
            .copied()
    }

    /// A market's key KPI, whose trend is charted: its first in the verdict's reading order.
    pub fn key_kpi(&self, market: Market) -> Option<&Kpi> {
        self.kpis
            .values()
            .filter(|k| k.market == market)
            .min_by(|a, b| reading_order(a, b))
    }

    /// The currency an amount for the partnership as a whole starts in (onboarding cost,
    /// compensation, a quarter's budget): its first market's.
    pub fn home_currency(&self) -> Currency {
        self.markets
            .first()
            .map_or(Currency::USD, |m| Currency::of_market(*m))
    }

    /// The currency a conversion from `from` goes to by default: the first of the
    /// partnership's markets' currencies that is not `from`, else US dollars (euros from
    /// dollars).
    pub fn conversion_currency(&self, from: Currency) -> Currency {
        self.markets
            .iter()
            .map(|m| Currency::of_market(*m))
            .find(|c| *c != from)
            .unwrap_or(if from == Currency::USD {
                Currency::EUR
            } else {
                Currency::USD
            })
    }

    pub fn verdicts(&self, quarter: QuarterId) -> Vec<MarketVerdict> {
        let campaigns: Vec<&Campaign> = self
            .quarters
            .get(&quarter)
            .map(|q| q.campaigns.values().collect())
            .unwrap_or_default();
        self.markets
            .iter()
            .map(|m| {
                let figures = campaigns.iter().filter_map(|c| c.results.get(m));
                market_verdict(*m, self.kpis.values(), figures)
            })
            .collect()
    }

    /// A KPI campaign over campaign, across the whole roadmap, for campaigns with results
    /// in its market.
    pub fn trend(&self, kpi: &Kpi) -> Vec<TrendPoint> {
        let points = self
            .campaigns_in_roadmap_order()
            .into_iter()
            .filter_map(|(_, _, c)| Some((c.title.as_str(), c.results.get(&kpi.market)?)));
        trend(kpi, points)
    }

    /// Cost per campaign with onboarding amortised, for campaigns with results in `market`
    /// (titles alongside).
    pub fn amortised_costs(
        &self,
        market: Market,
    ) -> Vec<(String, Result<Money, crate::kpi::NotEnoughData>)> {
        let with_results: Vec<(&str, Option<Money>)> = self
            .campaigns_in_roadmap_order()
            .into_iter()
            .filter_map(|(_, _, c)| Some((c.title.as_str(), c.results.get(&market)?.cost)))
            .collect();
        let costs =
            amortised_cost_per_campaign(self.onboarding_cost, with_results.iter().map(|(_, c)| *c));
        with_results
            .into_iter()
            .map(|(t, _)| t.to_owned())
            .zip(costs)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        agreement::AgreementText,
        campaign::{CampaignDraft, CampaignStatus},
        partnership::{record::RecordError, roadmap::RoadmapError},
    };

    pub(crate) fn sample() -> Partnership {
        Partnership::new(&NewPartnership {
            brand: "Northwind".into(),
            creator: "Masha Petrova".into(),
            markets: vec!["RU".parse().expect("RU"), "US".parse().expect("US")],
            first_quarter: "2027-Q1".parse().expect("quarter"),
            quarters: 4,
        })
        .expect("valid partnership")
    }

    fn draft(title: &str) -> CampaignDraft {
        CampaignDraft {
            title: title.into(),
            market: "RU".parse().expect("RU"),
            starts: None,
            ends: None,
            status: CampaignStatus::Planned,
        }
    }

    #[test]
    fn the_current_quarter_is_todays_else_the_last_begun_else_the_first() {
        let p = sample(); // 2027-Q1 … 2027-Q4
        let day = |s: &str| s.parse::<chrono::NaiveDate>().expect("date");
        let q = |s: &str| s.parse::<QuarterId>().expect("quarter");
        assert_eq!(p.current_quarter(day("2027-05-14")), Some(q("2027-Q2")));
        assert_eq!(p.current_quarter(day("2027-12-31")), Some(q("2027-Q4")));
        assert_eq!(
            p.current_quarter(day("2029-01-01")),
            Some(q("2027-Q4")),
            "after the roadmap"
        );
        assert_eq!(
            p.current_quarter(day("2026-12-01")),
            Some(q("2027-Q1")),
            "before it"
        );
    }

    #[test]
    fn the_key_kpi_is_the_markets_first_in_reading_order() {
        let mut p = sample();
        let ru: Market = "RU".parse().expect("RU");
        assert_eq!(p.key_kpi(ru), None);
        for (n, metric, threshold) in [
            (1, crate::kpi::Metric::Cpa, 150.0),
            (2, crate::kpi::Metric::EngagementRateByReach, 3.0),
            (3, crate::kpi::Metric::EngagementRateByReach, 2.5),
        ] {
            p.set_kpi(
                crate::ids::Id::from_random([n; 16]),
                Kpi {
                    removed: false,
                    market: ru,
                    metric,
                    target: threshold,
                    threshold,
                },
            )
            .expect("kpi");
        }
        let key = p.key_kpi(ru).expect("a key KPI");
        assert_eq!(
            (key.metric, key.threshold),
            (crate::kpi::Metric::EngagementRateByReach, 2.5)
        );
        assert_eq!(p.key_kpi("US".parse().expect("US")), None);
    }

    #[test]
    fn amounts_start_in_the_first_markets_currency_and_convert_to_the_other() {
        let p = sample(); // RU, US
        assert_eq!(p.home_currency(), Currency::RUB);
        assert_eq!(p.conversion_currency(Currency::RUB), Currency::USD);
        assert_eq!(p.conversion_currency(Currency::USD), Currency::RUB);
        let de = |m: &str| Currency::of_market(m.parse().expect("market"));
        assert_eq!(de("DE").as_str(), "EUR");
        assert_eq!(de("KZ").as_str(), "KZT");
        assert_eq!(de("BR"), Currency::USD, "unknown to Tandem: dollars");
    }

    fn titles(p: &Partnership, q: QuarterId) -> Vec<String> {
        p.quarter(q)
            .expect("quarter")
            .campaigns_in_order()
            .iter()
            .map(|(_, c)| c.title.as_str().to_owned())
            .collect()
    }

    #[test]
    fn new_partnership_has_consecutive_quarters() {
        let p = sample();
        let ids: Vec<String> = p.quarters.keys().map(ToString::to_string).collect();
        assert_eq!(ids, ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]);
    }

    #[test]
    fn new_partnership_is_validated() {
        let good = NewPartnership {
            brand: "B".into(),
            creator: "C".into(),
            markets: vec!["US".parse().expect("US")],
            first_quarter: "2027-Q1".parse().expect("q"),
            quarters: 4,
        };
        let with = |f: &dyn Fn(&mut NewPartnership)| {
            let mut n = good.clone();
            f(&mut n);
            Partnership::new(&n).err()
        };
        assert_eq!(
            with(&|n| n.brand = "  ".into()),
            Some(NewPartnershipError::MissingBrand)
        );
        assert_eq!(
            with(&|n| n.creator.clear()),
            Some(NewPartnershipError::MissingCreator)
        );
        assert_eq!(
            with(&|n| n.markets.clear()),
            Some(NewPartnershipError::NoMarkets)
        );
        assert_eq!(
            with(&|n| n.quarters = 0),
            Some(NewPartnershipError::QuarterCount(0))
        );
        assert_eq!(
            with(&|n| n.quarters = 13),
            Some(NewPartnershipError::QuarterCount(13))
        );
        let us = "US".parse().expect("US");
        assert_eq!(
            with(&|n| n.markets.push(us)),
            Some(NewPartnershipError::DuplicateMarket(us))
        );
        assert_eq!(
            with(&|n| n.first_quarter = "2999-Q3".parse().expect("q")),
            Some(NewPartnershipError::QuartersOutOfRange)
        );
        assert!(with(&|_| {}).is_none());
    }

    #[test]
    fn campaigns_add_move_and_remove() {
        let mut p = sample();
        let q = "2027-Q1".parse().expect("q");
        let ids: Vec<CampaignId> = (0..3u8).map(|i| CampaignId::from_random([i; 16])).collect();
        for (id, t) in ids.iter().zip(["A", "B", "C"]) {
            p.add_campaign(q, id.clone(), draft(t)).expect("added");
        }
        assert_eq!(titles(&p, q), ["A", "B", "C"]);
        p.move_campaign(q, &ids[2], 0).expect("moved");
        assert_eq!(titles(&p, q), ["C", "A", "B"]);
        p.move_campaign(q, &ids[2], 99).expect("moved");
        assert_eq!(titles(&p, q), ["A", "B", "C"]);
        p.move_campaign(q, &ids[0], 1).expect("moved");
        assert_eq!(titles(&p, q), ["B", "A", "C"]);
        p.remove_campaign(q, &ids[0]).expect("removed");
        assert_eq!(titles(&p, q), ["B", "C"]);
        assert_eq!(
            p.remove_campaign(q, &ids[0]),
            Err(RoadmapError::UnknownCampaign(ids[0].clone()))
        );
    }

    #[test]
    fn campaign_drafts_are_validated() {
        let mut p = sample();
        let q = "2027-Q1".parse().expect("q");
        let id = CampaignId::from_random([1; 16]);
        assert_eq!(
            p.add_campaign(q, id.clone(), draft(" ")),
            Err(RoadmapError::MissingTitle)
        );
        let mut de = draft("X");
        de.market = "DE".parse().expect("DE");
        assert!(matches!(
            p.add_campaign(q, id.clone(), de),
            Err(RoadmapError::ForeignMarket(_))
        ));
        let mut backwards = draft("X");
        backwards.starts = Some("2027-03-01".parse().expect("day"));
        backwards.ends = Some("2027-02-01".parse().expect("day"));
        assert!(matches!(
            p.add_campaign(q, id.clone(), backwards),
            Err(RoadmapError::EndsBeforeStart(_))
        ));
        let other_q = "2031-Q1".parse().expect("q");
        assert_eq!(
            p.add_campaign(other_q, id, draft("X")),
            Err(RoadmapError::Quarter(UnknownQuarter(other_q)))
        );
        assert!(
            p.quarter(q).expect("q").campaigns.is_empty(),
            "nothing was added"
        );
    }

    #[test]
    fn verdicts_trend_and_amortised_costs_come_from_the_roadmap() {
        use crate::{
            kpi::{Figures, Kpi, Metric},
            money::{Currency, Money},
            verdict::Verdict,
        };
        let mut p = sample();
        let q = "2027-Q1".parse().expect("q");
        let ru: Market = "RU".parse().expect("RU");
        let us: Market = "US".parse().expect("US");
        let ids: Vec<CampaignId> = (0..2u8).map(|i| CampaignId::from_random([i; 16])).collect();
        for (id, t) in ids.iter().zip(["First", "Second"]) {
            p.add_campaign(q, id.clone(), draft(t)).expect("added");
        }
        p.set_kpi(
            crate::ids::Id::from_random([9; 16]),
            Kpi {
                removed: false,
                market: ru,
                metric: Metric::EngagementRateByReach,
                target: 3.0,
                threshold: 2.5,
            },
        )
        .expect("kpi");
        p.set_kpi(
            crate::ids::Id::from_random([8; 16]),
            Kpi {
                removed: false,
                market: us,
                metric: Metric::EngagementRateByReach,
                target: 5.0,
                threshold: 4.0,
            },
        )
        .expect("kpi");
        let de: Market = "DE".parse().expect("DE");
        assert!(
            p.set_kpi(
                crate::ids::Id::from_random([7; 16]),
                Kpi {
                    removed: false,
                    market: de,
                    metric: Metric::Cpm,
                    target: 1.0,
                    threshold: 1.0
                }
            )
            .is_err()
        );
        assert!(
            p.set_kpi(
                crate::ids::Id::from_random([7; 16]),
                Kpi {
                    removed: false,
                    market: ru,
                    metric: Metric::Cpm,
                    target: f64::NAN,
                    threshold: 1.0
                }
            )
            .is_err()
        );

        let fig = |reach: u64, engagements: u64, cost_rub: i64| Figures {
            reach: Some(reach),
            engagements: Some(engagements),
            cost: Some(Money::new(cost_rub * 100, Currency::RUB)),
            ..Default::default()
        };
        p.set_results(q, &ids[0], ru, Some(fig(100_000, 2_000, 30_000)))
            .expect("results");
        p.set_results(q, &ids[1], ru, Some(fig(100_000, 4_000, 30_000)))
            .expect("results");
        p.set_results(q, &ids[0], us, Some(fig(10_000, 300, 30_000)))
            .expect("results");
        assert!(
            p.set_results(q, &ids[0], de, Some(fig(1, 1, 1))).is_err(),
            "not a market of the partnership"
        );

        let verdicts = p.verdicts(q);
        assert_eq!(verdicts.len(), 2);
        assert_eq!(
            verdicts[0].verdict,
            Verdict::Continue,
            "RU: 6000 / 200000 = 3% ≥ 2.5%"
        );
        assert_eq!(verdicts[1].verdict, Verdict::Stop, "US: 3% < 4%");
        let kpi = p
            .kpis
            .values()
            .find(|k| k.market == ru)
            .expect("kpi")
            .clone();
        let points: Vec<f64> = p
            .trend(&kpi)
            .into_iter()
            .map(|t| t.value.expect("value"))
            .collect();
        assert_eq!(points, [2.0, 4.0]);
        p.set_onboarding_cost(Some(Money::new(6_000_000, Currency::RUB)));
        let costs: Vec<i64> = p
            .amortised_costs(ru)
            .into_iter()
            .map(|(_, c)| c.expect("cost").minor / 100)
            .collect();
        assert_eq!(costs, [90_000, 60_000]);
        p.remove_campaign(q, &ids[1]).expect("removed");
        assert_eq!(p.trend(&kpi).len(), 1, "its results went with it");
    }

    #[test]
    fn the_agreement_term_is_validated() {
        let mut p = sample();
        let day = |s: &str| Some(s.parse().expect("day"));
        assert!(matches!(
            p.set_term(day("2027-12-31"), day("2027-01-01")),
            Err(RecordError::TermEndsBeforeStart { .. })
        ));
        p.set_term(day("2027-01-01"), day("2027-12-31"))
            .expect("term");
        assert_eq!(
            p.set_renewal(0, true, 30, 30, None),
            Err(RecordError::CheckpointMonths)
        );
        p.set_agreement_text(AgreementText::BrandLegalName, "ООО «Нортвинд»");
        assert_eq!(p.agreement.brand_legal_name.as_str(), "ООО «Нортвинд»");
    }
}
