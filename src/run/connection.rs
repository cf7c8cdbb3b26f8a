//! A test's way to one cluster — the run's, or one a step's kubeconfig names: the client its
//! requests go through, a watch client on connections of its own, the cache that resolves kinds
//! on that cluster, and the kubeconfig its commands get as `KUBECONFIG`.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use kube::Client;

use crate::cluster::{ClusterError, Endpoint, Requests, Resolver};

/// The clients of one test for one cluster.
pub(crate) struct Connection {
    /// Sends every read and write of the test to this cluster.
    pub client: Client,
    /// Carries the test's watches; built when the first watch starts.
    watch_client: OnceLock<Result<Client, ClusterError>>,
    /// The API server.
    pub endpoint: Arc<Endpoint>,
    /// The User-Agent name and the request recorder, for the watch client.
    trial_name: String,
    requests: Option<Requests>,
    /// Resolves kinds on this cluster.
    pub resolver: Arc<Resolver>,
    /// The kubeconfig file commands receive as `KUBECONFIG`.
    pub kubeconfig: Option<PathBuf>,
}

impl Connection {
    /// Clients for `endpoint` whose requests carry `trial_name` in their User-Agent.
    pub(crate) fn new(
        endpoint: Arc<Endpoint>,
        resolver: Arc<Resolver>,
        kubeconfig: Option<PathBuf>,
        trial_name: &str,
        requests: Option<Requests>,
    ) -> Result<Self, ClusterError> {
        Ok(Self {
            client: endpoint.client(trial_name, requests.as_ref())?,
            watch_client: OnceLock::new(),
            endpoint,
            trial_name: trial_name.to_string(),
            requests,
            resolver,
            kubeconfig,
        })
    }

    /// The client for watches: its own connections, so that a watch event never queues behind the
    /// test's writes.
    pub(crate) fn watch_client(&self) -> Result<Client, ClusterError> {
        self.watch_client
            .get_or_init(|| {
                self.endpoint
                    .client(&self.trial_name, self.requests.as_ref())
            })
            .clone()
    }
}
