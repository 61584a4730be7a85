//! Every call of the relay's HTTP API as a type: its method and path, the JSON body it
//! sends and the answer it gets. The relay's handlers read and write these structs and the
//! app sends and reads the same ones, so a field renamed on one side fails to compile on
//! the other. A refusal is always a [`Refusal`].

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::{LinkStatus, Reason, Role, Side};
use crate::document_id::DocumentId;

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// One call: what it sends (its JSON body, from `Serialize`; fields that only shape the
/// path are skipped) and what it answers.
pub trait Call: Serialize {
    const METHOD: Method;
    /// Whether the call sends its fields as a JSON body.
    const HAS_BODY: bool;
    /// What the relay answers when the call succeeds.
    type Answer: Serialize + DeserializeOwned;
    /// The path under the relay's origin (`/api/…`).
    fn path(&self) -> String;
}

/// `POST /api/devices`: registers the caller's credential (sent as the bearer token).
#[derive(Debug, Clone, Serialize)]
pub struct RegisterDevice;

/// The device the credential names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceAnswer {
    pub device: String,
}

impl Call for RegisterDevice {
    const METHOD: Method = Method::Post;
    const HAS_BODY: bool = false;
    type Answer = DeviceAnswer;
    fn path(&self) -> String {
        "/api/devices".to_owned()
    }
}

/// `POST /api/docs/{id}`: claims an unclaimed partnership; the caller becomes its owner.
#[derive(Debug, Clone, Serialize)]
pub struct Claim {
    #[serde(skip)]
    pub document: DocumentId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claimed {
    pub document: DocumentId,
    pub role: Role,
}

impl Call for Claim {
    const METHOD: Method = Method::Post;
    const HAS_BODY: bool = false;
    type Answer = Claimed;
    fn path(&self) -> String {
        format!("/api/docs/{}", self.document)
    }
}

/// `GET /api/docs/{id}/access`: the caller's role, or a refusal saying why it has none
/// ([`Reason::Revoked`], [`Reason::Expired`], [`Reason::NoAccess`]).
#[derive(Debug, Clone, Serialize)]
pub struct GetAccess {
    #[serde(skip)]
    pub document: DocumentId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessAnswer {
    pub role: Role,
}

impl Call for GetAccess {
    const METHOD: Method = Method::Get;
    const HAS_BODY: bool = false;
    type Answer = AccessAnswer;
    fn path(&self) -> String {
        format!("/api/docs/{}/access", self.document)
    }
}

/// An invite link (or a recovery key) as its owner sees it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    pub id: String,
    pub document: String,
    pub role: Role,
    pub label: String,
    /// The side the link is for, if its maker said (links made before this have none).
    #[serde(default)]
    pub side: Option<Side>,
    pub created_ms: i64,
    pub expires_ms: Option<i64>,
    pub revoked_ms: Option<i64>,
    pub last_used_ms: Option<i64>,
    /// The device that made it (`None` for links made before this was recorded).
    #[serde(default)]
    pub created_by: Option<String>,
    /// The links its maker's ownership came through when it was made — empty when the
    /// maker owned the partnership by claiming it. Once all of them are revoked, so is
    /// this one: a recovery key's holder cannot keep ownership by minting links.
    #[serde(default)]
    pub made_through: Vec<String>,
}

impl LinkInfo {
    /// Whether it still works at `now_ms`.
    pub fn status(&self, now_ms: i64) -> LinkStatus {
        if self.revoked_ms.is_some() {
            LinkStatus::Revoked
        } else if self.expires_ms.is_some_and(|e| e <= now_ms) {
            LinkStatus::Expired
        } else {
            LinkStatus::Active
        }
    }
}

/// `GET /api/docs/{id}/links` (the owner only): the partnership's links, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct ListLinks {
    #[serde(skip)]
    pub document: DocumentId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkList {
    pub links: Vec<LinkInfo>,
}

impl Call for ListLinks {
    const METHOD: Method = Method::Get;
    const HAS_BODY: bool = false;
    type Answer = LinkList;
    fn path(&self) -> String {
        format!("/api/docs/{}/links", self.document)
    }
}

/// `POST /api/docs/{id}/links` (the owner only): a new link.
#[derive(Debug, Clone, Serialize)]
pub struct CreateLink {
    #[serde(skip)]
    pub document: DocumentId,
    #[serde(flatten)]
    pub link: LinkRequest,
}

/// What a new link grants, and to whom (the body of [`CreateLink`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRequest {
    pub role: Role,
    /// Who it is for, in the owner's words.
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub side: Option<Side>,
    #[serde(default)]
    pub expires_ms: Option<i64>,
}

/// The new link and its secret, given this once and never stored by the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLink {
    #[serde(flatten)]
    pub link: LinkInfo,
    pub secret: String,
}

impl Call for CreateLink {
    const METHOD: Method = Method::Post;
    const HAS_BODY: bool = true;
    type Answer = NewLink;
    fn path(&self) -> String {
        format!("/api/docs/{}/links", self.document)
    }
}

/// `DELETE /api/docs/{id}/links/{link}` (the owner only): revokes a link and every link
/// made through it; live sessions that relied on them end at once.
#[derive(Debug, Clone, Serialize)]
pub struct RevokeLink {
    #[serde(skip)]
    pub document: DocumentId,
    #[serde(skip)]
    pub link: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedLink {
    #[serde(flatten)]
    pub link: LinkInfo,
    /// The links made through it, revoked with it.
    pub also_revoked: Vec<String>,
}

impl Call for RevokeLink {
    const METHOD: Method = Method::Delete;
    const HAS_BODY: bool = false;
    type Answer = RevokedLink;
    fn path(&self) -> String {
        format!("/api/docs/{}/links/{}", self.document, self.link)
    }
}

/// `POST /api/redeem`: grants the caller the role of the link whose secret it sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redeem {
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redeemed {
    pub document: DocumentId,
    pub role: Role,
    pub label: String,
}

impl Call for Redeem {
    const METHOD: Method = Method::Post;
    const HAS_BODY: bool = true;
    type Answer = Redeemed;
    fn path(&self) -> String {
        "/api/redeem".to_owned()
    }
}

/// `POST /api/links/describe`: what a link would give, granting nothing (the join page
/// shows it before the person agrees).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribeLink {
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkDescription {
    pub role: Role,
    pub label: String,
    pub side: Option<Side>,
    pub expires_ms: Option<i64>,
    pub status: LinkStatus,
}

impl Call for DescribeLink {
    const METHOD: Method = Method::Post;
    const HAS_BODY: bool = true;
    type Answer = LinkDescription;
    fn path(&self) -> String {
        "/api/links/describe".to_owned()
    }
}

/// A calendar subscription feed as its owner sees it: never its secret. Whoever holds
/// the secret reads the partnership's dated obligations at `/calendar/<secret>.ics`
/// ([`feed_path`]), titled in `lang`, until it is revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedInfo {
    pub id: String,
    pub document: String,
    /// Whose calendar it is for, in the owner's words.
    pub label: String,
    /// The language of its titles (`en`, `ru`).
    pub lang: String,
    pub created_ms: i64,
    pub revoked_ms: Option<i64>,
    /// Whether it still serves: revoked also when it was made through a recovery key
    /// that has since been revoked, expired when that key expired.
    pub status: LinkStatus,
}

/// The path of a feed under the relay's origin, for its secret.
pub fn feed_path(secret: &str) -> String {
    format!("/calendar/{secret}.ics")
}

/// `GET /api/docs/{id}/feeds` (the owner only): the partnership's feeds, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct ListFeeds {
    #[serde(skip)]
    pub document: DocumentId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedList {
    pub feeds: Vec<FeedInfo>,
}

impl Call for ListFeeds {
    const METHOD: Method = Method::Get;
    const HAS_BODY: bool = false;
    type Answer = FeedList;
    fn path(&self) -> String {
        format!("/api/docs/{}/feeds", self.document)
    }
}

/// `POST /api/docs/{id}/feeds` (the owner only): a new calendar feed.
#[derive(Debug, Clone, Serialize)]
pub struct CreateFeed {
    #[serde(skip)]
    pub document: DocumentId,
    #[serde(flatten)]
    pub feed: FeedRequest,
}

/// The body of [`CreateFeed`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedRequest {
    #[serde(default)]
    pub label: String,
    /// `en` or `ru`.
    pub lang: String,
}

/// The new feed and its secret, given this once and never stored by the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFeed {
    #[serde(flatten)]
    pub feed: FeedInfo,
    pub secret: String,
}

impl Call for CreateFeed {
    const METHOD: Method = Method::Post;
    const HAS_BODY: bool = true;
    type Answer = NewFeed;
    fn path(&self) -> String {
        format!("/api/docs/{}/feeds", self.document)
    }
}

/// `DELETE /api/docs/{id}/feeds/{feed}` (the owner only): the feed answers 404 from now.
#[derive(Debug, Clone, Serialize)]
pub struct RevokeFeed {
    #[serde(skip)]
    pub document: DocumentId,
    #[serde(skip)]
    pub feed: String,
}

impl Call for RevokeFeed {
    const METHOD: Method = Method::Delete;
    const HAS_BODY: bool = false;
    type Answer = FeedInfo;
    fn path(&self) -> String {
        format!("/api/docs/{}/feeds/{}", self.document, self.feed)
    }
}

/// `GET /api/relays` (no credential needed): the other automerge-repo servers the page may
/// sync with (`--allow-relay`).
#[derive(Debug, Clone, Serialize)]
pub struct AllowedRelays;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayList {
    pub allowed: Vec<String>,
}

impl Call for AllowedRelays {
    const METHOD: Method = Method::Get;
    const HAS_BODY: bool = false;
    type Answer = RelayList;
    fn path(&self) -> String {
        "/api/relays".to_owned()
    }
}

/// Every refusal's body: a machine-readable reason and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    reason: String,
    /// What happened, in English, for people (and logs).
    pub error: String,
}

impl Refusal {
    pub fn new(reason: Reason, error: impl Into<String>) -> Self {
        Refusal {
            reason: reason.as_str().to_owned(),
            error: error.into(),
        }
    }

    /// The reason, unless it is one this version does not know (a newer relay's).
    pub fn reason(&self) -> Option<Reason> {
        self.reason.parse().ok()
    }
}
