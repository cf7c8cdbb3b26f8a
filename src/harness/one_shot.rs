//! KUTTL's `assert` and `errors` commands as a function: files' objects checked once against the
//! kubeconfig's cluster, with a step's failure message.

use std::sync::Arc;
use std::time::Duration;

use crate::cluster::Cluster;
use crate::load::{self, ClusterSource};
use crate::run::{self, Expectation};

/// Checks the objects of `entries` (files, folders of `*.yaml` files, or URLs) in `namespace` of
/// the cluster the kubeconfig names, until they hold or `timeout` passes.
///
/// # Errors
///
/// A file that does not load, no cluster, or checks that still fail at the end.
pub fn check_files(
    expectation: Expectation,
    entries: &[String],
    namespace: &str,
    timeout: Duration,
) -> Result<(), CheckError> {
    let mut objects = Vec::new();
    for entry in entries {
        objects.extend(load::objects_at(entry).map_err(|err| CheckError::Load(err.to_string()))?);
    }
    run::RUNTIME.block_on(async {
        let cluster = Cluster::connect(&ClusterSource::Kubeconfig, false, None)
            .await
            .map_err(|err| CheckError::Cluster(err.to_string()))?;
        run::check_once(Arc::new(cluster), objects, expectation, namespace, timeout)
            .await
            .map_err(CheckError::Failed)
    })
}

/// Why [`check_files`] did not find its checks holding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// A file or URL did not load: which, where and why.
    #[error("{0}")]
    Load(String),
    /// No cluster could be reached through the kubeconfig.
    #[error("{0}")]
    Cluster(String),
    /// The checks still failed at the end: the message a step with these checks would give.
    #[error("{0}")]
    Failed(String),
}
