//! What the session tests share: one peer's documents in memory.

use std::collections::HashMap;

use automerge::{AutoCommit, ChangeHash};
use tandem_sync::document_id::DocumentId;
use tandem_sync::session::Documents;

/// One peer's documents. A relay accepts documents it has never seen; a browser does not.
/// `remembered` is what it answers for every document's remembered shared heads.
#[derive(Default)]
pub(crate) struct Store {
    pub docs: HashMap<DocumentId, AutoCommit>,
    pub accepts_new: bool,
    pub remembered: Vec<ChangeHash>,
}

impl Documents for Store {
    fn with_doc<R>(&mut self, id: &DocumentId, f: impl FnOnce(&mut AutoCommit) -> R) -> Option<R> {
        self.docs.get_mut(id).map(f)
    }
    fn create(&mut self, id: &DocumentId) -> bool {
        if self.accepts_new {
            self.docs.entry(*id).or_default();
        }
        self.accepts_new
    }
    fn remembered_shared_heads(&mut self, _: &DocumentId) -> Vec<ChangeHash> {
        self.remembered.clone()
    }
}
