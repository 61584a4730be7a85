//! The link to the relay, always in view: online, connecting, or offline and why.

use leptos::prelude::*;

use crate::i18n::{t, tf};

use crate::state::Tandem;
use tandem_client::Connection;

#[component]
pub fn ConnectionBadge() -> impl IntoView {
    let tandem = expect_context::<Tandem>();
    let connection = tandem.connection();
    let relay = tandem.relay_url();
    view! {
        <p class="connection" role="status" aria-live="polite" data-testid="connection" title=relay
            data-state=move || match connection.get() {
                Connection::Online => "online",
                Connection::Connecting => "connecting",
                Connection::Offline { .. } => "offline",
            }>
            {move || match connection.get() {
                Connection::Online => t("● Connected").to_owned(),
                Connection::Connecting => t("○ Connecting…").to_owned(),
                Connection::Offline { retry_in_s: Some(s) } => tf("○ Offline — retrying in {0} s", &[&s]),
                Connection::Offline { retry_in_s: None } => t("○ Offline — edits are kept in this browser").to_owned(),
            }}
        </p>
    }
}
