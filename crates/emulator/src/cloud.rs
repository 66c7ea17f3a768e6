//! The emulated cloud: add-ons and plug-ins, their operations and how they look on the wire.
//!
//! Time is lazy: every object records when its current operation started and how long it takes,
//! and a read computes the status it shows from the elapsed time. No task runs per object, so ten
//! thousand objects cost only their memory.

// The wire models belong to `plinth-cloud` and gain fields as the client grows; every literal of
// them here ends in `..Default::default()` so that a new optional field does not break the
// emulator, even while all current fields are set.
#![allow(clippy::needless_update)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use plinth_cloud::model::{
    Addon, AddonMetadata, AddonRequest, AddonSpec, AddonStatus, AddonVersion, ObjectReference,
    Plugin, PluginMetadata, PluginRequest, PluginResource, PluginSpec, PluginStatus,
    PluginTemplate as WirePluginTemplate, PluginTemplateList, PluginTemplateMetadata,
    PluginTemplateRef, PluginTemplateSpec, PluginTemplateVersion, SupportVersion,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::catalogue::{ALWAYS_FAILS, AddonService, AddonTemplate, Catalogue, deep_merge};
use crate::errors::{
    ApiError, CCE_ADDON_BUSY, CCE_ADDON_EXISTS, CCE_ADDON_NOT_FOUND, CCE_BAD_REQUEST,
    CCE_CLUSTER_NOT_FOUND, MODELARTS_BAD_REQUEST, MODELARTS_NOT_FOUND,
};
use crate::options::Fixture;

/// Version of the data file layout.
const DATA_FORMAT: u32 = 1;

/// Timestamp shown for catalogue entries, which do not change.
const TEMPLATE_TIMESTAMP: &str = "2024-02-19T11:33:46Z";

/// What an emulated cloud holds, for tests and diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloudSnapshot {
    /// Every add-on that has not finished deleting, CCE and Autopilot, in no particular order.
    pub addons: Vec<AddonSummary>,
    /// Every plug-in that has not finished deleting.
    pub plugins: Vec<PluginSummary>,
    /// How many installations were ever accepted per natural key: `cce/{cluster}/{template}`,
    /// `autopilot/{cluster}/{template}` or `modelarts/{pool}/{template}`. Upgrades do not count.
    pub installs: BTreeMap<String, u64>,
}

impl CloudSnapshot {
    /// How many installations were accepted for `natural_key` (0 when never).
    pub fn installs_of(&self, natural_key: &str) -> u64 {
        self.installs.get(natural_key).copied().unwrap_or(0)
    }
}

/// One add-on as the emulator sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddonSummary {
    /// `cce` or `autopilot`.
    pub service: &'static str,
    /// The cluster it is installed in.
    pub cluster_id: String,
    /// Its template.
    pub template: String,
    /// Its uid.
    pub uid: String,
    /// Its version.
    pub version: String,
    /// The status a read shows now, e.g. `running`.
    pub status: String,
}

/// One plug-in as the emulator sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginSummary {
    /// The pool it is installed in.
    pub pool: String,
    /// Its template.
    pub template: String,
    /// Its version.
    pub version: String,
    /// The phase a read shows now, e.g. `Running`.
    pub phase: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OpKind {
    Install,
    Upgrade,
    Delete,
    Rollback,
}

/// The last operation of an object: what, since when, for how long, and whether it will fail.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Operation {
    kind: OpKind,
    started_ms: u64,
    duration_ms: u64,
    fails: bool,
}

/// Where an object stands at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    InProgress(OpKind),
    Done(OpKind),
    Failed(OpKind),
    Gone,
}

impl Operation {
    fn stage(&self, now_ms: u64) -> Stage {
        let finished = now_ms.saturating_sub(self.started_ms) >= self.duration_ms;
        match (self.kind, finished, self.fails) {
            (kind, false, _) => Stage::InProgress(kind),
            (OpKind::Delete, true, _) => Stage::Gone,
            (kind, true, false) => Stage::Done(kind),
            (kind, true, true) => Stage::Failed(kind),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct AddonRecord {
    uid: String,
    service: AddonService,
    cluster_id: String,
    template: String,
    version: String,
    /// What the user sent; the template defaults are filled in when rendering.
    values: Value,
    alias: Option<String>,
    annotations: BTreeMap<String, String>,
    created_ms: u64,
    updated_ms: u64,
    previous_version: Option<String>,
    /// The values of `previous_version`: what a rollback restores.
    #[serde(default)]
    previous_values: Option<Value>,
    op: Operation,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PluginRecord {
    pool: String,
    template: String,
    version: String,
    /// What the user sent; the template defaults are filled in when rendering.
    inputs: Value,
    created_ms: u64,
    /// Uids of the Kubernetes objects it runs, one per template resource.
    resource_uids: Vec<String>,
    op: Operation,
}

/// What the data file holds.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct CloudData {
    format: u32,
    addons: Vec<AddonRecord>,
    plugins: Vec<PluginRecord>,
    installs: BTreeMap<String, u64>,
}

/// The emulated cloud. Not thread-safe by itself: the server keeps it behind one mutex.
pub(crate) struct Cloud {
    fixture: Fixture,
    clusters: HashSet<String>,
    autopilot_clusters: HashSet<String>,
    pools: HashSet<String>,
    catalogue: Catalogue,
    op_ms: u64,
    addons: HashMap<String, AddonRecord>,
    /// Uids per cluster in creation order, including objects whose deletion has finished until
    /// they are purged.
    by_cluster: HashMap<(AddonService, String), Vec<String>>,
    /// Plug-ins per pool, by template name.
    plugins: HashMap<String, BTreeMap<String, PluginRecord>>,
    installs: BTreeMap<String, u64>,
}

impl Cloud {
    pub(crate) fn new(fixture: Fixture, catalogue: Catalogue, op_ms: u64) -> Self {
        Self {
            clusters: fixture.clusters.iter().cloned().collect(),
            autopilot_clusters: fixture.autopilot_clusters.iter().cloned().collect(),
            pools: fixture.pools.iter().cloned().collect(),
            fixture,
            catalogue,
            op_ms,
            addons: HashMap::new(),
            by_cluster: HashMap::new(),
            plugins: HashMap::new(),
            installs: BTreeMap::new(),
        }
    }

    pub(crate) fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    /// Replaces the contents with what a data file held.
    pub(crate) fn load(&mut self, data: CloudData) {
        let mut addons: Vec<AddonRecord> = data.addons;
        addons.sort_by(|a, b| (a.created_ms, &a.uid).cmp(&(b.created_ms, &b.uid)));
        for record in addons {
            self.by_cluster
                .entry((record.service, record.cluster_id.clone()))
                .or_default()
                .push(record.uid.clone());
            self.addons.insert(record.uid.clone(), record);
        }
        for record in data.plugins {
            self.plugins
                .entry(record.pool.clone())
                .or_default()
                .insert(record.template.clone(), record);
        }
        self.installs = data.installs;
    }

    /// What the data file should hold now; objects whose deletion has finished are left out.
    pub(crate) fn data(&self) -> CloudData {
        let now = now_ms();
        let mut addons: Vec<AddonRecord> = self
            .addons
            .values()
            .filter(|record| record.op.stage(now) != Stage::Gone)
            .cloned()
            .collect();
        addons.sort_by(|a, b| (a.created_ms, &a.uid).cmp(&(b.created_ms, &b.uid)));
        let mut plugins: Vec<PluginRecord> = self
            .plugins
            .values()
            .flat_map(BTreeMap::values)
            .filter(|record| record.op.stage(now) != Stage::Gone)
            .cloned()
            .collect();
        plugins.sort_by(|a, b| (&a.pool, &a.template).cmp(&(&b.pool, &b.template)));
        CloudData {
            format: DATA_FORMAT,
            addons,
            plugins,
            installs: self.installs.clone(),
        }
    }

    pub(crate) fn snapshot(&self) -> CloudSnapshot {
        let now = now_ms();
        let addons = self
            .addons
            .values()
            .filter_map(|record| {
                let status = addon_status(record.op.stage(now))?;
                Some(AddonSummary {
                    service: record.service.as_str(),
                    cluster_id: record.cluster_id.clone(),
                    template: record.template.clone(),
                    uid: record.uid.clone(),
                    version: record.version.clone(),
                    status: status.to_owned(),
                })
            })
            .collect();
        let plugins = self
            .plugins
            .values()
            .flat_map(BTreeMap::values)
            .filter_map(|record| {
                let (phase, _) = plugin_phase(record.op.stage(now))?;
                Some(PluginSummary {
                    pool: record.pool.clone(),
                    template: record.template.clone(),
                    version: record.version.clone(),
                    phase: phase.to_owned(),
                })
            })
            .collect();
        CloudSnapshot {
            addons,
            plugins,
            installs: self.installs.clone(),
        }
    }

    // ----- CCE and CCE Autopilot add-ons -----

    fn check_cluster(&self, service: AddonService, cluster_id: &str) -> Result<(), ApiError> {
        let known = match service {
            AddonService::Cce => &self.clusters,
            AddonService::Autopilot => &self.autopilot_clusters,
        };
        if known.contains(cluster_id) {
            Ok(())
        } else {
            Err(ApiError::cce(
                StatusCode::NOT_FOUND,
                CCE_CLUSTER_NOT_FOUND,
                format!("Resource not found: the cluster {cluster_id} does not exist"),
            ))
        }
    }

    /// Whether `host`'s first label names a CCE cluster (`{cluster_id}.cce.{region}...`).
    pub(crate) fn cluster_of_host(&self, host: &str) -> Option<String> {
        let first = host.split('.').next()?;
        self.clusters.contains(first).then(|| first.to_owned())
    }

    /// `POST /api/v3/addons` and `POST /autopilot/v3/addons`: 201 with the new add-on.
    pub(crate) fn install_addon(
        &mut self,
        service: AddonService,
        body: &[u8],
    ) -> Result<Addon, ApiError> {
        let request = parse_addon_request(body)?;
        let spec = &request.spec;
        self.check_cluster(service, &spec.cluster_id)?;
        let template = self.addon_template(service, &spec.addon_template_name)?;
        let version = match &spec.version {
            Some(version) => check_addon_version(template, version)?,
            None => template.newest().to_owned(),
        };
        self.check_support(service, template, &version, &spec.cluster_id)?;
        let values = user_values(&spec.values)?;
        let now = now_ms();
        self.purge_cluster(service, &spec.cluster_id, now);
        let existing = self
            .by_cluster
            .get(&(service, spec.cluster_id.clone()))
            .into_iter()
            .flatten()
            .filter_map(|uid| self.addons.get(uid))
            .find(|record| record.template == spec.addon_template_name);
        if let Some(existing) = existing {
            return Err(ApiError::cce(
                StatusCode::CONFLICT,
                CCE_ADDON_EXISTS,
                format!(
                    "addon instance {} already exists in cluster {}: {}",
                    existing.template, existing.cluster_id, existing.uid
                ),
            ));
        }
        let record = AddonRecord {
            uid: uuid::Uuid::new_v4().to_string(),
            service,
            cluster_id: spec.cluster_id.clone(),
            template: spec.addon_template_name.clone(),
            version,
            values,
            alias: request.metadata.alias.clone(),
            annotations: request.metadata.annotations.clone(),
            created_ms: now,
            updated_ms: now,
            previous_version: None,
            previous_values: None,
            op: self.operation(OpKind::Install, &spec.addon_template_name, now),
        };
        *self
            .installs
            .entry(format!(
                "{}/{}/{}",
                service.as_str(),
                record.cluster_id,
                record.template
            ))
            .or_default() += 1;
        self.by_cluster
            .entry((service, record.cluster_id.clone()))
            .or_default()
            .push(record.uid.clone());
        let addon = self.render_addon(&record, Stage::InProgress(OpKind::Install));
        self.addons.insert(record.uid.clone(), record);
        Ok(addon)
    }

    /// `GET .../addons/{id}`.
    pub(crate) fn read_addon(
        &self,
        service: AddonService,
        uid: &str,
        cluster_id: Option<&str>,
    ) -> Result<Addon, ApiError> {
        let now = now_ms();
        let record = self.find_addon(service, uid, cluster_id, now)?;
        Ok(self.render_addon(record, record.op.stage(now)))
    }

    /// `GET .../addons?cluster_id=`.
    pub(crate) fn list_addons(
        &self,
        service: AddonService,
        cluster_id: &str,
    ) -> Result<Vec<Addon>, ApiError> {
        self.check_cluster(service, cluster_id)?;
        let now = now_ms();
        Ok(self
            .by_cluster
            .get(&(service, cluster_id.to_owned()))
            .into_iter()
            .flatten()
            .filter_map(|uid| self.addons.get(uid))
            .filter_map(|record| {
                let stage = record.op.stage(now);
                (stage != Stage::Gone).then(|| self.render_addon(record, stage))
            })
            .collect())
    }

    /// `PUT .../addons/{id}`: upgrade or change values.
    pub(crate) fn upgrade_addon(
        &mut self,
        service: AddonService,
        uid: &str,
        cluster_id: Option<&str>,
        body: &[u8],
    ) -> Result<Addon, ApiError> {
        let request = parse_addon_request(body)?;
        let spec = &request.spec;
        let now = now_ms();
        let record = self.find_addon(service, uid, cluster_id, now)?;
        if spec.cluster_id != record.cluster_id {
            return Err(ApiError::cce(
                StatusCode::BAD_REQUEST,
                CCE_BAD_REQUEST,
                format!(
                    "Request Body Error: spec.clusterID {} is not the cluster of addon {uid}",
                    spec.cluster_id
                ),
            ));
        }
        if spec.addon_template_name != record.template {
            return Err(ApiError::cce(
                StatusCode::BAD_REQUEST,
                CCE_BAD_REQUEST,
                format!(
                    "Request Body Error: addon {uid} is an instance of {}, not {}",
                    record.template, spec.addon_template_name
                ),
            ));
        }
        let Some(version) = &spec.version else {
            return Err(ApiError::cce(
                StatusCode::BAD_REQUEST,
                CCE_BAD_REQUEST,
                "Request Body Error: spec.version is required to upgrade an addon",
            ));
        };
        match record.op.stage(now) {
            Stage::InProgress(kind) => {
                return Err(ApiError::cce(
                    StatusCode::CONFLICT,
                    CCE_ADDON_BUSY,
                    format!(
                        "addon instance {uid} is {}, retry when the operation is done",
                        addon_progress_status(kind)
                    ),
                ));
            }
            Stage::Failed(OpKind::Install) => {
                return Err(ApiError::cce(
                    StatusCode::BAD_REQUEST,
                    CCE_BAD_REQUEST,
                    format!(
                        "addon instance {uid} is installFailed: uninstall it and install it again"
                    ),
                ));
            }
            _ => {}
        }
        let template = self.addon_template(service, &record.template)?;
        let version = check_addon_version(template, version)?;
        self.check_support(service, template, &version, &record.cluster_id)?;
        let values = user_values(&spec.values)?;
        let mut op = self.operation(OpKind::Upgrade, &record.template, now);
        op.fails |= template.failing_upgrades.contains(&version);
        let Some(record) = self.addons.get_mut(uid) else {
            return Err(addon_not_found(uid));
        };
        record.previous_version = Some(std::mem::replace(&mut record.version, version));
        record.previous_values = Some(std::mem::replace(&mut record.values, values));
        if request.metadata.alias.is_some() {
            record.alias.clone_from(&request.metadata.alias);
        }
        record.annotations.clone_from(&request.metadata.annotations);
        record.updated_ms = now;
        record.op = op;
        let record = record.clone();
        Ok(self.render_addon(&record, Stage::InProgress(OpKind::Upgrade)))
    }

    /// `POST .../addons/{id}/operation/rollback`: back to the version (and values) before the last
    /// upgrade, allowed when `status.isRollbackable` and the add-on is running, available,
    /// abnormal, `upgradeFailed` or `rollbackFailed` (the SDK's `RollbackAddonInstance`).
    pub(crate) fn rollback_addon(
        &mut self,
        service: AddonService,
        uid: &str,
        body: &[u8],
    ) -> Result<Addon, ApiError> {
        let request: plinth_cloud::model::AddonRollbackRequest = serde_json::from_slice(body)
            .map_err(|error| {
                ApiError::cce(
                    StatusCode::BAD_REQUEST,
                    CCE_BAD_REQUEST,
                    format!("Request Body Error: {error}"),
                )
            })?;
        let now = now_ms();
        let record = self.find_addon(service, uid, Some(&request.cluster_id), now)?;
        if let Stage::InProgress(kind) | Stage::Failed(kind @ (OpKind::Install | OpKind::Delete)) =
            record.op.stage(now)
        {
            let status = addon_status(record.op.stage(now)).unwrap_or(addon_progress_status(kind));
            return Err(ApiError::cce(
                StatusCode::BAD_REQUEST,
                CCE_BAD_REQUEST,
                format!("addon instance {uid} is {status}: it cannot be rolled back now"),
            ));
        }
        let Some(previous) = record.previous_version.clone() else {
            return Err(ApiError::cce(
                StatusCode::BAD_REQUEST,
                CCE_BAD_REQUEST,
                format!("addon instance {uid} is not rollbackable: it has no previous version"),
            ));
        };
        let op = self.operation(OpKind::Rollback, &record.template, now);
        let Some(record) = self.addons.get_mut(uid) else {
            return Err(addon_not_found(uid));
        };
        record.version = previous;
        record.previous_version = None;
        if let Some(values) = record.previous_values.take() {
            record.values = values;
        }
        record.updated_ms = now;
        record.op = op;
        let record = record.clone();
        Ok(self.render_addon(&record, Stage::InProgress(OpKind::Rollback)))
    }

    /// The clusters of a service (`ListClusters`), in fixture order.
    pub(crate) fn clusters(&self, service: AddonService) -> Vec<plinth_cloud::model::Cluster> {
        let ids = match service {
            AddonService::Cce => &self.fixture.clusters,
            AddonService::Autopilot => &self.fixture.autopilot_clusters,
        };
        ids.iter()
            .map(|id| self.render_cluster(service, id))
            .collect()
    }

    /// One cluster (`ShowCluster`).
    pub(crate) fn cluster(
        &self,
        service: AddonService,
        id: &str,
    ) -> Result<plinth_cloud::model::Cluster, ApiError> {
        self.check_cluster(service, id)?;
        Ok(self.render_cluster(service, id))
    }

    fn render_cluster(&self, service: AddonService, id: &str) -> plinth_cloud::model::Cluster {
        use plinth_cloud::model::{Cluster, ClusterMetadata, ClusterSpec, ClusterStatus};
        let version = self.fixture.cluster_version(id);
        Cluster {
            kind: "Cluster".to_owned(),
            api_version: "v3".to_owned(),
            metadata: ClusterMetadata {
                uid: id.to_owned(),
                name: format!("cluster-{}", id.get(..8).unwrap_or(id)),
                creation_timestamp: Some(TEMPLATE_TIMESTAMP.to_owned()),
                update_timestamp: Some(TEMPLATE_TIMESTAMP.to_owned()),
                ..Default::default()
            },
            spec: ClusterSpec {
                cluster_type: Some(service.cluster_type().to_owned()),
                flavor: Some(match service {
                    AddonService::Cce => "cce.s1.small".to_owned(),
                    AddonService::Autopilot => "cce.autopilot.cluster".to_owned(),
                }),
                version: Some(version.to_owned()),
                platform_version: Some("cce.10.0".to_owned()),
                ..Default::default()
            },
            status: Some(ClusterStatus {
                phase: Some("Available".to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// The resource pools (`ListPools`), in fixture order.
    pub(crate) fn pools(&self) -> Vec<plinth_cloud::model::Pool> {
        use plinth_cloud::model::{Pool, PoolMetadata, PoolStatus};
        self.fixture
            .pools
            .iter()
            .map(|name| Pool {
                api_version: "v2".to_owned(),
                kind: "Pool".to_owned(),
                metadata: PoolMetadata {
                    name: name.clone(),
                    creation_timestamp: Some(TEMPLATE_TIMESTAMP.to_owned()),
                    labels: Some(json!({ "os.modelarts/name": name })),
                    ..Default::default()
                },
                status: Some(PoolStatus {
                    phase: Some("Running".to_owned()),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect()
    }

    /// An add-on version that does not support its cluster's Kubernetes version is refused.
    fn check_support(
        &self,
        service: AddonService,
        template: &AddonTemplate,
        version: &str,
        cluster_id: &str,
    ) -> Result<(), ApiError> {
        let cluster_version = self.fixture.cluster_version(cluster_id);
        if template.supports(service, version, cluster_version) {
            Ok(())
        } else {
            Err(ApiError::cce(
                StatusCode::BAD_REQUEST,
                CCE_BAD_REQUEST,
                format!(
                    "Request Body Error: version {version} of addon template {} does not \
                     support cluster version {cluster_version}",
                    template.name
                ),
            ))
        }
    }

    /// `DELETE .../addons/{id}`: starts the deletion; the answer is a Kubernetes-style status.
    pub(crate) fn delete_addon(
        &mut self,
        service: AddonService,
        uid: &str,
        cluster_id: Option<&str>,
    ) -> Result<Value, ApiError> {
        let now = now_ms();
        let record = self.find_addon(service, uid, cluster_id, now)?;
        let deleting = record.op.stage(now) == Stage::InProgress(OpKind::Delete);
        if !deleting {
            let op = self.operation(OpKind::Delete, "", now);
            if let Some(record) = self.addons.get_mut(uid) {
                record.op = op;
                record.updated_ms = now;
            }
        }
        Ok(json!({
            "kind": "Status",
            "apiVersion": "v3",
            "metadata": {},
            "status": "Success",
            "message": format!("delete addon instance {uid} success"),
        }))
    }

    /// `GET .../addontemplates[?addon_template_name=]`.
    pub(crate) fn addon_templates(&self, service: AddonService, name: Option<&str>) -> Value {
        let items: Vec<Value> = self
            .catalogue
            .addon_templates(service)
            .iter()
            .filter(|template| name.is_none_or(|name| template.name == name))
            .map(|template| render_addon_template(service, template))
            .collect();
        json!({ "kind": "Addon", "apiVersion": "v3", "items": items })
    }

    fn addon_template(
        &self,
        service: AddonService,
        name: &str,
    ) -> Result<&AddonTemplate, ApiError> {
        self.catalogue.addon_template(service, name).ok_or_else(|| {
            ApiError::cce(
                StatusCode::BAD_REQUEST,
                CCE_BAD_REQUEST,
                format!("Request Body Error: addon template {name} does not exist"),
            )
        })
    }

    fn find_addon(
        &self,
        service: AddonService,
        uid: &str,
        cluster_id: Option<&str>,
        now: u64,
    ) -> Result<&AddonRecord, ApiError> {
        if let Some(cluster_id) = cluster_id {
            self.check_cluster(service, cluster_id)?;
        }
        self.addons
            .get(uid)
            .filter(|record| record.service == service)
            .filter(|record| cluster_id.is_none_or(|cluster| cluster == record.cluster_id))
            .filter(|record| record.op.stage(now) != Stage::Gone)
            .ok_or_else(|| addon_not_found(uid))
    }

    /// Forgets the add-ons of a cluster whose deletion has finished.
    fn purge_cluster(&mut self, service: AddonService, cluster_id: &str, now: u64) {
        let Some(uids) = self.by_cluster.get_mut(&(service, cluster_id.to_owned())) else {
            return;
        };
        let addons = &mut self.addons;
        uids.retain(|uid| {
            let gone = addons
                .get(uid)
                .is_none_or(|record| record.op.stage(now) == Stage::Gone);
            if gone {
                addons.remove(uid);
            }
            !gone
        });
    }

    fn operation(&self, kind: OpKind, template: &str, now: u64) -> Operation {
        Operation {
            kind,
            started_ms: now,
            duration_ms: self.op_ms,
            fails: kind != OpKind::Delete && template == ALWAYS_FAILS,
        }
    }

    fn render_addon(&self, record: &AddonRecord, stage: Stage) -> Addon {
        let template = self
            .catalogue
            .addon_template(record.service, &record.template);
        let mut values = template.map_or(Value::Object(serde_json::Map::new()), |template| {
            template.default_values(&record.version)
        });
        deep_merge(&mut values, &record.values);
        let status = addon_status(stage).unwrap_or("deleteSuccess");
        let (reason, message) = match stage {
            Stage::Failed(kind) => (
                format!("{} addon failed", addon_verb(kind)),
                format!(
                    "release {name}: pod {name}-0 in namespace kube-system: \
                     Back-off pulling image \"{name}:{version}\" (ImagePullBackOff)",
                    name = record.template,
                    version = record.version,
                ),
            ),
            _ => (String::new(), String::new()),
        };
        let support_versions = SupportVersion {
            cluster_type: Some(record.service.cluster_type().to_owned()),
            cluster_version: Some(template.map_or_else(
                || vec![record.service.default_cluster_versions().to_owned()],
                |template| template.supported_cluster_versions(record.service, &record.version),
            )),
            ..Default::default()
        };
        Addon {
            kind: "Addon".to_owned(),
            api_version: "v3".to_owned(),
            metadata: AddonMetadata {
                uid: Some(record.uid.clone()),
                name: Some(record.template.clone()),
                alias: Some(
                    record
                        .alias
                        .clone()
                        .unwrap_or_else(|| record.template.clone()),
                ),
                labels: Some(json!({})),
                annotations: Some(record.annotations.clone()),
                creation_timestamp: Some(timestamp(record.created_ms)),
                update_timestamp: Some(timestamp(record.updated_ms)),
                ..Default::default()
            },
            spec: AddonSpec {
                cluster_id: Some(record.cluster_id.clone()),
                version: Some(record.version.clone()),
                addon_template_name: record.template.clone(),
                addon_template_type: template.map(|t| t.template_type.clone()),
                addon_template_logo: Some(String::new()),
                addon_template_labels: template.map(|t| t.labels.clone()),
                description: template.map(|t| t.description.clone()),
                values: Some(values),
                ..Default::default()
            },
            status: Some(AddonStatus {
                status: Some(status.to_owned()),
                reason: Some(reason),
                message: Some(message),
                target_versions: Some(
                    template.map_or_else(Vec::new, |t| t.newer_than(&record.version)),
                ),
                current_version: Some(AddonVersion {
                    version: record.version.clone(),
                    input: template.map(|t| t.input(&record.version)),
                    stable: Some(true),
                    translate: template.map(|t| t.translate.clone()),
                    support_versions: Some(vec![support_versions]),
                    creation_timestamp: Some(TEMPLATE_TIMESTAMP.to_owned()),
                    update_timestamp: Some(TEMPLATE_TIMESTAMP.to_owned()),
                    ..Default::default()
                }),
                is_rollbackable: Some(
                    record.previous_version.is_some()
                        && !matches!(stage, Stage::InProgress(_) | Stage::Failed(OpKind::Install)),
                ),
                previous_version: Some(record.previous_version.clone().unwrap_or_default()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    // ----- ModelArts plug-ins -----

    fn check_pool(&self, pool: &str) -> Result<(), ApiError> {
        if self.pools.contains(pool) {
            Ok(())
        } else {
            Err(ApiError::modelarts(
                StatusCode::NOT_FOUND,
                MODELARTS_NOT_FOUND,
                format!("Pool {pool} not found."),
            ))
        }
    }

    /// `GET /v2/{project_id}/pools/{pool_name}/plugins`.
    pub(crate) fn list_plugins(&self, pool: &str) -> Result<Vec<Plugin>, ApiError> {
        self.check_pool(pool)?;
        let now = now_ms();
        Ok(self
            .plugins
            .get(pool)
            .into_iter()
            .flat_map(BTreeMap::values)
            .filter_map(|record| self.render_plugin(record, record.op.stage(now)))
            .collect())
    }

    /// `POST /v2/{project_id}/pools/{pool_name}/plugins`: installs the template, or upgrades it
    /// when it is already installed in the pool.
    pub(crate) fn create_plugin(&mut self, pool: &str, body: &[u8]) -> Result<Plugin, ApiError> {
        self.check_pool(pool)?;
        let request: PluginRequest = serde_json::from_slice(body).map_err(|error| {
            ApiError::modelarts(
                StatusCode::BAD_REQUEST,
                MODELARTS_BAD_REQUEST,
                format!("Bad request. {error}"),
            )
        })?;
        if request.kind != "Plugin" || request.api_version != "v2" {
            return Err(ApiError::modelarts(
                StatusCode::BAD_REQUEST,
                MODELARTS_BAD_REQUEST,
                format!(
                    "Bad request. kind must be Plugin and apiVersion v2, not {} and {}",
                    request.kind, request.api_version
                ),
            ));
        }
        let name = request.spec.template.name.as_str();
        let Some(template) = self.catalogue.plugin_template(name) else {
            return Err(ApiError::modelarts(
                StatusCode::BAD_REQUEST,
                MODELARTS_BAD_REQUEST,
                format!("Bad request. Plugin template {name} does not exist."),
            ));
        };
        let version = match &request.spec.template.version {
            Some(version) if template.has_version(version) => version.clone(),
            Some(version) => {
                return Err(ApiError::modelarts(
                    StatusCode::BAD_REQUEST,
                    MODELARTS_BAD_REQUEST,
                    format!(
                        "Bad request. Version {version} of plugin template {name} does not exist; \
                         versions: {}",
                        template.versions.join(", ")
                    ),
                ));
            }
            None => template.newest().to_owned(),
        };
        let inputs = match &request.spec.template.inputs {
            None | Some(Value::Null) => json!({}),
            Some(inputs @ Value::Object(_)) => inputs.clone(),
            Some(_) => {
                return Err(ApiError::modelarts(
                    StatusCode::BAD_REQUEST,
                    MODELARTS_BAD_REQUEST,
                    "Bad request. spec.template.inputs must be an object.",
                ));
            }
        };
        let resource_count = template.resources.len();
        let now = now_ms();
        let existing = self
            .plugins
            .get(pool)
            .and_then(|plugins| plugins.get(name))
            .map(|record| (record.op.stage(now), record.created_ms));
        let (kind, created_ms) = match existing {
            None | Some((Stage::Gone, _)) => (OpKind::Install, now),
            Some((Stage::InProgress(kind), _)) => {
                return Err(ApiError::modelarts(
                    StatusCode::BAD_REQUEST,
                    MODELARTS_BAD_REQUEST,
                    format!(
                        "Bad request. Plugin {name} is {}; retry when it is done.",
                        plugin_progress_phase(kind)
                    ),
                ));
            }
            Some((_, created_ms)) => (OpKind::Upgrade, created_ms),
        };
        let op = self.operation(kind, name, now);
        let record = PluginRecord {
            pool: pool.to_owned(),
            template: name.to_owned(),
            version,
            inputs,
            created_ms,
            resource_uids: (0..resource_count)
                .map(|_| uuid::Uuid::new_v4().to_string())
                .collect(),
            op,
        };
        if kind == OpKind::Install {
            *self
                .installs
                .entry(format!("modelarts/{pool}/{name}"))
                .or_default() += 1;
        }
        let rendered = self.render_plugin(&record, Stage::InProgress(kind));
        self.plugins
            .entry(pool.to_owned())
            .or_default()
            .insert(name.to_owned(), record);
        rendered.ok_or_else(|| plugin_not_found(pool, name))
    }

    /// `DELETE /v2/{project_id}/pools/{pool_name}/plugins/{template_name}`: 200 with the plug-in
    /// as it was when the deletion started (seed 003).
    pub(crate) fn delete_plugin(&mut self, pool: &str, name: &str) -> Result<Plugin, ApiError> {
        self.check_pool(pool)?;
        let now = now_ms();
        let op = self.operation(OpKind::Delete, name, now);
        let record = self
            .plugins
            .get_mut(pool)
            .and_then(|plugins| plugins.get_mut(name))
            .filter(|record| record.op.stage(now) != Stage::Gone)
            .ok_or_else(|| plugin_not_found(pool, name))?;
        let before = record.clone();
        if record.op.stage(now) != Stage::InProgress(OpKind::Delete) {
            record.op = op;
        }
        self.render_plugin(&before, before.op.stage(now))
            .ok_or_else(|| plugin_not_found(pool, name))
    }

    /// `GET /v2/{project_id}/plugintemplates[?templateName=&poolName=]`.
    pub(crate) fn plugin_templates(
        &self,
        name: Option<&str>,
        pool: Option<&str>,
    ) -> Result<PluginTemplateList, ApiError> {
        if let Some(pool) = pool {
            self.check_pool(pool)?;
        }
        let items = self
            .catalogue
            .plugin_templates()
            .iter()
            .filter(|template| name.is_none_or(|name| template.name == name))
            .map(|template| WirePluginTemplate {
                metadata: PluginTemplateMetadata {
                    name: template.name.clone(),
                    annotations: Some(template.annotations.clone()),
                    ..Default::default()
                },
                spec: PluginTemplateSpec {
                    template_type: Some(template.template_type.clone()),
                    versions: template
                        .versions
                        .iter()
                        .map(|version| PluginTemplateVersion {
                            version: version.clone(),
                            inputs: Some(template.inputs.clone()),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                },
                ..Default::default()
            })
            .collect();
        Ok(PluginTemplateList {
            kind: "PluginTemplateList".to_owned(),
            api_version: "v2".to_owned(),
            items,
            ..Default::default()
        })
    }

    /// `None` when the plug-in is gone.
    fn render_plugin(&self, record: &PluginRecord, stage: Stage) -> Option<Plugin> {
        let (phase, reason) = plugin_phase(stage)?;
        let template = self.catalogue.plugin_template(&record.template);
        let mut inputs = template.map_or_else(|| json!({}), |template| template.inputs.clone());
        deep_merge(&mut inputs, &record.inputs);
        let reason = if phase == "Abnormal" {
            format!(
                "{reason}: pod {}-0 Back-off pulling image (ImagePullBackOff)",
                record.template
            )
        } else {
            reason.to_owned()
        };
        let resources = template.map(|template| {
            template
                .resources
                .iter()
                .zip(&record.resource_uids)
                .map(|(resource, uid)| PluginResource {
                    involved_object: Some(ObjectReference {
                        kind: Some(resource.kind.clone()),
                        api_version: Some("apps/v1".to_owned()),
                        namespace: Some("kube-system".to_owned()),
                        name: Some(resource.name.clone()),
                        uid: Some(uid.clone()),
                        resource_version: Some(record.op.started_ms.to_string()),
                        ..Default::default()
                    }),
                    replicas: Some(resource.replicas),
                    limits: Some(resource.limits.clone()),
                    requests: Some(resource.requests.clone()),
                    ..Default::default()
                })
                .collect()
        });
        Some(Plugin {
            kind: "Plugin".to_owned(),
            api_version: "v2".to_owned(),
            metadata: Some(PluginMetadata {
                name: Some(format!("{}-{}", record.pool, record.template)),
                creation_timestamp: Some(timestamp(record.created_ms)),
                ..Default::default()
            }),
            spec: PluginSpec {
                template: PluginTemplateRef {
                    name: record.template.clone(),
                    version: Some(record.version.clone()),
                    inputs: Some(inputs.clone()),
                    ..Default::default()
                },
                ..Default::default()
            },
            status: Some(PluginStatus {
                phase: Some(phase.to_owned()),
                version: Some(record.version.clone()),
                reason: Some(reason),
                values: Some(inputs.to_string()),
                resources,
                ..Default::default()
            }),
            ..Default::default()
        })
    }
}

fn parse_addon_request(body: &[u8]) -> Result<AddonRequest, ApiError> {
    let request: AddonRequest = serde_json::from_slice(body).map_err(|error| {
        ApiError::cce(
            StatusCode::BAD_REQUEST,
            CCE_BAD_REQUEST,
            format!("Request Body Error: {error}"),
        )
    })?;
    if request.kind != "Addon" || request.api_version != "v3" {
        return Err(ApiError::cce(
            StatusCode::BAD_REQUEST,
            CCE_BAD_REQUEST,
            format!(
                "Request Body Error: kind must be Addon and apiVersion v3, not {} and {}",
                request.kind, request.api_version
            ),
        ));
    }
    Ok(request)
}

fn check_addon_version(template: &AddonTemplate, version: &str) -> Result<String, ApiError> {
    if template.has_version(version) {
        Ok(version.to_owned())
    } else {
        Err(ApiError::cce(
            StatusCode::BAD_REQUEST,
            CCE_BAD_REQUEST,
            format!(
                "Request Body Error: version {version} of addon template {} does not exist; \
                 versions: {}",
                template.name,
                template.versions.join(", ")
            ),
        ))
    }
}

/// The `values` the user sent: an object, or nothing.
fn user_values(values: &Value) -> Result<Value, ApiError> {
    match values {
        Value::Null => Ok(json!({})),
        Value::Object(_) => Ok(values.clone()),
        _ => Err(ApiError::cce(
            StatusCode::BAD_REQUEST,
            CCE_BAD_REQUEST,
            "Request Body Error: spec.values must be an object",
        )),
    }
}

fn addon_not_found(uid: &str) -> ApiError {
    ApiError::cce(
        StatusCode::NOT_FOUND,
        CCE_ADDON_NOT_FOUND,
        format!("Addon not exist: addon instance {uid} not found"),
    )
}

fn plugin_not_found(pool: &str, name: &str) -> ApiError {
    ApiError::modelarts(
        StatusCode::NOT_FOUND,
        MODELARTS_NOT_FOUND,
        format!("Plugin {name} not found in pool {pool}."),
    )
}

/// The add-on `status.status` of a stage; `None` when gone.
fn addon_status(stage: Stage) -> Option<&'static str> {
    Some(match stage {
        Stage::InProgress(kind) => addon_progress_status(kind),
        Stage::Done(_) => "running",
        Stage::Failed(OpKind::Install) => "installFailed",
        Stage::Failed(OpKind::Upgrade) => "upgradeFailed",
        Stage::Failed(OpKind::Delete) => "deleteFailed",
        Stage::Failed(OpKind::Rollback) => "rollbackFailed",
        Stage::Gone => return None,
    })
}

fn addon_progress_status(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Install => "installing",
        OpKind::Upgrade => "upgrading",
        OpKind::Delete => "deleting",
        OpKind::Rollback => "rollbacking",
    }
}

fn addon_verb(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Install => "install",
        OpKind::Upgrade => "upgrade",
        OpKind::Delete => "delete",
        OpKind::Rollback => "rollback",
    }
}

/// The plug-in `status.phase` and `status.reason` of a stage; `None` when gone.
fn plugin_phase(stage: Stage) -> Option<(&'static str, &'static str)> {
    Some(match stage {
        Stage::InProgress(kind) => (plugin_progress_phase(kind), ""),
        Stage::Done(OpKind::Install) => ("Running", "Install complete"),
        Stage::Done(_) => ("Running", "Upgrade complete"),
        Stage::Failed(OpKind::Install) => ("Abnormal", "Install failed"),
        Stage::Failed(_) => ("Abnormal", "Upgrade failed"),
        Stage::Gone => return None,
    })
}

fn plugin_progress_phase(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Install => "Pending",
        OpKind::Upgrade | OpKind::Rollback => "Updating",
        OpKind::Delete => "Deleting",
    }
}

fn render_addon_template(service: AddonService, template: &AddonTemplate) -> Value {
    let cluster_type = service.cluster_type();
    let versions: Vec<Value> = template
        .versions
        .iter()
        .map(|version| {
            json!({
                "version": version,
                "input": template.input(version),
                "stable": true,
                "translate": template.translate,
                "supportVersions": [{
                    "clusterType": cluster_type,
                    "clusterVersion": template.supported_cluster_versions(service, version),
                }],
                "creationTimestamp": TEMPLATE_TIMESTAMP,
                "updateTimestamp": TEMPLATE_TIMESTAMP,
            })
        })
        .collect();
    json!({
        "kind": "Addon",
        "apiVersion": "v3",
        "metadata": {
            "uid": template.name,
            "name": template.name,
            "alias": template.alias,
            "labels": {},
            "annotations": {},
            "creationTimestamp": TEMPLATE_TIMESTAMP,
            "updateTimestamp": TEMPLATE_TIMESTAMP,
        },
        "spec": {
            "type": template.template_type,
            "require": template.require,
            "labels": template.labels,
            "logoURL": "",
            "readmeURL": "",
            "description": template.description,
            "versions": versions,
        },
    })
}

/// Milliseconds since the Unix epoch, now.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// RFC 3339 in UTC with seconds, as the services write it: `2025-01-22T03:01:53Z`.
fn timestamp(ms: u64) -> String {
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud(op_ms: u64) -> Cloud {
        Cloud::new(
            Fixture::default(),
            Catalogue::builtin("cn-north-4").unwrap(),
            op_ms,
        )
    }

    const CLUSTER: &str = "c0ffee00-0000-4000-8000-000000000001";

    fn install_body(template: &str, values: &Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "kind": "Addon", "apiVersion": "v3",
            "metadata": {"annotations": {"addon.install/type": "install"}},
            "spec": {"clusterID": CLUSTER, "addonTemplateName": template, "values": values},
        }))
        .unwrap()
    }

    #[test]
    fn install_fills_defaults_under_user_values() {
        let mut cloud = cloud(0);
        let addon = cloud
            .install_addon(
                AddonService::Cce,
                &install_body("coredns", &json!({"flavor": {"replicas": 3}})),
            )
            .unwrap();
        assert_eq!(addon.spec.version.as_deref(), Some("1.30.6"));
        let values = addon.spec.values.unwrap();
        assert_eq!(values["flavor"]["replicas"], 3);
        assert_eq!(values["flavor"]["name"], 2500);
        assert_eq!(values["basic"]["cluster_ip"], "10.247.3.10");
        assert_eq!(addon.status.unwrap().status.as_deref(), Some("installing"));
    }

    #[test]
    fn zero_op_time_shows_the_end_state_on_the_next_read() {
        let mut cloud = cloud(0);
        let uid = cloud
            .install_addon(AddonService::Cce, &install_body("npd", &json!({})))
            .unwrap()
            .metadata
            .uid
            .unwrap();
        let read = cloud.read_addon(AddonService::Cce, &uid, None).unwrap();
        assert_eq!(read.status.unwrap().status.as_deref(), Some("running"));
        cloud.delete_addon(AddonService::Cce, &uid, None).unwrap();
        let gone = cloud.read_addon(AddonService::Cce, &uid, None).unwrap_err();
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
    }

    #[test]
    fn always_fails_ends_in_install_failed_with_a_reason() {
        let mut cloud = cloud(0);
        let uid = cloud
            .install_addon(AddonService::Cce, &install_body(ALWAYS_FAILS, &json!({})))
            .unwrap()
            .metadata
            .uid
            .unwrap();
        let status = cloud
            .read_addon(AddonService::Cce, &uid, Some(CLUSTER))
            .unwrap()
            .status
            .unwrap();
        assert_eq!(status.status.as_deref(), Some("installFailed"));
        assert!(!status.reason.unwrap().is_empty());
        assert!(status.message.unwrap().contains("ImagePullBackOff"));
    }

    #[test]
    fn second_install_of_a_template_conflicts_until_the_first_is_gone() {
        let mut cloud = cloud(0);
        let uid = cloud
            .install_addon(AddonService::Cce, &install_body("npd", &json!({})))
            .unwrap()
            .metadata
            .uid
            .unwrap();
        let conflict = cloud
            .install_addon(AddonService::Cce, &install_body("npd", &json!({})))
            .unwrap_err();
        assert_eq!(conflict.status, StatusCode::CONFLICT);
        cloud.delete_addon(AddonService::Cce, &uid, None).unwrap();
        cloud
            .install_addon(AddonService::Cce, &install_body("npd", &json!({})))
            .unwrap();
        assert_eq!(
            cloud.snapshot().installs_of(&format!("cce/{CLUSTER}/npd")),
            2
        );
        assert_eq!(
            cloud.list_addons(AddonService::Cce, CLUSTER).unwrap().len(),
            1
        );
    }

    #[test]
    fn plugin_upgrade_falls_back_to_template_defaults_for_left_out_inputs() {
        let mut cloud = cloud(0);
        let install = json!({"apiVersion": "v2", "kind": "Plugin", "spec": {"template": {
            "name": "node-local-dns", "version": "1.6.36",
            "inputs": {"custom": {"ndots": "2"}, "flavor": {"size": "small"}}}}});
        cloud
            .create_plugin("pool-a", &serde_json::to_vec(&install).unwrap())
            .unwrap();
        let upgrade = json!({"apiVersion": "v2", "kind": "Plugin", "spec": {"template": {
            "name": "node-local-dns", "version": "1.6.44", "inputs": {"custom": {"ndots": "3"}}}}});
        let answer = cloud
            .create_plugin("pool-a", &serde_json::to_vec(&upgrade).unwrap())
            .unwrap();
        assert_eq!(answer.phase().unwrap().as_str(), "Updating");
        let listed = cloud.list_plugins("pool-a").unwrap();
        let inputs = listed[0].spec.template.inputs.clone().unwrap();
        assert_eq!(inputs["custom"]["ndots"], "3");
        assert_eq!(
            inputs["flavor"]["size"], "large",
            "left out: template default"
        );
        assert_eq!(listed[0].phase().unwrap().as_str(), "Running");
        assert_eq!(
            listed[0].status.as_ref().unwrap().reason.as_deref(),
            Some("Upgrade complete")
        );
        assert_eq!(
            cloud
                .snapshot()
                .installs_of("modelarts/pool-a/node-local-dns"),
            1
        );
    }

    #[test]
    fn data_round_trips_and_drops_finished_deletions() {
        let mut cloud1 = cloud(0);
        let uid = cloud1
            .install_addon(AddonService::Cce, &install_body("npd", &json!({})))
            .unwrap()
            .metadata
            .uid
            .unwrap();
        cloud1
            .install_addon(AddonService::Cce, &install_body("everest", &json!({})))
            .unwrap();
        cloud1.delete_addon(AddonService::Cce, &uid, None).unwrap();
        let bytes = serde_json::to_vec(&cloud1.data()).unwrap();
        let mut cloud2 = cloud(0);
        cloud2.load(serde_json::from_slice(&bytes).unwrap());
        let listed = cloud2.list_addons(AddonService::Cce, CLUSTER).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].spec.addon_template_name, "everest");
        assert_eq!(
            cloud2.snapshot().installs_of(&format!("cce/{CLUSTER}/npd")),
            1
        );
    }

    #[test]
    fn timestamps_have_the_service_format() {
        assert_eq!(timestamp(1_737_514_913_000), "2025-01-22T03:01:53Z");
    }
}
