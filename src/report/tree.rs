//! The report as a tree of suites and test cases, in KUTTL's shape, built from the run's records.
//! JSON and JUnit XML both render this tree.

use std::time::{Duration, SystemTime};

use crate::load::Granularity;
use crate::run::{HookRecord, StepRecord, TestRecord};

/// The name of the suite that holds the collection's hooks.
pub(crate) const COLLECTION_HOOKS: &str = "(collection hooks)";

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Suite {
    pub name: String,
    pub started: SystemTime,
    pub duration: Duration,
    pub cases: Vec<Case>,
    /// Step granularity: one sub-suite per test.
    pub suites: Vec<Suite>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Case {
    pub classname: String,
    pub name: String,
    pub started: SystemTime,
    pub duration: Duration,
    pub assertions: usize,
    pub failure: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// KUTTL's message: `failed in step <label>`, `setup`, …
    pub message: String,
    /// The details.
    pub text: String,
}

/// The first failure of the collection's hooks: the run's own failure, as KUTTL reports a failed
/// suite setup at the report's root.
pub(crate) fn collection_failure(suites: &[Suite]) -> Option<&Failure> {
    suites
        .iter()
        .filter(|s| s.name == COLLECTION_HOOKS)
        .flat_map(|s| &s.cases)
        .find_map(|case| case.failure.as_ref())
}

impl Suite {
    /// Test cases with a failure, in this suite and below.
    pub(crate) fn failures(&self) -> usize {
        self.cases.iter().filter(|c| c.failure.is_some()).count()
            + self.suites.iter().map(Suite::failures).sum::<usize>()
    }

    /// Test cases, in this suite and below.
    pub(crate) fn tests(&self) -> usize {
        self.cases.len() + self.suites.iter().map(Suite::tests).sum::<usize>()
    }
}

/// One suite per suite folder (by name), holding its tests and its hooks, plus one for the
/// collection's hooks when any ran.
pub(crate) fn build(
    tests: &[TestRecord],
    hooks: &[HookRecord],
    granularity: Granularity,
) -> Vec<Suite> {
    let mut names: Vec<&str> = tests
        .iter()
        .map(|t| t.suite.as_str())
        .chain(hooks.iter().filter_map(|h| h.suite.as_deref()))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut suites: Vec<Suite> = names
        .into_iter()
        .map(|name| {
            let mut members: Vec<&TestRecord> = tests.iter().filter(|t| t.suite == name).collect();
            members.sort_by(|a, b| a.test.cmp(&b.test));
            let mut suite = match granularity {
                Granularity::Test => Suite {
                    cases: members.iter().map(|t| test_case(t)).collect(),
                    ..empty(name)
                },
                Granularity::Step => Suite {
                    suites: members.iter().map(|t| test_suite(t, step_cases)).collect(),
                    ..empty(name)
                },
                Granularity::Operation => Suite {
                    suites: members
                        .iter()
                        .map(|t| test_suite(t, operation_cases))
                        .collect(),
                    ..empty(name)
                },
            };
            suite.cases.extend(
                hooks
                    .iter()
                    .filter(|h| h.suite.as_deref() == Some(name))
                    .map(hook_case),
            );
            span(&mut suite);
            suite
        })
        .collect();
    let collection_hooks: Vec<Case> = hooks
        .iter()
        .filter(|h| h.suite.is_none())
        .map(hook_case)
        .collect();
    if !collection_hooks.is_empty() {
        let mut suite = Suite {
            cases: collection_hooks,
            ..empty(COLLECTION_HOOKS)
        };
        span(&mut suite);
        suites.push(suite);
    }
    suites
}

fn empty(name: &str) -> Suite {
    Suite {
        name: name.to_string(),
        started: SystemTime::now(),
        duration: Duration::ZERO,
        cases: Vec::new(),
        suites: Vec::new(),
    }
}

/// Sets a suite's start and duration from what it holds.
fn span(suite: &mut Suite) {
    let spans = suite
        .cases
        .iter()
        .map(|c| (c.started, c.duration))
        .chain(suite.suites.iter().map(|s| (s.started, s.duration)));
    let (mut start, mut end): (Option<SystemTime>, Option<SystemTime>) = (None, None);
    for (started, duration) in spans {
        start = Some(start.map_or(started, |s| s.min(started)));
        end = Some(end.map_or(started + duration, |e| e.max(started + duration)));
    }
    if let (Some(start), Some(end)) = (start, end) {
        suite.started = start;
        suite.duration = end.duration_since(start).unwrap_or_default();
    }
}

/// Test granularity: the test is one case; its failure is the first failure.
fn test_case(test: &TestRecord) -> Case {
    let failure = test
        .setup_failure
        .as_ref()
        .map(|text| failure("setup failed", text))
        .or_else(|| {
            test.steps.iter().find_map(|s| {
                step_text(s).map(|text| failure(&format!("failed in step {}", s.label), text))
            })
        })
        .or_else(|| {
            test.cleanup_failure
                .as_ref()
                .map(|text| failure("cleanup failed", text))
        });
    Case {
        classname: test.suite.clone(),
        name: test.test.clone(),
        started: test.started,
        duration: test.duration,
        assertions: test.steps.iter().map(|s| s.assertions).sum(),
        failure,
    }
}

/// Step and operation granularity: the test is a suite of `setup`, the cases of each step
/// reached, and `cleanup` when cleaning up failed.
fn test_suite(test: &TestRecord, step_cases: fn(&TestRecord, &StepRecord) -> Vec<Case>) -> Suite {
    let first_step = test
        .steps
        .first()
        .map_or(test.started + test.duration, |s| s.started);
    let mut cases = vec![Case {
        classname: test.test.clone(),
        name: "setup".into(),
        started: test.started,
        duration: first_step.duration_since(test.started).unwrap_or_default(),
        assertions: 0,
        failure: test
            .setup_failure
            .as_ref()
            .map(|text| failure("setup failed", text)),
    }];
    cases.extend(test.steps.iter().flat_map(|step| step_cases(test, step)));
    if let Some(text) = &test.cleanup_failure {
        cases.push(Case {
            classname: test.test.clone(),
            name: "cleanup".into(),
            started: test.started + test.duration,
            duration: Duration::ZERO,
            assertions: 0,
            failure: Some(failure("cleanup failed", text)),
        });
    }
    Suite {
        name: test.test.clone(),
        started: test.started,
        duration: test.duration,
        cases,
        suites: Vec::new(),
    }
}

/// One case for the step.
fn step_cases(test: &TestRecord, step: &StepRecord) -> Vec<Case> {
    vec![Case {
        classname: test.test.clone(),
        name: format!("step {}", step.label),
        started: step.started,
        duration: step.duration,
        assertions: step.assertions,
        failure: step_text(step)
            .map(|text| failure(&format!("failed in step {}", step.label), text)),
    }]
}

/// One case per operation of a Chainsaw step, named `step <label> / <operation>` with its kind
/// as the class, as Chainsaw's `JUNIT-OPERATION` has them; one case for a KUTTL step.
fn operation_cases(test: &TestRecord, step: &StepRecord) -> Vec<Case> {
    if step.operations.is_empty() {
        return step_cases(test, step);
    }
    step.operations
        .iter()
        .map(|operation| Case {
            classname: operation.kind.clone(),
            name: format!("step {} / {}", step.label, operation.label),
            started: operation.started,
            duration: operation.duration,
            assertions: usize::from(matches!(operation.kind.as_str(), "assert" | "error")),
            failure: operation.failure.as_ref().map(|text| {
                failure(
                    &format!("failed in step {} {}", step.label, operation.label),
                    text,
                )
            }),
        })
        .collect()
}

fn hook_case(hook: &HookRecord) -> Case {
    let point = hook
        .name
        .rsplit("::")
        .next()
        .unwrap_or(&hook.name)
        .to_string();
    Case {
        classname: hook
            .suite
            .clone()
            .unwrap_or_else(|| COLLECTION_HOOKS.into()),
        name: point.clone(),
        started: hook.started,
        duration: hook.duration,
        assertions: 0,
        failure: hook.failure.as_ref().map(|text| {
            failure(
                &format!("{point} hook failed ({})", hook.source),
                &text.to_string(),
            )
        }),
    }
}

/// A failed step's text, as KUTTL's reports give it: the step's last error alone (the whole
/// message is in the test's output and `failure.txt`).
fn step_text(step: &StepRecord) -> Option<&str> {
    step.failure.as_ref()?;
    step.last_error.as_deref().or(step.failure.as_deref())
}

fn failure(message: &str, text: &str) -> Failure {
    Failure {
        message: message.to_string(),
        text: text.to_string(),
    }
}
