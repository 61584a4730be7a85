//! The partnership record: the agreement, each quarter's statement of work, the KPIs and
//! the results campaigns recorded against them.

use autosurgeon::Text;

use super::{Partnership, set_text};
use crate::{
    agreement::AgreementText,
    campaign::CampaignId,
    day::Day,
    ids::{DeliverableId, KpiId},
    kpi::{Figures, Kpi},
    locale::Lang,
    market::Market,
    money::Money,
    quarter::{EndsBeforeStart, QuarterId, UnknownQuarter},
    sow::{Conversion, Deliverable, DeliverableStatus},
};

/// Why a command on the agreement, a statement of work or the KPIs was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Quarter(#[from] UnknownQuarter),
    #[error("that campaign no longer exists (someone may have removed it)")]
    UnknownCampaign(CampaignId),
    #[error("market {0} is not one of this partnership's markets")]
    ForeignMarket(Market),
    #[error(transparent)]
    EndsBeforeStart(#[from] EndsBeforeStart),
    #[error("the term ends ({ends}) before it starts ({starts})")]
    TermEndsBeforeStart { starts: Day, ends: Day },
    #[error("that deliverable no longer exists (someone may have removed it)")]
    UnknownDeliverable(DeliverableId),
    #[error("that KPI no longer exists (someone may have removed it)")]
    UnknownKpi(KpiId),
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
    /// The compliance gate fails (its failing items, in English) and no override reason
    /// was recorded.
    #[error("it cannot go live yet: {0}")]
    GateFails(String),
}

impl RecordError {
    /// In words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (_, Self::Quarter(e)) => e.describe(lang),
            (_, Self::EndsBeforeStart(e)) => e.describe(lang),
            // Dates as the reader writes them, not as the document stores them.
            (Lang::En, Self::TermEndsBeforeStart { starts, ends }) => format!(
                "the term ends ({}) before it starts ({})",
                lang.day(*ends),
                lang.day(*starts)
            ),
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::UnknownCampaign(_)) => {
                "этой кампании уже нет (возможно, кто-то удалил её)".into()
            }
            (Lang::Ru, Self::ForeignMarket(m)) => format!("рынок {m} не входит в это партнёрство"),
            (Lang::Ru, Self::TermEndsBeforeStart { starts, ends }) => format!(
                "договор заканчивается ({}) раньше, чем начинается ({})",
                lang.day(*ends),
                lang.day(*starts)
            ),
            (Lang::Ru, Self::UnknownDeliverable(_) | Self::UnknownKpi(_)) => super::GONE_RU.into(),
            (Lang::Ru, Self::MissingDeliverableFields) => {
                "у материала должны быть площадка и формат".into()
            }
            (Lang::Ru, Self::ZeroCount) => "количество материалов — не меньше 1".into(),
            (Lang::Ru, Self::NotANumber(what)) => format!("{}: нужно число", lang.text(what)),
            (Lang::Ru, Self::BadRate) => "курс пересчёта должен быть больше нуля".into(),
            (Lang::Ru, Self::CheckpointMonths) => {
                "между контрольными точками от 1 до 24 месяцев".into()
            }
            (Lang::Ru, Self::GateFails(_)) => {
                "публиковать пока нельзя: не пройдена проверка требований (см. список) — или укажите причину публикации".into()
            }
        }
    }
}

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
            AgreementText::BrandInn => &mut a.brand_inn,
            AgreementText::CreatorRegisterNumber => &mut a.creator_register_number,
        };
        set_text(t, value);
    }

    pub fn set_term(&mut self, start: Option<Day>, end: Option<Day>) -> Result<(), RecordError> {
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            return Err(RecordError::TermEndsBeforeStart { starts: s, ends: e });
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
    ) -> Result<(), RecordError> {
        if !(1..=24).contains(&checkpoint_months) {
            return Err(RecordError::CheckpointMonths);
        }
        let a = &mut self.agreement;
        a.checkpoint_months = checkpoint_months;
        a.auto_renew = auto_renew;
        a.renewal_notice_days = renewal_notice_days;
        a.termination_notice_days = termination_notice_days;
        a.exclusivity_months = exclusivity_months;
        Ok(())
    }

    fn validate_deliverable(&self, d: &DeliverableDraft) -> Result<(), RecordError> {
        if d.platform.trim().is_empty() || d.format.trim().is_empty() {
            return Err(RecordError::MissingDeliverableFields);
        }
        if d.count == 0 {
            return Err(RecordError::ZeroCount);
        }
        if !self.markets.contains(&d.market) {
            return Err(RecordError::ForeignMarket(d.market));
        }
        if let (Some(s), Some(e)) = (d.live_from, d.live_to)
            && e < s
        {
            return Err(EndsBeforeStart { starts: s, ends: e }.into());
        }
        Ok(())
    }

    pub fn add_deliverable(
        &mut self,
        quarter: QuarterId,
        id: DeliverableId,
        d: DeliverableDraft,
    ) -> Result<(), RecordError> {
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
                versions: Default::default(),
                erid_for: None,
                disclosure_on_screen: false,
                disclosure_spoken: false,
                platform_tag: false,
                override_reason: Default::default(),
            },
        );
        Ok(())
    }

    /// Changes a deliverable; only the fields that differ are written.
    pub fn update_deliverable(
        &mut self,
        quarter: QuarterId,
        id: &DeliverableId,
        d: DeliverableDraft,
    ) -> Result<(), RecordError> {
        self.validate_deliverable(&d)?;
        let before = self
            .quarter(quarter)?
            .sow
            .deliverables
            .get(id)
            .ok_or_else(|| RecordError::UnknownDeliverable(id.clone()))?
            .clone();
        if d.status == DeliverableStatus::Live && before.status != DeliverableStatus::Live {
            // The compliance gate, on the deliverable as it would be.
            let mut would_be = before.clone();
            would_be.platform = Text::with_value(d.platform.trim());
            would_be.format = Text::with_value(d.format.trim());
            would_be.market = d.market;
            would_be.live_from = d.live_from;
            would_be.paid = d.paid;
            would_be.erid = Text::with_value(d.erid.trim());
            would_be.reklama_label = d.reklama_label;
            if d.erid.trim() != before.erid.as_str().trim() {
                would_be.erid_for = None;
            }
            self.may_go_live(quarter, &would_be)
                .map_err(|failing| RecordError::GateFails(failing.join("; ")))?;
        }
        let erid_changed = d.erid.trim() != before.erid.as_str().trim();
        let x = self
            .quarter_mut(quarter)?
            .sow
            .deliverables
            .get_mut(id)
            .ok_or_else(|| RecordError::UnknownDeliverable(id.clone()))?;
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
        if erid_changed {
            self.stamp_erid(quarter, id);
        }
        Ok(())
    }

    pub fn remove_deliverable(
        &mut self,
        quarter: QuarterId,
        id: &DeliverableId,
    ) -> Result<(), RecordError> {
        self.quarter_mut(quarter)?
            .sow
            .deliverables
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| RecordError::UnknownDeliverable(id.clone()))
    }

    pub fn set_approval(
        &mut self,
        quarter: QuarterId,
        draft_due_days: u32,
        review_days: u32,
        revision_rounds: u32,
    ) -> Result<(), RecordError> {
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
    ) -> Result<(), RecordError> {
        if let Some(c) = &conversion
            && !(c.rate.is_finite() && c.rate > 0.0)
        {
            return Err(RecordError::BadRate);
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
    ) -> Result<(), RecordError> {
        let sow = &mut self.quarter_mut(quarter)?.sow;
        set_text(&mut sow.payment_split, split);
        set_text(&mut sow.payment_terms, terms);
        Ok(())
    }

    fn validate_kpi(&self, kpi: &Kpi) -> Result<(), RecordError> {
        if !self.markets.contains(&kpi.market) {
            return Err(RecordError::ForeignMarket(kpi.market));
        }
        if !kpi.target.is_finite() {
            return Err(RecordError::NotANumber("the target"));
        }
        if !kpi.threshold.is_finite() {
            return Err(RecordError::NotANumber("the threshold"));
        }
        Ok(())
    }

    pub fn set_kpi(&mut self, id: KpiId, kpi: Kpi) -> Result<(), RecordError> {
        self.validate_kpi(&kpi)?;
        self.kpis.insert(id, kpi);
        Ok(())
    }

    pub fn remove_kpi(&mut self, id: &KpiId) -> Result<(), RecordError> {
        self.kpis
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| RecordError::UnknownKpi(id.clone()))
    }

    /// Records (or, with `None`, clears) a campaign's results in one market.
    pub fn set_results(
        &mut self,
        quarter: QuarterId,
        campaign: &CampaignId,
        market: Market,
        figures: Option<Figures>,
    ) -> Result<(), RecordError> {
        if !self.markets.contains(&market) {
            return Err(RecordError::ForeignMarket(market));
        }
        let c = self
            .quarter_mut(quarter)?
            .campaigns
            .get_mut(campaign)
            .ok_or_else(|| RecordError::UnknownCampaign(campaign.clone()))?;
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
}
