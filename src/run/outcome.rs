//! What the engine emits: one record per test (with its steps) and per hook that ran. Reports,
//! artifacts and coverage are made from these. Under nextest, each test process saves its records
//! for the process that writes the run's reports (serde).

use std::time::{Duration, SystemTime};

/// One test's outcome.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct TestRecord {
    pub suite: String,
    pub test: String,
    pub started: SystemTime,
    pub duration: Duration,
    /// Why the test could not start (load error, no cluster, failed hook, namespace creation).
    pub setup_failure: Option<String>,
    /// The steps that were reached, in order.
    pub steps: Vec<StepRecord>,
    /// Failed after the steps (namespace deletion).
    pub cleanup_failure: Option<String>,
    /// Everything the test logged.
    pub log: String,
    /// The namespace's events, when the test failed.
    pub events: Option<String>,
    /// The requests the test sent (method, path and query), when coverage is on.
    pub requests: Vec<(String, String)>,
}

impl TestRecord {
    /// A test that failed before any step ran.
    pub(crate) fn not_started(
        suite: &str,
        test: &str,
        started: SystemTime,
        failure: String,
    ) -> Self {
        Self {
            suite: suite.to_string(),
            test: test.to_string(),
            started,
            duration: started.elapsed().unwrap_or_default(),
            setup_failure: Some(failure),
            steps: Vec::new(),
            cleanup_failure: None,
            log: String::new(),
            events: None,
            requests: Vec::new(),
        }
    }

    /// A test its file says to skip: it passes having run nothing, and its log says why.
    pub(crate) fn skipped(suite: &str, test: &str, started: SystemTime, why: &str) -> Self {
        Self {
            setup_failure: None,
            log: format!("skipped: {why}\n"),
            ..Self::not_started(suite, test, started, String::new())
        }
    }

    /// The record with `scrub` applied to every text it holds that the cluster or the test wrote:
    /// failures, the log, events and request paths.
    pub(crate) fn scrubbed(mut self, scrub: impl Fn(&str) -> String) -> Self {
        let scrub_option = |text: &mut Option<String>| {
            if let Some(text) = text {
                *text = scrub(text);
            }
        };
        scrub_option(&mut self.setup_failure);
        scrub_option(&mut self.cleanup_failure);
        scrub_option(&mut self.events);
        for step in &mut self.steps {
            scrub_option(&mut step.failure);
            scrub_option(&mut step.last_error);
            for operation in &mut step.operations {
                scrub_option(&mut operation.failure);
            }
        }
        self.log = scrub(&self.log);
        for (_, path) in &mut self.requests {
            *path = scrub(path);
        }
        self
    }

    /// Whether anything failed.
    pub(crate) fn failed(&self) -> bool {
        self.setup_failure.is_some()
            || self.cleanup_failure.is_some()
            || self.steps.iter().any(|s| s.failure.is_some())
    }
}

/// One step's outcome.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct StepRecord {
    /// `<index>-<name>`.
    pub label: String,
    pub started: SystemTime,
    pub duration: Duration,
    /// Assert and errors objects of the step.
    pub assertions: usize,
    /// The failure message, when the step failed.
    pub failure: Option<String>,
    /// The step's last error alone (what KUTTL's reports give as a failure's text).
    pub last_error: Option<String>,
    /// A Chainsaw step's operations (its `try`, `catch` and `finally`) in the order they ran;
    /// empty for KUTTL steps.
    #[serde(default)]
    pub operations: Vec<OperationRecord>,
}

/// One operation of a Chainsaw step.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct OperationRecord {
    /// What the test's log calls it: `try[2] (assert)`.
    pub label: String,
    /// Its kind: `apply`, `assert`, `script`, ….
    pub kind: String,
    pub started: SystemTime,
    pub duration: Duration,
    /// The failure message, when it failed.
    pub failure: Option<String>,
}

/// One hook that ran.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct HookRecord {
    /// `beforeCollection`, `apps::afterSuite`, …
    pub name: String,
    /// The suite it belongs to (`None`: the collection).
    pub suite: Option<String>,
    /// `file:line` of its declaration.
    pub source: String,
    pub started: SystemTime,
    pub duration: Duration,
    pub failure: Option<super::HookFailure>,
    /// The requests the hook sent, when coverage is on.
    pub requests: Vec<(String, String)>,
}
