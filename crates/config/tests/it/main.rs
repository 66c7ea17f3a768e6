#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests of plinth-config: fixtures, the quick start example, robustness.

mod fixtures;
mod fmt;
mod functions;
mod hostile;
mod props;
mod provider;
mod quickstart;
