//! State shared by the trials of one run, each part with one job: loading ([`Loader`]), hook
//! running ([`HookRunner`]), records ([`Records`]), the schedule (lifecycle and slots), and the
//! cluster connection with the collection's shared namespace.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use crate::chainsaw;

use super::fixtures::Fixtures;
use super::hook_runner::HookRunner;
use super::hook_scope::Scope;
use super::lifecycle::{Hooks, Lifecycle};
use super::loader::Loader;
use super::progress::Progress;
use super::records::Records;
use super::run_once::{CoordinationError, RunOnce, Shared, Start};
use super::shared_run::{self, Coordinator, KubeLeases, LeaseError, SettingsError, SharedRun};
use super::slots::{Place, Slots};
use super::turns::Turns;
use crate::FixtureScope;
use crate::cluster::{AssetsError, Cluster, ClusterError};
use crate::load::{Collection, Masks};
use crate::report;
use crate::run::{self, HookFailure, HookOutcome, NamespaceError};

/// Shared by every trial of the run.
pub(crate) struct RunState {
    /// The run's configuration, with the environment's overrides.
    pub collection: Arc<Collection>,
    /// Reads the run's files.
    pub loader: Loader,
    /// What the run recorded.
    pub records: Records,
    /// How many cluster trials run, passed and failed so far.
    pub progress: Arc<Progress>,
    /// The collection's masks, shared by every test and hook.
    pub masks: Arc<Masks>,
    /// The Rust fixtures registered with the harness, and their values while their scope is open.
    pub fixtures: Arc<Fixtures>,
    hooks: HookRunner,
    cluster: tokio::sync::OnceCell<Result<Arc<Cluster>, ClusterError>>,
    /// The envtest binaries fetched before the run, when an embedded control plane needs them.
    envtest: OnceLock<Option<Result<PathBuf, AssetsError>>>,
    lifecycle: OnceLock<Lifecycle>,
    /// How many tests work at once (`parallel`).
    slots: OnceLock<Slots>,
    /// Which tests may work beside others.
    turns: Turns,
    /// The collection's shared namespace: whether this run created it.
    shared_namespace: tokio::sync::OnceCell<Result<bool, NamespaceError>>,
    /// The run spread over several machines this process takes part in, if any.
    shared_run: Option<Result<SharedRun, SettingsError>>,
    /// A Chainsaw test has failed (for the Configuration's `failFast`).
    chainsaw_failed: std::sync::atomic::AtomicBool,
    /// The expression engines of Chainsaw tests, built when the first one runs.
    chainsaw_expressions: OnceLock<chainsaw::expression::Expressions>,
}

impl RunState {
    /// The state of a run of `collection` (its environment overrides already applied).
    pub(crate) fn new(collection: Collection) -> Self {
        let collection = Arc::new(collection);
        let masks = Arc::new(collection.masks.clone());
        let shared_run = shared_run::for_this_process(&collection);
        Self {
            loader: Loader::new(Arc::clone(&collection)),
            collection,
            records: Records::new(),
            progress: Arc::default(),
            masks,
            fixtures: Arc::default(),
            hooks: HookRunner::default(),
            cluster: tokio::sync::OnceCell::new(),
            envtest: OnceLock::new(),
            lifecycle: OnceLock::new(),
            chainsaw_failed: Default::default(),
            chainsaw_expressions: OnceLock::new(),
            slots: OnceLock::new(),
            turns: Turns::default(),
            shared_namespace: tokio::sync::OnceCell::new(),
            shared_run,
        }
    }

    /// This state with the harness's Rust fixtures.
    pub(crate) fn with_fixtures(mut self, fixtures: Fixtures) -> Self {
        self.fixtures = Arc::new(fixtures);
        self
    }

    /// The fixtures' scope of a lifecycle scope.
    fn fixture_scope(scope: &Scope) -> FixtureScope {
        match scope {
            Scope::BeforeCollection | Scope::AfterCollection => FixtureScope::Collection,
            Scope::BeforeSuite(suite) | Scope::AfterSuite(suite) => FixtureScope::suite(suite),
        }
    }

    /// Sets up the Rust fixtures of `scope` in this process.
    async fn set_up_fixtures(&self, scope: &Scope) -> HookOutcome {
        let scope = Self::fixture_scope(scope);
        if !self.fixtures.any_in(&scope) {
            return Ok(());
        }
        let name = match &scope {
            FixtureScope::Suite(suite) => format!("{suite}::fixtures"),
            _ => "fixtures".to_string(),
        };
        let no_cluster =
            |err: &dyn std::fmt::Display| HookFailure::not_started(name.as_str(), "cluster", err);
        let cluster = self.cluster().await.map_err(|err| no_cluster(&err))?;
        let client = cluster
            .client("kuttl-rs fixture", None)
            .map_err(|err| no_cluster(&err))?;
        self.fixtures.set_up(&scope, &client, &self.records).await
    }

    /// The run spread over several machines this process takes part in, if any.
    pub(crate) fn shared_run(&self) -> Option<&Result<SharedRun, SettingsError>> {
        self.shared_run.as_ref()
    }

    /// This machine's side of the shared run `run`, talking to the run's cluster, in the
    /// attempt of the run it opens.
    pub(crate) async fn coordinator(
        &self,
        run: &SharedRun,
    ) -> Result<Coordinator<KubeLeases>, CoordinatorError> {
        let client = self.cluster().await?.client("kuttl-rs shared run", None)?;
        Ok(Coordinator::open(KubeLeases::new(client, &run.namespace), run.clone()).await?)
    }

    /// Whether the scope's suite (or the collection) declares a before or an after hook.
    fn scope_has_hooks(&self, scope: &Scope) -> bool {
        match scope {
            Scope::BeforeSuite(suite) | Scope::AfterSuite(suite) => {
                self.loader.suite_has_hooks(suite)
            }
            Scope::BeforeCollection | Scope::AfterCollection => {
                self.collection.before.is_some() || self.collection.after.is_some()
            }
        }
    }

    /// The cluster, connected once by the first trial that needs it; when that fails every cluster
    /// trial fails at once with the same message.
    pub(crate) async fn cluster(&self) -> Result<Arc<Cluster>, ClusterError> {
        self.cluster
            .get_or_init(|| async {
                let envtest = self.envtest.get().and_then(Option::as_ref);
                Cluster::connect(
                    &self.collection.cluster,
                    self.collection.report.coverage,
                    envtest,
                )
                .await
                .map(Arc::new)
            })
            .await
            .clone()
    }

    /// Fetches the envtest binaries the collection's embedded control plane needs (see
    /// [`crate::cluster::envtest_binaries`]), once, before any trial prints.
    pub(crate) fn fetch_envtest(&self) {
        self.envtest.get_or_init(|| {
            crate::cluster::envtest_binaries(&self.collection.cluster, |name| {
                std::env::var(name).ok()
            })
        });
    }

    /// The collection's shared namespace, created by the first test that needs it (a namespace that
    /// already exists is used as it is).
    pub(crate) async fn shared_namespace(
        &self,
        cluster: &Arc<Cluster>,
    ) -> Result<Option<Arc<str>>, NamespaceError> {
        let Some(name) = &self.collection.namespace else {
            return Ok(None);
        };
        self.shared_namespace
            .get_or_init(|| run::create_shared(cluster, name))
            .await
            .clone()?;
        Ok(Some(Arc::from(name.as_str())))
    }

    /// Sets the lifecycle and the `parallel` slots for the trials that will run (once, before
    /// they start).
    pub(crate) fn set_schedule(&self, lifecycle: Lifecycle, slots: Slots) {
        let _ = self.lifecycle.set(lifecycle);
        let _ = self.slots.set(slots);
    }

    /// The slots tests work in.
    pub(crate) fn slots(&self) -> &Slots {
        self.slots
            .get_or_init(|| Slots::new(self.collection.parallel))
    }

    /// Turns: shared by most tests, taken whole by one that must run alone.
    pub(crate) fn turns(&self) -> &Turns {
        &self.turns
    }

    /// A test's place in the run's order: its suite's position in `testDirs`, then its name.
    pub(crate) fn place(&self, suite: &str, test: &str) -> Place {
        let position = self
            .collection
            .suites
            .iter()
            .position(|s| s.name == suite)
            .unwrap_or(usize::MAX);
        (position, test.to_string())
    }

    /// The namespace a test runs in: the collection's shared one, else a new name. Chosen before
    /// the test loads, since its templates are rendered with it.
    pub(crate) fn test_namespace(&self) -> String {
        self.collection
            .namespace
            .clone()
            .unwrap_or_else(run::generate_namespace_name)
    }

    /// What `.Namespace` renders as when a test is only checked offline: the shared namespace,
    /// else a placeholder.
    pub(crate) fn placeholder_namespace(&self) -> &str {
        self.collection
            .namespace
            .as_deref()
            .unwrap_or("kuttl-test-placeholder")
    }

    /// Notes that a Chainsaw test failed.
    pub(crate) fn chainsaw_failed(&self) {
        self.chainsaw_failed
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether Chainsaw tests not yet started are left out: the Configuration sets `failFast`
    /// and one has failed. (Chainsaw stops its run; trials that have started finish.)
    pub(crate) fn chainsaw_failed_fast(&self) -> bool {
        self.collection.chainsaw.fail_fast
            && self
                .chainsaw_failed
                .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// What Chainsaw tests take from the run: the Configuration and values, the collection's
    /// `skipDelete`.
    pub(crate) fn chainsaw_settings(&self) -> chainsaw::run::Settings {
        let expressions = self
            .chainsaw_expressions
            .get_or_init(chainsaw::functions::expressions);
        let config = Arc::clone(&self.collection.chainsaw);
        chainsaw::run::Settings {
            expressions: expressions.clone(),
            skip_delete: self.collection.skip_delete || config.skip_delete,
            config,
        }
    }

    /// The lifecycle of the run's hooks.
    pub(crate) fn lifecycle(&self) -> &Lifecycle {
        self.lifecycle.get_or_init(|| Lifecycle::new([]))
    }

    /// Runs the hook of `scope`, if the configuration has one.
    async fn run_hook(&self, scope: &Scope) -> HookOutcome {
        let not_started = |activity, err: &dyn std::fmt::Display| {
            HookFailure::not_started(scope.name(), activity, err)
        };
        // The suite groups a scope's before and after hooks: the after one ends what the before
        // one started.
        let (hook, suite, timeout) = match scope {
            Scope::BeforeCollection | Scope::AfterCollection => {
                let hooks = self
                    .loader
                    .collection_hooks()
                    .map_err(|err| not_started("loading", &err))?;
                let hook = if *scope == Scope::BeforeCollection {
                    hooks.before
                } else {
                    hooks.after
                };
                (hook, None, self.collection.timeout)
            }
            Scope::BeforeSuite(suite) | Scope::AfterSuite(suite) => {
                let settings = self
                    .loader
                    .suite_named(suite)
                    .map_err(|err| not_started("loading", &err))?;
                let hook = if matches!(scope, Scope::BeforeSuite(_)) {
                    settings.before
                } else {
                    settings.after
                };
                (
                    hook,
                    Some(suite.as_str()),
                    settings.timeout.unwrap_or(self.collection.timeout),
                )
            }
        };
        let outcome = match hook {
            None => Ok(()),
            Some(hook) => {
                let cluster = self
                    .cluster()
                    .await
                    .map_err(|err| not_started("cluster", &err))?;
                self.hooks
                    .run(
                        &hook,
                        suite,
                        cluster,
                        (timeout, Arc::clone(&self.masks)),
                        &self.records,
                    )
                    .await
            }
        };
        if matches!(scope, Scope::AfterCollection | Scope::AfterSuite(_)) {
            self.hooks.end_scope(suite).await;
        }
        outcome
    }

    /// Maps every test's and hook's requests to the cluster's OpenAPI operations and writes
    /// `coverage.json`; returns the summary for the user. Needs the cluster, so it comes before
    /// [`RunState::shut_down`].
    pub(crate) async fn write_coverage(
        &self,
    ) -> Result<(String, Option<report::CoverageFile>), String> {
        let Some(Ok(cluster)) = self.cluster.get() else {
            return Ok(("coverage: no test reached the cluster".into(), None));
        };
        let spec = cluster.openapi_v2().await.map_err(|err| err.to_string())?;
        let (tests, hooks) = self.records.all();
        let (path, summary, file) =
            report::write_coverage(&self.collection.report, &spec, &tests, &hooks)?;
        Ok((
            format!("{summary}\ncoverage: {}", path.display()),
            Some(file),
        ))
    }

    /// The API server's version (`gitVersion`), when the run reached one.
    pub(crate) async fn server_version(&self) -> Option<String> {
        let Some(Ok(cluster)) = self.cluster.get() else {
            return None;
        };
        let client = cluster.client("report", None).ok()?;
        let asked = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            client.apiserver_version(),
        );
        Some(asked.await.ok()?.ok()?.git_version)
    }

    /// Stops the embedded control plane or deletes the kind cluster this run started (as
    /// `skipClusterDelete` says), and nothing else: an aborted run's last step.
    pub(crate) async fn stop_cluster(&self) -> Option<String> {
        let Some(Ok(cluster)) = self.cluster.get() else {
            return None;
        };
        cluster.shutdown(self.collection.skip_cluster_delete).await
    }

    /// Ends the run: stops whatever hooks left running (a before hook without an after hook) and
    /// the control plane or kind cluster the run started. Returns a note for the user, if any.
    pub(crate) async fn shut_down(&self) -> Option<String> {
        self.hooks.end_all().await;
        let Some(Ok(cluster)) = self.cluster.get() else {
            return None;
        };
        let mut notes = Vec::new();
        if let Some(name) = &self.collection.namespace {
            let created = matches!(self.shared_namespace.get(), Some(Ok(true)));
            let deadline = tokio::time::Instant::now()
                + std::time::Duration::from_secs(
                    u64::try_from(self.collection.timeout).unwrap_or(30),
                );
            if self.collection.skip_delete {
                if created {
                    notes.push(format!("skipDelete: keeping namespace {name:?}"));
                }
            } else {
                if created && let Err(err) = run::delete_shared(cluster, name, deadline).await {
                    notes.push(format!("error: {err}"));
                }
                if let Err(err) = run::delete_shared_elsewhere(cluster, name, deadline).await {
                    notes.push(format!("error: {err}"));
                }
            }
        }
        notes.extend(self.stop_cluster().await);
        (!notes.is_empty()).then(|| notes.join("\n"))
    }
}

/// Why this machine could not open its side of a shared run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CoordinatorError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    Lease(#[from] LeaseError),
}

impl Hooks for RunState {
    fn run<'a>(
        &'a self,
        scope: &'a Scope,
    ) -> Pin<Box<dyn Future<Output = HookOutcome> + Send + 'a>> {
        Box::pin(self.run_hook(scope))
    }

    fn set_up_fixtures<'a>(
        &'a self,
        scope: &'a Scope,
    ) -> Pin<Box<dyn Future<Output = HookOutcome> + Send + 'a>> {
        Box::pin(RunState::set_up_fixtures(self, scope))
    }

    fn tear_down_fixtures<'a>(
        &'a self,
        scope: &'a Scope,
    ) -> Pin<Box<dyn Future<Output = HookOutcome> + Send + 'a>> {
        Box::pin(async move {
            let scope = Self::fixture_scope(scope);
            self.fixtures.tear_down(&scope, &self.records).await
        })
    }

    fn across_machines(&self) -> Option<Box<dyn RunOnce + '_>> {
        let run = self.shared_run.as_ref()?;
        Some(Box::new(AcrossMachines {
            state: self,
            run,
            coordinator: tokio::sync::OnceCell::new(),
        }))
    }

    fn stopped(&self) -> Option<&'static str> {
        run::interrupted().then_some(run::INTERRUPTED)
    }
}

/// This process's way to the run's Leases: the before hooks of the scopes that have hooks, once
/// for all the machines of the shared run.
struct AcrossMachines<'s> {
    state: &'s RunState,
    run: &'s Result<SharedRun, SettingsError>,
    /// Opened once, for the scopes that need it (opening reads the run's Leases).
    coordinator: tokio::sync::OnceCell<Coordinator<KubeLeases>>,
}

impl RunOnce for AcrossMachines<'_> {
    fn run_once<'a>(&'a self, scope: &'a Scope, start: Start<'a>) -> Shared<'a> {
        Box::pin(async move {
            // A scope without hooks needs no Lease.
            if !self.state.scope_has_hooks(scope) {
                return start().await;
            }
            let run = self.run.as_ref().map_err(|err| {
                CoordinationError(format!("the run shared by several machines: {err}"))
            })?;
            let coordinator = self
                .coordinator
                .get_or_try_init(|| self.state.coordinator(run))
                .await
                .map_err(|err| CoordinationError(err.to_string()))?;
            coordinator.before_once(scope, start).await
        })
    }
}
