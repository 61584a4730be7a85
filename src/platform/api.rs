//! This browser's identity with the relay, and calls to the relay's API (fetch).
//!
//! The **device credential** `<device id>.<secret>` is made here once (256 random bits)
//! and kept in localStorage; the relay keeps only its hash. It authenticates every API
//! call (`Authorization: Bearer`) and the sync socket (as a WebSocket subprotocol, never in
//! a URL). The sync peer id starts with the device id, as the relay requires. What the
//! access records per partnership mean is `tandem_client::access`.

use std::fmt;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser::random_16;
use crate::i18n::{t, tf};

use super::local;
use tandem_client::records::{
    DEVICE as PREF_DEVICE, REGISTERED as PREF_REGISTERED, Record, decode_device,
};

use tandem_sync::api::{Call, Refusal, RegisterDevice};
pub use tandem_sync::api::{Reason, Role};

/// How a role reads to the person who has it.
pub fn describe_role(role: Role) -> &'static str {
    match role {
        Role::Viewer => t("You can view this partnership"),
        Role::Editor => t("You can edit this partnership"),
        Role::Owner => t("You own this partnership"),
    }
}

pub use tandem_client::access::{Access, Ended, MADE_HERE, OPEN, State};

/// What ended the access, in words, if it ended.
pub fn ended(access: Access) -> Option<&'static str> {
    access.ended().map(|why| match why {
        Ended::Revoked => t("This link was revoked by the partnership's owner."),
        Ended::Expired => t("This link has expired."),
        Ended::Refused => t("The relay does not give this browser access to this partnership."),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// This browser's device: its id and credential, made on first use.
#[derive(Clone)]
pub struct Device {
    pub id: String,
    credential: String,
}

impl fmt::Debug for Device {
    // Never print the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Device").field("id", &self.id).finish()
    }
}

impl Device {
    pub fn load_or_create() -> Device {
        if let Some(credential) = local::get(PREF_DEVICE)
            && let Some((id, secret)) = decode_device(&credential)
            && id.len() == 16
            && secret.len() == 64
        {
            return Device { id, credential };
        }
        let id = hex(&random_16()[..8]);
        let mut secret = random_16().to_vec();
        secret.extend_from_slice(&random_16());
        let credential = format!("{id}.{}", hex(&secret));
        local::persist(&Record::Device(credential.clone()));
        local::remove(PREF_REGISTERED);
        Device { id, credential }
    }

    /// The WebSocket subprotocols that carry the credential.
    pub fn protocols(&self) -> [String; 2] {
        [
            "tandem.v1".to_owned(),
            format!("tandem.credential.{}", self.credential),
        ]
    }

    /// Whether the relay at `api` knows this device (the record says so).
    pub fn registered_with(&self, api: &str) -> bool {
        local::get(PREF_REGISTERED).is_some_and(|v| v == api)
    }

    /// Registers with the relay unless it already has.
    pub async fn ensure_registered(&self, api: &str) -> Result<(), ApiError> {
        if self.registered_with(api) {
            return Ok(());
        }
        send(api, Some(self), &RegisterDevice).await?;
        local::persist(&Record::Registered(api.to_owned()));
        Ok(())
    }
}

/// What a failed API call said.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status; 0 when the relay could not be reached.
    pub status: u16,
    /// The relay's reason; `None` when it could not be reached, its answer could not be
    /// read, or it gave a reason this version does not know (the message still says it).
    pub reason: Option<Reason>,
    pub message: String,
}

impl ApiError {
    /// The relay was not reached at all.
    pub fn offline(&self) -> bool {
        self.status == 0 && self.reason.is_none()
    }

    /// The relay answered (2xx), but not in a way this version can read.
    pub fn unreadable_answer() -> Self {
        ApiError {
            status: 200,
            reason: None,
            message: t("the relay's answer could not be read").into(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn js_error(e: JsValue) -> ApiError {
    ApiError {
        status: 0,
        reason: None,
        message: tf(
            "the relay cannot be reached ({0})",
            &[&e.as_string()
                .or_else(|| {
                    js_sys::Reflect::get(&e, &"message".into())
                        .ok()
                        .and_then(|m| m.as_string())
                })
                .unwrap_or_else(|| t("network error").into())],
        ),
    }
}

/// One call to the relay's API as this device (or, with `None`, as nobody): the typed
/// request of `tandem_sync::api` out as JSON, its typed answer back, a refusal as its
/// reason — the structs the relay's handlers use.
pub async fn send<C: Call>(
    api: &str,
    device: Option<&Device>,
    call: &C,
) -> Result<C::Answer, ApiError> {
    let window = web_sys::window().ok_or_else(|| js_error("no window".into()))?;
    let init = web_sys::RequestInit::new();
    init.set_method(C::METHOD.as_str());
    let headers = web_sys::Headers::new().map_err(js_error)?;
    if let Some(device) = device {
        headers
            .set("Authorization", &format!("Bearer {}", device.credential))
            .map_err(js_error)?;
    }
    if C::HAS_BODY {
        headers
            .set("Content-Type", "application/json")
            .map_err(js_error)?;
        let text = serde_json::to_string(call).map_err(|_| ApiError::unreadable_answer())?;
        init.set_body(&JsValue::from_str(&text));
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(&format!("{api}{}", call.path()), &init)
        .map_err(js_error)?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(js_error)?
        .unchecked_into();
    let status = response.status();
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    read_answer::<C>(status, response.ok(), &text)
}

/// An answer's body read as the call's answer, or as the refusal it is.
fn read_answer<C: Call>(status: u16, ok: bool, text: &str) -> Result<C::Answer, ApiError> {
    if ok {
        return serde_json::from_str(text).map_err(|_| ApiError::unreadable_answer());
    }
    match serde_json::from_str::<Refusal>(text) {
        Ok(refusal) => Err(ApiError {
            status,
            reason: refusal.reason(),
            message: refusal.error,
        }),
        Err(_) => Err(ApiError {
            status,
            reason: None,
            message: tf("the relay answered {0}", &[&status]),
        }),
    }
}

/// The relay's API base (`http(s)://host`) for a sync URL (`ws(s)://host/sync`).
pub fn api_base(relay_url: &str) -> String {
    let http = relay_url
        .replacen("wss://", "https://", 1)
        .replacen("ws://", "http://", 1);
    match http
        .find("://")
        .and_then(|i| http[i + 3..].find('/').map(|j| i + 3 + j))
    {
        Some(path_start) => http[..path_start].to_owned(),
        None => http,
    }
}

/// The link to send for a secret: the secret rides in the fragment, which browsers never
/// send to a server.
pub fn link_url(secret: &str) -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}/join#{secret}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn answers_and_refusals_read_as_the_relays_types() {
        use tandem_sync::api::{DescribeLink, LinkStatus, Redeem, Side};
        let described = read_answer::<DescribeLink>(
            200,
            true,
            r#"{"role":"editor","label":"Маша","side":"creator","expires_ms":null,"status":"active"}"#,
        )
        .expect("a description");
        assert_eq!(
            (described.role, described.side, described.status),
            (Role::Editor, Some(Side::Creator), LinkStatus::Active)
        );
        let refused = read_answer::<Redeem>(
            410,
            false,
            r#"{"reason":"revoked","error":"this link was revoked"}"#,
        )
        .expect_err("refused");
        assert_eq!(
            (refused.reason, refused.message.as_str()),
            (Some(Reason::Revoked), "this link was revoked")
        );
        // A newer relay's reason is kept as words; a body that is not a refusal at all still
        // says what the relay answered.
        let newer = read_answer::<Redeem>(403, false, r#"{"reason":"too-early","error":"wait"}"#)
            .expect_err("refused");
        assert_eq!((newer.reason, newer.message.as_str()), (None, "wait"));
        let garbled = read_answer::<Redeem>(502, false, "<html>").expect_err("refused");
        assert_eq!((garbled.status, garbled.reason), (502, None));
        assert!(read_answer::<Redeem>(200, true, r#"{"document":"nope"}"#).is_err());
        // What the app sends is what the relay reads.
        let body = serde_json::to_value(Redeem {
            secret: "a.b".into(),
        })
        .expect("encodes");
        assert_eq!(body, serde_json::json!({ "secret": "a.b" }));
    }

    #[test]
    fn api_base_from_sync_url() {
        assert_eq!(
            api_base("ws://127.0.0.1:8080/sync"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            api_base("wss://tandem.example/sync"),
            "https://tandem.example"
        );
        assert_eq!(api_base("ws://host"), "http://host");
    }
}
