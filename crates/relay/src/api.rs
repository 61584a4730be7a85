//! `/api`: devices, partnership ownership, invite links. JSON in and out; every call but
//! device registration authenticates with `Authorization: Bearer <device credential>`.
//!
//! | call | who | does |
//! |---|---|---|
//! | `POST /api/devices` | anyone (rate-limited) | registers the credential's device |
//! | `POST /api/docs/{id}` | a device | claims an unclaimed partnership: owner |
//! | `GET /api/docs/{id}/access` | a device | its role, or why it has none (revoked / expired / none) |
//! | `GET /api/docs/{id}/links` | owner | the links, without secrets |
//! | `POST /api/docs/{id}/links` | owner | a new link `{role, label, expires_ms}`; the secret once |
//! | `DELETE /api/docs/{id}/links/{link}` | owner | revokes it and every link made through it (`also_revoked`); live sessions end at once |
//! | `POST /api/redeem` | a device | `{secret}` of a link: grants its role |
//! | `POST /api/links/describe` | a device | `{secret}` of a link: its role, label, side and state, granting nothing |
//! | `GET /api/relays` | anyone | the other sync servers the page may use (`--allow-relay`) |
//! | `GET /api/docs/{id}/feeds` | owner | the calendar feeds, without secrets |
//! | `POST /api/docs/{id}/feeds` | owner | a new calendar feed `{label, lang}`; the secret once |
//! | `DELETE /api/docs/{id}/feeds/{feed}` | owner | revokes it: `/calendar/<secret>.ics` answers 404 from now |

use std::{
    net::{IpAddr, SocketAddr},
    time::{SystemTime, UNIX_EPOCH},
};

use axum::{
    Json, Router,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
};
use tandem_sync::api::{
    AccessAnswer, Claimed, DescribeLink, DeviceAnswer, FeedList, FeedRequest, LinkDescription,
    LinkList, LinkRequest, Reason, Redeem, Refusal, RevokedLink, Role,
};
use tandem_sync::document_id::DocumentId;

use crate::{
    access::{Access, AccessError, NoAccess},
    app::AppState,
    client_addr::client_ip,
};

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/devices", post(register_device))
        .route("/api/docs/{id}", post(claim))
        .route("/api/docs/{id}/access", get(access))
        .route("/api/docs/{id}/links", get(list_links).post(create_link))
        .route("/api/docs/{id}/links/{link}", delete(revoke))
        .route("/api/redeem", post(redeem))
        .route("/api/links/describe", post(describe_link))
        .route("/api/docs/{id}/feeds", get(list_feeds).post(create_feed))
        .route("/api/docs/{id}/feeds/{feed}", delete(revoke_feed))
}

/// An API error: a status, a machine-readable reason and a sentence for people.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    reason: Reason,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, reason: Reason, message: impl Into<String>) -> Self {
        ApiError {
            status,
            reason,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            Reason::Unauthorized,
            "a valid device credential is required",
        )
    }

    pub fn too_many_connections(max: usize) -> Self {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            Reason::TooManyConnections,
            format!("at most {max} sync connections from one address; close some and retry"),
        )
    }

    pub fn too_many_device_connections(max: usize) -> Self {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            Reason::TooManyDeviceConnections,
            format!(
                "this device already has {max} sync connections open; close a tab or window and retry"
            ),
        )
    }

    pub fn too_many_refusals(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                Reason::TooManyRefusedConnections,
                format!(
                    "this device's sync connections were refused {} times in the last minute for messages the relay does not accept; retry in {retry_after} s",
                    crate::websocket::REFUSALS_PER_MINUTE
                ),
            )
        }
    }

    /// A calendar feed that does not serve: never made, revoked, or its partnership not
    /// on this relay — one answer for all, so it tells a guesser nothing.
    pub fn unknown_feed() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            Reason::UnknownFeed,
            "no such calendar feed",
        )
    }

    pub fn too_many(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                Reason::RateLimited,
                format!("too many failed attempts from this address; try again in {retry_after} s"),
            )
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(Refusal::new(self.reason, self.message));
        let mut response = (self.status, body).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = s.to_string().parse()
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        let (status, reason) = match &e {
            AccessError::Open { .. } | AccessError::Store(_) | AccessError::Conflict => {
                tracing::error!(error = %e, "access store failed");
                (StatusCode::SERVICE_UNAVAILABLE, Reason::StoreFailed)
            }
            AccessError::BadCredential => (StatusCode::BAD_REQUEST, Reason::BadCredential),
            AccessError::DeviceTaken => (StatusCode::CONFLICT, Reason::DeviceTaken),
            AccessError::AlreadyOwned => (StatusCode::CONFLICT, Reason::AlreadyOwned),
            AccessError::NotOwner => (StatusCode::FORBIDDEN, Reason::NotOwner),
            AccessError::UnknownLink => (StatusCode::NOT_FOUND, Reason::UnknownLink),
            AccessError::Revoked => (StatusCode::GONE, Reason::Revoked),
            AccessError::Expired => (StatusCode::GONE, Reason::Expired),
            AccessError::Invalid(_) => (StatusCode::BAD_REQUEST, Reason::Invalid),
            AccessError::TooManyClaims(_) => (StatusCode::TOO_MANY_REQUESTS, Reason::TooManyClaims),
            AccessError::TooManyLinks(_) => (StatusCode::TOO_MANY_REQUESTS, Reason::TooManyLinks),
            AccessError::UnknownFeed => (StatusCode::NOT_FOUND, Reason::UnknownFeed),
            AccessError::TooManyFeeds(_) => (StatusCode::TOO_MANY_REQUESTS, Reason::TooManyFeeds),
        };
        ApiError::new(status, reason, e.to_string())
    }
}

/// The credential from `Authorization: Bearer …`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The device a credential claims to be (the part before the dot), for counting
/// failures; empty when there is no credential or it has no such part.
fn claimed_device(credential: Option<&str>) -> String {
    credential
        .and_then(|c| c.split_once('.'))
        .map(|(id, _)| id)
        .filter(|id| id.len() <= 64)
        .unwrap_or_default()
        .to_owned()
}

/// The device behind a request. A right credential always passes; wrong ones are counted
/// per (address, claimed device), so a flood of bad guesses — from a stranger behind the
/// same proxy, or aimed at this very device — answers the guesser with 429 and never
/// locks out anyone who holds a right credential.
pub async fn authenticate(
    state: &AppState,
    ip: IpAddr,
    credential: Option<&str>,
) -> Result<String, ApiError> {
    if let Some(credential) = credential
        && let Some(device) = state.access.authenticate(credential).await
    {
        return Ok(device);
    }
    let key = (ip, claimed_device(credential));
    state
        .failed_attempts
        .check(&key)
        .map_err(ApiError::too_many)?;
    state.failed_attempts.fail(key);
    tracing::warn!(%ip, "refused a request with a missing or wrong credential");
    Err(ApiError::unauthorized())
}

/// The client's address: the socket's, or what a trusted proxy reports.
pub fn client_ip_of(state: &AppState, parts: &axum::http::request::Parts) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    client_ip(peer, &parts.headers, &state.trusted_proxies)
}

/// The client's address as an extractor.
#[derive(Debug)]
pub struct ClientIp(pub IpAddr);

impl axum::extract::FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip_of(state, parts)))
    }
}

/// The authenticated device behind a request (failures count against the address).
#[derive(Debug)]
pub struct Caller(pub String);

impl axum::extract::FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ip = client_ip_of(state, parts);
        authenticate(state, ip, bearer(&parts.headers))
            .await
            .map(Caller)
    }
}

/// Runs a change to the access store on a blocking thread: it commits to disk, which
/// must not stall an async worker. A change that met another relay instance's change to
/// the same records (cluster mode) is tried again, against the state it left.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    change: impl Fn(&Access) -> Result<T, AccessError> + Send + 'static,
) -> Result<T, AccessError> {
    const TRIES: usize = 3;
    let access = state.access.clone();
    tokio::task::spawn_blocking(move || {
        let mut outcome = change(&access);
        for _ in 1..TRIES {
            if !matches!(outcome, Err(AccessError::Conflict)) {
                break;
            }
            outcome = change(&access);
        }
        outcome
    })
    .await
    .unwrap_or_else(|e| Err(AccessError::Store(format!("the access task failed: {e}"))))
}

fn document(id: &str) -> Result<DocumentId, ApiError> {
    id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            Reason::UnknownDocument,
            "no such partnership",
        )
    })
}

async fn register_device(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let claimed = (ip, claimed_device(bearer(&headers)));
    state
        .failed_attempts
        .check(&claimed)
        .map_err(ApiError::too_many)?;
    let Some(credential) = bearer(&headers) else {
        state.failed_attempts.fail(claimed);
        return Err(ApiError::unauthorized());
    };
    // Registering again with the right credential is not a new device: it always passes.
    if let Some(device) = state.access.authenticate(credential).await {
        return Ok((StatusCode::OK, Json(DeviceAnswer { device })).into_response());
    }
    state
        .registrations
        .check(&(ip, String::new()))
        .map_err(ApiError::too_many)?;
    let registered = {
        let credential = credential.to_owned();
        blocking(&state, move |access| {
            access.register_device(&credential, now_ms())
        })
        .await
    };
    match registered {
        Ok((device, created)) => {
            if created {
                state.registrations.fail((ip, String::new()));
                tracing::info!(%device, %ip, "device registered");
            }
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, Json(DeviceAnswer { device })).into_response())
        }
        Err(e) => {
            state.failed_attempts.fail(claimed);
            Err(e.into())
        }
    }
}

async fn claim(
    State(state): State<AppState>,
    Caller(device): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let doc = document(&id)?;
    let created = {
        let device = device.clone();
        blocking(&state, move |access| access.claim(&device, &doc, now_ms())).await?
    };
    if created {
        tracing::info!(%device, document = %doc, "partnership registered");
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(Claimed {
            document: doc,
            role: Role::Owner,
        }),
    )
        .into_response())
}

async fn access(
    State(state): State<AppState>,
    Caller(device): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let doc = document(&id)?;
    match state.access.role(&device, &doc, now_ms()).await {
        Ok(role) => Ok(Json(AccessAnswer { role }).into_response()),
        Err(why) => {
            let (reason, message) = match why {
                NoAccess::Revoked => (Reason::Revoked, "this link was revoked"),
                NoAccess::Expired => (Reason::Expired, "this link has expired"),
                NoAccess::None => (Reason::NoAccess, "no access to this partnership"),
            };
            Err(ApiError::new(StatusCode::FORBIDDEN, reason, message))
        }
    }
}

async fn list_links(
    State(state): State<AppState>,
    Caller(device): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let doc = document(&id)?;
    let links = state.access.links(&device, &doc, now_ms()).await?;
    Ok(Json(LinkList {
        links: links.into_iter().map(|l| l.info).collect(),
    })
    .into_response())
}

async fn create_link(
    State(state): State<AppState>,
    Caller(device): Caller,
    Path(id): Path<String>,
    Json(body): Json<LinkRequest>,
) -> Result<Response, ApiError> {
    let doc = document(&id)?;
    let link = {
        let device = device.clone();
        blocking(&state, move |access| {
            access.create_link(
                &device,
                &doc,
                body.role,
                &body.label,
                body.side,
                body.expires_ms,
                now_ms(),
            )
        })
        .await?
    };
    tracing::info!(%device, document = %doc, link = %link.link.id, role = link.link.role.as_str(), "link created");
    Ok((StatusCode::CREATED, Json(link)).into_response())
}

async fn revoke(
    State(state): State<AppState>,
    Caller(device): Caller,
    Path((id, link)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let doc = document(&id)?;
    let (link, also_revoked) = {
        let device = device.clone();
        blocking(&state, move |access| {
            access.revoke(&device, &doc, &link, now_ms())
        })
        .await?
    };
    tracing::info!(%device, document = %doc, link = %link.id, also_revoked = ?also_revoked, "link revoked");
    // End the sessions that relied on it (or on a link made through it) now, not at the
    // next sweep.
    state.hub.enforce_access().await;
    Ok(Json(RevokedLink {
        link: link.info,
        also_revoked,
    })
    .into_response())
}

async fn list_feeds(
    State(state): State<AppState>,
    Caller(device): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let doc = document(&id)?;
    let feeds = state.access.feeds(&device, &doc, now_ms()).await?;
    Ok(Json(FeedList { feeds }).into_response())
}

async fn create_feed(
    State(state): State<AppState>,
    Caller(device): Caller,
    Path(id): Path<String>,
    Json(body): Json<FeedRequest>,
) -> Result<Response, ApiError> {
    let doc = document(&id)?;
    let feed = {
        let device = device.clone();
        blocking(&state, move |access| {
            access.create_feed(&device, &doc, &body.label, &body.lang, now_ms())
        })
        .await?
    };
    tracing::info!(%device, document = %doc, feed = %feed.feed.id, lang = %feed.feed.lang, "calendar feed created");
    Ok((StatusCode::CREATED, Json(feed)).into_response())
}

async fn revoke_feed(
    State(state): State<AppState>,
    Caller(device): Caller,
    Path((id, feed)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let doc = document(&id)?;
    let feed = {
        let device = device.clone();
        blocking(&state, move |access| {
            access.revoke_feed(&device, &doc, &feed, now_ms())
        })
        .await?
    };
    tracing::info!(%device, document = %doc, feed = %feed.id, "calendar feed revoked");
    Ok(Json(feed).into_response())
}

/// Authenticates a request that tests a link's secret (redeem, describe) and checks the
/// one budget of link guesses both share, counted per (address, device) apart from
/// credential failures. Returns the device and the key to count a wrong guess under.
async fn authenticate_for_link_guess(
    state: &AppState,
    ip: IpAddr,
    headers: &HeaderMap,
) -> Result<(String, crate::limits::AttemptKey), ApiError> {
    let device = authenticate(state, ip, bearer(headers)).await?;
    let key = (ip, format!("redeem:{device}"));
    state
        .failed_attempts
        .check(&key)
        .map_err(ApiError::too_many)?;
    Ok((device, key))
}

async fn redeem(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(body): Json<Redeem>,
) -> Result<Response, ApiError> {
    let (device, key) = authenticate_for_link_guess(&state, ip, &headers).await?;
    let redeemed = {
        let device = device.clone();
        blocking(&state, move |access| {
            access.redeem(&device, &body.secret, now_ms())
        })
        .await
    };
    match redeemed {
        Ok(redeemed) => {
            tracing::info!(%device, document = %redeemed.document, role = redeemed.role.as_str(), "link redeemed");
            Ok(Json(redeemed).into_response())
        }
        Err(e) => {
            if matches!(e, AccessError::UnknownLink) {
                state.failed_attempts.fail(key);
                tracing::warn!(%device, %ip, "refused an unknown link");
            }
            Err(e.into())
        }
    }
}

/// What the join page shows before the person agrees: the role, who the link is for, the
/// side, and whether it still works. Nothing about the partnership itself, and nothing is
/// granted or marked used. Guessing secrets here costs as much as at `/api/redeem`.
async fn describe_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(body): Json<DescribeLink>,
) -> Result<Response, ApiError> {
    let (device, key) = authenticate_for_link_guess(&state, ip, &headers).await?;
    match state.access.describe(&body.secret).await {
        Ok(link) => Ok(Json(LinkDescription {
            status: link.status(now_ms()),
            role: link.role,
            label: link.info.label,
            side: link.info.side,
            expires_ms: link.info.expires_ms,
        })
        .into_response()),
        Err(e) => {
            if matches!(e, AccessError::UnknownLink) {
                state.failed_attempts.fail(key);
                tracing::warn!(%device, %ip, "refused to describe an unknown link");
            }
            Err(e.into())
        }
    }
}
