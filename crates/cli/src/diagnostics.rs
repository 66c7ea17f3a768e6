//! Printing configuration diagnostics (code frames on stderr, then a one-line summary), and
//! which causes of an error its message does not already say.

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

/// The causes of `error` to print after its message, outermost first: those whose text the
/// message and the causes before them do not already include. plinth's errors say their cause
/// in their own message (`cannot read `x`: Is a directory`) and also return it as their
/// `source()`, for programs that walk the chain; printing both would say it twice.
pub fn causes_to_show(error: &anyhow::Error) -> Vec<String> {
    let mut said = error.to_string();
    let mut shown = Vec::new();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !said.contains(&text) {
            said.push('\n');
            said.push_str(&text);
            shown.push(text);
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read `cloud.json`: {source}")]
    struct Saying {
        source: std::io::Error,
    }

    #[test]
    fn a_cause_the_message_already_says_is_not_printed_again() {
        let error = anyhow::Error::from(Saying {
            source: std::io::Error::other("Is a directory (os error 21)"),
        });
        assert!(causes_to_show(&error).is_empty());
    }

    #[test]
    fn a_cause_the_message_does_not_say_is_printed_once() {
        let error = anyhow::Error::from(Saying {
            source: std::io::Error::other("Is a directory (os error 21)"),
        })
        .context("cannot start the emulator");
        assert_eq!(
            causes_to_show(&error),
            ["cannot read `cloud.json`: Is a directory (os error 21)"]
        );
    }
}
