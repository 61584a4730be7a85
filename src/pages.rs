//! The pages: the shell ([`app`]) and what each address shows — the partnerships of
//! this browser ([`home`]), a new one ([`new_partnership`]), one partnership with its tabs
//! ([`partnership_page`]), joining by link and sharing ([`share`]), the sync server
//! ([`sync_server`]) and the print view ([`export_menu`]). Pages reach partnerships only
//! through [`crate::state::Tandem`] and [`crate::editor::Editor`].

pub mod app;
pub mod export_menu;
pub mod home;
pub mod new_partnership;
pub mod partnership_page;
pub mod share;
pub mod sync_server;
