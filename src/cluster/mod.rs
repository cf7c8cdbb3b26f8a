//! The cluster side: one connection setting for the run, a client per test with its own
//! User-Agent, a run-wide discovery cache, and the kubeconfig handed to commands.

mod discovery;

use std::time::Duration;

use http::HeaderValue;
use kube::config::Kubeconfig;
use kube::{Client, Config};

pub(crate) use discovery::{Resolved, Resolver};

use crate::provenance;

/// How long connecting may take before the run gives up on the cluster.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// The cluster a run talks to.
pub(crate) struct Cluster {
    config: Config,
    /// The kubeconfig the connection came from, serialized for commands (`None` in-cluster).
    kubeconfig: Option<String>,
    /// GVK → resource and scope, shared by every test.
    pub resolver: Resolver,
}

impl Cluster {
    /// Connects as kubectl would (`KUBECONFIG`, `~/.kube/config`, in-cluster) and checks that the
    /// API server answers.
    pub(crate) async fn connect() -> Result<Self, String> {
        let hint = "(hint: point KUBECONFIG at a cluster, or run only the offline checks with plain `cargo test`)";
        let config = Config::infer()
            .await
            .map_err(|err| format!("no Kubernetes cluster configured: {err}\n{hint}"))?;
        let url = config.cluster_url.clone();
        let probe = Client::try_from(config.clone())
            .map_err(|err| format!("cannot build a client for {url}: {err}"))?;
        match tokio::time::timeout(PROBE_TIMEOUT, probe.apiserver_version()).await {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => {
                return Err(format!(
                    "the cluster at {url} does not answer: {err}\n{hint}"
                ));
            }
            Err(_) => {
                return Err(format!(
                    "the cluster at {url} did not answer within {}s\n{hint}",
                    PROBE_TIMEOUT.as_secs()
                ));
            }
        }
        let kubeconfig = Kubeconfig::read()
            .ok()
            .and_then(|kubeconfig| serde_json::to_string_pretty(&kubeconfig).ok());
        Ok(Self {
            config,
            kubeconfig,
            resolver: Resolver::default(),
        })
    }

    /// A client whose requests carry the test's User-Agent. Each call opens its own connections,
    /// so a watch client never queues behind the writes of another.
    pub(crate) fn client(&self, trial_name: &str) -> Result<Client, String> {
        let mut config = self.config.clone();
        let agent = HeaderValue::from_str(&provenance::user_agent(trial_name)).map_err(|err| {
            format!("test name {trial_name:?} cannot be sent as a User-Agent: {err}")
        })?;
        config.headers.push((http::header::USER_AGENT, agent));
        Client::try_from(config).map_err(|err| format!("cannot build a client: {err}"))
    }

    /// The kubeconfig commands receive, as text (`None` when the run uses in-cluster config).
    pub(crate) fn kubeconfig(&self) -> Option<&str> {
        self.kubeconfig.as_deref()
    }
}
