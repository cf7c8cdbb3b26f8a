//! A stand-in API server for offline tests of the engine's order of requests: it answers each
//! request with what the test's function says and writes `METHOD path` into a journal, where the
//! test can write its own marks too (a slot given away), so that one list shows what happened in
//! which order.

use std::sync::{Arc, Mutex};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;

use super::test_state::TestState;
use crate::cluster::Cluster;

/// What the server answers: a status code and a JSON body.
pub(crate) type Answer = (u16, Value);

/// A running stand-in API server; it stops with the test's runtime.
pub(crate) struct FakeApi {
    url: String,
    journal: Journal,
}

/// What happened, in order: requests as `METHOD path`, and the test's own marks.
#[derive(Clone, Default)]
pub(crate) struct Journal(Arc<Mutex<Vec<String>>>);

impl Journal {
    pub(crate) fn mark(&self, entry: impl Into<String>) {
        self.0.lock().unwrap().push(entry.into());
    }

    pub(crate) fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl FakeApi {
    /// Serves `answer(method, path)` on a free local port.
    pub(crate) async fn start(
        answer: impl Fn(&str, &str) -> Answer + Send + Sync + 'static,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let journal = Journal::default();
        let answer = Arc::new(answer);
        let recorded = journal.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let answer = Arc::clone(&answer);
                let journal = recorded.clone();
                let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let path = request.uri().path().to_string();
                    let method = request.method().to_string();
                    journal.mark(format!("{method} {path}"));
                    let (status, body) = answer(&method, &path);
                    let response = http::Response::builder()
                        .status(status)
                        .header("content-type", "application/json")
                        .body(body.to_string());
                    async move { response }
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        Self { url, journal }
    }

    /// The run's cluster, as a run connected to this server would have it; `embedded`: an API
    /// server alone, without a namespace controller.
    pub(crate) fn cluster(&self, embedded: bool) -> Arc<Cluster> {
        Arc::new(Cluster::for_tests(&self.url, embedded))
    }

    /// The state of a test `suite::test` working in `namespace` on this server's cluster.
    pub(crate) fn test_state(
        &self,
        namespace: &str,
        owns_namespace: bool,
        embedded: bool,
        step_timeout: i64,
    ) -> TestState {
        TestState::new(
            self.cluster(embedded),
            "suite::test",
            namespace.to_string(),
            owns_namespace,
            std::env::temp_dir(),
            step_timeout,
            false,
        )
        .expect("a test state")
    }

    pub(crate) fn journal(&self) -> &Journal {
        &self.journal
    }
}

/// A Kubernetes object of `kind` named `name`, as a GET returns it.
pub(crate) fn object(api_version: &str, kind: &str, name: &str) -> Answer {
    (
        200,
        serde_json::json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}}),
    )
}

/// The API server's NotFound.
pub(crate) fn not_found() -> Answer {
    (
        404,
        serde_json::json!({
            "apiVersion": "v1", "kind": "Status", "status": "Failure",
            "message": "not found", "reason": "NotFound", "code": 404
        }),
    )
}
