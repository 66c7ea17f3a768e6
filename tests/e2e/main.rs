//! End-to-end tests: the real `plinth` binary, run in temporary directories and against the real
//! emulator on 127.0.0.1. Nothing here reaches beyond loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod blocks;
mod ci;
mod cli;
mod conditions;
mod discover;
mod docs;
mod emulator;
mod emulator_flags;
mod fmt;
mod hostile;
mod lifecycle;
mod listing;
mod modules;
mod moves;
mod pg;
mod plans;
mod recover;
mod regions;
mod resilience;
mod review;
mod secrets;
mod state;
mod support;
mod templates;
mod terminal;
mod validate;
mod workspaces;
