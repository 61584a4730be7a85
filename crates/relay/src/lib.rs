//! The Tandem relay: one small server that serves the built app and, as Tandem grows,
//! syncs partnerships between browsers.
//!
//! # Layout
//! - [`config`]: command-line flags and environment (address, data folder, app folder).
//! - [`app`]: the HTTP router — health, the app's static files with a fallback to
//!   `index.html` for client-side routes.
//! - [`server`]: binding, serving until told to stop, draining connections.

pub mod app;
pub mod config;
pub mod server;
