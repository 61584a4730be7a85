//! Who changed what, when: a partnership's changes grouped into editing sessions.
//!
//! Every change Tandem makes carries a message in words ("changed the 2027-Q2 theme",
//! "added campaign “Spring drop” (RU) to 2027-Q1") and a time. The person behind an
//! Automerge actor is the name recorded under that actor in the document's `people` map
//! (written by the first change a person makes under a name). A session is a run of
//! changes by one actor with no pause longer than [`SESSION_GAP_MS`]; its repeated messages
//! (a keystroke is a change) are counted, not listed.

mod describe;

use std::collections::{BTreeMap, BTreeSet};

pub use describe::describe_change;

use automerge::ChangeHash;

use crate::{
    change::{Area, Change, Field},
    document::{LoadError, PartnershipDoc},
    locale::Lang,
    partnership::Partnership,
};

/// A pause longer than this starts a new session.
pub const SESSION_GAP_MS: i64 = 30 * 60 * 1000;

pub use crate::author::Author;

/// One change: who (actor), when, what.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub hash: ChangeHash,
    pub actor: String,
    pub time_ms: i64,
    pub message: String,
}

/// What a History line says: a change Tandem wrote ([`Change`]), or a message it cannot
/// read as one (another tool's, an older version's), shown as written (translated where its
/// pattern is known).
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    Change(Change),
    Written(String),
}

impl What {
    pub fn of_message(message: &str) -> What {
        match Change::parse(message) {
            Some(c) => What::Change(c),
            None if message.is_empty() => What::Written("made a change".to_owned()),
            None => What::Written(message.to_owned()),
        }
    }

    /// The line in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            What::Change(c) => c.describe(lang),
            What::Written(m) => describe_change(m, lang),
        }
    }

    pub fn area(&self) -> Area {
        match self {
            What::Change(c) => c.area(),
            What::Written(_) => Area::Partnership,
        }
    }

    /// The text it edits, if it is typing into a text.
    pub fn field(&self) -> Option<&Field> {
        match self {
            What::Change(c) => c.field(),
            What::Written(_) => None,
        }
    }
}

/// One line of a session: the same thing done one or more times (every keystroke into
/// one text is a change; they fold into one line).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub what: What,
    /// Its changes, oldest first.
    pub hashes: Vec<ChangeHash>,
    /// The heads just before its first change (to show what the text was).
    pub before: Vec<ChangeHash>,
}

impl Line {
    pub fn edits(&self) -> usize {
        self.hashes.len()
    }
}

/// A run of changes by one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub actor: String,
    /// Who that is, if they recorded a name.
    pub author: Option<Author>,
    pub start_ms: i64,
    pub end_ms: i64,
    /// What they did, one line per thing, in order of first appearance.
    pub lines: Vec<Line>,
    /// The changes in the session.
    pub hashes: Vec<ChangeHash>,
    /// The partnership as it was right after the session (heads to open it at).
    pub version: Vec<ChangeHash>,
}

impl Session {
    pub fn changes(&self) -> usize {
        self.hashes.len()
    }

    /// The lines grouped by where in the partnership they fall, areas in the order they
    /// first appear.
    pub fn by_area(&self) -> Vec<(Area, Vec<&Line>)> {
        let mut groups: Vec<(Area, Vec<&Line>)> = Vec::new();
        for line in &self.lines {
            let area = line.what.area();
            match groups.iter_mut().find(|(a, _)| *a == area) {
                Some((_, lines)) => lines.push(line),
                None => groups.push((area, vec![line])),
            }
        }
        groups
    }
}

/// A text as it was before a line's edits and after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextChange {
    pub before: String,
    pub after: String,
}

impl PartnershipDoc {
    /// This replica's actor, as the `people` map keys it.
    pub fn actor_hex(&self) -> String {
        self.automerge().get_actor().to_hex_string()
    }

    /// Every change, oldest first (by time; causal order among equal times).
    pub fn edits(&mut self) -> Vec<Edit> {
        let mut edits: Vec<Edit> = self
            .automerge_mut()
            .get_changes_meta(&[])
            .into_iter()
            .map(|c| Edit {
                hash: c.hash,
                actor: c.actor.to_hex_string(),
                time_ms: c.timestamp,
                message: c.message.map(|m| m.into_owned()).unwrap_or_default(),
            })
            .collect();
        // A stable sort keeps causal order for changes made in the same millisecond.
        edits.sort_by_key(|e| e.time_ms);
        edits
    }

    /// The partnership as it was at `heads` (read-only: a fork, never stored).
    pub fn partnership_at(&mut self, heads: &[ChangeHash]) -> Result<Partnership, LoadError> {
        let fork = self
            .automerge_mut()
            .fork_at(heads)
            .map_err(|e| LoadError::Corrupt(e.to_string()))?;
        PartnershipDoc::from_automerge(fork).partnership()
    }

    /// What a text line changed: the field as it was before the line's first edit and
    /// after its last (`None`: the line does not edit a text, or it cannot be read).
    pub fn text_change(&mut self, line: &Line) -> Option<TextChange> {
        let field = line.what.field()?;
        let last = *line.hashes.last()?;
        let before = self.partnership_at(&line.before).ok()?;
        let after = self.partnership_at(&[last]).ok()?;
        Some(TextChange {
            before: field.read(&before).unwrap_or_default(),
            after: field.read(&after)?,
        })
    }

    /// The changes made after `heads` (what is new since a visit at `heads`).
    pub fn changed_since(&mut self, heads: &[ChangeHash]) -> BTreeSet<ChangeHash> {
        let known: Vec<ChangeHash> = heads
            .iter()
            .filter(|h| self.automerge_mut().get_change_meta_by_hash(h).is_some())
            .copied()
            .collect();
        self.automerge_mut()
            .get_changes_meta(&known)
            .into_iter()
            .map(|c| c.hash)
            .collect()
    }

    /// The history as sessions, newest first.
    pub fn sessions(&mut self) -> Vec<Session> {
        let people = self.partnership().map(|p| p.people).unwrap_or_default();
        let edits = self.edits();
        let deps: BTreeMap<ChangeHash, Vec<ChangeHash>> = self
            .automerge_mut()
            .get_changes_meta(&[])
            .into_iter()
            .map(|c| (c.hash, c.deps))
            .collect();
        sessions_of(&edits, &deps, &people)
    }
}

/// Groups time-ordered edits into sessions (newest first).
pub fn sessions_of(
    edits: &[Edit],
    deps: &BTreeMap<ChangeHash, Vec<ChangeHash>>,
    people: &BTreeMap<String, Author>,
) -> Vec<Session> {
    let mut sessions: Vec<Session> = Vec::new();
    // The heads of everything up to the current edit.
    let mut heads: BTreeSet<ChangeHash> = BTreeSet::new();
    for edit in edits {
        for d in deps.get(&edit.hash).into_iter().flatten() {
            heads.remove(d);
        }
        heads.insert(edit.hash);
        let continues = sessions
            .last()
            .is_some_and(|s| s.actor == edit.actor && edit.time_ms - s.end_ms <= SESSION_GAP_MS);
        if !continues {
            sessions.push(Session {
                actor: edit.actor.clone(),
                author: people.get(&edit.actor).cloned(),
                start_ms: edit.time_ms,
                end_ms: edit.time_ms,
                lines: Vec::new(),
                hashes: Vec::new(),
                version: Vec::new(),
            });
        }
        let Some(session) = sessions.last_mut() else {
            continue;
        };
        session.end_ms = edit.time_ms;
        session.hashes.push(edit.hash);
        let what = What::of_message(&edit.message);
        match session.lines.iter_mut().find(|l| l.what == what) {
            Some(line) => line.hashes.push(edit.hash),
            None => session.lines.push(Line {
                what,
                hashes: vec![edit.hash],
                // What its author had seen just before.
                before: deps.get(&edit.hash).cloned().unwrap_or_default(),
            }),
        }
        session.version = heads.iter().copied().collect();
    }
    sessions.reverse();
    sessions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{market::parse_market_list, partnership::NewPartnership, quarter::QuarterId};

    fn new_doc() -> PartnershipDoc {
        let new = NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша".into(),
            markets: parse_market_list("RU, US").expect("markets"),
            first_quarter: "2027-Q1".parse::<QuarterId>().expect("quarter"),
            quarters: 2,
        };
        PartnershipDoc::create(&new, 1_000).expect("creates")
    }

    #[test]
    fn sessions_group_by_person_and_pause_and_open_old_versions() {
        let mut brand = new_doc();
        let q: QuarterId = "2027-Q1".parse().expect("quarter");
        let anna = brand.actor_hex();
        brand
            .change(60_000, "changed the 2027-Q1 theme", |p| {
                p.people.insert(
                    anna.clone(),
                    Author {
                        name: "Anna".into(),
                        side: "brand".into(),
                    },
                );
                p.set_theme(q, "W")
            })
            .expect("edit");
        brand
            .change(61_000, "changed the 2027-Q1 theme", |p| {
                p.set_theme(q, "Winter")
            })
            .expect("edit");
        let mut creator = brand.fork();
        let masha = creator.actor_hex();
        creator
            .change(120_000, "changed the larger goal", |p| {
                p.people.insert(
                    masha.clone(),
                    Author {
                        name: "Маша".into(),
                        side: "creator".into(),
                    },
                );
                p.set_goal("Reach");
                Ok::<_, crate::error::CommandError>(())
            })
            .expect("edit");
        brand.merge(&mut creator).expect("merge");
        // Anna comes back after a long pause: a new session.
        brand
            .change(
                120_000 + SESSION_GAP_MS + 1,
                "changed the 2027-Q1 theme",
                |p| p.set_theme(q, "Spring"),
            )
            .expect("edit");

        let sessions = brand.sessions();
        let who: Vec<(Option<&str>, usize)> = sessions
            .iter()
            .map(|s| (s.author.as_ref().map(|a| a.name.as_str()), s.changes()))
            .collect();
        // Newest first: Anna again, Маша, then Anna creating it and typing two keystrokes.
        assert_eq!(
            who,
            vec![(Some("Anna"), 1), (Some("Маша"), 1), (Some("Anna"), 3)]
        );
        let lines: Vec<(String, usize)> = sessions[2]
            .lines
            .iter()
            .map(|l| (l.what.describe(Lang::En), l.edits()))
            .collect();
        assert_eq!(
            lines,
            vec![
                ("created the partnership".to_owned(), 1),
                ("changed the 2027-Q1 theme".to_owned(), 2)
            ]
        );

        // The version after Маша's session has her goal and Anna's first theme.
        let then = brand
            .partnership_at(&sessions[1].version)
            .expect("old version");
        assert_eq!(then.goal.as_str(), "Reach");
        assert_eq!(then.quarters[&q].theme.as_str(), "Winter");
        let now = brand.partnership().expect("now");
        assert_eq!(now.quarters[&q].theme.as_str(), "Spring");

        // What is new since a visit right after Anna's first session: Маша's and Anna's later edits.
        let seen = sessions[2].version.clone();
        let new = brand.changed_since(&seen);
        assert_eq!(new.len(), 2);
        assert!(sessions[0].hashes.iter().all(|h| new.contains(h)));
        assert!(sessions[1].hashes.iter().all(|h| new.contains(h)));
    }

    #[test]
    fn a_real_editing_session_reads_as_one_line_per_thing_in_both_languages() {
        use crate::{
            campaign::{CampaignDraft, CampaignId, CampaignStatus},
            command::Command,
            document::Prose,
            kpi::{Kpi, Metric},
        };
        let mut doc = new_doc();
        let q: QuarterId = "2027-Q1".parse().expect("quarter");
        let ru = "RU".parse().expect("market");
        let mut now = 10_000;
        let mut run = |doc: &mut PartnershipDoc, c: Command| {
            now += 1_000;
            doc.apply(now, c, |_| {}).expect("applies");
        };
        // A theme typed over a minute, a keystroke a second.
        let theme = "Winter gifting: reach new viewers in Moscow and Saint Petersburg";
        for n in 1..=60 {
            let typed: String = theme.chars().take(n).collect();
            run(&mut doc, Command::EditProse(Prose::Theme(q), typed));
        }
        let id = CampaignId::from_random([3; 16]);
        let draft = |status| CampaignDraft {
            title: "Spring glow launch".into(),
            market: ru,
            starts: None,
            ends: None,
            status,
        };
        run(
            &mut doc,
            Command::AddCampaign {
                quarter: q,
                id: id.clone(),
                draft: draft(CampaignStatus::Planned),
            },
        );
        run(
            &mut doc,
            Command::UpdateCampaign {
                quarter: q,
                id,
                draft: draft(CampaignStatus::Done),
            },
        );
        run(
            &mut doc,
            Command::AddKpi {
                id: crate::ids::Id::from_random([4; 16]),
                kpi: Kpi {
                    market: ru,
                    metric: Metric::EngagementRateByReach,
                    target: 3.0,
                    threshold: 2.0,
                    removed: false,
                },
            },
        );
        let sessions = doc.sessions();
        assert_eq!(sessions.len(), 1, "one person, no pause");
        let s = &sessions[0];
        assert_eq!(s.changes(), 64);
        let lines =
            |lang| -> Vec<String> { s.lines.iter().map(|l| l.what.describe(lang)).collect() };
        assert_eq!(
            lines(Lang::En),
            [
                "created the partnership",
                "edited the 2027-Q1 theme and objectives",
                "added campaign “Spring glow launch” (RU) to 2027-Q1",
                "marked campaign “Spring glow launch” done",
                "added a KPI: ER by reach (RU)",
            ]
        );
        assert_eq!(
            lines(Lang::Ru),
            [
                "создано партнёрство",
                "изменены тема и цели 2027-Q1",
                "добавлена кампания «Spring glow launch» (RU) в 2027-Q1",
                "статус кампании «Spring glow launch»: завершена",
                "добавлен KPI: ER по охвату (RU)",
            ]
        );
        assert_eq!(s.lines[1].edits(), 60);
        let areas: Vec<Area> = s.by_area().into_iter().map(|(a, _)| a).collect();
        assert_eq!(areas, [Area::Partnership, Area::Roadmap, Area::Kpis]);
        // What the folded theme line changed, on demand.
        let line = s.lines[1].clone();
        let changed = doc.text_change(&line).expect("a text line");
        assert_eq!(changed.before, "");
        assert_eq!(changed.after, theme.chars().take(60).collect::<String>());
    }
}
