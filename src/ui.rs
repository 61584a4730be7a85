//! The screens. Each file is one screen or one part of a screen; they reach the
//! partnership only through [`crate::editor::Editor`].

pub mod app;
pub mod campaign_row;
pub mod collab_text;
pub mod connection_badge;
pub mod home;
pub mod new_partnership;
pub mod partnership_page;
pub mod presence_bar;
pub mod quarter_section;
pub mod roadmap;
