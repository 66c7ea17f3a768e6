//! One operation of an apply, as a task: the cloud call, then waiting for the remote end state.

use plinth_core::ResourceAddress;
use plinth_core::TypeSpec;
use std::time::Duration;

use plinth_cloud::{
    Client, CloudError, ObjectRef, Progress, RemoteObject, ResourceType, WaitOptions, WaitProgress,
    WaitTarget, read_data, running_version,
};
use plinth_planner::Operation;
use plinth_state::Status;
use serde_json::Value as Json;

use crate::error::OperationError;
use crate::execute::{ApplyEvent, EventKind, EventSink};
use crate::returns::Return;

/// How many times a create whose outcome was unknown, and whose object the natural key does
/// not find, is sent again.
const CREATE_ATTEMPTS: u32 = 3;

/// Everything a task needs, owned.
pub(crate) struct Task {
    pub address: ResourceAddress,
    pub operation: Operation,
    pub work: Work,
    pub wait: WaitOptions,
    pub events: EventSink,
}

/// Whether a create looks its object up by natural key before sending the create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CreateLookup {
    /// The natural key was not known when planning, so the refresh did not look it up: it is
    /// looked up now, and an object found is adopted.
    First,
    /// The refresh looked it up and found nothing: create at once.
    Done,
}

/// What a task does.
pub(crate) enum Work {
    /// Create an object with these attributes, or adopt the one its natural key finds, as
    /// `lookup` says.
    Create {
        kind: ResourceType,
        desired: Json,
        natural_key: plinth_core::NaturalKey,
        lookup: CreateLookup,
    },
    /// Update the object to the user's values (deep-merged over what is installed).
    Update {
        kind: ResourceType,
        object: ObjectRef,
        desired: Json,
        /// Parameters that return to their template defaults, as planned.
        returns: Vec<Return>,
    },
    /// Delete the object and wait until it is gone.
    Delete {
        kind: ResourceType,
        object: ObjectRef,
    },
    /// Adopt an existing object: wait until it settles, then update it if `update` says so.
    Import {
        kind: ResourceType,
        object: ObjectRef,
        update: Option<Json>,
    },
    /// Read a data source.
    Read {
        spec: &'static TypeSpec,
        arguments: Json,
    },
}

/// What a finished task answers.
pub(crate) enum Done {
    /// The object as it is now, and whether it is sound.
    Object(RemoteObject, Status),
    /// The object is gone.
    Gone,
    /// A data source's attributes.
    Data(Json),
}

/// A failed task.
pub(crate) struct Failure {
    pub error: OperationError,
    /// An object the operation created (or adopted) that did not become healthy, recorded with
    /// this status: tainted when it failed, as it is when only waiting for it failed.
    pub created: Option<(RemoteObject, Status)>,
    /// A create may have reached the cloud without our learning of it: its pending record stays.
    pub maybe_created: bool,
}

impl Failure {
    fn plain(error: impl Into<OperationError>) -> Self {
        Self {
            error: error.into(),
            created: None,
            maybe_created: false,
        }
    }
}

/// Runs one task to its end.
pub(crate) async fn run(client: Client, task: Task) -> Result<Done, Failure> {
    let Task {
        address,
        operation,
        work,
        wait,
        events,
    } = task;
    let progress = move |seen: &WaitProgress| {
        events(ApplyEvent {
            address: address.clone(),
            operation,
            kind: EventKind::Status {
                status: seen.status.clone(),
                elapsed: seen.elapsed,
            },
        });
    };
    let client = &client;
    match work {
        Work::Create {
            kind,
            desired,
            natural_key,
            lookup,
        } => {
            create(
                client,
                kind,
                &desired,
                &natural_key,
                lookup,
                &wait,
                &progress,
            )
            .await
        }
        Work::Update {
            kind,
            object,
            desired,
            returns,
        } => {
            let current = current(client, kind, &object, &wait, &progress).await?;
            let wanted = Wanted {
                desired: &desired,
                returns: &returns,
            };
            update(client, kind, current, &wanted, &wait, &progress)
                .await
                .map(|object| Done::Object(object, Status::Ready))
        }
        Work::Delete { kind, object } => {
            kind.delete(client, &object).await.map_err(Failure::plain)?;
            if let Ok(None) = kind.read_fresh(client, &object).await {
                return Ok(Done::Gone);
            }
            kind.wait(client, &object, WaitTarget::Gone, &wait, &progress)
                .await
                .map_err(Failure::plain)?;
            Ok(Done::Gone)
        }
        Work::Import {
            kind,
            object,
            update: desired,
        } => {
            let found = current(client, kind, &object, &wait, &progress).await;
            let found = match found {
                Ok(found) => found,
                Err(Failure {
                    error: OperationError::Cloud(CloudError::OperationFailed { .. }),
                    ..
                }) => {
                    // An install that failed: adopted as tainted, so the next plan replaces it.
                    let failed = kind.read(client, &object).await.map_err(Failure::plain)?;
                    return failed
                        .map(|object| Done::Object(object, Status::Tainted))
                        .ok_or_else(|| Failure::plain(disappeared(kind, &object)));
                }
                Err(failure) => return Err(failure),
            };
            match desired {
                Some(desired) => {
                    let wanted = Wanted {
                        desired: &desired,
                        returns: &[],
                    };
                    update(client, kind, found, &wanted, &wait, &progress)
                        .await
                        .map(|object| Done::Object(object, Status::Ready))
                }
                None => Ok(Done::Object(found, Status::Ready)),
            }
        }
        Work::Read { spec, arguments } => read_data(client, spec, &arguments)
            .await
            .map(Done::Data)
            .map_err(Failure::plain),
    }
}

async fn create(
    client: &Client,
    kind: ResourceType,
    desired: &Json,
    natural_key: &plinth_core::NaturalKey,
    lookup: CreateLookup,
    wait: &WaitOptions,
    progress: &(dyn Fn(&WaitProgress) + Send + Sync),
) -> Result<Done, Failure> {
    let existing = if lookup == CreateLookup::First {
        kind.find_by_natural_key(client, natural_key)
            .await
            .map_err(Failure::plain)?
    } else {
        None
    };
    let created = match existing {
        Some(found) => found,
        None => send_create(client, kind, desired, natural_key).await?,
    };
    if created.progress == Progress::Done {
        return Ok(Done::Object(created, Status::Ready));
    }
    // One look at once: a fast operation is done before the wait's first poll would come.
    if let Ok(Some(now)) = kind.read_fresh(client, &created.object_ref()).await
        && now.progress == Progress::Done
    {
        return Ok(Done::Object(now, Status::Ready));
    }
    match kind
        .wait(
            client,
            &created.object_ref(),
            WaitTarget::Ready,
            wait,
            progress,
        )
        .await
    {
        Ok(Some(ready)) => Ok(Done::Object(ready, Status::Ready)),
        Ok(None) => Ok(Done::Object(created, Status::Ready)),
        Err(error @ CloudError::Disappeared { .. }) => Err(Failure::plain(error)),
        Err(error) => {
            // Created, but not (known to be) healthy: recorded with what the cloud says now.
            let latest = kind
                .read(client, &created.object_ref())
                .await
                .ok()
                .flatten()
                .unwrap_or(created);
            let status = status_after_failed_wait(&error);
            Err(Failure {
                error: error.into(),
                created: Some((latest, status)),
                maybe_created: false,
            })
        }
    }
}

/// How an object that was created is recorded when waiting for it failed. It failed or never
/// became ready in time: tainted, the next plan replaces it. Only the waiting failed (the cloud
/// could not be asked, or its answers were errors): its health is unknown, not bad, so it is
/// recorded as it is and the next refresh reads it again; tainting it would install it twice.
fn status_after_failed_wait(error: &CloudError) -> Status {
    match error {
        CloudError::OperationFailed { .. } | CloudError::Timeout { .. } => Status::Tainted,
        _ => Status::Ready,
    }
}

/// Sends a create. When its outcome is unknown, the natural key tells whether it happened: an
/// object found is the one created; none found means it did not happen, and it is sent again.
async fn send_create(
    client: &Client,
    kind: ResourceType,
    desired: &Json,
    natural_key: &plinth_core::NaturalKey,
) -> Result<RemoteObject, Failure> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match kind.create(client, desired).await {
            Ok(created) => return Ok(created),
            Err(error @ CloudError::OutcomeUnknown { .. }) => {
                match kind.find_by_natural_key(client, natural_key).await {
                    Ok(Some(found)) => return Ok(found),
                    Ok(None) if attempts < CREATE_ATTEMPTS => {}
                    Ok(None) => return Err(Failure::plain(error)),
                    Err(_) => {
                        return Err(Failure {
                            error: error.into(),
                            created: None,
                            maybe_created: true,
                        });
                    }
                }
            }
            Err(error) => return Err(Failure::plain(error)),
        }
    }
}

/// The object as it is now, after any operation in progress on it has finished.
async fn current(
    client: &Client,
    kind: ResourceType,
    object: &ObjectRef,
    wait: &WaitOptions,
    progress: &(dyn Fn(&WaitProgress) + Send + Sync),
) -> Result<RemoteObject, Failure> {
    let found = kind
        .read_fresh(client, object)
        .await
        .map_err(Failure::plain)?
        .ok_or_else(|| Failure::plain(disappeared(kind, object)))?;
    match found.progress {
        Progress::Done => Ok(found),
        Progress::Failed => Err(Failure::plain(CloudError::OperationFailed {
            what: kind.describe(object),
            status: found.status,
            reason: found.reason,
            message: found.message,
        })),
        Progress::InProgress | Progress::Deleting | Progress::Gone => {
            let settled = kind
                .wait(
                    client,
                    &found.object_ref(),
                    WaitTarget::Ready,
                    wait,
                    progress,
                )
                .await
                .map_err(Failure::plain)?;
            Ok(settled.unwrap_or(found))
        }
    }
}

/// What an update asks for: the user's values, and the parameters that return to their
/// template defaults.
struct Wanted<'a> {
    desired: &'a Json,
    returns: &'a [Return],
}

/// Updates `current` to the user's values deep-merged over the installed ones (the parameters
/// that return to their defaults set to them), and waits until it runs the version asked for.
async fn update(
    client: &Client,
    kind: ResourceType,
    current: RemoteObject,
    wanted: &Wanted<'_>,
    wait: &WaitOptions,
    progress: &(dyn Fn(&WaitProgress) + Send + Sync),
) -> Result<RemoteObject, Failure> {
    let desired = wanted.desired;
    let mut merged = crate::catalogue::update_attributes(client, kind, &current, desired)
        .await
        .map_err(Failure::plain)?;
    crate::returns::apply_returns(&mut merged, wanted.returns);
    let updated = kind
        .update(client, &current, &merged)
        .await
        .map_err(Failure::plain)?;
    let wanted = kind.spec().version.and_then(|attributes| {
        let version = merged.get(attributes.wanted).and_then(Json::as_str)?;
        (!version.is_empty()).then(|| (version.to_owned(), attributes.running))
    });
    let target = match wanted {
        Some((version, attribute)) => WaitTarget::ReadyAt { version, attribute },
        None => WaitTarget::Ready,
    };
    let reference = current.object_ref();
    if let Ok(Some(now)) = kind.read_fresh(client, &reference).await
        && now.progress == Progress::Done
        && match &target {
            WaitTarget::ReadyAt { version, attribute } => {
                running_version(&now, attribute).is_none_or(|v| v == *version)
            }
            _ => true,
        }
    {
        return Ok(now);
    }
    let ready = match kind.wait(client, &reference, target, wait, progress).await {
        Ok(ready) => ready,
        Err(failure @ CloudError::OperationFailed { .. })
            if crate::catalogue::rollback_on_failure(desired) =>
        {
            return Err(crate::catalogue::roll_back(
                client, kind, &reference, failure, wait, progress,
            )
            .await);
        }
        Err(error) => return Err(Failure::plain(error)),
    };
    Ok(ready.unwrap_or(updated))
}

fn disappeared(kind: ResourceType, object: &ObjectRef) -> CloudError {
    CloudError::Disappeared {
        what: kind.describe(object),
    }
}

/// The wait options of one operation: the client's polling with the resource's timeout.
pub(crate) fn wait_options(client: &Client, timeout: Option<Duration>) -> WaitOptions {
    let defaults = client.settings().wait;
    match timeout {
        Some(timeout) => defaults.with_timeout(timeout),
        None => defaults,
    }
}

#[cfg(test)]
mod tests {
    use plinth_cloud::{ApiError, Service};

    use super::*;

    #[test]
    fn only_an_object_that_failed_or_timed_out_is_tainted_when_waiting_fails() {
        let failed = CloudError::OperationFailed {
            what: "cce add-on coredns".to_owned(),
            status: "installFailed".to_owned(),
            reason: None,
            message: None,
        };
        let late = CloudError::Timeout {
            what: "cce add-on coredns".to_owned(),
            timeout: Duration::from_secs(60),
            last_status: Some("installing".to_owned()),
        };
        let unreachable = CloudError::Transport {
            service: Service::Cce,
            method: "GET".to_owned(),
            url: "https://cce.example/addons/uid".to_owned(),
            message: "connection reset".to_owned(),
        };
        let unavailable = CloudError::Api(Box::new(ApiError {
            service: Service::Cce,
            status: 503,
            method: "GET".to_owned(),
            url: "https://cce.example/addons/uid".to_owned(),
            code: None,
            message: "busy".to_owned(),
            request_id: None,
        }));
        assert_eq!(status_after_failed_wait(&failed), Status::Tainted);
        assert_eq!(status_after_failed_wait(&late), Status::Tainted);
        assert_eq!(status_after_failed_wait(&unreachable), Status::Ready);
        assert_eq!(status_after_failed_wait(&unavailable), Status::Ready);
    }
}
