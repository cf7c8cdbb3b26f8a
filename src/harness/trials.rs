//! Turning discovered tests into libtest-mimic trials.
//!
//! Each KUTTL test gives two trials:
//! - `<suite>::<test>::load` loads the folder without a cluster and always runs, so a broken step
//!   file fails plain `cargo test`;
//! - `<suite>::<test>` runs the test against the cluster and is ignored unless asked for.
//!
//! A suite folder that cannot be read gives one failing trial named after the suite.

use std::sync::Arc;

use std::panic::AssertUnwindSafe;
use std::time::SystemTime;

use futures::FutureExt;
use libtest_mimic::{Failed, Trial};

use super::run_state::RunState;
use crate::load::discover::{Discovered, TestRef};
use crate::report::TestRecord;
use crate::run::{self, TestSettings};

/// The suffix of the offline load trial of a test.
pub(crate) const LOAD_SUFFIX: &str = "::load";

/// A trial and what the harness needs to know about it to order trials and plan hooks.
pub(crate) struct Planned {
    pub trial: Trial,
    /// The suite it belongs to.
    pub suite: String,
    /// Whether it runs against the cluster (and so within its suite's hooks).
    pub cluster: bool,
}

/// The trials for what discovery found.
pub(crate) fn build(state: &Arc<RunState>, discovered: Vec<Discovered>) -> Vec<Planned> {
    let mut planned = Vec::new();
    for found in discovered {
        match found {
            Discovered::Test(test) => {
                planned.push(Planned {
                    trial: load_trial(state, test.clone()),
                    suite: test.suite.clone(),
                    cluster: false,
                });
                planned.push(Planned {
                    suite: test.suite.clone(),
                    trial: cluster_trial(state, test),
                    cluster: true,
                });
            }
            Discovered::SuiteProblem { suite, diagnostic } => planned.push(Planned {
                trial: Trial::test(suite.clone(), move || Err(diagnostic.to_string().into())),
                suite,
                cluster: false,
            }),
        }
    }
    planned
}

fn load_trial(state: &Arc<RunState>, test: TestRef) -> Trial {
    let state = Arc::clone(state);
    Trial::test(format!("{}{LOAD_SUFFIX}", test.trial_name()), move || {
        let started = SystemTime::now();
        state.load(&test).map(drop).map_err(|err| {
            state.record_load_failure(TestRecord::not_started(
                &test.suite,
                &test.name,
                started,
                err.to_string(),
            ));
            Failed::from(err)
        })
    })
}

fn cluster_trial(state: &Arc<RunState>, test: TestRef) -> Trial {
    let state = Arc::clone(state);
    Trial::test(test.trial_name(), move || {
        let started = SystemTime::now();
        let not_started = |message: String| {
            (
                Err(message.clone()),
                TestRecord::not_started(&test.suite, &test.name, started, message),
            )
        };
        let loaded = state.load(&test).map_err(|err| err.to_string());
        let result = run::RUNTIME.block_on(async {
            let lifecycle = state.lifecycle();
            // A panic must not skip `leave`: the suite's after hook and the next suite wait on it.
            let (outcome, record) = AssertUnwindSafe(async {
                let (suite, case) = match loaded {
                    Ok(loaded) => loaded,
                    Err(load_error) => return not_started(load_error),
                };
                // Connect first: with no cluster, hooks cannot run either, and the message is
                // about the cluster.
                let cluster = match state.cluster().await {
                    Ok(cluster) => cluster,
                    Err(err) => return not_started(err),
                };
                if let Err(hook_failure) = lifecycle.enter(&test.suite, &*state).await {
                    return not_started(format!("not run: a hook failed\n{hook_failure}"));
                }
                let settings = TestSettings {
                    step_timeout: suite.timeout.unwrap_or(state.collection.timeout),
                    skip_delete: state.collection.skip_delete,
                };
                run::run(cluster, &case, settings, &test.trial_name()).await
            })
            .catch_unwind()
            .await
            .unwrap_or_else(|_| not_started("the test panicked".to_string()));
            state.record(record);
            // Always, so the suite's after hook runs once its last trial has ended.
            let left = lifecycle.leave(&test.suite, &*state).await;
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
