//! What a person can do to a partnership, as data.
//!
//! A screen builds a [`Command`] and hands it to the document
//! ([`crate::document::PartnershipDoc::apply`]); the command validates and applies itself
//! ([`Command::run`]) and says what it did as a [`Change`], whose message the change
//! carries. No screen formats a change message, and History reads each message back as the
//! same [`Change`].

use autosurgeon::Text;

pub use crate::error::CommandError;
use crate::{
    agreement::AgreementText,
    campaign::{CampaignDraft, CampaignId},
    change::{Change, DebriefPart, Field},
    checkin::CheckIn,
    compliance::Rule,
    contact::{ContactDraft, Side},
    day::Day,
    debrief::{DebriefText, NextStep, Outcome},
    drafts::Answer,
    ids::{
        ActionId, CheckInId, DeliverableId, FeedbackId, IssueId, KpiId, PaymentId, ReviewId,
        VersionId, WinId,
    },
    kpi::{Figures, Kpi},
    market::Market,
    money::Money,
    partnership::review_rounds::ReviewDraft,
    partnership::{Partnership, payments::PaymentDraft, record::DeliverableDraft},
    payment::{PaymentDocument, TaxStatus},
    qbr::{MeetingAt, QbrText, ReviewItemId},
    quarter::{QuarterId, UnknownQuarter},
    registry::Report,
    removal::{Removed, Target},
    sow::Conversion,
};

/// A prose field of the roadmap: where people type, a keystroke a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prose {
    Goal,
    Theme(QuarterId),
    Learned(QuarterId),
    NextTry(QuarterId),
}

impl Prose {
    /// The field in a hydrated partnership (`None`: the quarter is not on the roadmap).
    pub fn text_mut(self, p: &mut Partnership) -> Option<&mut Text> {
        match self {
            Prose::Goal => Some(&mut p.goal),
            Prose::Theme(q) => p.quarters.get_mut(&q).map(|x| &mut x.theme),
            Prose::Learned(q) => p.quarters.get_mut(&q).map(|x| &mut x.learned),
            Prose::NextTry(q) => p.quarters.get_mut(&q).map(|x| &mut x.next_try),
        }
    }

    /// The quarter it belongs to (`None`: the larger goal).
    pub fn quarter(self) -> Option<QuarterId> {
        match self {
            Prose::Goal => None,
            Prose::Theme(q) | Prose::Learned(q) | Prose::NextTry(q) => Some(q),
        }
    }
}

/// One thing a person does.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Types into a prose field of the roadmap (the larger goal, a quarter's texts).
    EditProse(Prose, String),
    AddCampaign {
        quarter: QuarterId,
        id: CampaignId,
        draft: CampaignDraft,
    },
    UpdateCampaign {
        quarter: QuarterId,
        id: CampaignId,
        draft: CampaignDraft,
    },
    MoveCampaign {
        quarter: QuarterId,
        id: CampaignId,
        to: usize,
    },
    SetCadence(u32),
    LogCheckIn {
        id: CheckInId,
        checkin: Box<CheckIn>,
    },
    /// A win, by hand or (with `from`, the campaign's title) from a debrief.
    AddWin {
        id: WinId,
        text: String,
        by: String,
        side: String,
        at_ms: i64,
        from: Option<String>,
    },
    SetReviewText {
        quarter: QuarterId,
        field: QbrText,
        value: String,
    },
    SetBudget {
        quarter: QuarterId,
        budget: Option<Money>,
    },
    /// A risk or an action item (by the kind of `item`).
    AddReviewItem {
        quarter: QuarterId,
        item: ReviewItemId,
        text: String,
        owner: String,
        due: Option<Day>,
    },
    SetActionDone {
        quarter: QuarterId,
        id: ActionId,
        done: bool,
    },
    SetAgreementText {
        field: AgreementText,
        value: String,
    },
    SetTerm {
        start: Option<Day>,
        end: Option<Day>,
    },
    SetRenewal {
        checkpoint_months: u32,
        auto_renew: bool,
        renewal_notice_days: u32,
        termination_notice_days: u32,
        exclusivity_months: Option<u32>,
    },
    AddDeliverable {
        quarter: QuarterId,
        id: DeliverableId,
        draft: Box<DeliverableDraft>,
    },
    UpdateDeliverable {
        quarter: QuarterId,
        id: DeliverableId,
        draft: Box<DeliverableDraft>,
    },
    SetApproval {
        quarter: QuarterId,
        draft_due_days: u32,
        review_days: u32,
        revision_rounds: u32,
    },
    SetCompensation {
        quarter: QuarterId,
        amount: Option<Money>,
        kill_fee: Option<Money>,
        conversion: Option<Conversion>,
    },
    SetPayment {
        quarter: QuarterId,
        split: String,
        terms: String,
    },
    AddKpi {
        id: KpiId,
        kpi: Kpi,
    },
    SetResults {
        quarter: QuarterId,
        campaign: CampaignId,
        market: Market,
        figures: Option<Box<Figures>>,
    },
    SetOnboardingCost(Option<Money>),
    SetDebriefOutcome {
        quarter: QuarterId,
        campaign: CampaignId,
        outcome: Option<Outcome>,
    },
    SetDebriefNext {
        quarter: QuarterId,
        campaign: CampaignId,
        next: Option<NextStep>,
    },
    SetDebriefText {
        quarter: QuarterId,
        campaign: CampaignId,
        field: DebriefText,
        value: String,
    },
    /// A "what didn't work" entry: the issue, its cause, its effect.
    AddIssue {
        quarter: QuarterId,
        campaign: CampaignId,
        id: IssueId,
        texts: [String; 3],
        at_ms: i64,
    },
    SetContact {
        side: Side,
        draft: ContactDraft,
    },
    /// Plans a quarter's payments from its SOW's split (one id per share).
    PlanPayments {
        quarter: QuarterId,
        ids: Vec<PaymentId>,
    },
    AddPayment {
        id: PaymentId,
        draft: Box<PaymentDraft>,
    },
    UpdatePayment {
        id: PaymentId,
        draft: Box<PaymentDraft>,
    },
    SetPaymentDocument {
        id: PaymentId,
        document: PaymentDocument,
        held: bool,
    },
    SetCreatorTax(TaxStatus),
    SetUsageRightsUntil(Option<Day>),
    SetReviewMeeting {
        quarter: QuarterId,
        at: Option<MeetingAt>,
    },
    /// A brand-only note about a deliverable (in the notes document).
    AddNote {
        id: crate::ids::NoteId,
        deliverable: DeliverableId,
        text: String,
        by: String,
        at_ms: i64,
    },
    /// A draft of a deliverable: the next version.
    SubmitDraft {
        quarter: QuarterId,
        deliverable: DeliverableId,
        id: VersionId,
        link: String,
        caption: String,
        by: String,
        side: String,
        at_ms: i64,
    },
    ReviewDraft {
        quarter: QuarterId,
        deliverable: DeliverableId,
        version: VersionId,
        id: ReviewId,
        draft: Box<ReviewDraft>,
    },
    AnswerFeedback {
        quarter: QuarterId,
        deliverable: DeliverableId,
        version: VersionId,
        review: ReviewId,
        feedback: FeedbackId,
        answer: Answer,
    },
    EditCaption {
        quarter: QuarterId,
        deliverable: DeliverableId,
        version: VersionId,
        caption: String,
    },
    /// Approves a version by silence once its review clock ran out (whoever's device sees
    /// it first writes it; a second is refused as already reviewed).
    AutoApprove {
        quarter: QuarterId,
        deliverable: DeliverableId,
        version: VersionId,
        now_ms: i64,
    },
    SetVideoChecks {
        quarter: QuarterId,
        deliverable: DeliverableId,
        on_screen: bool,
        spoken: bool,
        tag: bool,
    },
    OverrideGate {
        quarter: QuarterId,
        deliverable: DeliverableId,
        reason: String,
    },
    SetReviewTerms {
        quarter: QuarterId,
        auto_approve: bool,
        extra_round_percent: u32,
    },
    /// Sets (or removes, with `None`) a rule of the compliance table.
    SetRule {
        key: String,
        rule: Option<Box<Rule>>,
    },
    SetReport {
        key: String,
        report: Box<Report>,
    },
    SetCreatorAudience(Option<u64>),
    SetRegistryReporter(String),
    Remove(Target),
    Restore(Box<Removed>),
}

/// What a command did.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    pub change: Change,
    /// What a removal took away (for Undo).
    pub removed: Option<Removed>,
}

impl Command {
    /// What the command does to `p` as it stands, named by what the document holds (the
    /// campaign's title for a move, the item's text for a removal).
    pub fn change(&self, p: &Partnership) -> Change {
        let title = |q: &QuarterId, id: &CampaignId| {
            p.quarters
                .get(q)
                .and_then(|x| x.campaigns.get(id))
                .map(|c| c.title.as_str().trim().to_owned())
                .unwrap_or_default()
        };
        let deliverable_of = |q: &QuarterId, id: &DeliverableId| {
            p.quarters.get(q).and_then(|x| x.sow.deliverables.get(id))
        };
        let what_of = |q: &QuarterId, id: &DeliverableId| {
            deliverable_of(q, id)
                .map(|d| deliverable_words(d.platform.as_str(), d.format.as_str(), d.count))
                .unwrap_or_default()
        };
        let versions_of = |q: &QuarterId, id: &DeliverableId| {
            deliverable_of(q, id).map_or(0, |d| d.versions.len())
        };
        let number_of = |q: &QuarterId, id: &DeliverableId, v: &VersionId| {
            deliverable_of(q, id)
                .and_then(|d| {
                    crate::drafts::rounds(&d.versions, 0)
                        .into_iter()
                        .find(|r| r.id == v)
                        .map(|r| r.number)
                })
                .unwrap_or(0)
        };
        let payment_label = |id: &PaymentId| {
            p.payments
                .get(id)
                .map(|x| x.label.as_str().trim().to_owned())
                .unwrap_or_default()
        };
        match self {
            Command::EditProse(field, _) => Change::Edited(match field {
                Prose::Goal => Field::Goal,
                Prose::Theme(q) => Field::Theme(*q),
                Prose::Learned(q) => Field::Learned(*q),
                Prose::NextTry(q) => Field::NextTry(*q),
            }),
            Command::AddCampaign { quarter, draft, .. } => Change::CampaignAdded {
                title: draft.title.trim().to_owned(),
                market: draft.market,
                quarter: *quarter,
            },
            Command::UpdateCampaign { quarter, id, draft } => {
                let before = p
                    .quarters
                    .get(quarter)
                    .and_then(|x| x.campaigns.get(id))
                    .map(|c| c.status);
                if before.is_some_and(|s| s != draft.status) {
                    Change::CampaignMarked {
                        title: draft.title.trim().to_owned(),
                        status: draft.status,
                    }
                } else {
                    Change::CampaignChanged {
                        title: draft.title.trim().to_owned(),
                    }
                }
            }
            Command::MoveCampaign { quarter, id, .. } => Change::CampaignMoved {
                title: title(quarter, id),
            },
            Command::SetCadence(days) => Change::CadenceSet { days: *days },
            Command::LogCheckIn { checkin, .. } => match checkin.date {
                Some(on) => Change::CheckInLogged { on },
                // Refused by `run`; never written.
                None => Change::CheckInRemoved,
            },
            Command::AddNote { .. } => Change::NoteAdded,
            Command::AddWin { text, .. } => Change::WinAdded {
                text: text.trim().to_owned(),
            },
            Command::SetReviewText { quarter, field, .. } => {
                Change::Edited(Field::Review(*quarter, *field))
            }
            Command::SetBudget { quarter, .. } => Change::BudgetSet { quarter: *quarter },
            Command::AddReviewItem {
                quarter,
                item,
                text,
                ..
            } => Change::ReviewItemAdded {
                quarter: *quarter,
                action: matches!(item, ReviewItemId::Action(_)),
                text: text.trim().to_owned(),
            },
            Command::SetActionDone { done, .. } => Change::ActionTicked { done: *done },
            Command::SetAgreementText { field, .. } => Change::Edited(Field::Agreement(*field)),
            Command::SetTerm { .. } => Change::TermSet,
            Command::SetRenewal {
                checkpoint_months,
                auto_renew,
                renewal_notice_days,
                termination_notice_days,
                exclusivity_months,
            } => {
                let a = &p.agreement;
                let only_auto = a.checkpoint_months == *checkpoint_months
                    && a.renewal_notice_days == *renewal_notice_days
                    && a.termination_notice_days == *termination_notice_days
                    && a.exclusivity_months == *exclusivity_months
                    && a.auto_renew != *auto_renew;
                if only_auto {
                    Change::AutoRenewal { on: *auto_renew }
                } else {
                    Change::RenewalSet
                }
            }
            Command::AddDeliverable { quarter, draft, .. } => Change::DeliverableAdded {
                what: deliverable_words(&draft.platform, &draft.format, draft.count),
                market: draft.market,
                quarter: *quarter,
            },
            Command::UpdateDeliverable { quarter, draft, .. } => Change::DeliverableChanged {
                what: deliverable_words(&draft.platform, &draft.format, draft.count),
                quarter: *quarter,
            },
            Command::SetApproval { quarter, .. } => Change::ApprovalSet { quarter: *quarter },
            Command::SetCompensation { quarter, .. } => {
                Change::CompensationSet { quarter: *quarter }
            }
            Command::SetPayment { quarter, .. } => Change::PaymentSet { quarter: *quarter },
            Command::AddKpi { kpi, .. } => Change::KpiAdded {
                metric: kpi.metric,
                market: kpi.market,
            },
            Command::SetResults {
                quarter,
                campaign,
                market,
                ..
            } => Change::ResultsRecorded {
                title: title(quarter, campaign),
                market: *market,
            },
            Command::SetOnboardingCost(_) => Change::OnboardingCostSet,
            Command::SetDebriefOutcome {
                quarter, campaign, ..
            } => Change::Edited(Field::Debrief(
                title(quarter, campaign),
                DebriefPart::Outcome,
            )),
            Command::SetDebriefNext {
                quarter, campaign, ..
            } => Change::Edited(Field::Debrief(
                title(quarter, campaign),
                DebriefPart::NextTime,
            )),
            Command::SetDebriefText {
                quarter,
                campaign,
                field,
                ..
            } => Change::Edited(Field::Debrief(
                title(quarter, campaign),
                match field {
                    DebriefText::Worked => DebriefPart::Worked,
                    DebriefText::Learnings => DebriefPart::Learnings,
                },
            )),
            Command::AddIssue {
                quarter, campaign, ..
            } => Change::Edited(Field::Debrief(title(quarter, campaign), DebriefPart::Didnt)),
            Command::SetContact { side, .. } => Change::ContactSet { side: *side },
            Command::PlanPayments { quarter, .. } => Change::PaymentsPlanned { quarter: *quarter },
            Command::AddPayment { draft, .. } => Change::PaymentAdded {
                label: draft.label.trim().to_owned(),
            },
            Command::UpdatePayment { id, draft } => {
                let label = draft.label.trim().to_owned();
                match p.payments.get(id) {
                    Some(before) if before.status != draft.status => Change::PaymentMarked {
                        label,
                        status: draft.status,
                    },
                    _ => Change::PaymentChanged { label },
                }
            }
            Command::SetPaymentDocument { id, .. } => Change::PaymentDocumentsSet {
                label: payment_label(id),
            },
            Command::SetCreatorTax(_) => Change::CreatorTaxSet,
            Command::SetUsageRightsUntil(_) => Change::UsageRightsSet,
            Command::SetReviewMeeting { quarter, .. } => {
                Change::ReviewMeetingSet { quarter: *quarter }
            }
            Command::SubmitDraft {
                quarter,
                deliverable,
                ..
            } => Change::DraftSubmitted {
                what: what_of(quarter, deliverable),
                number: versions_of(quarter, deliverable) + 1,
            },
            Command::ReviewDraft {
                quarter,
                deliverable,
                version,
                draft,
                ..
            } => Change::DraftReviewed {
                what: what_of(quarter, deliverable),
                number: number_of(quarter, deliverable, version),
                outcome: draft.outcome,
            },
            Command::AnswerFeedback {
                quarter,
                deliverable,
                ..
            } => Change::FeedbackAnswered {
                what: what_of(quarter, deliverable),
            },
            Command::EditCaption {
                quarter,
                deliverable,
                ..
            } => Change::CaptionEdited {
                what: what_of(quarter, deliverable),
            },
            Command::AutoApprove {
                quarter,
                deliverable,
                version,
                ..
            } => Change::AutoApproved {
                what: what_of(quarter, deliverable),
                number: number_of(quarter, deliverable, version),
            },
            Command::SetVideoChecks {
                quarter,
                deliverable,
                ..
            } => Change::VideoChecksSet {
                what: what_of(quarter, deliverable),
            },
            Command::OverrideGate {
                quarter,
                deliverable,
                reason,
            } => Change::GateOverridden {
                what: what_of(quarter, deliverable),
                reason: reason.trim().to_owned(),
            },
            Command::SetReviewTerms { quarter, .. } => Change::ReviewTermsSet { quarter: *quarter },
            Command::SetRule { key, .. } => Change::RuleSet { key: key.clone() },
            Command::SetReport { key, .. } => Change::ReportSet {
                month: key.rsplit(':').next().unwrap_or_default().to_owned(),
            },
            Command::SetCreatorAudience(_) => Change::CreatorAudienceSet,
            Command::SetRegistryReporter(_) => Change::RegistryReporterSet,
            Command::Remove(target) => match target {
                Target::Campaign(q, id) => Change::CampaignRemoved {
                    title: title(q, id),
                },
                Target::Deliverable(q, id) => Change::DeliverableRemoved {
                    what: p
                        .quarters
                        .get(q)
                        .and_then(|x| x.sow.deliverables.get(id))
                        .map(|d| deliverable_words(d.platform.as_str(), d.format.as_str(), d.count))
                        .unwrap_or_default(),
                    quarter: *q,
                },
                Target::Kpi(id) => match p.kpis.get(id) {
                    Some(k) => Change::KpiRemoved {
                        metric: k.metric,
                        market: k.market,
                    },
                    None => Change::Restored,
                },
                Target::CheckIn(_) => Change::CheckInRemoved,
                Target::Win(_) => Change::WinRemoved,
                Target::Note(_) => Change::NoteRemoved,
                Target::ReviewItem(q, item) => Change::ReviewItemRemoved {
                    quarter: *q,
                    text: p
                        .qbrs
                        .get(q)
                        .and_then(|r| match item {
                            ReviewItemId::Risk(id) => r.risks.get(id).map(|x| x.text.as_str()),
                            ReviewItemId::Action(id) => r.actions.get(id).map(|x| x.text.as_str()),
                        })
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                },
                Target::Issue(q, campaign, _) => {
                    Change::Edited(Field::Debrief(title(q, campaign), DebriefPart::Didnt))
                }
                Target::Payment(id) => Change::PaymentRemoved {
                    label: payment_label(id),
                },
            },
            Command::Restore(_) => Change::Restored,
        }
    }

    /// Validates and applies the command to `p`; a refusal leaves `p` as it was (the
    /// document is only written when this succeeds).
    pub fn run(self, p: &mut Partnership) -> Result<Done, CommandError> {
        let change = self.change(p);
        let mut removed = None;
        match self {
            Command::EditProse(field, value) => match field.text_mut(p) {
                Some(t) => {
                    if t.as_str() != value {
                        t.update(&value);
                    }
                }
                None => {
                    return Err(match field.quarter() {
                        Some(q) => UnknownQuarter(q).into(),
                        None => CommandError::Gone,
                    });
                }
            },
            Command::AddCampaign { quarter, id, draft } => p.add_campaign(quarter, id, draft)?,
            Command::UpdateCampaign { quarter, id, draft } => {
                p.update_campaign(quarter, &id, draft)?
            }
            Command::MoveCampaign { quarter, id, to } => p.move_campaign(quarter, &id, to)?,
            Command::SetCadence(days) => p.set_cadence(days)?,
            Command::LogCheckIn { id, checkin } => p.log_checkin(id, *checkin)?,
            Command::AddNote {
                id,
                deliverable,
                text,
                by,
                at_ms,
            } => p.add_note(id, &deliverable, &text, &by, at_ms)?,
            Command::AddWin {
                id,
                text,
                by,
                side,
                at_ms,
                from,
            } => match from {
                Some(campaign) => p.add_win_from(id, &text, &by, &side, at_ms, &campaign)?,
                None => p.add_win(id, &text, &by, &side, at_ms)?,
            },
            Command::SetReviewText {
                quarter,
                field,
                value,
            } => p.set_qbr_text(quarter, field, &value)?,
            Command::SetBudget { quarter, budget } => p.set_qbr_budget(quarter, budget)?,
            Command::AddReviewItem {
                quarter,
                item,
                text,
                owner,
                due,
            } => p.add_review_item(quarter, item, &text, &owner, due)?,
            Command::SetActionDone { quarter, id, done } => {
                p.set_action_done(quarter, &id, done)?
            }
            Command::SetAgreementText { field, value } => p.set_agreement_text(field, &value),
            Command::SetTerm { start, end } => p.set_term(start, end)?,
            Command::SetRenewal {
                checkpoint_months,
                auto_renew,
                renewal_notice_days,
                termination_notice_days,
                exclusivity_months,
            } => p.set_renewal(
                checkpoint_months,
                auto_renew,
                renewal_notice_days,
                termination_notice_days,
                exclusivity_months,
            )?,
            Command::AddDeliverable { quarter, id, draft } => {
                p.add_deliverable(quarter, id, *draft)?
            }
            Command::UpdateDeliverable { quarter, id, draft } => {
                p.update_deliverable(quarter, &id, *draft)?
            }
            Command::SetApproval {
                quarter,
                draft_due_days,
                review_days,
                revision_rounds,
            } => p.set_approval(quarter, draft_due_days, review_days, revision_rounds)?,
            Command::SetCompensation {
                quarter,
                amount,
                kill_fee,
                conversion,
            } => p.set_compensation(quarter, amount, kill_fee, conversion)?,
            Command::SetPayment {
                quarter,
                split,
                terms,
            } => p.set_sow_text(quarter, &split, &terms)?,
            Command::AddKpi { id, kpi } => p.set_kpi(id, kpi)?,
            Command::SetResults {
                quarter,
                campaign,
                market,
                figures,
            } => p.set_results(quarter, &campaign, market, figures.map(|f| *f))?,
            Command::SetOnboardingCost(cost) => p.set_onboarding_cost(cost),
            Command::SetDebriefOutcome {
                quarter,
                campaign,
                outcome,
            } => p.set_debrief_outcome(quarter, &campaign, outcome)?,
            Command::SetDebriefNext {
                quarter,
                campaign,
                next,
            } => p.set_debrief_next(quarter, &campaign, next)?,
            Command::SetDebriefText {
                quarter,
                campaign,
                field,
                value,
            } => p.set_debrief_text(quarter, &campaign, field, &value)?,
            Command::AddIssue {
                quarter,
                campaign,
                id,
                texts,
                at_ms,
            } => p.add_debrief_issue(
                quarter,
                &campaign,
                id,
                texts.each_ref().map(String::as_str),
                at_ms,
            )?,
            Command::SetContact { side, draft } => p.set_contact(side, &draft)?,
            Command::PlanPayments { quarter, ids } => {
                p.plan_payments(quarter, &ids)?;
            }
            Command::AddPayment { id, draft } => p.add_payment(id, *draft)?,
            Command::UpdatePayment { id, draft } => p.update_payment(&id, *draft)?,
            Command::SetPaymentDocument { id, document, held } => {
                p.set_payment_document(&id, document, held)?
            }
            Command::SetCreatorTax(tax) => p.set_creator_tax(tax),
            Command::SetUsageRightsUntil(until) => p.agreement.usage_rights_until = until,
            Command::SetReviewMeeting { quarter, at } => p.set_review_meeting(quarter, at)?,
            Command::SubmitDraft {
                quarter,
                deliverable,
                id,
                link,
                caption,
                by,
                side,
                at_ms,
            } => p.submit_draft(
                quarter,
                &deliverable,
                id,
                &link,
                &caption,
                &by,
                &side,
                at_ms,
            )?,
            Command::ReviewDraft {
                quarter,
                deliverable,
                version,
                id,
                draft,
            } => p.review_draft(quarter, &deliverable, &version, id, *draft)?,
            Command::AnswerFeedback {
                quarter,
                deliverable,
                version,
                review,
                feedback,
                answer,
            } => p.answer_feedback(quarter, &deliverable, &version, &review, &feedback, answer)?,
            Command::EditCaption {
                quarter,
                deliverable,
                version,
                caption,
            } => p.edit_caption(quarter, &deliverable, &version, &caption)?,
            Command::AutoApprove {
                quarter,
                deliverable,
                version,
                now_ms,
            } => p.auto_approve(quarter, &deliverable, &version, now_ms)?,
            Command::SetVideoChecks {
                quarter,
                deliverable,
                on_screen,
                spoken,
                tag,
            } => p.set_video_checks(quarter, &deliverable, on_screen, spoken, tag)?,
            Command::OverrideGate {
                quarter,
                deliverable,
                reason,
            } => p.override_gate(quarter, &deliverable, &reason)?,
            Command::SetReviewTerms {
                quarter,
                auto_approve,
                extra_round_percent,
            } => p.set_review_terms(quarter, auto_approve, extra_round_percent)?,
            Command::SetRule { key, rule } => p.set_rule(&key, rule.map(|r| *r))?,
            Command::SetReport { key, report } => p.set_report(&key, *report)?,
            Command::SetCreatorAudience(n) => p.agreement.creator_audience = n,
            Command::SetRegistryReporter(who) => {
                who.trim().clone_into(&mut p.agreement.registry_reporter)
            }
            Command::Remove(target) => removed = Some(p.remove(&target)?),
            Command::Restore(what) => p.restore(&what)?,
        }
        Ok(Done { change, removed })
    }
}

/// A deliverable in words: "YouTube video ×2".
fn deliverable_words(platform: &str, format: &str, count: u32) -> String {
    format!("{} {} ×{count}", platform.trim(), format.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        campaign::CampaignStatus,
        locale::Lang,
        market::parse_market_list,
        partnership::{NewPartnership, roadmap::RoadmapError},
    };

    fn partnership() -> (Partnership, QuarterId) {
        let q: QuarterId = "2027-Q1".parse().expect("quarter");
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

    fn draft(title: &str, status: CampaignStatus) -> CampaignDraft {
        CampaignDraft {
            title: title.into(),
            market: "RU".parse().expect("market"),
            starts: None,
            ends: None,
            status,
        }
    }

    #[test]
    fn a_command_names_what_it_did_from_the_document() {
        let (mut p, q) = partnership();
        let id = CampaignId::from_random([7; 16]);
        let added = Command::AddCampaign {
            quarter: q,
            id: id.clone(),
            draft: draft(" Spring drop ", CampaignStatus::Planned),
        }
        .run(&mut p)
        .expect("added");
        assert_eq!(
            added.change.describe(Lang::Ru),
            "добавлена кампания «Spring drop» (RU) в 2027-Q1"
        );
        let marked = Command::UpdateCampaign {
            quarter: q,
            id: id.clone(),
            draft: draft("Spring drop", CampaignStatus::Done),
        }
        .run(&mut p)
        .expect("marked");
        assert_eq!(
            marked.change,
            Change::CampaignMarked {
                title: "Spring drop".into(),
                status: CampaignStatus::Done
            }
        );
        // A move and a removal carry only ids; their message names the campaign.
        let moved = Command::MoveCampaign {
            quarter: q,
            id: id.clone(),
            to: 0,
        }
        .run(&mut p)
        .expect("moved");
        assert_eq!(moved.change.message(), "moved campaign “Spring drop”");
        let removed = Command::Remove(Target::Campaign(q, id))
            .run(&mut p)
            .expect("removed");
        assert_eq!(removed.change.message(), "removed campaign “Spring drop”");
        let back = Command::Restore(Box::new(removed.removed.expect("what it took")))
            .run(&mut p)
            .expect("restored");
        assert_eq!(back.change, Change::Restored);
        assert_eq!(p.quarters[&q].campaigns.len(), 1);
    }

    #[test]
    fn a_refused_command_leaves_the_partnership_as_it_was() {
        let (mut p, q) = partnership();
        let before = p.clone();
        let refused = Command::AddCampaign {
            quarter: q,
            id: CampaignId::from_random([1; 16]),
            draft: draft("  ", CampaignStatus::Planned),
        }
        .run(&mut p);
        assert_eq!(refused, Err(RoadmapError::MissingTitle.into()));
        assert_eq!(p, before);
    }

    #[test]
    fn turning_auto_renewal_on_alone_says_so() {
        let (mut p, _) = partnership();
        let a = p.agreement.clone();
        let done = Command::SetRenewal {
            checkpoint_months: a.checkpoint_months,
            auto_renew: !a.auto_renew,
            renewal_notice_days: a.renewal_notice_days,
            termination_notice_days: a.termination_notice_days,
            exclusivity_months: a.exclusivity_months,
        }
        .run(&mut p)
        .expect("set");
        assert_eq!(done.change, Change::AutoRenewal { on: !a.auto_renew });
    }
}
