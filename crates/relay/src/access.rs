//! Who may sync which partnership: devices, owners, invite links and the grants they give.
//!
//! - A **device** is one browser (or any client). It names itself with a random id and a
//!   secret — the credential `<device id>.<secret>` — and registers once; the relay keeps
//!   only the SHA-256 of the secret. Every API call and every sync socket presents it.
//!   A connection's peer id must be the device id or start with `<device id>-`, so a peer
//!   cannot speak (or show presence) as another device.
//! - The device that **claims** a partnership first becomes its owner.
//! - An owner makes **links**: role (viewer, editor, or owner for a recovery key), label,
//!   optional expiry. A link's secret `<link id>.<secret>` travels in a URL fragment and is
//!   stored hashed. Redeeming it gives the redeeming device a grant *through that link*,
//!   so revoking or expiring the link takes the access away from every device that used it.
//!
//! Everything lives in memory, written through to `access.redb` in the data folder. Secret
//! hashes are compared in constant time, and no secret is ever logged.

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex, MutexGuard},
};

use rand::RngCore;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tandem_domain::document_id::DocumentId;
use tandem_sync::peer_id::PeerId;

const DEVICES: TableDefinition<&str, &str> = TableDefinition::new("devices");
const DOCS: TableDefinition<&str, &str> = TableDefinition::new("docs");
const LINKS: TableDefinition<&str, &str> = TableDefinition::new("links");
const GRANTS: TableDefinition<&str, &str> = TableDefinition::new("grants");

/// The file under the data folder.
pub const FILE_NAME: &str = "access.redb";

/// What a credential lets its holder do with one partnership. Ordered: more is greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Receives the partnership; any change it sends is refused.
    Viewer,
    /// Reads and writes.
    Editor,
    /// Reads, writes, and makes and revokes links.
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Owner => "owner",
        }
    }
}

/// Which side of the partnership a link is for (so the person who opens it is asked for
/// their name with the right side already chosen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Brand,
    Creator,
}

/// Why a device has no access to a partnership it once had (or never had).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoAccess {
    Revoked,
    Expired,
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DeviceRec {
    secret_hash: String,
    created_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DocRec {
    owner: String,
    created_ms: i64,
}

/// An invite link (or a recovery key), without its secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Link {
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
    #[serde(skip_serializing, default)]
    secret_hash: String,
}

impl Link {
    fn state(&self, now_ms: i64) -> Result<(), NoAccess> {
        if self.revoked_ms.is_some() {
            Err(NoAccess::Revoked)
        } else if self.expires_ms.is_some_and(|e| e <= now_ms) {
            Err(NoAccess::Expired)
        } else {
            Ok(())
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Via {
    Owner,
    Link(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Grant {
    document: String,
    role: Role,
    via: Via,
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("cannot open the access store {path}: {message}")]
    Open { path: String, message: String },
    #[error("the access store failed: {0}")]
    Store(String),
    #[error("the credential is not valid")]
    BadCredential,
    #[error("that device id is taken")]
    DeviceTaken,
    #[error("this partnership is already registered by its owner; ask them for a link")]
    AlreadyOwned,
    #[error("only the owner of this partnership can do that")]
    NotOwner,
    #[error("this link is not valid")]
    UnknownLink,
    #[error("this link was revoked")]
    Revoked,
    #[error("this link has expired")]
    Expired,
    #[error("{0}")]
    Invalid(String),
}

fn store_err(e: impl std::fmt::Display) -> AccessError {
    AccessError::Store(e.to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex(&buf)
}

/// `<id>.<secret>` with a lowercase-hex id of 16 characters and a secret of 64 (256 bits).
fn split_secret(credential: &str) -> Option<(&str, &str)> {
    let (id, secret) = credential.split_once('.')?;
    let hexish = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hexish(id, 16) && hexish(secret, 64)).then_some((id, secret))
}

fn same_hash(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Whether a peer id belongs to a device: the id itself or `<id>-<anything>`.
pub fn peer_belongs_to(peer: &PeerId, device: &str) -> bool {
    let p = peer.as_str();
    p == device
        || p.strip_prefix(device)
            .is_some_and(|rest| rest.starts_with('-'))
}

#[derive(Default)]
struct State {
    devices: HashMap<String, DeviceRec>,
    docs: HashMap<String, DocRec>,
    links: HashMap<String, Link>,
    grants: HashMap<String, Vec<Grant>>,
}

/// The access rules, shared by the API handlers and the sync hub. Cheap to clone.
#[derive(Clone)]
pub struct Access {
    db: Arc<Database>,
    state: Arc<Mutex<State>>,
}

/// What redeeming a link gave.
#[derive(Debug, Clone, Serialize)]
pub struct Redeemed {
    pub document: String,
    pub role: Role,
    pub label: String,
}

/// A new link and its secret (shown once, never stored).
#[derive(Debug, Clone, Serialize)]
pub struct NewLink {
    #[serde(flatten)]
    pub link: Link,
    pub secret: String,
}

impl Access {
    pub fn open(data_dir: &Path) -> Result<Self, AccessError> {
        let path = data_dir.join(FILE_NAME);
        let open_err = |e: &dyn std::fmt::Display| AccessError::Open {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let db = Database::create(&path).map_err(|e| open_err(&e))?;
        let txn = db.begin_write().map_err(|e| open_err(&e))?;
        for table in [DEVICES, DOCS, LINKS, GRANTS] {
            txn.open_table(table).map_err(|e| open_err(&e))?;
        }
        txn.commit().map_err(|e| open_err(&e))?;
        let mut state = State::default();
        {
            let txn = db.begin_read().map_err(|e| open_err(&e))?;
            let read =
                |table: TableDefinition<&str, &str>| -> Result<Vec<(String, String)>, AccessError> {
                    let t = txn.open_table(table).map_err(|e| open_err(&e))?;
                    let mut out = Vec::new();
                    for entry in t.iter().map_err(|e| open_err(&e))? {
                        let (k, v) = entry.map_err(|e| open_err(&e))?;
                        out.push((k.value().to_owned(), v.value().to_owned()));
                    }
                    Ok(out)
                };
            let parse = |what: &str, key: &str, e: serde_json::Error| AccessError::Open {
                path: path.display().to_string(),
                message: format!("{what} {key} is unreadable: {e}"),
            };
            for (k, v) in read(DEVICES)? {
                let rec = serde_json::from_str(&v).map_err(|e| parse("device", &k, e))?;
                state.devices.insert(k, rec);
            }
            for (k, v) in read(DOCS)? {
                let rec = serde_json::from_str(&v).map_err(|e| parse("document", &k, e))?;
                state.docs.insert(k, rec);
            }
            for (k, v) in read(LINKS)? {
                #[derive(Deserialize)]
                struct Stored {
                    #[serde(flatten)]
                    link: Link,
                    secret_hash: String,
                }
                let stored: Stored = serde_json::from_str(&v).map_err(|e| parse("link", &k, e))?;
                let mut link = stored.link;
                link.secret_hash = stored.secret_hash;
                state.links.insert(k, link);
            }
            for (k, v) in read(GRANTS)? {
                let rec = serde_json::from_str(&v).map_err(|e| parse("grants of", &k, e))?;
                state.grants.insert(k, rec);
            }
        }
        Ok(Access {
            db: Arc::new(db),
            state: Arc::new(Mutex::new(state)),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the maps consistent (every write is
        // stored first, then applied), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write(
        &self,
        table: TableDefinition<&str, &str>,
        key: &str,
        value: &str,
    ) -> Result<(), AccessError> {
        let txn = self.db.begin_write().map_err(store_err)?;
        {
            let mut t = txn.open_table(table).map_err(store_err)?;
            t.insert(key, value).map_err(store_err)?;
        }
        txn.commit().map_err(store_err)
    }

    fn write_link(&self, link: &Link) -> Result<(), AccessError> {
        let mut value = serde_json::to_value(link).map_err(store_err)?;
        value["secret_hash"] = serde_json::Value::String(link.secret_hash.clone());
        self.write(LINKS, &link.id, &value.to_string())
    }

    fn write_grants(&self, device: &str, grants: &[Grant]) -> Result<(), AccessError> {
        let json = serde_json::to_string(grants).map_err(store_err)?;
        self.write(GRANTS, device, &json)
    }

    /// Registers a device under the credential it made for itself. Registering the same
    /// credential again is fine; another secret for a known id is refused.
    pub fn register_device(
        &self,
        credential: &str,
        now_ms: i64,
    ) -> Result<(String, bool), AccessError> {
        let (id, secret) = split_secret(credential).ok_or(AccessError::BadCredential)?;
        let secret_hash = hash(secret);
        let mut state = self.lock();
        if let Some(existing) = state.devices.get(id) {
            return if same_hash(&existing.secret_hash, &secret_hash) {
                Ok((id.to_owned(), false))
            } else {
                Err(AccessError::DeviceTaken)
            };
        }
        let rec = DeviceRec {
            secret_hash,
            created_ms: now_ms,
        };
        self.write(
            DEVICES,
            id,
            &serde_json::to_string(&rec).map_err(store_err)?,
        )?;
        state.devices.insert(id.to_owned(), rec);
        Ok((id.to_owned(), true))
    }

    /// The device a credential names, if the credential is right.
    pub fn authenticate(&self, credential: &str) -> Option<String> {
        let (id, secret) = split_secret(credential)?;
        let secret_hash = hash(secret);
        let state = self.lock();
        let rec = state.devices.get(id)?;
        same_hash(&rec.secret_hash, &secret_hash).then(|| id.to_owned())
    }

    /// Makes `device` the owner of a partnership nobody has claimed. Claiming one's own
    /// partnership again is fine.
    pub fn claim(
        &self,
        device: &str,
        document: &DocumentId,
        now_ms: i64,
    ) -> Result<bool, AccessError> {
        let key = document.to_string();
        let mut state = self.lock();
        if let Some(rec) = state.docs.get(&key) {
            return if rec.owner == device {
                Ok(false)
            } else {
                Err(AccessError::AlreadyOwned)
            };
        }
        let rec = DocRec {
            owner: device.to_owned(),
            created_ms: now_ms,
        };
        let mut grants = state.grants.get(device).cloned().unwrap_or_default();
        grants.push(Grant {
            document: key.clone(),
            role: Role::Owner,
            via: Via::Owner,
        });
        self.write(DOCS, &key, &serde_json::to_string(&rec).map_err(store_err)?)?;
        self.write_grants(device, &grants)?;
        state.docs.insert(key, rec);
        state.grants.insert(device.to_owned(), grants);
        Ok(true)
    }

    /// What `device` may do with a partnership now, or why it may not.
    pub fn role(&self, device: &str, document: &DocumentId, now_ms: i64) -> Result<Role, NoAccess> {
        let state = self.lock();
        role_in(&state, device, &document.to_string(), now_ms)
    }

    fn require_owner(
        state: &State,
        device: &str,
        document: &str,
        now_ms: i64,
    ) -> Result<(), AccessError> {
        match role_in(state, device, document, now_ms) {
            Ok(Role::Owner) => Ok(()),
            _ => Err(AccessError::NotOwner),
        }
    }

    /// Makes a link (the owner only). The secret is returned once and stored hashed.
    // Each argument is one field of the link a person filled in; a struct for them is
    // a worthwhile follow-up, not done under the #16 deadline.
    #[allow(clippy::too_many_arguments)]
    pub fn create_link(
        &self,
        device: &str,
        document: &DocumentId,
        role: Role,
        label: &str,
        side: Option<Side>,
        expires_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<NewLink, AccessError> {
        let key = document.to_string();
        let label = label.trim();
        if label.chars().count() > 200 {
            return Err(AccessError::Invalid(
                "a label may be at most 200 characters".into(),
            ));
        }
        if expires_ms.is_some_and(|e| e <= now_ms) {
            return Err(AccessError::Invalid(
                "the expiry must be in the future".into(),
            ));
        }
        let mut state = self.lock();
        Self::require_owner(&state, device, &key, now_ms)?;
        let id = random_hex(8);
        let secret = random_hex(32);
        let link = Link {
            id: id.clone(),
            document: key,
            role,
            label: label.to_owned(),
            side,
            created_ms: now_ms,
            expires_ms,
            revoked_ms: None,
            last_used_ms: None,
            secret_hash: hash(&secret),
        };
        self.write_link(&link)?;
        state.links.insert(id.clone(), link.clone());
        Ok(NewLink {
            link,
            secret: format!("{id}.{secret}"),
        })
    }

    /// A partnership's links, newest first (the owner only).
    pub fn links(
        &self,
        device: &str,
        document: &DocumentId,
        now_ms: i64,
    ) -> Result<Vec<Link>, AccessError> {
        let key = document.to_string();
        let state = self.lock();
        Self::require_owner(&state, device, &key, now_ms)?;
        let mut links: Vec<Link> = state
            .links
            .values()
            .filter(|l| l.document == key)
            .cloned()
            .collect();
        links.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(a.id.cmp(&b.id)));
        Ok(links)
    }

    /// Revokes a link (the owner only). Revoking twice is fine.
    pub fn revoke(
        &self,
        device: &str,
        document: &DocumentId,
        link_id: &str,
        now_ms: i64,
    ) -> Result<Link, AccessError> {
        let key = document.to_string();
        let mut state = self.lock();
        Self::require_owner(&state, device, &key, now_ms)?;
        let mut link = state
            .links
            .get(link_id)
            .filter(|l| l.document == key)
            .cloned()
            .ok_or(AccessError::UnknownLink)?;
        if link.revoked_ms.is_none() {
            link.revoked_ms = Some(now_ms);
            self.write_link(&link)?;
            state.links.insert(link.id.clone(), link.clone());
        }
        Ok(link)
    }

    /// What a link would grant, without redeeming it (the join page shows this before
    /// the person agrees): the link as its owner sees it, but never which partnership
    /// or anything in it. An unknown secret is refused like a failed redeem.
    pub fn describe(&self, link_secret: &str) -> Result<Link, AccessError> {
        let (id, secret) = split_secret(link_secret).ok_or(AccessError::UnknownLink)?;
        let secret_hash = hash(secret);
        let state = self.lock();
        state
            .links
            .get(id)
            .filter(|l| same_hash(&l.secret_hash, &secret_hash))
            .cloned()
            .ok_or(AccessError::UnknownLink)
    }

    /// Gives `device` the access a link grants.
    pub fn redeem(
        &self,
        device: &str,
        link_secret: &str,
        now_ms: i64,
    ) -> Result<Redeemed, AccessError> {
        let (id, secret) = split_secret(link_secret).ok_or(AccessError::UnknownLink)?;
        let secret_hash = hash(secret);
        let mut state = self.lock();
        let mut link = state
            .links
            .get(id)
            .filter(|l| same_hash(&l.secret_hash, &secret_hash))
            .cloned()
            .ok_or(AccessError::UnknownLink)?;
        link.state(now_ms).map_err(|why| match why {
            NoAccess::Revoked => AccessError::Revoked,
            NoAccess::Expired => AccessError::Expired,
            NoAccess::None => AccessError::UnknownLink,
        })?;
        let mut grants = state.grants.get(device).cloned().unwrap_or_default();
        let via = Via::Link(link.id.clone());
        if !grants.iter().any(|g| g.via == via) {
            grants.push(Grant {
                document: link.document.clone(),
                role: link.role,
                via,
            });
            self.write_grants(device, &grants)?;
            state.grants.insert(device.to_owned(), grants);
        }
        link.last_used_ms = Some(now_ms);
        self.write_link(&link)?;
        state.links.insert(link.id.clone(), link.clone());
        Ok(Redeemed {
            document: link.document,
            role: link.role,
            label: link.label,
        })
    }

    /// Notes that a device used its links to a partnership (for "last used").
    pub fn touch(&self, device: &str, document: &DocumentId, now_ms: i64) {
        let key = document.to_string();
        let mut state = self.lock();
        let via: Vec<String> = state
            .grants
            .get(device)
            .into_iter()
            .flatten()
            .filter(|g| g.document == key)
            .filter_map(|g| match &g.via {
                Via::Link(id) => Some(id.clone()),
                Via::Owner => None,
            })
            .collect();
        for id in via {
            let Some(mut link) = state.links.get(&id).cloned() else {
                continue;
            };
            // At most one write a minute per link.
            if link.last_used_ms.is_some_and(|t| now_ms - t < 60_000) {
                continue;
            }
            link.last_used_ms = Some(now_ms);
            if let Err(e) = self.write_link(&link) {
                tracing::warn!(link = %link.id, error = %e, "cannot note when a link was last used");
                continue;
            }
            state.links.insert(id, link);
        }
    }
}

fn role_in(state: &State, device: &str, document: &str, now_ms: i64) -> Result<Role, NoAccess> {
    let mut best: Option<Role> = None;
    let mut why = NoAccess::None;
    for grant in state.grants.get(device).into_iter().flatten() {
        if grant.document != document {
            continue;
        }
        let valid = match &grant.via {
            Via::Owner => Ok(()),
            Via::Link(id) => state
                .links
                .get(id)
                .map_or(Err(NoAccess::Revoked), |l| l.state(now_ms)),
        };
        match valid {
            Ok(()) => best = best.max(Some(grant.role)),
            Err(w) => {
                // "Revoked" wins over "expired" when both apply: it was a decision.
                if why != NoAccess::Revoked {
                    why = w;
                }
            }
        }
    }
    best.ok_or(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(n: u8) -> String {
        format!("{:016x}.{}", u64::from(n) + 0xabc0, "ab".repeat(32))
    }

    #[test]
    fn owner_links_roles_revocation_and_expiry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let access = Access::open(dir.path()).expect("opens");
        let doc: DocumentId = DocumentId::from_bytes([7; 16]);
        let (owner, created) = access.register_device(&device(1), 0).expect("registers");
        assert!(created);
        let (guest, _) = access.register_device(&device(2), 0).expect("registers");
        assert!(matches!(
            access.register_device(&format!("{owner}.{}", "cd".repeat(32)), 0),
            Err(AccessError::DeviceTaken)
        ));
        assert_eq!(access.authenticate(&device(1)), Some(owner.clone()));
        assert_eq!(
            access.authenticate(&format!("{owner}.{}", "cd".repeat(32))),
            None
        );

        assert!(access.claim(&owner, &doc, 1).expect("claims"));
        assert!(!access.claim(&owner, &doc, 1).expect("claims again"));
        assert!(matches!(
            access.claim(&guest, &doc, 1),
            Err(AccessError::AlreadyOwned)
        ));
        assert_eq!(access.role(&guest, &doc, 1), Err(NoAccess::None));
        assert!(matches!(
            access.create_link(&guest, &doc, Role::Editor, "", None, None, 1),
            Err(AccessError::NotOwner)
        ));

        let editor = access
            .create_link(
                &owner,
                &doc,
                Role::Editor,
                "Anna, Studio",
                Some(Side::Creator),
                Some(100),
                1,
            )
            .expect("link");
        let viewer = access
            .create_link(&owner, &doc, Role::Viewer, "", None, None, 2)
            .expect("link");
        assert!(matches!(
            access.redeem(
                &guest,
                &format!("{}.{}", editor.link.id, "00".repeat(32)),
                3
            ),
            Err(AccessError::UnknownLink)
        ));
        access.redeem(&guest, &viewer.secret, 3).expect("redeems");
        assert_eq!(access.role(&guest, &doc, 3), Ok(Role::Viewer));
        access.redeem(&guest, &editor.secret, 4).expect("redeems");
        assert_eq!(access.role(&guest, &doc, 4), Ok(Role::Editor));
        // The editor link expires at 100: the viewer link still holds.
        assert_eq!(access.role(&guest, &doc, 100), Ok(Role::Viewer));
        access
            .revoke(&owner, &doc, &viewer.link.id, 50)
            .expect("revokes");
        assert_eq!(access.role(&guest, &doc, 60), Ok(Role::Editor));
        assert_eq!(access.role(&guest, &doc, 100), Err(NoAccess::Revoked));
        assert!(matches!(
            access.redeem(&guest, &viewer.secret, 60),
            Err(AccessError::Revoked)
        ));
        assert!(matches!(
            access.redeem(&guest, &editor.secret, 200),
            Err(AccessError::Expired)
        ));
        let links = access.links(&owner, &doc, 60).expect("lists");
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].id, viewer.link.id, "newest first");

        // Everything survives a restart.
        drop(access);
        let access = Access::open(dir.path()).expect("reopens");
        assert_eq!(access.role(&owner, &doc, 1000), Ok(Role::Owner));
        assert_eq!(access.role(&guest, &doc, 60), Ok(Role::Editor));
        assert!(matches!(
            access.redeem(&guest, &viewer.secret, 60),
            Err(AccessError::Revoked)
        ));
        assert_eq!(access.authenticate(&device(2)), Some(guest));
    }

    #[test]
    fn credentials_must_have_the_right_shape() {
        assert!(split_secret("0123456789abcdef.").is_none());
        assert!(split_secret(&format!("0123456789abcde.{}", "a".repeat(64))).is_none());
        assert!(split_secret(&format!("0123456789abcdef.{}", "g".repeat(64))).is_none());
        assert!(split_secret(&format!("0123456789abcdef.{}", "a".repeat(64))).is_some());
        let peer = |s: &str| s.parse::<PeerId>().expect("peer id");
        assert!(peer_belongs_to(
            &peer("0123456789abcdef"),
            "0123456789abcdef"
        ));
        assert!(peer_belongs_to(
            &peer("0123456789abcdef-tab1"),
            "0123456789abcdef"
        ));
        assert!(!peer_belongs_to(
            &peer("0123456789abcdefx"),
            "0123456789abcdef"
        ));
        assert!(!peer_belongs_to(&peer("other"), "0123456789abcdef"));
    }
}
