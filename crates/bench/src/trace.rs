//! The editing trace: one person writing and revising a partnership's roadmap over years.
//!
//! The trace starts from a base document (a new partnership with twelve quarters and eight
//! campaigns in each, built by the domain's own commands) and is a list of changes, each a
//! few Automerge operations with the time and the message Tandem would give it:
//! - text splices into the roadmap's prose (the goal, each quarter's theme, "what we
//!   learned", "what we try next", campaign titles): typing runs at a cursor, backspacing,
//!   replacing a word — in English with Russian passages, as the partnership's two markets;
//! - field edits on campaigns (status, start and end dates), one field per change, as the
//!   campaign row makes them.
//!
//! Positions are in UTF-16 code units, the JavaScript library's default, so both replays
//! apply the very same operations (the native replay opens the document with UTF-16
//! indexing). Only the seed decides the trace: no clock, no ambient randomness.

use std::collections::BTreeMap;

use anyhow::{Context, Result, anyhow};
use automerge::{ActorId, AutoCommit, TextEncoding, transaction::CommitOptions};
use serde_json::{Value, json};
use tandem_domain::{
    campaign::{CampaignDraft, CampaignId, CampaignStatus},
    document::PartnershipDoc,
    document_id::DocumentId,
    market::Market,
    partnership::{NewPartnership, Partnership},
    quarter::QuarterId,
};

use crate::rng::Rng;

/// What the trace is made of.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub seed: u64,
    /// Characters typed in all (UTF-16 code units; deletions come on top).
    pub typed: usize,
    /// Campaign field edits, one change each.
    pub field_edits: usize,
    /// Keystrokes per change: 1 is what Tandem does today (a change per input event).
    pub keystrokes_per_change: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 8,
            typed: 250_000,
            field_edits: 5_000,
            keystrokes_per_change: 1,
        }
    }
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Deletes `del` units at `pos` of the text at `path`, then inserts `text` there.
    Splice {
        path: usize,
        pos: usize,
        del: usize,
        text: String,
    },
    /// Puts a scalar string under `key` of the map at `path`.
    Set {
        path: usize,
        key: String,
        value: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub time: i64,
    pub message: usize,
    pub ops: Vec<Op>,
}

/// A trace, as written to and read from its JSON file.
#[derive(Debug, Clone)]
pub struct Trace {
    pub seed: u64,
    pub actor: Vec<u8>,
    pub base: Vec<u8>,
    pub paths: Vec<Vec<String>>,
    pub messages: Vec<String>,
    pub changes: Vec<Change>,
    /// The text each text path holds at the end.
    pub expected: BTreeMap<usize, String>,
}

const T0_MS: i64 = 1_798_761_600_000; // 2027-01-01T00:00:00Z

const EN: &[&str] = &[
    "launch",
    "audience",
    "campaign",
    "creator",
    "brand",
    "reach",
    "engagement",
    "story",
    "video",
    "series",
    "spring",
    "winter",
    "collection",
    "partners",
    "market",
    "Moscow",
    "New York",
    "test",
    "budget",
    "quarter",
    "goal",
    "review",
    "content",
    "short",
    "long",
    "format",
    "channel",
    "newsletter",
    "conversion",
    "offer",
    "code",
    "drop",
    "premiere",
    "live",
    "stream",
    "community",
    "feedback",
    "results",
    "we",
    "will",
    "plan",
    "to",
    "grow",
    "the",
    "a",
    "and",
    "with",
    "for",
    "in",
    "on",
    "of",
    "our",
    "their",
    "more",
    "fewer",
    "better",
    "weekly",
    "monthly",
    "first",
    "second",
    "again",
    "because",
    "after",
    "before",
    "measure",
    "try",
    "learned",
    "worked",
    "did not",
    "next",
    "agree",
    "deliver",
    "approve",
    "draft",
    "script",
    "shoot",
    "edit",
    "publish",
    "repost",
    "pin",
    "promote",
];

const RU: &[&str] = &[
    "запуск",
    "аудитория",
    "кампания",
    "автор",
    "бренд",
    "охват",
    "вовлечённость",
    "история",
    "видео",
    "серия",
    "весна",
    "зима",
    "коллекция",
    "партнёры",
    "рынок",
    "Москва",
    "тест",
    "бюджет",
    "квартал",
    "цель",
    "обзор",
    "контент",
    "формат",
    "канал",
    "рассылка",
    "предложение",
    "промокод",
    "премьера",
    "эфир",
    "сообщество",
    "отзывы",
    "результаты",
    "мы",
    "будем",
    "план",
    "и",
    "с",
    "для",
    "в",
    "на",
    "наш",
    "больше",
    "лучше",
    "еженедельно",
    "сначала",
    "снова",
    "потому что",
    "после",
    "до",
    "измерить",
    "попробовать",
    "сработало",
    "не сработало",
    "дальше",
    "согласовать",
    "снять",
    "смонтировать",
    "опубликовать",
];

/// Produces the next words of prose, sentence by sentence.
struct Prose {
    russian: bool,
    words_left: usize,
    sentence_start: bool,
}

impl Prose {
    fn new() -> Self {
        Prose {
            russian: false,
            words_left: 0,
            sentence_start: true,
        }
    }

    /// The next word with the space or punctuation that follows it.
    fn word(&mut self, rng: &mut Rng) -> String {
        if self.words_left == 0 {
            self.words_left = rng.between(6, 18);
            self.sentence_start = true;
            // Passages, not single words, switch language.
            if rng.chance(0.08) {
                self.russian = !self.russian;
            }
        }
        let list = if self.russian { RU } else { EN };
        let mut w = (*rng.pick(list)).to_owned();
        if self.sentence_start {
            let mut chars = w.chars();
            if let Some(first) = chars.next() {
                w = first.to_uppercase().chain(chars).collect();
            }
            self.sentence_start = false;
        }
        self.words_left -= 1;
        if self.words_left == 0 {
            w.push_str(if rng.chance(0.15) { ".\n\n" } else { ". " });
        } else if rng.chance(0.06) {
            w.push_str(", ");
        } else {
            w.push(' ');
        }
        w
    }
}

/// A text field as the generator tracks it: its path, its message, its text in UTF-16.
struct Field {
    path: usize,
    message: usize,
    text: Vec<u16>,
    /// How often a person works on it, relative to the others.
    weight: usize,
}

struct Campaign {
    path: usize,
    quarter: QuarterId,
    title: String,
    status: CampaignStatus,
}

/// Builds the base document and the trace.
pub fn generate(config: Config) -> Result<Trace> {
    let mut rng = Rng::new(config.seed);
    let actor = rng.bytes16().to_vec();
    let ru: Market = "RU".parse().map_err(|_| anyhow!("market RU"))?;
    let us: Market = "US".parse().map_err(|_| anyhow!("market US"))?;
    let first: QuarterId = "2027-Q1".parse().map_err(|_| anyhow!("quarter"))?;
    let mut partnership = Partnership::new(&NewPartnership {
        brand: "Northwind Outdoor".into(),
        creator: "Маша Петрова Studio".into(),
        markets: vec![ru, us],
        first_quarter: first,
        quarters: 12,
    })
    .map_err(|e| anyhow!("{e}"))?;
    partnership.document_id = Some(DocumentId::from_bytes(rng.bytes16()).to_string());

    let mut paths: Vec<Vec<String>> = Vec::new();
    let mut messages: Vec<String> = Vec::new();
    let mut fields = Vec::new();
    let mut campaigns = Vec::new();
    paths.push(vec!["goal".into()]);
    fields.push(Field {
        path: 0,
        message: intern(&mut messages, "changed the larger goal".into()),
        text: Vec::new(),
        weight: 1,
    });
    let quarters: Vec<QuarterId> = partnership.quarters.keys().copied().collect();
    for q in &quarters {
        for (key, label, weight) in [
            ("theme", "theme and objectives", 6),
            ("learned", "what we learned", 4),
            ("next_try", "what we try next", 3),
        ] {
            paths.push(vec!["quarters".into(), q.to_string(), key.into()]);
            fields.push(Field {
                path: paths.len() - 1,
                message: intern(&mut messages, format!("changed the {q} {label}")),
                text: Vec::new(),
                weight,
            });
        }
        for n in 0..8 {
            let id = CampaignId::from_random(rng.bytes16());
            let title = format!(
                "{} {}",
                rng.pick(&[
                    "Spring drop",
                    "Live stream",
                    "Review",
                    "Premiere",
                    "Запуск",
                    "Эфир"
                ]),
                n + 1
            );
            partnership
                .add_campaign(
                    *q,
                    id.clone(),
                    CampaignDraft {
                        title: title.clone(),
                        market: if n % 2 == 0 { ru } else { us },
                        starts: None,
                        ends: None,
                        status: CampaignStatus::Planned,
                    },
                )
                .map_err(|e| anyhow!("{e}"))?;
            let map = vec![
                "quarters".into(),
                q.to_string(),
                "campaigns".into(),
                id.to_string(),
            ];
            let mut text_path = map.clone();
            text_path.push("title".into());
            paths.push(map);
            campaigns.push(Campaign {
                path: paths.len() - 1,
                quarter: *q,
                title: title.clone(),
                status: CampaignStatus::Planned,
            });
            paths.push(text_path);
            fields.push(Field {
                path: paths.len() - 1,
                message: intern(&mut messages, format!("changed campaign “{title}”")),
                text: title.encode_utf16().collect(),
                weight: 0, // chosen separately, rarely
            });
        }
    }

    let mut doc = AutoCommit::new_with_encoding(TextEncoding::Utf16CodeUnit);
    doc.set_actor(ActorId::from(actor.clone()));
    autosurgeon::reconcile(&mut doc, &partnership).context("building the base document")?;
    doc.commit_with(
        CommitOptions::default()
            .with_time(T0_MS)
            .with_message("create partnership"),
    );
    let base = doc.save();
    PartnershipDoc::load([base.as_slice()]).context("the base document opens as a partnership")?;

    // The text changes first; field edits are then spread among them.
    let prose_fields: Vec<usize> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.weight > 0)
        .flat_map(|(i, f)| std::iter::repeat_n(i, f.weight))
        .collect();
    let title_fields: Vec<usize> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.weight == 0)
        .map(|(i, _)| i)
        .collect();
    let mut prose = Prose::new();
    let mut text_changes: Vec<Vec<(usize, Op)>> = Vec::new(); // (message, op) per session
    let mut typed = 0;
    let k = config.keystrokes_per_change.max(1);
    while typed < config.typed {
        let title_session = rng.chance(0.04);
        let f = if title_session {
            *rng.pick(&title_fields)
        } else {
            *rng.pick(&prose_fields)
        };
        let field = &mut fields[f];
        let len = field.text.len();
        let mut cursor = if len == 0 || rng.chance(0.8) {
            len
        } else {
            // After a space or a line break: people revise at word boundaries.
            let mut c = rng.below(len);
            while c > 0 && !matches!(field.text[c - 1], 0x20 | 0x0a) {
                c -= 1;
            }
            c
        };
        let bursts = if title_session {
            rng.between(1, 3)
        } else {
            rng.between(3, 30)
        };
        let mut session = Vec::new();
        for _ in 0..bursts {
            let r = rng.below(100);
            if r < 80 || cursor == 0 {
                // Typing a few words, a keystroke (or `k`) at a time.
                let words = rng.between(1, 4);
                let run: Vec<u16> = (0..words)
                    .flat_map(|_| prose.word(&mut rng).encode_utf16().collect::<Vec<_>>())
                    .collect();
                for piece in run.chunks(k) {
                    field.text.splice(cursor..cursor, piece.iter().copied());
                    session.push(Op::Splice {
                        path: field.path,
                        pos: cursor,
                        del: 0,
                        text: String::from_utf16_lossy(piece),
                    });
                    cursor += piece.len();
                    typed += piece.len();
                }
            } else if r < 93 {
                // Backspacing.
                let n = rng.between(1, 12).min(cursor);
                let mut left = n;
                while left > 0 {
                    let d = left.min(k);
                    cursor -= d;
                    field.text.drain(cursor..cursor + d);
                    session.push(Op::Splice {
                        path: field.path,
                        pos: cursor,
                        del: d,
                        text: String::new(),
                    });
                    left -= d;
                }
            } else {
                // Selecting the word before the cursor and typing another over it.
                let mut start = cursor;
                while start > 0 && !matches!(field.text[start - 1], 0x20 | 0x0a) {
                    start -= 1;
                }
                let word: Vec<u16> = prose.word(&mut rng).trim_end().encode_utf16().collect();
                let del = cursor - start;
                field.text.splice(start..cursor, word.iter().copied());
                session.push(Op::Splice {
                    path: field.path,
                    pos: start,
                    del,
                    text: String::from_utf16_lossy(&word),
                });
                cursor = start + word.len();
                typed += word.len();
            }
        }
        let message = field.message;
        text_changes.push(session.into_iter().map(|op| (message, op)).collect());
    }

    // Field edits at evenly random places between typing sessions.
    let mut slots: Vec<usize> = (0..config.field_edits)
        .map(|_| rng.below(text_changes.len() + 1))
        .collect();
    slots.sort_unstable();
    let mut changes = Vec::new();
    let mut time = T0_MS + 60_000;
    let mut next_slot = 0;
    for (i, session) in text_changes.into_iter().enumerate() {
        while next_slot < slots.len() && slots[next_slot] == i {
            changes.push(field_edit(
                &mut rng,
                &mut campaigns,
                &mut messages,
                &mut time,
            ));
            next_slot += 1;
        }
        // A session starts minutes to days after the last.
        time += rng.between(60_000, 3 * 86_400_000) as i64;
        for (message, op) in session {
            time += rng.between(120, 900) as i64;
            changes.push(Change {
                time,
                message,
                ops: vec![op],
            });
        }
    }
    while next_slot < slots.len() {
        changes.push(field_edit(
            &mut rng,
            &mut campaigns,
            &mut messages,
            &mut time,
        ));
        next_slot += 1;
    }

    let expected = fields
        .iter()
        .map(|f| (f.path, String::from_utf16_lossy(&f.text)))
        .collect();
    Ok(Trace {
        seed: config.seed,
        actor,
        base,
        paths,
        messages,
        changes,
        expected,
    })
}

/// The index of a message, added if new.
fn intern(list: &mut Vec<String>, m: String) -> usize {
    match list.iter().position(|x| *x == m) {
        Some(i) => i,
        None => {
            list.push(m);
            list.len() - 1
        }
    }
}

fn field_edit(
    rng: &mut Rng,
    campaigns: &mut [Campaign],
    messages: &mut Vec<String>,
    time: &mut i64,
) -> Change {
    *time += rng.between(2_000, 600_000) as i64;
    let c = rng.below(campaigns.len());
    let campaign = &mut campaigns[c];
    let (year, quarter) = (campaign.quarter.year(), campaign.quarter.quarter());
    let first_month = u32::from(quarter - 1) * 3 + 1;
    let (key, value, message) = match rng.below(3) {
        0 => {
            let status = *rng.pick(&CampaignStatus::ALL);
            campaign.status = status;
            (
                "status",
                status.to_string(),
                format!("marked campaign “{}” {}", campaign.title, status),
            )
        }
        // Starts in the quarter's first month, ends in its last: always in order.
        1 => (
            "starts",
            format!("{year}-{first_month:02}-{:02}", rng.between(1, 28)),
            format!("changed campaign “{}”", campaign.title),
        ),
        _ => (
            "ends",
            format!("{year}-{:02}-{:02}", first_month + 2, rng.between(1, 28)),
            format!("changed campaign “{}”", campaign.title),
        ),
    };
    Change {
        time: *time,
        message: intern(messages, message),
        ops: vec![Op::Set {
            path: campaign.path,
            key: key.into(),
            value,
        }],
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Result<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return Err(anyhow!("odd hex length"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| anyhow!("hex: {e}")))
        .collect()
}

impl Trace {
    /// The JSON file both replays read. Operations are arrays: `[path, pos, del, text]`
    /// splices, `[path, key, value]` sets a scalar string.
    pub fn to_json(&self) -> Value {
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|c| {
                let ops: Vec<Value> = c
                    .ops
                    .iter()
                    .map(|op| match op {
                        Op::Splice {
                            path,
                            pos,
                            del,
                            text,
                        } => json!([path, pos, del, text]),
                        Op::Set { path, key, value } => json!([path, key, value]),
                    })
                    .collect();
                json!({"t": c.time, "m": c.message, "o": ops})
            })
            .collect();
        let expected: serde_json::Map<String, Value> = self
            .expected
            .iter()
            .map(|(p, t)| (p.to_string(), Value::String(t.clone())))
            .collect();
        json!({
            "format": "tandem-large-doc-trace/1",
            "seed": self.seed,
            "actor": hex(&self.actor),
            "base": hex(&self.base),
            "paths": self.paths,
            "messages": self.messages,
            "changes": changes,
            "expected": expected,
        })
    }

    pub fn from_json(value: &Value) -> Result<Self> {
        let s = |v: &Value| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| anyhow!("not a string"))
        };
        let n = |v: &Value| {
            v.as_u64()
                .map(|x| x as usize)
                .ok_or_else(|| anyhow!("not a number"))
        };
        let arr = |v: &Value| v.as_array().ok_or_else(|| anyhow!("not an array")).cloned();
        let paths = arr(&value["paths"])?
            .iter()
            .map(|p| arr(p)?.iter().map(s).collect())
            .collect::<Result<Vec<Vec<String>>>>()?;
        let messages = arr(&value["messages"])?
            .iter()
            .map(s)
            .collect::<Result<_>>()?;
        let mut changes = Vec::new();
        for c in value["changes"]
            .as_array()
            .ok_or_else(|| anyhow!("no changes"))?
        {
            let mut ops = Vec::new();
            for op in c["o"].as_array().ok_or_else(|| anyhow!("no ops"))? {
                let parts = op.as_array().ok_or_else(|| anyhow!("op"))?;
                ops.push(match parts.len() {
                    4 => Op::Splice {
                        path: n(&parts[0])?,
                        pos: n(&parts[1])?,
                        del: n(&parts[2])?,
                        text: s(&parts[3])?,
                    },
                    3 => Op::Set {
                        path: n(&parts[0])?,
                        key: s(&parts[1])?,
                        value: s(&parts[2])?,
                    },
                    _ => return Err(anyhow!("an op has {} parts", parts.len())),
                });
            }
            changes.push(Change {
                time: c["t"].as_i64().ok_or_else(|| anyhow!("time"))?,
                message: n(&c["m"])?,
                ops,
            });
        }
        let expected = value["expected"]
            .as_object()
            .ok_or_else(|| anyhow!("no expected texts"))?
            .iter()
            .map(|(k, v)| Ok((k.parse()?, s(v)?)))
            .collect::<Result<_>>()?;
        Ok(Trace {
            seed: value["seed"].as_u64().unwrap_or_default(),
            actor: unhex(&s(&value["actor"])?)?,
            base: unhex(&s(&value["base"])?)?,
            paths,
            messages,
            changes,
            expected,
        })
    }

    pub fn typed_units(&self) -> usize {
        self.ops()
            .map(|op| match op {
                Op::Splice { text, .. } => text.encode_utf16().count(),
                Op::Set { .. } => 0,
            })
            .sum()
    }

    pub fn field_edits(&self) -> usize {
        self.ops().filter(|op| matches!(op, Op::Set { .. })).count()
    }

    pub fn final_units(&self) -> usize {
        self.expected
            .values()
            .map(|t| t.encode_utf16().count())
            .sum()
    }

    fn ops(&self) -> impl Iterator<Item = &Op> {
        self.changes.iter().flat_map(|c| c.ops.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Config {
        Config {
            seed: 3,
            typed: 5_000,
            field_edits: 100,
            keystrokes_per_change: 1,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_trace() {
        let a = generate(small()).expect("a");
        let b = generate(small()).expect("b");
        assert_eq!(a.to_json(), b.to_json());
        let c = generate(Config { seed: 4, ..small() }).expect("c");
        assert_ne!(a.changes, c.changes);
    }

    #[test]
    fn the_trace_survives_its_json() {
        let a = generate(small()).expect("a");
        let b = Trace::from_json(&a.to_json()).expect("parses");
        assert_eq!(a.changes, b.changes);
        assert_eq!(a.expected, b.expected);
        assert_eq!(a.base, b.base);
        assert_eq!(b.field_edits(), 100);
        assert!(b.typed_units() >= 5_000);
    }
}
