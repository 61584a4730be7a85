//! The compliance gate: whether a paid post may go live in its market, item by item, with
//! the reason and the date each rule starts from.
//!
//! The rules change over time (a platform banned from a date, a register from another), so
//! they are data: a dated table shipped with defaults and their sources ([`default_rules`]),
//! which the owner may edit in the document ([`Rule`]; each with a start and an optional
//! end). Every item is computed from the document and the table on the go-live date, so a
//! change of the table re-checks deliverables already live.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};
use chrono::NaiveDate;

use crate::{
    day::Day, drafts::DraftVersion, ids::VersionId, locale::Lang, market::Market,
    payment::TaxStatus, sow::Deliverable,
};

/// What a rule requires (the `kind` of a [`Rule`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    /// Paid posts on `platform` are banned (RU: restricted resources).
    PlatformBanned,
    /// Pages with at least `threshold` subscribers must be in the register to carry ads.
    Register,
    /// An erid token for the approved creative, obtained before publication.
    Erid,
    /// «Реклама», the advertiser's name and INN.
    Label,
    /// The ad's copy in Russian.
    RussianCopy,
    /// A 3% levy on ad income, paid by a Russian advertiser for a foreign contractor.
    Levy,
    /// A clear disclosure in the first line (not "sp", "spon", "collab", "ambassador").
    Disclosure,
    /// On screen and spoken, for video.
    VideoDisclosure,
    /// The platform's paid-partnership tag, in addition to the disclosure.
    PlatformTag,
}

impl RuleKind {
    pub const ALL: [RuleKind; 9] = [
        Self::PlatformBanned,
        Self::Register,
        Self::Erid,
        Self::Label,
        Self::RussianCopy,
        Self::Levy,
        Self::Disclosure,
        Self::VideoDisclosure,
        Self::PlatformTag,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PlatformBanned => "platform_banned",
            Self::Register => "register",
            Self::Erid => "erid",
            Self::Label => "label",
            Self::RussianCopy => "russian_copy",
            Self::Levy => "levy",
            Self::Disclosure => "disclosure",
            Self::VideoDisclosure => "video_disclosure",
            Self::PlatformTag => "platform_tag",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The rule in words.
    pub fn words(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, Self::PlatformBanned) => "Platform permitted for ads",
            (Lang::En, Self::Register) => "Creator's page in the register",
            (Lang::En, Self::Erid) => "erid for the approved version",
            (Lang::En, Self::Label) => "«Реклама», advertiser and INN",
            (Lang::En, Self::RussianCopy) => "Copy in Russian",
            (Lang::En, Self::Levy) => "3% levy on ad income",
            (Lang::En, Self::Disclosure) => "Disclosure in the first line",
            (Lang::En, Self::VideoDisclosure) => "Disclosure on screen and spoken",
            (Lang::En, Self::PlatformTag) => "Platform's paid-partnership tag",
            (Lang::Ru, Self::PlatformBanned) => "Площадка разрешена для рекламы",
            (Lang::Ru, Self::Register) => "Страница автора в реестре",
            (Lang::Ru, Self::Erid) => "erid для согласованной версии",
            (Lang::Ru, Self::Label) => "«Реклама», рекламодатель и ИНН",
            (Lang::Ru, Self::RussianCopy) => "Текст на русском языке",
            (Lang::Ru, Self::Levy) => "Сбор 3% с рекламы",
            (Lang::Ru, Self::Disclosure) => "Раскрытие в первой строке",
            (Lang::Ru, Self::VideoDisclosure) => "Раскрытие в кадре и голосом",
            (Lang::Ru, Self::PlatformTag) => "Отметка платформы о партнёрстве",
        }
    }
}

/// One row of the rules table.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Rule {
    pub kind: String,
    pub market: Market,
    /// The platform a ban names (empty otherwise).
    pub platform: String,
    /// The audience from which a register is required (0 otherwise).
    pub threshold: u64,
    pub from: Day,
    #[autosurgeon(missing = "Default::default")]
    pub until: Option<Day>,
    /// Where the rule comes from (a law, a regulator's statement).
    pub source: Text,
    #[autosurgeon(missing = "Default::default")]
    pub removed: bool,
}

impl Rule {
    pub fn kind(&self) -> Option<RuleKind> {
        RuleKind::parse(&self.kind)
    }

    /// In force on `day`.
    pub fn applies_on(&self, day: NaiveDate) -> bool {
        !self.removed && self.from.0 <= day && self.until.is_none_or(|Day(u)| day <= u)
    }
}

fn day(s: &str) -> Day {
    s.parse().unwrap_or(Day(NaiveDate::MIN))
}

/// The rules Tandem ships, by a stable key (both sides writing them into a document at
/// once write the same entries), with their sources.
pub fn default_rules() -> BTreeMap<String, Rule> {
    let ru: Market = "RU"
        .parse()
        .unwrap_or_else(|_| unreachable!("RU is a market"));
    let us: Market = "US"
        .parse()
        .unwrap_or_else(|_| unreachable!("US is a market"));
    let rule = |kind: RuleKind, market, platform: &str, threshold, from: &str, source: &str| Rule {
        kind: kind.as_str().into(),
        market,
        platform: platform.into(),
        threshold,
        from: day(from),
        until: None,
        source: source.into(),
        removed: false,
    };
    let mut out = BTreeMap::new();
    for (key, r) in [
        (
            "ru-ban-instagram",
            rule(
                RuleKind::PlatformBanned,
                ru,
                "Instagram",
                0,
                "2025-09-01",
                "38-FZ art. 5 part 10.7 (law 72-FZ of 7 Apr 2025): no ads on resources of organisations banned as extremist or undesirable, from 1 Sep 2025",
            ),
        ),
        (
            "ru-ban-facebook",
            rule(
                RuleKind::PlatformBanned,
                ru,
                "Facebook",
                0,
                "2025-09-01",
                "38-FZ art. 5 part 10.7 (law 72-FZ of 7 Apr 2025), from 1 Sep 2025",
            ),
        ),
        (
            "ru-register",
            rule(
                RuleKind::Register,
                ru,
                "",
                10_000,
                "2025-01-01",
                "149-FZ art. 10.6 (law 303-FZ of 8 Aug 2024): pages with 10,000+ subscribers registered with Roskomnadzor to carry ads, from 1 Jan 2025",
            ),
        ),
        (
            "ru-erid",
            rule(
                RuleKind::Erid,
                ru,
                "",
                0,
                "2022-09-01",
                "38-FZ art. 18.1: online ads labelled with an erid from an ad-data operator before publication; a changed creative needs a new one",
            ),
        ),
        (
            "ru-label",
            rule(
                RuleKind::Label,
                ru,
                "",
                0,
                "2022-09-01",
                "38-FZ art. 18.1 part 16: «Реклама» and the advertiser's name or site; fines KoAP 14.3",
            ),
        ),
        (
            "ru-russian",
            rule(
                RuleKind::RussianCopy,
                ru,
                "",
                0,
                "2026-03-01",
                "Law 168-FZ of 24 Jun 2025 (on the Russian language): consumer-facing ads in Russian from 1 Mar 2026",
            ),
        ),
        (
            "ru-levy",
            rule(
                RuleKind::Levy,
                ru,
                "",
                0,
                "2025-04-01",
                "149-FZ art. 18.3 (law 479-FZ of 26 Dec 2024): 3% levy on ad-distribution income; a Russian advertiser pays it for a foreign contractor",
            ),
        ),
        (
            "us-disclosure",
            rule(
                RuleKind::Disclosure,
                us,
                "",
                0,
                "2023-06-29",
                "FTC Guides Concerning Endorsements (16 CFR 255, revised 2023): clear and conspicuous, in the first lines; “sp”, “spon”, “collab”, “ambassador” do not count",
            ),
        ),
        (
            "us-video",
            rule(
                RuleKind::VideoDisclosure,
                us,
                "",
                0,
                "2023-06-29",
                "FTC Guides, 16 CFR 255.5: for video, on screen and spoken",
            ),
        ),
        (
            "us-tag",
            rule(
                RuleKind::PlatformTag,
                us,
                "",
                0,
                "2023-06-29",
                "FTC, Disclosures 101 for Social Media Influencers: use the platform's tool in addition; it alone may not be enough",
            ),
        ),
    ] {
        out.insert(key.to_owned(), r);
    }
    out
}

/// How an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// For information (who pays the levy).
    Info,
}

/// One line of the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: RuleKind,
    pub status: Status,
    /// Why, in the language asked for.
    pub reason: String,
    /// The rule's start, for "since …".
    pub since: Day,
}

/// What the gate reads besides the deliverable: the parties' facts.
#[derive(Debug, Clone, Copy)]
pub struct Parties<'a> {
    pub brand_legal_name: &'a str,
    pub brand_inn: &'a str,
    pub creator_audience: Option<u64>,
    pub creator_register_number: &'a str,
    pub creator_tax: TaxStatus,
}

/// The version the deliverable would go out as: the latest approved, else the latest.
pub fn current_version(
    d: &Deliverable,
    rounds_included: u32,
) -> Option<(&VersionId, &DraftVersion)> {
    let rounds = crate::drafts::rounds(&d.versions, rounds_included);
    rounds
        .iter()
        .rev()
        .find(|r| r.version.approved())
        .or_else(|| rounds.last())
        .map(|r| (r.id, r.version))
}

/// Whether the erid was issued for the version going out, as it reads now.
pub fn erid_current(d: &Deliverable, rounds_included: u32) -> Result<(), EridProblem> {
    if d.erid.as_str().trim().is_empty() {
        return Err(EridProblem::Missing);
    }
    let Some((id, version)) = current_version(d, rounds_included) else {
        // No draft in Tandem: nothing to compare with.
        return Ok(());
    };
    match &d.erid_for {
        None => Err(EridProblem::Unknown),
        Some(f) if &f.version != id => Err(EridProblem::OtherVersion),
        Some(f) if f.caption != version.caption.as_str() => Err(EridProblem::CaptionChanged),
        Some(_) => Ok(()),
    }
}

/// Why an erid does not cover the post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EridProblem {
    Missing,
    /// Entered before Tandem recorded which version it was for.
    Unknown,
    /// Issued for another version than the one going out.
    OtherVersion,
    /// The caption was edited after the erid was issued.
    CaptionChanged,
}

/// Words that disclose an ad; words that do not (FTC).
const DISCLOSES: [&str; 8] = [
    "#ad",
    "ad",
    "advertisement",
    "sponsored",
    "#sponsored",
    "#paidpartnership",
    "реклама",
    "#реклама",
];
const DOES_NOT: [&str; 8] = [
    "sp",
    "#sp",
    "spon",
    "#spon",
    "collab",
    "#collab",
    "ambassador",
    "#ambassador",
];

/// Whether `caption`'s first line discloses the ad; the reason when it does not.
pub fn first_line_discloses(caption: &str) -> Result<(), Option<String>> {
    let first = caption
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let lower = first.to_lowercase();
    if lower.contains("paid partnership") || lower.contains("sponsored by") {
        return Ok(());
    }
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '#'))
        .filter(|w| !w.is_empty())
        .collect();
    if words.iter().any(|w| DISCLOSES.contains(w)) {
        return Ok(());
    }
    Err(words
        .into_iter()
        .find(|w| DOES_NOT.contains(w))
        .map(str::to_owned))
}

/// Whether a format is a video (the disclosure must also be on screen and spoken).
pub fn is_video(platform: &str, format: &str) -> bool {
    let text = format!("{platform} {format}").to_lowercase();
    [
        "video",
        "reel",
        "short",
        "stream",
        "youtube",
        "tiktok",
        "rutube",
        "видео",
        "ролик",
        "рилс",
        "шортс",
        "стрим",
        "клип",
    ]
    .iter()
    .any(|k| text.contains(k))
}

/// Whether the copy reads as Russian: at least as many Cyrillic letters as Latin ones.
pub fn reads_russian(caption: &str) -> bool {
    let (mut cyrillic, mut latin) = (0, 0);
    for c in caption.chars() {
        if ('\u{400}'..='\u{4ff}').contains(&c) {
            cyrillic += 1;
        } else if c.is_ascii_alphabetic() {
            latin += 1;
        }
    }
    cyrillic > 0 && cyrillic >= latin
}

/// The gate of one paid deliverable on `on` (its go-live date), against `rules`.
pub fn gate(
    d: &Deliverable,
    rounds_included: u32,
    parties: Parties<'_>,
    rules: &BTreeMap<String, Rule>,
    on: NaiveDate,
    lang: Lang,
) -> Vec<Item> {
    if !d.paid {
        return Vec::new();
    }
    let ru = lang == Lang::Ru;
    let pick = |en: &str, ru_text: &str| {
        if ru {
            ru_text.to_owned()
        } else {
            en.to_owned()
        }
    };
    let caption = current_version(d, rounds_included)
        .map(|(_, v)| v.caption.as_str().to_owned())
        .unwrap_or_default();
    let mut out = Vec::new();
    for rule in rules
        .values()
        .filter(|r| r.market == d.market && r.applies_on(on))
    {
        let Some(kind) = rule.kind() else { continue };
        let item = |status, reason: String| Item {
            kind,
            status,
            reason,
            since: rule.from,
        };
        let platform = d.platform.as_str().trim();
        match kind {
            RuleKind::PlatformBanned => {
                if !platform.eq_ignore_ascii_case(rule.platform.trim()) {
                    continue;
                }
                out.push(item(
                    Status::Fail,
                    pick(
                        &format!("Ads on {platform} are banned in Russia from {}", rule.from),
                        &format!("Реклама в {platform} запрещена в России с {}", rule.from),
                    ),
                ));
            }
            RuleKind::Register => out.push(match parties.creator_audience {
                None => item(
                    Status::Fail,
                    pick(
                        "State the creator's audience: pages with 10,000+ subscribers must be in the register",
                        "Укажите аудиторию автора: страницы от 10 000 подписчиков должны быть в реестре",
                    ),
                ),
                Some(n) if n < rule.threshold => item(
                    Status::Pass,
                    pick("Below the register's threshold", "Меньше порога реестра"),
                ),
                Some(_) if parties.creator_register_number.trim().is_empty() => item(
                    Status::Fail,
                    pick(
                        "The creator's page needs its register number (Roskomnadzor)",
                        "Нужен номер страницы автора в реестре Роскомнадзора",
                    ),
                ),
                Some(_) => item(Status::Pass, pick("Registered", "В реестре")),
            }),
            RuleKind::Erid => out.push(match erid_current(d, rounds_included) {
                Ok(()) => item(Status::Pass, pick("erid present", "erid указан")),
                Err(EridProblem::Missing) => item(
                    Status::Fail,
                    pick("No erid yet: get one for the approved version before publishing",
                        "Нет erid: получите его для согласованной версии до публикации"),
                ),
                Err(EridProblem::Unknown) => item(
                    Status::Fail,
                    pick("Enter the erid again for the version going out",
                        "Введите erid заново для публикуемой версии"),
                ),
                Err(EridProblem::OtherVersion) => item(
                    Status::Fail,
                    pick("The erid was issued for another version: a new version needs a new erid",
                        "erid получен для другой версии: новой версии нужен новый erid"),
                ),
                Err(EridProblem::CaptionChanged) => item(
                    Status::Fail,
                    pick("The caption changed after the erid was issued: get a new erid",
                        "Текст изменён после получения erid: нужен новый erid"),
                ),
            }),
            RuleKind::Label => {
                let mut missing = Vec::new();
                if !d.reklama_label {
                    missing.push(pick("the «Реклама» label", "пометки «Реклама»"));
                }
                if parties.brand_legal_name.trim().is_empty() {
                    missing.push(pick("the advertiser's name", "названия рекламодателя"));
                }
                if parties.brand_inn.trim().is_empty() {
                    missing.push(pick("the advertiser's INN", "ИНН рекламодателя"));
                }
                out.push(if missing.is_empty() {
                    item(Status::Pass, pick("Labelled", "Помечено"))
                } else {
                    item(
                        Status::Fail,
                        pick(
                            &format!("Missing {}", missing.join(", ")),
                            &format!("Нет {}", missing.join(", ")),
                        ),
                    )
                });
            }
            RuleKind::RussianCopy => out.push(if reads_russian(&caption) {
                item(Status::Pass, pick("In Russian", "На русском"))
            } else {
                item(
                    Status::Fail,
                    pick(
                        "The copy must be in Russian (foreign words need a Russian equivalent)",
                        "Текст должен быть на русском (у иностранных слов нужен русский эквивалент)",
                    ),
                )
            }),
            RuleKind::Levy => {
                if matches!(parties.creator_tax, TaxStatus::UsPerson | TaxStatus::Foreign) {
                    out.push(item(
                        Status::Info,
                        pick(
                            "The brand pays the 3% levy on this placement: the creator is a foreign person",
                            "Сбор 3% с этого размещения платит бренд: автор — иностранное лицо",
                        ),
                    ));
                }
            }
            RuleKind::Disclosure => out.push(match first_line_discloses(&caption) {
                Ok(()) => item(Status::Pass, pick("Disclosed in the first line", "Раскрыто в первой строке")),
                Err(Some(word)) => item(
                    Status::Fail,
                    pick(
                        &format!("“{word}” does not count as a disclosure: write #ad or “Sponsored” in the first line"),
                        &format!("«{word}» не считается раскрытием: напишите #ad или Sponsored в первой строке"),
                    ),
                ),
                Err(None) => item(
                    Status::Fail,
                    pick(
                        "No disclosure in the caption's first line (#ad, “Sponsored”)",
                        "В первой строке нет раскрытия (#ad, Sponsored)",
                    ),
                ),
            }),
            RuleKind::VideoDisclosure => {
                if !is_video(platform, d.format.as_str()) {
                    continue;
                }
                out.push(if d.disclosure_on_screen && d.disclosure_spoken {
                    item(Status::Pass, pick("On screen and spoken", "В кадре и голосом"))
                } else {
                    item(
                        Status::Fail,
                        pick(
                            "For video the reviewer confirms the disclosure is on screen and spoken",
                            "Для видео проверяющий подтверждает раскрытие в кадре и голосом",
                        ),
                    )
                });
            }
            RuleKind::PlatformTag => out.push(if d.platform_tag {
                item(Status::Pass, pick("Tag set", "Отметка стоит"))
            } else {
                item(
                    Status::Fail,
                    pick(
                        "Turn on the platform's paid-partnership tag as well",
                        "Включите также отметку платформы о платном партнёрстве",
                    ),
                )
            }),
        }
    }
    out.sort_by_key(|i| {
        (
            RuleKind::ALL.iter().position(|k| *k == i.kind),
            i.reason.clone(),
        )
    });
    out
}

/// Whether the gate lets it go live: no item fails.
pub fn passes(items: &[Item]) -> bool {
    items.iter().all(|i| i.status != Status::Fail)
}
