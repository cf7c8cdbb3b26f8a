//! Lifecycle hooks as shared fixtures (KEP-6, `design.md` "Lifecycle").
//!
//! - A before hook runs once, lazily, when the first selected trial of its scope needs it; every
//!   trial of the scope gets its result.
//! - An after hook runs when the last selected trial of its scope has ended; the collection's after
//!   the run, and only if its before hook ran. A scope with no selected trial runs no hook.
//! - Suites take turns in the collection's order: a suite's before hook starts only once the
//!   previous selected suite's after hook has finished. Trials are queued in suite order, so a trial
//!   waiting for its suite's turn only ever waits on trials already running.
//! - Under nextest's process-per-test mode each process runs one trial: before hooks run once per
//!   nextest run, coordinated through lock files keyed on `NEXTEST_RUN_ID`; after hooks do not run.
//!
//! What a hook does is behind [`Hooks`], so this coordination is tested without a cluster.

use std::collections::HashMap;
use std::future::Future;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Mutex;

use tokio::sync::{OnceCell, watch};

/// A point of the lifecycle, with the suite it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Scope {
    BeforeCollection,
    AfterCollection,
    BeforeSuite(String),
    AfterSuite(String),
}

/// Runs the hook of a scope (`Ok` when the scope has none).
pub(crate) trait Hooks: Sync {
    fn run<'a>(
        &'a self,
        scope: &'a Scope,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

/// Coordinates the hooks of one run.
pub(crate) struct Lifecycle {
    mode: Mode,
    before_collection: OnceCell<Result<(), String>>,
    suites: Vec<SuiteFixture>,
}

enum Mode {
    InProcess,
    /// One trial per process: before hooks once per run through files in this folder.
    ProcessPerTest(PathBuf),
}

struct SuiteFixture {
    name: String,
    remaining: Mutex<usize>,
    before: OnceCell<Result<(), String>>,
    done: watch::Sender<bool>,
}

impl Lifecycle {
    /// A lifecycle for the selected trials: each suite (in the collection's order) with how many of
    /// its trials will run. Suites with none are left out.
    pub(crate) fn new(selected: impl IntoIterator<Item = (String, usize)>) -> Self {
        let mode = match (
            std::env::var("NEXTEST_EXECUTION_MODE").as_deref(),
            std::env::var("NEXTEST_RUN_ID"),
        ) {
            (Ok("process-per-test"), Ok(run_id)) => {
                Mode::ProcessPerTest(std::env::temp_dir().join(format!("kuttl-rs-{run_id}")))
            }
            _ => Mode::InProcess,
        };
        Self::with_mode(mode, selected)
    }

    fn with_mode(mode: Mode, selected: impl IntoIterator<Item = (String, usize)>) -> Self {
        let suites = selected
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .map(|(name, count)| SuiteFixture {
                name,
                remaining: Mutex::new(count),
                before: OnceCell::new(),
                done: watch::Sender::new(false),
            })
            .collect();
        Self {
            mode,
            before_collection: OnceCell::new(),
            suites,
        }
    }

    /// Before a trial of `suite`: waits for the suite's turn, then for the collection's and the
    /// suite's before hooks (run by the first trial that gets here).
    pub(crate) async fn enter(&self, suite: &str, hooks: &dyn Hooks) -> Result<(), String> {
        let Some(index) = self.suites.iter().position(|s| s.name == suite) else {
            return Ok(());
        };
        if let Mode::ProcessPerTest(dir) = &self.mode {
            once_per_run(dir, "beforeCollection", hooks.run(&Scope::BeforeCollection)).await?;
            let scope = Scope::BeforeSuite(suite.into());
            return once_per_run(dir, &format!("beforeSuite-{suite}"), hooks.run(&scope)).await;
        }
        if let Some(previous) = index.checked_sub(1).map(|i| &self.suites[i]) {
            let mut done = previous.done.subscribe();
            // The sender lives as long as `self`, so this only returns once the flag is set.
            let _ = done.wait_for(|done| *done).await;
        }
        self.before_collection
            .get_or_init(|| hooks.run(&Scope::BeforeCollection))
            .await
            .clone()?;
        let fixture = &self.suites[index];
        let scope = Scope::BeforeSuite(suite.into());
        fixture
            .before
            .get_or_init(|| hooks.run(&scope))
            .await
            .clone()
    }

    /// After a trial of `suite` (whatever its outcome): runs the suite's after hook when this was
    /// its last selected trial, and then lets the next suite start.
    pub(crate) async fn leave(&self, suite: &str, hooks: &dyn Hooks) -> Result<(), String> {
        let Some(fixture) = self.suites.iter().find(|s| s.name == suite) else {
            return Ok(());
        };
        if matches!(self.mode, Mode::ProcessPerTest(_)) {
            return Ok(());
        }
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
        let result = if fixture.before.initialized() {
            hooks.run(&Scope::AfterSuite(suite.into())).await
        } else {
            Ok(())
        };
        fixture.done.send_replace(true);
        result
    }

    /// After every trial: runs the collection's after hook if its before hook ran.
    pub(crate) async fn finish(&self, hooks: &dyn Hooks) -> Result<(), String> {
        if matches!(self.mode, Mode::InProcess) && self.before_collection.initialized() {
            hooks.run(&Scope::AfterCollection).await
        } else {
            Ok(())
        }
    }
}

/// Runs `hook` once per nextest run: the first process takes the lock, runs it and writes the
/// result; the others wait for the lock and read the result.
async fn once_per_run(
    dir: &std::path::Path,
    key: &str,
    hook: impl Future<Output = Result<(), String>>,
) -> Result<(), String> {
    let fail = |err: std::io::Error| {
        format!(
            "coordinating {key} across nextest processes in {}: {err}",
            dir.display()
        )
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(format!("{key}.result")))
        .map_err(fail)?;
    file.lock().map_err(fail)?;
    let mut recorded = String::new();
    file.read_to_string(&mut recorded).map_err(fail)?;
    if let Some(outcome) = recorded.strip_prefix("done\n") {
        return match outcome.strip_prefix("ok") {
            Some(_) => Ok(()),
            None => Err(outcome
                .strip_prefix("error\n")
                .unwrap_or(outcome)
                .to_string()),
        };
    }
    let result = hook.await;
    let outcome = match &result {
        Ok(()) => "done\nok".to_string(),
        Err(err) => format!("done\nerror\n{err}"),
    };
    file.rewind().map_err(fail)?;
    file.write_all(outcome.as_bytes()).map_err(fail)?;
    result
}

/// Counts, per suite, the trials that will run.
pub(crate) fn count_by_suite<'a>(
    suite_order: &[String],
    running: impl IntoIterator<Item = &'a str>,
) -> Vec<(String, usize)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for suite in running {
        *counts.entry(suite).or_default() += 1;
    }
    suite_order
        .iter()
        .map(|suite| {
            (
                suite.clone(),
                counts.get(suite.as_str()).copied().unwrap_or(0),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    /// Records every hook and trial start and end, in order.
    #[derive(Default)]
    struct Recorder {
        events: Mutex<Vec<String>>,
        failing: Vec<Scope>,
    }

    impl Recorder {
        fn record(&self, event: String) {
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
    }

    impl Hooks for Recorder {
        fn run<'a>(
            &'a self,
            scope: &'a Scope,
        ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
            Box::pin(async move {
                self.record(format!("start {scope:?}"));
                tokio::time::sleep(Duration::from_millis(20)).await;
                self.record(format!("end {scope:?}"));
                if self.failing.contains(scope) {
                    Err(format!("{scope:?} failed"))
                } else {
                    Ok(())
                }
            })
        }
    }

    /// Runs `trials` (suite, test) on `threads` threads in queue order, as libtest-mimic does.
    fn run_trials(
        lifecycle: &Lifecycle,
        hooks: &Recorder,
        trials: &[(&str, &str)],
        threads: usize,
    ) -> Vec<(String, Result<(), String>)> {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let queue = Mutex::new(trials.iter());
        let next_trial = || queue.lock().unwrap().next();
        let results = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    while let Some(&(suite, test)) = next_trial() {
                        let result = runtime.block_on(async {
                            let entered = lifecycle.enter(suite, hooks).await;
                            if entered.is_ok() {
                                hooks.record(format!("start {suite}::{test}"));
                                tokio::time::sleep(Duration::from_millis(30)).await;
                                hooks.record(format!("end {suite}::{test}"));
                            }
                            let left = lifecycle.leave(suite, hooks).await;
                            entered.and(left)
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
    fn hooks_run_once_around_their_scope_and_suites_take_turns() {
        for threads in [1, 4] {
            let hooks = Recorder::default();
            let lifecycle =
                Lifecycle::with_mode(Mode::InProcess, [("apps".into(), 3), ("core".into(), 2)]);
            let results = run_trials(&lifecycle, &hooks, TRIALS, threads);
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
                    events
                        .iter()
                        .filter(|e| **e == format!("start {scope}"))
                        .count(),
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
                    at(&format!("end apps::{test}")) < at(&format!("start {}", after("apps"))),
                    "{events:?}"
                );
            }
            // The next suite starts only once the previous one's after hook has finished.
            assert!(
                at(&format!("end {}", after("apps"))) < at(&format!("start {}", before("core"))),
                "{events:?}"
            );
            for test in ["x", "y"] {
                assert!(
                    at(&format!("end core::{test}")) < at(&format!("start {}", after("core"))),
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
    fn a_filtered_run_runs_only_the_hooks_of_selected_scopes() {
        // As with `cargo test -- --include-ignored core::`: apps has no selected trial.
        let hooks = Recorder::default();
        let selected = count_by_suite(&["apps".into(), "core".into()], ["core", "core"]);
        assert_eq!(selected, [("apps".to_string(), 0), ("core".to_string(), 2)]);
        let lifecycle = Lifecycle::with_mode(Mode::InProcess, selected);
        run_trials(&lifecycle, &hooks, &TRIALS[3..], 2);
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
        let lifecycle = Lifecycle::with_mode(Mode::InProcess, count_by_suite(&["apps".into()], []));
        run_trials(&lifecycle, &hooks, &[], 2);
        assert!(hooks.events().is_empty(), "{:?}", hooks.events());
    }

    #[test]
    fn a_failed_before_hook_fails_each_trial_of_its_scope_and_after_hooks_still_run() {
        let hooks = Recorder {
            failing: vec![Scope::BeforeSuite("apps".into())],
            ..Recorder::default()
        };
        let lifecycle =
            Lifecycle::with_mode(Mode::InProcess, [("apps".into(), 3), ("core".into(), 2)]);
        let results = run_trials(&lifecycle, &hooks, TRIALS, 3);
        for (name, result) in &results {
            if name.starts_with("apps::") {
                assert_eq!(
                    result.as_ref().unwrap_err(),
                    &format!("{} failed", before("apps")),
                    "{name}"
                );
            } else {
                assert!(result.is_ok(), "{name}: {result:?}");
            }
        }
        let events = hooks.events();
        assert_eq!(
            events
                .iter()
                .filter(|e| **e == format!("start {}", before("apps")))
                .count(),
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
        let lifecycle =
            Lifecycle::with_mode(Mode::InProcess, [("apps".into(), 3), ("core".into(), 2)]);
        let results = run_trials(&lifecycle, &hooks, TRIALS, 1);
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
                    let lifecycle =
                        Lifecycle::with_mode(Mode::ProcessPerTest(dir), [(suite.to_string(), 1)]);
                    let results = run_trials(&lifecycle, &hooks, &[(suite, test)], 1);
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
                events
                    .iter()
                    .filter(|e| **e == format!("start {scope}"))
                    .count(),
                1,
                "{scope} in {events:?}"
            );
        }
        assert!(!events.iter().any(|e| e.contains("After")), "{events:?}");
    }
}
