//! The fuzz harness of the configuration loader, on stable Rust with proptest: random bytes and
//! strings, byte-level mutations of every fixture, and generated configurations built from a
//! grammar of plausible expressions, all fed to load, expand and the outputs. Nothing may
//! panic (or abort: sizes are bounded by the language's limits), and no message may show the
//! secret the generated configurations are given as a sensitive variable.
//!
//! The number of cases is bounded (`PROPTEST_CASES` overrides it for a longer run); every input
//! that once crashed is a file of `tests/regressions/` that `regressions_load_without_panic`
//! loads.

use std::path::{Path, PathBuf};

use plinth_config::{NoValues, SourceFile, Sources, evaluate_outputs, expand, load_sources};
use proptest::prelude::*;

/// The value of the sensitive variable `token` in generated configurations.
const SECRET: &str = "s3cr3tvalue";

fn load_text(text: String) {
    let sources = Sources {
        files: vec![SourceFile::new("main.hcl", text)],
        ..Sources::default()
    };
    let _ = load_and_render(sources);
}

/// Loads, expands and evaluates the outputs of `sources`; every message rendered, joined.
fn load_and_render(sources: Sources) -> String {
    match load_sources(sources) {
        Ok(config) => {
            let mut out = String::new();
            if let Err(diagnostics) = expand(&config, &NoValues) {
                out.push_str(&diagnostics.to_string());
            }
            if let Err(diagnostics) = evaluate_outputs(&config, &NoValues) {
                out.push_str(&diagnostics.to_string());
            }
            out
        }
        // Rendering must not panic either.
        Err(diagnostics) => diagnostics.to_string(),
    }
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The texts of every `.hcl` file under `dir`, sorted by name.
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "hcl"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// The fixtures the mutations start from: valid and invalid configurations and the formatter's.
fn seeds() -> Vec<Vec<u8>> {
    [
        "tests/fixtures/valid",
        "tests/fixtures/invalid",
        "tests/fmt",
    ]
    .iter()
    .flat_map(|dir| files_in(&crate_dir().join(dir)))
    .map(|(_, text)| text)
    .collect()
}

/// One byte-level change: a byte replaced, inserted or removed, a span duplicated or removed,
/// or a token of the language spliced in.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Duplicate(usize, usize),
    Cut(usize, usize),
    Splice(usize, &'static str),
}

/// Tokens that push the loader towards its edges: extreme numbers, sizes at the limits,
/// nesting, references to the secret.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "${",
    "%{",
    "<<EOT\n",
    "\nEOT\n",
    "...",
    "=>",
    "?",
    ":",
    "-9223372036854775808",
    "9223372036854775807",
    "18446744073709551616",
    "1e308",
    "1e400",
    "-1",
    "0",
    "/ -1",
    "% -1",
    "* 9223372036854775807",
    "4294967296",
    "10001",
    "1e18",
    "var.token",
    "each.key",
    "count.index",
    "[*]",
    ".0",
    "\u{0}",
    "\u{10FFFF}",
    "é",
    "\t",
    "\r\n",
    "range(1048577)",
    "format(\"%1000001d\", 1)",
    "toset([var.token])",
    "{ (var.token) = 1 }",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), 0..64usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        (any::<usize>(), 0..64usize).prop_map(|(i, n)| Mutation::Cut(i, n)),
        (any::<usize>(), prop::sample::select(TOKENS)).prop_map(|(i, t)| Mutation::Splice(i, t)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        let at = |i: usize| if len == 0 { 0 } else { i % (len + 1) };
        match *m {
            Mutation::Replace(i, b) if len > 0 => bytes[i % len] = b,
            Mutation::Insert(i, b) => bytes.insert(at(i), b),
            Mutation::Remove(i) if len > 0 => {
                bytes.remove(i % len);
            }
            Mutation::Duplicate(i, n) => {
                let start = at(i);
                let end = (start + n).min(len);
                let copy = bytes[start..end].to_vec();
                bytes.splice(end..end, copy);
            }
            Mutation::Cut(i, n) => {
                let start = at(i);
                let end = (start + n).min(len);
                bytes.drain(start..end);
            }
            Mutation::Splice(i, token) => {
                let start = at(i);
                bytes.splice(start..start, token.bytes());
            }
            _ => {}
        }
    }
    bytes
}

/// Plausible expressions: literals at the edges, references, operators, conditionals, calls of
/// every function, collections, `for` expressions, indexing, templates.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        prop::sample::select(vec![
            "0",
            "1",
            "-1",
            "7",
            "1.5",
            "1e18",
            "1e308",
            "-9223372036854775808",
            "9223372036854775807",
            "18446744073709551615",
            "100000000000000000000000",
            "4294967296",
            "10001",
            "true",
            "false",
            "null",
            "\"\"",
            "\"a\"",
            "\"b c\"",
            "\"12\"",
            "\"%d\"",
            "\"%2000d\"",
            "\"%1000001s\"",
            "\"{\\\"a\\\": 1}\"",
            "var.token",
            "var.n",
            "var.list",
            "var.map",
            "local.a",
            "local.b",
            "huaweicloud_cce_addon.x.status",
            "huaweicloud_cce_addon.x[0].id",
            "path.module",
        ])
        .prop_map(str::to_owned),
        any::<i64>().prop_map(|i| i.to_string()),
        "[a-z]{0,6}".prop_map(|s| format!("\"{s}\"")),
    ];
    leaf.prop_recursive(4, 48, 4, |inner| {
        let function = prop::sample::select(vec![
            "coalesce",
            "concat",
            "contains",
            "file",
            "format",
            "join",
            "jsondecode",
            "jsonencode",
            "keys",
            "length",
            "lookup",
            "lower",
            "merge",
            "range",
            "split",
            "tolist",
            "tomap",
            "tonumber",
            "toset",
            "tostring",
            "trimspace",
            "upper",
            "values",
            "try",
            "can",
        ]);
        let operator = prop::sample::select(vec![
            "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||",
        ]);
        prop_oneof![
            (inner.clone(), operator, inner.clone())
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.clone().prop_map(|a| format!("!({a})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("({c} ? {a} : {b})")),
            (function, prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            prop::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(|pairs| {
                let items: Vec<String> =
                    pairs.iter().map(|(k, v)| format!("({k}) = {v}")).collect();
                format!("{{ {} }}", items.join(", "))
            }),
            (inner.clone(), inner.clone()).prop_map(|(c, v)| format!("[for x in {c} : {v}]")),
            (inner.clone(), inner.clone(), inner.clone(), any::<bool>()).prop_map(
                |(c, k, v, g)| {
                    format!(
                        "{{ for k, x in {c} : {k} => {v}{} }}",
                        if g { "..." } else { "" }
                    )
                }
            ),
            (inner.clone(), inner.clone()).prop_map(|(c, i)| format!("{c}[{i}]")),
            inner.clone().prop_map(|c| format!("{c}[*].id")),
            inner.clone().prop_map(|c| format!("{c}.a")),
            (inner.clone(), inner)
                .prop_map(|(a, b)| format!("\"x${{{a}}}-%{{ if {b} }}y%{{ endif }}\"")),
        ]
    })
}

/// A configuration around generated expressions: a sensitive variable, locals, a resource with
/// `count` or `for_each`, and an output.
fn configuration() -> impl Strategy<Value = String> {
    (
        expression(),
        expression(),
        prop::option::of(expression()),
        any::<bool>(),
        expression(),
        expression(),
    )
        .prop_map(|(a, b, repetition, count, attribute, output)| {
            let repetition = match repetition {
                Some(e) if count => format!("  count = {e}\n"),
                Some(e) => format!("  for_each = {e}\n"),
                None => String::new(),
            };
            format!(
                r#"variable "token" {{
  type      = string
  sensitive = true
}}

variable "n" {{
  type    = number
  default = 3
}}

variable "list" {{
  default = ["a", "b"]
}}

variable "map" {{
  default = {{ a = 1, b = "x" }}
}}

locals {{
  a = {a}
  b = {b}
}}

resource "huaweicloud_cce_addon" "x" {{
{repetition}  cluster_id    = "c"
  template_name = "coredns"
  values        = {{ v = {attribute} }}
}}

output "o" {{
  value     = {output}
  sensitive = true
}}
"#
            )
        })
}

fn with_secret(text: String) -> Sources {
    Sources {
        files: vec![SourceFile::new("main.hcl", text)],
        vars: vec![format!("token={SECRET}")],
        ..Sources::default()
    }
}

/// Fragments of the language, so that random programs often parse and reach the evaluator.
fn fragment() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "resource \"huaweicloud_cce_addon\" \"a\" {",
        "data \"huaweicloud_cce_addon\" \"d\" {",
        "variable \"v\" {",
        "locals {",
        "output \"o\" {",
        "}",
        "\n",
        " = ",
        "cluster_id",
        "template_name",
        "version",
        "values",
        "for_each",
        "count",
        "each.key",
        "count.index",
        "var.v",
        "local.l",
        "l",
        "huaweicloud_cce_addon.a.status",
        "data.huaweicloud_cce_addon.d.id",
        "\"x\"",
        "\"${var.v}\"",
        "[1, 2]",
        "{ a = 1 }",
        "toset([\"a\"])",
        "-1",
        "1.5",
        "null",
        "true",
        "? 1 : 2",
        "[for x in [1] : x]",
        "{for k, v in {a = 1} : k => v}",
        "length(",
        "format(\"%d\", ",
        ")",
        ",",
        "...",
        "default",
        "type",
        "sensitive",
        "string",
        "list(string)",
        "lifecycle {",
        "timeouts {",
        "create",
        "\"10m\"",
        "depends_on",
        "value",
        "jsonencode(",
        "range(",
        "merge(",
        "[*]",
        ".",
        "[0]",
        "%{ if true }x%{ endif }",
    ])
    .prop_map(str::to_owned)
}

/// 512 cases per property, or `PROPTEST_CASES` for a longer run (an explicit `cases` would
/// otherwise win over proptest's own reading of it).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(512);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_fixtures_never_panic(
        seed in prop::sample::select(seeds()),
        mutations in prop::collection::vec(mutation(), 1..8),
    ) {
        load_text(String::from_utf8_lossy(&mutate(seed, &mutations)).into_owned());
    }

    #[test]
    fn generated_configurations_never_panic_nor_show_the_secret(text in configuration()) {
        let rendered = load_and_render(with_secret(text.clone()));
        prop_assert!(
            !rendered.to_lowercase().contains(SECRET),
            "the secret is shown:\n{rendered}\nfor:\n{text}"
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        load_text(String::from_utf8_lossy(&bytes).into_owned());
    }

    #[test]
    fn arbitrary_strings_never_panic(text in "\\PC{0,200}") {
        load_text(text);
    }

    #[test]
    fn arbitrary_programs_never_panic(parts in prop::collection::vec(fragment(), 0..40)) {
        load_text(parts.join(" "));
    }
}

#[test]
fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
    for text in [
        format!(
            "locals {{\n  a = {}1{}\n}}\n",
            "[".repeat(5000),
            "]".repeat(5000)
        ),
        format!("locals {{\n  a = 1{}\n}}\n", " + 1".repeat(5000)),
        format!("locals {{\n  a = true{}\n}}\n", " ? 1 : true".repeat(5000)),
    ] {
        let sources = Sources {
            files: vec![SourceFile::new("main.hcl", text)],
            ..Sources::default()
        };
        let diagnostics = load_sources(sources).unwrap_err();
        assert!(
            diagnostics.to_string().starts_with("error: syntax error"),
            "{diagnostics}"
        );
    }
}

/// Every input that once crashed the loader (a panic, an abort or memory exhausted) loads now
/// without: each file of `tests/regressions/` is loaded, expanded and its outputs evaluated, and
/// each reports an error, as each is a mistake.
#[test]
fn regressions_load_without_panic() {
    let files = files_in(&crate_dir().join("tests/regressions"));
    assert!(files.len() >= 4, "{files:?}");
    for (name, text) in files {
        let text = String::from_utf8(text).unwrap();
        let rendered = load_and_render(with_secret(text));
        assert!(rendered.starts_with("error: "), "{name}: {rendered}");
    }
}
