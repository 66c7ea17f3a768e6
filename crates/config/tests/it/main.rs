//! Integration tests of plinth-config, one binary for the crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fmt;
