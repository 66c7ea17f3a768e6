//! The schema of the resource types and data sources plinth knows: the registry's
//! ([`plinth_core::registry`]), with what the language adds to it: converting a value to an
//! attribute's type, and suggestions for typos.

use plinth_core::registry::{self, TypeSpec};
use plinth_core::{AttributeType, Mode};

use crate::value::Value;

/// The schema of `type_name` in `mode`.
pub fn schema(mode: Mode, type_name: &str) -> Option<&'static TypeSpec> {
    registry::find(mode, type_name)
}

/// Converts `value` to the attribute type `ty` where the language allows it (a number to a
/// string), or says what is wrong. Unknown and null values pass; marks are kept.
pub(crate) fn convert(ty: AttributeType, value: Value) -> Result<Value, String> {
    let (inner, marked) = value.unmark();
    let converted = match (ty, inner) {
        (_, v @ (Value::Unknown | Value::Null))
        | (AttributeType::String, v @ Value::String(_))
        | (AttributeType::Bool, v @ Value::Bool(_))
        | (AttributeType::Number, v @ Value::Number(_))
        | (AttributeType::Object, v @ Value::Object(_))
        | (AttributeType::List, v @ (Value::List(_) | Value::Set(_))) => v,
        (AttributeType::String, Value::Number(n)) => Value::String(n.to_string()),
        (AttributeType::String, Value::Bool(b)) => Value::String(b.to_string()),
        (ty, v) => {
            return Err(format!(
                "expected {} {}, found {}",
                article(ty.name()),
                ty.name(),
                v.type_name()
            ));
        }
    };
    Ok(if marked {
        converted.mark_sensitive()
    } else {
        converted
    })
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The candidate closest to `input`, when one is close enough to be a likely typo.
pub(crate) fn suggest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_keys_follow_the_product() {
        let plugin = schema(Mode::Managed, "huaweicloud_modelarts_pool_plugin").unwrap();
        assert_eq!(plugin.natural_key, ["pool_name", "template_name"]);
        let addon = schema(Mode::Managed, "huaweicloud_cce_addon").unwrap();
        assert_eq!(
            addon.replacing_attributes().collect::<Vec<_>>(),
            ["cluster_id", "template_name"]
        );
        assert_eq!(
            addon.attribute("status").unwrap().presence,
            plinth_core::Presence::Computed
        );
    }

    #[test]
    fn suggestions_catch_typos_only() {
        let names = ["version", "values", "cluster_id"];
        assert_eq!(suggest("verison", names), Some("version"));
        assert_eq!(suggest("cluster", names), Some("cluster_id"));
        assert_eq!(suggest("zzz", names), None);
    }

    #[test]
    fn string_attributes_accept_numbers() {
        assert_eq!(
            convert(AttributeType::String, Value::int(3)),
            Ok(Value::string("3"))
        );
        assert_eq!(
            convert(AttributeType::String, Value::List(vec![])),
            Err("expected a string, found list".to_owned())
        );
        assert_eq!(
            convert(AttributeType::Object, Value::string("x")),
            Err("expected an object, found string".to_owned())
        );
    }
}
