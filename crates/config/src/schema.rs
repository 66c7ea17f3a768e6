//! The schema of the resource types and data sources plinth knows.

use crate::model::Mode;
use crate::value::Value;

/// Whether the user must, may or cannot set an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Presence {
    /// The user must set it.
    Required,
    /// The user may set it.
    Optional,
    /// Only the cloud sets it; the user cannot.
    Computed,
}

/// The type of an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttributeType {
    /// A string (numbers and booleans are converted).
    String,
    /// A boolean.
    Bool,
    /// A number.
    Number,
    /// An object or map with values of any type.
    Object,
    /// A list of values of any type.
    List,
}

impl AttributeType {
    /// The name shown in messages.
    pub fn name(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Bool => "bool",
            AttributeType::Number => "number",
            AttributeType::Object => "object",
            AttributeType::List => "list",
        }
    }

    /// Converts `value` to this type where the language allows it (a number to a string),
    /// or says what is wrong. Unknown and null values pass; marks are kept.
    pub(crate) fn convert(self, value: Value) -> Result<Value, String> {
        let (inner, marked) = value.unmark();
        let converted = match (self, inner) {
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
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// One attribute of a resource type or data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttributeSchema {
    /// The attribute's name.
    pub name: &'static str,
    /// Required, optional or computed.
    pub presence: Presence,
    /// The type of its value.
    pub ty: AttributeType,
    /// Whether a change of this attribute replaces the resource (delete and create).
    pub forces_replacement: bool,
    /// Whether it is part of the resource's natural key (used to adopt existing objects).
    pub natural_key: bool,
}

/// The schema of one resource type or data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceSchema {
    /// Managed resource or data source.
    pub mode: Mode,
    /// The type name, e.g. `huaweicloud_cce_addon`.
    pub type_name: &'static str,
    /// Every attribute, settable and computed.
    pub attributes: &'static [AttributeSchema],
}

impl ResourceSchema {
    /// The attribute named `name`.
    pub fn attribute(&self, name: &str) -> Option<&'static AttributeSchema> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Names of the attributes that force replacement when they change.
    pub fn replacing_attributes(&self) -> impl Iterator<Item = &'static str> {
        self.attributes
            .iter()
            .filter(|a| a.forces_replacement)
            .map(|a| a.name)
    }

    /// Names of the attributes that form the natural key, in order.
    pub fn natural_key(&self) -> impl Iterator<Item = &'static str> {
        self.attributes
            .iter()
            .filter(|a| a.natural_key)
            .map(|a| a.name)
    }

    /// Names of the attributes the user may set.
    pub fn settable(&self) -> impl Iterator<Item = &'static str> {
        self.attributes
            .iter()
            .filter(|a| a.presence != Presence::Computed)
            .map(|a| a.name)
    }
}

const fn attr(
    name: &'static str,
    presence: Presence,
    ty: AttributeType,
    forces_replacement: bool,
    natural_key: bool,
) -> AttributeSchema {
    AttributeSchema {
        name,
        presence,
        ty,
        forces_replacement,
        natural_key,
    }
}

const fn key(name: &'static str) -> AttributeSchema {
    attr(name, Presence::Required, AttributeType::String, true, true)
}

const fn optional(name: &'static str, ty: AttributeType) -> AttributeSchema {
    attr(name, Presence::Optional, ty, false, false)
}

const fn computed(name: &'static str, ty: AttributeType) -> AttributeSchema {
    attr(name, Presence::Computed, ty, false, false)
}

const fn required(name: &'static str) -> AttributeSchema {
    attr(
        name,
        Presence::Required,
        AttributeType::String,
        false,
        false,
    )
}

use AttributeType::{List, Object, String as Str};

const POOL_PLUGIN: ResourceSchema = ResourceSchema {
    mode: Mode::Managed,
    type_name: "huaweicloud_modelarts_pool_plugin",
    attributes: &[
        key("pool_name"),
        key("template_name"),
        optional("version", Str),
        optional("inputs", Object),
        computed("phase", Str),
        computed("reason", Str),
        computed("installed_version", Str),
        computed("created_at", Str),
    ],
};

const CCE_ADDON: ResourceSchema = ResourceSchema {
    mode: Mode::Managed,
    type_name: "huaweicloud_cce_addon",
    attributes: &[
        key("cluster_id"),
        key("template_name"),
        optional("version", Str),
        optional("values", Object),
        computed("id", Str),
        computed("status", Str),
        computed("description", Str),
        computed("current_version", Str),
    ],
};

const AUTOPILOT_ADDON: ResourceSchema = ResourceSchema {
    mode: Mode::Managed,
    type_name: "huaweicloud_cce_autopilot_addon",
    attributes: &[
        key("cluster_id"),
        key("template_name"),
        optional("version", Str),
        optional("alias", Str),
        optional("values", Object),
        computed("id", Str),
        computed("status", Str),
        computed("current_version", Str),
    ],
};

const DATA_CCE_ADDON: ResourceSchema = ResourceSchema {
    mode: Mode::Data,
    type_name: "huaweicloud_cce_addon",
    attributes: &[
        required("cluster_id"),
        required("id"),
        computed("template_name", Str),
        computed("version", Str),
        computed("values", Object),
        computed("status", Str),
        computed("description", Str),
        computed("current_version", Str),
    ],
};

const DATA_AUTOPILOT_ADDON: ResourceSchema = ResourceSchema {
    mode: Mode::Data,
    type_name: "huaweicloud_cce_autopilot_addon",
    attributes: &[
        required("id"),
        optional("cluster_id", Str),
        computed("template_name", Str),
        computed("version", Str),
        computed("alias", Str),
        computed("values", Object),
        computed("status", Str),
        computed("current_version", Str),
    ],
};

const DATA_POOL_PLUGINS: ResourceSchema = ResourceSchema {
    mode: Mode::Data,
    type_name: "huaweicloud_modelarts_pool_plugins",
    attributes: &[required("pool_name"), computed("plugins", List)],
};

const RESOURCES: &[ResourceSchema] = &[POOL_PLUGIN, CCE_ADDON, AUTOPILOT_ADDON];
const DATA_SOURCES: &[ResourceSchema] = &[DATA_CCE_ADDON, DATA_AUTOPILOT_ADDON, DATA_POOL_PLUGINS];

/// The schema of managed resource type `type_name`.
pub fn resource_schema(type_name: &str) -> Option<&'static ResourceSchema> {
    RESOURCES.iter().find(|s| s.type_name == type_name)
}

/// The schema of data source `type_name`.
pub fn data_source_schema(type_name: &str) -> Option<&'static ResourceSchema> {
    DATA_SOURCES.iter().find(|s| s.type_name == type_name)
}

/// The schema of `type_name` in `mode`.
pub fn schema(mode: Mode, type_name: &str) -> Option<&'static ResourceSchema> {
    match mode {
        Mode::Managed => resource_schema(type_name),
        Mode::Data => data_source_schema(type_name),
    }
}

/// Every managed resource type.
pub fn resource_types() -> &'static [ResourceSchema] {
    RESOURCES
}

/// Every data source.
pub fn data_source_types() -> &'static [ResourceSchema] {
    DATA_SOURCES
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
        let plugin = resource_schema("huaweicloud_modelarts_pool_plugin").unwrap();
        assert_eq!(
            plugin.natural_key().collect::<Vec<_>>(),
            ["pool_name", "template_name"]
        );
        let addon = resource_schema("huaweicloud_cce_addon").unwrap();
        assert_eq!(
            addon.replacing_attributes().collect::<Vec<_>>(),
            ["cluster_id", "template_name"]
        );
        assert_eq!(
            addon.attribute("status").unwrap().presence,
            Presence::Computed
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
            AttributeType::String.convert(Value::int(3)),
            Ok(Value::string("3"))
        );
        assert_eq!(
            AttributeType::String.convert(Value::List(vec![])),
            Err("expected a string, found list".to_owned())
        );
        assert_eq!(
            AttributeType::Object.convert(Value::string("x")),
            Err("expected an object, found string".to_owned())
        );
    }
}
