//! Every share as an IPP Everywhere printer, exercised by real clients: CUPS' `ipptool` with its shipped
//! conformance files, a private `cupsd` with an `everywhere` queue, and requests built byte by byte for what
//! those tools cannot send (bad input, other users' credentials). The tools come from Debian's cups,
//! cups-client and cups-ipp-utils, which the test command installs; a missing tool fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ipp_everywhere {
    pub mod access;
    pub mod bad_input;
    pub mod conformance;
    pub mod cupsd;
    pub mod events;
    pub mod jobs;
    pub mod policies;
    pub mod support;
    pub mod transport;
}
