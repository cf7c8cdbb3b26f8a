//! The cluster side: one connection setting for the run, a client per test with its own
//! User-Agent, a run-wide discovery cache, and the kubeconfig handed to commands. [`Endpoint`] is
//! one API server and its connection pool: the run's, or one a step's kubeconfig names.

mod control_plane;
mod discovery;
mod endpoint;
mod envtest_assets;
mod error;
mod kind;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use control_plane::ControlPlane;
use kind::KindCluster;
use kube::config::Kubeconfig;
use kube::{Client, Config};

pub(crate) use discovery::{CrdVerdict, Resolved, Resolver, crd_for};
pub(crate) use endpoint::{Endpoint, Requests};
pub(crate) use envtest_assets::AssetsError;
pub(crate) use error::ClusterError;

use crate::load::ClusterSource;

/// How long connecting may take before the run gives up on the cluster.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// The cluster a run talks to.
pub(crate) struct Cluster {
    /// The API server and the connections every client of the run shares.
    endpoint: Arc<Endpoint>,
    /// The kubeconfig the connection came from, serialized for commands (`None` in-cluster).
    kubeconfig: Option<String>,
    /// GVK → resource and scope, shared by every test (of this cluster only).
    pub resolver: Arc<Resolver>,
    /// A control plane or kind cluster this run started, stopped by [`Cluster::shutdown`].
    started: Mutex<Option<Started>>,
    /// An embedded control plane this run started: an API server alone, with no controllers and
    /// no nodes.
    embedded: bool,
    /// Whether tests record their requests (coverage is on).
    coverage: bool,
    /// Clusters named by steps' kubeconfigs in which this run created the shared namespace.
    shared_elsewhere: Mutex<Vec<Arc<Endpoint>>>,
}

enum Started {
    ControlPlane(Box<ControlPlane>),
    Kind(KindCluster),
}

impl Cluster {
    /// Connects to the cluster the collection names: the current kubeconfig (`KUBECONFIG`,
    /// `~/.kube/config`, in-cluster), or a control plane or kind cluster started here. Then checks
    /// that the API server answers.
    pub(crate) async fn connect(
        source: &ClusterSource,
        coverage: bool,
        envtest: Option<&Result<PathBuf, AssetsError>>,
    ) -> Result<Self, ClusterError> {
        // `controlPlane.start: auto` is normally decided with the environment's overrides already.
        let source = &source.clone().decided(|name| std::env::var(name).ok());
        let (config, kubeconfig, started) = match source {
            // A decided source is never `Auto`.
            ClusterSource::Kubeconfig | ClusterSource::Auto { .. } => {
                let config = Config::infer()
                    .await
                    .map_err(|err| ClusterError::NotConfigured(err.to_string()))?;
                probe(&config).await.map_err(ClusterError::NotAnswering)?;
                let kubeconfig = Kubeconfig::read()
                    .ok()
                    .and_then(|kubeconfig| serde_json::to_string_pretty(&kubeconfig).ok());
                (config, kubeconfig, None)
            }
            ClusterSource::ControlPlane { args, .. } => {
                let plane = ControlPlane::start(args, envtest)
                    .await
                    .map_err(ClusterError::from)?;
                let config = endpoint::config_from_yaml(&plane.kubeconfig).await?;
                let kubeconfig = Some(plane.kubeconfig.clone());
                (
                    config,
                    kubeconfig,
                    Some(Started::ControlPlane(Box::new(plane))),
                )
            }
            ClusterSource::Kind(settings) => {
                let cluster = KindCluster::create(settings)
                    .await
                    .map_err(ClusterError::Kind)?;
                let config = match endpoint::config_from_yaml(&cluster.kubeconfig).await {
                    Ok(config) => config,
                    Err(err) => {
                        cluster.delete().await;
                        return Err(err);
                    }
                };
                let kubeconfig = Some(cluster.kubeconfig.clone());
                (config, kubeconfig, Some(Started::Kind(cluster)))
            }
        };
        Ok(Self {
            endpoint: Arc::new(Endpoint::new(config)?),
            kubeconfig,
            resolver: Arc::default(),
            embedded: matches!(started, Some(Started::ControlPlane(_))),
            coverage,
            started: Mutex::new(started),
            shared_elsewhere: Mutex::default(),
        })
    }

    /// Stops the control plane or deletes the kind cluster this run started, unless `keep`
    /// (`skipClusterDelete`), in which case it says where the kubeconfig is.
    pub(crate) async fn shutdown(&self, keep: bool) -> Option<String> {
        let started = self
            .started
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()?;
        if keep {
            let path = match &started {
                Started::ControlPlane(plane) => plane.kubeconfig_path(),
                Started::Kind(cluster) => cluster.kubeconfig_path(),
            };
            // Dropping the handles would stop the processes and remove the folder.
            std::mem::forget(started);
            return Some(format!(
                "skipClusterDelete: the cluster keeps running; to connect to it, run: export KUBECONFIG={}",
                path.display()
            ));
        }
        match started {
            Started::ControlPlane(plane) => plane.stop().await,
            Started::Kind(cluster) => cluster.delete().await,
        }
        None
    }

    /// Whether deleted namespaces go away: an API server alone has no namespace controller, so
    /// waiting for it would only time out.
    pub(crate) fn deletes_namespaces(&self) -> bool {
        !self.embedded
    }

    /// Why tests that need nodes that run pods cannot run here, if they cannot: an embedded control
    /// plane has none.
    pub(crate) fn lacks_nodes(&self) -> Option<&'static str> {
        self.embedded.then_some(
            "this run's cluster is an embedded control plane (an API server alone), with no nodes",
        )
    }

    /// A client whose requests carry the test's User-Agent and, when coverage is on, are recorded
    /// into `requests` (see [`Endpoint::client`]).
    pub(crate) fn client(
        &self,
        trial_name: &str,
        requests: Option<&Requests>,
    ) -> Result<Client, ClusterError> {
        self.endpoint.client(trial_name, requests)
    }

    /// The API server and its connection pool.
    pub(crate) fn endpoint(&self) -> &Arc<Endpoint> {
        &self.endpoint
    }

    /// Notes that this run created the shared namespace in a step's cluster, for the end of the run.
    pub(crate) fn remember_shared_elsewhere(&self, endpoint: Arc<Endpoint>) {
        self.shared_elsewhere
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(endpoint);
    }

    /// The step clusters in which this run created the shared namespace (each returned once).
    pub(crate) fn take_shared_elsewhere(&self) -> Vec<Arc<Endpoint>> {
        std::mem::take(
            &mut *self
                .shared_elsewhere
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    /// Whether tests record their requests for coverage.
    pub(crate) fn records_requests(&self) -> bool {
        self.coverage
    }

    /// The cluster's OpenAPI v2 document.
    pub(crate) async fn openapi_v2(&self) -> Result<serde_json::Value, ClusterError> {
        let client = self.client("openapi", None)?;
        let request = http::Request::get("/openapi/v2")
            .body(Vec::new())
            .map_err(|err| ClusterError::OpenApi(err.to_string()))?;
        let text = client
            .request_text(request)
            .await
            .map_err(|err| ClusterError::OpenApi(format!("cannot fetch /openapi/v2: {err}")))?;
        serde_json::from_str(&text)
            .map_err(|err| ClusterError::OpenApi(format!("/openapi/v2 is not JSON: {err}")))
    }

    /// The kubeconfig commands receive, as text (`None` when the run uses in-cluster config).
    pub(crate) fn kubeconfig(&self) -> Option<&str> {
        self.kubeconfig.as_deref()
    }

    /// A cluster at `url` (plain HTTP, no credentials) for offline tests against a stand-in API
    /// server; `embedded`: as an embedded control plane, without a namespace controller.
    #[cfg(test)]
    pub(crate) fn for_tests(url: &str, embedded: bool) -> Self {
        let config = Config::new(url.parse().expect("a URL"));
        Self {
            endpoint: Arc::new(Endpoint::new(config).expect("a client for a plain URL")),
            kubeconfig: None,
            resolver: Arc::default(),
            started: Mutex::default(),
            embedded,
            coverage: false,
            shared_elsewhere: Mutex::default(),
        }
    }
}

/// Checks that the API server answers within [`PROBE_TIMEOUT`].
async fn probe(config: &Config) -> Result<(), String> {
    let url = &config.cluster_url;
    let client = Client::try_from(config.clone())
        .map_err(|err| format!("cannot build a client for {url}: {err}"))?;
    match tokio::time::timeout(PROBE_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(format!("the cluster at {url} does not answer: {err}")),
        Err(_) => Err(format!(
            "the cluster at {url} did not answer within {}s",
            PROBE_TIMEOUT.as_secs()
        )),
    }
}

/// Where envtest binaries come from when `KUTTL_ENVTEST_INDEX` is unset.
const INDEX_ENV: &str = "KUTTL_ENVTEST_INDEX";

/// Fetches the envtest binaries an embedded control plane will need, when `source` starts one and
/// `KUBEBUILDER_ASSETS` is unset (`None` otherwise): the version of `controlPlane.version` from
/// `KUTTL_ENVTEST_INDEX` (a URL or a file; default setup-envtest's index) into setup-envtest's
/// cache. Progress goes to stderr; call it before libtest prints anything.
pub(crate) fn envtest_binaries(
    source: &ClusterSource,
    env: impl Fn(&str) -> Option<String>,
) -> Option<Result<PathBuf, AssetsError>> {
    let ClusterSource::ControlPlane { version, .. } = source else {
        return None;
    };
    if env("KUBEBUILDER_ASSETS").is_some_and(|assets| !assets.is_empty()) {
        return None;
    }
    let index = env(INDEX_ENV)
        .filter(|index| !index.is_empty())
        .unwrap_or_else(|| envtest_assets::DEFAULT_INDEX.to_string());
    let Some(cache) = envtest_assets::default_cache(&env) else {
        return Some(Err(AssetsError::Cache {
            path: "(no HOME or XDG_DATA_HOME)".into(),
            reason: "setup-envtest's cache folder is unknown".into(),
        }));
    };
    Some(envtest_assets::ensure(
        version.as_deref(),
        &index,
        &cache,
        &mut std::io::stderr().lock(),
    ))
}
