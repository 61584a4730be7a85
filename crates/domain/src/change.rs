//! What a change did, as data: the message each change carries, read back.
//!
//! Every change Tandem makes is a [`crate::command::Command`]; the command says what it did
//! as a [`Change`], and the change's message in the document is [`Change::message`]: stable
//! English built from the change's named fields ("added campaign “Spring drop” (RU) to
//! 2027-Q1"), so any Automerge tool shows something sensible. The History tab reads the
//! message back with [`Change::parse`] and shows [`Change::describe`] in the reader's
//! language; it never formats or pattern-matches prose of its own. Typed values (titles,
//! names) are quoted with “ ”, a ” or \ inside them escaped with a backslash, so a title
//! that looks like the rest of a message is still read as a title.
//!
//! Messages written by older versions that do not fit a template are shown through
//! [`crate::history::describe_change`] (translated where their pattern is known, as written
//! otherwise).

use std::fmt;

use crate::{
    agreement::AgreementText, campaign::CampaignStatus, contact::Side, day::Day, drafts::Outcome,
    kpi::Metric, locale::Lang, market::Market, payment::PaymentStatus, qbr::QbrText,
    quarter::QuarterId,
};

/// A text a person types into, as History names it (consecutive edits of one field by one
/// person fold into one line).
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Goal,
    Theme(QuarterId),
    Learned(QuarterId),
    NextTry(QuarterId),
    Agreement(AgreementText),
    Review(QuarterId, QbrText),
    /// A part of a campaign's debrief (the campaign's title).
    Debrief(String, DebriefPart),
}

impl Field {
    /// The text as `p` holds it (`None`: not a text, or not there).
    pub fn read(&self, p: &crate::partnership::Partnership) -> Option<String> {
        let quarter = |q: &QuarterId| p.quarters.get(q);
        Some(match self {
            Field::Goal => p.goal.as_str().to_owned(),
            Field::Theme(q) => quarter(q)?.theme.as_str().to_owned(),
            Field::Learned(q) => quarter(q)?.learned.as_str().to_owned(),
            Field::NextTry(q) => quarter(q)?.next_try.as_str().to_owned(),
            Field::Agreement(f) => p.agreement.text(*f).to_owned(),
            Field::Review(q, f) => p.qbrs.get(q)?.text(*f).to_owned(),
            Field::Debrief(title, part) => {
                let text = match part {
                    DebriefPart::Worked => crate::debrief::DebriefText::Worked,
                    DebriefPart::Learnings => crate::debrief::DebriefText::Learnings,
                    _ => return None,
                };
                p.quarters
                    .values()
                    .flat_map(|q| q.campaigns.values())
                    .find(|c| c.title.as_str().trim() == title)?
                    .debrief
                    .as_ref()?
                    .text(text)
                    .to_owned()
            }
        })
    }
}

/// The parts of a debrief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DebriefPart {
    Outcome,
    NextTime,
    Worked,
    Learnings,
    /// "What didn't work" (an entry added, removed or edited).
    Didnt,
}

/// Where in a partnership a change falls; History groups a session's lines by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Area {
    Partnership,
    Roadmap,
    Agreement,
    Sow,
    Kpis,
    CheckIns,
    Review,
    Debriefs,
    Wins,
    People,
    Payments,
}

impl Area {
    pub fn name(self, lang: Lang) -> &'static str {
        let (en, ru) = match self {
            Area::Partnership => ("Partnership", "Партнёрство"),
            Area::Roadmap => ("Roadmap", "План"),
            Area::Agreement => ("Agreement", "Договор"),
            Area::Sow => ("Statement of work", "Техническое задание"),
            Area::Kpis => ("KPIs", "KPI"),
            Area::CheckIns => ("Check-ins", "Встречи"),
            Area::Review => ("Quarterly review", "Квартальный обзор"),
            Area::Debriefs => ("Debriefs", "Разборы"),
            Area::Wins => ("Wins", "Победы"),
            Area::People => ("People", "Люди"),
            Area::Payments => ("Payments", "Оплаты"),
        };
        pick(lang, en, ru)
    }
}

/// What one change did.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Created,
    Imported,
    Edited(Field),
    CampaignAdded {
        title: String,
        market: Market,
        quarter: QuarterId,
    },
    CampaignChanged {
        title: String,
    },
    CampaignMarked {
        title: String,
        status: CampaignStatus,
    },
    CampaignMoved {
        title: String,
    },
    CampaignRemoved {
        title: String,
    },
    CadenceSet {
        days: u32,
    },
    CheckInLogged {
        on: Day,
    },
    CheckInRemoved,
    WinAdded {
        text: String,
    },
    WinRemoved,
    /// A brand-only note (its words stay out of the history line).
    NoteAdded,
    NoteRemoved,
    BudgetSet {
        quarter: QuarterId,
    },
    ReviewItemAdded {
        quarter: QuarterId,
        action: bool,
        text: String,
    },
    ReviewItemRemoved {
        quarter: QuarterId,
        text: String,
    },
    ActionTicked {
        done: bool,
    },
    KpiAdded {
        metric: Metric,
        market: Market,
    },
    KpiRemoved {
        metric: Metric,
        market: Market,
    },
    ResultsRecorded {
        title: String,
        market: Market,
    },
    OnboardingCostSet,
    TermSet,
    RenewalSet,
    AutoRenewal {
        on: bool,
    },
    DeliverableAdded {
        what: String,
        market: Market,
        quarter: QuarterId,
    },
    DeliverableChanged {
        what: String,
        quarter: QuarterId,
    },
    DeliverableRemoved {
        what: String,
        quarter: QuarterId,
    },
    ApprovalSet {
        quarter: QuarterId,
    },
    CompensationSet {
        quarter: QuarterId,
    },
    PaymentSet {
        quarter: QuarterId,
    },
    ContactSet {
        side: Side,
    },
    PaymentsPlanned {
        quarter: QuarterId,
    },
    PaymentAdded {
        label: String,
    },
    PaymentChanged {
        label: String,
    },
    PaymentMarked {
        label: String,
        status: PaymentStatus,
    },
    PaymentRemoved {
        label: String,
    },
    PaymentDocumentsSet {
        label: String,
    },
    CreatorTaxSet,
    UsageRightsSet,
    ReviewMeetingSet {
        quarter: QuarterId,
    },
    DraftSubmitted {
        what: String,
        number: usize,
    },
    DraftReviewed {
        what: String,
        number: usize,
        outcome: Outcome,
    },
    FeedbackAnswered {
        what: String,
    },
    CaptionEdited {
        what: String,
    },
    AutoApproved {
        what: String,
        number: usize,
    },
    VideoChecksSet {
        what: String,
    },
    GateOverridden {
        what: String,
        reason: String,
    },
    ReviewTermsSet {
        quarter: QuarterId,
    },
    RuleSet {
        key: String,
    },
    ReportSet {
        month: String,
    },
    CreatorAudienceSet,
    RegistryReporterSet,
    Restored,
}

fn pick(lang: Lang, en: &'static str, ru: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ru => ru,
    }
}

/// A typed value as a message holds it: “…”, with ” and \ escaped.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 6);
    out.push('“');
    for c in text.chars() {
        if c == '”' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('”');
    out
}

/// A typed value as a reader sees it: “…” in English, «…» in Russian.
fn shown(lang: Lang, text: &str) -> String {
    match lang {
        Lang::En => format!("“{text}”"),
        Lang::Ru => format!("«{text}»"),
    }
}

/// Reads a quoted value at the start of `s`: the value and what follows it.
fn unquote(s: &str) -> Option<(String, &str)> {
    let rest = s.strip_prefix('“')?;
    let mut out = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?.1),
            '”' => return Some((out, &rest[i + c.len_utf8()..])),
            _ => out.push(c),
        }
    }
    None
}

/// Fills a template's `{}` places in order with already encoded values.
fn render(template: &str, values: &[String]) -> String {
    let mut out = String::new();
    let mut values = values.iter();
    let mut parts = template.split("{}");
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        if let Some(v) = values.next() {
            out.push_str(v);
        }
        out.push_str(part);
    }
    out
}

/// The values at a template's `{}` places if `message` has its shape: a value starting
/// with “ is read as a quoted value, any other runs to the template's next literal.
fn scan(template: &str, message: &str) -> Option<Vec<String>> {
    let mut parts = template.split("{}");
    let mut rest = message.strip_prefix(parts.next()?)?;
    let mut values = Vec::new();
    let literals: Vec<&str> = parts.collect();
    for (i, literal) in literals.iter().enumerate() {
        let last = i + 1 == literals.len();
        let (value, after) = if rest.starts_with('“') {
            unquote(rest)?
        } else {
            let at = if literal.is_empty() {
                if last { rest.len() } else { return None }
            } else if last {
                rest.strip_suffix(literal).map(str::len)?
            } else {
                rest.find(literal)?
            };
            (rest[..at].to_owned(), &rest[at..])
        };
        if value.is_empty() {
            return None;
        }
        values.push(value);
        rest = after.strip_prefix(literal)?;
    }
    rest.is_empty().then_some(values)
}

fn quarter_text_token(field: &Field) -> Option<&'static str> {
    Some(match field {
        Field::Theme(_) => "theme and objectives",
        Field::Learned(_) => "what we learned",
        Field::NextTry(_) => "what we try next",
        _ => return None,
    })
}

impl AgreementText {
    pub const ALL: [AgreementText; 8] = [
        AgreementText::BrandLegalName,
        AgreementText::CreatorLegalName,
        AgreementText::ExclusivityCategory,
        AgreementText::ExclusivityTerritory,
        AgreementText::UsageRights,
        AgreementText::PaymentTerms,
        AgreementText::BrandInn,
        AgreementText::CreatorRegisterNumber,
    ];

    /// Its name in a change message (and in English).
    fn token(self) -> &'static str {
        match self {
            AgreementText::BrandLegalName => "brand (legal name)",
            AgreementText::CreatorLegalName => "creator or agency (legal name)",
            AgreementText::ExclusivityCategory => "category",
            AgreementText::ExclusivityTerritory => "territory",
            AgreementText::UsageRights => "usage rights",
            AgreementText::PaymentTerms => "payment terms",
            AgreementText::BrandInn => "brand's INN",
            AgreementText::CreatorRegisterNumber => "creator's register number",
        }
    }

    fn words(self, lang: Lang) -> &'static str {
        let ru = match self {
            AgreementText::BrandLegalName => "бренд (юридическое название)",
            AgreementText::CreatorLegalName => "автор или агентство (юридическое название)",
            AgreementText::ExclusivityCategory => "категория эксклюзивности",
            AgreementText::ExclusivityTerritory => "территория эксклюзивности",
            AgreementText::UsageRights => "права на использование",
            AgreementText::PaymentTerms => "условия оплаты",
            AgreementText::BrandInn => "ИНН бренда",
            AgreementText::CreatorRegisterNumber => "номер автора в реестре",
        };
        pick(lang, self.token(), ru)
    }
}

impl QbrText {
    pub const ALL: [QbrText; 6] = [
        QbrText::Recap,
        QbrText::ObjectivesNext,
        QbrText::BrandAsk,
        QbrText::BrandCommitment,
        QbrText::CreatorAsk,
        QbrText::CreatorCommitment,
    ];

    fn token(self) -> &'static str {
        match self {
            QbrText::Recap => "recap",
            QbrText::ObjectivesNext => "next quarter's objectives",
            QbrText::BrandAsk => "the brand's ask",
            QbrText::BrandCommitment => "the brand's commitment",
            QbrText::CreatorAsk => "the creator's ask",
            QbrText::CreatorCommitment => "the creator's commitment",
        }
    }

    fn words(self, lang: Lang) -> &'static str {
        let ru = match self {
            QbrText::Recap => "итоги",
            QbrText::ObjectivesNext => "цели следующего квартала",
            QbrText::BrandAsk => "просьба бренда",
            QbrText::BrandCommitment => "обязательство бренда",
            QbrText::CreatorAsk => "просьба автора",
            QbrText::CreatorCommitment => "обязательство автора",
        };
        pick(lang, self.token(), ru)
    }
}

impl DebriefPart {
    const ALL: [DebriefPart; 5] = [
        DebriefPart::Outcome,
        DebriefPart::NextTime,
        DebriefPart::Worked,
        DebriefPart::Learnings,
        DebriefPart::Didnt,
    ];

    fn token(self) -> &'static str {
        match self {
            DebriefPart::Outcome => "outcome",
            DebriefPart::NextTime => "next time",
            DebriefPart::Worked => "what worked",
            DebriefPart::Learnings => "learnings",
            DebriefPart::Didnt => "what didn't",
        }
    }

    fn words(self, lang: Lang) -> &'static str {
        let ru = match self {
            DebriefPart::Outcome => "итог",
            DebriefPart::NextTime => "в следующий раз",
            DebriefPart::Worked => "что сработало",
            DebriefPart::Learnings => "выводы",
            DebriefPart::Didnt => "что не сработало",
        };
        pick(lang, self.token(), ru)
    }
}

fn status_words(status: CampaignStatus, lang: Lang) -> &'static str {
    match status {
        CampaignStatus::Planned => pick(lang, "planned", "запланирована"),
        CampaignStatus::Running => pick(lang, "running", "идёт"),
        CampaignStatus::Done => pick(lang, "done", "завершена"),
    }
}

fn metric_by_name(name: &str) -> Option<Metric> {
    Metric::ALL.into_iter().find(|m| m.short() == name)
}

/// "ER by reach (RU)" and back.
fn kpi_token(metric: Metric, market: Market) -> String {
    format!("{} ({market})", metric.short())
}

fn kpi_from(token: &str) -> Option<(Metric, Market)> {
    let (name, market) = token.strip_suffix(')')?.rsplit_once(" (")?;
    Some((metric_by_name(name)?, market.parse().ok()?))
}

type Reader = fn(&[String]) -> Option<Change>;

/// Every template a message can have, with how to read its values (older spellings too,
/// read as what they meant). Templates without values come first only where no other
/// template starts the same way.
const TEMPLATES: &[(&str, Reader)] = &[
    ("created the partnership", |_| Some(Change::Created)),
    ("create partnership", |_| Some(Change::Created)),
    ("imported the partnership", |_| Some(Change::Imported)),
    ("import a partnership", |_| Some(Change::Imported)),
    ("changed the larger goal", |_| {
        Some(Change::Edited(Field::Goal))
    }),
    ("changed the agreement: {}", |v| {
        AgreementText::ALL
            .into_iter()
            .find(|f| f.token() == v[0])
            .map(|f| Change::Edited(Field::Agreement(f)))
    }),
    ("changed the {} review: {}", |v| {
        let quarter = v[0].parse().ok()?;
        QbrText::ALL
            .into_iter()
            .find(|f| f.token() == v[1])
            .map(|f| Change::Edited(Field::Review(quarter, f)))
    }),
    ("changed the debrief of {}: {}", |v| {
        DebriefPart::ALL
            .into_iter()
            .find(|f| f.token() == v[1])
            .map(|f| Change::Edited(Field::Debrief(v[0].clone(), f)))
    }),
    ("changed the {} {}", |v| {
        let q: QuarterId = v[0].parse().ok()?;
        [Field::Theme(q), Field::Learned(q), Field::NextTry(q)]
            .into_iter()
            .find(|f| quarter_text_token(f) == Some(v[1].as_str()))
            .map(Change::Edited)
    }),
    ("added campaign {} ({}) to {}", |v| {
        Some(Change::CampaignAdded {
            title: v[0].clone(),
            market: v[1].parse().ok()?,
            quarter: v[2].parse().ok()?,
        })
    }),
    ("changed campaign {}", |v| {
        Some(Change::CampaignChanged {
            title: v[0].clone(),
        })
    }),
    ("marked campaign {} {}", |v| {
        Some(Change::CampaignMarked {
            title: v[0].clone(),
            status: v[1].parse().ok()?,
        })
    }),
    ("moved campaign {}", |v| {
        Some(Change::CampaignMoved {
            title: v[0].clone(),
        })
    }),
    ("removed campaign {}", |v| {
        Some(Change::CampaignRemoved {
            title: v[0].clone(),
        })
    }),
    ("agreed to check in every {} days", |v| {
        Some(Change::CadenceSet {
            days: v[0].parse().ok()?,
        })
    }),
    ("logged a check-in on {}", |v| {
        Some(Change::CheckInLogged {
            on: v[0].parse().ok()?,
        })
    }),
    ("removed a check-in", |_| Some(Change::CheckInRemoved)),
    ("added a win: {}", |v| {
        Some(Change::WinAdded { text: v[0].clone() })
    }),
    ("removed a win", |_| Some(Change::WinRemoved)),
    ("added a brand-only note", |_| Some(Change::NoteAdded)),
    ("removed a brand-only note", |_| Some(Change::NoteRemoved)),
    ("set the {} budget", |v| {
        Some(Change::BudgetSet {
            quarter: v[0].parse().ok()?,
        })
    }),
    ("added an action to the {} review: {}", |v| {
        Some(Change::ReviewItemAdded {
            quarter: v[0].parse().ok()?,
            action: true,
            text: v[1].clone(),
        })
    }),
    // Written by the first versions, with the typo.
    ("added a action to the {} review: {}", |v| {
        Some(Change::ReviewItemAdded {
            quarter: v[0].parse().ok()?,
            action: true,
            text: v[1].clone(),
        })
    }),
    ("added a risk to the {} review: {}", |v| {
        Some(Change::ReviewItemAdded {
            quarter: v[0].parse().ok()?,
            action: false,
            text: v[1].clone(),
        })
    }),
    ("removed {} from the {} review", |v| {
        Some(Change::ReviewItemRemoved {
            text: v[0].clone(),
            quarter: v[1].parse().ok()?,
        })
    }),
    ("ticked an action item", |_| {
        Some(Change::ActionTicked { done: true })
    }),
    ("unticked an action item", |_| {
        Some(Change::ActionTicked { done: false })
    }),
    ("added a KPI: {}", |v| {
        let (metric, market) = kpi_from(&v[0])?;
        Some(Change::KpiAdded { metric, market })
    }),
    ("removed a KPI: {}", |v| {
        let (metric, market) = kpi_from(&v[0])?;
        Some(Change::KpiRemoved { metric, market })
    }),
    ("recorded the results of {} in {}", |v| {
        Some(Change::ResultsRecorded {
            title: v[0].clone(),
            market: v[1].parse().ok()?,
        })
    }),
    ("set the onboarding cost", |_| {
        Some(Change::OnboardingCostSet)
    }),
    ("set the term", |_| Some(Change::TermSet)),
    ("set renewal terms", |_| Some(Change::RenewalSet)),
    ("turned auto-renewal on", |_| {
        Some(Change::AutoRenewal { on: true })
    }),
    ("turned auto-renewal off", |_| {
        Some(Change::AutoRenewal { on: false })
    }),
    ("added deliverable {} ({}) to the {} SOW", |v| {
        Some(Change::DeliverableAdded {
            what: v[0].clone(),
            market: v[1].parse().ok()?,
            quarter: v[2].parse().ok()?,
        })
    }),
    ("changed deliverable {} in the {} SOW", |v| {
        Some(Change::DeliverableChanged {
            what: v[0].clone(),
            quarter: v[1].parse().ok()?,
        })
    }),
    ("removed deliverable {} from the {} SOW", |v| {
        Some(Change::DeliverableRemoved {
            what: v[0].clone(),
            quarter: v[1].parse().ok()?,
        })
    }),
    ("set the {} approval rules", |v| {
        Some(Change::ApprovalSet {
            quarter: v[0].parse().ok()?,
        })
    }),
    ("set the {} compensation", |v| {
        Some(Change::CompensationSet {
            quarter: v[0].parse().ok()?,
        })
    }),
    ("set the {} payment split and terms", |v| {
        Some(Change::PaymentSet {
            quarter: v[0].parse().ok()?,
        })
    }),
    ("set the {} point of contact", |v| {
        Side::ALL
            .into_iter()
            .find(|s| s.as_str() == v[0])
            .map(|side| Change::ContactSet { side })
    }),
    ("planned the {} payments", |v| {
        Some(Change::PaymentsPlanned {
            quarter: v[0].parse().ok()?,
        })
    }),
    ("added payment {}", |v| {
        Some(Change::PaymentAdded {
            label: v[0].clone(),
        })
    }),
    ("changed payment {}", |v| {
        Some(Change::PaymentChanged {
            label: v[0].clone(),
        })
    }),
    ("marked payment {} {}", |v| {
        Some(Change::PaymentMarked {
            label: v[0].clone(),
            status: v[1].parse().ok()?,
        })
    }),
    ("removed payment {}", |v| {
        Some(Change::PaymentRemoved {
            label: v[0].clone(),
        })
    }),
    ("recorded the documents of payment {}", |v| {
        Some(Change::PaymentDocumentsSet {
            label: v[0].clone(),
        })
    }),
    ("set the creator's tax status", |_| {
        Some(Change::CreatorTaxSet)
    }),
    ("set when the usage rights end", |_| {
        Some(Change::UsageRightsSet)
    }),
    ("set the {} review meeting", |v| {
        Some(Change::ReviewMeetingSet {
            quarter: v[0].parse().ok()?,
        })
    }),
    ("submitted draft {} of {}", |v| {
        Some(Change::DraftSubmitted {
            number: v[0].parse().ok()?,
            what: v[1].clone(),
        })
    }),
    ("reviewed draft {} of {}: {}", |v| {
        Some(Change::DraftReviewed {
            number: v[0].parse().ok()?,
            what: v[1].clone(),
            outcome: v[2].parse().ok()?,
        })
    }),
    ("answered feedback on {}", |v| {
        Some(Change::FeedbackAnswered { what: v[0].clone() })
    }),
    ("edited the caption of {}", |v| {
        Some(Change::CaptionEdited { what: v[0].clone() })
    }),
    ("approved draft {} of {} by silence", |v| {
        Some(Change::AutoApproved {
            number: v[0].parse().ok()?,
            what: v[1].clone(),
        })
    }),
    ("recorded the disclosure checks of {}", |v| {
        Some(Change::VideoChecksSet { what: v[0].clone() })
    }),
    ("overrode the compliance gate of {}: {}", |v| {
        Some(Change::GateOverridden {
            what: v[0].clone(),
            reason: v[1].clone(),
        })
    }),
    ("set the {} review terms", |v| {
        Some(Change::ReviewTermsSet {
            quarter: v[0].parse().ok()?,
        })
    }),
    ("changed compliance rule {}", |v| {
        Some(Change::RuleSet { key: v[0].clone() })
    }),
    ("recorded the registry report for {}", |v| {
        Some(Change::ReportSet {
            month: v[0].clone(),
        })
    }),
    ("set the creator's audience", |_| {
        Some(Change::CreatorAudienceSet)
    }),
    ("set who reports to the ad registry", |_| {
        Some(Change::RegistryReporterSet)
    }),
    ("undid a removal", |_| Some(Change::Restored)),
];

impl Change {
    /// The message written into the change: stable English from the named fields.
    pub fn message(&self) -> String {
        let q = |q: &QuarterId| q.to_string();
        match self {
            Change::Created => "created the partnership".into(),
            Change::Imported => "imported the partnership".into(),
            Change::Edited(field) => match field {
                Field::Goal => "changed the larger goal".into(),
                Field::Theme(x) | Field::Learned(x) | Field::NextTry(x) => render(
                    "changed the {} {}",
                    &[q(x), quarter_text_token(field).unwrap_or_default().into()],
                ),
                Field::Agreement(f) => render("changed the agreement: {}", &[f.token().into()]),
                Field::Review(x, f) => {
                    render("changed the {} review: {}", &[q(x), f.token().into()])
                }
                Field::Debrief(title, part) => render(
                    "changed the debrief of {}: {}",
                    &[quote(title), part.token().into()],
                ),
            },
            Change::CampaignAdded {
                title,
                market,
                quarter,
            } => render(
                "added campaign {} ({}) to {}",
                &[quote(title), market.to_string(), q(quarter)],
            ),
            Change::CampaignChanged { title } => render("changed campaign {}", &[quote(title)]),
            Change::CampaignMarked { title, status } => render(
                "marked campaign {} {}",
                &[quote(title), status.as_str().into()],
            ),
            Change::CampaignMoved { title } => render("moved campaign {}", &[quote(title)]),
            Change::CampaignRemoved { title } => render("removed campaign {}", &[quote(title)]),
            Change::CadenceSet { days } => {
                render("agreed to check in every {} days", &[days.to_string()])
            }
            Change::CheckInLogged { on } => render("logged a check-in on {}", &[on.to_string()]),
            Change::CheckInRemoved => "removed a check-in".into(),
            Change::WinAdded { text } => render("added a win: {}", &[quote(text)]),
            Change::WinRemoved => "removed a win".into(),
            Change::NoteAdded => "added a brand-only note".into(),
            Change::NoteRemoved => "removed a brand-only note".into(),
            Change::BudgetSet { quarter } => render("set the {} budget", &[q(quarter)]),
            Change::ReviewItemAdded {
                quarter,
                action,
                text,
            } => render(
                if *action {
                    "added an action to the {} review: {}"
                } else {
                    "added a risk to the {} review: {}"
                },
                &[q(quarter), quote(text)],
            ),
            Change::ReviewItemRemoved { quarter, text } => {
                render("removed {} from the {} review", &[quote(text), q(quarter)])
            }
            Change::ActionTicked { done: true } => "ticked an action item".into(),
            Change::ActionTicked { done: false } => "unticked an action item".into(),
            Change::KpiAdded { metric, market } => {
                render("added a KPI: {}", &[kpi_token(*metric, *market)])
            }
            Change::KpiRemoved { metric, market } => {
                render("removed a KPI: {}", &[kpi_token(*metric, *market)])
            }
            Change::ResultsRecorded { title, market } => render(
                "recorded the results of {} in {}",
                &[quote(title), market.to_string()],
            ),
            Change::OnboardingCostSet => "set the onboarding cost".into(),
            Change::TermSet => "set the term".into(),
            Change::RenewalSet => "set renewal terms".into(),
            Change::AutoRenewal { on: true } => "turned auto-renewal on".into(),
            Change::AutoRenewal { on: false } => "turned auto-renewal off".into(),
            Change::DeliverableAdded {
                what,
                market,
                quarter,
            } => render(
                "added deliverable {} ({}) to the {} SOW",
                &[quote(what), market.to_string(), q(quarter)],
            ),
            Change::DeliverableChanged { what, quarter } => render(
                "changed deliverable {} in the {} SOW",
                &[quote(what), q(quarter)],
            ),
            Change::DeliverableRemoved { what, quarter } => render(
                "removed deliverable {} from the {} SOW",
                &[quote(what), q(quarter)],
            ),
            Change::ApprovalSet { quarter } => render("set the {} approval rules", &[q(quarter)]),
            Change::CompensationSet { quarter } => render("set the {} compensation", &[q(quarter)]),
            Change::PaymentSet { quarter } => {
                render("set the {} payment split and terms", &[q(quarter)])
            }
            Change::ContactSet { side } => {
                render("set the {} point of contact", &[side.as_str().into()])
            }
            Change::PaymentsPlanned { quarter } => render("planned the {} payments", &[q(quarter)]),
            Change::PaymentAdded { label } => render("added payment {}", &[quote(label)]),
            Change::PaymentChanged { label } => render("changed payment {}", &[quote(label)]),
            Change::PaymentMarked { label, status } => render(
                "marked payment {} {}",
                &[quote(label), status.as_str().into()],
            ),
            Change::PaymentRemoved { label } => render("removed payment {}", &[quote(label)]),
            Change::PaymentDocumentsSet { label } => {
                render("recorded the documents of payment {}", &[quote(label)])
            }
            Change::CreatorTaxSet => "set the creator's tax status".into(),
            Change::UsageRightsSet => "set when the usage rights end".into(),
            Change::ReviewMeetingSet { quarter } => {
                render("set the {} review meeting", &[q(quarter)])
            }
            Change::DraftSubmitted { what, number } => render(
                "submitted draft {} of {}",
                &[number.to_string(), quote(what)],
            ),
            Change::DraftReviewed {
                what,
                number,
                outcome,
            } => render(
                "reviewed draft {} of {}: {}",
                &[number.to_string(), quote(what), outcome.as_str().into()],
            ),
            Change::FeedbackAnswered { what } => render("answered feedback on {}", &[quote(what)]),
            Change::CaptionEdited { what } => render("edited the caption of {}", &[quote(what)]),
            Change::AutoApproved { what, number } => render(
                "approved draft {} of {} by silence",
                &[number.to_string(), quote(what)],
            ),
            Change::VideoChecksSet { what } => {
                render("recorded the disclosure checks of {}", &[quote(what)])
            }
            Change::GateOverridden { what, reason } => render(
                "overrode the compliance gate of {}: {}",
                &[quote(what), quote(reason)],
            ),
            Change::ReviewTermsSet { quarter } => render("set the {} review terms", &[q(quarter)]),
            Change::RuleSet { key } => render("changed compliance rule {}", &[quote(key)]),
            Change::ReportSet { month } => {
                render("recorded the registry report for {}", &[quote(month)])
            }
            Change::CreatorAudienceSet => "set the creator's audience".into(),
            Change::RegistryReporterSet => "set who reports to the ad registry".into(),
            Change::Restored => "undid a removal".into(),
        }
    }

    /// Reads a change message back (`None`: not one Tandem writes in this shape).
    pub fn parse(message: &str) -> Option<Change> {
        TEMPLATES
            .iter()
            .filter_map(|(template, read)| scan(template, message).and_then(|v| read(&v)))
            .next()
    }

    /// Where in the partnership it falls.
    pub fn area(&self) -> Area {
        match self {
            Change::Created | Change::Imported | Change::Restored => Area::Partnership,
            Change::Edited(
                Field::Goal | Field::Theme(_) | Field::Learned(_) | Field::NextTry(_),
            )
            | Change::CampaignAdded { .. }
            | Change::CampaignChanged { .. }
            | Change::CampaignMarked { .. }
            | Change::CampaignMoved { .. }
            | Change::CampaignRemoved { .. } => Area::Roadmap,
            Change::Edited(Field::Agreement(_))
            | Change::TermSet
            | Change::RenewalSet
            | Change::AutoRenewal { .. }
            | Change::UsageRightsSet => Area::Agreement,
            Change::PaymentsPlanned { .. }
            | Change::PaymentAdded { .. }
            | Change::PaymentChanged { .. }
            | Change::PaymentMarked { .. }
            | Change::PaymentRemoved { .. }
            | Change::PaymentDocumentsSet { .. }
            | Change::CreatorTaxSet => Area::Payments,
            Change::DraftSubmitted { .. }
            | Change::NoteAdded
            | Change::NoteRemoved
            | Change::DraftReviewed { .. }
            | Change::FeedbackAnswered { .. }
            | Change::CaptionEdited { .. }
            | Change::AutoApproved { .. }
            | Change::VideoChecksSet { .. }
            | Change::GateOverridden { .. }
            | Change::ReviewTermsSet { .. }
            | Change::RuleSet { .. }
            | Change::ReportSet { .. }
            | Change::CreatorAudienceSet
            | Change::RegistryReporterSet => Area::Sow,
            Change::DeliverableAdded { .. }
            | Change::DeliverableChanged { .. }
            | Change::DeliverableRemoved { .. }
            | Change::ApprovalSet { .. }
            | Change::CompensationSet { .. }
            | Change::PaymentSet { .. } => Area::Sow,
            Change::KpiAdded { .. }
            | Change::KpiRemoved { .. }
            | Change::ResultsRecorded { .. }
            | Change::OnboardingCostSet => Area::Kpis,
            Change::CadenceSet { .. } | Change::CheckInLogged { .. } | Change::CheckInRemoved => {
                Area::CheckIns
            }
            Change::Edited(Field::Review(..))
            | Change::BudgetSet { .. }
            | Change::ReviewItemAdded { .. }
            | Change::ReviewItemRemoved { .. }
            | Change::ActionTicked { .. }
            | Change::ReviewMeetingSet { .. } => Area::Review,
            Change::Edited(Field::Debrief(..)) => Area::Debriefs,
            Change::WinAdded { .. } | Change::WinRemoved => Area::Wins,
            Change::ContactSet { .. } => Area::People,
        }
    }

    /// The text field it edits, if it is a keystroke-by-keystroke text edit.
    pub fn field(&self) -> Option<&Field> {
        match self {
            Change::Edited(f) => Some(f),
            _ => None,
        }
    }

    /// What it did, in `lang`: a phrase for a History line ("edited the larger goal").
    pub fn describe(&self, lang: Lang) -> String {
        let s = |t: &str| shown(lang, t);
        let fill = |en: &str, ru: &str, args: &[&dyn fmt::Display]| {
            let mut out = pick_owned(lang, en, ru);
            for (i, a) in args.iter().enumerate() {
                out = out.replace(&format!("{{{i}}}"), &a.to_string());
            }
            out
        };
        match self {
            Change::Created => fill("created the partnership", "создано партнёрство", &[]),
            Change::Imported => fill("imported the partnership", "импортировано партнёрство", &[]),
            Change::Edited(field) => match field {
                Field::Goal => fill("edited the larger goal", "изменена общая цель", &[]),
                Field::Theme(q) => fill(
                    "edited the {0} theme and objectives",
                    "изменены тема и цели {0}",
                    &[q],
                ),
                Field::Learned(q) => fill(
                    "edited what we learned in {0}",
                    "изменено «что мы узнали» за {0}",
                    &[q],
                ),
                Field::NextTry(q) => fill(
                    "edited what we try next after {0}",
                    "изменено «что пробуем дальше» после {0}",
                    &[q],
                ),
                Field::Agreement(f) => fill(
                    "edited the agreement: {0}",
                    "изменён договор: {0}",
                    &[&f.words(lang)],
                ),
                Field::Review(q, f) => fill(
                    "edited the {0} review: {1}",
                    "изменён обзор {0}: {1}",
                    &[q, &f.words(lang)],
                ),
                Field::Debrief(title, part) => fill(
                    "edited the debrief of {0}: {1}",
                    "изменён разбор кампании {0}: {1}",
                    &[&s(title), &part.words(lang)],
                ),
            },
            Change::CampaignAdded {
                title,
                market,
                quarter,
            } => fill(
                "added campaign {0} ({1}) to {2}",
                "добавлена кампания {0} ({1}) в {2}",
                &[&s(title), market, quarter],
            ),
            Change::CampaignChanged { title } => fill(
                "changed campaign {0}",
                "изменена кампания {0}",
                &[&s(title)],
            ),
            Change::CampaignMarked { title, status } => fill(
                "marked campaign {0} {1}",
                "статус кампании {0}: {1}",
                &[&s(title), &status_words(*status, lang)],
            ),
            Change::CampaignMoved { title } => fill(
                "moved campaign {0}",
                "перемещена кампания {0}",
                &[&s(title)],
            ),
            Change::CampaignRemoved { title } => {
                fill("removed campaign {0}", "удалена кампания {0}", &[&s(title)])
            }
            Change::CadenceSet { days } => fill(
                "agreed to check in every {0} days",
                "договорились о встречах раз в {0} дн.",
                &[days],
            ),
            Change::CheckInLogged { on } => fill(
                "logged a check-in on {0}",
                "записана встреча {0}",
                &[&lang.day(*on)],
            ),
            Change::CheckInRemoved => fill("removed a check-in", "удалена встреча", &[]),
            Change::WinAdded { text } => {
                fill("added a win: {0}", "добавлена победа: {0}", &[&s(text)])
            }
            Change::WinRemoved => fill("removed a win", "удалена победа", &[]),
            Change::NoteAdded => fill(
                "added a brand-only note",
                "добавлена внутренняя заметка бренда",
                &[],
            ),
            Change::NoteRemoved => fill(
                "removed a brand-only note",
                "удалена внутренняя заметка бренда",
                &[],
            ),
            Change::BudgetSet { quarter } => fill(
                "set the {0} budget",
                "задан бюджет квартала {0}",
                &[quarter],
            ),
            Change::ReviewItemAdded {
                quarter,
                action: true,
                text,
            } => fill(
                "added an action to the {0} review: {1}",
                "в обзор {0} добавлено действие: {1}",
                &[quarter, &s(text)],
            ),
            Change::ReviewItemAdded {
                quarter,
                action: false,
                text,
            } => fill(
                "added a risk to the {0} review: {1}",
                "в обзор {0} добавлен риск: {1}",
                &[quarter, &s(text)],
            ),
            Change::ReviewItemRemoved { quarter, text } => fill(
                "removed {0} from the {1} review",
                "из обзора {1} удалено: {0}",
                &[&s(text), quarter],
            ),
            Change::ActionTicked { done: true } => fill(
                "ticked an action item",
                "действие отмечено выполненным",
                &[],
            ),
            Change::ActionTicked { done: false } => fill(
                "unticked an action item",
                "снята отметка о выполнении действия",
                &[],
            ),
            Change::KpiAdded { metric, market } => fill(
                "added a KPI: {0} ({1})",
                "добавлен KPI: {0} ({1})",
                &[&metric.name(lang), market],
            ),
            Change::KpiRemoved { metric, market } => fill(
                "removed a KPI: {0} ({1})",
                "удалён KPI: {0} ({1})",
                &[&metric.name(lang), market],
            ),
            Change::ResultsRecorded { title, market } => fill(
                "recorded the results of {0} in {1}",
                "записаны результаты кампании {0} ({1})",
                &[&s(title), market],
            ),
            Change::OnboardingCostSet => fill(
                "set the onboarding cost",
                "задана стоимость онбординга",
                &[],
            ),
            Change::TermSet => fill("set the term", "задан срок договора", &[]),
            Change::RenewalSet => fill("set renewal terms", "заданы условия продления", &[]),
            Change::AutoRenewal { on: true } => {
                fill("turned auto-renewal on", "включено автопродление", &[])
            }
            Change::AutoRenewal { on: false } => {
                fill("turned auto-renewal off", "выключено автопродление", &[])
            }
            Change::DeliverableAdded {
                what,
                market,
                quarter,
            } => fill(
                "added deliverable {0} ({1}) to the {2} statement of work",
                "в техническое задание {2} добавлен материал {0} ({1})",
                &[&s(what), market, quarter],
            ),
            Change::DeliverableChanged { what, quarter } => fill(
                "changed deliverable {0} in the {1} statement of work",
                "изменён материал {0} в техническом задании {1}",
                &[&s(what), quarter],
            ),
            Change::DeliverableRemoved { what, quarter } => fill(
                "removed deliverable {0} from the {1} statement of work",
                "из технического задания {1} удалён материал {0}",
                &[&s(what), quarter],
            ),
            Change::ApprovalSet { quarter } => fill(
                "set the {0} approval rules",
                "заданы правила согласования на {0}",
                &[quarter],
            ),
            Change::CompensationSet { quarter } => fill(
                "set the {0} compensation",
                "задано вознаграждение на {0}",
                &[quarter],
            ),
            Change::PaymentSet { quarter } => fill(
                "set the {0} payment split and terms",
                "заданы график и условия оплаты на {0}",
                &[quarter],
            ),
            Change::ContactSet { side: Side::Brand } => fill(
                "set the brand's point of contact",
                "задано контактное лицо бренда",
                &[],
            ),
            Change::ContactSet {
                side: Side::Creator,
            } => fill(
                "set the creator's point of contact",
                "задано контактное лицо автора",
                &[],
            ),
            Change::PaymentsPlanned { quarter } => fill(
                "planned the {0} payments from the split",
                "запланированы платежи за {0} по графику оплаты",
                &[quarter],
            ),
            Change::PaymentAdded { label } => {
                fill("added payment {0}", "добавлен платёж {0}", &[&s(label)])
            }
            Change::PaymentChanged { label } => {
                fill("changed payment {0}", "изменён платёж {0}", &[&s(label)])
            }
            Change::PaymentMarked { label, status } => fill(
                "marked payment {0}: {1}",
                "платёж {0} отмечен: {1}",
                &[&s(label), &status.words(lang).to_lowercase()],
            ),
            Change::PaymentRemoved { label } => {
                fill("removed payment {0}", "удалён платёж {0}", &[&s(label)])
            }
            Change::PaymentDocumentsSet { label } => fill(
                "recorded the documents of payment {0}",
                "отмечены документы по платежу {0}",
                &[&s(label)],
            ),
            Change::CreatorTaxSet => fill(
                "set how the creator is paid",
                "указан налоговый статус автора",
                &[],
            ),
            Change::UsageRightsSet => fill(
                "set when the usage rights end",
                "указан срок прав на использование",
                &[],
            ),
            Change::ReviewMeetingSet { quarter } => fill(
                "set the {0} review meeting",
                "назначена встреча по обзору {0}",
                &[quarter],
            ),
            Change::DraftSubmitted { what, number } => fill(
                "submitted draft {0} of {1}",
                "сдан черновик {0} материала {1}",
                &[number, &s(what)],
            ),
            Change::DraftReviewed {
                what,
                number,
                outcome,
            } => fill(
                "reviewed draft {0} of {1}: {2}",
                "проверен черновик {0} материала {1}: {2}",
                &[number, &s(what), &outcome.words(lang).to_lowercase()],
            ),
            Change::FeedbackAnswered { what } => fill(
                "answered feedback on {0}",
                "отвечено на замечание к {0}",
                &[&s(what)],
            ),
            Change::CaptionEdited { what } => fill(
                "edited the caption of {0}",
                "изменён текст публикации {0}",
                &[&s(what)],
            ),
            Change::AutoApproved { what, number } => fill(
                "approved draft {0} of {1} by silence: the review clock ran out",
                "черновик {0} материала {1} согласован по истечении срока проверки",
                &[number, &s(what)],
            ),
            Change::VideoChecksSet { what } => fill(
                "recorded the disclosure checks of {0}",
                "отмечены проверки раскрытия для {0}",
                &[&s(what)],
            ),
            Change::GateOverridden { what, reason } => fill(
                "published {0} over the compliance gate: {1}",
                "{0} опубликован вопреки проверке требований: {1}",
                &[&s(what), &s(reason)],
            ),
            Change::ReviewTermsSet { quarter } => fill(
                "set the {0} review terms",
                "изменены условия проверки {0}",
                &[quarter],
            ),
            Change::RuleSet { key } => fill(
                "changed compliance rule {0}",
                "изменено правило {0}",
                &[&s(key)],
            ),
            Change::ReportSet { month } => fill(
                "recorded the registry report for {0}",
                "отмечен отчёт в реестр за {0}",
                &[month],
            ),
            Change::CreatorAudienceSet => fill(
                "set the creator's audience",
                "указана аудитория автора",
                &[],
            ),
            Change::RegistryReporterSet => fill(
                "set who reports to the ad registry",
                "указано, кто отчитывается в реестр рекламы",
                &[],
            ),
            Change::Restored => fill("undid a removal", "удаление отменено", &[]),
        }
    }
}

fn pick_owned(lang: Lang, en: &str, ru: &str) -> String {
    match lang {
        Lang::En => en.to_owned(),
        Lang::Ru => ru.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_title_that_looks_like_the_message_is_still_a_title() {
        let c = Change::CampaignMarked {
            title: "Spring” done and “glow \\ launch".into(),
            status: CampaignStatus::Done,
        };
        let m = c.message();
        assert_eq!(Change::parse(&m), Some(c.clone()));
        assert_eq!(
            c.describe(Lang::Ru),
            "статус кампании «Spring” done and “glow \\ launch»: завершена"
        );
    }

    #[test]
    fn older_messages_read_as_what_they_meant() {
        let read = |m: &str| Change::parse(m).map(|c| c.describe(Lang::Ru));
        assert_eq!(
            read("create partnership").as_deref(),
            Some("создано партнёрство")
        );
        assert_eq!(
            read("added a action to the 2027-Q1 review: “Send the brief”").as_deref(),
            Some("в обзор 2027-Q1 добавлено действие: «Send the brief»")
        );
        assert_eq!(
            read("marked campaign “Spring glow launch” done").as_deref(),
            Some("статус кампании «Spring glow launch»: завершена")
        );
        assert_eq!(
            read("changed the 2027-Q1 theme and objectives").as_deref(),
            Some("изменены тема и цели 2027-Q1")
        );
        assert_eq!(Change::parse("something from another tool"), None);
        assert_eq!(Change::parse("changed the 2027-Q1 colour"), None);
    }

    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Zа-я0-9 “”«»\\\\:()-]{1,24}"
    }

    fn quarter() -> impl Strategy<Value = QuarterId> {
        (2020i32..2040, 1u8..=4).prop_map(|(y, n)| format!("{y}-Q{n}").parse().expect("q"))
    }

    fn market() -> impl Strategy<Value = Market> {
        prop::sample::select(vec!["RU", "US", "DE"]).prop_map(|m| m.parse().expect("market"))
    }

    fn field() -> impl Strategy<Value = Field> {
        prop_oneof![
            Just(Field::Goal),
            quarter().prop_map(Field::Theme),
            quarter().prop_map(Field::Learned),
            quarter().prop_map(Field::NextTry),
            prop::sample::select(AgreementText::ALL.to_vec()).prop_map(Field::Agreement),
            (quarter(), prop::sample::select(QbrText::ALL.to_vec()))
                .prop_map(|(q, f)| Field::Review(q, f)),
            (text(), prop::sample::select(DebriefPart::ALL.to_vec()))
                .prop_map(|(t, p)| Field::Debrief(t, p)),
        ]
    }

    /// Every kind of change, with generated values.
    pub(crate) fn change() -> impl Strategy<Value = Change> {
        let simple = prop::sample::select(vec![
            Change::Created,
            Change::Imported,
            Change::CheckInRemoved,
            Change::WinRemoved,
            Change::NoteAdded,
            Change::NoteRemoved,
            Change::ActionTicked { done: true },
            Change::ActionTicked { done: false },
            Change::OnboardingCostSet,
            Change::TermSet,
            Change::RenewalSet,
            Change::AutoRenewal { on: true },
            Change::AutoRenewal { on: false },
            Change::ContactSet { side: Side::Brand },
            Change::ContactSet {
                side: Side::Creator,
            },
            Change::Restored,
        ]);
        let metric = prop::sample::select(Metric::ALL.to_vec());
        prop_oneof![
            simple,
            field().prop_map(Change::Edited),
            (text(), market(), quarter()).prop_map(|(title, market, quarter)| {
                Change::CampaignAdded {
                    title,
                    market,
                    quarter,
                }
            }),
            text().prop_map(|title| Change::CampaignChanged { title }),
            (text(), prop::sample::select(CampaignStatus::ALL.to_vec()))
                .prop_map(|(title, status)| Change::CampaignMarked { title, status }),
            text().prop_map(|title| Change::CampaignMoved { title }),
            text().prop_map(|title| Change::CampaignRemoved { title }),
            (1u32..=120).prop_map(|days| Change::CadenceSet { days }),
            (0i64..20_000).prop_map(|d| Change::CheckInLogged {
                on: Day(
                    chrono::NaiveDate::from_num_days_from_ce_opt(730_000 + d as i32).expect("day")
                ),
            }),
            text().prop_map(|text| Change::WinAdded { text }),
            quarter().prop_map(|quarter| Change::BudgetSet { quarter }),
            (quarter(), any::<bool>(), text()).prop_map(|(quarter, action, text)| {
                Change::ReviewItemAdded {
                    quarter,
                    action,
                    text,
                }
            }),
            (quarter(), text())
                .prop_map(|(quarter, text)| Change::ReviewItemRemoved { quarter, text }),
            (metric.clone(), market())
                .prop_map(|(metric, market)| Change::KpiAdded { metric, market }),
            (metric, market()).prop_map(|(metric, market)| Change::KpiRemoved { metric, market }),
            (text(), market())
                .prop_map(|(title, market)| Change::ResultsRecorded { title, market }),
            (text(), market(), quarter()).prop_map(|(what, market, quarter)| {
                Change::DeliverableAdded {
                    what,
                    market,
                    quarter,
                }
            }),
            (text(), quarter())
                .prop_map(|(what, quarter)| Change::DeliverableChanged { what, quarter }),
            (text(), quarter())
                .prop_map(|(what, quarter)| Change::DeliverableRemoved { what, quarter }),
            quarter().prop_map(|quarter| Change::ApprovalSet { quarter }),
            quarter().prop_map(|quarter| Change::CompensationSet { quarter }),
            quarter().prop_map(|quarter| Change::PaymentSet { quarter }),
            quarter().prop_map(|quarter| Change::PaymentsPlanned { quarter }),
            text().prop_map(|label| Change::PaymentAdded { label }),
            text().prop_map(|label| Change::PaymentChanged { label }),
            (
                text(),
                proptest::sample::select(PaymentStatus::ALL.to_vec())
            )
                .prop_map(|(label, status)| Change::PaymentMarked { label, status }),
            text().prop_map(|label| Change::PaymentRemoved { label }),
            text().prop_map(|label| Change::PaymentDocumentsSet { label }),
            Just(Change::CreatorTaxSet),
            Just(Change::UsageRightsSet),
            quarter().prop_map(|quarter| Change::ReviewMeetingSet { quarter }),
            (text(), 1..20usize).prop_map(|(what, number)| Change::DraftSubmitted { what, number }),
            (
                text(),
                1..20usize,
                proptest::sample::select(Outcome::ALL.to_vec())
            )
                .prop_map(|(what, number, outcome)| Change::DraftReviewed {
                    what,
                    number,
                    outcome
                }),
            text().prop_map(|what| Change::FeedbackAnswered { what }),
            text().prop_map(|what| Change::CaptionEdited { what }),
            (text(), 1..20usize).prop_map(|(what, number)| Change::AutoApproved { what, number }),
            text().prop_map(|what| Change::VideoChecksSet { what }),
            (text(), text()).prop_map(|(what, reason)| Change::GateOverridden { what, reason }),
            quarter().prop_map(|quarter| Change::ReviewTermsSet { quarter }),
            "[a-z][a-z-]{0,12}".prop_map(|key| Change::RuleSet { key }),
            "20[0-9]{2}-(0[1-9]|1[0-2])".prop_map(|month| Change::ReportSet { month }),
            Just(Change::CreatorAudienceSet),
            Just(Change::RegistryReporterSet),
        ]
    }

    proptest! {
        #[test]
        fn every_message_reads_back_as_its_change(c in change()) {
            let m = c.message();
            prop_assert_eq!(Change::parse(&m), Some(c.clone()), "message {:?}", m);
        }

        #[test]
        fn russian_descriptions_have_no_english_but_what_was_typed(c in change()) {
            let ru = c.describe(Lang::Ru);
            // Take out what a person typed (and abbreviations kept as they are); no
            // English word must be left.
            let mut rest = ru.clone();
            for typed in typed_values(&c) {
                rest = rest.replace(&format!("«{typed}»"), "");
            }
            for kept in ["KPI", "CPM", "CPE", "CPA", "CPC", "CTR", "ROAS", "ROI", "ER", "RU", "US", "DE", "Q1", "Q2", "Q3", "Q4"] {
                rest = rest.replace(kept, "");
            }
            prop_assert!(
                !rest.chars().any(|ch| ch.is_ascii_alphabetic()),
                "English left in {:?} (from {:?})", ru, c
            );
            prop_assert!(!c.describe(Lang::En).is_empty());
        }
    }

    fn typed_values(c: &Change) -> Vec<String> {
        match c {
            Change::Edited(Field::Debrief(t, _))
            | Change::CampaignAdded { title: t, .. }
            | Change::CampaignChanged { title: t }
            | Change::CampaignMarked { title: t, .. }
            | Change::CampaignMoved { title: t }
            | Change::CampaignRemoved { title: t }
            | Change::WinAdded { text: t }
            | Change::ReviewItemAdded { text: t, .. }
            | Change::ReviewItemRemoved { text: t, .. }
            | Change::ResultsRecorded { title: t, .. }
            | Change::DeliverableAdded { what: t, .. }
            | Change::DeliverableChanged { what: t, .. }
            | Change::DeliverableRemoved { what: t, .. }
            | Change::PaymentAdded { label: t }
            | Change::PaymentChanged { label: t }
            | Change::PaymentMarked { label: t, .. }
            | Change::PaymentRemoved { label: t }
            | Change::PaymentDocumentsSet { label: t }
            | Change::DraftSubmitted { what: t, .. }
            | Change::DraftReviewed { what: t, .. }
            | Change::FeedbackAnswered { what: t }
            | Change::CaptionEdited { what: t }
            | Change::AutoApproved { what: t, .. }
            | Change::VideoChecksSet { what: t }
            | Change::RuleSet { key: t } => vec![t.clone()],
            Change::GateOverridden { what, reason } => vec![what.clone(), reason.clone()],
            _ => Vec::new(),
        }
    }
}
