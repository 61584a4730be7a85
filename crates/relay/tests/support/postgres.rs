//! A private PostgreSQL server for a test (`tandem-services`, shared with the load
//! generator), with the tests' durability (`fsync=off`: a test kills the server process,
//! never the machine) and a failure to start or resume as the test's panic.

use std::ops::Deref;

use super::Device;

pub(crate) struct Postgres(tandem_services::Postgres);

impl Postgres {
    /// Makes a cluster, starts it and creates the database `tandem`.
    pub(crate) fn start() -> Self {
        Postgres(
            tandem_services::Postgres::start(tandem_services::Durability::Process)
                .unwrap_or_else(|e| panic!("a private PostgreSQL starts: {e}")),
        )
    }

    /// Starts the server again on the same port and data (after [`halt`]).
    ///
    /// [`halt`]: tandem_services::Postgres::halt
    pub(crate) fn resume(&self) {
        self.0
            .resume()
            .unwrap_or_else(|e| panic!("PostgreSQL resumes: {e}\n{}", self.0.log()));
    }
}

impl Deref for Postgres {
    type Target = tandem_services::Postgres;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// The same device (same id and credential) talking to the relay instance at `addr`: in
/// cluster mode every instance knows it.
pub(crate) fn same_device_at(device: &Device, addr: &str) -> Device {
    Device {
        id: device.id.clone(),
        credential: device.credential.clone(),
        addr: addr.to_owned(),
        http: reqwest::Client::new(),
    }
}
