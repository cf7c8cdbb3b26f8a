//! What a run recorded for its reports: every cluster trial's outcome, the tests whose files did
//! not load, and every hook that ran.

use std::sync::Mutex;
use std::time::SystemTime;

use crate::run::{HookRecord, TestRecord};

/// The run's records, added to by the trials and the hooks as they end.
pub(crate) struct Records {
    /// When the run started, for the hook trace.
    started: SystemTime,
    tests: Mutex<Vec<TestRecord>>,
    load_failures: Mutex<Vec<TestRecord>>,
    hooks: Mutex<Vec<HookRecord>>,
}

impl Records {
    /// Empty records of a run starting now.
    pub(crate) fn new() -> Self {
        Self {
            started: SystemTime::now(),
            tests: Mutex::default(),
            load_failures: Mutex::default(),
            hooks: Mutex::default(),
        }
    }

    /// When the run started.
    pub(crate) fn started(&self) -> SystemTime {
        self.started
    }

    /// Records a cluster trial's outcome.
    pub(crate) fn test(&self, record: TestRecord) {
        lock(&self.tests).push(record);
    }

    /// Records a test whose files do not load.
    pub(crate) fn load_failure(&self, record: TestRecord) {
        lock(&self.load_failures).push(record);
    }

    /// Records a hook that ran.
    pub(crate) fn hook(&self, record: HookRecord) {
        lock(&self.hooks).push(record);
    }

    /// Every test's record (a cluster trial's, else a failed load's) and every hook's.
    pub(crate) fn all(&self) -> (Vec<TestRecord>, Vec<HookRecord>) {
        let mut tests = lock(&self.tests).clone();
        for failure in lock(&self.load_failures).iter() {
            if !tests
                .iter()
                .any(|t| t.suite == failure.suite && t.test == failure.test)
            {
                tests.push(failure.clone());
            }
        }
        (tests, lock(&self.hooks).clone())
    }

    /// One line per hook that ran: name, file, outcome, duration and start time.
    pub(crate) fn hook_trace(&self) -> Vec<String> {
        lock(&self.hooks)
            .iter()
            .map(|hook| {
                format!(
                    "hook {} ({}): {} after {:.3}s, started at +{:.3}s",
                    hook.name,
                    hook.source,
                    if hook.failure.is_none() {
                        "ok"
                    } else {
                        "FAILED"
                    },
                    hook.duration.as_secs_f64(),
                    hook.started
                        .duration_since(self.started)
                        .unwrap_or_default()
                        .as_secs_f64()
                )
            })
            .collect()
    }
}

/// Locks a mutex, recovering the data of a poisoned one (a panicking trial must not lose records).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
