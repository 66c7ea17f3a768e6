//! What can stop a refresh, an apply or an import as a whole, and what fails one operation.

use plinth_core::ResourceAddress;
use std::fmt;

use plinth_cloud::CloudError;

/// Why a refresh, an apply or an import could not be carried out. Failures of single operations
/// of an apply are not errors: they are listed in the [`crate::ApplyReport`].
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The plan could not be made.
    #[error(transparent)]
    Plan(#[from] plinth_planner::PlanError),
    /// Reading the cloud during the refresh failed (after the client's retries).
    #[error("{}", show_reads(.failures))]
    Refresh {
        /// Every read that failed, by address.
        failures: Vec<ReadFailure>,
    },
    /// A catalogue the template checks need (templates, clusters, pools) could not be read.
    #[error("cannot read {read}: {error}")]
    Catalogue {
        /// What was read, e.g. `the CCE add-on templates`.
        read: String,
        /// What the cloud client said.
        #[source]
        error: CloudError,
    },
    /// Recording in the state failed: the run stops, since what it does could not be remembered.
    #[error(transparent)]
    State(#[from] plinth_state::StateError),
    /// Evaluating the configuration failed.
    #[error("{0}")]
    Configuration(#[source] plinth_config::Diagnostics),
    /// A resource of a type plinth cannot manage (in the state, or given to `import`).
    #[error("`{address}` is of a type plinth cannot manage: `{}`", .address.type_name())]
    UnsupportedType {
        /// The resource.
        address: ResourceAddress,
    },
    /// A record the refresh must read whose natural key is partly sealed (a sensitive
    /// `cluster_id` or `pool_name`), and the configuration does not give the value at its
    /// address: the object cannot be found without it.
    #[error(
        "cannot read `{address}`: the state keeps only a fingerprint of its {} (a sensitive value), and the configuration does not give that value at this address\n\nhint: declare `{address}` again with the value it was created with, or forget it with `plinth state rm {address}` (the object stays in the cloud)",
        show_names(.attributes)
    )]
    SealedIdentity {
        /// The record.
        address: ResourceAddress,
        /// The sealed attributes of its natural key.
        attributes: Vec<String>,
    },
    /// A read task of the refresh ended abnormally (a bug).
    #[error("a refresh read stopped abnormally: {0}")]
    Task(String),
    /// `import` of an address the configuration does not declare.
    #[error(
        "`{address}` is not in the configuration\n\nhint: add a `resource` block for it before importing"
    )]
    NotConfigured {
        /// The address given.
        address: ResourceAddress,
    },
    /// `import` of an address the state already manages.
    #[error(
        "`{address}` is already managed by plinth\n\nhint: `plinth state rm {address}` first to import another object there"
    )]
    AlreadyManaged {
        /// The address given.
        address: ResourceAddress,
    },
    /// `import` of an object the state already manages at another address.
    #[error(
        "cannot import `{address}`: the object is already managed as `{managed_as}`\n\nhint: `plinth state mv {managed_as} {address}` moves it instead"
    )]
    ObjectAlreadyManaged {
        /// The address given.
        address: ResourceAddress,
        /// Where the state has it.
        managed_as: Box<ResourceAddress>,
    },
    /// `import` of an object that does not exist.
    #[error(
        "cannot import `{address}`: no object with id `{id}` exists{}\n\nhint: check the id; an object that no longer exists is created by `plinth apply`",
        cloud.as_ref().map(|cloud| format!(": {cloud}")).unwrap_or_default()
    )]
    ImportNotFound {
        /// The address given.
        address: ResourceAddress,
        /// The import id given.
        id: String,
        /// The cloud's answer (its 404, with code, message and request id), when it gave one.
        cloud: Option<Box<CloudError>>,
    },
    /// The object of an `import` block could not be read: it does not exist (the cloud's 404),
    /// its id is not of an accepted form, or the read failed.
    #[error("cannot import `{id}` to `{address}`: {error}")]
    ImportBlock {
        /// The import target.
        address: ResourceAddress,
        /// The import id of the block.
        id: String,
        /// What the cloud client said (with the cloud's code, message and request id).
        error: Box<CloudError>,
    },
    /// A cloud call of `import` failed, or its id was not valid.
    #[error("cannot import `{address}`: {source}")]
    Import {
        /// The address given.
        address: ResourceAddress,
        /// What the cloud client said.
        source: Box<CloudError>,
    },
}

/// One read of the refresh that failed.
#[derive(Debug)]
pub struct ReadFailure {
    /// The resource or data source read.
    pub address: ResourceAddress,
    /// What the cloud client said (with the cloud's code, message and request id).
    pub error: CloudError,
}

impl fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read `{}`: {}", self.address, self.error)
    }
}

/// One line per distinct error: reads that failed the same way (an unreachable endpoint, a
/// failed project lookup) are named together rather than repeated for every resource.
fn show_reads(failures: &[ReadFailure]) -> String {
    let mut groups: Vec<(String, Vec<&ResourceAddress>)> = Vec::new();
    for failure in failures {
        let error = failure.error.to_string();
        match groups.iter_mut().find(|(shown, _)| *shown == error) {
            Some((_, addresses)) => addresses.push(&failure.address),
            None => groups.push((error, vec![&failure.address])),
        }
    }
    groups
        .iter()
        .map(|(error, addresses)| format!("cannot read {}: {error}", named(addresses)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `` `a` ``, `` `a` and `b` ``, `` `a`, `b` and `c` ``, `` `a`, `b` and 8 more ``.
fn named(addresses: &[&ResourceAddress]) -> String {
    const SHOWN: usize = 2;
    let quoted = |a: &&ResourceAddress| format!("`{a}`");
    match addresses {
        [] => String::new(),
        [one] => quoted(one),
        [init @ .., last] if addresses.len() <= SHOWN + 1 => format!(
            "{} and {}",
            init.iter().map(quoted).collect::<Vec<_>>().join(", "),
            quoted(last)
        ),
        _ => format!(
            "{} and {} more",
            addresses[..SHOWN]
                .iter()
                .map(quoted)
                .collect::<Vec<_>>()
                .join(", "),
            addresses.len() - SHOWN
        ),
    }
}

/// Why one operation of an apply failed.
#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    /// The cloud refused or failed the operation; [`CloudError::api`] gives the cloud's code,
    /// message and request id where there was an answer.
    #[error(transparent)]
    Cloud(#[from] CloudError),
    /// Evaluating the resource's arguments again with its dependencies' results failed.
    #[error("{0}")]
    Configuration(plinth_config::Diagnostics),
    /// An argument is still unknown although everything it depends on was applied.
    #[error("`{attribute}` is still unknown after the resources it depends on were applied")]
    StillUnknown {
        /// The attribute.
        attribute: String,
    },
    /// The configuration no longer has the instance the plan planned (a saved plan applied to
    /// a changed configuration).
    #[error("the configuration no longer has this instance")]
    NotConfigured,
    /// The resource or data source type is not one plinth can drive.
    #[error("plinth cannot drive resources of type `{type_name}`")]
    UnsupportedType {
        /// The type.
        type_name: String,
    },
    /// The identity of an object to create, known only now, is already the identity of another
    /// object this state records: creating it would make one cloud object two resources.
    #[error(
        "its identity ({identity}) is already `{other}`'s: an object can be managed at one address \
         only; change its natural key, or remove one of them from the configuration"
    )]
    DuplicateIdentity {
        /// The natural key, shown.
        identity: String,
        /// The address that has it.
        other: ResourceAddress,
    },
    /// The operation's task ended abnormally (a bug).
    #[error("the operation stopped abnormally: {0}")]
    Task(String),
    /// An upgrade failed and, as `rollback_on_failure = true` asks, was rolled back.
    #[error("{failure}; rolled back to version {version} (`rollback_on_failure = true`)")]
    RolledBack {
        /// Why the upgrade failed, as the cloud said.
        failure: Box<CloudError>,
        /// The version the add-on runs again.
        version: String,
    },
    /// An upgrade failed, and so did its rollback (`rollback_on_failure = true`).
    #[error("{failure}; the rollback failed too: {rollback}")]
    RollbackFailed {
        /// Why the upgrade failed.
        failure: Box<CloudError>,
        /// Why the rollback failed.
        rollback: Box<CloudError>,
    },
}

impl OperationError {
    /// Masks every occurrence of `secrets` (the sensitive values of the operation) in the
    /// error: the cloud's texts, and the identity of a duplicate.
    pub(crate) fn mask(&mut self, secrets: &[String]) {
        match self {
            Self::Cloud(error) => error.mask(secrets),
            Self::RolledBack { failure, .. } => failure.mask(secrets),
            Self::RollbackFailed { failure, rollback } => {
                failure.mask(secrets);
                rollback.mask(secrets);
            }
            Self::DuplicateIdentity { identity, .. } => {
                for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
                    if identity.contains(secret.as_str()) {
                        *identity = identity.replace(secret.as_str(), plinth_cloud::MASKED);
                    }
                }
            }
            Self::Configuration(_)
            | Self::StillUnknown { .. }
            | Self::NotConfigured
            | Self::UnsupportedType { .. }
            | Self::Task(_) => {}
        }
    }
}

/// `a`, `` `a` and `b` ``: attribute names in a sentence.
fn show_names(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> ResourceAddress {
        text.parse().unwrap()
    }

    #[test]
    fn messages() {
        let errors = [
            ApplyError::Refresh {
                failures: vec![ReadFailure {
                    address: address("huaweicloud_cce_addon.dns"),
                    error: CloudError::Api(Box::new(plinth_cloud::ApiError {
                        service: plinth_cloud::Service::Cce,
                        status: 403,
                        method: "GET".to_owned(),
                        url: "https://cce.example/api/v3/addons/uid".to_owned(),
                        code: Some("CCE.01403001".to_owned()),
                        message: "forbidden".to_owned(),
                        request_id: Some("req-1".to_owned()),
                    })),
                }],
            },
            ApplyError::UnsupportedType {
                address: address("aws_instance.web"),
            },
            ApplyError::NotConfigured {
                address: address("huaweicloud_cce_addon.dns"),
            },
            ApplyError::AlreadyManaged {
                address: address("huaweicloud_cce_addon.dns"),
            },
            ApplyError::ImportNotFound {
                address: address("huaweicloud_cce_addon.dns"),
                id: "c1/uid".to_owned(),
                cloud: Some(Box::new(CloudError::Api(Box::new(
                    plinth_cloud::ApiError {
                        service: plinth_cloud::Service::Cce,
                        status: 404,
                        method: "GET".to_owned(),
                        url: "https://cce.example/api/v3/addons/uid?cluster_id=c1".to_owned(),
                        code: Some("CCE.01404001".to_owned()),
                        message: "the add-on does not exist".to_owned(),
                        request_id: Some("req-2".to_owned()),
                    },
                )))),
            },
            ApplyError::ImportNotFound {
                address: address("huaweicloud_modelarts_pool_plugin.gpu"),
                id: "pool-a/gpu-beta".to_owned(),
                cloud: None,
            },
        ];
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        insta::assert_snapshot!(text.join("\n---\n"));
        insta::assert_snapshot!(
            OperationError::StillUnknown {
                attribute: "values".to_owned()
            }
            .to_string(),
            @"`values` is still unknown after the resources it depends on were applied"
        );
    }

    #[test]
    fn reads_that_failed_the_same_way_are_named_together() {
        let unreachable = || plinth_cloud::CloudError::Transport {
            service: plinth_cloud::Service::Iam,
            method: "GET".to_owned(),
            url: "https://iam.example/v3/projects?name=cn-north-4".to_owned(),
            message: "connection refused".to_owned(),
        };
        let forbidden = plinth_cloud::CloudError::Api(Box::new(plinth_cloud::ApiError {
            service: plinth_cloud::Service::Cce,
            status: 403,
            method: "GET".to_owned(),
            url: "https://cce.example/api/v3/addons/uid".to_owned(),
            code: Some("CCE.01403001".to_owned()),
            message: "forbidden".to_owned(),
            request_id: Some("req-1".to_owned()),
        }));
        let failure = |address_text: &str, error| ReadFailure {
            address: address(address_text),
            error,
        };
        let shown = |failures| ApplyError::Refresh { failures }.to_string();
        insta::assert_snapshot!(shown(vec![
            failure("huaweicloud_cce_addon.a", unreachable()),
            failure("huaweicloud_cce_addon.dns", forbidden),
            failure("huaweicloud_cce_addon.b[\"x\"]", unreachable()),
            failure("huaweicloud_cce_addon.c", unreachable()),
            failure("huaweicloud_cce_addon.d", unreachable()),
        ]), @r#"
        cannot read `huaweicloud_cce_addon.a`, `huaweicloud_cce_addon.b["x"]` and 2 more: cannot reach iam for GET https://iam.example/v3/projects?name=cn-north-4: connection refused
        cannot read `huaweicloud_cce_addon.dns`: cce returned 403 CCE.01403001: forbidden (request id req-1)
        "#);
        insta::assert_snapshot!(shown(vec![
            failure("huaweicloud_cce_addon.a", unreachable()),
            failure("huaweicloud_cce_addon.b", unreachable()),
            failure("huaweicloud_cce_addon.c", unreachable()),
        ]), @"cannot read `huaweicloud_cce_addon.a`, `huaweicloud_cce_addon.b` and `huaweicloud_cce_addon.c`: cannot reach iam for GET https://iam.example/v3/projects?name=cn-north-4: connection refused");
    }
}
