//! Which server this browser syncs with (issue #16: no link can choose it).
//!
//! By default that is the Tandem relay that served the page (`ws(s)://<origin>/sync`),
//! with device credentials and roles. The person may instead pick another automerge-repo
//! server in the sync-server settings, after a confirmation naming it: that choice, and
//! the partnerships they picked to offer it, are kept here in localStorage. Nothing else
//! is offered to it, no credential is sent to it, and the access records kept for the
//! Tandem relay are never written while it is in use.
//!
//! A `?relay=` parameter in an address is never stored: it only pre-fills the settings
//! screen, and nothing is sent before the person confirms there.

use std::collections::BTreeSet;

use tandem_domain::document_id::DocumentId;

use crate::platform::local;
use tandem_client::records::{
    LEGACY_RELAY as LEGACY_PREF_RELAY, OTHER_RELAY as PREF_OTHER, decode_other_relay,
    encode_other_relay,
};

/// Another automerge-repo server the person chose, and what they chose to share with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherRelay {
    /// `ws://` or `wss://` URL.
    pub url: String,
    /// The only partnerships offered to it (and the only ones asked of it).
    pub docs: BTreeSet<DocumentId>,
}

impl OtherRelay {
    /// The stored form: the URL on the first line, then one partnership id a line.
    fn encode(&self) -> String {
        encode_other_relay(&self.url, &self.docs)
    }

    fn decode(stored: &str) -> Option<OtherRelay> {
        let (url, docs) = decode_other_relay(stored)?;
        Some(OtherRelay {
            url: check_url(&url).ok()?,
            docs,
        })
    }
}

/// Why a server address cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlProblem {
    /// Not `ws://…` or `wss://…`.
    Scheme,
    /// No host, or characters no host has.
    Host,
}

/// Checks a server address the person typed (or a link pre-filled); returns it trimmed.
pub fn check_url(url: &str) -> Result<String, UrlProblem> {
    let url = url.trim();
    // The scheme is case-insensitive (`WS://` is `ws://`).
    let lower = url.to_ascii_lowercase();
    let scheme_len = if lower.starts_with("ws://") {
        5
    } else if lower.starts_with("wss://") {
        6
    } else {
        return Err(UrlProblem::Scheme);
    };
    let rest = &url[scheme_len..];
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-_:[]".contains(&b))
    {
        return Err(UrlProblem::Host);
    }
    Ok(url.to_owned())
}

/// The origin of a `ws(s)://` URL, lowercased (`ws://host:port`), as the relay's
/// `--allow-relay` list and the page's CSP name it.
pub fn origin_of(url: &str) -> Option<String> {
    let url = check_url(url).ok()?;
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

/// The other server chosen in the settings, if any.
pub fn load() -> Option<OtherRelay> {
    OtherRelay::decode(&local::get(PREF_OTHER)?)
}

/// Remembers a confirmed choice (the page reloads to use it).
pub fn store(choice: &OtherRelay) {
    local::set(PREF_OTHER, &choice.encode());
}

/// Back to the Tandem relay that serves the page.
pub fn clear() {
    local::remove(PREF_OTHER);
}

/// Forgets a relay an older version took from a link and kept: it was never confirmed.
pub fn forget_legacy() {
    local::remove(LEGACY_PREF_RELAY);
}

/// The Tandem relay that served this page.
pub fn home_url() -> String {
    let location = web_sys::window().map(|w| w.location());
    let (protocol, host) = location
        .map(|l| {
            (
                l.protocol().unwrap_or_default(),
                l.host().unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    format!("{scheme}://{host}/sync")
}

/// A server named by `?relay=` in the address: only ever a proposal for the settings
/// screen to show, never used or stored by itself.
pub fn proposed_in_address() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get("relay")
        .filter(|r| !r.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_choice_survives_being_stored_and_junk_is_dropped() {
        let a = DocumentId::from_bytes([1; 16]);
        let choice = OtherRelay {
            url: "ws://127.0.0.1:3030/sync".into(),
            docs: [a].into_iter().collect(),
        };
        assert_eq!(OtherRelay::decode(&choice.encode()), Some(choice));
        let junk = format!("ws://h/x\nnot-an-id\n{a}");
        assert_eq!(OtherRelay::decode(&junk).map(|c| c.docs.len()), Some(1));
        assert_eq!(OtherRelay::decode("http://h/x"), None);
    }

    #[test]
    fn only_websocket_urls_with_a_plain_host_are_servers() {
        assert_eq!(
            check_url(" wss://sync.example/ "),
            Ok("wss://sync.example/".into())
        );
        assert_eq!(check_url("https://x.example"), Err(UrlProblem::Scheme));
        assert_eq!(check_url("javascript:alert(1)"), Err(UrlProblem::Scheme));
        assert_eq!(check_url("ws:///sync"), Err(UrlProblem::Host));
        assert_eq!(check_url("ws://a b"), Err(UrlProblem::Host));
        assert_eq!(
            origin_of("WS://Host.Example:3030/sync?x=1").as_deref(),
            Some("ws://host.example:3030")
        );
    }
}
