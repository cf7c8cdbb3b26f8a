//! Where a Chainsaw operation runs: what the test takes from the run ([`Settings`]) and the
//! step's resolved settings ([`Scope`]).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kube::api::PropagationPolicy;

use super::super::config::RunConfig;
use super::super::expression::Expressions;
use super::super::model::{Test, Timeouts};
use super::clusters::{Current, Declared, Opened};
use crate::run::{Connection, OperationRecord, Session, TestState};

/// How often Chainsaw's operations try again (`client.PollInterval`).
pub(super) const POLL: Duration = Duration::from_millis(50);

/// What a Chainsaw test takes from the run.
pub(crate) struct Settings {
    /// The expression engines.
    pub expressions: Expressions,
    /// The run's Chainsaw Configuration and `$values`.
    pub config: Arc<RunConfig>,
    /// Keep what the test created (the collection's `skipDelete`, or the Configuration's).
    pub skip_delete: bool,
}

/// Where an operation runs: the test, its settings, the step's resolved timeouts, templating and
/// expression engine.
#[derive(Clone)]
pub(crate) struct Scope<'a> {
    pub test: &'a Arc<TestState>,
    pub chainsaw: &'a Test,
    pub settings: &'a Settings,
    pub timeouts: Timeouts,
    pub template: bool,
    /// The engines, with the test's and step's `compiler` (an operation's own is applied when it
    /// runs).
    pub expressions: Expressions,
    /// Which step (from 1).
    pub step: usize,
    /// The clusters declared so far (Configuration, test, step).
    pub declared: Declared,
    /// The cluster operations run on, unless one names another.
    pub cluster: Current,
    /// The clusters the test has opened.
    pub opened: &'a Opened,
    /// The step's operations that have run, for its record.
    pub operations: Arc<Mutex<Vec<OperationRecord>>>,
}

impl Scope<'_> {
    /// `<n>-<step name>`, what the test's log calls the step.
    pub(super) fn step_label(&self) -> String {
        format!("{}-{}", self.step, self.chainsaw.steps[self.step - 1].name)
    }

    pub(super) fn expressions(&self) -> &Expressions {
        &self.expressions
    }

    /// The connection to the cluster the operation runs on.
    pub(super) fn connection(&self) -> &Connection {
        self.cluster.or(&self.test.connection)
    }

    /// The test at work on the cluster the operation runs on.
    pub(super) fn session(&self) -> Session<'_> {
        Session {
            test: self.test,
            connection: self.connection(),
        }
    }

    /// How a deletion reaches dependents: `own` (an operation's), else the step's, the test's,
    /// the Configuration's, else Background. Chainsaw always sends one: a Job's server-side
    /// default (orphan) would leave its Pods behind.
    pub(super) fn deletion_propagation(&self, own: Option<&str>) -> PropagationPolicy {
        let policy = own
            .or(self.chainsaw.steps[self.step - 1]
                .deletion_propagation_policy
                .as_deref())
            .or(self.chainsaw.spec.deletion_propagation_policy.as_deref())
            .or(self.settings.config.deletion_propagation_policy.as_deref());
        match policy {
            Some("Orphan") => PropagationPolicy::Orphan,
            Some("Foreground") => PropagationPolicy::Foreground,
            _ => PropagationPolicy::Background,
        }
    }

    /// The timeout of a class, resolved (`None`: the class has no timeout, e.g. `sleep`).
    pub(super) fn timeout(
        &self,
        class: fn(&Timeouts) -> Option<Duration>,
        own: Option<&str>,
    ) -> Duration {
        own.and_then(|text| super::super::load::duration(text).ok())
            .or_else(|| class(&self.timeouts))
            .unwrap_or(Duration::from_secs(30))
    }
}
