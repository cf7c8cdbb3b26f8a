//! The libtest-mimic harness: reads the collection, discovers tests by folder name, builds one
//! trial per test and runs them with libtest's command line.

mod args;
mod lifecycle;
mod run_state;
mod slots;
mod trials;

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Trial};

use crate::load::{self, discover};
use crate::run::TypedFn;
use crate::{TestContext, report, run};
use lifecycle::Lifecycle;
use run_state::RunState;
use slots::Slots;

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
    collection: PathBuf,
    /// Whether `KUTTL_COLLECTION` replaced the collection given in code.
    overridden: bool,
    typed: Vec<trials::TypedTest>,
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
            collection: overridden
                .clone()
                .map_or_else(|| path.into(), PathBuf::from),
            overridden: overridden.is_some(),
            typed: Vec::new(),
        }
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
    pub fn typed_test<F, Fut, E>(mut self, suite: &str, name: &str, test: F) -> Self
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
            test,
        });
        self
    }

    /// Runs with the process's command line and returns the exit code for `main`.
    pub fn run(self) -> ExitCode {
        self.run_with_args(std::env::args())
    }

    /// Runs with the given command line (program name first).
    pub fn run_with_args(self, argv: impl IntoIterator<Item = String>) -> ExitCode {
        let split = args::split(argv);
        let mut args = Arguments::from_iter(split.mimic);
        let collection = match load::collection::read(&self.collection) {
            Ok(collection) => collection,
            Err(err) => {
                return fail_run(
                    &args,
                    &self.collection.display().to_string(),
                    err.to_string(),
                );
            }
        };
        let report_settings = match collection
            .report
            .clone()
            .with_env(|name| std::env::var(name).ok())
        {
            Ok(settings) => settings,
            Err(err) => return fail_run(&args, "environment", err),
        };
        if args.test_threads.is_none() {
            args.test_threads = std::env::var("RUST_TEST_THREADS")
                .ok()
                .and_then(|n| n.parse().ok())
                .or(Some(collection.parallel));
        }
        let run_labels = match load::run_labels::with_env(collection.run_labels.clone(), |name| {
            std::env::var(name).ok()
        }) {
            Ok(labels) => labels,
            Err(err) => return fail_run(&args, "environment", err),
        };
        let template_vars =
            match load::template_vars::with_env(collection.template_vars.clone(), |name| {
                std::env::var(name).ok()
            }) {
                Ok(vars) => vars,
                Err(err) => return fail_run(&args, "environment", err),
            };
        let state = Arc::new(RunState::new(
            collection,
            report_settings,
            run_labels,
            template_vars,
        ));
        let mut planned = trials::build(&state, discover_for(&state.collection, &args));
        planned.extend(trials::build_typed(&state, &self.typed, self.overridden));
        if !split.extra_filters.is_empty() {
            planned.retain(|p| matches_any(p.trial.name(), &split.extra_filters, args.exact));
        }
        // Suite order first (a hooked suite's trials wait for the earlier hooked suites' after
        // hooks), then names.
        let suite_order: Vec<String> = state
            .collection
            .suites
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let position = |suite: &str| {
            suite_order
                .iter()
                .position(|s| s == suite)
                .unwrap_or(usize::MAX)
        };
        planned.sort_by(|a, b| {
            (position(&a.suite), a.trial.name()).cmp(&(position(&b.suite), b.trial.name()))
        });
        if !args.list {
            let running: Vec<&str> = planned
                .iter()
                .filter(|p| {
                    p.cluster && !args.is_filtered_out(&p.trial) && !args.is_ignored(&p.trial)
                })
                .map(|p| p.suite.as_str())
                .collect();
            let parallel = args.test_threads.unwrap_or(1);
            args.test_threads = Some(libtest_threads(parallel, running.len()));
            let selected =
                lifecycle::select(&suite_order, running, |suite| state.suite_has_hooks(suite));
            state.set_schedule(Lifecycle::new(selected), Slots::new(parallel));
        }
        let trials = planned.into_iter().map(|p| p.trial).collect();
        if !args.list {
            // A weak handle: the run's state (and the folder of remote suites it owns) must go
            // when the run ends, while this task waits for a Ctrl-C that never comes.
            run::RUNTIME.spawn(undo_on_interrupt(Arc::downgrade(&state)));
        }
        let started = std::time::Instant::now();
        let conclusion = libtest_mimic::run(&args, trials);
        if args.list {
            return conclusion.exit_code();
        }
        let (after_collection, coverage, note) = run::RUNTIME.block_on(async {
            let result = state.lifecycle().finish(&*state).await;
            let coverage = match state.report.coverage {
                true => Some(state.write_coverage().await),
                false => None,
            };
            (result, coverage, state.shut_down().await)
        });
        // Printed by the main thread once every trial has ended, and to stderr only: stdout
        // belongs to libtest's (possibly JSON) output.
        let mut stderr = std::io::stderr().lock();
        for flag in &split.dropped {
            let _ = writeln!(stderr, "note: ignored libtest flag {flag}");
        }
        if let Some(note) = note {
            let _ = writeln!(stderr, "{note}");
        }
        match coverage {
            Some(Ok(summary)) => {
                let _ = writeln!(stderr, "{summary}");
            }
            Some(Err(err)) => {
                let _ = writeln!(stderr, "error: coverage: {err}");
                return ExitCode::from(101);
            }
            None => {}
        }
        let (tests, hooks) = state.records();
        match report::write(
            &state.report,
            &state.collection.name,
            &tests,
            &hooks,
            started.elapsed(),
        ) {
            Ok(paths) => {
                for path in paths {
                    let _ = writeln!(stderr, "report: {}", path.display());
                }
            }
            Err(err) => {
                let _ = writeln!(stderr, "error: {err}");
                return ExitCode::from(101);
            }
        }
        for line in state.hook_trace() {
            let _ = writeln!(stderr, "{line}");
        }
        for warning in state.warnings() {
            let _ = writeln!(stderr, "warning: {warning}");
        }
        if let Err(err) = after_collection {
            let _ = writeln!(stderr, "error: the afterCollection hook failed\n{err}");
            return ExitCode::from(101);
        }
        conclusion.exit_code()
    }
}

/// A run that cannot start: one failing trial named `name` with `message`.
fn fail_run(args: &Arguments, name: &str, message: String) -> ExitCode {
    let trial = Trial::test(name, move || Err(message.into()));
    libtest_mimic::run(args, vec![trial]).exit_code()
}

/// On Ctrl-C: kill the running tests' background commands, delete their namespaces, stop what the
/// run started (hooks' commands, control plane, kind cluster), then exit with 130.
async fn undo_on_interrupt(state: std::sync::Weak<RunState>) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    let undone = run::RUNNING.undo_all().await;
    let note = match state.upgrade() {
        Some(state) => state.shut_down().await,
        None => None,
    };
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(
        stderr,
        "\ninterrupted: deleted {} test namespaces, stopped {} background commands",
        undone.namespaces, undone.commands
    );
    if let Some(note) = note {
        let _ = writeln!(stderr, "{note}");
    }
    std::process::exit(130);
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
