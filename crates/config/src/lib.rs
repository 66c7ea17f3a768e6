//! plinth-config: not written yet.

mod format;

pub use format::{FormatError, format_source};
