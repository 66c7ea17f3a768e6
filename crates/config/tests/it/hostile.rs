//! Hostile input: sensitive values that would become instance keys or show in messages, numbers
//! beyond 64 bits, sizes beyond the limits and large literals. Each is a clear error (or a
//! right answer), never a panic, and no message shows a secret.

use plinth_config::{NoValues, SourceFile, Sources, Value, expand, load_sources};

/// The secret every test hides; `HUNTER2` is what `upper()` makes of it.
const SECRET: &str = "hunter2";

const TOKEN: &str = r#"
variable "token" {
  type      = string
  sensitive = true
  default   = "hunter2"
}
"#;

/// What loading and expanding `main` (after the `token` variable) gives: the instances, or every
/// message rendered.
fn run(main: &str, var_files: &[(&str, &str)], vars: &[&str]) -> Result<Vec<String>, String> {
    run_with_env(main, var_files, vars, &[])
}

fn run_with_env(
    main: &str,
    var_files: &[(&str, &str)],
    vars: &[&str],
    env: &[(&str, &str)],
) -> Result<Vec<String>, String> {
    let sources = Sources {
        files: vec![SourceFile::new("main.hcl", format!("{TOKEN}{main}"))],
        var_files: var_files
            .iter()
            .map(|(name, text)| SourceFile::new(*name, *text))
            .collect(),
        vars: vars.iter().map(|v| (*v).to_owned()).collect(),
        env_vars: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..Sources::default()
    };
    let config = load_sources(sources).map_err(|d| d.to_string())?;
    let instances = expand(&config, &NoValues).map_err(|d| d.to_string())?;
    Ok(instances.iter().map(|i| i.address.to_string()).collect())
}

/// Values given for variables: variable files (name, text), `--var`s, environment entries.
type Given<'a> = (
    &'a [(&'a str, &'a str)],
    &'a [&'a str],
    &'a [(&'a str, &'a str)],
);

/// The rendered error of `main`, checked to show no secret in any form.
fn error(main: &str) -> String {
    let message = run(main, &[], &[]).expect_err(main);
    assert_no_secret(&message);
    message
}

fn assert_no_secret(text: &str) {
    assert!(
        !text.to_lowercase().contains(SECRET),
        "a secret is shown:\n{text}"
    );
}

/// A local `value` and an output of it: the local is evaluated when outputs are.
fn local(expr: &str) -> String {
    format!(
        "locals {{\n  value = {expr}\n}}\n\nresource \"huaweicloud_cce_addon\" \"a\" {{\n  cluster_id    = \"c\"\n  template_name = \"coredns\"\n  values        = {{ v = local.value }}\n}}\n"
    )
}

fn plugin_for_each(expr: &str) -> String {
    format!(
        "resource \"huaweicloud_modelarts_pool_plugin\" \"p\" {{\n  for_each      = {expr}\n  pool_name     = \"pool-a\"\n  template_name = \"gpu-${{each.key}}\"\n}}\n"
    )
}

const SENSITIVE_FOR_EACH: &str = "invalid `for_each` argument: sensitive values, or values derived from sensitive values, cannot be used as `for_each` arguments; if used, the sensitive value could be exposed as a resource instance key";

#[test]
fn sensitive_values_cannot_become_for_each_keys_in_any_form() {
    for expr in [
        "{ (var.token) = 1 }",
        "{ \"${var.token}-x\" = 1 }",
        "{ a = 1, (upper(var.token)) = 2 }",
        "{ for k in [var.token] : k => 1 }",
        "{ for k, v in { a = var.token } : v => k }",
        "{ for k, v in { a = var.token } : v => k... }",
        "merge({ b = 2 }, { (var.token) = 1 })",
        "tomap({ (var.token) = \"x\" })",
        "toset([var.token])",
        "toset([\"a\", var.token])",
        "toset(keys({ (var.token) = 1 }))",
        "var.token == \"x\" ? { a = 1 } : { b = 2 }",
    ] {
        let message = error(&plugin_for_each(expr));
        assert!(message.contains(SENSITIVE_FOR_EACH), "{expr}:\n{message}");
    }
}

#[test]
fn the_sensitive_for_each_error_is_terraforms() {
    insta::assert_snapshot!(error(&plugin_for_each("{ (var.token) = 1 }")));
}

#[test]
fn data_sources_and_import_blocks_refuse_sensitive_keys_too() {
    let data = "data \"huaweicloud_modelarts_pool_plugins\" \"d\" {\n  for_each  = { (var.token) = 1 }\n  pool_name = each.key\n}\n";
    assert!(error(data).contains(SENSITIVE_FOR_EACH));
    let import = format!(
        "{}\nimport {{\n  for_each = toset([var.token])\n  to       = huaweicloud_modelarts_pool_plugin.p[each.key]\n  id       = \"pool-a/gpu\"\n}}\n",
        plugin_for_each("toset([\"a\"])")
    );
    assert!(error(&import).contains(SENSITIVE_FOR_EACH));
    let key = format!(
        "{}\nimport {{\n  to = huaweicloud_modelarts_pool_plugin.p[var.token]\n  id = \"pool-a/gpu\"\n}}\n",
        plugin_for_each("toset([\"a\"])")
    );
    assert!(error(&key).contains("the key of `to` cannot be a sensitive value"));
    let id = format!(
        "{}\nimport {{\n  to = huaweicloud_modelarts_pool_plugin.p[\"a\"]\n  id = var.token\n}}\n",
        plugin_for_each("toset([\"a\"])")
    );
    assert!(error(&id).contains("the `id` of an `import` block cannot be a sensitive value"));
}

#[test]
fn sensitive_values_may_be_the_values_of_for_each_not_its_keys() {
    let addresses = run(&plugin_for_each("{ a = var.token }"), &[], &[]).unwrap();
    assert_eq!(addresses, [r#"huaweicloud_modelarts_pool_plugin.p["a"]"#]);
}

#[test]
fn messages_built_from_sensitive_values_show_sensitive_value() {
    for (expr, expected) in [
        (
            "tonumber(var.token)",
            "cannot convert `(sensitive value)` to number",
        ),
        ("file(var.token)", "cannot read `(sensitive value)`"),
        ("file(upper(var.token))", "cannot read `(sensitive value)`"),
        (
            "{ a = 1 }[var.token]",
            "object has no key `(sensitive value)`",
        ),
        (
            "{ (var.token) = 1 }.hunter3",
            "did you mean `(sensitive value)`?",
        ),
        (
            "{ (var.token) = 1 }[\"hunter\"]",
            "object has no key `hunter`",
        ),
        ("format(\"%d\", var.token)", "`%d`: a number is required"),
        ("jsondecode(var.token)", "invalid JSON"),
        ("[1][tonumber(var.token)]", "(sensitive value)"),
        (
            "{ for k in [1, 2] : var.token => k }",
            "duplicate key (sensitive value) in `for` expression",
        ),
    ] {
        let message = error(&local(expr));
        assert!(message.contains(expected), "{expr}:\n{message}");
    }
}

#[test]
fn variable_values_that_do_not_parse_or_convert_are_not_shown_for_sensitive_variables() {
    let number = "variable \"pin\" {\n  type      = number\n  sensitive = true\n}\n";
    let cases: [Given<'_>; 5] = [
        (&[], &["pin=hunter2"], &[]),
        (&[], &["pin=\"hunter2\""], &[]),
        (&[], &[], &[("PLINTH_VAR_pin", "hunter2 +")]),
        (&[("secret.vars", "pin = \"hunter2\"\n")], &[], &[]),
        (
            &[("secret.vars", "pin = tonumber(\"hunter2\")\n")],
            &[],
            &[],
        ),
    ];
    for (var_files, vars, env) in cases {
        let message = run_with_env(number, var_files, vars, env).unwrap_err();
        assert!(message.contains("variable `pin`"), "{message}");
        assert_no_secret(&message);
    }
    let syntax = run(number, &[("secret.vars", "pin = \"hunter2\n")], &[]).unwrap_err();
    assert!(syntax.contains("secret.vars:1:"), "{syntax}");
    assert_no_secret(&syntax);
    // The same mistakes for a variable that is not sensitive show the value, which helps.
    let plain = "variable \"pin\" {\n  type = number\n}\n";
    let message = run(plain, &[("plain.vars", "pin = \"hunter2\"\n")], &[]).unwrap_err();
    assert!(message.contains("hunter2"), "{message}");
}

#[test]
fn a_sensitive_value_failing_validation_is_not_shown() {
    let main = "variable \"pin\" {\n  type      = string\n  sensitive = true\n  validation {\n    condition     = length(var.pin) > 10\n    error_message = \"the pin is too short\"\n  }\n}\n";
    let message = run(main, &[("secret.vars", "pin = \"hunter2\"\n")], &[]).unwrap_err();
    assert!(message.contains("the pin is too short"), "{message}");
    assert!(message.contains("secret.vars:1:"), "{message}");
    assert_no_secret(&message);
}

#[test]
fn whole_numbers_are_exact_64_bit_integers_or_a_clear_error() {
    for (expr, expected) in [
        (
            "-9223372036854775808 / -1",
            "`-9223372036854775808 / -1` is beyond the range of whole numbers, -9223372036854775808 to 9223372036854775807",
        ),
        (
            "9223372036854775807 + 1",
            "`9223372036854775807 + 1` is beyond",
        ),
        (
            "-9223372036854775807 - 2",
            "`-9223372036854775807 - 2` is beyond",
        ),
        (
            "4611686018427387904 * 2",
            "`4611686018427387904 * 2` is beyond",
        ),
        (
            "-(-9223372036854775808)",
            "`-(-9223372036854775808)` is beyond",
        ),
        ("9223372036854775808", "`9223372036854775808` is beyond"),
        (
            "100000000000000000000000 + 1",
            "`100000000000000000000000` is beyond",
        ),
        (
            "tonumber(\"100000000000000000000000\")",
            "`100000000000000000000000` is beyond",
        ),
    ] {
        let message = error(&local(expr));
        assert!(message.contains(expected), "{expr}:\n{message}");
    }
}

/// The value of local `value` when `expr` evaluates.
fn value(expr: &str) -> Value {
    let main = format!("{TOKEN}{}", local(expr));
    let config = load_sources(Sources {
        files: vec![SourceFile::new("main.hcl", main)],
        ..Sources::default()
    })
    .unwrap();
    let instances = expand(&config, &NoValues).unwrap();
    let values = instances[0].attributes.get("values").unwrap();
    values.as_object().unwrap().get("v").unwrap().clone()
}

#[test]
fn arithmetic_within_64_bits_stays_exact() {
    assert_eq!(value("-9223372036854775808 % -1"), Value::int(0));
    assert_eq!(value("-9223372036854775808 / 1"), Value::int(i64::MIN));
    assert_eq!(value("9223372036854775806 + 1"), Value::int(i64::MAX));
    assert_eq!(value("-9223372036854775808"), Value::int(i64::MIN));
    assert_eq!(value("-(-9223372036854775807)"), Value::int(i64::MAX));
    assert_eq!(
        value("tonumber(\"-9223372036854775808\")"),
        Value::int(i64::MIN)
    );
    // Fractions and exponents are floating point, as before.
    assert_eq!(value("1e18"), Value::int(1_000_000_000_000_000_000));
    assert_eq!(value("7 / 2").to_string(), "3.5");
}

#[test]
fn count_and_for_each_have_a_documented_maximum() {
    let count = |n: &str| {
        format!(
            "resource \"huaweicloud_cce_addon\" \"a\" {{\n  count         = {n}\n  cluster_id    = \"c-${{count.index}}\"\n  template_name = \"coredns\"\n}}\n"
        )
    };
    for (n, shown) in [
        ("1e18", "1000000000000000000"),
        ("4294967296", "4294967296"),
        ("100000000", "100000000"),
        ("10001", "10001"),
        ("9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808"),
    ] {
        let message = error(&count(n));
        let expected = if shown.starts_with('-') {
            format!("`count` must not be negative, found {shown}")
        } else {
            format!("`count` is {shown}: more than the limit of 10000 instances of one resource")
        };
        assert!(message.contains(&expected), "{n}:\n{message}");
    }
    assert_eq!(run(&count("10000"), &[], &[]).unwrap().len(), 10_000);
    let message = error(&plugin_for_each(
        "toset([for i in range(10001) : tostring(i)])",
    ));
    assert!(
        message.contains("`for_each` is a set of 10001 elements: more than the limit of 10000"),
        "{message}"
    );
    let message = error(&plugin_for_each(
        "{ for i in range(10001) : tostring(i) => i }",
    ));
    assert!(
        message.contains("`for_each` is a map of 10001 keys: more than the limit of 10000"),
        "{message}"
    );
}

/// A configuration whose `count` is `expr` of a sensitive variable `n` (of any type) given `n`.
fn sensitive_count(n: &str, expr: &str) -> String {
    format!(
        "variable \"n\" {{\n  type      = any\n  sensitive = true\n  default   = {n}\n}}\n\nresource \"huaweicloud_cce_addon\" \"a\" {{\n  count         = {expr}\n  cluster_id    = \"c-${{count.index}}\"\n  template_name = \"coredns\"\n}}\n"
    )
}

#[test]
fn a_sensitive_count_is_accepted_as_terraform_accepts_it() {
    let addresses = run(&sensitive_count("2", "var.n"), &[], &[]).unwrap();
    assert_eq!(
        addresses,
        ["huaweicloud_cce_addon.a[0]", "huaweicloud_cce_addon.a[1]"]
    );
    let addresses = run(&sensitive_count("3", "var.n - 1"), &[], &[]).unwrap();
    assert_eq!(addresses.len(), 2);
}

#[test]
fn a_sensitive_count_that_is_refused_is_not_shown() {
    for (n, expected) in [
        (
            "-7919",
            "`count` must not be negative, found (sensitive value)",
        ),
        (
            "17919",
            "`count` is (sensitive value): more than the limit of 10000 instances of one resource",
        ),
        (
            "7.919",
            "`count` must be a whole number, found (sensitive value)",
        ),
        (
            "\"x7919\"",
            "`count` must be a whole number, found (sensitive value)",
        ),
    ] {
        let message = run(&sensitive_count(n, "var.n"), &[], &[]).expect_err(n);
        assert!(message.contains(expected), "{n}:\n{message}");
        assert!(!message.contains("7919"), "{n} is shown:\n{message}");
    }
    // The same value, not sensitive, is shown.
    let message = error(&sensitive_count("1", "-7919"));
    assert!(message.contains("found -7919"), "{message}");
}

#[test]
fn import_for_each_has_the_same_maximum() {
    let import = |for_each: &str| {
        format!(
            "{}\nimport {{\n  for_each = {for_each}\n  to       = huaweicloud_modelarts_pool_plugin.p[each.key]\n  id       = \"pool-a/gpu-${{each.key}}\"\n}}\n",
            plugin_for_each("toset([\"a\"])")
        )
    };
    let message = error(&import("toset([for i in range(10001) : tostring(i)])"));
    assert!(
        message.contains("`for_each` is a set of 10001 elements: more than the limit of 10000"),
        "{message}"
    );
    let message = error(&import("{ for i in range(10001) : tostring(i) => i }"));
    assert!(
        message.contains("`for_each` is a map of 10001 keys: more than the limit of 10000"),
        "{message}"
    );
    // The error points at the import block's `for_each`.
    assert!(message.contains("main.hcl:14:14"), "{message}");
    // At the limit the imports are read; the set's imports are keyed by its elements.
    run(
        &import("toset([for i in range(10000) : tostring(i)])"),
        &[],
        &[],
    )
    .unwrap();
}

#[test]
fn range_has_a_documented_maximum_and_never_overflows() {
    let message = error(&local("range(1048577)"));
    assert!(
        message.contains("the range has 1048577 elements, more than the limit of 1048576"),
        "{message}"
    );
    let message = error(&local("range(-9223372036854775808, 9223372036854775807)"));
    assert!(message.contains("more than the limit"), "{message}");
    assert_eq!(value("length(range(1048576))"), Value::int(1_048_576));
    assert_eq!(
        value("range(-9223372036854775808, 9223372036854775807, 9223372036854775807)"),
        Value::List(vec![
            Value::int(i64::MIN),
            Value::int(-1),
            Value::int(i64::MAX - 1)
        ])
    );
    assert_eq!(
        value("range(9223372036854775806, 9223372036854775807)"),
        Value::List(vec![Value::int(i64::MAX - 1)])
    );
}

#[test]
fn format_widths_are_honoured_up_to_a_documented_limit() {
    assert_eq!(value("length(format(\"%2000d\", 7))"), Value::int(2000));
    assert_eq!(
        value("length(format(\"%-1000000s|\", \"x\"))"),
        Value::int(1_000_001)
    );
    for spec in ["%1000001d", "%99999999999999999999999999d"] {
        let message = error(&local(&format!("format(\"{spec}\", 7)")));
        assert!(
            message.contains("a width above 1000000 is beyond the limit"),
            "{spec}:\n{message}"
        );
    }
}

#[test]
fn a_large_object_literal_is_read_whole_and_in_key_order() {
    // Keys in an order unlike their sorted one (`k10` sorts before `k2`), as a hand-written or
    // generated literal has them.
    // 52 000 keys, the size that took 13 s when the parser looked each key up by scanning the
    // ones before it (hcl-edit, patched in vendor/hcl-edit).
    let n = 52_000;
    let items: Vec<String> = (0..n).rev().map(|i| format!("k{i} = {i}")).collect();
    let object = value(&format!("{{ {} }}", items.join(", ")));
    let map = object.as_object().unwrap();
    assert_eq!(map.len(), n);
    for i in [0, 1, 10, 999, n - 1] {
        assert_eq!(
            map.get(&format!("k{i}")).unwrap(),
            &Value::int(i64::try_from(i).unwrap())
        );
    }
    let keys: Vec<&String> = map.keys().collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn a_key_twice_in_an_object_literal_is_still_refused() {
    for object in [
        "{ a = 1, b = 2, a = 3 }",
        "{ \"a\" = 1, \"a\" = 2 }",
        "{ (local.x) = 1, (local.x) = 2 }",
    ] {
        let message = run(
            &format!("locals {{\n  x = \"k\"\n  o = {object}\n}}\n"),
            &[],
            &[],
        )
        .unwrap_err();
        assert!(
            message.contains("expected unique object key; found redefined object key"),
            "{object}:\n{message}"
        );
    }
    // A name and a string of the same text are two keys to the parser; the later one wins.
    assert_eq!(value("{ a = 1, \"a\" = 2 }").to_string(), "{ a = 2 }");
}

#[test]
fn for_objects_group_in_order_and_refuse_duplicates() {
    let grouped = value("{ for i in range(6) : (i % 2 == 0 ? \"even\" : \"odd\") => i... }");
    assert_eq!(grouped.to_string(), "{ even = [0, 2, 4], odd = [1, 3, 5] }");
    let message = error(&local("{ for s in [\"b\", \"a\", \"b\"] : s => s }"));
    assert!(
        message.contains("duplicate key `b` in `for` expression"),
        "{message}"
    );
}
