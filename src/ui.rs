//! The screens. Each file is one screen or one part of a screen; they reach the
//! partnership only through [`crate::editor::Editor`].

pub mod agreement_tab;
pub mod app;
pub mod campaign_row;
pub mod checkins_tab;
pub mod collab_text;
pub mod connection_badge;
pub mod debriefs_tab;
pub mod export_menu;
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
pub mod wins_tab;
