//! The partnership: its parties, markets, larger goal and quarterly roadmap, and the
//! commands that change them.
//!
//! Commands are plain methods on the hydrated struct that validate their input and
//! mutate it; `PartnershipDoc::change` reconciles the result into the Automerge document,
//! so each command becomes one Automerge change that merges with concurrent ones.

use crate::items::Items;
use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};

use crate::{
    agreement::Agreement,
    campaign::{Campaign, CampaignDraft, CampaignId},
    kpi::{Figures, Kpi},
    market::Market,
    money::{Currency, Money},
    quarter::{Quarter, QuarterId},
    schema::{LayoutVersion, SchemaName},
    sow::{Conversion, Deliverable, DeliverableStatus},
    verdict::{
        MarketVerdict, TrendPoint, amortised_cost_per_campaign, market_verdict, reading_order,
        trend,
    },
};
use crate::{day::Day, locale::Lang};

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
    pub kpis: Items<CampaignId, Kpi>,
    /// What onboarding the creator cost, amortised over the campaigns.
    #[autosurgeon(missing = "Default::default")]
    pub onboarding_cost: Option<Money>,
    /// The automerge-repo document id, so a `.automerge` file imported elsewhere resumes
    /// syncing under the same id. Absent in documents created before it was recorded.
    #[autosurgeon(missing = "Default::default")]
    pub document_id: Option<String>,
    /// Who edits under which Automerge actor (hex), for the history.
    #[autosurgeon(missing = "Default::default")]
    pub people: BTreeMap<String, crate::history::Author>,
    /// Quarterly business reviews, by quarter.
    #[autosurgeon(
        missing = "Default::default",
        with = "autosurgeon::map_with_parseable_keys"
    )]
    pub qbrs: BTreeMap<QuarterId, crate::qbr::Qbr>,
    /// The check-in log.
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub checkins: Items<CampaignId, crate::checkin::CheckIn>,
    /// Wins both sides celebrate, by id.
    #[autosurgeon(missing = "Default::default", with = "crate::items::stored")]
    pub wins: Items<CampaignId, Win>,
    /// Days between check-ins both sides agreed on (none: every two weeks).
    #[autosurgeon(missing = "Default::default")]
    pub cadence_days: Option<u32>,
    /// One point of contact per side ("brand", "creator").
    #[autosurgeon(missing = "Default::default")]
    pub contacts: BTreeMap<String, crate::contact::Contact>,
}

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

/// Why a roadmap command was refused. Nothing is changed when a command fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoadmapError {
    #[error("quarter {0} is not on this roadmap")]
    UnknownQuarter(QuarterId),
    #[error("that campaign no longer exists (someone may have removed it)")]
    UnknownCampaign(CampaignId),
    #[error("a campaign needs a title")]
    MissingTitle,
    #[error("market {0} is not one of this partnership's markets")]
    ForeignMarket(Market),
    #[error("the end date ({ends}) is before the start date ({starts})")]
    EndsBeforeStart { starts: Day, ends: Day },
    #[error("the term ends ({ends}) before it starts ({starts})")]
    TermEndsBeforeStart { starts: Day, ends: Day },
    #[error("that deliverable no longer exists (someone may have removed it)")]
    UnknownDeliverable(CampaignId),
    #[error("that KPI no longer exists (someone may have removed it)")]
    UnknownKpi(CampaignId),
    #[error("a deliverable needs a platform and a format")]
    MissingDeliverableFields,
    #[error("a deliverable's count must be at least 1")]
    ZeroCount,
    #[error("{0} must be a finite number")]
    NotANumber(&'static str),
    #[error("a conversion rate must be above zero")]
    BadRate,
    #[error("checkpoints are 1 to 24 months apart")]
    CheckpointMonths,
    #[error("a win needs a few words about what went well")]
    EmptyWin,
    #[error("a check-in cadence is 1 to 120 days")]
    Cadence,
    #[error("a check-in needs its date")]
    CheckInDate,
    #[error("a check-in needs a summary of what was discussed")]
    CheckInSummary,
    #[error("a risk or an action item needs a description")]
    MissingQbrText,
    #[error("say what didn't work (the cause and the effect can follow)")]
    MissingIssue,
    #[error("a point of contact needs a name")]
    MissingContactName,
    #[error(transparent)]
    Hours(#[from] crate::meeting::WorkingHoursError),
    #[error("that item no longer exists (someone may have removed it)")]
    UnknownItem,
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
                format!("в роадмапе от 1 до {MAX_QUARTERS} кварталов, а не {n}")
            }
            (Lang::Ru, Self::QuartersOutOfRange) => {
                "роадмап выходит за последний поддерживаемый год".into()
            }
        }
    }
}

impl RoadmapError {
    /// In words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        use crate::meeting::WorkingHoursError as H;
        let gone = "этого уже нет (возможно, кто-то удалил)";
        match (lang, self) {
            // Dates as the reader writes them, not as the document stores them.
            (Lang::En, Self::EndsBeforeStart { starts, ends }) => format!(
                "the end date ({}) is before the start date ({})",
                lang.day(*ends),
                lang.day(*starts)
            ),
            (Lang::En, Self::TermEndsBeforeStart { starts, ends }) => format!(
                "the term ends ({}) before it starts ({})",
                lang.day(*ends),
                lang.day(*starts)
            ),
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::UnknownQuarter(q)) => format!("квартала {q} нет в роадмапе"),
            (Lang::Ru, Self::UnknownCampaign(_)) => {
                "этой кампании уже нет (возможно, кто-то удалил её)".into()
            }
            (Lang::Ru, Self::MissingTitle) => "у кампании должно быть название".into(),
            (Lang::Ru, Self::ForeignMarket(m)) => format!("рынок {m} не входит в это партнёрство"),
            (Lang::Ru, Self::EndsBeforeStart { starts, ends }) => format!(
                "дата окончания ({}) раньше даты начала ({})",
                lang.day(*ends),
                lang.day(*starts)
            ),
            (Lang::Ru, Self::TermEndsBeforeStart { starts, ends }) => format!(
                "договор заканчивается ({}) раньше, чем начинается ({})",
                lang.day(*ends),
                lang.day(*starts)
            ),
            (Lang::Ru, Self::UnknownDeliverable(_) | Self::UnknownKpi(_) | Self::UnknownItem) => {
                gone.into()
            }
            (Lang::Ru, Self::MissingDeliverableFields) => {
                "у материала должны быть площадка и формат".into()
            }
            (Lang::Ru, Self::ZeroCount) => "количество материалов — не меньше 1".into(),
            (Lang::Ru, Self::NotANumber(what)) => format!("{}: нужно число", lang.text(what)),
            (Lang::Ru, Self::BadRate) => "курс пересчёта должен быть больше нуля".into(),
            (Lang::Ru, Self::CheckpointMonths) => {
                "между контрольными точками от 1 до 24 месяцев".into()
            }
            (Lang::Ru, Self::EmptyWin) => "опишите победу хотя бы парой слов".into(),
            (Lang::Ru, Self::Cadence) => "встречи — раз в 1–120 дней".into(),
            (Lang::Ru, Self::CheckInDate) => "у встречи должна быть дата".into(),
            (Lang::Ru, Self::CheckInSummary) => "опишите, что обсудили".into(),
            (Lang::Ru, Self::MissingQbrText) => "опишите риск или действие".into(),
            (Lang::Ru, Self::MissingIssue) => {
                "опишите, что не сработало (причину и последствие можно добавить позже)".into()
            }
            (Lang::Ru, Self::MissingContactName) => "у контактного лица должно быть имя".into(),
            (Lang::Ru, Self::Hours(H::Zone(z))) => format!(
                "«{z}» — не часовой пояс IANA: пишите как Europe/Moscow или America/New_York"
            ),
            (Lang::Ru, Self::Hours(H::Time(t))) => {
                format!("«{t}» — не время суток: пишите как 09:00")
            }
            (Lang::Ru, Self::Hours(H::Backwards)) => {
                "рабочий день должен заканчиваться позже, чем начинается".into()
            }
        }
    }
}

pub use crate::agreement::AgreementText;

/// What a person fills in for a deliverable.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliverableDraft {
    pub platform: String,
    pub format: String,
    pub count: u32,
    pub market: Market,
    pub live_from: Option<Day>,
    pub live_to: Option<Day>,
    pub owner: String,
    pub status: DeliverableStatus,
    pub paid: bool,
    pub erid: String,
    pub reklama_label: bool,
}

fn set_text(t: &mut Text, value: &str) {
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
        })
    }

    pub fn quarter(&self, id: QuarterId) -> Result<&Quarter, RoadmapError> {
        self.quarters
            .get(&id)
            .ok_or(RoadmapError::UnknownQuarter(id))
    }

    fn quarter_mut(&mut self, id: QuarterId) -> Result<&mut Quarter, RoadmapError> {
        self.quarters
            .get_mut(&id)
            .ok_or(RoadmapError::UnknownQuarter(id))
    }

    pub fn set_goal(&mut self, goal: &str) {
        self.goal.update(goal);
    }

    pub fn set_theme(&mut self, quarter: QuarterId, theme: &str) -> Result<(), RoadmapError> {
        self.quarter_mut(quarter)?.theme.update(theme);
        Ok(())
    }

    pub fn set_learned(&mut self, quarter: QuarterId, text: &str) -> Result<(), RoadmapError> {
        self.quarter_mut(quarter)?.learned.update(text);
        Ok(())
    }

    pub fn set_next_try(&mut self, quarter: QuarterId, text: &str) -> Result<(), RoadmapError> {
        self.quarter_mut(quarter)?.next_try.update(text);
        Ok(())
    }

    fn validate(&self, draft: &CampaignDraft) -> Result<(), RoadmapError> {
        if draft.title.trim().is_empty() {
            return Err(RoadmapError::MissingTitle);
        }
        if !self.markets.contains(&draft.market) {
            return Err(RoadmapError::ForeignMarket(draft.market));
        }
        if let (Some(starts), Some(ends)) = (draft.starts, draft.ends)
            && ends < starts
        {
            return Err(RoadmapError::EndsBeforeStart { starts, ends });
        }
        Ok(())
    }

    /// Adds a campaign at the end of the quarter's list.
    pub fn add_campaign(
        &mut self,
        quarter: QuarterId,
        id: CampaignId,
        draft: CampaignDraft,
    ) -> Result<(), RoadmapError> {
        self.validate(&draft)?;
        let q = self.quarter_mut(quarter)?;
        let order = q.order_key_at(usize::MAX, None);
        q.campaigns.insert(
            id,
            Campaign {
                removed: false,
                title: Text::with_value(draft.title.trim()),
                market: draft.market,
                starts: draft.starts,
                ends: draft.ends,
                status: draft.status,
                order,
                results: BTreeMap::new(),
                debrief: None,
            },
        );
        Ok(())
    }

    /// Changes a campaign's fields. Only fields that differ are written, so a concurrent
    /// edit of another field of the same campaign survives the merge.
    pub fn update_campaign(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
        draft: CampaignDraft,
    ) -> Result<(), RoadmapError> {
        self.validate(&draft)?;
        let q = self.quarter_mut(quarter)?;
        let c = q
            .campaigns
            .get_mut(id)
            .ok_or_else(|| RoadmapError::UnknownCampaign(id.clone()))?;
        let title = draft.title.trim();
        if c.title.as_str() != title {
            c.title.update(title);
        }
        c.market = draft.market;
        c.starts = draft.starts;
        c.ends = draft.ends;
        c.status = draft.status;
        Ok(())
    }

    pub fn remove_campaign(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
    ) -> Result<(), RoadmapError> {
        self.quarter_mut(quarter)?
            .campaigns
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| RoadmapError::UnknownCampaign(id.clone()))
    }

    /// Moves a campaign to `to_index` in the quarter's display order (clamped to the end).
    pub fn move_campaign(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
        to_index: usize,
    ) -> Result<(), RoadmapError> {
        let q = self.quarter_mut(quarter)?;
        if !q.campaigns.contains_key(id) {
            return Err(RoadmapError::UnknownCampaign(id.clone()));
        }
        let order = q.order_key_at(to_index, Some(id));
        if let Some(c) = q.campaigns.get_mut(id) {
            c.order = order;
        }
        Ok(())
    }
}

/// The wins wall.
impl Partnership {
    pub fn add_win(
        &mut self,
        id: CampaignId,
        text: &str,
        by: &str,
        side: &str,
        at_ms: i64,
    ) -> Result<(), RoadmapError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(RoadmapError::EmptyWin);
        }
        self.wins.insert(
            id,
            Win {
                removed: false,
                text: Text::with_value(text),
                by: by.trim().to_owned(),
                side: side.to_owned(),
                at_ms,
                source: String::new(),
            },
        );
        Ok(())
    }

    /// Adds a win from a campaign's debrief, naming the campaign.
    pub fn add_win_from(
        &mut self,
        id: CampaignId,
        text: &str,
        by: &str,
        side: &str,
        at_ms: i64,
        campaign: &str,
    ) -> Result<(), RoadmapError> {
        self.add_win(id.clone(), text, by, side, at_ms)?;
        if let Some(w) = self.wins.get_mut(&id) {
            campaign.trim().clone_into(&mut w.source);
        }
        Ok(())
    }

    pub fn remove_win(&mut self, id: &CampaignId) {
        self.wins.remove(id);
    }

    /// The wins, newest first.
    pub fn wins_newest_first(&self) -> Vec<(&CampaignId, &Win)> {
        let mut wins: Vec<_> = self.wins.iter().collect();
        wins.sort_by_key(|(id, w)| (std::cmp::Reverse(w.at_ms), (*id).clone()));
        wins
    }
}

/// Check-ins and health.
impl Partnership {
    pub fn cadence(&self) -> u32 {
        self.cadence_days
            .unwrap_or(crate::checkin::DEFAULT_CADENCE_DAYS)
    }

    pub fn set_cadence(&mut self, days: u32) -> Result<(), RoadmapError> {
        if !(1..=120).contains(&days) {
            return Err(RoadmapError::Cadence);
        }
        self.cadence_days = Some(days);
        Ok(())
    }

    pub fn log_checkin(
        &mut self,
        id: CampaignId,
        checkin: crate::checkin::CheckIn,
    ) -> Result<(), RoadmapError> {
        if checkin.date.is_none() {
            return Err(RoadmapError::CheckInDate);
        }
        if checkin.summary.as_str().trim().is_empty() {
            return Err(RoadmapError::CheckInSummary);
        }
        self.checkins.insert(id, checkin);
        Ok(())
    }

    pub fn remove_checkin(&mut self, id: &CampaignId) {
        self.checkins.remove(id);
    }

    /// The relationship's health on `today`.
    pub fn health(&self, today: chrono::NaiveDate) -> crate::checkin::Health {
        crate::checkin::health(
            self.checkins.values().filter_map(|c| c.date.map(|d| d.0)),
            self.cadence(),
            today,
        )
    }
}

/// Quarterly business reviews.
impl Partnership {
    fn qbr_mut(&mut self, quarter: QuarterId) -> Result<&mut crate::qbr::Qbr, RoadmapError> {
        if !self.quarters.contains_key(&quarter) {
            return Err(RoadmapError::UnknownQuarter(quarter));
        }
        Ok(self.qbrs.entry(quarter).or_default())
    }

    pub fn set_qbr_text(
        &mut self,
        quarter: QuarterId,
        field: crate::qbr::QbrText,
        value: &str,
    ) -> Result<(), RoadmapError> {
        set_text(self.qbr_mut(quarter)?.text_mut(field), value);
        Ok(())
    }

    pub fn set_qbr_budget(
        &mut self,
        quarter: QuarterId,
        budget: Option<Money>,
    ) -> Result<(), RoadmapError> {
        self.qbr_mut(quarter)?.budget = budget;
        Ok(())
    }

    /// Adds a risk or an action item (`action`): text, owner, due date.
    pub fn add_qbr_item(
        &mut self,
        quarter: QuarterId,
        id: CampaignId,
        action: bool,
        text: &str,
        owner: &str,
        due: Option<Day>,
    ) -> Result<(), RoadmapError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(RoadmapError::MissingQbrText);
        }
        let qbr = self.qbr_mut(quarter)?;
        if action {
            qbr.actions.insert(
                id,
                crate::qbr::ActionItem {
                    removed: false,
                    text: Text::with_value(text),
                    owner: Text::with_value(owner.trim()),
                    due,
                    done: false,
                },
            );
        } else {
            qbr.risks.insert(
                id,
                crate::qbr::Risk {
                    removed: false,
                    text: Text::with_value(text),
                    owner: Text::with_value(owner.trim()),
                    due,
                },
            );
        }
        Ok(())
    }

    pub fn remove_qbr_item(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
    ) -> Result<(), RoadmapError> {
        let qbr = self.qbr_mut(quarter)?;
        qbr.actions.remove(id);
        qbr.risks.remove(id);
        Ok(())
    }

    pub fn set_action_done(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
        done: bool,
    ) -> Result<(), RoadmapError> {
        let item = self
            .qbr_mut(quarter)?
            .actions
            .get_mut(id)
            .ok_or(RoadmapError::UnknownItem)?;
        item.done = done;
        Ok(())
    }
}

/// The partnership record: agreement, statements of work, KPIs, results, verdicts.
impl Partnership {
    pub fn set_agreement_text(&mut self, field: AgreementText, value: &str) {
        let a = &mut self.agreement;
        let t = match field {
            AgreementText::BrandLegalName => &mut a.brand_legal_name,
            AgreementText::CreatorLegalName => &mut a.creator_legal_name,
            AgreementText::ExclusivityCategory => &mut a.exclusivity_category,
            AgreementText::ExclusivityTerritory => &mut a.exclusivity_territory,
            AgreementText::UsageRights => &mut a.usage_rights,
            AgreementText::PaymentTerms => &mut a.payment_terms,
        };
        set_text(t, value);
    }

    pub fn set_term(&mut self, start: Option<Day>, end: Option<Day>) -> Result<(), RoadmapError> {
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            return Err(RoadmapError::TermEndsBeforeStart { starts: s, ends: e });
        }
        self.agreement.term_start = start;
        self.agreement.term_end = end;
        Ok(())
    }

    pub fn set_renewal(
        &mut self,
        checkpoint_months: u32,
        auto_renew: bool,
        renewal_notice_days: u32,
        termination_notice_days: u32,
        exclusivity_months: Option<u32>,
    ) -> Result<(), RoadmapError> {
        if !(1..=24).contains(&checkpoint_months) {
            return Err(RoadmapError::CheckpointMonths);
        }
        let a = &mut self.agreement;
        a.checkpoint_months = checkpoint_months;
        a.auto_renew = auto_renew;
        a.renewal_notice_days = renewal_notice_days;
        a.termination_notice_days = termination_notice_days;
        a.exclusivity_months = exclusivity_months;
        Ok(())
    }

    fn validate_deliverable(&self, d: &DeliverableDraft) -> Result<(), RoadmapError> {
        if d.platform.trim().is_empty() || d.format.trim().is_empty() {
            return Err(RoadmapError::MissingDeliverableFields);
        }
        if d.count == 0 {
            return Err(RoadmapError::ZeroCount);
        }
        if !self.markets.contains(&d.market) {
            return Err(RoadmapError::ForeignMarket(d.market));
        }
        if let (Some(s), Some(e)) = (d.live_from, d.live_to)
            && e < s
        {
            return Err(RoadmapError::EndsBeforeStart { starts: s, ends: e });
        }
        Ok(())
    }

    pub fn add_deliverable(
        &mut self,
        quarter: QuarterId,
        id: CampaignId,
        d: DeliverableDraft,
    ) -> Result<(), RoadmapError> {
        self.validate_deliverable(&d)?;
        let sow = &mut self.quarter_mut(quarter)?.sow;
        let last = sow
            .deliverables_in_order()
            .last()
            .map(|(_, x)| x.order.clone());
        let order = crate::order_key::OrderKey::between(last.as_ref(), None);
        sow.deliverables.insert(
            id,
            Deliverable {
                removed: false,
                platform: Text::with_value(d.platform.trim()),
                format: Text::with_value(d.format.trim()),
                count: d.count,
                market: d.market,
                live_from: d.live_from,
                live_to: d.live_to,
                owner: Text::with_value(d.owner.trim()),
                status: d.status,
                paid: d.paid,
                erid: Text::with_value(d.erid.trim()),
                reklama_label: d.reklama_label,
                order,
            },
        );
        Ok(())
    }

    /// Changes a deliverable; only the fields that differ are written.
    pub fn update_deliverable(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
        d: DeliverableDraft,
    ) -> Result<(), RoadmapError> {
        self.validate_deliverable(&d)?;
        let x = self
            .quarter_mut(quarter)?
            .sow
            .deliverables
            .get_mut(id)
            .ok_or_else(|| RoadmapError::UnknownDeliverable(id.clone()))?;
        set_text(&mut x.platform, d.platform.trim());
        set_text(&mut x.format, d.format.trim());
        set_text(&mut x.owner, d.owner.trim());
        set_text(&mut x.erid, d.erid.trim());
        x.count = d.count;
        x.market = d.market;
        x.live_from = d.live_from;
        x.live_to = d.live_to;
        x.status = d.status;
        x.paid = d.paid;
        x.reklama_label = d.reklama_label;
        Ok(())
    }

    pub fn remove_deliverable(
        &mut self,
        quarter: QuarterId,
        id: &CampaignId,
    ) -> Result<(), RoadmapError> {
        self.quarter_mut(quarter)?
            .sow
            .deliverables
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| RoadmapError::UnknownDeliverable(id.clone()))
    }

    pub fn set_approval(
        &mut self,
        quarter: QuarterId,
        draft_due_days: u32,
        review_days: u32,
        revision_rounds: u32,
    ) -> Result<(), RoadmapError> {
        let sow = &mut self.quarter_mut(quarter)?.sow;
        sow.draft_due_days_before_live = draft_due_days;
        sow.review_days = review_days;
        sow.revision_rounds = revision_rounds;
        Ok(())
    }

    pub fn set_compensation(
        &mut self,
        quarter: QuarterId,
        amount: Option<Money>,
        kill_fee: Option<Money>,
        conversion: Option<Conversion>,
    ) -> Result<(), RoadmapError> {
        if let Some(c) = &conversion
            && !(c.rate.is_finite() && c.rate > 0.0)
        {
            return Err(RoadmapError::BadRate);
        }
        let sow = &mut self.quarter_mut(quarter)?.sow;
        sow.compensation = amount;
        sow.kill_fee = kill_fee;
        sow.conversion = conversion;
        Ok(())
    }

    pub fn set_sow_text(
        &mut self,
        quarter: QuarterId,
        split: &str,
        terms: &str,
    ) -> Result<(), RoadmapError> {
        let sow = &mut self.quarter_mut(quarter)?.sow;
        set_text(&mut sow.payment_split, split);
        set_text(&mut sow.payment_terms, terms);
        Ok(())
    }

    fn validate_kpi(&self, kpi: &Kpi) -> Result<(), RoadmapError> {
        if !self.markets.contains(&kpi.market) {
            return Err(RoadmapError::ForeignMarket(kpi.market));
        }
        if !kpi.target.is_finite() {
            return Err(RoadmapError::NotANumber("the target"));
        }
        if !kpi.threshold.is_finite() {
            return Err(RoadmapError::NotANumber("the threshold"));
        }
        Ok(())
    }

    pub fn set_kpi(&mut self, id: CampaignId, kpi: Kpi) -> Result<(), RoadmapError> {
        self.validate_kpi(&kpi)?;
        self.kpis.insert(id, kpi);
        Ok(())
    }

    pub fn remove_kpi(&mut self, id: &CampaignId) -> Result<(), RoadmapError> {
        self.kpis
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| RoadmapError::UnknownKpi(id.clone()))
    }

    /// Records (or, with `None`, clears) a campaign's results in one market.
    pub fn set_results(
        &mut self,
        quarter: QuarterId,
        campaign: &CampaignId,
        market: Market,
        figures: Option<Figures>,
    ) -> Result<(), RoadmapError> {
        if !self.markets.contains(&market) {
            return Err(RoadmapError::ForeignMarket(market));
        }
        let c = self
            .quarter_mut(quarter)?
            .campaigns
            .get_mut(campaign)
            .ok_or_else(|| RoadmapError::UnknownCampaign(campaign.clone()))?;
        match figures {
            Some(f) => {
                c.results.insert(market, f);
            }
            None => {
                c.results.remove(&market);
            }
        }
        Ok(())
    }

    pub fn set_onboarding_cost(&mut self, cost: Option<Money>) {
        self.onboarding_cost = cost;
    }

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
    use crate::campaign::CampaignStatus;

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
                CampaignId::from_random([n; 16]),
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
            Err(RoadmapError::EndsBeforeStart { .. })
        ));
        let other_q = "2031-Q1".parse().expect("q");
        assert_eq!(
            p.add_campaign(other_q, id, draft("X")),
            Err(RoadmapError::UnknownQuarter(other_q))
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
            CampaignId::from_random([9; 16]),
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
            CampaignId::from_random([8; 16]),
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
                CampaignId::from_random([7; 16]),
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
                CampaignId::from_random([7; 16]),
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
            Err(RoadmapError::TermEndsBeforeStart { .. })
        ));
        p.set_term(day("2027-01-01"), day("2027-12-31"))
            .expect("term");
        assert_eq!(
            p.set_renewal(0, true, 30, 30, None),
            Err(RoadmapError::CheckpointMonths)
        );
        p.set_agreement_text(AgreementText::BrandLegalName, "ООО «Нортвинд»");
        assert_eq!(p.agreement.brand_legal_name.as_str(), "ООО «Нортвинд»");
    }
}

#[cfg(test)]
mod refusal_words {
    use super::*;
    use crate::meeting::WorkingHoursError;

    #[test]
    fn every_refusal_reads_in_russian() {
        let q: QuarterId = "2027-Q1".parse().expect("q");
        let id = CampaignId::from_random([1; 16]);
        let ru: Market = "RU".parse().expect("m");
        let refusals = [
            RoadmapError::UnknownQuarter(q),
            RoadmapError::UnknownCampaign(id.clone()),
            RoadmapError::MissingTitle,
            RoadmapError::ForeignMarket(ru),
            RoadmapError::EndsBeforeStart {
                starts: "2027-02-01".parse().expect("day"),
                ends: "2027-01-01".parse().expect("day"),
            },
            RoadmapError::TermEndsBeforeStart {
                starts: "2027-02-01".parse().expect("day"),
                ends: "2027-01-01".parse().expect("day"),
            },
            RoadmapError::UnknownDeliverable(id.clone()),
            RoadmapError::UnknownKpi(id),
            RoadmapError::MissingDeliverableFields,
            RoadmapError::ZeroCount,
            RoadmapError::NotANumber("the target"),
            RoadmapError::BadRate,
            RoadmapError::CheckpointMonths,
            RoadmapError::EmptyWin,
            RoadmapError::Cadence,
            RoadmapError::CheckInDate,
            RoadmapError::CheckInSummary,
            RoadmapError::MissingQbrText,
            RoadmapError::MissingIssue,
            RoadmapError::MissingContactName,
            RoadmapError::Hours(WorkingHoursError::Zone("Mars".into())),
            RoadmapError::Hours(WorkingHoursError::Time("9am".into())),
            RoadmapError::Hours(WorkingHoursError::Backwards),
            RoadmapError::UnknownItem,
        ];
        let new = [
            NewPartnershipError::MissingBrand,
            NewPartnershipError::MissingCreator,
            NewPartnershipError::NoMarkets,
            NewPartnershipError::DuplicateMarket(ru),
            NewPartnershipError::QuarterCount(99),
            NewPartnershipError::QuartersOutOfRange,
        ];
        let texts = refusals
            .iter()
            .map(|e| (e.to_string(), e.describe(Lang::Ru)))
            .chain(new.iter().map(|e| (e.to_string(), e.describe(Lang::Ru))));
        for (en, ru) in texts {
            let english = crate::export::tests::english_left(&ru);
            // What the person typed ("Mars", "9am") and zone examples stay as written.
            let english: Vec<_> = english
                .into_iter()
                .filter(|w| {
                    ![
                        "Mars", "9am", "IANA", "Europe", "Moscow", "America", "New", "York",
                    ]
                    .contains(&w.as_str())
                })
                .collect();
            assert!(english.is_empty(), "{en:?} → {ru:?} leaves {english:?}");
            assert_ne!(en, ru);
        }
    }
}
