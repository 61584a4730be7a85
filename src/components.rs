//! Parts shared by pages and tabs: fields that save when left ([`autosave`]) and their
//! messages, collaborative text, drafts kept for a reload ([`unsaved`]), undo, and the
//! chrome that shows connection, presence and storage trouble.

pub mod autosave;
pub mod collab_text;
pub mod connection_badge;
pub mod field_message;
pub mod fields;
pub mod presence_bar;
pub mod storage_banner;
pub mod undo_toast;
pub mod unsaved;
