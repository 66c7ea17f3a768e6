//! One read of a refresh: what the cloud holds for an address, with an object being deleted
//! waited out (it is never present) and an object re-created outside plinth found again by its
//! natural key.

use plinth_core::ResourceAddress;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use plinth_cloud::{
    Client, CloudError, Listings, ObjectRef, Progress, RemoteObject, ResourceType, WaitOptions,
    WaitProgress, WaitTarget,
};
use plinth_config::Configuration;
use plinth_planner::{Observed, Operation};

use crate::clients::Clients;
use crate::execute::{ApplyEvent, EventKind, EventSink, Outcome};
use crate::operation::wait_options;
use crate::refresh::RefreshBy;

/// How a read waits for an object being deleted: bounded by the delete timeout of the address's
/// resource block, reporting its polls as events of a delete.
pub(crate) struct Watch {
    address: ResourceAddress,
    wait: WaitOptions,
    events: EventSink,
}

impl Watch {
    /// The watch of a read of `address`: its block's `timeouts { delete }`, else the client's.
    pub(crate) fn new(
        config: &Configuration,
        client: &Client,
        address: &ResourceAddress,
        events: &EventSink,
    ) -> Self {
        let timeout: Option<Duration> = config
            .resource(&address.resource())
            .and_then(|resource| resource.timeouts().delete);
        Self {
            address: address.clone(),
            wait: wait_options(client, timeout),
            events: events.clone(),
        }
    }

    fn emit(&self, kind: EventKind) {
        (self.events)(ApplyEvent {
            address: self.address.clone(),
            operation: Operation::Delete,
            kind,
        });
    }
}

/// What the refresh observes of a resource in the state, read as `object` says. An object being
/// deleted is waited for until it is gone. When the recorded id is gone (404), an object of a type
/// with ids is looked up by its natural key: one found under another id was re-created outside
/// plinth, and is what the address manages now ([`Observed::Present`] with the new id).
pub(crate) async fn observe(
    reads: &Reads,
    kind: ResourceType,
    object: &ObjectRef,
    watch: &Watch,
) -> Result<Observed, CloudError> {
    let client = reads.client();
    let read = reads.read(kind, object).await?;
    // A list read before a deletion was waited out still shows the object: look again afresh.
    let waited = read
        .as_ref()
        .is_some_and(|found| found.progress == Progress::Deleting);
    if let Some(found) = settled(client, kind, read, watch).await? {
        return Ok(Observed::Present(found));
    }
    let whole_key = kind
        .natural_key_names()
        .iter()
        .all(|name| object.key(name).is_some_and(|value| !value.is_empty()));
    if object.id.is_none() || !whole_key {
        return Ok(Observed::Gone);
    }
    let again = if waited {
        kind.find_by_natural_key(client, &object.natural_key)
            .await?
    } else {
        reads.find(kind, &object.natural_key).await?
    };
    Ok(match settled(client, kind, again, watch).await? {
        Some(found) if found.id.is_some() && found.id != object.id => Observed::Present(found),
        _ => Observed::Gone,
    })
}

/// How a refresh reads the cloud ([`RefreshBy`]): from one list per cluster and pool, shared by
/// every read and lookup of the refresh, or one read per resource. Cheap to clone.
#[derive(Clone)]
pub(crate) enum Reads {
    Listed(Arc<Listings>),
    PerResource(Client),
}

impl Reads {
    pub(crate) fn new(client: &Client, by: RefreshBy) -> Self {
        match by {
            RefreshBy::List => Self::Listed(Arc::new(Listings::new(client))),
            RefreshBy::Read => Self::PerResource(client.clone()),
        }
    }

    /// The state's objects are read: the lists need keep only what lookups may still ask for.
    pub(crate) fn state_read(&self) {
        if let Self::Listed(listings) = self {
            listings.forget_read();
        }
    }

    pub(crate) fn client(&self) -> &Client {
        match self {
            Self::Listed(listings) => listings.client(),
            Self::PerResource(client) => client,
        }
    }

    /// The object `object` names, `None` when it does not exist.
    pub(crate) async fn read(
        &self,
        kind: ResourceType,
        object: &ObjectRef,
    ) -> Result<Option<RemoteObject>, CloudError> {
        match self {
            Self::Listed(listings) => kind.read_listed(listings, object).await,
            Self::PerResource(client) => kind.read(client, object).await,
        }
    }

    /// The object under this natural key.
    pub(crate) async fn find(
        &self,
        kind: ResourceType,
        natural_key: &plinth_core::NaturalKey,
    ) -> Result<Option<RemoteObject>, CloudError> {
        match self {
            Self::Listed(listings) => kind.find_listed(listings, natural_key).await,
            Self::PerResource(client) => kind.find_by_natural_key(client, natural_key).await,
        }
    }
}

/// The [`Reads`] of a refresh, one per provider configuration: each client lists its own
/// region's clusters and pools. Cheap to clone.
#[derive(Clone)]
pub(crate) struct CloudReads {
    clients: Clients,
    default: Reads,
    aliased: BTreeMap<String, Reads>,
}

impl CloudReads {
    pub(crate) fn new(clients: &Clients, by: RefreshBy) -> Self {
        CloudReads {
            clients: clients.clone(),
            default: Reads::new(clients.default_client(), by),
            aliased: clients
                .aliased()
                .map(|(alias, client)| (alias.to_owned(), Reads::new(client, by)))
                .collect(),
        }
    }

    /// The reads of the provider configuration that serves `address`.
    pub(crate) fn for_address(&self, address: &ResourceAddress) -> &Reads {
        self.clients
            .provider_of(address)
            .and_then(|alias| self.aliased.get(alias))
            .unwrap_or(&self.default)
    }

    pub(crate) fn clients(&self) -> &Clients {
        &self.clients
    }

    /// The state's objects are read (see [`Reads::state_read`]).
    pub(crate) fn state_read(&self) {
        self.default.state_read();
        for reads in self.aliased.values() {
            reads.state_read();
        }
    }
}

/// What a read found, once settled: `None` for an object deleted, or being deleted (waited for
/// until it is gone, at most the delete timeout), else the object.
pub(crate) async fn settled(
    client: &Client,
    kind: ResourceType,
    found: Option<RemoteObject>,
    watch: &Watch,
) -> Result<Option<RemoteObject>, CloudError> {
    match found {
        Some(object) if object.progress == Progress::Gone => Ok(None),
        Some(object) if object.progress == Progress::Deleting => {
            watch.emit(EventKind::Started);
            let progress = |seen: &WaitProgress| {
                watch.emit(EventKind::Status {
                    status: seen.status.clone(),
                    elapsed: seen.elapsed,
                });
            };
            let waited = kind
                .wait(
                    client,
                    &object.object_ref(),
                    WaitTarget::Gone,
                    &watch.wait,
                    &progress,
                )
                .await;
            let outcome = match &waited {
                Ok(_) => Outcome::Succeeded,
                Err(error) => Outcome::Failed {
                    message: error.to_string(),
                    cloud: error.api().cloned().map(Box::new),
                },
            };
            watch.emit(EventKind::Finished { outcome });
            waited.map(|_| None)
        }
        other => Ok(other),
    }
}
