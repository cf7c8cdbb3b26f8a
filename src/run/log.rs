//! A test's log: everything the engine and the test's commands report, kept in memory and put
//! into the failure message (trials must never print).

use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A shared, append-only log with times relative to the test's start.
#[derive(Clone)]
pub(crate) struct TestLog {
    lines: Arc<Mutex<String>>,
    start: Instant,
}

impl TestLog {
    pub(crate) fn new() -> Self {
        Self {
            lines: Arc::default(),
            start: Instant::now(),
        }
    }

    /// Appends `message` (each of its lines) under `scope` (the test, or `<index>-<step>`).
    pub(crate) fn line(&self, scope: &str, message: &str) {
        let elapsed = self.start.elapsed().as_secs_f64();
        let mut lines = self
            .lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for text in message.lines() {
            lines.push_str(&format!("{elapsed:>8.3}s | {scope} | {text}\n"));
        }
    }

    /// Everything logged so far.
    pub(crate) fn text(&self) -> String {
        self.lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}
