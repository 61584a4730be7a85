//! A private NATS server for a test (`tandem-services`, shared with the load generator),
//! with a failure to start as the test's panic.

use std::ops::{Deref, DerefMut};

pub(crate) struct Nats(tandem_services::Nats);

impl Nats {
    pub(crate) fn start() -> Self {
        Nats(tandem_services::Nats::start().unwrap_or_else(|e| panic!("NATS starts: {e}")))
    }

    /// A free port with no server on it yet ([`Nats::restart`] starts one there).
    pub(crate) fn not_started() -> Self {
        Nats(tandem_services::Nats::not_started().unwrap_or_else(|e| panic!("{e}")))
    }

    /// Starts it (again) on its port, and waits until it accepts connections.
    pub(crate) fn restart(&mut self) {
        self.0
            .restart()
            .unwrap_or_else(|e| panic!("NATS restarts: {e}"));
    }
}

impl Deref for Nats {
    type Target = tandem_services::Nats;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Nats {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
