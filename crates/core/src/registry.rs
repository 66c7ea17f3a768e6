//! The registry of resource types: one static table that says, for each managed type and data
//! source, what it is. The configuration schema, the planner, apply, the cloud drivers, the
//! emulator and docs/language.md's attribute tables all read it; nothing else names a type's
//! attributes or its identity.
//!
//! Adding a type is adding a [`TypeSpec`] to [`TYPES`] (and, for a new API family, a driver in
//! `plinth-cloud` and routes in `plinth-emulator`, which the compiler asks for through their
//! `match` on [`ApiFamily`]); `docs/ARCHITECTURE.md` lists the rest.

use std::fmt;

use crate::address::Mode;

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
    /// The name shown in messages and docs.
    pub fn name(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Bool => "bool",
            AttributeType::Number => "number",
            AttributeType::Object => "object",
            AttributeType::List => "list",
        }
    }
}

/// What a change of an attribute's configured value does to the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnChange {
    /// The object is updated in place; the text says how when it needs saying (docs only).
    Update(&'static str),
    /// The object is deleted and created again.
    Replace,
    /// Nothing the user does changes it (a computed attribute).
    Nothing,
    /// plinth's own argument: never sent to the cloud nor compared with it; the text says what
    /// it does (docs only).
    Plinth(&'static str),
}

/// One attribute of a resource type or data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttributeSpec {
    /// The attribute's name.
    pub name: &'static str,
    /// Required, optional or computed.
    pub presence: Presence,
    /// The type of its value.
    pub ty: AttributeType,
    /// What changing it does.
    pub on_change: OnChange,
    /// Whether a configuration may give it a sensitive value, which the state then seals. The
    /// attributes that name the object in the cloud (its natural key, its id) are shown in
    /// addresses, messages and the cloud's URLs, and cannot be secret.
    pub sensitive_capable: bool,
    /// For a computed attribute: whether an update in place leaves it as it is (the cloud's id,
    /// the creation time), so a plan of an update knows it and what reads it is not touched.
    pub stable: bool,
}

impl AttributeSpec {
    /// Whether a change of this attribute replaces the object.
    pub fn forces_replacement(&self) -> bool {
        self.on_change == OnChange::Replace
    }
}

/// Which cloud API serves a type: each family has one driver in `plinth-cloud` and one
/// implementation in `plinth-emulator`, chosen by a plain `match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiFamily {
    /// CCE-style add-ons, served for CCE and for CCE Autopilot clusters by the same API shape
    /// under different paths.
    Addons(AddonApi),
    /// ModelArts resource-pool plug-ins (`/v2/{project_id}/pools/{pool_name}/plugins`).
    PoolPlugins,
}

/// Which of the two add-on APIs: they have the same shape under different paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddonApi {
    /// CCE: `/api/v3/addons`, `cluster_id` query required on read, list and delete.
    Cce,
    /// CCE Autopilot: `/autopilot/v3/addons`, `cluster_id` optional on read and delete.
    Autopilot,
}

/// One part of an import id: the attribute it gives and how the docs and messages call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImportPart {
    /// The attribute the part gives: `id`, or an attribute of the natural key.
    pub attribute: &'static str,
    /// Its name in messages: `addon_id` in `<cluster_id>/<addon_id>`.
    pub placeholder: &'static str,
}

/// One accepted form of an import id: its parts, joined by `/`.
pub type ImportIdForm = &'static [ImportPart];

/// Which attributes carry the version: the one asked for and the one running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VersionAttributes {
    /// The version the configuration asks for: `version`.
    pub wanted: &'static str,
    /// The version the cloud reports running: `current_version` or `installed_version`.
    pub running: &'static str,
}

/// What one resource type or data source is.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TypeSpec {
    /// Managed resource or data source.
    pub mode: Mode,
    /// The type name in configurations, e.g. `huaweicloud_cce_addon`.
    pub name: &'static str,
    /// The cloud API that serves it.
    pub family: ApiFamily,
    /// Every attribute, settable and computed, in the order the docs list them.
    pub attributes: &'static [AttributeSpec],
    /// The attributes that identify the object in the cloud, whatever its id: at most one object
    /// exists per natural key. Empty for data sources.
    pub natural_key: &'static [&'static str],
    /// The attribute holding the cloud's id, for types whose objects have one.
    pub id: Option<&'static str>,
    /// The forms of an import id (`plinth import ADDR ID`); empty for data sources.
    pub import_ids: &'static [ImportIdForm],
    /// Which attributes carry the version, for types that have versions.
    pub version: Option<VersionAttributes>,
    /// Which attributes name the template an object is installed from, for types installed from
    /// a catalogue (add-ons, plug-ins): what the plan-time template checks read.
    pub template: Option<TemplateAttributes>,
    /// What a data source reads; `None` for a managed type.
    pub data: Option<DataKind>,
}

/// The attributes of a type installed from a template of a catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TemplateAttributes {
    /// Where it is installed: `cluster_id` (an add-on) or `pool_name` (a plug-in).
    pub container: &'static str,
    /// The template's name: `template_name`.
    pub name: &'static str,
    /// The installation parameters checked against the template's defaults: `values` or
    /// `inputs`.
    pub parameters: &'static str,
}

/// What a data source reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// One object, by its id.
    ById,
    /// Every object of a cluster or pool.
    All,
    /// The templates of the family's catalogue, with their versions and defaults.
    Templates,
}

impl TypeSpec {
    /// The attribute named `name`.
    pub fn attribute(&self, name: &str) -> Option<&'static AttributeSpec> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Names of the attributes that force replacement when they change.
    pub fn replacing_attributes(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.attributes
            .iter()
            .filter(|a| a.forces_replacement())
            .map(|a| a.name)
    }

    /// Names of the attributes the user may set.
    pub fn settable(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.attributes
            .iter()
            .filter(|a| a.presence != Presence::Computed)
            .map(|a| a.name)
    }

    /// Whether `name` is plinth's own argument ([`OnChange::Plinth`]): never sent, never compared.
    pub fn is_plinth_own(&self, name: &str) -> bool {
        self.attribute(name)
            .is_some_and(|a| matches!(a.on_change, OnChange::Plinth(_)))
    }

    /// Whether `name` is part of the natural key.
    pub fn is_natural_key(&self, name: &str) -> bool {
        self.natural_key.contains(&name)
    }

    /// The accepted import id forms for messages: `` `<cluster_id>/<addon_id>` or `<addon_id>` ``.
    pub fn import_id_forms(&self) -> String {
        self.import_ids
            .iter()
            .map(|form| {
                let parts: Vec<String> = form
                    .iter()
                    .map(|part| format!("<{}>", part.placeholder))
                    .collect();
                format!("`{}`", parts.join("/"))
            })
            .collect::<Vec<_>>()
            .join(" or ")
    }
}

impl fmt::Display for TypeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

const fn attribute(
    name: &'static str,
    presence: Presence,
    ty: AttributeType,
    on_change: OnChange,
    sensitive_capable: bool,
) -> AttributeSpec {
    AttributeSpec {
        name,
        presence,
        ty,
        on_change,
        sensitive_capable,
        stable: false,
    }
}

/// A required string that names the object: part of its natural key, forces replacement.
const fn key(name: &'static str) -> AttributeSpec {
    attribute(
        name,
        Presence::Required,
        AttributeType::String,
        OnChange::Replace,
        false,
    )
}

/// An optional attribute updated in place; `how` says how, for the docs.
const fn optional(name: &'static str, ty: AttributeType, how: &'static str) -> AttributeSpec {
    attribute(name, Presence::Optional, ty, OnChange::Update(how), true)
}

const fn computed(name: &'static str, ty: AttributeType) -> AttributeSpec {
    attribute(name, Presence::Computed, ty, OnChange::Nothing, false)
}

/// A computed attribute that an update in place never changes.
const fn stable(name: &'static str) -> AttributeSpec {
    AttributeSpec {
        stable: true,
        ..computed(name, AttributeType::String)
    }
}

/// A required argument of a data source.
const fn argument(name: &'static str) -> AttributeSpec {
    attribute(
        name,
        Presence::Required,
        AttributeType::String,
        OnChange::Nothing,
        false,
    )
}

/// An optional argument of a data source.
const fn optional_argument(name: &'static str) -> AttributeSpec {
    attribute(
        name,
        Presence::Optional,
        AttributeType::String,
        OnChange::Nothing,
        false,
    )
}

use AttributeType::{List, Object, String as Str};

const fn part(attribute: &'static str, placeholder: &'static str) -> ImportPart {
    ImportPart {
        attribute,
        placeholder,
    }
}

const ADDON_VERSION: Option<VersionAttributes> = Some(VersionAttributes {
    wanted: "version",
    running: "current_version",
});

const ADDON_TEMPLATE: Option<TemplateAttributes> = Some(TemplateAttributes {
    container: "cluster_id",
    name: "template_name",
    parameters: "values",
});

/// The name of plinth's own argument of the add-on types that rolls back a failed upgrade.
pub const ROLLBACK_ON_FAILURE_NAME: &str = "rollback_on_failure";

/// `rollback_on_failure`: plinth's own argument of the add-on types.
const ROLLBACK_ON_FAILURE: AttributeSpec = attribute(
    ROLLBACK_ON_FAILURE_NAME,
    Presence::Optional,
    AttributeType::Bool,
    OnChange::Plinth("an upgrade that fails is rolled back"),
    false,
);

/// `huaweicloud_modelarts_pool_plugin`.
pub static POOL_PLUGIN: TypeSpec = TypeSpec {
    mode: Mode::Managed,
    name: "huaweicloud_modelarts_pool_plugin",
    family: ApiFamily::PoolPlugins,
    attributes: &[
        key("pool_name"),
        key("template_name"),
        optional("version", Str, ""),
        optional("inputs", Object, "all inputs are sent again"),
        computed("phase", Str),
        computed("reason", Str),
        computed("installed_version", Str),
        stable("created_at"),
    ],
    natural_key: &["pool_name", "template_name"],
    id: None,
    import_ids: &[&[
        part("pool_name", "pool_name"),
        part("template_name", "template_name"),
    ]],
    version: Some(VersionAttributes {
        wanted: "version",
        running: "installed_version",
    }),
    template: Some(TemplateAttributes {
        container: "pool_name",
        name: "template_name",
        parameters: "inputs",
    }),
    data: None,
};

/// `huaweicloud_cce_addon`.
pub static CCE_ADDON: TypeSpec = TypeSpec {
    mode: Mode::Managed,
    name: "huaweicloud_cce_addon",
    family: ApiFamily::Addons(AddonApi::Cce),
    attributes: &[
        key("cluster_id"),
        key("template_name"),
        optional("version", Str, ""),
        optional(
            "values",
            Object,
            "sent over the new version's defaults and the values set outside plinth",
        ),
        ROLLBACK_ON_FAILURE,
        stable("id"),
        computed("status", Str),
        computed("description", Str),
        computed("current_version", Str),
    ],
    natural_key: &["cluster_id", "template_name"],
    id: Some("id"),
    import_ids: &[&[part("cluster_id", "cluster_id"), part("id", "addon_id")]],
    version: ADDON_VERSION,
    template: ADDON_TEMPLATE,
    data: None,
};

/// `huaweicloud_cce_autopilot_addon`.
pub static AUTOPILOT_ADDON: TypeSpec = TypeSpec {
    mode: Mode::Managed,
    name: "huaweicloud_cce_autopilot_addon",
    family: ApiFamily::Addons(AddonApi::Autopilot),
    attributes: &[
        key("cluster_id"),
        key("template_name"),
        optional("version", Str, ""),
        optional("alias", Str, ""),
        optional(
            "values",
            Object,
            "sent over the new version's defaults and the values set outside plinth",
        ),
        ROLLBACK_ON_FAILURE,
        stable("id"),
        computed("status", Str),
        computed("current_version", Str),
    ],
    natural_key: &["cluster_id", "template_name"],
    id: Some("id"),
    import_ids: &[
        &[part("cluster_id", "cluster_id"), part("id", "addon_id")],
        &[part("id", "addon_id")],
    ],
    version: ADDON_VERSION,
    template: ADDON_TEMPLATE,
    data: None,
};

/// `data "huaweicloud_cce_addon"`: one add-on of a CCE cluster, by id.
pub static DATA_CCE_ADDON: TypeSpec = TypeSpec {
    mode: Mode::Data,
    name: "huaweicloud_cce_addon",
    family: ApiFamily::Addons(AddonApi::Cce),
    attributes: &[
        argument("cluster_id"),
        argument("id"),
        computed("template_name", Str),
        computed("version", Str),
        computed("values", Object),
        computed("status", Str),
        computed("description", Str),
        computed("current_version", Str),
    ],
    natural_key: &[],
    id: Some("id"),
    import_ids: &[],
    version: ADDON_VERSION,
    template: None,
    data: Some(DataKind::ById),
};

/// `data "huaweicloud_cce_autopilot_addon"`: one add-on of an Autopilot cluster, by id.
pub static DATA_AUTOPILOT_ADDON: TypeSpec = TypeSpec {
    mode: Mode::Data,
    name: "huaweicloud_cce_autopilot_addon",
    family: ApiFamily::Addons(AddonApi::Autopilot),
    attributes: &[
        argument("id"),
        optional_argument("cluster_id"),
        computed("template_name", Str),
        computed("version", Str),
        computed("alias", Str),
        computed("values", Object),
        computed("status", Str),
        computed("current_version", Str),
    ],
    natural_key: &[],
    id: Some("id"),
    import_ids: &[],
    version: ADDON_VERSION,
    template: None,
    data: Some(DataKind::ById),
};

/// `data "huaweicloud_modelarts_pool_plugins"`: every plug-in of a pool.
pub static DATA_POOL_PLUGINS: TypeSpec = TypeSpec {
    mode: Mode::Data,
    name: "huaweicloud_modelarts_pool_plugins",
    family: ApiFamily::PoolPlugins,
    attributes: &[argument("pool_name"), computed("plugins", List)],
    natural_key: &[],
    id: None,
    import_ids: &[],
    version: None,
    template: None,
    data: Some(DataKind::All),
};

/// `data "huaweicloud_cce_addons"`: every add-on of a CCE cluster, with its values.
pub static DATA_CCE_ADDONS: TypeSpec = TypeSpec {
    mode: Mode::Data,
    name: "huaweicloud_cce_addons",
    family: ApiFamily::Addons(AddonApi::Cce),
    attributes: &[argument("cluster_id"), computed("addons", List)],
    natural_key: &[],
    id: None,
    import_ids: &[],
    version: None,
    template: None,
    data: Some(DataKind::All),
};

/// `data "huaweicloud_cce_addon_templates"`: the CCE add-on templates.
pub static DATA_CCE_ADDON_TEMPLATES: TypeSpec = TypeSpec {
    mode: Mode::Data,
    name: "huaweicloud_cce_addon_templates",
    family: ApiFamily::Addons(AddonApi::Cce),
    attributes: &[
        optional_argument("template_name"),
        computed("templates", List),
    ],
    natural_key: &[],
    id: None,
    import_ids: &[],
    version: None,
    template: None,
    data: Some(DataKind::Templates),
};

/// `data "huaweicloud_cce_autopilot_addon_templates"`: the CCE Autopilot add-on templates.
pub static DATA_AUTOPILOT_ADDON_TEMPLATES: TypeSpec = TypeSpec {
    mode: Mode::Data,
    name: "huaweicloud_cce_autopilot_addon_templates",
    family: ApiFamily::Addons(AddonApi::Autopilot),
    attributes: &[
        optional_argument("template_name"),
        computed("templates", List),
    ],
    natural_key: &[],
    id: None,
    import_ids: &[],
    version: None,
    template: None,
    data: Some(DataKind::Templates),
};

/// `data "huaweicloud_modelarts_plugin_templates"`: the ModelArts plug-in templates.
pub static DATA_PLUGIN_TEMPLATES: TypeSpec = TypeSpec {
    mode: Mode::Data,
    name: "huaweicloud_modelarts_plugin_templates",
    family: ApiFamily::PoolPlugins,
    attributes: &[
        optional_argument("template_name"),
        computed("templates", List),
    ],
    natural_key: &[],
    id: None,
    import_ids: &[],
    version: None,
    template: None,
    data: Some(DataKind::Templates),
};

/// Every resource type and data source plinth knows: managed types first.
pub static TYPES: &[&TypeSpec] = &[
    &POOL_PLUGIN,
    &CCE_ADDON,
    &AUTOPILOT_ADDON,
    &DATA_CCE_ADDON,
    &DATA_AUTOPILOT_ADDON,
    &DATA_POOL_PLUGINS,
    &DATA_CCE_ADDONS,
    &DATA_CCE_ADDON_TEMPLATES,
    &DATA_AUTOPILOT_ADDON_TEMPLATES,
    &DATA_PLUGIN_TEMPLATES,
];

/// The type `name` in `mode`.
pub fn find(mode: Mode, name: &str) -> Option<&'static TypeSpec> {
    types(mode).find(|spec| spec.name == name)
}

/// Every type of `mode`, in the registry's order.
pub fn types(mode: Mode) -> impl Iterator<Item = &'static TypeSpec> {
    TYPES.iter().copied().filter(move |spec| spec.mode == mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_consistent() {
        for spec in TYPES {
            assert_eq!(
                TYPES
                    .iter()
                    .filter(|other| other.mode == spec.mode && other.name == spec.name)
                    .count(),
                1,
                "{} is registered once",
                spec.name
            );
            for name in spec.natural_key {
                let attribute = spec.attribute(name).unwrap_or_else(|| {
                    panic!("{}: natural key `{name}` is an attribute", spec.name)
                });
                assert_eq!(
                    attribute.presence,
                    Presence::Required,
                    "{}.{name}",
                    spec.name
                );
                assert!(attribute.forces_replacement(), "{}.{name}", spec.name);
                assert!(!attribute.sensitive_capable, "{}.{name}", spec.name);
            }
            if let Some(id) = spec.id {
                let attribute = spec.attribute(id);
                assert!(attribute.is_some(), "{}: id `{id}`", spec.name);
                assert!(
                    spec.mode == Mode::Data || attribute.is_some_and(|a| a.stable),
                    "{}: an update keeps the id `{id}`",
                    spec.name
                );
            }
            for attribute in spec.attributes.iter().filter(|a| a.stable) {
                assert_eq!(attribute.presence, Presence::Computed, "{}", spec.name);
            }
            for form in spec.import_ids {
                for part in *form {
                    assert!(
                        Some(part.attribute) == spec.id || spec.is_natural_key(part.attribute),
                        "{}: import part `{}` is the id or part of the natural key",
                        spec.name,
                        part.attribute
                    );
                }
            }
            if let Some(version) = spec.version {
                assert!(spec.attribute(version.wanted).is_some(), "{}", spec.name);
                assert!(spec.attribute(version.running).is_some(), "{}", spec.name);
            }
            match spec.mode {
                Mode::Managed => {
                    assert!(spec.data.is_none(), "{}", spec.name);
                    if let Some(template) = spec.template {
                        assert!(spec.is_natural_key(template.container), "{}", spec.name);
                        assert!(spec.is_natural_key(template.name), "{}", spec.name);
                        assert!(
                            spec.attribute(template.parameters).is_some(),
                            "{}",
                            spec.name
                        );
                        assert!(spec.version.is_some(), "{}", spec.name);
                    }
                    assert!(!spec.natural_key.is_empty(), "{}", spec.name);
                    assert!(!spec.import_ids.is_empty(), "{}", spec.name);
                }
                Mode::Data => {
                    assert!(spec.data.is_some(), "{}", spec.name);
                    assert!(spec.template.is_none(), "{}", spec.name);
                    assert!(spec.natural_key.is_empty(), "{}", spec.name);
                    assert!(spec.attributes.iter().all(|a| !a.forces_replacement()));
                }
            }
        }
    }

    #[test]
    fn lookups_and_import_forms() {
        assert_eq!(
            find(Mode::Managed, "huaweicloud_cce_addon").map(|s| s.family),
            Some(ApiFamily::Addons(AddonApi::Cce))
        );
        assert_eq!(
            find(Mode::Data, "huaweicloud_modelarts_pool_plugins").map(|s| s.name),
            Some("huaweicloud_modelarts_pool_plugins")
        );
        assert!(find(Mode::Managed, "huaweicloud_modelarts_pool_plugins").is_none());
        assert_eq!(types(Mode::Managed).count(), 3);
        assert_eq!(
            AUTOPILOT_ADDON.import_id_forms(),
            "`<cluster_id>/<addon_id>` or `<addon_id>`"
        );
        assert_eq!(
            POOL_PLUGIN.import_id_forms(),
            "`<pool_name>/<template_name>`"
        );
        assert_eq!(
            CCE_ADDON.replacing_attributes().collect::<Vec<_>>(),
            ["cluster_id", "template_name"]
        );
    }
}
