//! docs/language.md's attribute tables are the registry's: a type cannot be added, or an
//! attribute changed, without the docs saying so.

use plinth_core::Mode;
use std::fmt::Write as _;

use plinth_core::registry::{self, OnChange, Presence, TypeSpec};

const LANGUAGE: &str = include_str!("../../../docs/language.md");

/// The table of a managed type, as docs/language.md shows it under the type's heading.
fn managed_table(spec: &TypeSpec) -> String {
    let mut out = String::from("| attribute | kind | type | on change |\n|---|---|---|---|\n");
    for attribute in spec.attributes {
        let kind = match attribute.presence {
            Presence::Required if spec.is_natural_key(attribute.name) => "required, natural key",
            Presence::Required => "required",
            Presence::Optional => "optional",
            Presence::Computed => "computed",
        };
        let on_change = match attribute.on_change {
            OnChange::Replace => "forces replacement".to_owned(),
            OnChange::Update("") => "update in place".to_owned(),
            OnChange::Update(how) => format!("update in place ({how})"),
            OnChange::Nothing => String::new(),
            OnChange::Plinth(what) => format!("plinth's own: {what}"),
        };
        let separator = if on_change.is_empty() { "" } else { " " };
        let _ = writeln!(
            out,
            "| `{}` | {kind} | {} |{separator}{on_change} |",
            attribute.name,
            attribute.ty.name()
        );
    }
    out
}

/// The row of a data source in docs/language.md's table of data sources.
fn data_row(spec: &TypeSpec) -> String {
    let arguments: Vec<String> = spec
        .attributes
        .iter()
        .filter_map(|attribute| match attribute.presence {
            Presence::Required => Some(format!("`{}` (required)", attribute.name)),
            Presence::Optional => Some(format!("`{}` (optional)", attribute.name)),
            Presence::Computed => None,
        })
        .collect();
    let computed: Vec<String> = spec
        .attributes
        .iter()
        .filter(|attribute| attribute.presence == Presence::Computed)
        .map(|attribute| match attribute.ty.name() {
            "list" => format!("`{}` (a list)", attribute.name),
            _ => format!("`{}`", attribute.name),
        })
        .collect();
    format!(
        "| `{}` | {} | {} |",
        spec.name,
        arguments.join(", "),
        computed.join(", ")
    )
}

#[test]
fn every_managed_type_has_its_table_under_its_heading() {
    for spec in registry::types(Mode::Managed) {
        let heading = format!("### `{}`\n", spec.name);
        let start = LANGUAGE
            .find(&heading)
            .unwrap_or_else(|| panic!("docs/language.md has no heading {heading:?}"));
        let section = &LANGUAGE[start + heading.len()..];
        let section = &section[..section.find("\n#").unwrap_or(section.len())];
        let table = managed_table(spec);
        assert!(
            section.contains(&table),
            "docs/language.md's table for `{}` must be:\n{table}\nsection:\n{section}",
            spec.name
        );
    }
}

#[test]
fn every_data_source_has_its_row() {
    let rows: Vec<&str> = LANGUAGE
        .lines()
        .skip_while(|line| *line != "| data source | arguments | computed |")
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .collect();
    let expected: Vec<String> = registry::types(Mode::Data).map(data_row).collect();
    assert_eq!(rows, expected, "docs/language.md's data source table");
}
