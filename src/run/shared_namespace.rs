//! The namespace a collection's `namespace` makes every test share: created once per run (unless
//! it already exists), and deleted at the end only if the run created it — in the run's cluster,
//! and in each cluster a step's kubeconfig named where a test of the run created it.

use std::sync::Arc;

use tokio::time::Instant;

use super::error::NamespaceError;
use super::log::TestLog;
use super::namespace;
use crate::cluster::Cluster;

/// Creates the shared namespace if it does not exist; `Ok(true)`: this run created it.
pub(crate) async fn create_shared(
    cluster: &Arc<Cluster>,
    name: &str,
) -> Result<bool, NamespaceError> {
    let client = cluster.client(&format!("namespace {name}"), None)?;
    namespace::create(&client, name, &TestLog::new()).await
}

/// Deletes the shared namespace (waiting for it where a namespace controller deletes namespaces).
pub(crate) async fn delete_shared(
    cluster: &Arc<Cluster>,
    name: &str,
    deadline: Instant,
) -> Result<(), NamespaceError> {
    let client = cluster.client(&format!("namespace {name}"), None)?;
    namespace::delete(
        &client,
        name,
        cluster.deletes_namespaces(),
        deadline,
        &TestLog::new(),
    )
    .await
}

/// Deletes the shared namespace in the step clusters where a test of this run created it; every
/// cluster is tried, the failures are joined.
pub(crate) async fn delete_shared_elsewhere(
    cluster: &Arc<Cluster>,
    name: &str,
    deadline: Instant,
) -> Result<(), String> {
    let mut failures = Vec::new();
    for endpoint in cluster.take_shared_elsewhere() {
        let deleted = match endpoint.client(&format!("namespace {name}"), None) {
            Ok(client) => namespace::delete(&client, name, true, deadline, &TestLog::new()).await,
            Err(err) => Err(err.into()),
        };
        if let Err(err) = deleted {
            failures.push(format!("{err} (at {})", endpoint.url()));
        }
    }
    match failures.is_empty() {
        true => Ok(()),
        false => Err(failures.join("\n")),
    }
}
