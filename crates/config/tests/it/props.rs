use plinth_config::{NoValues, SourceFile, Sources, expand, load_sources};
use proptest::prelude::*;

fn load_text(text: String) {
    let sources = Sources {
        files: vec![SourceFile::new("main.hcl", text)],
        ..Sources::default()
    };
    match load_sources(sources) {
        Ok(config) => {
            let _ = expand(&config, &NoValues);
        }
        Err(diagnostics) => {
            // Rendering must not panic either, and every error has a place or a message.
            let _ = diagnostics.to_string();
        }
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

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
