//! Tests that must run alone: Chainsaw's `concurrent: false`. Such a test waits until no other
//! test works, and no test starts while it works (Go's `testing` runs a test that does not call
//! `t.Parallel()` with no parallel test beside it). Every other test shares the run's turn.
//!
//! Within one process: under nextest every test is a process of its own, and nextest's
//! `test-groups` with `max-threads = 1` keep such tests apart.

use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The run's turns: shared by tests that may run beside others, taken whole by one that may not.
#[derive(Default)]
pub(crate) struct Turns {
    lock: RwLock<()>,
}

/// A turn, held while the test works and cleans up; given back when dropped.
pub(crate) enum Turn<'a> {
    /// Beside other tests.
    Shared(#[allow(dead_code, reason = "held for its Drop")] RwLockReadGuard<'a, ()>),
    /// Alone.
    Alone(#[allow(dead_code, reason = "held for its Drop")] RwLockWriteGuard<'a, ()>),
}

impl Turns {
    /// Waits for a turn: alone when `alone`, else beside other tests. Waiters are served in the
    /// order they came, so a test that must run alone is not starved.
    pub(crate) async fn take(&self, alone: bool) -> Turn<'_> {
        if alone {
            Turn::Alone(self.lock.write().await)
        } else {
            Turn::Shared(self.lock.read().await)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_test_that_runs_alone_never_overlaps_another() {
        let turns = Arc::new(Turns::default());
        let working = Arc::new(AtomicUsize::new(0));
        let overlaps = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..12 {
            let (turns, working, overlaps) = (
                Arc::clone(&turns),
                Arc::clone(&working),
                Arc::clone(&overlaps),
            );
            tasks.push(tokio::spawn(async move {
                let alone = i % 4 == 0;
                let _turn = turns.take(alone).await;
                let others = working.fetch_add(1, Ordering::SeqCst);
                if alone && others > 0 {
                    overlaps.fetch_add(1, Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(3)).await;
                if alone && working.load(Ordering::SeqCst) > 1 {
                    overlaps.fetch_add(1, Ordering::SeqCst);
                }
                working.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(overlaps.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn tests_that_may_share_run_together() {
        let turns = Turns::default();
        let _first = turns.take(false).await;
        let second = tokio::time::timeout(Duration::from_millis(50), turns.take(false)).await;
        assert!(
            second.is_ok(),
            "a shared turn waited for another shared turn"
        );
        let alone = tokio::time::timeout(Duration::from_millis(20), turns.take(true)).await;
        assert!(alone.is_err(), "a test ran alone while others worked");
    }
}
