//! What the command line says about variables: `--var` and `--var-file` in the order given
//! (Terraform's rule: a later one wins over an earlier one, whatever its kind), and what a
//! required variable without a value is (an error for `plan`, unknown for `validate`).

use std::path::PathBuf;

use crate::diagnostic::SourceFile;

/// One `--var` or `--var-file` argument. `F` is what a file is: its path in
/// [`LoadOptions`](crate::LoadOptions), its contents in [`Sources`](crate::Sources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarArgument<F = PathBuf> {
    /// `--var-file FILE`.
    File(F),
    /// `--var NAME=VALUE`, raw.
    Set(String),
}

/// The command line's variable arguments once their files are read.
pub type VarSource = VarArgument<SourceFile>;

/// What a declared variable without a default and without a given value is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MissingVariables {
    /// An error: `plan` and `apply` need every value.
    #[default]
    Refused,
    /// Unknown, as any value not known until apply: `validate` checks everything else
    /// (types, references, functions of the known parts) without the values, as Terraform's
    /// does, so a pull request can be validated without its secrets.
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::{MissingVariables, VarArgument, VarSource};
    use crate::diagnostic::SourceFile;
    use crate::{Configuration, Diagnostics, Sources, Value, load_sources};

    const MAIN: &str = r#"
variable "region" {
  type    = string
  default = "from-default"
}

variable "token" {
  type      = string
  sensitive = true
}

output "region" {
  value = var.region
}

output "token_length" {
  value     = length(var.token)
  sensitive = true
}
"#;

    fn load(
        main: &str,
        arguments: Vec<VarSource>,
        missing: MissingVariables,
    ) -> Result<Configuration, Diagnostics> {
        load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", main)],
            arguments,
            missing_variables: missing,
            ..Sources::default()
        })
    }

    fn file(name: &str, text: &str) -> VarSource {
        VarArgument::File(SourceFile::new(name, text))
    }

    fn set(raw: &str) -> VarSource {
        VarArgument::Set(raw.to_owned())
    }

    fn region(config: &Configuration) -> Value {
        config
            .variables
            .iter()
            .find(|v| v.name == "region")
            .unwrap()
            .value
            .clone()
    }

    #[test]
    fn var_and_var_file_apply_in_command_line_order() {
        let later_file = load(
            MAIN,
            vec![
                set("token=t"),
                set("region=from-var"),
                file("a.vars", "region = \"from-file\"\n"),
            ],
            MissingVariables::Refused,
        )
        .unwrap();
        assert_eq!(region(&later_file), Value::string("from-file"));
        let later_var = load(
            MAIN,
            vec![
                set("token=t"),
                file("a.vars", "region = \"from-file\"\n"),
                set("region=from-var"),
            ],
            MissingVariables::Refused,
        )
        .unwrap();
        assert_eq!(region(&later_var), Value::string("from-var"));
        let two_files = load(
            MAIN,
            vec![
                file("a.vars", "region = \"a\"\ntoken = \"t\"\n"),
                file("b.vars", "region = \"b\"\n"),
            ],
            MissingVariables::Refused,
        )
        .unwrap();
        assert_eq!(region(&two_files), Value::string("b"));
    }

    #[test]
    fn a_required_variable_without_a_value_is_refused_for_plan() {
        let error = load(MAIN, Vec::new(), MissingVariables::Refused).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("no value for required variable `token`"),
            "{error}"
        );
    }

    #[test]
    fn a_required_variable_without_a_value_is_unknown_for_validate() {
        let config = load(MAIN, Vec::new(), MissingVariables::Unknown).unwrap();
        let token = config.variables.iter().find(|v| v.name == "token").unwrap();
        assert_eq!(token.value, Value::Unknown.mark_sensitive());
        assert_eq!(region(&config), Value::string("from-default"));
    }

    #[test]
    fn validate_without_values_still_checks_everything_else() {
        let broken = format!(
            "{MAIN}\noutput \"typo\" {{\n  value = var.tokne\n}}\n\noutput \"bad_call\" {{\n  value = upper(var.region, 1)\n}}\n\noutput \"bad_known_part\" {{\n  value = tonumber(\"x${{var.region}}\")\n}}\n"
        );
        let error = load(&broken, Vec::new(), MissingVariables::Unknown)
            .unwrap_err()
            .to_string();
        assert!(error.contains("undeclared variable `var.tokne`"), "{error}");
        assert!(
            error.contains("`upper` takes 1 argument, found 2"),
            "{error}"
        );
        assert!(error.contains("tonumber: cannot convert"), "{error}");
        assert!(!error.contains("no value for required variable"), "{error}");
    }
}
