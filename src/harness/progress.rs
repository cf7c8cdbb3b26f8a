//! A live count of the cluster trials, for a person at a terminal: libtest prints a test only when
//! it ends, so a run of slow tests shows nothing for minutes. Once a second, while the count
//! changes, stderr gets a whole line (never a partial one, so it cannot garble libtest's lines).

use std::io::Write;
use std::sync::Weak;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How many cluster trials are running, passed and failed.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    running: AtomicUsize,
    passed: AtomicUsize,
    failed: AtomicUsize,
}

impl Progress {
    /// A trial started its work.
    pub(crate) fn started(&self) {
        self.running.fetch_add(1, Ordering::SeqCst);
    }

    /// A trial that started has ended.
    pub(crate) fn ended(&self, passed: bool) {
        self.running.fetch_sub(1, Ordering::SeqCst);
        let count = if passed { &self.passed } else { &self.failed };
        count.fetch_add(1, Ordering::SeqCst);
    }

    fn counts(&self) -> (usize, usize, usize) {
        (
            self.running.load(Ordering::SeqCst),
            self.passed.load(Ordering::SeqCst),
            self.failed.load(Ordering::SeqCst),
        )
    }

    /// The line for `total` cluster trials.
    fn line(&self, total: usize) -> String {
        let (running, passed, failed) = self.counts();
        format!("[{running} running, {passed} passed, {failed} failed, of {total}]")
    }
}

/// Prints the count of `progress` every second while it changes, until the run (which owns it)
/// is gone.
pub(crate) async fn print_while_running(progress: Weak<Progress>, total: usize) {
    let mut last = None;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let Some(progress) = progress.upgrade() else {
            return;
        };
        let counts = progress.counts();
        if last != Some(counts) {
            last = Some(counts);
            let _ = writeln!(std::io::stderr().lock(), "{}", progress.line(total));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_running_then_passed_or_failed() {
        let progress = Progress::default();
        progress.started();
        progress.started();
        assert_eq!(progress.line(3), "[2 running, 0 passed, 0 failed, of 3]");
        progress.ended(true);
        progress.ended(false);
        assert_eq!(progress.line(3), "[0 running, 1 passed, 1 failed, of 3]");
    }
}
