//! The screens. Each file is one screen or one part of a screen; they reach the
//! partnership only through [`crate::editor::Editor`].
//!
//! Every control a person types into is saved when they leave it ([`autosave`]). A form
//! that drafts a *new* item (add a campaign, log a check-in) carries `data-draft`; a control
//! that only changes what is shown (a quarter picker) carries `data-view`. The every-field
//! journey (`tests/e2e/every-field.test.mjs`) fills every other control of every tab and
//! checks it after a reload and in a second browser, so a new screen is covered as it lands.

pub mod agreement_tab;
pub mod app;
pub mod autosave;
pub mod campaign_row;
pub mod checkins_tab;
pub mod collab_text;
pub mod connection_badge;
pub mod debriefs_tab;
pub mod export_menu;
pub mod field_message;
pub mod fields;
pub mod history_tab;
pub mod home;
pub mod kpi_tab;
pub mod learnings;
pub mod new_partnership;
pub mod partnership_page;
pub mod people_tab;
pub mod presence_bar;
pub mod qbr_tab;
pub mod quarter_section;
pub mod roadmap;
pub mod share;
pub mod sow_tab;
pub mod storage_banner;
pub mod sync_server;
pub mod trend_chart;
pub mod undo_toast;
pub mod unsaved;
pub mod wins_tab;
