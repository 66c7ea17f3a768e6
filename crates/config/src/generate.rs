//! Configuration written by plinth: `resource` blocks for imported objects
//! (`plan --generate-config-out`), in the canonical layout of `plinth fmt`.

use std::fmt::Write as _;

use plinth_core::{Mode, ResourceAddress, registry};
use serde_json::Value as Json;

use crate::format::format_source;

/// The first lines of a generated file.
pub const GENERATED_HEADER: &str = "# __generated__ by plinth\n\
# Please review these resources and move them into your main configuration files.\n";

/// A `resource` block for the object imported to `address` with import id `id`: every
/// attribute the user may set (required and optional ones of the registry), with the value
/// the cloud reported (`attributes`, in the state's layout); absent and null ones are left out.
/// `None` for a type plinth does not know.
pub fn generated_resource(
    address: &ResourceAddress,
    id: &str,
    attributes: &Json,
) -> Option<String> {
    let spec = registry::find(Mode::Managed, address.type_name())?;
    let mut text = format!(
        "# __generated__ by plinth from {}\nresource {} {} {{\n",
        quoted(id),
        quoted(address.type_name()),
        quoted(address.name())
    );
    for name in spec.settable() {
        match attributes.get(name) {
            None | Some(Json::Null) => {}
            Some(value) => {
                let _ = writeln!(text, "{name} = {}", expression(value));
            }
        }
    }
    text.push_str("}\n");
    // The text is made of valid pieces; formatting only aligns it.
    Some(format_source(&text).unwrap_or(text))
}

/// A JSON value as an HCL expression.
fn expression(value: &Json) -> String {
    match value {
        Json::Null => "null".to_owned(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => quoted(s),
        Json::Array(items) if items.is_empty() => "[]".to_owned(),
        Json::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|i| format!("{},\n", expression(i)))
                .collect();
            format!("[\n{}]", items.concat())
        }
        Json::Object(map) if map.is_empty() => "{}".to_owned(),
        Json::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(key, value)| format!("{} = {}\n", object_key(key), expression(value)))
                .collect();
            format!("{{\n{}}}", entries.concat())
        }
    }
}

/// An object key: bare when it is an identifier, quoted otherwise.
fn object_key(key: &str) -> String {
    let mut chars = key.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if identifier && !matches!(key, "true" | "false" | "null") {
        key.to_owned()
    } else {
        quoted(key)
    }
}

/// A quoted HCL string: escapes, and `${` / `%{` doubled so that nothing is interpolated.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::load::{Sources, load_sources};
    use crate::{NoValues, SourceFile, Value, expand};

    #[test]
    fn a_generated_block_holds_the_settable_attributes_and_loads_back_to_them() {
        let address = ResourceAddress::managed("huaweicloud_cce_addon", "dns").unwrap();
        let attributes = json!({
            "id": "uid-1", "status": "running", "cluster_id": "c1", "template_name": "coredns",
            "version": "1.30.6", "description": null,
            "values": {
                "flavor": {"replicas": 2, "odd key": "${not.a.reference}", "list": [1, "two", []]},
                "custom": {}
            }
        });
        let text = generated_resource(&address, "c1/uid-1", &attributes).unwrap();
        insta::assert_snapshot!(text, @r#"
        # __generated__ by plinth from "c1/uid-1"
        resource "huaweicloud_cce_addon" "dns" {
          cluster_id    = "c1"
          template_name = "coredns"
          version       = "1.30.6"
          values = {
            custom = {}
            flavor = {
              list = [
                1,
                "two",
                [],
              ]
              "odd key" = "$${not.a.reference}"
              replicas  = 2
            }
          }
        }
        "#);
        let config = load_sources(Sources {
            files: vec![SourceFile::new("generated.hcl", text)],
            ..Sources::default()
        })
        .unwrap();
        let instances = expand(&config, &NoValues).unwrap();
        let values = instances[0].attributes.get("values").unwrap();
        assert_eq!(
            values.to_json_with(&mut |_| Json::Null),
            attributes["values"],
            "{values:?}"
        );
        assert_eq!(
            instances[0].attributes.get("version"),
            Some(&Value::string("1.30.6"))
        );
    }
}
