//! Turning discovered tests into libtest-mimic trials.
//!
//! Each KUTTL test gives two trials:
//! - `<suite>::<test>::load` loads the folder without a cluster and always runs, so a broken step
//!   file fails plain `cargo test`;
//! - `<suite>::<test>` runs the test against the cluster and is ignored unless asked for.
//!
//! A suite folder that cannot be read gives one failing trial named after the suite.

use std::sync::Arc;

use libtest_mimic::{Failed, Trial};

use super::run_state::RunState;
use crate::load::discover::{Discovered, TestRef};
use crate::run::{self, TestSettings};

/// The suffix of the offline load trial of a test.
pub(crate) const LOAD_SUFFIX: &str = "::load";

/// The trials for what discovery found.
pub(crate) fn build(state: &Arc<RunState>, discovered: Vec<Discovered>) -> Vec<Trial> {
    let mut trials = Vec::new();
    for found in discovered {
        match found {
            Discovered::Test(test) => {
                trials.push(load_trial(state, test.clone()));
                trials.push(cluster_trial(state, test));
            }
            Discovered::SuiteProblem { suite, diagnostic } => {
                trials.push(Trial::test(suite, move || {
                    Err(diagnostic.to_string().into())
                }));
            }
        }
    }
    trials
}

fn load_trial(state: &Arc<RunState>, test: TestRef) -> Trial {
    let state = Arc::clone(state);
    Trial::test(format!("{}{LOAD_SUFFIX}", test.trial_name()), move || {
        state.load(&test).map(drop).map_err(Failed::from)
    })
}

fn cluster_trial(state: &Arc<RunState>, test: TestRef) -> Trial {
    let state = Arc::clone(state);
    Trial::test(test.trial_name(), move || {
        let (suite, case) = state.load(&test)?;
        let settings = TestSettings {
            step_timeout: suite.timeout.unwrap_or(state.collection.timeout),
            skip_delete: state.collection.skip_delete,
        };
        let trial_name = test.trial_name();
        run::RUNTIME
            .block_on(async {
                let cluster = state.cluster().await?;
                run::run(cluster, &case, settings, &trial_name).await
            })
            .map_err(Failed::from)
    })
    .with_ignored_flag(true)
}
