//! The schema marker and layout version at the root of a partnership document, read the
//! way other Automerge implementations write them: JavaScript writes strings as Text
//! objects and whole numbers as signed integers (or floats), where Tandem writes scalar
//! strings and unsigned integers.

use std::{convert::Infallible, fmt, str::FromStr};

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler, reconcile::NoKey};

use crate::stored_string::stored_as_string;

/// The schema marker ("tandem.partnership").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaName(pub String);

impl FromStr for SchemaName {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(SchemaName(s.to_owned()))
    }
}

impl fmt::Display for SchemaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

stored_as_string!(SchemaName, "a schema name");

/// A layout version: a whole number however it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LayoutVersion(pub u64);

impl Reconcile for LayoutVersion {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
        r.u64(self.0)
    }
}

impl Hydrate for LayoutVersion {
    fn hydrate_uint(u: u64) -> Result<Self, HydrateError> {
        Ok(LayoutVersion(u))
    }

    fn hydrate_int(i: i64) -> Result<Self, HydrateError> {
        u64::try_from(i)
            .map(LayoutVersion)
            .map_err(|_| HydrateError::unexpected("a layout version", format!("{i}")))
    }

    fn hydrate_f64(f: f64) -> Result<Self, HydrateError> {
        if f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 2f64.powi(53) {
            Ok(LayoutVersion(f as u64))
        } else {
            Err(HydrateError::unexpected("a layout version", format!("{f}")))
        }
    }
}
