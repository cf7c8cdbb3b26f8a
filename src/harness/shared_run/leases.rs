//! Where a shared run's Leases are kept: the cluster ([`KubeLeases`]), or memory in offline tests.

use std::future::Future;

use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, DeleteParams, ListParams, PostParams};

/// A request about a Lease that the API server refused or that did not reach it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{action} Lease {namespace}/{name}: {message}")]
pub(crate) struct LeaseError {
    pub action: &'static str,
    pub namespace: String,
    pub name: String,
    pub message: String,
}

/// The Leases of one namespace. `create` and `replace` are the two atomic steps the protocol
/// builds on: a create fails when the name exists, a replace when the Lease changed since it
/// was read (its `resourceVersion`).
pub(crate) trait LeaseStore: Sync {
    fn get(&self, name: &str) -> impl Future<Output = Result<Option<Lease>, LeaseError>> + Send;
    /// `false` when a Lease of that name exists.
    fn create(&self, lease: &Lease) -> impl Future<Output = Result<bool, LeaseError>> + Send;
    /// `false` when the Lease changed or went since `lease` was read.
    fn replace(&self, lease: &Lease) -> impl Future<Output = Result<bool, LeaseError>> + Send;
    fn list(&self, selector: &str) -> impl Future<Output = Result<Vec<Lease>, LeaseError>> + Send;
    /// Deleting a Lease that is gone is not an error.
    fn delete(&self, name: &str) -> impl Future<Output = Result<(), LeaseError>> + Send;
}

/// The Leases of a namespace in the cluster.
pub(crate) struct KubeLeases {
    api: Api<Lease>,
    namespace: String,
}

impl KubeLeases {
    pub(crate) fn new(client: kube::Client, namespace: &str) -> Self {
        Self {
            api: Api::namespaced(client, namespace),
            namespace: namespace.to_string(),
        }
    }

    fn error(&self, action: &'static str, name: &str, err: kube::Error) -> LeaseError {
        LeaseError {
            action,
            namespace: self.namespace.clone(),
            name: name.to_string(),
            message: err.to_string(),
        }
    }
}

/// Whether the API server answered with this HTTP status.
fn status_is(err: &kube::Error, code: u16) -> bool {
    matches!(err, kube::Error::Api(status) if status.code == code)
}

fn name_of(lease: &Lease) -> &str {
    lease.metadata.name.as_deref().unwrap_or_default()
}

impl LeaseStore for KubeLeases {
    async fn get(&self, name: &str) -> Result<Option<Lease>, LeaseError> {
        self.api
            .get_opt(name)
            .await
            .map_err(|err| self.error("reading", name, err))
    }

    async fn create(&self, lease: &Lease) -> Result<bool, LeaseError> {
        match self.api.create(&PostParams::default(), lease).await {
            Ok(_) => Ok(true),
            Err(err) if status_is(&err, 409) => Ok(false),
            Err(err) => Err(self.error("creating", name_of(lease), err)),
        }
    }

    async fn replace(&self, lease: &Lease) -> Result<bool, LeaseError> {
        let name = name_of(lease);
        match self.api.replace(name, &PostParams::default(), lease).await {
            Ok(_) => Ok(true),
            Err(err) if status_is(&err, 409) || status_is(&err, 404) => Ok(false),
            Err(err) => Err(self.error("updating", name, err)),
        }
    }

    async fn list(&self, selector: &str) -> Result<Vec<Lease>, LeaseError> {
        self.api
            .list(&ListParams::default().labels(selector))
            .await
            .map(|list| list.items)
            .map_err(|err| self.error("listing", selector, err))
    }

    async fn delete(&self, name: &str) -> Result<(), LeaseError> {
        match self.api.delete(name, &DeleteParams::default()).await {
            Ok(_) => Ok(()),
            Err(err) if status_is(&err, 404) => Ok(()),
            Err(err) => Err(self.error("deleting", name, err)),
        }
    }
}

/// Leases in memory, with the API server's create and replace semantics.
#[cfg(test)]
pub(crate) mod memory {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    pub(crate) struct MemoryLeases {
        leases: Mutex<BTreeMap<String, Lease>>,
        versions: std::sync::atomic::AtomicU64,
    }

    impl MemoryLeases {
        fn stamp(&self, lease: &Lease) -> Lease {
            let mut lease = lease.clone();
            let version = 1 + self
                .versions
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            lease.metadata.resource_version = Some(version.to_string());
            lease
        }

        pub(crate) fn names(&self) -> Vec<String> {
            self.leases.lock().unwrap().keys().cloned().collect()
        }
    }

    impl LeaseStore for MemoryLeases {
        async fn get(&self, name: &str) -> Result<Option<Lease>, LeaseError> {
            Ok(self.leases.lock().unwrap().get(name).cloned())
        }

        async fn create(&self, lease: &Lease) -> Result<bool, LeaseError> {
            let mut leases = self.leases.lock().unwrap();
            if leases.contains_key(name_of(lease)) {
                return Ok(false);
            }
            leases.insert(name_of(lease).to_string(), self.stamp(lease));
            Ok(true)
        }

        async fn replace(&self, lease: &Lease) -> Result<bool, LeaseError> {
            let mut leases = self.leases.lock().unwrap();
            let current = leases.get(name_of(lease));
            if current.is_none_or(|current| {
                current.metadata.resource_version != lease.metadata.resource_version
            }) {
                return Ok(false);
            }
            leases.insert(name_of(lease).to_string(), self.stamp(lease));
            Ok(true)
        }

        async fn list(&self, selector: &str) -> Result<Vec<Lease>, LeaseError> {
            let (key, value) = selector.split_once('=').unwrap();
            Ok(self
                .leases
                .lock()
                .unwrap()
                .values()
                .filter(|lease| {
                    lease
                        .metadata
                        .labels
                        .as_ref()
                        .and_then(|labels| labels.get(key))
                        .is_some_and(|v| v == value)
                })
                .cloned()
                .collect())
        }

        async fn delete(&self, name: &str) -> Result<(), LeaseError> {
            self.leases.lock().unwrap().remove(name);
            Ok(())
        }
    }
}
