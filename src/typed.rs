//! Typed Rust tests: async functions that run next to the YAML tests of a suite, on the same
//! engine, with the same namespace handling, hooks, reports and cleanup.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use k8s_openapi::api::core::v1::ConfigMap;
//! use kube::api::PostParams;
//!
//! async fn configmap_round_trip(ctx: kuttl::TestContext) -> Result<(), kube::Error> {
//!     let configmaps = ctx.api::<ConfigMap>();
//!     let mut configmap = ConfigMap::default();
//!     configmap.metadata.name = Some("greeting".into());
//!     configmaps.create(&PostParams::default(), &configmap).await?;
//!     ctx.log("created greeting");
//!     let found = ctx
//!         .wait_for(&configmaps, "greeting", "the ConfigMap to exist", Duration::from_secs(10), |_| true)
//!         .await
//!         .expect("the ConfigMap exists");
//!     assert_eq!(found.metadata.name.as_deref(), Some("greeting"));
//!     Ok(())
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     kuttl::Harness::from_collection("suites/kuttl.yaml")
//!         .typed_test("core", "configmap-round-trip", configmap_round_trip)
//!         .run()
//! }
//! ```

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, WatchEvent, WatchParams};
use kube::core::NamespaceResourceScope;
use kube::runtime::wait::{Condition, await_condition, conditions};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::FixtureError;
use crate::harness::Fixtures;
use crate::run;

/// What a typed test receives: a client, the test's own namespace, typed `Api` helpers, waits that
/// watch instead of polling, and a log that lands in the trial's failure message and artifacts.
#[derive(Clone)]
pub struct TestContext {
    inner: Arc<run::TestState>,
    /// The run's fixtures and the test's suite, whose fixtures (then the collection's) it sees.
    fixtures: Option<(Arc<Fixtures>, String)>,
}

/// A wait that ended without its condition holding: what was awaited, why it ended, and the
/// distinct states of the object seen meanwhile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WaitError {
    message: String,
    reason: String,
    timed_out: bool,
    states: Vec<SeenState>,
}

/// A state of the awaited object, as a wait saw it (masked values masked).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeenState {
    /// When, after the wait started.
    pub after: Duration,
    /// The object's state: its `status`, else the whole object, as YAML.
    pub state: String,
}

impl WaitError {
    /// A wait for `what` that ended for `reason`, having seen `states`.
    fn new(what: &str, reason: String, timed_out: bool, states: Vec<SeenState>) -> Self {
        let mut message = format!("waiting for {what}: {reason}");
        if states.is_empty() {
            message.push_str("\nno state of the object was seen");
        } else {
            message.push_str(&format!("\nstates seen ({}):", states.len()));
            for seen in &states {
                message.push_str(&format!(
                    "\n  +{:.3}s\n{}",
                    seen.after.as_secs_f64(),
                    indent(&seen.state)
                ));
            }
        }
        Self {
            message,
            reason,
            timed_out,
            states,
        }
    }

    /// Why the wait ended: `not seen within 10s`, `the watch failed: …`, …
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Whether its time ran out (rather than the watch failing).
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }

    /// The distinct states of the object seen, in order (empty for deletions and watch errors).
    pub fn states_seen(&self) -> &[SeenState] {
        &self.states
    }
}

impl TestContext {
    pub(crate) fn new(inner: Arc<run::TestState>) -> Self {
        Self {
            inner,
            fixtures: None,
        }
    }

    /// This context, seeing the fixtures of `suite` (then the collection's).
    pub(crate) fn with_fixtures(mut self, fixtures: Arc<Fixtures>, suite: &str) -> Self {
        self.fixtures = Some((fixtures, suite.to_string()));
        self
    }

    /// The value of the fixture of type `T` set up for this test: its suite's, else the
    /// collection's (see [`crate::Harness::fixture`]).
    ///
    /// # Errors
    ///
    /// [`FixtureError`] when no fixture of either scope has that type.
    pub fn fixture<T: Send + Sync + 'static>(&self) -> Result<Arc<T>, FixtureError> {
        match &self.fixtures {
            Some((fixtures, suite)) => fixtures.value::<T>(suite),
            None => Err(FixtureError::new(std::any::type_name::<T>(), "")),
        }
    }

    /// The test's client: its requests carry the test's User-Agent and are recorded (see
    /// [`TestContext::operation_ids`]).
    pub fn client(&self) -> Client {
        self.inner.connection.client.clone()
    }

    /// The test's own namespace, created before the test and deleted after it.
    pub fn namespace(&self) -> &str {
        &self.inner.namespace
    }

    /// An `Api` for a namespaced kind in the test's namespace.
    pub fn api<K>(&self) -> Api<K>
    where
        K: Resource<Scope = NamespaceResourceScope>,
        <K as Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client(), self.namespace())
    }

    /// An `Api` for a cluster-scoped kind (`Namespace`, `CustomResourceDefinition`, …). Objects
    /// the test creates with it are its own to delete: only the test's namespace is deleted for it.
    pub fn cluster_api<K>(&self) -> Api<K>
    where
        K: Resource<Scope = kube::core::ClusterResourceScope>,
        <K as Resource>::DynamicType: Default,
    {
        Api::all(self.client())
    }

    /// A wait for the object `name` of `api`, to finish with [`Wait::until`] and
    /// [`WaitUntil::within`] (or [`Wait::deleted_within`]):
    ///
    /// ```no_run
    /// # async fn test(ctx: kuttl::TestContext) -> Result<(), kuttl::WaitError> {
    /// use std::time::Duration;
    /// use k8s_openapi::api::core::v1::ConfigMap;
    ///
    /// let configmaps = ctx.api::<ConfigMap>();
    /// let ready = ctx
    ///     .wait(&configmaps, "settings")
    ///     .described_as("the settings ConfigMap")
    ///     .until(|cm| cm.data.is_some())
    ///     .within(Duration::from_secs(10))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn wait<'a, K>(&'a self, api: &'a Api<K>, name: &'a str) -> Wait<'a, K> {
        Wait {
            ctx: self,
            api,
            name,
            what: None,
        }
    }

    /// Adds a line to the test's log.
    pub fn log(&self, message: impl AsRef<str>) {
        self.inner.log.line("typed", message.as_ref());
    }

    /// Waits until the object `name` exists and `condition` holds for it, re-checking on every
    /// change the watch reports. On timeout, the error says what was awaited and lists the distinct
    /// states seen.
    ///
    /// # Errors
    ///
    /// [`WaitError`] when `timeout` passes first, or the watch fails.
    pub async fn wait_for<K>(
        &self,
        api: &Api<K>,
        name: &str,
        what: &str,
        timeout: Duration,
        condition: impl Fn(&K) -> bool,
    ) -> Result<K, WaitError>
    where
        K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + 'static,
    {
        let what = format!("{what} ({name})");
        let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
        // A dropped watch is re-established with backoff; the wait goes on.
        let events = watcher::watcher(api.clone(), config)
            .default_backoff()
            .boxed();
        let objects = events.map(|event| match event {
            Ok(watcher::Event::Apply(object) | watcher::Event::InitApply(object)) => {
                Ok::<_, String>(Some(object))
            }
            Ok(_) => Ok(None),
            Err(err) => {
                self.log(format!("{what}: the watch failed, watching again: {err}"));
                Ok(None)
            }
        });
        self.first_matching(objects, &what, timeout, condition)
            .await
    }

    /// As [`TestContext::wait_for`], with one of kube's conditions
    /// (`kube::runtime::conditions::is_pod_running()`, `is_crd_established()`, …) or any
    /// [`Condition`]. It is asked about the object once it exists.
    ///
    /// # Errors
    ///
    /// [`WaitError`] when `timeout` passes first.
    pub async fn wait_until<K>(
        &self,
        api: &Api<K>,
        name: &str,
        what: &str,
        timeout: Duration,
        condition: impl Condition<K>,
    ) -> Result<K, WaitError>
    where
        K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + 'static,
    {
        self.wait_for(api, name, what, timeout, |object| {
            condition.matches_object(Some(object))
        })
        .await
    }

    /// Waits until the object `name` is gone (at once when there is none); one that is deleted
    /// and made again under the same name counts as gone.
    ///
    /// # Errors
    ///
    /// [`WaitError`] when `timeout` passes first, or the object cannot be read.
    pub async fn wait_deleted<K>(
        &self,
        api: &Api<K>,
        name: &str,
        what: &str,
        timeout: Duration,
    ) -> Result<(), WaitError>
    where
        K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    {
        let what = format!("{what} ({name}) to be deleted");
        let fail = |reason: String| WaitError::new(&what, reason, false, Vec::new());
        let Some(object) = api
            .get_opt(name)
            .await
            .map_err(|err| fail(format!("cannot read it: {err}")))?
        else {
            return Ok(());
        };
        let uid = object.meta().uid.clone().unwrap_or_default();
        let start = Instant::now();
        self.inner.set_waiting_for(Some(what.clone()));
        let deleted = tokio::time::timeout(
            timeout,
            await_condition(api.clone(), name, conditions::is_deleted(&uid)),
        )
        .await;
        self.inner.set_waiting_for(None);
        match deleted {
            Ok(Ok(_)) => {
                self.log(format!(
                    "{what}: gone after {:.3}s",
                    start.elapsed().as_secs_f64()
                ));
                Ok(())
            }
            Ok(Err(err)) => Err(fail(format!("the watch failed: {err}"))),
            Err(_) => Err(WaitError::new(
                &what,
                format!("still there after {}s", timeout.as_secs_f64()),
                true,
                Vec::new(),
            )),
        }
    }

    /// Watches `api` from `resource_version` (for instance one returned by a list) and returns the
    /// first object an ADDED or MODIFIED event brings for which `condition` holds. On timeout, the
    /// error says what was awaited and lists the distinct states seen.
    ///
    /// # Errors
    ///
    /// [`WaitError`] when `timeout` passes first, or the watch fails.
    pub async fn watch_until<K>(
        &self,
        api: &Api<K>,
        params: &WatchParams,
        resource_version: &str,
        what: &str,
        timeout: Duration,
        condition: impl Fn(&K) -> bool,
    ) -> Result<K, WaitError>
    where
        K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + 'static,
    {
        let stream = api.watch(params, resource_version).await.map_err(|err| {
            let reason = format!("watching from resourceVersion {resource_version}: {err}");
            WaitError::new(what, reason, false, Vec::new())
        })?;
        let objects = stream.boxed().map(|event| match event {
            Ok(WatchEvent::Added(object) | WatchEvent::Modified(object)) => Ok(Some(object)),
            Ok(WatchEvent::Error(status)) => Err(status.message),
            Ok(_) => Ok(None),
            Err(err) => Err(err.to_string()),
        });
        self.first_matching(objects, what, timeout, condition).await
    }

    async fn first_matching<K, E>(
        &self,
        objects: impl futures::Stream<Item = Result<Option<K>, E>> + Unpin,
        what: &str,
        timeout: Duration,
        condition: impl Fn(&K) -> bool,
    ) -> Result<K, WaitError>
    where
        K: Serialize,
        E: std::fmt::Display,
    {
        let start = Instant::now();
        self.inner.set_waiting_for(Some(what.to_string()));
        let mut seen: Vec<SeenState> = Vec::new();
        let mut objects = objects;
        let outcome = tokio::time::timeout(timeout, async {
            while let Some(next) = objects.next().await {
                match next {
                    Ok(Some(object)) if condition(&object) => return Ok(object),
                    Ok(Some(object)) => {
                        let value = serde_json::to_value(&object).unwrap_or_default();
                        let state = run::describe_state(&*self.inner.shown(&value));
                        if seen.last().is_none_or(|last| last.state != state) {
                            seen.push(SeenState {
                                after: start.elapsed(),
                                state,
                            });
                        }
                    }
                    Ok(None) => {}
                    Err(err) => return Err(format!("the watch failed: {err}")),
                }
            }
            Err("the watch ended".to_string())
        })
        .await;
        self.inner.set_waiting_for(None);
        let (reason, timed_out) = match outcome {
            Ok(Ok(object)) => {
                self.log(format!(
                    "{what}: seen after {:.3}s",
                    start.elapsed().as_secs_f64()
                ));
                return Ok(object);
            }
            Ok(Err(reason)) => (reason, false),
            Err(_) => (format!("not seen within {}s", timeout.as_secs_f64()), true),
        };
        Err(WaitError::new(what, reason, timed_out, seen))
    }

    /// The operationIds of the requests this test has sent so far, mapped with the cluster's
    /// `/openapi/v2`, as APISnoop maps audit events.
    ///
    /// # Errors
    ///
    /// The spec cannot be fetched.
    pub async fn operation_ids(&self) -> Result<BTreeSet<String>, String> {
        let spec = self
            .inner
            .cluster
            .openapi_v2()
            .await
            .map_err(|err| err.to_string())?;
        let index = crate::report::OperationIndex::from_spec(&spec);
        Ok(self
            .inner
            .sent_requests()
            .iter()
            .filter_map(|(method, uri)| index.operation(method, uri))
            .map(|operation| operation.id.clone())
            .collect())
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("      {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A wait being described: see [`TestContext::wait`].
#[must_use = "a wait does nothing until until(…).within(…) or deleted_within(…) is awaited"]
pub struct Wait<'a, K> {
    ctx: &'a TestContext,
    api: &'a Api<K>,
    name: &'a str,
    what: Option<String>,
}

impl<'a, K> Wait<'a, K>
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + 'static,
{
    /// What the wait is for, in its log lines and its error (default: `the object`).
    pub fn described_as(mut self, what: impl Into<String>) -> Self {
        self.what = Some(what.into());
        self
    }

    /// The condition the object must meet.
    pub fn until<F: Fn(&K) -> bool>(self, condition: F) -> WaitUntil<'a, K, F> {
        WaitUntil {
            wait: self,
            condition,
        }
    }

    /// Waits until the object is gone, at most `timeout`; as [`TestContext::wait_deleted`].
    ///
    /// # Errors
    ///
    /// [`WaitError`] when it is still there at the end, or cannot be read.
    pub async fn deleted_within(self, timeout: Duration) -> Result<(), WaitError> {
        let what = self.what.as_deref().unwrap_or("the object");
        self.ctx
            .wait_deleted(self.api, self.name, what, timeout)
            .await
    }
}

/// A wait with its condition: see [`TestContext::wait`].
#[must_use = "a wait does nothing until within(…) is awaited"]
pub struct WaitUntil<'a, K, F> {
    wait: Wait<'a, K>,
    condition: F,
}

impl<K, F> WaitUntil<'_, K, F>
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug + Send + 'static,
    F: Fn(&K) -> bool,
{
    /// Waits at most `timeout`; as [`TestContext::wait_for`].
    ///
    /// # Errors
    ///
    /// [`WaitError`] when `timeout` passes first, or the watch fails.
    pub async fn within(self, timeout: Duration) -> Result<K, WaitError> {
        let Wait {
            ctx,
            api,
            name,
            what,
        } = self.wait;
        let what = what.as_deref().unwrap_or("the object");
        ctx.wait_for(api, name, what, timeout, self.condition).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_error_tells_why_it_ended_and_the_states_it_saw() {
        let seen = vec![SeenState {
            after: Duration::from_millis(1500),
            state: "phase: Pending".into(),
        }];

        let error = WaitError::new(
            "a running pod (web)",
            "not seen within 2s".into(),
            true,
            seen.clone(),
        );

        assert_eq!(error.reason(), "not seen within 2s");
        assert!(error.timed_out());
        assert_eq!(error.states_seen(), seen);
        assert_eq!(
            error.to_string(),
            "waiting for a running pod (web): not seen within 2s\nstates seen (1):\n  +1.500s\n      phase: Pending"
        );
        let failed = WaitError::new("x", "the watch ended".into(), false, Vec::new());
        assert!(!failed.timed_out());
        assert!(
            failed
                .to_string()
                .ends_with("\nno state of the object was seen")
        );
    }
}
