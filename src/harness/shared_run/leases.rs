//! Where a shared run's Leases are kept: the cluster ([`KubeLeases`]), or memory in offline tests
//! ([`memory::MemoryLeases`], with faults to inject).

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
    /// Says nothing about the Lease (no answer in time, 429, 5xx, a connection reset): the same
    /// request is worth sending again.
    pub transient: bool,
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
            transient: crate::run::api_error::is_transient(&err),
            message: crate::run::api_error::api_message(&err),
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

/// Leases in memory, with the API server's create and replace semantics, and faults to inject:
/// failing requests, a stalled server, Leases lost.
#[cfg(test)]
pub(crate) mod memory {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};

    use tokio::time::Instant;

    use super::*;

    #[derive(Default)]
    pub(crate) struct MemoryLeases {
        leases: Mutex<BTreeMap<String, Lease>>,
        versions: AtomicU64,
        faults: Mutex<Faults>,
    }

    #[derive(Default)]
    struct Faults {
        /// How many of the next requests fail (of one action, when set), and whether as
        /// transient errors.
        failing: usize,
        action: Option<&'static str>,
        transient: bool,
        /// Requests wait until then (a stalled API server), then are served.
        stalled_until: Option<Instant>,
    }

    impl MemoryLeases {
        fn stamp(&self, lease: &Lease) -> Lease {
            let mut lease = lease.clone();
            let version = 1 + self.versions.fetch_add(1, Ordering::SeqCst);
            lease.metadata.resource_version = Some(version.to_string());
            lease
        }

        pub(crate) fn names(&self) -> Vec<String> {
            self.leases.lock().unwrap().keys().cloned().collect()
        }

        /// The next `count` requests fail: with a 503 when `transient`, else with a 403.
        pub(crate) fn fail_next(&self, count: usize, transient: bool) {
            let mut faults = self.faults.lock().unwrap();
            faults.failing = count;
            faults.transient = transient;
            faults.action = None;
        }

        /// The next `count` requests of `action` (`deleting`, …) fail, as [`Self::fail_next`].
        pub(crate) fn fail_next_of(&self, action: &'static str, count: usize, transient: bool) {
            self.fail_next(count, transient);
            self.faults.lock().unwrap().action = Some(action);
        }

        /// Requests get no answer for `duration`: they are served once it has passed.
        pub(crate) fn stall_for(&self, duration: std::time::Duration) {
            self.faults.lock().unwrap().stalled_until = Some(Instant::now() + duration);
        }

        /// The Lease `name` disappears (deleted by hand, or by another run's cleanup).
        pub(crate) fn lose(&self, name: &str) {
            self.leases.lock().unwrap().remove(name);
        }

        /// Waits out a stall, then fails the request if a failure is due.
        async fn serve(&self, action: &'static str, name: &str) -> Result<(), LeaseError> {
            let stalled_until = self.faults.lock().unwrap().stalled_until;
            if let Some(until) = stalled_until {
                tokio::time::sleep_until(until).await;
            }
            let mut faults = self.faults.lock().unwrap();
            if faults.failing == 0 || faults.action.is_some_and(|only| only != action) {
                return Ok(());
            }
            faults.failing -= 1;
            Err(LeaseError {
                action,
                namespace: "memory".into(),
                name: name.to_string(),
                message: if faults.transient {
                    "503 Service Unavailable".into()
                } else {
                    "403 Forbidden".into()
                },
                transient: faults.transient,
            })
        }
    }

    impl LeaseStore for MemoryLeases {
        async fn get(&self, name: &str) -> Result<Option<Lease>, LeaseError> {
            self.serve("reading", name).await?;
            Ok(self.leases.lock().unwrap().get(name).cloned())
        }

        async fn create(&self, lease: &Lease) -> Result<bool, LeaseError> {
            self.serve("creating", name_of(lease)).await?;
            let mut leases = self.leases.lock().unwrap();
            if leases.contains_key(name_of(lease)) {
                return Ok(false);
            }
            leases.insert(name_of(lease).to_string(), self.stamp(lease));
            Ok(true)
        }

        async fn replace(&self, lease: &Lease) -> Result<bool, LeaseError> {
            self.serve("updating", name_of(lease)).await?;
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
            self.serve("listing", selector).await?;
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
            self.serve("deleting", name).await?;
            self.leases.lock().unwrap().remove(name);
            Ok(())
        }
    }
}
