//! End-to-end tests of the emulator over HTTP on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod catalogue;
mod client;
mod concurrency;
mod contract;
mod errors;
mod faults;
mod lifecycle;
mod persistence;
mod realism;
mod scale;
mod support;
