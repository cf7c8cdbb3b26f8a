//! Why the cluster side failed, by what failed: callers can tell a missing cluster from a broken
//! kubeconfig or a control plane that did not start, and the messages say what to do.

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
    #[error("{0}")]
    ControlPlane(String),
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
