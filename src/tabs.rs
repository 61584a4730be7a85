//! The partnership's documents, one tab each, and the parts only tabs use (a quarter of
//! the roadmap, a campaign's row, learnings, the KPI trend chart). Each reaches the
//! partnership only through [`crate::editor::Editor`].
//!
//! Every control a person types into is saved when they leave it
//! ([`crate::components::autosave`]). A form that drafts a *new* item (add a campaign, log a
//! check-in) carries `data-draft`; a control that only changes what is shown (a quarter
//! picker) carries `data-view`. The every-field journey (`tests/e2e/every-field.test.mjs`)
//! fills every other control of every tab and checks it after a reload and in a second
//! browser, so a new tab is covered as it lands.

pub mod agreement_tab;
pub mod campaign_row;
pub mod checkins_tab;
pub mod debriefs_tab;
pub mod history_tab;
pub mod kpi_tab;
pub mod learnings;
pub mod overview_tab;
pub mod payments_tab;
pub mod people_tab;
pub mod qbr_tab;
pub mod quarter_section;
pub mod review_round;
pub mod roadmap;
pub mod sow_tab;
pub mod trend_chart;
pub mod wins_tab;
