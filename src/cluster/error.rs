//! Why the cluster side failed, by what failed: callers can tell a missing cluster from a broken
//! kubeconfig or a control plane that did not start, and the messages say what to do.

use super::envtest_assets::AssetsError;

/// What to do when there is no cluster to talk to.
const NO_CLUSTER_HINT: &str = "(hint: point KUBECONFIG at a cluster, set controlPlane.start with KUBEBUILDER_ASSETS, or run only the offline checks with plain `cargo test`)";

/// An error of the cluster side.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ClusterError {
    /// No kubeconfig and no in-cluster configuration.
    #[error("no Kubernetes cluster configured: {0}\n{NO_CLUSTER_HINT}")]
    NotConfigured(String),
    /// The configured API server did not answer.
    #[error("{0}\n{NO_CLUSTER_HINT}")]
    NotAnswering(String),
    /// A kubeconfig (a file, or one a control plane or kind wrote) that cannot be used.
    #[error("{0}")]
    Kubeconfig(String),
    /// The embedded control plane did not start.
    #[error(transparent)]
    ControlPlane(#[from] ControlPlaneError),
    /// The kind cluster could not be created.
    #[error("{0}")]
    Kind(String),
    /// A client could not be built (TLS settings, credentials, User-Agent).
    #[error("{0}")]
    Client(String),
    /// The API server's OpenAPI document could not be read.
    #[error("{0}")]
    OpenApi(String),
}

/// Why the embedded control plane did not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ControlPlaneError {
    /// `KUBEBUILDER_ASSETS` is not set.
    #[error(
        "controlPlane.start needs {0}, a folder with etcd and kube-apiserver\n(hint: `setup-envtest use -p path` prints one)"
    )]
    NoAssets(&'static str),
    /// The assets folder lacks a binary.
    #[error("{env}={folder}: no {binary} there")]
    MissingBinary {
        env: &'static str,
        folder: String,
        binary: &'static str,
    },
    /// A file, folder, port or process the control plane needs could not be had; `doing` says which.
    #[error("{doing}: {reason}")]
    Setup { doing: String, reason: String },
    /// Its certificates could not be generated.
    #[error("cannot generate certificates: {0}")]
    Certificates(String),
    /// No client for the control plane's own kubeconfig.
    #[error("{0}")]
    Client(String),
    /// etcd or kube-apiserver exited while starting.
    #[error("{name} exited during start-up ({status})")]
    Exited { name: &'static str, status: String },
    /// kube-apiserver did not answer `/readyz` in time.
    #[error("kube-apiserver was not ready within {0}s")]
    NotReady(u64),
    /// No `KUBEBUILDER_ASSETS`, and the envtest binaries could not be fetched.
    #[error(transparent)]
    Assets(#[from] AssetsError),
    /// A start-up failure, with the tails of etcd's and kube-apiserver's logs.
    #[error("{failure}\n{logs}")]
    WithLogs {
        failure: Box<ControlPlaneError>,
        logs: String,
    },
}
