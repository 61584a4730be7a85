//! Security headers on every response: a Content-Security-Policy that forbids inline
//! script (except the one loader Trunk writes into `index.html`, allowed by its hash and
//! computed when the relay starts) and allows what WebAssembly needs; no MIME sniffing; no
//! referrer (share-link fragments never leave in one anyway, and nothing else should);
//! no framing.
//!
//! `connect-src` names `'self'` (the relay that served the page, `ws:`/`wss:` included)
//! and the other automerge-repo servers the operator allows with `--allow-relay`, and
//! nothing else: a page (or a link someone sent) cannot make the app talk to any other
//! host. The app asks `GET /api/relays` which servers those are, so its settings can say
//! when a server is not allowed instead of failing silently.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::SystemTime,
};

use axum::http::{HeaderName, HeaderValue, header};
use sha2::{Digest, Sha256};

/// Another automerge-repo server the app may sync with, as the origin the CSP names
/// (`ws://host:port` or `wss://host`; a path given on the command line is dropped, since
/// CSP matches the rest of the URL by origin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayOrigin(String);

/// Why a `--allow-relay` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayOriginError {
    #[error("a relay must be a ws:// or wss:// URL, such as ws://sync.example:3030/")]
    Scheme,
    #[error("the relay URL names no host")]
    NoHost,
    #[error(
        "the relay URL may hold only letters, digits, '.', '-', '_', ':', '[' and ']' in its host"
    )]
    BadHost,
}

impl std::str::FromStr for RelayOrigin {
    type Err = RelayOriginError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Schemes and hosts are case-insensitive; the policy names them in lowercase.
        let lower = s.trim().to_ascii_lowercase();
        let s = lower.as_str();
        let (scheme, rest) = if let Some(rest) = s.strip_prefix("ws://") {
            ("ws", rest)
        } else if let Some(rest) = s.strip_prefix("wss://") {
            ("wss", rest)
        } else {
            return Err(RelayOriginError::Scheme);
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty() {
            return Err(RelayOriginError::NoHost);
        }
        // Anything else could end the CSP directive or add a source to it.
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-_:[]".contains(&b))
        {
            return Err(RelayOriginError::BadHost);
        }
        Ok(RelayOrigin(format!("{scheme}://{host}")))
    }
}

impl std::fmt::Display for RelayOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The bodies of the inline `<script>` elements of a page (those without `src`).
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            scripts.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close..];
    }
    scripts
}

/// The Content-Security-Policy for the app whose `index.html` is `html`, allowed to sync
/// with this relay and `relays`.
pub fn content_security_policy(html: &str, relays: &[RelayOrigin]) -> String {
    let hashes: Vec<String> = inline_scripts(html)
        .into_iter()
        .map(|s| format!("'sha256-{}'", base64(&Sha256::digest(s.as_bytes()))))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{}{}; style-src 'self'; \
         img-src 'self' data: blob:; connect-src 'self'{}; worker-src 'self'; \
         manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'",
        if hashes.is_empty() { "" } else { " " },
        hashes.join(" "),
        relays.iter().map(|r| format!(" {r}")).collect::<String>()
    )
}

/// Every header the relay adds, for the app whose `index.html` is `html`.
pub fn headers(html: &str, relays: &[RelayOrigin]) -> Vec<(HeaderName, HeaderValue)> {
    let csp = HeaderValue::from_str(&content_security_policy(html, relays))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));
    vec![
        (header::CONTENT_SECURITY_POLICY, csp),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ]
}

/// The headers for the app as it is on disk now: a new build deployed under a running
/// relay brings a new loader script, so the policy is recomputed when `index.html`
/// changes (checked by modification time and size).
#[derive(Clone)]
pub struct Policy {
    index: PathBuf,
    relays: Arc<Vec<RelayOrigin>>,
    cache: Arc<Mutex<Cached>>,
}

struct Cached {
    stamp: Option<(SystemTime, u64)>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Policy {
    pub fn new(index: PathBuf, relays: Vec<RelayOrigin>) -> Self {
        Policy {
            index,
            cache: Arc::new(Mutex::new(Cached {
                stamp: None,
                headers: headers("", &relays),
            })),
            relays: Arc::new(relays),
        }
    }

    pub fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        // One `stat` per response; the file is read again only when it changed.
        let stamp = std::fs::metadata(&self.index)
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len())));
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if stamp != cache.stamp {
            let html = std::fs::read_to_string(&self.index).unwrap_or_default();
            cache.headers = headers(&html, &self.relays);
            // A file rewritten in place while it was read may have been read half-written:
            // kept only if it did not change meanwhile, else read again next time.
            let after = std::fs::metadata(&self.index)
                .ok()
                .and_then(|m| Some((m.modified().ok()?, m.len())));
            cache.stamp = if after == stamp { stamp } else { None };
        }
        cache.headers.clone()
    }
}

/// Adds the security headers to a response.
pub async fn add_headers(
    axum::extract::State(policy): axum::extract::State<Policy>,
    mut response: axum::response::Response,
) -> axum::response::Response {
    for (name, value) in policy.headers() {
        response.headers_mut().insert(name, value);
    }
    response
}

/// `GET /api/relays`: the other automerge-repo servers this page may sync with.
pub async fn allowed_relays(
    axum::extract::State(state): axum::extract::State<crate::app::AppState>,
) -> axum::Json<tandem_sync::api::RelayList> {
    let allowed: Vec<String> = state
        .allowed_relays
        .iter()
        .map(ToString::to_string)
        .collect();
    axum::Json(tandem_sync::api::RelayList { allowed })
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn only_inline_scripts_are_hashed() {
        let html = "<script type=\"module\">init()</script><script src=\"/x.js\"></script>";
        assert_eq!(inline_scripts(html), vec!["init()"]);
        let csp = content_security_policy(html, &[]);
        let expected = base64(&Sha256::digest(b"init()"));
        assert!(csp.contains(&format!("'sha256-{expected}'")), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn connect_src_names_self_and_the_allowed_relays_only() {
        let csp = content_security_policy("", &[]);
        assert!(csp.contains("connect-src 'self';"), "{csp}");
        assert!(!csp.contains("ws:"), "no blanket ws: or wss: ({csp})");
        let relays: Vec<RelayOrigin> = ["ws://127.0.0.1:3030/sync", "WSS://Sync.Example"]
            .iter()
            .map(|r| r.parse().expect("valid"))
            .collect();
        let csp = content_security_policy("", &relays);
        assert!(
            csp.contains("connect-src 'self' ws://127.0.0.1:3030 wss://sync.example;"),
            "{csp}"
        );
    }

    #[test]
    fn a_relay_that_could_bend_the_policy_is_refused() {
        for (bad, why) in [
            ("http://x.example", RelayOriginError::Scheme),
            ("ws:", RelayOriginError::Scheme),
            ("ws:///sync", RelayOriginError::NoHost),
            ("ws://x.example;script-src *", RelayOriginError::BadHost),
            ("ws://a.example wss:", RelayOriginError::BadHost),
            ("ws://*", RelayOriginError::BadHost),
            ("ws://x'y", RelayOriginError::BadHost),
        ] {
            assert_eq!(bad.parse::<RelayOrigin>(), Err(why), "{bad}");
        }
    }
}
