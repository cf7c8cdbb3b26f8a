//! KUTTL's `assert` and `errors` commands: one window of checks of files' objects against the
//! cluster, in a namespace the check neither creates nor deletes.

use std::sync::Arc;
use std::time::Duration;

use super::step::StepFailure;
use super::test_run::describe_failure;
use super::test_state::TestState;
use super::window;
use crate::cluster::Cluster;
use crate::load::{Object, Step};

/// What KUTTL's `assert` and `errors` commands check objects for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// Every object exists and matches, as in a step's assert files.
    Present,
    /// No object matches, as in a step's errors files.
    Absent,
}

/// Checks `objects` in `namespace` until they hold or `timeout` passes; `Err` is the failure
/// message a step with these checks would give.
pub(crate) async fn check(
    cluster: Arc<Cluster>,
    objects: Vec<Object>,
    expect: Expectation,
    namespace: &str,
    timeout: Duration,
) -> Result<(), String> {
    let scope = match expect {
        Expectation::Present => "assert",
        Expectation::Absent => "errors",
    };
    let dir = std::env::current_dir().unwrap_or_default();
    let seconds = i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX);
    let ctx = TestState::new(cluster, scope, namespace.into(), false, dir, seconds, false)
        .map_err(|err| err.to_string())?;
    let (asserts, errors) = match expect {
        Expectation::Present => (objects, Vec::new()),
        Expectation::Absent => (Vec::new(), objects),
    };
    let step = Step {
        name: scope.to_string(),
        asserts,
        errors,
        ..Step::default()
    };
    window::run(&ctx.session(), &step, timeout, scope)
        .await
        .map_err(|failure| describe_failure(scope, StepFailure::Window(failure, None)))
}
