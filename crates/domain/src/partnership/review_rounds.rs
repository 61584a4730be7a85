//! Draft review rounds and the compliance gate, as commands: submit a version, review it
//! with feedback, answer feedback, edit a caption, approve by silence when the clock ran
//! out, record the reviewer's video checks, override the gate with a reason, edit the
//! rules table, record registry reports.

use std::collections::BTreeMap;

use autosurgeon::Text;
use chrono::{DateTime, NaiveDate, Utc};

use super::{Partnership, set_text};
use crate::{
    compliance::{self, Item, Parties, Rule},
    contact::Side,
    drafts::{Answer, DraftReview, DraftVersion, Feedback, Outcome},
    ids::{DeliverableId, FeedbackId, ReviewId, VersionId},
    items::Items,
    locale::Lang,
    quarter::{QuarterId, UnknownQuarter},
    sow::{Deliverable, DeliverableStatus, EridFor},
    zone::Zone,
};

/// Why a review-round command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundError {
    #[error("that deliverable no longer exists (someone may have removed it)")]
    UnknownDeliverable,
    #[error("that draft no longer exists")]
    UnknownVersion,
    #[error("that feedback no longer exists")]
    UnknownFeedback,
    #[error("a draft needs a link to the file or preview, or its caption")]
    EmptyDraft,
    #[error("a feedback item needs a few words")]
    EmptyFeedback,
    #[error("“needs work” needs at least one feedback item saying what")]
    NeedsWorkWithoutFeedback,
    #[error("the review clock has not run out yet")]
    ClockRunning,
    #[error("this statement of work does not approve drafts by silence")]
    NoAutoApprove,
    #[error("this draft was already reviewed")]
    AlreadyReviewed,
    #[error("an override needs the reason it is safe to publish anyway")]
    EmptyReason,
    #[error("an extra round costs 0 to 100% of the fee")]
    ExtraPercent,
    #[error("a rule needs a known kind")]
    UnknownRule,
    #[error("a rule cannot end before it starts")]
    RuleBackwards,
    #[error(transparent)]
    Quarter(#[from] UnknownQuarter),
}

impl RoundError {
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::UnknownDeliverable) => {
                "этого материала больше нет (возможно, его удалили)".into()
            }
            (Lang::Ru, Self::UnknownVersion) => "этого черновика больше нет".into(),
            (Lang::Ru, Self::UnknownFeedback) => "этого замечания больше нет".into(),
            (Lang::Ru, Self::EmptyDraft) => {
                "у черновика должна быть ссылка на файл или превью либо текст".into()
            }
            (Lang::Ru, Self::EmptyFeedback) => "замечание нужно описать хотя бы парой слов".into(),
            (Lang::Ru, Self::NeedsWorkWithoutFeedback) => {
                "для «нужна доработка» добавьте хотя бы одно замечание".into()
            }
            (Lang::Ru, Self::ClockRunning) => "срок проверки ещё не истёк".into(),
            (Lang::Ru, Self::NoAutoApprove) => {
                "по этому техзаданию молчание не считается согласованием".into()
            }
            (Lang::Ru, Self::AlreadyReviewed) => "этот черновик уже проверен".into(),
            (Lang::Ru, Self::EmptyReason) => "укажите, почему публиковать всё же можно".into(),
            (Lang::Ru, Self::ExtraPercent) => {
                "дополнительный раунд стоит от 0 до 100% вознаграждения".into()
            }
            (Lang::Ru, Self::UnknownRule) => "неизвестный вид правила".into(),
            (Lang::Ru, Self::RuleBackwards) => {
                "правило не может закончиться раньше, чем начнётся".into()
            }
            (Lang::Ru, Self::Quarter(e)) => e.describe(Lang::Ru),
        }
    }
}

/// A review as a person writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewDraft {
    pub outcome: Outcome,
    /// (id, text, must fix).
    pub feedback: Vec<(FeedbackId, String, bool)>,
    pub by: String,
    pub side: String,
    pub at_ms: i64,
}

impl Partnership {
    pub(crate) fn deliverable_mut(
        &mut self,
        quarter: QuarterId,
        id: &DeliverableId,
    ) -> Result<&mut Deliverable, RoundError> {
        self.quarters
            .get_mut(&quarter)
            .ok_or(UnknownQuarter(quarter))?
            .sow
            .deliverables
            .get_mut(id)
            .ok_or(RoundError::UnknownDeliverable)
    }

    fn version_mut(
        &mut self,
        quarter: QuarterId,
        id: &DeliverableId,
        version: &VersionId,
    ) -> Result<&mut DraftVersion, RoundError> {
        self.deliverable_mut(quarter, id)?
            .versions
            .get_mut(version)
            .ok_or(RoundError::UnknownVersion)
    }

    /// The creator (or anyone) submits a draft: the next version, and the deliverable
    /// is "draft submitted" unless it is already live.
    #[allow(clippy::too_many_arguments)]
    pub fn submit_draft(
        &mut self,
        quarter: QuarterId,
        id: &DeliverableId,
        version: VersionId,
        link: &str,
        caption: &str,
        by: &str,
        side: &str,
        at_ms: i64,
    ) -> Result<(), RoundError> {
        if link.trim().is_empty() && caption.trim().is_empty() {
            return Err(RoundError::EmptyDraft);
        }
        let d = self.deliverable_mut(quarter, id)?;
        // After every version this device has seen, whatever its clock says (a clock
        // behind another side's, or two submissions within a millisecond): rounds are
        // numbered by this time.
        let after_seen = d
            .versions
            .values()
            .map(|v| v.at_ms + 1)
            .max()
            .unwrap_or(i64::MIN);
        let at_ms = at_ms.max(after_seen);
        d.versions.insert(
            version,
            DraftVersion {
                link: Text::with_value(link.trim()),
                caption: Text::with_value(caption.trim_end()),
                by: by.trim().to_owned(),
                side: side.to_owned(),
                at_ms,
                reviews: Items::default(),
                auto_approved_ms: None,
                removed: false,
            },
        );
        if d.status != DeliverableStatus::Live {
            d.status = DeliverableStatus::DraftSubmitted;
        }
        Ok(())
    }

    /// A review of a version with its feedback; approving the latest version makes the
    /// deliverable "approved", anything else leaves it waiting for the next draft.
    pub fn review_draft(
        &mut self,
        quarter: QuarterId,
        id: &DeliverableId,
        version: &VersionId,
        review: ReviewId,
        draft: ReviewDraft,
    ) -> Result<(), RoundError> {
        if draft.feedback.iter().any(|(_, t, _)| t.trim().is_empty()) {
            return Err(RoundError::EmptyFeedback);
        }
        if draft.outcome == Outcome::NeedsWork && draft.feedback.is_empty() {
            return Err(RoundError::NeedsWorkWithoutFeedback);
        }
        let d = self.deliverable_mut(quarter, id)?;
        let latest = crate::drafts::rounds(&d.versions, 0)
            .last()
            .map(|r| r.id.clone());
        let v = d
            .versions
            .get_mut(version)
            .ok_or(RoundError::UnknownVersion)?;
        let mut feedback = Items::default();
        for (fid, text, must_fix) in draft.feedback {
            feedback.insert(
                fid,
                Feedback {
                    text: Text::with_value(text.trim()),
                    must_fix,
                    answer: Answer::Open,
                    removed: false,
                },
            );
        }
        v.reviews.insert(
            review,
            DraftReview {
                outcome: draft.outcome,
                by: draft.by.trim().to_owned(),
                side: draft.side,
                at_ms: draft.at_ms,
                feedback,
                removed: false,
            },
        );
        let approved = v.approved();
        if latest.as_ref() == Some(version) && d.status != DeliverableStatus::Live {
            d.status = if approved {
                DeliverableStatus::Approved
            } else {
                DeliverableStatus::DraftSubmitted
            };
        }
        Ok(())
    }

    pub fn answer_feedback(
        &mut self,
        quarter: QuarterId,
        id: &DeliverableId,
        version: &VersionId,
        review: &ReviewId,
        feedback: &FeedbackId,
        answer: Answer,
    ) -> Result<(), RoundError> {
        let f = self
            .version_mut(quarter, id, version)?
            .reviews
            .get_mut(review)
            .and_then(|r| r.feedback.get_mut(feedback))
            .ok_or(RoundError::UnknownFeedback)?;
        f.answer = answer;
        Ok(())
    }

    /// Edits a version's caption (an erid issued before then no longer covers it).
    pub fn edit_caption(
        &mut self,
        quarter: QuarterId,
        id: &DeliverableId,
        version: &VersionId,
        caption: &str,
    ) -> Result<(), RoundError> {
        let v = self.version_mut(quarter, id, version)?;
        if v.caption.as_str() != caption {
            v.caption.update(caption);
        }
        Ok(())
    }

    /// The reviewer's zone: the brand's contact's, else UTC.
    pub fn reviewer_zone(&self) -> Zone {
        self.contact(Side::Brand)
            .and_then(|c| Zone::named(&c.zone))
            .unwrap_or_else(Zone::utc)
    }

    /// When the review of a version submitted at `at_ms` is due.
    pub fn review_deadline(&self, quarter: QuarterId, at_ms: i64) -> Option<DateTime<Utc>> {
        let days = self.quarters.get(&quarter)?.sow.review_days;
        let submitted = DateTime::from_timestamp_millis(at_ms)?;
        Some(crate::drafts::review_deadline(
            submitted,
            days,
            &self.reviewer_zone(),
        ))
    }

    /// Approves a version by silence: the SOW says so, nobody reviewed it, and the clock
    /// ran out by `now_ms` (exactly at the deadline, not before).
    pub fn auto_approve(
        &mut self,
        quarter: QuarterId,
        id: &DeliverableId,
        version: &VersionId,
        now_ms: i64,
    ) -> Result<(), RoundError> {
        let q = self.quarter(quarter)?;
        if !q.sow.auto_approve {
            return Err(RoundError::NoAutoApprove);
        }
        let at_ms = q
            .sow
            .deliverables
            .get(id)
            .ok_or(RoundError::UnknownDeliverable)?
            .versions
            .get(version)
            .ok_or(RoundError::UnknownVersion)?
            .at_ms;
        let deadline = self
            .review_deadline(quarter, at_ms)
            .ok_or(RoundError::ClockRunning)?
            .timestamp_millis();
        if now_ms < deadline {
            return Err(RoundError::ClockRunning);
        }
        let d = self.deliverable_mut(quarter, id)?;
        let latest = crate::drafts::rounds(&d.versions, 0)
            .last()
            .map(|r| r.id.clone());
        let v = d
            .versions
            .get_mut(version)
            .ok_or(RoundError::UnknownVersion)?;
        if !v.reviews.is_empty() || v.auto_approved_ms.is_some() {
            return Err(RoundError::AlreadyReviewed);
        }
        v.auto_approved_ms = Some(deadline);
        if latest.as_ref() == Some(version) && d.status == DeliverableStatus::DraftSubmitted {
            d.status = DeliverableStatus::Approved;
        }
        Ok(())
    }

    pub fn set_review_terms(
        &mut self,
        quarter: QuarterId,
        auto_approve: bool,
        extra_round_percent: u32,
    ) -> Result<(), RoundError> {
        if extra_round_percent > 100 {
            return Err(RoundError::ExtraPercent);
        }
        let sow = &mut self
            .quarters
            .get_mut(&quarter)
            .ok_or(UnknownQuarter(quarter))?
            .sow;
        sow.auto_approve = auto_approve;
        sow.extra_round_percent = extra_round_percent;
        Ok(())
    }

    pub fn set_video_checks(
        &mut self,
        quarter: QuarterId,
        id: &DeliverableId,
        on_screen: bool,
        spoken: bool,
        tag: bool,
    ) -> Result<(), RoundError> {
        let d = self.deliverable_mut(quarter, id)?;
        d.disclosure_on_screen = on_screen;
        d.disclosure_spoken = spoken;
        d.platform_tag = tag;
        Ok(())
    }

    /// Records why a post may go live although the gate fails.
    pub fn override_gate(
        &mut self,
        quarter: QuarterId,
        id: &DeliverableId,
        reason: &str,
    ) -> Result<(), RoundError> {
        if reason.trim().is_empty() {
            return Err(RoundError::EmptyReason);
        }
        set_text(
            &mut self.deliverable_mut(quarter, id)?.override_reason,
            reason.trim(),
        );
        Ok(())
    }

    /// The rules in force for this partnership: the owner's table, else the defaults.
    pub fn rules(&self) -> BTreeMap<String, Rule> {
        if self.rules.is_empty() {
            compliance::default_rules()
        } else {
            self.rules.clone()
        }
    }

    /// Sets (or, with `None`, removes) one rule; the first edit copies the defaults into
    /// the document under their stable keys, so both sides editing at once merge.
    pub fn set_rule(&mut self, key: &str, rule: Option<Rule>) -> Result<(), RoundError> {
        if let Some(r) = &rule {
            if r.kind().is_none() {
                return Err(RoundError::UnknownRule);
            }
            if r.until.is_some_and(|u| u < r.from) {
                return Err(RoundError::RuleBackwards);
            }
        }
        if self.rules.is_empty() {
            self.rules = compliance::default_rules();
        }
        match rule {
            Some(r) => {
                self.rules.insert(key.to_owned(), r);
            }
            None => {
                if let Some(r) = self.rules.get_mut(key) {
                    r.removed = true;
                }
            }
        }
        Ok(())
    }

    /// The parties' facts the gate reads.
    fn parties(&self) -> Parties<'_> {
        let a = &self.agreement;
        Parties {
            brand_legal_name: a.brand_legal_name.as_str(),
            brand_inn: a.brand_inn.as_str(),
            creator_audience: a.creator_audience,
            creator_register_number: a.creator_register_number.as_str(),
            creator_tax: a.creator_tax,
        }
    }

    /// The gate of deliverable `id` of `quarter`, on its go-live date (`None`: not
    /// dated — nothing can be checked against the dated rules).
    pub fn gate(
        &self,
        quarter: QuarterId,
        id: &DeliverableId,
        lang: Lang,
    ) -> Option<(NaiveDate, Vec<Item>)> {
        let q = self.quarters.get(&quarter)?;
        let d = q.sow.deliverables.get(id)?;
        let on = d.live_from?.0;
        Some((
            on,
            compliance::gate(
                d,
                q.sow.revision_rounds,
                self.parties(),
                &self.rules(),
                on,
                lang,
            ),
        ))
    }

    /// Live paid posts the rules in force now fail: each with its failing items (a change
    /// of the rules table re-checks what is already live).
    pub fn breaches(&self, lang: Lang) -> Vec<(QuarterId, DeliverableId, Vec<Item>)> {
        let mut out = Vec::new();
        for (q, quarter) in &self.quarters {
            for (id, d) in quarter.sow.deliverables.iter() {
                if d.status != DeliverableStatus::Live || !d.paid {
                    continue;
                }
                if let Some((_, items)) = self.gate(*q, id, lang) {
                    let failing: Vec<Item> = items
                        .into_iter()
                        .filter(|i| i.status == compliance::Status::Fail)
                        .collect();
                    if !failing.is_empty() {
                        out.push((*q, id.clone(), failing));
                    }
                }
            }
        }
        out
    }

    /// What `update_deliverable` checks before a post goes live: the gate passes, or an
    /// override reason is recorded; a post without a go-live date cannot be checked.
    pub(crate) fn may_go_live(
        &self,
        quarter: QuarterId,
        d: &Deliverable,
    ) -> Result<(), Vec<String>> {
        if !d.paid || !d.override_reason.as_str().trim().is_empty() {
            return Ok(());
        }
        let Some(q) = self.quarters.get(&quarter) else {
            return Ok(());
        };
        let Some(Day(on)) = d.live_from else {
            return Err(vec![
                "set the go-live date: the rules are checked on it".to_owned(),
            ]);
        };
        let items = compliance::gate(
            d,
            q.sow.revision_rounds,
            self.parties(),
            &self.rules(),
            on,
            Lang::En,
        );
        if compliance::passes(&items) {
            Ok(())
        } else {
            Err(items
                .into_iter()
                .filter(|i| i.status == compliance::Status::Fail)
                .map(|i| i.reason)
                .collect())
        }
    }

    /// Whether deliverable `id` may be marked live now: it is, or the gate (or a recorded
    /// reason) lets it — what `update_deliverable` checks, for screens to offer "live".
    pub fn may_be_live(&self, quarter: QuarterId, id: &DeliverableId) -> bool {
        self.quarters
            .get(&quarter)
            .and_then(|q| q.sow.deliverables.get(id))
            .is_some_and(|d| {
                d.status == DeliverableStatus::Live || self.may_go_live(quarter, d).is_ok()
            })
    }

    /// Records the erid as issued for the version going out now.
    pub(crate) fn stamp_erid(&mut self, quarter: QuarterId, id: &DeliverableId) {
        let Some(rounds) = self.quarters.get(&quarter).map(|q| q.sow.revision_rounds) else {
            return;
        };
        let Ok(d) = self.deliverable_mut(quarter, id) else {
            return;
        };
        d.erid_for = if d.erid.as_str().trim().is_empty() {
            None
        } else {
            compliance::current_version(d, rounds).map(|(v, x)| EridFor {
                version: v.clone(),
                caption: x.caption.as_str().to_owned(),
            })
        };
    }
}

use crate::day::Day;

impl Partnership {
    /// The reporting tasks: one per month and platform of each live paid RU placement.
    /// A placement without an end is reported through the month it went live.
    pub fn registry_tasks(&self) -> Vec<crate::registry::Task> {
        let mut out = Vec::new();
        for (q, quarter) in &self.quarters {
            for (id, d) in quarter.sow.deliverables_in_order() {
                if d.market.as_str() != "RU" || !d.paid || d.status != DeliverableStatus::Live {
                    continue;
                }
                let Some(Day(from)) = d.live_from else {
                    continue;
                };
                let to = d
                    .live_to
                    .map(|Day(x)| x)
                    .filter(|x| *x >= from)
                    .unwrap_or(from);
                for month in crate::registry::months(from, to) {
                    out.push(crate::registry::Task {
                        key: format!("{id}:{}", month.format("%Y-%m")),
                        quarter: *q,
                        deliverable: id.clone(),
                        platform: d.platform.as_str().trim().to_owned(),
                        month,
                        due: crate::registry::due_for(month),
                    });
                }
            }
        }
        out.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.key.cmp(&b.key)));
        out
    }

    /// What was recorded for a task.
    pub fn report(&self, key: &str) -> crate::registry::Report {
        self.registry.get(key).cloned().unwrap_or_default()
    }

    /// Records a task's report. The same act may not be attached to two tasks (uploaded
    /// twice, it counts twice).
    pub fn set_report(
        &mut self,
        key: &str,
        report: crate::registry::Report,
    ) -> Result<(), crate::registry::RegistryError> {
        if !self.registry_tasks().iter().any(|t| t.key == key) {
            return Err(crate::registry::RegistryError::UnknownTask);
        }
        let act = report.act.as_str().trim().to_owned();
        if !act.is_empty()
            && self.registry.iter().any(|(k, r)| {
                k != key && r.act.as_str().trim().to_lowercase() == act.to_lowercase()
            })
        {
            return Err(crate::registry::RegistryError::ActTwice(act));
        }
        let entry = self.registry.entry(key.to_owned()).or_default();
        set_text(&mut entry.act, &act);
        entry.impressions = report.impressions;
        entry.reported = report.reported;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        compliance::{RuleKind, Status},
        market::parse_market_list,
        money::{Currency, Money},
        partnership::{NewPartnership, record::DeliverableDraft},
    };

    fn q() -> QuarterId {
        "2025-Q3".parse().expect("quarter")
    }

    fn partnership() -> Partnership {
        Partnership::new(&NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша".into(),
            markets: parse_market_list("RU, US").expect("markets"),
            first_quarter: q(),
            quarters: 6,
        })
        .expect("partnership")
    }

    fn post(platform: &str, format: &str, market: &str, live: &str) -> DeliverableDraft {
        DeliverableDraft {
            platform: platform.into(),
            format: format.into(),
            count: 1,
            market: market.parse().expect("market"),
            live_from: Some(live.parse().expect("day")),
            live_to: None,
            owner: String::new(),
            status: DeliverableStatus::Planned,
            paid: true,
            erid: String::new(),
            reklama_label: false,
        }
    }

    fn with(p: &mut Partnership, quarter: QuarterId, d: DeliverableDraft) -> DeliverableId {
        let n = p
            .quarters
            .values()
            .map(|x| x.sow.deliverables.len())
            .sum::<usize>() as u8;
        let id = DeliverableId::from_random([n + 1; 16]);
        p.add_deliverable(quarter, id.clone(), d)
            .expect("deliverable");
        id
    }

    fn ms(s: &str) -> i64 {
        s.parse::<DateTime<Utc>>()
            .expect("instant")
            .timestamp_millis()
    }

    fn review(outcome: Outcome, items: &[(&str, bool)]) -> ReviewDraft {
        ReviewDraft {
            outcome,
            feedback: items
                .iter()
                .enumerate()
                .map(|(i, (t, m))| (FeedbackId::from_random([i as u8 + 40; 16]), (*t).into(), *m))
                .collect(),
            by: "Anna".into(),
            side: "brand".into(),
            at_ms: 0,
        }
    }

    fn fails(p: &Partnership, quarter: QuarterId, id: &DeliverableId) -> Vec<RuleKind> {
        p.gate(quarter, id, Lang::En)
            .expect("dated")
            .1
            .into_iter()
            .filter(|i| i.status == Status::Fail)
            .map(|i| i.kind)
            .collect()
    }

    #[test]
    fn a_third_draft_on_a_two_round_sow_is_an_extra_paid_at_the_sows_rate() {
        let mut p = partnership();
        p.set_compensation(q(), Some(Money::new(10_000_000, Currency::RUB)), None, None)
            .expect("fee");
        let id = with(&mut p, q(), post("Telegram", "post", "RU", "2025-08-20"));
        for (i, at) in [
            "2025-08-01T09:00:00Z",
            "2025-08-04T09:00:00Z",
            "2025-08-06T09:00:00Z",
        ]
        .into_iter()
        .enumerate()
        {
            p.submit_draft(
                q(),
                &id,
                VersionId::from_random([i as u8; 16]),
                "",
                "Текст",
                "Маша",
                "creator",
                ms(at),
            )
            .expect("draft");
        }
        let sow = &p.quarters[&q()].sow;
        let rounds = crate::drafts::rounds(&sow.deliverables[&id].versions, sow.revision_rounds);
        assert_eq!(
            rounds.iter().map(|r| r.extra).collect::<Vec<_>>(),
            [false, false, true]
        );
        assert_eq!(
            sow.extra_round_fee(),
            Some(Money::new(1_500_000, Currency::RUB)),
            "15% of 100,000 ₽"
        );
        assert_eq!(
            sow.deliverables[&id].status,
            DeliverableStatus::DraftSubmitted
        );
    }

    #[test]
    fn a_new_draft_comes_after_every_draft_seen_whatever_the_clock() {
        let mut p = partnership();
        let id = with(&mut p, q(), post("Telegram", "post", "RU", "2025-08-20"));
        // The first from a device whose clock is ahead; the next from one behind it.
        p.submit_draft(
            q(),
            &id,
            VersionId::from_random([9; 16]),
            "",
            "v1",
            "Маша",
            "creator",
            5_000,
        )
        .expect("v1");
        p.submit_draft(
            q(),
            &id,
            VersionId::from_random([1; 16]),
            "",
            "v2",
            "Маша",
            "creator",
            1_000,
        )
        .expect("v2");
        let d = &p.quarters[&q()].sow.deliverables[&id];
        let order: Vec<&str> = crate::drafts::rounds(&d.versions, 2)
            .iter()
            .map(|r| r.version.caption.as_str())
            .collect();
        assert_eq!(order, ["v1", "v2"]);
    }

    #[test]
    fn silence_approves_exactly_when_the_clock_runs_out() {
        let mut p = partnership();
        let id = with(&mut p, q(), post("Telegram", "post", "RU", "2025-08-20"));
        let v = VersionId::from_random([1; 16]);
        // Friday 1 Aug 2025, 12:00 UTC; three business days in UTC: Mon 4 – Wed 6 Aug.
        p.submit_draft(
            q(),
            &id,
            v.clone(),
            "https://drive/x",
            "",
            "Маша",
            "creator",
            ms("2025-08-01T12:00:00Z"),
        )
        .expect("draft");
        let deadline = ms("2025-08-07T00:00:00Z");
        assert_eq!(
            p.review_deadline(q(), ms("2025-08-01T12:00:00Z"))
                .map(|d| d.timestamp_millis()),
            Some(deadline)
        );
        assert_eq!(
            p.auto_approve(q(), &id, &v, deadline),
            Err(RoundError::NoAutoApprove)
        );
        p.set_review_terms(q(), true, 15).expect("terms");
        assert_eq!(
            p.auto_approve(q(), &id, &v, deadline - 1),
            Err(RoundError::ClockRunning)
        );
        p.auto_approve(q(), &id, &v, deadline)
            .expect("approved by silence");
        let d = &p.quarters[&q()].sow.deliverables[&id];
        assert_eq!(d.versions[&v].auto_approved_ms, Some(deadline));
        assert_eq!(d.status, DeliverableStatus::Approved);
        assert_eq!(
            p.auto_approve(q(), &id, &v, deadline + 5),
            Err(RoundError::AlreadyReviewed)
        );
    }

    #[test]
    fn an_erid_covers_the_approved_version_as_it_read_when_issued() {
        let mut p = partnership();
        p.set_agreement_text(
            crate::agreement::AgreementText::BrandLegalName,
            "ООО «Нортвинд»",
        );
        p.set_agreement_text(crate::agreement::AgreementText::BrandInn, "7701234567");
        p.agreement.creator_audience = Some(5_000);
        let mut d = post("Telegram", "post", "RU", "2026-03-10");
        let id = with(&mut p, q(), d.clone());
        let v1 = VersionId::from_random([1; 16]);
        p.submit_draft(
            q(),
            &id,
            v1.clone(),
            "",
            "Новый вкус — уже в продаже",
            "Маша",
            "creator",
            1,
        )
        .expect("v1");
        p.review_draft(
            q(),
            &id,
            &v1,
            ReviewId::from_random([1; 16]),
            review(Outcome::Approved, &[]),
        )
        .expect("approved");
        d.status = DeliverableStatus::Approved;
        d.erid = "2VtzqwXYZ".into();
        d.reklama_label = true;
        p.update_deliverable(q(), &id, d.clone())
            .expect("erid entered");
        assert_eq!(
            fails(&p, q(), &id),
            Vec::<RuleKind>::new(),
            "{:?}",
            p.gate(q(), &id, Lang::En)
        );
        p.edit_caption(q(), &id, &v1, "Новый вкус — уже в продаже!")
            .expect("edited");
        assert_eq!(
            fails(&p, q(), &id),
            [RuleKind::Erid],
            "a changed text needs a new erid"
        );
        p.edit_caption(q(), &id, &v1, "Новый вкус — уже в продаже")
            .expect("back");
        assert_eq!(fails(&p, q(), &id), Vec::<RuleKind>::new());
        let v2 = VersionId::from_random([2; 16]);
        p.submit_draft(q(), &id, v2.clone(), "", "Новый вкус", "Маша", "creator", 2)
            .expect("v2");
        p.review_draft(
            q(),
            &id,
            &v2,
            ReviewId::from_random([2; 16]),
            review(Outcome::Approved, &[]),
        )
        .expect("approved");
        assert_eq!(
            fails(&p, q(), &id),
            [RuleKind::Erid],
            "issued for another version"
        );
        // Marking it live is refused until an override reason is recorded.
        d.status = DeliverableStatus::Live;
        let refused = p.update_deliverable(q(), &id, d.clone());
        assert!(
            matches!(
                refused,
                Err(crate::partnership::record::RecordError::GateFails(_))
            ),
            "{refused:?}"
        );
        p.override_gate(
            q(),
            &id,
            "erid re-issued by the operator; the token follows",
        )
        .expect("override");
        p.update_deliverable(q(), &id, d)
            .expect("live with an override");
    }

    #[test]
    fn each_rule_holds_from_its_date_and_at_its_threshold() {
        let mut p = partnership();
        // Instagram: permitted on 31 Aug 2025, banned from 1 Sep 2025.
        let before = with(&mut p, q(), post("Instagram", "reel", "RU", "2025-08-31"));
        let after = with(&mut p, q(), post("Instagram", "story", "RU", "2025-09-01"));
        assert!(!fails(&p, q(), &before).contains(&RuleKind::PlatformBanned));
        assert!(fails(&p, q(), &after).contains(&RuleKind::PlatformBanned));
        // The register from 10,000 subscribers.
        p.agreement.creator_audience = Some(9_999);
        assert!(!fails(&p, q(), &before).contains(&RuleKind::Register));
        p.agreement.creator_audience = Some(10_000);
        assert!(fails(&p, q(), &before).contains(&RuleKind::Register));
        p.set_agreement_text(
            crate::agreement::AgreementText::CreatorRegisterNumber,
            "4170123456",
        );
        assert!(!fails(&p, q(), &before).contains(&RuleKind::Register));
        // Russian copy from 1 Mar 2026 only.
        assert!(!fails(&p, q(), &before).contains(&RuleKind::RussianCopy));
        let q2: QuarterId = "2026-Q1".parse().expect("quarter");
        let march = with(&mut p, q2, post("Telegram", "post", "RU", "2026-03-01"));
        p.submit_draft(
            q2,
            &march,
            VersionId::from_random([5; 16]),
            "",
            "New taste in stores",
            "Маша",
            "creator",
            1,
        )
        .expect("draft");
        assert!(fails(&p, q2, &march).contains(&RuleKind::RussianCopy));
        // US: "#spon" is no disclosure; "#ad" in the first line is; video needs the checks.
        let us = with(&mut p, q(), post("YouTube", "video", "US", "2025-09-10"));
        p.submit_draft(
            q(),
            &us,
            VersionId::from_random([6; 16]),
            "",
            "#spon Loving this\n#ad",
            "Маша",
            "creator",
            1,
        )
        .expect("draft");
        let items = p.gate(q(), &us, Lang::En).expect("dated").1;
        let disclosure = items
            .iter()
            .find(|i| i.kind == RuleKind::Disclosure)
            .expect("checked");
        assert_eq!(disclosure.status, Status::Fail);
        assert!(
            disclosure.reason.contains("“#spon” does not count"),
            "{}",
            disclosure.reason
        );
        assert!(fails(&p, q(), &us).contains(&RuleKind::VideoDisclosure));
        p.submit_draft(
            q(),
            &us,
            VersionId::from_random([7; 16]),
            "",
            "#ad Loving this",
            "Маша",
            "creator",
            2,
        )
        .expect("draft");
        p.set_video_checks(q(), &us, true, true, true)
            .expect("checks");
        assert_eq!(fails(&p, q(), &us), Vec::<RuleKind>::new());
        // A rule ended by the owner no longer fails what falls after its end.
        let mut ban = p.rules()["ru-ban-instagram"].clone();
        ban.until = Some("2025-09-01".parse().expect("day"));
        p.set_rule("ru-ban-instagram", Some(ban)).expect("edited");
        let story_2 = with(
            &mut p,
            q(),
            post("Instagram", "stories", "RU", "2025-09-02"),
        );
        assert!(!fails(&p, q(), &story_2).contains(&RuleKind::PlatformBanned));
        assert!(fails(&p, q(), &after).contains(&RuleKind::PlatformBanned));
    }

    #[test]
    fn a_rules_change_flags_what_is_already_live() {
        let mut p = partnership();
        p.set_rule("ru-ban-instagram", None).expect("removed");
        let mut d = post("Instagram", "reel", "RU", "2025-09-05");
        let id = with(&mut p, q(), d.clone());
        p.override_gate(q(), &id, "test").expect("override");
        d.status = DeliverableStatus::Live;
        p.update_deliverable(q(), &id, d).expect("live");
        let banned = |p: &Partnership| {
            p.breaches(Lang::En).iter().any(|(_, x, items)| {
                x == &id && items.iter().any(|i| i.kind == RuleKind::PlatformBanned)
            })
        };
        assert!(!banned(&p));
        let ban = compliance::default_rules()["ru-ban-instagram"].clone();
        p.set_rule("ru-ban-instagram", Some(ban)).expect("back");
        assert!(banned(&p), "the live post is flagged once the ban is back");
    }

    #[test]
    fn registry_tasks_per_month_and_an_act_attached_once() {
        let q4: QuarterId = "2026-Q4".parse().expect("quarter");
        let mut p = Partnership::new(&NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша".into(),
            markets: parse_market_list("RU").expect("markets"),
            first_quarter: q4,
            quarters: 2,
        })
        .expect("partnership");
        let mut short = post("Telegram", "post", "RU", "2026-12-05");
        short.live_to = Some("2026-12-08".parse().expect("day"));
        let mut long = post("VK", "video", "RU", "2026-12-05");
        long.live_to = Some("2027-01-05".parse().expect("day"));
        let a = with(&mut p, q4, short.clone());
        let b = with(&mut p, q4, long.clone());
        for (id, mut d) in [(a.clone(), short), (b.clone(), long)] {
            p.override_gate(q4, &id, "checked by counsel")
                .expect("override");
            d.status = DeliverableStatus::Live;
            p.update_deliverable(q4, &id, d).expect("live");
        }
        let tasks = p.registry_tasks();
        let of = |id: &DeliverableId| {
            tasks
                .iter()
                .filter(|t| &t.deliverable == id)
                .map(|t| (t.month.to_string(), t.due.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(of(&a), [("2026-12-01".to_owned(), "2027-01-30".to_owned())]);
        assert_eq!(
            of(&b),
            [
                ("2026-12-01".to_owned(), "2027-01-30".to_owned()),
                ("2027-01-01".to_owned(), "2027-02-28".to_owned())
            ]
        );
        let report = |act: &str| crate::registry::Report {
            impressions: None,
            act: act.into(),
            reported: false,
        };
        p.set_report(&tasks[0].key, report("Акт №12"))
            .expect("attached");
        assert_eq!(
            p.set_report(&tasks[1].key, report("акт №12")),
            Err(crate::registry::RegistryError::ActTwice("акт №12".into()))
        );
        assert_eq!(p.report(&tasks[0].key).impressions, None, "unknown, not 0");
        // Their due dates are obligations and calendar events until reported.
        let due: Vec<_> = p
            .obligations("2027-01-01".parse().expect("day"))
            .into_iter()
            .filter(|o| matches!(o.due, crate::overview::Due::RegistryReport { .. }))
            .map(|o| o.date.to_string())
            .collect();
        assert_eq!(due, ["2027-01-30", "2027-01-30", "2027-02-28"]);
        let ics = crate::calendar::ics(
            &p,
            Lang::En,
            "d",
            "2027-01-01T00:00:00Z".parse().expect("now"),
        );
        assert_eq!(
            ics.matches("SUMMARY:Northwind × Маша: Registry report due: VK")
                .count(),
            2,
            "{ics}"
        );
    }
}
