//! Lifecycle hooks as shared fixtures (KEP-6, `design.md` "Lifecycle").
//!
//! - A before hook runs once, lazily, when the first selected trial of its scope needs it; every
//!   trial of the scope gets its result.
//! - An after hook runs when the last selected trial of its scope has ended; the collection's after
//!   the run, and only if its before hook ran. A scope with no selected trial runs no hook.
//! - Suites with suite hooks take turns in the collection's order: such a suite's before hook (or,
//!   without one, its first test) starts only once every earlier selected suite with suite hooks
//!   has ended, its after hook included. Suites without suite hooks wait for no suite and no suite
//!   waits for them: with KUTTL's `kuttl-test.yaml` (no suite hooks) every test of every testDir
//!   runs in one pool of `parallel`, as in KUTTL. Trials are queued in suite order, so a trial
//!   waiting for its suite's turn only ever waits on trials already running.
//! - Under nextest's process-per-test mode each process runs one trial: before hooks run once per
//!   nextest run, coordinated through lock files keyed on `NEXTEST_RUN_ID`; after hooks run when
//!   the nextest run has ended, in the reaper the first process starts (`reaper.rs`, started by
//!   the harness before its trials). With a run id, several machines share one run's hooks
//!   through Leases in the cluster (`shared_run`).
//!
//! What a hook does is behind [`Hooks`], so this coordination is tested without a cluster.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Mutex;

use tokio::sync::watch;

use super::hook_scope::Scope;
use super::run_once::{CoordinationError, InProcess, LockFiles, RunOnce, Shared};
use crate::run::{HookFailure, HookOutcome};

/// Why a trial could not enter its scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EnterError {
    /// A before hook of its scope failed (here, in another process or on another machine).
    #[error("{0}")]
    Hook(HookFailure),
    /// The outcome of a before hook shared with other processes or machines could not be had.
    #[error("{0}")]
    Coordination(#[from] CoordinationError),
    /// The run was interrupted before its scope's hooks started.
    #[error("{0}")]
    Stopped(&'static str),
}

/// Under nextest's process-per-test mode, the folder through which the run's processes share
/// their before hooks' results (`$TMPDIR/kuttl-rs-<NEXTEST_RUN_ID>`); `None` otherwise.
pub(crate) fn nextest_run_dir() -> Option<PathBuf> {
    match (
        std::env::var("NEXTEST_EXECUTION_MODE").as_deref(),
        std::env::var("NEXTEST_RUN_ID"),
    ) {
        (Ok("process-per-test"), Ok(run_id)) => {
            Some(std::env::temp_dir().join(format!("kuttl-rs-{run_id}")))
        }
        _ => None,
    }
}

/// Runs the hook of a scope (`Ok` when the scope has none).
pub(crate) trait Hooks: Sync {
    fn run<'a>(
        &'a self,
        scope: &'a Scope,
    ) -> Pin<Box<dyn Future<Output = HookOutcome> + Send + 'a>>;

    /// Sets up the Rust fixtures of a before `scope` in this process (`Ok` when it has none).
    fn set_up_fixtures<'a>(
        &'a self,
        _scope: &'a Scope,
    ) -> Pin<Box<dyn Future<Output = HookOutcome> + Send + 'a>> {
        Box::pin(async { Ok(()) })
    }

    /// Tears down this process's Rust fixtures of an after `scope` (`Ok` when it has none).
    fn tear_down_fixtures<'a>(
        &'a self,
        _scope: &'a Scope,
    ) -> Pin<Box<dyn Future<Output = HookOutcome> + Send + 'a>> {
        Box::pin(async { Ok(()) })
    }

    /// How before hooks are shared with the other machines of a run spread over several
    /// (`shared_run`); `None` on one machine.
    fn across_machines(&self) -> Option<Box<dyn RunOnce + '_>> {
        None
    }

    /// Whether the run was interrupted: then no before hook starts, and trials that have not
    /// entered their scope fail with this message. After hooks still run.
    fn stopped(&self) -> Option<&'static str> {
        None
    }
}

/// Coordinates the hooks of one run.
pub(crate) struct Lifecycle {
    mode: Mode,
    /// The collection's after hook has run (or was not needed).
    finished: std::sync::atomic::AtomicBool,
    suites: Vec<SuiteFixture>,
}

enum Mode {
    /// The trials of this process share its hooks; after hooks run here.
    InProcess(InProcess),
    /// One trial per process: before hooks once per run through lock files, after hooks in the
    /// reaper.
    ProcessPerTest(LockFiles),
}

/// A suite with selected trials, as the lifecycle plans it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SelectedSuite {
    pub name: String,
    /// How many of its trials will run.
    pub trials: usize,
    /// Whether it has a `beforeSuite` or `afterSuite` hook, and so takes turns.
    pub hooked: bool,
}

struct SuiteFixture {
    name: String,
    hooked: bool,
    remaining: Mutex<usize>,
    done: watch::Sender<bool>,
}

impl Lifecycle {
    /// A lifecycle for the selected trials: each suite in the collection's order. Suites with no
    /// trial to run are left out.
    pub(crate) fn new(selected: impl IntoIterator<Item = SelectedSuite>) -> Self {
        let mode = nextest_run_dir().map_or_else(
            || Mode::InProcess(InProcess::default()),
            |dir| Mode::ProcessPerTest(LockFiles::new(dir)),
        );
        Self::with_mode(mode, selected)
    }

    fn with_mode(mode: Mode, selected: impl IntoIterator<Item = SelectedSuite>) -> Self {
        let suites = selected
            .into_iter()
            .filter(|suite| suite.trials > 0)
            .map(|suite| SuiteFixture {
                name: suite.name,
                hooked: suite.hooked,
                remaining: Mutex::new(suite.trials),
                done: watch::Sender::new(false),
            })
            .collect();
        Self {
            mode,
            finished: std::sync::atomic::AtomicBool::new(false),
            suites,
        }
    }

    /// Before a trial of `suite`: waits for the suite's turn (when it has suite hooks), then for
    /// the collection's and the suite's before hooks (run by the first trial that gets here).
    pub(crate) async fn enter(&self, suite: &str, hooks: &dyn Hooks) -> Result<(), EnterError> {
        let Some(index) = self.suites.iter().position(|s| s.name == suite) else {
            return Ok(());
        };
        let scopes = [Scope::BeforeCollection, Scope::BeforeSuite(suite.into())];
        let once = match &self.mode {
            Mode::ProcessPerTest(files) => {
                let machines = hooks.across_machines();
                for scope in &scopes {
                    let run = || -> Shared<'_> { Box::pin(async { Ok(hooks.run(scope).await) }) };
                    let across = || match &machines {
                        Some(machines) => machines.run_once(scope, &run),
                        None => run(),
                    };
                    files
                        .run_once(scope, &across)
                        .await?
                        .map_err(EnterError::Hook)?;
                    // Fixtures live in the process: each test process sets up its own.
                    hooks
                        .set_up_fixtures(scope)
                        .await
                        .map_err(EnterError::Hook)?;
                }
                return Ok(());
            }
            Mode::InProcess(once) => once,
        };
        if self.suites[index].hooked {
            for earlier in self.suites[..index].iter().filter(|s| s.hooked) {
                let mut done = earlier.done.subscribe();
                // The sender lives as long as `self`, so this only returns once the flag is set.
                let _ = done.wait_for(|done| *done).await;
            }
        }
        for scope in &scopes {
            if let Some(stopped) = hooks.stopped()
                && !once.started(scope)
            {
                return Err(EnterError::Stopped(stopped));
            }
            // The YAML hook first: a fixture's controller may need the CRDs it installs.
            let run = || -> Shared<'_> {
                Box::pin(async {
                    match hooks.run(scope).await {
                        // Interrupted meanwhile: no trial will use the fixtures.
                        Ok(()) if hooks.stopped().is_some() => Ok(Ok(())),
                        Ok(()) => Ok(hooks.set_up_fixtures(scope).await),
                        failed => Ok(failed),
                    }
                })
            };
            once.run_once(scope, &run)
                .await?
                .map_err(EnterError::Hook)?;
        }
        Ok(())
    }

    /// After a trial of `suite` (whatever its outcome): runs the suite's after hook when this was
    /// its last selected trial, and then lets the next suite with hooks start.
    pub(crate) async fn leave(&self, suite: &str, hooks: &dyn Hooks) -> HookOutcome {
        let Some(fixture) = self.suites.iter().find(|s| s.name == suite) else {
            return Ok(());
        };
        let Mode::InProcess(once) = &self.mode else {
            return Ok(());
        };
        let last = {
            let mut remaining = fixture
                .remaining
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *remaining = remaining.saturating_sub(1);
            *remaining == 0
        };
        if !last {
            return Ok(());
        }
        // No before hook ran (every trial failed to load): there is nothing to tear down.
        let result = if once.ran(&Scope::BeforeSuite(suite.into())) {
            after(hooks, &Scope::AfterSuite(suite.into())).await
        } else {
            Ok(())
        };
        fixture.done.send_replace(true);
        result
    }

    /// After every trial: runs the collection's after hook if its before hook ran.
    pub(crate) async fn finish(&self, hooks: &dyn Hooks) -> HookOutcome {
        let result = match &self.mode {
            Mode::InProcess(once) if once.ran(&Scope::BeforeCollection) => {
                after(hooks, &Scope::AfterCollection).await
            }
            Mode::InProcess(_) => Ok(()),
            // This process's fixtures end with it; the YAML after hooks are the reaper's.
            Mode::ProcessPerTest(_) => {
                let mut outcome = Ok(());
                let scopes = self
                    .suites
                    .iter()
                    .map(|s| Scope::AfterSuite(s.name.clone()));
                for scope in scopes.chain([Scope::AfterCollection]) {
                    let torn_down = hooks.tear_down_fixtures(&scope).await;
                    outcome = outcome.and(torn_down);
                }
                outcome
            }
        };
        self.finished
            .store(true, std::sync::atomic::Ordering::SeqCst);
        result
    }

    /// The after hooks still owed: those of the scopes whose before hook ran (or is running) and
    /// whose after hook has not run, suites first. An aborted run lists them as left undone.
    pub(crate) fn owed_after_hooks(&self) -> Vec<Scope> {
        let Mode::InProcess(once) = &self.mode else {
            return Vec::new();
        };
        let mut owed: Vec<Scope> = self
            .suites
            .iter()
            .filter(|suite| {
                once.started(&Scope::BeforeSuite(suite.name.clone())) && !*suite.done.borrow()
            })
            .map(|suite| Scope::AfterSuite(suite.name.clone()))
            .collect();
        if once.started(&Scope::BeforeCollection)
            && !self.finished.load(std::sync::atomic::Ordering::SeqCst)
        {
            owed.push(Scope::AfterCollection);
        }
        owed
    }
}

/// The after side of `scope`: its Rust fixtures torn down, then its YAML after hook, which runs
/// whatever the teardown gave; the first failure is the outcome.
async fn after(hooks: &dyn Hooks, scope: &Scope) -> HookOutcome {
    let torn_down = hooks.tear_down_fixtures(scope).await;
    torn_down.and(hooks.run(scope).await)
}

/// The suites in the collection's order, each with how many of its trials will run and whether
/// it has suite hooks (`hooked` is asked only of suites with trials to run).
pub(crate) fn select<'a>(
    suite_order: &[String],
    running: impl IntoIterator<Item = &'a str>,
    hooked: impl Fn(&str) -> bool,
) -> Vec<SelectedSuite> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for suite in running {
        *counts.entry(suite).or_default() += 1;
    }
    suite_order
        .iter()
        .map(|suite| {
            let trials = counts.get(suite.as_str()).copied().unwrap_or(0);
            SelectedSuite {
                name: suite.clone(),
                trials,
                hooked: trials > 0 && hooked(suite),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::super::slots::Slots;
    use super::*;

    /// Records every hook and trial event, in order.
    #[derive(Default)]
    struct Recorder {
        events: Mutex<Vec<String>>,
        failing: Vec<Scope>,
        /// Scopes whose Rust fixtures fail to set up.
        failing_fixtures: Vec<Scope>,
        /// The run is interrupted once this event is recorded.
        interrupted_at: Option<String>,
        interrupted: std::sync::atomic::AtomicBool,
    }

    impl Recorder {
        fn interrupted_at(event: &str) -> Self {
            Self {
                interrupted_at: Some(event.to_string()),
                ..Self::default()
            }
        }

        fn record(&self, event: String) {
            if self.interrupted_at.as_ref() == Some(&event) {
                self.interrupted
                    .store(true, std::sync::atomic::Ordering::SeqCst);
            }
            self.events.lock().unwrap().push(event);
        }

        fn events(&self) -> Vec<String> {
            self.events.lock().unwrap().clone()
        }

        fn position(&self, event: &str) -> usize {
            self.events()
                .iter()
                .position(|e| e == event)
                .unwrap_or_else(|| panic!("no {event:?} in {:?}", self.events()))
        }

        fn count(&self, event: &str) -> usize {
            self.events().iter().filter(|e| *e == event).count()
        }
    }

    impl Hooks for Recorder {
        fn run<'a>(
            &'a self,
            scope: &'a Scope,
        ) -> Pin<Box<dyn Future<Output = HookOutcome> + Send + 'a>> {
            Box::pin(async move {
                self.record(format!("start {scope:?}"));
                tokio::time::sleep(Duration::from_millis(20)).await;
                self.record(format!("end {scope:?}"));
                if self.failing.contains(scope) {
                    Err(HookFailure::not_started(
                        scope.name(),
                        "commands",
                        format!("{scope:?} failed"),
                    ))
                } else {
                    Ok(())
                }
            })
        }

        fn set_up_fixtures<'a>(
            &'a self,
            scope: &'a Scope,
        ) -> Pin<Box<dyn Future<Output = HookOutcome> + Send + 'a>> {
            Box::pin(async move {
                self.record(format!("fixtures up {scope:?}"));
                match self.failing_fixtures.contains(scope) {
                    true => Err(HookFailure::not_started(
                        scope.name(),
                        "set-up",
                        "no controller",
                    )),
                    false => Ok(()),
                }
            })
        }

        fn tear_down_fixtures<'a>(
            &'a self,
            scope: &'a Scope,
        ) -> Pin<Box<dyn Future<Output = HookOutcome> + Send + 'a>> {
            Box::pin(async move {
                self.record(format!("fixtures down {scope:?}"));
                Ok(())
            })
        }

        fn stopped(&self) -> Option<&'static str> {
            self.interrupted
                .load(std::sync::atomic::Ordering::SeqCst)
                .then_some("interrupted")
        }
    }

    /// How the simulated trials run.
    struct Plan<'a> {
        trials: &'a [(&'a str, &'a str)],
        /// libtest's threads.
        threads: usize,
        /// `parallel`.
        slots: usize,
        /// How long a trial works (in its slot).
        work: Duration,
        /// How long a trial's cleanup takes (outside its slot).
        cleanup: Duration,
    }

    /// Runs the trials in queue order on `threads` threads, as libtest-mimic does, each as the
    /// harness runs a cluster trial: enter, work in a slot, clean up outside it, leave.
    fn run_trials(
        lifecycle: &Lifecycle,
        hooks: &Recorder,
        plan: &Plan,
    ) -> Vec<(String, Result<(), String>)> {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let slots = Slots::new(plan.slots);
        let queue = Mutex::new(plan.trials.iter());
        let next_trial = || queue.lock().unwrap().next();
        let results = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..plan.threads {
                scope.spawn(|| {
                    while let Some(&(suite, test)) = next_trial() {
                        let result = runtime.block_on(async {
                            let mut entered = lifecycle
                                .enter(suite, hooks)
                                .await
                                .map_err(|e| e.to_string());
                            // As the harness: an interrupted run starts no more tests.
                            if let (Ok(()), Some(stopped)) = (&entered, hooks.stopped()) {
                                entered = Err(stopped.to_string());
                            }
                            if entered.is_ok() {
                                let slot = slots.acquire((0, format!("{suite}::{test}"))).await;
                                hooks.record(format!("start {suite}::{test}"));
                                tokio::time::sleep(plan.work).await;
                                hooks.record(format!("end {suite}::{test}"));
                                drop(slot);
                                tokio::time::sleep(plan.cleanup).await;
                                hooks.record(format!("cleaned {suite}::{test}"));
                            }
                            let left = lifecycle.leave(suite, hooks).await;
                            entered.and(left.map_err(|e| e.to_string()))
                        });
                        results
                            .lock()
                            .unwrap()
                            .push((format!("{suite}::{test}"), result));
                    }
                });
            }
        });
        runtime.block_on(lifecycle.finish(hooks)).unwrap();
        results.into_inner().unwrap()
    }

    /// `threads` threads and as many slots, 30 ms of work, no cleanup time.
    fn plain<'a>(trials: &'a [(&'a str, &'a str)], threads: usize) -> Plan<'a> {
        Plan {
            trials,
            threads,
            slots: threads,
            work: Duration::from_millis(30),
            cleanup: Duration::ZERO,
        }
    }

    /// As [`plain`], with work long enough for overlaps to show on a busy machine.
    fn overlapping<'a>(trials: &'a [(&'a str, &'a str)], threads: usize) -> Plan<'a> {
        Plan {
            work: Duration::from_millis(300),
            ..plain(trials, threads)
        }
    }

    fn suites(suites: &[(&str, usize, bool)]) -> Vec<SelectedSuite> {
        suites
            .iter()
            .map(|&(name, trials, hooked)| SelectedSuite {
                name: name.into(),
                trials,
                hooked,
            })
            .collect()
    }

    fn before(suite: &str) -> String {
        format!("{:?}", Scope::BeforeSuite(suite.into()))
    }

    fn after(suite: &str) -> String {
        format!("{:?}", Scope::AfterSuite(suite.into()))
    }

    const TRIALS: &[(&str, &str)] = &[
        ("apps", "a"),
        ("apps", "b"),
        ("apps", "c"),
        ("core", "x"),
        ("core", "y"),
    ];

    #[test]
    fn hooks_run_once_around_their_scope_and_hooked_suites_take_turns() {
        for threads in [1, 4] {
            let hooks = Recorder::default();
            let lifecycle = Lifecycle::with_mode(
                Mode::InProcess(InProcess::default()),
                suites(&[("apps", 3, true), ("core", 2, true)]),
            );
            let results = run_trials(&lifecycle, &hooks, &overlapping(TRIALS, threads));
            assert!(results.iter().all(|(_, r)| r.is_ok()), "{results:?}");
            let events = hooks.events();
            for scope in [
                "BeforeCollection".to_string(),
                "AfterCollection".into(),
                before("apps"),
                after("apps"),
                before("core"),
                after("core"),
            ] {
                assert_eq!(
                    hooks.count(&format!("start {scope}")),
                    1,
                    "{scope} once in {events:?}"
                );
            }
            let at = |event: &str| hooks.position(event);
            assert!(at("end BeforeCollection") < at(&format!("start {}", before("apps"))));
            for test in ["a", "b", "c"] {
                assert!(
                    at(&format!("end {}", before("apps"))) < at(&format!("start apps::{test}")),
                    "{events:?}"
                );
                assert!(
                    at(&format!("cleaned apps::{test}")) < at(&format!("start {}", after("apps"))),
                    "{events:?}"
                );
            }
            // The next hooked suite starts only once the previous one's after hook has finished.
            assert!(
                at(&format!("end {}", after("apps"))) < at(&format!("start {}", before("core"))),
                "{events:?}"
            );
            for test in ["x", "y"] {
                assert!(
                    at(&format!("cleaned core::{test}")) < at(&format!("start {}", after("core"))),
                    "{events:?}"
                );
            }
            assert_eq!(
                events.last().map(String::as_str),
                Some("end AfterCollection"),
                "{events:?}"
            );
            // Trials of a suite run in parallel when there are threads for them.
            if threads > 1 {
                assert!(at("start apps::b") < at("end apps::a"), "{events:?}");
            }
        }
    }

    #[test]
    fn rust_fixtures_are_set_up_after_their_yaml_hook_and_torn_down_before_it() {
        let hooks = Recorder::default();
        let lifecycle = Lifecycle::with_mode(
            Mode::InProcess(InProcess::default()),
            suites(&[("apps", 3, true), ("core", 2, true)]),
        );
        let results = run_trials(&lifecycle, &hooks, &overlapping(TRIALS, 3));
        assert!(results.iter().all(|(_, r)| r.is_ok()), "{results:?}");
        let events = hooks.events();
        let at = |event: &str| hooks.position(event);
        for suite in ["apps", "core"] {
            let (up, down) = (
                format!("fixtures up {}", before(suite)),
                format!("fixtures down {}", after(suite)),
            );
            assert_eq!((hooks.count(&up), hooks.count(&down)), (1, 1), "{events:?}");
            assert!(
                at(&format!("end {}", before(suite))) < at(&up),
                "{events:?}"
            );
            assert!(
                at(&down) < at(&format!("start {}", after(suite))),
                "{events:?}"
            );
        }
        for test in ["a", "b", "c"] {
            assert!(
                at(&format!("fixtures up {}", before("apps"))) < at(&format!("start apps::{test}"))
            );
            assert!(
                at(&format!("cleaned apps::{test}"))
                    < at(&format!("fixtures down {}", after("apps")))
            );
        }
        assert!(at("end BeforeCollection") < at("fixtures up BeforeCollection"));
        assert!(at("fixtures down AfterCollection") < at("start AfterCollection"));
    }

    /// Runs [`TRIALS`] on 3 threads, in process: `apps` (3 trials) and `core` (2), both hooked.
    fn run_hooked_apps_and_core(hooks: &Recorder) -> Vec<(String, Result<(), String>)> {
        let lifecycle = Lifecycle::with_mode(
            Mode::InProcess(InProcess::default()),
            suites(&[("apps", 3, true), ("core", 2, true)]),
        );
        run_trials(&lifecycle, hooks, &plain(TRIALS, 3))
    }

    #[test]
    fn a_failed_fixture_fails_each_trial_of_its_scope_and_its_after_hook_still_runs() {
        let hooks = Recorder {
            failing_fixtures: vec![Scope::BeforeSuite("apps".into())],
            ..Recorder::default()
        };
        let results = run_hooked_apps_and_core(&hooks);
        for (name, result) in &results {
            match name.starts_with("apps::") {
                true => assert!(
                    result.as_ref().is_err_and(|e| e.contains("no controller")),
                    "{name}: {result:?}"
                ),
                false => assert!(result.is_ok(), "{name}: {result:?}"),
            }
        }
        assert_eq!(hooks.count(&format!("fixtures up {}", before("apps"))), 1);
        assert_eq!(hooks.count(&format!("start {}", after("apps"))), 1);
    }

    #[test]
    fn suites_without_hooks_wait_for_no_suite() {
        for threads in [1, 8] {
            // apps and core without hooks, web with them.
            let trials = [TRIALS, &[("web", "w1"), ("web", "w2")]].concat();
            let hooks = Recorder::default();
            let lifecycle = Lifecycle::with_mode(
                Mode::InProcess(InProcess::default()),
                suites(&[("apps", 3, false), ("core", 2, false), ("web", 2, true)]),
            );
            let results = run_trials(&lifecycle, &hooks, &overlapping(&trials, threads));
            assert!(results.iter().all(|(_, r)| r.is_ok()), "{results:?}");
            let events = hooks.events();
            let at = |event: &str| hooks.position(event);
            for suite in ["apps", "core"] {
                assert_eq!(hooks.count(&format!("start {}", before(suite))), 1);
                assert_eq!(hooks.count(&format!("start {}", after(suite))), 1);
            }
            if threads > 1 {
                // One pool: the suites' tests overlap, and so does the hooked suite's start.
                assert!(at("start core::x") < at("end apps::a"), "{events:?}");
                assert!(
                    at(&format!("start {}", before("web"))) < at("end apps::a"),
                    "{events:?}"
                );
            } else {
                assert!(at("end apps::c") < at("start core::x"), "{events:?}");
            }
            for test in ["w1", "w2"] {
                assert!(
                    at(&format!("end {}", before("web"))) < at(&format!("start web::{test}")),
                    "{events:?}"
                );
                assert!(
                    at(&format!("cleaned web::{test}")) < at(&format!("start {}", after("web"))),
                    "{events:?}"
                );
            }
        }
    }

    #[test]
    fn a_hooked_suite_waits_for_every_earlier_hooked_suite_but_not_for_others() {
        let trials = [("apps", "a"), ("core", "x"), ("web", "w")];
        let hooks = Recorder::default();
        let lifecycle = Lifecycle::with_mode(
            Mode::InProcess(InProcess::default()),
            suites(&[("apps", 1, true), ("core", 1, false), ("web", 1, true)]),
        );
        let plan = Plan {
            cleanup: Duration::from_millis(50),
            ..overlapping(&trials, 3)
        };
        let results = run_trials(&lifecycle, &hooks, &plan);
        assert!(results.iter().all(|(_, r)| r.is_ok()), "{results:?}");
        let events = hooks.events();
        let at = |event: &str| hooks.position(event);
        assert!(
            at(&format!("end {}", after("apps"))) < at(&format!("start {}", before("web"))),
            "{events:?}"
        );
        assert!(at("start core::x") < at("end apps::a"), "{events:?}");
        assert!(
            at("start web::w") > at(&format!("end {}", after("apps"))),
            "{events:?}"
        );
    }

    #[test]
    fn a_test_cleaning_up_leaves_its_slot_to_the_next() {
        let trials = [("apps", "a"), ("apps", "b"), ("apps", "c")];
        let hooks = Recorder::default();
        let lifecycle = Lifecycle::with_mode(
            Mode::InProcess(InProcess::default()),
            suites(&[("apps", 3, true)]),
        );
        let plan = Plan {
            trials: &trials,
            threads: 3,
            slots: 1,
            work: Duration::from_millis(30),
            cleanup: Duration::from_millis(300),
        };
        let results = run_trials(&lifecycle, &hooks, &plan);
        assert!(results.iter().all(|(_, r)| r.is_ok()), "{results:?}");
        let events = hooks.events();
        let at = |event: &str| hooks.position(event);
        // One slot: the tests work one at a time ...
        let works: Vec<&String> = events
            .iter()
            .filter(|e| e.starts_with("start apps::") || e.starts_with("end apps::"))
            .collect();
        for pair in works.chunks(2) {
            let test = pair[0].strip_prefix("start ").expect("a start");
            assert_eq!(pair[1], &format!("end {test}"), "{events:?}");
        }
        // ... while the ones before them clean up.
        let first = works[0].strip_prefix("start ").expect("a start");
        assert!(at(works[2]) < at(&format!("cleaned {first}")), "{events:?}");
        // The after hook waits for every cleanup.
        for test in ["a", "b", "c"] {
            assert!(
                at(&format!("cleaned apps::{test}")) < at(&format!("start {}", after("apps"))),
                "{events:?}"
            );
        }
    }

    #[test]
    fn a_filtered_run_runs_only_the_hooks_of_selected_scopes() {
        // As with `cargo test -- --include-ignored core::`: apps has no selected trial.
        let hooks = Recorder::default();
        let selected = select(&["apps".into(), "core".into()], ["core", "core"], |_| true);
        assert_eq!(selected, suites(&[("apps", 0, false), ("core", 2, true)]));
        let lifecycle = Lifecycle::with_mode(Mode::InProcess(InProcess::default()), selected);
        run_trials(&lifecycle, &hooks, &plain(&TRIALS[3..], 2));
        let events = hooks.events();
        assert!(!events.iter().any(|e| e.contains("apps")), "{events:?}");
        assert!(
            events.contains(&format!("start {}", before("core")))
                && events.contains(&format!("end {}", after("core"))),
            "{events:?}"
        );
    }

    #[test]
    fn no_selected_trial_runs_no_hook() {
        let hooks = Recorder::default();
        let lifecycle = Lifecycle::with_mode(
            Mode::InProcess(InProcess::default()),
            select(&["apps".into()], [], |_| true),
        );
        run_trials(&lifecycle, &hooks, &plain(&[], 2));
        assert!(hooks.events().is_empty(), "{:?}", hooks.events());
    }

    #[test]
    fn a_failed_before_hook_fails_each_trial_of_its_scope_and_after_hooks_still_run() {
        let hooks = Recorder {
            failing: vec![Scope::BeforeSuite("apps".into())],
            ..Recorder::default()
        };
        let results = run_hooked_apps_and_core(&hooks);
        for (name, result) in &results {
            if name.starts_with("apps::") {
                assert_eq!(
                    result.as_ref().unwrap_err(),
                    &format!(
                        "beforeSuite hook apps::beforeSuite failed in its commands:\n{} failed",
                        before("apps")
                    ),
                    "{name}"
                );
            } else {
                assert!(result.is_ok(), "{name}: {result:?}");
            }
        }
        let events = hooks.events();
        assert_eq!(
            hooks.count(&format!("start {}", before("apps"))),
            1,
            "{events:?}"
        );
        assert!(
            !events.iter().any(|e| e.starts_with("start apps::")),
            "{events:?}"
        );
        assert!(
            events.contains(&format!("end {}", after("apps"))),
            "{events:?}"
        );
    }

    #[test]
    fn a_failed_after_hook_fails_the_last_trial_of_its_suite() {
        let hooks = Recorder {
            failing: vec![Scope::AfterSuite("core".into())],
            ..Recorder::default()
        };
        let lifecycle = Lifecycle::with_mode(
            Mode::InProcess(InProcess::default()),
            suites(&[("apps", 3, true), ("core", 2, true)]),
        );
        let results = run_trials(&lifecycle, &hooks, &plain(TRIALS, 1));
        let failed: Vec<_> = results
            .iter()
            .filter(|(_, r)| r.is_err())
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(failed, ["core::y"]);
    }

    #[test]
    fn process_per_test_runs_before_hooks_once_per_run_and_no_after_hooks() {
        let dir = tempfile::tempdir().unwrap();
        let hooks = Arc::new(Recorder::default());
        // Five "processes", each with its own lifecycle and one trial, as under nextest.
        std::thread::scope(|scope| {
            for &(suite, test) in TRIALS {
                let (hooks, dir) = (Arc::clone(&hooks), dir.path().to_path_buf());
                scope.spawn(move || {
                    let lifecycle = Lifecycle::with_mode(
                        Mode::ProcessPerTest(LockFiles::new(dir)),
                        suites(&[(suite, 1, true)]),
                    );
                    let results = run_trials(&lifecycle, &hooks, &plain(&[(suite, test)], 1));
                    assert!(results[0].1.is_ok());
                });
            }
        });
        let events = hooks.events();
        for scope in [
            "BeforeCollection".to_string(),
            before("apps"),
            before("core"),
        ] {
            assert_eq!(
                hooks.count(&format!("start {scope}")),
                1,
                "{scope} in {events:?}"
            );
        }
        // YAML after hooks are the reaper's; each process's fixtures are its own.
        assert!(
            !events.iter().any(|e| e.starts_with("start After")),
            "{events:?}"
        );
        for (suite, trials) in [("apps", 3), ("core", 2)] {
            for event in [
                format!("fixtures up {}", before(suite)),
                format!("fixtures down {}", after(suite)),
            ] {
                assert_eq!(hooks.count(&event), trials, "{event} in {events:?}");
            }
        }
    }

    fn outcome_of<'a>(
        results: &'a [(String, Result<(), String>)],
        trial: &str,
    ) -> &'a Result<(), String> {
        &results.iter().find(|(name, _)| name == trial).unwrap().1
    }

    #[test]
    fn an_interrupted_run_starts_nothing_new_and_runs_the_after_hooks_owed() {
        for threads in [1, 4] {
            let hooks = Recorder::interrupted_at("end apps::a");
            let lifecycle = Lifecycle::with_mode(
                Mode::InProcess(InProcess::default()),
                suites(&[("apps", 3, true), ("core", 2, true)]),
            );
            let results = run_trials(&lifecycle, &hooks, &plain(TRIALS, threads));
            let events = hooks.events();
            assert_eq!(outcome_of(&results, "apps::a"), &Ok(()), "{events:?}");
            for trial in ["core::x", "core::y"] {
                assert_eq!(outcome_of(&results, trial), &Err("interrupted".into()));
            }
            // The after hooks owed run, suite first; the suite that never started runs none.
            assert!(
                hooks.position(&format!("start {}", after("apps")))
                    < hooks.position("start AfterCollection")
            );
            assert_eq!(
                hooks.count(&format!("start {}", before("core"))),
                0,
                "{events:?}"
            );
            assert_eq!(
                hooks.count(&format!("start {}", after("core"))),
                0,
                "{events:?}"
            );
            assert!(lifecycle.owed_after_hooks().is_empty());
        }
    }

    #[test]
    fn interrupted_during_the_collection_hook_it_still_gets_its_after_hook() {
        let hooks = Recorder::interrupted_at("start BeforeCollection");
        let lifecycle = Lifecycle::with_mode(
            Mode::InProcess(InProcess::default()),
            suites(&[("apps", 3, true), ("core", 2, false)]),
        );
        let results = run_trials(&lifecycle, &hooks, &plain(TRIALS, 2));
        assert!(
            results
                .iter()
                .all(|(_, r)| r == &Err("interrupted".to_string())),
            "{results:?}"
        );
        assert_eq!(
            hooks.events(),
            [
                "start BeforeCollection",
                "end BeforeCollection",
                "fixtures down AfterCollection",
                "start AfterCollection",
                "end AfterCollection"
            ]
        );
    }

    #[test]
    fn a_before_hook_still_running_already_owes_its_after_hook() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let hooks = Recorder::default();
        let lifecycle = Lifecycle::with_mode(
            Mode::InProcess(InProcess::default()),
            suites(&[("apps", 1, true)]),
        );
        runtime.block_on(async {
            let entering = lifecycle.enter("apps", &hooks);
            tokio::pin!(entering);
            // Poll until the collection's before hook has started (it sleeps 20 ms).
            let _ = tokio::time::timeout(Duration::from_millis(5), &mut entering).await;
            assert_eq!(hooks.events(), ["start BeforeCollection"]);
            assert_eq!(lifecycle.owed_after_hooks(), [Scope::AfterCollection]);
            entering.await.unwrap();
        });
    }

    #[test]
    fn the_after_hooks_owed_are_those_whose_before_hook_ran() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let hooks = Recorder::default();
        let lifecycle = Lifecycle::with_mode(
            Mode::InProcess(InProcess::default()),
            suites(&[("apps", 1, true), ("core", 1, true)]),
        );
        assert!(lifecycle.owed_after_hooks().is_empty());
        runtime.block_on(lifecycle.enter("apps", &hooks)).unwrap();
        assert_eq!(
            lifecycle.owed_after_hooks(),
            [Scope::AfterSuite("apps".into()), Scope::AfterCollection]
        );
        runtime.block_on(lifecycle.leave("apps", &hooks)).unwrap();
        assert_eq!(lifecycle.owed_after_hooks(), [Scope::AfterCollection]);
        runtime.block_on(lifecycle.finish(&hooks)).unwrap();
        assert!(lifecycle.owed_after_hooks().is_empty());
    }
}
