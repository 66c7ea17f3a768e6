//! `format_source` on the fixtures in `tests/fmt/` and on generated configurations.

use std::fmt::Write as _;

use plinth_config::{FormatError, format_source};
use proptest::collection::vec;
use proptest::prelude::*;

/// Formats every fixture, snapshots the result, and checks that formatting again changes nothing
/// and that every comment of the input is still there, in the same order.
#[test]
fn fixtures_format_to_their_snapshots() {
    insta::glob!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fmt"),
        "*.hcl",
        |path| {
            let input = std::fs::read_to_string(path).unwrap();
            let formatted = format_source(&input).unwrap();
            insta::assert_snapshot!(formatted);
            assert_eq!(
                format_source(&formatted).unwrap(),
                formatted,
                "not idempotent: {}",
                path.display()
            );
            assert_comments_kept(&input, &formatted);
        }
    );
}

/// Every configuration the language tests use (valid and invalid, plus the quick start) is
/// formatted idempotently with its comments kept, or, for the syntax-error fixtures, left alone
/// with a syntax error.
#[test]
fn every_language_fixture_formats_idempotently() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut paths = Vec::new();
    for dir in [
        "tests/fixtures/valid",
        "tests/fixtures/invalid",
        "../../examples/quickstart",
    ] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "hcl") {
                paths.push(path);
            }
        }
    }
    assert!(paths.len() > 40, "fixtures not found: {paths:?}");
    let mut formatted_count = 0;
    for path in paths {
        let input = std::fs::read_to_string(&path).unwrap();
        match format_source(&input) {
            Ok(formatted) => {
                formatted_count += 1;
                assert_eq!(
                    format_source(&formatted).unwrap(),
                    formatted,
                    "not idempotent: {}",
                    path.display()
                );
                assert_comments_kept(&input, &formatted);
            }
            Err(FormatError::Syntax { .. }) => {}
            Err(error) => panic!("{}: {error}", path.display()),
        }
    }
    assert!(
        formatted_count > 40,
        "only {formatted_count} fixtures parsed"
    );
}

#[test]
fn already_formatted_fixture_is_unchanged() {
    let input = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fmt/13_already_formatted.hcl"
    ))
    .unwrap();
    assert_eq!(format_source(&input).unwrap(), input);
}

#[test]
fn syntax_error_is_reported_with_its_position() {
    let error = format_source("resource \"a\" \"b\" {\n  x = [1, 2\n}\n").unwrap_err();
    assert!(
        matches!(error, FormatError::Syntax { line: 3, .. }),
        "{error:?}"
    );
}

/// Asserts that each comment of `input` (with trailing whitespace of its lines removed) appears in
/// `output`, in order.
fn assert_comments_kept(input: &str, output: &str) {
    let comments = comments(&input.replace("\r\n", "\n"));
    let mut rest = output;
    for comment in comments {
        let at = rest
            .find(&comment)
            .unwrap_or_else(|| panic!("comment {comment:?} lost or moved in:\n{output}"));
        rest = &rest[at + comment.len()..];
    }
}

/// The comments of an HCL text: a small scanner that knows quoted strings, enough for the fixtures
/// and the generated configurations (their heredocs contain no comment markers).
fn comments(text: &str) -> Vec<String> {
    let mut comments = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut in_string = false;
    while let Some((at, c)) = chars.next() {
        let rest = &text[at..];
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '#' || rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            comments.push(rest[..end].trim_end().to_owned());
            while chars.next_if(|(i, _)| *i < at + end).is_some() {}
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |e| e + 2);
            let lines: Vec<&str> = rest[..end].split('\n').map(str::trim_end).collect();
            comments.push(lines.join("\n"));
            while chars.next_if(|(i, _)| *i < at + end).is_some() {}
        }
    }
    comments
}

#[test]
fn comment_scanner_finds_all_kinds() {
    assert_eq!(
        comments("a = \"#x\" # one\n// two\nb = /* three */ 1\n"),
        ["# one", "// two", "/* three */"]
    );
}

fn space() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(""), Just(" "), Just("   "), Just("\t")]
}

fn newline() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("\n"),
        Just("\n"),
        Just("\n\n"),
        Just("  \n\n\n"),
        Just("\r\n")
    ]
}

fn comment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(String::new()),
        "[a-z ]{0,12}".prop_map(|t| format!(" # {t}")),
        "[a-z ]{0,12}".prop_map(|t| format!("// {t}")),
        "[a-z ]{0,12}".prop_map(|t| format!(" /* {t} */")),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_owned()),
        Just("name".to_owned()),
        Just("cluster_id".to_owned()),
        Just("template-name".to_owned()),
        Just("\"app.kubernetes.io/name\"".to_owned()),
    ]
}

/// `key` made unique within its object by the item's index.
fn unique(key: &str, index: usize) -> String {
    match key.strip_suffix('"') {
        Some(quoted) => format!("{quoted}_{index}\""),
        None => format!("{key}_{index}"),
    }
}

fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0..1000u32).prop_map(|n| n.to_string()),
        Just("-1.5e3".to_owned()),
        "[a-z #=]{0,8}".prop_map(|s| format!("\"{s}\"")),
        Just("\"${var.name}-${count.index + 1}\"".to_owned()),
        Just("var.cluster_id".to_owned()),
        Just("each.value.name".to_owned()),
        Just("local.pools[0]".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (vec(inner.clone(), 0..4), space())
                .prop_map(|(items, s)| { format!("[{s}{}{s}]", items.join(&format!(",{s}"))) }),
            (vec((inner.clone(), comment(), newline()), 1..4), space()).prop_map(|(items, s)| {
                let mut out = format!("[{s}\n");
                for (item, comment, newline) in items {
                    write!(out, "{s}{item},{comment}{newline}").unwrap();
                }
                out + "]"
            }),
            (vec((key(), inner.clone()), 0..3), space()).prop_map(|(items, s)| {
                let items: Vec<String> = items
                    .iter()
                    .enumerate()
                    .map(|(i, (k, v))| format!("{}{s}={s}{v}", unique(k, i)))
                    .collect();
                format!("{{{s}{}{s}}}", items.join(","))
            }),
            (
                vec((key(), space(), inner.clone(), comment(), newline()), 1..4),
                space()
            )
                .prop_map(|(items, s)| {
                    let mut out = "{\n".to_owned();
                    for (i, (key, s2, value, comment, newline)) in items.into_iter().enumerate() {
                        let key = unique(&key, i);
                        write!(out, "{s}{key}{s2}={s}{value}{comment}{newline}").unwrap();
                    }
                    out + "}"
                }),
            (vec(inner.clone(), 1..3), space())
                .prop_map(|(args, s)| { format!("merge({s}{}{s})", args.join(&format!("{s},"))) }),
            (inner.clone(), space()).prop_map(|(v, s)| format!("[for x in var.list{s}:{s}{v}]")),
            (inner.clone(), space())
                .prop_map(|(v, s)| format!("{{for k, v in var.map : k=>{s}{v}}}")),
            (inner.clone(), inner, space())
                .prop_map(|(a, b, s)| format!("var.on{s}?{s}{a}{s}:{s}{b}")),
        ]
    })
}

/// An attribute, a comment line or a heredoc attribute; `KEY` stands for the attribute's name,
/// which `body` makes unique (hcl-edit rejects a body that defines an attribute twice).
fn attribute() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (space(), space(), value(), comment()).prop_map(|(indent, s, value, comment)| {
            format!("{indent}KEY{s}={s}{value}{comment}")
        }),
        1 => (space(), "[a-z ]{0,10}").prop_map(|(indent, text)| format!("{indent}# {text}")),
        1 => space().prop_map(|indent| format!("{indent}KEY = <<-EOT\n    a heredoc ${{var.x}}  \n  EOT")),
    ]
}

fn body() -> impl Strategy<Value = String> {
    let attributes = vec((attribute(), newline()), 0..5).prop_map(|items| {
        items
            .into_iter()
            .enumerate()
            .map(|(i, (a, n))| format!("{}{n}", a.replace("KEY", &format!("attr_{i}"))))
            .collect::<Vec<_>>()
            .concat()
    });
    attributes.prop_recursive(2, 12, 3, |inner| {
        vec(
            (
                prop_oneof![
                    Just("resource \"huaweicloud_cce_addon\" \"x\""),
                    Just("locals"),
                    Just("lifecycle")
                ],
                space(),
                inner,
                newline(),
                attribute(),
                newline(),
            ),
            1..3,
        )
        .prop_map(|blocks| {
            blocks
                .into_iter()
                .enumerate()
                .map(|(i, (header, s, body, n1, attr, n2))| {
                    let attr = attr.replace("KEY", &format!("after_{i}"));
                    format!("{header}{s}{{\n{body}}}{n1}{attr}{n2}")
                })
                .collect::<Vec<_>>()
                .concat()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_configurations_format_idempotently(source in body()) {
        let formatted = format_source(&source).map_err(|e| TestCaseError::fail(format!("{e}\n{source}")))?;
        prop_assert_eq!(&format_source(&formatted).unwrap(), &formatted);
        prop_assert!(formatted.is_empty() || formatted.ends_with('\n'));
        prop_assert!(!formatted.contains("\n\n\n") && !formatted.contains('\r'));
        prop_assert!(formatted.lines().all(|line| line == line.trim_end() || line.contains("a heredoc")));
        assert_comments_kept(&source, &formatted);
    }

    #[test]
    fn fixtures_with_whitespace_shuffled_format_idempotently(
        fixture in 0..fixtures().len(),
        edits in vec((any::<prop::sample::Index>(), prop_oneof![Just(""), Just(" "), Just("\t"), Just("\n")]), 1..12),
    ) {
        // Insert or, for the empty string, delete whitespace at random places of a fixture; what
        // still parses must format without an internal error, idempotently, keeping its comments.
        let mut source = fixtures()[fixture].clone();
        for (index, insert) in edits {
            let at = index.index(source.len() + 1);
            if !source.is_char_boundary(at) {
                continue;
            }
            if insert.is_empty() {
                if source[at..].starts_with([' ', '\t', '\n']) {
                    source.remove(at);
                }
            } else {
                source.insert_str(at, insert);
            }
        }
        check_arbitrary(&source)?;
        if let Ok(formatted) = format_source(&source) {
            assert_comments_kept(&source, &formatted);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(source in any::<String>()) {
        check_arbitrary(&source)?;
    }

    #[test]
    fn hcl_like_text_never_panics(source in "[a-z0-9 {}\\[\\]()=\"#/*\n,.$:?<>!-]{0,60}") {
        check_arbitrary(&source)?;
    }
}

/// The text of every fixture in `tests/fmt/`.
fn fixtures() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fmt");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "hcl"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect()
}

/// Formatting any text either reports a syntax error or succeeds, and then formatting again is the
/// identity. The internal check never fires.
fn check_arbitrary(source: &str) -> Result<(), TestCaseError> {
    match format_source(source) {
        Ok(formatted) => prop_assert_eq!(format_source(&formatted), Ok(formatted.clone())),
        Err(FormatError::Syntax { .. }) => {}
        Err(error @ FormatError::Internal { .. }) => prop_assert!(false, "{error} for {source:?}"),
    }
    Ok(())
}
