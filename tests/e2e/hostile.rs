//! Hostile input through the binary: sensitive values that would become instance keys or show
//! in messages, and inputs that crashed `validate`. Each is a clear error with exit status 1,
//! the secret's plaintext is in no output, and nothing reaches the cloud or the state.

use crate::support::{Cloud, Project, Run, plinth};

/// The secret; `--var token=…` gives it, so that no source line holds it.
const SECRET: &str = "hunter2-e2e";

const TOKEN: &str = r#"
variable "token" {
  type      = string
  sensitive = true
}

variable "pin" {
  type      = number
  sensitive = true
  default   = 1
}
"#;

fn assert_no_secret(run: &Run) {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.to_lowercase().contains(SECRET),
            "the secret is on {stream}:\n{text}"
        );
    }
}

/// `plinth <args> --var token=SECRET` in `project`, with `env`.
fn run(project: &Project, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = plinth();
    command
        .arg("--chdir")
        .arg(project.path())
        .args(args)
        .args(["--var", &format!("token={SECRET}")]);
    for (name, value) in env {
        command.env(name, value);
    }
    Run::from(command.output().unwrap())
}

#[test]
fn a_sensitive_for_each_key_is_refused_before_anything_is_installed() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write(
        "main.hcl",
        &format!(
            "{}{TOKEN}\nresource \"huaweicloud_modelarts_pool_plugin\" \"p\" {{\n  for_each      = {{ for k in [var.token] : \"${{k}}-pool\" => k }}\n  pool_name     = each.key\n  template_name = \"gpu-beta\"\n}}\n",
            cloud.provider()
        ),
    );
    for args in [
        &["validate"][..],
        &["validate", "--json"],
        &["plan"],
        &["plan", "--json"],
        &["apply", "--auto-approve"],
    ] {
        let run = run(&project, args, &[]);
        run.code(1);
        assert_no_secret(&run);
        let shown = format!("{}{}", run.stdout, run.stderr);
        assert!(
            shown.contains("invalid `for_each` argument: sensitive values, or values derived from sensitive values, cannot be used as `for_each` arguments"),
            "{args:?}:\n{shown}"
        );
    }
    let snapshot = cloud.snapshot();
    assert!(snapshot.plugins.is_empty() && snapshot.installs.is_empty());
    assert!(!project.path().join("plinth.state.json").exists());
}

#[test]
fn errors_about_sensitive_values_show_sensitive_value() {
    let project = Project::new();
    for (expr, expected) in [
        (
            "tonumber(var.token)",
            "tonumber: cannot convert `(sensitive value)` to number",
        ),
        ("file(var.token)", "file: cannot read `(sensitive value)`"),
        (
            "{ a = 1 }[var.token]",
            "object has no key `(sensitive value)`",
        ),
    ] {
        project.write(
            "main.hcl",
            &format!(
                "{TOKEN}\nresource \"huaweicloud_cce_addon\" \"a\" {{\n  cluster_id    = \"c\"\n  template_name = \"coredns\"\n  values        = {{ v = {expr} }}\n}}\n"
            ),
        );
        let text = run(&project, &["validate"], &[]);
        text.code(1);
        assert_no_secret(&text);
        assert!(text.stderr.contains(expected), "{expr}:\n{}", text.stderr);
        let json = run(&project, &["validate", "--json"], &[]);
        json.code(1);
        assert_no_secret(&json);
        assert!(json.stdout.contains(expected), "{expr}:\n{}", json.stdout);
    }
}

#[test]
fn a_sensitive_value_that_does_not_parse_or_convert_is_not_shown() {
    let project = Project::new();
    project.write("main.hcl", TOKEN);
    project.write("secret.vars", &format!("pin = \"{SECRET}\"\n"));
    let from_file = run(&project, &["validate", "--var-file", "secret.vars"], &[]);
    from_file.code(1);
    assert_no_secret(&from_file);
    assert!(
        from_file.stderr.contains("invalid value for variable `pin` from `secret.vars`: expected number, found string `(sensitive value)`"),
        "{}",
        from_file.stderr
    );
    assert!(
        from_file.stderr.contains("secret.vars:1:7"),
        "{}",
        from_file.stderr
    );
    let pin = format!("pin={SECRET}");
    let from_cli = run(&project, &["validate", "--var", &pin], &[]);
    from_cli.code(1);
    assert_no_secret(&from_cli);
    assert!(
        from_cli.stderr.contains("invalid value for variable `pin` from `--var`: `(sensitive value)` is not a valid expression"),
        "{}",
        from_cli.stderr
    );
    let from_env = run(&project, &["validate"], &[("PLINTH_VAR_pin", SECRET)]);
    from_env.code(1);
    assert_no_secret(&from_env);
    assert!(
        from_env.stderr.contains(
            "environment variable `PLINTH_VAR_pin`: `(sensitive value)` is not a valid expression"
        ),
        "{}",
        from_env.stderr
    );
}

#[test]
fn inputs_that_crashed_validate_are_clear_errors() {
    let project = Project::new();
    for (hcl, expected) in [
        (
            "locals {\n  a = -9223372036854775808 / -1\n}\noutput \"a\" {\n  value = local.a\n}\n",
            "`-9223372036854775808 / -1` is beyond the range of whole numbers",
        ),
        (
            "locals {\n  a = 100000000000000000000000\n}\noutput \"a\" {\n  value = local.a\n}\n",
            "`100000000000000000000000` is beyond the range of whole numbers",
        ),
        (
            "resource \"huaweicloud_cce_addon\" \"a\" {\n  count         = 1e18\n  cluster_id    = \"c-${count.index}\"\n  template_name = \"coredns\"\n}\n",
            "`count` is 1000000000000000000: more than the limit of 10000 instances of one resource",
        ),
        (
            "resource \"huaweicloud_cce_addon\" \"a\" {\n  count         = 4294967296\n  cluster_id    = \"c-${count.index}\"\n  template_name = \"coredns\"\n}\n",
            "`count` is 4294967296: more than the limit of 10000 instances",
        ),
        (
            "resource \"huaweicloud_cce_addon\" \"a\" {\n  count         = 100000000\n  cluster_id    = \"c-${count.index}\"\n  template_name = \"coredns\"\n}\n",
            "`count` is 100000000: more than the limit of 10000 instances",
        ),
        (
            "locals {\n  a = format(\"%1000001d\", 7)\n}\noutput \"a\" {\n  value = local.a\n}\n",
            "a width above 1000000 is beyond the limit",
        ),
    ] {
        project.write("main.hcl", hcl);
        let run = project.plinth(&["validate"]);
        run.code(1);
        assert!(run.stderr.contains(expected), "{hcl}:\n{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}
