//! The Tandem partnership model: what a brand and a creator keep together, as plain Rust
//! types mapped onto an Automerge document, and the commands that change it.
//!
//! Nothing here knows about browsers, sockets or clocks: time and randomness come in as
//! arguments, so everything is tested natively and deterministically.
//!
//! # Example
//!
//! The crate's README, whose examples run as doctests (`cargo test --doc`):
#![doc = include_str!("../README.md")]
//!
//! # Layout
//! Modules import each other without circles: each area's data types stand alone, and the
//! aggregate ([`partnership`]) sits above them with one sub-module per area's commands.
//! - [`document`]: a partnership as an Automerge document — create, load, change, save, merge.
//! - [`command`], [`change`], [`error`]: what a person can do, as data; what each change did,
//!   read back from its message (History); why a command was refused ([`error::CommandError`],
//!   one small error per area).
//! - [`partnership`]: the document's root and validation of a new partnership; its
//!   sub-modules hold the commands of each area — [`partnership::roadmap`],
//!   [`partnership::record`] (agreement, SOW, KPIs, results), [`partnership::review`],
//!   [`partnership::checkins`], [`partnership::wins`], [`partnership::contacts`],
//!   [`partnership::debriefs`].
//! - [`quarter`]: quarter ids (2027-Q1), a quarter's roadmap section, dates outside it.
//! - [`campaign`]: planned campaigns and their statuses.
//! - [`agreement`], [`sow`]: the base agreement and each quarter's statement of work.
//! - [`debrief`]: campaign debriefs, and the learnings carried to later campaigns.
//! - [`kpi`], [`verdict`]: KPI formulas per market, the continue/review/stop verdict, trends.
//! - [`qbr`], [`qbr_pack`]: a quarter's review (risks, actions, budget) and its scorecard pack.
//! - [`export`], [`markdown`]: Markdown and CSV exports, and the escaping they share.
//! - [`history`], [`author`]: who changed what, in words.
//! - [`locale`]: Russian and English, and how numbers, money and dates read in each.
//! - [`money`]: amounts with their currency.
//! - [`contact`]: each side's point of contact, their zone and hours, the meeting plan.
//! - [`meeting`]: working-hours overlap across time zones and daylight-saving changes.
//! - [`removal`], [`items`]: removing an item so that Undo puts the same item back.
//! - [`order_key`]: fractional positions, so concurrent reordering never duplicates an item.
//! - [`ids`]: one id type per kind of item (`CampaignId`, `KpiId`, `WinId`, …): a KPI's id
//!   cannot be passed where a campaign's is meant.
//! - [`market`], [`day`], [`document_id`]: small identifiers with their own parse errors.

pub mod agreement;
pub mod author;
pub mod calendar;
pub mod campaign;
pub mod change;
pub mod checkin;
pub mod command;
pub mod compliance;
pub mod contact;
pub mod day;
pub mod debrief;
pub mod document;
pub mod drafts;
pub mod error;
/// Document ids live in the protocol crate (`tandem_sync::document_id`); re-exported here.
pub use tandem_sync::document_id;
pub mod export;
pub mod history;
pub mod ids;
pub mod items;
pub mod kpi;
pub mod locale;
pub mod markdown;
pub mod market;
pub mod meeting;
pub mod money;
pub mod order_key;
pub mod overview;
pub mod partnership;
pub mod payment;
mod plain;
pub mod qbr;
pub mod qbr_pack;
pub mod quarter;
pub mod registry;
pub mod removal;
pub mod schema;
pub mod sow;
mod stored_string;
pub mod verdict;
pub mod zone;

#[cfg(test)]
mod convergence;
