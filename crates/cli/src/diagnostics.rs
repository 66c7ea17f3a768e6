//! Printing configuration diagnostics: code frames on stderr, then a one-line summary.

use std::io::{self, Write};

use plinth_config::Diagnostics;

/// Prints every diagnostic as a code frame, followed by how many errors were found.
pub fn print(diagnostics: &Diagnostics) -> io::Result<()> {
    let mut stderr = io::stderr().lock();
    write!(stderr, "{diagnostics}")?;
    let errors = diagnostics.error_count();
    if errors > 0 {
        writeln!(
            stderr,
            "\n{}: the configuration has {errors} error{}",
            console::style("error").red().bold(),
            if errors == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}
