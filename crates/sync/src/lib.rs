//! The automerge-repo network protocol, version "1", as Tandem speaks it: with any
//! automerge-repo peer (JavaScript, samod) and between its own browser and relay.
//!
//! # Layout
//! - [`message`]: the wire messages and their strict CBOR codec.
//! - [`peer_id`]: peer identity as the protocol carries it.
//! - [`presence`]: who has a document open, over ephemeral messages.
//! - [`session`]: a sans-IO session — events in, effects out, no IO, clock or randomness.

pub mod message;
pub mod peer_id;
pub mod presence;
pub mod session;
