//! The resource types plinth manages, behind one interface, so the planner and the apply engine
//! stay generic and a new type touches one module.

mod addon;
mod plugin;

use std::collections::BTreeMap;
use std::future::Future;

use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::CloudError;
use crate::model::Progress;
use crate::wait::{WaitOptions, WaitProgress, WaitTarget, wait_until};

pub use addon::{AutopilotAddon, CceAddon};
pub use plugin::PoolPlugin;

/// A remote object as plinth sees it: identity, attributes under plinth's names, and where its life
/// cycle stands.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteObject {
    /// The cloud's id (`metadata.uid` of an add-on); `None` for plug-ins, which have none.
    pub id: Option<String>,
    /// The natural key: `cluster_id` + `template_name`, or `pool_name` + `template_name`.
    pub natural_key: BTreeMap<String, String>,
    /// The attributes under plinth's names, a JSON object (see each type for the names).
    pub attributes: Value,
    /// The status, interpreted.
    pub progress: Progress,
    /// The status exactly as the cloud spelled it (`installing`, `Running`, ...); empty when the
    /// answer had none.
    pub status: String,
    /// The cloud's reason for the status (`Reason` of add-ons, `reason` of plug-ins), when not
    /// empty.
    pub reason: Option<String>,
    /// The cloud's message (add-ons), when not empty.
    pub message: Option<String>,
}

impl RemoteObject {
    /// How to find this object again.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            id: self.id.clone(),
            natural_key: self.natural_key.clone(),
        }
    }
}

/// How to find one remote object: its id where the type has ids, and (part of) its natural key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectRef {
    /// The cloud's id, when known.
    pub id: Option<String>,
    /// Natural-key attributes known (an import id may give only some).
    pub natural_key: BTreeMap<String, String>,
}

impl ObjectRef {
    /// A natural-key attribute.
    pub fn key(&self, name: &str) -> Option<&str> {
        self.natural_key.get(name).map(String::as_str)
    }
}

/// The operations every resource type offers. Implemented by [`PoolPlugin`], [`CceAddon`] and
/// [`AutopilotAddon`]; [`ResourceType`] dispatches over them.
///
/// Desired states are JSON objects under the configuration's attribute names.
pub trait ResourceKind {
    /// The type name in configurations, e.g. `huaweicloud_cce_addon`.
    const TYPE_NAME: &'static str;
    /// The attributes that form the natural key.
    const NATURAL_KEY: &'static [&'static str];
    /// The accepted import id forms, for messages.
    const IMPORT_ID_FORMS: &'static str;

    /// Parses an import id (`plinth import ADDR ID`).
    fn parse_import_id(&self, id: &str) -> Result<ObjectRef, CloudError>;

    /// Reads the object: by id when known, else by natural key. `None` when it does not exist.
    fn read(
        &self,
        client: &Client,
        object: &ObjectRef,
    ) -> impl Future<Output = Result<Option<RemoteObject>, CloudError>> + Send;

    /// Finds the object with this natural key (all of [`ResourceKind::NATURAL_KEY`]), by listing.
    fn find_by_natural_key(
        &self,
        client: &Client,
        natural_key: &BTreeMap<String, String>,
    ) -> impl Future<Output = Result<Option<RemoteObject>, CloudError>> + Send;

    /// Creates the object; answers it as the cloud's answer shows it (usually still in progress:
    /// wait for it).
    fn create(
        &self,
        client: &Client,
        desired: &Value,
    ) -> impl Future<Output = Result<RemoteObject, CloudError>> + Send;

    /// Updates the object in place. `desired` holds the full values to send (the caller has
    /// deep-merged the user's values over the installed ones, see [`deep_merge`]).
    fn update(
        &self,
        client: &Client,
        prior: &RemoteObject,
        desired: &Value,
    ) -> impl Future<Output = Result<RemoteObject, CloudError>> + Send;

    /// Deletes the object. An object already gone is not an error.
    fn delete(
        &self,
        client: &Client,
        object: &ObjectRef,
    ) -> impl Future<Output = Result<(), CloudError>> + Send;

    /// The natural key of a desired state or of attributes.
    fn natural_key(&self, attributes: &Value) -> Result<BTreeMap<String, String>, CloudError> {
        Self::NATURAL_KEY
            .iter()
            .map(|name| {
                required_str(Self::TYPE_NAME, attributes, name)
                    .map(|value| ((*name).to_owned(), value.to_owned()))
            })
            .collect()
    }

    /// How to find the object that `attributes` (as stored in state) describe.
    fn object_ref(&self, attributes: &Value) -> ObjectRef {
        ObjectRef {
            id: optional_str(attributes, "id").map(str::to_owned),
            natural_key: Self::NATURAL_KEY
                .iter()
                .filter_map(|name| {
                    optional_str(attributes, name)
                        .map(|value| ((*name).to_owned(), value.to_owned()))
                })
                .collect(),
        }
    }

    /// Names the object in messages, e.g. `huaweicloud_cce_addon coredns (id ...) in cluster ...`.
    fn describe(&self, object: &ObjectRef) -> String {
        let mut parts = vec![Self::TYPE_NAME.to_owned()];
        parts.extend(
            object
                .natural_key
                .iter()
                .map(|(name, value)| format!("{name}={value}")),
        );
        parts.extend(object.id.iter().map(|id| format!("id={id}")));
        parts.join(" ")
    }
}

/// One of the resource types, dispatching to its module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceType {
    /// `huaweicloud_modelarts_pool_plugin`.
    PoolPlugin,
    /// `huaweicloud_cce_addon`.
    CceAddon,
    /// `huaweicloud_cce_autopilot_addon`.
    AutopilotAddon,
}

macro_rules! dispatch {
    ($self:expr, $kind:ident => $body:expr) => {
        match $self {
            ResourceType::PoolPlugin => {
                let $kind = PoolPlugin;
                $body
            }
            ResourceType::CceAddon => {
                let $kind = CceAddon;
                $body
            }
            ResourceType::AutopilotAddon => {
                let $kind = AutopilotAddon;
                $body
            }
        }
    };
}

/// The generic body of [`ResourceKind::TYPE_NAME`] etc. for a kind value.
fn type_name_of<K: ResourceKind>(_: &K) -> &'static str {
    K::TYPE_NAME
}

fn natural_key_of<K: ResourceKind>(_: &K) -> &'static [&'static str] {
    K::NATURAL_KEY
}

impl ResourceType {
    /// Every resource type.
    pub const ALL: [Self; 3] = [Self::PoolPlugin, Self::CceAddon, Self::AutopilotAddon];

    /// The type for a configuration type name, e.g. `huaweicloud_cce_addon`.
    pub fn from_type_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.type_name() == name)
    }

    /// The configuration type name.
    pub fn type_name(self) -> &'static str {
        dispatch!(self, kind => type_name_of(&kind))
    }

    /// The attributes that form the natural key.
    pub fn natural_key_names(self) -> &'static [&'static str] {
        dispatch!(self, kind => natural_key_of(&kind))
    }

    /// See [`ResourceKind::parse_import_id`].
    pub fn parse_import_id(self, id: &str) -> Result<ObjectRef, CloudError> {
        dispatch!(self, kind => kind.parse_import_id(id))
    }

    /// See [`ResourceKind::natural_key`].
    pub fn natural_key(self, attributes: &Value) -> Result<BTreeMap<String, String>, CloudError> {
        dispatch!(self, kind => kind.natural_key(attributes))
    }

    /// See [`ResourceKind::object_ref`].
    pub fn object_ref(self, attributes: &Value) -> ObjectRef {
        dispatch!(self, kind => kind.object_ref(attributes))
    }

    /// See [`ResourceKind::describe`].
    pub fn describe(self, object: &ObjectRef) -> String {
        dispatch!(self, kind => kind.describe(object))
    }

    /// See [`ResourceKind::read`].
    pub async fn read(
        self,
        client: &Client,
        object: &ObjectRef,
    ) -> Result<Option<RemoteObject>, CloudError> {
        dispatch!(self, kind => kind.read(client, object).await)
    }

    /// See [`ResourceKind::find_by_natural_key`].
    pub async fn find_by_natural_key(
        self,
        client: &Client,
        natural_key: &BTreeMap<String, String>,
    ) -> Result<Option<RemoteObject>, CloudError> {
        dispatch!(self, kind => kind.find_by_natural_key(client, natural_key).await)
    }

    /// See [`ResourceKind::create`].
    pub async fn create(
        self,
        client: &Client,
        desired: &Value,
    ) -> Result<RemoteObject, CloudError> {
        dispatch!(self, kind => kind.create(client, desired).await)
    }

    /// See [`ResourceKind::update`].
    pub async fn update(
        self,
        client: &Client,
        prior: &RemoteObject,
        desired: &Value,
    ) -> Result<RemoteObject, CloudError> {
        dispatch!(self, kind => kind.update(client, prior, desired).await)
    }

    /// See [`ResourceKind::delete`].
    pub async fn delete(self, client: &Client, object: &ObjectRef) -> Result<(), CloudError> {
        dispatch!(self, kind => kind.delete(client, object).await)
    }

    /// Waits until the object is ready (answers it) or gone (answers `None`), polling
    /// adaptively as `options` say and reporting each observation to `on_progress`. A failed
    /// status is [`CloudError::OperationFailed`] with the cloud's reason and message; running out
    /// of time is [`CloudError::Timeout`] naming the last status seen.
    pub async fn wait(
        self,
        client: &Client,
        object: &ObjectRef,
        target: WaitTarget,
        options: &WaitOptions,
        on_progress: &(dyn Fn(&WaitProgress) + Send + Sync),
    ) -> Result<Option<RemoteObject>, CloudError> {
        let what = self.describe(object);
        wait_until(&what, &target, options, on_progress, || {
            self.read(client, object)
        })
        .await
    }
}

impl std::fmt::Display for ResourceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.type_name())
    }
}

/// Deep-merges the user's values over the installed ones, for an update that must send them all.
///
/// Objects merge key by key, recursively: a key only in `installed` keeps its installed value (a
/// parameter the user does not manage does not fall back to the template default), a key in
/// `user` takes the user's value. Scalars, `null` and lists in `user` replace what is installed
/// as a whole (lists are not merged element by element: the user's list is the list).
pub fn deep_merge(installed: &Value, user: &Value) -> Value {
    match (installed, user) {
        (Value::Object(installed), Value::Object(user)) => {
            let mut merged: Map<String, Value> = installed.clone();
            for (key, value) in user {
                let value = match installed.get(key) {
                    Some(current) => deep_merge(current, value),
                    None => value.clone(),
                };
                merged.insert(key.clone(), value);
            }
            Value::Object(merged)
        }
        (_, user) => user.clone(),
    }
}

fn optional_str<'a>(attributes: &'a Value, name: &str) -> Option<&'a str> {
    attributes
        .get(name)
        .and_then(Value::as_str)
        .filter(|value| !value.is_empty())
}

fn required_str<'a>(
    resource_type: &'static str,
    attributes: &'a Value,
    name: &str,
) -> Result<&'a str, CloudError> {
    optional_str(attributes, name).ok_or_else(|| CloudError::InvalidAttributes {
        resource_type,
        message: format!("`{name}` is required and must be a non-empty string"),
    })
}

/// An object attribute (`values`, `inputs`): absent or `null` is `{}`; anything but an object is an
/// error.
fn object_attribute(
    resource_type: &'static str,
    attributes: &Value,
    name: &str,
) -> Result<Value, CloudError> {
    match attributes.get(name) {
        None | Some(Value::Null) => Ok(Value::Object(Map::new())),
        Some(value @ Value::Object(_)) => Ok(value.clone()),
        Some(_) => Err(CloudError::InvalidAttributes {
            resource_type,
            message: format!("`{name}` must be an object"),
        }),
    }
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

fn split_import_id<const N: usize>(id: &str) -> Option<[&str; N]> {
    let parts: Vec<&str> = id.split('/').map(str::trim).collect();
    if parts.iter().any(|part| part.is_empty()) {
        return None;
    }
    parts.try_into().ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn deep_merge_keeps_unmanaged_installed_values() {
        let installed = json!({
            "basic": {"cluster_ip": "10.247.3.10", "swr_addr": "swr.example", "image_version": "1.28.6"},
            "custom": {"stub_domains": {"a": ["1.1.1.1"]}, "upstream_nameservers": ["8.8.8.8", "8.8.4.4"], "multiAZEnabled": false},
            "flavor": {"replicas": 2, "name": 2500}
        });
        let user = json!({
            "basic": {"cluster_ip": "10.247.3.11"},
            "custom": {"upstream_nameservers": ["1.1.1.1"], "stub_domains": {}},
            "flavor": {"replicas": 3},
            "extra": null
        });
        assert_eq!(
            deep_merge(&installed, &user),
            json!({
                "basic": {"cluster_ip": "10.247.3.11", "swr_addr": "swr.example", "image_version": "1.28.6"},
                "custom": {"stub_domains": {"a": ["1.1.1.1"]}, "upstream_nameservers": ["1.1.1.1"], "multiAZEnabled": false},
                "flavor": {"replicas": 3, "name": 2500},
                "extra": null
            })
        );
    }

    #[test]
    fn deep_merge_user_scalar_replaces_object_and_vice_versa() {
        assert_eq!(
            deep_merge(&json!({"a": {"b": 1}}), &json!({"a": 2})),
            json!({"a": 2})
        );
        assert_eq!(
            deep_merge(&json!({"a": 2}), &json!({"a": {"b": 1}})),
            json!({"a": {"b": 1}})
        );
        assert_eq!(deep_merge(&json!(null), &json!({"a": 1})), json!({"a": 1}));
        assert_eq!(deep_merge(&json!({"a": 1}), &json!({})), json!({"a": 1}));
    }

    #[test]
    fn type_names_round_trip() {
        for kind in ResourceType::ALL {
            assert_eq!(ResourceType::from_type_name(kind.type_name()), Some(kind));
        }
        assert_eq!(
            ResourceType::from_type_name("huaweicloud_cce_autopilot_addon"),
            Some(ResourceType::AutopilotAddon)
        );
        assert_eq!(ResourceType::from_type_name("aws_instance"), None);
    }

    #[test]
    fn import_ids() {
        let cce = ResourceType::CceAddon.parse_import_id("c1/a1").unwrap();
        assert_eq!(cce.id.as_deref(), Some("a1"));
        assert_eq!(cce.key("cluster_id"), Some("c1"));
        assert!(ResourceType::CceAddon.parse_import_id("a1").is_err());
        assert!(ResourceType::CceAddon.parse_import_id("c1/").is_err());
        assert!(ResourceType::CceAddon.parse_import_id("c1/a1/x").is_err());

        let autopilot = ResourceType::AutopilotAddon.parse_import_id("a1").unwrap();
        assert_eq!(autopilot.id.as_deref(), Some("a1"));
        assert!(autopilot.natural_key.is_empty());
        let autopilot = ResourceType::AutopilotAddon
            .parse_import_id("c1/a1")
            .unwrap();
        assert_eq!(autopilot.key("cluster_id"), Some("c1"));

        let plugin = ResourceType::PoolPlugin
            .parse_import_id("pool-a/gpu-beta")
            .unwrap();
        assert_eq!(plugin.id, None);
        assert_eq!(plugin.key("pool_name"), Some("pool-a"));
        assert_eq!(plugin.key("template_name"), Some("gpu-beta"));
        let error = ResourceType::PoolPlugin
            .parse_import_id("gpu-beta")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`gpu-beta` is not a valid import id for `huaweicloud_modelarts_pool_plugin`: expected `<pool_name>/<template_name>`"
        );
    }

    #[test]
    fn natural_key_needs_every_part() {
        let key = ResourceType::CceAddon
            .natural_key(&json!({"cluster_id": "c1", "template_name": "coredns", "version": "1"}))
            .unwrap();
        assert_eq!(key.len(), 2);
        let error = ResourceType::PoolPlugin
            .natural_key(&json!({"template_name": "gpu-beta"}))
            .unwrap_err();
        assert!(
            error.to_string().contains("`pool_name` is required"),
            "{error}"
        );
    }
}
