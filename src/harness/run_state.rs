//! State shared by the trials of one run: the collection and its hooks, each suite's settings (read
//! once, by the first trial that needs them), the cluster connection, the lifecycle of the hooks and
//! the warnings gathered while loading.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Instant, SystemTime};

use super::lifecycle::{Hooks, Lifecycle, Scope};
use super::slots::{Place, Slots};
use crate::cluster::Cluster;
use crate::load::discover::TestRef;
use crate::load::test_case::{self, LoadOptions};
use crate::load::{Collection, LoadError, LoadedHook, Suite, TestCase, Warning};
use crate::report;
use crate::run::{self, HookRecord, HookRun, TestRecord};

/// A suite's settings, read once.
type SuiteCell = OnceLock<Result<Suite, LoadError>>;

/// The collection's hooks with their files read.
#[derive(Clone, Default)]
struct CollectionHooks {
    before: Option<LoadedHook>,
    after: Option<LoadedHook>,
}

/// Shared by every trial of the run.
pub(crate) struct RunState {
    /// The run's configuration, with the environment's overrides.
    pub collection: Collection,
    collection_hooks: OnceLock<Result<CollectionHooks, LoadError>>,
    suites: Mutex<HashMap<String, Arc<SuiteCell>>>,
    cluster: tokio::sync::OnceCell<Result<Arc<Cluster>, String>>,
    lifecycle: OnceLock<Lifecycle>,
    /// How many tests work at once (`parallel`).
    slots: OnceLock<Slots>,
    /// The collection's shared namespace: whether this run created it.
    shared_namespace: tokio::sync::OnceCell<Result<bool, String>>,
    /// Hooks that ran, by suite (`None`: the collection), kept until their scope ends so that their
    /// background commands keep running.
    hook_runs: Mutex<HashMap<Option<String>, Vec<HookRun>>>,
    /// Every hook that ran, in the order they finished.
    hook_records: Mutex<Vec<HookRecord>>,
    /// Every cluster trial's outcome.
    records: Mutex<Vec<TestRecord>>,
    /// Tests whose offline load trial failed.
    load_failures: Mutex<Vec<TestRecord>>,
    started: SystemTime,
    warnings: Mutex<BTreeSet<Warning>>,
}

impl RunState {
    /// The state of a run of `collection` (its environment overrides already applied).
    pub(crate) fn new(collection: Collection) -> Self {
        let warnings = collection.warnings.iter().cloned().collect();
        Self {
            collection,
            collection_hooks: OnceLock::new(),
            suites: Mutex::default(),
            cluster: tokio::sync::OnceCell::new(),
            lifecycle: OnceLock::new(),
            slots: OnceLock::new(),
            shared_namespace: tokio::sync::OnceCell::new(),
            hook_runs: Mutex::default(),
            hook_records: Mutex::default(),
            records: Mutex::default(),
            load_failures: Mutex::default(),
            started: SystemTime::now(),
            warnings: Mutex::new(warnings),
        }
    }

    /// The cluster, connected once by the first trial that needs it; when that fails every cluster
    /// trial fails at once with the same message.
    pub(crate) async fn cluster(&self) -> Result<Arc<Cluster>, String> {
        self.cluster
            .get_or_init(|| async {
                Cluster::connect(&self.collection.cluster, self.collection.report.coverage)
                    .await
                    .map(Arc::new)
            })
            .await
            .clone()
    }

    /// The collection's shared namespace, created by the first test that needs it (a namespace that
    /// already exists is used as it is).
    pub(crate) async fn shared_namespace(
        &self,
        cluster: &Arc<Cluster>,
    ) -> Result<Option<Arc<str>>, String> {
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

    /// Whether a suite has a `beforeSuite` or `afterSuite` hook (its suite file is read now, once
    /// per run; a suite whose file does not load has none: its trials fail with the error).
    pub(crate) fn suite_has_hooks(&self, name: &str) -> bool {
        self.suite_named(name)
            .is_ok_and(|suite| suite.before.is_some() || suite.after.is_some())
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

    /// The lifecycle of the run's hooks.
    pub(crate) fn lifecycle(&self) -> &Lifecycle {
        self.lifecycle.get_or_init(|| Lifecycle::new([]))
    }

    fn collection_hooks(&self) -> Result<CollectionHooks, LoadError> {
        self.collection_hooks
            .get_or_init(|| {
                let mut warnings = Vec::new();
                let load = |hook: &Option<crate::load::Hook>, warnings: &mut Vec<Warning>| {
                    hook.as_ref()
                        .map(|hook| crate::load::hook::load(hook, warnings))
                        .transpose()
                };
                let hooks = CollectionHooks {
                    before: load(&self.collection.before, &mut warnings)?,
                    after: load(&self.collection.after, &mut warnings)?,
                };
                self.warn(warnings);
                Ok(hooks)
            })
            .clone()
    }

    /// A suite's settings, read from its suite file once per run.
    fn suite(&self, name: &str, dir: &Path) -> Result<Suite, LoadError> {
        let cell = Arc::clone(lock(&self.suites).entry(name.to_string()).or_default());
        let suite = cell.get_or_init(|| {
            let suite = crate::load::suite::read(dir);
            if let Ok(suite) = &suite {
                self.warn(suite.warnings.iter().cloned());
            }
            suite
        });
        suite.clone()
    }

    /// A suite's settings, by the suite's name.
    fn suite_named(&self, name: &str) -> Result<Suite, LoadError> {
        let dir = self
            .collection
            .suites
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.path.clone())
            .unwrap_or_default();
        self.suite(name, &dir)
    }

    /// Loads a suite's settings (and checks the collection's hooks), for a typed test.
    pub(crate) fn load_suite(&self, name: &str) -> Result<Suite, LoadError> {
        self.collection_hooks()?;
        self.suite_named(name)
    }

    /// Loads a test, its suite's settings and the collection's hooks, recording their warnings.
    /// Templates are rendered with `namespace`, the test's namespace (a placeholder when the
    /// test is only checked offline).
    pub(crate) fn load(
        &self,
        test: &TestRef,
        namespace: &str,
    ) -> Result<(Suite, TestCase), LoadError> {
        self.collection_hooks()?;
        let suite = self.suite(&test.suite, &test.suite_dir)?;
        let options = LoadOptions {
            ignore_files: &self.collection.ignore_files,
            run_labels: &self.collection.run_labels,
            namespace,
            template_vars: &self.collection.template_vars,
        };
        let case = test_case::load(test, &options)?;
        self.warn(case.warnings.iter().cloned());
        Ok((suite, case))
    }

    fn warn(&self, warnings: impl IntoIterator<Item = Warning>) {
        lock(&self.warnings).extend(warnings);
    }

    /// Every warning of the run, each once, sorted by file and line.
    pub(crate) fn warnings(&self) -> Vec<Warning> {
        lock(&self.warnings).iter().cloned().collect()
    }

    /// Runs the hook of `scope`, if the configuration has one.
    async fn run_hook(&self, scope: &Scope) -> Result<(), String> {
        // `scope_key` groups a scope's before and after hooks: the after one ends what the before
        // one started.
        let (hook, scope_key, timeout) = match scope {
            Scope::BeforeCollection | Scope::AfterCollection => {
                let hooks = self.collection_hooks().map_err(|err| err.to_string())?;
                let hook = if *scope == Scope::BeforeCollection {
                    hooks.before
                } else {
                    hooks.after
                };
                (hook, None, self.collection.timeout)
            }
            Scope::BeforeSuite(suite) | Scope::AfterSuite(suite) => {
                let settings = self.suite_named(suite).map_err(|err| err.to_string())?;
                let hook = if matches!(scope, Scope::BeforeSuite(_)) {
                    settings.before
                } else {
                    settings.after
                };
                (
                    hook,
                    Some(suite.clone()),
                    settings.timeout.unwrap_or(self.collection.timeout),
                )
            }
        };
        let outcome = match hook {
            None => Ok(()),
            Some(hook) => {
                let cluster = self.cluster().await?;
                let point = hook.hook.point.field();
                let name = scope_key
                    .as_ref()
                    .map_or_else(|| point.to_string(), |suite| format!("{suite}::{point}"));
                let started = SystemTime::now();
                let clock = Instant::now();
                let (result, run) = run::run_hook(cluster, &hook, &name, timeout).await;
                lock(&self.hook_records).push(HookRecord {
                    name,
                    suite: scope_key.clone(),
                    source: hook.hook.source.to_string(),
                    started,
                    duration: clock.elapsed(),
                    failure: result.as_ref().err().cloned(),
                    requests: run.as_ref().map(HookRun::requests).unwrap_or_default(),
                });
                self.hook_runs()
                    .entry(scope_key.clone())
                    .or_default()
                    .extend(run);
                result
            }
        };
        // A scope's end stops the background commands its hooks started.
        if matches!(scope, Scope::AfterCollection | Scope::AfterSuite(_)) {
            let ended = self.hook_runs().remove(&scope_key).unwrap_or_default();
            for run in ended {
                run.stop().await;
            }
        }
        outcome
    }

    fn hook_runs(&self) -> std::sync::MutexGuard<'_, HashMap<Option<String>, Vec<HookRun>>> {
        lock(&self.hook_runs)
    }

    /// One line per hook that ran: name, file, outcome, duration and start time.
    pub(crate) fn hook_trace(&self) -> Vec<String> {
        lock(&self.hook_records)
            .iter()
            .map(|hook| {
                format!(
                    "hook {} ({}): {} after {:.3}s, started at +{:.3}s",
                    hook.name,
                    hook.source,
                    if hook.failure.is_none() {
                        "ok"
                    } else {
                        "FAILED"
                    },
                    hook.duration.as_secs_f64(),
                    hook.started
                        .duration_since(self.started)
                        .unwrap_or_default()
                        .as_secs_f64()
                )
            })
            .collect()
    }

    /// Records a cluster trial's outcome.
    pub(crate) fn record(&self, record: TestRecord) {
        lock(&self.records).push(record);
    }

    /// Records a test whose files do not load.
    pub(crate) fn record_load_failure(&self, record: TestRecord) {
        lock(&self.load_failures).push(record);
    }

    /// Every test's record (a cluster trial's, else a failed load's) and every hook's.
    pub(crate) fn records(&self) -> (Vec<TestRecord>, Vec<HookRecord>) {
        let mut tests = lock(&self.records).clone();
        for failure in lock(&self.load_failures).iter() {
            if !tests
                .iter()
                .any(|t| t.suite == failure.suite && t.test == failure.test)
            {
                tests.push(failure.clone());
            }
        }
        (tests, lock(&self.hook_records).clone())
    }

    /// Maps every test's and hook's requests to the cluster's OpenAPI operations and writes
    /// `coverage.json`; returns the summary for the user. Needs the cluster, so it comes before
    /// [`RunState::shut_down`].
    pub(crate) async fn write_coverage(&self) -> Result<String, String> {
        let Some(Ok(cluster)) = self.cluster.get() else {
            return Ok("coverage: no test reached the cluster".into());
        };
        let spec = cluster.openapi_v2().await?;
        let (tests, hooks) = self.records();
        let recorded = tests
            .iter()
            .map(|t| (format!("{}::{}", t.suite, t.test), &t.requests))
            .chain(hooks.iter().map(|h| (h.name.clone(), &h.requests)))
            .collect::<Vec<_>>();
        let baseline = self
            .collection
            .report
            .coverage_baseline
            .as_deref()
            .map(report::read_baseline)
            .transpose()?;
        let (path, summary) = report::write_coverage(
            &self.collection.report,
            &spec,
            recorded.iter().map(|(n, r)| (n.as_str(), r.as_slice())),
            baseline.as_ref(),
        )?;
        Ok(format!("{summary}\ncoverage: {}", path.display()))
    }

    /// Ends the run: stops whatever hooks left running (a before hook without an after hook) and
    /// the control plane or kind cluster the run started. Returns a note for the user, if any.
    pub(crate) async fn shut_down(&self) -> Option<String> {
        let runs: Vec<HookRun> = self
            .hook_runs()
            .drain()
            .flat_map(|(_, runs)| runs)
            .collect();
        for run in runs {
            run.stop().await;
        }
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
        notes.extend(cluster.shutdown(self.collection.skip_cluster_delete).await);
        (!notes.is_empty()).then(|| notes.join("\n"))
    }
}

impl Hooks for RunState {
    fn run<'a>(
        &'a self,
        scope: &'a Scope,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(self.run_hook(scope))
    }
}

/// Locks a mutex, recovering the data of a poisoned one (a panicking trial must not lose records).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
