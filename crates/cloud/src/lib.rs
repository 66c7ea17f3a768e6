//! The Huawei Cloud client of plinth: the only crate that talks HTTP.
//!
//! It drives three resource types, ModelArts pool plug-ins, CCE add-ons and CCE Autopilot add-ons,
//! behind one interface ([`ResourceType`], one driver per API family of the registry): read, find by natural key, create,
//! update, delete, wait, parse an import id, each mapping the wire objects ([`model`]) to plinth's
//! attribute names. Underneath, [`Client`] signs every call (`SDK-HMAC-SHA256`, [`signing`]) or
//! sends a token, finds the hosts from region and cloud domain (or the endpoint overrides), looks
//! the project id up through IAM once when it is not given, retries throttling, server errors and
//! broken connections with jittered exponential backoff honouring `Retry-After`, paces a service
//! that answered 429 (its rate halved, grown back as answers come), and never re-sends a create
//! whose outcome is unknown ([`CloudError::OutcomeUnknown`]). Waits poll adaptively (soon, then
//! backing off to a cap) and report each status seen. Objects are read from one list call per
//! cluster and pool: shared by every read and lookup of a refresh ([`Listings`]), and by every
//! wait polling the same cluster or pool at about the same time.
//!
//! It does not read configuration files (the caller fills [`ClientSettings`]), plan, keep state, or
//! print: errors carry the cloud's code, message and request id for the caller to show, and never
//! a secret.
//!
//! ```no_run
//! use plinth_cloud::{Client, ClientSettings, ObjectRef, ResourceType, WaitTarget, no_progress};
//! # async fn example() -> Result<(), plinth_cloud::CloudError> {
//! let settings = ClientSettings {
//!     region: Some("cn-north-4".to_owned()),
//!     ..ClientSettings::default()
//! }
//! .resolve(|name| std::env::var(name).ok())?;
//! let client = Client::new(settings)?;
//! let desired = serde_json::json!({
//!     "cluster_id": "c0ffee00-0000-4000-8000-000000000001",
//!     "template_name": "coredns",
//!     "version": "1.28.6",
//!     "values": {"flavor": {"replicas": 2}},
//! });
//! let kind = ResourceType::CCE_ADDON;
//! let created = kind.create(&client, &desired).await?;
//! let options = client.settings().wait;
//! let ready = kind
//!     .wait(&client, &created.object_ref(), WaitTarget::Ready, &options, &no_progress)
//!     .await?;
//! # let _ = ready; Ok(()) }
//! ```
//!
//! The wire models and the signer are public modules because the emulator uses them too, so client
//! and emulator cannot disagree on a field name or a signature:
//!
//! ```
//! use plinth_cloud::model::{decode, Addon};
//! let addon: Addon = decode(br#"{"kind":"Addon","apiVersion":"v3","kind":"Addon",
//!     "metadata":{"uid":"u1"},"spec":{"addonTemplateName":"coredns"}}"#).unwrap();
//! assert_eq!(addon.uid(), Some("u1"));
//! ```

mod catalogue;
mod client;
mod error;
mod listing;
pub mod model;
mod resource;
mod retry;
mod settings;
pub mod signing;
mod throttle;
mod wait;

pub use catalogue::{CatalogueCache, addon_defaults};
pub use client::Client;
pub use error::{ApiError, CloudError, MASKED, Service, SettingsError, TimeLimit};
pub use listing::{ListKey, Listings};
pub use model::Progress;
pub use plinth_core::AddonApi;
pub use plinth_core::{ObjectRef, RemoteObject};
pub use resource::{ResourceType, deep_merge, read_data};
pub use retry::{RetryPolicy, parse_retry_after};
pub use settings::{
    ClientSettings, Credentials, DEFAULT_CLOUD, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
    EndpointOverrides, ResolvedSettings,
};
pub use wait::{
    NOT_FOUND_STATUS, WaitOptions, WaitProgress, WaitTarget, running_version, wait_until,
};

/// A progress callback that ignores every observation, for callers that show none.
pub fn no_progress(_: &WaitProgress) {}
