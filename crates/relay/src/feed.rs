//! `GET /calendar/<secret>.ics`: a partnership's dated obligations as an iCalendar feed,
//! for calendar apps to subscribe to (issue 22).
//!
//! The secret in the path is the only credential — a calendar app cannot present a
//! device's — so it is a capability like an invite link: 256 bits, stored hashed, compared
//! in constant time, never logged (the relay logs no request paths; the feed is named by
//! its id). An owner makes and revokes feeds through `/api/docs/{id}/feeds`.
//!
//! - Every refusal is the same 404, whether the secret never existed, the feed was revoked
//!   or the relay holds no such partnership, so the answer tells a guesser nothing. A
//!   wrong secret counts against the address in the same limiter as wrong credentials
//!   (past it, 429); a right one always passes, so a calendar service fetching many
//!   people's feeds from one address is never locked out by someone's revoked feed.
//! - The feed is built from the stored document (what the relay has acknowledged), for
//!   the one partnership the feed was made for: the document is chosen by the feed's
//!   record, never by anything in the request.
//! - Loading, hydrating and rendering a partnership is CPU work that grows with its
//!   history, so it runs on a blocking thread, at most `--max-feed-renders` at once: a
//!   flood of feed requests waits for a turn (then 503) instead of starving sync.

use std::time::Duration;

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use tandem_domain::document::{LoadError, PartnershipDoc};

use crate::{
    access::{AccessError, FeedTarget},
    api::{ApiError, ClientIp, now_ms},
    app::AppState,
    doc_store::DocStore,
};

/// How long a feed request waits for a render slot before it is answered 503.
const WAIT_FOR_RENDER: Duration = Duration::from_secs(10);

pub fn routes() -> Router<AppState> {
    // `{file}` rather than `{secret}.ics`: the `.ics` is checked in the handler, so a
    // path without it is refused like any other wrong secret.
    Router::new().route("/calendar/{file}", get(serve))
}

/// Why a feed could not be rendered.
enum Unrendered {
    /// The relay holds no such document, or it is not a partnership it can read.
    Missing,
    /// The store failed, or the document was written by a newer Tandem than this relay:
    /// worth retrying later (after an update), not a reason to unsubscribe.
    Unavailable,
}

/// Loads the feed's partnership from the store and renders it. Blocking.
fn render(store: &DocStore, feed: &FeedTarget) -> Result<String, Unrendered> {
    let doc_id = feed.document.to_string();
    let stored = match store.load(&doc_id) {
        Ok(Some(stored)) => stored,
        Ok(None) => return Err(Unrendered::Missing),
        Err(e) => {
            tracing::error!(feed = %feed.id, document = %doc_id, error = %e, "cannot read a calendar feed's partnership");
            return Err(Unrendered::Unavailable);
        }
    };
    let partnership =
        PartnershipDoc::load([stored.bytes.as_slice()]).and_then(|doc| doc.partnership());
    match partnership {
        Ok(p) => Ok(tandem_domain::calendar::ics(
            &p,
            feed.lang,
            &doc_id,
            chrono::Utc::now(),
        )),
        Err(e @ LoadError::TooNew { .. }) => {
            tracing::error!(feed = %feed.id, document = %doc_id, error = %e, "cannot render a calendar feed: update the relay");
            Err(Unrendered::Unavailable)
        }
        Err(e) => {
            tracing::warn!(feed = %feed.id, document = %doc_id, error = %e, "a calendar feed's document is not a readable partnership");
            Err(Unrendered::Missing)
        }
    }
}

fn unavailable(retry_after: u64) -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        "the calendar cannot be made right now; try again later",
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

async fn serve(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(file): Path<String>,
) -> Response {
    let secret = file.strip_suffix(".ics").unwrap_or_default();
    let feed = match state.access.open_feed(secret, now_ms()).await {
        Ok(feed) => feed,
        Err(AccessError::UnknownFeed) => {
            // A guess (or a mangled URL): counted per address, like a wrong credential.
            let key = (ip, "calendar-feed".to_owned());
            if let Err(retry_after) = state.failed_attempts.check(&key) {
                return ApiError::too_many(retry_after).into_response();
            }
            state.failed_attempts.fail(key);
            tracing::warn!(%ip, "refused an unknown calendar feed");
            return ApiError::unknown_feed().into_response();
        }
        Err(AccessError::Revoked | AccessError::Expired) => {
            // A real secret: a subscribed calendar polling a feed that ended. Not a guess.
            return ApiError::unknown_feed().into_response();
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let permit =
        match tokio::time::timeout(WAIT_FOR_RENDER, state.feed_renders.clone().acquire_owned())
            .await
        {
            Ok(Ok(permit)) => permit,
            // Timed out behind other renders, or the relay is closing.
            Ok(Err(_)) | Err(_) => return unavailable(30),
        };
    let store = state.hub.store();
    let feed_id = feed.id.clone();
    // The permit goes with the work: if the client hangs up, the render still holds its
    // slot until it ends, so the bound holds for threads, not just for requests.
    let rendered = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        render(&store, &feed)
    })
    .await;
    let body = match rendered {
        Ok(Ok(body)) => body,
        Ok(Err(Unrendered::Missing)) => return ApiError::unknown_feed().into_response(),
        Ok(Err(Unrendered::Unavailable)) => return unavailable(300),
        Err(e) => {
            tracing::error!(feed = %feed_id, error = %e, "rendering a calendar feed failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    tracing::debug!(feed = %feed_id, bytes = body.len(), "calendar feed served");
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            // Not stored anywhere on the way or on disk: the body is a partnership's
            // commercial dates, and a revoked feed must stop at the next fetch, not when
            // a cached copy ages out. Caching would save little anyway: calendar apps poll
            // hours apart, and each render carries a new DTSTAMP. Load is bounded by the
            // render slots instead.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"tandem-partnership.ics\""),
            ),
            (
                header::HeaderName::from_static("x-robots-tag"),
                HeaderValue::from_static("noindex, nofollow"),
            ),
        ],
        body,
    )
        .into_response()
}
