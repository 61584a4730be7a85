//! The automerge-repo network protocol, version "1", as Tandem speaks it: with any
//! automerge-repo peer (JavaScript, samod) and between its own browser and relay.
//!
//! # Layout
//! - [`api`]: the relay's HTTP API as both sides read it (refusal reasons).
//! - [`cbor`]: a CBOR reader over a frame that skips what it does not keep.
//! - [`document_id`]: document identity in the automerge-repo format.
//! - [`message`]: the wire messages and their strict CBOR codec.
//! - [`peer_id`]: peer identity as the protocol carries it.
//! - [`presence`]: who has a document open, over ephemeral messages.
//! - [`session`]: a sans-IO session — events in, effects out, no IO, clock or randomness.
//! - [`sync_payload`]: the bounds an Automerge sync payload must keep before Automerge sees it.

pub mod api;
pub mod cbor;
#[doc(hidden)]
pub mod crafted;
pub mod document_id;
pub mod message;
pub mod peer_id;
pub mod presence;
pub mod session;
pub mod sync_payload;
