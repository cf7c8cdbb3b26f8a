//! The engine's errors: why an action of a step (delete, command, apply), a namespace operation or
//! a step's cluster failed. Each variant holds what failed; its message is KUTTL's wording, which
//! the failure message shows as it is.

use crate::cluster::ClusterError;

/// Why an object's `apiVersion`/`kind` could not be turned into an API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KindError {
    /// Discovery's own message: the kind is not served, or discovery failed.
    #[error("{0}")]
    Discovery(String),
    /// Not served, and no CustomResourceDefinition will serve it.
    #[error("{discovery}; no CustomResourceDefinition defines kind {kind} in group {group:?}")]
    NoCrd {
        discovery: String,
        kind: String,
        group: String,
    },
    /// Not served, and the CRD that defines the kind does not serve this version.
    #[error("{discovery}; CustomResourceDefinition {crd} does not serve {api_version}")]
    VersionNotServed {
        discovery: String,
        crd: String,
        api_version: String,
    },
}

/// Why a command failed (one with `ignoreFailure` never fails).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CommandError {
    /// `command` could not be split into words as a shell would.
    #[error("command {command:?}: {reason}")]
    Unparsable { command: String, reason: String },
    /// `command` expanded to nothing.
    #[error("command {0:?} is empty after expansion")]
    Empty(String),
    /// The process could not be started.
    #[error("command {summary:?} could not start: {reason}")]
    Start { summary: String, reason: String },
    /// The process could not be waited for.
    #[error("command {summary:?} could not be waited for: {reason}")]
    Wait { summary: String, reason: String },
    /// The process ran past its timeout and was killed.
    #[error("command {summary:?} exceeded {seconds} sec timeout, context deadline exceeded")]
    Timeout { summary: String, seconds: u64 },
    /// The process ended unsuccessfully (`exit status N`, or killed by a signal).
    #[error("command {summary:?} failed, {status}")]
    Failed { summary: String, status: String },
}

/// Why creating or updating an object failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum WriteError {
    /// The GET before the write failed.
    #[error("failed to check object's existence: {0}")]
    Existence(String),
    /// Conflicts until the deadline, or an error at it; the last attempt's message.
    #[error("create/update timeout exceeded, last attempt was: {0}")]
    TimedOut(String),
    /// The API server refused the write.
    #[error("{0}")]
    Rejected(String),
    /// Nothing to write to.
    #[error("object has neither metadata.name nor metadata.generateName")]
    NoName,
}

/// Why a step's delete, command or apply failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ActionError {
    /// A step file's object whose kind is not served; `file` is its `file:line`.
    #[error("{file}: {source}")]
    ApplyKind { file: String, source: KindError },
    /// Creating or updating an object failed.
    #[error("applying {gvk} {name} failed ({file}): {reason}")]
    Apply {
        gvk: String,
        name: String,
        file: String,
        reason: WriteError,
    },
    /// A `delete` reference, or a CRD's version, whose kind is not served.
    #[error(transparent)]
    Kind(KindError),
    /// Listing the objects a `delete` selects by label failed.
    #[error("listing {gvk} failed: {reason}")]
    List { gvk: String, reason: String },
    /// Deleting an object failed.
    #[error("deleting {gvk} {name} failed: {reason}")]
    Delete {
        gvk: String,
        name: String,
        reason: String,
    },
    /// Deleted objects were still there at the deadline; `last` is what the last check saw.
    #[error("timed out waiting for resource deletion (result of last check was: {last:?})")]
    DeleteTimeout { last: String },
    /// A command failed.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// Watching a CRD until it is established failed.
    #[error("waiting for CRD {name} to be established: {reason}")]
    CrdWatch { name: String, reason: String },
    /// A CRD was not established within the time left; `file` is its `file:line`.
    #[error("CRD {name} was not established within {seconds}s ({file})")]
    CrdNotEstablished {
        name: String,
        seconds: u64,
        file: String,
    },
    /// No client for the cluster.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// The cluster the step's kubeconfig names could not be used.
    #[error(transparent)]
    StepCluster(#[from] StepClusterError),
}

/// Why a test could not be set up: its files, its client, its namespace in the run's cluster or
/// in an eager step's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SetupError {
    /// The test's temporary folder, or the kubeconfig its commands get, could not be written.
    #[error("{0}")]
    Files(String),
    /// No client for the run's cluster.
    #[error(transparent)]
    Client(#[from] ClusterError),
    #[error(transparent)]
    Namespace(#[from] NamespaceError),
    #[error(transparent)]
    StepCluster(#[from] StepClusterError),
}

/// Why a test's namespace could not be created or deleted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NamespaceError {
    #[error("cannot create namespace {name:?}: {reason}")]
    Create { name: String, reason: String },
    #[error("deleting namespace {name:?} failed: {reason}")]
    Delete { name: String, reason: String },
    /// Reading the namespace while waiting for it to go failed.
    #[error("waiting for namespace {name:?} to be deleted: {reason}")]
    Wait { name: String, reason: String },
    /// Still there at the deadline; with the last transient error, if any.
    #[error("waiting for namespace {name:?} to be deleted timed out{}", last_error.as_ref().map(|err| format!(" (last error: {err})")).unwrap_or_default())]
    WaitTimeout {
        name: String,
        last_error: Option<String>,
    },
    /// No client for the cluster the namespace is in.
    #[error(transparent)]
    Client(#[from] ClusterError),
}

/// Why the cluster a step's kubeconfig names could not be used; `step` describes the step and
/// its kubeconfig.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{step}: {source}")]
pub(crate) struct StepClusterError {
    pub step: String,
    pub source: ConnectError,
}

/// Why connecting to a step's cluster failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ConnectError {
    /// The kubeconfig or a client.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// The test's namespace could not be created there.
    #[error(transparent)]
    Namespace(#[from] NamespaceError),
    /// Creating the test's namespace there took longer than the step timeout.
    #[error("creating namespace {namespace:?} at {url} took longer than {seconds}s")]
    NamespaceTimeout {
        namespace: String,
        url: String,
        seconds: i64,
    },
}
