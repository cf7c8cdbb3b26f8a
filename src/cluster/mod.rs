//! The cluster side: one connection setting for the run, a client per test with its own
//! User-Agent, a run-wide discovery cache, and the kubeconfig handed to commands.

mod control_plane;
mod discovery;
mod kind;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use control_plane::ControlPlane;
use http::HeaderValue;
use kind::KindCluster;
use kube::client::ConfigExt;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use tower::ServiceBuilder;
use tower::util::MapRequestLayer;

pub(crate) use discovery::{Resolved, Resolver};

use crate::load::ClusterSource;
use crate::provenance;

/// How long connecting may take before the run gives up on the cluster.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// The error type kube's layers work with.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connections shared by every client of the run.
type Pool = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    kube::client::Body,
>;

/// The cluster a run talks to.
pub(crate) struct Cluster {
    config: Config,
    pool: Pool,
    /// The kubeconfig the connection came from, serialized for commands (`None` in-cluster).
    kubeconfig: Option<String>,
    /// GVK → resource and scope, shared by every test.
    pub resolver: Resolver,
    /// A control plane or kind cluster this run started, stopped by [`Cluster::shutdown`].
    started: Mutex<Option<Started>>,
    /// Whether a namespace controller deletes namespaces (an API server alone has none).
    deletes_namespaces: bool,
    /// Whether tests record their requests (coverage is on).
    coverage: bool,
}

/// The requests a test sent: method and path with query.
pub(crate) type Requests = Arc<Mutex<Vec<(String, String)>>>;

enum Started {
    ControlPlane(Box<ControlPlane>),
    Kind(KindCluster),
}

impl Cluster {
    /// Connects to the cluster the collection names: the current kubeconfig (`KUBECONFIG`,
    /// `~/.kube/config`, in-cluster), or a control plane or kind cluster started here. Then checks
    /// that the API server answers.
    pub(crate) async fn connect(source: &ClusterSource, coverage: bool) -> Result<Self, String> {
        let (config, kubeconfig, started) = match source {
            ClusterSource::Kubeconfig => {
                let hint = "(hint: point KUBECONFIG at a cluster, set controlPlane.start with KUBEBUILDER_ASSETS, or run only the offline checks with plain `cargo test`)";
                let config = Config::infer()
                    .await
                    .map_err(|err| format!("no Kubernetes cluster configured: {err}\n{hint}"))?;
                probe(&config)
                    .await
                    .map_err(|err| format!("{err}\n{hint}"))?;
                let kubeconfig = Kubeconfig::read()
                    .ok()
                    .and_then(|kubeconfig| serde_json::to_string_pretty(&kubeconfig).ok());
                (config, kubeconfig, None)
            }
            ClusterSource::ControlPlane { args } => {
                let plane = ControlPlane::start(args).await?;
                let config = config_from(&plane.kubeconfig).await?;
                let kubeconfig = Some(plane.kubeconfig.clone());
                (
                    config,
                    kubeconfig,
                    Some(Started::ControlPlane(Box::new(plane))),
                )
            }
            ClusterSource::Kind(settings) => {
                let cluster = KindCluster::create(settings).await?;
                let config = match config_from(&cluster.kubeconfig).await {
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
        let pool = pool(&config)?;
        Ok(Self {
            pool,
            config,
            kubeconfig,
            resolver: Resolver::default(),
            deletes_namespaces: !matches!(started, Some(Started::ControlPlane(_))),
            coverage,
            started: Mutex::new(started),
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
        self.deletes_namespaces
    }

    /// A client whose requests carry the test's User-Agent and, when coverage is on, are recorded
    /// into `requests`. Every client of the run shares one connection pool, so a test opens no TLS
    /// connection of its own; a watch holds a pooled connection for itself while it streams.
    pub(crate) fn client(
        &self,
        trial_name: &str,
        requests: Option<&Requests>,
    ) -> Result<Client, String> {
        let mut config = self.config.clone();
        let agent = HeaderValue::from_str(&provenance::user_agent(trial_name)).map_err(|err| {
            format!("test name {trial_name:?} cannot be sent as a User-Agent: {err}")
        })?;
        config.headers.push((http::header::USER_AGENT, agent));
        let fail = |err: kube::Error| format!("cannot build a client: {err}");
        // The recording layer is outermost, so it sees the paths relative to the server.
        let record = requests.map(|requests| {
            let requests = Arc::clone(requests);
            MapRequestLayer::new(move |request: http::Request<kube::client::Body>| {
                let entry = (request.method().to_string(), request.uri().to_string());
                requests
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(entry);
                request
            })
        });
        let service = ServiceBuilder::new()
            .option_layer(record)
            .layer(config.base_uri_layer())
            .option_layer(config.auth_layer().map_err(fail)?)
            .layer(config.extra_headers_layer().map_err(fail)?)
            .map_err(|err: hyper_util::client::legacy::Error| -> BoxError { Box::new(err) })
            .service(self.pool.clone());
        Ok(Client::new(service, config.default_namespace.clone()))
    }

    /// Whether tests record their requests for coverage.
    pub(crate) fn records_requests(&self) -> bool {
        self.coverage
    }

    /// The cluster's OpenAPI v2 document.
    pub(crate) async fn openapi_v2(&self) -> Result<serde_json::Value, String> {
        let client = self.client("openapi", None)?;
        let request = http::Request::get("/openapi/v2")
            .body(Vec::new())
            .map_err(|err| err.to_string())?;
        let text = client
            .request_text(request)
            .await
            .map_err(|err| format!("cannot fetch /openapi/v2: {err}"))?;
        serde_json::from_str(&text).map_err(|err| format!("/openapi/v2 is not JSON: {err}"))
    }

    /// The kubeconfig commands receive, as text (`None` when the run uses in-cluster config).
    pub(crate) fn kubeconfig(&self) -> Option<&str> {
        self.kubeconfig.as_deref()
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

async fn config_from(kubeconfig: &str) -> Result<Config, String> {
    let kubeconfig = Kubeconfig::from_yaml(kubeconfig)
        .map_err(|err| format!("reading the generated kubeconfig: {err}"))?;
    Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|err| format!("reading the generated kubeconfig: {err}"))
}

/// The run's connection pool: TLS from the kubeconfig, no Nagle delay on small writes.
fn pool(config: &Config) -> Result<Pool, String> {
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(config.connect_timeout);
    let https = config
        .rustls_https_connector_with_connector(http)
        .map_err(|err| format!("cannot set up TLS: {err}"))?;
    Ok(
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(https),
    )
}
