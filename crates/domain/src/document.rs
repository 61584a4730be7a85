//! A partnership as an Automerge document: create, load, change, save, merge.

use std::cell::RefCell;

use automerge::{
    AutoCommit, ChangeHash, LoadOptions, ObjId, ObjType, OnPartialLoad, ReadDoc, TextEncoding,
    Value, transaction::Transactable,
};
use autosurgeon::{Hydrate, Text, hydrate, reconcile};

use crate::quarter::QuarterId;

use crate::error::CommandError;
use crate::partnership::{
    NewPartnership, NewPartnershipError, Partnership, SCHEMA, SCHEMA_VERSION,
};

/// autosurgeon's `Text::update` computes its splices in UTF-8 byte offsets, so documents
/// must index text the same way; otherwise Cyrillic text (two bytes a letter) would be
/// spliced at the wrong places. The encoding only affects local indexing, not the bytes:
/// JavaScript peers (UTF-16 indexing) read the same text.
const ENCODING: TextEncoding = TextEncoding::Utf8CodeUnit;

/// Why stored or received bytes could not be opened as a partnership.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("the bytes are not a readable Automerge document: {0}")]
    Corrupt(String),
    #[error("this is an Automerge document, but not a Tandem partnership: {0}")]
    NotAPartnership(String),
    #[error(
        "this partnership was written by a newer Tandem (layout {found}, this one reads up to {SCHEMA_VERSION}); update Tandem to open it"
    )]
    TooNew { found: u64 },
}

/// Why a change could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error(transparent)]
    Refused(#[from] CommandError),
    #[error("the document could not be read: {0}")]
    Unreadable(#[from] LoadError),
    #[error("the change could not be written into the document: {0}")]
    Write(String),
}

impl ChangeError {
    /// In words, in `lang` (the technical detail of a broken document stays as it is).
    pub fn describe(&self, lang: crate::locale::Lang) -> String {
        match (lang, self) {
            (_, ChangeError::Refused(e)) => e.describe(lang),
            (crate::locale::Lang::En, e) => e.to_string(),
            (crate::locale::Lang::Ru, ChangeError::Unreadable(e)) => {
                format!("документ не читается: {e}")
            }
            (crate::locale::Lang::Ru, ChangeError::Write(e)) => {
                format!("изменение не удалось записать в документ: {e}")
            }
        }
    }
}

pub use crate::command::Prose;

/// The text object of a prose field in the document, if it is there.
fn prose_object(field: Prose, doc: &AutoCommit) -> Option<ObjId> {
    let text = |obj: &ObjId, key: &str| match doc.get(obj, key).ok().flatten() {
        Some((Value::Object(ObjType::Text), id)) => Some(id),
        _ => None,
    };
    let quarter = |q: QuarterId| match doc.get(automerge::ROOT, "quarters").ok().flatten() {
        Some((Value::Object(ObjType::Map), quarters)) => {
            match doc.get(&quarters, q.to_string()).ok().flatten() {
                Some((Value::Object(ObjType::Map), id)) => Some(id),
                _ => None,
            }
        }
        _ => None,
    };
    match field {
        Prose::Goal => text(&automerge::ROOT, "goal"),
        Prose::Theme(q) => text(&quarter(q)?, "theme"),
        Prose::Learned(q) => text(&quarter(q)?, "learned"),
        Prose::NextTry(q) => text(&quarter(q)?, "next_try"),
    }
}

/// One partnership's Automerge document.
#[derive(Debug)]
pub struct PartnershipDoc {
    doc: AutoCommit,
    /// The partnership as last hydrated, with the heads it was hydrated at. Hydrating
    /// reads every text in the document (tens of milliseconds for a partnership with a
    /// quarter of a million characters of history), and a keystroke needs it twice: once
    /// for the screen after the previous change, once for the command. Committed content
    /// at given heads never changes, so the second is a copy of the first. Only used while
    /// no operation is pending outside a commit.
    hydrated: RefCell<Option<(Vec<ChangeHash>, Partnership)>>,
}

impl PartnershipDoc {
    /// Creates the document for a new partnership; `now_ms` stamps the first change.
    pub fn create(new: &NewPartnership, now_ms: i64) -> Result<Self, NewPartnershipError> {
        Self::create_with(new, None, now_ms)
    }

    /// Creates the document for a new partnership that records its own document id.
    pub fn create_identified(
        new: &NewPartnership,
        id: crate::document_id::DocumentId,
        now_ms: i64,
    ) -> Result<Self, NewPartnershipError> {
        Self::create_with(new, Some(id), now_ms)
    }

    /// The document id recorded inside the document, if it is one Tandem can parse.
    pub fn recorded_id(&self) -> Option<crate::document_id::DocumentId> {
        let id: Option<String> =
            autosurgeon::hydrate_prop(&self.doc, automerge::ROOT, "document_id").ok()?;
        id?.parse().ok()
    }

    /// Creates the brand-only notes document of the partnership `parent` (stored under
    /// `parent_id`), recording its own id `id`.
    pub fn create_notes(
        parent: &Partnership,
        parent_id: crate::document_id::DocumentId,
        id: crate::document_id::DocumentId,
        now_ms: i64,
    ) -> Self {
        let mut notes = Partnership::notes_of(parent, parent_id);
        notes.document_id = Some(id.to_string());
        Self::create_from(&notes, now_ms)
    }

    /// For a brand-only notes document, the partnership it holds notes for (read from
    /// the root alone, without hydrating the rest).
    pub fn notes_parent(&self) -> Option<crate::document_id::DocumentId> {
        let parent: Option<String> =
            autosurgeon::hydrate_prop(&self.doc, automerge::ROOT, "notes_for").ok()?;
        parent?.parse().ok()
    }

    fn create_with(
        new: &NewPartnership,
        id: Option<crate::document_id::DocumentId>,
        now_ms: i64,
    ) -> Result<Self, NewPartnershipError> {
        let mut partnership = Partnership::new(new)?;
        partnership.document_id = id.map(|id| id.to_string());
        Ok(Self::create_from(&partnership, now_ms))
    }

    fn create_from(partnership: &Partnership, now_ms: i64) -> Self {
        let mut doc = AutoCommit::new_with_encoding(ENCODING);
        // Reconciling a fresh struct into an empty document cannot conflict.
        if let Err(e) = reconcile(&mut doc, partnership) {
            unreachable_reconcile(&e);
        }
        doc.commit_with(commit_options(
            now_ms,
            &crate::change::Change::Created.message(),
        ));
        PartnershipDoc::from_automerge(doc)
    }

    /// An empty document, to be filled by sync (a partnership opened from a link).
    /// `partnership()` fails until the content arrives.
    pub fn empty() -> Self {
        PartnershipDoc::from_automerge(AutoCommit::new_with_encoding(ENCODING))
    }

    /// Whether the document holds no changes at all.
    pub fn is_empty(&mut self) -> bool {
        self.doc.get_heads().is_empty()
    }

    /// Loads a document from stored chunks (a snapshot and/or incremental changes, in any
    /// order). Any chunk that does not parse makes the whole load fail: a partially loaded
    /// partnership would look complete while silently missing edits.
    pub fn load<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Result<Self, LoadError> {
        let bytes: Vec<u8> = chunks.into_iter().flatten().copied().collect();
        if bytes.is_empty() {
            return Err(LoadError::Corrupt("there are no bytes".into()));
        }
        let options = LoadOptions::new()
            .text_encoding(ENCODING)
            .on_partial_load(OnPartialLoad::Error);
        let doc = AutoCommit::load_with_options(&bytes, options)
            .map_err(|e| LoadError::Corrupt(e.to_string()))?;
        if !doc.get_missing_deps(&[]).is_empty() {
            return Err(LoadError::Corrupt(
                "some changes depend on changes that are missing".into(),
            ));
        }
        let this = PartnershipDoc::from_automerge(doc);
        this.partnership()?;
        Ok(this)
    }

    /// The current state, hydrated (a copy of the last hydration while the heads have
    /// not moved).
    pub fn partnership(&self) -> Result<Partnership, LoadError> {
        let settled = self.doc.pending_ops() == 0;
        let heads = autosurgeon::ReadDoc::get_heads(&self.doc);
        if settled
            && let Some((at, p)) = self.hydrated.borrow().as_ref()
            && *at == heads
        {
            return Ok(p.clone());
        }
        check_schema(&self.doc)?;
        let p: Partnership =
            hydrate(&self.doc).map_err(|e| LoadError::NotAPartnership(e.to_string()))?;
        if settled {
            *self.hydrated.borrow_mut() = Some((heads, p.clone()));
        }
        Ok(p)
    }

    /// Applies a command as one Automerge change stamped `now_ms`. If the command refuses,
    /// the document is left exactly as it was.
    pub fn change<T, E: Into<CommandError>>(
        &mut self,
        now_ms: i64,
        message: &str,
        command: impl FnOnce(&mut Partnership) -> Result<T, E>,
    ) -> Result<T, ChangeError> {
        let mut partnership = self.partnership()?;
        let out = command(&mut partnership).map_err(Into::into)?;
        if let Err(e) = reconcile(&mut self.doc, &partnership) {
            self.doc.rollback();
            return Err(ChangeError::Write(e.to_string()));
        }
        self.doc.commit_with(commit_options(now_ms, message));
        Ok(out)
    }

    /// Runs a command as one Automerge change stamped `now_ms`, its message what the
    /// command did ([`crate::change::Change::message`]). A refusal leaves the document
    /// exactly as it was. `before` runs on the partnership first, inside the same change
    /// (recording who makes it).
    pub fn apply(
        &mut self,
        now_ms: i64,
        command: crate::command::Command,
        before: impl FnOnce(&mut Partnership),
    ) -> Result<crate::command::Done, ChangeError> {
        let mut partnership = self.partnership()?;
        before(&mut partnership);
        let done = command.run(&mut partnership)?;
        if let Err(e) = reconcile(&mut self.doc, &partnership) {
            self.doc.rollback();
            return Err(ChangeError::Write(e.to_string()));
        }
        self.doc
            .commit_with(commit_options(now_ms, &done.change.message()));
        Ok(done)
    }

    /// Sets a prose field of the roadmap to `value` as one change, stamped `now_ms`: the
    /// difference from the stored text (the common start and end are kept; the rest is
    /// one splice), written straight into its text object. Nothing else is read or
    /// reconciled, so a keystroke costs the same in a partnership with years of history as
    /// in a new one ([`PartnershipDoc::change`] hydrates and reconciles the whole
    /// partnership). Returns the field as the document now holds it, for the screen;
    /// `None` when `value` is what is stored (no change is made).
    pub fn set_prose(
        &mut self,
        now_ms: i64,
        message: &str,
        field: Prose,
        value: &str,
    ) -> Result<Option<Text>, ChangeError> {
        let obj = prose_object(field, &self.doc).ok_or_else(|| match field.quarter() {
            Some(q) => ChangeError::Refused(crate::quarter::UnknownQuarter(q).into()),
            None => {
                ChangeError::Unreadable(LoadError::NotAPartnership("it has no goal text".into()))
            }
        })?;
        let stored = self
            .doc
            .text(&obj)
            .map_err(|e| ChangeError::Write(e.to_string()))?;
        let Some((at, delete, insert)) = splice_between(&stored, value) else {
            return Ok(None);
        };
        // Positions are UTF-8 code units, the document's text encoding.
        if let Err(e) = self.doc.splice_text(&obj, at, delete as isize, insert) {
            self.doc.rollback();
            return Err(ChangeError::Write(e.to_string()));
        }
        self.doc.commit_with(commit_options(now_ms, message));
        Text::hydrate_text(&self.doc, &obj)
            .map(Some)
            .map_err(|e| ChangeError::Unreadable(LoadError::NotAPartnership(e.to_string())))
    }

    /// Merges another replica's changes into this one.
    pub fn merge(&mut self, other: &mut PartnershipDoc) -> Result<(), LoadError> {
        self.doc
            .merge(&mut other.doc)
            .map(|_| ())
            .map_err(|e| LoadError::Corrupt(e.to_string()))
    }

    /// A compact copy of the partnership's current content with none of its history:
    /// what a page paints, read-only, while the whole document (years of keystrokes)
    /// still loads. It is an Automerge document of its own — the current state written
    /// as one change, each text as one string ([`crate::plain`]) — so it loads in
    /// milliseconds and reads back through the same schema check and hydration as the
    /// document: no second format of the partnership to keep in step. It is never
    /// merged into anything.
    pub fn preview(&self) -> Result<Vec<u8>, LoadError> {
        let mut copy = AutoCommit::new_with_encoding(ENCODING);
        crate::plain::copy(&self.doc, &automerge::ROOT, &mut copy, &automerge::ROOT)
            .map_err(|e| LoadError::Corrupt(e.to_string()))?;
        copy.commit_with(commit_options(0, "preview"));
        Ok(copy.save())
    }

    /// Reads a copy written by [`PartnershipDoc::preview`], as strictly as a document.
    pub fn read_preview(bytes: &[u8]) -> Result<Partnership, LoadError> {
        let options = LoadOptions::new()
            .text_encoding(ENCODING)
            .on_partial_load(OnPartialLoad::Error);
        let doc = AutoCommit::load_with_options(bytes, options)
            .map_err(|e| LoadError::Corrupt(e.to_string()))?;
        check_schema(&doc)?;
        hydrate(&crate::plain::Plain(&doc)).map_err(|e| LoadError::NotAPartnership(e.to_string()))
    }

    /// A full, compressed snapshot of the document.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes made since `heads` (empty when there are none).
    pub fn save_after(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// When the newest change was made (milliseconds since the epoch), if any change
    /// carries a time.
    pub fn last_edited_ms(&mut self) -> Option<i64> {
        let heads = self.doc.get_heads();
        heads
            .iter()
            .filter_map(|h| self.doc.get_change_meta_by_hash(h).map(|m| m.timestamp))
            .max()
            .filter(|t| *t > 0)
    }

    /// The underlying Automerge document, for the sync protocol. Changes arriving this
    /// way are not validated by the commands: `partnership()` reports a document a peer
    /// has broken.
    pub fn automerge_mut(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    /// The document's origin: the hashes of its changes without dependencies (normally the
    /// one change that created it). Two copies of the same partnership share their origin,
    /// wherever they travelled; a document created elsewhere has another.
    pub fn origin(&mut self) -> Vec<ChangeHash> {
        let mut roots: Vec<ChangeHash> = self
            .doc
            .get_changes_meta(&[])
            .into_iter()
            .filter(|c| c.deps.is_empty())
            .map(|c| c.hash)
            .collect();
        roots.sort();
        roots
    }

    /// The underlying Automerge document, read-only.
    pub fn automerge(&self) -> &AutoCommit {
        &self.doc
    }

    /// Wraps an Automerge document without checking it (`partnership()` does).
    pub(crate) fn from_automerge(doc: AutoCommit) -> Self {
        PartnershipDoc {
            doc,
            hydrated: RefCell::new(None),
        }
    }

    /// A copy with its own actor, for a second replica (tests, forks).
    pub fn fork(&mut self) -> Self {
        PartnershipDoc::from_automerge(self.doc.fork())
    }
}

/// The one splice that turns `old` into `new`: (byte offset, bytes deleted, inserted
/// text), keeping their common start and end; `None` if they are equal. Offsets fall on
/// character boundaries.
fn splice_between<'a>(old: &str, new: &'a str) -> Option<(usize, usize, &'a str)> {
    if old == new {
        return None;
    }
    let prefix = old
        .char_indices()
        .zip(new.chars())
        .find(|((_, a), b)| a != b)
        .map_or(old.len().min(new.len()), |((i, _), _)| i);
    // The prefix may stop mid-character of the shorter string's end: step back to a
    // boundary both share.
    let mut prefix = prefix.min(old.len()).min(new.len());
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let (old_rest, new_rest) = (&old[prefix..], &new[prefix..]);
    let mut suffix = old_rest
        .chars()
        .rev()
        .zip(new_rest.chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    suffix = suffix.min(old_rest.len()).min(new_rest.len());
    Some((
        prefix,
        old_rest.len() - suffix,
        &new_rest[..new_rest.len() - suffix],
    ))
}

fn commit_options(now_ms: i64, message: &str) -> automerge::transaction::CommitOptions {
    automerge::transaction::CommitOptions::default()
        .with_time(now_ms)
        .with_message(message)
}

fn check_schema(doc: &AutoCommit) -> Result<(), LoadError> {
    let schema: Option<crate::schema::SchemaName> =
        autosurgeon::hydrate_prop(doc, automerge::ROOT, "schema").map_err(|e| {
            LoadError::NotAPartnership(format!("its schema marker is unreadable: {e}"))
        })?;
    match schema.as_ref().map(|s| s.0.as_str()) {
        Some(SCHEMA) => {}
        Some(other) => {
            return Err(LoadError::NotAPartnership(format!(
                "it is marked as {other:?}"
            )));
        }
        None => {
            return Err(LoadError::NotAPartnership(
                "it has no Tandem schema marker".into(),
            ));
        }
    }
    let version: Option<crate::schema::LayoutVersion> =
        autosurgeon::hydrate_prop(doc, automerge::ROOT, "schema_version").map_err(|e| {
            LoadError::NotAPartnership(format!("its layout version is unreadable: {e}"))
        })?;
    match version.map(|v| v.0) {
        Some(v) if v > SCHEMA_VERSION => Err(LoadError::TooNew { found: v }),
        Some(_) => Ok(()),
        None => Err(LoadError::NotAPartnership(
            "it has no layout version".into(),
        )),
    }
}

fn unreachable_reconcile(e: &autosurgeon::ReconcileError) {
    // Kept as a debug assertion rather than a panic: release builds carry on with an
    // empty document, which `partnership()` then reports as unreadable.
    debug_assert!(false, "reconciling into an empty document failed: {e}");
}

#[cfg(test)]
mod preview_tests {
    use super::*;
    use crate::{error::CommandError, market::Market, quarter::QuarterId};

    fn long_lived() -> PartnershipDoc {
        let new = NewPartnership {
            brand: "Northwind".into(),
            creator: "Маша Studio".into(),
            markets: vec!["RU".parse::<Market>().expect("a market")],
            first_quarter: QuarterId::new(2027, 1).expect("a quarter"),
            quarters: 4,
        };
        let mut doc = PartnershipDoc::create(&new, 1).expect("valid");
        // The goal typed a keystroke a change, and rewritten twenty times.
        let mut now = 10;
        for round in 0..20 {
            let mut goal = String::new();
            for c in format!("Grow RU sales together, draft {round}").chars() {
                goal.push(c);
                now += 1;
                doc.change(now, "goal", |p| {
                    p.goal.update(&goal);
                    Ok::<_, CommandError>(())
                })
                .expect("a change");
            }
        }
        doc
    }

    #[test]
    fn a_preview_reads_back_as_the_partnership_it_was_written_from() {
        let doc = long_lived();
        let p = doc.partnership().expect("hydrates");
        let preview = doc.preview().expect("a preview");
        assert_eq!(PartnershipDoc::read_preview(&preview), Ok(p));
    }

    #[test]
    fn a_preview_holds_the_content_not_the_history() {
        let mut doc = long_lived();
        let preview = doc.preview().expect("a preview");
        let whole = doc.save();
        assert!(
            preview.len() < whole.len(),
            "preview {} B, document {} B",
            preview.len(),
            whole.len()
        );
        assert!(doc.automerge_mut().get_changes(&[]).len() > 600);
        let copy = AutoCommit::load(&preview).expect("loads");
        assert_eq!(copy.stats().num_changes, 1);
        // Each text is one string, not an operation per character: 5,000 characters
        // more cost the preview nothing more to load.
        let before = copy.stats().num_ops;
        doc.change(9_999, "goal", |p| {
            p.goal.update("x".repeat(5_000));
            Ok::<_, CommandError>(())
        })
        .expect("a change");
        assert!(doc.automerge().stats().num_ops > 5_000);
        let longer = AutoCommit::load(&doc.preview().expect("a preview")).expect("loads");
        assert_eq!(longer.stats().num_ops, before);
    }

    #[test]
    fn bytes_that_are_not_a_preview_are_refused() {
        assert!(PartnershipDoc::read_preview(b"not automerge").is_err());
        let other = AutoCommit::new().save();
        assert!(matches!(
            PartnershipDoc::read_preview(&other),
            Err(LoadError::NotAPartnership(_)) | Err(LoadError::Corrupt(_))
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        campaign::{CampaignDraft, CampaignId, CampaignStatus},
        quarter::QuarterId,
    };

    fn new_doc() -> PartnershipDoc {
        PartnershipDoc::create(
            &NewPartnership {
                brand: "Northwind".into(),
                creator: "Маша Петрова".into(),
                markets: vec!["RU".parse().expect("RU"), "US".parse().expect("US")],
                first_quarter: "2027-Q1".parse().expect("q"),
                quarters: 4,
            },
            1_800_000_000_000,
        )
        .expect("created")
    }

    fn q1() -> QuarterId {
        "2027-Q1".parse().expect("q")
    }

    #[test]
    fn saves_and_loads_what_was_written() {
        let mut doc = new_doc();
        doc.change(1_800_000_001_000, "goal", |p| {
            p.set_goal("Стать любимым брендом");
            p.set_theme(q1(), "Launch in Moscow")
        })
        .expect("changed");
        let bytes = doc.save();
        let loaded = PartnershipDoc::load([bytes.as_slice()]).expect("loads");
        let p = loaded.partnership().expect("hydrates");
        assert_eq!(p.goal.as_str(), "Стать любимым брендом");
        assert_eq!(p.creator.as_str(), "Маша Петрова");
        assert_eq!(
            p.quarter(q1()).expect("q1").theme.as_str(),
            "Launch in Moscow"
        );
    }

    #[test]
    fn the_remembered_hydration_follows_every_change() {
        let mut doc = new_doc();
        let mut other = doc.fork();
        assert_eq!(doc.partnership().expect("p").goal.as_str(), "");
        doc.change(1, "goal", |p| {
            p.set_goal("one");
            Ok::<_, crate::error::CommandError>(())
        })
        .expect("changed");
        assert_eq!(doc.partnership().expect("p").goal.as_str(), "one");
        // The remembered copy reconciles like a fresh one.
        doc.change(2, "goal", |p| {
            p.set_goal("one two");
            Ok::<_, crate::error::CommandError>(())
        })
        .expect("changed from the remembered copy");
        other
            .change(3, "theme", |p| p.set_theme(q1(), "merged"))
            .expect("changed");
        doc.merge(&mut other).expect("merged");
        let p = doc.partnership().expect("p");
        assert_eq!(p.goal.as_str(), "one two");
        assert_eq!(p.quarter(q1()).expect("q1").theme.as_str(), "merged");
        // Operations outside a commit are never hidden by the remembered copy.
        let goal = match doc.automerge().get(automerge::ROOT, "goal").expect("get") {
            Some((_, id)) => id,
            None => unreachable!("the goal exists"),
        };
        doc.automerge_mut()
            .splice_text(&goal, 0, 0, ">")
            .expect("spliced");
        assert_eq!(doc.partnership().expect("p").goal.as_str(), ">one two");
    }

    #[test]
    fn splices_keep_the_common_start_and_end() {
        assert_eq!(splice_between("abc", "abc"), None);
        assert_eq!(splice_between("abc", "abXc"), Some((2, 0, "X")));
        assert_eq!(splice_between("abc", "ac"), Some((1, 1, "")));
        assert_eq!(splice_between("", "Привет"), Some((0, 0, "Привет")));
        // Cyrillic letters are two bytes; the splice lands between them.
        assert_eq!(splice_between("Привет", "Прливет"), Some((4, 0, "л")));
        assert_eq!(splice_between("Пр", "Пф"), Some((2, 2, "ф")));
        assert_eq!(splice_between("aa", "aaa"), Some((2, 0, "a")));
        assert_eq!(splice_between("ab", "b"), Some((0, 1, "")));
    }

    #[test]
    fn prose_is_set_as_a_change_the_whole_document_agrees_with() {
        let mut doc = new_doc();
        let mut other = doc.fork();
        let mut typed = String::new();
        for (i, c) in "Запуск в Москве".chars().enumerate() {
            typed.push(c);
            let shown = doc
                .set_prose(i as i64, "theme", Prose::Theme(q1()), &typed)
                .expect("set")
                .expect("a change");
            assert_eq!(shown.as_str(), typed);
        }
        assert_eq!(
            doc.set_prose(99, "theme", Prose::Theme(q1()), &typed),
            Ok(None),
            "nothing to change"
        );
        // Someone else edits the same theme meanwhile; both edits survive the merge.
        other
            .change(5, "theme", |p| p.set_theme(q1(), "Big"))
            .expect("changed");
        doc.merge(&mut other).expect("merged");
        let theme = doc.partnership().expect("p").quarters[&q1()].theme.clone();
        assert!(theme.as_str().contains("Big") && theme.as_str().contains("Запуск в Москве"));
        // And the commands still work after it, from the same document.
        doc.set_prose(100, "goal", Prose::Goal, "Цель")
            .expect("goal");
        doc.change(101, "theme", |p| p.set_theme(q1(), "Replaced"))
            .expect("changed");
        let p = doc.partnership().expect("p");
        assert_eq!(p.goal.as_str(), "Цель");
        assert_eq!(p.quarters[&q1()].theme.as_str(), "Replaced");
        let bad: QuarterId = "2031-Q1".parse().expect("q");
        assert_eq!(
            doc.set_prose(102, "theme", Prose::Theme(bad), "x"),
            Err(ChangeError::Refused(
                crate::quarter::UnknownQuarter(bad).into()
            ))
        );
    }

    #[test]
    fn snapshot_plus_increments_load_in_any_order() {
        let mut doc = new_doc();
        let snapshot = doc.save();
        let heads = doc.heads();
        doc.change(1, "theme", |p| p.set_theme(q1(), "первая тема"))
            .expect("changed");
        let inc1 = doc.save_after(&heads);
        let heads = doc.heads();
        doc.change(2, "theme", |p| p.set_theme(q1(), "вторая тема"))
            .expect("changed");
        let inc2 = doc.save_after(&heads);
        let loaded = PartnershipDoc::load([snapshot.as_slice(), inc1.as_slice(), inc2.as_slice()])
            .expect("loads");
        let p = loaded.partnership().expect("hydrates");
        assert_eq!(p.quarter(q1()).expect("q1").theme.as_str(), "вторая тема");
        let reordered =
            PartnershipDoc::load([inc2.as_slice(), snapshot.as_slice(), inc1.as_slice()]);
        assert_eq!(
            reordered.expect("loads").partnership().expect("hydrates"),
            p,
            "chunk order does not matter"
        );
    }

    #[test]
    fn an_increment_is_small() {
        let mut doc = new_doc();
        doc.change(1, "theme", |p| p.set_theme(q1(), &"x".repeat(10_000)))
            .expect("changed");
        let heads = doc.heads();
        doc.change(2, "typing", |p| {
            p.set_theme(q1(), &format!("{}y", "x".repeat(10_000)))
        })
        .expect("changed");
        let inc = doc.save_after(&heads);
        assert!(inc.len() < 300, "one keystroke wrote {} bytes", inc.len());
    }

    #[test]
    fn garbage_and_truncation_are_refused() {
        assert!(matches!(
            PartnershipDoc::load([&b"hello"[..]]),
            Err(LoadError::Corrupt(_))
        ));
        assert!(matches!(
            PartnershipDoc::load([&b""[..]]),
            Err(LoadError::Corrupt(_))
        ));
        let bytes = new_doc().save();
        let cut = &bytes[..bytes.len() / 2];
        assert!(matches!(
            PartnershipDoc::load([cut]),
            Err(LoadError::Corrupt(_))
        ));
    }

    #[test]
    fn an_increment_without_its_history_is_refused() {
        let mut doc = new_doc();
        let heads = doc.heads();
        doc.change(1, "theme", |p| p.set_theme(q1(), "t"))
            .expect("changed");
        let inc = doc.save_after(&heads);
        assert!(matches!(
            PartnershipDoc::load([inc.as_slice()]),
            Err(LoadError::Corrupt(_))
        ));
    }

    #[test]
    fn foreign_documents_are_refused() {
        let mut other = AutoCommit::new();
        automerge::transaction::Transactable::put(
            &mut other,
            automerge::ROOT,
            "title",
            "todo list",
        )
        .expect("put");
        let bytes = other.save();
        assert!(matches!(
            PartnershipDoc::load([bytes.as_slice()]),
            Err(LoadError::NotAPartnership(_))
        ));
        let mut newer = AutoCommit::new();
        automerge::transaction::Transactable::put(&mut newer, automerge::ROOT, "schema", SCHEMA)
            .expect("put");
        automerge::transaction::Transactable::put(
            &mut newer,
            automerge::ROOT,
            "schema_version",
            99u64,
        )
        .expect("put");
        let bytes = newer.save();
        assert_eq!(
            PartnershipDoc::load([bytes.as_slice()]).err(),
            Some(LoadError::TooNew { found: 99 })
        );
    }

    #[test]
    fn a_refused_command_changes_nothing() {
        let mut doc = new_doc();
        let before = doc.heads();
        let draft = CampaignDraft {
            title: "".into(),
            market: "RU".parse().expect("RU"),
            starts: None,
            ends: None,
            status: CampaignStatus::Planned,
        };
        let id = CampaignId::from_random([1; 16]);
        let result = doc.change(5, "add", |p| p.add_campaign(q1(), id, draft));
        assert_eq!(
            result,
            Err(ChangeError::Refused(
                crate::partnership::roadmap::RoadmapError::MissingTitle.into()
            ))
        );
        assert_eq!(doc.heads(), before);
    }

    #[test]
    fn concurrent_cyrillic_typing_merges_letter_by_letter() {
        let mut a = new_doc();
        a.change(1, "t", |p| p.set_theme(q1(), "Запуск в Москве"))
            .expect("changed");
        let mut b = a.fork();
        a.change(2, "t", |p| p.set_theme(q1(), "Большой запуск в Москве"))
            .expect("changed");
        b.change(3, "t", |p| {
            p.set_theme(q1(), "Запуск в Москве и Петербурге")
        })
        .expect("changed");
        a.merge(&mut b).expect("merged");
        let theme = a
            .partnership()
            .expect("ok")
            .quarter(q1())
            .expect("q1")
            .theme
            .as_str()
            .to_owned();
        assert_eq!(theme, "Большой запуск в Москве и Петербурге");
    }

    #[test]
    fn a_roadmap_written_the_javascript_way_opens() {
        // JavaScript Automerge writes strings as Text and whole numbers as signed ints.
        use automerge::{ObjType, transaction::Transactable};
        let mut js = AutoCommit::new();
        let text = |doc: &mut AutoCommit, obj: &automerge::ObjId, key: &str, value: &str| {
            let t = doc.put_object(obj, key, ObjType::Text).expect("text");
            doc.splice_text(&t, 0, 0, value).expect("splice");
        };
        text(&mut js, &automerge::ROOT, "schema", SCHEMA);
        js.put(automerge::ROOT, "schema_version", 1i64)
            .expect("put");
        text(&mut js, &automerge::ROOT, "brand", "JS Brand");
        text(&mut js, &automerge::ROOT, "creator", "JS Creator");
        text(&mut js, &automerge::ROOT, "goal", "");
        let markets = js
            .put_object(automerge::ROOT, "markets", ObjType::List)
            .expect("list");
        let us = js.insert_object(&markets, 0, ObjType::Text).expect("text");
        js.splice_text(&us, 0, 0, "US").expect("splice");
        let quarters = js
            .put_object(automerge::ROOT, "quarters", ObjType::Map)
            .expect("map");
        let q = js
            .put_object(&quarters, "2027-Q1", ObjType::Map)
            .expect("map");
        for field in ["theme", "learned", "next_try"] {
            text(
                &mut js,
                &q,
                field,
                if field == "theme" { "Из JS" } else { "" },
            );
        }
        js.put_object(&q, "campaigns", ObjType::Map).expect("map");
        let bytes = js.save();
        let doc = PartnershipDoc::load([bytes.as_slice()]).expect("opens");
        let p = doc.partnership().expect("hydrates");
        assert_eq!(p.brand.as_str(), "JS Brand");
        assert_eq!(p.quarter(q1()).expect("q1").theme.as_str(), "Из JS");
        assert!(
            p.agreement.term_start.is_none(),
            "fields it lacks take their defaults"
        );
    }

    #[test]
    fn a_document_can_carry_its_own_id() {
        let id = crate::document_id::DocumentId::from_bytes([4; 16]);
        let new = NewPartnership {
            brand: "B".into(),
            creator: "C".into(),
            markets: vec!["RU".parse().expect("RU")],
            first_quarter: q1(),
            quarters: 1,
        };
        let mut doc = PartnershipDoc::create_identified(&new, id, 1).expect("created");
        let loaded = PartnershipDoc::load([doc.save().as_slice()]).expect("loads");
        assert_eq!(loaded.recorded_id(), Some(id));
        assert_eq!(new_doc().recorded_id(), None);
    }

    #[test]
    fn copies_share_their_origin_and_other_documents_do_not() {
        let mut a = new_doc();
        let mut b = PartnershipDoc::load([a.save().as_slice()]).expect("loads");
        b.change(9, "t", |p| p.set_theme(q1(), "x"))
            .expect("changed");
        assert_eq!(a.origin(), b.origin());
        assert_eq!(a.origin().len(), 1);
        assert_ne!(a.origin(), new_doc().origin());
    }

    #[test]
    fn last_edited_is_the_newest_change_time() {
        let mut doc = new_doc();
        assert_eq!(doc.last_edited_ms(), Some(1_800_000_000_000));
        doc.change(1_800_000_500_000, "t", |p| p.set_theme(q1(), "x"))
            .expect("changed");
        assert_eq!(doc.last_edited_ms(), Some(1_800_000_500_000));
    }
}
