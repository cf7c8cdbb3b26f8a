//! Turning discovered tests into libtest-mimic trials.
//!
//! Each KUTTL test gives two trials:
//! - `<suite>::<test>::load` loads the folder without a cluster and always runs, so a broken step
//!   file fails plain `cargo test`;
//! - `<suite>::<test>` runs the test against the cluster and is ignored unless asked for.
//!
//! A typed test `<suite>::<name>` is a cluster trial like a KUTTL test's. A suite folder that cannot
//! be read gives one failing trial named after the suite.

use std::collections::HashMap;
use std::sync::Arc;

use std::panic::AssertUnwindSafe;
use std::time::SystemTime;

use futures::FutureExt;
use libtest_mimic::{Failed, Trial};

use super::lifecycle::EnterError;
use super::run_state::RunState;
use crate::chainsaw::discover::ChainsawRef;
use crate::load::discover::{Discovered, TestRef};
use crate::run::{self, Body, TestId, TestRecord, TestSettings, TypedFn};

/// The suffix of the offline load trial of a test.
pub(crate) const LOAD_SUFFIX: &str = "::load";

/// A trial and what the harness needs to know about it to order trials and plan hooks.
pub(crate) struct Planned {
    pub trial: Trial,
    /// The suite it belongs to.
    pub suite: String,
    /// Whether it runs against the cluster (and so within its suite's hooks).
    pub cluster: bool,
    /// It reports what discovery found wrong (a file that cannot be read, two tests of one
    /// name): shown by every kind of run, the command-line tool's too.
    pub problem: bool,
    /// Where it comes from, for the message when two trials share a name.
    pub source: String,
}

/// The trials for what discovery found.
pub(crate) fn build(state: &Arc<RunState>, discovered: Vec<Discovered>) -> Vec<Planned> {
    let mut planned = Vec::new();
    for found in discovered {
        match found {
            Discovered::Test(test) => {
                let (suite, source) = (
                    test.suite.clone(),
                    format!("the test folder {}", test.dir.display()),
                );
                let load = load_trial(state, test.clone());
                let cluster = cluster_trial(state, Work::Kuttl(test));
                push_test(&mut planned, suite, source, load, cluster);
            }
            Discovered::Chainsaw(test) => {
                let source = format!("the Chainsaw test {} ({})", test.name, test.file.display());
                let suite = test.suite.clone();
                let load = chainsaw_load_trial(state, test.clone());
                let cluster = cluster_trial(state, Work::Chainsaw(test));
                push_test(&mut planned, suite, source, load, cluster);
            }
            Discovered::Problem {
                suite,
                trial,
                diagnostic,
            } => planned.push(Planned {
                source: format!("{}", diagnostic.path.display()),
                trial: Trial::test(trial, move || Err(diagnostic.to_string().into())),
                suite,
                cluster: false,
                problem: true,
            }),
        }
    }
    planned
}

/// A test's two trials: `::load`, offline, and the one against the cluster.
fn push_test(
    planned: &mut Vec<Planned>,
    suite: String,
    source: String,
    load: Trial,
    cluster: Trial,
) {
    planned.push(Planned {
        trial: load,
        suite: suite.clone(),
        cluster: false,
        problem: false,
        source: source.clone(),
    });
    planned.push(Planned {
        trial: cluster,
        suite,
        cluster: true,
        problem: false,
        source,
    });
}

/// Trials that share a name (a typed test registered twice, or named like a test folder of its
/// suite) become one failing trial that names where each came from, so `--exact`, nextest and the
/// reports never see two tests with one name. Order is kept.
pub(crate) fn reject_duplicates(planned: Vec<Planned>) -> Vec<Planned> {
    let mut sources: HashMap<String, Vec<String>> = HashMap::new();
    for p in &planned {
        sources
            .entry(p.trial.name().to_string())
            .or_default()
            .push(p.source.clone());
    }
    let mut kept = Vec::with_capacity(planned.len());
    for p in planned {
        let name = p.trial.name().to_string();
        match sources.remove(&name) {
            Some(from) if from.len() > 1 => {
                let message = format!(
                    "{} tests are named {name}: {}; give each a name of its own",
                    from.len(),
                    from.join(" and ")
                );
                kept.push(Planned {
                    trial: Trial::test(name, move || Err(message.into())),
                    cluster: false,
                    problem: true,
                    ..p
                });
            }
            Some(_) => kept.push(p),
            // A later trial of a name already reported.
            None => {}
        }
    }
    kept
}

/// The offline load trial of a KUTTL test: its step files read and checked, without a cluster.
fn load_trial(state: &Arc<RunState>, test: TestRef) -> Trial {
    let name = test.trial_name();
    let (suite, test_name) = (test.suite.clone(), test.name.clone());
    offline_load_trial(state, &name, suite, test_name, move |state| {
        let namespace = state.placeholder_namespace();
        state.loader.load(&test, namespace).map(drop)
    })
}

/// The offline load trial of a Chainsaw test: its file read, its step templates expanded and its
/// operations checked, without a cluster.
fn chainsaw_load_trial(state: &Arc<RunState>, test: ChainsawRef) -> Trial {
    let name = test.trial_name();
    let (suite, test_name) = (test.suite.clone(), test.name.clone());
    offline_load_trial(state, &name, suite, test_name, move |state| {
        let dir = suite_dir(state, &test.suite);
        state.loader.load_chainsaw(&test, &dir).map(drop)
    })
}

/// `<trial>::load`: runs `load`, and records a failure as a test that did not start.
fn offline_load_trial<E: std::fmt::Display + Into<Failed>>(
    state: &Arc<RunState>,
    trial_name: &str,
    suite: String,
    test: String,
    load: impl FnOnce(&Arc<RunState>) -> Result<(), E> + Send + 'static,
) -> Trial {
    let state = Arc::clone(state);
    Trial::test(format!("{trial_name}{LOAD_SUFFIX}"), move || {
        let started = SystemTime::now();
        load(&state).map_err(|err| {
            state.records.load_failure(TestRecord::not_started(
                &suite,
                &test,
                started,
                err.to_string(),
            ));
            err.into()
        })
    })
}

/// A typed test registered with [`crate::Harness::typed_test`] or `#[kuttl::test]`.
#[derive(Clone)]
pub(crate) struct TypedTest {
    pub suite: String,
    pub name: String,
    /// Replaces the suite's timeout as the test's time limit.
    pub timeout: Option<std::time::Duration>,
    pub test: TypedFn,
    /// Where it was registered, for messages.
    pub source: String,
    /// The function's Rust path (`module::function`), another name for its trial in filters.
    pub alias: Option<String>,
}

impl TypedTest {
    /// A function registered with `#[kuttl::test]`.
    pub(crate) fn registered(registered: &'static crate::registry::RegisteredTest) -> Self {
        let run = registered.run;
        Self {
            suite: registered.suite.to_string(),
            name: registered.name.to_string(),
            timeout: registered
                .timeout_seconds
                .map(std::time::Duration::from_secs),
            test: Arc::new(run),
            source: format!(
                "#[kuttl::test] fn {} ({}:{})",
                registered.rust_path(),
                registered.file,
                registered.line
            ),
            alias: Some(registered.rust_path()),
        }
    }

    /// The trial's name: `<suite>::<name>`.
    pub(crate) fn trial_name(&self) -> String {
        format!("{}::{}", self.suite, self.name)
    }
}

/// Name filters that give a typed test's Rust path (`module::function`, as an editor's "Run
/// Test" passes it) rewritten to its trial's name; other filters stay as they are. Whether one was.
pub(crate) fn resolve_aliases(filters: &mut [String], typed: &[TypedTest]) -> bool {
    let mut resolved = false;
    for filter in filters {
        if let Some(test) = typed
            .iter()
            .find(|t| t.alias.as_deref() == Some(filter.as_str()))
        {
            *filter = test.trial_name();
            resolved = true;
        }
    }
    resolved
}

/// The cluster trials of the typed tests; one whose suite is not in the collection fails, unless
/// the collection was swapped (`skip_unknown_suites`), in which case it is left out.
pub(crate) fn build_typed(
    state: &Arc<RunState>,
    typed: &[TypedTest],
    skip_unknown_suites: bool,
) -> Vec<Planned> {
    typed
        .iter()
        .filter(|typed| {
            !skip_unknown_suites
                || state
                    .collection
                    .suites
                    .iter()
                    .any(|s| s.name == typed.suite)
        })
        .map(|typed| {
            let name = typed.trial_name();
            let known = state
                .collection
                .suites
                .iter()
                .any(|s| s.name == typed.suite);
            let trial = if known {
                cluster_trial(state, Work::Typed(typed.clone()))
            } else {
                let message = format!(
                    "typed test {name} names suite {:?}, which is not one of the testDirs of {}",
                    typed.suite,
                    state.collection.path.display()
                );
                Trial::test(name, move || Err(message.into()))
            };
            Planned {
                trial,
                suite: typed.suite.clone(),
                cluster: known,
                problem: !known,
                source: typed.source.clone(),
            }
        })
        .collect()
}

/// What a cluster trial runs.
enum Work {
    Kuttl(TestRef),
    Chainsaw(ChainsawRef),
    Typed(TypedTest),
}

/// A loaded test: KUTTL's steps, a Chainsaw test, or nothing to load (a typed test).
enum Loaded {
    Kuttl(crate::load::TestCase),
    Chainsaw(Box<crate::chainsaw::model::Test>),
    Typed,
}

impl Work {
    fn suite(&self) -> &str {
        match self {
            Work::Kuttl(test) => &test.suite,
            Work::Chainsaw(test) => &test.suite,
            Work::Typed(typed) => &typed.suite,
        }
    }

    fn name(&self) -> &str {
        match self {
            Work::Kuttl(test) => &test.name,
            Work::Chainsaw(test) => &test.name,
            Work::Typed(typed) => &typed.name,
        }
    }
}

fn cluster_trial(state: &Arc<RunState>, work: Work) -> Trial {
    let state = Arc::clone(state);
    let trial_name = format!("{}::{}", work.suite(), work.name());
    Trial::test(trial_name.clone(), move || {
        let started = SystemTime::now();
        let (suite_name, test_name) = (work.suite(), work.name());
        let not_started = |message: String| {
            (
                Err(message.clone()),
                TestRecord::not_started(suite_name, test_name, started, message),
            )
        };
        let namespace = state.test_namespace();
        let loaded = match &work {
            Work::Kuttl(test) => state
                .loader
                .load(test, &namespace)
                .map(|(suite, case)| (suite, Loaded::Kuttl(case))),
            Work::Chainsaw(test) => state
                .loader
                .load_chainsaw(test, &suite_dir(&state, &test.suite))
                .map(|(suite, test)| (suite, Loaded::Chainsaw(Box::new(test)))),
            Work::Typed(typed) => state
                .loader
                .load_suite(&typed.suite)
                .map(|suite| (suite, Loaded::Typed)),
        }
        .map_err(|err| err.to_string());
        let result = run::RUNTIME.block_on(async {
            let lifecycle = state.lifecycle();
            // A panic must not skip `leave`: the suite's after hook and the next suite wait on it.
            let (outcome, record) = AssertUnwindSafe(async {
                if run::interrupted() {
                    return not_started(run::INTERRUPTED.to_string());
                }
                let (suite, case) = match loaded {
                    Ok(loaded) => loaded,
                    Err(load_error) => return not_started(load_error),
                };
                // Chainsaw's `skip: true`: nothing runs, not even the namespace or the hooks.
                if matches!(&case, Loaded::Chainsaw(test) if test.spec.skip == Some(true)) {
                    let record = TestRecord::skipped(suite_name, test_name, started, "spec.skip is true");
                    return (Ok(()), record);
                }
                // Connect first: with no cluster, hooks cannot run either, and the message is
                // about the cluster.
                let cluster = match state.cluster().await {
                    Ok(cluster) => cluster,
                    Err(err) => return not_started(err.to_string()),
                };
                if suite.requires_nodes
                    && let Some(why) = cluster.lacks_nodes()
                {
                    return not_started(format!(
                        "not run: the suite needs a cluster with nodes that run pods (requires: [nodes] in its {}), and {why}; point KUBECONFIG at a cluster with nodes",
                        crate::load::suite::SUITE_FILE
                    ));
                }
                if let Err(not_entered) = lifecycle.enter(suite_name, &*state).await {
                    return not_started(match not_entered {
                        _ if run::interrupted() => run::INTERRUPTED.to_string(),
                        EnterError::Hook(failure) => format!("not run: a hook failed\n{failure}"),
                        EnterError::Coordination(err) => {
                            format!("not run: its scope's before hooks could not be shared\n{err}")
                        }
                        EnterError::Stopped(stopped) => stopped.to_string(),
                    });
                }
                let shared_namespace = match state.shared_namespace(&cluster).await {
                    Ok(shared) => shared,
                    Err(err) => return not_started(err.to_string()),
                };
                // A Chainsaw test that names its namespace works there: in one that exists as
                // in one another test shares, else in its own, created and deleted by the test.
                let (shared_namespace, namespace) = match &case {
                    Loaded::Chainsaw(test) => match test
                        .named_namespace()
                        .or(state.collection.chainsaw.namespace.as_deref())
                    {
                        Some(named) => match crate::chainsaw::run::namespace_exists(&cluster, named).await {
                            Ok(true) => (Some(Arc::from(named)), named.to_string()),
                            Ok(false) => (None, named.to_string()),
                            Err(err) => return not_started(err),
                        },
                        None => (shared_namespace, namespace),
                    },
                    _ => (shared_namespace, namespace),
                };
                let settings = TestSettings {
                    step_timeout: suite.timeout.unwrap_or(state.collection.timeout),
                    skip_delete: state.collection.skip_delete,
                    show_events: !state.collection.suppress_events,
                    masks: Arc::clone(&state.masks),
                    shared_namespace,
                    namespace,
                };
                let chainsaw_settings;
                let (body, dir) = match (&work, &case) {
                    (Work::Kuttl(test), Loaded::Kuttl(case)) => (Body::Steps(case), test.dir.clone()),
                    (Work::Chainsaw(_), Loaded::Chainsaw(test)) => {
                        chainsaw_settings = state.chainsaw_settings();
                        (Body::Chainsaw(test, &chainsaw_settings), test.dir.clone())
                    }
                    (Work::Typed(typed), _) => {
                        let (test, fixtures) = (Arc::clone(&typed.test), Arc::clone(&state.fixtures));
                        let suite = typed.suite.clone();
                        let with_fixtures: TypedFn = Arc::new(move |ctx: crate::TestContext| {
                            test(ctx.with_fixtures(Arc::clone(&fixtures), &suite))
                        });
                        (
                            Body::Typed(with_fixtures, typed.timeout),
                            suite_dir(&state, suite_name),
                        )
                    }
                    _ => unreachable!("a test is loaded as what it is"),
                };
                let id = TestId {
                    suite: suite_name,
                    name: test_name,
                    dir,
                };
                // The slot is held while the test works and withdraws what other tests can see,
                // not while its own namespace finalizes.
                // The turn before the slot: a test waiting to run alone holds no slot meanwhile.
                let alone = matches!(&case, Loaded::Chainsaw(test) if test.spec.concurrent == Some(false));
                let _turn = tokio::select! {
                    turn = state.turns().take(alone) => turn,
                    () = run::until_interrupted() => return not_started(run::INTERRUPTED.to_string()),
                };
                let slot = tokio::select! {
                    slot = state.slots().acquire(state.place(suite_name, test_name)) => slot,
                    () = run::until_interrupted() => return not_started(run::INTERRUPTED.to_string()),
                };
                let is_chainsaw = matches!(&case, Loaded::Chainsaw(_));
                if is_chainsaw && state.chainsaw_failed_fast() {
                    return not_started(
                        "not run: an earlier Chainsaw test failed and the Chainsaw Configuration sets failFast"
                            .to_string(),
                    );
                }
                state.progress.started();
                let finished = match run::work(cluster, id, body, settings, &trial_name).await {
                    Ok(worked) => worked.clean_up(slot).await,
                    Err(not_started) => not_started,
                };
                if is_chainsaw && finished.0.is_err() {
                    state.chainsaw_failed();
                }
                state.progress.ended(finished.0.is_ok());
                finished
            })
            .catch_unwind()
            .await
            .unwrap_or_else(|_| not_started("the test panicked".to_string()));
            state.records.test(record);
            // Always, so the suite's after hook runs once its last trial has ended.
            let left = lifecycle.leave(suite_name, &*state).await;
            match (outcome, left) {
                (Ok(()), Ok(())) => Ok(()),
                (Ok(()), Err(hook)) => Err(format!(
                    "the test passed, then its suite's after hook failed\n{hook}"
                )),
                (Err(test), Ok(())) => Err(test),
                (Err(test), Err(hook)) => Err(format!(
                    "{test}\nand then its suite's after hook failed\n{hook}"
                )),
            }
        });
        result.map_err(Failed::from)
    })
    .with_ignored_flag(true)
}

fn suite_dir(state: &RunState, suite: &str) -> std::path::PathBuf {
    state
        .collection
        .suites
        .iter()
        .find(|s| s.name == suite)
        .map(|s| s.path.clone())
        .unwrap_or_default()
}
