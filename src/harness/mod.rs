//! The libtest-mimic harness: reads the collection, discovers tests by folder name, builds one
//! trial per test and runs them with libtest's command line.

mod args;
mod fixtures;
mod hook_runner;
mod hook_scope;
mod interruption;
mod lifecycle;
mod loader;
mod one_shot;
mod progress;
mod reaper;
mod records;
mod repeat;
mod run_once;
mod run_state;
mod shared_run;
mod slots;
mod trials;
mod turns;

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Trial};

use crate::load::{self, discover};
use crate::run::TypedFn;
use crate::{Fixture, FixtureContext, FixtureScope, TestContext, report, run};
use lifecycle::Lifecycle;
use run_state::RunState;
use slots::Slots;
use trials::Planned;

pub(crate) use fixtures::Fixtures;
pub use one_shot::{CheckError, check_files};

/// Replaces the collection path given in code.
const COLLECTION_ENV: &str = "KUTTL_COLLECTION";

/// A `harness = false` test target that runs a KUTTL collection.
///
/// ```no_run
/// // tests/e2e.rs
/// fn main() -> std::process::ExitCode {
///     kuttl::Harness::from_collection("suites/kuttl.yaml").run()
/// }
/// ```
#[derive(Clone)]
#[must_use = "call run() and return its ExitCode from main"]
pub struct Harness {
    /// The collection file; `None` when a command line gives every setting.
    collection: Option<PathBuf>,
    /// Whether `KUTTL_COLLECTION` replaced the collection given in code.
    overridden: bool,
    /// Settings laid over the file's (a command line's flags).
    overrides: load::Overrides,
    /// Only cluster trials, of the tests whose name matches, if given (KUTTL's `--test`).
    cluster_trials_only: Option<Option<regex::Regex>>,
    /// Print a live count of the cluster trials on a terminal's stderr.
    live_count: bool,
    /// Run the selection this many times (else `KUTTL_REPEAT`).
    repeat: Option<u32>,
    typed: Vec<trials::TypedTest>,
    fixtures: Vec<fixtures::Definition>,
}

/// A test name pattern that is not a regular expression: why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(String);

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunEnd {
    /// Every trial that ran passed, and so did what runs after them (hooks, reports).
    Passed,
    /// A trial failed, or something after them did.
    Failed,
    /// Ctrl-C or SIGTERM stopped the run, which then tore down.
    Interrupted,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let typed: Vec<String> = self
            .typed
            .iter()
            .map(|t| format!("{}::{}", t.suite, t.name))
            .collect();
        f.debug_struct("Harness")
            .field("collection", &self.collection)
            .field("overrides", &self.overrides)
            .field("typed", &typed)
            .finish()
    }
}

impl Harness {
    /// A harness for the collection file at `path`: a `kuttl.dev/v1beta2` `TestCollection`
    /// (`kuttl.yaml`) or KUTTL's `kuttl.dev/v1beta1` `TestSuite` (`kuttl-test.yaml`). A relative
    /// path is relative to the working directory, which `cargo test` sets to the package root.
    /// The environment variable `KUTTL_COLLECTION`, when set, replaces `path`.
    pub fn from_collection(path: impl Into<PathBuf>) -> Self {
        let overridden = std::env::var_os(COLLECTION_ENV);
        Self {
            collection: Some(
                overridden
                    .clone()
                    .map_or_else(|| path.into(), PathBuf::from),
            ),
            overridden: overridden.is_some(),
            overrides: load::Overrides::default(),
            cluster_trials_only: None,
            live_count: false,
            repeat: None,
            typed: Vec::new(),
            fixtures: Vec::new(),
        }
    }

    /// A harness for a command line's settings, as `kubectl kuttl test` takes them: `overrides`
    /// laid over the collection file `file`, or, without one, KUTTL's `TestSuite` with nothing
    /// set (see [`load::collection::read_with`]).
    #[doc(hidden)]
    pub fn from_command_line(file: Option<PathBuf>, overrides: load::Overrides) -> Self {
        Self {
            collection: file,
            overridden: false,
            overrides,
            cluster_trials_only: None,
            live_count: false,
            repeat: None,
            typed: Vec::new(),
            fixtures: Vec::new(),
        }
    }

    /// Prints a live count of the cluster trials (running, passed, failed) on stderr once a
    /// second while it changes, when stderr is a terminal and the output is not `--format json`.
    pub fn with_live_count(mut self) -> Self {
        self.live_count = true;
        self
    }

    /// Runs the selection `count` times, each a whole run in a process of its own, and then names
    /// every test whose outcome changed between runs (as `KUTTL_REPEAT=count` does). The run fails
    /// when any run failed or any outcome changed.
    pub fn repeat(mut self, count: u32) -> Self {
        self.repeat = Some(count);
        self
    }

    /// Runs the tests against the cluster alone, as KUTTL does: the offline load checks
    /// (`<suite>::<test>::load`) are left out, since a test that does not load fails its run
    /// anyway. With `pattern` (KUTTL's `--test`, a regular expression), only the tests whose
    /// name (their folder's) it matches anywhere.
    ///
    /// # Errors
    ///
    /// `pattern` is not a regular expression.
    pub fn cluster_trials_only(mut self, pattern: Option<&str>) -> Result<Self, PatternError> {
        let pattern = pattern
            .map(regex::Regex::new)
            .transpose()
            .map_err(|err| PatternError(err.to_string()))?;
        self.cluster_trials_only = Some(pattern);
        Ok(self)
    }

    /// Registers a typed test `<suite>::<name>`: an async function that gets a [`TestContext`] and
    /// runs against the cluster like the suite's KUTTL tests — ignored unless asked for, inside the
    /// suite's hooks, in its own namespace, in the reports. The suite must be one of the collection's
    /// `testDirs` (else the trial fails; when `KUTTL_COLLECTION` names another collection, typed tests
    /// of suites it lacks are left out). A failure's error is shown with `{:#}` (for anyhow: the error and its causes, without
    /// a backtrace).
    ///
    /// ```no_run
    /// async fn smoke(ctx: kuttl::TestContext) -> Result<(), kube::Error> {
    ///     ctx.log(format!("running in {}", ctx.namespace()));
    ///     Ok(())
    /// }
    ///
    /// fn main() -> std::process::ExitCode {
    ///     kuttl::Harness::from_collection("suites/kuttl.yaml").typed_test("core", "smoke", smoke).run()
    /// }
    /// ```
    ///
    /// The test must finish within its suite's timeout (the suite file's `timeout`, else the
    /// collection's); [`Harness::typed_test_with_timeout`] sets another.
    pub fn typed_test<F, Fut, E>(self, suite: &str, name: &str, test: F) -> Self
    where
        F: Fn(TestContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display + 'static,
    {
        self.register_typed(suite, name, None, test)
    }

    /// As [`Harness::typed_test`], with a time limit of its own instead of the suite's timeout.
    /// A test that runs out of time fails, naming what it was waiting for; its namespace is
    /// cleaned up as usual.
    pub fn typed_test_with_timeout<F, Fut, E>(
        self,
        suite: &str,
        name: &str,
        timeout: std::time::Duration,
        test: F,
    ) -> Self
    where
        F: Fn(TestContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display + 'static,
    {
        self.register_typed(suite, name, Some(timeout), test)
    }

    /// Registers a Rust fixture `name` of `scope`: `set_up` runs once, before the first selected
    /// cluster trial of the scope, after the scope's YAML before hook (so the CRDs its `crdDir`
    /// installs are there for a controller to watch); the [`Fixture`]'s teardown runs after the
    /// scope's last trial, before the scope's YAML after hook. Fixtures of one scope are set up in
    /// the order they were registered and torn down in the reverse order.
    ///
    /// Typed tests of the scope get the value with [`TestContext::fixture`]. If the set-up fails,
    /// every trial of the scope fails with its error, as with a failed before hook; both are in
    /// the reports, as hooks are (`<suite>::fixture <name>`, and `… teardown`).
    ///
    /// A fixture lives in the test process. Under `cargo nextest run`, where each test is a process
    /// of its own, each test process sets up the fixtures of its test's scopes for itself and tears
    /// them down when its test has ended (a controller runs once per test, beside it); the YAML
    /// hooks still run once per run.
    ///
    /// ```no_run
    /// use kuttl::{Fixture, FixtureContext, FixtureScope};
    ///
    /// struct Controller {
    ///     name: String,
    /// }
    ///
    /// async fn start_controller(ctx: FixtureContext) -> Result<Fixture<Controller>, kube::Error> {
    ///     let client = ctx.client();
    ///     let running = tokio::spawn(async move {
    ///         let _ = client; // run the controller with the client here
    ///         std::future::pending::<()>().await
    ///     });
    ///     let controller = Controller { name: "greetings".into() };
    ///     Ok(Fixture::new(controller).with_teardown(async move {
    ///         running.abort();
    ///         let _ = running.await;
    ///         Ok::<(), kube::Error>(())
    ///     }))
    /// }
    ///
    /// async fn greets(ctx: kuttl::TestContext) -> anyhow::Result<()> {
    ///     let controller = ctx.fixture::<Controller>()?;
    ///     ctx.log(format!("testing {}", controller.name));
    ///     Ok(())
    /// }
    ///
    /// fn main() -> std::process::ExitCode {
    ///     kuttl::Harness::from_collection("tests/e2e/kuttl.yaml")
    ///         .fixture(FixtureScope::suite("greetings"), "controller", start_controller)
    ///         .typed_test("greetings", "greets", greets)
    ///         .run()
    /// }
    /// ```
    #[track_caller]
    pub fn fixture<F, Fut, T, E>(mut self, scope: FixtureScope, name: &str, set_up: F) -> Self
    where
        F: Fn(FixtureContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Fixture<T>, E>> + Send + 'static,
        T: Send + Sync + 'static,
        E: std::fmt::Display + 'static,
    {
        let caller = std::panic::Location::caller();
        self.fixtures.push(fixtures::Definition {
            scope,
            name: name.to_string(),
            source: format!("{}:{}", caller.file(), caller.line()),
            set_up: Arc::new(move |ctx| {
                let set_up = set_up(ctx);
                Box::pin(async move {
                    set_up
                        .await
                        .map(fixtures::SetUp::new)
                        .map_err(|err| format!("{err:#}"))
                })
            }),
        });
        self
    }

    fn register_typed<F, Fut, E>(
        mut self,
        suite: &str,
        name: &str,
        timeout: Option<std::time::Duration>,
        test: F,
    ) -> Self
    where
        F: Fn(TestContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display + 'static,
    {
        let test: TypedFn = Arc::new(move |ctx| {
            let run = test(ctx);
            Box::pin(async move { run.await.map_err(|err| format!("{err:#}")) })
        });
        self.typed.push(trials::TypedTest {
            suite: suite.to_string(),
            name: name.to_string(),
            timeout,
            test,
            source: format!("the typed test registered with typed_test({suite:?}, {name:?})"),
            alias: None,
        });
        self
    }

    /// Runs with the process's command line and returns the exit code for `main`.
    pub fn run(self) -> ExitCode {
        self.run_with_args(std::env::args())
    }

    /// Runs with the given command line (program name first).
    pub fn run_with_args(self, argv: impl IntoIterator<Item = String>) -> ExitCode {
        match self.run_to_end(argv) {
            (RunEnd::Interrupted, _) => ExitCode::from(interruption::EXIT_INTERRUPTED),
            (_, code) => code,
        }
    }

    /// Runs with the given command line (program name first) and says how the run ended, with
    /// the exit code a test target gives (libtest's, `101` on failure).
    pub fn run_to_end(mut self, argv: impl IntoIterator<Item = String>) -> (RunEnd, ExitCode) {
        if let Some(dir) = std::env::var_os(reaper::REAPER_ENV) {
            return match self.read_collection() {
                Ok(collection) => match reaper::run(collection, Path::new(&dir)) {
                    code if code == ExitCode::SUCCESS => (RunEnd::Passed, code),
                    code => (RunEnd::Failed, code),
                },
                Err((name, message)) => {
                    println!("the after hooks cannot run: {name}: {message}");
                    (RunEnd::Failed, ExitCode::FAILURE)
                }
            };
        }
        self.typed
            .extend(crate::registry::registered().map(trials::TypedTest::registered));
        let mut split = args::split(argv);
        let mut args = Arguments::from_iter(split.mimic);
        let named = trials::resolve_aliases(args.filter.as_mut_slice(), &self.typed)
            | trials::resolve_aliases(&mut split.extra_filters, &self.typed);
        trials::resolve_aliases(&mut args.skip, &self.typed);
        // An editor's "Run Test" (the function's path, `--exact`) asks for that test: it runs
        // against the cluster, ignored or not.
        if named && args.exact {
            args.include_ignored = true;
        }
        if !args.list {
            match repeat::requested(self.repeat, |name| std::env::var(name).ok()) {
                Ok(Some(count)) => return repeat::run(count),
                Ok(None) => {}
                Err(err) => {
                    return (
                        RunEnd::Failed,
                        fail_run(&args, "environment", err.to_string()),
                    );
                }
            }
        }
        let collection = match self.read_collection() {
            Ok(collection) => collection,
            Err((name, message)) => return (RunEnd::Failed, fail_run(&args, &name, message)),
        };
        if args.test_threads.is_none() {
            args.test_threads = std::env::var("RUST_TEST_THREADS")
                .ok()
                .and_then(|n| n.parse().ok())
                .or(Some(collection.parallel));
        }
        let state = Arc::new(
            RunState::new(collection)
                .with_fixtures(fixtures::Fixtures::new(std::mem::take(&mut self.fixtures))),
        );
        let planned = self.plan(&state, &args, &split.extra_filters);
        if args.list {
            let trials = planned.into_iter().map(|p| p.trial).collect();
            return (
                RunEnd::Passed,
                libtest_mimic::run(&args, trials).exit_code(),
            );
        }
        if let Err(message) = capture_controller_log() {
            return (RunEnd::Failed, fail_run(&args, "environment", message));
        }
        schedule(&state, &planned, &mut args);
        let mut records_for_reaper = None;
        if running_cluster_trials(&planned, &args).next().is_some() {
            // Both may print: before libtest's first line, not inside its stream.
            state.fetch_envtest();
            records_for_reaper = start_reaper();
        }
        // A weak handle: the run's state (and the folder of remote suites it owns) must go when
        // the run ends, while this task waits for a signal that never comes.
        run::RUNTIME.spawn(interruption::watch(Arc::downgrade(&state)));
        if self.live_count
            && std::io::IsTerminal::is_terminal(&std::io::stderr())
            && !matches!(args.format, Some(libtest_mimic::FormatSetting::Json))
        {
            let cluster_trials = running_cluster_trials(&planned, &args).count();
            run::RUNTIME.spawn(progress::print_while_running(
                Arc::downgrade(&state.progress),
                cluster_trials,
            ));
        }
        let started = std::time::Instant::now();
        let trials = planned.into_iter().map(|p| p.trial).collect();
        let conclusion = libtest_mimic::run(&args, trials);
        let outputs = conclude(
            &state,
            started.elapsed(),
            conclusion.num_ignored,
            records_for_reaper.as_deref(),
        );
        let mut stderr = std::io::stderr().lock();
        let printed = outputs.print(&state, &split.dropped, &mut stderr);
        if run::interrupted() {
            // libtest's output has ended: the teardown's lines cannot break its JSON stream.
            let _ = writeln!(stderr, "interrupted: the run was stopped; teardown:");
            for line in run::take_notes() {
                let _ = writeln!(stderr, "  {line}");
            }
            return (
                RunEnd::Interrupted,
                ExitCode::from(interruption::EXIT_INTERRUPTED),
            );
        }
        match (printed, conclusion.has_failed()) {
            (true, false) => (RunEnd::Passed, conclusion.exit_code()),
            (true, true) => (RunEnd::Failed, conclusion.exit_code()),
            (false, _) => (RunEnd::Failed, ExitCode::from(101)),
        }
    }

    /// The collection file, with the environment's overrides; `Err` is the name and message of
    /// the one failing trial the run then shows.
    fn read_collection(&self) -> Result<load::Collection, (String, String)> {
        let name = self.collection.as_ref().map_or_else(
            || load::collection::COMMAND_LINE.to_string(),
            |path| path.display().to_string(),
        );
        let collection = load::collection::read_with(self.collection.as_deref(), &self.overrides)
            .map_err(|err| (name, err.to_string()))?;
        shared_run::check_env(|name| std::env::var(name).ok())
            .map_err(|err| ("environment".to_string(), err.to_string()))?;
        load::collection::with_env(collection, |name| std::env::var(name).ok())
            .map_err(|err| ("environment".to_string(), err.to_string()))
    }

    /// The trials the command line selects, KUTTL's and typed ones, in suite order, then by name.
    fn plan(&self, state: &Arc<RunState>, args: &Arguments, filters: &[String]) -> Vec<Planned> {
        let mut planned = trials::build(state, discover_for(&state.collection, args));
        planned.extend(trials::build_typed(state, &self.typed, self.overridden));
        let mut planned = trials::reject_duplicates(planned);
        if !filters.is_empty() {
            planned.retain(|p| matches_any(p.trial.name(), filters, args.exact));
        }
        if let Some(pattern) = &self.cluster_trials_only {
            planned.retain(|p| {
                let test = p.trial.name().strip_prefix(&format!("{}::", p.suite));
                (p.cluster || p.problem)
                    && pattern
                        .as_ref()
                        .is_none_or(|pattern| test.is_some_and(|test| pattern.is_match(test)))
            });
        }
        let position = |suite: &str| {
            state
                .collection
                .suites
                .iter()
                .position(|s| s.name == suite)
                .unwrap_or(usize::MAX)
        };
        planned.sort_by(|a, b| {
            (position(&a.suite), a.trial.name()).cmp(&(position(&b.suite), b.trial.name()))
        });
        planned
    }
}

/// Sends the `tracing` events of what runs beside the tests (a fixture's controller) to the tests
/// they concern, once per process, at the level `KUTTL_CONTROLLER_LOG` asks for.
fn capture_controller_log() -> Result<(), String> {
    static INSTALLED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let level = std::env::var(run::controller_log::LEVEL_ENV).ok();
            let level = run::controller_log::level_from(level.as_deref())?;
            if !run::controller_log::install(level) {
                eprintln!(
                    "note: this process already has a tracing subscriber: the controller's log is not attached to the tests"
                );
            }
            Ok(())
        })
        .clone()
}

/// Plans the hooks and the `parallel` slots (from `--test-threads`) of the trials that will run,
/// and gives libtest the threads for them.
fn schedule(state: &RunState, planned: &[Planned], args: &mut Arguments) {
    let suite_order: Vec<String> = state
        .collection
        .suites
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let running: Vec<&str> = running_cluster_trials(planned, args)
        .map(|p| p.suite.as_str())
        .collect();
    let parallel = args.test_threads.unwrap_or(1);
    args.test_threads = Some(libtest_threads(parallel, running.len()));
    let selected = lifecycle::select(&suite_order, running, |suite| {
        state.loader.suite_has_hooks(suite)
    });
    state.set_schedule(Lifecycle::new(selected), Slots::new(parallel));
}

/// Under nextest, starts the run's after-hook reaper (the first process of the run does).
/// Returns the folder where this process leaves its records for the reaper, which writes the
/// run's reports; `None` when no reaper runs.
fn start_reaper() -> Option<PathBuf> {
    let dir = lifecycle::nextest_run_dir()?;
    match reaper::start_once(&dir) {
        Ok(Some(line)) => eprintln!("{line}"),
        Ok(None) => {}
        Err(line) => {
            eprintln!("{line}");
            return None;
        }
    }
    reaper::records_dir(&dir)
}

/// The cluster trials the command line runs.
fn running_cluster_trials<'p>(
    planned: &'p [Planned],
    args: &Arguments,
) -> impl Iterator<Item = &'p Planned> {
    planned
        .iter()
        .filter(|p| p.cluster && !args.is_filtered_out(&p.trial) && !args.is_ignored(&p.trial))
}

/// What the end of a run produced, once every trial has ended.
struct Outputs {
    after_collection: run::HookOutcome,
    coverage: Option<Result<String, String>>,
    /// Notes from shutting down (namespaces kept or failing to go, the control plane).
    note: Option<String>,
    report: Result<Vec<PathBuf>, String>,
}

/// Runs the collection's after hook, writes coverage, shuts the run down and writes the reports;
/// with `records_for_reaper` (under nextest), saves the records there instead of writing coverage
/// and reports, which the reaper writes for the whole run.
fn conclude(
    state: &RunState,
    elapsed: std::time::Duration,
    ignored: u64,
    records_for_reaper: Option<&Path>,
) -> Outputs {
    let (after_collection, coverage, server, note) = run::RUNTIME.block_on(async {
        let result = state.lifecycle().finish(state).await;
        let coverage = match state.collection.report.coverage && records_for_reaper.is_none() {
            true => Some(state.write_coverage().await),
            false => None,
        };
        let server = state.server_version().await;
        (result, coverage, server, state.shut_down().await)
    });
    let (tests, hooks) = state.records.all();
    if let Err(err) = repeat::save_outcomes(&tests) {
        eprintln!("{}: {err}", repeat::REPEAT_ENV);
    }
    let run = report::RunInfo {
        name: &state.collection.name,
        started: state.records.started(),
        wall: elapsed,
        ignored,
        server: server.as_deref(),
        coverage: match &coverage {
            Some(Ok((summary, Some(file)))) => Some((summary.as_str(), file)),
            _ => None,
        },
    };
    let report = match records_for_reaper {
        None => report::write(&state.collection.report, &run, &tests, &hooks),
        Some(dir) => state
            .records
            .save(dir)
            .map(|()| Vec::new())
            .map_err(|err| format!("saving this test's records in {}: {err}", dir.display())),
    };
    Outputs {
        after_collection,
        coverage: coverage.map(|written| written.map(|(summary, _)| summary)),
        note,
        report,
    }
}

impl Outputs {
    /// Prints everything the run produced, and every error, to `stderr` (stdout belongs to
    /// libtest's, possibly JSON, output); `false` when something failed after the trials.
    fn print(self, state: &RunState, dropped_flags: &[String], stderr: &mut impl Write) -> bool {
        let mut ok = true;
        for flag in dropped_flags {
            let _ = writeln!(stderr, "note: ignored libtest flag {flag}");
        }
        if let Some(note) = self.note {
            let _ = writeln!(stderr, "{note}");
        }
        match self.coverage {
            Some(Ok(summary)) => {
                let _ = writeln!(stderr, "{summary}");
            }
            Some(Err(err)) => {
                let _ = writeln!(stderr, "error: coverage: {err}");
                ok = false;
            }
            None => {}
        }
        match self.report {
            Ok(paths) => {
                for path in paths {
                    let _ = writeln!(stderr, "report: {}", path.display());
                }
            }
            Err(err) => {
                let _ = writeln!(stderr, "error: {err}");
                ok = false;
            }
        }
        for line in state.records.hook_trace() {
            let _ = writeln!(stderr, "{line}");
        }
        for warning in state.loader.warnings() {
            let _ = writeln!(stderr, "warning: {warning}");
        }
        if let Err(err) = self.after_collection {
            let _ = writeln!(stderr, "error: the afterCollection hook failed\n{err}");
            ok = false;
        }
        ok
    }
}

/// A run that cannot start: one failing trial named `name` with `message`.
fn fail_run(args: &Arguments, name: &str, message: String) -> ExitCode {
    let trial = Trial::test(name, move || Err(message.into()));
    libtest_mimic::run(args, vec![trial]).exit_code()
}

/// libtest's threads for `parallel` slots and this many cluster trials. A cluster trial holds a
/// thread from its start to the end of its cleanup but a slot only while it works, so there are
/// more threads than slots: up to 16 per slot, enough for cleanups (seconds of waiting for the
/// namespace controller) to overlap the next tests' work (often under a second).
fn libtest_threads(parallel: usize, cluster_trials: usize) -> usize {
    parallel.max(cluster_trials.min(parallel.saturating_mul(16)))
}

fn matches_any(name: &str, filters: &[String], exact: bool) -> bool {
    filters.iter().any(|filter| {
        if exact {
            name == filter
        } else {
            name.contains(filter.as_str())
        }
    })
}

/// With `--exact <name>` and no `--skip` (how nextest runs each test) only that test's folder is
/// looked up; otherwise every suite folder is listed.
fn discover_for(collection: &load::Collection, args: &Arguments) -> Vec<discover::Discovered> {
    if let (true, true, Some(name)) = (args.exact, args.skip.is_empty(), &args.filter) {
        let test_name = name.strip_suffix(trials::LOAD_SUFFIX).unwrap_or(name);
        if let Some(test) = discover::find(collection, test_name) {
            return vec![discover::Discovered::Test(test)];
        }
    }
    discover::discover(collection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_end_of_run_output_is_printed_even_after_a_failure() {
        let collection =
            load::collection::read("tests/fixtures/listing/kuttl.yaml".as_ref()).unwrap();
        let state = RunState::new(collection);
        let outputs = Outputs {
            after_collection: Err(run::HookFailure::not_started(
                "afterCollection",
                "commands",
                "the fixture is still there",
            )),
            coverage: Some(Err("cannot fetch /openapi/v2".into())),
            note: Some("skipDelete: keeping namespace \"shared\"".into()),
            report: Err("cannot write out/kuttl-report.json: Permission denied".into()),
        };
        let mut printed = Vec::new();
        let ok = outputs.print(&state, &["--shuffle".into()], &mut printed);
        let printed = String::from_utf8(printed).unwrap();
        assert!(!ok);
        for line in [
            "note: ignored libtest flag --shuffle",
            "skipDelete: keeping namespace \"shared\"",
            "error: coverage: cannot fetch /openapi/v2",
            "error: cannot write out/kuttl-report.json: Permission denied",
            "error: the afterCollection hook failed\nafterCollection hook afterCollection failed in its commands:\nthe fixture is still there",
        ] {
            assert!(printed.contains(line), "{line:?} in:\n{printed}");
        }
    }

    #[test]
    fn a_run_whose_outputs_all_succeeded_passes() {
        let collection =
            load::collection::read("tests/fixtures/listing/kuttl.yaml".as_ref()).unwrap();
        let state = RunState::new(collection);
        let outputs = Outputs {
            after_collection: Ok(()),
            coverage: None,
            note: None,
            report: Ok(vec![PathBuf::from("out/kuttl-report.json")]),
        };
        let mut printed = Vec::new();
        assert!(outputs.print(&state, &[], &mut printed));
        assert_eq!(
            String::from_utf8(printed).unwrap(),
            "report: out/kuttl-report.json\n"
        );
    }

    #[test]
    fn libtest_gets_more_threads_than_slots_but_not_without_bound() {
        assert_eq!(libtest_threads(4, 36), 36);
        assert_eq!(libtest_threads(4, 2), 4);
        assert_eq!(libtest_threads(1, 1), 1);
        assert_eq!(libtest_threads(2, 1000), 32);
    }
}
