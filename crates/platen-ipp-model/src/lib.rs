//! The IPP attribute model below both of Platen's IPP front ends: the INFRA endpoint (`platen-ipp`) and the
//! Graph `application/ipp` PATCH of a virtual printer (`platen-graph`). They are siblings over this crate,
//! not stacked on each other.
//!
//! - [`parse`]: the one RFC 8010 parser both use. It is total: every byte string gives a message or an error,
//!   never a panic, whoever sent it.
//! - [`encode`]: writing a message, each value with its own tag.
//! - [`message`]: reading request attributes and building responses on top of the `ipp` crate's types.
//! - [`mapping`]: the one IPP ⇄ Graph mapping table (printer attributes → Graph printer values, Graph job
//!   configuration → IPP job template).
//! - [`printer`]: a printer's IPP description as stored on its Graph printer, and what an IPP description
//!   changes on it.
//!
//! Pure: domain types and the IPP codec, no use cases, no I/O.

pub mod codes;
pub mod encode;
pub mod mapping;
pub mod message;
pub mod parse;
pub mod printer;

pub use codes::{op, status};
pub use parse::{ParseError, parse};

/// The `ipp` crate's types, re-exported so both front ends name the same version.
pub use ipp;
