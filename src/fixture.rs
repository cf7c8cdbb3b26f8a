//! Rust fixtures: set-up written in Rust (typically: start the controller under test in this
//! process) that runs once per scope, like a lifecycle hook, and hands a value to the typed tests
//! of its scope.

use std::future::Future;

use futures::future::BoxFuture;

/// Where a fixture lives: once for the whole run, or once per suite.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FixtureScope {
    /// Set up before the run's first cluster trial, torn down after its last.
    Collection,
    /// Set up before the suite's first selected trial, torn down after its last.
    Suite(String),
}

impl FixtureScope {
    /// The suite `name` (a folder of the collection's `testDirs`).
    pub fn suite(name: impl Into<String>) -> Self {
        Self::Suite(name.into())
    }
}

/// What a fixture's set-up receives.
pub struct FixtureContext {
    client: kube::Client,
    scope: FixtureScope,
}

impl FixtureContext {
    pub(crate) fn new(client: kube::Client, scope: FixtureScope) -> Self {
        Self { client, scope }
    }

    /// A client of the run's cluster, for as long as the fixture needs it.
    pub fn client(&self) -> kube::Client {
        self.client.clone()
    }

    /// The scope the fixture is set up for.
    pub fn scope(&self) -> &FixtureScope {
        &self.scope
    }
}

/// A fixture's value, and what tears it down after the last trial of its scope.
///
/// ```
/// let stop = tokio::sync::oneshot::channel::<()>();
/// let fixture = kuttl::Fixture::new("the controller's name".to_string()).with_teardown(async move {
///     let _ = stop.0.send(());
///     Ok::<(), std::convert::Infallible>(())
/// });
/// ```
#[must_use = "a fixture set-up returns its Fixture"]
pub struct Fixture<T> {
    pub(crate) value: T,
    pub(crate) teardown: Option<BoxFuture<'static, Result<(), String>>>,
}

impl<T: Send + Sync + 'static> Fixture<T> {
    /// A fixture with nothing to tear down.
    pub fn new(value: T) -> Self {
        Self {
            value,
            teardown: None,
        }
    }

    /// Runs `teardown` after the last trial of the fixture's scope (before the scope's YAML after
    /// hook), and waits for it: stop the controller and wait until it has stopped, for example.
    /// Its error fails the scope's last trial, as an after hook's does.
    pub fn with_teardown<E: std::fmt::Display>(
        mut self,
        teardown: impl Future<Output = Result<(), E>> + Send + 'static,
    ) -> Self {
        self.teardown = Some(Box::pin(async move {
            teardown.await.map_err(|err| format!("{err:#}"))
        }));
        self
    }
}

/// A typed test asked for a fixture value that none of its scopes has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no fixture of type {wanted} in the scopes of suite {suite:?} (its suite's, then the collection's); register one with Harness::fixture"
)]
pub struct FixtureError {
    wanted: &'static str,
    suite: String,
}

impl FixtureError {
    pub(crate) fn new(wanted: &'static str, suite: &str) -> Self {
        Self {
            wanted,
            suite: suite.to_string(),
        }
    }
}
