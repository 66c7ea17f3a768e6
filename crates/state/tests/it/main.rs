//! Integration tests of plinth-state: the state file on disk, crashes, locks between processes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod child;
mod crash;
mod errors;
mod locking;
mod round_trip;
mod secrets;
mod storage;
