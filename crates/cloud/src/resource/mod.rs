//! The resource types and data sources of the registry, driven through one driver per API family
//! (`addon` for CCE and Autopilot add-ons, `plugin` for ModelArts plug-ins), so the planner and the
//! apply engine stay generic.

mod addon;
mod plugin;

pub(crate) use addon::remote_object as addon_object;
pub(crate) use plugin::remote_object as plugin_object;

use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::CloudError;
use crate::listing::{ListKey, Listed, Listings, Window};
use crate::wait::{Polled, WaitOptions, WaitProgress, WaitTarget, wait_polling};

use plinth_core::registry::{self, ApiFamily, DataKind, TypeSpec};
use plinth_core::{Mode, ObjectRef, RemoteObject};

/// A resource type or data source as the cloud client drives it: a type of the registry
/// ([`plinth_core::registry`]), whose API family picks the driver (`addon` or `plugin`) by a plain
/// `match`. Cheap to copy.
///
/// Desired states are JSON objects under the configuration's attribute names.
#[derive(Clone, Copy)]
pub struct ResourceType(&'static TypeSpec);

impl PartialEq for ResourceType {
    fn eq(&self, other: &Self) -> bool {
        (self.0.mode, self.0.name) == (other.0.mode, other.0.name)
    }
}

impl std::fmt::Debug for ResourceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResourceType({})", self.0.name)
    }
}

impl Eq for ResourceType {}

impl ResourceType {
    /// `huaweicloud_modelarts_pool_plugin`.
    pub const POOL_PLUGIN: Self = Self(&registry::POOL_PLUGIN);
    /// `huaweicloud_cce_addon`.
    pub const CCE_ADDON: Self = Self(&registry::CCE_ADDON);
    /// `huaweicloud_cce_autopilot_addon`.
    pub const AUTOPILOT_ADDON: Self = Self(&registry::AUTOPILOT_ADDON);

    /// The type the registry describes with `spec`.
    pub fn new(spec: &'static TypeSpec) -> Self {
        Self(spec)
    }

    /// Every managed resource type.
    pub fn all() -> impl Iterator<Item = Self> {
        registry::types(Mode::Managed).map(Self)
    }

    /// The managed type for a configuration type name, e.g. `huaweicloud_cce_addon`.
    pub fn from_type_name(name: &str) -> Option<Self> {
        registry::find(Mode::Managed, name).map(Self)
    }

    /// What the registry says of the type.
    pub fn spec(self) -> &'static TypeSpec {
        self.0
    }

    /// The configuration type name.
    pub fn type_name(self) -> &'static str {
        self.0.name
    }

    /// The attributes that form the natural key.
    pub fn natural_key_names(self) -> &'static [&'static str] {
        self.0.natural_key
    }

    /// Parses an import id (`plinth import ADDR ID`) in one of the registry's forms.
    pub fn parse_import_id(self, id: &str) -> Result<ObjectRef, CloudError> {
        let parts: Vec<&str> = id.split('/').map(str::trim).collect();
        let form = self
            .0
            .import_ids
            .iter()
            .find(|form| form.len() == parts.len())
            .filter(|_| parts.iter().all(|part| !part.is_empty()))
            .ok_or_else(|| CloudError::InvalidImportId {
                resource_type: self.0.name,
                id: id.to_owned(),
                expected: self.0.import_id_forms(),
            })?;
        let mut object = ObjectRef::default();
        for (part, value) in form.iter().zip(parts) {
            if Some(part.attribute) == self.0.id {
                object.id = Some(value.to_owned());
            } else {
                object
                    .natural_key
                    .insert(part.attribute.to_owned(), value.to_owned());
            }
        }
        Ok(object)
    }

    /// The natural key of a desired state or of attributes: every attribute of it, non-empty.
    pub fn natural_key(self, attributes: &Value) -> Result<plinth_core::NaturalKey, CloudError> {
        self.0
            .natural_key
            .iter()
            .map(|name| {
                required_str(self.0.name, attributes, name)
                    .map(|value| ((*name).to_owned(), value.to_owned()))
            })
            .collect()
    }

    /// How to find the object that `attributes` (as stored in state) describe.
    pub fn object_ref(self, attributes: &Value) -> ObjectRef {
        ObjectRef {
            id: self
                .0
                .id
                .and_then(|id| optional_str(attributes, id))
                .map(str::to_owned),
            natural_key: self
                .0
                .natural_key
                .iter()
                .filter_map(|name| {
                    optional_str(attributes, name)
                        .map(|value| ((*name).to_owned(), value.to_owned()))
                })
                .collect(),
        }
    }

    /// Names the object in messages, e.g. `huaweicloud_cce_addon cluster_id=c1
    /// template_name=coredns id=...`.
    pub fn describe(self, object: &ObjectRef) -> String {
        let mut parts = vec![self.0.name.to_owned()];
        parts.extend(
            object
                .natural_key
                .iter()
                .map(|(name, value)| format!("{name}={value}")),
        );
        parts.extend(object.id.iter().map(|id| format!("id={id}")));
        parts.join(" ")
    }

    /// Reads the object: by id when known, else by natural key. `None` when it does not exist.
    pub async fn read(
        self,
        client: &Client,
        object: &ObjectRef,
    ) -> Result<Option<RemoteObject>, CloudError> {
        match self.0.family {
            ApiFamily::Addons(api) => addon::read(api, self.0.name, client, object).await,
            ApiFamily::PoolPlugins => plugin::find(self, client, &object.natural_key).await,
        }
    }

    /// Reads an object the user named (`plinth import`): as [`ResourceType::read`], except that
    /// an object read by id that does not exist is the cloud's 404 error (its code, message and
    /// request id), not `None`. `None` only for an object found by listing (a plug-in) that the
    /// list does not have.
    pub async fn fetch(
        self,
        client: &Client,
        object: &ObjectRef,
    ) -> Result<Option<RemoteObject>, CloudError> {
        match self.0.family {
            ApiFamily::Addons(api) if object.id.is_some() => {
                addon::fetch(api, self.0.name, client, object)
                    .await
                    .map(Some)
            }
            _ => self.read(client, object).await,
        }
    }

    /// Finds the object with this natural key (all of [`TypeSpec::natural_key`]), by listing.
    pub async fn find_by_natural_key(
        self,
        client: &Client,
        natural_key: &plinth_core::NaturalKey,
    ) -> Result<Option<RemoteObject>, CloudError> {
        match self.0.family {
            ApiFamily::Addons(api) => addon::find(api, self.0.name, client, natural_key).await,
            ApiFamily::PoolPlugins => plugin::find(self, client, natural_key).await,
        }
    }

    /// The list that answers for an object with this natural key: its cluster's add-ons or its
    /// pool's plug-ins. `None` when the key does not name the cluster or pool (an Autopilot
    /// add-on imported by id alone): such an object is read by id. Reads and waits are grouped by
    /// this key (and by client: a client's lists are its own).
    pub fn list_key(self, natural_key: &plinth_core::NaturalKey) -> Option<ListKey> {
        let part = |name: &str| {
            natural_key
                .get(name)
                .filter(|value| !value.is_empty())
                .cloned()
        };
        match self.0.family {
            ApiFamily::Addons(api) => {
                part("cluster_id").map(|cluster| ListKey::Addons { api, cluster })
            }
            ApiFamily::PoolPlugins => part("pool_name").map(|pool| ListKey::Plugins { pool }),
        }
    }

    /// [`ResourceType::read`] answered from the refresh's lists: one list call per cluster and
    /// pool, shared by every read and lookup of `listings`. An add-on whose id its cluster's
    /// list does not hold is read by id (it may be in a state the list leaves out, or gone:
    /// then `None`, as [`ResourceType::read`] says).
    pub async fn read_listed(
        self,
        listings: &Listings,
        object: &ObjectRef,
    ) -> Result<Option<RemoteObject>, CloudError> {
        let Some(key) = self.list_key(&object.natural_key) else {
            return self.read(listings.client(), object).await;
        };
        match self.in_list(&listings.get(&key).await, object)? {
            InList::Found(found) => {
                listings.answered(&key, &found);
                Ok(Some(found))
            }
            InList::Absent if object.id.is_some() => self.read(listings.client(), object).await,
            InList::Absent | InList::ListGone => Ok(None),
        }
    }

    /// [`ResourceType::find_by_natural_key`] answered from the refresh's lists.
    pub async fn find_listed(
        self,
        listings: &Listings,
        natural_key: &plinth_core::NaturalKey,
    ) -> Result<Option<RemoteObject>, CloudError> {
        let whole = self.0.natural_key.iter().all(|name| {
            natural_key
                .get(*name)
                .is_some_and(|value| !value.is_empty())
        });
        let key = self.list_key(natural_key).filter(|_| whole);
        let template = natural_key.get("template_name").map_or("", String::as_str);
        let Some(key) = key.filter(|key| !listings.forgot(key, template)) else {
            // Not a whole key (the driver says what is missing), or its list's object was
            // forgotten once read: read afresh.
            return self
                .find_by_natural_key(listings.client(), natural_key)
                .await;
        };
        let object = ObjectRef {
            id: None,
            natural_key: natural_key.clone(),
        };
        match self.in_list(&listings.get(&key).await, &object)? {
            InList::Found(found) => Ok(Some(found)),
            InList::Absent | InList::ListGone => Ok(None),
        }
    }

    /// A look at the object now, right after an operation on it returned: an add-on with an id
    /// is read by id (one object, where its cluster's list would carry every add-on of the
    /// cluster for the same one request); anything else from a list of its cluster or pool sent
    /// now (or joined, if another caller sends one now). It never waits for a list scheduled
    /// later: a fast operation is seen done at once.
    pub async fn read_fresh(
        self,
        client: &Client,
        object: &ObjectRef,
    ) -> Result<Option<RemoteObject>, CloudError> {
        if object.id.is_some() && matches!(self.0.family, ApiFamily::Addons(_)) {
            return self.read(client, object).await;
        }
        let now = tokio::time::Instant::now();
        let window = Window::soon(now, std::time::Duration::ZERO);
        Ok(self.poll(client, object, window).await?.object)
    }

    /// One poll of a wait: the object as a list of its cluster or pool sent within `window`
    /// shows it, or as a read shows it when no list answers for it (no cluster or pool named,
    /// or an add-on whose id the list does not hold: read by id, as
    /// [`ResourceType::read_listed`] does).
    async fn poll(
        self,
        client: &Client,
        object: &ObjectRef,
        window: Window,
    ) -> Result<Polled, CloudError> {
        let Some(key) = self.list_key(&object.natural_key) else {
            let sent = tokio::time::Instant::now();
            let object = self.read(client, object).await?;
            return Ok(Polled { object, sent });
        };
        let (listed, sent) = client.shared_list(&key, window).await;
        let object = match self.in_list(&listed, object)? {
            InList::Found(found) => Some(found),
            InList::Absent if object.id.is_some() => self.read(client, object).await?,
            InList::Absent | InList::ListGone => None,
        };
        Ok(Polled { object, sent })
    }

    /// What a list answer says of `object`: found by id when it has one, else by natural key.
    fn in_list(self, listed: &Listed, object: &ObjectRef) -> Result<InList, CloudError> {
        let objects = match &**listed {
            Ok(Some(objects)) => objects,
            Ok(None) => return Ok(InList::ListGone),
            Err(error) => return Err(error.clone()),
        };
        let template = object.key("template_name").unwrap_or_default();
        let found = match (&object.id, self.0.family) {
            (Some(id), _) => objects.iter().find(|found| found.id.as_ref() == Some(id)),
            (None, ApiFamily::Addons(_)) => addon::under_key(objects, template),
            (None, ApiFamily::PoolPlugins) => objects.iter().find(|found| {
                found.natural_key.get("template_name").map(String::as_str) == Some(template)
            }),
        };
        Ok(found.cloned().map_or(InList::Absent, InList::Found))
    }

    /// Creates the object; answers it as the cloud's answer shows it (usually still in progress:
    /// wait for it).
    pub async fn create(
        self,
        client: &Client,
        desired: &Value,
    ) -> Result<RemoteObject, CloudError> {
        match self.0.family {
            ApiFamily::Addons(api) => addon::create(api, self.0.name, client, desired).await,
            ApiFamily::PoolPlugins => plugin::create(self, client, desired).await,
        }
    }

    /// Updates the object in place. `desired` holds the full values to send (the caller has
    /// deep-merged the user's values over the installed ones, see [`deep_merge`]).
    pub async fn update(
        self,
        client: &Client,
        prior: &RemoteObject,
        desired: &Value,
    ) -> Result<RemoteObject, CloudError> {
        match self.0.family {
            ApiFamily::Addons(api) => addon::update(api, self.0.name, client, prior, desired).await,
            ApiFamily::PoolPlugins => plugin::update(self, client, prior, desired).await,
        }
    }

    /// Every object of this type in `container` (a cluster's add-ons, a pool's plug-ins), as
    /// [`ResourceType::read`] maps them; objects whose deletion has finished are left out.
    pub async fn list_in(
        self,
        client: &Client,
        container: &str,
    ) -> Result<Vec<RemoteObject>, CloudError> {
        match self.0.family {
            ApiFamily::Addons(api) => addon::list(api, client, container).await,
            ApiFamily::PoolPlugins => plugin::list(client, container).await,
        }
    }

    /// Rolls an add-on back to the version before its last upgrade (`RollbackAddonInstance`);
    /// answers it as the cloud shows it (rolling back: wait for it). `None` for a type that
    /// cannot be rolled back (plug-ins have no such call).
    pub async fn rollback(
        self,
        client: &Client,
        object: &RemoteObject,
    ) -> Result<Option<RemoteObject>, CloudError> {
        match self.0.family {
            ApiFamily::Addons(api) => addon::rollback(api, self.0.name, client, object)
                .await
                .map(Some),
            ApiFamily::PoolPlugins => Ok(None),
        }
    }

    /// Deletes the object. An object already gone is not an error.
    pub async fn delete(self, client: &Client, object: &ObjectRef) -> Result<(), CloudError> {
        match self.0.family {
            ApiFamily::Addons(api) => addon::delete(api, self.0.name, client, object).await,
            ApiFamily::PoolPlugins => plugin::delete(self, client, object).await,
        }
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
        // Every wait in one cluster or pool polls through the client's shared lists: one list
        // per interval serves them all, each keeping its own schedule and timeout.
        wait_polling(&what, &target, options, on_progress, |window| {
            self.poll(client, object, window)
        })
        .await
    }
}

impl std::fmt::Display for ResourceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.type_name())
    }
}

/// Reads the data source `spec` with its evaluated `arguments`, answering its attributes in the
/// registry's layout: an add-on by id (the same mapping as the managed type's), every add-on of a
/// cluster or plug-in of a pool (each mapped like the managed type), or a family's templates.
pub async fn read_data(
    client: &Client,
    spec: &'static TypeSpec,
    arguments: &Value,
) -> Result<Value, CloudError> {
    match (spec.family, spec.data) {
        (_, Some(DataKind::Templates)) => {
            crate::catalogue::read_templates(client, spec, arguments).await
        }
        (ApiFamily::Addons(api), Some(DataKind::All)) => {
            addon::read_all(api, spec.name, client, arguments).await
        }
        (ApiFamily::Addons(api), _) => addon::read_data(api, spec.name, client, arguments).await,
        (ApiFamily::PoolPlugins, _) => plugin::read_data(spec.name, client, arguments).await,
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

/// What a list answer says of an object.
enum InList {
    Found(RemoteObject),
    /// The list does not hold it.
    Absent,
    /// The cluster or pool is gone, and the object with it.
    ListGone,
}

/// What a list of a cluster's add-ons or a pool's plug-ins answered; `None` when the cluster or
/// pool itself is gone (404), and everything in it with it.
fn listed<T>(result: Result<T, CloudError>) -> Result<Option<T>, CloudError> {
    match result {
        Ok(list) => Ok(Some(list)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
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
        for kind in ResourceType::all() {
            assert_eq!(ResourceType::from_type_name(kind.type_name()), Some(kind));
        }
        assert_eq!(ResourceType::all().count(), 3);
        assert_eq!(
            ResourceType::from_type_name("huaweicloud_cce_autopilot_addon"),
            Some(ResourceType::AUTOPILOT_ADDON)
        );
        assert_eq!(
            ResourceType::from_type_name("huaweicloud_modelarts_pool_plugins"),
            None,
            "a data source is not a managed type"
        );
        assert_eq!(ResourceType::from_type_name("aws_instance"), None);
    }

    #[test]
    fn import_ids() {
        let cce = ResourceType::CCE_ADDON.parse_import_id("c1/a1").unwrap();
        assert_eq!(cce.id.as_deref(), Some("a1"));
        assert_eq!(cce.key("cluster_id"), Some("c1"));
        assert!(ResourceType::CCE_ADDON.parse_import_id("a1").is_err());
        assert!(ResourceType::CCE_ADDON.parse_import_id("c1/").is_err());
        assert!(ResourceType::CCE_ADDON.parse_import_id("c1/a1/x").is_err());

        let autopilot = ResourceType::AUTOPILOT_ADDON.parse_import_id("a1").unwrap();
        assert_eq!(autopilot.id.as_deref(), Some("a1"));
        assert!(autopilot.natural_key.is_empty());
        let autopilot = ResourceType::AUTOPILOT_ADDON
            .parse_import_id("c1/a1")
            .unwrap();
        assert_eq!(autopilot.key("cluster_id"), Some("c1"));

        let plugin = ResourceType::POOL_PLUGIN
            .parse_import_id("pool-a/gpu-beta")
            .unwrap();
        assert_eq!(plugin.id, None);
        assert_eq!(plugin.key("pool_name"), Some("pool-a"));
        assert_eq!(plugin.key("template_name"), Some("gpu-beta"));
        let error = ResourceType::POOL_PLUGIN
            .parse_import_id("gpu-beta")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`gpu-beta` is not a valid import id for `huaweicloud_modelarts_pool_plugin`: expected `<pool_name>/<template_name>`"
        );
    }

    #[test]
    fn natural_key_needs_every_part() {
        let key = ResourceType::CCE_ADDON
            .natural_key(&json!({"cluster_id": "c1", "template_name": "coredns", "version": "1"}))
            .unwrap();
        assert_eq!(key.len(), 2);
        let error = ResourceType::POOL_PLUGIN
            .natural_key(&json!({"template_name": "gpu-beta"}))
            .unwrap_err();
        assert!(
            error.to_string().contains("`pool_name` is required"),
            "{error}"
        );
    }
}
