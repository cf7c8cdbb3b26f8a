//! One API server to talk to: its connection settings and a pool of connections, from which the
//! clients of tests are made, each with the test's User-Agent and, for coverage, request recorder.

use std::path::Path;
use std::sync::Arc;

use http::HeaderValue;
use kube::client::ConfigExt;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use tower::ServiceBuilder;
use tower::util::MapRequestLayer;

use super::error::ClusterError;
use crate::provenance;

/// The requests a test sent: method and path with query.
pub(crate) type Requests = Arc<std::sync::Mutex<Vec<(String, String)>>>;

/// The error type kube's layers work with.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connections shared by every client of an endpoint.
type Pool = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    kube::client::Body,
>;

/// An API server and the connections to it.
pub(crate) struct Endpoint {
    config: Config,
    pool: Pool,
}

impl Endpoint {
    /// An endpoint for `config`, with a connection pool of its own.
    pub(crate) fn new(config: Config) -> Result<Self, ClusterError> {
        let pool = pool(&config)?;
        Ok(Self { config, pool })
    }

    /// An endpoint for a kubeconfig file and one of its contexts (`None`: its current context).
    /// Nothing is sent to the server yet.
    pub(crate) async fn from_kubeconfig_file(
        path: &Path,
        context: Option<&str>,
    ) -> Result<Self, ClusterError> {
        Self::new(config_from_file(path, context).await?)
    }

    /// The server's URL.
    pub(crate) fn url(&self) -> &http::Uri {
        &self.config.cluster_url
    }

    /// A client whose requests carry `trial_name` in their User-Agent and, when `requests` is
    /// given, are recorded into it. Every client of an endpoint shares its connection pool, so a
    /// test opens no TLS connection of its own; a watch holds a pooled connection for itself
    /// while it streams.
    pub(crate) fn client(
        &self,
        trial_name: &str,
        requests: Option<&Requests>,
    ) -> Result<Client, ClusterError> {
        let mut config = self.config.clone();
        let agent = HeaderValue::from_str(&provenance::user_agent(trial_name)).map_err(|err| {
            ClusterError::Client(format!(
                "test name {trial_name:?} cannot be sent as a User-Agent: {err}"
            ))
        })?;
        config.headers.push((http::header::USER_AGENT, agent));
        let fail = |err: kube::Error| ClusterError::Client(format!("cannot build a client: {err}"));
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
}

/// The connection settings of a kubeconfig file's context, as `kubectl --kubeconfig <path>
/// [--context <context>]` would use them.
pub(crate) async fn config_from_file(
    path: &Path,
    context: Option<&str>,
) -> Result<Config, ClusterError> {
    let kubeconfig =
        Kubeconfig::read_from(path).map_err(|err| ClusterError::Kubeconfig(err.to_string()))?;
    let options = KubeConfigOptions {
        context: context.map(str::to_string),
        ..KubeConfigOptions::default()
    };
    Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|err| ClusterError::Kubeconfig(err.to_string()))
}

/// The connection settings of a kubeconfig given as text (one a control plane or kind wrote).
pub(crate) async fn config_from_yaml(kubeconfig: &str) -> Result<Config, ClusterError> {
    let unusable = |err: &dyn std::fmt::Display| {
        ClusterError::Kubeconfig(format!("reading the generated kubeconfig: {err}"))
    };
    let kubeconfig = Kubeconfig::from_yaml(kubeconfig).map_err(|err| unusable(&err))?;
    Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|err| unusable(&err))
}

/// A connection pool: TLS from the kubeconfig, no Nagle delay on small writes.
fn pool(config: &Config) -> Result<Pool, ClusterError> {
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(config.connect_timeout);
    let https = config
        .rustls_https_connector_with_connector(http)
        .map_err(|err| ClusterError::Client(format!("cannot set up TLS: {err}")))?;
    Ok(
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(https),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_CONTEXTS: &str = r#"
apiVersion: v1
kind: Config
current-context: first
clusters:
  - name: one
    cluster: { server: "https://one.example:6443", insecure-skip-tls-verify: true }
  - name: two
    cluster: { server: "https://two.example:7443", insecure-skip-tls-verify: true }
users:
  - name: someone
    user: { token: abc }
contexts:
  - name: first
    context: { cluster: one, user: someone, namespace: ns-one }
  - name: second
    context: { cluster: two, user: someone, namespace: ns-two }
"#;

    fn kubeconfig_file() -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), TWO_CONTEXTS).unwrap();
        file
    }

    fn picked(context: Option<&str>) -> Result<(String, String), ClusterError> {
        let file = kubeconfig_file();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let config = runtime.block_on(config_from_file(file.path(), context))?;
        Ok((config.cluster_url.to_string(), config.default_namespace))
    }

    #[test]
    fn no_context_means_the_current_one() {
        assert_eq!(
            picked(None).unwrap(),
            ("https://one.example:6443/".into(), "ns-one".into())
        );
    }

    #[test]
    fn a_named_context_picks_its_cluster_and_namespace() {
        assert_eq!(
            picked(Some("second")).unwrap(),
            ("https://two.example:7443/".into(), "ns-two".into())
        );
    }

    #[test]
    fn an_unknown_context_is_an_error_naming_it() {
        let err = picked(Some("third")).unwrap_err().to_string();
        assert!(err.contains("third"), "{err}");
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let err = runtime
            .block_on(config_from_file(Path::new("/no/such/kubeconfig"), None))
            .unwrap_err();
        assert!(matches!(err, ClusterError::Kubeconfig(_)), "{err:?}");
        let err = err.to_string();
        assert!(err.contains("/no/such/kubeconfig"), "{err}");
    }
}
