//! Integration tests of the cloud client against local HTTP servers on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod listing;
mod messages;
mod resources;
mod retries;
mod seeds;
mod signing;
mod support;
mod waiting;
