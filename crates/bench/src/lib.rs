//! Tandem's large-document benchmark (issue 8, item 2): a deterministic editing trace of
//! one partnership, written as JSON for both replays, and the native replay.
//!
//! A crate of its own (not an example of `tandem-domain`) so the test command never
//! compiles it and the domain gains no benchmark-only dependencies.
//!
//! # Layout
//! - [`rng`]: a seeded generator, stable across dependency upgrades.
//! - [`trace`]: the trace: base document, changes, expected texts; its JSON form.
//! - [`replay`]: the trace applied to an Automerge document natively.

pub mod replay;
pub mod rng;
pub mod trace;
