//! Resource addresses: `huaweicloud_cce_addon.dns`, `huaweicloud_modelarts_pool_plugin.gpu["pool-a"]`.
//!
//! One address type serves the whole of plinth: a configuration block (no key), one instance of it
//! (with a key), a record of the state, a step of a plan, a `--target`.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// Whether an address names a resource plinth manages or a data source it only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// A `resource` block: plinth creates, updates and deletes it.
    Managed,
    /// A `data` block: plinth only reads it; its address starts with `data.`.
    Data,
}

/// The key of one instance of a resource with `count` (an integer) or `for_each` (a string).
///
/// Integer keys sort before string keys; integers sort numerically and strings lexically. An
/// instance key is never negative: `count.index` counts from 0.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstanceKey {
    /// An index from `count`: `[0]`.
    Int(u64),
    /// A key from `for_each`: `["pool-a"]`.
    String(String),
}

/// The address of a resource instance, e.g. `huaweicloud_cce_addon.dns` or
/// `huaweicloud_modelarts_pool_plugin.gpu["pool-a"]`.
///
/// An address is parsed (or built) once and then trusted: its type and name are valid identifiers.
/// Addresses sort by mode (managed first), type, name, then key (no key first).
///
/// An address is shared, not copied: a clone is a reference count, so the many maps and lists
/// that name every instance of a large configuration (state, plan, graph, journal) cost a pointer
/// each rather than three strings.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceAddress(Arc<Parts>);

/// The module an address lies in: empty for the root module, else the `module` calls from the
/// root down, each with its instance key (`module.dns["c1"].`). Shared like the address's names.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModulePath(Option<Arc<[ModuleStep]>>);

/// One `module` call of a [`ModulePath`]: its name and the instance key of its `count` or
/// `for_each`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleStep {
    /// The name in `module "NAME"`.
    pub name: Arc<str>,
    /// Which instance of the module, when it uses `count` or `for_each`.
    pub key: Option<InstanceKey>,
}

impl ModulePath {
    /// The root module.
    pub fn root() -> Self {
        Self(None)
    }

    /// The path made of `steps` from the root down; empty is the root.
    pub fn new(steps: Vec<ModuleStep>) -> Self {
        if steps.is_empty() {
            Self(None)
        } else {
            Self(Some(steps.into()))
        }
    }

    /// Whether this is the root module.
    pub fn is_root(&self) -> bool {
        self.0.is_none()
    }

    /// The module calls from the root down.
    pub fn steps(&self) -> &[ModuleStep] {
        self.0.as_deref().unwrap_or_default()
    }
}

impl fmt::Display for ModulePath {
    /// `module.a["x"].module.b.`, or nothing for the root: the prefix of an address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in self.steps() {
            write!(f, "module.{}", step.name)?;
            if let Some(key) = &step.key {
                write!(f, "{key}")?;
            }
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModulePath({self})")
    }
}

/// What an address is made of; the type and name are shared by the instances of a resource.
#[derive(PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Parts {
    module: ModulePath,
    mode: Mode,
    type_name: Arc<str>,
    name: Arc<str>,
    key: Option<InstanceKey>,
}

/// A string that is not a valid resource address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid resource address `{input}`: {reason}")]
pub struct AddressError {
    input: String,
    reason: String,
}

impl AddressError {
    fn new(input: &str, reason: impl Into<String>) -> Self {
        Self {
            input: input.to_owned(),
            reason: reason.into(),
        }
    }

    /// The text that failed to parse.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// What is wrong with it.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl ResourceAddress {
    /// Builds the address of a resource without instance key, checking that `type_name` and
    /// `name` are identifiers.
    pub fn new(mode: Mode, type_name: &str, name: &str) -> Result<Self, AddressError> {
        let shown = match mode {
            Mode::Managed => format!("{type_name}.{name}"),
            Mode::Data => format!("data.{type_name}.{name}"),
        };
        check_type_name(&shown, type_name)?;
        check_name(&shown, name)?;
        Ok(Self::from_parts(mode, type_name.into(), name.into(), None))
    }

    /// The address of a managed resource, checked like [`ResourceAddress::new`].
    pub fn managed(type_name: &str, name: &str) -> Result<Self, AddressError> {
        Self::new(Mode::Managed, type_name, name)
    }

    /// The address of a data source, checked like [`ResourceAddress::new`].
    pub fn data(type_name: &str, name: &str) -> Result<Self, AddressError> {
        Self::new(Mode::Data, type_name, name)
    }

    fn from_parts(
        mode: Mode,
        type_name: Arc<str>,
        name: Arc<str>,
        key: Option<InstanceKey>,
    ) -> Self {
        Self(Arc::new(Parts {
            module: ModulePath::root(),
            mode,
            type_name,
            name,
            key,
        }))
    }

    /// The same address with the given instance key.
    #[must_use]
    pub fn with_key(self, key: Option<InstanceKey>) -> Self {
        if self.0.key == key {
            return self;
        }
        Self(Arc::new(Parts {
            module: self.0.module.clone(),
            mode: self.0.mode,
            type_name: Arc::clone(&self.0.type_name),
            name: Arc::clone(&self.0.name),
            key,
        }))
    }

    /// The same address in module `module`.
    #[must_use]
    pub fn with_module(self, module: ModulePath) -> Self {
        if self.0.module == module {
            return self;
        }
        Self(Arc::new(Parts {
            module,
            mode: self.0.mode,
            type_name: Arc::clone(&self.0.type_name),
            name: Arc::clone(&self.0.name),
            key: self.0.key.clone(),
        }))
    }

    /// The module instance the resource is declared in (the root module: an empty path).
    pub fn module(&self) -> &ModulePath {
        &self.0.module
    }

    /// Managed resource or data source.
    pub fn mode(&self) -> Mode {
        self.0.mode
    }

    /// The resource type, e.g. `huaweicloud_cce_addon`.
    pub fn type_name(&self) -> &str {
        &self.0.type_name
    }

    /// The resource name given in the configuration, e.g. `dns`.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The instance key, if the resource uses `count` or `for_each`.
    pub fn key(&self) -> Option<&InstanceKey> {
        self.0.key.as_ref()
    }

    /// The address of the whole resource: this address without its instance key.
    #[must_use]
    pub fn resource(&self) -> ResourceAddress {
        self.clone().with_key(None)
    }

    /// Whether `other` is this address or, when this address has no key, one of its instances.
    ///
    /// `a.b` contains `a.b`, `a.b[0]` and `a.b["x"]`; `a.b[0]` contains only itself.
    pub fn contains(&self, other: &ResourceAddress) -> bool {
        match &self.0.key {
            Some(_) => self == other,
            None => {
                self.0.module == other.0.module
                    && self.0.mode == other.0.mode
                    && self.0.type_name == other.0.type_name
                    && self.0.name == other.0.name
            }
        }
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Int(index) => write!(f, "[{index}]"),
            // A JSON string literal is the HCL string literal for every key plinth produces, and
            // it escapes quotes, backslashes and control characters.
            InstanceKey::String(key) => {
                let quoted = serde_json::Value::String(key.clone()).to_string();
                write!(f, "[{quoted}]")
            }
        }
    }
}

impl fmt::Display for ResourceAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.module)?;
        if self.0.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.0.type_name, self.0.name)?;
        if let Some(key) = &self.0.key {
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ResourceAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ResourceAddress");
        if !self.0.module.is_root() {
            debug.field("module", &self.0.module);
        }
        debug
            .field("mode", &self.0.mode)
            .field("type_name", &&*self.0.type_name)
            .field("name", &&*self.0.name)
            .field("key", &self.0.key)
            .finish()
    }
}

impl FromStr for ResourceAddress {
    type Err = AddressError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        if input.is_empty() {
            return Err(AddressError::new(input, "the address is empty"));
        }
        let (module, rest) = parse_module_prefix(input)?;
        if rest.is_empty() {
            return Err(AddressError::new(
                input,
                "expected `TYPE.NAME` after the module path, e.g. `module.dns.huaweicloud_cce_addon.coredns`",
            ));
        }
        let (head, key) = match rest.find('[') {
            Some(open) => (&rest[..open], Some(parse_key(input, &rest[open..])?)),
            None => (rest, None),
        };
        let parts: Vec<&str> = head.split('.').collect();
        let (mode, type_name, name) = match parts.as_slice() {
            ["data", type_name, name] => (Mode::Data, *type_name, *name),
            [type_name, name] => (Mode::Managed, *type_name, *name),
            [_] => {
                return Err(AddressError::new(
                    input,
                    "expected `TYPE.NAME`, e.g. `huaweicloud_cce_addon.dns`",
                ));
            }
            _ => {
                return Err(AddressError::new(
                    input,
                    "expected `TYPE.NAME` or `data.TYPE.NAME`, with exactly one dot between type and name",
                ));
            }
        };
        check_type_name(input, type_name)?;
        check_name(input, name)?;
        Ok(Self::from_parts(mode, type_name.into(), name.into(), key).with_module(module))
    }
}

impl FromStr for ModulePath {
    type Err = AddressError;

    /// Parses `module.a`, `module.a["x"].module.b[0]`: a whole module instance (or, without
    /// keys, every instance of a module call), as `--target` and `moved` name it.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let with_dot = format!("{input}.");
        let (path, rest) = parse_module_prefix(&with_dot)
            .map_err(|error| AddressError::new(input, error.reason))?;
        if path.is_root() || !rest.is_empty() {
            return Err(AddressError::new(
                input,
                "expected a module path, e.g. `module.dns` or `module.dns[\"c1\"]`",
            ));
        }
        Ok(path)
    }
}

impl ModulePath {
    /// This path with one more module call at its end.
    #[must_use]
    pub fn child(&self, name: &str, key: Option<InstanceKey>) -> ModulePath {
        let mut steps = self.steps().to_vec();
        steps.push(ModuleStep {
            name: name.into(),
            key,
        });
        ModulePath::new(steps)
    }

    /// Whether `other` lies in this module or in one of its descendants. A step of this path
    /// without a key matches every instance of that call (`module.dns` contains
    /// `module.dns["c1"].module.x`).
    pub fn contains(&self, other: &ModulePath) -> bool {
        let (mine, theirs) = (self.steps(), other.steps());
        mine.len() <= theirs.len()
            && mine
                .iter()
                .zip(theirs)
                .all(|(a, b)| a.name == b.name && (a.key.is_none() || a.key == b.key))
    }
}

/// Splits `module.a["x"].module.b.` off the front of `input`: the module path and what follows.
fn parse_module_prefix(input: &str) -> Result<(ModulePath, &str), AddressError> {
    let mut steps = Vec::new();
    let mut rest = input;
    while let Some(after) = rest.strip_prefix("module.") {
        let end = after.find(['.', '[']).unwrap_or(after.len());
        let name = &after[..end];
        let valid = name
            .bytes()
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
        if !valid {
            return Err(AddressError::new(
                input,
                format!(
                    "the module name `{name}` must start with a letter or `_` and hold only letters, digits, `_` and `-`"
                ),
            ));
        }
        let mut tail = &after[end..];
        let mut key = None;
        if tail.starts_with('[') {
            let close = bracket_end(tail).ok_or_else(|| {
                AddressError::new(
                    input,
                    format!("the key of module `{name}` has no closing `]`"),
                )
            })?;
            key = Some(parse_key(input, &tail[..=close])?);
            tail = &tail[close + 1..];
        }
        let Some(next) = tail.strip_prefix('.') else {
            return Err(AddressError::new(
                input,
                format!("expected `.` after module `{name}`"),
            ));
        };
        steps.push(ModuleStep {
            name: name.into(),
            key,
        });
        rest = next;
    }
    Ok((ModulePath::new(steps), rest))
}

/// The position of the `]` closing the `[` that `text` starts with, skipping a quoted string.
fn bracket_end(text: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            ']' if !in_string => return Some(i),
            _ => {}
        }
    }
    None
}

/// Parses `[0]` or `["pool-a"]`, which must end the input.
fn parse_key(input: &str, bracketed: &str) -> Result<InstanceKey, AddressError> {
    let Some(inner) = bracketed
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    else {
        return Err(AddressError::new(
            input,
            "the instance key must be one `[...]` at the end, e.g. `[0]` or `[\"pool-a\"]`",
        ));
    };
    if inner.starts_with('"') {
        return match serde_json::from_str::<String>(inner) {
            Ok(key) => Ok(InstanceKey::String(key)),
            Err(_) => Err(AddressError::new(
                input,
                format!("the instance key `{inner}` is not a valid quoted string"),
            )),
        };
    }
    if inner.is_empty() || !inner.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(AddressError::new(
            input,
            format!(
                "the instance key `{inner}` must be a non-negative integer or a quoted string, \
                 e.g. `[0]` or `[\"pool-a\"]`"
            ),
        ));
    }
    inner
        .parse::<u64>()
        .map(InstanceKey::Int)
        .map_err(|_| AddressError::new(input, format!("the instance index `{inner}` is too large")))
}

fn check_type_name(input: &str, type_name: &str) -> Result<(), AddressError> {
    let valid = type_name
        .bytes()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && type_name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
    if valid {
        Ok(())
    } else if type_name.is_empty() {
        Err(AddressError::new(input, "the resource type is empty"))
    } else {
        Err(AddressError::new(
            input,
            format!(
                "the resource type `{type_name}` must start with a letter and hold only \
                 letters, digits and `_`"
            ),
        ))
    }
}

fn check_name(input: &str, name: &str) -> Result<(), AddressError> {
    let valid = name
        .bytes()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
    if valid {
        Ok(())
    } else if name.is_empty() {
        Err(AddressError::new(input, "the resource name is empty"))
    } else {
        Err(AddressError::new(
            input,
            format!(
                "the resource name `{name}` must start with a letter or `_` and hold only \
                 letters, digits, `_` and `-`"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        let shown = match input.parse::<ResourceAddress>() {
            Ok(address) => address.to_string(),
            Err(error) => format!("error: {error}"),
        };
        assert_eq!(shown, expect, "parsing {input:?}");
    }

    #[test]
    fn parses_canonical_forms() {
        check("huaweicloud_cce_addon.dns", "huaweicloud_cce_addon.dns");
        check(
            "huaweicloud_cce_addon.dns[0]",
            "huaweicloud_cce_addon.dns[0]",
        );
        check(
            r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#,
            r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#,
        );
        check(
            "data.huaweicloud_cce_addon.x",
            "data.huaweicloud_cce_addon.x",
        );
        check(
            r#"a.b["quote\"and\\slash]"]"#,
            r#"a.b["quote\"and\\slash]"]"#,
        );
        check("a.b[007]", "a.b[7]");
    }

    #[test]
    fn rejects_with_reasons() {
        check(
            "",
            "error: invalid resource address ``: the address is empty",
        );
        check(
            "dns",
            "error: invalid resource address `dns`: expected `TYPE.NAME`, e.g. `huaweicloud_cce_addon.dns`",
        );
        check(
            "a.b.c",
            "error: invalid resource address `a.b.c`: expected `TYPE.NAME` or `data.TYPE.NAME`, with exactly one dot between type and name",
        );
        check(
            "module.m",
            "error: invalid resource address `module.m`: expected `.` after module `m`",
        );
        check(
            "module.m.",
            "error: invalid resource address `module.m.`: expected `TYPE.NAME` after the module path, e.g. `module.dns.huaweicloud_cce_addon.coredns`",
        );
        check(
            r#"module.m["x.b"]"#,
            r#"error: invalid resource address `module.m["x.b"]`: expected `.` after module `m`"#,
        );
        check(
            "module.1m.a.b",
            "error: invalid resource address `module.1m.a.b`: the module name `1m` must start with a letter or `_` and hold only letters, digits, `_` and `-`",
        );
        check(
            "a.b[-1]",
            "error: invalid resource address `a.b[-1]`: the instance key `-1` must be a non-negative integer or a quoted string, e.g. `[0]` or `[\"pool-a\"]`",
        );
        check(
            "a.b[0",
            "error: invalid resource address `a.b[0`: the instance key must be one `[...]` at the end, e.g. `[0]` or `[\"pool-a\"]`",
        );
        check(
            r#"a.b["x]"#,
            r#"error: invalid resource address `a.b["x]`: the instance key `"x` is not a valid quoted string"#,
        );
        check(
            "a.b[99999999999999999999]",
            "error: invalid resource address `a.b[99999999999999999999]`: the instance index `99999999999999999999` is too large",
        );
        check(
            "1a.b",
            "error: invalid resource address `1a.b`: the resource type `1a` must start with a letter and hold only letters, digits and `_`",
        );
        check(
            "a.b c",
            "error: invalid resource address `a.b c`: the resource name `b c` must start with a letter or `_` and hold only letters, digits, `_` and `-`",
        );
        check(
            "a.",
            "error: invalid resource address `a.`: the resource name is empty",
        );
    }

    #[test]
    fn sorts_by_type_name_then_key_with_numeric_indexes() {
        let mut addresses: Vec<ResourceAddress> = [
            "b.a",
            "a.z",
            "a.b[10]",
            "a.b[2]",
            r#"a.b["y"]"#,
            r#"a.b["x"]"#,
            "a.b",
            "data.a.a",
        ]
        .iter()
        .map(|text| text.parse().unwrap())
        .collect();
        addresses.sort();
        let shown: Vec<String> = addresses.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "a.b",
                "a.b[2]",
                "a.b[10]",
                r#"a.b["x"]"#,
                r#"a.b["y"]"#,
                "a.z",
                "b.a",
                "data.a.a"
            ]
        );
    }

    #[test]
    fn module_path_prefixes_and_sorts_first() {
        let root: ResourceAddress = "a.b[1]".parse().unwrap();
        let module = ModulePath::new(vec![ModuleStep {
            name: "dns".into(),
            key: Some(InstanceKey::String("c1".to_owned())),
        }]);
        let inner = root.clone().with_module(module.clone());
        assert_eq!(inner.to_string(), r#"module.dns["c1"].a.b[1]"#);
        assert_eq!(inner.module(), &module);
        assert!(root.module().is_root());
        assert!(root < inner);
        assert!(!root.resource().contains(&inner));
        assert!(inner.resource().contains(&inner));
        assert_eq!(
            inner.clone().with_key(None).to_string(),
            r#"module.dns["c1"].a.b"#
        );
        assert_eq!(ModulePath::new(Vec::new()), ModulePath::root());
    }

    #[test]
    fn parses_module_paths() {
        check("module.m.a.b", "module.m.a.b");
        check(
            r#"module.dns["c.1]"].module.inner[0].data.t.x["k"]"#,
            r#"module.dns["c.1]"].module.inner[0].data.t.x["k"]"#,
        );
        let address: ResourceAddress = r#"module.dns["c1"].a.b[2]"#.parse().unwrap();
        assert_eq!(address.module().steps()[0].name.as_ref(), "dns");
        assert_eq!(address.key(), Some(&InstanceKey::Int(2)));
        let path: ModulePath = r#"module.dns["c1"]"#.parse().unwrap();
        assert_eq!(&path, address.module());
        let call: ModulePath = "module.dns".parse().unwrap();
        assert!(call.contains(address.module()));
        assert!(!address.module().contains(&call));
        assert!("a.b".parse::<ModulePath>().is_err());
        assert_eq!(
            call.child("inner", Some(InstanceKey::Int(0))).to_string(),
            "module.dns.module.inner[0]."
        );
    }

    #[test]
    fn checked_constructors() {
        assert_eq!(
            ResourceAddress::managed("huaweicloud_cce_addon", "dns")
                .unwrap()
                .to_string(),
            "huaweicloud_cce_addon.dns"
        );
        assert_eq!(
            ResourceAddress::data("t", "x").unwrap().to_string(),
            "data.t.x"
        );
        let error = ResourceAddress::managed("t", "a b").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid resource address `t.a b`: the resource name `a b` must start with a letter or `_` and hold only letters, digits, `_` and `-`"
        );
    }

    #[test]
    fn keyless_address_contains_its_instances() {
        let resource: ResourceAddress = "a.b".parse().unwrap();
        let instance: ResourceAddress = "a.b[3]".parse().unwrap();
        assert!(resource.contains(&instance));
        assert!(resource.contains(&resource));
        assert!(!instance.contains(&resource));
        assert!(!resource.contains(&"a.c[3]".parse().unwrap()));
        assert!(!resource.contains(&"data.a.b".parse().unwrap()));
    }
}
